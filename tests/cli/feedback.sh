#!/usr/bin/env bash
# feedback.sh - feedback import (every malformed-CSV case, encodings,
# all-or-nothing, --skip-bad, --rejects, --dry-run, idempotency, change
# history), show, list (--urgent triage), stats, and the config sections.
. "$(dirname "$0")/lib.sh"

as init
H='feedback_id,user_id,station_id,submitted_at,channel,kind,overall,ui,payment,coupon,service,comment,source'
good="$T/good.csv"
printf '%s\r\n' "$H" \
  'F1,U1,S1,2026-11-24T09:05:00+08:00,app,complaint,1,2,1,,3,"多扣钱了，要求退款",x' \
  'F2,U2,S1,2026/11/24 9:05,wechat,suggestion,4,4,5,4,4,希望增加电子发票自动推送,' \
  'F3,U3,S2,2026-11-23,app,praise,5,,,,,"很好，""赞""' \
  '第二行",' \
  'F4,U4,S2,2026-11-23 10:00,app,建议,,,,,,希望支持云闪付,' > "$good"

as feedback import "$good"
expect_rc "import" 0
expect_err_has "summary" "inserted 4, updated 0, unchanged 0, rejected 0"
as feedback import "$good"
expect_err_has "the same file twice changes nothing" "inserted 0, updated 0, unchanged 4, rejected 0"

as --format json feedback show F3
expect_eq "doubled quotes and a newline inside quotes (CRLF kept)" "$(json_get 'd["comment"]')" "$(printf '很好，"赞"\r\n第二行')"
as --format json feedback show F2
expect_eq "Excel time in the business zone" "$(json_get 'd["submitted_at"]')" "2026-11-24T09:05:00+08:00"
expect_eq "weighted score (payment and service weigh 1.5)" "$(json_get 'd["score"]')" "4.3"
expect_eq "a suggestion" "$(json_get 'd["suggestion"]')" "True"
as --format json feedback show F1
# Version 2: stars, reasons, extra and history's old are JSON objects and
# arrays (they were JSON text in a string).
expect_eq "unknown columns kept" "$(json_get 'd["extra"]')" "{'source': 'x'}"
expect_eq "money lost is urgent" "$(json_get 'd["urgency"]')" "high"
ref=$(json_get 'd["ticket_ref"]')
[[ "$ref" =~ ^[0-9]{9}$ ]] && pass "urgent feedback opened a ticket" || fail "urgent feedback opened a ticket" "ref=$ref"
expect_eq "the reasons are kept: every rule that fired" "$(json_get 'd["reasons"]')" "[{'rule': 'money_lost', 'reason': '资金损失', 'match': '多扣钱'}, {'rule': 'low_score', 'reason': '低分且文字强烈负面', 'match': None}]"
expect_eq "its stars by dimension" "$(json_get 'd["stars"]')" "{'ui': 2, 'payment': 1, 'service': 3}"
as --format json feedback show F4
expect_eq "Chinese kind accepted" "$(json_get 'd["kind"]')" "suggestion"
expect_eq "no offset: business zone" "$(json_get 'd["submitted_at"]')" "2026-11-23T10:00:00+08:00"

# A changed row updates and is recorded; the ticket is opened once only.
sed 's/多扣钱了，要求退款/多扣钱了，要求退款！！/' "$good" > "$T/changed.csv"
as feedback import "$T/changed.csv"
expect_err_has "a changed row updates" "inserted 0, updated 1, unchanged 3, rejected 0"
as --format json feedback show F1
expect_eq "the change is recorded" "$(json_get 'd["revisions"]')" "1"
as feedback import "$T/changed.csv"
expect_err_has "re-import after a change" "inserted 0, updated 0, unchanged 4"
n=$(sqlite3 "$AFTERSALES_DB" "SELECT count(*) FROM feedback_escalations WHERE feedback_id = 'F1'")
expect_eq "one escalation however often re-imported" "$n" "1"
old=$(sqlite3 "$AFTERSALES_DB" "SELECT old FROM feedback_history WHERE feedback_id = 'F1'")
expect_eq "history holds the old value" "$old" '{"comment":"多扣钱了，要求退款"}'
as --format json feedback history F1
expect_eq "feedback history" "$(json_get '[r["old"] for r in d]')" "[{'comment': '多扣钱了，要求退款'}]"
as --format json feedback history F2
expect_eq "no changes: an empty list" "$OUT" "[]"
printf '%s\n' "$H" 'F9,U9,S1,2026-11-20T08:00:00+08:00,app,praise,5,5,,,,好,a' > "$T/f9a.csv"
printf '%s\n' "$H" 'F9,U9,S1,2026-11-21T08:00:00+08:00,app,praise,5,3,,,,好,b' > "$T/f9b.csv"
as feedback import "$T/f9a.csv"
as feedback import "$T/f9b.csv"
as --format json feedback history F9
expect_eq "history: old stars and extra are objects, the old time ISO 8601" \
    "$(json_get 'sorted(d[0]["old"].items())')" \
    "[('extra', {'source': 'a'}), ('stars', {'ui': 5}), ('submitted_at', '2026-11-20T08:00:00+08:00')]"
as feedback history F9
expect_out_has "history in text: old as k=v" "submitted_at=2026-11-20T08:00:00+08:00, stars={ui=5}, extra={source=a}"
as feedback history NOPE
expect_rc "history: not found" 1

# UTF-8 BOM and CRLF.
printf '\xef\xbb\xbffeedback_id,submitted_at,overall\r\nB1,2026-11-24T08:00:00Z,4\r\n' > "$T/bom.csv"
as feedback import "$T/bom.csv"
expect_rc "a BOM is skipped" 0
as --format json feedback show B1
expect_eq "Z offset" "$(json_get 'd["submitted_at"]')" "2026-11-24T16:00:00+08:00"

# GB18030 (Excel's GBK).
printf 'feedback_id,submitted_at,overall,comment\r\nG1,2026-11-24,2,加错油了很生气\r\n' | iconv -f UTF-8 -t GB18030 > "$T/gbk.csv"
as feedback import "$T/gbk.csv"
expect_rc "GB18030 without --encoding" 65
expect_err_has "line, byte and the hint" "gbk.csv:2: invalid UTF-8 at byte 17 of the line (is the file GB18030/GBK? try --encoding gb18030)"
as feedback import --encoding gb18030 "$T/gbk.csv"
expect_rc "--encoding gb18030" 0
as --format json feedback show G1
expect_eq "decoded" "$(json_get 'd["comment"]')" "加错油了很生气"
expect_eq "safety is critical" "$(json_get 'd["urgency"]')" "critical"
as --format json feedback list --urgent
expect_eq "triage queue: most urgent first" "$(json_get '[r["feedback_id"] for r in d]')" "['G1', 'F1']"
as --format jsonl feedback list --urgent
expect_json "urgent list as JSON Lines" jsonl

# Every malformed case, each reported with its physical line.
bad="$T/bad.csv"
printf 'feedback_id,submitted_at,user_id,overall,comment\nK1,2026-11-24,U1,5,ok\nK2,2026-13-01,U1,5,ok\nK3,2026-11-24,U1,6,ok\nK4,2026-11-24,U1,5\nK5,2026-11-24,U1,5,"a"b\nK6,2026-11-24,U1,5,"\xe5\xa5"\nK7,2026-11-24,U1,0,"x\ny"\nK8,2026-11-24,U 1,3,x\nK9,2026-11-24,U1,,\nK10,not a date,U1,3,x\nK11,2026-11-24,U1,3,x,extra\nK12,2026-11-24,U1,3,"open\n' > "$bad"
as feedback import "$bad"
expect_rc "bad rows: exit 65" 65
expect_err_has "bad date" "bad.csv:3: submitted_at: '2026-13-01' is not a time"
expect_err_has "stars out of range" "bad.csv:4: overall: '6' is not a star rating (1 to 5, or empty)"
expect_err_has "too few fields" "bad.csv:5: has 4 fields, the header has 5"
expect_err_has "a character after a closing quote" "bad.csv:6: character after a closing quote"
expect_err_has "invalid UTF-8 with line and byte" "bad.csv:7: invalid UTF-8 at byte"
expect_err_has "zero stars (line after a quoted newline)" "bad.csv:8: overall: '0' is not a star rating"
expect_err_has "bad user id" "bad.csv:10: user_id: 'U 1' contains a space"
expect_err_has "empty row content" "bad.csv:11: has no stars and no comment"
expect_err_has "not a date" "bad.csv:12: submitted_at: 'not a date' is not a time"
expect_err_has "too many fields" "bad.csv:13: has 6 fields, the header has 5"
expect_err_has "unterminated quote" "bad.csv:14: unterminated quote"
expect_err_has "nothing imported" "11 of 12 rows rejected; nothing imported"
as feedback show K1
expect_rc "all or nothing: the good row is not there" 1

as feedback import --dry-run --skip-bad "$bad"
expect_rc "dry run" 0
expect_err_has "dry run summary" "dry run: inserted 1, updated 0, unchanged 0, rejected 11"
as feedback show K1
expect_rc "dry run keeps nothing" 1

as feedback import --skip-bad --rejects "$T/rej.csv" "$bad"
expect_rc "--skip-bad" 0
expect_err_has "--skip-bad summary" "inserted 1, updated 0, unchanged 0, rejected 11"
as feedback show K1
expect_rc "--skip-bad imported the good row" 0
head -1 "$T/rej.csv" > "$T/rej.head"
expect_eq "rejects file header" "$(cat "$T/rej.head")" "feedback_id,submitted_at,user_id,overall,comment,error"
run grep -c 'is not a star rating' "$T/rej.csv"
expect_eq "rejects file holds the reasons" "$OUT" "2"

# Header problems.
printf 'user_id,overall\nU1,5\n' > "$T/nokey.csv"
as feedback import "$T/nokey.csv"
expect_rc "no feedback_id column" 65
expect_err_has "missing column named" "feedback_id"
as feedback import "$T/missing.csv"
expect_rc "missing file" 66
as feedback import
expect_rc "no file: usage" 64

# Reading.
as feedback show NOPE
expect_rc "show: not found" 1
as feedback show
expect_rc "show: usage" 64
as feedback show "has space"
expect_rc "show: a malformed ID is a usage error" 64
expect_err_has "show: the ID named" "ID: 'has space' is not an id"
as feedback list --station S1
expect_rc "list by station" 0
expect_out_has "list shows S1 rows" "F2"
as --format json feedback list --from 2026-11-24 --to 2026-11-24T09:00+08:00
expect_eq "list --from/--to" "$(json_get 'sorted(r["feedback_id"] for r in d)')" "['G1', 'K1']"
as --format tsv feedback list --limit 2
expect_eq "tsv with --limit: header + 2 rows" "$(printf '%s\n' "$OUT" | wc -l)" "3"
as feedback list --limit 0
expect_rc "bad --limit" 64
expect_err_has "bad --limit named" "--limit: 0 is out of range"
as --format tsv feedback list --limit 1
expect_eq "list has the fields of show in every format" "$(printf '%s\n' "$OUT" | head -1)" \
    "$(printf 'feedback_id\tsubmitted_at\tstation_id\tuser_id\tchannel\tkind\toverall\tstars\tscore\tsentiment\turgency\treasons\tmismatch\tsuggestion\tticket_ref\tcomment\textra\trevisions\tcreated_at\tupdated_at')"
as feedback list --from yesterday
expect_rc "bad --from" 64

# Stats.
as --format json feedback stats --by station
expect_json "stats by station as JSON"
# Version 2: feedback without a station is station null (was "(none)");
# csat is csat_pct.
expect_eq "stats by station: Bayesian order" "$(json_get '[r["station"] for r in d]')" "['S2', None, 'S1']"
expect_eq "S2 count, mean, csat" "$(json_get '(d[0]["count"], d[0]["mean"], d[0]["csat_pct"])')" "(1, 5.0, 100.0)"
as feedback stats --by station
expect_eq "text: no station shows as -" "$(printf '%s\n' "$OUT" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "S2 - S1 "
as --format json feedback stats --by dimension
expect_eq "stats by dimension" "$(json_get 'sorted(r["dimension"] for r in d)')" "['coupon', 'payment', 'service', 'ui']"
as --format json feedback stats --by day --from 2026-11-23 --to 2026-11-24
expect_eq "stats by day in a range" "$(json_get '[(r["day"], r["count"]) for r in d]')" "[('2026-11-23', 1)]"
as feedback stats
expect_rc "stats without --by" 64
as feedback stats --by month
expect_rc "stats --by month" 64

# Configuration: dimensions and weights, rules; bad YAML with line:col.
cat > "$T/cfg.yaml" <<'YAML'
feedback:
  dimensions:
    speed: 2
  prior_weight: 0
alerts:
  ticket_level: critical
  rules:
    slow:
      keywords: [太慢]
      level: medium
      reason: 太慢了
YAML
export AFTERSALES_DB="$T/cfg.db"
as --config "$T/cfg.yaml" init
printf 'feedback_id,submitted_at,speed,comment\nD1,2026-11-24,2,加油太慢\n' > "$T/speed.csv"
as --config "$T/cfg.yaml" feedback import "$T/speed.csv"
expect_rc "a configured dimension" 0
as --config "$T/cfg.yaml" --format json feedback show D1
expect_eq "its stars" "$(json_get 'd["stars"]')" "{'speed': 2}"
expect_eq "its rule" "$(json_get '(d["urgency"], d["ticket_ref"])')" "('medium', None)"
printf 'feedback_id,submitted_at,ui,comment\nD2,2026-11-24,3,好\n' > "$T/ui.csv"
as --config "$T/cfg.yaml" feedback import "$T/ui.csv"
expect_rc "ui is not a column under that config: kept as extra" 0
as --config "$T/cfg.yaml" --format json feedback show D2
expect_eq "unknown dimension kept in extra" "$(json_get 'd["extra"]')" "{'ui': '3'}"

cat > "$T/bad.yaml" <<'YAML'
feedback:
  dimensions:
    Bad-Name: 1
    comment: 1
    ok: -1
alerts:
  ticket_level: urgent
  rules:
    r1:
      keywords: []
      level: high
    r2:
      level: high
topics:
  min_users: 0
  dictionary:
    发票: 电子发票
YAML
as rules check "$T/bad.yaml"
expect_rc "bad config: exit 78" 78
expect_err_has "bad dimension name" "bad.yaml:3:5: feedback.dimensions: 'Bad-Name' is not a column name"
expect_err_has "fixed column" "bad.yaml:4:5: feedback.dimensions: 'comment' is a fixed column"
expect_err_has "weight range" "bad.yaml:5:9:"
expect_err_has "bad level" "bad.yaml:7:17: 'urgent' is not a level"
expect_err_has "empty keywords" "bad.yaml:10:17: alerts.rules.r1: the keyword list is empty"
expect_err_has "rule without keywords" "alerts.rules.r2: needs keywords and level"
expect_err_has "min_users" "bad.yaml:15:14:"
expect_err_has "dictionary entry not a list" "bad.yaml:17:9: topics.dictionary.发票: expected a list"

# JSON Lines, with an unknown key kept.
printf '{"feedback_id":"J1","submitted_at":"2026-11-24T10:00:00+08:00","overall":5,"comment":"好","note":"x"}\n' > "$T/j.jsonl"
as --config "$T/cfg.yaml" feedback import --jsonl "$T/j.jsonl"
expect_rc "JSON Lines import" 0
as --config "$T/cfg.yaml" --format json feedback show J1
expect_eq "JSON Lines: values and the unknown key" "$(json_get '(d["overall"], d["extra"])')" "(5, {'note': 'x'})"

as feedback --help
expect_rc "group help" 0
for sub in import show history list stats; do
    as feedback "$sub" --help
    expect_rc "feedback $sub --help" 0
done

# Urgent feedback from a known customer opens a real ticket, once; so does
# anonymous urgent feedback (a ticket without a customer to reach).
export AFTERSALES_DB="$T/link.db"
as init
as user add --id L1 --name 客户 --phone 13800138000
printf 'feedback_id,user_id,submitted_at,channel,overall,comment\nK1,L1,2026-11-20T10:00:00+08:00,wechat,1,多扣钱了，要投诉12315\nK2,,2026-11-20T10:00:00+08:00,app,1,多扣钱了，要投诉12315\n' > "$T/urgent.csv"
as feedback import "$T/urgent.csv"
expect_rc "urgent feedback imports" 0
as --format json feedback show K1
ref=$(json_get 'd["ticket_ref"]')
[[ "$ref" =~ ^[0-9]{9}$ ]] && pass "a known customer's urgent feedback gets a tracking number" || fail "a known customer's urgent feedback gets a tracking number" "ref=$ref"
as --format json ticket show "$ref"
expect_rc "the ticket exists" 0
expect_eq "the ticket is the customer's, from the feedback's channel" "$(json_get '(d["user_id"], d["channel"], d["category"])')" "('L1', 'wechat', 'feedback')"
expect_eq "the ticket body gives the reasons in words" "$(json_get 'd["body"].split(chr(10))[-1]')" "预警：资金损失（多扣钱）；可能投诉到监管部门（投诉）；低分且文字强烈负面"
as --format json feedback show K2
ref2=$(json_get 'd["ticket_ref"]')
[[ "$ref2" =~ ^[0-9]{9}$ ]] && pass "anonymous urgent feedback opens a real ticket" || fail "anonymous urgent feedback opens a real ticket" "ref=$ref2"
as --format json ticket show "$ref2"
expect_eq "the anonymous ticket has no user" "$(json_get '(d["user_id"], d["customer"], d["severity"])')" "(None, 'anonymous', 'urgent')"
printf 'feedback_id,user_id,submitted_at,channel,overall,comment\nK1,L1,2026-11-20T10:00:00+08:00,wechat,1,多扣钱了，要投诉12315，还没退款\n' > "$T/urgent2.csv"
as feedback import "$T/urgent2.csv"
as --format jsonl ticket list --user L1
expect_eq "a changed re-import opens no second ticket" "$(printf '%s\n' "$OUT" | grep -c .)" "1"

finish
