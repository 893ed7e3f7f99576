/* calendar_impl.h - private to calendar.c (the arithmetic and the public
 * API) and calendar_config.c (reading the `calendars` section): the
 * calendar struct and the few helpers both use. */
#ifndef AS_CALENDAR_IMPL_H
#define AS_CALENDAR_IMPL_H

#include "calendar.h"

#include <stdio.h>

enum {
    AS__CAL_MAX_SPANS = 8,       /* intervals per weekday */
    DAY = 86400,
    KIND_HOLIDAY = 1,
    KIND_WORKDAY = 2
};

/* Seconds within a day: 0 <= s < e <= 2 * DAY while parsing, <= DAY after. */
typedef struct span {
    int32_t s, e;
} span;

typedef struct special {
    int64_t day;             /* days since 1970-01-01 (local) */
    int kind;                /* KIND_HOLIDAY or KIND_WORKDAY */
    int wday;                /* KIND_WORKDAY: whose hours (0 = Monday) */
} special;

typedef struct adjust {
    int64_t day;
    int64_t delta;           /* actual minus regular working seconds */
} adjust;

struct as__calendar {
    char *name;
    char *description;
    char *hours_text;        /* summary: "mon-fri 09:00-18:00" */
    const as_config *cfg;    /* for the business zone when none is set */
    int has_tz;
    int utc_offset;          /* minutes east of UTC, when has_tz */
    int always;
    span own[7][AS__CAL_MAX_SPANS];
    int nown[7];
    span spill[7][AS__CAL_MAX_SPANS];
    int nspill[7];
    int64_t day_total[7];    /* regular working seconds of a day by weekday */
    int64_t week_total;
    special *special;        /* sorted by day */
    size_t nspecial;
    adjust *adj;             /* sorted by day */
    int64_t *adj_cum;        /* adj_cum[i] = sum of adj[0..i).delta */
    size_t nadj;
    /* Fast path: a table of the days from the first special date to the
     * day after the last: whose hours apply, and the prefix sum of the
     * adjustments (tab_cum[i] = adjustments of days [tab_base, tab_base + i)). */
    int64_t tab_base;
    int64_t tab_len;         /* 0: no table (dates too far apart) */
    signed char *tab_hours;
    int64_t *tab_cum;
    int nholidays, nworkdays;
    int makeup_wday;         /* whose hours make-up days use (-1: none) */
    int known_until;         /* the last year its holidays are known for; 0: no end */
};

/* A day imported from an iCalendar file (calendar_import.c). */
typedef struct as__cal_day {
    int64_t day;             /* days since 1970-01-01 */
    int kind;                /* KIND_HOLIDAY or KIND_WORKDAY */
} as__cal_day;

/* A copy of base with the days added (a date base lists keeps base's
 * kind), its known_until raised to the last year with an added holiday.
 * Free with as__calendar_clear().  Returns 0, or -1 when out of memory. */
int as__calendar_with_days(const as__calendar *base, const as__cal_day *days, size_t n,
                           as__calendar *out);
void as__calendar_clear(as__calendar *c);

struct as__calendars {
    size_t n;
    as__calendar *items;
};

/* 0 = Monday; 1970-01-01 was a Thursday. */
static inline int wday_of(int64_t day)
{
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static inline int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

static inline int64_t spans_total(const span *sp, int n)
{
    int64_t t = 0;
    for (int i = 0; i < n; i++)
        t += sp[i].e - sp[i].s;
    return t;
}

static inline void fmt_date(char *buf, size_t sz, int64_t day)
{
    int64_t y;
    unsigned m, d;
    as__civil_from_days(day, &y, &m, &d);
    snprintf(buf, sz, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* Precompute the adjustments of the special days and the day table
 * (after parsing).  Returns -1 when out of memory. */
int as__calendar_build_adjust(as__calendar *c);

#endif
