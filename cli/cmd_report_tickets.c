/* cmd_report_tickets.c - aftersales report times|tickets: the
 * distributions of first-response and resolution times, and tickets by
 * category, channel or station (the report group lives in cmd_ticket.c). */
#include "cli.h"

static const char times_help[] =
    "usage: aftersales report times --from TIME --to TIME [--station ID]\n"
    "\n"
    "How long first responses and resolutions took, for the tickets opened in\n"
    "the period [--from, --to) (a ticket opened at --from counts, one at --to\n"
    "does not; merged and cancelled tickets are not counted, as in report sla).\n"
    "Two records, clock first_response then resolution: n (the clocks that\n"
    "stopped), met and met_pct (one decimal; null when n is 0), median_min and\n"
    "p90_min (business minutes used, nearest rank; null when n is 0), and\n"
    "buckets: how many clocks used [lo_min, hi_min) business minutes, in eight\n"
    "buckets 0, 15, 30, 60, 120, 240, 480, 1440 (hi_min null: no bound); a\n"
    "clock's minutes are its business seconds rounded to the nearest minute.\n"
    "n, met, median and p90 are those of report sla over the same tickets.\n"
    "--station: only the tickets of that station.\n"
    "\n"
    "Exit 64 when --from is not before --to.\n";

static const char tickets_help[] =
    "usage: aftersales report tickets --by category|channel|station --from TIME --to TIME\n"
    "                                 [--station ID]\n"
    "\n"
    "The tickets opened in the period [--from, --to), per group (a field named\n"
    "category, channel or station_id as --by says; by station, null: tickets\n"
    "without a station), most tickets first, as the world stood just before\n"
    "--to (each ticket's status from its history, so a past period keeps its\n"
    "numbers): tickets (merged ones not counted), resolved (resolved or closed\n"
    "then), cancelled (cancelled then), open (the\n"
    "rest: tickets - resolved - cancelled) and urgent (a severity other than\n"
    "normal).  --station: only the tickets of that station.\n"
    "\n"
    "Exit 64 when --from is not before --to.\n";

static const cli_choice tickets_by[] = {
    {"category", AS_TICKET_REPORT_BY_CATEGORY},
    {"channel", AS_TICKET_REPORT_BY_CHANNEL},
    {"station", AS_TICKET_REPORT_BY_STATION},
    {NULL, 0},
};

/* A percentage the library gives as -1 when there is nothing to count. */
int cli_report_times(cli *c, int argc, char **argv)
{
    as_period_query q = AS_PERIOD_QUERY_INIT;
    int code = cli_period_open(c, argc, argv, times_help, &q, 1, NULL);
    if (code != CLI_GO)
        return code;
    as_report_times *r = NULL;
    as_status st = as_report_times_get(&r, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (int k = 0; k < 2; k++) {
        const as_report_times_clock *ck = &r->clocks[k];
        pr_begin(p);
        pr_str(p, "clock", ck->clock);
        pr_int(p, "n", ck->n);
        pr_int(p, "met", ck->met);
        pr_pct(p, "met_pct", ck->met_pct);
        pr_int_or_null(p, "median_min", ck->median_min, -1);
        pr_int_or_null(p, "p90_min", ck->p90_min, -1);
        pr_arr_begin(p, "buckets");
        for (int b = 0; b < AS_REPORT_TIMES_BUCKETS; b++) {
            pr_obj_begin(p, NULL);
            pr_int(p, "lo_min", ck->buckets[b].lo_min);
            pr_int_or_null(p, "hi_min", ck->buckets[b].hi_min, -1);
            pr_int(p, "tickets", ck->buckets[b].tickets);
            pr_obj_end(p);
        }
        pr_arr_end(p);
        pr_end(p);
    }
    as_report_times_free(r);
    return cli_print_end(c, p);
}

int cli_report_tickets(cli *c, int argc, char **argv)
{
    as_period_query q = AS_PERIOD_QUERY_INIT;
    int by = -1;
    const cli_opt extra[] = {
        CLI_CHOICE_REQ("by", &by, tickets_by),
        CLI_END,
    };
    int code = cli_period_open(c, argc, argv, tickets_help, &q, 1, extra);
    if (code != CLI_GO)
        return code;
    as_report_tickets *r = NULL;
    as_status st = as_report_tickets_get(&r, c->db, &q, (as_ticket_report_by)by);
    if (st != AS_OK)
        return cli_fail(c, st);
    const char *group = by == AS_TICKET_REPORT_BY_CATEGORY  ? "category"
                        : by == AS_TICKET_REPORT_BY_CHANNEL ? "channel"
                                                            : "station_id";
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < r->nlines; i++) {
        const as_report_ticket_line *l = &r->lines[i];
        pr_begin(p);
        pr_str(p, group, l->group);
        pr_int(p, "tickets", l->tickets);
        pr_int(p, "resolved", l->resolved);
        pr_int(p, "cancelled", l->cancelled);
        pr_int(p, "open", l->open);
        pr_int(p, "urgent", l->urgent);
        pr_end(p);
    }
    as_report_tickets_free(r);
    return cli_print_end(c, p);
}
