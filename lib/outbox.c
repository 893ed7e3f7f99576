/* outbox.c - the notification outbox (enqueue side; the integrator's
 * side follows). */
#include "outbox.h"
#include "config.h"
#include "json.h"

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

static const char *const status_names[] = {NULL, "pending", "leased", "sent", "dead"};

const char *as_outbox_status_name(as_outbox_status status)
{
    return status >= AS_OUTBOX_PENDING && status <= AS_OUTBOX_DEAD ? status_names[status] : NULL;
}

static as_outbox_status status_of(const char *text)
{
    for (int k = AS_OUTBOX_PENDING; text && k <= AS_OUTBOX_DEAD; k++)
        if (strcmp(text, status_names[k]) == 0)
            return (as_outbox_status)k;
    return (as_outbox_status)0;   /* the schema's CHECK allows no other */
}

/* Is f a time that libaftersales 0.1 stored as Unix seconds: a member
 * named *_at holding an integer? */
static int old_time(const as_field *f)
{
    size_t n = strlen(f->name);
    return f->type == AS_VALUE_INT && n > 3 && strcmp(f->name + n - 3, "_at") == 0;
}

/*
 * The payload of row id as typed fields, in one malloc'd block (free()).
 * Times are ISO 8601 text in the business zone: new rows store them so,
 * and rows of libaftersales 0.1 (Unix seconds in *_at members) are
 * converted here, at read time, so an old database reads the same as a
 * new one without a migration that would have to know the zone.
 */
static as_status outbox_payload(as_db *db, int64_t id, const char *text, as_field **out,
                          size_t *n)
{
    as_field *f = NULL;
    size_t k = 0;
    *out = NULL;
    *n = 0;
    as_status st = as__json_fields(text, &f, &k);
    if (st == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (st != AS_OK)
        return as__fail(db, AS_INTERNAL, "outbox row %lld: the payload is not a JSON object",
                        (long long)id);
    size_t ntimes = 0, bytes = k * sizeof *f;
    for (size_t i = 0; i < k; i++) {
        ntimes += old_time(&f[i]);
        bytes += strlen(f[i].name) + 1 + (f[i].type == AS_VALUE_TEXT ? strlen(f[i].text) + 1 : 0);
    }
    if (!ntimes) {
        *out = f;
        *n = k;
        return AS_OK;
    }
    as_field *g = malloc(bytes + ntimes * AS_TIME_BUFSIZE);
    if (!g) {
        free(f);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    char *w = (char *)(g + k);
    for (size_t i = 0; i < k; i++) {
        g[i] = f[i];
        size_t nl = strlen(f[i].name) + 1;
        g[i].name = memcpy(w, f[i].name, nl);
        w += nl;
        if (old_time(&f[i])) {
            g[i].type = AS_VALUE_TEXT;
            g[i].text = as_time_format(f[i].i, as_db_utc_offset(db), w);
            g[i].r = 0;
            g[i].i = 0;
            w += strlen(w) + 1;
        } else if (f[i].type == AS_VALUE_TEXT) {
            size_t tl = strlen(f[i].text) + 1;
            g[i].text = memcpy(w, f[i].text, tl);
            w += tl;
        }
    }
    free(f);
    *out = g;
    *n = k;
    return AS_OK;
}

/* A pulled row: the view, its strings and its payload, owned. */
typedef struct pulled {
    as_outbox_item item;
    char *strings;           /* one block */
    as_field *payload;       /* one block, or NULL */
} pulled;

struct as_outbox_iter {
    as_db *db;
    sqlite3_stmt *st;        /* list: a live statement */
    as_field *payload;       /* list: the current row's payload block */
    as_outbox_item view;     /* list: the current row */
    pulled *rows;            /* pull: the leased rows, copied */
    size_t n, next;
};

#define OUTBOX_COLUMNS                                                                       \
    "id, user_id, kind, dedupe_key, priority, title, body, payload, created_at, not_before," \
    " CASE WHEN status = 'leased' AND lease_until <= ?1 THEN 'pending' ELSE status END,"     \
    " lease_until, attempts, last_error, sent_at"

/* Fill v from a row, strings borrowed from the statement, and its payload
 * into *payload (malloc'd). */
static as_status read_item(as_db *db, sqlite3_stmt *s, as_outbox_item *v, as_field **payload)
{
#define T(i) ((const char *)sqlite3_column_text(s, i))
    v->id = sqlite3_column_int64(s, 0);
    v->user_id = T(1);
    v->kind = T(2);
    v->dedupe_key = T(3);
    v->priority = sqlite3_column_int(s, 4);
    v->title = T(5);
    v->body = T(6);
    v->created_at = sqlite3_column_int64(s, 8);
    v->not_before = sqlite3_column_int64(s, 9);
    v->status = status_of(T(10));
    v->lease_until = sqlite3_column_int64(s, 11);
    v->attempts = sqlite3_column_int(s, 12);
    v->last_error = T(13);
    v->sent_at = sqlite3_column_int64(s, 14);
    as_status st = outbox_payload(db, v->id, T(7), payload, &v->npayload);
    v->payload = *payload;
    return st;
#undef T
}

/* Copy the strings of v into one block, pointing v at the copies. */
static char *own_strings(as_outbox_item *v)
{
    const char **f[] = {&v->user_id, &v->kind, &v->dedupe_key, &v->title, &v->body,
                        &v->last_error};
    enum { NF = sizeof f / sizeof f[0] };
    size_t bytes = 1;
    for (size_t i = 0; i < NF; i++)
        bytes += *f[i] ? strlen(*f[i]) + 1 : 0;
    char *block = malloc(bytes), *w = block;
    if (!block)
        return NULL;
    for (size_t i = 0; i < NF; i++) {
        if (!*f[i])
            continue;
        size_t n = strlen(*f[i]) + 1;
        *f[i] = memcpy(w, *f[i], n);
        w += n;
    }
    return block;
}

void as_outbox_iter_free(as_outbox_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it->payload);
    for (size_t i = 0; i < it->n; i++) {
        free(it->rows[i].strings);
        free(it->rows[i].payload);
    }
    free(it->rows);
    free(it);
}

/* Lease the due rows and copy them into it (inside a write transaction). */
static as_status lease_rows(as_db *db, as_outbox_iter *it, const as_outbox_pull_options *o)
{
    static const char sql[] =
        "UPDATE outbox SET status = 'leased', lease_until = ?1 + ?3, attempts = attempts + 1"
        " WHERE id IN (SELECT id FROM outbox"
        "   WHERE (status = 'pending' AND not_before <= ?1)"
        "      OR (status = 'leased' AND lease_until <= ?1)"
        "   ORDER BY priority, not_before, id LIMIT ?2)"
        " RETURNING " OUTBOX_COLUMNS;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "pulling from the outbox");
    sqlite3_bind_int64(s, 1, o->now ? o->now : as__now());
    sqlite3_bind_int64(s, 2, o->limit);
    sqlite3_bind_int64(s, 3, o->lease_s);
    as_status st = AS_OK;
    size_t cap = 0;
    while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (it->n == cap) {
            cap = cap ? cap * 2 : 16;
            pulled *nr = realloc(it->rows, cap * sizeof *nr);
            if (!nr) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            it->rows = nr;
        }
        pulled *r = &it->rows[it->n];
        memset(r, 0, sizeof *r);
        st = read_item(db, s, &r->item, &r->payload);
        if (st == AS_OK && !(r->strings = own_strings(&r->item)))
            st = as__fail(db, AS_NOMEM, "out of memory");
        it->n++;   /* even when failed: its blocks are freed with the iterator */
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "pulling from the outbox");
    sqlite3_finalize(s);
    return st;
}

static int pulled_before(const pulled *a, const pulled *b)
{
    const as_outbox_item *x = &a->item, *y = &b->item;
    if (x->priority != y->priority)
        return x->priority < y->priority;
    if (x->not_before != y->not_before)
        return x->not_before < y->not_before;
    return x->id < y->id;
}

as_status as_outbox_pull_iter_new(as_outbox_iter **out, as_db *db,
                                  const as_outbox_pull_options *opts)
{
    static const as_outbox_pull_options defaults = AS_OUTBOX_PULL_OPTIONS_INIT;
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_outbox_pull_iter_new: NULL argument")
                  : AS_MISUSE;
    if (!opts)
        opts = &defaults;
    if (opts->version != AS_OUTBOX_PULL_OPTIONS_VERSION)
        return as__fail(db, AS_MISUSE, "as_outbox_pull_iter_new: unknown options version");
    if (opts->limit < 1 || opts->lease_s < 1)
        return as__fail(db, AS_MISUSE,
                        "as_outbox_pull_iter_new: limit and lease must be positive");
    as_outbox_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    as_status st = as__write_begin(db);
    if (st == AS_OK)
        st = as__write_end(db, lease_rows(db, it, opts));
    if (st != AS_OK) {
        as_outbox_iter_free(it);
        return st;
    }
    /* RETURNING gives no order: sort by priority, not_before, id. */
    for (size_t i = 1; i < it->n; i++)
        for (size_t j = i; j > 0 && pulled_before(&it->rows[j], &it->rows[j - 1]); j--) {
            pulled t = it->rows[j - 1];
            it->rows[j - 1] = it->rows[j];
            it->rows[j] = t;
        }
    *out = it;
    as__ok(db);
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
    if (!now)
        now = as__now();
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
    if (!now)
        now = as__now();
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
    if (query->status && !as_outbox_status_name(query->status))
        return as__fail(db, AS_INVALID, "status: %d is not an as_outbox_status",
                        (int)query->status);
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
        sqlite3_bind_text(it->st, 2, as_outbox_status_name(query->status), -1, SQLITE_STATIC);
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
        *view = &it->rows[it->next++].item;
        return AS_OK;
    }
    free(it->payload);
    it->payload = NULL;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing the outbox");
    as_status st = read_item(it->db, it->st, &it->view, &it->payload);
    if (st != AS_OK)
        return st;
    *view = &it->view;
    return AS_OK;
}
