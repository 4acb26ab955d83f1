-- On PostgreSQL, times became TIMESTAMPTZ in this migration. SQLite has no
-- time type: a time stays Unix seconds, or RFC 3339 text in UTC where it
-- was text, and the store's queries drop on SQLite the conversions they
-- name for PostgreSQL (store/src/times.rs). Nothing changes here; the
-- number is kept so both backends' migrations stay numbered alike.
SELECT 1;
