-- Where each audited write came from: the client's address for the web,
-- "cli" for the command line.
ALTER TABLE audit_log ADD COLUMN origin TEXT NOT NULL DEFAULT '';
