//! `/members/{id}/pseudonymize`: the committee replaces the personal data of
//! a member who left the roll, once the retention period is over, by an
//! alias (`app::privacy`). `GET` (or a post without `confirm=yes`) says what
//! will be removed and writes nothing; the confirmation's button does it.

use crate::error::{WebResult, render};
use crate::html::confirm::{Choice, ConfirmForm, ConfirmPage, confirmed};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::SignedIn;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use starledger_app::privacy;
use starledger_domain::org::MemberId;

async fn confirmation(state: &AppState, viewer: &SignedIn, id: MemberId) -> WebResult<Response> {
    let retention = state.config().retention;
    let mut reader = state.store().read().await?;
    let plan = privacy::plan(&mut reader, &viewer.account, id, &retention).await?;
    let t = &viewer.t;
    let name = plan.member.name.to_string();
    let lines = vec![
        t.fill("pseudonymize_will_rename", &[("name", &name), ("alias", &plan.alias), ("left", &plan.left_on)]),
        t.fill("pseudonymize_will_remove", &[("files", &plan.files), ("accounts", &plan.accounts.len())]),
        t.get("pseudonymize_kept").to_string(),
    ];
    let page = ConfirmPage {
        page: Page::signed_in(viewer, "roll"),
        heading: t.fill("pseudonymize_heading", &[("name", &name)]),
        lines,
        groups: Vec::new(),
        action: format!("/members/{id}/pseudonymize"),
        carried: Vec::new(),
        choices: vec![Choice::plain(t.get("pseudonymize"))],
        back: "/members?filter=left".to_string(),
    };
    Ok(render(page)?.into_response())
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<MemberId>) -> WebResult<Response> {
    confirmation(&state, &viewer, id).await
}

pub async fn pseudonymize(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<MemberId>,
    CheckedForm(form): CheckedForm<ConfirmForm>,
) -> WebResult<Response> {
    if !confirmed(form.confirm.as_deref()) {
        return confirmation(&state, &viewer, id).await;
    }
    let retention = state.config().retention;
    let mut tx = viewer.write(&state).await?;
    privacy::pseudonymize(&mut tx, &viewer.account, id, &retention).await?;
    tx.commit().await?;
    Ok(Redirect::to("/members?filter=left&done=pseudonymized").into_response())
}
