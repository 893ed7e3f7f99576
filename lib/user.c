/* user.c - users: add, update, upsert, read, list, forget. */
#include "profile.h"
#include "user.h"
#include "erase.h"
#include "event.h"
#include "ticket.h"
#include "package.h"
#include "community.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- validation ---------------------------------------------------- */

void as__user_norm_free(as__user_norm *n)
{
    free(n->user_id);
    free(n->name);
    n->user_id = n->name = NULL;
}

as_status as__user_normalize(const as_user_input *in, as__user_norm *out, as__problem_fn fn,
                             void *ctx)
{
    char why[160], msg[320];
    int bad = 0;
    memset(out, 0, sizeof *out);
    out->fields = in->fields;
    out->consent_service = in->consent_service;
    out->consent_marketing = in->consent_marketing;
    out->quiet_start = in->quiet_start;
    out->quiet_end = in->quiet_end;
    out->beta_tester = in->beta_tester;

    if (!in->user_id) {
        fn(ctx, "user_id", "is missing");
        bad = 1;
    } else if (as__check_id(in->user_id, why, sizeof why) != AS_OK) {
        fn(ctx, "user_id", why);
        bad = 1;
    } else if (!(out->user_id = as__strdup(in->user_id))) {
        return AS_NOMEM;
    }

    if (in->fields & AS_USER_NAME) {
        as_status st = AS_INVALID;
        if (!in->name || !in->name[0]) {
            fn(ctx, "name", "is empty");
        } else if ((st = as__text_nfc(in->name, strlen(in->name), &out->name, why, sizeof why)) ==
                   AS_NOMEM) {
            return AS_NOMEM;
        } else if (st != AS_OK) {
            fn(ctx, "name", why);
        } else if (as__utf8_chars(out->name) > 100) {
            snprintf(msg, sizeof msg, "is %zu characters long (at most 100)",
                     as__utf8_chars(out->name));
            fn(ctx, "name", msg);
            st = AS_INVALID;
        }
        bad |= st != AS_OK;
    }
    if (in->fields & AS_USER_PHONE) {
        if (!in->phone || !in->phone[0]) {
            out->phone[0] = '\0';   /* an empty phone clears it */
        } else if (as_phone_normalize(in->phone, out->phone) != AS_OK) {
            char shown[48];
            as__phone_echo(in->phone, shown, sizeof shown);   /* never the whole number */
            snprintf(msg, sizeof msg, "'%s' is not a mainland mobile number (11 digits from 13x to 19x, optional +86)",
                     shown);
            fn(ctx, "phone", msg);
            bad = 1;
        }
    }
    if (in->fields & AS_USER_REGION) {
        if (!in->region || !in->region[0]) {
            out->region[0] = '\0';
        } else if (as_region_check(in->region) != AS_OK) {
            snprintf(msg, sizeof msg,
                     "'%.40s' is not an administrative division code (6 digits, e.g. 530102)",
                     in->region);
            fn(ctx, "region", msg);
            bad = 1;
        } else {
            memcpy(out->region, in->region, 7);
        }
    }
    if ((in->fields & AS_USER_CONSENT_SERVICE) && in->consent_service != 0 &&
        in->consent_service != 1) {
        fn(ctx, "consent_service", "must be yes or no");
        bad = 1;
    }
    if ((in->fields & AS_USER_CONSENT_MARKETING) && in->consent_marketing != 0 &&
        in->consent_marketing != 1) {
        fn(ctx, "consent_marketing", "must be yes or no");
        bad = 1;
    }
    if ((in->fields & AS_USER_BETA_TESTER) && in->beta_tester != 0 && in->beta_tester != 1) {
        fn(ctx, "beta_tester", "must be yes or no");
        bad = 1;
    }
    if (in->fields & AS_USER_QUIET_HOURS) {
        int none = in->quiet_start == -1 && in->quiet_end == -1;
        int ok = in->quiet_start >= 0 && in->quiet_start < 1440 && in->quiet_end >= 0 &&
                 in->quiet_end < 1440 && in->quiet_start != in->quiet_end;
        if (!none && !ok) {
            fn(ctx, "quiet_hours", "must be a window such as 22:00-08:00");
            bad = 1;
        }
    }
    return bad ? AS_INVALID : AS_OK;
}

/* ---- writing ------------------------------------------------------- */

static const char SQL_USER_FIND[] =
    "SELECT id, name, phone, region, consent_service, consent_marketing, quiet_start,"
    " quiet_end, beta_tester, erased_at FROM users WHERE user_id = ?1";

static const char SQL_USER_UPDATE[] =
    "UPDATE users SET name = ?2, phone = ?3, region = ?4, consent_service = ?5,"
    " consent_marketing = ?6, quiet_start = ?7, quiet_end = ?8, beta_tester = ?9,"
    " updated_at = ?10 WHERE id = ?1";

/* Current values of a row, merged with the given fields. */
typedef struct user_row {
    const char *name, *phone, *region;
    int consent_service, consent_marketing, quiet_start, quiet_end, beta_tester;
} user_row;

/* Bind ?2..?10 (plus base: the row's place in a multi-row statement). */
static void bind_row_at(sqlite3_stmt *st, int base, const user_row *r, int64_t now)
{
    as__bind_nonempty_or_null(st, base + 2, r->name);
    as__bind_nonempty_or_null(st, base + 3, r->phone);
    as__bind_nonempty_or_null(st, base + 4, r->region);
    sqlite3_bind_int(st, base + 5, r->consent_service);
    sqlite3_bind_int(st, base + 6, r->consent_marketing);
    if (r->quiet_start >= 0) {
        sqlite3_bind_int(st, base + 7, r->quiet_start);
        sqlite3_bind_int(st, base + 8, r->quiet_end);
    } else {
        sqlite3_bind_null(st, base + 7);
        sqlite3_bind_null(st, base + 8);
    }
    sqlite3_bind_int(st, base + 9, r->beta_tester);
    sqlite3_bind_int64(st, base + 10, now);
}

static void bind_row(sqlite3_stmt *st, const user_row *r)
{
    bind_row_at(st, 0, r, as__now());
}

static int str_eq(const char *a, const char *b)
{
    if (!a || !a[0])
        return !b || !b[0];
    return b && strcmp(a, b) == 0;
}

static void merge(user_row *r, const as__user_norm *n)
{
    if (n->fields & AS_USER_NAME)
        r->name = n->name;
    if (n->fields & AS_USER_PHONE)
        r->phone = n->phone;
    if (n->fields & AS_USER_REGION)
        r->region = n->region;
    if (n->fields & AS_USER_CONSENT_SERVICE)
        r->consent_service = n->consent_service;
    if (n->fields & AS_USER_CONSENT_MARKETING)
        r->consent_marketing = n->consent_marketing;
    if (n->fields & AS_USER_QUIET_HOURS) {
        r->quiet_start = n->quiet_start;
        r->quiet_end = n->quiet_end;
    }
    if (n->fields & AS_USER_BETA_TESTER)
        r->beta_tester = n->beta_tester;
}

static const char SQL_USER_INSERT_NEW[] =
    "INSERT INTO users (user_id, name, phone, region, consent_service, consent_marketing,"
    " quiet_start, quiet_end, beta_tester, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"
    " ON CONFLICT (user_id) DO NOTHING";

/* Insert a new user; *inserted says whether the id was new. */
static as_status try_insert(as_db *db, const as__user_norm *n, int *inserted, int link)
{
    user_row r = {NULL, NULL, NULL, 1, 0, -1, -1, 0};
    merge(&r, n);
    sqlite3_stmt *ins = as__stmt(db, SQL_USER_INSERT_NEW);
    if (!ins)
        return AS_INTERNAL;
    sqlite3_bind_text(ins, 1, n->user_id, -1, SQLITE_STATIC);
    bind_row(ins, &r);
    as_status s = as__step_done(db, ins, "adding a user");
    *inserted = s == AS_OK && sqlite3_changes(db->sql) == 1;
    if (*inserted && link)
        s = as__profile_user_added(db, n->user_id);
    return s;
}

const char as__user_insert_head[] =
    "INSERT INTO users (user_id, name, phone, region, consent_service, consent_marketing,"
    " quiet_start, quiet_end, beta_tester, created_at, updated_at) VALUES ";
const int as__user_insert_tmpl[AS__USER_INSERT_VALUES] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10};

void as__user_bind_new(sqlite3_stmt *st, int base, const as__user_norm *n, int64_t now)
{
    user_row r = {NULL, NULL, NULL, 1, 0, -1, -1, 0};
    merge(&r, n);
    sqlite3_bind_text(st, base + 1, n->user_id, -1, SQLITE_STATIC);
    bind_row_at(st, base, &r, now);
}

as_status as__user_max_id(as_db *db, int64_t *max_id)
{
    sqlite3_stmt *s = as__stmt(db, "SELECT coalesce(max(id), 0) FROM users");
    if (!s)
        return AS_INTERNAL;
    int rc = sqlite3_step(s);
    *max_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? AS_OK : as__sqlfail(db, rc, "reading users");
}

as_status as__user_link_new(as_db *db, int64_t max_id)
{
    /* Nothing can wait when there are no fueling records at all. */
    static const char sql[] =
        "SELECT u.user_id FROM users u WHERE u.id > ?1 AND EXISTS (SELECT 1 FROM fuelings)"
        " AND EXISTS (SELECT 1 FROM fuelings f WHERE f.user_id = u.user_id) ORDER BY u.id";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, max_id);
    /* Collected first: linking writes while this reads. */
    as_buf ids = {0};
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = as__column_text(s, 0);
        if (as__buf_add(&ids, id, strlen(id) + 1) < 0) {
            sqlite3_reset(s);
            as__buf_free(&ids);
            return as__fail(db, AS_NOMEM, "out of memory");
        }
        n++;
    }
    sqlite3_reset(s);
    as_status st = rc == SQLITE_DONE ? AS_OK : as__sqlfail(db, rc, "reading new users");
    const char *p = ids.data;
    for (size_t i = 0; i < n && st == AS_OK; i++, p += strlen(p) + 1)
        st = as__profile_user_added(db, p);
    as__buf_free(&ids);
    return st;
}

as_status as__user_write(as_db *db, const as__user_norm *n, int mode, int insert_first,
                         as_upsert *result, as__problem_fn fn, void *ctx)
{
    int link = !(mode & AS__USER_DEFER_LINK);
    mode &= AS__USER_MODE;
    /* Insert first when the id is probably new (the insert's own
     * uniqueness check is then the only lookup); look up first when it
     * probably exists (a re-import). */
    if (insert_first && mode != AS__USER_UPDATE && (n->fields & AS_USER_NAME)) {
        int inserted = 0;
        as_status s = try_insert(db, n, &inserted, link);
        if (s != AS_OK)
            return s;
        if (inserted) {
            if (result)
                *result = AS_UPSERT_INSERTED;
            return AS_OK;
        }
    }

    sqlite3_stmt *find = as__stmt(db, SQL_USER_FIND);
    if (!find)
        return AS_INTERNAL;
    sqlite3_bind_text(find, 1, n->user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(find);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        as_status s = as__sqlfail(db, rc, "reading a user");
        sqlite3_reset(find);
        return s;
    }

    if (rc == SQLITE_DONE) {
        sqlite3_reset(find);
        if (mode == AS__USER_UPDATE)
            return as__fail(db, AS_NOTFOUND, "no user '%s'", n->user_id);
        if (!(n->fields & AS_USER_NAME)) {
            fn(ctx, "name", "is required for a new user");
            return AS_INVALID;
        }
        int inserted = 0;
        as_status s = try_insert(db, n, &inserted, link);
        if (s == AS_OK && !inserted)
            s = as__fail(db, AS_INTERNAL, "user '%s' appeared while being added", n->user_id);
        if (s == AS_OK && result)
            *result = AS_UPSERT_INSERTED;
        return s;
    }

    if (mode == AS__USER_ADD) {
        sqlite3_reset(find);
        return as__fail(db, AS_EXISTS, "user '%s' already exists", n->user_id);
    }
    sqlite3_int64 id = sqlite3_column_int64(find, 0);
    user_row old = {as__column_text(find, 1), as__column_text(find, 2), as__column_text(find, 3),
                    sqlite3_column_int(find, 4), sqlite3_column_int(find, 5),
                    as__column_int_or(find, 6, -1), as__column_int_or(find, 7, -1), sqlite3_column_int(find, 8)};
    int erased = sqlite3_column_type(find, 9) != SQLITE_NULL;
    user_row r = old;
    merge(&r, n);
    int same = str_eq(old.name, r.name) && str_eq(old.phone, r.phone) &&
               str_eq(old.region, r.region) && old.consent_service == r.consent_service &&
               old.consent_marketing == r.consent_marketing && old.quiet_start == r.quiet_start &&
               old.quiet_end == r.quiet_end && old.beta_tester == r.beta_tester;
    if (same) {
        sqlite3_reset(find);
        if (result)
            *result = AS_UPSERT_UNCHANGED;
        return AS_OK;
    }
    if (erased) {
        sqlite3_reset(find);
        fn(ctx, NULL, "this user's personal data was erased on request; it cannot be added again");
        return AS_INVALID;
    }
    /* Copy what the update needs before the find statement is reset. */
    char name[512] = "", phone[12] = "", region[7] = "";
    char *bigname = NULL;
    if (r.name && r.name != n->name) {
        size_t len = strlen(r.name);
        if (len < sizeof name) {
            memcpy(name, r.name, len + 1);
            r.name = name;
        } else {
            r.name = bigname = as__strdup(r.name);
            if (!bigname) {
                sqlite3_reset(find);
                return AS_NOMEM;
            }
        }
    }
    if (r.phone && r.phone != n->phone) {
        snprintf(phone, sizeof phone, "%s", r.phone);
        r.phone = phone;
    }
    if (r.region && r.region != n->region) {
        snprintf(region, sizeof region, "%s", r.region);
        r.region = region;
    }
    sqlite3_reset(find);
    sqlite3_stmt *upd = as__stmt(db, SQL_USER_UPDATE);
    as_status s = AS_INTERNAL;
    if (upd) {
        sqlite3_bind_int64(upd, 1, id);
        bind_row(upd, &r);
        s = as__step_done(db, upd, "updating a user");
    }
    if (s == AS_OK)
        s = as__profile_dirty(db, n->user_id);
    free(bigname);
    if (s == AS_OK && result)
        *result = AS_UPSERT_UPDATED;
    return s;
}

/* Collects problems into the handle's message: "phone: ...; region: ...". */
typedef struct problems {
    as_buf text;
} problems;

static void collect(void *ctx, const char *field, const char *reason)
{
    problems *p = ctx;
    if (p->text.len)
        as__buf_adds(&p->text, "; ");
    if (field) {
        as__buf_adds(&p->text, field);
        as__buf_adds(&p->text, ": ");
    }
    as__buf_adds(&p->text, reason);
}

static as_status user_call(as_db *db, const as_user_input *in, int mode, as_upsert *result)
{
    if (!db)
        return AS_MISUSE;
    if (!in || in->version != AS_USER_INPUT_VERSION)
        return as__fail(db, AS_MISUSE, "user input is NULL or of an unknown version");
    if (mode == AS__USER_ADD && !(in->fields & AS_USER_NAME))
        return as__fail(db, AS_INVALID, "name: is required for a new user");
    problems p = {{0}};
    as__user_norm n;
    as_status st = as__user_normalize(in, &n, collect, &p);
    if (st == AS_OK) {
        st = as__write_begin(db);
        if (st == AS_OK)   /* with the tickets opened for this id before it was a user */
            st = as__write_end(db, as__ticket_link_customers(db, as__user_write(db, &n, mode, 1,
                                                                             result, collect, &p)));
    }
    if (st == AS_INVALID && p.text.len)
        as__fail(db, st, "%s", p.text.data);
    else if (st == AS_NOMEM)
        as__fail(db, st, "out of memory");
    as__buf_free(&p.text);
    as__user_norm_free(&n);
    return st;
}

as_status as_user_add(as_db *db, const as_user_input *in)
{
    return user_call(db, in, AS__USER_ADD, NULL);
}

as_status as_user_update(as_db *db, const as_user_input *in)
{
    return user_call(db, in, AS__USER_UPDATE, NULL);
}

as_status as_user_upsert(as_db *db, const as_user_input *in, as_upsert *result)
{
    return user_call(db, in, AS__USER_UPSERT, result);
}

/* The erasure's transaction: the known fields, the free text of every
 * table, the ticket history (with its permission), the free pages. */
static as_status forget_in_txn(as_db *db, const char *user_id, const as__erase_ids *ids,
                               as_forget_stats *stats)
{
    static const char forget_sql[] =
        "UPDATE users SET name = NULL, phone = NULL, quiet_start = NULL, quiet_end = NULL,"
        " consent_service = 0, consent_marketing = 0, beta_tester = 0, erased_at = ?2,"
        " updated_at = ?2 WHERE user_id = ?1 AND erased_at IS NULL";
    static const char plates_sql[] = "UPDATE vehicles SET plate = NULL WHERE user_id = ?1";
    /* Fueling records keep their anonymous figures; notifications their
     * shell (the texts name the user); undelivered ones are dropped. */
    static const char fuel_sql[] = "UPDATE fuelings SET plate = NULL WHERE user_id = ?1";
    static const char outbox_sql[] =
        "UPDATE outbox SET title = '', body = '', payload = NULL,"
        " status = CASE WHEN status = 'sent' THEN 'sent' ELSE 'dead' END,"
        " last_error = CASE WHEN status = 'sent' THEN last_error ELSE 'user erased' END"
        " WHERE user_id = ?1";
    /* The open row is the ticket_events trigger's permission to change an
     * event's text; it is finished before the commit, so no other
     * transaction ever sees it open. */
    static const char begin_sql[] =
        "INSERT INTO privacy_erasures (user_id, started_at) VALUES (?1, ?2)";
    /* Tickets whose history is being redacted: the person's own, and any
     * other whose texts name their phone or plate. */
    static const char tickets_sql[] =
        "CREATE TEMP TABLE IF NOT EXISTS erased_tickets (id INTEGER PRIMARY KEY);"
        " DELETE FROM temp.erased_tickets;";
    static const char mark_sql[] =
        "INSERT OR IGNORE INTO temp.erased_tickets (id)"
        " SELECT id FROM tickets WHERE user_id = ?1 OR as__erase_hit(0, subject, body)"
        " UNION SELECT ticket_id FROM ticket_events WHERE user_id = ?1 OR as__erase_hit(0, body)"
        " UNION SELECT ticket_id FROM surveys WHERE user_id = ?1 OR as__erase_hit(0, comment)";
    static const char event_sql[] =
        "INSERT INTO ticket_events (ticket_id, user_id, at, actor, kind, public, body)"
        " SELECT t.id, t.user_id, max(?1, coalesce((SELECT max(e.at) FROM ticket_events e"
        "   WHERE e.ticket_id = t.id), ?1)), 'privacy', 'redacted', 0,"
        " 'personal data erased on request' FROM tickets t"
        " WHERE t.id IN (SELECT id FROM temp.erased_tickets)";
    /* The points ledger keeps its figures under the user's id, as the
     * fueling records do; the free text of their rows goes (the open
     * erasure is the ledger trigger's permission). */
    static const char points_sql[] =
        "UPDATE points_ledger SET reason = '" AS_ERASED_TEXT "'"
        " WHERE user_id = ?1 AND reason IS NOT NULL";
    static const char finish_sql[] =
        "UPDATE privacy_erasures SET finished_at = ?2, rows = ?3, tickets = ?4 WHERE id = ?1";

    int64_t now = as__now();
    sqlite3_stmt *s = as__stmt(db, forget_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    as_status st = as__step_done(db, s, "erasing a user");
    if (st != AS_OK || sqlite3_changes(db->sql) == 0)
        return st;   /* erased before: nothing more is known to erase */
    stats->rows++;
    /* Coupons still held are withdrawn (nobody can pay with them now),
     * each with its event; redeemed ones stay for the station's figures. */
    static const char coupon_ev_sql[] =
        "INSERT INTO coupon_events (coupon_id, at, event, detail)"
        " SELECT id, max(CAST(strftime('%s', 'now') AS INTEGER), issued_at), 'voided',"
        " json_object('reason', 'user erased') FROM coupons"
        " WHERE user_id = ?1 AND status = 'issued' ORDER BY id";
    static const char coupon_sql[] =
        "UPDATE coupons SET status = 'voided', changed_at = max(CAST(strftime('%s', 'now') AS INTEGER), issued_at),"
        " reason = 'user erased' WHERE user_id = ?1 AND status = 'issued'";
    static const char *const known[] = {plates_sql, fuel_sql, outbox_sql, coupon_ev_sql,
                                        coupon_sql};
    static const char *const what[] = {"erasing a user's plates",
                                       "erasing a user's fueling plates",
                                       "erasing a user's notifications",
                                       "withdrawing a user's coupons",
                                       "withdrawing a user's coupons"};
    for (size_t k = 0; k < sizeof known / sizeof known[0] && st == AS_OK; k++) {
        if (!(s = as__stmt(db, known[k])))
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
        st = as__step_done(db, s, what[k]);
        stats->rows += (uint64_t)sqlite3_changes(db->sql);
    }
    /* An erased person keeps no plan; its discounts stay as figures. */
    if (st == AS_OK)
        st = as__package_forget(db, user_id, now, &stats->rows);
    /* Registrations, check-ins, votes and panel terms stay as anonymous
     * figures; their user_id goes (seats for events to come are freed). */
    if (st == AS_OK)
        st = as__event_forget(db, user_id, now, &stats->rows);
    /* Their posts leave the boards, their texts and links go. */
    if (st == AS_OK)
        st = as__community_forget(db, user_id, now, &stats->rows);
    if (st != AS_OK)
        return st;

    if (!(s = as__stmt(db, begin_sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    if ((st = as__step_done(db, s, "recording an erasure")) != AS_OK)
        return st;
    int64_t erasure = sqlite3_last_insert_rowid(db->sql);
    if (!(s = as__stmt(db, points_sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    if ((st = as__step_done(db, s, "erasing a user's points reasons")) != AS_OK)
        return st;
    stats->rows += (uint64_t)sqlite3_changes(db->sql);

    as__erase_sweep sw = {ids, user_id, 0, 0};
    if ((st = as__erase_register(db, &sw)) != AS_OK)
        return st;
    /* The tickets whose history is redacted, found before the texts change. */
    if ((st = as__exec(db, tickets_sql)) == AS_OK) {
        sqlite3_stmt *m = NULL;
        int rc = sqlite3_prepare_v2(db->sql, mark_sql, -1, &m, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(m, 1, user_id, -1, SQLITE_STATIC);
            rc = sqlite3_step(m);
        }
        if (rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "erasing: finding the tickets");
        sqlite3_finalize(m);
    }
    if (st == AS_OK)
        st = as__erase_sweep_run(db, &sw);
    as__erase_unregister(db);
    if (st != AS_OK)
        return st;
    stats->rows += sw.rows;
    stats->values = sw.values;

    if (!(s = as__stmt(db, event_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, now);
    if ((st = as__step_done(db, s, "recording a redaction in a ticket's history")) != AS_OK)
        return st;
    stats->tickets = (uint64_t)sqlite3_changes(db->sql);
    if ((st = as__exec(db, "DROP TABLE IF EXISTS temp.erased_tickets")) != AS_OK)
        return st;

    if (!(s = as__stmt(db, finish_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, erasure);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, (int64_t)stats->rows);
    sqlite3_bind_int64(s, 4, (int64_t)stats->tickets);
    if ((st = as__step_done(db, s, "recording an erasure")) != AS_OK)
        return st;
    if ((st = as__profile_dirty(db, user_id)) != AS_OK)
        return st;
    return as__erase_scrub_free_pages(db, erasure);
}

/* PRAGMA wal_checkpoint(TRUNCATE): 1 when it ran to the end. */
static int checkpoint_truncate(as_db *db)
{
    sqlite3_stmt *st = NULL;
    int done = 0;
    if (sqlite3_prepare_v2(db->sql, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        done = sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    return done;
}

as_status as_user_forget_ex(as_db *db, const char *user_id, as_forget_stats *stats)
{
    as_forget_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_user_forget: user_id is NULL") : AS_MISUSE;
    static const char exists_sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    if (db->readonly)
        return as__fail(db, AS_READONLY, "%s: opened read-only", db->path);
    sqlite3_stmt *s = as__stmt(db, exists_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int erased = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading a user");
    if (erased) {
        as__ok(db);   /* nothing more is known to erase */
        return AS_OK;
    }

    as__erase_ids ids;
    as_status st = as__erase_ids_load(db, user_id, &ids);
    if (st != AS_OK) {
        as__erase_ids_free(&ids);
        return st;
    }
    /* Freed space is overwritten with zeros for as long as the erasure
     * runs (the handle's own setting is restored after). */
    int old_secure = 0;
    if (sqlite3_prepare_v2(db->sql, "PRAGMA secure_delete", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        old_secure = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_exec(db->sql, "PRAGMA secure_delete = ON", NULL, NULL, NULL);

    st = as__write_begin(db);
    if (st == AS_OK)
        st = as__write_end(db, forget_in_txn(db, user_id, &ids, stats));
    int outer = db->txn_depth > 0;
    if (st == AS_OK && !outer) {
        stats->checkpointed = checkpoint_truncate(db);
        if (stats->checkpointed && as__erase_file_holds(db->path, &ids)) {
            /* Left by writes before secure_delete: rebuild the file. */
            if (as__exec(db, "VACUUM") == AS_OK) {
                stats->vacuumed = 1;
                stats->checkpointed = checkpoint_truncate(db);
            }
        }
        stats->file_clean = stats->checkpointed && !as__erase_file_holds(db->path, &ids);
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA secure_delete = %d", old_secure);
    sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    as__erase_ids_free(&ids);
    if (st != AS_OK)
        memset(stats, 0, sizeof *stats);
    else
        as__ok(db);
    return st;
}

as_status as_user_forget(as_db *db, const char *user_id)
{
    return as_user_forget_ex(db, user_id, NULL);
}

/* ---- reading ------------------------------------------------------- */

#define USER_COLUMNS                                                                          \
    "user_id, name, phone, region, consent_service, consent_marketing, quiet_start,"         \
    " quiet_end, beta_tester, created_at, updated_at, erased_at"

/* Fill a view from a row; pointers borrowed from the statement, the
 * masked phone written to mask. */
static void read_user(sqlite3_stmt *st, as_user *u, unsigned flags, char mask[12])
{
    u->user_id = as__column_text(st, 0);
    u->name = as__column_text(st, 1);
    u->phone = as__column_text(st, 2);
    if (u->phone && !(flags & AS_REVEAL))
        u->phone = as_phone_mask(u->phone, mask);
    u->region = as__column_text(st, 3);
    u->consent_service = sqlite3_column_int(st, 4);
    u->consent_marketing = sqlite3_column_int(st, 5);
    u->quiet_start = as__column_int_or(st, 6, -1);
    u->quiet_end = as__column_int_or(st, 7, -1);
    u->beta_tester = sqlite3_column_int(st, 8);
    u->created_at = sqlite3_column_int64(st, 9);
    u->updated_at = sqlite3_column_int64(st, 10);
    u->erased_at = sqlite3_column_int64(st, 11);
}

/* Copy the strings of a view into one allocation with the struct. */
static as_user *user_copy(const as_user *v)
{
    const char *strs[4] = {v->user_id, v->name, v->phone, v->region};
    size_t size = sizeof(as_user);
    for (int i = 0; i < 4; i++)
        size += strs[i] ? strlen(strs[i]) + 1 : 0;
    as_user *u = malloc(size);
    if (!u)
        return NULL;
    *u = *v;
    char *p = (char *)(u + 1);
    const char **dst[4] = {&u->user_id, &u->name, &u->phone, &u->region};
    for (int i = 0; i < 4; i++) {
        if (!strs[i]) {
            *dst[i] = NULL;
            continue;
        }
        size_t n = strlen(strs[i]) + 1;
        memcpy(p, strs[i], n);
        *dst[i] = p;
        p += n;
    }
    return u;
}

as_status as_user_get(as_user **out, as_db *db, const char *user_id, unsigned flags)
{
    if (!out || !db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_user_get: NULL argument") : AS_MISUSE;
    *out = NULL;
    static const char sql[] = "SELECT " USER_COLUMNS " FROM users WHERE user_id = ?1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    as_status s = AS_OK;
    if (rc == SQLITE_ROW) {
        as_user v;
        char mask[12];
        read_user(st, &v, flags, mask);
        *out = user_copy(&v);
        if (!*out)
            s = as__fail(db, AS_NOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        s = as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
    } else {
        s = as__sqlfail(db, rc, "reading a user");
    }
    sqlite3_reset(st);
    if (s == AS_OK)
        as__ok(db);
    return s;
}

void as_user_free(as_user *user)
{
    free(user);
}

struct as_user_iter {
    as_db *db;
    sqlite3_stmt *st;
    unsigned flags;
    as_user view;
    char mask[12];
};

as_status as_user_iter_new(as_user_iter **out, as_db *db, const as_user_query *query)
{
    static const as_user_query all = AS_USER_QUERY_INIT;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_user_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    if (!query)
        query = &all;
    if (query->version < 1 || query->version > AS_USER_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_user_iter_new: unknown query version");
    char lo[8] = "", hi[8] = "";
    if (query->region) {
        if (as_region_check(query->region) != AS_OK)
            return as__fail(db, AS_INVALID, "region: '%s' is not an administrative division code",
                            query->region);
        /* 530000 is the province (prefix 53), 530100 the city (5301). */
        size_t n = strcmp(query->region + 2, "0000") == 0 ? 2
                   : strcmp(query->region + 4, "00") == 0 ? 4
                                                            : 6;
        memcpy(lo, query->region, n);
        lo[n] = '\0';
        memcpy(hi, lo, n + 1);
        hi[n - 1]++;   /* '9' + 1 is ':', still above every digit */
    }
    static const char sql[] =
        "SELECT " USER_COLUMNS " FROM users"
        " WHERE (?1 IS NULL OR (region >= ?1 AND region < ?2)) AND (?3 IS NULL OR user_id > ?3)"
        " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM profiles p WHERE p.user_id = users.user_id"
        "      AND p.segment = ?5))"
        " AND (?6 IS NULL OR EXISTS (SELECT 1 FROM profiles p WHERE p.user_id = users.user_id"
        "      AND p.tier = ?6))"
        " AND (?7 IS NULL OR beta_tester = 1)"
        " ORDER BY user_id LIMIT ?4";
    /* Segments and tiers as of now (profile.h: "profiles" reads as current). */
    if (query->version >= 2 && (query->segment || query->tier)) {
        as_status ps = as__profiles_for_read(db, as__now());
        if (ps != AS_OK)
            return ps;
    }
    as_user_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing users");
    }
    if (lo[0]) {
        sqlite3_bind_text(it->st, 1, lo, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(it->st, 2, hi, -1, SQLITE_TRANSIENT);
    }
    if (query->after_id)
        sqlite3_bind_text(it->st, 3, query->after_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(it->st, 4, query->limit > 0 ? query->limit : -1);
    if (query->version >= 2) {
        /* Fields added in version 2: a version 1 struct is shorter. */
        if (query->segment)
            sqlite3_bind_text(it->st, 5, query->segment, -1, SQLITE_TRANSIENT);
        if (query->tier)
            sqlite3_bind_text(it->st, 6, query->tier, -1, SQLITE_TRANSIENT);
    }
    if (query->version >= 3 && query->beta)   /* version 3: beta testers only */
        sqlite3_bind_int(it->st, 7, 1);
    it->db = db;
    it->flags = query->flags;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_user_next(as_user_iter *it, const as_user **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing users");
    read_user(it->st, &it->view, it->flags, it->mask);
    *view = &it->view;
    return AS_OK;
}

void as_user_iter_free(as_user_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}
