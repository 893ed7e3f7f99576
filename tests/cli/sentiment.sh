#!/usr/bin/env bash
# sentiment.sh - sentiment score, lexicon, train and eval from the command line.
. "$(dirname "$0")/lib.sh"

as init

# --help on every subcommand: usage on stdout, exit 0
for sub in score lexicon train eval "lexicon add" "lexicon remove" "lexicon list" "lexicon load"; do
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

# train: tiny CSV, bad rows with line numbers, ratings without feedback
cat >"$T/train.csv" <<'CSV'
label,review
1,小哥热情 利索
1,小哥热情
1,小哥热情
0,窝火 排队
0,窝火
CSV
as sentiment train "$T/train.csv"
expect_rc "train" 0
expect_err_has "train summary" "inserted 4, updated 0, unchanged 1, rejected 0"
as --format json sentiment score 窝火
expect_eq "the model scores unknown words" "$(json_get 'd["label"]')" "negative"
printf 'label,review\n1,好\nx,坏\n0,\n' >"$T/bad.csv"
as sentiment train "$T/bad.csv"
expect_rc "bad training rows" 65
expect_err_has "bad label line" "bad.csv:3: label: 'x' is not 0 (negative) or 1 (positive)"
expect_err_has "empty review line" "bad.csv:4: review: is empty"
as sentiment train "$T/missing.csv"
expect_rc "missing training file" 66
as sentiment train --from-ratings
expect_rc "ratings with no rated feedback yet" 65
as sentiment train --from-ratings extra
expect_rc "--from-ratings takes nothing else" 64
as sentiment train --from-ratings --clear
expect_rc "--from-ratings with --clear" 64
as sentiment train --clear --skip-bad
expect_rc "--clear takes no import option" 64
as sentiment train --encoding latin1 "$T/train.csv"
expect_rc "train: an unknown encoding is a usage error" 64
as --format json sentiment train --clear
expect_rc "clear the model" 0
expect_eq "clear says so" "$(json_get 'd["cleared"]')" "True"
as --format json sentiment score 窝火
expect_eq "without the model" "$(json_get 'd["label"]')" "neutral"
as sentiment train --dry-run "$T/train.csv"
expect_rc "train --dry-run" 0
expect_err_has "dry run summary" "dry run: inserted 4"
as --format json sentiment score 窝火
expect_eq "a dry run stores no model" "$(json_get 'd["model"]')" "None"
printf 'label,review\n1,小哥热情\n0,窝火\n' >"$T/two.csv"
as sentiment train "$T/two.csv"
as --format json sentiment score 窝火
expect_eq "a two-row training set keeps its features" "$(json_get 'd["label"]')" "negative"

# eval
printf 'label,review\n1,很方便\n0,太慢了\n0,多扣钱\n1,不错\n' >"$T/set.csv"
as --format json sentiment eval "$T/set.csv"
expect_rc "eval" 0
expect_json "eval json"
expect_eq "eval accuracy" "$(json_get 'd[0]["accuracy"]')" "1.0"
expect_eq "eval scorers" "$(json_get 'd[0]["scorer"] + "|" + d[1]["scorer"]')" "lexicon|lexicon+model"
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
