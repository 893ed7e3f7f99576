#!/usr/bin/env bash
# hardening.sh - issue 12's hostile-input review, points 4-7 and the
# hardening found by the test review, through the command line: private
# rejects files that follow no link, backup temporaries of killed runs,
# rejected phones never echoed whole, times out of range, exact JSON Lines
# numbers, duplicate keys, references to missing tickets, read-only files
# and directories.
. "$(dirname "$0")/lib.sh"

as init
expect_rc "init" 0
as user add --id U1 --name 张三 --phone 13912345678 --region 530102

# ---- 4. --rejects files are private and never follow links -------------

printf 'user_id,name,phone,region\nU2,李四,13800138002,530102\nU3,王五,12345,530102\n' > "$T/u.csv"
umask 022
as user import --skip-bad --rejects "$T/rej.csv" "$T/u.csv"
expect_rc "import with --rejects" 0
expect_eq "the rejects file is 0600 under umask 022" "$(stat -c %a "$T/rej.csv")" 600
expect_eq "it holds the header and the bad row" "$(head -c 200 "$T/rej.csv" | tr -d '\r')" "user_id,name,phone,region,error
U3,王五,12345,530102,\"phone: '12345' is not a mainland mobile number (11 digits from 13x to 19x, optional +86)\""

as user import --skip-bad --rejects "$T/rej.csv" "$T/u.csv"
expect_rc "an existing rejects file is refused (73)" 73
expect_err_has "and the message says how to replace it" "$T/rej.csv: already exists (--force replaces it)"
as user import --skip-bad --rejects "$T/rej.csv" --force "$T/u.csv"
expect_rc "--force replaces a regular file" 0
chmod 644 "$T/rej.csv"
as user import --skip-bad --rejects "$T/rej.csv" --force "$T/u.csv"
expect_eq "a replaced file is created anew, 0600" "$(stat -c %a "$T/rej.csv")" 600

# A link placed at the name (by another user, say) is never followed: its
# target used to be truncated and filled with personal data.
printf 'precious\n' > "$T/target.txt"
ln -s "$T/target.txt" "$T/link.csv"
as user import --skip-bad --rejects "$T/link.csv" "$T/u.csv"
expect_rc "a symlink at the rejects name is refused" 73
as user import --skip-bad --rejects "$T/link.csv" --force "$T/u.csv"
expect_rc "even with --force" 73
expect_err_has "the message says it is a link" "is a symbolic link, not a regular file; not replaced"
expect_eq "the link's target is untouched" "$(cat "$T/target.txt")" "precious"
ln -s "$T/nowhere.txt" "$T/dangling.csv"
as user import --skip-bad --rejects "$T/dangling.csv" "$T/u.csv"
expect_rc "a dangling link is not followed either" 73
[ -e "$T/nowhere.txt" ] && fail "the dangling link's target was created" || pass "the dangling link's target was not created"
as user import --force "$T/u.csv"
expect_rc "--force without --rejects is a usage error" 64

# ---- 4. error messages never echo a whole rejected phone number -------

printf 'user_id,name,phone,region\nU4,赵六,1391234567,530102\nU5,钱七,139123456789,530102\n' > "$T/p.csv"
as user import "$T/p.csv"
expect_rc "bad phones" 65
expect_err_has "a 10-digit number is shown masked" "phone: '139***4567' is not"
expect_err_has "a 12-digit number is shown masked" "phone: '139*****6789' is not"
case "$ERR" in *1391234567*|*139123456789*) fail "no whole number in the messages" ;; *) pass "no whole number in the messages" ;; esac
as user add --id U6 --name x --phone 1391234567
expect_rc "an option's bad phone" 64
expect_err_has "is masked too" "--phone: '139***4567' is not a mainland mobile number"

# ---- 4. a killed backup's temporary is removed by the next backup -----

printf 'a full copy left by a killed backup' > "$T/night.db.tmp-31337"
printf 'its journal' > "$T/night.db.tmp-31337-journal"
as backup "$T/night.db"
expect_rc "backup" 0
[ -e "$T/night.db.tmp-31337" ] && fail "the stale temporary is removed" || pass "the stale temporary is removed"
[ -e "$T/night.db.tmp-31337-journal" ] && fail "and its journal" || pass "and its journal"
ls "$T"/night.db.tmp-* >/dev/null 2>&1 && fail "no temporary of this run is left" || pass "no temporary of this run is left"

# ---- 5. times that cannot be true are refused -------------------------

for t in @0 @-1 @9223372036854775807 1969-12-31T23:59:59Z 2026-11-24T10:00:60 '10000-01-01' '9999-12-31T23:59:59-01:00'; do
    as ticket autoclose --at "$t"
    expect_rc "--at $t is refused (64)" 64
done
expect_err_has "the message names the range" "is not a time from 1970 to 9999"
as ticket autoclose --at 9999-12-31T23:59:59Z
expect_rc "the last second of 9999 (UTC) is a time" 0

printf 'feedback_id,user_id,submitted_at,overall,comment\nF1,U1,2026-11-24 10:00:60,3,x\nF2,U1,@0,3,x\nF3,U1,@253402300800,3,x\nF4,U1,2026-11-24 10:00:59,3,ok\n' > "$T/fb.csv"
as feedback import --skip-bad "$T/fb.csv"
expect_rc "feedback import" 0
expect_err_has "second 60 is refused" "fb.csv:2: submitted_at: '2026-11-24 10:00:60' is not a time"
expect_err_has "@0 is refused" "fb.csv:3: submitted_at: '@0' is not a time"
expect_err_has "year 10000 is refused" "fb.csv:4: submitted_at: '@253402300800' is not a time"
expect_err_has "one row imported" "inserted 1, updated 0, unchanged 0, rejected 3"

# ---- 5. JSON Lines numbers are read exactly; duplicate keys refused ---

printf '%s\n' \
  '{"tx_id":"T1","user_id":"U1","station_id":"S1","filled_at":"2026-01-05 09:00","grade":92,"litres":40,"amount_yuan":1e3}' \
  '{"tx_id":"T2","user_id":"U1","station_id":"S1","filled_at":"2026-01-06 09:00","grade":92,"litres":40,"amount_yuan":0.30000000000000004}' \
  '{"tx_id":"T3","user_id":"U1","station_id":"S1","filled_at":"2026-01-07 09:00","grade":92,"litres":40,"amount_yuan":300.30,"amount_yuan":3.00}' \
  '{"tx_id":"T4","user_id":"U1","station_id":"S1","filled_at":"2026-01-08 09:00","grade":92,"litres":40.125,"amount_yuan":300.30}' \
  > "$T/f.jsonl"
as fuel import --jsonl --skip-bad "$T/f.jsonl"
expect_rc "fuel import" 0
expect_err_has "1e3 is not 1000 yuan" "f.jsonl:1: amount_yuan: '1e3' is not an amount"
expect_err_has "no rounding through a double" "f.jsonl:2: amount_yuan: '0.30000000000000004' is not an amount"
expect_err_has "a key twice is an error" "f.jsonl:3: is not valid JSON: at byte 141: key 'amount_yuan' appears twice in an object"
expect_err_has "one record in" "inserted 1, updated 0, unchanged 0, rejected 3"
expect_eq "the amount and litres are exact" "$(sqlite3 "$AFTERSALES_DB" 'SELECT amount_fen, litres_ml FROM fuelings')" "30030|40125"

# ---- 5. merged_into naming a ticket that does not exist ---------------

as ticket open --user U1 --channel app --category payment --subject 多扣钱 --body 重复扣款
tn=$(printf '%s' "$OUT" | sed -n 's/^tracking: *//p' | head -1)
[ -n "$tn" ] || tn=$(sqlite3 "$AFTERSALES_DB" 'SELECT tracking FROM tickets LIMIT 1')
as ticket export
printf '%s\n' "$OUT" > "$T/t.jsonl"
# A valid number (check digit right) that no ticket has.
absent=$(python3 -c '
import sys
T = [[0,3,1,7,5,9,8,6,4,2],[7,0,9,2,1,5,4,8,6,3],[4,2,0,6,8,7,1,3,5,9],[1,7,5,0,9,8,3,4,2,6],
     [6,1,2,3,0,4,5,9,7,8],[3,6,7,4,2,0,9,5,8,1],[5,8,6,9,7,2,0,1,3,4],[8,9,4,5,3,6,2,0,1,7],
     [9,4,3,8,6,1,7,2,0,5],[2,5,8,1,4,3,6,7,9,0]]
base, i = "90000001", 0
def damm(s):
    x = 0
    for ch in s: x = T[x][int(ch)]
    return x
print(base + str(damm(base)))')
sed "s/\"merged_into\":null/\"merged_into\":\"$absent\"/" "$T/t.jsonl" > "$T/t2.jsonl"
sqlite3 "$AFTERSALES_DB" "SELECT count(*) FROM tickets" > "$T/n0"
as --db "$T/copy.db" init
as --db "$T/copy.db" user add --id U1 --name 张三
as --db "$T/copy.db" ticket import "$T/t2.jsonl"
expect_rc "a merged_into to no ticket is an error (65)" 65
expect_err_has "named with its line" "t2.jsonl:1: merged_into: ticket $absent is neither in the database nor in the file"
expect_eq "nothing imported" "$(sqlite3 "$T/copy.db" 'SELECT count(*) FROM tickets')" 0
as --db "$T/copy.db" ticket import --skip-bad "$T/t2.jsonl"
expect_rc "with --skip-bad too" 65
as --db "$T/copy.db" ticket import "$T/t.jsonl"
expect_rc "the export itself imports" 0

# ---- 7. read-only files and directories --------------------------------

# As root permissions bind nobody, so the commands run as the user nobody
# in a directory of theirs; as any other user they run as that user.
RO="$T/ro"
mkdir "$RO" "$T/out"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 755 "$T"
    chown 65534:65534 "$RO" "$T/out"
    asro() { run setpriv --reuid=65534 --regid=65534 --clear-groups "$AFTERSALES" --db "$RO/r.db" "$@"; }
else
    asro() { as --db "$RO/r.db" "$@"; }
fi
sides() { ls "$RO" | grep -c -- '-wal\|-shm\|-journal'; }
asro init
asro user add --id U1 --name 张三
expect_rc "a database of the test user" 0
chmod 400 "$RO/r.db"
asro user list
expect_rc "a 0400 database can be listed" 0
expect_out_has "with its rows" "张三"
asro check
expect_rc "and checked" 0
expect_eq "reading it left no -wal or -shm" "$(sides)" 0
chmod 600 "$RO/r.db"
asro user add --id U2 --name 李四
expect_rc "after chmod 600 a writer works at once (it failed with 77)" 0
chmod 500 "$RO"
asro user list
expect_rc "a database in a read-only directory can be read (it failed with 77)" 0
expect_out_has "both rows" "李四"
asro check
expect_rc "and checked" 0
asro --format json check
expect_json_where "the journal mode says why it is not wal" json \
    'any(x["check"] == "journal_mode" and x["ok"] and "read-only" in x["detail"] for x in d)'
asro backup "$T/out/ro-copy.db"
expect_rc "and backed up elsewhere" 0
asro user add --id U3 --name 王五
expect_rc "a write there is still refused (77)" 77
expect_eq "nothing was left beside it" "$(sides)" 0
chmod 700 "$RO"

finish
