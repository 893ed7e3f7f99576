#!/usr/bin/env bash
# demand.sh - suggestions grouped into dictionary topics and mined phrases,
# ranking, link, ship (one outbox message per user, never twice).
. "$(dirname "$0")/lib.sh"

as init
as user add --id U9 --name 不要通知 --consent-service no
f="$T/s.csv"
{
  echo 'feedback_id,user_id,submitted_at,kind,comment'
  echo 'S1,U1,2026-11-20T10:00:00+08:00,suggestion,希望增加电子发票自动推送'
  echo 'S2,U2,2026-11-21T10:00:00+08:00,other,建议开电子发票更方便'
  echo 'S3,U1,2026-11-22T10:00:00+08:00,suggestion,电子发票还是没有'
  echo 'S4,U3,2026-11-19T10:00:00+08:00,,能不能支持云闪付'
  echo 'S5,U4,2026-11-23T10:00:00+08:00,suggestion,希望洗车服务预约'
  echo 'S6,U5,2026-11-23T11:00:00+08:00,suggestion,洗车服务能不能线上'
  echo 'S7,U6,2026-11-23T12:00:00+08:00,suggestion,加个洗车服务吧'
  echo 'S8,U9,2026-11-18T12:00:00+08:00,suggestion,电子发票'
  echo 'S9,U7,2026-11-23T12:00:00+08:00,praise,加油很快，服务好'
  echo 'S10,,2026-11-24T12:00:00+08:00,suggestion,希望电子发票'
} > "$f"
as feedback import "$f"
expect_rc "import suggestions" 0

as --format json demand list
expect_json "demand list as JSON"
expect_eq "ranked by distinct users, then recency" "$(json_get '[(r["topic"], r["source"], r["users"]) for r in d]')" \
  "[('电子发票', 'dictionary', 4), ('洗车服务', 'phrase', 3), ('支付方式', 'dictionary', 1)]"
expect_eq "latest and example" "$(json_get '(d[0]["latest"], d[0]["example"], d[0]["feedback"])')" \
  "('2026-11-24T12:00:00+08:00', '希望电子发票', 5)"
as --format tsv demand list --limit 1
expect_eq "--limit" "$(printf '%s\n' "$OUT" | wc -l)" "2"

as demand ship B-1
expect_rc "ship with nothing linked: not found" 1
as demand link 电子发票
expect_rc "link without --backlog" 64
# A malformed --backlog is a usage error now (65 before the option layer
# checked ids).
as demand link 电子发票 --backlog "bad id"
expect_rc "bad backlog id" 64
expect_err_has "bad backlog id named" "--backlog: 'bad id' is not an id"
as demand link 电子发票 --backlog B-1
expect_rc "link" 0
as --format json demand list
expect_eq "the link shows" "$(json_get 'd[0]["backlog_id"]')" "B-1"

as --format json demand ship B-1 --at 2026-11-25T10:00:00+08:00
expect_rc "ship" 0
expect_eq "one message per user who asked; no consent skipped" \
  "$(json_get '(d["notified"], d["already_notified"], d["skipped"])')" "(2, 0, 1)"
expect_eq "ship: topics and the time recorded" "$(json_get '(d["topics"], d["shipped_at"])')" \
  "(1, '2026-11-25T10:00:00+08:00')"
n=$(sqlite3 "$AFTERSALES_DB" "SELECT group_concat(user_id || ':' || dedupe_key, ' ') FROM (SELECT * FROM outbox ORDER BY user_id)")
expect_eq "outbox rows" "$n" "U1:demand:B-1:U1 U2:demand:B-1:U2"
as --format json demand ship B-1
expect_eq "shipping twice notifies nobody twice" "$(json_get '(d["notified"], d["already_notified"])')" "(0, 2)"
as --format json demand list
expect_eq "shipped_at" "$(json_get 'd[0]["shipped_at"]')" "2026-11-25T10:00:00+08:00"

as demand link 洗车服务 --backlog B-2
as --format json demand ship B-2
expect_eq "a mined phrase ships too" "$(json_get 'd["notified"]')" "3"

as demand --help
expect_rc "group help" 0
for sub in list link ship; do
    as demand "$sub" --help
    expect_rc "demand $sub --help" 0
done
as demand list extra
expect_rc "list: unexpected argument" 64
as demand list --limit 0
expect_rc "list --limit 0" 64
as demand ship B-1 --at tomorrow
expect_rc "ship: a bad --at" 64
expect_err_has "ship: --at named" "--at: 'tomorrow' is not a time"

finish
