/* test_fuel.c - amounts without floats, the fueling configuration's
 * errors, and segments, tiers and distance estimates through the C API.
 * The reminder rules are in test_remind.c, the outbox in test_outbox.c. */
#include "helpers.h"
#include "internal.h"

TestSuite(fuel, .fini = th_cleanup);

Test(fuel, amounts_without_floats)
{
    static const struct { const char *text; int64_t fen; } good[] = {
        {"12.3", 1230}, {"12.30", 1230}, {"0.05", 5}, {"12", 1200}, {"0", 0},
        {"99999999.99", 9999999999LL}, {"007.1", 710},
    };
    static const char *const bad[] = {"1e3", "12.345", "-1", "+1", "", "12.", ".5", "1,000",
                                      " 12", "12 ", "0x10", "100000000.01", "nan",
                                      "99999999999999999999999"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t fen = -1;
        cr_assert_eq(as_amount_parse(good[i].text, &fen), AS_OK, "%s", good[i].text);
        cr_assert_eq(fen, good[i].fen, "%s gave %lld", good[i].text, (long long)fen);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t fen = 0;
        cr_assert_eq(as_amount_parse(bad[i], &fen), AS_INVALID, "'%s' accepted", bad[i]);
    }
    int64_t ml;
    cr_assert_eq(as_litres_parse("45.125", &ml), AS_OK);
    cr_assert_eq(ml, 45125);
    cr_assert_eq(as_litres_parse("0", &ml), AS_INVALID);
    cr_assert_eq(as_litres_parse("1.2345", &ml), AS_INVALID);
    cr_assert_eq(as_amount_parse(NULL, &ml), AS_MISUSE);
}

Test(fuel, bad_yaml)
{
    static const struct { const char *yaml, *want; } bad[] = {
        {"segments:\n  rules:\n    - {name: a, when: 'stations <= x'}\n",
         "t.yaml:3:36: condition: expected a number"},
        {"segments:\n  rules:\n    - {name: a, when: 'stations <= 3 and'}\n", "t.yaml:3:"},
        {"reminders:\n  weather: {title: t, message: '{nme}'}\n",
         "t.yaml:2:33: unknown placeholder '{nme}'"},
        {"reminders:\n  tips: {title: t, every: 1h, messages: [a]}\n",
         "t.yaml:2:27: reminders.tips.every must be at least 1d"},
        {"tiers:\n  basis: miles\n", "t.yaml:2:10: tiers.basis must be spend or points"},
        {"reminders:\n  maintenance: {every_km: 500, lead_km: 600, title: t, message: m}\n",
         "reminders.maintenance: lead_km must be below every_km"},
        {"reminders:\n  survey: {title: t, message: '{plate}'}\n",
         "t.yaml:2:32: unknown placeholder '{plate}' (known here: name, user_id, tracking,"},
        {"reminders:\n  survey: {delay: 2 hours, title: t, message: m}\n",
         "t.yaml:2:19: '2 hours' is not a duration"},
        {"reminders:\n  survey: {title: t}\n", "t.yaml:2:11: reminders.survey needs a message"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_config *cfg = NULL;
        char *err = NULL;
        cr_assert_eq(as_config_parse(&cfg, bad[i].yaml, strlen(bad[i].yaml), "t.yaml", &err),
                     AS_CONFIG, "%zu accepted", i);
        cr_assert_not_null(strstr(err, bad[i].want), "%zu: %s", i, err);
        as_free(err);
    }
}

Test(fuel, segments_tiers_and_estimates)
{
    as_config *cfg = th_config("tiers:\n  basis: points\n  points_per_yuan: 2\n  levels:\n"
                            "    - {name: 普通, min: 0}\n"
                            "    - {name: 金卡, min: 1000, benefits: [洗车, 优惠券]}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    /* U1: 55 L a fill-up (长途商务型), 600 yuan -> 1200 points (金卡);
     * U2: every 3 days at one station (都市通勤型), 20 yuan -> 40 points. */
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                    "A,U1,S1,2026-10-01T09:00:00+08:00,95,55,300\n"
                    "B,U1,S2,2026-10-11T09:00:00+08:00,95,55,300\n"
                    "C,U2,S1,2026-10-01T09:00:00+08:00,92,20,10\n"
                    "D,U2,S1,2026-10-04T09:00:00+08:00,92,20,10\n");
    int64_t n = 0;
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-20"), &n), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(n, 2);
    as_profile *p;
    cr_assert_eq(as_profile_get(&p, db, "U1"), AS_OK);
    cr_assert_str_eq(p->segment, "长途商务型");
    cr_assert_str_eq(p->tier, "金卡");
    cr_assert_eq(p->ntier_benefits, 2);
    cr_assert_str_eq(p->tier_benefits[0], "洗车");
    cr_assert_str_eq(p->tier_benefits[1], "优惠券");
    cr_assert_eq(p->ntop_stations, 2);
    cr_assert_str_eq(p->top_stations[0], "S1", "equal visits: by id");
    cr_assert_str_eq(p->top_stations[1], "S2");
    cr_assert_eq(p->points, 1200);
    cr_assert_str_eq(p->km_source, "estimate");
    /* 55 L of 2 fill-ups used in 10 days x 12 km/L = 66 km a day */
    cr_assert_float_eq(p->km_per_day, 66.0, 0.001);
    as_profile_free(p);
    cr_assert_eq(as_profile_get(&p, db, "U2"), AS_OK);
    cr_assert_str_eq(p->segment, "都市通勤型");
    cr_assert_str_eq(p->tier, "普通");
    cr_assert_eq(p->ntier_benefits, 0, "a tier without benefits");
    cr_assert_eq(p->ntop_stations, 1);
    cr_assert_str_eq(p->top_stations[0], "S1");
    as_profile_free(p);
    /* user list --segment, with the current and a version 1 query */
    as_user_query q = AS_USER_QUERY_INIT;
    q.segment = "都市通勤型";
    as_user_iter *it;
    const as_user *u;
    cr_assert_eq(as_user_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_user_next(it, &u), AS_OK);
    cr_assert_str_eq(u->user_id, "U2");
    cr_assert_eq(as_user_next(it, &u), AS_DONE);
    as_user_iter_free(it);
    struct { unsigned version; const char *region, *after_id; int64_t limit; unsigned flags; } v1 =
        {1, NULL, NULL, 0, 0};
    cr_assert_eq(as_user_iter_new(&it, db, (const as_user_query *)&v1), AS_OK);
    int count = 0;
    while (as_user_next(it, &u) == AS_OK)
        count++;
    cr_assert_eq(count, 2);   /* no segment filter read past a version 1 struct */
    as_user_iter_free(it);
    as_close(db);
    as_config_free(cfg);
}

/* ---- import ---------------------------------------------------------------- */

static char fuel_rejects[1024];

static void fuel_on_reject(void *ud, const as_reject *r)
{
    (void)ud;
    size_t n = strlen(fuel_rejects);
    snprintf(fuel_rejects + n, sizeof fuel_rejects - n, "%llu %s: %s|",
             (unsigned long long)r->line, r->field ? r->field : "-", r->reason);
}

static as_status fuel_import(as_db *db, const char *text, unsigned flags, as_import_stats *s)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    o.on_reject = fuel_on_reject;
    fuel_rejects[0] = '\0';
    as_status st = as_fuel_import(db, f, "f.csv", &o, s);
    fclose(f);
    return st;
}

#define FUEL_HEAD "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"

Test(fuel, import_refuses_a_tx_id_twice_in_one_file)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    /* Even with the same values: a payment is in a file once. */
    const char *csv = FUEL_HEAD
        "T1,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n"
        "T2,U1,S1,2026-10-02T09:00:00+08:00,92,40,300\n"
        "T1,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n";
    as_import_stats s;
    cr_assert_eq(fuel_import(db, csv, 0, &s), AS_INVALID);
    cr_assert_str_eq(fuel_rejects, "4 tx_id: 'T1' is also on line 2|");
    cr_assert_eq(fuel_import(db, csv, AS_IMPORT_SKIP_BAD, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.inserted, 2);
    cr_assert_eq(s.unchanged, 0);
    cr_assert_eq(s.rejected, 1);
    /* Across files a known tx_id is still unchanged. */
    cr_assert_eq(fuel_import(db, csv, AS_IMPORT_SKIP_BAD, &s), AS_OK);
    cr_assert_eq(s.unchanged, 2);
    cr_assert_eq(s.rejected, 1);
    as_close(db);
}

Test(fuel, full_width_amounts_and_litres)
{
    int64_t v = 0;
    cr_assert_eq(as_amount_parse("１２.５０", &v), AS_OK);
    cr_assert_eq(v, 1250);
    cr_assert_eq(as_amount_parse("１２．５", &v), AS_OK);
    cr_assert_eq(v, 1250);
    cr_assert_eq(as_amount_parse("３００", &v), AS_OK);
    cr_assert_eq(v, 30000);
    cr_assert_eq(as_litres_parse("４５.５", &v), AS_OK);
    cr_assert_eq(v, 45500);
    cr_assert_eq(as_litres_parse("４５．１２５", &v), AS_OK);
    cr_assert_eq(v, 45125);
    /* The rules are the same as for ASCII. */
    static const char *const bad[] = {"１２.３４５", "－１", "１，０００", "１２　", "１２。５",
                                      "十二", "１２.", "．５"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(as_amount_parse(bad[i], &v), AS_INVALID, "'%s' accepted", bad[i]);
    cr_assert_eq(as_litres_parse("０", &v), AS_INVALID);
}

Test(fuel, import_reads_full_width_numbers_and_times)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    const char *csv = "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,odometer_km,plate\n"
                      "T1,U1,S1,２０２６-１１-２４ ０９:００,92,４５.５,１２.５０,１５２００,云A12345\n";
    as_import_stats s;
    cr_assert_eq(fuel_import(db, csv, 0, &s), AS_OK, "%s %s", as_errmsg(db), fuel_rejects);
    cr_assert_eq(s.inserted, 1);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db->sql,
                                    "SELECT filled_at, litres_ml, amount_fen, odometer_km"
                                    " FROM fuelings WHERE tx_id = 'T1'", -1, &st, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db->sql));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int64(st, 0), th_time("2026-11-24T09:00:00+08:00"));
    cr_assert_eq(sqlite3_column_int64(st, 1), 45500);
    cr_assert_eq(sqlite3_column_int64(st, 2), 1250);
    cr_assert_eq(sqlite3_column_int64(st, 3), 15200);
    sqlite3_finalize(st);
    /* A bad full-width cell is named as written. */
    const char *bad = FUEL_HEAD "T2,U1,S1,２０２６-１１-２４,92,４５.５,１２.３４５\n";
    cr_assert_eq(fuel_import(db, bad, 0, &s), AS_INVALID);
    cr_assert(strstr(fuel_rejects, "2 amount_yuan: '１２.３４５' is not an amount in yuan") != NULL,
              "%s", fuel_rejects);
    as_close(db);
}

/* A stored profile whose top_stations is not a JSON array of texts is an
 * internal failure, not a crash or a half-filled struct. */
Test(fuel, a_damaged_profile_is_reported)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "A,U1,S1,2026-10-01T09:00:00+08:00,95,55,300\n");
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-20"), NULL), AS_OK, "%s", as_errmsg(db));
    static const char *const bad[] = {"UPDATE profiles SET top_stations = '{\"a\":1}'",
                                      "UPDATE profiles SET top_stations = '[1]'",
                                      "UPDATE profiles SET top_stations = '[\"S1\"'"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sqlite3 *c = NULL;
        cr_assert_eq(sqlite3_open_v2(th_path, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        cr_assert_eq(sqlite3_exec(c, bad[i], NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(c));
        sqlite3_close(c);
        as_profile *p = (as_profile *)db;
        cr_assert_eq(as_profile_get(&p, db, "U1"), AS_INTERNAL, "%s", bad[i]);
        cr_assert_null(p);
        cr_assert_not_null(strstr(as_errmsg(db), "top_stations"), "%s", as_errmsg(db));
    }
    as_profile *p = NULL;
    cr_assert_eq(as_profile_get(&p, db, NULL), AS_MISUSE);
    as_profile_free(NULL);
    as_close(db);
}
