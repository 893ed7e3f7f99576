#!/usr/bin/env bash
# import.sh - user import: CSV and JSON Lines, all-or-nothing, --skip-bad,
# --dry-run, idempotency, stdin, GB18030, the summary.
. "$(dirname "$0")/lib.sh"

as init
csv="$T/users.csv"
printf 'user_id,name,phone,region,consent_marketing,quiet_hours\r\nU1,张三,13800138000,530102,yes,22:00-08:00\r\nU2,"Li, ""Q""",+8613900001111,110105,no,\r\nU3,"王\n五",,,,\r\n' > "$csv"

as user import "$csv"
expect_rc "import" 0
expect_err_has "summary" "inserted 3, updated 0, unchanged 0, rejected 0"
as user import "$csv"
expect_err_has "a second import changes nothing" "inserted 0, updated 0, unchanged 3, rejected 0"
as --format json user show U3
expect_eq "a quoted newline is kept" "$(json_get 'd["name"]')" "王
五"

as --format json user import - < "$csv"
expect_rc "import from stdin" 0
expect_json "the summary as JSON"
expect_eq "JSON summary counts" "$(json_get '(d["rows"], d["unchanged"], d["committed"])')" "(3, 3, True)"

bad="$T/bad.csv"
printf 'user_id,name,phone,region\nU4,赵六,13800138004,530102\nU5,钱七,12345,530102\nU6,孙八,13800138006\nU7,李九,13800138007,990000\n' > "$bad"
as user import "$bad"
expect_rc "a file with bad rows" 65
expect_err_has "bad phone with file and line" "aftersales user import: $bad:3: phone: '12345' is not a mainland mobile number"
expect_err_has "short row" "$bad:4: has 3 fields, the header has 4"
expect_err_has "bad region" "$bad:5: region: '990000'"
expect_err_has "nothing imported" "3 of 4 rows rejected; nothing imported"
expect_err_has "hint" "use --skip-bad"
as user show U4
expect_rc "all or nothing: the good row is not there" 1

# With --skip-bad, an import can still fail as a whole (here: too few texts
# to train on); the hint to use --skip-bad is then not given.
printf 'label,review\n1,好\n0,差\n2,坏\n' > "$T/tiny.csv"
as sentiment train --skip-bad "$T/tiny.csv"
expect_rc "an import that fails with --skip-bad" 65
case $ERR in
    *"use --skip-bad"*) fail "no hint to use --skip-bad when it was given" ;;
    *) pass "no hint to use --skip-bad when it was given" ;;
esac

as user import --dry-run --skip-bad "$bad"
expect_rc "dry run" 0
expect_err_has "dry run summary" "dry run: inserted 1, updated 0, unchanged 0, rejected 3"
as user show U4
expect_rc "dry run keeps nothing" 1

as user import --skip-bad "$bad"
expect_rc "--skip-bad" 0
expect_err_has "--skip-bad summary" "inserted 1, updated 0, unchanged 0, rejected 3"
as user show U4
expect_rc "--skip-bad imported the good row" 0

# Header problems.
printf 'user_id,name,phnoe,region\n' > "$T/h.csv"
as user import "$T/h.csv"
expect_rc "unknown column" 65
expect_err_has "unknown column message" "h.csv:1: unknown column 'phnoe'"
: > "$T/empty.csv"
as user import "$T/empty.csv"
expect_rc "empty file" 65

# Encodings.
printf 'user_id,name,phone,region\r\nG1,张三,13800138000,530102\r\n' | iconv -f UTF-8 -t GB18030 > "$T/gbk.csv"
as user import "$T/gbk.csv"
expect_rc "GB18030 without --encoding is refused" 65
expect_err_has "the message suggests the encoding" "--encoding gb18030"
expect_err_has "the message names the line" "gbk.csv:2:"
as user import --encoding gb18030 "$T/gbk.csv"
expect_rc "GB18030 with --encoding" 0
as --format json user show G1
expect_eq "GB18030 decoded" "$(json_get 'd["name"]')" "张三"
as user import --encoding latin9 "$T/gbk.csv"
expect_rc "unknown encoding is a usage error" 64
expect_err_has "unknown encoding names the option" "--encoding: 'latin9' is not one of utf-8"
printf '\xef\xbb\xbfuser_id,name,phone,region\nB1,带BOM,,\n' > "$T/bom.csv"
as user import "$T/bom.csv"
expect_rc "UTF-8 with BOM" 0

# JSON Lines.
printf '{"user_id":"J1","name":"张三","phone":"13800138000","region":"530102","consent_marketing":true}\n{"user_id":"J2","name":"x","nmae":1}\nnot json\n' > "$T/u.jsonl"
as user import --jsonl "$T/u.jsonl"
expect_rc "JSONL with bad lines" 65
expect_err_has "unknown key" "u.jsonl:2: unknown key 'nmae'"
expect_err_has "invalid JSON" "u.jsonl:3: is not valid JSON"
as user import --jsonl --skip-bad "$T/u.jsonl"
expect_rc "JSONL --skip-bad" 0
as --format json user show J1
expect_eq "JSONL boolean consent" "$(json_get 'd["consent_marketing"]')" "True"

# --rejects writes the bad rows, CSV with the header and an error column.
printf 'user_id,name,phone,region\nR1,好,13800138000,530102\nR2,"坏,\n行",123,530102\nR3,x,13800138000,99\n' > "$T/r.csv"
as user import --skip-bad --rejects "$T/rejects.csv" "$T/r.csv"
expect_rc "--rejects with --skip-bad" 0
cat > "$T/want.csv" <<'CSV'
user_id,name,phone,region,error
R2,"坏,
行",123,530102,"phone: '123' is not a mainland mobile number (11 digits from 13x to 19x, optional +86)"
R3,x,13800138000,99,"region: '99' is not an administrative division code (6 digits, e.g. 530102)"
CSV
expect_eq "the rejects file" "$(cat "$T/rejects.csv")" "$(cat "$T/want.csv")"
python3 -c 'import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline=""))); assert len(rows)==3 and rows[0][-1]=="error" and all(len(r)==5 for r in rows), rows' "$T/rejects.csv" \
    && pass "the rejects file is CSV a reader accepts" || fail "the rejects file is CSV a reader accepts"
as user import --rejects "$T/no/such/dir/rejects.csv" "$T/r.csv"
expect_rc "--rejects into a missing directory" 73
printf '{"user_id":"J9","name":"x","phone":"1"}\n' > "$T/r.jsonl"
as user import --jsonl --skip-bad --rejects "$T/rejects.jsonl" "$T/r.jsonl"
expect_eq "JSON Lines rejects are the lines as read" "$(cat "$T/rejects.jsonl")" '{"user_id":"J9","name":"x","phone":"1"}'

# Excel's "Unicode text": UTF-16LE with a byte order mark, TAB-separated.
printf 'user_id\tname\tphone\tregion\r\nW1\t王五\t13700137000\t530102\r\nW2\t赵六 😀\t13600136000\t530102\r\n' \
    | iconv -f UTF-8 -t UTF-16LE | { printf '\xff\xfe'; cat; } > "$T/u16le.txt"
as user import "$T/u16le.txt"
expect_rc "UTF-16LE with a BOM and tabs imports" 0
as --format json user show W2
expect_eq "UTF-16 decoded (with a surrogate pair)" "$(json_get 'd["name"]')" "赵六 😀"
printf 'user_id\tname\tphone\tregion\nW3\tx\t13500135000\t530102\n' \
    | iconv -f UTF-8 -t UTF-16BE | { printf '\xfe\xff'; cat; } > "$T/u16be.txt"
as user import "$T/u16be.txt"
expect_rc "UTF-16BE with a BOM imports" 0
printf 'user_id;name;phone;region\nS1;"a;b";13400134000;530102\n' > "$T/semi.csv"
as user import "$T/semi.csv"
expect_rc "a semicolon header is read with ';'" 0
as --format json user show S1
expect_eq "a quoted ';' stays in the cell" "$(json_get 'd["name"]')" "a;b"
printf 'user_id|name|phone|region\nP1|x|13300133000|530102\n' > "$T/pipe.csv"
as user import "$T/pipe.csv"
expect_rc "'|' is not guessed" 65
as user import --delimiter pipe "$T/pipe.csv"
expect_rc "--delimiter pipe" 0
as user import --delimiter colon "$T/pipe.csv"
expect_rc "an unknown --delimiter is a usage error" 64
expect_err_has "… naming the option" "--delimiter: 'colon' is not one of"
as user import --jsonl --delimiter tab "$T/r.jsonl"
expect_rc "--delimiter with --jsonl is a usage error" 64
# A rejects file of a TAB-separated input is TAB-separated.
printf 'user_id\tname\tphone\tregion\nT1\tx\t123\t530102\n' > "$T/tab-bad.txt"
as user import --skip-bad --rejects "$T/tab-rejects.txt" "$T/tab-bad.txt"
expect_eq "TAB rejects keep the TAB" "$(head -1 "$T/tab-rejects.txt")" "$(printf 'user_id\tname\tphone\tregion\terror')"
# The same key twice in one file is reported with both lines, not updated.
printf 'user_id,name,phone,region\nD1,a,13800138001,530102\nD2,b,13800138002,530102\nD1,c,13800138003,530102\n' > "$T/dup.csv"
as user import "$T/dup.csv"
expect_rc "a key twice in one file is bad data" 65
expect_err_has "… reported at the later line, naming the first" "dup.csv:4: user_id: 'D1' is also on line 2"
as user show D1
expect_rc "… and nothing was imported" 1
# The wrong-encoding hint is given once per file.
printf 'user_id,name,phone,region\nG1,\xd5\xc5,13800138004,530102\nG2,\xc0\xee,13800138005,530102\n' > "$T/gbk2.csv"
as user import --skip-bad "$T/gbk2.csv"
expect_eq "the encoding hint once" "$(grep -c 'try --encoding gb18030' <<<"$ERR")" 1
expect_eq "… for two bad rows" "$(grep -c 'invalid UTF-8' <<<"$ERR")" 2

# --jobs: the same outcome, messages and rejects file for any number of
# threads, over enough rows to fill several batches (512 rows each).
big="$T/big.csv"
awk 'BEGIN { print "user_id,name,phone,region,consent_marketing"
    for (i = 1; i <= 3000; i++) {
        if (i % 211 == 0) printf "J%d,n%d,1380013%04d,530102\n", i, i, i
        else if (i % 97 == 0) printf "J%d,n%d,12345,530102,yes\n", i, i
        else if (i % 101 == 0) printf "J%d,n%d,1380013%04d,530102,perhaps\n", i - 1, i, i
        else printf "J%d,n%d,1380013%04d,530102,%s\n", i, i, i % 10000, i % 2 ? "yes" : "no" } }' > "$big"
for j in 1 2 5; do
    rm -f "$T/big$j.db"
    as --db "$T/big$j.db" init
    as --db "$T/big$j.db" user import --jobs $j --skip-bad --rejects "$T/big-rejects$j.csv" "$big"
    expect_rc "--jobs $j" 0
    expect_err_has "--jobs $j: the summary" "inserted 2927, updated 0, unchanged 0, rejected 73"
    printf '%s\n' "$ERR" > "$T/big-err$j.txt"
    as --db "$T/big$j.db" --format tsv user list --limit 5000 --reveal
    cut -f1-8 <<<"$OUT" > "$T/big-list$j.txt"
    expect_eq "--jobs $j: every user counted as inserted is there" \
        "$(tail -n +2 "$T/big-list$j.txt" | wc -l)" 2927
done
for j in 2 5; do
    expect_eq "--jobs $j: the same messages in the same order as --jobs 1" \
        "$(cat "$T/big-err$j.txt")" "$(cat "$T/big-err1.txt")"
    expect_eq "--jobs $j: the same rejects file" "$(cat "$T/big-rejects$j.csv")" \
        "$(cat "$T/big-rejects1.csv")"
    expect_eq "--jobs $j: the same users" "$(cat "$T/big-list$j.txt")" "$(cat "$T/big-list1.txt")"
done
as --db "$T/big1.db" user import --jobs 2 "$big"
expect_rc "--jobs 2 without --skip-bad: all or nothing" 65
expect_err_has "… nothing imported" "73 of 3000 rows rejected; nothing imported"
# Rows go in 64 to a statement; a group that meets a stored id is undone
# and its rows go one by one.  A file mixing stored and new ids (and a
# changed one) counts each row as before, whatever the grouping.
rm -f "$T/mix.db"
as --db "$T/mix.db" init
awk 'BEGIN { print "user_id,name,phone,region"
    for (i = 1; i <= 150; i++) printf "M%03d,m%d,1380014%04d,530102\n", i * 2, i, i }' > "$T/mix1.csv"
as --db "$T/mix.db" user import "$T/mix1.csv"
expect_err_has "mixed ids: the first file" "inserted 150, updated 0, unchanged 0, rejected 0"
awk 'BEGIN { print "user_id,name,phone,region"
    for (i = 1; i <= 300; i++) {
        name = (i == 150) ? "changed" : sprintf("m%d", int(i / 2))
        if (i % 2 == 0) printf "M%03d,%s,1380014%04d,530102\n", i, name, i / 2
        else printf "M%03d,n%d,1380015%04d,110105\n", i, i, i } }' > "$T/mix2.csv"
as --db "$T/mix.db" user import "$T/mix2.csv"
expect_err_has "mixed ids: new inserted, stored unchanged, one updated" \
    "inserted 150, updated 1, unchanged 149, rejected 0"
as --db "$T/mix.db" --format json user show M150 --reveal
expect_eq "… the changed one" "$(json_get 'd["name"]')" "changed"
as --db "$T/mix.db" --format json user show M151 --reveal
expect_eq "… a new one between stored ones" "$(json_get 'd["name"]')" "n151"
as --db "$T/mix.db" --format tsv user list --limit 1000
expect_eq "… 300 users" "$(tail -n +2 <<<"$OUT" | wc -l)" 300

as user import --jobs 65 "$big"
expect_rc "--jobs above 64" 64
expect_err_has "… names the option" "--jobs"

as user import
expect_rc "import needs a file" 64
as user import a.csv b.csv
expect_rc "import takes one file" 64

finish
