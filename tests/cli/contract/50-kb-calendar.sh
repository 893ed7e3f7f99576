# contract/50-kb-calendar.sh - the knowledge base and the business calendars.
contract "kb add" kb add --title "如何开具电子发票" --body "在订单详情页点击申请发票。" \
    --category invoice --tags "发票，电子发票" --article-id C50-KB1
expect_eq "50: kb add gives the tags as an array" \
    "$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["tags"])' <<<"$OUT")" "['发票', '电子发票']"
cat >"$T/c50-kb.jsonl" <<'JSONL'
{"article_id":"C50-KB2","title":"优惠券无法使用","body":"优惠券有使用门槛，退款后优惠券会退回。","category":"coupon","tags":"优惠券"}
{"article_id":"C50-KB3","title":"Refund policy","body":"Refunds go to the original payment method.","category":"payment"}
JSONL
contract "kb import" kb import "$T/c50-kb.jsonl"
contract_both "kb show" kb show C50-KB1
contract_both "kb list" kb list
contract_both "kb search" kb search 发票
contract_both "kb search" kb search refund --category payment
contract_both "kb suggest" kb suggest --category invoice "我要开电子发票"
contract_both "kb stats" kb stats

contract_both "calendar list" calendar list
contract_both "calendar check" calendar check cn-office --from 2025-01-01 --to 2026-01-01
contract_both "calendar add" calendar add cn-office --at 2025-09-26T17:30:00+08:00 --minutes 120
# Past what cn-office knows (2026): a warning in the output and on stderr.
contract_both "calendar add" calendar add cn-office --at 2026-12-31T17:30:00+08:00 --minutes 120
as --format json calendar add cn-office --at 2026-12-31T17:30:00+08:00 --minutes 120
expect_eq "50: a due time past known_until carries a warning" \
    "$(json_get '(d["due"], d["calendar_warning"] is not None)')" "('2027-01-01T10:30:00+08:00', True)"
expect_err_has "50: and warns on stderr" "warning: due 2027-01-01T10:30:00+08:00 lies past 2026"
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//c50//CN\r\nBEGIN:VEVENT\r\nUID:c50-1\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:元旦\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' >"$T/c50.ics"
contract "calendar import" calendar import "$T/c50.ics" --dry-run
contract "calendar import" calendar import "$T/c50.ics"
contract_both "calendar import" calendar import "$T/c50.ics"
