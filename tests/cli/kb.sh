#!/usr/bin/env bash
# kb.sh - knowledge base from the command line: add, import (JSON Lines,
# idempotent, bad lines), show, list, search (long, short, Chinese),
# suggest, stats.
. "$(dirname "$0")/lib.sh"

as init

for sub in add import show list search suggest stats; do
    as kb $sub --help
    expect_rc "kb $sub --help" 0
    expect_out_has "kb $sub --help prints usage" "usage: aftersales kb $sub"
done

as kb add --title 扣款成功但订单显示未支付 --body "微信已扣款但订单显示未支付，通常是支付回调延迟，24小时内自动退款。" --category payment --tags "退款，扣款"
expect_rc "add" 0
expect_out "add prints the article" "id:               1
article_id:       -
category:         payment
title:            扣款成功但订单显示未支付
tags:             退款; 扣款
resolved:         0
last_resolved_at: -
created_at:       <TIME>
updated_at:       <TIME>
body:             微信已扣款但订单显示未支付，通常是支付回调延迟，24小时内自动退款。"
printf '在订单详情页点击申请发票，\n电子发票会推送到邮箱。' | "$AFTERSALES" kb add --title 如何开具电子发票 --body - --category invoice --tags 发票 --article-id KB-INV >/dev/null
as --format json kb show KB-INV
expect_eq "--body - reads stdin" "$(json_get 'd["body"]')" "在订单详情页点击申请发票，
电子发票会推送到邮箱。"
expect_eq "show by article_id" "$(json_get 'd["id"]')" "2"

as kb add --title x
expect_rc "add without a body" 64
as kb add --title t --body b --category "two words"
expect_rc "a category with a space is a usage error" 64
expect_err_has "names --category" "--category: 'two words' is not an id"
as kb add --title "" --body x
expect_rc "an empty title" 65
expect_err_has "empty title message" "title: is empty"
as kb add --title t --body b --article-id KB-INV
expect_rc "a known article id" 65
expect_err_has "exists message" "article_id 'KB-INV' already exists"
as kb show 99
expect_rc "show an unknown number" 1
as kb show nope
expect_rc "show an unknown key" 1
as kb show
expect_rc "show without an id" 64

cat > "$T/kb.jsonl" <<'JSONL'
{"article_id":"KB001","title":"重复扣款的处理","body":"同一笔订单重复扣款时，多扣的金额原路退款，退款一般1-3个工作日到账。","category":"payment","tags":"退款"}
{"article_id":"KB002","title":"优惠券无法使用","body":"优惠券有使用门槛，退款后优惠券会退回。","category":"coupon"}

{"article_id":"KB003","title":"Refund policy","body":"Refunds go to the original payment method.","category":"payment"}
JSONL
as kb import "$T/kb.jsonl"
expect_rc "import" 0
expect_err_has "import summary" "inserted 3, updated 0, unchanged 0, rejected 0"
as --format json kb import "$T/kb.jsonl"
expect_eq "a second import changes nothing" "$(json_get 'd["unchanged"]')" "3"

cat > "$T/bad.jsonl" <<'JSONL'
{"article_id":"KB010","title":"好","body":"好"}
{"article_id":"KB011","body":"no title"}
not json
{"article_id":"KB012","title":"t","body":"b","colour":"red"}
JSONL
as kb import "$T/bad.jsonl"
expect_rc "bad lines: exit 65" 65
expect_err_has "missing title with its line" "bad.jsonl:2: title: is missing"
expect_err_has "bad JSON with its line" "bad.jsonl:3: is not valid JSON"
expect_err_has "unknown key with its line" "bad.jsonl:4: unknown key 'colour'"
expect_err_has "nothing imported" "inserted 0, updated 0, unchanged 0, rejected 3"
as kb import --skip-bad "$T/bad.jsonl"
expect_rc "--skip-bad" 0
expect_err_has "--skip-bad keeps the good line" "inserted 1, updated 0, unchanged 0, rejected 3"
as kb import "$T/none.jsonl"
expect_rc "a missing file" 66

as --format tsv kb list --category payment
expect_out "list by category" "id	article_id	category	title	tags	resolved	last_resolved_at	created_at	updated_at
1		payment	扣款成功但订单显示未支付	[\"退款\",\"扣款\"]	0		<TIME>	<TIME>
3	KB001	payment	重复扣款的处理	[\"退款\"]	0		<TIME>	<TIME>
5	KB003	payment	Refund policy	[]	0		<TIME>	<TIME>"
as --format json kb show 1
expect_eq "tags are an array of strings" "$(json_get 'd["tags"]')" "['退款', '扣款']"
as --format json kb show KB003
expect_eq "no tags: an empty array" "$(json_get 'd["tags"]')" "[]"

as --format tsv kb search 重复扣款
expect_rc "search" 0
expect_eq "trigram search" "$(printf '%s\n' "$OUT" | cut -f1,2 | tail -n +2 | tr '\n' ' ')" "1	3 "
as --format tsv kb search 退款
expect_eq "a two-character query still works, tags and body ranked" "$(printf '%s\n' "$OUT" | cut -f2 | tail -n +2 | tr '\n' ' ')" "3 1 4 "
as --format tsv kb search 票
expect_eq "a one-character query" "$(printf '%s\n' "$OUT" | cut -f2 | tail -n +2 | tr '\n' ' ')" "2 "
as --format tsv kb search refund
expect_eq "ASCII is case-insensitive" "$(printf '%s\n' "$OUT" | cut -f2 | tail -n +2 | tr '\n' ' ')" "5 "
as --format tsv kb search 退款 --limit 1
expect_eq "--limit" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" "1"
as --format json kb search 退款 --category coupon
expect_json "search --format json"
expect_eq "search by category" "$(json_get '[a["id"] for a in d]')" "[4]"
as kb search 不存在的词
expect_rc "no match is not an error" 0
as kb search "   "
expect_rc "an empty query" 65
as kb search a b
expect_rc "two arguments" 64
as kb search x --limit 0
expect_rc "--limit 0" 64

as --format jsonl kb suggest --category payment "加油付款后被重复扣款了，订单显示未支付"
expect_json "suggest --format jsonl" jsonl
expect_eq "suggest finds both payment articles" "$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(sorted(json.loads(l)["id"] for l in sys.stdin))')" "[1, 3]"
as kb suggest
expect_rc "suggest needs text" 64

# Resolutions are recorded by the tickets code through the C API; without
# any, stats lists every article with 0.
as --format tsv kb stats --limit 2
expect_out "stats" "id	article_id	category	title	resolved	last_resolved_at
1		payment	扣款成功但订单显示未支付	0	
2	KB-INV	invoice	如何开具电子发票	0	"
sqlite3 "$AFTERSALES_DB" "INSERT INTO kb_resolutions (article_id, ticket_ref, user_id, resolved_at) VALUES (3, 'T1', 'U1', 1750000000), (3, 'T2', 'U2', 1750000100), (2, 'T3', NULL, 1750000200)" 2>/dev/null
if [ $? -eq 0 ]; then
    as --format tsv kb stats --limit 2
    expect_out "stats counts resolutions, most first" "id	article_id	category	title	resolved	last_resolved_at
3	KB001	payment	重复扣款的处理	2	2025-06-15T23:08:20+08:00
2	KB-INV	invoice	如何开具电子发票	1	2025-06-15T23:10:00+08:00"
fi

finish
