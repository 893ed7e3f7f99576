/* test_outbox.c - the outbox through the C API: quiet hours and the cap
 * as the notifications are written, the lease, ack and fail, dead letters,
 * typed payloads (times as ISO text, also in rows written the 0.1 way),
 * the pull iterator's options and the status enum. */
#include "helpers.h"
#include "outbox.h"

TestSuite(outbox, .fini = th_cleanup);

/* Lease with as_outbox_pull_iter_new(). */
static as_status pull(as_outbox_iter **it, as_db *db, int64_t now, int64_t limit, int64_t lease)
{
    as_outbox_pull_options o = AS_OUTBOX_PULL_OPTIONS_INIT;
    o.now = now;
    o.limit = limit;
    o.lease_s = lease;
    return as_outbox_pull_iter_new(it, db, &o);
}

/* The payload member name of v, or NULL. */
static const as_field *field(const as_outbox_item *v, const char *name)
{
    for (size_t i = 0; i < v->npayload; i++)
        if (strcmp(v->payload[i].name, name) == 0)
            return &v->payload[i];
    return NULL;
}

/* Run SQL through a second connection. */
static void raw_sql(const char *sql)
{
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open_v2(th_path, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(c));
    sqlite3_close(c);
}

Test(outbox, quiet_hours_cap_and_lease)
{
    as_config *cfg = th_config("reminders:\n  cap: {count: 1, per: 7d}\n"
                            "  maintenance: {title: t, message: m}\n"
                            "  tips: {title: t, every: 1d, messages: ['{name}']}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, "22:00-07:30");
    cr_assert_eq(as_vehicle_add(db, "U1", "云A11111", NULL, NULL), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A11111", 1000, th_time("2026-01-01"), 0), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A11111", 9000, th_time("2026-01-20"), 0), AS_OK);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-01-20T23:15:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    /* maintenance (service) beats the tip (marketing) under a cap of 1 */
    cr_assert_eq(s.written[AS_REMIND_MAINTENANCE], 1);
    cr_assert_eq(s.held_back[AS_REMIND_TIP], 1);
    cr_assert_eq(s.deferred[AS_REMIND_MAINTENANCE], 1);
    as_outbox_iter *it;
    const as_outbox_item *v;
    /* deferred across midnight to 07:30 */
    cr_assert_eq(pull(&it, db, th_time("2026-01-21T07:29:59+08:00"), 10, 60), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_DONE);
    as_outbox_iter_free(it);
    cr_assert_eq(pull(&it, db, th_time("2026-01-21T07:30:00+08:00"), 10, 60), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_OK);
    int64_t id = v->id;
    cr_assert_str_eq(v->kind, "maintenance");
    cr_assert_eq(v->attempts, 1);
    cr_assert_eq(as_outbox_next(it, &v), AS_DONE);
    as_outbox_iter_free(it);
    /* leased: not pulled again until the lease ends */
    cr_assert_eq(pull(&it, db, th_time("2026-01-21T07:30:59+08:00"), 10, 60), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_DONE);
    as_outbox_iter_free(it);
    cr_assert_eq(pull(&it, db, th_time("2026-01-21T07:31:00+08:00"), 10, 60), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_OK);
    cr_assert_eq(v->id, id);
    cr_assert_eq(v->attempts, 2);
    char token[32];
    snprintf(token, sizeof token, "%s", v->lease_token);
    as_outbox_iter_free(it);
    as_outbox_lease l = {id, token};
    cr_assert_eq(as_outbox_ack(db, &l, 1, th_time("2026-01-21T07:31:10+08:00")), AS_OK);
    cr_assert_eq(as_outbox_fail(db, &l, 0, 60, "x"), AS_INVALID);
    as_outbox_lease unknown = {999, token};
    cr_assert_eq(as_outbox_ack(db, &unknown, 1, 0), AS_NOTFOUND);
    cr_assert_eq(pull(&it, db, 0, 0, 60), AS_MISUSE);
    as_close(db);
    as_config_free(cfg);
}

Test(outbox, failed_too_often_is_dead)
{
    as_config *cfg = th_config("reminders:\n  outbox_max_attempts: 2\n"
                            "  tips: {title: t, every: 1d, messages: ['{name}']}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-01-20T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_TIP], 1);
    int64_t now = o.at;
    for (int attempt = 1; attempt <= 2; attempt++) {
        as_outbox_iter *it;
        const as_outbox_item *v;
        cr_assert_eq(pull(&it, db, now, 10, 60), AS_OK);
        cr_assert_eq(as_outbox_next(it, &v), AS_OK, "attempt %d", attempt);
        char token[32];
        snprintf(token, sizeof token, "%s", v->lease_token);
        as_outbox_lease l = {v->id, token};
        as_outbox_iter_free(it);
        cr_assert_eq(as_outbox_fail(db, &l, now, 0, "gateway down"), AS_OK, "%s", as_errmsg(db));
        now += 1;
    }
    as_outbox_query q = AS_OUTBOX_QUERY_INIT;
    q.status = AS_OUTBOX_DEAD;
    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_OK);
    cr_assert_str_eq(v->last_error, "gateway down");
    cr_assert_eq(v->attempts, 2);
    cr_assert_eq(v->status, AS_OUTBOX_DEAD);
    as_outbox_iter_free(it);
    q.status = (as_outbox_status)99;
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_INVALID);
    cr_assert_null(it);
    as_close(db);
    as_config_free(cfg);
}

Test(outbox, payloads_are_typed_with_iso_times)
{
    as_config *cfg = th_config("reminders:\n"
                               "  refuel_coupon: {title: t, message: '{expected_date}'}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    /* median 7 days; last 10-22 09:00, expected 10-29 09:00 */
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "A,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n"
                       "B,U1,S1,2026-10-08T09:00:00+08:00,92,40,300\n"
                       "C,U1,S1,2026-10-15T09:00:00+08:00,92,40,300\n"
                       "D,U1,S1,2026-10-22T09:00:00+08:00,92,40,300\n");
    cr_assert_eq(as_profile_refresh(db, th_time("2026-10-23"), NULL), AS_OK, "%s", as_errmsg(db));
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-10-28T12:00:00+08:00");
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_REFUEL_COUPON], 1);

    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(as_outbox_iter_new(&it, db, NULL), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(v->kind, "refuel_coupon");
    cr_assert_eq(v->status, AS_OUTBOX_PENDING);
    cr_assert_eq(v->npayload, 4);   /* last_at, expected_at, coupon_code, coupon_expires_at */
    const as_field *f = field(v, "coupon_expires_at");
    cr_assert_not_null(f);
    cr_assert_str_eq(f->text, "2026-10-31T12:00:00+08:00");
    f = field(v, "coupon_code");
    cr_assert_not_null(f);
    cr_assert_eq(f->type, AS_VALUE_TEXT);
    as_coupon *cp = NULL;
    cr_assert_eq(as_coupon_get(&cp, db, f->text, o.at), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(cp->user_id, "U1");
    cr_assert_str_eq(cp->source, "reminder");
    cr_assert_eq(cp->nstations, 1);
    cr_assert_str_eq(cp->stations[0], "S1");
    as_coupon_free(cp);
    f = field(v, "last_at");
    cr_assert_not_null(f);
    cr_assert_eq(f->type, AS_VALUE_TEXT);
    cr_assert_str_eq(f->text, "2026-10-22T09:00:00+08:00");
    f = field(v, "expected_at");
    cr_assert_not_null(f);
    cr_assert_eq(f->type, AS_VALUE_TEXT);
    cr_assert_str_eq(f->text, "2026-10-29T09:00:00+08:00");
    cr_assert_eq(as_outbox_next(it, &v), AS_DONE);
    as_outbox_iter_free(it);

    /* A pull gives the same payload, owned by the iterator. */
    cr_assert_eq(pull(&it, db, o.at, 10, 60), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_outbox_next(it, &v), AS_OK);
    cr_assert_eq(v->status, AS_OUTBOX_LEASED);
    cr_assert_eq(v->npayload, 4);
    cr_assert_str_eq(field(v, "expected_at")->text, "2026-10-29T09:00:00+08:00");
    as_outbox_iter_free(it);
    as_close(db);
    as_config_free(cfg);
}

/* A database written by libaftersales 0.1 stored payload times as Unix
 * seconds: they read as ISO text in the business zone; other numbers stay
 * numbers. */
Test(outbox, old_payloads_read_with_iso_times)
{
    as_config *cfg = th_config("business: {timezone: '+09:00'}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, payload,"
             " created_at, not_before) VALUES ('U1', 'winback', 'winback:U1:1', 2, 't', 'b',"
             " '{\"last_at\":%lld,\"median_interval_s\":604800,\"note\":\"x\"}', %lld, %lld)",
             (long long)th_time("2026-10-22T09:00:00+08:00"),
             (long long)th_time("2026-11-20"), (long long)th_time("2026-11-20"));
    raw_sql(sql);
    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(as_outbox_iter_new(&it, db, NULL), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(v->npayload, 3);
    cr_assert_str_eq(v->payload[0].name, "last_at");
    cr_assert_eq(v->payload[0].type, AS_VALUE_TEXT);
    cr_assert_str_eq(v->payload[0].text, "2026-10-22T10:00:00+09:00", "the handle's zone");
    cr_assert_str_eq(v->payload[1].name, "median_interval_s");
    cr_assert_eq(v->payload[1].type, AS_VALUE_INT, "a duration, not a time");
    cr_assert_eq(v->payload[1].i, 604800);
    cr_assert_eq(v->payload[2].type, AS_VALUE_TEXT);
    cr_assert_str_eq(v->payload[2].text, "x");
    as_outbox_iter_free(it);
    cr_assert_eq(pull(&it, db, th_time("2026-11-21"), 10, 60), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_outbox_next(it, &v), AS_OK);
    cr_assert_str_eq(v->payload[0].text, "2026-10-22T10:00:00+09:00");
    cr_assert_str_eq(v->payload[2].text, "x");
    as_outbox_iter_free(it);
    as_close(db);
    as_config_free(cfg);
}

Test(outbox, a_damaged_payload_fails_and_leases_nothing)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 1, NULL);
    raw_sql("INSERT INTO outbox (user_id, kind, dedupe_key, title, body, payload, created_at,"
            " not_before) VALUES ('U1', 'tip', 'k1', 't', 'b', '{\"a\":', 1, 1);"
            "INSERT INTO outbox (user_id, kind, dedupe_key, title, body, payload, created_at,"
            " not_before) VALUES ('U1', 'tip', 'k2', 't', 'b', NULL, 1, 1)");
    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(as_outbox_iter_new(&it, db, NULL), AS_OK);
    cr_assert_eq(as_outbox_next(it, &v), AS_INTERNAL);
    cr_assert_not_null(strstr(as_errmsg(db), "outbox row 1"), "%s", as_errmsg(db));
    cr_assert_eq(as_outbox_next(it, &v), AS_OK, "the next row reads");
    cr_assert_eq(v->npayload, 0, "no payload: no fields");
    as_outbox_iter_free(it);
    it = (as_outbox_iter *)db;
    cr_assert_eq(pull(&it, db, 100, 10, 60), AS_INTERNAL);
    cr_assert_null(it);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE status = 'leased'"), 0,
                 "the failed pull leased nothing");
    as_close(db);
}

Test(outbox, pull_options_and_misuse)
{
    as_config *cfg = th_config("reminders:\n  tips: {title: t, every: 1d, messages: ['{name}']}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    o.at = th_time("2020-01-20T12:00:00+08:00");
    /* Due now, whenever now is, and never expiring (a tip's expiry is the
     * end of its period: these rows are written by hand). */
    raw_sql("INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, created_at,"
            " not_before) VALUES ('U1', 'tip', 't1', 2, 't', 'b', 1579492800, 1579492800),"
            " ('U2', 'tip', 't2', 2, 't', 'b', 1579492800, 1579492800)");
    as_outbox_iter *it = NULL;
    const as_outbox_item *v;
    /* NULL options: now, 100, 60 s */
    cr_assert_eq(as_outbox_pull_iter_new(&it, db, NULL), AS_OK, "%s", as_errmsg(db));
    int n = 0;
    while (as_outbox_next(it, &v) == AS_OK) {
        cr_assert_eq(v->lease_until - v->not_before >= 60, 1);
        n++;
    }
    cr_assert_eq(n, 2);
    as_outbox_iter_free(it);
    as_outbox_iter_free(NULL);
    as_outbox_pull_options po = AS_OUTBOX_PULL_OPTIONS_INIT;
    cr_assert_eq(po.limit, 100);
    cr_assert_eq(po.lease_s, 60);
    po.version = 99;
    cr_assert_eq(as_outbox_pull_iter_new(&it, db, &po), AS_MISUSE);
    cr_assert_null(it);
    po.version = AS_OUTBOX_PULL_OPTIONS_VERSION;
    po.lease_s = 0;
    cr_assert_eq(as_outbox_pull_iter_new(&it, db, &po), AS_MISUSE);
    po.lease_s = 60;
    po.limit = 0;
    cr_assert_eq(as_outbox_pull_iter_new(&it, db, &po), AS_MISUSE);
    cr_assert_eq(as_outbox_pull_iter_new(NULL, db, NULL), AS_MISUSE);
    cr_assert_eq(as_outbox_pull_iter_new(&it, NULL, NULL), AS_MISUSE);
    cr_assert_eq(as_outbox_next(NULL, &v), AS_MISUSE);
    /* the status enum and its names; a version 1 query is refused */
    cr_assert_str_eq(as_outbox_status_name(AS_OUTBOX_PENDING), "pending");
    cr_assert_str_eq(as_outbox_status_name(AS_OUTBOX_LEASED), "leased");
    cr_assert_str_eq(as_outbox_status_name(AS_OUTBOX_SENT), "sent");
    cr_assert_str_eq(as_outbox_status_name(AS_OUTBOX_DEAD), "dead");
    cr_assert_null(as_outbox_status_name((as_outbox_status)0));
    as_outbox_query q = AS_OUTBOX_QUERY_INIT;
    q.version = 1;
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_MISUSE);
    q.version = AS_OUTBOX_QUERY_VERSION;
    q.status = AS_OUTBOX_LEASED;
    q.now = o.at;
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_OK);
    n = 0;
    while (as_outbox_next(it, &v) == AS_OK)
        n += v->status == AS_OUTBOX_LEASED;
    cr_assert_eq(n, 2);
    as_outbox_iter_free(it);
    as_close(db);
    as_config_free(cfg);
}

/* ---- delivery rules at delivery, leases (issue 10 points 3 and 4) ------- */

/* A pending notification of user, written by hand (outside any rule), due
 * from not_before; priority 2 (marketing) or 1 (service). */
static int64_t put(const char *user, const char *kind, int prio, const char *not_before,
                   const char *expires)
{
    static int n;
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox (user_id, kind, dedupe_key, priority, title, body, created_at,"
             " not_before, expires_at) VALUES ('%s', '%s', 'k%d', %d, 't', 'b', %lld, %lld, %s)",
             user, kind, ++n, prio, (long long)th_time(not_before), (long long)th_time(not_before),
             expires ? expires : "NULL");
    raw_sql(sql);
    return th_count("SELECT max(id) FROM outbox");
}

/* The ids a pull at t leases (a space-separated list, static). */
static const char *pulled_ids(as_db *db, const char *t, int64_t lease_s, char tokens[][32])
{
    static char out[256];
    out[0] = '\0';
    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(pull(&it, db, th_time(t), 10, lease_s), AS_OK, "%s", as_errmsg(db));
    int i = 0;
    while (as_outbox_next(it, &v) == AS_OK) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%lld", n ? " " : "", (long long)v->id);
        if (tokens)
            snprintf(tokens[i++], 32, "%s", v->lease_token);
    }
    as_outbox_iter_free(it);
    return out;
}

/* Quiet hours 22:00-08:00: a pull at 23:30 hands out nothing, one at 08:00
 * the message; also when the quiet hours were set after it was written. */
Test(outbox, quiet_hours_hold_at_delivery)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 1, NULL);
    int64_t id = put("U1", "tip", 2, "2026-11-24T20:00:00+08:00", NULL);
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_QUIET_HOURS;
    in.user_id = "U1";
    in.quiet_start = 22 * 60;
    in.quiet_end = 8 * 60;
    cr_assert_eq(as_user_update(db, &in), AS_OK);
    cr_assert_str_eq(pulled_ids(db, "2026-11-24T23:30:00+08:00", 60, NULL), "");
    cr_assert_eq(th_count("SELECT not_before FROM outbox"), th_time("2026-11-25T08:00:00+08:00"),
                 "waits for the end of the quiet hours");
    cr_assert_eq(th_count("SELECT status = 'pending' FROM outbox"), 1);
    cr_assert_str_eq(pulled_ids(db, "2026-11-25T07:59:59+08:00", 60, NULL), "");
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)id);
    cr_assert_str_eq(pulled_ids(db, "2026-11-25T08:00:00+08:00", 60, NULL), want);
    as_close(db);
}

/* Consent withdrawn, user erased, past expiry: suppressed or expired, with
 * the reason, never handed out. */
Test(outbox, consent_erasure_and_expiry_hold_at_delivery)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    th_add_user(db, "U3", 1, NULL);
    put("U1", "tip", 2, "2026-11-24T10:00:00+08:00", NULL);           /* marketing */
    int64_t svc = put("U1", "maintenance", 1, "2026-11-24T10:00:00+08:00", NULL);
    put("U2", "survey", 1, "2026-11-24T10:00:00+08:00", NULL);
    char exp[32];
    snprintf(exp, sizeof exp, "%lld", (long long)th_time("2026-11-24T12:00:00+08:00"));
    put("U3", "refuel_coupon", 2, "2026-11-24T10:00:00+08:00", exp);
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_CONSENT_MARKETING;
    in.user_id = "U1";
    in.consent_marketing = 0;
    cr_assert_eq(as_user_update(db, &in), AS_OK);
    cr_assert_eq(as_user_forget(db, "U2"), AS_OK);
    raw_sql("UPDATE outbox SET status = 'pending', title = 't', body = 'b' WHERE user_id = 'U2'");
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)svc);
    cr_assert_str_eq(pulled_ids(db, "2026-11-24T12:00:00+08:00", 60, NULL), want,
                     "only the service notice of U1");
    as_outbox_query q = AS_OUTBOX_QUERY_INIT;
    q.now = th_time("2026-11-24T12:00:30+08:00");   /* within the lease */
    as_outbox_iter *it;
    const as_outbox_item *v;
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_OK);
    while (as_outbox_next(it, &v) == AS_OK) {
        if (strcmp(v->kind, "tip") == 0) {
            cr_assert_eq(v->status, AS_OUTBOX_SUPPRESSED);
            cr_assert_str_eq(v->reason, "no marketing consent");
        } else if (strcmp(v->kind, "survey") == 0) {
            cr_assert_eq(v->status, AS_OUTBOX_SUPPRESSED);
            cr_assert_str_eq(v->reason, "the user's data was erased");
        } else if (strcmp(v->kind, "refuel_coupon") == 0) {
            cr_assert_eq(v->status, AS_OUTBOX_EXPIRED);
        } else {
            cr_assert_eq(v->status, AS_OUTBOX_LEASED, "%s %d %s", v->kind, v->status, v->reason ? v->reason : "-");
        }
        cr_assert_eq(v->sent_at, 0);
    }
    as_outbox_iter_free(it);
    cr_assert_str_eq(as_outbox_status_name(AS_OUTBOX_SUPPRESSED), "suppressed");
    cr_assert_str_eq(as_outbox_status_name(AS_OUTBOX_EXPIRED), "expired");
    as_close(db);
}

/* A win-back written before a fill-up is not handed out after it. */
Test(outbox, a_later_fill_up_makes_a_winback_untrue)
{
    as_config *cfg = th_config("reminders:\n  winback: {title: t, message: '{days_since_last}'}\n");
    as_db *db = th_open_with(cfg);
    th_add_user(db, "U1", 1, "22:00-08:00");
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "A,U1,S1,2026-10-01T09:00:00+08:00,92,40,300\n"
                       "B,U1,S1,2026-10-08T09:00:00+08:00,92,40,300\n"
                       "C,U1,S1,2026-10-15T09:00:00+08:00,92,40,300\n");
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-11-10T23:00:00+08:00");   /* deferred to 08:00 */
    cr_assert_eq(as_remind_run(db, &o, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.written[AS_REMIND_WINBACK], 1);
    cr_assert_eq(s.deferred[AS_REMIND_WINBACK], 1);
    /* the customer fuels at 07:00, before the message goes out */
    th_fuel_import(db, "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                       "D,U1,S1,2026-11-11T07:00:00+08:00,92,40,300\n");
    cr_assert_str_eq(pulled_ids(db, "2026-11-11T08:00:00+08:00", 60, NULL), "");
    cr_assert_eq(th_count("SELECT status = 'suppressed' AND reason LIKE 'no longer true%'"
                          " FROM outbox WHERE kind = 'winback'"), 1);
    as_close(db);
    as_config_free(cfg);
}

/* The stale-lease sequence: A pulls with a 1 s lease, B pulls after it ran
 * out, A's ack and fail are refused, B's ack goes through. */
Test(outbox, a_stale_lease_is_refused)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 1, NULL);
    int64_t id = put("U1", "tip", 2, "2026-11-24T10:00:00+08:00", NULL);
    char a[4][32], b[4][32];
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)id);
    cr_assert_str_eq(pulled_ids(db, "2026-11-24T10:00:00+08:00", 1, a), want);
    cr_assert_str_eq(pulled_ids(db, "2026-11-24T10:00:01+08:00", 60, b), want, "the lease ran out");
    cr_assert_str_neq(a[0], b[0]);
    as_outbox_lease la = {id, a[0]}, lb = {id, b[0]};
    cr_assert_eq(as_outbox_ack(db, &la, 1, th_time("2026-11-24T10:00:02+08:00")), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "is stale"), "%s", as_errmsg(db));
    cr_assert_eq(as_outbox_fail(db, &la, th_time("2026-11-24T10:00:02+08:00"), 60, "x"),
                 AS_INVALID);
    cr_assert_eq(th_count("SELECT status = 'leased' FROM outbox"), 1, "B still holds it");
    cr_assert_eq(as_outbox_ack(db, &lb, 1, th_time("2026-11-24T10:00:03+08:00")), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(as_outbox_ack(db, &lb, 1, 0), AS_OK, "again: no change");
    cr_assert_eq(as_outbox_ack(db, &la, 1, 0), AS_INVALID, "still stale after B's ack");
    /* a lease that ran out but that nobody took since is still good */
    int64_t id2 = put("U1", "tip", 2, "2026-11-24T11:00:00+08:00", NULL);
    char c[4][32];
    pulled_ids(db, "2026-11-24T11:00:00+08:00", 1, c);
    as_outbox_lease lc = {id2, c[0]};
    cr_assert_eq(as_outbox_ack(db, &lc, 1, th_time("2026-11-24T11:05:00+08:00")), AS_OK, "%s",
                 as_errmsg(db));
    as_outbox_lease none = {id2, NULL};
    cr_assert_eq(as_outbox_ack(db, &none, 1, 0), AS_MISUSE);
    cr_assert_eq(as_outbox_ack(db, NULL, 0, 0), AS_MISUSE);
    as_close(db);
}

/* Acknowledging many is one transaction: all or none. */
Test(outbox, ack_of_many_is_all_or_none)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 1, NULL);
    put("U1", "tip", 2, "2026-11-24T10:00:00+08:00", NULL);
    put("U1", "tip", 2, "2026-11-24T10:00:00+08:00", NULL);
    char t[4][32];
    const char *ids = pulled_ids(db, "2026-11-24T10:00:00+08:00", 60, t);
    long long i1, i2;
    cr_assert_eq(sscanf(ids, "%lld %lld", &i1, &i2), 2, "%s", ids);
    as_outbox_lease ls[3] = {{i1, t[0]}, {i2, "0123456789abcdef"}, {i2, t[1]}};
    cr_assert_eq(as_outbox_ack(db, ls, 2, th_time("2026-11-24T10:00:10+08:00")), AS_INVALID);
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE status = 'sent'"), 0,
                 "the good one was not acknowledged either");
    as_outbox_lease ok[2] = {ls[0], ls[2]};
    cr_assert_eq(as_outbox_ack(db, ok, 2, th_time("2026-11-24T10:00:10+08:00")), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(th_count("SELECT count(*) FROM outbox WHERE status = 'sent'"), 2);
    as_close(db);
}

/* Every writer's notifications wait for the end of quiet hours: the
 * enqueue path (demand ship uses it) and remind weather. */
Test(outbox, every_writer_follows_quiet_hours)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 1, "22:00-08:00");
    cr_assert_eq(as_begin(db), AS_OK);
    as__outbox_msg m = {"U1", "demand_shipped", "demand:B1:U1", 1, "t", "b", NULL,
                        th_time("2026-11-24T23:00:00+08:00"), th_time("2026-11-24T23:00:00+08:00")};
    int ins = 0;
    cr_assert_eq(as__outbox_enqueue(db, &m, &ins), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_commit(db), AS_OK);
    cr_assert_eq(ins, 1);
    cr_assert_eq(th_count("SELECT not_before FROM outbox WHERE kind = 'demand_shipped'"),
                 th_time("2026-11-25T08:00:00+08:00"));
    cr_assert_eq(th_count("SELECT expires_at - not_before FROM outbox WHERE kind = 'demand_shipped'"),
                 30 * 86400);
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    as_remind_stats s;
    o.at = th_time("2026-11-24T23:10:00+08:00");
    cr_assert_eq(as_remind_weather(db, "530000", "snow", o.at, o.at + 86400, "雪", &o, &s), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(s.deferred[AS_REMIND_WEATHER], 1);
    cr_assert_eq(th_count("SELECT not_before FROM outbox WHERE kind = 'weather'"),
                 th_time("2026-11-25T08:00:00+08:00"));
    as_close(db);
}
