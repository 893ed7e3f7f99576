/* cmd_station.c - aftersales station import|show|list|near, trip plan */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char group_help[] =
    "usage: aftersales station COMMAND [ARGS]\n"
    "\n"
    "The station registry: stations keyed by the station id fueling records\n"
    "carry, with region, city, GCJ-02 coordinates, grades sold, services and\n"
    "opening hours.  Profiles count cities from it; trip plan picks its stops.\n";

static const char import_help[] =
    "usage: aftersales station import [--jsonl] [--encoding utf-8|gb18030|utf-16|utf-16le|utf-16be]\n"
    "                                 [--delimiter ,|tab|;|pipe] [--skip-bad] [--dry-run]\n"
    "                                 [--rejects FILE [--force]] FILE|-\n"
    "\n"
    "Upsert stations from CSV with a header (station_id,name,region,city and\n"
    "optionally address,lat,lon,brand,grades,services,hours, in any order) or from\n"
    "JSON Lines (--jsonl) with the same keys (grades and services may be arrays).\n"
    "lat and lon are GCJ-02 degrees (the mini-program map's), both or neither.\n"
    "grades: 92|95|0 (normalised as vehicle grades); services from 洗车 便利店\n"
    "充电桩 休息区 卫生间 餐饮 维修 尿素; hours: 24h (the default), 06:00-22:00,\n"
    "22:00-06:00 (across midnight) or mon-fri 06:00-22:00; sat,sun 07:00-21:00.\n"
    "Known ids are updated where a value differs (an empty optional cell clears\n"
    "it).  Every bad row is reported as FILE:LINE: field: reason; if any row is\n"
    "bad nothing is imported (exit 65) unless --skip-bad.  A new station, or one\n"
    "moved to another city, brings the profiles of its customers up to date.\n";

static const char show_help[] =
    "usage: aftersales station show ID\n"
    "\n"
    "Print one station.  Exit 1 if unknown.\n";

static const char list_help[] =
    "usage: aftersales station list [--city CITY] [--region CODE] [--service S] [--grade G]\n"
    "                               [--open-at TIME] [--limit N]\n"
    "\n"
    "List stations in id order.  --region 530000 covers the province, 530100 the\n"
    "city; --open-at keeps the stations open at TIME (business zone hours).\n";

static const char near_help[] =
    "usage: aftersales station near --at LAT,LON --radius KM [--grade G] [--service S]\n"
    "                               [--open-at TIME] [--limit N]\n"
    "\n"
    "Stations within KM (more than 0, at most 2000) of the point LAT,LON (GCJ-02\n"
    "degrees), nearest first, with distance_km.  The R*Tree index gives the\n"
    "stations in a box around the point, great-circle distance decides; the\n"
    "GCJ-02 offset from WGS-84 is ignored.  Stations without coordinates are\n"
    "never near.\n";

static const char trip_group_help[] =
    "usage: aftersales trip COMMAND [ARGS]\n"
    "\n"
    "Trip planning (旅程规划): fuel stops along a route from the vehicle's own\n"
    "consumption and range.\n";

static const char plan_help[] =
    "usage: aftersales trip plan --plate PLATE --route FILE|- [--depart TIME] [--grade G]\n"
    "                            [--tank L] [--level L|PCT%] [--consumption L100]\n"
    "                            [--want SERVICE,SERVICE]\n"
    "\n"
    "Plan fuel stops for the vehicle along the route: a GeoJSON LineString\n"
    "(coordinates [lon, lat]) or lines lat,lon.  Consumption comes from the\n"
    "vehicle's fill-ups and odometer readings (else trips.default_l_per_100km,\n"
    "or --consumption); the tank from --tank (else trips.tank_litres); the level\n"
    "from --level (litres, or a percent of the tank) else a full tank at the last\n"
    "fill-up less what was driven since.  Stops are stations within\n"
    "trips.corridor_km of the route that sell the grade and are open on arrival;\n"
    "the furthest reachable one above the reserve (trips.reserve_share of the\n"
    "tank), unless a usual station or brand of the user, or one with the --want\n"
    "services, is in the last 20% of the way there.  Each stop fills the tank.\n"
    "A route that cannot be done prints the plan up to the gap and exits 65\n"
    "naming the gap.  A malformed route is exit 65 with its line.\n";

static void print_station(printer *p, const as_station *s, int near)
{
    pr_begin(p);
    pr_str(p, "station_id", s->station_id);
    pr_str(p, "name", s->name);
    pr_str(p, "brand", s->brand);
    pr_str(p, "region", s->region);
    pr_str(p, "city", s->city);
    pr_str(p, "address", s->address);
    if (s->has_coords) {
        pr_real(p, "lat", s->lat, 6);
        pr_real(p, "lon", s->lon, 6);
    } else {
        pr_null(p, "lat");
        pr_null(p, "lon");
    }
    if (near)
        pr_real(p, "distance_km", s->distance_km, 2);
    pr_arr_begin(p, "grades");
    for (size_t i = 0; i < s->ngrades; i++)
        pr_str(p, NULL, s->grades[i]);
    pr_arr_end(p);
    pr_arr_begin(p, "services");
    for (size_t i = 0; i < s->nservices; i++)
        pr_str(p, NULL, s->services[i]);
    pr_arr_end(p);
    pr_str(p, "hours", s->hours);
    pr_time(p, "created_at", s->created_at);
    pr_time(p, "updated_at", s->updated_at);
    pr_end(p);
}

static int station_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, as_station_import, import_help, 1);
}

static int station_show(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, cli_check_id, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_station *s = NULL;
    as_status st = as_station_get(&s, c->db, id);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_station(p, s, 0);
    as_station_free(s);
    return cli_print_end(c, p);
}

static int check_service(const char *v, char *why, size_t whysz)
{
    static const char *const known[] = {"洗车", "便利店", "充电桩", "休息区", "卫生间",
                                        "餐饮", "维修", "尿素", NULL};
    for (int i = 0; known[i]; i++)
        if (strcmp(v, known[i]) == 0)
            return 0;
    snprintf(why, whysz, "is not a known service (洗车, 便利店, 充电桩, 休息区, 卫生间, 餐饮,"
             " 维修, 尿素)");
    return -1;
}

/* "LAT,LON" into two numbers; 0, or -1. */
static int parse_point(const char *v, double *lat, double *lon)
{
    char *end;
    *lat = strtod(v, &end);
    if (end == v || *end != ',')
        return -1;
    const char *q = end + 1;
    *lon = strtod(q, &end);
    if (end == q || *end || !isfinite(*lat) || !isfinite(*lon) || *lat < -90 || *lat > 90 ||
        *lon < -180 || *lon > 180)
        return -1;
    return 0;
}

static int check_point(const char *v, char *why, size_t whysz)
{
    double a, b;
    if (parse_point(v, &a, &b) == 0)
        return 0;
    snprintf(why, whysz, "is not a point LAT,LON (latitude -90 to 90, longitude -180 to 180)");
    return -1;
}

static int list_or_near(cli *c, as_station_query *q, int near)
{
    int code = cli_open(c, AS_OPEN_READONLY);
    if (code)
        return code;
    as_station_iter *it;
    as_status st = as_station_iter_new(&it, c->db, q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_station *s;
    while ((st = as_station_next(it, &s)) == AS_OK)
        print_station(p, s, near);
    as_station_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

static int station_list(cli *c, int argc, char **argv)
{
    as_station_query q = AS_STATION_QUERY_INIT;
    const cli_opt opts[] = {
        CLI_STR("city", "CITY", &q.city),
        CLI_CHECKED("region", "CODE", &q.region, cli_check_region, "region"),
        CLI_CHECKED("service", "SERVICE", &q.service, check_service, "service"),
        CLI_CHECKED("grade", "GRADE", &q.grade, cli_check_grade, "grade"),
        CLI_TIME("open-at", &q.open_at),
        CLI_INT("limit", "N", &q.limit, 1, 1000000000),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    return list_or_near(c, &q, 0);
}

static int station_near(cli *c, int argc, char **argv)
{
    as_station_query q = AS_STATION_QUERY_INIT;
    const char *at = NULL;
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("at", "LAT,LON", &at, check_point, "point"),
        {.kind = CLI_O_REAL, .name = "radius", .metavar = "KM", .dest = &q.radius_km, .min = 0,
         .max = 2000, .required = 1},
        CLI_CHECKED("grade", "GRADE", &q.grade, cli_check_grade, "grade"),
        CLI_CHECKED("service", "SERVICE", &q.service, check_service, "service"),
        CLI_TIME("open-at", &q.open_at),
        CLI_INT("limit", "N", &q.limit, 1, 1000000000),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, near_help);
    if (code != CLI_GO)
        return code;
    if (q.radius_km <= 0)
        return cli_usage(c, "--radius: must be more than 0 km");
    parse_point(at, &q.lat, &q.lon);
    q.near = 1;
    return list_or_near(c, &q, 1);
}

int cmd_station(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"import", station_import, "upsert stations from CSV or JSON Lines"},
        {"show", station_show, "show one station"},
        {"list", station_list, "list stations"},
        {"near", station_near, "stations near a point, nearest first"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "station", table, argc, argv, group_help);
}

/* ---- trip plan ----------------------------------------------------------- */

static int check_level(const char *v, char *why, size_t whysz)
{
    char *end;
    double x = strtod(v, &end);
    if (end != v && isfinite(x) && x >= 0 && (!*end || (end[0] == '%' && !end[1] && x <= 100)))
        return 0;
    snprintf(why, whysz, "is not litres (30) or a percent of the tank (40%%)");
    return -1;
}

/* Split "洗车,休息区" (commas, full-width too) into known services. */
static int split_want(const char *v, char *buf, size_t bufsz, const char **items, size_t max,
                      size_t *n)
{
    *n = 0;
    if (strlen(v) >= bufsz)
        return -1;
    strcpy(buf, v);
    char *p = buf;
    while (*p) {
        char *q = p;
        while (*q && *q != ',' && strncmp(q, "，", 3) != 0)
            q++;
        size_t skip = !*q ? 0 : *q == ',' ? 1 : 3;
        *q = '\0';
        if (*p) {
            if (*n == max)
                return -1;
            items[(*n)++] = p;
        }
        p = q + skip;
    }
    return 0;
}

static int check_want(const char *v, char *why, size_t whysz)
{
    char buf[256];
    const char *items[16];
    size_t n;
    if (split_want(v, buf, sizeof buf, items, 16, &n) < 0) {
        snprintf(why, whysz, "is too long");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (check_service(items[i], why, whysz) < 0) {
            snprintf(why, whysz, "'%s' is not a known service (洗车, 便利店, 充电桩, 休息区,"
                     " 卫生间, 餐饮, 维修, 尿素)", items[i]);
            return -1;
        }
    return 0;
}

static void print_plan(printer *p, const as_trip *t)
{
    pr_begin(p);
    pr_str(p, "plate", t->plate);
    pr_str(p, "user_id", t->user_id);
    pr_str(p, "grade", t->grade);
    pr_real(p, "route_km", t->route_km, 1);
    pr_real(p, "l_per_100km", t->l_per_100km, 2);
    pr_str(p, "consumption_from", t->consumption_from);
    pr_real(p, "tank_litres", t->tank_litres, 1);
    pr_real(p, "start_litres", t->start_litres, 1);
    pr_str(p, "start_from", t->start_from);
    pr_real(p, "reserve_litres", t->reserve_litres, 1);
    pr_time(p, "depart", t->depart);
    pr_bool(p, "feasible", t->feasible);
    pr_time(p, "arrive", t->feasible ? t->arrive : 0);
    if (t->feasible)
        pr_real(p, "arrive_litres", t->arrive_litres, 1);
    else
        pr_null(p, "arrive_litres");
    if (t->feasible) {
        pr_null(p, "gap");
    } else {
        pr_obj_begin(p, "gap");
        pr_real(p, "from_km", t->gap_from_km, 1);
        pr_real(p, "to_km", t->gap_to_km, 1);
        pr_real(p, "range_km", t->range_km, 1);
        pr_str(p, "reason", t->gap);
        pr_obj_end(p);
    }
    pr_arr_begin(p, "stops");
    for (size_t i = 0; i < t->nstops; i++) {
        const as_trip_stop *s = &t->stops[i];
        pr_obj_begin(p, NULL);
        pr_int(p, "order", (int64_t)i + 1);
        pr_str(p, "station_id", s->station_id);
        pr_str(p, "name", s->name);
        pr_str(p, "brand", s->brand);
        pr_str(p, "city", s->city);
        pr_real(p, "km", s->km, 1);
        pr_real(p, "detour_km", 2 * s->off_route_km, 1);
        pr_time(p, "eta", s->eta);
        pr_real(p, "level_litres", s->level_litres, 1);
        pr_real(p, "litres", s->litres, 1);
        pr_str(p, "reason", s->reason);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_end(p);
}

/* The whole of a file (or stdin) into memory; NULL after reporting. */
static char *read_all(cli *c, const char *path, size_t *len, int *code)
{
    FILE *f = cli_open_input(c, path, code);
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap >= (size_t)256 << 20) {
                cli_error(c, "%s: the route is larger than 256 MiB", path);
                free(buf);
                buf = NULL;
                *code = EXIT_DATAERR;
                break;
            }
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) {
            if (ferror(f)) {
                cli_error(c, "%s: read error", path);
                free(buf);
                buf = NULL;
                *code = EXIT_IOERR;
            }
            break;
        }
    }
    if (!buf && !*code) {
        cli_error(c, "out of memory");
        *code = EXIT_SOFTWARE;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

static int trip_plan(cli *c, int argc, char **argv)
{
    const char *plate = NULL, *route = NULL, *level = NULL, *want = NULL;
    as_trip_options o = AS_TRIP_OPTIONS_INIT;
    o.depart = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("plate", "PLATE", &plate, cli_check_plate, "plate"),
        CLI_STR_REQ("route", "FILE", &route),
        CLI_TIME("depart", &o.depart),
        CLI_CHECKED("grade", "GRADE", &o.grade, cli_check_grade, "grade"),
        CLI_REAL("tank", "L", &o.tank_litres, 5, 1500),
        CLI_CHECKED("level", "L|PCT%", &level, check_level, "level"),
        CLI_REAL("consumption", "L100", &o.l_per_100km, 1, 50),
        CLI_CHECKED("want", "SERVICES", &want, check_want, "services"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, plan_help);
    if (code != CLI_GO)
        return code;
    if (level) {
        double v = strtod(level, NULL);
        if (strchr(level, '%'))
            o.level_pct = v;
        else
            o.level_litres = v;
    }
    char wbuf[256];
    const char *items[16];
    if (want) {
        split_want(want, wbuf, sizeof wbuf, items, 16, &o.nwant);
        o.want = items;
    }
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    size_t len = 0;
    char *text = read_all(c, route, &len, &code);
    if (!text)
        return code;
    as_route_point *pts = NULL;
    size_t n = 0;
    char *err = NULL;
    as_status st = as_route_parse(text, len, &pts, &n, &err);
    free(text);
    if (st != AS_OK) {
        cli_error(c, "%s: %s", route, err ? err : as_status_string(st));
        as_free(err);
        return cli_exit_code(st);
    }
    as_trip *t = NULL;
    st = as_trip_plan(c->db, plate, pts, n, &o, &t);
    as_free(pts);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_plan(p, t);
    code = cli_print_end(c, p);
    if (!code && !t->feasible) {
        cli_error(c, "the route cannot be done with the stations known: gap from km %.1f to km"
                  " %.1f: %s", t->gap_from_km, t->gap_to_km, t->gap);
        code = EXIT_DATAERR;
    }
    as_trip_plan_free(t);
    return code;
}

int cmd_trip(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"plan", trip_plan, "fuel stops along a route"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "trip", table, argc, argv, trip_group_help);
}
