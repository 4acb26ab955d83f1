-- Step 2, volunteer service: the committee's activity notices, members'
-- answers, check-in at the venue and the organizer's confirmation.

CREATE TABLE activities (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    rule_key      TEXT NOT NULL,
    title         TEXT NOT NULL,
    place         TEXT NOT NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    slots         INTEGER NOT NULL CHECK (slots > 0),
    checkin_token TEXT NOT NULL UNIQUE,
    created_by    INTEGER NOT NULL REFERENCES accounts (id),
    created_at    INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX activities_by_time ON activities (community_id, starts_at);

CREATE TABLE activity_signups (
    activity_id   INTEGER NOT NULL REFERENCES activities (id),
    member_id     INTEGER NOT NULL REFERENCES members (id),
    status        TEXT NOT NULL CHECK (status IN ('signed_up', 'cancelled')),
    answered_at   INTEGER NOT NULL,
    checked_in_at INTEGER,
    -- The ledger entry written when the organizer confirmed the service.
    entry_id      INTEGER REFERENCES ledger_entries (id),
    PRIMARY KEY (activity_id, member_id)
);
