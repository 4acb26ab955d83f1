//! Volunteer service (志愿服务): a member answers an activity notice (signs
//! up, or cancels, for themselves), and the organizer confirms who served,
//! never themselves or a relative, each confirmation writing the points the
//! rulebook gives; the committee publishes the notices, and members check
//! in at the venue; after it, the organizer records the no-shows. Shared by
//! the activity pages and the API.

use crate::AppResult;
use crate::clock;
use crate::error::{AppError, Reason, invalid, refused};
use crate::recording::{self, Event};
use jiff::civil::Date;
use starledger_domain::duty;
use starledger_domain::org::{Account, MemberId, Role, Year};
use starledger_domain::points::Points;
use starledger_domain::rulebook::{Rule, RuleSource};
use starledger_domain::volunteering::{NO_SHOW_RULE, Schedule, hourly_points};
use starledger_store::{
    Activity, ActivityQueries, Appended, NewActivity, OrgQueries, Period, PeriodStatus, StoreError, WriteTx,
};

/// The activity's times as a schedule.
pub fn schedule(activity: &Activity) -> AppResult<Schedule> {
    Schedule::new(activity.starts_at, activity.ends_at)
        .map_err(|e| invalid(format!("活动时间无效：{e}"), format!("the activity's times: {e}")))
}

/// Organizers: the committee, and branch secretaries for their members.
pub fn may_organize(account: &Account) -> bool {
    matches!(account.role, Role::Committee | Role::BranchSecretary)
}

/// A member's answer to a notice.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Answer {
    SignUp,
    Cancel,
}

impl Answer {
    /// `sign_up` or `cancel`, as the form and the API send it.
    pub fn parse(text: &str) -> AppResult<Answer> {
        match text {
            "sign_up" => Ok(Answer::SignUp),
            "cancel" => Ok(Answer::Cancel),
            other => Err(invalid(
                format!("回复（answer）“{other}”无效：应为 sign_up 或 cancel。"),
                format!("answer: \"{other}\" is neither sign_up nor cancel"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::SignUp => "sign_up",
            Answer::Cancel => "cancel",
        }
    }
}

/// The member behind the account answers for themselves: signs up while
/// places are left and before the start, or cancels before the start.
pub async fn answer(tx: &mut WriteTx, actor: &Account, id: i64, answer: Answer, now: i64) -> AppResult<()> {
    let member = actor
        .member_id
        .ok_or_else(|| AppError::Forbidden(Reason::new("只有党员可以回复活动通知。", "only members answer notices")))?;
    let community = actor.community_id;
    let activity = tx.activity(community, id).await?;
    let schedule = schedule(&activity)?;
    let signups = tx.signups(id).await?;
    let signing_up = answer == Answer::SignUp;
    if signing_up {
        let already = signups.iter().any(|s| s.member_id == member && s.is_signed_up());
        // Someone already signed up does not take a second place.
        let taken = signups.iter().filter(|s| s.is_signed_up()).count() as u32 - u32::from(already);
        schedule.may_sign_up(now, taken, activity.slots as u32).map_err(|e| refused(e.zh(), e.to_string()))?;
    } else {
        schedule.may_cancel(now).map_err(|e| refused(e.zh(), e.to_string()))?;
    }
    tx.answer_activity(id, member, signing_up, now).await?;
    let detail = format!("activity {id} {}", answer.as_str());
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "activity.answer", &detail).await?;
    Ok(())
}

/// One member's confirmed service.
#[derive(Clone, Debug)]
pub struct Credited {
    pub member_id: MemberId,
    pub name: String,
    pub points: Points,
    pub entry_id: i64,
}

/// Records the chosen members' service: each must have signed up; one
/// already confirmed is skipped; an hourly rule needs their check-in and
/// check-out. A refusal of any (about the organizer themselves or a
/// relative, another branch, a cap) refuses the whole confirmation. What
/// this confirmation credited (the audit row is written when it is not
/// empty).
pub async fn confirm(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
    chosen: &[MemberId],
    now: i64,
) -> AppResult<Vec<Credited>> {
    if !may_organize(actor) {
        return Err(AppError::Forbidden(Reason::new(
            "只有社区党委或支部书记才能确认服务。",
            "only the committee or a branch secretary confirms service",
        )));
    }
    let community = actor.community_id;
    let activity = tx.activity(community, id).await?;
    if now < activity.starts_at {
        return Err(refused("活动开始后才能确认服务。", "service is confirmed once the activity has started"));
    }
    let (day, period) = day_and_period(tx, &activity).await?;
    let signups = tx.signups(id).await?;
    let mut credited = Vec::new();
    for member_id in chosen {
        let member_id = *member_id;
        let Some(signup) = signups.iter().find(|s| s.member_id == member_id && s.is_signed_up()) else {
            return Err(refused(
                format!("该党员（{member_id}）没有报名。"),
                format!("member {member_id} did not sign up"),
            ));
        };
        if signup.entry_id.is_some() {
            continue;
        }
        let member = tx.member(community, member_id).await?;
        let mut event = Event {
            rule_key: &activity.rule_key,
            on: day,
            source_ref: format!("activity:{id}"),
            reason: Some(format!("{}（{}）", activity.title, day)),
            idempotency_key: format!("activity:{id}:{member_id}"),
        };
        let rule = recording::priced_rule(&period, &event)?;
        let points = if rule.per_hour {
            let (Some(from), Some(to)) = (signup.checked_in_at, signup.checked_out_at) else {
                return Err(refused(
                    format!("{}没有签到和签退；此项服务按小时计分。", member.name),
                    format!("{} has not checked in and out; this service is counted by the hour", member.name),
                ));
            };
            let half_hours = schedule(&activity)?.half_hours_served(from, to);
            if half_hours == 0 {
                return Err(refused(
                    format!("{}服务不足半小时。", member.name),
                    format!("{} served less than half an hour", member.name),
                ));
            }
            event.reason = Some(format!("{}（{}，{} 小时）", activity.title, day, half_hours as f64 / 2.0));
            hourly_points(rule.points, half_hours)
        } else {
            rule.points
        };
        // Refused here (about themselves, another branch, a cap) means the
        // whole confirmation is refused and nothing is written.
        let appended = recording::record_priced(tx, actor, &member, &period, event, points, now).await?;
        let entry_id = recording::entry_id(&appended);
        tx.mark_activity_confirmed(id, member_id, entry_id).await?;
        credited.push(Credited { member_id, name: member.name.to_string(), points, entry_id });
    }
    if !credited.is_empty() {
        let detail = format!("activity {id}: {} confirmed", credited.len());
        tx.audit(Some(community), &crate::ledger::actor_label(actor), "activity.confirm", &detail).await?;
    }
    Ok(credited)
}

/// An activity as the committee drafts its notice.
#[derive(Clone, Debug)]
pub struct Draft<'a> {
    /// The rulebook's activity rule that prices the service.
    pub rule: &'a str,
    pub title: &'a str,
    pub place: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub slots: i64,
}

/// The notice as it is pasted into (or posted to) the work group.
pub fn notice_text(activity: &Draft<'_>, rule: Option<&Rule>, url: &str, community_name: &str) -> String {
    let points = rule.map_or(String::new(), |r| {
        let unit = if r.per_hour { "每小时" } else { "每人" };
        format!("，{unit}{}分（{}）", r.points, r.name)
    });
    format!(
        "【志愿服务通知】{}\n时间：{} — {}\n地点：{}\n名额：{}人{points}\n报名：{url}\n——{community_name}党委",
        activity.title,
        clock::local(activity.starts_at),
        clock::local(activity.ends_at),
        activity.place,
        activity.slots,
    )
}

/// The committee publishes an activity notice in an open, unfinalized
/// year, priced by one of the year's activity rules (never a penalty); its
/// id. With `announce_at` (the server's public address) the notice is
/// queued for the community's work-group robots in the same transaction:
/// published means announced.
pub async fn publish(
    tx: &mut WriteTx,
    actor: &Account,
    draft: &Draft<'_>,
    checkin_token: String,
    announce_at: Option<&str>,
    now: i64,
) -> AppResult<i64> {
    duty::may_administer(actor, "publish an activity")?;
    let (title, place) = (draft.title.trim(), draft.place.trim());
    if title.is_empty() || place.is_empty() {
        return Err(invalid("标题和地点必须填写。", "title and place are required"));
    }
    if !(1..=500).contains(&draft.slots) {
        return Err(invalid("名额：1 至 500 人。", "slots: 1 to 500"));
    }
    Schedule::new(draft.starts_at, draft.ends_at).map_err(|e| invalid(e.zh(), e.to_string()))?;
    let community = actor.community_id;
    let day = clock::day_of(draft.starts_at).ok_or_else(|| invalid("开始时间无效。", "starts_at: not a time"))?;
    let period = match tx.period(community, Year::of(day)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => {
            return Err(refused(format!("{} 年度未开放。", day.year()), format!("{} is not an open year", day.year())));
        }
    };
    recording::refuse_if_final(tx, community, period.year).await?;
    let rule = match period.rulebook.rule(draft.rule) {
        // An activity is priced by service, never by a penalty (volunteer.no_show).
        Some(rule) if rule.source == RuleSource::Activity && rule.points.is_positive() => rule,
        _ => {
            return Err(invalid(
                format!("“{}”不是本年度的活动规则。", draft.rule),
                format!("\"{}\" is not an activity rule of this year", draft.rule),
            ));
        }
    };
    let activity = NewActivity {
        community_id: community,
        rule_key: draft.rule.to_string(),
        title: title.to_string(),
        place: place.to_string(),
        starts_at: draft.starts_at,
        ends_at: draft.ends_at,
        slots: draft.slots,
        checkin_token,
        created_by: actor.id,
        created_at: now,
    };
    let id = tx.add_activity(&activity).await?;
    if let Some(public_url) = announce_at {
        let community_name = tx.community(community).await?.name;
        let trimmed = Draft { title, place, ..draft.clone() };
        let text = notice_text(&trimmed, Some(rule), &format!("{public_url}/activities/{id}"), &community_name);
        tx.enqueue_for_robots(community, &format!("activity:{id}"), &text, now).await?;
    }
    let label = crate::ledger::actor_label(actor);
    tx.audit(Some(community), &label, "activity.publish", &format!("activity {id} {}", draft.rule)).await?;
    Ok(id)
}

/// The day an activity starts (in China) and the period of its year, which
/// prices what it records.
async fn day_and_period(tx: &mut WriteTx, activity: &Activity) -> AppResult<(Date, Period)> {
    let day = clock::day_of(activity.starts_at).ok_or_else(|| invalid("活动时间无效。", "the activity's times"))?;
    let period = tx
        .period(activity.community_id, Year::of(day))
        .await?
        .ok_or_else(|| refused(format!("{} 年度未开放。", day.year()), format!("{} has no open year", day.year())))?;
    Ok((day, period))
}

/// Whether the activity's rule counts service by the hour.
async fn counts_hours(tx: &mut WriteTx, activity: &Activity) -> AppResult<bool> {
    let Some(day) = clock::day_of(activity.starts_at) else { return Ok(false) };
    let period = tx.period(activity.community_id, Year::of(day)).await?;
    Ok(period.and_then(|p| p.rulebook.rule(&activity.rule_key).map(|r| r.per_hour)).unwrap_or(false))
}

/// The venue's QR (`token`): the member behind the account, signed up,
/// checks in within the window; for service counted by the hour the second
/// scan checks out. The activity's id.
pub async fn check_in(tx: &mut WriteTx, actor: &Account, token: &str, now: i64) -> AppResult<i64> {
    let member = actor
        .member_id
        .ok_or_else(|| AppError::Forbidden(Reason::new("只有党员可以签到。", "only members check in")))?;
    let activity = tx
        .activity_by_token(token)
        .await?
        .filter(|a| a.community_id == actor.community_id)
        .ok_or_else(|| AppError::Store(StoreError::not_found("activity", "its check-in code")))?;
    let schedule = schedule(&activity)?;
    let mine = tx.signups(activity.id).await?.into_iter().find(|s| s.member_id == member);
    let checked_in = mine.as_ref().is_some_and(|s| s.checked_in_at.is_some());
    let action = if checked_in && counts_hours(tx, &activity).await? {
        if !schedule.check_out_open(now) || !tx.check_out_activity(activity.id, member, now).await? {
            return Err(refused(
                "签退在活动结束后一小时内开放，只能签退一次。",
                "check-out is open until an hour after the end, once",
            ));
        }
        "activity.checkout"
    } else {
        if !schedule.check_in_open(now) {
            return Err(refused("现在不在签到时间内。", "check-in is not open now"));
        }
        if !tx.check_in_activity(activity.id, member, now).await? {
            return Err(refused("只有已报名的党员可以签到（一次）。", "only members who signed up check in (once)"));
        }
        "activity.checkin"
    };
    let label = crate::ledger::actor_label(actor);
    tx.audit(Some(activity.community_id), &label, action, &format!("activity {}", activity.id)).await?;
    Ok(activity.id)
}

/// After the activity, the organizer records who signed up and never came
/// (never checked in, never confirmed), priced by the rulebook's no-show
/// rule; how many were recorded. Members the organizer may not record about
/// (themselves, a relative, another branch's) are left for another
/// organizer.
pub async fn record_no_shows(tx: &mut WriteTx, actor: &Account, id: i64, now: i64) -> AppResult<usize> {
    if !may_organize(actor) {
        return Err(AppError::Forbidden(Reason::new(
            "只有社区党委或支部书记可以记录未到人员。",
            "only the committee or a branch secretary records no-shows",
        )));
    }
    let community = actor.community_id;
    let activity = tx.activity(community, id).await?;
    if !schedule(&activity)?.is_over(now) {
        return Err(refused("活动结束后才能记录未到人员。", "no-shows are recorded after the activity is over"));
    }
    let (day, period) = day_and_period(tx, &activity).await?;
    let mut recorded = 0;
    for signup in tx.signups(id).await?.into_iter().filter(|s| s.is_unrecorded_no_show()) {
        let member = tx.member(community, signup.member_id).await?;
        let event = Event {
            rule_key: NO_SHOW_RULE,
            on: day,
            source_ref: format!("activity:{id}"),
            reason: Some(format!("报名{}后未到（{}）", activity.title, day)),
            idempotency_key: format!("activity:{id}:{}:no_show", member.id),
        };
        let entry = match recording::record(tx, actor, &member, &period, event, now).await {
            Ok(Appended::New(entry)) => entry.id,
            Ok(Appended::Duplicate(entry)) => entry,
            // Not this organizer's to record: someone else will.
            Err(AppError::Duty(_)) => continue,
            Err(other) => return Err(other),
        };
        tx.mark_activity_no_show(id, member.id, entry).await?;
        recorded += 1;
    }
    if recorded > 0 {
        let label = crate::ledger::actor_label(actor);
        tx.audit(Some(community), &label, "activity.no_shows", &format!("activity {id}: {recorded} recorded")).await?;
    }
    Ok(recorded)
}
