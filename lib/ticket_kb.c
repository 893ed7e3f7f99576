/* ticket_kb.c - tickets and the knowledge base: suggestions for a ticket,
 * and resolving a ticket with the article that solved it. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

as_status as_ticket_suggest_iter_new(as_kb_iter **out, as_db *db, const char *tracking,
                                     int64_t limit)
{
    if (!out || !db || !tracking)
        return db ? as__fail(db, AS_MISUSE, "as_ticket_suggest_iter_new: NULL argument")
                  : AS_MISUSE;
    *out = NULL;
    as_ticket *t = NULL;
    as_status st = as_ticket_get(&t, db, tracking);
    if (st != AS_OK)
        return st;
    char *text = as__printf("%s\n%s", t->subject ? t->subject : "", t->body ? t->body : "");
    as_kb_query q = AS_KB_QUERY_INIT;
    q.category = t->category;
    q.limit = limit > 0 ? limit : 0;
    st = text ? as_kb_suggest_iter_new(out, db, text, &q)
              : as__fail(db, AS_NOMEM, "out of memory");
    free(text);
    as_ticket_free(t);
    return st;
}

as_status as_ticket_resolve_kb(as_db *db, const char *tracking, int64_t article_id,
                               const as_ticket_action *act)
{
    static const as_ticket_action defaults = AS_TICKET_ACTION_INIT;
    if (!db || !tracking)
        return db ? as__fail(db, AS_MISUSE, "as_ticket_resolve_kb: NULL argument") : AS_MISUSE;
    if (!act)
        act = &defaults;
    if (act->version != AS_TICKET_ACTION_VERSION)
        return as__fail(db, AS_MISUSE, "unknown as_ticket_action version");
    /* One time for the resolution and the article's count. */
    as_ticket_action when = *act;
    if (!when.at)
        when.at = as__now();
    act = &when;
    as_kb_article *a = NULL;
    as_status st = as_kb_get(&a, db, article_id);
    as_kb_article_free(a);
    if (st != AS_OK)
        return st;
    if ((st = as__write_begin(db)) != AS_OK)
        return st;
    st = as_ticket_resolve(db, tracking, act);
    as_ticket *t = NULL;
    if (st == AS_OK)
        st = as_ticket_get(&t, db, tracking);
    if (st == AS_OK) {
        static const char sql[] = "UPDATE tickets SET kb_article_id = ?1 WHERE tracking = ?2";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(s, 1, article_id);
            sqlite3_bind_text(s, 2, t->tracking, -1, SQLITE_STATIC);
            st = as__step_done(db, s, "recording the article");
        }
    }
    if (st == AS_OK)
        st = as_kb_record_resolution(db, article_id, t->tracking, t->user_id, act->at);
    as_ticket_free(t);
    return as__write_end(db, st);
}
