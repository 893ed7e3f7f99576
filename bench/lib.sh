# bench/lib.sh - helpers shared by the benchmark scripts (sourced).
# The sourcing script sets $tmp to its scratch directory.

# timed CMD...: run CMD; wall seconds in $elapsed, user+system CPU seconds
# of CMD and its children in $cpu.  Returns CMD's status.  When
# $BENCH_RSS_LOG names a file (bench/run sets it) and GNU time is installed,
# CMD runs under /usr/bin/time and a line "PEAK_RSS_KB CMD..." is appended
# to that file.
elapsed=
cpu=
timed() {
    local rc=0 u s rss
    local -a pre=()
    if [[ -n ${BENCH_RSS_LOG:-} && -x /usr/bin/time ]]; then
        pre=(/usr/bin/time -f %M -o "${tmp:?}/.rss")
    fi
    exec 3>&2
    { TIMEFORMAT='%R %U %S'; time "${pre[@]}" "$@" 2>&3; } 2>"${tmp:?}/.timed" || rc=$?
    exec 3>&-
    read -r elapsed u s <"$tmp/.timed"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')
    if ((${#pre[@]})) && [[ -s $tmp/.rss ]]; then
        rss=$(tail -n 1 "$tmp/.rss")
        printf '%s %s\n' "$rss" "$*" >>"$BENCH_RSS_LOG"
    fi
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
