//! `/healthz` and `/readyz`, for a load balancer or a supervisor: no
//! session needed; ready only while the database answers with a current schema.

use super::helpers::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_without_a_session() {
    let app = spawn_app().await;
    let client = app.client();
    let health = app.get(&client, "/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.expect("a body"), "ok");
    let ready = app.get(&client, "/readyz").await;
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn readyz_says_503_when_the_schema_is_behind() {
    let app = spawn_app().await;
    let client = app.client();
    assert_eq!(app.get(&client, "/readyz").await.status(), 200);
    let mut conn = app.connect_for_test().await;
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(&mut conn)
        .await
        .expect("forget the last migration");
    let ready = app.get(&client, "/readyz").await;
    assert_eq!(ready.status(), 503);
    assert!(ready.text().await.expect("a body").contains("schema"));
    assert_eq!(app.get(&client, "/healthz").await.status(), 200, "alive all the same");
}

#[tokio::test]
async fn readyz_says_503_when_the_database_does_not_answer() {
    let app = spawn_app().await;
    let client = app.client();
    app.store.clone().close().await;
    let ready = app.get(&client, "/readyz").await;
    assert_eq!(ready.status(), 503);
    assert_eq!(app.get(&client, "/healthz").await.status(), 200);
}
