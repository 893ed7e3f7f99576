#!/usr/bin/env bash
# bench/reminders.sh - time `fuel import`, `profile refresh` and `remind run`
# for many users, beside the sqlite3 shell's bare `.import` of the same
# fueling file, measured in the same run.
#
# A benchmark reports; it does not gate: the exit status is 0 whatever the
# numbers, and non-zero only when a command fails or a count is wrong.
set -euo pipefail

usage() {
    cat <<'EOF2'
usage: bench/reminders.sh [-u USERS] [-f FUELINGS] [-b BUILD_DIR] [-k DIR] [-h]

Generate USERS users and FUELINGS fueling records (CSV; 5% of the users
with a plate and odometer readings), then time, once each:
  user import       aftersales user import users.csv        (setup, reported)
  baseline          sqlite3 base.db ".import --csv fuel.csv t"   (bare table)
  fuel import       aftersales fuel import fuel.csv
  profile refresh   aftersales profile refresh --at T       (the full rebuild)
  remind run        aftersales remind run --at T
  remind rerun      the same again (writes nothing: idempotent)
  1% update         fuel import of one new fill-up for 1% of the users, then
    remind run      remind run --at T: it brings those profiles up to date
                    itself (no refresh), then evaluates the rules
  1% update again   another 1%, then
    profile update  aftersales profile update --at T alone

  -u USERS      users (default 1000000)
  -f FUELINGS   fueling records (default 10000000)
  -b BUILD_DIR  meson build directory holding cli/aftersales (default build/)
  -k DIR        keep the data and the database in DIR (new or empty) for
                profiling afterwards, instead of a temporary directory
  -h            this text

Targets (issue 13, 1,000,000 users): fuel import rows/s >= 1.0 x baseline;
the full rebuild under 3 s and the update after a 1% change under 0.3 s;
remind run under 3 s, a rerun with nothing new under 1 s.  The ratios
compare steps of the same run.  Needs bash, sqlite3, awk.
EOF2
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
users=1000000
fuels=10000000
build_dir="$repo_root/build"
keep=
while getopts ':u:f:b:k:h' opt; do
    case $opt in
        u) users=$OPTARG ;;
        f) fuels=$OPTARG ;;
        b) build_dir=$OPTARG ;;
        k) keep=$OPTARG ;;
        h) usage; exit 0 ;;
        :) echo "reminders.sh: -$OPTARG needs a value" >&2; usage >&2; exit 64 ;;
        *) echo "reminders.sh: unknown option -$OPTARG" >&2; usage >&2; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
(($# == 0)) || { echo "reminders.sh: unexpected argument '$1'" >&2; exit 64; }
[[ $users =~ ^[1-9][0-9]*$ && $fuels =~ ^[1-9][0-9]*$ ]] ||
    { echo "reminders.sh: -u and -f want positive integers" >&2; exit 64; }
aftersales="$build_dir/cli/aftersales"
[[ -x $aftersales ]] || { echo "reminders.sh: $aftersales not found; build first" >&2; exit 66; }
aftersales=$(cd -- "$(dirname -- "$aftersales")" && pwd)/aftersales
for tool in sqlite3 awk; do
    command -v "$tool" >/dev/null 2>&1 || { echo "reminders.sh: $tool not found" >&2; exit 69; }
done

if [[ -n $keep ]]; then
    mkdir -p -- "$keep" && [[ -z $(ls -A -- "$keep") ]] ||
        { echo "reminders.sh: -k $keep: not a new or empty directory" >&2; exit 73; }
    tmp=$(cd -- "$keep" && pwd)
else
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/aftersales-bench.XXXXXX")
fi
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
[[ -n $keep ]] || trap 'rm -rf -- "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
db="$tmp/ours.db"
at="2026-11-24T10:00:00+08:00"
at_s=1795485600   # the same instant in Unix seconds

# ---- data (not timed) -------------------------------------------------------

echo "generating $users users and $fuels fueling records ..." >&2
awk -v n="$users" 'BEGIN {
    split("530102 530103 530111 110105 310104 440106 440305 510107 330106 420106", reg, " ")
    split("22:00-08:00 23:00-07:00 21:30-07:30", q, " ")
    print "user_id,name,phone,region,consent_marketing,quiet_hours"
    for (u = 1; u <= n; u++)
        printf "U%07d,用户%d,138%08d,%s,%s,%s\n", u, u, u, reg[u % 10 + 1],
            (u % 5 < 3) ? "yes" : "no", (u % 3 == 0) ? q[u % 3 + 1] : ""
}' >"$tmp/users.csv"
awk -v n="$users" -v f="$fuels" -v end="$at_s" 'BEGIN {
    split("530102 530103 530111 110105 310104 440106 440305 510107 330106 420106", reg, " ")
    print "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate,station_region"
    rounds = int((f + n - 1) / n); tx = 0
    for (r = 0; r < rounds && tx < f; r++)
        for (u = 1; u <= n && tx < f; u++) {
            tx++
            iv = (3 + (u * 7919) % 12) * 86400
            t = end - (rounds - r) * iv - (u % 5) * 86400 + (u * 37) % 43200
            st = (r % 3 == 2) ? (u + r) % 2000 : u % 2000
            ml = 30000 + ((u + r) % 30) * 1000 + (r % 10) * 100
            fen = int(ml * 78 / 1000)
            plate = ""; odo = ""
            if (u <= n / 20) { plate = sprintf("云A%05d", u); odo = 10000 + r * (iv / 86400) * 40 }
            printf "T%010d,U%07d,S%04d,@%d,%s,%d.%03d,%d.%02d,%s,%s,%s\n", tx, u, st, t,
                (u % 4 == 0) ? "95" : "92", ml / 1000, ml % 1000, fen / 100, fen % 100,
                odo, plate, reg[st % 10 + 1]
        }
}' >"$tmp/fuel.csv"
echo "$(du -h "$tmp/fuel.csv" | cut -f1) in fuel.csv" >&2

# timed CMD...: run CMD; $elapsed gets the wall seconds and $cpu the CPU
# seconds (user + system) it used: on a shared machine the CPU figure is the
# steadier one.
elapsed= cpu=
fail() { echo "reminders.sh: $*" >&2; exit 1; }
count() { sqlite3 "$1" "SELECT count(*) FROM $2"; }

# ---- timed runs ---------------------------------------------------------------

"$aftersales" --db "$db" init >/dev/null || fail "init failed"
timed "$aftersales" --db "$db" user import "$tmp/users.csv" 2>"$tmp/log" || { cat "$tmp/log" >&2; fail "user import"; }
t_users=$elapsed c_users=$cpu
echo "user import: $t_users s" >&2

timed sqlite3 "$tmp/base.db" ".import --csv \"$tmp/fuel.csv\" t" || fail "sqlite3 .import failed"
t_base=$elapsed c_base=$cpu
[[ $(count "$tmp/base.db" t) == "$fuels" ]] || fail "baseline row count"
rm -f "$tmp/base.db"
echo "baseline .import: $t_base s" >&2

timed "$aftersales" --db "$db" fuel import "$tmp/fuel.csv" 2>"$tmp/log" || { tail -5 "$tmp/log" >&2; fail "fuel import"; }
t_fuel=$elapsed c_fuel=$cpu
[[ $(count "$db" fuelings) == "$fuels" ]] || fail "fuelings row count"
echo "fuel import: $t_fuel s ($(tail -1 "$tmp/log"))" >&2

timed "$aftersales" --db "$db" profile refresh --at "$at" >/dev/null || fail "profile refresh"
t_refresh=$elapsed c_refresh=$cpu
echo "profile refresh: $t_refresh s ($(count "$db" profiles) profiles)" >&2

timed "$aftersales" --db "$db" --format tsv remind run --at "$at" >"$tmp/run1" || fail "remind run"
t_run=$elapsed c_run=$cpu
written=$(count "$db" outbox)
echo "remind run: $t_run s ($written notifications)" >&2
cat "$tmp/run1" >&2

timed "$aftersales" --db "$db" --format tsv remind run --at "$at" >"$tmp/run2" || fail "remind rerun"
t_rerun=$elapsed c_rerun=$cpu
[[ $(count "$db" outbox) == "$written" ]] || fail "the rerun wrote notifications"

# update N SEED: one new fill-up, an hour before T, for every 100th user
# (from SEED on): a 1% change of the users' records.
update_csv() {
    awk -v n="$users" -v s="$2" -v t="$((at_s - 3600))" 'BEGIN {
        print "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan"
        for (u = s; u <= n; u += 100)
            printf "UPD%d_%07d,U%07d,S%04d,@%d,92,40.000,312.00\n", s, u, u, u % 2000, t
    }' >"$1"
}
n_upd=$(( (users + 99) / 100 ))
update_csv "$tmp/upd1.csv" 7
timed "$aftersales" --db "$db" fuel import "$tmp/upd1.csv" 2>"$tmp/log" || { tail -5 "$tmp/log" >&2; fail "1% fuel import"; }
t_upd_import=$elapsed c_upd_import=$cpu
timed "$aftersales" --db "$db" --format tsv remind run --verbose --at "$at" >"$tmp/run3" 2>"$tmp/log3" || fail "remind run after the update"
t_upd_run=$elapsed c_upd_run=$cpu
refreshed=$(sed -n 's/^profiles brought up to date first: //p' "$tmp/log3")
[[ $refreshed == "$n_upd" ]] || fail "remind run after a 1% update brought $refreshed profiles up to date, not $n_upd"
echo "remind run after a 1% update: $t_upd_run s ($refreshed profiles brought up to date)" >&2
update_csv "$tmp/upd2.csv" 57
"$aftersales" --db "$db" fuel import "$tmp/upd2.csv" 2>"$tmp/log" || { tail -5 "$tmp/log" >&2; fail "second 1% fuel import"; }
timed "$aftersales" --db "$db" --format tsv profile update --at "$at" >"$tmp/upd" || fail "profile update"
t_upd_prof=$elapsed c_upd_prof=$cpu
[[ $(awk -F'\t' 'NR == 2 { print $1 }' "$tmp/upd") == "$n_upd" ]] || fail "profile update after a 1% update: $(cat "$tmp/upd")"
echo "profile update after another 1% update: $t_upd_prof s" >&2

awk -v users="$users" -v fuels="$fuels" -v w="$written" \
    -v tu="$t_users" -v cu="$c_users" -v tb="$t_base" -v cb="$c_base" \
    -v tf="$t_fuel" -v cf="$c_fuel" -v tr="$t_refresh" -v cr="$c_refresh" \
    -v tn="$t_run" -v cn="$c_run" -v tn2="$t_rerun" -v cn2="$c_rerun" \
    -v tui="$t_upd_import" -v cui="$c_upd_import" -v tur="$t_upd_run" -v cur="$c_upd_run" \
    -v tup="$t_upd_prof" -v cup="$c_upd_prof" -v nu="$n_upd" '
function row(name, t, c, n) { printf "%-38s %9.3f %9.3f %12.0f\n", name, t, c, n / t }
BEGIN {
    printf "\nreminders benchmark: %d users, %d fueling records, %d notifications\n\n", users, fuels, w
    printf "%-38s %9s %9s %12s\n", "step", "wall s", "cpu s", "rows/s"
    row("user import (setup)", tu, cu, users)
    row("baseline (sqlite3 .import --csv)", tb, cb, fuels)
    row("fuel import", tf, cf, fuels)
    row("profile refresh (users/s)", tr, cr, users)
    row("remind run (users/s)", tn, cn, users)
    row("remind rerun, nothing new (users/s)", tn2, cn2, users)
    row("fuel import, 1% of the users (rows/s)", tui, cui, nu)
    row("remind run after it (users/s)", tur, cur, users)
    row("profile update, another 1% (users/s)", tup, cup, nu)
    ratio = tb / tf; cratio = cb / cf
    printf "\nfuel import rate / baseline rate: %.2f wall, %.2f cpu (target >= 1.0): %s\n",
        ratio, cratio, (sprintf("%.2f", ratio) + 0 >= 1.0) ? "PASS" : "BELOW TARGET"
    printf "after a 1%% update: profile update %.3f s = %.3f x the full rebuild (cpu %.3f x);\n",
        tup, tup / tr, cup / cr
    printf "  remind run %.3f s = %.2f x the first run, %.2f x the rerun\n", tur, tur / tn, tur / tn2
    s = users / 1000000
    printf "profile refresh (full rebuild) per 1M users: %.2f s wall, %.2f s cpu (target < 3): %s\n",
        tr / s, cr / s, (tr / s < 3) ? "PASS" : "ABOVE TARGET"
    printf "profile update after 1%% per 1M users: %.3f s wall (target < 0.3): %s\n",
        tup / s, (tup / s < 0.3) ? "PASS" : "ABOVE TARGET"
    printf "remind run per 1M users: %.2f s wall, %.2f s cpu (target < 3): %s\n",
        tn / s, cn / s, (tn / s < 3) ? "PASS" : "ABOVE TARGET"
    printf "remind rerun per 1M users: %.2f s wall (target < 1): %s\n",
        tn2 / s, (tn2 / s < 1) ? "PASS" : "ABOVE TARGET"
}'
