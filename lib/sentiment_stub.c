/* sentiment_stub.c - a stand-in for the sentiment scorer until the
 * sentiment branch lands: every text is neutral.  Deleted at merge. */
#include "sentiment.h"

as_status as__sentiment_score(as_db *db, const char *text, size_t len, as__sentiment *out)
{
    (void)db;
    (void)text;
    (void)len;
    out->score = 0.0;
    out->label = 0;
    return AS_OK;
}
