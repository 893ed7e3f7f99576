/* feedback_read.c - reading feedback: get, list, change history, and the
 * stats (Bayesian mean by station, day or dimension). */
#include "feedback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading --------------------------------------------------------- */

#define FB_SELECT                                                                             \
    "SELECT f.feedback_id, f.user_id, f.station_id, f.submitted_at, f.channel, f.kind,"        \
    " f.overall, f.stars, f.comment, f.extra, f.score, f.sentiment, f.sentiment_label,"        \
    " f.urgency, f.reasons, f.mismatch, f.suggestion, t.ticket_ref,"                           \
    " (SELECT count(*) FROM feedback_history h WHERE h.feedback_id = f.feedback_id),"          \
    " f.created_at, f.updated_at"                                                              \
    " FROM feedback f LEFT JOIN feedback_tickets t ON t.feedback_id = f.feedback_id"

static void fill(as_feedback *v, sqlite3_stmt *st)
{
    memset(v, 0, sizeof *v);
    v->feedback_id = as__column_text(st, 0);
    v->user_id = as__column_text(st, 1);
    v->station_id = as__column_text(st, 2);
    v->submitted_at = sqlite3_column_int64(st, 3);
    v->channel = as__column_text(st, 4);
    v->kind = as__column_text(st, 5);
    v->overall = sqlite3_column_int(st, 6);
    v->stars = as__column_text(st, 7);
    v->comment = as__column_text(st, 8);
    v->extra = as__column_text(st, 9);
    v->has_score = sqlite3_column_type(st, 10) != SQLITE_NULL;
    v->score = sqlite3_column_double(st, 10);
    v->has_sentiment = sqlite3_column_type(st, 11) != SQLITE_NULL;
    v->sentiment = sqlite3_column_double(st, 11);
    v->sentiment_label = sqlite3_column_int(st, 12);
    v->urgency = sqlite3_column_int(st, 13);
    v->urgency_name = as__urgency_name(v->urgency);
    v->reasons = as__column_text(st, 14);
    v->mismatch = sqlite3_column_int(st, 15);
    v->suggestion = sqlite3_column_int(st, 16);
    v->ticket_ref = as__column_text(st, 17);
    v->revisions = sqlite3_column_int64(st, 18);
    v->created_at = sqlite3_column_int64(st, 19);
    v->updated_at = sqlite3_column_int64(st, 20);
}

struct as_feedback_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_feedback view;
};

static const char SQL_FB_LIST[] =
    FB_SELECT
    " WHERE (?1 IS NULL OR f.station_id = ?1) AND (?2 = 0 OR f.submitted_at >= ?2)"
    " AND (?3 = 0 OR f.submitted_at < ?3) AND (?4 = 0 OR f.urgency >= ?5)"
    " AND (?7 IS NULL OR f.feedback_id = ?7)"
    " ORDER BY CASE WHEN ?4 THEN -f.urgency ELSE 0 END,"
    " CASE WHEN ?4 THEN f.submitted_at ELSE -f.submitted_at END, f.feedback_id LIMIT ?6";

static as_status iter_open(as_feedback_iter **out, as_db *db, const as_feedback_query *q,
                           const char *feedback_id)
{
    as_feedback_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    int rc = sqlite3_prepare_v2(db->sql, SQL_FB_LIST, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing feedback");
    }
    if (q && q->station_id)
        sqlite3_bind_text(it->st, 1, q->station_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(it->st, 2, q ? q->from : 0);
    sqlite3_bind_int64(it->st, 3, q ? q->to : 0);
    sqlite3_bind_int(it->st, 4, q && q->urgent);
    sqlite3_bind_int(it->st, 5, as__db_config(db)->alerts->ticket_level);
    sqlite3_bind_int64(it->st, 6, q && q->limit > 0 ? q->limit : -1);
    if (feedback_id)
        sqlite3_bind_text(it->st, 7, feedback_id, -1, SQLITE_TRANSIENT);
    *out = it;
    return AS_OK;
}

as_status as_feedback_iter_new(as_feedback_iter **out, as_db *db, const as_feedback_query *query)
{
    if (!out || !db)
        return AS_MISUSE;
    *out = NULL;
    return iter_open(out, db, query, NULL);
}

as_status as_feedback_next(as_feedback_iter *it, const as_feedback **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing feedback");
    fill(&it->view, it->st);
    *view = &it->view;
    return AS_OK;
}

void as_feedback_iter_free(as_feedback_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

void as_feedback_free(as_feedback *fb)
{
    if (!fb)
        return;
    const char *owned[] = {fb->feedback_id, fb->user_id, fb->station_id, fb->channel, fb->kind,
                           fb->stars, fb->comment, fb->extra, fb->reasons, fb->ticket_ref};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        free((char *)owned[i]);
    free(fb);
}

as_status as_feedback_get(as_feedback **out, as_db *db, const char *feedback_id)
{
    if (!out || !db || !feedback_id)
        return AS_MISUSE;
    *out = NULL;
    as_feedback_iter *it;
    as_status s = iter_open(&it, db, NULL, feedback_id);
    if (s != AS_OK)
        return s;
    const as_feedback *v;
    s = as_feedback_next(it, &v);
    if (s == AS_DONE) {
        as_feedback_iter_free(it);
        return as__fail(db, AS_NOTFOUND, "feedback_id: no feedback '%s'", feedback_id);
    }
    if (s != AS_OK) {
        as_feedback_iter_free(it);
        return s;
    }
    as_feedback *fb = malloc(sizeof *fb);
    int failed = !fb;
    if (fb) {
        *fb = *v;
        fb->feedback_id = as__strdup_opt(v->feedback_id, &failed);
        fb->user_id = as__strdup_opt(v->user_id, &failed);
        fb->station_id = as__strdup_opt(v->station_id, &failed);
        fb->channel = as__strdup_opt(v->channel, &failed);
        fb->kind = as__strdup_opt(v->kind, &failed);
        fb->stars = as__strdup_opt(v->stars, &failed);
        fb->comment = as__strdup_opt(v->comment, &failed);
        fb->extra = as__strdup_opt(v->extra, &failed);
        fb->reasons = as__strdup_opt(v->reasons, &failed);
        fb->ticket_ref = as__strdup_opt(v->ticket_ref, &failed);
    }
    as_feedback_iter_free(it);
    if (failed) {
        as_feedback_free(fb);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    as__ok(db);
    *out = fb;
    return AS_OK;
}

/* ---- history --------------------------------------------------------- */

struct as_feedback_history_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_feedback_change view;
};

as_status as_feedback_history_iter_new(as_feedback_history_iter **out, as_db *db,
                                       const char *feedback_id)
{
    if (!out || !db || !feedback_id)
        return AS_MISUSE;
    *out = NULL;
    sqlite3_stmt *q = as__stmt(db, "SELECT 1 FROM feedback WHERE feedback_id = ?1");
    if (!q)
        return AS_INTERNAL;
    sqlite3_bind_text(q, 1, feedback_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_DONE)
        return as__fail(db, AS_NOTFOUND, "feedback_id: no feedback '%s'", feedback_id);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading feedback");
    as_feedback_history_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    rc = sqlite3_prepare_v2(db->sql,
                            "SELECT feedback_id, changed_at, old FROM feedback_history"
                            " WHERE feedback_id = ?1 ORDER BY changed_at, id",
                            -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "reading feedback history");
    }
    sqlite3_bind_text(it->st, 1, feedback_id, -1, SQLITE_TRANSIENT);
    *out = it;
    return AS_OK;
}

as_status as_feedback_history_next(as_feedback_history_iter *it, const as_feedback_change **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "reading feedback history");
    it->view.feedback_id = as__column_text(it->st, 0);
    it->view.changed_at = sqlite3_column_int64(it->st, 1);
    it->view.old = as__column_text(it->st, 2);
    *view = &it->view;
    return AS_OK;
}

void as_feedback_history_iter_free(as_feedback_history_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- stats ----------------------------------------------------------- */

struct as_feedback_stat_iter {
    as_feedback_stat *rows;
    char **keys;
    size_t n, pos;
};

static const char SQL_STATS_STATION[] =
    "SELECT coalesce(station_id, '(none)'), count(*), sum(score), sum(score >= 4)"
    " FROM feedback WHERE score IS NOT NULL AND (?1 = 0 OR submitted_at >= ?1)"
    " AND (?2 = 0 OR submitted_at < ?2) GROUP BY 1";
static const char SQL_STATS_DAY[] =
    "SELECT date(submitted_at + ?3 * 60, 'unixepoch'), count(*), sum(score), sum(score >= 4)"
    " FROM feedback WHERE score IS NOT NULL AND (?1 = 0 OR submitted_at >= ?1)"
    " AND (?2 = 0 OR submitted_at < ?2) GROUP BY 1 ORDER BY 1";
static const char SQL_STATS_DIM[] =
    "SELECT j.key, count(*), sum(j.value), sum(j.value >= 4)"
    " FROM feedback f, json_each(f.stars) j WHERE (?1 = 0 OR f.submitted_at >= ?1)"
    " AND (?2 = 0 OR f.submitted_at < ?2) GROUP BY 1";

static int by_bayes(const void *a, const void *b)
{
    const as_feedback_stat *x = a, *y = b;
    if (x->bayes != y->bayes)
        return x->bayes < y->bayes ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

void as_feedback_stats_iter_free(as_feedback_stat_iter *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->n; i++)
        free(it->keys[i]);
    free(it->keys);
    free(it->rows);
    free(it);
}

as_status as_feedback_stats_iter_new(as_feedback_stat_iter **out, as_db *db, as_feedback_by by,
                                     int64_t from, int64_t to)
{
    if (!out || !db)
        return AS_MISUSE;
    *out = NULL;
    const char *sql = by == AS_FEEDBACK_BY_STATION     ? SQL_STATS_STATION
                      : by == AS_FEEDBACK_BY_DAY       ? SQL_STATS_DAY
                      : by == AS_FEEDBACK_BY_DIMENSION ? SQL_STATS_DIM
                                                       : NULL;
    if (!sql)
        return as__fail(db, AS_INVALID, "by: %d is not station, dimension or day", (int)by);
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    if (by == AS_FEEDBACK_BY_DAY)
        sqlite3_bind_int(st, 3, as_db_utc_offset(db));
    as_feedback_stat_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    size_t cap = 0;
    double total = 0;
    int64_t total_n = 0;
    int rc;
    as_status s = AS_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (it->n == cap) {
            cap = cap ? cap * 2 : 64;
            as_feedback_stat *r = realloc(it->rows, cap * sizeof *r);
            char **k = r ? realloc(it->keys, cap * sizeof *k) : NULL;
            if (r)
                it->rows = r;
            if (!k) {
                s = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            it->keys = k;
        }
        char *key = as__strdup(as__column_text(st, 0) ? as__column_text(st, 0) : "(none)");
        if (!key) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        as_feedback_stat *r = &it->rows[it->n];
        it->keys[it->n++] = key;
        r->key = key;
        r->count = sqlite3_column_int64(st, 1);
        double sum = sqlite3_column_double(st, 2);
        r->mean = r->count ? sum / (double)r->count : 0;
        r->csat = r->count ? 100.0 * (double)sqlite3_column_int64(st, 3) / (double)r->count : 0;
        r->bayes = sum; /* the sum until the prior is known */
        total += sum;
        total_n += r->count;
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "feedback stats");
    sqlite3_reset(st);
    if (s != AS_OK) {
        as_feedback_stats_iter_free(it);
        return s;
    }
    double m = as__db_config(db)->feedback->prior_weight;
    double prior = total_n ? total / (double)total_n : 0;
    for (size_t i = 0; i < it->n; i++) {
        as_feedback_stat *r = &it->rows[i];
        r->prior = prior;
        r->bayes = m + (double)r->count > 0 ? (m * prior + r->bayes) / (m + (double)r->count) : 0;
    }
    if (by != AS_FEEDBACK_BY_DAY && it->n > 1)
        qsort(it->rows, it->n, sizeof *it->rows, by_bayes);
    as__ok(db);
    *out = it;
    return AS_OK;
}

as_status as_feedback_stats_next(as_feedback_stat_iter *it, const as_feedback_stat **view)
{
    if (!it || !view)
        return AS_MISUSE;
    if (it->pos >= it->n)
        return AS_DONE;
    *view = &it->rows[it->pos++];
    return AS_OK;
}
