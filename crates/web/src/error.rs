//! One error type for the web layer, answered as a short HTML page with the
//! right status. Store refusals become 409 with their message; anything
//! unexpected is logged and shown as a plain 500.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use starledger_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("the form's CSRF token is missing or wrong")]
    Csrf,
    /// The method's rules refused it (a cap, a closed year, a decided claim).
    #[error("{0}")]
    Refused(String),
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
            AppError::Duty(refusal) => WebError::Forbidden(refusal.to_string()),
            AppError::Refused(why) => WebError::Refused(why),
            AppError::Invalid(why) => WebError::BadRequest(why),
            AppError::Store(error) => WebError::Store(error),
            AppError::Print(starledger_print::PrintError::Empty(why)) => WebError::Refused(why),
            AppError::Print(error) => WebError::Internal(error.to_string()),
        }
    }
}

impl From<starledger_domain::duty::Refusal> for WebError {
    fn from(refusal: starledger_domain::duty::Refusal) -> Self {
        WebError::Forbidden(refusal.to_string())
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, zh, en, detail) = match &self {
            WebError::NotFound => (StatusCode::NOT_FOUND, "没有找到该页面。", "Page not found.", String::new()),
            WebError::Forbidden(why) => {
                (StatusCode::FORBIDDEN, "您没有权限进行此操作。", "You may not do this.", why.clone())
            }
            WebError::BadRequest(why) => (StatusCode::BAD_REQUEST, "请求有误。", "Bad request.", why.clone()),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "表单已过期，请返回刷新后重试。",
                "The form expired; go back, reload and try again.",
                String::new(),
            ),
            WebError::Refused(why) => (StatusCode::CONFLICT, "无法完成此操作。", "This cannot be done.", why.clone()),
            WebError::Store(StoreError::NotFound { .. }) => {
                (StatusCode::NOT_FOUND, "没有找到。", "Not found.", self.to_string())
            }
            WebError::Store(StoreError::Conflict(why)) => {
                (StatusCode::CONFLICT, "无法完成此操作。", "This cannot be done.", why.clone())
            }
            WebError::Store(_) | WebError::Template(_) | WebError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "服务器出错，请稍后再试。", "Something went wrong.", String::new())
            }
        };
        let detail =
            if detail.is_empty() { String::new() } else { format!("<p class=\"detail\">{}</p>", escape(&detail)) };
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <link rel=\"stylesheet\" href=\"/static/app.css\"><title>{status}</title></head>\
             <body><main class=\"message\"><h1>{zh}</h1><p lang=\"en\">{en}</p>{detail}\
             <p><a href=\"/\">返回首页 · Home</a></p></main></body></html>",
            status = status.as_u16()
        );
        (status, Html(body)).into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// Renders an askama template into an HTML response.
pub fn render<T: askama::Template>(template: T) -> WebResult<Html<String>> {
    Ok(Html(template.render()?))
}
