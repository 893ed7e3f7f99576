/* cmd_points.c - aftersales points balance|statement|adjust|redeem|expire|earn */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char group_help[] =
    "usage: aftersales points COMMAND [ARGS]\n"
    "\n"
    "The points ledger: an append-only record of every change of a user's points.\n"
    "Fueling records earn points when they are imported (tiers.points_per_yuan per\n"
    "whole yuan, times the tier's points_multiplier), answered surveys earn\n"
    "points.survey; points lapse points.expire_after_months after they were\n"
    "earned, those that lapse first being used first.\n";

static const char balance_help[] =
    "usage: aftersales points balance USER [--at TIME]\n"
    "\n"
    "Print USER's points as of TIME (default now): only ledger rows at or before\n"
    "TIME count, and points that had lapsed by TIME are never in the balance,\n"
    "whether or not 'points expire' has written them off yet (they show as\n"
    "lapsed).  Exit 1 if the user does not exist.\n";

static const char statement_help[] =
    "usage: aftersales points statement --user USER [--from TIME] [--to TIME]\n"
    "\n"
    "List USER's ledger rows from TIME to TIME (both included; default: all), in\n"
    "time order, each with the ledger's running sum.  Exit 1 if the user does not\n"
    "exist, 64 if --from is after --to.\n";

static const char adjust_help[] =
    "usage: aftersales points adjust USER --points N --reason TEXT [--at TIME]\n"
    "\n"
    "A manual adjustment of N points (non-zero; negative takes points away) at\n"
    "TIME (default now), with the reason (required).  Points added lapse like\n"
    "earned ones; points taken away come from those that lapse first, and never\n"
    "below zero (exit 65).  Prints the row and the balance after it.  Exit 1 if\n"
    "the user does not exist.\n";

static const char redeem_help[] =
    "usage: aftersales points redeem USER --points N [--ref REF] [--at TIME]\n"
    "\n"
    "Spend N points (1 or more) of USER at TIME (default now), those that lapse\n"
    "first first.  More than the balance is refused (exit 65), also when two\n"
    "processes redeem at once.  REF (an id, e.g. the order number) makes it\n"
    "idempotent: the same redemption again prints the row written the first time\n"
    "and writes nothing; REF used by another user or amount is exit 65.  Prints\n"
    "the row and the balance after it.  Exit 1 if the user does not exist.\n";

static const char expire_help[] =
    "usage: aftersales points expire [--at TIME]\n"
    "\n"
    "Write off the points that lapsed by TIME (default now): one expire row per\n"
    "user.  Running it again writes nothing.  Balances never count lapsed points,\n"
    "so this only brings the ledger up to date (for statements and reports).\n";

static const char earn_help[] =
    "usage: aftersales points earn [--at TIME]\n"
    "\n"
    "Award the points that fueling records at or before TIME (default now) have\n"
    "not earned yet, as the fueling import would have (a database imported\n"
    "before the ledger existed).  Running it again writes nothing.\n";

#define MAX_POINTS 1000000000000LL

static void print_balance_fields(printer *p, const as_points_balance *b)
{
    pr_int(p, "balance", b->balance);
    pr_int(p, "ledger", b->ledger);
    pr_int(p, "lapsed", b->lapsed);
    pr_int(p, "earned", b->earned);
    pr_int(p, "adjusted", b->adjusted);
    pr_int(p, "redeemed", b->redeemed);
    pr_int(p, "expired", b->expired);
    pr_time(p, "next_expiry_at", b->next_expiry_at);
    pr_int(p, "next_expiry_points", b->next_expiry_points);
}

static int points_balance(cli *c, int argc, char **argv)
{
    const char *user = NULL;
    int64_t at = 0;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("USER", &user, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, balance_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_points_balance b;
    as_status st = as_points_balance_get(c->db, user, at ? at : (int64_t)time(NULL), &b);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "user_id", user);
    pr_time(p, "at", b.at);
    print_balance_fields(p, &b);
    pr_end(p);
    return cli_print_end(c, p);
}

static void print_entry(printer *p, const as_points_entry *e)
{
    pr_begin(p);
    pr_int(p, "id", e->id);
    pr_str(p, "user_id", e->user_id);
    pr_time(p, "at", e->at);
    pr_str(p, "kind", as_points_kind_name(e->kind));
    pr_int(p, "points", e->points);
    pr_str(p, "ref", e->ref);
    pr_str(p, "reason", e->reason);
    pr_time(p, "expires_at", e->expires_at);
    pr_int(p, "ledger", e->balance);
    pr_time(p, "created_at", e->created_at);
    pr_end(p);
}

static int points_statement(cli *c, int argc, char **argv)
{
    const char *user = NULL;
    int64_t from = 0, to = 0;
    int from_given = 0, to_given = 0;
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("user", "ID", &user, cli_check_id, "id"),
        CLI_TIME_GIVEN("from", &from, &from_given),
        CLI_TIME_GIVEN("to", &to, &to_given),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, statement_help);
    if (code != CLI_GO)
        return code;
    if (from_given && to_given && from > to)
        return cli_usage(c, "--from is after --to");
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_points_query q = AS_POINTS_QUERY_INIT;
    q.user_id = user;
    q.from = from;   /* 0 (not given): no bound */
    q.to = to;
    as_points_iter *it;
    as_status st = as_points_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_points_entry *e;
    while ((st = as_points_next(it, &e)) == AS_OK)
        print_entry(p, e);
    as_points_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

/* After a write: the row and the user's balance at its time. */
static int print_written(cli *c, const char *user, int64_t entry_id, int64_t at)
{
    as_points_query q = AS_POINTS_QUERY_INIT;
    q.user_id = user;
    q.from = at;
    q.to = at;
    as_points_iter *it;
    as_status st = as_points_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    const as_points_entry *e = NULL, *found = NULL;
    while ((st = as_points_next(it, &e)) == AS_OK)
        if (e->id == entry_id) {
            found = e;
            break;
        }
    as_points_balance b;
    as_status bs = as_points_balance_get(c->db, user, at, &b);
    if (!found || bs != AS_OK) {
        as_points_iter_free(it);
        return cli_fail(c, !found ? (st == AS_DONE ? AS_INTERNAL : st) : bs);
    }
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "id", found->id);
    pr_str(p, "user_id", found->user_id);
    pr_time(p, "at", found->at);
    pr_str(p, "kind", as_points_kind_name(found->kind));
    pr_int(p, "points", found->points);
    pr_str(p, "ref", found->ref);
    pr_str(p, "reason", found->reason);
    pr_time(p, "expires_at", found->expires_at);
    pr_obj_begin(p, "balance");
    print_balance_fields(p, &b);
    pr_obj_end(p);
    pr_end(p);
    as_points_iter_free(it);
    return cli_print_end(c, p);
}

static int points_adjust(cli *c, int argc, char **argv)
{
    const char *user = NULL, *reason = NULL;
    int64_t points = 0, at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("USER", &user, cli_check_id, "id"),
        CLI_INT_REQ("points", "N", &points, -MAX_POINTS, MAX_POINTS),
        CLI_STR_REQ("reason", "TEXT", &reason),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, adjust_help);
    if (code != CLI_GO)
        return code;
    if (points == 0)
        return cli_usage(c, "--points: 0 changes nothing (a non-zero number of points)");
    if ((code = cli_open(c, 0)))
        return code;
    int64_t id = 0;
    as_status st = as_points_adjust(c->db, user, points, reason, at, &id);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_written(c, user, id, at);
}

static int points_redeem(cli *c, int argc, char **argv)
{
    const char *user = NULL, *ref = NULL;
    int64_t points = 0, at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("USER", &user, cli_check_id, "id"),
        CLI_INT_REQ("points", "N", &points, 1, MAX_POINTS),
        CLI_CHECKED("ref", "REF", &ref, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, redeem_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t id = 0;
    as_status st = as_points_redeem(c->db, user, points, ref, at, &id);
    if (st != AS_OK)
        return cli_fail(c, st);
    /* A replay prints the row of the first time, at its own time. */
    int64_t when = at;
    as_points_query q = AS_POINTS_QUERY_INIT;
    q.user_id = user;
    as_points_iter *it;
    if (ref && as_points_iter_new(&it, c->db, &q) == AS_OK) {
        const as_points_entry *e;
        while (as_points_next(it, &e) == AS_OK)
            if (e->id == id) {
                when = e->at;
                break;
            }
        as_points_iter_free(it);
    }
    return print_written(c, user, id, when);
}

static int print_run(cli *c, int64_t at, const as_points_run_stats *s)
{
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_time(p, "at", at);
    pr_int(p, "entries", s->entries);
    pr_int(p, "users", s->users);
    pr_int(p, "points", s->points);
    pr_end(p);
    return cli_print_end(c, p);
}

static int points_expire(cli *c, int argc, char **argv)
{
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {CLI_TIME("at", &at), CLI_END};
    int code = cli_parse(c, argc, argv, opts, expire_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_points_run_stats s;
    as_status st = as_points_expire(c->db, at, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_run(c, at, &s);
}

static int points_earn(cli *c, int argc, char **argv)
{
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {CLI_TIME("at", &at), CLI_END};
    int code = cli_parse(c, argc, argv, opts, earn_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_points_run_stats s;
    as_status st = as_points_earn_missing(c->db, at, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_run(c, at, &s);
}

int cmd_points(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"balance", points_balance, "a user's points as of a time"},
        {"statement", points_statement, "a user's ledger rows"},
        {"adjust", points_adjust, "add or take away points, with a reason"},
        {"redeem", points_redeem, "spend points"},
        {"expire", points_expire, "write off the points that lapsed"},
        {"earn", points_earn, "award what older fueling records have not earned"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "points", table, argc, argv, group_help);
}
