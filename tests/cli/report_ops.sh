#!/usr/bin/env bash
# report_ops.sh - aftersales report outbox, report fuel and report demand: a
# few days of tips delivered, failed, expired, suppressed and waiting, and
# fueling records made from the command line; the reports in every format
# with their figures checked, the period's boundaries, business weeks,
# --station, an empty period, and the failure paths.
. "$TESTS_DIR/cli/lib.sh"

cat >"$T/config.yaml" <<'YAML'
reminders:
  outbox_max_attempts: 1
  cap: {count: 10, per: 7d}
  tips: {title: 小贴士, every: 1d, messages: ['{name}你好']}
YAML
export AFTERSALES_CONFIG="$T/config.yaml"
as init
expect_rc "init" 0
as user add --id U1 --name 张三 --region 530102 --consent-marketing yes
as user add --id U3 --name 王五 --region 530102 --consent-marketing yes
expect_rc "users" 0

# ---- the outbox: tips (one per user a day) ------------------------------
# ids 1, 2 on Monday 10-05; 3, 4 on 10-06; 5, 6 on 10-07; 7 on 10-08; 8 at
# the period's end (10-09 08:00: tips are per UTC day).
remind() { as remind run --at "$1"; expect_rc "remind run at $1" 0; }
token_of() {  # token_of ID: the ID:TOKEN of a pulled notification in $PULLED
    printf '%s\n' "$PULLED" | python3 -c '
import json, sys
for l in sys.stdin:
    if l.strip():
        r = json.loads(l)
        if r["id"] == int(sys.argv[1]):
            print("%d:%s" % (r["id"], r["lease_token"]))' "$1"
}
remind 2026-10-05T10:00:00+08:00
as outbox pull --limit 10 --lease 10m --at 2026-10-05T10:01:00+08:00
PULLED=$OUT
as outbox ack "$(token_of 1)" --at 2026-10-05T10:02:00+08:00
expect_rc "ack 1 (120 s after not_before)" 0
as outbox fail "$(token_of 2)" --at 2026-10-05T10:03:00+08:00
expect_rc "fail 2 (dead: one attempt)" 0
remind 2026-10-06T10:00:00+08:00
remind 2026-10-07T10:00:00+08:00
as user update U3 --consent-marketing no
expect_rc "U3 withdraws consent" 0
# 3 and 4 lapsed with their day; 6 is suppressed (no consent); 5 leased
as outbox pull --limit 10 --lease 10m --at 2026-10-07T10:00:30+08:00
PULLED=$OUT
as outbox ack "$(token_of 5)" --at 2026-10-07T10:01:30+08:00
expect_rc "ack 5 (90 s after not_before)" 0
remind 2026-10-08T10:00:00+08:00
remind 2026-10-09T08:00:00+08:00
as --format tsv outbox list
expect_eq "the statuses as made" "$(printf '%s\n' "$OUT" | awk -F'\t' 'NR > 1 { printf "%s:%s ", $1, $9 }')" \
    "1:sent 2:dead 3:expired 4:expired 5:sent 6:suppressed 7:pending 8:pending "

OP=(--from 2026-10-05T10:00:00+08:00 --to 2026-10-09T08:00:00+08:00)

as report outbox --help
expect_rc "report outbox --help" 0
expect_out_has "outbox help: usage" "usage: aftersales report outbox --from TIME --to TIME"
expect_out_has "outbox help: statuses as now" "Statuses are as they are now"
as report --help
expect_out_has "report --help lists outbox" "report outbox"
expect_out_has "report --help lists fuel" "report fuel"
expect_out_has "report --help lists demand" "report demand"

as --format json report outbox "${OP[@]}"
expect_rc "report outbox json" 0
expect_json_where "outbox: 7 tips in the period, every status" json \
    'd == [{"kind": "tip", "written": 7, "delivered": 2, "failed": 1, "suppressed": 1, "expired": 2, "waiting": 1, "delivered_pct": 28.6, "median_delay_s": 90}]'
as --format jsonl report outbox "${OP[@]}"
expect_json_where "outbox jsonl: one line per kind" jsonl 'len(d) == 1 and d[0]["written"] == 7'
as --format tsv report outbox "${OP[@]}"
expect_eq "outbox tsv" "$OUT" "$(printf 'kind\twritten\tdelivered\tfailed\tsuppressed\texpired\twaiting\tdelivered_pct\tmedian_delay_s\ntip\t7\t2\t1\t1\t2\t1\t28.6\t90')"
as report outbox "${OP[@]}"
expect_rc "outbox text" 0
expect_out_has "outbox text: the row" "tip "
# boundaries: 8 (at the end) is the next period's; 1 (at the start) counts
as --format json report outbox --from 2026-10-09T08:00:00+08:00 --to 2026-10-10T00:00:00+08:00
expect_json_where "outbox: what is made at --to is the next period's" json \
    'd == [{"kind": "tip", "written": 1, "delivered": 0, "failed": 0, "suppressed": 0, "expired": 0, "waiting": 1, "delivered_pct": 0.0, "median_delay_s": None}]'
as --format json report outbox --from 2026-10-05T10:00:00+08:00 --to 2026-10-05T10:00:01+08:00
expect_json_where "outbox: what is made at --from counts" json \
    'len(d) == 1 and d[0]["written"] == 2 and d[0]["delivered"] == 1 and d[0]["median_delay_s"] == 120 and d[0]["delivered_pct"] == 50.0'
as --format json report outbox --from 2020-01-01 --to 2020-02-01
expect_json_where "outbox: an empty period is an empty list" json 'd == []'
as --format jsonl report outbox --from 2020-01-01 --to 2020-02-01
expect_rc "outbox jsonl empty" 0
expect_eq "outbox jsonl empty: no line" "$OUT" ""

# ---- fueling ----------------------------------------------------------------
cat >"$T/fuel.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan
A,U1,S1,2026-10-05T00:00:00+08:00,92,40,300.00
B,U1,S1,2026-10-11T23:59:59+08:00,95,30.5,250.50
C,U2,S1,2026-10-12T00:00:00+08:00,92,20,150.00
D,U2,S2,2026-10-14T08:00:00+08:00,92,10.001,80.01
E,U3,S2,2026-10-18T23:59:59+08:00,95,50,400.00
G,U1,S2,2026-10-19T00:00:00+08:00,92,10,100.00
H,U3,S1,2026-10-04T23:59:59+08:00,92,10,100.00
CSV
as fuel import "$T/fuel.csv"
expect_rc "fuel import" 0

FP=(--from 2026-10-05T00:00:00+08:00 --to 2026-10-19T00:00:00+08:00)
as report fuel --help
expect_rc "report fuel --help" 0
expect_out_has "fuel help: usage" "usage: aftersales report fuel --from TIME --to TIME"

as --format json report fuel "${FP[@]}" --by station
expect_rc "report fuel --by station" 0
expect_json_where "fuel by station: most spend first, A at --from in, G at --to and H out" json \
    'd == [{"station_id": "S1", "records": 3, "users": 2, "litres": 90.5, "amount_fen": 70050, "amount_yuan": "700.50", "price_fen_per_l": 774},
           {"station_id": "S2", "records": 2, "users": 2, "litres": 60.001, "amount_fen": 48001, "amount_yuan": "480.01", "price_fen_per_l": 800}]'
as --format json report fuel "${FP[@]}" --by grade
expect_json_where "fuel by grade" json \
    '[(l["grade"], l["records"], l["users"], l["litres"], l["amount_fen"], l["price_fen_per_l"]) for l in d] == [("95", 2, 2, 80.5, 65050, 808), ("92", 3, 2, 70.001, 53001, 757)] and all("station_id" not in l and "week" not in l for l in d)'
as --format json report fuel "${FP[@]}" --by station-grade
expect_json_where "fuel by station and grade" json \
    '[(l["station_id"], l["grade"], l["amount_fen"]) for l in d] == [("S1", "92", 45000), ("S2", "95", 40000), ("S1", "95", 25050), ("S2", "92", 8001)]'
as --format json report fuel "${FP[@]}" --by week
expect_json_where "fuel by week: Monday 00:00 +08:00 starts a week" json \
    'd == [{"week": "2026-10-05", "records": 2, "users": 1, "litres": 70.5, "amount_fen": 55050, "amount_yuan": "550.50", "price_fen_per_l": 781},
           {"week": "2026-10-12", "records": 3, "users": 2, "litres": 80.001, "amount_fen": 63001, "amount_yuan": "630.01", "price_fen_per_l": 788}]'
as --format json report fuel --from 2026-10-07 --to 2026-10-27 --by week --station S2
expect_json_where "fuel by week, partial weeks, empty ones too, one station" json \
    '[(l["week"], l["records"], l["amount_fen"], l["price_fen_per_l"]) for l in d] == [("2026-10-05", 0, 0, None), ("2026-10-12", 2, 48001, 800), ("2026-10-19", 1, 10000, 1000), ("2026-10-26", 0, 0, None)]'
as --format json report fuel "${FP[@]}" --by station --station S2
expect_json_where "fuel --station S2" json 'len(d) == 1 and d[0]["station_id"] == "S2" and d[0]["records"] == 2'
as --format json report fuel --from 2020-01-01 --to 2020-02-01 --by station
expect_json_where "fuel: an empty period is an empty list" json 'd == []'
as --format jsonl report fuel "${FP[@]}" --by week
expect_json_where "fuel jsonl" jsonl 'len(d) == 2 and d[1]["week"] == "2026-10-12"'
as --format tsv report fuel "${FP[@]}" --by station-grade
expect_eq "fuel tsv: header" "$(printf '%s\n' "$OUT" | head -1)" \
    "$(printf 'station_id\tgrade\trecords\tusers\tlitres\tamount_fen\tamount_yuan\tprice_fen_per_l')"
expect_eq "fuel tsv: first line" "$(printf '%s\n' "$OUT" | sed -n 2p)" \
    "$(printf 'S1\t92\t2\t2\t60.000\t45000\t450.00\t750')"
as report fuel "${FP[@]}" --by station
expect_rc "fuel text" 0
expect_out_has "fuel text: the header" "station_id"

# ---- demand -----------------------------------------------------------------
cat >"$T/s.csv" <<'CSV'
feedback_id,user_id,submitted_at,kind,comment
S1,U1,2026-11-20T10:00:00+08:00,suggestion,希望增加电子发票自动推送
S2,U2,2026-11-21T10:00:00+08:00,other,建议开电子发票更方便 13912345678
S4,U3,2026-11-19T10:00:00+08:00,,能不能支持云闪付
CSV
as feedback import "$T/s.csv"
expect_rc "suggestions" 0
as report demand --help
expect_rc "report demand --help" 0
expect_out_has "demand help: usage" "usage: aftersales report demand [--limit N] [--reveal]"
for fmt in json jsonl tsv text; do
    as --format $fmt demand list
    want=$OUT
    as --format $fmt report demand
    expect_rc "report demand $fmt" 0
    expect_eq "report demand $fmt is demand list" "$OUT" "$want"
done
as --format json report demand --limit 1
expect_json_where "report demand --limit 1" json 'len(d) == 1 and d[0]["topic"] == "电子发票" and d[0]["users"] == 2'
as --format json report demand --reveal
expect_json_where "report demand --reveal" json 'any("13912345678" in r["example"] for r in d)'

# ---- failures ----------------------------------------------------------------
as report outbox --from 2026-10-05
expect_rc "outbox without --to: usage" 64
as report outbox --from 2026-10-05 --to 2026-10-05
expect_rc "outbox --from equal to --to: usage" 64
expect_err_has "says why" "aftersales report outbox: --from is not before --to"
as report outbox "${OP[@]}" --station S1
expect_rc "outbox has no --station: usage" 64
as report fuel "${FP[@]}"
expect_rc "fuel without --by: usage" 64
as report fuel "${FP[@]}" --by day
expect_rc "fuel --by day: usage" 64
expect_err_has "names --by" "--by"
as report fuel "${FP[@]}" --by station --station "S 1"
expect_rc "fuel: a station that is not an id: usage" 64
expect_err_has "names --station" "--station: 'S 1' is not an id"
as report fuel --from 2026-11-01 --to 2026-10-01 --by grade
expect_rc "fuel --from after --to: usage" 64
as report fuel --from 1971-01-01 --to 2099-01-01 --by week
expect_rc "fuel --by week over more than 5300 weeks: usage" 64
expect_err_has "names --by week" "--by week: the period has more than 5300 weeks"
as report demand --limit 0
expect_rc "demand --limit 0: usage" 64
as --db "$T/none.db" report fuel "${FP[@]}" --by station
expect_rc "no database: 66" 66
as --db "$T/none.db" report outbox "${OP[@]}"
expect_rc "no database: 66 (outbox)" 66

finish
