/* cli.h - what the command files share: context, errors, exit codes. */
#ifndef AS_CLI_H
#define AS_CLI_H

#include "aftersales.h"
#include "printer.h"

#include <stdio.h>

/* Exit codes (sysexits). */
enum {
    EXIT_NOTFOUND = 1,
    EXIT_USAGE = 64,
    EXIT_DATAERR = 65,
    EXIT_NOINPUT = 66,
    EXIT_UNAVAILABLE = 69,
    EXIT_SOFTWARE = 70,
    EXIT_CANTCREAT = 73,
    EXIT_IOERR = 74,
    EXIT_TEMPFAIL = 75,
    EXIT_NOPERM = 77,
    EXIT_CONFIG = 78
};

typedef struct cli {
    const char *db_path;     /* --db, $AFTERSALES_DB, or ./aftersales.db */
    int format;              /* PR_TEXT, ... */
    int format_given;        /* --format was on the command line */
    int busy_ms;             /* --busy-timeout */
    const char *config_path; /* --config, $AFTERSALES_CONFIG, or NULL (built-in) */
    as_config *config;       /* loaded by cli_open or cli_load_config */
    char command[64];        /* "user add", for messages */
    as_db *db;
    int describe;            /* "help --options": commands print their option
                              * tables instead of running (see cli_parse) */
} cli;

/* A subcommand: argv[0] is its name. Returns the exit code. */
typedef int (*cli_fn)(cli *c, int argc, char **argv);

typedef struct cli_command {
    const char *name;
    cli_fn fn;
    const char *synopsis;    /* one line for the group's --help */
} cli_command;

/* The one place where a status becomes an exit code. */
int cli_exit_code(as_status st);

/* "aftersales <command>: <message>" on stderr. */
void cli_error(const cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report a failed library call (its detail from as_errmsg) and return the
 * exit code for st. */
int cli_fail(cli *c, as_status st);

/* Report a usage error and point at --help; returns EXIT_USAGE. */
int cli_usage(const cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Load the configuration (once); on failure reports every problem and
 * returns the exit code, else 0. */
int cli_load_config(cli *c);

/* Report a multi-line library message, one line each. */
void cli_error_lines(const cli *c, const char *text);

/* Open the database (flags: AS_OPEN_*) with the configuration; on failure
 * reports and returns the exit code, else 0. */
int cli_open(cli *c, unsigned flags);

/* Run the subcommand named by argv[0] from a table, handling --help and
 * unknown names. */
int cli_dispatch(cli *c, const char *group, const cli_command *table, int argc, char **argv,
                 const char *group_help);

/* Is argv asking for help (-h/--help anywhere before "--")? */
int cli_wants_help(int argc, char **argv);

/* ---- the one option parser (options.c) ------------------------------ */

/*
 * Every command describes its options and positional arguments in a table
 * and hands argv to cli_parse(), which
 *  - prints the command's help for -h/--help anywhere before "--";
 *  - accepts the global options (--db, --config, --format, --busy-timeout)
 *    anywhere among the command's own;
 *  - reads --name VALUE and --name=VALUE (exact names, no abbreviations),
 *    "--" ending the options, "-" being a positional (standard input);
 *  - converts and checks every value by its kind; a malformed or
 *    out-of-range value, an unknown option or a missing argument is a usage
 *    error (exit 64) whose message names the option as typed ("--limit");
 *  - in describe mode ("aftersales help --options") prints the table.
 * It returns CLI_GO when the command should go on, else the exit code to
 * return (0 after --help).
 */
#define CLI_GO (-1)

typedef enum cli_opt_kind {
    CLI_O_END = 0,
    CLI_O_FLAG,              /* int *: 1 when given */
    CLI_O_STR,               /* const char **: valid UTF-8 (checked by .check if set) */
    CLI_O_LIST,              /* cli_list *: a repeatable STR */
    CLI_O_INT,               /* int64_t *: decimal, min..max */
    CLI_O_REAL,              /* double *: finite, min..max */
    CLI_O_TIME,              /* int64_t *: as_time_parse() in the business zone */
    CLI_O_DURATION,          /* int64_t *: seconds, as_duration_parse(), min..max */
    CLI_O_CHOICE,            /* int *: the value of the named choice */
    CLI_O_YESNO,             /* int *: yes/no/true/false/1/0 -> 1/0 */
    CLI_O_ARG,               /* positional, const char ** */
    CLI_O_ARGS               /* the remaining positionals, cli_list * (at least min) */
} cli_opt_kind;

typedef struct cli_choice {
    const char *name;
    int value;
} cli_choice;

typedef struct cli_list {
    int n;
    char **v;                /* borrowed from argv; malloc'd array (cli_list_free) */
} cli_list;

/* A value check for CLI_O_STR / CLI_O_ARG: 0 when good, else -1 with the
 * reason in why ("is not a mainland mobile number"). */
typedef int (*cli_check_fn)(const char *value, char *why, size_t whysz);

typedef struct cli_opt {
    cli_opt_kind kind;
    const char *name;        /* "limit" for --limit */
    const char *metavar;     /* "N", "TIME", "ID" (positionals are named by it) */
    void *dest;
    int64_t min, max;        /* INT, DURATION, REAL (as integers), ARGS (min count) */
    const cli_choice *choices;  /* CHOICE: terminated by a NULL name */
    cli_check_fn check;      /* STR, ARG: NULL or a value check */
    const char *check_name;  /* its kind for describe: "phone", "region", ... */
    int required;            /* an option that must be given; a positional that must be there */
    int *given;              /* NULL, or set to 1 when the option was given */
} cli_opt;

#define CLI_FLAG(n, d)              {.kind = CLI_O_FLAG, .name = (n), .dest = (d)}
#define CLI_STR(n, mv, d)           {.kind = CLI_O_STR, .name = (n), .metavar = (mv), .dest = (d)}
#define CLI_STR_REQ(n, mv, d)       {.kind = CLI_O_STR, .name = (n), .metavar = (mv), .dest = (d), \
                                     .required = 1}
#define CLI_CHECKED(n, mv, d, fn, what) {.kind = CLI_O_STR, .name = (n), .metavar = (mv), \
                                     .dest = (d), .check = (fn), .check_name = (what)}
#define CLI_CHECKED_REQ(n, mv, d, fn, what) {.kind = CLI_O_STR, .name = (n), .metavar = (mv), \
                                     .dest = (d), .check = (fn), .check_name = (what), .required = 1}
#define CLI_LIST(n, mv, d)          {.kind = CLI_O_LIST, .name = (n), .metavar = (mv), .dest = (d)}
#define CLI_INT(n, mv, d, lo, hi)   {.kind = CLI_O_INT, .name = (n), .metavar = (mv), .dest = (d), \
                                     .min = (lo), .max = (hi)}
#define CLI_INT_REQ(n, mv, d, lo, hi) {.kind = CLI_O_INT, .name = (n), .metavar = (mv), \
                                     .dest = (d), .min = (lo), .max = (hi), .required = 1}
#define CLI_REAL(n, mv, d, lo, hi)  {.kind = CLI_O_REAL, .name = (n), .metavar = (mv), .dest = (d), \
                                     .min = (lo), .max = (hi)}
#define CLI_TIME(n, d)              {.kind = CLI_O_TIME, .name = (n), .metavar = "TIME", .dest = (d)}
#define CLI_TIME_REQ(n, d)          {.kind = CLI_O_TIME, .name = (n), .metavar = "TIME", .dest = (d), \
                                     .required = 1}
#define CLI_TIME_GIVEN(n, d, g)     {.kind = CLI_O_TIME, .name = (n), .metavar = "TIME", .dest = (d), \
                                     .given = (g)}
#define CLI_DURATION(n, d, lo, hi)  {.kind = CLI_O_DURATION, .name = (n), .metavar = "DURATION", \
                                     .dest = (d), .min = (lo), .max = (hi)}
#define CLI_CHOICE(n, d, ch)        {.kind = CLI_O_CHOICE, .name = (n), .dest = (d), .choices = (ch)}
#define CLI_CHOICE_REQ(n, d, ch)    {.kind = CLI_O_CHOICE, .name = (n), .dest = (d), .choices = (ch), \
                                     .required = 1}
#define CLI_YESNO(n, d, g)          {.kind = CLI_O_YESNO, .name = (n), .metavar = "yes|no", \
                                     .dest = (d), .given = (g)}
#define CLI_ARG(mv, d)              {.kind = CLI_O_ARG, .metavar = (mv), .dest = (d), .required = 1}
#define CLI_ARG_OPT(mv, d)          {.kind = CLI_O_ARG, .metavar = (mv), .dest = (d)}
#define CLI_ARG_CHECKED(mv, d, fn, what) {.kind = CLI_O_ARG, .metavar = (mv), .dest = (d), \
                                     .required = 1, .check = (fn), .check_name = (what)}
#define CLI_ARGS(mv, d, least)      {.kind = CLI_O_ARGS, .metavar = (mv), .dest = (d), .min = (least)}
#define CLI_END                     {.kind = CLI_O_END}

/* Parse argv (argv[0] is the command's name) against opts; see above. */
int cli_parse(cli *c, int argc, char **argv, const cli_opt *opts, const char *help);

/* The start of a period report: parse --from and --to (required) into q,
 * --station ID when with_station, and the command's own options (extra,
 * ended by CLI_END; NULL: none); refuse --from not before --to (64); open
 * the database read-only.  CLI_GO when the report can run, else the exit
 * code. */
int cli_period_open(cli *c, int argc, char **argv, const char *help, as_period_query *q,
                    int with_station, const cli_opt *extra);

/* Free the array of a cli_list (not the strings, which are argv's). */
void cli_list_free(cli_list *l);

/* A global option at argv[*i] (--db, --config, --format, --busy-timeout,
 * as "--name VALUE" or "--name=VALUE"): returns 1 when it was one and was
 * taken (advancing *i past its value), 0 when argv[*i] is not a global
 * option, or an exit code > 1 after reporting a bad value. */
int cli_global_option(cli *c, int argc, char **argv, int *i);

/* Value checks shared by the commands (cli_check_fn). */
int cli_check_phone(const char *v, char *why, size_t whysz);
int cli_check_region(const char *v, char *why, size_t whysz);
int cli_check_plate(const char *v, char *why, size_t whysz);
int cli_check_grade(const char *v, char *why, size_t whysz);
int cli_check_quiet_hours(const char *v, char *why, size_t whysz);
int cli_check_tracking(const char *v, char *why, size_t whysz);
int cli_check_id(const char *v, char *why, size_t whysz);

/* The business zone offset for times in and out: the open handle's, else
 * the loaded configuration's, else AS_DEFAULT_UTC_OFFSET. */
int cli_utc_offset(cli *c);

/* Open an input file argument ("-" is stdin); on failure reports and sets
 * *code.  Returns NULL on failure. */
FILE *cli_open_input(cli *c, const char *path, int *code);

/* A printer for the command's --format. */
printer *cli_printer(cli *c, int shape);

/* Finish printing; returns 0 or EXIT_IOERR on a write error. */
int cli_print_end(cli *c, printer *p);

/* Parse yes/no option values; -1 on error. */
int cli_parse_yesno(const char *s);

/* Parse a non-negative integer; -1 on error. */
long long cli_parse_count(const char *s);

/* A library import function (as_user_import, ...). */
typedef as_status (*cli_import_fn)(as_db *db, FILE *in, const char *name,
                                   const as_import_options *opts, as_import_stats *stats);

/* The whole of an import command: parses --encoding, --skip-bad, --dry-run,
 * --rejects FILE (and --jsonl when jsonl_ok), opens FILE or -, shows
 * progress on a terminal, reports rejected rows, prints the summary, and
 * returns the exit code. */
int cli_import(cli *c, int argc, char **argv, cli_import_fn fn, const char *help, int jsonl_ok);

/* The choice tables of the import options, for commands that read CSV
 * without cli_import(): --encoding (a choice's value indexes the table, its
 * name is the encoding to pass on) and --delimiter (the value is the
 * character).  Both end with a NULL name. */
const cli_choice *cli_import_encodings(void);
const cli_choice *cli_import_delimiters(void);

/* Print ranked knowledge base articles and free the iterator (cmd_kb.c). */
int cli_print_kb_iter(cli *c, as_kb_iter *it);

/* Group entry points. */
int cmd_init(cli *c, int argc, char **argv);
int cmd_user(cli *c, int argc, char **argv);
int cmd_vehicle(cli *c, int argc, char **argv);
int cmd_rules(cli *c, int argc, char **argv);
int cmd_backup(cli *c, int argc, char **argv);
int cmd_check(cli *c, int argc, char **argv);
int cmd_pay(cli *c, int argc, char **argv);
int cmd_calendar(cli *c, int argc, char **argv);
int cmd_kb(cli *c, int argc, char **argv);
int cmd_feedback(cli *c, int argc, char **argv);
int cmd_demand(cli *c, int argc, char **argv);
int cmd_sentiment(cli *c, int argc, char **argv);
int cmd_ticket(cli *c, int argc, char **argv);
int cmd_sla(cli *c, int argc, char **argv);
int cmd_survey(cli *c, int argc, char **argv);
int cmd_report(cli *c, int argc, char **argv);
/* report loyalty (cmd_loyalty.c), in the report group's table. */
int cli_report_loyalty(cli *c, int argc, char **argv);
/* report outbox and report fuel (cmd_report_ops.c), report demand (the
 * command of demand list, cmd_demand.c), in the report group's table. */
int cli_report_outbox(cli *c, int argc, char **argv);
int cli_report_fuel(cli *c, int argc, char **argv);
int cli_report_demand(cli *c, int argc, char **argv);
/* report times and report tickets (cmd_report_tickets.c), in the same table. */
int cli_report_times(cli *c, int argc, char **argv);
int cli_report_tickets(cli *c, int argc, char **argv);
/* report feedback, sentiment and urgent (cmd_feedback.c), in the same table. */
int cli_report_feedback(cli *c, int argc, char **argv);
int cli_report_sentiment(cli *c, int argc, char **argv);
int cli_report_urgent(cli *c, int argc, char **argv);
/* report html (cmd_report_html.c): the page of every report above. */
int cli_report_html(cli *c, int argc, char **argv);
int cmd_fuel(cli *c, int argc, char **argv);
int cmd_profile(cli *c, int argc, char **argv);
int cmd_remind(cli *c, int argc, char **argv);
int cmd_outbox(cli *c, int argc, char **argv);
int cmd_coupon(cli *c, int argc, char **argv);
int cmd_benefits(cli *c, int argc, char **argv);
int cmd_partner(cli *c, int argc, char **argv);
int cmd_points(cli *c, int argc, char **argv);
int cmd_package(cli *c, int argc, char **argv);
int cmd_station(cli *c, int argc, char **argv);
int cmd_trip(cli *c, int argc, char **argv);
int cmd_event(cli *c, int argc, char **argv);
int cmd_panel(cli *c, int argc, char **argv);
int cmd_proposal(cli *c, int argc, char **argv);
int cmd_post(cli *c, int argc, char **argv);
int cmd_submission(cli *c, int argc, char **argv);
int cmd_community(cli *c, int argc, char **argv);

#endif
