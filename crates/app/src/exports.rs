//! Spreadsheets out (导出): the roll, the households and the linking sheet
//! (联户名单), a year's standings, each member's breakdown by category and
//! rule, a period's ledger, meeting attendance and volunteer hours, as
//! tables with Chinese headers that `starledger-exchange` writes as `.xlsx`
//! or CSV. Who may export what is decided here once ([`scope`]), for the
//! pages and the command line alike.
//!
//! What no export shows: a whole phone number, unless the committee asks
//! for the roll or the households with whole numbers (audited, command line
//! only); a single household's rating (the ledger and the breakdown show a
//! member's household ratings per rating window, as their record does, and
//! a window with fewer than three ratings without its points).

use crate::AppError;
use crate::clock::{china, today};
use crate::error::{AppResult, invalid, refused};
use crate::standings::{self, Audience};
use jiff::civil::Date;
use starledger_domain::duty::Refusal;
use starledger_domain::ledger::{Actor, Entry};
use starledger_domain::linking::RatingWindow;
use starledger_domain::meetings::Attendance;
use starledger_domain::org::{
    Account, AccountId, BranchId, CommunityId, LinkingDuty, Member, MemberId, Phone, Role, Year,
};
use starledger_domain::points::Points;
use starledger_domain::rating::MIN_RATINGS_SHOWN;
use starledger_domain::rulebook::{RuleSource, Rulebook};
use starledger_exchange::write::{Table, Value};
use starledger_store::{
    ActivityQueries, ExportQueries, LedgerQueries, MeetingQueries, NoticeQueries, OrgQueries, Period,
};
use std::collections::{BTreeMap, HashMap};

/// What can be exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Roll,
    Households,
    Links,
    Standings,
    Breakdown,
    Ledger,
    Attendance,
    Volunteer,
}

impl ExportKind {
    pub const ALL: [ExportKind; 8] = [
        ExportKind::Roll,
        ExportKind::Households,
        ExportKind::Links,
        ExportKind::Standings,
        ExportKind::Breakdown,
        ExportKind::Ledger,
        ExportKind::Attendance,
        ExportKind::Volunteer,
    ];

    pub fn parse(text: &str) -> Option<ExportKind> {
        ExportKind::ALL.into_iter().find(|k| k.key() == text)
    }

    pub fn key(self) -> &'static str {
        match self {
            ExportKind::Roll => "roll",
            ExportKind::Households => "households",
            ExportKind::Links => "links",
            ExportKind::Standings => "standings",
            ExportKind::Breakdown => "breakdown",
            ExportKind::Ledger => "ledger",
            ExportKind::Attendance => "attendance",
            ExportKind::Volunteer => "volunteer",
        }
    }

    /// The kind's name in Chinese, for file names and the download page.
    pub fn title_zh(self) -> &'static str {
        match self {
            ExportKind::Roll => "党员花名册",
            ExportKind::Households => "农户台账",
            ExportKind::Links => "联户名单",
            ExportKind::Standings => "星级评定",
            ExportKind::Breakdown => "积分明细汇总",
            ExportKind::Ledger => "积分台账",
            ExportKind::Attendance => "会议考勤",
            ExportKind::Volunteer => "志愿服务时长",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            ExportKind::Roll => "roll",
            ExportKind::Households => "households",
            ExportKind::Links => "household links",
            ExportKind::Standings => "standings",
            ExportKind::Breakdown => "breakdown by category and rule",
            ExportKind::Ledger => "ledger",
            ExportKind::Attendance => "meeting attendance",
            ExportKind::Volunteer => "volunteer hours",
        }
    }

    /// Whether the export is of one year (the roll is of today unless a year is given).
    pub fn needs_year(self) -> bool {
        !matches!(self, ExportKind::Roll | ExportKind::Households | ExportKind::Links)
    }

    /// Whether a branch secretary may export it for their branch; the
    /// households and the linking sheet are the committee's and the auditor's.
    fn branch_may(self) -> bool {
        !matches!(self, ExportKind::Households | ExportKind::Links)
    }
}

/// Who may export `kind`: the committee and the auditor the whole community
/// (`Ok(None)`), a branch secretary their own branch's members
/// (`Ok(Some(branch))`), as on the pages they read; nobody else.
pub fn scope(actor: &Account, kind: ExportKind) -> AppResult<Option<BranchId>> {
    match actor.role {
        Role::Committee | Role::Auditor => Ok(None),
        Role::BranchSecretary if kind.branch_may() => match actor.branch_id {
            Some(branch) => Ok(Some(branch)),
            None => Err(refused(
                format!("{} 未指定所负责的支部，不能导出。", actor.login),
                format!("{} answers for no branch and exports nothing", actor.login),
            )),
        },
        role => Err(AppError::Duty(Refusal::CommitteeOnly {
            login: actor.login.clone(),
            role,
            action: format!("export the {}", kind.title_en()),
        })),
    }
}

/// Whole phone numbers leave the system only for the committee, only in the
/// roll and the households, and only with an audit row (see
/// [`audit_whole_phones`]).
pub fn may_export_whole_phones(actor: &Account, kind: ExportKind) -> AppResult<()> {
    starledger_domain::duty::may_administer(actor, "export whole phone numbers")?;
    if !matches!(kind, ExportKind::Roll | ExportKind::Households) {
        return Err(invalid(
            format!("{}不含电话号码；完整号码只用于党员花名册和农户台账。", kind.title_zh()),
            format!("the {} holds no phone numbers; whole numbers are for the roll and the households", kind.key()),
        ));
    }
    Ok(())
}

/// The audit row of an export with whole phone numbers.
pub async fn audit_whole_phones(
    tx: &mut starledger_store::WriteTx,
    actor: &Account,
    kind: ExportKind,
    rows: usize,
) -> AppResult<()> {
    let detail = format!("export {} with whole phone numbers: {rows} rows", kind.key());
    tx.audit(Some(actor.community_id), &crate::ledger::actor_label(actor), "export.with_phones", &detail).await?;
    Ok(())
}

/// What to export.
#[derive(Clone, Debug)]
pub struct Request {
    pub kind: ExportKind,
    /// The year (required by the kinds of a year; for the roll, its roll of that year).
    pub year: Option<Year>,
    /// Within the year, for the ledger: from and until these days (inclusive).
    pub from: Option<Date>,
    pub until: Option<Date>,
    /// One branch's members only (a branch secretary's scope).
    pub branch: Option<BranchId>,
    /// Whole phone numbers (checked by [`may_export_whole_phones`]).
    pub whole_phones: bool,
    /// Whose view of a running year (see [`Audience`]).
    pub audience: Audience,
}

impl Request {
    pub fn new(kind: ExportKind) -> Request {
        Request {
            kind,
            year: None,
            from: None,
            until: None,
            branch: None,
            whole_phones: false,
            audience: Audience::Whole,
        }
    }
}

/// The file name an export is offered under, e.g. `2025年积分台账.xlsx`.
pub fn file_name(request: &Request, extension: &str) -> String {
    match request.year {
        Some(year) => format!("{}年{}.{extension}", year.get(), request.kind.title_zh()),
        None => format!("{}.{extension}", request.kind.title_zh()),
    }
}

/// Builds the table of an export.
pub async fn table<Q>(q: &mut Q, community: CommunityId, request: &Request) -> AppResult<Table>
where
    Q: LedgerQueries + OrgQueries + NoticeQueries + MeetingQueries + ActivityQueries + ExportQueries + Sized,
{
    let year = match (request.kind.needs_year(), request.year) {
        (true, None) => {
            return Err(invalid(
                format!("导出{}需要指定年度。", request.kind.title_zh()),
                format!("exporting the {} needs a year (--year)", request.kind.key()),
            ));
        }
        (_, year) => year,
    };
    if let (Some(from), Some(until)) = (request.from, request.until)
        && from > until
    {
        return Err(invalid(
            format!("起始日期 {from} 晚于截止日期 {until}。"),
            format!("--from {from} is after --until {until}"),
        ));
    }
    let phone = |raw: Option<&str>| -> Value {
        match raw.and_then(|p| Phone::parse(p).ok()) {
            Some(p) if request.whole_phones => Value::Text(p.as_str().to_string()),
            Some(p) => Value::Text(p.masked()),
            None => Value::Empty,
        }
    };
    let in_branch = |m: &Member| request.branch.is_none_or(|b| m.branch_id == b);
    match (request.kind, year) {
        (ExportKind::Roll, year) => {
            let members: Vec<Member> = match year {
                Some(y) => q.year_roll(community, y).await?.into_iter().filter(|m| m.days_on_roll(y) > 0).collect(),
                None => {
                    let today = today();
                    q.members(community).await?.into_iter().filter(|m| m.left_on.is_none_or(|l| l >= today)).collect()
                }
            };
            let groups = q.party_groups(community).await?;
            let rows = members
                .iter()
                .filter(|m| in_branch(m))
                .map(|m| {
                    let group = m.party_group_id.and_then(|g| groups.iter().find(|(id, _, _)| *id == g));
                    let (post, exempt) = match &m.linking {
                        LinkingDuty::Linked => (None, None),
                        LinkingDuty::HoldsPost(post) => (Some(post.clone()), None),
                        LinkingDuty::Exempt(reason) => (None, Some(reason.clone())),
                    };
                    vec![
                        m.name.as_str().into(),
                        m.branch.as_str().into(),
                        group.map(|(_, _, n)| n.clone()).into(),
                        phone(m.phone.as_ref().map(|p| p.as_str())),
                        post.into(),
                        m.joined_on.map(|d| d.to_string()).into(),
                        (if m.probationary { "是" } else { "否" }).into(),
                        exempt.into(),
                    ]
                })
                .collect();
            let columns = starledger_exchange::write::columns(starledger_exchange::Kind::Members);
            Ok(Table { sheet: starledger_exchange::Kind::Members.sheet_name().into(), columns, rows })
        }
        (ExportKind::Households, _) => {
            let rows = q
                .households(community)
                .await?
                .iter()
                .map(|h| vec![h.address.as_str().into(), h.head_name.clone().into(), phone(h.phone.as_deref())])
                .collect();
            let columns = starledger_exchange::write::columns(starledger_exchange::Kind::Households);
            Ok(Table { sheet: starledger_exchange::Kind::Households.sheet_name().into(), columns, rows })
        }
        (ExportKind::Links, _) => {
            let households = q.households(community).await?;
            let members = q.members(community).await?;
            let rows = households
                .iter()
                .filter_map(|h| {
                    let member = members.iter().find(|m| Some(m.id) == h.member_id)?;
                    Some(vec![
                        h.address.as_str().into(),
                        h.head_name.clone().into(),
                        member.name.as_str().into(),
                        member.branch.as_str().into(),
                    ])
                })
                .collect();
            let columns = starledger_exchange::write::columns(starledger_exchange::Kind::Links);
            Ok(Table { sheet: starledger_exchange::Kind::Links.sheet_name().into(), columns, rows })
        }
        (kind, Some(year)) => {
            let period = q.period(community, year).await?.ok_or_else(|| no_period(year))?;
            match kind {
                ExportKind::Standings => standings_table(q, community, year, request, &period).await,
                ExportKind::Breakdown => breakdown_table(q, community, year, request, &period).await,
                ExportKind::Ledger => ledger_table(q, community, year, request, &period).await,
                ExportKind::Attendance => attendance_table(q, community, year, request).await,
                _ => volunteer_table(q, community, year, request).await,
            }
        }
        (_, None) => unreachable!("a kind of a year was given one above"),
    }
}

fn no_period(year: Year) -> AppError {
    invalid(format!("{year} 年度尚未开放，没有可导出的内容。"), format!("{year} has no period; nothing to export"))
}

fn number(points: Points) -> Value {
    Value::Number(points.as_f64())
}

fn column(header: &str, width: f64) -> (String, f64) {
    (header.to_string(), width)
}

/// The year's members in scope, by id.
async fn year_members<Q: NoticeQueries>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
    request: &Request,
) -> AppResult<Vec<Member>> {
    let roll = q.year_roll(community, year).await?;
    Ok(roll.into_iter().filter(|m| request.branch.is_none_or(|b| m.branch_id == b)).collect())
}

async fn standings_table<Q>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
    request: &Request,
    period: &Period,
) -> AppResult<Table>
where
    Q: LedgerQueries + OrgQueries + NoticeQueries + Sized,
{
    let kept = standings::compute(q, community, year, request.audience).await?.ok_or_else(|| no_period(year))?;
    let branch_of: HashMap<MemberId, BranchId> = kept.roll.iter().map(|m| (m.id, m.branch_id)).collect();
    let categories = &period.rulebook.categories;
    let mut columns = vec![column("名次", 6.0), column("姓名", 10.0), column("所属支部", 16.0)];
    columns.extend(categories.iter().map(|c| (c.name.clone(), 10.0)));
    columns.extend([column("总分", 8.0), column("星级", 6.0)]);
    let rows = kept
        .standing()
        .members
        .iter()
        .filter(|m| request.branch.is_none_or(|b| branch_of.get(&m.member_id) == Some(&b)))
        .map(|m| {
            let mut row: Vec<Value> = vec![
                m.rank.map(|r| Value::Number(f64::from(r))).unwrap_or(Value::Empty),
                m.name.as_str().into(),
                m.branch.as_str().into(),
            ];
            row.extend(categories.iter().map(|c| number(m.categories.get(&c.key).copied().unwrap_or(Points::ZERO))));
            row.push(number(m.total));
            row.push(Value::Number(f64::from(m.stars)));
            row
        })
        .collect();
    Ok(Table { sheet: format!("{}年星级评定", year.get()), columns, rows })
}

/// A household rating entry is shown only summed per member and rating
/// window, as the member's record shows it.
fn is_household(rulebook: &Rulebook, entry: &Entry) -> bool {
    rulebook.rule(&entry.draft.rule_key).is_some_and(|r| r.source == RuleSource::Household)
}

async fn breakdown_table<Q>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
    request: &Request,
    period: &Period,
) -> AppResult<Table>
where
    Q: ExportQueries + NoticeQueries + Sized,
{
    let rulebook = &period.rulebook;
    let members = year_members(q, community, year, request).await?;
    let entries = q.year_entries(community, year).await?;
    // (member, category index, rule key) -> (count, points); household ratings under one line.
    let mut sums: BTreeMap<(MemberId, usize, String), (i64, Points)> = BTreeMap::new();
    for entry in &entries {
        let draft = &entry.draft;
        let Some(index) = rulebook.categories.iter().position(|c| c.key == draft.category) else { continue };
        let key = if is_household(rulebook, entry) { String::new() } else { draft.rule_key.clone() };
        let slot = sums.entry((draft.member_id, index, key)).or_insert((0, Points::ZERO));
        slot.0 += if draft.reverses.is_some() { -1 } else { 1 };
        slot.1 += draft.points;
    }
    let columns = vec![
        column("姓名", 10.0),
        column("所属支部", 16.0),
        column("类别", 14.0),
        column("规则", 28.0),
        column("条数", 6.0),
        column("积分", 8.0),
    ];
    let mut rows = Vec::new();
    for member in &members {
        let mut total = Points::ZERO;
        for (index, category) in rulebook.categories.iter().enumerate() {
            let lines: Vec<(&String, &(i64, Points))> = sums
                .range((member.id, index, String::new())..)
                .take_while(|((m, i, _), _)| *m == member.id && *i == index)
                .map(|((_, _, rule), sum)| (rule, sum))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let mut subtotal = Points::ZERO;
            for (rule, (count, points)) in lines {
                let name = if rule.is_empty() {
                    "联系户评议（合计，不分单户）".to_string()
                } else {
                    rulebook.rule(rule).map_or_else(|| rule.clone(), |r| r.name.clone())
                };
                rows.push(vec![
                    member.name.as_str().into(),
                    member.branch.as_str().into(),
                    category.name.as_str().into(),
                    name.into(),
                    Value::Number(*count as f64),
                    number(*points),
                ]);
                subtotal += *points;
            }
            rows.push(vec![
                member.name.as_str().into(),
                member.branch.as_str().into(),
                category.name.as_str().into(),
                "小计".into(),
                Value::Empty,
                number(subtotal),
            ]);
            total += subtotal;
        }
        rows.push(vec![
            member.name.as_str().into(),
            member.branch.as_str().into(),
            "合计（未计上限与折算）".into(),
            Value::Empty,
            Value::Empty,
            number(total),
        ]);
    }
    Ok(Table { sheet: format!("{}年积分明细", year.get()), columns, rows })
}

async fn ledger_table<Q>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
    request: &Request,
    period: &Period,
) -> AppResult<Table>
where
    Q: ExportQueries + NoticeQueries + OrgQueries + Sized,
{
    let rulebook = &period.rulebook;
    let members: HashMap<MemberId, Member> =
        year_members(q, community, year, request).await?.into_iter().map(|m| (m.id, m)).collect();
    let accounts: HashMap<AccountId, String> =
        q.accounts(community).await?.into_iter().map(|a| (a.id, format!("{}（{}）", a.name, a.login))).collect();
    let within = |day: Date| request.from.is_none_or(|f| day >= f) && request.until.is_none_or(|u| day <= u);
    let entries = q.year_entries(community, year).await?;
    let columns = vec![
        column("编号", 8.0),
        column("日期", 12.0),
        column("姓名", 10.0),
        column("所属支部", 16.0),
        column("类别", 14.0),
        column("规则", 24.0),
        column("积分", 8.0),
        column("事由", 30.0),
        column("来源", 12.0),
        column("记录人", 16.0),
        column("冲销", 10.0),
    ];
    let category_name = |key: &str| rulebook.category(key).map_or_else(|| key.to_string(), |c| c.name.clone());
    let mut rows = Vec::new();
    // (member, window start) -> (window, ratings, points), written after the entries.
    let mut windows: BTreeMap<(MemberId, Date), (RatingWindow, String, i64, Points)> = BTreeMap::new();
    for entry in &entries {
        let draft = &entry.draft;
        let Some(member) = members.get(&draft.member_id) else { continue };
        if !within(draft.occurred_on) {
            continue;
        }
        if is_household(rulebook, entry) {
            let window = RatingWindow::containing(draft.occurred_on, &rulebook.linking);
            let slot = windows.entry((member.id, window.starts_on)).or_insert((
                window,
                category_name(&draft.category),
                0,
                Points::ZERO,
            ));
            slot.2 += if draft.reverses.is_some() { -1 } else { 1 };
            slot.3 += draft.points;
            continue;
        }
        let rule = rulebook.rule(&draft.rule_key).map_or_else(|| draft.rule_key.clone(), |r| r.name.clone());
        let by = match draft.recorded_by {
            Actor::Account(id) => accounts.get(&id).cloned().unwrap_or_else(|| format!("账号 {id}")),
            Actor::Household(_) => "农户".to_string(),
            Actor::BranchBallot(_) => "支部民主评议".to_string(),
            Actor::Decision(id) => format!("党委会决定 #{id}"),
        };
        rows.push(vec![
            Value::Number(entry.id as f64),
            draft.occurred_on.to_string().into(),
            member.name.as_str().into(),
            member.branch.as_str().into(),
            category_name(&draft.category).into(),
            rule.into(),
            number(draft.points),
            draft.reason.as_str().into(),
            crate::record::source_zh(&draft.source_kind).into(),
            by.into(),
            draft.reverses.map(|id| format!("#{id}")).into(),
        ]);
    }
    for ((member_id, _), (window, category, count, points)) in windows {
        let member = &members[&member_id];
        let shown = count >= MIN_RATINGS_SHOWN;
        rows.push(vec![
            Value::Empty,
            window.ends_on.to_string().into(),
            member.name.as_str().into(),
            member.branch.as_str().into(),
            category.into(),
            format!("联系户评议 {} — {}", window.starts_on, window.ends_on).into(),
            if shown { number(points) } else { Value::Empty },
            if shown {
                format!("{count} 户评议合计")
            } else {
                format!("不足 {MIN_RATINGS_SHOWN} 户评议，不单列积分（计入总分）")
            }
            .into(),
            crate::record::source_zh("household").into(),
            "农户".into(),
            Value::Empty,
        ]);
    }
    let sheet = match (request.from, request.until) {
        (None, None) => format!("{}年积分台账", year.get()),
        _ => "积分台账".to_string(),
    };
    Ok(Table { sheet, columns, rows })
}

/// The first second of a year and of the next, China time.
fn year_bounds(year: Year) -> (i64, i64) {
    let start =
        |y: i16| jiff::civil::date(y, 1, 1).to_zoned(china()).map(|z| z.timestamp().as_second()).unwrap_or_default();
    (start(year.get()), start(year.get() + 1))
}

fn day_of(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map(|t| t.to_zoned(china()).strftime("%m-%d").to_string()).unwrap_or_default()
}

async fn attendance_table<Q>(q: &mut Q, community: CommunityId, year: Year, request: &Request) -> AppResult<Table>
where
    Q: ExportQueries + NoticeQueries + MeetingQueries + Sized,
{
    let members = year_members(q, community, year, request).await?;
    let (from, to) = year_bounds(year);
    let meetings: Vec<_> = q
        .meetings_between(community, from, to)
        .await?
        .into_iter()
        .filter(|g| request.branch.is_none_or(|b| g.branch_id == b))
        .collect();
    let mut marks: HashMap<(i64, MemberId), Attendance> = HashMap::new();
    for meeting in &meetings {
        for row in q.attendance(meeting.id).await? {
            marks.insert((meeting.id, row.member_id), row.status);
        }
    }
    let mut columns = vec![column("姓名", 10.0), column("所属支部", 16.0)];
    for label in ["出席", "迟到", "请假", "缺席"] {
        columns.push(column(label, 6.0));
    }
    columns.extend(meetings.iter().map(|g| (format!("{} {}", day_of(g.starts_at), g.title), 14.0)));
    let rows = members
        .iter()
        .map(|member| {
            let mut counts = [0u32; 4];
            let cells: Vec<Value> = meetings
                .iter()
                .map(|g| {
                    if g.branch_id != member.branch_id && !marks.contains_key(&(g.id, member.id)) {
                        return Value::Empty;
                    }
                    let status = marks.get(&(g.id, member.id)).copied().unwrap_or(Attendance::Absent);
                    let index = match status {
                        Attendance::Present => 0,
                        Attendance::Late => 1,
                        Attendance::Excused => 2,
                        Attendance::Absent => 3,
                    };
                    counts[index] += 1;
                    status.label_zh().into()
                })
                .collect();
            let mut row: Vec<Value> = vec![member.name.as_str().into(), member.branch.as_str().into()];
            row.extend(counts.iter().map(|c| Value::Number(f64::from(*c))));
            row.extend(cells);
            row
        })
        .collect();
    Ok(Table { sheet: format!("{}年会议考勤", year.get()), columns, rows })
}

async fn volunteer_table<Q>(q: &mut Q, community: CommunityId, year: Year, request: &Request) -> AppResult<Table>
where
    Q: ExportQueries + NoticeQueries + ActivityQueries + LedgerQueries + Sized,
{
    let members = year_members(q, community, year, request).await?;
    let (from, to) = year_bounds(year);
    let activities = q.activities_between(community, from, to).await?;
    // (activity, member) -> half hours served, points confirmed.
    let mut served: HashMap<(i64, MemberId), (i64, Points)> = HashMap::new();
    let mut entry_ids = Vec::new();
    let mut signups = Vec::new();
    for activity in &activities {
        for signup in q.signups(activity.id).await? {
            if let Some(id) = signup.entry_id {
                entry_ids.push(id);
            }
            signups.push((activity, signup));
        }
    }
    let points: HashMap<i64, Points> =
        q.entries_among(community, &entry_ids).await?.into_iter().map(|e| (e.id, e.draft.points)).collect();
    for (activity, signup) in signups {
        let schedule =
            starledger_domain::volunteering::Schedule { starts_at: activity.starts_at, ends_at: activity.ends_at };
        let half_hours = match (signup.checked_in_at, signup.checked_out_at, signup.entry_id) {
            (Some(i), Some(o), _) => schedule.half_hours_served(i, o),
            // Confirmed by the organizer without a check-out: the activity's length.
            (_, _, Some(_)) => (activity.ends_at - activity.starts_at).max(0) / 1800,
            _ => 0,
        };
        if half_hours == 0 && signup.entry_id.is_none() {
            continue;
        }
        let gained = signup.entry_id.and_then(|id| points.get(&id).copied()).unwrap_or(Points::ZERO);
        served.insert((activity.id, signup.member_id), (half_hours, gained));
    }
    let mut columns =
        vec![column("姓名", 10.0), column("所属支部", 16.0), column("参加次数", 8.0), column("服务时长（小时）", 10.0)];
    columns.push(column("志愿积分", 8.0));
    columns.extend(activities.iter().map(|a| (format!("{} {}", day_of(a.starts_at), a.title), 14.0)));
    let rows = members
        .iter()
        .map(|member| {
            let mut times = 0u32;
            let mut half_hours = 0i64;
            let mut gained = Points::ZERO;
            let cells: Vec<Value> = activities
                .iter()
                .map(|a| match served.get(&(a.id, member.id)) {
                    Some((h, p)) => {
                        times += 1;
                        half_hours += h;
                        gained += *p;
                        Value::Number(*h as f64 / 2.0)
                    }
                    None => Value::Empty,
                })
                .collect();
            let mut row: Vec<Value> = vec![
                member.name.as_str().into(),
                member.branch.as_str().into(),
                Value::Number(f64::from(times)),
                Value::Number(half_hours as f64 / 2.0),
                number(gained),
            ];
            row.extend(cells);
            row
        })
        .collect();
    Ok(Table { sheet: format!("{}年志愿服务", year.get()), columns, rows })
}
