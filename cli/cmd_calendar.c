/* cmd_calendar.c - aftersales calendar list|check|add */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales calendar COMMAND [ARGS]\n"
    "\n"
    "Business calendars come from the configuration's `calendars` section:\n"
    "weekly hours, public holidays and make-up working days (调休), and the\n"
    "days calendar import read from iCalendar files.  The built-in defaults\n"
    "have cn-office (Mon-Fri 09:00-18:00, Chinese holidays of 2025 and 2026:\n"
    "known_until 2026) and 24x7.  A due time past the last year a calendar\n"
    "knows holidays for is warned about on stderr (and in calendar_warning).\n";

static const char list_help[] =
    "usage: aftersales calendar list\n"
    "\n"
    "List the configured calendars: name, time zone, weekly hours, business\n"
    "minutes in an ordinary week, how many holiday and make-up days are listed,\n"
    "and the first and last of them.\n";

static const char check_help[] =
    "usage: aftersales calendar check NAME --from TIME --to TIME\n"
    "\n"
    "Print the business minutes between two times on calendar NAME.  Times are\n"
    "ISO 8601 (2026-11-24T09:00:00+08:00; without an offset: the business\n"
    "zone).  A --to before --from gives a negative count.  Exit 1 if there is no\n"
    "such calendar, 64 for a malformed time.\n";

static const char add_help[] =
    "usage: aftersales calendar add NAME --at TIME --minutes M\n"
    "\n"
    "Print the due time: the earliest instant at which M business minutes have\n"
    "elapsed after TIME on calendar NAME (Friday 17:30 + 120 on cn-office is\n"
    "Monday 10:30).  M is 0 to 52704000 (100 years).  Exit 1 if there is no\n"
    "such calendar, 64 for a malformed time or M, 65 for a due time past 9999.\n";

static const char import_help[] =
    "usage: aftersales calendar import [--calendar NAME] [--skip-bad] [--dry-run] FILE|-\n"
    "\n"
    "Read holidays and make-up working days (调休) from an iCalendar file (.ics,\n"
    "as the State Council's yearly schedule is published) into the database, for\n"
    "calendar NAME (default cn-office).  Every all-day VEVENT is a holiday on\n"
    "each of its days, unless its SUMMARY or CATEGORIES say it is worked (班,\n"
    "补班, 上班, 工作日, workday): then those days are make-up days with the\n"
    "calendar's workday hours.  Use a file of days off and make-up days, not a\n"
    "calendar of observances.  The file replaces what earlier imports gave the\n"
    "years it covers, so importing it again changes nothing; a day the\n"
    "configuration lists keeps its kind.  The calendar then knows those years\n"
    "(known_until), and due times there no longer warn.\n"
    "\n"
    "Every bad event is reported as FILE:LINE: field: reason (LINE: its\n"
    "BEGIN:VEVENT): a recurring event, a missing or bad date, a day both\n"
    "holiday and make-up day, a make-up day the calendar already works, a kind\n"
    "the configuration contradicts.  If any is bad nothing is imported (exit 65)\n"
    "unless --skip-bad.  --dry-run does the work and rolls it back.  Exit 1 for\n"
    "an unknown calendar, 66 for a missing file.\n";

static void fmt_offset(char *buf, size_t n, int minutes)
{
    int a = minutes < 0 ? -minutes : minutes;
    snprintf(buf, n, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
}

static int cal_list(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_calendar_iter *it = NULL;
    as_status st = as_calendar_iter_new(&it, c->db);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_calendar_info *v;
    while ((st = as_calendar_next(it, &v)) == AS_OK) {
        char tz[16];
        fmt_offset(tz, sizeof tz, v->utc_offset);
        pr_begin(p);
        pr_str(p, "name", v->name);
        pr_bool(p, "always", v->always);
        pr_str(p, "timezone", tz);
        pr_str(p, "hours", v->hours);
        pr_int(p, "week_minutes", v->week_minutes);
        pr_int(p, "holidays", v->holidays);
        pr_int(p, "workdays", v->workdays);
        pr_str(p, "first_date", v->first_date);
        pr_str(p, "last_date", v->last_date);
        pr_str(p, "description", v->description);
        pr_int_or_null(p, "known_until", v->known_until, 0);
        pr_end(p);
    }
    as_calendar_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int cal_check(cli *c, int argc, char **argv)
{
    const char *name = NULL;
    int64_t t0 = 0, t1 = 0, secs;
    const cli_opt opts[] = {
        CLI_ARG("NAME", &name),
        CLI_TIME_REQ("from", &t0),
        CLI_TIME_REQ("to", &t1),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, check_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_status st = as_calendar_business_seconds(c->db, name, t0, t1, &secs);
    int known = 1, until = 0;
    if (st == AS_OK)
        st = as_calendar_knows(c->db, name, t0 > t1 ? t0 : t1, &known, &until);
    if (st != AS_OK)
        return cli_fail(c, st);
    char warning[200] = "";
    if (!known) {
        snprintf(warning, sizeof warning,
                 "the span reaches past %d, the last year calendar %s knows holidays for", until,
                 name);
        cli_error(c, "warning: %s (import next year's holidays: calendar import FILE.ics)",
                  warning);
    }
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "calendar", name);
    pr_time(p, "from", t0);
    pr_time(p, "to", t1);
    pr_int(p, "business_minutes", secs / 60);
    pr_int(p, "business_seconds", secs);
    pr_str(p, "calendar_warning", known ? NULL : warning);
    pr_end(p);
    return cli_print_end(c, p);
}

/* 100 years of minutes, the most as_calendar_add() takes. */
#define MAX_MINUTES (INT64_C(100) * 366 * 1440)

static int cal_add(cli *c, int argc, char **argv)
{
    const char *name = NULL;
    int64_t at = 0, minutes = 0, due;
    const cli_opt opts[] = {
        CLI_ARG("NAME", &name),
        CLI_TIME_REQ("at", &at),
        CLI_INT_REQ("minutes", "M", &minutes, 0, MAX_MINUTES),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, add_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_status st = as_calendar_add(c->db, name, at, minutes, &due);
    int known = 1, until = 0;
    if (st == AS_OK)
        st = as_calendar_knows(c->db, name, due, &known, &until);
    if (st != AS_OK)
        return cli_fail(c, st);
    char warning[200] = "";
    if (!known) {
        char d[AS_TIME_BUFSIZE];
        snprintf(warning, sizeof warning,
                 "due %s lies past %d, the last year calendar %s knows holidays for",
                 as_time_format(due, cli_utc_offset(c), d), until, name);
        cli_error(c, "warning: %s (import next year's holidays: calendar import FILE.ics)",
                  warning);
    }
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "calendar", name);
    pr_time(p, "at", at);
    pr_int(p, "minutes", minutes);
    pr_time(p, "due", due);
    pr_str(p, "calendar_warning", known ? NULL : warning);
    pr_end(p);
    return cli_print_end(c, p);
}

static void on_reject(void *ud, const as_reject *rj)
{
    cli *c = ud;
    if (rj->field)
        cli_error(c, "%s:%llu: %s: %s", rj->file, (unsigned long long)rj->line, rj->field,
                  rj->reason);
    else
        cli_error(c, "%s:%llu: %s", rj->file, (unsigned long long)rj->line, rj->reason);
}

static int cal_import(cli *c, int argc, char **argv)
{
    const char *name = "cn-office", *file = NULL;
    int skip_bad = 0, dry_run = 0;
    const cli_opt opts[] = {
        CLI_STR("calendar", "NAME", &name),
        CLI_FLAG("skip-bad", &skip_bad),
        CLI_FLAG("dry-run", &dry_run),
        CLI_ARG("FILE", &file),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, import_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    FILE *in = cli_open_input(c, file, &code);
    if (!in)
        return code;
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = (skip_bad ? AS_IMPORT_SKIP_BAD : 0) | (dry_run ? AS_IMPORT_DRY_RUN : 0);
    o.on_reject = on_reject;
    o.userdata = c;
    as_calendar_import_result r;
    as_status st = as_calendar_import(c->db, name, in, file, &o, &r);
    if (in != stdin)
        fclose(in);
    if (st != AS_OK && st != AS_INVALID)
        return cli_fail(c, st);
    if (st == AS_INVALID)
        code = cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "calendar", name);
    pr_str(p, "file", file);
    pr_int(p, "events", r.events);
    pr_int(p, "holidays", r.holidays);
    pr_int(p, "workdays", r.workdays);
    pr_int(p, "inserted", r.inserted);
    pr_int(p, "updated", r.updated);
    pr_int(p, "unchanged", r.unchanged);
    pr_int(p, "removed", r.removed);
    pr_int_or_null(p, "first_year", r.first_year, 0);
    pr_int_or_null(p, "last_year", r.last_year, 0);
    pr_int_or_null(p, "known_until", r.known_until, 0);
    pr_bool(p, "dry_run", dry_run);
    pr_bool(p, "committed", st == AS_OK && !dry_run);
    pr_end(p);
    int pc = cli_print_end(c, p);
    return code ? code : pc;
}

int cmd_calendar(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"list", cal_list, "list the configured calendars"},
        {"check", cal_check, "business minutes between two times"},
        {"add", cal_add, "the due time after some business minutes"},
        {"import", cal_import, "holidays and make-up days from an iCalendar file"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "calendar", table, argc, argv, group_help);
}
