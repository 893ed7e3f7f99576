#!/usr/bin/env bash
# bench/sentiment.sh - sentiment scoring throughput (MB/s) against a
# baseline measured in the same run: `wc -m` (a UTF-8 decoding character
# count) over the same texts.
#
# A benchmark reports; it does not gate: the exit status is 0 whatever the
# numbers, and non-zero only when a command fails.
set -euo pipefail

usage() {
    cat <<'EOF2'
usage: bench/sentiment.sh [-n ROWS] [-r REPS] [-b BUILD_DIR] [-h]

Generate ROWS feedback comments (Chinese, a labelled CSV and the bare texts),
train the model (on ../shared/data/sentiment_train_reviews.csv when present,
else on the generated rows), then report, each the median of REPS runs:
  baseline    wc -m over the texts                      (MB/s, wall clock)
  lexicon     scoring with the lexicon alone            (MB/s, in memory,
  combined    scoring with lexicon + model               from `sentiment eval`)
  explain     aftersales sentiment score - (evidence built and printed as TSV)
and the ratios to the baseline.

  -n ROWS       rows to generate (default 200000)
  -r REPS       runs per measurement (default 3)
  -b BUILD_DIR  meson build directory holding cli/aftersales (default: build/)
  -h            this text
EOF2
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
rows=200000
reps=3
build_dir="$repo_root/build"
while getopts ':n:r:b:h' opt; do
    case $opt in
        n) rows=$OPTARG ;;
        r) reps=$OPTARG ;;
        b) build_dir=$OPTARG ;;
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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aftersales-bench.XXXXXX")
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
trap 'rm -rf -- "$tmp"' EXIT
export LC_ALL=C.UTF-8

echo "generating $rows comments ..." >&2
python3 - "$rows" "$tmp/set.csv" "$tmp/texts.txt" <<'PY'
import random, sys
rows, csv_path, txt_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(20261124)
good = ["加油很方便", "支付很快", "服务态度好", "小哥很热情", "优惠券很实用", "发票开得快",
        "不用排队", "界面清晰", "油品不错", "积分到账及时", "👍", "非常满意"]
bad = ["多扣钱了", "退款一直没到账", "排了很久的队", "加油员态度很差", "优惠券用不了",
       "小程序打不开", "开不了发票", "太慢了", "不太好用", "😡", "加错油了", "客服没人理"]
glue = ["，", "。", "！", "，但是", "，不过", "，虽然", "，而且", "，就是", "？", "，"]
filler = ["今天在中山路站", "昨天晚上", "第一次用", "周末带家人", "公司车队", "早上七点",
          "在高速服务区", "用微信", "又一次", ""]
with open(csv_path, "w", encoding="utf-8") as c, open(txt_path, "w", encoding="utf-8") as t:
    c.write("label,review\n")
    for _ in range(rows):
        positive = rng.random() < 0.5
        parts = [rng.choice(filler)]
        for k in range(rng.randint(1, 4)):
            src = good if (rng.random() < 0.8) == positive else bad
            parts.append(rng.choice(src) + rng.choice(glue))
        text = "".join(parts)
        c.write("%d,%s\n" % (1 if positive else 0, text))
        t.write(text + "\n")
PY
bytes=$(wc -c <"$tmp/texts.txt")
echo "$rows texts, $bytes bytes" >&2

db="$tmp/bench.db"
"$aftersales" --db "$db" init >/dev/null
train="$repo_root/../shared/data/sentiment_train_reviews.csv"
[[ -r $train ]] || train="$tmp/set.csv"
"$aftersales" --db "$db" sentiment train "$train" 2>/dev/null

base=() lexi=() comb=() expl=()
for ((i = 1; i <= reps; i++)); do
    echo "run $i/$reps ..." >&2
    cat "$tmp/texts.txt" >/dev/null
    timed wc -m "$tmp/texts.txt" >/dev/null
    base+=("$(awk -v b="$bytes" -v s="$elapsed" 'BEGIN { printf "%.1f", b / s / 1e6 }')")
    out=$("$aftersales" --db "$db" --format tsv sentiment eval "$tmp/set.csv")
    lexi+=("$(awk -F'\t' 'NR == 2 { print $9 }' <<<"$out")")
    comb+=("$(awk -F'\t' 'NR == 3 { print $9 }' <<<"$out")")
    timed "$aftersales" --db "$db" --format tsv sentiment score - <"$tmp/texts.txt" >/dev/null
    expl+=("$(awk -v s="$elapsed" -v b="$bytes" 'BEGIN { printf "%.1f", b / s / 1e6 }')")
done
b=$(median "${base[@]}") l=$(median "${lexi[@]}") c=$(median "${comb[@]}") e=$(median "${expl[@]}")
ratio() { awk -v x="$1" -v y="$b" 'BEGIN { printf "%.2f", x / y }'; }
printf '%-32s %8.1f MB/s\n' "baseline (wc -m)" "$b"
printf '%-32s %8.1f MB/s   %sx baseline\n' "lexicon alone (in memory)" "$l" "$(ratio "$l")"
printf '%-32s %8.1f MB/s   %sx baseline\n' "lexicon + model (in memory)" "$c" "$(ratio "$c")"
printf '%-32s %8.1f MB/s   %sx baseline\n' "score - (explained, TSV out)" "$e" "$(ratio "$e")"
echo "eval (last run):"
printf '%s\n' "$out"
