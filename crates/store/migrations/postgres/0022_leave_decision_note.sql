-- The note a leave request's decision is given (why it was rejected, what
-- was agreed), kept on the record with the decision as a claim's is; the
-- pages and the API took it and, until now, dropped it.
ALTER TABLE leave_requests ADD COLUMN decision_note TEXT;
