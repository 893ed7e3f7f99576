/* lib/sentiment.h - internal: the sentiment scorer (built on the sentiment
 * branch; this copy carries only the agreed interface so the feedback code
 * builds until that branch lands — take the sentiment branch's file at merge). */
#ifndef AS_SENTIMENT_H
#define AS_SENTIMENT_H

#include "internal.h"

typedef struct as__sentiment {
    double score; /* [-1,1] */
    int label;    /* -1 neg, 0 neutral, 1 pos */
} as__sentiment;

/* Score text (UTF-8) with the handle's lexicon and trained model (if any). */
as_status as__sentiment_score(as_db *db, const char *text, size_t len, as__sentiment *out);

#endif
