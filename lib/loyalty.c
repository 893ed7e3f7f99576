/* loyalty.c - the loyalty report (issue 15, item 6): coupons by template,
 * station and source, the points ledger over a period and at its end,
 * plans (subscribers, realised savings), and the partner report.
 *
 * The period is [from, to); "the end" is as the world stood just before
 * `to` (every event before it).  Coupons and plans are counted set-based
 * in SQL.  Points that lapsed, and balances at the end, depend on which
 * lots each redemption used (oldest lapse first, at the redemption's
 * time): that is a sequential allocation, so they come from the points
 * module's own replay of each user's ledger (as__points_balance_at), at
 * from - 1 and at to - 1.  What had lapsed by T (written off or not) is
 * expired(T) + lapsed(T) of that replay; the difference between the two
 * times is what lapsed in the period. */
#include "points.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- coupons ---------------------------------------------------------- */

/* One row per coupon that may count: its group keys and what it did in
 * the period ?1 .. ?2; ?3 the station filter (NULL: none).  A partner
 * coupon's redeemed_station is its partner: it has no station here. */
#define COUPON_FLAGS                                                                        \
    "WITH c AS (SELECT template, source,"                                                    \
    "  CASE WHEN status = 'redeemed' AND changed_at < ?2 AND partner IS NULL"                \
    "   THEN redeemed_station END AS station,"                                               \
    "  issued_at >= ?1 AS issued,"                                                           \
    "  status = 'redeemed' AND changed_at >= ?1 AND changed_at < ?2 AS redeemed,"            \
    "  expires_at >= ?1 AND expires_at < ?2"                                                 \
    "   AND NOT (status IN ('redeemed', 'voided') AND changed_at < expires_at) AS expired,"  \
    "  status = 'voided' AND changed_at >= ?1 AND changed_at < ?2 AS voided,"                \
    "  CASE WHEN status = 'redeemed' AND changed_at >= ?1 AND changed_at < ?2"               \
    "   THEN coalesce(discount_fen, 0) ELSE 0 END AS disc"                                   \
    " FROM main.coupons WHERE issued_at < ?2"                                                \
    "  AND (issued_at >= ?1 OR changed_at >= ?1 OR expires_at >= ?1))"

static const char coupon_lines_sql[] =
    COUPON_FLAGS
    " SELECT template, station, sum(issued), sum(redeemed), sum(expired), sum(voided),"
    " sum(disc) FROM c WHERE ?3 IS NULL OR station = ?3 GROUP BY template, station"
    " HAVING sum(issued) + sum(redeemed) + sum(expired) + sum(voided) > 0"
    " ORDER BY template, station";

static const char coupon_sources_sql[] =
    COUPON_FLAGS
    " SELECT source, sum(issued), sum(redeemed), sum(expired), sum(voided), sum(disc)"
    " FROM c WHERE ?3 IS NULL OR station = ?3 GROUP BY source";

static const char *const sources[] = {"manual", "reminder", "benefit", "partner"};
enum { NSOURCES = sizeof sources / sizeof sources[0] };

static void bind_period(sqlite3_stmt *s, const as_loyalty_query *q)
{
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    as__bind_text_or_null(s, 3, q->station_id);
}

static void read_figures(sqlite3_stmt *s, int col, as_loyalty_coupon_figures *f)
{
    f->issued = sqlite3_column_int64(s, col);
    f->redeemed = sqlite3_column_int64(s, col + 1);
    f->expired = sqlite3_column_int64(s, col + 2);
    f->voided = sqlite3_column_int64(s, col + 3);
    f->discount_fen = sqlite3_column_int64(s, col + 4);
}

static void add_figures(as_loyalty_coupon_figures *sum, const as_loyalty_coupon_figures *f)
{
    sum->issued += f->issued;
    sum->redeemed += f->redeemed;
    sum->expired += f->expired;
    sum->voided += f->voided;
    sum->discount_fen += f->discount_fen;
}

/* Room for element n (n + 1 of them). */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    return as__grow(arr, cap, n + 1, sz);
}

static as_status coupons(as_db *db, const as_loyalty_query *q, as_loyalty_report *r)
{
    sqlite3_stmt *s = as__stmt(db, coupon_lines_sql);
    if (!s)
        return AS_INTERNAL;
    bind_period(s, q);
    size_t cap = 0;
    int rc;
    as_status st = AS_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (grow((void **)&r->coupons, &cap, r->ncoupons, sizeof *r->coupons) < 0) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        as_loyalty_coupon_line *l = &r->coupons[r->ncoupons];
        memset(l, 0, sizeof *l);
        r->ncoupons++;
        int failed = 0;
        l->template_id = as__strdup_opt(as__column_text(s, 0), &failed);
        l->station_id = as__strdup_opt(as__column_text(s, 1), &failed);
        read_figures(s, 2, &l->figures);
        if (failed) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
    }
    sqlite3_reset(s);
    if (st != AS_OK)
        return st;
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "the loyalty report's coupons");

    if (!(r->sources = calloc(NSOURCES, sizeof *r->sources)))
        return as__fail(db, AS_NOMEM, "out of memory");
    r->nsources = NSOURCES;
    for (size_t i = 0; i < NSOURCES; i++)
        r->sources[i].source = sources[i];
    if (!(s = as__stmt(db, coupon_sources_sql)))
        return AS_INTERNAL;
    bind_period(s, q);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *src = as__column_text(s, 0);
        for (size_t i = 0; src && i < NSOURCES; i++)
            if (strcmp(src, sources[i]) == 0)
                read_figures(s, 1, &r->sources[i].figures);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "the loyalty report's coupon sources");
    for (size_t i = 0; i < NSOURCES; i++)
        add_figures(&r->coupon_totals, &r->sources[i].figures);
    return AS_OK;
}

/* ---- points ----------------------------------------------------------- */

static as_status points(as_db *db, const as_loyalty_query *q, as_loyalty_points *p)
{
    static const char kinds_sql[] =
        "SELECT kind, sum(delta) FROM main.points_ledger WHERE at >= ?1 AND at < ?2"
        " GROUP BY kind";
    /* Everyone with a row before the end (the ledger's index: user, at). */
    static const char users_sql[] =
        "SELECT user_id FROM main.points_ledger GROUP BY user_id HAVING min(at) < ?1"
        " ORDER BY user_id";
    sqlite3_stmt *s = as__stmt(db, kinds_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *kind = as__column_text(s, 0);
        int64_t sum = sqlite3_column_int64(s, 1);
        if (!kind)
            continue;
        if (strcmp(kind, "earn_fuel") == 0)
            p->earned_fuel = sum;
        else if (strcmp(kind, "earn_survey") == 0)
            p->earned_survey = sum;
        else if (strcmp(kind, "earn_community") == 0)
            p->earned_community = sum;
        else if (strcmp(kind, "adjust") == 0)
            p->adjusted = sum;
        else if (strcmp(kind, "redeem") == 0)
            p->redeemed = -sum;
        else if (strcmp(kind, "expire") == 0)
            p->written_off = -sum;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "the loyalty report's points");
    p->earned = p->earned_fuel + p->earned_survey + p->earned_community;

    /* Its own statement: the replay below uses the cache while this one
     * steps. */
    if ((rc = sqlite3_prepare_v2(db->sql, users_sql, -1, &s, NULL)) != SQLITE_OK)
        return as__sqlfail(db, rc, "the loyalty report's points");
    sqlite3_bind_int64(s, 1, q->to);
    int64_t before_from = q->from > INT64_MIN ? q->from - 1 : INT64_MIN;
    as_status st = AS_OK;
    while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *user = as__column_text(s, 0);
        if (!user)
            continue;
        as_points_balance end, start;
        if ((st = as__points_balance_at(db, user, q->to - 1, &end)) != AS_OK)
            break;
        if ((st = as__points_balance_at(db, user, before_from, &start)) != AS_OK)
            break;
        /* lapsed by T, written off or not */
        p->expired += (end.expired + end.lapsed) - (start.expired + start.lapsed);
        p->ledger += end.ledger;
        p->lapsed_unwritten += end.lapsed;
        if (end.balance > 0) {
            p->users_with_balance++;
            p->outstanding += end.balance;
        }
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "the loyalty report's points");
    sqlite3_finalize(s);
    return st;
}

/* ---- plans ------------------------------------------------------------ */

static as_status plans(as_db *db, const as_loyalty_query *q, as_loyalty_report *r)
{
    static const char sql[] =
        "SELECT plan_id, sum(a), sum(n), sum(c), sum(dn), sum(df) FROM ("
        " SELECT plan_id,"
        "  CASE WHEN started_at < ?2 AND (ended_at IS NULL OR ended_at >= ?2) THEN 1 ELSE 0"
        "   END AS a,"
        "  CASE WHEN started_at >= ?1 AND started_at < ?2 THEN 1 ELSE 0 END AS n,"
        "  CASE WHEN ended_at >= ?1 AND ended_at < ?2 THEN 1 ELSE 0 END AS c,"
        "  0 AS dn, 0 AS df FROM main.package_subscriptions"
        " UNION ALL"
        " SELECT s.plan_id, 0, 0, 0, 1, d.discount_fen FROM main.package_discounts d"
        "  JOIN main.package_subscriptions s ON s.id = d.subscription_id"
        "  WHERE d.at >= ?1 AND d.at < ?2)"
        " GROUP BY plan_id ORDER BY plan_id";
    const as_package_plan *cfg = NULL;
    size_t ncfg = 0;
    as_status st = as_package_plans(db, &cfg, &ncfg);
    if (st != AS_OK)
        return st;
    /* The configured plans first, at zero; the database's figures onto them. */
    size_t cap = ncfg;
    if (ncfg && !(r->plans = calloc(ncfg, sizeof *r->plans)))
        return as__fail(db, AS_NOMEM, "out of memory");
    for (size_t i = 0; i < ncfg; i++) {
        as_loyalty_plan_line *l = &r->plans[r->nplans++];
        l->plan_id = as__strdup(cfg[i].id);
        l->name = as__strdup(cfg[i].name);
        l->monthly_fee_fen = cfg[i].monthly_fee_fen;
        if (!l->plan_id || !l->name)
            return as__fail(db, AS_NOMEM, "out of memory");
    }
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, q->from);
    sqlite3_bind_int64(s, 2, q->to);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = as__column_text(s, 0);
        if (!id)
            continue;
        as_loyalty_plan_line *l = NULL;
        for (size_t i = 0; i < ncfg && !l; i++)
            if (strcmp(r->plans[i].plan_id, id) == 0)
                l = &r->plans[i];
        if (!l) {
            int64_t any = 0;
            for (int c = 1; c <= 5; c++)
                any |= sqlite3_column_int64(s, c);
            if (!any)
                continue;   /* an old plan with nothing in or at the end of the period */
            if (grow((void **)&r->plans, &cap, r->nplans, sizeof *r->plans) < 0) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            l = &r->plans[r->nplans++];
            memset(l, 0, sizeof *l);
            l->monthly_fee_fen = -1;
            if (!(l->plan_id = as__strdup(id))) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
        }
        l->active = sqlite3_column_int64(s, 1);
        l->subscribed = sqlite3_column_int64(s, 2);
        l->cancelled = sqlite3_column_int64(s, 3);
        l->discounts = sqlite3_column_int64(s, 4);
        l->discount_fen = sqlite3_column_int64(s, 5);
    }
    sqlite3_reset(s);
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "the loyalty report's plans");
    return st;
}

/* ---- partners --------------------------------------------------------- */

static as_status partners(as_db *db, const as_loyalty_query *q, as_loyalty_report *r)
{
    as_partner_report_iter *it = NULL;
    as_status st = as_partner_report_iter_new(&it, db, q->from, q->to);
    if (st != AS_OK)
        return st;
    size_t cap = 0;
    const as_partner_report_row *row;
    while ((st = as_partner_report_next(it, &row)) == AS_OK) {
        if (q->station_id && (!row->station_id || strcmp(row->station_id, q->station_id) != 0))
            continue;
        if (grow((void **)&r->partners, &cap, r->npartners, sizeof *r->partners) < 0) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        as_partner_report_row *p = &r->partners[r->npartners++];
        *p = *row;
        int failed = 0;
        p->partner = as__strdup_opt(row->partner, &failed);
        p->station_id = as__strdup_opt(row->station_id, &failed);
        if (failed) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
    }
    as_partner_report_iter_free(it);
    return st == AS_DONE ? AS_OK : st;
}

/* ---- the report ------------------------------------------------------- */

void as_loyalty_report_free(as_loyalty_report *r)
{
    if (!r)
        return;
    free((char *)r->station_id);
    for (size_t i = 0; i < r->ncoupons; i++) {
        free((char *)r->coupons[i].template_id);
        free((char *)r->coupons[i].station_id);
    }
    free(r->coupons);
    free(r->sources);   /* static names */
    for (size_t i = 0; i < r->nplans; i++) {
        free((char *)r->plans[i].plan_id);
        free((char *)r->plans[i].name);
    }
    free(r->plans);
    for (size_t i = 0; i < r->npartners; i++) {
        free((char *)r->partners[i].partner);
        free((char *)r->partners[i].station_id);
    }
    free(r->partners);
    free(r);
}

as_status as_loyalty_report_get(as_loyalty_report **out, as_db *db, const as_loyalty_query *q)
{
    if (out)
        *out = NULL;
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_loyalty_report_get: NULL argument") : AS_MISUSE;
    if (q->version != AS_LOYALTY_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_loyalty_report_get: unknown query version %u",
                        q->version);
    if (q->from >= q->to)
        return as__fail(db, AS_INVALID, "the period's start is not before its end");
    char why[120];
    if (q->station_id && as__check_id(q->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station: %s", why);
    as_loyalty_report *r = calloc(1, sizeof *r);
    if (!r)
        return as__fail(db, AS_NOMEM, "out of memory");
    r->from = q->from;
    r->to = q->to;
    if (q->station_id && !(r->station_id = as__strdup(q->station_id))) {
        free(r);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    /* One snapshot for every part, unless the caller has a transaction. */
    int own;
    as_status st = as__read_begin(db, &own, "the loyalty report");
    if (st == AS_OK)
        st = coupons(db, q, r);
    if (st == AS_OK)
        st = points(db, q, &r->points);
    if (st == AS_OK)
        st = plans(db, q, r);
    if (st == AS_OK)
        st = partners(db, q, r);
    as__read_end(db, own);
    if (st != AS_OK) {
        as_loyalty_report_free(r);
        return st;
    }
    *out = r;
    as__ok(db);
    return AS_OK;
}
