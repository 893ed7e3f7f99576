# lib.sh - a small harness for the CLI tests (sourced by each script).
#
# Each script runs the real binary ($AFTERSALES) on temporary databases
# and compares its output, with volatile fields (timestamps) masked.
# It prints "ok"/"FAIL" per check and ends with "N passed, N failed".

set -u
: "${AFTERSALES:?set AFTERSALES to the aftersales binary}"
AFTERSALES=$(realpath "$AFTERSALES")
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

T=$(mktemp -d "${TMPDIR:-/tmp}/as-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
export AFTERSALES_DB="$T/test.db"
export LC_ALL=C.UTF-8

passed=0
failed=0
OUT=""
ERR=""
RC=0

# run CMD...: run it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
    "$@" >"$T/.out" 2>"$T/.err"
    RC=$?
    OUT=$(cat "$T/.out")
    ERR=$(cat "$T/.err")
}

# Under the meson test setup 'valgrind' (AFTERSALES_VALGRIND=1) every
# command runs in valgrind; reports go to $VALGRIND_LOG_DIR (scripts/test-all
# fails on any non-empty one).
WRAP=()
if [ "${AFTERSALES_VALGRIND:-0}" = 1 ]; then
    WRAP=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
          --errors-for-leak-kinds=definite,indirect --log-file="${VALGRIND_LOG_DIR:-$T}/vg.%p")
fi

# as ARGS...: run the aftersales binary.
as() { run "${WRAP[@]}" "$AFTERSALES" "$@"; }

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL - $1"
    shift
    for line in "$@"; do echo "    $line"; done
    echo "    status: $RC"
    echo "    stdout: $(printf '%s' "$OUT" | head -c 2000)"
    echo "    stderr: $(printf '%s' "$ERR" | head -c 2000)"
}

# expect_rc NAME CODE: the last command exited with CODE.
expect_rc() {
    if [ "$RC" -eq "$2" ]; then pass "$1"; else fail "$1" "expected status $2"; fi
}

# Mask volatile values: ISO 8601 timestamps within a day of now (the
# created_at of this run).  Fixed times in the test data stay visible.
mask() {
    python3 -c '
import re, sys, time
from datetime import datetime
now = time.time()
def sub(m):
    t = datetime.fromisoformat(m.group(0)).timestamp()
    return "<TIME>" if abs(t - now) < 86400 else m.group(0)
sys.stdout.write(re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}", sub, sys.stdin.read()))
'
}

# expect_out NAME TEXT: stdout (masked) equals TEXT.
expect_out() {
    local got
    got=$(printf '%s' "$OUT" | mask)
    if [ "$got" == "$2" ]; then pass "$1"; else fail "$1" "expected stdout:" "$2" "got:" "$got"; fi
}

# expect_err_has NAME TEXT: stderr contains TEXT.
expect_err_has() {
    if [[ "$ERR" == *"$2"* ]]; then pass "$1"; else fail "$1" "stderr lacks: $2"; fi
}

# expect_out_has NAME TEXT: stdout contains TEXT.
expect_out_has() {
    if [[ "$OUT" == *"$2"* ]]; then pass "$1"; else fail "$1" "stdout lacks: $2"; fi
}

# expect_json NAME: stdout parses as one JSON document (json) or one per line (jsonl).
expect_json() {
    local mode=${2:-json}
    if printf '%s' "$OUT" | python3 -c '
import json, sys
data = sys.stdin.read()
if sys.argv[1] == "jsonl":
    lines = data.splitlines()
    assert lines, "no lines"
    for l in lines:
        json.loads(l)
else:
    json.loads(data)
' "$mode" 2>"$T/.jerr"; then
        pass "$1"
    else
        fail "$1" "not valid $mode: $(cat "$T/.jerr" | tail -1)"
    fi
}

# json_get EXPR: evaluate a Python expression on the parsed stdout as `d`.
json_get() {
    printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print(eval(sys.argv[1]))
' "$1"
}

# expect_json_where NAME MODE EXPR [ARG...]: the last command exited 0, its
# stdout is not empty and parses as one JSON document (MODE json) or as one
# JSON value per line (MODE jsonl: `d` is then the list of the lines'
# values), and the Python expression EXPR on `d` is true.  The ARGs are in
# the list `a` (pass expected text this way, not inside EXPR).
expect_json_where() {
    local name=$1 mode=$2 expr=$3
    shift 3
    if [ "$RC" -ne 0 ]; then fail "$name" "expected status 0"; return; fi
    if printf '%s' "$OUT" | python3 -c '
import json, sys
mode, expr, a = sys.argv[1], sys.argv[2], sys.argv[3:]
data = sys.stdin.read()
if not data.strip():
    sys.exit("empty output")
if mode == "jsonl":
    d = [json.loads(l) for l in data.split("\n")]
else:
    d = json.loads(data)
if not eval(expr):
    sys.exit("false: " + expr)
' "$mode" "$expr" "$@" 2>"$T/.jerr"; then
        pass "$name"
    else
        fail "$name" "$(tail -1 "$T/.jerr")"
    fi
}

# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "expected: $3" "got: $2"; fi
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
