/* test_time.c - civil dates, as_time_parse and as_time_format (lib/time.c).
 *
 * Expected Unix times were computed independently (GNU date and Python's
 * datetime), e.g. date -d '2026-11-24T09:00:00+08:00' +%s = 1795482000. */
#include "internal.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-11-24T09:00:00+08:00 */
#define T0 INT64_C(1795482000)

/* ---- as__days_from_civil / as__civil_from_days --------------------- */

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

Test(civil, known_days)
{
    static const struct {
        int64_t y;
        unsigned m, d;
        int64_t days;
    } cases[] = {
        {1970, 1, 1, 0},
        {1970, 1, 2, 1},
        {1969, 12, 31, -1},
        {1900, 1, 1, -25567},
        {2000, 1, 1, 10957},
        {2000, 2, 29, 11016},
        {2000, 3, 1, 11017},
        {2026, 11, 24, 20781},
        {2100, 12, 31, 47846},
        {1600, 1, 1, -135140},
        {0, 3, 1, -719468},
        {-1, 12, 31, -719529},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int64_t got = as__days_from_civil(cases[i].y, cases[i].m, cases[i].d);
        cr_assert_eq(got, cases[i].days, "%" PRId64 "-%02u-%02u: %" PRId64 ", want %" PRId64,
                     cases[i].y, cases[i].m, cases[i].d, got, cases[i].days);
        int64_t y;
        unsigned m, d;
        as__civil_from_days(cases[i].days, &y, &m, &d);
        cr_assert(y == cases[i].y && m == cases[i].m && d == cases[i].d,
                  "day %" PRId64 " -> %" PRId64 "-%02u-%02u", cases[i].days, y, m, d);
    }
}

Test(civil, every_day_1900_to_2100)
{
    int64_t z = -25567; /* 1900-01-01 */
    int64_t y = 1900;
    unsigned m = 1, d = 1;
    for (;;) {
        int64_t got = as__days_from_civil(y, m, d);
        cr_assert_eq(got, z, "%" PRId64 "-%02u-%02u: %" PRId64 ", want %" PRId64, y, m, d, got, z);
        int64_t cy;
        unsigned cm, cd;
        as__civil_from_days(z, &cy, &cm, &cd);
        cr_assert(cy == y && cm == m && cd == d,
                  "day %" PRId64 " -> %" PRId64 "-%02u-%02u, want %" PRId64 "-%02u-%02u", z, cy, cm,
                  cd, y, m, d);
        if (y == 2100 && m == 12 && d == 31)
            break;
        z++;
        if (++d > month_days(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    cr_assert_eq(z, 47846, "2100-12-31 is day 47846");
}

/* ---- as_time_parse: valid ------------------------------------------ */

Test(time_parse, valid)
{
    static const struct {
        const char *in;
        int zone;          /* the business zone argument */
        int64_t want;
    } cases[] = {
        {"2026-11-24T09:00:00+08:00", 480, T0},
        {"2026-11-24T09:00:00+08:00", 0, T0},       /* an explicit offset wins */
        {"2026-11-24T09:00:00+08:00", -300, T0},
        {"2026-11-24T01:00:00Z", 480, T0},
        {"2026-11-24 09:00:00+08:00", 0, T0},
        {"2026-11-24 09:00:00+0800", 0, T0},
        {"2026-11-24T09:00:00+0800", 0, T0},
        {"2026-11-24T09:00:00+08", 0, T0},
        {"2026-11-24T09:00:00.999+08:00", 0, T0},   /* fraction truncated */
        {"2026-11-24T09:00:00.5Z", 480, T0 + 8 * 3600},
        {"2026-11-24T01:00:00,25Z", 480, T0},
        {"2026-11-24T01:00:00.123456789012345Z", 480, T0},
        {"2026-11-24T09:00+08:00", 0, T0},          /* no seconds */
        {"2026-11-24T01:00Z", 480, T0},
        {"2026-11-24 09:00", 480, T0},
        {"2026-11-23T20:00:00-05:00", 480, T0},
        {"2026-11-23T20:00:00-0500", 480, T0},
        {"2026-11-23T20:00-05", 480, T0},
        {"2026-11-24T09:00:00-05:00", 480, INT64_C(1795528800)},
        {"2026-11-24T09:00:00+05:30", 480, INT64_C(1795491000)},
        {"2026-11-24T09:00:00+05:45", 480, INT64_C(1795490100)},
        {"2026-11-24T09:00:00-09:30", 480, INT64_C(1795545000)},
        {"2026-11-24T09:00:00+14:00", 480, INT64_C(1795460400)},
        {"2026-11-24T09:00:00-12:00", 480, INT64_C(1795554000)},
        {"2026-11-24T01:00:00+00:00", 480, T0},
        {"2026-11-24T01:00:00-00:00", 480, T0},
        /* No offset: the business zone applies. */
        {"2026-11-24T09:00:00", 480, T0},
        {"2026-11-24T09:00:00", 0, INT64_C(1795510800)},
        {"2026-11-24T09:00:00", -300, INT64_C(1795528800)},
        /* A bare date is midnight in the business zone. */
        {"2026-11-24", 480, INT64_C(1795449600)},
        {"2026-11-24", 0, INT64_C(1795478400)},
        {"2026-11-24", -300, INT64_C(1795496400)},
        /* Excel. */
        {"2026/11/24 9:05", 480, INT64_C(1795482300)},
        {"2026/11/24 9:05", 0, INT64_C(1795511100)},
        {"2026/11/24 09:05", 480, INT64_C(1795482300)},
        {"2026/1/5 9:05:07", 480, INT64_C(1767575107)},
        {"2026/1/5 9:05:07", 0, INT64_C(1767603907)},
        {"2026/01/05 09:05:07", 480, INT64_C(1767575107)},
        {"2026/11/24", 480, INT64_C(1795449600)},
        /* Unix seconds: the zone does not matter. */
        {"@1795482000", 480, T0},
        {"@1795482000", 0, T0},
        {"@1", 480, 1},
        {"@1763946000", -300, INT64_C(1763946000)},
        {"@253402300799", 480, INT64_C(253402300799)},
        /* Leap years. */
        {"2024-02-29", 0, INT64_C(1709164800)},
        {"2024-02-29", 480, INT64_C(1709136000)},
        {"2000-02-29", 0, INT64_C(951782400)},
        /* Range edges: AS_TIME_MIN and AS_TIME_MAX. */
        {"1970-01-01T00:00:01Z", 480, 1},
        {"1970-01-01T08:00:01+08:00", 0, 1},
        {"2100-12-31T23:59:59+08:00", 0, INT64_C(4133951999)},
        {"9999-12-31T23:59:59+00:00", 480, INT64_C(253402300799)},
        {"9999-12-31T23:59:59Z", 0, INT64_C(253402300799)},
        {"2026-12-31T23:59:59Z", 0, INT64_C(1798761599)},
        {"2026-11-24T00:00:00Z", 480, INT64_C(1795478400)},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int64_t got = -42;
        as_status st = as_time_parse(cases[i].in, cases[i].zone, &got);
        cr_assert_eq(st, AS_OK, "'%s' (zone %d): status %d", cases[i].in, cases[i].zone, st);
        cr_assert_eq(got, cases[i].want, "'%s' (zone %d): %" PRId64 ", want %" PRId64,
                     cases[i].in, cases[i].zone, got, cases[i].want);
    }
}

/* ---- as_time_parse: invalid ---------------------------------------- */

Test(time_parse, invalid)
{
    static const char *const cases[] = {
        "",
        "   ",
        "2026-13-01",
        "2026-00-10",
        "2026-11-00",
        "2026-11-31",
        "2026-04-31",
        "2026-02-30",
        "2025-02-29",               /* 2025 is not a leap year */
        "1900-02-29",               /* nor is 1900 */
        "2026-11-24T24:00",
        "2026-11-24T24:00:00Z",
        "2026-11-24T09:60",
        "2026-11-24T09:00:61",
        "2026-11-24T09:00+15:00",
        "2026-11-24T09:00-15:00",
        "2026-11-24T09:00+08:60",
        "2026-11-24T09:00:00+8",
        "2026-11-24T09:00:00+08:0",
        "2026-11-24T09:00:00+08:00x",
        "2026-11-24T09:00:00Zx",
        "2026-11-24T09:00:00 junk",
        "2026-11-24x",
        "2026-11-24T",
        "2026-11-24T09",
        "2026-11-24T09:",
        "2026-11-24T09:0",
        "2026-11-24T9:00",          /* ISO needs a 2-digit hour */
        "2026-11-24T09:00:0",
        "2026-11-24T09:00:00.",
        "2026-11-24T09:00:00.Z",
        "2026-1-5",                 /* ISO needs 2-digit month and day */
        "2026-1-05",
        "2026-01-5",
        "2026-11-5",
        "2026-011-24",
        "26-11-24",
        "20261124",
        "2026.11.24",
        "2026-11/24",
        "2026/13/1",
        "2026/2/30",
        "2026/11/24 24:00",
        "2026/11/24 9:60",
        "2026/11/24 9:5",
        "2026/11/24 9",
        "2026/11/24 9:05+08:00",
        "2026/11/24 123:05",
        "@",
        "@abc",
        "@123x",
        "@-",
        "@ 123",
        "@99999999999999999999",    /* does not fit in 64 bits */
        "@-99999999999999999999",
        "tomorrow",
        /* Out of AS_TIME_MIN..AS_TIME_MAX (issue 12, point 5): 0 would be
         * "now" in the API, and @INT64_MAX overflowed due times. */
        "@0",
        "@-1",
        "@9223372036854775807",
        "@-9223372036854775808",
        "@253402300800",
        "1970-01-01T00:00:00Z",
        "1970-01-01T07:59:59+08:00",
        "1970-01-01",               /* midnight in UTC+8 is 1969 in UTC */
        "1969-12-31T23:59:59Z",
        "1900-01-01T00:00:00Z",
        "0001-01-01",
        "9999-12-31T23:59:59-00:01",
        "9999-12-31T16:00:00-08:00",
        /* A second 60 was silently stored as :59. */
        "2016-12-31T23:59:60Z",
        "2026-11-24T10:00:60",
        "2026/11/24 10:00:60",
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int64_t got = -42;
        as_status st = as_time_parse(cases[i], 480, &got);
        cr_assert_eq(st, AS_INVALID, "'%s' should be invalid (status %d, t %" PRId64 ")",
                     cases[i], st, got);
    }
}

Test(time_parse, null_is_misuse)
{
    int64_t t;
    cr_assert_eq(as_time_parse(NULL, 480, &t), AS_MISUSE);
    cr_assert_eq(as_time_parse("2026-11-24", 480, NULL), AS_MISUSE);
}

/* ---- as_time_format ------------------------------------------------ */

/* Format into a heap block of exactly AS_TIME_BUFSIZE bytes (so that the
 * sanitizer or valgrind catches a write past it) and copy the text out. */
static void format_checked(int64_t t, int zone, char out[AS_TIME_BUFSIZE])
{
    char *buf = malloc(AS_TIME_BUFSIZE);
    cr_assert_not_null(buf);
    memset(buf, 'x', AS_TIME_BUFSIZE);
    int same = as_time_format(t, zone, buf) == buf;
    int terminated = memchr(buf, '\0', AS_TIME_BUFSIZE) != NULL;
    if (terminated)
        memcpy(out, buf, AS_TIME_BUFSIZE);
    free(buf);
    cr_assert(same, "as_time_format returns its buffer");
    cr_assert(terminated, "as_time_format leaves a NUL-terminated string");
}

Test(time_format, exact_text)
{
    static const struct {
        int64_t t;
        int zone;
        const char *want;
    } cases[] = {
        {T0, 480, "2026-11-24T09:00:00+08:00"},
        {T0, 0, "2026-11-24T01:00:00+00:00"},
        {T0, -300, "2026-11-23T20:00:00-05:00"},
        {T0, 330, "2026-11-24T06:30:00+05:30"},
        {T0, -570, "2026-11-23T15:30:00-09:30"},
        {0, 0, "1970-01-01T00:00:00+00:00"},
        {0, 480, "1970-01-01T08:00:00+08:00"},
        {0, -300, "1969-12-31T19:00:00-05:00"},
        {-1, 0, "1969-12-31T23:59:59+00:00"},
        {-1, 480, "1970-01-01T07:59:59+08:00"},
        {INT64_C(-2208988800), 0, "1900-01-01T00:00:00+00:00"},
        {INT64_C(4133951999), 480, "2100-12-31T23:59:59+08:00"},
        {INT64_C(951782400), 0, "2000-02-29T00:00:00+00:00"},
        {INT64_C(253402300799), 0, "9999-12-31T23:59:59+00:00"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char buf[AS_TIME_BUFSIZE];
        format_checked(cases[i].t, cases[i].zone, buf);
        cr_assert_str_eq(buf, cases[i].want, "%" PRId64 " in zone %d", cases[i].t, cases[i].zone);
    }
}

/* The reference: libc's gmtime_r of the local time, with strftime. */
static void reference_format(int64_t t, int zone, char *out, size_t outsz)
{
    time_t local = (time_t)(t + (int64_t)zone * 60);
    struct tm tm;
    cr_assert_not_null(gmtime_r(&local, &tm));
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    int off = zone < 0 ? -zone : zone;
    snprintf(out, outsz, "%s%c%02d:%02d", date, zone < 0 ? '-' : '+', off / 60, off % 60);
}

Test(time_format, round_trip_1900_to_2100)
{
    static const int zones[] = {480, 0, -300, 330, -570, 840, -720};
    /* From 1900-01-02 (so every zone's local date is in 1900 or later) to
     * 2100-12-31, in steps that are not a whole number of days or hours. */
    const int64_t first = INT64_C(-2208988800) + 86400;
    const int64_t last = INT64_C(4133980799);
    const int64_t step = 7 * 86400 + 3600 + 61;
    cr_assert(sizeof(time_t) >= 8, "the reference needs a 64-bit time_t");
    size_t n = 0;
    for (int64_t t = first; t <= last; t += step) {
        for (size_t z = 0; z < N_ELEMS(zones); z++) {
            char buf[AS_TIME_BUFSIZE], want[64];
            as_time_format(t, zones[z], buf);
            reference_format(t, zones[z], want, sizeof want);
            cr_assert_str_eq(buf, want, "%" PRId64 " in zone %d", t, zones[z]);
            int64_t back = -42;
            /* The text carries its offset: any business zone gives the same t.
             * Times before AS_TIME_MIN are written but not read back. */
            if (t < AS_TIME_MIN) {
                cr_assert_eq(as_time_parse(buf, 60 - zones[z], &back), AS_INVALID, "'%s'", buf);
                n++;
                continue;
            }
            cr_assert_eq(as_time_parse(buf, 60 - zones[z], &back), AS_OK, "parse '%s'", buf);
            cr_assert_eq(back, t, "'%s' -> %" PRId64 ", want %" PRId64, buf, back, t);
            n++;
        }
    }
    cr_assert_gt(n, 70000, "covered %zu times", n);
}

Test(time_format, round_trip_edges)
{
    static const int64_t times[] = {
        0,
        1,
        -1,
        86399,
        86400,
        -86400,
        -86401,
        T0,
        INT64_C(951782399),     /* 2000-02-28T23:59:59Z */
        INT64_C(951868800),     /* 2000-03-01T00:00:00Z */
        INT64_C(2147483647),    /* 2038-01-19T03:14:07Z */
        INT64_C(2147483648),
        INT64_C(-2147483648),
        INT64_C(-2208902400),   /* 1900-01-02T00:00:00Z */
        INT64_C(-616881600),    /* 1950-06-15T04:00:00Z */
        INT64_C(4102444800),    /* 2100-01-01T00:00:00Z */
        INT64_C(4133980799),    /* 2100-12-31T23:59:59Z */
        INT64_C(253402300799) - 86400,
    };
    static const int zones[] = {480, 0, -300};
    for (size_t i = 0; i < N_ELEMS(times); i++) {
        for (size_t z = 0; z < N_ELEMS(zones); z++) {
            char buf[AS_TIME_BUFSIZE];
            as_time_format(times[i], zones[z], buf);
            int64_t back = -42;
            if (times[i] < AS_TIME_MIN) {
                cr_assert_eq(as_time_parse(buf, zones[z], &back), AS_INVALID, "'%s'", buf);
                continue;
            }
            cr_assert_eq(as_time_parse(buf, zones[z], &back), AS_OK, "parse '%s'", buf);
            cr_assert_eq(back, times[i], "'%s' -> %" PRId64 ", want %" PRId64, buf, back,
                         times[i]);
        }
    }
}

Test(time_format, beyond_year_9999_written_but_refused)
{
    /* Outside years 0-9999 of the zone the text is "@<seconds>"; either way
     * the time is out of AS_TIME_MIN..AS_TIME_MAX and as_time_parse()
     * refuses it. */
    static const int64_t times[] = {
        INT64_C(253402300800),          /* 10000-01-01T00:00:00Z */
        INT64_C(253402300800) * 10,
        INT64_C(-62167219200) * 10,     /* long before year 0 */
        INT64_MAX,                      /* local time would overflow */
        INT64_MAX - 1,
        INT64_MIN,
        INT64_MIN + 1,
    };
    static const int zones[] = {480, 0, -300};
    for (size_t i = 0; i < N_ELEMS(times); i++) {
        for (size_t z = 0; z < N_ELEMS(zones); z++) {
            char buf[AS_TIME_BUFSIZE];
            format_checked(times[i], zones[z], buf);
            int64_t back = -42;   /* "@..." or, west of UTC, still 9999-12-31 */
            cr_assert_eq(as_time_parse(buf, zones[z], &back), AS_INVALID, "'%s'", buf);
            cr_assert_eq(back, -42, "nothing written on failure");
        }
    }
}

Test(time_parse, edges_fixed_after_review)
{
    int64_t t;
    cr_assert_eq(as_time_parse("2026-11-24 ", 480, &t), AS_OK, "a bare date with a trailing space");
    cr_assert_eq(t, INT64_C(1795449600));
    cr_assert_eq(as_time_parse("2026-11-24T09:00+14:00", 0, &t), AS_OK);
    cr_assert_eq(as_time_parse("2026-11-24T09:00+14:01", 0, &t), AS_INVALID);
    cr_assert_eq(as_time_parse("2026-11-24T09:00+14:59", 0, &t), AS_INVALID);
    cr_assert_eq(as_time_parse("2026-11-24T09:00+08:", 0, &t), AS_INVALID);
    /* Early years are written, but before 1970 no longer read. */
    char buf[AS_TIME_BUFSIZE];
    const int64_t early[] = {INT64_C(-2208988800) - 1, INT64_C(-62135596800) /* 0001-01-01Z */};
    for (size_t i = 0; i < sizeof early / sizeof early[0]; i++) {
        as_time_format(early[i], -300, buf);
        cr_assert_eq(buf[0], early[i] == INT64_C(-62135596800) ? '@' : '1', "%s", buf);
        cr_assert_eq(as_time_parse(buf, 0, &t), AS_INVALID, "%s", buf);
    }
}

Test(time_parse, full_width_digits)
{
    static const struct {
        const char *in;
        int64_t want;
    } cases[] = {
        {"２０２６-１１-２４ ０９:００", T0},
        {"２０２６－１１－２４　０９：００", T0},          /* ideographic space, full-width -: */
        {"２０２６／１１／２４ ９：００", T0},             /* Excel's form */
        {"2026-11-24T０９:００:００＋０８:００", T0},
        {"２０２６-１１-２４T０１:００:００Z", T0},
        {"　２０２６-１１-２４ ０９:００:００.５　", T0},   /* fraction, spaces around */
        {"@１７９５４８２０００", T0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int64_t t = 0;
        cr_assert_eq(as_time_parse(cases[i].in, 480, &t), AS_OK, "'%s'", cases[i].in);
        cr_assert_eq(t, cases[i].want, "'%s' gave %" PRId64, cases[i].in, t);
    }
    /* Other wide or Chinese forms are still refused. */
    static const char *const bad[] = {
        "２０２６年１１月２４日", "２０２６-１１-２４Ｔ０９:００", "２０２６-１３-０１",
        "２０２６。１１。２４", "二〇二六-十一-二十四",
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        int64_t t;
        cr_assert_eq(as_time_parse(bad[i], 480, &t), AS_INVALID, "'%s'", bad[i]);
    }
    /* Folded text that would not fit the buffer is refused, not cut. */
    char long_text[400] = "２０２６-１１-２４";
    for (int i = 0; i < 200; i++)
        strcat(long_text, " ");
    strcat(long_text, "　");
    int64_t t;
    cr_assert_eq(as_time_parse(long_text, 480, &t), AS_INVALID);
}

Test(time_week, monday_midnight_in_the_business_zone)
{
    int64_t t, mon;
    char buf[11];
    /* 2026-11-29 is a Sunday; its week starts 2026-11-23 00:00 +08:00. */
    cr_assert_eq(as_time_parse("2026-11-29T23:59:59+08:00", 480, &t), AS_OK);
    cr_assert_eq(as_time_parse("2026-11-23T00:00:00+08:00", 480, &mon), AS_OK);
    cr_assert_eq(as__week_start(t, 480), mon);
    cr_assert_eq(as__week_start(mon, 480), mon, "the Monday's first second is in its week");
    cr_assert_eq(as__week_start(mon - 1, 480), mon - 7 * 86400);
    cr_assert_str_eq(as__date_text(mon, 480, buf), "2026-11-23");
    /* The same instant seen from UTC is still Sunday 15:59: same week start in UTC terms. */
    cr_assert_eq(as__week_start(t, 0), mon + 8 * 3600);
    /* Before 1970 the division rounds down, not toward zero. */
    cr_assert_eq(as__week_start(-1, 0), -3 * 86400);
    cr_assert_str_eq(as__date_text(-1, 0, buf), "1969-12-31");
}
