/* ticket_read.c - reading tickets: get, list, history, the SLA listing,
 * customer-side tracking, pending surveys and the SLA and CSAT reports. */
#include "ticket.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tickets ------------------------------------------------------- */

struct as_ticket_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_ticket view;
};

#define TICKET_SELECT                                                                           \
    "SELECT t.tracking, t.user_id, t.channel, t.category, as_mask_phones(t.subject),"          \
    " as_mask_phones(t.body), t.severity,"                                                      \
    " t.queue, t.assignee, t.status, t.is_incident,"                                            \
    " (SELECT p.tracking FROM tickets p WHERE p.id = t.incident_id),"                           \
    " (SELECT p.tracking FROM tickets p WHERE p.id = t.merged_into),"                           \
    " (SELECT p.tracking FROM tickets p WHERE p.id = t.related_id),"                            \
    " t.rule, t.kb_article_id, t.created_at, t.updated_at, t.first_response_at, t.resolved_at," \
    " t.closed_at, t.eta, t.frt_due, t.res_due, t.frt_met, t.res_met, t.customer,"            \
    " t.calendar, t.station_id FROM tickets t"

static const char ticket_select[] = TICKET_SELECT;

static void ticket_view(sqlite3_stmt *st, as_ticket *v)
{
    v->tracking = as__column_text(st, 0);
    v->user_id = as__column_text(st, 1);
    v->channel = as__column_text(st, 2);
    v->category = as__column_text(st, 3);
    v->subject = as__column_text(st, 4);
    v->body = as__column_text(st, 5);
    v->severity = as__column_text(st, 6);
    v->queue = as__column_text(st, 7);
    v->assignee = as__column_text(st, 8);
    v->status = (as_ticket_status)as_ticket_status_parse(as__column_text(st, 9));
    v->is_incident = sqlite3_column_int(st, 10);
    v->incident = as__column_text(st, 11);
    v->merged_into = as__column_text(st, 12);
    v->related = as__column_text(st, 13);
    v->rule = as__column_text(st, 14);
    v->kb_article_id = as__column_int64_or(st, 15, 0);
    v->created_at = as__column_int64_or(st, 16, 0);
    v->updated_at = as__column_int64_or(st, 17, 0);
    v->first_response_at = as__column_int64_or(st, 18, 0);
    v->resolved_at = as__column_int64_or(st, 19, 0);
    v->closed_at = as__column_int64_or(st, 20, 0);
    v->eta = as__column_int64_or(st, 21, 0);
    v->frt_due = as__column_int64_or(st, 22, 0);
    v->res_due = as__column_int64_or(st, 23, 0);
    v->frt_met = as__column_int_or(st, 24, -1);
    v->res_met = as__column_int_or(st, 25, -1);
    /* Static text, so that a copy needs no room for it. */
    const char *cu = as__column_text(st, 26);
    v->customer = as__customer_names[AS__CUSTOMER_KNOWN];
    for (int i = 0; cu && i < 3; i++)
        if (strcmp(cu, as__customer_names[i]) == 0)
            v->customer = as__customer_names[i];
    if (v->customer == as__customer_names[AS__CUSTOMER_ANONYMOUS])
        v->user_id = NULL;   /* stored as "": feedback without a user id */
    v->calendar = as__column_text(st, 27);
    v->station_id = as__column_text(st, 28);
}

as_status as_ticket_iter_new(as_ticket_iter **out, as_db *db, const as_ticket_query *q)
{
    static const as_ticket_query all = AS_TICKET_QUERY_INIT;
    if (!out || !db)
        return AS_MISUSE;
    *out = NULL;
    if (!q)
        q = &all;
    if (q->version != AS_TICKET_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "unknown as_ticket_query version");
    if (q->statuses >> AS_TICKET_STATUS_LAST)
        return as__fail(db, AS_INVALID, "statuses: 0x%x names no status", q->statuses);
    if (q->severity && as__severity_index(q->severity) < 0)
        return as__fail(db, AS_INVALID, "severity: '%.40s' is not one of normal, urgent, major,"
                        " systemic", q->severity);
    as_buf b = {0};
    as__buf_adds(&b, ticket_select);
    as__buf_adds(&b, " WHERE 1");
    if (q->statuses) {
        /* The names come from the library's own table, never from input. */
        as__buf_adds(&b, " AND t.status IN (");
        int first = 1;
        for (int s = 0; s < AS_TICKET_STATUS_LAST; s++) {
            if (!(q->statuses & AS_TICKET_STATUS_BIT(s)))
                continue;
            as__buf_adds(&b, first ? "'" : ", '");
            as__buf_adds(&b, as_ticket_status_name((as_ticket_status)s));
            as__buf_adds(&b, "'");
            first = 0;
        }
        as__buf_adds(&b, ")");
    }
    if (q->queue)
        as__buf_adds(&b, " AND t.queue = ?2");
    if (q->assignee)
        as__buf_adds(&b, " AND t.assignee = ?3");
    if (q->severity)
        as__buf_adds(&b, " AND t.severity = ?4");
    if (q->user_id)
        as__buf_adds(&b, " AND t.user_id = ?5");
    if (q->overdue)
        as__buf_adds(&b, " AND t.sla_watch <= ?6 AND (t.frt_due <= ?6 OR t.res_due <= ?6)"
                         " ORDER BY t.sla_watch, t.id");
    else
        as__buf_adds(&b, " ORDER BY t.id DESC");
    if (q->limit > 0)
        as__buf_adds(&b, " LIMIT ?7");
    if (!b.data)
        return as__fail(db, AS_NOMEM, "out of memory");
    as_ticket_iter *it = calloc(1, sizeof *it);
    if (!it) {
        as__buf_free(&b);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    it->db = db;
    int rc = sqlite3_prepare_v2(db->sql, b.data, -1, &it->st, NULL);
    as__buf_free(&b);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing tickets");
    }
    if (q->queue)
        sqlite3_bind_text(it->st, 2, q->queue, -1, SQLITE_TRANSIENT);
    if (q->assignee)
        sqlite3_bind_text(it->st, 3, q->assignee, -1, SQLITE_TRANSIENT);
    if (q->severity)
        sqlite3_bind_text(it->st, 4, q->severity, -1, SQLITE_TRANSIENT);
    if (q->user_id)
        sqlite3_bind_text(it->st, 5, q->user_id, -1, SQLITE_TRANSIENT);
    if (q->overdue)
        sqlite3_bind_int64(it->st, 6, q->at ? q->at : as__now());
    if (q->limit > 0)
        sqlite3_bind_int64(it->st, 7, q->limit);
    *out = it;
    return AS_OK;
}

as_status as_ticket_next(as_ticket_iter *it, const as_ticket **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing tickets");
    ticket_view(it->st, &it->view);
    *view = &it->view;
    return AS_OK;
}

void as_ticket_iter_free(as_ticket_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* A ticket from as_ticket_get() is one block: the struct, then its strings. */
void as_ticket_free(as_ticket *t)
{
    free(t);
}

/* Copy a view (borrowed strings) into one allocation; NULL when out of memory. */
static as_ticket *ticket_copy(const as_ticket *v)
{
    const char *const *src[] = {&v->tracking, &v->user_id, &v->channel, &v->category,
                                &v->subject, &v->body, &v->severity, &v->queue, &v->assignee,
                                &v->incident, &v->merged_into, &v->related, &v->rule,
                                &v->calendar, &v->station_id};
    enum { N = sizeof src / sizeof src[0] };
    size_t size = sizeof *v;
    for (size_t i = 0; i < N; i++)
        size += *src[i] ? strlen(*src[i]) + 1 : 0;
    as_ticket *t = malloc(size);
    if (!t)
        return NULL;
    *t = *v;
    const char **dst[] = {&t->tracking, &t->user_id, &t->channel, &t->category, &t->subject,
                          &t->body, &t->severity, &t->queue, &t->assignee, &t->incident,
                          &t->merged_into, &t->related, &t->rule, &t->calendar,
                          &t->station_id};
    char *p = (char *)(t + 1);
    for (size_t i = 0; i < N; i++) {
        if (!*src[i]) {
            *dst[i] = NULL;
            continue;
        }
        size_t n = strlen(*src[i]) + 1;
        memcpy(p, *src[i], n);
        *dst[i] = p;
        p += n;
    }
    return t;
}

as_status as_ticket_get(as_ticket **out, as_db *db, const char *tracking)
{
    if (!out || !db || !tracking)
        return AS_MISUSE;
    *out = NULL;
    char num[AS_TRACKING_BUFSIZE];
    if (as_tracking_check(tracking, num) != AS_OK)
        return as__fail(db, AS_INVALID,
                        "invalid tracking number: '%.40s' (9 digits; check for a typo)", tracking);
    static const char sql[] = TICKET_SELECT " WHERE t.tracking = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    as_status s = AS_OK;
    if (rc == SQLITE_ROW) {
        as_ticket v;
        ticket_view(st, &v);
        as_ticket *t = ticket_copy(&v);
        if (!t)
            s = as__fail(db, AS_NOMEM, "out of memory");
        else
            *out = t;
    } else if (rc == SQLITE_DONE) {
        s = as__fail(db, AS_NOTFOUND, "ticket %s not found", num);
    } else {
        s = as__sqlfail(db, rc, "reading a ticket");
    }
    sqlite3_reset(st);
    if (s == AS_OK)
        as__ok(db);
    return s;
}

/* ---- history ------------------------------------------------------- */

struct as_ticket_event_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_ticket_event view;
};

as_status as_ticket_event_iter_new(as_ticket_event_iter **out, as_db *db, const char *tracking)
{
    if (!out || !db || !tracking)
        return AS_MISUSE;
    *out = NULL;
    as_ticket *t = NULL;
    as_status s = as_ticket_get(&t, db, tracking);
    if (s != AS_OK)
        return s;
    as_ticket_event_iter *it = calloc(1, sizeof *it);
    if (!it) {
        as_ticket_free(t);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    it->db = db;
    static const char sql[] =
        "SELECT e.id, e.at, e.actor, e.kind, e.from_status, e.to_status, e.public,"
        " as_mask_phones(e.body)"
        " FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.tracking = ?1"
        " ORDER BY e.id";
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        as_ticket_free(t);
        return as__sqlfail(db, rc, "reading a ticket's history");
    }
    sqlite3_bind_text(it->st, 1, t->tracking, -1, SQLITE_TRANSIENT);
    as_ticket_free(t);
    *out = it;
    return AS_OK;
}

as_status as_ticket_event_next(as_ticket_event_iter *it, const as_ticket_event **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "reading a ticket's history");
    sqlite3_stmt *st = it->st;
    as_ticket_event *v = &it->view;
    v->id = sqlite3_column_int64(st, 0);
    v->at = sqlite3_column_int64(st, 1);
    v->actor = as__column_text(st, 2);
    v->kind = as__column_text(st, 3);
    v->from_status = as__column_text(st, 4);
    v->to_status = as__column_text(st, 5);
    v->public = sqlite3_column_int(st, 6);
    v->text = as__column_text(st, 7);
    *view = v;
    return AS_OK;
}

void as_ticket_event_iter_free(as_ticket_event_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- SLA listing --------------------------------------------------- */

struct as_sla_iter {
    as_db *db;
    sqlite3_stmt *st;        /* owned: the tickets with a clock at risk */
    int64_t at;
    int64_t first_id, last_id;   /* the sweep's escalations (0, 0: none) */
    int have_row;            /* st holds a row whose clocks are being listed */
    int clock;               /* the next clock of that row to look at */
    as_sla_item view;
    char warning[256];       /* the view's calendar_warning */
    int64_t min_end;         /* the earliest known end of any calendar (0: none): a
                              * due time before it needs no look at its calendar */
    char cal_name[72];       /* the last calendar looked up ("" none yet), */
    int64_t cal_end;         /* its known end (0: none), */
    int cal_until;           /* and its known_until year */
    char calendar[72];       /* the view's calendar (looked up by id) */
};

as_status as_sla_iter_new(as_sla_iter **out, as_db *db, const as_sla_query *q)
{
    static const as_sla_query none = AS_SLA_QUERY_INIT;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_sla_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    if (!q)
        q = &none;
    if (q->version != AS_SLA_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "unknown as_sla_query version");
    static const char sql[] =
        "SELECT tracking, nullif(user_id, ''), severity, queue, assignee, frt_due, frt_warn,"
        " res_due, res_warn, id FROM tickets WHERE sla_watch <= ?1 ORDER BY sla_watch, id";
    as_sla_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    it->at = q->at ? q->at : as__now();
    if (q->sweep && q->sweep->recorded > 0) {
        it->first_id = q->sweep->first_id;
        it->last_id = q->sweep->last_id;
    }
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing SLA clocks");
    }
    sqlite3_bind_int64(it->st, 1, it->at);
    it->min_end = as__calendars_known_end_min(db);
    *out = it;
    as__ok(db);
    return AS_OK;
}

/* Did the sweep of the iterator record an escalation of this clock? */
static as_status sla_escalated(as_sla_iter *it, int64_t ticket_id, const char *clock, int *out)
{
    static const char sql[] =
        "SELECT 1 FROM ticket_escalations WHERE ticket_id = ?1 AND clock = ?2"
        " AND id BETWEEN ?3 AND ?4 LIMIT 1";
    *out = 0;
    if (!it->last_id)
        return AS_OK;
    sqlite3_stmt *st = as__stmt(it->db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_text(st, 2, clock, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, it->first_id);
    sqlite3_bind_int64(st, 4, it->last_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(it->db, rc, "listing SLA clocks");
    *out = rc == SQLITE_ROW;
    return AS_OK;
}

as_status as_sla_next(as_sla_iter *it, const as_sla_item **view)
{
    static const char *const clocks[2] = {"first_response", "resolution"};
    if (!it || !view)
        return AS_MISUSE;
    for (;;) {
        if (!it->have_row) {
            int rc = sqlite3_step(it->st);
            if (rc == SQLITE_DONE)
                return AS_DONE;
            if (rc != SQLITE_ROW)
                return as__sqlfail(it->db, rc, "listing SLA clocks");
            it->have_row = 1;
            it->clock = 0;
        }
        sqlite3_stmt *st = it->st;
        while (it->clock < 2) {
            int c = it->clock++;
            int64_t due = as__column_int64_or(st, 5 + 2 * c, INT64_MIN);
            int64_t warn = as__column_int64_or(st, 6 + 2 * c, INT64_MIN);
            if (due == INT64_MIN || (warn > it->at && due > it->at))
                continue;
            as_sla_item *v = &it->view;
            v->tracking = as__column_text(st, 0);
            v->user_id = as__column_text(st, 1);
            v->severity = as__column_text(st, 2);
            v->queue = as__column_text(st, 3);
            v->assignee = as__column_text(st, 4);
            v->clock = clocks[c];
            v->state = due <= it->at ? "breached" : "at_risk";
            v->due_at = due;
            int64_t d = due - it->at;
            v->minutes_left = d >= 0 ? d / 60 : -((-d + 59) / 60);
            as_status s = sla_escalated(it, sqlite3_column_int64(st, 9), clocks[c],
                                        &v->escalated);
            if (s != AS_OK)
                return s;
            /* A due time past the holidays its calendar knows is a guess. */
            v->calendar_warning = NULL;
            /* Only a due time past some calendar's knowledge needs the
             * ticket's calendar (the listing reads a covering index). */
            v->calendar = NULL;
            if (it->min_end && due >= it->min_end) {
                static const char cal_sql[] = "SELECT calendar FROM tickets WHERE id = ?1";
                sqlite3_stmt *cs = as__stmt(it->db, cal_sql);
                if (!cs)
                    return AS_INTERNAL;
                sqlite3_bind_int64(cs, 1, sqlite3_column_int64(st, 9));
                it->calendar[0] = '\0';
                if (sqlite3_step(cs) == SQLITE_ROW && as__column_text(cs, 0))
                    as__column_copy(cs, 0, it->calendar, sizeof it->calendar);
                sqlite3_reset(cs);
                v->calendar = it->calendar[0] ? it->calendar : NULL;
            }
            if (v->calendar && strcmp(v->calendar, it->cal_name) != 0) {
                /* A few calendars serve many clocks: look each up once. */
                const as__calendar *cal = as__calendar_find(it->db, v->calendar);
                snprintf(it->cal_name, sizeof it->cal_name, "%s", v->calendar);
                it->cal_end = as__calendar_known_end(cal);
                it->cal_until = as__calendar_known_until(cal);
            }
            if (v->calendar && it->cal_end && due >= it->cal_end) {
                char at[AS_TIME_BUFSIZE];
                snprintf(it->warning, sizeof it->warning,
                         "due %s lies past %d, the last year calendar %s knows holidays for",
                         as_time_format(due, as_db_utc_offset(it->db), at), it->cal_until,
                         v->calendar);
                v->calendar_warning = it->warning;
            }
            *view = v;
            return AS_OK;
        }
        it->have_row = 0;
    }
}

void as_sla_iter_free(as_sla_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- customer-side tracking ---------------------------------------- */

struct track_own {
    as_track pub;
    char tracking[AS_TRACKING_BUFSIZE];
    char *last_reply;
    char eta_text[96];
};

void as_track_free(as_track *t)
{
    if (!t)
        return;
    struct track_own *o = (struct track_own *)t;
    free(o->last_reply);
    free(o);
}

/* "预计今天18:00前完成" and friends, in the business zone, as seen at now;
 * once now is past the ETA, "已超过预计时间，正在加急处理". */
static void eta_text(char *buf, size_t n, int64_t eta, int64_t now, int offset_min)
{
    int64_t le = eta + offset_min * 60, ln = now + offset_min * 60;
    int64_t de = le >= 0 ? le / 86400 : -((-le + 86399) / 86400);
    int64_t dn = ln >= 0 ? ln / 86400 : -((-ln + 86399) / 86400);
    int64_t sec = le - de * 86400;
    int hh = (int)(sec / 3600), mm = (int)(sec % 3600 / 60);
    int64_t y, yn;
    unsigned m, d, mn, dd;
    as__civil_from_days(de, &y, &m, &d);
    as__civil_from_days(dn, &yn, &mn, &dd);
    if (eta < now)   /* the promise has passed: say so, never a time in the past */
        snprintf(buf, n, "已超过预计时间，正在加急处理");
    else if (de == dn)
        snprintf(buf, n, "预计今天%02d:%02d前完成", hh, mm);
    else if (de == dn + 1)
        snprintf(buf, n, "预计明天%02d:%02d前完成", hh, mm);
    else if (de == dn + 2)
        snprintf(buf, n, "预计后天%02d:%02d前完成", hh, mm);
    else if (y == yn)
        snprintf(buf, n, "预计%u月%u日%02d:%02d前完成", m, d, hh, mm);
    else
        snprintf(buf, n, "预计%lld年%u月%u日%02d:%02d前完成", (long long)y, m, d, hh, mm);
}

as_status as_ticket_track(as_track **out, as_db *db, const char *tracking,
                          const char *phone_last4, int64_t now)
{
    if (!out || !db || !tracking || !phone_last4)
        return AS_MISUSE;
    *out = NULL;
    char num[AS_TRACKING_BUFSIZE];
    if (as_tracking_check(tracking, num) != AS_OK)
        return as__fail(db, AS_INVALID,
                        "invalid tracking number: '%.40s' (9 digits; check for a typo)", tracking);
    static const char sql[] =
        "SELECT v.status, v.eta, u.phone,"
        " (SELECT as_mask_phones(e.body) FROM ticket_events e WHERE e.ticket_id = v.id AND e.public = 1"
        "   AND e.kind IN ('reply', 'resolved') AND e.body IS NOT NULL ORDER BY e.id DESC LIMIT 1),"
        " (SELECT e.at FROM ticket_events e WHERE e.ticket_id = v.id AND e.public = 1"
        "   AND e.kind IN ('reply', 'resolved') AND e.body IS NOT NULL ORDER BY e.id DESC LIMIT 1)"
        " FROM tickets t"
        " LEFT JOIN tickets m ON m.id = t.merged_into AND t.status = 'merged'"
        "   AND m.user_id = t.user_id"
        " JOIN tickets v ON v.id = coalesce(m.id, t.id)"
        " LEFT JOIN users u ON u.user_id = t.user_id WHERE t.tracking = ?1";
    /* The second factor and the attempt limit first (ticket_track.c): the
     * same work, and the same answer, for an unknown number, a wrong second
     * factor and a number locked by too many failures.  A failure is
     * recorded and committed. */
    if (!now)
        now = as__now();
    as_status gs = as__write_begin(db);
    if (gs != AS_OK)
        return gs;
    int passed = 0;
    if ((gs = as__track_gate(db, num, phone_last4, now, &passed)) != AS_OK)
        return as__write_end(db, gs);
    if (!passed) {
        if ((gs = as__write_end(db, AS_OK)) != AS_OK)
            return gs;
        return as__fail(db, AS_NOTFOUND, "no ticket %s for this phone number", num);
    }
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return as__write_end(db, AS_INTERNAL);
    sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return as__write_end(db, rc == SQLITE_DONE
                                     ? as__fail(db, AS_INTERNAL, "ticket %s vanished", num)
                                     : as__sqlfail(db, rc, "tracking a ticket"));
    }
    struct track_own *o = calloc(1, sizeof *o);
    if (!o) {
        sqlite3_reset(st);
        return as__write_end(db, as__fail(db, AS_NOMEM, "out of memory"));
    }
    memcpy(o->tracking, num, sizeof num);
    int status = as_ticket_status_parse(as__column_text(st, 0));
    int64_t eta = as__column_int64_or(st, 1, 0);
    if (as__column_text(st, 3))
        o->last_reply = as__strdup(as__column_text(st, 3));
    o->pub.last_reply_at = as__column_int64_or(st, 4, 0);
    sqlite3_reset(st);
    o->pub.tracking = o->tracking;
    o->pub.status = as_ticket_status_zh((as_ticket_status)(status < 0 ? 0 : status));
    o->pub.last_reply = o->last_reply;
    int open = status >= 0 && status <= AS_TICKET_WAITING_CUSTOMER;
    if (eta && open) {
        o->pub.eta = eta;
        eta_text(o->eta_text, sizeof o->eta_text, eta, now, as_db_utc_offset(db));
        o->pub.eta_text = o->eta_text;
    }
    if ((gs = as__write_end(db, AS_OK)) != AS_OK) {
        as_track_free(&o->pub);
        return gs;
    }
    *out = &o->pub;
    as__ok(db);
    return AS_OK;
}

/* ---- surveys ------------------------------------------------------- */

struct as_survey_iter {
    as_db *db;
    sqlite3_stmt *st;
    int64_t at;              /* pending or expired as at this time */
    as_survey view;
};

static const char *const survey_status_names[] = {"pending", "answered", "void", "expired"};

const char *as_survey_status_name(as_survey_status status)
{
    return (unsigned)status < AS_SURVEY_ANY ? survey_status_names[status] : NULL;
}

/* The status of a survey row's text; AS_SURVEY_ANY when unknown. */
static as_survey_status survey_status_parse(const char *name)
{
    for (int i = 0; i < AS_SURVEY_ANY; i++)
        if (name && strcmp(name, survey_status_names[i]) == 0)
            return (as_survey_status)i;
    return AS_SURVEY_ANY;
}

as_status as_survey_iter_new(as_survey_iter **out, as_db *db, const as_survey_query *q)
{
    static const as_survey_query pending = AS_SURVEY_QUERY_INIT;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_survey_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    if (!q)
        q = &pending;
    if (q->version < 1 || q->version > AS_SURVEY_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "unknown as_survey_query version");
    int64_t at = q->version >= 2 && q->at ? q->at : as__now();   /* at: version 2 */
    if ((unsigned)q->status > AS_SURVEY_ANY)
        return as__fail(db, AS_INVALID, "status: %d is not a survey status", (int)q->status);
    as_survey_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    /* expired: a pending survey past its expires_at at ?3 (derived, never stored) */
    static const char sql[] =
        "SELECT t.tracking, nullif(s.user_id, ''), s.agent, s.queue, s.status, s.created_at,"
        " s.due_at, s.score, as_mask_phones(s.comment), s.answered_at, f.tracking, s.expires_at"
        " FROM surveys s"
        " JOIN tickets t ON t.id = s.ticket_id LEFT JOIN tickets f ON f.id = s.followup_id"
        " WHERE (?1 IS NULL OR (CASE WHEN s.status = 'pending' AND s.expires_at <= ?3"
        "   THEN 'expired' ELSE s.status END) = ?1) ORDER BY s.due_at, s.id LIMIT ?2";
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing surveys");
    }
    if (q->status != AS_SURVEY_ANY)
        sqlite3_bind_text(it->st, 1, survey_status_names[q->status], -1, SQLITE_STATIC);
    sqlite3_bind_int64(it->st, 2, q->limit > 0 ? q->limit : -1);
    sqlite3_bind_int64(it->st, 3, at);
    it->at = at;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_survey_next(as_survey_iter *it, const as_survey **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing surveys");
    sqlite3_stmt *st = it->st;
    as_survey *v = &it->view;
    v->tracking = as__column_text(st, 0);
    v->user_id = as__column_text(st, 1);
    v->agent = as__column_text(st, 2);
    v->queue = as__column_text(st, 3);
    v->status = survey_status_parse(as__column_text(st, 4));
    v->created_at = as__column_int64_or(st, 5, 0);
    v->due_at = as__column_int64_or(st, 6, 0);
    v->score = (int)as__column_int64_or(st, 7, 0);
    v->comment = as__column_text(st, 8);
    v->answered_at = as__column_int64_or(st, 9, 0);
    v->followup = as__column_text(st, 10);
    v->expires_at = as__column_int64_or(st, 11, 0);
    if (v->status == AS_SURVEY_PENDING && v->expires_at && v->expires_at <= it->at)
        v->status = AS_SURVEY_EXPIRED;
    *view = v;
    return AS_OK;
}

void as_survey_iter_free(as_survey_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- reports ------------------------------------------------------- */

/* Shares: one decimal, half up, -1 when whole is 0 (report_stats.c). */
#define pct1 as__pct1

/* The query as version 2 has it (version 1 ends before station_id).
 * AS_MISUSE for an unknown version; AS_INVALID for a bad station id. */
static as_status report_query_v2(as_db *db, const as_report_query *q, as_report_query *out)
{
    if (q->version != AS_REPORT_QUERY_VERSION && q->version != 1)
        return as__fail(db, AS_MISUSE, "unknown as_report_query version");
    memset(out, 0, sizeof *out);
    if (q->version == 1)
        memcpy(out, q, offsetof(as_report_query, station_id));
    else
        *out = *q;
    out->version = AS_REPORT_QUERY_VERSION;
    char why[120];
    if (out->station_id && as__check_id(out->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station: %s", why);
    return AS_OK;
}

static as_status check_report_query(as_db *db, const as_report_query *q, int csat)
{
    if (csat && q->by != AS_REPORT_BY_QUEUE && q->by != AS_REPORT_BY_AGENT)
        return as__fail(db, AS_INVALID, "by: a satisfaction report is by agent or queue");
    if (!csat && (unsigned)q->by > AS_REPORT_BY_WEEK)
        return as__fail(db, AS_INVALID, "by: %d is not level, queue, agent or week", (int)q->by);
    if (!csat && q->by == AS_REPORT_BY_WEEK) {
        if (q->from >= q->to)
            return as__fail(db, AS_INVALID, "the period's start is not before its end");
        if ((q->to - q->from) / AS__WEEK_SECONDS > AS__REPORT_MAX_WEEKS)
            return as__fail(db, AS_INVALID, "the period is longer than %d weeks",
                            AS__REPORT_MAX_WEEKS);
    }
    return AS_OK;
}

const char *as_report_by_name(as_report_by by)
{
    static const char *const names[] = {"level", "queue", "agent", "week"};
    return (unsigned)by <= AS_REPORT_BY_WEEK ? names[by] : NULL;
}

typedef struct vec {
    int64_t *v;
    size_t n, cap;
} vec;

struct as_report_sla_iter {
    as_db *db;
    sqlite3_stmt *st;        /* owned: the tickets of the period in group order */
    int started, done;       /* st stepped once; st exhausted */
    int by_week;             /* groups are weeks, column 5 the week's start */
    int64_t week, to;        /* by week: the next week's start; the period's end */
    int offset;              /* by week: the business zone (minutes east of UTC) */
    char *group;             /* the view's group */
    vec fr, rs;              /* business seconds used, of the current group */
    as_report_sla_row view;
};

static int vec_push(vec *a, int64_t x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        int64_t *p = realloc(a->v, cap * sizeof *p);
        if (!p)
            return -1;
        a->v = p;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

int64_t as__ticket_minutes(int64_t seconds)
{
    return seconds >= 0 ? (seconds + 30) / 60 : 0;
}

int64_t as__ticket_rank_minutes(int64_t *seconds, size_t n, int p)
{
    if (!n)
        return -1;
    return as__ticket_minutes(as__nearest_rank(seconds, n, p));
}

/* Nearest-rank percentile (p in 1..100) of seconds, in whole minutes;
 * -1 when there are none.  Sorts a. */
static int64_t pct_minutes(vec *a, int p)
{
    return as__ticket_rank_minutes(a->v, a->n, p);
}

as_status as_report_sla_iter_new(as_report_sla_iter **out, as_db *db, const as_report_query *q)
{
    /* ?4: the business zone's offset in seconds (by week). */
#define SLA_SQL(group)                                                                          \
    "SELECT " group ", frt_met, frt_used, res_met, res_used,"                                   \
    " created_at - ((created_at + ?4 - 345600) % 604800 + 604800) % 604800"                     \
    " FROM tickets WHERE " AS__SLA_TICKETS_WHERE " ORDER BY 1"
    static const char *const sql[4] = {
        SLA_SQL("severity"), SLA_SQL("queue"), SLA_SQL("coalesce(assignee, '(none)')"),
        "SELECT NULL, frt_met, frt_used, res_met, res_used,"
        " created_at - ((created_at + ?4 - 345600) % 604800 + 604800) % 604800"
        " FROM tickets WHERE " AS__SLA_TICKETS_WHERE " ORDER BY created_at"};
#undef SLA_SQL
    if (out)
        *out = NULL;
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_report_sla_iter_new: NULL argument") : AS_MISUSE;
    as_report_query q2;
    as_status s = report_query_v2(db, q, &q2);
    if (s == AS_OK)
        s = check_report_query(db, &q2, 0);
    if (s != AS_OK)
        return s;
    as_report_sla_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    it->offset = as_db_utc_offset(db);
    it->by_week = q2.by == AS_REPORT_BY_WEEK;
    it->week = as__week_start(q2.from, it->offset);
    it->to = q2.to;
    int rc = sqlite3_prepare_v2(db->sql, sql[q2.by], -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "reporting SLA attainment");
    }
    sqlite3_bind_int64(it->st, 1, q2.from);
    sqlite3_bind_int64(it->st, 2, q2.to);
    as__bind_text_or_null(it->st, 3, q2.station_id);
    sqlite3_bind_int64(it->st, 4, (int64_t)it->offset * 60);
    *out = it;
    as__ok(db);
    return AS_OK;
}

/* Is the statement's row in the current group? */
static int sla_same_group(const as_report_sla_iter *it, int64_t week)
{
    if (it->by_week)
        return sqlite3_column_int64(it->st, 5) == week;
    const char *g = as__column_text(it->st, 0);
    return strcmp(g ? g : "", it->group) == 0;
}

/* Read the rows of one group: the statement stands on its first row, and
 * is left on the first row of the next group.  By week, a week without
 * rows is a group of none. */
as_status as_report_sla_next(as_report_sla_iter *it, const as_report_sla_row **view)
{
    if (!it || !view)
        return AS_MISUSE;
    sqlite3_stmt *st = it->st;
    int rc = it->done ? SQLITE_DONE : SQLITE_ROW;
    if (!it->started) {
        it->started = 1;
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return as__sqlfail(it->db, rc, "reporting SLA attainment");
        it->done = rc == SQLITE_DONE;
    }
    int64_t week = it->week;
    char *group;
    if (it->by_week) {
        if (week >= it->to)
            return AS_DONE;
        char date[11];
        group = as__strdup(as__date_text(week, it->offset, date));
        it->week += AS__WEEK_SECONDS;
    } else {
        if (it->done)
            return AS_DONE;
        const char *g = as__column_text(st, 0);
        group = as__strdup(g ? g : "");
    }
    if (!group)
        return as__fail(it->db, AS_NOMEM, "out of memory");
    free(it->group);
    it->group = group;
    as_report_sla_row *v = &it->view;
    memset(v, 0, sizeof *v);
    v->group = group;
    vec *fr = &it->fr, *rs = &it->rs;
    fr->n = rs->n = 0;
    as_status s = AS_OK;
    while (rc == SQLITE_ROW) {
        if (!sla_same_group(it, week))
            break;
        v->tickets++;
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            v->first_response_n++;
            v->first_response_met += sqlite3_column_int(st, 1) != 0;
            if (vec_push(fr, sqlite3_column_int64(st, 2)) < 0) {
                s = as__fail(it->db, AS_NOMEM, "out of memory");
                break;
            }
        }
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            v->resolution_n++;
            v->resolution_met += sqlite3_column_int(st, 3) != 0;
            if (vec_push(rs, sqlite3_column_int64(st, 4)) < 0) {
                s = as__fail(it->db, AS_NOMEM, "out of memory");
                break;
            }
        }
        rc = sqlite3_step(st);
    }
    if (s == AS_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        s = as__sqlfail(it->db, rc, "reporting SLA attainment");
    if (s == AS_OK) {
        it->done = rc == SQLITE_DONE;
        v->first_response_met_pct = pct1(v->first_response_met, v->first_response_n);
        v->first_response_median_min = pct_minutes(fr, 50);
        v->first_response_p90_min = pct_minutes(fr, 90);
        v->resolution_met_pct = pct1(v->resolution_met, v->resolution_n);
        v->resolution_median_min = pct_minutes(rs, 50);
        v->resolution_p90_min = pct_minutes(rs, 90);
        *view = v;
    }
    return s;
}

void as_report_sla_iter_free(as_report_sla_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it->group);
    free(it->fr.v);
    free(it->rs.v);
    free(it);
}

struct as_report_csat_iter {
    as_db *db;
    sqlite3_stmt *st;        /* owned: one row a group */
    as_report_csat_row view;
};

as_status as_report_csat_iter_new(as_report_csat_iter **out, as_db *db,
                                  const as_report_query *q)
{
    /* One pass over the surveys answered in the period or made by a
     * resolution in it (?3: the period's end decides which pending ones
     * have expired, as the report stands at its end). */
#define CSAT_SQL(group)                                                                         \
    "SELECT g, sum(ans), sum(CASE WHEN ans THEN score ELSE 0 END), sum(ans AND score >= 4),"   \
    " sum(made), sum(made AND resp), sum(made AND resp AND answered_at <= due_at),"             \
    " sum(made AND status = 'pending' AND expires_at <= ?3) FROM ("                             \
    " SELECT " group " AS g, score, status, answered_at, due_at, expires_at,"                   \
    "  (status = 'answered' AND answered_at >= ?1 AND answered_at < ?2) AS ans,"               \
    "  (status <> 'void' AND created_at >= ?1 AND created_at < ?2) AS made,"                   \
    "  (status = 'answered' AND answered_at < ?2) AS resp"                                      \
    " FROM surveys WHERE ((answered_at >= ?1 AND answered_at < ?2)"                             \
    "  OR (created_at >= ?1 AND created_at < ?2))"                                              \
    "  AND (?4 IS NULL OR ticket_id IN (SELECT id FROM tickets WHERE station_id = ?4)))"        \
    " GROUP BY g HAVING sum(ans) > 0 OR sum(made) > 0 ORDER BY g"
    static const char by_agent[] = CSAT_SQL("coalesce(agent, '(none)')");
    static const char by_queue[] = CSAT_SQL("queue");
#undef CSAT_SQL
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_report_csat_iter_new: NULL argument")
                  : AS_MISUSE;
    *out = NULL;
    as_report_query q2;
    as_status s = report_query_v2(db, q, &q2);
    if (s == AS_OK)
        s = check_report_query(db, &q2, 1);
    if (s != AS_OK)
        return s;
    q = &q2;
    as_report_csat_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    int rc = sqlite3_prepare_v2(db->sql, q->by == AS_REPORT_BY_AGENT ? by_agent : by_queue, -1,
                                &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "reporting satisfaction");
    }
    sqlite3_bind_int64(it->st, 1, q->from);
    sqlite3_bind_int64(it->st, 2, q->to);
    sqlite3_bind_int64(it->st, 3, q->to);
    as__bind_text_or_null(it->st, 4, q->station_id);
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_report_csat_next(as_report_csat_iter *it, const as_report_csat_row **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "reporting satisfaction");
    as_report_csat_row *v = &it->view;
    const char *g = as__column_text(it->st, 0);
    v->group = g ? g : "";
    v->answers = sqlite3_column_int64(it->st, 1);
    v->score_sum = sqlite3_column_int64(it->st, 2);
    v->satisfied = sqlite3_column_int64(it->st, 3);
    /* Two decimals, rounded half up; -1 without answers. */
    if (v->answers > 0) {
        int64_t m100 = (v->score_sum * 100 + v->answers / 2) / v->answers;
        v->mean_score = (double)m100 / 100.0;
    } else {
        v->mean_score = -1.0;
    }
    v->csat_pct = pct1(v->satisfied, v->answers);
    v->surveys = sqlite3_column_int64(it->st, 4);
    v->responded = sqlite3_column_int64(it->st, 5);
    v->callbacks_on_time = sqlite3_column_int64(it->st, 6);
    v->expired = sqlite3_column_int64(it->st, 7);
    v->response_rate_pct = pct1(v->responded, v->surveys);
    v->callback_on_time_pct = pct1(v->callbacks_on_time, v->surveys);
    *view = v;
    return AS_OK;
}

void as_report_csat_iter_free(as_report_csat_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}
