-- One person, one account: every account that acts on points belongs to
-- one member of the roll, and a member has at most one active account in
-- their community. A second login for the same person would let them vote
-- on their own record or check their own adjustment.
ALTER TABLE accounts ADD COLUMN disabled_at TEXT;

-- Where a released database already gave one person several accounts, the
-- oldest stays active and the others are disabled (their history is kept).
UPDATE accounts SET disabled_at = '2026-12-02T00:00:00Z'
WHERE member_id IS NOT NULL
  AND id NOT IN (
      SELECT MIN(id) FROM accounts WHERE member_id IS NOT NULL GROUP BY community_id, member_id
  );

CREATE UNIQUE INDEX accounts_one_per_person
    ON accounts (community_id, member_id)
    WHERE member_id IS NOT NULL AND disabled_at IS NULL;
