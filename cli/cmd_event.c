/* cmd_event.c - aftersales event|panel|proposal: community events (车友会,
 * 节油挑战赛) and the advisory panel (用户顾问团). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- help texts ---------------------------------------------------------- */

static const char event_help[] =
    "usage: aftersales event COMMAND [ARGS]\n"
    "\n"
    "Community events (车友会 meet-ups, 节油挑战赛 challenges) with a capacity.\n"
    "A registration takes a seat while one is free, else a place on the\n"
    "waitlist in order of arrival; a cancellation before the start promotes the\n"
    "first waitlisted.  Check-in is open from an hour before the start to the\n"
    "end.  Reminders go through the outbox (event remind).\n";

static const char add_help[] =
    "usage: aftersales event add --title TEXT --kind meetup|challenge --starts TIME\n"
    "                            --ends TIME --capacity N [--station ID] [--city TEXT]\n"
    "                            [--remind-before DURATION]\n"
    "\n"
    "Create an event and print it.  N is 1 to 100000 seats; --remind-before\n"
    "(1m to 30d) makes event remind write a reminder that long before the\n"
    "start.  Exit 65 if the event ends before it starts or a text is invalid.\n";

static const char show_help[] =
    "usage: aftersales event show ID [--at TIME]\n"
    "\n"
    "Print an event with its counts and its registrations in order of arrival,\n"
    "as the world stood at TIME (default now).  Exit 1 if there is no such\n"
    "event.\n";

static const char list_help[] =
    "usage: aftersales event list [--from TIME] [--to TIME] [--at TIME]\n"
    "\n"
    "List the events that overlap [--from, --to) (each bound optional), by start\n"
    "time, with their counts at TIME (default now).\n";

static const char register_help[] =
    "usage: aftersales event register ID --user ID [--at TIME]\n"
    "\n"
    "Register a user at TIME (default now) and print the registration:\n"
    "registered while seats remain (and nobody waits), else waitlisted with its\n"
    "place.  Exit 1 if the event or user does not exist; 65 if the user is\n"
    "already registered or waitlisted, was erased, or the event has started.\n";

static const char cancel_help[] =
    "usage: aftersales event cancel ID --user ID [--at TIME]\n"
    "\n"
    "Cancel a user's registration at TIME (default now), before the start, and\n"
    "print it with the registration promoted from the waitlist into the freed\n"
    "seat (promoted: null when nobody was).  Exit 1 if the event or user does not\n"
    "exist or the user holds no registration; 65 if the event has started or\n"
    "the user has checked in.\n";

static const char checkin_help[] =
    "usage: aftersales event checkin ID --user ID [--at TIME]\n"
    "\n"
    "Check a registered user in at TIME (default now): from an hour before the\n"
    "start until the end.  Exit 1 if the event or user does not exist or the\n"
    "user holds no registration; 65 if waitlisted, outside the window, or\n"
    "checked in already.\n";

static const char attendance_help[] =
    "usage: aftersales event attendance ID [--at TIME]\n"
    "\n"
    "The attendance of an event as the world stood at TIME (default now):\n"
    "registered (holding a seat), waitlisted, cancelled, promoted, checked in,\n"
    "no-shows (registered and not checked in; null until the event has ended)\n"
    "and attendance_pct (checked in / registered).  Exit 1 if there is no such\n"
    "event.\n";

static const char remind_help[] =
    "usage: aftersales event remind [--at TIME]\n"
    "\n"
    "Write the event reminders due at TIME (default now) to the outbox: for\n"
    "each event whose --remind-before window holds TIME, one notification of\n"
    "kind event to each registered user with consent to service notices,\n"
    "deferred past their quiet hours, expiring at the start.  Running it again\n"
    "writes nothing twice (key event:EVENT:USER).  Run it from cron as often\n"
    "as remind run.\n";

static const char panel_help[] =
    "usage: aftersales panel COMMAND [ARGS]\n"
    "\n"
    "The advisory panel (用户顾问团): the users who vote on proposals.\n";

static const char add_member_help[] =
    "usage: aftersales panel add-member --user ID [--at TIME]\n"
    "\n"
    "Put a user on the panel from TIME (default now).  Exit 1 if the user does\n"
    "not exist; 65 if already a member, erased, or TIME is before the end of\n"
    "their previous term.\n";

static const char remove_member_help[] =
    "usage: aftersales panel remove-member --user ID [--at TIME]\n"
    "\n"
    "End a user's membership at TIME (default now); votes cast stay.  Exit 1 if\n"
    "the user does not exist or is not a member; 65 if TIME is before they\n"
    "joined.\n";

static const char members_help[] =
    "usage: aftersales panel members [--at TIME]\n"
    "\n"
    "List the members of the panel at TIME (default now) by user id (user_id\n"
    "null for an erased member).\n";

static const char proposal_help[] =
    "usage: aftersales proposal COMMAND [ARGS]\n"
    "\n"
    "Proposals put to the advisory panel: options, a closing time, one vote\n"
    "per member (held by the database), results with turnout once closed.\n";

static const char padd_help[] =
    "usage: aftersales proposal add --title TEXT --option TEXT --option TEXT [...]\n"
    "                               --closes TIME [--opens TIME]\n"
    "\n"
    "Create a proposal with 2 to 20 distinct options, open for votes from\n"
    "--opens (default now) until --closes, and print it.  Exit 65 if it closes\n"
    "before it opens, or options repeat.\n";

static const char pshow_help[] =
    "usage: aftersales proposal show ID [--partial] [--at TIME]\n"
    "\n"
    "Print a proposal as the world stood at TIME (default now): once closed,\n"
    "the votes per option, voters, members (the panel at closing, plus voters\n"
    "who had left it) and turnout_pct (voters / members); while open, only\n"
    "with --partial (the votes cast by TIME).  Exit 1 if there is no such\n"
    "proposal.\n";

static const char plist_help[] =
    "usage: aftersales proposal list [--at TIME]\n"
    "\n"
    "List the proposals with their options; results for the closed ones.\n";

static const char vote_help[] =
    "usage: aftersales proposal vote ID --user ID --option N|TEXT [--at TIME]\n"
    "\n"
    "Record a member's vote at TIME (default now) for an option given by its\n"
    "text (a numeric label such as 95 is a label) or its number; a text that is\n"
    "one option's label and another's number is refused as ambiguous.  Exit 1 if the proposal or user does not exist; 65 if\n"
    "the user is not a member at TIME, the proposal is not open at TIME, there\n"
    "is no such option, or the member has voted on it already.\n";

/* ---- shared ------------------------------------------------------------------ */

static int check_num_id(const char *v, char *why, size_t whysz)
{
    long long n = cli_parse_count(v);
    if (n >= 1)
        return 0;
    snprintf(why, whysz, "is not an id (a positive integer)");
    return -1;
}

static int check_text(const char *v, char *why, size_t whysz)
{
    if (v[0])
        return 0;
    snprintf(why, whysz, "is empty");
    return -1;
}

static int64_t num_id(const char *v)
{
    return (int64_t)cli_parse_count(v);
}

static const cli_choice kinds[] = {
    {"meetup", AS_EVENT_MEETUP},
    {"challenge", AS_EVENT_CHALLENGE},
    {NULL, 0},
};

static void print_event_fields(printer *p, const as_event *e)
{
    pr_int(p, "event_id", e->id);
    pr_str(p, "title", e->title);
    pr_str(p, "kind", as_event_kind_name(e->kind));
    pr_time(p, "starts_at", e->starts_at);
    pr_time(p, "ends_at", e->ends_at);
    pr_int(p, "capacity", e->capacity);
    pr_str(p, "station_id", e->station_id);
    pr_str(p, "city", e->city);
    pr_int_or_null(p, "remind_before_s", e->remind_before_s, 0);
    pr_time(p, "created_at", e->created_at);
    pr_time(p, "at", e->at);
    pr_int(p, "registered", e->registered);
    pr_int(p, "waitlisted", e->waitlisted);
    pr_int(p, "seats_left", e->seats_left);
}

static void print_reg_fields(printer *p, const as_registration *r)
{
    pr_int(p, "registration_id", r->id);
    pr_int(p, "event_id", r->event_id);
    pr_str(p, "user_id", r->user_id[0] ? r->user_id : NULL);
    pr_str(p, "status", as_registration_status_name(r->status));
    pr_int_or_null(p, "position", r->position, 0);
    pr_time(p, "queued_at", r->queued_at);
    pr_time(p, "seated_at", r->seated_at);
    pr_bool(p, "from_waitlist", r->promoted);
    pr_time(p, "cancelled_at", r->cancelled_at);
    pr_time(p, "checked_in_at", r->checked_in_at);
}

static int print_reg(cli *c, const as_registration *r)
{
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    print_reg_fields(p, r);
    pr_end(p);
    return cli_print_end(c, p);
}

/* ---- event ------------------------------------------------------------------ */

static int show_event(cli *c, int64_t id, int64_t at, int with_regs)
{
    as_event *e = NULL;
    as_status st = as_event_get(&e, c->db, id, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    as_registration_iter *it = NULL;
    if (with_regs && (st = as_registration_iter_new(&it, c->db, id, at)) != AS_OK) {
        as_event_free(e);
        return cli_fail(c, st);
    }
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    print_event_fields(p, e);
    as_event_free(e);
    if (with_regs) {
        pr_arr_begin(p, "registrations");
        const as_registration *r;
        while ((st = as_registration_next(it, &r)) == AS_OK) {
            pr_obj_begin(p, NULL);
            print_reg_fields(p, r);
            pr_obj_end(p);
        }
        pr_arr_end(p);
        as_registration_iter_free(it);
    }
    pr_end(p);
    int code = cli_print_end(c, p);
    return with_regs && st != AS_DONE ? cli_fail(c, st) : code;
}

static int event_add(cli *c, int argc, char **argv)
{
    const char *title = NULL, *station = NULL, *city = NULL;
    int kind = 0;
    int64_t starts = 0, ends = 0, capacity = 0, remind = 0;
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("title", "TEXT", &title, check_text, "text"),
        CLI_CHOICE_REQ("kind", &kind, kinds),
        CLI_TIME_REQ("starts", &starts),
        CLI_TIME_REQ("ends", &ends),
        CLI_INT_REQ("capacity", "N", &capacity, 1, 100000),
        CLI_CHECKED("station", "ID", &station, cli_check_id, "id"),
        CLI_CHECKED("city", "TEXT", &city, check_text, "text"),
        CLI_DURATION("remind-before", &remind, 60, 30 * 86400),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, add_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_event_input in = AS_EVENT_INPUT_INIT;
    in.title = title;
    in.kind = (as_event_kind)kind;
    in.starts_at = starts;
    in.ends_at = ends;
    in.capacity = capacity;
    in.station_id = station;
    in.city = city;
    in.remind_before_s = remind;
    int64_t id = 0;
    as_status st = as_event_add(c->db, &in, &id);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_event(c, id, 0, 0);
}

static int event_show(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int64_t at = 0;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_event(c, num_id(id), at, 1);
}

static int event_list(cli *c, int argc, char **argv)
{
    as_event_query q = AS_EVENT_QUERY_INIT;
    const cli_opt opts[] = {
        CLI_TIME("from", &q.from),
        CLI_TIME("to", &q.to),
        CLI_TIME("at", &q.at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    if (q.from && q.to && q.to <= q.from)
        return cli_usage(c, "--to must be after --from");
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_event_iter *it;
    as_status st = as_event_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_event *e;
    while ((st = as_event_next(it, &e)) == AS_OK) {
        pr_begin(p);
        print_event_fields(p, e);
        pr_end(p);
    }
    as_event_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

/* register, cancel and checkin take the same options */
enum { DO_REGISTER, DO_CANCEL, DO_CHECKIN };

static int event_write(cli *c, int argc, char **argv, int what, const char *help)
{
    const char *id = NULL, *user = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num_id, "id"),
        CLI_CHECKED_REQ("user", "ID", &user, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_registration r, promoted;
    as_status st;
    if (what == DO_REGISTER)
        st = as_event_register(c->db, num_id(id), user, at, &r);
    else if (what == DO_CANCEL)
        st = as_event_cancel(c->db, num_id(id), user, at, &r, &promoted);
    else
        st = as_event_checkin(c->db, num_id(id), user, at, &r);
    if (st != AS_OK)
        return cli_fail(c, st);
    if (what != DO_CANCEL)
        return print_reg(c, &r);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    print_reg_fields(p, &r);
    if (promoted.id) {
        pr_obj_begin(p, "promoted");
        print_reg_fields(p, &promoted);
        pr_obj_end(p);
    } else {
        pr_null(p, "promoted");
    }
    pr_end(p);
    return cli_print_end(c, p);
}

static int event_register(cli *c, int argc, char **argv)
{
    return event_write(c, argc, argv, DO_REGISTER, register_help);
}

static int event_cancel(cli *c, int argc, char **argv)
{
    return event_write(c, argc, argv, DO_CANCEL, cancel_help);
}

static int event_checkin(cli *c, int argc, char **argv)
{
    return event_write(c, argc, argv, DO_CHECKIN, checkin_help);
}

static int event_attendance(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, attendance_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_event_attendance a;
    as_status st = as_event_attendance_get(c->db, num_id(id), at, &a);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "event_id", a.event_id);
    pr_time(p, "at", a.at);
    pr_int(p, "capacity", a.capacity);
    pr_int(p, "registered", a.registered);
    pr_int(p, "waitlisted", a.waitlisted);
    pr_int(p, "cancelled", a.cancelled);
    pr_int(p, "promoted", a.promoted);
    pr_int(p, "checked_in", a.checked_in);
    pr_bool(p, "ended", a.ended);
    pr_int_or_null(p, "no_shows", a.no_shows, -1);
    pr_real(p, "attendance_pct", a.attendance_pct, 1);
    pr_end(p);
    return cli_print_end(c, p);
}

static int event_remind(cli *c, int argc, char **argv)
{
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, remind_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_event_remind_stats s;
    as_status st = as_event_remind(c->db, at, &s);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_time(p, "at", at);
    pr_int(p, "events", (int64_t)s.events);
    pr_int(p, "written", (int64_t)s.written);
    pr_int(p, "deferred", (int64_t)s.deferred);
    pr_int(p, "duplicates", (int64_t)s.duplicates);
    pr_int(p, "skipped", (int64_t)s.skipped);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_event(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", event_add, "create an event"},
        {"show", event_show, "show an event and its registrations"},
        {"list", event_list, "list events"},
        {"register", event_register, "register a user (or waitlist them)"},
        {"cancel", event_cancel, "cancel a registration, promoting the waitlist"},
        {"checkin", event_checkin, "check a registered user in"},
        {"attendance", event_attendance, "the attendance of an event"},
        {"remind", event_remind, "write due event reminders to the outbox"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "event", table, argc, argv, event_help);
}

/* ---- panel ------------------------------------------------------------------- */

static int panel_member_write(cli *c, int argc, char **argv, int add)
{
    const char *user = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("user", "ID", &user, cli_check_id, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, add ? add_member_help : remove_member_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = add ? as_panel_add_member(c->db, user, at)
                       : as_panel_remove_member(c->db, user, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "user_id", user);
    pr_bool(p, "member", add);
    pr_time(p, "at", at);
    pr_end(p);
    return cli_print_end(c, p);
}

static int panel_add_member(cli *c, int argc, char **argv)
{
    return panel_member_write(c, argc, argv, 1);
}

static int panel_remove_member(cli *c, int argc, char **argv)
{
    return panel_member_write(c, argc, argv, 0);
}

static int panel_members(cli *c, int argc, char **argv)
{
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, members_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_panel_iter *it;
    as_status st = as_panel_iter_new(&it, c->db, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_panel_member *m;
    while ((st = as_panel_next(it, &m)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "user_id", m->user_id);
        pr_int(p, "member_id", m->member_id);
        pr_time(p, "joined_at", m->joined_at);
        pr_end(p);
    }
    as_panel_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

int cmd_panel(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add-member", panel_add_member, "put a user on the advisory panel"},
        {"remove-member", panel_remove_member, "end a user's membership"},
        {"members", panel_members, "list the members"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "panel", table, argc, argv, panel_help);
}

/* ---- proposal ------------------------------------------------------------------ */

static void print_proposal_fields(printer *p, const as_proposal *x)
{
    pr_int(p, "proposal_id", x->id);
    pr_str(p, "title", x->title);
    pr_time(p, "opens_at", x->opens_at);
    pr_time(p, "closes_at", x->closes_at);
    pr_time(p, "created_at", x->created_at);
    pr_time(p, "at", x->at);
    pr_str(p, "status", x->closed ? "closed" : x->at < x->opens_at ? "upcoming" : "open");
    pr_bool(p, "counted", x->counted);
    pr_arr_begin(p, "options");
    for (size_t i = 0; i < x->noptions; i++) {
        pr_obj_begin(p, NULL);
        pr_int(p, "position", x->options[i].position);
        pr_str(p, "label", x->options[i].label);
        pr_int_or_null(p, "votes", x->options[i].votes, -1);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_int_or_null(p, "voters", x->voters, -1);
    pr_int_or_null(p, "members", x->members, -1);
    pr_real(p, "turnout_pct", x->turnout_pct, 1);
}

static int show_proposal(cli *c, int64_t id, int64_t at, unsigned flags)
{
    as_proposal *x = NULL;
    as_status st = as_proposal_get(&x, c->db, id, at, flags);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    print_proposal_fields(p, x);
    pr_end(p);
    as_proposal_free(x);
    return cli_print_end(c, p);
}

static int proposal_add(cli *c, int argc, char **argv)
{
    const char *title = NULL;
    cli_list options = {0, NULL};
    int64_t opens = 0, closes = 0;
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("title", "TEXT", &title, check_text, "text"),
        CLI_LIST("option", "TEXT", &options),
        CLI_TIME_REQ("closes", &closes),
        CLI_TIME("opens", &opens),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, padd_help);
    if (code != CLI_GO) {
        cli_list_free(&options);
        return code;
    }
    if (options.n < 2 || options.n > 20) {
        cli_list_free(&options);
        return cli_usage(c, "--option: give 2 to 20 options");
    }
    for (int i = 0; i < options.n; i++)
        if (!options.v[i][0]) {
            cli_list_free(&options);
            return cli_usage(c, "--option: an option is empty");
        }
    if ((code = cli_open(c, 0))) {
        cli_list_free(&options);
        return code;
    }
    int64_t id = 0;
    as_status st = as_proposal_add(c->db, title, (const char *const *)options.v, (size_t)options.n,
                                   opens, closes, &id);
    cli_list_free(&options);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_proposal(c, id, opens ? opens : (int64_t)time(NULL), 0);
}

static int proposal_show(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int64_t at = (int64_t)time(NULL);
    int partial = 0;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num_id, "id"),
        CLI_FLAG("partial", &partial),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, pshow_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_proposal(c, num_id(id), at, partial ? AS_PROPOSAL_PARTIAL : 0);
}

static int proposal_list(cli *c, int argc, char **argv)
{
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, plist_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_proposal_iter *it;
    as_status st = as_proposal_iter_new(&it, c->db, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_proposal *x;
    while ((st = as_proposal_next(it, &x)) == AS_OK) {
        pr_begin(p);
        print_proposal_fields(p, x);
        pr_end(p);
    }
    as_proposal_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

static int proposal_vote(cli *c, int argc, char **argv)
{
    const char *id = NULL, *user = NULL, *option = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num_id, "id"),
        CLI_CHECKED_REQ("user", "ID", &user, cli_check_id, "id"),
        CLI_CHECKED_REQ("option", "N|TEXT", &option, check_text, "text"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, vote_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t pos = 0;
    as_status st = as_proposal_vote(c->db, num_id(id), user, option, at, &pos);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "proposal_id", num_id(id));
    pr_str(p, "user_id", user);
    pr_int(p, "position", pos);
    pr_time(p, "at", at);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_proposal(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", proposal_add, "put a proposal to the panel"},
        {"show", proposal_show, "show a proposal and, once closed, its results"},
        {"list", proposal_list, "list proposals"},
        {"vote", proposal_vote, "record a member's vote"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "proposal", table, argc, argv, proposal_help);
}
