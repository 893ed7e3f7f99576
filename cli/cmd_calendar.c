/* cmd_calendar.c - aftersales calendar list|check|add */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales calendar COMMAND [ARGS]\n"
    "\n"
    "Business calendars come from the configuration's `calendars` section:\n"
    "weekly hours, public holidays and make-up working days (调休).  The\n"
    "built-in defaults have cn-office (Mon-Fri 09:00-18:00, Chinese holidays\n"
    "of 2025 and 2026) and 24x7.\n";

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
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "calendar", name);
    pr_time(p, "from", t0);
    pr_time(p, "to", t1);
    pr_int(p, "business_minutes", secs / 60);
    pr_int(p, "business_seconds", secs);
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
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "calendar", name);
    pr_time(p, "at", at);
    pr_int(p, "minutes", minutes);
    pr_time(p, "due", due);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_calendar(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"list", cal_list, "list the configured calendars"},
        {"check", cal_check, "business minutes between two times"},
        {"add", cal_add, "the due time after some business minutes"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "calendar", table, argc, argv, group_help);
}
