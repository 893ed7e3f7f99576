/* fuel.c - fueling records (import), amounts, and the derived profiles. */
#include "import.h"
#include "json.h"
#include "remind.h"
#include "vehicle.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- decimal text to integer units ----------------------------------- */

/* Digits, optionally '.' and 1..places digits; scaled by 10^places.
 * Never through a float.  Full-width digits and '．' are read as ASCII.
 * -1 when not such a number or above max. */
static int64_t decimal_units(const char *text, int places, int64_t max)
{
    char folded[AS__FOLD_MAX];
    const char *s = as__fold_fullwidth(text, folded, sizeof folded);
    if (!s)
        return -1;
    int64_t v = 0;
    size_t i = 0, ndig = 0;
    while (isdigit((unsigned char)s[i])) {
        if (v > max)   /* stop before overflowing */
            return -1;
        v = v * 10 + (s[i++] - '0');
        ndig++;
    }
    if (!ndig)
        return -1;
    int frac = 0;
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i])) {
            if (++frac > places)
                return -1;
            v = v * 10 + (s[i++] - '0');
        }
        if (!frac)
            return -1;
    }
    if (s[i])
        return -1;
    for (; frac < places; frac++)
        v *= 10;
    return v > max ? -1 : v;
}

as_status as_amount_parse(const char *text, int64_t *fen)
{
    if (!text || !fen)
        return AS_MISUSE;
    int64_t v = decimal_units(text, 2, 100000000LL * 100);
    if (v < 0)
        return AS_INVALID;
    *fen = v;
    return AS_OK;
}

as_status as_litres_parse(const char *text, int64_t *ml)
{
    if (!text || !ml)
        return AS_MISUSE;
    int64_t v = decimal_units(text, 3, 10000LL * 1000);
    if (v <= 0)
        return AS_INVALID;
    *ml = v;
    return AS_OK;
}

/* ---- import ---------------------------------------------------------- */

enum { C_TX, C_USER, C_STATION, C_AT, C_GRADE, C_LITRES, C_AMOUNT, C_ODO, C_PLATE, C_SREGION,
       NCOLS };

static const char *const columns[NCOLS + 1] = {
    "tx_id", "user_id", "station_id", "filled_at", "grade", "litres", "amount_yuan",
    "odometer_km", "plate", "station_region", NULL,
};

typedef struct fuel_row {
    const char *tx, *user, *station, *sregion;
    int64_t at, ml, fen, odo;   /* odo -1: none */
    char grade[8];
    char *plate;                /* normalised, or NULL */
} fuel_row;

static void bind_row(sqlite3_stmt *s, const fuel_row *r)
{
    sqlite3_bind_text(s, 1, r->tx, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->station, -1, SQLITE_STATIC);
    if (r->sregion)
        sqlite3_bind_text(s, 4, r->sregion, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, r->at);
    sqlite3_bind_text(s, 6, r->grade, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, r->ml);
    sqlite3_bind_int64(s, 8, r->fen);
    if (r->odo >= 0)
        sqlite3_bind_int64(s, 9, r->odo);
    if (r->plate)
        sqlite3_bind_text(s, 10, r->plate, -1, SQLITE_STATIC);
}

/* A tx_id already recorded: unchanged when equal, else a problem. */
static as_status known_tx(as__import *im, const fuel_row *r, int *known, as_upsert *result)
{
    static const char sql[] =
        "SELECT tx_id = ?1 AND user_id = ?2 AND station_id = ?3 AND station_region IS ?4"
        " AND filled_at = ?5 AND grade = ?6 AND litres_ml = ?7 AND amount_fen = ?8"
        " AND odometer_km IS ?9 AND plate IS ?10 FROM fuelings WHERE tx_id = ?1";
    as_db *db = as__import_db(im);
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    bind_row(s, r);
    int rc = sqlite3_step(s);
    *known = rc == SQLITE_ROW;
    int same = *known && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a fueling record");
    if (*known) {
        if (same)
            *result = AS_UPSERT_UNCHANGED;
        else
            as__import_problem(im, "tx_id",
                               "is already recorded with other values (a payment does not change)");
    }
    return AS_OK;
}

/* Known users, loaded once for a long import (an open-addressing set of
 * the ids), so each row needs no lookup in users. */
typedef struct user_set {
    char **slot;
    size_t cap;                  /* power of two; 0: not loaded */
    char *arena;
    uint64_t rows;               /* rows seen: load after a few thousand */
    int failed;
} user_set;

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void user_set_free(user_set *u)
{
    free(u->slot);
    free(u->arena);
    memset(u, 0, sizeof *u);
}

static as_status user_set_load(as_db *db, user_set *u)
{
    static const char count_sql[] =
        "SELECT count(*), coalesce(sum(length(user_id) + 1), 0) FROM users"
        " WHERE erased_at IS NULL";
    static const char ids_sql[] = "SELECT user_id FROM users WHERE erased_at IS NULL";
    sqlite3_stmt *s = as__stmt(db, count_sql);
    if (!s)
        return AS_INTERNAL;
    int rc = sqlite3_step(s);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    int64_t bytes = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "counting users");
    size_t cap = 16;
    while (cap < (size_t)n * 2)
        cap *= 2;
    u->slot = calloc(cap, sizeof *u->slot);
    u->arena = malloc((size_t)bytes + 1);
    if (!u->slot || !u->arena) {
        user_set_free(u);
        u->failed = 1;   /* fall back to lookups */
        return AS_OK;
    }
    u->cap = cap;
    if (!(s = as__stmt(db, ids_sql)))
        return AS_INTERNAL;
    size_t used = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        size_t len = strlen(id) + 1;
        if (used + len > (size_t)bytes + 1)
            break;   /* changed under us: cannot happen inside the write */
        char *copy = memcpy(u->arena + used, id, len);
        used += len;
        size_t i = hash_id(copy) & (cap - 1);
        while (u->slot[i])
            i = (i + 1) & (cap - 1);
        u->slot[i] = copy;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        user_set_free(u);
        return as__sqlfail(db, rc, "reading users");
    }
    return AS_OK;
}

/* 1: known, 0: not known, -1: not loaded (look it up in SQL). */
static int user_set_has(const user_set *u, const char *id)
{
    if (!u->cap)
        return -1;
    for (size_t i = hash_id(id) & (u->cap - 1); u->slot[i]; i = (i + 1) & (u->cap - 1))
        if (strcmp(u->slot[i], id) == 0)
            return 1;
    return 0;
}

static as_status insert_row(as__import *im, const fuel_row *r, user_set *us, int *inserted)
{
    static const char check_sql[] =
        "INSERT INTO fuelings (tx_id, user_id, station_id, station_region, filled_at, grade,"
        " litres_ml, amount_fen, odometer_km, plate)"
        " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
        " WHERE EXISTS (SELECT 1 FROM users WHERE user_id = ?2 AND erased_at IS NULL)"
        " ON CONFLICT (tx_id) DO NOTHING";
    static const char known_sql[] =
        "INSERT INTO fuelings (tx_id, user_id, station_id, station_region, filled_at, grade,"
        " litres_ml, amount_fen, odometer_km, plate)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT (tx_id) DO NOTHING";
    as_db *db = as__import_db(im);
    *inserted = 0;
    int has = user_set_has(us, r->user);
    if (has == 0)
        return AS_OK;   /* the caller reports the user */
    sqlite3_stmt *s = as__stmt(db, has > 0 ? known_sql : check_sql);
    if (!s)
        return AS_INTERNAL;
    bind_row(s, r);
    as_status st = as__step_done(db, s, "adding a fueling record");
    *inserted = st == AS_OK && sqlite3_changes(db->sql) == 1;
    return st;
}

static as_status no_user(as__import *im, const fuel_row *r)
{
    static const char sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    as_db *db = as__import_db(im);
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, r->user, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    char msg[120];
    if (rc == SQLITE_ROW && sqlite3_column_int(s, 0))
        snprintf(msg, sizeof msg, "user '%.64s' was erased", r->user);
    else
        snprintf(msg, sizeof msg, "no user '%.64s'", r->user);
    sqlite3_reset(s);
    as__import_problem(im, "user_id", msg);
    return AS_OK;
}

/* The plate: find or register the vehicle, record the reading. */
static as_status vehicle_part(as__import *im, const fuel_row *r)
{
    as_db *db = as__import_db(im);
    sqlite3_int64 vid = 0;
    char owner[80] = "";
    as_status st = as__vehicle_find(db, r->plate, &vid, owner, sizeof owner);
    if (st == AS_NOTFOUND) {
        static const char sql[] =
            "INSERT INTO vehicles (user_id, plate, grade, created_at) VALUES (?1, ?2, ?3, ?4)";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s)
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, r->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, r->plate, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, r->grade, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, r->at);
        if ((st = as__step_done(db, s, "registering a vehicle")) != AS_OK)
            return st;
        vid = sqlite3_last_insert_rowid(db->sql);
        snprintf(owner, sizeof owner, "%s", r->user);
    } else if (st != AS_OK) {
        return st;
    }
    if (strcmp(owner, r->user) != 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s belongs to user '%.64s', not '%.64s'", r->plate, owner,
                 r->user);
        as__import_problem(im, "plate", msg);
        return AS_OK;
    }
    if (r->odo < 0)
        return AS_OK;
    st = as__odometer_record(db, vid, owner, r->plate, r->odo, r->at, AS__ODOMETER_SAME_OK, "fuel");
    if (st == AS_INVALID || st == AS_EXISTS) {
        as__import_problem(im, "odometer_km", as_errmsg(db));
        return AS_OK;
    }
    return st;
}

static void check_id(as__import *im, const char *field, const char *v)
{
    char why[120];
    if (as__check_id(v, why, sizeof why) != AS_OK)
        as__import_problem(im, field, why);
}

static as_status fuel_row_fn(as__import *im, const char *const *cell, const char *extra,
                             as_upsert *result, void *ctx)
{
    (void)extra;
    user_set *us = ctx;
    as_db *db = as__import_db(im);
    /* Past a few thousand rows, load the user ids once. */
    if (!us->cap && !us->failed && ++us->rows == 4096) {
        as_status lst = user_set_load(db, us);
        if (lst != AS_OK)
            return lst;
    }
    char msg[200];
    fuel_row r = {.tx = cell[C_TX], .user = cell[C_USER], .station = cell[C_STATION], .odo = -1};
    check_id(im, "tx_id", r.tx ? r.tx : "");
    check_id(im, "user_id", r.user ? r.user : "");
    check_id(im, "station_id", r.station ? r.station : "");
    const char *v = cell[C_AT];
    if (!v || as_time_parse(v, as_db_utc_offset(db), &r.at) != AS_OK) {
        snprintf(msg, sizeof msg, "'%.40s' is not a time (2026-11-24T09:00:00+08:00)", v ? v : "");
        as__import_problem(im, "filled_at", msg);
    }
    v = cell[C_GRADE];
    if (!v || as_grade_normalize(v, r.grade) != AS_OK) {
        snprintf(msg, sizeof msg, "'%.40s' is not a fuel grade (92, 95, 98, 0 for diesel, ...)",
                 v ? v : "");
        as__import_problem(im, "grade", msg);
    }
    v = cell[C_LITRES];
    if (!v || as_litres_parse(v, &r.ml) != AS_OK) {
        snprintf(msg, sizeof msg, "'%.40s' is not a volume in litres (45.5, at most 3 decimals)",
                 v ? v : "");
        as__import_problem(im, "litres", msg);
    }
    v = cell[C_AMOUNT];
    if (!v || as_amount_parse(v, &r.fen) != AS_OK) {
        snprintf(msg, sizeof msg,
                 "'%.40s' is not an amount in yuan (digits with at most 2 decimals: 300.50)",
                 v ? v : "");
        as__import_problem(im, "amount_yuan", msg);
    }
    v = cell[C_ODO];
    if (v && v[0]) {
        int64_t km = decimal_units(v, 0, 9999999);
        if (km < 0) {
            snprintf(msg, sizeof msg, "'%.40s' is not a whole number of km (0 to 9999999)", v);
            as__import_problem(im, "odometer_km", msg);
        }
        r.odo = km;
    }
    v = cell[C_SREGION];
    if (v && v[0]) {
        if (as_region_check(v) != AS_OK) {
            snprintf(msg, sizeof msg, "'%.40s' is not an administrative division code", v);
            as__import_problem(im, "station_region", msg);
        }
        r.sregion = v;
    }
    v = cell[C_PLATE];
    if (v && v[0] && as_plate_normalize(v, &r.plate) != AS_OK) {
        snprintf(msg, sizeof msg, "'%.40s' is not a Chinese licence plate", v);
        as__import_problem(im, "plate", msg);
    }
    as_status st = AS_OK;
    int inserted = 0, known = 0;
    if (as__import_row_problems(im))
        goto out;
    *result = AS_UPSERT_INSERTED;
    if (!r.plate) {
        /* The common case: one statement. */
        if ((st = insert_row(im, &r, us, &inserted)) != AS_OK || inserted)
            goto out;
        if ((st = known_tx(im, &r, &known, result)) != AS_OK || known)
            goto out;
        st = no_user(im, &r);
        goto out;
    }
    /* With a plate: a savepoint, so a rejected row leaves no vehicle. */
    if ((st = known_tx(im, &r, &known, result)) != AS_OK || known)
        goto out;
    if ((st = as_begin(db)) != AS_OK)
        goto out;
    st = insert_row(im, &r, us, &inserted);
    if (st == AS_OK && !inserted)
        st = no_user(im, &r);
    if (st == AS_OK && !as__import_row_problems(im))
        st = vehicle_part(im, &r);
    if (st == AS_OK && !as__import_row_problems(im))
        st = as_commit(db);
    else
        as_rollback(db);
out:
    free(r.plate);
    return st;
}

as_status as_fuel_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                         as_import_stats *stats)
{
    user_set us = {0};
    const as__import_spec spec = {columns, 7, 0, fuel_row_fn, &us};
    /* The records go into a table clustered by user: a large file touches
     * pages all over it, so give this import a larger page cache. */
    int64_t cache = 0;
    sqlite3_stmt *s = NULL;
    if (db && sqlite3_prepare_v2(db->sql, "PRAGMA cache_size", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        cache = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (db && cache)
        sqlite3_exec(db->sql, "PRAGMA cache_size = -524288", NULL, NULL, NULL);
    as_status st = as__import_run(db, in, name, opts, &spec, stats);
    if (db && cache) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)cache);
        sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    }
    user_set_free(&us);
    return st;
}

/* ---- profiles -------------------------------------------------------- */

/*
 * The refresh: one INSERT ... SELECT over window functions and aggregates.
 * ?1 is the refresh time, ?2 km per litre (estimate), ?3 points per yuan;
 * the segment and tier CASE expressions take parameters from ?10 on.
 */
static const char refresh_head[] =
    "INSERT INTO profiles (user_id, fillups, first_at, last_at, median_interval_s,"
    " litres_ml_per_fill, preferred_grade, top_stations, stations, cities, km_per_day,"
    " km_source, spend_12m_fen, points, segment, tier, refreshed_at)"
    " WITH a AS ("
    "   SELECT user_id, count(*) AS n, min(filled_at) AS first_at, max(filled_at) AS last_at,"
    "     as__gap_median(filled_at) AS med, sum(litres_ml) AS ml,"
    "     as__mode(grade) AS grade, as__top3(station_id) AS top,"
    "     as__ndistinct(station_id) AS stations,"
    "     as__ncities(station_region) AS cities,"
    "     sum(CASE WHEN filled_at > ?1 - 31536000 AND filled_at <= ?1 THEN amount_fen"
    "       ELSE 0 END) AS spend"
    "   FROM fuelings GROUP BY user_id"
    " ), odo AS ("
    "   SELECT user_id, sum(km) AS km, max(days) AS days FROM ("
    "     SELECT user_id, max(km) - min(km) AS km, (max(at) - min(at)) / 86400.0 AS days"
    "     FROM odometer_readings WHERE at <= ?1 GROUP BY vehicle_id"
    "     HAVING max(at) - min(at) >= 86400)"
    "   GROUP BY user_id"
    " ), b AS ("
    "   SELECT a.user_id, a.n AS fillups, a.first_at, a.last_at, a.med AS median_interval_s,"
    "     a.ml / a.n AS litres_ml_per_fill, a.grade, a.top, a.stations, a.cities,"
    "     CASE WHEN o.km IS NOT NULL THEN o.km / o.days"
    "          WHEN a.n >= 2 AND a.last_at - a.first_at >= 86400"
    /* the last fill-up is not used up yet: n - 1 of n fill-ups' litres */
    "          THEN a.ml * (a.n - 1.0) / a.n / 1000.0 / ((a.last_at - a.first_at) / 86400.0) * ?2"
    "     END AS km_per_day,"
    "     CASE WHEN o.km IS NOT NULL THEN 'odometer'"
    "          WHEN a.n >= 2 AND a.last_at - a.first_at >= 86400 THEN 'estimate' END AS km_source,"
    "     a.spend AS spend_12m_fen, a.spend / 100 * ?3 AS points,"
    "     (?1 - a.last_at) / 86400.0 AS days_since_last"
    "   FROM a LEFT JOIN odo o ON o.user_id = a.user_id"
    " )"
    " SELECT b.user_id, b.fillups, b.first_at, b.last_at, b.median_interval_s,"
    "   b.litres_ml_per_fill, b.grade, b.top, b.stations, b.cities, b.km_per_day, b.km_source,"
    "   b.spend_12m_fen, b.points, ";

/* ---- aggregate functions for the refresh ------------------------------
 * Per-user figures that plain SQL gets only through extra sorted passes
 * (median, mode, top three, distinct counts) as aggregates, so the refresh
 * is one GROUP BY over the table in its clustered (user, time) order. */

/* Small inline buffers first: most users have a few dozen fill-ups and a
 * handful of stations, so the common case allocates nothing. */
enum { AGG_INLINE_V = 64, AGG_INLINE_T = 16, AGG_ARENA = 512 };

typedef struct agg_text {
    const char *s;
    int64_t count;
} agg_text;

typedef struct agg_vals {
    int64_t *v;                  /* v_inline or malloc'd */
    size_t n, cap;
    agg_text *t;                 /* t_inline or malloc'd */
    size_t nt, capt;
    size_t used;                 /* of arena */
    char **heap;                 /* strings that did not fit the arena */
    size_t nheap;
    int oom;
    int64_t v_inline[AGG_INLINE_V];
    agg_text t_inline[AGG_INLINE_T];
    char arena[AGG_ARENA];
} agg_vals;

static agg_vals *agg_ctx(sqlite3_context *ctx)
{
    agg_vals *a = sqlite3_aggregate_context(ctx, sizeof(agg_vals));
    if (a && !a->cap) {
        a->v = a->v_inline;
        a->cap = AGG_INLINE_V;
        a->t = a->t_inline;
        a->capt = AGG_INLINE_T;
    }
    return a;
}

static void agg_release(agg_vals *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nheap; i++)
        free(a->heap[i]);
    free(a->heap);
    if (a->t != a->t_inline)
        free(a->t);
    if (a->v != a->v_inline)
        free(a->v);
}

/* Grow an array that starts inline. */
static void *grow(void *p, const void *inline_p, size_t n, size_t size)
{
    void *q = p == inline_p ? malloc(2 * n * size) : realloc(p, 2 * n * size);
    if (q && p == inline_p)
        memcpy(q, p, n * size);
    return q;
}

static void int_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    agg_vals *a = agg_ctx(ctx);
    if (!a || sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    if (a->n == a->cap) {
        int64_t *v = grow(a->v, a->v_inline, a->cap, sizeof *v);
        if (!v) {
            a->oom = 1;
            return;
        }
        a->v = v;
        a->cap *= 2;
    }
    a->v[a->n++] = sqlite3_value_int64(argv[0]);
}

/* Count a text value; prefix > 0 compares only its first prefix bytes
 * (cities from station regions: 530102 -> 5301). */
static void text_add(agg_vals *a, const char *s, int len)
{
    for (size_t i = 0; i < a->nt; i++)
        if (strncmp(a->t[i].s, s, (size_t)len) == 0 && a->t[i].s[len] == '\0') {
            a->t[i].count++;
            return;
        }
    if (a->nt == a->capt) {
        agg_text *t = grow(a->t, a->t_inline, a->capt, sizeof *t);
        if (!t) {
            a->oom = 1;
            return;
        }
        a->t = t;
        a->capt *= 2;
    }
    char *copy;
    if (a->used + (size_t)len + 1 <= AGG_ARENA) {
        copy = a->arena + a->used;
        a->used += (size_t)len + 1;
    } else {
        char **h = realloc(a->heap, (a->nheap + 1) * sizeof *h);
        if (!h || !(copy = malloc((size_t)len + 1))) {
            if (h)
                a->heap = h;
            a->oom = 1;
            return;
        }
        a->heap = h;
        a->heap[a->nheap++] = copy;
    }
    memcpy(copy, s, (size_t)len);
    copy[len] = '\0';
    a->t[a->nt].s = copy;
    a->t[a->nt++].count = 1;
}

static void text_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    agg_vals *a = agg_ctx(ctx);
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    if (a && s)
        text_add(a, s, sqlite3_value_bytes(argv[0]));
}

/* Station regions to cities: the first four digits. */
static void city_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    agg_vals *a = agg_ctx(ctx);
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    if (a && s) {
        int len = sqlite3_value_bytes(argv[0]);
        text_add(a, s, len < 4 ? len : 4);
    }
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* Most visits first, then by text. */
static int cmp_count(const void *x, const void *y)
{
    const agg_text *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->s, b->s);
}

static int agg_final_ok(sqlite3_context *ctx, agg_vals *a)
{
    if (a && a->oom) {
        sqlite3_result_error_nomem(ctx);
        agg_release(a);
        return 0;
    }
    return 1;
}

/* The median of the gaps between sorted times (NULL with fewer than 2). */
static void gap_median_final(sqlite3_context *ctx)
{
    agg_vals *a = sqlite3_aggregate_context(ctx, 0);
    if (!agg_final_ok(ctx, a))
        return;
    if (!a || a->n < 2) {
        sqlite3_result_null(ctx);
        agg_release(a);
        return;
    }
    qsort(a->v, a->n, sizeof *a->v, cmp_i64);
    size_t g = a->n - 1;
    for (size_t i = 0; i < g; i++)
        a->v[i] = a->v[i + 1] - a->v[i];
    qsort(a->v, g, sizeof *a->v, cmp_i64);
    int64_t med = g % 2 ? a->v[g / 2] : (a->v[g / 2 - 1] + a->v[g / 2]) / 2;
    sqlite3_result_int64(ctx, med);
    agg_release(a);
}

static void mode_final(sqlite3_context *ctx)
{
    agg_vals *a = sqlite3_aggregate_context(ctx, 0);
    if (!agg_final_ok(ctx, a))
        return;
    if (!a || !a->nt) {
        sqlite3_result_null(ctx);
        agg_release(a);
        return;
    }
    qsort(a->t, a->nt, sizeof *a->t, cmp_count);
    sqlite3_result_text(ctx, a->t[0].s, -1, SQLITE_TRANSIENT);
    agg_release(a);
}

static void top3_final(sqlite3_context *ctx)
{
    agg_vals *a = sqlite3_aggregate_context(ctx, 0);
    if (!agg_final_ok(ctx, a))
        return;
    as_buf b = {0};
    as__buf_addc(&b, '[');
    if (a) {
        qsort(a->t, a->nt, sizeof *a->t, cmp_count);
        for (size_t i = 0; i < a->nt && i < 3; i++) {
            if (i)
                as__buf_addc(&b, ',');
            as__json_quote(&b, a->t[i].s);
        }
    }
    if (as__buf_addc(&b, ']') < 0)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_text(ctx, b.data, (int)b.len, SQLITE_TRANSIENT);
    as__buf_free(&b);
    agg_release(a);
}

static void ndistinct_final(sqlite3_context *ctx)
{
    agg_vals *a = sqlite3_aggregate_context(ctx, 0);
    if (!agg_final_ok(ctx, a))
        return;
    sqlite3_result_int64(ctx, a ? (int64_t)a->nt : 0);
    agg_release(a);
}

static as_status register_aggregates(as_db *db)
{
    static const struct {
        const char *name;
        void (*step)(sqlite3_context *, int, sqlite3_value **);
        void (*final)(sqlite3_context *);
    } fns[] = {
        {"as__gap_median", int_step, gap_median_final},
        {"as__mode", text_step, mode_final},
        {"as__top3", text_step, top3_final},
        {"as__ndistinct", text_step, ndistinct_final},
        {"as__ncities", city_step, ndistinct_final},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        int rc = sqlite3_create_function_v2(db->sql, fns[i].name, 1,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                                            fns[i].step, fns[i].final, NULL);
        if (rc != SQLITE_OK)
            return as__sqlfail(db, rc, "registering the profile functions");
    }
    return AS_OK;
}

/* Append "CASE WHEN cond THEN ?N ... END" for the segments, binding names
 * and numbers through the list. */
typedef struct pbind {
    int type;                /* 0 text, 1 real, 2 int */
    const char *text;
    double real;
    int64_t i;
} pbind;

as_status as_profile_refresh(as_db *db, int64_t at, int64_t *users)
{
    if (users)
        *users = 0;
    if (!db)
        return AS_MISUSE;
    const as_config *cfg = as__db_config(db);
    const as__segments_cfg *sg = cfg->segments;
    const as__tiers_cfg *tc = cfg->tiers;
    enum { FIRST = 10, MAXB = 2000 };
    pbind *bv = calloc(MAXB, sizeof *bv);
    size_t nb = 0;
    as_buf sql = {0};
    as_status st = AS_OK;
    if (!bv || as__buf_adds(&sql, refresh_head) < 0) {
        free(bv);
        as__buf_free(&sql);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    char q[80];
    /* segment: the first rule that matches, in the order of the file */
    if (sg && sg->n) {
        as__buf_adds(&sql, "CASE");
        for (size_t i = 0; i < sg->n && nb + 1 + sg->items[i].cond.nnums < MAXB; i++) {
            const as__cond *c = &sg->items[i].cond;
            as__buf_adds(&sql, " WHEN ");
            /* the condition's "?" become numbered parameters */
            size_t k = 0;
            for (const char *p = c->sql; *p; p++) {
                if (*p == '?') {
                    snprintf(q, sizeof q, "?%zu", FIRST + nb);
                    bv[nb].type = 1;
                    bv[nb++].real = c->nums[k++];
                    as__buf_adds(&sql, q);
                } else {
                    as__buf_addc(&sql, *p);
                }
            }
            snprintf(q, sizeof q, " THEN ?%zu", FIRST + nb);
            bv[nb].type = 0;
            bv[nb++].text = sg->items[i].name;
            as__buf_adds(&sql, q);
        }
        as__buf_adds(&sql, " END, ");
    } else {
        as__buf_adds(&sql, "NULL, ");
    }
    /* tier: the highest threshold reached */
    if (tc && tc->n) {
        as__buf_adds(&sql, "CASE");
        for (size_t i = tc->n; i-- > 0 && nb + 2 < MAXB;) {
            snprintf(q, sizeof q, " WHEN %s >= ?%zu", tc->basis_points ? "b.points"
                                                                      : "b.spend_12m_fen / 100",
                     FIRST + nb);
            bv[nb].type = 2;
            bv[nb++].i = tc->items[i].min;
            as__buf_adds(&sql, q);
            snprintf(q, sizeof q, " THEN ?%zu", FIRST + nb);
            bv[nb].type = 0;
            bv[nb++].text = tc->items[i].name;
            as__buf_adds(&sql, q);
        }
        as__buf_adds(&sql, " END, ");
    } else {
        as__buf_adds(&sql, "NULL, ");
    }
    if (as__buf_adds(&sql, "?1 FROM b") < 0) {
        free(bv);
        as__buf_free(&sql);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    if ((st = as__write_begin(db)) != AS_OK) {
        free(bv);
        as__buf_free(&sql);
        return st;
    }
    st = register_aggregates(db);
    if (st == AS_OK)
        st = as__exec(db, "DELETE FROM profiles");
    sqlite3_stmt *s = NULL;
    if (st == AS_OK) {
        int rc = sqlite3_prepare_v2(db->sql, sql.data, -1, &s, NULL);
        if (rc != SQLITE_OK)
            st = as__sqlfail(db, rc, "preparing the profile refresh");
    }
    if (st == AS_OK) {
        sqlite3_bind_int64(s, 1, at);
        sqlite3_bind_double(s, 2, sg ? sg->km_per_litre : 12);
        sqlite3_bind_int64(s, 3, tc ? tc->points_per_yuan : 1);
        for (size_t i = 0; i < nb; i++) {
            int idx = (int)(FIRST + i);
            if (bv[i].type == 0)
                sqlite3_bind_text(s, idx, bv[i].text, -1, SQLITE_STATIC);
            else if (bv[i].type == 1)
                sqlite3_bind_double(s, idx, bv[i].real);
            else
                sqlite3_bind_int64(s, idx, bv[i].i);
        }
        int rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "refreshing profiles");
        else if (users)
            *users = sqlite3_changes(db->sql);
    }
    sqlite3_finalize(s);
    free(bv);
    as__buf_free(&sql);
    return as__write_end(db, st);
}

static const char *block_str(char **w, const char *t, size_t n)
{
    char *d = memcpy(*w, t, n);
    d[n] = '\0';
    *w += n + 1;
    return d;
}

/* Copy the profile row of s (the columns of as_profile_get's query) into
 * one allocation (the struct, the two pointer arrays, then every string): top_stations from its stored JSON array, the tier's
 * benefits from the configuration. */
static as_status profile_copy(as_db *db, sqlite3_stmt *s, const char *user_id, as_profile **out)
{
    const as__tiers_cfg *tc = as__db_config(db)->tiers;
    const char *tier = (const char *)sqlite3_column_text(s, 15);
    const as__tier *t = NULL;
    for (size_t i = 0; tc && tier && i < tc->n; i++)
        if (strcmp(tc->items[i].name, tier) == 0)
            t = &tc->items[i];
    as__json *top = NULL;
    const char *top_text = (const char *)sqlite3_column_text(s, 7);
    char why[80];
    if (top_text) {
        as_status js = as__json_parse(top_text, strlen(top_text), &top, why, sizeof why);
        if (js == AS_NOMEM)
            return as__fail(db, AS_NOMEM, "out of memory");
        if (js != AS_OK || top->type != AS__J_ARRAY) {
            as__json_free(top);
            return as__fail(db, AS_INTERNAL, "profile of '%s': top_stations is not a JSON array",
                            user_id);
        }
        for (size_t i = 0; i < top->n; i++)
            if (top->items[i].type != AS__J_STRING) {
                as__json_free(top);
                return as__fail(db, AS_INTERNAL,
                                "profile of '%s': top_stations holds a value that is not a text",
                                user_id);
            }
    }
    size_t ntop = top ? top->n : 0, nben = t ? t->nbenefits : 0;
    const int tcols[] = {0, 6, 11, 14, 15};
    size_t need = sizeof(as_profile) + (ntop + nben) * sizeof(char *);
    for (size_t i = 0; i < sizeof tcols / sizeof tcols[0]; i++)
        need += (size_t)sqlite3_column_bytes(s, tcols[i]) + 1;
    for (size_t i = 0; i < ntop; i++)
        need += top->items[i].len + 1;
    for (size_t i = 0; i < nben; i++)
        need += strlen(t->benefits[i]) + 1;
    as_profile *p = calloc(1, need);
    if (!p) {
        as__json_free(top);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    const char **tops = (const char **)(void *)(p + 1);
    const char **bens = tops + ntop;
    char *w = (char *)(bens + nben);
    const char **dst[] = {&p->user_id, &p->preferred_grade, &p->km_source, &p->segment,
                          &p->tier};
    for (size_t i = 0; i < sizeof tcols / sizeof tcols[0]; i++) {
        const char *v = (const char *)sqlite3_column_text(s, tcols[i]);
        if (v)
            *dst[i] = block_str(&w, v, (size_t)sqlite3_column_bytes(s, tcols[i]));
    }
    for (size_t i = 0; i < ntop; i++)
        tops[i] = block_str(&w, top->items[i].str, top->items[i].len);
    for (size_t i = 0; i < nben; i++)
        bens[i] = block_str(&w, t->benefits[i], strlen(t->benefits[i]));
    as__json_free(top);
    p->top_stations = tops;
    p->ntop_stations = ntop;
    p->tier_benefits = bens;
    p->ntier_benefits = nben;
    p->fillups = sqlite3_column_int64(s, 1);
    p->first_at = sqlite3_column_int64(s, 2);
    p->last_at = sqlite3_column_int64(s, 3);
    p->median_interval_s = as__column_int64_or(s, 4, -1);
    p->litres_ml_per_fill = sqlite3_column_int64(s, 5);
    p->stations = sqlite3_column_int64(s, 8);
    p->cities = sqlite3_column_int64(s, 9);
    p->km_per_day = sqlite3_column_type(s, 10) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 10);
    p->spend_12m_fen = sqlite3_column_int64(s, 12);
    p->points = sqlite3_column_int64(s, 13);
    p->refreshed_at = sqlite3_column_int64(s, 16);
    p->last_service_at = sqlite3_column_int64(s, 17);
    p->last_service_km = as__column_int64_or(s, 18, -1);
    *out = p;
    return AS_OK;
}

as_status as_profile_get(as_profile **out, as_db *db, const char *user_id)
{
    if (!out || !db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_profile_get: NULL argument") : AS_MISUSE;
    *out = NULL;
    static const char sql[] =
        "SELECT u.user_id, p.fillups, p.first_at, p.last_at, p.median_interval_s,"
        " p.litres_ml_per_fill, p.preferred_grade, p.top_stations, p.stations, p.cities,"
        " p.km_per_day, p.km_source, p.spend_12m_fen, p.points, p.segment, p.tier,"
        " p.refreshed_at,"
        " (SELECT s.at FROM services s WHERE s.user_id = u.user_id ORDER BY s.at DESC LIMIT 1),"
        " (SELECT s.km FROM services s WHERE s.user_id = u.user_id ORDER BY s.at DESC LIMIT 1)"
        " FROM users u LEFT JOIN profiles p ON p.user_id = u.user_id WHERE u.user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
    } else if (rc != SQLITE_ROW) {
        st = as__sqlfail(db, rc, "reading a profile");
    } else if (sqlite3_column_type(s, 1) == SQLITE_NULL) {
        st = as__fail(db, AS_NOTFOUND,
                      "user '%s' has no profile (no fueling record, or run profile refresh)",
                      user_id);
    } else {
        st = profile_copy(db, s, user_id, out);
    }
    sqlite3_reset(s);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

void as_profile_free(as_profile *profile)
{
    free(profile);
}
