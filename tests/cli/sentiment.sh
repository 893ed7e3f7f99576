#!/usr/bin/env bash
# sentiment.sh - sentiment score, lexicon, train and eval from the command line.
. "$(dirname "$0")/lib.sh"

as init

# --help on every subcommand: usage on stdout, exit 0
for sub in score lexicon train eval model "lexicon add" "lexicon remove" "lexicon list" "lexicon load"; do
    read -ra words <<<"$sub"
    as sentiment "${words[@]}" --help
    expect_rc "sentiment $sub --help" 0
    expect_out_has "sentiment $sub --help is usage" "usage: aftersales sentiment $sub"
done
as sentiment --help
expect_rc "sentiment --help" 0
as sentiment
expect_rc "sentiment without a command" 64
as sentiment frobnicate
expect_rc "unknown subcommand" 64

# score: text output with the evidence
as sentiment score "不太好，但是加油员很热情！"
expect_rc "score" 0
# (the evidence is an array of objects: a table under the record)
expect_out "score explains" "text:    不太好，但是加油员很热情！
score:   0.9008
label:   positive
lexicon: 4.4300
model:   -
ngrams:  

evidence:
  term  offset  base    value    rules
  好    6       1.0000  -0.2500  negated by 不太 ×-0.5; before 但是 ×0.5
  热情  30      1.5000  4.6800   intensified ×1.6 (很); ！ ×1.3; after 但是 ×1.5"

as --format json sentiment score "太不好"
expect_json "score json"
expect_eq "json label" "$(json_get 'd["label"]')" "negative"
# Version 2: rules is an array of strings (it was one "; "-joined string).
expect_eq "json evidence is an array of objects" "$(json_get 'd["evidence"][0]["term"] + "|" + str(d["evidence"][0]["base"]) + "|" + str(d["evidence"][0]["value"]) + "|" + "/".join(d["evidence"][0]["rules"])')" "好|1.0|-1.6|intensified ×2 (太)/negated by 不 ×-0.8"
expect_eq "json evidence offset is a byte offset" "$(json_get 'd["evidence"][0]["offset"]')" "6"
expect_eq "json: no model, no n-grams" "$(json_get 'd["ngrams"]')" "[]"

# Traditional characters read as simplified: the same terms, the same score.
as --format json sentiment score "服務很差，油加錯了" "服务很差，油加错了"
expect_eq "traditional scores like simplified" "$(json_get 'd[0]["score"] == d[1]["score"] and [e["term"] for e in d[0]["evidence"]] == [e["term"] for e in d[1]["evidence"]]')" "True"
expect_eq "服務很差 finds 很差" "$(json_get '[e["term"] for e in d[0]["evidence"]]')" "['很差', '加错']"

as --format tsv sentiment score 好 差
expect_eq "tsv has a header and two rows" "$(printf '%s\n' "$OUT" | wc -l)" "3"
expect_out_has "tsv header" "text	score	label	lexicon	model	evidence"

# stdin: one text per line; an invalid line is reported, the others scored
printf '很方便\n\xff\n\n多扣钱了😡\n' >"$T/texts.txt"
run "$AFTERSALES" --format jsonl sentiment score - <"$T/texts.txt"
expect_rc "a bad line gives exit 65" 65
expect_err_has "bad line named" "-:2: text: invalid UTF-8 at byte 1"
expect_json "stdin jsonl" jsonl
expect_eq "three lines scored" "$(printf '%s\n' "$OUT" | wc -l)" "3"
expect_eq "labels in order" "$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(" ".join(json.loads(l)["label"] for l in sys.stdin))')" "positive neutral negative"

as sentiment score
expect_rc "score without text" 64
as sentiment score - extra
expect_rc "score - with another text" 64
as sentiment score --bogus x
expect_rc "score unknown option" 64

# lexicon
# The weight is --weight W (a negative WEIGHT positional reads as an option).
as sentiment lexicon add 油枪漏 --weight -3 --tag safety --tag fuel
expect_rc "lexicon add" 0
expect_out_has "lexicon add prints it" "tags:   safety; fuel"
as sentiment lexicon add --kind word --weight=2 擦玻璃
expect_rc "lexicon add with the options first" 0
as --format tsv sentiment lexicon list --tag safety
expect_out_has "list --tag shows the user term" "油枪漏	-3.00	word	[\"safety\",\"fuel\"]	user"
expect_out_has "list --tag shows built-in terms" "加错油	-3.00	word	[\"safety\",\"fuel\"]	builtin"
as --format json sentiment lexicon list --tag negator
expect_json "lexicon list json"
expect_eq "lexicon list: kind and tags (an array)" "$(json_get 'sorted(set((r["kind"], type(r["tags"]).__name__) for r in d))')" "[('negator', 'list')]"
as sentiment score 油枪漏了
expect_out_has "the new term scores" "label:   negative"
# An out-of-range weight and an unknown kind are usage errors (64; they
# were 65 before the option layer checked them).
as sentiment lexicon add 坏 --weight 9
expect_rc "weight out of range" 64
expect_err_has "weight named" "--weight: 9 is out of range (-5 to 5)"
as sentiment lexicon add 坏 --weight abc
expect_rc "weight not a number" 64
as sentiment lexicon add 坏
expect_rc "add without weight" 64
expect_err_has "missing --weight named" "--weight W is required"
as sentiment lexicon add 坏 --weight -1 --kind adverb
expect_rc "bad kind" 64
expect_err_has "bad kind named" "--kind: 'adverb' is not one of word, negator"
as sentiment lexicon add 坏 --weight -1 --tag "Bad Tag"
expect_rc "a bad tag is bad data" 65
expect_err_has "bad tag named" "tag: 'Bad Tag'"
as sentiment lexicon remove 油枪漏
expect_rc "remove" 0
as sentiment lexicon remove 油枪漏
expect_rc "remove again: not found" 1
expect_err_has "not found names the term" "'油枪漏' is not in the lexicon"
as sentiment lexicon load
expect_rc "load" 0
expect_out_has "load counts" "builtin_terms:"
as sentiment lexicon list
expect_out_has "user terms survive a reload" "擦玻璃"
as sentiment lexicon
expect_rc "lexicon without a command" 64
as sentiment lexicon frobnicate
expect_rc "lexicon: unknown command" 64
as sentiment lexicon remove
expect_rc "remove without a term" 64
as sentiment lexicon load extra
expect_rc "load takes no argument" 64

# train.  A training set: 120 texts of each class built from phrases the
# lexicon does not know (窝火, 利索 ...) and phrases it does, in lengths of
# one to forty clauses, with a little noise.
make_set() {  # make_set PER_CLASS SEED > FILE
    awk -v n="$1" -v seed="$2" 'BEGIN {
        srand(seed);
        split("小哥利索 办事麻利 站里敞亮 加油顺溜 很满意 方便 服务周到 值得推荐", pos, " ");
        split("真窝火 憋屈得很 磨蹭半天 闹心 不满意 太慢了 多扣钱 态度差", neg, " ");
        split("今天在中山路站 昨天晚上 周末 早上七点 第一次来 开车路过", fill, " ");
        print "label,review";
        for (i = 0; i < 2 * n; i++) {
            label = i % 2; k = (i % 5 == 4) ? 30 + int(rand() * 10) : 1 + int(rand() * 6);
            text = "";
            for (j = 0; j < k; j++) {
                c = (rand() < 0.15) ? 1 - label : label;
                w = c ? pos[1 + int(rand() * 8)] : neg[1 + int(rand() * 8)];
                if (rand() < 0.3) w = fill[1 + int(rand() * 6)] w;
                text = text w (j + 1 < k ? "，" : "。");
            }
            print label "," text;
        }
    }'
}
make_set 120 7 >"$T/train.csv"
make_set 16 3 >"$T/tiny.csv"

# A tiny set is refused: a model from 32 texts is worse than none.
as sentiment train "$T/tiny.csv"
expect_rc "a tiny training set is refused" 65
expect_err_has "the refusal says why" "training needs at least 100 distinct texts of each class (got 16 negative, 16 positive)"
as --format json sentiment model
expect_eq "nothing was stored" "$(json_get 'd["kind"]')" "none"
as --format json sentiment score "不是很满意"
expect_eq "不是很满意 stays negative" "$(json_get 'd["label"]')" "negative"

as sentiment train "$T/train.csv"
expect_rc "train" 0
expect_err_has "train summary" "inserted "
expect_err_has "the model is described" "model lr: "
expect_err_has "the cross-validation is named" "by 5-fold cross-validation"
as --format json sentiment score 真窝火
expect_eq "the model scores words the lexicon does not know" "$(json_get 'd["label"]')" "negative"
expect_eq "its n-grams explain it" "$(json_get 'len(d["ngrams"]) > 0 and all(set(g) == {"ngram", "offset", "count", "value"} for g in d["ngrams"])')" "True"
as --format json sentiment score 不是很满意
expect_eq "不是很满意 is negative with the model" "$(json_get 'd["label"]')" "negative"
as --format json sentiment model
expect_rc "model" 0
expect_json "model json"
expect_eq "model: lr, five layers, the grid" "$(json_get '(d["kind"], len(d["layers"]), [c["c"] for c in d["cv"]], d["buckets"])')" "('lr', 5, [0.5, 1.0, 2.0, 4.0, 8.0, 16.0], 1048576)"
expect_eq "model: the texts" "$(json_get 'd["negative"] + d["positive"] + d["held_out"] <= 240 and d["held_out"] == 0')" "True"
as sentiment model
expect_out_has "model text" "kind:        lr"

# Options: holdout, folds, a fixed C, naive Bayes.
as --format json sentiment train --holdout 0.2 --folds 3 --c 2 "$T/train.csv"
expect_rc "train with a holdout is refused below the minimum" 65
expect_err_has "the holdout counts" "besides the holdout"
printf 'sentiment:\n  min_class_texts: 50\n' >"$T/small.yaml"
as --config "$T/small.yaml" --format json sentiment train --holdout 0.2 --folds 3 --c 2 "$T/train.csv"
expect_rc "train --holdout --folds --c" 0
as --format json sentiment model
expect_eq "model: the options" "$(json_get '(d["folds"], d["c"], d["holdout"], d["held_out"] > 10, len(d["cv"]))')" "(3, 2.0, 0.2, True, 1)"
as --format json sentiment eval --holdout 0.2 "$T/train.csv"
expect_rc "eval --holdout" 0
as --format json sentiment model
held=$(json_get 'd["held_out"]')
as --format json sentiment eval --holdout 0.2 "$T/train.csv"
expect_eq "eval --holdout reads the held-out texts" "$(json_get 'd[0]["texts"]')" "$held"
expect_eq "eval: every scorer" "$(json_get '[r["scorer"] for r in d]')" "['lexicon', 'nb', 'lr', 'lexicon+model']"
as sentiment train --holdout 0.95 "$T/train.csv"
expect_rc "--holdout above 0.9" 64
expect_err_has "--holdout named" "--holdout: 0.95 is out of range (0 to 0.9)"
as sentiment train --c 0.0001 "$T/train.csv"
expect_rc "--c below 0.001" 64
as sentiment train --folds 1 "$T/train.csv"
expect_rc "--folds below 2" 64
as sentiment train --model svm "$T/train.csv"
expect_rc "--model unknown" 64
as --format json sentiment train --model nb "$T/train.csv"
expect_rc "train --model nb" 0
as --format json sentiment model
expect_eq "model: nb" "$(json_get '(d["kind"], d["c"], d["cv"], d["layers"])')" "('nb', None, [], [])"
as --format json sentiment eval "$T/train.csv"
expect_eq "eval with nb: no lr row" "$(json_get '[r["scorer"] for r in d]')" "['lexicon', 'nb', 'lexicon+model']"

# Bad rows, files and argument combinations.
printf 'label,review\n1,好\nx,坏\n0,\n' >"$T/bad.csv"
as sentiment train "$T/bad.csv"
expect_rc "bad training rows" 65
expect_err_has "bad label line" "bad.csv:3: label: 'x' is not 0 (negative) or 1 (positive)"
expect_err_has "empty review line" "bad.csv:4: review: is empty"
as sentiment train "$T/missing.csv"
expect_rc "missing training file" 66
as sentiment train
expect_rc "train without a file" 64
as sentiment train --from-ratings
expect_rc "ratings with no rated feedback yet" 65
as sentiment train --from-ratings extra
expect_rc "--from-ratings takes no file" 64
as sentiment train --from-ratings --skip-bad
expect_rc "--from-ratings takes no import option" 64
as sentiment train --from-ratings --clear
expect_rc "--from-ratings with --clear" 64
as sentiment train --clear --skip-bad
expect_rc "--clear takes no import option" 64
as sentiment train --clear --model nb
expect_rc "--clear takes no model option" 64
as sentiment train --encoding latin1 "$T/train.csv"
expect_rc "train: an unknown encoding is a usage error" 64
as --format json sentiment train --clear
expect_rc "clear the model" 0
expect_eq "clear says so" "$(json_get 'd["cleared"]')" "True"
as --format json sentiment score 真窝火
expect_eq "without the model" "$(json_get 'd["label"]')" "neutral"
as sentiment train --dry-run "$T/train.csv"
expect_rc "train --dry-run" 0
expect_err_has "dry run summary" "dry run: inserted"
expect_err_has "dry run model" "dry run: model lr"
as --format json sentiment score 真窝火
expect_eq "a dry run stores no model" "$(json_get 'd["model"]')" "None"
as --format json sentiment train --delimiter , --encoding utf-8 - <"$T/train.csv"
expect_rc "train from stdin with import options" 0
expect_eq "the import summary" "$(json_get '(d["file"], d["rows"], d["committed"])')" "('-', 240, True)"

# From the chain's own ratings: the same refusal, then a model.
awk -F, 'NR > 1 { printf "R%d,2026-11-01T10:00:00+08:00,%d,%s\n", NR, $1 == 1 ? 5 : 1, $2 }' \
    "$T/train.csv" | sed '1i feedback_id,submitted_at,overall,comment' >"$T/fb.csv"
head -33 "$T/fb.csv" >"$T/fb-tiny.csv"
as feedback import "$T/fb-tiny.csv"
expect_rc "feedback import (32 rated comments)" 0
as sentiment train --from-ratings
expect_rc "32 ratings are refused" 65
expect_err_has "ratings refusal says why" "got 16 negative, 16 positive"
as feedback import "$T/fb.csv"
as --format json sentiment train --from-ratings
expect_rc "train --from-ratings" 0
expect_json "ratings json"
expect_eq "ratings: what it had" "$(json_get '(d["rows"], d["model"], d["folds"], d["negative"] + d["positive"] == d["texts"] - d["held_out"])')" "(240, 'lr', 5, True)"
as --format json sentiment eval --from-ratings
expect_rc "eval --from-ratings" 0
expect_eq "eval --from-ratings reads every rating" "$(json_get 'd[0]["texts"]')" "240"
as sentiment eval --from-ratings "$T/train.csv"
expect_rc "eval --from-ratings takes no file" 64

# eval
printf 'label,review\n1,很方便\n0,太慢了\n0,多扣钱\n1,不错\n' >"$T/set.csv"
as --format json sentiment eval "$T/set.csv"
expect_rc "eval" 0
expect_json "eval json"
expect_eq "eval accuracy" "$(json_get 'd[0]["accuracy"]')" "1.0"
expect_eq "eval scorers" "$(json_get '[r["scorer"] for r in d]')" "['lexicon', 'nb', 'lr', 'lexicon+model']"
as --format json sentiment eval --by-length "$T/train.csv"
expect_rc "eval --by-length" 0
expect_json "eval --by-length json"
expect_eq "by length: buckets per scorer" "$(json_get 'sorted(set((r["scorer"], r["chars_min"]) for r in d))[:3]')" "[('lexicon', 1), ('lexicon', 11), ('lexicon', 31)]"
expect_eq "by length: bins add up" "$(json_get 'all(sum(b["texts"] for b in r["bins"]) == r["texts"] for r in d)')" "True"
expect_eq "by length: every text once per scorer" "$(json_get 'sum(r["texts"] for r in d if r["scorer"] == "lr")')" "240"
as sentiment eval --holdout 2 "$T/set.csv"
expect_rc "eval --holdout out of range" 64
as --format json sentiment train --clear
printf 'label\treview\n1\t很方便\n0\t太慢了\n' >"$T/set.tsv"
as --format json sentiment eval --delimiter tab "$T/set.tsv"
expect_rc "eval --delimiter tab" 0
expect_eq "eval with a tab: both rows" "$(json_get 'd[0]["texts"]')" "2"
as sentiment eval --delimiter , "$T/set.tsv"
expect_rc "eval --delimiter , on a tab file: no label column" 65
as sentiment eval --delimiter colon "$T/set.tsv"
expect_rc "eval: an unknown delimiter is a usage error" 64
printf 'label,review\r\n1,很方便\r\n0,太慢了\r\n' | iconv -f UTF-8 -t UTF-16LE >"$T/set16.csv"
as --format json sentiment eval --encoding utf-16le "$T/set16.csv"
expect_rc "eval --encoding utf-16le (no byte order mark)" 0
expect_eq "eval: UTF-16 rows read" "$(json_get 'd[0]["texts"]')" "2"
as sentiment eval "$T/set16.csv"
expect_rc "eval: UTF-16 without a BOM or --encoding is bad data" 65
printf 'label,review\n1,好\n7,坏\n' >"$T/bad-eval.csv"
as sentiment eval "$T/bad-eval.csv"
expect_rc "eval bad label" 65
expect_err_has "eval names the line" "bad-eval.csv:3: label: '7' is not 0 or 1"
as sentiment eval
expect_rc "eval without a file" 64
as sentiment eval "$T/nope.csv"
expect_rc "eval missing file" 66

finish
