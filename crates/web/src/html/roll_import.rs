//! The committee brings its roll in from Excel (/import): upload a members,
//! households or links file, past years' opening balances, or 学习强国 study
//! weeks (which a branch secretary may import too, each row checked by the
//! application against the importer's duty and recusal), see what it would
//! add or change and every problem with its row and column in the page's
//! language, then confirm. The confirmation carries
//! the same bytes back, and the import is planned again on the roll as it
//! then stands and written in one transaction, all or nothing. Reading is
//! `starledger-exchange`'s, the rules the domain's, the writing the
//! application's: this page only translates.

use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::proof::CheckedMultipart;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use starledger_app::{attendance_import, opening, roll_import, study_import};
use starledger_domain::org::{Role, Year};
use starledger_exchange::Kind;

/// What the page imports: (kind as the form and the template name it, its label's key).
const KINDS: &[(&str, &str)] = &[
    ("members", "import_kind_members"),
    ("households", "import_kind_households"),
    ("links", "import_kind_links"),
    ("opening", "import_kind_opening"),
    ("study", "import_kind_study"),
    ("attendance", "import_kind_attendance"),
];

/// Who opens the page: the committee imports every kind; a branch
/// secretary, study weeks and attendance sheets (the application refuses
/// each row they may not record).
const IMPORTERS: &[Role] = &[Role::Committee, Role::BranchSecretary];

/// The kinds the viewer is offered.
fn kinds_for(viewer: &SignedIn) -> Vec<KindChoice> {
    KINDS
        .iter()
        .filter(|(kind, _)| viewer.account.role == Role::Committee || matches!(*kind, "study" | "attendance"))
        .map(|(kind, key)| KindChoice { key: kind, label: viewer.t.get(key).to_string() })
        .collect()
}

struct KindChoice {
    key: &'static str,
    label: String,
}

#[derive(Template)]
#[template(path = "roll_import.html")]
struct ImportPage {
    page: Page,
    kinds: Vec<KindChoice>,
    kind: String,
    year: String,
    meeting: String,
    file: String,
    rows: usize,
    added: Vec<String>,
    changed: Vec<String>,
    unchanged: usize,
    problems: Vec<String>,
    notes: Vec<String>,
    /// The file again, for the confirm button (only when it has no problem).
    confirm_data: Option<String>,
    written: bool,
    previewed: bool,
}

impl ImportPage {
    fn empty(viewer: &SignedIn) -> ImportPage {
        ImportPage {
            page: Page::signed_in(viewer, "import_roll"),
            kinds: kinds_for(viewer),
            kind: if viewer.account.role == Role::Committee { "members" } else { "study" }.into(),
            year: String::new(),
            meeting: String::new(),
            file: String::new(),
            rows: 0,
            added: Vec::new(),
            changed: Vec::new(),
            unchanged: 0,
            problems: Vec::new(),
            notes: Vec::new(),
            confirm_data: None,
            written: false,
            previewed: false,
        }
    }
}

pub async fn show(viewer: SignedIn) -> WebResult<Response> {
    viewer.require(IMPORTERS)?;
    Ok(render(ImportPage::empty(&viewer))?.into_response())
}

/// An empty template of a kind, as `.xlsx` with the Chinese headers.
pub async fn template(viewer: SignedIn, axum::extract::Path(kind): axum::extract::Path<String>) -> WebResult<Response> {
    viewer.require(IMPORTERS)?;
    let table = starledger_exchange::write::template_table(&kind).ok_or(WebError::NotFound)?;
    let name = format!("{}模板.xlsx", table.sheet);
    let bytes =
        starledger_exchange::write::xlsx_bytes(&name, &[table]).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(crate::download::download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name, bytes))
}

#[derive(Default)]
struct UploadForm {
    kind: String,
    year: String,
    meeting: String,
    confirm: bool,
    file: Option<(String, Vec<u8>)>,
    /// The file sent back by the confirm button: name and base64 bytes.
    data_name: String,
    data: String,
}

/// Reads the import form; a file past `max_bytes` (the operator's
/// `import_max_bytes`, 2 MB by default) is refused with 413.
async fn read_form(CheckedMultipart(mut multipart): CheckedMultipart, max_bytes: usize) -> WebResult<UploadForm> {
    let bad = |zh: String, en: String| WebError::BadRequest(Why::new(zh, en));
    let limit = crate::html::claims::megabytes(max_bytes);
    let too_large = || {
        WebError::TooLarge(Why::new(
            format!("文件：超过 {limit} MB，请拆分后导入。"),
            format!("file: larger than {limit} MB; split it"),
        ))
    };
    let mut form = UploadForm::default();
    while let Some(field) =
        multipart.next_field().await.map_err(|e| bad("表单无法读取，请重新提交。".into(), format!("form: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            // Cut off at the route's body limit: too large, not a broken form.
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    bad("文件无法读取，请重新上传。".into(), format!("file: {e}"))
                }
            })?;
            if bytes.is_empty() {
                continue;
            }
            if bytes.len() > max_bytes {
                return Err(too_large());
            }
            form.file = Some((file_name, bytes.to_vec()));
            continue;
        }
        let text = field.text().await.map_err(|e| bad("表单无法读取，请重新提交。".into(), format!("{name}: {e}")))?;
        match name.as_str() {
            "kind" => form.kind = text,
            "year" => form.year = text,
            "meeting" => form.meeting = text,
            "confirm" => form.confirm = text == "yes",
            "data_name" => form.data_name = text,
            "data" => form.data = text,
            _ => {}
        }
    }
    if form.file.is_none() && !form.data.is_empty() {
        let bytes = base64::engine::general_purpose::STANDARD.decode(form.data.trim()).map_err(|_| {
            bad("数据与本页发送的文件不符，请重新上传。".into(), "data: not the file this page sent".into())
        })?;
        if bytes.len() > max_bytes {
            return Err(too_large());
        }
        form.file = Some((std::mem::take(&mut form.data_name), bytes));
    }
    Ok(form)
}

/// Preview (no `confirm=yes`), or write after the preview's confirm button.
pub async fn upload(
    State(state): State<AppState>,
    viewer: SignedIn,
    multipart: CheckedMultipart,
) -> WebResult<Response> {
    let form = read_form(multipart, state.settings().import_max_bytes).await?;
    viewer.require(IMPORTERS)?;
    let bad_kind = || {
        WebError::BadRequest(Why::new(
            format!("导入类型“{}”无效：应为党员、农户、联户关系、期初积分、学习强国或会议签到表。", form.kind),
            format!("kind: \"{}\" is not members, households, links, opening, study or attendance", form.kind),
        ))
    };
    if !KINDS.iter().any(|(kind, _)| *kind == form.kind) {
        return Err(bad_kind());
    }
    // The roll and opening balances are the committee's; the application
    // checks it again, and study weeks and attendance row by row.
    if !matches!(form.kind.as_str(), "study" | "attendance") {
        starledger_domain::duty::may_administer(&viewer.account, "import the roll")?;
    }
    let year = match form.year.trim() {
        "" => None,
        text => Some(
            text.parse::<i64>().ok().and_then(|y| Year::new(y).ok()).filter(|_| form.kind == "opening").ok_or_else(
                || {
                    WebError::BadRequest(Why::new(
                        format!("年度“{text}”无效：写作 2023，仅用于期初积分。"),
                        format!("year: \"{text}\" is not a year like 2023 (opening balances only)"),
                    ))
                },
            )?,
        ),
    };
    let meeting = match form.meeting.trim() {
        "" => None,
        text => Some(text.parse::<i64>().ok().filter(|_| form.kind == "attendance").ok_or_else(|| {
            WebError::BadRequest(Why::new(
                format!("会议编号“{text}”无效：仅用于会议签到表。"),
                format!("meeting: \"{text}\" is not a meeting's number (attendance sheets only)"),
            ))
        })?),
    };
    let (file, bytes) = form
        .file
        .ok_or_else(|| WebError::BadRequest(Why::new("文件：请选择要导入的文件。", "file: choose a file to import")))?;
    // Only the name's last part is shown and used for the file's kind.
    let file = file.rsplit(['/', '\\']).next().unwrap_or_default().to_string();
    let sheets = starledger_exchange::read_bytes(&file, &bytes)
        .map_err(|e| WebError::BadRequest(Why::new(e.zh(), e.to_string())))?;
    let mut tx = viewer.write(&state).await?;
    let (preview, rows) = match form.kind.as_str() {
        "opening" => {
            let (records, problems, rows) = starledger_exchange::opening::parse(&file, &sheets);
            (opening::import(&mut tx, &viewer.account, records, problems, year, form.confirm).await?, rows)
        }
        "study" => {
            let (records, problems, rows) = starledger_exchange::study::parse(&file, &sheets);
            (study_import::import(&mut tx, &viewer.account, records, problems, form.confirm).await?, rows)
        }
        "attendance" => {
            let (records, problems, rows) = starledger_exchange::attendance::parse(&file, &sheets);
            let preview =
                attendance_import::import(&mut tx, &viewer.account, records, problems, meeting, form.confirm).await?;
            (preview, rows)
        }
        other => {
            let kind = Kind::parse(other).ok_or_else(bad_kind)?;
            let (records, problems, rows) = starledger_exchange::roll::parse(kind, &file, &sheets);
            (roll_import::import(&mut tx, &viewer.account, records, problems, form.confirm).await?, rows)
        }
    };
    if preview.written {
        tx.commit().await?;
    } else {
        drop(tx);
    }
    let confirm_data =
        (!preview.written && preview.problems.is_empty() && !(preview.added.is_empty() && preview.changed.is_empty()))
            .then(|| base64::engine::general_purpose::STANDARD.encode(&bytes));
    let has_problems = !preview.problems.is_empty();
    // Each problem in the page's language, naming its row and column.
    let english = viewer.t.lang() == "en";
    let problems = preview.problems.iter().map(|p| if english { p.to_string() } else { p.to_zh() }).collect();
    let page = ImportPage {
        kind: form.kind,
        year: year.map(|y| y.get().to_string()).unwrap_or_default(),
        meeting: meeting.map(|m| m.to_string()).unwrap_or_default(),
        file,
        rows,
        added: preview.added,
        changed: preview.changed,
        unchanged: preview.unchanged,
        problems,
        notes: preview.notes,
        confirm_data,
        written: preview.written,
        previewed: true,
        ..ImportPage::empty(&viewer)
    };
    let mut response = render(page)?.into_response();
    if has_problems {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}
