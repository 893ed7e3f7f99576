# contract/55-coupons.sh - the coupon wallet.  CU1's refuel reminder of
# 20-reminders.sh issued a coupon (REFUEL_CODE, bound to station S1 and
# grade 92); this part issues its own to CU2 and redeems, voids, expires.
contract_both "coupon templates" coupon templates
as --format json coupon templates
expect_json_where "coupon templates: the built-in refuel_cycle" json \
    'any(t["id"] == "refuel_cycle" and t["value_fen"] == 500 and t["valid_s"] == 259200 and t["grades"] == [] for t in d)'

contract_both "coupon show" coupon show "$REFUEL_CODE" --at 2026-10-12T13:00:00+08:00
as --format json coupon show "$REFUEL_CODE" --at 2026-10-12T13:00:00+08:00
expect_json_where "coupon show: the reminder's coupon is in the wallet, bound to S1 and 92" json \
    'd["user_id"] == "CU1" and d["source"] == "reminder" and d["status"] == "issued" and d["stations"] == ["S1"] and d["grades"] == ["92"] and [e["event"] for e in d["events"]] == ["issued"]'

contract "coupon issue" coupon issue --user CU2 --template monthly_10 --key c-cu2-2026-10 \
    --at 2026-10-01T09:00:00+08:00
code=$(json_get 'd["code"]')
contract "coupon issue" coupon issue --user CU2 --template monthly_10 --key c-cu2-2026-10 \
    --at 2026-10-01T09:00:00+08:00
expect_json_where "coupon issue: the same key again gives the same coupon" json 'd["code"] == a[0]' "$code"
contract "coupon issue" coupon issue --user CU2 --template monthly_5 --at 2026-10-01T09:00:00+08:00
code5=$(json_get 'd["code"]')
contract_both "coupon list" coupon list --user CU2 --at 2026-10-02T00:00:00+08:00
as --format json coupon list --user CU2 --at 2026-10-02T00:00:00+08:00
expect_json_where "coupon list: two coupons of CU2, newest first" json \
    'len(d) == 2 and all(c["status"] == "issued" for c in d)'

contract "coupon redeem" coupon redeem "$code" --user CU2 --tx c-pay-1 --station S1 --grade 95 \
    --litres 40 --amount 320 --at 2026-10-05T10:00:00+08:00
expect_json_where "coupon redeem: 10 yuan off" json \
    'd["discount_fen"] == 1000 and d["pay_fen"] == 31000 and d["replay"] is False'
contract "coupon redeem" coupon redeem "$code" --user CU2 --tx c-pay-1 --station S1 --grade 95 \
    --litres 40 --amount 320 --at 2026-10-05T10:00:00+08:00
expect_json_where "coupon redeem: the same payment again is a replay" json \
    'd["discount_fen"] == 1000 and d["replay"] is True'
contract "pay" pay --user CU2 --tx c-pay-2 --station S1 --grade 92 --litres 30 --amount 250 \
    --at 2026-10-05T11:00:00+08:00
contract "coupon void" coupon void "$code5" --reason 重复发放 --at 2026-10-06T10:00:00+08:00
expect_json_where "coupon void: voided with its reason" json \
    'd["status"] == "voided" and d["events"][-1]["reason"] == "重复发放"'
contract "coupon expire" coupon expire --at 2026-12-01T00:00:00+08:00
expect_json_where "coupon expire: the reminder's coupon expired" json 'd["expired"] >= 1'
contract "benefits run" benefits run --at 2026-10-15T10:00:00+08:00 --dry-run
contract "benefits run" benefits run --at 2026-10-15T10:00:00+08:00

# Partner offers need a configuration with a partner: their own database.
cat >"$T/c-partners.yaml" <<'YAML'
coupons:
  templates:
    - {id: refuel_cycle, name: 加油券, value_fen: 500, valid: 3d}
    - {id: monthly_5, name: 月度5元, value_fen: 500, valid: 30d}
    - {id: monthly_10, name: 月度10元, value_fen: 1000, valid: 30d}
    - {id: wm10, name: 沃尔玛满50减10, value_fen: 1000, valid: 7d}
partners:
  - {id: wm, name: 沃尔玛, kind: supermarket, offers: [{id: wm-fuel, coupon: wm10}]}
YAML
PDB="$T/c-partners.db"
as --db "$PDB" --config "$T/c-partners.yaml" init
as --db "$PDB" --config "$T/c-partners.yaml" user add --id CP1 --name 王五
cat >"$T/c-pfuel.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
CP-1,CP1,S1,2026-10-01T09:00:00+08:00,92,40,300
CSV
as --db "$PDB" --config "$T/c-partners.yaml" fuel import "$T/c-pfuel.csv"
contract_both "partner list" --db "$PDB" --config "$T/c-partners.yaml" partner list
contract "partner run" --db "$PDB" --config "$T/c-partners.yaml" partner run \
    --from 2026-09-30T00:00:00+08:00 --to 2026-10-02T00:00:00+08:00
as --db "$PDB" --config "$T/c-partners.yaml" --format json coupon list --user CP1
pcode=$(json_get 'd[0]["code"]')
contract "partner redeem" --db "$PDB" --config "$T/c-partners.yaml" partner redeem "$pcode" \
    --partner wm --amount 60 --at 2026-10-02T10:00:00+08:00
contract_both "partner report" --db "$PDB" --config "$T/c-partners.yaml" partner report \
    --from 2026-10-01T00:00:00+08:00 --to 2026-11-01T00:00:00+08:00
