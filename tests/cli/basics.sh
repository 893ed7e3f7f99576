#!/usr/bin/env bash
# basics.sh - help on every command, version, init, choosing the database.
. "$(dirname "$0")/lib.sh"

as --help
expect_rc "--help exits 0" 0
expect_out_has "--help lists commands" "vehicle    vehicles and their odometer readings"
expect_out_has "--help lists exit codes" "75 busy (retry)"

as --version
expect_rc "--version exits 0" 0
[[ "$OUT" =~ ^aftersales\ [0-9]+\.[0-9]+\.[0-9]+\ \(schema\ [0-9]+,\ format\ [0-9]+\)$ ]] && pass "--version format" || fail "--version format"

as
expect_rc "no command is a usage error" 64
expect_err_has "no command prints usage" "usage: aftersales"

as frobnicate
expect_rc "unknown command" 64
expect_err_has "unknown command is named" "aftersales: unknown command 'frobnicate'"

as --format yaml user list
expect_rc "unknown format" 64

as --db
expect_rc "--db without a value" 64

as --busy-timeout soon user list
expect_rc "--busy-timeout must be a number" 64

# Every command and subcommand answers --help on stdout with exit 0.
for cmd in "init" "user" "vehicle" \
           "user add" "user update" "user show" "user list" "user import" "user forget" \
           "vehicle add" "vehicle show" "vehicle list" "vehicle odometer" "vehicle readings"; do
    # shellcheck disable=SC2086
    as $cmd --help
    if [ "$RC" -eq 0 ] && [[ "$OUT" == usage:* ]]; then pass "$cmd --help"; else fail "$cmd --help"; fi
done
# Every command group is listed in --help, and every subcommand that a
# group's help lists answers --help with a usage line and exit 0.
groups="init user vehicle fuel profile remind outbox feedback demand sentiment ticket sla survey report calendar kb package rules backup check"
as --help
for g in $groups; do
    [[ "$OUT" == *"  $g "* ]] && pass "--help lists $g" || fail "--help lists $g"
done
# Only init, backup and check have no subcommands: for every other group an
# empty list (a help text the awk no longer matches) is a failure, not a
# loop that runs zero times.
for g in $groups; do
    subs=$("$AFTERSALES" "$g" --help 2>/dev/null | awk -v g="$g" '$1 == g && NF >= 2 { print $2 }')
    case " init backup check " in
        *" $g "*) expect_eq "$g has no subcommands" "$subs" "" ;;
        *) if [ -n "$subs" ]; then pass "$g --help lists subcommands"; else fail "$g --help lists subcommands"; fi ;;
    esac
    # Under valgrind the first and the last of a group are enough: every
    # subcommand's help goes through the same parser, and the plain and
    # sanitizer runs check them all (one process each under valgrind costs
    # most of a second, a hundred of them the longest test of the run).
    if [ "${AFTERSALES_VALGRIND:-0}" = 1 ] && [ -n "$subs" ]; then
        subs=$(printf '%s\n' $subs | sed -n '1p;$p' | sort -u)
    fi
    for sub in $subs; do
        as "$g" "$sub" --help
        if [ "$RC" -eq 0 ] && [[ "$OUT" == usage:* ]]; then pass "$g $sub --help"; else fail "$g $sub --help"; fi
    done
done

as help user
expect_rc "help user" 0
expect_out_has "help user lists subcommands" "user import"
as help nosuch
expect_rc "help for an unknown command" 64

as user
expect_rc "a group without a subcommand is a usage error" 64
as user frob
expect_rc "unknown subcommand" 64
expect_err_has "unknown subcommand is named" "aftersales user: unknown command 'frob'"

# init creates a private file, twice is harmless.
as init
expect_rc "init" 0
expect_out_has "init prints the schema version" "schema_version:"
mode=$(stat -c %a "$AFTERSALES_DB")
expect_eq "the database is readable by its owner only" "$mode" "600"
as init
expect_rc "init twice" 0
as --format json init
expect_json "init --format json"

as init extra
expect_rc "init takes no arguments" 64

# The database: --db, then $AFTERSALES_DB, then ./aftersales.db.
as --db "$T/other.db" init
expect_rc "--db PATH" 0
[ -f "$T/other.db" ] && pass "--db created the file" || fail "--db created the file"
as --db="$T/third.db" init
[ -f "$T/third.db" ] && pass "--db=PATH" || fail "--db=PATH"
(cd "$T" && unset AFTERSALES_DB && "$AFTERSALES" init >/dev/null 2>&1)
[ -f "$T/aftersales.db" ] && pass "default ./aftersales.db" || fail "default ./aftersales.db"

finish
