/* cmd_ticket.c - aftersales ticket|sla|survey|report: tickets, the SLA
 * sweep, satisfaction surveys, SLA and CSAT reports. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- closed sets of words ------------------------------------------ */

static const cli_choice channels[] = {
    {"app", 0}, {"phone", 1}, {"wechat", 2}, {"web", 3}, {"station", 4}, {NULL, 0},
};

static const cli_choice severities[] = {
    {"normal", 0}, {"urgent", 1}, {"major", 2}, {"systemic", 3}, {NULL, 0},
};

/* ticket list --status: every status, and "open". */
enum { STATUS_OPEN = AS_TICKET_STATUS_LAST };
static const cli_choice list_statuses[] = {
    {"new", AS_TICKET_NEW},
    {"assigned", AS_TICKET_ASSIGNED},
    {"in_progress", AS_TICKET_IN_PROGRESS},
    {"waiting_customer", AS_TICKET_WAITING_CUSTOMER},
    {"resolved", AS_TICKET_RESOLVED},
    {"closed", AS_TICKET_CLOSED},
    {"merged", AS_TICKET_MERGED},
    {"cancelled", AS_TICKET_CANCELLED},
    {"open", STATUS_OPEN},
    {NULL, 0},
};

static const cli_choice sla_by[] = {
    {"level", AS_REPORT_BY_LEVEL}, {"queue", AS_REPORT_BY_QUEUE}, {"agent", AS_REPORT_BY_AGENT},
    {"week", AS_REPORT_BY_WEEK}, {NULL, 0},
};

static const cli_choice csat_by[] = {
    {"agent", AS_REPORT_BY_AGENT}, {"queue", AS_REPORT_BY_QUEUE}, {NULL, 0},
};

/* The STATUS of ticket status: a status a ticket can be moved to (merged
 * only by ticket merge). */
static int check_status(const char *v, char *why, size_t whysz)
{
    int s = as_ticket_status_parse(v);
    if (s >= 0 && s != AS_TICKET_MERGED)
        return 0;
    snprintf(why, whysz, "is not one of new, assigned, in_progress, waiting_customer, resolved,"
             " closed, cancelled");
    return -1;
}

/* The name of a choice's value in a table. */
static const char *choice_name(const cli_choice *t, int value)
{
    for (; t->name; t++)
        if (t->value == value)
            return t->name;
    return NULL;
}

/* A tracking number as printed (9 digits), from one the parser checked. */
static void normalize_tracking(const char *typed, char out[AS_TRACKING_BUFSIZE])
{
    if (as_tracking_check(typed, out) != AS_OK)
        snprintf(out, AS_TRACKING_BUFSIZE, "%s", typed);
}

/* ---- printing ------------------------------------------------------ */

static void print_met(printer *p, const char *key, int met)
{
    if (met < 0)
        pr_null(p, key);
    else
        pr_bool(p, key, met);
}

/* A ticket's fields (the record is opened by the caller). */
static void ticket_fields(printer *p, const as_ticket *t, int full)
{
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
        pr_int_or_null(p, "kb_article_id", t->kb_article_id, 0);
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
    pr_str(p, "customer", t->customer);
    if (full)
        pr_str(p, "calendar", t->calendar);
    pr_str(p, "station_id", t->station_id);
}

/* Warn on stderr when a running clock's due time lies past the last year
 * the ticket's calendar knows holidays for. */
static void warn_calendar(cli *c, const as_ticket *t)
{
    static const char *const names[2] = {"first response", "resolution"};
    const int64_t due[2] = {t->frt_due, t->res_due};
    for (int k = 0; k < 2 && t->calendar; k++) {
        int known = 1, until = 0;
        if (!due[k] || as_calendar_knows(c->db, t->calendar, due[k], &known, &until) != AS_OK ||
            known)
            continue;
        char at[AS_TIME_BUFSIZE];
        cli_error(c, "warning: ticket %s: %s due %s lies past %d, the last year calendar %s"
                  " knows holidays for (import next year's holidays: calendar import FILE.ics)",
                  t->tracking, names[k], as_time_format(due[k], cli_utc_offset(c), at), until,
                  t->calendar);
    }
}

/* Print the ticket numbered tracking (after a change). */
static int print_one_ticket(cli *c, const char *tracking)
{
    as_ticket *t = NULL;
    as_status st = as_ticket_get(&t, c->db, tracking);
    if (st != AS_OK)
        return cli_fail(c, st);
    warn_calendar(c, t);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    ticket_fields(p, t, 1);
    pr_end(p);
    as_ticket_free(t);
    return cli_print_end(c, p);
}

/* ---- ticket open --------------------------------------------------- */

static const char group_help[] =
    "usage: aftersales ticket COMMAND [ARGS]\n"
    "\n"
    "Tickets from every channel, routed by the rules of the configuration,\n"
    "with first-response and resolution clocks per severity.  T is a ticket's\n"
    "tracking number (9 digits; spaces and dashes are ignored).  A mistyped\n"
    "number is 'not a valid tracking number' (exit 64), not 'not found'.\n"
    "Changes take --by AGENT (who; default system) and --at TIME (when;\n"
    "default now), and print the ticket.\n";

static const char open_help[] =
    "usage: aftersales ticket open --user ID --channel app|phone|wechat|web|station\n"
    "                              --category C --subject S [--body B]\n"
    "                              [--severity normal|urgent|major|systemic]\n"
    "                              [--queue Q] [--assignee A] [--tier TIER] [--station ID]\n"
    "                              [--by WHO] [--at TIME]\n"
    "\n"
    "Open a ticket and print it (its tracking number is the field tracking).\n"
    "--station is the station the matter concerns (reports count tickets by it).\n"
    "Routing rules (config section routing) pick queue, severity and assignee\n"
    "unless given; --tier is the customer's member tier, for rules that match\n"
    "on it.  A systemic ticket is an incident that others link to.  Exit 1 if\n"
    "the user does not exist, 64 for an unknown channel or severity, 65 for a\n"
    "bad value.\n";

static int t_open(cli *c, int argc, char **argv)
{
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    int channel = -1, severity = -1;
    const char *body = "";
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("user", "ID", &in.user_id, cli_check_id, "id"),
        CLI_CHOICE_REQ("channel", &channel, channels),
        CLI_STR_REQ("category", "C", &in.category),
        CLI_STR_REQ("subject", "S", &in.subject),
        CLI_STR("body", "B", &body),
        CLI_CHOICE("severity", &severity, severities),
        CLI_STR("queue", "Q", &in.queue),
        CLI_STR("assignee", "A", &in.assignee),
        CLI_STR("tier", "TIER", &in.member_tier),
        CLI_CHECKED("station", "ID", &in.station_id, cli_check_id, "id"),
        CLI_STR("by", "WHO", &in.by),
        CLI_TIME("at", &in.at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, open_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    in.channel = choice_name(channels, channel);
    in.severity = severity >= 0 ? choice_name(severities, severity) : NULL;
    in.body = body;
    char num[AS_TRACKING_BUFSIZE];
    as_status st = as_ticket_open(c->db, &in, num);
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_one_ticket(c, num);
}

/* ---- show / list --------------------------------------------------- */

static const char show_help[] =
    "usage: aftersales ticket show T [--reveal]\n"
    "\n"
    "Print a ticket and its append-only history (who, when, what): one record,\n"
    "the ticket's fields and events, the history oldest first (in text, a\n"
    "table under the fields).\n"
    "Phone numbers typed into the text are masked (139****5678) unless --reveal.\n";

static int t_show(cli *c, int argc, char **argv)
{
    int reveal = 0;
    const char *tracking = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("T", &tracking, cli_check_tracking, "tracking"),
        CLI_FLAG("reveal", &reveal),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY | (reveal ? AS_OPEN_REVEAL : 0))))
        return code;
    as_ticket *t = NULL;
    as_status st = as_ticket_get(&t, c->db, tracking);
    if (st != AS_OK)
        return cli_fail(c, st);
    as_ticket_event_iter *it = NULL;
    if ((st = as_ticket_event_iter_new(&it, c->db, tracking)) != AS_OK) {
        as_ticket_free(t);
        return cli_fail(c, st);
    }
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    ticket_fields(p, t, 1);
    as_ticket_free(t);
    pr_arr_begin(p, "events");
    const as_ticket_event *e;
    while ((st = as_ticket_event_next(it, &e)) == AS_OK) {
        pr_obj_begin(p, NULL);
        pr_time(p, "at", e->at);
        pr_str(p, "by", e->actor);
        pr_str(p, "kind", e->kind);
        pr_str(p, "from_status", e->from_status);
        pr_str(p, "to_status", e->to_status);
        pr_bool(p, "public", e->public);
        pr_str(p, "text", e->text);
        pr_obj_end(p);
    }
    as_ticket_event_iter_free(it);
    pr_arr_end(p);
    pr_end(p);
    if (st != AS_DONE) {
        pr_finish(p);
        return cli_fail(c, st);
    }
    return cli_print_end(c, p);
}

static const char list_help[] =
    "usage: aftersales ticket list [--status STATUS|open] [--queue Q] [--assignee A]\n"
    "                              [--severity normal|urgent|major|systemic] [--user ID]\n"
    "                              [--overdue [--at TIME]] [--limit N] [--reveal]\n"
    "\n"
    "List tickets, newest first.  --status is one of new, assigned, in_progress,\n"
    "waiting_customer, resolved, closed, merged, cancelled, or open (any of the\n"
    "first four).  --overdue: only tickets with a running SLA clock past due at\n"
    "TIME (default now), earliest first.\n"
    "Phone numbers typed into the text are masked (139****5678) unless --reveal.\n";

static int t_list(cli *c, int argc, char **argv)
{
    int reveal = 0;
    as_ticket_query q = AS_TICKET_QUERY_INIT;
    int status = -1, severity = -1;
    const cli_opt opts[] = {
        CLI_CHOICE("status", &status, list_statuses),
        CLI_STR("queue", "Q", &q.queue),
        CLI_STR("assignee", "A", &q.assignee),
        CLI_CHOICE("severity", &severity, severities),
        CLI_CHECKED("user", "ID", &q.user_id, cli_check_id, "id"),
        CLI_FLAG("overdue", &q.overdue),
        CLI_TIME("at", &q.at),
        CLI_INT("limit", "N", &q.limit, 1, INT64_MAX),
        CLI_FLAG("reveal", &reveal),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    if (status == STATUS_OPEN)
        q.statuses = AS_TICKET_OPEN_STATUSES;
    else if (status >= 0)
        q.statuses = AS_TICKET_STATUS_BIT(status);
    if (severity >= 0)
        q.severity = choice_name(severities, severity);
    if ((code = cli_open(c, AS_OPEN_READONLY | (reveal ? AS_OPEN_REVEAL : 0))))
        return code;
    as_ticket_iter *it;
    as_status st = as_ticket_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_ticket *t;
    while ((st = as_ticket_next(it, &t)) == AS_OK) {
        pr_begin(p);
        ticket_fields(p, t, 0);
        pr_end(p);
    }
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
    "pauses the SLA clocks; leaving it resumes them.  An unknown STATUS exits\n"
    "64; an illegal move exits 65 and lists the allowed ones.\n";
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
    "void), and is printed.  Otherwise a new ticket linked to it is opened and\n"
    "printed.\n";
static const char merge_help[] =
    "usage: aftersales ticket merge DUP --into T [--by WHO] [--at TIME]\n"
    "\n"
    "Mark DUP a duplicate of the open ticket T (DUP becomes merged).  Prints DUP.\n";
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
    const char *tracking = NULL, *status_word = NULL, *to = NULL, *into = NULL,
               *incident = NULL;
    as_ticket_action act = AS_TICKET_ACTION_INIT;
    int wait = 0, clear = 0, has_at = 0;
    int64_t kb = 0, eta = 0;
    cli_opt opts[8];
    size_t n = 0;
    opts[n++] = (cli_opt)CLI_ARG_CHECKED(kind == CH_MERGE ? "DUP" : "T", &tracking,
                                         cli_check_tracking, "tracking");
    switch (kind) {
    case CH_ASSIGN:
        opts[n++] = (cli_opt)CLI_STR_REQ("to", "AGENT", &to);
        break;
    case CH_STATUS:
        opts[n++] = (cli_opt)CLI_ARG_CHECKED("STATUS", &status_word, check_status, "status");
        opts[n++] = (cli_opt)CLI_STR("message", "TEXT", &act.text);
        break;
    case CH_REPLY:
        opts[n++] = (cli_opt)CLI_STR_REQ("message", "TEXT", &act.text);
        opts[n++] = (cli_opt)CLI_FLAG("wait", &wait);
        break;
    case CH_NOTE:
        opts[n++] = (cli_opt)CLI_STR_REQ("message", "TEXT", &act.text);
        break;
    case CH_RESOLVE:
        opts[n++] = (cli_opt)CLI_STR("message", "TEXT", &act.text);
        opts[n++] = (cli_opt)CLI_INT("kb", "ARTICLE", &kb, 1, INT64_MAX);
        break;
    case CH_CLOSE:
    case CH_REOPEN:
        opts[n++] = (cli_opt)CLI_STR("message", "TEXT", &act.text);
        break;
    case CH_MERGE:
        opts[n++] = (cli_opt)CLI_CHECKED_REQ("into", "T", &into, cli_check_tracking, "tracking");
        break;
    case CH_LINK:
        opts[n++] = (cli_opt)CLI_CHECKED_REQ("incident", "P", &incident, cli_check_tracking,
                                             "tracking");
        break;
    case CH_ETA:
        opts[n++] = (cli_opt)CLI_TIME_GIVEN("at", &eta, &has_at);
        opts[n++] = (cli_opt)CLI_FLAG("clear", &clear);
        opts[n++] = (cli_opt)CLI_TIME("now", &act.at);
        break;
    }
    opts[n++] = (cli_opt)CLI_STR("by", "WHO", &act.by);
    if (kind != CH_ETA)
        opts[n++] = (cli_opt)CLI_TIME("at", &act.at);
    opts[n++] = (cli_opt)CLI_END;
    int code = cli_parse(c, argc, argv, opts, helps[kind]);
    if (code != CLI_GO)
        return code;
    if (kind == CH_ETA && has_at == clear)
        return cli_usage(c, "give --at TIME or --clear");
    if ((code = cli_open(c, 0)))
        return code;
    char made[AS_TRACKING_BUFSIZE] = "";
    as_status st = AS_OK;
    switch (kind) {
    case CH_ASSIGN: st = as_ticket_assign(c->db, tracking, to, &act); break;
    case CH_STATUS:
        st = as_ticket_set_status(c->db, tracking,
                                  (as_ticket_status)as_ticket_status_parse(status_word), &act);
        break;
    case CH_REPLY: st = as_ticket_reply(c->db, tracking, &act, wait ? AS_REPLY_WAIT : 0); break;
    case CH_NOTE: st = as_ticket_note(c->db, tracking, &act); break;
    case CH_RESOLVE:
        st = kb ? as_ticket_resolve_kb(c->db, tracking, kb, &act)
                : as_ticket_resolve(c->db, tracking, &act);
        break;
    case CH_CLOSE: st = as_ticket_close(c->db, tracking, &act); break;
    case CH_REOPEN: st = as_ticket_reopen(c->db, tracking, &act, made); break;
    case CH_MERGE: st = as_ticket_merge(c->db, tracking, into, &act); break;
    case CH_LINK: st = as_ticket_link(c->db, tracking, incident, &act); break;
    case CH_ETA: st = as_ticket_eta(c->db, tracking, clear ? 0 : eta, &act); break;
    }
    if (st != AS_OK)
        return cli_fail(c, st);
    return print_one_ticket(c, made[0] ? made : tracking);
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
    const char *tracking = NULL;
    int64_t limit = 5;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("T", &tracking, cli_check_tracking, "tracking"),
        CLI_INT("limit", "N", &limit, 1, INT64_MAX),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, suggest_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_kb_iter *it;
    as_status st = as_ticket_suggest_iter_new(&it, c->db, tracking, limit);
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
    int64_t at = 0, n = 0;
    const cli_opt opts[] = {
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, autoclose_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
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
    "mistyped number is 'not a valid tracking number' (exit 64).\n";

static int t_track(cli *c, int argc, char **argv)
{
    const char *tracking = NULL, *last4 = NULL;
    int64_t now = 0;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("NUMBER", &tracking, cli_check_tracking, "tracking"),
        CLI_STR_REQ("phone-last4", "DDDD", &last4),
        CLI_TIME("at", &now),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, track_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_track *t = NULL;
    as_status st = as_ticket_track(&t, c->db, tracking, last4, now);
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
    "usage: aftersales ticket export [--reveal]\n"
    "\n"
    "Write every ticket as JSON Lines to stdout, whatever --format says: the\n"
    "fields of ticket show under the same names, the SLA clock state and the\n"
    "full history (events as in ticket show, escalations, surveys) with the\n"
    "original times.  ticket import reads it back.  Phone numbers typed into\n"
    "subjects, bodies, events and survey comments are masked (139****5678)\n"
    "unless --reveal: export with --reveal for a copy to import elsewhere.\n";

static int t_export(cli *c, int argc, char **argv)
{
    int reveal = 0;
    const cli_opt opts[] = {CLI_FLAG("reveal", &reveal), CLI_END};
    int code = cli_parse(c, argc, argv, opts, export_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY | (reveal ? AS_OPEN_REVEAL : 0))))
        return code;
    as_status st = as_ticket_export(c->db, stdout, NULL);
    return st == AS_OK ? 0 : cli_fail(c, st);
}

static const char import_help[] =
    "usage: aftersales ticket import [--skip-bad] [--dry-run] [--rejects FILE [--force]] FILE|-\n"
    "\n"
    "Read JSON Lines written by ticket export (of this version, or of 0.1.0).\n"
    "Tickets keep their tracking numbers, times and history; a number already\n"
    "in the database is left alone (unchanged), so importing twice changes\n"
    "nothing.  The users must exist.  Every bad line is reported as\n"
    "FILE:LINE: field: reason; if any is bad nothing is imported (exit 65)\n"
    "unless --skip-bad.\n";

static int t_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, as_ticket_import, import_help, 0);
}

int cmd_ticket(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"open", t_open, "open a ticket; prints it"},
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
    as_sla_query q = AS_SLA_QUERY_INIT;
    const cli_opt opts[] = {
        CLI_TIME("at", &q.at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, check_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    if (!q.at)   /* one time for the sweep and the listing */
        q.at = (int64_t)time(NULL);
    as_sla_sweep_result swept;
    as_status st = as_sla_sweep(c->db, q.at, &swept);
    if (st != AS_OK)
        return cli_fail(c, st);
    q.sweep = &swept;
    as_sla_iter *it;
    if ((st = as_sla_iter_new(&it, c->db, &q)) != AS_OK)
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
        pr_str(p, "calendar_warning", v->calendar_warning);
        pr_end(p);
        if (v->calendar_warning)
            cli_error(c, "warning: ticket %s, %s clock: %s (import next year's holidays:"
                      " calendar import FILE.ics)", v->tracking, v->clock, v->calendar_warning);
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
    "usage: aftersales survey pending [--at TIME] [--limit N]\n"
    "\n"
    "List pending surveys, earliest due first: resolved tickets whose customer\n"
    "has not answered yet, and whose survey has not expired at TIME (default\n"
    "now; a survey expires tickets.survey_expires_after after the resolution).\n"
    "agent is who resolved the ticket.  due_at is when the call-back is due\n"
    "(tickets.survey_within).\n";

static int s_pending(cli *c, int argc, char **argv)
{
    as_survey_query q = AS_SURVEY_QUERY_INIT;
    const cli_opt opts[] = {
        CLI_TIME("at", &q.at),
        CLI_INT("limit", "N", &q.limit, 1, INT64_MAX),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, pending_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_survey_iter *it;
    as_status st = as_survey_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_survey *s;
    while ((st = as_survey_next(it, &s)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "tracking", s->tracking);
        pr_str(p, "user_id", s->user_id);
        pr_str(p, "agent", s->agent);
        pr_str(p, "queue", s->queue);
        pr_str(p, "status", as_survey_status_name(s->status));
        pr_time(p, "created_at", s->created_at);
        pr_time(p, "due_at", s->due_at);
        pr_time(p, "expires_at", s->expires_at);
        pr_end(p);
    }
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
    "Exit 1 if the ticket has no pending survey, 64 for a score out of 1..5.\n";

static int s_record(cli *c, int argc, char **argv)
{
    const char *tracking = NULL, *comment = NULL;
    int64_t score = 0, at = 0;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("T", &tracking, cli_check_tracking, "tracking"),
        CLI_INT_REQ("score", "1..5", &score, 1, 5),
        CLI_STR("comment", "TEXT", &comment),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, record_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    char follow[AS_TRACKING_BUFSIZE], num[AS_TRACKING_BUFSIZE];
    as_status st = as_survey_record(c->db, tracking, (int)score, comment, at, follow);
    if (st != AS_OK)
        return cli_fail(c, st);
    normalize_tracking(tracking, num);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "tracking", num);
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
    "usage: aftersales report sla --from TIME --to TIME --by level|queue|agent|week\n"
    "                             [--station ID]\n"
    "\n"
    "SLA attainment of the tickets opened in the period: per group (a field\n"
    "named as --by says) the ticket count, then for first response and\n"
    "resolution the stopped clocks, the share met (a percentage, one decimal;\n"
    "null when no clock stopped), and the median and 90th percentile of the\n"
    "business minutes used (nearest rank).  --by week: the business week\n"
    "(Monday 00:00 in the business zone) the ticket was opened in, named by its\n"
    "Monday (YYYY-MM-DD); every week of the period is listed, oldest first, a\n"
    "week without tickets too.  --station: only the tickets of that station.\n"
    "Exit 64 for a bad option: --by week with --from not before --to or a period\n"
    "over 10000 weeks, a --station that is not an id.\n";

static const char rcsat_help[] =
    "usage: aftersales report csat --from TIME --to TIME --by agent|queue [--station ID]\n"
    "\n"
    "Satisfaction per group (a field named as --by says; the agent is who\n"
    "resolved the ticket, not its assignee).  From the surveys answered in the\n"
    "period: answers, mean score (two decimals) and the share of 4 and 5\n"
    "(csat_pct, one decimal), null without answers.  From the surveys made by\n"
    "resolutions in the period: surveys, responded (answered before the\n"
    "period's end) and response_rate_pct, callbacks_on_time (answered by the\n"
    "survey's due time, tickets.survey_within: the seed's call-back within 24 h)\n"
    "and callback_on_time_pct, and expired (unanswered past\n"
    "tickets.survey_expires_after).  --station: only the surveys of that\n"
    "station's tickets.\n";

/* A percentage the library gives as -1 when there is nothing to count. */
static int report(cli *c, int argc, char **argv, int csat)
{
    as_report_query q = AS_REPORT_QUERY_INIT;
    int by = -1;
    const cli_opt opts[] = {
        CLI_TIME_REQ("from", &q.from),
        CLI_TIME_REQ("to", &q.to),
        CLI_CHOICE_REQ("by", &by, csat ? csat_by : sla_by),
        CLI_CHECKED("station", "ID", &q.station_id, cli_check_id, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, csat ? rcsat_help : rsla_help);
    if (code != CLI_GO)
        return code;
    q.by = (as_report_by)by;
    if (q.by == AS_REPORT_BY_WEEK && q.from >= q.to)
        return cli_usage(c, "--from is not before --to");
    const char *group = as_report_by_name(q.by);
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_status st;
    printer *p;
    if (csat) {
        as_report_csat_iter *it;
        if ((st = as_report_csat_iter_new(&it, c->db, &q)) != AS_OK)
            return cli_fail(c, st);
        p = cli_printer(c, PR_LIST);
        const as_report_csat_row *r;
        while ((st = as_report_csat_next(it, &r)) == AS_OK) {
            pr_begin(p);
            pr_str(p, group, r->group);
            pr_int(p, "answers", r->answers);
            if (r->mean_score < 0)
                pr_null(p, "mean_score");
            else
                pr_real(p, "mean_score", r->mean_score, 2);
            pr_pct(p, "csat_pct", r->csat_pct);
            pr_int(p, "surveys", r->surveys);
            pr_int(p, "responded", r->responded);
            pr_pct(p, "response_rate_pct", r->response_rate_pct);
            pr_int(p, "callbacks_on_time", r->callbacks_on_time);
            pr_pct(p, "callback_on_time_pct", r->callback_on_time_pct);
            pr_int(p, "expired", r->expired);
            pr_end(p);
        }
        as_report_csat_iter_free(it);
    } else {
        as_report_sla_iter *it;
        /* Invalid here is an option's value: the period, --by, --station. */
        if ((st = as_report_sla_iter_new(&it, c->db, &q)) == AS_INVALID)
            return cli_usage(c, "%s", as_errmsg(c->db));
        if (st != AS_OK)
            return cli_fail(c, st);
        p = cli_printer(c, PR_LIST);
        const as_report_sla_row *r;
        while ((st = as_report_sla_next(it, &r)) == AS_OK) {
            pr_begin(p);
            pr_str(p, group, r->group);
            pr_int(p, "tickets", r->tickets);
            pr_int(p, "first_response_n", r->first_response_n);
            pr_pct(p, "first_response_met_pct", r->first_response_met_pct);
            pr_int_or_null(p, "first_response_median_min", r->first_response_median_min, -1);
            pr_int_or_null(p, "first_response_p90_min", r->first_response_p90_min, -1);
            pr_int(p, "resolution_n", r->resolution_n);
            pr_pct(p, "resolution_met_pct", r->resolution_met_pct);
            pr_int_or_null(p, "resolution_median_min", r->resolution_median_min, -1);
            pr_int_or_null(p, "resolution_p90_min", r->resolution_p90_min, -1);
            pr_end(p);
        }
        as_report_sla_iter_free(it);
    }
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int r_sla(cli *c, int argc, char **argv) { return report(c, argc, argv, 0); }
static int r_csat(cli *c, int argc, char **argv) { return report(c, argc, argv, 1); }

int cmd_report(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"sla", r_sla, "SLA attainment by level, queue or agent"},
        {"csat", r_csat, "satisfaction by agent or queue"},
        {"loyalty", cli_report_loyalty, "coupons, points, plans and partner offers"},
        {"outbox", cli_report_outbox, "notifications written, delivered, failed ... by kind"},
        {"fuel", cli_report_fuel, "fueling volume and spend by station, grade or week"},
        {"demand", cli_report_demand, "demand topics and what shipped (as demand list)"},
        {"times", cli_report_times, "first-response and resolution time distributions"},
        {"tickets", cli_report_tickets, "tickets by category, channel or station"},
        {"feedback", cli_report_feedback, "feedback ratings by station, dimension, day or week"},
        {"sentiment", cli_report_sentiment, "comment sentiment by week, top negative terms"},
        {"urgent", cli_report_urgent, "urgent feedback and how fast it became a ticket"},
        {"html", cli_report_html, "every report above in one self-contained HTML page"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "report", table, argc, argv, report_help);
}
