-- Where a mark on a meeting's sheet came from: besides the page
-- ('secretary'), a scan ('qr') and an approved leave ('leave'), a mark sent
-- through the API ('api') or read from an imported sign-in sheet
-- ('import'), which were stored as 'secretary' before. SQLite cannot
-- change a CHECK in place: the table is rebuilt with its rows.
CREATE TABLE meeting_attendance_new (
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    status       TEXT NOT NULL CHECK (status IN ('present', 'late', 'absent', 'excused')),
    via          TEXT NOT NULL CHECK (via IN ('secretary', 'qr', 'leave', 'api', 'import')),
    recorded_by  INTEGER NOT NULL REFERENCES accounts (id),
    recorded_at  INTEGER NOT NULL,
    -- Set once the attendance has gone into the ledger.
    ledgered     INTEGER NOT NULL DEFAULT 0 CHECK (ledgered IN (0, 1)),
    PRIMARY KEY (meeting_id, member_id)
);
INSERT INTO meeting_attendance_new (meeting_id, member_id, status, via, recorded_by, recorded_at, ledgered)
    SELECT meeting_id, member_id, status, via, recorded_by, recorded_at, ledgered FROM meeting_attendance;
DROP TABLE meeting_attendance;
ALTER TABLE meeting_attendance_new RENAME TO meeting_attendance;
