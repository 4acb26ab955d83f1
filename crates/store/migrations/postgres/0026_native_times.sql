-- Times are PostgreSQL TIMESTAMPTZ (issue 10). Most were Unix seconds
-- (BIGINT) and convert with to_timestamp; the audit log's `at` and the
-- organization rows' creation and disabling stamps were RFC 3339 text in
-- UTC, written by the program only, and convert as they stand (a value
-- that is not a time stops the upgrade here instead of being carried on).
--
-- The program binds and reads a time as it did, converting in the query:
-- bound as to_timestamp($n) (seconds) or timestamptz($n) (text), read as
-- unix_seconds(col) or rfc3339(col), the two functions made here. On
-- SQLite, where a time stays seconds or text, the store drops the four
-- wrappers (store/src/times.rs): one set of queries for both backends.
--
-- No trigger names a time column and no CHECK compares one with a
-- number (activities' ends_at > starts_at holds for times as it did for
-- seconds), so each column converts in place.
--
-- unix_seconds reads date_part's double, exact for whole seconds, rather
-- than EXTRACT's numeric, which costs more per row (BENCHMARKS.md).
CREATE FUNCTION unix_seconds(t TIMESTAMPTZ) RETURNS BIGINT
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT CAST(date_part('epoch', t) AS BIGINT) $$;

CREATE FUNCTION rfc3339(t TIMESTAMPTZ) RETURNS TEXT
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

ALTER TABLE accounts
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(created_at AS TIMESTAMPTZ),
    ALTER COLUMN locked_until TYPE TIMESTAMPTZ USING to_timestamp(locked_until),
    ALTER COLUMN disabled_at TYPE TIMESTAMPTZ USING CAST(disabled_at AS TIMESTAMPTZ);
ALTER TABLE activities
    ALTER COLUMN starts_at TYPE TIMESTAMPTZ USING to_timestamp(starts_at),
    ALTER COLUMN ends_at TYPE TIMESTAMPTZ USING to_timestamp(ends_at),
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING to_timestamp(created_at);
ALTER TABLE activity_signups
    ALTER COLUMN answered_at TYPE TIMESTAMPTZ USING to_timestamp(answered_at),
    ALTER COLUMN checked_in_at TYPE TIMESTAMPTZ USING to_timestamp(checked_in_at),
    ALTER COLUMN checked_out_at TYPE TIMESTAMPTZ USING to_timestamp(checked_out_at);
ALTER TABLE adjustments
    ALTER COLUMN made_at TYPE TIMESTAMPTZ USING to_timestamp(made_at),
    ALTER COLUMN checked_at TYPE TIMESTAMPTZ USING to_timestamp(checked_at);
ALTER TABLE api_idempotency
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING to_timestamp(created_at);
ALTER TABLE api_tokens
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING to_timestamp(created_at),
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING to_timestamp(expires_at),
    ALTER COLUMN revoked_at TYPE TIMESTAMPTZ USING to_timestamp(revoked_at),
    ALTER COLUMN last_used_at TYPE TIMESTAMPTZ USING to_timestamp(last_used_at);
ALTER TABLE audit_log
    ALTER COLUMN at TYPE TIMESTAMPTZ USING CAST(at AS TIMESTAMPTZ);
ALTER TABLE ballot_exceptions
    ALTER COLUMN proposed_at TYPE TIMESTAMPTZ USING to_timestamp(proposed_at),
    ALTER COLUMN cosigned_at TYPE TIMESTAMPTZ USING to_timestamp(cosigned_at);
ALTER TABLE ballots
    ALTER COLUMN opened_at TYPE TIMESTAMPTZ USING to_timestamp(opened_at),
    ALTER COLUMN closed_at TYPE TIMESTAMPTZ USING to_timestamp(closed_at),
    ALTER COLUMN decided_at TYPE TIMESTAMPTZ USING to_timestamp(decided_at);
ALTER TABLE claims
    ALTER COLUMN claimed_at TYPE TIMESTAMPTZ USING to_timestamp(claimed_at),
    ALTER COLUMN decided_at TYPE TIMESTAMPTZ USING to_timestamp(decided_at);
ALTER TABLE communities
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(created_at AS TIMESTAMPTZ);
ALTER TABLE community_year_stats
    ALTER COLUMN computed_at TYPE TIMESTAMPTZ USING to_timestamp(computed_at);
ALTER TABLE household_bindings
    ALTER COLUMN bound_at TYPE TIMESTAMPTZ USING to_timestamp(bound_at);
ALTER TABLE household_link_state
    ALTER COLUMN locked_at TYPE TIMESTAMPTZ USING to_timestamp(locked_at),
    ALTER COLUMN printed_at TYPE TIMESTAMPTZ USING to_timestamp(printed_at),
    ALTER COLUMN visit_code_expires TYPE TIMESTAMPTZ USING to_timestamp(visit_code_expires);
ALTER TABLE household_ratings
    ALTER COLUMN rated_at TYPE TIMESTAMPTZ USING to_timestamp(rated_at);
ALTER TABLE household_tokens
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING to_timestamp(created_at),
    ALTER COLUMN revoked_at TYPE TIMESTAMPTZ USING to_timestamp(revoked_at);
ALTER TABLE households
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(created_at AS TIMESTAMPTZ);
ALTER TABLE integrity_records
    ALTER COLUMN filed_at TYPE TIMESTAMPTZ USING to_timestamp(filed_at),
    ALTER COLUMN decided_at TYPE TIMESTAMPTZ USING to_timestamp(decided_at);
ALTER TABLE integrity_votes
    ALTER COLUMN voted_at TYPE TIMESTAMPTZ USING to_timestamp(voted_at);
ALTER TABLE leave_requests
    ALTER COLUMN requested_at TYPE TIMESTAMPTZ USING to_timestamp(requested_at),
    ALTER COLUMN decided_at TYPE TIMESTAMPTZ USING to_timestamp(decided_at);
ALTER TABLE ledger_entries
    ALTER COLUMN recorded_at TYPE TIMESTAMPTZ USING to_timestamp(recorded_at);
ALTER TABLE meeting_attendance
    ALTER COLUMN recorded_at TYPE TIMESTAMPTZ USING to_timestamp(recorded_at);
ALTER TABLE meetings
    ALTER COLUMN starts_at TYPE TIMESTAMPTZ USING to_timestamp(starts_at),
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING to_timestamp(created_at),
    ALTER COLUMN closed_at TYPE TIMESTAMPTZ USING to_timestamp(closed_at);
ALTER TABLE members
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(created_at AS TIMESTAMPTZ);
ALTER TABLE objections
    ALTER COLUMN filed_at TYPE TIMESTAMPTZ USING to_timestamp(filed_at),
    ALTER COLUMN answered_at TYPE TIMESTAMPTZ USING to_timestamp(answered_at);
ALTER TABLE opening_balances
    ALTER COLUMN imported_at TYPE TIMESTAMPTZ USING to_timestamp(imported_at);
ALTER TABLE outbox
    ALTER COLUMN next_attempt_at TYPE TIMESTAMPTZ USING to_timestamp(next_attempt_at),
    ALTER COLUMN last_attempt_at TYPE TIMESTAMPTZ USING to_timestamp(last_attempt_at),
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING to_timestamp(created_at),
    ALTER COLUMN sent_at TYPE TIMESTAMPTZ USING to_timestamp(sent_at),
    ALTER COLUMN lease_until TYPE TIMESTAMPTZ USING to_timestamp(lease_until);
ALTER TABLE paper_forms
    ALTER COLUMN printed_at TYPE TIMESTAMPTZ USING to_timestamp(printed_at),
    ALTER COLUMN replaced_at TYPE TIMESTAMPTZ USING to_timestamp(replaced_at),
    ALTER COLUMN entered_at TYPE TIMESTAMPTZ USING to_timestamp(entered_at);
ALTER TABLE periods
    ALTER COLUMN opened_at TYPE TIMESTAMPTZ USING CAST(opened_at AS TIMESTAMPTZ);
ALTER TABLE rating_motions
    ALTER COLUMN proposed_at TYPE TIMESTAMPTZ USING to_timestamp(proposed_at),
    ALTER COLUMN agreed_at TYPE TIMESTAMPTZ USING to_timestamp(agreed_at),
    ALTER COLUMN withdrawn_at TYPE TIMESTAMPTZ USING to_timestamp(withdrawn_at);
ALTER TABLE rating_origins
    ALTER COLUMN rated_at TYPE TIMESTAMPTZ USING to_timestamp(rated_at);
ALTER TABLE rating_rounds
    ALTER COLUMN published_at TYPE TIMESTAMPTZ USING to_timestamp(published_at),
    ALTER COLUMN finalized_at TYPE TIMESTAMPTZ USING to_timestamp(finalized_at),
    ALTER COLUMN reopened_at TYPE TIMESTAMPTZ USING to_timestamp(reopened_at);
ALTER TABLE regions
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(created_at AS TIMESTAMPTZ);
ALTER TABLE relatives
    ALTER COLUMN marked_at TYPE TIMESTAMPTZ USING to_timestamp(marked_at);
ALTER TABLE robots
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING to_timestamp(created_at);
ALTER TABLE seals
    ALTER COLUMN sealed_at TYPE TIMESTAMPTZ USING to_timestamp(sealed_at);
ALTER TABLE sessions
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING to_timestamp(created_at),
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING to_timestamp(expires_at);
ALTER TABLE sign_in_origins
    ALTER COLUMN signed_in_at TYPE TIMESTAMPTZ USING to_timestamp(signed_in_at);
ALTER TABLE uploads
    ALTER COLUMN uploaded_at TYPE TIMESTAMPTZ USING to_timestamp(uploaded_at);
