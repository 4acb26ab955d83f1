//! Each demo year after its end: the committee publishes the results for
//! public notice in early January, answers the objections filed, and
//! finalizes the year, which locks it — as a real committee would, through
//! the same use cases as the pages, on the days they happened.

use super::roll::Roll;
use crate::failure::Failure;
use jiff::civil::Date;
use starledger_app::objections::{self, Filer, Filing};
use starledger_app::rating::{self as app_rating, Outcome};
use starledger_app::{AppError, AppResult};
use starledger_domain::notice::NoticePeriod;
use starledger_domain::org::Year;
use starledger_domain::rulebook::Rulebook;
use starledger_store::{OrgQueries, WriteTx};

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
    let committee = &roll.accounts[roll.committee[0]];
    let published = Date::new(year.get() + 1, 1, 5).map_err(Failure::failed)?;
    let notice = NoticePeriod::starting(published, rulebook.stars.notice_days);
    let raw_year = i64::from(year.get());
    let outcome = app_rating::publish(tx, committee, raw_year, published, at(published, 9)?).await?;
    if outcome != Outcome::Done {
        return Err(Failure::failed(format!("{year}: the demo's first publication was not done: {outcome:?}")));
    }
    // A household asks about the member in sixth place; the committee
    // checks the records and answers on the record.
    let period = tx.period(community, year).await?.ok_or_else(|| Failure::failed(format!("{year} has no period")))?;
    let rating = app_rating::rating_now(tx, &period, community).await?;
    if let (Some(sixth), Some((household, _))) =
        (rating.members.get(5), roll.households.iter().find(|(_, m)| m.is_some()))
    {
        let text = format!("{}的走访次数是否属实？", sixth.name);
        let filing = Filing { year: raw_year, member: Some(sixth.member_id), text: &text };
        let filer = Filer::Household(*household);
        let id = objections::file(tx, community, filer, &filing, published, at(published, 15)?).await?;
        answer_as_someone_unconcerned(tx, roll, id, at(notice.until, 10)?).await?;
    }
    let finalized = notice.until.tomorrow().map_err(Failure::failed)?;
    app_rating::finalize(tx, committee, raw_year, finalized, at(finalized, 9)?).await?;
    Ok(())
}

/// The objection is answered by the first committee member after the
/// secretary who may answer it: not its member, nor a relative.
async fn answer_as_someone_unconcerned(tx: &mut WriteTx, roll: &Roll, id: i64, now: i64) -> AppResult<()> {
    let answer = "经党委核对走访照片和联系户评议记录，情况属实，异议不成立。";
    let mut refusal = None;
    for &index in roll.committee.iter().skip(1).chain(roll.committee.first()) {
        // A refusal is decided before anything is written: the next may try.
        match objections::answer(tx, &roll.accounts[index], id, answer, false, now).await {
            Ok(_) => return Ok(()),
            Err(error @ (AppError::Duty(_) | AppError::Forbidden(_))) => refusal = Some(error),
            Err(other) => return Err(other),
        }
    }
    Err(refusal
        .unwrap_or_else(|| AppError::Invalid(starledger_app::error::Reason::new("没有党委委员。", "no committee"))))
}
