/* calendar.c - business calendars: the `calendars` configuration section,
 * business-time arithmetic, and the public as_calendar_* API.
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
#include "calendar.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

struct as__calendars {
    size_t n;
    as__calendar *items;
};

static const char *const wday_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const wday_long[7] = {"monday", "tuesday", "wednesday", "thursday",
                                         "friday", "saturday", "sunday"};

/* ---- day arithmetic -------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* 0 = Monday; 1970-01-01 was a Thursday. */
static int wday_of(int64_t day)
{
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
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

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
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

static int64_t spans_total(const span *sp, int n)
{
    int64_t t = 0;
    for (int i = 0; i < n; i++)
        t += sp[i].e - sp[i].s;
    return t;
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

const as__calendar *as__calendar_find(as_db *db, const char *name)
{
    return db ? as__calendar_find_cfg(as__db_config(db), name) : NULL;
}

/* ---- parsing ---------------------------------------------------------- */

static void cal_free(as__calendar *c)
{
    free(c->name);
    free(c->description);
    free(c->hours_text);
    free(c->special);
    free(c->adj);
    free(c->adj_cum);
    free(c->tab_hours);
    free(c->tab_cum);
}

void as__calendars_free(as_config *cfg)
{
    as__calendars *cs = cfg->calendars;
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n; i++)
        cal_free(&cs->items[i]);
    free(cs->items);
    free(cs);
    cfg->calendars = NULL;
}

static int weekday_index(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (strcmp(s, wday_names[i]) == 0 || strcmp(s, wday_long[i]) == 0)
            return i;
    return -1;
}

/* "HH:MM" (00:00-24:00) at *p; advances.  Returns seconds or -1. */
static int32_t parse_clock(const char **p)
{
    const char *s = *p;
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    *p = s + 5;
    return (int32_t)(h * 3600 + m * 60);
}

static void skip_spaces(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* One "HH:MM-HH:MM[+1]" interval.  Returns 0 and the span (e may exceed
 * DAY), or -1 with the reason in why. */
static int parse_interval(const char *text, span *out, char *why, size_t whysz)
{
    const char *p = text;
    skip_spaces(&p);
    int32_t s = parse_clock(&p);
    skip_spaces(&p);
    if (s < 0 || *p != '-') {
        snprintf(why, whysz, "'%s' is not an interval such as 09:00-18:00", text);
        return -1;
    }
    p++;
    skip_spaces(&p);
    int32_t e = parse_clock(&p);
    if (e < 0) {
        snprintf(why, whysz, "'%s' is not an interval such as 09:00-18:00 (times 00:00 to 24:00)",
                 text);
        return -1;
    }
    int next = 0;
    if (p[0] == '+' && p[1] == '1') {
        next = 1;
        p += 2;
    }
    skip_spaces(&p);
    if (*p) {
        snprintf(why, whysz, "'%s' is not an interval such as 09:00-18:00", text);
        return -1;
    }
    if (s >= DAY) {
        snprintf(why, whysz, "'%s': an interval cannot start at 24:00", text);
        return -1;
    }
    if (!next && e <= s) {
        snprintf(why, whysz, "'%s': the end is not after the start (for a shift past midnight"
                             " write 22:00-06:00+1)", text);
        return -1;
    }
    if (next && (e == DAY || e > s)) {
        snprintf(why, whysz, "'%s': an interval past midnight must end by its start time the"
                             " next day (at most 24 hours)", text);
        return -1;
    }
    out->s = s;
    out->e = next ? e + DAY : e;
    return 0;
}

static void fmt_clock(char *buf, size_t sz, int32_t secs)
{
    snprintf(buf, sz, "%02d:%02d", (int)(secs / 3600), (int)(secs % 3600 / 60));
}

/* "YYYY-MM-DD" to days since 1970-01-01; -1 on error... days can be
 * negative, so the result goes through *out. */
static int parse_date(const char *s, size_t len, int64_t *out)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return -1;
    int y = atoi(s), m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int dim[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > dim[m - 1])
        return -1;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    *out = as__days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

static void fmt_date(char *buf, size_t sz, int64_t day)
{
    int64_t y;
    unsigned m, d;
    as__civil_from_days(day, &y, &m, &d);
    snprintf(buf, sz, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* Special dates while parsing, with the node each came from. */
typedef struct pspecial {
    special sp;
    const as__ynode *at;
} pspecial;

typedef struct plist {
    pspecial *items;
    size_t n, cap;
} plist;

static int plist_add(plist *l, int64_t day, int kind, int wday, const as__ynode *at)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        pspecial *p = realloc(l->items, cap * sizeof *p);
        if (!p)
            return -1;
        l->items = p;
        l->cap = cap;
    }
    l->items[l->n++] = (pspecial){{day, kind, wday}, at};
    return 0;
}

static int pspecial_cmp(const void *a, const void *b)
{
    const pspecial *x = a, *y = b;
    if (x->sp.day != y->sp.day)
        return x->sp.day < y->sp.day ? -1 : 1;
    /* Keep file order among equal days (for the message). */
    if (x->at->line != y->at->line)
        return x->at->line < y->at->line ? -1 : 1;
    return (x->at->col > y->at->col) - (x->at->col < y->at->col);
}

/* Parse one weekday's hours: a text "09:00-12:00, 13:00-18:00", "" or
 * null (a day off), or a list of interval texts. */
static void parse_day_hours(as__cfgctx *cx, const as__ynode *v, span *out, int *n)
{
    *n = 0;
    char why[200];
    if (v->kind == AS_Y_MAP) {
        as__cfg_error(cx, v, "hours must be text such as \"09:00-18:00\" or a list of such");
        return;
    }
    const as__ynode *items1[1] = {v};
    const as__ynode *const *items = items1;
    size_t nitems = 1;
    if (v->kind == AS_Y_SEQ) {
        items = (const as__ynode *const *)v->items;
        nitems = v->n;
    }
    for (size_t k = 0; k < nitems; k++) {
        const as__ynode *it = items[k];
        if (it->kind != AS_Y_SCALAR) {
            as__cfg_error(cx, it, "an interval must be text such as \"09:00-18:00\"");
            continue;
        }
        const char *s = it->value;
        if (it->plain && (!strcmp(s, "~") || !strcmp(s, "null") || !s[0]))
            continue;
        if (!strcmp(s, "off") || !strcmp(s, "closed") || !s[0])
            continue;
        /* Comma-separated intervals. */
        const char *p = s;
        while (*p) {
            size_t len = strcspn(p, ",");
            char piece[64];
            if (len >= sizeof piece) {
                as__cfg_error(cx, it, "'%.60s...' is not an interval such as 09:00-18:00", p);
                break;
            }
            memcpy(piece, p, len);
            piece[len] = '\0';
            span sp;
            if (parse_interval(piece, &sp, why, sizeof why) < 0) {
                as__cfg_error(cx, it, "%s", why);
            } else if (*n == AS__CAL_MAX_SPANS) {
                as__cfg_error(cx, it, "more than %d intervals in a day", AS__CAL_MAX_SPANS);
            } else {
                out[(*n)++] = sp;
            }
            p += len;
            if (*p == ',')
                p++;
        }
    }
}

/* Build the hours summary: weekdays with equal hours grouped. */
static char *hours_summary(const span hours[7][AS__CAL_MAX_SPANS], const int nh[7])
{
    as_buf b = {0};
    int i = 0;
    while (i < 7) {
        if (nh[i] == 0) {
            i++;
            continue;
        }
        int j = i;
        while (j + 1 < 7 && nh[j + 1] == nh[i] &&
               memcmp(hours[j + 1], hours[i], (size_t)nh[i] * sizeof(span)) == 0)
            j++;
        if (b.len)
            as__buf_adds(&b, "; ");
        as__buf_adds(&b, wday_names[i]);
        if (j > i) {
            as__buf_adds(&b, j == i + 1 ? "," : "-");
            as__buf_adds(&b, wday_names[j]);
        }
        for (int k = 0; k < nh[i]; k++) {
            char a[16], e[16];
            fmt_clock(a, sizeof a, hours[i][k].s);
            fmt_clock(e, sizeof e, hours[i][k].e > DAY ? hours[i][k].e - DAY : hours[i][k].e);
            as__buf_adds(&b, k ? ", " : " ");
            as__buf_adds(&b, a);
            as__buf_addc(&b, '-');
            as__buf_adds(&b, e);
            if (hours[i][k].e > DAY)
                as__buf_adds(&b, "+1");
        }
        i = j + 1;
    }
    if (!b.data)
        as__buf_adds(&b, "(none)");
    return b.data;
}

/* Read a holiday or workday entry's date(s): "D", "D..D", or a mapping
 * {from, to} / {date}.  Returns 0 with [*from, *to] or -1 (reported). */
static int entry_dates(as__cfgctx *cx, const as__ynode *v, int workday, int64_t *from,
                       int64_t *to, const as__ynode **at, int *hours_wday)
{
    *at = v;
    if (v->kind == AS_Y_SCALAR) {
        const char *s = v->value, *dots = strstr(s, "..");
        if (dots) {
            if (workday) {
                as__cfg_error(cx, v, "list make-up days one by one, not as a range ('%s')", s);
                return -1;
            }
            if (parse_date(s, (size_t)(dots - s), from) < 0 ||
                parse_date(dots + 2, strlen(dots + 2), to) < 0) {
                as__cfg_error(cx, v, "'%s' is not a date range such as 2025-10-01..2025-10-08", s);
                return -1;
            }
        } else {
            if (parse_date(s, strlen(s), from) < 0) {
                as__cfg_error(cx, v, "'%s' is not a date (YYYY-MM-DD)", s);
                return -1;
            }
            *to = *from;
        }
    } else if (v->kind == AS_Y_MAP) {
        static const char *const hkeys[] = {"from", "to", "name", NULL};
        static const char *const wkeys[] = {"date", "hours_of", "name", NULL};
        if (as__cfg_map_keys(cx, v, workday ? "a make-up day" : "a holiday",
                             workday ? wkeys : hkeys) < 0)
            return -1;
        const as__ynode *name = as__ymap_get(v, "name");
        const char *dummy;
        if (name && as__cfg_str(cx, name, &dummy) < 0)
            return -1;
        const as__ynode *f = as__ymap_get(v, workday ? "date" : "from");
        const as__ynode *t = workday ? NULL : as__ymap_get(v, "to");
        if (!f) {
            as__cfg_error(cx, v, "%s needs '%s'", workday ? "a make-up day" : "a holiday",
                          workday ? "date" : "from");
            return -1;
        }
        if (f->kind != AS_Y_SCALAR || parse_date(f->value, strlen(f->value), from) < 0) {
            as__cfg_error(cx, f, "'%s' is not a date (YYYY-MM-DD)",
                          f->kind == AS_Y_SCALAR ? f->value : "(not text)");
            return -1;
        }
        *at = f;
        *to = *from;
        if (t && (t->kind != AS_Y_SCALAR || parse_date(t->value, strlen(t->value), to) < 0)) {
            as__cfg_error(cx, t, "'%s' is not a date (YYYY-MM-DD)",
                          t->kind == AS_Y_SCALAR ? t->value : "(not text)");
            return -1;
        }
        const as__ynode *h = workday ? as__ymap_get(v, "hours_of") : NULL;
        if (h) {
            int w = h->kind == AS_Y_SCALAR ? weekday_index(h->value) : -1;
            if (w < 0) {
                as__cfg_error(cx, h, "'%s' is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
                              h->kind == AS_Y_SCALAR ? h->value : "(not text)");
                return -1;
            }
            *hours_wday = w;
        }
    } else {
        as__cfg_error(cx, v, "expected a date such as 2025-10-01%s",
                      workday ? "" : " or a range 2025-10-01..2025-10-08");
        return -1;
    }
    if (*to < *from) {
        as__cfg_error(cx, *at, "the range ends before it starts");
        return -1;
    }
    if (*to - *from > 366) {
        as__cfg_error(cx, *at, "a range of more than a year; is a date mistyped?");
        return -1;
    }
    return 0;
}

static int check_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return -1;
    return 0;
}

/* Check the intervals of weekday w (own and spill) do not overlap, with
 * the spill of the day before.  Reports at node (may be NULL: the calendar). */
static void check_overlaps(as__cfgctx *cx, const as__ynode *at, const char *cal,
                           span hours[7][AS__CAL_MAX_SPANS], const int nh[7])
{
    for (int w = 0; w < 7; w++) {
        span all[3 * AS__CAL_MAX_SPANS];
        int n = 0;
        for (int i = 0; i < nh[w]; i++)
            all[n++] = hours[w][i];
        int prev = (w + 6) % 7;
        for (int i = 0; i < nh[prev]; i++)
            if (hours[prev][i].e > DAY)
                all[n++] = (span){0, hours[prev][i].e - DAY};
        qsort(all, (size_t)n, sizeof *all, span_cmp);
        for (int i = 1; i < n; i++) {
            if (all[i].s < all[i - 1].e) {
                char a[16], b[16];
                fmt_clock(a, sizeof a, all[i].s);
                fmt_clock(b, sizeof b, all[i - 1].e > DAY ? all[i - 1].e - DAY : all[i - 1].e);
                as__cfg_error(cx, at, "calendar '%s': %s hours overlap (%s starts before %s ends)",
                              cal, wday_names[w], a, b);
                break;
            }
        }
    }
}

static int adjust_cmp(const void *a, const void *b)
{
    const adjust *x = a, *y = b;
    return x->day < y->day ? -1 : x->day > y->day;
}

/* The adjustments for the special days (and the day after each, which a
 * shift past midnight reaches). */
static int build_adjust(as__calendar *c)
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

static void parse_one(as__cfgctx *cx, const as__ynode *key, const as__ynode *node,
                      as__calendar *c, const as_config *cfg)
{
    static const char *const keys[] = {"description", "timezone", "always", "hours", "holidays",
                                       "workdays", "workday_hours", NULL};
    int errors0 = cx->nerrors;
    c->cfg = cfg;
    c->name = as__strdup(key->value);
    if (check_name(key->value) < 0)
        as__cfg_error(cx, key, "calendar name '%s' must be 1-64 letters, digits, '-', '_' or '.'",
                      key->value);
    char what[120];
    snprintf(what, sizeof what, "calendar '%.60s'", key->value);
    if (as__cfg_map_keys(cx, node, what, keys) < 0)
        return;
    const as__ynode *v;
    const char *s;
    if ((v = as__ymap_get(node, "description")) && as__cfg_str(cx, v, &s) == 0)
        c->description = as__strdup(s);
    if ((v = as__ymap_get(node, "timezone")) && as__cfg_utc_offset(cx, v, &c->utc_offset) == 0)
        c->has_tz = 1;
    if ((v = as__ymap_get(node, "always")))
        as__cfg_bool(cx, v, &c->always);
    if (c->always) {
        static const char *const other[] = {"hours", "holidays", "workdays", "workday_hours"};
        for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
            if ((v = as__ymap_get(node, other[i])))
                as__cfg_error(cx, v, "%s: an 'always: true' calendar takes no %s", what, other[i]);
        c->hours_text = as__strdup("always (24/7)");
        return;
    }

    /* Weekly hours, kept with the overflow past midnight in e > DAY. */
    span hours[7][AS__CAL_MAX_SPANS];
    int nh[7] = {0};
    const as__ynode *hn = as__ymap_get(node, "hours");
    if (!hn) {
        as__cfg_error(cx, node, "%s needs 'hours' (or 'always: true')", what);
        return;
    }
    if (hn->kind != AS_Y_MAP) {
        as__cfg_error(cx, hn, "%s: hours must be a mapping of weekdays (mon: \"09:00-18:00\")",
                      what);
        return;
    }
    for (size_t i = 0; i < hn->n; i++) {
        int w = weekday_index(hn->keys[i]->value);
        if (w < 0) {
            as__cfg_error(cx, hn->keys[i],
                          "unknown weekday '%s' (mon, tue, wed, thu, fri, sat, sun)",
                          hn->keys[i]->value);
            continue;
        }
        if (nh[w]) {
            as__cfg_error(cx, hn->keys[i], "%s is given twice", wday_names[w]);
            continue;
        }
        parse_day_hours(cx, hn->items[i], hours[w], &nh[w]);
        qsort(hours[w], (size_t)nh[w], sizeof(span), span_cmp);
    }
    if (cx->nerrors == errors0)
        check_overlaps(cx, hn, c->name, hours, nh);
    int any = 0;
    for (int w = 0; w < 7; w++)
        any |= nh[w] > 0;
    if (!any && cx->nerrors == errors0)
        as__cfg_error(cx, hn, "%s has no working hours in its week (use 'always: true' for 24/7)",
                      what);

    int makeup = -1;
    if ((v = as__ymap_get(node, "workday_hours"))) {
        makeup = v->kind == AS_Y_SCALAR ? weekday_index(v->value) : -1;
        if (makeup < 0)
            as__cfg_error(cx, v, "'%s' is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
                          v->kind == AS_Y_SCALAR ? v->value : "(not text)");
        else if (!nh[makeup])
            as__cfg_error(cx, v, "%s has no hours, so make-up days cannot use them",
                          wday_names[makeup]);
    }
    if (makeup < 0)
        for (int w = 0; w < 7 && makeup < 0; w++)
            if (nh[w])
                makeup = w;   /* the first working weekday: Monday in an office */

    /* Holidays and make-up days. */
    plist pl = {0};
    static const char *const lists[2] = {"holidays", "workdays"};
    for (int wk = 0; wk < 2; wk++) {
        const as__ynode *ln = as__ymap_get(node, lists[wk]);
        if (!ln)
            continue;
        if (ln->kind == AS_Y_SCALAR && ln->plain && (!strcmp(ln->value, "") ||
                                                      !strcmp(ln->value, "~") ||
                                                      !strcmp(ln->value, "null")))
            continue;
        if (ln->kind != AS_Y_SEQ) {
            as__cfg_error(cx, ln, "%s: %s must be a list of dates", what, lists[wk]);
            continue;
        }
        for (size_t i = 0; i < ln->n; i++) {
            int64_t from, to;
            const as__ynode *at;
            int hw = makeup;
            if (entry_dates(cx, ln->items[i], wk, &from, &to, &at, &hw) < 0)
                continue;
            if (wk && makeup >= 0 && nh[wday_of(from)] > 0) {
                char d[16];
                fmt_date(d, sizeof d, from);
                as__cfg_error(cx, at, "make-up day %s is a %s, already a working day", d,
                              wday_names[wday_of(from)]);
                continue;
            }
            if (wk && hw >= 0 && !nh[hw]) {
                as__cfg_error(cx, at, "%s has no hours, so this make-up day cannot use them",
                              wday_names[hw]);
                continue;
            }
            for (int64_t d = from; d <= to; d++)
                if (plist_add(&pl, d, wk ? KIND_WORKDAY : KIND_HOLIDAY, hw, at) < 0) {
                    as__cfg_error(cx, at, "out of memory");
                    free(pl.items);
                    return;
                }
        }
    }
    if (pl.n > 1)
        qsort(pl.items, pl.n, sizeof *pl.items, pspecial_cmp);
    for (size_t i = 1; i < pl.n; i++) {
        if (pl.items[i].sp.day != pl.items[i - 1].sp.day)
            continue;
        char d[16];
        fmt_date(d, sizeof d, pl.items[i].sp.day);
        int a = pl.items[i - 1].sp.kind, b = pl.items[i].sp.kind;
        if (a != b)
            as__cfg_error(cx, pl.items[i].at, "%s is both a holiday and a make-up working day "
                                              "(line %d)", d, pl.items[i - 1].at->line);
        else
            as__cfg_error(cx, pl.items[i].at, "%s is listed twice as a %s (line %d)", d,
                          a == KIND_HOLIDAY ? "holiday" : "make-up day", pl.items[i - 1].at->line);
    }
    if (cx->nerrors != errors0) {
        free(pl.items);
        return;
    }

    /* Convert: own parts and spills. */
    for (int w = 0; w < 7; w++) {
        for (int i = 0; i < nh[w]; i++) {
            span h = hours[w][i];
            if (h.e > DAY) {
                c->own[w][c->nown[w]++] = (span){h.s, DAY};
                c->spill[w][c->nspill[w]++] = (span){0, h.e - DAY};
            } else {
                c->own[w][c->nown[w]++] = h;
            }
        }
    }
    c->week_total = 0;
    for (int w = 0; w < 7; w++) {
        int prev = (w + 6) % 7;
        c->day_total[w] = spans_total(c->own[w], c->nown[w]) +
                          spans_total(c->spill[prev], c->nspill[prev]);
        c->week_total += c->day_total[w];
    }
    c->hours_text = hours_summary((const span(*)[AS__CAL_MAX_SPANS])hours, nh);
    if (pl.n) {
        c->special = malloc(pl.n * sizeof *c->special);
        if (!c->special) {
            free(pl.items);
            as__cfg_error(cx, node, "out of memory");
            return;
        }
        for (size_t i = 0; i < pl.n; i++) {
            c->special[i] = pl.items[i].sp;
            if (pl.items[i].sp.kind == KIND_HOLIDAY)
                c->nholidays++;
            else
                c->nworkdays++;
        }
        c->nspecial = pl.n;
    }
    free(pl.items);
    if (build_adjust(c) < 0)
        as__cfg_error(cx, node, "out of memory");
}

void as__calendars_parse(as__cfgctx *cx, const as__ynode *node, as_config *cfg)
{
    if (!node || node->kind != AS_Y_MAP) {
        if (node && node->kind == AS_Y_SCALAR && node->plain &&
            (!node->value[0] || !strcmp(node->value, "~") || !strcmp(node->value, "null")))
            return;   /* "calendars:" with nothing: no calendars */
        as__cfg_error(cx, node, "calendars must be a mapping of names to calendars");
        return;
    }
    as__calendars *cs = calloc(1, sizeof *cs);
    if (!cs || (node->n && !(cs->items = calloc(node->n, sizeof *cs->items)))) {
        free(cs);
        as__cfg_error(cx, node, "out of memory");
        return;
    }
    cfg->calendars = cs;
    for (size_t i = 0; i < node->n; i++) {
        as__calendar *c = &cs->items[cs->n++];
        parse_one(cx, node->keys[i], node->items[i], c, cfg);
    }
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
    *view = v;
    return AS_OK;
}

void as_calendar_iter_free(as_calendar_iter *it)
{
    free(it);
}
