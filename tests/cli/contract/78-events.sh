# contract/78-events.sh - community events and the advisory panel (users
# CU1, CU2 come from 00-ops.sh, CU11 from 10-users.sh; CU12 was erased).
contract "event add" event add --title 车友会 --kind meetup --starts 2026-12-05T09:00:00+08:00 \
    --ends 2026-12-05T12:00:00+08:00 --capacity 1 --station S1 --city 昆明 --remind-before 1d
EV=$(json_get 'd["event_id"]')
contract "event add" event add --title 节油挑战赛 --kind challenge --starts 2026-12-06T09:00:00+08:00 \
    --ends 2026-12-06T12:00:00+08:00 --capacity 5
contract "event register" event register "$EV" --user CU1 --at 2026-12-01T10:00:00+08:00
contract "event register" event register "$EV" --user CU2 --at 2026-12-01T10:05:00+08:00
as --format json event register "$EV" --user CU11 --at 2026-12-01T10:06:00+08:00
contract_both "event show" event show "$EV" --at 2026-12-01T12:00:00+08:00
contract_both "event list" event list --from 2026-12-01T00:00:00+08:00 --at 2026-12-01T12:00:00+08:00
contract "event cancel" event cancel "$EV" --user CU1 --at 2026-12-02T10:00:00+08:00
as --format json event cancel "$EV" --user CU2 --at 2026-12-02T11:00:00+08:00
expect_json_where "event cancel: promoted is an object" json 'd["promoted"]["user_id"] == "CU11"'
contract "event cancel" event cancel "$EV" --user CU11 --at 2026-12-02T12:00:00+08:00
contract_both "event remind" event remind --at 2026-12-04T10:00:00+08:00
as --format json event register "$EV" --user CU2 --at 2026-12-03T10:00:00+08:00
contract_both "event remind" event remind --at 2026-12-04T10:00:00+08:00
as --format json outbox list
expect_json_where "outbox list: the event payload typed" json \
    'any(x["kind"] == "event" and x["payload"]["event"] == int(a[0]) and x["payload"]["starts_at"] == "2026-12-05T09:00:00+08:00" for x in d)' "$EV"
contract "event checkin" event checkin "$EV" --user CU2 --at 2026-12-05T08:30:00+08:00
contract_both "event attendance" event attendance "$EV" --at 2026-12-05T13:00:00+08:00
contract_both "event attendance" event attendance "$EV" --at 2026-11-01T00:00:00+08:00

contract "panel add-member" panel add-member --user CU1 --at 2026-09-01T00:00:00+08:00
contract "panel add-member" panel add-member --user CU2 --at 2026-09-01T00:00:00+08:00
contract "panel remove-member" panel remove-member --user CU2 --at 2026-09-20T00:00:00+08:00
contract_both "panel members" panel members --at 2026-09-10T00:00:00+08:00
contract "proposal add" proposal add --title 服务定价讨论 --option 维持 --option 下调 \
    --opens 2026-09-01T00:00:00+08:00 --closes 2026-09-30T00:00:00+08:00
PR=$(json_get 'd["proposal_id"]')
contract "proposal vote" proposal vote "$PR" --user CU1 --option 下调 --at 2026-09-02T00:00:00+08:00
contract_both "proposal show" proposal show "$PR" --at 2026-09-10T00:00:00+08:00
contract_both "proposal show" proposal show "$PR" --at 2026-09-10T00:00:00+08:00 --partial
contract_both "proposal show" proposal show "$PR" --at 2026-10-01T00:00:00+08:00
as --format json proposal show "$PR" --at 2026-10-01T00:00:00+08:00
expect_json_where "proposal show: closed, turnout a number" json \
    'd["voters"] == 1 and d["members"] == 1 and d["turnout_pct"] == 100.0'
contract_both "proposal list" proposal list --at 2026-10-01T00:00:00+08:00
