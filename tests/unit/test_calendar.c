/* test_calendar.c - business calendars: the shipped cn-office calendar
 * (holidays and 调休 of 2025 and 2026), 24/7, shifts past midnight, the
 * round-trip property against a brute-force reference, the public API,
 * and bad YAML reported with line and column. */
#include "helpers.h"
#include "calendar.h"

TestSuite(calendar, .fini = th_cleanup);

static int64_t T(const char *text)
{
    int64_t t = 0;
    cr_assert_eq(as_time_parse(text, 480, &t), AS_OK, "bad test time %s", text);
    return t;
}

static const char *F(int64_t t)
{
    static char buf[4][AS_TIME_BUFSIZE];
    static int i;
    i = (i + 1) % 4;
    return as_time_format(t, 480, buf[i]);
}

static as_config *cfg_of(const char *yaml)
{
    as_config *cfg = NULL;
    char *err = NULL;
    as_status st = as_config_parse(&cfg, yaml, strlen(yaml), "c.yaml", &err);
    cr_assert_eq(st, AS_OK, "config: %s", err ? err : "?");
    return cfg;
}

static as_config *defaults(void)
{
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_load(&cfg, NULL, &err), AS_OK, "%s", err ? err : "?");
    return cfg;
}

static void expect_error(const char *yaml, const char *want)
{
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, yaml, strlen(yaml), "c.yaml", &err), AS_CONFIG,
                 "accepted:\n%s", yaml);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, want), "wanted '%s' in:\n%s", want, err);
    as_free(err);
}

/* due(cal, at, minutes) as text */
static void expect_due(const as__calendar *c, const char *at, int64_t minutes, const char *want)
{
    int64_t due = as__calendar_add(c, T(at), minutes * 60);
    cr_assert_str_eq(F(due), want, "%s + %lld min: got %s, want %s", at, (long long)minutes,
                     F(due), want);
    /* Round trip: exactly that much business time elapsed. */
    cr_assert_eq(as__calendar_business_seconds(c, T(at), due), minutes * 60);
}

Test(calendar, shipped_calendars_load)
{
    as_config *cfg = defaults();
    cr_assert_not_null(as__calendar_find_cfg(cfg, "cn-office"));
    cr_assert_not_null(as__calendar_find_cfg(cfg, "24x7"));
    cr_assert_null(as__calendar_find_cfg(cfg, "nope"));
    cr_assert_null(as__calendar_find_cfg(cfg, NULL));
    cr_assert_str_eq(as__calendar_name(as__calendar_find_cfg(cfg, "24x7")), "24x7");
    as_config_free(cfg);
}

Test(calendar, friday_evening_two_hours_is_monday_morning)
{
    as_config *cfg = defaults();
    const as__calendar *c = as__calendar_find_cfg(cfg, "cn-office");
    expect_due(c, "2025-03-14T17:30:00+08:00", 120, "2025-03-17T10:30:00+08:00");
    /* Ending exactly at closing time stays on that day. */
    expect_due(c, "2025-03-14T16:00:00+08:00", 120, "2025-03-14T18:00:00+08:00");
    /* Opened on Saturday night: counts from Monday 09:00. */
    expect_due(c, "2025-03-15T23:00:00+08:00", 30, "2025-03-17T09:30:00+08:00");
    /* Before opening on a weekday. */
    expect_due(c, "2025-03-17T07:00:00+08:00", 15, "2025-03-17T09:15:00+08:00");
    /* A 3-day (27 business hours) target. */
    expect_due(c, "2025-03-17T09:00:00+08:00", 27 * 60, "2025-03-19T18:00:00+08:00");
    /* Zero minutes is the start itself. */
    cr_assert_eq(as__calendar_add(c, T("2025-03-15T23:00:00+08:00"), 0), T("2025-03-15T23:00:00+08:00"));
    as_config_free(cfg);
}

Test(calendar, national_day_and_its_make_up_days_2025)
{
    as_config *cfg = defaults();
    const as__calendar *c = as__calendar_find_cfg(cfg, "cn-office");
    /* The day before 国庆: 1 h left on 9/30, then 10/1-10/8 off. */
    expect_due(c, "2025-09-30T17:00:00+08:00", 120, "2025-10-09T10:00:00+08:00");
    /* 调休 Sunday 9/28 is a working day. */
    expect_due(c, "2025-09-27T10:00:00+08:00", 120, "2025-09-28T11:00:00+08:00");
    expect_due(c, "2025-09-26T17:30:00+08:00", 120, "2025-09-28T10:30:00+08:00");
    /* 调休 Saturday 10/11: opened on it, and reached from Friday 10/10. */
    expect_due(c, "2025-10-11T10:00:00+08:00", 120, "2025-10-11T12:00:00+08:00");
    expect_due(c, "2025-10-10T17:00:00+08:00", 120, "2025-10-11T10:00:00+08:00");
    /* and the Sunday after it is off again */
    expect_due(c, "2025-10-11T17:00:00+08:00", 120, "2025-10-13T10:00:00+08:00");
    int64_t m = as__calendar_business_seconds(c, T("2025-09-30"), T("2025-10-10")) / 60;
    cr_assert_eq(m, 2 * 540, "9/30 and 10/9 only: %lld", (long long)m);
    /* A holiday Saturday counts nothing, a normal Saturday nothing. */
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-10-04"), T("2025-10-05")), 0);
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-10-11"), T("2025-10-12")), 9 * 3600);
    cr_assert(!as__calendar_is_open(c, T("2025-10-03T10:00:00+08:00")));
    cr_assert(as__calendar_is_open(c, T("2025-10-11T10:00:00+08:00")));
    cr_assert(!as__calendar_is_open(c, T("2025-10-11T18:00:00+08:00")));
    as_config_free(cfg);
}

Test(calendar, spring_festival_2025_and_2026)
{
    as_config *cfg = defaults();
    const as__calendar *c = as__calendar_find_cfg(cfg, "cn-office");
    /* 2025: 1/28-2/4 off, 调休 Sunday 1/26 and Saturday 2/8. */
    expect_due(c, "2025-01-27T17:00:00+08:00", 120, "2025-02-05T10:00:00+08:00");
    expect_due(c, "2025-01-24T17:00:00+08:00", 120, "2025-01-26T10:00:00+08:00");
    expect_due(c, "2025-02-07T17:00:00+08:00", 120, "2025-02-08T10:00:00+08:00");
    /* 2026: 2/15-2/23 off, 调休 Saturdays 2/14 and 2/28. */
    expect_due(c, "2026-02-13T17:00:00+08:00", 120, "2026-02-14T10:00:00+08:00");
    expect_due(c, "2026-02-14T17:00:00+08:00", 120, "2026-02-24T10:00:00+08:00");
    expect_due(c, "2026-02-27T17:00:00+08:00", 120, "2026-02-28T10:00:00+08:00");
    as_config_free(cfg);
}

Test(calendar, year_boundary_and_whole_years)
{
    as_config *cfg = defaults();
    const as__calendar *c = as__calendar_find_cfg(cfg, "cn-office");
    /* 2026-01-01..03 off, 1/4 (Sunday) worked. */
    expect_due(c, "2025-12-31T17:00:00+08:00", 120, "2026-01-04T10:00:00+08:00");
    /* 2025 has 248 working days (261 weekdays - 18 holidays + 5 make-up days). */
    int64_t s = as__calendar_business_seconds(c, T("2025-01-01"), T("2026-01-01"));
    cr_assert_eq(s, INT64_C(248) * 9 * 3600, "2025: %lld hours", (long long)(s / 3600));
    /* 2026: 261 weekdays - holidays on weekdays (1/1,1/2; 2/16-2/20,2/23;
     * 4/6; 5/1,5/4,5/5; 6/19; 9/25; 10/1,10/2,10/5,10/6,10/7) + 6 make-up days. */
    s = as__calendar_business_seconds(c, T("2026-01-01"), T("2027-01-01"));
    cr_assert_eq(s, (int64_t)(261 - 19 + 6) * 9 * 3600, "2026: %lld s", (long long)s);
    /* Years without listed holidays are ordinary weeks. */
    s = as__calendar_business_seconds(c, T("2030-01-07"), T("2030-01-14"));
    cr_assert_eq(s, 5 * 9 * 3600);
    as_config_free(cfg);
}

Test(calendar, always_and_null_are_24x7)
{
    as_config *cfg = defaults();
    const as__calendar *c = as__calendar_find_cfg(cfg, "24x7");
    int64_t t = T("2025-10-01T03:00:00+08:00");
    cr_assert_eq(as__calendar_add(c, t, 7200), t + 7200);
    cr_assert_eq(as__calendar_add(NULL, t, 7200), t + 7200);
    cr_assert_eq(as__calendar_business_seconds(c, t, t + 86400), 86400);
    cr_assert_eq(as__calendar_business_seconds(NULL, t, t + 5), 5);
    cr_assert_eq(as__calendar_business_seconds(c, t + 5, t), 0, "t1 < t0 is 0 internally");
    cr_assert(as__calendar_is_open(c, t));
    as_config_free(cfg);
}

static const char night_yaml[] =
    "calendars:\n"
    "  night:\n"
    "    timezone: UTC\n"
    "    hours:\n"
    "      mon: \"22:00-06:00+1\"\n"
    "      tue: [\"22:00-06:00+1\"]\n"
    "      wednesday: 22:00-06:00+1\n"
    "      thu: \"08:00-12:00, 13:00-17:00\"\n"
    "      fri: \"\"\n"
    "      sun: \"22:00-24:00\"\n"
    "    holidays: [2025-03-05]\n"
    "    workdays:\n"
    "      - {date: 2025-03-08, hours_of: mon}\n";

Test(calendar, shifts_past_midnight_belong_to_their_start_day)
{
    as_config *cfg = cfg_of(night_yaml);
    const as__calendar *c = as__calendar_find_cfg(cfg, "night");
    cr_assert_not_null(c);
    /* 2025-03-03 is a Monday.  Mon 22:00 + 8 h ends Tue 06:00 (UTC). */
    int64_t mon22 = T("2025-03-03T22:00:00Z");
    cr_assert_eq(as__calendar_add(c, mon22, 8 * 3600), T("2025-03-04T06:00:00Z"));
    /* Across midnight inside one shift. */
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-03T23:00:00Z"), T("2025-03-04T01:00:00Z")), 7200);
    /* Wed 3/5 is a holiday: its shift (Wed 22:00 - Thu 06:00) is gone, but
     * Tuesday's shift still runs into Wednesday morning. */
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-05T00:00:00Z"), T("2025-03-06T00:00:00Z")), 6 * 3600);
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-06T00:00:00Z"), T("2025-03-06T06:00:00Z")), 0);
    /* Thursday: split hours. */
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-06T00:00:00Z"), T("2025-03-07T00:00:00Z")), 8 * 3600);
    /* Thu 16:30 + 1 h: 30 min Thursday, then Sunday 22:00 + 30 min?  No:
     * Saturday 3/8 is a make-up day with Monday's hours (22:00-06:00+1). */
    cr_assert_eq(as__calendar_add(c, T("2025-03-06T16:30:00Z"), 3600), T("2025-03-08T22:30:00Z"));
    /* Saturday's shift spills into Sunday 00:00-06:00; Sunday 22:00-24:00
     * then Monday's own shift. */
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-09T00:00:00Z"), T("2025-03-10T00:00:00Z")), 8 * 3600);
    /* An ordinary week: Mon, Tue, Wed shifts 8 h each, Thu 8 h, Sun 2 h. */
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-17T00:00:00Z"), T("2025-03-24T00:00:00Z")), 34 * 3600);
    as_config_free(cfg);
}

/* The brute-force reference: count open minutes one by one. */
static int64_t brute_minutes(const as__calendar *c, int64_t t0, int64_t t1)
{
    int64_t n = 0;
    for (int64_t t = t0; t < t1; t += 60)
        n += as__calendar_is_open(c, t);
    return n;
}

Test(calendar, matches_brute_force_and_round_trips)
{
    as_config *cfg = defaults();
    as_config *night = cfg_of(night_yaml);
    const as__calendar *cals[2] = {as__calendar_find_cfg(cfg, "cn-office"),
                                   as__calendar_find_cfg(night, "night")};
    srand(12345);
    int64_t base = T("2024-12-20T00:00:00+08:00");
    for (int k = 0; k < 2; k++) {
        const as__calendar *c = cals[k];
        for (int i = 0; i < 60; i++) {
            int64_t t0 = base + (int64_t)(rand() % (760 * 24 * 60)) * 60;
            int64_t t1 = t0 + (int64_t)(rand() % (25 * 24 * 60)) * 60;
            int64_t s = as__calendar_business_seconds(c, t0, t1);
            cr_assert_eq(s, brute_minutes(c, t0, t1) * 60, "%s .. %s", F(t0), F(t1));
            int64_t due = as__calendar_add(c, t0, s);
            cr_assert(due <= t1, "add(%s, %lld) = %s after %s", F(t0), (long long)s, F(due), F(t1));
            cr_assert_eq(as__calendar_business_seconds(c, t0, due), s);
            if (as__calendar_is_open(c, t1 - 1))
                cr_assert_eq(due, t1, "%s .. %s: due %s", F(t0), F(t1), F(due));
        }
        /* add() then business_seconds() for odd second counts too. */
        for (int i = 0; i < 200; i++) {
            int64_t t0 = base + rand() % (760 * 86400);
            int64_t secs = 1 + rand() % (90 * 86400);
            int64_t due = as__calendar_add(c, t0, secs);
            cr_assert_eq(as__calendar_business_seconds(c, t0, due), secs);
            /* earliest: one second less is not enough */
            cr_assert_eq(as__calendar_business_seconds(c, t0, due - 1), secs - 1);
        }
    }
    as_config_free(night);
    as_config_free(cfg);
}

Test(calendar, long_spans_are_fast_enough_to_sweep)
{
    /* Not a timing assertion: a span of 50 years must give the same as the
     * sum of its years (whole-day arithmetic, no per-minute walk). */
    as_config *cfg = defaults();
    const as__calendar *c = as__calendar_find_cfg(cfg, "cn-office");
    int64_t a = T("2000-01-01"), total = 0;
    for (int y = 2000; y < 2050; y++) {
        char b[16], e[16];
        snprintf(b, sizeof b, "%04d-01-01", y);
        snprintf(e, sizeof e, "%04d-01-01", y + 1);
        total += as__calendar_business_seconds(c, T(b), T(e));
    }
    cr_assert_eq(as__calendar_business_seconds(c, a, T("2050-01-01")), total);
    int64_t due = as__calendar_add(c, a, total);
    cr_assert_eq(as__calendar_business_seconds(c, a, due), total);
    cr_assert(due <= T("2050-01-01"));
    as_config_free(cfg);
}

Test(calendar, public_api)
{
    as_db *db = th_open_new();
    int64_t out = 0;
    cr_assert_eq(as_calendar_add(db, "cn-office", T("2025-03-14T17:30:00+08:00"), 120, &out), AS_OK);
    cr_assert_str_eq(F(out), "2025-03-17T10:30:00+08:00");
    cr_assert_eq(as_calendar_business_minutes(db, "cn-office", T("2025-03-14T17:30:00+08:00"),
                                              T("2025-03-17T10:30:00+08:00"), &out), AS_OK);
    cr_assert_eq(out, 120);
    cr_assert_eq(as_calendar_business_minutes(db, "cn-office", T("2025-03-17T10:30:00+08:00"),
                                              T("2025-03-14T17:30:00+08:00"), &out), AS_OK);
    cr_assert_eq(out, -120, "reversed times give a negative count");
    cr_assert_eq(as_calendar_business_seconds(db, "cn-office", T("2025-03-17T09:00:00+08:00"),
                                              T("2025-03-17T09:00:59+08:00"), &out), AS_OK);
    cr_assert_eq(out, 59);
    cr_assert_eq(as_calendar_business_minutes(db, "cn-office", T("2025-03-17T09:00:00+08:00"),
                                              T("2025-03-17T09:00:59+08:00"), &out), AS_OK);
    cr_assert_eq(out, 0, "minutes are truncated");
    int open = -1;
    cr_assert_eq(as_calendar_is_open(db, "cn-office", T("2025-10-01T10:00:00+08:00"), &open), AS_OK);
    cr_assert_eq(open, 0);

    cr_assert_eq(as_calendar_add(db, "nope", 0, 1, &out), AS_NOTFOUND);
    cr_assert_not_null(strstr(as_errmsg(db), "calendar 'nope'"), "%s", as_errmsg(db));
    cr_assert_not_null(strstr(as_errmsg(db), "cn-office, 24x7"), "%s", as_errmsg(db));
    cr_assert_eq(as_calendar_add(db, "cn-office", 0, -1, &out), AS_INVALID);
    cr_assert_eq(as_calendar_add(db, "cn-office", INT64_MAX, 1, &out), AS_INVALID);
    cr_assert_eq(as_calendar_business_minutes(db, "cn-office", 0, INT64_MIN, &out), AS_INVALID);
    cr_assert_eq(as_calendar_add(db, NULL, 0, 1, &out), AS_MISUSE);
    cr_assert_eq(as_calendar_add(db, "cn-office", 0, 1, NULL), AS_MISUSE);
    cr_assert_eq(as_calendar_add(NULL, "cn-office", 0, 1, &out), AS_MISUSE);

    as_calendar_iter *it = NULL;
    cr_assert_eq(as_calendar_iter_new(&it, db), AS_OK);
    const as_calendar_info *v;
    cr_assert_eq(as_calendar_next(it, &v), AS_OK);
    cr_assert_str_eq(v->name, "cn-office");
    cr_assert_str_eq(v->hours, "mon-fri 09:00-18:00");
    cr_assert_eq(v->week_minutes, 5 * 540);
    cr_assert_eq(v->workdays, 11);
    cr_assert_eq(v->holidays, 1 + 8 + 3 + 5 + 3 + 8 + 3 + 9 + 3 + 5 + 3 + 3 + 7);
    cr_assert_str_eq(v->first_date, "2025-01-01");
    cr_assert_str_eq(v->last_date, "2026-10-10");
    cr_assert_eq(v->utc_offset, 480);
    cr_assert_eq(as_calendar_next(it, &v), AS_OK);
    cr_assert_str_eq(v->name, "24x7");
    cr_assert_eq(v->always, 1);
    cr_assert_null(v->first_date);
    cr_assert_eq(as_calendar_next(it, &v), AS_DONE);
    as_calendar_iter_free(it);
    as_calendar_iter_free(NULL);
    as_close(db);
}

Test(calendar, find_through_a_handle_and_business_zone)
{
    as_config *cfg = cfg_of("business:\n  timezone: UTC\n"
                            "calendars:\n  office:\n    hours: {mon: 09:00-17:00}\n");
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_db_path(), &o, NULL), AS_OK);
    const as__calendar *c = as__calendar_find(db, "office");
    cr_assert_not_null(c);
    cr_assert_null(as__calendar_find(db, "cn-office"), "a calendars section replaces the defaults");
    /* Mondays 09:00-17:00 in the business zone (UTC here). */
    cr_assert_eq(as__calendar_add(c, T("2025-03-03T00:00:00Z"), 60), T("2025-03-03T09:01:00Z"));
    cr_assert_eq(as__calendar_add(c, T("2025-03-03T17:00:00Z"), 60), T("2025-03-10T09:01:00Z"));
    as_close(db);
    as_config_free(cfg);
}

Test(calendar, bad_yaml_is_reported_with_line_and_column)
{
    expect_error("calendars:\n  x:\n    hours:\n      mon: \"9:00-18:00\"\n",
                 "c.yaml:4:12: '9:00-18:00' is not an interval");
    expect_error("calendars:\n  x:\n    hours:\n      mon: \"18:00-09:00\"\n",
                 "c.yaml:4:12: '18:00-09:00': the end is not after the start");
    expect_error("calendars:\n  x:\n    hours:\n      mon: \"09:00-25:00\"\n", "c.yaml:4:12:");
    expect_error("calendars:\n  x:\n    hours:\n      mon: \"09:60-10:00\"\n", "c.yaml:4:12:");
    expect_error("calendars:\n  x:\n    hours:\n      mon: \"09:00-12:00, 11:00-18:00\"\n",
                 "c.yaml:4:7: calendar 'x': mon hours overlap (11:00 starts before 12:00 ends)");
    expect_error("calendars:\n  x:\n    hours:\n      sun: \"22:00-08:00+1\"\n      mon: \"07:00-12:00\"\n",
                 "mon hours overlap (07:00 starts before 08:00 ends)");
    expect_error("calendars:\n  x:\n    hours:\n      mon: \"22:00-23:00+1\"\n",
                 "must end by its start time");
    expect_error("calendars:\n  x:\n    hours:\n      mon: 09:00-18:00\n      funday: 09:00-18:00\n",
                 "c.yaml:5:7: unknown weekday 'funday'");
    expect_error("calendars:\n  x:\n    hours: {mon: 09:00-18:00}\n    holidays: [2025-02-30]\n",
                 "c.yaml:4:16: '2025-02-30' is not a date");
    expect_error("calendars:\n  x:\n    hours: {mon: 09:00-18:00}\n    holidays: [2025-10-08..2025-10-01]\n",
                 "c.yaml:4:16: the range ends before it starts");
    expect_error("calendars:\n  x:\n    hours: {mon: 09:00-18:00}\n    holidays:\n      - 2025-10-01..2025-10-07\n"
                 "    workdays:\n      - 2025-10-04\n",
                 "c.yaml:7:9: 2025-10-04 is both a holiday and a make-up working day (line 5)");
    expect_error("calendars:\n  x:\n    hours: {mon: 09:00-18:00}\n    workdays: [2025-10-06]\n",
                 "c.yaml:4:16: make-up day 2025-10-06 is a mon, already a working day");
    expect_error("calendars:\n  x:\n    hours: {mon: 09:00-18:00}\n    workdays: [{date: 2025-10-04, hours_of: caturday}]\n",
                 "'caturday' is not a weekday");
    expect_error("calendars:\n  x:\n    hours: {mon: 09:00-18:00}\n    holidays: [2025-10-01, 2025-10-01]\n",
                 "c.yaml:4:28: 2025-10-01 is listed twice as a holiday");
    expect_error("calendars:\n  x:\n    hours: {sat: \"\"}\n", "c.yaml:3:12: calendar 'x' has no working hours");
    expect_error("calendars:\n  x:\n    always: true\n    hours: {mon: 09:00-18:00}\n",
                 "c.yaml:4:12: calendar 'x': an 'always: true' calendar takes no hours");
    expect_error("calendars:\n  x:\n    holidays: []\n", "c.yaml:3:5: calendar 'x' needs 'hours'");
    expect_error("calendars:\n  x:\n    hours: {mon: 09:00-18:00}\n    colour: red\n",
                 "c.yaml:4:5: unknown key 'colour' in calendar 'x'");
    expect_error("calendars:\n  bad name:\n    always: yes\n", "c.yaml:2:3: calendar name 'bad name'");
    expect_error("calendars:\n  x:\n    timezone: Mars\n    always: true\n", "c.yaml:3:15: 'Mars' is not a time zone");
    expect_error("calendars: [a]\n", "c.yaml:1:12: calendars must be a mapping");
    expect_error("calendars:\n  x:\n    hours: {mon: 09:00-18:00}\n    workday_hours: sat\n",
                 "c.yaml:4:20: sat has no hours");
}

Test(calendar, several_intervals_and_lists)
{
    as_config *cfg = cfg_of("calendars:\n"
                            "  split:\n"
                            "    hours:\n"
                            "      mon: [\"09:00-12:00\", \"13:00-18:00\"]\n"
                            "      tue: \"13:00-18:00,09:00-12:00\"\n"
                            "      sat: off\n"
                            "      sun: \"00:00-24:00\"\n"
                            "    workday_hours: tue\n"
                            "    workdays: [2025-03-08]\n"
                            "    holidays: ~\n");
    const as__calendar *c = as__calendar_find_cfg(cfg, "split");
    cr_assert_not_null(c);
    /* Mon 11:30 + 1h: 30 min before lunch, 30 after. */
    cr_assert_eq(as__calendar_add(c, T("2025-03-03T11:30:00+08:00"), 3600), T("2025-03-03T13:30:00+08:00"));
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-03"), T("2025-03-04")), 8 * 3600);
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-04"), T("2025-03-05")), 8 * 3600);
    /* Saturday 3/8 is a make-up day with Tuesday's hours, Sunday is 24 h. */
    cr_assert_eq(as__calendar_business_seconds(c, T("2025-03-08"), T("2025-03-10")), 8 * 3600 + 86400);
    as_config_free(cfg);
}

/* ---- what a calendar knows, and iCalendar imports (issue 11, point 7) -- */

static as_status import_ics(as_db *db, const char *name, const char *text, unsigned flags,
                            as_calendar_import_result *r, char *first, size_t firstsz);

typedef struct rej {
    int n;
    char *first;
    size_t size;
} rej;

static void on_rej(void *ud, const as_reject *r)
{
    rej *x = ud;
    if (!x->n++)
        snprintf(x->first, x->size, "%s:%llu: %s: %s", r->file, (unsigned long long)r->line,
                 r->field ? r->field : "", r->reason);
}

static as_status import_ics(as_db *db, const char *name, const char *text, unsigned flags,
                            as_calendar_import_result *r, char *first, size_t firstsz)
{
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    cr_assert_not_null(f);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    char dummy[8];
    rej x = {0, first ? first : dummy, first ? firstsz : sizeof dummy};
    x.first[0] = '\0';
    o.on_reject = on_rej;
    o.userdata = &x;
    as_status s = as_calendar_import(db, name, f, "h.ics", &o, r);
    fclose(f);
    return s;
}

#define ICS_HEAD "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//CN\r\n"
#define ICS_TAIL "END:VCALENDAR\r\n"
#define EVENT(start, end, summary) \
    "BEGIN:VEVENT\r\nUID:" start "\r\nDTSTART;VALUE=DATE:" start "\r\n" end \
    "SUMMARY:" summary "\r\nEND:VEVENT\r\n"

/* 2027 (a made-up schedule for the test): 元旦 1/1, 春节 2/6-2/13 with
 * 2/20 (a Saturday) worked. */
static const char ics_2027[] =
    ICS_HEAD
    EVENT("20270101", "", "元旦")
    EVENT("20270206", "DTEND;VALUE=DATE:20270214\r\n", "春节")
    EVENT("20270220", "", "春节补班")
    ICS_TAIL;

Test(calendar, knows_the_years_of_its_holidays)
{
    as_db *db = th_open_new();
    int known = -1, until = -1;
    cr_assert_eq(as_calendar_knows(db, "cn-office", T("2026-12-31T17:00"), &known, &until),
                 AS_OK);
    cr_assert_eq(known, 1);
    cr_assert_eq(until, 2026);
    cr_assert_eq(as_calendar_knows(db, "cn-office", T("2027-01-01T00:00"), &known, NULL), AS_OK);
    cr_assert_eq(known, 0, "2027 is past what cn-office knows");
    cr_assert_eq(as_calendar_knows(db, "24x7", T("9000-01-01"), &known, &until), AS_OK);
    cr_assert_eq(known, 1);
    cr_assert_eq(until, 0);
    cr_assert_eq(as_calendar_knows(db, "nope", 0, &known, NULL), AS_NOTFOUND);
    /* The case: 2026-12-31 17:30 + 2 h lands on 2027-01-01. */
    int64_t due;
    cr_assert_eq(as_calendar_add(db, "cn-office", T("2026-12-31T17:30"), 120, &due), AS_OK);
    cr_assert_str_eq(F(due), "2027-01-01T10:30:00+08:00");
    cr_assert_eq(as_calendar_knows(db, "cn-office", due, &known, NULL), AS_OK);
    cr_assert_eq(known, 0);
    as_close(db);
    /* known_until in the configuration, and its default. */
    as_config *cfg = cfg_of("calendars:\n  a:\n    hours: {mon: \"09:00-18:00\"}\n"
                            "    holidays: [2030-05-01]\n"
                            "  b:\n    hours: {mon: \"09:00-18:00\"}\n    known_until: 2031\n"
                            "  c:\n    hours: {mon: \"09:00-18:00\"}\n");
    cr_assert_eq(as__calendar_known_until(as__calendar_find_cfg(cfg, "a")), 2030);
    cr_assert_eq(as__calendar_known_until(as__calendar_find_cfg(cfg, "b")), 2031);
    cr_assert_eq(as__calendar_known_until(as__calendar_find_cfg(cfg, "c")), 0);
    as_config_free(cfg);
    expect_error("calendars:\n  a:\n    always: true\n    known_until: 2030\n",
                 "c.yaml:4:18: calendar 'a': an 'always: true' calendar takes no known_until");
    expect_error("calendars:\n  a:\n    hours: {mon: \"09:00-18:00\"}\n    known_until: 12\n",
                 "c.yaml:4:18");
}

Test(calendar, imports_holidays_and_make_up_days_from_icalendar)
{
    as_db *db = th_open_new();
    as_calendar_import_result r;
    char first[300];
    cr_assert_eq(import_ics(db, "cn-office", ics_2027, 0, &r, first, sizeof first), AS_OK,
                 "%s / %s", as_errmsg(db), first);
    cr_assert_eq(r.events, 3);
    cr_assert_eq(r.holidays, 9);
    cr_assert_eq(r.workdays, 1);
    cr_assert_eq(r.inserted, 10);
    cr_assert_eq(r.first_year, 2027);
    cr_assert_eq(r.known_until, 2027);
    /* The due time now skips 元旦 and the weekend. */
    int64_t due;
    cr_assert_eq(as_calendar_add(db, "cn-office", T("2026-12-31T17:30"), 120, &due), AS_OK);
    cr_assert_str_eq(F(due), "2027-01-04T10:30:00+08:00");
    int known;
    cr_assert_eq(as_calendar_knows(db, "cn-office", due, &known, NULL), AS_OK);
    cr_assert_eq(known, 1);
    /* 春节 2027 is off; the make-up Saturday 2/20 is worked. */
    cr_assert_eq(as_calendar_add(db, "cn-office", T("2027-02-05T17:00"), 120, &due), AS_OK);
    cr_assert_str_eq(F(due), "2027-02-15T10:00:00+08:00");
    int open;
    cr_assert_eq(as_calendar_is_open(db, "cn-office", T("2027-02-20T10:00"), &open), AS_OK);
    cr_assert_eq(open, 1);
    /* Again: nothing changes. */
    cr_assert_eq(import_ics(db, "cn-office", ics_2027, 0, &r, NULL, 0), AS_OK);
    cr_assert_eq(r.inserted, 0);
    cr_assert_eq(r.unchanged, 10);
    cr_assert_eq(th_count("SELECT count(*) FROM calendar_imports"), 1);
    /* A corrected file replaces the year: 2/13 is worked after all. */
    static const char fixed[] =
        ICS_HEAD
        EVENT("20270101", "", "元旦")
        EVENT("20270206", "DTEND;VALUE=DATE:20270213\r\n", "春节")
        EVENT("20270220", "", "春节补班")
        ICS_TAIL;
    cr_assert_eq(import_ics(db, "cn-office", fixed, 0, &r, NULL, 0), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r.removed, 1);
    cr_assert_eq(r.unchanged, 9);
    cr_assert_eq(as_calendar_is_open(db, "cn-office", T("2027-02-12T10:00"), &open), AS_OK);
    cr_assert_eq(open, 0);
    cr_assert_eq(as_calendar_is_open(db, "cn-office", T("2027-02-13T10:00"), &open), AS_OK);
    cr_assert_eq(open, 0, "a Saturday again");
    /* calendar list shows the merged calendar. */
    as_calendar_iter *it;
    const as_calendar_info *v;
    cr_assert_eq(as_calendar_iter_new(&it, db), AS_OK);
    cr_assert_eq(as_calendar_next(it, &v), AS_OK);
    cr_assert_str_eq(v->name, "cn-office");
    cr_assert_eq(v->known_until, 2027);
    cr_assert_str_eq(v->last_date, "2027-02-20");
    as_calendar_iter_free(it);
    as_close(db);
}

Test(calendar, icalendar_problems_are_reported_with_their_line)
{
    as_db *db = th_open_new();
    as_calendar_import_result r;
    char first[300];
    static const char recurring[] =
        ICS_HEAD
        EVENT("20270101", "", "元旦")
        "BEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20270501\r\nRRULE:FREQ=YEARLY\r\n"
        "SUMMARY:劳动节\r\nEND:VEVENT\r\n"
        ICS_TAIL;
    cr_assert_eq(import_ics(db, "cn-office", recurring, 0, &r, first, sizeof first), AS_INVALID);
    cr_assert_str_eq(first, "h.ics:9: RRULE: a recurring event (劳动节): list each year's days"
                            " (the schedule changes every year)");
    cr_assert_eq(th_count("SELECT count(*) FROM calendar_days"), 0, "all or nothing");
    cr_assert_eq(import_ics(db, "cn-office", recurring, AS_IMPORT_SKIP_BAD, &r, NULL, 0), AS_OK);
    cr_assert_eq(r.holidays, 1);

    static const char weekday_makeup[] =
        ICS_HEAD EVENT("20270303", "", "补班") ICS_TAIL;   /* a Wednesday */
    cr_assert_eq(import_ics(db, "cn-office", weekday_makeup, 0, &r, first, sizeof first),
                 AS_INVALID);
    cr_assert_not_null(strstr(first, "make-up day 2027-03-03 is a Wednesday, already a working"
                                     " day"), "%s", first);
    static const char contradicts[] =
        ICS_HEAD EVENT("20261001", "", "上班") ICS_TAIL;
    cr_assert_eq(import_ics(db, "cn-office", contradicts, 0, &r, first, sizeof first),
                 AS_INVALID);
    cr_assert_not_null(strstr(first, "2026-10-01 is a holiday in the configuration"), "%s",
                       first);
    static const char both[] =
        ICS_HEAD EVENT("20270206", "", "春节") EVENT("20270206", "", "补班") ICS_TAIL;
    cr_assert_eq(import_ics(db, "cn-office", both, 0, &r, first, sizeof first), AS_INVALID);
    cr_assert_not_null(strstr(first, "both a holiday and a make-up working day (line 4)"), "%s",
                       first);
    static const char backwards[] =
        ICS_HEAD EVENT("20270206", "DTEND;VALUE=DATE:20270201\r\n", "春节") ICS_TAIL;
    cr_assert_eq(import_ics(db, "cn-office", backwards, 0, &r, first, sizeof first), AS_INVALID);
    cr_assert_not_null(strstr(first, "DTEND: ends before the event starts"), "%s", first);
    cr_assert_eq(import_ics(db, "cn-office", "not a calendar", 0, &r, NULL, 0), AS_INVALID);
    cr_assert_eq(import_ics(db, "mars", ics_2027, 0, &r, NULL, 0), AS_NOTFOUND);
    cr_assert_eq(import_ics(db, "24x7", ics_2027, 0, &r, NULL, 0), AS_INVALID);
    /* A dry run changes nothing, and leaves no trace in the handle. */
    cr_assert_eq(import_ics(db, "cn-office", ics_2027, AS_IMPORT_DRY_RUN, &r, NULL, 0), AS_OK);
    cr_assert_eq(r.inserted, 10 - 1, "2027-01-01 is there from the skip-bad import");
    int64_t due;
    cr_assert_eq(as_calendar_add(db, "cn-office", T("2027-02-05T17:00"), 120, &due), AS_OK);
    cr_assert_str_eq(F(due), "2027-02-08T10:00:00+08:00", "春节 was not imported");
    as_close(db);
}
