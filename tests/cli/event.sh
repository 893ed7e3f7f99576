#!/usr/bin/env bash
# event.sh - community events and the advisory panel from the command line:
# capacity and the waitlist in order, promotion on cancellation, every
# refusal (twice, after the start, check-in outside its window, a vote by a
# non-member, after closing, twice), two processes at once for the last seat
# and for one member's vote, the reminder through the outbox (once, in quiet
# hours, expiring at the start), attendance and turnout exact, and user
# forget keeping the figures.
. "$(dirname "$0")/lib.sh"

as init
for u in U1 U2 U3 U4 U5; do as user add --id "$u" --name 张三; done
as user update U3 --quiet-hours 22:00-08:00
as user update U5 --consent-service no

S=2026-10-10T09:00:00+08:00 E=2026-10-10T12:00:00+08:00
# ---- adding --------------------------------------------------------------------
as --format json event add --title 节油挑战赛 --kind challenge --starts $S --ends $E --capacity 2 \
    --station S1 --city 昆明 --remind-before 12h
expect_json_where "add: the event, empty" json \
    'd["event_id"] == 1 and d["kind"] == "challenge" and d["capacity"] == 2 and d["seats_left"] == 2 and d["remind_before_s"] == 43200 and d["city"] == "昆明"'
as event add --title x --kind party --starts $S --ends $E --capacity 2
expect_rc "add: an unknown kind is a usage error" 64
as event add --title x --kind meetup --starts $S --ends $E --capacity 0
expect_rc "add: capacity 0 is a usage error" 64
as event add --title "" --kind meetup --starts $S --ends $E --capacity 2
expect_rc "add: an empty title is a usage error" 64
as event add --title x --kind meetup --starts $E --ends $S --capacity 2
expect_rc "add: ending before the start" 65
expect_err_has "add: says why" "must end after it starts"
as event add --title x --kind meetup --starts $S --ends $E --capacity 2 --remind-before 10s
expect_rc "add: a reminder lead under a minute" 64

# ---- registration: capacity and the waitlist ---------------------------------------
as --format json event register 1 --user U1 --at 2026-10-01T10:00:00+08:00
expect_json_where "U1 registered" json 'd["status"] == "registered" and d["position"] is None'
as --format json event register 1 --user U2 --at 2026-10-01T10:01:00+08:00
expect_json_where "U2 takes the last seat" json 'd["status"] == "registered"'
as --format json event register 1 --user U3 --at 2026-10-01T10:02:00+08:00
expect_json_where "U3 beyond capacity: waitlisted first" json 'd["status"] == "waitlisted" and d["position"] == 1'
as --format json event register 1 --user U4 --at 2026-10-01T10:03:00+08:00
expect_json_where "U4 waitlisted second" json 'd["status"] == "waitlisted" and d["position"] == 2'
as event register 1 --user U1 --at 2026-10-01T11:00:00+08:00
expect_rc "registering twice" 65
expect_err_has "twice: says so" "already registered for event 1"
as event register 1 --user U3 --at 2026-10-01T11:00:00+08:00
expect_rc "registering twice from the waitlist" 65
as event register 1 --user U5 --at $S
expect_rc "registering at the start" 65
expect_err_has "after the start: says so" "registration is closed"
as event register 9 --user U5
expect_rc "an unknown event" 1
as event register 1 --user nobody --at 2026-10-01T11:00:00+08:00
expect_rc "an unknown user" 1
as event register x --user U5
expect_rc "a malformed id" 64

# ---- cancellation promotes the first waitlisted ----------------------------------------
as --format json event cancel 1 --user U2 --at 2026-10-02T10:00:00+08:00
expect_json_where "cancel: U2 cancelled, U3 promoted at the cancellation's time" json \
    'd["status"] == "cancelled" and d["promoted"]["user_id"] == "U3" and d["promoted"]["from_waitlist"] and d["promoted"]["seated_at"] == "2026-10-02T10:00:00+08:00"'
as --format json event cancel 1 --user U2 --at 2026-10-02T11:00:00+08:00
expect_rc "cancel twice: no live registration" 1
as --format json event cancel 1 --user U4 --at 2026-10-02T11:00:00+08:00
expect_json_where "a waitlisted cancels: nobody promoted" json 'd["status"] == "cancelled" and d["promoted"] is None'
as --format json event register 1 --user U4 --at 2026-10-02T12:00:00+08:00
expect_json_where "registering again after cancelling: the end of the queue" json 'd["status"] == "waitlisted" and d["position"] == 1'
as --format json event show 1 --at 2026-10-02T12:00:00+08:00
expect_json_where "show: counts and registrations in order of arrival" json \
    'd["registered"] == 2 and d["waitlisted"] == 1 and d["seats_left"] == 0 and [(r["user_id"], r["status"]) for r in d["registrations"]] == [("U1","registered"),("U2","cancelled"),("U3","registered"),("U4","cancelled"),("U4","waitlisted")]'
as --format json event show 1 --at 2026-10-01T10:02:30+08:00
expect_json_where "show --at: as the world stood then" json \
    'd["registered"] == 2 and d["waitlisted"] == 1 and [r["status"] for r in d["registrations"]] == ["registered","registered","waitlisted"]'
as event cancel 1 --user U1 --at $S
expect_rc "cancel at the start" 65

# ---- two processes for the last seat, many rounds -------------------------------------
ok_rounds=0
for i in 1 2 3 4 5 6 7 8; do
    as user add --id "A$i" --name 甲
    as user add --id "B$i" --name 乙
    as --format json event add --title "round $i" --kind meetup --starts 2026-12-01T09:00:00+08:00 \
        --ends 2026-12-01T10:00:00+08:00 --capacity 1
    ev=$(json_get 'd["event_id"]')
    "$AFTERSALES" --busy-timeout 5000 --format json event register "$ev" --user "A$i" \
        --at 2026-11-01T10:00:00+08:00 >"$T/oa" 2>"$T/ea" &
    pa=$!
    "$AFTERSALES" --busy-timeout 5000 --format json event register "$ev" --user "B$i" \
        --at 2026-11-01T10:00:00+08:00 >"$T/ob" 2>"$T/eb" &
    pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    got=$(cat "$T/oa" "$T/ob" | python3 -c 'import json,sys; print(sorted(json.loads(l)["status"] for l in sys.stdin))')
    if [ $ra -eq 0 ] && [ $rb -eq 0 ] && [ "$got" = "['registered', 'waitlisted']" ]; then
        ok_rounds=$((ok_rounds + 1))
    else
        echo "    round $i: exits $ra and $rb: $got $(cat "$T/ea" "$T/eb")"
    fi
done
expect_eq "two processes for the last seat: one registered, one waitlisted (8 rounds)" "$ok_rounds" 8
expect_eq "no event over capacity" "$(sqlite3 "$AFTERSALES_DB" "SELECT count(*) FROM events e WHERE (SELECT count(*) FROM event_registrations r WHERE r.event_id = e.id AND r.seated_at IS NOT NULL AND r.cancelled_at IS NULL) > e.capacity")" 0
sqlite3 "$AFTERSALES_DB" "INSERT INTO event_registrations (event_id, user_id, queued_at, seated_at, created_at) VALUES (2, 'U5', 0, 0, 0)" 2>"$T/trig"
expect_eq "the database refuses a seat beyond capacity" "$(grep -c 'event is full' "$T/trig")" 1

# ---- the reminder ------------------------------------------------------------------------
as --format json event remind --at 2026-10-09T20:00:00+08:00
expect_json_where "remind before the window: nothing" json 'd["events"] == 0 and d["written"] == 0'
as --format json event remind --at 2026-10-09T22:30:00+08:00
expect_json_where "remind in the window: U1 and U3, U3 deferred (quiet hours)" json \
    'd["events"] == 1 and d["written"] == 2 and d["deferred"] == 1 and d["duplicates"] == 0'
as --format json event remind --at 2026-10-09T23:00:00+08:00
expect_json_where "remind again: written once" json 'd["written"] == 0 and d["duplicates"] == 2'
as --format json outbox list
expect_json_where "the reminders: kind event, expiring at the start, U3 after 08:00" json \
    'sorted((x["user_id"], x["not_before"]) for x in d if x["kind"] == "event") == [("U1","2026-10-09T22:30:00+08:00"),("U3","2026-10-10T08:00:00+08:00")] and all(x["expires_at"] == "2026-10-10T09:00:00+08:00" and x["payload"]["event"] == 1 and x["dedupe_key"] == "event:1:" + x["user_id"] for x in d if x["kind"] == "event")'
as --format jsonl outbox pull --at 2026-10-10T09:00:00+08:00
expect_eq "a pull at the start hands out nothing" "$OUT" ""
as --format json outbox list
expect_json_where "both expired at the start" json \
    'all(x["status"] == "expired" for x in d if x["kind"] == "event")'

# ---- check-in and attendance ----------------------------------------------------------------
as event checkin 1 --user U1 --at 2026-10-10T07:59:59+08:00
expect_rc "check-in before the window" 65
expect_err_has "check-in: says when" "is open from 2026-10-10T08:00:00+08:00 until 2026-10-10T12:00:00+08:00"
as --format json event checkin 1 --user U1 --at 2026-10-10T08:00:00+08:00
expect_json_where "check-in an hour before" json 'd["checked_in_at"] == "2026-10-10T08:00:00+08:00"'
as event checkin 1 --user U1 --at 2026-10-10T08:30:00+08:00
expect_rc "check-in twice" 65
as event checkin 1 --user U4 --at 2026-10-10T08:30:00+08:00
expect_rc "check-in from the waitlist" 65
as event checkin 1 --user U3 --at $E
expect_rc "check-in at the end" 65
as event checkin 1 --user U5 --at 2026-10-10T08:30:00+08:00
expect_rc "check-in without a registration" 1
as --format json event attendance 1 --at 2026-10-10T11:00:00+08:00
expect_json_where "attendance during: no-shows not yet" json \
    'd["registered"] == 2 and d["checked_in"] == 1 and d["ended"] is False and d["no_shows"] is None'
as --format json event attendance 1 --at $E
expect_json_where "attendance after: exact" json \
    'd == {"event_id": 1, "at": "2026-10-10T12:00:00+08:00", "capacity": 2, "registered": 2, "waitlisted": 1, "cancelled": 2, "promoted": 1, "checked_in": 1, "ended": True, "no_shows": 1, "attendance_pct": 50.0}'
ATT=$OUT
as --format tsv event attendance 1 --at $E
expect_eq "attendance as tsv" "$(printf '%s\n' "$OUT" | head -1)" \
    "$(printf 'event_id\tat\tcapacity\tregistered\twaitlisted\tcancelled\tpromoted\tchecked_in\tended\tno_shows\tattendance_pct')"
as --format json event list --from 2026-10-10T00:00:00+08:00 --to 2026-10-11T00:00:00+08:00
expect_json_where "list: the window" json '[e["event_id"] for e in d] == [1]'
as event list --from $E --to $S
expect_rc "list: --to before --from" 64

# ---- the panel ----------------------------------------------------------------------------
for u in U1 U2 U3; do as panel add-member --user "$u" --at 2026-09-01T00:00:00+08:00; done
as panel add-member --user U1 --at 2026-09-02T00:00:00+08:00
expect_rc "add a member twice" 65
as panel remove-member --user U4
expect_rc "remove a non-member" 1
as --format json proposal add --title 新功能投票 --option 电子发票自动推送 --option 夜间加油优惠 \
    --option 洗车预约 --opens 2026-09-01T00:00:00+08:00 --closes 2026-09-10T00:00:00+08:00
expect_json_where "proposal add: options numbered, no results" json \
    'd["proposal_id"] == 1 and [o["position"] for o in d["options"]] == [1,2,3] and d["voters"] is None and d["status"] == "open"'
as proposal add --title x --option a --closes 2026-09-10T00:00:00+08:00
expect_rc "one option is a usage error" 64
as proposal add --title x --option a --option a --closes 2026-09-10T00:00:00+08:00 --opens 2026-09-01T00:00:00+08:00
expect_rc "two equal options" 65
as --format json proposal vote 1 --user U1 --option 2 --at 2026-09-02T00:00:00+08:00
expect_json_where "U1 votes by number" json 'd["position"] == 2'
as --format json proposal vote 1 --user U2 --option 夜间加油优惠 --at 2026-09-03T00:00:00+08:00
expect_json_where "U2 votes by text" json 'd["position"] == 2'
as proposal vote 1 --user U1 --option 1 --at 2026-09-04T00:00:00+08:00
expect_rc "a second vote" 65
expect_err_has "a second vote: says when" "voted on proposal 1 at 2026-09-02T00:00:00+08:00"
as proposal vote 1 --user U4 --option 1 --at 2026-09-04T00:00:00+08:00
expect_rc "a non-member's vote" 65
expect_err_has "non-member: says so" "is not a member of the panel"
as proposal vote 1 --user U3 --option 1 --at 2026-09-10T00:00:00+08:00
expect_rc "a vote at the closing time" 65
as proposal vote 1 --user U3 --option 蓝色 --at 2026-09-04T00:00:00+08:00
expect_rc "no such option" 65
as proposal vote 7 --user U3 --option 1
expect_rc "no such proposal" 1
as --format json proposal show 1 --at 2026-09-05T00:00:00+08:00
expect_json_where "open: no results without --partial" json 'd["counted"] is False and all(o["votes"] is None for o in d["options"])'
as --format json proposal show 1 --at 2026-09-05T00:00:00+08:00 --partial
expect_json_where "open with --partial: the votes so far" json '[o["votes"] for o in d["options"]] == [0,2,0] and d["voters"] == 2'
as panel remove-member --user U3 --at 2026-09-06T00:00:00+08:00
as --format json proposal show 1 --at 2026-09-20T00:00:00+08:00
expect_json_where "closed: results and turnout exact" json \
    'd["status"] == "closed" and [o["votes"] for o in d["options"]] == [0,2,0] and d["voters"] == 2 and d["members"] == 2 and d["turnout_pct"] == 100.0'
as --format json proposal list --at 2026-09-20T00:00:00+08:00
expect_json_where "list: the closed proposal with results" json 'len(d) == 1 and d[0]["voters"] == 2'
as --format json panel members --at 2026-09-20T00:00:00+08:00
expect_json_where "members now" json '[m["user_id"] for m in d] == ["U1","U2"]'

# Two processes voting for the same member at once, many rounds: one each.
ok_votes=0
for i in 1 2 3 4 5 6 7 8; do
    as --format json proposal add --title "r$i" --option 是 --option 否 \
        --opens 2026-09-01T00:00:00+08:00 --closes 2026-09-10T00:00:00+08:00
    pid=$(json_get 'd["proposal_id"]')
    "$AFTERSALES" --busy-timeout 5000 proposal vote "$pid" --user U1 --option 1 \
        --at 2026-09-02T00:00:00+08:00 >/dev/null 2>"$T/ea" &
    pa=$!
    "$AFTERSALES" --busy-timeout 5000 proposal vote "$pid" --user U1 --option 2 \
        --at 2026-09-02T00:00:00+08:00 >/dev/null 2>"$T/eb" &
    pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    if { [ $ra -eq 0 ] && [ $rb -eq 65 ]; } || { [ $ra -eq 65 ] && [ $rb -eq 0 ]; }; then
        ok_votes=$((ok_votes + 1))
    else
        echo "    round $i: exits $ra and $rb: $(cat "$T/ea" "$T/eb")"
    fi
done
expect_eq "two processes voting for one member: one vote (8 rounds)" "$ok_votes" 8
expect_eq "one vote per proposal in the table" \
    "$(sqlite3 "$AFTERSALES_DB" "SELECT count(*) FROM proposal_votes GROUP BY proposal_id HAVING count(*) > 1 AND proposal_id > 1" | wc -l)" 0

# ---- user forget keeps the figures ----------------------------------------------------------
as --format json proposal show 1 --at 2026-09-20T00:00:00+08:00
P1=$OUT
as user forget U1 --force
expect_rc "forget U1" 0
as --format json event attendance 1 --at $E
expect_eq "attendance unchanged by the erasure" "$OUT" "$ATT"
as --format json proposal show 1 --at 2026-09-20T00:00:00+08:00
expect_eq "results and turnout unchanged by the erasure" "$OUT" "$P1"
expect_eq "no registration, member or vote names U1" \
    "$(sqlite3 "$AFTERSALES_DB" "SELECT (SELECT count(*) FROM event_registrations WHERE user_id = 'U1') + (SELECT count(*) FROM panel_members WHERE user_id = 'U1')")" 0
as --format json event show 1 --at $E
expect_json_where "the registration stays, anonymous" json \
    'sum(1 for r in d["registrations"] if r["user_id"] is None) == 1 and d["registered"] == 2'
as proposal vote 2 --user U1 --option 1 --at 2026-09-03T00:00:00+08:00
expect_rc "an erased user cannot vote" 65

# --help on each command
for cmd in "event add" "event show" "event list" "event register" "event cancel" "event checkin" \
           "event attendance" "event remind" "panel add-member" "panel remove-member" \
           "panel members" "proposal add" "proposal show" "proposal list" "proposal vote"; do
    # shellcheck disable=SC2086
    as $cmd --help
    expect_rc "$cmd --help" 0
done
# Numeric labels: a label first, an ambiguous text refused.
as --format json proposal add --title 油号 --option 95 --option 98 \
    --opens 2026-09-01T00:00:00+08:00 --closes 2026-09-10T00:00:00+08:00
NP=$(json_get 'd["proposal_id"]')
as --format json proposal add --title 每周洗车次数 --option 3 --option 1 \
    --opens 2026-09-01T00:00:00+08:00 --closes 2026-09-10T00:00:00+08:00
AP=$(json_get 'd["proposal_id"]')
as --format json panel members --at 2026-09-02T00:00:00+08:00
VOTER=$(json_get '[m["user_id"] for m in d if m["user_id"]][0]')
as --format json proposal vote "$NP" --user "$VOTER" --option 98 --at 2026-09-02T00:00:00+08:00
expect_rc "a numeric label is a label" 0
as --format json proposal show "$NP" --partial --at 2026-09-03T00:00:00+08:00
expect_json_where "the vote counts for 98" json \
    '[(o["label"], o["votes"]) for o in d["options"]] == [("95", 0), ("98", 1)]'
as proposal vote "$AP" --user "$VOTER" --option 1 --at 2026-09-02T00:00:00+08:00
expect_rc "a text that is one option's label and another's number is ambiguous" 65
expect_err_has "says it is ambiguous" "ambiguous"

finish
