#!/usr/bin/env bash
# crash.sh - kill an import with SIGKILL at 20 moments spread over its run
# time: the database stays intact, the import is wholly present or wholly
# absent, and running it again ends with exactly the expected rows.
. "$(dirname "$0")/lib.sh"

as init
rows=150000
python3 -c '
import sys
print("user_id,name,phone,region")
for i in range(int(sys.argv[1])):
    print(f"K{i:06d},名字{i},139{i:08d},530102")
' "$rows" > "$T/users.csv"

count() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from users").fetchone()[0])' "$AFTERSALES_DB"
}

# The import's run time, measured here on this machine (no fixed number of
# seconds: these machines are noisy).  Kill i of 20 comes after i/16 of it,
# so the first kills land before the commit and the last ones after it.
# Wall time only places the kills; no check depends on it.
rm -f "$AFTERSALES_DB" "$AFTERSALES_DB-wal" "$AFTERSALES_DB-shm"
"$AFTERSALES" init >/dev/null
t0=$(date +%s%N)
"$AFTERSALES" user import "$T/users.csv" >/dev/null 2>&1
run_ns=$(( $(date +%s%N) - t0 ))
echo "# an uninterrupted import takes $((run_ns / 1000000)) ms"

before=0
after=0
for i in $(seq 20); do
    rm -f "$AFTERSALES_DB" "$AFTERSALES_DB-wal" "$AFTERSALES_DB-shm"
    "$AFTERSALES" init >/dev/null
    "$AFTERSALES" user import "$T/users.csv" >/dev/null 2>&1 &
    pid=$!
    # Somewhere in the import's run time: before, during, or after the commit.
    sleep "$(awk -v i="$i" -v ns="$run_ns" 'BEGIN { printf "%.3f", i / 16 * ns / 1e9 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    integrity=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' "$AFTERSALES_DB")
    n=$(count)
    [ "$n" = 0 ] && before=$((before + 1))
    [ "$n" = "$rows" ] && after=$((after + 1))
    if [ "$integrity" = ok ] && { [ "$n" = 0 ] || [ "$n" = "$rows" ]; }; then
        pass "kill $i: intact, $n rows (all or nothing)"
    else
        fail "kill $i: intact, all or nothing" "integrity=$integrity rows=$n"
    fi
    as user import "$T/users.csv"
    n=$(count)
    if [ "$RC" = 0 ] && [ "$n" = "$rows" ]; then pass "kill $i: re-run completes"; else fail "kill $i: re-run completes" "rows=$n"; fi
done
expect_eq "some kills landed before the commit" "$([ "$before" -gt 0 ] && echo yes)" "yes"
echo "# $before of 20 kills landed before the commit, $after after it"
finish
