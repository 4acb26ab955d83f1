-- A household's link is bound to a device before it rates (issue 10, item 7):
-- the first time a link is opened on a device, the household proves itself
-- with the last four digits of its phone on the roll (or, without a phone,
-- a one-time code the committee brings to a visit). See docs/security.md.

-- What happened to one link: wrong proofs (a bounded number, then it is
-- locked until the committee replaces it), proofs refused once locked
-- (counted, not stored one by one), when its card was printed, a visit
-- code and why it was revoked. One row per link, written when first needed.
CREATE TABLE household_link_state (
    token                TEXT PRIMARY KEY REFERENCES household_tokens (token),
    community_id         INTEGER NOT NULL REFERENCES communities (id),
    household_id         INTEGER NOT NULL REFERENCES households (id),
    failed_tries         INTEGER NOT NULL DEFAULT 0,
    refused_tries        INTEGER NOT NULL DEFAULT 0,
    locked_at            INTEGER,
    printed_at           INTEGER,
    visit_code_sha256    TEXT,
    visit_code_by        INTEGER REFERENCES accounts (id),
    visit_code_expires   INTEGER,
    revoked_reason       TEXT CHECK (revoked_reason IN ('replaced', 'reprinted'))
);

-- A device that proved itself for a link: only the hash of the secret in
-- its cookie is kept. `bound_by` is the committee account whose visit code
-- bound it ('visit'); a binding by the digits names nobody.
CREATE TABLE household_bindings (
    id            INTEGER PRIMARY KEY,
    token         TEXT NOT NULL REFERENCES household_tokens (token),
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    household_id  INTEGER NOT NULL REFERENCES households (id),
    secret_sha256 TEXT NOT NULL UNIQUE,
    how           TEXT NOT NULL CHECK (how IN ('digits', 'visit')),
    bound_by      INTEGER REFERENCES accounts (id),
    bound_at      INTEGER NOT NULL
);
CREATE INDEX household_bindings_by_token ON household_bindings (token);

-- Where a household's rating came from, as keyed hashes (never the address
-- itself) of the device cookie and the client address: the auditor's flags
-- compare them with the same hashes of committee and branch secretaries'
-- sign-ins (docs/privacy.md).
CREATE TABLE rating_origins (
    entry_id     INTEGER PRIMARY KEY REFERENCES ledger_entries (id),
    community_id INTEGER NOT NULL REFERENCES communities (id),
    household_id INTEGER NOT NULL REFERENCES households (id),
    year         INTEGER NOT NULL,
    device_hash  TEXT,
    address_hash TEXT NOT NULL,
    rated_at     INTEGER NOT NULL
);
CREATE INDEX rating_origins_by_year ON rating_origins (community_id, year);

CREATE TABLE sign_in_origins (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    device_hash  TEXT,
    address_hash TEXT NOT NULL,
    signed_in_at INTEGER NOT NULL
);
CREATE INDEX sign_in_origins_by_community ON sign_in_origins (community_id, signed_in_at);
