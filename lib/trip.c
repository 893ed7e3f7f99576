/* trip.c - trip planning (seed §4.4 旅程规划): routes, the trips section,
 * and fuel stops along a route.
 *
 * The algorithm (also in aftersales(1), TRIPS):
 *
 * 1. The route is walked point to point; km along it are great-circle
 *    distances between consecutive points (as__haversine_km).
 * 2. Consumption C (litres per 100 km): the option if given; else from the
 *    vehicle's records: the litres of its fill-ups after its first
 *    odometer reading up to its last, over the km between those readings
 *    (fill-to-full accounting: each fill-up replaces what was burnt since
 *    the one before), when that is at least 100 km and gives 1 to 50
 *    l/100 km; else trips.default_l_per_100km.
 * 3. The start level: the option (litres, or percent of the tank); else
 *    a full tank at the last fill-up of the vehicle, less C times the km
 *    driven since (its latest odometer reading minus the one at that
 *    fill-up, when both are known).  No option and no fill-up: refused.
 * 4. Candidates: the stations with coordinates within trips.corridor_km
 *    of the route that sell the grade.  For each segment, the R*Tree
 *    gives the stations in the segment's box widened by the corridor;
 *    each station's distance to the segment is measured in a local flat
 *    projection (equirectangular at the segment's mean latitude) and its
 *    position along the route is the foot of the perpendicular; the
 *    segment nearest the station wins.  Stations without coordinates are
 *    never candidates.
 * 5. Greedy, from the start (position p, level L, the detour d of the last
 *    stop still to drive back to the route): if the destination is
 *    reached with at least the reserve (trips.reserve_share of the tank)
 *    left, the plan is done.  Otherwise the reachable candidates are
 *    those ahead of p that are reached (p to the station's position, plus
 *    d, plus the station's own distance from the route) with at least the
 *    reserve left (on the first leg, if the start is already below the
 *    reserve, with fuel left at all) and are open at the estimated
 *    arrival (depart + km driven / trips.speed_kmh + trips.stop_minutes
 *    per stop before).  None: the route cannot be done; the gap runs from
 *    p to the next candidate beyond reach (or the end).  Else the
 *    furthest reachable one F is the default; among the reachable ones
 *    in the last 20% of the span from p to F, the one with the highest
 *    score wins (4 for a station the user fueled at at least twice, 2 for
 *    a brand the user fueled at at least twice, 1 per wanted service it
 *    has; ties to the further one).  The stop fills the tank to full:
 *    litres to buy = tank - level on arrival.  Repeat from there.
 */
#include "station.h"
#include "trip.h"
#include "json.h"
#include "vehicle.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the trips section --------------------------------------------------- */

static const as__trips_cfg trips_defaults = {
    .default_l_per_100km = 8.0, .tank_litres = 50, .reserve_share = 0.15, .corridor_km = 5,
    .speed_kmh = 80, .stop_minutes = 15,
};

void as__trips_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"default_l_per_100km", "tank_litres", "reserve_share",
                                       "corridor_km", "speed_kmh", "stop_minutes", NULL};
    as__trips_cfg *t = malloc(sizeof *t);
    if (!t) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    *t = trips_defaults;
    cfg->trips = t;
    if (as__cfg_map_keys(c, node, "trips", keys) < 0)
        return;
    static const struct {
        const char *key;
        double lo, hi;
        size_t off;
    } f[] = {
        {"default_l_per_100km", 1, 50, offsetof(as__trips_cfg, default_l_per_100km)},
        {"tank_litres", 5, 1500, offsetof(as__trips_cfg, tank_litres)},
        {"reserve_share", 0, 0.9, offsetof(as__trips_cfg, reserve_share)},
        {"corridor_km", 0.1, 50, offsetof(as__trips_cfg, corridor_km)},
        {"speed_kmh", 5, 200, offsetof(as__trips_cfg, speed_kmh)},
        {"stop_minutes", 0, 600, offsetof(as__trips_cfg, stop_minutes)},
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        const as__ynode *n = as__ymap_get(node, f[i].key);
        double v;
        if (n && as__cfg_real(c, n, f[i].lo, f[i].hi, &v) == 0)
            *(double *)((char *)t + f[i].off) = v;
    }
}

void as__trips_free(as_config *cfg)
{
    free(cfg->trips);
    cfg->trips = NULL;
}

static const as__trips_cfg *trips_cfg(as_db *db)
{
    const as_config *cfg = as__db_config(db);
    return cfg && cfg->trips ? cfg->trips : &trips_defaults;
}

/* ---- routes ---------------------------------------------------------------- */

enum { ROUTE_MAX_POINTS = 1000000 };

static as_status route_fail(char **errmsg, as_status st, const char *fmt, ...) AS_PRINTF(3, 4);
static as_status route_fail(char **errmsg, as_status st, const char *fmt, ...)
{
    if (errmsg) {
        char buf[300];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        *errmsg = as__strdup(buf);
    }
    return st;
}

static int point_push(as_route_point **p, size_t *n, size_t *cap, double lat, double lon)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        as_route_point *q = realloc(*p, c * sizeof *q);
        if (!q)
            return -1;
        *p = q;
        *cap = c;
    }
    (*p)[*n].lat = lat;
    (*p)[(*n)++].lon = lon;
    return 0;
}

/* The range check of one point; NULL when good, else the reason. */
static const char *point_bad(double lat, double lon, char *why, size_t whysz)
{
    if (!isfinite(lat) || lat < -90 || lat > 90)
        snprintf(why, whysz, "latitude %g is out of range (-90 to 90)", lat);
    else if (!isfinite(lon) || lon < -180 || lon > 180)
        snprintf(why, whysz, "longitude %g is out of range (-180 to 180)", lon);
    else
        return NULL;
    return why;
}

static as_status parse_geojson(const char *text, size_t len, as_route_point **pts, size_t *n,
                               size_t *cap, char **errmsg)
{
    char why[200];
    as__json *j = NULL;
    as_status st = as__json_parse(text, len, &j, why, sizeof why);
    if (st == AS_NOMEM)
        return st;
    if (st != AS_OK) {
        size_t off = 0;
        if (sscanf(why, "at byte %zu", &off) == 1 && off > 0) {
            size_t line = 1;
            for (size_t i = 0; i + 1 < off && i < len; i++)
                line += text[i] == '\n';
            return route_fail(errmsg, AS_INVALID, "line %zu: not JSON: %s", line, why);
        }
        return route_fail(errmsg, AS_INVALID, "not JSON: %s", why);
    }
    const as__json *g = j, *t = as__json_get(g, "type");
    if (g->type != AS__J_OBJECT || !t || t->type != AS__J_STRING) {
        as__json_free(j);
        return route_fail(errmsg, AS_INVALID, "GeoJSON: no \"type\" (a LineString, or a Feature"
                          " whose geometry is one)");
    }
    if (strcmp(t->str, "Feature") == 0) {
        g = as__json_get(g, "geometry");
        t = g && g->type == AS__J_OBJECT ? as__json_get(g, "type") : NULL;
        if (!t || t->type != AS__J_STRING) {
            as__json_free(j);
            return route_fail(errmsg, AS_INVALID, "GeoJSON: the Feature has no geometry");
        }
    }
    if (strcmp(t->str, "LineString") != 0) {
        st = route_fail(errmsg, AS_INVALID, "GeoJSON: type '%.40s' is not a LineString", t->str);
        as__json_free(j);
        return st;
    }
    const as__json *c = as__json_get(g, "coordinates");
    if (!c || c->type != AS__J_ARRAY) {
        as__json_free(j);
        return route_fail(errmsg, AS_INVALID, "GeoJSON: the LineString has no coordinates array");
    }
    st = AS_OK;
    for (size_t i = 0; i < c->n && st == AS_OK; i++) {
        const as__json *p = &c->items[i];
        if (p->type != AS__J_ARRAY || p->n < 2 || p->items[0].type != AS__J_NUMBER ||
            p->items[1].type != AS__J_NUMBER) {
            st = route_fail(errmsg, AS_INVALID,
                            "coordinates[%zu]: not a position [longitude, latitude]", i);
            break;
        }
        double lon = p->items[0].num, lat = p->items[1].num;
        const char *bad = point_bad(lat, lon, why, sizeof why);
        if (bad)
            st = route_fail(errmsg, AS_INVALID, "coordinates[%zu]: %s (GeoJSON positions are"
                            " [longitude, latitude])", i, bad);
        else if (*n >= ROUTE_MAX_POINTS)
            st = route_fail(errmsg, AS_INVALID, "more than %d points", ROUTE_MAX_POINTS);
        else if (point_push(pts, n, cap, lat, lon) < 0)
            st = AS_NOMEM;
    }
    as__json_free(j);
    return st;
}

static as_status parse_lines(const char *text, size_t len, as_route_point **pts, size_t *n,
                             size_t *cap, char **errmsg)
{
    char why[200], line[256];
    size_t lineno = 0, i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        lineno++;
        size_t k = j;
        if (k > i && text[k - 1] == '\r')
            k--;
        while (i < k && (text[i] == ' ' || text[i] == '\t'))
            i++;
        while (k > i && (text[k - 1] == ' ' || text[k - 1] == '\t'))
            k--;
        if (k > i && text[i] != '#') {
            if (k - i >= sizeof line || memchr(text + i, '\0', k - i))
                return route_fail(errmsg, AS_INVALID, "line %zu: not a point 'lat,lon'", lineno);
            memcpy(line, text + i, k - i);
            line[k - i] = '\0';
            char folded[AS__FOLD_MAX];
            const char *s = as__fold_fullwidth(line, folded, sizeof folded);
            char *end = NULL;
            double lat = s ? strtod(s, &end) : 0, lon = 0;
            int ok = s && end != s;
            if (ok) {
                while (*end == ' ')
                    end++;
                ok = *end == ',';
            }
            if (ok) {
                const char *q = end + 1;
                while (*q == ' ')
                    q++;
                lon = strtod(q, &end);
                ok = end != q;
                while (ok && *end == ' ')
                    end++;
                ok = ok && !*end;
            }
            if (!ok)
                return route_fail(errmsg, AS_INVALID, "line %zu: '%.60s' is not a point 'lat,lon'",
                                  lineno, line);
            const char *bad = point_bad(lat, lon, why, sizeof why);
            if (bad)
                return route_fail(errmsg, AS_INVALID, "line %zu: %s", lineno, bad);
            if (*n >= ROUTE_MAX_POINTS)
                return route_fail(errmsg, AS_INVALID, "line %zu: more than %d points", lineno,
                                  ROUTE_MAX_POINTS);
            if (point_push(pts, n, cap, lat, lon) < 0)
                return AS_NOMEM;
        }
        i = j + 1;
    }
    return AS_OK;
}

as_status as_route_parse(const char *text, size_t len, as_route_point **points, size_t *n,
                         char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if (!text || !points || !n)
        return AS_MISUSE;
    *points = NULL;
    *n = 0;
    size_t i = 0, cap = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    size_t k = i;
    while (k < len && isspace((unsigned char)text[k]))
        k++;
    as_status st = k < len && text[k] == '{'
                       ? parse_geojson(text + i, len - i, points, n, &cap, errmsg)
                       : parse_lines(text + i, len - i, points, n, &cap, errmsg);
    if (st == AS_OK && *n < 2)
        st = route_fail(errmsg, AS_INVALID, "a route needs at least 2 points (found %zu)", *n);
    if (st == AS_NOMEM && errmsg) {
        free(*errmsg);
        *errmsg = as__strdup("out of memory");
    }
    if (st != AS_OK) {
        free(*points);
        *points = NULL;
        *n = 0;
    }
    return st;
}

/* ---- planning -------------------------------------------------------------- */

typedef struct cand {
    int64_t rowid;
    char *station_id, *name, *brand, *city;
    double lat, lon;
    double km, off;               /* along the route; from it */
    as__hours hours;
    int usual_station, usual_brand;
    unsigned services;            /* bits of as__station_services */
} cand;

typedef struct planner {
    as_db *db;
    const as__trips_cfg *cfg;
    cand *c;
    size_t nc, capc;
    char **usual_ids, **usual_brands;
    size_t nids, nbrands;
} planner;

static void planner_free(planner *p)
{
    for (size_t i = 0; i < p->nc; i++) {
        free(p->c[i].station_id);
        free(p->c[i].name);
        free(p->c[i].brand);
        free(p->c[i].city);
    }
    free(p->c);
    for (size_t i = 0; i < p->nids; i++)
        free(p->usual_ids[i]);
    for (size_t i = 0; i < p->nbrands; i++)
        free(p->usual_brands[i]);
    free(p->usual_ids);
    free(p->usual_brands);
}

static int in_list(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* The first column of every row of sql (?1 = user) into a list. */
static as_status collect_texts(as_db *db, const char *sql, const char *user_id, char ***out,
                               size_t *n)
{
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    size_t cap = 0;
    as_status st = AS_OK;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            char **v = realloc(*out, cap * sizeof *v);
            if (!v) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            *out = v;
        }
        if (!((*out)[*n] = as__column_dup(s, 0))) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        (*n)++;
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading the user's usual stations");
    sqlite3_reset(s);
    return st;
}

/* Distance (km) from point (lat, lon) to the segment a-b in a local flat
 * projection, and the share t (0-1) of the segment at the foot. */
static double seg_distance(const as_route_point *a, const as_route_point *b, double lat,
                           double lon, double *t)
{
    const double k = 111.194;
    double c = cos((a->lat + b->lat) / 2 * M_PI / 180.0);
    double bx = (b->lon - a->lon) * c * k, by = (b->lat - a->lat) * k;
    double px = (lon - a->lon) * c * k, py = (lat - a->lat) * k;
    double l2 = bx * bx + by * by;
    double u = l2 > 0 ? (px * bx + py * by) / l2 : 0;
    if (u < 0)
        u = 0;
    if (u > 1)
        u = 1;
    *t = u;
    double dx = px - u * bx, dy = py - u * by;
    return sqrt(dx * dx + dy * dy);
}

/* The candidate stations along the route (step 4), sorted by position. */
static as_status find_candidates(planner *p, const as_route_point *pts, size_t n,
                                 const double *cum, const char *grade)
{
    static const char sql[] =
        "SELECT s.id, s.station_id, s.name, s.brand, s.city, s.lat, s.lon, s.services, s.hours"
        " FROM stations s WHERE s.id IN (SELECT id FROM station_geo WHERE max_lat >= ?1"
        " AND min_lat <= ?2 AND max_lon >= ?3 AND min_lon <= ?4)"
        " AND EXISTS (SELECT 1 FROM json_each(s.grades) WHERE value = ?5)";
    as_db *db = p->db;
    double corridor = p->cfg->corridor_km;
    for (size_t i = 0; i + 1 < n; i++) {
        double b1[4], b2[4];
        as__geo_box(pts[i].lat, pts[i].lon, corridor, b1);
        as__geo_box(pts[i + 1].lat, pts[i + 1].lon, corridor, b2);
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s)
            return AS_INTERNAL;
        sqlite3_bind_double(s, 1, fmin(b1[0], b2[0]));
        sqlite3_bind_double(s, 2, fmax(b1[1], b2[1]));
        sqlite3_bind_double(s, 3, fmin(b1[2], b2[2]));
        sqlite3_bind_double(s, 4, fmax(b1[3], b2[3]));
        sqlite3_bind_text(s, 5, grade, -1, SQLITE_STATIC);
        int rc;
        as_status st = AS_OK;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            double lat = sqlite3_column_double(s, 5), lon = sqlite3_column_double(s, 6), t;
            double d = seg_distance(&pts[i], &pts[i + 1], lat, lon, &t);
            if (d > corridor)
                continue;
            double km = cum[i] + t * (cum[i + 1] - cum[i]);
            int64_t rowid = sqlite3_column_int64(s, 0);
            size_t k;
            for (k = 0; k < p->nc && p->c[k].rowid != rowid; k++)
                ;
            if (k < p->nc) {
                if (d < p->c[k].off) {
                    p->c[k].off = d;
                    p->c[k].km = km;
                }
                continue;
            }
            if (p->nc == p->capc) {
                size_t cap = p->capc ? p->capc * 2 : 16;
                cand *c = realloc(p->c, cap * sizeof *c);
                if (!c) {
                    st = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                p->c = c;
                p->capc = cap;
            }
            cand *c = &p->c[p->nc];
            memset(c, 0, sizeof *c);
            c->rowid = rowid;
            c->lat = lat;
            c->lon = lon;
            c->km = km;
            c->off = d;
            char why[160];
            const char *hours = as__column_text(s, 8);
            if (!hours || as__hours_parse(hours, &c->hours, NULL, why, sizeof why) != AS_OK)
                memset(&c->hours, 0, sizeof c->hours);   /* unreadable: never open */
            as__json *sv = NULL;
            const char *svt = as__column_text(s, 7);
            if (svt && as__json_parse(svt, strlen(svt), &sv, NULL, 0) == AS_OK &&
                sv->type == AS__J_ARRAY)
                for (size_t m = 0; m < sv->n; m++) {
                    int bit = sv->items[m].type == AS__J_STRING
                                  ? as__station_service(sv->items[m].str) : -1;
                    if (bit >= 0)
                        c->services |= 1u << bit;
                }
            as__json_free(sv);
            c->station_id = as__column_dup(s, 1);
            c->name = as__column_dup(s, 2);
            c->brand = as__column_dup(s, 3);
            c->city = as__column_dup(s, 4);
            p->nc++;
            if (!c->station_id || !c->name || !c->city) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            c->usual_station = in_list(p->usual_ids, p->nids, c->station_id);
            c->usual_brand = in_list(p->usual_brands, p->nbrands, c->brand);
        }
        if (st == AS_OK && rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "finding stations along the route");
        sqlite3_reset(s);
        if (st != AS_OK)
            return st;
    }
    return AS_OK;
}

static int by_km(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->km != y->km)
        return x->km < y->km ? -1 : 1;
    return strcmp(x->station_id, y->station_id);
}

/* Consumption from the vehicle's records (step 2); 0 when they do not tell. */
static as_status consumption(as_db *db, sqlite3_int64 vid, const char *user_id,
                             const char *plate, double *l100)
{
    static const char sql[] =
        "WITH r AS (SELECT min(at) AS a0, max(at) AS a1 FROM odometer_readings"
        "  WHERE vehicle_id = ?1)"
        " SELECT (SELECT km FROM odometer_readings, r WHERE vehicle_id = ?1 AND at = r.a1)"
        "  - (SELECT km FROM odometer_readings, r WHERE vehicle_id = ?1 AND at = r.a0),"
        " (SELECT sum(f.litres_ml) FROM fuelings f, r WHERE f.user_id = ?2 AND f.plate = ?3"
        "  AND f.filled_at > r.a0 AND f.filled_at <= r.a1)";
    *l100 = 0;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, vid);
    sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, plate, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL &&
        sqlite3_column_type(s, 1) != SQLITE_NULL) {
        double km = sqlite3_column_double(s, 0), l = sqlite3_column_double(s, 1) / 1000.0;
        double v = km >= 100 ? l / km * 100 : 0;
        if (v >= 1 && v <= 50)
            *l100 = v;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? AS_OK : as__sqlfail(db, rc, "reading the vehicle's consumption");
}

/* The start level from the last fill-up (step 3); -1 when there is none. */
static as_status last_fill_level(as_db *db, sqlite3_int64 vid, const char *user_id,
                                 const char *plate, double tank, double l100, double *level)
{
    static const char sql[] =
        "SELECT f.filled_at, f.odometer_km,"
        " (SELECT km FROM odometer_readings WHERE vehicle_id = ?3 ORDER BY at DESC LIMIT 1)"
        " FROM fuelings f WHERE f.user_id = ?1 AND f.plate = ?2"
        " ORDER BY f.filled_at DESC LIMIT 1";
    *level = -1;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, plate, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, vid);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *level = tank;
        if (sqlite3_column_type(s, 1) != SQLITE_NULL && sqlite3_column_type(s, 2) != SQLITE_NULL) {
            double since = sqlite3_column_double(s, 2) - sqlite3_column_double(s, 1);
            if (since > 0)
                *level = fmax(0, tank - since * l100 / 100);
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? AS_OK
                                                 : as__sqlfail(db, rc, "reading the last fill-up");
}

/* A stop while planning (strings borrowed from the candidates). */
typedef struct pstop {
    const cand *c;
    int64_t eta;
    double level, litres;
    char reason[200];
} pstop;

/* The plan as one allocation. */
static as_status build_plan(as_db *db, const as_trip *t, const pstop *stops, size_t n,
                            as_trip **out)
{
    size_t size = sizeof(as_trip) + n * sizeof(as_trip_stop);
    const char *top[] = {t->plate, t->user_id, t->grade, t->gap};
    for (size_t i = 0; i < 4; i++)
        size += top[i] ? strlen(top[i]) + 1 : 0;
    for (size_t i = 0; i < n; i++) {
        const cand *c = stops[i].c;
        size += strlen(c->station_id) + strlen(c->name) + strlen(c->city) + 3 +
                (c->brand ? strlen(c->brand) + 1 : 0) + strlen(stops[i].reason) + 1;
    }
    as_trip *p = calloc(1, size);
    if (!p)
        return as__fail(db, AS_NOMEM, "out of memory");
    *p = *t;
    p->stops = (as_trip_stop *)(p + 1);
    p->nstops = n;
    char *w = (char *)(p->stops + n);
#define PUT(dst, src)                                                                         \
    do {                                                                                      \
        const char *s_ = (src);                                                               \
        if (s_) {                                                                             \
            size_t l_ = strlen(s_) + 1;                                                       \
            (dst) = memcpy(w, s_, l_);                                                        \
            w += l_;                                                                          \
        } else {                                                                              \
            (dst) = NULL;                                                                     \
        }                                                                                     \
    } while (0)
    PUT(p->plate, t->plate);
    PUT(p->user_id, t->user_id);
    PUT(p->grade, t->grade);
    PUT(p->gap, t->gap);
    for (size_t i = 0; i < n; i++) {
        as_trip_stop *o = &p->stops[i];
        const cand *c = stops[i].c;
        PUT(o->station_id, c->station_id);
        PUT(o->name, c->name);
        PUT(o->brand, c->brand);
        PUT(o->city, c->city);
        PUT(o->reason, stops[i].reason);
        o->lat = c->lat;
        o->lon = c->lon;
        o->km = c->km;
        o->off_route_km = c->off;
        o->eta = stops[i].eta;
        o->level_litres = stops[i].level;
        o->litres = stops[i].litres;
    }
#undef PUT
    *out = p;
    return AS_OK;
}

/* Why a stop was chosen. */
static void stop_reason(const cand *c, int furthest, unsigned want, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    if (c->usual_station)
        n += (size_t)snprintf(out + n, outsz - n, "%susual station", n ? "; " : "");
    else if (c->usual_brand)
        n += (size_t)snprintf(out + n, outsz - n, "%susual brand", n ? "; " : "");
    unsigned got = c->services & want;
    if (got && n < outsz) {
        n += (size_t)snprintf(out + n, outsz - n, "%swanted services: ", n ? "; " : "");
        int first = 1;
        for (int i = 0; as__station_services[i] && n < outsz; i++)
            if (got & (1u << i)) {
                n += (size_t)snprintf(out + n, outsz - n, "%s%s", first ? "" : ",",
                                      as__station_services[i]);
                first = 0;
            }
    }
    if (!out[0] || (furthest && n < outsz && !c->usual_station && !c->usual_brand && !got))
        snprintf(out, outsz, "range");
}

static int score(const cand *c, unsigned want)
{
    int s = 4 * c->usual_station + 2 * c->usual_brand;
    for (unsigned m = c->services & want; m; m &= m - 1)
        s++;
    return s;
}

as_status as_trip_plan(as_db *db, const char *plate, const as_route_point *points, size_t n,
                       const as_trip_options *opts, as_trip **plan)
{
    if (plan)
        *plan = NULL;
    if (!db || !plate || !points || !plan)
        return db ? as__fail(db, AS_MISUSE, "as_trip_plan: NULL argument") : AS_MISUSE;
    as_trip_options o = AS_TRIP_OPTIONS_INIT;
    if (opts) {
        if (opts->version != AS_TRIP_OPTIONS_VERSION)
            return as__fail(db, AS_MISUSE, "as_trip_plan: unknown options version %u",
                            opts->version);
        o = *opts;
    }
    char why[200];
    if (n < 2)
        return as__fail(db, AS_INVALID, "route: a route needs at least 2 points (found %zu)", n);
    for (size_t i = 0; i < n; i++)
        if (point_bad(points[i].lat, points[i].lon, why, sizeof why))
            return as__fail(db, AS_INVALID, "route: point %zu: %s", i + 1, why);
    unsigned want = 0;
    for (size_t i = 0; i < o.nwant; i++) {
        int b = as__station_service(o.want[i]);
        if (b < 0)
            return as__fail(db, AS_INVALID,
                            "want: '%s' is not a known service (洗车, 便利店, 充电桩, 休息区,"
                            " 卫生间, 餐饮, 维修, 尿素)", o.want[i] ? o.want[i] : "");
        want |= 1u << b;
    }
    const as__trips_cfg *cfg = trips_cfg(db);
    double tank = o.tank_litres > 0 ? o.tank_litres : cfg->tank_litres;
    if (!(tank >= 5 && tank <= 1500))
        return as__fail(db, AS_INVALID, "tank: %g litres is out of range (5 to 1500)", tank);
    if (o.level_litres >= 0 && o.level_litres > tank)
        return as__fail(db, AS_INVALID, "level: %g litres is more than the tank's %g",
                        o.level_litres, tank);
    if (o.level_pct > 100)
        return as__fail(db, AS_INVALID, "level: %g%% is more than 100%%", o.level_pct);
    if (o.l_per_100km < 0 || o.l_per_100km > 100)
        return as__fail(db, AS_INVALID, "consumption: %g l/100 km is out of range (0 to 100)",
                        o.l_per_100km);
    char *norm = NULL;
    as_status st = as_plate_normalize(plate, &norm);
    if (st == AS_INVALID)
        return as__fail(db, st, "plate: '%s' is not a Chinese licence plate", plate);
    if (st != AS_OK)
        return as__fail(db, st, "plate: %s", as_status_string(st));
    sqlite3_int64 vid = 0;
    char user_id[80] = "", grade[8] = "";
    planner pl;
    memset(&pl, 0, sizeof pl);
    pl.db = db;
    pl.cfg = cfg;
    double *cum = NULL;
    pstop *stops = NULL;
    size_t nstops = 0, capstops = 0;
    as_trip t;
    memset(&t, 0, sizeof t);
    char gap[400] = "";
    /* One read transaction: every figure from one state of the database. */
    if ((st = as__exec(db, "SAVEPOINT as_trip_plan")) != AS_OK) {
        free(norm);
        return st;
    }
    st = as__vehicle_find(db, norm, &vid, user_id, sizeof user_id);
    if (st == AS_OK) {
        if (o.grade) {
            if (as_grade_normalize(o.grade, grade) != AS_OK)
                st = as__fail(db, AS_INVALID, "grade: '%s' is not a fuel grade", o.grade);
        } else {
            static const char gsql[] = "SELECT grade FROM vehicles WHERE id = ?1";
            sqlite3_stmt *s = as__stmt(db, gsql);
            if (!s) {
                st = AS_INTERNAL;
            } else {
                sqlite3_bind_int64(s, 1, vid);
                if (sqlite3_step(s) == SQLITE_ROW)
                    as__column_copy(s, 0, grade, sizeof grade);
                sqlite3_reset(s);
                if (!grade[0])
                    st = as__fail(db, AS_INVALID, "grade: no grade is known for %s (give --grade,"
                                  " or vehicle update --grade)", norm);
            }
        }
    }
    double l100 = o.l_per_100km;
    t.consumption_from = "option";
    if (st == AS_OK && l100 <= 0) {
        st = consumption(db, vid, user_id, norm, &l100);
        t.consumption_from = "records";
        if (st == AS_OK && l100 <= 0) {
            l100 = cfg->default_l_per_100km;
            t.consumption_from = "default";
        }
    }
    double level = o.level_litres >= 0 ? o.level_litres
                   : o.level_pct >= 0  ? tank * o.level_pct / 100
                                       : -1;
    t.start_from = "option";
    if (st == AS_OK && level < 0) {
        st = last_fill_level(db, vid, user_id, norm, tank, l100, &level);
        t.start_from = "last fill-up";
        if (st == AS_OK && level < 0)
            st = as__fail(db, AS_INVALID, "level: no fill-up of %s is recorded, so the fuel in"
                          " the tank is not known (give --level)", norm);
    }
    static const char usual_ids_sql[] =
        "SELECT station_id FROM fuelings WHERE user_id = ?1 GROUP BY station_id"
        " HAVING count(*) >= 2";
    static const char usual_brands_sql[] =
        "SELECT s.brand FROM fuelings f JOIN stations s ON s.station_id = f.station_id"
        " WHERE f.user_id = ?1 AND s.brand IS NOT NULL GROUP BY s.brand HAVING count(*) >= 2";
    if (st == AS_OK)
        st = collect_texts(db, usual_ids_sql, user_id, &pl.usual_ids, &pl.nids);
    if (st == AS_OK)
        st = collect_texts(db, usual_brands_sql, user_id, &pl.usual_brands, &pl.nbrands);
    if (st == AS_OK && !(cum = malloc(n * sizeof *cum)))
        st = as__fail(db, AS_NOMEM, "out of memory");
    if (st == AS_OK) {
        cum[0] = 0;
        for (size_t i = 1; i < n; i++)
            cum[i] = cum[i - 1] + as__haversine_km(points[i - 1].lat, points[i - 1].lon,
                                                   points[i].lat, points[i].lon);
        st = find_candidates(&pl, points, n, cum, grade);
    }
    if (st == AS_OK && pl.nc > 1)
        qsort(pl.c, pl.nc, sizeof *pl.c, by_km);
    /* Step 5, the greedy walk. */
    double route_km = cum ? cum[n - 1] : 0, reserve = tank * cfg->reserve_share;
    int64_t depart = o.depart ? o.depart : as__now();
    double speed = cfg->speed_kmh, stop_s = cfg->stop_minutes * 60;
    double pos = 0, back = 0, driven = 0, lv = level;
    size_t next = 0;              /* the first candidate not yet passed */
    int done = 0;
    while (st == AS_OK && !done) {
        double floor_ = nstops == 0 && lv < reserve ? 0 : reserve;
        double end_level = lv - l100 * (back + route_km - pos) / 100;
        if (end_level >= reserve) {
            t.feasible = 1;
            t.arrive_litres = end_level;
            t.arrive = depart + (int64_t)llround((driven + back + route_km - pos) / speed * 3600 +
                                                 (double)nstops * stop_s);
            break;
        }
        /* the reachable candidates ahead, open on arrival */
        size_t best = SIZE_MAX, far = SIZE_MAX;
        int closed = 0;
        double reach = pos + (lv - floor_) / l100 * 100 - back;
        for (size_t k = next; k < pl.nc; k++) {
            const cand *c = &pl.c[k];
            if (c->km < pos || (c->km == pos && k < next))
                continue;
            double dist = back + c->km - pos + c->off;
            double arrive_level = lv - l100 * dist / 100;
            if (arrive_level < floor_)
                continue;
            int64_t eta = depart + (int64_t)llround((driven + dist) / speed * 3600 +
                                                    (double)nstops * stop_s);
            if (!as__hours_open(&c->hours, eta, as_db_utc_offset(db))) {
                closed++;
                continue;
            }
            far = k;   /* sorted by km: the last reachable is the furthest */
        }
        if (far == SIZE_MAX) {
            /* the gap: from here to the next station beyond reach */
            double to = route_km;
            for (size_t k = next; k < pl.nc; k++)
                if (pl.c[k].km > reach && pl.c[k].km >= pos) {
                    to = pl.c[k].km;
                    break;
                }
            t.gap_from_km = pos;
            t.gap_to_km = to;
            t.range_km = fmax(0, reach - pos);
            snprintf(gap, sizeof gap,
                     "no station within %g km of the route sells %s and is open on arrival"
                     " between km %.1f and km %.1f, where the fuel reaches the reserve"
                     " (%.1f l)%s; the next such station is %s%.1f",
                     cfg->corridor_km, grade, pos, fmin(reach, route_km), floor_,
                     closed ? " (stations in reach are closed then)" : "",
                     to < route_km ? "at km " : "the destination, km ", to);
            break;
        }
        best = far;
        int best_score = score(&pl.c[far], want);
        double span_lo = pos + 0.8 * (pl.c[far].km - pos);
        for (size_t k = next; k < far; k++) {
            const cand *c = &pl.c[k];
            if (c->km < span_lo || c->km < pos)
                continue;
            double dist = back + c->km - pos + c->off;
            if (lv - l100 * dist / 100 < floor_)
                continue;
            int64_t eta = depart + (int64_t)llround((driven + dist) / speed * 3600 +
                                                    (double)nstops * stop_s);
            if (!as__hours_open(&c->hours, eta, as_db_utc_offset(db)))
                continue;
            int sc = score(c, want);
            if (sc > best_score) {   /* ties: the further one, already best */
                best = k;
                best_score = sc;
            }
        }
        const cand *c = &pl.c[best];
        double dist = back + c->km - pos + c->off;
        if (nstops == capstops) {
            size_t cap = capstops ? capstops * 2 : 8;
            pstop *ns = realloc(stops, cap * sizeof *ns);
            if (!ns) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            stops = ns;
            capstops = cap;
        }
        pstop *ps = &stops[nstops];
        ps->c = c;
        ps->eta = depart + (int64_t)llround((driven + dist) / speed * 3600 +
                                            (double)nstops * stop_s);
        ps->level = lv - l100 * dist / 100;
        ps->litres = tank - ps->level;
        stop_reason(c, best == far, want, ps->reason, sizeof ps->reason);
        nstops++;
        driven += dist;
        pos = c->km;
        back = c->off;
        lv = tank;
        next = best + 1;
    }
    if (st == AS_OK) {
        t.plate = norm;
        t.user_id = user_id;
        t.grade = grade;
        t.route_km = route_km;
        t.l_per_100km = l100;
        t.tank_litres = tank;
        t.start_litres = level;
        t.reserve_litres = reserve;
        t.corridor_km = cfg->corridor_km;
        t.speed_kmh = speed;
        t.depart = depart;
        t.gap = t.feasible ? NULL : gap;
        st = build_plan(db, &t, stops, nstops, plan);
    }
    as__exec(db, "RELEASE as_trip_plan");
    free(stops);
    free(cum);
    planner_free(&pl);
    free(norm);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

void as_trip_plan_free(as_trip *plan)
{
    free(plan);
}
