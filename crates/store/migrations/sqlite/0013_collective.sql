-- Collective means collective: no one account closes a branch's ballot on a
-- handful of papers, grades against the tally alone, reopens or publishes a
-- year again alone, or leaves an integrity record pending forever.

-- The branch's voting members when the ballot closed: the turnout was
-- checked against this number, and the tally is shown only above it.
ALTER TABLE ballots ADD COLUMN eligible_voters INTEGER;

-- A grade that departs from the tally, with its reason: it is written only
-- once a second branch-committee member (another person, not the graded
-- member or a relative) co-signs it.
CREATE TABLE ballot_exceptions (
    ballot_id   INTEGER NOT NULL REFERENCES ballots (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    grade       TEXT NOT NULL CHECK (grade IN ('excellent', 'qualified', 'basically_qualified', 'unqualified')),
    reason      TEXT NOT NULL,
    proposed_by INTEGER NOT NULL REFERENCES accounts (id),
    proposed_at INTEGER NOT NULL,
    cosigned_by INTEGER REFERENCES accounts (id),
    cosigned_at INTEGER,
    PRIMARY KEY (ballot_id, member_id)
);

-- Reopening a year and publishing it again: one committee member proposes,
-- a different one agrees; both names stay here and on the round.
CREATE TABLE rating_motions (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    year         INTEGER NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('reopen', 'publish')),
    reason       TEXT NOT NULL,
    proposed_by  INTEGER NOT NULL REFERENCES accounts (id),
    proposed_at  INTEGER NOT NULL,
    agreed_by    INTEGER REFERENCES accounts (id),
    agreed_at    INTEGER,
    withdrawn_at INTEGER,
    FOREIGN KEY (community_id, year) REFERENCES periods (community_id, year)
);
CREATE INDEX rating_motions_by_year ON rating_motions (community_id, year);
ALTER TABLE rating_rounds ADD COLUMN published_agreed_by INTEGER REFERENCES accounts (id);
ALTER TABLE rating_rounds ADD COLUMN reopen_agreed_by INTEGER REFERENCES accounts (id);

-- An integrity record whose committee, once the recused are left out, is
-- below the rulebook's floor goes up to the overseer above the community,
-- who decides it: who decided, and their words, are kept on the record.
ALTER TABLE integrity_records ADD COLUMN decided_by INTEGER REFERENCES accounts (id);
ALTER TABLE integrity_records ADD COLUMN decision_note TEXT;
