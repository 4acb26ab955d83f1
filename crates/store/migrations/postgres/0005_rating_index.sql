-- Rating a year sums points per member, category and rule. With every column
-- it reads in one index, in grouping order, SQLite answers from the index
-- alone, without visiting the table or sorting. It starts with the columns
-- of ledger_entries_by_year, which it replaces.
DROP INDEX ledger_entries_by_year;
CREATE INDEX ledger_entries_for_rating ON ledger_entries (community_id, year, member_id, category, rule_key, points_tenths);
