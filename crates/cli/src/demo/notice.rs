//! Each demo year after its end: the committee publishes the results for
//! public notice in early January, answers the objections filed, and
//! finalizes the year, which locks it — as a real committee would.

use super::roll::Roll;
use crate::failure::Failure;
use jiff::civil::Date;
use starledger_app::seals::seal_year;
use starledger_domain::ledger::Actor;
use starledger_domain::notice::NoticePeriod;
use starledger_domain::org::Year;
use starledger_domain::rating::rate;
use starledger_domain::rulebook::Rulebook;
use starledger_domain::seal::Stage;
use starledger_store::{FinalStars, Finalization, LedgerQueries, NewObjection, NewRound, OrgQueries, WriteTx};

fn at(day: Date, hour: i8) -> Result<i64, Failure> {
    Ok(day.at(hour, 0, 0, 0).to_zoned(crate::output::china()).map_err(Failure::failed)?.timestamp().as_second())
}

pub async fn publish_and_finalize(
    tx: &mut WriteTx,
    roll: &Roll,
    rulebook: &Rulebook,
    year: Year,
) -> Result<(), Failure> {
    let community = roll.community;
    let members = tx.members(community).await?;
    let rating = rate(year, rulebook, &members, &tx.year_scored(community, year).await?);
    let committee = &roll.accounts[roll.committee[0]];
    let checker = &roll.accounts[roll.committee[1]];
    let published = Date::new(year.get() + 1, 1, 5).map_err(Failure::failed)?;
    let notice = NoticePeriod::starting(published, rulebook.stars.notice_days);
    let raw_year = i64::from(year.get());
    let round = tx
        .publish_round(&NewRound {
            community_id: community,
            year: raw_year,
            published_by: committee.id,
            published_at: at(published, 9)?,
            notice_from: notice.from.to_string(),
            notice_until: notice.until.to_string(),
            published_sha256: rating.digest(),
            agreed_by: None,
        })
        .await?;
    seal_year(tx, community, round, Stage::Published, &rating, at(published, 9)?).await?;
    // A household asks about the member in sixth place; the committee
    // checks the records and answers on the record.
    if let (Some(sixth), Some((household, _))) =
        (rating.members.get(5), roll.households.iter().find(|(_, m)| m.is_some()))
    {
        let text = format!("{}的走访次数是否属实？", sixth.name);
        let objection = NewObjection {
            community_id: community,
            year: raw_year,
            round,
            filed_by: Actor::Household(*household),
            member_id: Some(sixth.member_id),
            text: &text,
            filed_at: at(published, 15)?,
        };
        let id = tx.file_objection(&objection).await?;
        let answer = "经党委核对走访照片和联系户评议记录，情况属实，异议不成立。";
        tx.answer_objection(id, answer, false, checker.id, at(notice.until, 10)?).await?;
    }
    let stars = FinalStars::of(&rating);
    let finalized = notice.until.tomorrow().map_err(Failure::failed)?;
    let digest = rating.digest();
    let finalization = Finalization {
        community,
        year: raw_year,
        round,
        final_sha256: &digest,
        by: committee.id,
        at: at(finalized, 9)?,
    };
    tx.finalize_round(&finalization, &stars).await?;
    seal_year(tx, community, round, Stage::Finalized, &rating, at(finalized, 9)?).await?;
    Ok(())
}
