#!/usr/bin/env bash
# loyalty.sh - aftersales report loyalty: a month of coupons, points and a
# plan made from the command line, the report in every format with its
# figures checked, the period's boundaries, --station, an empty period,
# and the failure paths (usage, no database).
. "$TESTS_DIR/cli/lib.sh"

as init
expect_rc "init" 0
cat >"$T/users.csv" <<'CSV'
user_id,name,phone,region
U1,张三,13800138000,530102
U2,李四,13900139000,530102
CSV
as user import "$T/users.csv"
expect_rc "users" 0
cat >"$T/fuel.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
T0,U1,S1,2026-09-20T08:00:00+08:00,92,40,300
T1,U1,S1,2026-10-01T00:00:00+08:00,92,40,200
T2,U2,S2,2026-10-10T08:00:00+08:00,95,30,250
T3,U2,S2,2026-11-01T00:00:00+08:00,95,30,100
CSV
as fuel import "$T/fuel.csv"
expect_rc "fuel import" 0

code_of() { json_get 'd["code"]'; }
# A: issued at the period's start, redeemed at S1; B: voided; C: issued at
# the period's end (not in it); D: lapses inside the period, unrecorded.
as --format json coupon issue --user U1 --template refuel_cycle --at 2026-10-01T00:00:00+08:00
A=$(code_of)
as coupon redeem "$A" --user U1 --tx P1 --station S1 --grade 92 --litres 40 --amount 200 \
    --at 2026-10-02T10:00:00+08:00
expect_rc "redeem A" 0
as --format json coupon issue --user U2 --template monthly_5 --at 2026-10-03T00:00:00+08:00
B=$(code_of)
as coupon void "$B" --reason 发错了 --at 2026-10-04T00:00:00+08:00
expect_rc "void B" 0
as coupon issue --user U2 --template refuel_cycle --at 2026-11-01T00:00:00+08:00
expect_rc "issue C at the end" 0
as coupon issue --user U2 --template refuel_cycle --at 2026-10-20T00:00:00+08:00
expect_rc "issue D" 0
as points redeem U1 --points 100 --ref R1 --at 2026-10-05T00:00:00+08:00
expect_rc "points redeem" 0
as points adjust U2 --points -50 --reason 扣回 --at 2026-10-11T00:00:00+08:00
expect_rc "points adjust" 0
as package subscribe U1 commuter --at 2026-10-01T00:00:00+08:00
expect_rc "subscribe" 0
as package subscribe U2 per-fill --at 2026-09-01T00:00:00+08:00
as package cancel U2 --at 2026-10-15T00:00:00+08:00
expect_rc "cancel" 0

P=(--from 2026-10-01T00:00:00+08:00 --to 2026-11-01T00:00:00+08:00)

# ---- help ---------------------------------------------------------------
as report loyalty --help
expect_rc "report loyalty --help" 0
expect_out_has "help has a usage line" "usage: aftersales report loyalty --from TIME --to TIME [--station ID]"
as report --help
expect_out_has "report --help lists loyalty" "report loyalty"

# ---- figures --------------------------------------------------------------
as --format json report loyalty "${P[@]}"
expect_rc "report loyalty json" 0
expect_json_where "coupons by template and station" json \
    'd["coupons"] == [
        {"template_id": "monthly_5", "station_id": None, "issued": 1, "redeemed": 0, "expired": 0, "voided": 1, "discount_fen": 0, "discount_yuan": "0.00"},
        {"template_id": "refuel_cycle", "station_id": None, "issued": 1, "redeemed": 0, "expired": 1, "voided": 0, "discount_fen": 0, "discount_yuan": "0.00"},
        {"template_id": "refuel_cycle", "station_id": "S1", "issued": 1, "redeemed": 1, "expired": 0, "voided": 0, "discount_fen": 500, "discount_yuan": "5.00"}]'
expect_json_where "coupon totals and sources" json \
    'd["coupon_totals"] == {"issued": 3, "redeemed": 1, "expired": 1, "voided": 1, "discount_fen": 500, "discount_yuan": "5.00"} and d["coupon_sources"][0]["source"] == "manual" and d["coupon_sources"][0]["issued"] == 3'
expect_json_where "points: T1 (at the start) and T2 earned, T3 (at the end) not" json \
    'd["points"]["earned_fuel"] == 450 and d["points"]["earned"] == 450 and d["points"]["redeemed"] == 100 and d["points"]["adjusted"] == -50 and d["points"]["expired"] == 0 and d["points"]["users_with_balance"] == 2 and d["points"]["outstanding"] == 300 + 200 - 100 + 250 - 50 and d["points"]["ledger"] == d["points"]["outstanding"]'
expect_json_where "plans: commuter started, per-fill ended" json \
    '[(p["plan_id"], p["active"], p["subscribed"], p["cancelled"], p["discounts"], p["monthly_fee_fen"]) for p in d["plans"]] == [("commuter", 1, 1, 0, 0, 3000), ("per-fill", 0, 0, 1, 0, 1500)]'
expect_json_where "no partners configured: none" json 'd["partners"] == []'

as --format jsonl report loyalty "${P[@]}"
expect_json_where "jsonl: one line, the same object" jsonl 'len(d) == 1 and d[0]["coupon_totals"]["issued"] == 3'
as --format tsv report loyalty "${P[@]}"
expect_rc "tsv" 0
expect_eq "tsv: a header and one line" "$(printf '%s\n' "$OUT" | wc -l)" "2"
expect_eq "tsv: the sections as columns" "$(printf '%s\n' "$OUT" | head -1)" \
    "$(printf 'from\tto\tstation_id\tcoupons\tcoupon_sources\tcoupon_totals\tpoints\tplans\tpartners')"
as report loyalty "${P[@]}"
expect_rc "text" 0
expect_out_has "text: the totals" "coupon_totals: issued=3, redeemed=1, expired=1, voided=1, discount_fen=500"
expect_out_has "text: a coupons table" "template_id   station_id  issued"
expect_out_has "text: a plans table" "commuter"

# ---- boundaries, station, empty -----------------------------------------
as --format json report loyalty --from 2026-11-01T00:00:00+08:00 --to 2026-11-02T00:00:00+08:00
expect_json_where "the next period has what is at its start" json \
    'd["coupon_totals"]["issued"] == 1 and d["points"]["earned_fuel"] == 100'
as --format json report loyalty "${P[@]}" --station S1
expect_json_where "--station S1: only its redemption" json \
    'd["station_id"] == "S1" and len(d["coupons"]) == 1 and d["coupons"][0]["station_id"] == "S1" and d["coupon_totals"]["issued"] == 1 and d["points"]["earned_fuel"] == 450'
as --format json report loyalty --from 2020-01-01 --to 2020-02-01
expect_json_where "an empty period: zeros" json \
    'd["coupons"] == [] and d["coupon_totals"]["issued"] == 0 and all(v == 0 for v in d["points"].values()) and all(p["active"] == 0 for p in d["plans"])'

# ---- failures ------------------------------------------------------------
as report loyalty --from 2026-10-01
expect_rc "without --to: usage" 64
as report loyalty --to 2026-10-01
expect_rc "without --from: usage" 64
as report loyalty --from 2026-10-01 --to tomorrow
expect_rc "a malformed --to: usage" 64
as report loyalty --from 2026-10-01 --to 2026-10-01
expect_rc "--from equal to --to: usage" 64
expect_err_has "says why" "aftersales report loyalty: --from is not before --to"
as report loyalty --from 2026-11-01 --to 2026-10-01
expect_rc "--from after --to: usage" 64
as report loyalty "${P[@]}" --station "S 1"
expect_rc "a station that is not an id: usage" 64
expect_err_has "names --station" "--station: 'S 1' is not an id"
as report loyalty "${P[@]}" --by station
expect_rc "an unknown option: usage" 64
as --db "$T/none.db" report loyalty "${P[@]}"
expect_rc "no database: 66" 66

finish
