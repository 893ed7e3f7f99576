/* event.c - community events (车友会, 节油挑战赛): capacity, registration
 * and the waitlist, cancellation with promotion, check-in, attendance, and
 * the reminder through the outbox (020_events_panel.sql).
 *
 * A registration row records times: queued_at (it joined the queue),
 * seated_at (it got a seat: at once, or later by a promotion), cancelled_at
 * and checked_in_at.  Its state at a time T follows from them, so every
 * read is "as the world stood at T".  Writes take the write lock first
 * (BEGIN IMMEDIATE), then read and change: two processes registering for
 * the last seat are serialised, and the schema's triggers and partial
 * UNIQUE index hold the capacity and one live registration per person
 * even against a writer that skipped the checks.
 */
#include "event.h"
#include "import.h"
#include "outbox.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    TITLE_MAX = 200,
    CITY_MAX = 64,
    CAPACITY_MAX = 100000,
    CHECKIN_EARLY_S = 3600         /* check-in opens an hour before the start */
};
#define REMIND_MIN_S 60
#define REMIND_MAX_S (30 * 86400)

const char *as_event_kind_name(as_event_kind kind)
{
    switch (kind) {
    case AS_EVENT_MEETUP: return "meetup";
    case AS_EVENT_CHALLENGE: return "challenge";
    }
    return NULL;
}

as_status as_event_kind_parse(const char *text, as_event_kind *kind)
{
    if (!text || !kind)
        return AS_MISUSE;
    if (strcmp(text, "meetup") == 0)
        *kind = AS_EVENT_MEETUP;
    else if (strcmp(text, "challenge") == 0)
        *kind = AS_EVENT_CHALLENGE;
    else
        return AS_INVALID;
    return AS_OK;
}

static as_event_kind kind_of(const char *text)
{
    as_event_kind k = AS_EVENT_MEETUP;
    if (text)
        as_event_kind_parse(text, &k);
    return k;
}

const char *as_registration_status_name(as_registration_status status)
{
    switch (status) {
    case AS_REGISTRATION_REGISTERED: return "registered";
    case AS_REGISTRATION_WAITLISTED: return "waitlisted";
    case AS_REGISTRATION_CANCELLED: return "cancelled";
    }
    return NULL;
}

/* ---- shared with panel.c ---------------------------------------------- */

as_status as__community_user(as_db *db, const char *user_id, const char *what)
{
    static const char sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_DONE)
        st = as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
    else if (rc != SQLITE_ROW)
        st = as__sqlfail(db, rc, "reading a user");
    else if (sqlite3_column_int(s, 0))
        st = as__fail(db, AS_INVALID, "user '%s' was erased; %s", user_id, what);
    sqlite3_reset(s);
    return st;
}

as_status as__community_text(as_db *db, const char *field, const char *in, size_t max,
                             char **out)
{
    char why[120];
    *out = NULL;
    if (!in[0])
        return as__fail(db, AS_INVALID, "%s: is empty", field);
    as_status st = as__text_nfc(in, strlen(in), out, why, sizeof why);
    if (st == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (st != AS_OK)
        return as__fail(db, AS_INVALID, "%s: %s", field, why);
    size_t n = as__utf8_chars(*out);
    if (n > max) {
        free(*out);
        *out = NULL;
        return as__fail(db, AS_INVALID, "%s: %zu characters, at most %zu", field, n, max);
    }
    return AS_OK;
}

/* ---- adding and reading events ------------------------------------------ */

as_status as_event_add(as_db *db, const as_event_input *in, int64_t *id)
{
    if (id)
        *id = 0;
    if (!db || !in)
        return db ? as__fail(db, AS_MISUSE, "as_event_add: NULL argument") : AS_MISUSE;
    if (in->version != AS_EVENT_INPUT_VERSION)
        return as__fail(db, AS_MISUSE, "as_event_add: unknown input version %u", in->version);
    if (!as_event_kind_name(in->kind))
        return as__fail(db, AS_MISUSE, "as_event_add: unknown kind %d", (int)in->kind);
    if (!in->title)
        return as__fail(db, AS_INVALID, "title: is required");
    if (in->ends_at <= in->starts_at)
        return as__fail(db, AS_INVALID, "the event must end after it starts");
    if (in->capacity < 1 || in->capacity > CAPACITY_MAX)
        return as__fail(db, AS_INVALID, "capacity: %" PRId64 " is out of range (1 to %d)",
                        in->capacity, CAPACITY_MAX);
    if (in->remind_before_s && (in->remind_before_s < REMIND_MIN_S ||
                                in->remind_before_s > REMIND_MAX_S))
        return as__fail(db, AS_INVALID,
                        "remind_before: %" PRId64 " s is out of range (1 minute to 30 days)",
                        in->remind_before_s);
    char why[120];
    if (in->station_id && as__check_id(in->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station: %s", why);
    char *title = NULL, *city = NULL;
    as_status st = as__community_text(db, "title", in->title, TITLE_MAX, &title);
    if (st == AS_OK && in->city)
        st = as__community_text(db, "city", in->city, CITY_MAX, &city);
    if (st == AS_OK)
        st = as__write_begin(db);
    if (st != AS_OK) {
        free(title);
        free(city);
        return st;
    }
    static const char sql[] =
        "INSERT INTO events (title, kind, starts_at, ends_at, capacity, station_id, city,"
        " remind_before, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s) {
        st = AS_INTERNAL;
    } else {
        sqlite3_bind_text(s, 1, title, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, as_event_kind_name(in->kind), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, in->starts_at);
        sqlite3_bind_int64(s, 4, in->ends_at);
        sqlite3_bind_int64(s, 5, in->capacity);
        as__bind_text_or_null(s, 6, in->station_id);
        as__bind_text_or_null(s, 7, city);
        as__bind_int64_or_null(s, 8, in->remind_before_s, 0);
        sqlite3_bind_int64(s, 9, as__now());
        st = as__step_done(db, s, "adding an event");
    }
    int64_t new_id = st == AS_OK ? sqlite3_last_insert_rowid(db->sql) : 0;
    free(title);
    free(city);
    st = as__write_end(db, st);
    if (st == AS_OK && id)
        *id = new_id;
    return st;
}

/* ?9: the time of the counts. */
#define EVENT_SELECT                                                                          \
    "SELECT e.id, e.title, e.kind, e.starts_at, e.ends_at, e.capacity, e.station_id, e.city," \
    " e.remind_before, e.created_at,"                                                         \
    " (SELECT count(*) FROM event_registrations r WHERE r.event_id = e.id"                   \
    "   AND r.seated_at <= ?9 AND (r.cancelled_at IS NULL OR r.cancelled_at > ?9)),"         \
    " (SELECT count(*) FROM event_registrations r WHERE r.event_id = e.id"                   \
    "   AND r.queued_at <= ?9 AND (r.seated_at IS NULL OR r.seated_at > ?9)"                 \
    "   AND (r.cancelled_at IS NULL OR r.cancelled_at > ?9))"                                \
    " FROM events e"

static void read_event(sqlite3_stmt *s, int64_t at, as_event *e)
{
    e->id = sqlite3_column_int64(s, 0);
    e->title = as__column_text(s, 1);
    e->kind = kind_of(as__column_text(s, 2));
    e->starts_at = sqlite3_column_int64(s, 3);
    e->ends_at = sqlite3_column_int64(s, 4);
    e->capacity = sqlite3_column_int64(s, 5);
    e->station_id = as__column_text(s, 6);
    e->city = as__column_text(s, 7);
    e->remind_before_s = as__column_int64_or(s, 8, 0);
    e->created_at = sqlite3_column_int64(s, 9);
    e->at = at;
    e->registered = sqlite3_column_int64(s, 10);
    e->waitlisted = sqlite3_column_int64(s, 11);
    e->seats_left = e->capacity - e->registered;
}

as_status as_event_get(as_event **out, as_db *db, int64_t id, int64_t at)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_event_get: NULL argument") : AS_MISUSE;
    if (!at)
        at = as__now();
    static const char sql[] = EVENT_SELECT " WHERE e.id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 9, at);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        as_event e;
        read_event(s, at, &e);
        size_t lt = strlen(e.title) + 1, ls = e.station_id ? strlen(e.station_id) + 1 : 0,
               lc = e.city ? strlen(e.city) + 1 : 0;
        as_event *copy = malloc(sizeof *copy + lt + ls + lc);
        if (!copy) {
            st = as__fail(db, AS_NOMEM, "out of memory");
        } else {
            char *p = (char *)(copy + 1);
            *copy = e;
            copy->title = memcpy(p, e.title, lt);
            copy->station_id = e.station_id ? memcpy(p + lt, e.station_id, ls) : NULL;
            copy->city = e.city ? memcpy(p + lt + ls, e.city, lc) : NULL;
            *out = copy;
        }
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no event %" PRId64, id);
    } else {
        st = as__sqlfail(db, rc, "reading an event");
    }
    sqlite3_reset(s);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

void as_event_free(as_event *event)
{
    free(event);
}

struct as_event_iter {
    as_db *db;
    sqlite3_stmt *st;
    int64_t at;
    as_event view;
};

as_status as_event_iter_new(as_event_iter **out, as_db *db, const as_event_query *query)
{
    static const as_event_query all = AS_EVENT_QUERY_INIT;
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_event_iter_new: NULL argument") : AS_MISUSE;
    if (!query)
        query = &all;
    if (query->version != AS_EVENT_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_event_iter_new: unknown query version");
    if (query->from && query->to && query->to <= query->from)
        return as__fail(db, AS_INVALID, "the window must end after it starts (--to after --from)");
    static const char sql[] = EVENT_SELECT
        " WHERE (?1 IS NULL OR e.ends_at > ?1) AND (?2 IS NULL OR e.starts_at < ?2)"
        " ORDER BY e.starts_at, e.id";
    as_event_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing events");
    }
    if (query->from)
        sqlite3_bind_int64(it->st, 1, query->from);
    if (query->to)
        sqlite3_bind_int64(it->st, 2, query->to);
    it->at = query->at ? query->at : as__now();
    sqlite3_bind_int64(it->st, 9, it->at);
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_event_next(as_event_iter *it, const as_event **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing events");
    read_event(it->st, it->at, &it->view);
    *view = &it->view;
    return AS_OK;
}

void as_event_iter_free(as_event_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- registrations ------------------------------------------------------- */

/* A registration as it stood at ?2: times after it are not yet there; the
 * place in the queue among those waiting then. */
#define REG_SELECT                                                                            \
    "SELECT r.id, r.event_id, r.user_id, r.queued_at,"                                      \
    " CASE WHEN r.seated_at <= ?2 THEN r.seated_at END,"                                    \
    " CASE WHEN r.seated_at <= ?2 THEN r.promoted ELSE 0 END,"                              \
    " CASE WHEN r.cancelled_at <= ?2 THEN r.cancelled_at END,"                              \
    " CASE WHEN r.checked_in_at <= ?2 THEN r.checked_in_at END,"                            \
    " CASE WHEN r.cancelled_at <= ?2 THEN 3 WHEN r.seated_at <= ?2 THEN 1 ELSE 2 END,"      \
    " (SELECT count(*) FROM event_registrations w WHERE w.event_id = r.event_id"           \
    "   AND w.queued_at <= ?2 AND (w.seated_at IS NULL OR w.seated_at > ?2)"                \
    "   AND (w.cancelled_at IS NULL OR w.cancelled_at > ?2)"                                \
    "   AND (w.queued_at < r.queued_at OR (w.queued_at = r.queued_at AND w.id <= r.id)))"  \
    " FROM event_registrations r"

static void read_reg(sqlite3_stmt *s, as_registration *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->event_id = sqlite3_column_int64(s, 1);
    as__column_copy(s, 2, r->user_id, sizeof r->user_id);
    r->queued_at = sqlite3_column_int64(s, 3);
    r->seated_at = as__column_int64_or(s, 4, 0);
    r->promoted = sqlite3_column_int(s, 5);
    r->cancelled_at = as__column_int64_or(s, 6, 0);
    r->checked_in_at = as__column_int64_or(s, 7, 0);
    r->status = (as_registration_status)sqlite3_column_int(s, 8);
    r->position = r->status == AS_REGISTRATION_WAITLISTED ? sqlite3_column_int64(s, 9) : 0;
}

/* Registration rid as it stands now (every time counts), into *out. */
static as_status reg_fill(as_db *db, int64_t rid, as_registration *out)
{
    if (!out)
        return AS_OK;
    static const char sql[] = REG_SELECT " WHERE r.id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, rid);
    sqlite3_bind_int64(s, 2, INT64_MAX);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW)
        read_reg(s, out);
    else
        st = as__sqlfail(db, rc == SQLITE_DONE ? SQLITE_INTERNAL : rc, "reading a registration");
    sqlite3_reset(s);
    return st;
}

typedef struct event_row {
    int64_t starts_at, ends_at, capacity;
} event_row;

static as_status event_find(as_db *db, int64_t id, event_row *e)
{
    static const char sql[] = "SELECT starts_at, ends_at, capacity FROM events WHERE id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        e->starts_at = sqlite3_column_int64(s, 0);
        e->ends_at = sqlite3_column_int64(s, 1);
        e->capacity = sqlite3_column_int64(s, 2);
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no event %" PRId64, id);
    } else {
        st = as__sqlfail(db, rc, "reading an event");
    }
    sqlite3_reset(s);
    return st;
}

/* The user's live registration for the event: its id and times (0 when
 * not set); AS_NOTFOUND (recorded) when there is none. */
typedef struct live_row {
    int64_t id, queued_at, seated_at, checked_in_at;
} live_row;

static as_status live_find(as_db *db, int64_t event_id, const char *user_id, live_row *l)
{
    static const char sql[] =
        "SELECT id, queued_at, seated_at, checked_in_at FROM event_registrations"
        " WHERE event_id = ?1 AND user_id = ?2 AND cancelled_at IS NULL";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, event_id);
    sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        l->id = sqlite3_column_int64(s, 0);
        l->queued_at = sqlite3_column_int64(s, 1);
        l->seated_at = as__column_int64_or(s, 2, 0);
        l->checked_in_at = as__column_int64_or(s, 3, 0);
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "user '%s' has no registration for event %" PRId64,
                      user_id, event_id);
    } else {
        st = as__sqlfail(db, rc, "reading a registration");
    }
    sqlite3_reset(s);
    return st;
}

static as_status register_in_txn(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                                 int64_t *rid)
{
    char when[AS_TIME_BUFSIZE];
    event_row e;
    as_status st = event_find(db, event_id, &e);
    if (st == AS_OK)
        st = as__community_user(db, user_id, "no registration can be made");
    if (st != AS_OK)
        return st;
    if (at >= e.starts_at)
        return as__fail(db, AS_INVALID, "event %" PRId64 " started at %s: registration is closed",
                        event_id, as_time_format(e.starts_at, db->utc_offset, when));
    live_row l;
    st = live_find(db, event_id, user_id, &l);
    if (st == AS_OK)
        return as__fail(db, AS_EXISTS, "user '%s' is already %s for event %" PRId64, user_id,
                        l.seated_at ? "registered" : "on the waitlist", event_id);
    if (st != AS_NOTFOUND)
        return st;
    /* Seats taken and people waiting, as things stand (the write lock is
     * held: nobody else changes them until the commit). */
    static const char count_sql[] =
        "SELECT count(*) FILTER (WHERE seated_at IS NOT NULL),"
        " count(*) FILTER (WHERE seated_at IS NULL)"
        " FROM event_registrations WHERE event_id = ?1 AND cancelled_at IS NULL";
    sqlite3_stmt *s = as__stmt(db, count_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, event_id);
    int rc = sqlite3_step(s);
    int64_t seated = 0, waiting = 0;
    if (rc == SQLITE_ROW) {
        seated = sqlite3_column_int64(s, 0);
        waiting = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "counting registrations");
    int seat = seated < e.capacity && waiting == 0;
    static const char ins_sql[] =
        "INSERT INTO event_registrations (event_id, user_id, queued_at, seated_at, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    if (!(s = as__stmt(db, ins_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, event_id);
    sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, at);
    if (seat)
        sqlite3_bind_int64(s, 4, at);
    sqlite3_bind_int64(s, 5, as__now());
    st = as__step_done(db, s, "registering");
    if (st == AS_OK)
        *rid = sqlite3_last_insert_rowid(db->sql);
    return st;
}

as_status as_event_register(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                            as_registration *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_event_register: NULL argument") : AS_MISUSE;
    if (!at)
        at = as__now();
    /* BEGIN IMMEDIATE: the count of seats and the insert are one step for
     * every other process. */
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    int64_t rid = 0;
    st = register_in_txn(db, event_id, user_id, at, &rid);
    if (st == AS_OK)
        st = reg_fill(db, rid, out);
    return as__write_end(db, st);
}

/* Cancel live registration l at at; the seat it held goes to the first
 * waitlisted registration queued by then (any_queued: the first of all,
 * seated at its own time if that is later) (*promoted_id, 0: none). */
static as_status cancel_row(as_db *db, int64_t event_id, const live_row *l, int64_t at,
                            int any_queued, int64_t *promoted_id)
{
    *promoted_id = 0;
    static const char cancel_sql[] =
        "UPDATE event_registrations SET cancelled_at = ?2 WHERE id = ?1 AND cancelled_at IS NULL";
    static const char first_sql[] =
        "SELECT id FROM event_registrations WHERE event_id = ?1 AND cancelled_at IS NULL"
        " AND seated_at IS NULL AND (queued_at <= ?2 OR ?3) ORDER BY queued_at, id LIMIT 1";
    static const char seat_sql[] =
        "UPDATE event_registrations SET seated_at = max(?2, queued_at), promoted = 1 WHERE id = ?1";
    sqlite3_stmt *s = as__stmt(db, cancel_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, l->id);
    sqlite3_bind_int64(s, 2, at);
    as_status st = as__step_done(db, s, "cancelling a registration");
    if (st != AS_OK || !l->seated_at)
        return st;
    if (!(s = as__stmt(db, first_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, event_id);
    sqlite3_bind_int64(s, 2, at);
    sqlite3_bind_int(s, 3, any_queued);
    int rc = sqlite3_step(s);
    int64_t next = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading the waitlist");
    if (!next)
        return AS_OK;
    if (!(s = as__stmt(db, seat_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, next);
    sqlite3_bind_int64(s, 2, at);
    st = as__step_done(db, s, "promoting from the waitlist");
    if (st == AS_OK)
        *promoted_id = next;
    return st;
}

static as_status cancel_in_txn(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                               int64_t *rid, int64_t *promoted_id)
{
    char when[AS_TIME_BUFSIZE];
    event_row e;
    as_status st = event_find(db, event_id, &e);
    if (st != AS_OK)
        return st;
    static const char user_sql[] = "SELECT 1 FROM users WHERE user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, user_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading a user");
    live_row l;
    if ((st = live_find(db, event_id, user_id, &l)) != AS_OK)
        return st;
    if (at >= e.starts_at)
        return as__fail(db, AS_INVALID,
                        "event %" PRId64 " started at %s: a registration can no longer be"
                        " cancelled", event_id, as_time_format(e.starts_at, db->utc_offset, when));
    if (at < l.queued_at)
        return as__fail(db, AS_INVALID, "the registration was made at %s, after the cancellation",
                        as_time_format(l.queued_at, db->utc_offset, when));
    if (l.checked_in_at)
        return as__fail(db, AS_INVALID, "user '%s' has checked in to event %" PRId64, user_id,
                        event_id);
    *rid = l.id;
    return cancel_row(db, event_id, &l, at, 0, promoted_id);
}

as_status as_event_cancel(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                          as_registration *out, as_registration *promoted)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (promoted)
        memset(promoted, 0, sizeof *promoted);
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_event_cancel: NULL argument") : AS_MISUSE;
    if (!at)
        at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    int64_t rid = 0, pid = 0;
    st = cancel_in_txn(db, event_id, user_id, at, &rid, &pid);
    if (st == AS_OK)
        st = reg_fill(db, rid, out);
    if (st == AS_OK && pid)
        st = reg_fill(db, pid, promoted);
    return as__write_end(db, st);
}

static as_status checkin_in_txn(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                                int64_t *rid)
{
    char when[AS_TIME_BUFSIZE], when2[AS_TIME_BUFSIZE];
    event_row e;
    as_status st = event_find(db, event_id, &e);
    if (st != AS_OK)
        return st;
    if ((st = as__community_user(db, user_id, "no check-in can be made")) != AS_OK)
        return st;
    live_row l;
    if ((st = live_find(db, event_id, user_id, &l)) != AS_OK)
        return st;
    if (at < e.starts_at - CHECKIN_EARLY_S || at >= e.ends_at)
        return as__fail(db, AS_INVALID,
                        "check-in for event %" PRId64 " is open from %s until %s", event_id,
                        as_time_format(e.starts_at - CHECKIN_EARLY_S, db->utc_offset, when),
                        as_time_format(e.ends_at, db->utc_offset, when2));
    if (!l.seated_at || l.seated_at > at)
        return as__fail(db, AS_INVALID, "user '%s' is on the waitlist of event %" PRId64
                        ", not registered", user_id, event_id);
    if (l.checked_in_at)
        return as__fail(db, AS_EXISTS, "user '%s' checked in to event %" PRId64 " at %s",
                        user_id, event_id, as_time_format(l.checked_in_at, db->utc_offset, when));
    static const char sql[] =
        "UPDATE event_registrations SET checked_in_at = ?2 WHERE id = ?1 AND checked_in_at IS NULL";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, l.id);
    sqlite3_bind_int64(s, 2, at);
    st = as__step_done(db, s, "checking in");
    *rid = l.id;
    return st;
}

as_status as_event_checkin(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                           as_registration *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_event_checkin: NULL argument") : AS_MISUSE;
    if (!at)
        at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    int64_t rid = 0;
    st = checkin_in_txn(db, event_id, user_id, at, &rid);
    if (st == AS_OK)
        st = reg_fill(db, rid, out);
    return as__write_end(db, st);
}

struct as_registration_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_registration view;
};

as_status as_registration_iter_new(as_registration_iter **out, as_db *db, int64_t event_id,
                                   int64_t at)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_registration_iter_new: NULL argument")
                  : AS_MISUSE;
    event_row e;
    as_status st = event_find(db, event_id, &e);
    if (st != AS_OK)
        return st;
    static const char sql[] =
        REG_SELECT " WHERE r.event_id = ?1 AND r.queued_at <= ?2 ORDER BY r.queued_at, r.id";
    as_registration_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing registrations");
    }
    sqlite3_bind_int64(it->st, 1, event_id);
    sqlite3_bind_int64(it->st, 2, at ? at : as__now());
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_registration_next(as_registration_iter *it, const as_registration **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing registrations");
    read_reg(it->st, &it->view);
    *view = &it->view;
    return AS_OK;
}

void as_registration_iter_free(as_registration_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

as_status as_event_attendance_get(as_db *db, int64_t event_id, int64_t at,
                                  as_event_attendance *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!db || !out)
        return db ? as__fail(db, AS_MISUSE, "as_event_attendance_get: NULL argument")
                  : AS_MISUSE;
    if (!at)
        at = as__now();
    static const char sql[] =
        "SELECT e.capacity, e.ends_at,"
        " count(r.id) FILTER (WHERE r.seated_at <= ?2"
        "   AND (r.cancelled_at IS NULL OR r.cancelled_at > ?2)),"
        " count(r.id) FILTER (WHERE (r.seated_at IS NULL OR r.seated_at > ?2)"
        "   AND (r.cancelled_at IS NULL OR r.cancelled_at > ?2)),"
        " count(r.id) FILTER (WHERE r.cancelled_at <= ?2),"
        " count(r.id) FILTER (WHERE r.seated_at <= ?2 AND r.promoted"
        "   AND (r.cancelled_at IS NULL OR r.cancelled_at > ?2)),"
        " count(r.id) FILTER (WHERE r.checked_in_at <= ?2"
        "   AND (r.cancelled_at IS NULL OR r.cancelled_at > ?2))"
        " FROM events e LEFT JOIN event_registrations r"
        "  ON r.event_id = e.id AND r.queued_at <= ?2"
        " WHERE e.id = ?1 GROUP BY e.id";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, event_id);
    sqlite3_bind_int64(s, 2, at);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        out->event_id = event_id;
        out->at = at;
        out->capacity = sqlite3_column_int64(s, 0);
        out->ended = at >= sqlite3_column_int64(s, 1);
        out->registered = sqlite3_column_int64(s, 2);
        out->waitlisted = sqlite3_column_int64(s, 3);
        out->cancelled = sqlite3_column_int64(s, 4);
        out->promoted = sqlite3_column_int64(s, 5);
        out->checked_in = sqlite3_column_int64(s, 6);
        out->no_shows = out->ended ? out->registered - out->checked_in : -1;
        out->attendance_pct =
            out->registered ? 100.0 * (double)out->checked_in / (double)out->registered : NAN;
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no event %" PRId64, event_id);
    } else {
        st = as__sqlfail(db, rc, "reading attendance");
    }
    sqlite3_reset(s);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

/* ---- the reminder ---------------------------------------------------------- */

static as_status remind_in_txn(as_db *db, int64_t at, as_event_remind_stats *stats)
{
    static const char due_sql[] =
        "SELECT count(*) FROM events WHERE remind_before IS NOT NULL"
        " AND ?1 >= starts_at - remind_before AND ?1 < starts_at";
    /* Prepared for this call: the outbox writes use the cache meanwhile. */
    static const char sql[] =
        "SELECT e.id, e.title, e.kind, e.starts_at, e.ends_at, e.station_id, e.city, r.user_id,"
        " u.consent_service, u.quiet_start, u.quiet_end"
        " FROM events e JOIN event_registrations r ON r.event_id = e.id"
        " JOIN users u ON u.user_id = r.user_id"
        " WHERE e.remind_before IS NOT NULL AND ?1 >= e.starts_at - e.remind_before"
        "  AND ?1 < e.starts_at AND r.seated_at <= ?1"
        "  AND (r.cancelled_at IS NULL OR r.cancelled_at > ?1) AND u.erased_at IS NULL"
        " ORDER BY e.id, r.user_id";
    sqlite3_stmt *s = as__stmt(db, due_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, at);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        stats->events = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "finding the events to remind of");
    if (!stats->events)
        return AS_OK;
    rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "finding the registrations to remind");
    sqlite3_bind_int64(s, 1, at);
    as_status st = AS_OK;
    int off = db->utc_offset;
    while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!sqlite3_column_int(s, 8)) {
            stats->skipped++;
            continue;
        }
        int64_t id = sqlite3_column_int64(s, 0);
        const char *title = as__column_text(s, 1), *kind = as__column_text(s, 2);
        int64_t starts = sqlite3_column_int64(s, 3), ends = sqlite3_column_int64(s, 4);
        const char *station = as__column_text(s, 5), *city = as__column_text(s, 6);
        const char *user = as__column_text(s, 7);
        char t1[AS_TIME_BUFSIZE], t2[AS_TIME_BUFSIZE], num[32];
        as_buf p = {0};
        snprintf(num, sizeof num, "{\"event\":%" PRId64, id);
        int oom = as__buf_adds(&p, num) < 0;
        oom |= as__buf_adds(&p, ",\"title\":") < 0 || as__json_quote(&p, title) < 0;
        oom |= as__buf_adds(&p, ",\"kind\":") < 0 || as__json_quote(&p, kind) < 0;
        oom |= as__buf_adds(&p, ",\"starts_at\":") < 0 ||
               as__json_quote(&p, as_time_format(starts, off, t1)) < 0;
        oom |= as__buf_adds(&p, ",\"ends_at\":") < 0 ||
               as__json_quote(&p, as_time_format(ends, off, t2)) < 0;
        if (station)
            oom |= as__buf_adds(&p, ",\"station_id\":") < 0 || as__json_quote(&p, station) < 0;
        if (city)
            oom |= as__buf_adds(&p, ",\"city\":") < 0 || as__json_quote(&p, city) < 0;
        oom |= as__buf_add(&p, "}", 2) < 0;
        /* "2026-10-10 09:00" in the business zone, for people */
        char local[20];
        snprintf(local, sizeof local, "%.10s %.5s", t1, t1 + 11);
        char *key = as__printf("event:%" PRId64 ":%s", id, user);
        char *head = as__printf("活动提醒：%s", title);
        char *body = as__printf("您报名的「%s」将于 %s 开始%s%s，请准时参加。", title, local,
                                station || city ? "，地点：" : "",
                                station ? station : city ? city : "");
        if (oom || !key || !head || !body) {
            st = as__fail(db, AS_NOMEM, "out of memory");
        } else {
            as__outbox_msg m = {user, "event", key, AS__PRIO_SERVICE, head, body, p.data,
                                at, at};
            int inserted = 0, deferred = 0;
            st = as__outbox_enqueue_until(db, &m, starts, &inserted, &deferred);
            stats->written += (uint64_t)inserted;
            stats->deferred += (uint64_t)(inserted && deferred);
            stats->duplicates += (uint64_t)!inserted;
        }
        free(key);
        free(head);
        free(body);
        as__buf_free(&p);
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "finding the registrations to remind");
    sqlite3_finalize(s);
    return st;
}

as_status as_event_remind(as_db *db, int64_t at, as_event_remind_stats *stats)
{
    as_event_remind_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db)
        return AS_MISUSE;
    if (!at)
        at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = as__write_end(db, remind_in_txn(db, at, stats));
    if (st != AS_OK)
        memset(stats, 0, sizeof *stats);
    return st;
}

/* ---- erasure --------------------------------------------------------------- */

as_status as__event_forget(as_db *db, const char *user_id, int64_t now, uint64_t *rows)
{
    /* Live registrations for events not started: cancelled now. */
    static const char live_sql[] =
        "SELECT r.event_id FROM event_registrations r JOIN events e ON e.id = r.event_id"
        " WHERE r.user_id = ?1 AND r.cancelled_at IS NULL AND e.starts_at > ?2 ORDER BY r.id";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, live_sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "erasing: reading registrations");
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    as_status st = AS_OK;
    while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            int64_t *p = realloc(ids, ncap * sizeof *p);
            if (!p) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            ids = p;
            cap = ncap;
        }
        ids[n++] = sqlite3_column_int64(s, 0);
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "erasing: reading registrations");
    sqlite3_finalize(s);
    for (size_t i = 0; st == AS_OK && i < n; i++) {
        live_row l;
        int64_t promoted = 0;
        if ((st = live_find(db, ids[i], user_id, &l)) == AS_OK) {
            /* a registration made "later" than now (--at) is cancelled at its own time */
            st = cancel_row(db, ids[i], &l, l.queued_at > now ? l.queued_at : now, 1, &promoted);
            *rows += 1 + (promoted != 0);
        }
    }
    free(ids);
    if (st != AS_OK)
        return st;
    static const char regs_sql[] =
        "UPDATE event_registrations SET user_id = NULL WHERE user_id = ?1";
    static const char terms_sql[] =
        "UPDATE panel_terms SET left_at = max(joined_at, ?2) WHERE left_at IS NULL"
        " AND member_id IN (SELECT id FROM panel_members WHERE user_id = ?1)";
    static const char members_sql[] = "UPDATE panel_members SET user_id = NULL WHERE user_id = ?1";
    static const char *const sqls[] = {regs_sql, terms_sql, members_sql};
    for (size_t k = 0; k < sizeof sqls / sizeof sqls[0] && st == AS_OK; k++) {
        if (!(s = as__stmt(db, sqls[k])))
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_count(s) >= 2)
            sqlite3_bind_int64(s, 2, now);
        st = as__step_done(db, s, "erasing a user's community records");
        *rows += (uint64_t)sqlite3_changes(db->sql);
    }
    return st;
}
