#!/usr/bin/env bash
# bench/report.sh - time the HTML report (`aftersales report html`) of a
# month over a database of a million fueling records with feedback,
# tickets and notifications beside them, against bare SQL aggregates of the
# same rows in the same run.
#
# A benchmark reports; it does not gate: the exit status is 0 whatever the
# numbers, non-zero only when a command fails or the page is wrong.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: bench/report.sh [-n RECORDS] [-r REPS] [-b BUILD_DIR] [-k FILE] [-h]

Generate with SQL (not timed) RECORDS fueling records over 200 stations and
3 grades in one month, RECORDS/4 feedback rows (a fifth of them negative
comments), RECORDS/10 tickets and RECORDS/10 notifications.  Then time
(median of REPS runs):
  baseline   sqlite3: the aggregates the page shows (fueling by week,
             station and grade; feedback by week, dimension and station;
             tickets by level, category, channel and station; notifications
             by kind and status), each one GROUP BY over the month
  page       aftersales report html --from MONTH --to NEXT -o FILE
  fuel       aftersales report fuel --by station (one section's command)
Prints seconds per 1M fueling records and the ratio page / baseline.

  -n RECORDS    fueling records (default 1000000)
  -r REPS       timed runs (default 3)
  -b BUILD_DIR  meson build directory holding cli/aftersales (default: build/)
  -k FILE       keep the generated database as FILE
  -h            this text

Target: the page of a 1M-record database in seconds (< 5 s).  Needs bash,
sqlite3 (3.38 or later: generate_series), python3 and xmllint.
USAGE
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
rows=1000000
reps=3
build_dir="$repo_root/build"
keep=
while getopts ':n:r:b:k:h' opt; do
    case $opt in
        n) rows=$OPTARG ;;
        r) reps=$OPTARG ;;
        b) build_dir=$OPTARG ;;
        k) keep=$OPTARG ;;
        h) usage; exit 0 ;;
        :) echo "report.sh: -$OPTARG needs a value" >&2; usage >&2; exit 64 ;;
        *) echo "report.sh: unknown option -$OPTARG" >&2; usage >&2; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
(($# == 0)) || { echo "report.sh: unexpected argument '$1'" >&2; exit 64; }
[[ $rows =~ ^[1-9][0-9]*$ ]] || { echo "report.sh: -n wants a positive integer" >&2; exit 64; }
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "report.sh: -r wants a positive integer" >&2; exit 64; }
aftersales="$build_dir/cli/aftersales"
[[ -x $aftersales ]] || { echo "report.sh: $aftersales not found; build first" >&2; exit 66; }
aftersales=$(cd -- "$(dirname -- "$aftersales")" && pwd)/aftersales
command -v sqlite3 >/dev/null || { echo "report.sh: sqlite3 not found" >&2; exit 69; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aftersales-bench.XXXXXX")
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
trap 'rm -rf -- "$tmp"' EXIT
db="$tmp/r.db"
FROM=1761926400   # 2025-11-01T00:00:00+08:00
TO=1764518400     # 2025-12-01T00:00:00+08:00
SPAN=$((TO - FROM))
fb=$((rows / 4)) tk=$((rows / 10)) ob=$((rows / 10))
((fb > 0)) || fb=1
((tk > 0)) || tk=1
((ob > 0)) || ob=1

fail() { echo "report.sh: $*" >&2; exit 1; }

# ---- data (not timed) ----------------------------------------------------
echo "generating $rows fueling records, $fb feedback rows, $tk tickets, $ob notifications ..." >&2
"$aftersales" --db "$db" init >/dev/null || fail "init failed"
sqlite3 "$db" >/dev/null <<SQL || fail "generating the data failed"
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO users (user_id, name, phone, created_at, updated_at)
SELECT printf('U%06d', value), 'bench', printf('138%08d', value), $FROM, $FROM
FROM generate_series(1, 100000);
INSERT INTO fuelings (tx_id, user_id, station_id, station_region, filled_at, grade, litres_ml, amount_fen)
SELECT printf('T%09d', value), printf('U%06d', 1 + value % 100000), printf('S%03d', value % 200),
    '530102', $FROM + (value * 7919) % $SPAN,
    CASE value % 3 WHEN 0 THEN '92' WHEN 1 THEN '95' ELSE '0' END,
    20000 + value % 40000, 15000 + value % 30000
FROM generate_series(1, $rows);
INSERT INTO feedback (feedback_id, user_id, station_id, submitted_at, channel, kind, overall, stars,
    comment, score, sentiment, sentiment_label, urgency, created_at, updated_at)
SELECT printf('F%09d', value), printf('U%06d', 1 + value % 100000), printf('S%03d', value % 200),
    $FROM + (value * 104729) % $SPAN, 'app',
    CASE WHEN value % 5 = 0 THEN 'complaint' ELSE 'praise' END,
    1 + value % 5,
    json_object('service', 1 + value % 5, 'payment', 1 + (value / 5) % 5),
    CASE WHEN value % 5 = 0 THEN '排队太久，服务态度很差，很失望' ELSE '加油很方便，服务热情' END,
    1 + value % 5,
    CASE WHEN value % 5 = 0 THEN -0.6 ELSE 0.7 END,
    CASE WHEN value % 5 = 0 THEN -1 ELSE 1 END,
    CASE WHEN value % 50 = 0 THEN 3 ELSE 0 END, $FROM, $FROM
FROM generate_series(1, $fb);
INSERT INTO tickets (id, tracking, user_id, channel, category, subject, body, severity, queue,
    assignee, status, created_at, updated_at, calendar, frt_target, res_target,
    first_response_at, frt_met, frt_used, resolved_at, res_met, res_used, resolutions, station_id)
SELECT value, printf('%09d', value), printf('U%06d', 1 + value % 100000),
    CASE value % 5 WHEN 0 THEN 'app' WHEN 1 THEN 'phone' WHEN 2 THEN 'wechat' WHEN 3 THEN 'web' ELSE 'station' END,
    CASE value % 4 WHEN 0 THEN 'payment' WHEN 1 THEN 'coupon' WHEN 2 THEN 'invoice' ELSE 'service' END,
    's', 'b', CASE WHEN value % 10 = 0 THEN 'urgent' ELSE 'normal' END,
    CASE value % 3 WHEN 0 THEN 'payment' WHEN 1 THEN 'general' ELSE 'station' END,
    printf('agent%02d', value % 50),
    CASE WHEN value % 3 = 0 THEN 'in_progress' ELSE 'resolved' END,
    $FROM + (value * 6151) % $SPAN, $FROM, 'standard', 7200, 86400,
    $FROM + (value * 6151) % $SPAN + 600, value % 7 <> 0, 5 + value % 240,
    CASE WHEN value % 3 = 0 THEN NULL ELSE $FROM + (value * 6151) % $SPAN + 7200 END,
    CASE WHEN value % 3 = 0 THEN NULL ELSE value % 11 <> 0 END,
    CASE WHEN value % 3 = 0 THEN NULL ELSE 60 + value % 3000 END,
    CASE WHEN value % 3 = 0 THEN 0 ELSE 1 END,
    printf('S%03d', value % 200)
FROM generate_series(1, $tk);
INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, created_at, not_before,
    status, sent_at)
SELECT printf('U%06d', 1 + value % 100000),
    CASE value % 4 WHEN 0 THEN 'refuel' WHEN 1 THEN 'maintenance' WHEN 2 THEN 'winback' ELSE 'tip' END,
    printf('k%09d', value), 1, 't', 'b', $FROM + (value * 3571) % $SPAN, $FROM + (value * 3571) % $SPAN,
    CASE value % 10 WHEN 0 THEN 'dead' WHEN 1 THEN 'suppressed' WHEN 2 THEN 'expired'
         WHEN 3 THEN 'pending' ELSE 'sent' END,
    CASE WHEN value % 10 > 3 THEN $FROM + (value * 3571) % $SPAN + 30 END
FROM generate_series(1, $ob);
COMMIT;
ANALYZE;
SQL
n=$(sqlite3 "$db" "SELECT count(*) FROM fuelings")
[[ $n == "$rows" ]] || fail "generated $n fueling records, expected $rows"
echo "$(du -h "$db" | cut -f1) database" >&2
if [[ -n $keep ]]; then cp -- "$db" "$keep" || fail "cannot keep the database as $keep"; fi

# The bare aggregates: what the page's tables hold, grouped in SQL alone.
cat >"$tmp/baseline.sql" <<SQL
SELECT (filled_at + 28800 - 345600) / 604800, count(*), sum(litres_ml), sum(amount_fen)
  FROM fuelings WHERE filled_at >= $FROM AND filled_at < $TO GROUP BY 1;
SELECT station_id, count(*), count(DISTINCT user_id), sum(litres_ml), sum(amount_fen)
  FROM fuelings WHERE filled_at >= $FROM AND filled_at < $TO GROUP BY 1;
SELECT grade, count(*), count(DISTINCT user_id), sum(litres_ml), sum(amount_fen)
  FROM fuelings WHERE filled_at >= $FROM AND filled_at < $TO GROUP BY 1;
SELECT (submitted_at + 28800 - 345600) / 604800, count(*), avg(score), sum(sentiment_label = -1)
  FROM feedback WHERE submitted_at >= $FROM AND submitted_at < $TO GROUP BY 1;
SELECT station_id, count(*), avg(score) FROM feedback
  WHERE submitted_at >= $FROM AND submitted_at < $TO GROUP BY 1;
SELECT j.key, count(*), avg(j.value) FROM feedback, json_each(feedback.stars) j
  WHERE submitted_at >= $FROM AND submitted_at < $TO GROUP BY 1;
SELECT severity, count(*), avg(frt_met), avg(res_met) FROM tickets
  WHERE created_at >= $FROM AND created_at < $TO GROUP BY 1;
SELECT category, count(*) FROM tickets WHERE created_at >= $FROM AND created_at < $TO GROUP BY 1;
SELECT channel, count(*) FROM tickets WHERE created_at >= $FROM AND created_at < $TO GROUP BY 1;
SELECT station_id, count(*) FROM tickets WHERE created_at >= $FROM AND created_at < $TO GROUP BY 1;
SELECT kind, status, count(*) FROM outbox WHERE created_at >= $FROM AND created_at < $TO GROUP BY 1, 2;
SQL

# ---- timed runs --------------------------------------------------------------
base_t=() page_t=() page_c=() fuel_t=()
for ((i = 1; i <= reps; i++)); do
    timed sqlite3 "$db" <"$tmp/baseline.sql" >/dev/null || fail "baseline failed"
    base_t+=("$elapsed")
    timed "$aftersales" --db "$db" report html --from "@$FROM" --to "@$TO" -o "$tmp/r.html" >/dev/null ||
        fail "report html failed"
    page_t+=("$elapsed")
    page_c+=("$cpu")
    timed "$aftersales" --db "$db" --format tsv report fuel --by station --from "@$FROM" --to "@$TO" \
        >"$tmp/fuel.tsv" || fail "report fuel failed"
    fuel_t+=("$elapsed")
    echo "  run $i/$reps: baseline ${base_t[-1]} s, page ${page_t[-1]} s, fuel ${fuel_t[-1]} s" >&2
done
if command -v xmllint >/dev/null; then
    xmllint --noout "$tmp/r.html" || fail "the page is not well-formed"
fi
grep -q 'data-nodata=' "$tmp/r.html" && echo "note: a section says no data" >&2
stations=$(($(wc -l <"$tmp/fuel.tsv") - 1))
[[ $stations == 200 ]] || fail "report fuel listed $stations stations, expected 200"
bytes=$(stat -c %s "$tmp/r.html")

base=$(median "${base_t[@]}")
page=$(median "${page_t[@]}")
page_cpu=$(median "${page_c[@]}")
fuel=$(median "${fuel_t[@]}")
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
awk -v rows="$rows" -v reps="$reps" -v base="$base" -v page="$page" -v pc="$page_cpu" \
    -v fuel="$fuel" -v bytes="$bytes" -v load="$load" '
BEGIN {
    printf "\nHTML report benchmark: %d fueling records, median of %d run%s\n\n", rows, reps, (reps > 1 ? "s" : "")
    printf "%-46s %10s\n", "step", "seconds"
    printf "%-46s %10.3f\n", "baseline (the bare SQL aggregates)", base
    printf "%-46s %10.3f  (cpu %.2f s, %d bytes)\n", "report html (every section)", page, pc, bytes
    printf "%-46s %10.3f\n", "report fuel --by station", fuel
    printf "\n(load average at the end: %s)\n", load
    printf "\nreport html per 1M fueling records: %.3f s\n", page / (rows / 1e6)
    printf "ratio page / baseline: %.2f\n", page / base
    printf "target: the page of 1M records in under 5 s\n"
    printf "%s\n", (page / (rows / 1e6) < 5.0) ? "PASS" : "BELOW TARGET"
}'
