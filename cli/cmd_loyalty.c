/* cmd_loyalty.c - aftersales report loyalty: coupons, points, plans and
 * partner offers over a period (the report group lives in cmd_ticket.c). */
#include "cli.h"

#include <stddef.h>

static const char loyalty_help[] =
    "usage: aftersales report loyalty --from TIME --to TIME [--station ID]\n"
    "\n"
    "What the loyalty programme did in the period [--from, --to): an event at\n"
    "--from counts, one at --to does not; \"at the end\" is as the world stood\n"
    "just before --to.  One record with a section each:\n"
    "  coupons         per template and station (where it was redeemed before the\n"
    "                  end; null when it was not, and for partner coupons): issued,\n"
    "                  redeemed, expired (the validity ended in the period while\n"
    "                  still issued, whether or not 'coupon expire' recorded it),\n"
    "                  voided, and the discount the redemptions gave (fen);\n"
    "  coupon_sources  the same per source (manual, reminder, benefit, partner);\n"
    "  coupon_totals   the same over all coupons;\n"
    "  points          earned (per kind and in all), adjusted (net), redeemed,\n"
    "                  expired (lots that lapsed in the period, written off or not),\n"
    "                  written_off (what 'points expire' wrote in the period), and\n"
    "                  at the end: users with spendable points, their outstanding\n"
    "                  points, the ledger's sum and what lapsed but is not written\n"
    "                  off yet;\n"
    "  plans           per plan: subscriptions active at the end, started and ended\n"
    "                  in the period, the discounts given (count, fen: the realised\n"
    "                  savings), and the configured monthly fee (fees paid are not\n"
    "                  recorded);\n"
    "  partners        partner coupons issued in the period, per partner and the\n"
    "                  station of the fill-up that earned them, and how many of them\n"
    "                  were redeemed by the end.\n"
    "Money is integer fen with a yuan string beside it.  --station keeps the\n"
    "coupons redeemed at that station and the partner coupons earned there;\n"
    "points and plans are not per station and are reported whole.\n"
    "\n"
    "Exit 64 when --from is not before --to.\n";

static void figures(printer *p, const as_loyalty_coupon_figures *f)
{
    pr_int(p, "issued", f->issued);
    pr_int(p, "redeemed", f->redeemed);
    pr_int(p, "expired", f->expired);
    pr_int(p, "voided", f->voided);
    pr_money(p, "discount", f->discount_fen);
}

static void print_report(printer *p, const as_loyalty_report *r)
{
    pr_begin(p);
    pr_time(p, "from", r->from);
    pr_time(p, "to", r->to);
    pr_str(p, "station_id", r->station_id);

    pr_arr_begin(p, "coupons");
    for (size_t i = 0; i < r->ncoupons; i++) {
        pr_obj_begin(p, NULL);
        pr_str(p, "template_id", r->coupons[i].template_id);
        pr_str(p, "station_id", r->coupons[i].station_id);
        figures(p, &r->coupons[i].figures);
        pr_obj_end(p);
    }
    pr_arr_end(p);

    pr_arr_begin(p, "coupon_sources");
    for (size_t i = 0; i < r->nsources; i++) {
        pr_obj_begin(p, NULL);
        pr_str(p, "source", r->sources[i].source);
        figures(p, &r->sources[i].figures);
        pr_obj_end(p);
    }
    pr_arr_end(p);

    pr_obj_begin(p, "coupon_totals");
    figures(p, &r->coupon_totals);
    pr_obj_end(p);

    const as_loyalty_points *pt = &r->points;
    pr_obj_begin(p, "points");
    pr_int(p, "earned_fuel", pt->earned_fuel);
    pr_int(p, "earned_survey", pt->earned_survey);
    pr_int(p, "earned_community", pt->earned_community);
    pr_int(p, "earned", pt->earned);
    pr_int(p, "adjusted", pt->adjusted);
    pr_int(p, "redeemed", pt->redeemed);
    pr_int(p, "expired", pt->expired);
    pr_int(p, "written_off", pt->written_off);
    pr_int(p, "users_with_balance", pt->users_with_balance);
    pr_int(p, "outstanding", pt->outstanding);
    pr_int(p, "ledger", pt->ledger);
    pr_int(p, "lapsed_unwritten", pt->lapsed_unwritten);
    pr_obj_end(p);

    pr_arr_begin(p, "plans");
    for (size_t i = 0; i < r->nplans; i++) {
        const as_loyalty_plan_line *l = &r->plans[i];
        pr_obj_begin(p, NULL);
        pr_str(p, "plan_id", l->plan_id);
        pr_str(p, "name", l->name);
        if (l->monthly_fee_fen < 0) {
            pr_null(p, "monthly_fee_fen");
            pr_null(p, "monthly_fee_yuan");
        } else {
            pr_money(p, "monthly_fee", l->monthly_fee_fen);
        }
        pr_int(p, "active", l->active);
        pr_int(p, "subscribed", l->subscribed);
        pr_int(p, "cancelled", l->cancelled);
        pr_int(p, "discounts", l->discounts);
        pr_money(p, "discount", l->discount_fen);
        pr_obj_end(p);
    }
    pr_arr_end(p);

    pr_arr_begin(p, "partners");
    for (size_t i = 0; i < r->npartners; i++) {
        const as_partner_report_row *l = &r->partners[i];
        pr_obj_begin(p, NULL);
        pr_str(p, "partner", l->partner);
        pr_str(p, "station_id", l->station_id);
        pr_int(p, "issued", (int64_t)l->issued);
        pr_int(p, "redeemed", (int64_t)l->redeemed);
        pr_money(p, "redeemed_value", l->redeemed_value_fen);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_end(p);
}

int cli_report_loyalty(cli *c, int argc, char **argv)
{
    as_loyalty_query q = AS_LOYALTY_QUERY_INIT;
    const cli_opt opts[] = {
        CLI_TIME_REQ("from", &q.from),
        CLI_TIME_REQ("to", &q.to),
        CLI_CHECKED("station", "ID", &q.station_id, cli_check_id, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, loyalty_help);
    if (code != CLI_GO)
        return code;
    if (q.from >= q.to)
        return cli_usage(c, "--from is not before --to");
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_loyalty_report *r = NULL;
    as_status st = as_loyalty_report_get(&r, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_report(p, r);
    as_loyalty_report_free(r);
    return cli_print_end(c, p);
}
