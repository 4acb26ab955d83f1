-- Evidence, claims for review, and meetings with attendance and leave.

-- Photos and screenshots, kept with the data they prove.
CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    uploaded_by  INTEGER NOT NULL REFERENCES accounts (id),
    uploaded_at  INTEGER NOT NULL
);

-- What a member submits for someone else to confirm: a visit or a study week.
CREATE TABLE claims (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    member_id     INTEGER NOT NULL REFERENCES members (id),
    kind          TEXT NOT NULL CHECK (kind IN ('visit', 'study_week')),
    occurred_on   TEXT NOT NULL,
    household_id  INTEGER REFERENCES households (id),
    note          TEXT NOT NULL,
    upload_id     INTEGER REFERENCES uploads (id),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    claimed_at    INTEGER NOT NULL,
    decided_by    INTEGER REFERENCES accounts (id),
    decided_at    INTEGER,
    decision_note TEXT NOT NULL DEFAULT '',
    entry_id      INTEGER REFERENCES ledger_entries (id),
    CHECK (kind <> 'visit' OR household_id IS NOT NULL)
);
CREATE INDEX claims_by_status ON claims (community_id, status);
CREATE INDEX claims_by_member ON claims (community_id, member_id);
-- One live claim per member and study week.
CREATE UNIQUE INDEX claims_one_study_week ON claims (member_id, occurred_on)
    WHERE kind = 'study_week' AND status IN ('pending', 'approved');

CREATE TABLE meetings (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    branch_id     INTEGER NOT NULL REFERENCES branches (id),
    -- For a party group's meeting (党小组会): only that group is invited.
    party_group_id INTEGER REFERENCES party_groups (id),
    rule_key      TEXT NOT NULL,
    title         TEXT NOT NULL,
    place         TEXT NOT NULL,
    starts_at     INTEGER NOT NULL,
    checkin_token TEXT NOT NULL UNIQUE,
    created_by    INTEGER NOT NULL REFERENCES accounts (id),
    created_at    INTEGER NOT NULL,
    closed_at     INTEGER
);
CREATE INDEX meetings_by_branch ON meetings (community_id, branch_id, starts_at);

CREATE TABLE meeting_attendance (
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    status       TEXT NOT NULL CHECK (status IN ('present', 'late', 'absent', 'excused')),
    via          TEXT NOT NULL CHECK (via IN ('secretary', 'qr', 'leave')),
    recorded_by  INTEGER NOT NULL REFERENCES accounts (id),
    recorded_at  INTEGER NOT NULL,
    -- Set once the attendance has gone into the ledger.
    ledgered     INTEGER NOT NULL DEFAULT 0 CHECK (ledgered IN (0, 1)),
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE leave_requests (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    requested_at INTEGER NOT NULL,
    decided_by   INTEGER REFERENCES accounts (id),
    decided_at   INTEGER,
    UNIQUE (meeting_id, member_id)
);
