/* profile.c - derived profiles (see profile.h): the one pass that computes
 * them, their validity in time, dirty marking, and the read and write
 * paths; the public as_profile_* calls. */
#include "batch.h"
#include "import.h"
#include "json.h"
#include "import.h"
#include "profile.h"
#include "remind.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { YEAR_S = 31536000 };   /* the rolling spend window: 365 days */

/* ---- the figures of one user, as computed ------------------------------ */

/* One stream of fill-ups: a registered vehicle, or (vehicle_id 0) the
 * user's fill-ups of no registered vehicle. */
typedef struct pf_stream {
    int64_t vehicle_id;
    const char *plate;            /* NULL: none or erased */
    const char *registered_grade; /* the owner's, NULL when not given */
    int64_t fillups, first_at, last_at;   /* first/last 0 without fill-ups */
    int64_t median_s;             /* -1 with fewer than 2 */
    int64_t ml_per_fill;
    const char *grade, *last_grade, *last_station;
    double km_per_day;            /* -1: unknown */
    const char *km_source;
} pf_stream;

typedef struct pf_user {
    const char *user_id;
    int64_t fillups, first_at, last_at, median_s, ml_per_fill;
    const char *grade;
    const char *top_json;         /* JSON array text of up to 3 station ids */
    int64_t stations, cities;
    double km_per_day;            /* -1: unknown */
    const char *km_source;
    int64_t spend, points;
    const char *segment, *tier;
    int64_t at, valid_until;      /* valid_until 0: until a write */
    size_t nstreams;
    pf_stream *streams;
} pf_user;

/* Where computed profiles go. */
typedef as_status (*pf_emit_fn)(as_db *db, const pf_user *u, void *ctx);

/* ---- counting distinct texts of one user ------------------------------ */

/* The texts live in the user's arena (offsets, as it grows); a hash of
 * indices is kept once there are more than a few. */
typedef struct pf_dict {
    size_t *off, *len;
    int64_t *count;
    size_t n, cap;
    uint32_t *slot;               /* index + 1; 0: empty */
    size_t nslot;
} pf_dict;

typedef struct pf_fill {
    int64_t at, ml, fen;
    int stream;                   /* index into the user's streams */
    int grade, station;           /* indices into the dicts */
} pf_fill;

typedef struct pf_veh {
    int64_t id;
    size_t plate, grade;          /* arena offsets + 1; 0: NULL */
    int grade_given;
    int64_t odo_km, odo_s;        /* span of the readings at or before T */
    int odo_known;
    int64_t next_reading;         /* first reading after T, 0: none */
} pf_veh;

typedef struct pf_acc {
    as_buf arena;
    pf_dict stations, cities, grades;
    pf_fill *fill;
    size_t nfill, capfill;
    pf_veh *veh;
    size_t nveh, capveh;
    int64_t next_fill;            /* first fill-up after T, 0: none */
    /* scratch */
    int64_t *gaps, *tmp;
    size_t capgaps, captmp;
    size_t *order, *bucket;
    size_t caporder, capbucket;
    int64_t *gcount;
    size_t capgcount;
    pf_stream *out;
    size_t capout;
    as_buf top;
    int oom;
} pf_acc;

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

#define grow as__grow

static size_t arena_add(pf_acc *a, const char *s, size_t n)
{
    size_t off = a->arena.len;
    if (as__buf_add(&a->arena, s, n) < 0 || as__buf_addc(&a->arena, '\0') < 0) {
        a->oom = 1;
        return 0;
    }
    return off + 1;
}

static const char *arena_str(const pf_acc *a, size_t off)
{
    return off ? a->arena.data + off - 1 : NULL;
}

static void dict_reset(pf_dict *d)
{
    d->n = 0;
    if (d->nslot > 64) {
        free(d->slot);
        d->slot = NULL;
        d->nslot = 0;
    } else if (d->slot) {
        memset(d->slot, 0, d->nslot * sizeof *d->slot);
    }
}

static void dict_free(pf_dict *d)
{
    free(d->off);
    free(d->len);
    free(d->count);
    free(d->slot);
    memset(d, 0, sizeof *d);
}

static int dict_rehash(pf_acc *a, pf_dict *d, size_t nslot)
{
    uint32_t *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < d->n; i++) {
        size_t k = fnv(a->arena.data + d->off[i] - 1, d->len[i]) & (nslot - 1);
        while (slot[k])
            k = (k + 1) & (nslot - 1);
        slot[k] = (uint32_t)i + 1;
    }
    free(d->slot);
    d->slot = slot;
    d->nslot = nslot;
    return 0;
}

/* Count one occurrence of s[0, n); returns its index, -1 out of memory. */
static int dict_add(pf_acc *a, pf_dict *d, const char *s, size_t n)
{
    size_t k = 0;
    if (d->n > 8) {
        if (d->nslot < 2 * (d->n + 1) && dict_rehash(a, d, d->nslot ? d->nslot * 2 : 32) < 0)
            return -1;
        for (k = fnv(s, n) & (d->nslot - 1); d->slot[k]; k = (k + 1) & (d->nslot - 1)) {
            size_t i = d->slot[k] - 1;
            if (d->len[i] == n && memcmp(a->arena.data + d->off[i] - 1, s, n) == 0) {
                d->count[i]++;
                return (int)i;
            }
        }
    } else {
        for (size_t i = 0; i < d->n; i++)
            if (d->len[i] == n && memcmp(a->arena.data + d->off[i] - 1, s, n) == 0) {
                d->count[i]++;
                return (int)i;
            }
    }
    size_t c1 = d->cap, c2 = d->cap, c3 = d->cap;
    if (grow((void **)&d->off, &c1, d->n + 1, sizeof *d->off) < 0 ||
        grow((void **)&d->len, &c2, d->n + 1, sizeof *d->len) < 0 ||
        grow((void **)&d->count, &c3, d->n + 1, sizeof *d->count) < 0)
        return -1;
    d->cap = c1;
    size_t off = arena_add(a, s, n);
    if (!off)
        return -1;
    d->off[d->n] = off;
    d->len[d->n] = n;
    d->count[d->n] = 1;
    if (d->slot) {
        if (d->nslot < 2 * (d->n + 1)) {
            d->n++;
            return dict_rehash(a, d, d->nslot * 2) < 0 ? -1 : (int)d->n - 1;
        }
        d->slot[k] = (uint32_t)d->n + 1;
    } else if (d->n + 1 > 8 && dict_rehash(a, d, 32) < 0) {
        return -1;
    }
    return (int)d->n++;
}

static const char *dict_str(const pf_acc *a, const pf_dict *d, int i)
{
    return i < 0 ? NULL : a->arena.data + d->off[i] - 1;
}

static void acc_reset(pf_acc *a)
{
    a->arena.len = 0;
    dict_reset(&a->stations);
    dict_reset(&a->cities);
    dict_reset(&a->grades);
    a->nfill = a->nveh = 0;
    a->next_fill = 0;
}

static void acc_free(pf_acc *a)
{
    as__buf_free(&a->arena);
    as__buf_free(&a->top);
    dict_free(&a->stations);
    dict_free(&a->cities);
    dict_free(&a->grades);
    free(a->fill);
    free(a->veh);
    free(a->gaps);
    free(a->tmp);
    free(a->order);
    free(a->bucket);
    free(a->gcount);
    free(a->out);
    memset(a, 0, sizeof *a);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* The median of v[0, n) (sorted in place); -1 when n is 0. */
static int64_t median(int64_t *v, size_t n)
{
    if (!n)
        return -1;
    qsort(v, n, sizeof *v, cmp_i64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The most frequent of a dict's texts whose counts are in count[] (index
 * as the dict's), ties by text; -1 when none. */
static int mode_of(const pf_acc *a, const pf_dict *d, const int64_t *count)
{
    int best = -1;
    for (size_t i = 0; i < d->n; i++) {
        if (!count[i])
            continue;
        if (best < 0 || count[i] > count[best] ||
            (count[i] == count[best] && strcmp(dict_str(a, d, (int)i), dict_str(a, d, best)) < 0))
            best = (int)i;
    }
    return best;
}

/* ---- one user: from the collected rows to the figures -------------------- */

typedef struct pf_run {
    as_db *db;
    int64_t at;
    const as__segments_cfg *sg;
    const as__tiers_cfg *tc;
    pf_emit_fn emit;
    void *ctx;
    int64_t written;              /* profiles with fill-ups */
    /* The pass reads through conn: the handle's connection, or (threaded)
     * a second one on another thread, which must not touch the handle:
     * its failure is kept here for the handle's thread to report. */
    sqlite3 *conn;
    int threaded;
    as_status err;
    char errmsg[256];
    const char *lo, *hi;          /* the full pass: users from lo to before hi (NULL: all) */
} pf_run;

/* A failure of the pass: on the handle, or kept in r when threaded. */
static as_status run_fail(pf_run *r, as_status st, int rc, const char *what)
{
    if (!r->threaded)
        return rc ? as__sqlfail(r->db, rc, what) : as__fail(r->db, st, "%s", what);
    if (r->err == AS_OK) {
        r->err = st;
        if (rc)
            snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", what, sqlite3_errmsg(r->conn));
        else
            snprintf(r->errmsg, sizeof r->errmsg, "%s", what);
    }
    return st;
}

/* km per day of a stream from its litres (the last fill-up is not used up
 * yet: n - 1 of n fill-ups' litres), -1 when it cannot be told. */
static double estimate_km(int64_t ml, int64_t n, int64_t first, int64_t last, double kmpl)
{
    if (n < 2 || last - first < 86400)
        return -1;
    return ml * (n - 1.0) / n / 1000.0 / ((last - first) / 86400.0) * kmpl;
}

static void candidate(int64_t *vu, int64_t at, int64_t t)
{
    if (t > at && (!*vu || t < *vu))
        *vu = t;
}

static as_status user_done(pf_run *r, pf_acc *a, const char *user_id)
{
    if (a->oom)
        return run_fail(r, AS_NOMEM, 0, "out of memory");
    int64_t at = r->at;
    size_t nstream = a->nveh + 1;           /* the vehicles, then "no vehicle" */
    if (!a->nfill && !a->next_fill)
        return AS_OK;                        /* no record: no profile */
    /* Sort the fill-ups by stream, keeping time order (a counting sort). */
    if (grow((void **)&a->order, &a->caporder, a->nfill + 1, sizeof *a->order) < 0 ||
        grow((void **)&a->bucket, &a->capbucket, nstream + 1, sizeof *a->bucket) < 0 ||
        grow((void **)&a->gaps, &a->capgaps, a->nfill + 1, sizeof *a->gaps) < 0 ||
        grow((void **)&a->out, &a->capout, nstream, sizeof *a->out) < 0 ||
        grow((void **)&a->gcount, &a->capgcount, a->grades.n + 1, sizeof *a->gcount) < 0)
        return run_fail(r, AS_NOMEM, 0, "out of memory");
    if (grow((void **)&a->tmp, &a->captmp, a->nfill + 1, sizeof *a->tmp) < 0)
        return run_fail(r, AS_NOMEM, 0, "out of memory");
    memset(a->bucket, 0, (nstream + 1) * sizeof *a->bucket);
    for (size_t i = 0; i < a->nfill; i++)
        a->bucket[a->fill[i].stream + 1]++;
    for (size_t s = 1; s <= nstream; s++)
        a->bucket[s] += a->bucket[s - 1];
    for (size_t i = 0; i < a->nfill; i++)
        a->order[a->bucket[a->fill[i].stream]++] = i;
    /* bucket[s] is now the end of stream s; its start is bucket[s - 1] (0). */
    double kmpl = r->sg ? r->sg->km_per_litre : 12;
    size_t ngaps = 0, nout = 0;
    double km_sum = 0;
    int km_n = 0, km_odo = 0, km_est = 0;
    for (size_t s = 0; s < nstream; s++) {
        size_t lo = s ? a->bucket[s - 1] : 0, hi = a->bucket[s];
        const pf_veh *v = s < a->nveh ? &a->veh[s] : NULL;
        if (lo == hi && !(v && v->odo_known))
            continue;                        /* nothing to say of this stream */
        pf_stream *o = &a->out[nout++];
        memset(o, 0, sizeof *o);
        o->vehicle_id = v ? v->id : 0;
        o->plate = v ? arena_str(a, v->plate) : NULL;
        o->registered_grade = v && v->grade_given ? arena_str(a, v->grade) : NULL;
        o->fillups = (int64_t)(hi - lo);
        o->median_s = -1;
        o->km_per_day = -1;
        int64_t ml = 0;
        size_t g0 = ngaps;
        memset(a->gcount, 0, a->grades.n * sizeof *a->gcount);
        for (size_t k = lo; k < hi; k++) {
            const pf_fill *f = &a->fill[a->order[k]];
            ml += f->ml;
            a->gcount[f->grade]++;
            if (k > lo)
                a->gaps[ngaps++] = f->at - a->fill[a->order[k - 1]].at;
        }
        if (hi > lo) {
            const pf_fill *first = &a->fill[a->order[lo]], *last = &a->fill[a->order[hi - 1]];
            o->first_at = first->at;
            o->last_at = last->at;
            o->ml_per_fill = ml / o->fillups;
            o->grade = dict_str(a, &a->grades, mode_of(a, &a->grades, a->gcount));
            o->last_grade = dict_str(a, &a->grades, last->grade);
            o->last_station = dict_str(a, &a->stations, last->station);
            memcpy(a->tmp, a->gaps + g0, (ngaps - g0) * sizeof *a->tmp);
            o->median_s = median(a->tmp, ngaps - g0);
        }
        if (v && v->odo_known) {
            o->km_per_day = (double)v->odo_km / (v->odo_s / 86400.0);
            o->km_source = "odometer";
            km_odo++;
        } else if ((o->km_per_day = estimate_km(ml, o->fillups, o->first_at, o->last_at,
                                                kmpl)) >= 0) {
            o->km_source = "estimate";
            km_est++;
        }
        if (o->km_per_day >= 0) {
            km_sum += o->km_per_day;
            km_n++;
        }
    }
    pf_user u;
    memset(&u, 0, sizeof u);
    u.user_id = user_id;
    u.at = at;
    u.median_s = -1;
    u.km_per_day = -1;
    u.top_json = "[]";
    int64_t vu = 0;
    candidate(&vu, at, a->next_fill);
    for (size_t i = 0; i < a->nveh; i++)
        candidate(&vu, at, a->veh[i].next_reading);
    if (a->nfill) {
        u.fillups = (int64_t)a->nfill;
        u.first_at = a->fill[0].at;
        u.last_at = a->fill[a->nfill - 1].at;
        int64_t ml = 0, oldest_in = 0;
        for (size_t i = 0; i < a->nfill; i++) {
            const pf_fill *f = &a->fill[i];
            ml += f->ml;
            if (f->at > at - YEAR_S) {
                u.spend += f->fen;
                if (!oldest_in)
                    oldest_in = f->at;
            }
        }
        u.ml_per_fill = ml / u.fillups;
        u.median_s = median(a->gaps, ngaps);
        u.grade = dict_str(a, &a->grades, mode_of(a, &a->grades, a->grades.count));
        u.stations = (int64_t)a->stations.n;
        u.cities = (int64_t)a->cities.n;
        /* top three stations: most visits, then by id */
        int top[3] = {-1, -1, -1};
        for (size_t i = 0; i < a->stations.n; i++) {
            int c = (int)i;
            for (int k = 0; k < 3; k++) {
                if (top[k] < 0) {
                    top[k] = c;
                    break;
                }
                int64_t nc = a->stations.count[c], nk = a->stations.count[top[k]];
                if (nc > nk || (nc == nk && strcmp(dict_str(a, &a->stations, c),
                                                   dict_str(a, &a->stations, top[k])) < 0)) {
                    int t = top[k];
                    top[k] = c;
                    c = t;
                }
            }
        }
        a->top.len = 0;
        as__buf_addc(&a->top, '[');
        for (int k = 0; k < 3 && top[k] >= 0; k++) {
            if (k)
                as__buf_addc(&a->top, ',');
            as__json_quote(&a->top, dict_str(a, &a->stations, top[k]));
        }
        if (as__buf_addc(&a->top, ']') < 0)
            return run_fail(r, AS_NOMEM, 0, "out of memory");
        u.top_json = a->top.data;
        if (km_n) {
            u.km_per_day = km_sum / km_n;
            u.km_source = !km_est ? "odometer" : !km_odo ? "estimate" : "mixed";
        }
        u.points = u.spend / 100 * (r->tc ? r->tc->points_per_yuan : 1);
        if (oldest_in)
            candidate(&vu, at, oldest_in + YEAR_S);
        double fig[AS__NFIGS] = {
            [AS__FIG_FILLUPS] = (double)u.fillups,
            [AS__FIG_MEDIAN_INTERVAL_DAYS] = u.median_s >= 0 ? u.median_s / 86400.0 : NAN,
            [AS__FIG_LITRES_PER_FILL] = u.ml_per_fill / 1000.0,
            [AS__FIG_STATIONS] = (double)u.stations,
            [AS__FIG_CITIES] = (double)u.cities,
            [AS__FIG_KM_PER_DAY] = u.km_per_day >= 0 ? u.km_per_day : NAN,
            [AS__FIG_SPEND_12M_YUAN] = u.spend / 100.0,
            [AS__FIG_POINTS] = (double)u.points,
            [AS__FIG_DAYS_SINCE_LAST] = (at - u.last_at) / 86400.0,
        };
        for (size_t i = 0; r->sg && i < r->sg->n; i++)
            if (as__cond_eval(&r->sg->items[i].cond, fig)) {
                u.segment = r->sg->items[i].name;
                break;
            }
        /* days_since_last passes a number of a condition: the segment may
         * change then (c, or one second later for a strict comparison). */
        for (size_t i = 0; r->sg && i < r->sg->nday_marks; i++) {
            double t = floor((double)u.last_at + r->sg->day_marks[i] * 86400.0);
            if (t < 9e15) {
                candidate(&vu, at, (int64_t)t);
                candidate(&vu, at, (int64_t)t + 1);
            }
        }
        if (r->tc) {
            int64_t basis = r->tc->basis_points ? u.points : u.spend / 100;
            for (size_t i = r->tc->n; i-- > 0;)
                if (basis >= r->tc->items[i].min) {
                    u.tier = r->tc->items[i].name;
                    break;
                }
        }
        r->written++;
    }
    u.valid_until = vu;
    /* A user without any vehicle: the own figures are the only stream, and
     * no per-vehicle row is kept (the common case: half the writes). */
    int any_vehicle = 0;
    for (size_t i = 0; i < nout; i++)
        any_vehicle |= a->out[i].vehicle_id != 0;
    u.nstreams = any_vehicle ? nout : 0;
    u.streams = a->out;
    return r->emit(r->db, &u, r->ctx);
}

/* ---- the pass -------------------------------------------------------------- */

/* The streams, each in user order.  "all" reads every user; "set" the
 * users of temp.pf_set (existing users only; CROSS JOIN keeps the set the
 * outer loop: the planner has no statistics for it and would scan the
 * records instead).  ?1 is the time; "all" reads the users from ?2 (text)
 * to before ?3 (a zero-length blob, which sorts after every text: no end). */
#define FUEL_COLS                                                                            \
    "f.user_id, f.filled_at, f.station_id, f.station_region, f.grade, f.litres_ml,"          \
    " f.amount_fen, f.plate"
/* Column 8 is the city of the station in the registry: the full pass
 * looks it up in a map loaded once (pf_citymap: a probe of the stations
 * table per fill-up was measurable there); a pass over a set of users has
 * few records and a map would cost more than it saves. */
static const char fuel_all[] =
    "SELECT " FUEL_COLS ", NULL FROM fuelings f WHERE f.user_id >= ?2 AND f.user_id < ?3"
    " ORDER BY f.user_id, f.filled_at, f.tx_id";
static const char fuel_set[] =
    "SELECT " FUEL_COLS ", (SELECT substr(st.region, 1, 4) FROM main.stations st"
    "  WHERE st.station_id = f.station_id)"
    " FROM temp.pf_set s CROSS JOIN fuelings f ON f.user_id = s.user_id"
    " ORDER BY s.user_id, f.filled_at, f.tx_id";
#define VEH_COLS                                                                             \
    "v.user_id, v.id, v.plate, v.grade, v.grade_given,"                                      \
    " max(CASE WHEN o.at <= ?1 THEN o.km END) - min(CASE WHEN o.at <= ?1 THEN o.km END),"    \
    " max(CASE WHEN o.at <= ?1 THEN o.at END) - min(CASE WHEN o.at <= ?1 THEN o.at END),"    \
    " min(CASE WHEN o.at > ?1 THEN o.at END)"
static const char veh_all[] =
    "SELECT " VEH_COLS " FROM vehicles v LEFT JOIN odometer_readings o ON o.vehicle_id = v.id"
    " WHERE v.user_id >= ?2 AND v.user_id < ?3 GROUP BY v.id ORDER BY v.user_id, v.id";
static const char veh_set[] =
    "SELECT " VEH_COLS " FROM temp.pf_set s CROSS JOIN vehicles v ON v.user_id = s.user_id"
    " LEFT JOIN odometer_readings o ON o.vehicle_id = v.id GROUP BY v.id ORDER BY v.user_id, v.id";
static const char users_all[] =
    "SELECT user_id FROM users WHERE user_id >= ?2 AND user_id < ?3 ORDER BY user_id";
static const char users_set[] = "SELECT user_id FROM temp.pf_set ORDER BY user_id";

static as_status prep(pf_run *r, const char *sql, int64_t at, sqlite3_stmt **out)
{
    int rc = sqlite3_prepare_v2(r->conn, sql, -1, out, NULL);
    if (rc != SQLITE_OK)
        return run_fail(r, AS_INTERNAL, rc, "preparing the profile pass");
    int n = sqlite3_bind_parameter_count(*out);
    if (n >= 1)
        sqlite3_bind_int64(*out, 1, at);
    if (n >= 3) {
        sqlite3_bind_text(*out, 2, r->lo ? r->lo : "", -1, SQLITE_STATIC);
        if (r->hi)
            sqlite3_bind_text(*out, 3, r->hi, -1, SQLITE_STATIC);
        else
            sqlite3_bind_zeroblob(*out, 3, 0);
    }
    return AS_OK;
}

/* Step s; 1 with a row, 0 at the end, -1 on an error (recorded). */
static int next_row(pf_run *r, sqlite3_stmt *s, as_status *st)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE) {
        *st = run_fail(r, rc == SQLITE_BUSY ? AS_BUSY : AS_IO, rc,
                       "reading records for the profiles");
        return -1;
    }
    return 0;
}

/* The vehicle row of s into the accumulator. */
static void take_vehicle(pf_acc *a, sqlite3_stmt *s)
{
    if (grow((void **)&a->veh, &a->capveh, a->nveh + 1, sizeof *a->veh) < 0) {
        a->oom = 1;
        return;
    }
    pf_veh *v = &a->veh[a->nveh++];
    memset(v, 0, sizeof *v);
    v->id = sqlite3_column_int64(s, 1);
    const char *t = as__column_text(s, 2);
    if (t)
        v->plate = arena_add(a, t, (size_t)sqlite3_column_bytes(s, 2));
    if ((t = as__column_text(s, 3)))
        v->grade = arena_add(a, t, (size_t)sqlite3_column_bytes(s, 3));
    v->grade_given = sqlite3_column_int(s, 4);
    if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
        v->odo_km = sqlite3_column_int64(s, 5);
        v->odo_s = sqlite3_column_int64(s, 6);
        v->odo_known = v->odo_s >= 86400;
    }
    v->next_reading = as__column_int64_or(s, 7, 0);
}

/* ---- the registry's cities, for the full pass ------------------------------ */

/* station_id -> the first four digits of its region (the city-level
 * division), for every station of the registry: an open-addressing table
 * of offsets into one buffer of "id\0" texts.  Empty (nslot 0) when the
 * registry is. */
typedef struct pf_cityslot {
    size_t off;                   /* + 1 into keys; 0: empty */
    uint32_t len;
    char city[4];
} pf_cityslot;

typedef struct pf_citymap {
    as_buf keys;
    pf_cityslot *slot;
    size_t nslot;
} pf_citymap;

static void citymap_free(pf_citymap *m)
{
    as__buf_free(&m->keys);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static as_status citymap_load(pf_run *r, pf_citymap *m)
{
    static const char count_sql[] = "SELECT count(*) FROM main.stations";
    static const char rows_sql[] =
        "SELECT station_id, substr(region, 1, 4) FROM main.stations WHERE length(region) >= 4";
    memset(m, 0, sizeof *m);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(r->conn, count_sql, -1, &s, NULL);
    int64_t n = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return run_fail(r, AS_INTERNAL, rc, "reading the station registry");
    if (!n)
        return AS_OK;
    size_t nslot = 16;
    while (nslot < 2 * (size_t)n)
        nslot *= 2;
    if (!(m->slot = calloc(nslot, sizeof *m->slot)))
        return run_fail(r, AS_NOMEM, 0, "out of memory");
    m->nslot = nslot;
    if ((rc = sqlite3_prepare_v2(r->conn, rows_sql, -1, &s, NULL)) != SQLITE_OK)
        return run_fail(r, AS_INTERNAL, rc, "reading the station registry");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = as__column_text(s, 0), *c = as__column_text(s, 1);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        if (!id || !c || sqlite3_column_bytes(s, 1) != 4)
            continue;
        size_t k = fnv(id, len) & (nslot - 1);
        while (m->slot[k].off)
            k = (k + 1) & (nslot - 1);
        size_t off = m->keys.len;
        if (as__buf_add(&m->keys, id, len + 1) < 0) {
            sqlite3_finalize(s);
            return run_fail(r, AS_NOMEM, 0, "out of memory");
        }
        m->slot[k].off = off + 1;
        m->slot[k].len = (uint32_t)len;
        memcpy(m->slot[k].city, c, 4);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return run_fail(r, AS_IO, rc, "reading the station registry");
    return AS_OK;
}

/* The registry's city of station id[0, len), or NULL. */
static const char *citymap_get(const pf_citymap *m, const char *id, size_t len)
{
    if (!m || !m->nslot || !id)
        return NULL;
    for (size_t k = fnv(id, len) & (m->nslot - 1); m->slot[k].off;
         k = (k + 1) & (m->nslot - 1))
        if (m->slot[k].len == len && memcmp(m->keys.data + m->slot[k].off - 1, id, len) == 0)
            return m->slot[k].city;
    return NULL;
}

/* The fill-up row of s into the accumulator (vehicles already taken).
 * Its city: the station's in the registry (column 8, or the map), else
 * the record's own station_region, cut to the city-level division. */
static void take_fill(pf_acc *a, sqlite3_stmt *s, int64_t at, const pf_citymap *cities)
{
    int64_t t = sqlite3_column_int64(s, 1);
    if (t > at) {
        if (!a->next_fill || t < a->next_fill)
            a->next_fill = t;
        return;
    }
    if (grow((void **)&a->fill, &a->capfill, a->nfill + 1, sizeof *a->fill) < 0) {
        a->oom = 1;
        return;
    }
    pf_fill *f = &a->fill[a->nfill++];
    f->at = t;
    f->ml = sqlite3_column_int64(s, 5);
    f->fen = sqlite3_column_int64(s, 6);
    const char *st = as__column_text(s, 2);
    f->station = dict_add(a, &a->stations, st ? st : "", (size_t)sqlite3_column_bytes(s, 2));
    const char *g = as__column_text(s, 4);
    f->grade = dict_add(a, &a->grades, g ? g : "", (size_t)sqlite3_column_bytes(s, 4));
    const char *reg = sqlite3_column_type(s, 8) != SQLITE_NULL ? as__column_text(s, 8)
                      : citymap_get(cities, st, (size_t)sqlite3_column_bytes(s, 2));
    int len = reg ? 4 : 0;
    if (!reg && (reg = as__column_text(s, 3)) != NULL)
        len = sqlite3_column_bytes(s, 3);
    if (reg) {
        if (dict_add(a, &a->cities, reg, (size_t)(len < 4 ? len : 4)) < 0)
            a->oom = 1;
    }
    if (f->station < 0 || f->grade < 0)
        a->oom = 1;
    /* The stream: the vehicle with this plate; without a plate, the
     * user's only vehicle when there is exactly one; else "no vehicle". */
    const char *plate = as__column_text(s, 7);
    f->stream = (int)a->nveh;
    if (plate) {
        for (size_t i = 0; i < a->nveh; i++)
            if (a->veh[i].plate && strcmp(arena_str(a, a->veh[i].plate), plate) == 0) {
                f->stream = (int)i;
                break;
            }
    } else if (a->nveh == 1) {
        f->stream = 0;
    }
}

static as_status pass_on(pf_run *rp, int set);

/* One pass: every user (set 0) or the users of temp.pf_set (set 1), at at,
 * each user's profile to emit, on the handle's connection. */
static as_status pass(as_db *db, int set, int64_t at, pf_emit_fn emit, void *ctx,
                      int64_t *written)
{
    const as_config *cfg = as__db_config(db);
    pf_run r = {db, at, cfg->segments, cfg->tiers, emit, ctx, 0, db->sql, 0, AS_OK, "", NULL, NULL};
    as_status st = pass_on(&r, set);
    if (written)
        *written = r.written;
    return st;
}

/* The pass itself, reading through r->conn. */
static as_status pass_on(pf_run *rp, int set)
{
    pf_run *r = rp;
    int64_t at = r->at;
    sqlite3_stmt *us = NULL, *fs = NULL, *vs = NULL;
    as_status st = prep(r, set ? users_set : users_all, at, &us);
    if (st == AS_OK)
        st = prep(r, set ? fuel_set : fuel_all, at, &fs);
    if (st == AS_OK)
        st = prep(r, set ? veh_set : veh_all, at, &vs);
    pf_acc a;
    memset(&a, 0, sizeof a);
    pf_citymap cities;
    memset(&cities, 0, sizeof cities);
    if (st == AS_OK && !set)
        st = citymap_load(r, &cities);
    int frow = 0, vrow = 0;
    if (st == AS_OK)
        frow = next_row(r, fs, &st);
    if (st == AS_OK)
        vrow = next_row(r, vs, &st);
    int urow;
    while (st == AS_OK && (urow = next_row(r, us, &st)) == 1) {
        const char *uid = as__column_text(us, 0);
        acc_reset(&a);
        /* vehicles first (the fill-ups are matched to them by plate) */
        while (st == AS_OK && vrow == 1) {
            int c = strcmp(as__column_text(vs, 0), uid);
            if (c > 0)
                break;
            if (c == 0)
                take_vehicle(&a, vs);
            vrow = next_row(r, vs, &st);
        }
        while (st == AS_OK && frow == 1) {
            int c = strcmp(as__column_text(fs, 0), uid);
            if (c > 0)
                break;
            if (c == 0)
                take_fill(&a, fs, at, &cities);
            frow = next_row(r, fs, &st);
        }
        if (st == AS_OK)
            st = user_done(r, &a, uid);
    }
    sqlite3_finalize(us);
    sqlite3_finalize(fs);
    sqlite3_finalize(vs);
    acc_free(&a);
    citymap_free(&cities);
    return st;
}

/* ---- storing ----------------------------------------------------------------- */

#define PROFILE_COLS                                                                          \
    "user_id, fillups, first_at, last_at, median_interval_s, litres_ml_per_fill,"             \
    " preferred_grade, top_stations, stations, cities, km_per_day, km_source, spend_12m_fen,"  \
    " points, segment, tier, refreshed_at, valid_until, vehicles"
#define VPROFILE_COLS                                                                         \
    "user_id, vehicle_id, fillups, first_at, last_at, median_interval_s, litres_ml_per_fill," \
    " grade, last_grade, last_station, km_per_day, km_source"

static const char ins_main[] = "INSERT INTO main.profiles (" PROFILE_COLS ") VALUES ";
static const char ins_main_v[] = "INSERT INTO main.vehicle_profiles (" VPROFILE_COLS ") VALUES ";
static const char ins_temp[] = "INSERT INTO temp.pf_read_profiles (" PROFILE_COLS ") VALUES ";
static const char ins_temp_v[] = "INSERT INTO temp.pf_read_vehicles (" VPROFILE_COLS ") VALUES ";

/* The rows go out in batches (batch.h): one multi-row INSERT per batch. */
typedef struct sql_sink {
    as__batch prof, veh;
} sql_sink;

static as_status sink_init(sql_sink *k, as_db *db, int temp)
{
    memset(k, 0, sizeof *k);
    as_status st = as__batch_init(&k->prof, db, temp ? ins_temp : ins_main, 19);
    if (st == AS_OK)
        st = as__batch_init(&k->veh, db, temp ? ins_temp_v : ins_main_v, 12);
    return st;
}

/* Write what is buffered and free; returns st, or the first failure. */
static as_status sink_done(sql_sink *k, as_status st)
{
    if (st == AS_OK)
        st = as__batch_flush(&k->prof);
    if (st == AS_OK)
        st = as__batch_flush(&k->veh);
    as__batch_free(&k->prof);
    as__batch_free(&k->veh);
    return st;
}

/* Where a profile's cells go: the sink's two batches (profiles, vehicle
 * profiles), or (a pass on another thread) records in a buffer that the
 * handle's thread replays into them (replay_cells). */
typedef struct pf_out {
    as__batch *b[2];
    as_buf *rec;
    int oom;
} pf_out;

enum { REC_INT = 1, REC_REAL, REC_TEXT, REC_NULL, REC_VEH = 0x80 };

static void rec_put(pf_out *o, int which, int type, const void *p, size_t n)
{
    unsigned char tag = (unsigned char)(type | (which ? REC_VEH : 0));
    if (as__buf_addc(o->rec, (char)tag) < 0 || (n && as__buf_add(o->rec, p, n) < 0))
        o->oom = 1;
}

static void out_int(pf_out *o, int which, int64_t v)
{
    if (o->rec)
        rec_put(o, which, REC_INT, &v, sizeof v);
    else
        as__batch_int(o->b[which], v);
}

static void out_real(pf_out *o, int which, double v)
{
    if (o->rec)
        rec_put(o, which, REC_REAL, &v, sizeof v);
    else
        as__batch_real(o->b[which], v);
}

static void out_text(pf_out *o, int which, const char *t)
{
    if (!o->rec) {
        as__batch_text(o->b[which], t);
    } else if (!t) {
        rec_put(o, which, REC_NULL, NULL, 0);
    } else {
        size_t n = strlen(t) + 1;
        rec_put(o, which, REC_TEXT, t, n);
    }
}

static void out_null(pf_out *o, int which)
{
    if (o->rec)
        rec_put(o, which, REC_NULL, NULL, 0);
    else
        as__batch_null(o->b[which]);
}

static void out_real_or_null(pf_out *o, int which, double v)
{
    if (v >= 0)
        out_real(o, which, v);
    else
        out_null(o, which);
}

static void out_int_or_null(pf_out *o, int which, int64_t v, int64_t null_value)
{
    if (v == null_value)
        out_null(o, which);
    else
        out_int(o, which, v);
}

/* A profile's cells, in the column order of PROFILE_COLS and VPROFILE_COLS. */
static void emit_cells(pf_out *o, const pf_user *u)
{
    out_text(o, 0, u->user_id);
    out_int(o, 0, u->fillups);
    out_int(o, 0, u->first_at);
    out_int(o, 0, u->last_at);
    out_int_or_null(o, 0, u->median_s, -1);
    out_int(o, 0, u->ml_per_fill);
    out_text(o, 0, u->grade);
    out_text(o, 0, u->top_json);
    out_int(o, 0, u->stations);
    out_int(o, 0, u->cities);
    out_real_or_null(o, 0, u->km_per_day);
    out_text(o, 0, u->km_source);
    out_int(o, 0, u->spend);
    out_int(o, 0, u->points);
    out_text(o, 0, u->segment);
    out_text(o, 0, u->tier);
    out_int(o, 0, u->at);
    out_int_or_null(o, 0, u->valid_until, 0);
    out_int(o, 0, (int64_t)u->nstreams);
    for (size_t i = 0; i < u->nstreams; i++) {
        const pf_stream *s = &u->streams[i];
        out_text(o, 1, u->user_id);
        out_int(o, 1, s->vehicle_id);
        out_int(o, 1, s->fillups);
        out_int_or_null(o, 1, s->fillups ? s->first_at : -1, -1);
        out_int_or_null(o, 1, s->fillups ? s->last_at : -1, -1);
        out_int_or_null(o, 1, s->median_s, -1);
        out_int_or_null(o, 1, s->fillups ? s->ml_per_fill : -1, -1);
        out_text(o, 1, s->grade);
        out_text(o, 1, s->last_grade);
        out_text(o, 1, s->last_station);
        out_real_or_null(o, 1, s->km_per_day);
        out_text(o, 1, s->km_source);
    }
}

static as_status emit_sql(as_db *db, const pf_user *u, void *ctx)
{
    (void)db;
    sql_sink *k = ctx;
    pf_out o = {{&k->prof, &k->veh}, NULL, 0};
    emit_cells(&o, u);
    return k->prof.st != AS_OK ? k->prof.st : k->veh.st;
}

/* Write recorded cells into the sink. */
static as_status replay_cells(sql_sink *k, const as_buf *rec)
{
    const unsigned char *p = (const unsigned char *)rec->data, *end = p + rec->len;
    while (p < end) {
        as__batch *b = (*p & REC_VEH) ? &k->veh : &k->prof;
        int type = *p++ & ~REC_VEH;
        if (type == REC_INT) {
            int64_t v;
            memcpy(&v, p, sizeof v);
            p += sizeof v;
            as__batch_int(b, v);
        } else if (type == REC_REAL) {
            double v;
            memcpy(&v, p, sizeof v);
            p += sizeof v;
            as__batch_real(b, v);
        } else if (type == REC_TEXT) {
            as__batch_text(b, (const char *)p);
            p += strlen((const char *)p) + 1;
        } else {
            as__batch_null(b);
        }
    }
    return k->prof.st != AS_OK ? k->prof.st : k->veh.st;
}

/* ---- the full pass on other threads -------------------------------------------- */

/*
 * A full rebuild reads every fill-up and computes every profile (60% of
 * its work) and writes the profiles (the rest).  When the handle's
 * transaction is the rebuild's own and the database is a WAL file, a
 * read-only connection of another thread sees exactly what the handle
 * sees (nothing else can commit while the handle holds the write lock,
 * and the rebuild has changed none of the tables the pass reads).  So two
 * readers, each on its own connection, run the pass over the two halves
 * of the users, handing the computed profiles over in chunks that the
 * handle's thread writes as they come (the rows carry their keys: the
 * order of writing changes nothing).  Each reader has a few chunks; a
 * reader waits for one when the writer is behind, so memory is bounded.
 */
enum { CHUNK_BYTES = 256 * 1024, NCHUNKS = 3, NREADERS = 2 };

struct pf_reader;

typedef struct pf_chunk {
    as_buf rec;
    struct pf_reader *owner;
    struct pf_chunk *next;
} pf_chunk;

typedef struct pf_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pf_chunk *head, *tail;       /* full chunks, in the order they came */
    int stop;                    /* the writer gave up: the readers stop */
    int running;                 /* readers not finished */
} pf_pipe;

typedef struct pf_reader {
    pf_pipe *pp;
    pf_run run;
    pf_chunk chunks[NCHUNKS];
    pf_chunk *free_list;         /* (under pp->mu) */
    pf_chunk *cur;               /* being filled */
    as_status st;
    pthread_t tid;
    int started;
    char lo[256], hi[256];
} pf_reader;

/* Queue a full chunk for the writer. */
static void pipe_push(pf_pipe *pp, pf_chunk *c)
{
    pthread_mutex_lock(&pp->mu);
    c->next = NULL;
    if (pp->tail)
        pp->tail->next = c;
    else
        pp->head = c;
    pp->tail = c;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
}

/* The pass's emit: record the cells; hand a full chunk over. */
static as_status emit_chunk(as_db *db, const pf_user *u, void *ctx)
{
    (void)db;
    pf_reader *rd = ctx;
    pf_pipe *pp = rd->pp;
    pf_out o = {{NULL, NULL}, &rd->cur->rec, 0};
    emit_cells(&o, u);
    if (o.oom)
        return run_fail(&rd->run, AS_NOMEM, 0, "out of memory");
    if (rd->cur->rec.len < CHUNK_BYTES)
        return AS_OK;
    pipe_push(pp, rd->cur);
    pthread_mutex_lock(&pp->mu);
    while (!rd->free_list && !pp->stop)
        pthread_cond_wait(&pp->cv, &pp->mu);
    pf_chunk *c = pp->stop ? NULL : rd->free_list;
    if (c)
        rd->free_list = c->next;
    pthread_mutex_unlock(&pp->mu);
    rd->cur = c;
    if (!c)
        return run_fail(&rd->run, AS_INTERNAL, 0, "stopped");
    c->rec.len = 0;
    return AS_OK;
}

static void *reader_main(void *arg)
{
    pf_reader *rd = arg;
    pf_pipe *pp = rd->pp;
    as_status st = sqlite3_exec(rd->run.conn, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
                       ? pass_on(&rd->run, 0)
                       : run_fail(&rd->run, AS_IO, SQLITE_ERROR, "starting to read");
    sqlite3_exec(rd->run.conn, "COMMIT", NULL, NULL, NULL);
    rd->st = st;
    if (rd->cur && rd->cur->rec.len)
        pipe_push(pp, rd->cur);
    rd->cur = NULL;
    pthread_mutex_lock(&pp->mu);
    pp->running--;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

/* A read-only connection for a reader, or NULL when the database does not
 * allow one (the caller then runs the pass itself). */
static sqlite3 *reader_connection(as_db *db)
{
    const char *file = sqlite3_db_filename(db->sql, "main");
    if (!file || !file[0])
        return NULL;   /* in memory, or a temporary database */
    sqlite3_stmt *s = NULL;
    int wal = 0;
    if (sqlite3_prepare_v2(db->sql, "PRAGMA main.journal_mode", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        wal = sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
    sqlite3_finalize(s);
    if (!wal)
        return NULL;
    sqlite3 *conn = NULL;
    /* One thread uses it: no per-call mutex (each sqlite3_column_* would take one). */
    if (sqlite3_open_v2(file, &conn, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(conn);
        return NULL;
    }
    sqlite3_busy_timeout(conn, 5000);
    /* As the handle's own connection (as__db_open). */
    sqlite3_exec(conn, "PRAGMA query_only = 1; PRAGMA cache_size = -65536;"
                       " PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
    return conn;
}

/* The user id that splits the users in two halves (into out); 0 when
 * there are too few users to be worth it. */
static int middle_user(as_db *db, char *out, size_t n)
{
    static const char sql[] =
        "SELECT user_id FROM users ORDER BY user_id"
        " LIMIT 1 OFFSET (SELECT count(*) / 2 FROM users)";
    sqlite3_stmt *s = as__stmt(db, sql);
    int ok = 0;
    if (s && sqlite3_step(s) == SQLITE_ROW) {
        const char *id = as__column_text(s, 0);
        ok = id && strlen(id) < n && strcmp(id, "") > 0;
        if (ok)
            snprintf(out, n, "%s", id);
    }
    if (s)
        sqlite3_reset(s);
    return ok;
}

/* The full pass on reader threads, written by this one.  *ran 0 when it
 * could not be started (nothing done: the caller runs the pass). */
static as_status pass_threaded(as_db *db, int64_t at, sql_sink *k, int64_t *written, int *ran)
{
    *ran = 0;
    char mid[256];
    if (as__import_jobs(0) < 2 || !middle_user(db, mid, sizeof mid))
        return AS_OK;
    pf_pipe *pp = calloc(1, sizeof *pp);
    pf_reader *rd = calloc(NREADERS, sizeof *rd);
    if (!pp || !rd) {
        free(pp);
        free(rd);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    const as_config *cfg = as__db_config(db);
    int nconn = 0;
    for (int i = 0; i < NREADERS; i++) {
        pf_run r = {db, at, cfg->segments, cfg->tiers, emit_chunk, &rd[i], 0, NULL, 1, AS_OK, "",
                    NULL, NULL};
        rd[i].pp = pp;
        rd[i].run = r;
        if ((rd[i].run.conn = reader_connection(db)))
            nconn++;
        for (int c = 0; c < NCHUNKS; c++) {
            rd[i].chunks[c].owner = &rd[i];
            if (c) {
                rd[i].chunks[c].next = rd[i].free_list;
                rd[i].free_list = &rd[i].chunks[c];
            }
        }
        rd[i].cur = &rd[i].chunks[0];
    }
    /* The halves: [first, mid) and [mid, end]. */
    snprintf(rd[0].hi, sizeof rd[0].hi, "%s", mid);
    rd[0].run.hi = rd[0].hi;
    snprintf(rd[1].lo, sizeof rd[1].lo, "%s", mid);
    rd[1].run.lo = rd[1].lo;
    pthread_mutex_init(&pp->mu, NULL);
    pthread_cond_init(&pp->cv, NULL);
    as_status st = AS_OK;
    if (nconn == NREADERS) {
        for (int i = 0; i < NREADERS; i++) {
            pthread_mutex_lock(&pp->mu);
            pp->running++;
            pthread_mutex_unlock(&pp->mu);
            if (pthread_create(&rd[i].tid, NULL, reader_main, &rd[i]) != 0) {
                pthread_mutex_lock(&pp->mu);
                pp->running--;
                pp->stop = 1;   /* the started one stops at its next full chunk */
                pthread_mutex_unlock(&pp->mu);
                break;
            }
            rd[i].started = 1;
        }
    }
    *ran = rd[0].started && rd[1].started;
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        while (!pp->head && pp->running)
            pthread_cond_wait(&pp->cv, &pp->mu);
        pf_chunk *c = pp->head;
        if (c) {
            pp->head = c->next;
            if (!pp->head)
                pp->tail = NULL;
        }
        pthread_mutex_unlock(&pp->mu);
        if (!c)
            break;   /* every reader has finished */
        if (st == AS_OK && *ran)
            st = replay_cells(k, &c->rec);
        pthread_mutex_lock(&pp->mu);
        if (st != AS_OK || !*ran)
            pp->stop = 1;
        c->rec.len = 0;
        c->next = c->owner->free_list;
        c->owner->free_list = c;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
    }
    int64_t n = 0;
    for (int i = 0; i < NREADERS; i++) {
        if (rd[i].started)
            pthread_join(rd[i].tid, NULL);
        if (*ran && st == AS_OK && rd[i].st != AS_OK)
            st = as__fail(db, rd[i].st, "%s", rd[i].run.errmsg);
        n += rd[i].run.written;
        for (int c = 0; c < NCHUNKS; c++)
            as__buf_free(&rd[i].chunks[c].rec);
        sqlite3_close(rd[i].run.conn);
    }
    if (written && *ran)
        *written = n;
    pthread_mutex_destroy(&pp->mu);
    pthread_cond_destroy(&pp->cv);
    free(rd);
    free(pp);
    return st;
}

/* ---- the configuration and the meta table ------------------------------------ */

/* A hash of everything in the segments and tiers sections that a stored
 * profile depends on (not the tiers' benefits, read when shown). */
static void config_hash(const as_config *cfg, char out[17])
{
    as_buf b = {0};
    char num[64];
    const as__segments_cfg *sg = cfg->segments;
    const as__tiers_cfg *tc = cfg->tiers;
    snprintf(num, sizeof num, "kmpl=%.17g;", sg ? sg->km_per_litre : 12.0);
    as__buf_adds(&b, num);
    for (size_t i = 0; sg && i < sg->n; i++) {
        as__buf_adds(&b, "seg:");
        as__buf_adds(&b, sg->items[i].name);
        as__buf_addc(&b, '\n');
        for (size_t k = 0; k < sg->items[i].cond.n; k++) {
            const as__cop *o = &sg->items[i].cond.code[k];
            snprintf(num, sizeof num, "%u,%u,%u,%.17g;", o->op, o->cmp, o->fig, o->num);
            as__buf_adds(&b, num);
        }
    }
    snprintf(num, sizeof num, "tiers:%d,%lld;", tc ? tc->basis_points : 0,
             (long long)(tc ? tc->points_per_yuan : 1));
    as__buf_adds(&b, num);
    for (size_t i = 0; tc && i < tc->n; i++) {
        as__buf_adds(&b, tc->items[i].name);
        snprintf(num, sizeof num, "=%lld;", (long long)tc->items[i].min);
        as__buf_adds(&b, num);
    }
    /* Out of memory leaves a shorter text: a different hash, so at worst
     * a needless rebuild. */
    snprintf(out, 17, "%016llx",
             (unsigned long long)fnv(b.data ? b.data : "", b.data ? b.len : 0));
    as__buf_free(&b);
}

typedef struct pf_meta {
    char hash[17];                /* "" when none stored */
    int64_t computed_max;
} pf_meta;

static as_status meta_read(as_db *db, pf_meta *m)
{
    static const char sql[] =
        "SELECT (SELECT value FROM main.profile_meta WHERE key = 'config_hash'),"
        " (SELECT value FROM main.profile_meta WHERE key = 'computed_max')";
    memset(m, 0, sizeof *m);
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        as__column_copy(s, 0, m->hash, sizeof m->hash);
        m->computed_max = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? AS_OK : as__sqlfail(db, rc, "reading the profiles' state");
}

static as_status meta_write(as_db *db, const char *hash, int64_t computed_max)
{
    static const char sql[] =
        "INSERT INTO main.profile_meta (key, value) VALUES ('config_hash', ?1),"
        " ('computed_max', ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, computed_max);
    return as__step_done(db, s, "recording the profiles' state");
}

/* Is the stored profiles' configuration the handle's? */
static as_status config_same(as_db *db, pf_meta *m, int *same)
{
    as_status st = meta_read(db, m);
    char h[17];
    config_hash(as__db_config(db), h);
    *same = st == AS_OK && strcmp(h, m->hash) == 0;
    return st;
}

/* ---- the work set ---------------------------------------------------------------- */

static as_status temp_tables(as_db *db)
{
    return as__exec(db,
                    "CREATE TEMP TABLE IF NOT EXISTS pf_set (user_id TEXT PRIMARY KEY) WITHOUT ROWID;"
                    "CREATE TEMP TABLE IF NOT EXISTS pf_read_stale (user_id TEXT PRIMARY KEY)"
                    " WITHOUT ROWID;"
                    "CREATE TEMP TABLE IF NOT EXISTS pf_read_profiles ("
                    " user_id TEXT PRIMARY KEY, fillups INTEGER, first_at INTEGER,"
                    " last_at INTEGER, median_interval_s INTEGER, litres_ml_per_fill INTEGER,"
                    " preferred_grade TEXT, top_stations TEXT, stations INTEGER, cities INTEGER,"
                    " km_per_day REAL, km_source TEXT, spend_12m_fen INTEGER, points INTEGER,"
                    " segment TEXT, tier TEXT, refreshed_at INTEGER, valid_until INTEGER,"
                    " vehicles INTEGER)"
                    " WITHOUT ROWID;"
                    "CREATE TEMP TABLE IF NOT EXISTS pf_read_vehicles ("
                    " user_id TEXT, vehicle_id INTEGER, fillups INTEGER, first_at INTEGER,"
                    " last_at INTEGER, median_interval_s INTEGER, litres_ml_per_fill INTEGER,"
                    " grade TEXT, last_grade TEXT, last_station TEXT, km_per_day REAL,"
                    " km_source TEXT, PRIMARY KEY (user_id, vehicle_id)) WITHOUT ROWID");
}

/* Fill temp.pf_set with the existing users whose stored profile is not
 * usable at at (all of them when the configuration differs); *n gets
 * their number. */
static as_status stale_set(as_db *db, int64_t at, int same, const pf_meta *m, int64_t *n)
{
    static const char clear[] = "DELETE FROM temp.pf_set";
    static const char all[] = "INSERT INTO temp.pf_set (user_id) SELECT user_id FROM users";
    static const char dirty[] =
        "INSERT OR IGNORE INTO temp.pf_set (user_id) SELECT d.user_id FROM main.profile_dirty d"
        " WHERE EXISTS (SELECT 1 FROM users u WHERE u.user_id = d.user_id)";
    static const char expired[] =
        "INSERT OR IGNORE INTO temp.pf_set (user_id) SELECT user_id FROM main.profiles"
        " WHERE valid_until <= ?1";
    static const char later[] =
        "INSERT OR IGNORE INTO temp.pf_set (user_id) SELECT user_id FROM main.profiles"
        " WHERE refreshed_at > ?1";
    const char *steps[4] = {clear, same ? dirty : all, same ? expired : NULL,
                            same && at < m->computed_max ? later : NULL};
    *n = 0;
    for (int i = 0; i < 4; i++) {
        if (!steps[i])
            continue;
        sqlite3_stmt *s = as__stmt(db, steps[i]);
        if (!s)
            return AS_INTERNAL;
        if (sqlite3_bind_parameter_count(s))
            sqlite3_bind_int64(s, 1, at);
        as_status st = as__step_done(db, s, "finding the profiles to bring up to date");
        if (st != AS_OK)
            return st;
        if (i)
            *n += sqlite3_changes(db->sql);
    }
    return AS_OK;
}

/* ---- the write path ------------------------------------------------------------ */

static as_status rebuild(as_db *db, int64_t at, int64_t *written, int own_txn)
{
    sql_sink k;
    char h[17];
    config_hash(as__db_config(db), h);
    /* The index on valid_until is built after the rows (one sort) rather
     * than kept up row by row (its keys come in no order): 10% of a
     * rebuild's time. */
    as_status st = as__exec(db, "DROP INDEX IF EXISTS main.profiles_valid_until;"
                                " DELETE FROM main.profiles; DELETE FROM main.vehicle_profiles;"
                                " DELETE FROM main.profile_dirty");
    if (st == AS_OK && (st = sink_init(&k, db, 0)) == AS_OK) {
        int ran = 0;
        if (own_txn)
            st = pass_threaded(db, at, &k, written, &ran);
        if (st == AS_OK && !ran)
            st = pass(db, 0, at, emit_sql, &k, written);
        st = sink_done(&k, st);
    }
    if (st == AS_OK)
        st = as__exec(db, "CREATE INDEX profiles_valid_until ON profiles (valid_until)"
                          " WHERE valid_until IS NOT NULL");
    if (st == AS_OK)
        st = meta_write(db, h, at);
    return st;
}

as_status as__profiles_update(as_db *db, int64_t at, int64_t *users)
{
    sql_sink k;
    static const char del_p[] =
        "DELETE FROM main.profiles WHERE user_id IN (SELECT user_id FROM temp.pf_set)";
    static const char del_v[] =
        "DELETE FROM main.vehicle_profiles WHERE user_id IN (SELECT user_id FROM temp.pf_set)";
    static const char del_d[] = "DELETE FROM main.profile_dirty";
    if (users)
        *users = 0;
    pf_meta m;
    int same = 0;
    as_status st = temp_tables(db);
    if (st == AS_OK)
        st = config_same(db, &m, &same);
    if (st != AS_OK)
        return st;
    if (!same) {
        int64_t n = 0;
        st = rebuild(db, at, &n, 0);
        if (st == AS_OK && users)
            *users = n;
        return st;
    }
    int64_t n = 0;
    st = stale_set(db, at, 1, &m, &n);
    const char *dels[3] = {del_p, del_v, del_d};
    for (int i = 0; i < 3 && st == AS_OK && n >= 0; i++) {
        if (!n && i < 2)
            continue;
        sqlite3_stmt *s = as__stmt(db, dels[i]);
        st = s ? as__step_done(db, s, "replacing stale profiles") : AS_INTERNAL;
    }
    if (st == AS_OK && n && (st = sink_init(&k, db, 0)) == AS_OK)
        st = sink_done(&k, pass(db, 1, at, emit_sql, &k, NULL));
    if (st == AS_OK && at > m.computed_max)
        st = meta_write(db, m.hash, at);
    if (st == AS_OK && users)
        *users = n;
    return st;
}

as_status as__profile_dirty(as_db *db, const char *user_id)
{
    static const char sql[] = "INSERT OR IGNORE INTO main.profile_dirty (user_id) VALUES (?1)";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    return as__step_done(db, s, "marking a profile for update");
}

as_status as__profile_user_added(as_db *db, const char *user_id)
{
    static const char any[] = "SELECT 1 FROM fuelings WHERE user_id = ?1 LIMIT 1";
    /* The first fill-up of each plate: its grade and time (SQLite takes the
     * bare columns from the row of the min()). */
    static const char vehicles[] =
        "INSERT INTO vehicles (user_id, plate, grade, created_at)"
        " SELECT ?1, f.plate, f.grade, min(f.filled_at) FROM fuelings f"
        " WHERE f.user_id = ?1 AND f.plate IS NOT NULL"
        "  AND NOT EXISTS (SELECT 1 FROM vehicles v WHERE v.plate = f.plate)"
        " GROUP BY f.plate";
    /* A reading that fits every other reading of the vehicle. */
    static const char readings[] =
        "INSERT OR IGNORE INTO odometer_readings (vehicle_id, user_id, km, at, forced, source,"
        " created_at)"
        " SELECT v.id, f.user_id, f.odometer_km, f.filled_at, 0, 'fuel', ?2"
        " FROM fuelings f JOIN vehicles v ON v.plate = f.plate AND v.user_id = f.user_id"
        " WHERE f.user_id = ?1 AND f.odometer_km IS NOT NULL"
        "  AND NOT EXISTS (SELECT 1 FROM fuelings g WHERE g.user_id = f.user_id"
        "   AND g.plate = f.plate AND g.odometer_km IS NOT NULL"
        "   AND ((g.filled_at < f.filled_at AND g.odometer_km > f.odometer_km)"
        "     OR (g.filled_at > f.filled_at AND g.odometer_km < f.odometer_km)))"
        "  AND NOT EXISTS (SELECT 1 FROM odometer_readings o WHERE o.vehicle_id = v.id"
        "   AND ((o.at < f.filled_at AND o.km > f.odometer_km)"
        "     OR (o.at > f.filled_at AND o.km < f.odometer_km)))";
    sqlite3_stmt *s = as__stmt(db, any);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return AS_OK;   /* nothing waits for this user */
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "looking for a new user's records");
    as_status st = as__profile_dirty(db, user_id);
    const char *sqls[2] = {vehicles, readings};
    for (int i = 0; i < 2 && st == AS_OK; i++) {
        if (!(s = as__stmt(db, sqls[i])))
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
        if (i)
            sqlite3_bind_int64(s, 2, as__now());
        st = as__step_done(db, s, "taking a new user's vehicles from their records");
    }
    return st;
}

/* ---- the read path -------------------------------------------------------------- */

static const char views[] =
    "CREATE TEMP VIEW IF NOT EXISTS profiles AS"
    " SELECT " PROFILE_COLS " FROM main.profiles"
    "  WHERE user_id NOT IN (SELECT user_id FROM temp.pf_read_stale)"
    " UNION ALL SELECT " PROFILE_COLS " FROM temp.pf_read_profiles;"
    "CREATE TEMP VIEW IF NOT EXISTS vehicle_profiles AS"
    " SELECT " VPROFILE_COLS " FROM main.vehicle_profiles"
    "  WHERE user_id NOT IN (SELECT user_id FROM temp.pf_read_stale)"
    " UNION ALL SELECT " VPROFILE_COLS " FROM temp.pf_read_vehicles";

as_status as__profiles_for_read(as_db *db, int64_t at)
{
    sql_sink k;
    as_status st = temp_tables(db);
    if (st == AS_OK)
        st = as__exec(db, views);
    /* One read transaction (a savepoint nests in the caller's), so that
     * the passes see one state of the database. */
    if (st == AS_OK)
        st = as__exec(db, "SAVEPOINT as_profile_read");
    if (st != AS_OK)
        return st;
    pf_meta m;
    int same = 0;
    int64_t n = 0;
    st = as__exec(db, "DELETE FROM temp.pf_read_stale; DELETE FROM temp.pf_read_profiles;"
                      " DELETE FROM temp.pf_read_vehicles");
    if (st == AS_OK)
        st = config_same(db, &m, &same);
    if (st == AS_OK)
        st = stale_set(db, at, same, &m, &n);
    if (st == AS_OK && n && (st = sink_init(&k, db, 1)) == AS_OK)
        st = sink_done(&k, pass(db, 1, at, emit_sql, &k, NULL));
    if (st == AS_OK && n)
        st = as__exec(db, "INSERT INTO temp.pf_read_stale SELECT user_id FROM temp.pf_set");
    char *err = NULL;
    sqlite3_exec(db->sql, st == AS_OK ? "RELEASE as_profile_read"
                                      : "ROLLBACK TO as_profile_read; RELEASE as_profile_read",
                 NULL, NULL, &err);
    sqlite3_free(err);
    return st;
}

/* ---- the public calls --------------------------------------------------------- */

as_status as_profile_refresh(as_db *db, int64_t at, int64_t *users)
{
    if (users)
        *users = 0;
    if (!db)
        return AS_MISUSE;
    if (!at)
        at = as__now();
    /* The pass may read through a second connection only when this
     * transaction is the refresh's own (nothing uncommitted to miss). */
    int own = db->txn_depth == 0;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    int64_t n = 0;
    st = temp_tables(db);
    if (st == AS_OK)
        st = rebuild(db, at, &n, own);
    st = as__write_end(db, st);
    if (st == AS_OK && users)
        *users = n;
    return st;
}

as_status as_profile_update(as_db *db, int64_t at, int64_t *users)
{
    if (users)
        *users = 0;
    if (!db)
        return AS_MISUSE;
    if (!at)
        at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    return as__write_end(db, as__profiles_update(db, at, users));
}

as_status as_profile_config_changed(as_db *db, int *changed)
{
    if (!db || !changed)
        return db ? as__fail(db, AS_MISUSE, "as_profile_config_changed: NULL argument")
                  : AS_MISUSE;
    pf_meta m;
    int same = 0;
    as_status st = config_same(db, &m, &same);
    if (st != AS_OK)
        return st;
    *changed = !same;
    as__ok(db);
    return AS_OK;
}

/* ---- reading one profile ------------------------------------------------------ */

static const char *block_str(char **w, const char *t)
{
    if (!t)
        return NULL;
    size_t n = strlen(t);
    char *d = memcpy(*w, t, n + 1);
    *w += n + 1;
    return d;
}

static size_t str_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static int stream_before(const pf_stream *a, const pf_stream *b)
{
    if (!a->plate != !b->plate)
        return a->plate != NULL;
    if (a->plate && b->plate && strcmp(a->plate, b->plate) != 0)
        return strcmp(a->plate, b->plate) < 0;
    return a->vehicle_id < b->vehicle_id;
}

/* Build the caller's as_profile (one allocation) from u; top_stations is
 * parsed from its stored JSON text, the tier's benefits come from the
 * configuration, the last service from the services at or before u->at. */
static as_status profile_build(as_db *db, const pf_user *u, int64_t svc_at, int64_t svc_km,
                               as_profile **out)
{
    const as__tiers_cfg *tc = as__db_config(db)->tiers;
    const as__tier *t = NULL;
    for (size_t i = 0; tc && u->tier && i < tc->n; i++)
        if (strcmp(tc->items[i].name, u->tier) == 0)
            t = &tc->items[i];
    as__json *top = NULL;
    char why[80];
    as_status js = as__json_parse(u->top_json, strlen(u->top_json), &top, why, sizeof why);
    if (js == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (js != AS_OK || top->type != AS__J_ARRAY) {
        as__json_free(top);
        return as__fail(db, AS_INTERNAL, "profile of '%s': top_stations is not a JSON array",
                        u->user_id);
    }
    for (size_t i = 0; i < top->n; i++)
        if (top->items[i].type != AS__J_STRING) {
            as__json_free(top);
            return as__fail(db, AS_INTERNAL,
                            "profile of '%s': top_stations holds a value that is not a text",
                            u->user_id);
        }
    size_t ntop = top->n, nben = t ? t->nbenefits : 0, nv = u->nstreams;
    size_t need = sizeof(as_profile) + nv * sizeof(as_profile_vehicle) +
                  (ntop + nben) * sizeof(char *);
    need += str_size(u->user_id) + str_size(u->grade) + str_size(u->km_source) +
            str_size(u->segment) + str_size(u->tier);
    for (size_t i = 0; i < ntop; i++)
        need += top->items[i].len + 1;
    for (size_t i = 0; i < nben; i++)
        need += strlen(t->benefits[i]) + 1;
    for (size_t i = 0; i < nv; i++) {
        const pf_stream *o = &u->streams[i];
        need += str_size(o->plate) + str_size(o->registered_grade) + str_size(o->grade) +
                str_size(o->last_grade) + str_size(o->last_station) + str_size(o->km_source);
    }
    as_profile *p = calloc(1, need);
    if (!p) {
        as__json_free(top);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    as_profile_vehicle *veh = (as_profile_vehicle *)(void *)(p + 1);
    const char **tops = (const char **)(void *)(veh + nv);
    const char **bens = tops + ntop;
    char *w = (char *)(bens + nben);
    p->user_id = block_str(&w, u->user_id);
    p->preferred_grade = block_str(&w, u->grade);
    p->km_source = block_str(&w, u->km_source);
    p->segment = block_str(&w, u->segment);
    p->tier = block_str(&w, u->tier);
    for (size_t i = 0; i < ntop; i++) {
        tops[i] = memcpy(w, top->items[i].str, top->items[i].len);
        w[top->items[i].len] = '\0';
        w += top->items[i].len + 1;
    }
    for (size_t i = 0; i < nben; i++)
        bens[i] = block_str(&w, t->benefits[i]);
    as__json_free(top);
    /* vehicles in plate order, the others last */
    const pf_stream **ord = malloc((nv ? nv : 1) * sizeof *ord);
    if (!ord) {
        free(p);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < nv; i++) {
        ord[i] = &u->streams[i];
        for (size_t j = i; j > 0 && stream_before(ord[j], ord[j - 1]); j--) {
            const pf_stream *x = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = x;
        }
    }
    for (size_t i = 0; i < nv; i++) {
        const pf_stream *o = ord[i];
        as_profile_vehicle *v = &veh[i];
        v->plate = block_str(&w, o->plate);
        v->registered_grade = block_str(&w, o->registered_grade);
        v->fillups = o->fillups;
        v->first_at = o->first_at;
        v->last_at = o->last_at;
        v->median_interval_s = o->median_s;
        v->litres_ml_per_fill = o->ml_per_fill;
        v->preferred_grade = block_str(&w, o->grade);
        v->last_grade = block_str(&w, o->last_grade);
        v->last_station = block_str(&w, o->last_station);
        v->km_per_day = o->km_per_day;
        v->km_source = block_str(&w, o->km_source);
        v->expected_at = o->fillups && o->median_s > 0 ? o->last_at + o->median_s : 0;
    }
    free(ord);
    p->top_stations = tops;
    p->ntop_stations = ntop;
    p->tier_benefits = bens;
    p->ntier_benefits = nben;
    p->vehicles = veh;
    p->nvehicles = nv;
    p->fillups = u->fillups;
    p->first_at = u->first_at;
    p->last_at = u->last_at;
    p->median_interval_s = u->median_s;
    p->litres_ml_per_fill = u->ml_per_fill;
    p->stations = u->stations;
    p->cities = u->cities;
    p->km_per_day = u->km_per_day;
    p->spend_12m_fen = u->spend;
    p->points = u->points;
    p->refreshed_at = u->at;
    p->valid_until = u->valid_until;
    p->last_service_at = svc_at;
    p->last_service_km = svc_km;
    *out = p;
    return AS_OK;
}

/* The emit of a one-user pass: builds the caller's profile while the
 * pass's buffers hold the strings. */
typedef struct one_ctx {
    int64_t svc_at, svc_km;
    as_profile *out;
} one_ctx;

static as_status emit_one(as_db *db, const pf_user *u, void *ctx)
{
    one_ctx *o = ctx;
    if (!u->fillups || o->out)
        return AS_OK;
    return profile_build(db, u, o->svc_at, o->svc_km, &o->out);
}

static as_status last_service(as_db *db, const char *user_id, int64_t at, int64_t *svc_at,
                              int64_t *svc_km)
{
    static const char sql[] =
        "SELECT at, km FROM services WHERE user_id = ?1 AND at <= ?2 ORDER BY at DESC LIMIT 1";
    *svc_at = 0;
    *svc_km = -1;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, at);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *svc_at = sqlite3_column_int64(s, 0);
        *svc_km = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? AS_OK : as__sqlfail(db, rc, "reading services");
}

/* The stored profile of user_id when it is usable at at: *found 1 and
 * *out built; *found 0 when it must be computed. */
static as_status stored_profile(as_db *db, const char *user_id, int64_t at, int *found,
                                as_profile **out, int64_t svc_at, int64_t svc_km)
{
    static const char prof_sql[] =
        "SELECT " PROFILE_COLS " FROM main.profiles WHERE user_id = ?1"
        " AND refreshed_at <= ?2 AND (valid_until IS NULL OR valid_until > ?2)"
        " AND NOT EXISTS (SELECT 1 FROM main.profile_dirty WHERE user_id = ?1)";
    static const char veh_sql[] =
        "SELECT vp.vehicle_id, v.plate, CASE WHEN v.grade_given THEN v.grade END, vp.fillups,"
        " vp.first_at, vp.last_at, vp.median_interval_s, vp.litres_ml_per_fill, vp.grade,"
        " vp.last_grade, vp.last_station, vp.km_per_day, vp.km_source"
        " FROM main.vehicle_profiles vp LEFT JOIN vehicles v ON v.id = vp.vehicle_id"
        " WHERE vp.user_id = ?1";
    *found = 0;
    pf_meta m;
    int same = 0;
    as_status st = config_same(db, &m, &same);
    if (st != AS_OK || !same)
        return st;
    sqlite3_stmt *s = as__stmt(db, prof_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, at);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return rc == SQLITE_DONE ? AS_OK : as__sqlfail(db, rc, "reading a profile");
    }
    /* Copy the row (the vehicle query reuses nothing of it, but the
     * builder needs both at once). */
    pf_user u;
    memset(&u, 0, sizeof u);
    char *c[7] = {as__column_dup(s, 0), as__column_dup(s, 6), as__column_dup(s, 7),
                  as__column_dup(s, 11), as__column_dup(s, 14), as__column_dup(s, 15), NULL};
    u.user_id = c[0];
    u.fillups = sqlite3_column_int64(s, 1);
    u.first_at = sqlite3_column_int64(s, 2);
    u.last_at = sqlite3_column_int64(s, 3);
    u.median_s = as__column_int64_or(s, 4, -1);
    u.ml_per_fill = sqlite3_column_int64(s, 5);
    u.grade = c[1];
    u.top_json = c[2] ? c[2] : "[]";
    u.stations = sqlite3_column_int64(s, 8);
    u.cities = sqlite3_column_int64(s, 9);
    u.km_per_day = sqlite3_column_type(s, 10) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 10);
    u.km_source = c[3];
    u.spend = sqlite3_column_int64(s, 12);
    u.points = sqlite3_column_int64(s, 13);
    u.segment = c[4];
    u.tier = c[5];
    u.at = sqlite3_column_int64(s, 16);
    u.valid_until = as__column_int64_or(s, 17, 0);
    sqlite3_reset(s);
    pf_stream *streams = NULL;
    char **vstr = NULL;
    size_t nv = 0, cap = 0;
    if (!(s = as__stmt(db, veh_sql)))
        st = AS_INTERNAL;
    else
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (nv == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            pf_stream *ns = realloc(streams, ncap * sizeof *ns);
            if (ns)
                streams = ns;
            char **nstr = ns ? realloc(vstr, ncap * 6 * sizeof *nstr) : NULL;
            if (!ns || !nstr) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            vstr = nstr;
            cap = ncap;
        }
        pf_stream *o = &streams[nv];
        char **vs = vstr + nv * 6;
        memset(o, 0, sizeof *o);
        o->vehicle_id = sqlite3_column_int64(s, 0);
        o->plate = vs[0] = as__column_dup(s, 1);
        o->registered_grade = vs[1] = as__column_dup(s, 2);
        o->fillups = sqlite3_column_int64(s, 3);
        o->first_at = as__column_int64_or(s, 4, 0);
        o->last_at = as__column_int64_or(s, 5, 0);
        o->median_s = as__column_int64_or(s, 6, -1);
        o->ml_per_fill = as__column_int64_or(s, 7, 0);
        o->grade = vs[2] = as__column_dup(s, 8);
        o->last_grade = vs[3] = as__column_dup(s, 9);
        o->last_station = vs[4] = as__column_dup(s, 10);
        o->km_per_day = sqlite3_column_type(s, 11) == SQLITE_NULL ? -1
                                                                  : sqlite3_column_double(s, 11);
        o->km_source = vs[5] = as__column_dup(s, 12);
        nv++;
    }
    if (s)
        sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading a profile's vehicles");
    u.streams = streams;
    u.nstreams = nv;
    if (st == AS_OK) {
        *found = 1;
        if (u.fillups)
            st = profile_build(db, &u, svc_at, svc_km, out);
    }
    for (size_t i = 0; i < nv * 6; i++)
        free(vstr[i]);
    free(vstr);
    free(streams);
    for (int i = 0; i < 6; i++)
        free(c[i]);
    return st;
}

as_status as_profile_get_at(as_profile **out, as_db *db, const char *user_id, int64_t at)
{
    if (out)
        *out = NULL;
    if (!out || !db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_profile_get_at: NULL argument") : AS_MISUSE;
    if (!at)
        at = as__now();
    static const char user_sql[] = "SELECT 1 FROM users WHERE user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, user_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading a user");
    int64_t svc_at, svc_km;
    as_status st = as__exec(db, "SAVEPOINT as_profile_get");
    if (st != AS_OK)
        return st;
    int found = 0;
    st = last_service(db, user_id, at, &svc_at, &svc_km);
    if (st == AS_OK)
        st = stored_profile(db, user_id, at, &found, out, svc_at, svc_km);
    one_ctx one = {svc_at, svc_km, NULL};
    if (st == AS_OK && !found) {
        /* Not usable as stored: compute this user's alone. */
        static const char one_sql[] = "INSERT INTO temp.pf_set (user_id) VALUES (?1)";
        st = temp_tables(db);
        if (st == AS_OK)
            st = as__exec(db, "DELETE FROM temp.pf_set");
        if (st == AS_OK && !(s = as__stmt(db, one_sql)))
            st = AS_INTERNAL;
        if (st == AS_OK) {
            sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
            st = as__step_done(db, s, "computing a profile");
        }
        if (st == AS_OK)
            st = pass(db, 1, at, emit_one, &one, NULL);
        if (st == AS_OK)
            *out = one.out;
        else
            free(one.out);
    }
    char *err = NULL;
    sqlite3_exec(db->sql, "RELEASE as_profile_get", NULL, NULL, &err);
    sqlite3_free(err);
    if (st == AS_OK && !*out) {
        char when[AS_TIME_BUFSIZE];
        st = as__fail(db, AS_NOTFOUND, "user '%s' has no fueling record as of %s", user_id,
                      as_time_format(at, as_db_utc_offset(db), when));
    }
    if (st == AS_OK)
        as__ok(db);
    return st;
}

as_status as_profile_get(as_profile **out, as_db *db, const char *user_id)
{
    if (out)
        *out = NULL;
    if (!out || !db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_profile_get: NULL argument") : AS_MISUSE;
    return as_profile_get_at(out, db, user_id, 0);
}

void as_profile_free(as_profile *profile)
{
    free(profile);
}
