-- Where a mark on a meeting's sheet came from: besides the page
-- ('secretary'), a scan ('qr') and an approved leave ('leave'), a mark sent
-- through the API ('api') or read from an imported sign-in sheet
-- ('import'), which were stored as 'secretary' before.
ALTER TABLE meeting_attendance DROP CONSTRAINT meeting_attendance_via_check;
ALTER TABLE meeting_attendance ADD CONSTRAINT meeting_attendance_via_check
    CHECK (via IN ('secretary', 'qr', 'leave', 'api', 'import'));
