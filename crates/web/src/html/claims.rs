//! A member's claims (走访与学习申报): log a visit to a linked household
//! (with an optional photo) or declare a week of 学习强国 study (with a
//! screenshot). A claim waits for someone else to approve it; the member can
//! withdraw it while it waits, and sees every claim's status.

use crate::calendar::today;
use crate::error::{WebError, WebResult, Why, render};
use crate::page::Page;
use crate::proof::{CheckedForm, CheckedMultipart};
use crate::session::{CsrfForm, SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use starledger_app::claims::{self, Filing, Photo, Quota};
use starledger_domain::claims::{ClaimKind, ClaimStatus};
use starledger_domain::org::HouseholdId;
use starledger_store::{ClaimQueries, OrgQueries};

// The largest photo kept is the operator's setting (`photo_max_bytes`,
// `Settings` in state.rs; 8 MB by default). The pages shrink a phone's
// photo in the browser before it is sent (/static/app.js), so what arrives
// is far smaller; a browser without script sends the file as it is, and
// past the limit the form comes back with what was typed and says so.

/// A size for people: whole megabytes, or kilobytes below one.
pub(crate) fn megabytes(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    match bytes {
        b if b >= MB && b % MB == 0 => (b / MB).to_string(),
        b if b >= MB => format!("{:.1}", b as f64 / MB as f64),
        b => format!("{:.3}", b as f64 / MB as f64),
    }
}

/// A form's file field, read.
pub(crate) enum FileField {
    Empty,
    /// Past the photo limit: read (or cut off) and dropped.
    TooLarge,
    /// A known image type and its bytes.
    Image(&'static str, Vec<u8>),
}

/// Reads a file field chunk by chunk, keeping at most `max_bytes`
/// in memory: a larger file is read to its end and dropped, so the rest of
/// the form still arrives. A body cut off at the route's limit counts as
/// too large, not as a broken form.
pub(crate) async fn read_file(
    mut field: axum::extract::multipart::Field<'_>,
    name: &str,
    max_bytes: usize,
) -> WebResult<FileField> {
    let mut bytes = Vec::new();
    let mut too_large = false;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if too_large || bytes.len() + chunk.len() > max_bytes {
                    too_large = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&chunk);
                }
            }
            Ok(None) => break,
            Err(_) if too_large => return Ok(FileField::TooLarge),
            Err(e) => {
                return Err(WebError::BadRequest(Why::new("文件无法读取，请重新上传。", format!("{name}: {e}"))));
            }
        }
    }
    if too_large {
        return Ok(FileField::TooLarge);
    }
    if bytes.is_empty() {
        return Ok(FileField::Empty);
    }
    let kind = image_type(&bytes).ok_or_else(|| {
        WebError::BadRequest(Why::new(
            "照片：应为 JPEG、PNG、GIF 或 WebP 格式的图片。",
            format!("{name}: not a JPEG, PNG, GIF or WebP image"),
        ))
    })?;
    Ok(FileField::Image(kind, bytes))
}

/// The refusal of a photo past `max_bytes`, in both languages.
pub(crate) fn too_large_why(max_bytes: usize) -> Why {
    let limit = megabytes(max_bytes);
    Why::new(
        format!("照片超过 {limit} MB，未能上传。您填写的内容已保留，请换一张较小的照片（或截图）后再提交。"),
        format!(
            "The photo is larger than {limit} MB and was not uploaded. What you typed is kept: choose a smaller photo \
             (or a screenshot) and submit again."
        ),
    )
}

struct ClaimRow {
    id: i64,
    date: String,
    what: String,
    note: String,
    status: &'static str,
    status_label: &'static str,
    decision_note: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "claims_mine.html")]
struct ClaimsPage {
    page: Page,
    today: String,
    households: Vec<(HouseholdId, String)>,
    claims: Vec<ClaimRow>,
    /// The claim just submitted, shown first so that nobody submits twice.
    submitted: Option<ClaimRow>,
    /// A form that came back (its photo too large): why, which form
    /// ("visit" or "study"), and what was typed in it.
    kept_why: String,
    kept_form: &'static str,
    kept_household: Option<HouseholdId>,
    visit_date: String,
    study_date: String,
    kept_note: String,
    /// The largest photo kept, in MB, stated on the forms.
    max_photo_mb: String,
}

#[derive(serde::Deserialize)]
pub struct ClaimsQuery {
    submitted: Option<i64>,
}

/// A claim form that came back: what was typed, and why it came back.
struct Kept {
    kind: ClaimKind,
    household: Option<HouseholdId>,
    date: Option<String>,
    note: String,
    why: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<ClaimsQuery>,
) -> WebResult<Response> {
    claims_page(&state, &viewer, query.submitted, None).await
}

async fn claims_page(
    state: &AppState,
    viewer: &SignedIn,
    submitted: Option<i64>,
    kept: Option<Kept>,
) -> WebResult<Response> {
    let member = claims::claimant(&viewer.account)?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let households = reader
        .households(community)
        .await?
        .into_iter()
        .filter(|h| h.member_id == Some(member))
        .map(|h| (h.id, h.address))
        .collect();
    let claims = reader
        .member_claims(community, member)
        .await?
        .into_iter()
        .map(|c| ClaimRow {
            id: c.id,
            date: c.occurred_on.to_string(),
            what: match &c.household_address {
                Some(address) => format!("{}：{address}", c.kind.label_zh()),
                None => c.kind.label_zh().to_string(),
            },
            note: c.note,
            status: c.status.as_str(),
            status_label: c.status.label_zh(),
            decision_note: c.decision_note,
            pending: c.status == ClaimStatus::Pending,
        })
        .collect();
    let mut claims: Vec<ClaimRow> = claims;
    // Only one's own claim: the list holds nothing else.
    let submitted = submitted.and_then(|id| claims.iter().position(|c| c.id == id)).map(|at| claims.remove(at));
    let today = today().to_string();
    let kept_form = match &kept {
        Some(Kept { kind: ClaimKind::Visit, .. }) => "visit",
        Some(_) => "study",
        None => "",
    };
    let kept_date = |form: &str| match &kept {
        Some(k) if kept_form == form => k.date.clone().unwrap_or_else(|| today.clone()),
        _ => today.clone(),
    };
    let page = ClaimsPage {
        page: Page::signed_in(viewer, "claims"),
        visit_date: kept_date("visit"),
        study_date: kept_date("study"),
        today,
        households,
        claims,
        submitted,
        kept_why: kept.as_ref().map(|k| k.why.clone()).unwrap_or_default(),
        kept_form,
        kept_household: kept.as_ref().and_then(|k| k.household),
        kept_note: kept.map(|k| k.note).unwrap_or_default(),
        max_photo_mb: megabytes(state.settings().photo_max_bytes),
    };
    Ok(render(page)?.into_response())
}

/// The fields of a claim form, with its file.
#[derive(Default)]
struct ClaimForm {
    household: Option<HouseholdId>,
    date: Option<Date>,
    note: String,
    photo: Option<(String, Vec<u8>)>,
    /// The photo was past the photo limit: the form comes back.
    photo_too_large: bool,
}

/// Known image formats by their first bytes; the browser's word is not taken.
pub(crate) fn image_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

async fn read_form(CheckedMultipart(mut multipart): CheckedMultipart, max_bytes: usize) -> WebResult<ClaimForm> {
    let bad = |zh: &str, en: String| WebError::BadRequest(Why::new(zh, en));
    let mut form = ClaimForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // The body was cut off past its limit while a photo was read.
            Err(_) if form.photo_too_large => break,
            Err(e) => return Err(bad("表单无法读取，请重新提交。", format!("form: {e}"))),
        };
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "photo" => match read_file(field, "photo", max_bytes).await? {
                FileField::Empty => {}
                FileField::TooLarge => form.photo_too_large = true,
                FileField::Image(kind, bytes) => form.photo = Some((kind.to_string(), bytes)),
            },
            _ => {
                let text = field.text().await.map_err(|e| bad("表单无法读取，请重新提交。", format!("{name}: {e}")))?;
                match name.as_str() {
                    "household" => {
                        form.household =
                            Some(text.parse().map_err(|_| bad("农户：编号无效。", "household: not a number".into()))?)
                    }
                    "date" => {
                        form.date =
                            Some(text.parse().map_err(|_| {
                                bad("日期：不是日期（年-月-日）。", "date: not a date (YYYY-MM-DD)".into())
                            })?)
                    }
                    "note" => form.note = text.trim().chars().take(300).collect(),
                    _ => {}
                }
            }
        }
    }
    Ok(form)
}

async fn submit(
    state: AppState,
    viewer: SignedIn,
    kind: ClaimKind,
    multipart: CheckedMultipart,
) -> WebResult<Response> {
    let form = read_form(multipart, state.settings().photo_max_bytes).await?;
    claims::claimant(&viewer.account)?;
    if form.photo_too_large {
        // The form comes back as it was typed, with why: nothing is written.
        let kept = Kept {
            kind,
            household: form.household,
            date: form.date.map(|d| d.to_string()),
            note: form.note,
            why: too_large_why(state.settings().photo_max_bytes).in_lang(viewer.t.0).to_string(),
        };
        let mut answer = claims_page(&state, &viewer, None, Some(kept)).await?;
        *answer.status_mut() = axum::http::StatusCode::PAYLOAD_TOO_LARGE;
        return Ok(answer);
    }
    let on = form.date.ok_or_else(|| WebError::BadRequest(Why::new("日期：未填写。", "date: missing")))?;
    let photo = form.photo.map(|(content_type, bytes)| Photo { content_type, bytes });
    let filing = Filing { kind, household: form.household, on, note: form.note, photo };
    let mut tx = viewer.write(&state).await?;
    let id = claims::file(&mut tx, &viewer.account, filing, quota(&state), now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/claims?submitted={id}")).into_response())
}

/// What one account may upload in [`QUOTA_DAYS`]: this many full-size photos.
pub const UPLOAD_QUOTA_PHOTOS: i64 = 3;
pub const QUOTA_DAYS: i64 = 30;

/// The upload quota the use cases hold an account to: this many full-size
/// photos (the operator's `photo_max_bytes`) in [`QUOTA_DAYS`].
pub(crate) fn quota(state: &AppState) -> Quota {
    Quota { bytes: UPLOAD_QUOTA_PHOTOS.saturating_mul(state.settings().photo_max_bytes as i64), days: QUOTA_DAYS }
}

pub async fn submit_visit(
    State(state): State<AppState>,
    viewer: SignedIn,
    multipart: CheckedMultipart,
) -> WebResult<Response> {
    submit(state, viewer, ClaimKind::Visit, multipart).await
}

pub async fn submit_study(
    State(state): State<AppState>,
    viewer: SignedIn,
    multipart: CheckedMultipart,
) -> WebResult<Response> {
    submit(state, viewer, ClaimKind::StudyWeek, multipart).await
}

pub async fn cancel(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    claims::cancel(&mut tx, &viewer.account, id, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/claims").into_response())
}
