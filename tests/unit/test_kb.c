/* test_kb.c - the knowledge base: add and validation, FTS5 trigram search
 * and its ranking, short queries, Chinese text, the index kept in sync on
 * update, suggestions, resolutions and stats, the JSON Lines import. */
#include "helpers.h"
#include "internal.h"

TestSuite(kb, .fini = th_cleanup);

static int64_t add(as_db *db, const char *title, const char *body, const char *category,
                   const char *tags)
{
    as_kb_input in = AS_KB_INPUT_INIT;
    in.title = title;
    in.body = body;
    in.category = category;
    in.tags = tags;
    int64_t id = 0;
    cr_assert_eq(as_kb_add(db, &in, &id), AS_OK, "%s", as_errmsg(db));
    return id;
}

/* The tags of an article joined with '|' ("" when none). */
static const char *tags_of(const as_kb_article *a)
{
    static char buf[256];
    buf[0] = '\0';
    for (size_t i = 0; i < a->ntags; i++) {
        if (i)
            strncat(buf, "|", sizeof buf - strlen(buf) - 1);
        strncat(buf, a->tags[i], sizeof buf - strlen(buf) - 1);
    }
    cr_assert((a->ntags == 0) == (a->tags == NULL), "tags NULL exactly when there are none");
    return buf;
}

/* as_kb_suggest_iter_new with a category and a limit. */
static as_status suggest(as_kb_iter **it, as_db *db, const char *category, const char *text,
                         int64_t limit)
{
    as_kb_query q = AS_KB_QUERY_INIT;
    q.category = category;
    q.limit = limit;
    return as_kb_suggest_iter_new(it, db, text, &q);
}

/* Ids of an iterator, as "1,3,2". */
static char *ids(as_kb_iter *it)
{
    static char buf[256];
    buf[0] = '\0';
    const as_kb_article *a;
    as_status st;
    double last = 1e300;
    while ((st = as_kb_next(it, &a)) == AS_OK) {
        char one[24];
        snprintf(one, sizeof one, "%s%lld", buf[0] ? "," : "", (long long)a->id);
        strncat(buf, one, sizeof buf - strlen(buf) - 1);
        cr_assert(a->score <= last, "scores must not increase");
        last = a->score;
    }
    cr_assert_eq(st, AS_DONE);
    as_kb_iter_free(it);
    return buf;
}

static char *search(as_db *db, const char *q, const char *category)
{
    as_kb_iter *it = NULL;
    as_kb_query query = AS_KB_QUERY_INIT;
    query.category = category;
    cr_assert_eq(as_kb_search_iter_new(&it, db, q, &query), AS_OK, "%s: %s", q, as_errmsg(db));
    return ids(it);
}

/* A small knowledge base in Chinese. */
static as_db *seeded(void)
{
    as_db *db = th_open_new();
    add(db, "扣款成功但订单显示未支付", "微信已扣款但订单显示未支付，通常是支付回调延迟，24小时内自动退款。",
        "payment", "退款,扣款");                                              /* 1 */
    add(db, "如何开具电子发票", "在订单详情页点击申请发票，电子发票会推送到邮箱。",
        "invoice", "发票");                                                   /* 2 */
    add(db, "优惠券无法使用", "优惠券有使用门槛，退款后优惠券会退回。", "coupon", NULL); /* 3 */
    add(db, "重复扣款的处理", "同一笔订单重复扣款时，多扣的金额原路退款，退款一般1-3个工作日到账。",
        "payment", "退款");                                                   /* 4 */
    add(db, "Refund policy", "Refunds are issued to the original payment method.", "payment",
        "refund");                                                            /* 5 */
    return db;
}

Test(kb, add_validates_and_normalises)
{
    as_db *db = th_open_new();
    as_kb_input in = AS_KB_INPUT_INIT;
    in.title = "  发票  ";
    in.body = "正文";
    in.tags = " 发票 ，退款、发票,, ";
    in.category = "invoice";
    int64_t id = 0;
    cr_assert_eq(as_kb_add(db, &in, &id), AS_OK, "%s", as_errmsg(db));
    as_kb_article *a = NULL;
    cr_assert_eq(as_kb_get(&a, db, id), AS_OK);
    cr_assert_str_eq(a->title, "发票");
    cr_assert_str_eq(tags_of(a), "发票|退款");
    cr_assert_str_eq(a->category, "invoice");
    cr_assert_null(a->article_id);
    cr_assert_eq(a->resolved, 0);
    as_kb_article_free(a);

    in = (as_kb_input)AS_KB_INPUT_INIT;
    in.title = "";
    in.body = "x";
    in.category = "bad category";
    cr_assert_eq(as_kb_add(db, &in, NULL), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "title: is empty"), "%s", as_errmsg(db));
    cr_assert_not_null(strstr(as_errmsg(db), "category:"), "%s", as_errmsg(db));
    in.title = "t";
    in.category = NULL;
    in.body = "bad \xff utf-8";
    cr_assert_eq(as_kb_add(db, &in, NULL), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "body: invalid UTF-8 at byte 5"), "%s", as_errmsg(db));
    in.body = NULL;
    cr_assert_eq(as_kb_add(db, &in, NULL), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "body: is missing"), "%s", as_errmsg(db));

    in.body = "b";
    in.article_id = "KB-1";
    cr_assert_eq(as_kb_add(db, &in, NULL), AS_OK);
    cr_assert_eq(as_kb_add(db, &in, NULL), AS_EXISTS);
    cr_assert_eq(as_kb_get_by_key(&a, db, "KB-1"), AS_OK);
    cr_assert_str_eq(a->article_id, "KB-1");
    as_kb_article_free(a);
    cr_assert_eq(as_kb_get_by_key(&a, db, "nope"), AS_NOTFOUND);
    cr_assert_eq(as_kb_get(&a, db, 999), AS_NOTFOUND);
    cr_assert_not_null(strstr(as_errmsg(db), "no article 999"));
    cr_assert_eq(as_kb_add(db, NULL, NULL), AS_MISUSE);
    as_kb_article_free(NULL);
    as_close(db);
}

Test(kb, trigram_search_ranks_title_matches_first)
{
    as_db *db = seeded();
    /* 重复扣款 is in the title of 4 only. */
    cr_assert_str_eq(search(db, "重复扣款", NULL), "4");
    /* 未支付: title and body of 1. */
    cr_assert_str_eq(search(db, "未支付", NULL), "1");
    /* 优惠券: title and body of 3 beats nothing else. */
    cr_assert_str_eq(search(db, "优惠券", NULL), "3");
    /* 原路退款 only in a body. */
    cr_assert_str_eq(search(db, "原路退款", NULL), "4");
    /* Two words, both required. */
    cr_assert_str_eq(search(db, "订单 扣款成功", NULL), "1");
    cr_assert_str_eq(search(db, "订单 不存在的词", NULL), "");
    /* ASCII is case-insensitive. */
    cr_assert_str_eq(search(db, "REFUND", NULL), "5");
    /* A title match outranks a body-only match: 电子发票 in 2's title. */
    add(db, "邮箱设置", "收不到电子发票时请检查邮箱的垃圾邮件。", "invoice", NULL);   /* 6 */
    cr_assert_str_eq(search(db, "电子发票", NULL), "2,6");
    /* Category filter. */
    cr_assert_str_eq(search(db, "电子发票", "payment"), "");
    /* Quotes in a query are literal, not FTS syntax. */
    cr_assert_str_eq(search(db, "\"未支付\" OR", NULL), "");
    as_close(db);
}

Test(kb, short_queries_fall_back_to_substring_search)
{
    as_db *db = seeded();
    /* 退款 (2 characters): in tags of 1 and 4, body of 1, 3, 4; 4 has it
     * twice in its body. */
    cr_assert_str_eq(search(db, "退款", NULL), "4,1,3");
    /* One character. */
    cr_assert_str_eq(search(db, "票", NULL), "2");
    /* A short and a long word together: both required. */
    cr_assert_str_eq(search(db, "退款 优惠券", NULL), "3");
    cr_assert_str_eq(search(db, "退款", "coupon"), "3");
    /* LIKE wildcards in the query are literal. */
    cr_assert_str_eq(search(db, "%", NULL), "");
    cr_assert_str_eq(search(db, "_", NULL), "");
    as_kb_iter *it = NULL;
    cr_assert_eq(as_kb_search_iter_new(&it, db, "   ", NULL), AS_INVALID);
    cr_assert_null(it);
    cr_assert_eq(as_kb_search_iter_new(&it, db, "\xff\xfe", NULL), AS_INVALID);
    cr_assert_eq(as_kb_search_iter_new(&it, db, "a b c d e f g h i j k l m n o p q", NULL), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "more than 16 words"));
    as_close(db);
}

Test(kb, index_follows_updates)
{
    as_db *db = th_open_new();
    as_kb_input in = AS_KB_INPUT_INIT;
    in.article_id = "A1";
    in.title = "加油卡充值";
    in.body = "充值后余额实时到账。";
    as_upsert r;
    cr_assert_eq(as_kb_upsert(db, &in, NULL, &r), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r, AS_UPSERT_INSERTED);
    cr_assert_str_eq(search(db, "加油卡", NULL), "1");
    cr_assert_eq(as_kb_upsert(db, &in, NULL, &r), AS_OK);
    cr_assert_eq(r, AS_UPSERT_UNCHANGED);
    in.title = "储值卡充值";
    cr_assert_eq(as_kb_upsert(db, &in, NULL, &r), AS_OK);
    cr_assert_eq(r, AS_UPSERT_UPDATED);
    cr_assert_str_eq(search(db, "加油卡", NULL), "", "the old title is gone from the index");
    cr_assert_str_eq(search(db, "储值卡", NULL), "1");
    /* Only the given fields change. */
    as_kb_input part = AS_KB_INPUT_INIT;
    part.article_id = "A1";
    part.tags = "充值";
    cr_assert_eq(as_kb_upsert(db, &part, NULL, &r), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(r, AS_UPSERT_UPDATED);
    as_kb_article *a;
    cr_assert_eq(as_kb_get_by_key(&a, db, "A1"), AS_OK);
    cr_assert_str_eq(a->title, "储值卡充值");
    cr_assert_str_eq(tags_of(a), "充值");
    as_kb_article_free(a);
    /* The index and the table agree (FTS5 integrity check). */
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(th_path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, "INSERT INTO kb_fts (kb_fts, rank) VALUES ('integrity-check', 1)",
                              NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(raw));
    sqlite3_close(raw);
    in.article_id = NULL;
    cr_assert_eq(as_kb_upsert(db, &in, NULL, &r), AS_INVALID, "upsert needs the key");
    as_close(db);
}

Test(kb, suggest_uses_category_and_text)
{
    as_db *db = seeded();
    as_kb_iter *it = NULL;
    /* A customer's complaint: shares 扣款 / 订单 / 未支付 pieces with 1 and 4. */
    cr_assert_eq(suggest(&it, db, "payment", "加油付款后被重复扣款了，但是订单显示未支付！", 5), AS_OK,
                 "%s", as_errmsg(db));
    char *got = ids(it);
    cr_assert_eq(strncmp(got, "1", 1), 0, "best is article 1: %s", got);
    cr_assert_not_null(strstr(got, "4"), "%s", got);
    /* The category doubles the score: 发票 text in the payment category
     * still finds the invoice article. */
    cr_assert_eq(suggest(&it, db, "payment", "我要开电子发票", 5), AS_OK);
    cr_assert_str_eq(ids(it), "2");
    /* Limit. */
    cr_assert_eq(suggest(&it, db, NULL, "扣款订单显示未支付重复扣款", 1), AS_OK);
    cr_assert_eq(strlen(ids(it)), 1);
    /* No usable text: the category's most used articles. */
    as_kb_record_resolution(db, 4, "T1", "U1", 1000);
    cr_assert_eq(suggest(&it, db, "payment", "退款", 0), AS_OK);
    cr_assert_str_eq(ids(it), "4,1,5");
    cr_assert_eq(suggest(&it, db, NULL, "", 0), AS_OK);
    cr_assert_str_eq(ids(it), "");
    cr_assert_eq(suggest(&it, db, NULL, NULL, 0), AS_OK);
    cr_assert_str_eq(ids(it), "");
    cr_assert_eq(suggest(&it, db, NULL, "\xc0", 0), AS_INVALID);
    as_close(db);
}

Test(kb, resolutions_and_stats)
{
    as_db *db = seeded();
    cr_assert_eq(as_kb_record_resolution(db, 4, "AS2025000017", "U1", 1700000000), AS_OK);
    cr_assert_eq(as_kb_record_resolution(db, 4, "AS2025000018", "U2", 1700000100), AS_OK);
    cr_assert_eq(as_kb_record_resolution(db, 4, "AS2025000018", "U2", 1700000200), AS_OK,
                 "recording again is harmless");
    cr_assert_eq(as_kb_record_resolution(db, 2, "AS2025000019", NULL, 0), AS_OK);
    cr_assert_eq(as_kb_record_resolution(db, 99, "AS2025000019", NULL, 0), AS_NOTFOUND);
    cr_assert_eq(as_kb_record_resolution(db, 2, "", NULL, 0), AS_INVALID);
    cr_assert_eq(as_kb_record_resolution(db, 2, "T 1", NULL, 0), AS_INVALID);
    cr_assert_eq(as_kb_record_resolution(db, 2, "T1", "U 1", 0), AS_INVALID);
    cr_assert_eq(as_kb_record_resolution(db, 2, NULL, NULL, 0), AS_MISUSE);

    as_kb_iter *it = NULL;
    cr_assert_eq(as_kb_stats_iter_new(&it, db, NULL), AS_OK);
    const as_kb_article *a;
    cr_assert_eq(as_kb_next(it, &a), AS_OK);
    cr_assert_eq(a->id, 4);
    cr_assert_eq(a->resolved, 2);
    cr_assert_eq(a->last_resolved_at, 1700000100);
    cr_assert_eq(as_kb_next(it, &a), AS_OK);
    cr_assert_eq(a->id, 2);
    cr_assert_eq(a->resolved, 1);
    cr_assert(a->last_resolved_at > 1700000100, "0 means now");
    cr_assert_eq(as_kb_next(it, &a), AS_OK);
    cr_assert_eq(a->id, 1);
    cr_assert_eq(a->resolved, 0);
    as_kb_iter_free(it);
    as_kb_query q = AS_KB_QUERY_INIT;
    q.category = "invoice";
    cr_assert_eq(as_kb_stats_iter_new(&it, db, &q), AS_OK);
    cr_assert_str_eq(ids(it), "2");
    q.category = NULL;
    q.limit = 2;
    cr_assert_eq(as_kb_list_iter_new(&it, db, &q), AS_OK);
    cr_assert_str_eq(ids(it), "1,2");
    as_close(db);
}

static const char jsonl[] =
    "{\"article_id\":\"KB001\",\"title\":\"扣款未到账\",\"body\":\"请等待回调。\",\"category\":\"payment\",\"tags\":\"退款,扣款\"}\n"
    "{\"article_id\":\"KB002\",\"title\":\"发票\",\"body\":\"电子发票推送到邮箱。\"}\n"
    "\n"
    "{\"article_id\":\"KB003\",\"title\":\"積分規則\",\"body\":\"每消费1元积1分。\",\"category\":\"member\"}\n";

static as_status import_text(as_db *db, const char *text, unsigned flags, as_import_stats *s)
{
    const char *path = th_write("kb.jsonl", text, strlen(text));
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL | flags;
    as_status st = as_kb_import(db, f, "kb.jsonl", &o, s);
    fclose(f);
    return st;
}

/* Collects rejects as "LINE field: reason|". */
static char rejects[2048];
static void on_reject(void *ud, const as_reject *r)
{
    (void)ud;
    char one[300];
    snprintf(one, sizeof one, "%llu %s: %s|", (unsigned long long)r->line, r->field ? r->field : "-",
             r->reason);
    strncat(rejects, one, sizeof rejects - strlen(rejects) - 1);
}

Test(kb, import_is_idempotent_on_article_id)
{
    as_db *db = th_open_new();
    as_import_stats s;
    cr_assert_eq(import_text(db, jsonl, 0, &s), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(s.rows, 3);
    cr_assert_eq(s.inserted, 3);
    cr_assert_eq(import_text(db, jsonl, 0, &s), AS_OK);
    cr_assert_eq(s.unchanged, 3, "a second import changes nothing");
    cr_assert_eq(s.inserted, 0);
    /* One changed line is one update. */
    cr_assert_eq(import_text(db, "{\"article_id\":\"KB002\",\"title\":\"电子发票\",\"body\":\"电子发票推送到邮箱。\"}\n", 0, &s), AS_OK);
    cr_assert_eq(s.updated, 1);
    cr_assert_str_eq(search(db, "电子发票", NULL), "2");
    /* Traditional characters are kept as written (no conversion). */
    cr_assert_str_eq(search(db, "積分規則", NULL), "3");
    cr_assert_str_eq(search(db, "消费", NULL), "3");
    as_close(db);
}

Test(kb, import_refuses_an_article_id_twice_in_one_file)
{
    as_db *db = th_open_new();
    static const char dup[] =
        "{\"article_id\":\"KB001\",\"title\":\"扣款未到账\",\"body\":\"请等待回调。\"}\n"
        "{\"article_id\":\"KB002\",\"title\":\"发票\",\"body\":\"邮箱。\"}\n"
        "{\"article_id\":\"KB001\",\"title\":\"扣款\",\"body\":\"改了\"}\n";
    FILE *f = fmemopen((void *)dup, strlen(dup), "rb");
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL | AS_IMPORT_SKIP_BAD;
    o.on_reject = on_reject;
    rejects[0] = '\0';
    as_import_stats s;
    cr_assert_eq(as_kb_import(db, f, "dup.jsonl", &o, &s), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(s.inserted, 2);
    cr_assert_eq(s.updated, 0);
    cr_assert_eq(s.rejected, 1);
    cr_assert_str_eq(rejects, "3 article_id: 'KB001' is also on line 1|");
    cr_assert_str_eq(search(db, "扣款未到账", NULL), "1", "the first occurrence stays");
    as_close(db);
}

Test(kb, import_reports_bad_lines_and_keeps_nothing)
{
    as_db *db = th_open_new();
    as_import_stats s;
    const char *bad =
        "{\"article_id\":\"KB001\",\"title\":\"好\",\"body\":\"好\"}\n"
        "not json\n"
        "{\"article_id\":\"KB002\",\"body\":\"no title\"}\n"
        "{\"title\":\"no key\",\"body\":\"x\"}\n"
        "{\"article_id\":\"KB 4\",\"title\":\"t\",\"body\":\"b\"}\n"
        "{\"article_id\":\"KB005\",\"title\":\"t\",\"body\":\"b\",\"tags\":[\"a\"]}\n"
        "{\"article_id\":\"KB006\",\"title\":\"t\",\"body\":\"b\",\"colour\":\"red\"}\n";
    const char *path = th_write("bad.jsonl", bad, strlen(bad));
    FILE *f = fopen(path, "rb");
    as_import_options opts = AS_IMPORT_OPTIONS_INIT;
    opts.flags = AS_IMPORT_JSONL;
    opts.on_reject = on_reject;
    rejects[0] = '\0';
    cr_assert_eq(as_kb_import(db, f, "bad.jsonl", &opts, &s), AS_INVALID);
    fclose(f);
    cr_assert_eq(s.rows, 7);
    cr_assert_eq(s.rejected, 6);
    cr_assert_not_null(strstr(rejects, "2 -: is not valid JSON: at byte 1: expected a value|"), "%s", rejects);
    cr_assert_not_null(strstr(rejects, "3 title: is missing|"), "%s", rejects);
    cr_assert_not_null(strstr(rejects, "4 article_id: is missing|"), "%s", rejects);
    cr_assert_not_null(strstr(rejects, "5 article_id:"), "%s", rejects);
    cr_assert_not_null(strstr(rejects, "6 tags: must be a string"), "%s", rejects);
    cr_assert_not_null(strstr(rejects, "7 -: unknown key 'colour'"), "%s", rejects);
    as_kb_iter *it;
    cr_assert_eq(as_kb_list_iter_new(&it, db, NULL), AS_OK);
    cr_assert_str_eq(ids(it), "", "nothing imported");
    /* --skip-bad keeps the good line. */
    cr_assert_eq(import_text(db, bad, AS_IMPORT_SKIP_BAD, &s), AS_OK);
    cr_assert_eq(s.inserted, 1);
    /* A dry run counts and keeps nothing. */
    cr_assert_eq(import_text(db, jsonl, AS_IMPORT_DRY_RUN, &s), AS_OK);
    cr_assert_eq(s.inserted, 2);
    cr_assert_eq(s.updated, 1);
    cr_assert_eq(as_kb_list_iter_new(&it, db, NULL), AS_OK);
    cr_assert_str_eq(ids(it), "1");
    as_close(db);
}

Test(kb, import_reads_csv_through_the_api)
{
    as_db *db = th_open_new();
    const char *csv = "\xEF\xBB\xBF" "article_id,title,body,tags\r\n"
                      "C1,\"加油, 付款\",\"第一行\r\n第二行\",\"a,b\"\r\n"
                      "C2,,缺标题,\r\n";
    const char *path = th_write("kb.csv", csv, strlen(csv));
    FILE *f = fopen(path, "rb");
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_SKIP_BAD;
    as_import_stats s;
    cr_assert_eq(as_kb_import(db, f, "kb.csv", &o, &s), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(s.inserted, 1);
    cr_assert_eq(s.rejected, 1, "an empty title is refused");
    as_kb_article *a;
    cr_assert_eq(as_kb_get_by_key(&a, db, "C1"), AS_OK);
    cr_assert_str_eq(a->title, "加油, 付款");
    cr_assert_str_eq(a->body, "第一行\r\n第二行");
    cr_assert_str_eq(tags_of(a), "a|b");
    as_kb_article_free(a);
    as_close(db);
}

Test(kb, tags_are_an_array_in_views_and_copies)
{
    as_db *db = seeded();
    as_kb_iter *it = NULL;
    cr_assert_eq(as_kb_list_iter_new(&it, db, NULL), AS_OK);
    const as_kb_article *a;
    const char *want[] = {"退款|扣款", "发票", "", "退款", "refund"};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(as_kb_next(it, &a), AS_OK);
        cr_assert_str_eq(tags_of(a), want[i], "article %d", i + 1);
    }
    cr_assert_eq(as_kb_next(it, &a), AS_DONE);
    as_kb_iter_free(it);
    /* A copy keeps its tags after the database is gone. */
    as_kb_article *one = NULL;
    cr_assert_eq(as_kb_get(&one, db, 1), AS_OK);
    as_close(db);
    cr_assert_eq(one->ntags, 2);
    cr_assert_str_eq(one->tags[0], "退款");
    cr_assert_str_eq(one->tags[1], "扣款");
    cr_assert_str_eq(one->title, "扣款成功但订单显示未支付");
    as_kb_article_free(one);
    as_kb_article_free(NULL);
}

Test(kb, iterators_refuse_misuse)
{
    as_db *db = seeded();
    as_kb_iter *it = NULL;
    as_kb_query q = AS_KB_QUERY_INIT;
    q.version = 99;
    cr_assert_eq(as_kb_list_iter_new(&it, db, &q), AS_MISUSE);
    cr_assert_null(it);
    cr_assert_eq(as_kb_stats_iter_new(&it, db, &q), AS_MISUSE);
    cr_assert_eq(as_kb_search_iter_new(&it, db, "退款", &q), AS_MISUSE);
    cr_assert_eq(as_kb_suggest_iter_new(&it, db, "退款", &q), AS_MISUSE);
    cr_assert_eq(as_kb_search_iter_new(&it, db, NULL, NULL), AS_MISUSE);
    cr_assert_eq(as_kb_list_iter_new(NULL, db, NULL), AS_MISUSE);
    cr_assert_eq(as_kb_next(NULL, NULL), AS_MISUSE);
    as_kb_iter_free(NULL);
    as_close(db);
}
