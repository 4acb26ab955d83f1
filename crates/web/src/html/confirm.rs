//! The confirmation step of an irreversible action (publishing the notice,
//! finalizing a year, closing a ballot or a meeting, confirming service):
//! `GET` on the action's address, or a `POST` without `confirm=yes`, answers
//! with what the action will do — how many entries, who is affected — and
//! writes nothing; the page's own button posts again with `confirm=yes`.
//! One tap on a phone can never do what cannot be undone.

use crate::error::{WebResult, render};
use crate::page::Page;
use askama::Template;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The form of an irreversible action without other fields.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub confirm: Option<String>,
}

/// Whether a posted form says the person saw the summary and confirmed.
pub fn confirmed(value: Option<&str>) -> bool {
    value == Some("yes")
}

/// One button of the confirmation, with a field of its own when the
/// confirmation offers a choice (all unmarked members present, or absent).
pub struct Choice {
    pub field: Option<(&'static str, String)>,
    pub label: String,
    pub secondary: bool,
}

impl Choice {
    pub fn plain(label: impl Into<String>) -> Choice {
        Choice { field: None, label: label.into(), secondary: false }
    }
}

/// Names under a heading: who is affected.
pub struct Group {
    pub heading: String,
    pub names: Vec<String>,
    pub testid: &'static str,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub page: Page,
    pub heading: String,
    /// What the action will do, one sentence a line.
    pub lines: Vec<String>,
    pub groups: Vec<Group>,
    /// Where the form posts: the action itself.
    pub action: String,
    /// Fields carried over from the first post (the members chosen).
    pub carried: Vec<(String, String)>,
    pub choices: Vec<Choice>,
    /// Where "back" leads, doing nothing.
    pub back: String,
}

impl ConfirmPage {
    pub fn respond(self) -> WebResult<Response> {
        Ok(render(self)?.into_response())
    }
}
