# contract/82-report-feedback.sh - report feedback, report sentiment and
# report urgent (and feedback stats --by week / --station) over the shared
# database, with feedback of its own (other parts' feedback may be there
# too): a week of ratings and comments, an urgent complaint with a ticket.
cat >"$T/c-rfb.csv" <<'CSV'
feedback_id,station_id,submitted_at,overall,ui,service,comment
CRF1,S1,2026-10-05T09:00:00+08:00,5,5,4,加油很方便，服务热情
CRF2,S1,2026-10-06T10:00:00+08:00,1,2,1,多扣钱了，投诉
CRF3,S2,2026-10-13T11:00:00+08:00,3,3,,优惠券用不了
CRF4,S2,2026-10-14T12:00:00+08:00,,,,一般
CSV
as feedback import "$T/c-rfb.csv"
expect_rc "contract: the report feedback data" 0
RP=(--from 2026-10-01T00:00:00+08:00 --to 2026-10-22T00:00:00+08:00)

contract_both "report feedback" report feedback "${RP[@]}" --by week
as --format json report feedback "${RP[@]}" --by week
expect_json_where "report feedback: every week of the period, one without ratings as nulls" json \
    '[r["week"] for r in d] == ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19"] and d[3]["count"] == 0 and d[3]["mean"] is None and d[2]["rows"] >= 2'
contract_both "report feedback" report feedback "${RP[@]}" --by station --station S1
contract_both "report feedback" report feedback "${RP[@]}" --by dimension
contract_both "feedback stats" feedback stats --by week
contract_both "feedback stats" feedback stats --by station --station S2

contract_both "report sentiment" report sentiment "${RP[@]}"
as --format json report sentiment "${RP[@]}"
expect_json_where "report sentiment: weeks, counts and the negative terms" json \
    'len(d["weeks"]) == 4 and d["comments"] >= 4 and d["negative"] >= 2 and d["weeks"][3]["mean"] is None and any(t["term"] == "多扣钱" for t in d["negative_terms"])'
contract_both "report sentiment" report sentiment "${RP[@]}" --station S2 --terms 1
contract "report sentiment" report sentiment --from 2020-01-01 --to 2020-01-08
expect_json_where "report sentiment: an empty period is zeros" json \
    'd["comments"] == 0 and d["negative_terms"] == [] and len(d["weeks"]) == 2'

contract_both "report urgent" report urgent "${RP[@]}"
as --format json report urgent "${RP[@]}"
expect_json_where "report urgent: the four levels, CRF2 high and ticketed since" json \
    '[r["level"] for r in d] == ["low", "medium", "high", "critical"] and d[2]["feedback"] >= 1'
contract_both "report urgent" report urgent --from 2026-10-01 --to 2099-01-01 --station S1
contract "report urgent" report urgent --from 2020-01-01 --to 2020-02-01
expect_json_where "report urgent: an empty period" json 'all(r["feedback"] == 0 and r["max_min"] is None for r in d)'
