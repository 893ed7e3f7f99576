#!/usr/bin/env bash
# points.sh - aftersales points: earning from the fueling import (replays
# and dry runs earn nothing), balances as of a time, statements in every
# format, adjustments, redemption (never beyond the balance, also from two
# processes at once), expiry at its boundary, catching up with points
# earn, the check, and erasure.
. "$TESTS_DIR/cli/lib.sh"

as init
expect_rc "init" 0
cat >"$T/users.csv" <<'CSV'
user_id,name,phone,region
U1,张三,13800138000,530102
U2,李四,13900139000,530102
U3,王五,13700137000,530102
CSV
as user import "$T/users.csv"
cat >"$T/fuel.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
T1,U1,S1,2024-01-10T08:00:00+08:00,92,40,300.50
T2,U1,S1,2024-03-31T08:00:00+08:00,92,40,200.99
T3,U2,S1,2024-02-01T08:00:00+08:00,95,30,250
T4,U3,S1,2024-02-01T08:00:00+08:00,95,30,300
CSV

# ---- help and usage ---------------------------------------------------
for sub in balance statement adjust redeem expire earn; do
    as points "$sub" --help
    expect_rc "points $sub --help" 0
    expect_out_has "points $sub --help has a usage line" "usage: aftersales points $sub"
done
as points
expect_rc "points without a command is a usage error" 64

# ---- earning from the import ------------------------------------------
as fuel import --dry-run "$T/fuel.csv"
expect_rc "dry-run import" 0
as points balance U1 --at 2024-06-01T00:00:00+08:00 --format json
expect_json_where "a dry run earns nothing" json 'd["balance"] == 0 and d["ledger"] == 0'
as fuel import "$T/fuel.csv"
expect_rc "import" 0
as points balance U1 --at 2024-06-01T00:00:00+08:00 --format json
expect_json_where "the import earns floor(yuan) x 1 per record" json \
    'd["balance"] == 500 and d["earned"] == 500 and d["next_expiry_at"] == "2026-01-10T08:00:00+08:00" and d["next_expiry_points"] == 300'
as fuel import "$T/fuel.csv"
expect_rc "re-import" 0
as points statement --user U1 --format jsonl
expect_json_where "a replay of the same file earns nothing" jsonl \
    'len(d) == 2 and [x["ref"] for x in d] == ["T1", "T2"] and d[1]["ledger"] == 500'

# ---- formats ----------------------------------------------------------
as points statement --user U1
expect_out "statement as text" "id  user_id  at                         kind       points  ref  reason  expires_at                 ledger  created_at
1   U1       2024-01-10T08:00:00+08:00  earn_fuel  300     T1   -       2026-01-10T08:00:00+08:00  300     <TIME>
2   U1       2024-03-31T08:00:00+08:00  earn_fuel  200     T2   -       2026-03-31T08:00:00+08:00  500     <TIME>"
as points statement --user U1 --format tsv
expect_eq "statement as tsv: a header and two rows" "$(printf '%s\n' "$OUT" | wc -l)" 3
expect_eq "statement as tsv: the header" "$(printf '%s\n' "$OUT" | head -1)" \
    "$(printf 'id\tuser_id\tat\tkind\tpoints\tref\treason\texpires_at\tledger\tcreated_at')"
as points balance U1 --at 2024-06-01T00:00:00+08:00
expect_out_has "balance as text" "balance:            500"
as points balance U1 --at 2024-06-01T00:00:00+08:00 --format tsv
expect_out_has "balance as tsv" "$(printf 'U1\t2024-06-01T00:00:00+08:00\t500\t500\t0')"
as points statement --user U1 --from 2024-02-01T00:00:00+08:00 --to 2024-12-31T00:00:00+08:00 --format json
expect_json_where "statement from/to" json 'len(d) == 1 and d[0]["ref"] == "T2" and d[0]["ledger"] == 500'

# ---- failures ---------------------------------------------------------
as points balance NOPE
expect_rc "unknown user: exit 1" 1
expect_err_has "unknown user: the message" "aftersales points balance: no user 'NOPE'"
as points redeem NOPE --points 1
expect_rc "redeem for an unknown user: exit 1" 1
as points balance U1 --at yesterday
expect_rc "a bad --at is a usage error" 64
as points statement --user U1 --from 2025-01-01 --to 2024-01-01
expect_rc "--from after --to is a usage error" 64
as points redeem U1 --points 0
expect_rc "redeem 0 is a usage error" 64
as points redeem U1 --points -5
expect_rc "redeem a negative amount is a usage error" 64
as points adjust U1 --points 0 --reason x
expect_rc "adjust 0 is a usage error" 64
as points adjust U1 --points 5
expect_rc "adjust without a reason is a usage error" 64
as points adjust U1 --points 5 --reason ""
expect_rc "adjust with an empty reason: exit 65" 65
as points redeem U1 --points 501 --at 2024-06-01T00:00:00+08:00
expect_rc "redeem beyond the balance: exit 65" 65
expect_err_has "redeem beyond the balance: the message" "has 500 spendable points"
as points adjust U1 --points -501 --reason "纠错" --at 2024-06-01T00:00:00+08:00
expect_rc "a negative adjustment below zero: exit 65" 65

# ---- redemption, oldest lapse first -----------------------------------
as points redeem U1 --points 350 --ref O-1 --at 2024-06-01T00:00:00+08:00 --format json
expect_json_where "redeem: the row and the balance after it" json \
    'd["kind"] == "redeem" and d["points"] == -350 and d["ref"] == "O-1" and d["balance"]["balance"] == 150 and d["balance"]["next_expiry_at"] == "2026-03-31T08:00:00+08:00"'
first_id=$(json_get 'd["id"]')
as points redeem U1 --points 350 --ref O-1 --at 2024-06-02T00:00:00+08:00 --format json
expect_json_where "the same ref again writes nothing" json 'd["id"] == int(a[0]) and d["balance"]["balance"] == 150' "$first_id"
as points redeem U1 --points 10 --ref O-1
expect_rc "a ref used for another amount: exit 65" 65
as points balance U1 --at 2024-05-01T00:00:00+08:00 --format json
expect_json_where "--at before the redemption does not see it" json 'd["balance"] == 500 and d["redeemed"] == 0'

# ---- expiry -----------------------------------------------------------
as points balance U1 --at 2026-03-31T07:59:59+08:00 --format json
expect_json_where "a second before the lapse: spendable" json 'd["balance"] == 150 and d["lapsed"] == 0'
as points balance U1 --at 2026-03-31T08:00:00+08:00 --format json
expect_json_where "at the lapse: not spendable, not yet written off" json \
    'd["balance"] == 0 and d["lapsed"] == 150 and d["ledger"] == 150'
as points redeem U1 --points 1 --at 2026-03-31T08:00:00+08:00
expect_rc "lapsed points cannot be redeemed" 65
as points expire --at 2026-03-31T07:59:59+08:00 --format json
expect_json_where "expire before the lapse writes nothing for U1" json 'd["entries"] == 2 and d["points"] == 550'
as points expire --at 2026-03-31T08:00:00+08:00 --format json
expect_json_where "expire at the lapse: one row" json 'd["entries"] == 1 and d["users"] == 1 and d["points"] == 150'
as points expire --at 2026-03-31T08:00:00+08:00 --format json
expect_json_where "expire again: nothing" json 'd["entries"] == 0'
as points statement --user U1 --format json
expect_json_where "the statement ends with the expiry" json \
    'd[-1]["kind"] == "expire" and d[-1]["points"] == -150 and d[-1]["ledger"] == 0'

# ---- adjustments, masking ---------------------------------------------
as points adjust U3 --points 40 --reason "补偿 13700137000" --at 2026-05-01T00:00:00+08:00 --format json
expect_json_where "adjust: reason kept, phone masked" json \
    'd["kind"] == "adjust" and d["points"] == 40 and d["reason"] == "补偿 137****7000" and d["balance"]["balance"] == 40'

# ---- catching up ------------------------------------------------------
cat >"$T/norate.yaml" <<'YAML'
tiers:
  points_per_yuan: 0
YAML
cat >"$T/fuel2.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
T5,U3,S1,2026-05-02T08:00:00+08:00,92,40,100
T6,U3,S1,2026-06-02T08:00:00+08:00,92,40,100
CSV
as --config "$T/norate.yaml" fuel import "$T/fuel2.csv"
expect_rc "import with earning off" 0
as points earn --at 2026-05-31T00:00:00+08:00 --format json
expect_json_where "points earn: the records at or before --at" json 'd["entries"] == 1 and d["points"] == 100'
as points earn --format json
expect_json_where "points earn: the rest" json 'd["entries"] == 1 and d["points"] == 100'
as points earn --format json
expect_json_where "points earn again: nothing" json 'd["entries"] == 0'

# ---- two processes redeeming at once ----------------------------------
# U3 has 240 spendable points: two redemptions of 200 race; exactly one wins.
for i in 1 2; do
    "${WRAP[@]}" "$AFTERSALES" --busy-timeout 10000 points redeem U3 --points 200 \
        >"$T/race$i.out" 2>"$T/race$i.err" &
done
rc=()
for job in $(jobs -p); do
    wait "$job"
    rc+=($?)
done
wins=0 refused=0
for r in "${rc[@]}"; do
    [ "$r" -eq 0 ] && wins=$((wins + 1))
    [ "$r" -eq 65 ] && refused=$((refused + 1))
done
expect_eq "two redemptions at once: one succeeds, one is refused" "$wins $refused" "1 1"
as points balance U3 --format json
expect_json_where "two redemptions at once: never overdrawn" json 'd["balance"] == 40'

# ---- the check --------------------------------------------------------
as check
expect_rc "check passes" 0
expect_out_has "check names the ledger" "points_ledger"
cp "$AFTERSALES_DB" "$T/bad.db"
python3 - "$T/bad.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
# The ledger refuses changes; the mismatch is made with its trigger dropped.
try:
    c.execute("UPDATE points_ledger SET delta = delta + 1 WHERE user_id = 'U3'")
    sys.exit("the ledger took an UPDATE")
except sqlite3.DatabaseError:
    pass
c.execute("DROP TRIGGER points_ledger_no_update")
c.execute("UPDATE points_ledger SET delta = delta + 1 WHERE id = (SELECT max(id) FROM points_ledger WHERE user_id = 'U3')")
c.commit()
PY
expect_eq "the ledger is append-only" "$?" 0
as --db "$T/bad.db" check --format json
expect_rc "check fails on a mismatch" 65
if printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(x["check"] == "points_ledger" and not x["ok"] and "U3" in x["detail"] for x in d) else 1)'; then
    pass "check names the user"
else
    fail "check names the user"
fi

# ---- erasure ----------------------------------------------------------
as user forget U3 --force
expect_rc "user forget" 0
as points statement --user U3 --format json
expect_json_where "erasure redacts the reasons, keeps the figures" json \
    'all(x["reason"] in (None, "[erased]") for x in d) and any(x["reason"] == "[erased]" and x["points"] == 40 for x in d)'
as points adjust U3 --points 1 --reason x
expect_rc "an erased user's points do not change" 65

finish
