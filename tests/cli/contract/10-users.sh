# contract/10-users.sh - users, vehicles and profiles (users CU1, CU2, the
# fueling records and the profile refresh come from 00-ops.sh; this part
# adds its own users for the commands that change them).
contract "user add" user add --id CU10 --name 王五 --phone 13700137000 --region 530103 \
    --quiet-hours 22:00-07:00 --consent-marketing yes --beta-tester yes
contract "user update" user update CU10 --name 王五五 --consent-service no
contract_both "user show" user show CU10 --reveal
contract_both "user list" user list --limit 5
as --format json user list --limit 5
expect_json_where "user list: typed fields" json \
    'all(type(u["consent_service"]) is bool and type(u["beta_tester"]) is bool for u in d) and len(d) >= 3'
cat >"$T/c-users2.csv" <<'CSV'
user_id,name,phone,region,consent_marketing
CU11,赵六,13600136000,530102,yes
CU12,钱七,,530102,no
CSV
contract "user import" user import "$T/c-users2.csv"
contract "user forget" user forget CU12 --force

contract_both "user profile" user profile CU1
contract_both "user profile" user profile CU1 --at 2026-09-20T00:00:00+08:00
as --format json user profile CU1 --at 2026-09-20T00:00:00+08:00
expect_json_where "user profile --at: as of that time, per vehicle" json \
    'd["refreshed_at"] == "2026-09-20T00:00:00+08:00" and isinstance(d["vehicles"], list) and d["vehicles"] and all(isinstance(v["fillups"], int) for v in d["vehicles"])'
as --format json user profile CU1
expect_json_where "user profile: nested and typed values" json \
    'd["top_stations"] == ["S1"] and d["tier_benefits"] and all(type(b) is str for b in d["tier_benefits"]) and d["median_interval_days"] == 14.0 and d["litres_per_fill"] == 40.75 and d["spend_12m_fen"] == 60550 and d["spend_12m_yuan"] == "605.50"'

contract "vehicle add" vehicle add --user CU10 --plate 云A54321 --grade 95
contract "vehicle odometer" vehicle odometer --plate 云A54321 --km 20000 --at 2026-09-01T10:00:00+08:00
contract "vehicle service" vehicle service --plate 云A54321 --km 20100 --at 2026-09-10T10:00:00+08:00
contract "vehicle update" vehicle update 云A54321 --grade 92
contract "profile update" profile update --at 2026-10-01T00:00:00+08:00
contract_both "vehicle show" vehicle show 云A54321
contract_both "vehicle list" vehicle list --user CU10
contract_both "vehicle readings" vehicle readings 云A54321
as --format json vehicle readings 云A54321
expect_json_where "vehicle readings: both readings, typed" json \
    '[(r["km"], r["forced"]) for r in d] == [(20000, False), (20100, False)]'
