/* test_points.c - the points ledger: earning from the fueling import
 * (replays and dry runs earn nothing), surveys, adjustments, redemption
 * oldest lapse first, expiry at its boundary, balances as of a time, the
 * check, erasure, and the append-only triggers. */
#include "helpers.h"
#include "internal.h"
#include "points.h"

#include <criterion/criterion.h>
#include <string.h>

static as_config *cfg;

static as_db *open_cfg(const char *yaml)
{
    cfg = yaml ? th_config(yaml) : NULL;
    as_db *db = cfg ? th_open_with(cfg) : th_open_new();
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    return db;
}

static void done(as_db *db)
{
    as_close(db);
    as_config_free(cfg);
    cfg = NULL;
    th_cleanup();
}

static const char fuel_csv[] =
    "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
    "T1,U1,S1,2024-01-10T08:00:00+08:00,92,40,300.50\n"
    "T2,U1,S1,2024-03-31T08:00:00+08:00,92,40,200.99\n"
    "T3,U2,S1,2024-02-01T08:00:00+08:00,95,30,0.99\n";

static as_points_balance balance(as_db *db, const char *user, int64_t at)
{
    as_points_balance b;
    cr_assert_eq(as_points_balance_get(db, user, at, &b), AS_OK, "%s", as_errmsg(db));
    return b;
}

static int64_t ledger_rows(void)
{
    return th_count("SELECT count(*) FROM points_ledger");
}

static as_status import(as_db *db, const char *text, unsigned flags)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    as_import_stats s;
    as_status st = as_fuel_import(db, f, "t.csv", &o, &s);
    fclose(f);
    return st;
}

Test(points, import_earns_once_per_tx_and_dry_run_earns_nothing)
{
    as_db *db = open_cfg(NULL);
    cr_assert_eq(import(db, fuel_csv, AS_IMPORT_DRY_RUN), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(ledger_rows(), 0, "a dry run earns nothing that stays");
    th_fuel_import(db, fuel_csv);
    /* floor(yuan) x 1; 0.99 yuan earns nothing (no zero row) */
    cr_assert_eq(ledger_rows(), 2);
    as_points_balance b = balance(db, "U1", th_time("2024-06-01"));
    cr_assert_eq(b.balance, 500);
    cr_assert_eq(b.earned, 500);
    th_fuel_import(db, fuel_csv);
    cr_assert_eq(ledger_rows(), 2, "a replay of the same file earns nothing");
    cr_assert_eq(balance(db, "U1", th_time("2024-06-01")).balance, 500);
    cr_assert_eq(th_count("SELECT count(*) FROM points_lots"), 0, "a lot is written on first use");
    done(db);
}

Test(points, tier_multiplier_and_rate)
{
    as_db *db = open_cfg("tiers:\n  basis: spend\n  points_per_yuan: 2\n  levels:\n"
                         "    - {name: 普通, min: 0}\n"
                         "    - {name: 金卡, min: 100, points_multiplier: 1.5}\n");
    /* U1's stored profile says 金卡. */
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open(th_path, &c), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(c, "INSERT INTO profiles (user_id, fillups, first_at, last_at,"
                                 " litres_ml_per_fill, top_stations, stations, cities,"
                                 " spend_12m_fen, points, tier, refreshed_at)"
                                 " VALUES ('U1', 1, 0, 0, 1, '[]', 1, 1, 0, 0, '金卡', 0)",
                              NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(c));
    sqlite3_close(c);
    th_fuel_import(db, fuel_csv);
    /* 300 yuan x 2 x 1.5 = 900, 200 x 2 x 1.5 = 600 */
    cr_assert_eq(balance(db, "U1", th_time("2024-06-01")).balance, 1500);
    done(db);
}

Test(points, multiplier_config_is_checked)
{
    as_config *bad = NULL;
    char *err = NULL;
    const char *y = "tiers:\n  levels:\n    - {name: a, min: 0, points_multiplier: 1.555}\n";
    cr_assert_eq(as_config_parse(&bad, y, strlen(y), "t.yaml", &err), AS_CONFIG);
    cr_assert_not_null(strstr(err, "two decimals"), "%s", err);
    as_free(err);
    y = "points:\n  expire_after_months: -1\n";
    cr_assert_eq(as_config_parse(&bad, y, strlen(y), "t.yaml", &err), AS_CONFIG);
    as_free(err);
    y = "points:\n  expire: 3\n";
    cr_assert_eq(as_config_parse(&bad, y, strlen(y), "t.yaml", &err), AS_CONFIG);
    as_free(err);
}

Test(points, redeem_oldest_lapse_first_and_never_beyond_balance)
{
    as_db *db = open_cfg(NULL);
    th_fuel_import(db, fuel_csv);   /* U1: 300 lapsing 2026-01-10, 200 lapsing 2026-03-31 */
    int64_t id = 0, t = th_time("2024-04-01");
    cr_assert_eq(as_points_redeem(db, "U1", 501, NULL, t, &id), AS_INVALID);
    cr_assert_eq(id, 0);
    cr_assert_eq(as_points_redeem(db, "U1", 0, NULL, t, &id), AS_INVALID);
    cr_assert_eq(as_points_redeem(db, "U1", -5, NULL, t, &id), AS_INVALID);
    cr_assert_eq(as_points_redeem(db, "NOPE", 5, NULL, t, &id), AS_NOTFOUND);
    cr_assert_eq(as_points_redeem(db, "U1", 350, "O1", t, &id), AS_OK, "%s", as_errmsg(db));
    cr_assert_gt(id, 0);
    /* the first lot (lapsing first) is gone, 150 of the second are left */
    cr_assert_eq(th_count("SELECT count(*) FROM points_lots WHERE user_id = 'U1' AND remaining > 0"), 1);
    cr_assert_eq(th_count("SELECT remaining FROM points_lots WHERE user_id = 'U1' AND remaining > 0"), 150);
    int64_t again = 0;
    cr_assert_eq(as_points_redeem(db, "U1", 350, "O1", t, &again), AS_OK);
    cr_assert_eq(again, id, "the same ref again is the same redemption");
    cr_assert_eq(as_points_redeem(db, "U1", 10, "O1", t, &again), AS_EXISTS);
    cr_assert_eq(balance(db, "U1", t).balance, 150);
    cr_assert_eq(balance(db, "U1", t).redeemed, 350);
    /* Before the redemption it was all there (--at sees only earlier rows). */
    cr_assert_eq(balance(db, "U1", th_time("2024-03-31T09:00:00+08:00")).balance, 500);
    done(db);
}

Test(points, expiry_boundary_and_expire_writes_one_row_per_user)
{
    as_db *db = open_cfg(NULL);
    th_fuel_import(db, fuel_csv);
    int64_t lapse = th_time("2026-01-10T08:00:00+08:00");   /* T1's lot: 24 months on */
    as_points_balance b = balance(db, "U1", lapse - 1);
    cr_assert_eq(b.balance, 500);
    cr_assert_eq(b.next_expiry_at, lapse);
    cr_assert_eq(b.next_expiry_points, 300);
    b = balance(db, "U1", lapse);
    cr_assert_eq(b.balance, 200, "a lot lapsing at T is not spendable at T");
    cr_assert_eq(b.lapsed, 300);
    cr_assert_eq(b.ledger, 500, "not written off yet");
    int64_t id;
    cr_assert_eq(as_points_redeem(db, "U1", 201, NULL, lapse, &id), AS_INVALID,
                 "lapsed points are never spendable");
    as_points_run_stats s;
    cr_assert_eq(as_points_expire(db, lapse - 1, &s), AS_OK);
    cr_assert_eq(s.entries, 0);
    cr_assert_eq(as_points_expire(db, lapse, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.entries, 1);
    cr_assert_eq(s.users, 1);
    cr_assert_eq(s.points, 300);
    cr_assert_eq(as_points_expire(db, lapse, &s), AS_OK);
    cr_assert_eq(s.entries, 0, "running it again writes nothing");
    b = balance(db, "U1", lapse);
    cr_assert_eq(b.balance, 200);
    cr_assert_eq(b.ledger, 200);
    cr_assert_eq(b.expired, 300);
    cr_assert_eq(b.lapsed, 0);
    done(db);
}

Test(points, expiry_takes_what_redemption_left)
{
    as_db *db = open_cfg(NULL);
    th_fuel_import(db, fuel_csv);
    int64_t id;
    /* 350 from the lot lapsing first (300) and 50 from the next */
    cr_assert_eq(as_points_redeem(db, "U1", 350, NULL, th_time("2024-04-01"), &id), AS_OK);
    as_points_run_stats s;
    cr_assert_eq(as_points_expire(db, th_time("2026-02-01"), &s), AS_OK);
    cr_assert_eq(s.points, 0, "the first lot was used up");
    cr_assert_eq(as_points_expire(db, th_time("2026-04-01"), &s), AS_OK);
    cr_assert_eq(s.points, 150);
    cr_assert_eq(balance(db, "U1", th_time("2026-04-01")).ledger, 0);
    done(db);
}

Test(points, adjust_needs_reason_and_cannot_go_below_zero)
{
    as_db *db = open_cfg("points:\n  expire_after_months: 0\n");
    int64_t id = 0, t = th_time("2025-01-01");
    cr_assert_eq(as_points_adjust(db, "U1", 10, NULL, t, &id), AS_INVALID);
    cr_assert_eq(as_points_adjust(db, "U1", 10, "", t, &id), AS_INVALID);
    cr_assert_eq(as_points_adjust(db, "U1", 0, "x", t, &id), AS_INVALID);
    cr_assert_eq(as_points_adjust(db, "U9", 10, "x", t, &id), AS_NOTFOUND);
    cr_assert_eq(as_points_adjust(db, "U1", -1, "x", t, &id), AS_INVALID);
    cr_assert_eq(as_points_adjust(db, "U1", 10, "补发", t, &id), AS_OK, "%s", as_errmsg(db));
    as_points_balance b = balance(db, "U1", t);
    cr_assert_eq(b.balance, 10);
    cr_assert_eq(b.next_expiry_at, 0, "expire_after_months 0: never lapses");
    cr_assert_eq(as_points_adjust(db, "U1", -11, "x", t, &id), AS_INVALID);
    cr_assert_eq(as_points_adjust(db, "U1", -10, "撤销", t, &id), AS_OK);
    cr_assert_eq(balance(db, "U1", t).balance, 0);
    cr_assert_eq(balance(db, "U1", t).adjusted, 0);
    done(db);
}

Test(points, statement_in_time_order_with_running_sum)
{
    as_db *db = open_cfg(NULL);
    th_fuel_import(db, fuel_csv);
    int64_t id;
    cr_assert_eq(as_points_redeem(db, "U1", 100, NULL, th_time("2024-02-01"), &id), AS_OK);
    as_points_query q = AS_POINTS_QUERY_INIT;
    q.user_id = "U1";
    q.from = th_time("2024-02-01");
    as_points_iter *it;
    cr_assert_eq(as_points_iter_new(&it, db, &q), AS_OK);
    const as_points_entry *e;
    cr_assert_eq(as_points_next(it, &e), AS_OK);
    cr_assert_eq(e->kind, AS_POINTS_REDEEM);
    cr_assert_eq(e->points, -100);
    cr_assert_eq(e->balance, 200, "the running sum counts the rows before from");
    cr_assert_eq(as_points_next(it, &e), AS_OK);
    cr_assert_eq(e->kind, AS_POINTS_EARN_FUEL);
    cr_assert_str_eq(e->ref, "T2");
    cr_assert_eq(e->balance, 400);
    cr_assert_eq(as_points_next(it, &e), AS_DONE);
    as_points_iter_free(it);
    q.to = q.from - 1;
    cr_assert_eq(as_points_iter_new(&it, db, &q), AS_INVALID);
    q.user_id = "U9";
    q.to = 0;
    cr_assert_eq(as_points_iter_new(&it, db, &q), AS_NOTFOUND);
    cr_assert_str_eq(as_points_kind_name(AS_POINTS_EXPIRE), "expire");
    cr_assert_null(as_points_kind_name((as_points_kind)0));
    done(db);
}

Test(points, earn_missing_catches_up_once)
{
    /* Imported while earning was off (rate 0). */
    as_db *db = open_cfg("tiers:\n  points_per_yuan: 0\n");
    th_fuel_import(db, fuel_csv);
    cr_assert_eq(ledger_rows(), 0);
    as_close(db);
    as_config_free(cfg);
    cfg = NULL;
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    as_points_run_stats s;
    cr_assert_eq(as_points_earn_missing(db, th_time("2024-02-01"), &s), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(s.entries, 1, "only the records at or before at");
    cr_assert_eq(s.points, 300);
    cr_assert_eq(as_points_earn_missing(db, 0, &s), AS_OK);
    cr_assert_eq(s.entries, 1);
    cr_assert_eq(s.points, 200);
    cr_assert_eq(as_points_earn_missing(db, 0, &s), AS_OK);
    cr_assert_eq(s.entries, 0, "idempotent");
    cr_assert_eq(balance(db, "U1", th_time("2024-06-01")).balance, 500);
    done(db);
}

Test(points, as_of_a_time_later_rows_change_nothing)
{
    as_db *db = open_cfg(NULL);
    th_fuel_import(db, fuel_csv);
    int64_t t = th_time("2024-02-15"), id;
    as_points_balance before = balance(db, "U1", t);
    cr_assert_eq(as_points_redeem(db, "U1", 400, NULL, th_time("2024-05-01"), &id), AS_OK);
    cr_assert_eq(as_points_adjust(db, "U1", 7, "later", th_time("2024-06-01"), &id), AS_OK);
    as_points_balance after = balance(db, "U1", t);
    cr_assert_eq(memcmp(&before, &after, sizeof before), 0);
    cr_assert_eq(after.balance, 300);
    done(db);
}

Test(points, survey_answer_earns_once)
{
    as_db *db = open_cfg("points:\n  survey: 20\n");
    char t[AS_TRACKING_BUFSIZE], f[AS_TRACKING_BUFSIZE];
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    int64_t t0 = th_time("2025-03-03T10:00:00+08:00");
    in.user_id = "U1";
    in.channel = "app";
    in.category = "payment";
    in.subject = "x";
    in.body = "";
    in.at = t0;
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK, "%s", as_errmsg(db));
    as_ticket_action a = AS_TICKET_ACTION_INIT;
    a.at = t0 + 3600;
    a.by = "agent1";
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_survey_record(db, t, 5, NULL, t0 + 7200, f), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_survey_record(db, t, 5, NULL, t0 + 7300, f), AS_NOTFOUND);
    as_points_balance b = balance(db, "U1", t0 + 7200);
    cr_assert_eq(b.balance, 20);
    cr_assert_eq(th_count("SELECT count(*) FROM points_ledger WHERE kind = 'earn_survey'"), 1);
    done(db);
}

Test(points, internal_earn_is_idempotent_on_ref)
{
    as_db *db = open_cfg(NULL);
    int earned = -1;
    cr_assert_eq(as_begin(db), AS_OK);
    cr_assert_eq(as__points_earn(db, "U2", AS_POINTS_EARN_COMMUNITY, "post-1", 30,
                                 th_time("2025-01-01"), "精华帖", &earned), AS_OK);
    cr_assert_eq(earned, 1);
    cr_assert_eq(as__points_earn(db, "U2", AS_POINTS_EARN_COMMUNITY, "post-1", 30,
                                 th_time("2025-01-01"), "精华帖", &earned), AS_OK);
    cr_assert_eq(earned, 0);
    cr_assert_eq(as__points_earn(db, "U2", AS_POINTS_EARN_COMMUNITY, "post-2", 0,
                                 th_time("2025-01-01"), NULL, &earned), AS_INVALID);
    cr_assert_eq(as_commit(db), AS_OK);
    cr_assert_eq(balance(db, "U2", th_time("2025-01-02")).earned, 30);
    done(db);
}

static int points_check_ok(as_db *db)
{
    as_check_iter *it;
    cr_assert_eq(as_check_iter_new(&it, db), AS_OK, "%s", as_errmsg(db));
    const as_check_item *item;
    int ok = -1;
    while (as_check_next(it, &item) == AS_OK)
        if (strcmp(item->check, "points_ledger") == 0)
            ok = ok == -1 ? item->ok : ok && item->ok;
    as_check_iter_free(it);
    return ok;
}

Test(points, check_finds_a_mismatch_and_the_ledger_is_append_only)
{
    as_db *db = open_cfg(NULL);
    th_fuel_import(db, fuel_csv);
    cr_assert_eq(points_check_ok(db), 1);
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open(th_path, &c), SQLITE_OK);
    cr_assert_neq(sqlite3_exec(c, "UPDATE points_ledger SET delta = 1", NULL, NULL, NULL),
                  SQLITE_OK, "append-only");
    cr_assert_neq(sqlite3_exec(c, "DELETE FROM points_ledger", NULL, NULL, NULL), SQLITE_OK);
    /* a lot holding one point more than its row earned */
    cr_assert_eq(sqlite3_exec(c, "INSERT INTO points_lots SELECT id, user_id, expires_at, at,"
                                 " delta + 1 FROM points_ledger WHERE user_id = 'U1' LIMIT 1",
                              NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(c);
    cr_assert_eq(points_check_ok(db), 0);
    done(db);
}

Test(points, erasure_redacts_reasons_and_keeps_figures)
{
    as_db *db = open_cfg(NULL);
    int64_t id;
    cr_assert_eq(as_points_adjust(db, "U1", 15, "张三 电话 13800138000 补偿", th_time("2025-01-01"),
                                  &id), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(th_count("SELECT count(*) FROM points_ledger WHERE reason = '" AS_ERASED_TEXT
                          "' AND delta = 15"), 1);
    cr_assert_eq(th_count("SELECT count(*) FROM points_ledger WHERE reason LIKE '%张三%'"), 0);
    cr_assert_eq(as_points_adjust(db, "U1", 1, "x", 0, &id), AS_INVALID, "erased");
    done(db);
}

Test(points, fuel_rows_are_found_through_their_records_and_checked)
{
    /* Caught up after an import without earning, then the file again. */
    as_db *db = open_cfg("tiers:\n  points_per_yuan: 0\n");
    th_fuel_import(db, fuel_csv);
    as_close(db);
    as_config_free(cfg);
    cfg = NULL;
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    cr_assert_eq(as_points_earn_missing(db, 0, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(th_count("SELECT count(*) FROM fuelings WHERE points_id IS NOT NULL"), 2);
    th_fuel_import(db, fuel_csv);
    cr_assert_eq(ledger_rows(), 2, "a replay after the catch-up earns nothing");
    cr_assert_eq(points_check_ok(db), 1);
    cr_assert_eq(balance(db, "U1", th_time("2024-06-01")).balance, 500);
    /* A record that no longer names its row: its points are not seen, and
     * the check says so. */
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open(th_path, &c), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(c, "UPDATE fuelings SET points_id = NULL WHERE tx_id = 'T2'",
                              NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(c);
    cr_assert_eq(balance(db, "U1", th_time("2024-06-01")).balance, 300);
    cr_assert_eq(points_check_ok(db), 0);
    done(db);
}
