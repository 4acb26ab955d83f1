//! Writing a priced entry: the year must be open and contain the date, the
//! person behind the account must be allowed to record the rule about the
//! member (never themselves or a relative), and the rulebook's caps must
//! hold — all checked inside the transaction that writes the entry. A
//! finalized year is refused by the database itself.

use crate::error::{AppResult, refused, year_closed};
use jiff::civil::Date;
use starledger_domain::Points;
use starledger_domain::duty::{self, Subject};
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::{Account, CommunityId, Member, MemberId, Year};
use starledger_domain::rulebook::Rule;
use starledger_store::{Appended, IntegrityQueries, NoticeQueries, OrgQueries, Period, PeriodStatus, WriteTx};

/// What is being recorded, apart from who and about whom.
pub struct Event<'a> {
    pub rule_key: &'a str,
    pub on: Date,
    pub source_ref: String,
    pub reason: Option<String>,
    pub idempotency_key: String,
}

/// The person an entry is about, as the duty checks see them.
pub fn subject(member: &Member) -> Subject {
    Subject { member_id: member.id, branch_id: member.branch_id }
}

/// Records an entry an account enters itself, priced by its rule.
pub async fn record(
    tx: &mut WriteTx,
    actor: &Account,
    member: &Member,
    period: &Period,
    event: Event<'_>,
    now: i64,
) -> AppResult<Appended> {
    let points = priced_rule(period, &event)?.points;
    record_priced(tx, actor, member, period, event, points, now).await
}

/// As `record`, for a rule whose points depend on the event (by the hour).
/// The duty check, recusal of relatives included, is made here once for
/// every path that lets an account type an entry.
pub async fn record_priced(
    tx: &mut WriteTx,
    actor: &Account,
    member: &Member,
    period: &Period,
    event: Event<'_>,
    points: Points,
    now: i64,
) -> AppResult<Appended> {
    let rule = priced_rule(period, &event)?;
    may_record(tx, actor, rule, member).await?;
    append(tx, Actor::Account(actor.id), member, period, event, points, now).await
}

/// The duty check of [`record`] alone, for a decision that writes nothing
/// yet (rejecting a claim needs the same right as approving it).
pub async fn may_record(tx: &mut WriteTx, actor: &Account, rule: &Rule, member: &Member) -> AppResult<()> {
    let relatives = tx.relative_ids(member.id).await?;
    duty::may_record(actor, rule, subject(member), &relatives)?;
    Ok(())
}

/// The rule that prices `event` in an open year that contains its date.
pub fn priced_rule<'p>(period: &'p Period, event: &Event<'_>) -> AppResult<&'p Rule> {
    if period.status != PeriodStatus::Open {
        return Err(year_closed(period.year));
    }
    if Year::of(event.on) != period.year {
        return Err(refused(
            format!("{} 不在 {} 年度内。", event.on, period.year),
            format!("{} is not in {}", event.on, period.year),
        ));
    }
    let rulebook = &period.rulebook;
    rulebook.rule(event.rule_key).ok_or_else(|| {
        refused(
            format!("规则 {} 不在规则 {} 中。", event.rule_key, rulebook.version),
            format!("rule {} is not in rulebook {}", event.rule_key, rulebook.version),
        )
    })
}

/// Appends an entry whose right to be written the caller has established
/// (a decision's votes, a ballot's tally, a maker and a checker, a
/// household's link), within the rulebook's caps.
pub async fn append(
    tx: &mut WriteTx,
    by: Actor,
    member: &Member,
    period: &Period,
    event: Event<'_>,
    points: Points,
    now: i64,
) -> AppResult<Appended> {
    let rule = priced_rule(period, &event)?;
    let book = Book { community: member.community_id, year: period.year, rulebook_version: &period.rulebook.version };
    let draft = draft(book, rule, member.id, by, event, points, now);
    tx.append_within_caps(draft, &period.rulebook, rule).await?.map_err(|cap| refused(cap.zh(), cap.to_string()))
}

/// Where a period's entries go: its community, year and rulebook version.
#[derive(Clone, Copy, Debug)]
pub struct Book<'a> {
    pub community: CommunityId,
    pub year: Year,
    pub rulebook_version: &'a str,
}

/// The entry an event about `member` becomes under `rule`: category, rule
/// key and source from the rule, and the rule's name as the reason unless
/// the event gives one. Every path that writes entries (the pages, the
/// command line, the demo, the bench's bulk load) builds them here.
pub fn draft(
    book: Book<'_>,
    rule: &Rule,
    member: MemberId,
    by: Actor,
    event: Event<'_>,
    points: Points,
    now: i64,
) -> EntryDraft {
    EntryDraft {
        community_id: book.community,
        year: book.year.get(),
        member_id: member,
        category: rule.category.clone(),
        rule_key: rule.key.clone(),
        rulebook_version: book.rulebook_version.to_string(),
        points,
        reason: event.reason.unwrap_or_else(|| rule.name.clone()),
        source_kind: rule.source.as_str().to_string(),
        source_ref: event.source_ref,
        recorded_by: by,
        recorded_at: now,
        occurred_on: event.on,
        idempotency_key: event.idempotency_key,
        reverses: None,
    }
}

/// Refuses to plan work (a meeting, an activity, a ballot) in a year that
/// is finalized: its points could never be written.
pub async fn refuse_if_final(tx: &mut WriteTx, community: CommunityId, year: Year) -> AppResult<()> {
    match tx.live_round(community, i64::from(year.get())).await? {
        Some(round) if round.is_final() => Err(refused(
            format!("{year} 年度已确认；只有经记录在案的重新开启后积分才能变动。"),
            format!("{year} is finalized; its points change only after a documented reopening"),
        )),
        _ => Ok(()),
    }
}

/// Refuses to plan work on a day outside the community's open years (a
/// meeting dated `0001-01-01`, or in a year not opened): its points could
/// never be written. Returns the open period.
pub async fn open_period_of(tx: &mut WriteTx, community: CommunityId, day: Date) -> AppResult<Period> {
    match tx.period(community, Year::of(day)).await? {
        Some(period) if period.status == PeriodStatus::Open => Ok(period),
        _ => Err(refused(
            format!("{day} 不在已开放的年度内：请先开放 {} 年度。", day.year()),
            format!("{day} is not in an open year; open {} first", day.year()),
        )),
    }
}

/// The id of an entry written now or by an earlier identical request.
pub fn entry_id(appended: &Appended) -> i64 {
    match appended {
        Appended::New(entry) => entry.id,
        Appended::Duplicate(id) => *id,
    }
}
