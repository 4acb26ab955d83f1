//! Volunteer service (志愿服务): a member answers an activity notice (signs
//! up, or cancels, for themselves), and the organizer confirms who served,
//! never themselves or a relative, each confirmation writing the points the
//! rulebook gives. Shared by the activity pages and the API. (Publishing,
//! check-in and no-shows are still written in the pages.)

use crate::AppResult;
use crate::clock;
use crate::error::{AppError, Reason, invalid, refused};
use crate::recording::{self, Event};
use starledger_domain::org::{Account, MemberId, Role, Year};
use starledger_domain::points::Points;
use starledger_domain::volunteering::{Schedule, hourly_points};
use starledger_store::{Activity, ActivityQueries, OrgQueries, WriteTx};

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
    let day = jiff::Timestamp::from_second(activity.starts_at)
        .map_err(|e| invalid(format!("活动时间无效：{e}"), format!("the activity's time: {e}")))?
        .to_zoned(clock::china())
        .date();
    let period = tx
        .period(community, Year::of(day))
        .await?
        .ok_or_else(|| refused(format!("{} 年度未开放。", day.year()), format!("{} has no open year", day.year())))?;
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
