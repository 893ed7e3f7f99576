/* ticket.c - the ticket lifecycle: the status table with its transitions,
 * a ticket row in memory (load, save, events), opening (routing) and every
 * change (assign, reply, resolve, close, reopen, merge, link, autoclose).
 * SLA clocks are in ticket_sla.c, surveys in ticket_survey.c, tracking
 * numbers in ticket_track.c, reads in ticket_read.c. */
#include "ticket.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL AS__TICKET_NIL

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

const char *const as__customer_names[3] = {"known", "unknown", "anonymous"};

static int customer_parse(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, as__customer_names[i]) == 0)
            return i;
    return -1;
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

/* ---- a ticket row in memory ---------------------------------------- */

void as__trow_free(as__trow *r)
{
    free(r->user_id);
    free(r->queue);
    free(r->assignee);
    free(r->calendar);
    free(r->category);
    free(r->subject);
    memset(r, 0, sizeof *r);
}

static as_status fill_row(as_db *db, sqlite3_stmt *st, as__trow *r)
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
    r->customer = customer_parse(as__column_text(st, 33));
    if (!r->user_id || !r->queue || !r->category || !r->subject || r->status < 0 ||
        r->severity < 0 || r->customer < 0) {
        as__trow_free(r);
        return as__fail(db, AS_INTERNAL, "ticket row %lld is damaged", (long long)r->id);
    }
    return AS_OK;
}

#define LOAD_COLS                                                                          \
    "SELECT id, tracking, user_id, queue, assignee, calendar, category, subject, status,"  \
    " severity, is_incident, incident_id, merged_into, related_id, created_at,"            \
    " first_response_at, resolved_at, closed_at, eta, resolutions, frt_target, res_target," \
    " frt_due, res_due, frt_warn, res_warn, frt_left, res_left, frt_met, res_met, frt_used,"\
    " res_used, sla_watch, customer FROM tickets "

/* Step a cached load statement (bound by the caller) into r. */
static as_status load_step(as_db *db, sqlite3_stmt *st, as__trow *r, const char *what)
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
as_status as__ticket_load(as_db *db, const char *text, as__trow *r)
{
    char num[AS_TRACKING_BUFSIZE];
    if (!text)
        return as__fail(db, AS_MISUSE, "tracking number is NULL");
    if (as_tracking_check(text, num) != AS_OK)
        return as__bad_tracking(db, text);
    static const char sql[] = LOAD_COLS "WHERE tracking = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
    return load_step(db, st, r, num);
}

as_status as__ticket_load_id(as_db *db, int64_t id, as__trow *r)
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

as_status as__ticket_save(as_db *db, as__trow *r, int64_t now)
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

as_status as__ticket_last_event(as_db *db, int64_t ticket_id, int64_t *at, char *kind,
                                size_t kindsz)
{
    static const char sql[] =
        "SELECT at, kind FROM ticket_events WHERE ticket_id = ?1 ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, ticket_id);
    int rc = sqlite3_step(st);
    *at = NIL;
    if (kind && kindsz)
        kind[0] = '\0';
    if (rc == SQLITE_ROW) {
        *at = sqlite3_column_int64(st, 0);
        if (kind && kindsz)
            as__column_copy(st, 1, kind, kindsz);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a ticket's history");
    return AS_OK;
}

/* A history that could have happened: an event is dated neither before the
 * ticket was opened nor before the ticket's previous event. */
static as_status check_event_time(as_db *db, const as__trow *r, int64_t at)
{
    int off = as_db_utc_offset(db);
    char a[AS_TIME_BUFSIZE], b[AS_TIME_BUFSIZE];
    if (r->created_at != NIL && at < r->created_at)
        return as__fail(db, AS_INVALID,
                        "ticket %s: an event at %s would come before the ticket was opened (%s)",
                        r->tracking, as_time_format(at, off, a),
                        as_time_format(r->created_at, off, b));
    int64_t last;
    char kind[32];
    as_status s = as__ticket_last_event(db, r->id, &last, kind, sizeof kind);
    if (s != AS_OK)
        return s;
    if (last != NIL && at < last)
        return as__fail(db, AS_INVALID,
                        "ticket %s: an event at %s would come before its previous event (%s at %s)",
                        r->tracking, as_time_format(at, off, a), kind,
                        as_time_format(last, off, b));
    return AS_OK;
}

as_status as__ticket_event(as_db *db, const as__trow *r, int64_t at, const char *actor,
                           const char *kind, int from, int to, int public, const char *text)
{
    as_status ts = check_event_time(db, r, at);
    if (ts != AS_OK)
        return ts;
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
 * the ticket this one reopens or follows up (NIL: none).  customer: who
 * may be the customer (AS__CUSTOMER_KNOWN: an existing user only; see
 * as__ticket_open_for()). */
static as_status open_in_txn(as_db *db, const as_ticket_input *in, int64_t related,
                             int customer, int64_t *id_out, char tracking[AS_TRACKING_BUFSIZE])
{
    const as__ticket_cfg *cfg = as__ticket_cfg_of(db);
    if (!cfg)
        return as__fail(db, AS_CONFIG, "no ticket configuration");
    char why[160];
    const char *user_id = customer == AS__CUSTOMER_ANONYMOUS ? "" : in->user_id;
    if (customer != AS__CUSTOMER_ANONYMOUS &&
        (!in->user_id || as__check_id(in->user_id, why, sizeof why) != AS_OK))
        return as__fail(db, AS_INVALID, "user_id: %s", in->user_id ? why : "is missing");
    int ch_ok = 0;
    for (size_t i = 0; in->channel && channel_names[i]; i++)
        ch_ok |= strcmp(in->channel, channel_names[i]) == 0;
    if (!ch_ok)
        return as__fail(db, AS_INVALID,
                        "channel: '%.40s' is not one of app, phone, wechat, web, station",
                        in->channel ? in->channel : "");
    if (in->station_id && as__check_id(in->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station_id: %s", why);
    int sev = -1;
    if (in->severity && (sev = as__severity_index(in->severity)) < 0)
        return as__fail(db, AS_INVALID,
                        "severity: '%.40s' is not one of normal, urgent, major, systemic",
                        in->severity);
    as_status s = AS_OK;
    if (customer != AS__CUSTOMER_ANONYMOUS) {
        s = user_exists(db, in->user_id);
        if (s == AS_NOTFOUND && customer == AS__CUSTOMER_UNKNOWN)
            s = AS_OK;   /* a customer known by id only, linked when added */
        else if (s == AS_OK)
            customer = AS__CUSTOMER_KNOWN;
        if (s != AS_OK)
            return s;
    }
    char *category = NULL, *subject = NULL, *body = NULL, *folded = NULL, *queue = NULL,
         *assignee = NULL;
    if ((s = text_field(db, "category", in->category, 1, 64, &category)) != AS_OK ||
        (s = text_field(db, "subject", in->subject, 1, 200, &subject)) != AS_OK ||
        (s = text_field(db, "body", in->body, 0, 10000, &body)) != AS_OK)
        goto out;
    if (in->queue && (s = text_field(db, "queue", in->queue, 1, 64, &queue)) != AS_OK)
        goto out;
    /* A queue the caller names must be one the configuration knows (a
     * follow-up keeps its ticket's queue). */
    if (queue && related == NIL && !as__ticket_queue_known(cfg, queue)) {
        char *known = as__ticket_queue_list(cfg);
        s = as__fail(db, known ? AS_INVALID : AS_NOMEM,
                     "queue: '%.60s' is not a queue of the configuration (%s)", queue,
                     known ? known : "");
        free(known);
        goto out;
    }
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
    if ((s = as__ticket_calendar_of(db, lv->calendar, &cal)) != AS_OK)
        goto out;

    int64_t t = in->at ? in->at : as__now();
    sqlite3_stmt *st = as__stmt(db, "SELECT coalesce(max(id), 0) + 1 FROM tickets");
    if (!st) {
        s = AS_INTERNAL;
        goto out;
    }
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    as__trow r;
    memset(&r, 0, sizeof r);
    /* The number is a keyed permutation of the id.  An imported ticket, or
     * one numbered before the database had its key, keeps its number, which
     * may be the one this id would get: skip such ids. */
    unsigned char key[AS__TRACKING_KEY_BYTES];
    if ((s = as__tracking_key(db, key)) != AS_OK)
        goto out;
    for (;;) {
        if (as__tracking_permute(key, id, r.tracking) < 0) {
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
        as__ticket_clock_run(db, cal, &r, k, t, r.target[k]);
    }
    as__ticket_sla_derive(&r);
    static const char ins[] =
        "INSERT INTO tickets (id, tracking, user_id, channel, category, subject, body, severity,"
        " queue, assignee, status, is_incident, related_id, rule, created_at, updated_at,"
        " calendar, frt_target, res_target, frt_due, res_due, frt_warn, res_warn, sla_watch,"
        " customer, station_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
        " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)";
    if (!(st = as__stmt(db, ins))) {
        s = AS_INTERNAL;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    as__bind_text_or_null(st, 2, r.tracking);
    as__bind_text_or_null(st, 3, user_id);
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
    as__bind_text_or_null(st, 24, as__customer_names[customer]);
    as__bind_text_or_null(st, 25, in->station_id);
    if ((s = as__step_done(db, st, "opening a ticket")) != AS_OK)
        goto out;
    r.user_id = (char *)user_id;
    r.customer = customer;
    char what[300];
    snprintf(what, sizeof what, "channel %s, queue %s, severity %s%s%s%s%s%s", in->channel, q,
             as__severity_names[sev], rule ? ", rule " : "", rule && rule->name ? rule->name : "",
             a ? ", assignee " : "", a ? a : "",
             customer == AS__CUSTOMER_UNKNOWN     ? ", customer not a user yet"
             : customer == AS__CUSTOMER_ANONYMOUS ? ", anonymous customer"
                                                  : "");
    s = as__ticket_event(db, &r, t, in->by ? in->by : "customer", "opened", -1, r.status, 0, what);
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
    if (!db || !in || (in->version != AS_TICKET_INPUT_VERSION && in->version != 1))
        return db ? as__fail(db, AS_MISUSE, "as_ticket_open: bad input") : AS_MISUSE;
    /* Version 1 ends before station_id: read no further. */
    as_ticket_input v1;
    if (in->version == 1) {
        memset(&v1, 0, sizeof v1);
        memcpy(&v1, in, offsetof(as_ticket_input, station_id));
        v1.station_id = NULL;
        in = &v1;
    }
    if (tracking)
        tracking[0] = '\0';
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    s = open_in_txn(db, in, NIL, AS__CUSTOMER_KNOWN, NULL, tracking);
    return as__write_end(db, s);
}

as_status as__ticket_open_for(as_db *db, const as_ticket_input *in, int customer,
                              char tracking[AS_TRACKING_BUFSIZE])
{
    return open_in_txn(db, in, NIL, customer, NULL, tracking);
}

as_status as__ticket_link_customers(as_db *db, as_status s)
{
    /* The partial index on unknown customers holds the few such tickets
     * (none in most databases): this costs one index probe then. */
    static const char find[] =
        "SELECT t.id FROM tickets t WHERE t.customer = 'unknown'"
        " AND EXISTS (SELECT 1 FROM users u WHERE u.user_id = t.user_id) ORDER BY t.id";
    static const char upd[] = "UPDATE tickets SET customer = 'known' WHERE id = ?1";
    static const char esc[] =
        "UPDATE feedback_escalations SET status = 'opened'"
        " WHERE ref = (SELECT tracking FROM tickets WHERE id = ?1) AND status = 'pending'";
    if (s != AS_OK || !db)
        return s;
    int64_t *ids = NULL;
    size_t n = 0;
    if ((s = as__write_begin(db)) != AS_OK)
        return s;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db->sql, find, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return as__write_end(db, as__sqlfail(db, rc, "linking customers' tickets"));
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t *p = realloc(ids, (n + 1) * sizeof *p);
        if (!p) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        ids = p;
        ids[n++] = sqlite3_column_int64(q, 0);
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "linking customers' tickets");
    sqlite3_finalize(q);
    int64_t now = as__now();
    for (size_t i = 0; s == AS_OK && i < n; i++) {
        as__trow r;
        if ((s = as__ticket_load_id(db, ids[i], &r)) != AS_OK)
            break;
        /* Never before the ticket's last event (histories dated ahead). */
        int64_t at = now, last;
        sqlite3_stmt *st;
        if ((s = as__ticket_last_event(db, r.id, &last, NULL, 0)) == AS_OK && last != NIL &&
            last > at)
            at = last;
        if (s == AS_OK && (st = as__stmt(db, upd))) {
            sqlite3_bind_int64(st, 1, r.id);
            s = as__step_done(db, st, "linking a customer's tickets");
        } else if (s == AS_OK) {
            s = AS_INTERNAL;
        }
        if (s == AS_OK && (st = as__stmt(db, esc))) {
            sqlite3_bind_int64(st, 1, r.id);
            s = as__step_done(db, st, "linking a customer's tickets");
        } else if (s == AS_OK) {
            s = AS_INTERNAL;
        }
        if (s == AS_OK) {
            char msg[160];
            snprintf(msg, sizeof msg, "customer %.64s is a user now: linked", r.user_id);
            s = as__ticket_event(db, &r, at, "system", "customer", -1, -1, 0, msg);
        }
        as__trow_free(&r);
    }
    free(ids);
    return as__write_end(db, s);
}

as_status as__ticket_set_customer(as_db *db, const char *tracking, const char *user_id,
                                  int64_t at)
{
    as__trow r;
    as_status s = as__ticket_load(db, tracking, &r);
    if (s != AS_OK)
        return s;
    if (r.customer != AS__CUSTOMER_ANONYMOUS) {
        as__trow_free(&r);
        return AS_OK;
    }
    s = user_exists(db, user_id);
    int customer = s == AS_OK ? AS__CUSTOMER_KNOWN : AS__CUSTOMER_UNKNOWN;
    if (s == AS_NOTFOUND)
        s = AS_OK;
    int64_t last;
    if (s == AS_OK && (s = as__ticket_last_event(db, r.id, &last, NULL, 0)) == AS_OK &&
        last != NIL && last > at)
        at = last;
    static const char sql[] =
        "UPDATE tickets SET user_id = ?2, customer = ?3 WHERE id = ?1";
    static const char sv[] = "UPDATE surveys SET user_id = ?2 WHERE ticket_id = ?1";
    static const char esc[] = "UPDATE ticket_escalations SET user_id = ?2 WHERE ticket_id = ?1";
    const char *const stmts[] = {sql, sv, esc};
    for (size_t i = 0; s == AS_OK && i < 3; i++) {
        sqlite3_stmt *st = as__stmt(db, stmts[i]);
        if (!st) {
            s = AS_INTERNAL;
            break;
        }
        sqlite3_bind_int64(st, 1, r.id);
        sqlite3_bind_text(st, 2, user_id, -1, SQLITE_TRANSIENT);
        if (i == 0)
            sqlite3_bind_text(st, 3, as__customer_names[customer], -1, SQLITE_STATIC);
        s = as__step_done(db, st, "giving a ticket its customer");
    }
    if (s == AS_OK) {
        free(r.user_id);
        r.user_id = as__strdup(user_id);
        r.customer = customer;
        char msg[160];
        snprintf(msg, sizeof msg, "customer %.64s%s", user_id,
                 customer == AS__CUSTOMER_KNOWN ? "" : " (not a user yet)");
        s = r.user_id ? as__ticket_event(db, &r, at, "system", "customer", -1, -1, 0, msg)
                      : as__fail(db, AS_NOMEM, "out of memory");
    }
    as__trow_free(&r);
    return s;
}

/* ---- changes ------------------------------------------------------- */

static const as_ticket_action no_action = AS_TICKET_ACTION_INIT;

/* Begin a change: check act, open the transaction, load the ticket. */
as_status as__ticket_change_begin(as_db *db, const char *tracking, const as_ticket_action **act,
                                  as__trow *r, int64_t *t)
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
    s = as__ticket_load(db, tracking, r);
    if (s != AS_OK)
        as__write_end(db, s);
    return s;
}

as_status as__ticket_change_end(as_db *db, as__trow *r, as_status s)
{
    as__trow_free(r);
    return as__write_end(db, s);
}

/* Move r to status `to` (checked against the table) with an event. */
static as_status move(as_db *db, as__trow *r, int to, int64_t t, const char *by, const char *kind,
                      int public, const char *text)
{
    if (!as_ticket_transition_ok(r->status, to))
        return refuse_move(db, r->tracking, r->status, to);
    int from = r->status;
    as_status s = as__ticket_enter_status(db, r, to, t);
    if (s == AS_OK)
        s = as__ticket_save(db, r, t);
    if (s == AS_OK)
        s = as__ticket_event(db, r, t, by, kind, from, to, public, text);
    return s;
}

as_status as__ticket_check_text(as_db *db, const char *field, const char *text, int required,
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
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
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
            s = as__ticket_enter_status(db, &r, to, t);
        if (s == AS_OK)
            s = as__ticket_save(db, &r, t);
        if (s == AS_OK)
            s = as__ticket_event(db, &r, t, act->by, "assigned", to != from ? from : -1,
                                 to != from ? to : -1, 0, who);
    }
    return as__ticket_change_end(db, &r, s);
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
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = as__ticket_check_text(db, "text", act->text, 0, &text)) == AS_OK) {
        if (r.status == AS_TICKET_RESOLVED && status == AS_TICKET_IN_PROGRESS)
            s = as__fail(db, AS_INVALID, "ticket %s is resolved: use ticket reopen", r.tracking);
        else
            s = move(db, &r, status, t, act->by, "status", 0, text);
    }
    free(text);
    return as__ticket_change_end(db, &r, s);
}

as_status as_ticket_reply(as_db *db, const char *tracking, const as_ticket_action *act,
                          unsigned flags)
{
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = as__ticket_check_text(db, "text", act->text, 1, &text)) != AS_OK)
        return free(text), as__ticket_change_end(db, &r, s);
    if (!is_open(r.status)) {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: reopen it before replying", r.tracking,
                     status_names[r.status]);
        return free(text), as__ticket_change_end(db, &r, s);
    }
    const as__calendar *cal;
    if ((s = as__ticket_calendar_of(db, r.calendar, &cal)) != AS_OK)
        return free(text), as__ticket_change_end(db, &r, s);
    if (r.first_response_at == NIL) {
        r.first_response_at = t;
        as__ticket_clock_stop(cal, &r, 0, t, 1);
        as__ticket_sla_derive(&r);
    }
    int from = r.status;
    int to = from;
    if (flags & AS_REPLY_WAIT)
        to = AS_TICKET_WAITING_CUSTOMER;
    else if (from == AS_TICKET_NEW || from == AS_TICKET_ASSIGNED)
        to = AS_TICKET_IN_PROGRESS;
    if (to != from)
        s = as__ticket_enter_status(db, &r, to, t);
    if (s == AS_OK)
        s = as__ticket_save(db, &r, t);
    if (s == AS_OK)
        s = as__ticket_event(db, &r, t, act->by, "reply", to != from ? from : -1,
                             to != from ? to : -1, 1, text);
    free(text);
    return as__ticket_change_end(db, &r, s);
}

as_status as_ticket_note(as_db *db, const char *tracking, const as_ticket_action *act)
{
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = as__ticket_check_text(db, "text", act->text, 1, &text)) == AS_OK &&
        (s = as__ticket_event(db, &r, t, act->by, "note", -1, -1, 0, text)) == AS_OK) {
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
    return as__ticket_change_end(db, &r, s);
}

/* Resolve r (inside the transaction), its survey, and an incident's children. */
static as_status resolve_row(as_db *db, as__trow *r, int64_t t, const char *by, const char *text,
                             int depth)
{
    as_status s = move(db, r, AS_TICKET_RESOLVED, t, by, "resolved", text != NULL, text);
    if (s != AS_OK)
        return s;
    if ((s = as__ticket_survey_due(db, r, by, t)) != AS_OK)
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
        as__trow c;
        if ((s = as__ticket_load_id(db, ids[i], &c)) != AS_OK)
            break;
        s = resolve_row(db, &c, t, by, msg ? msg : "", depth + 1);
        as__trow_free(&c);
    }
    free(msg);
    free(ids);
    return s;
}

as_status as_ticket_resolve(as_db *db, const char *tracking, const as_ticket_action *act)
{
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = as__ticket_check_text(db, "text", act->text, 0, &text)) == AS_OK)
        s = resolve_row(db, &r, t, act->by, text, 0);
    free(text);
    return as__ticket_change_end(db, &r, s);
}

as_status as_ticket_close(as_db *db, const char *tracking, const as_ticket_action *act)
{
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    if ((s = as__ticket_check_text(db, "text", act->text, 0, &text)) == AS_OK)
        s = move(db, &r, AS_TICKET_CLOSED, t, act->by, "closed", 0, text);
    free(text);
    return as__ticket_change_end(db, &r, s);
}

/* Open a ticket that follows r (reopen too late, low survey score). */
as_status as__ticket_open_linked(as_db *db, as__trow *r, const char *by, int64_t t,
                                 const char *prefix, const char *text, const char *queue,
                                 const char *assignee, char out[AS_TRACKING_BUFSIZE])
{
    static const char sql[] = "SELECT channel, body, station_id FROM tickets WHERE id = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, r->id);
    char *channel = NULL, *body = NULL, *station = NULL;
    int station_bad = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        channel = as__column_dup(st, 0);
        body = as__column_dup(st, 1);
        station = as__strdup_opt(as__column_text(st, 2), &station_bad);
    }
    sqlite3_reset(st);
    char *subject = as__printf("%s %s: %s", prefix, r->tracking, r->subject);
    char *b = as__printf("%s%s%s", text ? text : "", text ? "\n\n" : "", body ? body : "");
    as_status s = AS_NOMEM;
    if (channel && subject && b && !station_bad) {
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
        in.queue = queue ? queue : r->queue;
        in.assignee = assignee;
        in.by = by;
        in.at = t;
        in.station_id = station;   /* the follow-up concerns the same station */
        int64_t nid;
        s = open_in_txn(db, &in, r->id,
                        r->customer == AS__CUSTOMER_KNOWN ? AS__CUSTOMER_KNOWN
                        : r->customer == AS__CUSTOMER_UNKNOWN ? AS__CUSTOMER_UNKNOWN
                                                              : AS__CUSTOMER_ANONYMOUS,
                        &nid, out);
        if (s == AS_OK) {
            char msg[64];
            snprintf(msg, sizeof msg, "followed by %s", out);
            s = as__ticket_event(db, r, t, by, "linked", -1, -1, 0, msg);
        }
    } else if (!channel) {
        s = as__fail(db, AS_INTERNAL, "ticket %s vanished", r->tracking);
    }
    free(channel);
    free(body);
    free(station);
    free(subject);
    free(b);
    return s;
}

as_status as_ticket_reopen(as_db *db, const char *tracking, const as_ticket_action *act,
                           char new_tracking[AS_TRACKING_BUFSIZE])
{
    if (new_tracking)
        new_tracking[0] = '\0';
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    const as__ticket_cfg *cfg = as__ticket_cfg_of(db);
    int64_t window = cfg ? cfg->reopen_window : 7 * 86400;
    char *text = NULL;
    char made[AS_TRACKING_BUFSIZE] = "";
    if ((s = as__ticket_check_text(db, "text", act->text, 0, &text)) != AS_OK) {
        /* nothing */
    } else if (r.status == AS_TICKET_RESOLVED && r.resolved_at != NIL &&
               t - r.resolved_at <= window) {
        if ((s = move(db, &r, AS_TICKET_IN_PROGRESS, t, act->by, "reopened", 0, text)) == AS_OK)
            s = as__ticket_void_surveys(db, r.id);
    } else if (r.status == AS_TICKET_RESOLVED || r.status == AS_TICKET_CLOSED) {
        s = as__ticket_void_surveys(db, r.id);
        if (s == AS_OK)
            s = as__ticket_open_linked(db, &r, act->by, t, "重开", text, NULL, r.assignee, made);
        if (s == AS_OK && r.status == AS_TICKET_RESOLVED)
            s = move(db, &r, AS_TICKET_CLOSED, t, act->by, "closed", 0, "reopened as a new ticket");
    } else {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: only resolved or closed tickets reopen",
                     r.tracking, status_names[r.status]);
    }
    free(text);
    if (s == AS_OK && new_tracking)
        memcpy(new_tracking, made, sizeof made);
    return as__ticket_change_end(db, &r, s);
}

as_status as_ticket_merge(as_db *db, const char *dup, const char *into,
                          const as_ticket_action *act)
{
    as__trow r, target;
    int64_t t;
    memset(&target, 0, sizeof target);
    as_status s = as__ticket_change_begin(db, dup, &act, &r, &t);
    if (s != AS_OK)
        return s;
    if ((s = as__ticket_load(db, into, &target)) != AS_OK)
        return as__ticket_change_end(db, &r, s);
    if (target.id == r.id) {
        s = as__fail(db, AS_INVALID, "ticket %s cannot be merged into itself", r.tracking);
    } else if (!is_open(target.status)) {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: merge into an open ticket",
                     target.tracking, status_names[target.status]);
    } else if (r.customer == AS__CUSTOMER_ANONYMOUS || target.customer == AS__CUSTOMER_ANONYMOUS) {
        s = as__fail(db, AS_INVALID, "tickets %s and %s: an anonymous customer's ticket is merged"
                     " with nothing (nobody knows it is the same customer)", r.tracking,
                     target.tracking);
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
            s = as__ticket_event(db, &target, t, act->by, "merged", -1, -1, 0, msg);
        }
    }
    as__trow_free(&target);
    return as__ticket_change_end(db, &r, s);
}

as_status as_ticket_link(as_db *db, const char *tracking, const char *incident,
                         const as_ticket_action *act)
{
    as__trow r, p;
    int64_t t;
    memset(&p, 0, sizeof p);
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    if ((s = as__ticket_load(db, incident, &p)) != AS_OK)
        return as__ticket_change_end(db, &r, s);
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
        if ((s = as__ticket_save(db, &r, t)) == AS_OK)
            s = as__ticket_event(db, &r, t, act->by, "linked", -1, -1, 0, msg);
        snprintf(msg, sizeof msg, "ticket %s linked", r.tracking);
        if (s == AS_OK)
            s = as__ticket_event(db, &p, t, act->by, "linked", -1, -1, 0, msg);
    }
    as__trow_free(&p);
    return as__ticket_change_end(db, &r, s);
}

as_status as_ticket_eta(as_db *db, const char *tracking, int64_t eta, const as_ticket_action *act)
{
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &act, &r, &t);
    if (s != AS_OK)
        return s;
    if (!is_open(r.status)) {
        s = as__fail(db, AS_INVALID, "ticket %s is %s: an ETA is for open tickets", r.tracking,
                     status_names[r.status]);
    } else {
        r.eta = eta ? eta : NIL;
        char buf[AS_TIME_BUFSIZE];
        if ((s = as__ticket_save(db, &r, t)) == AS_OK)
            s = as__ticket_event(db, &r, t, act->by, "eta", -1, -1, 1,
                                 eta ? as_time_format(eta, as_db_utc_offset(db), buf) : "cleared");
    }
    return as__ticket_change_end(db, &r, s);
}

as_status as_ticket_autoclose(as_db *db, int64_t at, int64_t *closed)
{
    if (!db)
        return AS_MISUSE;
    if (closed)
        *closed = 0;
    int64_t t = at ? at : as__now();
    const as__ticket_cfg *cfg = as__ticket_cfg_of(db);
    int64_t after = cfg ? cfg->autoclose_after : 3 * 86400;
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    static const char sql[] = "SELECT id FROM tickets WHERE status = 'resolved' AND"
                              " resolved_at <= ?1 ORDER BY id";
    int64_t *ids = NULL;
    size_t n = 0;
    s = as__collect_ids(db, sql, t - after, &ids, &n);
    int64_t done = 0;
    for (size_t i = 0; s == AS_OK && i < n; i++) {
        /* A ticket whose history goes past t (a note after the resolution,
         * and an autoclose run for an earlier time) is left alone. */
        int64_t last;
        if ((s = as__ticket_last_event(db, ids[i], &last, NULL, 0)) != AS_OK)
            break;
        if (last != NIL && last > t)
            continue;
        as__trow r;
        if ((s = as__ticket_load_id(db, ids[i], &r)) != AS_OK)
            break;
        s = move(db, &r, AS_TICKET_CLOSED, t, "system", "closed", 0, "closed automatically");
        as__trow_free(&r);
        done++;
    }
    free(ids);
    if (s == AS_OK && closed)
        *closed = done;
    return as__write_end(db, s);
}

