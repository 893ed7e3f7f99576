#!/usr/bin/env bash
# contract.sh - every command's JSON output against docs/json.md.
#
# The parts in contract/*.sh (sourced in name order, each setting up the
# data it needs in one shared database) run every command with --format json
# (and, where running twice is harmless, --format jsonl) and check the output
# with jsonschema.py.  At the end every command that 'aftersales help
# --options' lists must be documented in docs/json.md and checked here.
. "$TESTS_DIR/cli/lib.sh"

DOC="$TESTS_DIR/../docs/json.md"
SCHEMA="$TESTS_DIR/cli/jsonschema.py"
declare -A COVERED=()

# check_schema NAME FORMAT: hold $OUT to NAME's documented shape.  An empty
# output passes only for a command documented as printing nothing, so every
# check here looks at real records.
check_schema() {
    local name=$1 fmt=$2
    if [ -z "$OUT" ] && ! grep -q "^    output: none" <<<"$(sed -n "/^### \`$name\`\$/,/^###/p" "$DOC")"; then
        fail "$name ($fmt) conforms" "no output to check"
    elif printf '%s' "$OUT" | python3 "$SCHEMA" "$DOC" "$name" "$fmt" 2>"$T/.schema"; then
        pass "$name ($fmt) conforms"
    else
        fail "$name ($fmt) conforms" "$(cat "$T/.schema")"
    fi
}

# contract_rc CODE NAME ARGS...: run 'aftersales --format json ARGS', expect
# exit CODE, and check the output against NAME's shape.
contract_rc() {
    local code=$1 name=$2
    shift 2
    as --format json "$@"
    if [ "$RC" -ne "$code" ]; then
        fail "$name (json) exits $code" "args: $*"
        return
    fi
    COVERED[$name]=1
    check_schema "$name" json
}

# contract NAME ARGS...: the same, expecting exit 0.
contract() { contract_rc 0 "$@"; }

# contract_both NAME ARGS...: json and jsonl, for commands that can run twice.
contract_both() {
    local name=$1
    shift
    contract "$name" "$@"
    as --format jsonl "$@"
    if [ "$RC" -ne 0 ]; then
        fail "$name (jsonl) exits 0" "args: $*"
        return
    fi
    check_schema "$name" jsonl
}

run python3 "$SCHEMA" "$DOC" --check-doc
expect_rc "docs/json.md parses" 0

# The parts to run: the arguments (names of contract/*.sh without .sh; CI
# runs the parts in two shards at once, each with 00-ops for its data), or
# all of them.  The coverage check below counts a command as checked when
# this run checked it, or when a part this run left out checks it (the other
# shard runs that part).
parts=("$@")
if [ ${#parts[@]} -eq 0 ]; then
    for part in "$TESTS_DIR"/cli/contract/*.sh; do
        parts+=("$(basename "$part" .sh)")
    done
fi
skipped=()
for part in "$TESTS_DIR"/cli/contract/*.sh; do
    name=$(basename "$part" .sh)
    [[ " ${parts[*]} " == *" $name "* ]] || skipped+=("$part")
done
for name in "${parts[@]}"; do
    [ -f "$TESTS_DIR/cli/contract/$name.sh" ] || { fail "contract part $name exists"; continue; }
    # shellcheck source=/dev/null
    . "$TESTS_DIR/cli/contract/$name.sh"
done

# checked_elsewhere CMD: a part this run left out checks CMD.
checked_elsewhere() {
    local part
    for part in "${skipped[@]}"; do
        grep -qE "^[[:space:]]*contract(_both|_rc [0-9]+)? (\"$1\"|$1)( |$)" "$part" && return 0
        grep -qF "COVERED[\"$1\"]=1" "$part" && return 0
    done
    return 1
}

# Coverage: every command documented and checked.
as help --options
expect_rc "help --options" 0
commands=$(printf '%s\n' "$OUT" | awk -F'\t' '$3 == "command" { print $1 }')
documented=$(python3 "$SCHEMA" "$DOC" --commands)
missing_doc="" missing_test=""
while IFS= read -r cmd; do
    [ -n "$cmd" ] || continue
    grep -qxF "$cmd" <<<"$documented" || missing_doc="$missing_doc [$cmd]"
    [ -n "${COVERED[$cmd]:-}" ] || checked_elsewhere "$cmd" || missing_test="$missing_test [$cmd]"
done <<<"$commands"
[ -n "$commands" ] && [ "$(wc -l <<<"$commands")" -gt 50 ] && pass "help --options lists the commands" \
    || fail "help --options lists the commands"
[ -z "$missing_doc" ] && pass "every command is in docs/json.md" \
    || fail "every command is in docs/json.md" "missing:$missing_doc"
[ -z "$missing_test" ] && pass "every command's JSON is checked" \
    || fail "every command's JSON is checked" "unchecked:$missing_test"
while IFS= read -r cmd; do
    grep -qxF "$cmd" <<<"$commands" || fail "documented command $cmd exists"
done <<<"$documented"
finish
