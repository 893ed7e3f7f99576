/* test_report_ops.c - the outbox and fueling reports (issue 17): a small
 * hand-made data set (outbox rows written with known statuses and times,
 * fueling records imported), every figure checked exactly; the period's
 * boundaries (at from counts, at to does not), business weeks in the zone
 * (Monday 00:00 +08:00, not UTC), the station filter, an empty period, the
 * shared rounding helpers, and bad queries. */
#include "helpers.h"
#include "internal.h"

#include <criterion/criterion.h>
#include <string.h>

TestSuite(report_ops, .fini = th_cleanup);

/* Run SQL through a second connection. */
static void raw_sql(const char *sql)
{
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open_v2(th_path, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(c));
    sqlite3_close(c);
}

/* The period [F, T): two business weeks, Monday 2026-10-05 to Monday
 * 2026-10-19, both 00:00 +08:00. */
#define F th_time("2026-10-05T00:00:00+08:00")
#define T th_time("2026-10-19T00:00:00+08:00")

/* One outbox row: kind, status, created_at, not_before, sent_at (0: NULL). */
static void outbox_row(const char *kind, const char *status, int64_t created, int64_t nb,
                       int64_t sent)
{
    static int n;
    char sql[600], sent_txt[32];
    if (sent)
        snprintf(sent_txt, sizeof sent_txt, "%lld", (long long)sent);
    else
        snprintf(sent_txt, sizeof sent_txt, "NULL");
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, created_at,"
             " not_before, status, reason, sent_at) VALUES ('U1', '%s', 'k%d', 1, 't', 'b',"
             " %lld, %lld, '%s', %s, %s)",
             kind, ++n, (long long)created, (long long)nb, status,
             strcmp(status, "suppressed") == 0 ? "'quiet_hours'" : "NULL", sent_txt);
    raw_sql(sql);
}

/*
 *  refuel_coupon  at F: sent 60 s after not_before; F+10: sent after 300 s;
 *                 F+20: sent 100 s before not_before (delay 0); F+30: dead;
 *                 F+40: pending
 *  maintenance    F+50 suppressed, F+60 expired, F+70 leased, T-1 sent 3600 s
 *                 late (after the period: counted, statuses are as now)
 *  survey         F+75 dead
 *  weather        F+80 pending
 *  tip            at T (not in the period) sent; F-1 (not in it) dead
 */
static as_db *outbox_scenario(void)
{
    as_db *db = th_open_new();
    int64_t f = F, t = T;
    outbox_row("refuel_coupon", "sent", f, f + 100, f + 160);
    outbox_row("refuel_coupon", "sent", f + 10, f + 10, f + 310);
    outbox_row("refuel_coupon", "sent", f + 20, f + 1000, f + 900);
    outbox_row("refuel_coupon", "dead", f + 30, f + 30, 0);
    outbox_row("refuel_coupon", "pending", f + 40, f + 40, 0);
    outbox_row("maintenance", "suppressed", f + 50, f + 50, 0);
    outbox_row("maintenance", "expired", f + 60, f + 60, 0);
    outbox_row("maintenance", "leased", f + 70, f + 70, 0);
    outbox_row("maintenance", "sent", t - 1, t - 1, t + 3599);
    outbox_row("survey", "dead", f + 75, f + 75, 0);
    outbox_row("weather", "pending", f + 80, f + 80, 0);
    outbox_row("tip", "sent", t, t, t + 5);
    outbox_row("tip", "dead", f - 1, f - 1, 0);
    return db;
}

static void check_outbox_line(const as_report_outbox_line *l, const char *kind, int64_t written,
                              int64_t delivered, int64_t failed, int64_t suppressed,
                              int64_t expired, int64_t waiting, double pct, int64_t median)
{
    if (kind)
        cr_assert_str_eq(l->kind, kind);
    else
        cr_assert_null(l->kind);
    const char *k = kind ? kind : "total";
    cr_assert_eq(l->written, written, "%s written %lld", k, (long long)l->written);
    cr_assert_eq(l->delivered, delivered, "%s delivered", k);
    cr_assert_eq(l->failed, failed, "%s failed", k);
    cr_assert_eq(l->suppressed, suppressed, "%s suppressed", k);
    cr_assert_eq(l->expired, expired, "%s expired", k);
    cr_assert_eq(l->waiting, waiting, "%s waiting", k);
    cr_assert_float_eq(l->delivered_pct, pct, 1e-9, "%s pct %f", k, l->delivered_pct);
    cr_assert_eq(l->median_delay_s, median, "%s median %lld", k, (long long)l->median_delay_s);
}

Test(report_ops, outbox_every_figure)
{
    as_db *db = outbox_scenario();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    q.from = F;
    q.to = T;
    as_report_outbox *r = NULL;
    cr_assert_eq(as_report_outbox_get(&r, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->from, q.from);
    cr_assert_eq(r->to, q.to);
    cr_assert_eq(r->nlines, 4);
    /* most written first, then kind: survey and weather tie at 1 */
    check_outbox_line(&r->lines[0], "refuel_coupon", 5, 3, 1, 0, 0, 1, 60.0, 60);
    check_outbox_line(&r->lines[1], "maintenance", 4, 1, 0, 1, 1, 1, 25.0, 3600);
    check_outbox_line(&r->lines[2], "survey", 1, 0, 1, 0, 0, 0, 0.0, -1);
    check_outbox_line(&r->lines[3], "weather", 1, 0, 0, 0, 0, 1, 0.0, -1);
    /* 4 of 11 = 36.36 %; delays 0, 60, 300, 3600: nearest rank 2 */
    check_outbox_line(&r->total, NULL, 11, 4, 2, 1, 1, 3, 36.4, 60);
    as_report_outbox_free(r);
    as_close(db);
}

Test(report_ops, outbox_boundaries_and_empty)
{
    as_db *db = outbox_scenario();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    as_report_outbox *r = NULL;
    /* [T, T+1): the tip made at T counts in the next period */
    q.from = T;
    q.to = T + 1;
    cr_assert_eq(as_report_outbox_get(&r, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->nlines, 1);
    check_outbox_line(&r->lines[0], "tip", 1, 1, 0, 0, 0, 0, 100.0, 5);
    as_report_outbox_free(r);
    /* [F-1, F): the dead tip */
    q.from = F - 1;
    q.to = F;
    cr_assert_eq(as_report_outbox_get(&r, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->nlines, 1);
    check_outbox_line(&r->lines[0], "tip", 1, 0, 1, 0, 0, 0, 0.0, -1);
    as_report_outbox_free(r);
    /* an empty period: no lines, a total of zeros */
    q.from = th_time("2020-01-01");
    q.to = th_time("2020-02-01");
    cr_assert_eq(as_report_outbox_get(&r, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->nlines, 0);
    cr_assert_null(r->lines);
    check_outbox_line(&r->total, NULL, 0, 0, 0, 0, 0, 0, -1.0, -1);
    as_report_outbox_free(r);
    as_close(db);
}

Test(report_ops, outbox_failures)
{
    as_db *db = th_open_new();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    as_report_outbox *r = (as_report_outbox *)&q;   /* set to NULL on failure */
    q.from = T;
    q.to = T;
    cr_assert_eq(as_report_outbox_get(&r, db, &q), AS_INVALID, "from == to");
    cr_assert_null(r);
    cr_assert(strstr(as_errmsg(db), "start is not before its end"), "%s", as_errmsg(db));
    q.from = T + 1;
    cr_assert_eq(as_report_outbox_get(&r, db, &q), AS_INVALID, "from > to");
    q.from = F;
    q.station_id = "S1";
    cr_assert_eq(as_report_outbox_get(&r, db, &q), AS_INVALID, "the outbox has no station");
    cr_assert(strstr(as_errmsg(db), "no station"), "%s", as_errmsg(db));
    q.station_id = NULL;
    q.version = 99;
    cr_assert_eq(as_report_outbox_get(&r, db, &q), AS_MISUSE, "unknown version");
    cr_assert(strstr(as_errmsg(db), "version"), "%s", as_errmsg(db));
    q.version = AS_PERIOD_QUERY_VERSION;
    cr_assert_eq(as_report_outbox_get(NULL, db, &q), AS_MISUSE);
    cr_assert_eq(as_report_outbox_get(&r, db, NULL), AS_MISUSE);
    cr_assert_eq(as_report_outbox_get(&r, NULL, &q), AS_MISUSE);
    as_report_outbox_free(NULL);
    as_close(db);
}

/* ---- fueling ---------------------------------------------------------- */

/*
 * A U1 S1 92 at F exactly (Monday 00:00 +08:00)     40 L      300.00
 * B U1 S1 95 Sunday 10-11 23:59:59 +08:00           30.5 L    250.50
 * C U2 S1 92 Monday 10-12 00:00 +08:00 (Sunday UTC) 20 L      150.00
 * D U2 S2 92 10-14 08:00                            10.001 L   80.01
 * E U3 S2 95 T - 1 s                                50 L      400.00
 * G U1 S2 92 at T exactly (not in the period)       10 L      100.00
 * H U3 S1 92 F - 1 s (not in the period)            10 L      100.00
 */
static as_db *fuel_scenario(void)
{
    as_db *db = th_open_new();
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "A,U1,S1,2026-10-05T00:00:00+08:00,92,40,300.00\n"
                       "B,U1,S1,2026-10-11T23:59:59+08:00,95,30.5,250.50\n"
                       "C,U2,S1,2026-10-12T00:00:00+08:00,92,20,150.00\n"
                       "D,U2,S2,2026-10-14T08:00:00+08:00,92,10.001,80.01\n"
                       "E,U3,S2,2026-10-18T23:59:59+08:00,95,50,400.00\n"
                       "G,U1,S2,2026-10-19T00:00:00+08:00,92,10,100.00\n"
                       "H,U3,S1,2026-10-04T23:59:59+08:00,92,10,100.00\n");
    return db;
}

static void check_fuel_line(const as_report_fuel_line *l, const char *station, const char *grade,
                            const char *week, int64_t records, int64_t users, int64_t ml,
                            int64_t fen, int64_t price)
{
#define KEY(field, want)                                                                    \
    do {                                                                                   \
        if (want)                                                                          \
            cr_assert(l->field && strcmp(l->field, want) == 0, #field " %s, want %s",       \
                      l->field ? l->field : "NULL", want);                                 \
        else                                                                               \
            cr_assert_null(l->field, #field " %s, want NULL", l->field);                   \
    } while (0)
    KEY(station_id, station);
    KEY(grade, grade);
    KEY(week, week);
#undef KEY
    cr_assert_eq(l->records, records, "records %lld", (long long)l->records);
    cr_assert_eq(l->users, users, "users %lld", (long long)l->users);
    cr_assert_eq(l->litres_ml, ml, "litres_ml %lld", (long long)l->litres_ml);
    cr_assert_eq(l->amount_fen, fen, "amount_fen %lld", (long long)l->amount_fen);
    cr_assert_eq(l->price_fen_per_l, price, "price %lld", (long long)l->price_fen_per_l);
}

static as_report_fuel *fuel(as_db *db, int64_t from, int64_t to, const char *station,
                            as_fuel_report_by by)
{
    as_period_query q = AS_PERIOD_QUERY_INIT;
    q.from = from;
    q.to = to;
    q.station_id = station;
    as_report_fuel *r = NULL;
    cr_assert_eq(as_report_fuel_get(&r, db, &q, by), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->by, by);
    cr_assert_eq(r->from, from);
    cr_assert_eq(r->to, to);
    return r;
}

/* The whole period: A B C D E. */
#define TOTAL(r) check_fuel_line(&(r)->total, NULL, NULL, NULL, 5, 3, 150501, 118051, 784)

Test(report_ops, fuel_by_station)
{
    as_db *db = fuel_scenario();
    as_report_fuel *r = fuel(db, F, T, NULL, AS_FUEL_REPORT_BY_STATION);
    cr_assert_null(r->station_id);
    cr_assert_eq(r->nlines, 2);
    check_fuel_line(&r->lines[0], "S1", NULL, NULL, 3, 2, 90500, 70050, 774);
    check_fuel_line(&r->lines[1], "S2", NULL, NULL, 2, 2, 60001, 48001, 800);
    TOTAL(r);
    as_report_fuel_free(r);
    as_close(db);
}

Test(report_ops, fuel_by_grade_and_station_grade)
{
    as_db *db = fuel_scenario();
    as_report_fuel *r = fuel(db, F, T, NULL, AS_FUEL_REPORT_BY_GRADE);
    cr_assert_eq(r->nlines, 2);
    /* most spend first: 95 (650.50) before 92 (530.01) */
    check_fuel_line(&r->lines[0], NULL, "95", NULL, 2, 2, 80500, 65050, 808);
    check_fuel_line(&r->lines[1], NULL, "92", NULL, 3, 2, 70001, 53001, 757);
    TOTAL(r);
    as_report_fuel_free(r);

    r = fuel(db, F, T, NULL, AS_FUEL_REPORT_BY_STATION_GRADE);
    cr_assert_eq(r->nlines, 4);
    check_fuel_line(&r->lines[0], "S1", "92", NULL, 2, 2, 60000, 45000, 750);
    check_fuel_line(&r->lines[1], "S2", "95", NULL, 1, 1, 50000, 40000, 800);
    check_fuel_line(&r->lines[2], "S1", "95", NULL, 1, 1, 30500, 25050, 821);
    check_fuel_line(&r->lines[3], "S2", "92", NULL, 1, 1, 10001, 8001, 800);
    TOTAL(r);
    as_report_fuel_free(r);
    as_close(db);
}

Test(report_ops, fuel_by_week_in_the_business_zone)
{
    as_db *db = fuel_scenario();
    as_report_fuel *r = fuel(db, F, T, NULL, AS_FUEL_REPORT_BY_WEEK);
    cr_assert_eq(r->nlines, 2);
    /* B (Sunday 23:59:59 +08:00) is in the first week, C (Monday 00:00
     * +08:00, still Sunday in UTC) in the second */
    check_fuel_line(&r->lines[0], NULL, NULL, "2026-10-05", 2, 1, 70500, 55050, 781);
    check_fuel_line(&r->lines[1], NULL, NULL, "2026-10-12", 3, 2, 80001, 63001, 788);
    TOTAL(r);
    as_report_fuel_free(r);

    /* A partial first and last week: Wednesday 10-07 to Tuesday 10-20 12:00;
     * G (at the old T) now counts */
    r = fuel(db, th_time("2026-10-07T00:00:00+08:00"), th_time("2026-10-20T12:00:00+08:00"),
             NULL, AS_FUEL_REPORT_BY_WEEK);
    cr_assert_eq(r->nlines, 3);
    check_fuel_line(&r->lines[0], NULL, NULL, "2026-10-05", 1, 1, 30500, 25050, 821);
    check_fuel_line(&r->lines[1], NULL, NULL, "2026-10-12", 3, 2, 80001, 63001, 788);
    check_fuel_line(&r->lines[2], NULL, NULL, "2026-10-19", 1, 1, 10000, 10000, 1000);
    check_fuel_line(&r->total, NULL, NULL, NULL, 5, 3, 120501, 98051, 814);
    as_report_fuel_free(r);

    /* An empty stretch: every week listed, at zero */
    r = fuel(db, th_time("2020-01-06T00:00:00+08:00"), th_time("2020-01-20T00:00:00+08:00"),
             NULL, AS_FUEL_REPORT_BY_WEEK);
    cr_assert_eq(r->nlines, 2);
    check_fuel_line(&r->lines[0], NULL, NULL, "2020-01-06", 0, 0, 0, 0, -1);
    check_fuel_line(&r->lines[1], NULL, NULL, "2020-01-13", 0, 0, 0, 0, -1);
    check_fuel_line(&r->total, NULL, NULL, NULL, 0, 0, 0, 0, -1);
    as_report_fuel_free(r);
    as_close(db);
}

Test(report_ops, fuel_boundaries)
{
    as_db *db = fuel_scenario();
    /* H at F - 1 is alone in [F - 1, F); A at F is in [F, F + 1) */
    as_report_fuel *r = fuel(db, F - 1, F, NULL, AS_FUEL_REPORT_BY_STATION);
    cr_assert_eq(r->nlines, 1);
    check_fuel_line(&r->lines[0], "S1", NULL, NULL, 1, 1, 10000, 10000, 1000);
    as_report_fuel_free(r);
    r = fuel(db, F, F + 1, NULL, AS_FUEL_REPORT_BY_GRADE);
    cr_assert_eq(r->nlines, 1);
    check_fuel_line(&r->lines[0], NULL, "92", NULL, 1, 1, 40000, 30000, 750);
    as_report_fuel_free(r);
    /* G at T is in [T, T + 1), E at T - 1 is not */
    r = fuel(db, T, T + 1, NULL, AS_FUEL_REPORT_BY_STATION_GRADE);
    cr_assert_eq(r->nlines, 1);
    check_fuel_line(&r->lines[0], "S2", "92", NULL, 1, 1, 10000, 10000, 1000);
    as_report_fuel_free(r);
    /* adjacent periods add up (records, litres, money; users are distinct
     * per period) */
    int64_t mid = th_time("2026-10-12T00:00:00+08:00");
    as_report_fuel *a = fuel(db, F, mid, NULL, AS_FUEL_REPORT_BY_STATION);
    as_report_fuel *b = fuel(db, mid, T, NULL, AS_FUEL_REPORT_BY_STATION);
    cr_assert_eq(a->total.records + b->total.records, 5);
    cr_assert_eq(a->total.litres_ml + b->total.litres_ml, 150501);
    cr_assert_eq(a->total.amount_fen + b->total.amount_fen, 118051);
    as_report_fuel_free(a);
    as_report_fuel_free(b);
    as_close(db);
}

Test(report_ops, fuel_station_filter_and_empty)
{
    as_db *db = fuel_scenario();
    as_report_fuel *r = fuel(db, F, T, "S2", AS_FUEL_REPORT_BY_GRADE);
    cr_assert_str_eq(r->station_id, "S2");
    cr_assert_eq(r->nlines, 2);
    check_fuel_line(&r->lines[0], NULL, "95", NULL, 1, 1, 50000, 40000, 800);
    check_fuel_line(&r->lines[1], NULL, "92", NULL, 1, 1, 10001, 8001, 800);
    check_fuel_line(&r->total, NULL, NULL, NULL, 2, 2, 60001, 48001, 800);
    as_report_fuel_free(r);
    r = fuel(db, F, T, "S2", AS_FUEL_REPORT_BY_WEEK);
    cr_assert_eq(r->nlines, 2);
    check_fuel_line(&r->lines[0], NULL, NULL, "2026-10-05", 0, 0, 0, 0, -1);
    check_fuel_line(&r->lines[1], NULL, NULL, "2026-10-12", 2, 2, 60001, 48001, 800);
    as_report_fuel_free(r);
    /* a station with no records, and an empty period: zeros, no lines */
    r = fuel(db, F, T, "S9", AS_FUEL_REPORT_BY_STATION);
    cr_assert_eq(r->nlines, 0);
    check_fuel_line(&r->total, NULL, NULL, NULL, 0, 0, 0, 0, -1);
    as_report_fuel_free(r);
    r = fuel(db, th_time("2020-01-01"), th_time("2020-02-01"), NULL,
             AS_FUEL_REPORT_BY_STATION_GRADE);
    cr_assert_eq(r->nlines, 0);
    cr_assert_null(r->lines);
    check_fuel_line(&r->total, NULL, NULL, NULL, 0, 0, 0, 0, -1);
    as_report_fuel_free(r);
    as_close(db);
}

Test(report_ops, fuel_spend_ties_by_key)
{
    as_db *db = th_open_new();
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "X1,U1,S3,2026-10-06T08:00:00+08:00,92,2,0.01\n"
                       "X2,U1,S1,2026-10-06T09:00:00+08:00,92,2,0.01\n"
                       "X3,U2,S2,2026-10-06T10:00:00+08:00,95,2,0.01\n");
    as_report_fuel *r = fuel(db, F, T, NULL, AS_FUEL_REPORT_BY_STATION);
    cr_assert_eq(r->nlines, 3);
    /* 1 fen for 2 L: 0.5 fen a litre, rounded half up */
    check_fuel_line(&r->lines[0], "S1", NULL, NULL, 1, 1, 2000, 1, 1);
    check_fuel_line(&r->lines[1], "S2", NULL, NULL, 1, 1, 2000, 1, 1);
    check_fuel_line(&r->lines[2], "S3", NULL, NULL, 1, 1, 2000, 1, 1);
    check_fuel_line(&r->total, NULL, NULL, NULL, 3, 2, 6000, 3, 1);
    as_report_fuel_free(r);
    as_close(db);
}

Test(report_ops, fuel_users_are_distinct_per_group)
{
    /* U1 fills at S3, S1, S3, S1 in turn; U2 at S3 between U1's times */
    as_db *db = th_open_new();
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "Y1,U1,S3,2026-10-06T08:00:00+08:00,92,10,70.00\n"
                       "Y2,U1,S1,2026-10-07T08:00:00+08:00,95,10,80.00\n"
                       "Y3,U1,S3,2026-10-08T08:00:00+08:00,95,10,80.00\n"
                       "Y4,U1,S1,2026-10-13T08:00:00+08:00,92,10,70.00\n"
                       "Y5,U2,S3,2026-10-07T12:00:00+08:00,92,10,70.00\n");
    as_report_fuel *r = fuel(db, F, T, NULL, AS_FUEL_REPORT_BY_STATION);
    cr_assert_eq(r->nlines, 2);
    check_fuel_line(&r->lines[0], "S3", NULL, NULL, 3, 2, 30000, 22000, 733);
    check_fuel_line(&r->lines[1], "S1", NULL, NULL, 2, 1, 20000, 15000, 750);
    check_fuel_line(&r->total, NULL, NULL, NULL, 5, 2, 50000, 37000, 740);
    as_report_fuel_free(r);
    r = fuel(db, F, T, NULL, AS_FUEL_REPORT_BY_GRADE);
    check_fuel_line(&r->lines[0], NULL, "92", NULL, 3, 2, 30000, 21000, 700);
    check_fuel_line(&r->lines[1], NULL, "95", NULL, 2, 1, 20000, 16000, 800);
    as_report_fuel_free(r);
    r = fuel(db, F, T, NULL, AS_FUEL_REPORT_BY_WEEK);
    check_fuel_line(&r->lines[0], NULL, NULL, "2026-10-05", 4, 2, 40000, 30000, 750);
    check_fuel_line(&r->lines[1], NULL, NULL, "2026-10-12", 1, 1, 10000, 7000, 700);
    as_report_fuel_free(r);
    as_close(db);
}

Test(report_ops, fuel_failures)
{
    as_db *db = th_open_new();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    as_report_fuel *r = (as_report_fuel *)&q;   /* set to NULL on failure */
    q.from = T;
    q.to = T;
    cr_assert_eq(as_report_fuel_get(&r, db, &q, AS_FUEL_REPORT_BY_STATION), AS_INVALID);
    cr_assert_null(r);
    cr_assert(strstr(as_errmsg(db), "start is not before its end"), "%s", as_errmsg(db));
    q.from = T + 1;
    cr_assert_eq(as_report_fuel_get(&r, db, &q, AS_FUEL_REPORT_BY_WEEK), AS_INVALID);
    q.from = F;
    q.station_id = "S 1";
    cr_assert_eq(as_report_fuel_get(&r, db, &q, AS_FUEL_REPORT_BY_STATION), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "station"), "%s", as_errmsg(db));
    q.station_id = NULL;
    cr_assert_eq(as_report_fuel_get(&r, db, &q, (as_fuel_report_by)0), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "by"), "%s", as_errmsg(db));
    cr_assert_eq(as_report_fuel_get(&r, db, &q, (as_fuel_report_by)5), AS_INVALID);
    /* by week over more than AS_FUEL_REPORT_MAX_WEEKS weeks; by station it is fine */
    q.from = 0;
    q.to = INT64_C(604800) * (AS_FUEL_REPORT_MAX_WEEKS + 1);
    cr_assert_eq(as_report_fuel_get(&r, db, &q, AS_FUEL_REPORT_BY_WEEK), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "weeks"), "%s", as_errmsg(db));
    q.to = INT64_MAX;
    cr_assert_eq(as_report_fuel_get(&r, db, &q, AS_FUEL_REPORT_BY_WEEK), AS_INVALID);
    cr_assert_eq(as_report_fuel_get(&r, db, &q, AS_FUEL_REPORT_BY_STATION), AS_OK,
                 "%s", as_errmsg(db));
    as_report_fuel_free(r);
    q.from = F;
    q.to = T;
    q.version = 2;
    cr_assert_eq(as_report_fuel_get(&r, db, &q, AS_FUEL_REPORT_BY_STATION), AS_MISUSE);
    cr_assert_null(r);
    q.version = AS_PERIOD_QUERY_VERSION;
    cr_assert_eq(as_report_fuel_get(NULL, db, &q, AS_FUEL_REPORT_BY_STATION), AS_MISUSE);
    cr_assert_eq(as_report_fuel_get(&r, db, NULL, AS_FUEL_REPORT_BY_STATION), AS_MISUSE);
    cr_assert_eq(as_report_fuel_get(&r, NULL, &q, AS_FUEL_REPORT_BY_STATION), AS_MISUSE);
    as_report_fuel_free(NULL);
    as_close(db);
}

/* ---- the shared rounding helpers -------------------------------------- */

Test(report_ops, percent_and_nearest_rank)
{
    cr_assert_float_eq(as__pct1(1, 16), 6.3, 1e-9);     /* 6.25: half up */
    cr_assert_float_eq(as__pct1(2, 3), 66.7, 1e-9);
    cr_assert_float_eq(as__pct1(0, 5), 0.0, 1e-9);
    cr_assert_float_eq(as__pct1(5, 5), 100.0, 1e-9);
    cr_assert_float_eq(as__pct1(0, 0), -1.0, 1e-9);
    int64_t v[] = {40, 10, 30, 20};
    cr_assert_eq(as__nearest_rank(v, 4, 50), 20);
    cr_assert_eq(as__nearest_rank(v, 4, 90), 40);
    cr_assert_eq(as__nearest_rank(v, 1, 50), 10);      /* sorted by the call above */
    cr_assert_eq(as__nearest_rank(v, 0, 50), -1);
}

/* The HTML report's three groupings in one scan: the same lines as one by one. */
Test(report_ops, fuel_many_groupings_in_one_scan)
{
    as_db *db = fuel_scenario();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    q.from = F;
    q.to = T;
    const as_fuel_report_by by[] = {AS_FUEL_REPORT_BY_WEEK, AS_FUEL_REPORT_BY_STATION,
                                    AS_FUEL_REPORT_BY_GRADE, AS_FUEL_REPORT_BY_STATION_GRADE};
    as_report_fuel *many[4];
    cr_assert_eq(as__report_fuel_many(many, db, &q, by, 4), AS_OK, "%s", as_errmsg(db));
    for (int k = 0; k < 4; k++) {
        as_report_fuel *one = fuel(db, F, T, NULL, by[k]);
        cr_assert_eq(many[k]->by, by[k]);
        cr_assert_eq(many[k]->nlines, one->nlines);
        for (size_t i = 0; i < one->nlines; i++) {
            const as_report_fuel_line *a = &many[k]->lines[i], *b = &one->lines[i];
            check_fuel_line(a, b->station_id, b->grade, b->week, b->records, b->users,
                            b->litres_ml, b->amount_fen, b->price_fen_per_l);
        }
        TOTAL(many[k]);
        as_report_fuel_free(one);
        as_report_fuel_free(many[k]);
    }
    /* All or none: a bad grouping among good ones gives nothing. */
    const as_fuel_report_by bad[] = {AS_FUEL_REPORT_BY_WEEK, (as_fuel_report_by)99};
    cr_assert_eq(as__report_fuel_many(many, db, &q, bad, 2), AS_INVALID);
    cr_assert_null(many[0]);
    cr_assert_null(many[1]);
    as_close(db);
}
