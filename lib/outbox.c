/* outbox.c - the notification outbox (enqueue side; the integrator's
 * side follows). */
#include "outbox.h"

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
