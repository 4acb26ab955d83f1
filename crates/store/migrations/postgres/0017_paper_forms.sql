-- Paper rating forms for households without a smartphone (issue 13): the
-- committee prints a numbered, single-use form per household per rating
-- window, naming the member the household was linked to at print time;
-- someone other than that member, their relatives and their branch
-- secretary enters the returned form by its number, once, within its
-- window. Printing again for the same window replaces the unentered form
-- (`replaced_at`); an entered form keeps who entered it, when, the level
-- ticked and the ledger entry it produced (see docs/rating.md).
CREATE TABLE paper_forms (
    number       TEXT PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    household_id BIGINT NOT NULL REFERENCES households (id),
    member_id    BIGINT NOT NULL REFERENCES members (id),
    year         BIGINT NOT NULL,
    window_key   TEXT NOT NULL,
    printed_by   BIGINT NOT NULL REFERENCES accounts (id),
    printed_at   BIGINT NOT NULL,
    replaced_at  BIGINT,
    entered_by   BIGINT REFERENCES accounts (id),
    entered_at   BIGINT,
    level        TEXT CHECK (level IN ('satisfied', 'basically_satisfied', 'not_satisfied')),
    entry_id     BIGINT REFERENCES ledger_entries (id)
);
-- One live form per household per window.
CREATE UNIQUE INDEX paper_forms_one_live ON paper_forms (household_id, window_key) WHERE replaced_at IS NULL;
CREATE INDEX paper_forms_by_entry ON paper_forms (entry_id);
