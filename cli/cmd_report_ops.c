/* cmd_report_ops.c - aftersales report outbox and report fuel: what the
 * outbox did with a period's notifications, and fueling volume and spend
 * (the report group lives in cmd_ticket.c). */
#include "cli.h"

#include <stddef.h>

static const char outbox_help[] =
    "usage: aftersales report outbox --from TIME --to TIME\n"
    "\n"
    "What the outbox did with the notifications created in the period [--from,\n"
    "--to): one created at --from counts, one created at --to does not.  One row\n"
    "per kind, most written first, then by kind:\n"
    "  written         notifications created in the period;\n"
    "  delivered       of them, sent;\n"
    "  failed          of them, given up (dead: out of attempts);\n"
    "  suppressed      of them, suppressed when pulled (the reason is in the row:\n"
    "                  'outbox list');\n"
    "  expired         of them, expired before delivery;\n"
    "  waiting         of them, pending or leased;\n"
    "  delivered_pct   delivered / written, a percentage with one decimal;\n"
    "  median_delay_s  the median (nearest rank) seconds from not_before to\n"
    "                  sent_at of the delivered (0 when sent early), null when\n"
    "                  none was delivered.\n"
    "Statuses are as they are now: the outbox keeps no history of them, so a\n"
    "notification delivered after the period counts as delivered, and the same\n"
    "period read later may show fewer waiting.  The outbox has no station.\n"
    "\n"
    "Exit 64 when --from is not before --to.\n";

static const char fuel_help[] =
    "usage: aftersales report fuel --from TIME --to TIME\n"
    "                              --by station|grade|week|station-grade [--station ID]\n"
    "\n"
    "Fueling volume and spend of the records filled in the period [--from, --to):\n"
    "one filled at --from counts, one filled at --to does not.  One row per group,\n"
    "its key fields as --by says (station_id, grade, week: the Monday of the\n"
    "business week, YYYY-MM-DD), then records, users (distinct), litres (three\n"
    "decimals), the amount (fen and yuan) and price_fen_per_l (amount per litre,\n"
    "rounded half up; null without litres).  By station, grade or station-grade:\n"
    "the groups with records, most spend first, then by key.  By week: every\n"
    "week that overlaps the period, in order, empty ones with zeros (the first\n"
    "and last may be partial).  --station keeps that station's records.\n"
    "\n"
    "Exit 64 when --from is not before --to, or --by week spans more than 5300\n"
    "weeks.\n";

/* A percentage the library gives as -1 when there is nothing to count. */
int cli_report_outbox(cli *c, int argc, char **argv)
{
    as_period_query q = AS_PERIOD_QUERY_INIT;
    int code = cli_period_open(c, argc, argv, outbox_help, &q, 0, NULL);
    if (code != CLI_GO)
        return code;
    as_report_outbox *r = NULL;
    as_status st = as_report_outbox_get(&r, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < r->nlines; i++) {
        const as_report_outbox_line *l = &r->lines[i];
        pr_begin(p);
        pr_str(p, "kind", l->kind);
        pr_int(p, "written", l->written);
        pr_int(p, "delivered", l->delivered);
        pr_int(p, "failed", l->failed);
        pr_int(p, "suppressed", l->suppressed);
        pr_int(p, "expired", l->expired);
        pr_int(p, "waiting", l->waiting);
        pr_pct(p, "delivered_pct", l->delivered_pct);
        pr_int_or_null(p, "median_delay_s", l->median_delay_s, -1);
        pr_end(p);
    }
    as_report_outbox_free(r);
    return cli_print_end(c, p);
}

static const cli_choice fuel_by[] = {
    {"station", AS_FUEL_REPORT_BY_STATION},
    {"grade", AS_FUEL_REPORT_BY_GRADE},
    {"week", AS_FUEL_REPORT_BY_WEEK},
    {"station-grade", AS_FUEL_REPORT_BY_STATION_GRADE},
    {NULL, 0},
};

int cli_report_fuel(cli *c, int argc, char **argv)
{
    as_period_query q = AS_PERIOD_QUERY_INIT;
    int by = -1;
    const cli_opt extra[] = {
        CLI_CHOICE_REQ("by", &by, fuel_by),
        CLI_END,
    };
    int code = cli_period_open(c, argc, argv, fuel_help, &q, 1, extra);
    if (code != CLI_GO)
        return code;
    as_report_fuel *r = NULL;
    as_status st = as_report_fuel_get(&r, c->db, &q, (as_fuel_report_by)by);
    if (st == AS_INVALID && by == AS_FUEL_REPORT_BY_WEEK)
        return cli_usage(c, "--by week: the period has more than %d weeks",
                         AS_FUEL_REPORT_MAX_WEEKS);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < r->nlines; i++) {
        const as_report_fuel_line *l = &r->lines[i];
        pr_begin(p);
        if (r->by == AS_FUEL_REPORT_BY_STATION || r->by == AS_FUEL_REPORT_BY_STATION_GRADE)
            pr_str(p, "station_id", l->station_id);
        if (r->by == AS_FUEL_REPORT_BY_GRADE || r->by == AS_FUEL_REPORT_BY_STATION_GRADE)
            pr_str(p, "grade", l->grade);
        if (r->by == AS_FUEL_REPORT_BY_WEEK)
            pr_str(p, "week", l->week);
        pr_int(p, "records", l->records);
        pr_int(p, "users", l->users);
        pr_real(p, "litres", (double)l->litres_ml / 1000.0, 3);
        pr_money(p, "amount", l->amount_fen);
        pr_int_or_null(p, "price_fen_per_l", l->price_fen_per_l, -1);
        pr_end(p);
    }
    as_report_fuel_free(r);
    return cli_print_end(c, p);
}
