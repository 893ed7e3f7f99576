/* time.c - civil dates, ISO 8601 parsing and formatting.
 *
 * The business zone is a fixed UTC offset (Asia/Shanghai is UTC+8 with no
 * daylight saving since 1991), so no time zone database is needed. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
int64_t as__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void as__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int64_t as__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int as__days_in_month(int64_t y, unsigned m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Read 1..max digits (at least min) into *v. */
static int digits(const char **p, int min, int max, int *v)
{
    int n = 0, x = 0;
    while (n < max && isdigit((unsigned char)(*p)[n])) {
        x = x * 10 + ((*p)[n] - '0');
        n++;
    }
    if (n < min)
        return -1;
    *p += n;
    *v = x;
    return 0;
}

as_status as_time_parse(const char *text, int utc_offset_minutes, int64_t *out)
{
    if (!text || !out)
        return AS_MISUSE;
    char folded[AS__FOLD_MAX];
    const char *p = as__fold_fullwidth(text, folded, sizeof folded);
    if (!p)
        return AS_INVALID;   /* too long to be a time */
    while (*p == ' ')
        p++;
    if (*p == '@') {
        char *end;
        p++;
        if (!isdigit((unsigned char)*p) && *p != '-')
            return AS_INVALID;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno == ERANGE)
            return AS_INVALID;   /* does not fit in 64 bits */
        while (*end == ' ')
            end++;
        if (*end || v < AS_TIME_MIN || v > AS_TIME_MAX)
            return AS_INVALID;
        *out = v;
        return AS_OK;
    }

    int y, mo, d, h = 0, mi = 0, s = 0;
    int excel = 0;
    if (digits(&p, 4, 4, &y) < 0)
        return AS_INVALID;
    if (*p == '-') {
        p++;
        if (digits(&p, 2, 2, &mo) < 0 || *p++ != '-' || digits(&p, 2, 2, &d) < 0)
            return AS_INVALID;
    } else if (*p == '/') {
        excel = 1;
        p++;
        if (digits(&p, 1, 2, &mo) < 0 || *p++ != '/' || digits(&p, 1, 2, &d) < 0)
            return AS_INVALID;
    } else {
        return AS_INVALID;
    }
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > as__days_in_month(y, (unsigned)mo))
        return AS_INVALID;

    int offset = utc_offset_minutes;
    const char *rest = p;
    while (*rest == ' ')
        rest++;
    if (*p == ' ' && !*rest)
        p = rest;   /* a bare date with trailing spaces */
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, excel ? 1 : 2, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, 2, &mi) < 0)
            return AS_INVALID;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, 2, &s) < 0)
                return AS_INVALID;
            if (*p == '.' || *p == ',') {
                p++;
                int frac;
                if (!isdigit((unsigned char)*p))
                    return AS_INVALID;
                while (isdigit((unsigned char)*p))
                    if (digits(&p, 1, 9, &frac) < 0)
                        return AS_INVALID;
            }
        }
        if (h > 23 || mi > 59 || s > 59)
            return AS_INVALID;   /* :60 too: Unix time has no leap seconds */
        if (!excel) {
            if (*p == 'Z' || *p == 'z') {
                offset = 0;
                p++;
            } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
                if (digits(&p, 2, 2, &oh) < 0)
                    return AS_INVALID;
                if (*p == ':') {
                    p++;
                    if (digits(&p, 2, 2, &om) < 0)
                        return AS_INVALID;
                } else if (isdigit((unsigned char)*p) && digits(&p, 2, 2, &om) < 0) {
                    return AS_INVALID;
                }
                if (om > 59 || oh * 60 + om > 14 * 60)
                    return AS_INVALID;
                offset = sign * (oh * 60 + om);
            }
        }
    }
    while (*p == ' ')
        p++;
    if (*p)
        return AS_INVALID;
    int64_t days = as__days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t t = days * 86400 + h * 3600 + mi * 60 + s - (int64_t)offset * 60;
    if (t < AS_TIME_MIN || t > AS_TIME_MAX)
        return AS_INVALID;
    *out = t;
    return AS_OK;
}

char *as_time_format(int64_t t, int utc_offset_minutes, char *buf)
{
    int64_t shift = (int64_t)utc_offset_minutes * 60;
    if ((shift > 0 && t > INT64_MAX - shift) || (shift < 0 && t < INT64_MIN - shift)) {
        snprintf(buf, AS_TIME_BUFSIZE, "@%" PRId64, t);   /* local time would overflow */
        return buf;
    }
    int64_t local = t + shift;
    int64_t days = local / 86400, secs = local % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    as__civil_from_days(days, &y, &m, &d);
    int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
    if (y < 1 || y > 9999) {
        snprintf(buf, AS_TIME_BUFSIZE, "@%" PRId64, t);
        return buf;
    }
    snprintf(buf, AS_TIME_BUFSIZE, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (int)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
             utc_offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
    return buf;
}

/* ---- durations ----------------------------------------------------- */

as_status as_duration_parse(const char *text, int64_t *seconds)
{
    if (!text || !seconds)
        return AS_MISUSE;
    const char *p = text;
    int64_t total = 0;
    int parts = 0;
    if (!*p)
        return AS_INVALID;
    while (*p) {
        if (*p < '0' || *p > '9')
            return AS_INVALID;
        int64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            if (v > 1000000000)
                return AS_INVALID;
            v = v * 10 + (*p++ - '0');
        }
        int64_t unit = 1;
        if (*p == 'd') {
            unit = 86400;
            p++;
        } else if (*p == 'h') {
            unit = 3600;
            p++;
        } else if (strncmp(p, "min", 3) == 0) {
            unit = 60;
            p += 3;
        } else if (*p == 'm') {
            unit = 60;
            p++;
        } else if (*p == 's') {
            p++;
        } else if (*p || parts) {
            return AS_INVALID;   /* a bare number only alone */
        }
        total += v * unit;
        if (total > INT64_C(10) * 365 * 86400)
            return AS_INVALID;
        parts++;
    }
    *seconds = total;
    return AS_OK;
}

int64_t as__week_start(int64_t t, int utc_offset_minutes)
{
    /* 1970-01-05 (day 4) was a Monday. */
    const int64_t off = (int64_t)utc_offset_minutes * 60;
    int64_t local = t + off - 4 * 86400;
    int64_t w = local >= 0 ? local / 604800 : -((-local + 604799) / 604800);
    return w * 604800 + 4 * 86400 - off;
}

char *as__date_text(int64_t t, int utc_offset_minutes, char buf[11])
{
    int64_t local = t + (int64_t)utc_offset_minutes * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t y;
    unsigned m, d;
    as__civil_from_days(days, &y, &m, &d);
    /* (the ranges spelled out: GCC's -Wformat-truncation cannot see them) */
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)((y % 10000 + 10000) % 10000), m % 100u,
             d % 100u);
    return buf;
}
