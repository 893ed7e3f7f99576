/* feedback_escalate.c - the escalations of urgent feedback: what is
 * pending and why (as_feedback_escalation_iter_new), and opening the
 * tickets of escalations recorded before every urgent feedback opened one
 * (as_feedback_escalate). */
#include "feedback.h"
#include "json.h"
#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One escalation, its strings and reasons owned. */
typedef struct esc_row {
    as_feedback_escalation view;
    char *feedback_id, *user_id, *ticket, *status, *why;
    as_feedback_reason *reasons;
    char **strs;             /* the reasons' strings */
    size_t nstrs;
} esc_row;

struct as_feedback_escalation_iter {
    as_db *db;
    sqlite3_stmt *st;
    esc_row row;
};

static void row_clear(esc_row *r)
{
    free(r->feedback_id);
    free(r->user_id);
    free(r->ticket);
    free(r->status);
    free(r->why);
    free(r->reasons);
    for (size_t i = 0; i < r->nstrs; i++)
        free(r->strs[i]);
    free(r->strs);
    memset(r, 0, sizeof *r);
}

/* Escalations first pending, then most urgent, then oldest.  A legacy
 * escalation's ref names no ticket. */
static const char SQL_LIST[] =
    "SELECT e.feedback_id, e.user_id, e.level, e.reasons, t.tracking, t.status, t.customer,"
    " e.created_at,"
    " (t.id IS NULL OR t.customer <> 'known') AS pending"
    " FROM feedback_escalations e LEFT JOIN tickets t ON t.tracking = e.ref"
    " WHERE (?1 = 0 OR t.id IS NULL OR t.customer <> 'known')"
    " ORDER BY pending DESC, e.level DESC, e.created_at, e.feedback_id LIMIT ?2";

as_status as_feedback_escalation_iter_new(as_feedback_escalation_iter **out, as_db *db,
                                          const as_feedback_escalation_query *query)
{
    static const as_feedback_escalation_query all = AS_FEEDBACK_ESCALATION_QUERY_INIT;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_feedback_escalation_iter_new: NULL argument")
                  : AS_MISUSE;
    *out = NULL;
    if (!query)
        query = &all;
    if (query->version != AS_FEEDBACK_ESCALATION_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "unknown as_feedback_escalation_query version");
    as_feedback_escalation_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    int rc = sqlite3_prepare_v2(db->sql, SQL_LIST, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing escalations");
    }
    sqlite3_bind_int(it->st, 1, query->pending != 0);
    sqlite3_bind_int64(it->st, 2, query->limit > 0 ? query->limit : -1);
    *out = it;
    as__ok(db);
    return AS_OK;
}

static char *keep(esc_row *r, const char *s, int *bad)
{
    if (!s)
        return NULL;
    char *c = as__strdup(s);
    char **p = c ? realloc(r->strs, (r->nstrs + 1) * sizeof *p) : NULL;
    if (!p) {
        free(c);
        *bad = 1;
        return NULL;
    }
    r->strs = p;
    r->strs[r->nstrs++] = c;
    return c;
}

/* The stored reasons (a JSON array of {rule, reason, match}). */
static as_status read_reasons(as_db *db, esc_row *r, const char *text)
{
    as__json *j = NULL;
    char why[128];
    as_status s = as__json_parse(text ? text : "[]", text ? strlen(text) : 2, &j, why, sizeof why);
    if (s == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (s != AS_OK || j->type != AS__J_ARRAY) {
        as__json_free(j);
        return as__fail(db, AS_INTERNAL, "escalation of '%s': the stored reasons cannot be read",
                        r->feedback_id);
    }
    int bad = 0;
    r->reasons = calloc(j->n ? j->n : 1, sizeof *r->reasons);
    if (!r->reasons)
        bad = 1;
    for (size_t i = 0; !bad && i < j->n; i++) {
        const as__json *o = &j->items[i];
        const as__json *rule = as__json_get(o, "rule"), *reason = as__json_get(o, "reason"),
                       *match = as__json_get(o, "match");
        if (o->type != AS__J_OBJECT || !rule || rule->type != AS__J_STRING || !reason ||
            reason->type != AS__J_STRING) {
            as__json_free(j);
            return as__fail(db, AS_INTERNAL, "escalation of '%s': a stored reason lacks its rule",
                            r->feedback_id);
        }
        r->reasons[i].rule = keep(r, rule->str, &bad);
        r->reasons[i].reason = keep(r, reason->str, &bad);
        r->reasons[i].match = match && match->type == AS__J_STRING ? keep(r, match->str, &bad)
                                                                   : NULL;
    }
    size_t n = j->n;
    as__json_free(j);
    if (bad)
        return as__fail(db, AS_NOMEM, "out of memory");
    r->view.reasons = r->reasons;
    r->view.nreasons = n;
    return AS_OK;
}

as_status as_feedback_escalation_next(as_feedback_escalation_iter *it,
                                      const as_feedback_escalation **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing escalations");
    sqlite3_stmt *st = it->st;
    esc_row *r = &it->row;
    row_clear(r);
    int bad = 0;
    r->feedback_id = as__strdup_opt(as__column_text(st, 0), &bad);
    r->user_id = as__strdup_opt(as__column_text(st, 1), &bad);
    r->ticket = as__strdup_opt(as__column_text(st, 4), &bad);
    r->status = as__strdup_opt(as__column_text(st, 5), &bad);
    if (bad)
        return as__fail(it->db, AS_NOMEM, "out of memory");
    as_feedback_escalation *v = &r->view;
    v->feedback_id = r->feedback_id;
    v->user_id = r->user_id && r->user_id[0] ? r->user_id : NULL;
    v->urgency = sqlite3_column_int(st, 2);
    v->urgency_name = as__urgency_name(v->urgency);
    v->ticket = r->ticket;
    v->ticket_status = r->status;
    const char *cu = as__column_text(st, 6);
    v->customer = NULL;
    for (int i = 0; cu && i < 3; i++)
        if (strcmp(cu, as__customer_names[i]) == 0)
            v->customer = as__customer_names[i];
    v->created_at = sqlite3_column_int64(st, 7);
    v->pending = sqlite3_column_int(st, 8) != 0;
    if (!r->ticket)
        r->why = as__strdup("no ticket yet: escalated before every urgent feedback opened one"
                            " (feedback escalate opens it)");
    else if (v->customer == as__customer_names[AS__CUSTOMER_UNKNOWN])
        r->why = as__printf("user '%s' is not in the users table yet: the ticket has no contact"
                            " and no second factor for tracking until the user is imported",
                            r->user_id ? r->user_id : "");
    else if (v->customer == as__customer_names[AS__CUSTOMER_ANONYMOUS])
        r->why = as__strdup("anonymous feedback: no contact to reach and no second factor for"
                            " tracking; a re-import with its user_id links the ticket");
    if (v->pending && !r->why)
        return as__fail(it->db, AS_NOMEM, "out of memory");
    v->why = r->why;
    as_status s = read_reasons(it->db, r, as__column_text(st, 3));
    if (s != AS_OK)
        return s;
    *view = v;
    return AS_OK;
}

void as_feedback_escalation_iter_free(as_feedback_escalation_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    row_clear(&it->row);
    free(it);
}

/* ---- legacy escalations -------------------------------------------- */

as_status as_feedback_escalate(as_db *db, int64_t *opened)
{
    if (!db)
        return AS_MISUSE;
    if (opened)
        *opened = 0;
    static const char sql[] =
        "SELECT f.feedback_id, f.user_id, e.level, e.reasons, f.channel, f.comment, f.station_id"
        " FROM feedback_escalations e JOIN feedback f ON f.feedback_id = e.feedback_id"
        " WHERE e.ref LIKE 'FB-%' AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.tracking = e.ref)"
        " ORDER BY e.id";
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    /* Collect first: opening tickets uses the statement cache. */
    typedef struct pend {
        char *id, *user, *reasons, *channel, *comment, *station;
        int level;
    } pend;
    pend *p = NULL;
    size_t n = 0;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return as__write_end(db, as__sqlfail(db, rc, "reading escalations"));
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        pend *np = realloc(p, (n + 1) * sizeof *np);
        if (!np) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        p = np;
        int bad = 0;
        p[n].id = as__strdup_opt(as__column_text(q, 0), &bad);
        p[n].user = as__strdup_opt(as__column_text(q, 1), &bad);
        p[n].level = sqlite3_column_int(q, 2);
        p[n].reasons = as__strdup_opt(as__column_text(q, 3), &bad);
        p[n].channel = as__strdup_opt(as__column_text(q, 4), &bad);
        p[n].comment = as__strdup_opt(as__column_text(q, 5), &bad);
        p[n].station = as__strdup_opt(as__column_text(q, 6), &bad);
        n++;
        if (bad) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "reading escalations");
    sqlite3_finalize(q);
    int64_t done = 0;
    for (size_t i = 0; s == AS_OK && i < n; i++) {
        char ref[80];
        int made = 0;
        s = as__feedback_open_ticket(db, p[i].id, p[i].user, p[i].level, p[i].reasons,
                                     p[i].channel, p[i].station, p[i].comment, ref, sizeof ref,
                                     &made);
        done += made;
    }
    for (size_t i = 0; i < n; i++) {
        free(p[i].id);
        free(p[i].user);
        free(p[i].reasons);
        free(p[i].channel);
        free(p[i].comment);
        free(p[i].station);
    }
    free(p);
    s = as__write_end(db, s);
    if (s == AS_OK && opened)
        *opened = done;
    return s;
}
