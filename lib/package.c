/* package.c - packages (月省计划): the discount rule, quotes replayed from a
 * user's own fill-ups, subscriptions, and the discounts the payment path
 * applies.  The configuration section is in package_config.c. */
#include "package.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- plans ----------------------------------------------------------- */

static const as__packages_cfg *packages(as_db *db)
{
    const as_config *cfg = as__db_config(db);
    return cfg ? cfg->packages : NULL;
}

const as_package_plan *as__package_plan_find(as_db *db, const char *plan_id)
{
    const as__packages_cfg *pk = packages(db);
    for (size_t i = 0; pk && i < pk->n; i++)
        if (strcmp(pk->items[i].id, plan_id) == 0)
            return &pk->items[i];
    return NULL;
}

as_status as_package_plans(as_db *db, const as_package_plan **plans, size_t *n)
{
    if (!db || !plans || !n)
        return db ? as__fail(db, AS_MISUSE, "as_package_plans: NULL argument") : AS_MISUSE;
    const as__packages_cfg *pk = packages(db);
    *plans = pk ? pk->items : NULL;
    *n = pk ? pk->n : 0;
    as__ok(db);
    return AS_OK;
}

/* "no plan 'x' (plans: a, b)" */
static as_status no_plan(as_db *db, const char *plan_id)
{
    const as__packages_cfg *pk = packages(db);
    as_buf list = {0};
    for (size_t i = 0; pk && i < pk->n; i++) {
        as__buf_adds(&list, i ? ", " : "");
        as__buf_adds(&list, pk->items[i].id);
    }
    as_status st = as__fail(db, AS_NOTFOUND, "no plan '%s' in the configuration (plans: %s)",
                            plan_id, list.data ? list.data : "none");
    as__buf_free(&list);
    return st;
}

/* ---- the rule -------------------------------------------------------- */

static int plan_takes_grade(const as_package_plan *plan, const char *grade)
{
    if (plan->ngrades == 0)
        return 1;
    for (size_t i = 0; i < plan->ngrades; i++)
        if (strcmp(plan->grades[i], grade) == 0)
            return 1;
    return 0;
}

int64_t as__package_plan_discount(const as_package_plan *plan, const char *grade,
                                  int64_t litres_ml, int64_t amount_fen, int64_t used_fen)
{
    if (!plan || !grade || litres_ml <= 0 || amount_fen <= 0)
        return 0;
    if (!plan_takes_grade(plan, grade) || litres_ml < plan->min_litres_ml)
        return 0;
    /* Whole fen, rounded down: the station never owes a fraction.  A
     * product past int64 is more than any amount anyway. */
    int64_t per = plan->discount_per_litre_fen, d = amount_fen;
    if (per == 0 || litres_ml <= INT64_MAX / per)
        d = per * litres_ml / 1000 + plan->discount_per_fill_fen;
    if (d > amount_fen)
        d = amount_fen;
    if (plan->max_discount_per_month_fen > 0) {
        int64_t room = plan->max_discount_per_month_fen - used_fen;
        if (d > room)
            d = room;
    }
    return d > 0 ? d : 0;
}

/* ---- lookups --------------------------------------------------------- */

/* Does the user exist?  *erased (may be NULL) tells whether it was erased. */
static as_status user_check(as_db *db, const char *user_id, int *erased)
{
    static const char sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        if (erased)
            *erased = sqlite3_column_int(s, 0);
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
    } else {
        st = as__sqlfail(db, rc, "reading a user");
    }
    sqlite3_reset(s);
    return st;
}

/* A subscription row. */
typedef struct sub_row {
    int64_t id, started_at, ended_at;   /* ended_at 0: active */
    char plan_id[64];
} sub_row;

static void read_sub(sqlite3_stmt *s, sub_row *r)
{
    r->id = sqlite3_column_int64(s, 0);
    as__column_copy(s, 1, r->plan_id, sizeof r->plan_id);
    r->started_at = sqlite3_column_int64(s, 2);
    r->ended_at = as__column_int64_or(s, 3, 0);
}

/* The subscription active at `at` (started at or before it, not ended by
 * then): *found 1 and *r, else *found 0. */
static as_status sub_at(as_db *db, const char *user_id, int64_t at, sub_row *r, int *found)
{
    static const char sql[] =
        "SELECT id, plan_id, started_at, ended_at FROM package_subscriptions"
        " WHERE user_id = ?1 AND started_at <= ?2 AND (ended_at IS NULL OR ended_at > ?2)"
        " ORDER BY started_at DESC, id DESC LIMIT 1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, at);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found)
        read_sub(s, r);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a subscription");
    return AS_OK;
}

/* The user's open subscription (ended_at NULL), whenever it starts. */
static as_status sub_open(as_db *db, const char *user_id, sub_row *r, int *found)
{
    static const char sql[] =
        "SELECT id, plan_id, started_at, ended_at FROM package_subscriptions"
        " WHERE user_id = ?1 AND ended_at IS NULL";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found)
        read_sub(s, r);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a subscription");
    return AS_OK;
}

/* The subscription month holding at: [*from, *from + one month). */
static int64_t month_start(int64_t started_at, int64_t at)
{
    return started_at + (at - started_at) / AS__PACKAGE_MONTH_S * AS__PACKAGE_MONTH_S;
}

/* Every discount recorded for subscription sub in [from, to). */
static as_status month_used(as_db *db, int64_t sub, int64_t from, int64_t to, int64_t *used)
{
    static const char sql[] =
        "SELECT coalesce(sum(discount_fen), 0) FROM package_discounts"
        " WHERE subscription_id = ?1 AND at >= ?2 AND at < ?3";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    int rc = sqlite3_step(s);
    *used = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading a plan's discounts");
    return AS_OK;
}

/* ---- the payment path ------------------------------------------------ */

/* as__package_discount's work, also telling the subscription (0: none). */
static as_status discount_for(as_db *db, const char *user_id, const char *grade,
                              int64_t litres_ml, int64_t amount_fen, int64_t at,
                              int64_t *discount_fen, char plan_id[static 64], int64_t *sub_id)
{
    *discount_fen = 0;
    plan_id[0] = '\0';
    *sub_id = 0;
    char canon[8];
    if (as_grade_normalize(grade, canon) != AS_OK)
        return as__fail(db, AS_INVALID,
                        "grade: '%s' is not a fuel grade (92, 95, 98, E92, 0 for diesel, ...)",
                        grade);
    if (litres_ml <= 0 || litres_ml > AS__PACKAGE_MAX_ML)
        return as__fail(db, AS_INVALID,
                        "litres: %" PRId64 " ml is not a volume (1 ml to 10000 L)", litres_ml);
    if (amount_fen < 0)
        return as__fail(db, AS_INVALID, "amount: %" PRId64 " fen is negative", amount_fen);
    sub_row r;
    int found = 0;
    as_status st = sub_at(db, user_id, at, &r, &found);
    if (st != AS_OK || !found)
        return st;
    snprintf(plan_id, 64, "%s", r.plan_id);
    *sub_id = r.id;
    /* A plan taken out of the configuration gives nothing more; the
     * payment itself goes on. */
    const as_package_plan *plan = as__package_plan_find(db, r.plan_id);
    if (!plan)
        return AS_OK;
    int64_t from = month_start(r.started_at, at), used = 0;
    if ((st = month_used(db, r.id, from, from + AS__PACKAGE_MONTH_S, &used)) != AS_OK)
        return st;
    *discount_fen = as__package_plan_discount(plan, canon, litres_ml, amount_fen, used);
    return AS_OK;
}

as_status as__package_discount(as_db *db, const char *user_id, const char *grade,
                               int64_t litres_ml, int64_t amount_fen, int64_t at,
                               int64_t *discount_fen, char plan_id[static 64])
{
    if (!db || !user_id || !grade || !discount_fen || !plan_id)
        return db ? as__fail(db, AS_MISUSE, "as__package_discount: NULL argument") : AS_MISUSE;
    int64_t sub = 0;
    as_status st = discount_for(db, user_id, grade, litres_ml, amount_fen, at, discount_fen,
                                plan_id, &sub);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

/* A tx_id already recorded: *found, with its discount and plan. */
static as_status recorded_tx(as_db *db, const char *tx_id, int *found, int64_t *discount_fen,
                             char plan_id[static 64], char user[static 72], int64_t *amount_fen)
{
    static const char sql[] =
        "SELECT d.discount_fen, s.plan_id, d.user_id, d.amount_fen FROM package_discounts d"
        " JOIN package_subscriptions s ON s.id = d.subscription_id WHERE d.tx_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, tx_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) {
        *discount_fen = sqlite3_column_int64(s, 0);
        as__column_copy(s, 1, plan_id, 64);
        as__column_copy(s, 2, user, 72);
        *amount_fen = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a plan's discount");
    return AS_OK;
}

static as_status apply_in_txn(as_db *db, const char *user_id, const char *tx_id,
                              const char *grade, int64_t litres_ml, int64_t amount_fen,
                              int64_t at, int64_t *discount_fen, char plan_id[static 64])
{
    static const char ins_sql[] =
        "INSERT INTO package_discounts (subscription_id, user_id, tx_id, at, amount_fen,"
        " discount_fen, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    int found = 0;
    char user[72] = "";
    int64_t recorded_amount = 0;
    as_status st = recorded_tx(db, tx_id, &found, discount_fen, plan_id, user, &recorded_amount);
    if (st != AS_OK)
        return st;
    if (found && (strcmp(user, user_id) != 0 || recorded_amount != amount_fen)) {
        /* not a replay: another payment reusing the id */
        *discount_fen = 0;
        plan_id[0] = '\0';
        return as__fail(db, AS_INVALID, "payment '%s' already has a plan discount for another"
                        " user or amount", tx_id);
    }
    if (found)
        return as__fail(db, AS_EXISTS,
                        "payment '%s' already has its plan discount (%" PRId64 " fen from plan '%s')",
                        tx_id, *discount_fen, plan_id);
    int64_t sub = 0;
    st = discount_for(db, user_id, grade, litres_ml, amount_fen, at, discount_fen, plan_id, &sub);
    if (st != AS_OK || *discount_fen == 0)
        return st;
    sqlite3_stmt *s = as__stmt(db, ins_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, tx_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, at);
    sqlite3_bind_int64(s, 5, amount_fen);
    sqlite3_bind_int64(s, 6, *discount_fen);
    sqlite3_bind_int64(s, 7, as__now());
    return as__step_done(db, s, "recording a plan's discount");
}

as_status as__package_apply(as_db *db, const char *user_id, const char *tx_id,
                            const char *grade, int64_t litres_ml, int64_t amount_fen,
                            int64_t at, int64_t *discount_fen, char plan_id[static 64])
{
    if (!db || !user_id || !tx_id || !grade || !discount_fen || !plan_id)
        return db ? as__fail(db, AS_MISUSE, "as__package_apply: NULL argument") : AS_MISUSE;
    *discount_fen = 0;
    plan_id[0] = '\0';
    char why[120];
    if (as__check_id(tx_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "tx_id: %s", why);
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = apply_in_txn(db, user_id, tx_id, grade, litres_ml, amount_fen, at, discount_fen, plan_id);
    if (st == AS_EXISTS) {
        /* Refused, but the caller learns what was given then. */
        int64_t d = *discount_fen;
        char p[64];
        memcpy(p, plan_id, sizeof p);
        st = as__write_end(db, st);
        *discount_fen = d;
        memcpy(plan_id, p, sizeof p);
        return st;
    }
    st = as__write_end(db, st);
    if (st != AS_OK) {
        *discount_fen = 0;
        plan_id[0] = '\0';
    }
    return st;
}

/* ---- quotes ---------------------------------------------------------- */

typedef struct fill {
    int64_t at, ml, fen;
    char grade[8];
} fill;

/* The user's fill-ups in (from, at], oldest first (malloc'd array). */
static as_status load_fills(as_db *db, const char *user_id, int64_t from, int64_t at,
                            fill **out, size_t *n)
{
    static const char sql[] =
        "SELECT filled_at, grade, litres_ml, amount_fen FROM fuelings"
        " WHERE user_id = ?1 AND filled_at > ?2 AND filled_at <= ?3 ORDER BY filled_at, tx_id";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, at);
    size_t cap = 0;
    as_status st = AS_OK;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            fill *f = realloc(*out, ncap * sizeof *f);
            if (!f) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            *out = f;
            cap = ncap;
        }
        fill *f = &(*out)[(*n)++];
        f->at = sqlite3_column_int64(s, 0);
        as__column_copy(s, 1, f->grade, sizeof f->grade);
        f->ml = sqlite3_column_int64(s, 2);
        f->fen = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading fueling records");
    if (st != AS_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

/* Replay the fill-ups under one plan.  The window's months are 30-day
 * periods counted back from at; each has its own cap. */
static void replay(const as_package_quote_set *q, const fill *f, size_t nf,
                   as_package_quote_line *l)
{
    const as_package_plan *plan = l->plan;
    int64_t period = -1, used = 0;
    for (size_t i = 0; i < nf; i++) {
        int64_t k = (q->at - f[i].at) / AS__PACKAGE_MONTH_S;
        if (k != period) {
            period = k;
            used = 0;
        }
        l->fills++;
        l->litres_ml += f[i].ml;
        l->paid_fen += f[i].fen;
        if (plan_takes_grade(plan, f[i].grade) && f[i].ml >= plan->min_litres_ml)
            l->eligible_fills++;
        int64_t d = as__package_plan_discount(plan, f[i].grade, f[i].ml, f[i].fen, used);
        used += d;
        l->discount_fen += d;
    }
    l->fee_fen = q->months * plan->monthly_fee_fen;
    l->would_pay_fen = l->paid_fen - l->discount_fen + l->fee_fen;
    l->saving_fen = l->paid_fen - l->would_pay_fen;
    l->car_washes = q->months * plan->car_washes;
    l->car_washes_value_fen = l->car_washes * plan->car_wash_value_fen;
    l->recommended = l->saving_fen > 0;
}

/* Best first: saving, then the washes' worth, then the order of the file
 * (the plans are one array, so their addresses keep it). */
static int line_cmp(const void *a, const void *b)
{
    const as_package_quote_line *x = a, *y = b;
    if (x->saving_fen != y->saving_fen)
        return x->saving_fen > y->saving_fen ? -1 : 1;
    if (x->car_washes_value_fen != y->car_washes_value_fen)
        return x->car_washes_value_fen > y->car_washes_value_fen ? -1 : 1;
    return x->plan < y->plan ? -1 : x->plan > y->plan;
}

void as_package_quote_free(as_package_quote_set *quote)
{
    if (!quote)
        return;
    free(quote->lines);
    free(quote->user_id);
    free(quote);
}

as_status as_package_quote(as_package_quote_set **out, as_db *db, const char *user_id,
                           int64_t at, int64_t days)
{
    if (!out || !db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_package_quote: NULL argument") : AS_MISUSE;
    *out = NULL;
    if (days < 1 || days > 3660)
        return as__fail(db, AS_INVALID, "days: %" PRId64 " is out of range (1 to 3660)", days);
    if (at < INT64_MIN + days * 86400)
        return as__fail(db, AS_INVALID, "at: %" PRId64 " is out of range", at);
    as_status st = user_check(db, user_id, NULL);
    if (st != AS_OK)
        return st;
    as_package_quote_set *q = calloc(1, sizeof *q);
    if (!q || !(q->user_id = as__strdup(user_id))) {
        free(q);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    q->at = at;
    q->days = days;
    q->from = at - days * 86400;
    q->months = (days + 29) / 30;
    const as__packages_cfg *pk = packages(db);
    q->n = pk ? pk->n : 0;
    if (q->n && !(q->lines = calloc(q->n, sizeof *q->lines))) {
        as_package_quote_free(q);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    fill *f = NULL;
    size_t nf = 0;
    if ((st = load_fills(db, user_id, q->from, at, &f, &nf)) != AS_OK) {
        as_package_quote_free(q);
        return st;
    }
    for (size_t i = 0; i < q->n; i++) {
        q->lines[i].plan = &pk->items[i];
        replay(q, f, nf, &q->lines[i]);
    }
    free(f);
    if (q->n > 1)
        qsort(q->lines, q->n, sizeof *q->lines, line_cmp);
    *out = q;
    as__ok(db);
    return AS_OK;
}

/* ---- subscriptions --------------------------------------------------- */

static void fill_sub(as_db *db, const sub_row *r, as_package_subscription *sub)
{
    if (!sub)
        return;
    memset(sub, 0, sizeof *sub);
    sub->id = r->id;
    snprintf(sub->plan_id, sizeof sub->plan_id, "%s", r->plan_id);
    const as_package_plan *plan = as__package_plan_find(db, r->plan_id);
    sub->name = plan ? plan->name : NULL;
    sub->started_at = r->started_at;
    sub->ended_at = r->ended_at;
}

static as_status add_event(as_db *db, int64_t sub, const char *user_id, const char *kind,
                           int64_t at)
{
    static const char sql[] =
        "INSERT INTO package_events (subscription_id, user_id, kind, at, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, at);
    sqlite3_bind_int64(s, 5, as__now());
    return as__step_done(db, s, "recording a plan's event");
}

static as_status subscribe_in_txn(as_db *db, const char *user_id, const as_package_plan *plan,
                                  int64_t at, sub_row *r)
{
    static const char last_sql[] =
        "SELECT max(ended_at) FROM package_subscriptions WHERE user_id = ?1";
    static const char ins_sql[] =
        "INSERT INTO package_subscriptions (user_id, plan_id, started_at, created_at)"
        " VALUES (?1, ?2, ?3, ?4)";
    char when[AS_TIME_BUFSIZE];
    int erased = 0, found = 0;
    as_status st = user_check(db, user_id, &erased);
    if (st != AS_OK)
        return st;
    if (erased)
        return as__fail(db, AS_INVALID, "user '%s' was erased; no plan can be subscribed",
                        user_id);
    if ((st = sub_open(db, user_id, r, &found)) != AS_OK)
        return st;
    if (found)
        return as__fail(db, AS_EXISTS,
                        "user '%s' already has plan '%s' (since %s); cancel it first", user_id,
                        r->plan_id, as_time_format(r->started_at, db->utc_offset, when));
    sqlite3_stmt *s = as__stmt(db, last_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int64_t last = rc == SQLITE_ROW ? as__column_int64_or(s, 0, INT64_MIN) : INT64_MIN;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading subscriptions");
    if (last > at)
        return as__fail(db, AS_INVALID,
                        "user '%s' had a plan until %s; a new one cannot start before that",
                        user_id, as_time_format(last, db->utc_offset, when));
    if (!(s = as__stmt(db, ins_sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, plan->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, at);
    sqlite3_bind_int64(s, 4, as__now());
    if ((st = as__step_done(db, s, "subscribing to a plan")) != AS_OK)
        return st;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_last_insert_rowid(db->sql);
    snprintf(r->plan_id, sizeof r->plan_id, "%s", plan->id);
    r->started_at = at;
    return add_event(db, r->id, user_id, "subscribe", at);
}

as_status as_package_subscribe(as_db *db, const char *user_id, const char *plan_id, int64_t at,
                               as_package_subscription *sub)
{
    if (!db || !user_id || !plan_id)
        return db ? as__fail(db, AS_MISUSE, "as_package_subscribe: NULL argument") : AS_MISUSE;
    if (sub)
        memset(sub, 0, sizeof *sub);
    const as_package_plan *plan = as__package_plan_find(db, plan_id);
    as_status st = user_check(db, user_id, NULL);
    if (st != AS_OK)
        return st;
    if (!plan)
        return no_plan(db, plan_id);
    if ((st = as__write_begin(db)) != AS_OK)
        return st;
    sub_row r;
    st = as__write_end(db, subscribe_in_txn(db, user_id, plan, at, &r));
    if (st == AS_OK)
        fill_sub(db, &r, sub);
    return st;
}

static as_status cancel_in_txn(as_db *db, const char *user_id, int64_t at, sub_row *r)
{
    static const char late_sql[] =
        "SELECT max(at) FROM package_discounts WHERE subscription_id = ?1";
    static const char end_sql[] = "UPDATE package_subscriptions SET ended_at = ?2 WHERE id = ?1";
    char when[AS_TIME_BUFSIZE];
    int found = 0;
    as_status st = user_check(db, user_id, NULL);
    if (st == AS_OK)
        st = sub_open(db, user_id, r, &found);
    if (st != AS_OK)
        return st;
    if (!found)
        return as__fail(db, AS_NOTFOUND, "user '%s' has no active plan", user_id);
    if (at < r->started_at)
        return as__fail(db, AS_INVALID, "plan '%s' of user '%s' starts at %s, after the cancel",
                        r->plan_id, user_id, as_time_format(r->started_at, db->utc_offset, when));
    sqlite3_stmt *s = as__stmt(db, late_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, r->id);
    int rc = sqlite3_step(s);
    int64_t last = rc == SQLITE_ROW ? as__column_int64_or(s, 0, INT64_MIN) : INT64_MIN;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading a plan's discounts");
    /* A discount given at or after the end would lie outside the plan. */
    if (last >= at)
        return as__fail(db, AS_INVALID,
                        "plan '%s' of user '%s' gave a discount at %s; cancel after that",
                        r->plan_id, user_id, as_time_format(last, db->utc_offset, when));
    if (!(s = as__stmt(db, end_sql)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_int64(s, 2, at);
    if ((st = as__step_done(db, s, "cancelling a plan")) != AS_OK)
        return st;
    r->ended_at = at;
    return add_event(db, r->id, user_id, "cancel", at);
}

as_status as_package_cancel(as_db *db, const char *user_id, int64_t at,
                            as_package_subscription *sub)
{
    if (!db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_package_cancel: NULL argument") : AS_MISUSE;
    if (sub)
        memset(sub, 0, sizeof *sub);
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    sub_row r;
    st = as__write_end(db, cancel_in_txn(db, user_id, at, &r));
    if (st == AS_OK)
        fill_sub(db, &r, sub);
    return st;
}

as_status as__package_forget(as_db *db, const char *user_id, int64_t now, uint64_t *rows)
{
    static const char end_sql[] =
        "UPDATE package_subscriptions SET ended_at = max(started_at, ?2) WHERE id = ?1";
    sub_row r;
    int found = 0;
    as_status st = sub_open(db, user_id, &r, &found);
    if (st != AS_OK || !found)
        return st;
    sqlite3_stmt *s = as__stmt(db, end_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, r.id);
    sqlite3_bind_int64(s, 2, now);
    if ((st = as__step_done(db, s, "ending an erased user's plan")) != AS_OK)
        return st;
    *rows += 1;
    st = add_event(db, r.id, user_id, "erased", now > r.started_at ? now : r.started_at);
    if (st == AS_OK)
        *rows += 1;
    return st;
}

/* ---- the plan at a time ---------------------------------------------- */

void as_package_view_free(as_package_view *view)
{
    if (!view)
        return;
    for (size_t i = 0; i < view->ndiscounts; i++)
        free((char *)view->discounts[i].tx_id);
    free(view->discounts);
    free((char *)view->user_id);
    free(view);
}

/* The discounts of subscription sub in [from, at], oldest first. */
static as_status load_discounts(as_db *db, as_package_view *v, int64_t sub, int64_t from)
{
    static const char sql[] =
        "SELECT tx_id, at, amount_fen, discount_fen FROM package_discounts"
        " WHERE subscription_id = ?1 AND at >= ?2 AND at <= ?3 ORDER BY at, id";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, v->at);
    size_t cap = 0;
    as_status st = AS_OK;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (v->ndiscounts == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            as_package_discount *d = realloc(v->discounts, ncap * sizeof *d);
            if (!d) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            v->discounts = d;
            cap = ncap;
        }
        as_package_discount *d = &v->discounts[v->ndiscounts];
        if (!(d->tx_id = as__column_dup(s, 0))) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        d->at = sqlite3_column_int64(s, 1);
        d->amount_fen = sqlite3_column_int64(s, 2);
        d->discount_fen = sqlite3_column_int64(s, 3);
        v->month_discount_fen += d->discount_fen;
        v->ndiscounts++;
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading a plan's discounts");
    return st;
}

as_status as_package_active(as_package_view **out, as_db *db, const char *user_id, int64_t at)
{
    if (!out || !db || !user_id)
        return db ? as__fail(db, AS_MISUSE, "as_package_active: NULL argument") : AS_MISUSE;
    *out = NULL;
    as_status st = user_check(db, user_id, NULL);
    if (st != AS_OK)
        return st;
    as_package_view *v = calloc(1, sizeof *v);
    if (!v || !(v->user_id = as__strdup(user_id))) {
        free(v);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    v->at = at;
    sub_row r;
    int found = 0;
    st = sub_at(db, user_id, at, &r, &found);
    if (st == AS_OK && found) {
        /* Ended later than at: as the world stood at `at` it was open. */
        r.ended_at = 0;
        fill_sub(db, &r, &v->sub);
        v->month_from = month_start(r.started_at, at);
        v->month_to = v->month_from + AS__PACKAGE_MONTH_S;
        const as_package_plan *plan = as__package_plan_find(db, r.plan_id);
        v->max_discount_per_month_fen = plan ? plan->max_discount_per_month_fen : 0;
        st = load_discounts(db, v, r.id, v->month_from);
    }
    if (st != AS_OK) {
        as_package_view_free(v);
        return st;
    }
    *out = v;
    as__ok(db);
    return AS_OK;
}
