# contract/00-ops.sh - init, backup, check (also failing), rules, fuel import, profile refresh.
contract init init
contract backup backup "$T/contract-backup.db"
contract_both check check
contract_both "rules check" rules check
cat >"$T/c-users.csv" <<'CSV'
user_id,name,phone,region
CU1,张三,13800138000,530102
CU2,李四,13900139000,530102
CSV
as user import "$T/c-users.csv"
cat >"$T/c-fuel.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate
CT1,CU1,S1,2026-09-01T08:00:00+08:00,92,40.5,300.50,10000,云A12345
CT2,CU1,S1,2026-09-15T08:00:00+08:00,92,41,305.00,10500,云A12345
CT3,CU2,S2,2026-09-20T18:00:00+08:00,95,30,250.00,,
CSV
contract "fuel import" fuel import "$T/c-fuel.csv"
contract_both "profile refresh" profile refresh --at 2026-10-01T00:00:00+08:00
# A failing check prints its findings too (exit 65).
cp "$AFTERSALES_DB" "$T/contract-fk.db"
python3 - "$T/contract-fk.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA foreign_keys = OFF")
c.execute("INSERT INTO vehicles (user_id, plate, created_at) VALUES ('ghost', '云A00000', 1)")
c.commit()
PY
contract_rc 65 check --db "$T/contract-fk.db" check
if printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(x["check"] == "foreign_keys" and not x["ok"] for x in d) else 1)'; then
    pass "check: the failed finding is in the JSON"
else
    fail "check: the failed finding is in the JSON"
fi
