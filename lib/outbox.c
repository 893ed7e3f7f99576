/* outbox.c - the notification outbox (enqueue side; the integrator's
 * side follows). */
#include "outbox.h"
#include "config.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t as__quiet_next(int64_t t, int off_min, int qs, int qe)
{
    if (qs < 0 || qe < 0 || qs == qe)
        return t;
    int64_t sec = ((t + (int64_t)off_min * 60) % 86400 + 86400) % 86400;   /* into the day */
    int64_t m = sec / 60;
    int quiet = qs < qe ? (m >= qs && m < qe) : (m >= qs || m < qe);
    if (!quiet)
        return t;
    return t - sec + (int64_t)qe * 60 + ((int64_t)qe * 60 <= sec ? 86400 : 0);
}

static void quiet_next_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int64_t t = sqlite3_value_int64(argv[0]);
    int none = sqlite3_value_type(argv[1]) == SQLITE_NULL ||
               sqlite3_value_type(argv[2]) == SQLITE_NULL;
    sqlite3_result_int64(ctx, none ? t
                                   : as__quiet_next(t, as_db_utc_offset(sqlite3_user_data(ctx)),
                                                    sqlite3_value_int(argv[1]),
                                                    sqlite3_value_int(argv[2])));
}

as_status as__outbox_functions(as_db *db)
{
    int rc = sqlite3_create_function_v2(db->sql, "as__quiet_next", 3,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, db, quiet_next_fn,
                                        NULL, NULL, NULL);
    return rc == SQLITE_OK ? AS_OK : as__sqlfail(db, rc, "registering the outbox functions");
}

as_status as__outbox_enqueue(as_db *db, const as__outbox_msg *m, int *inserted)
{
    return as__outbox_enqueue_until(db, m, 0, inserted, NULL);
}

as_status as__outbox_enqueue_until(as_db *db, const as__outbox_msg *m, int64_t expires_at,
                                   int *inserted, int *deferred)
{
    if (inserted)
        *inserted = 0;
    if (deferred)
        *deferred = 0;
    if (!m->user_id || !m->kind || !m->dedupe_key || !m->title || !m->body)
        return as__fail(db, AS_INVALID, "outbox: a message needs user, kind, key, title and body");
    static const char quiet_sql[] = "SELECT quiet_start, quiet_end FROM users WHERE user_id = ?1";
    static const char sql[] =
        "INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, payload,"
        " created_at, not_before, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT (dedupe_key) DO NOTHING";
    /* The user's quiet hours push not_before, as for the reminders. */
    int qs = -1, qe = -1;
    sqlite3_stmt *st = as__stmt(db, quiet_sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, m->user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        qs = as__column_int_or(st, 0, -1);
        qe = as__column_int_or(st, 1, -1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a user's quiet hours");
    int64_t created = m->created_at ? m->created_at : as__now();
    int64_t not_before = as__quiet_next(m->not_before, as_db_utc_offset(db), qs, qe);
    if (!(st = as__stmt(db, sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, m->user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->dedupe_key, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, m->priority);
    sqlite3_bind_text(st, 5, m->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, m->body, -1, SQLITE_STATIC);
    if (m->payload)
        sqlite3_bind_text(st, 7, m->payload, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, created);
    sqlite3_bind_int64(st, 9, not_before);
    sqlite3_bind_int64(st, 10, expires_at ? expires_at : not_before + AS__OUTBOX_EXPIRE_S);
    as_status s = as__step_done(db, st, "writing to the outbox");
    if (s == AS_OK && inserted)
        *inserted = sqlite3_changes(db->sql) == 1;
    if (s == AS_OK && deferred)
        *deferred = not_before > m->not_before;
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

static const char *const status_names[] = {NULL,   "pending",    "leased", "sent",
                                           "dead", "suppressed", "expired"};

const char *as_outbox_status_name(as_outbox_status status)
{
    return status >= AS_OUTBOX_PENDING && status <= AS_OUTBOX_EXPIRED ? status_names[status]
                                                                      : NULL;
}

static as_outbox_status status_of(const char *text)
{
    for (int k = AS_OUTBOX_PENDING; text && k <= AS_OUTBOX_EXPIRED; k++)
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
    " lease_until, attempts, last_error, sent_at, expires_at, reason, lease_token"

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
    v->expires_at = sqlite3_column_int64(s, 15);
    v->reason = T(16);
    v->lease_token = T(17);
    as_status st = outbox_payload(db, v->id, T(7), payload, &v->npayload);
    v->payload = *payload;
    return st;
#undef T
}

/* Copy the strings of v into one block, pointing v at the copies. */
static char *own_strings(as_outbox_item *v)
{
    const char **f[] = {&v->user_id, &v->kind, &v->dedupe_key, &v->title, &v->body,
                        &v->last_error, &v->reason, &v->lease_token};
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

/*
 * The pull.  In one write transaction: leases that ran out become pending
 * (their token still acknowledges them until another pull takes them);
 * then the due rows are walked in delivery order (priority, not_before,
 * id) in batches, and each is
 *  - expired, when its expiry has come;
 *  - suppressed with the reason, when its user was erased or withdrew the
 *    consent the kind needs (marketing for marketing kinds, service notices
 *    for the others), or when a later record made it untrue (a fill-up
 *    after a win-back or a refuel coupon, a service after a maintenance
 *    reminder, a survey no longer pending, an event registration that no
 *    longer holds a seat), or when the coupon a refuel notification
 *    announces was redeemed, voided or expired;
 *  - deferred to the end of its user's quiet hours, when now is in them;
 *  - else leased with a fresh token and copied into the iterator,
 * until limit rows are leased or none is due.
 */
static const char reclaim_sql[] =
    "UPDATE outbox SET status = 'pending' WHERE status = 'leased' AND lease_until <= ?1";
static const char cand_sql[] =
    "SELECT o.id, o.priority, o.expires_at, u.user_id IS NOT NULL, u.erased_at IS NOT NULL,"
    " u.consent_service, u.consent_marketing, u.quiet_start, u.quiet_end,"
    " CASE o.kind"
    "  WHEN 'winback' THEN EXISTS (SELECT 1 FROM fuelings f WHERE f.user_id = o.user_id"
    "   AND f.filled_at > o.basis_at AND f.filled_at <= ?1)"
    "  WHEN 'refuel_coupon' THEN EXISTS (SELECT 1 FROM fuelings f WHERE f.user_id = o.user_id"
    "   AND f.filled_at > o.basis_at AND f.filled_at <= ?1"
    "   AND (f.plate IS NULL OR json_extract(o.payload, '$.plate') IS NULL"
    "        OR f.plate = json_extract(o.payload, '$.plate')))"
    "  WHEN 'maintenance' THEN EXISTS (SELECT 1 FROM services s JOIN vehicles v"
    "   ON v.id = s.vehicle_id WHERE v.plate = json_extract(o.payload, '$.plate')"
    "   AND s.at > o.basis_at AND s.at <= ?1)"
    "  WHEN 'survey' THEN NOT EXISTS (SELECT 1 FROM surveys s"
    "   WHERE s.id = json_extract(o.payload, '$.survey') AND s.status = 'pending')"
    "  WHEN 'event' THEN NOT EXISTS (SELECT 1 FROM event_registrations r"
    "   WHERE r.event_id = json_extract(o.payload, '$.event') AND r.user_id = o.user_id"
    "   AND r.seated_at <= ?1 AND (r.cancelled_at IS NULL OR r.cancelled_at > ?1))"
    "  ELSE 0 END,"
    /* the coupon a refuel notification announces must still be good */
    " o.kind = 'refuel_coupon' AND json_extract(o.payload, '$.coupon_code') IS NOT NULL"
    "  AND NOT EXISTS (SELECT 1 FROM coupons c"
    "   WHERE c.code = json_extract(o.payload, '$.coupon_code') AND c.status = 'issued'"
    "   AND c.expires_at > ?1)"
    " FROM outbox o LEFT JOIN users u ON u.user_id = o.user_id"
    " WHERE o.status = 'pending' AND o.not_before <= ?1"
    " ORDER BY o.priority, o.not_before, o.id LIMIT ?2";
static const char settle_sql[] =
    "UPDATE outbox SET status = ?2, reason = ?3, lease_until = NULL, lease_token = NULL"
    " WHERE id = ?1";
static const char defer_sql[] = "UPDATE outbox SET not_before = ?2 WHERE id = ?1";
static const char lease_sql[] =
    "UPDATE outbox SET status = 'leased', lease_until = ?1 + ?3, attempts = attempts + 1,"
    " lease_token = ?4 WHERE id = ?2 RETURNING " OUTBOX_COLUMNS;

/* What the pull does with a due row. */
enum { DO_LEASE, DO_EXPIRE, DO_SUPPRESS, DO_DEFER };

typedef struct cand {
    int64_t id;
    int what;
    const char *reason;      /* static */
    int64_t when;            /* DO_DEFER: the new not_before */
} cand;

static void verdict(as_db *db, sqlite3_stmt *s, int64_t now, cand *c)
{
    c->id = sqlite3_column_int64(s, 0);
    c->what = DO_LEASE;
    c->reason = NULL;
    int prio = sqlite3_column_int(s, 1);
    int has_user = sqlite3_column_int(s, 3);
    if (sqlite3_column_type(s, 2) != SQLITE_NULL && sqlite3_column_int64(s, 2) <= now) {
        c->what = DO_EXPIRE;
        c->reason = "past its expiry";
    } else if (has_user && sqlite3_column_int(s, 4)) {
        c->what = DO_SUPPRESS;
        c->reason = "the user's data was erased";
    } else if (prio >= AS__PRIO_MARKETING && !(has_user && sqlite3_column_int(s, 6))) {
        c->what = DO_SUPPRESS;
        c->reason = "no marketing consent";
    } else if (prio < AS__PRIO_MARKETING && has_user && !sqlite3_column_int(s, 5)) {
        c->what = DO_SUPPRESS;
        c->reason = "no consent to service notices";
    } else if (sqlite3_column_int(s, 10)) {
        c->what = DO_SUPPRESS;
        c->reason = "no longer true: the coupon it announces was redeemed, voided or expired";
    } else if (sqlite3_column_int(s, 9)) {
        c->what = DO_SUPPRESS;
        c->reason = "no longer true: a later record (a fill-up, a service, the survey answered,"
                    " the event registration cancelled)";
    } else if (has_user && sqlite3_column_type(s, 7) != SQLITE_NULL) {
        int64_t next = as__quiet_next(now, as_db_utc_offset(db), sqlite3_column_int(s, 7),
                                      sqlite3_column_int(s, 8));
        if (next > now) {
            c->what = DO_DEFER;
            c->when = next;
        }
    }
}

/* A lease token: 16 hex digits of randomness. */
static void new_token(char out[17])
{
    unsigned char r[8];
    sqlite3_randomness(sizeof r, r);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* Lease one row into it (the caller's write transaction). */
static as_status lease_one(as_db *db, as_outbox_iter *it, size_t *cap, int64_t id, int64_t now,
                           int64_t lease_s)
{
    char token[17];
    new_token(token);
    sqlite3_stmt *s = as__stmt(db, lease_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, id);
    sqlite3_bind_int64(s, 3, lease_s);
    sqlite3_bind_text(s, 4, token, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        if (it->n == *cap) {
            size_t ncap = *cap ? *cap * 2 : 16;
            pulled *nr = realloc(it->rows, ncap * sizeof *nr);
            if (!nr) {
                sqlite3_reset(s);
                return as__fail(db, AS_NOMEM, "out of memory");
            }
            it->rows = nr;
            *cap = ncap;
        }
        pulled *r = &it->rows[it->n];
        memset(r, 0, sizeof *r);
        st = read_item(db, s, &r->item, &r->payload);
        if (st == AS_OK && !(r->strings = own_strings(&r->item)))
            st = as__fail(db, AS_NOMEM, "out of memory");
        it->n++;   /* even when failed: its blocks are freed with the iterator */
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "leasing a notification");
    return st;
}

static as_status lease_rows(as_db *db, as_outbox_iter *it, const as_outbox_pull_options *o)
{
    int64_t now = o->now ? o->now : as__now();
    sqlite3_stmt *s = as__stmt(db, reclaim_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, now);
    as_status st = as__step_done(db, s, "reclaiming ran-out leases");
    size_t cap = 0, ncand = 0, capc = 0;
    cand *c = NULL;
    while (st == AS_OK && (int64_t)it->n < o->limit) {
        int64_t want = o->limit - (int64_t)it->n;
        int64_t batch = want + 64;
        if (!(s = as__stmt(db, cand_sql))) {
            st = AS_INTERNAL;
            break;
        }
        sqlite3_bind_int64(s, 1, now);
        sqlite3_bind_int64(s, 2, batch);
        ncand = 0;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (ncand == capc) {
                size_t ncap = capc ? capc * 2 : 64;
                cand *nc = realloc(c, ncap * sizeof *nc);
                if (!nc) {
                    st = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                c = nc;
                capc = ncap;
            }
            verdict(db, s, now, &c[ncand++]);
        }
        sqlite3_reset(s);
        if (st == AS_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            st = as__sqlfail(db, rc, "pulling from the outbox");
        for (size_t i = 0; st == AS_OK && i < ncand && (int64_t)it->n < o->limit; i++) {
            if (c[i].what == DO_LEASE) {
                st = lease_one(db, it, &cap, c[i].id, now, o->lease_s);
                continue;
            }
            int defer = c[i].what == DO_DEFER;
            if (!(s = as__stmt(db, defer ? defer_sql : settle_sql))) {
                st = AS_INTERNAL;
                break;
            }
            sqlite3_bind_int64(s, 1, c[i].id);
            if (defer) {
                sqlite3_bind_int64(s, 2, c[i].when);
            } else {
                sqlite3_bind_text(s, 2, c[i].what == DO_EXPIRE ? "expired" : "suppressed", -1,
                                  SQLITE_STATIC);
                sqlite3_bind_text(s, 3, c[i].reason, -1, SQLITE_STATIC);
            }
            st = as__step_done(db, s, "applying the delivery rules");
        }
        if ((int64_t)ncand < batch)
            break;   /* nothing more is due */
    }
    free(c);
    return st;
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
    *out = it;
    as__ok(db);
    return AS_OK;
}

/* The row's status and lease token ("" when none), or AS_NOTFOUND. */
static as_status row_state(as_db *db, int64_t id, char *status, size_t n, char *token,
                           size_t tn)
{
    static const char sql[] = "SELECT status, lease_token FROM outbox WHERE id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        as__column_copy(s, 0, status, n);
        as__column_copy(s, 1, token, tn);
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no notification %lld in the outbox", (long long)id);
    } else {
        st = as__sqlfail(db, rc, "reading the outbox");
    }
    sqlite3_reset(s);
    return st;
}

/* May the holder of token settle notification id?  *sent: it already
 * was (acknowledged with this token). */
static as_status check_lease(as_db *db, const as_outbox_lease *l, int *sent)
{
    char status[16], token[40];
    *sent = 0;
    if (!l->token || !l->token[0])
        return as__fail(db, AS_MISUSE, "notification %lld: no lease token", (long long)l->id);
    as_status st = row_state(db, l->id, status, sizeof status, token, sizeof token);
    if (st != AS_OK)
        return st;
    if (!token[0])
        return as__fail(db, AS_INVALID, "notification %lld is %s, not leased: pull it first",
                        (long long)l->id, status);
    if (strcmp(token, l->token) != 0)
        return as__fail(db, AS_INVALID,
                        "notification %lld: lease token %s is stale (the lease ran out and"
                        " another pull holds it now)", (long long)l->id, l->token);
    if (strcmp(status, "sent") == 0) {
        *sent = 1;
        return AS_OK;
    }
    /* pending with its token: the lease ran out, but nobody took it since */
    if (strcmp(status, "leased") != 0 && strcmp(status, "pending") != 0)
        return as__fail(db, AS_INVALID, "notification %lld is %s, not leased",
                        (long long)l->id, status);
    return AS_OK;
}

as_status as_outbox_ack(as_db *db, const as_outbox_lease *leases, size_t n, int64_t now)
{
    if (!db)
        return AS_MISUSE;
    if (!leases || !n)
        return as__fail(db, AS_MISUSE, "as_outbox_ack: no lease given");
    if (!now)
        now = as__now();
    static const char sql[] =
        "UPDATE outbox SET status = 'sent', sent_at = ?2, lease_until = NULL WHERE id = ?1";
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    for (size_t i = 0; st == AS_OK && i < n; i++) {
        int sent = 0;
        st = check_lease(db, &leases[i], &sent);
        if (st != AS_OK || sent)
            continue;
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s) {
            st = AS_INTERNAL;
            break;
        }
        sqlite3_bind_int64(s, 1, leases[i].id);
        sqlite3_bind_int64(s, 2, now);
        st = as__step_done(db, s, "acknowledging a notification");
    }
    return as__write_end(db, st);
}

as_status as_outbox_fail(as_db *db, const as_outbox_lease *lease, int64_t now,
                         int64_t retry_in_s, const char *error)
{
    if (!db)
        return AS_MISUSE;
    if (!lease)
        return as__fail(db, AS_MISUSE, "as_outbox_fail: no lease given");
    if (retry_in_s < 0)
        return as__fail(db, AS_MISUSE, "as_outbox_fail: retry_in must not be negative");
    if (!now)
        now = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    int sent = 0;
    st = check_lease(db, lease, &sent);
    if (st == AS_OK && sent)
        st = as__fail(db, AS_INVALID, "notification %lld was acknowledged as sent",
                      (long long)lease->id);
    if (st == AS_OK) {
        static const char sql[] =
            "UPDATE outbox SET status = CASE WHEN attempts >= ?4 THEN 'dead' ELSE 'pending' END,"
            " reason = CASE WHEN attempts >= ?4 THEN 'failed too often' END,"
            " not_before = ?2 + ?3, lease_until = NULL, lease_token = NULL, last_error = ?5"
            " WHERE id = ?1";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(s, 1, lease->id);
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
