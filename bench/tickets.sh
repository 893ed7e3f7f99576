#!/usr/bin/env bash
# bench/tickets.sh - time the SLA sweep (`aftersales sla check`) and
# `aftersales ticket list --overdue` over a million tickets, beside a bare
# indexed SQL count of the same clocks in the same run.
#
# A benchmark reports; it does not gate: the exit status is 0 whatever the
# ratio, and non-zero only when a command fails or a count is wrong.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: bench/tickets.sh [-n TICKETS] [-r REPS] [-b BUILD_DIR] [-k FILE] [-h]

Generate TICKETS tickets with SQL (not timed) in mixed states: 80% open
(new, assigned, in_progress), 5% waiting on the customer (clocks paused),
10% resolved, 5% closed.  About 1% of the open resolution clocks are past
due and 0.5% at risk at the sweep time; 10% of the open tickets still wait
for a first response.  Then time (median of REPS runs where repeatable):
  baseline    sqlite3: SELECT count(*) FROM tickets WHERE sla_watch <= AT
  sweep #1    aftersales sla check --at AT  (records every escalation once)
  sweep       aftersales sla check --at AT  (again: records nothing, lists)
  overdue     aftersales ticket list --overdue --at AT
Output goes to /dev/null; counts are checked.

  -n TICKETS    tickets to generate (default 1000000)
  -r REPS       timed runs of the repeatable steps (default 3)
  -b BUILD_DIR  meson build directory holding cli/aftersales (default: build/)
  -k FILE       keep the generated database (before any sweep) as FILE
  -h            this text

Target: the sweep over 1M tickets under 1 s.  Needs bash, sqlite3, python3.
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
        :) echo "tickets.sh: -$OPTARG needs a value" >&2; usage >&2; exit 64 ;;
        *) echo "tickets.sh: unknown option -$OPTARG" >&2; usage >&2; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
(($# == 0)) || { echo "tickets.sh: unexpected argument '$1'" >&2; exit 64; }
[[ $rows =~ ^[1-9][0-9]*$ ]] || { echo "tickets.sh: -n wants a positive integer" >&2; exit 64; }
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "tickets.sh: -r wants a positive integer" >&2; exit 64; }
aftersales="$build_dir/cli/aftersales"
[[ -x $aftersales ]] || { echo "tickets.sh: $aftersales not found; build first" >&2; exit 66; }
aftersales=$(cd -- "$(dirname -- "$aftersales")" && pwd)/aftersales
command -v sqlite3 >/dev/null || { echo "tickets.sh: sqlite3 not found" >&2; exit 69; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aftersales-bench.XXXXXX")
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
trap 'rm -rf -- "$tmp"' EXIT
db="$tmp/t.db"
AT=1764000000   # 2025-11-25T00:00:00+08:00, the sweep time

fail() { echo "tickets.sh: $*" >&2; exit 1; }

# ---- data (not timed) ----------------------------------------------------
echo "generating $rows tickets ..." >&2
"$aftersales" --db "$db" init >/dev/null || fail "init failed"
sqlite3 "$db" >/dev/null <<SQL || fail "generating tickets failed"
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO users (user_id, name, phone, created_at, updated_at)
SELECT printf('U%06d', value), 'bench', printf('138%08d', value), $AT, $AT
FROM generate_series(1, 100000);
CREATE TEMP TABLE g AS
SELECT value AS id, abs(random()) % 100 AS kind, abs(random()) % 3600000 AS r1,
       abs(random()) % 100 AS fr, abs(random()) % 360000 AS r2
FROM generate_series(1, $rows);
INSERT INTO tickets (id, tracking, user_id, channel, category, subject, body, severity, queue,
    assignee, status, created_at, updated_at, calendar, frt_target, res_target,
    first_response_at, frt_met, frt_used,
    frt_due, frt_warn, res_due, res_warn, res_left, resolved_at, closed_at, res_met, res_used,
    resolutions, sla_watch)
SELECT id, printf('%09d', id), printf('U%06d', 1 + id % 100000),
    CASE id % 5 WHEN 0 THEN 'app' WHEN 1 THEN 'phone' WHEN 2 THEN 'wechat' WHEN 3 THEN 'web' ELSE 'station' END,
    'payment', '加油扣款问题', '同一笔订单重复扣款', 'normal',
    CASE id % 4 WHEN 0 THEN 'payment' WHEN 1 THEN 'general' WHEN 2 THEN 'billing' ELSE 'station' END,
    CASE WHEN kind < 20 THEN NULL ELSE printf('agent%02d', id % 50) END,
    CASE WHEN kind < 20 THEN 'new' WHEN kind < 50 THEN 'assigned' WHEN kind < 80 THEN 'in_progress'
         WHEN kind < 85 THEN 'waiting_customer' WHEN kind < 95 THEN 'resolved' ELSE 'closed' END,
    $AT - 86400 * 30 + id % (86400 * 30), $AT, 'standard', 7200, 86400,
    -- first response: 10% of the open tickets still wait for it
    CASE WHEN kind < 80 AND fr < 10 THEN NULL ELSE $AT - 86400 END,
    CASE WHEN kind < 80 AND fr < 10 THEN NULL ELSE 1 END,
    CASE WHEN kind < 80 AND fr < 10 THEN NULL ELSE 1800 END,
    CASE WHEN kind < 80 AND fr < 10 THEN $AT - 3600 + r2 END,
    CASE WHEN kind < 80 AND fr < 10 THEN $AT - 3600 + r2 - 1440 END,
    -- resolution: due from 10 h ago to ~990 h ahead
    CASE WHEN kind < 80 THEN $AT - 36000 + r1 END,
    CASE WHEN kind < 80 THEN $AT - 36000 + r1 - 17280 END,
    CASE WHEN kind >= 80 AND kind < 95 THEN 40000 END,
    CASE WHEN kind >= 85 THEN $AT - 86400 END,
    CASE WHEN kind >= 95 THEN $AT - 3600 END,
    CASE WHEN kind >= 85 THEN 1 END,
    CASE WHEN kind >= 85 THEN 40000 END,
    CASE WHEN kind >= 85 THEN 1 ELSE 0 END,
    NULL
FROM g;
UPDATE tickets SET sla_watch = min(coalesce(frt_warn, res_warn), coalesce(res_warn, frt_warn))
    WHERE res_warn IS NOT NULL OR frt_warn IS NOT NULL;
COMMIT;
ANALYZE;
SQL
n=$(sqlite3 "$db" "SELECT count(*) FROM tickets")
[[ $n == "$rows" ]] || fail "generated $n tickets, expected $rows"
open=$(sqlite3 "$db" "SELECT count(*) FROM tickets WHERE status IN ('new','assigned','in_progress','waiting_customer')")
echo "$n tickets ($open open), $(du -h "$db" | cut -f1)" >&2
if [[ -n $keep ]]; then cp -- "$db" "$keep" || fail "cannot keep the database as $keep"; fi

# ---- timed runs --------------------------------------------------------------
base_t=() sweep_t=() over_t=() sweep_c=() over_c=()
want=$(sqlite3 "$db" "SELECT count(*) FROM tickets WHERE sla_watch <= $AT")
overdue_want=$(sqlite3 "$db" "SELECT count(*) FROM tickets WHERE sla_watch <= $AT AND (frt_due <= $AT OR res_due <= $AT)")

timed "$aftersales" --db "$db" --format tsv sla check --at "@$AT" >"$tmp/first.tsv" || fail "sla check failed"
first=$elapsed
first_cpu=$cpu
recorded=$(sqlite3 "$db" "SELECT count(*) FROM ticket_escalations")
for ((i = 1; i <= reps; i++)); do
    timed sqlite3 "$db" "SELECT count(*) FROM tickets WHERE sla_watch <= $AT" >/dev/null || fail "baseline failed"
    base_t+=("$elapsed")
    timed "$aftersales" --db "$db" --format tsv sla check --at "@$AT" >"$tmp/sweep.tsv" || fail "sla check failed"
    sweep_t+=("$elapsed")
    sweep_c+=("$cpu")
    timed "$aftersales" --db "$db" --format tsv ticket list --overdue --at "@$AT" >"$tmp/over.tsv" || fail "ticket list failed"
    over_t+=("$elapsed")
    over_c+=("$cpu")
    echo "  run $i/$reps: baseline ${base_t[-1]} s, sweep ${sweep_t[-1]} s, overdue ${over_t[-1]} s" >&2
done
again=$(sqlite3 "$db" "SELECT count(*) FROM ticket_escalations")
[[ $again == "$recorded" ]] || fail "escalations grew from $recorded to $again on a repeated sweep"
ticketsout=$(($(cut -f1 "$tmp/sweep.tsv" | tail -n +2 | sort -u | wc -l)))
[[ $ticketsout == "$want" ]] || fail "sweep listed $ticketsout tickets, SQL counts $want"
overout=$(($(wc -l <"$tmp/over.tsv") - 1))
[[ $overout == "$overdue_want" ]] || fail "overdue listed $overout, SQL counts $overdue_want"

base=$(median "${base_t[@]}")
sweep=$(median "${sweep_t[@]}")
over=$(median "${over_t[@]}")
sweep_cpu=$(median "${sweep_c[@]}")
over_cpu=$(median "${over_c[@]}")
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
awk -v rows="$rows" -v open="$open" -v reps="$reps" -v base="$base" -v first="$first" \
    -v sweep="$sweep" -v over="$over" -v want="$want" -v rec="$recorded" -v ov="$overout" \
    -v fc="$first_cpu" -v sc="$sweep_cpu" -v oc="$over_cpu" -v load="$load" '
BEGIN {
    printf "\nticket SLA benchmark: %d tickets (%d open), median of %d run%s\n\n", rows, open, reps, (reps > 1 ? "s" : "")
    printf "%-46s %10s %12s %8s\n", "step", "seconds", "tickets/s", "cpu s"
    printf "%-46s %10.3f %12.0f\n", "baseline (indexed SQL count, " want " rows)", base, rows / base
    printf "%-46s %10.3f %12.0f %8.2f\n", "sla check, first (records " rec ")", first, rows / first, fc
    printf "%-46s %10.3f %12.0f %8.2f\n", "sla check, repeated (lists " want ")", sweep, rows / sweep, sc
    printf "%-46s %10.3f %12.0f %8.2f\n", "ticket list --overdue (" ov " rows)", over, rows / over, oc
    printf "\n(load average at the end: %s; cpu s = user + system of the command)\n", load
    printf "\nratio sweep_rate / baseline_rate: %.2f\n", base / sweep
    printf "target: sla check under 1 s\n"
    printf "%s\n", (first < 1.0 && sweep < 1.0) ? "PASS" : "BELOW TARGET"
}'
