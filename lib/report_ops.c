/* report_ops.c - the service reports of the operations side (issue 17): what
 * the outbox did with the notifications of a period, and fueling volume and
 * spend by station, grade, business week or station and grade.
 *
 * The period is [from, to).  Each report is read in one read transaction
 * (unless the caller holds one), so its lines and its total agree.  The
 * outbox keeps no history of a notification's status: the outbox report
 * counts the notifications created in the period by their status now.
 * The fuelings table is clustered by user and time, with no index on
 * filled_at (the import's speed comes first): the fueling report is one
 * scan of it in that order, added up here. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/* Room for element n (n + 1 of them). */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    return as__grow(arr, cap, n + 1, sz);
}

/* ---- outbox ----------------------------------------------------------- */

typedef struct delays {
    int64_t *v;
    size_t n, cap;
} delays;

static int delays_push(delays *d, int64_t x)
{
    if (grow((void **)&d->v, &d->cap, d->n, sizeof *d->v) < 0)
        return -1;
    d->v[d->n++] = x;
    return 0;
}

/* Count one notification of status st (delay: of a sent one) into l. */
static int count_status(as_report_outbox_line *l, const char *st, int64_t delay, delays *d)
{
    l->written++;
    if (!st)
        return 0;
    if (strcmp(st, "sent") == 0) {
        l->delivered++;
        return delays_push(d, delay);
    }
    if (strcmp(st, "dead") == 0)
        l->failed++;
    else if (strcmp(st, "suppressed") == 0)
        l->suppressed++;
    else if (strcmp(st, "expired") == 0)
        l->expired++;
    else if (strcmp(st, "pending") == 0 || strcmp(st, "leased") == 0)
        l->waiting++;
    return 0;
}

static void finish_line(as_report_outbox_line *l, delays *d)
{
    l->delivered_pct = as__pct1(l->delivered, l->written);
    l->median_delay_s = as__nearest_rank(d->v, d->n, 50);
}

static int outbox_line_cmp(const void *a, const void *b)
{
    const as_report_outbox_line *x = a, *y = b;
    if (x->written != y->written)
        return x->written > y->written ? -1 : 1;
    return strcmp(x->kind, y->kind);
}

/* The notifications of the period in the table's order (no sort: there
 * are few kinds, found here; sorting a million rows by kind took 1.8 s
 * against 0.55 s), with the delay of a sent one (never below 0). */
static const char outbox_sql[] =
    "SELECT kind, status,"
    " CASE WHEN status = 'sent' THEN max(coalesce(sent_at, not_before) - not_before, 0)"
    " END FROM main.outbox WHERE created_at >= ?1 AND created_at < ?2";

/* The index of kind's line in r->lines (kd: their delays), added when new;
 * -1 when out of memory.  *last is the previous hit, tried first. */
static long kind_line(as_report_outbox *r, delays **kd, size_t *cap, const char *kind,
                      size_t *last)
{
    if (*last < r->nlines && strcmp(r->lines[*last].kind, kind) == 0)
        return (long)*last;
    for (size_t i = 0; i < r->nlines; i++)
        if (strcmp(r->lines[i].kind, kind) == 0)
            return (long)(*last = i);
    if (r->nlines == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        as_report_outbox_line *lines = realloc(r->lines, c * sizeof *lines);
        if (!lines)
            return -1;
        r->lines = lines;
        delays *d = realloc(*kd, c * sizeof *d);
        if (!d)
            return -1;
        *kd = d;
        *cap = c;
    }
    as_report_outbox_line *l = &r->lines[r->nlines];
    memset(l, 0, sizeof *l);
    memset(&(*kd)[r->nlines], 0, sizeof **kd);
    if (!(l->kind = as__strdup(kind)))
        return -1;
    return (long)(*last = r->nlines++);
}

static as_status outbox_lines(as_db *db, const as_period_query *q, as_report_outbox *r)
{
    sqlite3_stmt *s = as__stmt(db, outbox_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    delays *kd = NULL, td = {0};
    size_t cap = 0, last = 0;
    as_status st = AS_OK;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *kind = as__column_text(s, 0);
        const char *status = as__column_text(s, 1);
        int64_t delay = sqlite3_column_int64(s, 2);
        long i = kind_line(r, &kd, &cap, kind ? kind : "", &last);
        if (i < 0 || count_status(&r->lines[i], status, delay, &kd[i]) < 0 ||
            count_status(&r->total, status, delay, &td) < 0) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "the outbox report");
    for (size_t i = 0; i < r->nlines; i++) {
        if (st == AS_OK)
            finish_line(&r->lines[i], &kd[i]);
        free(kd[i].v);
    }
    free(kd);
    if (st == AS_OK) {
        finish_line(&r->total, &td);
        if (r->nlines > 1)
            qsort(r->lines, r->nlines, sizeof *r->lines, outbox_line_cmp);
    }
    free(td.v);
    return st;
}

void as_report_outbox_free(as_report_outbox *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nlines; i++)
        free((char *)r->lines[i].kind);
    free(r->lines);
    free(r);
}

as_status as_report_outbox_get(as_report_outbox **out, as_db *db, const as_period_query *q)
{
    if (out)
        *out = NULL;
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_report_outbox_get: NULL argument") : AS_MISUSE;
    as_status st = as__period_check(db, q, "outbox report", 0);
    if (st != AS_OK)
        return st;
    as_report_outbox *r = calloc(1, sizeof *r);
    if (!r)
        return as__fail(db, AS_NOMEM, "out of memory");
    r->from = q->from;
    r->to = q->to;
    r->total.delivered_pct = -1;
    r->total.median_delay_s = -1;
    int own;
    if ((st = as__read_begin(db, &own, "the outbox report")) == AS_OK) {
        st = outbox_lines(db, q, r);
        as__read_end(db, own);
    }
    if (st != AS_OK) {
        as_report_outbox_free(r);
        return st;
    }
    *out = r;
    as__ok(db);
    return AS_OK;
}

/* ---- fueling ---------------------------------------------------------- */

/* The records of the period in the table's own order (its key: user_id,
 * filled_at, tx_id), so no sort: every user's records come together, which
 * counts distinct users per group in one pass (a group counts a user once
 * per run of that user's rows).  Grouping in SQL instead sorted the million
 * rows of a large period in a temporary b-tree, twice (the groups, the
 * distinct users): 2.4 s against 0.3 s for this scan of a million. */
static const char fuel_scan_sql[] =
    "SELECT user_id, station_id, grade, filled_at, litres_ml, amount_fen FROM main.fuelings"
    " WHERE filled_at >= ?1 AND filled_at < ?2 AND (?3 IS NULL OR station_id = ?3)"
    " ORDER BY user_id";

/* amount_fen * 1000 / litres_ml rounded half up; -1 without litres. */
static int64_t price_per_l(int64_t amount_fen, int64_t litres_ml)
{
    if (litres_ml <= 0)
        return -1;
    return (amount_fen * 1000 + litres_ml / 2) / litres_ml;
}

/* What a line adds up as the scan goes. */
typedef struct fuel_acc {
    uint64_t last_user;      /* the user run that last counted here (0: none) */
} fuel_acc;

/* A line found by its key (station, grade): open addressing over indexes
 * into r->lines, the table twice the lines at least. */
typedef struct fuel_groups {
    size_t *slot;            /* line index + 1; 0 empty */
    size_t nslot;            /* a power of two */
    size_t cap;              /* of r->lines and acc */
    fuel_acc *acc;
} fuel_groups;

static uint64_t key_hash(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603u;
    for (const unsigned char *p = (const unsigned char *)(a ? a : ""); *p; p++)
        h = (h ^ *p) * 1099511628211u;
    h = (h ^ 0x1f) * 1099511628211u;
    for (const unsigned char *p = (const unsigned char *)(b ? b : ""); *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

static int same(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

static int groups_rehash(fuel_groups *g, const as_report_fuel *r, size_t nslot)
{
    size_t *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < r->nlines; i++) {
        size_t h = (size_t)key_hash(r->lines[i].station_id, r->lines[i].grade) & (nslot - 1);
        while (slot[h])
            h = (h + 1) & (nslot - 1);
        slot[h] = i + 1;
    }
    free(g->slot);
    g->slot = slot;
    g->nslot = nslot;
    return 0;
}

/* The line of (station, grade), added when new; NULL when out of memory. */
static as_report_fuel_line *group_line(fuel_groups *g, as_report_fuel *r, const char *station,
                                       const char *grade, fuel_acc **acc)
{
    if ((r->nlines + 1) * 2 > g->nslot && groups_rehash(g, r, g->nslot ? g->nslot * 2 : 64) < 0)
        return NULL;
    size_t h = (size_t)key_hash(station, grade) & (g->nslot - 1);
    while (g->slot[h]) {
        as_report_fuel_line *l = &r->lines[g->slot[h] - 1];
        if (same(l->station_id, station) && same(l->grade, grade)) {
            *acc = &g->acc[g->slot[h] - 1];
            return l;
        }
        h = (h + 1) & (g->nslot - 1);
    }
    if (r->nlines == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        as_report_fuel_line *lines = realloc(r->lines, cap * sizeof *lines);
        if (!lines)
            return NULL;
        r->lines = lines;
        fuel_acc *a = realloc(g->acc, cap * sizeof *a);
        if (!a)
            return NULL;
        g->acc = a;
        g->cap = cap;
    }
    as_report_fuel_line *l = &r->lines[r->nlines];
    memset(l, 0, sizeof *l);
    int failed = 0;
    l->station_id = as__strdup_opt(station, &failed);
    l->grade = as__strdup_opt(grade, &failed);
    r->nlines++;   /* the free of a failed report frees what is there */
    if (failed)
        return NULL;
    g->acc[r->nlines - 1].last_user = 0;
    g->slot[h] = r->nlines;
    *acc = &g->acc[r->nlines - 1];
    return l;
}

static void add_record(as_report_fuel_line *l, fuel_acc *a, uint64_t user_run, int64_t ml,
                       int64_t fen)
{
    l->records++;
    l->litres_ml += ml;
    l->amount_fen += fen;
    if (a->last_user != user_run) {
        a->last_user = user_run;
        l->users++;
    }
}

/* Most spend first, then station, then grade. */
static int fuel_line_cmp(const void *a, const void *b)
{
    const as_report_fuel_line *x = a, *y = b;
    if (x->amount_fen != y->amount_fen)
        return x->amount_fen > y->amount_fen ? -1 : 1;
    int c = strcmp(x->station_id ? x->station_id : "", y->station_id ? y->station_id : "");
    return c ? c : strcmp(x->grade ? x->grade : "", y->grade ? y->grade : "");
}

/* By week: every week that overlaps the period, empty, in order. */
static as_status fuel_week_lines(as_db *db, const as_period_query *q, as_report_fuel *r,
                                 int64_t *first)
{
    int off = as_db_utc_offset(db);
    *first = as__week_start(q->from, off);
    size_t n = (size_t)((q->to - 1 - *first) / 604800) + 1;
    if (n > AS_FUEL_REPORT_MAX_WEEKS)
        return as__fail(db, AS_INVALID, "by week: the period has more than %d weeks",
                        AS_FUEL_REPORT_MAX_WEEKS);
    if (!(r->lines = calloc(n, sizeof *r->lines)))
        return as__fail(db, AS_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        as_report_fuel_line *l = &r->lines[r->nlines++];
        char buf[11];
        if (!(l->week = as__strdup(as__date_text(*first + (int64_t)i * 604800, off, buf))))
            return as__fail(db, AS_NOMEM, "out of memory");
    }
    return AS_OK;
}

/* One report's state while the records go by. */
typedef struct fuel_pass {
    as_report_fuel *r;
    int64_t first;           /* by week: the first week's start */
    fuel_acc *week_acc;      /* by week: a line's accumulator */
    fuel_groups g;           /* else: the lines by key */
    fuel_acc total_acc;
    int by_station, by_grade;
} fuel_pass;

/* Add the records of the period up for n reports (of different groupings)
 * in one scan of the fueling records. */
static as_status fuel_scan(as_db *db, const as_period_query *q, as_report_fuel *const *rs,
                           size_t n)
{
    fuel_pass *ps = calloc(n ? n : 1, sizeof *ps);
    if (!ps)
        return as__fail(db, AS_NOMEM, "out of memory");
    as_status st = AS_OK;
    for (size_t k = 0; k < n && st == AS_OK; k++) {
        fuel_pass *p = &ps[k];
        p->r = rs[k];
        p->by_station = p->r->by == AS_FUEL_REPORT_BY_STATION ||
                        p->r->by == AS_FUEL_REPORT_BY_STATION_GRADE;
        p->by_grade = p->r->by == AS_FUEL_REPORT_BY_GRADE ||
                      p->r->by == AS_FUEL_REPORT_BY_STATION_GRADE;
        if (p->r->by == AS_FUEL_REPORT_BY_WEEK) {
            if ((st = fuel_week_lines(db, q, p->r, &p->first)) == AS_OK &&
                !(p->week_acc = calloc(p->r->nlines ? p->r->nlines : 1, sizeof *p->week_acc)))
                st = as__fail(db, AS_NOMEM, "out of memory");
        }
    }
    sqlite3_stmt *s = st == AS_OK ? as__stmt(db, fuel_scan_sql) : NULL;
    if (st == AS_OK && !s)
        st = AS_INTERNAL;
    int rc = SQLITE_DONE;
    char *user = NULL;               /* the current user run's id */
    if (st == AS_OK) {
        sqlite3_bind_int64(s, 1, q->from);
        sqlite3_bind_int64(s, 2, q->to);
        as__bind_text_or_null(s, 3, q->station_id);
        int off = as_db_utc_offset(db);
        size_t usz = 0;
        uint64_t run = 0;            /* its number, from 1 */
        while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *u = as__column_text(s, 0);
            if (!u)
                u = "";
            if (!run || strcmp(u, user) != 0) {
                size_t len = strlen(u) + 1;
                if (len > usz) {
                    char *np = realloc(user, len);
                    if (!np) {
                        st = as__fail(db, AS_NOMEM, "out of memory");
                        break;
                    }
                    user = np;
                    usz = len;
                }
                memcpy(user, u, len);
                run++;
            }
            int64_t ml = sqlite3_column_int64(s, 4), fen = sqlite3_column_int64(s, 5);
            for (size_t k = 0; k < n; k++) {
                fuel_pass *p = &ps[k];
                add_record(&p->r->total, &p->total_acc, run, ml, fen);
                as_report_fuel_line *l;
                fuel_acc *acc;
                if (p->r->by == AS_FUEL_REPORT_BY_WEEK) {
                    int64_t w = as__week_start(sqlite3_column_int64(s, 3), off);
                    size_t i = (size_t)((w - p->first) / 604800);
                    if (w < p->first || i >= p->r->nlines)
                        continue;   /* cannot happen: the period's rows are in its weeks */
                    l = &p->r->lines[i];
                    acc = &p->week_acc[i];
                } else if (!(l = group_line(&p->g, p->r,
                                            p->by_station ? as__column_text(s, 1) : NULL,
                                            p->by_grade ? as__column_text(s, 2) : NULL, &acc))) {
                    st = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                add_record(l, acc, run, ml, fen);
            }
        }
        sqlite3_reset(s);
        if (st == AS_OK && rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "the fueling report");
    }
    free(user);
    for (size_t k = 0; k < n; k++) {
        free(ps[k].week_acc);
        free(ps[k].g.slot);
        free(ps[k].g.acc);
    }
    free(ps);
    if (st != AS_OK)
        return st;
    for (size_t k = 0; k < n; k++) {
        as_report_fuel *r = rs[k];
        r->total.price_fen_per_l = price_per_l(r->total.amount_fen, r->total.litres_ml);
        for (size_t i = 0; i < r->nlines; i++)
            r->lines[i].price_fen_per_l =
                price_per_l(r->lines[i].amount_fen, r->lines[i].litres_ml);
        if (r->by != AS_FUEL_REPORT_BY_WEEK && r->nlines > 1)
            qsort(r->lines, r->nlines, sizeof *r->lines, fuel_line_cmp);
    }
    return AS_OK;
}

void as_report_fuel_free(as_report_fuel *r)
{
    if (!r)
        return;
    free((char *)r->station_id);
    for (size_t i = 0; i < r->nlines; i++) {
        free((char *)r->lines[i].station_id);
        free((char *)r->lines[i].grade);
        free((char *)r->lines[i].week);
    }
    free(r->lines);
    free(r);
}

/* Times far enough from the ends of int64_t for a week's arithmetic. */
#define FUEL_WEEK_TIME_MAX (INT64_C(1) << 60)

as_status as__report_fuel_many(as_report_fuel **out, as_db *db, const as_period_query *q,
                               const as_fuel_report_by *by, size_t n)
{
    for (size_t k = 0; k < n; k++)
        out[k] = NULL;
    if (!out || !db || !q || (n && !by))
        return db ? as__fail(db, AS_MISUSE, "as_report_fuel_get: NULL argument") : AS_MISUSE;
    as_status st = as__period_check(db, q, "fueling report", 1);
    if (st != AS_OK)
        return st;
    for (size_t k = 0; k < n; k++) {
        if (by[k] != AS_FUEL_REPORT_BY_STATION && by[k] != AS_FUEL_REPORT_BY_GRADE &&
            by[k] != AS_FUEL_REPORT_BY_WEEK && by[k] != AS_FUEL_REPORT_BY_STATION_GRADE)
            return as__fail(db, AS_INVALID,
                            "by: %d is not station, grade, week or station-grade", (int)by[k]);
        if (by[k] == AS_FUEL_REPORT_BY_WEEK &&
            (q->from < -FUEL_WEEK_TIME_MAX || q->to > FUEL_WEEK_TIME_MAX ||
             (q->to - q->from) / 604800 >= AS_FUEL_REPORT_MAX_WEEKS))
            return as__fail(db, AS_INVALID, "by week: the period has more than %d weeks",
                            AS_FUEL_REPORT_MAX_WEEKS);
    }
    for (size_t k = 0; k < n && st == AS_OK; k++) {
        as_report_fuel *r = calloc(1, sizeof *r);
        if (!r) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        out[k] = r;
        r->from = q->from;
        r->to = q->to;
        r->by = by[k];
        if (q->station_id && !(r->station_id = as__strdup(q->station_id)))
            st = as__fail(db, AS_NOMEM, "out of memory");
    }
    int own;
    if (st == AS_OK && (st = as__read_begin(db, &own, "the fueling report")) == AS_OK) {
        st = fuel_scan(db, q, out, n);
        as__read_end(db, own);
    }
    if (st != AS_OK) {
        for (size_t k = 0; k < n; k++) {
            as_report_fuel_free(out[k]);
            out[k] = NULL;
        }
        return st;
    }
    as__ok(db);
    return AS_OK;
}

as_status as_report_fuel_get(as_report_fuel **out, as_db *db, const as_period_query *q,
                             as_fuel_report_by by)
{
    if (!out)
        return db ? as__fail(db, AS_MISUSE, "as_report_fuel_get: NULL argument") : AS_MISUSE;
    return as__report_fuel_many(out, db, q, &by, 1);
}
