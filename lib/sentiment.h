/* sentiment.h - internal: fast sentiment scoring for other library parts
 * (the feedback import calls it once per row). */
#ifndef AS_SENTIMENT_H
#define AS_SENTIMENT_H

#include "internal.h"

typedef struct as__sentiment {
    double score;            /* [-1, 1] */
    int label;               /* -1 neg, 0 neutral, 1 pos */
} as__sentiment;

/*
 * Score text (UTF-8, len bytes) with the handle's lexicon and trained
 * model (if any).  The lexicon and model are loaded once per handle and
 * cached in it; no allocation per call (up to 340 bytes of text: longer
 * texts take one for the model's n-gram counts).  Once the cache is
 * loaded, scoring only reads it: several threads may score on one handle
 * after a first call.  Returns AS_OK; AS_INVALID (not
 * valid UTF-8); or an error loading the lexicon/model on the first call.
 */
as_status as__sentiment_score(as_db *db, const char *text, size_t len, as__sentiment *out);

/* The per-handle cache (lexicon trie + model table). */
typedef struct as__senti_cache as__senti_cache;
/* Load (once) and return the handle's cache. */
as_status as__senti_cache_get(as_db *db, const as__senti_cache **out);
/* Score with a loaded cache, without the handle: any thread.  Returns
 * AS_OK, AS_INVALID (not valid UTF-8) or AS_NOMEM; no message is set. */
as_status as__sentiment_score_with(const as__senti_cache *c, const char *text, size_t len,
                                   as__sentiment *out);
/* Drop the handle's cache (after the lexicon or model changed). */
void as__sentiment_invalidate(as_db *db);
/* Free a cache; NULL is a no-op (the handle slot's destructor calls it). */
void as__senti_cache_free(as__senti_cache *cache);

/* The sentiment section of the configuration. */
typedef struct as__sentiment_cfg {
    double model_weight;     /* weight of the model's log-odds against the lexicon */
    double neutral;          /* |score| below this is neutral */
    unsigned min_class_texts;   /* the smallest training set, per class */
} as__sentiment_cfg;

struct as__cfgctx;
struct as__ynode;
struct as_config;
void as__sentiment_cfg_parse(struct as__cfgctx *c, const struct as__ynode *node,
                             struct as_config *cfg);
void as__sentiment_cfg_free(struct as_config *cfg);

/* The built-in lexicon files, compiled in (NULL-terminated). */
extern const char *const as__lexicon_files[];
extern const char *const as__lexicon_names[];

#endif
