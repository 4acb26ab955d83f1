//! The year's paper as PDF downloads for the committee: the five-star
//! certificates and the honour-roll poster. The use case
//! (`starledger_app::print`) decides who may print which year; this only
//! finds the font and names the file.

use crate::error::Why;
use crate::error::{WebError, WebResult};
use crate::session::SignedIn;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use starledger_app::print::{self, Asker};
use starledger_domain::org::MemberId;
use starledger_print::{Paper, PrintFont};
use std::sync::OnceLock;

/// The font, read once per process (the CJK collections are ~20 MB); the
/// file `STARLEDGER_FONT` names, or Debian's fonts-noto-cjk.
pub(crate) fn font() -> WebResult<&'static PrintFont> {
    static FONT: OnceLock<Result<PrintFont, String>> = OnceLock::new();
    FONT.get_or_init(|| PrintFont::load(None).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| WebError::Internal(e.clone()))
}

#[derive(Deserialize)]
pub struct PrintQuery {
    year: i64,
    paper: Option<String>,
}

fn pdf(bytes: Vec<u8>, filename: &str) -> Response {
    crate::download::download("application/pdf", filename, bytes)
}

pub async fn certificates(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<PrintQuery>,
) -> WebResult<Response> {
    let mut reader = state.store().read().await?;
    let font = font()?;
    let bytes = print::certificates_pdf(&mut reader, Asker::Account(&viewer.account), query.year, font).await?;
    Ok(pdf(bytes, &format!("certificates-{}-五星级党员荣誉证书.pdf", query.year)))
}

pub async fn honour_roll(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<PrintQuery>,
) -> WebResult<Response> {
    let paper = match query.paper.as_deref() {
        None => Paper::A4,
        Some(text) => Paper::parse(text).ok_or_else(|| {
            WebError::BadRequest(Why::new(
                format!("纸张“{text}”无效：应为 A4 或 A3。"),
                format!("paper: \"{text}\" is not A4 or A3"),
            ))
        })?,
    };
    let mut reader = state.store().read().await?;
    let font = font()?;
    let bytes = print::honour_roll_pdf(&mut reader, Asker::Account(&viewer.account), query.year, paper, font).await?;
    Ok(pdf(bytes, &format!("honour-roll-{}-光荣榜.pdf", query.year)))
}

/// A meeting's paper sign-in sheet, for whoever manages the meeting.
pub async fn sign_in_sheet(
    State(state): State<AppState>,
    viewer: SignedIn,
    axum::extract::Path(meeting): axum::extract::Path<i64>,
) -> WebResult<Response> {
    let mut reader = state.store().read().await?;
    let font = font()?;
    let public_url = &state.config().public_url;
    let bytes = starledger_app::meetings::sign_in_pdf(&mut reader, &viewer.account, meeting, public_url, font).await?;
    Ok(pdf(bytes, &format!("meeting-{meeting}-签到表.pdf")))
}

#[derive(Deserialize)]
pub struct RecordQuery {
    year: i64,
}

/// The signed-in member's own record of a year, as their page shows it.
pub async fn my_record(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<RecordQuery>,
) -> WebResult<Response> {
    let member = viewer.account.member_id.ok_or_else(|| {
        WebError::Forbidden(Why::new("此账号不是党员本人的账号，没有个人积分。", "this account is not a member's"))
    })?;
    record(state, viewer, member, query.year).await
}

/// A member's record of a year, for the committee or the member's branch
/// secretary (the use case decides).
pub async fn member_record(
    State(state): State<AppState>,
    viewer: SignedIn,
    axum::extract::Path(member): axum::extract::Path<MemberId>,
    Query(query): Query<RecordQuery>,
) -> WebResult<Response> {
    record(state, viewer, member, query.year).await
}

async fn record(state: AppState, viewer: SignedIn, member: MemberId, year: i64) -> WebResult<Response> {
    let mut reader = state.store().read().await?;
    let font = font()?;
    let bytes = starledger_app::record::record_pdf(&mut reader, &viewer.account, member, year, font).await?;
    Ok(pdf(bytes, &format!("record-{member}-{year}-积分记录.pdf")))
}

/// A print form's branch: a branch's id, or `all` for the whole community.
pub(crate) fn branch_choice(text: &str) -> WebResult<Option<starledger_domain::org::BranchId>> {
    match text {
        "all" => Ok(None),
        text => text.parse::<starledger_domain::org::BranchId>().map(Some).map_err(|_| {
            WebError::BadRequest(Why::new("支部：应为支部编号或“全部”。", "branch: a branch's id or all"))
        }),
    }
}
