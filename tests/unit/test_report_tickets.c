/* test_report_tickets.c - a ticket's station, report sla by week and per
 * station, report csat per station, report times and report tickets (issue
 * 17): exact figures on a small hand-made data set, the period's
 * boundaries, the station filter, empty periods and bad queries. */
#include "helpers.h"
#include "internal.h"

TestSuite(report_tickets, .fini = th_cleanup);

/* W: Monday 2025-11-24T00:00:00+08:00, the start of a business week. */
#define W INT64_C(1763913600)
#define MIN 60
#define HOUR 3600
#define DAY 86400
#define WEEK (7 * DAY)

static as_config *test_cfg;

static const char cfg_text[] =
    "calendars:\n"
    "  standard:\n"
    "    always: true\n"
    "sla:\n"
    "  at_risk: 80%\n"
    "  levels:\n"
    "    normal:   {first_response: 2h, resolution: 24h, calendar: standard}\n"
    "    urgent:   {first_response: 30m, resolution: 4h, calendar: 24/7}\n"
    "    major:    {first_response: 15m, resolution: 2h, calendar: 24/7}\n"
    "    systemic: {first_response: 15m, resolution: 4h, calendar: 24/7}\n"
    "routing:\n"
    "  default_queue: general\n"
    "tickets:\n"
    "  reopen_window: 7d\n"
    "  survey_within: 24h\n";

static as_db *open_db(void)
{
    char *err = NULL;
    cr_assert_eq(as_config_parse(&test_cfg, cfg_text, strlen(cfg_text), "t.yaml", &err), AS_OK,
                 "%s", err ? err : "");
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = test_cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_db_path(), &o, &err), AS_OK, "%s", err ? err : "");
    as_user_input u = AS_USER_INPUT_INIT;
    u.fields = AS_USER_NAME | AS_USER_PHONE;
    u.user_id = "U1";
    u.name = "张三";
    u.phone = "13800138000";
    cr_assert_eq(as_user_add(db, &u), AS_OK, "%s", as_errmsg(db));
    return db;
}

static void close_db(as_db *db)
{
    as_close(db);
    as_config_free(test_cfg);
    test_cfg = NULL;
}

static void open_t(as_db *db, const char *station, const char *channel, const char *category,
                   const char *severity, int64_t at, char out[AS_TRACKING_BUFSIZE])
{
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = channel;
    in.category = category;
    in.subject = "s";
    in.body = "";
    in.severity = severity;
    in.at = at;
    in.station_id = station;
    cr_assert_eq(as_ticket_open(db, &in, out), AS_OK, "%s", as_errmsg(db));
}

static as_ticket_action act(int64_t at, const char *text)
{
    as_ticket_action a = AS_TICKET_ACTION_INIT;
    a.at = at;
    a.by = "agent1";
    a.text = text;
    return a;
}

static void reply(as_db *db, const char *t, int64_t at)
{
    as_ticket_action a = act(at, "收到");
    cr_assert_eq(as_ticket_reply(db, t, &a, 0), AS_OK, "%s", as_errmsg(db));
}

static void resolve(as_db *db, const char *t, int64_t at)
{
    as_ticket_action a = act(at, "已解决");
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_OK, "%s", as_errmsg(db));
}

static void cancel(as_db *db, const char *t, int64_t at)
{
    as_ticket_action a = act(at, NULL);
    cr_assert_eq(as_ticket_set_status(db, t, AS_TICKET_CANCELLED, &a), AS_OK, "%s",
                 as_errmsg(db));
}

/* The data set (W: Monday; the period [W, W + 3 weeks)):
 *   A  S1 app     payment urgent  at W (the start: counts); reply +10m (met),
 *                                 resolved +60m (met)
 *   B  S1 phone   payment urgent  W+1d10h; reply +40m (missed), resolved +300m (missed)
 *   G  S1 app     payment urgent  W+1d11h; merged into B (never counted)
 *   H  S1 wechat  payment major   W+3d; resolved +30m (first response 30m, missed),
 *                                 reopened +2h: open again, resolution running
 *   C  S2 app     station urgent  W+7d9h; reply +20m; cancelled +3h
 *   D  -  web     payment normal  W+8d; reply +150m (missed)
 *   F  S2 app     station urgent  W+10d; cancelled at W+21d+1h (after the end)
 *   E  S1 app     payment urgent  W+21d (the end: not counted)
 * The third week has no tickets. */
static char A[AS_TRACKING_BUFSIZE], B[AS_TRACKING_BUFSIZE], C[AS_TRACKING_BUFSIZE],
    D[AS_TRACKING_BUFSIZE], E[AS_TRACKING_BUFSIZE], F[AS_TRACKING_BUFSIZE],
    G[AS_TRACKING_BUFSIZE], H[AS_TRACKING_BUFSIZE];

static as_db *data_set(void)
{
    as_db *db = open_db();
    open_t(db, "S1", "app", "payment", "urgent", W, A);
    reply(db, A, W + 10 * MIN);
    resolve(db, A, W + 60 * MIN);
    int64_t tb = W + DAY + 10 * HOUR;
    open_t(db, "S1", "phone", "payment", "urgent", tb, B);
    reply(db, B, tb + 40 * MIN);
    open_t(db, "S1", "app", "payment", "urgent", tb + HOUR, G);
    as_ticket_action m = act(tb + 2 * HOUR, NULL);
    cr_assert_eq(as_ticket_merge(db, G, B, &m), AS_OK, "%s", as_errmsg(db));
    resolve(db, B, tb + 300 * MIN);
    int64_t th = W + 3 * DAY;
    open_t(db, "S1", "wechat", "payment", "major", th, H);
    resolve(db, H, th + 30 * MIN);
    as_ticket_action ro = act(th + 2 * HOUR, "没解决");
    char again[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as_ticket_reopen(db, H, &ro, again), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(again, "", "reopened in place, not followed up");
    int64_t tc = W + WEEK + 9 * HOUR;
    open_t(db, "S2", "app", "station", "urgent", tc, C);
    reply(db, C, tc + 20 * MIN);
    cancel(db, C, tc + 3 * HOUR);
    open_t(db, NULL, "web", "payment", "normal", W + 8 * DAY, D);
    reply(db, D, W + 8 * DAY + 150 * MIN);
    open_t(db, "S2", "app", "station", "urgent", W + 10 * DAY, F);
    open_t(db, "S1", "app", "payment", "urgent", W + 3 * WEEK, E);
    cancel(db, F, W + 3 * WEEK + HOUR);
    return db;
}

static as_period_query period(int64_t from, int64_t to, const char *station)
{
    as_period_query q = AS_PERIOD_QUERY_INIT;
    q.from = from;
    q.to = to;
    q.station_id = station;
    return q;
}

/* ---- the ticket's station ---------------------------------------------- */

Test(report_tickets, a_ticket_keeps_its_station_and_version_1_input_still_opens)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_t(db, "S-9", "app", "payment", "urgent", W, t);
    as_ticket *tk = NULL;
    cr_assert_eq(as_ticket_get(&tk, db, t), AS_OK);
    cr_assert_str_eq(tk->station_id, "S-9");
    as_ticket_free(tk);

    /* Version 1 of the input ends before station_id: none is read. */
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.version = 1;
    in.user_id = "U1";
    in.channel = "app";
    in.category = "c";
    in.subject = "s";
    in.body = "";
    in.station_id = "IGNORED";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_ticket_get(&tk, db, t), AS_OK);
    cr_assert_null(tk->station_id);
    as_ticket_free(tk);

    /* A station id is an id. */
    in.version = AS_TICKET_INPUT_VERSION;
    in.station_id = "S 1";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "station_id"), "%s", as_errmsg(db));
    in.version = 3;
    cr_assert_eq(as_ticket_open(db, &in, t), AS_MISUSE);

    /* The listing has it too. */
    as_ticket_iter *it = NULL;
    cr_assert_eq(as_ticket_iter_new(&it, db, NULL), AS_OK);
    const as_ticket *v;
    int with = 0, n = 0;
    while (as_ticket_next(it, &v) == AS_OK) {
        n++;
        with += v->station_id && strcmp(v->station_id, "S-9") == 0;
    }
    as_ticket_iter_free(it);
    cr_assert_eq(n, 2);
    cr_assert_eq(with, 1);
    close_db(db);
}

Test(report_tickets, a_follow_up_ticket_keeps_the_station)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE], again[AS_TRACKING_BUFSIZE];
    open_t(db, "S7", "app", "payment", "urgent", W, t);
    resolve(db, t, W + HOUR);
    as_ticket_action ro = act(W + 30 * DAY, "又坏了");   /* past the reopen window */
    cr_assert_eq(as_ticket_reopen(db, t, &ro, again), AS_OK, "%s", as_errmsg(db));
    cr_assert_neq(again[0], '\0');
    as_ticket *tk = NULL;
    cr_assert_eq(as_ticket_get(&tk, db, again), AS_OK);
    cr_assert_str_eq(tk->station_id, "S7");
    cr_assert_str_eq(tk->related, t);
    as_ticket_free(tk);
    close_db(db);
}

/* ---- report sla by week, per station ------------------------------------ */

typedef struct sla_want {
    const char *group;
    int64_t tickets, frn, frmed, frp90, rsn, rsmed, rsp90;
    double frpct, rspct;
} sla_want;

static void check_sla(as_db *db, const as_report_query *q, const sla_want *want, size_t n)
{
    as_report_sla_iter *it = NULL;
    cr_assert_eq(as_report_sla_iter_new(&it, db, q), AS_OK, "%s", as_errmsg(db));
    const as_report_sla_row *r;
    size_t i = 0;
    as_status s;
    while ((s = as_report_sla_next(it, &r)) == AS_OK) {
        cr_assert_lt(i, n, "an extra group %s", r->group);
        const sla_want *w = &want[i++];
        cr_assert_str_eq(r->group, w->group);
        cr_assert_eq(r->tickets, w->tickets, "%s tickets %lld", w->group, (long long)r->tickets);
        cr_assert_eq(r->first_response_n, w->frn, "%s", w->group);
        cr_assert_float_eq(r->first_response_met_pct, w->frpct, 1e-9, "%s %f", w->group,
                           r->first_response_met_pct);
        cr_assert_eq(r->first_response_median_min, w->frmed, "%s", w->group);
        cr_assert_eq(r->first_response_p90_min, w->frp90, "%s", w->group);
        cr_assert_eq(r->resolution_n, w->rsn, "%s", w->group);
        cr_assert_float_eq(r->resolution_met_pct, w->rspct, 1e-9, "%s", w->group);
        cr_assert_eq(r->resolution_median_min, w->rsmed, "%s", w->group);
        cr_assert_eq(r->resolution_p90_min, w->rsp90, "%s", w->group);
    }
    cr_assert_eq(s, AS_DONE);
    cr_assert_eq(i, n, "%zu groups, want %zu", i, n);
    as_report_sla_iter_free(it);
}

Test(report_tickets, sla_by_week_lists_every_week_of_the_period)
{
    as_db *db = data_set();
    cr_assert_str_eq(as_report_by_name(AS_REPORT_BY_WEEK), "week");
    as_report_query q = AS_REPORT_QUERY_INIT;
    q.by = AS_REPORT_BY_WEEK;
    q.from = W;
    q.to = W + 3 * WEEK;
    /* Week 1: A, B, H (G merged).  First response 10 met, 40 and 30 missed;
     * resolution A 60 met, B 300 missed (H reopened: running).  Week 2: D
     * (C and F cancelled): first response 150, missed.  Week 3: none. */
    const sla_want all[] = {
        {"2025-11-24", 3, 3, 30, 40, 2, 60, 300, 33.3, 50.0},
        {"2025-12-01", 1, 1, 150, 150, 0, -1, -1, 0.0, -1},
        {"2025-12-08", 0, 0, -1, -1, 0, -1, -1, -1, -1},
    };
    check_sla(db, &q, all, 3);
    /* Station S1: week 2 has none of its tickets. */
    q.station_id = "S1";
    const sla_want s1[] = {
        {"2025-11-24", 3, 3, 30, 40, 2, 60, 300, 33.3, 50.0},
        {"2025-12-01", 0, 0, -1, -1, 0, -1, -1, -1, -1},
        {"2025-12-08", 0, 0, -1, -1, 0, -1, -1, -1, -1},
    };
    check_sla(db, &q, s1, 3);
    /* A period that starts on a Tuesday and ends on a Monday 01:00: its
     * first and last weeks are partial, named by their Mondays; A (Monday
     * 00:00) is before it. */
    q.station_id = NULL;
    q.from = W + DAY;
    q.to = W + WEEK + HOUR;
    const sla_want partial[] = {
        {"2025-11-24", 2, 2, 30, 40, 1, 300, 300, 0.0, 0.0},
        {"2025-12-01", 0, 0, -1, -1, 0, -1, -1, -1, -1},
    };
    check_sla(db, &q, partial, 2);
    /* By week a period must be a period, and not endless. */
    q.to = q.from;
    as_report_sla_iter *it = NULL;
    cr_assert_eq(as_report_sla_iter_new(&it, db, &q), AS_INVALID);
    q.from = 0;
    q.to = INT64_C(253402300799);
    cr_assert_eq(as_report_sla_iter_new(&it, db, &q), AS_INVALID);
    cr_assert_null(it);
    cr_assert_eq(as_db_utc_offset(db), 480, "the weeks above are in UTC+8");
    close_db(db);
}

Test(report_tickets, sla_per_station_and_version_1_queries)
{
    as_db *db = data_set();
    as_report_query q = AS_REPORT_QUERY_INIT;
    q.by = AS_REPORT_BY_LEVEL;
    q.from = W;
    q.to = W + 3 * WEEK;
    q.station_id = "S2";   /* C and F are cancelled: nothing */
    check_sla(db, &q, NULL, 0);
    q.station_id = "S1";
    const sla_want s1[] = {
        {"major", 1, 1, 30, 30, 0, -1, -1, 0.0, -1},
        {"urgent", 2, 2, 10, 40, 2, 60, 300, 50.0, 50.0},
    };
    check_sla(db, &q, s1, 2);
    /* Version 1 has no station: every station. */
    q.version = 1;
    const sla_want v1[] = {
        {"major", 1, 1, 30, 30, 0, -1, -1, 0.0, -1},
        {"normal", 1, 1, 150, 150, 0, -1, -1, 0.0, -1},
        {"urgent", 2, 2, 10, 40, 2, 60, 300, 50.0, 50.0},
    };
    check_sla(db, &q, v1, 3);
    as_report_sla_iter *it = NULL;
    q.version = 3;
    cr_assert_eq(as_report_sla_iter_new(&it, db, &q), AS_MISUSE);
    q.version = AS_REPORT_QUERY_VERSION;
    q.station_id = "";
    cr_assert_eq(as_report_sla_iter_new(&it, db, &q), AS_INVALID);
    q.station_id = NULL;
    q.by = (as_report_by)9;
    cr_assert_eq(as_report_sla_iter_new(&it, db, &q), AS_INVALID);
    close_db(db);
}

Test(report_tickets, csat_per_station)
{
    as_db *db = data_set();
    as_report_query q = AS_REPORT_QUERY_INIT;
    q.by = AS_REPORT_BY_QUEUE;
    q.from = W;
    q.to = W + 3 * WEEK;
    /* A and B (S1) made surveys; H's was voided by the reopen. */
    static const char *const stations[] = {NULL, "S1", "S2"};
    static const int64_t surveys[] = {2, 2, -1};
    for (int k = 0; k < 3; k++) {
        q.station_id = stations[k];
        as_report_csat_iter *it = NULL;
        cr_assert_eq(as_report_csat_iter_new(&it, db, &q), AS_OK, "%s", as_errmsg(db));
        const as_report_csat_row *r;
        as_status s = as_report_csat_next(it, &r);
        if (surveys[k] < 0) {
            cr_assert_eq(s, AS_DONE, "station %s", stations[k]);
        } else {
            cr_assert_eq(s, AS_OK);
            cr_assert_str_eq(r->group, "general");
            cr_assert_eq(r->surveys, surveys[k]);
            cr_assert_eq(as_report_csat_next(it, &r), AS_DONE);
        }
        as_report_csat_iter_free(it);
    }
    q.station_id = "a b";
    as_report_csat_iter *it = NULL;
    cr_assert_eq(as_report_csat_iter_new(&it, db, &q), AS_INVALID);
    close_db(db);
}

/* ---- report times ------------------------------------------------------ */

static void check_buckets(const as_report_times_clock *c, const int64_t want[8])
{
    static const int64_t lo[8] = {0, 15, 30, 60, 120, 240, 480, 1440};
    int64_t sum = 0;
    for (int b = 0; b < AS_REPORT_TIMES_BUCKETS; b++) {
        cr_assert_eq(c->buckets[b].lo_min, lo[b]);
        cr_assert_eq(c->buckets[b].hi_min, b < 7 ? lo[b + 1] : -1);
        cr_assert_eq(c->buckets[b].tickets, want[b], "%s bucket %d: %lld", c->clock, b,
                     (long long)c->buckets[b].tickets);
        sum += c->buckets[b].tickets;
    }
    cr_assert_eq(sum, c->n);
}

Test(report_tickets, times_exact_figures_boundaries_and_station)
{
    as_db *db = data_set();
    as_period_query q = period(W, W + 3 * WEEK, NULL);
    as_report_times *r = NULL;
    cr_assert_eq(as_report_times_get(&r, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->from, W);
    cr_assert_eq(r->to, W + 3 * WEEK);
    cr_assert_null(r->station_id);
    /* First response: A 10 met, H 30, B 40, D 150 missed. */
    const as_report_times_clock *fr = &r->clocks[0], *rs = &r->clocks[1];
    cr_assert_str_eq(fr->clock, "first_response");
    cr_assert_eq(fr->n, 4);
    cr_assert_eq(fr->met, 1);
    cr_assert_float_eq(fr->met_pct, 25.0, 1e-9);
    cr_assert_eq(fr->median_min, 30);
    cr_assert_eq(fr->p90_min, 150);
    check_buckets(fr, (const int64_t[8]){1, 0, 2, 0, 1, 0, 0, 0});
    /* Resolution: A 60 met, B 300 missed. */
    cr_assert_str_eq(rs->clock, "resolution");
    cr_assert_eq(rs->n, 2);
    cr_assert_eq(rs->met, 1);
    cr_assert_float_eq(rs->met_pct, 50.0, 1e-9);
    cr_assert_eq(rs->median_min, 60);
    cr_assert_eq(rs->p90_min, 300);
    check_buckets(rs, (const int64_t[8]){0, 0, 0, 1, 0, 1, 0, 0});
    as_report_times_free(r);

    /* A starts the period and counts; with the period starting a second
     * later, it does not (E, inside this one, has no stopped clock). */
    q = period(W + 1, W + 3 * WEEK + DAY, NULL);
    cr_assert_eq(as_report_times_get(&r, db, &q), AS_OK);
    cr_assert_eq(r->clocks[0].n, 3);
    cr_assert_eq(r->clocks[0].met, 0);
    cr_assert_eq(r->clocks[1].n, 1);
    as_report_times_free(r);

    /* Station S1: A, B, H. */
    q = period(W, W + 3 * WEEK, "S1");
    cr_assert_eq(as_report_times_get(&r, db, &q), AS_OK);
    cr_assert_str_eq(r->station_id, "S1");
    cr_assert_eq(r->clocks[0].n, 3);
    cr_assert_eq(r->clocks[0].median_min, 30);
    cr_assert_eq(r->clocks[0].p90_min, 40);
    cr_assert_float_eq(r->clocks[0].met_pct, 33.3, 1e-9);
    check_buckets(&r->clocks[0], (const int64_t[8]){1, 0, 2, 0, 0, 0, 0, 0});
    as_report_times_free(r);

    /* An empty period: zeros, not an error. */
    q = period(W + 2 * WEEK, W + 3 * WEEK, NULL);
    cr_assert_eq(as_report_times_get(&r, db, &q), AS_OK);
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(r->clocks[k].n, 0);
        cr_assert_eq(r->clocks[k].met, 0);
        cr_assert_float_eq(r->clocks[k].met_pct, -1.0, 1e-9);
        cr_assert_eq(r->clocks[k].median_min, -1);
        cr_assert_eq(r->clocks[k].p90_min, -1);
        check_buckets(&r->clocks[k], (const int64_t[8]){0});
    }
    as_report_times_free(r);
    close_db(db);
}

Test(report_tickets, times_equal_the_sla_report_over_the_same_tickets)
{
    as_db *db = data_set();
    /* By week over one week the SLA report has one group: every ticket. */
    static const int64_t weeks[][2] = {{W, W + WEEK}, {W + WEEK, W + 2 * WEEK}, {W, W + 3 * WEEK}};
    for (size_t i = 0; i < 3; i++) {
        as_period_query q = period(weeks[i][0], weeks[i][1], NULL);
        as_report_times *r = NULL;
        cr_assert_eq(as_report_times_get(&r, db, &q), AS_OK);
        as_report_query sq = AS_REPORT_QUERY_INIT;
        sq.by = AS_REPORT_BY_WEEK;
        sq.from = q.from;
        sq.to = q.from + WEEK;
        as_report_sla_iter *it = NULL;
        cr_assert_eq(as_report_sla_iter_new(&it, db, &sq), AS_OK);
        const as_report_sla_row *row;
        cr_assert_eq(as_report_sla_next(it, &row), AS_OK);
        if (weeks[i][1] - weeks[i][0] == WEEK) {
            cr_assert_eq(r->clocks[0].n, row->first_response_n);
            cr_assert_float_eq(r->clocks[0].met_pct, row->first_response_met_pct, 1e-9);
            cr_assert_eq(r->clocks[0].median_min, row->first_response_median_min);
            cr_assert_eq(r->clocks[0].p90_min, row->first_response_p90_min);
            cr_assert_eq(r->clocks[1].n, row->resolution_n);
            cr_assert_float_eq(r->clocks[1].met_pct, row->resolution_met_pct, 1e-9);
            cr_assert_eq(r->clocks[1].median_min, row->resolution_median_min);
            cr_assert_eq(r->clocks[1].p90_min, row->resolution_p90_min);
        }
        as_report_sla_iter_free(it);
        /* And n and met are the merged groups of the SLA report by level. */
        sq.by = AS_REPORT_BY_LEVEL;
        sq.to = q.to;
        cr_assert_eq(as_report_sla_iter_new(&it, db, &sq), AS_OK);
        int64_t n[2] = {0, 0};
        while (as_report_sla_next(it, &row) == AS_OK) {
            n[0] += row->first_response_n;
            n[1] += row->resolution_n;
        }
        as_report_sla_iter_free(it);
        cr_assert_eq(r->clocks[0].n, n[0]);
        cr_assert_eq(r->clocks[1].n, n[1]);
        as_report_times_free(r);
    }
    close_db(db);
}

/* ---- report tickets ---------------------------------------------------- */

typedef struct line_want {
    const char *group;
    int64_t tickets, resolved, cancelled, open, urgent;
} line_want;

static void check_lines(as_db *db, const as_period_query *q, as_ticket_report_by by,
                        const line_want *want, size_t n, const line_want *total)
{
    as_report_tickets *r = NULL;
    cr_assert_eq(as_report_tickets_get(&r, db, q, by), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->by, by);
    cr_assert_eq(r->nlines, n, "%zu lines, want %zu", r->nlines, n);
    for (size_t i = 0; i < n; i++) {
        const as_report_ticket_line *l = &r->lines[i];
        if (want[i].group)
            cr_assert_str_eq(l->group, want[i].group, "line %zu", i);
        else
            cr_assert_null(l->group, "line %zu", i);
        cr_assert_eq(l->tickets, want[i].tickets, "%s", want[i].group);
        cr_assert_eq(l->resolved, want[i].resolved, "%s", want[i].group);
        cr_assert_eq(l->cancelled, want[i].cancelled, "%s", want[i].group);
        cr_assert_eq(l->open, want[i].open, "%s", want[i].group);
        cr_assert_eq(l->urgent, want[i].urgent, "%s", want[i].group);
    }
    cr_assert_null(r->total.group);
    cr_assert_eq(r->total.tickets, total->tickets);
    cr_assert_eq(r->total.resolved, total->resolved);
    cr_assert_eq(r->total.cancelled, total->cancelled);
    cr_assert_eq(r->total.open, total->open);
    cr_assert_eq(r->total.urgent, total->urgent);
    as_report_tickets_free(r);
}

Test(report_tickets, tickets_by_category_channel_and_station)
{
    as_db *db = data_set();
    as_period_query q = period(W, W + 3 * WEEK, NULL);
    /* A, B, C, D, F, H (G merged, E at the end).  Resolved: A, B (H was
     * reopened).  Cancelled: C (F only after the end: still open then). */
    const line_want total = {NULL, 6, 2, 1, 3, 5};
    const line_want by_category[] = {
        {"payment", 4, 2, 0, 2, 3},
        {"station", 2, 0, 1, 1, 2},
    };
    check_lines(db, &q, AS_TICKET_REPORT_BY_CATEGORY, by_category, 2, &total);
    const line_want by_channel[] = {
        {"app", 3, 1, 1, 1, 3},
        {"phone", 1, 1, 0, 0, 1},
        {"web", 1, 0, 0, 1, 0},
        {"wechat", 1, 0, 0, 1, 1},
    };
    check_lines(db, &q, AS_TICKET_REPORT_BY_CHANNEL, by_channel, 4, &total);
    const line_want by_station[] = {
        {"S1", 3, 2, 0, 1, 3},
        {"S2", 2, 0, 1, 1, 2},
        {NULL, 1, 0, 0, 1, 0},
    };
    check_lines(db, &q, AS_TICKET_REPORT_BY_STATION, by_station, 3, &total);

    /* The station filter. */
    q.station_id = "S2";
    const line_want s2[] = {{"station", 2, 0, 1, 1, 2}};
    check_lines(db, &q, AS_TICKET_REPORT_BY_CATEGORY, s2, 1, &s2[0]);

    /* Ending the period just before C's cancellation: C is open then; and
     * before A's resolution: A is open. */
    q = period(W, W + WEEK + 9 * HOUR + 3 * HOUR, "S2");
    const line_want before[] = {{"station", 1, 0, 0, 1, 1}};
    check_lines(db, &q, AS_TICKET_REPORT_BY_CATEGORY, before, 1, &before[0]);
    q = period(W, W + 60 * MIN, NULL);
    const line_want early[] = {{"S1", 1, 0, 0, 1, 1}};
    check_lines(db, &q, AS_TICKET_REPORT_BY_STATION, early, 1, &early[0]);
    q = period(W, W + 60 * MIN + 1, NULL);
    const line_want resolved[] = {{"S1", 1, 1, 0, 0, 1}};
    check_lines(db, &q, AS_TICKET_REPORT_BY_STATION, resolved, 1, &resolved[0]);
    /* A past period keeps its numbers: H was resolved 30 minutes after it
     * opened and reopened 2 hours after it; a period ending between the two
     * counts H resolved, though H is open now. */
    q = period(W, W + 3 * DAY + HOUR, NULL);
    const line_want past[] = {{"S1", 3, 3, 0, 0, 3}};
    check_lines(db, &q, AS_TICKET_REPORT_BY_STATION, past, 1, &past[0]);
    /* E at the end does not count, at the start it does. */
    q = period(W + 3 * WEEK, W + 4 * WEEK, NULL);
    const line_want e[] = {{"payment", 1, 0, 0, 1, 1}};
    check_lines(db, &q, AS_TICKET_REPORT_BY_CATEGORY, e, 1, &e[0]);

    /* An empty period: no lines, a zero total. */
    q = period(W + 2 * WEEK, W + 3 * WEEK, NULL);
    const line_want zero = {NULL, 0, 0, 0, 0, 0};
    check_lines(db, &q, AS_TICKET_REPORT_BY_CHANNEL, NULL, 0, &zero);
    close_db(db);
}

Test(report_tickets, bad_queries)
{
    as_db *db = open_db();
    as_report_times *t = NULL;
    as_report_tickets *k = NULL;
    as_period_query q = period(W, W, NULL);
    cr_assert_eq(as_report_times_get(&t, db, &q), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "not before"), "%s", as_errmsg(db));
    cr_assert_eq(as_report_tickets_get(&k, db, &q, AS_TICKET_REPORT_BY_STATION), AS_INVALID);
    q = period(W + 1, W, NULL);
    cr_assert_eq(as_report_times_get(&t, db, &q), AS_INVALID);
    q = period(W, W + 1, "bad id");
    cr_assert_eq(as_report_times_get(&t, db, &q), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "station"), "%s", as_errmsg(db));
    cr_assert_eq(as_report_tickets_get(&k, db, &q, AS_TICKET_REPORT_BY_STATION), AS_INVALID);
    q = period(W, W + 1, NULL);
    cr_assert_eq(as_report_tickets_get(&k, db, &q, (as_ticket_report_by)0), AS_INVALID);
    cr_assert_eq(as_report_tickets_get(&k, db, &q, (as_ticket_report_by)4), AS_INVALID);
    q.version = 2;
    cr_assert_eq(as_report_times_get(&t, db, &q), AS_MISUSE);
    cr_assert_eq(as_report_tickets_get(&k, db, &q, AS_TICKET_REPORT_BY_CATEGORY), AS_MISUSE);
    q.version = AS_PERIOD_QUERY_VERSION;
    cr_assert_eq(as_report_times_get(NULL, db, &q), AS_MISUSE);
    cr_assert_eq(as_report_times_get(&t, NULL, &q), AS_MISUSE);
    cr_assert_eq(as_report_times_get(&t, db, NULL), AS_MISUSE);
    cr_assert_eq(as_report_tickets_get(NULL, db, &q, AS_TICKET_REPORT_BY_CATEGORY), AS_MISUSE);
    cr_assert_eq(as_report_tickets_get(&k, NULL, &q, AS_TICKET_REPORT_BY_CATEGORY), AS_MISUSE);
    cr_assert_eq(as_report_tickets_get(&k, db, NULL, AS_TICKET_REPORT_BY_CATEGORY), AS_MISUSE);
    cr_assert_null(t);
    cr_assert_null(k);
    as_report_times_free(NULL);
    as_report_tickets_free(NULL);
    close_db(db);
}

Test(report_tickets, export_and_import_keep_the_station)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE], u[AS_TRACKING_BUFSIZE];
    open_t(db, "S1", "app", "payment", "urgent", W, t);
    open_t(db, NULL, "web", "payment", "urgent", W + HOUR, u);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    int64_t n = 0;
    cr_assert_eq(as_ticket_export(db, f, &n), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(n, 2);
    cr_assert_not_null(strstr(buf, "\"station_id\":\"S1\""), "%s", buf);
    cr_assert_not_null(strstr(buf, "\"station_id\":null"), "%s", buf);
    as_close(db);

    /* Into a fresh database (the same configuration). */
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = test_cfg;
    char path[400], *err = NULL;
    snprintf(path, sizeof path, "%s/copy.db", th_dir);
    cr_assert_eq(as_open(&db, path, &o, &err), AS_OK, "%s", err ? err : "");
    as_user_input ui = AS_USER_INPUT_INIT;
    ui.fields = AS_USER_NAME;
    ui.user_id = "U1";
    ui.name = "张三";
    cr_assert_eq(as_user_add(db, &ui), AS_OK, "%s", as_errmsg(db));
    f = fmemopen(buf, len, "rb");
    as_import_stats st;
    cr_assert_eq(as_ticket_import(db, f, "t.jsonl", NULL, &st), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(st.inserted, 2);
    as_ticket *tk = NULL;
    cr_assert_eq(as_ticket_get(&tk, db, t), AS_OK);
    cr_assert_str_eq(tk->station_id, "S1");
    as_ticket_free(tk);
    cr_assert_eq(as_ticket_get(&tk, db, u), AS_OK);
    cr_assert_null(tk->station_id);
    as_ticket_free(tk);
    free(buf);
    close_db(db);
}

/* The first days of 1970 (before the first Monday, 1970-01-05) are in the
 * week of 1969-12-29: the SQL rounds down as as__week_start does. */
Test(report_tickets, weeks_before_the_first_monday_of_1970)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    int64_t at = th_time("1970-01-02T12:00:00+08:00");
    open_t(db, "S1", "app", "payment", "urgent", at, t);
    as_report_query q = AS_REPORT_QUERY_INIT;
    q.by = AS_REPORT_BY_WEEK;
    q.from = th_time("1970-01-01T08:00:01+08:00");
    q.to = th_time("1970-01-12T00:00:00+08:00");
    sla_want want[] = {
        {"1969-12-29", 1, 0, -1, -1, 0, -1, -1, -1, -1},
        {"1970-01-05", 0, 0, -1, -1, 0, -1, -1, -1, -1},
    };
    check_sla(db, &q, want, 2);
    close_db(db);
}
