#!/usr/bin/env bash
# service_loop.sh - issue 11 (the service loop closes) and issue 12 item 3
# (tracking that cannot be enumerated), end to end through the command line:
# every angry customer gets a ticket exactly once, every ticket's history is
# true, every survey is counted, demand topics read as phrases, calendars
# know where their knowledge ends, beta testers are invited first, and
# tracking numbers are keyed and guarded.
. "$(dirname "$0")/lib.sh"

as init
expect_rc "init" 0

# json_lines EXPR: evaluate EXPR on the JSON Lines of stdout as `d`.
json_lines() {
    printf '%s' "$OUT" | python3 -c '
import json, sys
d = [json.loads(l) for l in sys.stdin.read().splitlines() if l.strip()]
print(eval(sys.argv[1]))
' "$1"
}

# ---- the scenario: every angry customer gets a ticket, exactly once --------

cat >"$T/users.csv" <<'CSV'
user_id,name,phone,region,beta_tester
K1,王一,13800138001,530102,no
K2,王二,13800138002,530102,yes
CSV
as user import "$T/users.csv"
expect_rc "users" 0

# 愤怒 and 失望 (the seed's words), a complaint to 12315 from nobody, money
# lost from a user not imported yet, a 1-star text with no keyword, the same
# anger in traditional characters, and two calm rows.
cat >"$T/fb.csv" <<'CSV'
feedback_id,user_id,submitted_at,channel,overall,comment
A1,K1,2026-11-20T09:00:00+08:00,app,3,我真的很愤怒
A2,K2,2026-11-20T09:10:00+08:00,wechat,3,太让人失望了
A3,,2026-11-20T09:20:00+08:00,app,2,要打12315投诉你们
A4,U-NEW,2026-11-20T09:30:00+08:00,app,1,加油多扣了钱
A5,K1,2026-11-20T09:40:00+08:00,app,1,等了一个小时没人理，体验极差，非常糟糕
A6,,2026-11-20T09:50:00+08:00,app,3,我對你們很憤怒
A7,K2,2026-11-20T10:00:00+08:00,app,5,很方便
A8,K1,2026-11-20T10:10:00+08:00,app,4,还可以
CSV
as feedback import "$T/fb.csv"
expect_rc "feedback import" 0
expect_err_has "a user id not imported yet is kept, not rejected" "inserted 8, updated 0, unchanged 0, rejected 0"
as feedback import "$T/fb.csv"
expect_err_has "the second import changes nothing" "inserted 0, updated 0, unchanged 8, rejected 0"

as --format jsonl feedback list
refs=$(json_lines 'sorted((r["feedback_id"], r["ticket_ref"] is not None, [x["rule"] for x in r["reasons"]][:1]) for r in d)')
expect_eq "every urgent row has a ticket and says which rule fired" "$refs" \
    "[('A1', True, ['anger']), ('A2', True, ['disappointment']), ('A3', True, ['regulator']), ('A4', True, ['money_lost']), ('A5', True, ['low_score']), ('A6', True, ['anger']), ('A7', False, []), ('A8', False, [])]"
as --format jsonl ticket list
expect_eq "exactly one ticket per urgent row after two imports" \
    "$(json_lines 'sorted(t["subject"] for t in d)')" \
    "['紧急反馈 A1', '紧急反馈 A2', '紧急反馈 A3', '紧急反馈 A4', '紧急反馈 A5', '紧急反馈 A6']"
expect_eq "who the customers are" \
    "$(json_lines 'sorted((t["subject"][-2:], t["user_id"], t["customer"]) for t in d)')" \
    "[('A1', 'K1', 'known'), ('A2', 'K2', 'known'), ('A3', None, 'anonymous'), ('A4', 'U-NEW', 'unknown'), ('A5', 'K1', 'known'), ('A6', None, 'anonymous')]"

# A changed re-import still opens no second ticket.
sed 's/加油多扣了钱/加油多扣了钱，还没退/' "$T/fb.csv" >"$T/fb2.csv"
as feedback import "$T/fb2.csv"
expect_err_has "a changed row updates" "inserted 0, updated 1, unchanged 7"
as --format jsonl ticket list
expect_eq "still six tickets" "$(json_lines 'len(d)')" "6"

# What waits, and why.
as --format json feedback escalations --pending
expect_eq "pending: the anonymous and the unknown customers" \
    "$(json_get 'sorted((r["feedback_id"], r["customer"]) for r in d)')" \
    "[('A3', 'anonymous'), ('A4', 'unknown'), ('A6', 'anonymous')]"
expect_eq "each says why" "$(json_get 'all(r["why"] for r in d)')" "True"
as --format json feedback show A4
A4T=$(json_get 'd["ticket_ref"]')
as ticket track "$A4T" --phone-last4 8004
expect_rc "no second factor until a contact is known" 1

# U-NEW is imported: the ticket is linked to them and can be tracked.
printf 'user_id,name,phone,region\nU-NEW,新客户,13800138004,530102\n' >"$T/new.csv"
as user import "$T/new.csv"
expect_rc "the new user arrives" 0
as --format json ticket show "$A4T"
expect_eq "the ticket is linked, with an event" \
    "$(json_get '(d["customer"], d["events"][-1]["kind"], d["events"][-1]["text"])')" \
    "('known', 'customer', 'customer U-NEW is a user now: linked')"
as --format json ticket track "$A4T" --phone-last4 8004
expect_rc "now it can be tracked" 0
as --format json feedback escalations --pending
expect_eq "only the anonymous ones wait" "$(json_get 'sorted(r["feedback_id"] for r in d)')" "['A3', 'A6']"

# Feedback import and fuel import agree on users: an unknown id is kept by
# both, an erased user's rows are refused by both (naming the user).
printf 'user_id,name,phone,region\nGONE,走了,13800138009,530102\n' >"$T/gone.csv"
as user import "$T/gone.csv"
as user forget GONE --force
expect_rc "a user is erased" 0
printf 'feedback_id,user_id,submitted_at,overall,comment\nG1,GONE,2026-11-20T09:00:00+08:00,1,很愤怒\n' >"$T/gfb.csv"
as feedback import "$T/gfb.csv"
expect_rc "feedback of an erased user is refused" 65
expect_err_has "and says why" "gfb.csv:2: user_id: user 'GONE' was erased"
printf 'tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\nGT1,GONE,S1,2026-11-20T09:00:00+08:00,92,30,200.00\nGT2,NOBODY-YET,S1,2026-11-20T09:00:00+08:00,92,30,200.00\n' >"$T/gfu.csv"
as fuel import "$T/gfu.csv"
expect_rc "so is its fueling record" 65
expect_err_has "in the same words" "gfu.csv:2: user_id: user 'GONE' was erased"
printf 'feedback_id,user_id,submitted_at,overall,comment\nG2,NOBODY-YET,2026-11-20T09:00:00+08:00,4,不错\n' >"$T/gfb2.csv"
as feedback import "$T/gfb2.csv"
expect_rc "feedback of a user not imported yet is kept" 0
printf 'tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\nGT2,NOBODY-YET,S1,2026-11-20T09:00:00+08:00,92,30,200.00\n' >"$T/gfu2.csv"
as fuel import "$T/gfu2.csv"
expect_rc "and so is their fueling record" 0

# ---- 3. a history that could have happened --------------------------------

as --format json feedback show A1
A1T=$(json_get 'd["ticket_ref"]')
as --format json ticket show "$A1T"
OPENED=$(json_get 'd["created_at"]')
as ticket reply "$A1T" --message 早到了 --at 2026-01-01T09:00:00+08:00
expect_rc "an event before the opening is refused" 65
expect_err_has "naming both times" "an event at 2026-01-01T09:00:00+08:00 would come before the ticket was opened ($OPENED)"
as ticket open --user K1 --channel app --category station --subject 油站停电 --severity systemic \
    --at 2026-11-25T10:00:00+08:00
as --format json ticket list --severity systemic
P=$(json_get 'd[0]["tracking"]')
as ticket open --user K2 --channel app --category station --subject 加不了油 --at 2026-11-25T09:00:00+08:00
as --format json ticket list --user K2 --status new
C=$(json_get '[t["tracking"] for t in d if t["subject"] == "加不了油"][0]')
as ticket link "$C" --incident "$P" --at 2026-11-25T09:30:00+08:00
expect_rc "ticket link --at before the incident was opened" 65
expect_err_has "link: both times" "would come before the ticket was opened (2026-11-25T10:00:00+08:00)"
as ticket link "$C" --incident "$P" --at 2026-11-25T10:05:00+08:00
expect_rc "ticket link after both openings" 0
as ticket note "$C" --message 补记 --at 2026-11-25T10:01:00+08:00
expect_rc "an event before the previous one is refused" 65
expect_err_has "previous event named" "before its previous event (linked at 2026-11-25T10:05:00+08:00)"

# An import naming an unknown calendar, queue or level is refused at import.
as ticket export
printf '%s\n' "$OUT" | grep "\"$C\"" | sed 's/"calendar":"cn-office"/"calendar":"moon-office"/' >"$T/badcal.jsonl"
as --db "$T/copy.db" init
as --db "$T/copy.db" user import "$T/users.csv"
as --db "$T/copy.db" ticket import "$T/badcal.jsonl"
expect_rc "an unknown calendar is refused at import" 65
expect_err_has "the calendar named" "calendar: 'moon-office' is not a calendar of the configuration"
as ticket export
printf '%s\n' "$OUT" | grep "\"$C\"" | sed 's/"queue":"general"/"queue":"nobody-watches"/' >"$T/badq.jsonl"
as --db "$T/copy.db" ticket import "$T/badq.jsonl"
expect_rc "an unknown queue is refused at import" 65
as ticket open --user K1 --channel app --category x --subject y --queue nobody-watches
expect_rc "ticket open --queue of an unknown queue" 65

# ---- 4. the customer's view stays true -------------------------------------

as --format json ticket open --user K1 --channel app --category payment --subject 退款进度 \
    --at 2026-11-30T08:00:00+08:00
R=$(json_get 'd["tracking"]')
as ticket eta "$R" --at 2026-11-30T18:00:00+08:00 --now 2026-11-30T09:00:00+08:00
expect_rc "promise an ETA" 0
as --format json ticket track "$R" --phone-last4 8001 --at 2026-11-30T10:00:00+08:00
expect_eq "before the ETA" "$(json_get 'd["eta_text"]')" "预计今天18:00前完成"
as --format json ticket track "$R" --phone-last4 8001 --at 2026-11-30T18:30:00+08:00
expect_eq "after the ETA: a truthful text, not a time in the past" "$(json_get 'd["eta_text"]')" "已超过预计时间，正在加急处理"

# ---- 5. satisfaction counted right -----------------------------------------

as ticket open --user K2 --channel app --category payment --subject 发票开不出 --at 2026-11-26T09:00:00+08:00
as --format json ticket list --user K2 --status new
S=$(json_get '[t["tracking"] for t in d if t["subject"] == "发票开不出"][0]')
as ticket assign "$S" --to alice --at 2026-11-26T09:05:00+08:00
as ticket resolve "$S" --message 已处理 --by bob --at 2026-11-26T10:00:00+08:00
expect_rc "bob resolves alice's ticket" 0
as --format json survey pending --at 2026-11-26T11:00:00+08:00
expect_eq "the survey credits the resolver" "$(json_get '[r["agent"] for r in d if r["tracking"] == "'"$S"'"]')" "['bob']"
as --format json survey record "$S" --score 1 --comment 很差 --at 2026-11-26T12:00:00+08:00
F=$(json_get 'd["followup"]')
as --format json ticket show "$F"
expect_eq "the low score goes to the lead's queue, not back to bob or alice" \
    "$(json_get '(d["queue"], d["assignee"])')" "('service-lead', None)"
as --format json report csat --by agent --from 2026-11-26 --to 2026-11-27
expect_eq "CSAT by agent credits the resolver" \
    "$(json_get '[(r["agent"], r["answers"], r["mean_score"], r["response_rate_pct"], r["callback_on_time_pct"]) for r in d]')" \
    "[('bob', 1, 1.0, 100.0, 100.0)]"
# A survey nobody answers expires.
as ticket open --user K1 --channel app --category payment --subject 二次扣款 --at 2026-11-26T09:00:00+08:00
as --format json ticket list --user K1 --status new
E=$(json_get '[t["tracking"] for t in d if t["subject"] == "二次扣款"][0]')
as ticket resolve "$E" --by carol --at 2026-11-26T09:30:00+08:00
as survey record "$E" --score 5 --at 2026-12-05T09:30:00+08:00
expect_rc "an answer after the survey expired is refused" 65
expect_err_has "expiry named" "expired at 2026-12-03T09:30:00+08:00"
as --format json report csat --by agent --from 2026-11-26 --to 2026-12-10
expect_eq "carol: one survey, no answer, expired" \
    "$(json_get '[(r["surveys"], r["responded"], r["expired"], r["mean_score"]) for r in d if r["agent"] == "carol"]')" \
    "[(1, 0, 1, None)]"

# ---- 6. demand topics people can read --------------------------------------

cat >"$T/sugg.csv" <<'CSV'
feedback_id,user_id,submitted_at,kind,comment
D1,K1,2026-11-20,suggestion,希望增加洗车服务预约
D2,K2,2026-11-20,suggestion,建议增加洗车服务预约功能
D3,U-NEW,2026-11-21,suggestion,能不能加洗车服务预约
D4,Q4,2026-11-21,suggestion,希望洗車服務預約
CSV
as feedback import "$T/sugg.csv"
as --format json demand list
expect_eq "a whole phrase, traditional folded in, no fragments" \
    "$(json_get '[(r["topic"], r["users"]) for r in d if r["source"] == "phrase"]')" "[('洗车服务预约', 4)]"
as demand link 车服务预 --backlog BL-9
expect_rc "demand link of an unknown topic" 1
expect_err_has "named" "topic '车服务预' is neither a dictionary topic"
as demand link 洗車服務預約 --backlog BL-1 --area paymnt
expect_rc "an area that is not a dimension" 65
as --format json demand link 洗車服務預約 --backlog BL-1 --area payment
expect_rc "link the phrase (typed in traditional) with its area" 0

# ---- 8. the beta programme --------------------------------------------------

as --format json user list --beta
expect_eq "user list --beta" "$(json_get '[u["user_id"] for u in d]')" "['K2']"
as --format json demand ship BL-1 --at 2026-11-28T10:00:00+08:00
expect_eq "beta testers invited first, the others notified" \
    "$(json_get '(d["beta_invited"], d["notified"])')" "(1, 3)"
as --format json outbox list --user K2
expect_eq "K2's invitation" "$(json_get '[(m["kind"], m["not_before"]) for m in d]')" \
    "[('beta_invite', '2026-11-28T10:00:00+08:00')]"
as --format json outbox list --user K1
expect_eq "K1 hears two days later" "$(json_get '[(m["kind"], m["not_before"]) for m in d if m["kind"] == "demand_shipped"]')" \
    "[('demand_shipped', '2026-11-30T10:00:00+08:00')]"
as --format json demand ship BL-1 --at 2026-11-29T10:00:00+08:00
expect_eq "once" "$(json_get '(d["beta_invited"], d["notified"], d["already_notified"])')" "(0, 0, 4)"

# ---- 7. calendars that know where their knowledge ends ---------------------

as --format json calendar add cn-office --at 2026-12-31T17:30:00+08:00 --minutes 120
expect_eq "2026-12-31 17:30 + 2 h lands on 2027-01-01, with a warning" \
    "$(json_get '(d["due"], d["calendar_warning"])')" \
    "('2027-01-01T10:30:00+08:00', 'due 2027-01-01T10:30:00+08:00 lies past 2026, the last year calendar cn-office knows holidays for')"
expect_err_has "and on stderr" "warning: due 2027-01-01T10:30:00+08:00 lies past 2026"
as --format json ticket open --user K1 --channel app --category account --subject 改手机号 \
    --at 2026-12-31T17:30:00+08:00
expect_rc "a normal ticket at year's end" 0
expect_err_has "ticket open warns" "lies past 2026, the last year calendar cn-office knows holidays for"
Y=$(json_get 'd["tracking"]')
as --format json sla check --at 2027-01-01T10:20:00+08:00
expect_eq "sla check says so in its output" \
    "$(json_get '[(r["clock"], r["calendar_warning"]) for r in d if r["tracking"] == "'"$Y"'"]')" \
    "[('first_response', 'due 2027-01-01T10:30:00+08:00 lies past 2026, the last year calendar cn-office knows holidays for')]"
expect_err_has "and on stderr" "warning: ticket $Y, first_response clock: due 2027-01-01T10:30:00+08:00"
cat >"$T/2027.ics" <<'ICS'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//holidays 2027//CN
BEGIN:VEVENT
UID:2027-0101
DTSTART;VALUE=DATE:20270101
DTEND;VALUE=DATE:20270102
SUMMARY:元旦
END:VEVENT
BEGIN:VEVENT
UID:2027-0206
DTSTART;VALUE=DATE:20270206
DTEND;VALUE=DATE:20270214
SUMMARY:春节
END:VEVENT
BEGIN:VEVENT
UID:2027-0220
DTSTART;VALUE=DATE:20270220
SUMMARY:春节补班
END:VEVENT
END:VCALENDAR
ICS
as --format json calendar import "$T/2027.ics" --dry-run
expect_eq "a dry run" "$(json_get '(d["holidays"], d["workdays"], d["inserted"], d["committed"])')" "(9, 1, 10, False)"
as --format json calendar import "$T/2027.ics"
expect_eq "calendar import" "$(json_get '(d["inserted"], d["known_until"])')" "(10, 2027)"
as --format json calendar import "$T/2027.ics"
expect_eq "again: nothing changes" "$(json_get '(d["inserted"], d["unchanged"])')" "(0, 10)"
as --format json calendar add cn-office --at 2026-12-31T17:30:00+08:00 --minutes 120
expect_eq "now 元旦 and the weekend are skipped, no warning" \
    "$(json_get '(d["due"], d["calendar_warning"])')" "('2027-01-04T10:30:00+08:00', None)"
printf 'BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART;VALUE=DATE:20280101\nRRULE:FREQ=YEARLY\nSUMMARY:元旦\nEND:VEVENT\nEND:VCALENDAR\n' >"$T/rrule.ics"
as calendar import "$T/rrule.ics"
expect_rc "a recurring event is refused" 65
expect_err_has "with its line" "rrule.ics:3: RRULE: a recurring event (元旦)"
as calendar import "$T/missing.ics"
expect_rc "a missing file" 66
as calendar import --calendar mars "$T/2027.ics"
expect_rc "an unknown calendar" 1

# ---- issue 12.3: tracking that cannot be enumerated ------------------------

first_number() {
    as --db "$1" init
    as --db "$1" user add --id Z1 --name 甲 --phone 13900139000
    as --db "$1" --format json ticket open --user Z1 --channel app --category x --subject 第一张
    json_get 'd["tracking"]'
}
n1=$(first_number "$T/fresh1.db")
n2=$(first_number "$T/fresh2.db")
[[ "$n1" =~ ^[0-9]{9}$ && "$n2" =~ ^[0-9]{9}$ && "$n1" != "$n2" ]] \
    && pass "two fresh databases number their first ticket differently" \
    || fail "two fresh databases number their first ticket differently" "$n1 $n2"
as --db "$T/fresh1.db" ticket track "$n1" --phone-last4 9000 --at 2026-11-29T10:00:00+08:00
expect_rc "the right second factor" 0
for i in 1 2 3 4 5; do
    as --db "$T/fresh1.db" ticket track "$n1" --phone-last4 1111 --at 2026-11-29T10:0$i:00+08:00
done
expect_rc "a wrong second factor" 1
wrong=$ERR
as --db "$T/fresh1.db" ticket track "$n1" --phone-last4 9000 --at 2026-11-29T10:06:00+08:00
expect_rc "after 5 failures in 15 minutes even the right digits are refused" 1
locked=$ERR
unknown=$(python3 -c 'import sys
d = [0,3,1,7,5,9,8,6,4,2,7,0,9,2,1,5,4,8,6,3,4,2,0,6,8,7,1,3,5,9,1,7,5,0,9,8,3,4,2,6,6,1,2,3,0,4,5,9,7,8,3,6,7,4,2,0,9,5,8,1,5,8,6,9,7,2,0,1,3,4,8,9,4,5,3,6,2,0,1,7,9,4,3,8,6,1,7,2,0,5,2,5,8,1,4,3,6,7,9,0]
n = sys.argv[1]
for k in range(100):
    body = "%08d" % ((int(n[:8]) + 1 + k) % 10**8)
    c = 0
    for ch in body:
        c = d[c * 10 + int(ch)]
    print(body + str(c)); break' "$n1")
as --db "$T/fresh1.db" ticket track "$unknown" --phone-last4 9000 --at 2026-11-29T10:06:00+08:00
expect_rc "an unknown number" 1
expect_eq "locked answers exactly like an unknown number" "${locked//$n1/N}" "${ERR//$unknown/N}"
expect_eq "and like a wrong second factor" "${wrong//$n1/N}" "${ERR//$unknown/N}"
n=$(sqlite3 "$T/fresh1.db" "SELECT group_concat(outcome, ',') FROM (SELECT outcome FROM tracking_attempts WHERE tracking = '$n1' ORDER BY id)")
expect_eq "every failure is recorded" "$n" "wrong,wrong,wrong,wrong,wrong,locked"
n=$(sqlite3 "$T/fresh1.db" "SELECT count(*) FROM tracking_attempts WHERE tracking = '$unknown'")
expect_eq "an unknown number's failure too" "$n" "1"
as --db "$T/fresh1.db" ticket track "$n1" --phone-last4 9000 --at 2026-11-29T10:30:00+08:00
expect_rc "15 minutes after the last failure it answers again" 0

finish
