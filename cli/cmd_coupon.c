/* cmd_coupon.c - aftersales coupon templates|issue|list|show|redeem|void|expire;
 * aftersales benefits run */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char group_help[] =
    "usage: aftersales coupon COMMAND [ARGS]\n"
    "\n"
    "The coupon wallet.  Coupons are issued to a user from a template of the\n"
    "configuration (section coupons), each with a random 16-character code that\n"
    "station software redeems once.  Codes may be typed in lower case, with spaces\n"
    "or hyphens, and with O for 0 and I or L for 1.\n";

static const char templates_help[] =
    "usage: aftersales coupon templates\n"
    "\n"
    "List the coupon templates of the configuration: value or per-litre discount,\n"
    "minimum spend, validity, stacking, and the grades, stations and regions each\n"
    "is good for (empty: any).\n";

static const char issue_help[] =
    "usage: aftersales coupon issue --user ID --template ID [--key KEY]\n"
    "                               [--station ID] [--grade GRADE] [--at TIME]\n"
    "                               [--valid-from TIME]\n"
    "\n"
    "Issue a coupon of a template to a user and print it.  It is good from\n"
    "--valid-from (default the issue time, --at, default now) until the template's\n"
    "validity has passed since the issue.  --station and --grade bind it to one\n"
    "station or grade when the template names none.  --key makes the issue\n"
    "idempotent: the same command again prints the coupon the key issued and\n"
    "issues nothing (exit 65 if the key issued a coupon of another user or\n"
    "template).  Exit 1 if the user or the template does not exist, 65 if the user\n"
    "was erased.\n";

static const char list_help[] =
    "usage: aftersales coupon list [--user ID] [--template ID]\n"
    "                              [--status issued|redeemed|expired|voided]...\n"
    "                              [--at TIME] [--limit N]\n"
    "\n"
    "List coupons, newest first, as they stood at TIME (default now): coupons\n"
    "issued later are not listed, and an issued coupon whose expiry had passed\n"
    "reads as expired.  --status (repeatable) keeps those.  Exit 1 if the user is\n"
    "unknown.\n";

static const char show_help[] =
    "usage: aftersales coupon show CODE [--at TIME]\n"
    "\n"
    "Print one coupon with its events, as it stood at TIME (default now).  Exit 1\n"
    "if no such coupon (or it was issued after TIME), 64 if CODE is not a code.\n";

static const char redeem_help[] =
    "usage: aftersales coupon redeem CODE --user ID --tx TX_ID --station ID\n"
    "                                --grade GRADE --litres L --amount YUAN\n"
    "                                [--region CODE] [--at TIME]\n"
    "\n"
    "Redeem a coupon for a payment (station software at the pump or till): the\n"
    "coupon must be the payer's, issued, valid at TIME (default now), good for the\n"
    "station (or its --region, a 6-digit code) and the grade, and the payment\n"
    "(--amount, in yuan, before discounts) at least its minimum spend; a coupon\n"
    "that does not stack is refused for a payment that already used another.  The\n"
    "discount is the coupon's value, or its per-litre value times --litres\n"
    "(rounded down to the fen, at most its cap), never more than the payment.\n"
    "Prints the discount and what is left to pay.  A code is redeemed once: a\n"
    "second redemption, even from another process at the same moment, is refused\n"
    "(exit 65); the same command again for the same --tx prints the first\n"
    "figures with replay true (exit 0).  Exit 1 if no such coupon, 65 for any\n"
    "condition above (the message says which).\n";

static const char void_help[] =
    "usage: aftersales coupon void CODE --reason TEXT [--at TIME]\n"
    "\n"
    "Withdraw an issued coupon; the reason is recorded with the event.  Exit 1 if\n"
    "no such coupon, 65 if it is not issued (redeemed, expired or voided).\n";

static const char expire_help[] =
    "usage: aftersales coupon expire [--at TIME]\n"
    "\n"
    "Record as expired, each with an event, the issued coupons whose expiry is\n"
    "at or before TIME (default now), and print their number.  Reads do not need\n"
    "it (they show the status at their time); run it from cron so that reports\n"
    "count expiries.\n";

static void print_list(printer *p, const char *key, const char *const *v, size_t n)
{
    pr_arr_begin(p, key);
    for (size_t i = 0; i < n; i++)
        pr_str(p, NULL, v[i]);
    pr_arr_end(p);
}

static void print_coupon(printer *p, const as_coupon *c)
{
    pr_begin(p);
    pr_str(p, "code", c->code);
    pr_str(p, "user_id", c->user_id);
    pr_str(p, "template", c->template_id);
    pr_str(p, "name", c->name);
    pr_str(p, "status", as_coupon_status_name(c->status));
    pr_int(p, "value_fen", c->value_fen);
    pr_int(p, "per_litre_fen", c->per_litre_fen);
    pr_int_or_null(p, "max_discount_fen", c->max_discount_fen, 0);
    pr_int(p, "min_spend_fen", c->min_spend_fen);
    print_list(p, "grades", c->grades, c->ngrades);
    print_list(p, "stations", c->stations, c->nstations);
    print_list(p, "regions", c->regions, c->nregions);
    pr_bool(p, "stackable", c->stackable);
    pr_time(p, "issued_at", c->issued_at);
    pr_time(p, "valid_from", c->valid_from);
    pr_time(p, "expires_at", c->expires_at);
    pr_time(p, "changed_at", c->changed_at);
    pr_str(p, "source", c->source);
    pr_str(p, "key", c->key);
    pr_str(p, "redeemed_tx", c->redeemed_tx);
    pr_str(p, "redeemed_station", c->redeemed_station);
    if (c->status == AS_COUPON_REDEEMED) {
        pr_int(p, "redeemed_amount_fen", c->redeemed_amount_fen);
        pr_int(p, "discount_fen", c->discount_fen);
    } else {
        pr_null(p, "redeemed_amount_fen");
        pr_null(p, "discount_fen");
    }
    pr_str(p, "reason", c->reason);
    pr_str(p, "partner", c->partner);
    pr_str(p, "offer", c->offer);
    pr_str(p, "origin_tx", c->origin_tx);
}

static int show_code(cli *c, const char *code, int64_t at)
{
    as_coupon *cp = NULL;
    as_status st = as_coupon_get(&cp, c->db, code, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_coupon(p, cp);
    pr_arr_begin(p, "events");
    for (size_t i = 0; i < cp->nevents; i++) {
        const as_coupon_event *e = &cp->events[i];
        pr_obj_begin(p, NULL);
        pr_time(p, "at", e->at);
        pr_str(p, "event", as_coupon_status_name(e->event));
        pr_str(p, "tx_id", e->tx_id);
        pr_str(p, "station_id", e->station_id);
        if (e->event == AS_COUPON_REDEEMED) {
            pr_int(p, "amount_fen", e->amount_fen);
            pr_int(p, "discount_fen", e->discount_fen);
        } else {
            pr_null(p, "amount_fen");
            pr_null(p, "discount_fen");
        }
        pr_str(p, "reason", e->reason);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_end(p);
    as_coupon_free(cp);
    return cli_print_end(c, p);
}

static int coupon_templates(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, templates_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    const as_coupon_template *t;
    size_t n;
    as_status st = as_coupon_templates(c->db, &t, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < n; i++) {
        pr_begin(p);
        pr_str(p, "id", t[i].id);
        pr_str(p, "name", t[i].name);
        pr_int(p, "value_fen", t[i].value_fen);
        pr_int(p, "per_litre_fen", t[i].per_litre_fen);
        pr_int_or_null(p, "max_discount_fen", t[i].max_discount_fen, 0);
        pr_int(p, "min_spend_fen", t[i].min_spend_fen);
        pr_int(p, "valid_s", t[i].valid_s);
        pr_bool(p, "stackable", t[i].stackable);
        print_list(p, "grades", t[i].grades, t[i].ngrades);
        print_list(p, "stations", t[i].stations, t[i].nstations);
        print_list(p, "regions", t[i].regions, t[i].nregions);
        pr_end(p);
    }
    return cli_print_end(c, p);
}

static int coupon_issue(cli *c, int argc, char **argv)
{
    const char *user = NULL, *tmpl = NULL;
    as_coupon_issue_options o = AS_COUPON_ISSUE_OPTIONS_INIT;
    o.at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("user", "ID", &user, cli_check_id, "id"),
        CLI_CHECKED_REQ("template", "ID", &tmpl, cli_check_id, "id"),
        CLI_CHECKED("key", "KEY", &o.key, cli_check_id, "id"),
        CLI_CHECKED("station", "ID", &o.station_id, cli_check_id, "id"),
        CLI_CHECKED("grade", "GRADE", &o.grade, cli_check_grade, "grade"),
        CLI_TIME("at", &o.at),
        CLI_TIME("valid-from", &o.valid_from),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, issue_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    char *cp = NULL;
    int issued = 0;
    as_status st = as_coupon_issue(c->db, user, tmpl, &o, &cp, &issued);
    if (st != AS_OK)
        return cli_fail(c, st);
    if (!issued)
        cli_error(c, "key '%s' issued coupon %s before: nothing issued", o.key, cp);
    code = show_code(c, cp, o.at);
    as_free(cp);
    return code;
}

static const cli_choice statuses[] = {
    {"issued", AS_COUPON_ISSUED},
    {"redeemed", AS_COUPON_REDEEMED},
    {"expired", AS_COUPON_EXPIRED},
    {"voided", AS_COUPON_VOIDED},
    {NULL, 0},
};

static int coupon_list(cli *c, int argc, char **argv)
{
    as_coupon_query q = AS_COUPON_QUERY_INIT;
    cli_list status = {0};
    q.at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED("user", "ID", &q.user_id, cli_check_id, "id"),
        CLI_CHECKED("template", "ID", &q.template_id, cli_check_id, "id"),
        CLI_LIST("status", "STATUS", &status),
        CLI_TIME("at", &q.at),
        CLI_INT("limit", "N", &q.limit, 1, 1000000000),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    for (int i = 0; i < status.n; i++) {
        int k;
        for (k = 0; statuses[k].name && strcmp(statuses[k].name, status.v[i]) != 0; k++)
            ;
        if (!statuses[k].name) {
            code = cli_usage(c, "--status: '%s' is not issued, redeemed, expired or voided",
                             status.v[i]);
            cli_list_free(&status);
            return code;
        }
        q.statuses |= 1u << statuses[k].value;
    }
    cli_list_free(&status);
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_coupon_iter *it;
    as_status st = as_coupon_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_coupon *cp;
    while ((st = as_coupon_next(it, &cp)) == AS_OK) {
        print_coupon(p, cp);
        pr_end(p);
    }
    as_coupon_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

static int coupon_show(cli *c, int argc, char **argv)
{
    const char *cp = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG("CODE", &cp),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_code(c, cp, at);
}

static int check_amount(const char *v, char *why, size_t whysz)
{
    int64_t fen;
    if (as_amount_parse(v, &fen) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not an amount in yuan (12, 12.5, 12.50)");
    return -1;
}

static int check_litres(const char *v, char *why, size_t whysz)
{
    int64_t ml;
    if (as_litres_parse(v, &ml) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not a volume in litres (more than 0, at most 10000, three"
                         " decimals)");
    return -1;
}

static int check_region(const char *v, char *why, size_t whysz)
{
    return cli_check_region(v, why, whysz);
}

static int coupon_redeem(cli *c, int argc, char **argv)
{
    const char *cp = NULL, *litres = NULL, *amount = NULL;
    as_coupon_tx tx = AS_COUPON_TX_INIT;
    tx.at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG("CODE", &cp),
        CLI_CHECKED_REQ("user", "ID", &tx.user_id, cli_check_id, "id"),
        CLI_CHECKED_REQ("tx", "TX_ID", &tx.tx_id, cli_check_id, "id"),
        CLI_CHECKED_REQ("station", "ID", &tx.station_id, cli_check_id, "id"),
        CLI_CHECKED("region", "CODE", &tx.region, check_region, "region"),
        CLI_CHECKED_REQ("grade", "GRADE", &tx.grade, cli_check_grade, "grade"),
        CLI_CHECKED_REQ("litres", "L", &litres, check_litres, "litres"),
        CLI_CHECKED_REQ("amount", "YUAN", &amount, check_amount, "yuan"),
        CLI_TIME("at", &tx.at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, redeem_help);
    if (code != CLI_GO)
        return code;
    as_litres_parse(litres, &tx.litres_ml);
    as_amount_parse(amount, &tx.amount_fen);
    if ((code = cli_open(c, 0)))
        return code;
    as_coupon_redemption r;
    as_status st = as_coupon_redeem(c->db, cp, &tx, &r);
    if (st != AS_OK)
        return cli_fail(c, st);
    as_coupon *got = NULL;
    if ((st = as_coupon_get(&got, c->db, cp, 0)) != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "code", got->code);
    pr_str(p, "user_id", got->user_id);
    pr_str(p, "tx_id", tx.tx_id);
    pr_str(p, "station_id", got->redeemed_station);
    pr_int(p, "amount_fen", got->redeemed_amount_fen);
    pr_int(p, "discount_fen", r.discount_fen);
    pr_int(p, "pay_fen", r.pay_fen);
    pr_time(p, "redeemed_at", got->changed_at);
    pr_bool(p, "replay", r.replay);
    pr_end(p);
    as_coupon_free(got);
    return cli_print_end(c, p);
}

static int coupon_void(cli *c, int argc, char **argv)
{
    const char *cp = NULL, *reason = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG("CODE", &cp),
        CLI_STR_REQ("reason", "TEXT", &reason),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, void_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_coupon_void(c->db, cp, reason, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_code(c, cp, at);
}

static int coupon_expire(cli *c, int argc, char **argv)
{
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, expire_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    uint64_t n = 0;
    as_status st = as_coupon_expire(c->db, at, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "expired", (int64_t)n);
    pr_time(p, "at", at);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_coupon(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"templates", coupon_templates, "list the coupon templates"},
        {"issue", coupon_issue, "issue a coupon to a user"},
        {"list", coupon_list, "list coupons"},
        {"show", coupon_show, "show one coupon and its events"},
        {"redeem", coupon_redeem, "redeem a coupon for a payment"},
        {"void", coupon_void, "withdraw an issued coupon"},
        {"expire", coupon_expire, "record the coupons that expired"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "coupon", table, argc, argv, group_help);
}

static const char benefits_help[] =
    "usage: aftersales benefits COMMAND [ARGS]\n"
    "\n"
    "The benefits of the member tiers (section tiers: each level's grants).\n";

static const char benefits_run_help[] =
    "usage: aftersales benefits run [--at TIME] [--dry-run]\n"
    "\n"
    "Grant the tiers' benefits for the calendar month (business zone) holding\n"
    "TIME (default now): every user whose tier at TIME grants coupons gets them,\n"
    "once per user, month and template; run it daily or monthly from cron, a\n"
    "second run in the month issues nothing already issued.  A user who moved\n"
    "down a tier gets the lower tier's grants from then on and keeps what was\n"
    "issued.  Profiles are brought up to date for TIME first.  Prints the month,\n"
    "the users with grants, the coupons issued and those issued before.\n"
    "--dry-run counts and writes nothing.\n";

static int benefits_run(cli *c, int argc, char **argv)
{
    as_benefits_options o = AS_BENEFITS_OPTIONS_INIT;
    int dry = 0;
    o.at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &o.at),
        CLI_FLAG("dry-run", &dry),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, benefits_run_help);
    if (code != CLI_GO)
        return code;
    if (dry)
        o.flags |= AS_BENEFITS_DRY_RUN;
    if ((code = cli_open(c, 0)))
        return code;
    as_benefits_stats s;
    as_status st = as_benefits_run(c->db, &o, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "month", s.month);
    pr_int(p, "users", (int64_t)s.users);
    pr_int(p, "issued", (int64_t)s.issued);
    pr_int(p, "duplicates", (int64_t)s.duplicates);
    pr_bool(p, "dry_run", dry);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_benefits(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"run", benefits_run, "issue the tiers' monthly grants"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "benefits", table, argc, argv, benefits_help);
}

/* ---- partners ---------------------------------------------------------------- */

static const char partner_help[] =
    "usage: aftersales partner COMMAND [ARGS]\n"
    "\n"
    "Partner offers (section partners): a partner's coupon issued after a\n"
    "qualifying fill-up, redeemed by the partner by its code.\n";

static const char partner_list_help[] =
    "usage: aftersales partner list\n"
    "\n"
    "List the partners of the configuration with their offers: the coupon\n"
    "template each issues, the qualifying stations (empty: any), the minimum\n"
    "spend of the fill-up, the daily cap per user, the partner's monthly budget.\n";

static const char partner_run_help[] =
    "usage: aftersales partner run [--from TIME] [--to TIME] [--dry-run]\n"
    "\n"
    "Issue the partner offers that the fill-ups of the window (from, to] qualify\n"
    "for (default: the day before --to, which defaults to now).  The fueling\n"
    "import already issues them for the records it inserts; run this to catch up\n"
    "on records imported before an offer was configured.  Each coupon is issued\n"
    "at its fill-up's time, once per offer and fill-up, within the offer's daily\n"
    "cap per user and the partner's monthly budget.  Prints the counts.  Reading\n"
    "the window scans the fueling records.  --from not before --to is exit 64.\n";

static const char partner_redeem_help[] =
    "usage: aftersales partner redeem CODE --partner ID --amount YUAN [--ref RECEIPT]\n"
    "                                 [--at TIME]\n"
    "\n"
    "The partner redeems its coupon for a purchase of --amount yuan (at least the\n"
    "coupon's minimum spend) at TIME (default now).  --ref is the partner's receipt\n"
    "number; the same command again is a replay (exit 0, replay true).  Exit 1 if\n"
    "no such coupon or partner, 65 if the coupon is not the partner's, not issued,\n"
    "not valid then, or the purchase is under its minimum.\n";

static const char partner_report_help[] =
    "usage: aftersales partner report --from TIME --to TIME\n"
    "\n"
    "Per partner and station (of the fill-ups that earned them), the partner\n"
    "coupons issued in [from, to), how many of them were redeemed by --to, and\n"
    "what those took off.  --from not before --to is exit 64.\n";

static int partner_list(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, partner_list_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    const as_partner *ps;
    size_t n;
    as_status st = as_partners(c->db, &ps, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < n; i++) {
        pr_begin(p);
        pr_str(p, "id", ps[i].id);
        pr_str(p, "name", ps[i].name);
        pr_str(p, "kind", ps[i].kind);
        pr_int_or_null(p, "monthly_budget", ps[i].monthly_budget, 0);
        pr_arr_begin(p, "offers");
        for (size_t j = 0; j < ps[i].noffers; j++) {
            const as_partner_offer *o = &ps[i].offers[j];
            pr_obj_begin(p, NULL);
            pr_str(p, "id", o->id);
            pr_str(p, "coupon", o->coupon);
            print_list(p, "stations", o->stations, o->nstations);
            pr_int(p, "min_spend_fen", o->min_spend_fen);
            pr_int(p, "daily_cap", o->daily_cap);
            pr_obj_end(p);
        }
        pr_arr_end(p);
        pr_end(p);
    }
    return cli_print_end(c, p);
}

static int partner_run(cli *c, int argc, char **argv)
{
    as_partner_run_options o = AS_PARTNER_RUN_OPTIONS_INIT;
    int dry = 0, from_given = 0;
    o.to = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME_GIVEN("from", &o.from, &from_given),
        CLI_TIME("to", &o.to),
        CLI_FLAG("dry-run", &dry),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, partner_run_help);
    if (code != CLI_GO)
        return code;
    if (!from_given)
        o.from = o.to - 86400;
    if (o.from >= o.to)
        return cli_usage(c, "--from must be before --to");
    if (dry)
        o.flags |= AS_PARTNER_DRY_RUN;
    if ((code = cli_open(c, 0)))
        return code;
    as_partner_run_stats s;
    as_status st = as_partner_run(c->db, &o, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_time(p, "from", o.from);
    pr_time(p, "to", o.to);
    pr_int(p, "fillups", (int64_t)s.fillups);
    pr_int(p, "issued", (int64_t)s.issued);
    pr_int(p, "duplicates", (int64_t)s.duplicates);
    pr_int(p, "capped", (int64_t)s.capped);
    pr_int(p, "over_budget", (int64_t)s.over_budget);
    pr_bool(p, "dry_run", dry);
    pr_end(p);
    return cli_print_end(c, p);
}

static int partner_redeem(cli *c, int argc, char **argv)
{
    const char *cp = NULL, *partner = NULL, *ref = NULL, *amount = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG("CODE", &cp),
        CLI_CHECKED_REQ("partner", "ID", &partner, cli_check_id, "id"),
        CLI_CHECKED_REQ("amount", "YUAN", &amount, check_amount, "yuan"),
        CLI_CHECKED("ref", "RECEIPT", &ref, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, partner_redeem_help);
    if (code != CLI_GO)
        return code;
    int64_t fen = 0;
    as_amount_parse(amount, &fen);
    if ((code = cli_open(c, 0)))
        return code;
    as_coupon_redemption r;
    as_status st = as_partner_redeem(c->db, partner, cp, ref, fen, at, &r);
    if (st != AS_OK)
        return cli_fail(c, st);
    as_coupon *got = NULL;
    if ((st = as_coupon_get(&got, c->db, cp, 0)) != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "code", got->code);
    pr_str(p, "partner", got->partner);
    pr_str(p, "ref", got->redeemed_tx);
    pr_int(p, "amount_fen", got->redeemed_amount_fen);
    pr_int(p, "discount_fen", r.discount_fen);
    pr_int(p, "pay_fen", r.pay_fen);
    pr_time(p, "redeemed_at", got->changed_at);
    pr_bool(p, "replay", r.replay);
    pr_end(p);
    as_coupon_free(got);
    return cli_print_end(c, p);
}

static int partner_report(cli *c, int argc, char **argv)
{
    int64_t from = 0, to = 0;
    const cli_opt opts[] = {
        CLI_TIME_REQ("from", &from),
        CLI_TIME_REQ("to", &to),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, partner_report_help);
    if (code != CLI_GO)
        return code;
    if (from >= to)
        return cli_usage(c, "--from must be before --to");
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_partner_report_iter *it;
    as_status st = as_partner_report_iter_new(&it, c->db, from, to);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_partner_report_row *r;
    while ((st = as_partner_report_next(it, &r)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "partner", r->partner);
        pr_str(p, "station_id", r->station_id);
        pr_int(p, "issued", (int64_t)r->issued);
        pr_int(p, "redeemed", (int64_t)r->redeemed);
        pr_int(p, "redeemed_value_fen", r->redeemed_value_fen);
        pr_end(p);
    }
    as_partner_report_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

int cmd_partner(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"list", partner_list, "list the partners and their offers"},
        {"run", partner_run, "issue the offers earned by a window of fill-ups"},
        {"redeem", partner_redeem, "the partner redeems its coupon"},
        {"report", partner_report, "issued vs redeemed per partner and station"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "partner", table, argc, argv, partner_help);
}

/* ---- pay ------------------------------------------------------------------------ */

static const char pay_help[] =
    "usage: aftersales pay --user ID --tx TX_ID --station ID --grade GRADE --litres L\n"
    "                      --amount YUAN [--region CODE] [--coupon CODE]... [--at TIME]\n"
    "\n"
    "Settle a payment (station software at the pump or till), in one transaction:\n"
    "the coupons given, in that order (each one's minimum spend against the whole\n"
    "amount, its discount at most what the earlier ones left), then the discount\n"
    "of the user's plan (package\n"
    "subscribe) on what the coupons left, recorded once for the payment so that\n"
    "the plan's monthly cap counts it once.  Any refusal refuses the whole payment\n"
    "(exit 65, nothing redeemed).  Prints the amount, each coupon's discount, the\n"
    "plan's, and what is left to pay.  The same command again for the same --tx is\n"
    "a replay (the first figures, replay true).  At most 8 coupons.\n";

static int cmd_pay_run(cli *c, int argc, char **argv)
{
    const char *litres = NULL, *amount = NULL;
    cli_list coupons = {0};
    as_coupon_tx tx = AS_COUPON_TX_INIT;
    tx.at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("user", "ID", &tx.user_id, cli_check_id, "id"),
        CLI_CHECKED_REQ("tx", "TX_ID", &tx.tx_id, cli_check_id, "id"),
        CLI_CHECKED_REQ("station", "ID", &tx.station_id, cli_check_id, "id"),
        CLI_CHECKED("region", "CODE", &tx.region, check_region, "region"),
        CLI_CHECKED_REQ("grade", "GRADE", &tx.grade, cli_check_grade, "grade"),
        CLI_CHECKED_REQ("litres", "L", &litres, check_litres, "litres"),
        CLI_CHECKED_REQ("amount", "YUAN", &amount, check_amount, "yuan"),
        CLI_LIST("coupon", "CODE", &coupons),
        CLI_TIME("at", &tx.at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, pay_help);
    if (code != CLI_GO)
        return code;
    as_litres_parse(litres, &tx.litres_ml);
    as_amount_parse(amount, &tx.amount_fen);
    if (coupons.n > AS_PAYMENT_MAX_COUPONS) {
        cli_list_free(&coupons);
        return cli_usage(c, "--coupon: at most %d coupons a payment", AS_PAYMENT_MAX_COUPONS);
    }
    if ((code = cli_open(c, 0))) {
        cli_list_free(&coupons);
        return code;
    }
    as_payment pm;
    as_status st = as_payment_settle(c->db, &tx, (const char *const *)coupons.v,
                                     (size_t)coupons.n, &pm);
    if (st != AS_OK) {
        cli_list_free(&coupons);
        return cli_fail(c, st);
    }
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "tx_id", tx.tx_id);
    pr_str(p, "user_id", tx.user_id);
    pr_int(p, "amount_fen", pm.amount_fen);
    pr_arr_begin(p, "coupons");
    for (size_t i = 0; i < pm.ncoupons; i++) {
        pr_obj_begin(p, NULL);
        pr_str(p, "code", pm.code[i]);
        pr_int(p, "discount_fen", pm.coupon_fen[i]);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_int(p, "coupons_fen", pm.coupons_fen);
    pr_str(p, "plan", pm.plan_id[0] ? pm.plan_id : NULL);
    pr_int(p, "plan_fen", pm.plan_fen);
    pr_int(p, "pay_fen", pm.pay_fen);
    pr_bool(p, "replay", pm.replay);
    pr_end(p);
    cli_list_free(&coupons);
    return cli_print_end(c, p);
}

int cmd_pay(cli *c, int argc, char **argv)
{
    return cmd_pay_run(c, argc, argv);
}
