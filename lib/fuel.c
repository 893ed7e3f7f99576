/* fuel.c - fueling records: amounts and the import (profiles: profile.c). */
#include "batch.h"
#include "import.h"
#include "json.h"
#include "partner.h"
#include "points.h"
#include "profile.h"
#include "vehicle.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- decimal text to integer units ----------------------------------- */

/* Digits, optionally '.' and 1..places digits; scaled by 10^places.
 * Never through a float.  Full-width digits and '．' are read as ASCII.
 * -1 when not such a number or above max. */
static int64_t decimal_units(const char *text, int places, int64_t max)
{
    char folded[AS__FOLD_MAX];
    const char *s = as__fold_fullwidth(text, folded, sizeof folded);
    if (!s)
        return -1;
    int64_t v = 0;
    size_t i = 0, ndig = 0;
    while (isdigit((unsigned char)s[i])) {
        if (v > max)   /* stop before overflowing */
            return -1;
        v = v * 10 + (s[i++] - '0');
        ndig++;
    }
    if (!ndig)
        return -1;
    int frac = 0;
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i])) {
            if (++frac > places)
                return -1;
            v = v * 10 + (s[i++] - '0');
        }
        if (!frac)
            return -1;
    }
    if (s[i])
        return -1;
    for (; frac < places; frac++)
        v *= 10;
    return v > max ? -1 : v;
}

as_status as_amount_parse(const char *text, int64_t *fen)
{
    if (!text || !fen)
        return AS_MISUSE;
    int64_t v = decimal_units(text, 2, 100000000LL * 100);
    if (v < 0)
        return AS_INVALID;
    *fen = v;
    return AS_OK;
}

as_status as_litres_parse(const char *text, int64_t *ml)
{
    if (!text || !ml)
        return AS_MISUSE;
    int64_t v = decimal_units(text, 3, 10000LL * 1000);
    if (v <= 0)
        return AS_INVALID;
    *ml = v;
    return AS_OK;
}

/* ---- import ---------------------------------------------------------- */

enum { C_TX, C_USER, C_STATION, C_AT, C_GRADE, C_LITRES, C_AMOUNT, C_ODO, C_PLATE, C_SREGION,
       NCOLS };

static const char *const columns[NCOLS + 1] = {
    "tx_id", "user_id", "station_id", "filled_at", "grade", "litres", "amount_yuan",
    "odometer_km", "plate", "station_region", NULL,
};

typedef struct fuel_row {
    const char *tx, *user, *station, *sregion;
    int64_t at, ml, fen, odo;   /* odo -1: none */
    char grade[8];
    char *plate;                /* normalised, or NULL */
    int staged, inserted;       /* offered to a multi-row insert; it went in */
    int priced;                 /* points and points_id are set */
    int64_t points, points_id;  /* what it earns, its ledger row's id (0: none) */
} fuel_row;

/* Bind ?1..?10 plus base (a row's place in a multi-row statement); absent
 * values stay unbound (NULL on a statement cleared of bindings). */
static void bind_row_at(sqlite3_stmt *s, int base, const fuel_row *r)
{
    sqlite3_bind_text(s, base + 1, r->tx, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, base + 2, r->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, base + 3, r->station, -1, SQLITE_STATIC);
    if (r->sregion)
        sqlite3_bind_text(s, base + 4, r->sregion, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, base + 5, r->at);
    sqlite3_bind_text(s, base + 6, r->grade, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, base + 7, r->ml);
    sqlite3_bind_int64(s, base + 8, r->fen);
    if (r->odo >= 0)
        sqlite3_bind_int64(s, base + 9, r->odo);
    if (r->plate)
        sqlite3_bind_text(s, base + 10, r->plate, -1, SQLITE_STATIC);
}

/* And ?11: the record's points_id (an insert). */
static void bind_points_id(sqlite3_stmt *s, int base, const fuel_row *r)
{
    if (r->points_id)
        sqlite3_bind_int64(s, base + 11, r->points_id);
    else
        sqlite3_bind_null(s, base + 11);
}

static void bind_row(sqlite3_stmt *s, const fuel_row *r)
{
    bind_row_at(s, 0, r);
}

/* A tx_id already recorded: unchanged when equal, else a problem. */
static as_status known_tx(as__import *im, const fuel_row *r, int *known, as_upsert *result)
{
    static const char sql[] =
        "SELECT tx_id = ?1 AND user_id = ?2 AND station_id = ?3 AND station_region IS ?4"
        " AND filled_at = ?5 AND grade = ?6 AND litres_ml = ?7 AND amount_fen = ?8"
        " AND odometer_km IS ?9 AND plate IS ?10 FROM fuelings WHERE tx_id = ?1";
    as_db *db = as__import_db(im);
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    bind_row(s, r);
    int rc = sqlite3_step(s);
    *known = rc == SQLITE_ROW;
    int same = *known && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a fueling record");
    if (*known) {
        if (same)
            *result = AS_UPSERT_UNCHANGED;
        else
            as__import_problem(im, "tx_id",
                               "is already recorded with other values (a payment does not change)");
    }
    return AS_OK;
}

/* A set of user ids (open addressing over offsets into one arena): the
 * erased users, loaded once per import, and the users this import has
 * marked dirty, so each is marked once. */
typedef struct id_set {
    size_t *slot;                /* offset + 1 into text; 0: empty */
    size_t cap, n;               /* cap: a power of two, or 0 */
    as_buf text;
} id_set;

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void id_set_free(id_set *u)
{
    free(u->slot);
    as__buf_free(&u->text);
    memset(u, 0, sizeof *u);
}

static int id_set_has(const id_set *u, const char *id)
{
    if (!u->cap)
        return 0;
    for (size_t i = hash_id(id) & (u->cap - 1); u->slot[i]; i = (i + 1) & (u->cap - 1))
        if (strcmp(u->text.data + u->slot[i] - 1, id) == 0)
            return 1;
    return 0;
}

/* Add id (known not to be in the set); 0, or -1 out of memory. */
static int id_set_add(id_set *u, const char *id)
{
    if (2 * (u->n + 1) > u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 1024;
        size_t *slot = calloc(cap, sizeof *slot);
        if (!slot)
            return -1;
        for (size_t i = 0; i < u->cap; i++) {
            if (!u->slot[i])
                continue;
            size_t k = hash_id(u->text.data + u->slot[i] - 1) & (cap - 1);
            while (slot[k])
                k = (k + 1) & (cap - 1);
            slot[k] = u->slot[i];
        }
        free(u->slot);
        u->slot = slot;
        u->cap = cap;
    }
    size_t off = u->text.len + 1;
    if (as__buf_add(&u->text, id, strlen(id) + 1) < 0)
        return -1;
    size_t k = hash_id(id) & (u->cap - 1);
    while (u->slot[k])
        k = (k + 1) & (u->cap - 1);
    u->slot[k] = off;
    u->n++;
    return 0;
}

typedef struct fuel_ctx {
    int utc_offset;              /* minutes (read by the pure stage) */
    id_set erased;               /* users whose data was erased */
    id_set marked;               /* users whose profile this import marked */
    int loaded;
    as__group group;             /* records inserted many to a statement */
    int earn;                    /* the records inserted earn points */
    int earning;                 /* earned is open */
    as__points_fuel earned;      /* their ledger rows (points.h) */
    int offers;                  /* partner offers are configured */
    as_partner_run_stats offered;   /* what they issued */
} fuel_ctx;

static as_status load_erased(as_db *db, fuel_ctx *fc)
{
    static const char sql[] = "SELECT user_id FROM users WHERE erased_at IS NOT NULL";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = as__column_text(s, 0);
        if (!id_set_has(&fc->erased, id) && id_set_add(&fc->erased, id) < 0) {
            sqlite3_reset(s);
            return as__fail(db, AS_NOMEM, "out of memory");
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading erased users");
    fc->loaded = 1;
    return AS_OK;
}

/* The user's profile changes with this import: remember it (once); the
 * marks are written after the last row (write_marks). */
static as_status mark_user(as_db *db, fuel_ctx *fc, const char *user)
{
    if (id_set_has(&fc->marked, user))
        return AS_OK;
    if (id_set_add(&fc->marked, user) < 0)
        return as__fail(db, AS_NOMEM, "out of memory");
    return AS_OK;
}

/* On the writer, before the record is offered for insertion: its points
 * and the id of their ledger row, which the record carries (points_id). */
static as_status price(as_db *db, fuel_ctx *fc, fuel_row *r)
{
    if (!fc->earn || r->priced)
        return AS_OK;
    if (!fc->earning) {
        fc->earning = 1;   /* as__points_fuel_free cleans up after a failed begin */
        as_status st = as__points_fuel_begin(db, &fc->earned);
        if (st != AS_OK)
            return st;
    }
    r->priced = 1;
    return as__points_fuel_id(db, &fc->earned, r->user, r->fen, &r->points, &r->points_id);
}

/* A record went in: its user's profile changes, it earns points (its
 * ledger row, buffered; written 64 to a statement), and partner offers
 * follow a qualifying fill-up. */
static as_status row_inserted(as_db *db, fuel_ctx *fc, const fuel_row *r)
{
    if (r->points_id)
        as__points_fuel_add(&fc->earned, r->points_id, r->tx, r->user, r->at, r->points);
    if (fc->offers) {
        /* no statement when the record qualifies for no offer */
        as_status st = as__partner_offers_for(db, r->tx, r->user, r->station, r->at, r->fen,
                                              &fc->offered);
        if (st != AS_OK)
            return st;
    }
    return mark_user(db, fc, r->user);
}

/* After the last row: mark the profiles of every user remembered, 64 to a
 * statement (one statement a user was a tenth of a large import), and earn
 * the points of the records inserted. */
static as_status write_marks(as__import *im, void *ctx)
{
    fuel_ctx *fc = ctx;
    as__batch b;
    as_status st = as__batch_init(&b, as__import_db(im),
                                  "INSERT OR IGNORE INTO main.profile_dirty (user_id) VALUES ", 1);
    for (size_t off = 0; st == AS_OK && off < fc->marked.text.len;) {
        const char *id = fc->marked.text.data + off;
        as__batch_text(&b, id);
        off += strlen(id) + 1;
    }
    st = st == AS_OK ? as__batch_flush(&b) : st;
    as__batch_free(&b);
    if (st == AS_OK && fc->earning)
        st = as__points_fuel_end(&fc->earned);
    return st;
}

static as_status insert_row(as__import *im, const fuel_row *r, int *inserted)
{
    static const char sql[] =
        "INSERT INTO fuelings (tx_id, user_id, station_id, station_region, filled_at, grade,"
        " litres_ml, amount_fen, odometer_km, plate, points_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT (tx_id) DO NOTHING";
    as_db *db = as__import_db(im);
    *inserted = 0;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    bind_row(s, r);
    bind_points_id(s, 0, r);
    as_status st = as__step_done(db, s, "adding a fueling record");
    *inserted = st == AS_OK && sqlite3_changes(db->sql) == 1;
    return st;
}

static void erased_user(as__import *im, const fuel_row *r)
{
    char msg[120];
    snprintf(msg, sizeof msg, "user '%.64s' was erased", r->user);
    as__import_problem(im, "user_id", msg);
}

/* Does the user exist (not erased)?  1 yes, 0 not (yet) known; an erased
 * user is a problem of the row. */
static as_status user_known(as__import *im, const fuel_row *r, int *known)
{
    static const char sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    as_db *db = as__import_db(im);
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, r->user, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *known = rc == SQLITE_ROW && !sqlite3_column_int(s, 0);
    int erased = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a user");
    if (erased)
        erased_user(im, r);
    return AS_OK;
}

/* The plate: find or register the vehicle, record the reading.  For a
 * user not known yet (known 0) a plate of another user is still refused,
 * but nothing is registered. */
static as_status vehicle_part(as__import *im, const fuel_row *r, int known)
{
    as_db *db = as__import_db(im);
    sqlite3_int64 vid = 0;
    char owner[80] = "";
    as_status st = as__vehicle_find(db, r->plate, &vid, owner, sizeof owner);
    if (st == AS_NOTFOUND && !known)
        return AS_OK;
    if (st == AS_NOTFOUND) {
        static const char sql[] =
            "INSERT INTO vehicles (user_id, plate, grade, created_at) VALUES (?1, ?2, ?3, ?4)";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s)
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, r->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, r->plate, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, r->grade, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, r->at);
        if ((st = as__step_done(db, s, "registering a vehicle")) != AS_OK)
            return st;
        vid = sqlite3_last_insert_rowid(db->sql);
        snprintf(owner, sizeof owner, "%s", r->user);
    } else if (st != AS_OK) {
        return st;
    }
    if (strcmp(owner, r->user) != 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s belongs to user '%.64s', not '%.64s'", r->plate, owner,
                 r->user);
        as__import_problem(im, "plate", msg);
        return AS_OK;
    }
    if (r->odo < 0)
        return AS_OK;
    st = as__odometer_record(db, vid, owner, r->plate, r->odo, r->at, AS__ODOMETER_SAME_OK, "fuel");
    if (st == AS_INVALID || st == AS_EXISTS) {
        as__import_problem(im, "odometer_km", as_errmsg(db));
        return AS_OK;
    }
    return st;
}

static void check_id(as__prep *p, const char *field, const char *v)
{
    char why[120];
    if (as__check_id(v, why, sizeof why) != AS_OK)
        as__prep_problem(p, field, why);
}

/* The pure stage: the cells checked and converted. */
static as_status fuel_prepare(as__prep *p, const char *const *cell, const char *extra,
                              void *state, const void *ctx)
{
    (void)extra;
    const fuel_ctx *fc = ctx;
    fuel_row *r = state;
    char msg[200];
    r->tx = cell[C_TX];
    r->user = cell[C_USER];
    r->station = cell[C_STATION];
    r->odo = -1;
    check_id(p, "tx_id", r->tx ? r->tx : "");
    check_id(p, "user_id", r->user ? r->user : "");
    check_id(p, "station_id", r->station ? r->station : "");
    const char *v = cell[C_AT];
    if (!v || as_time_parse(v, fc->utc_offset, &r->at) != AS_OK) {
        snprintf(msg, sizeof msg, "'%.40s' is not a time (2026-11-24T09:00:00+08:00)", v ? v : "");
        as__prep_problem(p, "filled_at", msg);
    }
    v = cell[C_GRADE];
    if (!v || as_grade_normalize(v, r->grade) != AS_OK) {
        snprintf(msg, sizeof msg, "'%.40s' is not a fuel grade (92, 95, 98, 0 for diesel, ...)",
                 v ? v : "");
        as__prep_problem(p, "grade", msg);
    }
    v = cell[C_LITRES];
    if (!v || as_litres_parse(v, &r->ml) != AS_OK) {
        snprintf(msg, sizeof msg, "'%.40s' is not a volume in litres (45.5, at most 3 decimals)",
                 v ? v : "");
        as__prep_problem(p, "litres", msg);
    }
    v = cell[C_AMOUNT];
    if (!v || as_amount_parse(v, &r->fen) != AS_OK) {
        snprintf(msg, sizeof msg,
                 "'%.40s' is not an amount in yuan (digits with at most 2 decimals: 300.50)",
                 v ? v : "");
        as__prep_problem(p, "amount_yuan", msg);
    }
    v = cell[C_ODO];
    if (v && v[0]) {
        int64_t km = decimal_units(v, 0, 9999999);
        if (km < 0) {
            snprintf(msg, sizeof msg, "'%.40s' is not a whole number of km (0 to 9999999)", v);
            as__prep_problem(p, "odometer_km", msg);
        }
        r->odo = km;
    }
    v = cell[C_SREGION];
    if (v && v[0]) {
        if (as_region_check(v) != AS_OK) {
            snprintf(msg, sizeof msg, "'%.40s' is not an administrative division code", v);
            as__prep_problem(p, "station_region", msg);
        }
        r->sregion = v;
    }
    v = cell[C_PLATE];
    if (v && v[0]) {
        as_status st = as_plate_normalize(v, &r->plate);
        if (st == AS_NOMEM)
            return AS_NOMEM;
        if (st != AS_OK) {
            snprintf(msg, sizeof msg, "'%.40s' is not a Chinese licence plate", v);
            as__prep_problem(p, "plate", msg);
        }
    }
    return AS_OK;
}

static void fuel_release(void *state)
{
    free(((fuel_row *)state)->plate);
}

static void bind_group_row(sqlite3_stmt *st, int base, const void *row, void *ctx)
{
    (void)ctx;
    bind_row_at(st, base, row);
    bind_points_id(st, base, row);
}

/* A record without a plate, of a user not erased, may go in a group. */
static as_status fuel_stage(as__import *im, void *state, void *ctx)
{
    fuel_ctx *fc = ctx;
    fuel_row *r = state;
    if (!fc->loaded) {
        as_status lst = load_erased(as__import_db(im), fc);
        if (lst != AS_OK)
            return lst;
    }
    if (id_set_has(&fc->erased, r->user))
        return AS_OK;
    /* Priced here, in input order, so that ledger ids follow the file. */
    as_status st = price(as__import_db(im), fc, r);
    if (st != AS_OK)
        return st;
    if (r->plate || !as__group_allow(&fc->group))
        return AS_OK;
    r->staged = 1;
    return as__group_add(as__import_db(im), &fc->group, r, &r->inserted, ctx);
}

/* The store stage: the erased-user check and the writes. */
static as_status fuel_store(as__import *im, void *state, as_upsert *result, void *ctx)
{
    fuel_ctx *fc = ctx;
    fuel_row *rp = state;
    as_db *db = as__import_db(im);
    if (!fc->loaded) {
        as_status lst = load_erased(db, fc);
        if (lst != AS_OK)
            return lst;
    }
    as_status st = AS_OK;
    int inserted = 0, known = 0, user_ok = 0;
    if (!as__import_row_problems(im) && id_set_has(&fc->erased, rp->user))
        erased_user(im, rp);
    if (as__import_row_problems(im))
        return AS_OK;
    if ((st = price(db, fc, rp)) != AS_OK)
        return st;
    const fuel_row r = *rp;
    *result = AS_UPSERT_INSERTED;
    if (r.inserted)
        return row_inserted(db, fc, &r);
    if (!r.plate) {
        /* The common case: one statement.  A user not (yet) in the users
         * table is fine: the record counts once the user is added. */
        if ((st = insert_row(im, &r, &inserted)) != AS_OK)
            return st;
        if (inserted)
            return row_inserted(db, fc, &r);
        return known_tx(im, &r, &known, result);
    }
    /* With a plate: a savepoint, so a rejected row leaves no vehicle.  The
     * plate is registered and the reading recorded for a known user; for
     * one not known yet, when the user is added (as__profile_user_added). */
    if ((st = known_tx(im, &r, &known, result)) != AS_OK || known)
        return st;
    if ((st = as_begin(db)) != AS_OK)
        return st;
    st = user_known(im, &r, &user_ok);
    if (st == AS_OK && !as__import_row_problems(im))
        st = insert_row(im, &r, &inserted);
    if (st == AS_OK && !as__import_row_problems(im))
        st = vehicle_part(im, &r, user_ok);
    if (st == AS_OK && !as__import_row_problems(im))
        st = as_commit(db);
    else
        as_rollback(db);
    if (st == AS_OK && !as__import_row_problems(im))
        st = row_inserted(db, fc, &r);
    return st;
}

as_status as_fuel_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                         as_import_stats *stats)
{
    /* A plain INSERT: a transaction id already there undoes the group. */
    static const int tmpl[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    fuel_ctx fc;
    memset(&fc, 0, sizeof fc);
    fc.group = (as__group){.head = "INSERT INTO fuelings (tx_id, user_id, station_id,"
                                   " station_region, filled_at, grade, litres_ml, amount_fen,"
                                   " odometer_km, plate, points_id) VALUES ",
                           .tmpl = tmpl, .nvals = 11, .nparams = 11, .bind = bind_group_row,
                           .what = "adding fueling records"};
    if (db) {
        fc.utc_offset = as_db_utc_offset(db);
        fc.earn = as__points_fuel_on(db);
        fc.offers = as__partners_any(db);
    }
    const as__import_spec spec = {
        .columns = columns,
        .nrequired = 7,
        .ctx = &fc,
        .state_size = sizeof(fuel_row),
        .prepare = fuel_prepare,
        .store = fuel_store,
        .release = fuel_release,
        .stage = fuel_stage,
        .group = &fc.group,
    };
    /* The records go into a table clustered by user: a large file touches
     * pages all over it, so give this import a larger page cache. */
    int64_t cache = 0;
    sqlite3_stmt *s = NULL;
    if (db && sqlite3_prepare_v2(db->sql, "PRAGMA cache_size", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        cache = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (db && cache)
        sqlite3_exec(db->sql, "PRAGMA cache_size = -524288", NULL, NULL, NULL);
    as_status st = as__import_run_ex(db, in, name, opts, &spec, write_marks, stats);
    if (db && cache) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)cache);
        sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    }
    as__group_free(&fc.group);
    id_set_free(&fc.erased);
    id_set_free(&fc.marked);
    if (fc.earning)
        as__points_fuel_free(&fc.earned);
    return st;
}
