/* points.c - the points ledger: earning, adjustments, redemption, expiry,
 * balances and statements (the schema is 016_points.sql).
 *
 * The ledger (points_ledger) is append-only; what is left of each positive
 * row is its lot (points_lots), the one mutable table, written lazily: a
 * positive row without a lot is untouched.  A negative row takes what it
 * uses from the lots, those that lapse first first, in the same
 * transaction; the first use of a row writes its lot.
 *
 * The earn_fuel rows (one a fueling record) enter no index: a user's are
 * found through the user's fueling records and their points_id (USER_ROWS).
 *
 * Reads do not trust the lots for a time in the past: a balance at T
 * replays the user's rows at or before T over lots in memory (a user has
 * a few hundred rows at most), so that it is what the world was at T, with
 * the lots that had lapsed by T left out even when `points expire` has not
 * written them off yet. */
#include "batch.h"
#include "points.h"
#include "remind.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A lot that never lapses (the schema's sentinel). */
#define NEVER INT64_MAX

enum { REASON_MAX_CHARS = 500 };

static const char *const kind_names[] = {
    NULL, "earn_fuel", "earn_survey", "earn_community", "adjust", "redeem", "expire",
};
enum { NKINDS = sizeof kind_names / sizeof kind_names[0] };

const char *as_points_kind_name(as_points_kind kind)
{
    return (int)kind > 0 && (int)kind < NKINDS ? kind_names[kind] : NULL;
}

static as_points_kind kind_of(const char *name)
{
    for (int k = 1; name && k < NKINDS; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return (as_points_kind)k;
    return (as_points_kind)0;
}

/* ---- time and rate ---------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int64_t as__points_expiry(as_db *db, int64_t at)
{
    int64_t months = as__points_cfg_of(db)->expire_after_months;
    if (months <= 0)
        return 0;
    int64_t off = (int64_t)as_db_utc_offset(db) * 60;
    int64_t local = at + off;
    int64_t days = floor_div(local, 86400), secs = local - days * 86400;
    int64_t y;
    unsigned m, d;
    as__civil_from_days(days, &y, &m, &d);
    int64_t mi = (int64_t)m - 1 + months;
    y += floor_div(mi, 12);
    m = (unsigned)(mi - floor_div(mi, 12) * 12) + 1;
    if (d > month_days(y, m))
        d = month_days(y, m);
    return as__days_from_civil(y, m, d) * 86400 + secs - off;
}

/* The tier's points_multiplier in hundredths (100 without a tier). */
static int64_t tier_pct(as_db *db, const char *tier)
{
    const as_config *cfg = as__db_config(db);
    const as__tiers_cfg *t = cfg ? cfg->tiers : NULL;
    for (size_t i = 0; tier && t && i < t->n; i++)
        if (strcmp(t->items[i].name, tier) == 0)
            return t->items[i].points_pct;
    return 100;
}

static int64_t points_per_yuan(as_db *db)
{
    const as_config *cfg = as__db_config(db);
    return cfg && cfg->tiers ? cfg->tiers->points_per_yuan : 1;
}

int as__points_fuel_on(as_db *db)
{
    return points_per_yuan(db) > 0;
}

/* as__points_pct(tier) and as__points_expiry(at) for the catch-up
 * earning (NULL: never lapses). */
static void sql_pct(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int64(ctx, tier_pct(sqlite3_user_data(ctx),
                                       (const char *)sqlite3_value_text(argv[0])));
}

static void sql_expiry(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int64_t e = as__points_expiry(sqlite3_user_data(ctx), sqlite3_value_int64(argv[0]));
    if (e)
        sqlite3_result_int64(ctx, e);
    else
        sqlite3_result_null(ctx);
}

/* Register them once per handle (registering again would expire the
 * cached statements). */
static as_status functions(as_db *db)
{
    if (as__ext_get(db, AS_EXT_POINTS))
        return AS_OK;
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY;
    int rc = sqlite3_create_function(db->sql, "as__points_pct", 1, flags, db, sql_pct, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db->sql, "as__points_expiry", 1, flags, db, sql_expiry, NULL,
                                     NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "registering the points functions");
    as__ext_set(db, AS_EXT_POINTS, db, NULL);
    return AS_OK;
}

/* ---- checks ------------------------------------------------------------ */

/* The user exists (AS_NOTFOUND otherwise); for a write, is not erased. */
static as_status user_check(as_db *db, const char *user_id, int write)
{
    static const char sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
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
    if (write && erased)
        return as__fail(db, AS_INVALID, "user '%s' was erased; their points cannot change",
                        user_id);
    return AS_OK;
}

static int64_t at_or_now(int64_t at)
{
    return at ? at : as__now();
}

/* ---- a user's rows -------------------------------------------------------- */

/* The rows of user ?1 at or before T, as a subquery with the ledger's
 * columns: those of the partial index (every kind but earn_fuel), and the
 * earn_fuel rows named by the user's fueling records (clustered by user
 * and time). */
#define LEDGER_COLS "id, user_id, at, delta, kind, ref, reason, expires_at, created_at"
#define USER_ROWS(T)                                                                     \
    "(SELECT " LEDGER_COLS " FROM points_ledger WHERE user_id = ?1"                       \
    " AND kind <> 'earn_fuel' AND at <= " T                                               \
    " UNION ALL SELECT l.id, l.user_id, l.at, l.delta, l.kind, l.ref, l.reason,"          \
    " l.expires_at, l.created_at FROM main.fuelings f JOIN points_ledger l"               \
    " ON l.id = f.points_id WHERE f.user_id = ?1 AND f.filled_at <= " T ")"

/* ---- writing ------------------------------------------------------------ */

static const char insert_sql[] =
    "INSERT INTO points_ledger (user_id, at, delta, kind, ref, reason, expires_at, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (kind, ref) WHERE kind <> 'earn_fuel' DO NOTHING";

/* Append a row (a positive one has no lot until it is used; earn_fuel rows
 * are written by the fueling import and the catch-up only); *id is 0 when
 * a row of that kind and ref was there. */
static as_status append(as_db *db, const char *user_id, int64_t at, int64_t delta,
                        as_points_kind kind, const char *ref, const char *reason,
                        int64_t expires_at, int64_t *id)
{
    sqlite3_stmt *s = as__stmt(db, insert_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, at);
    sqlite3_bind_int64(s, 3, delta);
    sqlite3_bind_text(s, 4, kind_names[kind], -1, SQLITE_STATIC);
    as__bind_text_or_null(s, 5, ref);
    as__bind_text_or_null(s, 6, reason);
    as__bind_int64_or_null(s, 7, expires_at, 0);
    sqlite3_bind_int64(s, 8, as__now());
    as_status st = as__step_done(db, s, "writing to the points ledger");
    *id = st == AS_OK && sqlite3_changes(db->sql) == 1 ? sqlite3_last_insert_rowid(db->sql) : 0;
    return st;
}

as_status as__points_earn(as_db *db, const char *user_id, as_points_kind kind, const char *ref,
                          int64_t points, int64_t at, const char *reason, int *earned)
{
    if (earned)
        *earned = 0;
    if (points <= 0)
        return as__fail(db, AS_INVALID, "points: %" PRId64 " is not above 0", points);
    if (kind == AS_POINTS_EARN_FUEL)
        return as__fail(db, AS_MISUSE, "as__points_earn: earn_fuel rows come with their"
                        " fueling records");
    int64_t id = 0;
    as_status st = append(db, user_id, at, points, kind, ref, reason, as__points_expiry(db, at),
                          &id);
    if (earned)
        *earned = id != 0;
    return st;
}

typedef struct lot {
    int64_t expires_at, earn_id, remaining, earned_at;
} lot;

/* The lots of user_id spendable at at (earned by then, not lapsed), those
 * that lapse first first; *sum their points.  Free *lots. */
static as_status spendable_lots(as_db *db, const char *user_id, int64_t at, lot **lots, size_t *n,
                                int64_t *sum)
{
    /* The user's positive rows, with what their lots say is left (no lot:
     * all of it). */
    static const char sql[] =
        "SELECT l.expires_at, l.id, coalesce(o.remaining, l.delta), l.at FROM " USER_ROWS("?2")
        " l LEFT JOIN points_lots o ON o.earn_id = l.id"
        " WHERE l.delta > 0 AND (l.expires_at IS NULL OR l.expires_at > ?2)"
        " AND coalesce(o.remaining, l.delta) > 0"
        " ORDER BY l.expires_at IS NULL, l.expires_at, l.id";
    *lots = NULL;
    *n = 0;
    *sum = 0;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, at);
    size_t cap = 0;
    int rc;
    as_status st = AS_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            lot *p = realloc(*lots, cap * sizeof *p);
            if (!p) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            *lots = p;
        }
        lot *l = &(*lots)[(*n)++];
        l->expires_at = as__column_int64_or(s, 0, NEVER);
        l->earn_id = sqlite3_column_int64(s, 1);
        l->remaining = sqlite3_column_int64(s, 2);
        l->earned_at = sqlite3_column_int64(s, 3);
        *sum += l->remaining;
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading points lots");
    return st;
}

/* Take points from the lots of user_id (in their order): each lot touched
 * is written with what is left of it (0: exhausted; the first use of a row
 * writes its lot). */
static as_status take_lots(as_db *db, const char *user_id, const lot *lots, size_t n,
                           int64_t points)
{
    static const char sql[] =
        "INSERT INTO points_lots (earn_id, user_id, expires_at, earned_at, remaining)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (earn_id) DO UPDATE SET remaining = excluded.remaining";
    as_status st = AS_OK;
    for (size_t i = 0; i < n && points > 0 && st == AS_OK; i++) {
        int64_t take = lots[i].remaining < points ? lots[i].remaining : points;
        points -= take;
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s)
            return AS_INTERNAL;
        sqlite3_bind_int64(s, 1, lots[i].earn_id);
        sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
        if (lots[i].expires_at == NEVER)
            sqlite3_bind_null(s, 3);
        else
            sqlite3_bind_int64(s, 3, lots[i].expires_at);
        sqlite3_bind_int64(s, 4, lots[i].earned_at);
        sqlite3_bind_int64(s, 5, lots[i].remaining - take);
        st = as__step_done(db, s, "using points");
    }
    return st;
}

/* Use points of user_id at t (a redemption or a negative adjustment),
 * inside the transaction: refused beyond the spendable balance. */
static as_status spend(as_db *db, const char *user_id, int64_t points, int64_t t,
                       as_points_kind kind, const char *ref, const char *reason, int64_t *id)
{
    lot *lots = NULL;
    size_t n = 0;
    int64_t have = 0;
    as_status st = spendable_lots(db, user_id, t, &lots, &n, &have);
    if (st == AS_OK && have < points) {
        char when[AS_TIME_BUFSIZE];
        st = as__fail(db, AS_INVALID,
                      "user '%s' has %" PRId64 " spendable points at %s; %s %" PRId64
                      " is refused", user_id, have, as_time_format(t, db->utc_offset, when),
                      kind == AS_POINTS_REDEEM ? "redeeming" : "taking", points);
    }
    if (st == AS_OK)
        st = take_lots(db, user_id, lots, n, points);
    free(lots);
    if (st == AS_OK)
        st = append(db, user_id, t, -points, kind, ref, reason, 0, id);
    return st;
}

as_status as_points_adjust(as_db *db, const char *user_id, int64_t delta, const char *reason,
                           int64_t at, int64_t *entry_id)
{
    if (entry_id)
        *entry_id = 0;
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_points_adjust: NULL argument") : AS_MISUSE;
    if (delta == 0)
        return as__fail(db, AS_INVALID, "points: an adjustment of 0 changes nothing");
    if (delta < -1000000000000LL || delta > 1000000000000LL)
        return as__fail(db, AS_INVALID, "points: %" PRId64 " is out of range", delta);
    if (!reason || !reason[0])
        return as__fail(db, AS_INVALID, "reason: an adjustment needs a reason");
    char *text = NULL, why[120];
    as_status st = as__text_nfc(reason, strlen(reason), &text, why, sizeof why);
    if (st == AS_NOMEM)
        return as__fail(db, st, "out of memory");
    if (st != AS_OK)
        return as__fail(db, AS_INVALID, "reason: %s", why);
    if (as__utf8_chars(text) > REASON_MAX_CHARS) {
        free(text);
        return as__fail(db, AS_INVALID, "reason: longer than %d characters", REASON_MAX_CHARS);
    }
    int64_t t = at_or_now(at), id = 0;
    if ((st = as__write_begin(db)) != AS_OK) {
        free(text);
        return st;
    }
    st = user_check(db, user_id, 1);
    if (st == AS_OK && delta > 0)
        st = append(db, user_id, t, delta, AS_POINTS_ADJUST, NULL, text,
                    as__points_expiry(db, t), &id);
    else if (st == AS_OK)
        st = spend(db, user_id, -delta, t, AS_POINTS_ADJUST, NULL, text, &id);
    free(text);
    st = as__write_end(db, st);
    if (st == AS_OK && entry_id)
        *entry_id = id;
    return st;
}

/* A redemption with this ref already there: the same one again (*id its
 * row) or a clash. */
static as_status redeemed_before(as_db *db, const char *user_id, int64_t points, const char *ref,
                                 int64_t *id)
{
    static const char sql[] =
        "SELECT id, user_id, -delta FROM points_ledger WHERE kind = 'redeem' AND ref = ?1"
        " AND kind <> 'earn_fuel'";   /* the partial index's condition */
    *id = 0;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        int same = strcmp(as__column_text(s, 1), user_id) == 0 &&
                   sqlite3_column_int64(s, 2) == points;
        if (same)
            *id = sqlite3_column_int64(s, 0);
        else
            st = as__fail(db, AS_EXISTS,
                          "ref: '%s' was used by another redemption (user '%s', %" PRId64
                          " points)", ref, as__column_text(s, 1),
                          (int64_t)sqlite3_column_int64(s, 2));
    } else if (rc != SQLITE_DONE) {
        st = as__sqlfail(db, rc, "reading the points ledger");
    }
    sqlite3_reset(s);
    return st;
}

as_status as_points_redeem(as_db *db, const char *user_id, int64_t points, const char *ref,
                           int64_t at, int64_t *entry_id)
{
    if (entry_id)
        *entry_id = 0;
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_points_redeem: NULL argument") : AS_MISUSE;
    if (points <= 0 || points > 1000000000000LL)
        return as__fail(db, AS_INVALID, "points: %" PRId64 " is not a number of points to"
                        " redeem (1 or more)", points);
    char why[120];
    if (ref && as__check_id(ref, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "ref: %s", why);
    int64_t t = at_or_now(at), id = 0;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = user_check(db, user_id, 1);
    if (st == AS_OK && ref)
        st = redeemed_before(db, user_id, points, ref, &id);
    if (st == AS_OK && !id)
        st = spend(db, user_id, points, t, AS_POINTS_REDEEM, ref, NULL, &id);
    st = as__write_end(db, st);
    if (st == AS_OK && entry_id)
        *entry_id = id;
    return st;
}

as_status as_points_expire(as_db *db, int64_t at, as_points_run_stats *stats)
{
    as_points_run_stats local = {0, 0, 0};
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db)
        return AS_MISUSE;
    /* One row per user for all that lapsed by t, then their lots are
     * written exhausted.  The positive rows are read from the ledger (a
     * row without a lot is untouched): one pass over the table. */
#define LAPSED                                                                           \
    " FROM points_ledger l LEFT JOIN points_lots o ON o.earn_id = l.id"                  \
    " WHERE l.delta > 0 AND l.expires_at <= ?1 AND coalesce(o.remaining, l.delta) > 0"
    static const char sum_sql[] =
        "SELECT count(DISTINCT l.user_id), coalesce(sum(coalesce(o.remaining, l.delta)), 0)"
        LAPSED;
    static const char ins_sql[] =
        "INSERT INTO points_ledger (user_id, at, delta, kind, created_at)"
        " SELECT l.user_id, ?1, -sum(coalesce(o.remaining, l.delta)), 'expire', ?2" LAPSED
        " GROUP BY l.user_id ORDER BY l.user_id";
    static const char del_sql[] =
        "INSERT INTO points_lots (earn_id, user_id, expires_at, earned_at, remaining)"
        " SELECT l.id, l.user_id, l.expires_at, l.at, 0" LAPSED
        " ON CONFLICT (earn_id) DO UPDATE SET remaining = 0";
#undef LAPSED
    int64_t t = at_or_now(at);
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    sqlite3_stmt *s = as__stmt(db, sum_sql);
    if (!s) {
        st = AS_INTERNAL;
    } else {
        sqlite3_bind_int64(s, 1, t);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            stats->users = sqlite3_column_int64(s, 0);
            stats->points = sqlite3_column_int64(s, 1);
        } else {
            st = as__sqlfail(db, rc, "reading points lots");
        }
        sqlite3_reset(s);
    }
    if (st == AS_OK && stats->users) {
        if (!(s = as__stmt(db, ins_sql)))
            st = AS_INTERNAL;
        if (st == AS_OK) {
            sqlite3_bind_int64(s, 1, t);
            sqlite3_bind_int64(s, 2, as__now());
            st = as__step_done(db, s, "writing expired points");
            stats->entries = sqlite3_changes(db->sql);
        }
        if (st == AS_OK && !(s = as__stmt(db, del_sql)))
            st = AS_INTERNAL;
        if (st == AS_OK) {
            sqlite3_bind_int64(s, 1, t);
            st = as__step_done(db, s, "removing lapsed points lots");
        }
    }
    st = as__write_end(db, st);
    if (st != AS_OK)
        memset(stats, 0, sizeof *stats);
    return st;
}

/* Earn rows for fueling records: the rate times the multiplier of the
 * stored tier, floor(amount_fen / 100) whole yuan. */
#define FUEL_POINTS "(f.amount_fen / 100) * ?1 * as__points_pct(p.tier) / 100"

as_status as_points_earn_missing(as_db *db, int64_t at, as_points_run_stats *stats)
{
    as_points_run_stats local = {0, 0, 0};
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db)
        return AS_MISUSE;
    /* The records without a ledger row (points_id NULL), then their
     * points_id from the rows just written. */
    static const char ins_sql[] =
        "INSERT INTO points_ledger (user_id, at, delta, kind, ref, expires_at, created_at)"
        " SELECT f.user_id, f.filled_at, " FUEL_POINTS ", 'earn_fuel', f.tx_id,"
        " as__points_expiry(f.filled_at), ?3"
        " FROM fuelings f LEFT JOIN main.profiles p ON p.user_id = f.user_id"
        " WHERE f.filled_at <= ?2 AND f.points_id IS NULL AND " FUEL_POINTS " > 0"
        " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = f.user_id"
        "                 AND u.erased_at IS NOT NULL)"
        " ORDER BY f.filled_at, f.tx_id";
    static const char link_sql[] =
        "UPDATE main.fuelings SET points_id = l.id"
        " FROM (SELECT id, user_id, at, ref FROM points_ledger WHERE id > ?1"
        "       AND kind = 'earn_fuel') AS l"
        " WHERE fuelings.user_id = l.user_id AND fuelings.filled_at = l.at"
        " AND fuelings.tx_id = l.ref";
    static const char max_sql[] = "SELECT coalesce(max(id), 0) FROM points_ledger";
    static const char stats_sql[] =
        "SELECT count(*), count(DISTINCT user_id), coalesce(sum(delta), 0) FROM points_ledger"
        " WHERE id > ?1";
    int64_t t = at_or_now(at);
    as_status st = functions(db);
    if (st != AS_OK)
        return st;
    if ((st = as__write_begin(db)) != AS_OK)
        return st;
    int64_t ppy = points_per_yuan(db);
    sqlite3_stmt *s = NULL;
    int64_t before = 0;
    if (ppy > 0) {
        /* Rows written now get ids above every earlier one. */
        if (!(s = as__stmt(db, max_sql))) {
            st = AS_INTERNAL;
        } else {
            if (sqlite3_step(s) == SQLITE_ROW)
                before = sqlite3_column_int64(s, 0);
            sqlite3_reset(s);
        }
        if (st == AS_OK && !(s = as__stmt(db, ins_sql)))
            st = AS_INTERNAL;
        if (st == AS_OK) {
            sqlite3_bind_int64(s, 1, ppy);
            sqlite3_bind_int64(s, 2, t);
            sqlite3_bind_int64(s, 3, as__now());
            st = as__step_done(db, s, "earning points from fueling");
        }
        if (st == AS_OK && !(s = as__stmt(db, link_sql)))
            st = AS_INTERNAL;
        if (st == AS_OK) {
            sqlite3_bind_int64(s, 1, before);
            st = as__step_done(db, s, "linking fueling records to their points");
        }
        if (st == AS_OK && !(s = as__stmt(db, stats_sql)))
            st = AS_INTERNAL;
        if (st == AS_OK) {
            sqlite3_bind_int64(s, 1, before);
            if (sqlite3_step(s) == SQLITE_ROW) {
                stats->entries = sqlite3_column_int64(s, 0);
                stats->users = sqlite3_column_int64(s, 1);
                stats->points = sqlite3_column_int64(s, 2);
            }
            sqlite3_reset(s);
        }
    }
    st = as__write_end(db, st);
    if (st != AS_OK)
        memset(stats, 0, sizeof *stats);
    return st;
}

as_status as__points_fuel_begin(as_db *db, as__points_fuel *pf)
{
    static const char max_sql[] = "SELECT coalesce(max(id), 0) FROM points_ledger";
    memset(pf, 0, sizeof *pf);
    sqlite3_stmt *s = as__stmt(db, max_sql);
    if (!s)
        return AS_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        pf->next_id = sqlite3_column_int64(s, 0) + 1;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading the points ledger");
    pf->ppy = points_per_yuan(db);
    pf->now = as__now();
    as_status st = as__batch_init(&pf->b, db,
                                  "INSERT INTO main.points_ledger (id, user_id, at, delta, kind,"
                                  " ref, expires_at, created_at) VALUES ", 8);
    if (st == AS_OK)
        pf->open = 1;
    return st;
}

static uint64_t hash_user(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The multiplier (hundredths) of the user's stored tier, read once per
 * user and import. */
static as_status fuel_pct(as_db *db, as__points_fuel *pf, const char *user, int64_t *pct)
{
    static const char sql[] = "SELECT tier FROM main.profiles WHERE user_id = ?1";
    if (pf->n * 4 >= pf->cap * 3) {
        size_t cap = pf->cap ? pf->cap * 2 : 1024;
        as__points_user *slot = calloc(cap, sizeof *slot);
        if (!slot)
            return as__fail(db, AS_NOMEM, "out of memory");
        for (size_t i = 0; i < pf->cap; i++) {
            if (!pf->slot[i].name)
                continue;
            size_t k = hash_user(pf->slot[i].name) & (cap - 1);
            while (slot[k].name)
                k = (k + 1) & (cap - 1);
            slot[k] = pf->slot[i];
        }
        free(pf->slot);
        pf->slot = slot;
        pf->cap = cap;
    }
    size_t k = hash_user(user) & (pf->cap - 1);
    for (; pf->slot[k].name; k = (k + 1) & (pf->cap - 1)) {
        if (strcmp(pf->slot[k].name, user) == 0) {
            *pct = pf->slot[k].pct;
            return AS_OK;
        }
    }
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *pct = tier_pct(db, rc == SQLITE_ROW ? as__column_text(s, 0) : NULL);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a profile");
    if (!(pf->slot[k].name = as__strdup(user)))
        return as__fail(db, AS_NOMEM, "out of memory");
    pf->slot[k].pct = *pct;
    pf->n++;
    return AS_OK;
}

as_status as__points_fuel_id(as_db *db, as__points_fuel *pf, const char *user_id, int64_t fen,
                             int64_t *points, int64_t *id)
{
    int64_t pct = 100;
    *points = 0;
    *id = 0;
    as_status st = fuel_pct(db, pf, user_id, &pct);
    if (st != AS_OK)
        return st;
    *points = fen / 100 * pf->ppy * pct / 100;
    if (*points > 0)
        *id = pf->next_id++;
    return AS_OK;
}

void as__points_fuel_add(as__points_fuel *pf, int64_t id, const char *tx_id, const char *user_id,
                         int64_t at, int64_t points)
{
    int64_t expires = as__points_expiry(pf->b.db, at);
    as__batch_int(&pf->b, id);
    as__batch_text(&pf->b, user_id);
    as__batch_int(&pf->b, at);
    as__batch_int(&pf->b, points);
    as__batch_text(&pf->b, kind_names[AS_POINTS_EARN_FUEL]);
    as__batch_text(&pf->b, tx_id);
    if (expires)
        as__batch_int(&pf->b, expires);
    else
        as__batch_null(&pf->b);
    as__batch_int(&pf->b, pf->now);
}

as_status as__points_fuel_end(as__points_fuel *pf)
{
    return pf->open ? as__batch_flush(&pf->b) : AS_OK;
}

void as__points_fuel_free(as__points_fuel *pf)
{
    if (pf->open)
        as__batch_free(&pf->b);
    for (size_t i = 0; i < pf->cap; i++)
        free(pf->slot[i].name);
    free(pf->slot);
    memset(pf, 0, sizeof *pf);
}

/* ---- reading ------------------------------------------------------------ */

/* The user's lots as they stood at t, rebuilt from the ledger in memory. */
typedef struct replay {
    lot *lots;               /* by expires_at, then earn id */
    size_t n, cap;
} replay;

static int replay_add(replay *r, int64_t expires_at, int64_t id, int64_t points)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        lot *p = realloc(r->lots, cap * sizeof *p);
        if (!p)
            return -1;
        r->lots = p;
        r->cap = cap;
    }
    size_t i = r->n;
    while (i > 0 && (r->lots[i - 1].expires_at > expires_at ||
                     (r->lots[i - 1].expires_at == expires_at && r->lots[i - 1].earn_id > id))) {
        r->lots[i] = r->lots[i - 1];
        i--;
    }
    r->lots[i] = (lot){expires_at, id, points, 0};
    r->n++;
    return 0;
}

/* Take points at t from the lots lapsed by t (lapsed 1) or spendable at t
 * (lapsed 0), in order; returns what could not be taken. */
static int64_t replay_take(replay *r, int64_t points, int64_t t, int lapsed)
{
    for (size_t i = 0; i < r->n && points > 0; i++) {
        lot *l = &r->lots[i];
        if (!l->remaining || (l->expires_at <= t) != lapsed)
            continue;
        int64_t take = l->remaining < points ? l->remaining : points;
        l->remaining -= take;
        points -= take;
    }
    return points;
}

as_status as_points_balance_get(as_db *db, const char *user_id, int64_t at,
                                as_points_balance *out)
{
    if (!db || !user_id || !out)
        return db ? as__fail(db, AS_MISUSE, "as_points_balance_get: NULL argument") : AS_MISUSE;
    memset(out, 0, sizeof *out);
    int64_t t = at_or_now(at);
    out->at = t;
    as_status st = user_check(db, user_id, 0);
    if (st != AS_OK)
        return st;
    return as__points_balance_at(db, user_id, t, out);
}

as_status as__points_balance_at(as_db *db, const char *user_id, int64_t t,
                                as_points_balance *out)
{
    memset(out, 0, sizeof *out);
    out->at = t;
    as_status st = AS_OK;
    static const char sql[] =
        "SELECT id, at, delta, kind, expires_at FROM " USER_ROWS("?2") " ORDER BY at, id";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, t);
    replay r = {NULL, 0, 0};
    int rc;
    while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0), when = sqlite3_column_int64(s, 1);
        int64_t delta = sqlite3_column_int64(s, 2);
        as_points_kind kind = kind_of(as__column_text(s, 3));
        out->ledger += delta;
        if (kind == AS_POINTS_ADJUST)
            out->adjusted += delta;
        else if (kind == AS_POINTS_REDEEM)
            out->redeemed -= delta;
        else if (kind == AS_POINTS_EXPIRE)
            out->expired -= delta;
        else
            out->earned += delta;
        if (delta > 0) {
            if (replay_add(&r, as__column_int64_or(s, 4, NEVER), id, delta) < 0)
                st = as__fail(db, AS_NOMEM, "out of memory");
        } else if (kind == AS_POINTS_EXPIRE) {
            replay_take(&r, -delta, when, 1);
        } else {
            /* As the write did: spendable lots; anything more (a row
             * written out of time order) from the lapsed ones. */
            int64_t left = replay_take(&r, -delta, when, 0);
            replay_take(&r, left, when, 1);
        }
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading the points ledger");
    int64_t spendable = 0;
    for (size_t i = 0; st == AS_OK && i < r.n; i++) {
        const lot *l = &r.lots[i];
        if (!l->remaining)
            continue;
        if (l->expires_at <= t)
            continue;   /* lapsed: the ledger holds it until expiry writes it off */
        spendable += l->remaining;
        if (l->expires_at == NEVER)
            continue;
        if (!out->next_expiry_at || l->expires_at == out->next_expiry_at) {
            out->next_expiry_at = l->expires_at;
            out->next_expiry_points += l->remaining;
        }
    }
    free(r.lots);
    if (st != AS_OK)
        return st;
    /* Never more than the ledger holds (it would only differ for rows
     * written out of time order). */
    out->balance = spendable < out->ledger ? spendable : out->ledger;
    if (out->balance < 0)
        out->balance = 0;
    out->lapsed = out->ledger - out->balance;
    as__ok(db);
    return AS_OK;
}

struct as_points_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_points_entry view;
};

as_status as_points_iter_new(as_points_iter **out, as_db *db, const as_points_query *query)
{
    if (out)
        *out = NULL;
    if (!out || !db || !query || !query->user_id)
        return db ? as__fail(db, AS_MISUSE, "as_points_iter_new: NULL argument") : AS_MISUSE;
    if (query->version != AS_POINTS_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_points_iter_new: unknown query version %u",
                        query->version);
    int64_t from = query->from ? query->from : INT64_MIN;
    int64_t to = query->to ? query->to : INT64_MAX;
    if (from > to) {
        char a[AS_TIME_BUFSIZE], b[AS_TIME_BUFSIZE];
        return as__fail(db, AS_INVALID, "from %s is after to %s",
                        as_time_format(from, db->utc_offset, a),
                        as_time_format(to, db->utc_offset, b));
    }
    as_status st = user_check(db, query->user_id, 0);
    if (st != AS_OK)
        return st;
    /* The running sum counts every row up to each one, also those before
     * from. */
    static const char sql[] =
        "SELECT id, user_id, at, kind, delta, ref,"
        " CASE WHEN ?4 THEN reason ELSE as_mask_phones(reason) END, expires_at, balance,"
        " created_at FROM (SELECT *, sum(delta) OVER (ORDER BY at, id) AS balance"
        "  FROM " USER_ROWS("?3") ")"
        " WHERE at >= ?2 ORDER BY at, id";
    as_points_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "reading the points ledger");
    }
    sqlite3_bind_text(it->st, 1, query->user_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(it->st, 2, from);
    sqlite3_bind_int64(it->st, 3, to);
    sqlite3_bind_int(it->st, 4, as__db_reveal(db));
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_points_next(as_points_iter *it, const as_points_entry **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "reading the points ledger");
    as_points_entry *e = &it->view;
    e->id = sqlite3_column_int64(it->st, 0);
    e->user_id = as__column_text(it->st, 1);
    e->at = sqlite3_column_int64(it->st, 2);
    e->kind = kind_of(as__column_text(it->st, 3));
    e->points = sqlite3_column_int64(it->st, 4);
    e->ref = as__column_text(it->st, 5);
    e->reason = as__column_text(it->st, 6);
    e->expires_at = as__column_int64_or(it->st, 7, 0);
    e->balance = sqlite3_column_int64(it->st, 8);
    e->created_at = sqlite3_column_int64(it->st, 9);
    *view = e;
    return AS_OK;
}

void as_points_iter_free(as_points_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}
