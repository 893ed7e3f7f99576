#!/usr/bin/env bash
# privacy.sh - issue 12, point 2, through the command line: phones typed
# into free text are masked in every output unless --reveal, and after
# 'user forget' no table, no byte of the database file and no byte of its
# -wal holds the person's name, phone or plate.
. "$(dirname "$0")/lib.sh"

NAME=欧阳修远
PHONE=13912345678

as init
as user add --id U1 --name "$NAME" --phone "$PHONE" --region 530102
as user add --id U2 --name 李四 --phone 13800138000
as vehicle add --user U1 --plate 云A12345 --grade 95
expect_rc "setup" 0
cat > "$T/fb.csv" <<CSV
feedback_id,user_id,station_id,submitted_at,overall,comment,contact
F1,U1,S1,2026-01-06 09:00,2,我是${NAME}，加油太慢,"$NAME 139 1234 5678"
F2,U1,S1,2026-01-06 10:00,1,愤怒！多扣钱了，打${PHONE}找${NAME},
F3,,S1,2026-01-06 11:00,3,云A·12345的车主电话139-1234-5678,
F4,U2,S1,2026-01-06 12:00,4,李四觉得不错 13800138000,
CSV
as feedback import "$T/fb.csv"
expect_rc "feedback import" 0
as ticket open --user U1 --channel phone --category payment --subject "${NAME}来电" \
    --body "回拨 $PHONE，车牌 云A12345" --by alice
expect_rc "ticket open" 0
tn=$(sqlite3 "$AFTERSALES_DB" "SELECT tracking FROM tickets WHERE subject LIKE '%来电'")
as ticket reply "$tn" --by alice --message "${NAME}您好，已回拨 139 1234 5678"
expect_rc "ticket reply" 0

# ---- masked unless --reveal ------------------------------------------

as --format json feedback show F1
expect_json_where "feedback show masks the comment's and the extra column's phone" json \
    'd["extra"]["contact"] == a[0] + " 139 **** 5678"' "$NAME"
as --format json feedback show F1 --reveal
expect_json_where "--reveal shows them" json 'd["extra"]["contact"] == a[0] + " 139 1234 5678"' "$NAME"
as --format json feedback list
expect_json_where "feedback list masks" json \
    'not any(p in (f["comment"] or "") for f in d for p in ("13912345678", "139 1234", "139-1234")) and any("139****5678" in (f["comment"] or "") for f in d)'
as --format json ticket show "$tn"
expect_json_where "ticket show masks the body and the events" json \
    '"139****5678" in d["body"] and any("139 **** 5678" in (e["text"] or "") for e in d["events"]) and "139 1234" not in str(d)'
as --format json ticket show "$tn" --reveal
expect_json_where "ticket show --reveal" json 'a[0] in d["body"]' "$PHONE"
as --format json ticket track "$tn" --phone-last4 5678
expect_json_where "ticket track masks the last reply" json 'd["last_reply"] == a[0] + "您好，已回拨 139 **** 5678"' "$NAME"
as ticket export
case "$OUT" in
    *1391234*|*"139 1234"*|*139-1234*) fail "ticket export masks phones" ;;
    *) pass "ticket export masks phones" ;;
esac
as ticket export --reveal
expect_out_has "ticket export --reveal keeps them (a copy to import)" "$PHONE"

# ---- user forget -----------------------------------------------------

scan() {  # scan: every table and every byte of the file and its -wal
    python3 - "$AFTERSALES_DB" "$NAME" "$PHONE" <<'PY'
import sqlite3, sys, os
db, name, phone = sys.argv[1], sys.argv[2], sys.argv[3]
needles = [name, phone, "139 1234 5678", "139-1234-5678", "云A12345", "云A·12345"]
found = []
c = sqlite3.connect("file:" + db + "?mode=ro", uri=True)
for (t,) in c.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"):
    for row in c.execute(f'SELECT * FROM "{t}"'):
        for v in row:
            b = v.encode() if isinstance(v, str) else v if isinstance(v, bytes) else b""
            found += [f"{t}: {n}" for n in needles if n.encode() in b]
c.close()
for f in (db, db + "-wal"):
    if os.path.exists(f):
        data = open(f, "rb").read()
        found += [f"{os.path.basename(f)} bytes: {n}" for n in needles if n.encode() in data]
print("; ".join(found[:5]) if found else "clean")
PY
}
[ "$(scan)" != clean ] && pass "before forget the scan finds the person" || fail "before forget the scan finds the person"
as user forget U1
expect_rc "forget without --force" 64
as --format json user forget U1 --force
expect_rc "user forget" 0
expect_json_where "the erasure says what it did" json \
    'd["name"] is None and d["phone"] is None and d["erasure"]["values"] >= 7 and d["erasure"]["tickets"] >= 2 and d["erasure"]["checkpointed"] and d["erasure"]["file_clean"]'
expect_eq "no table, no byte of the file or its -wal holds the name, phone or plate" "$(scan)" "clean"
as --format json feedback show F3 --reveal
expect_json_where "the anonymous feedback naming the number and plate is redacted" json \
    'd["comment"] == "[erased]的车主电话[erased]"'
as --format json feedback show F4 --reveal
expect_json_where "another customer's comment is untouched" json \
    'd["comment"] == "李四觉得不错 13800138000"'
as --format json ticket show "$tn" --reveal
expect_json_where "the ticket's history says it was redacted" json \
    'any(e["kind"] == "redacted" and e["by"] == "privacy" for e in d["events"]) and "[erased]" in d["subject"]'
as check
expect_rc "the database checks clean after the erasure" 0
as --format json user forget U1 --force
expect_json_where "forgetting again changes nothing" json 'd["erasure"]["rows"] == 0'
as user forget nobody --force
expect_rc "an unknown user" 1

finish
