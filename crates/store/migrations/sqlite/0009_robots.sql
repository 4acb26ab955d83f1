-- Group robots (WeCom, DingTalk, Feishu) and the outbox that posts to them.
-- A message is queued in the same transaction as what it announces, and a
-- worker sends it: retried with backoff, within each robot's rate limit.

CREATE TABLE robots (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id),
    platform     TEXT NOT NULL CHECK (platform IN ('wecom', 'dingtalk', 'feishu')),
    name         TEXT NOT NULL,
    url          TEXT NOT NULL,
    -- DingTalk's and Feishu's signing secret; needed in clear to sign.
    secret       TEXT,
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_by   INTEGER NOT NULL REFERENCES accounts (id),
    created_at   INTEGER NOT NULL
);

-- pending: waiting to be sent (again); sending: a worker is sending it;
-- sent; failed: gave up after the last retry; uncertain: a worker stopped
-- while sending, so whether the group got it is unknown — a person checks
-- the group and resends or marks it sent, so nothing is ever posted twice.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    robot_id        INTEGER NOT NULL REFERENCES robots (id),
    subject         TEXT NOT NULL,
    text            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'uncertain')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    UNIQUE (robot_id, subject)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_robot_attempt ON outbox (robot_id, last_attempt_at);
