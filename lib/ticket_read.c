/* ticket_read.c - reading tickets: get, list, history, the SLA listing,
 * customer-side tracking, pending surveys and the SLA and CSAT reports. */
#include "ticket.h"

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
    "SELECT t.tracking, t.user_id, t.channel, t.category, t.subject, t.body, t.severity,"       \
    " t.queue, t.assignee, t.status, t.is_incident,"                                            \
    " (SELECT p.tracking FROM tickets p WHERE p.id = t.incident_id),"                           \
    " (SELECT p.tracking FROM tickets p WHERE p.id = t.merged_into),"                           \
    " (SELECT p.tracking FROM tickets p WHERE p.id = t.related_id),"                            \
    " t.rule, t.kb_article_id, t.created_at, t.updated_at, t.first_response_at, t.resolved_at," \
    " t.closed_at, t.eta, t.frt_due, t.res_due, t.frt_met, t.res_met FROM tickets t"

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
    int open = q->status && strcmp(q->status, "open") == 0;
    if (q->status && !open && as_ticket_status_parse(q->status) < 0)
        return as__fail(db, AS_INVALID, "status: '%.40s' is not a status (new, assigned,"
                        " in_progress, waiting_customer, resolved, closed, merged, cancelled,"
                        " open)", q->status);
    if (q->severity && as__severity_index(q->severity) < 0)
        return as__fail(db, AS_INVALID, "severity: '%.40s' is not one of normal, urgent, major,"
                        " systemic", q->severity);
    as_buf b = {0};
    as__buf_adds(&b, ticket_select);
    as__buf_adds(&b, " WHERE 1");
    if (open)
        as__buf_adds(&b, " AND t.status IN ('new', 'assigned', 'in_progress', 'waiting_customer')");
    else if (q->status)
        as__buf_adds(&b, " AND t.status = ?1");
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
    if (q->status && !open)
        sqlite3_bind_text(it->st, 1, q->status, -1, SQLITE_TRANSIENT);
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

void as_ticket_free(as_ticket *t)
{
    if (!t)
        return;
    const char *const *strs[] = {&t->tracking, &t->user_id, &t->channel, &t->category,
                                 &t->subject, &t->body, &t->severity, &t->queue, &t->assignee,
                                 &t->incident, &t->merged_into, &t->related, &t->rule};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free((char *)*strs[i]);
    free(t);
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
        as_ticket *t = calloc(1, sizeof *t);
        int bad = !t;
        if (t) {
            *t = v;
            t->tracking = as__strdup_opt(v.tracking, &bad);
            t->user_id = as__strdup_opt(v.user_id, &bad);
            t->channel = as__strdup_opt(v.channel, &bad);
            t->category = as__strdup_opt(v.category, &bad);
            t->subject = as__strdup_opt(v.subject, &bad);
            t->body = as__strdup_opt(v.body, &bad);
            t->severity = as__strdup_opt(v.severity, &bad);
            t->queue = as__strdup_opt(v.queue, &bad);
            t->assignee = as__strdup_opt(v.assignee, &bad);
            t->incident = as__strdup_opt(v.incident, &bad);
            t->merged_into = as__strdup_opt(v.merged_into, &bad);
            t->related = as__strdup_opt(v.related, &bad);
            t->rule = as__strdup_opt(v.rule, &bad);
        }
        if (bad) {
            as_ticket_free(t);
            s = as__fail(db, AS_NOMEM, "out of memory");
        } else {
            *out = t;
        }
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
        "SELECT e.id, e.at, e.actor, e.kind, e.from_status, e.to_status, e.public, e.body"
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
    int64_t at;
    as__sla_row *rows;
    size_t n, i;
    int clock;               /* the next clock of row i to look at */
    as_sla_item view;
};

as_status as_sla_check(as_sla_iter **out, as_db *db, int64_t at, int64_t *recorded)
{
    if (!out || !db)
        return AS_MISUSE;
    *out = NULL;
    int64_t t = at ? at : as__now(), rec = 0;
    as_sla_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    it->at = t;
    as_status s = as__write_begin(db);
    if (s != AS_OK) {
        free(it);
        return s;
    }
    s = as__sla_sweep(db, t, &rec, &it->rows, &it->n);
    if ((s = as__write_end(db, s)) != AS_OK) {
        as__sla_rows_free(it->rows, it->n);
        free(it);
        return s;
    }
    if (recorded)
        *recorded = rec;
    *out = it;
    return AS_OK;
}

as_status as_sla_next(as_sla_iter *it, const as_sla_item **view)
{
    static const char *const clocks[2] = {"first_response", "resolution"};
    if (!it || !view)
        return AS_MISUSE;
    for (; it->i < it->n; it->i++, it->clock = 0) {
        const as__sla_row *r = &it->rows[it->i];
        while (it->clock < 2) {
            int c = it->clock++;
            if (r->due[c] == INT64_MIN || (r->warn[c] > it->at && r->due[c] > it->at))
                continue;
            as_sla_item *v = &it->view;
            v->tracking = r->tracking;
            v->user_id = r->user_id;
            v->severity = r->severity;
            v->queue = r->queue;
            v->assignee = r->assignee;
            v->clock = clocks[c];
            v->state = r->due[c] <= it->at ? "breached" : "at_risk";
            v->due_at = r->due[c];
            int64_t d = r->due[c] - it->at;
            v->minutes_left = d >= 0 ? d / 60 : -((-d + 59) / 60);
            v->escalated = r->escalated[c];
            *view = v;
            return AS_OK;
        }
    }
    return AS_DONE;
}

void as_sla_iter_free(as_sla_iter *it)
{
    if (!it)
        return;
    as__sla_rows_free(it->rows, it->n);
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

/* "预计今天18:00前完成" and friends, in the business zone. */
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
    if (de == dn)
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
        " (SELECT e.body FROM ticket_events e WHERE e.ticket_id = v.id AND e.public = 1"
        "   AND e.kind IN ('reply', 'resolved') AND e.body IS NOT NULL ORDER BY e.id DESC LIMIT 1),"
        " (SELECT e.at FROM ticket_events e WHERE e.ticket_id = v.id AND e.public = 1"
        "   AND e.kind IN ('reply', 'resolved') AND e.body IS NOT NULL ORDER BY e.id DESC LIMIT 1)"
        " FROM tickets t"
        " LEFT JOIN tickets m ON m.id = t.merged_into AND t.status = 'merged'"
        "   AND m.user_id = t.user_id"
        " JOIN tickets v ON v.id = coalesce(m.id, t.id)"
        " LEFT JOIN users u ON u.user_id = t.user_id WHERE t.tracking = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_reset(st);
        return as__sqlfail(db, rc, "tracking a ticket");
    }
    /* The same answer for an unknown number and a wrong second factor. */
    const char *phone = rc == SQLITE_ROW ? as__column_text(st, 2) : NULL;
    size_t pl = phone ? strlen(phone) : 0;
    int match = phone && pl >= 4 && strlen(phone_last4) == 4;
    unsigned diff = 0;
    for (size_t i = 0; match && i < 4; i++)
        diff |= (unsigned)(phone[pl - 4 + i] ^ phone_last4[i]);
    if (!match || diff) {
        sqlite3_reset(st);
        return as__fail(db, AS_NOTFOUND, "no ticket %s for this phone number", num);
    }
    struct track_own *o = calloc(1, sizeof *o);
    if (!o) {
        sqlite3_reset(st);
        return as__fail(db, AS_NOMEM, "out of memory");
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
        eta_text(o->eta_text, sizeof o->eta_text, eta, now ? now : as__now(),
                 as_db_utc_offset(db));
        o->pub.eta_text = o->eta_text;
    }
    *out = &o->pub;
    as__ok(db);
    return AS_OK;
}

/* ---- surveys ------------------------------------------------------- */

struct as_survey_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_survey view;
};

as_status as_survey_pending(as_survey_iter **out, as_db *db)
{
    if (!out || !db)
        return AS_MISUSE;
    *out = NULL;
    as_survey_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    static const char sql[] =
        "SELECT t.tracking, s.user_id, s.agent, s.queue, s.status, s.created_at, s.due_at,"
        " s.score, s.comment, s.answered_at, f.tracking FROM surveys s"
        " JOIN tickets t ON t.id = s.ticket_id LEFT JOIN tickets f ON f.id = s.followup_id"
        " WHERE s.status = 'pending' ORDER BY s.due_at, s.id";
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing surveys");
    }
    *out = it;
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
    v->status = as__column_text(st, 4);
    v->created_at = as__column_int64_or(st, 5, 0);
    v->due_at = as__column_int64_or(st, 6, 0);
    v->score = (int)as__column_int64_or(st, 7, 0);
    v->comment = as__column_text(st, 8);
    v->answered_at = as__column_int64_or(st, 9, 0);
    v->followup = as__column_text(st, 10);
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

void as_report_free(as_report_row *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++)
        free(rows[i].group);
    free(rows);
}

typedef struct vec {
    int64_t *v;
    size_t n, cap;
} vec;

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

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (p in 1..100) of seconds, in whole minutes. */
static int64_t pct_minutes(vec *a, int p)
{
    if (!a->n)
        return -1;
    qsort(a->v, a->n, sizeof *a->v, cmp64);
    size_t rank = (a->n * (size_t)p + 99) / 100;
    int64_t s = a->v[rank ? rank - 1 : 0];
    return s >= 0 ? (s + 30) / 60 : 0;
}

static as_status push_row(as_db *db, as_report_row **rows, size_t *n, const char *group)
{
    as_report_row *p = realloc(*rows, (*n + 1) * sizeof *p);
    if (!p)
        return as__fail(db, AS_NOMEM, "out of memory");
    *rows = p;
    memset(&p[*n], 0, sizeof p[*n]);
    p[*n].group = as__strdup(group);
    p[*n].frt_median_min = p[*n].frt_p90_min = p[*n].res_median_min = p[*n].res_p90_min = -1;
    if (!p[*n].group)
        return as__fail(db, AS_NOMEM, "out of memory");
    (*n)++;
    return AS_OK;
}

as_status as_report_sla(as_report_row **rows, size_t *n, as_db *db, const char *by,
                        int64_t from, int64_t to)
{
    if (!rows || !n || !db || !by)
        return AS_MISUSE;
    *rows = NULL;
    *n = 0;
    const char *sql;
    if (strcmp(by, "level") == 0)
        sql = "SELECT severity, frt_met, frt_used, res_met, res_used FROM tickets WHERE"
              " created_at >= ?1 AND created_at < ?2 AND status NOT IN ('merged', 'cancelled')"
              " ORDER BY 1";
    else if (strcmp(by, "queue") == 0)
        sql = "SELECT queue, frt_met, frt_used, res_met, res_used FROM tickets WHERE"
              " created_at >= ?1 AND created_at < ?2 AND status NOT IN ('merged', 'cancelled')"
              " ORDER BY 1";
    else if (strcmp(by, "agent") == 0)
        sql = "SELECT coalesce(assignee, '(none)'), frt_met, frt_used, res_met, res_used"
              " FROM tickets WHERE created_at >= ?1 AND created_at < ?2 AND status NOT IN"
              " ('merged', 'cancelled') ORDER BY 1";
    else
        return as__fail(db, AS_INVALID, "by: '%.40s' is not level, queue or agent", by);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "reporting SLA attainment");
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    vec fr = {0}, rs = {0};
    as_status s = AS_OK;
    as_report_row *cur = NULL;
    for (;;) {
        rc = sqlite3_step(st);
        const char *g = rc == SQLITE_ROW ? as__column_text(st, 0) : NULL;
        if (cur && (!g || strcmp(g, cur->group) != 0)) {
            cur->frt_median_min = pct_minutes(&fr, 50);
            cur->frt_p90_min = pct_minutes(&fr, 90);
            cur->res_median_min = pct_minutes(&rs, 50);
            cur->res_p90_min = pct_minutes(&rs, 90);
            fr.n = rs.n = 0;
            cur = NULL;
        }
        if (rc != SQLITE_ROW)
            break;
        if (!cur) {
            if ((s = push_row(db, rows, n, g ? g : "")) != AS_OK)
                break;
            cur = &(*rows)[*n - 1];
        }
        cur->count++;
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            cur->frt_count++;
            cur->frt_met += sqlite3_column_int(st, 1);
            if (vec_push(&fr, sqlite3_column_int64(st, 2)) < 0) {
                s = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
        }
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            cur->res_count++;
            cur->res_met += sqlite3_column_int(st, 3);
            if (vec_push(&rs, sqlite3_column_int64(st, 4)) < 0) {
                s = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
        }
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "reporting SLA attainment");
    sqlite3_finalize(st);
    free(fr.v);
    free(rs.v);
    if (s != AS_OK) {
        as_report_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return s;
}

as_status as_report_csat(as_report_row **rows, size_t *n, as_db *db, const char *by,
                         int64_t from, int64_t to)
{
    if (!rows || !n || !db || !by)
        return AS_MISUSE;
    *rows = NULL;
    *n = 0;
    const char *sql;
    if (strcmp(by, "agent") == 0)
        sql = "SELECT coalesce(agent, '(none)'), score FROM surveys WHERE status = 'answered'"
              " AND answered_at >= ?1 AND answered_at < ?2 ORDER BY 1";
    else if (strcmp(by, "queue") == 0)
        sql = "SELECT queue, score FROM surveys WHERE status = 'answered'"
              " AND answered_at >= ?1 AND answered_at < ?2 ORDER BY 1";
    else
        return as__fail(db, AS_INVALID, "by: '%.40s' is not agent or queue", by);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "reporting satisfaction");
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    as_status s = AS_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *g = as__column_text(st, 0);
        if (!*n || strcmp((*rows)[*n - 1].group, g ? g : "") != 0)
            if ((s = push_row(db, rows, n, g ? g : "")) != AS_OK)
                break;
        as_report_row *r = &(*rows)[*n - 1];
        int score = sqlite3_column_int(st, 1);
        r->count++;
        r->score_sum += score;
        r->satisfied += score >= 4;
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "reporting satisfaction");
    sqlite3_finalize(st);
    if (s != AS_OK) {
        as_report_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return s;
}
