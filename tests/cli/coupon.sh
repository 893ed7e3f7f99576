#!/usr/bin/env bash
# coupon.sh - the coupon wallet from the command line: issue, list, show,
# redeem (every refusal, a replay, two processes at once), void, expire,
# the refuel reminder's coupon redeemed by its code, usage errors.
. "$(dirname "$0")/lib.sh"

cat >"$T/c.yaml" <<'YAML'
coupons:
  templates:
    - {id: refuel_cycle, name: 加油立减5元, value_fen: 500, min_spend_fen: 10000, valid: 3d}
    - {id: litre, name: 每升减3角, per_litre_fen: 30, max_discount_fen: 1000, valid: 7d,
       grades: [95], stackable: true}
    - {id: km, name: 昆明专享, value_fen: 300, valid: 7d, regions: ["5301"]}
    - {id: monthly_5, name: 会员月度5元加油券, value_fen: 500, valid: 30d}
    - {id: monthly_10, name: 会员月度10元加油券, value_fen: 1000, valid: 30d}
YAML
export AFTERSALES_CONFIG="$T/c.yaml"
as init
as user add --id U1 --name 张三 --consent-marketing yes
as user add --id U2 --name 李四

code_of() { json_get 'd["code"]'; }

# ---- issue and show -----------------------------------------------------------
as --format json coupon issue --user U1 --template refuel_cycle --at 2026-10-01T10:00:00+08:00
expect_rc "issue" 0
A=$(code_of)
expect_json_where "issue: issued, 3 days, one event" json \
    'd["status"] == "issued" and d["expires_at"] == "2026-10-04T10:00:00+08:00" and [e["event"] for e in d["events"]] == ["issued"] and d["source"] == "manual"'
as coupon issue --user nobody --template refuel_cycle
expect_rc "issue to an unknown user" 1
expect_err_has "issue: names the user" "no user 'nobody'"
as coupon issue --user U1 --template gone
expect_rc "issue of an unknown template" 1
expect_err_has "issue: names the template" "no coupon template 'gone'"
as coupon issue --user U1 --template refuel_cycle --grade 91
expect_rc "issue with a bad --grade" 64
as coupon issue --user U1
expect_rc "issue without --template" 64
as --format json coupon issue --user U1 --template litre --key promo-1 --at 2026-10-01T10:00:00+08:00
expect_rc "issue with a key" 0
L=$(code_of)
as --format json coupon issue --user U1 --template litre --key promo-1 --at 2026-10-01T10:00:00+08:00
expect_rc "the same key again" 0
expect_json_where "the same key gives the same coupon" json 'd["code"] == a[0]' "$L"
expect_err_has "the same key: says nothing was issued" "issued coupon $L before: nothing issued"
as coupon issue --user U2 --template litre --key promo-1
expect_rc "a key of another user's coupon" 65

as coupon show "${A,,}"
expect_rc "show takes lower case" 0
as coupon show "${A:0:4}-${A:4:4}-${A:8:4}-${A:12:4}"
expect_rc "show takes groups" 0
as coupon show NOTACODE
expect_rc "show: not a code" 65
expect_err_has "show: says what a code is" "is not a coupon code"
as coupon show 0000000000000000
expect_rc "show: no such coupon" 1
as coupon show "$A" --at 2026-09-30T00:00:00+08:00
expect_rc "show before the issue" 1

# ---- redeem: every refusal ----------------------------------------------------
R=(--tx P1 --station S1 --grade 92 --litres 40 --amount 300 --at 2026-10-02T10:00:00+08:00)
as coupon redeem "$A" --user U2 "${R[@]}"
expect_rc "redeem: another user's coupon" 65
expect_err_has "redeem: another user's" "belongs to another user"
as coupon redeem "$A" --user U1 --tx P1 --station S1 --grade 92 --litres 40 --amount 99.99 \
    --at 2026-10-02T10:00:00+08:00
expect_rc "redeem: under the minimum spend" 65
expect_err_has "redeem: the minimum" "needs a payment of at least 10000 fen, not 9999"
as coupon redeem "$A" --user U1 --tx P1 --station S1 --grade 92 --litres 40 --amount 300 \
    --at 2026-10-04T10:00:00+08:00
expect_rc "redeem: at the expiry exactly" 65
expect_err_has "redeem: expired" "expired at 2026-10-04T10:00:00+08:00"
as coupon redeem "$L" --user U1 "${R[@]}"
expect_rc "redeem: wrong grade" 65
expect_err_has "redeem: the grade" "not good for grade 92"
as coupon redeem "$A" --user U1 --tx P1 --station S1 --grade 92 --litres 40 --amount 30x
expect_rc "redeem: a malformed --amount" 64
as coupon redeem "$A" --user U1 --tx P1 --station S1 --grade 92 --litres 0 --amount 300
expect_rc "redeem: no litres" 64
as coupon redeem "$A" --user U1 --station S1 --grade 92 --litres 40 --amount 300
expect_rc "redeem: no --tx" 64
as coupon redeem 0000000000000000 --user U1 "${R[@]}"
expect_rc "redeem: no such coupon" 1
as --format json coupon issue --user U1 --template km --at 2026-10-01T10:00:00+08:00
K=$(code_of)
as coupon redeem "$K" --user U1 "${R[@]}"
expect_rc "redeem: a regional coupon without --region" 65
as coupon redeem "$K" --user U1 "${R[@]}" --region 110105
expect_rc "redeem: another region" 65
as --format json coupon redeem "$K" --user U1 "${R[@]}" --region 530111
expect_rc "redeem: in the region" 0

# ---- redeem: once ---------------------------------------------------------------
as --format json coupon redeem "$A" --user U1 --tx P2 --station S1 --grade 92 --litres 40 \
    --amount 300 --at 2026-10-02T10:00:00+08:00
expect_rc "redeem" 0
expect_json_where "redeem: 5 yuan off 300" json \
    'd["discount_fen"] == 500 and d["pay_fen"] == 29500 and d["replay"] is False and d["tx_id"] == "P2"'
as --format json coupon redeem "$A" --user U1 --tx P2 --station S1 --grade 92 --litres 40 \
    --amount 300 --at 2026-10-02T10:00:00+08:00
expect_rc "redeem again for the same payment" 0
expect_json_where "a replay: the first figures" json 'd["replay"] is True and d["discount_fen"] == 500'
as coupon redeem "$A" --user U1 --tx P3 --station S1 --grade 92 --litres 40 --amount 300 \
    --at 2026-10-02T11:00:00+08:00
expect_rc "redeem for another payment" 65
expect_err_has "redeem twice: says when" "already redeemed (payment P2 at 2026-10-02T10:00:00+08:00)"
as coupon void "$A" --reason 测试
expect_rc "void a redeemed coupon" 65

# Two processes at once, many times: exactly one redemption of each code.
ok_both=0
for i in 1 2 3 4 5 6 7 8; do
    as --format json coupon issue --user U2 --template refuel_cycle --at 2026-10-01T10:00:00+08:00
    c=$(code_of)
    "$AFTERSALES" --busy-timeout 5000 coupon redeem "$c" --user U2 --tx "X$i-a" --station S1 \
        --grade 92 --litres 40 --amount 300 --at 2026-10-02T10:00:00+08:00 >/dev/null 2>"$T/ea" &
    pa=$!
    "$AFTERSALES" --busy-timeout 5000 coupon redeem "$c" --user U2 --tx "X$i-b" --station S1 \
        --grade 92 --litres 40 --amount 300 --at 2026-10-02T10:00:00+08:00 >/dev/null 2>"$T/eb" &
    pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    if { [ $ra -eq 0 ] && [ $rb -eq 65 ]; } || { [ $ra -eq 65 ] && [ $rb -eq 0 ]; }; then
        ok_both=$((ok_both + 1))
    else
        echo "    round $i: exits $ra and $rb: $(cat "$T/ea" "$T/eb")"
    fi
done
expect_eq "two processes redeeming one code: one wins, one is refused (8 rounds)" "$ok_both" 8
as --format tsv coupon list --user U2 --status redeemed
expect_eq "8 coupons redeemed once each" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" 8
expect_eq "8 redemption events" \
    "$(sqlite3 "$AFTERSALES_DB" "SELECT count(*) FROM coupon_events e JOIN coupons c ON c.id = e.coupon_id WHERE c.user_id = 'U2' AND e.event = 'redeemed'")" 8

# ---- void, expire, list -------------------------------------------------------------
as --format json coupon issue --user U2 --template refuel_cycle --at 2026-10-01T10:00:00+08:00
V=$(code_of)
as coupon void "$V"
expect_rc "void without --reason" 64
as --format json coupon void "$V" --reason 重复发放 --at 2026-10-01T11:00:00+08:00
expect_rc "void" 0
expect_json_where "void: the reason in the event" json \
    'd["status"] == "voided" and d["reason"] == "重复发放" and d["events"][-1]["event"] == "voided"'
as coupon void "$V" --reason again
expect_rc "void twice" 65
as --format json coupon expire --at 2026-10-08T09:59:59+08:00
expect_rc "expire" 0
expect_json_where "expire: a second before the 7-day coupon's end, nothing" json \
    'd["expired"] == 0'
as --format json coupon expire --at 2026-10-08T10:00:00+08:00
expect_json_where "expire: at its end, U1's per-litre coupon (the km one was redeemed)" json \
    'd["expired"] == 1'
as --format json coupon list --user U1 --at 2026-10-09T00:00:00+08:00
expect_json_where "list: U1's three, newest first, as of the time" json \
    'sorted(c["status"] for c in d) == ["expired", "redeemed", "redeemed"]'
as coupon list --status spent
expect_rc "list: an unknown --status" 64
as coupon list --user nobody
expect_rc "list: an unknown user" 1
for cmd in templates issue list show redeem void expire; do
    as coupon "$cmd" --help
    expect_rc "coupon $cmd --help" 0
done

# ---- the refuel reminder's coupon --------------------------------------------------
cat >"$T/fuel.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
F1,U1,S7,2026-10-01T09:00:00+08:00,95,40,300
F2,U1,S7,2026-10-08T09:00:00+08:00,95,40,300
F3,U1,S7,2026-10-15T09:00:00+08:00,95,40,300
F4,U1,S7,2026-10-22T09:00:00+08:00,95,40,300
CSV
as fuel import "$T/fuel.csv"
expect_rc "fill-ups for U1" 0
as --format json remind run --at 2026-10-28T12:00:00+08:00
expect_json_where "remind run: one refuel notification, one coupon" json \
    '[(k["written"], k["coupons"]) for k in d if k["kind"] == "refuel_coupon"] == [(1, 1)]'
as --format json outbox list --user U1
RC_CODE=$(json_get '[x for x in d if x["kind"] == "refuel_coupon"][0]["payload"]["coupon_code"]')
as coupon redeem "$RC_CODE" --user U1 --tx F5 --station S8 --grade 95 --litres 40 --amount 300 \
    --at 2026-10-29T09:00:00+08:00
expect_rc "the reminder's coupon is bound to the usual station" 65
as --format json coupon redeem "$RC_CODE" --user U1 --tx F5 --station S7 --grade 95 --litres 40 \
    --amount 300 --at 2026-10-29T09:00:00+08:00
expect_rc "the reminder's coupon redeems by its code" 0
as --format json remind run --at 2026-10-28T13:00:00+08:00
expect_json_where "a rerun issues no coupon" json \
    '[(k["written"], k["coupons"]) for k in d if k["kind"] == "refuel_coupon"] == [(0, 0)]'
as --format json outbox pull --limit 100 --at 2026-10-29T10:00:00+08:00
expect_rc "outbox pull after the coupon was used" 0
as --format json outbox list --user U1
expect_json_where "the refuel message whose coupon was redeemed is suppressed at the pull" json \
    '[(x["status"], "coupon" in (x["reason"] or "")) for x in d if x["kind"] == "refuel_coupon"] == [("suppressed", True)]'

# ---- tier benefits ----------------------------------------------------------------
# U1 spent 1,200 yuan in October (普通会员 below 3,000); 2,000 more makes 银卡.
as --format json benefits run --at 2026-11-01T10:00:00+08:00
expect_rc "benefits run" 0
expect_json_where "benefits run: nobody has a tier with grants yet" json \
    'd == {"month": "2026-11", "users": 0, "issued": 0, "duplicates": 0, "dry_run": False}'
cat >"$T/fuel2.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
F9,U1,S7,2026-11-02T09:00:00+08:00,95,40,2000
CSV
as fuel import "$T/fuel2.csv"
as --format json benefits run --at 2026-11-03T10:00:00+08:00 --dry-run
expect_json_where "benefits run --dry-run: counts" json 'd["issued"] == 1 and d["dry_run"] is True'
as --format tsv coupon list --template monthly_5
expect_eq "--dry-run issued nothing" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" 0
as --format json benefits run --at 2026-11-03T10:00:00+08:00
expect_json_where "benefits run: 银卡's monthly coupon" json 'd["users"] == 1 and d["issued"] == 1'
as --format json benefits run --at 2026-11-20T10:00:00+08:00
expect_json_where "benefits run: once a month" json 'd["issued"] == 0 and d["duplicates"] == 1'
as --format json coupon list --template monthly_5
expect_json_where "the grant is U1's, from the benefit" json \
    'len(d) == 1 and d[0]["user_id"] == "U1" and d[0]["source"] == "benefit" and d[0]["key"] == "benefit:U1:2026-11:monthly_5:1"'
as benefits run --at nonsense
expect_rc "benefits run: a bad --at" 64
as benefits run --help
expect_rc "benefits run --help" 0

# ---- pay: coupons, then the plan ----------------------------------------------------
as --format json coupon issue --user U2 --template refuel_cycle --at 2026-11-01T10:00:00+08:00
PC=$(code_of)
as --format json package list
PLAN=$(json_get 'd[0]["plan_id"]')
as package subscribe U2 "$PLAN" --at 2026-11-01T00:00:00+08:00
expect_rc "U2 subscribes to a plan" 0
as --format json pay --user U2 --tx PAY-1 --station S1 --grade 92 --litres 40 --amount 300 \
    --coupon "${PC,,}" --at 2026-11-02T10:00:00+08:00
expect_rc "pay with a coupon and a plan" 0
expect_json_where "pay: the coupon first, the plan on what it left" json \
    'd["coupons"] == [{"code": a[0], "discount_fen": 500}] and d["plan"] == a[1] and d["plan_fen"] > 0 and d["pay_fen"] == 30000 - 500 - d["plan_fen"] and d["replay"] is False' "$PC" "$PLAN"
first=$OUT
as --format json pay --user U2 --tx PAY-1 --station S1 --grade 92 --litres 40 --amount 300 \
    --coupon "$PC" --at 2026-11-02T10:00:00+08:00
expect_json_where "pay again: a replay with the same figures" json \
    'd["replay"] is True and d["pay_fen"] == json.loads(a[0])["pay_fen"]' "$first"
as pay --user U2 --tx PAY-2 --station S1 --grade 92 --litres 40 --amount 300 --coupon "$PC" \
    --at 2026-11-02T11:00:00+08:00
expect_rc "pay with a spent coupon is refused whole" 65
expect_eq "the refused payment recorded no plan discount" \
    "$(sqlite3 "$AFTERSALES_DB" "SELECT count(*) FROM package_discounts WHERE tx_id = 'PAY-2'")" 0
as pay --user U2 --tx PAY-3 --station S1 --grade 92 --litres 40
expect_rc "pay without --amount" 64
as pay --help
expect_rc "pay --help" 0

# ---- check ----------------------------------------------------------------------------
as --format json check
expect_rc "check passes" 0
expect_json_where "check: the coupons are consistent" json \
    'any(x["check"] == "coupons" and x["ok"] for x in d)'
sqlite3 "$AFTERSALES_DB" "UPDATE coupons SET status = 'issued', changed_at = NULL WHERE code = '$A'"
as --format json check
expect_rc "check finds a coupon changed behind the library's back" 65
if printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
sys.exit(0 if any(x["check"] == "coupons" and not x["ok"] and sys.argv[1] in x["detail"]
                  and "last event redeemed" in x["detail"] for x in d) else 1)' "$A"; then
    pass "check names the coupon"
else
    fail "check names the coupon"
fi

finish
