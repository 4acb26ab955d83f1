-- Step 3 (integrity records, moral review, the branch review's secret
-- ballot, maker-checker adjustments) and step 4 (public notice, objections,
-- finalization and the audited reopening of a year).

-- Who is whose relative, for recusal (回避). Kept in both directions.
CREATE TABLE relatives (
    community_id INTEGER NOT NULL REFERENCES communities (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    relative_id  INTEGER NOT NULL REFERENCES members (id),
    relation     TEXT NOT NULL,
    marked_by    INTEGER NOT NULL REFERENCES accounts (id),
    marked_at    INTEGER NOT NULL,
    PRIMARY KEY (member_id, relative_id),
    CHECK (member_id <> relative_id)
);

-- 诚信档案: a commendation or a fault, with evidence, waiting for the
-- committee's decision. Points come only from the decision.
CREATE TABLE integrity_records (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    year         INTEGER NOT NULL,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    rule_key     TEXT NOT NULL,
    happened_on  TEXT NOT NULL,
    description  TEXT NOT NULL,
    evidence_id  INTEGER REFERENCES uploads (id),
    filed_by     INTEGER NOT NULL REFERENCES accounts (id),
    filed_at     INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_at   INTEGER,
    entry_id     INTEGER REFERENCES ledger_entries (id),
    FOREIGN KEY (community_id, year) REFERENCES periods (community_id, year)
);
CREATE INDEX integrity_records_by_status ON integrity_records (community_id, status);

CREATE TABLE integrity_votes (
    record_id  INTEGER NOT NULL REFERENCES integrity_records (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    approve    INTEGER NOT NULL CHECK (approve IN (0, 1)),
    voted_at   INTEGER NOT NULL,
    PRIMARY KEY (record_id, account_id)
);

-- 民主评议: one secret ballot per branch and year.
CREATE TABLE ballots (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    branch_id    INTEGER NOT NULL REFERENCES branches (id),
    year         INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'closed', 'decided')),
    opened_by    INTEGER NOT NULL REFERENCES accounts (id),
    opened_at    INTEGER NOT NULL,
    closed_by    INTEGER REFERENCES accounts (id),
    closed_at    INTEGER,
    decided_by   INTEGER REFERENCES accounts (id),
    decided_at   INTEGER,
    UNIQUE (branch_id, year),
    FOREIGN KEY (community_id, year) REFERENCES periods (community_id, year)
);

-- Who is graded, fixed when the ballot opens (probationary members vote
-- but are not graded).
CREATE TABLE ballot_graded (
    ballot_id INTEGER NOT NULL REFERENCES ballots (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (ballot_id, member_id)
);

-- Who has voted, and nothing about how: no time, no paper.
CREATE TABLE ballot_voters (
    ballot_id INTEGER NOT NULL REFERENCES ballots (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (ballot_id, member_id)
);

-- The papers, apart from the voters: a random paper id, no time, and a
-- table without rowids so that storage order follows the random id, not the
-- order in which people voted.
CREATE TABLE ballot_marks (
    ballot_id INTEGER NOT NULL REFERENCES ballots (id),
    paper     TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members (id),
    grade     TEXT NOT NULL CHECK (grade IN ('excellent', 'qualified', 'basically_qualified', 'unqualified')),
    PRIMARY KEY (ballot_id, paper, member_id)
) WITHOUT ROWID;

-- The branch committee's proposed grade beside the tally it weighed.
CREATE TABLE ballot_grades (
    ballot_id      INTEGER NOT NULL REFERENCES ballots (id),
    member_id      INTEGER NOT NULL REFERENCES members (id),
    excellent      INTEGER NOT NULL,
    qualified      INTEGER NOT NULL,
    basically      INTEGER NOT NULL,
    unqualified    INTEGER NOT NULL,
    proposed_grade TEXT NOT NULL,
    entry_id       INTEGER REFERENCES ledger_entries (id),
    PRIMARY KEY (ballot_id, member_id)
);

-- A correction by hand: a maker, and a different checker.
CREATE TABLE adjustments (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    year          INTEGER NOT NULL,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    rule_key      TEXT NOT NULL,
    points_tenths INTEGER NOT NULL CHECK (points_tenths <> 0),
    reason        TEXT NOT NULL,
    made_by       INTEGER NOT NULL REFERENCES accounts (id),
    made_at       INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    checked_by    INTEGER REFERENCES accounts (id),
    checked_at    INTEGER,
    check_note    TEXT,
    entry_id      INTEGER REFERENCES ledger_entries (id),
    CHECK (checked_by IS NULL OR checked_by <> made_by),
    FOREIGN KEY (community_id, year) REFERENCES periods (community_id, year)
);

-- 公示: each publication of a year's results is a round; a reopening ends
-- a round, and the year is published and finalized again.
CREATE TABLE rating_rounds (
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    year          INTEGER NOT NULL,
    round         INTEGER NOT NULL,
    published_by  INTEGER NOT NULL REFERENCES accounts (id),
    published_at  INTEGER NOT NULL,
    notice_from   TEXT NOT NULL,
    notice_until  TEXT NOT NULL,
    published_sha256 TEXT NOT NULL,
    finalized_by  INTEGER REFERENCES accounts (id),
    finalized_at  INTEGER,
    final_sha256  TEXT,
    reopened_by   INTEGER REFERENCES accounts (id),
    reopened_at   INTEGER,
    reopen_reason TEXT,
    PRIMARY KEY (community_id, year, round),
    FOREIGN KEY (community_id, year) REFERENCES periods (community_id, year)
);

CREATE TABLE objections (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    year         INTEGER NOT NULL,
    round        INTEGER NOT NULL,
    filed_by     TEXT NOT NULL,
    member_id    INTEGER REFERENCES members (id),
    text         TEXT NOT NULL,
    filed_at     INTEGER NOT NULL,
    answer       TEXT,
    outcome      TEXT CHECK (outcome IN ('upheld', 'dismissed')),
    answered_by  INTEGER REFERENCES accounts (id),
    answered_at  INTEGER,
    FOREIGN KEY (community_id, year, round) REFERENCES rating_rounds (community_id, year, round)
);
CREATE INDEX objections_by_year ON objections (community_id, year, round);

-- The stars of a finalized round, as the honour roll prints them.
CREATE TABLE final_stars (
    community_id INTEGER NOT NULL REFERENCES communities (id),
    year         INTEGER NOT NULL,
    round        INTEGER NOT NULL,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    rank         INTEGER,
    total_tenths INTEGER NOT NULL,
    stars        INTEGER NOT NULL,
    PRIMARY KEY (community_id, year, round, member_id)
);

-- A finalized year is locked: the database itself refuses new entries
-- until a documented reopening.
CREATE TRIGGER ledger_entries_year_final
BEFORE INSERT ON ledger_entries
WHEN EXISTS (
    SELECT 1 FROM rating_rounds r
    WHERE r.community_id = NEW.community_id AND r.year = NEW.year
      AND r.finalized_at IS NOT NULL AND r.reopened_at IS NULL
)
BEGIN
    SELECT RAISE(ABORT, 'the year is finalized: its points change only after a documented reopening');
END;

-- What was finalized stays as it was; a round only gains its reopening.
CREATE TRIGGER final_stars_no_update BEFORE UPDATE ON final_stars
BEGIN
    SELECT RAISE(ABORT, 'final_stars is append-only');
END;
CREATE TRIGGER final_stars_no_delete BEFORE DELETE ON final_stars
BEGIN
    SELECT RAISE(ABORT, 'final_stars is append-only');
END;

-- A checked-out time for service counted by the hour.
ALTER TABLE activity_signups ADD COLUMN checked_out_at INTEGER;
