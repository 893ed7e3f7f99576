# contract/35-sentiment.sh - sentiment: scoring, the lexicon, training,
# the stored model and evaluation.  Training and evaluation run on a
# database of their own (S), with rated feedback of their own, so that the
# shared one keeps what the other parts expect.

contract "sentiment score" sentiment score "不太好，但是加油员很热情！"
as --format json sentiment score "不太好，但是加油员很热情！"
expect_eq "contract: evidence with rules" "$(json_get 'len(d["evidence"][1]["rules"])')" "3"
as --format jsonl sentiment score "很方便"
check_schema "sentiment score" jsonl
contract "sentiment score" sentiment score 好 差
contract "sentiment lexicon add" sentiment lexicon add 油枪漏 --weight -3 --tag safety --tag fuel
contract_both "sentiment lexicon list" sentiment lexicon list --tag safety
contract "sentiment lexicon remove" sentiment lexicon remove 油枪漏
contract_both "sentiment lexicon load" sentiment lexicon load
contract_both "sentiment model" sentiment model
S="$T/c-senti.db"
as --db "$S" init
cat >"$T/c-rated.csv" <<'CSV'
feedback_id,submitted_at,overall,comment
SR1,2026-11-20T09:00:00+08:00,5,小哥利索
SR2,2026-11-20T09:10:00+08:00,4,站里敞亮
SR3,2026-11-20T09:20:00+08:00,5,加油顺溜
SR4,2026-11-20T09:30:00+08:00,2,磨蹭半天
SR5,2026-11-20T09:40:00+08:00,1,真窝火
SR6,2026-11-20T09:50:00+08:00,2,憋屈
CSV
as --db "$S" feedback import "$T/c-rated.csv"
expect_rc "contract: rated feedback to train from" 0
cat >"$T/c-train.csv" <<'CSV'
label,review
1,小哥热情 利索
1,很方便
1,站里敞亮
0,窝火 排队
0,太慢了
0,磨蹭半天
CSV
# A tiny set is refused (exit 65) unless the configuration allows it.
as --db "$S" sentiment train "$T/c-train.csv"
expect_rc "contract: a tiny training set is refused" 65
printf 'sentiment:\n  min_class_texts: 2\n' >"$T/c-senti.yaml"
SC=(--db "$S" --config "$T/c-senti.yaml")
contract "sentiment train" "${SC[@]}" sentiment train "$T/c-train.csv"
contract "sentiment train" "${SC[@]}" sentiment train --from-ratings --model nb
contract "sentiment train" "${SC[@]}" sentiment train --from-ratings --folds 2
as --format json "${SC[@]}" sentiment train --from-ratings --folds 2
expect_eq "contract: ratings training says what it had" \
    "$(json_get '(d["model"], d["folds"], d["negative"], d["positive"])')" "('lr', 2, 3, 3)"
contract_both "sentiment model" --db "$S" sentiment model
as --format json --db "$S" sentiment score "很好"
check_schema "sentiment score" json
expect_eq "contract: the model's n-grams" "$(json_get 'len(d["ngrams"]) > 0')" "True"
contract "sentiment eval" --db "$S" sentiment eval "$T/c-train.csv"
as --format jsonl --db "$S" sentiment eval "$T/c-train.csv"
check_schema "sentiment eval" jsonl
contract "sentiment eval" --db "$S" sentiment eval --by-length --holdout 0.5 "$T/c-train.csv"
as --format json --db "$S" sentiment eval --by-length "$T/c-train.csv"
expect_eq "contract: a reliability table" "$(json_get 'len(d[0]["bins"]) > 0')" "True"
contract "sentiment eval" --db "$S" sentiment eval --from-ratings
contract "sentiment train" --db "$S" sentiment train --clear
