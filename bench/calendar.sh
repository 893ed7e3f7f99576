#!/usr/bin/env bash
# bench/calendar.sh - the cost of business-calendar arithmetic in an SLA
# sweep: a scan of ROWS tickets computing due times and elapsed business
# seconds on cn-office, beside the same scan with 24/7 arithmetic (the
# baseline) in the same run.  Reports; does not gate (exit 0 whatever the
# ratio).
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: bench/calendar.sh [-n ROWS] [-b BUILD_DIR] [-h]

  -n ROWS       tickets to generate (default 1000000)
  -b BUILD_DIR  meson build directory holding bench/calendar-bench
                (default: build/ in the repo)
  -h            this text
USAGE
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
rows=1000000
build_dir="$repo_root/build"
while getopts ':n:b:h' opt; do
    case $opt in
        n) rows=$OPTARG ;;
        b) build_dir=$OPTARG ;;
        h) usage; exit 0 ;;
        *) usage >&2; exit 64 ;;
    esac
done
if ! [[ $rows =~ ^[1-9][0-9]*$ ]]; then
    echo "calendar.sh: -n wants a positive integer, not '$rows'" >&2
    exit 64
fi
exe="$build_dir/bench/calendar-bench"
if [[ ! -x $exe ]]; then
    echo "calendar.sh: $exe not found; build first (ninja -C $build_dir)" >&2
    exit 66
fi
exec "$exe" "$rows"
