-- Dates are PostgreSQL dates (issue 10). They were ISO text ('2026-06-10'),
-- written by the program only, so each converts as it stands; a value that
-- is not a date stops the upgrade here instead of being carried on. The
-- program binds a date as `date($n)` and reads it as `CAST(col AS TEXT)`
-- (DateStyle ISO, set on every connection), which on SQLite, where dates
-- stay text, are the same text: one set of queries for both backends.
--
-- The snapshot's update trigger names the columns it guards; PostgreSQL
-- changes no column a trigger names, so it is dropped and made again as
-- it was (0020).
DROP TRIGGER final_roll_no_update ON final_roll;

ALTER TABLE members
    ALTER COLUMN joined_on TYPE DATE USING CAST(joined_on AS DATE),
    ALTER COLUMN left_on TYPE DATE USING CAST(left_on AS DATE);
ALTER TABLE final_roll
    ALTER COLUMN joined_on TYPE DATE USING CAST(joined_on AS DATE),
    ALTER COLUMN left_on TYPE DATE USING CAST(left_on AS DATE);
ALTER TABLE household_links
    ALTER COLUMN linked_on TYPE DATE USING CAST(linked_on AS DATE);
ALTER TABLE ledger_entries
    ALTER COLUMN occurred_on TYPE DATE USING CAST(occurred_on AS DATE);
ALTER TABLE claims
    ALTER COLUMN occurred_on TYPE DATE USING CAST(occurred_on AS DATE);
ALTER TABLE integrity_records
    ALTER COLUMN happened_on TYPE DATE USING CAST(happened_on AS DATE);
ALTER TABLE rating_rounds
    ALTER COLUMN notice_from TYPE DATE USING CAST(notice_from AS DATE),
    ALTER COLUMN notice_until TYPE DATE USING CAST(notice_until AS DATE);
ALTER TABLE pseudonymized_members
    ALTER COLUMN on_day TYPE DATE USING CAST(on_day AS DATE);

CREATE TRIGGER final_roll_no_update
BEFORE UPDATE OF community_id, year, round, member_id, branch_id, branch, party_group_id, probationary, post,
                 joined_on, left_on ON final_roll
FOR EACH ROW EXECUTE FUNCTION final_roll_no_change_refuse();
