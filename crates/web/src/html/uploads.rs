//! Evidence (photos, screenshots) is shown only to those who review or
//! audit it, and to the member who uploaded it.

use crate::error::{WebError, WebResult, Why};
use crate::session::SignedIn;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use starledger_domain::org::Role;
use starledger_store::ClaimQueries;

pub async fn show(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<i64>) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let upload = reader.upload(community, id).await?;
    let claim = reader.claim_of_upload(community, id).await?;
    let branch = claim.as_ref().map(|c| c.branch_id);
    let allowed = match viewer.account.role {
        Role::Committee | Role::Auditor => true,
        Role::BranchSecretary => branch.is_some() && branch == viewer.account.branch_id,
        Role::Member => false,
    } || upload.uploaded_by == viewer.account.id;
    if !allowed {
        return Err(WebError::Forbidden(Why::new("您无权查看此证明材料。", "this evidence is not yours to see")));
    }
    Ok((
        [
            (header::CONTENT_TYPE, upload.content_type.clone()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        upload.bytes,
    )
        .into_response())
}
