-- Many communities in one installation: the organization tree above the
-- community (city 市 -> county/district 县/区 -> street/town 街道/乡镇),
-- accounts that oversee a region instead of acting in one community, and the
-- pre-aggregated figures a region reads, so that its views never join rows
-- of different communities.
--
-- Accounts are rebuilt, since SQLite cannot relax NOT NULL or change a CHECK
-- in place; the store runs SQLite's migrations with foreign keys off, as the
-- rebuild needs, and checks every reference afterwards.

CREATE TABLE regions (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES regions (id),
    level      TEXT NOT NULL CHECK (level IN ('city', 'county', 'street')),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX regions_by_name ON regions (COALESCE(parent_id, 0), name);

-- A community with no region stands alone, as a single installation does.
ALTER TABLE communities ADD COLUMN region_id INTEGER REFERENCES regions (id);

CREATE TABLE accounts_scoped (
    id                   INTEGER PRIMARY KEY,
    community_id         INTEGER REFERENCES communities (id),
    login                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL
        CHECK (role IN ('committee', 'branch_secretary', 'member', 'auditor', 'overseer')),
    member_id            INTEGER REFERENCES members (id),
    branch_id            INTEGER REFERENCES branches (id),
    password_hash        TEXT,
    created_at           TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 1 CHECK (must_change_password IN (0, 1)),
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         INTEGER,
    region_id            INTEGER REFERENCES regions (id),
    CHECK (role <> 'branch_secretary' OR branch_id IS NOT NULL),
    -- An overseer acts for a region and nowhere else; every other account
    -- acts in exactly one community.
    CHECK ((role = 'overseer') = (region_id IS NOT NULL)),
    CHECK ((role = 'overseer') = (community_id IS NULL)),
    CHECK (role <> 'overseer' OR (member_id IS NULL AND branch_id IS NULL))
);
INSERT INTO accounts_scoped (
    id, community_id, login, name, role, member_id, branch_id, password_hash, created_at,
    must_change_password, failed_logins, locked_until
)
SELECT id, community_id, login, name, role, member_id, branch_id, password_hash, created_at,
       must_change_password, failed_logins, locked_until
FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_scoped RENAME TO accounts;
CREATE INDEX accounts_by_community ON accounts (community_id);

-- A community's latest entry, found without reading its others: the chain's
-- tail on every append, and whether a community's figures are stale. With
-- many communities in one database, neither may scan the whole ledger.
CREATE INDEX ledger_entries_by_community ON ledger_entries (community_id, id);

-- What a region may read of a community's year, computed from that
-- community's own rows (by `starledger stats refresh`, the server's refresher,
-- and every finalization). No member, household or rater is named here.
CREATE TABLE community_year_stats (
    community_id        INTEGER NOT NULL REFERENCES communities (id),
    year                INTEGER NOT NULL,
    members             INTEGER NOT NULL,
    eligible            INTEGER NOT NULL,
    serving             INTEGER NOT NULL,
    satisfied           INTEGER NOT NULL,
    basically_satisfied INTEGER NOT NULL,
    not_satisfied       INTEGER NOT NULL,
    five_star           INTEGER NOT NULL,
    four_star           INTEGER NOT NULL,
    three_star          INTEGER NOT NULL,
    below_three         INTEGER NOT NULL,
    points_p10          INTEGER,
    points_p50          INTEGER,
    points_p90          INTEGER,
    final               INTEGER NOT NULL CHECK (final IN (0, 1)),
    through_entry       INTEGER NOT NULL,
    computed_at         INTEGER NOT NULL,
    PRIMARY KEY (community_id, year)
);

-- The same figures per branch: the input to the 五星支部 campaign.
CREATE TABLE branch_year_stats (
    community_id        INTEGER NOT NULL REFERENCES communities (id),
    branch_id           INTEGER NOT NULL REFERENCES branches (id),
    year                INTEGER NOT NULL,
    members             INTEGER NOT NULL,
    eligible            INTEGER NOT NULL,
    serving             INTEGER NOT NULL,
    satisfied           INTEGER NOT NULL,
    basically_satisfied INTEGER NOT NULL,
    not_satisfied       INTEGER NOT NULL,
    five_star           INTEGER NOT NULL,
    four_star           INTEGER NOT NULL,
    three_star          INTEGER NOT NULL,
    below_three         INTEGER NOT NULL,
    points_p10          INTEGER,
    points_p50          INTEGER,
    points_p90          INTEGER,
    final               INTEGER NOT NULL CHECK (final IN (0, 1)),
    PRIMARY KEY (community_id, branch_id, year)
);
