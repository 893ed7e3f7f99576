#!/usr/bin/env bash
# options.sh - the one option layer, walked table-driven over every command.
#
# 'aftersales help --options' lists each command's options with their kind;
# for every option this script gives a malformed value of that kind and
# expects exit 64 with a message naming the option as typed.  Every command
# answers --help with its usage, and global options work before and after
# the command.
. "$TESTS_DIR/cli/lib.sh"

as help --options
expect_rc "help --options" 0
TABLE=$OUT
[ "$(awk -F'\t' '$3 == "command"' <<<"$TABLE" | wc -l)" -gt 50 ] && pass "the table lists the commands" \
    || fail "the table lists the commands"

# bad_value KIND DETAIL: a malformed value for an option of KIND.
bad_value() {
    case $1 in
    integer) echo "12x" ;;
    number) echo "1.5.2" ;;
    time) echo "2026-13-45" ;;
    duration) echo "5 fortnights" ;;
    choice) echo "no-such-choice" ;;
    yesno) echo "maybe" ;;
    text|text-list) printf 'bad\xffutf8' ;;
    phone) echo "1380013800" ;;
    region) echo "99" ;;
    plate) echo "not a plate" ;;
    grade) echo "91" ;;
    quiet-hours) echo "25:00-08:00" ;;
    tracking) echo "000000001" ;;
    id) echo "has space" ;;
    litres) echo "0" ;;
    yuan) echo "12.345" ;;
    service) echo "桑拿" ;;
    services) echo "洗车,桑拿" ;;
    point) echo "95,200" ;;
    level) echo "120%" ;;
    *) echo "" ;;
    esac
}

# out_of_range DETAIL: a value below the minimum of "MIN..MAX", if any.
below_min() {
    local min=${1%%..*}
    [[ "$min" =~ ^-?[0-9]+$ ]] && [ "$min" -gt -1000000000 ] && echo $((min - 1))
}

checked=0
while IFS=$'\t' read -r cmd opt kind metavar detail required; do
    [ "$kind" = command ] && continue
    [[ "$opt" == --* ]] || continue
    read -ra words <<<"$cmd"
    if [ "$kind" = flag ]; then
        as "${words[@]}" "$opt=yes"
        expect_rc "$cmd $opt=yes is a usage error" 64
        expect_err_has "$cmd $opt=yes names the option" "$opt"
        checked=$((checked + 1))
        continue
    fi
    bad=$(bad_value "$kind")
    if [ -z "$bad" ]; then
        fail "$cmd $opt: a bad value for kind '$kind'" "no bad value known for this kind"
        continue
    fi
    as "${words[@]}" "$opt" "$bad"
    expect_rc "$cmd $opt '$bad' is a usage error" 64
    expect_err_has "$cmd $opt '$bad' names the option" "$opt"
    as "${words[@]}" "$opt"
    expect_rc "$cmd $opt without its value is a usage error" 64
    if [ "$kind" = integer ] || [ "$kind" = duration ]; then
        low=$(below_min "$detail")
        if [ -n "$low" ] && [ "$kind" = integer ]; then
            as "${words[@]}" "$opt=$low"
            expect_rc "$cmd $opt=$low (below $detail) is a usage error" 64
        fi
    fi
    checked=$((checked + 1))
done <<<"$TABLE"
[ "$checked" -gt 100 ] && pass "checked $checked options" || fail "checked $checked options (too few)"

# Every command: --help prints its usage on stdout and exits 0; an unknown
# option is 64.
while IFS=$'\t' read -r cmd opt kind _; do
    [ "$kind" = command ] || continue
    read -ra words <<<"$cmd"
    as "${words[@]}" --help
    expect_rc "$cmd --help" 0
    [[ "$OUT" == "usage: aftersales"*"$cmd"* || "$OUT" == "usage: aftersales [--db PATH] $cmd"* ]] \
        && pass "$cmd --help shows its usage" || fail "$cmd --help shows its usage"
    as "${words[@]}" --no-such-option
    expect_rc "$cmd --no-such-option" 64
    expect_err_has "$cmd --no-such-option is named" "unknown option '--no-such-option'"
done <<<"$TABLE"

# Global options before and after the command, and between group and
# subcommand.
as --db "$T/g.db" init
expect_rc "init with --db before" 0
as init --db "$T/g2.db" --format json
expect_rc "init with --db and --format after" 0
expect_json "--format after the command gives JSON"
[ -f "$T/g2.db" ] && pass "--db after the command is used" || fail "--db after the command is used"
as --db "$T/g2.db" check --format=jsonl
expect_rc "--format=jsonl after" 0
expect_json "--format=jsonl after gives JSON Lines" jsonl
as rules --format json check
expect_rc "a global option between group and subcommand" 0
expect_json "… and it applies"
as init --format yaml
expect_rc "a bad --format after the command" 64
expect_err_has "… names --format" "--format"
as init --busy-timeout
expect_rc "--busy-timeout without its value" 64
as --format-version
expect_rc "--format-version" 0
expect_eq "--format-version prints the contract version" "$OUT" \
    "$(sed -n 's/^# aftersales JSON output — format version \([0-9]*\)$/\1/p' "$TESTS_DIR/../docs/json.md")"
# "--" ends the options: what follows is an argument even if it looks like one.
as backup -- --force
[ "$RC" -ne 64 ] && pass "-- ends the options" || fail "-- ends the options"
finish
