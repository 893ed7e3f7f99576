/* station.c - the station registry (018_stations.sql): opening hours,
 * the import (upsert by station id, through the shared import driver),
 * reading one station, listing and the spatial search (R*Tree prefilter,
 * then haversine). */
#include "import.h"
#include "json.h"
#include "station.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const as__station_services[] = {
    "洗车", "便利店", "充电桩", "休息区", "卫生间", "餐饮", "维修", "尿素", NULL,
};

int as__station_service(const char *s)
{
    for (int i = 0; s && as__station_services[i]; i++)
        if (strcmp(s, as__station_services[i]) == 0)
            return i;
    return -1;
}

double as__haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    const double r = 6371.0088, rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1)
        a = 1;
    return 2 * r * asin(sqrt(a));
}

/* ---- opening hours --------------------------------------------------- */

static const char *const weekdays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* "HH:MM" at *p (end 1: 24:00 allowed); minutes or -1. */
static int hhmm(const char **p, int end)
{
    const char *s = *p;
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m || !end)))
        return -1;
    *p = s + 5;
    return h * 60 + m;
}

static int weekday_at(const char *s, size_t n)
{
    for (int i = 0; i < 7; i++)
        if (n == 3 && memcmp(s, weekdays[i], 3) == 0)
            return i;
    return -1;
}

/* Days "mon-fri,sun" in s[0, n) to a mask; 0 when malformed. */
static unsigned days_mask(const char *s, size_t n)
{
    unsigned mask = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        const char *dash = memchr(s + i, '-', j - i);
        int a, b;
        if (dash) {
            a = weekday_at(s + i, (size_t)(dash - (s + i)));
            b = weekday_at(dash + 1, (size_t)(s + j - dash - 1));
        } else {
            a = b = weekday_at(s + i, j - i);
        }
        if (a < 0 || b < 0)
            return 0;
        for (int d = a;; d = (d + 1) % 7) {
            mask |= 1u << d;
            if (d == b)
                break;
        }
        i = j + 1;
        if (j < n && i == n)
            return 0;   /* a trailing comma */
    }
    return mask;
}

as_status as__hours_parse(const char *text, as__hours *h, char *norm, char *why, size_t whysz)
{
    char folded[AS__FOLD_MAX], buf[AS__HOURS_TEXT_MAX + 1];
    memset(h, 0, sizeof *h);
    const char *t = as__fold_fullwidth(text, folded, sizeof folded);
    if (!t || strlen(t) > AS__HOURS_TEXT_MAX) {
        snprintf(why, whysz, "is longer than %d bytes", AS__HOURS_TEXT_MAX);
        return AS_INVALID;
    }
    /* lower case, white space collapsed, trimmed */
    size_t n = 0;
    for (const char *p = t; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isspace(c)) {
            if (n && buf[n - 1] != ' ')
                buf[n++] = ' ';
        } else {
            buf[n++] = (char)tolower(c);
        }
    }
    while (n && buf[n - 1] == ' ')
        n--;
    buf[n] = '\0';
    if (!n) {
        snprintf(why, whysz, "is empty (use 24h, 06:00-22:00 or mon-fri 06:00-22:00; ...)");
        return AS_INVALID;
    }
    if (norm)
        memcpy(norm, buf, n + 1);
    const char *p = buf;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && *p == ' ')
            p++, len--;
        while (len && p[len - 1] == ' ')
            len--;
        if (!len) {
            snprintf(why, whysz, "has an empty part between ';'");
            return AS_INVALID;
        }
        char spec[AS__HOURS_TEXT_MAX + 1];
        memcpy(spec, p, len);
        spec[len] = '\0';
        unsigned mask = 0x7f;
        const char *r = spec;
        if (isalpha((unsigned char)spec[0]) && strcmp(spec, "24h") != 0 &&
            strcmp(spec, "closed") != 0) {
            const char *sp = strchr(spec, ' ');
            if (!sp) {
                snprintf(why, whysz, "'%s' has days but no hours", spec);
                return AS_INVALID;
            }
            if (!(mask = days_mask(spec, (size_t)(sp - spec)))) {
                snprintf(why, whysz, "'%.*s' is not a list of days (mon, tue-fri, sat,sun)",
                         (int)(sp - spec), spec);
                return AS_INVALID;
            }
            r = sp + 1;
        }
        as__hours one;
        int k = 0;
        if (strcmp(r, "closed") == 0) {
            k = 0;
        } else if (strcmp(r, "24h") == 0) {
            one.s[0][0] = 0;
            one.e[0][0] = 1440;
            k = 1;
        } else {
            const char *q = r;
            for (;;) {
                const char *q0 = q;
                int a = hhmm(&q, 0), b = -1;
                if (a >= 0 && *q == '-') {
                    q++;
                    b = hhmm(&q, 1);
                }
                if (a < 0 || b < 0 || (*q && *q != ',')) {
                    snprintf(why, whysz, "'%s' is not a time range such as 06:00-22:00", q0);
                    return AS_INVALID;
                }
                if (a == b || (a == 0 && b == 0)) {
                    snprintf(why, whysz, "'%.11s' opens and closes at the same time (24h?)", q0);
                    return AS_INVALID;
                }
                if (k == AS__HOURS_MAX) {
                    snprintf(why, whysz, "has more than %d ranges a day", AS__HOURS_MAX);
                    return AS_INVALID;
                }
                one.s[0][k] = (short)a;
                one.e[0][k] = (short)(b == 1440 && a > 0 ? 1440 : b);
                k++;
                if (!*q)
                    break;
                q++;
            }
        }
        for (int d = 0; d < 7; d++)
            if (mask & (1u << d)) {
                h->n[d] = k;
                for (int i = 0; i < k; i++) {
                    h->s[d][i] = one.s[0][i];
                    h->e[d][i] = one.e[0][i];
                }
            }
        p += len;
        while (*p == ' ')
            p++;
        if (*p == ';') {
            p++;
            if (!*p || (*p == ' ' && !p[1])) {
                snprintf(why, whysz, "ends with ';'");
                return AS_INVALID;
            }
        }
    }
    return AS_OK;
}

int as__hours_open(const as__hours *h, int64_t t, int utc_offset)
{
    int64_t local = t + (int64_t)utc_offset * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int m = (int)((local - days * 86400) / 60);
    int wd = (int)(((days + 3) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
    for (int i = 0; i < h->n[wd]; i++) {
        int s = h->s[wd][i], e = h->e[wd][i];
        if (m >= s && (e <= s || m < e))
            return 1;
    }
    int pd = (wd + 6) % 7;
    for (int i = 0; i < h->n[pd]; i++)
        if (h->e[pd][i] <= h->s[pd][i] && m < h->e[pd][i])
            return 1;
    return 0;
}

as_status as_station_hours_check(const char *text, char *why, size_t whysz)
{
    char w[160];
    as__hours h;
    if (!text)
        return AS_MISUSE;
    as_status st = as__hours_parse(text, &h, NULL, w, sizeof w);
    if (st != AS_OK && why && whysz)
        snprintf(why, whysz, "%s", w);
    return st;
}

as_status as_station_open_at(const char *hours, int64_t t, int utc_offset_minutes, int *open)
{
    char w[160];
    as__hours h;
    if (!hours || !open)
        return AS_MISUSE;
    *open = 0;
    if (as__hours_parse(hours, &h, NULL, w, sizeof w) != AS_OK)
        return AS_INVALID;
    *open = as__hours_open(&h, t, utc_offset_minutes);
    return AS_OK;
}

/* ---- one row's values, checked ------------------------------------------- */

enum { COL_ID, COL_NAME, COL_REGION, COL_CITY, COL_ADDRESS, COL_LAT, COL_LON, COL_BRAND,
       COL_GRADES, COL_SERVICES, COL_HOURS, NCOLS };

static const char *const columns[NCOLS + 1] = {
    "station_id", "name", "region", "city", "address", "lat", "lon", "brand", "grades",
    "services", "hours", NULL,
};

typedef struct st_norm {
    const char *id;
    char *name, *city, *address, *brand;
    char region[7];
    int has_coords;
    double lat, lon;
    as_buf grades, services;      /* JSON arrays */
    char hours[AS__HOURS_TEXT_MAX + 1];
} st_norm;

static void norm_free(st_norm *n)
{
    free(n->name);
    free(n->city);
    free(n->address);
    free(n->brand);
    as__buf_free(&n->grades);
    as__buf_free(&n->services);
}

static int blank(const char *s)
{
    if (!s)
        return 1;
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s;
}

/* A text cell trimmed and NFC-normalised into *out (NULL when blank);
 * max characters.  Returns 0, or -1 after reporting. */
static int text_cell(as__import *im, const char *cell, const char *field, size_t max,
                     char **out, int *nomem)
{
    char why[160];
    *out = NULL;
    if (blank(cell))
        return 0;
    while (*cell == ' ' || *cell == '\t')
        cell++;
    size_t len = strlen(cell);
    while (len && (cell[len - 1] == ' ' || cell[len - 1] == '\t'))
        len--;
    as_status st = as__text_nfc(cell, len, out, why, sizeof why);
    if (st == AS_NOMEM) {
        *nomem = 1;
        return -1;
    }
    if (st != AS_OK) {
        as__import_problem(im, field, why);
        return -1;
    }
    if (as__utf8_chars(*out) > max) {
        snprintf(why, sizeof why, "is longer than %zu characters", max);
        as__import_problem(im, field, why);
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* A coordinate in degrees; 0, or -1 when it is not a number in range. */
static int degrees(const char *cell, double lo, double hi, double *out)
{
    char folded[AS__FOLD_MAX];
    const char *t = as__fold_fullwidth(cell, folded, sizeof folded);
    if (!t)
        return -1;
    while (*t == ' ')
        t++;
    if (!*t || !(isdigit((unsigned char)*t) || *t == '-' || *t == '+' || *t == '.'))
        return -1;
    char *end;
    double v = strtod(t, &end);
    while (*end == ' ')
        end++;
    if (*end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* The items of a list cell: a JSON array (JSON Lines) or text separated by
 * '|', ',', ';', '、', '，' or spaces.  Calls fn for each (copied into a
 * scratch buffer); returns 0, -1 when fn refused one (reported), -2 when
 * a JSON array is malformed (reported), -3 out of memory. */
static int list_items(as__import *im, const char *cell, const char *field,
                      int (*fn)(as__import *im, const char *item, const char *field, as_buf *out),
                      as_buf *out)
{
    char item[128];
    int bad = 0;
    if (as__buf_addc(out, '[') < 0)
        return -3;
    while (*cell == ' ')
        cell++;
    if (*cell == '[') {
        as__json *j = NULL;
        char why[160];
        as_status st = as__json_parse(cell, strlen(cell), &j, why, sizeof why);
        if (st == AS_NOMEM)
            return -3;
        if (st != AS_OK || j->type != AS__J_ARRAY) {
            as__import_problem(im, field, st != AS_OK ? why : "is not a JSON array");
            as__json_free(j);
            return -2;
        }
        for (size_t i = 0; i < j->n; i++) {
            const as__json *v = &j->items[i];
            if ((v->type != AS__J_STRING && v->type != AS__J_NUMBER) || v->len >= sizeof item ||
                strlen(v->str) != v->len) {
                as__import_problem(im, field, "holds an item that is not a short text");
                bad = 1;
                continue;
            }
            if (fn(im, v->str, field, out) < 0)
                bad = 1;
        }
        as__json_free(j);
    } else {
        const char *p = cell;
        while (*p) {
            size_t k = 0;
            while (*p && !strchr("|,; ", *p) && strncmp(p, "、", 3) != 0 &&
                   strncmp(p, "，", 3) != 0) {
                if (k + 1 < sizeof item)
                    item[k++] = *p;
                p++;
            }
            item[k] = '\0';
            if (k && fn(im, item, field, out) < 0)
                bad = 1;
            if (*p)
                p += (unsigned char)*p >= 0x80 ? 3 : 1;
        }
    }
    if (as__buf_addc(out, ']') < 0 || as__buf_addc(out, '\0') < 0)
        return -3;
    out->len--;
    return bad ? -1 : 0;
}

/* Append s to a JSON array being built, unless it is there already. */
static int add_unique(as_buf *out, const char *s)
{
    as_buf q = {0};
    if (as__json_quote(&q, s) < 0)
        return -1;
    int dup = 0;
    if (out->len > 1) {
        as_buf hay = {0};
        /* the items so far, each followed by ',' or the end */
        if (as__buf_add(&hay, out->data, out->len) < 0 || as__buf_addc(&hay, '\0') < 0) {
            as__buf_free(&q);
            as__buf_free(&hay);
            return -1;
        }
        const char *at = hay.data + 1;
        while ((at = strstr(at, q.data)) != NULL) {
            char before = at[-1], after = at[q.len];
            if ((before == '[' || before == ',') && (after == ',' || after == '\0')) {
                dup = 1;
                break;
            }
            at += q.len;
        }
        as__buf_free(&hay);
    }
    int rc = 0;
    if (!dup)
        rc = (out->len > 1 && as__buf_addc(out, ',') < 0) || as__buf_add(out, q.data, q.len) < 0
                 ? -1 : 0;
    as__buf_free(&q);
    return rc;
}

static int grade_item(as__import *im, const char *item, const char *field, as_buf *out)
{
    char g[8], why[160];
    if (as_grade_normalize(item, g) != AS_OK) {
        snprintf(why, sizeof why, "'%.40s' is not a fuel grade (92, 95, 98, E92, 0, CNG, ...)",
                 item);
        as__import_problem(im, field, why);
        return -1;
    }
    return add_unique(out, g) < 0 ? -1 : 0;
}

static int service_item(as__import *im, const char *item, const char *field, as_buf *out)
{
    char why[200];
    if (as__station_service(item) < 0) {
        snprintf(why, sizeof why,
                 "'%.40s' is not a known service (洗车, 便利店, 充电桩, 休息区, 卫生间, 餐饮, 维修,"
                 " 尿素)", item);
        as__import_problem(im, field, why);
        return -1;
    }
    return add_unique(out, item) < 0 ? -1 : 0;
}

/* Check and normalise a row's cells into n; problems reported.  Returns
 * AS_OK (look at the row's problems) or AS_NOMEM. */
static as_status normalize(as__import *im, const char *const *cell, st_norm *n)
{
    char why[160];
    int nomem = 0;
    memset(n, 0, sizeof *n);
    n->id = cell[COL_ID];
    if (as__check_id(n->id, why, sizeof why) != AS_OK)
        as__import_problem(im, "station_id", why);
    if (blank(cell[COL_NAME]))
        as__import_problem(im, "name", "is missing");
    else
        text_cell(im, cell[COL_NAME], "name", 100, &n->name, &nomem);
    const char *r = cell[COL_REGION];
    if (blank(r))
        as__import_problem(im, "region", "is missing");
    else if (as_region_check(r) != AS_OK) {
        snprintf(why, sizeof why, "'%.40s' is not a 6-digit division code (530102)", r);
        as__import_problem(im, "region", why);
    } else {
        memcpy(n->region, r, 7);
    }
    if (blank(cell[COL_CITY]))
        as__import_problem(im, "city", "is missing");
    else
        text_cell(im, cell[COL_CITY], "city", 50, &n->city, &nomem);
    text_cell(im, cell[COL_ADDRESS], "address", 300, &n->address, &nomem);
    text_cell(im, cell[COL_BRAND], "brand", 50, &n->brand, &nomem);
    const char *la = cell[COL_LAT], *lo = cell[COL_LON];
    if (blank(la) != blank(lo)) {
        as__import_problem(im, blank(la) ? "lat" : "lon",
                           "is missing (give both lat and lon, or neither)");
    } else if (!blank(la)) {
        int ok = 1;
        if (degrees(la, -90, 90, &n->lat) < 0) {
            snprintf(why, sizeof why, "'%.40s' is not a latitude (-90 to 90, GCJ-02 degrees)", la);
            as__import_problem(im, "lat", why);
            ok = 0;
        }
        if (degrees(lo, -180, 180, &n->lon) < 0) {
            snprintf(why, sizeof why, "'%.40s' is not a longitude (-180 to 180, GCJ-02 degrees)",
                     lo);
            as__import_problem(im, "lon", why);
            ok = 0;
        }
        n->has_coords = ok;
    }
    if (list_items(im, blank(cell[COL_GRADES]) ? "" : cell[COL_GRADES], "grades", grade_item,
                   &n->grades) == -3 ||
        list_items(im, blank(cell[COL_SERVICES]) ? "" : cell[COL_SERVICES], "services",
                   service_item, &n->services) == -3)
        nomem = 1;
    as__hours h;
    if (blank(cell[COL_HOURS]))
        memcpy(n->hours, "24h", 4);
    else if (as__hours_parse(cell[COL_HOURS], &h, n->hours, why, sizeof why) != AS_OK)
        as__import_problem(im, "hours", why);
    return nomem ? AS_NOMEM : AS_OK;
}

/* ---- writing ----------------------------------------------------------- */

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static as_status write_station(as_db *db, const st_norm *n, as_upsert *result)
{
    static const char get_sql[] =
        "SELECT name, region, city, address, lat, lon, brand, grades, services, hours"
        " FROM stations WHERE station_id = ?1";
    static const char ins_sql[] =
        "INSERT INTO stations (station_id, name, region, city, address, lat, lon, brand, grades,"
        " services, hours, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";
    static const char upd_sql[] =
        "UPDATE stations SET name = ?2, region = ?3, city = ?4, address = ?5, lat = ?6, lon = ?7,"
        " brand = ?8, grades = ?9, services = ?10, hours = ?11, updated_at = ?12"
        " WHERE station_id = ?1";
    static const char changed_sql[] =
        "INSERT OR IGNORE INTO temp.station_changed (station_id) VALUES (?1)";
    sqlite3_stmt *s = as__stmt(db, get_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, n->id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int exists = rc == SQLITE_ROW, same = 0, city_changed = 1;
    if (exists) {
        const char *region = as__column_text(s, 1);
        city_changed = !region || strncmp(region, n->region, AS__CITY_KEY_LEN) != 0;
        int coords = sqlite3_column_type(s, 4) != SQLITE_NULL;
        same = same_text(as__column_text(s, 0), n->name) && same_text(region, n->region) &&
               same_text(as__column_text(s, 2), n->city) &&
               same_text(as__column_text(s, 3), n->address) && coords == n->has_coords &&
               (!coords || (sqlite3_column_double(s, 4) == n->lat &&
                            sqlite3_column_double(s, 5) == n->lon)) &&
               same_text(as__column_text(s, 6), n->brand) &&
               same_text(as__column_text(s, 7), n->grades.data) &&
               same_text(as__column_text(s, 8), n->services.data) &&
               same_text(as__column_text(s, 9), n->hours);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a station");
    if (same) {
        *result = AS_UPSERT_UNCHANGED;
        return AS_OK;
    }
    if (!(s = as__stmt(db, exists ? upd_sql : ins_sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, n->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, n->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, n->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, n->city, -1, SQLITE_STATIC);
    as__bind_text_or_null(s, 5, n->address);
    if (n->has_coords) {
        sqlite3_bind_double(s, 6, n->lat);
        sqlite3_bind_double(s, 7, n->lon);
    }
    as__bind_text_or_null(s, 8, n->brand);
    sqlite3_bind_text(s, 9, n->grades.data, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, n->services.data, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 11, n->hours, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 12, as__now());
    as_status st = as__step_done(db, s, exists ? "updating a station" : "adding a station");
    if (st != AS_OK)
        return st;
    *result = exists ? AS_UPSERT_UPDATED : AS_UPSERT_INSERTED;
    /* A new station, or one in another city: the profiles of the users
     * who fueled there count their cities again (finish, below). */
    if (city_changed) {
        if (!(s = as__stmt(db, changed_sql)))
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, n->id, -1, SQLITE_STATIC);
        st = as__step_done(db, s, "noting a station's city");
    }
    return st;
}

static as_status station_row(as__import *im, const char *const *cells, const char *extra,
                             as_upsert *result, void *ctx)
{
    (void)extra;
    (void)ctx;
    st_norm n;
    as_status st = normalize(im, cells, &n);
    if (st == AS_OK && !as__import_row_problems(im))
        st = write_station(as__import_db(im), &n, result);
    norm_free(&n);
    if (st == AS_NOMEM)
        st = as__fail(as__import_db(im), AS_NOMEM, "out of memory");
    return st;
}

/* After the last row: the users who fueled at a station that is new or in
 * another city have their profiles brought up to date (one scan of the
 * fueling records, only when there is such a station). */
static as_status station_finish(as__import *im, void *ctx)
{
    (void)ctx;
    static const char any_sql[] = "SELECT EXISTS (SELECT 1 FROM temp.station_changed)";
    static const char dirty_sql[] =
        "INSERT OR IGNORE INTO main.profile_dirty (user_id)"
        " SELECT DISTINCT f.user_id FROM fuelings f"
        " WHERE f.station_id IN (SELECT station_id FROM temp.station_changed)";
    as_db *db = as__import_db(im);
    sqlite3_stmt *s = as__stmt(db, any_sql);
    if (!s)
        return AS_INTERNAL;
    int rc = sqlite3_step(s);
    int any = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading the stations changed");
    if (!any)
        return AS_OK;
    if (!(s = as__stmt(db, dirty_sql)))
        return AS_INTERNAL;
    return as__step_done(db, s, "marking profiles for update");
}

as_status as_station_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                            as_import_stats *stats)
{
    static const as__import_spec spec = {
        .columns = columns,
        .nrequired = 4,
        .row = station_row,
    };
    if (!db || !in)
        return db ? as__fail(db, AS_MISUSE, "as_station_import: NULL argument") : AS_MISUSE;
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    if (opts && as__import_options_copy(&o, opts) != AS_OK)
        return as__fail(db, AS_MISUSE, "station import: unknown options version %u",
                        opts->version);
    o.flags |= AS__IMPORT_NESTED;   /* grades and services as JSON arrays */
    as_status st = as__exec(db, "CREATE TEMP TABLE IF NOT EXISTS station_changed"
                                " (station_id TEXT PRIMARY KEY) WITHOUT ROWID;"
                                " DELETE FROM temp.station_changed");
    if (st != AS_OK)
        return st;
    st = as__import_run_ex(db, in, name, &o, &spec, station_finish, stats);
    as__exec(db, "DELETE FROM temp.station_changed");
    return st;
}

/* ---- reading ------------------------------------------------------------- */

#define STATION_COLS                                                                          \
    "s.station_id, s.name, s.region, s.city, s.address, s.lat, s.lon, s.brand, s.grades,"    \
    " s.services, s.hours, s.created_at, s.updated_at"

/* The texts of a JSON array of strings (stored by the import). */
static size_t json_texts(const char *json, as__json **j)
{
    *j = NULL;
    if (!json || as__json_parse(json, strlen(json), j, NULL, 0) != AS_OK)
        return 0;
    if ((*j)->type != AS__J_ARRAY) {
        as__json_free(*j);
        *j = NULL;
        return 0;
    }
    return (*j)->n;
}

/* The row of s as one allocation. */
static as_status station_build(as_db *db, sqlite3_stmt *s, double dist, as_station **out)
{
    *out = NULL;
    as__json *g = NULL, *v = NULL;
    size_t ng = json_texts(as__column_text(s, 8), &g);
    size_t nv = json_texts(as__column_text(s, 9), &v);
    static const int text_cols[] = {0, 1, 2, 3, 4, 7, 10};
    size_t size = sizeof(as_station) + (ng + nv) * sizeof(char *);
    for (size_t i = 0; i < sizeof text_cols / sizeof *text_cols; i++)
        size += (size_t)sqlite3_column_bytes(s, text_cols[i]) + 1;
    for (size_t i = 0; i < ng; i++)
        size += g->items[i].len + 1;
    for (size_t i = 0; i < nv; i++)
        size += v->items[i].len + 1;
    as_station *st = calloc(1, size);
    if (!st) {
        as__json_free(g);
        as__json_free(v);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    const char **arr = (const char **)(st + 1);
    char *w = (char *)(arr + ng + nv);
    const char **dst[] = {&st->station_id, &st->name, &st->region, &st->city, &st->address,
                          &st->brand, &st->hours};
    for (size_t i = 0; i < sizeof text_cols / sizeof *text_cols; i++) {
        const char *t = as__column_text(s, text_cols[i]);
        if (!t) {
            *dst[i] = NULL;
            continue;
        }
        size_t n = (size_t)sqlite3_column_bytes(s, text_cols[i]);
        memcpy(w, t, n + 1);
        *dst[i] = w;
        w += n + 1;
    }
    for (size_t i = 0; i < ng + nv; i++) {
        const as__json *item = i < ng ? &g->items[i] : &v->items[i - ng];
        memcpy(w, item->str ? item->str : "", item->len + 1);
        arr[i] = w;
        w += item->len + 1;
    }
    st->grades = arr;
    st->ngrades = ng;
    st->services = arr + ng;
    st->nservices = nv;
    st->has_coords = sqlite3_column_type(s, 5) != SQLITE_NULL;
    st->lat = sqlite3_column_double(s, 5);
    st->lon = sqlite3_column_double(s, 6);
    st->created_at = sqlite3_column_int64(s, 11);
    st->updated_at = sqlite3_column_int64(s, 12);
    st->distance_km = dist;
    as__json_free(g);
    as__json_free(v);
    *out = st;
    return AS_OK;
}

as_status as_station_get(as_station **out, as_db *db, const char *station_id)
{
    if (!out || !db || !station_id)
        return db ? as__fail(db, AS_MISUSE, "as_station_get: NULL argument") : AS_MISUSE;
    *out = NULL;
    static const char sql[] = "SELECT " STATION_COLS " FROM stations s WHERE s.station_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, station_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st;
    if (rc == SQLITE_ROW)
        st = station_build(db, s, -1, out);
    else if (rc == SQLITE_DONE)
        st = as__fail(db, AS_NOTFOUND, "no station '%s'", station_id);
    else
        st = as__sqlfail(db, rc, "reading a station");
    sqlite3_reset(s);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

void as_station_free(as_station *station)
{
    free(station);
}

struct as_station_iter {
    as_db *db;
    sqlite3_stmt *st;             /* listing: stepped row by row */
    as_station **rows;            /* near: every match, nearest first */
    size_t n, pos;
    as_station *cur;              /* listing: the current view */
    int has_hours;
    int64_t open_at;
    int64_t limit, given;
};

#define STATION_FILTERS                                                                       \
    " WHERE (?1 IS NULL OR s.city = ?1) AND (?2 IS NULL OR substr(s.region, 1, length(?2)) = ?2)" \
    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(s.services) WHERE value = ?3))"        \
    " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(s.grades) WHERE value = ?4))"

static const char list_sql[] =
    "SELECT " STATION_COLS " FROM stations s" STATION_FILTERS " ORDER BY s.station_id";
static const char near_sql[] =
    "SELECT " STATION_COLS " FROM stations s" STATION_FILTERS
    " AND s.id IN (SELECT id FROM station_geo WHERE max_lat >= ?5 AND min_lat <= ?6"
    " AND max_lon >= ?7 AND min_lon <= ?8)";

void as_station_iter_free(as_station_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    for (size_t i = 0; i < it->n; i++)
        free(it->rows[i]);
    free(it->rows);
    free(it->cur);
    free(it);
}

/* Is the station of row s open at it->open_at (no filter: 1)? */
static int row_open(const as_station_iter *it, sqlite3_stmt *s)
{
    if (!it->open_at)
        return 1;
    as__hours h;
    char why[160];
    const char *t = as__column_text(s, 10);
    if (!t || as__hours_parse(t, &h, NULL, why, sizeof why) != AS_OK)
        return 0;
    return as__hours_open(&h, it->open_at, as_db_utc_offset(it->db));
}

static int by_distance(const void *a, const void *b)
{
    const as_station *x = *(as_station *const *)a, *y = *(as_station *const *)b;
    if (x->distance_km != y->distance_km)
        return x->distance_km < y->distance_km ? -1 : 1;
    return strcmp(x->station_id, y->station_id);
}

/* The box around (lat, lon) holding every point within r km. */
void as__geo_box(double lat, double lon, double r, double box[4])
{
    /* The box around a spherical cap of angular radius d: d in latitude;
     * in longitude asin(sin d / cos lat), wider than d / cos lat (which
     * missed stations near the east and west edges of large radii); every
     * longitude when the cap reaches a pole.  The margin covers the R*Tree's
     * 32-bit floats. */
    const double margin = 1e-4;
    double d = r / 111.194 * M_PI / 180.0;   /* 111.194 km a degree: R = 6371 km */
    double dlat = d * 180.0 / M_PI + margin;
    double c = cos(lat * M_PI / 180.0);
    double dlon = 360;
    if (d < M_PI / 2 && lat + dlat < 90 && lat - dlat > -90 && sin(d) < c)
        dlon = asin(sin(d) / c) * 180.0 / M_PI + margin;
    box[0] = lat - dlat;
    box[1] = lat + dlat;
    box[2] = lon - dlon;
    box[3] = lon + dlon;
}

as_status as_station_iter_new(as_station_iter **out, as_db *db, const as_station_query *query)
{
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_station_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    as_station_query q = AS_STATION_QUERY_INIT;
    if (query) {
        if (query->version != AS_STATION_QUERY_VERSION)
            return as__fail(db, AS_MISUSE, "as_station_iter_new: unknown query version %u",
                            query->version);
        q = *query;
    }
    char grade[8] = "", prefix[7] = "";
    if (q.grade && as_grade_normalize(q.grade, grade) != AS_OK)
        return as__fail(db, AS_INVALID, "grade: '%s' is not a fuel grade", q.grade);
    if (q.service && as__station_service(q.service) < 0)
        return as__fail(db, AS_INVALID,
                        "service: '%s' is not a known service (洗车, 便利店, 充电桩, 休息区,"
                        " 卫生间, 餐饮, 维修, 尿素)", q.service);
    if (q.region) {
        if (as_region_check(q.region) != AS_OK)
            return as__fail(db, AS_INVALID, "region: '%s' is not a 6-digit division code",
                            q.region);
        size_t keep = strcmp(q.region + 2, "0000") == 0 ? 2 : strcmp(q.region + 4, "00") == 0 ? 4 : 6;
        memcpy(prefix, q.region, keep);
        prefix[keep] = '\0';
    }
    if (q.near && (!isfinite(q.lat) || !isfinite(q.lon) || q.lat < -90 || q.lat > 90 ||
                   q.lon < -180 || q.lon > 180))
        return as__fail(db, AS_INVALID, "at: %g,%g is not a point (latitude -90 to 90,"
                        " longitude -180 to 180)", q.lat, q.lon);
    if (q.near && !(q.radius_km > 0 && q.radius_km <= 2000))
        return as__fail(db, AS_INVALID, "radius: %g km is out of range (more than 0, at most 2000)",
                        q.radius_km);
    if (q.limit < 0)
        return as__fail(db, AS_INVALID, "limit: %lld is negative", (long long)q.limit);
    as_station_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    it->open_at = q.open_at;
    it->limit = q.limit;
    int rc = sqlite3_prepare_v2(db->sql, q.near ? near_sql : list_sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing stations");
    }
    if (q.city)
        sqlite3_bind_text(it->st, 1, q.city, -1, SQLITE_TRANSIENT);
    if (prefix[0])
        sqlite3_bind_text(it->st, 2, prefix, -1, SQLITE_TRANSIENT);
    if (q.service)
        sqlite3_bind_text(it->st, 3, q.service, -1, SQLITE_TRANSIENT);
    if (grade[0])
        sqlite3_bind_text(it->st, 4, grade, -1, SQLITE_TRANSIENT);
    if (!q.near) {
        *out = it;
        as__ok(db);
        return AS_OK;
    }
    double box[4];
    as__geo_box(q.lat, q.lon, q.radius_km, box);
    for (int i = 0; i < 4; i++)
        sqlite3_bind_double(it->st, 5 + i, box[i]);
    size_t cap = 0;
    as_status st = AS_OK;
    while ((rc = sqlite3_step(it->st)) == SQLITE_ROW) {
        double d = as__haversine_km(q.lat, q.lon, sqlite3_column_double(it->st, 5),
                                    sqlite3_column_double(it->st, 6));
        if (d > q.radius_km || !row_open(it, it->st))
            continue;
        if (it->n == cap) {
            cap = cap ? cap * 2 : 16;
            as_station **r = realloc(it->rows, cap * sizeof *r);
            if (!r) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            it->rows = r;
        }
        if ((st = station_build(db, it->st, d, &it->rows[it->n])) != AS_OK)
            break;
        it->n++;
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "searching stations");
    sqlite3_finalize(it->st);
    it->st = NULL;
    if (st != AS_OK) {
        as_station_iter_free(it);
        return st;
    }
    if (it->n > 1)
        qsort(it->rows, it->n, sizeof *it->rows, by_distance);
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_station_next(as_station_iter *it, const as_station **view)
{
    if (!it || !view)
        return AS_MISUSE;
    if (it->limit && it->given >= it->limit)
        return AS_DONE;
    if (!it->st) {
        if (it->pos >= it->n)
            return AS_DONE;
        it->given++;
        *view = it->rows[it->pos++];
        return AS_OK;
    }
    for (;;) {
        int rc = sqlite3_step(it->st);
        if (rc == SQLITE_DONE)
            return AS_DONE;
        if (rc != SQLITE_ROW)
            return as__sqlfail(it->db, rc, "listing stations");
        if (!row_open(it, it->st))
            continue;
        free(it->cur);
        it->cur = NULL;
        as_status st = station_build(it->db, it->st, -1, &it->cur);
        if (st != AS_OK)
            return st;
        it->given++;
        *view = it->cur;
        return AS_OK;
    }
}
