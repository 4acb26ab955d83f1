-- A year's rating reads the ledger at the level the rating needs: per
-- member, category and rule (caps and vetoes are per rule). The projection
-- moves from (member, year, category) to that level; it is written in the
-- same transaction as each entry and rebuilt and compared by
-- `starledger ledger verify`, as before. Reading a year's scores is then
-- proportional to members × rules, not to entries.
CREATE TABLE member_rule_totals (
    community_id  BIGINT NOT NULL REFERENCES communities (id),
    year          BIGINT NOT NULL,
    member_id     BIGINT NOT NULL REFERENCES members (id),
    category      TEXT NOT NULL,
    rule_key      TEXT NOT NULL,
    points_tenths BIGINT NOT NULL,
    entries       BIGINT NOT NULL,
    -- Entries net of reversals (a reversal counts -1): how many ratings,
    -- attendances or services stand, as the region's figures count them.
    net_entries   BIGINT NOT NULL,
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
    community_id BIGINT PRIMARY KEY,
    revision     BIGINT NOT NULL
);

-- On PostgreSQL the revision is the id of the last transaction that changed
-- the community: a transaction that appends thousands of entries writes the
-- row once, not once per entry (an update to the same value is skipped).
CREATE FUNCTION community_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    community BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        community := OLD.community_id;
    ELSE
        community := NEW.community_id;
    END IF;
    INSERT INTO community_revisions (community_id, revision) VALUES (community, txid_current())
    ON CONFLICT (community_id) DO UPDATE SET revision = excluded.revision
    WHERE community_revisions.revision <> excluded.revision;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_entries_revision AFTER INSERT ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION community_revision_bump();
CREATE TRIGGER members_revision AFTER INSERT OR UPDATE OR DELETE ON members
FOR EACH ROW EXECUTE FUNCTION community_revision_bump();
CREATE TRIGGER branches_revision AFTER INSERT OR UPDATE OR DELETE ON branches
FOR EACH ROW EXECUTE FUNCTION community_revision_bump();
CREATE TRIGGER periods_revision AFTER INSERT OR UPDATE OR DELETE ON periods
FOR EACH ROW EXECUTE FUNCTION community_revision_bump();
CREATE TRIGGER rating_rounds_revision AFTER INSERT OR UPDATE OR DELETE ON rating_rounds
FOR EACH ROW EXECUTE FUNCTION community_revision_bump();
CREATE TRIGGER final_stars_revision AFTER INSERT OR DELETE ON final_stars
FOR EACH ROW EXECUTE FUNCTION community_revision_bump();
