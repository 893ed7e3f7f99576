/* cmd_demand.c - aftersales demand list|link|ship */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>

static const char group_help[] =
    "usage: aftersales demand COMMAND [ARGS]\n"
    "\n"
    "Suggestions (kind suggestion, or a comment with 希望/建议/能不能/增加 ...)\n"
    "grouped into topics: the configured dictionary plus frequent phrases.\n";

static const char list_help[] =
    "usage: aftersales demand list [--limit N] [--reveal]\n"
    "\n"
    "Topics ranked by distinct users who asked, then by the newest suggestion:\n"
    "dictionary topics (section topics.dictionary) and phrases found in the\n"
    "suggestions no dictionary topic matched (used by at least topics.min_users\n"
    "users).  Phrases are whole: overlapping pieces are merged into the longest\n"
    "span, fragments and words several phrases share are left out, and near\n"
    "duplicates are one topic.  Traditional and simplified characters count\n"
    "as one (電子發票 is 电子发票).  Shows the linked backlog item, if any.\n"
    "--limit N (at least 1) shows the first N.\n"
    "Phone numbers typed into the text are masked (139****5678) unless --reveal.\n";

static const char link_help[] =
    "usage: aftersales demand link TOPIC --backlog ID [--area DIMENSION]\n"
    "\n"
    "Link a topic to a backlog item (an id: 1-64 bytes, no spaces).  TOPIC is\n"
    "a dictionary topic, a phrase demand list finds, or a topic linked before\n"
    "(traditional characters are read as simplified); anything else exits 1.\n"
    "Linking again changes nothing.  --area names the item's feature area, a\n"
    "feedback dimension (ui, payment, coupon, service by default): beta testers\n"
    "who rated it are invited to try the item first when it ships (exit 65 for\n"
    "an area that is not a dimension).\n";

static const char ship_help[] =
    "usage: aftersales demand ship ID [--at TIME]\n"
    "\n"
    "The backlog item ID shipped: write one notification to the outbox for each\n"
    "user who asked for a linked topic.  Beta testers (产品体验官) get an\n"
    "invitation to try it first (beta_invite, at TIME), as do beta testers who\n"
    "rated the item's --area dimension; everyone else a notice inviting them to\n"
    "try it (demand_shipped), topics.beta_head_start later (2 days by default).\n"
    "Users who refused service notices or were erased are skipped.  Shipping\n"
    "again notifies nobody twice.  --at records the time (default now).  Prints\n"
    "the counts.  Exit 1 if no topic is linked.\n";

static const char report_demand_help[] =
    "usage: aftersales report demand [--limit N] [--reveal]\n"
    "\n"
    "The demand topics and what shipped: the same command and output as\n"
    "'aftersales demand list' (see its --help), in the report group.  Topics\n"
    "ranked by distinct users who asked, then by the newest suggestion, each\n"
    "with its linked backlog item and when it shipped.  Not a period report:\n"
    "every suggestion counts.  --limit N (at least 1) shows the first N.\n"
    "Phone numbers typed into the text are masked (139****5678) unless --reveal.\n";

/* demand list and report demand: one command, its help as it is called. */
static int demand_list_run(cli *c, int argc, char **argv, const char *help)
{
    int reveal = 0;
    int64_t limit = 0;
    const cli_opt opts[] = {
        CLI_INT("limit", "N", &limit, 1, INT64_MAX),
        CLI_FLAG("reveal", &reveal),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY | (reveal ? AS_OPEN_REVEAL : 0))))
        return code;
    as_demand_iter *it;
    as_status st = as_demand_iter_new(&it, c->db, limit);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_demand *d;
    while ((st = as_demand_next(it, &d)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "topic", d->topic);
        pr_str(p, "source", d->source);
        pr_int(p, "users", d->users);
        pr_int(p, "feedback", d->feedback);
        pr_time(p, "latest", d->latest);
        pr_str(p, "backlog_id", d->backlog_id);
        pr_time(p, "shipped_at", d->shipped_at);
        pr_str(p, "example", d->example);
        pr_end(p);
    }
    as_demand_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int demand_list(cli *c, int argc, char **argv)
{
    return demand_list_run(c, argc, argv, list_help);
}

int cli_report_demand(cli *c, int argc, char **argv)
{
    return demand_list_run(c, argc, argv, report_demand_help);
}

static int demand_link(cli *c, int argc, char **argv)
{
    const char *topic = NULL, *backlog = NULL, *area = NULL;
    const cli_opt opts[] = {
        CLI_ARG("TOPIC", &topic),
        CLI_CHECKED_REQ("backlog", "ID", &backlog, cli_check_id, "id"),
        CLI_CHECKED("area", "DIMENSION", &area, cli_check_id, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, link_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    /* The link and the area in one transaction. */
    as_status st = as_begin(c->db);
    if (st == AS_OK)
        st = as_demand_link(c->db, topic, backlog);
    if (st == AS_OK && area)
        st = as_demand_set_area(c->db, backlog, area);
    if (st == AS_OK)
        st = as_commit(c->db);
    if (st != AS_OK) {
        code = cli_fail(c, st);
        if (as_txn_depth(c->db))
            as_rollback(c->db);
        return code;
    }
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "topic", topic);
    pr_str(p, "backlog_id", backlog);
    pr_str(p, "area", area);
    pr_end(p);
    return cli_print_end(c, p);
}

static int demand_ship(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int64_t at = 0;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, ship_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_demand_shipment r;
    as_status st = as_demand_ship(&r, c->db, id, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "backlog_id", id);
    pr_int(p, "topics", r.topics);
    pr_int(p, "notified", r.notified);
    pr_int(p, "already_notified", r.already_notified);
    pr_int(p, "skipped", r.skipped);
    pr_time(p, "shipped_at", r.shipped_at);
    pr_int(p, "beta_invited", r.beta_invited);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_demand(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"list", demand_list, "topics ranked by distinct users and recency"},
        {"link", demand_link, "link a topic to a backlog item"},
        {"ship", demand_ship, "notify the users who asked for a shipped item"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "demand", table, argc, argv, group_help);
}
