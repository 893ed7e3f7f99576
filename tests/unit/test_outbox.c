/* test_outbox.c - the outbox through the C API: quiet hours and the cap
 * as the notifications are written, the lease, ack and fail, and dead
 * letters (moved from test_fuel.c). */
#include "helpers.h"

TestSuite(outbox, .fini = th_cleanup);

Test(outbox, quiet_hours_cap_and_lease)
{
    as_config *cfg = th_config("reminders:\n  cap: {count: 1, per: 7d}\n"
                            "  maintenance: {title: t, message: m}\n"
                            "  tips: {title: t, every: 1d, messages: ['{name}']}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, "22:00-07:30");
    cr_assert_eq(as_vehicle_add(db, "U1", "云A11111", NULL, NULL), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A11111", 1000, th_time("2026-01-01"), 0), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A11111", 9000, th_time("2026-01-20"), 0), AS_OK);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-01-20T23:15:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    /* maintenance (service) beats the tip (marketing) under a cap of 1 */
    cr_assert_eq(s.written[AS_REMIND_MAINTENANCE], 1);
    cr_assert_eq(s.held_back[AS_REMIND_TIP], 1);
    cr_assert_eq(s.deferred[AS_REMIND_MAINTENANCE], 1);
    as_outbox_iter *it;
    const as_outbox_item *v;
    /* deferred across midnight to 07:30 */
    cr_assert_eq(as_outbox_pull(&it, db, th_time("2026-01-21T07:29:59+08:00"), 10, 60), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_DONE);
    as_outbox_iter_free(it);
    cr_assert_eq(as_outbox_pull(&it, db, th_time("2026-01-21T07:30:00+08:00"), 10, 60), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_OK);
    int64_t id = v->id;
    cr_assert_str_eq(v->kind, "maintenance");
    cr_assert_eq(v->attempts, 1);
    cr_assert_eq(as_outbox_next(it, &v), AS_DONE);
    as_outbox_iter_free(it);
    /* leased: not pulled again until the lease ends */
    cr_assert_eq(as_outbox_pull(&it, db, th_time("2026-01-21T07:30:59+08:00"), 10, 60), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_DONE);
    as_outbox_iter_free(it);
    cr_assert_eq(as_outbox_pull(&it, db, th_time("2026-01-21T07:31:00+08:00"), 10, 60), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_OK);
    cr_assert_eq(v->id, id);
    cr_assert_eq(v->attempts, 2);
    as_outbox_iter_free(it);
    cr_assert_eq(as_outbox_ack(db, id, th_time("2026-01-21T07:31:10+08:00")), AS_OK);
    cr_assert_eq(as_outbox_fail(db, id, 0, 60, "x"), AS_INVALID);
    cr_assert_eq(as_outbox_ack(db, 999, 0), AS_NOTFOUND);
    cr_assert_eq(as_outbox_pull(&it, db, 0, 0, 60), AS_MISUSE);
    as_close(db);
    as_config_free(cfg);
}

Test(outbox, failed_too_often_is_dead)
{
    as_config *cfg = th_config("reminders:\n  outbox_max_attempts: 2\n"
                            "  tips: {title: t, every: 1d, messages: ['{name}']}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-01-20T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_TIP], 1);
    int64_t now = o.at;
    for (int attempt = 1; attempt <= 2; attempt++) {
        as_outbox_iter *it;
        const as_outbox_item *v;
        cr_assert_eq(as_outbox_pull(&it, db, now, 10, 60), AS_OK);
        cr_assert_eq(as_outbox_next(it, &v), AS_OK, "attempt %d", attempt);
        int64_t id = v->id;
        as_outbox_iter_free(it);
        cr_assert_eq(as_outbox_fail(db, id, now, 0, "gateway down"), AS_OK, "%s", as_errmsg(db));
        now += 1;
    }
    as_outbox_query q = AS_OUTBOX_QUERY_INIT;
    q.status = "dead";
    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_OK);
    cr_assert_str_eq(v->last_error, "gateway down");
    cr_assert_eq(v->attempts, 2);
    as_outbox_iter_free(it);
    q.status = "bogus";
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_INVALID);
    as_close(db);
    as_config_free(cfg);
}
