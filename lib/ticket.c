/* ticket.c - tickets: tracking numbers, routing, the lifecycle with its
 * transition table, SLA clocks in business time, incidents, history. */
#include "ticket.h"

#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL INT64_MIN

/* ---- tracking numbers ---------------------------------------------- */

/* The Damm quasigroup of order 10 (totally anti-symmetric): one wrong
 * digit or one swap of two adjacent digits always changes the result. */
static const unsigned char damm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
    {4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
    {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
    {9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

int as_tracking_digit(const char *digits)
{
    if (!digits || !digits[0])
        return -1;
    unsigned v = 0;
    for (const char *p = digits; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = damm[v][*p - '0'];
    }
    return (int)v;
}

enum { TRACK_DIGITS = 9 };

as_status as_tracking_check(const char *text, char out[AS_TRACKING_BUFSIZE])
{
    if (!text || !out)
        return AS_MISUSE;
    char d[AS_TRACKING_BUFSIZE];
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (*p < '0' || *p > '9' || n == TRACK_DIGITS)
            return AS_INVALID;
        d[n++] = *p;
    }
    d[n] = '\0';
    if (n != TRACK_DIGITS || as_tracking_digit(d) != 0)
        return AS_INVALID;
    memcpy(out, d, n + 1);
    return AS_OK;
}

/* The number of ticket id: a bijection of 1..10^8-1 onto 8 digits (so that
 * numbers do not reveal the ticket count), then the check digit. */
static int tracking_of(int64_t id, char out[AS_TRACKING_BUFSIZE])
{
    if (id <= 0 || id >= 100000000)
        return -1;
    int64_t v = (id * INT64_C(37139213) + INT64_C(48271)) % INT64_C(100000000);
    snprintf(out, AS_TRACKING_BUFSIZE, "%08lld", (long long)v);
    int c = as_tracking_digit(out);
    out[8] = (char)('0' + c);
    out[9] = '\0';
    return 0;
}

static as_status bad_tracking(as_db *db, const char *text)
{
    return as__fail(db, AS_INVALID, "invalid tracking number: '%.40s' (9 digits; check for a typo)",
                    text ? text : "");
}

/* ---- statuses and the transition table ----------------------------- */

static const char *const status_names[AS_TICKET_STATUS_LAST] = {
    "new", "assigned", "in_progress", "waiting_customer", "resolved", "closed", "merged",
    "cancelled"};
static const char *const status_zh[AS_TICKET_STATUS_LAST] = {
    "已受理", "已分派", "处理中", "待您回复", "已解决", "已关闭", "已合并", "已取消"};

#define B(s) (1u << (s))
static const unsigned transitions[AS_TICKET_STATUS_LAST] = {
    [AS_TICKET_NEW] = B(AS_TICKET_ASSIGNED) | B(AS_TICKET_IN_PROGRESS) |
                      B(AS_TICKET_WAITING_CUSTOMER) | B(AS_TICKET_RESOLVED) |
                      B(AS_TICKET_CANCELLED) | B(AS_TICKET_MERGED),
    [AS_TICKET_ASSIGNED] = B(AS_TICKET_IN_PROGRESS) | B(AS_TICKET_WAITING_CUSTOMER) |
                           B(AS_TICKET_RESOLVED) | B(AS_TICKET_CANCELLED) | B(AS_TICKET_MERGED),
    [AS_TICKET_IN_PROGRESS] = B(AS_TICKET_ASSIGNED) | B(AS_TICKET_WAITING_CUSTOMER) |
                              B(AS_TICKET_RESOLVED) | B(AS_TICKET_CANCELLED) | B(AS_TICKET_MERGED),
    [AS_TICKET_WAITING_CUSTOMER] = B(AS_TICKET_IN_PROGRESS) | B(AS_TICKET_RESOLVED) |
                                   B(AS_TICKET_CLOSED) | B(AS_TICKET_CANCELLED) |
                                   B(AS_TICKET_MERGED),
    [AS_TICKET_RESOLVED] = B(AS_TICKET_IN_PROGRESS) | B(AS_TICKET_CLOSED),
    [AS_TICKET_CLOSED] = 0,
    [AS_TICKET_MERGED] = 0,
    [AS_TICKET_CANCELLED] = 0,
};

const char *as_ticket_status_name(as_ticket_status s)
{
    return (unsigned)s < AS_TICKET_STATUS_LAST ? status_names[s] : NULL;
}

const char *as_ticket_status_zh(as_ticket_status s)
{
    return (unsigned)s < AS_TICKET_STATUS_LAST ? status_zh[s] : NULL;
}

int as_ticket_status_parse(const char *name)
{
    for (int i = 0; name && i < AS_TICKET_STATUS_LAST; i++)
        if (strcmp(name, status_names[i]) == 0)
            return i;
    return -1;
}

int as_ticket_transition_ok(as_ticket_status from, as_ticket_status to)
{
    if ((unsigned)from >= AS_TICKET_STATUS_LAST || (unsigned)to >= AS_TICKET_STATUS_LAST)
        return 0;
    return (transitions[from] & B(to)) != 0;
}

static int is_open(int s)
{
    return s == AS_TICKET_NEW || s == AS_TICKET_ASSIGNED || s == AS_TICKET_IN_PROGRESS ||
           s == AS_TICKET_WAITING_CUSTOMER;
}

static as_status refuse_move(as_db *db, const char *tracking, int from, int to)
{
    char list[200] = "";
    for (int i = 0; i < AS_TICKET_STATUS_LAST; i++) {
        if (transitions[from] & B(i)) {
            if (list[0])
                strcat(list, ", ");
            strcat(list, status_names[i]);
        }
    }
    return as__fail(db, AS_INVALID, "ticket %s: cannot move from %s to %s (allowed: %s)", tracking,
                    status_names[from], status_names[to], list[0] ? list : "none, it is final");
}

/* ---- configuration ------------------------------------------------- */

static const as__ticket_cfg *cfg_of(as_db *db)
{
    const as_config *c = as__db_config(db);
    return c ? c->tickets : NULL;
}

/* ---- a ticket row in memory ---------------------------------------- */

typedef struct trow {
    int64_t id;
    char tracking[AS_TRACKING_BUFSIZE];
    char *user_id, *queue, *assignee, *calendar, *category, *subject;
    int status, severity, is_incident;
    int64_t incident_id, merged_into, related_id;
    int64_t created_at, first_response_at, resolved_at, closed_at, eta;
    int64_t resolutions;
    /* the two clocks: 0 first response, 1 resolution */
    int64_t target[2], due[2], warn[2], left[2], met[2], used[2];
    int64_t sla_watch;
} trow;

static void trow_free(trow *r)
{
    free(r->user_id);
    free(r->queue);
    free(r->assignee);
    free(r->calendar);
    free(r->category);
    free(r->subject);
    memset(r, 0, sizeof *r);
}

static as_status fill_row(as_db *db, sqlite3_stmt *st, trow *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    as__column_copy(st, 1, r->tracking, sizeof r->tracking);
    r->user_id = as__column_dup(st, 2);
    r->queue = as__column_dup(st, 3);
    r->assignee = as__column_dup(st, 4);
    r->calendar = as__column_dup(st, 5);
    r->category = as__column_dup(st, 6);
    r->subject = as__column_dup(st, 7);
    r->status = as_ticket_status_parse((const char *)sqlite3_column_text(st, 8));
    r->severity = as__severity_index((const char *)sqlite3_column_text(st, 9));
    r->is_incident = sqlite3_column_int(st, 10);
    r->incident_id = as__column_int64_or(st, 11, NIL);
    r->merged_into = as__column_int64_or(st, 12, NIL);
    r->related_id = as__column_int64_or(st, 13, NIL);
    r->created_at = as__column_int64_or(st, 14, NIL);
    r->first_response_at = as__column_int64_or(st, 15, NIL);
    r->resolved_at = as__column_int64_or(st, 16, NIL);
    r->closed_at = as__column_int64_or(st, 17, NIL);
    r->eta = as__column_int64_or(st, 18, NIL);
    r->resolutions = as__column_int64_or(st, 19, NIL);
    for (int k = 0; k < 2; k++) {
        r->target[k] = as__column_int64_or(st, 20 + k, NIL);
        r->due[k] = as__column_int64_or(st, 22 + k, NIL);
        r->warn[k] = as__column_int64_or(st, 24 + k, NIL);
        r->left[k] = as__column_int64_or(st, 26 + k, NIL);
        r->met[k] = as__column_int64_or(st, 28 + k, NIL);
        r->used[k] = as__column_int64_or(st, 30 + k, NIL);
    }
    r->sla_watch = as__column_int64_or(st, 32, NIL);
    if (!r->user_id || !r->queue || !r->category || !r->subject || r->status < 0 ||
        r->severity < 0) {
        trow_free(r);
        return as__fail(db, AS_INTERNAL, "ticket row %lld is damaged", (long long)r->id);
    }
    return AS_OK;
}

#define LOAD_COLS                                                                          \
    "SELECT id, tracking, user_id, queue, assignee, calendar, category, subject, status,"  \
    " severity, is_incident, incident_id, merged_into, related_id, created_at,"            \
    " first_response_at, resolved_at, closed_at, eta, resolutions, frt_target, res_target," \
    " frt_due, res_due, frt_warn, res_warn, frt_left, res_left, frt_met, res_met, frt_used,"\
    " res_used, sla_watch FROM tickets "

/* Step a cached load statement (bound by the caller) into r. */
static as_status load_step(as_db *db, sqlite3_stmt *st, trow *r, const char *what)
{
    int rc = sqlite3_step(st);
    as_status s;
    if (rc == SQLITE_ROW)
        s = fill_row(db, st, r);
    else if (rc == SQLITE_DONE)
        s = as__fail(db, AS_NOTFOUND, "ticket %s not found", what);
    else
        s = as__sqlfail(db, rc, "reading a ticket");
    sqlite3_reset(st);
    return s;
}

/* Load by a tracking number as typed (checked first). */
static as_status load(as_db *db, const char *text, trow *r)
{
    char num[AS_TRACKING_BUFSIZE];
    if (!text)
        return as__fail(db, AS_MISUSE, "tracking number is NULL");
    if (as_tracking_check(text, num) != AS_OK)
        return bad_tracking(db, text);
    static const char sql[] = LOAD_COLS "WHERE tracking = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
    return load_step(db, st, r, num);
}

static as_status load_id(as_db *db, int64_t id, trow *r)
{
    static const char sql[] = LOAD_COLS "WHERE id = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, id);
    char what[32];
    snprintf(what, sizeof what, "#%lld", (long long)id);
    return load_step(db, st, r, what);
}

static as_status save(as_db *db, trow *r, int64_t now)
{
    static const char sql[] =
        "UPDATE tickets SET queue = ?2, assignee = ?3, status = ?4, severity = ?5,"
        " incident_id = ?6, merged_into = ?7, related_id = ?8, updated_at = ?9,"
        " first_response_at = ?10, resolved_at = ?11, closed_at = ?12, eta = ?13,"
        " resolutions = ?14, frt_due = ?15, res_due = ?16, frt_warn = ?17, res_warn = ?18,"
        " frt_left = ?19, res_left = ?20, frt_met = ?21, res_met = ?22, frt_used = ?23,"
        " res_used = ?24, sla_watch = ?25 WHERE id = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, r->id);
    as__bind_text_or_null(st, 2, r->queue);
    as__bind_text_or_null(st, 3, r->assignee);
    as__bind_text_or_null(st, 4, status_names[r->status]);
    as__bind_text_or_null(st, 5, as__severity_names[r->severity]);
    as__bind_int64_or_null(st, 6, r->incident_id, NIL);
    as__bind_int64_or_null(st, 7, r->merged_into, NIL);
    as__bind_int64_or_null(st, 8, r->related_id, NIL);
    sqlite3_bind_int64(st, 9, now);
    as__bind_int64_or_null(st, 10, r->first_response_at, NIL);
    as__bind_int64_or_null(st, 11, r->resolved_at, NIL);
    as__bind_int64_or_null(st, 12, r->closed_at, NIL);
    as__bind_int64_or_null(st, 13, r->eta, NIL);
    sqlite3_bind_int64(st, 14, r->resolutions);
    for (int k = 0; k < 2; k++) {
        as__bind_int64_or_null(st, 15 + k, r->due[k], NIL);
        as__bind_int64_or_null(st, 17 + k, r->warn[k], NIL);
        as__bind_int64_or_null(st, 19 + k, r->left[k], NIL);
        as__bind_int64_or_null(st, 21 + k, r->met[k], NIL);
        as__bind_int64_or_null(st, 23 + k, r->used[k], NIL);
    }
    as__bind_int64_or_null(st, 25, r->sla_watch, NIL);
    return as__step_done(db, st, "updating a ticket");
}

static as_status add_event(as_db *db, const trow *r, int64_t at, const char *actor,
                           const char *kind, int from, int to, int public, const char *text)
{
    static const char sql[] =
        "INSERT INTO ticket_events (ticket_id, user_id, at, actor, kind, from_status,"
        " to_status, public, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, r->id);
    as__bind_text_or_null(st, 2, r->user_id);
    sqlite3_bind_int64(st, 3, at);
    as__bind_text_or_null(st, 4, actor ? actor : "system");
    as__bind_text_or_null(st, 5, kind);
    as__bind_text_or_null(st, 6, from >= 0 ? status_names[from] : NULL);
    as__bind_text_or_null(st, 7, to >= 0 ? status_names[to] : NULL);
    sqlite3_bind_int(st, 8, public);
    as__bind_text_or_null(st, 9, text);
    return as__step_done(db, st, "recording a ticket event");
}

/* ---- SLA clocks ---------------------------------------------------- */

static as_status calendar_of(as_db *db, const char *name, const as__calendar **out)
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
static int64_t remaining(const as__calendar *cal, const trow *r, int k, int64_t t)
{
    if (r->due[k] != NIL)
        return r->due[k] >= t ? as__calendar_business_seconds(cal, t, r->due[k])
                              : -as__calendar_business_seconds(cal, r->due[k], t);
    return r->left[k];
}

static int risk_pct(as_db *db)
{
    const as__ticket_cfg *c = cfg_of(db);
    return c && c->at_risk_pct > 0 ? c->at_risk_pct : 80;
}

/* Run clock k from t with left business seconds to go. */
static void clock_run(as_db *db, const as__calendar *cal, trow *r, int k, int64_t t, int64_t left)
{
    int64_t margin = r->target[k] * (100 - risk_pct(db)) / 100;
    r->due[k] = left > 0 ? as__calendar_add(cal, t, left) : t + left;
    int64_t wl = left - margin;
    r->warn[k] = wl > 0 ? as__calendar_add(cal, t, wl) : (r->due[k] < t ? r->due[k] : t);
    r->left[k] = NIL;
}

static void clock_pause(const as__calendar *cal, trow *r, int k, int64_t t)
{
    if (r->due[k] == NIL)
        return;
    r->left[k] = remaining(cal, r, k, t);
    r->due[k] = r->warn[k] = NIL;
}

static void clock_resume(as_db *db, const as__calendar *cal, trow *r, int k, int64_t t)
{
    if (r->due[k] == NIL && r->left[k] != NIL)
        clock_run(db, cal, r, k, t, r->left[k]);
}

/* Stop clock k; record met/used when it was running or paused. */
static void clock_stop(const as__calendar *cal, trow *r, int k, int64_t t, int record)
{
    int64_t rem = remaining(cal, r, k, t);
    if (record && rem != NIL) {
        r->met[k] = rem >= 0;
        r->used[k] = r->target[k] - rem;
    }
    r->due[k] = r->warn[k] = r->left[k] = NIL;
}

/* Derive sla_watch (the earliest at-risk instant) from the running clocks. */
static void sla_derive(trow *r)
{
    r->sla_watch = NIL;
    for (int k = 0; k < 2; k++)
        if (r->due[k] != NIL && (r->sla_watch == NIL || r->warn[k] < r->sla_watch))
            r->sla_watch = r->warn[k];
}

/* Apply the clock effects of entering status `to` at t. */
static as_status enter_status(as_db *db, trow *r, int to, int64_t t)
{
    const as__calendar *cal;
    as_status s = calendar_of(db, r->calendar, &cal);
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
            clock_stop(cal, r, 0, t, 1);
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
        clock_stop(cal, r, 0, t, 0);
        clock_stop(cal, r, 1, t, 0);
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
    sla_derive(r);
    return AS_OK;
}

/* ---- opening ------------------------------------------------------- */

static int list_has(const as__strlist *l, const char *v)
{
    for (size_t i = 0; v && i < l->n; i++)
        if (strcmp(l->v[i], v) == 0)
            return 1;
    return 0;
}

/* The first routing rule that matches, or NULL.  text is folded. */
static const as__route_rule *route(const as__ticket_cfg *c, const char *category,
                                   const char *channel, const char *tier, const char *text)
{
    for (size_t i = 0; c && i < c->nrules; i++) {
        const as__route_rule *r = &c->rules[i];
        if (r->category.n && !list_has(&r->category, category))
            continue;
        if (r->channel.n && !list_has(&r->channel, channel))
            continue;
        if (r->tier.n && !list_has(&r->tier, tier))
            continue;
        if (r->keywords.n) {
            int hit = 0;
            for (size_t k = 0; k < r->keywords.n && !hit; k++)
                hit = strstr(text, r->keywords.v[k]) != NULL;
            if (!hit)
                continue;
        }
        return r;
    }
    return NULL;
}

/* Validate and NFC a text field of at most max characters. */
static as_status text_field(as_db *db, const char *field, const char *in, size_t min, size_t max,
                            char **out)
{
    char why[160];
    *out = NULL;
    if (!in)
        in = "";
    as_status s = as__text_nfc(in, strlen(in), out, why, sizeof why);
    if (s == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (s != AS_OK)
        return as__fail(db, AS_INVALID, "%s: %s", field, why);
    size_t n = as__utf8_chars(*out);
    if (n < min || n > max) {
        free(*out);
        *out = NULL;
        return n < min ? as__fail(db, AS_INVALID, "%s: is empty", field)
                       : as__fail(db, AS_INVALID, "%s: is %zu characters long (at most %zu)",
                                  field, n, max);
    }
    return AS_OK;
}

static as_status user_exists(as_db *db, const char *user_id)
{
    static const char sql[] = "SELECT 1 FROM users WHERE user_id = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, user_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return AS_OK;
    if (rc == SQLITE_DONE)
        return as__fail(db, AS_NOTFOUND, "user '%s' not found", user_id);
    return as__sqlfail(db, rc, "looking up a user");
}

static const char *const channel_names[] = {"app", "phone", "wechat", "web", "station", NULL};

/* Everything of as_ticket_open inside the caller's transaction.  related:
 * the ticket this one reopens or follows up (NIL: none). */
static as_status open_in_txn(as_db *db, const as_ticket_input *in, int64_t related,
                             int64_t *id_out, char tracking[AS_TRACKING_BUFSIZE])
{
    const as__ticket_cfg *cfg = cfg_of(db);
    if (!cfg)
        return as__fail(db, AS_CONFIG, "no ticket configuration");
    char why[160];
    if (!in->user_id || as__check_id(in->user_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "user_id: %s", in->user_id ? why : "is missing");
    int ch_ok = 0;
    for (size_t i = 0; in->channel && channel_names[i]; i++)
        ch_ok |= strcmp(in->channel, channel_names[i]) == 0;
    if (!ch_ok)
        return as__fail(db, AS_INVALID,
                        "channel: '%.40s' is not one of app, phone, wechat, web, station",
                        in->channel ? in->channel : "");
    int sev = -1;
    if (in->severity && (sev = as__severity_index(in->severity)) < 0)
        return as__fail(db, AS_INVALID,
                        "severity: '%.40s' is not one of normal, urgent, major, systemic",
                        in->severity);
    as_status s = user_exists(db, in->user_id);
    if (s != AS_OK)
        return s;
    char *category = NULL, *subject = NULL, *body = NULL, *folded = NULL, *queue = NULL,
         *assignee = NULL;
    if ((s = text_field(db, "category", in->category, 1, 64, &category)) != AS_OK ||
        (s = text_field(db, "subject", in->subject, 1, 200, &subject)) != AS_OK ||
        (s = text_field(db, "body", in->body, 0, 10000, &body)) != AS_OK)
        goto out;
    if (in->queue && (s = text_field(db, "queue", in->queue, 1, 64, &queue)) != AS_OK)
        goto out;
    if (in->assignee && (s = text_field(db, "assignee", in->assignee, 1, 64, &assignee)) != AS_OK)
        goto out;
    char *joined = as__printf("%s\n%s", subject, body);
    if (!joined || as__text_nfkc_fold(joined, strlen(joined), &folded, why, sizeof why) != AS_OK) {
        free(joined);
        s = as__fail(db, AS_NOMEM, "out of memory");
        goto out;
    }
    free(joined);
    const as__route_rule *rule = route(cfg, category, in->channel, in->member_tier, folded);
    if (sev < 0)
        sev = rule && rule->severity >= 0 ? rule->severity : cfg->default_severity;
    const char *q = queue ? queue : rule && rule->queue ? rule->queue : cfg->default_queue;
    const char *a = assignee ? assignee : rule ? rule->assignee : NULL;
    const as__sla_level *lv = &cfg->levels[sev];
    const as__calendar *cal;
    if ((s = calendar_of(db, lv->calendar, &cal)) != AS_OK)
        goto out;

    int64_t t = in->at ? in->at : as__now();
    sqlite3_stmt *st = as__stmt(db, "SELECT coalesce(max(id), 0) + 1 FROM tickets");
    if (!st) {
        s = AS_INTERNAL;
        goto out;
    }
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    trow r;
    memset(&r, 0, sizeof r);
    /* An imported ticket keeps its number, which may be the one this id
     * would get: skip such ids. */
    for (;;) {
        if (tracking_of(id, r.tracking) < 0) {
            s = as__fail(db, AS_INVALID, "ticket numbers are exhausted");
            goto out;
        }
        if (!(st = as__stmt(db, "SELECT 1 FROM tickets WHERE tracking = ?1"))) {
            s = AS_INTERNAL;
            goto out;
        }
        sqlite3_bind_text(st, 1, r.tracking, -1, SQLITE_TRANSIENT);
        int taken = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
        if (!taken)
            break;
        id++;
    }
    r.id = id;
    r.status = a ? AS_TICKET_ASSIGNED : AS_TICKET_NEW;
    r.severity = sev;
    r.is_incident = sev == 3;
    r.incident_id = r.merged_into = NIL;
    r.related_id = related;
    r.created_at = t;
    r.first_response_at = r.resolved_at = r.closed_at = r.eta = NIL;
    r.target[0] = lv->first_response;
    r.target[1] = lv->resolution;
    for (int k = 0; k < 2; k++) {
        r.met[k] = r.used[k] = NIL;
        clock_run(db, cal, &r, k, t, r.target[k]);
    }
    sla_derive(&r);
    static const char ins[] =
        "INSERT INTO tickets (id, tracking, user_id, channel, category, subject, body, severity,"
        " queue, assignee, status, is_incident, related_id, rule, created_at, updated_at,"
        " calendar, frt_target, res_target, frt_due, res_due, frt_warn, res_warn, sla_watch)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
        " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)";
    if (!(st = as__stmt(db, ins))) {
        s = AS_INTERNAL;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    as__bind_text_or_null(st, 2, r.tracking);
    as__bind_text_or_null(st, 3, in->user_id);
    as__bind_text_or_null(st, 4, in->channel);
    as__bind_text_or_null(st, 5, category);
    as__bind_text_or_null(st, 6, subject);
    as__bind_text_or_null(st, 7, body);
    as__bind_text_or_null(st, 8, as__severity_names[sev]);
    as__bind_text_or_null(st, 9, q);
    as__bind_text_or_null(st, 10, a);
    as__bind_text_or_null(st, 11, status_names[r.status]);
    sqlite3_bind_int(st, 12, r.is_incident);
    as__bind_int64_or_null(st, 13, related, NIL);
    as__bind_text_or_null(st, 14, rule ? rule->name : NULL);
    sqlite3_bind_int64(st, 15, t);
    as__bind_text_or_null(st, 16, lv->calendar);
    sqlite3_bind_int64(st, 17, r.target[0]);
    sqlite3_bind_int64(st, 18, r.target[1]);
    as__bind_int64_or_null(st, 19, r.due[0], NIL);
    as__bind_int64_or_null(st, 20, r.due[1], NIL);
    as__bind_int64_or_null(st, 21, r.warn[0], NIL);
    as__bind_int64_or_null(st, 22, r.warn[1], NIL);
    as__bind_int64_or_null(st, 23, r.sla_watch, NIL);
    if ((s = as__step_done(db, st, "opening a ticket")) != AS_OK)
        goto out;
    r.user_id = (char *)in->user_id;
    char what[300];
    snprintf(what, sizeof what, "channel %s, queue %s, severity %s%s%s%s%s", in->channel, q,
             as__severity_names[sev], rule ? ", rule " : "", rule && rule->name ? rule->name : "",
             a ? ", assignee " : "", a ? a : "");
    s = add_event(db, &r, t, in->by ? in->by : "customer", "opened", -1, r.status, 0, what);
    if (s == AS_OK && id_out)
        *id_out = id;
    if (s == AS_OK && tracking)
        memcpy(tracking, r.tracking, AS_TRACKING_BUFSIZE);
out:
    free(category);
    free(subject);
    free(body);
    free(folded);
    free(queue);
    free(assignee);
    return s;
}

as_status as_ticket_open(as_db *db, const as_ticket_input *in, char tracking[AS_TRACKING_BUFSIZE])
{
    if (!db || !in || in->version != AS_TICKET_INPUT_VERSION)
        return db ? as__fail(db, AS_MISUSE, "as_ticket_open: bad input") : AS_MISUSE;
    if (tracking)
        tracking[0] = '\0';
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    s = open_in_txn(db, in, NIL, NULL, tracking);
    return as__write_end(db, s);
}

/* ---- changes ------------------------------------------------------- */

static const as_ticket_action no_action = AS_TICKET_ACTION_INIT;

/* Begin a change: check act, open the transaction, load the ticket. */
static as_status change_begin(as_db *db, const char *tracking, const as_ticket_action **act,
                              trow *r, int64_t *t)
{
    if (!db)
        return AS_MISUSE;
    if (!*act)
        *act = &no_action;
    if ((*act)->version != AS_TICKET_ACTION_VERSION)
        return as__fail(db, AS_MISUSE, "unknown as_ticket_action version");
    *t = (*act)->at ? (*act)->at : as__now();
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    s = load(db, tracking, r);
    if (s != AS_OK)
        as__write_end(db, s);
    return s;
}

static as_status change_end(as_db *db, trow *r, as_status s)
{
    trow_free(r);
    return as__write_end(db, s);
}

/* Move r to status `to` (checked against the table) with an event. */
static as_status move(as_db *db, trow *r, int to, int64_t t, const char *by, const char *kind,
                      int public, const char *text)
{
    if (!as_ticket_transition_ok(r->status, to))
        return refuse_move(db, r->tracking, r->status, to);
    int from = r->status;
    as_status s = enter_status(db, r, to, t);
    if (s == AS_OK)
        s = save(db, r, t);
    if (s == AS_OK)
        s = add_event(db, r, t, by, kind, from, to, public, text);
    return s;
}

static as_status check_text(as_db *db, const char *field, const char *text, int required,
                            char **out)
{
    *out = NULL;
    if (!text || !text[0]) {
        if (required)
            return as__fail(db, AS_INVALID, "%s: is empty", field);
        return AS_OK;
    }
    return text_field(db, field, text, 1, 10000, out);
}

as_status as_ticket_assign(as_db *db, const char *tracking, const char *assignee,
                           const as_ticket_action *act)
{
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *who = NULL;
    if (!is_open(r.status)) {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: only open tickets can be assigned",
                     r.tracking, status_names[r.status]);
    } else if ((s = text_field(db, "assignee", assignee, 1, 64, &who)) == AS_OK) {
        free(r.assignee);
        r.assignee = who;
        int to = r.status == AS_TICKET_NEW ? AS_TICKET_ASSIGNED : r.status;
        int from = r.status;
        if (to != from)
            s = enter_status(db, &r, to, t);
        if (s == AS_OK)
            s = save(db, &r, t);
        if (s == AS_OK)
            s = add_event(db, &r, t, act->by, "assigned", to != from ? from : -1,
                          to != from ? to : -1, 0, who);
    }
    return change_end(db, &r, s);
}

as_status as_ticket_set_status(as_db *db, const char *tracking, as_ticket_status status,
                               const as_ticket_action *act)
{
    if ((unsigned)status >= AS_TICKET_STATUS_LAST)
        return db ? as__fail(db, AS_INVALID, "status: unknown status %d", (int)status) : AS_MISUSE;
    if (status == AS_TICKET_RESOLVED)
        return as_ticket_resolve(db, tracking, act);
    if (status == AS_TICKET_MERGED)
        return db ? as__fail(db, AS_INVALID, "status: use ticket merge to merge a duplicate")
                  : AS_MISUSE;
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = check_text(db, "text", act->text, 0, &text)) == AS_OK) {
        if (r.status == AS_TICKET_RESOLVED && status == AS_TICKET_IN_PROGRESS)
            s = as__fail(db, AS_INVALID, "ticket %s is resolved: use ticket reopen", r.tracking);
        else
            s = move(db, &r, status, t, act->by, "status", 0, text);
    }
    free(text);
    return change_end(db, &r, s);
}

as_status as_ticket_reply(as_db *db, const char *tracking, const as_ticket_action *act,
                          unsigned flags)
{
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = check_text(db, "text", act->text, 1, &text)) != AS_OK)
        return free(text), change_end(db, &r, s);
    if (!is_open(r.status)) {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: reopen it before replying", r.tracking,
                     status_names[r.status]);
        return free(text), change_end(db, &r, s);
    }
    const as__calendar *cal;
    if ((s = calendar_of(db, r.calendar, &cal)) != AS_OK)
        return free(text), change_end(db, &r, s);
    if (r.first_response_at == NIL) {
        r.first_response_at = t;
        clock_stop(cal, &r, 0, t, 1);
        sla_derive(&r);
    }
    int from = r.status;
    int to = from;
    if (flags & AS_REPLY_WAIT)
        to = AS_TICKET_WAITING_CUSTOMER;
    else if (from == AS_TICKET_NEW || from == AS_TICKET_ASSIGNED)
        to = AS_TICKET_IN_PROGRESS;
    if (to != from)
        s = enter_status(db, &r, to, t);
    if (s == AS_OK)
        s = save(db, &r, t);
    if (s == AS_OK)
        s = add_event(db, &r, t, act->by, "reply", to != from ? from : -1, to != from ? to : -1,
                      1, text);
    free(text);
    return change_end(db, &r, s);
}

as_status as_ticket_note(as_db *db, const char *tracking, const as_ticket_action *act)
{
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = check_text(db, "text", act->text, 1, &text)) == AS_OK &&
        (s = add_event(db, &r, t, act->by, "note", -1, -1, 0, text)) == AS_OK) {
        static const char sql[] = "UPDATE tickets SET updated_at = ?2 WHERE id = ?1";
        sqlite3_stmt *st = as__stmt(db, sql);
        if (!st) {
            s = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(st, 1, r.id);
            sqlite3_bind_int64(st, 2, t);
            s = as__step_done(db, st, "updating a ticket");
        }
    }
    free(text);
    return change_end(db, &r, s);
}

/* Resolve r (inside the transaction), its survey, and an incident's children. */
static as_status resolve_row(as_db *db, trow *r, int64_t t, const char *by, const char *text,
                             int depth)
{
    as_status s = move(db, r, AS_TICKET_RESOLVED, t, by, "resolved", text != NULL, text);
    if (s != AS_OK)
        return s;
    const as__ticket_cfg *cfg = cfg_of(db);
    static const char sv[] =
        "INSERT INTO surveys (ticket_id, user_id, resolution, agent, queue, created_at, due_at,"
        " status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')"
        " ON CONFLICT (ticket_id, resolution) DO NOTHING";
    sqlite3_stmt *st = as__stmt(db, sv);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, r->id);
    as__bind_text_or_null(st, 2, r->user_id);
    sqlite3_bind_int64(st, 3, r->resolutions);
    as__bind_text_or_null(st, 4, r->assignee);
    as__bind_text_or_null(st, 5, r->queue);
    sqlite3_bind_int64(st, 6, t);
    sqlite3_bind_int64(st, 7, t + (cfg ? cfg->survey_within : 86400));
    if ((s = as__step_done(db, st, "making a survey due")) != AS_OK)
        return s;
    if (!r->is_incident || depth > 0)
        return AS_OK;
    /* The children: collect their ids first (the statement cache may be
     * reused while resolving each). */
    static const char kids[] =
        "SELECT id FROM tickets WHERE incident_id = ?1 AND status IN"
        " ('new', 'assigned', 'in_progress', 'waiting_customer') ORDER BY id";
    int64_t *ids = NULL;
    size_t n = 0;
    if ((s = as__collect_ids(db, kids, r->id, &ids, &n)) != AS_OK)
        return s;
    char *msg = text ? as__printf("%s", text)
                     : as__printf("故障已修复（事件 %s）。如仍有问题请回复。", r->tracking);
    for (size_t i = 0; i < n && s == AS_OK; i++) {
        trow c;
        if ((s = load_id(db, ids[i], &c)) != AS_OK)
            break;
        s = resolve_row(db, &c, t, by, msg ? msg : "", depth + 1);
        trow_free(&c);
    }
    free(msg);
    free(ids);
    return s;
}

as_status as_ticket_resolve(as_db *db, const char *tracking, const as_ticket_action *act)
{
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = check_text(db, "text", act->text, 0, &text)) == AS_OK)
        s = resolve_row(db, &r, t, act->by, text, 0);
    free(text);
    return change_end(db, &r, s);
}

as_status as_ticket_close(as_db *db, const char *tracking, const as_ticket_action *act)
{
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = check_text(db, "text", act->text, 0, &text)) == AS_OK)
        s = move(db, &r, AS_TICKET_CLOSED, t, act->by, "closed", 0, text);
    free(text);
    return change_end(db, &r, s);
}

static as_status void_surveys(as_db *db, int64_t ticket_id)
{
    static const char sql[] =
        "UPDATE surveys SET status = 'void' WHERE ticket_id = ?1 AND status = 'pending'";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, ticket_id);
    return as__step_done(db, st, "voiding a survey");
}

/* Open a ticket that follows r (reopen too late, low survey score). */
static as_status open_linked(as_db *db, trow *r, const char *by, int64_t t, const char *prefix,
                             const char *text, char out[AS_TRACKING_BUFSIZE])
{
    static const char sql[] = "SELECT channel, body FROM tickets WHERE id = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, r->id);
    char *channel = NULL, *body = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        channel = as__column_dup(st, 0);
        body = as__column_dup(st, 1);
    }
    sqlite3_reset(st);
    char *subject = as__printf("%s %s: %s", prefix, r->tracking, r->subject);
    char *b = as__printf("%s%s%s", text ? text : "", text ? "\n\n" : "", body ? body : "");
    as_status s = AS_NOMEM;
    if (channel && subject && b) {
        /* keep the subject within its limit */
        if (as__utf8_chars(subject) > 200) {
            char *p = subject;
            size_t chars = 0;
            while (*p && chars < 190) {
                p++;
                while ((*p & 0xC0) == 0x80)
                    p++;
                chars++;
            }
            *p = '\0';
        }
        as_ticket_input in = AS_TICKET_INPUT_INIT;
        in.user_id = r->user_id;
        in.channel = channel;
        in.category = r->category;
        in.subject = subject;
        in.body = b;
        in.severity = as__severity_names[r->severity];
        in.queue = r->queue;
        in.assignee = r->assignee;
        in.by = by;
        in.at = t;
        int64_t nid;
        s = open_in_txn(db, &in, r->id, &nid, out);
        if (s == AS_OK) {
            char msg[64];
            snprintf(msg, sizeof msg, "followed by %s", out);
            s = add_event(db, r, t, by, "linked", -1, -1, 0, msg);
        }
    } else if (!channel) {
        s = as__fail(db, AS_INTERNAL, "ticket %s vanished", r->tracking);
    }
    free(channel);
    free(body);
    free(subject);
    free(b);
    return s;
}

as_status as_ticket_reopen(as_db *db, const char *tracking, const as_ticket_action *act,
                           char new_tracking[AS_TRACKING_BUFSIZE])
{
    if (new_tracking)
        new_tracking[0] = '\0';
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    const as__ticket_cfg *cfg = cfg_of(db);
    int64_t window = cfg ? cfg->reopen_window : 7 * 86400;
    char *text = NULL;
    char made[AS_TRACKING_BUFSIZE] = "";
    if ((s = check_text(db, "text", act->text, 0, &text)) != AS_OK) {
        /* nothing */
    } else if (r.status == AS_TICKET_RESOLVED && r.resolved_at != NIL &&
               t - r.resolved_at <= window) {
        if ((s = move(db, &r, AS_TICKET_IN_PROGRESS, t, act->by, "reopened", 0, text)) == AS_OK)
            s = void_surveys(db, r.id);
    } else if (r.status == AS_TICKET_RESOLVED || r.status == AS_TICKET_CLOSED) {
        s = void_surveys(db, r.id);
        if (s == AS_OK)
            s = open_linked(db, &r, act->by, t, "重开", text, made);
        if (s == AS_OK && r.status == AS_TICKET_RESOLVED)
            s = move(db, &r, AS_TICKET_CLOSED, t, act->by, "closed", 0, "reopened as a new ticket");
    } else {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: only resolved or closed tickets reopen",
                     r.tracking, status_names[r.status]);
    }
    free(text);
    if (s == AS_OK && new_tracking)
        memcpy(new_tracking, made, sizeof made);
    return change_end(db, &r, s);
}

as_status as_ticket_merge(as_db *db, const char *dup, const char *into,
                          const as_ticket_action *act)
{
    trow r, target;
    int64_t t;
    memset(&target, 0, sizeof target);
    as_status s = change_begin(db, dup, &act, &r, &t);
    if (s != AS_OK)
        return s;
    if ((s = load(db, into, &target)) != AS_OK)
        return change_end(db, &r, s);
    if (target.id == r.id) {
        s = as__fail(db, AS_INVALID, "ticket %s cannot be merged into itself", r.tracking);
    } else if (!is_open(target.status)) {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: merge into an open ticket",
                     target.tracking, status_names[target.status]);
    } else if (strcmp(r.user_id, target.user_id) != 0) {
        s = as__fail(db, AS_INVALID, "tickets %s and %s belong to different customers: link"
                     " them to an incident instead", r.tracking, target.tracking);
    } else {
        r.merged_into = target.id;
        char msg[64];
        snprintf(msg, sizeof msg, "merged into %s", target.tracking);
        s = move(db, &r, AS_TICKET_MERGED, t, act->by, "merged", 0, msg);
        if (s == AS_OK) {
            snprintf(msg, sizeof msg, "duplicate %s merged here", r.tracking);
            s = add_event(db, &target, t, act->by, "merged", -1, -1, 0, msg);
        }
    }
    trow_free(&target);
    return change_end(db, &r, s);
}

as_status as_ticket_link(as_db *db, const char *tracking, const char *incident,
                         const as_ticket_action *act)
{
    trow r, p;
    int64_t t;
    memset(&p, 0, sizeof p);
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    if ((s = load(db, incident, &p)) != AS_OK)
        return change_end(db, &r, s);
    if (!p.is_incident) {
        s = as__fail(db, AS_INVALID, "ticket %s is not an incident (open it with severity systemic)",
                     p.tracking);
    } else if (r.is_incident) {
        s = as__fail(db, AS_INVALID, "ticket %s is an incident itself", r.tracking);
    } else if (!is_open(p.status)) {
        s = as__fail(db, AS_INVALID, "incident %s is %s", p.tracking, status_names[p.status]);
    } else if (!is_open(r.status)) {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: only open tickets link to an incident",
                     r.tracking, status_names[r.status]);
    } else {
        r.incident_id = p.id;
        char msg[64];
        snprintf(msg, sizeof msg, "linked to incident %s", p.tracking);
        if ((s = save(db, &r, t)) == AS_OK)
            s = add_event(db, &r, t, act->by, "linked", -1, -1, 0, msg);
        snprintf(msg, sizeof msg, "ticket %s linked", r.tracking);
        if (s == AS_OK)
            s = add_event(db, &p, t, act->by, "linked", -1, -1, 0, msg);
    }
    trow_free(&p);
    return change_end(db, &r, s);
}

as_status as_ticket_eta(as_db *db, const char *tracking, int64_t eta, const as_ticket_action *act)
{
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    if (!is_open(r.status)) {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: an ETA is for open tickets", r.tracking,
                     status_names[r.status]);
    } else {
        r.eta = eta ? eta : NIL;
        char buf[AS_TIME_BUFSIZE];
        if ((s = save(db, &r, t)) == AS_OK)
            s = add_event(db, &r, t, act->by, "eta", -1, -1, 1,
                          eta ? as_time_format(eta, as_db_utc_offset(db), buf) : "cleared");
    }
    return change_end(db, &r, s);
}

as_status as_ticket_autoclose(as_db *db, int64_t at, int64_t *closed)
{
    if (!db)
        return AS_MISUSE;
    if (closed)
        *closed = 0;
    int64_t t = at ? at : as__now();
    const as__ticket_cfg *cfg = cfg_of(db);
    int64_t after = cfg ? cfg->autoclose_after : 3 * 86400;
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    static const char sql[] = "SELECT id FROM tickets WHERE status = 'resolved' AND"
                              " resolved_at <= ?1 ORDER BY id";
    int64_t *ids = NULL;
    size_t n = 0;
    s = as__collect_ids(db, sql, t - after, &ids, &n);
    for (size_t i = 0; s == AS_OK && i < n; i++) {
        trow r;
        if ((s = load_id(db, ids[i], &r)) != AS_OK)
            break;
        s = move(db, &r, AS_TICKET_CLOSED, t, "system", "closed", 0, "closed automatically");
        trow_free(&r);
    }
    free(ids);
    if (s == AS_OK && closed)
        *closed = (int64_t)n;
    return as__write_end(db, s);
}

as_status as__ticket_rederive(as_db *db, int64_t id)
{
    trow r;
    as_status s = load_id(db, id, &r);
    if (s != AS_OK)
        return s;
    sla_derive(&r);
    static const char sql[] = "UPDATE tickets SET sla_watch = ?2 WHERE id = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st) {
        s = AS_INTERNAL;
    } else {
        sqlite3_bind_int64(st, 1, id);
        as__bind_int64_or_null(st, 2, r.sla_watch, NIL);
        s = as__step_done(db, st, "updating a ticket");
    }
    trow_free(&r);
    return s;
}

/* ---- the escalation sweep ------------------------------------------ */

void as__sla_rows_free(as__sla_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].tracking);
        free(rows[i].user_id);
        free(rows[i].severity);
        free(rows[i].queue);
        free(rows[i].assignee);
    }
    free(rows);
}

as_status as__sla_sweep(as_db *db, int64_t t, int64_t *recorded, as__sla_row **rows,
                        size_t *nrows)
{
    *recorded = 0;
    *rows = NULL;
    *nrows = 0;
    /* One pass over the covering index tickets_watch: every running clock
     * at risk by t.  Escalations not yet recorded are inserted (the UNIQUE
     * key makes a repeat a no-op), so a sweep never writes a ticket row. */
    static const char sql[] =
        "SELECT id, user_id, frt_due, frt_warn, res_due, res_warn, tracking, severity, queue,"
        " assignee FROM tickets WHERE sla_watch <= ?1 ORDER BY sla_watch, id";
    static const char esc[] =
        "INSERT INTO ticket_escalations (ticket_id, user_id, clock, kind, due_at, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (ticket_id, clock, kind) DO NOTHING";
    static const char ev[] =
        "INSERT INTO ticket_events (ticket_id, user_id, at, actor, kind, public, body)"
        " VALUES (?1, ?2, ?3, 'system', 'escalation', 0, ?4)";
    static const char *const clocks[2] = {"first_response", "resolution"};
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "sweeping SLA clocks");
    sqlite3_bind_int64(q, 1, t);
    as_status s = AS_OK;
    as__sla_row *out = NULL;
    size_t n = 0, cap = 0;
    while (s == AS_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            as__sla_row *p = realloc(out, cap * sizeof *p);
            if (!p) {
                s = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            out = p;
        }
        as__sla_row *row = &out[n++];
        memset(row, 0, sizeof *row);
        row->id = sqlite3_column_int64(q, 0);
        row->user_id = as__column_dup(q, 1);
        row->tracking = as__column_dup(q, 6);
        row->severity = as__column_dup(q, 7);
        row->queue = as__column_dup(q, 8);
        row->assignee = as__column_dup(q, 9);
        if (!row->user_id || !row->tracking || !row->severity || !row->queue) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        for (int c = 0; c < 2 && s == AS_OK; c++) {
            row->due[c] = as__column_int64_or(q, 2 + 2 * c, NIL);
            row->warn[c] = as__column_int64_or(q, 3 + 2 * c, NIL);
            if (row->due[c] == NIL)
                continue;
            for (int kind = 0; kind < 2 && s == AS_OK; kind++) {
                if ((kind ? row->due[c] : row->warn[c]) > t)
                    continue;
                sqlite3_stmt *st = as__stmt(db, esc);
                if (!st) {
                    s = AS_INTERNAL;
                    break;
                }
                sqlite3_bind_int64(st, 1, row->id);
                as__bind_text_or_null(st, 2, row->user_id);
                as__bind_text_or_null(st, 3, clocks[c]);
                as__bind_text_or_null(st, 4, kind ? "breached" : "at_risk");
                sqlite3_bind_int64(st, 5, row->due[c]);
                sqlite3_bind_int64(st, 6, t);
                if ((s = as__step_done(db, st, "recording an escalation")) != AS_OK)
                    break;
                if (sqlite3_changes(db->sql) == 0)
                    continue;
                if (!(st = as__stmt(db, ev))) {
                    s = AS_INTERNAL;
                    break;
                }
                char msg[80];
                snprintf(msg, sizeof msg, "%s %s", clocks[c], kind ? "breached" : "at risk");
                sqlite3_bind_int64(st, 1, row->id);
                as__bind_text_or_null(st, 2, row->user_id);
                sqlite3_bind_int64(st, 3, t);
                as__bind_text_or_null(st, 4, msg);
                if ((s = as__step_done(db, st, "recording an escalation")) != AS_OK)
                    break;
                (*recorded)++;
                row->escalated[c] = 1;
            }
        }
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "sweeping SLA clocks");
    sqlite3_finalize(q);
    if (s != AS_OK) {
        as__sla_rows_free(out, n);
        return s;
    }
    *rows = out;
    *nrows = n;
    return AS_OK;
}

/* ---- surveys ------------------------------------------------------- */

as_status as_survey_record(as_db *db, const char *tracking, int score, const char *comment,
                           int64_t at, char followup[AS_TRACKING_BUFSIZE])
{
    if (followup)
        followup[0] = '\0';
    if (!db)
        return AS_MISUSE;
    if (score < 1 || score > 5)
        return as__fail(db, AS_INVALID, "score: %d is not 1 to 5", score);
    as_ticket_action act = AS_TICKET_ACTION_INIT;
    act.at = at;
    const as_ticket_action *a = &act;
    trow r;
    int64_t t;
    as_status s = change_begin(db, tracking, &a, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    char made[AS_TRACKING_BUFSIZE] = "";
    if ((s = check_text(db, "comment", comment, 0, &text)) != AS_OK)
        return change_end(db, &r, s);
    static const char find[] = "SELECT id FROM surveys WHERE ticket_id = ?1 AND status = 'pending'"
                               " ORDER BY resolution DESC LIMIT 1";
    sqlite3_stmt *st = as__stmt(db, find);
    int64_t sid = 0;
    if (!st) {
        s = AS_INTERNAL;
    } else {
        sqlite3_bind_int64(st, 1, r.id);
        if (sqlite3_step(st) == SQLITE_ROW)
            sid = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (!sid)
            s = as__fail(db, AS_NOTFOUND, "ticket %s has no pending survey", r.tracking);
    }
    const as__ticket_cfg *cfg = cfg_of(db);
    if (s == AS_OK && cfg && score <= cfg->low_score)
        s = open_linked(db, &r, "system", t, "回访跟进", text, made);
    if (s == AS_OK) {
        static const char up[] =
            "UPDATE surveys SET status = 'answered', score = ?2, comment = ?3, answered_at = ?4,"
            " followup_id = (SELECT id FROM tickets WHERE tracking = ?5) WHERE id = ?1";
        if (!(st = as__stmt(db, up))) {
            s = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(st, 1, sid);
            sqlite3_bind_int(st, 2, score);
            as__bind_text_or_null(st, 3, text);
            sqlite3_bind_int64(st, 4, t);
            as__bind_text_or_null(st, 5, made[0] ? made : NULL);
            s = as__step_done(db, st, "recording a survey");
        }
    }
    if (s == AS_OK) {
        char msg[80];
        snprintf(msg, sizeof msg, "score %d%s%s", score, made[0] ? ", follow-up " : "", made);
        s = add_event(db, &r, t, "customer", "survey", -1, -1, 0, msg);
    }
    free(text);
    if (s == AS_OK && followup)
        memcpy(followup, made, sizeof made);
    return change_end(db, &r, s);
}
