# contract/75-community.sh - the community: posts and their moderation,
# featuring, submissions, boards and ambassadors with the built-in
# community section (users CU1 and CU2 come from 00-ops.sh).
contract_both "community boards" community boards
contract "post add" post add --user CU1 --board saving --title 省油 --body "匀速行驶最省油，推荐大家试试。" \
    --at 2026-09-20T10:00:00+08:00
P1=$(json_get 'd["id"]')
contract "post add" post add --user CU2 --board experience --title 差评 --body "服务太差了，我很愤怒" \
    --at 2026-09-20T11:00:00+08:00
P2=$(json_get 'd["id"]')
as --format json post show "$P2"
expect_json_where "post add: flags are objects with a null match for sentiment" json \
    'd["status"] == "queued" and any(f["rule"] == "sentiment" and f["match"] is None for f in d["flags"])'
contract_both "post show" post show "$P1"
contract_both "post list" post list
contract_both "post queue" post queue
contract "post feature" post feature "$P1" --at 2026-09-21T10:00:00+08:00
contract "post feature" post feature "$P1" --at 2026-09-22T10:00:00+08:00
contract "post approve" post approve "$P2" --at 2026-09-21T10:00:00+08:00
contract "post remove" post remove "$P2" --reason "人身攻击" --at 2026-09-22T10:00:00+08:00
contract "submission add" submission add --user CU1 --kind tip --text "停车尽量选阴凉处。" \
    --at 2026-09-20T10:00:00+08:00
S1=$(json_get 'd["id"]')
contract "submission add" submission add --user CU2 --kind video --text "换雨刮教程" \
    --url https://v.example.com/w --at 2026-09-20T10:00:00+08:00
S2=$(json_get 'd["id"]')
contract "submission adopt" submission adopt "$S1" --as-tip --at 2026-09-21T10:00:00+08:00
contract "submission decline" submission decline "$S2" --reason "画质不清" --at 2026-09-21T10:00:00+08:00
contract_both "submission show" submission show "$S1"
contract_both "submission list" submission list
contract_both "community ambassadors" community ambassadors --from 2026-09-01T00:00:00+08:00 \
    --to 2026-09-30T00:00:00+08:00
as --format json community ambassadors --from 2026-09-01T00:00:00+08:00 --to 2026-09-30T00:00:00+08:00
expect_json_where "community ambassadors: ranked with every figure" json \
    'd and d[0]["rank"] == 1 and d[0]["user_id"] == "CU1" and d[0]["featured"] == 1 and d[0]["adopted"] == 1'
