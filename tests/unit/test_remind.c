/* test_remind.c - the reminder rules through the C API: the refuel
 * prediction, whichever-first maintenance and survey invitations (moved
 * from test_fuel.c). */
#include "helpers.h"
#include "internal.h"

TestSuite(remind, .fini = th_cleanup);

/* A rule left out of the reminders section is off. */
static const char no_tips[] =
    "reminders:\n"
    "  maintenance: {title: t, message: '{plate} {km_since_service}'}\n"
    "  refuel_coupon: {title: t, message: '{expected_date}'}\n";

Test(remind, refuel_prediction_fires_the_day_before)
{
    as_config *cfg = th_config(no_tips);
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 0, NULL);   /* no marketing consent */
    /* intervals 5, 7, 9 days: median 7; last 10-22 09:00 -> expected 10-29 09:00 */
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                    "A,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n"
                    "B,U1,S1,2026-10-06T09:00:00+08:00,92,40,300\n"
                    "C,U1,S1,2026-10-13T09:00:00+08:00,92,40,300\n"
                    "D,U1,S1,2026-10-22T09:00:00+08:00,92,40,300\n"
                    "E,U2,S1,2026-10-01T09:00:00+08:00,92,40,300\n"
                    "F,U2,S1,2026-10-06T09:00:00+08:00,92,40,300\n"
                    "G,U2,S1,2026-10-13T09:00:00+08:00,92,40,300\n"
                    "H,U2,S1,2026-10-22T09:00:00+08:00,92,40,300\n");
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-23"), NULL), AS_OK, "%s", as_errmsg(db));
    as_profile *p;
    cr_assert_eq(as_profile_get(&p, db, "U1"), AS_OK);
    cr_assert_eq(p->median_interval_s, 7 * 86400);
    as_profile_free(p);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-10-27T20:00:00+08:00");   /* two days before: nothing */
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_REFUEL_COUPON], 0);
    o.at = th_time("2026-10-28T00:00:00+08:00");   /* the day before */
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_REFUEL_COUPON], 1);   /* U1 only: consent */
    o.at = th_time("2026-10-28T08:00:00+08:00");   /* again: idempotent */
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_REFUEL_COUPON], 0);
    cr_assert_eq(s.duplicates[AS_REMIND_REFUEL_COUPON], 1);
    as_close(db);
    as_config_free(cfg);
}

Test(remind, maintenance_whichever_first)
{
    as_config *cfg = th_config(no_tips);
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 0, NULL);
    cr_assert_eq(as_vehicle_add(db, "U1", "云A11111", NULL, NULL), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U1", "云A22222", NULL, NULL), AS_OK);
    cr_assert_eq(as_vehicle_service(db, "云A11111", th_time("2026-01-01"), 10000), AS_OK);
    cr_assert_eq(as_vehicle_service(db, "云A22222", th_time("2026-01-01"), 10000), AS_OK);
    cr_assert_eq(as_vehicle_service(db, "云A22222", th_time("2026-01-01"), 10000), AS_EXISTS);
    /* 11111 runs 4600 km in a month (5000 - 500 lead reached); 22222 little */
    cr_assert_eq(as_odometer_add(db, "云A11111", 14600, th_time("2026-02-01"), 0), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A22222", 10300, th_time("2026-02-01"), 0), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A22222", 10200, th_time("2026-02-02"), 0), AS_INVALID);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-02-02T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_MAINTENANCE], 1);     /* by km */
    /* 180 days - 7 lead after the service: 22222 is due by days */
    o.at = th_time("2026-06-24T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_MAINTENANCE], 1);
    cr_assert_eq(s.duplicates[AS_REMIND_MAINTENANCE], 1);
    /* a service restarts the count */
    cr_assert_eq(as_vehicle_service(db, "云A22222", th_time("2026-06-25"), 10400), AS_OK);
    o.at = th_time("2026-06-26T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_MAINTENANCE], 0);
    cr_assert_eq(s.duplicates[AS_REMIND_MAINTENANCE], 1);   /* 11111's, still due */
    as_close(db);
    as_config_free(cfg);
}

/* Survey invitations: the window [resolution + delay, due), dry run,
 * answered surveys and erased users. */
static void resolved_ticket(as_db *db, const char *user, int64_t at, char tk[AS_TRACKING_BUFSIZE])
{
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = user;
    in.channel = "app";
    in.category = "payment";
    in.subject = "多扣款";
    in.body = "";
    in.at = at - 3600;
    cr_assert_eq(as_ticket_open(db, &in, tk), AS_OK, "%s", as_errmsg(db));
    as_ticket_action act = AS_TICKET_ACTION_INIT;
    act.at = at;
    cr_assert_eq(as_ticket_resolve(db, tk, &act), AS_OK, "%s", as_errmsg(db));
}

Test(remind, survey_window_dry_run_and_answers)
{
    as_config *cfg = th_config("tickets:\n  survey_within: 2h\n"
                            "reminders:\n  survey: {delay: 30m, title: t, message: '{tracking}'}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    char tk1[AS_TRACKING_BUFSIZE], tk2[AS_TRACKING_BUFSIZE];
    int64_t r = th_time("2026-11-24T10:00:00+08:00");
    resolved_ticket(db, "U1", r, tk1);
    resolved_ticket(db, "U2", r, tk2);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = r + 1799;                                    /* before the delay */
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_SURVEY], 0);
    o.at = r + 1800;
    o.flags = AS_REMIND_DRY_RUN;
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_SURVEY], 2);
    o.flags = 0;
    cr_assert_eq(as_survey_record(db, tk2, 4, NULL, r + 1000, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_SURVEY], 1);     /* U2 answered; the dry run wrote nothing */
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_SURVEY], 0);
    cr_assert_eq(s.duplicates[AS_REMIND_SURVEY], 1);
    /* A third ticket of U1, checked at its due time: too late. */
    char tk3[AS_TRACKING_BUFSIZE];
    resolved_ticket(db, "U1", r + 600, tk3);
    o.at = r + 600 + 7200;
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_SURVEY], 0);
    cr_assert_eq(s.duplicates[AS_REMIND_SURVEY], 0);
    cr_assert_str_eq(as_remind_kind_name(AS_REMIND_SURVEY), "survey");
    as_close(db);
    as_config_free(cfg);
}

Test(remind, weather_kinds_and_alert_checks)
{
    cr_assert_eq(as_weather_kind_check("rainstorm"), AS_OK);
    cr_assert_eq(as_weather_kind_check("snow_2"), AS_OK);
    cr_assert_eq(as_weather_kind_check("Rain"), AS_INVALID);
    cr_assert_eq(as_weather_kind_check("rain storm"), AS_INVALID);
    cr_assert_eq(as_weather_kind_check(""), AS_INVALID);
    cr_assert_eq(as_weather_kind_check("abcdefghijklmnopqrstuvwxyz012345"), AS_OK, "32 is fine");
    cr_assert_eq(as_weather_kind_check("abcdefghijklmnopqrstuvwxyz0123456"), AS_INVALID);
    cr_assert_eq(as_weather_kind_check(NULL), AS_MISUSE);
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    int64_t t = th_time("2026-10-01T12:00:00+08:00");
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    o.at = t;
    as_remind_stats s;
    cr_assert_eq(as_remind_weather(db, "530000", "Rain", t, t + 3600, "m", &o, &s), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "kind: 'Rain'"), "%s", as_errmsg(db));
    cr_assert_eq(as_remind_weather(db, "530000", "rain", t, t, "m", &o, &s), AS_INVALID);
    cr_assert_eq(as_remind_weather(db, "5300", "rain", t, t + 3600, "m", &o, &s), AS_INVALID);
    cr_assert_eq(as_remind_weather(db, "530000", "rain", t, t + 3600, "", &o, &s), AS_INVALID);
    cr_assert_eq(as_remind_weather(db, "530000", "rain", t, t + 3600, "暴雨", &o, &s), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_WEATHER], 1);
    as_close(db);
}

/* The notifications of a user, "kind|title|body" in id order, joined by
 * newlines (static buffer). */
static const char *bodies(as_db *db, const char *user)
{
    static char out[4096];
    out[0] = '\0';
    as_outbox_query q = AS_OUTBOX_QUERY_INIT;
    q.user_id = user;
    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_OK);
    while (as_outbox_next(it, &v) == AS_OK) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s|%s|%s", n ? "\n" : "", v->kind, v->title, v->body);
    }
    as_outbox_iter_free(it);
    return out;
}

/* Tips fit their months: no winter tip on 1 September. */
Test(remind, tips_fit_their_months)
{
    as_config *cfg = th_config(
        "reminders:\n  cap: {count: 0}\n  tips:\n    every: 30d\n    title: t\n    messages:\n"
        "      - '{name}全年'\n"
        "      - {text: '{name}冬季', season: winter}\n"
        "      - {text: '{name}夏季', months: [6, 7, 8]}\n"
        "      - {text: '{name}秋冬', months: 11-2}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-09-01T10:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(bodies(db, "U1"), "tip|t|张三全年", "only the all-year tip fits September");
    /* December and January: three tips fit (全年, 冬季, 秋冬), in turn by period */
    o.at = th_time("2026-12-15T10:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    o.at += 30 * 86400;
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    o.at += 30 * 86400;
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    const char *all = bodies(db, "U1");
    cr_assert_not_null(strstr(all, "张三冬季"), "%s", all);
    cr_assert_not_null(strstr(all, "张三秋冬"), "%s", all);
    cr_assert_null(strstr(all, "张三夏季"), "%s", all);
    as_close(db);
    as_config_free(cfg);
    /* a bad month or season is a configuration error at its place */
    static const struct { const char *yaml, *want; } bad[] = {
        {"reminders:\n  tips: {title: t, messages: [{text: a, months: 13}]}\n",
         "t.yaml:2:49: 13 is out of range"},
        {"reminders:\n  tips: {title: t, messages: [{text: a, season: monsoon}]}\n",
         "t.yaml:2:49: season must be spring, summer, autumn or winter"},
        {"reminders:\n  tips: {title: t, messages: [{text: a, months: 3-15}]}\n",
         "'3-15' is not a month range"},
        {"reminders:\n  tips: {title: t, messages: [{months: [1]}]}\n", "a tip needs a text"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_config *c = NULL;
        char *err = NULL;
        cr_assert_eq(as_config_parse(&c, bad[i].yaml, strlen(bad[i].yaml), "t.yaml", &err),
                     AS_CONFIG, "%zu", i);
        cr_assert_not_null(strstr(err, bad[i].want), "%zu: %s", i, err);
        as_free(err);
    }
}

static const char grade_cfg[] =
    "reminders:\n  cap: {count: 0}\n"
    "  grade_advice:\n    title: 用油建议\n"
    "    below: '{plate}登记{registered_grade}号，加了{used_grade}号：偏低'\n"
    "    above: '{plate}登记{registered_grade}号，加了{used_grade}号：不必'\n"
    "    wrong_fuel: '{plate}登记{registered_grade}，加了{used_grade}：加错油'\n";

/* Fuel-grade advice follows the car's registered grade (seed 1.2, 加错油). */
Test(remind, grade_advice_for_the_car_the_customer_has)
{
    as_config *cfg = th_config(grade_cfg);
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    th_add_user(db, "U3", 0, NULL);
    th_add_user(db, "U4", 0, NULL);
    cr_assert_eq(as_vehicle_add(db, "U1", "云A00001", "95", NULL), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U2", "云A00002", "0", NULL), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U3", "云A00003", "E92", NULL), AS_OK);
    th_fuel_import(db,
                   "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,plate\n"
                   "A,U1,S1,2026-10-10T09:00:00+08:00,92,40,300,云A00001\n"
                   "B,U2,S1,2026-10-10T09:00:00+08:00,95,40,300,云A00002\n"
                   "C,U3,S1,2026-10-10T09:00:00+08:00,95,40,300,云A00003\n"
                   /* registered by the import from its first fill-up: no advice */
                   "D,U4,S1,2026-10-01T09:00:00+08:00,95,40,300,云A00004\n"
                   "E,U4,S1,2026-10-10T09:00:00+08:00,92,40,300,云A00004\n");
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-10-11T10:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_GRADE_ADVICE], 3);
    cr_assert_str_eq(bodies(db, "U1"), "grade_advice|用油建议|云A00001登记95号，加了92号：偏低");
    cr_assert_str_eq(bodies(db, "U2"), "grade_advice|用油建议|云A00002登记0，加了95：加错油");
    cr_assert_str_eq(bodies(db, "U3"), "grade_advice|用油建议|云A00003登记E92号，加了95号：不必");
    cr_assert_str_eq(bodies(db, "U4"), "");
    /* once per vehicle and grade per period; a fill-up older than
     * grade_advice.within (7 days) gets none */
    o.at = th_time("2026-10-12T10:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_GRADE_ADVICE], 0);
    cr_assert_eq(s.duplicates[AS_REMIND_GRADE_ADVICE], 3);
    o.at = th_time("2026-10-18T10:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.duplicates[AS_REMIND_GRADE_ADVICE], 0, "past within");
    /* the right grade again: nothing */
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,plate\n"
                       "F,U1,S1,2026-10-20T09:00:00+08:00,95,40,300,云A00001\n");
    o.at = th_time("2026-10-20T10:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_GRADE_ADVICE] + s.duplicates[AS_REMIND_GRADE_ADVICE], 0);
    as_close(db);
    as_config_free(cfg);
}

/* Every kind ends: the coupon with its day, the alert with the weather,
 * the survey at its due time, a tip with its period. */
Test(remind, every_kind_has_an_expiry)
{
    as_config *cfg = th_config(
        "reminders:\n  cap: {count: 0}\n"
        "  refuel_coupon: {title: t, message: m}\n"
        "  winback: {title: t, message: m, expire_after: 1d}\n"
        "  maintenance: {title: t, message: m, expire_after: 3d}\n"
        "  tips: {title: t, every: 10d, messages: [m]}\n"
        "  weather: {title: t, message: m}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "A,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n"
                       "B,U1,S1,2026-10-08T09:00:00+08:00,92,40,300\n"
                       "C,U1,S1,2026-10-15T09:00:00+08:00,92,40,300\n");
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-10-21T12:00:00+08:00");   /* the day before 10-22 */
    cr_assert_eq(as_remind_weather(db, "530000", "rain", th_time("2026-10-21T18:00:00+08:00"),
                                   th_time("2026-10-22T06:00:00+08:00"), "雨", &o, &s), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(as_outbox_iter_new(&it, db, NULL), AS_OK);
    int seen = 0;
    while (as_outbox_next(it, &v) == AS_OK) {
        if (strcmp(v->kind, "weather") == 0)
            cr_assert_eq(v->expires_at, th_time("2026-10-22T06:00:00+08:00"));
        else if (strcmp(v->kind, "refuel_coupon") == 0)
            cr_assert_eq(v->expires_at, th_time("2026-10-23T00:00:00+08:00"), "end of 10-22");
        else if (strcmp(v->kind, "tip") == 0)
            cr_assert_eq(v->expires_at, (o.at / 864000 + 1) * 864000, "end of the period");
        else
            cr_assert_fail("unexpected %s", v->kind);
        seen++;
    }
    as_outbox_iter_free(it);
    cr_assert_eq(seen, 3);
    /* win-back: expire_after from the run */
    o.at = th_time("2026-11-10T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.written[AS_REMIND_WINBACK], 1);
    cr_assert_eq(th_count("SELECT expires_at - created_at FROM outbox WHERE kind = 'winback'"),
                 86400);
    as_close(db);
    as_config_free(cfg);
}

/* A fleet gets one refuel coupon per vehicle, each naming its plate. */
Test(remind, refuel_coupons_per_vehicle)
{
    as_config *cfg = th_config("reminders:\n  cap: {count: 0}\n"
                               "  refuel_coupon: {title: t, message: '{plate} {expected_date}'}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "F1", 1, NULL);
    /* two cars every 7 days, a day apart */
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,plate\n"
                       "A1,F1,S1,2026-10-01T09:00:00+08:00,92,40,300,云A10001\n"
                       "B1,F1,S1,2026-10-02T09:00:00+08:00,92,40,300,云A10002\n"
                       "A2,F1,S1,2026-10-08T09:00:00+08:00,92,40,300,云A10001\n"
                       "B2,F1,S1,2026-10-09T09:00:00+08:00,92,40,300,云A10002\n"
                       "A3,F1,S1,2026-10-15T09:00:00+08:00,92,40,300,云A10001\n"
                       "B3,F1,S1,2026-10-16T09:00:00+08:00,92,40,300,云A10002\n");
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-10-21T10:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(bodies(db, "F1"), "refuel_coupon|t|云A10001 2026-10-22");
    o.at = th_time("2026-10-22T10:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_str_eq(bodies(db, "F1"),
                     "refuel_coupon|t|云A10001 2026-10-22\nrefuel_coupon|t|云A10002 2026-10-23");
    as_close(db);
    as_config_free(cfg);
}

/* ---- --at: as the world stood at T ---------------------------------------- */

/* The property: for a random T, a run at T on a database that also holds
 * records after T writes exactly what it writes on a copy from which those
 * records were deleted (the outbox rows: user, kind, dedupe key, title,
 * body, payload, times).  The chain: users with and without plates,
 * odometer readings, services and weather alerts over six months. */

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void exec_in(const char *path, const char *sql)
{
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(c));
    sqlite3_close(c);
}

/* The outbox as text, one row a line, in a stable order. */
static char *outbox_text(const char *path)
{
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(c,
                                    "SELECT user_id || '|' || kind || '|' || dedupe_key || '|' ||"
                                    " title || '|' || body || '|' || coalesce(payload, '') || '|'"
                                    " || created_at || '|' || not_before || '|' ||"
                                    " coalesce(expires_at, '') || '|' || coalesce(basis_at, '')"
                                    " FROM outbox ORDER BY dedupe_key", -1, &st, NULL),
                 SQLITE_OK);
    as_buf b = {0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        as__buf_adds(&b, (const char *)sqlite3_column_text(st, 0));
        as__buf_addc(&b, '\n');
    }
    sqlite3_finalize(st);
    sqlite3_close(c);
    return b.data ? b.data : strdup("");
}

static void copy_file(const char *from, const char *to)
{
    sqlite3 *a = NULL, *b = NULL;
    cr_assert_eq(sqlite3_open_v2(from, &a, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_open_v2(to, &b, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                 SQLITE_OK);
    sqlite3_backup *k = sqlite3_backup_init(b, "main", a, "main");
    cr_assert_not_null(k);
    cr_assert_eq(sqlite3_backup_step(k, -1), SQLITE_DONE);
    sqlite3_backup_finish(k);
    sqlite3_close(a);
    sqlite3_close(b);
}

Test(remind, a_run_at_T_is_true_to_T, .timeout = 240)
{
    as_config *cfg = th_config(
        "segments:\n  rules:\n    - {name: lapsed, when: days_since_last > 20}\n"
        "    - {name: commuter, when: median_interval_days <= 6}\n"
        "reminders:\n  cap: {count: 2, per: 7d}\n"
        "  weather: {title: w, message: '{name}{message}{from}'}\n"
        "  maintenance: {title: m, message: '{plate}{km_since_service}{days_since_service}',"
        " every_km: 3000, every_days: 60, lead_km: 300, lead_days: 5}\n"
        "  refuel_coupon: {title: r, message: '{plate}{expected_date}{station}{grade}'}\n"
        "  winback: {title: b, message: '{days_since_last}{usual_interval_days}', factor: 2}\n"
        "  tips: {title: t, every: 15d, messages: ['{name}1', {text: '{name}2', season: winter}]}\n"
        "  grade_advice: {title: g, below: '{plate}{used_grade}', above: '{plate}a',"
        " wrong_fuel: '{plate}w'}\n");
    as_db *db = th_open_with(cfg);
    const char *base = strdup(th_path);
    int64_t t0 = th_time("2026-06-01T00:00:00+08:00"), span = 183 * 86400;
    /* 30 users; a third with a plate (one with two cars), odometer readings
     * on their fill-ups, some services */
    char id[16], plate[16], line[256], when[AS_TIME_BUFSIZE];
    as_buf csv = {0};
    as__buf_adds(&csv, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,"
                       "odometer_km,plate,station_region\n");
    int tx = 0;
    for (int u = 0; u < 30; u++) {
        snprintf(id, sizeof id, "U%02d", u);
        as_user_input in = AS_USER_INPUT_INIT;
        in.fields = AS_USER_NAME | AS_USER_CONSENT_MARKETING | AS_USER_REGION;
        in.user_id = id;
        in.name = "用户";
        in.region = u % 2 ? "530102" : "110101";
        in.consent_marketing = u % 5 != 0;
        if (u % 7 == 3) {
            in.fields |= AS_USER_QUIET_HOURS;
            in.quiet_start = 22 * 60;
            in.quiet_end = 7 * 60;
        }
        cr_assert_eq(as_user_add(db, &in), AS_OK, "%s", as_errmsg(db));
        int cars = u % 3 == 0 ? (u == 0 ? 2 : 1) : 0;
        for (int c = 0; c < cars; c++) {
            snprintf(plate, sizeof plate, "云A%03d%02d", u, c);
            cr_assert_eq(as_vehicle_add(db, id, plate, c ? "0" : "95", NULL), AS_OK);
        }
        int64_t every = (3 + (int64_t)(rnd() % 12)) * 86400;
        int64_t t = t0 + (int64_t)(rnd() % (10 * 86400));
        int64_t km = 10000;
        for (int k = 0; t < t0 + span; k++) {
            int c = cars ? k % cars : 0;
            const char *grade = cars && rnd() % 6 == 0 ? "92" : (c ? "0" : "95");
            km += 200 + (int64_t)(rnd() % 400);
            as_time_format(t, 480, when);
            if (cars)
                snprintf(plate, sizeof plate, "云A%03d%02d", u, c);
            int st = (int)(rnd() % 4), litres = 30 + (int)(rnd() % 20);
            int yuan = 200 + (int)(rnd() % 200), reg = (int)(rnd() % 4);
            if (cars)
                snprintf(line, sizeof line, "T%05d,%s,S%d,%s,%s,%d.5,%d.30,%lld,%s,53010%d\n",
                         ++tx, id, st, when, grade, litres, yuan, (long long)km, plate, reg);
            else
                snprintf(line, sizeof line, "T%05d,%s,S%d,%s,%s,%d.5,%d.30,,,53010%d\n", ++tx,
                         id, st, when, grade, litres, yuan, reg);
            as__buf_adds(&csv, line);
            t += every + (int64_t)(rnd() % 86400) - 43200;
        }
    }
    th_fuel_import(db, csv.data);
    as__buf_free(&csv);
    for (int u = 0; u < 30; u += 6) {
        snprintf(plate, sizeof plate, "云A%03d00", u);
        as_vehicle_service(db, plate, t0 + 60 * 86400 + u * 3600, 0);   /* may be refused */
    }
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    for (int w = 0; w < 6; w++) {
        int64_t from = t0 + (int64_t)(rnd() % (uint64_t)span);
        o.at = from - 3600;
        cr_assert_eq(as_remind_weather(db, w % 2 ? "530100" : "110000", "rain", from,
                                       from + 12 * 3600, "雨", &o, NULL), AS_OK, "%s",
                     as_errmsg(db));
    }
    exec_in(base, "DELETE FROM outbox");
    as_close(db);
    /* 50 random times, in random order, on the same database A (its
     * profiles stored for other times each round) and on a fresh copy B
     * without the later records. */
    char copy[400];
    snprintf(copy, sizeof copy, "%s.copy", base);
    int nonempty = 0;
    for (int round = 0; round < 50; round++) {
        int64_t T = t0 + (int64_t)(rnd() % (uint64_t)(span + 20 * 86400));
        as_open_options oo = AS_OPEN_OPTIONS_INIT;
        oo.config = cfg;
        remove(copy);
        copy_file(base, copy);
        char sql[600];
        snprintf(sql, sizeof sql,
                 "DELETE FROM fuelings WHERE filled_at > %lld;"
                 " DELETE FROM odometer_readings WHERE at > %lld;"
                 " DELETE FROM services WHERE at > %lld;"
                 " DELETE FROM weather_alerts WHERE created_at > %lld",
                 (long long)T, (long long)T, (long long)T, (long long)T);
        exec_in(copy, sql);
        o.at = T;
        cr_assert_eq(as_open(&db, base, &oo, NULL), AS_OK);
        cr_assert_eq(as_remind_run(db, &o, NULL), AS_OK, "A at %lld: %s", (long long)T,
                     as_errmsg(db));
        as_close(db);
        cr_assert_eq(as_open(&db, copy, &oo, NULL), AS_OK);
        cr_assert_eq(as_remind_run(db, &o, NULL), AS_OK, "B at %lld: %s", (long long)T,
                     as_errmsg(db));
        as_close(db);
        char *a = outbox_text(base), *b = outbox_text(copy);
        cr_assert_str_eq(a, b, "round %d, T = %lld", round, (long long)T);
        nonempty += a[0] != '\0';
        free(a);
        free(b);
        exec_in(base, "DELETE FROM outbox");
    }
    cr_assert_gt(nonempty, 40, "the property was tested on real notifications");
    remove(copy);
    free((void *)base);
    as_config_free(cfg);
}

/* No run-time limit for templates and tips: a message of 3,000 parts (past
 * the 256 bound texts and SQLite's expression depth of the SQL the
 * templates used to become) and 600 tips run as written. */
Test(remind, long_templates_and_many_tips_run)
{
    as_buf y = {0};
    as__buf_adds(&y, "reminders:\n  cap: {count: 0}\n  tips:\n    every: 1d\n    title: '");
    for (int i = 0; i < 1500; i++)
        as__buf_adds(&y, "{name}-");
    as__buf_adds(&y, "'\n    messages:\n");
    char line[64];
    for (int i = 0; i < 600; i++) {
        snprintf(line, sizeof line, "      - 'tip %d {user_id}'\n", i);
        as__buf_adds(&y, line);
    }
    as_config *cfg = th_config(y.data);
    as__buf_free(&y);
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-10-01T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_TIP], 1);
    cr_assert_eq(th_count("SELECT length(title) FROM outbox"), 1500 * 3, "张三- is 3 characters");
    int64_t day = o.at / 86400;
    char want[64];
    snprintf(want, sizeof want, "SELECT body = 'tip %d U1' FROM outbox", (int)(day % 600));
    cr_assert_eq(th_count(want), 1, "the tip of the period, among 600");
    as_close(db);
    as_config_free(cfg);
}
