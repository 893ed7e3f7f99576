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

as_status as_sla_sweep(as_db *db, int64_t at, as_sla_sweep_result *result)
{
    if (result)
        memset(result, 0, sizeof *result);
    if (!db)
        return AS_MISUSE;
    int64_t t = at ? at : as__now();
    /* One pass over the covering index tickets_watch: every running clock
     * at risk by t.  Escalations not yet recorded are inserted (the UNIQUE
     * key makes a repeat a no-op), so a sweep never writes a ticket row. */
    static const char sql[] =
        "SELECT id, user_id, frt_due, frt_warn, res_due, res_warn FROM tickets"
        " WHERE sla_watch <= ?1 ORDER BY sla_watch, id";
    static const char esc[] =
        "INSERT INTO ticket_escalations (ticket_id, user_id, clock, kind, due_at, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (ticket_id, clock, kind) DO NOTHING";
    static const char ev[] =
        "INSERT INTO ticket_events (ticket_id, user_id, at, actor, kind, public, body)"
        " VALUES (?1, ?2, ?3, 'system', 'escalation', 0, ?4)";
    static const char unesc[] = "DELETE FROM ticket_escalations WHERE id = ?1";
    static const char *const clocks[2] = {"first_response", "resolution"};
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return as__write_end(db, as__sqlfail(db, rc, "sweeping SLA clocks"));
    sqlite3_bind_int64(q, 1, t);
    as_sla_sweep_result r = {0};
    while (s == AS_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        const char *user = as__column_text(q, 1);
        for (int c = 0; c < 2 && s == AS_OK; c++) {
            int64_t due = as__column_int64_or(q, 2 + 2 * c, NIL);
            int64_t warn = as__column_int64_or(q, 3 + 2 * c, NIL);
            if (due == NIL)
                continue;
            for (int kind = 0; kind < 2 && s == AS_OK; kind++) {
                if ((kind ? due : warn) > t)
                    continue;
                sqlite3_stmt *st = as__stmt(db, esc);
                if (!st) {
                    s = AS_INTERNAL;
                    break;
                }
                sqlite3_bind_int64(st, 1, id);
                as__bind_text_or_null(st, 2, user);
                as__bind_text_or_null(st, 3, clocks[c]);
                as__bind_text_or_null(st, 4, kind ? "breached" : "at_risk");
                sqlite3_bind_int64(st, 5, due);
                sqlite3_bind_int64(st, 6, t);
                if ((s = as__step_done(db, st, "recording an escalation")) != AS_OK)
                    break;
                if (sqlite3_changes(db->sql) == 0)
                    continue;
                int64_t eid = sqlite3_last_insert_rowid(db->sql);
                /* A ticket whose history already goes past t (a sweep run
                 * for an earlier time) is listed, not recorded: its events
                 * stay in time order. */
                int64_t last;
                if ((s = as__ticket_last_event(db, id, &last, NULL, 0)) != AS_OK)
                    break;
                if (last != NIL && last > t) {
                    if (!(st = as__stmt(db, unesc))) {
                        s = AS_INTERNAL;
                        break;
                    }
                    sqlite3_bind_int64(st, 1, eid);
                    if ((s = as__step_done(db, st, "recording an escalation")) != AS_OK)
                        break;
                    continue;
                }
                if (!(st = as__stmt(db, ev))) {
                    s = AS_INTERNAL;
                    break;
                }
                char msg[80];
                snprintf(msg, sizeof msg, "%s %s", clocks[c], kind ? "breached" : "at risk");
                sqlite3_bind_int64(st, 1, id);
                as__bind_text_or_null(st, 2, user);
                sqlite3_bind_int64(st, 3, t);
                as__bind_text_or_null(st, 4, msg);
                if ((s = as__step_done(db, st, "recording an escalation")) != AS_OK)
                    break;
                if (!r.recorded++)
                    r.first_id = eid;
                r.last_id = eid;
            }
        }
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "sweeping SLA clocks");
    sqlite3_finalize(q);
    if ((s = as__write_end(db, s)) != AS_OK)
        return s;
    if (result)
        *result = r;
    as__ok(db);
    return AS_OK;
}
