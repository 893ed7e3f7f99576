#!/usr/bin/env bash
# run_smoke.sh - bench/run works: a tiny scale of two benchmarks prints the
# table with their lines and writes results.json with the same lines.  It
# checks the runner, never the speed (benchmarks do not gate).
# usage: run_smoke.sh REPO_ROOT BUILD_DIR
set -uo pipefail
root=$1 build=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-run-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }

"$root/bench/run" --scale 0.001 --only user-import,tickets,report -b "$build" -o "$tmp/out" \
    >"$tmp/table" 2>"$tmp/err"
rc=$?
[[ $rc == 0 ]] && ok "runs" || { bad "runs (exit $rc)"; cat "$tmp/err"; }
for l in "user import" "sla check, first sweep" "report html" "peak RSS of an import"; do
    if grep -q "^$l " "$tmp/table"; then ok "table has '$l'"; else bad "table has '$l'"; fi
done
if grep -qE "^(user import|sla check, first sweep|report html) +failed" "$tmp/table"; then
    bad "every line has a value"; cat "$tmp/table"
else
    ok "every line has a value"
fi
python3 - "$tmp/out/results.json" <<'PY' && ok "results.json holds the lines" || bad "results.json holds the lines"
import json, sys
d = json.load(open(sys.argv[1]))
lines = {r["line"]: r for r in d["lines"]}
assert d["scale"] == 0.001, d["scale"]
assert isinstance(lines["user import"]["value"], float)
assert lines["sla check, first sweep"]["target"] == "< 0.3"
assert lines["user import"]["pass"] in (True, False)
PY
"$root/bench/run" --scale 0 -b "$build" >/dev/null 2>"$tmp/err0"
[[ $? == 64 ]] && ok "a bad scale is 64" || bad "a bad scale is 64"
"$root/bench/run" --only nothing -b "$build" >/dev/null 2>"$tmp/err1"
[[ $? == 64 ]] && grep -q "no benchmark 'nothing'" "$tmp/err1" && ok "an unknown benchmark is 64" ||
    bad "an unknown benchmark is 64"
echo "$((fails == 0 ? 1 : 0)) passed"
((fails == 0))
