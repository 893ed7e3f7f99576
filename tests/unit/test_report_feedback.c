/* test_report_feedback.c - the feedback reports of issue 17: feedback stats
 * by week and per station (as_feedback_stats_query_iter_new), the
 * sentiment report (weeks and the top negative terms) and the urgent
 * feedback report (levels, tickets and their delays).  Small data sets
 * imported through the API, with the derived columns (sentiment, urgency,
 * ticket times) then set by SQL so that every figure is known exactly;
 * the period's boundaries, the station filter, an empty period and the
 * failures. */
#include "helpers.h"
#include "feedback.h"

#include <math.h>

TestSuite(report_feedback, .fini = th_cleanup);

/* The period [F, T): Wednesday 2026-11-04 to Wednesday 2026-11-18 in
 * UTC+8, three business weeks (from Mondays 11-02, 11-09 and 11-16). */
#define F th_time("2026-11-04")
#define T th_time("2026-11-18")

static void import(as_db *db, const char *csv)
{
    FILE *f = fmemopen((void *)csv, strlen(csv), "rb");
    cr_assert_not_null(f);
    as_import_stats st;
    cr_assert_eq(as_feedback_import(db, f, "fb.csv", NULL, &st), AS_OK, "%s", as_errmsg(db));
    fclose(f);
}

static void sql(as_db *db, const char *text)
{
    char *err = NULL;
    cr_assert_eq(sqlite3_exec(db->sql, text, NULL, NULL, &err), SQLITE_OK, "%s: %s", text,
                 err ? err : "");
}

/* s1 .. s9: stars (overall) and comments; the sentiment of each comment
 * is then set by hand.  s1 is at F and counts, s7 at T and s8 just before
 * F do not. */
static const char data[] =
    "feedback_id,station_id,submitted_at,overall,comment\n"
    "s1,S1,2026-11-04T00:00:00+08:00,5,多扣钱\n"
    "s2,S1,2026-11-05T10:00:00+08:00,1,多扣钱，多扣钱。投诉\n"
    "s3,S2,2026-11-10T10:00:00+08:00,3,用不了\n"
    "s4,S2,2026-11-11T10:00:00+08:00,4,加油很方便\n"
    "s5,S1,2026-11-12T10:00:00+08:00,,还行\n"
    "s6,S1,2026-11-13T10:00:00+08:00,2,\n"
    "s7,S1,2026-11-18T00:00:00+08:00,5,多扣钱\n"
    "s8,S1,2026-11-03T23:59:59+08:00,5,投诉\n"
    "s9,S2,2026-11-17T10:00:00+08:00,,一般\n";

static as_db *sentiment_db(void)
{
    as_db *db = th_open_new();
    import(db, data);
    sql(db, "UPDATE feedback SET sentiment = CASE feedback_id"
            " WHEN 's1' THEN -0.8 WHEN 's2' THEN -0.9 WHEN 's3' THEN -0.6 WHEN 's4' THEN 0.5"
            " WHEN 's5' THEN 0.0 WHEN 's7' THEN -0.9 WHEN 's8' THEN -0.7 END,"
            " sentiment_label = CASE feedback_id"
            " WHEN 's1' THEN -1 WHEN 's2' THEN -1 WHEN 's3' THEN -1 WHEN 's4' THEN 1"
            " WHEN 's5' THEN 0 WHEN 's7' THEN -1 WHEN 's8' THEN -1 END");
    return db;
}

static int near(double a, double b) { return fabs(a - b) < 1e-9; }

static int64_t count(as_db *db, const char *text)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db->sql, text, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- stats ------------------------------------------------------------ */

Test(report_feedback, stats_by_week_lists_every_week)
{
    as_db *db = sentiment_db();
    as_feedback_stats_query q = AS_FEEDBACK_STATS_QUERY_INIT;
    q.by = AS_FEEDBACK_BY_WEEK;
    q.from = F;
    q.to = T;
    as_feedback_stat_iter *it;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_OK, "%s", as_errmsg(db));
    const as_feedback_stat *s;
    /* Ratings in the period: 5 1 | 3 4 2; prior 3. */
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "2026-11-02");
    cr_assert_eq(s->count, 2);
    cr_assert_eq(s->rows, 2);
    cr_assert(near(s->mean, 3.0) && near(s->csat_pct, 50.0) && near(s->prior, 3.0));
    cr_assert(near(s->bayes, 3.0));
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "2026-11-09");
    cr_assert_eq(s->count, 3);
    cr_assert_eq(s->rows, 4, "s5 has no rating but is a row");
    cr_assert(near(s->mean, 3.0) && near(s->csat_pct, 100.0 / 3.0));
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "2026-11-16");
    cr_assert_eq(s->count, 0);
    cr_assert_eq(s->rows, 1);
    cr_assert(near(s->mean, -1) && near(s->csat_pct, -1) && near(s->bayes, -1));
    cr_assert(near(s->prior, 3.0));
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_DONE);
    as_feedback_stats_iter_free(it);

    /* Without bounds: only the weeks with ratings (s7 and s8 count now). */
    q.from = q.to = 0;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "2026-11-02");
    cr_assert_eq(s->count, 3);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "2026-11-09");
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "2026-11-16");
    cr_assert_eq(s->count, 1);
    cr_assert_eq(s->rows, 2);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_DONE);
    as_feedback_stats_iter_free(it);
    as_close(db);
}

Test(report_feedback, stats_station_filter_and_rows)
{
    as_db *db = sentiment_db();
    as_feedback_stats_query q = AS_FEEDBACK_STATS_QUERY_INIT;
    q.from = F;
    q.to = T;
    as_feedback_stat_iter *it;
    const as_feedback_stat *s;
    /* Every station: S2 (3, 4) ranks above S1 (5, 1, 2); rows count s5. */
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "S2");
    cr_assert_eq(s->count, 2);
    cr_assert_eq(s->rows, 3, "s9 has no rating but is a row");
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "S1");
    cr_assert_eq(s->count, 3);
    cr_assert_eq(s->rows, 4);
    cr_assert(near(s->mean, 8.0 / 3.0));
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_DONE);
    as_feedback_stats_iter_free(it);

    /* Only S1: its own prior. */
    q.station_id = "S1";
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "S1");
    cr_assert(near(s->prior, 8.0 / 3.0));
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_DONE);
    as_feedback_stats_iter_free(it);

    /* By dimension rows = count; the wrapper is the query without a filter. */
    q.station_id = NULL;
    q.by = AS_FEEDBACK_BY_DAY;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_OK);
    as_feedback_stat_iter *old;
    cr_assert_eq(as_feedback_stats_iter_new(&old, db, AS_FEEDBACK_BY_DAY, F, T), AS_OK);
    const as_feedback_stat *o;
    size_t n = 0;
    while (as_feedback_stats_next(it, &s) == AS_OK) {
        cr_assert_eq(as_feedback_stats_next(old, &o), AS_OK);
        cr_assert_str_eq(s->key, o->key);
        cr_assert_eq(s->count, o->count);
        cr_assert_eq(s->rows, o->rows);
        n++;
    }
    cr_assert_eq(n, 5, "5 days with ratings");
    cr_assert_eq(as_feedback_stats_next(old, &o), AS_DONE);
    as_feedback_stats_iter_free(it);
    as_feedback_stats_iter_free(old);
    as_close(db);
}

Test(report_feedback, stats_failures)
{
    as_db *db = th_open_new();
    as_feedback_stats_query q = AS_FEEDBACK_STATS_QUERY_INIT;
    as_feedback_stat_iter *it = (as_feedback_stat_iter *)&q;
    cr_assert_eq(as_feedback_stats_query_iter_new(NULL, db, &q), AS_MISUSE);
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, NULL, &q), AS_MISUSE);
    cr_assert_null(it);
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, NULL), AS_MISUSE);
    q.version = 99;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_MISUSE);
    q.version = AS_FEEDBACK_STATS_QUERY_VERSION;
    q.by = (as_feedback_by)42;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_INVALID);
    q.by = AS_FEEDBACK_BY_WEEK;
    q.from = T;
    q.to = F;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_INVALID);
    q.to = T;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_INVALID);
    q.from = 1;
    q.to = INT64_MAX;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_INVALID, "too many weeks");
    q.from = F;
    q.to = T;
    q.station_id = "has space";
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "station") != NULL, "%s", as_errmsg(db));
    /* An empty database: every week, nothing rated. */
    q.station_id = NULL;
    cr_assert_eq(as_feedback_stats_query_iter_new(&it, db, &q), AS_OK);
    const as_feedback_stat *s;
    int n = 0;
    while (as_feedback_stats_next(it, &s) == AS_OK) {
        cr_assert_eq(s->count, 0);
        cr_assert_eq(s->rows, 0);
        n++;
    }
    cr_assert_eq(n, 3);
    as_feedback_stats_iter_free(it);
    as_close(db);
}

/* ---- sentiment -------------------------------------------------------- */

Test(report_feedback, sentiment_weeks_and_terms)
{
    as_db *db = sentiment_db();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    q.from = F;
    q.to = T;
    as_report_sentiment *r = NULL;
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 10), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->from, F);
    cr_assert_eq(r->to, T);
    cr_assert_null(r->station_id);
    /* s1 (at F) s2 s3 s4 s5 have scored comments; s6 has none, s7 (at T)
     * and s8 (before F) are outside. */
    cr_assert_eq(r->comments, 5);
    cr_assert_eq(r->positive, 1);
    cr_assert_eq(r->neutral, 1);
    cr_assert_eq(r->negative, 3);
    cr_assert_eq(r->nweeks, 3);
    cr_assert_str_eq(r->weeks[0].week, "2026-11-02");
    cr_assert_eq(r->weeks[0].comments, 2);
    cr_assert_eq(r->weeks[0].negative, 2);
    cr_assert(near(r->weeks[0].mean, -0.85), "%f", r->weeks[0].mean);
    cr_assert(near(r->weeks[0].negative_pct, 100.0));
    cr_assert_str_eq(r->weeks[1].week, "2026-11-09");
    cr_assert_eq(r->weeks[1].comments, 3);
    cr_assert_eq(r->weeks[1].positive, 1);
    cr_assert_eq(r->weeks[1].neutral, 1);
    cr_assert_eq(r->weeks[1].negative, 1);
    cr_assert(near(r->weeks[1].mean, -0.033), "%f", r->weeks[1].mean);
    cr_assert(near(r->weeks[1].negative_pct, 33.3));
    cr_assert_str_eq(r->weeks[2].week, "2026-11-16");
    cr_assert_eq(r->weeks[2].comments, 0);
    cr_assert(isnan(r->weeks[2].mean));
    cr_assert(near(r->weeks[2].negative_pct, -1));
    /* The negative comments s1, s2, s3: 多扣钱 counts once in s2 though
     * it is there twice (its weight adds both), then 投诉 and 用不了 (-2
     * each, in one comment each: by term). */
    cr_assert_eq(r->nterms, 3);
    cr_assert_str_eq(r->terms[0].term, "多扣钱");
    cr_assert_eq(r->terms[0].comments, 2);
    cr_assert(near(r->terms[0].weight, -9.0), "%f", r->terms[0].weight);
    cr_assert_str_eq(r->terms[1].term, "投诉");
    cr_assert_eq(r->terms[1].comments, 1);
    cr_assert(near(r->terms[1].weight, -2.0), "%f", r->terms[1].weight);
    cr_assert_str_eq(r->terms[2].term, "用不了");
    cr_assert_eq(r->terms[2].comments, 1);
    cr_assert(near(r->terms[2].weight, -2.0), "%f", r->terms[2].weight);
    as_report_sentiment_free(r);

    /* The terms agree with as_sentiment_analyze's evidence. */
    as_sentiment_result *a = NULL;
    const char *s2 = "多扣钱，多扣钱。投诉";
    cr_assert_eq(as_sentiment_analyze(&a, db, s2, strlen(s2), AS_SENTIMENT_LEXICON_ONLY), AS_OK);
    double sum = 0;
    for (size_t i = 0; i < a->nterms; i++)
        if (strcmp(a->terms[i].term, "多扣钱") == 0)
            sum += a->terms[i].value;
    cr_assert(near(sum, -6.0), "%f", sum);
    as_sentiment_result_free(a);

    /* At most top_terms; 0: none. */
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 1), AS_OK);
    cr_assert_eq(r->nterms, 1);
    cr_assert_str_eq(r->terms[0].term, "多扣钱");
    as_report_sentiment_free(r);
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 0), AS_OK);
    cr_assert_eq(r->nterms, 0);
    cr_assert_eq(r->comments, 5);
    as_report_sentiment_free(r);
    as_close(db);
}

Test(report_feedback, sentiment_station_and_empty)
{
    as_db *db = sentiment_db();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    q.from = F;
    q.to = T;
    q.station_id = "S2";
    as_report_sentiment *r = NULL;
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 10), AS_OK);
    cr_assert_str_eq(r->station_id, "S2");
    cr_assert_eq(r->comments, 2);
    cr_assert_eq(r->negative, 1);
    cr_assert_eq(r->weeks[0].comments, 0);
    cr_assert_eq(r->weeks[1].comments, 2);
    cr_assert(near(r->weeks[1].mean, -0.05), "%f", r->weeks[1].mean);
    cr_assert_eq(r->nterms, 1);
    cr_assert_str_eq(r->terms[0].term, "用不了");
    as_report_sentiment_free(r);

    /* A period without feedback: its weeks, zeros, no terms. */
    q.station_id = NULL;
    q.from = th_time("2020-01-01");   /* a Wednesday */
    q.to = th_time("2020-01-08");
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 10), AS_OK);
    cr_assert_eq(r->comments, 0);
    cr_assert_eq(r->nterms, 0);
    cr_assert_eq(r->nweeks, 2);
    cr_assert_str_eq(r->weeks[0].week, "2019-12-30");
    cr_assert_str_eq(r->weeks[1].week, "2020-01-06");
    as_report_sentiment_free(r);
    as_close(db);
}

Test(report_feedback, sentiment_failures)
{
    as_db *db = th_open_new();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    as_report_sentiment *r = (as_report_sentiment *)&q;
    q.from = T;
    q.to = T;
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 10), AS_INVALID);
    cr_assert_null(r);
    q.from = F;
    q.station_id = "has space";
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 10), AS_INVALID);
    q.station_id = NULL;
    q.from = INT64_MIN;
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 10), AS_INVALID, "too many weeks");
    q.from = F;
    q.version = 7;
    cr_assert_eq(as_report_sentiment_get(&r, db, &q, 10), AS_MISUSE);
    q.version = AS_PERIOD_QUERY_VERSION;
    cr_assert_eq(as_report_sentiment_get(NULL, db, &q, 10), AS_MISUSE);
    cr_assert_eq(as_report_sentiment_get(&r, NULL, &q, 10), AS_MISUSE);
    cr_assert_eq(as_report_sentiment_get(&r, db, NULL, 10), AS_MISUSE);
    as_report_sentiment_free(NULL);
    as_close(db);
}

/* ---- urgent ----------------------------------------------------------- */

/* The rules of the default configuration: money_lost is high, safety
 * critical (both open a ticket); u6 is made medium by hand. */
static const char urgent_data[] =
    "feedback_id,station_id,submitted_at,overall,comment\n"
    "u1,S1,2026-11-04T00:00:00+08:00,1,多扣钱\n"
    "u2,S2,2026-11-06T10:00:00+08:00,1,重复扣款\n"
    "u3,S1,2026-11-07T10:00:00+08:00,1,退款\n"
    "u4,S1,2026-11-05T10:00:00+08:00,3,加错油\n"
    "u5,S1,2026-11-09T10:00:00+08:00,3,漏油\n"
    "u6,S1,2026-11-10T10:00:00+08:00,3,一般\n"
    "u7,S1,2026-11-18T00:00:00+08:00,1,多扣钱\n"
    "u8,S1,2026-11-03T23:59:59+08:00,1,多扣钱\n"
    "u9,S1,2026-11-11T10:00:00+08:00,5,很好\n";

static as_db *urgent_db(void)
{
    as_db *db = th_open_new();
    import(db, urgent_data);
    sql(db, "UPDATE feedback SET urgency = 2 WHERE feedback_id = 'u6'");
    /* The tickets' opening, seconds after submission: 10, 60 and 120
     * minutes (u3's 119.5 rounds to 120), before it (u4: counts 0), and
     * u5's at T exactly: not opened by then. */
    sql(db, "UPDATE tickets SET created_at = (SELECT f.submitted_at + CASE f.feedback_id"
            " WHEN 'u1' THEN 600 WHEN 'u2' THEN 3600 WHEN 'u3' THEN 7170 WHEN 'u4' THEN -100"
            " WHEN 'u5' THEN 0 WHEN 'u7' THEN 60 WHEN 'u8' THEN 60 END"
            " FROM feedback_tickets ft JOIN feedback f ON f.feedback_id = ft.feedback_id"
            " WHERE ft.ticket_ref = tickets.tracking)");
    char set[200];
    snprintf(set, sizeof set,
             "UPDATE tickets SET created_at = %lld WHERE tracking ="
             " (SELECT ticket_ref FROM feedback_tickets WHERE feedback_id = 'u5')",
             (long long)T);
    sql(db, set);
    return db;
}

Test(report_feedback, urgent_levels)
{
    as_db *db = urgent_db();
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback_tickets"), 7);
    as_period_query q = AS_PERIOD_QUERY_INIT;
    q.from = F;
    q.to = T;
    as_report_urgent *r = NULL;
    cr_assert_eq(as_report_urgent_get(&r, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->from, F);
    cr_assert_null(r->station_id);
    const as_report_urgent_line *l = r->lines;
    cr_assert_eq(l[0].level, AS_URGENCY_LOW);
    cr_assert_str_eq(l[0].name, "low");
    cr_assert_eq(l[0].feedback, 0);
    cr_assert_eq(l[0].median_min, -1);
    cr_assert_eq(l[1].level, AS_URGENCY_MEDIUM);
    cr_assert_str_eq(l[1].name, "medium");
    cr_assert_eq(l[1].feedback, 1);
    cr_assert_eq(l[1].ticketed, 0);
    cr_assert_eq(l[1].waiting, 0, "medium opens no ticket and is not escalated");
    cr_assert_eq(l[1].max_min, -1);
    cr_assert_str_eq(l[2].name, "high");
    cr_assert_eq(l[2].feedback, 3, "u1 at F counts, u7 at T and u8 before F do not");
    cr_assert_eq(l[2].ticketed, 3);
    cr_assert_eq(l[2].waiting, 0);
    cr_assert_eq(l[2].median_min, 60);
    cr_assert_eq(l[2].p90_min, 120);
    cr_assert_eq(l[2].max_min, 120);
    cr_assert_str_eq(l[3].name, "critical");
    cr_assert_eq(l[3].level, AS_URGENCY_CRITICAL);
    cr_assert_eq(l[3].feedback, 2);
    cr_assert_eq(l[3].ticketed, 1);
    cr_assert_eq(l[3].waiting, 1, "u5's ticket was opened at T");
    cr_assert_eq(l[3].median_min, 0);
    cr_assert_eq(l[3].p90_min, 0);
    cr_assert_eq(l[3].max_min, 0);
    cr_assert_eq(r->feedback, 6);
    cr_assert_eq(r->ticketed, 4);
    cr_assert_eq(r->waiting, 1);
    as_report_urgent_free(r);

    /* One second later u5 counts as ticketed (after 8 days 14 hours). */
    q.to = T + 1;
    cr_assert_eq(as_report_urgent_get(&r, db, &q), AS_OK);
    cr_assert_eq(r->lines[3].ticketed, 2);
    cr_assert_eq(r->lines[3].waiting, 0);
    cr_assert_eq(r->lines[3].max_min, 8 * 24 * 60 + 14 * 60);
    cr_assert_eq(r->lines[2].feedback, 4, "u7 at T counts now");
    as_report_urgent_free(r);
    as_close(db);
}

Test(report_feedback, urgent_station_legacy_and_empty)
{
    as_db *db = urgent_db();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    q.from = F;
    q.to = T;
    q.station_id = "S2";
    as_report_urgent *r = NULL;
    cr_assert_eq(as_report_urgent_get(&r, db, &q), AS_OK);
    cr_assert_str_eq(r->station_id, "S2");
    cr_assert_eq(r->feedback, 1);
    cr_assert_eq(r->lines[2].ticketed, 1);
    cr_assert_eq(r->lines[2].median_min, 60);
    as_report_urgent_free(r);

    /* An escalation without a ticket (as before 0.2): waiting. */
    sql(db, "DELETE FROM feedback_tickets WHERE feedback_id = 'u2'");
    cr_assert_eq(as_report_urgent_get(&r, db, &q), AS_OK);
    cr_assert_eq(r->lines[2].ticketed, 0);
    cr_assert_eq(r->lines[2].waiting, 1);
    cr_assert_eq(r->lines[2].median_min, -1);
    as_report_urgent_free(r);

    q.station_id = NULL;
    q.from = th_time("2020-01-01");
    q.to = th_time("2020-02-01");
    cr_assert_eq(as_report_urgent_get(&r, db, &q), AS_OK);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(r->lines[i].level, AS_URGENCY_LOW + i);
        cr_assert_eq(r->lines[i].feedback, 0);
        cr_assert_eq(r->lines[i].p90_min, -1);
    }
    cr_assert_eq(r->feedback + r->ticketed + r->waiting, 0);
    as_report_urgent_free(r);
    as_close(db);
}

Test(report_feedback, urgent_failures)
{
    as_db *db = th_open_new();
    as_period_query q = AS_PERIOD_QUERY_INIT;
    as_report_urgent *r = (as_report_urgent *)&q;
    q.from = T;
    q.to = F;
    cr_assert_eq(as_report_urgent_get(&r, db, &q), AS_INVALID);
    cr_assert_null(r);
    q.to = T + 1;
    q.station_id = "";
    cr_assert_eq(as_report_urgent_get(&r, db, &q), AS_INVALID);
    q.station_id = NULL;
    q.version = 0;
    cr_assert_eq(as_report_urgent_get(&r, db, &q), AS_MISUSE);
    q.version = AS_PERIOD_QUERY_VERSION;
    cr_assert_eq(as_report_urgent_get(NULL, db, &q), AS_MISUSE);
    cr_assert_eq(as_report_urgent_get(&r, NULL, &q), AS_MISUSE);
    cr_assert_eq(as_report_urgent_get(&r, db, NULL), AS_MISUSE);
    as_report_urgent_free(NULL);
    as_close(db);
}
