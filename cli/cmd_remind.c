/* cmd_remind.c - aftersales remind run|weather; aftersales outbox pull|ack|fail|list */
#include "cli.h"

#include <ctype.h>
#include <getopt.h>
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
    "win-back, tips, survey invitations for resolved tickets) for every user at\n"
    "TIME (default now) and write the notifications to the outbox.  Uses the\n"
    "profiles of the last 'profile refresh'.  Running again writes nothing\n"
    "already written.  Marketing needs marketing consent, the others service\n"
    "consent; a notification due in quiet hours is deferred to their\n"
    "end; the per-user cap keeps the highest-priority ones and holds back the\n"
    "rest (listed on stderr with --verbose).  Prints one line per kind: written,\n"
    "deferred, duplicates, held_back.  --dry-run counts and writes nothing.\n";

static const char weather_help[] =
    "usage: aftersales remind weather --region CODE --kind KIND --from TIME --to TIME\n"
    "                                 --message TEXT [--at TIME] [--dry-run] [--verbose]\n"
    "\n"
    "Record a weather alert and notify the users whose home region is in CODE\n"
    "(530000: the province, 530100: the city).  KIND is a word such as rainstorm,\n"
    "typhoon or snow.  The same alert again notifies nobody twice.\n";

enum { OPT_AT = 256, OPT_DRY, OPT_VERBOSE, OPT_REGION, OPT_KIND, OPT_FROM, OPT_TO, OPT_MESSAGE,
       OPT_LIMIT, OPT_LEASE, OPT_RETRY, OPT_ERROR, OPT_STATUS, OPT_USER };

typedef struct ropts {
    const char *at, *region, *kind, *from, *to, *message, *limit, *lease, *retry, *error,
        *status, *user;
    int dry, verbose;
} ropts;

static int parse(cli *c, int argc, char **argv, const struct option *opts, ropts *r)
{
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case OPT_AT: r->at = optarg; break;
        case OPT_DRY: r->dry = 1; break;
        case OPT_VERBOSE: r->verbose = 1; break;
        case OPT_REGION: r->region = optarg; break;
        case OPT_KIND: r->kind = optarg; break;
        case OPT_FROM: r->from = optarg; break;
        case OPT_TO: r->to = optarg; break;
        case OPT_MESSAGE: r->message = optarg; break;
        case OPT_LIMIT: r->limit = optarg; break;
        case OPT_LEASE: r->lease = optarg; break;
        case OPT_RETRY: r->retry = optarg; break;
        case OPT_ERROR: r->error = optarg; break;
        case OPT_STATUS: r->status = optarg; break;
        case OPT_USER: r->user = optarg; break;
        default:
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

/* A time option; 0 or EXIT_DATAERR. */
static int time_opt(cli *c, const char *name, const char *text, int64_t *out)
{
    if (!text) {
        *out = (int64_t)time(NULL);
        return 0;
    }
    if (as_time_parse(text, as_db_utc_offset(c->db), out) != AS_OK) {
        cli_error(c, "%s: '%s' is not a time (2026-11-24T09:00:00+08:00)", name, text);
        return EXIT_DATAERR;
    }
    return 0;
}

/* "90s", "10m", "2h", "1d" or bare seconds; -1 when not such. */
static long long duration(const char *s)
{
    char *end;
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    long long v = strtoll(s, &end, 10);
    if (v < 0 || v > 100000000)
        return -1;
    if (!*end || strcmp(end, "s") == 0)
        return v;
    if (strcmp(end, "m") == 0)
        return v * 60;
    if (strcmp(end, "h") == 0)
        return v * 3600;
    if (strcmp(end, "d") == 0)
        return v * 86400;
    return -1;
}

static void on_held(void *ud, const char *user_id, const char *kind, const char *key)
{
    cli *c = ud;
    cli_error(c, "held back by the cap: %s %s (%s)", user_id, kind, key);
}

static int print_stats(cli *c, const as_remind_stats *s, int dry)
{
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
    if (cli_wants_help(argc, argv))
        return fputs(run_help, stdout), 0;
    static const struct option opts[] = {
        {"at", required_argument, NULL, OPT_AT},
        {"dry-run", no_argument, NULL, OPT_DRY},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {NULL, 0, NULL, 0},
    };
    ropts r = {0};
    int code = parse(c, argc, argv, opts, &r);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if ((code = cli_open(c, 0)))
        return code;
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    if ((code = time_opt(c, "at", r.at, &o.at)))
        return code;
    o.flags = r.dry ? AS_REMIND_DRY_RUN : 0;
    if (r.verbose) {
        o.on_held = on_held;
        o.userdata = c;
    }
    as_remind_stats s;
    as_status st = as_remind_run(c->db, &o, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_stats(c, &s, r.dry);
}

static int remind_weather(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(weather_help, stdout), 0;
    static const struct option opts[] = {
        {"region", required_argument, NULL, OPT_REGION},
        {"kind", required_argument, NULL, OPT_KIND},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"message", required_argument, NULL, OPT_MESSAGE},
        {"at", required_argument, NULL, OPT_AT},
        {"dry-run", no_argument, NULL, OPT_DRY},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {NULL, 0, NULL, 0},
    };
    ropts r = {0};
    int code = parse(c, argc, argv, opts, &r);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if (!r.region || !r.kind || !r.from || !r.to || !r.message)
        return cli_usage(c, "--region, --kind, --from, --to and --message are required");
    if ((code = cli_open(c, 0)))
        return code;
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    int64_t from, to;
    if ((code = time_opt(c, "at", r.at, &o.at)) || (code = time_opt(c, "from", r.from, &from)) ||
        (code = time_opt(c, "to", r.to, &to)))
        return code;
    o.flags = r.dry ? AS_REMIND_DRY_RUN : 0;
    if (r.verbose) {
        o.on_held = on_held;
        o.userdata = c;
    }
    as_remind_stats s;
    as_status st = as_remind_weather(c->db, r.region, r.kind, from, to, r.message, &o, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_stats(c, &s, r.dry);
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
    "The notifications waiting for the integrator: pull leases them, ack marks\n"
    "them sent, fail schedules a retry.  Delivery is at least once: a lease that\n"
    "runs out makes the row available to the next pull.\n";

static const char pull_help[] =
    "usage: aftersales outbox pull [--limit N] [--lease DURATION] [--at TIME]\n"
    "\n"
    "Lease up to N (default 100) due notifications for DURATION (default 60s;\n"
    "90s, 10m, 2h, 1d), highest priority first, and print them as JSON Lines\n"
    "(unless --format says otherwise).\n";

static const char ack_help[] =
    "usage: aftersales outbox ack ID...\n"
    "\n"
    "Mark leased notifications as sent.  Exit 1 if an id is unknown, 65 if one is\n"
    "not leased.\n";

static const char fail_help[] =
    "usage: aftersales outbox fail ID [--retry-in DURATION] [--error TEXT]\n"
    "\n"
    "Delivery failed: the notification is pending again after DURATION (default\n"
    "10m).  After reminders.outbox_max_attempts pulls it is marked dead.\n";

static const char list_help[] =
    "usage: aftersales outbox list [--status pending|leased|sent|dead] [--user ID]\n"
    "                              [--limit N]\n"
    "\n"
    "List notifications in id order (an expired lease lists as pending).\n";

static void print_item(printer *p, const as_outbox_item *v)
{
    pr_begin(p);
    pr_int(p, "id", v->id);
    pr_str(p, "user_id", v->user_id);
    pr_str(p, "kind", v->kind);
    pr_int(p, "priority", v->priority);
    pr_str(p, "title", v->title);
    pr_str(p, "body", v->body);
    pr_str(p, "payload", v->payload);
    pr_str(p, "dedupe_key", v->dedupe_key);
    pr_str(p, "status", v->status);
    pr_time(p, "created_at", v->created_at);
    pr_time(p, "not_before", v->not_before);
    pr_time(p, "lease_until", v->lease_until);
    pr_int(p, "attempts", v->attempts);
    pr_str(p, "last_error", v->last_error);
    pr_time(p, "sent_at", v->sent_at);
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

static int outbox_pull(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(pull_help, stdout), 0;
    static const struct option opts[] = {
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"lease", required_argument, NULL, OPT_LEASE},
        {"at", required_argument, NULL, OPT_AT},
        {NULL, 0, NULL, 0},
    };
    ropts r = {0};
    int code = parse(c, argc, argv, opts, &r);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    long long limit = r.limit ? cli_parse_count(r.limit) : 100;
    if (limit < 1)
        return cli_usage(c, "--limit must be a positive number, not '%s'", r.limit);
    long long lease = r.lease ? duration(r.lease) : 60;
    if (lease < 1)
        return cli_usage(c, "--lease must be a duration such as 60s or 10m, not '%s'", r.lease);
    if (!c->format_given)
        c->format = PR_JSONL;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t at;
    if ((code = time_opt(c, "at", r.at, &at)))
        return code;
    as_outbox_iter *it;
    as_status st = as_outbox_pull(&it, c->db, at, limit, lease);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_items(c, it);
}

static int id_arg(cli *c, const char *s, int64_t *id)
{
    long long v = cli_parse_count(s);
    if (v < 1)
        return cli_usage(c, "'%s' is not a notification id", s);
    *id = v;
    return 0;
}

static int outbox_ack(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(ack_help, stdout), 0;
    static const struct option opts[] = {{"at", required_argument, NULL, OPT_AT},
                                         {NULL, 0, NULL, 0}};
    ropts r = {0};
    int code = parse(c, argc, argv, opts, &r);
    if (code)
        return code;
    if (optind >= argc)
        return cli_usage(c, "give the ID of at least one notification");
    int64_t id = 0;
    for (int i = optind; i < argc; i++)
        if ((code = id_arg(c, argv[i], &id)))
            return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t at;
    if ((code = time_opt(c, "at", r.at, &at)))
        return code;
    int worst = 0;
    for (int i = optind; i < argc; i++) {
        id_arg(c, argv[i], &id);
        as_status st = as_outbox_ack(c->db, id, at);
        if (st != AS_OK) {
            int e = cli_fail(c, st);
            if (!worst || e > worst)
                worst = e;
        }
    }
    return worst;
}

static int outbox_fail(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(fail_help, stdout), 0;
    static const struct option opts[] = {
        {"retry-in", required_argument, NULL, OPT_RETRY},
        {"error", required_argument, NULL, OPT_ERROR},
        {"at", required_argument, NULL, OPT_AT},
        {NULL, 0, NULL, 0},
    };
    ropts r = {0};
    int code = parse(c, argc, argv, opts, &r);
    if (code)
        return code;
    if (optind >= argc)
        return cli_usage(c, "give the ID of the notification");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    int64_t id = 0;
    if ((code = id_arg(c, argv[optind], &id)))
        return code;
    long long retry = r.retry ? duration(r.retry) : 600;
    if (retry < 0)
        return cli_usage(c, "--retry-in must be a duration such as 10m, not '%s'", r.retry);
    if ((code = cli_open(c, 0)))
        return code;
    int64_t at;
    if ((code = time_opt(c, "at", r.at, &at)))
        return code;
    as_status st = as_outbox_fail(c->db, id, at, retry, r.error);
    return st != AS_OK ? cli_fail(c, st) : 0;
}

static int outbox_list(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(list_help, stdout), 0;
    static const struct option opts[] = {
        {"status", required_argument, NULL, OPT_STATUS},
        {"user", required_argument, NULL, OPT_USER},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"at", required_argument, NULL, OPT_AT},
        {NULL, 0, NULL, 0},
    };
    ropts r = {0};
    int code = parse(c, argc, argv, opts, &r);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    as_outbox_query q = AS_OUTBOX_QUERY_INIT;
    q.status = r.status;
    q.user_id = r.user;
    if (r.limit && (q.limit = cli_parse_count(r.limit)) < 1)
        return cli_usage(c, "--limit must be a positive number, not '%s'", r.limit);
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    if (r.at && (code = time_opt(c, "at", r.at, &q.now)))
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
