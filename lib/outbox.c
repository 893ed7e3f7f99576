/* outbox.c - the notification outbox (enqueue side; the integrator's
 * side follows). */
#include "outbox.h"
#include "config.h"

#include <stdlib.h>
#include <string.h>

as_status as__outbox_enqueue(as_db *db, const as__outbox_msg *m, int *inserted)
{
    if (inserted)
        *inserted = 0;
    if (!m->user_id || !m->kind || !m->dedupe_key || !m->title || !m->body)
        return as__fail(db, AS_INVALID, "outbox: a message needs user, kind, key, title and body");
    static const char sql[] =
        "INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, payload,"
        " created_at, not_before) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " ON CONFLICT (dedupe_key) DO NOTHING";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, m->user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->dedupe_key, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, m->priority);
    sqlite3_bind_text(st, 5, m->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, m->body, -1, SQLITE_STATIC);
    if (m->payload)
        sqlite3_bind_text(st, 7, m->payload, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, m->created_at ? m->created_at : as__now());
    sqlite3_bind_int64(st, 9, m->not_before);
    as_status s = as__step_done(db, st, "writing to the outbox");
    if (s == AS_OK && inserted)
        *inserted = sqlite3_changes(db->sql) == 1;
    return s;
}

as_status as__outbox_count_since(as_db *db, const char *user_id, int64_t from, int64_t to,
                                 int64_t *count)
{
    static const char sql[] =
        "SELECT count(*) FROM outbox WHERE user_id = ?1 AND created_at >= ?2 AND created_at < ?3";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? AS_OK : as__sqlfail(db, rc, "counting outbox messages");
}

/* ---- the integrator's side ------------------------------------------ */

struct as_outbox_iter {
    as_db *db;
    sqlite3_stmt *st;        /* list: a live statement */
    as_outbox_item *items;   /* pull: the leased rows, copied */
    char **strs;
    size_t n, next;
    as_outbox_item view;
};

#define OUTBOX_COLUMNS                                                                       \
    "id, user_id, kind, dedupe_key, priority, title, body, payload, created_at, not_before," \
    " CASE WHEN status = 'leased' AND lease_until <= ?1 THEN 'pending' ELSE status END,"     \
    " lease_until, attempts, last_error, sent_at"

static void read_item(sqlite3_stmt *s, as_outbox_item *v)
{
#define T(i) ((const char *)sqlite3_column_text(s, i))
    v->id = sqlite3_column_int64(s, 0);
    v->user_id = T(1);
    v->kind = T(2);
    v->dedupe_key = T(3);
    v->priority = sqlite3_column_int(s, 4);
    v->title = T(5);
    v->body = T(6);
    v->payload = T(7);
    v->created_at = sqlite3_column_int64(s, 8);
    v->not_before = sqlite3_column_int64(s, 9);
    v->status = T(10);
    v->lease_until = sqlite3_column_int64(s, 11);
    v->attempts = sqlite3_column_int(s, 12);
    v->last_error = T(13);
    v->sent_at = sqlite3_column_int64(s, 14);
#undef T
}

void as_outbox_iter_free(as_outbox_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    for (size_t i = 0; i < it->n * 9; i++)
        free(it->strs[i]);
    free(it->strs);
    free(it->items);
    free(it);
}

as_status as_outbox_pull(as_outbox_iter **out, as_db *db, int64_t now, int64_t limit,
                         int64_t lease_s)
{
    if (out)
        *out = NULL;
    if (!out || !db || limit < 1 || lease_s < 1)
        return db ? as__fail(db, AS_MISUSE, "as_outbox_pull: limit and lease must be positive")
                  : AS_MISUSE;
    as_outbox_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    as_status st = as__write_begin(db);
    if (st != AS_OK) {
        free(it);
        return st;
    }
    static const char sql[] =
        "UPDATE outbox SET status = 'leased', lease_until = ?1 + ?3, attempts = attempts + 1"
        " WHERE id IN (SELECT id FROM outbox"
        "   WHERE (status = 'pending' AND not_before <= ?1)"
        "      OR (status = 'leased' AND lease_until <= ?1)"
        "   ORDER BY priority, not_before, id LIMIT ?2)"
        " RETURNING " OUTBOX_COLUMNS;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        st = as__sqlfail(db, rc, "pulling from the outbox");
    } else {
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int64(s, 2, limit);
        sqlite3_bind_int64(s, 3, lease_s);
        size_t cap = 0;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (it->n == cap) {
                cap = cap ? cap * 2 : 16;
                as_outbox_item *ni = realloc(it->items, cap * sizeof *ni);
                char **ns = ni ? realloc(it->strs, cap * 9 * sizeof *ns) : NULL;
                if (ni)
                    it->items = ni;
                if (!ns) {
                    st = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                it->strs = ns;
            }
            as_outbox_item *v = &it->items[it->n];
            read_item(s, v);
            const char **f[9] = {&v->user_id, &v->kind, &v->dedupe_key, &v->title, &v->body,
                                 &v->payload, &v->status, &v->last_error, NULL};
            for (int i = 0; i < 9; i++) {
                char *copy = f[i] && *f[i] ? as__strdup(*f[i]) : NULL;
                it->strs[it->n * 9 + (size_t)i] = copy;
                if (f[i])
                    *f[i] = copy;
            }
            it->n++;
        }
        if (st == AS_OK && rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "pulling from the outbox");
    }
    sqlite3_finalize(s);
    st = as__write_end(db, st);
    if (st != AS_OK) {
        as_outbox_iter_free(it);
        return st;
    }
    /* RETURNING gives no order: sort by priority, not_before, id. */
    for (size_t i = 1; i < it->n; i++)
        for (size_t j = i; j > 0; j--) {
            as_outbox_item *a = &it->items[j - 1], *b = &it->items[j];
            int later = a->priority != b->priority ? a->priority > b->priority
                        : a->not_before != b->not_before ? a->not_before > b->not_before
                                                          : a->id > b->id;
            if (!later)
                break;
            as_outbox_item t = *a;
            *a = *b;
            *b = t;
        }
    *out = it;
    return AS_OK;
}

/* The row's stored status, or AS_NOTFOUND. */
static as_status row_status(as_db *db, int64_t id, char *status, size_t n)
{
    static const char sql[] = "SELECT status FROM outbox WHERE id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW)
        as__column_copy(s, 0, status, n);
    else if (rc == SQLITE_DONE)
        st = as__fail(db, AS_NOTFOUND, "no notification %lld in the outbox", (long long)id);
    else
        st = as__sqlfail(db, rc, "reading the outbox");
    sqlite3_reset(s);
    return st;
}

as_status as_outbox_ack(as_db *db, int64_t id, int64_t now)
{
    if (!db)
        return AS_MISUSE;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    char status[16];
    st = row_status(db, id, status, sizeof status);
    if (st == AS_OK && strcmp(status, "sent") == 0)
        return as__write_end(db, AS_OK);
    if (st == AS_OK && strcmp(status, "leased") != 0)
        st = as__fail(db, AS_INVALID, "notification %lld is %s, not leased: pull it first",
                      (long long)id, status);
    if (st == AS_OK) {
        static const char sql[] =
            "UPDATE outbox SET status = 'sent', sent_at = ?2, lease_until = NULL WHERE id = ?1";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, now);
            st = as__step_done(db, s, "acknowledging a notification");
        }
    }
    return as__write_end(db, st);
}

as_status as_outbox_fail(as_db *db, int64_t id, int64_t now, int64_t retry_in_s,
                         const char *error)
{
    if (!db)
        return AS_MISUSE;
    if (retry_in_s < 0)
        return as__fail(db, AS_MISUSE, "as_outbox_fail: retry_in must not be negative");
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    char status[16];
    st = row_status(db, id, status, sizeof status);
    if (st == AS_OK && strcmp(status, "leased") != 0)
        st = as__fail(db, AS_INVALID, "notification %lld is %s, not leased: pull it first",
                      (long long)id, status);
    if (st == AS_OK) {
        static const char sql[] =
            "UPDATE outbox SET status = CASE WHEN attempts >= ?4 THEN 'dead' ELSE 'pending' END,"
            " not_before = ?2 + ?3, lease_until = NULL, last_error = ?5 WHERE id = ?1";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, now);
            sqlite3_bind_int64(s, 3, retry_in_s);
            sqlite3_bind_int64(s, 4, as__db_config(db)->outbox.max_attempts);
            if (error)
                sqlite3_bind_text(s, 5, error, -1, SQLITE_TRANSIENT);
            st = as__step_done(db, s, "failing a notification");
        }
    }
    return as__write_end(db, st);
}

as_status as_outbox_iter_new(as_outbox_iter **out, as_db *db, const as_outbox_query *query)
{
    static const as_outbox_query all = AS_OUTBOX_QUERY_INIT;
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_outbox_iter_new: NULL argument") : AS_MISUSE;
    if (!query)
        query = &all;
    if (query->version != AS_OUTBOX_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_outbox_iter_new: unknown query version");
    if (query->status && strcmp(query->status, "pending") && strcmp(query->status, "leased") &&
        strcmp(query->status, "sent") && strcmp(query->status, "dead"))
        return as__fail(db, AS_INVALID, "status: '%s' is not pending, leased, sent or dead",
                        query->status);
    static const char sql[] =
        "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE (?3 IS NULL OR user_id = ?3)"
        " AND (?2 IS NULL OR (CASE WHEN status = 'leased' AND lease_until <= ?1 THEN 'pending'"
        " ELSE status END) = ?2) ORDER BY id LIMIT ?4";
    as_outbox_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing the outbox");
    }
    sqlite3_bind_int64(it->st, 1, query->now ? query->now : as__now());
    if (query->status)
        sqlite3_bind_text(it->st, 2, query->status, -1, SQLITE_TRANSIENT);
    if (query->user_id)
        sqlite3_bind_text(it->st, 3, query->user_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(it->st, 4, query->limit > 0 ? query->limit : -1);
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_outbox_next(as_outbox_iter *it, const as_outbox_item **view)
{
    if (!it || !view)
        return AS_MISUSE;
    if (!it->st) {
        if (it->next >= it->n)
            return AS_DONE;
        *view = &it->items[it->next++];
        return AS_OK;
    }
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing the outbox");
    read_item(it->st, &it->view);
    *view = &it->view;
    return AS_OK;
}
