-- starledger foundation schema (SQLite).
-- Append-only: a released migration is never edited; changes come as new files.
-- Every large table carries community_id, so a city-wide deployment can keep
-- each community's rows together.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE communities (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE branches (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    name         TEXT NOT NULL,
    UNIQUE (community_id, name)
);

CREATE TABLE party_groups (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    branch_id    INTEGER NOT NULL REFERENCES branches (id),
    name         TEXT NOT NULL,
    UNIQUE (branch_id, name)
);

CREATE TABLE members (
    id                    INTEGER PRIMARY KEY,
    community_id          INTEGER NOT NULL REFERENCES communities (id),
    branch_id             INTEGER NOT NULL REFERENCES branches (id),
    party_group_id        INTEGER REFERENCES party_groups (id),
    name                  TEXT NOT NULL,
    phone                 TEXT,
    probationary          INTEGER NOT NULL DEFAULT 0 CHECK (probationary IN (0, 1)),
    post                  TEXT,
    linking_exempt_reason TEXT,
    joined_on             TEXT,
    left_on               TEXT,
    note                  TEXT,
    created_at            TEXT NOT NULL
);
CREATE INDEX members_by_branch ON members (community_id, branch_id);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('committee', 'branch_secretary', 'member', 'auditor')),
    member_id     INTEGER REFERENCES members (id),
    branch_id     INTEGER REFERENCES branches (id),
    password_hash TEXT,
    created_at    TEXT NOT NULL,
    CHECK (role <> 'branch_secretary' OR branch_id IS NOT NULL)
);

CREATE TABLE households (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    address      TEXT NOT NULL,
    head_name    TEXT,
    phone        TEXT,
    created_at   TEXT NOT NULL
);

-- The current links; their history is in the audit log.
CREATE TABLE household_links (
    household_id INTEGER PRIMARY KEY REFERENCES households (id),
    community_id INTEGER NOT NULL REFERENCES communities (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    linked_on    TEXT NOT NULL,
    linked_by    TEXT NOT NULL
);
CREATE INDEX household_links_by_member ON household_links (member_id);

CREATE TABLE periods (
    community_id     INTEGER NOT NULL REFERENCES communities (id),
    year             INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    rulebook_version TEXT NOT NULL,
    rulebook_sha256  TEXT NOT NULL,
    rulebook_toml    TEXT NOT NULL,
    opened_at        TEXT NOT NULL,
    opened_by        TEXT NOT NULL,
    PRIMARY KEY (community_id, year)
);

-- A year keeps the rulebook it was opened with.
CREATE TRIGGER periods_rulebook_frozen
BEFORE UPDATE OF rulebook_version, rulebook_sha256, rulebook_toml ON periods
BEGIN
    SELECT RAISE(ABORT, 'a period keeps the rulebook it was opened with');
END;

CREATE TABLE ledger_entries (
    id                INTEGER PRIMARY KEY,
    community_id      INTEGER NOT NULL REFERENCES communities (id),
    year              INTEGER NOT NULL,
    member_id         INTEGER NOT NULL REFERENCES members (id),
    category          TEXT NOT NULL,
    rule_key          TEXT NOT NULL,
    rulebook_version  TEXT NOT NULL,
    points_tenths     INTEGER NOT NULL,
    reason            TEXT NOT NULL,
    source_kind       TEXT NOT NULL,
    source_ref        TEXT NOT NULL,
    recorded_by       TEXT NOT NULL,
    recorded_at       INTEGER NOT NULL,
    occurred_on       TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL,
    reverses_entry_id INTEGER REFERENCES ledger_entries (id),
    prev_hash         TEXT NOT NULL,
    hash              TEXT NOT NULL,
    FOREIGN KEY (community_id, year) REFERENCES periods (community_id, year),
    UNIQUE (community_id, idempotency_key),
    UNIQUE (reverses_entry_id)
);
CREATE INDEX ledger_entries_by_member ON ledger_entries (community_id, member_id, year);
CREATE INDEX ledger_entries_by_year ON ledger_entries (community_id, year);

-- The ledger is append-only: the database itself refuses edits.
CREATE TRIGGER ledger_entries_no_update
BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only: record a reversal instead');
END;

CREATE TRIGGER ledger_entries_no_delete
BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only: record a reversal instead');
END;

-- A projection of the ledger, kept in the same transaction as each entry and
-- rebuilt and compared by `starledger ledger verify`.
CREATE TABLE member_category_totals (
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    member_id     INTEGER NOT NULL REFERENCES members (id),
    year          INTEGER NOT NULL,
    category      TEXT NOT NULL,
    points_tenths INTEGER NOT NULL,
    entries       INTEGER NOT NULL,
    PRIMARY KEY (member_id, year, category)
);

-- Stars by year: imported from before starledger, or from a final rating.
CREATE TABLE honours (
    community_id INTEGER NOT NULL REFERENCES communities (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    year         INTEGER NOT NULL,
    stars        INTEGER NOT NULL CHECK (stars BETWEEN 0 AND 5),
    source       TEXT NOT NULL CHECK (source IN ('imported', 'rating')),
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (member_id, year)
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER REFERENCES communities (id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX audit_log_by_community ON audit_log (community_id, at);
