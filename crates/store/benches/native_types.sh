#!/bin/sh
# How long PostgreSQL's upgrade to native types takes (migrations 0024,
# days become DATE, 0025, flags become BOOLEAN, and 0026, times become
# TIMESTAMPTZ), on a synthetic
# community of 10x the demo (2,160 members, 457,272 entries), beside a
# baseline in the same run: the same columns rewritten by the same ALTER
# with no change of type. Both run three times, alternately, each in a
# transaction that is rolled back. Then the program upgrades the database
# itself and verifies the chain.
#
#   cargo build --release
#   BIN=target/release/starledger sh crates/store/benches/native_types.sh
#
# ADMIN is a PostgreSQL maintenance database URL (a database named
# sl_native_types_bench is created and dropped). Needs psql and awk.
set -eu
BIN=${BIN:-target/release/starledger}
ADMIN=${ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
DB=sl_native_types_bench
URL=${ADMIN%/*}/$DB
MIGRATIONS=crates/store/migrations/postgres
psql -v ON_ERROR_STOP=1 "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
STARLEDGER_NOW=2026-06-10T10:00:00+08:00 "$BIN" --database-url "$URL" \
    bench city --communities 1 --members-per-community 2160 --years 2 >/dev/null
psql "$URL" -qtAc "SELECT 'ledger entries: ' || COUNT(*) FROM ledger_entries" \
    -c "SELECT 'attendance marks: ' || COUNT(*) FROM meeting_attendance"

DAYS="members:joined_on members:left_on final_roll:joined_on final_roll:left_on household_links:linked_on
ledger_entries:occurred_on claims:occurred_on integrity_records:happened_on rating_rounds:notice_from
rating_rounds:notice_until pseudonymized_members:on_day"
# table:column:default before 0025 (- for none)
FLAGS="members:probationary:0 final_roll:probationary:- accounts:must_change_password:1 meeting_attendance:ledgered:0
integrity_votes:approve:- robots:enabled:1 community_year_stats:final:- branch_year_stats:final:-"

# Every time, as table:column:type it had before 0026 (BIGINT seconds or
# TEXT), read from the schema.
TIMES=$(psql "$URL" -qtAc "SELECT table_name || ':' || column_name || ':' ||
    CASE WHEN (table_name, column_name) IN (('accounts', 'created_at'), ('accounts', 'disabled_at'),
        ('audit_log', 'at'), ('communities', 'created_at'), ('households', 'created_at'),
        ('members', 'created_at'), ('periods', 'opened_at'), ('regions', 'created_at'))
    THEN 'TEXT' ELSE 'BIGINT' END
    FROM information_schema.columns WHERE table_schema = current_schema()
    AND data_type = 'timestamp with time zone' AND table_name <> '_sqlx_migrations' ORDER BY 1")

# One ALTER TABLE per table for its times (a CHECK compares two of them),
# each column changed by "$1" (a function of column and type).
alter_times() {
    for table in $(for t in $TIMES; do echo "${t%%:*}"; done | sort -u); do
        changes=""
        for t in $TIMES; do
            [ "${t%%:*}" = "$table" ] || continue
            rest=${t#*:}; column=${rest%%:*} type=${rest#*:}
            changes="$changes${changes:+, }ALTER COLUMN $column $($1 "$column" "$type")"
        done
        echo "ALTER TABLE $table $changes;"
    done
}
release_type() {
    if [ "$2" = TEXT ]; then echo "TYPE TEXT USING rfc3339($1)"; else echo "TYPE BIGINT USING unix_seconds($1)"; fi
}
same_type() {
    if [ "$2" = TEXT ]; then echo "TYPE TEXT USING $1 || ''"; else echo "TYPE BIGINT USING $1 + 0"; fi
}

# The database as the release before 0024 left it.
{
    alter_times release_type
    echo "DROP FUNCTION unix_seconds(TIMESTAMPTZ);"
    echo "DROP FUNCTION rfc3339(TIMESTAMPTZ);"
    echo "DROP TRIGGER final_roll_no_update ON final_roll;"
    for c in $DAYS; do echo "ALTER TABLE ${c%%:*} ALTER COLUMN ${c#*:} TYPE TEXT;"; done
    for f in $FLAGS; do
        table=${f%%:*} rest=${f#*:}; column=${rest%%:*} default=${rest#*:}
        echo "ALTER TABLE $table ALTER COLUMN $column DROP DEFAULT;"
        echo "ALTER TABLE $table ALTER COLUMN $column TYPE BIGINT USING CASE WHEN $column THEN 1 ELSE 0 END;"
        echo "ALTER TABLE $table ADD CONSTRAINT ${table}_${column}_check CHECK ($column IN (0, 1));"
        [ "$default" = - ] || echo "ALTER TABLE $table ALTER COLUMN $column SET DEFAULT $default;"
    done
    echo "CREATE TRIGGER final_roll_no_update BEFORE UPDATE ON final_roll"
    echo "    FOR EACH ROW EXECUTE FUNCTION final_roll_no_change_refuse();"
    echo "DELETE FROM _sqlx_migrations WHERE version IN (24, 25, 26);"
} | psql -v ON_ERROR_STOP=1 "$URL" -q
psql "$URL" -qc "VACUUM ANALYZE"

baseline() {
    echo "BEGIN;"
    echo "DROP TRIGGER final_roll_no_update ON final_roll;"
    for c in $DAYS; do echo "ALTER TABLE ${c%%:*} ALTER COLUMN ${c#*:} TYPE TEXT USING ${c#*:} || '';"; done
    for f in $FLAGS; do
        table=${f%%:*} rest=${f#*:}; column=${rest%%:*}
        echo "ALTER TABLE $table ALTER COLUMN $column TYPE BIGINT USING $column + 0;"
    done
    alter_times same_type
    echo "ROLLBACK;"
}
migrations() {
    echo "BEGIN;"
    cat "$MIGRATIONS/0024_native_dates.sql" "$MIGRATIONS/0025_native_flags.sql" "$MIGRATIONS/0026_native_times.sql"
    echo "ROLLBACK;"
}
seconds() {
    start=$(date +%s.%N)
    psql -v ON_ERROR_STOP=1 "$URL" -q >/dev/null
    end=$(date +%s.%N)
    awk "BEGIN { printf \"%.2f\", $end - $start }"
}
for run in 1 2 3; do
    echo "run $run: baseline (the same columns rewritten, type unchanged) $(baseline | seconds) s;" \
        "migrations 0024 + 0025 + 0026 $(migrations | seconds) s"
done

# The real upgrade, through the program, and the chain after it.
"$BIN" --database-url "$URL" ledger verify
psql "$URL" -qtAc "SELECT 'ledger_entries.occurred_on: ' || data_type FROM information_schema.columns
    WHERE table_name = 'ledger_entries' AND column_name = 'occurred_on'" \
    -c "SELECT 'members.probationary: ' || data_type FROM information_schema.columns
    WHERE table_name = 'members' AND column_name = 'probationary'" \
    -c "SELECT 'ledger_entries.recorded_at: ' || data_type FROM information_schema.columns
    WHERE table_name = 'ledger_entries' AND column_name = 'recorded_at'"
psql "$ADMIN" -qc "DROP DATABASE $DB"
