/* test_sentiment.c - the sentiment lexicon, each rule on its own, the
 * cache, training, evaluation, and bad input. */
#include "helpers.h"
#include "internal.h"
#include "sentiment.h"

#include <math.h>

TestSuite(sentiment, .fini = th_cleanup);

/* A database whose configuration lets tiny sets train (the default
 * minimum is 100 texts of each class). */
static as_config *small_cfg;
static as_db *open_small(void)
{
    small_cfg = th_config("sentiment:\n  min_class_texts: 1\n");
    return th_open_with(small_cfg);
}

static void close_small(as_db *db)
{
    as_close(db);
    as_config_free(small_cfg);
    small_cfg = NULL;
}

/* Train naive Bayes (the model whose mechanics a tiny set shows) from a
 * file. */
static as_status train_nb(as_db *db, const char *path, const char *name, as_import_stats *stats)
{
    as_sentiment_train_options o = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    o.model = AS_SENTIMENT_MODEL_NB;
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    as_status st = as_sentiment_train_file(NULL, db, f, name, NULL, &o, stats);
    fclose(f);
    return st;
}

/* Lexicon-only analysis; the caller frees. */
static as_sentiment_result *lex(as_db *db, const char *text)
{
    as_sentiment_result *r = NULL;
    as_status st = as_sentiment_analyze(&r, db, text, strlen(text), AS_SENTIMENT_LEXICON_ONLY);
    cr_assert_eq(st, AS_OK, "%s: %s", text, as_errmsg(db));
    return r;
}

static double lexv(as_db *db, const char *text)
{
    as_sentiment_result *r = lex(db, text);
    double v = r->lexicon;
    as_sentiment_result_free(r);
    return v;
}

/* The evidence entry for term (must exist). */
static const as_sentiment_term *term_of(const as_sentiment_result *r, const char *term)
{
    for (size_t i = 0; i < r->nterms; i++)
        if (strcmp(r->terms[i].term, term) == 0)
            return &r->terms[i];
    cr_assert_fail("no evidence for %s", term);
    return NULL;
}

/* The rule of a term containing text, or NULL. */
static const char *rule_with(const as_sentiment_term *t, const char *text)
{
    for (size_t i = 0; i < t->nrules; i++)
        if (strstr(t->rules[i], text))
            return t->rules[i];
    return NULL;
}

Test(sentiment, plain_terms_and_labels)
{
    as_db *db = th_open_new();
    as_sentiment_result *r = lex(db, "加油很方便，服务周到");
    cr_assert_gt(r->score, 0.5);
    cr_assert_eq(r->label, 1);
    cr_assert_eq(r->model_used, 0);
    cr_assert_eq(r->nterms, 2);
    cr_assert_str_eq(r->terms[0].term, "方便");
    cr_assert_eq(r->terms[0].offset, strlen("加油很"));
    cr_assert_str_eq(r->terms[1].term, "服务周到");
    as_sentiment_result_free(r);

    r = lex(db, "多扣钱了，申请退款一直没人理");
    cr_assert_lt(r->score, -0.5);
    cr_assert_eq(r->label, -1);
    cr_assert_str_eq(r->terms[0].term, "多扣钱");
    as_sentiment_result_free(r);

    r = lex(db, "今天下午三点在中山路");
    cr_assert_eq(r->nterms, 0);
    cr_assert_eq(r->label, 0);
    cr_assert_float_eq(r->score, 0.0, 1e-12);
    as_sentiment_result_free(r);
    as_close(db);
}

Test(sentiment, longest_match_and_blockers)
{
    as_db *db = th_open_new();
    /* 不好意思 is a blocker: no negated 好. */
    as_sentiment_result *r = lex(db, "不好意思");
    cr_assert_eq(r->nterms, 0);
    as_sentiment_result_free(r);
    /* 不仅 (not only) is no negator. */
    cr_assert_lt(lexv(db, "不仅难吃还很慢"), 0);
    /* The longest term wins: 服务态度差, not 态度 or 差. */
    r = lex(db, "服务态度差");
    cr_assert_eq(r->nterms, 1);
    cr_assert_str_eq(r->terms[0].term, "服务态度差");
    as_sentiment_result_free(r);
    as_close(db);
}

Test(sentiment, negation_flips_and_weakens)
{
    as_db *db = th_open_new();
    as_sentiment_result *r;
    double good = lexv(db, "好"), notgood = lexv(db, "不好");
    cr_assert_gt(good, 0);
    cr_assert_lt(notgood, 0);
    cr_assert_lt(fabs(notgood), fabs(good), "negation weakens");
    cr_assert_gt(lexv(db, "不差"), 0, "a negated negative word is positive");
    cr_assert_gt(lexv(db, "不是不好"), 0, "double negation");
    r = lex(db, "没有问题");
    cr_assert_gt(r->lexicon, 0);
    cr_assert_not_null(rule_with(term_of(r, "问题"), "negated by 没有"));
    as_sentiment_result_free(r);
    /* Scope: a negator does not reach past the clause. */
    cr_assert_gt(lexv(db, "不，很好"), 0);
    as_close(db);
}

Test(sentiment, butaihao_is_weaker_than_taibuhao)
{
    as_db *db = th_open_new();
    double a = lexv(db, "不太好");  /* not very good: mildly negative */
    double b = lexv(db, "太不好");  /* very not good: strongly negative */
    cr_assert_lt(a, 0);
    cr_assert_lt(b, 0);
    cr_assert_lt(b, a, "太不好 %g must be below 不太好 %g", b, a);
    /* The same with a separate negator and degree word. */
    double c = lexv(db, "不是很满意"), d = lexv(db, "很不满意");
    cr_assert_lt(c, 0);
    cr_assert_lt(d, c, "很不满意 %g must be below 不是很满意 %g", d, c);
    double e = lexv(db, "不很方便"), f = lexv(db, "很不方便");
    cr_assert_lt(e, 0);
    cr_assert_lt(f, e, "很不方便 %g must be below 不很方便 %g", f, e);
    as_sentiment_result *r = lex(db, "不很方便");
    cr_assert_not_null(rule_with(&r->terms[0], "weakened"));
    as_sentiment_result_free(r);
    as_close(db);
}

Test(sentiment, degree_words_scale)
{
    as_db *db = th_open_new();
    double plain = lexv(db, "方便"), very = lexv(db, "非常方便"), bit = lexv(db, "有点方便");
    cr_assert_gt(very, plain);
    cr_assert_lt(bit, plain);
    cr_assert_gt(bit, 0);
    cr_assert_lt(lexv(db, "极其麻烦"), lexv(db, "麻烦"));
    as_sentiment_result *r = lex(db, "特别方便");
    cr_assert_eq(r->terms[0].nrules, 1);
    cr_assert_not_null(rule_with(&r->terms[0], "intensified"));
    cr_assert_float_eq(r->terms[0].value, 2 * r->terms[0].base, 1e-9);
    as_sentiment_result_free(r);
    /* A degree word far from the sentiment word does not apply. */
    cr_assert_float_eq(lexv(db, "非常的的的的方便"), plain, 1e-9);
    as_close(db);
}

Test(sentiment, contrast_weighs_the_part_after)
{
    as_db *db = th_open_new();
    /* The same words in both orders: what comes after 但是 wins. */
    cr_assert_lt(lexv(db, "很方便，但是很慢"), 0);
    cr_assert_gt(lexv(db, "很慢，但是很方便"), 0);
    cr_assert_lt(lexv(db, "方便，不过慢"), 0);
    /* 虽然 ... 但是: the concession part weighs less. */
    as_sentiment_result *r = lex(db, "虽然便宜，但是油品差");
    cr_assert_lt(r->lexicon, 0);
    cr_assert_not_null(rule_with(term_of(r, "便宜"), "after 虽然"));
    cr_assert_not_null(rule_with(term_of(r, "油品差"), "after 但是"));
    cr_assert_float_eq(term_of(r, "便宜")->value, 0.5 * term_of(r, "便宜")->base, 1e-9);
    as_sentiment_result_free(r);
    /* A sentence end resets the contrast. */
    r = lex(db, "很慢。方便");
    cr_assert_eq(term_of(r, "方便")->nrules, 0);
    cr_assert_null(term_of(r, "方便")->rules);
    as_sentiment_result_free(r);
    as_close(db);
}

Test(sentiment, punctuation)
{
    as_db *db = th_open_new();
    double plain = lexv(db, "方便"), bang = lexv(db, "方便！"), bangs = lexv(db, "方便!!!");
    double q = lexv(db, "方便？");
    cr_assert_gt(bang, plain);
    cr_assert_gt(bangs, bang);
    cr_assert_lt(q, plain);
    cr_assert_gt(q, 0);
    /* A rhetorical question flips. */
    cr_assert_lt(lexv(db, "这也叫方便？"), 0);
    cr_assert_lt(lexv(db, "难道这样很方便吗？"), 0);
    /* ！ applies to its own clause only. */
    as_sentiment_result *r = lex(db, "方便，太慢了！");
    cr_assert_eq(term_of(r, "方便")->nrules, 0);
    cr_assert_not_null(rule_with(term_of(r, "太慢"), "\xEF\xBC\x81"));
    as_sentiment_result_free(r);
    as_close(db);
}

Test(sentiment, emoji)
{
    as_db *db = th_open_new();
    cr_assert_lt(lexv(db, "😡"), 0);
    cr_assert_lt(lexv(db, "等了半小时😭"), 0);
    cr_assert_gt(lexv(db, "👍"), 0);
    cr_assert_gt(lexv(db, "加油员小哥😊"), 0);
    as_close(db);
}

Test(sentiment, lexicon_add_remove_refreshes_the_cache)
{
    as_db *db = th_open_new();
    as__sentiment s;
    cr_assert_eq(as__sentiment_score(db, "油枪", strlen("油枪"), &s), AS_OK);
    cr_assert_eq(s.label, 0);
    cr_assert_eq(as_lexicon_add(db, "油枪", -2, AS_LEXICON_WORD, (const char *[]){"fuel"}, 1), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as__sentiment_score(db, "油枪", strlen("油枪"), &s), AS_OK);
    cr_assert_eq(s.label, -1, "the cache must see the new term");
    /* A longer user term wins over the built-in 加错. */
    cr_assert_eq(as_lexicon_add(db, "加错号", -3, AS_LEXICON_WORD, (const char *[]){"safety", "fuel"}, 2), AS_OK);
    as_sentiment_result *r = lex(db, "加错号");
    cr_assert_str_eq(r->terms[0].term, "加错号");
    cr_assert_float_eq(r->terms[0].base, -3, 1e-9);
    as_sentiment_result_free(r);
    /* ASCII is matched case-insensitively; terms are stored lower case. */
    cr_assert_eq(as_lexicon_add(db, "GREAT", 2, AS_LEXICON_WORD, NULL, 0), AS_OK);
    cr_assert_gt(lexv(db, "great"), 0);
    cr_assert_gt(lexv(db, "Great"), 0);
    /* list by tag */
    as_lexicon_iter *it;
    const as_lexicon_entry *e;
    cr_assert_eq(as_lexicon_iter_new(&it, db, "safety"), AS_OK);
    int found = 0, n = 0;
    while (as_lexicon_next(it, &e) == AS_OK) {
        n++;
        if (strcmp(e->term, "加错号") == 0) {
            found = 1;
            cr_assert_eq(e->builtin, 0);
            cr_assert_eq(e->kind, AS_LEXICON_WORD);
            cr_assert_eq(e->ntags, 2);
            cr_assert_str_eq(e->tags[0], "safety");
            cr_assert_str_eq(e->tags[1], "fuel");
        }
    }
    as_lexicon_iter_free(it);
    cr_assert(found);
    cr_assert_gt(n, 1);
    /* remove, then remove again */
    cr_assert_eq(as_lexicon_remove(db, "油枪"), AS_OK);
    cr_assert_eq(as__sentiment_score(db, "油枪", strlen("油枪"), &s), AS_OK);
    cr_assert_eq(s.label, 0);
    cr_assert_eq(as_lexicon_remove(db, "油枪"), AS_NOTFOUND);
    cr_assert(strstr(as_errmsg(db), "油枪") != NULL);
    /* a built-in term removed comes back with load; the user term stays */
    cr_assert_eq(as_lexicon_remove(db, "方便"), AS_OK);
    cr_assert_float_eq(lexv(db, "方便"), 0, 1e-12);
    int count = 0;
    cr_assert_eq(as_lexicon_load(db, &count), AS_OK);
    cr_assert_gt(count, 300);
    cr_assert_gt(lexv(db, "方便"), 0);
    cr_assert_lt(lexv(db, "加错号"), -2.9);
    as_close(db);
}

Test(sentiment, lexicon_add_rejects_bad_values)
{
    as_db *db = th_open_new();
    const as_lexicon_kind W = AS_LEXICON_WORD;
    cr_assert_eq(as_lexicon_add(db, "", 1, W, NULL, 0), AS_INVALID);
    cr_assert_eq(as_lexicon_add(db, "a b", 1, W, NULL, 0), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "whitespace") != NULL);
    cr_assert_eq(as_lexicon_add(db, "好", 6, W, NULL, 0), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "weight") != NULL);
    cr_assert_eq(as_lexicon_add(db, "好", NAN, W, NULL, 0), AS_INVALID);
    cr_assert_eq(as_lexicon_add(db, "好", 1, AS_LEXICON_KIND_LAST, NULL, 0), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "kind") != NULL);
    cr_assert_eq(as_lexicon_add(db, "好", 1, (as_lexicon_kind)-1, NULL, 0), AS_INVALID);
    cr_assert_eq(as_lexicon_add(db, "好", 1, W, (const char *[]){"Bad Tag"}, 1), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "Bad Tag") != NULL);
    cr_assert_eq(as_lexicon_add(db, "好", 1, W, (const char *[]){"a", ""}, 2), AS_INVALID);
    cr_assert_eq(as_lexicon_add(db, "好", 1, W, (const char *[]){"a,b"}, 1), AS_INVALID,
                 "a comma is no part of a tag");
    cr_assert_eq(as_lexicon_add(db, "\xff", 1, W, NULL, 0), AS_INVALID);
    cr_assert_eq(as_lexicon_add(db, NULL, 1, W, NULL, 0), AS_MISUSE);
    cr_assert_eq(as_lexicon_add(db, "好", 1, W, NULL, 1), AS_MISUSE, "NULL tags with a count");
    cr_assert_eq(as_lexicon_add(db, "好", 1, W, (const char *[]){NULL}, 1), AS_MISUSE);
    as_close(db);
}

Test(sentiment, bad_input)
{
    as_db *db = th_open_new();
    as__sentiment s;
    as_sentiment_result *r = NULL;
    /* invalid UTF-8, a truncated sequence, a surrogate, a NUL byte */
    static const struct { const char *text; size_t len; size_t byte; } bad[] = {
        {"好\xff", 4, 4}, {"好\xe5\xa5", 5, 4}, {"\xed\xa0\x80", 3, 1}, {"a\0b", 3, 2},
        {"\xc0\xaf", 2, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(as__sentiment_score(db, bad[i].text, bad[i].len, &s), AS_INVALID, "case %zu", i);
        char want[32];
        snprintf(want, sizeof want, "at byte %zu", bad[i].byte);
        cr_assert(strstr(as_errmsg(db), want) != NULL, "case %zu: %s", i, as_errmsg(db));
        cr_assert_eq(as_sentiment_analyze(&r, db, bad[i].text, bad[i].len, 0), AS_INVALID);
        cr_assert_null(r);
    }
    /* empty text */
    cr_assert_eq(as__sentiment_score(db, "", 0, &s), AS_OK);
    cr_assert_float_eq(s.score, 0, 1e-12);
    cr_assert_eq(s.label, 0);
    cr_assert_eq(as__sentiment_score(db, NULL, 0, &s), AS_OK);
    cr_assert_eq(as__sentiment_score(db, NULL, 3, &s), AS_MISUSE);
    cr_assert_eq(as_sentiment_analyze(NULL, db, "x", 1, 0), AS_MISUSE);
    /* huge text: 8 MB of praise and complaints, scored in bounds */
    const char *unit = "很方便！但是排队太久了。";
    size_t ul = strlen(unit), n = (8u << 20) / ul;
    char *big = malloc(n * ul + 1);
    cr_assert_not_null(big);
    for (size_t i = 0; i < n; i++)
        memcpy(big + i * ul, unit, ul);
    big[n * ul] = '\0';
    cr_assert_eq(as__sentiment_score(db, big, n * ul, &s), AS_OK);
    cr_assert(s.score >= -1 && s.score <= 1);
    cr_assert_eq(s.label, -1);
    cr_assert_eq(as_sentiment_analyze(&r, db, big, n * ul, 0), AS_OK);
    cr_assert_eq(r->nterms, 3 * n);
    cr_assert_float_eq(r->score, s.score, 1e-9);
    as_sentiment_result_free(r);
    free(big);
    as_close(db);
}

Test(sentiment, fast_path_matches_the_explanation)
{
    as_db *db = th_open_new();
    static const char *const texts[] = {
        "不太好", "太不好", "虽然便宜，但是油品差！", "这也叫方便？", "😡😡", "", "积分没到账",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        as__sentiment s;
        as_sentiment_result *r = NULL;
        cr_assert_eq(as__sentiment_score(db, texts[i], strlen(texts[i]), &s), AS_OK);
        cr_assert_eq(as_sentiment_analyze(&r, db, texts[i], strlen(texts[i]), 0), AS_OK);
        cr_assert_float_eq(s.score, r->score, 1e-12, "%s", texts[i]);
        cr_assert_eq(s.label, r->label);
        double sum = 0;
        for (size_t k = 0; k < r->nterms; k++)
            sum += r->terms[k].value;
        cr_assert_float_eq(sum, r->lexicon, 1e-9, "evidence adds up for %s", texts[i]);
        as_sentiment_result_free(r);
    }
    as_close(db);
}

static const char tiny_csv[] =
    "label,review\n"
    "1,油站干净 小哥热情\n"
    "1,小哥热情 办事利索\n"
    "1,小哥热情\n"
    "1,小哥热情\n"                 /* a repeat: counted once */
    "0,排队排到天黑 窝火\n"
    "0,窝火 油价又涨\n"
    "0,\"窝火，\"\"再也不来\"\"\"\n";

Test(sentiment, train_on_tiny_csv)
{
    as_db *db = open_small();
    const char *path = th_write("tiny.csv", tiny_csv, strlen(tiny_csv));
    as_import_stats stats;
    cr_assert_eq(train_nb(db, path, "tiny.csv", &stats), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(stats.rows, 7);
    cr_assert_eq(stats.inserted, 6);
    cr_assert_eq(stats.unchanged, 1);
    /* 窝火 and 小哥热情 are not in the lexicon: only the model knows them. */
    as_sentiment_result *r = NULL;
    cr_assert_eq(as_sentiment_analyze(&r, db, "窝火", strlen("窝火"), 0), AS_OK);
    cr_assert_eq(r->model_used, 1);
    cr_assert_lt(r->model, 0);
    cr_assert_eq(r->label, -1);
    as_sentiment_result_free(r);
    as__sentiment s;
    cr_assert_eq(as__sentiment_score(db, "小哥利索", strlen("小哥利索"), &s), AS_OK);
    cr_assert_eq(s.label, 1);
    /* lexicon-only ignores the model */
    cr_assert_eq(as_sentiment_analyze(&r, db, "窝火", strlen("窝火"), AS_SENTIMENT_LEXICON_ONLY),
                 AS_OK);
    cr_assert_eq(r->model_used, 0);
    cr_assert_eq(r->label, 0);
    as_sentiment_result_free(r);
    /* The model reads folded text: 窩火 is 窝火. */
    cr_assert_eq(as__sentiment_score(db, "窩火", strlen("窩火"), &s), AS_OK);
    cr_assert_eq(s.label, -1);
    /* clearing the model */
    cr_assert_eq(as_sentiment_model_clear(db), AS_OK);
    cr_assert_eq(as__sentiment_score(db, "窝火", strlen("窝火"), &s), AS_OK);
    cr_assert_eq(s.label, 0);
    close_small(db);
}

Test(sentiment, train_bad_rows_change_nothing)
{
    as_db *db = open_small();
    const char *good = th_write("good.csv", tiny_csv, strlen(tiny_csv));
    cr_assert_eq(train_nb(db, good, "good.csv", NULL), AS_OK);
    as__sentiment before;
    cr_assert_eq(as__sentiment_score(db, "窝火", strlen("窝火"), &before), AS_OK);

    static const char bad[] = "label,review\n1,窝火很舒服\n2,好\n0,\n";
    const char *path = th_write("bad.csv", bad, strlen(bad));
    FILE *f = fopen(path, "rb");
    as_import_stats stats;
    cr_assert_eq(as_sentiment_train(db, f, "bad.csv", NULL, &stats), AS_INVALID);
    fclose(f);
    cr_assert_eq(stats.rejected, 2);
    as__sentiment after;
    cr_assert_eq(as__sentiment_score(db, "窝火", strlen("窝火"), &after), AS_OK);
    cr_assert_float_eq(after.score, before.score, 1e-12);

    /* one class only */
    static const char one[] = "label,review\n1,好\n1,很好\n";
    path = th_write("one.csv", one, strlen(one));
    cr_assert_eq(train_nb(db, path, "one.csv", NULL), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "got 0 negative, 2 positive") != NULL, "%s", as_errmsg(db));
    /* no header with the needed columns */
    static const char nohead[] = "x,y\n1,好\n";
    path = th_write("nohead.csv", nohead, strlen(nohead));
    cr_assert_eq(train_nb(db, path, "nohead.csv", NULL), AS_INVALID);
    /* a dry run trains and stores nothing (th_write's path is reused) */
    good = th_write("good.csv", tiny_csv, strlen(tiny_csv));
    as_sentiment_training t;
    as_import_options io = AS_IMPORT_OPTIONS_INIT;
    io.flags = AS_IMPORT_DRY_RUN;
    as_sentiment_train_options o = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    o.model = AS_SENTIMENT_MODEL_NB;
    f = fopen(good, "rb");
    cr_assert_eq(as_sentiment_train_file(&t, db, f, "good.csv", &io, &o, NULL), AS_OK);
    fclose(f);
    cr_assert_eq(t.texts, 6);
    cr_assert_eq(as_sentiment_model_clear(db), AS_OK);
    f = fopen(good, "rb");
    cr_assert_eq(as_sentiment_train_file(&t, db, f, "good.csv", &io, &o, NULL), AS_OK);
    fclose(f);
    cr_assert_eq(as__sentiment_score(db, "窝火", strlen("窝火"), &after), AS_OK);
    cr_assert_eq(after.label, 0, "nothing stored");
    close_small(db);
}

Test(sentiment, train_from_ratings)
{
    as_db *db = open_small();
    as_import_stats stats;
    /* No rated feedback yet: nothing to learn from. */
    cr_assert_eq(as_sentiment_train_ratings(db, &stats), AS_INVALID, "%s", as_errmsg(db));
    /* The database's own feedback: 1-2 stars negative, 4-5 positive, 3 and
     * rows without a comment left out. */
    static const char csv[] =
        "feedback_id,submitted_at,overall,comment\n"
        "F1,2026-11-01T10:00:00+08:00,5,小哥热情\n"
        "F2,2026-11-01T10:00:00+08:00,4,小哥热情 利索\n"
        "F3,2026-11-01T10:00:00+08:00,1,窝火\n"
        "F4,2026-11-01T10:00:00+08:00,2,窝火 排队\n"
        "F5,2026-11-01T10:00:00+08:00,3,窝火 热情\n"
        "F6,2026-11-01T10:00:00+08:00,5,\n"
        "F7,2026-11-01T10:00:00+08:00,1,窝火\n";
    FILE *f = fmemopen((void *)csv, strlen(csv), "rb");
    cr_assert_eq(as_feedback_import(db, f, "fb.csv", NULL, NULL), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    as_sentiment_train_options o = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    o.model = AS_SENTIMENT_MODEL_NB;
    as_sentiment_training t;
    cr_assert_eq(as_sentiment_train_from_ratings(&t, db, &o), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(t.rows, 5);
    cr_assert_eq(t.texts, 4);
    cr_assert_eq(t.duplicates, 1);
    cr_assert_eq(t.negative, 2);
    cr_assert_eq(t.positive, 2);
    as__sentiment s;
    cr_assert_eq(as__sentiment_score(db, "窝火", strlen("窝火"), &s), AS_OK);
    cr_assert_eq(s.label, -1);
    /* The import-shaped call reports the same counts. */
    cr_assert_eq(as_sentiment_model_clear(db), AS_OK);
    close_small(db);
}

Test(sentiment, readonly_handle_uses_the_builtin_lexicon)
{
    as_db *db = th_open_new();
    as_close(db);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_READONLY;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    as__sentiment s;
    cr_assert_eq(as__sentiment_score(db, "很方便", strlen("很方便"), &s), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(s.label, 1);
    cr_assert_eq(as_lexicon_add(db, "x", 1, AS_LEXICON_WORD, NULL, 0), AS_READONLY);
    as_close(db);
}

Test(sentiment, evaluate_small_set)
{
    as_db *db = th_open_new();
    static const char set[] = "label,review\n1,很方便\n0,太慢了\n0,多扣钱\n1,不错\n";
    const char *path = th_write("set.csv", set, strlen(set));
    FILE *f = fopen(path, "rb");
    as_sentiment_eval e;
    cr_assert_eq(as_sentiment_evaluate(&e, db, f, "set.csv", NULL), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(e.texts, 4);
    cr_assert_float_eq(e.lexicon.accuracy, 1.0, 1e-12);
    cr_assert_float_eq(e.lexicon.macro_f1, 1.0, 1e-12);
    cr_assert_float_eq(e.lexicon.neg_f1, 1.0, 1e-12);
    cr_assert_eq(e.model_used, 0);

    static const char bad[] = "label,review\n1,好\nyes,好\n";
    path = th_write("bad.csv", bad, strlen(bad));
    f = fopen(path, "rb");
    cr_assert_eq(as_sentiment_evaluate(&e, db, f, "bad.csv", NULL), AS_INVALID);
    fclose(f);
    cr_assert(strstr(as_errmsg(db), "bad.csv:3: label") != NULL, "%s", as_errmsg(db));
    as_close(db);
}

static void expect_cfg_error(const char *text, const char *want)
{
    char *err = NULL;
    as_config *cfg = NULL;
    cr_assert_eq(as_config_parse(&cfg, text, strlen(text), "s.yaml", &err), AS_CONFIG,
                 "accepted: %s", text);
    cr_assert_null(cfg);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, want), "wanted '%s' in:\n%s", want, err);
    as_free(err);
}

Test(sentiment, config_section)
{
    expect_cfg_error("sentiment:\n  model_weight: -1\n", "s.yaml:2:17: -1 is out of range");
    expect_cfg_error("sentiment:\n  neutral: lots\n", "s.yaml:2:12: 'lots' is not a number");
    expect_cfg_error("sentiment:\n  neutral: 0.1\n  bias: 2\n",
                     "s.yaml:3:3: unknown key 'bias' in sentiment");
    expect_cfg_error("sentiment: 3\n", "s.yaml:1:12: sentiment must be a mapping");
    expect_cfg_error("sentiment:\n  min_class_texts: 0\n", "s.yaml:2:20: 0 is out of range");
    expect_cfg_error("sentiment:\n  min_class_texts: lots\n", "s.yaml:2:20: 'lots' is not a whole number");

    /* model_weight 0 ignores the model; a wide neutral band keeps a mild
     * text neutral. */
    static const char text[] =
        "sentiment:\n  model_weight: 0\n  neutral: 0.5\n  min_class_texts: 3\n";
    as_config *cfg = NULL;
    cr_assert_eq(as_config_parse(&cfg, text, strlen(text), "s.yaml", NULL), AS_OK);
    as_db *db = th_open_with(cfg);
    const char *path = th_write("tiny.csv", tiny_csv, strlen(tiny_csv));
    cr_assert_eq(train_nb(db, path, "tiny.csv", NULL), AS_OK, "3 texts of each class: %s",
                 as_errmsg(db));
    as_close(db);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.config = cfg;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    as__sentiment s;
    cr_assert_eq(as__sentiment_score(db, "窝火", strlen("窝火"), &s), AS_OK);
    cr_assert_float_eq(s.score, 0, 1e-12);
    cr_assert_eq(as__sentiment_score(db, "好", strlen("好"), &s), AS_OK);
    cr_assert_gt(s.score, 0);
    cr_assert_eq(s.label, 0, "0.32 is inside the neutral band 0.5");
    as_close(db);
    as_config_free(cfg);
}

/* Kinds and tags read back as the enum and an array; a term without tags
 * has none. */
Test(sentiment, lexicon_kinds_and_tags)
{
    as_db *db = th_open_new();
    cr_assert_str_eq(as_lexicon_kind_name(AS_LEXICON_WORD), "word");
    cr_assert_str_eq(as_lexicon_kind_name(AS_LEXICON_RHETORICAL), "rhetorical");
    cr_assert_null(as_lexicon_kind_name(AS_LEXICON_KIND_LAST));
    cr_assert_eq(as_lexicon_add(db, "贼", 1.8, AS_LEXICON_DEGREE, NULL, 0), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_eq(as_lexicon_add(db, "真行", 1, AS_LEXICON_WORD,
                                (const char *[]){"a", "b-2", "c_3"}, 3), AS_OK);
    as_lexicon_iter *it;
    const as_lexicon_entry *e;
    int seen = 0;
    cr_assert_eq(as_lexicon_iter_new(&it, db, NULL), AS_OK);
    while (as_lexicon_next(it, &e) == AS_OK) {
        if (strcmp(e->term, "贼") == 0) {
            seen++;
            cr_assert_eq(e->kind, AS_LEXICON_DEGREE);
            cr_assert_eq(e->ntags, 0);
            cr_assert_null(e->tags);
        } else if (strcmp(e->term, "真行") == 0) {
            seen++;
            cr_assert_eq(e->ntags, 3);
            cr_assert_str_eq(e->tags[1], "b-2");
            cr_assert_str_eq(e->tags[2], "c_3");
        }
    }
    as_lexicon_iter_free(it);
    cr_assert_eq(seen, 2);
    /* The degree word now scales. */
    cr_assert_gt(lexv(db, "贼方便"), lexv(db, "方便"));
    /* by kind name */
    cr_assert_eq(as_lexicon_iter_new(&it, db, "degree"), AS_OK);
    int n = 0;
    while (as_lexicon_next(it, &e) == AS_OK) {
        cr_assert_eq(e->kind, AS_LEXICON_DEGREE, "%s", e->term);
        n++;
    }
    as_lexicon_iter_free(it);
    cr_assert_gt(n, 1);
    cr_assert_eq(as_lexicon_next(NULL, &e), AS_MISUSE);
    as_lexicon_iter_free(NULL);
    as_close(db);
}

/* Each rule is one string, in the order the rules applied. */
Test(sentiment, rules_are_an_array)
{
    as_db *db = th_open_new();
    as_sentiment_result *r = lex(db, "不太好，但是加油员很热情！");
    const as_sentiment_term *t = term_of(r, "热情");
    cr_assert_eq(t->nrules, 3);
    cr_assert_not_null(strstr(t->rules[0], "intensified"));
    cr_assert_not_null(strstr(t->rules[1], "\xEF\xBC\x81"));
    cr_assert_not_null(strstr(t->rules[2], "after 但是"));
    for (size_t i = 0; i < t->nrules; i++)
        cr_assert_null(strstr(t->rules[i], "; "), "one rule per string: %s", t->rules[i]);
    t = term_of(r, "好");
    cr_assert_eq(t->nrules, 2);
    cr_assert_not_null(strstr(t->rules[0], "negated by 不太"));
    as_sentiment_result_free(r);
    as_close(db);
}

/* The delimiter of an evaluation set: detected, or given. */
Test(sentiment, evaluate_delimiter)
{
    as_db *db = th_open_new();
    static const char set[] = "label;review\n1;很方便\n0;太慢了\n";
    const char *path = th_write("semi.csv", set, strlen(set));
    as_sentiment_eval e;
    FILE *f = fopen(path, "rb");
    cr_assert_eq(as_sentiment_evaluate(&e, db, f, "semi.csv", NULL), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(e.texts, 2, "detected from the header");
    as_sentiment_eval_options o = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    o.delimiter = ',';
    f = fopen(path, "rb");
    cr_assert_eq(as_sentiment_evaluate(&e, db, f, "semi.csv", &o), AS_INVALID,
                 "forced to commas, the header has no label column");
    fclose(f);
    o.delimiter = ':';
    f = fopen(path, "rb");
    cr_assert_eq(as_sentiment_evaluate(&e, db, f, "semi.csv", &o), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "delimiter") != NULL, "%s", as_errmsg(db));
    fclose(f);
    o.delimiter = 0;
    o.version = 99;
    f = fopen(path, "rb");
    cr_assert_eq(as_sentiment_evaluate(&e, db, f, "semi.csv", &o), AS_MISUSE);
    fclose(f);
    as_close(db);
}
