/* cmd_ticket.c - aftersales ticket|sla|survey|report: tickets, the SLA
 * sweep, satisfaction surveys, SLA and CSAT reports. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- options shared by the subcommands ----------------------------- */

enum {
    O_USER = 256, O_CHANNEL, O_CATEGORY, O_SUBJECT, O_BODY, O_SEVERITY, O_QUEUE, O_ASSIGNEE,
    O_TIER, O_BY, O_AT, O_MESSAGE, O_WAIT, O_TO, O_INTO, O_INCIDENT, O_STATUS, O_OVERDUE,
    O_LIMIT, O_PHONE4, O_NOW, O_CLEAR, O_SCORE, O_COMMENT, O_FROM, O_KB,
    O_LAST
};

static const struct option all_opts[] = {
    {"user", required_argument, NULL, O_USER},
    {"channel", required_argument, NULL, O_CHANNEL},
    {"category", required_argument, NULL, O_CATEGORY},
    {"subject", required_argument, NULL, O_SUBJECT},
    {"body", required_argument, NULL, O_BODY},
    {"severity", required_argument, NULL, O_SEVERITY},
    {"queue", required_argument, NULL, O_QUEUE},
    {"assignee", required_argument, NULL, O_ASSIGNEE},
    {"tier", required_argument, NULL, O_TIER},
    {"by", required_argument, NULL, O_BY},
    {"at", required_argument, NULL, O_AT},
    {"message", required_argument, NULL, O_MESSAGE},
    {"wait", no_argument, NULL, O_WAIT},
    {"to", required_argument, NULL, O_TO},
    {"into", required_argument, NULL, O_INTO},
    {"incident", required_argument, NULL, O_INCIDENT},
    {"status", required_argument, NULL, O_STATUS},
    {"overdue", no_argument, NULL, O_OVERDUE},
    {"limit", required_argument, NULL, O_LIMIT},
    {"phone-last4", required_argument, NULL, O_PHONE4},
    {"now", required_argument, NULL, O_NOW},
    {"clear", no_argument, NULL, O_CLEAR},
    {"score", required_argument, NULL, O_SCORE},
    {"comment", required_argument, NULL, O_COMMENT},
    {"from", required_argument, NULL, O_FROM},
    {"kb", required_argument, NULL, O_KB},
    {NULL, 0, NULL, 0},
};

typedef struct opts {
    const char *v[O_LAST - O_USER];
    int set[O_LAST - O_USER];
    char **args;             /* positional arguments */
    int nargs;
} opts;

#define OPT(o, name) ((o)->v[(name) - O_USER])
#define HAS(o, name) ((o)->set[(name) - O_USER])

/* Parse argv allowing only the options listed in allowed (terminated by 0);
 * positional arguments must number between minargs and maxargs. */
static int parse(cli *c, int argc, char **argv, opts *o, const int *allowed, int minargs,
                 int maxargs, const char *what)
{
    memset(o, 0, sizeof *o);
    int code;
    optind = 0;
    opterr = 0;
    while ((code = getopt_long(argc, argv, "", all_opts, NULL)) != -1) {
        int ok = 0;
        for (const int *a = allowed; *a && !ok; a++)
            ok = *a == code;
        if (code == '?' || code == ':' || !ok)
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        o->v[code - O_USER] = optarg;
        o->set[code - O_USER] = 1;
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    if (o->nargs < minargs)
        return cli_usage(c, "%s", what);
    if (o->nargs > maxargs)
        return cli_usage(c, "unexpected argument '%s'", o->args[maxargs]);
    return 0;
}

/* Parse a time option into *t; 0 when absent. */
static int time_opt(cli *c, const opts *o, int which, const char *name, int64_t *t)
{
    *t = 0;
    if (!HAS(o, which))
        return 0;
    int code = cli_load_config(c);
    if (code)
        return code;
    int off = c->db ? as_db_utc_offset(c->db) : 480;
    if (as_time_parse(OPT(o, which), off, t) != AS_OK) {
        cli_error(c, "%s: '%s' is not a time (2026-11-24T18:00:00+08:00)", name, OPT(o, which));
        return EXIT_DATAERR;
    }
    return 0;
}

/* ---- printing ------------------------------------------------------ */

static void print_met(printer *p, const char *key, int met)
{
    if (met < 0)
        pr_null(p, key);
    else
        pr_bool(p, key, met);
}

static void print_ticket(printer *p, const as_ticket *t, int full)
{
    pr_begin(p);
    pr_str(p, "tracking", t->tracking);
    pr_str(p, "status", as_ticket_status_name(t->status));
    pr_str(p, "severity", t->severity);
    pr_str(p, "queue", t->queue);
    pr_str(p, "assignee", t->assignee);
    pr_str(p, "user_id", t->user_id);
    pr_str(p, "channel", t->channel);
    pr_str(p, "category", t->category);
    pr_str(p, "subject", t->subject);
    if (full)
        pr_str(p, "body", t->body);
    pr_bool(p, "is_incident", t->is_incident);
    pr_str(p, "incident", t->incident);
    pr_str(p, "merged_into", t->merged_into);
    pr_str(p, "related", t->related);
    if (full) {
        pr_str(p, "rule", t->rule);
        if (t->kb_article_id)
            pr_int(p, "kb_article_id", t->kb_article_id);
        else
            pr_null(p, "kb_article_id");
    }
    pr_time(p, "created_at", t->created_at);
    if (full) {
        pr_time(p, "updated_at", t->updated_at);
        pr_time(p, "first_response_at", t->first_response_at);
        pr_time(p, "resolved_at", t->resolved_at);
        pr_time(p, "closed_at", t->closed_at);
        pr_time(p, "eta", t->eta);
    }
    pr_time(p, "first_response_due", t->frt_due);
    pr_time(p, "resolution_due", t->res_due);
    if (full) {
        print_met(p, "first_response_met", t->frt_met);
        print_met(p, "resolution_met", t->res_met);
    }
    pr_end(p);
}

static void print_event(printer *p, const as_ticket_event *e)
{
    pr_begin(p);
    pr_time(p, "at", e->at);
    pr_str(p, "by", e->actor);
    pr_str(p, "kind", e->kind);
    pr_str(p, "from_status", e->from_status);
    pr_str(p, "to_status", e->to_status);
    pr_bool(p, "public", e->public);
    pr_str(p, "text", e->text);
    pr_end(p);
}

static int show_ticket(cli *c, const char *tracking)
{
    as_ticket *t = NULL;
    as_status st = as_ticket_get(&t, c->db, tracking);
    if (st != AS_OK)
        return cli_fail(c, st);
    as_ticket_event_iter *it = NULL;
    if ((st = as_ticket_event_iter_new(&it, c->db, tracking)) != AS_OK) {
        as_ticket_free(t);
        return cli_fail(c, st);
    }
    if (c->format == PR_JSON)
        fputs("{\"ticket\":", stdout);
    printer *p = cli_printer(c, PR_ONE);
    print_ticket(p, t, 1);
    as_ticket_free(t);
    int code = cli_print_end(c, p);
    if (c->format == PR_JSON)
        fputs(",\"events\":", stdout);
    else if (c->format != PR_JSONL)
        fputc('\n', stdout);
    p = cli_printer(c, PR_LIST);
    const as_ticket_event *e;
    while ((st = as_ticket_event_next(it, &e)) == AS_OK)
        print_event(p, e);
    as_ticket_event_iter_free(it);
    int code2 = cli_print_end(c, p);
    if (c->format == PR_JSON)
        fputs("}\n", stdout);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code ? code : code2;
}

/* ---- ticket open --------------------------------------------------- */

static const char group_help[] =
    "usage: aftersales ticket COMMAND [ARGS]\n"
    "\n"
    "Tickets from every channel, routed by the rules of the configuration,\n"
    "with first-response and resolution clocks per severity.  T is a ticket's\n"
    "tracking number (9 digits; spaces and dashes are ignored).  A mistyped\n"
    "number is 'invalid tracking number' (exit 65), not 'not found'.\n"
    "Changes take --by AGENT (who; default system) and --at TIME (when;\n"
    "default now).\n";

static const char open_help[] =
    "usage: aftersales ticket open --user ID --channel app|phone|wechat|web|station\n"
    "                              --category C --subject S [--body B]\n"
    "                              [--severity normal|urgent|major|systemic]\n"
    "                              [--queue Q] [--assignee A] [--tier TIER] [--by WHO] [--at TIME]\n"
    "\n"
    "Open a ticket and print its tracking number (with --format json|jsonl|tsv,\n"
    "the ticket).  Routing rules (config section routing) pick queue, severity\n"
    "and assignee unless given; --tier is the customer's member tier, for rules\n"
    "that match on it.  A systemic ticket is an incident that others link to.\n"
    "Exit 1 if the user does not exist, 65 for a bad value.\n";

static int t_open(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(open_help, stdout), 0;
    static const int allowed[] = {O_USER, O_CHANNEL, O_CATEGORY, O_SUBJECT, O_BODY, O_SEVERITY,
                                  O_QUEUE, O_ASSIGNEE, O_TIER, O_BY, O_AT, 0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 0, 0, "");
    if (code)
        return code;
    if (!HAS(&o, O_USER) || !HAS(&o, O_CHANNEL) || !HAS(&o, O_CATEGORY) || !HAS(&o, O_SUBJECT))
        return cli_usage(c, "--user, --channel, --category and --subject are required");
    if ((code = cli_open(c, 0)))
        return code;
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = OPT(&o, O_USER);
    in.channel = OPT(&o, O_CHANNEL);
    in.category = OPT(&o, O_CATEGORY);
    in.subject = OPT(&o, O_SUBJECT);
    in.body = HAS(&o, O_BODY) ? OPT(&o, O_BODY) : "";
    in.severity = OPT(&o, O_SEVERITY);
    in.queue = OPT(&o, O_QUEUE);
    in.assignee = OPT(&o, O_ASSIGNEE);
    in.member_tier = OPT(&o, O_TIER);
    in.by = OPT(&o, O_BY);
    if ((code = time_opt(c, &o, O_AT, "--at", &in.at)))
        return code;
    char num[AS_TRACKING_BUFSIZE];
    as_status st = as_ticket_open(c->db, &in, num);
    if (st != AS_OK)
        return cli_fail(c, st);
    if (c->format == PR_TEXT) {
        printf("%s\n", num);
        return 0;
    }
    as_ticket *t = NULL;
    if ((st = as_ticket_get(&t, c->db, num)) != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_ticket(p, t, 1);
    as_ticket_free(t);
    return cli_print_end(c, p);
}

/* ---- show / list --------------------------------------------------- */

static const char show_help[] =
    "usage: aftersales ticket show T\n"
    "\n"
    "Print a ticket and its append-only history (who, when, what).  With\n"
    "--format json: {\"ticket\": {...}, \"events\": [...]}.\n";

static int t_show(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(show_help, stdout), 0;
    static const int allowed[] = {0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 1, 1, "which ticket? give its tracking number");
    if (code)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_ticket(c, o.args[0]);
}

static const char list_help[] =
    "usage: aftersales ticket list [--status S|open] [--queue Q] [--assignee A]\n"
    "                              [--severity L] [--user ID] [--overdue [--at TIME]]\n"
    "                              [--limit N]\n"
    "\n"
    "List tickets, newest first.  --overdue: only tickets with a running SLA\n"
    "clock past due at TIME (default now), earliest first.\n";

static int t_list(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(list_help, stdout), 0;
    static const int allowed[] = {O_STATUS, O_QUEUE, O_ASSIGNEE, O_SEVERITY, O_USER, O_OVERDUE,
                                  O_AT, O_LIMIT, 0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 0, 0, "");
    if (code)
        return code;
    as_ticket_query q = AS_TICKET_QUERY_INIT;
    q.status = OPT(&o, O_STATUS);
    q.queue = OPT(&o, O_QUEUE);
    q.assignee = OPT(&o, O_ASSIGNEE);
    q.severity = OPT(&o, O_SEVERITY);
    q.user_id = OPT(&o, O_USER);
    q.overdue = HAS(&o, O_OVERDUE);
    if (HAS(&o, O_LIMIT) && (q.limit = cli_parse_count(OPT(&o, O_LIMIT))) < 1)
        return cli_usage(c, "--limit must be a positive number, not '%s'", OPT(&o, O_LIMIT));
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    if ((code = time_opt(c, &o, O_AT, "--at", &q.at)))
        return code;
    as_ticket_iter *it;
    as_status st = as_ticket_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_ticket *t;
    while ((st = as_ticket_next(it, &t)) == AS_OK)
        print_ticket(p, t, 0);
    as_ticket_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

/* ---- changes ------------------------------------------------------- */

typedef enum { CH_ASSIGN, CH_STATUS, CH_REPLY, CH_NOTE, CH_RESOLVE, CH_CLOSE, CH_REOPEN,
               CH_MERGE, CH_LINK, CH_ETA } change_kind;

static const char assign_help[] =
    "usage: aftersales ticket assign T --to AGENT [--by WHO] [--at TIME]\n"
    "\n"
    "Assign an open ticket (a new one becomes assigned).  Prints the ticket.\n";
static const char status_help[] =
    "usage: aftersales ticket status T STATUS [--message TEXT] [--by WHO] [--at TIME]\n"
    "\n"
    "Move a ticket along the transition table:\n"
    "  new              -> assigned, in_progress, waiting_customer, resolved, cancelled\n"
    "  assigned         -> in_progress, waiting_customer, resolved, cancelled\n"
    "  in_progress      -> assigned, waiting_customer, resolved, cancelled\n"
    "  waiting_customer -> in_progress, resolved, closed, cancelled\n"
    "  resolved         -> closed (or ticket reopen)\n"
    "  closed, merged, cancelled: final\n"
    "(any open ticket may also be merged with ticket merge).  waiting_customer\n"
    "pauses the SLA clocks; leaving it resumes them.  An illegal move exits 65\n"
    "and lists the allowed ones.\n";
static const char reply_help[] =
    "usage: aftersales ticket reply T --message TEXT [--wait] [--by WHO] [--at TIME]\n"
    "\n"
    "A public reply to the customer.  The first one stops the first-response\n"
    "clock; a new or assigned ticket becomes in_progress.  --wait then waits on\n"
    "the customer (waiting_customer: the clocks pause).\n";
static const char note_help[] =
    "usage: aftersales ticket note T --message TEXT [--by WHO] [--at TIME]\n"
    "\n"
    "An internal note: in the history, never shown to the customer.\n";
static const char resolve_help[] =
    "usage: aftersales ticket resolve T [--message TEXT] [--kb ARTICLE] [--by WHO] [--at TIME]\n"
    "\n"
    "Resolve a ticket (the message is public) and make one satisfaction survey\n"
    "due.  Resolving an incident resolves its open tickets with the same\n"
    "message (or a standard one).  --kb records the knowledge base article (its\n"
    "number) that solved it; kb stats counts it.\n";
static const char close_help[] =
    "usage: aftersales ticket close T [--message TEXT] [--by WHO] [--at TIME]\n"
    "\n"
    "Close a resolved (or waiting) ticket.\n";
static const char reopen_help[] =
    "usage: aftersales ticket reopen T [--message TEXT] [--by WHO] [--at TIME]\n"
    "\n"
    "Within tickets.reopen_window of its resolution a resolved ticket goes\n"
    "back to in_progress (its resolution clock resumes; a pending survey is\n"
    "void).  Otherwise a new ticket linked to it is opened and its number\n"
    "printed.\n";
static const char merge_help[] =
    "usage: aftersales ticket merge DUP --into T [--by WHO] [--at TIME]\n"
    "\n"
    "Mark DUP a duplicate of the open ticket T (DUP becomes merged).\n";
static const char link_help[] =
    "usage: aftersales ticket link T --incident P [--by WHO] [--at TIME]\n"
    "\n"
    "Make T a child of the incident P (a systemic ticket).  Resolving P\n"
    "resolves T.\n";
static const char eta_help[] =
    "usage: aftersales ticket eta T --at TIME | --clear [--by WHO] [--now TIME]\n"
    "\n"
    "Promise the customer a time, shown by ticket track as\n"
    "\"预计今天18:00前完成\".  --now is when the promise was made.\n";

static int change(cli *c, int argc, char **argv, change_kind kind)
{
    static const char *const helps[] = {assign_help, status_help, reply_help, note_help,
                                        resolve_help, close_help, reopen_help, merge_help,
                                        link_help, eta_help};
    if (cli_wants_help(argc, argv))
        return fputs(helps[kind], stdout), 0;
    static const int a_assign[] = {O_TO, O_BY, O_AT, 0};
    static const int a_msg[] = {O_MESSAGE, O_BY, O_AT, 0};
    static const int a_resolve[] = {O_MESSAGE, O_KB, O_BY, O_AT, 0};
    static const int a_reply[] = {O_MESSAGE, O_WAIT, O_BY, O_AT, 0};
    static const int a_merge[] = {O_INTO, O_BY, O_AT, 0};
    static const int a_link[] = {O_INCIDENT, O_BY, O_AT, 0};
    static const int a_eta[] = {O_AT, O_CLEAR, O_BY, O_NOW, 0};
    const int *allowed = kind == CH_ASSIGN ? a_assign : kind == CH_REPLY ? a_reply
                         : kind == CH_MERGE ? a_merge : kind == CH_LINK ? a_link
                         : kind == CH_ETA ? a_eta : kind == CH_RESOLVE ? a_resolve : a_msg;
    opts o;
    int code = parse(c, argc, argv, &o, allowed, kind == CH_STATUS ? 2 : 1,
                     kind == CH_STATUS ? 2 : 1,
                     kind == CH_STATUS ? "give a ticket and a status" : "which ticket? give its tracking number");
    if (code)
        return code;
    if (kind == CH_ASSIGN && !HAS(&o, O_TO))
        return cli_usage(c, "--to AGENT is required");
    if ((kind == CH_REPLY || kind == CH_NOTE) && !HAS(&o, O_MESSAGE))
        return cli_usage(c, "--message TEXT is required");
    if (kind == CH_MERGE && !HAS(&o, O_INTO))
        return cli_usage(c, "--into T is required");
    if (kind == CH_LINK && !HAS(&o, O_INCIDENT))
        return cli_usage(c, "--incident P is required");
    if (kind == CH_ETA && HAS(&o, O_AT) == HAS(&o, O_CLEAR))
        return cli_usage(c, "give --at TIME or --clear");
    int status = -1;
    if (kind == CH_STATUS && (status = as_ticket_status_parse(o.args[1])) < 0)
        return cli_usage(c, "'%s' is not a status (new, assigned, in_progress, waiting_customer,"
                         " resolved, closed, cancelled)", o.args[1]);
    if ((code = cli_open(c, 0)))
        return code;
    as_ticket_action act = AS_TICKET_ACTION_INIT;
    act.by = OPT(&o, O_BY);
    act.text = OPT(&o, O_MESSAGE);
    int64_t eta = 0;
    if (kind == CH_ETA) {
        if ((code = time_opt(c, &o, O_AT, "--at", &eta)) ||
            (code = time_opt(c, &o, O_NOW, "--now", &act.at)))
            return code;
    } else if ((code = time_opt(c, &o, O_AT, "--at", &act.at))) {
        return code;
    }
    const char *t = o.args[0];
    char made[AS_TRACKING_BUFSIZE] = "";
    as_status st = AS_OK;
    switch (kind) {
    case CH_ASSIGN: st = as_ticket_assign(c->db, t, OPT(&o, O_TO), &act); break;
    case CH_STATUS: st = as_ticket_set_status(c->db, t, (as_ticket_status)status, &act); break;
    case CH_REPLY: st = as_ticket_reply(c->db, t, &act, HAS(&o, O_WAIT) ? AS_REPLY_WAIT : 0); break;
    case CH_NOTE: st = as_ticket_note(c->db, t, &act); break;
    case CH_RESOLVE:
        if (HAS(&o, O_KB)) {
            long long id = cli_parse_count(OPT(&o, O_KB));
            if (id < 1)
                return cli_usage(c, "--kb needs an article number, not '%s'", OPT(&o, O_KB));
            st = as_ticket_resolve_kb(c->db, t, id, &act);
        } else {
            st = as_ticket_resolve(c->db, t, &act);
        }
        break;
    case CH_CLOSE: st = as_ticket_close(c->db, t, &act); break;
    case CH_REOPEN: st = as_ticket_reopen(c->db, t, &act, made); break;
    case CH_MERGE: st = as_ticket_merge(c->db, t, OPT(&o, O_INTO), &act); break;
    case CH_LINK: st = as_ticket_link(c->db, t, OPT(&o, O_INCIDENT), &act); break;
    case CH_ETA: st = as_ticket_eta(c->db, t, eta, &act); break;
    }
    if (st != AS_OK)
        return cli_fail(c, st);
    as_ticket *tk = NULL;
    if ((st = as_ticket_get(&tk, c->db, made[0] ? made : t)) != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_ticket(p, tk, 1);
    as_ticket_free(tk);
    return cli_print_end(c, p);
}

static int t_assign(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_ASSIGN); }
static int t_status(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_STATUS); }
static int t_reply(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_REPLY); }
static int t_note(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_NOTE); }
static int t_resolve(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_RESOLVE); }
static int t_close(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_CLOSE); }
static int t_reopen(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_REOPEN); }
static int t_merge(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_MERGE); }
static int t_link(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_LINK); }
static int t_eta(cli *c, int argc, char **argv) { return change(c, argc, argv, CH_ETA); }

static const char suggest_help[] =
    "usage: aftersales ticket suggest T [--limit N]\n"
    "\n"
    "Propose knowledge base articles for a ticket from its category, subject\n"
    "and body, best first (default 5).  Resolve with the one that helped:\n"
    "ticket resolve T --kb ARTICLE.\n";

static int t_suggest(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(suggest_help, stdout), 0;
    static const int allowed[] = {O_LIMIT, 0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 1, 1, "which ticket? give its tracking number");
    if (code)
        return code;
    long long limit = 5;
    if (HAS(&o, O_LIMIT) && (limit = cli_parse_count(OPT(&o, O_LIMIT))) < 1)
        return cli_usage(c, "--limit must be a positive number, not '%s'", OPT(&o, O_LIMIT));
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_kb_iter *it;
    as_status st = as_ticket_suggest(&it, c->db, o.args[0], limit);
    if (st != AS_OK)
        return cli_fail(c, st);
    return cli_print_kb_iter(c, it);
}

/* ---- autoclose ----------------------------------------------------- */

static const char autoclose_help[] =
    "usage: aftersales ticket autoclose [--at TIME]\n"
    "\n"
    "Close every ticket resolved more than tickets.autoclose_after before TIME\n"
    "(default now).  Prints the count.  Meant for cron.\n";

static int t_autoclose(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(autoclose_help, stdout), 0;
    static const int allowed[] = {O_AT, 0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 0, 0, "");
    if (code)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t at, n = 0;
    if ((code = time_opt(c, &o, O_AT, "--at", &at)))
        return code;
    as_status st = as_ticket_autoclose(c->db, at, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "closed", n);
    pr_end(p);
    return cli_print_end(c, p);
}

/* ---- track --------------------------------------------------------- */

static const char track_help[] =
    "usage: aftersales ticket track NUMBER --phone-last4 DDDD [--at TIME]\n"
    "\n"
    "What the customer may see: the status in Chinese, the last public reply\n"
    "and the promised time (\"预计今天18:00前完成\", relative to --at, default\n"
    "now).  A wrong phone answers exactly like an unknown number (exit 1); a\n"
    "mistyped number is 'invalid tracking number' (exit 65).\n";

static int t_track(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(track_help, stdout), 0;
    static const int allowed[] = {O_PHONE4, O_AT, 0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 1, 1, "which ticket? give its tracking number");
    if (code)
        return code;
    if (!HAS(&o, O_PHONE4))
        return cli_usage(c, "--phone-last4 is required");
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    int64_t now;
    if ((code = time_opt(c, &o, O_AT, "--at", &now)))
        return code;
    as_track *t = NULL;
    as_status st = as_ticket_track(&t, c->db, o.args[0], OPT(&o, O_PHONE4), now);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "tracking", t->tracking);
    pr_str(p, "status", t->status);
    pr_str(p, "last_reply", t->last_reply);
    pr_time(p, "last_reply_at", t->last_reply_at);
    pr_time(p, "eta", t->eta);
    pr_str(p, "eta_text", t->eta_text);
    pr_end(p);
    as_track_free(t);
    return cli_print_end(c, p);
}

/* ---- export / import ----------------------------------------------- */

static const char export_help[] =
    "usage: aftersales ticket export\n"
    "\n"
    "Write every ticket as JSON Lines to stdout: its fields, SLA clock state and\n"
    "full history (events, escalations, surveys) with the original times.\n"
    "ticket import reads it back.\n";

static int t_export(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(export_help, stdout), 0;
    static const int allowed[] = {0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 0, 0, "");
    if (code)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_status st = as_ticket_export(c->db, stdout, NULL);
    return st == AS_OK ? 0 : cli_fail(c, st);
}

static const char import_help[] =
    "usage: aftersales ticket import [--skip-bad] [--dry-run] [--rejects FILE] FILE|-\n"
    "\n"
    "Read JSON Lines written by ticket export.  Tickets keep their tracking\n"
    "numbers, times and history; a number already in the database is left\n"
    "alone (unchanged), so importing twice changes nothing.  The users must\n"
    "exist.  Every bad line is reported as FILE:LINE: field: reason; if any is\n"
    "bad nothing is imported (exit 65) unless --skip-bad.\n";

static int t_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, as_ticket_import, import_help, 0);
}

int cmd_ticket(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"open", t_open, "open a ticket; prints its tracking number"},
        {"show", t_show, "a ticket and its history"},
        {"list", t_list, "list tickets (filters, --overdue)"},
        {"assign", t_assign, "assign to an agent"},
        {"status", t_status, "move along the transition table"},
        {"reply", t_reply, "a public reply to the customer"},
        {"note", t_note, "an internal note"},
        {"resolve", t_resolve, "resolve (and an incident's tickets)"},
        {"close", t_close, "close a resolved ticket"},
        {"reopen", t_reopen, "reopen, or open a linked ticket"},
        {"merge", t_merge, "merge a duplicate into a ticket"},
        {"link", t_link, "link a ticket to an incident"},
        {"eta", t_eta, "promise the customer a time"},
        {"suggest", t_suggest, "knowledge base articles for a ticket"},
        {"autoclose", t_autoclose, "close tickets resolved long enough ago"},
        {"track", t_track, "the customer's view, by number and phone"},
        {"export", t_export, "all tickets with history as JSON Lines"},
        {"import", t_import, "import what ticket export wrote"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "ticket", table, argc, argv, group_help);
}

/* ---- sla ----------------------------------------------------------- */

static const char sla_help[] =
    "usage: aftersales sla COMMAND [ARGS]\n"
    "\n"
    "Service-level clocks of the tickets (config section sla).\n";

static const char check_help[] =
    "usage: aftersales sla check [--at TIME]\n"
    "\n"
    "The escalation sweep: records each escalation (a clock at risk, a clock\n"
    "breached) once, however often it runs, then lists every running clock at\n"
    "risk or in breach at TIME (default now), earliest first.  escalated is\n"
    "true for escalations recorded by this run.\n";

static int sla_check(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(check_help, stdout), 0;
    static const int allowed[] = {O_AT, 0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 0, 0, "");
    if (code)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t at, rec = 0;
    if ((code = time_opt(c, &o, O_AT, "--at", &at)))
        return code;
    as_sla_iter *it;
    as_status st = as_sla_check(&it, c->db, at, &rec);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_sla_item *v;
    while ((st = as_sla_next(it, &v)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "tracking", v->tracking);
        pr_str(p, "clock", v->clock);
        pr_str(p, "state", v->state);
        pr_time(p, "due_at", v->due_at);
        pr_int(p, "minutes_left", v->minutes_left);
        pr_str(p, "severity", v->severity);
        pr_str(p, "queue", v->queue);
        pr_str(p, "assignee", v->assignee);
        pr_str(p, "user_id", v->user_id);
        pr_bool(p, "escalated", v->escalated);
        pr_end(p);
    }
    as_sla_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

int cmd_sla(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"check", sla_check, "record escalations; list clocks at risk or breached"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "sla", table, argc, argv, sla_help);
}

/* ---- survey -------------------------------------------------------- */

static const char survey_help[] =
    "usage: aftersales survey COMMAND [ARGS]\n"
    "\n"
    "Satisfaction surveys: one is due within tickets.survey_within of each\n"
    "resolution.\n";

static const char pending_help[] =
    "usage: aftersales survey pending\n"
    "\n"
    "List pending surveys, earliest due first.\n";

static void print_survey(printer *p, const as_survey *s)
{
    pr_begin(p);
    pr_str(p, "tracking", s->tracking);
    pr_str(p, "user_id", s->user_id);
    pr_str(p, "agent", s->agent);
    pr_str(p, "queue", s->queue);
    pr_str(p, "status", s->status);
    pr_time(p, "created_at", s->created_at);
    pr_time(p, "due_at", s->due_at);
    pr_end(p);
}

static int s_pending(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(pending_help, stdout), 0;
    static const int allowed[] = {0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 0, 0, "");
    if (code)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_survey_iter *it;
    as_status st = as_survey_pending(&it, c->db);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_survey *s;
    while ((st = as_survey_next(it, &s)) == AS_OK)
        print_survey(p, s);
    as_survey_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static const char record_help[] =
    "usage: aftersales survey record T --score 1..5 [--comment TEXT] [--at TIME]\n"
    "\n"
    "Record the answer to a ticket's pending survey.  A score at or below\n"
    "tickets.low_score opens a follow-up ticket (printed as followup).\n"
    "Exit 1 if the ticket has no pending survey.\n";

static int s_record(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(record_help, stdout), 0;
    static const int allowed[] = {O_SCORE, O_COMMENT, O_AT, 0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 1, 1, "which ticket? give its tracking number");
    if (code)
        return code;
    long long score = HAS(&o, O_SCORE) ? cli_parse_count(OPT(&o, O_SCORE)) : -1;
    if (score < 1 || score > 5)
        return cli_usage(c, "--score must be 1 to 5");
    if ((code = cli_open(c, 0)))
        return code;
    int64_t at;
    if ((code = time_opt(c, &o, O_AT, "--at", &at)))
        return code;
    char follow[AS_TRACKING_BUFSIZE];
    as_status st = as_survey_record(c->db, o.args[0], (int)score, OPT(&o, O_COMMENT), at, follow);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "tracking", o.args[0]);
    pr_int(p, "score", score);
    pr_str(p, "followup", follow[0] ? follow : NULL);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_survey(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"pending", s_pending, "surveys due"},
        {"record", s_record, "record a customer's answer"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "survey", table, argc, argv, survey_help);
}

/* ---- report -------------------------------------------------------- */

static const char report_help[] =
    "usage: aftersales report COMMAND [ARGS]\n"
    "\n"
    "Reports over a period [--from, --to).\n";

static const char rsla_help[] =
    "usage: aftersales report sla --from TIME --to TIME --by level|queue|agent\n"
    "\n"
    "SLA attainment of the tickets opened in the period: per group the ticket\n"
    "count, then for first response and resolution the stopped clocks, the\n"
    "share met (%, one decimal), and the median and 90th percentile of the\n"
    "business minutes used (nearest rank).\n";

static const char rcsat_help[] =
    "usage: aftersales report csat --from TIME --to TIME --by agent|queue\n"
    "\n"
    "Satisfaction from the surveys answered in the period: answers, mean score\n"
    "(two decimals) and the share of 4 and 5 (CSAT %, one decimal).\n";

static void pct_field(printer *p, const char *key, int64_t part, int64_t whole)
{
    if (!whole) {
        pr_null(p, key);
        return;
    }
    char buf[32];
    int64_t permille = (part * 1000 + whole / 2) / whole;
    snprintf(buf, sizeof buf, "%lld.%lld", (long long)(permille / 10), (long long)(permille % 10));
    pr_str(p, key, buf);
}

static void minutes_field(printer *p, const char *key, int64_t v)
{
    if (v < 0)
        pr_null(p, key);
    else
        pr_int(p, key, v);
}

static int report(cli *c, int argc, char **argv, int csat)
{
    if (cli_wants_help(argc, argv))
        return fputs(csat ? rcsat_help : rsla_help, stdout), 0;
    /* --to is the end of the period here. */
    static const int allowed[] = {O_FROM, O_TO, O_BY, 0};
    opts o;
    int code = parse(c, argc, argv, &o, allowed, 0, 0, "");
    if (code)
        return code;
    if (!HAS(&o, O_FROM) || !HAS(&o, O_TO) || !HAS(&o, O_BY))
        return cli_usage(c, "--from, --to and --by are required");
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    int64_t from, to;
    if ((code = time_opt(c, &o, O_FROM, "--from", &from)) ||
        (code = time_opt(c, &o, O_TO, "--to", &to)))
        return code;
    as_report_row *rows = NULL;
    size_t n = 0;
    as_status st = csat ? as_report_csat(&rows, &n, c->db, OPT(&o, O_BY), from, to)
                        : as_report_sla(&rows, &n, c->db, OPT(&o, O_BY), from, to);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < n; i++) {
        const as_report_row *r = &rows[i];
        pr_begin(p);
        pr_str(p, OPT(&o, O_BY), r->group);
        if (csat) {
            char mean[32];
            int64_t m100 = (r->score_sum * 100 + r->count / 2) / r->count;
            snprintf(mean, sizeof mean, "%lld.%02lld", (long long)(m100 / 100),
                     (long long)(m100 % 100));
            pr_int(p, "answers", r->count);
            pr_str(p, "mean_score", mean);
            pct_field(p, "csat_pct", r->satisfied, r->count);
        } else {
            pr_int(p, "tickets", r->count);
            pr_int(p, "first_response_n", r->frt_count);
            pct_field(p, "first_response_met_pct", r->frt_met, r->frt_count);
            minutes_field(p, "first_response_median_min", r->frt_median_min);
            minutes_field(p, "first_response_p90_min", r->frt_p90_min);
            pr_int(p, "resolution_n", r->res_count);
            pct_field(p, "resolution_met_pct", r->res_met, r->res_count);
            minutes_field(p, "resolution_median_min", r->res_median_min);
            minutes_field(p, "resolution_p90_min", r->res_p90_min);
        }
        pr_end(p);
    }
    as_report_free(rows, n);
    return cli_print_end(c, p);
}

static int r_sla(cli *c, int argc, char **argv) { return report(c, argc, argv, 0); }
static int r_csat(cli *c, int argc, char **argv) { return report(c, argc, argv, 1); }

int cmd_report(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"sla", r_sla, "SLA attainment by level, queue or agent"},
        {"csat", r_csat, "satisfaction by agent or queue"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "report", table, argc, argv, report_help);
}
