#!/usr/bin/env bash
# bench/sentiment.sh - sentiment scoring throughput (MB/s per core) and
# training time, against a baseline measured in the same run: `wc -m` (a
# UTF-8 decoding character count) over the same texts.
#
# A benchmark reports; it does not gate: the exit status is 0 whatever the
# numbers, and non-zero only when a command fails.
set -euo pipefail

usage() {
    cat <<'EOF2'
usage: bench/sentiment.sh [-n ROWS] [-r REPS] [-b BUILD_DIR] [-c] [-h]

Train the logistic regression model (on ../shared/data/sentiment_train_reviews.csv
when present, else on generated rows; timed), then score two sets of texts:
ROWS generated feedback comments (Chinese, 10-60 characters), and the shared
dev set (../shared/data/sentiment_dev_waimai.csv, real short reviews) when
present.  For each set, each the median of REPS runs:
  baseline     wc -m over the texts                       (MB/s, wall clock)
  lexicon      the lexicon alone                          (MB/s per core, from
  nb, lr       each model alone                            `sentiment eval`:
  combined     lexicon + lr + the learned combination      CPU time, in memory)
  explain      aftersales sentiment score - (evidence and n-grams built and
               printed as TSV; wall clock)
with the ratios to the baseline and the issue's targets (lexicon >= 150 MB/s,
combined >= 60 MB/s per core).

  -n ROWS       rows to generate (default 200000)
  -r REPS       runs per measurement (default 3)
  -b BUILD_DIR  meson build directory holding cli/aftersales and
                lib/libaftersales.a (default: build/)
  -c            also count instructions per byte with valgrind --tool=callgrind
                (a repeatable measure: lexicon alone, lexicon + model) on 2000
                texts of each set
  -h            this text
EOF2
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
rows=200000
reps=3
callgrind=0
build_dir="$repo_root/build"
while getopts ':n:r:b:ch' opt; do
    case $opt in
        n) rows=$OPTARG ;;
        r) reps=$OPTARG ;;
        b) build_dir=$OPTARG ;;
        c) callgrind=1 ;;
        h) usage; exit 0 ;;
        :) echo "sentiment.sh: -$OPTARG needs a value" >&2; usage >&2; exit 64 ;;
        *) echo "sentiment.sh: unknown option -$OPTARG" >&2; usage >&2; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
(($# == 0)) || { echo "sentiment.sh: unexpected argument '$1'" >&2; exit 64; }
[[ $rows =~ ^[1-9][0-9]*$ ]] || { echo "sentiment.sh: -n wants a positive integer" >&2; exit 64; }
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "sentiment.sh: -r wants a positive integer" >&2; exit 64; }
aftersales="$build_dir/cli/aftersales"
[[ -x $aftersales ]] || { echo "sentiment.sh: $aftersales not found; build first" >&2; exit 66; }
aftersales=$(cd -- "$(dirname -- "$aftersales")" && pwd)/aftersales
if ((callgrind)); then
    command -v valgrind >/dev/null || { echo "sentiment.sh: -c needs valgrind" >&2; exit 69; }
    [[ -r $build_dir/lib/libaftersales.a ]] ||
        { echo "sentiment.sh: $build_dir/lib/libaftersales.a not found" >&2; exit 66; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aftersales-bench.XXXXXX")
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
trap 'rm -rf -- "$tmp"' EXIT
export LC_ALL=C.UTF-8
shared="$repo_root/../shared/data"

echo "generating $rows comments ..." >&2
python3 - "$rows" "$tmp/gen.csv" <<'PY'
import random, sys
rows, csv_path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261124)
good = ["加油很方便", "支付很快", "服务态度好", "小哥很热情", "优惠券很实用", "发票开得快",
        "不用排队", "界面清晰", "油品不错", "积分到账及时", "👍", "非常满意"]
bad = ["多扣钱了", "退款一直没到账", "排了很久的队", "加油员态度很差", "优惠券用不了",
       "小程序打不开", "开不了发票", "太慢了", "不太好用", "😡", "加错油了", "客服没人理"]
glue = ["，", "。", "！", "，但是", "，不过", "，虽然", "，而且", "，就是", "？", "，"]
filler = ["今天在中山路站", "昨天晚上", "第一次用", "周末带家人", "公司车队", "早上七点",
          "在高速服务区", "用微信", "又一次", ""]
with open(csv_path, "w", encoding="utf-8") as c:
    c.write("label,review\n")
    for _ in range(rows):
        positive = rng.random() < 0.5
        parts = [rng.choice(filler)]
        for k in range(rng.randint(1, 4)):
            src = good if (rng.random() < 0.8) == positive else bad
            parts.append(rng.choice(src) + rng.choice(glue))
        c.write("%d,%s\n" % (1 if positive else 0, "".join(parts)))
PY

# The texts of a labelled CSV, one per line (for wc -m and score -).
texts_of() {
    python3 -c '
import csv, sys
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    for row in csv.DictReader(f):
        print(row["review"].replace("\r", " ").replace("\n", " "))' "$1"
}

sets=(gen)
cp "$tmp/gen.csv" "$tmp/set-gen.csv"
if [[ -r $shared/sentiment_dev_waimai.csv ]]; then
    cp "$shared/sentiment_dev_waimai.csv" "$tmp/set-dev.csv"
    sets+=(dev)
fi
for s in "${sets[@]}"; do
    texts_of "$tmp/set-$s.csv" >"$tmp/texts-$s.txt"
done

db="$tmp/bench.db"
"$aftersales" --db "$db" init >/dev/null
train="$shared/sentiment_train_reviews.csv"
if [[ -r $train ]]; then
    train_name="the shared training file"
else
    train="$tmp/gen.csv"
    train_name="the generated rows"
fi
tt=()
for ((i = 1; i <= reps; i++)); do
    echo "training $i/$reps on $train_name ..." >&2
    timed "$aftersales" --db "$db" sentiment train "$train" 2>"$tmp/train.log" ||
        { cat "$tmp/train.log" >&2; exit 1; }
    tt+=("$cpu")
done
train_cpu=$(median "${tt[@]}")
train_line=$(grep '^model lr:' "$tmp/train.log" || true)

# column N of the eval row of SCORER (TSV)
col() { awk -F'\t' -v s="$1" -v c="$2" '$1 == s { print $c }' <<<"$3"; }

ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }

for s in "${sets[@]}"; do
    bytes=$(wc -c <"$tmp/texts-$s.txt")
    n=$(wc -l <"$tmp/texts-$s.txt")
    base=() lexi=() nb=() lr=() comb=() expl=()
    for ((i = 1; i <= reps; i++)); do
        echo "$s: run $i/$reps ..." >&2
        cat "$tmp/texts-$s.txt" >/dev/null
        timed wc -m "$tmp/texts-$s.txt" >/dev/null
        base+=("$(awk -v b="$bytes" -v t="$elapsed" 'BEGIN { printf "%.1f", b / t / 1e6 }')")
        out=$("$aftersales" --db "$db" --format tsv sentiment eval "$tmp/set-$s.csv")
        lexi+=("$(col lexicon 9 "$out")")
        nb+=("$(col nb 9 "$out")")
        lr+=("$(col lr 9 "$out")")
        comb+=("$(col lexicon+model 9 "$out")")
        timed "$aftersales" --db "$db" --format tsv sentiment score - <"$tmp/texts-$s.txt" >/dev/null
        expl+=("$(awk -v t="$elapsed" -v b="$bytes" 'BEGIN { printf "%.1f", b / t / 1e6 }')")
    done
    b=$(median "${base[@]}") l=$(median "${lexi[@]}") x=$(median "${nb[@]}") r=$(median "${lr[@]}")
    c=$(median "${comb[@]}") e=$(median "${expl[@]}")
    echo
    echo "== $s: $n texts, $bytes bytes"
    printf '%-34s %8.1f MB/s\n' "baseline (wc -m)" "$b"
    printf '%-34s %8.1f MB/s   %5sx baseline   target >= 150\n' "lexicon alone (per core)" "$l" "$(ratio "$l" "$b")"
    printf '%-34s %8.1f MB/s   %5sx baseline\n' "naive Bayes alone (per core)" "$x" "$(ratio "$x" "$b")"
    printf '%-34s %8.1f MB/s   %5sx baseline\n' "logistic regression alone" "$r" "$(ratio "$r" "$b")"
    printf '%-34s %8.1f MB/s   %5sx baseline   target >= 60\n' "combined (per core)" "$c" "$(ratio "$c" "$b")"
    printf '%-34s %8.1f MB/s   %5sx baseline\n' "score - (explained, TSV out)" "$e" "$(ratio "$e" "$b")"
    echo "eval (last run):"
    printf '%s\n' "$out"
done
echo
echo "training on $train_name: $train_cpu s CPU (median of $reps)"
[[ -n $train_line ]] && echo "$train_line"

if ((callgrind)); then
    # The library's scorer over the first 2000 texts, once with no model
    # (the lexicon alone) and once with the trained one.
    driver="$tmp/sentiment-speed"
    # shellcheck disable=SC2046
    cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I "$repo_root/include" -I "$repo_root/lib" \
        -o "$driver" "$script_dir/sentiment-speed.c" "$build_dir/lib/libaftersales.a" \
        $(pkg-config --libs sqlite3 yaml-0.1 libutf8proc) -lm ||
        { echo "sentiment.sh: cannot build the sentiment driver" >&2; exit 70; }
    plain="$tmp/plain.db"
    "$aftersales" --db "$plain" init >/dev/null
    "$aftersales" --db "$plain" sentiment lexicon load >/dev/null
    echo
    echo "== instructions per byte (valgrind --tool=callgrind: as__sentiment_score, less the"
    echo "   first call's loading of the lexicon and model)"
    for s in "${sets[@]}"; do
        head -2000 "$tmp/texts-$s.txt" >"$tmp/cg-$s.txt"
        bytes=$(wc -c <"$tmp/cg-$s.txt")
        for which in lexicon combined; do
            d=$plain
            [[ $which == combined ]] && d=$db
            valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$driver" "$d" \
                "$tmp/cg-$s.txt" >/dev/null 2>&1
            # the scorer, less loading the lexicon and model on the first call
            ir=$(callgrind_annotate --inclusive=yes "$tmp/cg.out" 2>/dev/null | awk '
                /as__sentiment_score \[/ && !s { gsub(",", "", $1); s = $1 }
                /as__senti_cache_get \[/ && !c { gsub(",", "", $1); c = $1 }
                END { print s - c }')
            printf '%-10s %-9s %12s instructions  %6.1f per byte\n' "$s" "$which" "$ir" \
                "$(awk -v i="$ir" -v b="$bytes" 'BEGIN { print i / b }')"
        done
    done
fi
