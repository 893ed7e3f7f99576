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
    "                              [--delimiter ,|tab|;|pipe] [--skip-bad] [--dry-run] [--jobs N]\n"
    "                              [--rejects FILE [--force]] FILE|-\n"
    "\n"
    "Add fueling records from CSV with a header (tx_id,user_id,station_id,filled_at,\n"
    "grade,litres,amount_yuan and optionally odometer_km,plate,station_region) or\n"
    "JSON Lines with the same keys.  amount_yuan has at most 2 decimals (300.50),\n"
    "litres at most 3; both are read as text, never as floating point.  A record\n"
    "of a user not (yet) imported is kept, and counts toward that user's profile\n"
    "once the user is added (its plate is then registered and its reading\n"
    "recorded); one of an erased user is rejected.  A known tx_id with the same\n"
    "values is unchanged, with other values rejected.  A plate unknown so far is\n"
    "registered to the user; with odometer_km the reading is recorded and one lower\n"
    "than the vehicle's previous reading rejects the row.  The profiles of the\n"
    "users touched are brought up to date by the next read.  Encodings,\n"
    "delimiters, bad rows, --skip-bad, --rejects, --dry-run and the summary work\n"
    "as for user import.\n\n"
    "--jobs N: threads for a CSV file (default one per processor; 1 none);\n"
    "the outcome and the messages are the same for every N.\n";

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
    "Derived profiles: fill-ups, intervals, segment and member tier, per user and\n"
    "per vehicle.  They are never stale: every write marks the users it changes\n"
    "and every read brings those (and the ones whose figures changed with time)\n"
    "up to date.  Show one with 'aftersales user profile ID'.\n";

static const char refresh_help[] =
    "usage: aftersales profile refresh [--at TIME]\n"
    "\n"
    "The full rebuild, needed after a change of the segments or tiers\n"
    "configuration only: recompute every user's profile as of TIME (default now;\n"
    "only records at or before TIME count) in one pass over the fueling records,\n"
    "with the segments and tiers of the configuration.  Prints the number of\n"
    "profiles and config_changed: whether the stored profiles had been built\n"
    "with another configuration (or never).\n";

static const char update_help[] =
    "usage: aftersales profile update [--at TIME]\n"
    "\n"
    "Bring the stored profiles up to date for TIME (default now), recomputing\n"
    "only those that are not current: users whose records changed, profiles\n"
    "whose figures changed with time alone.  remind run does this by itself.\n"
    "Prints the number of users recomputed.\n";

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
    int changed = 0;
    as_status st = as_profile_config_changed(c->db, &changed);
    if (st == AS_OK)
        st = as_profile_refresh(c->db, at, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "profiles", n);
    pr_time(p, "at", at);
    pr_bool(p, "config_changed", changed);
    pr_end(p);
    return cli_print_end(c, p);
}

static int profile_update(cli *c, int argc, char **argv)
{
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, update_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t n = 0;
    as_status st = as_profile_update(c->db, at, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "updated", n);
    pr_time(p, "at", at);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_profile(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"refresh", profile_refresh, "recompute every profile (after a configuration change)"},
        {"update", profile_update, "bring the profiles that are not current up to date"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "profile", table, argc, argv, profile_help);
}
