/* test_ticket.c - tickets: check digits, routing, the transition table,
 * SLA clocks with pause and resume, idempotent escalation, incidents,
 * tracking with a second factor, surveys, the config sections. */
#include "helpers.h"
#include "config.h"
#include "ticket.h"

TestSuite(ticket, .fini = th_cleanup);

/* 2025-11-24T09:00:00+08:00 */
#define T0 INT64_C(1763946000)
#define MIN 60
#define HOUR 3600

static as_config *test_cfg;

static const char cfg_text[] =
    "calendars:\n"
    "  standard:\n"
    "    always: true\n"
    "sla:\n"
    "  at_risk: 80%\n"
    "  levels:\n"
    "    normal:   {first_response: 2h, resolution: 24h, calendar: standard}\n"
    "    urgent:   {first_response: 30m, resolution: 4h, calendar: 24/7}\n"
    "    major:    {first_response: 15m, resolution: 2h, calendar: 24/7}\n"
    "    systemic: {first_response: 15m, resolution: 4h, calendar: 24/7}\n"
    "routing:\n"
    "  default_queue: general\n"
    "  rules:\n"
    "    - name: overcharge\n"
    "      keywords: [多扣, 重复扣款, 扣款未到账, double charge]\n"
    "      queue: payment\n"
    "      severity: urgent\n"
    "    - name: gold\n"
    "      tier: gold\n"
    "      queue: vip\n"
    "      assignee: lily\n"
    "    - name: wechat-coupon\n"
    "      channel: wechat\n"
    "      category: coupon\n"
    "      queue: marketing\n"
    "tickets:\n"
    "  reopen_window: 7d\n"
    "  autoclose_after: 3d\n"
    "  survey_within: 24h\n"
    "  low_score: 2\n";

static as_db *open_db(void)
{
    char *err = NULL;
    cr_assert_eq(as_config_parse(&test_cfg, cfg_text, strlen(cfg_text), "t.yaml", &err), AS_OK,
                 "%s", err ? err : "");
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = test_cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_db_path(), &o, &err), AS_OK, "%s", err ? err : "");
    as_user_input u = AS_USER_INPUT_INIT;
    u.fields = AS_USER_NAME | AS_USER_PHONE;
    u.user_id = "U1";
    u.name = "张三";
    u.phone = "13800138000";
    cr_assert_eq(as_user_add(db, &u), AS_OK, "%s", as_errmsg(db));
    return db;
}

static void close_db(as_db *db)
{
    as_close(db);
    as_config_free(test_cfg);
    test_cfg = NULL;
}

static void open_ticket(as_db *db, const char *subject, const char *severity, int64_t at,
                        char out[AS_TRACKING_BUFSIZE])
{
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = "app";
    in.category = "payment";
    in.subject = subject;
    in.body = "";
    in.severity = severity;
    in.at = at;
    cr_assert_eq(as_ticket_open(db, &in, out), AS_OK, "%s", as_errmsg(db));
}

static as_ticket *get(as_db *db, const char *t)
{
    as_ticket *tk = NULL;
    cr_assert_eq(as_ticket_get(&tk, db, t), AS_OK, "%s", as_errmsg(db));
    return tk;
}

static as_ticket_action act_at(int64_t at, const char *text)
{
    as_ticket_action a = AS_TICKET_ACTION_INIT;
    a.at = at;
    a.by = "agent1";
    a.text = text;
    return a;
}

/* ---- check digits -------------------------------------------------- */

Test(ticket, check_digit_catches_every_single_error_and_adjacent_swap)
{
    static const char *const bodies[] = {"00000000", "12345678", "99999999", "37187484",
                                         "10293847", "55555550", "80808080", "31415926"};
    for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
        char num[16], bad[16], out[AS_TRACKING_BUFSIZE];
        snprintf(num, sizeof num, "%s", bodies[b]);
        int c = as_tracking_digit(num);
        cr_assert(c >= 0 && c <= 9);
        num[8] = (char)('0' + c);
        num[9] = '\0';
        cr_assert_eq(as_tracking_check(num, out), AS_OK, "%s", num);
        cr_assert_str_eq(out, num);
        int singles = 0, swaps = 0;
        for (int i = 0; i < 9; i++) {
            for (char d = '0'; d <= '9'; d++) {
                if (d == num[i])
                    continue;
                memcpy(bad, num, 10);
                bad[i] = d;
                cr_assert_eq(as_tracking_check(bad, out), AS_INVALID, "%s accepted (from %s)",
                             bad, num);
                singles++;
            }
            if (i < 8 && num[i] != num[i + 1]) {
                memcpy(bad, num, 10);
                bad[i] = num[i + 1];
                bad[i + 1] = num[i];
                cr_assert_eq(as_tracking_check(bad, out), AS_INVALID, "swap %s accepted", bad);
                swaps++;
            }
        }
        cr_assert_eq(singles, 81);
        (void)swaps;
    }
}

Test(ticket, tracking_input_forms)
{
    char out[AS_TRACKING_BUFSIZE];
    char num[16] = "12345678";
    num[8] = (char)('0' + as_tracking_digit(num));
    num[9] = '\0';
    char spaced[32];
    snprintf(spaced, sizeof spaced, "%.3s %.3s-%.3s", num, num + 3, num + 6);
    cr_assert_eq(as_tracking_check(spaced, out), AS_OK);
    cr_assert_str_eq(out, num);
    cr_assert_eq(as_tracking_check("12345678", out), AS_INVALID, "too short");
    cr_assert_eq(as_tracking_check("1234567890", out), AS_INVALID, "too long");
    cr_assert_eq(as_tracking_check("12345678a", out), AS_INVALID);
    cr_assert_eq(as_tracking_check("", out), AS_INVALID);
    cr_assert_eq(as_tracking_check(NULL, out), AS_MISUSE);
    cr_assert_eq(as_tracking_digit("12a"), -1);
}

Test(ticket, opened_numbers_are_valid_and_typos_are_invalid_not_missing)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE], prev[AS_TRACKING_BUFSIZE] = "";
    for (int i = 0; i < 20; i++) {
        open_ticket(db, "问题", NULL, T0, t);
        char out[AS_TRACKING_BUFSIZE];
        cr_assert_eq(as_tracking_check(t, out), AS_OK);
        cr_assert_str_neq(t, prev);
        snprintf(prev, sizeof prev, "%s", t);
    }
    char typo[16];
    snprintf(typo, sizeof typo, "%s", t);
    typo[3] = typo[3] == '9' ? '0' : (char)(typo[3] + 1);
    as_ticket *tk = NULL;
    cr_assert_eq(as_ticket_get(&tk, db, typo), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "invalid tracking number"));
    close_db(db);
}

/* ---- keyed tracking numbers (issue 12) ------------------------------ */

Test(ticket, siphash_matches_the_reference_vector)
{
    /* SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e. */
    unsigned char key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (unsigned char)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (unsigned char)i;
    cr_assert_eq(as__siphash24(key, msg, sizeof msg), UINT64_C(0xa129ca6149be45e5));
    cr_assert_eq(as__siphash24(key, msg, 0), UINT64_C(0x726fdb47dd0e0e31));
}

Test(ticket, keyed_numbers_are_a_permutation_and_depend_on_the_key)
{
    unsigned char k1[AS__TRACKING_KEY_BYTES], k2[AS__TRACKING_KEY_BYTES];
    for (int i = 0; i < AS__TRACKING_KEY_BYTES; i++) {
        k1[i] = (unsigned char)(i * 7 + 1);
        k2[i] = (unsigned char)(i * 7 + 1);
    }
    k2[31] ^= 1;   /* one bit of the tweak half */
    enum { N = 200000 };
    unsigned char *seen = calloc(100000000 / 8, 1);
    cr_assert_not_null(seen);
    int same = 0, ascending = 0;
    long prev = -1;
    for (int64_t id = 1; id <= N; id++) {
        char a[AS_TRACKING_BUFSIZE], b[AS_TRACKING_BUFSIZE], out[AS_TRACKING_BUFSIZE];
        cr_assert_eq(as__tracking_permute(k1, id, a), 0);
        cr_assert_eq(as__tracking_permute(k2, id, b), 0);
        cr_assert_eq(as_tracking_check(a, out), AS_OK, "%s", a);
        long v = strtol(a, NULL, 10) / 10;   /* the 8 digits */
        cr_assert(!(seen[v / 8] & (1u << (v % 8))), "%s issued twice", a);
        seen[v / 8] |= (unsigned char)(1u << (v % 8));
        same += strcmp(a, b) == 0;
        ascending += v > prev;
        prev = v;
    }
    free(seen);
    cr_assert_lt(same, 20, "another key gives other numbers (%d of %d equal)", same, N);
    /* Not ordered: about half the steps go up. */
    cr_assert(ascending > N * 45 / 100 && ascending < N * 55 / 100, "%d ascending", ascending);
    char x[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as__tracking_permute(k1, 0, x), -1);
    cr_assert_eq(as__tracking_permute(k1, 100000000, x), -1);
    cr_assert_eq(as__tracking_permute(k1, 99999999, x), 0);
}

Test(ticket, two_fresh_databases_number_their_first_ticket_differently)
{
    char first[2][AS_TRACKING_BUFSIZE];
    for (int k = 0; k < 2; k++) {
        as_db *db = open_db();
        open_ticket(db, "问题", NULL, T0, first[k]);
        close_db(db);
        th_cleanup();
    }
    cr_assert_str_neq(first[0], first[1]);
}

Test(ticket, a_taken_number_is_skipped)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE], next[AS_TRACKING_BUFSIZE];
    open_ticket(db, "first", NULL, T0, t);
    /* A ticket numbered before the key (or imported) holds the number the
     * next sequence number would get. */
    unsigned char key[AS__TRACKING_KEY_BYTES];
    cr_assert_eq(as__tracking_key(db, key), AS_OK);
    char taken[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as__tracking_permute(key, 2, taken), 0);
    sqlite3 *s;
    cr_assert_eq(sqlite3_open(th_path, &s), SQLITE_OK);
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO tickets (id, tracking, user_id, channel, category, subject, body,"
             " severity, queue, status, created_at, updated_at, frt_target, res_target)"
             " VALUES (1000, '%s', 'U1', 'app', 'x', 'old', '', 'normal', 'general', 'new',"
             " %lld, %lld, 7200, 86400)", taken, (long long)T0, (long long)T0);
    cr_assert_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(s));
    sqlite3_close(s);
    /* max(id) + 1 is 1001 now: its number is free. */
    open_ticket(db, "next", NULL, T0, next);
    cr_assert_str_neq(next, taken);
    as_ticket *tk = get(db, taken);
    cr_assert_str_eq(tk->subject, "old", "the older number still works");
    as_ticket_free(tk);
    close_db(db);
}

Test(ticket, tracking_attempts_are_limited_and_recorded)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", NULL, T0, t);
    char unknown[16] = "99999999";
    unknown[8] = (char)('0' + as_tracking_digit(unknown));
    unknown[9] = '\0';
    as_track *tr = NULL;
    /* Five wrong answers within 15 minutes (the default limit). */
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(as_ticket_track(&tr, db, t, "0000", T0 + i * MIN), AS_NOTFOUND);
        cr_assert_null(tr);
    }
    /* Now even the right answer is refused, exactly like an unknown number. */
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 + 6 * MIN), AS_NOTFOUND);
    char locked[300];
    snprintf(locked, sizeof locked, "%s", as_errmsg(db));
    cr_assert_eq(as_ticket_track(&tr, db, unknown, "8000", T0 + 6 * MIN), AS_NOTFOUND);
    char expect[300];
    snprintf(expect, sizeof expect, "%s", as_errmsg(db));
    memcpy(strstr(expect, unknown), t, 9);
    cr_assert_str_eq(locked, expect);
    /* Every failure is recorded, known number or not. */
    sqlite3 *s;
    cr_assert_eq(sqlite3_open(th_path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(s, "SELECT tracking, outcome, count(*) FROM tracking_attempts"
                                       " GROUP BY 1, 2 ORDER BY 1, 2", -1, &st, NULL), SQLITE_OK);
    int rows = 0, wrong = 0, lockedn = 0, unknown_rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        const char *num = (const char *)sqlite3_column_text(st, 0);
        const char *outcome = (const char *)sqlite3_column_text(st, 1);
        int n = sqlite3_column_int(st, 2);
        if (strcmp(num, unknown) == 0)
            unknown_rows += n;
        else if (strcmp(outcome, "wrong") == 0)
            wrong += n;
        else
            lockedn += n;
    }
    sqlite3_finalize(st);
    sqlite3_close(s);
    cr_assert_eq(wrong, 5);
    cr_assert_eq(lockedn, 1);
    cr_assert_eq(unknown_rows, 1);
    /* The window slides: 15 minutes after the last failure the right
     * answer works again. */
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 + 21 * MIN), AS_OK, "%s", as_errmsg(db));
    as_track_free(tr);
    /* Another number is not affected. */
    char t2[AS_TRACKING_BUFSIZE];
    open_ticket(db, "y", NULL, T0, t2);
    cr_assert_eq(as_ticket_track(&tr, db, t2, "8000", T0 + 6 * MIN), AS_OK);
    as_track_free(tr);
    /* A read-only handle cannot record failures, so it cannot track. */
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_READONLY;
    o.config = test_cfg;
    as_db *ro = NULL;
    cr_assert_eq(as_open(&ro, th_path, &o, NULL), AS_OK);
    cr_assert_eq(as_ticket_track(&tr, ro, t2, "8000", T0 + 6 * MIN), AS_READONLY);
    as_close(ro);
    close_db(db);
}

Test(ticket, tracking_limit_is_configurable)
{
    static const char text[] = "tickets:\n  track_attempts: 2\n  track_window: 1h\n";
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, text, strlen(text), "t.yaml", &err), AS_OK, "%s",
                 err ? err : "");
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_db_path(), &o, NULL), AS_OK);
    as_user_input u = AS_USER_INPUT_INIT;
    u.fields = AS_USER_NAME | AS_USER_PHONE;
    u.user_id = "U1";
    u.name = "张三";
    u.phone = "13800138000";
    cr_assert_eq(as_user_add(db, &u), AS_OK);
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = "app";
    in.category = "payment";
    in.subject = "x";
    in.at = T0;
    char t[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK, "%s", as_errmsg(db));
    as_track *tr = NULL;
    cr_assert_eq(as_ticket_track(&tr, db, t, "1111", T0), AS_NOTFOUND);
    cr_assert_eq(as_ticket_track(&tr, db, t, "2222", T0 + 30 * MIN), AS_NOTFOUND);
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 + 59 * MIN), AS_NOTFOUND);
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 + 150 * MIN), AS_OK);
    as_track_free(tr);
    as_close(db);
    as_config_free(cfg);
    static const char bad[] = "tickets:\n  track_attempts: 0\n  track_window: 0s\n";
    cr_assert_eq(as_config_parse(&cfg, bad, strlen(bad), "t.yaml", &err), AS_CONFIG);
    cr_assert_not_null(strstr(err, "t.yaml:2:19"), "%s", err);
    cr_assert_not_null(strstr(err, "t.yaml:3:17"), "%s", err);
    as_free(err);
}

/* ---- a history that could have happened (issue 11, point 3) ---------- */

Test(ticket, events_are_never_dated_before_the_opening_or_the_previous_event)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", NULL, T0, t);
    as_ticket_action a = act_at(T0 - HOUR, "太早了");
    cr_assert_eq(as_ticket_reply(db, t, &a, 0), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "2025-11-24T08:00:00+08:00"), "%s", as_errmsg(db));
    cr_assert_not_null(strstr(as_errmsg(db), "before the ticket was opened (2025-11-24T09:00:00+08:00)"),
                       "%s", as_errmsg(db));
    a = act_at(T0 + 2 * HOUR, "已处理");
    cr_assert_eq(as_ticket_reply(db, t, &a, 0), AS_OK);
    a = act_at(T0 + HOUR, "备注");
    cr_assert_eq(as_ticket_note(db, t, &a), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "before its previous event (reply at 2025-11-24T11:00:00+08:00)"),
                       "%s", as_errmsg(db));
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_INVALID);
    /* Nothing of the refused changes stays. */
    as_ticket *tk = get(db, t);
    cr_assert_eq(tk->status, AS_TICKET_IN_PROGRESS);
    as_ticket_free(tk);
    /* The same time as the previous event is fine. */
    a = act_at(T0 + 2 * HOUR, "同时");
    cr_assert_eq(as_ticket_note(db, t, &a), AS_OK, "%s", as_errmsg(db));

    /* ticket link --at: before the incident's opening, or before the
     * child's last event. */
    char inc[AS_TRACKING_BUFSIZE], child[AS_TRACKING_BUFSIZE];
    open_ticket(db, "事故", "systemic", T0 + 3 * HOUR, inc);
    open_ticket(db, "受影响", NULL, T0, child);
    a = act_at(T0 + HOUR, NULL);
    cr_assert_eq(as_ticket_link(db, child, inc, &a), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), inc), "%s", as_errmsg(db));
    a = act_at(T0 + 4 * HOUR, NULL);
    cr_assert_eq(as_ticket_link(db, child, inc, &a), AS_OK, "%s", as_errmsg(db));
    close_db(db);
}

Test(ticket, a_sweep_or_autoclose_for_an_earlier_time_leaves_later_histories_alone)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", "urgent", T0, t);   /* first response due 09:30 */
    as_ticket_action a = act_at(T0 + 2 * HOUR, "稍后处理");
    cr_assert_eq(as_ticket_note(db, t, &a), AS_OK);
    /* At 09:40 the clock was breached, but the history already has 11:00. */
    as_sla_sweep_result r;
    cr_assert_eq(as_sla_sweep(db, T0 + 40 * MIN, &r), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r.recorded, 0);
    cr_assert_eq(as_sla_sweep(db, T0 + 3 * HOUR, &r), AS_OK);
    cr_assert_eq(r.recorded, 2, "at risk and breached, recorded at 12:00");

    a = act_at(T0 + 4 * HOUR, "好了");
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_OK);
    a = act_at(T0 + 10 * 86400, "回头看");
    cr_assert_eq(as_ticket_note(db, t, &a), AS_OK);
    int64_t closed = -1;
    cr_assert_eq(as_ticket_autoclose(db, T0 + 5 * 86400, &closed), AS_OK);
    cr_assert_eq(closed, 0, "its history goes past the autoclose time");
    cr_assert_eq(as_ticket_autoclose(db, T0 + 11 * 86400, &closed), AS_OK);
    cr_assert_eq(closed, 1);
    close_db(db);
}

Test(ticket, open_refuses_a_queue_the_configuration_does_not_know)
{
    as_db *db = open_db();
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = "app";
    in.category = "x";
    in.subject = "s";
    in.queue = "nowhere";
    char t[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as_ticket_open(db, &in, t), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "'nowhere' is not a queue of the configuration"
                                             " (general, payment, vip, marketing)"),
                       "%s", as_errmsg(db));
    in.queue = "vip";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK, "%s", as_errmsg(db));
    close_db(db);
}

/* ---- routing ------------------------------------------------------- */

Test(ticket, routing_rules)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "加油时被重复扣款", NULL, T0, t);
    as_ticket *tk = get(db, t);
    cr_assert_str_eq(tk->queue, "payment");
    cr_assert_str_eq(tk->severity, "urgent");
    cr_assert_str_eq(tk->rule, "overcharge");
    cr_assert_eq(tk->frt_due, T0 + 30 * MIN);
    as_ticket_free(tk);

    /* NFKC + case folding: full-width capitals match "double charge". */
    open_ticket(db, "ＤＯＵＢＬＥ　ＣＨＡＲＧＥ at pump 3", NULL, T0, t);
    tk = get(db, t);
    cr_assert_str_eq(tk->queue, "payment");
    as_ticket_free(tk);

    /* tier matches only when given */
    open_ticket(db, "开票问题", NULL, T0, t);
    tk = get(db, t);
    cr_assert_str_eq(tk->queue, "general");
    cr_assert_str_eq(tk->severity, "normal");
    cr_assert_null(tk->assignee);
    cr_assert_eq(tk->status, AS_TICKET_NEW);
    as_ticket_free(tk);
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = "web";
    in.category = "invoice";
    in.subject = "开票问题";
    in.member_tier = "gold";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK, "%s", as_errmsg(db));
    tk = get(db, t);
    cr_assert_str_eq(tk->queue, "vip");
    cr_assert_str_eq(tk->assignee, "lily");
    cr_assert_eq(tk->status, AS_TICKET_ASSIGNED);
    as_ticket_free(tk);

    /* all conditions of a rule must hold */
    in.member_tier = NULL;
    in.channel = "wechat";
    in.category = "coupon";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK);
    tk = get(db, t);
    cr_assert_str_eq(tk->queue, "marketing");
    as_ticket_free(tk);
    in.channel = "app";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK);
    tk = get(db, t);
    cr_assert_str_eq(tk->queue, "general");
    as_ticket_free(tk);
    close_db(db);
}

Test(ticket, open_refuses_bad_input)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = "fax";
    in.category = "payment";
    in.subject = "x";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "channel: 'fax'"));
    in.channel = "app";
    in.severity = "critical";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "severity"));
    in.severity = NULL;
    in.subject = "";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "subject: is empty"));
    in.subject = "ok";
    in.user_id = "nobody";
    cr_assert_eq(as_ticket_open(db, &in, t), AS_NOTFOUND);
    close_db(db);
}

/* ---- lifecycle ----------------------------------------------------- */

Test(ticket, transition_table_is_enforced_everywhere)
{
    /* The table through the API: final states accept nothing. */
    for (int f = AS_TICKET_CLOSED; f <= AS_TICKET_CANCELLED; f++)
        for (int t = 0; t < AS_TICKET_STATUS_LAST; t++)
            cr_assert_not(as_ticket_transition_ok(f, t), "%d -> %d", f, t);
    cr_assert(as_ticket_transition_ok(AS_TICKET_NEW, AS_TICKET_ASSIGNED));
    cr_assert_not(as_ticket_transition_ok(AS_TICKET_NEW, AS_TICKET_CLOSED));
    cr_assert_not(as_ticket_transition_ok(AS_TICKET_RESOLVED, AS_TICKET_WAITING_CUSTOMER));
    cr_assert_not(as_ticket_transition_ok(AS_TICKET_STATUS_LAST, AS_TICKET_NEW));

    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", NULL, T0, t);
    as_ticket_action a = act_at(T0 + MIN, NULL);
    cr_assert_eq(as_ticket_set_status(db, t, AS_TICKET_CLOSED, &a), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "cannot move from new to closed (allowed: assigned,"
                                             " in_progress, waiting_customer, resolved, merged,"
                                             " cancelled)"), "%s", as_errmsg(db));
    cr_assert_eq(as_ticket_set_status(db, t, AS_TICKET_CANCELLED, &a), AS_OK);
    cr_assert_eq(as_ticket_set_status(db, t, AS_TICKET_IN_PROGRESS, &a), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "allowed: none, it is final"), "%s", as_errmsg(db));
    a.text = "hello";
    cr_assert_eq(as_ticket_reply(db, t, &a, 0), AS_INVALID);
    cr_assert_eq(as_ticket_assign(db, t, "bob", &a), AS_INVALID);
    /* history is append-only, also for SQL */
    cr_assert_neq(as__exec(db, "DELETE FROM ticket_events"), AS_OK);
    cr_assert_neq(as__exec(db, "UPDATE ticket_events SET actor = 'x'"), AS_OK);
    as_ticket_event_iter *it;
    cr_assert_eq(as_ticket_event_iter_new(&it, db, t), AS_OK);
    const as_ticket_event *e;
    int n = 0;
    while (as_ticket_event_next(it, &e) == AS_OK)
        n++;
    as_ticket_event_iter_free(it);
    cr_assert_eq(n, 2, "opened + cancelled");
    close_db(db);
}

Test(ticket, reopen_window_merge_autoclose)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE], u[AS_TRACKING_BUFSIZE], made[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", NULL, T0, t);
    as_ticket_action a = act_at(T0 + HOUR, "已退款");
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_OK);
    a.at = T0 + 2 * 86400;
    a.text = NULL;
    cr_assert_eq(as_ticket_reopen(db, t, &a, made), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(made, "", "reopened in place");
    as_ticket *tk = get(db, t);
    cr_assert_eq(tk->status, AS_TICKET_IN_PROGRESS);
    as_ticket_free(tk);
    /* the survey of the first resolution is void */
    as_survey_iter *si;
    const as_survey *sv;
    cr_assert_eq(as_survey_iter_new(&si, db, NULL), AS_OK);
    cr_assert_eq(as_survey_next(si, &sv), AS_DONE);
    as_survey_iter_free(si);
    a.at = T0 + 3 * 86400;
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_OK);
    a.at = T0 + 20 * 86400;   /* beyond the 7-day window */
    cr_assert_eq(as_ticket_reopen(db, t, &a, made), AS_OK, "%s", as_errmsg(db));
    cr_assert_neq(made[0], '\0', "a new linked ticket");
    tk = get(db, made);
    cr_assert_str_eq(tk->related, t);
    cr_assert_eq(tk->status, AS_TICKET_NEW);
    as_ticket_free(tk);
    tk = get(db, t);
    cr_assert_eq(tk->status, AS_TICKET_CLOSED);
    as_ticket_free(tk);

    /* merge */
    open_ticket(db, "dup", NULL, T0, u);
    cr_assert_eq(as_ticket_merge(db, u, u, &a), AS_INVALID);
    cr_assert_eq(as_ticket_merge(db, u, t, &a), AS_INVALID, "into a closed ticket");
    cr_assert_eq(as_ticket_merge(db, u, made, &a), AS_OK, "%s", as_errmsg(db));
    tk = get(db, u);
    cr_assert_eq(tk->status, AS_TICKET_MERGED);
    cr_assert_str_eq(tk->merged_into, made);
    as_ticket_free(tk);
    /* the customer tracking the duplicate sees the surviving ticket's progress */
    a.text = "合并后继续处理";
    cr_assert_eq(as_ticket_reply(db, made, &a, 0), AS_OK);
    a.text = NULL;
    as_track *tr = NULL;
    cr_assert_eq(as_ticket_track(&tr, db, u, "8000", a.at), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(tr->status, "处理中");
    cr_assert_str_eq(tr->last_reply, "合并后继续处理");
    cr_assert_str_eq(tr->tracking, u);
    as_track_free(tr);
    /* never across customers */
    as_user_input u2 = AS_USER_INPUT_INIT;
    u2.fields = AS_USER_NAME;
    u2.user_id = "U2";
    u2.name = "李四";
    cr_assert_eq(as_user_add(db, &u2), AS_OK);
    char other[AS_TRACKING_BUFSIZE];
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U2";
    in.channel = "phone";
    in.category = "payment";
    in.subject = "dup of another customer";
    cr_assert_eq(as_ticket_open(db, &in, other), AS_OK);
    cr_assert_eq(as_ticket_merge(db, other, made, &a), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "different customers"), "%s", as_errmsg(db));

    /* autoclose: 3 days after resolution */
    a.at = T0 + 30 * 86400;
    cr_assert_eq(as_ticket_resolve(db, made, &a), AS_OK);
    int64_t n = -1;
    cr_assert_eq(as_ticket_autoclose(db, T0 + 32 * 86400, &n), AS_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(as_ticket_autoclose(db, T0 + 33 * 86400, &n), AS_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(as_ticket_autoclose(db, T0 + 34 * 86400, &n), AS_OK);
    cr_assert_eq(n, 0, "closed once");
    close_db(db);
}

/* ---- SLA ----------------------------------------------------------- */

Test(ticket, clocks_pause_while_waiting_on_the_customer)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", "urgent", T0, t);
    as_ticket *tk = get(db, t);
    cr_assert_eq(tk->frt_due, T0 + 30 * MIN);
    cr_assert_eq(tk->res_due, T0 + 4 * HOUR);
    as_ticket_free(tk);
    /* a public reply at +10 min stops the first-response clock (met) and waits */
    as_ticket_action a = act_at(T0 + 10 * MIN, "请提供订单号");
    cr_assert_eq(as_ticket_reply(db, t, &a, AS_REPLY_WAIT), AS_OK, "%s", as_errmsg(db));
    tk = get(db, t);
    cr_assert_eq(tk->status, AS_TICKET_WAITING_CUSTOMER);
    cr_assert_eq(tk->first_response_at, T0 + 10 * MIN);
    cr_assert_eq(tk->frt_met, 1);
    cr_assert_eq(tk->frt_due, 0);
    cr_assert_eq(tk->res_due, 0, "paused");
    as_ticket_free(tk);
    /* nothing is at risk while paused, however late */
    as_sla_iter *it;
    const as_sla_item *v;
    as_sla_query sq = AS_SLA_QUERY_INIT;
    sq.at = T0 + 10 * HOUR;
    cr_assert_eq(as_sla_sweep(db, sq.at, NULL), AS_OK);
    cr_assert_eq(as_sla_iter_new(&it, db, &sq), AS_OK);
    cr_assert_eq(as_sla_next(it, &v), AS_DONE);
    as_sla_iter_free(it);
    /* the customer answers 2 hours later: 3h50m remain from then */
    a.at = T0 + 2 * HOUR + 10 * MIN;
    a.text = NULL;
    cr_assert_eq(as_ticket_set_status(db, t, AS_TICKET_IN_PROGRESS, &a), AS_OK);
    tk = get(db, t);
    cr_assert_eq(tk->res_due, T0 + 6 * HOUR, "4h target + 2h paused");
    as_ticket_free(tk);
    /* a second pause and resume adds up */
    a.at = T0 + 3 * HOUR;
    cr_assert_eq(as_ticket_set_status(db, t, AS_TICKET_WAITING_CUSTOMER, &a), AS_OK);
    a.at = T0 + 4 * HOUR;
    cr_assert_eq(as_ticket_set_status(db, t, AS_TICKET_IN_PROGRESS, &a), AS_OK);
    tk = get(db, t);
    cr_assert_eq(tk->res_due, T0 + 7 * HOUR);
    as_ticket_free(tk);
    /* resolved in time: 3h of the 4h used */
    a.at = T0 + 6 * HOUR;
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_OK);
    tk = get(db, t);
    cr_assert_eq(tk->res_met, 1);
    as_ticket_free(tk);
    as_report_query rq = AS_REPORT_QUERY_INIT;
    rq.by = AS_REPORT_BY_LEVEL;
    rq.from = T0;
    rq.to = T0 + 86400;
    as_report_sla_iter *ri;
    const as_report_sla_row *row;
    cr_assert_eq(as_report_sla_iter_new(&ri, db, &rq), AS_OK);
    cr_assert_eq(as_report_sla_next(ri, &row), AS_OK);
    cr_assert_str_eq(row->group, "urgent");
    cr_assert_eq(row->tickets, 1);
    cr_assert_eq(row->first_response_median_min, 10);
    cr_assert_eq(row->resolution_median_min, 180);
    cr_assert_eq(row->resolution_met, 1);
    cr_assert_float_eq(row->resolution_met_pct, 100.0, 1e-9);
    cr_assert_eq(as_report_sla_next(ri, &row), AS_DONE);
    as_report_sla_iter_free(ri);
    rq.by = (as_report_by)7;
    cr_assert_eq(as_report_sla_iter_new(&ri, db, &rq), AS_INVALID);
    cr_assert_null(ri);
    close_db(db);
}

/* The sweep and the listing, as sla check runs them. */
static int sweep(as_db *db, int64_t at, int64_t *recorded, int *breached, int *escalated_now)
{
    as_sla_iter *it;
    as_sla_sweep_result r;
    cr_assert_eq(as_sla_sweep(db, at, &r), AS_OK, "%s", as_errmsg(db));
    *recorded = r.recorded;
    cr_assert_eq(r.recorded ? r.last_id - r.first_id + 1 : 0, r.recorded, "ids are contiguous");
    as_sla_query q = AS_SLA_QUERY_INIT;
    q.at = at;
    q.sweep = &r;
    cr_assert_eq(as_sla_iter_new(&it, db, &q), AS_OK, "%s", as_errmsg(db));
    const as_sla_item *v;
    int n = 0;
    *breached = *escalated_now = 0;
    while (as_sla_next(it, &v) == AS_OK) {
        n++;
        *breached += strcmp(v->state, "breached") == 0;
        *escalated_now += v->escalated;
    }
    as_sla_iter_free(it);
    return n;
}

Test(ticket, escalation_is_recorded_once)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", "urgent", T0, t);   /* first response due +30m, at risk from +24m */
    int64_t rec;
    int br, now;
    cr_assert_eq(sweep(db, T0 + 20 * MIN, &rec, &br, &now), 0);
    cr_assert_eq(rec, 0);
    cr_assert_eq(sweep(db, T0 + 25 * MIN, &rec, &br, &now), 1);
    cr_assert_eq(rec, 1);
    cr_assert_eq(br, 0);
    cr_assert_eq(now, 1);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(sweep(db, T0 + 25 * MIN, &rec, &br, &now), 1, "still listed");
        cr_assert_eq(rec, 0, "but not recorded again");
        cr_assert_eq(now, 0);
    }
    cr_assert_eq(sweep(db, T0 + 31 * MIN, &rec, &br, &now), 1);
    cr_assert_eq(rec, 1);
    cr_assert_eq(br, 1);
    cr_assert_eq(sweep(db, T0 + 40 * MIN, &rec, &br, &now), 1);
    cr_assert_eq(rec, 0);
    /* jumping far ahead records the resolution clock's two once each */
    cr_assert_eq(sweep(db, T0 + 5 * HOUR, &rec, &br, &now), 2);
    cr_assert_eq(rec, 2);
    cr_assert_eq(br, 2);
    cr_assert_eq(sweep(db, T0 + 6 * HOUR, &rec, &br, &now), 2);
    cr_assert_eq(rec, 0);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM ticket_escalations", -1, &st,
                                    NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 4);
    sqlite3_finalize(st);
    /* overdue listing agrees */
    as_ticket_query q = AS_TICKET_QUERY_INIT;
    q.overdue = 1;
    q.at = T0 + 6 * HOUR;
    as_ticket_iter *ti;
    const as_ticket *tv;
    cr_assert_eq(as_ticket_iter_new(&ti, db, &q), AS_OK);
    cr_assert_eq(as_ticket_next(ti, &tv), AS_OK);
    cr_assert_str_eq(tv->tracking, t);
    cr_assert_eq(as_ticket_next(ti, &tv), AS_DONE);
    as_ticket_iter_free(ti);
    /* a reply stops the first-response clock: one clock left */
    as_ticket_action a = act_at(T0 + 6 * HOUR, "处理中");
    cr_assert_eq(as_ticket_reply(db, t, &a, 0), AS_OK);
    cr_assert_eq(sweep(db, T0 + 6 * HOUR, &rec, &br, &now), 1);
    close_db(db);
}

/* ---- incidents ----------------------------------------------------- */

Test(ticket, resolving_an_incident_resolves_its_children)
{
    as_db *db = open_db();
    char p[AS_TRACKING_BUFSIZE], c1[AS_TRACKING_BUFSIZE], c2[AS_TRACKING_BUFSIZE],
        c3[AS_TRACKING_BUFSIZE];
    open_ticket(db, "全站无法支付", "systemic", T0, p);
    open_ticket(db, "付不了款", NULL, T0, c1);
    open_ticket(db, "付款失败", NULL, T0, c2);
    open_ticket(db, "别的问题", NULL, T0, c3);
    as_ticket_action a = act_at(T0 + MIN, NULL);
    cr_assert_eq(as_ticket_link(db, c1, p, &a), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_ticket_link(db, c2, p, &a), AS_OK);
    cr_assert_eq(as_ticket_link(db, c3, c1, &a), AS_INVALID, "not an incident");
    cr_assert_eq(as_ticket_link(db, p, p, &a), AS_INVALID);
    cr_assert_eq(as_ticket_set_status(db, c2, AS_TICKET_CANCELLED, &a), AS_OK);
    a.at = T0 + HOUR;
    a.text = "支付通道已恢复";
    cr_assert_eq(as_ticket_resolve(db, p, &a), AS_OK, "%s", as_errmsg(db));
    as_ticket *tk = get(db, c1);
    cr_assert_eq(tk->status, AS_TICKET_RESOLVED);
    cr_assert_str_eq(tk->incident, p);
    as_ticket_free(tk);
    tk = get(db, c2);
    cr_assert_eq(tk->status, AS_TICKET_CANCELLED, "a cancelled child stays cancelled");
    as_ticket_free(tk);
    tk = get(db, c3);
    cr_assert_eq(tk->status, AS_TICKET_NEW);
    as_ticket_free(tk);
    as_track *tr = NULL;
    cr_assert_eq(as_ticket_track(&tr, db, c1, "8000", T0 + HOUR), AS_OK);
    cr_assert_str_eq(tr->status, "已解决");
    cr_assert_str_eq(tr->last_reply, "支付通道已恢复");
    as_track_free(tr);
    close_db(db);
}

/* ---- tracking ------------------------------------------------------ */

Test(ticket, track_with_second_factor)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", NULL, T0, t);
    as_ticket_action a = act_at(T0 + 5 * MIN, "内部备注");
    cr_assert_eq(as_ticket_note(db, t, &a), AS_OK);
    a.text = "正在为您核查";
    cr_assert_eq(as_ticket_reply(db, t, &a, 0), AS_OK);
    a.text = "另一条内部备注";
    cr_assert_eq(as_ticket_note(db, t, &a), AS_OK);
    cr_assert_eq(as_ticket_eta(db, t, T0 + 9 * HOUR, &a), AS_OK);   /* 18:00 the same day */
    as_track *tr = NULL;
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 + HOUR), AS_OK, "%s", as_errmsg(db));
    cr_assert_str_eq(tr->status, "处理中");
    cr_assert_str_eq(tr->last_reply, "正在为您核查", "internal notes are never shown");
    cr_assert_str_eq(tr->eta_text, "预计今天18:00前完成");
    as_track_free(tr);
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 - 86400), AS_OK);
    cr_assert_str_eq(tr->eta_text, "预计明天18:00前完成");
    as_track_free(tr);
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 - 10 * 86400), AS_OK);
    cr_assert_str_eq(tr->eta_text, "预计11月24日18:00前完成");
    as_track_free(tr);
    /* At the ETA the promise still holds; a second later it has passed. */
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 + 9 * HOUR), AS_OK);
    cr_assert_str_eq(tr->eta_text, "预计今天18:00前完成");
    as_track_free(tr);
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 + 9 * HOUR + 1), AS_OK);
    cr_assert_str_eq(tr->eta_text, "已超过预计时间，正在加急处理");
    cr_assert_eq(tr->eta, T0 + 9 * HOUR, "the promised time itself is still given");
    as_track_free(tr);
    cr_assert_eq(as_ticket_track(&tr, db, t, "8000", T0 + 3 * 86400), AS_OK);
    cr_assert_str_eq(tr->eta_text, "已超过预计时间，正在加急处理");
    as_track_free(tr);

    /* a wrong second factor answers exactly like an unknown number */
    cr_assert_eq(as_ticket_track(&tr, db, t, "8001", 0), AS_NOTFOUND);
    cr_assert_null(tr);
    char wrong[300];
    snprintf(wrong, sizeof wrong, "%s", as_errmsg(db));
    char unknown[16] = "99999999";
    unknown[8] = (char)('0' + as_tracking_digit(unknown));
    unknown[9] = '\0';
    cr_assert_eq(as_ticket_track(&tr, db, unknown, "8000", 0), AS_NOTFOUND);
    char expect[300];
    snprintf(expect, sizeof expect, "%s", as_errmsg(db));
    /* the same text with the number swapped */
    char *pos = strstr(expect, unknown);
    cr_assert_not_null(pos);
    memcpy(pos, t, 9);
    cr_assert_str_eq(wrong, expect);
    cr_assert_eq(as_ticket_track(&tr, db, t, "800", 0), AS_NOTFOUND);
    cr_assert_eq(as_ticket_track(&tr, db, "12345", "8000", 0), AS_INVALID);
    close_db(db);
}

/* ---- surveys ------------------------------------------------------- */

Test(ticket, surveys_one_per_resolution_low_score_follows_up)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE], f[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", NULL, T0, t);
    as_ticket_action a = act_at(T0 + HOUR, NULL);
    cr_assert_eq(as_ticket_assign(db, t, "bob", &a), AS_OK);
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_OK);
    as_survey_iter *si;
    const as_survey *sv;
    as_survey_query now = AS_SURVEY_QUERY_INIT;
    now.at = T0 + 2 * HOUR;
    cr_assert_eq(as_survey_iter_new(&si, db, &now), AS_OK);
    cr_assert_eq(as_survey_next(si, &sv), AS_OK);
    cr_assert_str_eq(sv->tracking, t);
    cr_assert_eq(sv->due_at, T0 + HOUR + 86400);
    cr_assert_eq(sv->expires_at, T0 + HOUR + 7 * 86400, "tickets.survey_expires_after: 7d");
    cr_assert_str_eq(sv->agent, "agent1", "the resolver is credited, not the assignee bob");
    cr_assert_eq(sv->status, AS_SURVEY_PENDING);
    cr_assert_eq(as_survey_next(si, &sv), AS_DONE);
    as_survey_iter_free(si);
    cr_assert_eq(as_survey_record(db, t, 6, NULL, T0 + 2 * HOUR, f), AS_INVALID);
    cr_assert_eq(as_survey_record(db, t, 2, "太慢了", T0 + 2 * HOUR, f), AS_OK, "%s", as_errmsg(db));
    cr_assert_neq(f[0], '\0', "a follow-up ticket");
    char follow[AS_TRACKING_BUFSIZE];
    memcpy(follow, f, sizeof follow);
    as_ticket *tk = get(db, f);
    cr_assert_str_eq(tk->related, t);
    cr_assert_null(tk->assignee, "never back to the same agent");
    as_ticket_free(tk);
    cr_assert_eq(as_survey_record(db, t, 5, NULL, T0 + 3 * HOUR, f), AS_NOTFOUND, "answered once");
    as_report_query rq = AS_REPORT_QUERY_INIT;
    rq.by = AS_REPORT_BY_AGENT;
    rq.from = T0;
    rq.to = T0 + 86400;
    as_report_csat_iter *ci;
    const as_report_csat_row *row;
    cr_assert_eq(as_report_csat_iter_new(&ci, db, &rq), AS_OK);
    cr_assert_eq(as_report_csat_next(ci, &row), AS_OK);
    cr_assert_str_eq(row->group, "agent1");
    cr_assert_eq(row->answers, 1);
    cr_assert_eq(row->surveys, 1);
    cr_assert_eq(row->responded, 1);
    cr_assert_eq(row->callbacks_on_time, 1);
    cr_assert_float_eq(row->response_rate_pct, 100.0, 1e-9);
    cr_assert_eq(row->score_sum, 2);
    cr_assert_eq(row->satisfied, 0);
    cr_assert_float_eq(row->mean_score, 2.0, 1e-9);
    cr_assert_float_eq(row->csat_pct, 0.0, 1e-9);
    cr_assert_eq(as_report_csat_next(ci, &row), AS_DONE);
    as_report_csat_iter_free(ci);
    /* the answered survey is listed by status, the pending list is empty */
    as_survey_query sq = AS_SURVEY_QUERY_INIT;
    sq.status = AS_SURVEY_ANSWERED;
    cr_assert_eq(as_survey_iter_new(&si, db, &sq), AS_OK);
    cr_assert_eq(as_survey_next(si, &sv), AS_OK);
    cr_assert_eq(sv->score, 2);
    cr_assert_str_eq(sv->comment, "太慢了");
    cr_assert_str_eq(sv->followup, follow);
    cr_assert_eq(as_survey_next(si, &sv), AS_DONE);
    as_survey_iter_free(si);
    cr_assert_eq(as_survey_iter_new(&si, db, &now), AS_OK);
    cr_assert_eq(as_survey_next(si, &sv), AS_DONE);
    as_survey_iter_free(si);
    /* a satisfaction report is by agent or queue only */
    rq.by = AS_REPORT_BY_LEVEL;
    cr_assert_eq(as_report_csat_iter_new(&ci, db, &rq), AS_INVALID);
    close_db(db);
}

Test(ticket, surveys_expire_and_report_csat_counts_responses_and_call_backs)
{
    static const char text[] =
        "tickets:\n"
        "  survey_within: 24h\n"
        "  survey_expires_after: 3d\n"
        "  low_score: 2\n"
        "  followup_queue: service-lead\n"
        "  followup_assignee: lead\n";
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, text, strlen(text), "t.yaml", &err), AS_OK, "%s",
                 err ? err : "");
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_db_path(), &o, NULL), AS_OK);
    th_add_user(db, "U1", 0, NULL);
    /* Four tickets, all assigned to alice; bob resolves three, carol one. */
    char t[4][AS_TRACKING_BUFSIZE];
    static const char *const resolver[4] = {"bob", "bob", "bob", "carol"};
    for (int i = 0; i < 4; i++) {
        as_ticket_input in = AS_TICKET_INPUT_INIT;
        in.user_id = "U1";
        in.channel = "app";
        in.category = "payment";
        in.subject = "问题";
        in.at = T0;
        cr_assert_eq(as_ticket_open(db, &in, t[i]), AS_OK, "%s", as_errmsg(db));
        as_ticket_action a = act_at(T0 + MIN, NULL);
        cr_assert_eq(as_ticket_assign(db, t[i], "alice", &a), AS_OK);
        a = act_at(T0 + HOUR, "已解决");
        a.by = resolver[i];
        cr_assert_eq(as_ticket_resolve(db, t[i], &a), AS_OK, "%s", as_errmsg(db));
    }
    char f[AS_TRACKING_BUFSIZE];
    /* 0: answered within 24 h; 1: answered after 2 days; 2: never
     * (expires); 3: answered at once, low, followed up by the lead. */
    cr_assert_eq(as_survey_record(db, t[0], 5, NULL, T0 + 3 * HOUR, f), AS_OK);
    cr_assert_eq(as_survey_record(db, t[1], 4, NULL, T0 + 2 * 86400, f), AS_OK);
    cr_assert_eq(as_survey_record(db, t[3], 1, "很差", T0 + 2 * HOUR, f), AS_OK);
    as_ticket *fu = get(db, f);
    cr_assert_str_eq(fu->queue, "service-lead");
    cr_assert_str_eq(fu->assignee, "lead", "not carol, not alice");
    as_ticket_free(fu);
    /* t[2] expires 3 days after its resolution: an answer then is refused. */
    cr_assert_eq(as_survey_record(db, t[2], 5, NULL, T0 + HOUR + 3 * 86400, f), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "expired at 2025-11-27T10:00:00+08:00"), "%s",
                       as_errmsg(db));
    as_survey_query q = AS_SURVEY_QUERY_INIT;
    q.at = T0 + 86400;
    as_survey_iter *si;
    const as_survey *sv;
    cr_assert_eq(as_survey_iter_new(&si, db, &q), AS_OK);
    cr_assert_eq(as_survey_next(si, &sv), AS_OK);
    cr_assert_str_eq(sv->tracking, t[2]);
    cr_assert_eq(as_survey_next(si, &sv), AS_DONE);
    as_survey_iter_free(si);
    q.at = T0 + 5 * 86400;
    cr_assert_eq(as_survey_iter_new(&si, db, &q), AS_OK);
    cr_assert_eq(as_survey_next(si, &sv), AS_DONE, "expired, no longer pending");
    as_survey_iter_free(si);
    q.status = AS_SURVEY_EXPIRED;
    cr_assert_eq(as_survey_iter_new(&si, db, &q), AS_OK);
    cr_assert_eq(as_survey_next(si, &sv), AS_OK);
    cr_assert_eq(sv->status, AS_SURVEY_EXPIRED);
    cr_assert_str_eq(as_survey_status_name(sv->status), "expired");
    as_survey_iter_free(si);

    as_report_query rq = AS_REPORT_QUERY_INIT;
    rq.by = AS_REPORT_BY_AGENT;
    rq.from = T0;
    rq.to = T0 + 7 * 86400;
    as_report_csat_iter *ci;
    const as_report_csat_row *row;
    cr_assert_eq(as_report_csat_iter_new(&ci, db, &rq), AS_OK);
    cr_assert_eq(as_report_csat_next(ci, &row), AS_OK);
    cr_assert_str_eq(row->group, "bob", "the resolver, not the assignee alice");
    cr_assert_eq(row->answers, 2);
    cr_assert_float_eq(row->mean_score, 4.5, 1e-9);
    cr_assert_eq(row->surveys, 3);
    cr_assert_eq(row->responded, 2);
    cr_assert_float_eq(row->response_rate_pct, 66.7, 1e-9);
    cr_assert_eq(row->callbacks_on_time, 1);
    cr_assert_float_eq(row->callback_on_time_pct, 33.3, 1e-9);
    cr_assert_eq(row->expired, 1);
    cr_assert_eq(as_report_csat_next(ci, &row), AS_OK);
    cr_assert_str_eq(row->group, "carol");
    cr_assert_eq(row->answers, 1);
    cr_assert_float_eq(row->callback_on_time_pct, 100.0, 1e-9);
    cr_assert_eq(as_report_csat_next(ci, &row), AS_DONE);
    as_report_csat_iter_free(ci);
    /* A period whose surveys were not answered in it: listed, no mean. */
    rq.from = T0;
    rq.to = T0 + 2 * HOUR;
    cr_assert_eq(as_report_csat_iter_new(&ci, db, &rq), AS_OK);
    cr_assert_eq(as_report_csat_next(ci, &row), AS_OK);
    cr_assert_str_eq(row->group, "bob");
    cr_assert_eq(row->answers, 0);
    cr_assert_float_eq(row->mean_score, -1.0, 1e-9);
    cr_assert_eq(row->surveys, 3);
    cr_assert_eq(row->responded, 0);
    as_report_csat_iter_free(ci);
    as_close(db);
    as_config_free(cfg);
}

Test(ticket, a_database_from_before_012_keeps_its_numbers_and_credits_resolvers)
{
    /* Every migration before 012, as an older library left the file. */
    const char *path = th_db_path();
    sqlite3 *s;
    cr_assert_eq(sqlite3_open(path, &s), SQLITE_OK);
    char sql[200];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d;", AS_APPLICATION_ID);
    cr_assert_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    int last = 0;
    for (int i = 0; i < as__nmigrations && as__migrations[i].version < 12; i++) {
        cr_assert_eq(sqlite3_exec(s, as__migrations[i].sql, NULL, NULL, NULL), SQLITE_OK,
                     "%s", sqlite3_errmsg(s));
        last = as__migrations[i].version;
    }
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d;", last);
    cr_assert_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    /* Ticket 1 with the number 0.1 gave every database's first ticket. */
    cr_assert_eq(sqlite3_exec(s,
        "INSERT INTO users (user_id, name, phone, created_at, updated_at)"
        " VALUES ('U1', '张三', '13800138000', 1, 1);"
        "INSERT INTO tickets (id, tracking, user_id, channel, category, subject, body, severity,"
        " queue, assignee, status, created_at, updated_at, resolved_at, resolutions, frt_target,"
        " res_target) VALUES (1, '371874844', 'U1', 'app', 'x', 'old', '', 'normal', 'general',"
        " 'alice', 'resolved', 1763946000, 1763949600, 1763949600, 1, 7200, 86400);"
        "INSERT INTO ticket_events (ticket_id, user_id, at, actor, kind, from_status, to_status,"
        " public) VALUES (1, 'U1', 1763946000, 'customer', 'opened', NULL, 'new', 0),"
        " (1, 'U1', 1763949600, 'bob', 'resolved', 'new', 'resolved', 1);"
        "INSERT INTO surveys (ticket_id, user_id, resolution, agent, queue, created_at, due_at,"
        " status) VALUES (1, 'U1', 1, 'alice', 'general', 1763949600, 1764036000, 'pending');",
        NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(s));
    sqlite3_close(s);

    char *err = NULL;
    cr_assert_eq(as_config_parse(&test_cfg, cfg_text, strlen(cfg_text), "t.yaml", &err), AS_OK);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.config = test_cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, path, &o, &err), AS_OK, "%s", err ? err : "");
    /* The old number still works, with its second factor. */
    as_track *tr = NULL;
    cr_assert_eq(as_ticket_track(&tr, db, "371874844", "8000", T0 + 2 * HOUR), AS_OK, "%s",
                 as_errmsg(db));
    as_track_free(tr);
    as_ticket *tk = get(db, "371874844");
    cr_assert_str_eq(tk->customer, "known");
    as_ticket_free(tk);
    /* The survey credits bob, who resolved it, and expires in 7 days. */
    as_survey_query q = AS_SURVEY_QUERY_INIT;
    q.at = T0 + 2 * HOUR;
    as_survey_iter *si;
    const as_survey *sv;
    cr_assert_eq(as_survey_iter_new(&si, db, &q), AS_OK);
    cr_assert_eq(as_survey_next(si, &sv), AS_OK);
    cr_assert_str_eq(sv->agent, "bob");
    cr_assert_eq(sv->expires_at, INT64_C(1763949600) + 7 * 86400);
    as_survey_iter_free(si);
    /* New tickets are numbered with the key the migration made. */
    unsigned char key[AS__TRACKING_KEY_BYTES];
    cr_assert_eq(as__tracking_key(db, key), AS_OK);
    char t[AS_TRACKING_BUFSIZE], want[AS_TRACKING_BUFSIZE];
    open_ticket(db, "new", NULL, T0, t);
    cr_assert_eq(as__tracking_permute(key, 2, want), 0);
    cr_assert_str_eq(t, want);
    close_db(db);
}

/* ---- configuration ------------------------------------------------- */

static void expect_cfg_error(const char *text, const char *want)
{
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, text, strlen(text), "c.yaml", &err), AS_CONFIG,
                 "accepted: %s", text);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, want), "wanted '%s' in:\n%s", want, err);
    as_free(err);
}

Test(ticket, config_errors_have_line_and_column)
{
    expect_cfg_error("routing:\n  rules:\n    - keywords: [a]\n      severity: critical\n",
                     "c.yaml:4:17: unknown severity 'critical'");
    expect_cfg_error("routing:\n  rules:\n    - channel: fax\n      queue: q\n",
                     "c.yaml:3:16: unknown channel 'fax'");
    expect_cfg_error("routing:\n  rules:\n    - queue: q\n", "c.yaml:3:7: routing rule 1 matches everything");
    expect_cfg_error("routing:\n  rules:\n    - keywords: x\n", "c.yaml:3:7: routing rule 1 sets nothing");
    expect_cfg_error("routing:\n  rules: {a: 1}\n", "c.yaml:2:10: routing.rules must be a list");
    expect_cfg_error("routing:\n  rules:\n    - keywords: x\n      queue: q\n      colour: red\n",
                     "c.yaml:5:7: unknown key 'colour' in routing rule 1");
    expect_cfg_error("sla:\n  at_risk: 120%\n  levels: {}\n", "c.yaml:2:12: '120%' is not a percentage");
    expect_cfg_error("sla:\n  levels:\n    normal: {first_response: 2h, resolution: 1d, calendar: std}\n",
                     "sla.levels.urgent is missing");
    expect_cfg_error("sla:\n  levels:\n"
                     "    normal: {first_response: soon, resolution: 1d, calendar: std}\n"
                     "    urgent: {first_response: 1h, resolution: 1d, calendar: std}\n"
                     "    major: {first_response: 1h, resolution: 1d, calendar: std}\n"
                     "    systemic: {first_response: 1h, resolution: 1d}\n",
                     "c.yaml:3:30: 'soon' is not a duration");
    expect_cfg_error("sla:\n  levels:\n"
                     "    normal: {first_response: 1h, resolution: 1d, calendar: std}\n"
                     "    urgent: {first_response: 1h, resolution: 1d, calendar: std}\n"
                     "    major: {first_response: 1h, resolution: 1d, calendar: std}\n"
                     "    systemic: {first_response: 1h, resolution: 1d}\n",
                     "c.yaml:6:15: sla.levels.systemic needs first_response, resolution and calendar");
    expect_cfg_error("tickets:\n  low_score: 9\n", "c.yaml:2:14: 9 is out of range");
    expect_cfg_error("tickets:\n  reopen_window: forever\n", "c.yaml:2:18:");

    /* the defaults encode the seed */
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_load(&cfg, NULL, &err), AS_OK, "%s", err ? err : "");
    const as__ticket_cfg *t = cfg->tickets;
    cr_assert_eq(t->levels[0].first_response, 2 * 3600);
    cr_assert_eq(t->levels[1].first_response, 30 * 60);
    cr_assert_eq(t->levels[2].first_response, 15 * 60);
    cr_assert_null(t->levels[1].calendar, "urgent runs 24/7");
    cr_assert(t->nrules >= 1);
    cr_assert_str_eq(t->rules[0].queue, "payment");
    cr_assert_eq(t->rules[0].severity, 1);
    as_config_free(cfg);
}

/* ---- import ---------------------------------------------------------------- */

static char ticket_rejects[1024];

static void ticket_on_reject(void *ud, const as_reject *r)
{
    (void)ud;
    size_t n = strlen(ticket_rejects);
    snprintf(ticket_rejects + n, sizeof ticket_rejects - n, "%llu %s: %s|",
             (unsigned long long)r->line, r->field ? r->field : "-", r->reason);
}

Test(ticket, import_refuses_a_tracking_number_twice_in_one_file)
{
    as_db *db = open_db();
    char t1[AS_TRACKING_BUFSIZE], t2[AS_TRACKING_BUFSIZE];
    open_ticket(db, "first", NULL, T0, t1);
    open_ticket(db, "second", NULL, T0 + 60, t2);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_not_null(out);
    int64_t n = 0;
    cr_assert_eq(as_ticket_export(db, out, &n), AS_OK, "%s", as_errmsg(db));
    fclose(out);
    cr_assert_eq(n, 2);

    /* The export with its first line again at the end, into a fresh
     * database that has the user. */
    size_t first = (size_t)(strchr(buf, '\n') - buf) + 1;
    char *text = malloc(len + first);
    memcpy(text, buf, len);
    memcpy(text + len, buf, first);
    char path[400];
    snprintf(path, sizeof path, "%s/copy.db", th_dir);
    as_open_options oo = AS_OPEN_OPTIONS_INIT;
    oo.flags = AS_OPEN_CREATE;
    oo.config = test_cfg;
    as_db *copy = NULL;
    char *err = NULL;
    cr_assert_eq(as_open(&copy, path, &oo, &err), AS_OK, "%s", err ? err : "");
    as_user_input u = AS_USER_INPUT_INIT;
    u.fields = AS_USER_NAME;
    u.user_id = "U1";
    u.name = "张三";
    cr_assert_eq(as_user_add(copy, &u), AS_OK, "%s", as_errmsg(copy));

    FILE *in = fmemopen(text, len + first, "rb");
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.on_reject = ticket_on_reject;
    as_import_stats st;
    ticket_rejects[0] = '\0';
    cr_assert_eq(as_ticket_import(copy, in, "t.jsonl", &o, &st), AS_INVALID);
    fclose(in);
    char want[128];
    snprintf(want, sizeof want, "3 tracking: '%s' is also on line 1|", t1);
    cr_assert_str_eq(ticket_rejects, want);

    in = fmemopen(text, len + first, "rb");
    o.flags = AS_IMPORT_SKIP_BAD;
    ticket_rejects[0] = '\0';
    cr_assert_eq(as_ticket_import(copy, in, "t.jsonl", &o, &st), AS_OK, "%s", as_errmsg(copy));
    fclose(in);
    cr_assert_eq(st.inserted, 2);
    cr_assert_eq(st.rejected, 1);
    cr_assert_str_eq(ticket_rejects, want);
    as_close(copy);
    free(text);
    free(buf);
    close_db(db);
}

/* ---- the C API of 0.2: iterators, reports, ownership ---------------- */

/* Resolve ticket t at `at` with first response `reply_after` seconds after
 * opening; assign it to agent first. */
static void work_ticket(as_db *db, const char *t, const char *agent, int64_t opened,
                        int64_t reply_after, int64_t resolve_after)
{
    as_ticket_action a = act_at(opened + 1, NULL);
    cr_assert_eq(as_ticket_assign(db, t, agent, &a), AS_OK, "%s", as_errmsg(db));
    a = act_at(opened + reply_after, "收到");
    cr_assert_eq(as_ticket_reply(db, t, &a, 0), AS_OK, "%s", as_errmsg(db));
    a = act_at(opened + resolve_after, "已处理");
    cr_assert_eq(as_ticket_resolve(db, t, &a), AS_OK, "%s", as_errmsg(db));
}

Test(ticket, reports_round_in_the_library)
{
    as_db *db = open_db();
    char t[3][AS_TRACKING_BUFSIZE];
    /* urgent: first response 30m.  Two of three met (10m, 20m, 40m). */
    static const int64_t replies[3] = {10 * MIN, 20 * MIN, 40 * MIN};
    static const int scores[3] = {5, 4, 2};
    for (int i = 0; i < 3; i++) {
        open_ticket(db, "多扣", "urgent", T0 + i * MIN, t[i]);
        work_ticket(db, t[i], i < 2 ? "amy" : "bob", T0 + i * MIN, replies[i], HOUR);
    }
    as_report_query q = AS_REPORT_QUERY_INIT;
    q.by = AS_REPORT_BY_QUEUE;
    q.from = T0;
    q.to = T0 + 86400;
    as_report_sla_iter *si;
    const as_report_sla_row *r;
    cr_assert_eq(as_report_sla_iter_new(&si, db, &q), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_report_sla_next(si, &r), AS_OK);
    cr_assert_str_eq(r->group, "payment");
    cr_assert_eq(r->tickets, 3);
    cr_assert_eq(r->first_response_n, 3);
    cr_assert_eq(r->first_response_met, 2);
    cr_assert_float_eq(r->first_response_met_pct, 66.7, 1e-9, "2/3 rounds to 66.7");
    cr_assert_eq(r->first_response_median_min, 20);
    cr_assert_eq(r->first_response_p90_min, 40);
    cr_assert_eq(as_report_sla_next(si, &r), AS_DONE);
    as_report_sla_iter_free(si);
    /* by agent: two groups, in order */
    q.by = AS_REPORT_BY_AGENT;
    cr_assert_eq(as_report_sla_iter_new(&si, db, &q), AS_OK);
    cr_assert_eq(as_report_sla_next(si, &r), AS_OK);
    cr_assert_str_eq(r->group, "amy");
    cr_assert_eq(r->tickets, 2);
    cr_assert_float_eq(r->first_response_met_pct, 100.0, 1e-9);
    cr_assert_eq(as_report_sla_next(si, &r), AS_OK);
    cr_assert_str_eq(r->group, "bob");
    cr_assert_float_eq(r->first_response_met_pct, 0.0, 1e-9);
    cr_assert_eq(as_report_sla_next(si, &r), AS_DONE);
    as_report_sla_iter_free(si);
    /* an empty period: no rows */
    q.from = T0 + 86400;
    q.to = T0 + 2 * 86400;
    cr_assert_eq(as_report_sla_iter_new(&si, db, &q), AS_OK);
    cr_assert_eq(as_report_sla_next(si, &r), AS_DONE);
    as_report_sla_iter_free(si);

    /* CSAT: 5, 4, 2 for the queue: mean 3.67 (11/3 rounded half up), 66.7% */
    for (int i = 0; i < 3; i++)
        cr_assert_eq(as_survey_record(db, t[i], scores[i], NULL, T0 + 2 * HOUR, NULL), AS_OK,
                     "%s", as_errmsg(db));
    q.from = T0;
    q.to = T0 + 86400;
    q.by = AS_REPORT_BY_QUEUE;
    as_report_csat_iter *ci;
    const as_report_csat_row *c;
    cr_assert_eq(as_report_csat_iter_new(&ci, db, &q), AS_OK);
    cr_assert_eq(as_report_csat_next(ci, &c), AS_OK);
    cr_assert_str_eq(c->group, "payment");
    cr_assert_eq(c->answers, 3);
    cr_assert_eq(c->score_sum, 11);
    cr_assert_eq(c->satisfied, 2);
    cr_assert_float_eq(c->mean_score, 3.67, 1e-9);
    cr_assert_float_eq(c->csat_pct, 66.7, 1e-9);
    cr_assert_eq(as_report_csat_next(ci, &c), AS_DONE);
    as_report_csat_iter_free(ci);
    cr_assert_str_eq(as_report_by_name(AS_REPORT_BY_LEVEL), "level");
    cr_assert_null(as_report_by_name((as_report_by)9));
    /* misuse */
    q.version = 99;
    cr_assert_eq(as_report_csat_iter_new(&ci, db, &q), AS_MISUSE);
    cr_assert_eq(as_report_sla_iter_new(&si, db, &q), AS_MISUSE);
    cr_assert_eq(as_report_sla_iter_new(&si, db, NULL), AS_MISUSE);
    cr_assert_eq(as_report_sla_next(NULL, &r), AS_MISUSE);
    as_report_sla_iter_free(NULL);
    as_report_csat_iter_free(NULL);
    close_db(db);
}

Test(ticket, sla_listing_without_a_sweep_escalates_nothing)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "x", "urgent", T0, t);
    as_sla_query q = AS_SLA_QUERY_INIT;
    q.at = T0 + 31 * MIN;
    as_sla_iter *it;
    const as_sla_item *v;
    /* Listing only reads: the breached clock is listed, nothing recorded. */
    cr_assert_eq(as_sla_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_sla_next(it, &v), AS_OK);
    cr_assert_str_eq(v->state, "breached");
    cr_assert_str_eq(v->clock, "first_response");
    cr_assert_eq(v->minutes_left, -1);
    cr_assert_eq(v->escalated, 0);
    cr_assert_eq(as_sla_next(it, &v), AS_DONE);
    as_sla_iter_free(it);
    as_ticket_event_iter *ei;
    const as_ticket_event *e;
    cr_assert_eq(as_ticket_event_iter_new(&ei, db, t), AS_OK);
    while (as_ticket_event_next(ei, &e) == AS_OK)
        cr_assert_str_neq(e->kind, "escalation", "listing records nothing");
    as_ticket_event_iter_free(ei);
    /* A sweep records two; a later sweep's result marks nothing. */
    as_sla_sweep_result r1, r2;
    cr_assert_eq(as_sla_sweep(db, q.at, &r1), AS_OK);
    cr_assert_eq(r1.recorded, 2);
    cr_assert_eq(as_sla_sweep(db, q.at, &r2), AS_OK);
    cr_assert_eq(r2.recorded, 0);
    cr_assert_eq(r2.first_id, 0);
    q.sweep = &r2;
    cr_assert_eq(as_sla_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_sla_next(it, &v), AS_OK);
    cr_assert_eq(v->escalated, 0);
    as_sla_iter_free(it);
    q.sweep = &r1;
    cr_assert_eq(as_sla_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_sla_next(it, &v), AS_OK);
    cr_assert_eq(v->escalated, 1);
    as_sla_iter_free(it);
    /* misuse */
    cr_assert_eq(as_sla_sweep(NULL, 0, NULL), AS_MISUSE);
    q.version = 0;
    cr_assert_eq(as_sla_iter_new(&it, db, &q), AS_MISUSE);
    cr_assert_null(it);
    cr_assert_eq(as_sla_next(NULL, &v), AS_MISUSE);
    as_sla_iter_free(NULL);
    close_db(db);
}

Test(ticket, survey_query_refuses_bad_values)
{
    as_db *db = open_db();
    as_survey_iter *si = NULL;
    as_survey_query q = AS_SURVEY_QUERY_INIT;
    q.status = (as_survey_status)17;
    cr_assert_eq(as_survey_iter_new(&si, db, &q), AS_INVALID);
    cr_assert_null(si);
    q = (as_survey_query)AS_SURVEY_QUERY_INIT;
    q.version = 3;
    cr_assert_eq(as_survey_iter_new(&si, db, &q), AS_MISUSE);
    q = (as_survey_query)AS_SURVEY_QUERY_INIT;
    q.status = AS_SURVEY_ANY;
    cr_assert_eq(as_survey_iter_new(&si, db, &q), AS_OK);
    const as_survey *sv;
    cr_assert_eq(as_survey_next(si, &sv), AS_DONE);
    as_survey_iter_free(si);
    close_db(db);
}

Test(ticket, an_owned_ticket_outlives_the_handle)
{
    as_db *db = open_db();
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "加油多扣了钱", NULL, T0, t);
    as_ticket *tk = NULL;
    cr_assert_eq(as_ticket_get(&tk, db, t), AS_OK);
    close_db(db);
    cr_assert_str_eq(tk->tracking, t);
    cr_assert_str_eq(tk->subject, "加油多扣了钱");
    cr_assert_str_eq(tk->queue, "payment");
    cr_assert_null(tk->assignee);
    cr_assert_null(tk->incident);
    as_ticket_free(tk);
    as_ticket_free(NULL);
}

Test(ticket, resolve_kb_takes_null_for_defaults)
{
    as_db *db = open_db();
    as_kb_input in = AS_KB_INPUT_INIT;
    in.title = "重复扣款怎么退款";
    in.body = "多扣的金额原路退回。";
    in.category = "payment";
    int64_t article = 0;
    cr_assert_eq(as_kb_add(db, &in, &article), AS_OK, "%s", as_errmsg(db));
    char t[AS_TRACKING_BUFSIZE];
    open_ticket(db, "重复扣款了", NULL, T0, t);
    /* suggestions for the ticket find the article */
    as_kb_iter *ki;
    const as_kb_article *a;
    cr_assert_eq(as_ticket_suggest_iter_new(&ki, db, t, 5), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_kb_next(ki, &a), AS_OK);
    cr_assert_eq(a->id, article);
    as_kb_iter_free(ki);
    char typo[AS_TRACKING_BUFSIZE];
    memcpy(typo, t, sizeof typo);
    typo[8] = (char)(typo[8] == '9' ? '0' : typo[8] + 1);
    cr_assert_eq(as_ticket_suggest_iter_new(&ki, db, typo, 5), AS_INVALID);
    cr_assert_eq(as_ticket_suggest_iter_new(&ki, db, NULL, 5), AS_MISUSE);
    /* an unknown article changes nothing */
    cr_assert_eq(as_ticket_resolve_kb(db, t, article + 100, NULL), AS_NOTFOUND);
    as_ticket *tk = get(db, t);
    cr_assert_neq(tk->status, AS_TICKET_RESOLVED);
    as_ticket_free(tk);
    /* NULL act: by system, now */
    cr_assert_eq(as_ticket_resolve_kb(db, t, article, NULL), AS_OK, "%s", as_errmsg(db));
    tk = get(db, t);
    cr_assert_eq(tk->status, AS_TICKET_RESOLVED);
    cr_assert_eq(tk->kb_article_id, article);
    cr_assert(tk->resolved_at > T0, "now");
    as_ticket_free(tk);
    as_ticket_event_iter *ei;
    const as_ticket_event *e;
    cr_assert_eq(as_ticket_event_iter_new(&ei, db, t), AS_OK);
    int resolved = 0;
    while (as_ticket_event_next(ei, &e) == AS_OK)
        if (strcmp(e->kind, "resolved") == 0) {
            resolved++;
            cr_assert_str_eq(e->actor, "system");
        }
    as_ticket_event_iter_free(ei);
    cr_assert_eq(resolved, 1);
    cr_assert_eq(as_kb_stats_iter_new(&ki, db, NULL), AS_OK);
    cr_assert_eq(as_kb_next(ki, &a), AS_OK);
    cr_assert_eq(a->resolved, 1);
    as_kb_iter_free(ki);
    as_ticket_action bad = AS_TICKET_ACTION_INIT;
    bad.version = 42;
    cr_assert_eq(as_ticket_resolve_kb(db, t, article, &bad), AS_MISUSE);
    close_db(db);
}

Test(ticket, list_by_a_set_of_statuses)
{
    as_db *db = open_db();
    char t1[AS_TRACKING_BUFSIZE], t2[AS_TRACKING_BUFSIZE], t3[AS_TRACKING_BUFSIZE];
    open_ticket(db, "一", NULL, T0, t1);
    open_ticket(db, "二", NULL, T0 + 1, t2);
    open_ticket(db, "三", NULL, T0 + 2, t3);
    as_ticket_action a = act_at(T0 + HOUR, NULL);
    cr_assert_eq(as_ticket_assign(db, t2, "bob", &a), AS_OK);
    cr_assert_eq(as_ticket_resolve(db, t3, &a), AS_OK, "%s", as_errmsg(db));
    static const struct {
        unsigned statuses;
        int want;
    } cases[] = {
        {0, 3},
        {AS_TICKET_STATUS_BIT(AS_TICKET_NEW), 1},
        {AS_TICKET_STATUS_BIT(AS_TICKET_NEW) | AS_TICKET_STATUS_BIT(AS_TICKET_RESOLVED), 2},
        {AS_TICKET_OPEN_STATUSES, 2},
        {AS_TICKET_STATUS_BIT(AS_TICKET_CLOSED), 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        as_ticket_query q = AS_TICKET_QUERY_INIT;
        q.statuses = cases[i].statuses;
        as_ticket_iter *it = NULL;
        cr_assert_eq(as_ticket_iter_new(&it, db, &q), AS_OK, "%s", as_errmsg(db));
        const as_ticket *v;
        int n = 0;
        while (as_ticket_next(it, &v) == AS_OK) {
            cr_assert(q.statuses == 0 || (q.statuses & AS_TICKET_STATUS_BIT(v->status)));
            n++;
        }
        as_ticket_iter_free(it);
        cr_assert_eq(n, cases[i].want, "statuses 0x%x: %d tickets", cases[i].statuses, n);
    }
    as_ticket_query bad = AS_TICKET_QUERY_INIT;
    bad.statuses = AS_TICKET_STATUS_BIT(AS_TICKET_STATUS_LAST);
    as_ticket_iter *it = NULL;
    cr_assert_eq(as_ticket_iter_new(&it, db, &bad), AS_INVALID);
    cr_assert_null(it);
    cr_assert_str_eq(as_survey_status_name(AS_SURVEY_VOID), "void");
    cr_assert_null(as_survey_status_name(AS_SURVEY_ANY));
    cr_assert_null(as_survey_status_name((as_survey_status)-1));
    close_db(db);
}

/* The sweep is one set-based pass: its escalations and their history events
 * come in the order of the clocks at risk (earliest first), each event
 * naming its clock and state, dated at the sweep; a clock at risk but not
 * breached gets only the at-risk escalation. */
Test(ticket, a_sweep_writes_each_escalation_once_in_order_with_its_event)
{
    as_db *db = open_db();
    char a[AS_TRACKING_BUFSIZE], b[AS_TRACKING_BUFSIZE], c[AS_TRACKING_BUFSIZE];
    open_ticket(db, "a", "urgent", T0 + 20 * MIN, a);   /* first response due 09:50 */
    open_ticket(db, "b", "urgent", T0, b);              /* due 09:30: the earliest */
    open_ticket(db, "c", "normal", T0 + 10 * MIN, c);   /* due much later */
    int64_t at = T0 + 45 * MIN;                          /* b breached, a at risk */
    as_sla_sweep_result r;
    cr_assert_eq(as_sla_sweep(db, at, &r), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r.recorded, 3);
    cr_assert_eq(r.last_id - r.first_id + 1, 3);

    /* Every escalation event of the three tickets, in id order. */
    struct esc_event { int64_t id; char ticket; char text[64]; } got[8];
    size_t n = 0;
    const char *tickets[3] = {a, b, c};
    for (int k = 0; k < 3; k++) {
        as_ticket_event_iter *ei;
        const as_ticket_event *e;
        cr_assert_eq(as_ticket_event_iter_new(&ei, db, tickets[k]), AS_OK);
        while (as_ticket_event_next(ei, &e) == AS_OK) {
            if (strcmp(e->kind, "escalation") != 0)
                continue;
            cr_assert_lt(n, 8);
            cr_assert_eq(e->at, at, "dated at the sweep");
            cr_assert_str_eq(e->actor, "system");
            got[n].id = e->id;
            got[n].ticket = (char)('a' + k);
            snprintf(got[n].text, sizeof got[n].text, "%s", e->text ? e->text : "");
            n++;
        }
        as_ticket_event_iter_free(ei);
    }
    cr_assert_eq(n, 3);
    for (size_t i = 0; i < n; i++)   /* sort by id */
        for (size_t j = i + 1; j < n; j++)
            if (got[j].id < got[i].id) {
                struct esc_event tmp = got[i];
                got[i] = got[j];
                got[j] = tmp;
            }
    static const struct { char ticket; const char *text; } want[3] = {
        {'b', "first_response at risk"}, {'b', "first_response breached"},
        {'a', "first_response at risk"}};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(got[i].ticket, want[i].ticket, "%zu: ticket %c", i, got[i].ticket);
        cr_assert_str_eq(got[i].text, want[i].text, "%zu", i);
    }
    /* Again: nothing more. */
    cr_assert_eq(as_sla_sweep(db, at, &r), AS_OK);
    cr_assert_eq(r.recorded, 0);
    cr_assert_eq(r.first_id, 0);
    close_db(db);
}
