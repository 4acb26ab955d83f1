//! Paper rating forms (纸质评议表): one row per printed form, its number,
//! the household and member it was printed for and the window it is good
//! for; once entered, who entered it, the level ticked and the ledger entry
//! it produced. The rules are `app::paper_forms`'; this module only reads
//! and writes the rows.

use crate::error::Classify;
use crate::{Queries, Result, WriteTx};
use starledger_domain::org::{AccountId, CommunityId, HouseholdId, MemberId};

/// One printed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperForm {
    pub number: String,
    pub community_id: CommunityId,
    pub household_id: HouseholdId,
    /// The member the household was linked to when the form was printed.
    pub member_id: MemberId,
    pub year: i64,
    pub window_key: String,
    pub printed_by: AccountId,
    pub printed_at: i64,
    /// Printed again for the same window: this form no longer counts.
    pub replaced_at: Option<i64>,
    pub entered_by: Option<AccountId>,
    pub entered_at: Option<i64>,
    pub level: Option<String>,
    pub entry_id: Option<i64>,
}

/// A form to be written as printed.
#[derive(Debug, Clone)]
pub struct NewPaperForm<'a> {
    pub number: &'a str,
    pub community_id: CommunityId,
    pub household_id: HouseholdId,
    pub member_id: MemberId,
    pub year: i64,
    pub window_key: &'a str,
    pub printed_by: AccountId,
    pub printed_at: i64,
}

type FormRow = (
    String,
    CommunityId,
    HouseholdId,
    MemberId,
    i64,
    String,
    AccountId,
    i64,
    Option<i64>,
    Option<AccountId>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

const FORM_SELECT: &str = "SELECT number, community_id, household_id, member_id, year, window_key, printed_by, \
     unix_seconds(printed_at) AS printed_at, unix_seconds(replaced_at) AS replaced_at, entered_by, \
     unix_seconds(entered_at) AS entered_at, level, entry_id FROM paper_forms";

fn form(r: FormRow) -> PaperForm {
    PaperForm {
        number: r.0,
        community_id: r.1,
        household_id: r.2,
        member_id: r.3,
        year: r.4,
        window_key: r.5,
        printed_by: r.6,
        printed_at: r.7,
        replaced_at: r.8,
        entered_by: r.9,
        entered_at: r.10,
        level: r.11,
        entry_id: r.12,
    }
}

#[allow(async_fn_in_trait)]
pub trait PaperFormQueries: Queries {
    /// The form with this number in the community; none for no such form.
    async fn paper_form(&mut self, community: CommunityId, number: &str) -> Result<Option<PaperForm>> {
        let (conn, location) = self.parts();
        let row: Option<FormRow> =
            sqlx::query_as(&location.sql(&format!("{FORM_SELECT} WHERE community_id = $1 AND number = $2")))
                .bind(community)
                .bind(number)
                .fetch_optional(conn)
                .await
                .at(location)?;
        Ok(row.map(form))
    }

    /// Whether any form, of any community, has this number.
    async fn paper_form_number_taken(&mut self, number: &str) -> Result<bool> {
        let (conn, location) = self.parts();
        let found: Option<String> = sqlx::query_scalar("SELECT number FROM paper_forms WHERE number = $1")
            .bind(number)
            .fetch_optional(conn)
            .await
            .at(location)?;
        Ok(found.is_some())
    }

    /// The community's live (not replaced) forms of a window.
    async fn live_paper_forms(&mut self, community: CommunityId, window_key: &str) -> Result<Vec<PaperForm>> {
        let (conn, location) = self.parts();
        let rows: Vec<FormRow> = sqlx::query_as(&location.sql(&format!(
            "{FORM_SELECT} WHERE community_id = $1 AND window_key = $2 AND replaced_at IS NULL ORDER BY household_id"
        )))
        .bind(community)
        .bind(window_key)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows.into_iter().map(form).collect())
    }

    /// The entered form that produced a ledger entry, if one did.
    async fn paper_form_of_entry(&mut self, entry: i64) -> Result<Option<PaperForm>> {
        let (conn, location) = self.parts();
        let row: Option<FormRow> = sqlx::query_as(&location.sql(&format!("{FORM_SELECT} WHERE entry_id = $1")))
            .bind(entry)
            .fetch_optional(conn)
            .await
            .at(location)?;
        Ok(row.map(form))
    }
}

impl<T: Queries> PaperFormQueries for T {}

impl WriteTx {
    pub async fn insert_paper_form(&mut self, new: &NewPaperForm<'_>) -> Result<()> {
        sqlx::query(&self.location.sql(
            "INSERT INTO paper_forms (number, community_id, household_id, member_id, year, window_key, printed_by, \
             printed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8))",
        ))
        .bind(new.number)
        .bind(new.community_id)
        .bind(new.household_id)
        .bind(new.member_id)
        .bind(new.year)
        .bind(new.window_key)
        .bind(new.printed_by)
        .bind(new.printed_at)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Retires an unentered form that a new print replaces; answers whether it did.
    pub async fn replace_paper_form(&mut self, number: &str, now: i64) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE paper_forms SET replaced_at = to_timestamp($2) WHERE number = $1 AND replaced_at IS NULL AND entered_at IS NULL",
        ))
        .bind(number)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() > 0)
    }

    /// Records a form's entry, once: answers whether this call entered it
    /// (false: it was entered or replaced in the meantime).
    pub async fn mark_paper_form_entered(
        &mut self,
        number: &str,
        by: AccountId,
        at: i64,
        level: &str,
        entry: i64,
    ) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE paper_forms SET entered_by = $2, entered_at = to_timestamp($3), level = $4, entry_id = $5 \
             WHERE number = $1 AND entered_at IS NULL AND replaced_at IS NULL",
        ))
        .bind(number)
        .bind(by)
        .bind(at)
        .bind(level)
        .bind(entry)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() > 0)
    }
}
