-- A year's seals: taken when its results are published for public notice
-- and again when it is finalized (see crates/domain/src/seal.rs and
-- docs/ledger-format.md). A seal is only worth something as a copy kept
-- outside the database; the copy inside is protected as the ledger is, so
-- that changing one is at least as loud as changing an entry.
CREATE TABLE seals (
    community_id INTEGER NOT NULL REFERENCES communities (id),
    year         INTEGER NOT NULL,
    round        INTEGER NOT NULL,
    stage        TEXT NOT NULL CHECK (stage IN ('published', 'finalized')),
    sealed_at    INTEGER NOT NULL,
    body         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    PRIMARY KEY (community_id, year, round, stage)
);

CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals
BEGIN
    SELECT RAISE(ABORT, 'seals are append-only');
END;

CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals
BEGIN
    SELECT RAISE(ABORT, 'seals are append-only');
END;
