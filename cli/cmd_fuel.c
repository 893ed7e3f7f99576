/* cmd_fuel.c - aftersales fuel import; aftersales profile refresh */
#include "cli.h"

#include <stdio.h>
#include <time.h>

static const char fuel_help[] =
    "usage: aftersales fuel COMMAND [ARGS]\n"
    "\n"
    "Fueling records (加油记录), keyed by the payment's transaction id.\n";

static const char import_help[] =
    "usage: aftersales fuel import [--jsonl] [--encoding utf-8|gb18030|utf-16|utf-16le|utf-16be]\n"
    "                              [--delimiter ,|tab|;|pipe] [--skip-bad] [--dry-run]\n"
    "                              [--rejects FILE [--force]] FILE|-\n"
    "\n"
    "Add fueling records from CSV with a header (tx_id,user_id,station_id,filled_at,\n"
    "grade,litres,amount_yuan and optionally odometer_km,plate,station_region) or\n"
    "JSON Lines with the same keys.  amount_yuan has at most 2 decimals (300.50),\n"
    "litres at most 3; both are read as text, never as floating point.  The user\n"
    "must exist.  A known tx_id with the same values is unchanged, with other values\n"
    "rejected.  A plate unknown so far is registered to the user; with odometer_km\n"
    "the reading is recorded and one lower than the vehicle's previous reading\n"
    "rejects the row.  Encodings, delimiters, bad rows, --skip-bad, --rejects,\n"
    "--dry-run and the summary work as for user import.\n";

static int fuel_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, as_fuel_import, import_help, 1);
}

int cmd_fuel(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"import", fuel_import, "add fueling records from CSV or JSON Lines"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "fuel", table, argc, argv, fuel_help);
}

static const char profile_help[] =
    "usage: aftersales profile COMMAND [ARGS]\n"
    "\n"
    "Derived profiles: fill-ups, intervals, segment and member tier.  Show one\n"
    "with 'aftersales user profile ID'.\n";

static const char refresh_help[] =
    "usage: aftersales profile refresh [--at TIME]\n"
    "\n"
    "Recompute every user's profile from the fueling records in one set-based\n"
    "SQL statement, with the segments and tiers of the configuration.  The\n"
    "rolling 12-month spend ends at TIME (default now).  Prints the number of\n"
    "profiles.\n";

static int profile_refresh(cli *c, int argc, char **argv)
{
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, refresh_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t n = 0;
    as_status st = as_profile_refresh(c->db, at, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "profiles", n);
    pr_time(p, "at", at);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_profile(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"refresh", profile_refresh, "recompute every profile"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "profile", table, argc, argv, profile_help);
}
