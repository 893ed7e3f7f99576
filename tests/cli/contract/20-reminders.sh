# contract/20-reminders.sh - reminder runs and the outbox.  CU1 (a third
# fill-up 14 days after the second, 00-ops.sh has the first two) gets a
# refuel coupon the day before the next; the users of 530102 with service
# consent (CU1, CU2, CU11) a weather alert.
as user update CU1 --consent-marketing yes
cat >"$T/c-fuel2.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate
CT4,CU1,S2,2026-09-29T08:00:00+08:00,92,40,300.00,11000,云A12345
CSV
as fuel import "$T/c-fuel2.csv"
expect_rc "a third fill-up for CU1" 0
as profile refresh --at 2026-10-01T00:00:00+08:00
contract "remind run" remind run --at 2026-10-12T12:00:00+08:00
expect_json_where "remind run: a refuel coupon written" json \
    '[k["written"] for k in d if k["kind"] == "refuel_coupon"] == [1]'
contract "remind weather" remind weather --region 530000 --kind rainstorm \
    --from 2026-10-12T18:00 --to 2026-10-13T06:00 --message 暴雨预警 --at 2026-10-12T13:00:00+08:00 --dry-run
contract "remind weather" remind weather --region 530000 --kind rainstorm \
    --from 2026-10-12T18:00 --to 2026-10-13T06:00 --message 暴雨预警 --at 2026-10-12T13:00:00+08:00
expect_json_where "remind weather: three users notified" json \
    '[k["written"] for k in d if k["kind"] == "weather"] == [3]'
contract_both "outbox list" outbox list --at 2026-10-12T14:00:00+08:00
as --format json outbox list --user CU1
expect_json_where "outbox list: payloads are objects, times in ISO 8601" json \
    'dict((k, v) for k, v in {x["kind"]: x["payload"] for x in d}["refuel_coupon"].items() if k != "coupon_code") == {"last_at": "2026-09-29T08:00:00+08:00", "expected_at": "2026-10-13T08:00:00+08:00", "plate": "云A12345", "coupon_expires_at": "2026-10-15T12:00:00+08:00"} and len({x["kind"]: x["payload"] for x in d}["refuel_coupon"]["coupon_code"]) == 16 and {x["kind"]: x["payload"] for x in d}["weather"]["region"] == "530000"'
REFUEL_CODE=$(json_get '[x for x in d if x["kind"] == "refuel_coupon"][0]["payload"]["coupon_code"]')
contract "outbox pull" outbox pull --limit 1 --lease 5m --at 2026-10-12T14:00:00+08:00
first=$(json_get '"%d:%s" % (d[0]["id"], d[0]["lease_token"])')
as --format jsonl outbox pull --limit 1 --lease 5m --at 2026-10-12T14:00:00+08:00
if [ "$RC" -eq 0 ]; then check_schema "outbox pull" jsonl; else fail "outbox pull (jsonl) exits 0"; fi
second=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print("%d:%s" % (d["id"], d["lease_token"]))')
contract "outbox ack" outbox ack "$first" --at 2026-10-12T14:01:00+08:00
contract "outbox fail" outbox fail "$second" --retry-in 10m --error timeout --at 2026-10-12T14:01:00+08:00
contract_both "outbox list" outbox list --status sent
as --format json outbox list --status pending --at 2026-10-12T14:02:00+08:00
expect_json_where "outbox list: the failed one is pending with its error" json \
    'any(x["id"] == int(a[0]) and x["last_error"] == "timeout" for x in d)' "${second%%:*}"
