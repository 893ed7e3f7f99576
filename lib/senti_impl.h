/* senti_impl.h - internal to sentiment.c and sentiment_model.c. */
#ifndef AS_SENTI_IMPL_H
#define AS_SENTI_IMPL_H

#include "sentiment.h"

enum { SK_WORD, SK_NEGATOR, SK_DEGREE, SK_CONTRAST, SK_CONCESSION, SK_RHETORICAL, SK_COUNT };

/* Model feature keys: a character, or a pair of adjacent characters. */
#define AS__UNI(a) ((uint64_t)(a) + 1u)
#define AS__BI(a, b) ((1ULL << 63) | ((uint64_t)(a) << 21) | (uint64_t)(b))

typedef struct as__senti_term {
    uint32_t off;            /* text in the pool */
    uint16_t len;
    uint8_t kind;            /* SK_* */
    double weight;
} as__senti_term;

struct as__senti_cache {
    /* lexicon: terms and a byte trie (root children direct, the rest in
     * an open-addressing table keyed by node << 8 | byte) */
    as__senti_term *terms;
    size_t nterms;
    char *pool;
    int32_t root[256];
    int32_t *term_of;        /* node -> term index or -1 */
    uint32_t nnodes;
    uint64_t *tkeys;
    int32_t *tvals;
    size_t tmask;
    /* model: feature key -> log-ratio weight */
    int has_model;
    double prior;
    uint64_t *mkeys;
    float *mvals;
    size_t mmask;
    /* from the configuration */
    double model_weight, neutral;
};

/* One piece of evidence while scoring. */
typedef struct as__senti_ev {
    int32_t term;
    size_t offset;
    double base, value;
    char rules[200];         /* nrules texts, each NUL-terminated, one after another */
    uint16_t rules_len;      /* bytes of rules in use */
    uint8_t nrules;
} as__senti_ev;

typedef struct as__senti_evlist {
    as__senti_ev *v;
    size_t n, cap;
} as__senti_evlist;

int as__senti_kind(const char *name, size_t n);
const char *as__senti_kind_name(int kind);
size_t as__senti_decode(const unsigned char *s, size_t left, uint32_t *cp);
uint64_t as__senti_gram_key(const char *gram, size_t len);
as_status as__senti_cache_get(as_db *db, const as__senti_cache **out);
/* Score: lexicon evidence *lex, model log-odds *model (0 without one);
 * ev NULL on the fast path.  AS_INVALID with *bad the byte offset. */
as_status as__senti_run(const as__senti_cache *c, const char *text, size_t len, int use_model,
                        as__senti_evlist *ev, double *lex, double *model, size_t *bad);
/* Combine into a score in [-1, 1] and a label. */
double as__senti_combine(const as__senti_cache *c, double lex, double model, int model_used,
                         int *label);
int as__lexicon_loaded(as_db *db);
as_status as__lexicon_ensure(as_db *db);
int as__lexicon_parse(const char *text,
                      int (*fn)(void *ctx, const char *term, size_t tlen, double weight, int kind,
                                const char *tags),
                      void *ctx);

#endif
