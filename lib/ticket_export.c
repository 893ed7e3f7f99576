/* ticket_export.c - tickets as JSON Lines with their full history, and the
 * import of the same (through the one import driver). */
#include "import.h"
#include "ticket.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A time column as ISO 8601 in the business zone (?1 = offset seconds,
 * ?2 = "+08:00"), NULL as null. */
#define ISO(x) "CASE WHEN " x " IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S', " x \
               " + ?1, 'unixepoch') || ?2 END"

/* A met flag (0/1/NULL) as a JSON boolean or null. */
#define MET(x) "json(CASE " x " WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'null' END)"

/* The fields of ticket show under the same names, then the clock state,
 * the history, escalations and surveys (docs/json.md, "ticket export"). */
static const char export_sql[] =
    "SELECT json_object("
    "'tracking', t.tracking, 'status', t.status, 'severity', t.severity, 'queue', t.queue,"
    " 'assignee', t.assignee, 'user_id', nullif(t.user_id, ''), 'channel', t.channel,"
    " 'category', t.category, 'subject', as_mask_phones(t.subject),"
    " 'body', as_mask_phones(t.body),"
    " 'is_incident', json(CASE t.is_incident WHEN 1 THEN 'true' ELSE 'false' END),"
    " 'incident', (SELECT p.tracking FROM tickets p WHERE p.id = t.incident_id),"
    " 'merged_into', (SELECT p.tracking FROM tickets p WHERE p.id = t.merged_into),"
    " 'related', (SELECT p.tracking FROM tickets p WHERE p.id = t.related_id),"
    " 'rule', t.rule, 'kb_article_id', t.kb_article_id,"
    " 'created_at', " ISO("t.created_at") ", 'updated_at', " ISO("t.updated_at") ","
    " 'first_response_at', " ISO("t.first_response_at") ","
    " 'resolved_at', " ISO("t.resolved_at") ", 'closed_at', " ISO("t.closed_at") ","
    " 'eta', " ISO("t.eta") ","
    " 'first_response_due', " ISO("t.frt_due") ", 'resolution_due', " ISO("t.res_due") ","
    " 'first_response_met', " MET("t.frt_met") ", 'resolution_met', " MET("t.res_met") ","
    " 'resolutions', t.resolutions, 'calendar', t.calendar,"
    " 'first_response_target_s', t.frt_target, 'first_response_warn', " ISO("t.frt_warn") ","
    " 'first_response_left_s', t.frt_left, 'first_response_used_s', t.frt_used,"
    " 'resolution_target_s', t.res_target, 'resolution_warn', " ISO("t.res_warn") ","
    " 'resolution_left_s', t.res_left, 'resolution_used_s', t.res_used,"
    " 'customer', t.customer, 'station_id', t.station_id,"
    " 'events', (SELECT json_group_array(json_object('at', " ISO("e.at") ", 'by', e.actor,"
    "   'kind', e.kind, 'from_status', e.from_status, 'to_status', e.to_status,"
    "   'public', json(CASE e.public WHEN 1 THEN 'true' ELSE 'false' END),"
    "   'text', as_mask_phones(e.body)))"
    "   FROM (SELECT * FROM ticket_events WHERE ticket_id = t.id ORDER BY id) e),"
    " 'escalations', (SELECT json_group_array(json_object('clock', x.clock, 'kind', x.kind,"
    "   'due_at', " ISO("x.due_at") ", 'at', " ISO("x.at") "))"
    "   FROM (SELECT * FROM ticket_escalations WHERE ticket_id = t.id ORDER BY id) x),"
    " 'surveys', (SELECT json_group_array(json_object('resolution', s.resolution,"
    "   'agent', s.agent, 'queue', s.queue, 'created_at', " ISO("s.created_at") ","
    "   'due_at', " ISO("s.due_at") ", 'status', s.status, 'score', s.score,"
    "   'comment', as_mask_phones(s.comment), 'answered_at', " ISO("s.answered_at") ","
    "   'followup', (SELECT f.tracking FROM tickets f WHERE f.id = s.followup_id)))"
    "   FROM (SELECT * FROM surveys WHERE ticket_id = t.id ORDER BY id) s))"
    " FROM tickets t ORDER BY t.id";

as_status as_ticket_export(as_db *db, FILE *out, int64_t *count)
{
    if (!db || !out)
        return db ? as__fail(db, AS_MISUSE, "as_ticket_export: NULL argument") : AS_MISUSE;
    if (count)
        *count = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, export_sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "exporting tickets");
    int off = as_db_utc_offset(db);
    char zone[32];
    snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60 % 100,
             abs(off) % 60);
    sqlite3_bind_int64(st, 1, (int64_t)off * 60);
    sqlite3_bind_text(st, 2, zone, -1, SQLITE_TRANSIENT);
    as_status s = AS_OK;
    int64_t n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (!line || fputs(line, out) == EOF || fputc('\n', out) == EOF) {
            s = line ? as__fail(db, AS_IO, "writing the export: %s", strerror(errno))
                     : as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        n++;
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "exporting tickets");
    sqlite3_finalize(st);
    if (s == AS_OK && fflush(out) != 0)
        s = as__fail(db, AS_IO, "writing the export: %s", strerror(errno));
    if (s == AS_OK) {
        if (count)
            *count = n;
        as__ok(db);
    }
    return s;
}

/* ---- import -------------------------------------------------------- */

enum {
    C_TRACKING, C_USER, C_CHANNEL, C_CATEGORY, C_SUBJECT, C_BODY, C_SEVERITY, C_QUEUE,
    C_ASSIGNEE, C_STATUS, C_INCIDENT_FLAG, C_INCIDENT, C_MERGED, C_RELATED, C_RULE, C_KB,
    C_CREATED, C_UPDATED, C_FIRST, C_RESOLVED, C_CLOSED, C_ETA, C_RESOLUTIONS, C_CALENDAR,
    C_FRT_TARGET, C_RES_TARGET, C_FRT_DUE, C_FRT_WARN, C_FRT_LEFT, C_RES_DUE, C_RES_WARN,
    C_RES_LEFT, C_FRT_MET, C_FRT_USED, C_RES_MET, C_RES_USED, C_EVENTS, C_ESCALATIONS,
    C_SURVEYS, C_CUSTOMER, C_STATION,
    C_OLD,                   /* the names of 0.1.0, in the order of C_FRT_TARGET.. */
    C_N = C_OLD + (C_RES_USED - C_FRT_TARGET + 1)
};

static const char *const columns[C_N + 1] = {
    "tracking", "user_id", "channel", "category", "subject", "body", "severity", "queue",
    "assignee", "status", "is_incident", "incident", "merged_into", "related", "rule",
    "kb_article_id", "created_at", "updated_at", "first_response_at", "resolved_at",
    "closed_at", "eta", "resolutions", "calendar", "first_response_target_s",
    "resolution_target_s", "first_response_due", "first_response_warn",
    "first_response_left_s", "resolution_due", "resolution_warn", "resolution_left_s",
    "first_response_met", "first_response_used_s", "resolution_met", "resolution_used_s",
    "events", "escalations", "surveys", "customer", "station_id",
    /* 0.1.0 */
    "frt_target", "res_target", "frt_due", "frt_warn", "frt_left", "res_due", "res_warn",
    "res_left", "frt_met", "frt_used", "res_met", "res_used", NULL};

/* Bind cell i as a time (?n), reporting a bad one.  Returns 0 or -1. */
static int bind_time(as__import *im, sqlite3_stmt *st, int n, const char *const *cells, int i)
{
    const char *v = cells[i];
    if (!v || !v[0]) {
        sqlite3_bind_null(st, n);
        return 0;
    }
    int64_t t;
    if (as_time_parse(v, as_db_utc_offset(as__import_db(im)), &t) != AS_OK) {
        char msg[120];
        snprintf(msg, sizeof msg, "'%.40s' is not a time", v);
        as__import_problem(im, columns[i], msg);
        return -1;
    }
    sqlite3_bind_int64(st, n, t);
    return 0;
}

static int bind_int(as__import *im, sqlite3_stmt *st, int n, const char *const *cells, int i)
{
    const char *v = cells[i];
    if (!v || !v[0]) {
        sqlite3_bind_null(st, n);
        return 0;
    }
    if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
        sqlite3_bind_int(st, n, v[0] == 'y');
        return 0;
    }
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end) {
        char msg[120];
        snprintf(msg, sizeof msg, "'%.40s' is not a whole number", v);
        as__import_problem(im, columns[i], msg);
        return -1;
    }
    sqlite3_bind_int64(st, n, x);
    return 0;
}

/* The id of the ticket with this tracking number, 0 if none, -1 on error. */
static int64_t id_of(as_db *db, const char *tracking)
{
    static const char sql[] = "SELECT id FROM tickets WHERE tracking = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, tracking, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return id;
}

/* Step st; a constraint failure is a problem of the row (returns 1). */
static as_status step_row(as__import *im, sqlite3_stmt *st, const char *field, int *bad)
{
    as_db *db = as__import_db(im);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return AS_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_MISMATCH) {
        as__import_problem(im, field, sqlite3_errmsg(db->sql));
        *bad = 1;
        return AS_OK;
    }
    return as__sqlfail(db, rc, "importing a ticket");
}

static as_status insert_row(as__import *im, const char *const *cells, const char *num,
                            int customer, int *badp);

/* A time cell (ISO 8601), or NIL when empty or malformed (a malformed one
 * is reported when it is bound). */
static int64_t cell_time(as_db *db, const char *v)
{
    int64_t t;
    if (!v || !v[0] || as_time_parse(v, as_db_utc_offset(db), &t) != AS_OK)
        return AS__TICKET_NIL;
    return t;
}

/* What would leave the ticket unusable: a level, calendar or queue the
 * configuration does not know.  Problems go to the import. */
static void check_config_refs(as__import *im, const char *const *cells)
{
    as_db *db = as__import_db(im);
    char why[400];
    const char *sev = cells[C_SEVERITY];
    if (sev && sev[0] && as__severity_index(sev) < 0) {
        snprintf(why, sizeof why, "'%.40s' is not a level (normal, urgent, major, systemic)", sev);
        as__import_problem(im, "severity", why);
    }
    const char *cal = cells[C_CALENDAR];
    if (cal && cal[0] && !as__calendar_find(db, cal)) {
        snprintf(why, sizeof why,
                 "'%.60s' is not a calendar of the configuration (calendar list); the ticket's"
                 " clocks could not run", cal);
        as__import_problem(im, "calendar", why);
    }
    const char *q = cells[C_QUEUE];
    const as__ticket_cfg *tc = as__ticket_cfg_of(db);
    if (q && q[0] && !as__ticket_queue_known(tc, q)) {
        char *known = as__ticket_queue_list(tc);
        snprintf(why, sizeof why, "'%.60s' is not a queue of the configuration (%.200s)", q,
                 known ? known : "");
        free(known);
        as__import_problem(im, "queue", why);
    }
}

/* A history that could have happened: nothing before the ticket was
 * opened, events in time order.  Problems go to the import. */
static as_status check_history(as__import *im, const char *const *cells)
{
    as_db *db = as__import_db(im);
    int off = as_db_utc_offset(db);
    int64_t created = cell_time(db, cells[C_CREATED]);
    if (created == AS__TICKET_NIL)
        return AS_OK;   /* reported when bound */
    char a[AS_TIME_BUFSIZE], b[AS_TIME_BUFSIZE], why[300];
    as_time_format(created, off, b);
    static const int after_open[] = {C_UPDATED, C_FIRST, C_RESOLVED, C_CLOSED};
    for (size_t i = 0; i < sizeof after_open / sizeof after_open[0]; i++) {
        int64_t t = cell_time(db, cells[after_open[i]]);
        if (t != AS__TICKET_NIL && t < created) {
            snprintf(why, sizeof why, "%s would come before the ticket was opened (%s)",
                     as_time_format(t, off, a), b);
            as__import_problem(im, columns[after_open[i]], why);
        }
    }
    static const char each[] =
        "SELECT value ->> ?2, value ->> 'kind' FROM json_each(?1)"
        " WHERE json_valid(?1) AND json_type(?1) = 'array' ORDER BY key";
    static const struct {
        int col;
        const char *field;
        int ordered;
    } parts[] = {{C_EVENTS, "at", 1}, {C_ESCALATIONS, "at", 0}, {C_SURVEYS, "created_at", 0}};
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        const char *v = cells[parts[k].col];
        if (!v || !v[0])
            continue;
        sqlite3_stmt *st = as__stmt(db, each);
        if (!st)
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, v, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, parts[k].field, -1, SQLITE_STATIC);
        int64_t prev = AS__TICKET_NIL;
        char prevkind[32] = "";
        int rc, n = 0, reported = 0;
        while (!reported && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            n++;
            int64_t t = cell_time(db, as__column_text(st, 0));
            if (t == AS__TICKET_NIL)
                continue;   /* a missing or malformed time fails the insert */
            char field[64];
            snprintf(field, sizeof field, "%s[%d].%s", columns[parts[k].col], n - 1,
                     parts[k].field);
            if (t < created) {
                snprintf(why, sizeof why, "%s would come before the ticket was opened (%s)",
                         as_time_format(t, off, a), b);
                as__import_problem(im, field, why);
                reported = 1;
            } else if (parts[k].ordered && prev != AS__TICKET_NIL && t < prev) {
                char c[AS_TIME_BUFSIZE];
                snprintf(why, sizeof why, "%s would come before the previous event (%s at %s)",
                         as_time_format(t, off, a), prevkind, as_time_format(prev, off, c));
                as__import_problem(im, field, why);
                reported = 1;
            }
            prev = t;
            as__column_copy(st, 1, prevkind, sizeof prevkind);
        }
        sqlite3_reset(st);
    }
    return AS_OK;
}

static as_status ticket_row(as__import *im, const char *const *given, const char *extra,
                            as_upsert *result, void *ctx)
{
    (void)extra;
    (void)ctx;
    as_db *db = as__import_db(im);
    /* A clock field under its name of 0.1.0 stands for the new one. */
    const char *cells[C_N];
    memcpy(cells, given, sizeof cells);
    for (int i = C_FRT_TARGET; i <= C_RES_USED; i++) {
        const char *old = given[C_OLD + (i - C_FRT_TARGET)];
        if (old && given[i]) {
            char why[160];
            snprintf(why, sizeof why, "is also given as %s", columns[i]);
            as__import_problem(im, columns[C_OLD + (i - C_FRT_TARGET)], why);
        } else if (old) {
            cells[i] = old;
        }
    }
    if (as__import_row_problems(im))
        return AS_OK;
    char num[AS_TRACKING_BUFSIZE], why[160];
    /* The customer: a user (known), a user id that names nobody yet
     * (unknown), or nobody (anonymous: no user_id). */
    int customer = AS__CUSTOMER_KNOWN;
    const char *cu = cells[C_CUSTOMER];
    if (cu && cu[0]) {
        customer = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(cu, as__customer_names[i]) == 0)
                customer = i;
        if (customer < 0) {
            snprintf(why, sizeof why, "'%.40s' is not known, unknown or anonymous", cu);
            as__import_problem(im, "customer", why);
            return AS_OK;
        }
    }
    if (customer == AS__CUSTOMER_ANONYMOUS) {
        if (cells[C_USER] && cells[C_USER][0]) {
            as__import_problem(im, "user_id", "an anonymous customer's ticket has no user_id");
            return AS_OK;
        }
        cells[C_USER] = "";
    }
    if (as_tracking_check(cells[C_TRACKING], num) != AS_OK) {
        as__import_problem(im, "tracking", "invalid tracking number");
        return AS_OK;
    }
    int64_t existing = id_of(db, num);
    if (existing < 0)
        return as__sqlfail(db, sqlite3_errcode(db->sql), "looking up a ticket");
    if (existing > 0) {
        /* Tickets are imported once, never overwritten.  The same number
         * on another ticket (another database's numbering) is refused. */
        static const char same[] =
            "SELECT user_id = coalesce(?2, '') AND created_at = ?3 FROM tickets WHERE id = ?1";
        sqlite3_stmt *st = as__stmt(db, same);
        if (!st)
            return AS_INTERNAL;
        sqlite3_bind_int64(st, 1, existing);
        as__bind_text_or_null(st, 2, cells[C_USER]);
        int64_t created = cell_time(db, cells[C_CREATED]);
        if (created != AS__TICKET_NIL)
            sqlite3_bind_int64(st, 3, created);
        int rc = sqlite3_step(st);
        int is_same = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            return as__sqlfail(db, rc, "looking up a ticket");
        if (!is_same) {
            snprintf(why, sizeof why, "%s is the number of another ticket in this database"
                     " (another customer or opening time)", num);
            as__import_problem(im, "tracking", why);
            return AS_OK;
        }
        *result = AS_UPSERT_UNCHANGED;
        return AS_OK;
    }
    static const int required[] = {C_USER, C_CHANNEL, C_CATEGORY, C_SUBJECT, C_SEVERITY,
                                   C_QUEUE, C_STATUS, C_CREATED, C_FRT_TARGET, C_RES_TARGET};
    for (size_t i = customer == AS__CUSTOMER_ANONYMOUS; i < sizeof required / sizeof required[0];
         i++)
        if (!cells[required[i]] || !cells[required[i]][0])
            as__import_problem(im, columns[required[i]], "is missing");
    if (customer != AS__CUSTOMER_ANONYMOUS && cells[C_USER] &&
        as__check_id(cells[C_USER], why, sizeof why) != AS_OK)
        as__import_problem(im, "user_id", why);
    check_config_refs(im, cells);
    as_status hs = check_history(im, cells);
    if (hs != AS_OK)
        return hs;
    if (as__import_row_problems(im))
        return AS_OK;
    if (customer != AS__CUSTOMER_ANONYMOUS) {
        sqlite3_stmt *st = as__stmt(db, "SELECT 1 FROM users WHERE user_id = ?1");
        if (!st)
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, cells[C_USER], -1, SQLITE_TRANSIENT);
        int known = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
        if (known) {
            customer = AS__CUSTOMER_KNOWN;
        } else if (customer == AS__CUSTOMER_KNOWN) {
            snprintf(why, sizeof why, "user '%.64s' not found (import the users first)",
                     cells[C_USER]);
            as__import_problem(im, "user_id", why);
            return AS_OK;
        }
    }
    as_status s = as_begin(db);   /* a savepoint: a bad row leaves nothing behind */
    if (s != AS_OK)
        return s;
    int bad = 0;
    s = insert_row(im, cells, num, customer, &bad);
    if (s != AS_OK || bad) {
        as_rollback(db);
        return s;
    }
    if ((s = as_commit(db)) == AS_OK)
        *result = AS_UPSERT_INSERTED;
    return s;
}

static as_status insert_row(as__import *im, const char *const *cells, const char *num,
                            int customer, int *badp)
{
    as_db *db = as__import_db(im);
    sqlite3_stmt *st;
    int64_t id = 0;
    if (!(st = as__stmt(db, "SELECT coalesce(max(id), 0) + 1 FROM tickets")))
        return AS_INTERNAL;
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);

    static const char ins[] =
        "INSERT INTO tickets (id, tracking, user_id, channel, category, subject, body, severity,"
        " queue, assignee, status, is_incident, rule, kb_article_id, created_at, updated_at,"
        " first_response_at, resolved_at, closed_at, eta, resolutions, calendar, frt_target,"
        " res_target, frt_due, frt_warn, frt_left, res_due, res_warn, res_left, frt_met,"
        " frt_used, res_met, res_used, customer, station_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
        " coalesce(?7, ''), ?8, ?9, ?10, ?11, coalesce(?12, 0), ?13, ?14, ?15, coalesce(?16, ?15),"
        " ?17, ?18, ?19, ?20, coalesce(?21, 0), ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31,"
        " ?32, ?33, ?34, ?35, ?36)";
    if (!(st = as__stmt(db, ins)))
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, id);
    as__bind_text_or_null(st, 2, num);
    for (int i = C_USER; i <= C_STATUS; i++)
        as__bind_text_or_null(st, 3 + (i - C_USER), cells[i]);
    int bad = 0;
    bad |= bind_int(im, st, 12, cells, C_INCIDENT_FLAG);
    *badp = 0;
    as__bind_text_or_null(st, 13, cells[C_RULE]);
    bad |= bind_int(im, st, 14, cells, C_KB);
    bad |= bind_time(im, st, 15, cells, C_CREATED);
    bad |= bind_time(im, st, 16, cells, C_UPDATED);
    bad |= bind_time(im, st, 17, cells, C_FIRST);
    bad |= bind_time(im, st, 18, cells, C_RESOLVED);
    bad |= bind_time(im, st, 19, cells, C_CLOSED);
    bad |= bind_time(im, st, 20, cells, C_ETA);
    bad |= bind_int(im, st, 21, cells, C_RESOLUTIONS);
    as__bind_text_or_null(st, 22, cells[C_CALENDAR]);
    bad |= bind_int(im, st, 23, cells, C_FRT_TARGET);
    bad |= bind_int(im, st, 24, cells, C_RES_TARGET);
    bad |= bind_time(im, st, 25, cells, C_FRT_DUE);
    bad |= bind_time(im, st, 26, cells, C_FRT_WARN);
    bad |= bind_int(im, st, 27, cells, C_FRT_LEFT);
    bad |= bind_time(im, st, 28, cells, C_RES_DUE);
    bad |= bind_time(im, st, 29, cells, C_RES_WARN);
    bad |= bind_int(im, st, 30, cells, C_RES_LEFT);
    bad |= bind_int(im, st, 31, cells, C_FRT_MET);
    bad |= bind_int(im, st, 32, cells, C_FRT_USED);
    bad |= bind_int(im, st, 33, cells, C_RES_MET);
    bad |= bind_int(im, st, 34, cells, C_RES_USED);
    sqlite3_bind_text(st, 35, as__customer_names[customer], -1, SQLITE_STATIC);
    const char *station = cells[C_STATION] && cells[C_STATION][0] ? cells[C_STATION] : NULL;
    char why[120];
    if (station && as__check_id(station, why, sizeof why) != AS_OK) {
        as__import_problem(im, "station_id", why);
        bad = 1;
    }
    as__bind_text_or_null(st, 36, station);
    if (bad) {
        sqlite3_reset(st);
        *badp = 1;
        return AS_OK;
    }
    as_status s = step_row(im, st, NULL, badp);
    if (s != AS_OK || *badp)
        return s;

    /* References to other tickets: resolved now when the other ticket is
     * here, else when it arrives later in the file (a temporary table). */
    if ((s = as__exec(db, "CREATE TEMP TABLE IF NOT EXISTS ticket_import_refs"
                          " (ticket_id INTEGER, col INTEGER, tracking TEXT, line INTEGER)")) != AS_OK)
        return s;
    static const int refcols[3] = {C_INCIDENT, C_MERGED, C_RELATED};
    static const char *const setref[3] = {
        "UPDATE tickets SET incident_id = ?2 WHERE id = ?1",
        "UPDATE tickets SET merged_into = ?2 WHERE id = ?1",
        "UPDATE tickets SET related_id = ?2 WHERE id = ?1"};
    for (int k = 0; k < 3; k++) {
        const char *ref = cells[refcols[k]];
        if (!ref || !ref[0])
            continue;
        int64_t rid = id_of(db, ref);
        if (rid < 0)
            return as__sqlfail(db, sqlite3_errcode(db->sql), "looking up a ticket");
        if (rid > 0) {
            if (!(st = as__stmt(db, setref[k])))
                return AS_INTERNAL;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, rid);
        } else {
            if (!(st = as__stmt(db, "INSERT INTO ticket_import_refs VALUES (?1, ?2, ?3, ?4)")))
                return AS_INTERNAL;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int(st, 2, k);
            sqlite3_bind_text(st, 3, ref, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 4, (int64_t)as__import_line(im));
        }
        if ((s = as__step_done(db, st, "importing a reference")) != AS_OK)
            return s;
    }
    static const char *const fixref[3] = {
        "UPDATE tickets SET incident_id = ?2 WHERE id IN (SELECT ticket_id FROM"
        " ticket_import_refs WHERE col = 0 AND tracking = ?1)",
        "UPDATE tickets SET merged_into = ?2 WHERE id IN (SELECT ticket_id FROM"
        " ticket_import_refs WHERE col = 1 AND tracking = ?1)",
        "UPDATE tickets SET related_id = ?2 WHERE id IN (SELECT ticket_id FROM"
        " ticket_import_refs WHERE col = 2 AND tracking = ?1)"};
    static const char fixsurvey[] =
        "UPDATE surveys SET followup_id = ?2 WHERE id IN (SELECT ticket_id FROM"
        " ticket_import_refs WHERE col = 3 AND tracking = ?1)";
    for (int k = 0; k < 4; k++) {
        if (!(st = as__stmt(db, k < 3 ? fixref[k] : fixsurvey)))
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, id);
        if ((s = as__step_done(db, st, "importing a reference")) != AS_OK)
            return s;
    }

    /* The history, with its original times. */
    static const char ev[] =
        "INSERT INTO ticket_events (ticket_id, user_id, at, actor, kind, from_status, to_status,"
        " public, body) SELECT ?1, ?2, unixepoch(value ->> 'at'), value ->> 'by',"
        " value ->> 'kind', value ->> 'from_status', value ->> 'to_status',"
        " coalesce(value ->> 'public', 0), value ->> 'text' FROM json_each(?3) ORDER BY key";
    static const char esc[] =
        "INSERT INTO ticket_escalations (ticket_id, user_id, clock, kind, due_at, at)"
        " SELECT ?1, ?2, value ->> 'clock', value ->> 'kind', unixepoch(value ->> 'due_at'),"
        " unixepoch(value ->> 'at') FROM json_each(?3) ORDER BY key";
    static const char sv[] =
        "INSERT INTO surveys (ticket_id, user_id, resolution, agent, queue, created_at, due_at,"
        " status, score, comment, answered_at, followup_id)"
        " SELECT ?1, ?2, value ->> 'resolution', value ->> 'agent', value ->> 'queue',"
        " unixepoch(value ->> 'created_at'), unixepoch(value ->> 'due_at'), value ->> 'status',"
        " value ->> 'score', value ->> 'comment', unixepoch(value ->> 'answered_at'),"
        " (SELECT f.id FROM tickets f WHERE f.tracking = value ->> 'followup')"
        " FROM json_each(?3) ORDER BY key";
    static const struct {
        const char *sql;
        int col;
    } parts[3] = {{ev, C_EVENTS}, {esc, C_ESCALATIONS}, {sv, C_SURVEYS}};
    for (int k = 0; k < 3 && !bad; k++) {
        const char *v = cells[parts[k].col];
        if (!v || !v[0])
            continue;
        if (!(st = as__stmt(db, "SELECT json_valid(?1) AND json_type(?1) = 'array'")))
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, v, -1, SQLITE_TRANSIENT);
        int ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        if (!ok) {
            as__import_problem(im, columns[parts[k].col], "must be an array");
            *badp = 1;
            return AS_OK;
        }
        if (!(st = as__stmt(db, parts[k].sql)))
            return AS_INTERNAL;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, cells[C_USER], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, v, -1, SQLITE_TRANSIENT);
        if ((s = step_row(im, st, columns[parts[k].col], &bad)) != AS_OK)
            return s;
    }
    *badp = bad;
    if (bad)
        return AS_OK;
    /* follow-ups of surveys that come later in the file */
    static const char later[] =
        "INSERT INTO ticket_import_refs SELECT s.id, 3, j.value ->> 'followup', ?3"
        " FROM json_each(?2) j JOIN surveys s ON s.ticket_id = ?1"
        " AND s.resolution = j.value ->> 'resolution'"
        " WHERE s.followup_id IS NULL AND j.value ->> 'followup' IS NOT NULL";
    if (cells[C_SURVEYS] && cells[C_SURVEYS][0]) {
        if (!(st = as__stmt(db, later)))
            return AS_INTERNAL;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, cells[C_SURVEYS], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, (int64_t)as__import_line(im));
        if ((s = as__step_done(db, st, "importing a survey")) != AS_OK)
            return s;
    }
    return as__ticket_rederive(db, id);
}

/* After the last row: a reference still unresolved names a ticket in
 * neither the database nor the file.  That is an error, not a link
 * silently dropped; the rows are written already, so the import fails. */
static as_status ticket_finish(as__import *im, void *ctx)
{
    (void)ctx;
    as_db *db = as__import_db(im);
    static const char sql[] =
        "SELECT r.line, r.col, r.tracking FROM temp.ticket_import_refs r"
        " WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.tracking = r.tracking)"
        " ORDER BY r.line, r.col";
    static const char *const field[4] = {"incident", "merged_into", "related", "surveys"};
    sqlite3_stmt *st = NULL;
    if (sqlite3_get_autocommit(db->sql))
        return AS_OK;   /* nothing was imported */
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        /* No table: no reference was deferred. */
        return AS_OK;
    }
    uint64_t rows = 0, last = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t line = (uint64_t)sqlite3_column_int64(st, 0);
        int col = sqlite3_column_int(st, 1);
        char why[200];
        snprintf(why, sizeof why, "%sticket %.40s is neither in the database nor in the file",
                 col == 3 ? "the follow-up " : "", (const char *)sqlite3_column_text(st, 2));
        as__import_late_problem(im, line, field[col >= 0 && col < 4 ? col : 3], why);
        if (line != last)
            rows++;
        last = line;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "checking ticket references");
    if (rows)
        return as__fail(db, AS_INVALID,
                        "%s: %llu ticket%s refer to tickets that do not exist; nothing imported",
                        as__import_name(im), (unsigned long long)rows, rows == 1 ? "" : "s");
    return AS_OK;
}

as_status as_ticket_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                           as_import_stats *stats)
{
    static const as__import_spec spec = {
        .columns = columns,
        .nrequired = 1,
        .flags = 0,
        .row = ticket_row,
        .ctx = NULL,
    };
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    if (opts && as__import_options_copy(&o, opts) != AS_OK)
        return as__fail(db, AS_MISUSE, "ticket import: unknown options version %u", opts->version);
    o.flags |= AS_IMPORT_JSONL | AS__IMPORT_NESTED;
    as_status s = as__import_run_ex(db, in, name, &o, &spec, ticket_finish, stats);
    as__exec(db, "DROP TABLE IF EXISTS temp.ticket_import_refs");
    return s;
}
