/* calendar_config.c - the `calendars` configuration section: weekly hours
 * (shifts past midnight included), holidays and make-up days (调休), each
 * error reported at its line and column.  The arithmetic on the result is
 * in calendar.c. */
#include "calendar_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const wday_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const wday_long[7] = {"monday", "tuesday", "wednesday", "thursday",
                                         "friday", "saturday", "sunday"};

/* ---- parsing ---------------------------------------------------------- */

void as__calendar_clear(as__calendar *c)
{
    free(c->name);
    free(c->description);
    free(c->hours_text);
    free(c->special);
    free(c->adj);
    free(c->adj_cum);
    free(c->tab_hours);
    free(c->tab_cum);
    memset(c, 0, sizeof *c);
}

static int special_cmp(const void *a, const void *b)
{
    const special *x = a, *y = b;
    return (x->day > y->day) - (x->day < y->day);
}

int as__calendar_with_days(const as__calendar *base, const as__cal_day *days, size_t n,
                           as__calendar *out)
{
    memset(out, 0, sizeof *out);
    *out = *base;
    out->name = out->description = out->hours_text = NULL;
    out->special = NULL;
    out->adj = NULL;
    out->adj_cum = NULL;
    out->tab_hours = NULL;
    out->tab_cum = NULL;
    out->tab_len = 0;
    out->nadj = 0;
    int bad = 0;
    out->name = as__strdup_opt(base->name, &bad);
    out->description = as__strdup_opt(base->description, &bad);
    out->hours_text = as__strdup_opt(base->hours_text, &bad);
    out->special = malloc((base->nspecial + n + 1) * sizeof *out->special);
    if (bad || !out->special) {
        as__calendar_clear(out);
        return -1;
    }
    memcpy(out->special, base->special, base->nspecial * sizeof *out->special);
    size_t m = base->nspecial;
    for (size_t i = 0; i < n; i++) {
        int listed = 0;
        for (size_t j = 0; j < base->nspecial && !listed; j++)
            listed = base->special[j].day == days[i].day;   /* the configuration wins */
        if (listed)
            continue;
        out->special[m++] = (special){days[i].day, days[i].kind,
                                      days[i].kind == KIND_WORKDAY ? base->makeup_wday : -1};
        if (days[i].kind == KIND_HOLIDAY) {
            int64_t y;
            unsigned mo, d;
            as__civil_from_days(days[i].day, &y, &mo, &d);
            if (y > out->known_until)
                out->known_until = (int)y;
            out->nholidays++;
        } else {
            out->nworkdays++;
        }
    }
    out->nspecial = m;
    if (m > 1)
        qsort(out->special, m, sizeof *out->special, special_cmp);
    if (as__calendar_build_adjust(out) < 0) {
        as__calendar_clear(out);
        return -1;
    }
    return 0;
}

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

/* The calendar's description, timezone and 'always'.  Returns 1 when there
 * is nothing more to read (not a mapping, or an 'always' calendar). */
static int parse_head(as__cfgctx *cx, const as__ynode *node, as__calendar *c, const char *what)
{
    static const char *const keys[] = {"description", "timezone", "always", "hours", "holidays",
                                       "workdays", "workday_hours", "known_until", NULL};
    if (as__cfg_map_keys(cx, node, what, keys) < 0)
        return 1;
    const as__ynode *v;
    const char *s;
    if ((v = as__ymap_get(node, "description")) && as__cfg_str(cx, v, &s) == 0)
        c->description = as__strdup(s);
    if ((v = as__ymap_get(node, "timezone")) && as__cfg_utc_offset(cx, v, &c->utc_offset) == 0)
        c->has_tz = 1;
    if ((v = as__ymap_get(node, "always")))
        as__cfg_bool(cx, v, &c->always);
    long long year;
    if ((v = as__ymap_get(node, "known_until")) && as__cfg_int(cx, v, 1900, 9998, &year) == 0)
        c->known_until = (int)year;
    if (c->always) {
        static const char *const other[] = {"hours", "holidays", "workdays", "workday_hours",
                                            "known_until"};
        for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
            if ((v = as__ymap_get(node, other[i])))
                as__cfg_error(cx, v, "%s: an 'always: true' calendar takes no %s", what, other[i]);
        c->hours_text = as__strdup("always (24/7)");
        return 1;
    }
    return 0;
}

/* The weekly hours, kept with the overflow past midnight in e > DAY.
 * errors0: the error count before this calendar.  Returns -1 when there
 * are no hours to read. */
static int parse_week(as__cfgctx *cx, const as__ynode *node, const char *what, const char *name,
                      int errors0, span hours[7][AS__CAL_MAX_SPANS], int nh[7])
{
    const as__ynode *hn = as__ymap_get(node, "hours");
    if (!hn) {
        as__cfg_error(cx, node, "%s needs 'hours' (or 'always: true')", what);
        return -1;
    }
    if (hn->kind != AS_Y_MAP) {
        as__cfg_error(cx, hn, "%s: hours must be a mapping of weekdays (mon: \"09:00-18:00\")",
                      what);
        return -1;
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
        check_overlaps(cx, hn, name, hours, nh);
    int any = 0;
    for (int w = 0; w < 7; w++)
        any |= nh[w] > 0;
    if (!any && cx->nerrors == errors0)
        as__cfg_error(cx, hn, "%s has no working hours in its week (use 'always: true' for 24/7)",
                      what);
    return 0;
}

/* Whose hours make-up days use: workday_hours, else the first working
 * weekday (-1: none). */
static int makeup_weekday(as__cfgctx *cx, const as__ynode *node, const int nh[7])
{
    const as__ynode *v;
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
    return makeup;
}

/* Add the entries of one list (holidays, or make-up days when wk is 1) to
 * pl.  Returns -1 when out of memory (reported). */
static int parse_special_list(as__cfgctx *cx, const as__ynode *ln, int wk, int makeup,
                              const int nh[7], plist *pl)
{
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
            if (plist_add(pl, d, wk ? KIND_WORKDAY : KIND_HOLIDAY, hw, at) < 0) {
                as__cfg_error(cx, at, "out of memory");
                return -1;
            }
    }
    return 0;
}

/* Report a date listed twice (pl sorted by day). */
static void check_duplicates(as__cfgctx *cx, const plist *pl)
{
    for (size_t i = 1; i < pl->n; i++) {
        if (pl->items[i].sp.day != pl->items[i - 1].sp.day)
            continue;
        char d[16];
        fmt_date(d, sizeof d, pl->items[i].sp.day);
        int a = pl->items[i - 1].sp.kind, b = pl->items[i].sp.kind;
        if (a != b)
            as__cfg_error(cx, pl->items[i].at, "%s is both a holiday and a make-up working day "
                                               "(line %d)", d, pl->items[i - 1].at->line);
        else
            as__cfg_error(cx, pl->items[i].at, "%s is listed twice as a %s (line %d)", d,
                          a == KIND_HOLIDAY ? "holiday" : "make-up day",
                          pl->items[i - 1].at->line);
    }
}

/* Holidays and make-up days into pl, sorted by day, duplicates reported.
 * Returns -1 when out of memory (reported; pl freed). */
static int parse_specials(as__cfgctx *cx, const as__ynode *node, const char *what, int makeup,
                          const int nh[7], plist *pl)
{
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
        if (parse_special_list(cx, ln, wk, makeup, nh, pl) < 0) {
            free(pl->items);
            pl->items = NULL;
            return -1;
        }
    }
    if (pl->n > 1)
        qsort(pl->items, pl->n, sizeof *pl->items, pspecial_cmp);
    check_duplicates(cx, pl);
    return 0;
}

/* Convert the weekly hours: own parts and spills, the day and week totals
 * and the summary. */
static void set_hours(as__calendar *c, span hours[7][AS__CAL_MAX_SPANS], const int nh[7])
{
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
}

/* Keep the special dates of pl in c.  Returns -1 when out of memory. */
static int set_specials(as__calendar *c, const plist *pl)
{
    if (!pl->n)
        return 0;
    c->special = malloc(pl->n * sizeof *c->special);
    if (!c->special)
        return -1;
    for (size_t i = 0; i < pl->n; i++) {
        c->special[i] = pl->items[i].sp;
        if (pl->items[i].sp.kind == KIND_HOLIDAY)
            c->nholidays++;
        else
            c->nworkdays++;
    }
    c->nspecial = pl->n;
    /* What it knows: through the year of its last holiday, unless
     * known_until says (a calendar without holidays has no end). */
    for (size_t i = pl->n; !c->known_until && i > 0; i--)
        if (pl->items[i - 1].sp.kind == KIND_HOLIDAY) {
            int64_t y;
            unsigned m, d;
            as__civil_from_days(pl->items[i - 1].sp.day, &y, &m, &d);
            c->known_until = (int)y;
        }
    return 0;
}

static void parse_one(as__cfgctx *cx, const as__ynode *key, const as__ynode *node,
                      as__calendar *c, const as_config *cfg)
{
    int errors0 = cx->nerrors;
    c->cfg = cfg;
    c->name = as__strdup(key->value);
    if (check_name(key->value) < 0)
        as__cfg_error(cx, key, "calendar name '%s' must be 1-64 letters, digits, '-', '_' or '.'",
                      key->value);
    char what[120];
    snprintf(what, sizeof what, "calendar '%.60s'", key->value);
    if (parse_head(cx, node, c, what))
        return;

    span hours[7][AS__CAL_MAX_SPANS];
    int nh[7] = {0};
    if (parse_week(cx, node, what, c->name, errors0, hours, nh) < 0)
        return;
    int makeup = makeup_weekday(cx, node, nh);
    c->makeup_wday = makeup;
    plist pl = {0};
    if (parse_specials(cx, node, what, makeup, nh, &pl) < 0)
        return;
    if (cx->nerrors != errors0) {
        free(pl.items);
        return;
    }
    set_hours(c, hours, nh);
    if (set_specials(c, &pl) < 0) {
        free(pl.items);
        as__cfg_error(cx, node, "out of memory");
        return;
    }
    free(pl.items);
    if (as__calendar_build_adjust(c) < 0)
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
