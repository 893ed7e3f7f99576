# contract/40-tickets.sh - ticket, sla, survey and report commands, on tickets
# with a history: replies, a pause, escalations, an incident with a child, a
# merge, a reopen, an answered survey with a follow-up, a pending survey.
cat >"$T/c40-users.csv" <<'CSV'
user_id,name,phone,region
C40-U1,王五,13700137000,530102
C40-U2,赵六,13600136000,530102
CSV
as user import "$T/c40-users.csv"
expect_rc "40: users for the tickets" 0
cat >"$T/c40-kb.jsonl" <<'JSONL'
{"article_id":"C40-KB1","title":"重复扣款怎么退款","body":"支付时被重复扣款，一般1-3个工作日原路退回。","category":"payment","tags":"退款,扣款"}
JSONL
as kb import "$T/c40-kb.jsonl"
expect_rc "40: an article for suggestions" 0
as --format json kb show C40-KB1
KB=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["id"])' <<<"$OUT")

# num: the tracking number of the ticket in $OUT (JSON).
num() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["tracking"])' <<<"$OUT"; }

D=2026-11-24
contract "ticket open" ticket open --user C40-U1 --channel app --category payment \
    --subject "加油多扣了钱" --body "同一笔重复扣款两次" --tier gold --at ${D}T09:00:00+08:00
A=$(num)
contract "ticket assign" ticket assign "$A" --to alice --by lead --at ${D}T09:05:00+08:00
contract "ticket note" ticket note "$A" --message "内部：查银行流水" --by alice --at ${D}T09:06:00+08:00
contract "ticket reply" ticket reply "$A" --message "已收到，正在核查" --wait --by alice \
    --at ${D}T09:10:00+08:00
contract "ticket status" ticket status "$A" in_progress --message "客户已回复" --at ${D}T11:10:00+08:00
contract "ticket eta" ticket eta "$A" --at ${D}T18:00:00+08:00 --now ${D}T14:00:00+08:00 --by alice
# At 15:30 the resolution clock (due 15:00 after the pause) is breached.
contract_both "sla check" sla check --at ${D}T15:30:00+08:00
contract_both "ticket track" ticket track "$A" --phone-last4 7000 --at ${D}T16:00:00+08:00
contract_both "ticket suggest" ticket suggest "$A" --limit 3
contract "ticket resolve" ticket resolve "$A" --kb "$KB" --message "已原路退款" --by alice \
    --at ${D}T16:30:00+08:00
contract "survey record" survey record "$A" --score 2 --comment "太慢" --at ${D}T17:00:00+08:00
F=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["followup"])' <<<"$OUT")
[[ "$F" =~ ^[0-9]{9}$ ]] && pass "40: survey record opened a follow-up" || fail "40: survey record opened a follow-up"
contract "ticket reopen" ticket reopen "$A" --message "还没到账" --at ${D}T18:00:00+08:00

# An incident with a child; a duplicate merged.
contract "ticket open" ticket open --user C40-U2 --channel station --category station \
    --subject "油站全部无法支付" --severity systemic --at ${D}T10:00:00+08:00
P=$(num)
contract "ticket open" ticket open --user C40-U1 --channel phone --category payment \
    --subject "付不了款" --at ${D}T10:05:00+08:00
C=$(num)
contract "ticket link" ticket link "$C" --incident "$P" --at ${D}T10:10:00+08:00
contract "ticket open" ticket open --user C40-U1 --channel wechat --category payment \
    --subject "付不了款（重复）" --at ${D}T10:06:00+08:00
DUP=$(num)
contract "ticket merge" ticket merge "$DUP" --into "$C" --at ${D}T10:12:00+08:00
contract "ticket resolve" ticket resolve "$P" --message "支付通道已恢复" --at ${D}T12:00:00+08:00
contract "ticket close" ticket close "$P" --at ${D}T12:30:00+08:00

contract_both "ticket show" ticket show "$A"
expect_eq "40: ticket show has its history nested" \
    "$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(len(d["events"]) > 5, d["events"][0]["kind"])' <<<"$OUT")" "True opened"
contract_both "ticket list" ticket list --user C40-U1
contract_both "survey pending" survey pending --at ${D}T20:00:00+08:00
contract_both "report sla" report sla --by level --from ${D} --to 2026-11-26
contract_both "report sla" report sla --by agent --from ${D} --to 2026-11-26
contract_both "report csat" report csat --by queue --from ${D} --to 2026-11-26
contract_both "report csat" report csat --by agent --from ${D} --to 2026-11-26
expect_eq "40: csat numbers" "$(python3 -c 'import json,sys; d=[json.loads(l) for l in sys.stdin.read().splitlines()]; print([(r["agent"], r["mean_score"], r["csat_pct"]) for r in d])' <<<"$OUT")" "[('alice', 2.0, 0.0), ('system', None, None)]"
contract "ticket autoclose" ticket autoclose --at 2026-12-31
as ticket export
expect_rc "40: ticket export" 0
COVERED["ticket export"]=1
check_schema "ticket export" jsonl
expect_eq "40: export has every ticket with nested history" \
    "$(python3 -c 'import json,sys; d=[json.loads(l) for l in sys.stdin.read().splitlines()]; print(sum(1 for t in d if (t["user_id"] or "").startswith("C40-")), any(t["escalations"] for t in d), any(t["surveys"] for t in d))' <<<"$OUT")" "5 True True"
printf '%s\n' "$OUT" >"$T/c40-export.jsonl"
# Importing into the same database: every ticket is already there.
contract "ticket import" ticket import "$T/c40-export.jsonl"
