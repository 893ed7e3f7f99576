# contract/30-feedback.sh - feedback and demand (sentiment: 35-sentiment.sh).
#
# Feedback with stars, reasons (an alert rule and a mismatch), unknown
# columns and a change, so that every nested value is there to check.
cat >"$T/c-fb.csv" <<'CSV'
feedback_id,user_id,station_id,submitted_at,channel,kind,overall,ui,payment,coupon,service,comment,source
CF1,CU1,S1,2026-11-20T09:00:00+08:00,app,complaint,1,2,1,,3,多扣钱了，要求退款,kiosk
CF2,CU2,S1,2026-11-21T10:00:00+08:00,wechat,suggestion,4,4,5,4,4,希望增加电子发票自动推送,
CF3,CU1,,2026-11-22T11:00:00+08:00,app,praise,5,5,,,,差评,
CF4,,S2,2026-11-22T12:00:00+08:00,,,,,,,,希望增加电子发票,
CSV
contract "feedback import" feedback import "$T/c-fb.csv"
sed 's/多扣钱了，要求退款,kiosk/多扣钱了，要求退款！,counter/; s/^CF2,CU2,S1,2026-11-21T10:00:00+08:00,wechat,suggestion,4,4,5/CF2,CU2,S1,2026-11-21T10:30:00+08:00,wechat,suggestion,4,3,5/' \
    "$T/c-fb.csv" >"$T/c-fb2.csv"
as feedback import "$T/c-fb2.csv"

contract_both "feedback show" feedback show CF1
as --format json feedback show CF1
expect_eq "contract: show has stars, reasons and extra" \
    "$(json_get '(d["stars"]["payment"], d["reasons"][0]["rule"], d["extra"]["source"])')" \
    "(1, 'money_lost', 'counter')"
contract_both "feedback list" feedback list
as --format json feedback list
expect_eq "contract: list has every row, with a mismatch reason" \
    "$(json_get 'sorted((r["feedback_id"], [x["rule"] for x in r["reasons"]]) for r in d)')" \
    "[('CF1', ['money_lost', 'low_score']), ('CF2', []), ('CF3', ['mismatch']), ('CF4', [])]"
contract_both "feedback history" feedback history CF2
as --format json feedback history CF2
expect_eq "contract: history's old holds a time and stars" \
    "$(json_get 'sorted(d[0]["old"].keys())')" "['stars', 'submitted_at']"
contract_both "feedback stats" feedback stats --by station
contract_both "feedback stats" feedback stats --by dimension
contract_both "feedback stats" feedback stats --by day

# Urgent feedback of an unknown user and of nobody: real tickets, pending.
cat >"$T/c-fb3.csv" <<'CSV'
feedback_id,user_id,submitted_at,overall,comment
CF5,CU9,2026-11-23T09:00:00+08:00,1,我很愤怒
CF6,,2026-11-23T09:10:00+08:00,2,非常失望
CSV
as feedback import "$T/c-fb3.csv"
contract_both "feedback escalations" feedback escalations
as --format json feedback escalations --pending
expect_eq "contract: escalations say what is pending and why" \
    "$(json_get 'sorted((r["feedback_id"], r["customer"], r["pending"], r["why"] is not None) for r in d)')" \
    "[('CF5', 'unknown', True, True), ('CF6', 'anonymous', True, True)]"
contract_both "feedback escalate" feedback escalate

contract_both "demand list" demand list
contract_both "demand link" demand link 电子发票 --backlog CB-1 --area payment
contract_both "demand ship" demand ship CB-1 --at 2026-11-25T10:00:00+08:00
