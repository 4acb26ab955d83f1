-- The web application: sign-in, sessions, households' private rating links
-- and their ratings.

ALTER TABLE accounts ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 1 CHECK (must_change_password IN (0, 1));
ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until INTEGER;

-- A session is known by the SHA-256 of its cookie value, so a copy of the
-- database does not hand out live sessions.
CREATE TABLE sessions (
    id_sha256    TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ip           TEXT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

-- A household's private link. The token is kept so that cards can be
-- printed again; revoking it ends the link for good.
CREATE TABLE household_tokens (
    token        TEXT PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    household_id INTEGER NOT NULL REFERENCES households (id),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE UNIQUE INDEX household_tokens_one_live ON household_tokens (household_id) WHERE revoked_at IS NULL;

-- Ratings by households: one per household per window. The comment is seen
-- by the committee only; members and branches see aggregates.
CREATE TABLE household_ratings (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    household_id INTEGER NOT NULL REFERENCES households (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    window_key   TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('satisfied', 'basically_satisfied', 'not_satisfied')),
    comment      TEXT NOT NULL DEFAULT '',
    rated_at     INTEGER NOT NULL,
    entry_id     INTEGER REFERENCES ledger_entries (id),
    UNIQUE (household_id, window_key)
);
CREATE INDEX household_ratings_by_member ON household_ratings (community_id, member_id);
