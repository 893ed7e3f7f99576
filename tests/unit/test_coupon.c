/* test_coupon.c - the coupon wallet: templates, issue, redemption rules,
 * voiding, expiry, reading as of a time, the refuel reminder's coupon. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aftersales.h"
#include "helpers.h"

TestSuite(coupon, .fini = th_cleanup);

static const char templates[] =
    "coupons:\n"
    "  templates:\n"
    "    - {id: five, name: 立减5元, value_fen: 500, min_spend_fen: 10000, valid: 7d}\n"
    "    - {id: litre, name: 每升减3角, per_litre_fen: 30, max_discount_fen: 1000, valid: 7d,\n"
    "       stackable: true, grades: [95, 98]}\n"
    "    - {id: stack, name: 叠加1元, value_fen: 100, valid: 7d, stackable: true}\n"
    "    - {id: yunnan, name: 云南专享, value_fen: 300, valid: 7d, regions: ['53'],\n"
    "       stations: [S1, S2]}\n"
    "    - {id: refuel_cycle, name: 加油券, value_fen: 500, valid: 3d}\n"
    "    - {id: monthly_5, name: 月度5元, value_fen: 500, valid: 30d}\n"
    "    - {id: monthly_10, name: 月度10元, value_fen: 1000, valid: 30d}\n";

static as_config *open_cfg;

static as_db *open_db(void)
{
    open_cfg = th_config(templates);
    as_db *db = th_open_with(open_cfg);
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    return db;
}

/* Close a database of open_db() and free its configuration. */
static void close_db(as_db *db)
{
    as_close(db);
    as_config_free(open_cfg);
    open_cfg = NULL;
}

/* Issue a coupon of tmpl to user at time at; its code (static buffer). */
static const char *issue(as_db *db, const char *user, const char *tmpl, const char *at)
{
    static char code[32];
    as_coupon_issue_options o = AS_COUPON_ISSUE_OPTIONS_INIT;
    o.at = th_time(at);
    char *c = NULL;
    int issued = 0;
    cr_assert_eq(as_coupon_issue(db, user, tmpl, &o, &c, &issued), AS_OK, "%s", as_errmsg(db));
    cr_assert(issued);
    cr_assert_eq(strlen(c), 16);
    snprintf(code, sizeof code, "%s", c);
    as_free(c);
    return code;
}

static as_coupon_tx pay(const char *tx, const char *user, const char *station, const char *grade,
                        int64_t ml, int64_t fen, const char *at)
{
    as_coupon_tx t = AS_COUPON_TX_INIT;
    t.tx_id = tx;
    t.user_id = user;
    t.station_id = station;
    t.region = "530102";
    t.grade = grade;
    t.litres_ml = ml;
    t.amount_fen = fen;
    t.at = th_time(at);
    return t;
}

static as_status redeem(as_db *db, const char *code, as_coupon_tx t, as_coupon_redemption *r)
{
    return as_coupon_redeem(db, code, &t, r);
}

static void config_fails(const char *yaml, const char *needle)
{
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, yaml, strlen(yaml), "t.yaml", &err), AS_CONFIG, "%s",
                 yaml);
    cr_assert_not_null(err);
    cr_assert(strstr(err, needle), "'%s' not in: %s", needle, err);
    as_free(err);
}

Test(coupon, templates_are_checked)
{
    config_fails("coupons: {templates: [{id: a, name: x, valid: 1d}]}\n",
                 "t.yaml:1:23: coupon template 'a' needs one of value_fen and per_litre_fen");
    config_fails("coupons: {templates: [{id: a, name: x, valid: 1d, value_fen: 1, per_litre_fen: 1}]}\n",
                 "needs one of value_fen and per_litre_fen");
    config_fails("coupons: {templates: [{id: A!, name: x, valid: 1d, value_fen: 1}]}\n",
                 "coupon template id 'A!' must be");
    config_fails("coupons: {templates: [{id: a, name: x, valid: 1d, value_fen: 1},"
                 " {id: a, name: y, valid: 1d, value_fen: 2}]}\n",
                 "coupon template 'a' is defined twice");
    config_fails("coupons: {templates: [{id: a, name: x, valid: 1d, value_fen: 1, grades: [91]}]}\n",
                 "'91' is not a fuel grade");
    config_fails("coupons: {templates: [{id: a, name: x, valid: 1d, value_fen: 1, regions: ['531']}]}\n",
                 "region '531' must be a code of 2, 4 or 6 digits");
    config_fails("coupons: {templates: [{id: a, name: x, valid: 10m, value_fen: 1}]}\n",
                 "valid must be between 1h and 10 years");
    config_fails("coupons: {templates: [{id: a, name: x, valid: 1d, value_fen: -1}]}\n",
                 "t.yaml:1:62: -1 is out of range");
    config_fails("coupons: {templates: [{id: a, name: x, valid: 1d, value_fen: 1, colour: red}]}\n",
                 "colour");
    config_fails("coupons: {templates: [{id: a, value_fen: 1}]}\n",
                 "needs an id, a name and valid");
    config_fails("coupons: {templates: [{id: a, name: x, valid: 1d, value_fen: 100,"
                 " max_discount_fen: 50}]}\n",
                 "max_discount_fen caps a per-litre coupon");
    /* the refuel reminder names a template the coupons section lacks */
    config_fails("coupons: {templates: []}\n",
                 ": the built-in refuel reminder issues coupon template"
                 " 'refuel_cycle', which the coupons section of t.yaml lacks");
    config_fails("reminders:\n  refuel_coupon: {title: t, message: m, coupon: gone}\n",
                 "t.yaml:2:49: reminders.refuel_coupon.coupon: no coupon template 'gone'");
    /* "none" needs no template */
    as_config *cfg = th_config("coupons: {templates: []}\n"
                               "tiers: {levels: [{name: a, min: 0}]}\n"
                               "reminders:\n  refuel_coupon: {title: t, message: m, coupon: none}\n");
    as_config_free(cfg);
}

Test(coupon, templates_listed_from_the_configuration)
{
    as_db *db = open_db();
    const as_coupon_template *t;
    size_t n;
    cr_assert_eq(as_coupon_templates(db, &t, &n), AS_OK);
    cr_assert_eq(n, 7);
    cr_assert_str_eq(t[1].id, "litre");
    cr_assert_eq(t[1].per_litre_fen, 30);
    cr_assert_eq(t[1].ngrades, 2);
    cr_assert_str_eq(t[1].grades[0], "95");
    cr_assert_eq(t[3].nregions, 1);
    cr_assert_str_eq(t[3].regions[0], "53");
    cr_assert_eq(t[0].valid_s, 7 * 86400);
    cr_assert_eq(as_coupon_templates(db, NULL, &n), AS_MISUSE);
    close_db(db);
}

Test(coupon, issue_checks_its_arguments)
{
    as_db *db = open_db();
    char *c = (char *)"x";
    cr_assert_eq(as_coupon_issue(db, "nobody", "five", NULL, &c, NULL), AS_NOTFOUND);
    cr_assert_null(c);
    cr_assert_eq(as_coupon_issue(db, "U1", "gone", NULL, &c, NULL), AS_NOTFOUND);
    as_coupon_issue_options o = AS_COUPON_ISSUE_OPTIONS_INIT;
    o.grade = "91";
    cr_assert_eq(as_coupon_issue(db, "U1", "five", &o, &c, NULL), AS_INVALID);
    o = (as_coupon_issue_options)AS_COUPON_ISSUE_OPTIONS_INIT;
    o.at = th_time("2026-10-01");
    o.valid_from = th_time("2026-10-09");   /* after the 7 days */
    cr_assert_eq(as_coupon_issue(db, "U1", "five", &o, &c, NULL), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "valid_from"), "%s", as_errmsg(db));
    o.version = 99;
    cr_assert_eq(as_coupon_issue(db, "U1", "five", &o, &c, NULL), AS_MISUSE);
    cr_assert_eq(as_coupon_issue(db, NULL, "five", NULL, &c, NULL), AS_MISUSE);
    /* an erased user gets none */
    cr_assert_eq(as_user_forget(db, "U2"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_coupon_issue(db, "U2", "five", NULL, &c, NULL), AS_INVALID);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons"), 0);
    close_db(db);
}

Test(coupon, a_key_issues_once)
{
    as_db *db = open_db();
    as_coupon_issue_options o = AS_COUPON_ISSUE_OPTIONS_INIT;
    o.key = "benefit:U1:2026-10";
    char *a = NULL, *b = NULL;
    int issued = 0;
    cr_assert_eq(as_coupon_issue(db, "U1", "five", &o, &a, &issued), AS_OK, "%s", as_errmsg(db));
    cr_assert(issued);
    cr_assert_eq(as_coupon_issue(db, "U1", "five", &o, &b, &issued), AS_OK, "%s", as_errmsg(db));
    cr_assert_not(issued);
    cr_assert_str_eq(a, b);
    as_free(b);
    cr_assert_eq(as_coupon_issue(db, "U2", "five", &o, &b, &issued), AS_EXISTS);
    cr_assert_eq(as_coupon_issue(db, "U1", "stack", &o, &b, &issued), AS_EXISTS);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons"), 1);
    cr_assert_eq(th_count("SELECT count(*) FROM coupon_events WHERE event = 'issued'"), 1);
    as_free(a);
    close_db(db);
}

Test(coupon, codes_are_random_and_read_loosely)
{
    as_db *db = open_db();
    char seen[50][17];
    for (int i = 0; i < 50; i++) {
        snprintf(seen[i], sizeof seen[i], "%s", issue(db, "U1", "five", "2026-10-01"));
        for (const char *p = seen[i]; *p; p++)
            cr_assert(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", *p), "%s", seen[i]);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(seen[i], seen[j]);
    }
    /* lower case, hyphens, spaces, O for 0, I and L for 1 */
    char loose[40];
    const char *c = seen[0];
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        char ch = c[i];
        ch = ch == '0' ? 'o' : ch == '1' ? (i % 2 ? 'I' : 'l') : (char)(ch >= 'A' ? ch + 32 : ch);
        loose[k++] = ch;
        if (i % 4 == 3 && i < 15)
            loose[k++] = i == 7 ? ' ' : '-';
    }
    loose[k] = '\0';
    as_coupon *cp = NULL;
    cr_assert_eq(as_coupon_get(&cp, db, loose, 0), AS_OK, "%s: %s", loose, as_errmsg(db));
    cr_assert_str_eq(cp->code, seen[0]);
    as_coupon_free(cp);
    cr_assert_eq(as_coupon_get(&cp, db, "ABC", 0), AS_INVALID);
    cr_assert_eq(as_coupon_get(&cp, db, "UUUUUUUUUUUUUUUU", 0), AS_INVALID);   /* U is not used */
    cr_assert_eq(as_coupon_get(&cp, db, "0000000000000000", 0), AS_NOTFOUND);
    cr_assert_null(cp);
    close_db(db);
}

Test(coupon, redemption_checks_every_condition)
{
    as_db *db = open_db();
    as_coupon_redemption r;
    const char *c = issue(db, "U1", "five", "2026-10-01T10:00:00+08:00");
    char code[17];
    snprintf(code, sizeof code, "%s", c);
    const char *ok_at = "2026-10-02T10:00:00+08:00";
    struct {
        as_coupon_tx t;
        const char *why;
    } bad[] = {
        {pay("T1", "U2", "S1", "92", 40000, 30000, ok_at), "belongs to another user"},
        {pay("T1", "U1", "S1", "92", 40000, 9999, ok_at), "at least 10000 fen"},
        {pay("T1", "U1", "S1", "92", 40000, 30000, "2026-09-30"), "expired"},   /* issued later */
        {pay("T1", "U1", "S1", "92", 40000, 30000, "2026-10-08T10:00:00+08:00"), "expired"},
    };
    /* before its issue it was not valid yet: the coupon reads as issued
     * now, and the payment's time is before valid_from */
    bad[2].why = "is valid from";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(redeem(db, code, bad[i].t, &r), AS_INVALID, "case %zu", i);
        cr_assert(strstr(as_errmsg(db), bad[i].why), "case %zu: %s", i, as_errmsg(db));
        cr_assert_eq(r.discount_fen, 0);
    }
    /* malformed payments */
    as_coupon_tx t = pay("T 1", "U1", "S1", "92", 40000, 30000, ok_at);
    cr_assert_eq(redeem(db, code, t, &r), AS_INVALID);
    t = pay("T1", "U1", "S1", "91", 40000, 30000, ok_at);
    cr_assert_eq(redeem(db, code, t, &r), AS_INVALID);
    t = pay("T1", "U1", "S1", "92", 0, 30000, ok_at);
    cr_assert_eq(redeem(db, code, t, &r), AS_INVALID);
    t = pay("T1", "U1", "S1", "92", 40000, -1, ok_at);
    cr_assert_eq(redeem(db, code, t, &r), AS_INVALID);
    t = pay("T1", "U1", "S1", "92", 40000, 30000, ok_at);
    t.region = "5301";
    cr_assert_eq(redeem(db, code, t, &r), AS_INVALID);
    t.version = 7;
    cr_assert_eq(redeem(db, code, t, &r), AS_MISUSE);
    cr_assert_eq(redeem(db, "0000000000000000", pay("T1", "U1", "S1", "92", 40000, 30000, ok_at),
                        &r), AS_NOTFOUND);
    /* the last second of its validity is good */
    cr_assert_eq(redeem(db, code, pay("T1", "U1", "S1", "92", 40000, 30000,
                                      "2026-10-08T09:59:59+08:00"), &r), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(r.discount_fen, 500);
    cr_assert_eq(r.pay_fen, 29500);
    cr_assert_not(r.replay);
    /* again for the same payment: a replay; for another: refused */
    cr_assert_eq(redeem(db, code, pay("T1", "U1", "S1", "92", 40000, 30000, ok_at), &r), AS_OK);
    cr_assert(r.replay);
    cr_assert_eq(r.discount_fen, 500);
    cr_assert_eq(r.pay_fen, 29500);
    cr_assert_eq(redeem(db, code, pay("T2", "U1", "S1", "92", 40000, 30000, ok_at), &r),
                 AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "already redeemed"), "%s", as_errmsg(db));
    cr_assert_eq(th_count("SELECT count(*) FROM coupon_events WHERE event = 'redeemed'"), 1);
    close_db(db);
}

Test(coupon, discounts_per_litre_capped_and_never_above_the_payment)
{
    as_db *db = open_db();
    as_coupon_redemption r;
    const char *at = "2026-10-02";
    char code[17];
    snprintf(code, sizeof code, "%s", issue(db, "U1", "litre", "2026-10-01"));
    /* 92 is not one of its grades */
    cr_assert_eq(redeem(db, code, pay("T1", "U1", "S1", "92", 40000, 30000, at), &r), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "not good for grade 92"), "%s", as_errmsg(db));
    /* 0.30 yuan a litre of 33.333 L is 999 fen (rounded down) */
    cr_assert_eq(redeem(db, code, pay("T1", "U1", "S1", "95", 33333, 30000, at), &r), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(r.discount_fen, 999);
    /* capped at 1000 fen */
    snprintf(code, sizeof code, "%s", issue(db, "U1", "litre", "2026-10-01"));
    cr_assert_eq(redeem(db, code, pay("T2", "U1", "S1", "98", 60000, 50000, at), &r), AS_OK);
    cr_assert_eq(r.discount_fen, 1000);
    /* never more than the payment */
    snprintf(code, sizeof code, "%s", issue(db, "U1", "stack", "2026-10-01"));
    cr_assert_eq(redeem(db, code, pay("T3", "U1", "S1", "92", 100, 60, at), &r), AS_OK);
    cr_assert_eq(r.discount_fen, 60);
    cr_assert_eq(r.pay_fen, 0);
    close_db(db);
}

Test(coupon, stations_and_regions)
{
    as_db *db = open_db();
    as_coupon_redemption r;
    const char *at = "2026-10-02";
    char code[17];
    snprintf(code, sizeof code, "%s", issue(db, "U1", "yunnan", "2026-10-01"));
    cr_assert_eq(redeem(db, code, pay("T1", "U1", "S3", "92", 40000, 30000, at), &r), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "not good at station S3"), "%s", as_errmsg(db));
    as_coupon_tx t = pay("T1", "U1", "S2", "92", 40000, 30000, at);
    t.region = "110105";
    cr_assert_eq(redeem(db, code, t, &r), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "not good in region 110105"), "%s", as_errmsg(db));
    t.region = NULL;
    cr_assert_eq(redeem(db, code, t, &r), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "names no region"), "%s", as_errmsg(db));
    t.region = "530111";
    cr_assert_eq(redeem(db, code, t, &r), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r.discount_fen, 300);
    /* bound at issue to one station and grade */
    as_coupon_issue_options o = AS_COUPON_ISSUE_OPTIONS_INIT;
    o.at = th_time("2026-10-01");
    o.station_id = "S9";
    o.grade = "95";
    char *bound = NULL;
    cr_assert_eq(as_coupon_issue(db, "U1", "five", &o, &bound, NULL), AS_OK);
    cr_assert_eq(redeem(db, bound, pay("T2", "U1", "S1", "95", 40000, 30000, at), &r), AS_INVALID);
    cr_assert_eq(redeem(db, bound, pay("T2", "U1", "S9", "92", 40000, 30000, at), &r), AS_INVALID);
    cr_assert_eq(redeem(db, bound, pay("T2", "U1", "S9", "95", 40000, 30000, at), &r), AS_OK);
    as_free(bound);
    close_db(db);
}

Test(coupon, coupons_that_do_not_stack_go_alone)
{
    as_db *db = open_db();
    as_coupon_redemption r;
    const char *at = "2026-10-02";
    char alone[17], s1[17], s2[17], alone2[17];
    snprintf(alone, sizeof alone, "%s", issue(db, "U1", "five", "2026-10-01"));
    snprintf(alone2, sizeof alone2, "%s", issue(db, "U1", "five", "2026-10-01"));
    snprintf(s1, sizeof s1, "%s", issue(db, "U1", "stack", "2026-10-01"));
    snprintf(s2, sizeof s2, "%s", issue(db, "U1", "litre", "2026-10-01"));
    /* two stackable ones in one payment */
    cr_assert_eq(redeem(db, s1, pay("T1", "U1", "S1", "95", 40000, 30000, at), &r), AS_OK);
    cr_assert_eq(redeem(db, s2, pay("T1", "U1", "S1", "95", 40000, 30000, at), &r), AS_OK,
                 "%s", as_errmsg(db));
    /* one that does not stack cannot join them */
    cr_assert_eq(redeem(db, alone, pay("T1", "U1", "S1", "95", 40000, 30000, at), &r),
                 AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "does not combine"), "%s", as_errmsg(db));
    /* nor can anything join one that does not stack */
    cr_assert_eq(redeem(db, alone, pay("T2", "U1", "S1", "95", 40000, 30000, at), &r), AS_OK);
    cr_assert_eq(redeem(db, alone2, pay("T2", "U1", "S1", "95", 40000, 30000, at), &r),
                 AS_INVALID);
    close_db(db);
}

Test(coupon, void_and_expire)
{
    as_db *db = open_db();
    as_coupon_redemption r;
    char a[17], b[17], c[17];
    snprintf(a, sizeof a, "%s", issue(db, "U1", "five", "2026-10-01T10:00:00+08:00"));
    snprintf(b, sizeof b, "%s", issue(db, "U1", "five", "2026-10-01T10:00:00+08:00"));
    snprintf(c, sizeof c, "%s", issue(db, "U1", "five", "2026-10-05T10:00:00+08:00"));
    cr_assert_eq(as_coupon_void(db, a, "  ", 0), AS_INVALID);
    cr_assert_eq(as_coupon_void(db, "0000000000000000", "x", 0), AS_NOTFOUND);
    cr_assert_eq(as_coupon_void(db, a, "发错了", th_time("2026-10-02")), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(as_coupon_void(db, a, "again", th_time("2026-10-02")), AS_INVALID);
    cr_assert_eq(redeem(db, a, pay("T1", "U1", "S1", "92", 40000, 30000, "2026-10-03"), &r),
                 AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "voided: 发错了"), "%s", as_errmsg(db));
    /* an expired coupon cannot be voided, even before the sweep */
    cr_assert_eq(as_coupon_void(db, b, "late", th_time("2026-10-09")), AS_INVALID);
    /* the sweep: b (expires 10-08 10:00) at its expiry exactly; c not yet */
    uint64_t n = 9;
    cr_assert_eq(as_coupon_expire(db, th_time("2026-10-08T09:59:59+08:00"), &n), AS_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(as_coupon_expire(db, th_time("2026-10-08T10:00:00+08:00"), &n), AS_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(as_coupon_expire(db, th_time("2026-10-08T10:00:00+08:00"), &n), AS_OK);
    cr_assert_eq(n, 0);
    as_coupon *cp = NULL;
    cr_assert_eq(as_coupon_get(&cp, db, b, 0), AS_OK);
    cr_assert_eq(cp->status, AS_COUPON_EXPIRED);
    cr_assert_eq(cp->nevents, 2);
    cr_assert_eq(cp->events[1].event, AS_COUPON_EXPIRED);
    cr_assert_eq(cp->events[1].at, th_time("2026-10-08T10:00:00+08:00"));
    as_coupon_free(cp);
    /* the events cannot be changed */
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(th_path, &raw), SQLITE_OK);
    cr_assert_neq(sqlite3_exec(raw, "UPDATE coupon_events SET at = 0", NULL, NULL, NULL),
                  SQLITE_OK);
    sqlite3_close(raw);
    close_db(db);
}

Test(coupon, read_as_of_a_time)
{
    as_db *db = open_db();
    as_coupon_redemption r;
    char a[17], b[17];
    snprintf(a, sizeof a, "%s", issue(db, "U1", "five", "2026-10-01T10:00:00+08:00"));
    snprintf(b, sizeof b, "%s", issue(db, "U1", "stack", "2026-10-03T10:00:00+08:00"));
    cr_assert_eq(redeem(db, a, pay("T1", "U1", "S1", "92", 40000, 30000,
                                   "2026-10-04T10:00:00+08:00"), &r), AS_OK);
    as_coupon *cp = NULL;
    /* before its issue: not there */
    cr_assert_eq(as_coupon_get(&cp, db, a, th_time("2026-09-30")), AS_NOTFOUND);
    /* before the redemption: issued, one event, no payment */
    cr_assert_eq(as_coupon_get(&cp, db, a, th_time("2026-10-02")), AS_OK);
    cr_assert_eq(cp->status, AS_COUPON_ISSUED);
    cr_assert_eq(cp->nevents, 1);
    cr_assert_null(cp->redeemed_tx);
    cr_assert_eq(cp->changed_at, 0);
    as_coupon_free(cp);
    /* after */
    cr_assert_eq(as_coupon_get(&cp, db, a, th_time("2026-10-05")), AS_OK);
    cr_assert_eq(cp->status, AS_COUPON_REDEEMED);
    cr_assert_str_eq(cp->redeemed_tx, "T1");
    cr_assert_eq(cp->discount_fen, 500);
    cr_assert_eq(cp->nevents, 2);
    cr_assert_str_eq(cp->events[1].tx_id, "T1");
    cr_assert_eq(cp->events[1].amount_fen, 30000);
    as_coupon_free(cp);
    /* an issued coupon past its expiry reads as expired without a sweep */
    cr_assert_eq(as_coupon_get(&cp, db, b, th_time("2026-10-20")), AS_OK);
    cr_assert_eq(cp->status, AS_COUPON_EXPIRED);
    cr_assert_eq(cp->changed_at, cp->expires_at);
    as_coupon_free(cp);
    /* lists */
    as_coupon_query q = AS_COUPON_QUERY_INIT;
    q.user_id = "U1";
    q.at = th_time("2026-10-02");
    as_coupon_iter *it;
    const as_coupon *v;
    cr_assert_eq(as_coupon_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_coupon_next(it, &v), AS_OK);
    cr_assert_str_eq(v->code, a);
    cr_assert_eq(as_coupon_next(it, &v), AS_DONE);
    as_coupon_iter_free(it);
    q.at = th_time("2026-10-05");
    q.statuses = 1u << AS_COUPON_ISSUED;
    cr_assert_eq(as_coupon_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_coupon_next(it, &v), AS_OK);
    cr_assert_str_eq(v->code, b);
    cr_assert_eq(as_coupon_next(it, &v), AS_DONE);
    as_coupon_iter_free(it);
    q.user_id = "nobody";
    cr_assert_eq(as_coupon_iter_new(&it, db, &q), AS_NOTFOUND);
    q.user_id = NULL;
    q.statuses = 1u << 9;
    cr_assert_eq(as_coupon_iter_new(&it, db, &q), AS_MISUSE);
    close_db(db);
}

Test(coupon, erasure_withdraws_coupons_held)
{
    as_db *db = open_db();
    as_coupon_redemption r;
    char a[17], b[17];
    snprintf(a, sizeof a, "%s", issue(db, "U1", "five", "2026-10-01T10:00:00+08:00"));
    snprintf(b, sizeof b, "%s", issue(db, "U1", "five", "2026-10-01T10:00:00+08:00"));
    cr_assert_eq(redeem(db, a, pay("T1", "U1", "S1", "92", 40000, 30000, "2026-10-02"), &r),
                 AS_OK);
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE status = 'voided'"
                          " AND reason = 'user erased'"), 1);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE status = 'redeemed'"), 1);
    cr_assert_eq(th_count("SELECT count(*) FROM coupon_events WHERE event = 'voided'"), 1);
    close_db(db);
}

/* The refuel reminder issues the coupon it announces; a dry run and a
 * rerun issue nothing; the coupon is redeemable by the payload's code. */
Test(coupon, the_refuel_reminder_issues_its_coupon)
{
    as_config *cfg = th_config("reminders:\n"
                               "  refuel_coupon: {title: t, message: '{expected_date}'}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "A,U1,S1,2026-10-01T09:00:00+08:00,95,40,300\n"
                       "B,U1,S1,2026-10-08T09:00:00+08:00,95,40,300\n"
                       "C,U1,S1,2026-10-15T09:00:00+08:00,95,40,300\n"
                       "D,U1,S1,2026-10-22T09:00:00+08:00,95,40,300\n");
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-10-28T12:00:00+08:00");
    o.flags = AS_REMIND_DRY_RUN;
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.coupons, 1);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons"), 0);
    o.flags = 0;
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.coupons, 1);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE source = 'reminder'"
                          " AND stations = '[\"S1\"]' AND grades = '[\"95\"]'"
                          " AND source_key = (SELECT dedupe_key FROM outbox)"
                          " AND code = (SELECT json_extract(payload, '$.coupon_code') FROM outbox)"),
                 1);
    /* good to the end of the expected day at least (10-29), here the
     * template's 3 days from the run */
    cr_assert_eq(th_count("SELECT expires_at FROM coupons"), th_time("2026-10-31T12:00:00+08:00"));
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK);
    cr_assert_eq(s.coupons, 0);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons"), 1);
    /* the outbox row lost (not something the library does): the run makes
     * the notification again with the same coupon, not a second one */
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(th_path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, "DELETE FROM outbox", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(th_count("SELECT count(*) FROM coupons"), 1);
    cr_assert_eq(th_count("SELECT count(*) FROM coupon_events"), 1);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox o JOIN coupons c"
                          " ON c.code = json_extract(o.payload, '$.coupon_code')"), 1);
    /* redeemable by the code at S1 for 95 */
    char *code = NULL;
    {
        sqlite3 *c = NULL;
        sqlite3_stmt *st = NULL;
        cr_assert_eq(sqlite3_open(th_path, &c), SQLITE_OK);
        cr_assert_eq(sqlite3_prepare_v2(c, "SELECT code FROM coupons", -1, &st, NULL), SQLITE_OK);
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        code = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(c);
    }
    as_coupon_redemption r;
    cr_assert_eq(redeem(db, code, pay("T9", "U1", "S1", "95", 40000, 30000,
                                      "2026-10-29T08:00:00+08:00"), &r), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(r.discount_fen, 500);
    free(code);
    as_close(db);
    as_config_free(cfg);
}

/* With coupon: none the rule issues nothing and still writes. */
Test(coupon, a_rule_without_a_coupon)
{
    as_config *cfg = th_config("reminders:\n"
                               "  refuel_coupon: {title: t, message: m, coupon: none}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "A,U1,S1,2026-10-01T09:00:00+08:00,95,40,300\n"
                       "B,U1,S1,2026-10-08T09:00:00+08:00,95,40,300\n"
                       "C,U1,S1,2026-10-15T09:00:00+08:00,95,40,300\n"
                       "D,U1,S1,2026-10-22T09:00:00+08:00,95,40,300\n");
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-10-28T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_REFUEL_COUPON], 1);
    cr_assert_eq(s.coupons, 0);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons"), 0);
    cr_assert_eq(th_count("SELECT json_extract(payload, '$.coupon_code') IS NULL FROM outbox"), 1);
    as_close(db);
    as_config_free(cfg);
}

/* ---- tier benefits ------------------------------------------------------ */

static const char tiers_yaml[] =
    "coupons:\n"
    "  templates:\n"
    "    - {id: refuel_cycle, name: 加油券, value_fen: 500, valid: 3d}\n"
    "    - {id: m5, name: 月度5元, value_fen: 500, valid: 30d}\n"
    "    - {id: m10, name: 月度10元, value_fen: 1000, valid: 30d}\n"
    "tiers:\n"
    "  levels:\n"
    "    - {name: 普通, min: 0}\n"
    "    - {name: 银卡, min: 1000, grants: [{coupon: m5}]}\n"
    "    - {name: 金卡, min: 5000, grants: [{coupon: m10, count: 2}]}\n";

static as_benefits_stats run_benefits(as_db *db, const char *at, unsigned flags)
{
    as_benefits_options o = AS_BENEFITS_OPTIONS_INIT;
    o.at = th_time(at);
    o.flags = flags;
    as_benefits_stats s;
    cr_assert_eq(as_benefits_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    return s;
}

Test(coupon, tiers_grant_their_coupons_once_a_month)
{
    as_config *cfg = th_config(tiers_yaml);
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    th_add_user(db, "U3", 1, NULL);
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "A,U1,S1,2026-10-01T09:00:00+08:00,92,40,2000\n"    /* 银卡 */
                       "B,U2,S1,2026-10-01T09:00:00+08:00,92,40,6000\n"    /* 金卡 */
                       "C,U3,S1,2026-10-01T09:00:00+08:00,92,40,100\n");   /* 普通 */
    as_benefits_stats s = run_benefits(db, "2026-11-03T10:00:00+08:00", AS_BENEFITS_DRY_RUN);
    cr_assert_eq(s.issued, 3);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons"), 0);
    s = run_benefits(db, "2026-11-03T10:00:00+08:00", 0);
    cr_assert_str_eq(s.month, "2026-11");
    cr_assert_eq(s.users, 2);
    cr_assert_eq(s.issued, 3);
    cr_assert_eq(s.duplicates, 0);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE user_id = 'U2' AND template = 'm10'"
                          " AND source = 'benefit'"), 2);
    cr_assert_eq(th_count("SELECT count(*) FROM coupon_events WHERE event = 'issued'"), 3);
    /* again in the month: nothing */
    s = run_benefits(db, "2026-11-30T23:59:59+08:00", 0);
    cr_assert_eq(s.issued, 0);
    cr_assert_eq(s.duplicates, 3);
    /* U1 moves up to 金卡 in November: the gold grants too, the silver kept */
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "D,U1,S1,2026-11-10T09:00:00+08:00,92,40,4000\n");
    s = run_benefits(db, "2026-11-11T10:00:00+08:00", 0);
    cr_assert_eq(s.issued, 2);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE user_id = 'U1'"), 3);
    /* a new month: grants again; an erased user gets none */
    cr_assert_eq(as_user_forget(db, "U2"), AS_OK);
    s = run_benefits(db, "2026-12-01T00:00:00+08:00", 0);
    cr_assert_str_eq(s.month, "2026-12");
    cr_assert_eq(s.users, 1);
    cr_assert_eq(s.issued, 2);
    /* the month is the business zone's: 2026-11-30T16:30Z is December there */
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE source_key LIKE 'benefit:U1:2026-12:%'"),
                 2);
    /* a year later U1's spend in the last 12 months fell: 普通, nothing */
    s = run_benefits(db, "2027-12-15", 0);
    cr_assert_eq(s.users, 0);
    cr_assert_eq(s.issued, 0);
    as_benefits_options o = AS_BENEFITS_OPTIONS_INIT;
    o.flags = 0x80;
    cr_assert_eq(as_benefits_run(db, &o, NULL), AS_MISUSE);
    o = (as_benefits_options)AS_BENEFITS_OPTIONS_INIT;
    o.version = 0;
    cr_assert_eq(as_benefits_run(db, &o, NULL), AS_MISUSE);
    as_close(db);
    as_config_free(cfg);
}

Test(coupon, grants_name_templates_that_exist)
{
    config_fails("coupons: {templates: [{id: refuel_cycle, name: x, value_fen: 1, valid: 1d}]}\n"
                 "tiers:\n  levels:\n    - {name: a, min: 0, grants: [{coupon: nope}]}\n",
                 "t.yaml:4:43: tier 'a' grants coupon template 'nope', which the coupons"
                 " section lacks");
    config_fails("tiers:\n  levels:\n    - {name: a, min: 0, grants: [{coupon: monthly_5, count: 0}]}\n",
                 "t.yaml:3:61: 0 is out of range (1 to 100)");
    config_fails("tiers:\n  levels:\n    - {name: a, min: 0, grants: {coupon: monthly_5}}\n",
                 "grants must be a list");
    config_fails("tiers:\n  levels:\n    - {name: a, min: 0, grants: [{count: 2}]}\n",
                 "a grant needs a coupon");
}

/* ---- partner offers ------------------------------------------------------- */

static const char partners_yaml[] =
    "coupons:\n"
    "  templates:\n"
    "    - {id: refuel_cycle, name: 加油券, value_fen: 500, valid: 3d}\n"
    "    - {id: monthly_5, name: 月度5元, value_fen: 500, valid: 30d}\n"
    "    - {id: monthly_10, name: 月度10元, value_fen: 1000, valid: 30d}\n"
    "    - {id: wm10, name: 沃尔玛满50减10, value_fen: 1000, min_spend_fen: 5000, valid: 7d}\n"
    "    - {id: wash, name: 洗车立减15, value_fen: 1500, valid: 7d}\n"
    "partners:\n"
    "  - id: wm\n"
    "    name: 沃尔玛\n"
    "    kind: supermarket\n"
    "    monthly_budget: 3\n"
    "    offers:\n"
    "      - {id: wm-fuel, coupon: wm10, stations: [S1, S2], min_spend_fen: 20000, daily_cap: 1}\n"
    "  - id: cw\n"
    "    name: 洗车行\n"
    "    kind: car_wash\n"
    "    offers:\n"
    "      - {id: cw-any, coupon: wash, daily_cap: 2}\n";

Test(coupon, partner_offers_follow_their_rules)
{
    as_config *cfg = th_config(partners_yaml);
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    th_add_user(db, "U3", 1, NULL);
    const char *csv =
        "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
        "A,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n"   /* wm + cw */
        "B,U1,S1,2026-10-01T12:00:00+08:00,92,40,300\n"   /* wm capped (1 a day); cw 2nd */
        "C,U1,S3,2026-10-01T15:00:00+08:00,92,40,300\n"   /* not a wm station; cw capped */
        "D,U2,S2,2026-10-01T09:00:00+08:00,92,40,100\n"   /* under wm's 200; cw */
        "E,U2,S2,2026-10-02T09:00:00+08:00,92,40,250\n"   /* wm (2nd of the budget) + cw */
        "F,U3,S1,2026-10-03T09:00:00+08:00,92,40,250\n"   /* wm (3rd) + cw */
        "G,U1,S1,2026-10-04T09:00:00+08:00,92,40,250\n"   /* wm over budget; cw */
        "H,U9,S1,2026-10-04T09:00:00+08:00,92,40,250\n";  /* not registered: nothing */
    th_fuel_import(db, csv);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE partner = 'wm'"), 3);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE partner = 'cw'"), 6);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE origin_tx = 'C'"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE user_id = 'U9'"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE origin_tx = 'A' AND issued_at ="
                          " (SELECT filled_at FROM fuelings WHERE tx_id = 'A')"), 2);
    /* the same file again: nothing new */
    th_fuel_import(db, csv);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons"), 9);
    /* a run over the window finds them all issued */
    as_partner_run_options o = AS_PARTNER_RUN_OPTIONS_INIT;
    o.from = th_time("2026-09-30");
    o.to = th_time("2026-10-05");
    as_partner_run_stats s;
    cr_assert_eq(as_partner_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.issued, 0);
    cr_assert_eq(s.duplicates, 9);
    cr_assert_eq(s.capped, 2);        /* B at wm, C at cw */
    cr_assert_eq(s.over_budget, 1);   /* G at wm */
    o.from = o.to;
    cr_assert_eq(as_partner_run(db, &o, &s), AS_INVALID);

    /* the partner redeems; a fuel payment cannot */
    char *code = NULL;
    {
        sqlite3 *c = NULL;
        sqlite3_stmt *st = NULL;
        cr_assert_eq(sqlite3_open(th_path, &c), SQLITE_OK);
        cr_assert_eq(sqlite3_prepare_v2(c, "SELECT code FROM coupons WHERE partner = 'wm'"
                                           " AND origin_tx = 'A'", -1, &st, NULL), SQLITE_OK);
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        code = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(c);
    }
    as_coupon_redemption r;
    cr_assert_eq(redeem(db, code, pay("P1", "U1", "S1", "92", 40000, 30000, "2026-10-02"), &r),
                 AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "the partner redeems it"), "%s", as_errmsg(db));
    cr_assert_eq(as_partner_redeem(db, "cw", code, "R1", 6000, th_time("2026-10-02"), &r),
                 AS_INVALID);
    cr_assert_eq(as_partner_redeem(db, "nobody", code, "R1", 6000, th_time("2026-10-02"), &r),
                 AS_NOTFOUND);
    cr_assert_eq(as_partner_redeem(db, "wm", code, "R1", 4999, th_time("2026-10-02"), &r),
                 AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "purchase of at least 5000"), "%s", as_errmsg(db));
    cr_assert_eq(as_partner_redeem(db, "wm", code, "R1", 6000, th_time("2026-10-02"), &r), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(r.discount_fen, 1000);
    cr_assert_eq(r.pay_fen, 5000);
    cr_assert_eq(as_partner_redeem(db, "wm", code, "R1", 6000, th_time("2026-10-02"), &r), AS_OK);
    cr_assert(r.replay);
    cr_assert_eq(as_partner_redeem(db, "wm", code, "R2", 6000, th_time("2026-10-02"), &r),
                 AS_INVALID);
    free(code);

    /* the report: per partner and station of the earning fill-up */
    as_partner_report_iter *it;
    const as_partner_report_row *row;
    cr_assert_eq(as_partner_report_iter_new(&it, db, th_time("2026-10-01"), th_time("2026-10-05")),
                 AS_OK);
    int rows = 0;
    while (as_partner_report_next(it, &row) == AS_OK) {
        rows++;
        if (strcmp(row->partner, "wm") == 0 && strcmp(row->station_id, "S1") == 0) {
            cr_assert_eq(row->issued, 2);   /* A and F */
            cr_assert_eq(row->redeemed, 1);
            cr_assert_eq(row->redeemed_value_fen, 1000);
        }
    }
    as_partner_report_iter_free(it);
    cr_assert_eq(rows, 4);   /* wm S1, wm S2, cw S1, cw S2 (C at S3 was capped) */
    cr_assert_eq(as_partner_report_iter_new(&it, db, 5, 5), AS_INVALID);
    as_close(db);
    as_config_free(cfg);
}

Test(coupon, partners_are_checked)
{
    config_fails("partners:\n  - {id: a, name: x, offers: [{id: o, coupon: nope}]}\n",
                 "t.yaml:2:47: offer 'o' issues coupon template 'nope', which the coupons"
                 " section lacks");
    config_fails("partners:\n  - {id: a, name: x, offers: [{id: o, coupon: refuel_cycle}]}\n"
                 "  - {id: b, name: y, offers: [{id: o, coupon: refuel_cycle}]}\n",
                 "offer 'o' is defined twice");
    config_fails("partners:\n  - {id: a, name: x, kind: bank}\n", "partner kind 'bank'");
    config_fails("partners:\n  - {id: a, name: x}\n  - {id: a, name: y}\n",
                 "partner 'a' is defined twice");
    config_fails("partners:\n  - {id: a, name: x, offers: [{id: o, coupon: refuel_cycle,"
                 " daily_cap: 0}]}\n", "0 is out of range (1 to 100)");
    config_fails("partners: {a: 1}\n", "partners must be a list");
    config_fails("partners:\n  - {id: a}\n", "a partner needs an id and a name");
}

/* ---- settling a payment: coupons, then the plan ------------------------------ */

Test(coupon, a_payment_takes_coupons_then_the_plan_once)
{
    as_config *cfg = th_config("coupons:\n"
                               "  templates:\n"
                               "    - {id: refuel_cycle, name: 加油券, value_fen: 500, valid: 3d}\n"
                               "    - {id: monthly_5, name: 月度5元, value_fen: 500, valid: 30d}\n"
                               "    - {id: monthly_10, name: 月度10元, value_fen: 1000, valid: 30d}\n"
                               "    - {id: big, name: 大额, value_fen: 29000, valid: 3d,"
                               " stackable: true}\n"
                               "    - {id: one, name: 一元, value_fen: 100, valid: 3d,"
                               " stackable: true}\n"
                               "packages:\n"
                               "  plans:\n"
                               "    - {id: p, name: 计划, monthly_fee_yuan: 30,"
                               " discount_per_litre_yuan: 0.5, max_discount_per_month_yuan: 25}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    cr_assert_eq(as_package_subscribe(db, "U1", "p", th_time("2026-10-01"), NULL), AS_OK, "%s",
                 as_errmsg(db));
    char a[17], b[17], c[17];
    snprintf(a, sizeof a, "%s", issue(db, "U1", "refuel_cycle", "2026-10-01T10:00:00+08:00"));
    snprintf(b, sizeof b, "%s", issue(db, "U1", "big", "2026-10-01T10:00:00+08:00"));
    snprintf(c, sizeof c, "%s", issue(db, "U1", "one", "2026-10-01T10:00:00+08:00"));
    as_coupon_tx t = pay("T1", "U1", "S1", "92", 40000, 30000, "2026-10-02");
    const char *codes[] = {a};
    as_payment pm;
    cr_assert_eq(as_payment_settle(db, &t, codes, 1, &pm), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(pm.coupons_fen, 500);
    cr_assert_eq(pm.plan_fen, 2000);   /* 0.50 x 40 L on what the coupon left */
    cr_assert_eq(pm.pay_fen, 27500);
    cr_assert_str_eq(pm.plan_id, "p");
    cr_assert_str_eq(pm.code[0], a);
    cr_assert_not(pm.replay);
    /* again: a replay, nothing counted twice */
    cr_assert_eq(as_payment_settle(db, &t, codes, 1, &pm), AS_OK, "%s", as_errmsg(db));
    cr_assert(pm.replay);
    cr_assert_eq(pm.plan_fen, 2000);
    cr_assert_eq(th_count("SELECT count(*) FROM package_discounts"), 1);
    /* the month's cap (25 yuan): 5 yuan left of it */
    as_coupon_tx t2 = pay("T2", "U1", "S1", "92", 40000, 30000, "2026-10-03");
    cr_assert_eq(as_payment_settle(db, &t2, NULL, 0, &pm), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(pm.plan_fen, 500);
    cr_assert_eq(pm.pay_fen, 29500);
    /* a refused coupon refuses the whole payment: the plan records nothing */
    as_coupon_tx t3 = pay("T3", "U1", "S1", "92", 40000, 30000, "2026-11-05");
    const char *twice[] = {c, a};   /* a was redeemed by T1 */
    cr_assert_eq(as_payment_settle(db, &t3, twice, 2, &pm), AS_INVALID);
    cr_assert_eq(th_count("SELECT count(*) FROM package_discounts WHERE tx_id = 'T3'"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM coupons WHERE status = 'redeemed'"), 1);
    /* two stackable coupons: the second against what the first left */
    const char *both[] = {b, c};
    as_coupon_tx t4 = pay("T4", "U1", "S1", "92", 40000, 29050, "2026-10-03");
    cr_assert_eq(as_payment_settle(db, &t4, both, 2, &pm), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(pm.coupon_fen[0], 29000);
    cr_assert_eq(pm.coupon_fen[1], 50);    /* never more than what was left */
    cr_assert_eq(pm.plan_fen, 0);          /* nothing left for the plan */
    cr_assert_eq(pm.pay_fen, 0);
    const char *many[9] = {a, a, a, a, a, a, a, a, a};
    cr_assert_eq(as_payment_settle(db, &t4, many, 9, &pm), AS_INVALID);
    t4.version = 2;
    cr_assert_eq(as_payment_settle(db, &t4, NULL, 0, &pm), AS_MISUSE);
    as_close(db);
    as_config_free(cfg);
}

/* Coupons redeemed one by one for one payment never take more than it,
 * and must name the payment's one amount; a payment id reused by another
 * user is not a replay of its plan discount. */
Test(coupon, one_payment_one_amount_never_more_off)
{
    as_config *cfg = th_config("coupons:\n"
                               "  templates:\n"
                               "    - {id: refuel_cycle, name: 加油券, value_fen: 500, valid: 3d}\n"
                               "    - {id: monthly_5, name: 月度5元, value_fen: 500, valid: 30d}\n"
                               "    - {id: monthly_10, name: 月度10元, value_fen: 1000, valid: 30d}\n"
                               "    - {id: big, name: 大额, value_fen: 30000, valid: 3d,"
                               " stackable: true}\n"
                               "packages:\n"
                               "  plans:\n"
                               "    - {id: p, name: 计划, monthly_fee_yuan: 30,"
                               " discount_per_litre_yuan: 0.5}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    char a[17], b[17], c[17];
    snprintf(a, sizeof a, "%s", issue(db, "U1", "big", "2026-10-01T10:00:00+08:00"));
    snprintf(b, sizeof b, "%s", issue(db, "U1", "big", "2026-10-01T10:00:00+08:00"));
    snprintf(c, sizeof c, "%s", issue(db, "U1", "big", "2026-10-01T10:00:00+08:00"));
    as_coupon_redemption r;
    cr_assert_eq(redeem(db, a, pay("P1", "U1", "S1", "92", 40000, 40000, "2026-10-02"), &r), AS_OK);
    cr_assert_eq(r.discount_fen, 30000);
    cr_assert_eq(redeem(db, b, pay("P1", "U1", "S1", "92", 40000, 39000, "2026-10-02"), &r),
                 AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "was 40000 fen"), "%s", as_errmsg(db));
    cr_assert_eq(redeem(db, b, pay("P1", "U1", "S1", "92", 40000, 40000, "2026-10-02"), &r), AS_OK);
    cr_assert_eq(r.discount_fen, 10000);   /* what the first left */
    cr_assert_eq(r.pay_fen, 30000);
    cr_assert_eq(redeem(db, c, pay("P1", "U1", "S1", "92", 40000, 40000, "2026-10-02"), &r), AS_OK);
    cr_assert_eq(r.discount_fen, 0);
    cr_assert_eq(th_count("SELECT sum(discount_fen) FROM coupons WHERE redeemed_tx = 'P1'"), 40000);
    /* the plan's discount of one user's payment is no replay for another */
    cr_assert_eq(as_package_subscribe(db, "U1", "p", th_time("2026-10-01"), NULL), AS_OK);
    as_payment pm;
    as_coupon_tx t = pay("Q1", "U1", "S1", "92", 40000, 30000, "2026-10-03");
    cr_assert_eq(as_payment_settle(db, &t, NULL, 0, &pm), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(pm.plan_fen, 2000);
    t = pay("Q1", "U2", "S9", "95", 10000, 8000, "2026-10-03");
    cr_assert_eq(as_payment_settle(db, &t, NULL, 0, &pm), AS_INVALID);
    cr_assert_eq(pm.plan_fen, 0);
    as_close(db);
    as_config_free(cfg);
}
