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

for cmd in "user list" "user show J1" "user show J2" "user show J3" "vehicle list" "init"; do
    # shellcheck disable=SC2086
    as --format json $cmd
    expect_json "json: $cmd"
    # shellcheck disable=SC2086
    as --format jsonl $cmd
    [ -z "$OUT" ] && [ "$cmd" = "vehicle list" ] && { pass "jsonl: $cmd (empty)"; continue; }
    expect_json "jsonl: $cmd" jsonl
done

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
expect_eq "json: an empty list is []" "$OUT" "[]"
as --format jsonl user list --region 110000
expect_eq "jsonl: an empty list is nothing" "$OUT" ""

finish
