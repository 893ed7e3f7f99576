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
    as_demand_shipment r = {.notified = -7};
    cr_assert_eq(as_demand_ship(&r, db, "BL-1", 0), AS_NOTFOUND);
    cr_assert_eq(r.notified, -7, "a failed ship leaves *out alone");
    cr_assert_eq(as_demand_link(db, "电子发票", "BL-1"), AS_OK);
    cr_assert_eq(as_demand_link(db, "电子发票", "BL-1"), AS_OK, "linking again is fine");
    cr_assert_eq(as_demand_link(db, "", "BL-1"), AS_INVALID);
    cr_assert_eq(as_demand_link(db, "x", "a b"), AS_INVALID);
    cr_assert_eq(as_demand_ship(&r, db, "BL-1", 1764000000), AS_OK);
    cr_assert_eq(r.topics, 1);
    cr_assert_eq(r.notified, 2);
    cr_assert_eq(r.already_notified, 0);
    cr_assert_eq(r.skipped, 0);
    cr_assert_eq(r.shipped_at, 1764000000);
    cr_assert_eq(as_demand_ship(&r, db, "BL-1", 1764000000), AS_OK);
    cr_assert_eq(r.notified, 0);
    cr_assert_eq(r.already_notified, 2);
    cr_assert_eq(as_demand_ship(NULL, db, "BL-1", 0), AS_OK, "out may be NULL");
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE kind = 'demand_shipped'"), 2);
    as_close(db);
}

Test(demand, misuse_and_skipped_users)
{
    as_db *db = th_open_new();
    as_demand_iter *it = NULL;
    cr_assert_eq(as_demand_iter_new(&it, db, -1), AS_MISUSE);
    cr_assert_eq(as_demand_iter_new(NULL, db, 0), AS_MISUSE);
    cr_assert_eq(as_demand_ship(NULL, db, NULL, 0), AS_MISUSE);
    cr_assert_eq(as_demand_ship(NULL, NULL, "B", 0), AS_MISUSE);
    as_import_stats st;
    const char *users = "user_id,name,phone,region,consent_service\n"
                        "U9,不要通知,13800138000,530102,no\n";
    FILE *f = fmemopen((void *)users, strlen(users), "r");
    cr_assert_not_null(f);
    cr_assert_eq(as_user_import(db, f, "u.csv", NULL, &st), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    const char *csv = "feedback_id,user_id,submitted_at,kind,comment\n"
                      "1,U1,2026-11-20,suggestion,希望增加电子发票\n"
                      "2,U9,2026-11-21,suggestion,电子发票\n";
    cr_assert_eq(th_feedback_import(db, csv, &st), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_demand_link(db, "电子发票", "BL-2"), AS_OK);
    as_demand_shipment r;
    cr_assert_eq(as_demand_ship(&r, db, "BL-2", 0), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r.notified, 1);
    cr_assert_eq(r.skipped, 1, "a user who refused service notices is skipped");
    cr_assert(r.shipped_at > 0, "at 0 records now");
    as_close(db);
}

/* ---- topics people can read (issue 11, point 6) ------------------------ */

/* The mined phrases, "|"-joined in rank order, with their user counts. */
static void phrases(as_db *db, char *buf, size_t size)
{
    as_demand_iter *it;
    cr_assert_eq(as_demand_iter_new(&it, db, 0), AS_OK, "%s", as_errmsg(db));
    const as_demand *d;
    buf[0] = '\0';
    while (as_demand_next(it, &d) == AS_OK) {
        if (strcmp(d->source, "phrase") != 0)
            continue;
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s:%lld", len ? "|" : "", d->topic,
                 (long long)d->users);
    }
    as_demand_iter_free(it);
}

Test(demand, mined_phrases_are_whole_merged_and_folded)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv =
        "feedback_id,user_id,submitted_at,kind,comment\n"
        /* one demand in whole: fragments such as 加洗车服, 车服务预, 望增 must not show */
        "1,U1,2026-11-20,suggestion,希望增加洗车服务预约\n"
        "2,U2,2026-11-20,suggestion,建议增加洗车服务预约功能\n"
        "3,U3,2026-11-21,suggestion,能不能加洗车服务预约\n"
        "4,U4,2026-11-21,suggestion,希望洗車服務預約\n"              /* traditional */
        /* spans that contain one another or nearly match: one topic */
        "5,U5,2026-11-22,suggestion,希望加油小票自动推送\n"
        "6,U6,2026-11-22,suggestion,加油小票自动推送就好了\n"
        "7,U7,2026-11-23,suggestion,建议加油小票自动推送\n"
        "8,U8,2026-11-23,suggestion,希望加油小票推送\n"
        "9,U9,2026-11-23,suggestion,建议加油小票推送到微信\n"
        "10,U10,2026-11-23,suggestion,加油小票推送一下\n";
    cr_assert_eq(th_feedback_import(db, csv, &st), AS_OK, "%s", as_errmsg(db));
    char got[1024];
    phrases(db, got, sizeof got);
    cr_assert_str_eq(got, "加油小票:6|洗车服务预约:4", "%s", got);
    static const char *const fragments[] = {"加洗车服", "车服务预", "望增", "小票自动", "票推送"};
    char names[1100];
    snprintf(names, sizeof names, "|%s", got);
    for (size_t i = 0; i < sizeof fragments / sizeof fragments[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "|%s:", fragments[i]);
        cr_assert_null(strstr(names, want), "%s in %s", fragments[i], got);
    }
    /* Linking: a mined phrase (typed in either script) or a dictionary
     * topic; anything else is not found. */
    cr_assert_eq(as_demand_link(db, "洗車服務預約", "BL-7"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_demand_link(db, "电子发票", "BL-8"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_demand_link(db, "车服务预", "BL-7"), AS_NOTFOUND);
    cr_assert_not_null(strstr(as_errmsg(db), "'车服务预' is neither a dictionary topic"), "%s",
                       as_errmsg(db));
    cr_assert_eq(as_demand_link(db, "火星基地", "BL-9"), AS_NOTFOUND);
    cr_assert_eq(th_count("SELECT count(*) FROM demand_links"), 2);
    /* Shipping the phrase reaches everyone merged into it. */
    as_demand_shipment r;
    cr_assert_eq(as_demand_ship(&r, db, "BL-7", 1764000000), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r.notified, 4);
    cr_assert_eq(as_demand_link(db, "加油小票", "BL-6"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_demand_ship(&r, db, "BL-6", 1764000000), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r.notified, 6, "every user merged into the topic");
    as_close(db);
}

Test(demand, dictionary_keywords_match_traditional_text)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv = "feedback_id,user_id,submitted_at,kind,comment\n"
                      "1,U1,2026-11-20,suggestion,希望能開電子發票\n"
                      "2,U2,2026-11-21,suggestion,希望开电子发票\n";
    cr_assert_eq(th_feedback_import(db, csv, &st), AS_OK, "%s", as_errmsg(db));
    as_demand_iter *it;
    cr_assert_eq(as_demand_iter_new(&it, db, 0), AS_OK);
    const as_demand *d;
    cr_assert_eq(as_demand_next(it, &d), AS_OK);
    cr_assert_str_eq(d->topic, "电子发票");
    cr_assert_eq(d->users, 2);
    cr_assert_str_eq(d->example, "希望开电子发票");
    as_demand_iter_free(it);
    as_close(db);
}

/* ---- the beta programme (issue 11, point 8) ---------------------------- */

Test(demand, beta_testers_are_invited_first_once)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *users = "user_id,name,phone,region,beta_tester\n"
                        "B1,体验官甲,13800138001,530102,yes\n"    /* asked */
                        "B2,体验官乙,13800138002,530102,yes\n"    /* rated payment */
                        "B3,体验官丙,13800138003,530102,yes\n"    /* neither */
                        "N1,普通用户,13800138004,530102,no\n";    /* asked */
    FILE *f = fmemopen((void *)users, strlen(users), "r");
    cr_assert_eq(as_user_import(db, f, "u.csv", NULL, &st), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    /* user list --beta */
    as_user_query q = AS_USER_QUERY_INIT;
    q.beta = 1;
    as_user_iter *ui;
    cr_assert_eq(as_user_iter_new(&ui, db, &q), AS_OK);
    const as_user *u;
    char ids[64] = "";
    while (as_user_next(ui, &u) == AS_OK)
        strcat(ids, u->user_id);
    as_user_iter_free(ui);
    cr_assert_str_eq(ids, "B1B2B3");

    const char *csv = "feedback_id,user_id,submitted_at,kind,payment,comment\n"
                      "1,B1,2026-11-20,suggestion,,希望电子发票自动推送\n"
                      "2,N1,2026-11-21,suggestion,,希望开电子发票\n"
                      "3,B2,2026-11-21,,4,支付很顺畅\n"
                      "4,B3,2026-11-21,,,还不错\n";
    cr_assert_eq(th_feedback_import(db, csv, &st), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_demand_link(db, "电子发票", "BL-1"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_demand_set_area(db, "BL-1", "paymnt"), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "ui, payment, coupon, service"), "%s", as_errmsg(db));
    cr_assert_eq(as_demand_set_area(db, "BL-9", "payment"), AS_NOTFOUND);
    cr_assert_eq(as_demand_set_area(db, "BL-1", "payment"), AS_OK, "%s", as_errmsg(db));
    as_demand_shipment r;
    const int64_t at = 1764000000;
    cr_assert_eq(as_demand_ship(&r, db, "BL-1", at), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r.beta_invited, 2, "B1 asked, B2 uses the payment area");
    cr_assert_eq(r.notified, 1, "N1 hears that it shipped");
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE kind = 'beta_invite'"
                          " AND user_id IN ('B1', 'B2') AND not_before = 1764000000"), 2);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE kind = 'demand_shipped'"
                          " AND user_id = 'N1' AND not_before = 1764000000 + 2 * 86400"), 1,
                 "the others two days later (topics.beta_head_start)");
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE user_id = 'B3'"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE user_id = 'B1'"), 1,
                 "one message to a beta tester who asked");
    /* Once. */
    cr_assert_eq(as_demand_ship(&r, db, "BL-1", at + 60), AS_OK);
    cr_assert_eq(r.beta_invited, 0);
    cr_assert_eq(r.notified, 0);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox"), 3);
    as_close(db);
}
