#!/usr/bin/env bash
# never_wrong.sh - issue 10's scenario: a chain of 200 users and 8,000
# fueling records over six months; set up once (import; on one database no
# profile refresh at all, on the other one refresh at setup, as the
# previous build needed), then every night `fuel import` of the day's
# records and `remind run`, as the README suggests, never a refresh again.
# Every win-back and refuel coupon written must be true when written (the
# days since the last fill-up, the expected date), and a pull hands out
# none that a later fill-up made untrue.
. "$(dirname "$0")/lib.sh"

as init
python3 - "$T" <<'PY'
import random, sys, datetime
T = sys.argv[1]
random.seed(10)
tz = datetime.timezone(datetime.timedelta(hours=8))
start = datetime.datetime(2026, 5, 1, tzinfo=tz)
end = datetime.datetime(2026, 10, 31, tzinfo=tz)
with open(f"{T}/users.csv", "w") as f:
    f.write("user_id,name,phone,region,consent_marketing\n")
    for u in range(200):
        f.write(f"N{u:03d},用户{u},1380013{u:04d},530102,yes\n")
rows = []
for u in range(200):
    every = random.uniform(2.8, 6.0)            # days between fill-ups
    t = start + datetime.timedelta(days=random.uniform(0, 5))
    gap_at = random.uniform(60, 170) if u % 3 == 0 else None   # some pause a while
    while t < end:
        rows.append((t, u))
        step = every * random.uniform(0.8, 1.2)
        if gap_at is not None and (t - start).days > gap_at:
            step += random.uniform(20, 45)
            gap_at = None
        t += datetime.timedelta(days=step)
rows.sort()
rows = rows[:8000]
setup_end = datetime.datetime(2026, 10, 1, tzinfo=tz)
nights = {}
with open(f"{T}/setup.csv", "w") as f:
    f.write("tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n")
    for i, (t, u) in enumerate(rows):
        line = f"X{i:05d},N{u:03d},S{u % 7},{t.isoformat(timespec='seconds')},92,40,300\n"
        if t < setup_end:
            f.write(line)
        else:
            nights.setdefault(t.date().isoformat(), []).append(line)
for day, lines in nights.items():
    with open(f"{T}/night-{day}.csv", "w") as f:
        f.write("tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n")
        f.writelines(lines)
with open(f"{T}/nights", "w") as f:
    f.write("\n".join(sorted(nights)) + "\n")
print(len(rows), "records,", len(nights), "nights")
PY
# The check: every win-back and refuel coupon true at its creation, from
# all records at or before it.
cat >"$T/check.py" <<'PY'
import datetime, json, re, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
fills = {}
for u, t in c.execute("SELECT user_id, filled_at FROM fuelings ORDER BY user_id, filled_at"):
    fills.setdefault(u, []).append(t)
bad, winback, refuel = [], 0, 0
for kind, u, created, body, payload in c.execute(
        "SELECT kind, user_id, created_at, body, payload FROM outbox"):
    ts = [t for t in fills.get(u, []) if t <= created]
    last = ts[-1]
    g = sorted(b - a for a, b in zip(ts, ts[1:]))
    med = g[len(g) // 2] if len(g) % 2 else (g[len(g) // 2 - 1] + g[len(g) // 2]) // 2
    if kind == "winback":
        winback += 1
        n = int(re.search(r"您已(\d+)天", body).group(1))
        if n != (created - last) // 86400 or not created - last > 3 * med:
            bad.append(f"{u} at {created}: '{body}' but the last fill-up was {(created - last) / 86400:.1f} days before")
    elif kind == "refuel_coupon":
        refuel += 1
        p = json.loads(payload)
        exp = datetime.datetime.fromisoformat(p["expected_at"]).timestamp()
        if int(exp) != last + med:
            bad.append(f"{u} at {created}: expected {p['expected_at']}, the records say {last + med}")
print(f"winback {winback} refuel {refuel} false {len(bad)}")
for b in bad[:20]:
    print(b)
PY

# nights MODE: set up (with one profile refresh when MODE is "refresh",
# none at all otherwise), a month of nights, and the check of every message.
nights() {
    as user import "$T/users.csv"
    expect_rc "$1: 200 users" 0
    as fuel import "$T/setup.csv"
    expect_rc "$1: the records up to October" 0
    if [ "$1" = refresh ]; then
        as profile refresh --at 2026-09-30T23:00:00+08:00
        expect_rc "one refresh at setup" 0
    fi

    runs=0
    while IFS= read -r day; do
        as fuel import "$T/night-$day.csv"
        [ "$RC" -eq 0 ] || { fail "fuel import $day"; break; }
        as --format json remind run --at "${day}T23:00:00+08:00"
        [ "$RC" -eq 0 ] || { fail "remind run $day"; break; }
        runs=$((runs + 1))
    done <"$T/nights"
    expect_eq "$1: a month of nights ran" "$([ "$runs" -ge 25 ] && echo yes)" "yes"

    # Every message true when written: the figures from all records at or
    # before its creation.
    python3 "$T/check.py" "$AFTERSALES_DB" >"$T/check"
    summary=$(head -1 "$T/check")
    echo "# $summary"
    if [[ "$summary" =~ ^winback\ ([0-9]+)\ refuel\ ([0-9]+)\ false\ 0$ ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] \
       && [ "${BASH_REMATCH[2]}" -gt 0 ]; then
        pass "$1: no false message among the win-backs and refuel coupons written"
    else
        RC=0 OUT=$(cat "$T/check") ERR=""
        fail "$1: no false message among the win-backs and refuel coupons written"
    fi
}

export AFTERSALES_DB="$T/none.db"
as init
nights "no-refresh"
export AFTERSALES_DB="$T/test.db"
nights refresh

# A fill-up after a win-back was written (before it is pulled) suppresses
# it: the latest win-back's user fuels an hour after it was written.
as --format json outbox list --status pending --at 2026-10-01T00:00:00+08:00
read -r victim late pull_at < <(json_get '" ".join((lambda w: (w["user_id"], w["created_at"][:11] + "23:59:00+08:00", w["not_before"][:10] + "T23:59:30+08:00"))(max((x for x in d if x["kind"] == "winback"), key=lambda x: x["created_at"])))' 2>/dev/null)
if [ -n "${victim:-}" ]; then
    printf 'tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\nLATE1,%s,S1,%s,92,40,300\n' "$victim" "$late" >"$T/late.csv"
    as fuel import "$T/late.csv"
    as outbox pull --limit 100000 --at "$pull_at"
    expect_rc "pull after the late fill-up" 0
    if [[ "$OUT" == *"\"user_id\":\"$victim\",\"kind\":\"winback\""* ]]; then
        fail "the win-back of a user who fueled since is not handed out"
    else
        pass "the win-back of a user who fueled since is not handed out"
    fi
    as --format json outbox list --user "$victim" --status suppressed --at "$pull_at"
    expect_json_where "it is suppressed, with the reason" json \
        'any(x["kind"] == "winback" and x["reason"].startswith("no longer true") for x in d)'
else
    fail "a pending win-back to test with"
fi
finish
