-- Flags are PostgreSQL booleans (issue 10). They were integers 0 or 1,
-- each with a CHECK saying so; the CHECK and the integer default go
-- first (neither applies to a boolean), then each converts as it stands.
-- The program binds a flag as a `bool` (which SQLite stores as 1 or 0),
-- writes it in a query as TRUE or FALSE (SQLite's names for 1 and 0), and
-- reads either backend's through the store's `Flag`.
--
-- The snapshot's update trigger names `probationary`: dropped and made
-- again as it was (0024).
DROP TRIGGER final_roll_no_update ON final_roll;

ALTER TABLE members DROP CONSTRAINT members_probationary_check;
ALTER TABLE members ALTER COLUMN probationary DROP DEFAULT;
ALTER TABLE members ALTER COLUMN probationary TYPE BOOLEAN USING probationary = 1;
ALTER TABLE members ALTER COLUMN probationary SET DEFAULT FALSE;

ALTER TABLE final_roll DROP CONSTRAINT final_roll_probationary_check;
ALTER TABLE final_roll ALTER COLUMN probationary TYPE BOOLEAN USING probationary = 1;

ALTER TABLE accounts DROP CONSTRAINT accounts_must_change_password_check;
ALTER TABLE accounts ALTER COLUMN must_change_password DROP DEFAULT;
ALTER TABLE accounts ALTER COLUMN must_change_password TYPE BOOLEAN USING must_change_password = 1;
ALTER TABLE accounts ALTER COLUMN must_change_password SET DEFAULT TRUE;

ALTER TABLE meeting_attendance DROP CONSTRAINT meeting_attendance_ledgered_check;
ALTER TABLE meeting_attendance ALTER COLUMN ledgered DROP DEFAULT;
ALTER TABLE meeting_attendance ALTER COLUMN ledgered TYPE BOOLEAN USING ledgered = 1;
ALTER TABLE meeting_attendance ALTER COLUMN ledgered SET DEFAULT FALSE;

ALTER TABLE integrity_votes DROP CONSTRAINT integrity_votes_approve_check;
ALTER TABLE integrity_votes ALTER COLUMN approve TYPE BOOLEAN USING approve = 1;

ALTER TABLE robots DROP CONSTRAINT robots_enabled_check;
ALTER TABLE robots ALTER COLUMN enabled DROP DEFAULT;
ALTER TABLE robots ALTER COLUMN enabled TYPE BOOLEAN USING enabled = 1;
ALTER TABLE robots ALTER COLUMN enabled SET DEFAULT TRUE;

ALTER TABLE community_year_stats DROP CONSTRAINT community_year_stats_final_check;
ALTER TABLE community_year_stats ALTER COLUMN final TYPE BOOLEAN USING final = 1;

ALTER TABLE branch_year_stats DROP CONSTRAINT branch_year_stats_final_check;
ALTER TABLE branch_year_stats ALTER COLUMN final TYPE BOOLEAN USING final = 1;

CREATE TRIGGER final_roll_no_update
BEFORE UPDATE OF community_id, year, round, member_id, branch_id, branch, party_group_id, probationary, post,
                 joined_on, left_on ON final_roll
FOR EACH ROW EXECUTE FUNCTION final_roll_no_change_refuse();
