#!/usr/bin/env bash
# report_tickets.sh - the ticket reports of issue 17 from the command line:
# ticket open --station, report sla --by week and --station, report csat
# --station, report times and report tickets on a small data set made
# through the CLI, every format, the period's boundaries, an empty period,
# and the failure paths (usage, no database).
. "$TESTS_DIR/cli/lib.sh"

as init
expect_rc "init" 0
as user add --id U1 --name 张三 --phone 13800138000
expect_rc "user" 0

# open_t ARGS...: ticket open (urgent: 24/7 clocks, 30m and 4h); the number
# in $NUM (read from the text output: python starts slowly here).
open_t() {
    as ticket open --user U1 --subject s "$@"
    expect_rc "open $*" 0
    NUM=$(printf '%s\n' "$OUT" | sed -n 's/^tracking: *//p')
}

# Week 1 (Monday 2026-11-02): A at the period's start, B; week 2: C
# (cancelled), D (normal, no station), F (cancelled after the period);
# week 3: none; E at the period's end.
open_t --severity urgent --channel app --category payment --station S1 --at 2026-11-02T00:00:00+08:00
A=$NUM
as ticket reply "$A" --message 收到 --at 2026-11-02T00:10:00+08:00
as ticket resolve "$A" --at 2026-11-02T01:00:00+08:00
expect_rc "resolve A" 0
open_t --severity urgent --channel phone --category payment --station S1 --at 2026-11-03T10:00:00+08:00
B=$NUM
as ticket reply "$B" --message 收到 --at 2026-11-03T10:40:00+08:00
as ticket resolve "$B" --at 2026-11-03T15:00:00+08:00
expect_rc "resolve B" 0
open_t --severity urgent --channel app --category station --station S2 --at 2026-11-10T09:00:00+08:00
C=$NUM
as ticket reply "$C" --message 收到 --at 2026-11-10T09:20:00+08:00
as ticket status "$C" cancelled --at 2026-11-10T12:00:00+08:00
expect_rc "cancel C" 0
open_t --channel web --category payment --at 2026-11-11T09:00:00+08:00
open_t --severity urgent --channel app --category station --station S2 --at 2026-11-12T09:00:00+08:00
F=$NUM
open_t --severity urgent --channel app --category payment --station S1 --at 2026-11-23T00:00:00+08:00
as ticket status "$F" cancelled --at 2026-11-23T01:00:00+08:00
expect_rc "cancel F after the period" 0

P=(--from 2026-11-02T00:00:00+08:00 --to 2026-11-23T00:00:00+08:00)

# ---- the ticket's station ------------------------------------------------
as --format json ticket show "$A"
expect_json_where "show: station_id" json 'd["station_id"] == "S1"'
as --format json ticket list
expect_json_where "list: station_id, null without one" json \
    'sorted(str(t["station_id"]) for t in d) == ["None", "S1", "S1", "S1", "S2", "S2"]'
as ticket export
expect_eq "export: station_id" "$(printf '%s\n' "$OUT" | python3 -c '
import json, sys
print(sorted(str(json.loads(l)["station_id"]) for l in sys.stdin))')" \
    "['None', 'S1', 'S1', 'S1', 'S2', 'S2']"
as ticket open --user U1 --channel app --category c --subject s --station "S 1"
expect_rc "open: a station that is not an id is usage" 64
expect_err_has "names --station" "--station: 'S 1' is not an id"

# ---- help ----------------------------------------------------------------
for cmd in times tickets; do
    as report "$cmd" --help
    expect_rc "report $cmd --help" 0
done
expect_out_has "tickets help: a usage line" \
    "usage: aftersales report tickets --by category|channel|station --from TIME --to TIME"
as report --help
expect_out_has "report --help lists times" "times"
expect_out_has "report --help lists tickets" "tickets"
as report sla --help
expect_out_has "sla help: --by week and --station" "--by level|queue|agent|week"

# ---- report sla --by week, --station ------------------------------------
as --format json report sla --by week "${P[@]}"
expect_json_where "sla by week: every week, the empty one too" json \
    '[(r["week"], r["tickets"], r["first_response_n"], r["first_response_met_pct"], r["first_response_median_min"], r["first_response_p90_min"], r["resolution_median_min"], r["resolution_p90_min"]) for r in d] == [("2026-11-02", 2, 2, 50.0, 10, 40, 60, 300), ("2026-11-09", 1, 0, None, None, None, None, None), ("2026-11-16", 0, 0, None, None, None, None, None)]'
as --format json report sla --by queue "${P[@]}" --station S2
expect_json_where "sla --station S2: its tickets are cancelled" json 'd == []'
as --format json report sla --by level "${P[@]}" --station S1
expect_json_where "sla --station S1" json \
    '[(r["level"], r["tickets"]) for r in d] == [("urgent", 2)]'
as report sla --by week --from 2026-11-02 --to 2026-11-02
expect_rc "sla by week, an empty period: usage" 64
as --format json report csat --by queue "${P[@]}" --station S1
expect_json_where "csat --station S1: A's and B's surveys" json \
    'len(d) == 1 and d[0]["surveys"] == 2'
as --format json report csat --by queue "${P[@]}" --station S2
expect_json_where "csat --station S2: none" json 'd == []'

# ---- report times --------------------------------------------------------
as --format json report times "${P[@]}"
# first response 10 and 40 minutes, resolution 60 and 300; the buckets' bounds
expect_json_where "times: two clocks, their figures and buckets" json \
    '[r["clock"] for r in d] == ["first_response", "resolution"] and (d[0]["n"], d[0]["met"], d[0]["met_pct"], d[0]["median_min"], d[0]["p90_min"]) == (2, 1, 50.0, 10, 40) and [b["tickets"] for b in d[0]["buckets"]] == [1, 0, 1, 0, 0, 0, 0, 0] and (d[1]["n"], d[1]["met"], d[1]["median_min"], d[1]["p90_min"]) == (2, 1, 60, 300) and [b["tickets"] for b in d[1]["buckets"]] == [0, 0, 0, 1, 0, 1, 0, 0] and [(b["lo_min"], b["hi_min"]) for b in d[0]["buckets"]] == [(0, 15), (15, 30), (30, 60), (60, 120), (120, 240), (240, 480), (480, 1440), (1440, None)]'
as --format json report times --from 2026-11-02T00:00:01+08:00 --to 2026-11-23T00:00:00+08:00
expect_json_where "times: A at the start counts, a second later it does not" json \
    'd[0]["n"] == 1 and d[0]["median_min"] == 40'
as --format json report times "${P[@]}" --station S2
expect_json_where "times --station S2: none (cancelled)" json \
    'd[0]["n"] == 0 and d[0]["met_pct"] is None and d[0]["median_min"] is None and sum(b["tickets"] for b in d[0]["buckets"]) == 0'
as --format json report times --from 2020-01-01 --to 2020-02-01
expect_json_where "times: an empty period" json 'all(r["n"] == 0 and r["p90_min"] is None for r in d)'

# ---- report tickets ------------------------------------------------------
as --format json report tickets --by station "${P[@]}"
expect_json_where "tickets by station" json \
    '[(r["station_id"], r["tickets"], r["resolved"], r["cancelled"], r["open"], r["urgent"]) for r in d] == [("S1", 2, 2, 0, 0, 2), ("S2", 2, 0, 1, 1, 2), (None, 1, 0, 0, 1, 0)]'
as --format json report tickets --by channel "${P[@]}"
expect_json_where "tickets by channel" json \
    '[(r["channel"], r["tickets"], r["resolved"], r["cancelled"], r["open"]) for r in d] == [("app", 3, 1, 1, 1), ("phone", 1, 1, 0, 0), ("web", 1, 0, 0, 1)]'
as --format json report tickets --by category "${P[@]}" --station S2
expect_json_where "tickets by category, --station S2" json \
    'd == [{"category": "station", "tickets": 2, "resolved": 0, "cancelled": 1, "open": 1, "urgent": 2}]'
as --format json report tickets --by category --from 2026-11-23T00:00:00+08:00 --to 2026-11-24T00:00:00+08:00
expect_json_where "tickets: E at the next period's start" json \
    'd == [{"category": "payment", "tickets": 1, "resolved": 0, "cancelled": 0, "open": 1, "urgent": 1}]'
as --format json report tickets --by station --from 2026-11-02T00:00:00+08:00 --to 2026-11-02T01:00:00+08:00
expect_json_where "tickets: A resolved at the end is still open" json \
    'd == [{"station_id": "S1", "tickets": 1, "resolved": 0, "cancelled": 0, "open": 1, "urgent": 1}]'
as --format json report tickets --by station --from 2020-01-01 --to 2020-02-01
expect_json_where "tickets: an empty period" json 'd == []'

# ---- every format --------------------------------------------------------
for cmd in "times" "tickets --by station" "tickets --by category" "sla --by week"; do
    read -ra words <<<"$cmd"
    as --format jsonl report "${words[@]}" "${P[@]}"
    expect_rc "report $cmd jsonl" 0
    expect_out_has "report $cmd jsonl: one object a line" '}
{'
    as --format tsv report "${words[@]}" "${P[@]}"
    expect_rc "report $cmd tsv" 0
    as report "${words[@]}" "${P[@]}"
    expect_rc "report $cmd text" 0
done
as --format tsv report tickets --by channel "${P[@]}"
expect_eq "tsv: the header" "$(printf '%s\n' "$OUT" | head -1)" \
    "$(printf 'channel\ttickets\tresolved\tcancelled\topen\turgent')"
as report times "${P[@]}"
expect_out_has "text: a clock a line" "first_response"

# ---- failures --------------------------------------------------------------
for cmd in times "tickets --by station"; do
    read -ra words <<<"$cmd"
    as report "${words[@]}" --from 2026-11-02
    expect_rc "$cmd without --to: usage" 64
    as report "${words[@]}" --from 2026-11-02 --to tomorrow
    expect_rc "$cmd a malformed --to: usage" 64
    as report "${words[@]}" --from 2026-11-02 --to 2026-11-02
    expect_rc "$cmd --from equal to --to: usage" 64
    expect_err_has "$cmd says why" "--from is not before --to"
    as report "${words[@]}" "${P[@]}" --station "S 1"
    expect_rc "$cmd a station that is not an id: usage" 64
    expect_err_has "$cmd names --station" "--station: 'S 1' is not an id"
    as --db "$T/none.db" report "${words[@]}" "${P[@]}"
    expect_rc "$cmd no database: 66" 66
done
as report tickets "${P[@]}"
expect_rc "tickets without --by: usage" 64
as report tickets --by queue "${P[@]}"
expect_rc "tickets --by queue: usage" 64
expect_err_has "names --by" "--by: 'queue' is not one of category, channel, station"
as report csat --by week "${P[@]}"
expect_rc "csat --by week: usage" 64

finish
