-- A member who signed up and never came: the entry that recorded it.
ALTER TABLE activity_signups ADD COLUMN no_show_entry_id BIGINT REFERENCES ledger_entries (id);
