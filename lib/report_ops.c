/* report_ops.c - the service reports of the operations side (issue 17): what
 * the outbox did with the notifications of a period, and fueling volume and
 * spend by station, grade, business week or station and grade.
 *
 * The period is [from, to).  Each report is read in one read transaction
 * (unless the caller holds one), so its lines and its total agree.  The
 * outbox keeps no history of a notification's status: the outbox report
 * counts the notifications created in the period by their status now.
 * The fuelings table is clustered by user and time, with no index on
 * filled_at (the import's speed comes first): each part of the fueling
 * report is one scan of it, grouped in SQL. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Check a period query: version, from < to, the station id.  has_station:
 * the report has a station (else a station id is refused). */
static as_status check_period(as_db *db, const char *what, const as_period_query *q,
                              int has_station)
{
    if (q->version != AS_PERIOD_QUERY_VERSION)
        return as__fail(db, AS_INVALID, "%s: unknown as_period_query version %u", what,
                        q->version);
    if (q->from >= q->to)
        return as__fail(db, AS_INVALID, "the period's start is not before its end");
    if (q->station_id && !has_station)
        return as__fail(db, AS_INVALID, "station: the %s has no station", what);
    char why[120];
    if (q->station_id && as__check_id(q->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station: %s", why);
    return AS_OK;
}

/* Begin a read transaction unless the caller has one; *own is set when we
 * did (end it with end_read). */
static as_status begin_read(as_db *db, const char *what, int *own)
{
    *own = sqlite3_get_autocommit(db->sql);
    if (!*own)
        return AS_OK;
    int rc = sqlite3_exec(db->sql, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        *own = 0;
        return as__sqlfail(db, rc, what);
    }
    return AS_OK;
}

static void end_read(as_db *db, int own)
{
    if (own && !sqlite3_get_autocommit(db->sql))
        sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
}

/* Grow *arr (of elements of size sz) to hold n + 1; -1 when out of memory. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, c * sz);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
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

/* The notifications of the period in kind order, with the delay of a sent
 * one (never below 0). */
static const char outbox_sql[] =
    "SELECT kind, status,"
    " CASE WHEN status = 'sent' THEN max(coalesce(sent_at, not_before) - not_before, 0)"
    " END FROM main.outbox WHERE created_at >= ?1 AND created_at < ?2 ORDER BY kind";

static as_status outbox_lines(as_db *db, const as_period_query *q, as_report_outbox *r)
{
    sqlite3_stmt *s = as__stmt(db, outbox_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    delays kd = {0}, td = {0};
    size_t cap = 0;
    as_report_outbox_line *l = NULL;
    as_status st = AS_OK;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *kind = as__column_text(s, 0);
        const char *status = as__column_text(s, 1);
        int64_t delay = sqlite3_column_int64(s, 2);
        if (!kind)
            kind = "";
        if (!l || strcmp(l->kind, kind) != 0) {
            if (l) {
                finish_line(l, &kd);
                kd.n = 0;
            }
            if (grow((void **)&r->lines, &cap, r->nlines, sizeof *r->lines) < 0) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            l = &r->lines[r->nlines];
            memset(l, 0, sizeof *l);
            if (!(l->kind = as__strdup(kind))) {
                l = NULL;
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            r->nlines++;
        }
        if (count_status(l, status, delay, &kd) < 0 ||
            count_status(&r->total, status, delay, &td) < 0) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "the outbox report");
    if (st == AS_OK) {
        if (l)
            finish_line(l, &kd);
        finish_line(&r->total, &td);
        if (r->nlines > 1)
            qsort(r->lines, r->nlines, sizeof *r->lines, outbox_line_cmp);
    }
    free(kd.v);
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
    as_status st = check_period(db, "outbox report", q, 0);
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
    if ((st = begin_read(db, "the outbox report", &own)) == AS_OK) {
        st = outbox_lines(db, q, r);
        end_read(db, own);
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

/* The figures of a group: records, distinct users, litres, money.  Every
 * query binds ?1 from, ?2 to, ?3 the station (NULL: every one), ?4 the
 * business zone's offset in seconds. */
#define FUEL_FIGURES                                                                        \
    "count(*), count(DISTINCT user_id), coalesce(sum(litres_ml), 0),"                        \
    " coalesce(sum(amount_fen), 0)"
#define FUEL_WHERE                                                                          \
    " FROM main.fuelings WHERE filled_at >= ?1 AND filled_at < ?2"                           \
    " AND (?3 IS NULL OR station_id = ?3)"

/* The start of a filled_at's business week (Monday 00:00 in the zone, ?4
 * seconds east of UTC; 345600 s after the epoch was a Monday), floored for
 * times before it too. */
#define FUEL_WEEK                                                                           \
    "(filled_at + ?4 - 345600 - ((((filled_at + ?4 - 345600) % 604800) + 604800) % 604800)" \
    " + 345600 - ?4)"

static const char fuel_total_sql[] = "SELECT " FUEL_FIGURES FUEL_WHERE;

static const char fuel_station_sql[] =
    "SELECT station_id, NULL, " FUEL_FIGURES FUEL_WHERE
    " GROUP BY station_id ORDER BY 6 DESC, station_id";
static const char fuel_grade_sql[] =
    "SELECT NULL, grade, " FUEL_FIGURES FUEL_WHERE " GROUP BY grade ORDER BY 6 DESC, grade";
static const char fuel_station_grade_sql[] =
    "SELECT station_id, grade, " FUEL_FIGURES FUEL_WHERE
    " GROUP BY station_id, grade ORDER BY 6 DESC, station_id, grade";
static const char fuel_week_sql[] =
    "SELECT " FUEL_WEEK ", NULL, " FUEL_FIGURES FUEL_WHERE " GROUP BY 1 ORDER BY 1";

/* amount_fen * 1000 / litres_ml rounded half up; -1 without litres. */
static int64_t price_per_l(int64_t amount_fen, int64_t litres_ml)
{
    if (litres_ml <= 0)
        return -1;
    return (amount_fen * 1000 + litres_ml / 2) / litres_ml;
}

static void read_fuel_figures(sqlite3_stmt *s, int col, as_report_fuel_line *l)
{
    l->records = sqlite3_column_int64(s, col);
    l->users = sqlite3_column_int64(s, col + 1);
    l->litres_ml = sqlite3_column_int64(s, col + 2);
    l->amount_fen = sqlite3_column_int64(s, col + 3);
    l->price_fen_per_l = price_per_l(l->amount_fen, l->litres_ml);
}

static void bind_fuel(as_db *db, sqlite3_stmt *s, const as_period_query *q)
{
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    as__bind_text_or_null(s, 3, q->station_id);
    sqlite3_bind_int64(s, 4, (int64_t)as_db_utc_offset(db) * 60);
}

static as_status fuel_total(as_db *db, const as_period_query *q, as_report_fuel *r)
{
    sqlite3_stmt *s = as__stmt(db, fuel_total_sql);
    if (!s)
        return AS_INTERNAL;
    bind_fuel(db, s, q);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_fuel_figures(s, 0, &r->total);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "the fueling report");
    return AS_OK;
}

/* By station, grade or station and grade: the groups with records. */
static as_status fuel_groups(as_db *db, const as_period_query *q, as_report_fuel *r)
{
    const char *sql = r->by == AS_FUEL_REPORT_BY_STATION ? fuel_station_sql
                      : r->by == AS_FUEL_REPORT_BY_GRADE ? fuel_grade_sql
                                                         : fuel_station_grade_sql;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    bind_fuel(db, s, q);
    size_t cap = 0;
    as_status st = AS_OK;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (grow((void **)&r->lines, &cap, r->nlines, sizeof *r->lines) < 0) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        as_report_fuel_line *l = &r->lines[r->nlines++];
        memset(l, 0, sizeof *l);
        int failed = 0;
        l->station_id = as__strdup_opt(as__column_text(s, 0), &failed);
        l->grade = as__strdup_opt(as__column_text(s, 1), &failed);
        read_fuel_figures(s, 2, l);
        if (failed) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "the fueling report");
    return st;
}

/* By week: every week that overlaps the period, the SQL's figures onto them. */
static as_status fuel_weeks(as_db *db, const as_period_query *q, as_report_fuel *r)
{
    int off = as_db_utc_offset(db);
    int64_t first = as__week_start(q->from, off);
    size_t n = (size_t)((q->to - 1 - first) / 604800) + 1;
    if (n > AS_FUEL_REPORT_MAX_WEEKS)
        return as__fail(db, AS_INVALID, "by week: the period has more than %d weeks",
                        AS_FUEL_REPORT_MAX_WEEKS);
    if (!(r->lines = calloc(n, sizeof *r->lines)))
        return as__fail(db, AS_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        as_report_fuel_line *l = &r->lines[r->nlines++];
        char buf[11];
        l->price_fen_per_l = -1;
        if (!(l->week = as__strdup(as__date_text(first + (int64_t)i * 604800, off, buf))))
            return as__fail(db, AS_NOMEM, "out of memory");
    }
    sqlite3_stmt *s = as__stmt(db, fuel_week_sql);
    if (!s)
        return AS_INTERNAL;
    bind_fuel(db, s, q);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t w = sqlite3_column_int64(s, 0);
        if (w < first || (w - first) % 604800 != 0 || (uint64_t)((w - first) / 604800) >= n)
            continue;   /* cannot happen: every row of the period is in one of them */
        read_fuel_figures(s, 2, &r->lines[(w - first) / 604800]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "the fueling report");
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

as_status as_report_fuel_get(as_report_fuel **out, as_db *db, const as_period_query *q,
                             as_fuel_report_by by)
{
    if (out)
        *out = NULL;
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_report_fuel_get: NULL argument") : AS_MISUSE;
    as_status st = check_period(db, "fueling report", q, 1);
    if (st != AS_OK)
        return st;
    if (by != AS_FUEL_REPORT_BY_STATION && by != AS_FUEL_REPORT_BY_GRADE &&
        by != AS_FUEL_REPORT_BY_WEEK && by != AS_FUEL_REPORT_BY_STATION_GRADE)
        return as__fail(db, AS_INVALID, "by: %d is not station, grade, week or station-grade",
                        (int)by);
    if (by == AS_FUEL_REPORT_BY_WEEK &&
        (q->from < -FUEL_WEEK_TIME_MAX || q->to > FUEL_WEEK_TIME_MAX ||
         (q->to - q->from) / 604800 >= AS_FUEL_REPORT_MAX_WEEKS))
        return as__fail(db, AS_INVALID, "by week: the period has more than %d weeks",
                        AS_FUEL_REPORT_MAX_WEEKS);
    as_report_fuel *r = calloc(1, sizeof *r);
    if (!r)
        return as__fail(db, AS_NOMEM, "out of memory");
    r->from = q->from;
    r->to = q->to;
    r->by = by;
    if (q->station_id && !(r->station_id = as__strdup(q->station_id))) {
        free(r);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    int own;
    if ((st = begin_read(db, "the fueling report", &own)) == AS_OK) {
        st = fuel_total(db, q, r);
        if (st == AS_OK)
            st = by == AS_FUEL_REPORT_BY_WEEK ? fuel_weeks(db, q, r) : fuel_groups(db, q, r);
        end_read(db, own);
    }
    if (st != AS_OK) {
        as_report_fuel_free(r);
        return st;
    }
    *out = r;
    as__ok(db);
    return AS_OK;
}
