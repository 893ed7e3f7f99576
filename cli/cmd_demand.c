/* cmd_demand.c - aftersales demand list|link|ship */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales demand COMMAND [ARGS]\n"
    "\n"
    "Suggestions (kind suggestion, or a comment with 希望/建议/能不能/增加 ...)\n"
    "grouped into topics: the configured dictionary plus frequent phrases.\n";

static const char list_help[] =
    "usage: aftersales demand list [--limit N]\n"
    "\n"
    "Topics ranked by distinct users who asked, then by the newest suggestion:\n"
    "dictionary topics (section topics.dictionary) and phrases found in the\n"
    "suggestions no dictionary topic matched (2-4 characters, used by at least\n"
    "topics.min_users users).  Shows the linked backlog item, if any.\n";

static const char link_help[] =
    "usage: aftersales demand link TOPIC --backlog ID\n"
    "\n"
    "Link a topic (a dictionary name or a phrase) to a backlog item.\n";

static const char ship_help[] =
    "usage: aftersales demand ship ID [--at TIME]\n"
    "\n"
    "The backlog item ID shipped: write one notification to the outbox for each\n"
    "user who asked for a linked topic, inviting them to try it.  Users who\n"
    "refused service notices or were erased are skipped.  Shipping again\n"
    "notifies nobody twice.  Prints the counts.  Exit 1 if no topic is linked.\n";

enum { OPT_LIMIT = 256, OPT_BACKLOG, OPT_AT };

static int demand_list(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(list_help, stdout), 0;
    static const struct option opts[] = {{"limit", required_argument, NULL, OPT_LIMIT},
                                         {NULL, 0, NULL, 0}};
    long long limit = 0;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o != OPT_LIMIT)
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        if ((limit = cli_parse_count(optarg)) < 1)
            return cli_usage(c, "--limit must be a positive number, not '%s'", optarg);
    }
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    int code = cli_open(c, AS_OPEN_READONLY);
    if (code)
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

static int demand_link(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(link_help, stdout), 0;
    static const struct option opts[] = {{"backlog", required_argument, NULL, OPT_BACKLOG},
                                         {NULL, 0, NULL, 0}};
    const char *backlog = NULL;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o != OPT_BACKLOG)
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        backlog = optarg;
    }
    if (optind >= argc)
        return cli_usage(c, "which topic? give a TOPIC");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    if (!backlog)
        return cli_usage(c, "--backlog ID is required");
    int code = cli_open(c, 0);
    if (code)
        return code;
    as_status st = as_demand_link(c->db, argv[optind], backlog);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "topic", argv[optind]);
    pr_str(p, "backlog_id", backlog);
    pr_end(p);
    return cli_print_end(c, p);
}

static int demand_ship(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(ship_help, stdout), 0;
    static const struct option opts[] = {{"at", required_argument, NULL, OPT_AT},
                                         {NULL, 0, NULL, 0}};
    const char *at_s = NULL;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o != OPT_AT)
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        at_s = optarg;
    }
    if (optind >= argc)
        return cli_usage(c, "which backlog item? give an ID");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    int code = cli_open(c, 0);
    if (code)
        return code;
    int64_t at = 0;
    if (at_s && as_time_parse(at_s, as_db_utc_offset(c->db), &at) != AS_OK)
        return cli_usage(c, "--at: '%s' is not a time", at_s);
    int64_t notified = 0, already = 0, skipped = 0;
    as_status st = as_demand_ship(c->db, argv[optind], at, &notified, &already, &skipped);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "backlog_id", argv[optind]);
    pr_int(p, "notified", notified);
    pr_int(p, "already_notified", already);
    pr_int(p, "skipped", skipped);
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
