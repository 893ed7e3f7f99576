# contract/65-loyalty.sh - report loyalty over the shared database: the
# coupons of 20-reminders.sh and 55-coupons.sh, the points of 00-ops.sh and
# 60-points.sh, the plan of 62-package.sh.
contract_both "report loyalty" report loyalty --from 2026-09-01T00:00:00+08:00 \
    --to 2026-11-01T00:00:00+08:00
as --format json report loyalty --from 2026-09-01T00:00:00+08:00 --to 2026-11-01T00:00:00+08:00
expect_json_where "report loyalty: sections, CU2's redemption at S1, the four sources, totals add up" json \
    'any(l["station_id"] == "S1" and l["redeemed"] >= 1 and l["discount_fen"] >= 1000 for l in d["coupons"]) and [s["source"] for s in d["coupon_sources"]] == ["manual", "reminder", "benefit", "partner"] and all(sum(s[k] for s in d["coupon_sources"]) == d["coupon_totals"][k] for k in ("issued", "redeemed", "expired", "voided", "discount_fen")) and d["points"]["earned_fuel"] > 0 and d["points"]["ledger"] - d["points"]["outstanding"] == d["points"]["lapsed_unwritten"] and any(p["plan_id"] == "commuter" and p["subscribed"] == 1 and p["cancelled"] == 1 for p in d["plans"])'
# with a station filter, and an empty period: zeros, not an error
contract_both "report loyalty" report loyalty --from 2026-09-01T00:00:00+08:00 \
    --to 2026-11-01T00:00:00+08:00 --station S1
contract "report loyalty" report loyalty --from 2020-01-01 --to 2020-02-01
expect_json_where "report loyalty: an empty period is zeros" json \
    'd["coupons"] == [] and d["partners"] == [] and d["coupon_totals"]["issued"] == 0 and all(v == 0 for v in d["points"].values()) and len(d["coupon_sources"]) == 4'
