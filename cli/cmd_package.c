/* cmd_package.c - aftersales package list|quote|subscribe|cancel|show (月省计划) */
#include "cli.h"

#include <stdio.h>
#include <time.h>

static const char group_help[] =
    "usage: aftersales package COMMAND [ARGS]\n"
    "\n"
    "Packages (月省计划): monthly plans from the configuration's packages section.\n"
    "A fee per month buys a discount per litre and/or per fill-up on eligible\n"
    "grades, up to a monthly cap, and some car washes.  A quote replays a user's\n"
    "own fill-ups under every plan; the saving may be negative.  A user has at\n"
    "most one active plan; its discounts are applied at payment, once per\n"
    "transaction.\n";

static const char list_help[] =
    "usage: aftersales package list\n"
    "\n"
    "List the configured plans in the order of the configuration (grades []:\n"
    "every grade).\n";

static const char quote_help[] =
    "usage: aftersales package quote USER [--at TIME] [--days N]\n"
    "\n"
    "Replay USER's own fill-ups of the N days up to TIME (default 90 days up to\n"
    "now; only records at or before TIME count) under every plan, and print per\n"
    "plan what they paid, what they would have paid (their amounts less the\n"
    "plan's discounts, plus the fee of ceil(N / 30) months) and the saving\n"
    "(paid - would_pay; negative when the fee outweighs the discounts).  The\n"
    "window is cut into 30-day months counted back from TIME, each with its own\n"
    "cap.  A plan is recommended when its saving is above 0; the best comes\n"
    "first.  The included car washes are valued beside the saving, not in it.\n"
    "A user without fill-ups in the window gets every plan at saving = -fee.\n"
    "N is 1 to 3660.  Exit 1 if the user does not exist.\n";

static const char subscribe_help[] =
    "usage: aftersales package subscribe USER PLAN [--at TIME]\n"
    "\n"
    "Subscribe USER to PLAN from TIME (default now) and print the subscription.\n"
    "Its months are 30-day periods from TIME.  Exit 1 if the user or the plan\n"
    "does not exist, 65 if the user already has an active plan (cancel it\n"
    "first), was erased, or had a plan that ended after TIME.\n";

static const char cancel_help[] =
    "usage: aftersales package cancel USER [--at TIME]\n"
    "\n"
    "End USER's active plan at TIME (default now) and print the subscription.\n"
    "Exit 1 if the user does not exist or has no active plan, 65 if TIME is\n"
    "before the plan's start or before a discount it already gave.\n";

static const char show_help[] =
    "usage: aftersales package show USER [--at TIME]\n"
    "\n"
    "The plan active for USER at TIME (default now) as the world stood then, the\n"
    "subscription month holding TIME, and the discounts the plan gave in that\n"
    "month up to TIME.  Without an active plan: active false and nulls.  Exit 1\n"
    "if the user does not exist.\n";

enum { DAYS_MAX = 3660 };

/* Money that may be absent (0: none): both fields null. */
static void money_or_null(printer *p, const char *stem, const char *fen_key,
                          const char *yuan_key, int64_t fen)
{
    if (fen > 0) {
        pr_money(p, stem, fen);
    } else {
        pr_null(p, fen_key);
        pr_null(p, yuan_key);
    }
}

static int package_list(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    const as_package_plan *plans = NULL;
    size_t n = 0;
    as_status st = as_package_plans(c->db, &plans, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < n; i++) {
        const as_package_plan *pl = &plans[i];
        pr_begin(p);
        pr_str(p, "plan_id", pl->id);
        pr_str(p, "name", pl->name);
        pr_money(p, "monthly_fee", pl->monthly_fee_fen);
        pr_money(p, "discount_per_litre", pl->discount_per_litre_fen);
        pr_money(p, "discount_per_fill", pl->discount_per_fill_fen);
        money_or_null(p, "max_discount_per_month", "max_discount_per_month_fen",
                      "max_discount_per_month_yuan", pl->max_discount_per_month_fen);
        if (pl->min_litres_ml > 0)
            pr_real(p, "min_litres", (double)pl->min_litres_ml / 1000.0, 3);
        else
            pr_null(p, "min_litres");
        pr_int(p, "car_washes", pl->car_washes);
        pr_money(p, "car_wash_value", pl->car_wash_value_fen);
        pr_arr_begin(p, "grades");
        for (size_t g = 0; g < pl->ngrades; g++)
            pr_str(p, NULL, pl->grades[g]);
        pr_arr_end(p);
        pr_end(p);
    }
    return cli_print_end(c, p);
}

static int package_quote(cli *c, int argc, char **argv)
{
    const char *user = NULL;
    int64_t at = (int64_t)time(NULL), days = 90;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("USER", &user, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_INT("days", "N", &days, 1, DAYS_MAX),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, quote_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_package_quote_set *q = NULL;
    as_status st = as_package_quote(&q, c->db, user, at, days);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < q->n; i++) {
        const as_package_quote_line *l = &q->lines[i];
        pr_begin(p);
        pr_str(p, "user_id", q->user_id);
        pr_str(p, "plan_id", l->plan->id);
        pr_str(p, "name", l->plan->name);
        pr_time(p, "from", q->from);
        pr_time(p, "at", q->at);
        pr_int(p, "days", q->days);
        pr_int(p, "months", q->months);
        pr_int(p, "fills", l->fills);
        pr_int(p, "eligible_fills", l->eligible_fills);
        pr_real(p, "litres", (double)l->litres_ml / 1000.0, 3);
        pr_money(p, "paid", l->paid_fen);
        pr_money(p, "discount", l->discount_fen);
        pr_money(p, "fee", l->fee_fen);
        pr_money(p, "would_pay", l->would_pay_fen);
        pr_money(p, "saving", l->saving_fen);
        pr_int(p, "car_washes", l->car_washes);
        pr_money(p, "car_washes_value", l->car_washes_value_fen);
        pr_bool(p, "recommended", l->recommended);
        pr_end(p);
    }
    as_package_quote_free(q);
    return cli_print_end(c, p);
}

static int print_subscription(cli *c, const char *user, const as_package_subscription *s)
{
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "subscription_id", s->id);
    pr_str(p, "user_id", user);
    pr_str(p, "plan_id", s->plan_id);
    pr_str(p, "name", s->name);
    pr_time(p, "started_at", s->started_at);
    pr_time(p, "ended_at", s->ended_at);
    pr_end(p);
    return cli_print_end(c, p);
}

static int package_subscribe(cli *c, int argc, char **argv)
{
    const char *user = NULL, *plan = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("USER", &user, cli_check_id, "id"),
        CLI_ARG_CHECKED("PLAN", &plan, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, subscribe_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_package_subscription s;
    as_status st = as_package_subscribe(c->db, user, plan, at, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_subscription(c, user, &s);
}

static int package_cancel(cli *c, int argc, char **argv)
{
    const char *user = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("USER", &user, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, cancel_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_package_subscription s;
    as_status st = as_package_cancel(c->db, user, at, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_subscription(c, user, &s);
}

static int package_show(cli *c, int argc, char **argv)
{
    const char *user = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("USER", &user, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_package_view *v = NULL;
    as_status st = as_package_active(&v, c->db, user, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    int active = v->sub.id != 0;
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "user_id", v->user_id);
    pr_time(p, "at", v->at);
    pr_bool(p, "active", active);
    pr_int_or_null(p, "subscription_id", v->sub.id, 0);
    pr_str(p, "plan_id", active ? v->sub.plan_id : NULL);
    pr_str(p, "name", v->sub.name);
    pr_time(p, "started_at", v->sub.started_at);
    pr_time(p, "month_from", v->month_from);
    pr_time(p, "month_to", v->month_to);
    pr_money(p, "month_discount", v->month_discount_fen);
    money_or_null(p, "max_discount_per_month", "max_discount_per_month_fen",
                  "max_discount_per_month_yuan", v->max_discount_per_month_fen);
    pr_arr_begin(p, "discounts");
    for (size_t i = 0; i < v->ndiscounts; i++) {
        const as_package_discount *d = &v->discounts[i];
        pr_obj_begin(p, NULL);
        pr_str(p, "tx_id", d->tx_id);
        pr_time(p, "at", d->at);
        pr_money(p, "amount", d->amount_fen);
        pr_money(p, "discount", d->discount_fen);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_end(p);
    as_package_view_free(v);
    return cli_print_end(c, p);
}

int cmd_package(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"list", package_list, "list the configured plans"},
        {"quote", package_quote, "replay a user's fill-ups under every plan"},
        {"subscribe", package_subscribe, "subscribe a user to a plan"},
        {"cancel", package_cancel, "end a user's plan"},
        {"show", package_show, "a user's plan and this month's discounts"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "package", table, argc, argv, group_help);
}
