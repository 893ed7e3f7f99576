/* calendar.c - business calendars: business-time arithmetic and the public
 * as_calendar_* API.  Reading the `calendars` configuration section is in
 * calendar_config.c; calendar_impl.h holds the struct both share.
 *
 * Model.  Every weekday has up to AS__CAL_MAX_SPANS intervals.  An interval
 * may run past midnight ("22:00-06:00+1"): its part after midnight is a
 * "spill" onto the next day, and it belongs to the day it starts on (a
 * holiday on that day removes the whole shift, a make-up day adds it).
 * The working time of a day d is therefore
 *     own(hours_of(d)) + spill(hours_of(d - 1))
 * where hours_of(d) is -1 for a holiday, the configured weekday for a
 * make-up day, and d's own weekday otherwise.
 *
 * Speed.  Whole days are never walked one by one over long spans: the sum
 * over days [a, b) is full weeks times the weekly total, plus at most six
 * single days, plus the prefix sum of "adjustments" (actual minus regular
 * working time) of the few days special dates touch, found by binary
 * search.  as__calendar_add finds the due day by exponential and binary
 * search over that sum.
 */
#include "calendar_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- day arithmetic -------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int offset_of(const as__calendar *c)
{
    return c->has_tz ? c->utc_offset : c->cfg ? c->cfg->business.utc_offset : 480;
}

static const special *find_special(const as__calendar *c, int64_t day)
{
    size_t lo = 0, hi = c->nspecial;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->special[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nspecial && c->special[lo].day == day ? &c->special[lo] : NULL;
}

/* Whose hours apply on day (a weekday), or -1 for a day off. */
static int hours_of(const as__calendar *c, int64_t day)
{
    if (c->tab_len) {
        if (day >= c->tab_base && day < c->tab_base + c->tab_len)
            return c->tab_hours[day - c->tab_base];
        return wday_of(day);   /* the table covers every special date */
    }
    const special *s = c->nspecial ? find_special(c, day) : NULL;
    if (s)
        return s->kind == KIND_HOLIDAY ? -1 : s->wday;
    return wday_of(day);
}

/* The working intervals of day d, sorted and merged; returns how many. */
static int day_spans(const as__calendar *c, int64_t d, span out[2 * AS__CAL_MAX_SPANS])
{
    int n = 0;
    int w = hours_of(c, d), p = hours_of(c, d - 1);
    if (p >= 0)
        for (int i = 0; i < c->nspill[p]; i++)
            out[n++] = c->spill[p][i];
    int spilled = n;
    if (w >= 0)
        for (int i = 0; i < c->nown[w]; i++)
            out[n++] = c->own[w][i];
    if (spilled == 0 || n == spilled)
        return n;
    /* A make-up day after a shift past midnight may overlap: merge. */
    qsort(out, (size_t)n, sizeof *out, span_cmp);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m && out[i].s <= out[m - 1].e) {
            if (out[i].e > out[m - 1].e)
                out[m - 1].e = out[i].e;
        } else {
            out[m++] = out[i];
        }
    }
    return m;
}

/* Working seconds of day d within [a, b) (seconds of that day). */
static int64_t clip(const as__calendar *c, int64_t d, int64_t a, int64_t b)
{
    span sp[2 * AS__CAL_MAX_SPANS];
    int n = day_spans(c, d, sp);
    int64_t t = 0;
    for (int i = 0; i < n; i++) {
        int64_t s = sp[i].s > a ? sp[i].s : a;
        int64_t e = sp[i].e < b ? sp[i].e : b;
        if (e > s)
            t += e - s;
    }
    return t;
}

/* Sum of adjustments of days before day. */
static int64_t adj_before(const as__calendar *c, int64_t day)
{
    if (c->tab_len) {
        if (day <= c->tab_base)
            return 0;
        if (day >= c->tab_base + c->tab_len)
            return c->tab_cum[c->tab_len];
        return c->tab_cum[day - c->tab_base];
    }
    size_t lo = 0, hi = c->nadj;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->adj[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return c->adj_cum ? c->adj_cum[lo] : 0;
}

/* Working seconds of the whole days [a, b). */
static int64_t whole_days(const as__calendar *c, int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    int64_t n = b - a, weeks = n / 7;
    int64_t sum = weeks * c->week_total;
    for (int64_t d = a + weeks * 7; d < b; d++)
        sum += c->day_total[wday_of(d)];
    return sum + adj_before(c, b) - adj_before(c, a);
}

/* ---- the three functions the rest of the library uses ---------------- */

int64_t as__calendar_business_seconds(const as__calendar *c, int64_t t0, int64_t t1)
{
    if (t1 <= t0)
        return 0;
    if (!c || c->always)
        return t1 - t0;
    int64_t off = (int64_t)offset_of(c) * 60;
    int64_t l0 = t0 + off, l1 = t1 + off;
    int64_t d0 = floor_div(l0, DAY), d1 = floor_div(l1, DAY);
    int64_t s0 = l0 - d0 * DAY, s1 = l1 - d1 * DAY;
    if (d0 == d1)
        return clip(c, d0, s0, s1);
    return clip(c, d0, s0, DAY) + whole_days(c, d0 + 1, d1) + clip(c, d1, 0, s1);
}

int64_t as__calendar_add(const as__calendar *c, int64_t t0, int64_t seconds)
{
    if (seconds <= 0)
        return t0;
    if (!c || c->always)
        return t0 + seconds;
    if (c->week_total <= 0)
        return INT64_MAX;   /* refused by the parser; never reached */
    int64_t off = (int64_t)offset_of(c) * 60;
    int64_t l0 = t0 + off;
    int64_t d = floor_div(l0, DAY), s0 = l0 - d * DAY;
    int64_t rem = seconds;

    /* The rest of the first day. */
    span sp[2 * AS__CAL_MAX_SPANS];
    int n = day_spans(c, d, sp);
    for (int i = 0; i < n; i++) {
        if (sp[i].e <= s0)
            continue;
        int64_t start = sp[i].s > s0 ? sp[i].s : s0;
        int64_t avail = sp[i].e - start;
        if (rem <= avail)
            return d * DAY + start + rem - off;
        rem -= avail;
    }
    d++;

    /* Short targets: walk a few whole days. */
    for (int i = 0; i < 8; i++, d++) {
        int64_t total = whole_days(c, d, d + 1);
        if (total >= rem)
            break;
        rem -= total;
    }

    /* The smallest k with whole_days(d, d + k) >= rem: the due day is
     * d + k - 1.  Exponential search, then binary. */
    int64_t hi = 1;
    while (whole_days(c, d, d + hi) < rem) {
        if (hi > (INT64_C(1) << 40))
            return INT64_MAX;
        hi *= 2;
    }
    int64_t lo = hi / 2;   /* whole_days(d, d + lo) < rem (or lo = 0) */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (whole_days(c, d, d + mid) >= rem)
            hi = mid;
        else
            lo = mid;
    }
    int64_t due = d + hi - 1;
    rem -= whole_days(c, d, due);
    n = day_spans(c, due, sp);
    for (int i = 0; i < n; i++) {
        int64_t avail = sp[i].e - sp[i].s;
        if (rem <= avail)
            return due * DAY + sp[i].s + rem - off;
        rem -= avail;
    }
    return INT64_MAX;   /* unreachable: the search guarantees enough time */
}

int as__calendar_is_open(const as__calendar *c, int64_t t)
{
    if (!c || c->always)
        return 1;
    return as__calendar_business_seconds(c, t, t + 1) == 1;
}

const char *as__calendar_name(const as__calendar *c)
{
    return c ? c->name : "24x7";
}

const as__calendar *as__calendar_find_cfg(const as_config *cfg, const char *name)
{
    if (!cfg || !name || !cfg->calendars)
        return NULL;
    for (size_t i = 0; i < cfg->calendars->n; i++)
        if (strcmp(cfg->calendars->items[i].name, name) == 0)
            return &cfg->calendars->items[i];
    return NULL;
}

/* ---- calendars with their imported days -------------------------- */

/* The handle's calendars with the days imported into the database, built
 * when an import has happened and rebuilt when another one has (the id of
 * the latest calendar_imports row tells). */
typedef struct cal_cache {
    int64_t generation;
    const as_config *cfg;
    size_t n;
    as__calendar *items;     /* one per configured calendar, in order */
} cal_cache;

static void cal_cache_free(void *p)
{
    cal_cache *cc = p;
    for (size_t i = 0; i < cc->n; i++)
        as__calendar_clear(&cc->items[i]);
    free(cc->items);
    free(cc);
}

static int64_t import_generation(as_db *db)
{
    static const char sql[] = "SELECT coalesce(max(id), 0) FROM calendar_imports";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return -1;
    int64_t g = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return g;
}

static cal_cache *cal_cache_build(as_db *db, const as_config *cfg, int64_t generation)
{
    static const char sql[] =
        "SELECT CAST(julianday(day) - 2440587.5 AS INTEGER), kind FROM calendar_days"
        " WHERE calendar = ?1 ORDER BY day";
    cal_cache *cc = calloc(1, sizeof *cc);
    if (!cc)
        return NULL;
    cc->generation = generation;
    cc->cfg = cfg;
    size_t n = cfg->calendars ? cfg->calendars->n : 0;
    cc->items = calloc(n ? n : 1, sizeof *cc->items);
    if (!cc->items) {
        free(cc);
        return NULL;
    }
    as__cal_day *days = NULL;
    size_t cap = 0;
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        const as__calendar *base = &cfg->calendars->items[i];
        if (base->always)
            continue;   /* 24/7: nothing to add */
        sqlite3_stmt *st = as__stmt(db, sql);
        if (!st) {
            bad = 1;
            break;
        }
        sqlite3_bind_text(st, 1, base->name, -1, SQLITE_STATIC);
        size_t nd = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (nd == cap) {
                size_t c2 = cap ? cap * 2 : 64;
                as__cal_day *p = realloc(days, c2 * sizeof *p);
                if (!p) {
                    bad = 1;
                    break;
                }
                days = p;
                cap = c2;
            }
            const char *k = as__column_text(st, 1);
            days[nd].day = sqlite3_column_int64(st, 0);
            days[nd++].kind = k && strcmp(k, "workday") == 0 ? KIND_WORKDAY : KIND_HOLIDAY;
        }
        sqlite3_reset(st);
        if (bad || rc != SQLITE_DONE || as__calendar_with_days(base, days, nd, &cc->items[cc->n]) < 0) {
            bad = 1;
            break;
        }
        cc->n++;
    }
    free(days);
    if (bad) {
        cal_cache_free(cc);
        return NULL;
    }
    return cc;
}

const as__calendar *as__calendar_find(as_db *db, const char *name)
{
    if (!db)
        return NULL;
    const as_config *cfg = as__db_config(db);
    const as__calendar *base = as__calendar_find_cfg(cfg, name);
    if (!base || base->always)
        return base;
    int64_t g = import_generation(db);
    if (g <= 0)
        return base;   /* nothing imported (or unreadable: the configuration alone) */
    cal_cache *cc = as__ext_get(db, AS_EXT_CALENDARS);
    if (!cc || cc->generation != g || cc->cfg != cfg) {
        cc = cal_cache_build(db, cfg, g);
        if (!cc)
            return base;
        as__ext_set(db, AS_EXT_CALENDARS, cc, cal_cache_free);
    }
    for (size_t i = 0; i < cc->n; i++)
        if (strcmp(cc->items[i].name, name) == 0)
            return &cc->items[i];
    return base;
}

int as__calendar_known_until(const as__calendar *c)
{
    return c && !c->always ? c->known_until : 0;
}

int64_t as__calendars_known_end_min(as_db *db)
{
    const as_config *cfg = as__db_config(db);
    int64_t min = 0;
    for (size_t i = 0; cfg && cfg->calendars && i < cfg->calendars->n; i++) {
        int64_t e = as__calendar_known_end(as__calendar_find(db, cfg->calendars->items[i].name));
        if (e && (!min || e < min))
            min = e;
    }
    return min;
}

int64_t as__calendar_known_end(const as__calendar *c)
{
    int y = as__calendar_known_until(c);
    if (!y)
        return 0;
    return as__days_from_civil(y + 1, 1, 1) * DAY - (int64_t)offset_of(c) * 60;
}

/* ---- precomputation after parsing ---------------------------------- */

static int adjust_cmp(const void *a, const void *b)
{
    const adjust *x = a, *y = b;
    return x->day < y->day ? -1 : x->day > y->day;
}

/* The adjustments for the special days (and the day after each, which a
 * shift past midnight reaches). */
int as__calendar_build_adjust(as__calendar *c)
{
    if (!c->nspecial)
        return 0;
    c->adj = malloc(2 * c->nspecial * sizeof *c->adj);
    c->adj_cum = malloc((2 * c->nspecial + 1) * sizeof *c->adj_cum);
    if (!c->adj || !c->adj_cum)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < c->nspecial; i++) {
        c->adj[n++].day = c->special[i].day;
        c->adj[n++].day = c->special[i].day + 1;
    }
    qsort(c->adj, n, sizeof *c->adj, adjust_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && c->adj[m - 1].day == c->adj[i].day)
            continue;
        int64_t d = c->adj[i].day;
        span sp[2 * AS__CAL_MAX_SPANS];
        int k = day_spans(c, d, sp);
        int64_t delta = spans_total(sp, k) - c->day_total[wday_of(d)];
        if (delta != 0)
            c->adj[m++] = (adjust){d, delta};
    }
    c->nadj = m;
    c->adj_cum[0] = 0;
    for (size_t i = 0; i < m; i++)
        c->adj_cum[i + 1] = c->adj_cum[i] + c->adj[i].delta;

    /* The day table, when the special dates lie within a few centuries. */
    int64_t base = c->special[0].day, len = c->special[c->nspecial - 1].day - base + 2;
    if (len > 100000)
        return 0;
    signed char *hours = malloc((size_t)len);
    int64_t *cum = malloc(((size_t)len + 1) * sizeof *cum);
    if (!hours || !cum) {
        free(hours);
        free(cum);
        return -1;
    }
    for (int64_t i = 0; i < len; i++)
        hours[i] = (signed char)hours_of(c, base + i);   /* by binary search: no table yet */
    cum[0] = 0;
    for (int64_t i = 0; i < len; i++) {
        span sp[2 * AS__CAL_MAX_SPANS];
        int k = day_spans(c, base + i, sp);
        cum[i + 1] = cum[i] + spans_total(sp, k) - c->day_total[wday_of(base + i)];
    }
    c->tab_hours = hours;
    c->tab_cum = cum;
    c->tab_base = base;
    c->tab_len = len;
    return 0;
}

/* ---- the public API -------------------------------------------------- */

/* Years 0001 to 9999, as as_time_parse accepts. */
#define T_MIN INT64_C(-62135596800)
#define T_MAX INT64_C(253402300799)

static as_status lookup(as_db *db, const char *name, const as__calendar **out)
{
    if (!db)
        return AS_MISUSE;
    if (!name)
        return as__fail(db, AS_MISUSE, "calendar: NULL name");
    *out = as__calendar_find(db, name);
    if (*out)
        return AS_OK;
    const as_config *cfg = as__db_config(db);
    as_buf b = {0};
    if (cfg && cfg->calendars)
        for (size_t i = 0; i < cfg->calendars->n; i++) {
            as__buf_adds(&b, i ? ", " : "");
            as__buf_adds(&b, cfg->calendars->items[i].name);
        }
    as_status st = as__fail(db, AS_NOTFOUND, "calendar '%s' is not in the configuration (%s%s)",
                            name, b.data ? "calendars: " : "no calendars",
                            b.data ? b.data : "");
    as__buf_free(&b);
    return st;
}

static as_status check_time(as_db *db, const char *what, int64_t t)
{
    if (t < T_MIN || t > T_MAX)
        return as__fail(db, AS_INVALID, "%s: %lld is outside the years 0001-9999", what,
                        (long long)t);
    return AS_OK;
}

as_status as_calendar_business_seconds(as_db *db, const char *name, int64_t t0, int64_t t1,
                                       int64_t *out)
{
    const as__calendar *c = NULL;
    as_status st = lookup(db, name, &c);
    if (st == AS_OK && !out)
        st = as__fail(db, AS_MISUSE, "calendar: NULL out");
    if (st == AS_OK)
        st = check_time(db, "from", t0);
    if (st == AS_OK)
        st = check_time(db, "to", t1);
    if (st != AS_OK)
        return st;
    *out = t1 >= t0 ? as__calendar_business_seconds(c, t0, t1)
                    : -as__calendar_business_seconds(c, t1, t0);
    as__ok(db);
    return AS_OK;
}

as_status as_calendar_business_minutes(as_db *db, const char *name, int64_t t0, int64_t t1,
                                       int64_t *out)
{
    int64_t s = 0;
    as_status st = as_calendar_business_seconds(db, name, t0, t1, out ? &s : NULL);
    if (st == AS_OK)
        *out = s / 60;   /* whole minutes, towards zero */
    return st;
}

as_status as_calendar_add_seconds(as_db *db, const char *name, int64_t t0, int64_t seconds,
                                  int64_t *out)
{
    const as__calendar *c = NULL;
    as_status st = lookup(db, name, &c);
    if (st == AS_OK && !out)
        st = as__fail(db, AS_MISUSE, "calendar: NULL out");
    if (st == AS_OK)
        st = check_time(db, "at", t0);
    if (st == AS_OK && (seconds < 0 || seconds > INT64_C(100) * 366 * DAY))
        st = as__fail(db, AS_INVALID, "duration: %lld seconds is not between 0 and 100 years",
                      (long long)seconds);
    if (st != AS_OK)
        return st;
    int64_t due = as__calendar_add(c, t0, seconds);
    if (due > T_MAX)
        return as__fail(db, AS_INVALID, "the due time falls after the year 9999");
    *out = due;
    as__ok(db);
    return AS_OK;
}

as_status as_calendar_add(as_db *db, const char *name, int64_t t0, int64_t minutes,
                          int64_t *out)
{
    if (db && (minutes < 0 || minutes > INT64_C(100) * 366 * 1440))
        return as__fail(db, AS_INVALID, "minutes: %lld is not between 0 and 100 years",
                        (long long)minutes);
    return as_calendar_add_seconds(db, name, t0, minutes * 60, out);
}

as_status as_calendar_is_open(as_db *db, const char *name, int64_t t, int *out)
{
    const as__calendar *c = NULL;
    as_status st = lookup(db, name, &c);
    if (st == AS_OK && !out)
        st = as__fail(db, AS_MISUSE, "calendar: NULL out");
    if (st == AS_OK)
        st = check_time(db, "at", t);
    if (st != AS_OK)
        return st;
    *out = as__calendar_is_open(c, t);
    as__ok(db);
    return AS_OK;
}

as_status as_calendar_knows(as_db *db, const char *name, int64_t t, int *known, int *until)
{
    const as__calendar *c = NULL;
    as_status st = lookup(db, name, &c);
    if (st == AS_OK && !known)
        st = as__fail(db, AS_MISUSE, "calendar: NULL known");
    if (st != AS_OK)
        return st;
    int64_t end = as__calendar_known_end(c);
    *known = !end || t < end;
    if (until)
        *until = as__calendar_known_until(c);
    as__ok(db);
    return AS_OK;
}

struct as_calendar_iter {
    as_db *db;
    size_t next;
    as_calendar_info view;
    char from[16], to[16];
};

as_status as_calendar_iter_new(as_calendar_iter **out, as_db *db)
{
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "calendar: NULL argument") : AS_MISUSE;
    *out = calloc(1, sizeof **out);
    if (!*out)
        return as__fail(db, AS_NOMEM, "out of memory");
    (*out)->db = db;
    return AS_OK;
}

as_status as_calendar_next(as_calendar_iter *it, const as_calendar_info **view)
{
    if (!it || !view)
        return AS_MISUSE;
    const as_config *cfg = as__db_config(it->db);
    if (!cfg || !cfg->calendars || it->next >= cfg->calendars->n)
        return AS_DONE;
    const as__calendar *c = &cfg->calendars->items[it->next++];
    const as__calendar *merged = as__calendar_find(it->db, c->name);   /* with imported days */
    if (merged)
        c = merged;
    as_calendar_info *v = &it->view;
    v->name = c->name;
    v->description = c->description;
    v->always = c->always;
    v->utc_offset = offset_of(c);
    v->hours = c->hours_text ? c->hours_text : "";
    v->week_minutes = c->always ? 7 * 1440 : c->week_total / 60;
    v->holidays = c->nholidays;
    v->workdays = c->nworkdays;
    v->first_date = v->last_date = NULL;
    if (c->nspecial) {
        fmt_date(it->from, sizeof it->from, c->special[0].day);
        fmt_date(it->to, sizeof it->to, c->special[c->nspecial - 1].day);
        v->first_date = it->from;
        v->last_date = it->to;
    }
    v->known_until = as__calendar_known_until(c);
    *view = v;
    return AS_OK;
}

void as_calendar_iter_free(as_calendar_iter *it)
{
    free(it);
}

