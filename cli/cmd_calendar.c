/* cmd_calendar.c - aftersales calendar list|check|add */
#include "cli.h"

#include <getopt.h>
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
    "such calendar, 65 for a bad time.\n";

static const char add_help[] =
    "usage: aftersales calendar add NAME --at TIME --minutes M\n"
    "\n"
    "Print the due time: the earliest instant at which M business minutes have\n"
    "elapsed after TIME on calendar NAME (Friday 17:30 + 120 on cn-office is\n"
    "Monday 10:30).  Exit 1 if there is no such calendar, 65 for a bad time.\n";

enum { OPT_FROM = 256, OPT_TO, OPT_AT, OPT_MINUTES };

typedef struct cal_opts {
    const char *from, *to, *at, *minutes;
} cal_opts;

/* Parse options into o; returns 0 or an exit code. */
static int parse(cli *c, int argc, char **argv, const struct option *opts, cal_opts *o)
{
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_FROM:
            o->from = optarg;
            break;
        case OPT_TO:
            o->to = optarg;
            break;
        case OPT_AT:
            o->at = optarg;
            break;
        case OPT_MINUTES:
            o->minutes = optarg;
            break;
        default:
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

static int one_name(cli *c, int argc, char **argv)
{
    if (optind >= argc)
        return cli_usage(c, "which calendar? give a NAME (see 'aftersales calendar list')");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    return 0;
}

static int parse_time(cli *c, const char *what, const char *text, int64_t *out)
{
    if (as_time_parse(text, as_db_utc_offset(c->db), out) != AS_OK) {
        cli_error(c, "%s: '%s' is not a time (2026-11-24T09:00:00+08:00)", what, text);
        return EXIT_DATAERR;
    }
    return 0;
}

static void fmt_offset(char *buf, size_t n, int minutes)
{
    int a = minutes < 0 ? -minutes : minutes;
    snprintf(buf, n, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
}

static int cal_list(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(list_help, stdout), 0;
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    cal_opts o = {0};
    int code = parse(c, argc, argv, opts, &o);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
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
    if (cli_wants_help(argc, argv))
        return fputs(check_help, stdout), 0;
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {NULL, 0, NULL, 0},
    };
    cal_opts o = {0};
    int code = parse(c, argc, argv, opts, &o);
    if (code || (code = one_name(c, argc, argv)))
        return code;
    if (!o.from || !o.to)
        return cli_usage(c, "--from and --to are required");
    const char *name = argv[optind];
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    int64_t t0, t1, secs;
    if ((code = parse_time(c, "from", o.from, &t0)) || (code = parse_time(c, "to", o.to, &t1)))
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

static int cal_add(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(add_help, stdout), 0;
    static const struct option opts[] = {
        {"at", required_argument, NULL, OPT_AT},
        {"minutes", required_argument, NULL, OPT_MINUTES},
        {NULL, 0, NULL, 0},
    };
    cal_opts o = {0};
    int code = parse(c, argc, argv, opts, &o);
    if (code || (code = one_name(c, argc, argv)))
        return code;
    if (!o.at || !o.minutes)
        return cli_usage(c, "--at and --minutes are required");
    long long minutes = cli_parse_count(o.minutes);
    if (minutes < 0)
        return cli_usage(c, "--minutes must be a whole number of minutes, not '%s'", o.minutes);
    const char *name = argv[optind];
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    int64_t at, due;
    if ((code = parse_time(c, "at", o.at, &at)))
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
