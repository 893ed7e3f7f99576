# contract/70-stations.sh - the station registry and trip planning (user CU1
# with the vehicle 云A12345 and fill-ups at S1 come from 00-ops.sh).
cat >"$T/c-stations.csv" <<'CSV'
station_id,name,region,city,address,lat,lon,brand,grades,services,hours
S1,昆明一站,530102,昆明,北京路1号,30.0,101.0,中石化,92|95,洗车|便利店,24h
S2,昆明二站,530103,昆明,,30.0,102.5,中石油,92,休息区,06:00-22:00
S3,无坐标站,530102,昆明,,,,,92,,
CSV
contract "station import" station import "$T/c-stations.csv"
contract "station import" station import --dry-run "$T/c-stations.csv"
contract_both "station show" station show S1
contract "station show" station show S3
as --format json station show S3
expect_json_where "station show: no coordinates are nulls" json \
    'd["lat"] is None and d["lon"] is None and d["brand"] is None and d["grades"] == ["92"] and d["services"] == []'
contract_both "station list" station list
contract "station list" station list --city 昆明 --grade 92 --service 洗车
contract_both "station near" station near --at 30.0,101.01 --radius 200
as --format json station near --at 30.0,101.01 --radius 200
expect_json_where "station near: nearest first, with distances, no station without coordinates" json \
    '[s["station_id"] for s in d] == ["S1", "S2"] and d[0]["distance_km"] < d[1]["distance_km"]'
contract_both "feedback stats" feedback stats --by city
contract_both "feedback stats" feedback stats --by region
printf '30,100\n30,104\n' >"$T/c-route.txt"
contract_both "trip plan" trip plan --plate 云A12345 --route "$T/c-route.txt" --level 100% --tank 30 \
    --depart 2026-05-01T08:00:00+08:00
as --format json trip plan --plate 云A12345 --route "$T/c-route.txt" --level 100% --tank 30 \
    --depart 2026-05-01T08:00:00+08:00
expect_json_where "trip plan: feasible, one stop with its reason" json \
    'd["feasible"] and d["gap"] is None and [s["station_id"] for s in d["stops"]] == ["S2"] and d["stops"][0]["order"] == 1'
contract_rc 65 "trip plan" trip plan --plate 云A12345 --route "$T/c-route.txt" --level 5 --tank 30 \
    --depart 2026-05-01T08:00:00+08:00
as --format json trip plan --plate 云A12345 --route "$T/c-route.txt" --level 5 --tank 30 \
    --depart 2026-05-01T08:00:00+08:00
expect_rc "trip plan: a gap exits 65" 65
expect_eq "trip plan: the gap" \
    "$(json_get 'not d["feasible"] and d["arrive"] is None and d["gap"]["from_km"] == 0 and d["stops"] == []')" True
