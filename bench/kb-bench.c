/* kb-bench.c - knowledge base search speed.  usage: kb-bench [ARTICLES]
 *
 * Fills a temporary database with ARTICLES generated Chinese articles (a
 * third domain words, the rest random common characters)
 * (through as_kb_upsert, one transaction), then times in the same run:
 *   long query   as_kb_search_iter_new("重复扣款") against the bare FTS5 query
 *                SELECT rowid FROM kb_fts WHERE kb_fts MATCH ... ORDER BY
 *                rank LIMIT 10 on the same connection (the baseline);
 *   short query  as_kb_search_iter_new("退款") against a bare scan for the same
 *                substring: SELECT id FROM kb_articles WHERE instr(title, ?)
 *                > 0 OR instr(body, ?) > 0 (every match: ranking needs all);
 *   suggest      as_kb_suggest_iter_new() on a 40-character ticket text.
 * Prints queries/s and the ratio ours / baseline rate for each.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const words[] = {
    "扣款", "退款", "订单", "支付", "发票", "优惠券", "加油", "油站", "积分", "会员", "到账",
    "回调", "微信", "支付宝", "电子", "申请", "失败", "成功", "重复", "金额", "余额", "充值",
    "储值卡", "油枪", "小票", "客服", "投诉", "处理", "工作日", "自动", "刷新", "等待", "系统",
    "核对", "账单", "手机", "验证码", "登录", "绑定", "车牌", "导航", "营业", "时间", "价格",
};
enum { NWORDS = sizeof words / sizeof words[0] };

static unsigned long long rng = 88172645463325252ULL;
static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

/* A random CJK character from the first 3000 of the block (UTF-8). */
static void hanzi(char out[4])
{
    unsigned cp = 0x4E00 + next_rand() % 3000;
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    out[3] = '\0';
}

/* Sentences of domain words (a third) and random two-character words. */
static void sentence(char *buf, size_t size, int nwords)
{
    buf[0] = '\0';
    for (int i = 0; i < nwords; i++) {
        if (next_rand() % 3 == 0) {
            strncat(buf, words[next_rand() % NWORDS], size - strlen(buf) - 1);
        } else {
            char h[4];
            hanzi(h);
            strncat(buf, h, size - strlen(buf) - 1);
            hanzi(h);
            strncat(buf, h, size - strlen(buf) - 1);
        }
        if (i % 7 == 6)
            strncat(buf, "，", size - strlen(buf) - 1);
    }
    strncat(buf, "。", size - strlen(buf) - 1);
}

/* Run fn REPS times; returns seconds per query (best of 3 rounds). */
typedef int (*query_fn)(as_db *db, const char *q);

static double time_query(as_db *db, query_fn fn, const char *q, int reps, int *hits)
{
    double best = 1e9;
    for (int round = 0; round < 3; round++) {
        double t0 = now_s();
        for (int i = 0; i < reps; i++)
            *hits = fn(db, q);
        double t = (now_s() - t0) / reps;
        if (t < best)
            best = t;
    }
    return best;
}

static int drain(as_kb_iter *it)
{
    const as_kb_article *a;
    int n = 0;
    while (as_kb_next(it, &a) == AS_OK)
        n++;
    as_kb_iter_free(it);
    return n;
}

static int ours_search(as_db *db, const char *q)
{
    as_kb_iter *it;
    as_kb_query query = AS_KB_QUERY_INIT;
    query.limit = 10;
    if (as_kb_search_iter_new(&it, db, q, &query) != AS_OK)
        return -1;
    return drain(it);
}

static int ours_suggest(as_db *db, const char *q)
{
    as_kb_iter *it;
    as_kb_query query = AS_KB_QUERY_INIT;
    query.category = "payment";
    query.limit = 10;
    if (as_kb_suggest_iter_new(&it, db, q, &query) != AS_OK)
        return -1;
    return drain(it);
}

static int bare(as_db *db, const char *sql, const char *arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        n++;
    sqlite3_finalize(st);
    return n;
}

static int bare_fts(as_db *db, const char *q)
{
    return bare(db, "SELECT rowid FROM kb_fts WHERE kb_fts MATCH ?1 ORDER BY rank LIMIT 10", q);
}

static int bare_scan(as_db *db, const char *q)
{
    return bare(db, "SELECT id FROM kb_articles WHERE instr(title, ?1) > 0 OR instr(body, ?1) > 0",
                q);
}

int main(int argc, char **argv)
{
    long long n = argc > 1 ? atoll(argv[1]) : 100000;
    if (n < 1) {
        fprintf(stderr, "usage: kb-bench [ARTICLES]\n");
        return 64;
    }
    char dir[] = "/tmp/kb-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 73;
    char path[64];
    snprintf(path, sizeof path, "%s/kb.db", dir);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    as_db *db;
    char *err = NULL;
    if (as_open(&db, path, &o, &err) != AS_OK) {
        fprintf(stderr, "kb-bench: %s\n", err ? err : "open");
        return 70;
    }
    fprintf(stderr, "adding %lld articles ...\n", n);
    static const char *const cats[] = {"payment", "invoice", "coupon", "member", "station"};
    double t0 = now_s();
    as_begin(db);
    for (long long i = 0; i < n; i++) {
        char id[32], title[256], body[2048];
        snprintf(id, sizeof id, "KB%07lld", i);
        sentence(title, sizeof title, 4);
        sentence(body, sizeof body, 60 + (int)(next_rand() % 60));
        as_kb_input in = AS_KB_INPUT_INIT;
        in.article_id = id;
        in.title = title;
        in.body = body;
        in.category = cats[i % 5];
        in.tags = words[next_rand() % NWORDS];
        if (as_kb_upsert(db, &in, NULL, NULL) != AS_OK) {
            fprintf(stderr, "kb-bench: %s\n", as_errmsg(db));
            return 70;
        }
    }
    as_commit(db);
    double load = now_s() - t0;

    int h1, h2, h3, h4, h5;
    double base_long = time_query(db, bare_fts, "\"重复扣款\"", 50, &h1);
    double ours_long = time_query(db, ours_search, "重复扣款", 50, &h2);
    double base_short = time_query(db, bare_scan, "退款", 10, &h3);
    double ours_short = time_query(db, ours_search, "退款", 10, &h4);
    double sugg = time_query(db, ours_suggest, "加油后微信支付被重复扣款了，订单显示支付失败，要求退款到账", 20, &h5);

    printf("\nknowledge base benchmark: %lld articles (added in %.2f s, %.0f/s)\n\n", n, load,
           (double)n / load);
    printf("%-46s %12s %10s\n", "query", "ms/query", "queries/s");
    printf("%-46s %12.3f %10.0f\n", "baseline: bare FTS5 MATCH \"重复扣款\" LIMIT 10", base_long * 1e3, 1 / base_long);
    printf("%-46s %12.3f %10.0f\n", "ours: kb search 重复扣款 (bm25, title weight)", ours_long * 1e3, 1 / ours_long);
    printf("%-46s %12.3f %10.0f\n", "baseline: bare scan instr(title|body, 退款)", base_short * 1e3, 1 / base_short);
    printf("%-46s %12.3f %10.0f\n", "ours: kb search 退款 (ranked full scan)", ours_short * 1e3, 1 / ours_short);
    printf("%-46s %12.3f %10.0f\n", "ours: kb suggest (40-character ticket text)", sugg * 1e3, 1 / sugg);
    printf("\nrows: %d %d %d %d %d\n", h1, h2, h3, h4, h5);
    printf("ratio ours_rate / baseline_rate, long query:  %.2f\n", base_long / ours_long);
    printf("ratio ours_rate / baseline_rate, short query: %.2f\n", base_short / ours_short);
    as_close(db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "kb-bench: could not remove %s\n", dir);
    return 0;
}
