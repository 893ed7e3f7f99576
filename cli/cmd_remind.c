/* cmd_remind.c - aftersales remind run|weather; aftersales outbox pull|ack|fail|list */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char remind_help[] =
    "usage: aftersales remind COMMAND [ARGS]\n"
    "\n"
    "Reminder rules (section reminders of the configuration) write notifications\n"
    "to the outbox; the integrator drains it with 'aftersales outbox'.\n";

static const char run_help[] =
    "usage: aftersales remind run [--at TIME] [--dry-run] [--verbose]\n"
    "\n"
    "Evaluate every enabled rule (weather alerts, maintenance, refuel coupons,\n"
    "win-back, tips, survey invitations for resolved tickets, fuel-grade advice)\n"
    "for every user as the world stood at TIME (default now: only records at or\n"
    "before TIME count) and write the notifications to the outbox.  Profiles that\n"
    "are not current for TIME (new records since, or figures that changed with\n"
    "time) are brought up to date first; no 'profile refresh' is needed.  Running\n"
    "again writes nothing already written.  Marketing needs marketing consent,\n"
    "the others service consent; a notification due in quiet hours is deferred\n"
    "to their end; each kind has an expiry (the end of the expected day for a\n"
    "refuel coupon, the alert's end for weather, ...).  The per-user cap keeps\n"
    "the highest-priority ones and holds back the rest (listed on stderr with\n"
    "--verbose, with the number of profiles brought up to date).  Prints one\n"
    "line per kind: written, deferred, duplicates, held_back.  --dry-run counts\n"
    "and writes nothing.\n";

static const char weather_help[] =
    "usage: aftersales remind weather --region CODE --kind KIND --from TIME --to TIME\n"
    "                                 --message TEXT [--at TIME] [--dry-run] [--verbose]\n"
    "\n"
    "Record a weather alert and notify the users whose home region is in CODE\n"
    "(530000: the province, 530100: the city).  KIND is a word of lower-case\n"
    "letters, digits or _ such as rainstorm, typhoon or snow.  The same alert\n"
    "again notifies nobody twice; the notifications expire when the alert ends,\n"
    "and wait for the end of a user's quiet hours like every reminder.  Prints\n"
    "the counts as remind run does.\n";

/* --kind: the library's rule for a weather alert kind. */
static int check_weather_kind(const char *v, char *why, size_t whysz)
{
    if (as_weather_kind_check(v) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not a kind of alert (1-32 lower-case letters, digits or _)");
    return -1;
}

static void on_held(void *ud, const char *user_id, const char *kind, const char *key)
{
    cli *c = ud;
    cli_error(c, "held back by the cap: %s %s (%s)", user_id, kind, key);
}

static int print_stats(cli *c, const as_remind_stats *s, int dry, int verbose)
{
    if (verbose)
        fprintf(stderr, "profiles brought up to date first: %llu\n",
                (unsigned long long)s->profiles_updated);
    printer *p = cli_printer(c, PR_LIST);
    uint64_t held = 0;
    for (int k = 0; k < AS_REMIND_NKINDS; k++) {
        pr_begin(p);
        pr_str(p, "kind", as_remind_kind_name(k));
        pr_int(p, "written", (int64_t)s->written[k]);
        pr_int(p, "deferred", (int64_t)s->deferred[k]);
        pr_int(p, "duplicates", (int64_t)s->duplicates[k]);
        pr_int(p, "held_back", (int64_t)s->held_back[k]);
        pr_bool(p, "dry_run", dry);
        pr_int(p, "coupons", k == AS_REMIND_REFUEL_COUPON ? (int64_t)s->coupons : 0);
        pr_end(p);
        held += s->held_back[k];
    }
    int code = cli_print_end(c, p);
    if (held && !code)
        fprintf(stderr, "%llu notification%s held back by the per-user cap%s\n",
                (unsigned long long)held, held == 1 ? "" : "s",
                " (see --verbose)");
    return code;
}

static int remind_run(cli *c, int argc, char **argv)
{
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    int dry = 0, verbose = 0;
    o.at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &o.at),
        CLI_FLAG("dry-run", &dry),
        CLI_FLAG("verbose", &verbose),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, run_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    o.flags = dry ? AS_REMIND_DRY_RUN : 0;
    if (verbose) {
        o.on_held = on_held;
        o.userdata = c;
    }
    as_remind_stats s;
    as_status st = as_remind_run(c->db, &o, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_stats(c, &s, dry, verbose);
}

static int remind_weather(cli *c, int argc, char **argv)
{
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    const char *region = NULL, *kind = NULL, *message = NULL;
    int64_t from = 0, to = 0;
    int dry = 0, verbose = 0;
    o.at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("region", "CODE", &region, cli_check_region, "region"),
        {.kind = CLI_O_STR, .name = "kind", .metavar = "KIND", .dest = &kind,
         .check = check_weather_kind, .required = 1},
        CLI_TIME_REQ("from", &from),
        CLI_TIME_REQ("to", &to),
        CLI_STR_REQ("message", "TEXT", &message),
        CLI_TIME("at", &o.at),
        CLI_FLAG("dry-run", &dry),
        CLI_FLAG("verbose", &verbose),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, weather_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    o.flags = dry ? AS_REMIND_DRY_RUN : 0;
    if (verbose) {
        o.on_held = on_held;
        o.userdata = c;
    }
    as_remind_stats s;
    as_status st = as_remind_weather(c->db, region, kind, from, to, message, &o, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_stats(c, &s, dry, 0);
}

int cmd_remind(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"run", remind_run, "evaluate every reminder rule into the outbox"},
        {"weather", remind_weather, "record a weather alert and notify its region"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "remind", table, argc, argv, remind_help);
}

/* ---- outbox ---------------------------------------------------------- */

static const char outbox_help[] =
    "usage: aftersales outbox COMMAND [ARGS]\n"
    "\n"
    "The notifications waiting for the integrator: pull leases them (each with a\n"
    "lease token), ack marks them sent, fail schedules a retry.  Delivery is at\n"
    "least once: a lease that runs out makes the row available to the next pull,\n"
    "which gives it a new token; the old token is then refused.  Quiet hours,\n"
    "consent and expiry are checked again when a notification is pulled.\n";

static const char pull_help[] =
    "usage: aftersales outbox pull [--limit N] [--lease DURATION] [--at TIME]\n"
    "\n"
    "Lease up to N (default 100) due notifications for DURATION (default 60s;\n"
    "90s, 10m, 2h, 1d, 1h30m), highest priority first, and print them as JSON\n"
    "Lines (unless --format says otherwise), each with its lease_token and its\n"
    "payload (the figures it was made from, times in ISO 8601).  Delivery rules\n"
    "hold at TIME (default now): a notification past its expiry becomes expired;\n"
    "one whose user withdrew the consent it needs, was erased, or whose message a\n"
    "later record made untrue (a fill-up after a win-back, ...) becomes\n"
    "suppressed with the reason (see outbox list); one whose user is in quiet\n"
    "hours waits for their end.  None of these is printed.\n";

static const char ack_help[] =
    "usage: aftersales outbox ack [--at TIME] ID:TOKEN...\n"
    "\n"
    "Mark leased notifications as sent, all or none.  Each is named by its id and\n"
    "the lease_token its pull printed (42:9f3c2a1b7d4e5f60).  A stale token (the\n"
    "lease ran out and another pull took the notification) is refused.  Exit 1 if\n"
    "an id is unknown, 65 if a token is stale or a notification is not leased:\n"
    "then nothing is acknowledged.\n";

static const char fail_help[] =
    "usage: aftersales outbox fail ID:TOKEN [--retry-in DURATION] [--error TEXT] [--at TIME]\n"
    "\n"
    "Delivery failed: the notification is pending again after DURATION (default\n"
    "10m) and its token is void.  After reminders.outbox_max_attempts pulls it is\n"
    "marked dead.  Exit 65 for a stale token, as for ack.\n";

static const char list_help[] =
    "usage: aftersales outbox list [--status pending|leased|sent|dead|suppressed|expired]\n"
    "                              [--user ID] [--limit N] [--at TIME]\n"
    "\n"
    "List notifications in id order (a lease expired at TIME, default now, lists\n"
    "as pending).  A suppressed or dead one has its reason.\n";

static void print_item(printer *p, const as_outbox_item *v)
{
    pr_begin(p);
    pr_int(p, "id", v->id);
    pr_str(p, "user_id", v->user_id);
    pr_str(p, "kind", v->kind);
    pr_int(p, "priority", v->priority);
    pr_str(p, "title", v->title);
    pr_str(p, "body", v->body);
    pr_fields(p, "payload", v->payload, v->npayload);
    pr_str(p, "dedupe_key", v->dedupe_key);
    pr_str(p, "status", as_outbox_status_name(v->status));
    pr_time(p, "created_at", v->created_at);
    pr_time(p, "not_before", v->not_before);
    pr_time(p, "lease_until", v->lease_until);
    pr_int(p, "attempts", v->attempts);
    pr_str(p, "last_error", v->last_error);
    pr_time(p, "sent_at", v->sent_at);
    pr_time(p, "expires_at", v->expires_at);
    pr_str(p, "reason", v->reason);
    pr_str(p, "lease_token", v->lease_token);
    pr_end(p);
}

static int print_items(cli *c, as_outbox_iter *it)
{
    printer *p = cli_printer(c, PR_LIST);
    const as_outbox_item *v;
    as_status st;
    while ((st = as_outbox_next(it, &v)) == AS_OK)
        print_item(p, v);
    as_outbox_iter_free(it);
    int code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

/* Ten years: the longest duration as_duration_parse() reads. */
#define DURATION_MAX (10LL * 366 * 86400)

static int outbox_pull(cli *c, int argc, char **argv)
{
    as_outbox_pull_options o = AS_OUTBOX_PULL_OPTIONS_INIT;
    o.now = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_INT("limit", "N", &o.limit, 1, INT64_MAX),
        CLI_DURATION("lease", &o.lease_s, 1, DURATION_MAX),
        CLI_TIME("at", &o.now),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, pull_help);
    if (code != CLI_GO)
        return code;
    if (!c->format_given)
        c->format = PR_JSONL;
    if ((code = cli_open(c, 0)))
        return code;
    as_outbox_iter *it;
    as_status st = as_outbox_pull_iter_new(&it, c->db, &o);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_items(c, it);
}

/* An ID:TOKEN argument (the lease token borrowed from s); 0 or EXIT_USAGE. */
static int lease_arg(cli *c, const char *s, as_outbox_lease *l)
{
    const char *colon = strchr(s, ':');
    char id[24];
    size_t n = colon ? (size_t)(colon - s) : 0;
    long long v = -1;
    if (colon && n > 0 && n < sizeof id) {
        memcpy(id, s, n);
        id[n] = '\0';
        v = cli_parse_count(id);
    }
    int good = v >= 1 && strlen(colon + 1) == 16;
    for (int i = 0; good && i < 16; i++)
        good = strchr("0123456789abcdef", colon[1 + i]) != NULL;
    if (!good)
        return cli_usage(c,
                         "'%s' is not ID:TOKEN (the id and lease_token a pull printed, as in"
                         " 42:9f3c2a1b7d4e5f60)", s);
    l->id = v;
    l->token = colon + 1;
    return 0;
}

/* ID:TOKEN for the option layer's check (the same rule). */
static int check_lease(const char *v, char *why, size_t whysz)
{
    const char *colon = strchr(v, ':');
    int good = colon && colon > v && colon - v < 20 && strlen(colon + 1) == 16;
    for (const char *p = v; good && p < colon; p++)
        good = *p >= '0' && *p <= '9';
    for (int i = 0; good && i < 16; i++)
        good = strchr("0123456789abcdef", colon[1 + i]) != NULL;
    if (good && strtoll(v, NULL, 10) >= 1)
        return 0;
    snprintf(why, whysz, "is not ID:TOKEN (the id and lease_token a pull printed)");
    return -1;
}

static int outbox_ack(cli *c, int argc, char **argv)
{
    cli_list args = {0};
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &at),
        CLI_ARGS("ID:TOKEN", &args, 1),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, ack_help);
    as_outbox_lease *leases = NULL;
    if (code == CLI_GO && !(leases = calloc((size_t)args.n, sizeof *leases))) {
        cli_error(c, "out of memory");
        code = EXIT_SOFTWARE;
    }
    for (int i = 0; code == CLI_GO && i < args.n; i++)
        if ((code = lease_arg(c, args.v[i], &leases[i])) == 0)
            code = CLI_GO;
    if (code == CLI_GO && (code = cli_open(c, 0)) == 0) {
        as_status st = as_outbox_ack(c->db, leases, (size_t)args.n, at);
        code = st == AS_OK ? 0 : cli_fail(c, st);
    }
    free(leases);
    cli_list_free(&args);
    return code;
}

static int outbox_fail(cli *c, int argc, char **argv)
{
    const char *arg = NULL, *error = NULL;
    int64_t retry = 600, at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID:TOKEN", &arg, check_lease, "lease"),
        CLI_DURATION("retry-in", &retry, 0, DURATION_MAX),
        CLI_STR("error", "TEXT", &error),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, fail_help);
    if (code != CLI_GO)
        return code;
    as_outbox_lease l;
    if ((code = lease_arg(c, arg, &l)) || (code = cli_open(c, 0)))
        return code;
    as_status st = as_outbox_fail(c->db, &l, at, retry, error);
    return st != AS_OK ? cli_fail(c, st) : 0;
}

static const cli_choice statuses[] = {
    {"pending", AS_OUTBOX_PENDING}, {"leased", AS_OUTBOX_LEASED},
    {"sent", AS_OUTBOX_SENT},       {"dead", AS_OUTBOX_DEAD},
    {"suppressed", AS_OUTBOX_SUPPRESSED}, {"expired", AS_OUTBOX_EXPIRED},
    {NULL, 0},
};

static int outbox_list(cli *c, int argc, char **argv)
{
    as_outbox_query q = AS_OUTBOX_QUERY_INIT;
    int status = 0;
    q.now = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHOICE("status", &status, statuses),
        CLI_CHECKED("user", "ID", &q.user_id, cli_check_id, "id"),
        CLI_INT("limit", "N", &q.limit, 1, INT64_MAX),
        CLI_TIME("at", &q.now),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    q.status = (as_outbox_status)status;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_outbox_iter *it;
    as_status st = as_outbox_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_items(c, it);
}

int cmd_outbox(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"pull", outbox_pull, "lease due notifications (JSON Lines)"},
        {"ack", outbox_ack, "mark notifications as sent"},
        {"fail", outbox_fail, "schedule a retry of a notification"},
        {"list", outbox_list, "list notifications"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "outbox", table, argc, argv, outbox_help);
}
