#!/usr/bin/env bash
# community.sh - the community (seed §5): posts and their moderation (banned
# terms, sentiment, the alert rules), review, featured posts and their
# points, ambassador candidates with their figures, co-creation submissions
# and the adopted tips of the reminder rotation, erasure, bad input.
. "$TESTS_DIR/cli/lib.sh"

cat >"$T/c.yaml" <<'YAML'
community:
  boards:
    - {id: experience, name: 用车心得}
    - {id: saving, name: 省油妙招}
  banned_terms: [刷单, 代充]
  flag_below: -0.5
  feature_points: 30
  feature_days: 7
  adopt_points: 80
  ambassador_weights: {posts: 1, featured: 5, positive_feedback: 2, adopted: 5}
reminders:
  cap: {count: 10, per: 1d}
  tips:
    every: 1d
    title: 用车小知识
    messages:
      - "{name}您好：胎压不足会增加油耗。"
YAML
export AFTERSALES_CONFIG="$T/c.yaml"

for cmd in post "post add" "post show" "post list" "post queue" "post approve" "post remove" \
    "post feature" submission "submission add" "submission show" "submission list" \
    "submission adopt" "submission decline" community "community boards" \
    "community ambassadors"; do
    # shellcheck disable=SC2086
    as $cmd --help
    if [ "$RC" -eq 0 ] && [[ "$OUT" == usage:* ]]; then pass "$cmd --help"; else fail "$cmd --help"; fi
done

as init
as user add --id U1 --name 张三 --phone 13912345678 --consent-marketing yes
as user add --id U2 --name 李四 --consent-marketing yes
as user add --id U3 --name 王五
as vehicle add --user U1 --plate 云A12345

as community boards --format tsv
expect_out "the boards of the configuration (tsv)" "id	name
experience	用车心得
saving	省油妙招"
as --format json community boards
expect_json_where "boards: ids and names" json \
    'd == [{"id": "experience", "name": "用车心得"}, {"id": "saving", "name": "省油妙招"}]'

# ---- moderation ------------------------------------------------------------

D=2026-03-02T10:00:00+08:00
as --format json post add --user U1 --board saving --title 省油心得 \
    --body "胎压保持正常，匀速行驶，油耗明显下降，很满意。" --at $D
expect_json_where "a normal post is visible at once" json \
    'd["id"] == 1 and d["status"] == "visible" and d["flags"] == [] and d["sentiment"] > 0 and d["board_name"] == "省油妙招" and d["created_at"] == a[0]' "$D"
as --format json post add --user U2 --board experience --title 兼职 --body "在家刷单，日结" --at $D
expect_json_where "a banned term queues the post" json \
    'd["status"] == "queued" and d["flags"] == [{"rule": "banned_term", "reason": "违禁词", "match": "刷单"}]'
as --format json post add --user U2 --board experience --title 兼職 --body "代充話費 ＤＡＩ" --at $D
expect_json_where "a banned term in another width or traditional form still counts" json \
    'd["status"] == "queued" and [f["match"] for f in d["flags"]] == ["代充"]'
as --format json post add --user U1 --board experience --title 加油站 --body "服务太差了，我非常愤怒！" --at $D
expect_json_where "an angry post is queued by sentiment and the alert rules" json \
    'd["status"] == "queued" and [f["rule"] for f in d["flags"]] == ["sentiment", "anger", "disappointment"] and d["flags"][1]["match"] == "愤怒" and d["sentiment"] < -0.5'
as post queue --format json
expect_json_where "the review queue: the three flagged posts, oldest first" json \
    '[p["id"] for p in d] == [2, 3, 4]'

as --format json post approve 4 --at 2026-03-02T11:00:00+08:00
expect_json_where "approve: visible, its flags kept" json \
    'd["status"] == "visible" and len(d["flags"]) == 3 and d["reviewed_at"] == "2026-03-02T11:00:00+08:00"'
as post approve 4
expect_rc "approving a post that is not queued: 65" 65
as --format json post remove 2 --reason "广告" --at 2026-03-02T11:00:00+08:00
expect_json_where "remove: removed with its reason" json \
    'd["status"] == "removed" and d["removed_reason"] == "广告"'
as post remove 2 --reason again
expect_rc "removing a removed post: 65" 65
as post remove 1 --reason ""
expect_rc "an empty reason: 65" 65
as post approve 99
expect_rc "approving no post: 1" 1
as post show 99
expect_rc "no such post: 1" 1

# ---- featuring and points -----------------------------------------------------

as post feature 3
expect_rc "featuring a queued post is refused: 65" 65
expect_err_has "and says why" "approve it first"
as post feature 2
expect_rc "featuring a removed post is refused: 65" 65
as --format json post feature 1 --at 2026-03-03T09:00:00+08:00
expect_json_where "feature: pinned for 7 days, points credited" json \
    'd["featured_at"] == "2026-03-03T09:00:00+08:00" and d["featured_until"] == "2026-03-10T09:00:00+08:00" and d["points"] == 30'
as --format json post feature 1 --at 2026-03-04T09:00:00+08:00
expect_json_where "featuring again pins again, credits nothing" json \
    'd["featured_until"] == "2026-03-11T09:00:00+08:00" and d["points"] == 0'
as --format json points statement --user U1
expect_json_where "the ledger holds the feature once" json \
    '[(r["kind"], r["points"], r["ref"]) for r in d] == [("earn_community", 30, "post:1:feature")]'
as --format json post list --pinned --at 2026-03-05T00:00:00+08:00
expect_json_where "pinned at a time: the featured post" json '[p["id"] for p in d] == [1]'
as --format json post list --pinned --at 2026-03-12T00:00:00+08:00
expect_json_where "pinned after the week: none" json 'd == []'
as --format json post feature 4 --at 2026-03-01T00:00:00+08:00
expect_rc "featuring before the post was written: 65" 65
as --format json post list --board experience --status visible
expect_json_where "list by board and status" json '[p["id"] for p in d] == [4]'
as --format json post list --user U2
expect_json_where "list by user" json '[p["id"] for p in d] == [2, 3]'
as post list --status hidden
expect_rc "an unknown status is a usage error" 64

# ---- bad input ----------------------------------------------------------------

as post add --user U1 --board saving --title t --body ""
expect_rc "an empty body: 65" 65
expect_err_has "says which" "body: is empty"
as post add --user U1 --board saving --title t --body "   "
expect_rc "a blank body: 65" 65
long=$(python3 -c 'print("油" * 5001)')
as post add --user U1 --board saving --title t --body "$long"
expect_rc "a body too long: 65" 65
expect_err_has "with its length" "5001 characters, at most 5000"
as post add --user U1 --board gossip --title t --body b
expect_rc "an unknown board: 65" 65
expect_err_has "names the boards" "boards: experience, saving"
as post add --user NOBODY --board saving --title t --body b
expect_rc "an unknown user: 1" 1
as post show abc
expect_rc "a malformed id: 64" 64
as submission add --user U1 --kind tip --text "x" --url "ftp://example.com/a"
expect_rc "a non-http link: 65" 65
as submission add --user U1 --kind video --text "x" --url "https:// example.com"
expect_rc "a link with a space: 65" 65
as submission add --user U1 --kind video --text "x"
expect_rc "a video without a link: 65" 65
as submission add --user U1 --kind audio --text "x"
expect_rc "an unknown kind: 64" 64
as submission add --user U1 --kind video --text "x" --url "https://v.example.com/$(python3 -c 'print("a" * 2000)')"
expect_rc "a link too long: 65" 65

# ---- co-creation ----------------------------------------------------------------

S=2026-03-05T10:00:00+08:00
as --format json submission add --user U2 --kind tip --text "雨天减速慢行，既安全又省油。" --at $S
expect_json_where "a tip submitted" json \
    'd["id"] == 1 and d["status"] == "submitted" and d["kind"] == "tip" and d["url"] is None and d["as_tip"] is False'
as --format json submission add --user U1 --kind video --text "换机油教程" --url https://v.example.com/oil --at $S
expect_json_where "a video submitted with its link" json 'd["id"] == 2 and d["url"] == "https://v.example.com/oil"'
as --format json submission add --user U1 --kind tip --text "后备箱别放杂物。" --at $S
as --format json submission adopt 2 --as-tip --at 2026-03-06T10:00:00+08:00
expect_rc "a video cannot join the tips rotation: 65" 65
as --format json submission adopt 1 --as-tip --at 2026-03-06T10:00:00+08:00
expect_json_where "adopt a tip as a tip: credited" json \
    'd["status"] == "adopted" and d["as_tip"] is True and d["points"] == 80 and d["decided_at"] == "2026-03-06T10:00:00+08:00"'
as submission adopt 1
expect_rc "adopting twice is refused: 65" 65
expect_err_has "and says why" "already adopted"
as submission decline 1 --reason late
expect_rc "declining an adopted one is refused: 65" 65
as --format json submission decline 3 --reason "与已有内容重复" --at 2026-03-06T10:00:00+08:00
expect_json_where "decline with a reason" json 'd["status"] == "declined" and d["reason"] == "与已有内容重复"'
as submission adopt 3
expect_rc "adopting a declined one is refused: 65" 65
as --format json submission adopt 2 --at 2026-03-06T11:00:00+08:00
expect_json_where "adopt a video: credited" json 'd["status"] == "adopted" and d["as_tip"] is False and d["points"] == 80'
as --format json points statement --user U2
expect_json_where "U2's ledger: the adoption once" json \
    '[(r["points"], r["ref"]) for r in d] == [(80, "submission:1:adopt")]'
as --format json submission list --status adopted
expect_json_where "list by status" json '[s["id"] for s in d] == [1, 2]'
as submission adopt 9
expect_rc "no such submission: 1" 1

# The rotation: the configured tip, then the adopted one; one a day.  Day
# 2026-03-07 is period 20519 (odd: the adopted tip), 03-08 even.
as --format json remind run --at 2026-03-05T12:00:00+08:00
as --format json outbox list --user U2
expect_json_where "before the adoption the rotation is the configured tip" json \
    'd[-1]["kind"] == "tip" and d[-1]["body"] == "李四您好：胎压不足会增加油耗。"'
for day in 07 08; do
    as remind run --at 2026-03-${day}T12:00:00+08:00
done
as --format json outbox list --user U2
expect_json_where "an adopted tip is a tip notification with its text" json \
    'sorted(x["body"] for x in d if x["kind"] == "tip") == sorted(["李四您好：胎压不足会增加油耗。", "雨天减速慢行，既安全又省油。", "李四您好：胎压不足会增加油耗。"])'
as --format json outbox list --user U2
expect_json_where "its payload names the submission" json \
    'any(x["payload"].get("submission") == 1 for x in d if x["kind"] == "tip")'
as --format json remind run --at 2026-03-07T13:00:00+08:00
as --format json outbox list --user U2
expect_json_where "a rerun sends nothing twice" json 'len([x for x in d if x["kind"] == "tip"]) == 3'

# ---- ambassadors ------------------------------------------------------------------

cat >"$T/fb.csv" <<'CSV'
feedback_id,submitted_at,user_id,overall,comment
F1,2026-03-01T10:00:00+08:00,U1,5,很好用
F2,2026-03-02T10:00:00+08:00,U1,2,一般
F3,2026-03-02T10:00:00+08:00,U2,4,
F4,2026-03-02T10:00:00+08:00,U3,1,不好
F5,2025-12-01T10:00:00+08:00,U3,5,很好
CSV
as feedback import "$T/fb.csv"
expect_rc "feedback imported" 0
as --format json community ambassadors --from 2026-03-01T00:00:00+08:00 --to 2026-03-31T00:00:00+08:00
# U1: posts 1 and 4 visible (2), post 1 featured (1), F1 positive (1), video adopted (1)
#     = 2 + 5 + 2 + 5 = 14; U2: no visible post, F3 (1), tip adopted (1) = 2 + 5 = 7.
expect_json_where "ambassadors: ranked, the figures exact" json \
    '[(r["rank"], r["user_id"], r["score"], r["posts"], r["featured"], r["positive_feedback"], r["adopted"]) for r in d] == [(1, "U1", 14, 2, 1, 1, 1), (2, "U2", 7, 0, 0, 1, 1)]'
as --format json community ambassadors --from 2026-03-01T00:00:00+08:00 --to 2026-03-31T00:00:00+08:00 --limit 1
expect_json_where "--limit" json '[r["user_id"] for r in d] == ["U1"]'
as --format json community ambassadors --from 2025-11-01T00:00:00+08:00 --to 2025-12-31T00:00:00+08:00
expect_json_where "another window, other figures" json \
    '[(r["user_id"], r["score"]) for r in d] == [("U3", 2)]'
as community ambassadors --from 2026-04-01T00:00:00+08:00 --to 2026-03-01T00:00:00+08:00
expect_rc "a window that ends before it starts: 64" 64

# ---- erasure -------------------------------------------------------------------------

as user forget U1 --force
expect_rc "forget U1" 0
as --format json post list --user U1
expect_json_where "U1's posts: erased and out of view" json \
    'len(d) == 2 and all(p["title"] == "[erased]" and p["body"] == "[erased]" and p["status"] == "removed" and p["removed_reason"] == "user erased" for p in d)'
as --format json submission list --user U1
expect_json_where "U1's submissions: text and link erased" json \
    'len(d) == 2 and all(s["text"] == "[erased]" and s["url"] is None for s in d)'
as --format json community ambassadors --from 2026-03-01T00:00:00+08:00 --to 2026-03-31T00:00:00+08:00
expect_json_where "an erased user is never a candidate" json '[r["user_id"] for r in d] == ["U2"]'
python3 - "$AFTERSALES_DB" <<'PY' >"$T/left"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute("select title || body from community_posts where user_id = 'U1'"
                 " union all select coalesce(text, '') || coalesce(url, '') from community_submissions where user_id = 'U1'").fetchall()
print(any("胎压" in r[0] or "v.example.com" in r[0] or "愤怒" in r[0] for r in rows))
PY
expect_eq "no text of U1's is left in the tables" "$(cat "$T/left")" "False"
as post add --user U1 --board saving --title t --body b
expect_rc "an erased user cannot post: 65" 65
as submission add --user U1 --kind tip --text t
expect_rc "nor submit: 65" 65

# Erasing the author of an adopted tip takes it out of the rotation.
as user forget U2 --force
as --format json remind run --at 2026-03-09T12:00:00+08:00
as user add --id U4 --name 赵六 --consent-marketing yes
for day in 09 10; do
    as remind run --at 2026-03-${day}T12:00:00+08:00
done
as --format json outbox list --user U4
expect_json_where "an erased tip leaves the rotation" json \
    'd and all(x["body"] == "赵六您好：胎压不足会增加油耗。" for x in d if x["kind"] == "tip")'

finish
