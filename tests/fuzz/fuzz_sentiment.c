/* fuzz_sentiment.c - the sentiment scorer (lexicon, rules and model) over
 * arbitrary bytes: invalid text is refused, valid text scores in [-1, 1]
 * with a label that agrees with the score's sign. */
#include "internal.h"
#include "sentiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    }
    return 0;
}
