/* panel.c - the advisory panel (用户顾问团, seed §5.5): members with terms,
 * proposals with options and a closing time, one vote per member and
 * proposal (a UNIQUE constraint of 020_events_panel.sql), results with
 * turnout.
 *
 * A member is "on the panel at t" when one of their terms holds t
 * (joined_at <= t < left_at).  A closed proposal is counted at the last
 * instant it took votes (closes_at - 1); an open one, shown partially, at
 * the time asked.  Turnout is voters / members, where members are those on
 * the panel then plus the voters who had left it by then (their vote
 * counts): a figure that never exceeds 100% and that no later erasure or
 * departure changes.
 */
#include "event.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PROPOSAL_TITLE_MAX = 200, OPTION_MAX = 100, OPTIONS_MAX = 20 };

/* ---- members ------------------------------------------------------------ */

/* The member row of user_id (0: none) and its open term's id and start
 * (0: none), the end of its latest closed term (0: none). */
typedef struct member_row {
    int64_t id, term_id, joined_at, last_left_at;
} member_row;

static as_status member_find(as_db *db, const char *user_id, member_row *m)
{
    static const char sql[] =
        "SELECT m.id,"
        " (SELECT t.id FROM panel_terms t WHERE t.member_id = m.id AND t.left_at IS NULL),"
        " (SELECT t.joined_at FROM panel_terms t WHERE t.member_id = m.id AND t.left_at IS NULL),"
        " (SELECT max(t.left_at) FROM panel_terms t WHERE t.member_id = m.id)"
        " FROM panel_members m WHERE m.user_id = ?1";
    memset(m, 0, sizeof *m);
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        m->id = sqlite3_column_int64(s, 0);
        m->term_id = as__column_int64_or(s, 1, 0);
        m->joined_at = as__column_int64_or(s, 2, 0);
        m->last_left_at = as__column_int64_or(s, 3, 0);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading the panel");
    return AS_OK;
}

static as_status add_member_in_txn(as_db *db, const char *user_id, int64_t at)
{
    char when[AS_TIME_BUFSIZE];
    as_status st = as__community_user(db, user_id, "they cannot join the panel");
    member_row m;
    if (st == AS_OK)
        st = member_find(db, user_id, &m);
    if (st != AS_OK)
        return st;
    if (m.term_id)
        return as__fail(db, AS_EXISTS, "user '%s' is on the panel since %s", user_id,
                        as_time_format(m.joined_at, db->utc_offset, when));
    if (m.last_left_at > at)
        return as__fail(db, AS_INVALID, "user '%s' left the panel at %s, after %s", user_id,
                        as_time_format(m.last_left_at, db->utc_offset, when),
                        "the time given");
    sqlite3_stmt *s;
    if (!m.id) {
        static const char ins_sql[] =
            "INSERT INTO panel_members (user_id, created_at) VALUES (?1, ?2)";
        if (!(s = as__stmt(db, ins_sql)))
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, as__now());
        if ((st = as__step_done(db, s, "adding a panel member")) != AS_OK)
            return st;
        m.id = sqlite3_last_insert_rowid(db->sql);
    }
    static const char term_sql[] = "INSERT INTO panel_terms (member_id, joined_at) VALUES (?1, ?2)";
    if (!(s = as__stmt(db, term_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, m.id);
    sqlite3_bind_int64(s, 2, at);
    return as__step_done(db, s, "adding a panel member");
}

as_status as_panel_add_member(as_db *db, const char *user_id, int64_t at)
{
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_panel_add_member: NULL argument") : AS_MISUSE;
    if (!at)
        at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    return as__write_end(db, add_member_in_txn(db, user_id, at));
}

static as_status remove_member_in_txn(as_db *db, const char *user_id, int64_t at)
{
    char when[AS_TIME_BUFSIZE];
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
    member_row m;
    as_status st = member_find(db, user_id, &m);
    if (st != AS_OK)
        return st;
    if (!m.term_id)
        return as__fail(db, AS_NOTFOUND, "user '%s' is not on the panel", user_id);
    if (at < m.joined_at)
        return as__fail(db, AS_INVALID, "user '%s' joined the panel at %s, after the time given",
                        user_id, as_time_format(m.joined_at, db->utc_offset, when));
    static const char sql[] = "UPDATE panel_terms SET left_at = ?2 WHERE id = ?1";
    if (!(s = as__stmt(db, sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, m.term_id);
    sqlite3_bind_int64(s, 2, at);
    return as__step_done(db, s, "removing a panel member");
}

as_status as_panel_remove_member(as_db *db, const char *user_id, int64_t at)
{
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_panel_remove_member: NULL argument")
                  : AS_MISUSE;
    if (!at)
        at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    return as__write_end(db, remove_member_in_txn(db, user_id, at));
}

struct as_panel_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_panel_member view;
};

as_status as_panel_iter_new(as_panel_iter **out, as_db *db, int64_t at)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_panel_iter_new: NULL argument") : AS_MISUSE;
    static const char sql[] =
        "SELECT m.id, m.user_id, t.joined_at FROM panel_terms t"
        " JOIN panel_members m ON m.id = t.member_id"
        " WHERE t.joined_at <= ?1 AND (t.left_at IS NULL OR t.left_at > ?1)"
        " ORDER BY m.user_id IS NULL, m.user_id, m.id";
    as_panel_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing the panel");
    }
    sqlite3_bind_int64(it->st, 1, at ? at : as__now());
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_panel_next(as_panel_iter *it, const as_panel_member **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing the panel");
    it->view.member_id = sqlite3_column_int64(it->st, 0);
    it->view.user_id = as__column_text(it->st, 1);
    it->view.joined_at = sqlite3_column_int64(it->st, 2);
    *view = &it->view;
    return AS_OK;
}

void as_panel_iter_free(as_panel_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- proposals ----------------------------------------------------------- */

as_status as_proposal_add(as_db *db, const char *title, const char *const *options, size_t n,
                          int64_t opens_at, int64_t closes_at, int64_t *id)
{
    if (id)
        *id = 0;
    if (!db || !title || (n && !options))
        return db ? as__fail(db, AS_MISUSE, "as_proposal_add: NULL argument") : AS_MISUSE;
    if (n < 2 || n > OPTIONS_MAX)
        return as__fail(db, AS_INVALID, "a proposal needs 2 to %d options, not %zu", OPTIONS_MAX,
                        n);
    if (!opens_at)
        opens_at = as__now();
    if (closes_at <= opens_at)
        return as__fail(db, AS_INVALID, "the proposal must close after it opens");
    char *t = NULL, **opt = calloc(n, sizeof *opt);
    if (!opt)
        return as__fail(db, AS_NOMEM, "out of memory");
    as_status st = as__community_text(db, "title", title, PROPOSAL_TITLE_MAX, &t);
    for (size_t i = 0; st == AS_OK && i < n; i++) {
        char field[32];
        snprintf(field, sizeof field, "option %zu", i + 1);
        if (!options[i])
            st = as__fail(db, AS_MISUSE, "as_proposal_add: option %zu is NULL", i + 1);
        else
            st = as__community_text(db, field, options[i], OPTION_MAX, &opt[i]);
        for (size_t j = 0; st == AS_OK && j < i; j++)
            if (strcmp(opt[i], opt[j]) == 0)
                st = as__fail(db, AS_INVALID, "options %zu and %zu are the same: '%s'", j + 1,
                              i + 1, opt[i]);
    }
    if (st == AS_OK)
        st = as__write_begin(db);
    if (st == AS_OK) {
        static const char sql[] =
            "INSERT INTO proposals (title, opens_at, closes_at, created_at) VALUES (?1, ?2, ?3, ?4)";
        static const char opt_sql[] =
            "INSERT INTO proposal_options (proposal_id, position, label) VALUES (?1, ?2, ?3)";
        sqlite3_stmt *s = as__stmt(db, sql);
        int64_t pid = 0;
        if (!s) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, opens_at);
            sqlite3_bind_int64(s, 3, closes_at);
            sqlite3_bind_int64(s, 4, as__now());
            st = as__step_done(db, s, "adding a proposal");
            pid = sqlite3_last_insert_rowid(db->sql);
        }
        for (size_t i = 0; st == AS_OK && i < n; i++) {
            if (!(s = as__stmt(db, opt_sql))) {
                st = AS_INTERNAL;
                break;
            }
            sqlite3_bind_int64(s, 1, pid);
            sqlite3_bind_int64(s, 2, (int64_t)i + 1);
            sqlite3_bind_text(s, 3, opt[i], -1, SQLITE_STATIC);
            st = as__step_done(db, s, "adding a proposal's option");
        }
        st = as__write_end(db, st);
        if (st == AS_OK && id)
            *id = pid;
    }
    free(t);
    for (size_t i = 0; i < n; i++)
        free(opt[i]);
    free(opt);
    return st;
}

void as_proposal_free(as_proposal *proposal)
{
    if (!proposal)
        return;
    for (size_t i = 0; i < proposal->noptions; i++)
        free((char *)proposal->options[i].label);
    free(proposal->options);
    free((char *)proposal->title);
    free(proposal);
}

/* Proposal id as of at into a new *out (see as_proposal_get()). */
static as_status proposal_load(as_db *db, int64_t id, int64_t at, unsigned flags,
                               as_proposal **out)
{
    static const char sql[] =
        "SELECT id, title, opens_at, closes_at, created_at FROM proposals WHERE id = ?1";
    /* ?2: the instant counted */
    static const char opt_sql[] =
        "SELECT o.position, o.label, (SELECT count(*) FROM proposal_votes v"
        "  WHERE v.proposal_id = o.proposal_id AND v.position = o.position AND v.at <= ?2)"
        " FROM proposal_options o WHERE o.proposal_id = ?1 ORDER BY o.position";
    static const char count_sql[] =
        "SELECT (SELECT count(*) FROM proposal_votes WHERE proposal_id = ?1 AND at <= ?2),"
        " (SELECT count(*) FROM (SELECT t.member_id FROM panel_terms t"
        "   WHERE t.joined_at <= ?2 AND (t.left_at IS NULL OR t.left_at > ?2)"
        "   UNION SELECT v.member_id FROM proposal_votes v"
        "   WHERE v.proposal_id = ?1 AND v.at <= ?2))";
    *out = NULL;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return as__fail(db, AS_NOTFOUND, "no proposal %" PRId64, id);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return as__sqlfail(db, rc, "reading a proposal");
    }
    as_proposal *p = calloc(1, sizeof *p);
    if (!p || !(p->title = as__column_dup(s, 1))) {
        sqlite3_reset(s);
        free(p);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    p->id = sqlite3_column_int64(s, 0);
    p->opens_at = sqlite3_column_int64(s, 2);
    p->closes_at = sqlite3_column_int64(s, 3);
    p->created_at = sqlite3_column_int64(s, 4);
    sqlite3_reset(s);
    p->at = at;
    p->closed = at >= p->closes_at;
    p->counted = p->closed || (flags & AS_PROPOSAL_PARTIAL);
    p->voters = p->members = -1;
    p->turnout_pct = NAN;
    /* the last instant that took votes, or the time asked */
    int64_t when = p->closed ? p->closes_at - 1 : at;
    as_status st = AS_OK;
    if (!(s = as__stmt(db, opt_sql))) {
        as_proposal_free(p);
        return AS_INTERNAL;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, when);
    size_t cap = 0;
    while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (p->noptions == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            as_proposal_option *o = realloc(p->options, ncap * sizeof *o);
            if (!o) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            p->options = o;
            cap = ncap;
        }
        as_proposal_option *o = &p->options[p->noptions];
        o->position = sqlite3_column_int64(s, 0);
        o->votes = p->counted ? sqlite3_column_int64(s, 2) : -1;
        if (!(o->label = as__column_dup(s, 1)))
            st = as__fail(db, AS_NOMEM, "out of memory");
        else
            p->noptions++;
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading a proposal's options");
    sqlite3_reset(s);
    if (st == AS_OK && p->counted) {
        if (!(s = as__stmt(db, count_sql))) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, when);
            rc = sqlite3_step(s);
            if (rc == SQLITE_ROW) {
                p->voters = sqlite3_column_int64(s, 0);
                p->members = sqlite3_column_int64(s, 1);
                if (p->members > 0)
                    p->turnout_pct = 100.0 * (double)p->voters / (double)p->members;
            } else {
                st = as__sqlfail(db, rc, "counting votes");
            }
            sqlite3_reset(s);
        }
    }
    if (st != AS_OK) {
        as_proposal_free(p);
        return st;
    }
    *out = p;
    return AS_OK;
}

as_status as_proposal_get(as_proposal **out, as_db *db, int64_t id, int64_t at, unsigned flags)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_proposal_get: NULL argument") : AS_MISUSE;
    if (flags & ~AS_PROPOSAL_PARTIAL)
        return as__fail(db, AS_MISUSE, "as_proposal_get: unknown flags 0x%x", flags);
    as_status st = proposal_load(db, id, at ? at : as__now(), flags, out);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

struct as_proposal_iter {
    as_db *db;
    sqlite3_stmt *st;
    int64_t at;
    as_proposal *view;
};

as_status as_proposal_iter_new(as_proposal_iter **out, as_db *db, int64_t at)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_proposal_iter_new: NULL argument") : AS_MISUSE;
    /* Its own statement: each row is loaded through the cache. */
    static const char sql[] = "SELECT id FROM proposals ORDER BY id";
    as_proposal_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing proposals");
    }
    it->db = db;
    it->at = at ? at : as__now();
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_proposal_next(as_proposal_iter *it, const as_proposal **view)
{
    if (!it || !view)
        return AS_MISUSE;
    as_proposal_free(it->view);
    it->view = NULL;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing proposals");
    as_status st = proposal_load(it->db, sqlite3_column_int64(it->st, 0), it->at, 0, &it->view);
    if (st != AS_OK)
        return st;
    *view = it->view;
    return AS_OK;
}

void as_proposal_iter_free(as_proposal_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    as_proposal_free(it->view);
    free(it);
}

/* ---- voting -------------------------------------------------------------- */

/* The option named by text: its number ("2") or its label; 0 when none. */
/* The position of the option text names: a label first (numeric labels
 * such as 95 or 98 are labels), then a position; a text that is the label
 * of one option and the position of another is ambiguous. */
static as_status option_find(as_db *db, int64_t pid, const char *text, int64_t *pos)
{
    static const char by_pos[] =
        "SELECT position FROM proposal_options WHERE proposal_id = ?1 AND position = ?2";
    static const char by_label[] =
        "SELECT position FROM proposal_options WHERE proposal_id = ?1 AND label = ?2";
    *pos = 0;
    int digits = text[0] != '\0' && strlen(text) <= 3;
    for (const char *c = text; digits && *c; c++)
        digits = *c >= '0' && *c <= '9';
    char *norm = NULL, why[120];
    as_status st = as__text_nfc(text, strlen(text), &norm, why, sizeof why);
    if (st == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (st != AS_OK)
        return as__fail(db, AS_INVALID, "option: %s", why);
    int64_t as_label = 0, as_pos = 0;
    for (int k = 0; k < 1 + digits; k++) {
        sqlite3_stmt *s = as__stmt(db, k == 0 ? by_label : by_pos);
        if (!s) {
            free(norm);
            return AS_INTERNAL;
        }
        sqlite3_bind_int64(s, 1, pid);
        if (k == 0)
            sqlite3_bind_text(s, 2, norm, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(s, 2, atoi(text));
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            *(k == 0 ? &as_label : &as_pos) = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            free(norm);
            return as__sqlfail(db, rc, "reading a proposal's options");
        }
    }
    free(norm);
    if (as_label && as_pos && as_label != as_pos)
        return as__fail(db, AS_INVALID, "option '%s' of proposal %" PRId64 " is ambiguous: the"
                        " label of option %" PRId64 " and the number of option %" PRId64
                        " (give the other's label)", text, pid, as_label, as_pos);
    *pos = as_label ? as_label : as_pos;
    if (!*pos)
        return as__fail(db, AS_INVALID, "proposal %" PRId64 " has no option '%s'", pid, text);
    return AS_OK;
}

static as_status vote_in_txn(as_db *db, int64_t pid, const char *user_id, const char *option,
                             int64_t at, int64_t *position)
{
    char when[AS_TIME_BUFSIZE];
    static const char prop_sql[] = "SELECT opens_at, closes_at FROM proposals WHERE id = ?1";
    sqlite3_stmt *s = as__stmt(db, prop_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, pid);
    int rc = sqlite3_step(s);
    int64_t opens = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    int64_t closes = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return as__fail(db, AS_NOTFOUND, "no proposal %" PRId64, pid);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading a proposal");
    as_status st = as__community_user(db, user_id, "they cannot vote");
    if (st != AS_OK)
        return st;
    /* the member whose term holds at */
    static const char member_sql[] =
        "SELECT m.id FROM panel_members m JOIN panel_terms t ON t.member_id = m.id"
        " WHERE m.user_id = ?1 AND t.joined_at <= ?2 AND (t.left_at IS NULL OR t.left_at > ?2)";
    if (!(s = as__stmt(db, member_sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, at);
    rc = sqlite3_step(s);
    int64_t member = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading the panel");
    if (!member)
        return as__fail(db, AS_INVALID, "user '%s' is not a member of the panel at %s", user_id,
                        as_time_format(at, db->utc_offset, when));
    if (at < opens)
        return as__fail(db, AS_INVALID, "proposal %" PRId64 " opens at %s", pid,
                        as_time_format(opens, db->utc_offset, when));
    if (at >= closes)
        return as__fail(db, AS_INVALID, "proposal %" PRId64 " closed at %s", pid,
                        as_time_format(closes, db->utc_offset, when));
    int64_t pos = 0;
    if ((st = option_find(db, pid, option, &pos)) != AS_OK)
        return st;
    static const char voted_sql[] =
        "SELECT at FROM proposal_votes WHERE proposal_id = ?1 AND member_id = ?2";
    if (!(s = as__stmt(db, voted_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int64(s, 2, member);
    rc = sqlite3_step(s);
    int64_t voted = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : INT64_MIN;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading votes");
    if (voted != INT64_MIN)
        return as__fail(db, AS_EXISTS, "user '%s' voted on proposal %" PRId64 " at %s", user_id,
                        pid, as_time_format(voted, db->utc_offset, when));
    static const char ins_sql[] =
        "INSERT INTO proposal_votes (proposal_id, member_id, position, at, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    if (!(s = as__stmt(db, ins_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int64(s, 2, member);
    sqlite3_bind_int64(s, 3, pos);
    sqlite3_bind_int64(s, 4, at);
    sqlite3_bind_int64(s, 5, as__now());
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT)
        /* the UNIQUE constraint, should anything have slipped past the check */
        return as__fail(db, AS_EXISTS, "user '%s' has already voted on proposal %" PRId64,
                        user_id, pid);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "voting");
    *position = pos;
    return AS_OK;
}

as_status as_proposal_vote(as_db *db, int64_t id, const char *user_id, const char *option,
                           int64_t at, int64_t *position)
{
    if (position)
        *position = 0;
    if (!db || !user_id || !option)
        return db ? as__fail(db, AS_MISUSE, "as_proposal_vote: NULL argument") : AS_MISUSE;
    if (!at)
        at = as__now();
    int64_t pos = 0;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = as__write_end(db, vote_in_txn(db, id, user_id, option, at, &pos));
    if (st == AS_OK && position)
        *position = pos;
    return st;
}
