/* senti_impl.h - internal to the sentiment files: sentiment.c (lexicon,
 * scorer, cache), sentiment_lr.c (the discriminative model) and
 * sentiment_model.c (training, evaluation, the stored model). */
#ifndef AS_SENTI_IMPL_H
#define AS_SENTI_IMPL_H

#include "sentiment.h"
#include "t2s.h"

enum { SK_WORD, SK_NEGATOR, SK_DEGREE, SK_CONTRAST, SK_CONCESSION, SK_RHETORICAL, SK_COUNT };

/* Naive Bayes feature keys: a character, or a pair of adjacent characters
 * (folded, see as__senti_fold). */
#define AS__UNI(a) ((uint64_t)(a) + 1u)
#define AS__BI(a, b) ((1ULL << 63) | ((uint64_t)(a) << 21) | (uint64_t)(b))

typedef struct as__senti_term {
    uint32_t off;            /* text in the pool */
    uint16_t len;
    uint8_t kind;            /* SK_* */
    double weight;
} as__senti_term;

/* Punctuation classes (the high bits of a character's entry). */
enum { P_NONE, P_COMMA, P_STOP, P_BANG, P_QUESTION };

/* A character's entry: the lexicon's id for its folded form in the low
 * 12 bits (0: in no term), a bit when a term starts with it, its
 * punctuation class in the top 3 bits.  An entry with neither of the top
 * four bits set is a character the scorer only steps over. */
#define AS__CH_ID(e) ((e) & 0x0FFFu)
#define AS__CH_STARTS 0x1000u
#define AS__CH_PUNCT(e) ((e) >> 13)
#define AS__CH_PLAIN(e) (((e) & 0xF000u) == 0)
enum { AS__CH_MAXID = 0x0FFF };

/* The length buckets of the combination and of the calibration table,
 * in characters: 1-10, 11-30, 31-100, 101-300, 301 and more. */
enum { AS__LEN_BUCKETS = 5 };
extern const uint32_t as__len_bucket_max[AS__LEN_BUCKETS];   /* 0: no bound */
static inline int as__len_bucket(size_t chars)
{
    return chars <= 10 ? 0 : chars <= 30 ? 1 : chars <= 100 ? 2 : chars <= 300 ? 3 : 4;
}

/* The combination layer: per length bucket, the log-odds of "positive" is
 * bias + model * margin + lexicon * tanh(L / 3) + hits * ln(1 + hits). */
typedef struct as__senti_comb {
    double bias, model, lexicon, hits;
} as__senti_comb;

struct as__lr;

struct as__senti_cache {
    /* lexicon: the terms, and a double-array trie over character ids */
    as__senti_term *terms;
    size_t nterms;
    char *pool;
    uint16_t *ch;            /* 65536 entries: a BMP character's entry */
    uint32_t *ch_hi;         /* characters above the BMP with an entry: pairs cp, entry */
    size_t nch_hi;
    int32_t *base, *check;   /* the trie; state 0 is the root */
    int32_t *term_of;        /* state -> term index or -1 */
    size_t nstates;          /* size of base, check and term_of */
    /* naive Bayes: feature key -> log-ratio weight */
    int has_nb;
    double prior;
    uint64_t *mkeys;
    float *mvals;
    size_t mmask;
    /* the discriminative model and the combination */
    struct as__lr *lr;
    int has_comb;
    as__senti_comb comb[AS__LEN_BUCKETS];
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

/* What the lexicon found in a text. */
typedef struct as__senti_lex {
    double score;            /* L, the sum of the terms' values after the rules */
    unsigned hits;           /* sentiment words matched */
    size_t chars;            /* characters of the text */
} as__senti_lex;

/* Which model takes part in a score. */
enum { AS__USE_NONE, AS__USE_NB, AS__USE_LR, AS__USE_STORED };

int as__senti_kind(const char *name, size_t n);
const char *as__senti_kind_name(int kind);
as_status as__senti_cache_get(as_db *db, const as__senti_cache **out);

/* The lexicon's evidence for text (ev NULL on the fast path: no
 * allocation).  AS_OK; AS_INVALID (invalid UTF-8 at byte *bad); AS_NOMEM
 * (only with ev).  Thread-safe over a built cache. */
as_status as__senti_lexicon(const as__senti_cache *c, const char *text, size_t len,
                            as__senti_evlist *ev, as__senti_lex *out, size_t *bad);
/* The naive Bayes log-odds (0 without a model). */
double as__senti_nb(const as__senti_cache *c, const char *text, size_t len);

/* The score in [-1, 1] (and *label, if not NULL) from the lexicon's
 * evidence and a model's log-odds, for the model that use names (the
 * stored choice: the learned combination over the discriminative model,
 * or naive Bayes by the configured weight). */
double as__senti_combine(const as__senti_cache *c, const as__senti_lex *lex, double model,
                         int model_used, int *label);
/* Which model the stored choice uses: AS__USE_LR, AS__USE_NB or AS__USE_NONE. */
int as__senti_stored_model(const as__senti_cache *c);
/* That model's log-odds for text (0 for AS__USE_NONE). */
as_status as__senti_model(const as__senti_cache *c, int use, const char *text, size_t len,
                          double *margin);

int as__lexicon_loaded(as_db *db);
as_status as__lexicon_ensure(as_db *db);
int as__lexicon_parse(const char *text,
                      int (*fn)(void *ctx, const char *term, size_t tlen, double weight, int kind,
                                const char *tags),
                      void *ctx);

/* Load the stored naive Bayes and discriminative models and the
 * combination into c (sentiment_model.c). */
as_status as__senti_models_load(as_db *db, as__senti_cache *c);

/* splitmix64's finaliser: every input bit reaches every output bit. */
static inline uint64_t as__senti_mix64(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9ULL;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z;
}

/* ---- folding ------------------------------------------------------- */

/*
 * The character the lexicon and the model see: ASCII letters in lower
 * case, the full-width forms U+FF01-FF5E as their ASCII letters, the
 * ideographic space as a space, traditional characters as simplified
 * (lib/t2s.h).  A character without a traditional form costs one bit test.
 */
static inline uint32_t as__senti_fold(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
        cp -= 0xFEE0;
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    }
    if (cp == 0x3000)
        return ' ';
    if (cp < 0x3400 || (cp < 0x10000 && !(as__t2s_table_bmp[cp >> 3] & (1u << (cp & 7)))))
        return cp;
    return as__t2s_char(cp);
}

/* ---- the discriminative model (sentiment_lr.c) ---------------------- */

/* The model as scored: per hash bucket one 32-bit cell, the low half the
 * weight times the idf (int16, times wscale), the high half the idf
 * (uint16, times iscale). */
typedef struct as__lr {
    unsigned bits;           /* 2^bits buckets */
    uint32_t *cells;
    double wscale, iscale;
    double intercept;
} as__lr;

enum { AS__LR_BITS = 20 };

/*
 * The grams of text: for each character (folded; digits as 0; white space
 * runs as one space) its unigram, bigram and trigram ending there, as
 * buckets of 2^bits.  out needs room for 3 * len entries; at (byte offset
 * of the gram) and bytes (its length in the text) may be NULL.  Invalid UTF-8 bytes
 * are skipped.  Returns the number of grams.
 */
size_t as__lr_grams(const char *text, size_t len, unsigned bits, uint32_t *out, uint32_t *at,
                    uint32_t *bytes);

/* The model's log-odds of "positive" for text.  No allocation up to 340
 * bytes of text.  Returns AS_OK or AS_NOMEM.  Thread-safe. */
as_status as__lr_margin(const as__lr *m, const char *text, size_t len, double *margin);

/* One gram's part in a margin (the explanation). */
typedef struct as__lr_contrib {
    uint32_t offset;         /* byte offset of its first occurrence */
    uint32_t bytes;          /* its length there */
    uint8_t count;           /* occurrences (255: or more) */
    double value;            /* its term of the margin */
} as__lr_contrib;

/* The margin and every distinct gram's part (*out malloc'd, *nout). */
as_status as__lr_explain(const as__lr *m, const char *text, size_t len, double *margin,
                         as__lr_contrib **out, size_t *nout);
void as__lr_free(as__lr *m);
/* Room for n cells (free() frees it): on huge pages when it is large. */
uint32_t *as__lr_cells_alloc(size_t n);

/* Training texts as sparse count vectors (CSR), built by as__lr_data_add. */
typedef struct as__lr_data {
    unsigned bits;           /* set before the first add */
    size_t n, cap;           /* texts */
    size_t *start;           /* n + 1 offsets into idx and cnt */
    uint32_t *idx;           /* buckets */
    uint8_t *cnt;            /* their counts (255: or more) */
    size_t nnz, nnzcap;
    uint32_t *scratch;       /* working room */
    size_t scratch_cap;
    uint32_t *tab;
    unsigned tab_bits;
} as__lr_data;

as_status as__lr_data_add(as__lr_data *d, const char *text, size_t len);
void as__lr_data_free(as__lr_data *d);

/* The regularisation strengths tried by cross-validation. */
enum { AS__LR_GRID = 6 };
/* Training stops after AS__LR_EPOCHS passes, or when no text's dual
 * optimality condition is off by more than AS__LR_TOL. */
#define AS__LR_EPOCHS 100
#define AS__LR_TOL 0.2
extern const double as__lr_grid[AS__LR_GRID];

typedef struct as__lr_result {
    as__lr *model;           /* the final model, on every text */
    double c;                /* the strength used */
    double cv_macro_f1;      /* its cross-validated macro-F1 (0 without CV) */
    size_t ncv;              /* strengths tried */
    double cv_c[AS__LR_GRID], cv_f1[AS__LR_GRID];
    double *oof;             /* out-of-fold margin of every text (NULL without CV) */
} as__lr_result;

/*
 * Train on the texts of d with labels y (+1/-1).  folds >= 2: k-fold
 * cross-validation (fold[i] in 0..folds-1) over the grid (or fixed_c
 * alone when > 0) picks the strength with the best out-of-fold macro-F1
 * and keeps those out-of-fold margins; then the final model is fitted on
 * every text.  Deterministic.  Returns AS_OK or AS_NOMEM; the caller frees
 * res->model (as__lr_free) and res->oof.
 */
as_status as__lr_train(const as__lr_data *d, const signed char *y, const unsigned char *fold,
                       int folds, double fixed_c, as__lr_result *res);

/*
 * A small dense logistic regression (the combination layer): theta (p of
 * them) minimising sum log(1 + exp(-y_r theta.x_r)) + sum lambda_i/2
 * (theta_i - prior_i)^2 over the n rows of x (row-major, n x p), by
 * Newton's method: a ridge that pulls each coefficient toward its prior.
 * Returns AS_OK; AS_MISUSE (p outside 1..AS__LOGREG_MAX); AS_INTERNAL (a
 * singular system, only with a lambda 0).
 */
enum { AS__LOGREG_MAX = 32 };
as_status as__logreg_fit(const double *x, const signed char *y, size_t n, int p,
                         const double *lambda, const double *prior, double *theta);

#endif
