#!/usr/bin/env bash
# hostile.sh - hostile input, case by case.  Each must give a clear error or
# a faithful store: never a crash, a hang or unbounded memory.  Commands run
# with their address space capped (unless built with AddressSanitizer, which
# needs a large one), and every case has a time limit.
. "$(dirname "$0")/lib.sh"

cap() {   # cap CMD...: run with 1.5 GB of address space and 60 s at most
    if ldd "$AFTERSALES" 2>/dev/null | grep -q libasan; then
        run timeout 120 "$@"
    else
        run bash -c 'ulimit -v 1500000; exec timeout 60 "$@"' cap "$@"
    fi
}

as init
hdr='user_id,name,phone,region'

# 1. A 10 MB text cell: refused with the limit named, quickly.
python3 -c "import sys; sys.stdout.write('$hdr\nH1,' + '长' * 3500000 + ',,\n')" > "$T/big-cell.csv"
cap "$AFTERSALES" user import "$T/big-cell.csv"
expect_rc "1. a 10 MB cell is bad data" 65
expect_err_has "1. a 10 MB cell: the limit is named" "at most 100"

# 2. NUL bytes inside a line.
printf '%s\nN1,a\0b,,\n' "$hdr" > "$T/nul.csv"
cap "$AFTERSALES" user import "$T/nul.csv"
expect_rc "2. a NUL byte is bad data" 65
expect_err_has "2. the NUL byte is located" "nul.csv:2: NUL byte"

# 3. Invalid and overlong UTF-8.
printf '%s\nU1,\xc0\xaf,,\nU2,\xed\xa0\x80,,\nU3,\xf8\x88\x80\x80\x80,,\n' "$hdr" > "$T/utf8.csv"
cap "$AFTERSALES" user import "$T/utf8.csv"
expect_rc "3. invalid UTF-8 is bad data" 65
expect_err_has "3. overlong form located" "utf8.csv:2: invalid UTF-8 at byte 4"
expect_err_has "3. surrogate located" "utf8.csv:3: invalid UTF-8"
expect_err_has "3. 5-byte form located" "utf8.csv:4: invalid UTF-8"

# 4. A byte order mark in the middle of the file.
printf '%s\n\xef\xbb\xbfB1,x,,\nB2,\xef\xbb\xbf名,,\n' "$hdr" > "$T/bom.csv"
cap "$AFTERSALES" user import --skip-bad "$T/bom.csv"
expect_rc "4. a BOM mid-file: --skip-bad imports the rest" 0
expect_err_has "4. one row rejected, one kept" "inserted 1, updated 0, unchanged 0, rejected 1"
expect_err_has "4. a BOM before an id is refused" "bom.csv:2: user_id:"
as --format json user show B2
expect_eq "4. a BOM inside a name is stored faithfully" "$(json_get 'd["name"].encode("utf-8").hex()')" "efbbbfe5908d"

# 5. 100,000 columns.
python3 -c "import sys; sys.stdout.write(','.join('c%d' % i for i in range(100000)) + '\n')" > "$T/wide.csv"
cap "$AFTERSALES" user import "$T/wide.csv"
expect_rc "5. 100,000 columns are refused" 65
expect_err_has "5. the column limit is named" "4096"

# 6. A line without end (5 MB, no line break anywhere).
python3 -c "import sys; sys.stdout.write('x' * 5000000)" > "$T/endless.csv"
cap "$AFTERSALES" user import "$T/endless.csv"
expect_rc "6. a line without end" 65
# ... and a quote that never closes.
python3 -c "import sys; sys.stdout.write('$hdr\nQ1,\"' + 'y' * 3000000)" > "$T/openquote.csv"
cap "$AFTERSALES" user import "$T/openquote.csv"
expect_rc "6. a quote that never closes" 65
expect_err_has "6. the opening line is named" "openquote.csv:2:"

# 7. YAML alias bombs and deep nesting.
python3 -c "
lines = ['a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]']
for i in range(1, 12):
    lines.append('a%d: &a%d [%s]' % (i, i, ','.join(['*a%d' % (i - 1)] * 9)))
print('\n'.join(lines))" > "$T/bomb.yaml"
cap "$AFTERSALES" rules check "$T/bomb.yaml"
expect_rc "7. an alias bomb is refused" 78
python3 -c "print('business: ' + '[' * 100000 + ']' * 100000)" > "$T/deep.yaml"
cap "$AFTERSALES" rules check "$T/deep.yaml"
expect_rc "7. deep nesting is refused" 78
expect_err_has "7. the depth limit is named" "nesting deeper than 64"
python3 -c "print('{\"user_id\":\"D1\",\"name\":' + '[' * 50000 + ']' * 50000 + '}')" > "$T/deep.jsonl"
cap "$AFTERSALES" user import --jsonl "$T/deep.jsonl"
expect_rc "7. deeply nested JSON is bad data" 65

# 8. Text that looks like SQL is stored faithfully.
sql="x'); DROP TABLE users; --"
as user add --id "S1" --name "$sql"
expect_rc "8. SQL-looking text is accepted" 0
as --format json user show S1
expect_eq "8. and stored as it was" "$(json_get 'd["name"]')" "$sql"
as --format json user list
expect_json "8. the users table is still there"

# 9. A truncated database file.
cp "$AFTERSALES_DB" "$T/trunc.db"
python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode = DELETE'); c.close()
size = __import__('os').path.getsize(sys.argv[1])
open(sys.argv[1], 'r+b').truncate(size // 2)" "$T/trunc.db"
cap "$AFTERSALES" --db "$T/trunc.db" user list
# SQLite reports the missing pages as SQLITE_CORRUPT.  That was mapped to
# AS_NOTOURS (69, "not an aftersales database"), which is not true: the file
# is ours and damaged.  It is AS_CORRUPT now, exit 65 like a failed check
# (issue 12, hardening).
expect_rc "9. a truncated database is not read as good, and called damaged" 65
expect_err_has "9. SQLite's detail is kept" "database disk image is malformed"
expect_err_has "9. and what to do" "the database file is damaged; restore it from a backup"
head -c 50 "$AFTERSALES_DB" > "$T/stub.db"
cap "$AFTERSALES" --db "$T/stub.db" user list
# A 50-byte head of our file is a damaged copy too (SQLite: malformed).
expect_rc "9. a 50-byte database stub is damaged (65)" 65

# 10. A file that is not ours.
printf 'PK\003\004 this is a zip file' > "$T/zip.db"
cap "$AFTERSALES" --db "$T/zip.db" init
expect_rc "10. a file that is not ours is refused by init" 69
expect_eq "10. and left untouched" "$(cat "$T/zip.db" | od -An -c | head -1 | tr -d ' ')" "$(printf 'PK\003\004 this is a zip file' | od -An -c | head -1 | tr -d ' ')"

# 11. A configuration file that does not exist, or is a directory.
cap "$AFTERSALES" --config "$T/nope.yaml" user list
expect_rc "11. a missing config" 66
cap "$AFTERSALES" --config "$T" user list
# It said only "read error" (74); a directory is a wrong configuration path,
# and the message says what it is (issue 12, hardening).
expect_rc "11. a directory is not a config: a bad configuration" 78
expect_err_has "11. and says what it is" "$T: is a directory, not a configuration file"
cap "$AFTERSALES" rules check "$T"
expect_rc "11. rules check of a directory" 78
expect_err_has "11. rules check says what it is" "is a directory, not a configuration file"
expect_err_has "11. the directory is named" "$T: is a directory"

# 12. Undecodable GB18030 and a binary file.
printf '%s\n\x81\x30\x81\xff,x,,\n' "$hdr" > "$T/badgb.csv"
cap "$AFTERSALES" user import --encoding gb18030 "$T/badgb.csv"
expect_rc "12. bytes GB18030 cannot decode" 65
head -c 200000 /dev/urandom > "$T/random.bin"
cap "$AFTERSALES" user import "$T/random.bin"
expect_rc "12. random bytes as CSV are bad data" 65
cap "$AFTERSALES" user import --jsonl "$T/random.bin"
expect_rc "12. random bytes as JSON Lines are bad data" 65

as check
expect_rc "after all of it, the database checks clean" 0
finish
