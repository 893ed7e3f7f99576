/* main.c - global options, the command table, and the shared CLI helpers. */
#include "cli.h"

#include <sqlite3.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: aftersales [--db PATH] [--config FILE] [--format text|tsv|json|jsonl]\n"
    "                  [--busy-timeout MS] COMMAND [ARGS]\n"
    "       aftersales help [--options | COMMAND [SUBCOMMAND]]\n"
    "\n"
    "After-sales service data of a fuel-station payment mini-program, in one\n"
    "SQLite file.\n"
    "\n"
    "Commands:\n"
    "  init       create the database, or upgrade its schema\n"
    "  user       add, update, show, list, import and forget users\n"
    "  vehicle    vehicles and their odometer readings\n"
    "  feedback   import, show, list and score customer feedback\n"
    "  demand     suggestions grouped into topics; link and ship them\n"
    "  fuel       import fueling records\n"
    "  profile    recompute derived profiles, segments and tiers\n"
    "  remind     evaluate reminder rules; weather alerts\n"
    "  outbox     pull, acknowledge and fail notifications\n"
    "  coupon     the coupon wallet: issue, list, show, redeem, void, expire\n"
    "  benefits   the member tiers' monthly grants\n"
    "  partner    partner offers: list, issue after fill-ups, redeem, report\n"
    "  pay        settle a payment: its coupons, then the user's plan\n"
    "  points     the points ledger: balances, statements, redemption, expiry\n"
    "  rules      check a configuration file\n"
    "  backup     copy the database safely while others write\n"
    "  check      verify the database (integrity, foreign keys, schema)\n"
    "  calendar   business calendars: business minutes and due times\n"
    "  kb         knowledge base articles: add, import, search, stats\n"
    "  sentiment  score text, manage the lexicon, train and evaluate the model\n"
    "  ticket     open, route, answer, resolve and track support tickets\n"
    "  sla        the escalation sweep: tickets at risk and in breach\n"
    "  survey     satisfaction surveys after a resolution\n"
    "  report     SLA attainment, CSAT and loyalty reports\n"
    "  package    monthly plans (月省计划): quote, subscribe, cancel\n"
    "  station    the station registry: import, show, list, near\n"
    "  trip       trip planning (旅程规划): fuel stops along a route\n"
    "  event      community events: registration, waitlist, check-in, attendance\n"
    "  panel      the advisory panel (用户顾问团): its members\n"
    "  proposal   proposals to the panel: options, one vote per member, results\n"
    "  post       community posts: write, moderate, review, feature\n"
    "  submission co-creation submissions (tips, videos): adopt, decline\n"
    "  community  the community's boards and ambassador candidates\n"
    "  help       show this text, or a command's: aftersales help user\n"
    "\n"
    "Options:\n"
    "  --db PATH        database file (default: $AFTERSALES_DB, else ./aftersales.db)\n"
    "  --config FILE    configuration (default: $AFTERSALES_CONFIG, else built in)\n"
    "  --format FORMAT  output: text (default), tsv, json or jsonl\n"
    "  --busy-timeout MS  wait this long for another writer (default 10000)\n"
    "  -h, --help       this text\n"
    "  --version        print the version\n"
    "  --format-version print the version of the JSON output contract\n"
    "\n"
    "The options above may also follow the command (aftersales user list\n"
    "--format json).  'aftersales help --options' lists every command's\n"
    "options as TSV.\n"
    "\n"
    "Every command takes --help.  Exit codes: 0 ok, 1 not found, 64 usage,\n"
    "65 bad input data, 66 input file missing, 69 not an aftersales database,\n"
    "70 internal error, 73 cannot create, 74 I/O error, 75 busy (retry),\n"
    "77 permission denied, 78 schema too new or bad configuration.\n"
    "See aftersales(1).\n";

static const cli_command commands[] = {
    {"init", cmd_init, "create the database, or upgrade its schema"},
    {"user", cmd_user, "users"},
    {"vehicle", cmd_vehicle, "vehicles and odometer readings"},
    {"feedback", cmd_feedback, "customer feedback"},
    {"demand", cmd_demand, "demand mining"},
    {"fuel", cmd_fuel, "fueling records"},
    {"profile", cmd_profile, "derived profiles"},
    {"remind", cmd_remind, "reminder rules"},
    {"outbox", cmd_outbox, "notifications for the integrator"},
    {"coupon", cmd_coupon, "the coupon wallet: issue, list, redeem, void"},
    {"benefits", cmd_benefits, "the member tiers' monthly grants"},
    {"partner", cmd_partner, "partner offers: issue, redeem, report"},
    {"points", cmd_points, "the points ledger"},
    {"rules", cmd_rules, "check a configuration file"},
    {"backup", cmd_backup, "copy the database safely while others write"},
    {"check", cmd_check, "verify the database"},
    {"pay", cmd_pay, "settle a payment: coupons, then the plan"},
    {"calendar", cmd_calendar, "business calendars"},
    {"kb", cmd_kb, "knowledge base"},
    {"sentiment", cmd_sentiment, "explainable sentiment of feedback text"},
    {"ticket", cmd_ticket, "tickets"},
    {"sla", cmd_sla, "SLA escalation sweep"},
    {"survey", cmd_survey, "satisfaction surveys"},
    {"report", cmd_report, "reports"},
    {"package", cmd_package, "monthly plans (月省计划)"},
    {"station", cmd_station, "the station registry"},
    {"trip", cmd_trip, "trip planning: fuel stops along a route"},
    {"event", cmd_event, "community events (车友会, 节油挑战赛)"},
    {"panel", cmd_panel, "the advisory panel (用户顾问团)"},
    {"proposal", cmd_proposal, "proposals to the advisory panel"},
    {"post", cmd_post, "community posts and their moderation"},
    {"submission", cmd_submission, "co-creation submissions"},
    {"community", cmd_community, "boards and ambassador candidates"},
    {NULL, NULL, NULL},
};

/* ---- shared helpers ------------------------------------------------ */

int cli_exit_code(as_status st)
{
    switch (st) {
    case AS_OK:
    case AS_DONE:
        return 0;
    case AS_NOTFOUND:
        return EXIT_NOTFOUND;
    case AS_EXISTS:
    case AS_INVALID:
    case AS_CORRUPT:         /* the database's data is bad: 65, as a failed check */
        return EXIT_DATAERR;
    case AS_NOFILE:
        return EXIT_NOINPUT;
    case AS_NOTOURS:
        return EXIT_UNAVAILABLE;
    case AS_SCHEMA_TOO_NEW:
    case AS_CONFIG:
        return EXIT_CONFIG;
    case AS_BUSY:
        return EXIT_TEMPFAIL;
    case AS_READONLY:
    case AS_PERM:
        return EXIT_NOPERM;
    case AS_CANTCREATE:
        return EXIT_CANTCREAT;
    case AS_IO:
        return EXIT_IOERR;
    case AS_MISUSE:
    case AS_NOMEM:
    case AS_INTERNAL:
    case AS_STATUS_LAST:
        break;
    }
    return EXIT_SOFTWARE;
}

static void verror(const cli *c, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "aftersales%s%s: ", c && c->command[0] ? " " : "", c ? c->command : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(c, fmt, ap);
    va_end(ap);
}

int cli_fail(cli *c, as_status st)
{
    const char *detail = c->db ? as_errmsg(c->db) : "";
    if (detail[0])
        cli_error(c, "%s", detail);
    else
        cli_error(c, "%s", as_status_string(st));
    return cli_exit_code(st);
}

int cli_usage(const cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(c, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'aftersales %s%s--help'.\n", c->command, c->command[0] ? " " : "");
    return EXIT_USAGE;
}

void cli_error_lines(const cli *c, const char *text)
{
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, "\n");
        cli_error(c, "%.*s", (int)n, p);
        p += n;
        if (*p)
            p++;
    }
}

int cli_load_config(cli *c)
{
    if (c->config)
        return 0;
    char *err = NULL;
    as_status st = as_config_load(&c->config, c->config_path, &err);
    if (st != AS_OK) {
        cli_error_lines(c, err ? err : as_status_string(st));
        as_free(err);
        return cli_exit_code(st);
    }
    return 0;
}

int cli_open(cli *c, unsigned flags)
{
    if (c->describe) {
        cli_error(c, "internal: the command opened the database before describing its options");
        return EXIT_SOFTWARE;
    }
    int code = cli_load_config(c);
    if (code)
        return code;
    as_open_options opts = AS_OPEN_OPTIONS_INIT;
    opts.flags = flags;
    opts.busy_timeout_ms = c->busy_ms;
    opts.config = c->config;
    char *err = NULL;
    as_status st = as_open(&c->db, c->db_path, &opts, &err);
    if (st != AS_OK) {
        cli_error(c, "%s", err ? err : as_status_string(st));
        as_free(err);
        return cli_exit_code(st);
    }
    return 0;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    }
    return 0;
}

int cli_dispatch(cli *c, const char *group, const cli_command *table, int argc, char **argv,
                 const char *group_help)
{
    snprintf(c->command, sizeof c->command, "%s", group);
    if (c->describe) {
        /* help --options: every subcommand describes its options. */
        int code = 0;
        for (const cli_command *t = table; t->name && code == 0; t++) {
            char *sub_argv[] = {(char *)t->name, NULL};
            snprintf(c->command, sizeof c->command, "%s %s", group, t->name);
            code = t->fn(c, 1, sub_argv);
        }
        return code;
    }
    /* Global options may stand between the group and the subcommand. */
    int i = 1, code;
    while (i < argc && (code = cli_global_option(c, argc, argv, &i)) != 0) {
        if (code > 1)
            return code;
        i++;
    }
    if (i >= argc || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
        strcmp(argv[i], "help") == 0) {
        FILE *out = i >= argc ? stderr : stdout;
        fputs(group_help, out);
        fputs("\nCommands:\n", out);
        for (const cli_command *t = table; t->name; t++)
            fprintf(out, "  %s %-10s %s\n", group, t->name, t->synopsis);
        fprintf(out, "\nRun 'aftersales %s COMMAND --help' for a command's options.\n", group);
        return i >= argc ? EXIT_USAGE : 0;
    }
    for (const cli_command *t = table; t->name; t++) {
        if (strcmp(argv[i], t->name) == 0) {
            snprintf(c->command, sizeof c->command, "%s %s", group, t->name);
            return t->fn(c, argc - i, argv + i);
        }
    }
    return cli_usage(c, "unknown command '%s'", argv[i]);
}

FILE *cli_open_input(cli *c, const char *path, int *code)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        cli_error(c, "%s: %s", path, strerror(e));
        *code = e == ENOENT || e == ENOTDIR ? EXIT_NOINPUT
                : e == EACCES || e == EPERM ? EXIT_NOPERM
                                            : EXIT_IOERR;
    }
    return f;
}

printer *cli_printer(cli *c, int shape)
{
    if (c->describe) {
        cli_error(c, "internal: the command printed before describing its options");
        exit(EXIT_SOFTWARE);
    }
    printer *p = pr_new(stdout, c->format, shape, cli_utc_offset(c));
    if (!p) {
        cli_error(c, "out of memory");
        exit(EXIT_SOFTWARE);
    }
    return p;
}

int cli_print_end(cli *c, printer *p)
{
    if (pr_finish(p) != 0) {
        cli_error(c, "writing the output failed");
        return EXIT_IOERR;
    }
    return 0;
}

int cli_parse_yesno(const char *s)
{
    if (strcmp(s, "yes") == 0 || strcmp(s, "y") == 0 || strcmp(s, "true") == 0 ||
        strcmp(s, "1") == 0)
        return 1;
    if (strcmp(s, "no") == 0 || strcmp(s, "n") == 0 || strcmp(s, "false") == 0 ||
        strcmp(s, "0") == 0)
        return 0;
    return -1;
}

long long cli_parse_count(const char *s)
{
    char *end;
    errno = 0;
    if (!s[0] || s[0] == '-' || s[0] == '+')
        return -1;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    return v;
}

/* ---- init ---------------------------------------------------------- */

static const char init_help[] =
    "usage: aftersales [--db PATH] init\n"
    "\n"
    "Create the database file (readable by its owner only) with the newest\n"
    "schema, or upgrade an older one in place.  Running it again is harmless.\n"
    "Prints the path and the schema version.\n";

int cmd_init(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, init_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_CREATE)))
        return code;
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "path", c->db_path);
    pr_int(p, "schema_version", as_db_schema_version(c->db));
    pr_str(p, "library_version", as_version());
    pr_end(p);
    return cli_print_end(c, p);
}

/* ---- main ---------------------------------------------------------- */

/* aftersales help [--options | GROUP [COMMAND]] */
static int help(cli *c, int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--options") == 0) {
        /* Every command's options, one per line (TSV): command, option,
         * kind, metavar, detail, required.  For scripts and the tests. */
        if (argc > 2)
            return cli_usage(c, "unexpected argument '%s'", argv[2]);
        c->describe = 1;
        int code = 0;
        for (const cli_command *t = commands; t->name && code == 0; t++) {
            char *sub_argv[] = {(char *)t->name, NULL};
            snprintf(c->command, sizeof c->command, "%s", t->name);
            code = t->fn(c, 1, sub_argv);
        }
        return code;
    }
    for (const cli_command *t = commands; t->name; t++) {
        if (strcmp(argv[1], t->name) != 0)
            continue;
        if (argc > 3)
            return cli_usage(c, "unexpected argument '%s'", argv[3]);
        char *help_argv[] = {argv[1], argc > 2 ? argv[2] : "--help", "--help", NULL};
        snprintf(c->command, sizeof c->command, "%s", t->name);
        return t->fn(c, argc > 2 ? 3 : 2, help_argv);
    }
    return cli_usage(c, "no command '%s'", argv[1]);
}

int main(int argc, char **argv)
{
    /* Before SQLite starts: no global statistics of its allocations.  They
     * cost a process-wide mutex on every allocation, which threads of one
     * command (the profile pass) would fight over. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    cli c = {0};
    c.format = PR_TEXT;
    c.busy_ms = 10000;
    c.db_path = getenv("AFTERSALES_DB");
    if (!c.db_path || !c.db_path[0])
        c.db_path = "aftersales.db";
    c.config_path = getenv("AFTERSALES_CONFIG");
    if (c.config_path && !c.config_path[0])
        c.config_path = NULL;

    int i = 1, code;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("aftersales %s (schema %d, format %d)\n", as_version(), as_schema_version(),
                   PR_FORMAT_VERSION);
            return 0;
        }
        if (strcmp(a, "--format-version") == 0) {
            printf("%d\n", PR_FORMAT_VERSION);
            return 0;
        }
        if ((code = cli_global_option(&c, argc, argv, &i)) > 1)
            return code;
        if (code == 0)
            return cli_usage(&c, "unknown option '%s'", a);
    }
    if (i >= argc) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[i];
    code = -1;
    if (strcmp(name, "help") == 0) {
        code = help(&c, argc - i, argv + i);
    } else {
        for (const cli_command *t = commands; t->name; t++) {
            if (strcmp(name, t->name) == 0) {
                snprintf(c.command, sizeof c.command, "%s", name);
                code = t->fn(&c, argc - i, argv + i);
                break;
            }
        }
    }
    if (code < 0)
        code = cli_usage(&c, "unknown command '%s'", name);
    as_close(c.db);
    as_config_free(c.config);
    if (fflush(stdout) != 0 && code == 0) {
        fprintf(stderr, "aftersales: writing the output failed\n");
        code = EXIT_IOERR;
    }
    return code;
}
