-- What a finalized year was rated on (issue 12). A year's rating reads, for
-- each member, the branch, party group, name, probationary flag, post or
-- exemption and the joining and leaving dates. Finalizing a round now
-- keeps those fields here, in the same transaction as `final_stars`, and a
-- finalized year is rated from this snapshot, not from the roll as it is
-- today: a later change to the roll (probationary to full, an exemption, a
-- move to another branch, a rename) cannot alter a finalized year, so the
-- roll no longer refuses those changes. A reopened year is finalized again
-- with a new round and a new snapshot.
--
-- Backfill: years finalized before this migration had no snapshot; they
-- take the roll's values as they stand when the migration runs (which the
-- roll could not have changed since finalizing without being refused, since
-- every roll change was checked against each finalized year's rating).
CREATE TABLE final_roll (
    community_id          BIGINT NOT NULL REFERENCES communities (id),
    year                  BIGINT NOT NULL,
    round                 BIGINT NOT NULL,
    member_id             BIGINT NOT NULL REFERENCES members (id),
    branch_id             BIGINT NOT NULL REFERENCES branches (id),
    branch                TEXT NOT NULL,
    party_group_id        BIGINT REFERENCES party_groups (id),
    name                  TEXT NOT NULL,
    probationary          BIGINT NOT NULL CHECK (probationary IN (0, 1)),
    post                  TEXT,
    linking_exempt_reason TEXT,
    joined_on             TEXT,
    left_on               TEXT,
    PRIMARY KEY (community_id, year, round, member_id),
    FOREIGN KEY (community_id, year, round) REFERENCES rating_rounds (community_id, year, round)
);

INSERT INTO final_roll (community_id, year, round, member_id, branch_id, branch, party_group_id, name,
                        probationary, post, linking_exempt_reason, joined_on, left_on)
SELECT f.community_id, f.year, f.round, m.id, m.branch_id, b.name, m.party_group_id, m.name,
       m.probationary, m.post, m.linking_exempt_reason, m.joined_on, m.left_on
FROM final_stars f
JOIN members m ON m.id = f.member_id
JOIN branches b ON b.id = m.branch_id;

-- What was finalized stays as it was.
CREATE FUNCTION final_roll_no_change_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'final_roll is append-only';
END;
$$;
CREATE TRIGGER final_roll_no_update
BEFORE UPDATE ON final_roll
FOR EACH ROW EXECUTE FUNCTION final_roll_no_change_refuse();
CREATE TRIGGER final_roll_no_delete
BEFORE DELETE ON final_roll
FOR EACH ROW EXECUTE FUNCTION final_roll_no_change_refuse();
