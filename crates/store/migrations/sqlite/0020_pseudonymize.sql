-- Pseudonymizing a member who left, after the retention period (issue 17,
-- PIPL): their name becomes an alias, their phone, files and relatives'
-- links go, their accounts are disabled. Which members were pseudonymized,
-- when and by whom is kept here (the audit log is itself pruned after its
-- own retention period, so it cannot be the record of this).
CREATE TABLE pseudonymized_members (
    community_id INTEGER NOT NULL REFERENCES communities (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    alias        TEXT NOT NULL,
    on_day       TEXT NOT NULL,
    by_account   INTEGER NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (community_id, member_id)
);

-- A finalized year's snapshot stays as it was in everything a rating reads,
-- but the member's name (and an exemption's reason, which may say how their
-- health is) may be replaced by the alias: no digest, seal or hash covers
-- them (docs/ledger-format.md, "What a pseudonym changes").
DROP TRIGGER final_roll_no_update;
CREATE TRIGGER final_roll_no_update
BEFORE UPDATE OF community_id, year, round, member_id, branch_id, branch, party_group_id, probationary, post,
                 joined_on, left_on ON final_roll
BEGIN
    SELECT RAISE(ABORT, 'final_roll is append-only');
END;
