/* test_sentiment_model.c - the trained sentiment models: logistic
 * regression and its learned combination with the lexicon, naive Bayes,
 * the smallest training set, the holdout, determinism, the stored model's
 * description, evaluation by length, and the targets on the shared data. */
#include "helpers.h"
#include "internal.h"
#include "sentiment.h"

#include <math.h>

TestSuite(sentiment_model, .fini = th_cleanup);

/* Phrases only the model can know (no lexicon term in them) and phrases
 * the lexicon knows, per class; and neutral filler. */
static const char *const pos_model[] = {"小哥利索", "办事麻利", "站里敞亮", "加油顺溜"};
static const char *const neg_model[] = {"真窝火", "憋屈得很", "磨蹭半天", "闹心"};
static const char *const pos_lex[] = {"很满意", "方便", "服务周到", "值得推荐"};
static const char *const neg_lex[] = {"不满意", "太慢了", "多扣钱", "态度差"};
static const char *const filler[] = {"今天在中山路站", "昨天晚上", "周末", "早上七点",
                                     "第一次来", "开车路过"};

/* xorshift: a fixed sequence, so that every run builds the same set. */
static uint64_t rng_state;
static unsigned next_rand(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* One text of the class (1 positive): 1-6 clauses, and every fifth text
 * long (30-60 clauses), so that every length bucket has texts; about one
 * clause in six from the other class. */
static void make_text(as_buf *b, int positive, int i)
{
    int clauses = i % 5 == 4 ? 30 + (int)next_rand(31) : 1 + (int)next_rand(6);
    for (int k = 0; k < clauses; k++) {
        int cls = next_rand(6) == 0 ? !positive : positive;
        const char *const *model = cls ? pos_model : neg_model;
        const char *const *lex = cls ? pos_lex : neg_lex;
        const char *part = next_rand(2) ? model[next_rand(4)] : lex[next_rand(4)];
        if (next_rand(3) == 0)
            as__buf_adds(b, filler[next_rand(6)]);
        as__buf_adds(b, part);
        as__buf_adds(b, k + 1 < clauses ? "，" : "。");
    }
}

/* A labelled CSV of per_class texts of each class (seeded). */
static char *training_csv(int per_class, uint64_t seed)
{
    as_buf b = {0};
    rng_state = seed;
    as__buf_adds(&b, "label,review\n");
    for (int i = 0; i < 2 * per_class; i++) {
        as__buf_adds(&b, i % 2 ? "1," : "0,");
        make_text(&b, i % 2, i / 2);
        as__buf_addc(&b, '\n');
    }
    as__buf_addc(&b, '\0');
    return b.data;
}

static as_status train_text(as_db *db, const char *csv, const as_sentiment_train_options *o,
                            as_sentiment_training *out)
{
    FILE *f = fmemopen((void *)csv, strlen(csv), "rb");
    cr_assert_not_null(f);
    as_import_stats stats;
    as_status st = as_sentiment_train_file(out, db, f, "train.csv", NULL, o, &stats);
    fclose(f);
    return st;
}

static as_status eval_text(as_db *db, const char *csv, const as_sentiment_eval_options *o,
                           as_sentiment_eval *out)
{
    FILE *f = fmemopen((void *)csv, strlen(csv), "rb");
    cr_assert_not_null(f);
    as_status st = as_sentiment_evaluate(out, db, f, "eval.csv", o);
    fclose(f);
    return st;
}

static as_sentiment_result *analyze(as_db *db, const char *text, unsigned flags)
{
    as_sentiment_result *r = NULL;
    cr_assert_eq(as_sentiment_analyze(&r, db, text, strlen(text), flags), AS_OK, "%s: %s", text,
                 as_errmsg(db));
    return r;
}

Test(sentiment_model, lr_learns_what_the_lexicon_does_not_know, .timeout = 120)
{
    as_db *db = th_open_new();
    char *csv = training_csv(200, 7);
    as_sentiment_training t;
    cr_assert_eq(train_text(db, csv, NULL, &t), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(t.model, AS_SENTIMENT_MODEL_LR);
    cr_assert_eq(t.texts, t.negative + t.positive, "no holdout: every text trains");
    cr_assert_eq(t.rows, 400);
    cr_assert_eq(t.folds, 5);
    cr_assert_gt(t.cv_macro_f1, 0.9, "the classes are easy to tell apart: %g", t.cv_macro_f1);
    cr_assert_gt(t.model_bytes, 1000);
    int in_grid = 0;
    for (double c = 0.5; c <= 16; c *= 2)
        in_grid |= fabs(t.c - c) < 1e-9;
    cr_assert(in_grid, "C %g is one of the grid", t.c);

    /* 窝火 and 利索 are no lexicon terms: the model decides. */
    as_sentiment_result *r = analyze(db, "真窝火", 0);
    cr_assert_eq(r->model_used, 1);
    cr_assert_lt(r->model, 0);
    cr_assert_eq(r->label, -1);
    cr_assert_eq(r->nterms, 0);
    cr_assert_gt(r->nngrams, 0, "the model's n-grams explain it");
    cr_assert_leq(r->nngrams, AS_SENTIMENT_NGRAMS);
    double sum = 0;
    for (size_t i = 0; i < r->nngrams; i++) {
        cr_assert_leq(r->ngrams[i].offset + strlen(r->ngrams[i].ngram), strlen("真窝火"));
        cr_assert(strncmp("真窝火" + r->ngrams[i].offset, r->ngrams[i].ngram,
                          strlen(r->ngrams[i].ngram)) == 0, "the n-gram is the text's");
        if (i)
            cr_assert_geq(fabs(r->ngrams[i - 1].value), fabs(r->ngrams[i].value));
        sum += r->ngrams[i].value;
    }
    cr_assert_lt(sum, 0, "the n-grams pull to negative");
    as_sentiment_result_free(r);
    r = analyze(db, "小哥利索", 0);
    cr_assert_eq(r->label, 1);
    as_sentiment_result_free(r);
    /* The lexicon alone knows neither. */
    r = analyze(db, "真窝火", AS_SENTIMENT_LEXICON_ONLY);
    cr_assert_eq(r->model_used, 0);
    cr_assert_eq(r->label, 0);
    cr_assert_eq(r->nngrams, 0);
    cr_assert_null(r->ngrams);
    as_sentiment_result_free(r);
    /* The lexicon still counts: a negated term stays negative. */
    r = analyze(db, "不是很满意", 0);
    cr_assert_eq(r->label, -1, "不是很满意: %g", r->score);
    as_sentiment_result_free(r);
    /* The fast path is the explaining path. */
    static const char *const texts[] = {"真窝火", "小哥利索，不过有点慢", "", "😡", "服務周到"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        as__sentiment s;
        cr_assert_eq(as__sentiment_score(db, texts[i], strlen(texts[i]), &s), AS_OK);
        r = analyze(db, texts[i], 0);
        cr_assert_float_eq(s.score, r->score, 1e-12, "%s", texts[i]);
        cr_assert_eq(s.label, r->label);
        cr_assert(r->score >= -1 && r->score <= 1);
        as_sentiment_result_free(r);
    }
    free(csv);
    as_close(db);
}

/* The same texts give the same model, to the bit. */
Test(sentiment_model, training_is_deterministic, .timeout = 120)
{
    char *csv = training_csv(150, 11);
    char blob[2][64], layers[2][4096];
    for (int k = 0; k < 2; k++) {
        as_db *db = th_open_new();
        as_sentiment_training t;
        cr_assert_eq(train_text(db, csv, NULL, &t), AS_OK, "%s", as_errmsg(db));
        as_close(db);
        /* th_open_new made a new directory: read this one's file. */
        int64_t n = th_count_in(th_path, "SELECT count(*) FROM sentiment_lr");
        cr_assert_eq(n, 1);
        sqlite3 *c;
        cr_assert_eq(sqlite3_open_v2(th_path, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        sqlite3_stmt *st;
        cr_assert_eq(sqlite3_prepare_v2(c,
                                        "SELECT hex(intercept) || length(cells) || '/' ||"
                                        " (SELECT group_concat(hex(bias) || hex(model) ||"
                                        " hex(lexicon) || hex(hits), ',') FROM sentiment_layer),"
                                        " cells FROM sentiment_lr",
                                        -1, &st, NULL),
                     SQLITE_OK, "%s", sqlite3_errmsg(c));
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        snprintf(layers[k], sizeof layers[k], "%s", (const char *)sqlite3_column_text(st, 0));
        const unsigned char *cells = sqlite3_column_blob(st, 1);
        int len = sqlite3_column_bytes(st, 1);
        uint64_t h = 1469598103934665603ULL;
        for (int i = 0; i < len; i++)
            h = (h ^ cells[i]) * 1099511628211ULL;
        snprintf(blob[k], sizeof blob[k], "%d:%016llx", len, (unsigned long long)h);
        sqlite3_finalize(st);
        sqlite3_close(c);
        th_cleanup();
    }
    cr_assert_str_eq(blob[0], blob[1], "the weights");
    cr_assert_str_eq(layers[0], layers[1], "the intercept and the combination");
    free(csv);
}

/* Below the smallest training set nothing is trained, and the stored
 * model stays. */
Test(sentiment_model, tiny_training_sets_are_refused, .timeout = 120)
{
    as_db *db = th_open_new();
    char *tiny = training_csv(16, 3);  /* 32 texts: the case of the issue */
    as_sentiment_training t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(train_text(db, tiny, NULL, &t), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "at least 100 distinct texts of each class") != NULL, "%s",
              as_errmsg(db));
    cr_assert(strstr(as_errmsg(db), "got 16 negative, 16 positive") != NULL, "%s", as_errmsg(db));
    as_sentiment_model *m;
    cr_assert_eq(as_sentiment_model_get(&m, db), AS_OK);
    cr_assert_eq(m->kind, AS_SENTIMENT_MODEL_NONE);
    as_sentiment_model_free(m);
    /* 不是很满意 stays what the lexicon says. */
    as_sentiment_result *r = analyze(db, "不是很满意", 0);
    cr_assert_eq(r->label, -1);
    cr_assert_eq(r->model_used, 0);
    as_sentiment_result_free(r);

    /* A good model, then a refused one: the good one stays. */
    char *csv = training_csv(120, 5);
    cr_assert_eq(train_text(db, csv, NULL, &t), AS_OK, "%s", as_errmsg(db));
    as__sentiment before, after;
    cr_assert_eq(as__sentiment_score(db, "真窝火", strlen("真窝火"), &before), AS_OK);
    cr_assert_eq(train_text(db, tiny, NULL, &t), AS_INVALID);
    cr_assert_eq(as__sentiment_score(db, "真窝火", strlen("真窝火"), &after), AS_OK);
    cr_assert_float_eq(after.score, before.score, 1e-12);
    /* The holdout counts: 120 a class less a fifth is below 100. */
    as_sentiment_train_options o = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    o.holdout = 0.2;
    cr_assert_eq(train_text(db, csv, &o, &t), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "besides the holdout") != NULL, "%s", as_errmsg(db));
    /* An explicit smaller minimum is the caller's choice. */
    o.holdout = 0;
    o.min_class_texts = 10;
    cr_assert_eq(train_text(db, tiny, &o, &t), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(t.negative, 16);

    /* The same refusal for the chain's own ratings: 32 rated comments. */
    as_buf fb = {0};
    as__buf_adds(&fb, "feedback_id,submitted_at,overall,comment\n");
    for (int i = 0; i < 32; i++) {
        char line[160];
        snprintf(line, sizeof line, "R%d,2026-11-01T10:00:00+08:00,%d,%s%d\n", i,
                 i % 2 ? 5 : 1, i % 2 ? "小哥利索" : "真窝火", i);
        as__buf_adds(&fb, line);
    }
    as__buf_addc(&fb, '\0');
    cr_assert_eq(th_feedback_import(db, fb.data, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_sentiment_train_from_ratings(&t, db, NULL), AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "got 16 negative, 16 positive") != NULL, "%s", as_errmsg(db));
    as_import_stats stats;
    cr_assert_eq(as_sentiment_train_ratings(db, &stats), AS_INVALID);
    as__buf_free(&fb);
    free(tiny);
    free(csv);
    as_close(db);
}

/* The holdout: chosen by the text, a repeated text on one side only, and
 * evaluation reads exactly the texts training set aside. */
Test(sentiment_model, holdout_sets_texts_aside, .timeout = 120)
{
    as_db *db = th_open_new();
    char *base = training_csv(200, 13);
    /* Every text twice more, the second time with the other label. */
    as_buf b = {0};
    as__buf_adds(&b, base);
    const char *p = strchr(base, '\n') + 1;
    while (*p) {
        const char *nl = strchr(p, '\n');
        as__buf_add(&b, p, (size_t)(nl - p + 1));
        as__buf_addc(&b, p[0] == '1' ? '0' : '1');
        as__buf_add(&b, p + 1, (size_t)(nl - p));
        p = nl + 1;
    }
    as__buf_addc(&b, '\0');
    as_sentiment_train_options o = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    o.holdout = 0.2;
    as_sentiment_training t;
    cr_assert_eq(train_text(db, b.data, &o, &t), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(t.rows, 1200);
    cr_assert_leq(t.texts, 400);
    cr_assert_eq(t.duplicates, t.rows - t.texts);
    cr_assert_geq(t.conflicts, t.texts, "each text came again with the other label");
    cr_assert_eq(t.held_out + t.negative + t.positive, t.texts);
    cr_assert_gt(t.held_out, 40);
    cr_assert_lt(t.held_out, 120);

    as_sentiment_eval_options eo = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    eo.holdout = 0.2;
    as_sentiment_eval e;
    cr_assert_eq(eval_text(db, b.data, &eo, &e), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(e.texts, t.held_out, "each held-out text once");
    cr_assert_eq(e.rows, 1200);
    cr_assert_eq(e.model, AS_SENTIMENT_MODEL_LR);
    cr_assert_gt(e.combined.macro_f1, 0.85, "%g", e.combined.macro_f1);
    /* The held-out share of the stored model. */
    as_sentiment_model *m;
    cr_assert_eq(as_sentiment_model_get(&m, db), AS_OK);
    cr_assert_float_eq(m->holdout, 0.2, 1e-12);
    cr_assert_eq(m->held_out, t.held_out);
    as_sentiment_model_free(m);
    /* A holdout outside 0-0.9 */
    eo.holdout = 0.95;
    cr_assert_eq(eval_text(db, b.data, &eo, &e), AS_INVALID);
    o.holdout = 0.95;
    cr_assert_eq(train_text(db, b.data, &o, &t), AS_MISUSE);
    as__buf_free(&b);
    free(base);
    as_close(db);
}

/* Traditional characters read as simplified, for the lexicon and the
 * model alike. */
Test(sentiment_model, traditional_text_scores_like_simplified, .timeout = 120)
{
    as_db *db = th_open_new();
    static const char *const pairs[][2] = {
        {"服務很差，油加錯了", "服务很差，油加错了"},
        {"態度很好，辦事利索", "态度很好，办事利索"},
        {"退款一直沒到賬！", "退款一直没到账！"},
        {"ＯＫ，很方便", "ok，很方便"},
    };
    for (int with_model = 0; with_model < 2; with_model++) {
        if (with_model) {
            char *csv = training_csv(150, 17);
            cr_assert_eq(train_text(db, csv, NULL, NULL), AS_OK, "%s", as_errmsg(db));
            free(csv);
        }
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
            as_sentiment_result *a = analyze(db, pairs[i][0], 0);
            as_sentiment_result *b = analyze(db, pairs[i][1], 0);
            cr_assert_float_eq(a->score, b->score, 1e-12, "%s / %s", pairs[i][0], pairs[i][1]);
            cr_assert_float_eq(a->lexicon, b->lexicon, 1e-12);
            cr_assert_float_eq(a->model, b->model, 1e-12);
            cr_assert_eq(a->nterms, b->nterms, "%s", pairs[i][0]);
            for (size_t k = 0; k < a->nterms; k++) {
                cr_assert_str_eq(a->terms[k].term, b->terms[k].term);
                if (strlen(pairs[i][0]) == strlen(pairs[i][1]))
                    cr_assert_eq(a->terms[k].offset, b->terms[k].offset);
            }
            as_sentiment_result_free(a);
            as_sentiment_result_free(b);
        }
    }
    /* 服務很差 had no 很差 hit before folding. */
    as_sentiment_result *r = analyze(db, "服務很差", AS_SENTIMENT_LEXICON_ONLY);
    cr_assert_eq(r->nterms, 1);
    cr_assert_str_eq(r->terms[0].term, "很差");
    cr_assert_eq(r->label, -1);
    as_sentiment_result_free(r);
    /* A term added in traditional form matches simplified text too. */
    cr_assert_eq(as_lexicon_add(db, "漏油嚴重", -3, AS_LEXICON_WORD, NULL, 0), AS_OK);
    r = analyze(db, "油枪漏油严重", AS_SENTIMENT_LEXICON_ONLY);
    cr_assert_eq(r->nterms, 1);
    cr_assert_str_eq(r->terms[0].term, "漏油嚴重");
    as_sentiment_result_free(r);
    as_close(db);
}

/* Naive Bayes stays available, combined by the configured weight. */
Test(sentiment_model, naive_bayes_for_comparison, .timeout = 120)
{
    as_db *db = th_open_new();
    char *csv = training_csv(150, 19);
    as_sentiment_train_options o = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    o.model = AS_SENTIMENT_MODEL_NB;
    as_sentiment_training t;
    cr_assert_eq(train_text(db, csv, &o, &t), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(t.model, AS_SENTIMENT_MODEL_NB);
    cr_assert_eq(t.folds, 0);
    as_sentiment_result *r = analyze(db, "真窝火，太慢了", 0);
    cr_assert_eq(r->model_used, 1);
    cr_assert_eq(r->nngrams, 0, "naive Bayes explains no n-grams");
    cr_assert_float_eq(r->score, tanh((r->lexicon + AS_SENTIMENT_MODEL_WEIGHT * r->model) / 3),
                       1e-12);
    as_sentiment_result_free(r);
    as_sentiment_eval e;
    cr_assert_eq(eval_text(db, csv, NULL, &e), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(e.has_nb, 1);
    cr_assert_eq(e.has_lr, 0);
    cr_assert_eq(e.model, AS_SENTIMENT_MODEL_NB);
    as_sentiment_model *m;
    cr_assert_eq(as_sentiment_model_get(&m, db), AS_OK);
    cr_assert_eq(m->kind, AS_SENTIMENT_MODEL_NB);
    cr_assert_eq(m->ncv, 0);
    cr_assert_null(m->cv);
    cr_assert_eq(m->nlayers, 0);
    cr_assert_str_eq(m->source, "train.csv");
    as_sentiment_model_free(m);
    /* Then logistic regression replaces it; both are measured. */
    cr_assert_eq(train_text(db, csv, NULL, &t), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(eval_text(db, csv, NULL, &e), AS_OK);
    cr_assert_eq(e.has_nb, 1);
    cr_assert_eq(e.has_lr, 1);
    cr_assert_eq(e.model, AS_SENTIMENT_MODEL_LR);
    cr_assert_gt(e.lr.texts_per_sec, 0);
    cr_assert_gt(e.nb.mb_per_sec, 0);
    free(csv);
    as_close(db);
}

Test(sentiment_model, model_description, .timeout = 120)
{
    as_db *db = th_open_new();
    as_sentiment_model *m = NULL;
    cr_assert_eq(as_sentiment_model_get(&m, db), AS_OK);
    cr_assert_eq(m->kind, AS_SENTIMENT_MODEL_NONE);
    cr_assert_null(m->source);
    as_sentiment_model_free(m);
    char *csv = training_csv(150, 23);
    as_sentiment_train_options o = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    o.folds = 3;
    o.c = 2;
    as_sentiment_training t;
    cr_assert_eq(train_text(db, csv, &o, &t), AS_OK, "%s", as_errmsg(db));
    cr_assert_float_eq(t.c, 2, 1e-12, "a fixed C is used");
    cr_assert_eq(as_sentiment_model_get(&m, db), AS_OK);
    cr_assert_eq(m->kind, AS_SENTIMENT_MODEL_LR);
    cr_assert_str_eq(m->source, "train.csv");
    cr_assert_gt(m->trained_at, 0);
    cr_assert_eq(m->negative, t.negative);
    cr_assert_eq(m->positive, t.positive);
    cr_assert_gt(t.negative, 100);
    cr_assert_eq(m->folds, 3);
    cr_assert_float_eq(m->c, 2, 1e-12);
    cr_assert_eq(m->ncv, 1);
    cr_assert_float_eq(m->cv[0].c, 2, 1e-12);
    cr_assert_float_eq(m->cv[0].macro_f1, t.cv_macro_f1, 1e-12);
    cr_assert_eq(m->nlayers, AS_SENTIMENT_LENGTHS);
    cr_assert_eq(m->layers[0].chars_min, 1);
    cr_assert_eq(m->layers[0].chars_max, 10);
    cr_assert_eq(m->layers[4].chars_min, 301);
    cr_assert_eq(m->layers[4].chars_max, 0);
    cr_assert_eq(m->buckets_log2, 20);
    cr_assert_eq(m->model_bytes, t.model_bytes);
    as_sentiment_model_free(m);
    /* Bad options are the caller's mistake. */
    static const struct { int model, folds; double holdout, c; unsigned version; } bad[] = {
        {AS_SENTIMENT_MODEL_NONE, 5, 0, 0, 1}, {AS_SENTIMENT_MODEL_LR, 1, 0, 0, 1},
        {AS_SENTIMENT_MODEL_LR, 11, 0, 0, 1},  {AS_SENTIMENT_MODEL_LR, 5, -0.1, 0, 1},
        {AS_SENTIMENT_MODEL_LR, 5, 0, 0.0001, 1}, {AS_SENTIMENT_MODEL_LR, 5, 0, 2000, 1},
        {AS_SENTIMENT_MODEL_LR, 5, 0, 0, 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_sentiment_train_options b = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
        b.model = (as_sentiment_model_kind)bad[i].model;
        b.folds = bad[i].folds;
        b.holdout = bad[i].holdout;
        b.c = bad[i].c;
        b.version = bad[i].version;
        cr_assert_eq(train_text(db, csv, &b, &t), AS_MISUSE, "case %zu", i);
    }
    cr_assert_eq(as_sentiment_model_get(NULL, db), AS_MISUSE);
    cr_assert_str_eq(as_sentiment_model_name(AS_SENTIMENT_MODEL_LR), "lr");
    cr_assert_null(as_sentiment_model_name((as_sentiment_model_kind)7));
    /* clear */
    cr_assert_eq(as_sentiment_model_clear(db), AS_OK);
    cr_assert_eq(as_sentiment_model_get(&m, db), AS_OK);
    cr_assert_eq(m->kind, AS_SENTIMENT_MODEL_NONE);
    as_sentiment_model_free(m);
    as_sentiment_model_free(NULL);
    free(csv);
    as_close(db);
}

/* The reliability table's arithmetic, on texts whose lexicon scores are
 * known: 好 is 1 (score tanh(1/3)), 差 is -2 (score tanh(-2/3)). */
Test(sentiment_model, by_length_arithmetic)
{
    as_db *db = th_open_new();
    static const char set[] =
        "label,review\n1,好\n0,好\n1,好\n0,差\n"
        "1,好好好好好好好好好好好好\n";   /* 12 characters: the second bucket */
    as_sentiment_eval_options o = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    o.by_length = 1;
    as_sentiment_eval e;
    cr_assert_eq(eval_text(db, set, &o, &e), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(e.has_lengths, 1);
    const as_sentiment_length *l = e.lengths[AS_SENTIMENT_SCORER_LEXICON];
    cr_assert_eq(l[0].chars_min, 1);
    cr_assert_eq(l[0].chars_max, 10);
    cr_assert_eq(l[0].texts, 4);
    cr_assert_eq(l[1].texts, 1);
    cr_assert_eq(l[2].texts, 0);
    double good = tanh(1.0 / 3), bad = tanh(-2.0 / 3);
    int kg = (int)floor((good + 1) / 2 * AS_SENTIMENT_BINS),
        kb = (int)floor((bad + 1) / 2 * AS_SENTIMENT_BINS);
    cr_assert_eq(l[0].bins[kg].texts, 3);
    cr_assert_float_eq(l[0].bins[kg].positive_share, 2.0 / 3, 1e-12);
    cr_assert_float_eq(l[0].bins[kg].mean_score, good, 1e-12);
    cr_assert_eq(l[0].bins[kb].texts, 1);
    cr_assert_float_eq(l[0].bins[kb].positive_share, 0, 1e-12);
    double want = (3 * fabs((good + 1) / 2 - 2.0 / 3) + fabs((bad + 1) / 2)) / 4;
    cr_assert_float_eq(l[0].calibration_error, want, 1e-12);
    cr_assert_float_eq(l[0].accuracy, 0.75, 1e-12);
    cr_assert_float_eq(l[0].positive_share, 0.5, 1e-12);
    /* Version 1 options: no lengths, the old fields as before. */
    as_sentiment_eval_options v1 = {1, NULL, 0, 0.5, 1, 1};
    cr_assert_eq(eval_text(db, set, &v1, &e), AS_OK);
    cr_assert_eq(e.has_lengths, 0, "version 1 reads no by_length");
    cr_assert_eq(e.texts, 5, "nor a holdout");
    as_close(db);
}

/* Evaluation on the chain's own ratings, whole or the held-out share. */
Test(sentiment_model, evaluate_ratings, .timeout = 120)
{
    as_db *db = th_open_new();
    as_sentiment_eval_options o = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    o.from_ratings = 1;
    as_sentiment_eval e;
    cr_assert_eq(as_sentiment_evaluate(&e, db, NULL, NULL, &o), AS_INVALID, "no ratings yet");
    /* 300 rated comments from the synthetic set: 1 star or 5. */
    char *csv = training_csv(150, 29);
    as_buf fb = {0};
    as__buf_adds(&fb, "feedback_id,submitted_at,overall,comment\n");
    const char *p = strchr(csv, '\n') + 1;
    for (int i = 0; *p; i++) {
        const char *nl = strchr(p, '\n');
        char head[80];
        snprintf(head, sizeof head, "G%d,2026-11-01T10:00:00+08:00,%d,", i, p[0] == '1' ? 5 : 1);
        as__buf_adds(&fb, head);
        as__buf_add(&fb, p + 2, (size_t)(nl - p - 1));
        p = nl + 1;
    }
    as__buf_addc(&fb, '\0');
    cr_assert_eq(th_feedback_import(db, fb.data, NULL), AS_OK, "%s", as_errmsg(db));
    as_sentiment_train_options to = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    to.holdout = 0.2;
    to.min_class_texts = 50;
    as_sentiment_training t;
    cr_assert_eq(as_sentiment_train_from_ratings(&t, db, &to), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(t.rows, 300);
    o.holdout = 0.2;
    cr_assert_eq(as_sentiment_evaluate(&e, db, NULL, NULL, &o), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(e.texts, t.held_out);
    cr_assert_eq(e.rows, 300);
    cr_assert_gt(e.combined.accuracy, 0.8);
    o.holdout = 0;
    cr_assert_eq(as_sentiment_evaluate(&e, db, NULL, NULL, &o), AS_OK);
    cr_assert_eq(e.texts, 300);
    as__buf_free(&fb);
    free(csv);
    as_close(db);
}

/* The table on the shared data (skipped without it): trained on
 * the training file less a held-out fifth; checked on that fifth and on
 * the dev set.  The bounds are today's figures less a margin: they catch a
 * regression, they are not the targets. */
Test(sentiment_model, shared_data_quality_and_calibration, .timeout = 600)
{
    const char *dir = getenv("AFTERSALES_SHARED_DATA");
    char train[512], dev[512];
    snprintf(train, sizeof train, "%s/sentiment_train_reviews.csv", dir ? dir : "");
    snprintf(dev, sizeof dev, "%s/sentiment_dev_waimai.csv", dir ? dir : "");
    if (!dir || access(train, R_OK) != 0 || access(dev, R_OK) != 0) {
        cr_skip_test("shared data not found (AFTERSALES_SHARED_DATA)");
        return;
    }
    as_db *db = th_open_new();
    as_sentiment_train_options o = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    o.holdout = 0.2;
    as_sentiment_training t;
    as_import_stats stats;
    FILE *f = fopen(train, "rb");
    cr_assert_eq(as_sentiment_train_file(&t, db, f, "train", NULL, &o, &stats), AS_OK, "%s",
                 as_errmsg(db));
    fclose(f);
    cr_assert_gt(t.duplicates, 10000, "the training set's duplicates count once");
    cr_assert_gt(t.held_out, 3000);
    cr_assert_gt(t.cv_macro_f1, 0.83, "%g", t.cv_macro_f1);

    as_sentiment_eval_options eo = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    eo.holdout = 0.2;
    eo.by_length = 1;
    as_sentiment_eval e;
    f = fopen(train, "rb");
    cr_assert_eq(as_sentiment_evaluate(&e, db, f, "train", &eo), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(e.texts, t.held_out);
    cr_assert_gt(e.lr.macro_f1, 0.83, "lr on the held-out fifth: %g", e.lr.macro_f1);
    cr_assert_gt(e.combined.macro_f1, 0.845, "combined on the held-out fifth: %g",
                 e.combined.macro_f1);
    cr_assert_gt(e.combined.macro_f1, e.nb.macro_f1, "better than naive Bayes");
    cr_assert_gt(e.combined.macro_f1, e.lexicon.macro_f1 + 0.05, "far better than the lexicon");
    /* Calibrated by length: where a bucket has texts enough, the score
     * says how often the text is positive, far better than the lexicon's
     * tanh(L / 3) does (its gap grows with the length). */
    const as_sentiment_length *cl = e.lengths[AS_SENTIMENT_SCORER_COMBINED],
                              *ll = e.lengths[AS_SENTIMENT_SCORER_LEXICON];
    int checked = 0;
    for (int b = 0; b < AS_SENTIMENT_LENGTHS; b++) {
        if (cl[b].texts < 150)
            continue;
        checked++;
        double gap = (cl[b].mean_score + 1) / 2 - cl[b].positive_share;
        cr_assert_lt(fabs(gap), 0.05, "bucket %u-%u: mean score %g for a positive share %g",
                     cl[b].chars_min, cl[b].chars_max, cl[b].mean_score, cl[b].positive_share);
        cr_assert_lt(cl[b].calibration_error, ll[b].calibration_error / 1.5,
                     "bucket %u-%u: %g against the lexicon's %g", cl[b].chars_min,
                     cl[b].chars_max, cl[b].calibration_error, ll[b].calibration_error);
        if (cl[b].texts >= 500)
            cr_assert_lt(cl[b].calibration_error, 0.05, "bucket %u-%u: %g", cl[b].chars_min,
                         cl[b].chars_max, cl[b].calibration_error);
    }
    cr_assert_geq(checked, 4, "short, middling and long texts are all there");

    f = fopen(dev, "rb");
    cr_assert_eq(as_sentiment_evaluate(&e, db, f, dev, NULL), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_gt(e.lexicon.macro_f1, 0.83, "lexicon on dev: %g", e.lexicon.macro_f1);
    cr_assert_gt(e.combined.macro_f1, 0.835, "combined on dev: %g", e.combined.macro_f1);
    as_close(db);
}
