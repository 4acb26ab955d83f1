-- On PostgreSQL, dates became native dates in this migration. SQLite has no
-- date type: its dates stay ISO text ('2026-06-10'), which sorts and
-- compares as dates do, and the program's `date($n)` and
-- `CAST(col AS TEXT)` return that same text. Nothing changes here; the
-- number is kept so both backends' migrations stay numbered alike.
SELECT 1;
