//! The JSON API (`/api/v1`, docs/api.md): personal tokens, the same use
//! cases and read rules as the pages, problems as `application/problem+json`.
//!
//! One table, [`routes`], is both the router and the OpenAPI document: the
//! router is built from it and the document is written from it, so a route
//! cannot exist undocumented nor a documented one be missing; a test checks
//! both against the running server.

pub mod activities;
pub mod attendance;
pub mod auth;
pub mod claim_filing;
pub mod households;
pub mod idempotency;
pub mod problem;
pub mod resources;
pub mod reviews;
pub mod v1;

use crate::error::{WebResult, render};
use crate::i18n::{Lang, Tr};
use crate::page::Page;
use crate::session::{LANG_COOKIE, cookie};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, patch, post};
use problem::{ApiResult, Problem};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Where a parameter is given.
#[derive(Clone, Copy)]
pub enum In {
    Path,
    Query,
}

/// One parameter of a route: name, where, JSON type, and its i18n key.
#[derive(Clone, Copy)]
pub struct Param(pub &'static str, pub In, pub &'static str, pub &'static str);

/// One route of the API: the router's and the document's.
pub struct ApiRoute {
    pub method: Method,
    /// In OpenAPI's form, which is axum's too: `/api/v1/entries/{id}/reverse`.
    pub path: &'static str,
    pub operation: &'static str,
    /// The i18n key of what it does.
    pub summary: &'static str,
    /// The token scope it needs; `None` for the public documents.
    pub scope: Option<&'static str>,
    pub params: Vec<Param>,
    /// The schema of the JSON body it takes.
    pub body: Option<&'static str>,
    /// Its answer: status and schema (`None`: not JSON).
    pub answer: (u16, Option<&'static str>),
    /// Whether it takes an `Idempotency-Key`.
    pub key: Key,
    pub handler: MethodRouter<AppState>,
}

/// Whether a route takes an `Idempotency-Key` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Reads, and writes a retry cannot double (marks, edits, links).
    None,
    /// Creations that write no points (a claim, a household, an integrity
    /// record): with a key, a retry gets the first answer and creates
    /// nothing; without one, each request creates.
    Optional,
    /// Writes that create points: a request without a key is refused.
    Required,
}

fn page_params() -> Vec<Param> {
    vec![
        Param("cursor", In::Query, "string", "api_param_cursor"),
        Param("limit", In::Query, "integer", "api_param_limit"),
    ]
}

/// Every route of the API.
pub fn routes() -> Vec<ApiRoute> {
    let year = || Param("year", In::Query, "integer", "api_param_year");
    let branch = || Param("branch", In::Query, "integer", "api_param_branch");
    vec![
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/members",
            operation: "listMembers",
            summary: "api_op_members",
            scope: Some("read"),
            params: [page_params(), vec![branch()]].concat(),
            body: None,
            answer: (200, Some("MemberPage")),
            key: Key::None,
            handler: get(v1::members),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/standings",
            operation: "getStandings",
            summary: "api_op_standings",
            scope: Some("read"),
            params: [page_params(), vec![year(), branch()]].concat(),
            body: None,
            answer: (200, Some("Standings")),
            key: Key::None,
            handler: get(v1::standings),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/entries",
            operation: "listEntries",
            summary: "api_op_entries",
            scope: Some("read"),
            params: [
                page_params(),
                vec![
                    year(),
                    branch(),
                    Param("category", In::Query, "string", "api_param_category"),
                    Param("member", In::Query, "integer", "api_param_member"),
                ],
            ]
            .concat(),
            body: None,
            answer: (200, Some("EntryPage")),
            key: Key::None,
            handler: get(v1::entries),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/entries",
            operation: "recordEntry",
            summary: "api_op_record",
            scope: Some("record"),
            params: Vec::new(),
            body: Some("NewEntry"),
            answer: (201, Some("Entry")),
            key: Key::Required,
            handler: post(v1::record),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/entries/{id}/reverse",
            operation: "reverseEntry",
            summary: "api_op_reverse",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_entry")],
            body: Some("Reversal"),
            answer: (201, Some("Entry")),
            key: Key::Required,
            handler: post(v1::reverse),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/seals/{year}",
            operation: "getSeal",
            summary: "api_op_seal",
            scope: Some("read"),
            params: vec![Param("year", In::Path, "integer", "api_param_year")],
            body: None,
            answer: (200, Some("Seal")),
            key: Key::None,
            handler: get(v1::seal),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/households",
            operation: "listHouseholds",
            summary: "api_op_households",
            scope: Some("read"),
            params: [page_params(), vec![branch(), Param("unlinked", In::Query, "boolean", "api_param_unlinked")]]
                .concat(),
            body: None,
            answer: (200, Some("HouseholdPage")),
            key: Key::None,
            handler: get(resources::list_households),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/meetings",
            operation: "listMeetings",
            summary: "api_op_meetings",
            scope: Some("read"),
            params: [page_params(), vec![year(), branch()]].concat(),
            body: None,
            answer: (200, Some("MeetingPage")),
            key: Key::None,
            handler: get(resources::list_meetings),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/meetings/{id}/attendance",
            operation: "getAttendance",
            summary: "api_op_attendance",
            scope: Some("read"),
            params: vec![Param("id", In::Path, "integer", "api_param_meeting")],
            body: None,
            answer: (200, Some("AttendanceSheet")),
            key: Key::None,
            handler: get(resources::meeting_attendance),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/activities",
            operation: "listActivities",
            summary: "api_op_activities",
            scope: Some("read"),
            params: [page_params(), vec![year()]].concat(),
            body: None,
            answer: (200, Some("ActivityPage")),
            key: Key::None,
            handler: get(resources::list_activities),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/ratings/{year}",
            operation: "getPublishedRating",
            summary: "api_op_rating",
            scope: Some("read"),
            params: [vec![Param("year", In::Path, "integer", "api_param_year_path")], page_params()].concat(),
            body: None,
            answer: (200, Some("PublishedRating")),
            key: Key::None,
            handler: get(resources::published_rating),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/me",
            operation: "getMyRecord",
            summary: "api_op_me",
            scope: Some("read"),
            params: vec![year()],
            body: None,
            answer: (200, Some("MyRecord")),
            key: Key::None,
            handler: get(resources::me),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/claims",
            operation: "listClaims",
            summary: "api_op_claims",
            scope: Some("read"),
            params: [
                page_params(),
                vec![
                    Param("status", In::Query, "string", "api_param_claim_status"),
                    branch(),
                    Param("mine", In::Query, "boolean", "api_param_mine"),
                ],
            ]
            .concat(),
            body: None,
            answer: (200, Some("ClaimPage")),
            key: Key::None,
            handler: get(reviews::list_claims),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/claims/{id}",
            operation: "getClaim",
            summary: "api_op_claim",
            scope: Some("read"),
            params: vec![Param("id", In::Path, "integer", "api_param_claim")],
            body: None,
            answer: (200, Some("Claim")),
            key: Key::None,
            handler: get(reviews::get_claim),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/claims/{id}/decision",
            operation: "decideClaim",
            summary: "api_op_claim_decision",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_claim")],
            body: Some("ClaimDecision"),
            answer: (200, Some("Claim")),
            key: Key::Required,
            handler: post(reviews::decide_claim),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/integrity",
            operation: "listIntegrityRecords",
            summary: "api_op_integrity",
            scope: Some("read"),
            params: [page_params(), vec![Param("status", In::Query, "string", "api_param_record_status")]].concat(),
            body: None,
            answer: (200, Some("IntegrityRecordPage")),
            key: Key::None,
            handler: get(reviews::list_integrity),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/integrity/{id}/vote",
            operation: "voteOnIntegrityRecord",
            summary: "api_op_integrity_vote",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_record")],
            body: Some("Vote"),
            answer: (200, Some("IntegrityRecord")),
            key: Key::Required,
            handler: post(reviews::vote_integrity),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/meetings/{id}/attendance",
            operation: "markAttendance",
            summary: "api_op_mark_attendance",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_meeting")],
            body: Some("Marks"),
            answer: (200, Some("AttendanceSheet")),
            key: Key::None,
            handler: post(attendance::mark),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/meetings/{id}/close",
            operation: "closeMeeting",
            summary: "api_op_close_meeting",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_meeting")],
            body: Some("Close"),
            answer: (200, Some("Closed")),
            key: Key::Required,
            handler: post(attendance::close),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/meetings/{id}/leave",
            operation: "listLeaveRequests",
            summary: "api_op_leave",
            scope: Some("read"),
            params: vec![Param("id", In::Path, "integer", "api_param_meeting")],
            body: None,
            answer: (200, Some("LeaveRequests")),
            key: Key::None,
            handler: get(attendance::list_leave),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/leave/{id}/decision",
            operation: "decideLeave",
            summary: "api_op_leave_decision",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_leave")],
            body: Some("ClaimDecision"),
            answer: (200, Some("LeaveRequest")),
            key: Key::Required,
            handler: post(attendance::decide_leave),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/activities/{id}/answer",
            operation: "answerActivity",
            summary: "api_op_activity_answer",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_activity")],
            body: Some("ActivityAnswer"),
            answer: (200, Some("SignUp")),
            key: Key::None,
            handler: post(activities::answer),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/activities/{id}/confirmation",
            operation: "confirmService",
            summary: "api_op_activity_confirm",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_activity")],
            body: Some("ServiceConfirmation"),
            answer: (200, Some("ServiceConfirmed")),
            key: Key::Required,
            handler: post(activities::confirm),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/households",
            operation: "addHousehold",
            summary: "api_op_household_add",
            scope: Some("record"),
            params: Vec::new(),
            body: Some("HouseholdFields"),
            answer: (201, Some("Household")),
            key: Key::Optional,
            handler: post(households::add),
        },
        ApiRoute {
            method: Method::PATCH,
            path: "/api/v1/households/{id}",
            operation: "editHousehold",
            summary: "api_op_household_edit",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_household")],
            body: Some("HouseholdFields"),
            answer: (200, Some("Household")),
            key: Key::None,
            handler: patch(households::edit),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/households/links",
            operation: "linkHouseholds",
            summary: "api_op_household_links",
            scope: Some("record"),
            params: Vec::new(),
            body: Some("HouseholdLinks"),
            answer: (200, Some("HouseholdsLinked")),
            key: Key::None,
            handler: post(households::link),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/claims",
            operation: FILE_CLAIM,
            summary: "api_op_claim_file",
            scope: Some("record"),
            params: Vec::new(),
            body: Some("NewClaim"),
            answer: (201, Some("Claim")),
            key: Key::Optional,
            handler: post(claim_filing::file),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/claims/{id}/withdrawal",
            operation: "withdrawClaim",
            summary: "api_op_claim_withdraw",
            scope: Some("record"),
            params: vec![Param("id", In::Path, "integer", "api_param_claim")],
            body: None,
            answer: (200, Some("Claim")),
            key: Key::None,
            handler: post(claim_filing::withdraw),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/integrity",
            operation: "fileIntegrityRecord",
            summary: "api_op_integrity_file",
            scope: Some("record"),
            params: Vec::new(),
            body: Some("NewIntegrityRecord"),
            answer: (201, Some("IntegrityRecord")),
            key: Key::Optional,
            handler: post(reviews::file_integrity),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/openapi.json",
            operation: "getOpenApi",
            summary: "api_op_openapi",
            scope: None,
            params: Vec::new(),
            body: None,
            answer: (200, None),
            key: Key::None,
            handler: get(openapi),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api",
            operation: "getApiPage",
            summary: "api_op_page",
            scope: None,
            params: Vec::new(),
            body: None,
            answer: (200, None),
            key: Key::None,
            handler: get(page),
        },
    ]
}

/// The operation that takes a photo (`multipart/form-data`), and so the
/// page's photo body limit.
pub const FILE_CLAIM: &str = "fileClaim";

/// The API's routes, built from [`routes`] and nothing else; the one that
/// takes a photo reads bodies up to `photo_body_max` bytes, as /claims.
pub fn router(photo_body_max: usize) -> Router<AppState> {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for route in routes() {
        let handler = if route.operation == FILE_CLAIM {
            route.handler.layer(axum::extract::DefaultBodyLimit::max(photo_body_max))
        } else {
            route.handler
        };
        let merged = match by_path.remove(route.path) {
            Some(before) => before.merge(handler),
            None => handler,
        };
        by_path.insert(route.path, merged);
    }
    by_path.into_iter().fold(Router::new(), |router, (path, handler)| router.route(path, handler))
}

/// A JSON answer.
pub fn json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A JSON body, or a problem naming what is wrong in it.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            "invalid",
            crate::error::Why::new(
                format!("请求体不是所需的 JSON：{e}"),
                format!("the body is not the JSON asked for: {e}"),
            ),
        )
    })
}

/// What an address under `/api/` that no route serves gets.
pub fn unknown_route() -> Response {
    Problem::new(
        "route.unknown",
        crate::error::Why::new("没有这个接口地址，请查看 /api。", "no API route here; see /api"),
    )
    .into_response()
}

/// The reusable schemas of the document.
fn schemas() -> Value {
    let cursor =
        json!({ "type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last." });
    let mut schemas = json!({
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "code", "detail_zh", "detail_en"],
            "properties": {
                "type": { "type": "string" },
                "title": { "type": "string" },
                "status": { "type": "integer" },
                "code": { "type": "string", "enum": problem::CODES.iter().map(|c| c.0).collect::<Vec<_>>() },
                "detail_zh": { "type": "string" },
                "detail_en": { "type": "string" }
            }
        },
        "Member": {
            "type": "object",
            "required": ["id", "name", "branch_id", "branch", "phone_masked", "probationary", "joined_on", "left_on"],
            "properties": {
                "id": { "type": "integer" },
                "name": { "type": "string" },
                "branch_id": { "type": "integer" },
                "branch": { "type": "string" },
                "phone_masked": { "type": ["string", "null"], "example": "138****5678" },
                "probationary": { "type": "boolean" },
                "joined_on": { "type": ["string", "null"], "format": "date" },
                "left_on": { "type": ["string", "null"], "format": "date" }
            }
        },
        "MemberPage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Member" } },
                "next_cursor": cursor
            }
        },
        "Standing": {
            "type": "object",
            "required": ["member_id", "name", "branch_id", "branch", "total", "rank", "stars", "eligible"],
            "properties": {
                "member_id": { "type": "integer" },
                "name": { "type": "string" },
                "branch_id": { "type": ["integer", "null"] },
                "branch": { "type": "string" },
                "total": { "type": "string", "description": "Points as a decimal, e.g. \"12.5\"." },
                "rank": { "type": ["integer", "null"] },
                "stars": { "type": "integer", "minimum": 0, "maximum": 5 },
                "eligible": { "type": "boolean" }
            }
        },
        "Standings": {
            "type": "object",
            "required": ["year", "final", "items", "next_cursor"],
            "properties": {
                "year": { "type": "integer" },
                "final": { "type": "boolean" },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Standing" } },
                "next_cursor": cursor
            }
        },
        "Entry": {
            "type": "object",
            "required": ["id", "year", "member_id", "category", "rule", "points", "reason", "source", "source_ref",
                         "occurred_on", "recorded_by", "recorded_at", "reverses"],
            "properties": {
                "id": { "type": "integer" },
                "year": { "type": "integer" },
                "member_id": { "type": "integer" },
                "category": { "type": "string" },
                "rule": { "type": "string" },
                "points": { "type": "string", "description": "Points as a decimal, e.g. \"-0.5\"." },
                "reason": { "type": "string" },
                "source": { "type": "string" },
                "source_ref": { "type": "string" },
                "occurred_on": { "type": "string", "format": "date" },
                "recorded_by": { "type": "string", "example": "account:3" },
                "recorded_at": { "type": "integer", "description": "Unix seconds." },
                "reverses": { "type": ["integer", "null"] }
            }
        },
        "EntryPage": {
            "type": "object",
            "required": ["year", "items", "next_cursor"],
            "properties": {
                "year": { "type": "integer" },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Entry" } },
                "next_cursor": cursor
            }
        },
        "NewEntry": {
            "type": "object",
            "required": ["member_id", "rule", "on", "reference"],
            "additionalProperties": false,
            "properties": {
                "member_id": { "type": "integer" },
                "rule": { "type": "string", "example": "meeting.group" },
                "on": { "type": "string", "format": "date" },
                "reference": { "type": "string", "description": "Where the event is on paper, e.g. a sign-in sheet." },
                "reason": { "type": ["string", "null"] }
            }
        },
        "Reversal": {
            "type": "object",
            "required": ["reason"],
            "additionalProperties": false,
            "properties": { "reason": { "type": "string" } }
        },
        "Seal": {
            "type": "object",
            "description": "The year's latest seal, as docs/ledger-format.md describes it and `starledger seal verify` reads it."
        }
    });
    for more in [resource_schemas(&cursor), review_schemas(&cursor)] {
        if let (Some(schemas), Value::Object(more)) = (schemas.as_object_mut(), more) {
            schemas.extend(more);
        }
    }
    schemas
}

/// The schemas of the resources beyond the ledger (`api::resources`).
fn resource_schemas(cursor: &Value) -> Value {
    json!({
        "Household": {
            "type": "object",
            "description": "A household and the member it is linked to. Never its rating link.",
            "required": ["id", "address", "head_name", "head_phone_masked", "member_id", "member_name", "branch_id"],
            "properties": {
                "id": { "type": "integer" },
                "address": { "type": "string" },
                "head_name": { "type": ["string", "null"] },
                "head_phone_masked": { "type": ["string", "null"], "example": "138****5678" },
                "member_id": { "type": ["integer", "null"] },
                "member_name": { "type": ["string", "null"] },
                "branch_id": { "type": ["integer", "null"], "description": "The linked member's branch." }
            }
        },
        "HouseholdPage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Household" } },
                "next_cursor": cursor
            }
        },
        "HouseholdFields": {
            "type": "object",
            "additionalProperties": false,
            "description": "To add: address required. To edit: a field left out stays as it is.",
            "properties": {
                "address": { "type": "string", "maxLength": 100 },
                "head_name": { "type": ["string", "null"] },
                "phone": {
                    "type": ["string", "null"],
                    "description": "The head's mobile number; null removes it. Answered masked, never whole."
                }
            }
        },
        "HouseholdLinks": {
            "type": "object",
            "required": ["links"],
            "additionalProperties": false,
            "properties": {
                "links": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["household_id", "member_id"],
                        "additionalProperties": false,
                        "properties": { "household_id": { "type": "integer" }, "member_id": { "type": "integer" } }
                    }
                }
            }
        },
        "HouseholdsLinked": {
            "type": "object",
            "required": ["changed", "items"],
            "properties": {
                "changed": { "type": "integer", "description": "Households whose member changed." },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Household" } }
            }
        },
        "Meeting": {
            "type": "object",
            "required": ["id", "title", "rule", "branch_id", "branch", "party_group_id", "place", "starts_at", "closed"],
            "properties": {
                "id": { "type": "integer" },
                "title": { "type": "string" },
                "rule": { "type": "string", "example": "meeting.lecture" },
                "branch_id": { "type": "integer" },
                "branch": { "type": "string" },
                "party_group_id": { "type": ["integer", "null"] },
                "place": { "type": "string" },
                "starts_at": { "type": "integer", "description": "Unix seconds." },
                "closed": { "type": "boolean" }
            }
        },
        "MeetingPage": {
            "type": "object",
            "required": ["year", "items", "next_cursor"],
            "properties": {
                "year": { "type": "integer" },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Meeting" } },
                "next_cursor": cursor
            }
        },
        "AttendanceRow": {
            "type": "object",
            "required": ["member_id", "name", "status", "via", "recorded"],
            "properties": {
                "member_id": { "type": "integer" },
                "name": { "type": "string" },
                "status": { "type": ["string", "null"], "description": "null: not marked yet." },
                "via": { "type": ["string", "null"], "enum": ["secretary", "qr", "leave", "api", "import", null], "description": "Where the mark came from: the page (secretary), a scan, an approved leave, the API, an imported sheet." },
                "recorded": { "type": "boolean", "description": "Recorded in the ledger." }
            }
        },
        "AttendanceSheet": {
            "type": "object",
            "required": ["meeting_id", "closed", "items"],
            "properties": {
                "meeting_id": { "type": "integer" },
                "closed": { "type": "boolean" },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/AttendanceRow" } }
            }
        },
        "Activity": {
            "type": "object",
            "required": ["id", "title", "rule", "place", "starts_at", "ends_at", "slots", "signed_up"],
            "properties": {
                "id": { "type": "integer" },
                "title": { "type": "string" },
                "rule": { "type": "string" },
                "place": { "type": "string" },
                "starts_at": { "type": "integer", "description": "Unix seconds." },
                "ends_at": { "type": "integer", "description": "Unix seconds." },
                "slots": { "type": "integer" },
                "signed_up": { "type": "integer" }
            }
        },
        "ActivityPage": {
            "type": "object",
            "required": ["year", "items", "next_cursor"],
            "properties": {
                "year": { "type": "integer" },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Activity" } },
                "next_cursor": cursor
            }
        },
        "RatedMember": {
            "type": "object",
            "required": ["member_id", "name", "branch", "total", "rank", "stars"],
            "properties": {
                "member_id": { "type": "integer" },
                "name": { "type": "string" },
                "branch": { "type": "string" },
                "total": { "type": "string" },
                "rank": { "type": ["integer", "null"] },
                "stars": { "type": "integer", "minimum": 0, "maximum": 5 }
            }
        },
        "PublishedRating": {
            "type": "object",
            "required": ["year", "round", "final", "notice_from", "notice_until", "seal", "items", "next_cursor"],
            "properties": {
                "year": { "type": "integer" },
                "round": { "type": "integer" },
                "final": { "type": "boolean" },
                "notice_from": { "type": "string", "format": "date" },
                "notice_until": { "type": "string", "format": "date" },
                "seal": { "type": ["string", "null"], "description": "The latest seal's short form." },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/RatedMember" } },
                "next_cursor": cursor
            }
        },
        "MyRecord": {
            "type": "object",
            "required": ["member_id", "name", "branch", "year", "total", "rank", "stars", "eligible", "categories"],
            "properties": {
                "member_id": { "type": "integer" },
                "name": { "type": "string" },
                "branch": { "type": "string" },
                "year": { "type": "integer" },
                "total": { "type": "string" },
                "rank": { "type": ["integer", "null"] },
                "stars": { "type": ["integer", "null"], "description": "null while nobody has points." },
                "eligible": { "type": "integer" },
                "categories": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "points", "windows"],
                        "properties": {
                            "name": { "type": "string" },
                            "points": { "type": "string" },
                            "windows": {
                                "type": "array",
                                "description": "Household ratings per window; counts and points are null (withheld) below three ratings.",
                                "items": { "type": "object" }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// The schemas of claims and integrity records (`api::reviews`).
fn review_schemas(cursor: &Value) -> Value {
    json!({
        "Claim": {
            "type": "object",
            "description": "A visit or a study week a member claimed, and its review.",
            "required": ["id", "member_id", "member_name", "branch_id", "kind", "occurred_on", "household_id",
                         "household_address", "note", "photo", "status", "claimed_at", "decided_by",
                         "decision_note", "entry_id"],
            "properties": {
                "id": { "type": "integer" },
                "member_id": { "type": "integer" },
                "member_name": { "type": "string" },
                "branch_id": { "type": "integer" },
                "kind": { "type": "string", "enum": ["visit", "study_week"] },
                "occurred_on": { "type": "string", "format": "date", "description": "A study week: its Monday." },
                "household_id": { "type": ["integer", "null"] },
                "household_address": { "type": ["string", "null"] },
                "note": { "type": "string" },
                "photo": { "type": "boolean", "description": "A photo is attached (seen on the pages, not here)." },
                "status": { "type": "string", "enum": ["pending", "approved", "rejected", "cancelled"] },
                "claimed_at": { "type": "integer", "description": "Unix seconds." },
                "decided_by": { "type": ["integer", "null"], "description": "The deciding account's id." },
                "decision_note": { "type": "string" },
                "entry_id": { "type": ["integer", "null"], "description": "The entry an approval wrote." }
            }
        },
        "ClaimPage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Claim" } },
                "next_cursor": cursor
            }
        },
        "ClaimDecision": {
            "type": "object",
            "required": ["decision"],
            "additionalProperties": false,
            "properties": {
                "decision": { "type": "string", "enum": ["approve", "reject"] },
                "note": { "type": "string" }
            }
        },
        "IntegrityRecord": {
            "type": "object",
            "required": ["id", "member_id", "member_name", "year", "rule", "happened_on", "description", "evidence",
                         "status", "approvals", "rejections", "quorum", "escalated", "entry_id", "decision_note",
                         "recused", "my_vote"],
            "properties": {
                "id": { "type": "integer" },
                "member_id": { "type": "integer" },
                "member_name": { "type": ["string", "null"] },
                "year": { "type": "integer" },
                "rule": { "type": "string" },
                "happened_on": { "type": "string", "format": "date" },
                "description": { "type": "string" },
                "evidence": { "type": "boolean" },
                "status": { "type": "string", "enum": ["pending", "approved", "rejected"] },
                "approvals": { "type": "integer" },
                "rejections": { "type": "integer" },
                "quorum": { "type": ["integer", "null"], "description": "Votes needed; null when the overseer decides." },
                "escalated": { "type": "boolean", "description": "Too few may vote: the overseer above decides." },
                "entry_id": { "type": ["integer", "null"] },
                "decision_note": { "type": ["string", "null"] },
                "recused": { "type": "boolean", "description": "The caller, a committee member, is recused (回避)." },
                "my_vote": { "type": ["string", "null"], "enum": ["approve", "reject", null] }
            }
        },
        "IntegrityRecordPage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/IntegrityRecord" } },
                "next_cursor": cursor
            }
        },
        "Marks": {
            "type": "object",
            "required": ["marks"],
            "additionalProperties": false,
            "properties": {
                "marks": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["member_id", "status"],
                        "additionalProperties": false,
                        "properties": {
                            "member_id": { "type": "integer" },
                            "status": { "type": "string", "enum": ["present", "late", "absent", "excused"] }
                        }
                    }
                }
            }
        },
        "Close": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "unmarked": {
                    "type": ["string", "null"],
                    "enum": ["present", "absent", null],
                    "description": "What the members nobody marked were; without it they refuse the close."
                }
            }
        },
        "Closed": {
            "type": "object",
            "required": ["meeting_id", "entries", "waiting", "sheet"],
            "properties": {
                "meeting_id": { "type": "integer" },
                "entries": { "type": "integer", "description": "Entries this close recorded." },
                "waiting": {
                    "type": "array",
                    "items": { "type": "integer" },
                    "description": "Members whose attendance waits for another account (the closer and relatives)."
                },
                "sheet": { "$ref": "#/components/schemas/AttendanceSheet" }
            }
        },
        "LeaveRequest": {
            "type": "object",
            "required": ["id", "meeting_id", "member_id", "member_name", "reason", "status", "decision_note"],
            "properties": {
                "id": { "type": "integer" },
                "meeting_id": { "type": "integer" },
                "member_id": { "type": "integer" },
                "member_name": { "type": "string" },
                "reason": { "type": "string" },
                "status": { "type": "string", "enum": ["pending", "approved", "rejected"] },
                "decision_note": { "type": ["string", "null"], "description": "The decision's note, if the decider gave one." }
            }
        },
        "LeaveRequests": {
            "type": "object",
            "required": ["meeting_id", "items"],
            "properties": {
                "meeting_id": { "type": "integer" },
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/LeaveRequest" } }
            }
        },
        "ActivityAnswer": {
            "type": "object",
            "required": ["answer"],
            "additionalProperties": false,
            "properties": { "answer": { "type": "string", "enum": ["sign_up", "cancel"] } }
        },
        "SignUp": {
            "type": "object",
            "required": ["activity_id", "member_id", "signed_up", "signed_up_count"],
            "properties": {
                "activity_id": { "type": "integer" },
                "member_id": { "type": "integer" },
                "signed_up": { "type": "boolean", "description": "The caller is signed up now." },
                "signed_up_count": { "type": "integer" }
            }
        },
        "ServiceConfirmation": {
            "type": "object",
            "required": ["member_ids"],
            "additionalProperties": false,
            "properties": {
                "member_ids": { "type": "array", "minItems": 1, "items": { "type": "integer" } }
            }
        },
        "ServiceConfirmed": {
            "type": "object",
            "required": ["activity_id", "items"],
            "properties": {
                "activity_id": { "type": "integer" },
                "items": {
                    "type": "array",
                    "description": "The members this confirmation credited (one confirmed before is skipped).",
                    "items": {
                        "type": "object",
                        "required": ["member_id", "name", "points", "entry_id"],
                        "properties": {
                            "member_id": { "type": "integer" },
                            "name": { "type": "string" },
                            "points": { "type": "string" },
                            "entry_id": { "type": "integer" }
                        }
                    }
                }
            }
        },
        "NewClaim": {
            "type": "object",
            "required": ["kind", "on"],
            "additionalProperties": false,
            "properties": {
                "kind": { "type": "string", "enum": ["visit", "study_week"] },
                "household_id": { "type": ["integer", "null"], "description": "A visit's household, one you link." },
                "on": { "type": "string", "format": "date", "description": "A study week: its Monday." },
                "note": { "type": "string", "maxLength": 300 }
            }
        },
        "NewClaimWithPhoto": {
            "type": "object",
            "required": ["kind", "on"],
            "description": "The same fields as NewClaim, as form fields, and a photo (JPEG, PNG, GIF or WebP) no larger than the server's photo limit (8 MB unless the operator sets otherwise).",
            "properties": {
                "kind": { "type": "string", "enum": ["visit", "study_week"] },
                "household_id": { "type": "integer" },
                "on": { "type": "string", "format": "date" },
                "note": { "type": "string", "maxLength": 300 },
                "photo": { "type": "string", "format": "binary" }
            }
        },
        "NewIntegrityRecord": {
            "type": "object",
            "required": ["member_id", "rule", "on", "description"],
            "additionalProperties": false,
            "properties": {
                "member_id": { "type": "integer" },
                "rule": { "type": "string", "example": "integrity.commendation", "description": "A rule the committee decides." },
                "on": { "type": "string", "format": "date" },
                "description": { "type": "string", "maxLength": 500 }
            }
        },
        "Vote": {
            "type": "object",
            "required": ["vote"],
            "additionalProperties": false,
            "properties": { "vote": { "type": "string", "enum": ["approve", "reject"] } }
        }
    })
}

/// The OpenAPI 3.1 document, written from [`routes`].
pub fn document() -> Value {
    let (en, zh) = (Tr(Lang::En), Tr(Lang::Zh));
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for route in routes() {
        let mut parameters: Vec<Value> = route
            .params
            .iter()
            .map(|Param(name, at, kind, key)| {
                json!({
                    "name": name,
                    "in": match at { In::Path => "path", In::Query => "query" },
                    "required": matches!(at, In::Path),
                    "description": format!("{} / {}", en.get(key), zh.get(key)),
                    "schema": { "type": kind },
                })
            })
            .collect();
        if route.key != Key::None {
            parameters.push(json!({
                "name": "Idempotency-Key",
                "in": "header",
                "required": route.key == Key::Required,
                "description": "Retries with the same key and body get the first answer; nothing is written twice.",
                "schema": { "type": "string", "minLength": 1, "maxLength": idempotency::MAX_KEY_CHARS },
            }));
        }
        let (status, schema) = route.answer;
        let content = match (schema, route.path) {
            (Some(schema), _) => {
                json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } })
            }
            (None, "/api/openapi.json") => json!({ "application/json": { "schema": { "type": "object" } } }),
            (None, _) => json!({ "text/html": { "schema": { "type": "string" } } }),
        };
        let mut operation = json!({
            "operationId": route.operation,
            "summary": en.get(route.summary),
            "description": zh.get(route.summary),
            "parameters": parameters,
            "responses": {
                status.to_string(): { "description": en.get(route.summary), "content": content },
                "default": {
                    "description": "A problem (RFC 9457) with a stable code and details in Chinese and English.",
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                }
            },
        });
        match route.scope {
            Some(scope) => operation["security"] = json!([{ "bearer": [scope] }]),
            None => operation["security"] = json!([]),
        }
        if let Some(body) = route.body {
            let mut content =
                json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{body}") } } });
            if route.operation == FILE_CLAIM {
                content["multipart/form-data"] =
                    json!({ "schema": { "$ref": "#/components/schemas/NewClaimWithPhoto" } });
            }
            operation["requestBody"] = json!({ "required": true, "content": content });
        }
        paths.entry(route.path).or_default().insert(route.method.as_str().to_ascii_lowercase(), operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "starledger API",
            "version": "1",
            "description": "Member points and star rating. Personal tokens act as their owner's account, \
                            with the same duty and recusal checks as the pages. See docs/api.md."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal token made on /me/tokens; scopes: read, record."
                }
            },
            "schemas": schemas(),
        },
    })
}

/// `GET /api/openapi.json`
async fn openapi() -> Response {
    json(StatusCode::OK, &document())
}

struct EndpointRow {
    method: String,
    path: &'static str,
    summary: &'static str,
    scope: &'static str,
    key: Key,
}

struct CodeRow {
    code: &'static str,
    status: u16,
    title: &'static str,
}

#[derive(Template)]
#[template(path = "api.html")]
struct ApiPage {
    page: Page,
    endpoints: Vec<EndpointRow>,
    codes: Vec<CodeRow>,
}

/// `GET /api`: the API's endpoints and problem codes, written from the
/// same table as the document, in the visitor's language.
async fn page(headers: HeaderMap) -> WebResult<Response> {
    let t = Tr(Lang::from_cookie(cookie(&headers, LANG_COOKIE).as_deref()));
    let endpoints = routes()
        .into_iter()
        .map(|r| EndpointRow {
            method: r.method.to_string(),
            path: r.path,
            summary: t.get(r.summary),
            scope: r.scope.unwrap_or(""),
            key: r.key,
        })
        .collect();
    let codes = problem::CODES
        .iter()
        .map(|(code, status, zh, en)| CodeRow { code, status: *status, title: if t.0 == Lang::Zh { zh } else { en } })
        .collect();
    Ok(render(ApiPage { page: Page::public(t, "api_title"), endpoints, codes })?.into_response())
}
