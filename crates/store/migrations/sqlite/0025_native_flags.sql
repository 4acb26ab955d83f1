-- On PostgreSQL, flags became booleans in this migration. SQLite keeps a
-- boolean as the integer 1 or 0 (its TRUE and FALSE are those integers),
-- checked by each column's CHECK: nothing changes here; the number is kept
-- so both backends' migrations stay numbered alike.
SELECT 1;
