# contract/60-points.sh - the points ledger (CU1 and CU2 earned from 00-ops.sh's fuel import).
contract "points earn" points earn --at 2026-10-01T00:00:00+08:00
contract "points adjust" points adjust CU1 --points 20 --reason "客服补偿" --at 2026-10-02T00:00:00+08:00
contract "points redeem" points redeem CU1 --points 100 --ref C60-O1 --at 2026-10-03T00:00:00+08:00
# the same ref again: the first redemption, nothing written
contract "points redeem" points redeem CU1 --points 100 --ref C60-O1 --at 2026-10-03T00:00:00+08:00
contract_both "points balance" points balance CU1 --at 2026-10-04T00:00:00+08:00
expect_eq "60: balance is earned + adjusted - redeemed" \
    "$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["balance"] == d["earned"] + d["adjusted"] - d["redeemed"], d["adjusted"], d["redeemed"])' <<<"$OUT")" "True 20 100"
contract_both "points balance" points balance CU2 --at 2029-01-01T00:00:00+08:00
contract_both "points statement" points statement --user CU1
contract_both "points statement" points statement --user CU1 --from 2026-10-02T00:00:00+08:00 --to 2026-10-03T00:00:00+08:00
contract "points expire" points expire --at 2029-01-01T00:00:00+08:00
contract_both "points statement" points statement --user CU2
