#!/usr/bin/env bash
# bench/user-import.sh - time `aftersales user import` against the sqlite3
# shell's own `.import --csv` of the same file.
#
# A benchmark reports; it does not gate: the exit status is 0 whatever the
# ratio, and non-zero only when a command fails or a count is wrong.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/user-import.sh [-n ROWS] [-r REPS] [-b BUILD_DIR] [-h]

Generate ROWS users as CSV, then time (median of REPS runs, each on a fresh
database file):
  baseline   sqlite3 base.db ".import --csv users.csv t"   (bare table)
  ours       aftersales --db ours.db user import users.csv (after init)
  re-import  the same import again into ours.db (every row unchanged)

  -n ROWS       rows to generate (default 1000000)
  -r REPS       timed runs per step, median reported (default 3)
  -b BUILD_DIR  meson build directory holding cli/aftersales, relative to the
                current directory or absolute (default: build/ in the repo)
  -h            this text

Target: ours rows/s >= 0.50 x baseline rows/s.  Needs bash, sqlite3, python3.
EOF
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)

rows=1000000
reps=3
build_dir="$repo_root/build"

while getopts ':n:r:b:h' opt; do
    case $opt in
        n) rows=$OPTARG ;;
        r) reps=$OPTARG ;;
        b) build_dir=$OPTARG ;;
        h) usage; exit 0 ;;
        :) echo "user-import.sh: -$OPTARG needs a value" >&2; usage >&2; exit 64 ;;
        *) echo "user-import.sh: unknown option -$OPTARG" >&2; usage >&2; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
if (($#)); then
    echo "user-import.sh: unexpected argument '$1'" >&2
    usage >&2
    exit 64
fi
if ! [[ $rows =~ ^[1-9][0-9]*$ ]]; then
    echo "user-import.sh: -n wants a positive integer, not '$rows'" >&2
    exit 64
fi
if ! [[ $reps =~ ^[1-9][0-9]*$ ]]; then
    echo "user-import.sh: -r wants a positive integer, not '$reps'" >&2
    exit 64
fi

aftersales="$build_dir/cli/aftersales"
if [[ ! -x $aftersales ]]; then
    echo "user-import.sh: $aftersales not found; build first (ninja -C $build_dir)" >&2
    exit 66
fi
aftersales=$(cd -- "$(dirname -- "$aftersales")" && pwd)/aftersales
for tool in sqlite3 python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "user-import.sh: $tool not found on PATH" >&2
        exit 69
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aftersales-bench.XXXXXX")
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
trap 'rm -rf -- "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
csv="$tmp/users.csv"

# ---- 1. data (not timed) -------------------------------------------------

echo "generating $rows users ..." >&2
python3 - "$rows" "$csv" <<'PY'
import random, sys

rows, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20240601)   # fixed seed: every run sees the same file

surnames = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢")
given = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力国鹏飞宇浩然欣怡子涵雨轩梓晨思琪佳琳")
# Real county-level administrative division codes.
regions = ["110105", "110108", "120101", "130102", "310104", "310115", "320106",
           "330106", "340104", "350203", "370202", "410105", "420106", "430104",
           "440106", "440305", "500103", "510107", "530102", "610113", "650102",
           "460108"]
prefixes = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
            "151", "152", "155", "157", "158", "159", "166", "170", "176", "177",
            "180", "181", "182", "185", "186", "187", "188", "189", "191", "198",
            "199", "145", "147", "173", "195"]
quiet = ["22:00-08:00", "23:00-07:00", "21:30-07:30", "12:00-14:00", "00:00-06:00"]
titles = ["经理", "先生", "女士", "车队", "客服"]

# Precompute a pool of names so the hot loop is mostly choices + joins.
pool = []
for s in surnames:
    for g in given:
        pool.append(s + g)
    for i in range(8):
        pool.append(s + rng.choice(given) + rng.choice(given))

choice, rand, randrange = rng.choice, rng.random, rng.randrange
out = open(path, "w", encoding="utf-8", newline="")
out.write("user_id,name,phone,region,consent_marketing,quiet_hours\n")
buf = []
for i in range(1, rows + 1):
    name = choice(pool)
    if rand() < 0.03:   # a few percent: a quoted name with a comma
        name = '"%s,%s"' % (name, choice(titles))
    r = rand()
    q = choice(quiet) if r < 0.35 else ""
    buf.append("U%07d,%s,%s%08d,%s,%s,%s\n" % (
        i, name, choice(prefixes), randrange(100000000), choice(regions),
        "yes" if r > 0.6 else "no", q))
    if len(buf) >= 65536:
        out.write("".join(buf))
        buf.clear()
out.write("".join(buf))
out.close()
PY
echo "$(($(wc -l <"$csv") - 1)) data lines, $(du -h "$csv" | cut -f1) in users.csv" >&2

# ---- timing helpers -------------------------------------------------------




fail() {
    echo "user-import.sh: $*" >&2
    exit 1
}


# import_ours DB EXPECT_FIELD EXPECT_VALUE: one timed import, checks summary.
import_ours() {
    local db=$1 field=$2 want=$3 log="$tmp/import.log"
    if ! timed "$aftersales" --db "$db" user import "$csv" 2>"$log"; then
        cat "$log" >&2
        fail "aftersales user import failed"
    fi
    local summary
    summary=$(grep -E '^inserted [0-9]+, updated [0-9]+, unchanged [0-9]+, rejected [0-9]+' \
        "$log" | tail -n 1 || true)
    [[ -n $summary ]] || { cat "$log" >&2; fail "no import summary on stderr"; }
    local got
    got=$(sed -E "s/.*$field ([0-9]+).*/\\1/" <<<"$summary")
    [[ $got == "$want" ]] || fail "import summary says '$summary'; expected $field $want"
    last_summary=$summary
}

# ---- 2-4. timed runs ------------------------------------------------------

base_t=() ours_t=() again_t=()
last_summary=
for ((i = 1; i <= reps; i++)); do
    echo "run $i/$reps ..." >&2

    rm -f "$tmp/base.db"
    timed sqlite3 "$tmp/base.db" ".import --csv \"$csv\" t" ||
        fail "sqlite3 .import failed"
    base_t+=("$elapsed")
    n=$(count_rows "$tmp/base.db" t)
    [[ $n == "$rows" ]] || fail "baseline table has $n rows, expected $rows"
    rm -f "$tmp/base.db"

    rm -f "$tmp/ours.db" "$tmp/ours.db-wal" "$tmp/ours.db-shm" "$tmp/ours.db-journal"
    "$aftersales" --db "$tmp/ours.db" init >/dev/null || fail "aftersales init failed"
    import_ours "$tmp/ours.db" inserted "$rows"
    ours_t+=("$elapsed")
    n=$(count_rows "$tmp/ours.db" users)
    [[ $n == "$rows" ]] || fail "ours.db has $n users, expected $rows"
    echo "  first:  $last_summary" >&2

    import_ours "$tmp/ours.db" unchanged "$rows"
    again_t+=("$elapsed")
    n=$(count_rows "$tmp/ours.db" users)
    [[ $n == "$rows" ]] || fail "ours.db has $n users after re-import, expected $rows"
    echo "  again:  $last_summary" >&2
    echo "  baseline ${base_t[-1]} s, ours ${ours_t[-1]} s, re-import ${again_t[-1]} s" >&2
done

# ---- 5. report --------------------------------------------------------------

base=$(median "${base_t[@]}")
ours=$(median "${ours_t[@]}")
again=$(median "${again_t[@]}")

awk -v rows="$rows" -v reps="$reps" -v base="$base" -v ours="$ours" -v again="$again" '
BEGIN {
    br = rows / base; or_ = rows / ours; ar = rows / again
    ratio = or_ / br
    printf "\nuser import benchmark: %d rows, median of %d run%s\n\n", rows, reps, (reps > 1 ? "s" : "")
    printf "%-34s %10s %12s\n", "step", "seconds", "rows/s"
    printf "%-34s %10.3f %12.0f\n", "baseline (sqlite3 .import --csv)", base, br
    printf "%-34s %10.3f %12.0f\n", "ours (aftersales user import)", ours, or_
    printf "%-34s %10.3f %12.0f\n", "re-import (all rows unchanged)", again, ar
    printf "\nratio ours_rate / baseline_rate: %.2f\n", ratio
    printf "target: ratio >= 0.50\n"
    # Compare the printed (rounded) ratio so the verdict matches the text.
    printf "%s\n", (sprintf("%.2f", ratio) + 0 >= 0.50) ? "PASS" : "BELOW TARGET"
}'
