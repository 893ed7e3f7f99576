/* feedback_read.c - reading feedback: get, list, change history, and the
 * stats (Bayesian mean by station, day or dimension). */
#include "feedback.h"
#include "json.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- one-block records ----------------------------------------------- */

/*
 * A record handed out (a row, a change) is one malloc'd block: the struct,
 * then its arrays, then every string.  The caller sizes the block from the
 * stored texts (a string decoded from JSON is never longer than its quoted
 * form), so placing never runs out; an owned record is freed with one free()
 * and a view is the same block kept by its iterator.
 */
typedef struct block {
    char *base;
    size_t off, cap;
} block;

static void *block_take(block *b, size_t n, size_t align)
{
    size_t at = (b->off + align - 1) / align * align;
    if (at > b->cap || n > b->cap - at)
        return NULL;
    b->off = at + n;
    return b->base + at;
}

/* Copy s (NULL stays NULL); *bad set when the block is too small. */
static const char *block_str(block *b, const char *s, int *bad)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = block_take(b, n, 1);
    if (!p) {
        *bad = 1;
        return NULL;
    }
    return memcpy(p, s, n);
}

/* Mask the phone numbers typed into a free-text value copied into a block
 * (the block is ours: writable), unless the handle reveals them. */
static const char *masked(as_db *db, const char *text)
{
    if (text && !as__db_reveal(db))
        as__mask_phones_n((char *)text, strlen(text));
    return text;
}

static size_t len0(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

#define ARRAY_BYTES(n, type) ((n) * sizeof(type) + alignof(max_align_t))

/* Parse stored JSON text of the expected type; "" or NULL gives none. */
static as_status parse_stored(as_db *db, const char *feedback_id, const char *what,
                              const char *text, as__jtype type, as__json **out)
{
    *out = NULL;
    if (!text || !text[0])
        return AS_OK;
    char why[128] = "";
    as_status s = as__json_parse(text, strlen(text), out, why, sizeof why);
    if (s == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (s != AS_OK || (*out)->type != type) {
        as__json_free(*out);
        *out = NULL;
        return as__fail(db, AS_INTERNAL, "feedback '%s': the stored %s cannot be read%s%s",
                        feedback_id, what, why[0] ? ": " : "", why);
    }
    return AS_OK;
}

/* Stars from a parsed object {dimension: 1..5} into stars[]. */
static as_status place_stars(as_db *db, const char *feedback_id, block *b, const as__json *o,
                             as_feedback_star **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!o || o->n == 0)
        return AS_OK;
    as_feedback_star *v = block_take(b, o->n * sizeof *v, alignof(as_feedback_star));
    if (!v)
        return as__fail(db, AS_INTERNAL, "feedback '%s': record too large", feedback_id);
    int bad = 0;
    for (size_t i = 0; i < o->n; i++) {
        const as__json *x = &o->items[i];
        if (x->type != AS__J_NUMBER || !x->is_int || x->i < 1 || x->i > 5)
            return as__fail(db, AS_INTERNAL, "feedback '%s': stored stars of '%s' are not 1 to 5",
                            feedback_id, o->keys[i]);
        v[i].dimension = block_str(b, o->keys[i], &bad);
        v[i].stars = (int)x->i;
    }
    if (bad)
        return as__fail(db, AS_INTERNAL, "feedback '%s': record too large", feedback_id);
    *out = v;
    *n = o->n;
    return AS_OK;
}

/* Typed fields from a parsed object of scalars into fields[]. */
static as_status place_fields(as_db *db, const char *feedback_id, block *b, const as__json *o,
                              as_field **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!o || o->n == 0)
        return AS_OK;
    as_field *v = block_take(b, o->n * sizeof *v, alignof(as_field));
    if (!v)
        return as__fail(db, AS_INTERNAL, "feedback '%s': record too large", feedback_id);
    int bad = 0;
    for (size_t i = 0; i < o->n; i++) {
        const as__json *x = &o->items[i];
        memset(&v[i], 0, sizeof v[i]);
        v[i].name = block_str(b, o->keys[i], &bad);
        switch (x->type) {
        case AS__J_NULL:
            v[i].type = AS_VALUE_NULL;
            break;
        case AS__J_BOOL:
            v[i].type = AS_VALUE_BOOL;
            v[i].i = x->b;
            v[i].r = x->b;
            break;
        case AS__J_NUMBER:
            v[i].type = x->is_int ? AS_VALUE_INT : AS_VALUE_REAL;
            v[i].i = x->is_int ? x->i : 0;
            v[i].r = x->num;
            break;
        case AS__J_STRING:
            v[i].type = AS_VALUE_TEXT;
            v[i].text = masked(db, block_str(b, x->str, &bad));
            break;
        default:
            return as__fail(db, AS_INTERNAL, "feedback '%s': stored column '%s' is not a value",
                            feedback_id, o->keys[i]);
        }
    }
    if (bad)
        return as__fail(db, AS_INTERNAL, "feedback '%s': record too large", feedback_id);
    *out = v;
    *n = o->n;
    return AS_OK;
}

/* The text of member key of a reason object, or NULL (absent or null). */
static const char *member_text(const as__json *o, const char *key, int *wrong)
{
    const as__json *x = as__json_get(o, key);
    if (!x || x->type == AS__J_NULL)
        return NULL;
    if (x->type != AS__J_STRING) {
        *wrong = 1;
        return NULL;
    }
    return x->str;
}

static as_status place_reasons(as_db *db, const char *feedback_id, block *b, const as__json *a,
                               as_feedback_reason **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!a || a->n == 0)
        return AS_OK;
    as_feedback_reason *v = block_take(b, a->n * sizeof *v, alignof(as_feedback_reason));
    if (!v)
        return as__fail(db, AS_INTERNAL, "feedback '%s': record too large", feedback_id);
    int bad = 0, wrong = 0;
    for (size_t i = 0; i < a->n; i++) {
        const as__json *o = &a->items[i];
        if (o->type != AS__J_OBJECT)
            return as__fail(db, AS_INTERNAL, "feedback '%s': a stored reason is not an object",
                            feedback_id);
        const char *rule = member_text(o, "rule", &wrong);
        const char *reason = member_text(o, "reason", &wrong);
        const char *match = member_text(o, "match", &wrong);
        if (wrong || !rule || !reason)
            return as__fail(db, AS_INTERNAL, "feedback '%s': a stored reason lacks its rule",
                            feedback_id);
        v[i].rule = block_str(b, rule, &bad);
        v[i].reason = block_str(b, reason, &bad);
        v[i].match = block_str(b, match, &bad);
    }
    if (bad)
        return as__fail(db, AS_INTERNAL, "feedback '%s': record too large", feedback_id);
    *out = v;
    *n = a->n;
    return AS_OK;
}

/* ---- reading --------------------------------------------------------- */

#define FB_SELECT                                                                             \
    "SELECT f.feedback_id, f.user_id, f.station_id, f.submitted_at, f.channel, f.kind,"        \
    " f.overall, f.stars, f.comment, f.extra, f.score, f.sentiment, f.sentiment_label,"        \
    " f.urgency, f.reasons, f.mismatch, f.suggestion, t.ticket_ref,"                           \
    " (SELECT count(*) FROM feedback_history h WHERE h.feedback_id = f.feedback_id),"          \
    " f.created_at, f.updated_at"                                                              \
    " FROM feedback f LEFT JOIN feedback_tickets t ON t.feedback_id = f.feedback_id"

/* The current row of st as one block (see above). */
static as_status build_row(as_db *db, sqlite3_stmt *st, as_feedback **out)
{
    *out = NULL;
    const char *id = as__column_text(st, 0);
    const char *texts[] = {id, as__column_text(st, 1), as__column_text(st, 2),
                           as__column_text(st, 4), as__column_text(st, 5),
                           as__column_text(st, 8), as__column_text(st, 17)};
    const char *stars_json = as__column_text(st, 7);
    const char *extra_json = as__column_text(st, 9);
    const char *reasons_json = as__column_text(st, 14);
    if (!id)
        id = "";
    as__json *stars = NULL, *extra = NULL, *reasons = NULL;
    as_status s = parse_stored(db, id, "stars", stars_json, AS__J_OBJECT, &stars);
    if (s == AS_OK)
        s = parse_stored(db, id, "extra columns", extra_json, AS__J_OBJECT, &extra);
    if (s == AS_OK)
        s = parse_stored(db, id, "reasons", reasons_json, AS__J_ARRAY, &reasons);
    as_feedback *v = NULL;
    if (s == AS_OK) {
        size_t cap = sizeof *v + ARRAY_BYTES(stars ? stars->n : 0, as_feedback_star) +
                     ARRAY_BYTES(extra ? extra->n : 0, as_field) +
                     ARRAY_BYTES(reasons ? reasons->n : 0, as_feedback_reason) +
                     len0(stars_json) + len0(extra_json) + len0(reasons_json);
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            cap += len0(texts[i]);
        block b = {malloc(cap), 0, cap};
        if (!b.base) {
            s = as__fail(db, AS_NOMEM, "out of memory");
        } else {
            v = block_take(&b, sizeof *v, alignof(as_feedback));
            memset(v, 0, sizeof *v);
            as_feedback_star *sv;
            as_field *ev;
            as_feedback_reason *rv;
            s = place_stars(db, id, &b, stars, &sv, &v->nstars);
            if (s == AS_OK)
                s = place_fields(db, id, &b, extra, &ev, &v->nextra);
            if (s == AS_OK)
                s = place_reasons(db, id, &b, reasons, &rv, &v->nreasons);
            if (s == AS_OK) {
                int bad = 0;
                v->stars = sv;
                v->extra = ev;
                v->reasons = rv;
                v->feedback_id = block_str(&b, texts[0], &bad);
                v->user_id = block_str(&b, texts[1], &bad);
                v->station_id = block_str(&b, texts[2], &bad);
                v->channel = block_str(&b, texts[3], &bad);
                v->kind = block_str(&b, texts[4], &bad);
                v->comment = masked(db, block_str(&b, texts[5], &bad));
                v->ticket_ref = block_str(&b, texts[6], &bad);
                if (bad)
                    s = as__fail(db, AS_INTERNAL, "feedback '%s': record too large", id);
            }
            v->submitted_at = sqlite3_column_int64(st, 3);
            v->overall = sqlite3_column_int(st, 6);
            v->has_score = sqlite3_column_type(st, 10) != SQLITE_NULL;
            v->score = sqlite3_column_double(st, 10);
            v->has_sentiment = sqlite3_column_type(st, 11) != SQLITE_NULL;
            v->sentiment = sqlite3_column_double(st, 11);
            v->sentiment_label = sqlite3_column_int(st, 12);
            v->urgency = sqlite3_column_int(st, 13);
            v->urgency_name = as__urgency_name(v->urgency);
            v->mismatch = sqlite3_column_int(st, 15);
            v->suggestion = sqlite3_column_int(st, 16);
            v->revisions = sqlite3_column_int64(st, 18);
            v->created_at = sqlite3_column_int64(st, 19);
            v->updated_at = sqlite3_column_int64(st, 20);
            if (s != AS_OK) {
                free(b.base);
                v = NULL;
            }
        }
    }
    as__json_free(stars);
    as__json_free(extra);
    as__json_free(reasons);
    *out = v;
    return s;
}

struct as_feedback_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_feedback *cur;        /* the current view: a block owned here */
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
    free(it->cur);
    it->cur = NULL;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing feedback");
    as_status s = build_row(it->db, it->st, &it->cur);
    if (s != AS_OK)
        return s;
    *view = it->cur;
    return AS_OK;
}

void as_feedback_iter_free(as_feedback_iter *it)
{
    if (!it)
        return;
    free(it->cur);
    sqlite3_finalize(it->st);
    free(it);
}

void as_feedback_free(as_feedback *fb)
{
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
    if (s == AS_DONE)
        s = as__fail(db, AS_NOTFOUND, "feedback_id: no feedback '%s'", feedback_id);
    if (s == AS_OK) {
        *out = it->cur;          /* the block becomes the caller's */
        it->cur = NULL;
        as__ok(db);
    }
    as_feedback_iter_free(it);
    return s;
}

/* ---- history --------------------------------------------------------- */

/* The columns a change may record, in order, and which are not text. */
static const char *const change_cols[] = {"user_id", "station_id", "submitted_at", "channel",
                                          "kind", "overall", "comment"};

struct as_feedback_history_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_feedback_change *cur; /* the current view: a block owned here */
};

/* The current change of st as one block. */
static as_status build_change(as_db *db, sqlite3_stmt *st, as_feedback_change **out)
{
    *out = NULL;
    const char *id = as__column_text(st, 0);
    const char *old_json = as__column_text(st, 2);
    if (!id)
        id = "";
    as__json *old = NULL, *stars = NULL, *extra = NULL;
    as_status s = parse_stored(db, id, "change", old_json, AS__J_OBJECT, &old);
    const as__json *sj = old ? as__json_get(old, "stars") : NULL;
    const as__json *xj = old ? as__json_get(old, "extra") : NULL;
    /* The old stars and extra columns are stored as their JSON text. */
    if (s == AS_OK && sj && sj->type == AS__J_STRING)
        s = parse_stored(db, id, "old stars", sj->str, AS__J_OBJECT, &stars);
    if (s == AS_OK && xj && xj->type == AS__J_STRING)
        s = parse_stored(db, id, "old extra columns", xj->str, AS__J_OBJECT, &extra);
    if (s == AS_OK && ((sj && sj->type != AS__J_STRING && sj->type != AS__J_NULL) ||
                       (xj && xj->type != AS__J_STRING && xj->type != AS__J_NULL)))
        s = as__fail(db, AS_INTERNAL, "feedback '%s': a stored change cannot be read", id);
    as_feedback_change *v = NULL;
    const size_t ncols = sizeof change_cols / sizeof change_cols[0];
    if (s == AS_OK) {
        size_t cap = sizeof *v + ARRAY_BYTES(ncols, as_field) +
                     ARRAY_BYTES(stars ? stars->n : 0, as_feedback_star) +
                     ARRAY_BYTES(extra ? extra->n : 0, as_field) + len0(id) +
                     2 * len0(old_json) + AS_TIME_BUFSIZE;
        block b = {malloc(cap), 0, cap};
        if (!b.base)
            s = as__fail(db, AS_NOMEM, "out of memory");
        else {
            v = block_take(&b, sizeof *v, alignof(as_feedback_change));
            memset(v, 0, sizeof *v);
            as_field *f = block_take(&b, ncols * sizeof *f, alignof(as_field));
            int bad = !f;
            size_t n = 0;
            for (size_t c = 0; !bad && c < ncols; c++) {
                const as__json *x = as__json_get(old, change_cols[c]);
                if (!x)
                    continue;
                as_field *fl = &f[n++];
                memset(fl, 0, sizeof *fl);
                fl->name = change_cols[c];
                if (x->type == AS__J_NULL) {
                    fl->type = AS_VALUE_NULL;
                } else if (c == 2 && x->type == AS__J_NUMBER && x->is_int) {
                    char buf[AS_TIME_BUFSIZE];
                    fl->type = AS_VALUE_TEXT;
                    fl->text = block_str(&b, as_time_format(x->i, as_db_utc_offset(db), buf), &bad);
                } else if (c == 5 && x->type == AS__J_NUMBER && x->is_int) {
                    fl->type = AS_VALUE_INT;
                    fl->i = x->i;
                    fl->r = (double)x->i;
                } else if (c != 2 && c != 5 && x->type == AS__J_STRING) {
                    fl->type = AS_VALUE_TEXT;
                    fl->text = block_str(&b, x->str, &bad);
                    if (strcmp(change_cols[c], "comment") == 0)
                        masked(db, fl->text);
                } else {
                    s = as__fail(db, AS_INTERNAL, "feedback '%s': the stored old %s cannot be read",
                                 id, change_cols[c]);
                    break;
                }
            }
            if (s == AS_OK && bad)
                s = as__fail(db, AS_INTERNAL, "feedback '%s': record too large", id);
            v->old = n ? f : NULL;
            v->nold = n;
            as_feedback_star *sv = NULL;
            as_field *ev = NULL;
            if (s == AS_OK)
                s = place_stars(db, id, &b, stars, &sv, &v->nold_stars);
            if (s == AS_OK)
                s = place_fields(db, id, &b, extra, &ev, &v->nold_extra);
            v->old_stars = sv;
            v->old_extra = ev;
            v->stars_changed = sj != NULL;
            v->extra_changed = xj != NULL;
            v->feedback_id = block_str(&b, id, &bad);
            v->changed_at = sqlite3_column_int64(st, 1);
            if (s == AS_OK && bad)
                s = as__fail(db, AS_INTERNAL, "feedback '%s': record too large", id);
            if (s != AS_OK) {
                free(b.base);
                v = NULL;
            }
        }
    }
    as__json_free(old);
    as__json_free(stars);
    as__json_free(extra);
    *out = v;
    return s;
}

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
    free(it->cur);
    it->cur = NULL;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "reading feedback history");
    as_status s = build_change(it->db, it->st, &it->cur);
    if (s != AS_OK)
        return s;
    *view = it->cur;
    return AS_OK;
}

void as_feedback_history_iter_free(as_feedback_history_iter *it)
{
    if (!it)
        return;
    free(it->cur);
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- stats ----------------------------------------------------------- */

struct as_feedback_stat_iter {
    as_feedback_stat *rows;
    char **keys;
    size_t n, pos;
};

/* Every query: ?1 from, ?2 to (0: no bound), ?3 the zone's offset in
 * minutes (by day and week), ?4 the station filter (NULL: none); by week
 * ?5 1 to list the weeks with rows but no ratings too.  Columns: key,
 * ratings, their sum, those at 4 or above, feedback rows.  A group is
 * listed when it has a rating. */
#define STATS_WHERE(f)                                                                     \
    " (?1 = 0 OR " f "submitted_at >= ?1) AND (?2 = 0 OR " f "submitted_at < ?2)"          \
    " AND (?4 IS NULL OR " f "station_id = ?4)"
static const char SQL_STATS_STATION[] =
    "SELECT station_id, count(score), sum(score), sum(score >= 4), count(*)"
    " FROM feedback WHERE" STATS_WHERE("") " GROUP BY 1 HAVING count(score) > 0";
static const char SQL_STATS_DAY[] =
    "SELECT date(submitted_at + ?3 * 60, 'unixepoch'), count(score), sum(score),"
    " sum(score >= 4), count(*)"
    " FROM feedback WHERE" STATS_WHERE("") " GROUP BY 1 HAVING count(score) > 0 ORDER BY 1";
/* The business week's Monday: 1970-01-05 was one (345600 s after the epoch). */
static const char SQL_STATS_WEEK[] =
    "SELECT date(submitted_at + ?3 * 60"
    " - ((submitted_at + ?3 * 60 - 345600) % 604800 + 604800) % 604800, 'unixepoch'),"
    " count(score), sum(score), sum(score >= 4), count(*)"
    " FROM feedback WHERE" STATS_WHERE("") " GROUP BY 1 HAVING count(score) > 0 OR ?5 ORDER BY 1";
/* By the station's city or region in the registry (as it is now; feedback
 * without a station, or of one the registry does not know, is the group
 * NULL). */
static const char SQL_STATS_CITY[] =
    "SELECT s.city, count(f.score), sum(f.score), sum(f.score >= 4), count(*)"
    " FROM feedback f LEFT JOIN stations s ON s.station_id = f.station_id"
    " WHERE" STATS_WHERE("f.") " GROUP BY 1 HAVING count(f.score) > 0";
static const char SQL_STATS_REGION[] =
    "SELECT s.region, count(f.score), sum(f.score), sum(f.score >= 4), count(*)"
    " FROM feedback f LEFT JOIN stations s ON s.station_id = f.station_id"
    " WHERE" STATS_WHERE("f.") " GROUP BY 1 HAVING count(f.score) > 0";
static const char SQL_STATS_DIM[] =
    "SELECT j.key, count(*), sum(j.value), sum(j.value >= 4), count(*)"
    " FROM feedback f, json_each(f.stars) j WHERE" STATS_WHERE("f.") " GROUP BY 1";

static int by_bayes(const void *a, const void *b)
{
    const as_feedback_stat *x = a, *y = b;
    if (x->bayes != y->bayes)
        return x->bayes < y->bayes ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    if (!x->key || !y->key)
        return !x->key - !y->key;   /* no station last */
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

/* Append a group with its own copy of key; -1 when out of memory. */
static int stats_push(as_feedback_stat_iter *it, size_t *cap, const char *key)
{
    if (it->n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        as_feedback_stat *r = realloc(it->rows, c * sizeof *r);
        if (!r)
            return -1;
        it->rows = r;
        char **k = realloc(it->keys, c * sizeof *k);
        if (!k)
            return -1;
        it->keys = k;
        *cap = c;
    }
    int failed = 0;
    char *copy = as__strdup_opt(key, &failed);
    if (failed)
        return -1;
    as_feedback_stat *r = &it->rows[it->n];
    memset(r, 0, sizeof *r);
    it->keys[it->n++] = copy;
    r->key = copy;
    return 0;
}

/* By week with both bounds: every week of [from, to) in order, the weeks
 * without ratings (count 0) put in among the groups the query found. */
static as_status stats_every_week(as_db *db, as_feedback_stat_iter *it, int64_t from, int64_t to)
{
    int off = as_db_utc_offset(db);
    as_feedback_stat_iter *all = calloc(1, sizeof *all);
    if (!all)
        return as__fail(db, AS_NOMEM, "out of memory");
    size_t cap = 0, j = 0;
    for (int64_t w = as__week_start(from, off); w < to; w += 604800) {
        char day[11];
        as__date_text(w, off, day);
        while (j < it->n && strcmp(it->rows[j].key, day) < 0)
            j++;   /* cannot happen: the query's weeks are the period's */
        if (stats_push(all, &cap, day) < 0) {
            as_feedback_stats_iter_free(all);
            return as__fail(db, AS_NOMEM, "out of memory");
        }
        as_feedback_stat *r = &all->rows[all->n - 1];
        if (j < it->n && strcmp(it->rows[j].key, day) == 0) {
            const char *key = r->key;
            *r = it->rows[j++];
            r->key = key;
        } else {
            r->mean = r->csat_pct = r->bayes = -1;
        }
    }
    /* Swap the contents: it takes the full list. */
    as_feedback_stat_iter tmp = *it;
    *it = *all;
    *all = tmp;
    as_feedback_stats_iter_free(all);
    return AS_OK;
}

as_status as_feedback_stats_query_iter_new(as_feedback_stat_iter **out, as_db *db,
                                           const as_feedback_stats_query *q)
{
    if (out)
        *out = NULL;
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_feedback_stats_query_iter_new: NULL argument")
                  : AS_MISUSE;
    if (q->version != AS_FEEDBACK_STATS_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_feedback_stats_query_iter_new: unknown query version %u",
                        q->version);
    as_feedback_by by = q->by;
    const char *sql = by == AS_FEEDBACK_BY_STATION     ? SQL_STATS_STATION
                      : by == AS_FEEDBACK_BY_DAY       ? SQL_STATS_DAY
                      : by == AS_FEEDBACK_BY_WEEK      ? SQL_STATS_WEEK
                      : by == AS_FEEDBACK_BY_DIMENSION ? SQL_STATS_DIM
                      : by == AS_FEEDBACK_BY_CITY      ? SQL_STATS_CITY
                      : by == AS_FEEDBACK_BY_REGION    ? SQL_STATS_REGION
                                                       : NULL;
    if (!sql)
        return as__fail(db, AS_INVALID,
                        "by: %d is not station, dimension, day, week, city or region", (int)by);
    if (q->from && q->to && q->from >= q->to)
        return as__fail(db, AS_INVALID, "the period's start is not before its end");
    /* By week every week is listed: keep the list (and the arithmetic) in bounds. */
    if (by == AS_FEEDBACK_BY_WEEK && q->from && q->to &&
        (q->from < -(INT64_C(1) << 40) || q->to > (INT64_C(1) << 40) ||
         (q->to - q->from) / 604800 > 1000000))
        return as__fail(db, AS_INVALID, "the period is longer than 1,000,000 weeks");
    char why[120];
    if (q->station_id && as__check_id(q->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station: %s", why);
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, q->from);
    sqlite3_bind_int64(st, 2, q->to);
    sqlite3_bind_int(st, 3, as_db_utc_offset(db));
    as__bind_text_or_null(st, 4, q->station_id);
    int every_week = by == AS_FEEDBACK_BY_WEEK && q->from && q->to;
    if (by == AS_FEEDBACK_BY_WEEK)
        sqlite3_bind_int(st, 5, every_week);
    as_feedback_stat_iter *it = calloc(1, sizeof *it);
    if (!it) {
        sqlite3_reset(st);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    size_t cap = 0;
    double total = 0;
    int64_t total_n = 0;
    int rc;
    as_status s = AS_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (stats_push(it, &cap, as__column_text(st, 0)) < 0) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        as_feedback_stat *r = &it->rows[it->n - 1];
        r->count = sqlite3_column_int64(st, 1);
        double sum = sqlite3_column_double(st, 2);
        r->mean = r->count ? sum / (double)r->count : 0;
        r->csat_pct = r->count ? 100.0 * (double)sqlite3_column_int64(st, 3) / (double)r->count : 0;
        r->bayes = sum; /* the sum until the prior is known */
        r->rows = sqlite3_column_int64(st, 4);
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
        if (!r->count)
            r->mean = r->csat_pct = r->bayes = -1;   /* a week with rows, no ratings */
    }
    if (every_week) {
        if ((s = stats_every_week(db, it, q->from, q->to)) != AS_OK) {
            as_feedback_stats_iter_free(it);
            return s;
        }
        for (size_t i = 0; i < it->n; i++)
            it->rows[i].prior = prior;
    }
    if (by != AS_FEEDBACK_BY_DAY && by != AS_FEEDBACK_BY_WEEK && it->n > 1)
        qsort(it->rows, it->n, sizeof *it->rows, by_bayes);
    as__ok(db);
    *out = it;
    return AS_OK;
}

as_status as_feedback_stats_iter_new(as_feedback_stat_iter **out, as_db *db, as_feedback_by by,
                                     int64_t from, int64_t to)
{
    as_feedback_stats_query q = AS_FEEDBACK_STATS_QUERY_INIT;
    q.by = by;
    q.from = from;
    q.to = to;
    return as_feedback_stats_query_iter_new(out, db, &q);
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
