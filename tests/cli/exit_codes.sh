#!/usr/bin/env bash
# exit_codes.sh - every documented exit code, each from a real situation.
. "$(dirname "$0")/lib.sh"

as init
expect_rc "0: init" 0

as user show nobody
expect_rc "1: a looked-up user does not exist" 1
expect_err_has "1: message" "aftersales user show: no user 'nobody'"

as user add --id U1
expect_rc "64: a required option is missing" 64
expect_err_has "64: points at --help" "Try 'aftersales user add --help'."
as user list --bogus
expect_rc "64: unknown option" 64

printf 'user_id,name,phone,region\nU1,张三,12345,530102\n' >"$T/badphone.csv"
as user import "$T/badphone.csv"
expect_rc "65: bad input data" 65
expect_err_has "65: names the field and value" "badphone.csv:2: phone: '12345' is not a mainland mobile number"
as user add --id U1 --name 张三 --phone 12345
expect_rc "64: a malformed option value" 64
expect_err_has "64: names the option as typed" "--phone: '12345' is not a mainland mobile number"

as user import "$T/missing.csv"
expect_rc "66: input file missing" 66
expect_err_has "66: names the file" "missing.csv: No such file or directory"
as --db "$T/nodb.db" user list
expect_rc "66: database missing" 66
expect_err_has "66: suggests init" "aftersales init"

printf 'hello, this is not a database\n' > "$T/text.db"
as --db "$T/text.db" user list
expect_rc "69: not a database" 69
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("create table t(x)"); c.commit()' "$T/foreign.db"
as --db "$T/foreign.db" user list
expect_rc "69: another application's SQLite file" 69
as --db "$T/foreign.db" init
expect_rc "69: init refuses another application's file" 69

# 70: a damaged database (a table dropped behind our back).
as --db "$T/damaged.db" init
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("drop table odometer_readings"); c.execute("drop table vehicles"); c.execute("drop table users"); c.commit()' "$T/damaged.db"
as --db "$T/damaged.db" user list
expect_rc "70: internal error on a damaged schema" 70
expect_err_has "70: SQLite's detail is kept" "no such table: users"

as --db "$T/no/such/dir/x.db" init
expect_rc "73: cannot create" 73

if [ -w /dev/full ]; then
    as user add --id U1 --name 张三
    "$AFTERSALES" user list >/dev/full 2>"$T/err"; RC=$?
    expect_rc "74: writing the output failed" 74
else
    echo "skip - 74: /dev/full is not available"
fi

# 75: another process holds the write lock.
python3 - "$AFTERSALES_DB" "$T/locked" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
c.execute("ROLLBACK")
PY
holder=$!
for _ in $(seq 100); do [ -f "$T/locked" ] && break; sleep 0.05; done
as --busy-timeout 100 user add --id U2 --name 李四
expect_rc "75: busy, retry" 75
expect_err_has "75: says busy" "locked"
wait $holder
as user add --id U2 --name 李四
expect_rc "75: the retry succeeds" 0

# 77: permission denied.
cp "$AFTERSALES_DB" "$T/private.db"
chmod 600 "$T/private.db"
if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
        chmod 755 "$T"
        run setpriv --reuid=65534 --regid=65534 --clear-groups "$AFTERSALES" --db "$T/private.db" user list
        expect_rc "77: permission denied" 77
    else
        echo "skip - 77: cannot drop privileges here"
    fi
else
    chmod 000 "$T/private.db"
    as --db "$T/private.db" user list
    expect_rc "77: permission denied" 77
    chmod 600 "$T/private.db"
fi

# 78: a database from a newer version.
cp "$AFTERSALES_DB" "$T/newer.db"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("pragma user_version = 999"); c.commit()' "$T/newer.db"
sum_before=$(sha256sum "$T/newer.db" | cut -d' ' -f1)
as --db "$T/newer.db" user list
expect_rc "78: schema too new" 78
expect_err_has "78: says newer" "newer than this library"
sum_after=$(sha256sum "$T/newer.db" | cut -d' ' -f1)
expect_eq "78: the newer file is left untouched" "$sum_after" "$sum_before"

finish
