//! Step 4, the annual rating (星级评定) made final in public: the committee
//! publishes the provisional results computed from the ledger by the year's
//! frozen rulebook; during the notice period (公示) anyone with an account,
//! and any household through its link, can object; the committee answers
//! each objection on the record (an upheld one is put right through the
//! normal rules: a reversal or an adjustment); after the period, with every
//! objection answered, the year is finalized and the database locks it.
//! A finalized year changes only after a reopening, which names who and why.

use crate::calendar::today;
use crate::error::{WebError, WebResult, Why, render};
use crate::html::confirm::{Choice, ConfirmForm, ConfirmPage, Group, confirmed};
use crate::i18n::Tr;
use crate::page::{Page, reasons_text, star_text};
use crate::proof::CheckedForm;
use crate::session::{CsrfForm, FORM_COOKIE, SignedIn, Visitor, form_token, now, set_cookie};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::objections;
use starledger_app::rating as app_rating;
use starledger_domain::duty;
use starledger_domain::ledger::Actor;
use starledger_domain::notice::NoticePeriod;
use starledger_domain::org::{AccountId, CommunityId, MemberId, Role, Year};
use starledger_domain::rating::Rating;
use starledger_store::{NoticeQueries, OrgQueries, Period, RatingQueries, RatingRound, WriteTx};

struct ResultRow {
    member_id: MemberId,
    rank: Option<u32>,
    name: String,
    branch: String,
    total: String,
    stars: String,
    note: String,
}

fn result_rows(t: Tr, rating: &Rating) -> Vec<ResultRow> {
    rating
        .members
        .iter()
        .map(|m| ResultRow {
            member_id: m.member_id,
            rank: m.rank,
            name: m.name.clone(),
            branch: m.branch.clone(),
            total: m.total.to_string(),
            stars: star_text(m.stars),
            note: reasons_text(t, &m.reasons),
        })
        .collect()
}

struct ObjectionRow {
    id: i64,
    filed_by: String,
    about: String,
    text: String,
    filed_at: String,
    answer: String,
    outcome: &'static str,
    answered_by: String,
    can_answer: bool,
}

#[derive(Template)]
#[template(path = "rating.html")]
struct RatingPage {
    page: Page,
    year: i16,
    years: Vec<i16>,
    rulebook_version: String,
    state: &'static str,
    notice: String,
    can_publish: bool,
    /// The year is not over: nothing is published yet, and the page says why.
    running: bool,
    can_object: bool,
    can_finalize: bool,
    can_reopen: bool,
    /// The committee and the auditor may try the year under another rulebook.
    can_try: bool,
    /// The ledger changed after publication (an upheld objection put right).
    changed: bool,
    rounds: Vec<String>,
    /// A motion waiting for a second committee member: (id, what, who, reason).
    motion: Option<(i64, &'static str, String, String)>,
    /// The viewer may agree to it (a committee member who is another person).
    can_agree: bool,
    can_withdraw: bool,
    members: Vec<(MemberId, String)>,
    objections: Vec<ObjectionRow>,
    rows: Vec<ResultRow>,
    /// The year's seal once published: short form and QR code.
    seal: Option<crate::html::seal::SealView>,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<YearQuery>,
) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let years = reader.period_years(community).await?;
    let year = crate::calendar::chosen_past_year(&years, query.year).ok_or(WebError::NotFound)?;
    let period = reader.period(community, year).await?.ok_or(WebError::NotFound)?;
    let rating = app_rating::rating_now(&mut reader, &period, community).await?;
    let rounds = reader.rating_rounds(community, i64::from(year.get())).await?;
    let live = rounds.iter().rev().find(|r| r.is_live()).cloned();
    let today = today();
    let notice = live.as_ref().map(objections::notice_of).transpose()?;
    let accounts: std::collections::HashMap<AccountId, String> =
        reader.accounts(community).await?.into_iter().map(|a| (a.id, a.name)).collect();
    let members = reader.members(community).await?;
    let names: std::collections::HashMap<MemberId, String> =
        members.iter().map(|m| (m.id, m.name.to_string())).collect();
    let is_committee = viewer.is(Role::Committee);
    let live_round = live.as_ref().map(|r| r.round);
    let objections: Vec<ObjectionRow> = reader
        .objections(community, i64::from(year.get()))
        .await?
        .into_iter()
        .filter(|o| Some(o.round) == live_round)
        .map(|o| {
            let by_me = o.filed_by == Actor::Account(viewer.account.id);
            ObjectionRow {
                id: o.id,
                // Who objected is for the committee (and the objector) to know.
                filed_by: if is_committee || by_me || viewer.is(Role::Auditor) {
                    describe_actor(o.filed_by, &accounts)
                } else {
                    "—".into()
                },
                about: o.member_id.and_then(|m| names.get(&m).cloned()).unwrap_or_default(),
                text: o.text.clone(),
                filed_at: crate::calendar::local(o.filed_at),
                answer: o.answer.clone().unwrap_or_default(),
                outcome: match o.outcome.as_deref() {
                    Some("upheld") => "异议成立，已按规则更正",
                    Some(_) => "异议不成立",
                    None => "待党委答复",
                },
                answered_by: o.answered_by.and_then(|a| accounts.get(&a).cloned()).unwrap_or_default(),
                can_answer: is_committee
                    && o.answered_at.is_none()
                    && !by_me
                    && viewer.account.member_id != o.member_id,
            }
        })
        .collect();
    let unanswered = objections.iter().filter(|o| o.answer.is_empty()).count();
    let is_final = live.as_ref().is_some_and(RatingRound::is_final);
    let motion = reader.rating_motions(community, i64::from(year.get())).await?.into_iter().find(|m| m.is_pending());
    let can_agree = match &motion {
        Some(m) => {
            let proposer = reader.accounts(community).await?.into_iter().find(|a| a.id == m.proposed_by);
            proposer.is_some_and(|p| duty::may_second(&viewer.account, &p).is_ok())
        }
        None => false,
    };
    let page = RatingPage {
        page: Page::signed_in(&viewer, "rating"),
        year: year.get(),
        years: years.iter().map(|y| y.get()).collect(),
        rulebook_version: period.rulebook.version.clone(),
        state: match (&live, is_final) {
            (None, _) => "未公示（暂定结果）",
            (Some(_), true) => "已确认，年度已锁定",
            (Some(_), false) => "公示中",
        },
        notice: notice.map(|n| format!("{} — {}", n.from, n.until)).unwrap_or_default(),
        can_publish: is_committee && live.is_none() && year < Year::of(today) && motion.is_none(),
        running: year >= Year::of(today),
        can_object: !is_final && notice.is_some_and(|n| n.may_object(today).is_ok()) && !viewer.is(Role::Auditor),
        can_finalize: is_committee && !is_final && notice.is_some_and(|n| n.may_finalize(today, unanswered).is_ok()),
        can_reopen: is_committee && live.is_some() && motion.is_none(),
        can_try: is_committee || viewer.is(Role::Auditor),
        changed: live.as_ref().is_some_and(|r| !r.is_final() && r.published_sha256 != rating.digest()),
        rounds: rounds
            .iter()
            .filter(|r| r.reopened_at.is_some())
            .map(|r| {
                let name = |a: Option<AccountId>| a.and_then(|a| accounts.get(&a).cloned()).unwrap_or_default();
                format!(
                    "第{}轮：{} 重新开启（{}提议，{}同意）：{}",
                    r.round,
                    r.reopened_at.map(crate::calendar::local).unwrap_or_default(),
                    name(r.reopened_by),
                    name(r.reopen_agreed_by),
                    r.reopen_reason.clone().unwrap_or_default()
                )
            })
            .collect(),
        motion: motion.as_ref().map(|m| {
            let what = viewer.t.get(if m.action == "reopen" { "motion_reopen" } else { "motion_publish_again" });
            (m.id, what, accounts.get(&m.proposed_by).cloned().unwrap_or_default(), m.reason.clone())
        }),
        can_agree,
        can_withdraw: is_committee,
        members: members.iter().filter(|m| m.left_on.is_none()).map(|m| (m.id, m.name.to_string())).collect(),
        objections,
        rows: result_rows(viewer.t, &rating),
        seal: crate::html::seal::latest(&mut reader, community, year).await?,
    };
    Ok(render(page)?.into_response())
}

fn describe_actor(actor: Actor, accounts: &std::collections::HashMap<AccountId, String>) -> String {
    match actor {
        Actor::Account(id) => accounts.get(&id).cloned().unwrap_or_else(|| actor.to_string()),
        Actor::Household(_) => "联系户（通过评议链接）".into(),
        _ => actor.to_string(),
    }
}

async fn open_period(tx: &mut WriteTx, community: CommunityId, year: i64) -> WebResult<Period> {
    let year = Year::new(year).map_err(|_| WebError::NotFound)?;
    tx.period(community, year).await?.ok_or(WebError::NotFound)
}

/// `GET /rating/{year}/publish`: what publishing will do, nothing written.
pub async fn publish_page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(year): Path<i64>,
) -> WebResult<Response> {
    publish_step(&state, &viewer, year, false).await
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(year): Path<i64>,
    CheckedForm(form): CheckedForm<ConfirmForm>,
) -> WebResult<Response> {
    publish_step(&state, &viewer, year, confirmed(form.confirm.as_deref())).await
}

/// Publishes once confirmed (after a reopening, proposes publishing again
/// for a second committee member to agree to); before that, the same
/// checks and a summary.
async fn publish_step(state: &AppState, viewer: &SignedIn, year: i64, confirmed: bool) -> WebResult<Response> {
    let mut tx = viewer.write(state).await?;
    if !confirmed {
        duty::may_administer(&viewer.account, "publish the rating")?;
        let community = viewer.account.community_id;
        let period = open_period(&mut tx, community, year).await?;
        // Results are published once the year is over: publishing locks the
        // year at finalization, and a running year still has points to come.
        if today().year() <= period.year.get() {
            return Err(WebError::Refused(Why::new(
                format!("{year} 年度尚未结束，年终后才能发布公示。"),
                format!("{year} is not over yet; its results are published after it ends"),
            )));
        }
        if let Some(live) = tx.live_round(community, year).await? {
            return Err(WebError::Refused(if live.is_final() {
                Why::new(
                    format!("{year} 年度已确认锁定，须先重新开启。"),
                    format!("{year} is finalized; reopen it first"),
                )
            } else {
                Why::new(format!("{year} 年度已在公示中。"), format!("{year} is already in public notice"))
            }));
        }
        let rating = app_rating::rating_now(&mut tx, &period, community).await?;
        let notice = NoticePeriod::starting(today(), period.rulebook.stars.notice_days);
        drop(tx);
        let t = viewer.t;
        let rated = rating.members.iter().filter(|m| m.rank.is_some()).count();
        let five = rating.five_star().count();
        return ConfirmPage {
            page: Page::signed_in(viewer, "rating"),
            heading: t.fill("confirm_publish_heading", &[("year", &year)]),
            lines: vec![
                t.fill(
                    "confirm_publish_summary",
                    &[("year", &year), ("members", &rating.members.len()), ("rated", &rated), ("five", &five)],
                ),
                t.fill("confirm_publish_period", &[("from", &notice.from), ("until", &notice.until)]),
            ],
            groups: vec![five_star_group(t, &rating)],
            action: format!("/rating/{year}/publish"),
            carried: Vec::new(),
            choices: vec![Choice::plain(t.get("confirm_publish_button"))],
            back: format!("/rating?year={year}"),
        }
        .respond();
    }
    // Publishing, or after a reopening proposing to publish again for a
    // second committee member to agree to: the application layer's.
    app_rating::publish(&mut tx, &viewer.account, year, today(), now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rating?year={year}")).into_response())
}

/// The five-star members of a rating, by name, for a confirmation.
fn five_star_group(t: crate::i18n::Tr, rating: &Rating) -> Group {
    Group {
        heading: t.get("five_star_members").to_string(),
        names: rating.five_star().map(|m| m.name.clone()).collect(),
        testid: "five-star",
    }
}

#[derive(Deserialize)]
pub struct ObjectionForm {
    member: Option<String>,
    text: String,
}

impl ObjectionForm {
    /// The form as a filing: its member field, if filled, must be a
    /// member's id.
    fn filing(&self, year: i64) -> WebResult<objections::Filing<'_>> {
        let member = match self.member.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => Some(
                m.parse::<MemberId>()
                    .map_err(|_| WebError::BadRequest(Why::new("党员：不是本社区的党员。", "member: not a member")))?,
            ),
            None => None,
        };
        Ok(objections::Filing { year, member, text: &self.text })
    }
}

pub async fn object(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(year): Path<i64>,
    CheckedForm(form): CheckedForm<ObjectionForm>,
) -> WebResult<Response> {
    crate::fields::at_most("text", &form.text, crate::fields::OBJECTION)?;
    let filing = form.filing(year)?;
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    objections::file(&mut tx, community, objections::Filer::Account(&viewer.account), &filing, today(), now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rating?year={year}")).into_response())
}

#[derive(Deserialize)]
pub struct AnswerForm {
    answer: String,
    outcome: String,
}

pub async fn answer(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<AnswerForm>,
) -> WebResult<Response> {
    crate::fields::at_most("answer", &form.answer, crate::fields::OBJECTION)?;
    let upheld = match form.outcome.as_str() {
        "upheld" => true,
        "dismissed" => false,
        other => {
            return Err(WebError::BadRequest(Why::new(
                format!("答复结果“{other}”无效。"),
                format!("outcome: \"{other}\""),
            )));
        }
    };
    let mut tx = viewer.write(&state).await?;
    let objection = objections::answer(&mut tx, &viewer.account, id, &form.answer, upheld, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rating?year={}", objection.year)).into_response())
}

/// `GET /rating/{year}/finalize`: what finalizing will do, nothing written.
pub async fn finalize_page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(year): Path<i64>,
) -> WebResult<Response> {
    finalize_step(&state, &viewer, year, false).await
}

pub async fn finalize(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(year): Path<i64>,
    CheckedForm(form): CheckedForm<ConfirmForm>,
) -> WebResult<Response> {
    finalize_step(&state, &viewer, year, confirmed(form.confirm.as_deref())).await
}

/// Finalizes once confirmed; before that, the same checks and a summary.
async fn finalize_step(state: &AppState, viewer: &SignedIn, year: i64, confirmed: bool) -> WebResult<Response> {
    let mut tx = viewer.write(state).await?;
    if confirmed {
        app_rating::finalize(&mut tx, &viewer.account, year, today(), now()).await?;
        tx.commit().await?;
        return Ok(Redirect::to(&format!("/honours?year={year}")).into_response());
    }
    let rating = app_rating::may_finalize(&mut tx, &viewer.account, year, today()).await?.rating;
    drop(tx);
    let t = viewer.t;
    let five = rating.five_star().count();
    ConfirmPage {
        page: Page::signed_in(viewer, "rating"),
        heading: t.fill("confirm_finalize_heading", &[("year", &year)]),
        lines: vec![
            t.fill("confirm_finalize_summary", &[("year", &year), ("members", &rating.members.len()), ("five", &five)]),
            t.fill("confirm_finalize_lock", &[("year", &year)]),
        ],
        groups: vec![five_star_group(t, &rating)],
        action: format!("/rating/{year}/finalize"),
        carried: Vec::new(),
        choices: vec![Choice::plain(t.get("confirm_finalize_button"))],
        back: format!("/rating?year={year}"),
    }
    .respond()
}

#[derive(Deserialize)]
pub struct ReopenForm {
    reason: String,
}

/// Proposes ending the live round, finalized or not, with a reason on the
/// record; once a second committee member agrees, the year is open to
/// corrections and must be published again.
pub async fn reopen(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(year): Path<i64>,
    CheckedForm(form): CheckedForm<ReopenForm>,
) -> WebResult<Response> {
    crate::fields::at_most("reason", &form.reason, crate::fields::REASON)?;
    let mut tx = viewer.write(&state).await?;
    app_rating::propose_reopen(&mut tx, &viewer.account, year, &form.reason, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rating?year={year}")).into_response())
}

/// A second committee member agrees to a motion (reopen, publish again),
/// which is carried out now.
pub async fn agree(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((year, id)): Path<(i64, i64)>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    app_rating::agree(&mut tx, &viewer.account, year, id, today(), now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rating?year={year}")).into_response())
}

/// Withdraws a motion that waits for agreement.
pub async fn withdraw(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((year, id)): Path<(i64, i64)>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    app_rating::withdraw(&mut tx, &viewer.account, year, id, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/rating?year={year}")).into_response())
}

// ---- households: the public results and an objection, through their link ----

#[derive(Template)]
#[template(path = "household_notice.html")]
struct HouseholdNoticePage {
    page: Page,
    token: String,
    form_token: String,
    year: i16,
    notice: String,
    open: bool,
    filed: bool,
    rows: Vec<ResultRow>,
    seal: Option<crate::html::seal::SealView>,
}

/// The year in public notice in `community` whose objections are still
/// taken today, if any: a household's rating page leads to it.
pub async fn open_notice<Q: NoticeQueries + OrgQueries>(reader: &mut Q, community: CommunityId) -> WebResult<bool> {
    for year in reader.period_years(community).await?.into_iter().rev() {
        if let Some(round) = reader.live_round(community, i64::from(year.get())).await?.filter(|r| !r.is_final()) {
            return Ok(objections::notice_of(&round)?.may_object(today()).is_ok());
        }
    }
    Ok(false)
}

/// The year in public notice for the household's community, if any.
async fn household_notice(
    state: &AppState,
    visitor: &Visitor,
    token: &str,
) -> WebResult<(CommunityId, Period, RatingRound)> {
    if !crate::security::is_token(token) {
        return Err(WebError::NotFound);
    }
    if !state.limits().rating_by_ip.allow(&visitor.ip) {
        return Err(WebError::Refused(Why::new("请求过于频繁，请稍后再试。", "too many requests; try again later")));
    }
    let mut reader = state.store().read().await?;
    let holder = reader.token_holder(token).await?.filter(|h| !h.revoked).ok_or(WebError::NotFound)?;
    let community = holder.community_id;
    for year in reader.period_years(community).await?.into_iter().rev() {
        if let Some(round) = reader.live_round(community, i64::from(year.get())).await?.filter(|r| !r.is_final()) {
            let period = reader.period(community, year).await?.ok_or(WebError::NotFound)?;
            return Ok((community, period, round));
        }
    }
    Err(WebError::Refused(Why::new("目前没有正在公示的结果。", "no results are in public notice now")))
}

#[derive(Deserialize)]
pub struct FiledQuery {
    filed: Option<u8>,
}

pub async fn household_show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    Query(query): Query<FiledQuery>,
) -> WebResult<Response> {
    let (community, period, round) = household_notice(&state, &visitor, &token).await?;
    let mut reader = state.store().read().await?;
    let rating = app_rating::rating_now(&mut reader, &period, community).await?;
    let notice = objections::notice_of(&round)?;
    let (form_token, new_cookie) = form_token(&visitor);
    let page = HouseholdNoticePage {
        page: Page::public(visitor.t, "rating"),
        token,
        form_token,
        year: period.year.get(),
        notice: format!("{} — {}", notice.from, notice.until),
        open: notice.may_object(today()).is_ok(),
        filed: query.filed == Some(1),
        rows: result_rows(visitor.t, &rating),
        seal: crate::html::seal::latest(&mut reader, community, period.year).await?,
    };
    let mut response = render(page)?.into_response();
    if let Some(cookie) = new_cookie {
        let value = set_cookie(FORM_COOKIE, &cookie, 3600, state.config().secure_cookies);
        response
            .headers_mut()
            .append(header::SET_COOKIE, value.parse().map_err(|_| WebError::Internal("cookie".into()))?);
    }
    Ok(response)
}

pub async fn household_object(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    CheckedForm(form): CheckedForm<ObjectionForm>,
) -> WebResult<Response> {
    crate::fields::at_most("text", &form.text, crate::fields::OBJECTION)?;
    let (community, period, _) = household_notice(&state, &visitor, &token).await?;
    let mut tx = visitor.write_in(&state, community).await?;
    let holder = tx.token_holder(&token).await?.ok_or(WebError::NotFound)?;
    let filing = form.filing(i64::from(period.year.get()))?;
    let filer = objections::Filer::Household(holder.household_id);
    objections::file(&mut tx, community, filer, &filing, today(), now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/r/{token}/notice?filed=1")).into_response())
}
