/* report_feedback.c - the feedback reports of issue 17: the sentiment of
 * the comments by business week with the lexicon terms that weighed most
 * against the negative ones (report sentiment), and urgent feedback with
 * how fast it became a ticket (report urgent).  Feedback stats by week
 * and per station (report feedback) live with the other stats in
 * feedback_read.c.
 *
 * Each report is read in one read transaction.  The weekly figures are
 * counted set-based in SQL; the negative terms come from the scorer's own
 * lexicon pass (as__senti_lexicon: the evidence as_sentiment_analyze
 * gives, without the model and without a result block per comment) over
 * each negative comment, one prepared statement stepping through them. */
#include "feedback.h"
#include "senti_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WEEK INT64_C(604800)

/* ---- figures ----------------------------------------------------------
 * The reports' rounding rules are shared (report_stats.c: as__pct1,
 * as__nearest_rank); minutes as report sla gives them. */

/* Nearest-rank percentile p of n seconds (sorts v) in whole minutes,
 * rounded to the nearest; -1 when n is 0. */
static int64_t rank_minutes(int64_t *v, size_t n, int p)
{
    int64_t s = as__nearest_rank(v, n, p);
    if (!n)
        return -1;
    return s >= 0 ? (s + 30) / 60 : 0;
}

/* Half up to 3 decimals. */
static double round3(double x)
{
    return floor(x * 1000.0 + 0.5) / 1000.0;
}

/* The checks every period report makes. */
static as_status check_period(as_db *db, const void *out, const as_period_query *q,
                              const char *fn)
{
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "%s: NULL argument", fn) : AS_MISUSE;
    return as__period_check(db, q, fn, 1);
}


/* ---- report sentiment ------------------------------------------------- */

/* Per business week of [?1, ?2) (?3: the zone's offset in seconds, ?4 the
 * station filter): the week's start, scored comments, labels, the sum of
 * the scores. */
static const char sentiment_weeks_sql[] =
    "SELECT submitted_at - ((submitted_at + ?3 - 345600) % 604800 + 604800) % 604800,"
    " count(*), sum(sentiment_label = 1), sum(sentiment_label = 0),"
    " sum(sentiment_label = -1), sum(sentiment)"
    " FROM feedback WHERE submitted_at >= ?1 AND submitted_at < ?2"
    " AND (?4 IS NULL OR station_id = ?4) AND sentiment IS NOT NULL GROUP BY 1";

/* The negative comments of the period. */
static const char sentiment_negative_sql[] =
    "SELECT comment FROM feedback WHERE submitted_at >= ?1 AND submitted_at < ?2"
    " AND (?3 IS NULL OR station_id = ?3) AND sentiment_label = -1 AND comment IS NOT NULL";

static as_status sentiment_weeks(as_db *db, const as_period_query *q, as_report_sentiment *r)
{
    int off = as_db_utc_offset(db);
    int64_t first = as__week_start(q->from, off);
    size_t n = (size_t)((q->to - first + WEEK - 1) / WEEK);
    /* One block: the weeks, then their names. */
    char *block = calloc(1, n * (sizeof *r->weeks + 11));
    if (!block)
        return as__fail(db, AS_NOMEM, "out of memory");
    r->weeks = (as_report_sentiment_week *)(void *)block;
    r->nweeks = n;
    char *names = block + n * sizeof *r->weeks;
    for (size_t i = 0; i < n; i++) {
        as_report_sentiment_week *w = &r->weeks[i];
        w->week = as__date_text(first + (int64_t)i * WEEK, off, names + i * 11);
        w->mean = NAN;
        w->negative_pct = -1;
    }
    sqlite3_stmt *s = as__stmt(db, sentiment_weeks_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    sqlite3_bind_int64(s, 3, (int64_t)off * 60);
    as__bind_text_or_null(s, 4, q->station_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t ws = sqlite3_column_int64(s, 0);
        if (ws < first || (ws - first) / WEEK >= (int64_t)n)
            continue;   /* not for times before 1970 */
        as_report_sentiment_week *w = &r->weeks[(ws - first) / WEEK];
        w->comments = sqlite3_column_int64(s, 1);
        w->positive = sqlite3_column_int64(s, 2);
        w->neutral = sqlite3_column_int64(s, 3);
        w->negative = sqlite3_column_int64(s, 4);
        double sum = sqlite3_column_double(s, 5);
        if (w->comments) {
            w->mean = round3(sum / (double)w->comments);
            w->negative_pct = as__pct1(w->negative, w->comments);
        }
        r->comments += w->comments;
        r->positive += w->positive;
        r->neutral += w->neutral;
        r->negative += w->negative;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "the sentiment report's weeks");
    return AS_OK;
}

typedef struct term_sum {
    int64_t comments;
    double weight;
    int64_t last;            /* the comment (1-based) it last counted in */
} term_sum;

static int by_weight(const void *a, const void *b)
{
    const as_report_sentiment_term *x = a, *y = b;
    if (x->comments != y->comments)
        return x->comments < y->comments ? 1 : -1;
    if (x->weight != y->weight)
        return x->weight < y->weight ? -1 : 1;
    return strcmp(x->term, y->term);
}

static as_status sentiment_terms(as_db *db, const as__senti_cache *c, const as_period_query *q,
                                 size_t top, as_report_sentiment *r)
{
    if (!top || !c->nterms)
        return AS_OK;
    term_sum *sums = calloc(c->nterms, sizeof *sums);
    if (!sums)
        return as__fail(db, AS_NOMEM, "out of memory");
    sqlite3_stmt *s = as__stmt(db, sentiment_negative_sql);
    if (!s) {
        free(sums);
        return AS_INTERNAL;
    }
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    as__bind_text_or_null(s, 3, q->station_id);
    as__senti_evlist ev = {0};
    as_status st = AS_OK;
    int64_t nth = 0;
    size_t used = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        as__senti_lex lex;
        size_t bad = 0;
        ev.n = 0;
        nth++;
        st = as__senti_lexicon(c, text ? text : "", text ? len : 0, &ev, &lex, &bad);
        if (st == AS_INVALID) {
            st = AS_OK;   /* the import validated it; nothing to count */
            continue;
        }
        if (st != AS_OK) {
            st = as__fail(db, st, "out of memory");
            break;
        }
        for (size_t i = 0; i < ev.n; i++) {
            const as__senti_ev *e = &ev.v[i];
            if (e->value >= 0 || e->term < 0 || (size_t)e->term >= c->nterms)
                continue;
            term_sum *t = &sums[e->term];
            if (t->last != nth) {
                if (!t->comments)
                    used++;
                t->last = nth;
                t->comments++;
            }
            t->weight += e->value;
        }
    }
    sqlite3_reset(s);
    free(ev.v);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "the sentiment report's negative comments");
    if (st == AS_OK && used) {
        /* Sort every counted term (a lexicon is some thousands at most),
         * keep the first top; the terms point into the cache until copied. */
        as_report_sentiment_term *all = malloc(used * sizeof *all);
        char **texts = all ? calloc(used, sizeof *texts) : NULL;
        if (!texts) {
            free(all);
            st = as__fail(db, AS_NOMEM, "out of memory");
        } else {
            size_t k = 0;
            for (size_t i = 0; i < c->nterms && k < used; i++) {
                if (!sums[i].comments)
                    continue;
                const as__senti_term *lt = &c->terms[i];
                char *tx = malloc((size_t)lt->len + 1);
                if (!tx) {
                    st = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                memcpy(tx, c->pool + lt->off, lt->len);
                tx[lt->len] = '\0';
                texts[k] = tx;
                all[k].term = tx;
                all[k].comments = sums[i].comments;
                all[k].weight = round3(sums[i].weight);
                k++;
            }
            if (st == AS_OK) {
                qsort(all, k, sizeof *all, by_weight);
                size_t keep = k < top ? k : top;
                for (size_t i = keep; i < k; i++)
                    free((char *)all[i].term);
                r->terms = all;
                r->nterms = keep;
                all = NULL;
            } else {
                for (size_t i = 0; i < k; i++)
                    free(texts[i]);
            }
            free(all);
            free(texts);
        }
    }
    free(sums);
    return st;
}

void as_report_sentiment_free(as_report_sentiment *r)
{
    if (!r)
        return;
    free((char *)r->station_id);
    free(r->weeks);   /* one block with the week names */
    for (size_t i = 0; i < r->nterms; i++)
        free((char *)r->terms[i].term);
    free(r->terms);
    free(r);
}

as_status as_report_sentiment_get(as_report_sentiment **out, as_db *db, const as_period_query *q,
                                  size_t top_terms)
{
    if (out)
        *out = NULL;
    as_status st = check_period(db, out, q, "as_report_sentiment_get");
    if (st != AS_OK)
        return st;
    /* The lexicon first: a writable handle may load it into an empty
     * database, which a read transaction must not hold up. */
    /* Every week is listed: keep the list (and the arithmetic) in bounds. */
    if (q->from < -(INT64_C(1) << 40) || q->to > (INT64_C(1) << 40) ||
        (q->to - q->from) / WEEK > 1000000)
        return as__fail(db, AS_INVALID, "the period is longer than 1,000,000 weeks");
    const as__senti_cache *c = NULL;
    if (top_terms && (st = as__senti_cache_get(db, &c)) != AS_OK)
        return st;
    as_report_sentiment *r = calloc(1, sizeof *r);
    if (!r)
        return as__fail(db, AS_NOMEM, "out of memory");
    r->from = q->from;
    r->to = q->to;
    if (q->station_id && !(r->station_id = as__strdup(q->station_id))) {
        free(r);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    int own = 0;
    st = as__read_begin(db, &own, "the sentiment report");
    if (st == AS_OK)
        st = sentiment_weeks(db, q, r);
    if (st == AS_OK && top_terms)
        st = sentiment_terms(db, c, q, top_terms, r);
    as__read_end(db, own);
    if (st != AS_OK) {
        as_report_sentiment_free(r);
        return st;
    }
    *out = r;
    as__ok(db);
    return AS_OK;
}

/* ---- report urgent ---------------------------------------------------- */

/* Urgent feedback of [?1, ?2) (?3 the station filter): its level, the
 * seconds from submission to its ticket's creation when that was before
 * ?2 (NULL: no ticket by then), and whether it was escalated. */
static const char urgent_sql[] =
    "SELECT f.urgency,"
    " (SELECT t.created_at - f.submitted_at FROM feedback_tickets ft"
    "   JOIN tickets t ON t.tracking = ft.ticket_ref"
    "   WHERE ft.feedback_id = f.feedback_id AND t.created_at < ?2),"
    " EXISTS (SELECT 1 FROM feedback_escalations e WHERE e.feedback_id = f.feedback_id)"
    " FROM feedback f WHERE f.urgency BETWEEN 1 AND 4"
    " AND f.submitted_at >= ?1 AND f.submitted_at < ?2 AND (?3 IS NULL OR f.station_id = ?3)";

typedef struct vec64 {
    int64_t *v;
    size_t n, cap;
} vec64;

static int vec_push(vec64 *a, int64_t x)
{
    if (a->n == a->cap) {
        size_t c = a->cap ? a->cap * 2 : 64;
        int64_t *p = realloc(a->v, c * sizeof *p);
        if (!p)
            return -1;
        a->v = p;
        a->cap = c;
    }
    a->v[a->n++] = x;
    return 0;
}

static as_status urgent_lines(as_db *db, const as_period_query *q, as_report_urgent *r)
{
    vec64 secs[4] = {{0}};
    sqlite3_stmt *s = as__stmt(db, urgent_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    as__bind_text_or_null(s, 3, q->station_id);
    as_status st = AS_OK;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int level = sqlite3_column_int(s, 0);
        if (level < AS_URGENCY_LOW || level > AS_URGENCY_CRITICAL)
            continue;
        as_report_urgent_line *l = &r->lines[level - AS_URGENCY_LOW];
        l->feedback++;
        if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
            int64_t d = sqlite3_column_int64(s, 1);
            l->ticketed++;
            if (vec_push(&secs[level - AS_URGENCY_LOW], d < 0 ? 0 : d) < 0) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
        } else if (sqlite3_column_int(s, 2)) {
            l->waiting++;
        }
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "the urgent feedback report");
    for (int i = 0; i < 4; i++) {
        as_report_urgent_line *l = &r->lines[i];
        vec64 *a = &secs[i];
        if (st == AS_OK && a->n) {
            l->median_min = rank_minutes(a->v, a->n, 50);
            l->p90_min = rank_minutes(a->v, a->n, 90);
            l->max_min = rank_minutes(a->v, a->n, 100);
        }
        free(a->v);
        r->feedback += l->feedback;
        r->ticketed += l->ticketed;
        r->waiting += l->waiting;
    }
    return st;
}

void as_report_urgent_free(as_report_urgent *r)
{
    if (!r)
        return;
    free((char *)r->station_id);
    free(r);
}

as_status as_report_urgent_get(as_report_urgent **out, as_db *db, const as_period_query *q)
{
    if (out)
        *out = NULL;
    as_status st = check_period(db, out, q, "as_report_urgent_get");
    if (st != AS_OK)
        return st;
    as_report_urgent *r = calloc(1, sizeof *r);
    if (!r)
        return as__fail(db, AS_NOMEM, "out of memory");
    r->from = q->from;
    r->to = q->to;
    for (int i = 0; i < 4; i++) {
        r->lines[i].level = AS_URGENCY_LOW + i;
        r->lines[i].name = as__urgency_name(AS_URGENCY_LOW + i);
        r->lines[i].median_min = r->lines[i].p90_min = r->lines[i].max_min = -1;
    }
    if (q->station_id && !(r->station_id = as__strdup(q->station_id))) {
        free(r);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    int own = 0;
    st = as__read_begin(db, &own, "the urgent feedback report");
    if (st == AS_OK)
        st = urgent_lines(db, q, r);
    as__read_end(db, own);
    if (st != AS_OK) {
        as_report_urgent_free(r);
        return st;
    }
    *out = r;
    as__ok(db);
    return AS_OK;
}
