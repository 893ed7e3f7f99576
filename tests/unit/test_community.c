/* test_community.c - the community: moderation of posts (banned terms,
 * sentiment, the alert rules), review, featuring and its points, the
 * ambassador figures, submissions and their transitions, the adopted tips
 * of the reminder rotation, erasure. */
#include "helpers.h"

/* The configuration of open_community(): it must outlive the handle. */
static as_config *held;

static void cleanup(void)
{
    as_config_free(held);
    held = NULL;
    th_cleanup();
}

TestSuite(community, .fini = cleanup);

static const char community_yaml[] =
    "community:\n"
    "  boards:\n"
    "    - {id: experience, name: 用车心得}\n"
    "    - {id: saving, name: 省油妙招}\n"
    "  banned_terms: [刷单, 代充]\n"
    "  flag_below: -0.5\n"
    "  feature_points: 30\n"
    "  feature_days: 7\n"
    "  adopt_points: 80\n"
    "reminders:\n"
    "  cap: {count: 10, per: 1d}\n"
    "  tips:\n"
    "    every: 1d\n"
    "    title: 用车小知识\n"
    "    messages: [\"{name}您好：胎压不足会增加油耗。\"]\n";

static as_db *open_community(void)
{
    held = th_config(community_yaml);
    as_db *db = th_open_with(held);
    th_add_user(db, "U1", 1, NULL);
    th_add_user(db, "U2", 1, NULL);
    return db;
}

static int64_t add_post(as_db *db, const char *user, const char *board, const char *title,
                        const char *body, int64_t at)
{
    as_post_new in = AS_POST_NEW_INIT;
    in.user_id = user;
    in.board = board;
    in.title = title;
    in.body = body;
    in.at = at;
    int64_t id = 0;
    cr_assert_eq(as_post_add(db, &in, &id), AS_OK, "%s", as_errmsg(db));
    cr_assert_gt(id, 0);
    return id;
}

static as_status try_post(as_db *db, const char *user, const char *board, const char *title,
                          const char *body)
{
    as_post_new in = AS_POST_NEW_INIT;
    in.user_id = user;
    in.board = board;
    in.title = title;
    in.body = body;
    return as_post_add(db, &in, NULL);
}

static int64_t balance(as_db *db, const char *user)
{
    as_points_balance b;
    cr_assert_eq(as_points_balance_get(db, user, 0, &b), AS_OK, "%s", as_errmsg(db));
    return b.balance;
}

Test(community, boards_from_the_section)
{
    as_db *db = open_community();
    const as_board *b;
    size_t n;
    cr_assert_eq(as_community_boards(db, &b, &n), AS_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(b[0].id, "experience");
    cr_assert_str_eq(b[1].name, "省油妙招");
    as_close(db);
}

Test(community, a_normal_post_is_visible)
{
    as_db *db = open_community();
    int64_t id = add_post(db, "U1", "saving", "省油心得", "胎压保持正常，匀速行驶，油耗明显下降，很满意。",
                          th_time("2026-03-02T10:00:00+08:00"));
    as_post *p = NULL;
    cr_assert_eq(as_post_get(&p, db, id), AS_OK);
    cr_assert_str_eq(p->status, "visible");
    cr_assert_eq(p->nflags, 0);
    cr_assert_gt(p->sentiment, 0);
    cr_assert_str_eq(p->board_name, "省油妙招");
    cr_assert_eq(p->created_at, th_time("2026-03-02T10:00:00+08:00"));
    as_post_free(p);
    as_close(db);
}

Test(community, a_banned_term_queues_the_post)
{
    as_db *db = open_community();
    /* full-width and traditional forms count too */
    int64_t id = add_post(db, "U2", "experience", "兼職", "在家刷單，日结", 0);
    as_post *p = NULL;
    cr_assert_eq(as_post_get(&p, db, id), AS_OK);
    cr_assert_str_eq(p->status, "queued");
    cr_assert_eq(p->nflags, 1);
    cr_assert_str_eq(p->flags[0].rule, "banned_term");
    cr_assert_str_eq(p->flags[0].match, "刷单");
    as_post_free(p);
    as_close(db);
}

Test(community, an_angry_post_is_queued_by_sentiment_and_alerts)
{
    as_db *db = open_community();
    int64_t id = add_post(db, "U1", "experience", "加油站", "服务太差了，我非常愤怒！", 0);
    as_post *p = NULL;
    cr_assert_eq(as_post_get(&p, db, id), AS_OK);
    cr_assert_str_eq(p->status, "queued");
    cr_assert_eq(p->nflags, 3);
    cr_assert_str_eq(p->flags[0].rule, "sentiment");
    cr_assert_null(p->flags[0].match);
    cr_assert_str_eq(p->flags[1].rule, "anger");
    cr_assert_str_eq(p->flags[1].match, "愤怒");
    cr_assert_str_eq(p->flags[2].rule, "disappointment");
    cr_assert_lt(p->sentiment, -0.5);
    as_post_free(p);

    /* the review queue, then approval */
    as_post_query q = AS_POST_QUERY_INIT;
    q.status = "queued";
    as_post_iter *it;
    const as_post *v;
    cr_assert_eq(as_post_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_post_next(it, &v), AS_OK);
    cr_assert_eq(v->id, id);
    cr_assert_eq(v->nflags, 3);
    cr_assert_eq(as_post_next(it, &v), AS_DONE);
    as_post_iter_free(it);
    cr_assert_eq(as_post_approve(db, id, 0), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_post_approve(db, id, 0), AS_INVALID);
    cr_assert_eq(as_post_get(&p, db, id), AS_OK);
    cr_assert_str_eq(p->status, "visible");
    cr_assert_eq(p->nflags, 3, "the flags stay after review");
    as_post_free(p);
    as_close(db);
}

Test(community, remove_needs_a_reason_and_happens_once)
{
    as_db *db = open_community();
    int64_t id = add_post(db, "U1", "saving", "t", "正常的内容", 0);
    cr_assert_eq(as_post_remove(db, id, "", 0), AS_INVALID);
    cr_assert_eq(as_post_remove(db, id, "广告", 0), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_post_remove(db, id, "again", 0), AS_INVALID);
    cr_assert_eq(as_post_remove(db, 99, "x", 0), AS_NOTFOUND);
    as_post *p = NULL;
    cr_assert_eq(as_post_get(&p, db, id), AS_OK);
    cr_assert_str_eq(p->status, "removed");
    cr_assert_str_eq(p->removed_reason, "广告");
    as_post_free(p);
    as_close(db);
}

Test(community, feature_credits_once_and_refuses_queued)
{
    as_db *db = open_community();
    int64_t t0 = th_time("2026-03-02T10:00:00+08:00");
    int64_t ok = add_post(db, "U1", "saving", "省油", "匀速行驶更省油。", t0);
    int64_t bad = add_post(db, "U2", "saving", "兼职", "刷单", t0);
    int64_t pts = -1;
    cr_assert_eq(as_post_feature(db, bad, t0 + 3600, &pts), AS_INVALID);
    cr_assert_eq(pts, 0);
    cr_assert_eq(as_post_feature(db, ok, t0 - 1, &pts), AS_INVALID, "before the post");
    cr_assert_eq(as_post_feature(db, ok, t0 + 3600, &pts), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(pts, 30);
    cr_assert_eq(as_post_feature(db, ok, t0 + 7200, &pts), AS_OK);
    cr_assert_eq(pts, 0, "a repeat credits nothing");
    cr_assert_eq(balance(db, "U1"), 30);
    cr_assert_eq(th_count("SELECT count(*) FROM points_ledger WHERE ref = 'post:1:feature'"), 1);
    as_post *p = NULL;
    cr_assert_eq(as_post_get(&p, db, ok), AS_OK);
    cr_assert_eq(p->featured_until, t0 + 7200 + 7 * 86400);
    as_post_free(p);
    /* pinned: within the week, not after */
    as_post_query q = AS_POST_QUERY_INIT;
    q.pinned_at = t0 + 86400;
    as_post_iter *it;
    const as_post *v;
    cr_assert_eq(as_post_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_post_next(it, &v), AS_OK);
    cr_assert_eq(v->id, ok);
    cr_assert_eq(as_post_next(it, &v), AS_DONE);
    as_post_iter_free(it);
    q.pinned_at = t0 + 9 * 86400;
    cr_assert_eq(as_post_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_post_next(it, &v), AS_DONE);
    as_post_iter_free(it);
    as_close(db);
}

Test(community, bad_input)
{
    as_db *db = open_community();
    char *long_body = malloc(3 * 5001 + 1);
    cr_assert_not_null(long_body);
    for (int i = 0; i < 5001; i++)
        memcpy(long_body + 3 * i, "油", 3);
    long_body[3 * 5001] = '\0';
    cr_assert_eq(try_post(db, "U1", "saving", "t", ""), AS_INVALID);
    cr_assert_eq(try_post(db, "U1", "saving", "t", " \n "), AS_INVALID);
    cr_assert_eq(try_post(db, "U1", "saving", "t", "\xE3\x80\x80 "), AS_INVALID, "U+3000");
    cr_assert_eq(try_post(db, "U1", "saving", "", "b"), AS_INVALID);
    cr_assert_eq(try_post(db, "U1", "saving", "t", long_body), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "5001 characters"), "%s", as_errmsg(db));
    long_body[3 * 5000] = '\0';
    cr_assert_eq(try_post(db, "U1", "saving", "t", long_body), AS_OK, "5000 is allowed");
    free(long_body);
    cr_assert_eq(try_post(db, "U1", "gossip", "t", "b"), AS_INVALID);
    cr_assert_eq(try_post(db, "NOBODY", "saving", "t", "b"), AS_NOTFOUND);
    cr_assert_eq(try_post(db, "U1", "saving", "t", "\xff"), AS_INVALID);
    cr_assert_eq(try_post(NULL, "U1", "saving", "t", "b"), AS_MISUSE);

    as_submission_new s = AS_SUBMISSION_NEW_INIT;
    s.user_id = "U1";
    s.kind = "video";
    s.text = "教程";
    cr_assert_eq(as_submission_add(db, &s, NULL), AS_INVALID, "a video needs a link");
    const char *bad_urls[] = {"ftp://x.example.com", "https://", "https:///a", "http://a b",
                              "javascript:alert(1)"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        s.url = bad_urls[i];
        cr_assert_eq(as_submission_add(db, &s, NULL), AS_INVALID, "%s", bad_urls[i]);
    }
    s.url = "https://v.example.com/a?b=1";
    cr_assert_eq(as_submission_add(db, &s, NULL), AS_OK, "%s", as_errmsg(db));
    s.kind = "audio";
    cr_assert_eq(as_submission_add(db, &s, NULL), AS_INVALID);
    as_close(db);
}

static int64_t add_submission(as_db *db, const char *user, const char *kind, const char *text,
                              int64_t at)
{
    as_submission_new s = AS_SUBMISSION_NEW_INIT;
    s.user_id = user;
    s.kind = kind;
    s.text = text;
    s.url = strcmp(kind, "video") == 0 ? "https://v.example.com/1" : NULL;
    s.at = at;
    int64_t id = 0;
    cr_assert_eq(as_submission_add(db, &s, &id), AS_OK, "%s", as_errmsg(db));
    return id;
}

Test(community, submission_transitions)
{
    as_db *db = open_community();
    int64_t tip = add_submission(db, "U2", "tip", "雨天减速慢行。", 0);
    int64_t video = add_submission(db, "U2", "video", "换机油", 0);
    int64_t other = add_submission(db, "U1", "tip", "后备箱别放杂物。", 0);
    int64_t pts = -1;
    cr_assert_eq(as_submission_adopt(db, video, AS_SUBMISSION_AS_TIP, 0, &pts), AS_INVALID);
    cr_assert_eq(as_submission_adopt(db, tip, AS_SUBMISSION_AS_TIP, 0, &pts), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(pts, 80);
    cr_assert_eq(as_submission_adopt(db, tip, 0, 0, &pts), AS_INVALID, "adopt twice");
    cr_assert_eq(as_submission_decline(db, tip, "late", 0), AS_INVALID, "decline an adopted");
    cr_assert_eq(as_submission_decline(db, other, "重复", 0), AS_OK);
    cr_assert_eq(as_submission_adopt(db, other, 0, 0, &pts), AS_INVALID, "adopt a declined");
    cr_assert_eq(as_submission_adopt(db, 99, 0, 0, &pts), AS_NOTFOUND);
    cr_assert_eq(balance(db, "U2"), 80);
    cr_assert_eq(balance(db, "U1"), 0);
    as_submission *v = NULL;
    cr_assert_eq(as_submission_get(&v, db, tip), AS_OK);
    cr_assert_str_eq(v->status, "adopted");
    cr_assert_eq(v->as_tip, 1);
    as_submission_free(v);
    cr_assert_eq(as_submission_get(&v, db, other), AS_OK);
    cr_assert_str_eq(v->status, "declined");
    cr_assert_str_eq(v->reason, "重复");
    as_submission_free(v);
    /* the database refuses a change of a decision behind the library's back too */
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open(th_path, &c), SQLITE_OK);
    cr_assert_neq(sqlite3_exec(c, "UPDATE community_submissions SET status = 'declined',"
                                  " reason = 'x' WHERE kind = 'tip' AND status = 'adopted'",
                               NULL, NULL, NULL),
                  SQLITE_OK);
    sqlite3_close(c);
    as_close(db);
}

/* The tip bodies of user's notifications, in id order, joined by '|'. */
static void tip_bodies(as_db *db, const char *user, char *out, size_t n)
{
    as_outbox_query q = AS_OUTBOX_QUERY_INIT;
    q.user_id = user;
    as_outbox_iter *it;
    const as_outbox_item *v;
    out[0] = '\0';
    cr_assert_eq(as_outbox_iter_new(&it, db, &q), AS_OK);
    while (as_outbox_next(it, &v) == AS_OK)
        if (strcmp(v->kind, "tip") == 0) {
            if (out[0])
                strncat(out, "|", n - strlen(out) - 1);
            strncat(out, v->body, n - strlen(out) - 1);
        }
    as_outbox_iter_free(it);
}

static void run_at(as_db *db, const char *when)
{
    as_remind_options o = AS_REMIND_OPTIONS_INIT;
    o.at = th_time(when);
    cr_assert_eq(as_remind_run(db, &o, NULL), AS_OK, "%s", as_errmsg(db));
}

Test(community, adopted_tips_join_the_rotation)
{
    as_db *db = open_community();
    int64_t tip = add_submission(db, "U2", "tip", "雨天减速慢行，{name}也别急。",
                                 th_time("2026-03-05T10:00:00+08:00"));
    cr_assert_eq(as_submission_adopt(db, tip, AS_SUBMISSION_AS_TIP,
                                     th_time("2026-03-06T10:00:00+08:00"), NULL),
                 AS_OK);
    /* Periods (days since 1970, UTC): 03-05 20517 (before the adoption: the
     * configured tip alone), 03-07 20519 (odd: the adopted one, second in
     * the rotation of two), 03-08 20520 (even: the configured one). */
    run_at(db, "2026-03-05T12:00:00+08:00");
    run_at(db, "2026-03-07T12:00:00+08:00");
    run_at(db, "2026-03-07T13:00:00+08:00");   /* a rerun sends nothing twice */
    run_at(db, "2026-03-08T12:00:00+08:00");
    char got[1024];
    tip_bodies(db, "U1", got, sizeof got);
    /* the adopted text as written: {name} is literal */
    cr_assert_str_eq(got, "张三您好：胎压不足会增加油耗。|雨天减速慢行，{name}也别急。|"
                          "张三您好：胎压不足会增加油耗。");
    as_close(db);
}

Test(community, an_adoption_after_the_run_time_does_not_count)
{
    as_db *db = open_community();
    int64_t tip = add_submission(db, "U2", "tip", "后来才采纳的小贴士。",
                                 th_time("2026-03-01T10:00:00+08:00"));
    cr_assert_eq(as_submission_adopt(db, tip, AS_SUBMISSION_AS_TIP,
                                     th_time("2026-03-10T10:00:00+08:00"), NULL),
                 AS_OK);
    run_at(db, "2026-03-07T12:00:00+08:00");   /* before the adoption */
    char got[1024];
    tip_bodies(db, "U1", got, sizeof got);
    cr_assert_str_eq(got, "张三您好：胎压不足会增加油耗。");
    as_close(db);
}

static const char fb_csv[] =
    "feedback_id,submitted_at,user_id,overall,comment\n"
    "F1,2026-03-01T10:00:00+08:00,U1,5,很好用\n"
    "F2,2026-03-02T10:00:00+08:00,U1,2,一般\n"
    "F3,2026-03-02T10:00:00+08:00,U2,4,\n"
    "F4,2026-03-02T10:00:00+08:00,U3,5,很好\n"     /* not a registered user */
    "F5,2026-04-02T10:00:00+08:00,U2,5,很好\n";    /* outside the window */

Test(community, ambassador_figures)
{
    as_db *db = open_community();
    int64_t t0 = th_time("2026-03-02T10:00:00+08:00");
    int64_t p1 = add_post(db, "U1", "saving", "省油", "匀速行驶更省油。", t0);
    add_post(db, "U1", "saving", "保养", "按时保养。", t0);
    add_post(db, "U2", "saving", "兼职", "刷单", t0);          /* queued: not counted */
    cr_assert_eq(as_post_feature(db, p1, t0 + 60, NULL), AS_OK);
    int64_t s = add_submission(db, "U2", "tip", "雨天慢行。", t0);
    cr_assert_eq(as_submission_adopt(db, s, 0, t0 + 60, NULL), AS_OK);
    as_import_stats st;
    cr_assert_eq(th_feedback_import(db, fb_csv, &st), AS_OK, "%s", as_errmsg(db));

    as_ambassador_query q = AS_AMBASSADOR_QUERY_INIT;
    q.from = th_time("2026-03-01T00:00:00+08:00");
    q.to = th_time("2026-03-31T00:00:00+08:00");
    as_ambassador_iter *it;
    const as_ambassador *a;
    cr_assert_eq(as_ambassador_iter_new(&it, db, &q), AS_OK, "%s", as_errmsg(db));
    /* U1: 2 posts + 1 featured x 5 + 1 positive x 2 = 9 */
    cr_assert_eq(as_ambassador_next(it, &a), AS_OK);
    cr_assert_str_eq(a->user_id, "U1");
    cr_assert_eq(a->rank, 1);
    cr_assert_eq(a->posts, 2);
    cr_assert_eq(a->featured, 1);
    cr_assert_eq(a->positive_feedback, 1);
    cr_assert_eq(a->adopted, 0);
    cr_assert_eq(a->score, 9);
    /* U2: 1 positive x 2 + 1 adopted x 5 = 7 */
    cr_assert_eq(as_ambassador_next(it, &a), AS_OK);
    cr_assert_str_eq(a->user_id, "U2");
    cr_assert_eq(a->rank, 2);
    cr_assert_eq(a->posts, 0);
    cr_assert_eq(a->positive_feedback, 1);
    cr_assert_eq(a->adopted, 1);
    cr_assert_eq(a->score, 7);
    cr_assert_eq(as_ambassador_next(it, &a), AS_DONE);
    as_ambassador_iter_free(it);

    q.from = q.to + 1;
    cr_assert_eq(as_ambassador_iter_new(&it, db, &q), AS_INVALID);
    cr_assert_null(it);

    /* Erased users are never listed. */
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK, "%s", as_errmsg(db));
    q.from = th_time("2026-03-01T00:00:00+08:00");
    cr_assert_eq(as_ambassador_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_ambassador_next(it, &a), AS_OK);
    cr_assert_str_eq(a->user_id, "U2");
    cr_assert_eq(a->rank, 1);
    cr_assert_eq(as_ambassador_next(it, &a), AS_DONE);
    as_ambassador_iter_free(it);
    as_close(db);
}

Test(community, forget_erases_the_texts)
{
    as_db *db = open_community();
    int64_t p = add_post(db, "U1", "saving", "我的车牌", "胎压保持正常可以省油。", 0);
    int64_t other = add_post(db, "U2", "saving", "别人的", "匀速行驶。", 0);
    as_submission_new s = AS_SUBMISSION_NEW_INIT;
    s.user_id = "U1";
    s.kind = "video";
    s.text = "我的换油视频";
    s.url = "https://v.example.com/mine";
    int64_t sid = 0;
    cr_assert_eq(as_submission_add(db, &s, &sid), AS_OK);
    cr_assert_eq(as_submission_adopt(db, sid, 0, 0, NULL), AS_OK);
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK, "%s", as_errmsg(db));

    as_post *v = NULL;
    cr_assert_eq(as_post_get(&v, db, p), AS_OK);
    cr_assert_str_eq(v->title, AS_ERASED_TEXT);
    cr_assert_str_eq(v->body, AS_ERASED_TEXT);
    cr_assert_str_eq(v->status, "removed");
    cr_assert_str_eq(v->removed_reason, "user erased");
    as_post_free(v);
    cr_assert_eq(as_post_get(&v, db, other), AS_OK);
    cr_assert_str_eq(v->body, "匀速行驶。", "another's post is left alone");
    cr_assert_str_eq(v->status, "visible");
    as_post_free(v);
    as_submission *sv = NULL;
    cr_assert_eq(as_submission_get(&sv, db, sid), AS_OK);
    cr_assert_str_eq(sv->text, AS_ERASED_TEXT);
    cr_assert_null(sv->url);
    as_submission_free(sv);
    cr_assert_eq(th_count("SELECT count(*) FROM community_posts WHERE body LIKE '%胎压%'"
                          " OR title LIKE '%车牌%'"),
                 0);
    cr_assert_eq(th_count("SELECT count(*) FROM community_submissions WHERE text LIKE '%换油%'"
                          " OR url IS NOT NULL"),
                 0);
    /* An erased user can neither post nor submit. */
    cr_assert_eq(try_post(db, "U1", "saving", "t", "b"), AS_INVALID);
    s.text = "again";
    cr_assert_eq(as_submission_add(db, &s, NULL), AS_INVALID);
    as_close(db);
}
