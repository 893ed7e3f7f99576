#!/usr/bin/env bash
# reminders.sh - fueling import, profiles, segments, reminder rules and the outbox.
. "$(dirname "$0")/lib.sh"

as init
as user add --id U1 --name 张三 --region 530102 --consent-marketing yes --quiet-hours 22:00-08:00
as user add --id U2 --name 李四 --region 110101
as user add --id U3 --name 王五 --region 530100 --consent-marketing yes

cat >"$T/f.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate,station_region
T1,U1,S1,2026-10-01T09:00:00+08:00,92,40.5,300.50,10000,云A12345,530102
T2,U1,S1,2026-10-08T09:00:00+08:00,92,41,310,10400,云A12345,530102
T3,U1,S2,2026-10-15T09:00:00+08:00,95,39.25,305.2,10800,云A12345,530103
T4,U1,S1,2026-10-22T09:00:00+08:00,92#,40,0.05,15200,云A12345,530102
T5,U2,S3,2026-10-22T09:00:00+08:00,92,40,12.345,,,
T6,U2,S3,2026-10-22T09:00:00+08:00,92,40,1e3,,,
T7,U1,S1,2026-10-23T09:00:00+08:00,92,40,100,9000,云A12345,
T8,U9,S1,2026-10-23T09:00:00+08:00,92,40,100,,,
T9,U2,S3,2026-10-22T09:00:00+08:00,92,40,-5,,,
CSV

as fuel import "$T/f.csv"
expect_rc "bad rows: nothing imported" 65
expect_err_has "three decimals rejected" "f.csv:6: amount_yuan: '12.345' is not an amount in yuan"
expect_err_has "exponent rejected" "f.csv:7: amount_yuan: '1e3'"
expect_err_has "negative rejected" "f.csv:10: amount_yuan: '-5'"
expect_err_has "odometer going back" "f.csv:8: odometer_km: km: 9000 is lower than the 15200 km recorded for 云A12345"
if [[ "$ERR" == *"f.csv:9:"* ]]; then fail "a user not imported yet is no error"; else pass "a user not imported yet is no error"; fi
as fuel import --skip-bad "$T/f.csv"
expect_rc "skip-bad" 0
expect_err_has "summary (U9's record kept)" "inserted 5, updated 0, unchanged 0, rejected 4"
as fuel import --skip-bad "$T/f.csv"
expect_err_has "idempotent on tx_id" "inserted 0, updated 0, unchanged 5, rejected 4"
printf 'tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\nT1,U1,S1,2026-10-01T09:00:00+08:00,92,40.5,300.51\n' >"$T/g.csv"
as fuel import "$T/g.csv"
expect_rc "a changed payment is refused" 65
expect_err_has "changed payment message" "tx_id: is already recorded with other values"
as fuel import --help
expect_rc "fuel import --help" 0
printf '%s\n' '{"tx_id":"J1","user_id":"U3","station_id":"S9","filled_at":"2026-09-01T08:00:00+08:00","grade":"95","litres":"30","amount_yuan":"240.5"}' \
    '{"tx_id":"J2","user_id":"U3","station_id":"S9","filled_at":"2026-09-02","grade":"95","litres":"30","amount_yuan":240.123}' >"$T/f.jsonl"
as fuel import --jsonl "$T/f.jsonl"
expect_rc "JSON Lines: a float amount is refused" 65
expect_err_has "JSON float amount" "f.jsonl:2: amount_yuan: '240.123'"
as fuel import --jsonl --skip-bad "$T/f.jsonl"
expect_err_has "JSON Lines import" "inserted 1,"

as --format json profile refresh --at 2026-10-30
expect_rc "profile refresh" 0
expect_eq "two profiles (U1, U3)" "$(json_get 'd["profiles"]')" "2"
as --format json user profile U1
expect_rc "user profile" 0
expect_eq "fill-ups" "$(json_get 'd["fillups"]')" "4"
expect_json_where "median interval: a number of days" json 'd["median_interval_days"] == 7.0 and type(d["median_interval_days"]) is float'
expect_json_where "km per day: a number" json 'type(d["km_per_day"]) is float and d["km_per_day"] > 0'
expect_json_where "spend: integer fen beside the yuan" json 'd["spend_12m_fen"] == 91575 and d["points"] == 915' 
expect_json_where "litres per fill-up: a number" json 'd["litres_per_fill"] == 40.187' 
expect_eq "amounts in fen: 300.50+310+305.20+0.05" "$(json_get 'd["spend_12m_yuan"]')" "915.75"
expect_eq "preferred grade" "$(json_get 'd["preferred_grade"]')" "92"
expect_json_where "top stations: an array, most visits first" json 'd["top_stations"] == ["S1", "S2"]'
expect_json_where "tier benefits: an array" json 'd["tier_benefits"] == ["积分累计"]' 
expect_eq "km per day from odometer" "$(json_get 'd["km_source"]')" "odometer"
expect_eq "segment" "$(json_get 'd["segment"]')" "都市通勤型"
expect_eq "tier" "$(json_get 'd["tier"]')" "普通会员"
as user profile U2
expect_rc "no profile" 1
as user profile nobody
expect_rc "unknown user" 1
as --format tsv user list --segment 都市通勤型
expect_eq "list by segment" "$(printf '%s' "$OUT" | tail -n +2 | cut -f1)" "U1"
as --format tsv user list --tier 金卡
expect_rc "list by tier" 0
expect_eq "list by tier: none" "$(printf '%s' "$OUT" | tail -n +2 | wc -l)" "0"

# Run at 23:00 Beijing time: U1's quiet hours (22:00-08:00) defer to 08:00 next day.
as --format json remind run --at 2026-10-28T23:00:00+08:00 --dry-run
expect_rc "dry run" 0
as --format tsv outbox list
expect_rc "outbox list after the dry run" 0
expect_eq "dry run wrote nothing" "$(printf '%s' "$OUT" | tail -n +2 | wc -l)" "0"
as --format json remind run --at 2026-10-28T23:00:00+08:00
expect_rc "remind run" 0
expect_eq "maintenance due (5200 km since the first reading)" "$(json_get '[k["written"] for k in d if k["kind"]=="maintenance"][0]')" "1"
expect_eq "refuel coupon the day before 10-29" "$(json_get '[k["written"] for k in d if k["kind"]=="refuel_coupon"][0]')" "1"
expect_eq "deferred by quiet hours" "$(json_get 'sum(k["deferred"] for k in d)')" "3"
as --format json outbox list --user U1
expect_eq "deferred across midnight to 08:00" "$(json_get 'd[0]["not_before"]')" "2026-10-29T08:00:00+08:00"
expect_eq "template filled" "$(json_get '[x["body"] for x in d if x["kind"]=="refuel_coupon"][0]')" "张三您好：预计您的爱车云A12345将于2026-10-29需要加油，S1的92号油优惠券已为您锁定。"
expect_json_where "refuel payload: an object, times in ISO 8601, the vehicle named" json \
    '[dict((k, v) for k, v in x["payload"].items() if not k.startswith("coupon_")) for x in d if x["kind"] == "refuel_coupon"] == [{"last_at": "2026-10-22T09:00:00+08:00", "expected_at": "2026-10-29T09:00:00+08:00", "plate": "云A12345"}]'
expect_json_where "refuel payload: the coupon it announces, good to the end of the expected day" json \
    '[(len(x["payload"]["coupon_code"]), x["payload"]["coupon_expires_at"]) for x in d if x["kind"] == "refuel_coupon"] == [(16, "2026-10-31T23:00:00+08:00")]'
expect_json_where "each kind has its expiry: the coupon the end of the expected day" json \
    '{x["kind"]: x["expires_at"] for x in d} == {"maintenance": "2026-11-04T23:00:00+08:00", "refuel_coupon": "2026-10-30T00:00:00+08:00", "tip": "2026-11-03T08:00:00+08:00"}'
expect_json_where "maintenance payload: numbers are numbers" json \
    '[x["payload"] for x in d if x["kind"] == "maintenance"] == [{"plate": "云A12345", "km_since_service": 5200, "days_since_service": 27}]'
as --format json outbox list --user U3
expect_eq "U3 with consent but one fill-up gets a tip only" "$(json_get '[x["kind"] for x in d]')" "['tip']"
as --format json outbox list --user U2
expect_eq "U2 without marketing consent gets nothing" "$(json_get 'len(d)')" "0"
as --format json remind run --at 2026-10-28T23:30:00+08:00
expect_eq "rerun writes nothing" "$(json_get 'sum(k["written"] for k in d)')" "0"
expect_eq "rerun counts duplicates (U3 tip too)" "$(json_get 'sum(k["duplicates"] for k in d)')" "4"

# The cap (3 per 7 days): a fourth marketing notification is held back;
# a weather alert is never held back.
as vehicle service --plate 云A12345 --at 2026-10-29T10:00:00+08:00 --km 15300
expect_rc "service" 0
as --format json remind weather --region 530000 --kind rainstorm --from 2026-10-29T12:00 --to 2026-10-30T00:00 --message 暴雨预警 --at 2026-10-29T11:00:00+08:00
expect_rc "weather" 0
expect_eq "weather to the province's users (U1, U3)" "$(json_get '[k["written"] for k in d if k["kind"]=="weather"][0]')" "2"
as --format json remind weather --region 530000 --kind rainstorm --from 2026-10-29T12:00 --to 2026-10-30T00:00 --message 暴雨预警 --at 2026-10-29T11:05:00+08:00
expect_eq "the same alert twice notifies nobody twice" "$(json_get '[k["written"] for k in d if k["kind"]=="weather"][0]')" "0"
as remind weather --region 5300 --kind rainstorm --from 2026-10-29 --to 2026-10-30 --message x
expect_rc "a malformed --region is a usage error" 64
as remind weather --region 530000 --kind Rain --from 2026-10-29 --to 2026-10-30 --message x
expect_rc "a malformed --kind is a usage error" 64
expect_err_has "--kind is named" "--kind: 'Rain' is not a kind of alert"
as remind weather --region 530000 --kind rain --from 2026-10-30 --to 2026-10-29 --message x
expect_rc "an alert that ends before it starts is bad data" 65
as remind weather --region 530000 --kind rainstorm
expect_rc "missing options" 64

# Outbox: pull leases (with a token), ack, fail with retry, an expired lease
# is pulled again with a new token.  At 12:00 on 10-29 the weather alerts
# come first; U1's maintenance reminder is suppressed (the service at 10:00
# made it untrue).
lease_of() { printf '%s' "$OUT" | sed -n "${1}p" | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print("%d:%s" % (d["id"], d["lease_token"]))'; }
as outbox pull --limit 2 --lease 60s --at 2026-10-29T12:00:00+08:00
expect_rc "pull" 0
expect_json "pull is JSON Lines" jsonl
first=$(lease_of 1)
second=$(lease_of 2)
expect_eq "pull --limit 2 gives two" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" "2"
if [[ "$first" =~ ^[0-9]+:[0-9a-f]{16}$ && "$second" =~ ^[0-9]+:[0-9a-f]{16}$ && "${first%%:*}" != "${second%%:*}" ]]; then
    pass "two distinct ids pulled, each with a lease token"
else
    fail "two distinct ids pulled, each with a lease token" "first=$first second=$second"
fi
expect_eq "weather first (priority)" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(sorted({json.loads(l)["kind"] for l in sys.stdin}))')" "['weather']"
as outbox ack "$first" --at 2026-10-29T12:00:10+08:00
expect_rc "ack" 0
as outbox ack "$first"
expect_rc "ack again is fine" 0
as outbox ack "99999:0123456789abcdef"
expect_rc "ack unknown" 1
as outbox ack "${first%%:*}"
expect_rc "ack without its token is a usage error" 64
as outbox ack "${first%%:*}:0123456789abcdef"
expect_rc "ack with another token is refused" 65
as outbox fail "$second" --retry-in 10m --error timeout --at 2026-10-29T12:00:20+08:00
expect_rc "fail" 0
as outbox fail "$second"
expect_rc "fail when not leased" 65
as outbox pull --limit 100 --lease 60s --at 2026-10-29T12:00:30+08:00
expect_rc "pull the rest" 0
ids=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin))')
if [[ "$ids" =~ ^[0-9]+( [0-9]+)*$ ]]; then pass "the rest are pulled ($ids)"; else fail "the rest are pulled" "ids=$ids"; fi
case " $ids " in *" ${second%%:*} "*|*" ${first%%:*} "*) fail "retry waits 10 minutes" ;; *) pass "retry waits 10 minutes" ;; esac
as --format json outbox list --user U1 --status suppressed
expect_json_where "the maintenance reminder is suppressed: serviced since" json \
    '[(x["kind"], x["reason"].startswith("no longer true")) for x in d] == [("maintenance", True)]'
as outbox pull --limit 100 --lease 60s --at 2026-10-29T12:01:00+08:00
expect_rc "pull while leased" 0
expect_eq "nothing while leased" "$OUT" ""
as outbox pull --limit 100 --lease 60s --at 2026-10-29T12:01:31+08:00
ids2=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin))')
expect_eq "an expired lease is pulled again" "$ids2" "$ids"
as outbox pull --limit 100 --lease 60s --at 2026-10-29T12:10:21+08:00
expect_out_has "the failed one after its retry" "\"id\":${second%%:*},"
expect_out_has "last error kept" '"last_error":"timeout"'
as --format tsv outbox list --status sent
expect_eq "one sent" "$(printf '%s' "$OUT" | tail -n +2 | cut -f1)" "${first%%:*}"

# The stale-lease sequence: A pulls with a 1 s lease, B pulls after it ran
# out, A's ack and fail are refused (65), B's ack goes through.
as --format json outbox pull --limit 1 --lease 1s --at 2026-10-29T12:20:00+08:00
lease_a=$(json_get '"%d:%s" % (d[0]["id"], d[0]["lease_token"])')
as --format json outbox pull --limit 1 --lease 60s --at 2026-10-29T12:20:01+08:00
lease_b=$(json_get '"%d:%s" % (d[0]["id"], d[0]["lease_token"])')
expect_eq "B pulls the same notification after A's lease ran out" "${lease_b%%:*}" "${lease_a%%:*}"
as outbox ack "$lease_a" --at 2026-10-29T12:20:02+08:00
expect_rc "A's ack is refused" 65
expect_err_has "A is told why" "is stale (the lease ran out and another pull holds it now)"
as outbox fail "$lease_a" --at 2026-10-29T12:20:02+08:00
expect_rc "A's fail is refused" 65
as outbox ack "$lease_b" --at 2026-10-29T12:20:03+08:00
expect_rc "B's ack goes through" 0
# Far later: win-back (> 3 x 7 days) is due for U1, but the cap is full.
cat >"$T/cap.yaml" <<'YAML'
reminders:
  cap: {count: 1, per: 7d}
  winback: {title: 好久不见, message: "{name}已{days_since_last}天未加油"}
  tips: {title: t, every: 30d, messages: ["{name}"]}
YAML
as --config "$T/cap.yaml" --format json remind run --at 2026-11-20T12:00:00+08:00 --verbose
expect_rc "run with a cap of 1" 0
expect_eq "one kept" "$(json_get 'sum(k["written"] for k in d)')" "2"
expect_eq "held back" "$(json_get 'sum(k["held_back"] for k in d)')" "1"
expect_err_has "held back is reported" "held back by the cap: U1 tip"
as --format json outbox list --user U1 --status pending
expect_out_has "win-back kept over the tip" '"kind":"winback"'
# Expiry: on 11-21 the refuel coupon for 10-29 is long past its day.
as outbox pull --limit 100 --at 2026-11-21T09:00:00+08:00
expect_rc "pull on 11-21" 0
expect_out_has "the win-back is handed out" '"kind":"winback"'
as --format json outbox list --user U1 --status expired
expect_json_where "the refuel coupon expired, not handed out" json \
    '"refuel_coupon" in [x["kind"] for x in d] and all(x["sent_at"] is None for x in d)'
as outbox list --status nosuch
expect_rc "an unknown --status is a usage error" 64
expect_err_has "--status lists the choices" "--status: 'nosuch' is not one of pending, leased, sent, dead, suppressed, expired"
as outbox ack x1
expect_rc "a malformed id is a usage error" 64
as outbox fail "$second" --retry-in soon
expect_rc "a malformed --retry-in is a usage error" 64
as outbox pull --lease 0s
expect_rc "bad lease" 64
for sub in "outbox pull" "outbox ack" "outbox fail" "outbox list" "remind run" "remind weather" \
           "profile refresh" "profile update" "user profile" "vehicle service" "vehicle update" \
           "fuel import"; do
    as $sub --help
    expect_rc "$sub --help" 0
done

# A row written by 0.1 (payload times as Unix seconds) reads with ISO times.
python3 - "$AFTERSALES_DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("""INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, payload,
             created_at, not_before, status) VALUES ('U2', 'winback', 'old:1', 2, 't', 'b',
             '{"last_at":1792630800,"median_interval_s":604800}', 1792630800, 1792630800, 'sent')""")
c.commit()
PY
as --format json outbox list --user U2
expect_json_where "an old payload reads with ISO times" json \
    'd[0]["payload"] == {"last_at": "2026-10-22T09:00:00+08:00", "median_interval_s": 604800}'
as --format tsv outbox list --user U2
expect_out_has "tsv: the payload as compact JSON" '{"last_at":"2026-10-22T09:00:00+08:00","median_interval_s":604800}'

# Erasure: plates leave the fueling records, notification texts are blanked.
as user forget U3 --force
as --format json outbox list --user U3
expect_eq "erased user's notifications blanked, none left to send" "$(json_get 'len(d) > 0 and all(x["body"] == "" and x["status"] in ("dead", "sent") for x in d)')" "True"
as fuel import --skip-bad "$T/f.csv"
expect_rc "re-import after forgetting someone else" 0

# Survey reminders (a database of their own): one per pending survey of a
# resolved ticket, delay (1h) after the resolution, before the survey's due
# time (tickets.survey_within, 24h), with service consent.
export AFTERSALES_DB="$T/survey.db"
as init
as user add --id S1 --name 赵一
as user add --id S2 --name 钱二 --consent-service no
as user add --id S3 --name 孙三
as user add --id S4 --name 李四
as user add --id S5 --name 周五
as user add --id S6 --name 吴六 --quiet-hours 22:00-08:00
# resolved_ticket USER SUBJECT OPENED RESOLVED: open and resolve, the tracking number in $TK.
resolved_ticket() {
    as --format json ticket open --user "$1" --channel app --category payment --subject "$2" --body 正文 --at "$3"
    TK=$(json_get 'd["tracking"]')
    as ticket resolve "$TK" --message 已处理 --by alice --at "$4"
    expect_rc "resolve $1's ticket" 0
}
resolved_ticket S1 加油多扣了钱 2026-11-24T09:00:00+08:00 2026-11-24T10:00:00+08:00
TK1=$TK
resolved_ticket S2 发票未收到 2026-11-24T09:00:00+08:00 2026-11-24T10:00:00+08:00
resolved_ticket S3 积分未到账 2026-11-24T09:00:00+08:00 2026-11-24T10:00:00+08:00
as survey record "$TK" --score 5 --at 2026-11-24T10:20:00+08:00
expect_rc "S3 answers the survey" 0
resolved_ticket S4 优惠券失效 2026-11-24T09:00:00+08:00 2026-11-24T10:00:00+08:00
as ticket reopen "$TK" --by alice --at 2026-11-24T10:30:00+08:00
expect_rc "S4's ticket reopened (its survey is void)" 0
resolved_ticket S5 油品问题 2026-11-20T09:00:00+08:00 2026-11-20T10:00:00+08:00
as --format json remind run --at 2026-11-24T10:50:00+08:00
expect_rc "survey run before the delay" 0
expect_eq "nothing before the delay (1h)" "$(json_get '[k["written"] for k in d if k["kind"]=="survey"][0]')" "0"
as --format json remind run --at 2026-11-24T11:00:00+08:00
expect_eq "resolved ticket: one survey notification" "$(json_get '[k["written"] for k in d if k["kind"]=="survey"][0]')" "1"
as --format json outbox list --user S1
expect_eq "survey kind, service priority" "$(json_get '[(x["kind"], x["priority"], x["dedupe_key"].startswith("survey:")) for x in d]')" "[('survey', 1, True)]"
expect_eq "survey template filled" "$(json_get 'd[0]["body"]')" "赵一您好：您的工单${TK1}（加油多扣了钱）已处理完毕，请在2026-11-25 10:00前为本次服务打分（1-5分），感谢您的反馈。"
expect_json_where "survey payload: an object naming the ticket, due_at in ISO 8601" json \
    'd[0]["payload"]["ticket"] == a[0] and d[0]["payload"]["due_at"] == "2026-11-25T10:00:00+08:00"' "$TK1"
for u in S2 S3 S4 S5; do
    as --format json outbox list --user $u
    expect_eq "no survey notification for $u" "$(json_get 'len(d)')" "0"
done
as --format json remind run --at 2026-11-24T12:00:00+08:00
expect_eq "survey rerun writes nothing" "$(json_get '[k["written"] for k in d if k["kind"]=="survey"][0]')" "0"
expect_eq "survey rerun counts the duplicate" "$(json_get '[k["duplicates"] for k in d if k["kind"]=="survey"][0]')" "1"
# Quiet hours: resolved at 21:30, due at 23:00, deferred to 08:00.
resolved_ticket S6 洗车券 2026-11-24T20:00:00+08:00 2026-11-24T21:30:00+08:00
as --format json remind run --at 2026-11-24T23:00:00+08:00
expect_eq "survey deferred by quiet hours" "$(json_get '[(k["written"], k["deferred"]) for k in d if k["kind"]=="survey"][0]')" "(1, 1)"
as --format json outbox list --user S6
expect_eq "survey not before the end of quiet hours" "$(json_get 'd[0]["not_before"]')" "2026-11-25T08:00:00+08:00"
# The cap: two surveys due for one user, a cap of 1.
as user add --id S7 --name 郑七
resolved_ticket S7 甲 2026-11-25T09:00:00+08:00 2026-11-25T10:00:00+08:00
resolved_ticket S7 乙 2026-11-25T09:00:00+08:00 2026-11-25T10:00:00+08:00
printf 'reminders:\n  cap: {count: 1, per: 7d}\n  survey: {title: 评价, message: "{tracking}"}\n' >"$T/scap.yaml"
as --config "$T/scap.yaml" --format json remind run --at 2026-11-25T10:00:00+08:00
expect_eq "survey without delay, one kept by the cap" "$(json_get '[(k["written"], k["held_back"]) for k in d if k["kind"]=="survey"][0]')" "(1, 1)"
export AFTERSALES_DB="$T/test.db"

# Records of users not imported yet (U9 above, U10 with a plate and readings)
# are kept and count once the user exists.
as user profile U9
expect_rc "a record of a user not imported yet: no user" 1
printf 'tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate\nK1,U10,S1,2026-10-01T09:00:00+08:00,95,40,300,20000,云B54321\nK2,U10,S1,2026-10-11T09:00:00+08:00,95,40,300,20800,云B54321\n' >"$T/k.csv"
as fuel import "$T/k.csv"
expect_rc "records of an unknown user with a plate are kept" 0
as vehicle show 云B54321
expect_rc "no vehicle registered for an unknown user" 1
as user add --id U9 --name 赵九
as user add --id U10 --name 钱十
as --format json user profile U9 --at 2026-10-30
expect_json_where "once the user exists, the kept record counts" json 'd["fillups"] == 1'
as --format json vehicle show 云B54321
expect_json_where "the plate is registered to the new user, its reading recorded" json \
    'd["user_id"] == "U10" and d["km"] == 20800 and d["grade_from"] == "fuel"'
as --format json user profile U10 --at 2026-10-30
expect_json_where "the new user's profile: per vehicle, km from the odometer" json \
    'd["fillups"] == 2 and d["km_source"] == "odometer" and d["km_per_day"] == 80.0 and [v["plate"] for v in d["vehicles"]] == ["云B54321"]'

# Fuel-grade advice with the built-in messages: petrol in a car registered
# for diesel (加错油).
export AFTERSALES_DB="$T/grade.db"
as init
as user add --id G1 --name 周一
as vehicle add --user G1 --plate 云C11111 --grade 0
printf 'tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,plate\nG1,G1,S5,2026-10-10T09:00:00+08:00,92,40,300,云C11111\n' >"$T/g1.csv"
as fuel import "$T/g1.csv"
as --format json remind run --at 2026-10-10T12:00:00+08:00
expect_eq "grade advice written" "$(json_get '[k["written"] for k in d if k["kind"] == "grade_advice"][0]')" "1"
as --format json outbox list --user G1
expect_json_where "the advice explains, for this car" json \
    'd[0]["kind"] == "grade_advice" and d[0]["priority"] == 1 and "云C11111" in d[0]["body"] and "汽油与柴油混用" in d[0]["body"] and d[0]["payload"] == {"plate": "云C11111", "registered_grade": "0", "used_grade": "92", "filled_at": "2026-10-10T09:00:00+08:00"}'
export AFTERSALES_DB="$T/test.db"

# Bad YAML: FILE:LINE:COL.
cat >"$T/bad.yaml" <<'YAML'
segments:
  rules:
    - name: x
      when: median_interval_days <= 7 and colour = 3
reminders:
  maintenance:
    title: t
    message: "{name} {mileage}"
tiers:
  basis: spend
  levels:
    - {name: a, min: 10}
    - {name: b, min: 5}
YAML
as rules check "$T/bad.yaml"
expect_rc "bad config" 78
expect_err_has "unknown figure at its column" "bad.yaml:4:43: condition: unknown figure 'colour'"
expect_err_has "unknown placeholder" "bad.yaml:8:22: unknown placeholder '{mileage}'"
expect_err_has "tiers must rise" "bad.yaml:13:22: tier thresholds must rise"
cat >"$T/s.yaml" <<'YAML'
reminders:
  survey:
    delai: 1h
    title: 请评价
    message: "{name}：{order}"
YAML
as rules check "$T/s.yaml"
expect_rc "bad survey rule" 78
expect_err_has "survey: unknown key" "s.yaml:3:5: unknown key 'delai' in reminders.survey"
expect_err_has "survey: unknown placeholder" "s.yaml:5:22: unknown placeholder '{order}' (known here: name, user_id, tracking, subject, resolved, due)"
printf 'reminders:\n  survey: {delay: soon, title: t, message: m}\n' >"$T/s3.yaml"
as rules check "$T/s3.yaml"
expect_err_has "survey: bad delay" "s3.yaml:2:19: 'soon' is not a duration"
# A condition nested 30,000 levels deep (60 KB; it once overflowed the
# stack of every command that loaded the configuration) is refused at its
# place; 64 levels are fine.
python3 -c 'print("segments:\n  rules:\n    - name: x\n      when: \"" + "(" * 30000 + "fillups > 1" + ")" * 30000 + "\"")' >"$T/deep.yaml"
as rules check "$T/deep.yaml"
expect_rc "a condition nested too deep is a configuration error" 78
expect_err_has "nesting: FILE:LINE:COL" "deep.yaml:4:78: condition: nested more than 64 levels deep"
python3 -c 'print("segments:\n  rules:\n    - name: x\n      when: \"" + "(" * 64 + "fillups > 1" + ")" * 64 + "\"")' >"$T/deep64.yaml"
as rules check "$T/deep64.yaml"
expect_rc "64 levels are fine" 0
printf 'segments:\n  rules:\n    - {name: x, when: "fillups >= 3 or"}\n' >"$T/s2.yaml"
as rules check "$T/s2.yaml"
expect_rc "incomplete condition" 78
expect_err_has "incomplete condition message" "condition: expected a figure"

# The full rebuild reads the fill-ups on two threads (two halves of the
# users, each through its own read-only connection) while the handle
# writes; AFTERSALES_JOBS=1 runs it on one.  The profiles must be the same.
awk 'BEGIN { print "user_id,name,phone,region"
    for (u = 1; u <= 300; u++) printf "P%03d,p%d,13800%06d,530102\n", u, u, u }' > "$T/pu.csv"
awk 'BEGIN { print "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate,station_region"
    tx = 0
    for (r = 0; r < 11; r++) for (u = 1; u <= 320; u++) {
        if ((u * 7 + r) % 11 == 0) continue
        tx++; d = 1 + (u * 5) % 28; m = 1 + r
        plate = (u % 9 == 0) ? sprintf("云A%05d", u) : ""
        odo = (u % 9 == 0) ? 10000 + r * 400 + u : ""
        printf "Q%06d,P%03d,S%02d,2026-%02d-%02dT%02d:00:00+08:00,%s,%d.5,%d.20,%s,%s,%s\n", tx, u,
            (u + r) % 13, m, d, 6 + u % 12, (u % 4 == 0) ? "95" : "92", 30 + u % 20, 200 + u % 90,
            odo, plate, (u % 3 == 0) ? "110105" : "530102" } }' > "$T/pf.csv"
for j in 1 2; do
    db="$T/par$j.db"
    as --db "$db" init
    as --db "$db" user import "$T/pu.csv"
    as --db "$db" fuel import "$T/pf.csv"
    expect_rc "fuel import for the rebuild, AFTERSALES_JOBS=$j" 0
    AFTERSALES_JOBS=$j as --db "$db" --format json profile refresh --at 2026-11-20T10:00:00+08:00
    expect_rc "profile refresh, AFTERSALES_JOBS=$j" 0
    printf '%s\n' "$OUT" > "$T/par-refresh$j.json"
    : > "$T/par-profiles$j.jsonl"
    for u in P001 P009 P045 P150 P151 P152 P299 P300 P310; do
        as --db "$db" --format json user profile "$u" --at 2026-11-20T10:00:00+08:00
        printf '%s %s\n' "$u" "$OUT" >> "$T/par-profiles$j.jsonl"
    done
    as --db "$db" --format tsv user list --limit 1000
    cut -f1,2 <<<"$OUT" > "$T/par-list$j.tsv"
done
expect_eq "the rebuild on threads counts the same profiles" "$(cat "$T/par-refresh2.json")" \
    "$(cat "$T/par-refresh1.json")"
expect_eq "… and computes the same figures" "$(cat "$T/par-profiles2.jsonl")" \
    "$(cat "$T/par-profiles1.jsonl")"
expect_eq "… for every user" "$(cat "$T/par-list2.tsv")" "$(cat "$T/par-list1.tsv")"
expect_eq "… 300 profiles" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["profiles"])' "$T/par-refresh2.json")" "300"

finish
