-- A sender's claim on a message it is posting lasts until lease_until; only
-- after that may another process (or the next start) call it uncertain, so
-- that a second server never settles a post the first still has in flight.
ALTER TABLE outbox ADD COLUMN lease_until BIGINT;
