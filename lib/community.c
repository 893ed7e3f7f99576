/* community.c - the community (seed §5): posts on the configured boards and
 * their moderation (banned terms, the sentiment scorer, the alert rules of
 * feedback), review, featured posts earning points, ambassador candidates,
 * co-creation submissions and the adopted tips of the reminder rotation;
 * the erasure of a person's community texts. */
#include "community.h"
#include "feedback.h"
#include "import.h"
#include "json.h"
#include "points.h"
#include "sentiment.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared checks ----------------------------------------------------- */

/* The NFC form of a required text of 1 to max characters, into *out. */
static as_status text_arg(as_db *db, const char *what, const char *in, size_t max, char **out)
{
    *out = NULL;
    char why[160];
    as_status st = as__text_nfc(in, strlen(in), out, why, sizeof why);
    if (st == AS_NOMEM)
        return as__fail(db, st, "out of memory");
    if (st != AS_OK)
        return as__fail(db, AS_INVALID, "%s: %s", what, why);
    size_t n = as__utf8_chars(*out);
    /* white space only (the ideographic space too) is empty */
    const char *p = *out;
    for (;;) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        else if (strncmp(p, "\xE3\x80\x80", 3) == 0)
            p += 3;
        else
            break;
    }
    if (n == 0 || !*p)
        st = as__fail(db, AS_INVALID, "%s: is empty", what);
    else if (n > max)
        st = as__fail(db, AS_INVALID, "%s: %zu characters, at most %zu", what, n, max);
    if (st != AS_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}

/* A registered user who was not erased; what says what was refused. */
static as_status user_ok(as_db *db, const char *user_id, const char *what)
{
    static const char sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_DONE)
        st = as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
    else if (rc != SQLITE_ROW)
        st = as__sqlfail(db, rc, "reading a user");
    else if (sqlite3_column_int(s, 0))
        st = as__fail(db, AS_INVALID, "user '%s' was erased; %s", user_id, what);
    sqlite3_reset(s);
    return st;
}

static int64_t at_or_now(int64_t at)
{
    return at ? at : as__now();
}

static const char *board_name(as_db *db, const char *id)
{
    const as__community_cfg *cc = as__community_cfg_of(db);
    for (size_t i = 0; id && i < cc->nboards; i++)
        if (strcmp(cc->boards[i].id, id) == 0)
            return cc->boards[i].name;
    return NULL;
}

as_status as_community_boards(as_db *db, const as_board **out, size_t *n)
{
    if (!db || !out || !n)
        return db ? as__fail(db, AS_MISUSE, "as_community_boards: NULL argument") : AS_MISUSE;
    const as__community_cfg *cc = as__community_cfg_of(db);
    *out = cc->boards;
    *n = cc->nboards;
    as__ok(db);
    return AS_OK;
}

/* ---- moderation ---------------------------------------------------------- */

static void flag_json(as_buf *b, const char *rule, const char *reason, const char *match)
{
    as__buf_adds(b, b->len > 1 ? ",{\"rule\":" : "{\"rule\":");
    as__json_quote(b, rule);
    as__buf_adds(b, ",\"reason\":");
    as__json_quote(b, reason);
    as__buf_adds(b, ",\"match\":");
    if (match)
        as__json_quote(b, match);
    else
        as__buf_adds(b, "null");
    as__buf_addc(b, '}');
}

/* Score a post (NFC title and body): its flags as a JSON array into b
 * (NUL-terminated), its sentiment into *sentiment; *nflags is 0 when none
 * fired (the post is visible), else above 0. */
static as_status moderate(as_db *db, const char *title, const char *body, as_buf *b,
                          double *sentiment, int *nflags)
{
    const as__community_cfg *cc = as__community_cfg_of(db);
    const as_config *cfg = as__db_config(db);
    *nflags = 0;
    b->len = 0;
    char *text = as__printf("%s\n%s", title, body);
    if (!text)
        return as__fail(db, AS_NOMEM, "out of memory");
    as__sentiment sent;
    as_status st = as__sentiment_score(db, text, strlen(text), &sent);
    char *folded = NULL, why[160];
    if (st == AS_OK && as__community_fold(text, &folded, why, sizeof why) != AS_OK)
        st = as__fail(db, AS_NOMEM, "out of memory");
    as_buf alerts = {0};
    if (st == AS_OK && as__alerts_assess_text(cfg->alerts, text, &alerts) < 0)
        st = as__fail(db, AS_NOMEM, "out of memory");
    if (st == AS_OK) {
        *sentiment = sent.score;
        as__buf_addc(b, '[');
        for (size_t i = 0; i < cc->nbanned; i++)
            if (strstr(folded, cc->banned[i])) {
                flag_json(b, "banned_term", "违禁词", cc->banned_as_written[i]);
                ++*nflags;
            }
        if (sent.score < cc->flag_below) {
            char reason[96];
            snprintf(reason, sizeof reason, "情感分 %.2f 低于 %.2f", sent.score, cc->flag_below);
            flag_json(b, "sentiment", reason, NULL);
            ++*nflags;
        }
        if (alerts.len > 2) {
            /* the alert reasons: the array's members */
            if (b->len > 1)
                as__buf_addc(b, ',');
            as__buf_add(b, alerts.data + 1, alerts.len - 2);
            ++*nflags;   /* one or more alert rules */
        }
        if (as__buf_addc(b, ']') < 0 || as__buf_addc(b, '\0') < 0)
            st = as__fail(db, AS_NOMEM, "out of memory");
        else
            b->len--;
    }
    as__buf_free(&alerts);
    free(folded);
    free(text);
    return st;
}

/* ---- posts --------------------------------------------------------------- */

as_status as_post_add(as_db *db, const as_post_new *in, int64_t *id)
{
    if (id)
        *id = 0;
    if (!db || !in || !in->user_id || !in->board || !in->title || !in->body)
        return db ? as__fail(db, AS_MISUSE, "as_post_add: NULL argument") : AS_MISUSE;
    if (in->version != AS_POST_NEW_VERSION)
        return as__fail(db, AS_MISUSE, "as_post_add: unknown version %u", in->version);
    if (!board_name(db, in->board)) {
        const as__community_cfg *cc = as__community_cfg_of(db);
        as_buf list = {0};
        for (size_t i = 0; i < cc->nboards; i++) {
            as__buf_adds(&list, i ? ", " : "");
            as__buf_adds(&list, cc->boards[i].id);
        }
        as_status st = as__fail(db, AS_INVALID, "board: no board '%s' (boards: %s)", in->board,
                                list.data ? list.data : "none");
        as__buf_free(&list);
        return st;
    }
    char *title = NULL, *body = NULL;
    as_status st = text_arg(db, "title", in->title, AS_POST_TITLE_MAX, &title);
    if (st == AS_OK)
        st = text_arg(db, "body", in->body, AS_POST_BODY_MAX, &body);
    as_buf flags = {0};
    double sentiment = 0;
    int nflags = 0;
    if (st == AS_OK)
        st = moderate(db, title, body, &flags, &sentiment, &nflags);
    static const char ins_sql[] =
        "INSERT INTO community_posts (board, user_id, title, body, created_at, status, flags,"
        " sentiment, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    int64_t at = at_or_now(in->at);
    int began = 0;
    if (st == AS_OK && (st = as__write_begin(db)) == AS_OK)
        began = 1;
    if (st == AS_OK)
        st = user_ok(db, in->user_id, "no post can be written");
    sqlite3_stmt *s;
    if (st == AS_OK && !(s = as__stmt(db, ins_sql)))
        st = AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_text(s, 1, in->board, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, in->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, title, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, body, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, at);
        sqlite3_bind_text(s, 6, nflags ? "queued" : "visible", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, flags.data, -1, SQLITE_STATIC);
        sqlite3_bind_double(s, 8, sentiment);
        sqlite3_bind_int64(s, 9, as__now());
        st = as__step_done(db, s, "writing a post");
        if (st == AS_OK && id)
            *id = sqlite3_last_insert_rowid(db->sql);
    }
    if (began)
        st = as__write_end(db, st);
    as__buf_free(&flags);
    free(title);
    free(body);
    return st;
}

#define POST_SELECT                                                                          \
    "SELECT p.id, p.board, p.user_id, as_mask_phones(p.title), as_mask_phones(p.body),"      \
    " p.status, p.sentiment, p.flags, p.created_at, p.reviewed_at,"                          \
    " as_mask_phones(p.removed_reason), p.featured_at, p.featured_until, p.updated_at"       \
    " FROM community_posts p"

enum { P_ID, P_BOARD, P_USER, P_TITLE, P_BODY, P_STATUS, P_SENT, P_FLAGS, P_CREATED,
       P_REVIEWED, P_REASON, P_FEAT_AT, P_FEAT_UNTIL, P_UPDATED, P_NSTR = 6 };

static const char *post_status(const char *s)
{
    if (s && strcmp(s, "queued") == 0)
        return "queued";
    if (s && strcmp(s, "removed") == 0)
        return "removed";
    return "visible";
}

/* What a post view owns beside the statement's columns: its parsed flags,
 * and (as_post_get) copies of the strings. */
typedef struct post_holder {
    as_post view;            /* first: as_post_get() hands out &holder->view */
    as__json *json;
    as_post_flag *flags;
    size_t cap;
    char *own[P_NSTR];
} post_holder;

static void holder_clear(post_holder *h)
{
    as__json_free(h->json);
    h->json = NULL;
}

static const char *jstr(const as__json *o, const char *key)
{
    const as__json *x = as__json_get(o, key);
    return x && x->type == AS__J_STRING ? x->str : NULL;
}

/* Fill h->view from the statement's row (strings borrowed from it). */
static as_status read_post(as_db *db, sqlite3_stmt *s, post_holder *h)
{
    holder_clear(h);
    as_post *v = &h->view;
    memset(v, 0, sizeof *v);
    v->id = sqlite3_column_int64(s, P_ID);
    v->board = as__column_text(s, P_BOARD);
    v->board_name = board_name(db, v->board);
    v->user_id = as__column_text(s, P_USER);
    v->title = as__column_text(s, P_TITLE);
    v->body = as__column_text(s, P_BODY);
    v->status = post_status(as__column_text(s, P_STATUS));
    v->sentiment = sqlite3_column_double(s, P_SENT);
    v->created_at = sqlite3_column_int64(s, P_CREATED);
    v->reviewed_at = as__column_int64_or(s, P_REVIEWED, 0);
    v->removed_reason = as__column_text(s, P_REASON);
    v->featured_at = as__column_int64_or(s, P_FEAT_AT, 0);
    v->featured_until = as__column_int64_or(s, P_FEAT_UNTIL, 0);
    v->updated_at = sqlite3_column_int64(s, P_UPDATED);
    const char *flags = as__column_text(s, P_FLAGS);
    char why[160];
    as_status st = as__json_parse(flags ? flags : "[]", flags ? strlen(flags) : 2, &h->json, why,
                                  sizeof why);
    if (st == AS_NOMEM)
        return as__fail(db, st, "out of memory");
    if (st != AS_OK || h->json->type != AS__J_ARRAY)
        return as__fail(db, AS_INTERNAL, "post %" PRId64 ": the stored flags are not a list",
                        v->id);
    if (h->json->n > h->cap) {
        as_post_flag *f = realloc(h->flags, h->json->n * sizeof *f);
        if (!f)
            return as__fail(db, AS_NOMEM, "out of memory");
        h->flags = f;
        h->cap = h->json->n;
    }
    for (size_t i = 0; i < h->json->n; i++) {
        const as__json *o = &h->json->items[i];
        if (o->type != AS__J_OBJECT || !jstr(o, "rule") || !jstr(o, "reason"))
            return as__fail(db, AS_INTERNAL, "post %" PRId64 ": a stored flag lacks its rule",
                            v->id);
        h->flags[i] = (as_post_flag){jstr(o, "rule"), jstr(o, "reason"), jstr(o, "match")};
    }
    v->flags = h->json->n ? h->flags : NULL;
    v->nflags = h->json->n;
    return AS_OK;
}

static void holder_free(post_holder *h)
{
    if (!h)
        return;
    holder_clear(h);
    free(h->flags);
    for (int i = 0; i < P_NSTR; i++)
        free(h->own[i]);
    free(h);
}

as_status as_post_get(as_post **out, as_db *db, int64_t id)
{
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_post_get: NULL argument") : AS_MISUSE;
    *out = NULL;
    static const char sql[] = POST_SELECT " WHERE p.id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    post_holder *h = calloc(1, sizeof *h);
    if (!h)
        return as__fail(db, AS_NOMEM, "out of memory");
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_DONE)
        st = as__fail(db, AS_NOTFOUND, "no post %" PRId64, id);
    else if (rc != SQLITE_ROW)
        st = as__sqlfail(db, rc, "reading a post");
    else
        st = read_post(db, s, h);
    if (st == AS_OK) {
        /* The strings outlive the statement's row. */
        const char **strs[P_NSTR] = {&h->view.board, &h->view.user_id, &h->view.title,
                                     &h->view.body, &h->view.removed_reason, NULL};
        int failed = 0;
        for (int i = 0; strs[i]; i++) {
            h->own[i] = as__strdup_opt(*strs[i], &failed);
            *strs[i] = h->own[i];
        }
        if (failed)
            st = as__fail(db, AS_NOMEM, "out of memory");
    }
    sqlite3_reset(s);
    if (st != AS_OK) {
        holder_free(h);
        return st;
    }
    *out = &h->view;
    as__ok(db);
    return AS_OK;
}

void as_post_free(as_post *post)
{
    holder_free((post_holder *)post);
}

struct as_post_iter {
    as_db *db;
    sqlite3_stmt *st;
    post_holder h;
};

static as_status status_arg(as_db *db, const char *status, const char *const *allowed)
{
    if (!status)
        return AS_OK;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(status, allowed[i]) == 0)
            return AS_OK;
    as_buf list = {0};
    for (size_t i = 0; allowed[i]; i++) {
        as__buf_adds(&list, i ? ", " : "");
        as__buf_adds(&list, allowed[i]);
    }
    as_status st = as__fail(db, AS_INVALID, "status: '%s' is not one of %s", status,
                            list.data ? list.data : "");
    as__buf_free(&list);
    return st;
}

as_status as_post_iter_new(as_post_iter **out, as_db *db, const as_post_query *query)
{
    static const as_post_query all = AS_POST_QUERY_INIT;
    static const char *const statuses[] = {"visible", "queued", "removed", NULL};
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_post_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    if (!query)
        query = &all;
    if (query->version != AS_POST_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_post_iter_new: unknown query version");
    as_status st = status_arg(db, query->status, statuses);
    if (st != AS_OK)
        return st;
    static const char sql[] =
        POST_SELECT " WHERE (?1 IS NULL OR p.board = ?1) AND (?2 IS NULL OR p.status = ?2)"
        " AND (?3 IS NULL OR p.user_id = ?3)"
        " AND (?4 = 0 OR (p.featured_at <= ?4 AND p.featured_until > ?4"
        "      AND p.status <> 'removed'))"
        " ORDER BY p.created_at, p.id";
    as_post_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing posts");
    }
    if (query->board)
        sqlite3_bind_text(it->st, 1, query->board, -1, SQLITE_TRANSIENT);
    if (query->status)
        sqlite3_bind_text(it->st, 2, query->status, -1, SQLITE_TRANSIENT);
    if (query->user_id)
        sqlite3_bind_text(it->st, 3, query->user_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(it->st, 4, query->pinned_at > 0 ? query->pinned_at : 0);
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_post_next(as_post_iter *it, const as_post **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing posts");
    as_status st = read_post(it->db, it->st, &it->h);
    if (st != AS_OK)
        return st;
    *view = &it->h.view;
    return AS_OK;
}

void as_post_iter_free(as_post_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    holder_clear(&it->h);
    free(it->h.flags);
    free(it);
}

/* The post's status and author, inside a write transaction. */
static as_status post_state(as_db *db, int64_t id, char *status, size_t n, char *user_id,
                            size_t un, int64_t *created_at)
{
    static const char sql[] =
        "SELECT status, user_id, created_at FROM community_posts WHERE id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        as__column_copy(s, 0, status, n);
        as__column_copy(s, 1, user_id, un);
        *created_at = sqlite3_column_int64(s, 2);
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no post %" PRId64, id);
    } else {
        st = as__sqlfail(db, rc, "reading a post");
    }
    sqlite3_reset(s);
    return st;
}

as_status as_post_approve(as_db *db, int64_t id, int64_t at)
{
    if (!db)
        return AS_MISUSE;
    static const char sql[] =
        "UPDATE community_posts SET status = 'visible', reviewed_at = ?2, updated_at = ?3"
        " WHERE id = ?1";
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    char status[16], user[80];
    int64_t created = 0;
    st = post_state(db, id, status, sizeof status, user, sizeof user, &created);
    if (st == AS_OK && strcmp(status, "queued") != 0)
        st = as__fail(db, AS_INVALID, "post %" PRId64 " is %s, not queued for review", id,
                      status);
    sqlite3_stmt *s;
    if (st == AS_OK && !(s = as__stmt(db, sql)))
        st = AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, at_or_now(at));
        sqlite3_bind_int64(s, 3, as__now());
        st = as__step_done(db, s, "approving a post");
    }
    return as__write_end(db, st);
}

as_status as_post_remove(as_db *db, int64_t id, const char *reason, int64_t at)
{
    if (!db || !reason)
        return db ? as__fail(db, AS_MISUSE, "as_post_remove: NULL argument") : AS_MISUSE;
    char *why = NULL;
    as_status st = text_arg(db, "reason", reason, AS_COMMUNITY_REASON_MAX, &why);
    if (st != AS_OK)
        return st;
    static const char sql[] =
        "UPDATE community_posts SET status = 'removed', removed_reason = ?2, reviewed_at = ?3,"
        " updated_at = ?4 WHERE id = ?1";
    if ((st = as__write_begin(db)) != AS_OK) {
        free(why);
        return st;
    }
    char status[16], user[80];
    int64_t created = 0;
    st = post_state(db, id, status, sizeof status, user, sizeof user, &created);
    if (st == AS_OK && strcmp(status, "removed") == 0)
        st = as__fail(db, AS_INVALID, "post %" PRId64 " is already removed", id);
    sqlite3_stmt *s;
    if (st == AS_OK && !(s = as__stmt(db, sql)))
        st = AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, why, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, at_or_now(at));
        sqlite3_bind_int64(s, 4, as__now());
        st = as__step_done(db, s, "removing a post");
    }
    st = as__write_end(db, st);
    free(why);
    return st;
}

as_status as_post_feature(as_db *db, int64_t id, int64_t at, int64_t *points)
{
    if (points)
        *points = 0;
    if (!db)
        return AS_MISUSE;
    const as__community_cfg *cc = as__community_cfg_of(db);
    at = at_or_now(at);
    static const char sql[] =
        "UPDATE community_posts SET featured_at = ?2, featured_until = ?3, updated_at = ?4"
        " WHERE id = ?1";
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    char status[16], user[80];
    int64_t created = 0;
    st = post_state(db, id, status, sizeof status, user, sizeof user, &created);
    if (st == AS_OK && strcmp(status, "visible") != 0)
        st = as__fail(db, AS_INVALID,
                      "post %" PRId64 " is %s: only a visible post can be featured%s", id, status,
                      strcmp(status, "queued") == 0 ? " (approve it first)" : "");
    if (st == AS_OK && at < created)
        st = as__fail(db, AS_INVALID, "at: post %" PRId64 " was written after that time", id);
    if (st == AS_OK)
        st = user_ok(db, user, "the post cannot be featured");
    sqlite3_stmt *s;
    if (st == AS_OK && !(s = as__stmt(db, sql)))
        st = AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, at);
        sqlite3_bind_int64(s, 3, at + cc->feature_days * 86400);
        sqlite3_bind_int64(s, 4, as__now());
        st = as__step_done(db, s, "featuring a post");
    }
    if (st == AS_OK && cc->feature_points > 0) {
        char ref[48], reason[64];
        snprintf(ref, sizeof ref, "post:%" PRId64 ":feature", id);
        snprintf(reason, sizeof reason, "featured post %" PRId64, id);
        int earned = 0;
        st = as__points_earn(db, user, AS_POINTS_EARN_COMMUNITY, ref, cc->feature_points, at,
                             reason, &earned);
        if (st == AS_OK && earned && points)
            *points = cc->feature_points;
    }
    return as__write_end(db, st);
}

/* ---- ambassadors ----------------------------------------------------------- */

struct as_ambassador_iter {
    as_db *db;
    sqlite3_stmt *st;
    int64_t rank;
    as_ambassador view;
};

as_status as_ambassador_iter_new(as_ambassador_iter **out, as_db *db,
                                 const as_ambassador_query *query)
{
    if (!out || !db || !query)
        return db ? as__fail(db, AS_MISUSE, "as_ambassador_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    if (query->version != AS_AMBASSADOR_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_ambassador_iter_new: unknown query version");
    int64_t to = at_or_now(query->to);
    int64_t from = query->from ? query->from : to - 90 * 86400;
    if (from > to)
        return as__fail(db, AS_INVALID, "from: the window starts after it ends");
    if (query->limit < 0)
        return as__fail(db, AS_INVALID, "limit: %" PRId64 " is negative", query->limit);
    const as__community_cfg *cc = as__community_cfg_of(db);
    /* The figures per user, from the users who have any; erased users and
     * ids no user has are left out. */
    static const char sql[] =
        "WITH p AS (SELECT user_id,"
        "   sum(status = 'visible' AND created_at BETWEEN ?1 AND ?2) AS posts,"
        "   sum(status <> 'removed' AND featured_at BETWEEN ?1 AND ?2) AS featured"
        "   FROM community_posts WHERE created_at <= ?2 GROUP BY user_id),"
        " f AS (SELECT user_id, count(*) AS positive FROM feedback"
        "   WHERE user_id IS NOT NULL AND submitted_at BETWEEN ?1 AND ?2"
        "   AND (sentiment > 0 OR coalesce(overall, score) >= 4) GROUP BY user_id),"
        " s AS (SELECT user_id, count(*) AS adopted FROM community_submissions"
        "   WHERE status = 'adopted' AND decided_at BETWEEN ?1 AND ?2 GROUP BY user_id),"
        " a AS (SELECT user_id FROM p UNION SELECT user_id FROM f UNION SELECT user_id FROM s),"
        " r AS (SELECT u.user_id, u.name, coalesce(p.posts, 0) AS posts,"
        "   coalesce(p.featured, 0) AS featured, coalesce(f.positive, 0) AS positive,"
        "   coalesce(s.adopted, 0) AS adopted FROM a JOIN users u ON u.user_id = a.user_id"
        "   LEFT JOIN p ON p.user_id = a.user_id LEFT JOIN f ON f.user_id = a.user_id"
        "   LEFT JOIN s ON s.user_id = a.user_id WHERE u.erased_at IS NULL)"
        " SELECT user_id, name, posts * ?3 + featured * ?4 + positive * ?5 + adopted * ?6"
        "   AS score, posts, featured, positive, adopted FROM r WHERE score > 0"
        " ORDER BY score DESC, user_id LIMIT ?7";
    as_ambassador_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "ranking ambassadors");
    }
    sqlite3_bind_int64(it->st, 1, from);
    sqlite3_bind_int64(it->st, 2, to);
    sqlite3_bind_int64(it->st, 3, cc->w_posts);
    sqlite3_bind_int64(it->st, 4, cc->w_featured);
    sqlite3_bind_int64(it->st, 5, cc->w_positive);
    sqlite3_bind_int64(it->st, 6, cc->w_adopted);
    sqlite3_bind_int64(it->st, 7, query->limit ? query->limit : 20);
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_ambassador_next(as_ambassador_iter *it, const as_ambassador **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "ranking ambassadors");
    as_ambassador *v = &it->view;
    v->rank = ++it->rank;
    v->user_id = as__column_text(it->st, 0);
    v->name = as__column_text(it->st, 1);
    v->score = sqlite3_column_int64(it->st, 2);
    v->posts = sqlite3_column_int64(it->st, 3);
    v->featured = sqlite3_column_int64(it->st, 4);
    v->positive_feedback = sqlite3_column_int64(it->st, 5);
    v->adopted = sqlite3_column_int64(it->st, 6);
    *view = v;
    return AS_OK;
}

void as_ambassador_iter_free(as_ambassador_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- submissions ------------------------------------------------------------ */

/* An http(s) link: a scheme, a host, no white space or control character. */
static as_status url_arg(as_db *db, const char *url)
{
    size_t n = strlen(url);
    if (n > AS_SUBMISSION_URL_MAX)
        return as__fail(db, AS_INVALID, "url: %zu bytes, at most %d", n, AS_SUBMISSION_URL_MAX);
    size_t skip = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
    if (!skip)
        return as__fail(db, AS_INVALID, "url: '%.80s' is not an http:// or https:// link", url);
    if (as_utf8_check(url, n, NULL) != AS_OK)
        return as__fail(db, AS_INVALID, "url: invalid UTF-8");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)url[i];
        if (ch <= ' ' || ch == 0x7F)
            return as__fail(db, AS_INVALID, "url: a space or control character at byte %zu",
                            i + 1);
    }
    if (!url[skip] || url[skip] == '/' || url[skip] == '?' || url[skip] == '#' ||
        url[skip] == ':')
        return as__fail(db, AS_INVALID, "url: '%.80s' has no host", url);
    return AS_OK;
}

as_status as_submission_add(as_db *db, const as_submission_new *in, int64_t *id)
{
    if (id)
        *id = 0;
    if (!db || !in || !in->user_id || !in->kind || !in->text)
        return db ? as__fail(db, AS_MISUSE, "as_submission_add: NULL argument") : AS_MISUSE;
    if (in->version != AS_SUBMISSION_NEW_VERSION)
        return as__fail(db, AS_MISUSE, "as_submission_add: unknown version %u", in->version);
    int tip = strcmp(in->kind, "tip") == 0;
    if (!tip && strcmp(in->kind, "video") != 0)
        return as__fail(db, AS_INVALID, "kind: '%s' is not tip or video", in->kind);
    const char *url = in->url && in->url[0] ? in->url : NULL;
    if (!tip && !url)
        return as__fail(db, AS_INVALID, "url: a video needs its link");
    as_status st = url ? url_arg(db, url) : AS_OK;
    if (st != AS_OK)
        return st;
    char *text = NULL;
    if ((st = text_arg(db, "text", in->text, AS_SUBMISSION_TEXT_MAX, &text)) != AS_OK)
        return st;
    static const char sql[] =
        "INSERT INTO community_submissions (user_id, kind, text, url, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    if ((st = as__write_begin(db)) != AS_OK) {
        free(text);
        return st;
    }
    st = user_ok(db, in->user_id, "no submission can be made");
    sqlite3_stmt *s;
    if (st == AS_OK && !(s = as__stmt(db, sql)))
        st = AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_text(s, 1, in->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, tip ? "tip" : "video", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
        as__bind_text_or_null(s, 4, url);
        sqlite3_bind_int64(s, 5, at_or_now(in->at));
        st = as__step_done(db, s, "recording a submission");
        if (st == AS_OK && id)
            *id = sqlite3_last_insert_rowid(db->sql);
    }
    st = as__write_end(db, st);
    free(text);
    return st;
}

#define SUBMISSION_SELECT                                                                    \
    "SELECT id, user_id, kind, as_mask_phones(text), url, status, created_at, decided_at,"   \
    " as_mask_phones(reason), as_tip FROM community_submissions"

static const char *sub_status(const char *s)
{
    if (s && strcmp(s, "adopted") == 0)
        return "adopted";
    if (s && strcmp(s, "declined") == 0)
        return "declined";
    return "submitted";
}

static void read_submission(sqlite3_stmt *s, as_submission *v)
{
    const char *kind = as__column_text(s, 2);
    v->id = sqlite3_column_int64(s, 0);
    v->user_id = as__column_text(s, 1);
    v->kind = kind && strcmp(kind, "video") == 0 ? "video" : "tip";
    v->text = as__column_text(s, 3);
    v->url = as__column_text(s, 4);
    v->status = sub_status(as__column_text(s, 5));
    v->created_at = sqlite3_column_int64(s, 6);
    v->decided_at = as__column_int64_or(s, 7, 0);
    v->reason = as__column_text(s, 8);
    v->as_tip = sqlite3_column_int(s, 9);
}

as_status as_submission_get(as_submission **out, as_db *db, int64_t id)
{
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_submission_get: NULL argument") : AS_MISUSE;
    *out = NULL;
    static const char sql[] = SUBMISSION_SELECT " WHERE id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        as_submission v;
        read_submission(s, &v);
        const char *strs[4] = {v.user_id, v.text, v.url, v.reason};
        size_t size = sizeof v;
        for (int i = 0; i < 4; i++)
            size += strs[i] ? strlen(strs[i]) + 1 : 0;
        as_submission *copy = malloc(size);
        if (!copy) {
            st = as__fail(db, AS_NOMEM, "out of memory");
        } else {
            *copy = v;
            char *p = (char *)(copy + 1);
            const char **dst[4] = {&copy->user_id, &copy->text, &copy->url, &copy->reason};
            for (int i = 0; i < 4; i++) {
                if (!strs[i])
                    continue;
                size_t n = strlen(strs[i]) + 1;
                *dst[i] = memcpy(p, strs[i], n);
                p += n;
            }
            *out = copy;
        }
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no submission %" PRId64, id);
    } else {
        st = as__sqlfail(db, rc, "reading a submission");
    }
    sqlite3_reset(s);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

void as_submission_free(as_submission *submission)
{
    free(submission);
}

struct as_submission_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_submission view;
};

as_status as_submission_iter_new(as_submission_iter **out, as_db *db, const char *status,
                                 const char *user_id)
{
    static const char *const statuses[] = {"submitted", "adopted", "declined", NULL};
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_submission_iter_new: NULL argument")
                  : AS_MISUSE;
    *out = NULL;
    as_status st = status_arg(db, status, statuses);
    if (st != AS_OK)
        return st;
    static const char sql[] = SUBMISSION_SELECT
        " WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR user_id = ?2)"
        " ORDER BY created_at, id";
    as_submission_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing submissions");
    }
    if (status)
        sqlite3_bind_text(it->st, 1, status, -1, SQLITE_TRANSIENT);
    if (user_id)
        sqlite3_bind_text(it->st, 2, user_id, -1, SQLITE_TRANSIENT);
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_submission_next(as_submission_iter *it, const as_submission **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing submissions");
    read_submission(it->st, &it->view);
    *view = &it->view;
    return AS_OK;
}

void as_submission_iter_free(as_submission_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* The submission's status, kind and author, inside a write transaction;
 * AS_INVALID unless it is still submitted. */
static as_status submission_open(as_db *db, int64_t id, const char *verb, int64_t at,
                                 char *kind, size_t kn, char *user_id, size_t un)
{
    static const char sql[] =
        "SELECT status, kind, user_id, created_at FROM community_submissions WHERE id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        const char *status = as__column_text(s, 0);
        if (status && strcmp(status, "submitted") != 0)
            st = as__fail(db, AS_INVALID,
                          "submission %" PRId64 " is already %s: it cannot be %s", id, status,
                          verb);
        else if (at < sqlite3_column_int64(s, 3))
            st = as__fail(db, AS_INVALID,
                          "at: submission %" PRId64 " was made after that time", id);
        as__column_copy(s, 1, kind, kn);
        as__column_copy(s, 2, user_id, un);
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no submission %" PRId64, id);
    } else {
        st = as__sqlfail(db, rc, "reading a submission");
    }
    sqlite3_reset(s);
    return st;
}

as_status as_submission_adopt(as_db *db, int64_t id, unsigned flags, int64_t at,
                              int64_t *points)
{
    if (points)
        *points = 0;
    if (!db)
        return AS_MISUSE;
    if (flags & ~AS_SUBMISSION_AS_TIP)
        return as__fail(db, AS_MISUSE, "as_submission_adopt: unknown flags");
    const as__community_cfg *cc = as__community_cfg_of(db);
    at = at_or_now(at);
    static const char sql[] =
        "UPDATE community_submissions SET status = 'adopted', decided_at = ?2, as_tip = ?3"
        " WHERE id = ?1";
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    char kind[8], user[80];
    st = submission_open(db, id, "adopted", at, kind, sizeof kind, user, sizeof user);
    if (st == AS_OK && (flags & AS_SUBMISSION_AS_TIP) && strcmp(kind, "tip") != 0)
        st = as__fail(db, AS_INVALID,
                      "submission %" PRId64 " is a %s: only a tip joins the tips rotation", id,
                      kind);
    if (st == AS_OK)
        st = user_ok(db, user, "the submission cannot be adopted");
    sqlite3_stmt *s;
    if (st == AS_OK && !(s = as__stmt(db, sql)))
        st = AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, at);
        sqlite3_bind_int(s, 3, (flags & AS_SUBMISSION_AS_TIP) ? 1 : 0);
        st = as__step_done(db, s, "adopting a submission");
    }
    if (st == AS_OK && cc->adopt_points > 0) {
        char ref[48], reason[64];
        snprintf(ref, sizeof ref, "submission:%" PRId64 ":adopt", id);
        snprintf(reason, sizeof reason, "adopted submission %" PRId64, id);
        int earned = 0;
        st = as__points_earn(db, user, AS_POINTS_EARN_COMMUNITY, ref, cc->adopt_points, at,
                             reason, &earned);
        if (st == AS_OK && earned && points)
            *points = cc->adopt_points;
    }
    return as__write_end(db, st);
}

as_status as_submission_decline(as_db *db, int64_t id, const char *reason, int64_t at)
{
    if (!db || !reason)
        return db ? as__fail(db, AS_MISUSE, "as_submission_decline: NULL argument") : AS_MISUSE;
    char *why = NULL;
    as_status st = text_arg(db, "reason", reason, AS_COMMUNITY_REASON_MAX, &why);
    if (st != AS_OK)
        return st;
    static const char sql[] =
        "UPDATE community_submissions SET status = 'declined', decided_at = ?2, reason = ?3"
        " WHERE id = ?1";
    if ((st = as__write_begin(db)) != AS_OK) {
        free(why);
        return st;
    }
    at = at_or_now(at);
    char kind[8], user[80];
    st = submission_open(db, id, "declined", at, kind, sizeof kind, user, sizeof user);
    sqlite3_stmt *s;
    if (st == AS_OK && !(s = as__stmt(db, sql)))
        st = AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, at);
        sqlite3_bind_text(s, 3, why, -1, SQLITE_STATIC);
        st = as__step_done(db, s, "declining a submission");
    }
    st = as__write_end(db, st);
    free(why);
    return st;
}

/* ---- for other modules ------------------------------------------------------ */

as_status as__community_forget(as_db *db, const char *user_id, int64_t now, uint64_t *rows)
{
    static const char posts_sql[] =
        "UPDATE community_posts SET title = '" AS_ERASED_TEXT "', body = '" AS_ERASED_TEXT "',"
        " status = 'removed', removed_reason = 'user erased',"
        " reviewed_at = CASE WHEN status = 'removed' THEN reviewed_at ELSE ?2 END,"
        " updated_at = ?2 WHERE user_id = ?1";
    static const char subs_sql[] =
        "UPDATE community_submissions SET text = '" AS_ERASED_TEXT "', url = NULL"
        " WHERE user_id = ?1";
    static const char *const sqls[] = {posts_sql, subs_sql};
    static const char *const what[] = {"erasing a user's posts", "erasing a user's submissions"};
    for (size_t i = 0; i < 2; i++) {
        sqlite3_stmt *s = as__stmt(db, sqls[i]);
        if (!s)
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
        if (i == 0)
            sqlite3_bind_int64(s, 2, now);
        as_status st = as__step_done(db, s, what[i]);
        if (st != AS_OK)
            return st;
        *rows += (uint64_t)sqlite3_changes(db->sql);
    }
    return AS_OK;
}

/* The tips of the rotation at ?1, in adoption order. */
#define TIPS_WHERE                                                                           \
    " FROM community_submissions WHERE as_tip = 1 AND decided_at <= ?1"                      \
    " AND text <> '" AS_ERASED_TEXT "'"

as_status as__community_tips_count(as_db *db, int64_t at, int64_t *n)
{
    static const char sql[] = "SELECT count(*)" TIPS_WHERE;
    *n = 0;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, at);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? AS_OK : as__sqlfail(db, rc, "reading the adopted tips");
}

as_status as__community_tip(as_db *db, int64_t at, int64_t k, char **text, int64_t *id)
{
    static const char sql[] =
        "SELECT text, id" TIPS_WHERE " ORDER BY decided_at, id LIMIT 1 OFFSET ?2";
    *text = NULL;
    *id = 0;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, at);
    sqlite3_bind_int64(s, 2, k);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 1);
        if (!(*text = as__column_dup(s, 0)))
            st = as__fail(db, AS_NOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        st = AS_NOTFOUND;
    } else {
        st = as__sqlfail(db, rc, "reading the adopted tips");
    }
    sqlite3_reset(s);
    return st;
}
