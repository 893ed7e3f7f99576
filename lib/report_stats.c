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
