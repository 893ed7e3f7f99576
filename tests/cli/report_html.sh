#!/usr/bin/env bash
# report_html.sh - aftersales report html: a month of service made from the
# command line (tickets, surveys, feedback, fueling, reminders, coupons),
# the page checked as XML (xmllint), every number of it against the JSON
# reports it is made of, every chart's bars and points against the same
# JSON, the station filter, English labels, an empty period ("no data",
# nothing drawn), the failure paths; and, when a headless Chromium and a
# CJK font are installed, the page as a browser draws it: a screenshot of
# each section and the charts counted in the browser's DOM.
. "$TESTS_DIR/cli/lib.sh"

CHECK="$TESTS_DIR/cli/html_check.py"
P=(--from 2026-10-01T00:00:00+08:00 --to 2026-11-01T00:00:00+08:00)

as init
expect_rc "init" 0
cat >"$T/users.csv" <<'CSV'
user_id,name,phone,region,consent_marketing
U1,张三,13800138000,530102,yes
U2,李四,13900139000,530102,yes
U3,王五,13700137000,110105,no
U4,赵六,13600136000,440305,yes
CSV
as user import "$T/users.csv"
expect_rc "users" 0

# Fueling: two stations, two grades, a record at each end of the period.
{
    echo "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan"
    echo "F0,U1,S1,2026-09-30T23:59:59+08:00,92,40,300"
    echo "F1,U1,S1,2026-10-01T00:00:00+08:00,92,40,290.50"
    echo "F2,U2,S1,2026-10-08T09:00:00+08:00,95,30,250"
    echo "F3,U2,S2,2026-10-15T09:00:00+08:00,95,35.5,300"
    echo "F4,U4,S2,2026-10-22T18:00:00+08:00,92,50,360"
    echo "F5,U1,S1,2026-10-29T07:00:00+08:00,92,41,300"
    echo "F6,U4,S2,2026-11-01T00:00:00+08:00,92,50,360"
} >"$T/fuel.csv"
as fuel import "$T/fuel.csv"
expect_rc "fuel import" 0

# Feedback: praise, complaints (one angry enough to open a ticket), a
# suggestion for the demand topics.
cat >"$T/feedback.csv" <<'CSV'
feedback_id,user_id,station_id,submitted_at,channel,kind,overall,service,payment,comment
FB1,U1,S1,2026-10-02T09:00:00+08:00,app,praise,5,5,5,加油很方便，服务非常热情
FB2,U2,S1,2026-10-09T18:30:00+08:00,app,complaint,1,2,1,付款时被重复扣款，非常愤怒，再不退款就投诉
FB3,U3,S2,2026-10-16T08:10:00+08:00,wechat,suggestion,4,4,4,希望增加电子发票自动推送
FB4,U4,S2,2026-10-23T20:45:00+08:00,app,complaint,2,2,3,排队太久，服务态度很差，很失望
FB5,U1,S1,2026-11-02T10:00:00+08:00,app,praise,5,5,5,很好
CSV
as feedback import "$T/feedback.csv"
expect_rc "feedback import" 0

# Tickets: three in the period (one per channel), answered, resolved, rated.
open_ticket() {
    as --format json ticket open --user "$1" --channel "$2" --category "$3" --subject "$4" \
        --station "$5" --at "$6"
    json_get 'd["tracking"]'
}
K1=$(open_ticket U1 app payment 重复扣款 S1 2026-10-05T10:00:00+08:00)
K2=$(open_ticket U2 phone coupon 优惠券用不了 S2 2026-10-12T11:00:00+08:00)
K3=$(open_ticket U4 wechat service 服务态度 S2 2026-10-20T15:00:00+08:00)
# Hostile text: markup, quotes and a non-character in a category.
K4=$(open_ticket U3 web $'<b>&"\'\xef\xbf\xbf' 标题 S9 2026-10-21T15:00:00+08:00)
[ -n "$K1" ] && [ -n "$K2" ] && [ -n "$K3" ] && [ -n "$K4" ] && pass "tickets opened" || fail "tickets opened"
as ticket assign "$K1" --to alice --by lead --at 2026-10-05T10:05:00+08:00
as ticket reply "$K1" --message 已收到 --by alice --at 2026-10-05T10:20:00+08:00
as ticket resolve "$K1" --message 已退款 --by alice --at 2026-10-05T16:00:00+08:00
expect_rc "resolve K1" 0
as survey record "$K1" --score 5 --at 2026-10-06T09:00:00+08:00
expect_rc "survey K1" 0
as ticket assign "$K2" --to bob --by lead --at 2026-10-12T11:10:00+08:00
as ticket reply "$K2" --message 在查 --by bob --at 2026-10-12T14:00:00+08:00
as ticket resolve "$K2" --message 已补发 --by bob --at 2026-10-14T10:00:00+08:00
as survey record "$K2" --score 2 --at 2026-10-15T09:00:00+08:00
as sla check --at 2026-10-31T23:00:00+08:00
expect_rc "sla check" 0

# Reminders and coupons write to the outbox; one notification is delivered.
as remind run --at 2026-10-29T20:00:00+08:00
expect_rc "remind run" 0
as coupon issue --user U2 --template refuel_cycle --at 2026-10-10T00:00:00+08:00
expect_rc "coupon issue" 0
as --format json outbox pull --limit 1 --lease 60s --at 2026-10-30T09:00:00+08:00
lease=$(json_get 'd[0]["lease"] if d else ""')
[ -n "$lease" ] && as outbox ack "$lease" --at 2026-10-30T09:00:05+08:00

# ---- help ---------------------------------------------------------------
as report html --help
expect_rc "report html --help" 0
expect_out_has "help has a usage line" "usage: aftersales report html --from TIME --to TIME"
expect_out_has "help lists the sections" "loyalty    coupons by source and the points ledger"
as report --help
expect_out_has "report --help lists html" "report html"

# ---- the page ------------------------------------------------------------
as report html "${P[@]}" -o "$T/r.html"
expect_rc "report html -o" 0
expect_out_has "says where it wrote" "$T/r.html"
as --format json report html "${P[@]}" --output "$T/r.html"
expect_rc "report html --output, json" 0
expect_eq "the record names the file" "$(json_get 'd["path"]')" "$T/r.html"
expect_eq "and its size" "$(json_get 'd["bytes"]')" "$(stat -c %s "$T/r.html")"
expect_eq "and the sections" "$(json_get '",".join(d["sections"])')" \
    "sla,times,csat,tickets,feedback,sentiment,urgent,demand,outbox,fuel,loyalty"
as report html "${P[@]}"
expect_rc "to standard output" 0
expect_out_has "the page on standard output" "<!DOCTYPE html>"
ls "$T"/r.html.tmp.* >/dev/null 2>&1 && fail "no temporary file is left" || pass "no temporary file is left"

if xmllint --noout "$T/r.html" 2>"$T/xml.err"; then pass "well-formed XML (xmllint)"
else fail "well-formed XML (xmllint)" "$(head -5 "$T/xml.err")"; fi
page=$(cat "$T/r.html")
case $page in
*"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>"*)
    pass "the CSP meta tag" ;;
*) fail "the CSP meta tag" ;;
esac
case $page in *"<script"*) fail "no script" ;; *) pass "no script" ;; esac
if grep -Eo '(src|href|xlink:href|url)[=(]"?[^"#)]' "$T/r.html" | grep -q .; then
    fail "nothing loaded from outside" "$(grep -Eo '(src|href|url)[=(]"?[^"#)][^" ]*' "$T/r.html" | head -3)"
else pass "nothing loaded from outside (only #anchors)"; fi
case $page in *'name="viewport"'*) pass "a viewport for phones" ;; *) fail "a viewport for phones" ;; esac
for s in sla times csat tickets feedback sentiment urgent demand outbox fuel loyalty; do
    case $page in *"data-section=\"$s\""*) ;; *) fail "section $s is in the page"; continue ;; esac
done
pass "every section is in the page"
n=$(grep -o 'data-nodata=' "$T/r.html" | wc -l)
expect_eq "no section of a month with data says no data" "$n" 0
case $page in *"<title>"*"</title>"*) pass "tooltips" ;; *) fail "tooltips" ;; esac
case $page in *'&lt;b&gt;&amp;&quot;&#39;'$'\xef\xbf\xbd'*) pass "hostile text escaped, U+FFFF replaced" ;;
*) fail "hostile text escaped, U+FFFF replaced" ;; esac
case $page in *"<b>&"*) fail "no raw markup from the data" ;; *) pass "no raw markup from the data" ;; esac

run python3 "$CHECK" numbers "$T/r.html" -- "$AFTERSALES"
if [ "$RC" -eq 0 ]; then pass "every number equals the JSON reports ($OUT)"
else fail "every number equals the JSON reports"; fi
run python3 "$CHECK" charts "$T/r.html" -- "$AFTERSALES"
if [ "$RC" -eq 0 ]; then pass "every chart draws its JSON values ($OUT)"
else fail "every chart draws its JSON values"; fi
case $OUT in "charts 0 "*) fail "the page has charts" ;; *) pass "the page has charts" ;; esac

# Exact figures the page must show (the fixture's month).
# S1: F1 (at --from), F2, F5 = 290.50 + 250 + 300; S2: F3, F4 (F6 is at --to).
fuel_rows=$(grep -o '<table class="data" data-source="report fuel --by station">.*' "$T/r.html" |
    sed 's|</table>.*||')
case $fuel_rows in
*'data-k="0/station_id">S1</th><td data-k="0/records">3</td><td data-k="0/users">2</td><td data-k="0/litres">111.000</td><td data-k="0/amount_yuan">840.50</td>'*)
    pass "fuel by station: S1's row, exactly" ;;
*) fail "fuel by station: S1's row, exactly" "$fuel_rows" ;;
esac

# ---- a station, English ---------------------------------------------------
as report html "${P[@]}" --station S2 --lang en -o "$T/s2.html"
expect_rc "--station --lang en" 0
xmllint --noout "$T/s2.html" && pass "S2's page is XML" || fail "S2's page is XML"
grep -q 'lang="en"' "$T/s2.html" && pass "English page" || fail "English page"
grep -q 'SLA attainment' "$T/s2.html" && pass "English labels" || fail "English labels"
grep -q 'Station: S2' "$T/s2.html" && pass "names the station" || fail "names the station"
run python3 "$CHECK" numbers "$T/s2.html" -- "$AFTERSALES" --station S2
[ "$RC" -eq 0 ] && pass "S2's numbers equal the JSON reports with --station ($OUT)" ||
    fail "S2's numbers equal the JSON reports with --station"
run python3 "$CHECK" charts "$T/s2.html" -- "$AFTERSALES" --station S2
[ "$RC" -eq 0 ] && pass "S2's charts" || fail "S2's charts"

# ---- sections, top --------------------------------------------------------
as --format json report html "${P[@]}" --sections fuel,sla --top 1 -o "$T/two.html"
expect_rc "--sections --top" 0
expect_eq "the record lists the sections in page order" "$(json_get '",".join(d["sections"])')" "sla,fuel"
n=$(grep -o 'data-section=' "$T/two.html" | wc -l)
expect_eq "only those sections" "$n" 2
grep -q '（前 1 项，共 2 项）' "$T/two.html" && pass "a cut list says how many there are" ||
    fail "a cut list says how many there are"
run python3 "$CHECK" numbers "$T/two.html" -- "$AFTERSALES"
[ "$RC" -eq 0 ] && pass "the top rows still equal the JSON" || fail "the top rows still equal the JSON"

# ---- an empty period --------------------------------------------------------
as report html --from 2020-01-01 --to 2020-02-01 -o "$T/empty.html"
expect_rc "an empty period" 0
xmllint --noout "$T/empty.html" && pass "the empty page is XML" || fail "the empty page is XML"
n=$(grep -o 'data-nodata=' "$T/empty.html" | wc -l)
# The demand topics are not of the period: the suggestion FB3 is one.
expect_eq "every section of the period says no data" "$n" 10
grep -q '本期无数据' "$T/empty.html" && pass "in words" || fail "in words"
n=$(grep -o 'class="bar \|class="pt ' "$T/empty.html" | grep -c . || true)
bars_demand=$(python3 "$CHECK" charts "$T/empty.html" -- "$AFTERSALES" | head -1)
case $bars_demand in "charts 1 "*|"charts 0 "*) pass "no empty charts ($bars_demand)" ;;
*) fail "no empty charts" "$bars_demand" ;; esac

# ---- failures ----------------------------------------------------------------
as report html --from 2026-11-01 --to 2026-10-01
expect_rc "--from after --to" 64
as report html --from 1971-01-01T00:00:00+08:00 --to 2200-01-01T00:00:00+08:00
expect_rc "a period over 5300 weeks is a bad option" 64
expect_err_has "says why" "the period is longer than 5300 weeks"
as report sla --by week --from 1971-01-01T00:00:00+08:00 --to 2200-01-01T00:00:00+08:00
expect_rc "report sla --by week over 10000 weeks is a bad option too" 64
as report html "${P[@]}" --sections sla,charts
expect_rc "an unknown section" 64
expect_err_has "names it" "unknown section 'charts'"
as report html "${P[@]}" --top 0
expect_rc "--top 0" 64
as report html "${P[@]}" --lang fr
expect_rc "--lang fr" 64
as --format json report html "${P[@]}"
expect_rc "--format without --output" 64
as report html "${P[@]}" --station "bad id"
expect_rc "a bad station id" 64
as report html "${P[@]}" -o "$T/no/such/dir/r.html"
expect_rc "a file that cannot be created" 73
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo.html" &
as --format json report html "${P[@]}" -o "$T/fifo"
wait
expect_rc "-o a pipe: written into it" 0
expect_eq "the bytes the pipe got" "$(json_get 'd["bytes"]')" "$(stat -c %s "$T/from-fifo.html")"
[ -p "$T/fifo" ] && pass "the pipe is still a pipe" || fail "the pipe is still a pipe"
as report html "${P[@]}" -o /dev/full
expect_rc "a file that cannot be written" 74
as report html
expect_rc "no period" 64
AFTERSALES_DB="$T/none.db" as report html "${P[@]}"
[ "$RC" -ne 0 ] && pass "no database" || fail "no database"

# ---- in a browser -------------------------------------------------------------
browser=""
for b in chromium-headless-shell chromium chromium-browser; do
    command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
cjk_font=no
if fc-list 2>/dev/null | grep -qi 'wqy\|noto sans cjk' || ls /usr/share/fonts/truetype/wqy/wqy-microhei.ttc >/dev/null 2>&1; then
    cjk_font=yes
fi
if [ -n "${ASAN_OPTIONS:-}" ]; then
    # The sanitizer run checks the code that made the page (above); how a
    # browser draws it is the plain run's to check, once.
    echo "ok - skipped: the browser checks run in the plain build, not under the sanitizers"
elif [ -z "$browser" ] || [ "$cjk_font" = no ]; then
    echo "ok - skipped: the browser checks need chromium and a CJK font (scripts/install-deps installs them)"
else
    chrome() { "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --user-data-dir="$T/chrome" "$@" 2>>"$T/chrome.log"; }
    for s in sla times csat tickets feedback sentiment urgent demand outbox fuel loyalty; do
        as report html "${P[@]}" --sections "$s" -o "$T/$s.html"
        chrome --screenshot="$T/$s.png" --window-size=412,1400 "file://$T/$s.html" >/dev/null
        run python3 "$CHECK" png "$T/$s.png" 6
        [ "$RC" -eq 0 ] && pass "screenshot of $s on a phone-sized window ($OUT)" ||
            fail "screenshot of $s" "$(tail -3 "$T/chrome.log")"
    done
    chrome --dump-dom "file://$T/r.html" >"$T/dom.html"
    grep -q '<svg' "$T/dom.html" && pass "the browser read the page" || fail "the browser read the page"
    run python3 "$CHECK" charts "$T/dom.html" -- "$AFTERSALES"
    [ "$RC" -eq 0 ] && pass "in the browser's DOM every chart has its bars and points ($OUT)" ||
        fail "in the browser's DOM every chart has its bars and points"
    chrome --dump-dom "file://$T/empty.html" >"$T/dom-empty.html"
    n=$(grep -o 'data-nodata=' "$T/dom-empty.html" | wc -l)
    expect_eq "the browser shows the empty sections' no data" "$n" 10
fi

finish
