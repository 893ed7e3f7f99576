#!/usr/bin/env bash
# partner.sh - partner offers from the command line: issued by the fueling
# import after qualifying fill-ups, the catch-up run, the partner's
# redemption, the report, configuration errors, usage errors.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.yaml" <<'YAML'
coupons:
  templates:
    - {id: refuel_cycle, name: 加油立减5元, value_fen: 500, valid: 3d}
    - {id: monthly_5, name: 月度5元, value_fen: 500, valid: 30d}
    - {id: monthly_10, name: 月度10元, value_fen: 1000, valid: 30d}
    - {id: wm10, name: 沃尔玛满50减10, value_fen: 1000, min_spend_fen: 5000, valid: 7d}
partners:
  - id: wm
    name: 沃尔玛
    kind: supermarket
    monthly_budget: 100
    offers:
      - {id: wm-fuel, coupon: wm10, stations: [S1], min_spend_fen: 20000}
YAML
export AFTERSALES_CONFIG="$T/p.yaml"
as init
as user add --id U1 --name 张三
as user add --id U2 --name 李四

as --format json partner list
expect_rc "partner list" 0
expect_json_where "partner list: the partner and its offer" json \
    'd[0]["id"] == "wm" and d[0]["kind"] == "supermarket" and d[0]["offers"][0]["stations"] == ["S1"] and d[0]["offers"][0]["daily_cap"] == 1'

cat >"$T/f.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
A,U1,S1,2026-10-01T09:00:00+08:00,92,40,300
B,U1,S1,2026-10-01T18:00:00+08:00,92,40,300
C,U2,S2,2026-10-01T09:00:00+08:00,92,40,300
D,U2,S1,2026-10-02T09:00:00+08:00,92,40,150
CSV
as fuel import "$T/f.csv" --dry-run
as --format tsv coupon list
expect_eq "a dry-run import issues no partner coupon" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" 0
as fuel import "$T/f.csv"
expect_rc "fuel import" 0
as --format json coupon list
expect_json_where "one coupon: A (B over the daily cap, C not at S1, D under the minimum)" json \
    '[(c["partner"], c["offer"], c["origin_tx"], c["source"], c["issued_at"]) for c in d] == [("wm", "wm-fuel", "A", "partner", "2026-10-01T09:00:00+08:00")]'
CODE=$(json_get 'd[0]["code"]')

as --format json partner run --from 2026-09-30T00:00:00+08:00 --to 2026-10-03T00:00:00+08:00
expect_rc "partner run" 0
expect_json_where "partner run: nothing new, the cap counted" json \
    'd["issued"] == 0 and d["duplicates"] == 1 and d["capped"] == 1 and d["fillups"] == 2'
as partner run --from 2026-10-03T00:00:00+08:00 --to 2026-10-01T00:00:00+08:00
expect_rc "partner run: --from after --to" 64

as coupon redeem "$CODE" --user U1 --tx P1 --station S1 --grade 92 --litres 40 --amount 300 \
    --at 2026-10-02T10:00:00+08:00
expect_rc "a fuel payment cannot use a partner's coupon" 65
expect_err_has "says who redeems it" "the partner redeems it"
as partner redeem "$CODE" --partner cw --amount 60
expect_rc "another partner" 1
as partner redeem "$CODE" --partner wm --amount 49.99 --at 2026-10-02T10:00:00+08:00
expect_rc "under the minimum purchase" 65
as partner redeem "x-$CODE-$CODE-$CODE" --partner wm --amount 60
expect_rc "partner redeem: a long malformed code" 65
expect_err_has "partner redeem: says it is not a code" "is not a coupon code"
as partner redeem "$CODE" --partner wm --amount 6x
expect_rc "a malformed --amount" 64
as --format json partner redeem "$CODE" --partner wm --amount 60 --ref R-1 --at 2026-10-02T10:00:00+08:00
expect_rc "partner redeem" 0
expect_json_where "partner redeem: 10 yuan off 60" json \
    'd["discount_fen"] == 1000 and d["pay_fen"] == 5000 and d["ref"] == "R-1" and d["replay"] is False'
as --format json partner redeem "$CODE" --partner wm --amount 60 --ref R-1 --at 2026-10-02T10:00:00+08:00
expect_json_where "partner redeem again: a replay" json 'd["replay"] is True'
as partner redeem "$CODE" --partner wm --amount 60 --ref R-2 --at 2026-10-02T11:00:00+08:00
expect_rc "partner redeem twice" 65

as --format json partner report --from 2026-10-01T00:00:00+08:00 --to 2026-11-01T00:00:00+08:00
expect_rc "partner report" 0
expect_json_where "partner report: one issued at S1, redeemed" json \
    'd == [{"partner": "wm", "station_id": "S1", "issued": 1, "redeemed": 1, "redeemed_value_fen": 1000}]'
as partner report --from 2026-10-01T00:00:00+08:00
expect_rc "partner report without --to" 64

cat >"$T/bad.yaml" <<'YAML'
partners:
  - id: wm
    name: 沃尔玛
    offers:
      - {id: o1, coupon: missing}
YAML
as --config "$T/bad.yaml" partner list
expect_rc "an offer naming a missing template" 78
expect_err_has "says where" "bad.yaml:5:26: offer 'o1' issues coupon template 'missing'"
for cmd in list run redeem report; do
    as partner "$cmd" --help
    expect_rc "partner $cmd --help" 0
done

finish
