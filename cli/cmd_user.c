/* cmd_user.c - aftersales user add|update|show|list|import|forget */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales user COMMAND [ARGS]\n"
    "\n"
    "Users are keyed by the mini-program's id.  Phones are shown masked\n"
    "(138****8000) unless --reveal is given.\n";

static const char add_help[] =
    "usage: aftersales user add --id ID --name NAME [--phone PHONE] [--region CODE]\n"
    "                           [--consent-marketing yes|no] [--consent-service yes|no]\n"
    "                           [--quiet-hours HH:MM-HH:MM|none] [--beta-tester yes|no] [--reveal]\n"
    "\n"
    "Add a user and print it.  PHONE is a mainland mobile number (optional +86);\n"
    "CODE a 6-digit administrative division code (530102).  Marketing consent\n"
    "defaults to no, service notices to yes.  Exit 65 if the id exists or a value\n"
    "is invalid.\n";

static const char update_help[] =
    "usage: aftersales user update ID [--name NAME] [--phone PHONE] [--region CODE]\n"
    "                                 [--consent-marketing yes|no] [--consent-service yes|no]\n"
    "                                 [--quiet-hours HH:MM-HH:MM|none] [--beta-tester yes|no]\n"
    "                                 [--reveal]\n"
    "\n"
    "Change the given fields of a user and print it.  Exit 1 if there is no such user.\n";

static const char show_help[] =
    "usage: aftersales user show ID [--reveal]\n"
    "\n"
    "Print one user.  Exit 1 if there is no such user.\n";

static const char list_help[] =
    "usage: aftersales user list [--region CODE] [--segment NAME] [--tier NAME]\n"
    "                            [--after ID] [--limit N] [--reveal]\n"
    "\n"
    "List users in id order.  --region 530000 matches the whole province, 530100\n"
    "the city, 530102 the district.  --segment and --tier keep the users of that\n"
    "segment or member tier as of the last 'profile refresh'.  --after ID continues\n"
    "a listing after that id.\n";

static const char profile_help[] =
    "usage: aftersales user profile ID\n"
    "\n"
    "Print a user's derived profile as of the last 'profile refresh': fill-ups,\n"
    "median days between them, litres per fill-up, preferred grade, top stations,\n"
    "km per day (from odometer readings, else estimated), 12-month spend, points,\n"
    "last service, segment, tier and its benefits.  Exit 1 if the user is unknown\n"
    "or has no profile.\n";

static const char import_help[] =
    "usage: aftersales user import [--jsonl] [--encoding utf-8|gb18030] [--skip-bad]\n"
    "                              [--dry-run] [--rejects FILE] FILE|-\n"
    "\n"
    "Upsert users from CSV with a header (user_id,name,phone,region and optionally\n"
    "consent_marketing,consent_service,quiet_hours,beta_tester, in any order) or\n"
    "from JSON Lines (--jsonl) with the same keys.  Known ids are updated where a\n"
    "value differs; empty cells leave the stored value alone.\n"
    "\n"
    "Every bad row is reported as FILE:LINE: field: reason.  If any row is bad,\n"
    "nothing is imported (exit 65) unless --skip-bad.  --rejects FILE writes the\n"
    "bad rows there (CSV: the header plus an error column).  --dry-run does the\n"
    "real work and rolls it back.  The summary (inserted, updated, unchanged,\n"
    "rejected) goes to stderr, or to stdout as an object with --format json|jsonl.\n";

static const char forget_help[] =
    "usage: aftersales user forget ID --force\n"
    "\n"
    "Erase a user's personal data (name, phone, quiet hours, consents, plates) on\n"
    "request.  The anonymous row stays for aggregates; its id can no longer be\n"
    "given personal data.  Needs --force.\n";

static void print_user(printer *p, const as_user *u)
{
    char qh[32];
    pr_begin(p);
    pr_str(p, "user_id", u->user_id);
    pr_str(p, "name", u->name);
    pr_str(p, "phone", u->phone);
    pr_str(p, "region", u->region);
    pr_bool(p, "consent_service", u->consent_service);
    pr_bool(p, "consent_marketing", u->consent_marketing);
    if (u->quiet_start >= 0) {
        snprintf(qh, sizeof qh, "%02d:%02d-%02d:%02d", u->quiet_start / 60, u->quiet_start % 60,
                 u->quiet_end / 60, u->quiet_end % 60);
        pr_str(p, "quiet_hours", qh);
    } else {
        pr_null(p, "quiet_hours");
    }
    pr_bool(p, "beta_tester", u->beta_tester);
    pr_time(p, "created_at", u->created_at);
    pr_time(p, "updated_at", u->updated_at);
    pr_time(p, "erased_at", u->erased_at);
    pr_end(p);
}

static int show_one(cli *c, const char *id, unsigned flags)
{
    as_user *u = NULL;
    as_status st = as_user_get(&u, c->db, id, flags);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_user(p, u);
    as_user_free(u);
    return cli_print_end(c, p);
}

enum { OPT_ID = 256, OPT_NAME, OPT_PHONE, OPT_REGION, OPT_CMKT, OPT_CSVC, OPT_QUIET,
       OPT_BETA, OPT_REVEAL, OPT_LIMIT, OPT_AFTER, OPT_FORCE, OPT_SEGMENT, OPT_TIER };

/* Options shared by add and update; fills in.  Returns 0 or an exit code. */
static int parse_user_opts(cli *c, int argc, char **argv, int with_id, as_user_input *in,
                           unsigned *flags)
{
    static const struct option opts[] = {
        {"id", required_argument, NULL, OPT_ID},
        {"name", required_argument, NULL, OPT_NAME},
        {"phone", required_argument, NULL, OPT_PHONE},
        {"region", required_argument, NULL, OPT_REGION},
        {"consent-marketing", required_argument, NULL, OPT_CMKT},
        {"consent-service", required_argument, NULL, OPT_CSVC},
        {"quiet-hours", required_argument, NULL, OPT_QUIET},
        {"beta-tester", required_argument, NULL, OPT_BETA},
        {"reveal", no_argument, NULL, OPT_REVEAL},
        {NULL, 0, NULL, 0},
    };
    int o, v;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case OPT_ID:
            if (!with_id)
                return cli_usage(c, "the id is an argument here, not --id");
            in->user_id = optarg;
            break;
        case OPT_NAME:
            in->fields |= AS_USER_NAME;
            in->name = optarg;
            break;
        case OPT_PHONE:
            in->fields |= AS_USER_PHONE;
            in->phone = optarg;
            break;
        case OPT_REGION:
            in->fields |= AS_USER_REGION;
            in->region = optarg;
            break;
        case OPT_CMKT:
        case OPT_CSVC:
        case OPT_BETA:
            if ((v = cli_parse_yesno(optarg)) < 0)
                return cli_usage(c, "%s must be yes or no, not '%s'", argv[optind - 1], optarg);
            if (o == OPT_CMKT) {
                in->fields |= AS_USER_CONSENT_MARKETING;
                in->consent_marketing = v;
            } else if (o == OPT_CSVC) {
                in->fields |= AS_USER_CONSENT_SERVICE;
                in->consent_service = v;
            } else {
                in->fields |= AS_USER_BETA_TESTER;
                in->beta_tester = v;
            }
            break;
        case OPT_QUIET:
            in->fields |= AS_USER_QUIET_HOURS;
            if (strcmp(optarg, "none") == 0) {
                in->quiet_start = in->quiet_end = -1;
            } else if (as_quiet_hours_parse(optarg, &in->quiet_start, &in->quiet_end) != AS_OK) {
                cli_error(c, "quiet_hours: '%s' is not a window such as 22:00-08:00", optarg);
                return EXIT_DATAERR;
            }
            break;
        case OPT_REVEAL:
            *flags |= AS_REVEAL;
            break;
        default:
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

static int user_add(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(add_help, stdout), 0;
    as_user_input in = AS_USER_INPUT_INIT;
    unsigned flags = 0;
    int code = parse_user_opts(c, argc, argv, 1, &in, &flags);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if (!in.user_id)
        return cli_usage(c, "--id is required");
    if (!(in.fields & AS_USER_NAME))
        return cli_usage(c, "--name is required");
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_user_add(c->db, &in);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_one(c, in.user_id, flags);
}

static int user_update(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(update_help, stdout), 0;
    as_user_input in = AS_USER_INPUT_INIT;
    unsigned flags = 0;
    int code = parse_user_opts(c, argc, argv, 0, &in, &flags);
    if (code)
        return code;
    if (optind >= argc)
        return cli_usage(c, "which user? give an ID");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    in.user_id = argv[optind];
    if (!in.fields)
        return cli_usage(c, "nothing to change: give at least one option");
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_user_update(c->db, &in);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_one(c, in.user_id, flags);
}

/* Parse options that take no value or one, for the simple subcommands. */
static int simple_opts(cli *c, int argc, char **argv, const struct option *opts,
                       int (*on)(cli *, int, const char *, void *), void *ctx)
{
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == '?' || o == ':')
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        int code = on(c, o, optarg, ctx);
        if (code)
            return code;
    }
    return 0;
}

static int show_opt(cli *c, int o, const char *arg, void *ctx)
{
    (void)c;
    (void)arg;
    if (o == OPT_REVEAL)
        *(unsigned *)ctx |= AS_REVEAL;
    return 0;
}

static int user_show(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(show_help, stdout), 0;
    static const struct option opts[] = {{"reveal", no_argument, NULL, OPT_REVEAL},
                                         {NULL, 0, NULL, 0}};
    unsigned flags = 0;
    int code = simple_opts(c, argc, argv, opts, show_opt, &flags);
    if (code)
        return code;
    if (optind >= argc)
        return cli_usage(c, "which user? give an ID");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_one(c, argv[optind], flags);
}

static int list_opt(cli *c, int o, const char *arg, void *ctx)
{
    as_user_query *q = ctx;
    switch (o) {
    case OPT_REGION:
        q->region = arg;
        break;
    case OPT_AFTER:
        q->after_id = arg;
        break;
    case OPT_LIMIT:
        if ((q->limit = cli_parse_count(arg)) < 1)
            return cli_usage(c, "--limit must be a positive number, not '%s'", arg);
        break;
    case OPT_REVEAL:
        q->flags |= AS_REVEAL;
        break;
    case OPT_SEGMENT:
        q->segment = arg;
        break;
    case OPT_TIER:
        q->tier = arg;
        break;
    }
    return 0;
}

static int user_list(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(list_help, stdout), 0;
    static const struct option opts[] = {
        {"region", required_argument, NULL, OPT_REGION},
        {"after", required_argument, NULL, OPT_AFTER},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"reveal", no_argument, NULL, OPT_REVEAL},
        {"segment", required_argument, NULL, OPT_SEGMENT},
        {"tier", required_argument, NULL, OPT_TIER},
        {NULL, 0, NULL, 0},
    };
    as_user_query q = AS_USER_QUERY_INIT;
    int code = simple_opts(c, argc, argv, opts, list_opt, &q);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_user_iter *it;
    as_status st = as_user_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_user *u;
    while ((st = as_user_next(it, &u)) == AS_OK)
        print_user(p, u);
    as_user_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int user_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, as_user_import, import_help, 1);
}

static int forget_opt(cli *c, int o, const char *arg, void *ctx)
{
    (void)c;
    (void)arg;
    if (o == OPT_FORCE)
        *(int *)ctx = 1;
    return 0;
}

static int user_forget(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(forget_help, stdout), 0;
    static const struct option opts[] = {{"force", no_argument, NULL, OPT_FORCE},
                                         {NULL, 0, NULL, 0}};
    int force = 0;
    int code = simple_opts(c, argc, argv, opts, forget_opt, &force);
    if (code)
        return code;
    if (optind >= argc)
        return cli_usage(c, "which user? give an ID");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    if (!force)
        return cli_usage(c, "erasing '%s' cannot be undone; add --force", argv[optind]);
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_user_forget(c->db, argv[optind]);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_one(c, argv[optind], 0);
}

static int user_profile(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(profile_help, stdout), 0;
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    unsigned flags = 0;
    int code = simple_opts(c, argc, argv, opts, show_opt, &flags);
    if (code)
        return code;
    if (optind >= argc)
        return cli_usage(c, "which user? give an ID");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_profile *pf = NULL;
    as_status st = as_profile_get(&pf, c->db, argv[optind]);
    if (st != AS_OK)
        return cli_fail(c, st);
    char num[64];
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "user_id", pf->user_id);
    pr_int(p, "fillups", pf->fillups);
    pr_time(p, "first_at", pf->first_at);
    pr_time(p, "last_at", pf->last_at);
    if (pf->median_interval_s >= 0) {
        snprintf(num, sizeof num, "%.1f", (double)pf->median_interval_s / 86400.0);
        pr_str(p, "median_interval_days", num);
    } else {
        pr_null(p, "median_interval_days");
    }
    snprintf(num, sizeof num, "%lld.%03lld", (long long)(pf->litres_ml_per_fill / 1000),
             (long long)(pf->litres_ml_per_fill % 1000));
    pr_str(p, "litres_per_fill", num);
    pr_str(p, "preferred_grade", pf->preferred_grade);
    pr_str(p, "top_stations", pf->top_stations);
    pr_int(p, "stations", pf->stations);
    pr_int(p, "cities", pf->cities);
    if (pf->km_per_day >= 0) {
        snprintf(num, sizeof num, "%.1f", pf->km_per_day);
        pr_str(p, "km_per_day", num);
    } else {
        pr_null(p, "km_per_day");
    }
    pr_str(p, "km_source", pf->km_source);
    snprintf(num, sizeof num, "%lld.%02lld", (long long)(pf->spend_12m_fen / 100),
             (long long)(pf->spend_12m_fen % 100));
    pr_str(p, "spend_12m_yuan", num);
    pr_int(p, "points", pf->points);
    pr_time(p, "last_service_at", pf->last_service_at);
    if (pf->last_service_km >= 0)
        pr_int(p, "last_service_km", pf->last_service_km);
    else
        pr_null(p, "last_service_km");
    pr_str(p, "segment", pf->segment);
    pr_str(p, "tier", pf->tier);
    pr_str(p, "tier_benefits", pf->tier_benefits);
    pr_time(p, "refreshed_at", pf->refreshed_at);
    pr_end(p);
    as_profile_free(pf);
    return cli_print_end(c, p);
}

int cmd_user(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", user_add, "add a user"},
        {"update", user_update, "change a user's fields"},
        {"show", user_show, "show one user"},
        {"list", user_list, "list users"},
        {"import", user_import, "upsert users from CSV or JSON Lines"},
        {"forget", user_forget, "erase a user's personal data (PIPL)"},
        {"profile", user_profile, "show a user's derived profile"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "user", table, argc, argv, group_help);
}
