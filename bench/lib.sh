# bench/lib.sh - helpers shared by the benchmark scripts (sourced).
# The sourcing script sets $tmp to its scratch directory.

# timed CMD...: run CMD; wall seconds in $elapsed, user+system CPU seconds
# of CMD and its children in $cpu.  Returns CMD's status.
elapsed=
cpu=
timed() {
    local rc=0 u s
    exec 3>&2
    { TIMEFORMAT='%R %U %S'; time "$@" 2>&3; } 2>"${tmp:?}/.timed" || rc=$?
    exec 3>&-
    read -r elapsed u s <"$tmp/.timed"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')
    return "$rc"
}

median() {  # median of the arguments
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) printf "%.6f", v[(NR + 1) / 2];
              else printf "%.6f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

count_rows() {  # count_rows DB TABLE
    sqlite3 "$1" "SELECT count(*) FROM $2"
}
