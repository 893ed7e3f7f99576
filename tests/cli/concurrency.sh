#!/usr/bin/env bash
# concurrency.sh - several aftersales processes write one database at once
# for a bounded time: none fails with a busy error (the busy timeout waits),
# and every write that reported success is there.
. "$(dirname "$0")/lib.sh"

as init
python3 -c '
import sys
print("user_id,name,phone,region")
for i in range(20000):
    print(f"I{i:06d},导入{i},137{i:08d},530102")
' > "$T/import.csv"

worker() {   # worker NAME COUNT: add users and vehicles, log what succeeded
    local name=$1 n=$2 ok=0 i
    for i in $(seq "$n"); do
        if "$AFTERSALES" user add --id "$name-$i" --name "并发$i" >/dev/null 2>>"$T/$name.err"; then
            echo "$name-$i" >> "$T/$name.ok"
            ok=$((ok + 1))
        else
            echo "exit $? for $name-$i" >> "$T/$name.fail"
        fi
    done
}

# Customers for the ticket worker, and feedback to import alongside.
as user add --id TK --name 工单客户 --phone 13800138000
python3 -c '
import sys
print("feedback_id,user_id,submitted_at,overall,comment")
for i in range(5000):
    print(f"C{i:05d},TK,2026-11-20T10:00:00+08:00,{1 + i % 5},加油很方便{i}")
' > "$T/feedback.csv"

tickets() {   # open tickets, log the tracking numbers that were printed
    local i
    for i in $(seq 25); do
        if "$AFTERSALES" --format tsv ticket open --user TK --channel app --category payment \
            --subject "并发工单$i" --body "测试" 2>>"$T/T.err" | awk -F'\t' 'NR == 2 { print $1 }' >> "$T/T.ok"; then
            :
        else
            echo "ticket $i failed" >> "$T/T.fail"
        fi
    done
}

sweeps() {   # sla check and remind run, again and again
    local i
    for i in $(seq 5); do
        "$AFTERSALES" sla check >/dev/null 2>>"$T/S.err" || echo "sla check $i: exit $?" >> "$T/S.fail"
        "$AFTERSALES" remind run >/dev/null 2>>"$T/S.err" || echo "remind run $i: exit $?" >> "$T/S.fail"
    done
}

start=$(date +%s)
worker A 40 & a=$!
worker B 40 & b=$!
worker C 40 & c=$!
tickets & tk=$!
sweeps & sw=$!
"$AFTERSALES" user import "$T/import.csv" 2>"$T/import.err" & imp=$!
"$AFTERSALES" feedback import "$T/feedback.csv" 2>"$T/feedback.err" & fb=$!
"$AFTERSALES" --format jsonl user list >/dev/null 2>"$T/list.err" & lst=$!
wait $a $b $c $tk $sw
wait $imp; imp_rc=$?
wait $fb; fb_rc=$?
wait $lst; lst_rc=$?
elapsed=$(( $(date +%s) - start ))

if [ -s "$T/T.fail" ]; then fail "ticket opens: no failures" "$(head -3 "$T/T.fail") $(head -3 "$T/T.err")"; else pass "ticket opens: no failures"; fi
if [ -s "$T/S.fail" ]; then fail "sla check and remind run: no failures" "$(head -3 "$T/S.fail") $(head -3 "$T/S.err")"; else pass "sla check and remind run: no failures"; fi
expect_eq "the feedback import succeeded alongside" "$fb_rc" "0"
expect_eq "every ticket open printed a tracking number" "$(grep -c '^[0-9]\{9\}$' "$T/T.ok")" "25"
found=$(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ids = [l.strip() for l in open(sys.argv[2]) if l.strip()]
print(sum(1 for i in ids if c.execute("select 1 from tickets where tracking = ?", (i,)).fetchone()))
' "$AFTERSALES_DB" "$T/T.ok")
expect_eq "every ticket that was reported is in the database" "$found" "25"
fbn=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from feedback").fetchone()[0])' "$AFTERSALES_DB")
expect_eq "the whole feedback import is there" "$fbn" "5000"

for w in A B C; do
    if [ -s "$T/$w.fail" ]; then fail "worker $w: no failures" "$(head -3 "$T/$w.fail") $(head -3 "$T/$w.err")"; else pass "worker $w: no failures"; fi
done
expect_eq "the import succeeded alongside" "$imp_rc" "0"
expect_eq "a reader ran alongside" "$lst_rc" "0"
total=$(cat "$T"/[ABC].ok | wc -l)
expect_eq "every worker write reported success" "$total" "120"
found=$(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ids = [l.strip() for f in sys.argv[2:] for l in open(f)]
print(sum(1 for i in ids if c.execute("select 1 from users where user_id = ?", (i,)).fetchone()))
' "$AFTERSALES_DB" "$T"/[ABC].ok)
expect_eq "every successful write is in the database" "$found" "120"
imported=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from users where user_id like \"I%\"").fetchone()[0])' "$AFTERSALES_DB")
expect_eq "the whole import is there" "$imported" "20000"
as check
expect_rc "the database checks clean afterwards" 0
[ "$elapsed" -lt 240 ] && pass "bounded time (${elapsed}s)" || fail "bounded time (${elapsed}s)"
finish
