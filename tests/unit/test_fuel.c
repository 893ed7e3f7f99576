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

/* ---- limits of the configuration (issue 10 point 7, issue 12 item 1) ----- */

/* A condition nested n levels deep: n '(' around a comparison. */
static char *nested(int n, const char *open, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = malloc((size_t)n * (lo + lc) + 64);
    cr_assert_not_null(s);
    char *w = s;
    w += sprintf(w, "segments:\n  rules:\n    - name: x\n      when: \"");
    for (int i = 0; i < n; i++)
        w = memcpy(w, open, lo), w += lo;
    w += sprintf(w, "fillups > 1");
    for (int i = 0; i < n; i++)
        w = memcpy(w, close, lc), w += lc;
    sprintf(w, "\"\n");
    return s;
}

Test(fuel, condition_nesting_is_bounded_with_its_place)
{
    char *ok = nested(64, "(", ")");
    as_config *cfg = th_config(ok);
    as_config_free(cfg);
    free(ok);
    /* 65 levels, 30,000 (a 60 KB file: once a stack overflow), and "not"
     * nests too. */
    /* at: where the 65th level opens, in bytes after the quote */
    static const struct { int n; const char *open, *close; int at; } bad[] = {
        {65, "(", ")", 64}, {30000, "(", ")", 64}, {65, "not ", "", 256},
        {30000, "not (", ")", 160},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text = nested(bad[i].n, bad[i].open, bad[i].close);
        as_config *c = NULL;
        char *err = NULL;
        cr_assert_eq(as_config_parse(&c, text, strlen(text), "t.yaml", &err), AS_CONFIG, "%zu", i);
        /* the value's quote is in column 13 */
        int col = 13 + bad[i].at + 1;
        char want[120];
        snprintf(want, sizeof want,
                 "t.yaml:4:%d: condition: nested more than 64 levels deep", col);
        cr_assert_not_null(strstr(err, want), "%zu: %s (want %s)", i, err, want);
        as_free(err);
        free(text);
    }
}

/* 5,000 segment rules (10,000 numbers: past SQLite's bound parameters and
 * the 2,000 the SQL refresh used to stop at, silently) are all evaluated. */
Test(fuel, thousands_of_segments_all_count)
{
    as_buf y = {0};
    as__buf_adds(&y, "segments:\n  rules:\n");
    char line[160];
    for (int i = 0; i < 4999; i++) {
        snprintf(line, sizeof line,
                 "    - {name: s%d, when: \"fillups > %d and stations >= %d\"}\n", i,
                 1000000 + i, i);
        as__buf_adds(&y, line);
    }
    as__buf_adds(&y, "    - {name: last, when: \"fillups >= 1 and stations >= 1\"}\n");
    as_config *cfg = th_config(y.data);
    as__buf_free(&y);
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 0, NULL);
    th_fuel_import(db, FUEL_HEAD "A,U1,S1,2026-10-01T09:00:00+08:00,95,55,300\n");
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-20"), NULL), AS_OK, "%s", as_errmsg(db));
    as_profile *p;
    cr_assert_eq(as_profile_get_at(&p, db, "U1", th_time("2026-10-20")), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(p->segment, "last");
    as_profile_free(p);
    as_close(db);
    as_config_free(cfg);
}

/* ---- profiles that are never stale -------------------------------------- */

/* The profile of user at t (must exist). */
static as_profile *profile_at(as_db *db, const char *user, const char *t)
{
    as_profile *p = NULL;
    cr_assert_eq(as_profile_get_at(&p, db, user, th_time(t)), AS_OK, "%s: %s", user,
                 as_errmsg(db));
    return p;
}

Test(fuel, a_profile_right_after_an_import_without_a_refresh)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_fuel_import(db, FUEL_HEAD "A,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n"
                                 "B,U1,S1,2026-10-08T09:00:00+08:00,92,40,300\n");
    as_profile *p = profile_at(db, "U1", "2026-10-10");
    cr_assert_eq(p->fillups, 2);
    cr_assert_eq(p->median_interval_s, 7 * 86400);
    as_profile_free(p);
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-10"), NULL), AS_OK);
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty"), 0);
    /* a new record: marked in the import's transaction, read at once */
    th_fuel_import(db, FUEL_HEAD "C,U1,S2,2026-10-09T09:00:00+08:00,95,40,300\n");
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty WHERE user_id = 'U1'"), 1);
    p = profile_at(db, "U1", "2026-10-10");
    cr_assert_eq(p->fillups, 3);
    cr_assert_eq(p->stations, 2);
    as_profile_free(p);
    /* the writer's update recomputes only the dirty user */
    th_add_user(db, "U2", 0, NULL);
    th_fuel_import(db, FUEL_HEAD "D,U2,S1,2026-10-01T09:00:00+08:00,92,40,300\n");
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-10"), NULL), AS_OK);
    th_fuel_import(db, FUEL_HEAD "E,U1,S3,2026-10-09T10:00:00+08:00,95,40,300\n");
    int64_t n = -1;
    cr_assert_eq(as_profile_update(db, th_time("2026-10-10"), &n), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(n, 1, "only U1 was touched");
    cr_assert_eq(th_count("SELECT fillups FROM profiles WHERE user_id = 'U1'"), 4);
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty"), 0);
    cr_assert_eq(as_profile_update(db, th_time("2026-10-10"), &n), AS_OK);
    cr_assert_eq(n, 0, "nothing left to do");
    as_close(db);
}

/* Every write that changes a user's figures marks the profile. */
Test(fuel, every_write_marks_the_profile)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    cr_assert_eq(as_vehicle_add(db, "U1", "云A11111", NULL, NULL), AS_OK);
    th_fuel_import(db, FUEL_HEAD "A,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n");
    struct { const char *what; as_status st; } steps[5];
    int64_t t = th_time("2026-10-20");
    cr_assert_eq(as_profile_refresh(db, t, NULL), AS_OK);
    steps[0].what = "odometer";
    steps[0].st = as_odometer_add(db, "云A11111", 1000, th_time("2026-10-02"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty"), 1, "odometer");
    cr_assert_eq(as_profile_update(db, t, NULL), AS_OK);
    steps[1].what = "service";
    steps[1].st = as_vehicle_service(db, "云A11111", th_time("2026-10-03"), 1100);
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty"), 1, "service");
    cr_assert_eq(as_profile_update(db, t, NULL), AS_OK);
    steps[2].what = "grade";
    steps[2].st = as_vehicle_set_grade(db, "云A11111", "95");
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty"), 1, "grade");
    cr_assert_eq(as_profile_update(db, t, NULL), AS_OK);
    steps[3].what = "vehicle";
    steps[3].st = as_vehicle_add(db, "U1", "云A22222", "92", NULL);
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty"), 1, "vehicle");
    cr_assert_eq(as_profile_update(db, t, NULL), AS_OK);
    steps[4].what = "forget";
    steps[4].st = as_user_forget(db, "U1");
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty"), 1, "forget");
    for (int i = 0; i < 5; i++)
        cr_assert_eq(steps[i].st, AS_OK, "%s", steps[i].what);
    as_close(db);
}

/* Time alone: a fill-up leaves the 12-month window (spend and tier), and
 * days_since_last passes a segment's threshold. */
Test(fuel, time_alone_makes_a_profile_stale)
{
    as_config *cfg = th_config("segments:\n  rules:\n"
                               "    - {name: 流失, when: days_since_last > 30}\n"
                               "tiers:\n  levels:\n    - {name: 普通, min: 0}\n"
                               "    - {name: 银卡, min: 500}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 0, NULL);
    th_fuel_import(db, FUEL_HEAD "A,U1,S1,2025-01-10T09:00:00+08:00,92,40,400\n"
                                 "B,U1,S1,2025-03-10T09:00:00+08:00,92,40,300\n");
    cr_assert_eq(as_profile_refresh(db, th_time("2025-03-20"), NULL), AS_OK);
    as_profile *p = profile_at(db, "U1", "2025-03-20");
    cr_assert_eq(p->spend_12m_fen, 70000);
    cr_assert_str_eq(p->tier, "银卡");
    cr_assert_null(p->segment);
    /* valid until days_since_last passes 30: 2025-04-09T09:00+08:00 */
    cr_assert_eq(p->valid_until, th_time("2025-04-09T09:00:00+08:00"));
    as_profile_free(p);
    p = profile_at(db, "U1", "2025-04-09T09:00:01+08:00");
    cr_assert_str_eq(p->segment, "流失", "no refresh needed");
    as_profile_free(p);
    /* the stored row is past valid_until: a writer recomputes it */
    int64_t n = 0;
    cr_assert_eq(as_profile_update(db, th_time("2025-04-10"), &n), AS_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(th_count("SELECT valid_until FROM profiles"), th_time("2025-01-10T09:00:00+08:00") + 31536000,
                 "next: the first fill-up leaves the window");
    p = profile_at(db, "U1", "2026-01-11");
    cr_assert_eq(p->spend_12m_fen, 30000, "A left the window");
    cr_assert_null(p->tier == NULL ? NULL : strcmp(p->tier, "普通") == 0 ? NULL : p->tier);
    as_profile_free(p);
    as_close(db);
    as_config_free(cfg);
}

/* --at in the past: later records do not count; a profile stored for a
 * later time is not used for an earlier one. */
Test(fuel, a_profile_as_of_an_earlier_time)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_fuel_import(db, FUEL_HEAD "A,U1,S1,2026-08-01T09:00:00+08:00,92,40,300\n"
                                 "B,U1,S1,2026-08-08T09:00:00+08:00,92,40,300\n"
                                 "C,U1,S2,2026-09-05T09:00:00+08:00,92,40,300\n");
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-01"), NULL), AS_OK);
    as_profile *p = profile_at(db, "U1", "2026-09-01");
    cr_assert_eq(p->fillups, 2, "September does not count on 09-01");
    cr_assert_eq(p->spend_12m_fen, 60000);
    cr_assert_eq(p->refreshed_at, th_time("2026-09-01"));
    cr_assert_eq(p->valid_until, th_time("2026-09-05T09:00:00+08:00"), "until the next record");
    as_profile_free(p);
    as_profile *none = NULL;
    cr_assert_eq(as_profile_get_at(&none, db, "U1", th_time("2026-07-01")), AS_NOTFOUND);
    cr_assert_not_null(strstr(as_errmsg(db), "no fueling record as of 2026-07-01"), "%s",
                       as_errmsg(db));
    /* a refresh at 09-01 stores the 09-01 figures */
    int64_t users = 0;
    cr_assert_eq(as_profile_refresh(db, th_time("2026-09-01"), &users), AS_OK);
    cr_assert_eq(users, 1);
    cr_assert_eq(th_count("SELECT fillups FROM profiles"), 2);
    as_close(db);
}

/* A read-only handle returns the current profile and segments, writing
 * nothing. */
Test(fuel, a_read_only_handle_reads_current_profiles)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    th_fuel_import(db, FUEL_HEAD "A,U1,S1,2026-10-01T09:00:00+08:00,92,60,300\n");
    cr_assert_eq(as_profile_refresh(db, 0, NULL), AS_OK);
    /* after the refresh: U2 fuels, 60 L a fill-up (长途商务型) */
    th_fuel_import(db, FUEL_HEAD "B,U2,S1,2026-10-02T09:00:00+08:00,92,60,300\n");
    as_close(db);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_READONLY;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    as_profile *p = NULL;
    cr_assert_eq(as_profile_get(&p, db, "U2"), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(p->segment, "长途商务型");
    as_profile_free(p);
    as_user_query q = AS_USER_QUERY_INIT;
    q.segment = "长途商务型";
    as_user_iter *it;
    const as_user *u;
    cr_assert_eq(as_user_iter_new(&it, db, &q), AS_OK, "%s", as_errmsg(db));
    int n = 0;
    while (as_user_next(it, &u) == AS_OK)
        n++;
    cr_assert_eq(n, 2, "U2 listed though its stored profile is older");
    as_user_iter_free(it);
    as_close(db);
    cr_assert_eq(th_count("SELECT count(*) FROM profile_dirty WHERE user_id = 'U2'"), 1,
                 "a read writes nothing");
}

/* A configuration other than the stored profiles' is reported, and reads
 * with it recompute everything. */
Test(fuel, a_configuration_change_is_noticed)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_fuel_import(db, FUEL_HEAD "A,U1,S1,2026-10-01T09:00:00+08:00,92,60,300\n");
    int changed = -1;
    cr_assert_eq(as_profile_config_changed(db, &changed), AS_OK);
    cr_assert_eq(changed, 1, "never built");
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-10"), NULL), AS_OK);
    cr_assert_eq(as_profile_config_changed(db, &changed), AS_OK);
    cr_assert_eq(changed, 0);
    as_close(db);
    as_config *cfg = th_config("segments:\n  rules:\n    - {name: 大油箱, when: litres_per_fill >= 55}\n");
    db = NULL;
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.config = cfg;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    cr_assert_eq(as_profile_config_changed(db, &changed), AS_OK);
    cr_assert_eq(changed, 1);
    as_profile *p = profile_at(db, "U1", "2026-10-10");
    cr_assert_str_eq(p->segment, "大油箱", "computed with the handle's configuration");
    as_profile_free(p);
    int64_t n = 0;
    cr_assert_eq(as_profile_update(db, th_time("2026-10-10"), &n), AS_OK);
    cr_assert_eq(n, 1, "a changed configuration recomputes every user");
    cr_assert_eq(as_profile_config_changed(db, &changed), AS_OK);
    cr_assert_eq(changed, 0);
    as_close(db);
    as_config_free(cfg);
}

/* A fleet: five vehicles filling every 4.5 days, staggered.  Per vehicle:
 * the interval is 4.5 days (not 0.9), km per day that of one car. */
Test(fuel, a_fleet_is_profiled_per_vehicle)
{
    as_db *db = th_open_new();
    th_add_user(db, "F1", 0, NULL);
    as_buf csv = {0};
    as__buf_adds(&csv, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,plate\n");
    static const char *const plates[5] = {"云A10001", "云A10002", "云A10003", "云A10004",
                                          "云A10005"};
    int64_t t0 = th_time("2026-09-01T08:00:00+08:00");
    char line[200], when[AS_TIME_BUFSIZE];
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < 6; i++) {
            as_time_format(t0 + k * 86400 * 9 / 10 + i * (int64_t)(4.5 * 86400), 480, when);
            snprintf(line, sizeof line, "T%d%d,F1,S1,%s,92,50,390,%s\n", k, i, when, plates[k]);
            as__buf_adds(&csv, line);
        }
    th_fuel_import(db, csv.data);
    as__buf_free(&csv);
    as_profile *p = profile_at(db, "F1", "2026-10-01");
    cr_assert_eq(p->median_interval_s, (int64_t)(4.5 * 86400));
    cr_assert_eq(p->nvehicles, 5);
    cr_assert_str_eq(p->vehicles[0].plate, "云A10001");
    cr_assert_eq(p->vehicles[0].fillups, 6);
    cr_assert_eq(p->vehicles[0].expected_at, p->vehicles[0].last_at + (int64_t)(4.5 * 86400));
    /* 6 x 50 L, 5/6 of it used in 22.5 days, x 12 km/L: 133.3 km a day per
     * car (not the fleet's 667) */
    cr_assert_float_eq(p->km_per_day, 300.0 * 5 / 6 / 22.5 * 12, 0.01);
    cr_assert_str_eq(p->km_source, "estimate");
    as_profile_free(p);
    as_close(db);
}
