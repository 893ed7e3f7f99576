#!/usr/bin/env bash
# report_feedback.sh - aftersales report feedback, report sentiment and
# report urgent (and feedback stats --by week / --station): two weeks of
# feedback imported from the command line, each report in every format
# with its figures checked, the period's boundaries, --station, an empty
# period, and the failure paths (usage, no database).
. "$TESTS_DIR/cli/lib.sh"

as init
expect_rc "init" 0
# The period [Wed 2026-11-04, Wed 2026-11-18) in UTC+8: business weeks from
# Mondays 11-02, 11-09 and 11-16.  f1 is at the start (counts), f8 at the
# end and f9 just before the start (neither counts).  f2 (money lost) is
# high and f4 (safety) critical: both open a ticket.
cat >"$T/fb.csv" <<'CSV'
feedback_id,station_id,submitted_at,overall,comment
f1,S1,2026-11-04T00:00:00+08:00,5,加油很方便，小哥服务非常热情
f2,S1,2026-11-05T10:00:00+08:00,1,多扣钱，投诉
f3,S2,2026-11-10T10:00:00+08:00,3,优惠券用不了
f4,S2,2026-11-11T10:00:00+08:00,2,加错油了
f5,S1,2026-11-12T10:00:00+08:00,4,
f6,S2,2026-11-17T10:00:00+08:00,,一般
f8,S1,2026-11-18T00:00:00+08:00,1,多扣钱
f9,S1,2026-11-03T23:59:59+08:00,5,投诉
CSV
as feedback import "$T/fb.csv"
expect_rc "feedback import" 0
# The tickets were opened now: put f2's 90 minutes after it, f4's at the
# period's end (not opened by then: waiting), f8's at its submission.
python3 - "$AFTERSALES_DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for fid, at in (("f2", "f.submitted_at + 5400"), ("f4", "1794931200"), ("f8", "f.submitted_at"),
                ("f9", "f.submitted_at + 60")):
    c.execute("UPDATE tickets SET created_at = (SELECT " + at + " FROM feedback f WHERE"
              " f.feedback_id = ?1) WHERE tracking = (SELECT ticket_ref FROM feedback_tickets"
              " WHERE feedback_id = ?1)", (fid,))
c.commit()
PY
P=(--from 2026-11-04 --to 2026-11-18)

# ---- help ---------------------------------------------------------------
for r in feedback sentiment urgent; do
    as report "$r" --help
    expect_rc "report $r --help" 0
    expect_out_has "report $r: a usage line" "usage: aftersales report $r --from TIME --to TIME"
done
as report --help
expect_out_has "report --help lists sentiment" "report sentiment"

# ---- report feedback ------------------------------------------------------
as --format json report feedback "${P[@]}" --by week
expect_json_where "by week: every week, a week without ratings as nulls" json \
    '[(r["week"], r["count"], r["rows"], r["mean"], r["csat_pct"]) for r in d] == [("2026-11-02", 2, 2, 3.0, 50.0), ("2026-11-09", 3, 3, 3.0, 33.3), ("2026-11-16", 0, 1, None, None)] and d[2]["bayes"] is None and all(r["prior"] == 3.0 for r in d)'
REPORT=$OUT
as --format json feedback stats "${P[@]}" --by week
expect_eq "feedback stats prints the same" "$OUT" "$REPORT"
as --format json report feedback "${P[@]}" --by station
expect_json_where "by station: rows and counts" json \
    '[(r["station"], r["count"], r["rows"]) for r in d] == [("S1", 3, 3), ("S2", 2, 3)]'
as --format json report feedback "${P[@]}" --by station --station S2
expect_json_where "--station S2" json '[(r["station"], r["count"], r["prior"]) for r in d] == [("S2", 2, 2.5)]'
as --format json feedback stats --by week --station S1
expect_json_where "feedback stats --by week --station without bounds: weeks with ratings" json \
    '[(r["week"], r["count"]) for r in d] == [("2026-11-02", 3), ("2026-11-09", 1), ("2026-11-16", 1)]'
as --format json report feedback --from 2020-01-01 --to 2020-01-08 --by week
expect_json_where "an empty period by week: its weeks, zeros" json \
    '[(r["week"], r["count"], r["rows"], r["mean"]) for r in d] == [("2019-12-30", 0, 0, None), ("2020-01-06", 0, 0, None)]'
as --format json report feedback --from 2020-01-01 --to 2020-01-08 --by station
expect_json_where "an empty period by station: no rows" json 'd == []'

# ---- report sentiment -----------------------------------------------------
as --format json report sentiment "${P[@]}"
expect_json_where "sentiment: totals (f1 at the start counts; f8, f9 do not)" json \
    '(d["comments"], d["positive"], d["neutral"], d["negative"]) == (5, 1, 0, 4) and d["station_id"] is None and d["from"] == "2026-11-04T00:00:00+08:00"'
expect_json_where "sentiment: every week in order" json \
    '[(w["week"], w["comments"], w["negative"], w["negative_pct"]) for w in d["weeks"]] == [("2026-11-02", 2, 1, 50.0), ("2026-11-09", 2, 2, 100.0), ("2026-11-16", 1, 1, 100.0)]'
# The week means are the stored scores' means, three decimals.
MEANS=$(python3 - "$AFTERSALES_DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
out = []
for lo, hi in (("2026-11-04 00:00", "2026-11-09 00:00"), ("2026-11-09 00:00", "2026-11-16 00:00"),
               ("2026-11-16 00:00", "2026-11-18 00:00")):
    v = c.execute("SELECT avg(sentiment) FROM feedback WHERE sentiment IS NOT NULL AND"
                  " submitted_at >= strftime('%s', ?1, '-8 hours') AND"
                  " submitted_at < strftime('%s', ?2, '-8 hours')", (lo, hi)).fetchone()[0]
    out.append("%.3f" % v)
print(" ".join(out))
PY
)
expect_eq "sentiment: the week means" "$(json_get '" ".join("%.3f" % w["mean"] for w in d["weeks"])')" "$MEANS"
# The lexicon: 加错油 and 多扣钱 -3 (a tie: by term), 投诉 and 用不了 -2, 一般 -0.5.
expect_json_where "sentiment: the negative terms" json \
    '[(t["term"], t["comments"], t["weight"]) for t in d["negative_terms"]] == [("加错油", 1, -3.0), ("多扣钱", 1, -3.0), ("投诉", 1, -2.0), ("用不了", 1, -2.0), ("一般", 1, -0.5)]'
expect_json_where "sentiment: terms sorted by comments, then weight" json \
    'all((a["comments"], -a["weight"]) >= (b["comments"], -b["weight"]) for a, b in zip(d["negative_terms"], d["negative_terms"][1:])) and all(t["weight"] < 0 for t in d["negative_terms"])'
as --format json report sentiment "${P[@]}" --terms 1
expect_json_where "--terms 1" json 'len(d["negative_terms"]) == 1'
as --format json report sentiment "${P[@]}" --terms 0
expect_json_where "--terms 0: none" json 'd["negative_terms"] == [] and d["comments"] == 5'
as --format json report sentiment "${P[@]}" --station S2
expect_json_where "sentiment --station S2" json \
    'd["station_id"] == "S2" and d["comments"] == 3 and [w["comments"] for w in d["weeks"]] == [0, 2, 1] and d["weeks"][0]["mean"] is None and d["weeks"][0]["negative_pct"] is None'
as --format json report sentiment --from 2020-01-01 --to 2020-01-08
expect_json_where "sentiment: an empty period" json \
    'd["comments"] == 0 and d["negative_terms"] == [] and [w["week"] for w in d["weeks"]] == ["2019-12-30", "2020-01-06"] and all(w["mean"] is None for w in d["weeks"])'
as --format jsonl report sentiment "${P[@]}"
expect_json_where "sentiment jsonl: one line" jsonl 'len(d) == 1 and d[0]["comments"] == 5'
as --format tsv report sentiment "${P[@]}"
expect_rc "sentiment tsv" 0
expect_eq "sentiment tsv: a header and one line" "$(printf '%s\n' "$OUT" | wc -l)" "2"
as report sentiment "${P[@]}"
expect_rc "sentiment text" 0
expect_out_has "sentiment text: a weeks table" "week        comments  positive"

# ---- report urgent --------------------------------------------------------
as --format json report urgent "${P[@]}"
expect_json_where "urgent: the four levels" json \
    '[r["level"] for r in d] == ["low", "medium", "high", "critical"]'
expect_json_where "urgent: high ticketed after 90 min, critical waiting" json \
    '[(r["feedback"], r["ticketed"], r["waiting"], r["median_min"], r["p90_min"], r["max_min"]) for r in d] == [(0, 0, 0, None, None, None), (0, 0, 0, None, None, None), (1, 1, 0, 90, 90, 90), (1, 0, 1, None, None, None)]'
as --format json report urgent --from 2026-11-04 --to 2026-11-18T00:00:01
expect_json_where "urgent: a second later f4's ticket and f8 count" json \
    '[(r["feedback"], r["ticketed"], r["waiting"]) for r in d][2:] == [(2, 2, 0), (1, 1, 0)] and d[3]["max_min"] == 6 * 24 * 60 + 14 * 60'
as --format json report urgent "${P[@]}" --station S1
expect_json_where "urgent --station S1" json '[r["feedback"] for r in d] == [0, 0, 1, 0]'
as --format json report urgent --from 2020-01-01 --to 2020-02-01
expect_json_where "urgent: an empty period" json \
    'all(r["feedback"] == 0 and r["median_min"] is None for r in d) and len(d) == 4'
as --format jsonl report urgent "${P[@]}"
expect_json_where "urgent jsonl: four lines" jsonl 'len(d) == 4 and d[2]["median_min"] == 90'
as --format tsv report urgent "${P[@]}"
expect_rc "urgent tsv" 0
expect_eq "urgent tsv: the header" "$(printf '%s\n' "$OUT" | head -1)" \
    "$(printf 'level\tfeedback\tticketed\twaiting\tmedian_min\tp90_min\tmax_min')"
as report urgent "${P[@]}"
expect_rc "urgent text" 0
expect_out_has "urgent text: the high line" "high"

# ---- failures ------------------------------------------------------------
for r in "feedback --by week" sentiment urgent; do
    read -ra cmd <<<"report $r"
    as "${cmd[@]}" --from 2026-11-04
    expect_rc "$r without --to: usage" 64
    as "${cmd[@]}" --from 2026-11-04 --to 2026-11-04
    expect_rc "$r --from equal to --to: usage" 64
    expect_err_has "$r says why" "--from is not before --to"
    as "${cmd[@]}" "${P[@]}" --station "S 1"
    expect_rc "$r a station that is not an id: usage" 64
    expect_err_has "$r names --station" "--station"
    as --db "$T/none.db" "${cmd[@]}" "${P[@]}"
    expect_rc "$r no database: 66" 66
done
as report feedback "${P[@]}"
expect_rc "report feedback without --by: usage" 64
as report feedback "${P[@]}" --by month
expect_rc "report feedback --by month: usage" 64
as report sentiment "${P[@]}" --terms 101
expect_rc "--terms 101: usage" 64
expect_err_has "names --terms" "--terms"
as report sentiment "${P[@]}" --terms -1
expect_rc "--terms -1: usage" 64
as feedback stats --by week --from 2026-11-18 --to 2026-11-04
expect_rc "feedback stats --from after --to: usage" 64

finish
