//! The API's errors, as `application/problem+json` (RFC 9457): a stable
//! `code` a client can branch on, the HTTP status, and what went wrong in
//! Chinese and in English. The application's typed errors become problems
//! in one place, [`Problem::from_app`], as the pages' become error pages.

use crate::error::{Why, refusal_why};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use starledger_app::AppError;
use starledger_domain::duty::Refusal;
use starledger_store::StoreError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem, with the codes listed in [`CODES`].
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: Why,
    /// Seconds before asking again, sent as `Retry-After` (429 only).
    pub retry_after_secs: Option<u64>,
}

/// Every code a problem may carry, with its status and title (zh, en): the
/// API page lists them, and each problem's `type` points to its line there.
pub const CODES: &[(&str, u16, &str, &str)] = &[
    ("auth.missing_token", 401, "缺少访问令牌", "No bearer token"),
    ("auth.invalid_token", 401, "访问令牌无效、已过期或已撤销", "The token is unknown, expired or revoked"),
    ("scope.insufficient", 403, "令牌的权限范围不够", "The token's scope does not allow this"),
    ("role.forbidden", 403, "此账号的身份不能进行此操作", "The account's role may not do this"),
    ("duty.refused", 403, "按职责与回避规则，您不能进行此操作", "Duty or recusal refuses it"),
    ("refused", 409, "按积分规则，此操作现在不能进行", "The method's rules refuse it now"),
    ("conflict", 409, "与已有记录冲突", "It conflicts with what is recorded"),
    ("invalid", 400, "请求内容有误", "The request is wrong"),
    ("idempotency.key_missing", 400, "缺少 Idempotency-Key 请求头", "The Idempotency-Key header is missing"),
    ("idempotency.key_reused", 422, "此 Idempotency-Key 已用于另一个请求", "The key was used for another request"),
    ("not_found", 404, "没有这个对象", "Not found"),
    ("route.unknown", 404, "没有这个接口地址", "No such API route"),
    ("server_error", 500, "服务器内部错误", "Server error"),
    ("payload.too_large", 413, "照片过大", "The photo is larger than the limit"),
    ("rate.limited", 429, "请求过于频繁，请稍后再试", "Too many requests; retry later"),
];

impl Problem {
    pub fn new(code: &'static str, detail: Why) -> Problem {
        let status = CODES
            .iter()
            .find(|(c, ..)| *c == code)
            .and_then(|(_, status, ..)| StatusCode::from_u16(*status).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Problem { status, code, detail, retry_after_secs: None }
    }

    /// Too many requests: ask again after `retry_after_secs`.
    pub fn too_many(detail: Why, retry_after_secs: u64) -> Problem {
        Problem { retry_after_secs: Some(retry_after_secs), ..Problem::new("rate.limited", detail) }
    }

    /// The application's answer as a problem: the one mapping of the API.
    pub fn from_app(error: AppError) -> Problem {
        match error {
            AppError::Duty(refusal) => Problem::from(refusal),
            AppError::Forbidden(why) => Problem::new("duty.refused", Why::new(why.zh, why.en)),
            AppError::Refused(why) => Problem::new("refused", Why::new(why.zh, why.en)),
            AppError::Invalid(why) => Problem::new("invalid", Why::new(why.zh, why.en)),
            AppError::Store(error) => Problem::from(error),
            AppError::Print(error) => Problem::new("server_error", Why::new("无法生成文件。", error.to_string())),
            AppError::Secret(error) => Problem::new("server_error", Why::new("服务器出错。", error.to_string())),
        }
    }

    fn title(&self) -> (&'static str, &'static str) {
        CODES.iter().find(|(c, ..)| *c == self.code).map(|(_, _, zh, en)| (*zh, *en)).unwrap_or(("", ""))
    }

    /// The problem as its JSON body.
    pub fn body(&self) -> serde_json::Value {
        let (title_zh, title_en) = self.title();
        let en = self.detail.in_lang(crate::i18n::Lang::En).to_string();
        let zh = match self.detail.zh() {
            "" => title_zh.to_string(),
            zh => zh.to_string(),
        };
        serde_json::json!({
            "type": format!("/api#{}", self.code),
            "title": title_en,
            "status": self.status.as_u16(),
            "code": self.code,
            "detail_zh": zh,
            "detail_en": if en.is_empty() { title_en.to_string() } else { en },
        })
    }
}

impl From<Refusal> for Problem {
    fn from(refusal: Refusal) -> Problem {
        Problem::new("duty.refused", refusal_why(&refusal))
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Problem {
        Problem::from_app(error)
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Problem {
        match error {
            StoreError::NotFound { what, key } => Problem::new(
                "not_found",
                Why::new(format!("没有这个对象：{what} {key}"), format!("{what} {key} is not found")),
            ),
            StoreError::Conflict(why) => {
                Problem::new("conflict", Why::new("此操作与已有记录冲突（可能已由他人处理），未作任何更改。", why))
            }
            error => {
                tracing::error!(error = %error, "API request failed");
                Problem::new("server_error", Why::new("", ""))
            }
        }
    }
}

/// A page helper's error, when the API reads through one: the same codes
/// as the application's.
impl From<crate::error::WebError> for Problem {
    fn from(error: crate::error::WebError) -> Problem {
        use crate::error::WebError;
        match error {
            WebError::NotFound => Problem::new("not_found", Why::new("没有这个对象。", "not found")),
            WebError::Forbidden(why) => Problem::new("role.forbidden", why),
            WebError::BadRequest(why) | WebError::TooLarge(why) => Problem::new("invalid", why),
            WebError::Refused(why) => Problem::new("refused", why),
            WebError::Store(error) => Problem::from(error),
            error => {
                tracing::error!(error = %error, "API request failed");
                Problem::new("server_error", Why::new("", ""))
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body().to_string()).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, Problem>;

#[cfg(test)]
mod tests {
    use super::*;
    use starledger_app::Reason;

    #[test]
    fn every_code_is_listed_once_and_the_application_s_errors_map_to_their_codes() {
        let mut codes: Vec<&str> = CODES.iter().map(|c| c.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CODES.len(), "codes are unique");
        let refusal = Refusal::ReadOnly { login: "shenji".into() };
        let cases = [
            (AppError::Duty(refusal), 403, "duty.refused"),
            (AppError::Refused(Reason::new("2025 年度已关闭。", "2025 is closed")), 409, "refused"),
            (AppError::Invalid(Reason::new("没有这条规则。", "no such rule")), 400, "invalid"),
            (AppError::Store(StoreError::not_found("ledger entry", 7)), 404, "not_found"),
        ];
        for (error, status, code) in cases {
            let body = Problem::from_app(error).body();
            assert_eq!((body["status"].as_u64(), body["code"].as_str()), (Some(status), Some(code)), "{body}");
            assert!(body["detail_zh"].as_str().is_some_and(|zh| !zh.is_empty()), "{body}");
            assert!(body["detail_en"].as_str().is_some_and(|en| !en.is_empty()), "{body}");
        }
        // Each language carries its own text of the reason.
        let body = Problem::from_app(AppError::Refused(Reason::new("2025 年度已关闭。", "2025 is closed"))).body();
        assert_eq!(
            (body["detail_zh"].as_str(), body["detail_en"].as_str()),
            (Some("2025 年度已关闭。"), Some("2025 is closed"))
        );
    }
}
