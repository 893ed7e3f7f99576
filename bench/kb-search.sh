#!/usr/bin/env bash
# bench/kb-search.sh - knowledge base search speed: kb search (long and
# short queries) and kb suggest over generated Chinese articles, beside bare
# FTS5 and LIKE queries on the same connection in the same run.  Reports;
# does not gate (exit 0 whatever the ratio).
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: bench/kb-search.sh [-n ARTICLES] [-b BUILD_DIR] [-h]

  -n ARTICLES   articles to generate (default 100000)
  -b BUILD_DIR  meson build directory holding bench/kb-bench
                (default: build/ in the repo)
  -h            this text
USAGE
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
rows=100000
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
    echo "kb-search.sh: -n wants a positive integer, not '$rows'" >&2
    exit 64
fi
exe="$build_dir/bench/kb-bench"
if [[ ! -x $exe ]]; then
    echo "kb-search.sh: $exe not found; build first (ninja -C $build_dir)" >&2
    exit 66
fi
exec "$exe" "$rows"
