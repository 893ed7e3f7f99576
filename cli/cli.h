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

/* Print ranked knowledge base articles and free the iterator (cmd_kb.c). */
int cli_print_kb_iter(cli *c, as_kb_iter *it);

/* Group entry points. */
int cmd_init(cli *c, int argc, char **argv);
int cmd_user(cli *c, int argc, char **argv);
int cmd_vehicle(cli *c, int argc, char **argv);
int cmd_rules(cli *c, int argc, char **argv);
int cmd_backup(cli *c, int argc, char **argv);
int cmd_check(cli *c, int argc, char **argv);
int cmd_calendar(cli *c, int argc, char **argv);
int cmd_kb(cli *c, int argc, char **argv);
int cmd_feedback(cli *c, int argc, char **argv);
int cmd_demand(cli *c, int argc, char **argv);
int cmd_sentiment(cli *c, int argc, char **argv);
int cmd_ticket(cli *c, int argc, char **argv);
int cmd_sla(cli *c, int argc, char **argv);
int cmd_survey(cli *c, int argc, char **argv);
int cmd_report(cli *c, int argc, char **argv);
int cmd_fuel(cli *c, int argc, char **argv);
int cmd_profile(cli *c, int argc, char **argv);
int cmd_remind(cli *c, int argc, char **argv);
int cmd_outbox(cli *c, int argc, char **argv);

#endif
