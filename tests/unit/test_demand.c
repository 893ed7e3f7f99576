/* test_demand.c - demand mining through the C API: topics from
 * suggestions, linking a topic to a backlog item and shipping it once
 * (moved from test_feedback.c). */
#include "helpers.h"

TestSuite(demand, .fini = th_cleanup);

Test(demand, demand_topics_link_and_ship_once)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv = "feedback_id,user_id,submitted_at,kind,comment\n"
                      "1,U1,2026-11-20,suggestion,希望增加电子发票\n"
                      "2,U2,2026-11-21,,建议支持开发票\n"
                      "3,U3,2026-11-22,praise,发票很好开\n"
                      "4,U1,2026-11-23,suggestion,电子发票!\n";
    cr_assert_eq(th_feedback_import(db, csv, &st), AS_OK, "%s", as_errmsg(db));
    as_demand_iter *it;
    cr_assert_eq(as_demand_iter_new(&it, db, 0), AS_OK);
    const as_demand *d;
    cr_assert_eq(as_demand_next(it, &d), AS_OK);
    cr_assert_str_eq(d->topic, "电子发票");
    cr_assert_eq(d->users, 2, "praise without a marker is not a suggestion");
    cr_assert_eq(d->feedback, 3);
    cr_assert_eq(as_demand_next(it, &d), AS_DONE);
    as_demand_iter_free(it);
    int64_t n, a, k;
    cr_assert_eq(as_demand_ship(db, "BL-1", 0, &n, &a, &k), AS_NOTFOUND);
    cr_assert_eq(as_demand_link(db, "电子发票", "BL-1"), AS_OK);
    cr_assert_eq(as_demand_link(db, "电子发票", "BL-1"), AS_OK, "linking again is fine");
    cr_assert_eq(as_demand_link(db, "", "BL-1"), AS_INVALID);
    cr_assert_eq(as_demand_link(db, "x", "a b"), AS_INVALID);
    cr_assert_eq(as_demand_ship(db, "BL-1", 1764000000, &n, &a, &k), AS_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(as_demand_ship(db, "BL-1", 1764000000, &n, &a, &k), AS_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(a, 2);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE kind = 'demand_shipped'"), 2);
    as_close(db);
}
