#!/usr/bin/env bash
# station.sh - the station registry (import, show, list, near), profiles'
# cities from it, feedback stats by city, and trip planning.
. "$(dirname "$0")/lib.sh"

as init

# ---- import: bad rows with file, line and field ----
cat >"$T/bad.csv" <<'CSV'
station_id,name,region,city,lat,lon,grades,services,hours
,无号站,530102,昆明,25.0,102.7,92,,24h
B2,错区站,53010,昆明,25.0,102.7,92,,24h
B3,纬度站,530102,昆明,95.5,102.7,92,,24h
B4,服务站,530102,昆明,25.0,102.7,92,桑拿,24h
B5,时间站,530102,昆明,25.0,102.7,92,,25:00-06:00
B6,半坐标站,530102,昆明,25.0,,92,,24h
B7,好站,530102,昆明,25.0,102.7,92#|95,洗车、休息区,22:00-06:00
B8,油号站,530102,昆明,25.0,102.7,93x,,24h
CSV
as station import "$T/bad.csv"
expect_rc "bad rows: exit 65" 65
expect_err_has "missing id" "bad.csv:2: station_id:"
expect_err_has "bad region" "bad.csv:3: region: '53010' is not a 6-digit division code"
expect_err_has "latitude out of range" "bad.csv:4: lat: '95.5' is not a latitude"
expect_err_has "unknown service" "bad.csv:5: services: '桑拿' is not a known service"
expect_err_has "bad hours" "bad.csv:6: hours: '25:00-06:00' is not a time range"
expect_err_has "half a position" "bad.csv:7: lon: is missing (give both lat and lon, or neither)"
expect_err_has "bad grade" "bad.csv:9: grades: '93x' is not a fuel grade"
as station list
expect_out "nothing imported from a bad file" ""
as station import --skip-bad "$T/bad.csv"
expect_rc "skip-bad" 0
expect_err_has "skip-bad summary" "inserted 1, updated 0, unchanged 0, rejected 7"
as --format json station show B7
expect_json_where "grades normalised, services split on 、" json \
    'd["grades"] == ["92", "95"] and d["services"] == ["洗车", "休息区"] and d["hours"] == "22:00-06:00"'
printf '{"station_id":"J1","name":"线站","region":"530102","city":"昆明","lat":25.1,"lon":102.8,"grades":[92,"95"],"services":["便利店"]}\n{"station_id":"J2","name":"x","region":"530102","city":"昆明","lat":"north","lon":102.8}\n' >"$T/st.jsonl"
as station import --jsonl --skip-bad "$T/st.jsonl"
expect_err_has "JSON Lines: a bad latitude by line" "st.jsonl:2: lat: 'north' is not a latitude"
as --format json station show J1
expect_json_where "JSON Lines arrays" json 'd["grades"] == ["92", "95"] and d["services"] == ["便利店"] and d["hours"] == "24h"'
as station show NOPE
expect_rc "unknown station: exit 1" 1

# ---- a registry of Kunming; idempotent re-import ----
cat >"$T/km.csv" <<'CSV'
station_id,name,region,city,address,lat,lon,brand,grades,services,hours
K1,一站,530102,昆明,北京路1号,25.040,102.710,中石化,92|95,洗车|便利店,24h
K2,二站,530103,昆明,,25.100,102.750,中石油,92|95|0,休息区,06:00-22:00
K3,无坐标站,530102,昆明,,,,,92,,24h
K4,夜站,530111,昆明,,25.050,102.720,,95,,22:00-06:00
D1,大理站,532901,大理,,25.600,100.230,中石化,92,,24h
CSV
as station import "$T/km.csv"
expect_err_has "first import" "inserted 5, updated 0, unchanged 0, rejected 0"
as station import "$T/km.csv"
expect_err_has "re-import: unchanged" "inserted 0, updated 0, unchanged 5, rejected 0"
sed 's/K2,二站/K2,二站新/' "$T/km.csv" >"$T/km2.csv"
as station import "$T/km2.csv"
expect_err_has "a changed name: updated" "inserted 0, updated 1, unchanged 4, rejected 0"

# ---- list and near ----
as --format json station list --city 昆明
expect_json_where "list by city, in id order" json '[s["station_id"] for s in d] == ["B7", "J1", "K1", "K2", "K3", "K4"]'
as --format json station list --region 530100 --grade 0
expect_json_where "list by city code and grade" json '[s["station_id"] for s in d] == ["K2"]'
as --format json station list --service 洗车
expect_json_where "list by service" json '[s["station_id"] for s in d] == ["B7", "K1"]'
as --format json station near --at 25.040,102.710 --radius 10
expect_json_where "near: nearest first, no station without coordinates, radius kept" json \
    '[s["station_id"] for s in d][:3] == ["K1", "K4", "B7"] and "K3" not in [s["station_id"] for s in d] and "D1" not in [s["station_id"] for s in d] and all(s["distance_km"] <= 10 for s in d) and d[0]["distance_km"] == 0'
as --format json station near --at 25.040,102.710 --radius 1
expect_json_where "a smaller radius" json '[s["station_id"] for s in d] == ["K1"]'
as --format json station near --at 25.040,102.710 --radius 400 --limit 2
expect_json_where "limit" json 'len(d) == 2'
as --format json station near --at 25.040,102.710 --radius 400 --grade 92 --open-at 2026-05-01T23:30:00+08:00
expect_json_where "open at night: K2 (06:00-22:00) closed" json '"K2" not in [s["station_id"] for s in d] and "K1" in [s["station_id"] for s in d]'
as --format json station near --at 25.040,102.710 --radius 400 --open-at 2026-05-02T03:00:00+08:00
expect_json_where "22:00-06:00 is open at 03:00 the next day" json '"K4" in [s["station_id"] for s in d] and "B7" in [s["station_id"] for s in d]'
as --format json station near --at 25.040,102.710 --radius 400 --open-at 2026-05-02T12:00:00+08:00
expect_json_where "22:00-06:00 is closed at noon" json '"K4" not in [s["station_id"] for s in d]'
as station near --at 95,102 --radius 5
expect_rc "a point off the globe: usage" 64
as station near --at 25,102 --radius 0
expect_rc "radius 0: usage" 64
as station list --service 桑拿
expect_rc "unknown service: usage" 64
as --format tsv station list --city 大理
expect_out_has "tsv" "D1"

# ---- profiles count cities from the registry ----
as user add --id U1 --name 张三 --region 530102
cat >"$T/f.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate
T1,U1,K1,2026-04-01T09:00:00+08:00,95,40,300,10000,云A12345
T2,U1,K2,2026-04-08T09:00:00+08:00,95,40,300,10500,云A12345
T3,U1,K1,2026-04-15T09:00:00+08:00,95,40,300,11000,云A12345
T4,U1,X9,2026-04-22T09:00:00+08:00,95,40,300,11500,云A12345
CSV
as fuel import "$T/f.csv"
expect_rc "fill-ups" 0
as --format json user profile U1 --at 2026-05-01T00:00:00+08:00
expect_json_where "cities: K1 and K2 are one city (5301), X9 is unknown" json 'd["cities"] == 1 and d["stations"] == 3'
as profile refresh --at 2026-05-01T00:00:00+08:00
as --format json user profile U1 --at 2026-05-01T00:00:00+08:00
expect_json_where "the full pass (a map) agrees" json 'd["cities"] == 1'
printf 'station_id,name,region,city\nX9,大理二站,532901,大理\n' >"$T/x9.csv"
as station import "$T/x9.csv"
as --format json user profile U1 --at 2026-05-01T00:00:00+08:00
expect_json_where "a new station in another city: the stored profile is brought up to date" json 'd["cities"] == 2'
as --format json user profile U1 --at 2026-04-10T00:00:00+08:00
expect_json_where "the window is kept: at T only fill-ups up to T" json 'd["cities"] == 1'

# ---- feedback stats by city and region ----
cat >"$T/fb.csv" <<'CSV'
feedback_id,user_id,station_id,submitted_at,channel,kind,overall,comment
F1,U1,K1,2026-04-02T10:00:00+08:00,app,other,5,好
F2,U1,D1,2026-04-03T10:00:00+08:00,app,other,2,慢
F3,U1,ZZ,2026-04-04T10:00:00+08:00,app,other,4,一般
CSV
as feedback import "$T/fb.csv"
expect_rc "feedback" 0
as --format json feedback stats --by city
expect_json_where "by city: a group per registry city, null for an unknown station" json \
    'sorted((s["city"] or "", s["count"]) for s in d) == [("", 1), ("大理", 1), ("昆明", 1)]'
as --format json feedback stats --by region
expect_json_where "by region" json 'sorted(s["region"] or "" for s in d) == ["", "530102", "532901"]'

# ---- trips on synthetic routes: a straight line along latitude 30 ----
cat >"$T/line.csv" <<'CSV'
station_id,name,region,city,lat,lon,brand,grades,services,hours
L1,一号,510104,成都,30.01,101.0,中石化,92|95,,24h
L2,二号,510104,成都,30.00,102.0,中石油,92|95,洗车,24h
L3,三号,511802,雅安,30.00,103.0,中石化,95,,06:00-22:00
L4,四号,511802,雅安,30.02,104.0,,92|95,休息区,24h
L5,五号,511802,雅安,30.00,102.8,壳牌,92,,24h
L6,六号,511802,雅安,,,,95,,24h
CSV
as station import "$T/line.csv"
as user add --id U2 --name 李四 --region 510104
as vehicle add --user U2 --plate 川A12345 --grade 95
printf '30,100\n30,105\n' >"$T/r.txt"
as --format json trip plan --plate 川A12345 --route "$T/r.txt" --level 100% --tank 30 --depart 2026-05-01T08:00:00+08:00
expect_json_where "straight line: one stop at the furthest reachable (L3), the grade kept (not L5)" json \
    'd["feasible"] and [s["station_id"] for s in d["stops"]] == ["L3"] and d["stops"][0]["reason"] == "range" and abs(d["route_km"] - 481.5) < 1 and d["consumption_from"] == "default" and d["arrive_litres"] >= d["reserve_litres"]'
as --format json trip plan --plate 川A12345 --route "$T/r.txt" --level 100% --tank 30 --depart 2026-05-01T20:00:00+08:00
expect_json_where "at night the closed station (L3, 06:00-22:00) is skipped" json \
    'd["feasible"] and "L3" not in [s["station_id"] for s in d["stops"]] and d["stops"][0]["station_id"] == "L2"'
as --format json trip plan --plate 川A12345 --route "$T/r.txt" --level 100% --tank 30 --grade 92 --depart 2026-05-01T08:00:00+08:00
expect_json_where "grade 92: L5 (92 only) may stop, L3 (95 only) not" json \
    'd["grade"] == "92" and "L3" not in [s["station_id"] for s in d["stops"]] and "L5" in [s["station_id"] for s in d["stops"]]'
as --format json trip plan --plate 川A12345 --route "$T/r.txt" --level 100% --tank 30 --want 洗车 --depart 2026-05-01T08:00:00+08:00
expect_json_where "a wanted service far back is not taken (out of the last 20%)" json '[s["station_id"] for s in d["stops"]] == ["L3"]'
as trip plan --plate 川A12345 --route "$T/r.txt" --level 5 --tank 30 --depart 2026-05-01T08:00:00+08:00
expect_rc "a gap longer than the range: exit 65" 65
expect_err_has "the gap is named" "gap from km 0.0 to km 96.3"
expect_out_has "the partial plan is printed" "feasible:"
printf '30,100\n30,110\n' >"$T/long.txt"
as --format json trip plan --plate 川A12345 --route "$T/long.txt" --level 100% --tank 30 --depart 2026-05-01T08:00:00+08:00
expect_rc "beyond the last station: exit 65" 65
expect_eq "the stops up to the gap, the gap to the end" \
    "$(json_get '[s["station_id"] for s in d["stops"]] == ["L3", "L4"] and d["gap"]["from_km"] > 380 and d["gap"]["to_km"] > 900')" True

# usual station: U2 fueled at L2 twice; within the last 20% of the span?
# From the start with 22 l the furthest reachable is L2 (192.6 km): the
# span's last 20% is 154-193 km; L1 at 96 km is not in it.  A usual station
# in it wins: make L7 at 170 km usual.
printf 'station_id,name,region,city,lat,lon,grades\nL7,七号,510104,成都,30.0,101.77,95\n' >"$T/l7.csv"
as station import "$T/l7.csv"
cat >"$T/f2.csv" <<'CSV'
tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate
U2T1,U2,L7,2026-04-01T09:00:00+08:00,95,40,300,20000,川A12345
U2T2,U2,L7,2026-04-10T09:00:00+08:00,95,40,300,20500,川A12345
CSV
as fuel import "$T/f2.csv"
as --format json trip plan --plate 川A12345 --route "$T/r.txt" --level 22 --tank 30 --depart 2026-05-01T08:00:00+08:00
expect_json_where "usual station preferred near the end of the span" json \
    'd["stops"][0]["station_id"] == "L7" and d["stops"][0]["reason"] == "usual station" and d["consumption_from"] == "records"'
as --format json trip plan --plate 川A12345 --route "$T/r.txt" --depart 2026-05-01T08:00:00+08:00
expect_json_where "level from the last fill-up (full tank), consumption from the records" json \
    'd["start_from"] == "last fill-up" and d["start_litres"] == 50 and d["consumption_from"] == "records" and d["l_per_100km"] == 8'

# GeoJSON ([lon, lat]) and lat,lon give the same plan
printf '{"type": "LineString", "coordinates": [[100, 30], [105, 30]]}\n' >"$T/r.geojson"
as --format json trip plan --plate 川A12345 --route "$T/r.geojson" --level 100% --tank 30 --depart 2026-05-01T08:00:00+08:00
A=$OUT
as --format json trip plan --plate 川A12345 --route "$T/r.txt" --level 100% --tank 30 --depart 2026-05-01T08:00:00+08:00
expect_eq "GeoJSON and lat,lon lines agree" "$A" "$OUT"
printf '{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[100,30],[105,30]]}}' |
    as --format json trip plan --plate 川A12345 --route - --level 100% --tank 30 --depart 2026-05-01T08:00:00+08:00
expect_eq "a Feature from stdin" "$A" "$OUT"

# malformed routes
printf '30,100\n30,abc\n' >"$T/m1.txt"
as trip plan --plate 川A12345 --route "$T/m1.txt" --level 100%
expect_rc "malformed line: 65" 65
expect_err_has "its line" "m1.txt: line 2: '30,abc' is not a point 'lat,lon'"
printf '# a comment\n\n30,100\n95,100\n' >"$T/m2.txt"
as trip plan --plate 川A12345 --route "$T/m2.txt" --level 100%
expect_err_has "latitude out of range with its line" "m2.txt: line 4: latitude 95 is out of range"
printf '30,100\n' >"$T/m3.txt"
as trip plan --plate 川A12345 --route "$T/m3.txt" --level 100%
expect_err_has "one point" "a route needs at least 2 points (found 1)"
printf '{"type":"LineString","coordinates":[[30,100],[30,105]]}' >"$T/m4.json"
as trip plan --plate 川A12345 --route "$T/m4.json" --level 100%
expect_err_has "GeoJSON positions swapped" "coordinates[0]: latitude 100 is out of range"
printf '{"type":"Polygon","coordinates":[]}' >"$T/m5.json"
as trip plan --plate 川A12345 --route "$T/m5.json" --level 100%
expect_err_has "not a LineString" "type 'Polygon' is not a LineString"
printf '{"type":"LineString",\n "coordinates":[[100,30] [105,30]]}' >"$T/m6.json"
as trip plan --plate 川A12345 --route "$T/m6.json" --level 100%
expect_err_has "broken JSON with its line" "m6.json: line 2: not JSON"
as trip plan --plate 川A12345 --route "$T/none.txt" --level 100%
expect_rc "a missing route file: 66" 66
as trip plan --plate 川B99999 --route "$T/r.txt" --level 100%
expect_rc "unknown vehicle: 1" 1
as trip plan --plate 川A12345 --route "$T/r.txt" --level 120%
expect_rc "a level above 100%: usage" 64
as trip plan --plate 川A12345 --route "$T/r.txt" --want 桑拿
expect_rc "an unknown wanted service: usage" 64
as vehicle add --user U2 --plate 川A54321
as trip plan --plate 川A54321 --route "$T/r.txt" --level 50%
expect_rc "no grade known: 65" 65
expect_err_has "no grade known message" "no grade is known for 川A54321"
as trip plan --plate 川A54321 --route "$T/r.txt" --grade 95
expect_err_has "no level known" "no fill-up of 川A54321 is recorded"
as trip plan --help
expect_rc "trip plan --help" 0
as station near --help
expect_rc "station near --help" 0

# A station near the east edge of a large radius (the box is a cap's, not a
# square of radius / cos(lat)): 1,989 km from 40,100.
cat >"$T/far.csv" <<'CSV'
station_id,name,region,city,lat,lon
EDGE1,东缘,530102,昆明,42.490771,123.640037
CSV
as --db "$T/far.db" init
as --db "$T/far.db" station import "$T/far.csv"
as --db "$T/far.db" --format json station near --at 40,100 --radius 2000
expect_json_where "near: a station 1,989 km away is within 2,000 km" json '[x["station_id"] for x in d] == ["EDGE1"]'
as --db "$T/far.db" --format tsv station near --at 40,100 --radius 1980
expect_eq "near: not within 1,980 km" "$(printf '%s\n' "$OUT" | tail -n +2 | grep -c EDGE1)" 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
