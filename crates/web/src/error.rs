//! One error type for the web layer, answered as a short HTML page with the
//! right status, in the visitor's language. Store refusals become 409 with
//! their message; anything unexpected is logged and shown as a plain 500.
//!
//! A reason carries a Chinese and an English text ([`Why::new`]): there is no
//! way to build one from a bare string, so a refusal cannot reach a Chinese
//! page in English. Domain and application refusals bring their own Chinese
//! (`zh()`, [`starledger_app::Reason`]).

use crate::i18n::{Lang, Tr};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use starledger_domain::duty::Refusal;
use starledger_store::StoreError;
use std::fmt;

/// Why something was refused, in each language it has been written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    zh: String,
    en: String,
}

impl Why {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Why {
        Why { zh: zh.into(), en: en.into() }
    }

    /// The Chinese text.
    pub fn zh(&self) -> &str {
        &self.zh
    }

    /// The text for a page in `lang`.
    pub fn in_lang(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(Why),
    #[error("bad request: {0}")]
    BadRequest(Why),
    /// A file past the operator's upload limit (413).
    #[error("too large: {0}")]
    TooLarge(Why),
    #[error("the form's CSRF token is missing or wrong")]
    Csrf,
    /// The method's rules refused it (a cap, a closed year, a decided claim).
    #[error("{0}")]
    Refused(Why),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<starledger_app::AppError> for WebError {
    fn from(error: starledger_app::AppError) -> Self {
        use starledger_app::AppError;
        match error {
            AppError::Duty(refusal) => refusal.into(),
            AppError::Forbidden(why) => WebError::Forbidden(Why::new(why.zh, why.en)),
            AppError::Refused(why) => WebError::Refused(Why::new(why.zh, why.en)),
            AppError::Invalid(why) => WebError::BadRequest(Why::new(why.zh, why.en)),
            AppError::Store(error) => WebError::Store(error),
            AppError::Print(starledger_print::PrintError::Empty(why)) => {
                WebError::Refused(Why::new("没有可打印的内容。", why))
            }
            AppError::Print(error) => WebError::Internal(error.to_string()),
            AppError::Secret(error) => WebError::Internal(error.to_string()),
        }
    }
}

impl From<Refusal> for WebError {
    fn from(refusal: Refusal) -> Self {
        WebError::Forbidden(refusal_why(&refusal))
    }
}

/// A duty refusal in both languages. The domain states it in English (for
/// the command line and the logs); its Chinese form is the web's, written
/// from the same fields, so the domain stays free of page wording.
pub fn refusal_why(refusal: &Refusal) -> Why {
    let zh = match refusal {
        Refusal::AboutThemselves { .. } => "您是本人，不能为自己记入、冲销或审核积分。".to_string(),
        Refusal::NotTypedByAnyone { rule, .. } => {
            format!("规则 {rule} 的积分只能来自联户评议或支部投票，任何账号都不能直接录入。")
        }
        Refusal::RoleMayNotRecord { role, rule, .. } => format!("{}不能记入规则 {rule} 的积分。", role.label_zh()),
        Refusal::OtherBranch { .. } => "您是其他支部的书记，只能处理本支部党员的事项。".to_string(),
        Refusal::ReadOnly { .. } => "审计账号只能查看，不能做任何更改。".to_string(),
        Refusal::CommitteeOnly { role, .. } => format!("只有社区党委才能进行此操作，您的身份是{}。", role.label_zh()),
        Refusal::ReversalOfReversal { id } => format!("条目 #{id} 本身就是冲销，请重新记入积分，不要再冲销它。"),
        Refusal::AlreadyReversed { id } => format!("条目 #{id} 已经被冲销过了。"),
        Refusal::NeedsSeveral { rule, .. } => format!("规则 {rule} 的积分须由多人共同决定，一个账号不能单独记入。"),
        Refusal::Recused { .. } => "您须回避：您是当事人本人或其亲属。".to_string(),
        Refusal::SameMakerAndChecker { .. } => "调整由您提出，须由另一名党委委员复核。".to_string(),
        Refusal::NoPerson { .. } => {
            "此账号没有对应花名册上的党员，不能处理积分：请先把账号关联到本人（starledger account link）。".to_string()
        }
        Refusal::NotDecidingOverseer { .. } => "您不是此社区的直接上级组织，由直接上级决定。".to_string(),
        Refusal::OwnBranchSecretary { .. } => {
            "您是被评议党员所在支部的书记，须回避：纸质评议表由党员本人、其亲属和其支部书记以外的人录入。".to_string()
        }
        Refusal::SameProposer { .. } => "此事由您提出，须由另一名党委委员同意。".to_string(),
        Refusal::CollectiveReversal { id, .. } => {
            format!("条目 #{id} 由集体决定（联户评议、党委表决、支部投票或经复核的调整），一个账号不能撤销。")
        }
    };
    Why::new(zh, refusal.to_string())
}

tokio::task_local! {
    /// The language of the request being answered, for error pages, which
    /// are made far from the request's cookies.
    static LANG: Lang;
}

/// Runs the rest of the request knowing the visitor's language, so that an
/// error page answers in it.
pub async fn in_visitors_language(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = Lang::from_cookie(crate::session::cookie(request.headers(), crate::session::LANG_COOKIE).as_deref());
    LANG.scope(lang, next.run(request)).await
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let t = Tr(LANG.try_with(|lang| *lang).unwrap_or_default());
        let lang = t.0;
        let (status, heading, detail) = match &self {
            WebError::NotFound => (StatusCode::NOT_FOUND, "not_found", String::new()),
            WebError::Forbidden(why) => (StatusCode::FORBIDDEN, "forbidden", why.in_lang(lang).to_string()),
            WebError::BadRequest(why) => (StatusCode::BAD_REQUEST, "bad_request", why.in_lang(lang).to_string()),
            WebError::TooLarge(why) => (StatusCode::PAYLOAD_TOO_LARGE, "bad_request", why.in_lang(lang).to_string()),
            WebError::Csrf => (StatusCode::FORBIDDEN, "csrf_failed", String::new()),
            WebError::Refused(why) => (StatusCode::CONFLICT, "cannot_be_done", why.in_lang(lang).to_string()),
            WebError::Store(StoreError::NotFound { .. }) => (StatusCode::NOT_FOUND, "not_found", String::new()),
            // The store's own refusals are races and constraints, said in
            // English for the operator; a Chinese page says what they mean.
            WebError::Store(StoreError::Conflict(why)) => (
                StatusCode::CONFLICT,
                "cannot_be_done",
                match lang {
                    Lang::Zh => "此操作与已有记录冲突（可能已由他人处理），未作任何更改。".to_string(),
                    Lang::En => why.clone(),
                },
            ),
            WebError::Store(_) | WebError::Template(_) | WebError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error", String::new())
            }
        };
        let detail =
            if detail.is_empty() { String::new() } else { format!("<p class=\"detail\">{}</p>", escape(&detail)) };
        let body = format!(
            "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <link rel=\"stylesheet\" href=\"/static/app.css\"><title>{status}</title></head>\
             <body><main class=\"message\"><h1>{heading}</h1>{detail}\
             <p><a href=\"/\">{home}</a></p></main></body></html>",
            code = t.lang(),
            status = status.as_u16(),
            heading = t.get(heading),
            home = t.get("home"),
        );
        (status, Html(body)).into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// Renders an askama template into an HTML response.
pub fn render<T: askama::Template>(template: T) -> WebResult<Html<String>> {
    Ok(Html(template.render()?))
}
