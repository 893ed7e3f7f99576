/* test_loyalty.c - the loyalty report: a small database built through the
 * API (coupons issued, redeemed, voided and expired at known times, partner
 * coupons from fill-ups, points earned, adjusted, redeemed, lapsed and
 * written off, plans subscribed, cancelled and discounting), every figure
 * checked exactly; the period's boundaries, an empty period, the station
 * filter, additivity over adjacent periods, later records changing nothing,
 * and the failures. */
#include "helpers.h"
#include "package.h"

#include <criterion/criterion.h>
#include <string.h>

static as_config *cfg;

static void done(as_db *db)
{
    as_close(db);
    as_config_free(cfg);
    cfg = NULL;
    th_cleanup();
}

static const char yaml[] =
    "coupons:\n"
    "  templates:\n"
    "    - {id: a, name: 甲, value_fen: 500, valid: 10d}\n"
    "    - {id: b, name: 乙, value_fen: 300, valid: 5d}\n"
    "    - {id: c, name: 丙, value_fen: 500, valid: 60d}\n"
    "    - {id: p10, name: 超市10元, value_fen: 1000, valid: 30d}\n"
    "    - {id: refuel_cycle, name: 加油立减5元, value_fen: 500, valid: 3d}\n"
    "    - {id: monthly_5, name: 月度5元, value_fen: 500, valid: 30d}\n"
    "    - {id: monthly_10, name: 月度10元, value_fen: 1000, valid: 30d}\n"
    "partners:\n"
    "  - id: wm\n"
    "    name: 沃尔玛\n"
    "    kind: supermarket\n"
    "    offers:\n"
    "      - {id: wm-fuel, coupon: p10, min_spend_fen: 20000}\n"
    "points:\n"
    "  expire_after_months: 1\n"
    "packages:\n"
    "  plans:\n"
    "    - {id: litre, name: 每升立减, monthly_fee_yuan: 30, discount_per_litre_yuan: 0.50}\n"
    "    - {id: fill, name: 每次立减, monthly_fee_yuan: 100, discount_per_fill_yuan: 5}\n";

/* The period [F, T): October 2026 in UTC+8. */
#define F th_time("2026-10-01")
#define T th_time("2026-11-01")
#define DAY INT64_C(86400)

static char *issue(as_db *db, const char *user, const char *tpl, int64_t at)
{
    as_coupon_issue_options o = AS_COUPON_ISSUE_OPTIONS_INIT;
    o.at = at;
    char *code = NULL;
    cr_assert_eq(as_coupon_issue(db, user, tpl, &o, &code, NULL), AS_OK, "%s", as_errmsg(db));
    return code;
}

static void redeem(as_db *db, char *code, const char *user, const char *station,
                   const char *tx, int64_t amount_fen, int64_t at)
{
    as_coupon_tx t = AS_COUPON_TX_INIT;
    t.tx_id = tx;
    t.user_id = user;
    t.station_id = station;
    t.grade = "92";
    t.litres_ml = 30000;
    t.amount_fen = amount_fen;
    t.at = at;
    cr_assert_eq(as_coupon_redeem(db, code, &t, NULL), AS_OK, "%s", as_errmsg(db));
    as_free(code);
}

static void pkg_apply(as_db *db, const char *user, const char *tx, int64_t litres_ml,
                      int64_t at, int64_t want)
{
    int64_t d = -1;
    char plan[64];
    cr_assert_eq(as__package_apply(db, user, tx, "92", litres_ml, 100000, at, &d, plan), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(d, want, "%s: discount %lld", tx, (long long)d);
}

/*
 * The scenario (F = 2026-10-01, T = 2026-11-01, both 00:00 +08:00):
 *  coupons (manual)
 *   c1 a U1 issued F-1d, redeemed at F (exactly) at S1: 500 off
 *   c2 a U1 issued F+1d, redeemed F+2d at S2: 500 off
 *   c3 a U2 issued F-15d, lapsed F-5d: nothing in the period
 *   c4 b U2 issued F-2d, lapses F+3d: recorded by coupon expire at F+4d
 *   c5 b U2 issued at F (exactly), voided F+2d (its expiry then is not one)
 *   c6 b U1 issued T-5d: lapses exactly at T (not in the period)
 *   c7 b U1 issued T-5d-1s: lapses at T-1s, nobody records it
 *   c8 c U1 issued at T exactly: not in the period
 *   c9 c U1 issued F+10d, redeemed at T exactly at S1: issued only
 *  fill-ups (earn points at 1 a yuan; 200 yuan or more earns a wm coupon,
 *  issued by the import)
 *   TX0 U1 S1 2026-09-28 08:00 300 yuan: 300 points lapsing 10-28 08:00,
 *       a wm coupon issued before the period that lapses in it
 *   TX1 U1 S1 2026-10-04 08:00 300 yuan: 300 points, a wm coupon redeemed
 *       by wm at F+5d (1000 off)
 *   TX2 U2 S2 2026-10-05 08:00 150 yuan: 150 points, no coupon
 *  points
 *   U3 +10 at 2026-08-15 (lapses 09-15), +40 at 2026-09-30 12:00 (lapses
 *      10-30 12:00, never written off)
 *   U1 +50 at F (lapses at T exactly), redeems 100 at F+1d (from TX0's lot)
 *   U2 -20 at F+5d; +70 at T (not in the period)
 *   points expire at 2026-10-30 00:00: U1 200 (TX0's rest), U3 10
 *  plans
 *   U1 litre from F-10d: 1000 off at F-5d, 2000 off at F+1d, 1500 at T
 *   U2 fill from F: 500 off at F+2d, cancelled F+10d
 *   U3 fill from F+11d, cancelled at T exactly
 */
static as_db *scenario(void)
{
    cfg = th_config(yaml);
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    th_add_user(db, "U3", 1, NULL);

    cr_assert_eq(as_points_adjust(db, "U3", 10, "旧积分", th_time("2026-08-15"), NULL), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(as_points_adjust(db, "U3", 40, "补偿", th_time("2026-09-30T12:00:00+08:00"),
                                  NULL), AS_OK, "%s", as_errmsg(db));

    char *c1 = issue(db, "U1", "a", F - DAY);
    char *c3 = issue(db, "U2", "a", F - 15 * DAY);
    char *c4 = issue(db, "U2", "b", F - 2 * DAY);
    as_free(c3);
    as_free(c4);
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "TX0,U1,S1,2026-09-28T08:00:00+08:00,92,40,300\n"
                       "TX1,U1,S1,2026-10-04T08:00:00+08:00,92,40,300\n"
                       "TX2,U2,S2,2026-10-05T08:00:00+08:00,92,20,150\n");
    /* the import issued wm's coupons; a run over the window adds none */
    as_partner_run_options po = AS_PARTNER_RUN_OPTIONS_INIT;
    po.from = th_time("2026-09-01");
    po.to = th_time("2026-10-10");
    as_partner_run_stats ps;
    cr_assert_eq(as_partner_run(db, &po, &ps), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(ps.issued, 0);
    cr_assert_eq(ps.duplicates, 2, "TX0 and TX1 earned one each");

    cr_assert_eq(as_package_subscribe(db, "U1", "litre", F - 10 * DAY, NULL), AS_OK, "%s",
                 as_errmsg(db));
    pkg_apply(db, "U1", "D0", 20000, F - 5 * DAY, 1000);

    cr_assert_eq(as_points_adjust(db, "U1", 50, "活动", F, NULL), AS_OK, "%s", as_errmsg(db));
    redeem(db, c1, "U1", "S1", "P1", 20000, F);
    char *c5 = issue(db, "U2", "b", F);
    cr_assert_eq(as_package_subscribe(db, "U2", "fill", F, NULL), AS_OK, "%s", as_errmsg(db));
    char *c2 = issue(db, "U1", "a", F + DAY);
    cr_assert_eq(as_points_redeem(db, "U1", 100, "R1", F + DAY, NULL), AS_OK, "%s",
                 as_errmsg(db));
    pkg_apply(db, "U1", "D1", 40000, F + DAY, 2000);
    redeem(db, c2, "U1", "S2", "P2", 10000, F + 2 * DAY);
    cr_assert_eq(as_coupon_void(db, c5, "发错了", F + 2 * DAY), AS_OK, "%s", as_errmsg(db));
    as_free(c5);
    pkg_apply(db, "U2", "D2", 10000, F + 2 * DAY, 500);
    cr_assert_eq(as_coupon_expire(db, F + 4 * DAY, NULL), AS_OK, "%s", as_errmsg(db));

    /* wm's coupon of TX1 (the newest of U1's p10), redeemed by wm */
    as_coupon_query q = AS_COUPON_QUERY_INIT;
    q.user_id = "U1";
    q.template_id = "p10";
    as_coupon_iter *it = NULL;
    cr_assert_eq(as_coupon_iter_new(&it, db, &q), AS_OK, "%s", as_errmsg(db));
    const as_coupon *c = NULL;
    cr_assert_eq(as_coupon_next(it, &c), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(c->issued_at, th_time("2026-10-04T08:00:00+08:00"));
    char *wm = as__strdup(c->code);
    as_coupon_iter_free(it);
    cr_assert_eq(as_partner_redeem(db, "wm", wm, "RCPT1", 5000, F + 5 * DAY, NULL), AS_OK, "%s",
                 as_errmsg(db));
    free(wm);

    cr_assert_eq(as_points_adjust(db, "U2", -20, "扣回", F + 5 * DAY, NULL), AS_OK, "%s",
                 as_errmsg(db));
    char *c9 = issue(db, "U1", "c", F + 10 * DAY);
    cr_assert_eq(as_package_cancel(db, "U2", F + 10 * DAY, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_package_subscribe(db, "U3", "fill", F + 11 * DAY, NULL), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(as_points_expire(db, th_time("2026-10-30"), NULL), AS_OK, "%s", as_errmsg(db));
    as_free(issue(db, "U1", "b", T - 5 * DAY - 1));
    as_free(issue(db, "U1", "b", T - 5 * DAY));

    /* at T exactly: none of these is in the period */
    as_free(issue(db, "U1", "c", T));
    redeem(db, c9, "U1", "S1", "P9", 10000, T);
    cr_assert_eq(as_points_adjust(db, "U2", 70, "下月", T, NULL), AS_OK, "%s", as_errmsg(db));
    pkg_apply(db, "U1", "D3", 30000, T, 1500);
    cr_assert_eq(as_package_cancel(db, "U3", T, NULL), AS_OK, "%s", as_errmsg(db));
    return db;
}

static as_loyalty_report *report(as_db *db, int64_t from, int64_t to, const char *station)
{
    as_loyalty_query q = AS_LOYALTY_QUERY_INIT;
    q.from = from;
    q.to = to;
    q.station_id = station;
    as_loyalty_report *r = NULL;
    cr_assert_eq(as_loyalty_report_get(&r, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_not_null(r);
    return r;
}

static void figures_eq(const as_loyalty_coupon_figures *f, int64_t issued, int64_t redeemed,
                       int64_t expired, int64_t voided, int64_t disc, const char *what)
{
    cr_assert_eq(f->issued, issued, "%s: issued %lld", what, (long long)f->issued);
    cr_assert_eq(f->redeemed, redeemed, "%s: redeemed %lld", what, (long long)f->redeemed);
    cr_assert_eq(f->expired, expired, "%s: expired %lld", what, (long long)f->expired);
    cr_assert_eq(f->voided, voided, "%s: voided %lld", what, (long long)f->voided);
    cr_assert_eq(f->discount_fen, disc, "%s: discount %lld", what, (long long)f->discount_fen);
}

static void line_eq(const as_loyalty_coupon_line *l, const char *tpl, const char *station)
{
    cr_assert_str_eq(l->template_id, tpl);
    if (station)
        cr_assert(l->station_id && strcmp(l->station_id, station) == 0, "%s: station %s", tpl,
                  l->station_id ? l->station_id : "NULL");
    else
        cr_assert_null(l->station_id, "%s: station %s", tpl, l->station_id);
}

TestSuite(loyalty);

Test(loyalty, every_figure_of_the_period)
{
    as_db *db = scenario();
    as_loyalty_report *r = report(db, F, T, NULL);
    cr_assert_eq(r->from, F);
    cr_assert_eq(r->to, T);
    cr_assert_null(r->station_id);

    cr_assert_eq(r->ncoupons, 5);
    line_eq(&r->coupons[0], "a", "S1");
    figures_eq(&r->coupons[0].figures, 0, 1, 0, 0, 500, "a/S1: c1, redeemed at F");
    line_eq(&r->coupons[1], "a", "S2");
    figures_eq(&r->coupons[1].figures, 1, 1, 0, 0, 500, "a/S2: c2");
    line_eq(&r->coupons[2], "b", NULL);
    figures_eq(&r->coupons[2].figures, 3, 0, 2, 1, 0, "b/-: c4 c5 c6 c7");
    line_eq(&r->coupons[3], "c", NULL);
    figures_eq(&r->coupons[3].figures, 1, 0, 0, 0, 0, "c/-: c9, redeemed only at T");
    line_eq(&r->coupons[4], "p10", NULL);
    figures_eq(&r->coupons[4].figures, 1, 1, 1, 0, 1000, "p10: partner coupons, no station");

    cr_assert_eq(r->nsources, 4);
    cr_assert_str_eq(r->sources[0].source, "manual");
    figures_eq(&r->sources[0].figures, 5, 2, 2, 1, 1000, "manual");
    cr_assert_str_eq(r->sources[1].source, "reminder");
    figures_eq(&r->sources[1].figures, 0, 0, 0, 0, 0, "reminder");
    cr_assert_str_eq(r->sources[2].source, "benefit");
    figures_eq(&r->sources[2].figures, 0, 0, 0, 0, 0, "benefit");
    cr_assert_str_eq(r->sources[3].source, "partner");
    figures_eq(&r->sources[3].figures, 1, 1, 1, 0, 1000, "partner");
    figures_eq(&r->coupon_totals, 6, 3, 3, 1, 2000, "totals");

    const as_loyalty_points *p = &r->points;
    cr_assert_eq(p->earned_fuel, 450, "TX1 + TX2: %lld", (long long)p->earned_fuel);
    cr_assert_eq(p->earned_survey, 0);
    cr_assert_eq(p->earned_community, 0);
    cr_assert_eq(p->earned, 450);
    cr_assert_eq(p->adjusted, 30, "+50 at F, -20; +70 at T is out: %lld", (long long)p->adjusted);
    cr_assert_eq(p->redeemed, 100);
    cr_assert_eq(p->expired, 240, "U1 200 + U3 40 lapsed in the period: %lld",
                 (long long)p->expired);
    cr_assert_eq(p->written_off, 210, "U1 200 + U3 10: %lld", (long long)p->written_off);
    cr_assert_eq(p->users_with_balance, 2, "U1 and U2: %lld", (long long)p->users_with_balance);
    cr_assert_eq(p->outstanding, 480, "U1 350 + U2 130: %lld", (long long)p->outstanding);
    cr_assert_eq(p->ledger, 520, "%lld", (long long)p->ledger);
    cr_assert_eq(p->lapsed_unwritten, 40, "U3's lot of 09-30: %lld",
                 (long long)p->lapsed_unwritten);

    cr_assert_eq(r->nplans, 2);
    const as_loyalty_plan_line *l = &r->plans[0];
    cr_assert_str_eq(l->plan_id, "litre");
    cr_assert_str_eq(l->name, "每升立减");
    cr_assert_eq(l->monthly_fee_fen, 3000);
    cr_assert_eq(l->active, 1);
    cr_assert_eq(l->subscribed, 0);
    cr_assert_eq(l->cancelled, 0);
    cr_assert_eq(l->discounts, 1, "D1 (D0 before, D3 at T): %lld", (long long)l->discounts);
    cr_assert_eq(l->discount_fen, 2000);
    l = &r->plans[1];
    cr_assert_str_eq(l->plan_id, "fill");
    cr_assert_eq(l->monthly_fee_fen, 10000);
    cr_assert_eq(l->active, 1, "U3 (cancelled at T): %lld", (long long)l->active);
    cr_assert_eq(l->subscribed, 2, "U2 at F, U3");
    cr_assert_eq(l->cancelled, 1, "U2 (U3's at T is out)");
    cr_assert_eq(l->discounts, 1);
    cr_assert_eq(l->discount_fen, 500);

    cr_assert_eq(r->npartners, 1);
    cr_assert_str_eq(r->partners[0].partner, "wm");
    cr_assert_str_eq(r->partners[0].station_id, "S1");
    cr_assert_eq(r->partners[0].issued, 1, "TX1's (TX0's before the period)");
    cr_assert_eq(r->partners[0].redeemed, 1);
    cr_assert_eq(r->partners[0].redeemed_value_fen, 1000);
    as_loyalty_report_free(r);
    done(db);
}

Test(loyalty, what_is_at_to_counts_in_the_next_period)
{
    as_db *db = scenario();
    as_loyalty_report *r = report(db, T, T + DAY, NULL);
    /* c8 issued at T, c9 redeemed at T at S1, c6 lapsing at T */
    cr_assert_eq(r->ncoupons, 3);
    line_eq(&r->coupons[0], "b", NULL);
    figures_eq(&r->coupons[0].figures, 0, 0, 1, 0, 0, "c6");
    line_eq(&r->coupons[1], "c", NULL);
    figures_eq(&r->coupons[1].figures, 1, 0, 0, 0, 0, "c8");
    line_eq(&r->coupons[2], "c", "S1");
    figures_eq(&r->coupons[2].figures, 0, 1, 0, 0, 500, "c9");
    cr_assert_eq(r->points.adjusted, 70);
    cr_assert_eq(r->points.expired, 50, "U1's +50 lapses at T");
    cr_assert_eq(r->points.outstanding, 480 - 50 + 70);
    cr_assert_eq(r->plans[0].discounts, 1);
    cr_assert_eq(r->plans[0].discount_fen, 1500);
    cr_assert_eq(r->plans[1].cancelled, 1, "U3 at T");
    cr_assert_eq(r->plans[1].active, 0);
    as_loyalty_report_free(r);
    done(db);
}

/* Flows over [F, M) and [M, T) add up to those over [F, T); the plans
 * active at the end move by subscribed - cancelled. */
Test(loyalty, adjacent_periods_add_up)
{
    as_db *db = scenario();
    int64_t m = F + 15 * DAY;
    as_loyalty_report *a = report(db, F, m, NULL), *b = report(db, m, T, NULL),
                      *w = report(db, F, T, NULL), *s = report(db, F - DAY, F, NULL);
    const as_loyalty_coupon_figures *x = &a->coupon_totals, *y = &b->coupon_totals,
                                    *z = &w->coupon_totals;
    cr_assert_eq(x->issued + y->issued, z->issued);
    cr_assert_eq(x->redeemed + y->redeemed, z->redeemed);
    cr_assert_eq(x->expired + y->expired, z->expired);
    cr_assert_eq(x->voided + y->voided, z->voided);
    cr_assert_eq(x->discount_fen + y->discount_fen, z->discount_fen);
    cr_assert_eq(a->points.earned + b->points.earned, w->points.earned);
    cr_assert_eq(a->points.adjusted + b->points.adjusted, w->points.adjusted);
    cr_assert_eq(a->points.redeemed + b->points.redeemed, w->points.redeemed);
    cr_assert_eq(a->points.expired + b->points.expired, w->points.expired);
    cr_assert_eq(a->points.written_off + b->points.written_off, w->points.written_off);
    /* the ledger at the end moves by the period's rows */
    cr_assert_eq(s->points.ledger + w->points.earned + w->points.adjusted - w->points.redeemed -
                     w->points.written_off,
                 w->points.ledger);
    for (size_t i = 0; i < w->nplans; i++) {
        cr_assert_eq(a->plans[i].discount_fen + b->plans[i].discount_fen,
                     w->plans[i].discount_fen);
        cr_assert_eq(s->plans[i].active + w->plans[i].subscribed - w->plans[i].cancelled,
                     w->plans[i].active, "%s", w->plans[i].plan_id);
    }
    as_loyalty_report_free(a);
    as_loyalty_report_free(b);
    as_loyalty_report_free(w);
    as_loyalty_report_free(s);
    done(db);
}

Test(loyalty, station_filter)
{
    as_db *db = scenario();
    as_loyalty_report *r = report(db, F, T, "S1");
    cr_assert_str_eq(r->station_id, "S1");
    cr_assert_eq(r->ncoupons, 1, "c9 was redeemed at S1 only at T");
    line_eq(&r->coupons[0], "a", "S1");
    figures_eq(&r->coupons[0].figures, 0, 1, 0, 0, 500, "a/S1");
    figures_eq(&r->sources[0].figures, 0, 1, 0, 0, 500, "manual at S1");
    figures_eq(&r->sources[3].figures, 0, 0, 0, 0, 0, "partner coupons have no station");
    figures_eq(&r->coupon_totals, 0, 1, 0, 0, 500, "totals at S1");
    cr_assert_eq(r->npartners, 1, "wm's coupon earned at S1");
    cr_assert_eq(r->points.earned, 450, "points are not per station");
    cr_assert_eq(r->plans[0].discount_fen, 2000, "plans are not per station");
    as_loyalty_report_free(r);

    r = report(db, F, T, "S2");
    cr_assert_eq(r->ncoupons, 1);
    line_eq(&r->coupons[0], "a", "S2");
    figures_eq(&r->coupon_totals, 1, 1, 0, 0, 500, "totals at S2");
    cr_assert_eq(r->npartners, 0, "TX2 earned no partner coupon");
    as_loyalty_report_free(r);

    r = report(db, F, T, "S9");
    cr_assert_eq(r->ncoupons, 0);
    figures_eq(&r->coupon_totals, 0, 0, 0, 0, 0, "nothing at S9");
    as_loyalty_report_free(r);
    done(db);
}

Test(loyalty, empty_period_is_zeros)
{
    as_db *db = scenario();
    as_loyalty_report *r = report(db, th_time("2020-01-01"), th_time("2020-02-01"), NULL);
    cr_assert_eq(r->ncoupons, 0);
    cr_assert_eq(r->nsources, 4);
    for (size_t i = 0; i < r->nsources; i++)
        figures_eq(&r->sources[i].figures, 0, 0, 0, 0, 0, r->sources[i].source);
    figures_eq(&r->coupon_totals, 0, 0, 0, 0, 0, "totals");
    as_loyalty_points zero;
    memset(&zero, 0, sizeof zero);
    cr_assert_eq(memcmp(&r->points, &zero, sizeof zero), 0, "points all zero");
    cr_assert_eq(r->nplans, 2, "the configured plans, at zero");
    for (size_t i = 0; i < r->nplans; i++)
        cr_assert(r->plans[i].active == 0 && r->plans[i].subscribed == 0 &&
                  r->plans[i].cancelled == 0 && r->plans[i].discounts == 0 &&
                  r->plans[i].discount_fen == 0);
    cr_assert_eq(r->npartners, 0);
    as_loyalty_report_free(r);
    done(db);

    /* a fresh database, no configuration of ours */
    db = th_open_new();
    as_loyalty_query q = AS_LOYALTY_QUERY_INIT;
    q.from = F;
    q.to = T;
    cr_assert_eq(as_loyalty_report_get(&r, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r->ncoupons, 0);
    cr_assert_eq(r->coupon_totals.issued, 0);
    cr_assert_eq(r->points.users_with_balance, 0);
    as_loyalty_report_free(r);
    done(db);
}

/* As the world stood: records after the period change nothing in it. */
Test(loyalty, later_records_change_nothing)
{
    as_db *db = scenario();
    as_loyalty_report *before = report(db, F, T, NULL);
    char *x = issue(db, "U2", "a", T + DAY);
    cr_assert_eq(as_coupon_void(db, x, "作废", T + 2 * DAY), AS_OK, "%s", as_errmsg(db));
    as_free(x);
    cr_assert_eq(as_coupon_expire(db, T + 20 * DAY, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_points_redeem(db, "U1", 10, NULL, T + DAY, NULL), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(as_points_expire(db, T + 40 * DAY, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_package_cancel(db, "U1", T + 3 * DAY, NULL), AS_OK, "%s", as_errmsg(db));
    as_loyalty_report *after = report(db, F, T, NULL);
    cr_assert_eq(after->ncoupons, before->ncoupons);
    for (size_t i = 0; i < before->ncoupons; i++)
        cr_assert_eq(memcmp(&after->coupons[i].figures, &before->coupons[i].figures,
                            sizeof before->coupons[i].figures), 0, "coupon line %zu", i);
    cr_assert_eq(memcmp(&after->coupon_totals, &before->coupon_totals,
                        sizeof before->coupon_totals), 0);
    cr_assert_eq(memcmp(&after->points, &before->points, sizeof before->points), 0);
    for (size_t i = 0; i < before->nplans; i++) {
        cr_assert_eq(after->plans[i].active, before->plans[i].active);
        cr_assert_eq(after->plans[i].cancelled, before->plans[i].cancelled);
        cr_assert_eq(after->plans[i].discount_fen, before->plans[i].discount_fen);
    }
    as_loyalty_report_free(before);
    as_loyalty_report_free(after);
    done(db);
}

Test(loyalty, failures)
{
    as_db *db = th_open_new();
    as_loyalty_query q = AS_LOYALTY_QUERY_INIT;
    as_loyalty_report *r = (as_loyalty_report *)&q;   /* set to NULL on failure */
    q.from = T;
    q.to = T;
    cr_assert_eq(as_loyalty_report_get(&r, db, &q), AS_INVALID, "from == to");
    cr_assert_null(r);
    cr_assert(strstr(as_errmsg(db), "start is not before its end"), "%s", as_errmsg(db));
    q.from = T + 1;
    cr_assert_eq(as_loyalty_report_get(&r, db, &q), AS_INVALID, "from > to");
    q.from = F;
    q.station_id = "S 1";
    cr_assert_eq(as_loyalty_report_get(&r, db, &q), AS_INVALID, "not a station id");
    cr_assert(strstr(as_errmsg(db), "station"), "%s", as_errmsg(db));
    q.station_id = NULL;
    q.version = 99;
    cr_assert_eq(as_loyalty_report_get(&r, db, &q), AS_MISUSE);
    q.version = AS_LOYALTY_QUERY_VERSION;
    cr_assert_eq(as_loyalty_report_get(NULL, db, &q), AS_MISUSE);
    cr_assert_eq(as_loyalty_report_get(&r, db, NULL), AS_MISUSE);
    cr_assert_eq(as_loyalty_report_get(&r, NULL, &q), AS_MISUSE);
    as_loyalty_report_free(NULL);
    done(db);
}
