/* calendar_import.c - holidays and make-up working days (调休) from an
 * iCalendar file (RFC 5545, read with libical) into the database, for a
 * configured calendar (as_calendar_import).  calendar.c adds the imported
 * days to the calendar when it is looked up.
 *
 * libical is loaded when the first import runs (dlopen), not linked: it
 * brings ICU and the C++ runtime, whose loading would cost every command of
 * the CLI about 13 ms at start (measured: 5.3 ms -> 18.7 ms for --version). */
#include "calendar_impl.h"
#include "import.h"

#include <libical/ical.h>

#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- libical, loaded on use ------------------------------------------ */

#ifndef AS_LIBICAL_SONAME
#define AS_LIBICAL_SONAME "libical.so.3"
#endif

/* The functions used, with the types of <libical/ical.h>. */
typedef struct ical_api {
    void *handle;
    icalcomponent *(*parse_string)(const char *str);
    void (*component_free)(icalcomponent *component);
    icalcomponent_kind (*isa)(const icalcomponent *component);
    icalcomponent *(*first_component)(icalcomponent *component, icalcomponent_kind kind);
    icalcomponent *(*next_component)(icalcomponent *component, icalcomponent_kind kind);
    icalproperty *(*first_property)(icalcomponent *component, icalproperty_kind kind);
    icalproperty *(*next_property)(icalcomponent *component, icalproperty_kind kind);
    struct icaltimetype (*get_dtstart)(const icalproperty *prop);
    struct icaltimetype (*get_dtend)(icalcomponent *comp);
    const char *(*get_summary)(icalcomponent *comp);
    int (*is_null_time)(const struct icaltimetype t);
    const char *(*get_categories)(const icalproperty *prop);
    void (*set_errors_are_fatal)(int fatal);
    void (*free_ring)(void);
} ical_api;

/* Look a symbol up into a function pointer (ISO C has no cast from an
 * object pointer to a function pointer: copy the bytes, as POSIX allows). */
static int sym(void *handle, const char *name, void *fp, size_t size)
{
    void *p = dlsym(handle, name);
    if (!p)
        return -1;
    memcpy(fp, &p, size);
    return 0;
}

#define SYM(api, field, name) sym((api)->handle, name, &(api)->field, sizeof (api)->field)

/* Loaded once per process and kept (what libical allocates stays
 * reachable from it; unloading it would strand those blocks). */
static ical_api ical_loaded;
static int ical_state;           /* 1 loaded, -1 failed */
static char ical_error[256];
static pthread_once_t ical_once = PTHREAD_ONCE_INIT;

static void ical_load_once(void)
{
    ical_api *api = &ical_loaded;
    api->handle = dlopen(AS_LIBICAL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!api->handle) {
        const char *e = dlerror();
        snprintf(ical_error, sizeof ical_error, "reading iCalendar files needs libical (%s): %s",
                 AS_LIBICAL_SONAME, e ? e : "not found");
        ical_state = -1;
        return;
    }
    if (SYM(api, parse_string, "icalparser_parse_string") < 0 ||
        SYM(api, component_free, "icalcomponent_free") < 0 ||
        SYM(api, isa, "icalcomponent_isa") < 0 ||
        SYM(api, first_component, "icalcomponent_get_first_component") < 0 ||
        SYM(api, next_component, "icalcomponent_get_next_component") < 0 ||
        SYM(api, first_property, "icalcomponent_get_first_property") < 0 ||
        SYM(api, next_property, "icalcomponent_get_next_property") < 0 ||
        SYM(api, get_dtstart, "icalproperty_get_dtstart") < 0 ||
        SYM(api, get_dtend, "icalcomponent_get_dtend") < 0 ||
        SYM(api, get_summary, "icalcomponent_get_summary") < 0 ||
        SYM(api, is_null_time, "icaltime_is_null_time") < 0 ||
        SYM(api, get_categories, "icalproperty_get_categories") < 0 ||
        SYM(api, set_errors_are_fatal, "icalerror_set_errors_are_fatal") < 0 ||
        SYM(api, free_ring, "icalmemory_free_ring") < 0) {
        snprintf(ical_error, sizeof ical_error, "%s lacks a function this library uses",
                 AS_LIBICAL_SONAME);
        ical_state = -1;
        return;
    }
    api->set_errors_are_fatal(0);
    ical_state = 1;
}

static as_status ical_load(as_db *db, const ical_api **api)
{
    pthread_once(&ical_once, ical_load_once);
    *api = &ical_loaded;
    if (ical_state == 1)
        return AS_OK;
    return as__fail(db, AS_IO, "%s", ical_error);
}

/* An iCalendar file bigger than this is refused (a year of holidays is a
 * few kilobytes). */
enum { MAX_ICS_BYTES = 16 * 1024 * 1024, MAX_EVENT_DAYS = 366 };

/* One day read from the file. */
typedef struct ics_day {
    int64_t day;
    int kind;                /* KIND_HOLIDAY or KIND_WORKDAY */
    uint64_t line;           /* the event's BEGIN:VEVENT line */
    const char *name;        /* the event's summary (borrowed from the parsed file) */
} ics_day;

typedef struct ics_ctx {
    const ical_api *ical;
    as_db *db;
    const char *file;
    const as_import_options *opts;
    const as__calendar *cal;     /* the configured calendar (without imports) */
    ics_day *days;
    size_t n, cap;
    int64_t problems;            /* events with a problem */
    int event_bad;               /* the current event has one */
} ics_ctx;

static void problem(ics_ctx *x, uint64_t line, const char *field, const char *fmt, ...)
    AS_PRINTF(4, 5);

static void problem(ics_ctx *x, uint64_t line, const char *field, const char *fmt, ...)
{
    char reason[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (!x->event_bad)
        x->problems++;
    if (x->opts->on_reject) {
        as_reject r = {x->file, line, field, reason, "", NULL, !x->event_bad, 0};
        x->opts->on_reject(x->opts->userdata, &r);
    }
    x->event_bad = 1;
}

/* The line of every BEGIN:VEVENT, in file order (libical keeps the order). */
static uint64_t *event_lines(const char *text, size_t *n)
{
    uint64_t *lines = NULL;
    size_t cap = 0;
    *n = 0;
    uint64_t line = 1;
    const char *p = text;
    while (*p) {
        if (strncasecmp(p, "BEGIN:VEVENT", 12) == 0 && (p[12] == '\r' || p[12] == '\n' ||
                                                         p[12] == '\0' || p[12] == ' ')) {
            if (*n == cap) {
                size_t c = cap ? cap * 2 : 64;
                uint64_t *q = realloc(lines, c * sizeof *q);
                if (!q) {
                    free(lines);
                    return NULL;
                }
                lines = q;
                cap = c;
            }
            lines[(*n)++] = line;
        }
        const char *nl = strpbrk(p, "\r\n");
        if (!nl)
            break;
        p = nl + (nl[0] == '\r' && nl[1] == '\n' ? 2 : 1);
        line++;
    }
    if (!lines)
        lines = malloc(sizeof *lines);
    return lines;
}

/* Does the text say the day is worked (补班, 上班, 工作日, workday)? */
static int says_workday(const char *s)
{
    if (!s)
        return 0;
    if (strstr(s, "班") || strstr(s, "工作日"))
        return 1;
    char low[256];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)s[i]);
    low[i] = '\0';
    return strstr(low, "workday") || strstr(low, "working day") || strstr(low, "work day") ||
           strstr(low, "makeup") || strstr(low, "make-up");
}

static int add_day(ics_ctx *x, int64_t day, int kind, uint64_t line, const char *name)
{
    if (x->n == x->cap) {
        size_t c = x->cap ? x->cap * 2 : 128;
        ics_day *p = realloc(x->days, c * sizeof *p);
        if (!p)
            return -1;
        x->days = p;
        x->cap = c;
    }
    x->days[x->n++] = (ics_day){day, kind, line, name};
    return 0;
}

static void fmt_day(char *buf, size_t n, int64_t day)
{
    fmt_date(buf, n, day);
}

/* One VEVENT: its days into x (nothing when it has a problem).  Returns
 * -1 when out of memory. */
static int read_event(ics_ctx *x, icalcomponent *ev, uint64_t line)
{
    static const char *const wnames[7] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};
    x->event_bad = 0;
    const char *summary = x->ical->get_summary(ev);
    if (x->ical->first_property(ev, ICAL_RRULE_PROPERTY)) {
        problem(x, line, "RRULE", "a recurring event%s%s%s: list each year's days (the schedule"
                " changes every year)", summary ? " (" : "", summary ? summary : "",
                summary ? ")" : "");
        return 0;
    }
    icalproperty *ds = x->ical->first_property(ev, ICAL_DTSTART_PROPERTY);
    if (!ds) {
        problem(x, line, "DTSTART", "is missing");
        return 0;
    }
    struct icaltimetype start = x->ical->get_dtstart(ds);
    struct icaltimetype end = x->ical->get_dtend(ev);
    if (x->ical->is_null_time(start) || start.year < 1900 || start.year > 9998) {
        problem(x, line, "DTSTART", "is not a date of the years 1900-9998");
        return 0;
    }
    int64_t first = as__days_from_civil(start.year, (unsigned)start.month, (unsigned)start.day);
    int64_t last = first;   /* inclusive */
    if (!x->ical->is_null_time(end)) {
        if (end.year < 1900 || end.year > 9999) {
            problem(x, line, "DTEND", "is not a date of the years 1900-9999");
            return 0;
        }
        int64_t e = as__days_from_civil(end.year, (unsigned)end.month, (unsigned)end.day);
        /* DTEND is exclusive: an all-day event ends the day before; a
         * timed one on the day it ends (unless at midnight). */
        int midnight = end.is_date || (end.hour == 0 && end.minute == 0 && end.second == 0);
        last = midnight ? e - 1 : e;
        if (last < first) {
            problem(x, line, "DTEND", "ends before the event starts");
            return 0;
        }
    }
    if (last - first + 1 > MAX_EVENT_DAYS) {
        problem(x, line, "DTEND", "the event lasts %lld days (at most %d); is a date mistyped?",
                (long long)(last - first + 1), MAX_EVENT_DAYS);
        return 0;
    }
    int kind = says_workday(summary) ? KIND_WORKDAY : KIND_HOLIDAY;
    for (icalproperty *cp = x->ical->first_property(ev, ICAL_CATEGORIES_PROPERTY); cp;
         cp = x->ical->next_property(ev, ICAL_CATEGORIES_PROPERTY))
        if (says_workday(x->ical->get_categories(cp)))
            kind = KIND_WORKDAY;
    for (int64_t d = first; d <= last; d++) {
        char date[16];
        fmt_day(date, sizeof date, d);
        for (size_t i = 0; i < x->cal->nspecial; i++)
            if (x->cal->special[i].day == d && x->cal->special[i].kind != kind) {
                problem(x, line, "DTSTART", "%s is a %s in the configuration of calendar %s",
                        date, x->cal->special[i].kind == KIND_HOLIDAY ? "holiday" : "make-up day",
                        x->cal->name);
                return 0;
            }
        int w = wday_of(d);
        if (kind == KIND_WORKDAY && x->cal->day_total[w] > 0) {
            problem(x, line, "DTSTART", "make-up day %s is a %s, already a working day of calendar"
                    " %s", date, wnames[w], x->cal->name);
            return 0;
        }
    }
    for (int64_t d = first; d <= last; d++)
        if (add_day(x, d, kind, line, summary) < 0)
            return -1;
    return 0;
}

static int cmp_day(const void *a, const void *b)
{
    const ics_day *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* Parse text into x->days (sorted, one per day).  Returns AS_OK,
 * AS_INVALID (not iCalendar: the detail says), AS_NOMEM. */
static as_status read_calendar(ics_ctx *x, const char *text, icalcomponent **root,
                               int64_t *events)
{
    *events = 0;
    icalcomponent *top = x->ical->parse_string(text);
    *root = top;
    if (!top)
        return as__fail(x->db, AS_INVALID, "%s: not an iCalendar file (no BEGIN:VCALENDAR)",
                        x->file);
    size_t nlines = 0;
    uint64_t *lines = event_lines(text, &nlines);
    if (!lines)
        return as__fail(x->db, AS_NOMEM, "out of memory");
    /* The calendars: the top component, or the ones under an XROOT. */
    icalcomponent *cals[64];
    size_t ncals = 0;
    if (x->ical->isa(top) == ICAL_VCALENDAR_COMPONENT) {
        cals[ncals++] = top;
    } else {
        for (icalcomponent *c = x->ical->first_component(top, ICAL_VCALENDAR_COMPONENT);
             c && ncals < 64; c = x->ical->next_component(top, ICAL_VCALENDAR_COMPONENT))
            cals[ncals++] = c;
    }
    if (!ncals) {
        free(lines);
        return as__fail(x->db, AS_INVALID, "%s: not an iCalendar file (no VCALENDAR)", x->file);
    }
    size_t k = 0;
    for (size_t i = 0; i < ncals; i++)
        for (icalcomponent *ev = x->ical->first_component(cals[i], ICAL_VEVENT_COMPONENT); ev;
             ev = x->ical->next_component(cals[i], ICAL_VEVENT_COMPONENT)) {
            uint64_t line = k < nlines ? lines[k] : 0;
            k++;
            (*events)++;
            if (read_event(x, ev, line) < 0) {
                free(lines);
                return as__fail(x->db, AS_NOMEM, "out of memory");
            }
        }
    free(lines);
    if (x->n > 1)
        qsort(x->days, x->n, sizeof *x->days, cmp_day);
    /* A day listed twice: the same kind is one day; holiday and make-up
     * day both is a problem of the later event. */
    size_t m = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (m && x->days[m - 1].day == x->days[i].day) {
            if (x->days[m - 1].kind != x->days[i].kind) {
                char date[16];
                fmt_day(date, sizeof date, x->days[i].day);
                x->event_bad = 0;
                problem(x, x->days[i].line, "DTSTART",
                        "%s is both a holiday and a make-up working day (line %llu)", date,
                        (unsigned long long)x->days[m - 1].line);
                /* neither is kept */
                m--;
            }
            continue;
        }
        x->days[m++] = x->days[i];
    }
    x->n = m;
    return AS_OK;
}

/* Compare the file's days with those imported before (new, changed, the
 * same, no longer listed for the file's years), and when anything differs
 * replace the imported days of those years, logging the import. */
static as_status store(ics_ctx *x, const char *name, const char *file,
                       as_calendar_import_result *r)
{
    as_db *db = x->db;
    static const char existing[] =
        "SELECT kind FROM calendar_days WHERE calendar = ?1 AND day = ?2";
    static const char in_year[] =
        "SELECT count(*) FROM calendar_days WHERE calendar = ?1 AND substr(day, 1, 4) = ?2";
    static const char del_year[] =
        "DELETE FROM calendar_days WHERE calendar = ?1 AND substr(day, 1, 4) = ?2";
    static const char log_sql[] =
        "INSERT INTO calendar_imports (calendar, source, holidays, workdays, imported_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    static const char ins[] =
        "INSERT INTO calendar_days (calendar, day, kind, name, import_id) VALUES (?1, ?2, ?3, ?4, ?5)";
    as_status s = AS_OK;
    /* Compare: what is new, changed, the same. */
    for (size_t i = 0; i < x->n && s == AS_OK; i++) {
        char date[16];
        fmt_day(date, sizeof date, x->days[i].day);
        sqlite3_stmt *st = as__stmt(db, existing);
        if (!st)
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *k = as__column_text(st, 0);
            int was = k && strcmp(k, "workday") == 0 ? KIND_WORKDAY : KIND_HOLIDAY;
            if (was == x->days[i].kind)
                r->unchanged++;
            else
                r->updated++;
        } else if (rc == SQLITE_DONE) {
            r->inserted++;
        } else {
            s = as__sqlfail(db, rc, "reading imported calendar days");
        }
        sqlite3_reset(st);
    }
    /* Days of the file's years that earlier imports gave and the file
     * no longer lists. */
    int64_t before = 0;
    for (int y = r->first_year; y && y <= r->last_year && s == AS_OK; y++) {
        char year[8];
        snprintf(year, sizeof year, "%04d", y);
        sqlite3_stmt *st = as__stmt(db, in_year);
        if (!st)
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, year, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            before += sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    r->removed = before - r->unchanged - r->updated;
    if (s != AS_OK || (!r->inserted && !r->updated && !r->removed))
        return s;   /* the same file again: nothing to write */
    sqlite3_stmt *st = as__stmt(db, log_sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->holidays);
    sqlite3_bind_int64(st, 4, r->workdays);
    sqlite3_bind_int64(st, 5, as__now());
    if ((s = as__step_done(db, st, "recording a calendar import")) != AS_OK)
        return s;
    int64_t import_id = sqlite3_last_insert_rowid(db->sql);
    for (int y = r->first_year; y && y <= r->last_year && s == AS_OK; y++) {
        char year[8];
        snprintf(year, sizeof year, "%04d", y);
        if (!(st = as__stmt(db, del_year)))
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, year, -1, SQLITE_TRANSIENT);
        s = as__step_done(db, st, "replacing imported calendar days");
    }
    for (size_t i = 0; i < x->n && s == AS_OK; i++) {
        char date[16];
        fmt_day(date, sizeof date, x->days[i].day);
        if (!(st = as__stmt(db, ins)))
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, x->days[i].kind == KIND_WORKDAY ? "workday" : "holiday", -1,
                          SQLITE_STATIC);
        as__bind_text_or_null(st, 4, x->days[i].name);
        sqlite3_bind_int64(st, 5, import_id);
        s = as__step_done(db, st, "importing calendar days");
    }
    return s;
}

/* Read all of in (at most MAX_ICS_BYTES) into a NUL-terminated string. */
static as_status slurp(as_db *db, FILE *in, const char *file, char **out)
{
    as_buf b = {0};
    char chunk[65536];
    size_t n;
    *out = NULL;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        if (b.len + n > MAX_ICS_BYTES) {
            as__buf_free(&b);
            return as__fail(db, AS_INVALID, "%s: larger than %d MiB; not a holiday calendar",
                            file, MAX_ICS_BYTES >> 20);
        }
        if (as__buf_add(&b, chunk, n) < 0) {
            as__buf_free(&b);
            return as__fail(db, AS_NOMEM, "out of memory");
        }
    }
    if (ferror(in)) {
        as__buf_free(&b);
        return as__fail(db, AS_IO, "%s: %s", file, strerror(errno));
    }
    if (as__buf_addc(&b, '\0') < 0) {
        as__buf_free(&b);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    size_t bad;
    int nul = 0;
    if ((bad = as__utf8_scan((const unsigned char *)b.data, b.len - 1, &nul)) != b.len - 1) {
        as__buf_free(&b);
        return as__fail(db, AS_INVALID, "%s: %s at byte %zu (iCalendar files are UTF-8)", file,
                        nul ? "a NUL byte" : "invalid UTF-8", bad);
    }
    *out = b.data;
    return AS_OK;
}

as_status as_calendar_import(as_db *db, const char *name, FILE *in, const char *file,
                             const as_import_options *opts, as_calendar_import_result *out)
{
    if (!db || !name || !in)
        return db ? as__fail(db, AS_MISUSE, "as_calendar_import: NULL argument") : AS_MISUSE;
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    if (opts && as__import_options_copy(&o, opts) != AS_OK)
        return as__fail(db, AS_MISUSE, "as_calendar_import: unknown options version");
    if (!file)
        file = "-";
    as_calendar_import_result r;
    memset(&r, 0, sizeof r);
    if (out)
        *out = r;
    const as__calendar *cal = as__calendar_find_cfg(as__db_config(db), name);
    if (!cal) {
        const as_config *cfg = as__db_config(db);
        as_buf b = {0};
        for (size_t i = 0; cfg->calendars && i < cfg->calendars->n; i++) {
            as__buf_adds(&b, i ? ", " : "");
            as__buf_adds(&b, cfg->calendars->items[i].name);
        }
        as_status st = as__fail(db, AS_NOTFOUND, "calendar '%s' is not in the configuration (%s)",
                                name, b.data ? b.data : "none");
        as__buf_free(&b);
        return st;
    }
    if (cal->always)
        return as__fail(db, AS_INVALID, "calendar '%s' is 24/7: it has no holidays to import",
                        name);
    char *text = NULL;
    as_status s = slurp(db, in, file, &text);
    if (s != AS_OK)
        return s;
    const ical_api *ical;
    if ((s = ical_load(db, &ical)) != AS_OK) {
        free(text);
        return s;
    }
    ics_ctx x = {ical, db, file, &o, cal, NULL, 0, 0, 0, 0};
    icalcomponent *root = NULL;
    s = read_calendar(&x, text, &root, &r.events);
    if (s == AS_OK) {
        for (size_t i = 0; i < x.n; i++) {
            int64_t y;
            unsigned m, d;
            as__civil_from_days(x.days[i].day, &y, &m, &d);
            if (!r.first_year || y < r.first_year)
                r.first_year = (int)y;
            if (y > r.last_year)
                r.last_year = (int)y;
            if (x.days[i].kind == KIND_HOLIDAY)
                r.holidays++;
            else
                r.workdays++;
        }
        if (x.problems && !(o.flags & AS_IMPORT_SKIP_BAD))
            s = as__fail(db, AS_INVALID, "%s: %lld of %lld events have problems; nothing"
                         " imported", file, (long long)x.problems, (long long)r.events);
    }
    if (s == AS_OK && (s = as__write_begin(db)) == AS_OK) {
        s = store(&x, name, file, &r);
        if (s == AS_OK) {
            r.known_until = as__calendar_known_until(as__calendar_find(db, name));
            if (o.flags & AS_IMPORT_DRY_RUN) {
                as_rollback(db);
                as__ok(db);
            } else {
                s = as__write_end(db, s);
            }
        } else {
            as__write_end(db, s);
        }
    }
    /* A rolled-back import (dry run, failure) may have shown this handle
     * days that are not there: build the calendars again when next used. */
    as__ext_set(db, AS_EXT_CALENDARS, NULL, NULL);
    if (root)
        ical->component_free(root);
    /* libical keeps the strings its getters return in a per-thread ring of
     * buffers: give them back now. */
    ical->free_ring();
    free(x.days);
    free(text);
    if (out)
        *out = r;
    return s;
}
