//! Printing: who may print what, for which year, and the audit of the one
//! print that carries secrets. The layouts themselves are
//! `starledger_print`'s; this module gathers their inputs from the store.
//!
//! - Certificates and the honour-roll poster are the committee's, for a
//!   year that has been published (in public notice or finalized): before
//!   that, nobody is five-star yet. A poster of a year still in notice says
//!   so on the sheet.
//! - Household cards carry each household's private rating link as a QR
//!   code; printing them is the only way those links reach paper, so only
//!   the committee prints them, and every print is audited.

use crate::error::{AppResult, bad_year, invalid, refused};
use crate::standings::Audience;
use jiff::civil::Date;
use starledger_domain::duty;
use starledger_domain::org::{Account, BranchId, CommunityId, HouseholdId, Year};
use starledger_domain::rating::{Rating, five_star_streak};
use starledger_print::{Card, Certificate, HonourBranch, HonourRoll, Paper, PrintFont};
use starledger_store::{LedgerQueries, LinkQueries, LiveLink, NoticeQueries, OrgQueries, SealQueries, WriteTx};
use std::collections::BTreeMap;

/// A date as printed on paper: 2026年7月1日.
pub fn chinese_date(date: Date) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// A year's rating as it stands: computed from the ledger by the year's
/// rulebook, with the finalized round's stars over it once it is final.
async fn year_rating<Q>(q: &mut Q, community: CommunityId, year: Year) -> AppResult<Option<(Rating, bool)>>
where
    Q: NoticeQueries + LedgerQueries + OrgQueries + Sized,
{
    let Some(computed) = crate::standings::compute(q, community, year, Audience::Whole).await? else {
        return Ok(None);
    };
    Ok(Some(match computed.finalized {
        Some(finalized) => (finalized, true),
        None => (computed.rating, false),
    }))
}

/// One five-star member of the year as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Honoured {
    pub name: String,
    pub branch: String,
    /// Consecutive five-star years ending with this one.
    pub streak: u32,
}

/// What the certificates and the poster of a year are printed from.
#[derive(Clone, Debug)]
pub struct YearHonours {
    pub community: String,
    pub year: Year,
    pub is_final: bool,
    /// The branches in the community's order, each with its five-star members.
    pub branches: Vec<(String, Vec<Honoured>)>,
    /// The five-star members by rank.
    pub members: Vec<Honoured>,
    /// Small print naming the result: rulebook, round and the year's seal
    /// (its short form), or the round's digest before a seal exists.
    pub seal: String,
    /// The year's seal in its compact form, for the poster's QR code.
    pub seal_qr: Option<String>,
}

/// Who asks for a year's certificates or poster.
#[derive(Clone, Copy, Debug)]
pub enum Asker<'a> {
    /// An account signed in to the pages: only the committee's may.
    Account(&'a Account),
    /// The operator at the command line, who holds the database itself and
    /// could read the roll from it anyway; the names on a certificate are
    /// public once the year is published.
    Operator(CommunityId),
}

impl Asker<'_> {
    fn community(self, action: &str) -> AppResult<CommunityId> {
        match self {
            Asker::Account(actor) => {
                duty::may_administer(actor, action)?;
                Ok(actor.community_id)
            }
            Asker::Operator(community) => Ok(community),
        }
    }
}

/// The five-star members of a published year.
pub async fn year_honours<Q>(q: &mut Q, asker: Asker<'_>, year: i64) -> AppResult<YearHonours>
where
    Q: NoticeQueries + LedgerQueries + OrgQueries + SealQueries + Sized,
{
    let community = asker.community("print certificates and the honour roll")?;
    let year = Year::new(year).map_err(bad_year)?;
    let Some(round) = q.live_round(community, i64::from(year.get())).await? else {
        return Err(refused(
            format!("{year} 年度尚未公示：证书和光荣榜在公示或确认后打印（请先在评定页面发布公示）。"),
            format!(
                "{year} has not been published: certificates and the honour roll are printed for a year \
             in public notice or finalized (publish it from the rating page first)"
            ),
        ));
    };
    let (rating, is_final) = year_rating(q, community, year)
        .await?
        .ok_or_else(|| invalid(format!("{year} 年度没有评定年度。"), format!("year: {year} has no period")))?;
    // Streaks: imported paper records, then every computed year up to this one.
    let mut earlier = BTreeMap::new();
    for other in q.period_years(community).await? {
        if other < year
            && let Some((rated, _)) = year_rating(q, community, other).await?
        {
            earlier.insert(other, rated);
        }
    }
    let mut members = Vec::new();
    for rated in rating.five_star() {
        let mut history: BTreeMap<Year, u8> = BTreeMap::new();
        for (y, stars, _, _) in q.honours(rated.member_id).await? {
            if let Ok(y) = Year::new(y) {
                history.insert(y, stars.clamp(0, 5) as u8);
            }
        }
        for (y, other) in &earlier {
            if let Some(m) = other.member(rated.member_id) {
                history.insert(*y, m.stars);
            }
        }
        history.insert(year, 5);
        let history: Vec<(Year, u8)> = history.into_iter().filter(|(y, _)| *y <= year).collect();
        members.push(Honoured {
            name: rated.name.clone(),
            branch: rated.branch.clone(),
            streak: five_star_streak(&history),
        });
    }
    let mut branches: Vec<(String, Vec<Honoured>)> =
        q.branches(community).await?.into_iter().map(|(_, name)| (name, Vec::new())).collect();
    for member in &members {
        match branches.iter_mut().find(|(name, _)| *name == member.branch) {
            Some((_, list)) => list.push(member.clone()),
            None => branches.push((member.branch.clone(), vec![member.clone()])),
        }
    }
    branches.retain(|(_, list)| !list.is_empty());
    let state = if is_final { "公示后确认" } else { "公示中" };
    // The year's latest seal is what a street or city keeps; older years
    // published before seals existed name the round's digest instead.
    let kept = q.seals(community, year).await?.pop();
    let named = match &kept {
        Some(seal) => format!("封存码 {}", seal.short()),
        None => {
            let digest = round.final_sha256.as_deref().unwrap_or(&round.published_sha256);
            digest[..digest.len().min(12)].to_string()
        }
    };
    let seal =
        format!("{year} 年度评星结果 · 规则 {} · 第 {} 轮{state} · {named}", rating.rulebook_version, round.round);
    let seal_qr = kept.map(|seal| seal.compact().to_json());
    Ok(YearHonours { community: q.community(community).await?.name, year, is_final, branches, members, seal, seal_qr })
}

/// A published year's certificates, one page per five-star member.
pub async fn certificates_pdf<Q>(q: &mut Q, asker: Asker<'_>, year: i64, font: &PrintFont) -> AppResult<Vec<u8>>
where
    Q: NoticeQueries + LedgerQueries + OrgQueries + SealQueries + Sized,
{
    let honours = year_honours(q, asker, year).await?;
    let date = chinese_date(crate::clock::today());
    let certificates: Vec<Certificate> = honours
        .members
        .iter()
        .map(|m| Certificate {
            name: m.name.clone(),
            branch: m.branch.clone(),
            year: honours.year.get(),
            community: honours.community.clone(),
            date: date.clone(),
            seal: honours.seal.clone(),
        })
        .collect();
    if certificates.is_empty() {
        return Err(refused(
            format!("{year} 年度没有五星党员，没有可打印的证书。"),
            format!("{year} has no five-star member: no certificate to print"),
        ));
    }
    Ok(starledger_print::certificates(font, &certificates)?)
}

/// A published year's honour-roll poster.
pub async fn honour_roll_pdf<Q>(
    q: &mut Q,
    asker: Asker<'_>,
    year: i64,
    paper: Paper,
    font: &PrintFont,
) -> AppResult<Vec<u8>>
where
    Q: NoticeQueries + LedgerQueries + OrgQueries + SealQueries + Sized,
{
    let honours = year_honours(q, asker, year).await?;
    let roll = HonourRoll {
        community: honours.community,
        year: honours.year.get(),
        is_final: honours.is_final,
        date: chinese_date(crate::clock::today()),
        seal: honours.seal,
        seal_qr: honours.seal_qr,
        branches: honours
            .branches
            .into_iter()
            .map(|(name, members)| HonourBranch {
                name,
                members: members.into_iter().map(|m| (m.name, m.streak)).collect(),
            })
            .collect(),
    };
    Ok(starledger_print::honour_roll(font, &roll, paper)?)
}

/// What a print of household cards held.
#[derive(Debug)]
pub struct PrintedCards {
    pub pdf: Vec<u8>,
    pub cards: usize,
    /// Cards printed before, whose links this print replaced (the old
    /// cards' links are revoked).
    pub replaced: usize,
    /// Linked households without a live link: no card until one is issued.
    pub without_link: usize,
}

/// The name of the branch a print is for (`None`: the whole community);
/// a branch of another community is refused.
pub(crate) fn chosen_branch(branches: &[(BranchId, String)], branch: Option<BranchId>) -> AppResult<Option<String>> {
    let Some(id) = branch else { return Ok(None) };
    let name = branches.iter().find(|(b, _)| *b == id).map(|(_, name)| name.clone());
    name.map(Some).ok_or_else(|| {
        invalid(format!("本社区没有编号为 {id} 的支部。"), format!("branch: no branch {id} in this community"))
    })
}

/// The household cards of a branch, or of the whole community: the
/// committee's only, since each card carries a household's private link.
/// Every print is audited (who, which branch or all, how many), and a card
/// printed before gets a new link, its old one revoked (the old card then
/// only says it was replaced), in the same transaction as the audit row. A
/// link printed for the first time is kept.
pub async fn cards_pdf(
    tx: &mut WriteTx,
    actor: &Account,
    branch: Option<BranchId>,
    public_url: &str,
    font: &PrintFont,
) -> AppResult<PrintedCards> {
    duty::may_administer(actor, "print household cards")?;
    let community = actor.community_id;
    let branches = tx.branches(community).await?;
    let branch_name = chosen_branch(&branches, branch)?;
    let community_name = tx.community(community).await?.name;
    let members = tx.members(community).await?;
    let links: BTreeMap<HouseholdId, LiveLink> =
        tx.live_links(community).await?.into_iter().map(|link| (link.household_id, link)).collect();
    let now = crate::clock::now();
    let mut cards = Vec::new();
    let (mut without_link, mut replaced) = (0, 0);
    for household in tx.households(community).await? {
        let Some(member) = household.member_id.and_then(|id| members.iter().find(|m| m.id == id)) else { continue };
        if branch.is_some_and(|b| member.branch_id != b) {
            continue;
        }
        let Some(link) = links.get(&household.id) else {
            without_link += 1;
            continue;
        };
        let token = if link.printed_at.is_some() || link.locked {
            // A card exists (or the link is locked): the new card gets a new link.
            replaced += 1;
            crate::household_links::rotate(tx, community, household.id, "reprinted").await?
        } else {
            link.token.clone()
        };
        tx.mark_printed(&token, now).await?;
        cards.push(Card {
            community: community_name.clone(),
            address: household.address.clone(),
            member_name: member.name.to_string(),
            member_phone: member.phone.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
            url: format!("{}/r/{token}", public_url.trim_end_matches('/')),
        });
    }
    if cards.is_empty() {
        return Err(refused(
            format!(
                "{}没有农户有有效的评议链接：请先生成链接（{without_link} 户没有链接）。",
                branch_name.as_deref().unwrap_or_default()
            ),
            format!(
                "no household {} has a live link: issue links first ({without_link} without one)",
                branch_name.as_deref().map(|b| format!("of {b}")).unwrap_or_default()
            ),
        ));
    }
    let pdf = starledger_print::cards(font, &cards)?;
    let detail = format!(
        "{} household cards printed ({}); {replaced} printed before got new links (old cards revoked); \
         {without_link} linked households without a live link",
        cards.len(),
        branch_name.as_deref().unwrap_or("whole community")
    );
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "print.cards", &detail).await?;
    Ok(PrintedCards { pdf, cards: cards.len(), replaced, without_link })
}
