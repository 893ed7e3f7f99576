/* test_event.c - community events (capacity, waitlist, promotion, check-in,
 * attendance, the reminder through the outbox) and the advisory panel
 * (members, proposals, one vote per member, results and turnout), and
 * what user forget leaves of them. */
#include "helpers.h"

#include <math.h>
#include <sys/wait.h>

TestSuite(event, .fini = th_cleanup);

/* An event in 2030 (after any real "now": erasure cancels seats of events
 * to come) from 09:00 to 12:00 on 10-10, capacity cap, reminder 12 h. */
#define START "2030-10-10T09:00:00+08:00"
#define END "2030-10-10T12:00:00+08:00"

static int64_t add_event(as_db *db, int64_t cap)
{
    as_event_input in = AS_EVENT_INPUT_INIT;
    in.title = "节油挑战赛";
    in.kind = AS_EVENT_CHALLENGE;
    in.starts_at = th_time(START);
    in.ends_at = th_time(END);
    in.capacity = cap;
    in.city = "昆明";
    in.remind_before_s = 12 * 3600;
    int64_t id = 0;
    cr_assert_eq(as_event_add(db, &in, &id), AS_OK, "%s", as_errmsg(db));
    cr_assert_gt(id, 0);
    return id;
}

static as_registration reg(as_db *db, int64_t ev, const char *user, const char *at)
{
    as_registration r;
    cr_assert_eq(as_event_register(db, ev, user, th_time(at), &r), AS_OK, "%s: %s", user,
                 as_errmsg(db));
    return r;
}

Test(event, add_checks_its_input)
{
    as_db *db = th_open_new();
    as_event_input in = AS_EVENT_INPUT_INIT;
    in.title = "x";
    in.starts_at = th_time(END);
    in.ends_at = th_time(START);
    in.capacity = 1;
    cr_assert_eq(as_event_add(db, &in, NULL), AS_INVALID);
    in.starts_at = th_time(START);
    in.ends_at = th_time(END);
    in.capacity = 0;
    cr_assert_eq(as_event_add(db, &in, NULL), AS_INVALID);
    in.capacity = 1;
    in.title = "";
    cr_assert_eq(as_event_add(db, &in, NULL), AS_INVALID);
    in.title = "x";
    in.station_id = "has space";
    cr_assert_eq(as_event_add(db, &in, NULL), AS_INVALID);
    in.station_id = NULL;
    in.kind = (as_event_kind)9;
    cr_assert_eq(as_event_add(db, &in, NULL), AS_MISUSE);
    in.kind = AS_EVENT_MEETUP;
    in.version = 99;
    cr_assert_eq(as_event_add(db, &in, NULL), AS_MISUSE);
    cr_assert_eq(as_event_add(NULL, &in, NULL), AS_MISUSE);
    cr_assert_eq(th_count("SELECT count(*) FROM events"), 0);
    as_close(db);
}

Test(event, capacity_waitlist_and_promotion)
{
    as_db *db = th_open_new();
    for (int i = 1; i <= 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "U%d", i);
        th_add_user(db, id, 0, NULL);
    }
    int64_t ev = add_event(db, 2);
    cr_assert_eq(reg(db, ev, "U1", "2030-10-01T10:00:00+08:00").status, AS_REGISTRATION_REGISTERED);
    cr_assert_eq(reg(db, ev, "U2", "2030-10-01T10:01:00+08:00").status, AS_REGISTRATION_REGISTERED);
    as_registration r3 = reg(db, ev, "U3", "2030-10-01T10:02:00+08:00");
    as_registration r4 = reg(db, ev, "U4", "2030-10-01T10:03:00+08:00");
    cr_assert_eq(r3.status, AS_REGISTRATION_WAITLISTED);
    cr_assert_eq(r3.position, 1);
    cr_assert_eq(r4.position, 2);
    /* twice, and after the start */
    cr_assert_eq(as_event_register(db, ev, "U1", th_time("2030-10-02T00:00:00+08:00"), NULL),
                 AS_EXISTS);
    cr_assert_eq(as_event_register(db, ev, "U3", th_time("2030-10-02T00:00:00+08:00"), NULL),
                 AS_EXISTS);
    cr_assert_eq(as_event_register(db, ev, "U5", th_time(START), NULL), AS_INVALID);
    cr_assert_eq(as_event_register(db, ev, "nobody", th_time("2030-10-02T00:00:00+08:00"), NULL),
                 AS_NOTFOUND);
    cr_assert_eq(as_event_register(db, ev + 1, "U5", th_time("2030-10-02T00:00:00+08:00"), NULL),
                 AS_NOTFOUND);
    /* the seated cancel: the first waitlisted takes the seat at that time */
    as_registration c, p;
    cr_assert_eq(as_event_cancel(db, ev, "U1", th_time("2030-10-03T00:00:00+08:00"), &c, &p),
                 AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(c.status, AS_REGISTRATION_CANCELLED);
    cr_assert_str_eq(p.user_id, "U3");
    cr_assert_eq(p.status, AS_REGISTRATION_REGISTERED);
    cr_assert(p.promoted);
    cr_assert_eq(p.seated_at, th_time("2030-10-03T00:00:00+08:00"));
    /* a waitlisted cancels: nobody promoted; U4 was next, now none waits */
    cr_assert_eq(as_event_cancel(db, ev, "U4", th_time("2030-10-03T01:00:00+08:00"), &c, &p),
                 AS_OK);
    cr_assert_eq(p.id, 0);
    cr_assert_eq(as_event_cancel(db, ev, "U4", th_time("2030-10-03T02:00:00+08:00"), NULL, NULL),
                 AS_NOTFOUND);
    cr_assert_eq(as_event_cancel(db, ev, "U2", th_time(START), NULL, NULL), AS_INVALID);
    /* the counts now and as they stood before the cancellations */
    as_event *e = NULL;
    cr_assert_eq(as_event_get(&e, db, ev, th_time("2030-10-04T00:00:00+08:00")), AS_OK);
    cr_assert_eq(e->registered, 2);
    cr_assert_eq(e->waitlisted, 0);
    cr_assert_eq(e->seats_left, 0);
    as_event_free(e);
    cr_assert_eq(as_event_get(&e, db, ev, th_time("2030-10-02T00:00:00+08:00")), AS_OK);
    cr_assert_eq(e->registered, 2);
    cr_assert_eq(e->waitlisted, 2);
    as_event_free(e);
    /* the registrations in order of arrival, as they stand */
    as_registration_iter *it;
    cr_assert_eq(as_registration_iter_new(&it, db, ev, th_time("2030-10-04T00:00:00+08:00")),
                 AS_OK);
    const as_registration *v;
    const char *want[] = {"U1", "U2", "U3", "U4"};
    as_registration_status ws[] = {AS_REGISTRATION_CANCELLED, AS_REGISTRATION_REGISTERED,
                                   AS_REGISTRATION_REGISTERED, AS_REGISTRATION_CANCELLED};
    int n = 0;
    while (as_registration_next(it, &v) == AS_OK) {
        cr_assert_lt(n, 4);
        cr_assert_str_eq(v->user_id, want[n]);
        cr_assert_eq(v->status, ws[n]);
        n++;
    }
    cr_assert_eq(n, 4);
    as_registration_iter_free(it);
    as_close(db);
}

Test(event, checkin_window_and_attendance)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    th_add_user(db, "U3", 0, NULL);
    int64_t ev = add_event(db, 2);
    reg(db, ev, "U1", "2030-10-01T10:00:00+08:00");
    reg(db, ev, "U2", "2030-10-01T10:00:00+08:00");
    reg(db, ev, "U3", "2030-10-01T10:00:00+08:00");
    cr_assert_eq(as_event_checkin(db, ev, "U1", th_time("2030-10-10T07:59:59+08:00"), NULL),
                 AS_INVALID);
    as_registration r;
    cr_assert_eq(as_event_checkin(db, ev, "U1", th_time("2030-10-10T08:00:00+08:00"), &r), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(r.checked_in_at, th_time("2030-10-10T08:00:00+08:00"));
    cr_assert_eq(as_event_checkin(db, ev, "U1", th_time("2030-10-10T08:05:00+08:00"), NULL),
                 AS_EXISTS);
    cr_assert_eq(as_event_checkin(db, ev, "U3", th_time("2030-10-10T08:05:00+08:00"), NULL),
                 AS_INVALID, "a waitlisted registration");
    cr_assert_eq(as_event_checkin(db, ev, "U2", th_time(END), NULL), AS_INVALID);
    cr_assert_eq(as_event_cancel(db, ev, "U1", th_time("2030-10-10T08:30:00+08:00"), NULL, NULL),
                 AS_INVALID, "checked in: no cancelling");
    as_event_attendance a;
    cr_assert_eq(as_event_attendance_get(db, ev, th_time("2030-10-10T11:00:00+08:00"), &a), AS_OK);
    cr_assert_eq(a.ended, 0);
    cr_assert_eq(a.no_shows, -1);
    cr_assert_eq(as_event_attendance_get(db, ev, th_time(END), &a), AS_OK);
    cr_assert_eq(a.capacity, 2);
    cr_assert_eq(a.registered, 2);
    cr_assert_eq(a.waitlisted, 1);
    cr_assert_eq(a.cancelled, 0);
    cr_assert_eq(a.checked_in, 1);
    cr_assert_eq(a.no_shows, 1);
    cr_assert(a.ended);
    cr_assert_float_eq(a.attendance_pct, 50.0, 1e-9);
    /* before anything happened: as the world stood then */
    cr_assert_eq(as_event_attendance_get(db, ev, th_time("2030-09-01T00:00:00+08:00"), &a), AS_OK);
    cr_assert_eq(a.registered + a.waitlisted + a.checked_in, 0);
    cr_assert(isnan(a.attendance_pct));
    cr_assert_eq(as_event_attendance_get(db, ev + 5, 0, &a), AS_NOTFOUND);
    as_close(db);
}

Test(event, reminder_once_deferred_expiring_at_the_start)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, "22:00-08:00");
    th_add_user(db, "U3", 0, NULL);
    th_add_user(db, "U4", 0, NULL);
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_CONSENT_SERVICE;
    in.user_id = "U3";
    in.consent_service = 0;
    cr_assert_eq(as_user_update(db, &in), AS_OK, "%s", as_errmsg(db));
    int64_t ev = add_event(db, 3);
    reg(db, ev, "U1", "2030-10-01T10:00:00+08:00");
    reg(db, ev, "U2", "2030-10-01T10:00:00+08:00");
    reg(db, ev, "U3", "2030-10-01T10:00:00+08:00");
    reg(db, ev, "U4", "2030-10-01T10:00:00+08:00");   /* waitlisted: no reminder */
    as_event_remind_stats s;
    cr_assert_eq(as_event_remind(db, th_time("2030-10-09T20:59:59+08:00"), &s), AS_OK);
    cr_assert_eq(s.events, 0);
    cr_assert_eq(s.written, 0);
    cr_assert_eq(as_event_remind(db, th_time("2030-10-09T22:30:00+08:00"), &s), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(s.events, 1);
    cr_assert_eq(s.written, 2);
    cr_assert_eq(s.deferred, 1);
    cr_assert_eq(s.skipped, 1, "no consent: U3");
    cr_assert_eq(as_event_remind(db, th_time("2030-10-09T23:00:00+08:00"), &s), AS_OK);
    cr_assert_eq(s.written, 0);
    cr_assert_eq(s.duplicates, 2);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE kind = 'event'"), 2);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE kind = 'event' AND expires_at = "
                          "(SELECT starts_at FROM events)"), 2);
    cr_assert_eq(th_count("SELECT not_before FROM outbox WHERE user_id = 'U2'"),
                 th_time("2030-10-10T08:00:00+08:00"));
    cr_assert_eq(th_count("SELECT priority FROM outbox WHERE user_id = 'U1'"), 1);
    /* U1 gives the seat up: the pull suppresses the reminder (and U4, now
     * seated, had none: it was written before) */
    cr_assert_eq(as_event_cancel(db, ev, "U1", th_time("2030-10-09T23:30:00+08:00"), NULL, NULL),
                 AS_OK);
    as_outbox_pull_options po = AS_OUTBOX_PULL_OPTIONS_INIT;
    po.now = th_time("2030-10-09T23:45:00+08:00");
    as_outbox_iter *it;
    cr_assert_eq(as_outbox_pull_iter_new(&it, db, &po), AS_OK, "%s", as_errmsg(db));
    const as_outbox_item *item;
    cr_assert_eq(as_outbox_next(it, &item), AS_DONE, "U1 suppressed, U2 in quiet hours");
    as_outbox_iter_free(it);
    cr_assert_eq(th_count("SELECT status = 'suppressed' FROM outbox WHERE user_id = 'U1'"), 1);
    /* U4 promoted: the next run reminds them */
    cr_assert_eq(as_event_remind(db, th_time("2030-10-09T23:50:00+08:00"), &s), AS_OK);
    cr_assert_eq(s.written, 1);
    /* at the start nothing is handed out any more */
    po.now = th_time(START);
    cr_assert_eq(as_outbox_pull_iter_new(&it, db, &po), AS_OK);
    cr_assert_eq(as_outbox_next(it, &item), AS_DONE);
    as_outbox_iter_free(it);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE kind = 'event' AND status = 'expired'"),
                 2);
    as_close(db);
}

static int64_t add_proposal(as_db *db)
{
    const char *opts[] = {"电子发票自动推送", "夜间加油优惠", "洗车预约"};
    int64_t id = 0;
    cr_assert_eq(as_proposal_add(db, "新功能投票", opts, 3, th_time("2030-09-01"),
                                 th_time("2030-09-10"), &id), AS_OK, "%s", as_errmsg(db));
    return id;
}

Test(event, panel_votes_results_and_turnout)
{
    as_db *db = th_open_new();
    for (int i = 1; i <= 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "U%d", i);
        th_add_user(db, id, 0, NULL);
        if (i <= 4)
            cr_assert_eq(as_panel_add_member(db, id, th_time("2030-08-01")), AS_OK);
    }
    cr_assert_eq(as_panel_add_member(db, "U1", th_time("2030-08-02")), AS_EXISTS);
    cr_assert_eq(as_panel_remove_member(db, "U5", 0), AS_NOTFOUND);
    const char *one[] = {"a"}, *same[] = {"a", "a"};
    cr_assert_eq(as_proposal_add(db, "x", one, 1, 0, th_time("2031-01-01"), NULL), AS_INVALID);
    cr_assert_eq(as_proposal_add(db, "x", same, 2, 0, th_time("2031-01-01"), NULL), AS_INVALID);
    int64_t p = add_proposal(db);
    int64_t pos = 0;
    cr_assert_eq(as_proposal_vote(db, p, "U1", "2", th_time("2030-09-02"), &pos), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(pos, 2);
    cr_assert_eq(as_proposal_vote(db, p, "U2", "夜间加油优惠", th_time("2030-09-02"), &pos), AS_OK);
    cr_assert_eq(pos, 2);
    cr_assert_eq(as_proposal_vote(db, p, "U3", "1", th_time("2030-09-03"), &pos), AS_OK);
    cr_assert_eq(as_proposal_vote(db, p, "U1", "1", th_time("2030-09-04"), NULL), AS_EXISTS);
    cr_assert_eq(as_proposal_vote(db, p, "U5", "1", th_time("2030-09-04"), NULL), AS_INVALID,
                 "not a member");
    cr_assert_eq(as_proposal_vote(db, p, "U4", "1", th_time("2030-09-10"), NULL), AS_INVALID,
                 "closed");
    cr_assert_eq(as_proposal_vote(db, p, "U4", "1", th_time("2030-08-31"), NULL), AS_INVALID,
                 "not open yet");
    cr_assert_eq(as_proposal_vote(db, p, "U4", "4", th_time("2030-09-04"), NULL), AS_INVALID);
    cr_assert_eq(as_proposal_vote(db, p + 1, "U4", "1", th_time("2030-09-04"), NULL),
                 AS_NOTFOUND);
    /* U3 leaves after voting: the vote counts, and so do they in members */
    cr_assert_eq(as_panel_remove_member(db, "U3", th_time("2030-09-05")), AS_OK);
    as_proposal *x = NULL;
    cr_assert_eq(as_proposal_get(&x, db, p, th_time("2030-09-05"), 0), AS_OK);
    cr_assert_eq(x->counted, 0);
    cr_assert_eq(x->options[0].votes, -1);
    cr_assert_eq(x->voters, -1);
    as_proposal_free(x);
    cr_assert_eq(as_proposal_get(&x, db, p, th_time("2030-09-05"), AS_PROPOSAL_PARTIAL), AS_OK);
    cr_assert_eq(x->voters, 3);
    as_proposal_free(x);
    cr_assert_eq(as_proposal_get(&x, db, p, th_time("2030-10-01"), 0), AS_OK);
    cr_assert(x->closed);
    cr_assert_eq(x->noptions, 3);
    cr_assert_eq(x->options[0].votes, 1);
    cr_assert_eq(x->options[1].votes, 2);
    cr_assert_eq(x->options[2].votes, 0);
    cr_assert_eq(x->voters, 3);
    cr_assert_eq(x->members, 4, "U1, U2, U4 at closing, and U3 who voted");
    cr_assert_float_eq(x->turnout_pct, 75.0, 1e-9);
    as_proposal_free(x);
    cr_assert_eq(as_proposal_get(&x, db, p, 0, 7), AS_MISUSE);
    /* the members now */
    as_panel_iter *it;
    cr_assert_eq(as_panel_iter_new(&it, db, th_time("2030-10-01")), AS_OK);
    const as_panel_member *m;
    int n = 0;
    while (as_panel_next(it, &m) == AS_OK)
        n++;
    as_panel_iter_free(it);
    cr_assert_eq(n, 3);
    as_close(db);
}

/* Two processes, each with its own handle, vote for the same member at
 * once: the database holds one vote. */
Test(event, two_processes_vote_once)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    cr_assert_eq(as_panel_add_member(db, "U1", th_time("2030-08-01")), AS_OK);
    int64_t p = add_proposal(db);
    as_close(db);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        cr_assert_neq(kids[k], -1);
        if (kids[k] == 0) {
            as_open_options o = AS_OPEN_OPTIONS_INIT;
            o.busy_timeout_ms = 10000;
            as_db *h = NULL;
            if (as_open(&h, th_path, &o, NULL) != AS_OK)
                _exit(70);
            as_status st = as_proposal_vote(h, p, "U1", k ? "1" : "2", th_time("2030-09-02"),
                                            NULL);
            as_close(h);
            _exit(st == AS_OK ? 0 : st == AS_EXISTS ? 65 : 70);
        }
    }
    int codes[2];
    for (int k = 0; k < 2; k++) {
        int ws = 0;
        cr_assert_eq(waitpid(kids[k], &ws, 0), kids[k]);
        cr_assert(WIFEXITED(ws));
        codes[k] = WEXITSTATUS(ws);
    }
    cr_assert((codes[0] == 0 && codes[1] == 65) || (codes[0] == 65 && codes[1] == 0),
              "exits %d and %d", codes[0], codes[1]);
    cr_assert_eq(th_count("SELECT count(*) FROM proposal_votes"), 1);
}

Test(event, forget_keeps_the_figures_and_frees_seats_to_come)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    th_add_user(db, "U3", 0, NULL);
    int64_t ev = add_event(db, 1);
    reg(db, ev, "U1", "2029-10-01T10:00:00+08:00");
    reg(db, ev, "U2", "2029-10-01T10:01:00+08:00");
    cr_assert_eq(as_panel_add_member(db, "U1", th_time("2020-08-01")), AS_OK);
    cr_assert_eq(as_panel_add_member(db, "U2", th_time("2020-08-01")), AS_OK);
    const char *opts[] = {"是", "否"};
    int64_t p = 0;
    cr_assert_eq(as_proposal_add(db, "t", opts, 2, th_time("2020-09-01"), th_time("2020-09-10"),
                                 &p), AS_OK);
    cr_assert_eq(as_proposal_vote(db, p, "U1", "1", th_time("2020-09-02"), NULL), AS_OK);
    cr_assert_eq(as_proposal_vote(db, p, "U2", "1", th_time("2020-09-02"), NULL), AS_OK);
    as_proposal *before = NULL, *after = NULL;
    cr_assert_eq(as_proposal_get(&before, db, p, th_time("2020-10-01"), 0), AS_OK);
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_proposal_get(&after, db, p, th_time("2020-10-01"), 0), AS_OK);
    cr_assert_eq(after->voters, before->voters);
    cr_assert_eq(after->members, before->members);
    cr_assert_eq(after->options[0].votes, 2);
    as_proposal_free(before);
    as_proposal_free(after);
    cr_assert_eq(th_count("SELECT count(*) FROM event_registrations WHERE user_id = 'U1'"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM panel_members WHERE user_id = 'U1'"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM proposal_votes"), 2);
    /* the event is to come: U1's seat went to U2 */
    cr_assert_eq(th_count("SELECT promoted FROM event_registrations WHERE user_id = 'U2'"), 1);
    cr_assert_eq(th_count("SELECT count(*) FROM event_registrations WHERE user_id IS NULL"
                          " AND cancelled_at IS NOT NULL"), 1);
    /* the erased one can do nothing more; the others still one vote each */
    cr_assert_eq(as_event_register(db, ev, "U1", th_time("2029-10-02"), NULL), AS_INVALID);
    cr_assert_eq(as_proposal_vote(db, p, "U2", "2", th_time("2020-09-03"), NULL), AS_EXISTS);
    cr_assert_eq(as_panel_add_member(db, "U1", 0), AS_INVALID);
    as_close(db);
}

Test(event, misuse_and_names)
{
    cr_assert_str_eq(as_event_kind_name(AS_EVENT_MEETUP), "meetup");
    cr_assert_null(as_event_kind_name((as_event_kind)0));
    cr_assert_str_eq(as_registration_status_name(AS_REGISTRATION_WAITLISTED), "waitlisted");
    cr_assert_null(as_registration_status_name((as_registration_status)7));
    as_event_kind k;
    cr_assert_eq(as_event_kind_parse("challenge", &k), AS_OK);
    cr_assert_eq(k, AS_EVENT_CHALLENGE);
    cr_assert_eq(as_event_kind_parse("party", &k), AS_INVALID);
    cr_assert_eq(as_event_register(NULL, 1, "U1", 0, NULL), AS_MISUSE);
    cr_assert_eq(as_proposal_vote(NULL, 1, "U1", "1", 0, NULL), AS_MISUSE);
    cr_assert_eq(as_event_remind(NULL, 0, NULL), AS_MISUSE);
    as_event_free(NULL);
    as_proposal_free(NULL);
    as_event_iter_free(NULL);
    as_registration_iter_free(NULL);
    as_panel_iter_free(NULL);
    as_proposal_iter_free(NULL);
}
