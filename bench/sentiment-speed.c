/* sentiment-speed.c - score every line of a file with the library's
 * sentiment scorer (as__sentiment_score) and print MB/s.  Built and run by
 * bench/feedback-import.sh.  usage: sentiment-speed DB FILE */
#include "internal.h"
#include "sentiment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sentiment-speed DB FILE\n");
        return 64;
    }
    as_db *db = NULL;
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    if (as_open(&db, argv[1], &o, NULL) != AS_OK) {
        fprintf(stderr, "sentiment-speed: cannot open %s\n", argv[1]);
        return 66;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        fprintf(stderr, "sentiment-speed: cannot open %s\n", argv[2]);
        return 66;
    }
    /* Read everything first: only scoring is timed. */
    size_t cap = 1 << 20, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                buf = NULL;
            } else {
                buf = p;
            }
        }
    }
    fclose(f);
    if (!buf)
        return 70;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t lines = 0;
    double sum = 0;
    for (size_t i = 0; i < len;) {
        char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        as__sentiment s;
        if (as__sentiment_score(db, buf + i, end - i, &s) != AS_OK)
            return 70;
        sum += s.score;
        lines++;
        i = end + 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (sec <= 0)
        sec = 1e-9;
    printf("%zu %zu %.6f %.3f\n", lines, len, sec, sum);
    free(buf);
    as_close(db);
    return 0;
}
