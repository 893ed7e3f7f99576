/* ticket_sla.c - SLA clocks in business time (run, pause, resume, stop
 * as a ticket changes status) and the escalation sweep. */
#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL AS__TICKET_NIL

/* ---- SLA clocks ---------------------------------------------------- */

as_status as__ticket_calendar_of(as_db *db, const char *name, const as__calendar **out)
{
    *out = NULL;
    if (!name)
        return AS_OK;
    *out = as__calendar_find(db, name);
    if (!*out)
        return as__fail(db, AS_CONFIG, "sla: unknown calendar '%s'", name);
    return AS_OK;
}

/* Business seconds left on clock k at t (negative: overdue), or NIL when
 * the clock neither runs nor is paused. */
static int64_t remaining(const as__calendar *cal, const as__trow *r, int k, int64_t t)
{
    if (r->due[k] != NIL)
        return r->due[k] >= t ? as__calendar_business_seconds(cal, t, r->due[k])
                              : -as__calendar_business_seconds(cal, r->due[k], t);
    return r->left[k];
}

static int risk_pct(as_db *db)
{
    const as__ticket_cfg *c = as__ticket_cfg_of(db);
    return c && c->at_risk_pct > 0 ? c->at_risk_pct : 80;
}

/* Run clock k from t with left business seconds to go. */
void as__ticket_clock_run(as_db *db, const as__calendar *cal, as__trow *r, int k, int64_t t,
                          int64_t left)
{
    int64_t margin = r->target[k] * (100 - risk_pct(db)) / 100;
    r->due[k] = left > 0 ? as__calendar_add(cal, t, left) : t + left;
    int64_t wl = left - margin;
    r->warn[k] = wl > 0 ? as__calendar_add(cal, t, wl) : (r->due[k] < t ? r->due[k] : t);
    r->left[k] = NIL;
}

static void clock_pause(const as__calendar *cal, as__trow *r, int k, int64_t t)
{
    if (r->due[k] == NIL)
        return;
    r->left[k] = remaining(cal, r, k, t);
    r->due[k] = r->warn[k] = NIL;
}

static void clock_resume(as_db *db, const as__calendar *cal, as__trow *r, int k, int64_t t)
{
    if (r->due[k] == NIL && r->left[k] != NIL)
        as__ticket_clock_run(db, cal, r, k, t, r->left[k]);
}

/* Stop clock k; record met/used when it was running or paused. */
void as__ticket_clock_stop(const as__calendar *cal, as__trow *r, int k, int64_t t, int record)
{
    int64_t rem = remaining(cal, r, k, t);
    if (record && rem != NIL) {
        r->met[k] = rem >= 0;
        r->used[k] = r->target[k] - rem;
    }
    r->due[k] = r->warn[k] = r->left[k] = NIL;
}

/* Derive sla_watch (the earliest at-risk instant) from the running clocks. */
void as__ticket_sla_derive(as__trow *r)
{
    r->sla_watch = NIL;
    for (int k = 0; k < 2; k++)
        if (r->due[k] != NIL && (r->sla_watch == NIL || r->warn[k] < r->sla_watch))
            r->sla_watch = r->warn[k];
}

/* Apply the clock effects of entering status `to` at t. */
as_status as__ticket_enter_status(as_db *db, as__trow *r, int to, int64_t t)
{
    const as__calendar *cal;
    as_status s = as__ticket_calendar_of(db, r->calendar, &cal);
    if (s != AS_OK)
        return s;
    int from = r->status;
    switch (to) {
    case AS_TICKET_WAITING_CUSTOMER:
        clock_pause(cal, r, 0, t);
        clock_pause(cal, r, 1, t);
        break;
    case AS_TICKET_RESOLVED:
        if (r->met[0] == NIL)
            as__ticket_clock_stop(cal, r, 0, t, 1);
        clock_pause(cal, r, 1, t);
        if (r->left[1] != NIL) {
            r->met[1] = r->left[1] >= 0;
            r->used[1] = r->target[1] - r->left[1];
        }
        r->resolved_at = t;
        r->resolutions++;
        break;
    case AS_TICKET_CLOSED:
    case AS_TICKET_MERGED:
    case AS_TICKET_CANCELLED:
        as__ticket_clock_stop(cal, r, 0, t, 0);
        as__ticket_clock_stop(cal, r, 1, t, 0);
        if (to == AS_TICKET_CLOSED)
            r->closed_at = t;
        break;
    default:   /* new, assigned, in_progress: clocks run */
        if (from == AS_TICKET_WAITING_CUSTOMER || from == AS_TICKET_RESOLVED) {
            if (r->met[0] == NIL)
                clock_resume(db, cal, r, 0, t);
            clock_resume(db, cal, r, 1, t);
        }
        if (from == AS_TICKET_RESOLVED) {
            r->met[1] = r->used[1] = NIL;
            r->resolved_at = NIL;
        }
        break;
    }
    r->status = to;
    as__ticket_sla_derive(r);
    return AS_OK;
}

as_status as__ticket_rederive(as_db *db, int64_t id)
{
    as__trow r;
    as_status s = as__ticket_load_id(db, id, &r);
    if (s != AS_OK)
        return s;
    as__ticket_sla_derive(&r);
    static const char sql[] = "UPDATE tickets SET sla_watch = ?2 WHERE id = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st) {
        s = AS_INTERNAL;
    } else {
        sqlite3_bind_int64(st, 1, id);
        as__bind_int64_or_null(st, 2, r.sla_watch, NIL);
        s = as__step_done(db, st, "updating a ticket");
    }
    as__trow_free(&r);
    return s;
}

/* ---- the escalation sweep ------------------------------------------ */

/* The one row of integers sql returns (NULL as 0), ?1 (if any) bound to bind. */
static as_status one_row(as_db *db, const char *sql, int64_t bind, int64_t *out, int n,
                         const char *what)
{
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, bind);
    int rc = sqlite3_step(st);
    for (int i = 0; i < n; i++)
        out[i] = rc == SQLITE_ROW ? sqlite3_column_int64(st, i) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, what);
    return AS_OK;
}

as_status as_sla_sweep(as_db *db, int64_t at, as_sla_sweep_result *result)
{
    if (result)
        memset(result, 0, sizeof *result);
    if (!db)
        return AS_MISUSE;
    int64_t t = at ? at : as__now();
    /* Set-based, bounded by what it writes: one pass over the covering
     * index tickets_watch (every running clock at risk by t) inserts the
     * escalations not yet recorded (the UNIQUE key makes a repeat a no-op),
     * then one statement writes their history events in the same order.
     * A ticket whose history already goes past t (a sweep run for an
     * earlier time) is listed, not recorded: its events stay in time
     * order.  A sweep never writes a ticket row.  New escalations have
     * the ids after the largest before the sweep (INTEGER PRIMARY KEY). */
    static const char before_sql[] = "SELECT coalesce(max(id), 0) FROM ticket_escalations";
    static const char esc_sql[] =
        "WITH c (n, clock, kind) AS (VALUES (0, 'first_response', 'at_risk'),"
        " (1, 'first_response', 'breached'), (2, 'resolution', 'at_risk'),"
        " (3, 'resolution', 'breached'))"
        " INSERT INTO ticket_escalations (ticket_id, user_id, clock, kind, due_at, at)"
        " SELECT t.id, t.user_id, c.clock, c.kind,"
        "  CASE WHEN c.n < 2 THEN t.frt_due ELSE t.res_due END, ?1"
        " FROM tickets t CROSS JOIN c"
        " WHERE t.sla_watch <= ?1"
        "  AND CASE c.n"
        "   WHEN 0 THEN t.frt_due IS NOT NULL AND (t.frt_warn IS NULL OR t.frt_warn <= ?1)"
        "   WHEN 1 THEN t.frt_due <= ?1"
        "   WHEN 2 THEN t.res_due IS NOT NULL AND (t.res_warn IS NULL OR t.res_warn <= ?1)"
        "   ELSE t.res_due <= ?1 END"
        "  AND coalesce((SELECT e.at FROM ticket_events e WHERE e.ticket_id = t.id"
        "   ORDER BY e.id DESC LIMIT 1), ?1) <= ?1"
        " ORDER BY t.sla_watch, t.id, c.n"
        " ON CONFLICT (ticket_id, clock, kind) DO NOTHING";
    static const char ev_sql[] =
        "INSERT INTO ticket_events (ticket_id, user_id, at, actor, kind, public, body)"
        " SELECT ticket_id, user_id, at, 'system', 'escalation', 0,"
        "  clock || CASE kind WHEN 'at_risk' THEN ' at risk' ELSE ' breached' END"
        " FROM ticket_escalations WHERE id > ?1 ORDER BY id";
    static const char range_sql[] =
        "SELECT count(*), min(id), max(id) FROM ticket_escalations WHERE id > ?1";
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    int64_t before = 0, range[3] = {0, 0, 0};
    s = one_row(db, before_sql, 1, &before, 1, "sweeping SLA clocks");
    sqlite3_stmt *st = NULL;
    if (s == AS_OK && !(st = as__stmt(db, esc_sql)))
        s = AS_INTERNAL;
    if (s == AS_OK) {
        sqlite3_bind_int64(st, 1, t);
        s = as__step_done(db, st, "recording escalations");
    }
    if (s == AS_OK && !(st = as__stmt(db, ev_sql)))
        s = AS_INTERNAL;
    if (s == AS_OK) {
        sqlite3_bind_int64(st, 1, before);
        s = as__step_done(db, st, "recording escalations in the tickets' histories");
    }
    if (s == AS_OK)
        s = one_row(db, range_sql, before, range, 3, "sweeping SLA clocks");
    if ((s = as__write_end(db, s)) != AS_OK)
        return s;
    if (result) {
        result->recorded = range[0];
        result->first_id = range[0] ? range[1] : 0;
        result->last_id = range[0] ? range[2] : 0;
    }
    as__ok(db);
    return AS_OK;
}
