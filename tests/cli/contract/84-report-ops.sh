# contract/84-report-ops.sh - report outbox, report fuel and report demand.
# Fueling: the records of 00-ops.sh (September 2026, S1 and S2).  The outbox
# and the suggestions are made in a copy of the shared database, so that the
# parts after this one see the data they expect.
OPSDB="$T/contract-report-ops.db"
cp "$AFTERSALES_DB" "$OPSDB"
python3 - "$OPSDB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
# 2026-09-07 10:00 +08:00 and on: a sent, a dead, a pending tip and a sent survey
t = 1788746400
rows = [("tip", "sent", t, t + 30), ("tip", "dead", t + 60, None), ("tip", "pending", t + 120, None),
        ("survey", "sent", t + 180, t + 200)]
for i, (kind, status, at, sent) in enumerate(rows):
    c.execute("INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, created_at,"
              " not_before, status, sent_at) VALUES ('CU1', ?, ?, 1, 't', 'b', ?, ?, ?, ?)",
              (kind, "c84-%d" % i, at, at, status, sent))
c.commit()
PY
cat >"$T/c84-suggestions.csv" <<'CSV'
feedback_id,user_id,submitted_at,kind,comment
C84S1,CU1,2026-09-20T10:00:00+08:00,suggestion,希望增加电子发票
C84S2,CU2,2026-09-21T10:00:00+08:00,suggestion,建议开电子发票
CSV
as --db "$OPSDB" feedback import "$T/c84-suggestions.csv"
expect_rc "report ops: suggestions for report demand" 0

contract_both "report outbox" --db "$OPSDB" report outbox --from 2026-09-01T00:00:00+08:00 \
    --to 2026-10-01T00:00:00+08:00
as --db "$OPSDB" --format json report outbox --from 2026-09-01T00:00:00+08:00 \
    --to 2026-10-01T00:00:00+08:00
expect_json_where "report outbox: tips then survey, the figures" json \
    '[(l["kind"], l["written"], l["delivered"], l["failed"], l["waiting"], l["delivered_pct"], l["median_delay_s"]) for l in d] == [("tip", 3, 1, 1, 1, 33.3, 30), ("survey", 1, 1, 0, 0, 100.0, 20)]'
contract "report outbox" --db "$OPSDB" report outbox --from 2020-01-01 --to 2020-02-01
expect_json_where "report outbox: an empty period is []" json 'd == []'

for by in station grade week station-grade; do
    contract_both "report fuel" report fuel --from 2026-09-01T00:00:00+08:00 \
        --to 2026-10-01T00:00:00+08:00 --by "$by"
done
as --format json report fuel --from 2026-09-01T00:00:00+08:00 --to 2026-10-01T00:00:00+08:00 \
    --by station
expect_json_where "report fuel: S1 has CT1 and CT2, most spend first" json \
    'any(l["station_id"] == "S1" and l["records"] >= 2 for l in d) and [l["amount_fen"] for l in d] == sorted((l["amount_fen"] for l in d), reverse=True)'
contract_both "report fuel" report fuel --from 2026-09-01T00:00:00+08:00 \
    --to 2026-10-01T00:00:00+08:00 --by week --station S2
contract "report fuel" report fuel --from 2020-01-01 --to 2020-02-01 --by grade
expect_json_where "report fuel: an empty period is []" json 'd == []'

contract_both "report demand" --db "$OPSDB" report demand
expect_json_where "report demand: the topic" jsonl 'any(r["topic"] == "电子发票" for r in d)'
contract_both "report demand" --db "$OPSDB" report demand --limit 1
