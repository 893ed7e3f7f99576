#!/usr/bin/env bash
# ops.sh - backup (also while another process writes) and check.
. "$(dirname "$0")/lib.sh"

as init
as user add --id U1 --name 张三
as check
expect_rc "check of a good database" 0
as --format json check
expect_json "check --format json"
expect_eq "every check passes" "$(json_get 'all(x["ok"] for x in d)')" "True"

as backup "$T/b1.db"
expect_rc "backup" 0
[ "$(stat -c %a "$T/b1.db")" = 600 ] && pass "the backup is private" || fail "the backup is private"
as --db "$T/b1.db" user show U1
expect_rc "the backup opens and has the data" 0
as --db "$T/b1.db" check
expect_rc "the backup checks clean" 0
as backup "$T/b1.db"
expect_rc "backup refuses to overwrite" 65
as backup --force "$T/b1.db"
expect_rc "backup --force overwrites" 0
as backup "$T/no/such/dir/b.db"
expect_rc "backup into a missing directory" 73
ls "$T"/b1.db.tmp-* >/dev/null 2>&1 && fail "no temporary file is left" || pass "no temporary file is left"
as backup
expect_rc "backup needs DEST" 64

# A backup taken while another process imports is one consistent state:
# the import is one transaction, so the copy has none or all of its rows.
python3 -c '
import sys
print("user_id,name,phone,region")
for i in range(60000):
    print(f"B{i:06d},名{i},138{i:08d},530102")
' > "$T/big.csv"
"$AFTERSALES" user import "$T/big.csv" 2>/dev/null &
importer=$!
sleep 0.2
as backup "$T/during.db"
expect_rc "backup while another process writes" 0
wait $importer
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from users").fetchone()[0])' "$T/during.db")
if [ "$n" = 1 ] || [ "$n" = 60001 ]; then pass "the copy is all or none of the import ($n users)"; else fail "the copy is all or none of the import ($n users)"; fi
as --db "$T/during.db" check
expect_rc "the copy taken during writes checks clean" 0

# The same without a race: another connection holds a write transaction
# with a row inserted and not committed while the backup runs.  The backup
# succeeds (it does not wait for the writer) and has none of that row.
users_before=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from users").fetchone()[0])' "$AFTERSALES_DB")
python3 - "$AFTERSALES_DB" "$T/held" "$T/release" <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO users (user_id, name, created_at, updated_at) VALUES ('HELD', 'x', 1, 1)")
open(sys.argv[2], "w").close()
for _ in range(1200):               # a guard against hanging, not a timing check
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.05)
c.execute("COMMIT")
PY
holder=$!
for _ in $(seq 1200); do [ -f "$T/held" ] && break; sleep 0.05; done
expect_eq "the writer holds its transaction" "$([ -f "$T/held" ] && echo yes)" "yes"
as backup "$T/held.db"
expect_rc "backup while a write transaction is open" 0
touch "$T/release"
wait $holder
expect_eq "the writer committed after the backup" "$?" "0"
expect_eq "the copy has the committed rows only" \
    "$(python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("select count(*), count(*) filter (where user_id = ?) from users", ("HELD",)).fetchone())' "$T/held.db")" \
    "($users_before, 0)"
expect_eq "the database has the held row now" \
    "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from users where user_id = ?", ("HELD",)).fetchone()[0])' "$AFTERSALES_DB")" "1"

# check finds problems.
cp "$AFTERSALES_DB" "$T/fk.db"
python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA foreign_keys = OFF")
c.execute("INSERT INTO vehicles (user_id, plate, created_at) VALUES (\"ghost\", \"云A00000\", 1)")
c.commit()' "$T/fk.db"
as --db "$T/fk.db" check
expect_rc "a foreign key violation fails the check" 65
expect_out_has "the violation is named" "vehicles row"
expect_err_has "the summary names the check" "foreign_keys"

cp "$AFTERSALES_DB" "$T/corrupt.db"
python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA journal_mode = DELETE")
c.close()
size = 4096
with open(sys.argv[1], "r+b") as f:
    data = bytearray(f.read())
    # Scribble over the middle of the last page (a b-tree page).
    start = len(data) - size + 100
    data[start:start + 200] = bytes([0x5A]) * 200
    f.seek(0); f.write(data)' "$T/corrupt.db"
as --db "$T/corrupt.db" check
# The file is still ours (header, application_id and schema intact): the
# check runs and reports the damage, which is bad data (65), not "not an
# aftersales database" (69).
expect_rc "a damaged table page fails the check with 65" 65
expect_out_has "the integrity check names the damaged page" "On tree page"
expect_err_has "the summary names the integrity check" "1 check failed; first: integrity:"

as check extra
expect_rc "check takes no arguments" 64
finish
