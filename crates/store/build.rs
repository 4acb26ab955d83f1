//! The migrations are embedded in the store at compile time
//! (`sqlx::migrate!`); a migration added or changed must rebuild the store,
//! or a build would carry the old list.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
