#!/usr/bin/env bash
# concurrency.sh - several aftersales processes write one database at once:
# none fails with a busy error (the busy timeout waits), every write that
# reported success is there, and the counts are exact.  No check depends on
# wall-clock time (STYLE.md).
. "$(dirname "$0")/lib.sh"
set -o pipefail

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
    local i rc
    for i in $(seq 25); do
        # No pipeline: the status checked is the binary's own, and a run
        # that printed no tracking number is a failure too.
        "$AFTERSALES" --format tsv ticket open --user TK --channel app --category payment \
            --subject "并发工单$i" --body "测试" >"$T/T.$i.out" 2>>"$T/T.err"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            echo "ticket $i: exit $rc" >> "$T/T.fail"
        elif ! awk -F'\t' 'NR == 2 { print $1; n++ } END { exit n == 1 ? 0 : 1 }' \
                "$T/T.$i.out" >> "$T/T.ok"; then
            echo "ticket $i: no tracking number in: $(head -c 200 "$T/T.$i.out")" >> "$T/T.fail"
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

# Exact totals, not lower bounds: TK, the 120 worker users and the 20000
# imported ones; 25 tickets; 5000 feedback rows.
counts=$(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(*(c.execute(f"select count(*) from {t}").fetchone()[0] for t in ("users", "tickets", "feedback")))
' "$AFTERSALES_DB")
expect_eq "exact row counts (users tickets feedback)" "$counts" "20121 25 5000"
want=$(for w in A B C; do seq -f "$w-%g" 40; done | sort)
got=$(cat "$T"/[ABC].ok | sort)
expect_eq "the workers reported exactly the ids they wrote" "$got" "$want"
got=$(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print("\n".join(r[0] for r in c.execute("select user_id from users where user_id glob ? order by user_id", ("[ABC]-*",))))
' "$AFTERSALES_DB" | sort)
expect_eq "the database holds exactly the worker ids" "$got" "$want"

# No process waited in vain: nothing failed with busy (75) or "locked", and
# the commands that print nothing on success printed nothing on stderr.
busy=$(cat "$T"/*.fail 2>/dev/null | grep -c 'exit 75')
expect_eq "no busy failures (exit 75)" "$busy" "0"
if grep -qiE 'busy|locked' "$T"/*.err; then
    fail "no busy or locked errors on stderr" "$(grep -iE 'busy|locked' "$T"/*.err | head -3)"
else
    pass "no busy or locked errors on stderr"
fi
noisy=$(for f in A B C T S list; do [ -s "$T/$f.err" ] && echo "$f"; done | tr '\n' ' ')
expect_eq "workers, ticket opens, sweeps and the reader wrote nothing on stderr" "$noisy" ""
expect_eq "the user import's summary" "$(cat "$T/import.err")" "inserted 20000, updated 0, unchanged 0, rejected 0"
expect_eq "the feedback import's summary" "$(cat "$T/feedback.err")" "inserted 5000, updated 0, unchanged 0, rejected 0"
finish
