/* report_stats.c - the rounding rules the reports share: percentages with
 * one decimal rounded half up, and nearest-rank percentiles (as report sla
 * computes them in ticket_read.c). */
#include "internal.h"

#include <stdlib.h>

double as__pct1(int64_t part, int64_t whole)
{
    if (whole <= 0)
        return -1.0;
    int64_t permille = (part * 1000 + whole / 2) / whole;
    return (double)permille / 10.0;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t as__nearest_rank(int64_t *v, size_t n, int p)
{
    if (!n || !v)
        return -1;
    qsort(v, n, sizeof *v, cmp64);
    size_t rank = (n * (size_t)p + 99) / 100;
    return v[rank ? rank - 1 : 0];
}

as_status as__period_check(as_db *db, const as_period_query *q, const char *what,
                           int has_station)
{
    if (q->version != AS_PERIOD_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "%s: unknown as_period_query version %u", what,
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

as_status as__read_begin(as_db *db, int *own, const char *what)
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

void as__read_end(as_db *db, int own)
{
    if (own && !sqlite3_get_autocommit(db->sql))
        sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
}
