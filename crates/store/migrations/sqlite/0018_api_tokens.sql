-- Personal API tokens and the answers kept for idempotent API writes
-- (docs/api.md). A token is known by the SHA-256 of its secret, so a copy
-- of the database hands out no live token; the secret is shown once, when
-- it is made. A token acts as its owner's account, within its scopes.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    name          TEXT NOT NULL,
    -- 'read', or 'read record'.
    scopes        TEXT NOT NULL CHECK (scopes IN ('read', 'read record')),
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    last_used_at  INTEGER
);
CREATE INDEX api_tokens_by_account ON api_tokens (account_id);

-- The first answer to a write sent with an Idempotency-Key: a retry with
-- the same key and the same request gets it again and writes nothing; the
-- same key with another request is refused. One row per account and key.
CREATE TABLE api_idempotency (
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    idempotency_key TEXT NOT NULL,
    token_id        INTEGER REFERENCES api_tokens (id),
    request_sha256  TEXT NOT NULL,
    status          INTEGER NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
