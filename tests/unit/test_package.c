/* test_package.c - packages (月省计划): the section, the discount rule,
 * quotes, subscriptions, and the payment path's as__package_apply. */
#include "helpers.h"
#include "package.h"

/* The configuration of open_plans(): it must outlive the handle. */
static as_config *held;

static void cleanup(void)
{
    as_config_free(held);
    held = NULL;
    th_cleanup();
}

TestSuite(package, .fini = cleanup);

/* litre: 0.50 a litre of 92/95, fills of 20 L or more, at most 40 yuan a
 * month, 30 yuan a month, one wash; fill: 5 yuan a fill, 100 a month. */
static const char plans_yaml[] =
    "packages:\n"
    "  car_wash_value_yuan: 20\n"
    "  plans:\n"
    "    - {id: litre, name: 每升立减, monthly_fee_yuan: 30, discount_per_litre_yuan: 0.50,\n"
    "       max_discount_per_month_yuan: 40, car_washes: 1, grades: ['92#', 95], min_litres: 20}\n"
    "    - {id: fill, name: 每次立减, monthly_fee_yuan: 100, discount_per_fill_yuan: 5}\n";

static as_db *open_plans(void)
{
    held = th_config(plans_yaml);
    as_db *db = th_open_with(held);
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    return db;
}

static const as_package_quote_line *line_of(const as_package_quote_set *q, const char *id)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->lines[i].plan->id, id) == 0)
            return &q->lines[i];
    cr_assert_fail("no line for %s", id);
    return NULL;
}

Test(package, section_is_read)
{
    as_db *db = open_plans();
    const as_package_plan *p = NULL;
    size_t n = 0;
    cr_assert_eq(as_package_plans(db, &p, &n), AS_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(p[0].id, "litre");
    cr_assert_str_eq(p[0].name, "每升立减");
    cr_assert_eq(p[0].monthly_fee_fen, 3000);
    cr_assert_eq(p[0].discount_per_litre_fen, 50);
    cr_assert_eq(p[0].discount_per_fill_fen, 0);
    cr_assert_eq(p[0].max_discount_per_month_fen, 4000);
    cr_assert_eq(p[0].min_litres_ml, 20000);
    cr_assert_eq(p[0].car_washes, 1);
    cr_assert_eq(p[0].car_wash_value_fen, 2000);
    cr_assert_eq(p[0].ngrades, 2);
    cr_assert_str_eq(p[0].grades[0], "92", "written 92#, kept canonical");
    cr_assert_str_eq(p[0].grades[1], "95");
    cr_assert_eq(p[1].ngrades, 0, "no grades: every grade");
    cr_assert_eq(p[1].max_discount_per_month_fen, 0);
    cr_assert_eq(as_package_plans(db, NULL, &n), AS_MISUSE);
    as_close(db);
}

Test(package, built_in_defaults_carry_example_plans)
{
    as_db *db = th_open_new();
    const as_package_plan *p = NULL;
    size_t n = 0;
    cr_assert_eq(as_package_plans(db, &p, &n), AS_OK);
    cr_assert_geq(n, 1);
    as_close(db);
}

Test(package, section_errors_are_located)
{
    static const struct { const char *yaml, *want; } bad[] = {
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1,"
         " colour: red}\n",
         "t.yaml:3:72: unknown key 'colour' in a plan"},
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: -5, discount_per_fill_yuan: 1}\n",
         "t.yaml:3:42: monthly_fee_yuan: '-5' is not an amount in yuan"},
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_litre_yuan: 0.305}\n",
         "t.yaml:3:70: discount_per_litre_yuan: '0.305' is not an amount in yuan"},
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1}\n"
         "    - {id: a, name: y, monthly_fee_yuan: 2, discount_per_fill_yuan: 2}\n",
         "t.yaml:4:12: plan 'a' is defined twice"},
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1,"
         " grades: [92, 91]}\n",
         "t.yaml:3:85: '91' is not a fuel grade"},
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1,"
         " grades: [92, '92#']}\n",
         "grade 92 is listed twice"},
        {"packages:\n  plans:\n    - {id: 月省, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1}\n",
         "t.yaml:3:12: a plan id must be 1-63 ASCII letters"},
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1}\n",
         "t.yaml:3:7: a plan needs discount_per_litre_yuan or discount_per_fill_yuan"},
        {"packages:\n  plans:\n    - {id: a, name: x, discount_per_fill_yuan: 1}\n",
         "t.yaml:3:7: a plan needs monthly_fee_yuan"},
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1,"
         " min_litres: 0}\n",
         "min_litres: '0' is not a volume in litres"},
        {"packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1, discount_per_fill_yuan: 1,"
         " car_washes: 40}\n",
         "40 is out of range (0 to 31)"},
        {"packages:\n  plans: {id: a}\n", "t.yaml:2:10: packages.plans must be a list"},
        {"packages:\n  car_wash_value_yuan: free\n", "t.yaml:2:24: car_wash_value_yuan: 'free'"},
        {"packages:\n  plan: []\n", "t.yaml:2:3: unknown key 'plan' in packages"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_config *cfg = NULL;
        char *err = NULL;
        cr_assert_eq(as_config_parse(&cfg, bad[i].yaml, strlen(bad[i].yaml), "t.yaml", &err),
                     AS_CONFIG, "%zu accepted", i);
        cr_assert_not_null(strstr(err, bad[i].want), "%zu: %s", i, err);
        as_free(err);
    }
}

Test(package, the_rule)
{
    as_config *cfg = th_config(plans_yaml);
    const as_package_plan *litre = &cfg->packages->items[0], *fill = &cfg->packages->items[1];
    /* 0.50 x 40.555 L = 20.2775 yuan: whole fen, rounded down. */
    cr_assert_eq(as__package_plan_discount(litre, "92", 40555, 30000, 0), 2027);
    cr_assert_eq(as__package_plan_discount(litre, "98", 40000, 30000, 0), 0, "grade not eligible");
    cr_assert_eq(as__package_plan_discount(litre, "95", 19999, 30000, 0), 0, "below min_litres");
    cr_assert_eq(as__package_plan_discount(litre, "95", 20000, 30000, 0), 1000, "at min_litres");
    cr_assert_eq(as__package_plan_discount(litre, "92", 40000, 30000, 3500), 500, "the cap's room");
    cr_assert_eq(as__package_plan_discount(litre, "92", 40000, 30000, 4000), 0, "cap used up");
    cr_assert_eq(as__package_plan_discount(litre, "92", 40000, 30000, 5000), 0, "never negative");
    cr_assert_eq(as__package_plan_discount(fill, "0", 1000, 300, 0), 300, "at most the amount");
    cr_assert_eq(as__package_plan_discount(fill, "E92", 1000, 0, 0), 0);
    cr_assert_eq(as__package_plan_discount(fill, "E92", 1000, 2000, 1000000), 500, "no cap");
    as_config_free(cfg);
}

/* Six fill-ups of U1 in 2026: three 30-day months up to 2026-10-31. */
static const char fills_csv[] =
    "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
    "T1,U1,S1,2026-08-10T08:00:00+08:00,92,40,300.00\n"
    "T2,U1,S1,2026-08-24T08:00:00+08:00,92,45.5,341.25\n"
    "T3,U1,S1,2026-09-07T08:00:00+08:00,98,38,330.20\n"
    "T4,U1,S2,2026-09-21T08:00:00+08:00,92,15,112.50\n"
    "T5,U1,S1,2026-10-05T08:00:00+08:00,95,42,315.00\n"
    "T6,U2,S1,2026-10-06T08:00:00+08:00,92,42,315.00\n";

Test(package, quote_replays_the_users_own_fill_ups)
{
    as_db *db = open_plans();
    th_fuel_import(db, fills_csv);
    int64_t at = th_time("2026-10-31T00:00:00+08:00");
    as_package_quote_set *q = NULL;
    cr_assert_eq(as_package_quote(&q, db, "U1", at, 90), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(q->n, 2);
    cr_assert_eq(q->months, 3);
    cr_assert_eq(q->from, at - 90 * 86400);
    const as_package_quote_line *l = line_of(q, "litre");
    cr_assert_eq(l->fills, 5, "U2's fill-up is not U1's");
    cr_assert_eq(l->eligible_fills, 3, "98 and a 15 L fill-up are not eligible");
    cr_assert_eq(l->litres_ml, 180500);
    cr_assert_eq(l->paid_fen, 139895);
    /* Months back from at: (10-01, 10-31] T5; (09-01, 10-01] T3, T4;
     * (08-02, 09-01] T1, T2: 20 + 22.75 = 42.75 capped at 40.  Then T5 21. */
    cr_assert_eq(l->discount_fen, 4000 + 2100);
    cr_assert_eq(l->fee_fen, 9000);
    cr_assert_eq(l->would_pay_fen, 139895 - 6100 + 9000);
    cr_assert_eq(l->saving_fen, -2900, "the fee outweighs the discounts");
    cr_assert_eq(l->recommended, 0);
    cr_assert_eq(l->car_washes, 3);
    cr_assert_eq(l->car_washes_value_fen, 6000);
    const as_package_quote_line *f = line_of(q, "fill");
    cr_assert_eq(f->eligible_fills, 5);
    cr_assert_eq(f->discount_fen, 2500);
    cr_assert_eq(f->saving_fen, 2500 - 30000);
    cr_assert_eq(q->lines[0].plan->id[0], 'l', "best saving first");
    as_package_quote_free(q);
    as_close(db);
}

Test(package, a_positive_saving_is_recommended)
{
    as_db *db = th_open_with(held = th_config(
        "packages:\n  plans:\n"
        "    - {id: cheap, name: 便宜, monthly_fee_yuan: 1, discount_per_litre_yuan: 0.30}\n"
        "    - {id: dear, name: 昂贵, monthly_fee_yuan: 500, discount_per_fill_yuan: 10}\n"));
    th_add_user(db, "U1", 0, NULL);
    th_fuel_import(db, fills_csv);
    as_package_quote_set *q = NULL;
    cr_assert_eq(as_package_quote(&q, db, "U1", th_time("2026-10-31T00:00:00+08:00"), 90), AS_OK);
    cr_assert_str_eq(q->lines[0].plan->id, "cheap");
    /* 0.30 x 180.5 L = 54.15 yuan less 3 yuan of fees. */
    cr_assert_eq(q->lines[0].saving_fen, 5415 - 300);
    cr_assert_eq(q->lines[0].recommended, 1);
    cr_assert_str_eq(q->lines[1].plan->id, "dear");
    cr_assert_eq(q->lines[1].recommended, 0);
    as_package_quote_free(q);
    as_close(db);
}

Test(package, quote_of_an_empty_window_and_failures)
{
    as_db *db = open_plans();
    th_fuel_import(db, fills_csv);
    as_package_quote_set *q = NULL;
    /* --at before every fill-up: nothing to replay, not an error. */
    cr_assert_eq(as_package_quote(&q, db, "U1", th_time("2026-01-01"), 45), AS_OK);
    cr_assert_eq(q->months, 2, "45 days are two started months");
    for (size_t i = 0; i < q->n; i++) {
        cr_assert_eq(q->lines[i].fills, 0);
        cr_assert_eq(q->lines[i].paid_fen, 0);
        cr_assert_eq(q->lines[i].saving_fen, -q->lines[i].fee_fen);
        cr_assert_eq(q->lines[i].fee_fen, 2 * q->lines[i].plan->monthly_fee_fen);
        cr_assert_eq(q->lines[i].recommended, 0);
    }
    as_package_quote_free(q);
    cr_assert_eq(as_package_quote(&q, db, "U9", 0, 90), AS_NOTFOUND);
    cr_assert_null(q);
    cr_assert_str_eq(as_errmsg(db), "no user 'U9'");
    cr_assert_eq(as_package_quote(&q, db, "U1", 0, 0), AS_INVALID);
    cr_assert_eq(as_package_quote(&q, db, "U1", 0, 3661), AS_INVALID);
    cr_assert_eq(as_package_quote(NULL, db, "U1", 0, 90), AS_MISUSE);
    as_close(db);
}

/* Every field of two quotes. */
static void quotes_equal(const as_package_quote_set *a, const as_package_quote_set *b)
{
    cr_assert_eq(a->n, b->n);
    cr_assert_eq(a->from, b->from);
    for (size_t i = 0; i < a->n; i++) {
        const as_package_quote_line *x = &a->lines[i], *y = &b->lines[i];
        cr_assert_str_eq(x->plan->id, y->plan->id);
        cr_assert_eq(x->fills, y->fills);
        cr_assert_eq(x->eligible_fills, y->eligible_fills);
        cr_assert_eq(x->litres_ml, y->litres_ml);
        cr_assert_eq(x->paid_fen, y->paid_fen);
        cr_assert_eq(x->discount_fen, y->discount_fen);
        cr_assert_eq(x->would_pay_fen, y->would_pay_fen);
        cr_assert_eq(x->saving_fen, y->saving_fen);
        cr_assert_eq(x->recommended, y->recommended);
    }
}

Test(package, quote_at_t_ignores_later_fill_ups)
{
    static const char later[] =
        "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
        "L1,U1,S1,2026-09-30T08:00:01+08:00,92,50,400.00\n"
        "L2,U1,S1,2026-10-20T08:00:00+08:00,95,60,480.00\n";
    int64_t at = th_time("2026-09-30T08:00:00+08:00");
    as_db *db = open_plans();
    th_fuel_import(db, fills_csv);
    as_package_quote_set *without = NULL, *with = NULL;
    cr_assert_eq(as_package_quote(&without, db, "U1", at, 60), AS_OK);
    th_fuel_import(db, later);
    cr_assert_eq(as_package_quote(&with, db, "U1", at, 60), AS_OK);
    quotes_equal(with, without);
    cr_assert_eq(with->lines[0].fills, 4, "T1-T4: at or before T only");
    as_package_quote_free(with);
    as_package_quote_free(without);
    as_close(db);
}

Test(package, subscribe_and_cancel_failures)
{
    as_db *db = open_plans();
    int64_t t0 = th_time("2026-10-01T00:00:00+08:00");
    as_package_subscription s;
    cr_assert_eq(as_package_subscribe(db, "U1", "litre", t0, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_gt(s.id, 0);
    cr_assert_str_eq(s.plan_id, "litre");
    cr_assert_str_eq(s.name, "每升立减");
    cr_assert_eq(s.started_at, t0);
    cr_assert_eq(s.ended_at, 0);
    cr_assert_eq(as_package_subscribe(db, "U1", "fill", t0 + 10, &s), AS_EXISTS);
    cr_assert_not_null(strstr(as_errmsg(db), "already has plan 'litre'"), "%s", as_errmsg(db));
    cr_assert_eq(s.id, 0, "nothing on failure");
    cr_assert_eq(as_package_subscribe(db, "U9", "litre", t0, NULL), AS_NOTFOUND);
    cr_assert_eq(as_package_subscribe(db, "U2", "gold", t0, NULL), AS_NOTFOUND);
    cr_assert_str_eq(as_errmsg(db), "no plan 'gold' in the configuration (plans: litre, fill)");
    cr_assert_eq(as_package_cancel(db, "U2", t0, NULL), AS_NOTFOUND);
    cr_assert_str_eq(as_errmsg(db), "user 'U2' has no active plan");
    cr_assert_eq(as_package_cancel(db, "U9", t0, NULL), AS_NOTFOUND);
    cr_assert_eq(as_package_cancel(db, "U1", t0 - 1, NULL), AS_INVALID, "before its start");
    cr_assert_eq(as_package_cancel(db, "U1", t0 + 86400, &s), AS_OK);
    cr_assert_eq(s.ended_at, t0 + 86400);
    cr_assert_eq(as_package_cancel(db, "U1", t0 + 2 * 86400, NULL), AS_NOTFOUND, "cancel twice");
    /* A new plan may not start inside the old one. */
    cr_assert_eq(as_package_subscribe(db, "U1", "fill", t0 + 3600, NULL), AS_INVALID);
    cr_assert_eq(as_package_subscribe(db, "U1", "fill", t0 + 86400, NULL), AS_OK);
    cr_assert_eq(th_count("SELECT count(*) FROM package_events"), 3);
    cr_assert_eq(th_count("SELECT count(*) FROM package_subscriptions WHERE ended_at IS NULL"), 1);
    cr_assert_eq(as_package_subscribe(db, NULL, "fill", t0, NULL), AS_MISUSE);
    as_close(db);
}

Test(package, the_payment_path_applies_the_discount_once)
{
    as_db *db = open_plans();
    int64_t t0 = th_time("2026-10-01T00:00:00+08:00");
    int64_t d = -1;
    char plan[64] = "x";
    /* No plan: nothing, and nothing recorded. */
    cr_assert_eq(as__package_apply(db, "U1", "P0", "92", 40000, 30000, t0, &d, plan), AS_OK);
    cr_assert_eq(d, 0);
    cr_assert_str_eq(plan, "");
    cr_assert_eq(as_package_subscribe(db, "U1", "litre", t0, NULL), AS_OK);
    /* Before the start: not active yet. */
    cr_assert_eq(as__package_discount(db, "U1", "92", 40000, 30000, t0 - 1, &d, plan), AS_OK);
    cr_assert_eq(d, 0);
    cr_assert_eq(as__package_discount(db, "U1", "92#", 40000, 30000, t0, &d, plan), AS_OK);
    cr_assert_eq(d, 2000);
    cr_assert_str_eq(plan, "litre");
    cr_assert_eq(as__package_apply(db, "U1", "P1", "92", 40000, 30000, t0 + 3600, &d, plan), AS_OK);
    cr_assert_eq(d, 2000);
    /* The same payment again: refused, and told what it got then. */
    d = 0;
    plan[0] = '\0';
    cr_assert_eq(as__package_apply(db, "U1", "P1", "92", 40000, 30000, t0 + 3600, &d, plan),
                 AS_EXISTS);
    cr_assert_eq(d, 2000);
    cr_assert_str_eq(plan, "litre");
    cr_assert_eq(th_count("SELECT sum(discount_fen) FROM package_discounts"), 2000);
    /* Ineligible grade: nothing. */
    cr_assert_eq(as__package_apply(db, "U1", "P2", "98", 40000, 30000, t0 + 7200, &d, plan), AS_OK);
    cr_assert_eq(d, 0);
    cr_assert_str_eq(plan, "litre");
    /* The cap: 20 + 20 would be 40; 20 + 20 + 10 leaves 0 for the third. */
    cr_assert_eq(as__package_apply(db, "U1", "P3", "95", 40000, 30000, t0 + 86400, &d, plan), AS_OK);
    cr_assert_eq(d, 2000);
    cr_assert_eq(as__package_discount(db, "U1", "95", 40000, 30000, t0 + 2 * 86400, &d, plan), AS_OK);
    cr_assert_eq(d, 0, "the month's cap is used up");
    /* An earlier payment applied late still counts under the same cap. */
    cr_assert_eq(as__package_apply(db, "U1", "P4", "95", 40000, 30000, t0 + 1, &d, plan), AS_OK);
    cr_assert_eq(d, 0);
    /* The next 30-day month has its own cap. */
    cr_assert_eq(as__package_apply(db, "U1", "P5", "95", 40000, 30000, t0 + 30 * 86400, &d, plan),
                 AS_OK);
    cr_assert_eq(d, 2000);
    cr_assert_eq(th_count("SELECT sum(discount_fen) FROM package_discounts"), 6000);
    cr_assert_eq(th_count("SELECT count(*) FROM package_discounts"), 3, "zero discounts not kept");
    /* Bad input. */
    cr_assert_eq(as__package_apply(db, "U1", "P6", "91", 40000, 30000, t0, &d, plan), AS_INVALID);
    cr_assert_eq(as__package_apply(db, "U1", "P6", "92", 0, 30000, t0, &d, plan), AS_INVALID);
    cr_assert_eq(as__package_apply(db, "U1", "", "92", 1, 30000, t0, &d, plan), AS_INVALID);
    cr_assert_eq(as__package_apply(db, "U1", NULL, "92", 1, 30000, t0, &d, plan), AS_MISUSE);
    /* A plan that gave a discount cannot end before it. */
    cr_assert_eq(as_package_cancel(db, "U1", t0 + 30 * 86400, NULL), AS_INVALID);
    cr_assert_eq(as_package_cancel(db, "U1", t0 + 30 * 86400 + 1, NULL), AS_OK);
    cr_assert_eq(as__package_discount(db, "U1", "95", 40000, 30000, t0 + 31 * 86400, &d, plan),
                 AS_OK);
    cr_assert_eq(d, 0, "cancelled");
    as_close(db);
}

Test(package, apply_inside_a_rolled_back_transaction_leaves_nothing)
{
    as_db *db = open_plans();
    int64_t t0 = th_time("2026-10-01T00:00:00+08:00"), d = 0;
    char plan[64];
    cr_assert_eq(as_package_subscribe(db, "U1", "fill", t0, NULL), AS_OK);
    cr_assert_eq(as_begin(db), AS_OK);
    cr_assert_eq(as__package_apply(db, "U1", "P1", "92", 40000, 30000, t0, &d, plan), AS_OK);
    cr_assert_eq(d, 500);
    cr_assert_eq(as_rollback(db), AS_OK);
    cr_assert_eq(th_count("SELECT count(*) FROM package_discounts"), 0);
    /* So the payment, redeemed again, gets its discount. */
    cr_assert_eq(as__package_apply(db, "U1", "P1", "92", 40000, 30000, t0, &d, plan), AS_OK);
    cr_assert_eq(d, 500);
    as_close(db);
}

Test(package, the_plan_at_a_time)
{
    as_db *db = open_plans();
    int64_t t0 = th_time("2026-10-01T00:00:00+08:00"), d;
    char plan[64];
    as_package_view *v = NULL;
    cr_assert_eq(as_package_active(&v, db, "U1", t0), AS_OK);
    cr_assert_eq(v->sub.id, 0);
    cr_assert_eq(v->ndiscounts, 0);
    as_package_view_free(v);
    cr_assert_eq(as_package_subscribe(db, "U1", "litre", t0, NULL), AS_OK);
    cr_assert_eq(as__package_apply(db, "U1", "P1", "92", 40000, 30000, t0 + 86400, &d, plan), AS_OK);
    cr_assert_eq(as__package_apply(db, "U1", "P2", "92", 30000, 30000, t0 + 2 * 86400, &d, plan),
                 AS_OK);
    cr_assert_eq(as__package_apply(db, "U1", "P3", "92", 30000, 30000, t0 + 31 * 86400, &d, plan),
                 AS_OK);
    cr_assert_eq(as_package_cancel(db, "U1", t0 + 40 * 86400, NULL), AS_OK);
    /* As the world stood on the second day of the first month. */
    cr_assert_eq(as_package_active(&v, db, "U1", t0 + 86400), AS_OK);
    cr_assert_str_eq(v->sub.plan_id, "litre");
    cr_assert_eq(v->sub.ended_at, 0, "the cancel came later");
    cr_assert_eq(v->month_from, t0);
    cr_assert_eq(v->month_to, t0 + 30 * 86400);
    cr_assert_eq(v->ndiscounts, 1);
    cr_assert_str_eq(v->discounts[0].tx_id, "P1");
    cr_assert_eq(v->month_discount_fen, 2000);
    cr_assert_eq(v->max_discount_per_month_fen, 4000);
    as_package_view_free(v);
    /* The second month holds P3 only. */
    cr_assert_eq(as_package_active(&v, db, "U1", t0 + 35 * 86400), AS_OK);
    cr_assert_eq(v->month_from, t0 + 30 * 86400);
    cr_assert_eq(v->ndiscounts, 1);
    cr_assert_str_eq(v->discounts[0].tx_id, "P3");
    as_package_view_free(v);
    cr_assert_eq(as_package_active(&v, db, "U1", t0 + 40 * 86400), AS_OK);
    cr_assert_eq(v->sub.id, 0, "ended");
    as_package_view_free(v);
    cr_assert_eq(as_package_active(&v, db, "U9", t0), AS_NOTFOUND);
    cr_assert_null(v);
    as_close(db);
}

Test(package, forget_ends_the_plan_and_keeps_anonymous_figures)
{
    as_db *db = open_plans();
    int64_t t0 = th_time("2026-10-01T00:00:00+08:00"), d;
    char plan[64];
    cr_assert_eq(as_package_subscribe(db, "U1", "litre", t0, NULL), AS_OK);
    cr_assert_eq(as__package_apply(db, "U1", "P1", "92", 40000, 30000, t0 + 60, &d, plan), AS_OK);
    cr_assert_eq(as_package_subscribe(db, "U2", "fill", t0, NULL), AS_OK);
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(th_count("SELECT count(*) FROM package_subscriptions"
                          " WHERE user_id = 'U1' AND ended_at IS NULL"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM package_events"
                          " WHERE user_id = 'U1' AND kind = 'erased'"), 1);
    cr_assert_eq(th_count("SELECT sum(discount_fen) FROM package_discounts"), 2000,
                 "the figures stay");
    cr_assert_eq(th_count("SELECT count(*) FROM package_subscriptions"
                          " WHERE user_id = 'U2' AND ended_at IS NULL"), 1, "others untouched");
    as_package_view *v = NULL;
    cr_assert_eq(as_package_active(&v, db, "U1", as__now() + 1), AS_OK);
    cr_assert_eq(v->sub.id, 0);
    as_package_view_free(v);
    cr_assert_eq(as__package_discount(db, "U1", "92", 40000, 30000, as__now() + 1, &d, plan),
                 AS_OK);
    cr_assert_eq(d, 0);
    cr_assert_eq(as_package_subscribe(db, "U1", "fill", as__now() + 10, NULL), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "erased"), "%s", as_errmsg(db));
    as_close(db);
}

Test(package, a_second_connection_waits_and_then_finds_the_payment_recorded)
{
    as_db *db = open_plans();
    int64_t t0 = th_time("2026-10-01T00:00:00+08:00"), d = 0;
    char plan[64];
    cr_assert_eq(as_package_subscribe(db, "U1", "litre", t0, NULL), AS_OK);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.busy_timeout_ms = 50;
    o.config = held;
    as_db *other = NULL;
    cr_assert_eq(as_open(&other, th_path, &o, NULL), AS_OK);
    /* The station's redemption holds its transaction open... */
    cr_assert_eq(as_begin(db), AS_OK);
    cr_assert_eq(as__package_apply(db, "U1", "P1", "92", 40000, 30000, t0, &d, plan), AS_OK);
    cr_assert_eq(d, 2000);
    /* ...so another process cannot read the cap's room meanwhile. */
    cr_assert_eq(as__package_apply(other, "U1", "P1", "92", 40000, 30000, t0, &d, plan), AS_BUSY);
    cr_assert_eq(as_commit(db), AS_OK);
    cr_assert_eq(as__package_apply(other, "U1", "P1", "92", 40000, 30000, t0, &d, plan),
                 AS_EXISTS);
    cr_assert_eq(d, 2000);
    cr_assert_eq(as__package_apply(other, "U1", "P2", "92", 40000, 30000, t0, &d, plan), AS_OK);
    cr_assert_eq(d, 2000);
    cr_assert_eq(as__package_apply(db, "U1", "P3", "92", 40000, 30000, t0, &d, plan), AS_OK);
    cr_assert_eq(d, 0, "both connections fill one cap");
    cr_assert_eq(th_count("SELECT sum(discount_fen) FROM package_discounts"), 4000);
    as_close(other);
    as_close(db);
}

Test(package, huge_values_do_not_overflow)
{
    as_config *cfg = th_config("packages:\n  plans:\n    - {id: a, name: x, monthly_fee_yuan: 1,"
                               " discount_per_litre_yuan: 100000000}\n");
    const as_package_plan *p = &cfg->packages->items[0];
    cr_assert_eq(as__package_plan_discount(p, "92", INT64_MAX, 500, 0), 500);
    as_config_free(cfg);
    as_db *db = open_plans();
    int64_t d;
    char plan[64];
    cr_assert_eq(as__package_discount(db, "U1", "92", INT64_MAX, 1, 0, &d, plan), AS_INVALID);
    as_package_quote_set *q = NULL;
    cr_assert_eq(as_package_quote(&q, db, "U1", INT64_MIN, 90), AS_INVALID);
    as_close(db);
}
