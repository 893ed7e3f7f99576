/* report_tickets.c - the ticket reports of the service report (issue 17):
 * the distributions of first-response and resolution times (report
 * times), and ticket counts by category, channel or station (report
 * tickets).  Each report is one SQL statement, so one read snapshot. */
#include "ticket.h"

#include <stdlib.h>
#include <string.h>

/* ---- report times ---------------------------------------------------- */

static const int64_t bucket_lo[AS_REPORT_TIMES_BUCKETS] = {0, 15, 30, 60, 120, 240, 480, 1440};

void as_report_times_free(as_report_times *report)
{
    if (!report)
        return;
    free((char *)report->station_id);
    free(report);
}

as_status as_report_times_get(as_report_times **out, as_db *db, const as_period_query *q)
{
    static const char sql[] =
        "SELECT frt_met, frt_used, res_met, res_used FROM tickets WHERE " AS__SLA_TICKETS_WHERE;
    static const char *const names[2] = {"first_response", "resolution"};
    if (out)
        *out = NULL;
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_report_times_get: NULL argument") : AS_MISUSE;
    as_status s = as__period_check(db, q, "as_report_times_get", 1);
    if (s != AS_OK)
        return s;
    as_report_times *r = calloc(1, sizeof *r);
    if (!r || (q->station_id && !(r->station_id = as__strdup(q->station_id)))) {
        free(r);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    r->from = q->from;
    r->to = q->to;
    for (int k = 0; k < 2; k++) {
        as_report_times_clock *c = &r->clocks[k];
        c->clock = names[k];
        for (int b = 0; b < AS_REPORT_TIMES_BUCKETS; b++) {
            c->buckets[b].lo_min = bucket_lo[b];
            c->buckets[b].hi_min = b + 1 < AS_REPORT_TIMES_BUCKETS ? bucket_lo[b + 1] : -1;
        }
    }
    int64_t *secs[2] = {NULL, NULL};
    size_t cap[2] = {0, 0};
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        as_report_times_free(r);
        return as__sqlfail(db, rc, "reporting ticket times");
    }
    sqlite3_bind_int64(st, 1, q->from);
    sqlite3_bind_int64(st, 2, q->to);
    as__bind_text_or_null(st, 3, q->station_id);
    while (s == AS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int k = 0; k < 2; k++) {
            if (sqlite3_column_type(st, 2 * k) == SQLITE_NULL)
                continue;   /* the clock has not stopped */
            as_report_times_clock *c = &r->clocks[k];
            if ((size_t)c->n == cap[k]) {
                size_t ncap = cap[k] ? cap[k] * 2 : 64;
                int64_t *p = realloc(secs[k], ncap * sizeof *p);
                if (!p) {
                    s = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                secs[k] = p;
                cap[k] = ncap;
            }
            int64_t used = sqlite3_column_int64(st, 2 * k + 1);
            secs[k][c->n++] = used;
            c->met += sqlite3_column_int(st, 2 * k) != 0;
            int64_t min = as__ticket_minutes(used);
            int b = AS_REPORT_TIMES_BUCKETS - 1;
            while (b > 0 && min < bucket_lo[b])
                b--;
            c->buckets[b].tickets++;
        }
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "reporting ticket times");
    sqlite3_finalize(st);
    for (int k = 0; k < 2; k++) {
        as_report_times_clock *c = &r->clocks[k];
        c->met_pct = as__pct1(c->met, c->n);
        c->median_min = as__ticket_rank_minutes(secs[k], (size_t)c->n, 50);
        c->p90_min = as__ticket_rank_minutes(secs[k], (size_t)c->n, 90);
        free(secs[k]);
    }
    if (s != AS_OK) {
        as_report_times_free(r);
        return s;
    }
    *out = r;
    as__ok(db);
    return AS_OK;
}

/* ---- report tickets -------------------------------------------------- */

void as_report_tickets_free(as_report_tickets *report)
{
    if (!report)
        return;
    for (size_t i = 0; i < report->nlines; i++)
        free((char *)report->lines[i].group);
    free(report->lines);
    free((char *)report->station_id);
    free(report);
}

as_status as_report_tickets_get(as_report_tickets **out, as_db *db, const as_period_query *q,
                                as_ticket_report_by by)
{
    /* Each ticket's status as the world stood just before ?2: the to_status
     * of its last status event before ?2 (events are appended in time
     * order).  A ticket with no such event in its history (an old import)
     * falls back to what the row says: cancelled by its last update before
     * ?2, resolved by a resolved_at before ?2.  Resolved counts resolved and
     * closed; the rest of the period's tickets are open. */
#define TICKETS_SQL(group)                                                                      \
    "SELECT g, count(*), sum(st = 'cancelled'), sum(st IN ('resolved', 'closed')),"             \
    " sum(severity <> 'normal') FROM ("                                                         \
    " SELECT " group " AS g, t.severity, coalesce("                                             \
    "  (SELECT e.to_status FROM ticket_events e WHERE e.ticket_id = t.id"                       \
    "    AND e.to_status IS NOT NULL AND e.at < ?2 ORDER BY e.at DESC, e.id DESC LIMIT 1),"      \
    "  CASE WHEN t.status = 'cancelled' AND t.updated_at < ?2 THEN 'cancelled'"                 \
    "   WHEN t.resolved_at IS NOT NULL AND t.resolved_at < ?2 THEN 'resolved' END) AS st"       \
    " FROM tickets t WHERE t.created_at >= ?1 AND t.created_at < ?2 AND t.status <> 'merged'"   \
    "  AND (?3 IS NULL OR t.station_id = ?3))"                                                  \
    " GROUP BY g ORDER BY count(*) DESC, g IS NULL, g"
    static const char *const sql[3] = {TICKETS_SQL("t.category"), TICKETS_SQL("t.channel"),
                                       TICKETS_SQL("t.station_id")};
#undef TICKETS_SQL
    if (out)
        *out = NULL;
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_report_tickets_get: NULL argument") : AS_MISUSE;
    as_status s = as__period_check(db, q, "as_report_tickets_get", 1);
    if (s != AS_OK)
        return s;
    if (by < AS_TICKET_REPORT_BY_CATEGORY || by > AS_TICKET_REPORT_BY_STATION)
        return as__fail(db, AS_INVALID, "by: %d is not category, channel or station", (int)by);
    as_report_tickets *r = calloc(1, sizeof *r);
    if (!r || (q->station_id && !(r->station_id = as__strdup(q->station_id)))) {
        free(r);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    r->from = q->from;
    r->to = q->to;
    r->by = by;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql[by - AS_TICKET_REPORT_BY_CATEGORY], -1, &st, NULL);
    if (rc != SQLITE_OK) {
        as_report_tickets_free(r);
        return as__sqlfail(db, rc, "reporting tickets");
    }
    sqlite3_bind_int64(st, 1, q->from);
    sqlite3_bind_int64(st, 2, q->to);
    as__bind_text_or_null(st, 3, q->station_id);
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->nlines == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            as_report_ticket_line *p = realloc(r->lines, ncap * sizeof *p);
            if (!p) {
                s = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            r->lines = p;
            cap = ncap;
        }
        as_report_ticket_line *l = &r->lines[r->nlines];
        memset(l, 0, sizeof *l);
        int bad = 0;
        l->group = as__strdup_opt(as__column_text(st, 0), &bad);
        if (bad) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        r->nlines++;
        l->tickets = sqlite3_column_int64(st, 1);
        l->cancelled = sqlite3_column_int64(st, 2);
        l->resolved = sqlite3_column_int64(st, 3);
        l->urgent = sqlite3_column_int64(st, 4);
        l->open = l->tickets - l->resolved - l->cancelled;
        r->total.tickets += l->tickets;
        r->total.resolved += l->resolved;
        r->total.cancelled += l->cancelled;
        r->total.open += l->open;
        r->total.urgent += l->urgent;
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "reporting tickets");
    sqlite3_finalize(st);
    if (s != AS_OK) {
        as_report_tickets_free(r);
        return s;
    }
    *out = r;
    as__ok(db);
    return AS_OK;
}
