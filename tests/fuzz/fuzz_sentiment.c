/* fuzz_sentiment.c - the sentiment scorer (lexicon, rules, the logistic
 * regression model and its combination) over arbitrary bytes: invalid text
 * is refused, valid text scores in [-1, 1] with a label that agrees with
 * the score's sign, the fast path agrees with the explaining one, and the
 * explanation's n-grams are pieces of the text. */
#include "internal.h"
#include "sentiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small model, trained once: 120 texts of each class (the configured
 * minimum is lowered by no option: 120 is above the default 100). */
static void train(as_db *d)
{
    static const char *const pos[] = {"小哥利索", "很满意", "加油顺溜", "方便"};
    static const char *const neg[] = {"真窝火", "太慢了", "磨蹭半天", "多扣钱"};
    as_buf b = {0};
    as__buf_adds(&b, "label,review\n");
    for (int i = 0; i < 240; i++) {
        char line[128];
        const char *const *w = i % 2 ? pos : neg;
        snprintf(line, sizeof line, "%d,%s%s第%d次\n", i % 2, w[i % 4], w[(i / 4) % 4], i);
        as__buf_adds(&b, line);
    }
    FILE *f = fmemopen(b.data, b.len, "rb");
    if (!f || as_sentiment_train(d, f, "fuzz.csv", NULL, NULL) != AS_OK)
        abort();
    fclose(f);
    as__buf_free(&b);
}

static as_db *db;
static char path[64];

static void close_db(void)
{
    as_close(db);
    char side[80];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db) {
        snprintf(path, sizeof path, "/tmp/as-fuzz-XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        as_open_options o = AS_OPEN_OPTIONS_INIT;
        o.flags = AS_OPEN_CREATE;
        if (as_open(&db, path, &o, NULL) != AS_OK)
            abort();
        atexit(close_db);
        train(db);
    }
    as__sentiment s;
    as_status st = as__sentiment_score(db, (const char *)data, size, &s);
    int valid = as_utf8_check((const char *)data, size, NULL) == AS_OK;
    if (valid != (st == AS_OK))
        __builtin_trap();   /* valid text always scores; invalid never does */
    if (st == AS_OK) {
        if (!isfinite(s.score) || s.score < -1.0 || s.score > 1.0)
            __builtin_trap();
        if ((s.label > 0 && s.score <= 0) || (s.label < 0 && s.score >= 0) || s.label < -1 ||
            s.label > 1)
            __builtin_trap();
        as_sentiment_result *r = NULL;
        if (as_sentiment_analyze(&r, db, (const char *)data, size, 0) != AS_OK || !r->model_used)
            __builtin_trap();
        if (r->score != s.score || r->label != s.label)
            __builtin_trap();   /* the fast path is the explaining path */
        for (size_t i = 0; i < r->nngrams; i++) {
            size_t n = strlen(r->ngrams[i].ngram);
            if (r->ngrams[i].offset + n > size ||
                memcmp(data + r->ngrams[i].offset, r->ngrams[i].ngram, n) != 0 ||
                !isfinite(r->ngrams[i].value))
                __builtin_trap();
        }
        as_sentiment_result_free(r);
    }
    return 0;
}
