-- A year's rating reads the ledger at the level the rating needs: per
-- member, category and rule (caps and vetoes are per rule). The projection
-- moves from (member, year, category) to that level; it is written in the
-- same transaction as each entry and rebuilt and compared by
-- `starledger ledger verify`, as before. Reading a year's scores is then
-- proportional to members × rules, not to entries.
CREATE TABLE member_rule_totals (
    community_id  INTEGER NOT NULL REFERENCES communities (id),
    year          INTEGER NOT NULL,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    category      TEXT NOT NULL,
    rule_key      TEXT NOT NULL,
    points_tenths INTEGER NOT NULL,
    entries       INTEGER NOT NULL,
    -- Entries net of reversals (a reversal counts -1): how many ratings,
    -- attendances or services stand, as the region's figures count them.
    net_entries   INTEGER NOT NULL,
    PRIMARY KEY (community_id, year, member_id, category, rule_key)
);
INSERT INTO member_rule_totals (community_id, year, member_id, category, rule_key, points_tenths, entries, net_entries)
SELECT community_id, year, member_id, category, rule_key, SUM(points_tenths), COUNT(*),
       SUM(CASE WHEN reverses_entry_id IS NULL THEN 1 ELSE -1 END)
FROM ledger_entries GROUP BY community_id, year, member_id, category, rule_key;
DROP TABLE member_category_totals;

-- A community's revision: it changes whenever anything a rating is computed
-- from changes (an entry, the roll, a branch, a period and its rulebook, a
-- round of notice, final stars). Pages keep a computed rating under it and
-- read only this row while nothing changed. Triggers keep it, so no write
-- path (the web, the CLI, a bulk load, a copy) can forget it. It is a cache
-- key, not data: `store copy` and backups do not carry it.
CREATE TABLE community_revisions (
    community_id INTEGER PRIMARY KEY,
    revision     INTEGER NOT NULL
);

CREATE TRIGGER ledger_entries_insert_revision AFTER INSERT ON ledger_entries
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER members_insert_revision AFTER INSERT ON members
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER members_update_revision AFTER UPDATE ON members
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER members_delete_revision AFTER DELETE ON members
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (OLD.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER branches_insert_revision AFTER INSERT ON branches
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER branches_update_revision AFTER UPDATE ON branches
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER branches_delete_revision AFTER DELETE ON branches
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (OLD.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER periods_insert_revision AFTER INSERT ON periods
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER periods_update_revision AFTER UPDATE ON periods
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER periods_delete_revision AFTER DELETE ON periods
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (OLD.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER rating_rounds_insert_revision AFTER INSERT ON rating_rounds
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER rating_rounds_update_revision AFTER UPDATE ON rating_rounds
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER rating_rounds_delete_revision AFTER DELETE ON rating_rounds
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (OLD.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER final_stars_insert_revision AFTER INSERT ON final_stars
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (NEW.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER final_stars_delete_revision AFTER DELETE ON final_stars
BEGIN
    INSERT INTO community_revisions (community_id, revision) VALUES (OLD.community_id, 1)
    ON CONFLICT (community_id) DO UPDATE SET revision = revision + 1;
END;
