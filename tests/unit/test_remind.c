/* test_remind.c - the reminder rules through the C API: the refuel
 * prediction, whichever-first maintenance and survey invitations (moved
 * from test_fuel.c). */
#include "helpers.h"

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
