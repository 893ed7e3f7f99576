#!/usr/bin/env bash
# json.sh - JSON and JSON Lines are always valid, whatever the names hold;
# TSV and text never break a line.
. "$(dirname "$0")/lib.sh"

as init
names=(
    'Quote "double" and \backslash\'
    "$(printf 'Tab\there, newline\nthere, bell\a, escape\033[31m, DEL\177')"
    "$(printf 'C1 control \xc2\x85 and line separator \xe2\x80\xa8')"
    '表情 😀🚗⛽ and 𠀀'
    '</script><b>html</b> & stuff'
    "Robert'); DROP TABLE users;--"
)
i=0
for n in "${names[@]}"; do
    i=$((i + 1))
    as user add --id "J$i" --name "$n" --phone 1380013800$i --region 530102
    expect_rc "add a hostile name $i" 0
done

as vehicle add --user J2 --plate "云a 12345" --grade 95
expect_rc "add a vehicle" 0

# Every JSON check: status 0, output not empty, it parses, and it holds
# what was written (no command may pass by printing nothing).
ids='[f"J{i}" for i in range(1, len(a) + 1)]'
as --format json user list
expect_json_where "json: user list" json \
    "isinstance(d, list) and [u['user_id'] for u in d] == $ids and [u['name'] for u in d] == a" "${names[@]}"
as --format jsonl user list
expect_json_where "jsonl: user list" jsonl \
    "[u['user_id'] for u in d] == $ids and [u['name'] for u in d] == a" "${names[@]}"
for i in 1 2 3; do
    as --format json user show "J$i"
    expect_json_where "json: user show J$i" json \
        "isinstance(d, dict) and d['user_id'] == a[0] and d['name'] == a[1]" "J$i" "${names[i - 1]}"
    as --format jsonl user show "J$i"
    expect_json_where "jsonl: user show J$i" jsonl \
        "len(d) == 1 and d[0]['user_id'] == a[0] and d[0]['name'] == a[1]" "J$i" "${names[i - 1]}"
done
vehicle='[(v["plate"], v["user_id"], v["grade"]) for v in X] == [("云A12345", "J2", "95")]'
as --format json vehicle list
expect_json_where "json: vehicle list" json "isinstance(d, list) and ${vehicle/X/d}"
as --format jsonl vehicle list
expect_json_where "jsonl: vehicle list" jsonl "${vehicle/X/d}"
init='d["path"] == a[0] and type(d["schema_version"]) is int and d["schema_version"] > 0'
as --format json init
expect_json_where "json: init" json "isinstance(d, dict) and $init" "$AFTERSALES_DB"
as --format jsonl init
expect_json_where "jsonl: init" jsonl "len(d) == 1 and ${init//d\[/d[0][}" "$AFTERSALES_DB"

as --format json user list
got=$(printf '%s' "$OUT" | python3 -c '
import json, sys
for u in json.load(sys.stdin):
    sys.stdout.write(u["name"] + "\x00")
' | od -An -tx1 | tr -d ' \n')
want=$(for n in "${names[@]}"; do printf '%s\0' "$n"; done | od -An -tx1 | tr -d ' \n')
expect_eq "json round-trips every name byte for byte" "$got" "$want"

as --format tsv user list
lines=$(printf '%s\n' "$OUT" | wc -l)
expect_eq "tsv: one line per user plus the header" "$lines" "$((${#names[@]} + 1))"
bad=$(printf '%s\n' "$OUT" | awk -F'\t' '{print NF}' | sort -u | tr '\n' ' ')
expect_eq "tsv: every line has 11 columns" "$bad" "11 "

as user list
lines=$(printf '%s\n' "$OUT" | wc -l)
expect_eq "text: one line per user plus the header" "$lines" "$((${#names[@]} + 1))"
if printf '%s' "$OUT" | grep -q $'\033'; then fail "text: no raw escape characters"; else pass "text: no raw escape characters"; fi

as --format json user list --region 110000
expect_rc "json: an empty list succeeds" 0
expect_eq "json: an empty list is []" "$OUT" "[]"
as --format jsonl user list --region 110000
expect_rc "jsonl: an empty list succeeds" 0
expect_eq "jsonl: an empty list is nothing" "$OUT" ""

finish
