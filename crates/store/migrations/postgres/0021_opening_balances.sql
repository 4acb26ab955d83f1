-- Opening balances (期初积分, issue 12): a community moving from paper or
-- another system brings each member's points of past years, per category as
-- its old sheet named them, with the year's total under 总分. They are
-- records of those years, not ledger entries: no year that starledger rates
-- (a period, open or finalized) takes them, they never count in a rating,
-- and the stars of the same rows go to `honours` (source 'imported'), where
-- the star history and the honour roll already read past years. One row per
-- member, year and category, so importing a file again changes nothing.
CREATE TABLE opening_balances (
    community_id  BIGINT NOT NULL REFERENCES communities (id),
    member_id     BIGINT NOT NULL REFERENCES members (id),
    year          BIGINT NOT NULL,
    category      TEXT NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
    points_tenths BIGINT NOT NULL,
    source        TEXT NOT NULL DEFAULT '',
    imported_at   BIGINT NOT NULL,
    PRIMARY KEY (member_id, year, category)
);

CREATE INDEX opening_balances_by_community ON opening_balances (community_id, year);
