/* test_station.c - the station registry, opening hours, routes and trip
 * planning through the C API. */
#include "helpers.h"
#include "internal.h"

#include <math.h>

TestSuite(station, .fini = th_cleanup);

typedef struct rejects {
    char text[4096];
    int n;
} rejects;

static void on_reject(void *ud, const as_reject *r)
{
    rejects *rj = ud;
    size_t len = strlen(rj->text);
    snprintf(rj->text + len, sizeof rj->text - len, "%s:%llu:%s:%s\n", r->file,
             (unsigned long long)r->line, r->field ? r->field : "-", r->reason);
    rj->n++;
}

static as_status import_text(as_db *db, const char *text, rejects *rj, unsigned flags,
                             as_import_stats *stats)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    o.on_reject = on_reject;
    o.userdata = rj;
    as_status st = as_station_import(db, f, "st.csv", &o, stats);
    fclose(f);
    return st;
}

static const char line_csv[] =
    "station_id,name,region,city,lat,lon,brand,grades,services,hours\n"
    "L1,一号,510104,成都,30.01,101.0,中石化,92|95,,24h\n"
    "L2,二号,510104,成都,30.00,102.0,中石油,92|95,洗车,24h\n"
    "L3,三号,511802,雅安,30.00,103.0,中石化,95,,06:00-22:00\n"
    "L4,四号,511802,雅安,30.02,104.0,,92|95,休息区,24h\n"
    "L6,无坐标,511802,雅安,,,,95,,24h\n";

static as_db *with_line(void)
{
    as_db *db = th_open_new();
    rejects rj = {"", 0};
    as_import_stats s;
    cr_assert_eq(import_text(db, line_csv, &rj, 0, &s), AS_OK, "%s %s", as_errmsg(db), rj.text);
    cr_assert_eq(s.inserted, 5);
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_NAME;
    in.user_id = "U1";
    in.name = "张三";
    cr_assert_eq(as_user_add(db, &in), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U1", "川A12345", "95", NULL), AS_OK);
    return db;
}

Test(station, bad_rows_name_line_and_field)
{
    as_db *db = th_open_new();
    rejects rj = {"", 0};
    as_import_stats s;
    const char *csv = "station_id,name,region,city,lat,lon,services,hours\n"
                      ",a,530102,昆明,,,,\n"
                      "B2,b,5301,昆明,,,,\n"
                      "B3,c,530102,昆明,-91,100,,\n"
                      "B4,d,530102,昆明,,,桑拿,\n"
                      "B5,e,530102,昆明,,,,mon-xyz 06:00-22:00\n"
                      "B6,f,530102,昆明,25,102,洗车,\"mon-fri 06:00-22:00; sat,sun closed\"\n";
    cr_assert_eq(import_text(db, csv, &rj, 0, &s), AS_INVALID);
    cr_assert_eq(s.rejected, 5, "%s", rj.text);
    cr_assert(strstr(rj.text, "st.csv:2:station_id:"), "%s", rj.text);
    cr_assert(strstr(rj.text, "st.csv:3:region:"), "%s", rj.text);
    cr_assert(strstr(rj.text, "st.csv:4:lat:"), "%s", rj.text);
    cr_assert(strstr(rj.text, "st.csv:5:services:"), "%s", rj.text);
    cr_assert(strstr(rj.text, "st.csv:6:hours:"), "%s", rj.text);
    as_station *st = NULL;
    cr_assert_eq(as_station_get(&st, db, "B6"), AS_NOTFOUND);
    cr_assert_null(st);
    rj.text[0] = '\0';
    cr_assert_eq(import_text(db, csv, &rj, AS_IMPORT_SKIP_BAD, &s), AS_OK);
    cr_assert_eq(s.inserted, 1);
    cr_assert_eq(import_text(db, csv, &rj, AS_IMPORT_SKIP_BAD, &s), AS_OK);
    cr_assert_eq(s.inserted, 0);
    cr_assert_eq(s.unchanged, 1);
    cr_assert_eq(as_station_get(&st, db, "B6"), AS_OK);
    cr_assert_str_eq(st->hours, "mon-fri 06:00-22:00; sat,sun closed");
    cr_assert_eq(st->nservices, 1);
    cr_assert_str_eq(st->services[0], "洗车");
    cr_assert(st->has_coords);
    as_station_free(st);
    as_close(db);
}

Test(station, hours_across_midnight_and_weekdays)
{
    int open = -1;
    /* 2026-05-01 is a Friday; +08:00 */
    int64_t fri23 = 1777647600;   /* 2026-05-01T23:00:00+08:00 */
    cr_assert_eq(as_station_open_at("22:00-06:00", fri23, 480, &open), AS_OK);
    cr_assert_eq(open, 1);
    cr_assert_eq(as_station_open_at("22:00-06:00", fri23 + 6 * 3600, 480, &open), AS_OK);
    cr_assert_eq(open, 1, "Saturday 05:00 is in Friday's night");
    cr_assert_eq(as_station_open_at("22:00-06:00", fri23 + 8 * 3600, 480, &open), AS_OK);
    cr_assert_eq(open, 0, "Saturday 07:00");
    cr_assert_eq(as_station_open_at("06:00-22:00", fri23, 480, &open), AS_OK);
    cr_assert_eq(open, 0);
    cr_assert_eq(as_station_open_at("fri 22:00-02:00; sat closed", fri23 + 2 * 3600, 480, &open),
                 AS_OK);
    cr_assert_eq(open, 1, "Friday's range runs into a closed Saturday");
    cr_assert_eq(as_station_open_at("mon-fri 06:00-22:00", fri23 + 12 * 3600, 480, &open), AS_OK);
    cr_assert_eq(open, 0, "Saturday noon: no spec names Saturday");
    cr_assert_eq(as_station_open_at("fri-mon 24h", fri23 + 48 * 3600, 480, &open), AS_OK);
    cr_assert_eq(open, 1, "Sunday inside a wrapping day range");
    cr_assert_eq(as_station_open_at("06:00-24:00", fri23, 480, &open), AS_OK);
    cr_assert_eq(open, 1);
    char why[160];
    cr_assert_eq(as_station_hours_check("06:00-06:00", why, sizeof why), AS_INVALID);
    cr_assert_eq(as_station_hours_check("25:00-06:00", why, sizeof why), AS_INVALID);
    cr_assert_eq(as_station_hours_check("mon", why, sizeof why), AS_INVALID);
    cr_assert_eq(as_station_hours_check("06:00-22:00;", why, sizeof why), AS_INVALID);
    cr_assert_eq(as_station_hours_check("", why, sizeof why), AS_INVALID);
    cr_assert_eq(as_station_hours_check("２４Ｈ", why, sizeof why), AS_INVALID);
    cr_assert_eq(as_station_hours_check("０６:００-２２:００", why, sizeof why), AS_OK);
}

Test(station, near_orders_by_distance_and_skips_no_coordinates)
{
    as_db *db = with_line();
    as_station_query q = AS_STATION_QUERY_INIT;
    q.near = 1;
    q.lat = 30.0;
    q.lon = 102.1;
    q.radius_km = 150;
    as_station_iter *it;
    cr_assert_eq(as_station_iter_new(&it, db, &q), AS_OK, "%s", as_errmsg(db));
    const as_station *s;
    const char *want[] = {"L2", "L3", "L1"};
    double last = -1;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(as_station_next(it, &s), AS_OK);
        cr_assert_str_eq(s->station_id, want[i]);
        cr_assert(s->distance_km >= last);
        cr_assert(s->distance_km <= 150);
        last = s->distance_km;
    }
    cr_assert_eq(as_station_next(it, &s), AS_DONE);
    as_station_iter_free(it);
    q.radius_km = 0;
    cr_assert_eq(as_station_iter_new(&it, db, &q), AS_INVALID);
    q.radius_km = 10;
    q.lat = 91;
    cr_assert_eq(as_station_iter_new(&it, db, &q), AS_INVALID);
    as_close(db);
}

Test(station, routes_parse_and_fail_with_their_place)
{
    as_route_point *p = NULL;
    size_t n = 0;
    char *err = NULL;
    const char *lines = "# route\n30,100\n\n 30.5 , 101 \r\n";
    cr_assert_eq(as_route_parse(lines, strlen(lines), &p, &n, &err), AS_OK, "%s", err);
    cr_assert_eq(n, 2);
    cr_assert(fabs(p[1].lat - 30.5) < 1e-9 && fabs(p[1].lon - 101) < 1e-9);
    as_free(p);
    const char *gj = "{\"type\":\"LineString\",\"coordinates\":[[100,30],[101,30.5,12]]}";
    cr_assert_eq(as_route_parse(gj, strlen(gj), &p, &n, &err), AS_OK, "%s", err);
    cr_assert_eq(n, 2);
    cr_assert(fabs(p[0].lat - 30) < 1e-9 && fabs(p[0].lon - 100) < 1e-9);
    as_free(p);
    const char *bad = "30,100\n30,200\n";
    cr_assert_eq(as_route_parse(bad, strlen(bad), &p, &n, &err), AS_INVALID);
    cr_assert_null(p);
    cr_assert(strstr(err, "line 2: longitude 200"), "%s", err);
    as_free(err);
    cr_assert_eq(as_route_parse("30,100", 6, &p, &n, &err), AS_INVALID);
    cr_assert(strstr(err, "at least 2 points"), "%s", err);
    as_free(err);
    const char *gbad = "{\"type\":\"LineString\",\"coordinates\":[[100,30],\"x\"]}";
    cr_assert_eq(as_route_parse(gbad, strlen(gbad), &p, &n, &err), AS_INVALID);
    cr_assert(strstr(err, "coordinates[1]"), "%s", err);
    as_free(err);
}

static as_trip *plan(as_db *db, const char *level_pct_or_null, double level, const char *grade,
                     int64_t depart, as_status want)
{
    as_route_point pts[2] = {{30, 100}, {30, 105}};
    as_trip_options o = AS_TRIP_OPTIONS_INIT;
    o.tank_litres = 30;
    if (level_pct_or_null)
        o.level_pct = 100;
    else
        o.level_litres = level;
    o.grade = grade;
    o.depart = depart;
    as_trip *t = NULL;
    cr_assert_eq(as_trip_plan(db, "川A12345", pts, 2, &o, &t), want, "%s", as_errmsg(db));
    return t;
}

enum { MAY1_08 = 1777593600, MAY1_20 = 1777636800 };   /* 2026-05-01 08:00, 20:00 +08:00 */

Test(station, trip_straight_line)
{
    as_db *db = with_line();
    as_trip *t = plan(db, "100%", 0, NULL, MAY1_08, AS_OK);
    cr_assert(t->feasible);
    cr_assert_eq(t->nstops, 1);
    cr_assert_str_eq(t->stops[0].station_id, "L3");
    cr_assert_str_eq(t->stops[0].reason, "range");
    cr_assert(fabs(t->stops[0].litres - (30 - t->stops[0].level_litres)) < 1e-9);
    cr_assert(t->stops[0].level_litres >= t->reserve_litres);
    cr_assert(t->arrive_litres >= t->reserve_litres);
    cr_assert_str_eq(t->consumption_from, "default");
    cr_assert(t->stops[0].eta > MAY1_08 && t->arrive > t->stops[0].eta);
    as_trip_plan_free(t);
    as_close(db);
}

Test(station, trip_closed_at_night_is_skipped)
{
    as_db *db = with_line();
    as_trip *t = plan(db, "100%", 0, NULL, MAY1_20, AS_OK);
    cr_assert(t->feasible);
    for (size_t i = 0; i < t->nstops; i++)
        cr_assert_str_neq(t->stops[i].station_id, "L3");
    as_trip_plan_free(t);
    as_close(db);
}

Test(station, trip_gap_longer_than_the_range)
{
    as_db *db = with_line();
    as_trip *t = plan(db, NULL, 5, NULL, MAY1_08, AS_OK);
    cr_assert_not(t->feasible);
    cr_assert_eq(t->nstops, 0);
    cr_assert(fabs(t->gap_from_km) < 1e-9);
    cr_assert(t->gap_to_km > 96 && t->gap_to_km < 97, "%g", t->gap_to_km);
    cr_assert(t->range_km < 10);
    cr_assert_not_null(t->gap);
    cr_assert_eq(t->arrive, 0);
    as_trip_plan_free(t);
    as_close(db);
}

Test(station, trip_failures)
{
    as_db *db = with_line();
    as_route_point pts[2] = {{30, 100}, {30, 105}};
    as_trip *t = NULL;
    as_trip_options o = AS_TRIP_OPTIONS_INIT;
    cr_assert_eq(as_trip_plan(db, "川A12345", pts, 1, &o, &t), AS_INVALID);
    cr_assert_null(t);
    cr_assert_eq(as_trip_plan(db, "川B11111", pts, 2, &o, &t), AS_NOTFOUND);
    cr_assert_eq(as_trip_plan(db, "川A12345", pts, 2, &o, &t), AS_INVALID, "no level known");
    cr_assert(strstr(as_errmsg(db), "give --level"), "%s", as_errmsg(db));
    const char *want[] = {"桑拿"};
    o.want = want;
    o.nwant = 1;
    o.level_pct = 50;
    cr_assert_eq(as_trip_plan(db, "川A12345", pts, 2, &o, &t), AS_INVALID);
    o.nwant = 0;
    o.version = 99;
    cr_assert_eq(as_trip_plan(db, "川A12345", pts, 2, &o, &t), AS_MISUSE);
    as_close(db);
}

Test(station, profile_cities_from_the_registry)
{
    as_db *db = with_line();
    const char *fuel = "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "T1,U1,L1,2026-04-01T09:00:00+08:00,95,40,300\n"
                       "T2,U1,L3,2026-04-02T09:00:00+08:00,95,40,300\n"
                       "T3,U1,ZZ,2026-04-03T09:00:00+08:00,95,40,300\n";
    FILE *f = fmemopen((void *)fuel, strlen(fuel), "r");
    cr_assert_eq(as_fuel_import(db, f, "f.csv", NULL, NULL), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    as_profile *p = NULL;
    cr_assert_eq(as_profile_get_at(&p, db, "U1", 1777593600), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(p->cities, 2, "成都 (5101) and 雅安 (5118); ZZ is unknown");
    cr_assert_eq(p->stations, 3);
    as_profile_free(p);
    as_close(db);
}
