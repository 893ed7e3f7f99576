# contract/62-package.sh - packages (月省计划) with the built-in example plans
# (users CU1, CU2 and their fill-ups of 2026-09 come from 00-ops.sh).
contract_both "package list" package list
as --format json package list
expect_json_where "package list: typed, with grades and a null for no cap" json \
    'len(d) >= 2 and all(isinstance(p["grades"], list) for p in d) and any(p["max_discount_per_month_fen"] is None or p["min_litres"] is None for p in d)'
contract_both "package quote" package quote CU1 --at 2026-10-01T00:00:00+08:00
as --format json package quote CU1 --at 2026-10-01T00:00:00+08:00 --days 30
expect_json_where "package quote: every plan, paid is the user's own, best first" json \
    'len(d) >= 2 and len({l["paid_fen"] for l in d}) == 1 and all(l["fills"] >= 2 and l["months"] == 1 for l in d) and [l["saving_fen"] for l in d] == sorted((l["saving_fen"] for l in d), reverse=True) and all(l["recommended"] == (l["saving_fen"] > 0) for l in d)'
# An empty window is every plan at saving = -fee, not an error.
contract "package quote" package quote CU1 --at 2026-01-01T00:00:00+08:00
contract "package subscribe" package subscribe CU2 commuter --at 2026-09-01T00:00:00+08:00
contract_both "package show" package show CU2 --at 2026-09-25T00:00:00+08:00
as --format json package show CU2 --at 2026-09-25T00:00:00+08:00
expect_json_where "package show: the active plan and its month" json \
    'd["active"] and d["plan_id"] == "commuter" and d["month_from"] == "2026-09-01T00:00:00+08:00" and d["discounts"] == []'
contract "package show" package show CU1
as --format json package show CU1
expect_json_where "package show without a plan: nulls" json \
    'd["active"] is False and d["plan_id"] is None and d["max_discount_per_month_fen"] is None'
contract "package cancel" package cancel CU2 --at 2026-10-01T00:00:00+08:00
as --format json package cancel CU2 --at 2026-10-02T00:00:00+08:00
expect_rc "package cancel without an active plan" 1
