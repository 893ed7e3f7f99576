#!/usr/bin/env bash
# package.sh - packages (月省计划): plans from the configuration, quotes from
# a user's own fill-ups, subscribe, cancel, show; failures and --at.
. "$TESTS_DIR/cli/lib.sh"

cat >"$T/plans.yaml" <<'YAML'
packages:
  car_wash_value_yuan: 20
  plans:
    - id: litre
      name: 每升立减
      monthly_fee_yuan: 30
      discount_per_litre_yuan: 0.50
      max_discount_per_month_yuan: 40
      car_washes: 1
      grades: [92, 95]
      min_litres: 20
    - id: dear
      name: 高价套餐
      monthly_fee_yuan: 500
      discount_per_fill_yuan: 10
YAML
export AFTERSALES_CONFIG="$T/plans.yaml"

for cmd in "package" "package list" "package quote" "package subscribe" "package cancel" "package show"; do
    # shellcheck disable=SC2086
    as $cmd --help
    if [ "$RC" -eq 0 ] && [[ "$OUT" == usage:* ]]; then pass "$cmd --help"; else fail "$cmd --help"; fi
done

# ---- the configuration -------------------------------------------------

as rules check "$T/plans.yaml"
expect_rc "the plans check" 0
bad() {  # bad NAME YAML WANT: rules check refuses YAML (exit 78) saying WANT
    printf '%s' "$2" >"$T/bad.yaml"
    as rules check "$T/bad.yaml"
    expect_rc "$1: exit 78" 78
    expect_err_has "$1: located" "$3"
}
bad "unknown key" $'packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1, fee: 2}\n' \
    "bad.yaml:3:72: unknown key 'fee' in a plan"
bad "negative price" $'packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: -1, discount_per_fill_yuan: 1}\n' \
    "bad.yaml:3:42: monthly_fee_yuan: '-1' is not an amount in yuan"
bad "duplicate id" $'packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1}\n    - {id: a, name: y, monthly_fee_yuan: 1, discount_per_fill_yuan: 1}\n' \
    "bad.yaml:4:12: plan 'a' is defined twice"
bad "unknown grade" $'packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1, grades: [super]}\n' \
    "bad.yaml:3:81: 'super' is not a fuel grade"
printf 'packages:\n  plans: 3\n' >"$T/bad.yaml"
as --config "$T/bad.yaml" package list
expect_rc "a command with a bad packages section exits 78" 78

# ---- data ----------------------------------------------------------------

as init
expect_rc "init" 0
cat >"$T/users.csv" <<'CSV'
user_id,name,phone,region
U1,张三,13800138000,530102
U2,李四,13900139000,530102
U3,王五,,530102
CSV
as user import "$T/users.csv"
expect_rc "users" 0
cat >"$T/fuel.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
T1,U1,S1,2026-08-10T08:00:00+08:00,92,40,300.00
T2,U1,S1,2026-08-24T08:00:00+08:00,92,45.5,341.25
T3,U1,S1,2026-09-07T08:00:00+08:00,98,38,330.20
T4,U1,S2,2026-09-21T08:00:00+08:00,92,15,112.50
T5,U1,S1,2026-10-05T08:00:00+08:00,95,42,315.00
T9,U2,S1,2026-10-06T08:00:00+08:00,92,42,315.00
CSV
as fuel import "$T/fuel.csv"
expect_rc "fueling records" 0
cp "$AFTERSALES_DB" "$T/without-later.db"
AT=2026-10-31T00:00:00+08:00

# ---- list ------------------------------------------------------------------

as --format json package list
expect_json_where "package list: the configured plans in order" json \
    '[p["plan_id"] for p in d] == ["litre", "dear"] and d[0]["grades"] == ["92", "95"] and d[0]["min_litres"] == 20.0 and d[0]["discount_per_litre_fen"] == 50 and d[1]["max_discount_per_month_fen"] is None and d[1]["grades"] == []'

# ---- quote -----------------------------------------------------------------

as --format json package quote U1 --at "$AT"
expect_json_where "quote: the user's own fill-ups, the cap per 30-day month, a negative saving" json \
    'd[0]["plan_id"] == "litre" and d[0]["fills"] == 5 and d[0]["eligible_fills"] == 3 and d[0]["paid_fen"] == 139895 and d[0]["discount_fen"] == 6100 and d[0]["fee_fen"] == 9000 and d[0]["would_pay_fen"] == 142795 and d[0]["saving_fen"] == -2900 and d[0]["saving_yuan"] == "-29.00" and d[0]["recommended"] is False and d[0]["car_washes_value_fen"] == 6000'
expect_json_where "quote: the dear plan is last and not recommended" json \
    'd[1]["plan_id"] == "dear" and d[1]["saving_fen"] == 5000 - 150000 and not any(l["recommended"] for l in d)'
as package quote U1 --at "$AT"
expect_rc "quote as text" 0
expect_out_has "quote text: a table with the saving" "saving_yuan"
as --format tsv package quote U1 --at "$AT"
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 3 ] && [[ "$OUT" == user_id$'\t'plan_id* ]] \
    && pass "quote tsv: a header and a line per plan" || fail "quote tsv: a header and a line per plan"
as --format jsonl package quote U1 --at "$AT"
expect_json_where "quote jsonl: a line per plan" jsonl 'len(d) == 2 and d[0]["plan_id"] == "litre"'

# A cheaper fee makes the same history worth it.
cat >"$T/cheap.yaml" <<'YAML'
packages:
  plans:
    - {id: cheap, name: 实惠, monthly_fee_yuan: 1, discount_per_litre_yuan: 0.30}
YAML
as --config "$T/cheap.yaml" --format json package quote U1 --at "$AT"
expect_json_where "quote: a positive saving is recommended" json \
    'd[0]["saving_fen"] == 5415 - 300 and d[0]["recommended"] is True'

# --at before every fill-up: the window is empty, every plan costs its fee.
as --format json package quote U1 --at 2026-01-01T00:00:00+08:00 --days 45
expect_json_where "quote of an empty window: saving = -fee, none recommended" json \
    'all(l["fills"] == 0 and l["paid_fen"] == 0 and l["months"] == 2 and l["saving_fen"] == -l["fee_fen"] and not l["recommended"] for l in d)'
as --format json package quote U3 --at "$AT"
expect_json_where "quote of a user without fill-ups is not an error" json 'len(d) == 2'

# --at is "as the world stood": later fill-ups change nothing.
cat >"$T/later.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
L1,U1,S1,2026-10-31T00:00:01+08:00,92,50,400.00
L2,U1,S1,2026-11-10T08:00:00+08:00,95,60,480.00
CSV
as --format json package quote U1 --at "$AT"
without=$OUT
as fuel import "$T/later.csv"
expect_rc "later fill-ups" 0
as --format json package quote U1 --at "$AT"
expect_eq "quote --at T with later fill-ups equals the quote without them" "$OUT" "$without"
as --db "$T/without-later.db" --format json package quote U1 --at "$AT"
expect_eq "... and the quote of a database that never had them" "$OUT" "$without"

as package quote U9
expect_rc "quote of an unknown user" 1
expect_err_has "quote: the error names the user" "aftersales package quote: no user 'U9'"
as package quote U1 --days 0
expect_rc "quote --days 0" 64
as package quote U1 --days 3661
expect_rc "quote --days 3661" 64
as package quote
expect_rc "quote without a user" 64

# ---- subscribe, show, cancel --------------------------------------------------

as --format json package subscribe U1 litre --at 2026-11-01T00:00:00+08:00
expect_json_where "subscribe" json \
    'd["plan_id"] == "litre" and d["user_id"] == "U1" and d["started_at"] == "2026-11-01T00:00:00+08:00" and d["ended_at"] is None'
as package subscribe U1 dear --at 2026-11-02T00:00:00+08:00
expect_rc "subscribe twice: exit 65" 65
expect_err_has "subscribe twice: says why" "aftersales package subscribe: user 'U1' already has plan 'litre'"
as package subscribe U9 litre
expect_rc "subscribe an unknown user: exit 1" 1
as package subscribe U2 gold
expect_rc "subscribe to an unknown plan: exit 1" 1
expect_err_has "unknown plan: the plans are named" "no plan 'gold' in the configuration (plans: litre, dear)"
as package cancel U2
expect_rc "cancel without a plan: exit 1" 1
expect_err_has "cancel without a plan: says so" "aftersales package cancel: user 'U2' has no active plan"
as package cancel U1 --at 2026-10-01T00:00:00+08:00
expect_rc "cancel before the start: exit 65" 65

for fmt in text tsv json jsonl; do
    as --format "$fmt" package show U1 --at 2026-11-05T00:00:00+08:00
    if [ "$RC" -eq 0 ] && [ -n "$OUT" ]; then pass "show --format $fmt"; else fail "show --format $fmt"; fi
    as --format "$fmt" package list
    if [ "$RC" -eq 0 ] && [ -n "$OUT" ]; then pass "list --format $fmt"; else fail "list --format $fmt"; fi
done
as --format json package show U1 --at 2026-11-05T00:00:00+08:00
expect_json_where "show: the active plan, its month, no discount yet" json \
    'd["active"] and d["plan_id"] == "litre" and d["month_from"] == "2026-11-01T00:00:00+08:00" and d["month_to"] == "2026-12-01T00:00:00+08:00" and d["month_discount_fen"] == 0 and d["max_discount_per_month_fen"] == 4000'
as --format json package show U1 --at 2026-10-31T00:00:00+08:00
expect_json_where "show before the start: no plan" json 'd["active"] is False and d["discounts"] == []'
as package show U9
expect_rc "show an unknown user: exit 1" 1

as --format json package cancel U1 --at 2026-11-20T00:00:00+08:00
expect_json_where "cancel" json 'd["ended_at"] == "2026-11-20T00:00:00+08:00" and d["plan_id"] == "litre"'
as --format json package show U1 --at 2026-11-10T00:00:00+08:00
expect_json_where "show --at before the cancel: the plan as it was" json 'd["active"] and d["plan_id"] == "litre"'
as --format json package show U1 --at 2026-11-20T00:00:00+08:00
expect_json_where "show at the cancel: none" json 'd["active"] is False'
as package subscribe U1 dear --at 2026-11-19T00:00:00+08:00
expect_rc "a new plan cannot start inside the old one" 65
as --format json package subscribe U1 dear --at 2026-11-20T00:00:00+08:00
expect_json_where "a new plan from the old one's end" json 'd["plan_id"] == "dear"'

# ---- user forget ------------------------------------------------------------

as package subscribe U2 litre --at 2026-11-01T00:00:00+08:00
expect_rc "U2 subscribes" 0
as user forget U2 --force
expect_rc "forget U2" 0
as --format json package show U2
expect_json_where "an erased user has no plan" json 'd["active"] is False'
as package subscribe U2 dear
expect_rc "an erased user cannot subscribe" 65
as --format json package show U1 --at 2026-11-25T00:00:00+08:00
expect_json_where "other users keep theirs" json 'd["plan_id"] == "dear"'
python3 - "$AFTERSALES_DB" >"$T/events" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(" ".join(k for (k,) in c.execute("SELECT kind FROM package_events WHERE user_id = 'U2' ORDER BY id")))
PY
expect_eq "the erasure is an event of the plan" "$(cat "$T/events")" "subscribe erased"
as check
expect_rc "the database checks clean" 0

finish
