# contract/80-report-tickets.sh - report times and report tickets, and
# report sla --by week with --station, on tickets of their own in June 2025
# (no other part opens tickets then): two at stations, one resolved, one
# cancelled, one without a station.
as user add --id C80-U1 --name 孙七 --phone 13500135000
expect_rc "80: a user for the tickets" 0
D=2025-06-03
# num80: the tracking number in $OUT (text output: no python start-up).
num80() { printf '%s\n' "$OUT" | sed -n 's/^tracking: *//p'; }
as ticket open --user C80-U1 --channel app --category payment --subject 多扣钱 --severity urgent \
    --station C80-S1 --at ${D}T09:00:00+08:00
R1=$(num80)
as ticket reply "$R1" --message 收到 --at ${D}T09:10:00+08:00
as ticket resolve "$R1" --at ${D}T10:00:00+08:00
expect_rc "80: resolve" 0
as ticket open --user C80-U1 --channel phone --category station --subject 油枪坏了 --severity urgent \
    --station C80-S2 --at ${D}T11:00:00+08:00
R2=$(num80)
as ticket status "$R2" cancelled --at ${D}T12:00:00+08:00
expect_rc "80: cancel" 0
as ticket open --user C80-U1 --channel web --category payment --subject 发票 --at ${D}T13:00:00+08:00
expect_rc "80: a ticket without a station" 0

P80=(--from 2025-06-02T00:00:00+08:00 --to 2025-06-16T00:00:00+08:00)
contract_both "report times" report times "${P80[@]}"
expect_json_where "report times: R1's clocks, the buckets sum to n" jsonl \
    '[r["clock"] for r in d] == ["first_response", "resolution"] and (d[0]["n"], d[0]["median_min"], d[1]["n"], d[1]["median_min"]) == (1, 10, 1, 60) and all(sum(b["tickets"] for b in r["buckets"]) == r["n"] for r in d)'
contract_both "report times" report times "${P80[@]}" --station C80-S2
contract "report times" report times --from 2020-01-01 --to 2020-02-01
for by in category channel station; do
    contract_both "report tickets" report tickets --by $by "${P80[@]}"
done
expect_json_where "report tickets by station: S1 resolved, S2 cancelled, null last" jsonl \
    '[(r["station_id"], r["tickets"], r["resolved"], r["cancelled"], r["open"]) for r in d] == [("C80-S1", 1, 1, 0, 0), ("C80-S2", 1, 0, 1, 0), (None, 1, 0, 0, 1)]'
contract_both "report tickets" report tickets --by category "${P80[@]}" --station C80-S1
contract "report tickets" report tickets --by channel --from 2020-01-01 --to 2020-02-01
contract_both "report sla" report sla --by week "${P80[@]}"
expect_json_where "report sla --by week: both weeks, the empty one too" jsonl \
    '[(r["week"], r["tickets"]) for r in d] == [("2025-06-02", 2), ("2025-06-09", 0)]'
contract_both "report sla" report sla --by level "${P80[@]}" --station C80-S1
contract_both "report csat" report csat --by queue "${P80[@]}" --station C80-S1
