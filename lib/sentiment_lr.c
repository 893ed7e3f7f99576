/* sentiment_lr.c - the discriminative sentiment model: logistic regression
 * over hashed character 1-3-grams of the folded text, weighted by
 * sublinear tf-idf and L2-normalised, then scaled by the naive Bayes
 * log-count ratio (NBSVM; folded into the stored weights, so the scorer
 * does not see it).  The features (shared by training
 * and scoring, so that both see the same text), the scorer, training by
 * dual coordinate descent with the regularisation chosen by k-fold
 * cross-validation, the quantised weights, and the small logistic layer
 * that learns the combination with the lexicon (stored and loaded by
 * sentiment_model.c). */
#include "senti_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- features ------------------------------------------------------ */

/* The hash of the grams (part of the stored model's format 1): a
 * multiply-shift of the gram's key, one multiplication a gram. */
#define GRAM_SEED 0x5eed5e17a11c0deULL
#define GRAM_MUL 0x9E3779B97F4A7C15ULL

static inline uint32_t bucket_of(uint64_t key, unsigned bits)
{
    return (uint32_t)(((key ^ GRAM_SEED) * GRAM_MUL) >> (64 - bits));
}

/* The model's view of an ASCII character: lower case, every digit as 0,
 * every kind of white space as a space. */
static const unsigned char model_ascii[128] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, ' ', ' ', ' ', ' ', ' ', 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    ' ', '!', '"', '#', '$', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
    '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', ':', ';', '<', '=', '>', '?',
    '@', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '[', '\\', ']', '^', '_',
    '`', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '{', '|', '}', '~', 127,
};

/* The model's view of any character: the scorer's folding (case, full
 * width, traditional -> simplified), then as for ASCII. */
static inline uint32_t model_char(uint32_t cp)
{
    if (cp < 0x80)
        return model_ascii[cp];
    cp = as__senti_fold(cp);
    return cp < 0x80 ? model_ascii[cp] : cp;
}

/* The character at p[i] the long way (see model_char_at). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static size_t model_char_slow(const unsigned char *p, size_t len, size_t i, uint64_t *c)
{
    uint32_t cp;
    size_t k = as__utf8_decode(p + i, len - i, &cp);
    if (k)
        *c = model_char(cp);
    return k;
}

/* The character at p[i] as the model sees it (*c), and its length: 0 for
 * a byte that starts no valid character (it is skipped).  ASCII and the
 * three-byte forms of CJK without a traditional form are decoded here,
 * the rest by model_char_slow. */
static inline size_t model_char_at(const unsigned char *p, size_t len, size_t i, uint64_t *c)
{
    unsigned b0 = p[i];
    if (b0 < 0x80) {
        *c = model_ascii[b0];
        return 1;
    }
    if (b0 >= 0xE3 && b0 <= 0xEC && len - i >= 3 &&
        (((p[i + 1] ^ 0x80u) | (p[i + 2] ^ 0x80u)) < 0x40)) {
        /* U+3000-CFFF: folds only through the traditional table (the
         * ideographic space U+3000 too, as as__senti_fold says) */
        uint32_t cp = ((b0 & 0x0Fu) << 12) | ((p[i + 1] ^ 0x80u) << 6) | (p[i + 2] ^ 0x80u);
        if (cp >= 0x3400 && !(as__t2s_table_bmp[cp >> 3] & (1u << (cp & 7)))) {
            *c = cp;
            return 3;
        }
    }
    return model_char_slow(p, len, i, c);
}

/* The keys of the grams ending at character c after b and a (0: none):
 * a unigram has bits 63 and 62 set, a bigram bit 63 alone, a trigram
 * neither (code points have 21 bits). */
#define UNI_KEY(c) ((c) | (3ULL << 62))
#define BI_KEY(b, c) (((b) << 21) | (c) | (1ULL << 63))
#define TRI_KEY(a, b, c) (((a) << 42) | ((b) << 21) | (c))

size_t as__lr_grams(const char *text, size_t len, unsigned bits, uint32_t *out, uint32_t *at,
                    uint32_t *bytes)
{
    const unsigned char *p = (const unsigned char *)text;
    uint64_t a = 0, b = 0;       /* the two characters before, 0 at the start */
    size_t pa = 0, pb = 0;       /* their byte offsets */
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint64_t c;
        size_t k = model_char_at(p, len, i, &c);
        if (k == 0) {            /* invalid bytes are no characters */
            i++;
            continue;
        }
        if (c == ' ' && b == ' ') {  /* a run of white space is one space */
            i += k;
            continue;
        }
        out[n++] = bucket_of(UNI_KEY(c), bits);
        if (b) {
            out[n++] = bucket_of(BI_KEY(b, c), bits);
            if (a)
                out[n++] = bucket_of(TRI_KEY(a, b, c), bits);
        }
        if (at) {
            size_t end = i + k, g = n - (b ? (a ? 3 : 2) : 1);
            at[g] = (uint32_t)i;
            bytes[g] = (uint32_t)k;
            if (b) {
                at[g + 1] = (uint32_t)pb;
                bytes[g + 1] = (uint32_t)(end - pb);
                if (a) {
                    at[g + 2] = (uint32_t)pa;
                    bytes[g + 2] = (uint32_t)(end - pa);
                }
            }
        }
        a = b;
        pa = pb;
        b = c;
        pb = i;
        i += k;
    }
    return n;
}

/* 1 + ln(tf): the sublinear term frequency, tf 1..255 (255 for more); 0
 * for tf 0.  Written out (9 significant digits) so that the table is
 * constant data, shared by threads without any initialisation. */
static const float ltf[256] = {
    0.0f, 1.0f, 1.69314718f, 2.09861229f, 2.38629436f, 2.60943791f, 2.79175947f, 2.94591015f,
    3.07944154f, 3.19722458f, 3.30258509f, 3.39789527f, 3.48490665f, 3.56494936f, 3.63905733f, 3.7080502f,
    3.77258872f, 3.83321334f, 3.89037176f, 3.94443898f, 3.99573227f, 4.04452244f, 4.09104245f, 4.13549422f,
    4.17805383f, 4.21887582f, 4.25809654f, 4.29583687f, 4.33220451f, 4.36729583f, 4.40119738f, 4.4339872f,
    4.4657359f, 4.49650756f, 4.52636052f, 4.55534806f, 4.58351894f, 4.61091791f, 4.63758616f, 4.66356165f,
    4.68887945f, 4.71357207f, 4.73766962f, 4.76120012f, 4.78418963f, 4.80666249f, 4.8286414f, 4.8501476f,
    4.87120101f, 4.8918203f, 4.91202301f, 4.93182563f, 4.95124372f, 4.97029191f, 4.98898405f, 5.00733319f,
    5.02535169f, 5.04305127f, 5.06044301f, 5.07753744f, 5.09434456f, 5.11087386f, 5.12713439f, 5.14313473f,
    5.15888308f, 5.17438727f, 5.18965474f, 5.20469262f, 5.21950771f, 5.2341065f, 5.24849524f, 5.26267988f,
    5.27666612f, 5.29045944f, 5.30406509f, 5.31748811f, 5.33073334f, 5.34380542f, 5.35670883f, 5.36944785f,
    5.38202663f, 5.39444915f, 5.40671925f, 5.41884061f, 5.4308168f, 5.44265126f, 5.4543473f, 5.46590812f,
    5.47733681f, 5.48863637f, 5.49980967f, 5.51085951f, 5.52178858f, 5.53259949f, 5.54329478f, 5.55387689f,
    5.56434819f, 5.57471098f, 5.58496748f, 5.59511985f, 5.60517019f, 5.61512052f, 5.62497281f, 5.63472899f,
    5.6443909f, 5.65396035f, 5.66343909f, 5.67282883f, 5.68213123f, 5.69134788f, 5.70048037f, 5.7095302f,
    5.71849887f, 5.72738782f, 5.73619845f, 5.74493213f, 5.75359019f, 5.76217393f, 5.77068462f, 5.77912349f,
    5.78749174f, 5.79579055f, 5.80402104f, 5.81218436f, 5.82028157f, 5.82831374f, 5.83628191f, 5.84418709f,
    5.85203026f, 5.8598124f, 5.86753445f, 5.87519732f, 5.88280192f, 5.89034913f, 5.8978398f, 5.90527478f,
    5.91265489f, 5.91998093f, 5.92725369f, 5.93447393f, 5.94164242f, 5.94875989f, 5.95582706f, 5.96284463f,
    5.9698133f, 5.97673374f, 5.98360662f, 5.99043259f, 5.99721227f, 6.00394631f, 6.01063529f, 6.01727984f,
    6.02388052f, 6.03043792f, 6.0369526f, 6.04342512f, 6.04985601f, 6.05624581f, 6.06259503f, 6.0689042f,
    6.07517382f, 6.08140436f, 6.08759634f, 6.0937502f, 6.09986643f, 6.10594547f, 6.11198779f, 6.11799381f,
    6.12396398f, 6.12989871f, 6.13579844f, 6.14166356f, 6.14749448f, 6.15329159f, 6.1590553f, 6.16478597f,
    6.170484f, 6.17614973f, 6.18178355f, 6.18738581f, 6.19295685f, 6.19849703f, 6.20400669f, 6.20948615f,
    6.21493576f, 6.22035583f, 6.22574667f, 6.23110862f, 6.23644196f, 6.24174702f, 6.24702407f, 6.25227343f,
    6.25749537f, 6.26269019f, 6.26785816f, 6.27299956f, 6.27811466f, 6.28320373f, 6.28826703f, 6.29330482f,
    6.29831737f, 6.30330491f, 6.3082677f, 6.31320598f, 6.31811999f, 6.32300998f, 6.32787617f, 6.33271879f,
    6.33753808f, 6.34233425f, 6.34710753f, 6.35185813f, 6.35658627f, 6.36129217f, 6.36597602f, 6.37063803f,
    6.37527841f, 6.37989735f, 6.38449506f, 6.38907173f, 6.39362755f, 6.3981627f, 6.40267738f, 6.40717177f,
    6.41164605f, 6.4161004f, 6.420535f, 6.42495002f, 6.42934563f, 6.433722f, 6.43807931f, 6.44241771f,
    6.44673737f, 6.45103845f, 6.45532112f, 6.45958551f, 6.46383181f, 6.46806014f, 6.47227067f, 6.47646355f,
    6.48063892f, 6.48479693f, 6.48893773f, 6.49306144f, 6.49716823f, 6.50125821f, 6.50533154f, 6.50938834f,
    6.51342875f, 6.5174529f, 6.52146092f, 6.52545294f, 6.52942909f, 6.53338949f, 6.53733427f, 6.54126355f,
};

/* Count the distinct buckets of g[0, n): tab (2^tbits entries, cleared
 * here) holds bucket + 1 in the low 24 bits and the count in the high 8;
 * slot[] receives the table index of each distinct bucket in order of
 * first occurrence.  Returns the number of distinct buckets. */
static inline void tf_add(uint32_t bucket, uint32_t *tab, unsigned tbits, uint32_t *slot,
                          size_t *distinct);

static size_t tf_count(const uint32_t *g, size_t n, uint32_t *tab, unsigned tbits,
                       uint32_t *slot)
{
    size_t distinct = 0;
    memset(tab, 0, ((size_t)1 << tbits) * sizeof *tab);
    for (size_t i = 0; i < n; i++)
        tf_add(g[i], tab, tbits, slot, &distinct);
    return distinct;
}

static unsigned tab_bits_for(size_t n)
{
    unsigned b = 4;
    while (((size_t)1 << b) < 2 * n)
        b++;
    return b;
}

/* Grams on the stack up to this many; longer texts use the heap. */
enum { STACK_GRAMS = 1024 };

/* Count one gram into the table (2^tbits entries: bucket + 1 in the low 24
 * bits, the count in the high 8); a new bucket's table index goes to
 * slot[*distinct]. */
static inline void tf_add(uint32_t bucket, uint32_t *tab, unsigned tbits, uint32_t *slot,
                          size_t *distinct)
{
    size_t mask = ((size_t)1 << tbits) - 1;
    uint32_t key = bucket + 1;
    size_t h = (size_t)(key * 0x9E3779B1u) >> (32 - tbits);
    for (;;) {
        uint32_t e = tab[h];
        if (e == 0) {
            tab[h] = key | (1u << 24);
            slot[(*distinct)++] = (uint32_t)h;
            return;
        }
        if ((e & 0xFFFFFFu) == key) {
            if (e < 0xFF000000u)
                tab[h] = e + (1u << 24);
            return;
        }
        h = (h + 1) & mask;
    }
}

as_status as__lr_margin(const as__lr *m, const char *text, size_t len, double *margin)
{
    /* One pass: each gram is counted as it is made, and its cell asked for
     * at once (the cells are scattered over megabytes; the loads overlap
     * with the rest of the pass).  The same grams as as__lr_grams(), in
     * the same order. */
    uint32_t tabs[2 * STACK_GRAMS], slots[STACK_GRAMS];
    uint32_t *tab = tabs, *slot = slots;
    size_t cap = 3 * len;
    unsigned tb = tab_bits_for(cap ? cap : 1);
    if (cap > STACK_GRAMS) {
        tab = malloc((((size_t)1 << tb) + cap) * sizeof *tab);
        if (!tab)
            return AS_NOMEM;
        slot = tab + ((size_t)1 << tb);
    }
    memset(tab, 0, ((size_t)1 << tb) * sizeof *tab);
    const uint32_t *cells = m->cells;
    const unsigned char *p = (const unsigned char *)text;
    unsigned bits = m->bits;
    uint64_t a = 0, b = 0;
    size_t distinct = 0;
    for (size_t i = 0; i < len;) {
        uint64_t c;
        size_t k = model_char_at(p, len, i, &c);
        if (k == 0) {
            i++;
            continue;
        }
        i += k;
        if (c == ' ' && b == ' ')
            continue;
        uint32_t g = bucket_of(UNI_KEY(c), bits);
#if defined(__GNUC__)
        __builtin_prefetch(cells + g);
#endif
        tf_add(g, tab, tb, slot, &distinct);
        if (b) {
            g = bucket_of(BI_KEY(b, c), bits);
#if defined(__GNUC__)
            __builtin_prefetch(cells + g);
#endif
            tf_add(g, tab, tb, slot, &distinct);
            if (a) {
                g = bucket_of(TRI_KEY(a, b, c), bits);
#if defined(__GNUC__)
                __builtin_prefetch(cells + g);
#endif
                tf_add(g, tab, tb, slot, &distinct);
            }
        }
        a = b;
        b = c;
    }
    double dot = 0, nrm = 0;
    for (size_t k = 0; k < distinct; k++) {
        uint32_t e = tab[slot[k]];
        uint32_t cell = cells[(e & 0xFFFFFFu) - 1];
        double s = ltf[e >> 24];
        double v = (double)(int16_t)(cell & 0xFFFFu), idf = (double)(cell >> 16);
        dot += v * s;
        nrm += idf * idf * s * s;
    }
    if (tab != tabs)
        free(tab);
    *margin = m->intercept;
    if (nrm > 0)
        *margin += dot * m->wscale / (sqrt(nrm) * m->iscale);
    return AS_OK;
}

/* The contributing grams of a text, for the explanation. */
as_status as__lr_explain(const as__lr *m, const char *text, size_t len, double *margin,
                         as__lr_contrib **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    size_t cap = 3 * len + 1;
    unsigned tb = tab_bits_for(cap);
    uint32_t *g = malloc(cap * sizeof *g), *at = malloc(cap * sizeof *at);
    uint32_t *nl = malloc(cap * sizeof *nl), *slot = malloc(cap * sizeof *slot);
    uint32_t *tab = malloc(((size_t)1 << tb) * sizeof *tab);
    as__lr_contrib *c = malloc(cap * sizeof *c);
    if (!g || !at || !nl || !slot || !tab || !c) {
        free(g);
        free(at);
        free(nl);
        free(slot);
        free(tab);
        free(c);
        return AS_NOMEM;
    }
    size_t n = as__lr_grams(text, len, m->bits, g, at, nl);
    tb = tab_bits_for(n);
    size_t distinct = tf_count(g, n, tab, tb, slot);
    /* The k-th distinct bucket first occurs at the k-th gram that is new:
     * walk the grams once more, in the same order. */
    double dot = 0, nrm = 0;
    size_t k = 0;
    uint32_t *seen = malloc(((size_t)1 << tb) * sizeof *seen);
    if (!seen) {
        free(g);
        free(at);
        free(nl);
        free(slot);
        free(tab);
        free(c);
        return AS_NOMEM;
    }
    memset(seen, 0, ((size_t)1 << tb) * sizeof *seen);
    size_t mask = ((size_t)1 << tb) - 1;
    for (size_t i = 0; i < n && k < distinct; i++) {
        uint32_t key = g[i] + 1;
        size_t h = (size_t)(key * 0x9E3779B1u) >> (32 - tb);
        while ((tab[h] & 0xFFFFFFu) != key)
            h = (h + 1) & mask;
        if (seen[h])
            continue;
        seen[h] = 1;
        uint32_t e = tab[h];
        uint32_t cell = m->cells[(e & 0xFFFFFFu) - 1];
        double s = ltf[e >> 24];
        /* Summed as as__lr_margin sums: the same margin to the bit. */
        double v = (double)(int16_t)(cell & 0xFFFFu), idf = (double)(cell >> 16);
        dot += v * s;
        nrm += idf * idf * s * s;
        c[k].offset = at[i];
        c[k].bytes = nl[i];
        c[k].count = e >> 24;
        c[k].value = v * s;
        k++;
    }
    double scale = nrm > 0 ? m->wscale / (sqrt(nrm) * m->iscale) : 0;
    for (size_t i = 0; i < k; i++)
        c[i].value *= scale;
    *margin = m->intercept;
    if (nrm > 0)
        *margin += dot * m->wscale / (sqrt(nrm) * m->iscale);
    free(g);
    free(at);
    free(nl);
    free(slot);
    free(tab);
    free(seen);
    *out = c;
    *nout = k;
    return AS_OK;
}

uint32_t *as__lr_cells_alloc(size_t n)
{
    size_t bytes = n * sizeof(uint32_t);
    if (bytes >= (2u << 20)) {
        /* Huge pages where the kernel offers them: the scorer looks cells
         * up at random, and 4 KiB pages would cost a TLB miss each. */
        size_t align = 2u << 20, rounded = (bytes + align - 1) / align * align;
        void *p = aligned_alloc(align, rounded);
#ifdef MADV_HUGEPAGE
        if (p)
            madvise(p, rounded, MADV_HUGEPAGE);
#endif
        return p;
    }
    return malloc(bytes);
}

void as__lr_free(as__lr *m)
{
    if (!m)
        return;
    free(m->cells);
    free(m);
}

/* ---- training data ------------------------------------------------- */

void as__lr_data_free(as__lr_data *d)
{
    free(d->start);
    free(d->idx);
    free(d->cnt);
    d->start = NULL;
    d->idx = NULL;
    d->cnt = NULL;
    d->n = d->cap = d->nnz = d->nnzcap = 0;
    free(d->scratch);
    free(d->tab);
    d->scratch = NULL;
    d->tab = NULL;
    d->scratch_cap = 0;
    d->tab_bits = 0;
}

as_status as__lr_data_add(as__lr_data *d, const char *text, size_t len)
{
    if (d->n + 1 >= d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        size_t *s = realloc(d->start, (cap + 1) * sizeof *s);
        if (!s)
            return AS_NOMEM;
        d->start = s;
        d->cap = cap;
        if (d->n == 0)
            d->start[0] = 0;
    }
    size_t need = 2 * (3 * len + 1);     /* the grams, then the slots */
    if (need > d->scratch_cap) {
        uint32_t *g = realloc(d->scratch, need * sizeof *g);
        if (!g)
            return AS_NOMEM;
        d->scratch = g;
        d->scratch_cap = need;
    }
    size_t n = as__lr_grams(text, len, d->bits, d->scratch, NULL, NULL);
    unsigned tb = tab_bits_for(n);
    if (tb > d->tab_bits) {
        uint32_t *t = realloc(d->tab, ((size_t)1 << tb) * sizeof *t);
        if (!t)
            return AS_NOMEM;
        d->tab = t;
        d->tab_bits = tb;
    }
    uint32_t *slot = d->scratch + 3 * len + 1;
    size_t distinct = tf_count(d->scratch, n, d->tab, tb, slot);
    if (d->nnz + distinct > d->nnzcap) {
        size_t cap = d->nnzcap ? d->nnzcap : 1 << 16;
        while (cap < d->nnz + distinct)
            cap *= 2;
        uint32_t *ix = realloc(d->idx, cap * sizeof *ix);
        if (!ix)
            return AS_NOMEM;
        d->idx = ix;
        uint8_t *ct = realloc(d->cnt, cap);
        if (!ct)
            return AS_NOMEM;
        d->cnt = ct;
        d->nnzcap = cap;
    }
    /* In order of first occurrence. */
    for (size_t k = 0; k < distinct; k++) {
        uint32_t e = d->tab[slot[k]];
        d->idx[d->nnz] = (e & 0xFFFFFFu) - 1;
        d->cnt[d->nnz] = (uint8_t)(e >> 24);
        d->nnz++;
    }
    d->n++;
    d->start[d->n] = d->nnz;
    return AS_OK;
}

/* ---- training: dual coordinate descent ------------------------------ */

/* The weights while training: single precision halves the memory the
 * updates walk (measured: the same models to the fourth decimal of
 * macro-F1, 30% less time). */
typedef float wreal;

/* xorshift64*: the permutations of the training order (fixed seed). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* The inverse document frequency of each bucket over the texts with
 * use[i] != 0: ln((1 + N) / (1 + df)) + 1, the smoothed form (a bucket
 * no text has gets the largest value). */
static void idf_of(const as__lr_data *d, const unsigned char *use, double *idf, size_t dims)
{
    uint32_t *df = calloc(dims, sizeof *df);
    size_t N = 0;
    if (!df) {
        for (size_t j = 0; j < dims; j++)
            idf[j] = 1;
        return;
    }
    for (size_t i = 0; i < d->n; i++) {
        if (!use[i])
            continue;
        N++;
        for (size_t k = d->start[i]; k < d->start[i + 1]; k++)
            df[d->idx[k]]++;
    }
    for (size_t j = 0; j < dims; j++)
        idf[j] = log((1.0 + (double)N) / (1.0 + df[j])) + 1.0;
    free(df);
}

/*
 * The naive Bayes log-count ratio of each bucket over the texts with
 * use[i] (NBSVM, Wang and Manning 2012): ln((a + p_j) / |a + p|_1) -
 * ln((a + q_j) / |a + q|_1), p_j (q_j) the number of positive (negative)
 * texts with the bucket, a = 1.  Scaling the features by it lets the L2
 * penalty fall lightly on grams that separate the classes and heavily on
 * the rest.
 */
static int nbr_of(const as__lr_data *d, const signed char *y, const unsigned char *use,
                  double *r, size_t dims)
{
    uint32_t *pq = calloc(2 * (dims ? dims : 1), sizeof *pq);
    if (!pq)
        return -1;
    double sp = 0, sq = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!use[i])
            continue;
        uint32_t *c = pq + (y[i] > 0 ? 0 : dims);
        for (size_t k = d->start[i]; k < d->start[i + 1]; k++)
            c[d->idx[k]]++;
        if (y[i] > 0)
            sp += (double)(d->start[i + 1] - d->start[i]);
        else
            sq += (double)(d->start[i + 1] - d->start[i]);
    }
    const double a = 1.0;
    sp += a * (double)dims;
    sq += a * (double)dims;
    for (size_t j = 0; j < dims; j++)
        r[j] = log((a + pq[j]) / sp) - log((a + pq[dims + j]) / sq);
    free(pq);
    return 0;
}

/* The normalised feature values of every text under idf (the norm of the
 * tf-idf vector), each scaled by the bucket's log-count ratio r. */
static void values_of(const as__lr_data *d, const double *idf, const double *r, float *val)
{
    for (size_t i = 0; i < d->n; i++) {
        double nrm = 0;
        for (size_t k = d->start[i]; k < d->start[i + 1]; k++) {
            double x = idf[d->idx[k]] * ltf[d->cnt[k]];
            nrm += x * x;
        }
        double inv = nrm > 0 ? 1 / sqrt(nrm) : 0;
        for (size_t k = d->start[i]; k < d->start[i + 1]; k++)
            val[k] = (float)(idf[d->idx[k]] * r[d->idx[k]] * ltf[d->cnt[k]] * inv);
    }
}

static inline double dot_w(const as__lr_data *d, const float *val, const wreal *w, size_t i)
{
    double s = 0;
    for (size_t k = d->start[i]; k < d->start[i + 1]; k++)
        s += w[d->idx[k]] * val[k];
    return s;
}

static inline double sigmoid(double t)
{
    return t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t));
}

/*
 * Minimise 1/2 |w|^2 + C sum log(1 + exp(-y_i (w.x_i + b))) over the
 * texts with use[i], b being the weight of a constant feature 1 (so it is
 * regularised too), by coordinate descent on the dual: for each text in
 * turn, in an order shuffled every epoch, the one-variable problem is
 * solved exactly (Newton on u_i, the logit of alpha_i / C, kept inside its
 * bracket), and w follows.  logit[] (one per text) holds u: when warm it
 * is the start (a solution for another C is a good one), else the start is
 * alpha_i = min(0.001 C, 1e-8); on return it holds the solution.  w (dims)
 * and *b are written.  Deterministic: the order comes from a fixed seed.
 */
static as_status fit(const as__lr_data *d, const float *val, const signed char *y,
                     const unsigned char *use, double C, int warm, double *logit, wreal *w,
                     size_t dims, double *b)
{
    size_t m = 0;
    for (size_t i = 0; i < d->n; i++)
        m += use[i] != 0;
    uint32_t *order = malloc((m ? m : 1) * sizeof *order);
    if (!order)
        return AS_NOMEM;
    memset(w, 0, dims * sizeof *w);
    double wb = 0;
    const double B = 1.0;
    double a0 = fmin(1e-3 * C, 1e-8);
    double t0 = log(a0 / (C - a0));
    m = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!use[i])
            continue;
        order[m++] = (uint32_t)i;
        if (!warm)
            logit[i] = t0;
        double a = C * sigmoid(logit[i]) * y[i];
        for (size_t k = d->start[i]; k < d->start[i + 1]; k++)
            w[d->idx[k]] += (wreal)(a * val[k]);
        wb += a * B;
    }
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    for (int epoch = 0; epoch < AS__LR_EPOCHS; epoch++) {
        for (size_t s = m; s > 1; s--) {
            size_t r = (size_t)(rng_next(&rng) % s);
            uint32_t t = order[s - 1];
            order[s - 1] = order[r];
            order[r] = t;
        }
        double viol = 0;
        for (size_t s = 0; s < m; s++) {
            size_t i = order[s];
            double Q = B * B, xw = wb * B;
            for (size_t k = d->start[i]; k < d->start[i + 1]; k++) {
                xw += w[d->idx[k]] * val[k];
                Q += (double)val[k] * val[k];
            }
            double G = y[i] * xw;
            double t = logit[i];
            double a = C * sigmoid(t);
            if (fabs(G + t) > viol)
                viol = fabs(G + t);
            /* f(u) = Q (C s(u) - a) + G + u = 0, increasing in u; the root
             * lies in [-G - Q (C - a), -G + Q a]. */
            double lo = -G - Q * (C - a), hi = -G + Q * a, u = t;
            if (u < lo || u > hi)
                u = 0.5 * (lo + hi);
            for (int it = 0; it < 60; it++) {
                double su = sigmoid(u);
                double f = Q * (C * su - a) + G + u;
                if (fabs(f) < 1e-12)
                    break;
                if (f > 0)
                    hi = u;
                else
                    lo = u;
                double nu = u - f / (Q * C * su * (1 - su) + 1);
                if (!(nu > lo && nu < hi))
                    nu = 0.5 * (lo + hi);
                if (fabs(nu - u) < 1e-14 * (1 + fabs(u))) {
                    u = nu;
                    break;
                }
                u = nu;
            }
            double da = C * sigmoid(u) - a;
            logit[i] = u;
            if (da != 0) {
                double f = da * y[i];
                for (size_t k = d->start[i]; k < d->start[i + 1]; k++)
                    w[d->idx[k]] += (wreal)(f * val[k]);
                wb += f * B;
            }
        }
        if (viol <= AS__LR_TOL)
            break;
    }
    *b = wb * B;
    free(order);
    return AS_OK;
}

/* ---- cross-validation ---------------------------------------------- */

/* Macro-F1 of the sign of margin against y over the texts with sel[i]. */
static double macro_f1_of(const double *margin, const signed char *y, const unsigned char *sel,
                          size_t n)
{
    double tp = 0, fp = 0, tn = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sel[i])
            continue;
        int pred = margin[i] > 0;
        if (pred && y[i] > 0)
            tp++;
        else if (pred)
            fp++;
        else if (y[i] > 0)
            fn++;
        else
            tn++;
    }
    double f1p = tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
    double f1n = tn > 0 ? 2 * tn / (2 * tn + fn + fp) : 0;
    return (f1p + f1n) / 2;
}

const double as__lr_grid[AS__LR_GRID] = {0.5, 1, 2, 4, 8, 16};

/* A bucket and its document frequency, to order the dense ids. */
typedef struct bucket_df {
    uint32_t bucket, df;
} bucket_df;

/* By decreasing document frequency, then by bucket. */
static int cmp_df(const void *a, const void *b)
{
    const bucket_df *x = a, *y = b;
    if (x->df != y->df)
        return x->df > y->df ? -1 : 1;
    return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

/*
 * The texts with their buckets renumbered densely, the most frequent
 * first: the weights the training reads and writes at random then crowd
 * into the first few cache lines.  *map receives bucket -> dense id
 * (UINT32_MAX for a bucket no text has), *dims the number of dense ids.
 */
static as_status densify(const as__lr_data *d, as__lr_data *dd, uint32_t **map, size_t *dims)
{
    size_t buckets = (size_t)1 << d->bits;
    uint32_t *df = calloc(buckets, sizeof *df), *m = malloc(buckets * sizeof *m);
    uint32_t *idx = malloc((d->nnz ? d->nnz : 1) * sizeof *idx);
    bucket_df *used = NULL;
    if (!df || !m || !idx)
        goto fail;
    for (size_t k = 0; k < d->nnz; k++)
        df[d->idx[k]]++;
    size_t u = 0;
    for (size_t j = 0; j < buckets; j++)
        u += df[j] != 0;
    used = malloc((u ? u : 1) * sizeof *used);
    if (!used)
        goto fail;
    u = 0;
    for (size_t j = 0; j < buckets; j++)
        if (df[j])
            used[u++] = (bucket_df){(uint32_t)j, df[j]};
    qsort(used, u, sizeof *used, cmp_df);
    for (size_t j = 0; j < buckets; j++)
        m[j] = UINT32_MAX;
    for (size_t r = 0; r < u; r++)
        m[used[r].bucket] = (uint32_t)r;
    for (size_t k = 0; k < d->nnz; k++)
        idx[k] = m[d->idx[k]];
    *dd = *d;
    dd->idx = idx;
    *map = m;
    *dims = u;
    free(df);
    free(used);
    return AS_OK;
fail:
    free(df);
    free(m);
    free(used);
    free(idx);
    return AS_NOMEM;
}

as_status as__lr_train(const as__lr_data *data, const signed char *y, const unsigned char *fold,
                       int folds, double fixed_c, as__lr_result *res)
{
    memset(res, 0, sizeof *res);
    size_t buckets = (size_t)1 << data->bits, n = data->n, dims = 0;
    as__lr_data dense;
    uint32_t *map = NULL;
    if (densify(data, &dense, &map, &dims) != AS_OK)
        return AS_NOMEM;
    const as__lr_data *d = &dense;
    wreal *w = malloc((dims + 1) * sizeof *w);
    double *idf = malloc((dims + 1) * sizeof *idf), *nbr = malloc((dims + 1) * sizeof *nbr);
    float *val = malloc((d->nnz ? d->nnz : 1) * sizeof *val);
    unsigned char *use = malloc(n ? n : 1), *sel = malloc(n ? n : 1), *all = malloc(n ? n : 1);
    double *oof = calloc((size_t)AS__LR_GRID * (n ? n : 1), sizeof *oof);
    double *logit = malloc((n ? n : 1) * sizeof *logit);
    as_status st = AS_OK;
    if (!w || !idf || !nbr || !val || !use || !sel || !all || !oof || !logit) {
        st = AS_NOMEM;
        goto out;
    }
    memset(all, 1, n);
    int ngrid = fixed_c > 0 ? 1 : AS__LR_GRID;
    res->ncv = 0;
    if (folds >= 2) {
        for (int f = 0; f < folds && st == AS_OK; f++) {
            for (size_t i = 0; i < n; i++) {
                use[i] = fold[i] != f;
                sel[i] = fold[i] == f;
            }
            idf_of(d, use, idf, dims);
            if (nbr_of(d, y, use, nbr, dims) != 0) {
                st = AS_NOMEM;
                break;
            }
            values_of(d, idf, nbr, val);
            for (int g = 0; g < ngrid && st == AS_OK; g++) {
                double C = fixed_c > 0 ? fixed_c : as__lr_grid[g];
                double b;
                st = fit(d, val, y, use, C, g > 0, logit, w, dims, &b);
                for (size_t i = 0; st == AS_OK && i < n; i++)
                    if (sel[i])
                        oof[(size_t)g * n + i] = dot_w(d, val, w, i) + b;
            }
        }
        if (st != AS_OK)
            goto out;
        /* The smallest C within 0.001 of the best macro-F1: stronger
         * regularisation when the data cannot tell them apart. */
        double top = 0;
        for (int g = 0; g < ngrid; g++) {
            res->cv_c[g] = fixed_c > 0 ? fixed_c : as__lr_grid[g];
            res->cv_f1[g] = macro_f1_of(oof + (size_t)g * n, y, all, n);
            if (res->cv_f1[g] > top)
                top = res->cv_f1[g];
        }
        int best = 0;
        while (best + 1 < ngrid && res->cv_f1[best] < top - 1e-3)
            best++;
        res->ncv = (size_t)ngrid;
        res->c = res->cv_c[best];
        res->cv_macro_f1 = res->cv_f1[best];
        res->oof = malloc((n ? n : 1) * sizeof *res->oof);
        if (!res->oof) {
            st = AS_NOMEM;
            goto out;
        }
        memcpy(res->oof, oof + (size_t)best * n, n * sizeof *res->oof);
    } else {
        res->c = fixed_c > 0 ? fixed_c : 4;
    }
    /* The final model on every text. */
    idf_of(d, all, idf, dims);
    if (nbr_of(d, y, all, nbr, dims) != 0) {
        st = AS_NOMEM;
        goto out;
    }
    values_of(d, idf, nbr, val);
    double b;
    st = fit(d, val, y, all, res->c, 0, logit, w, dims, &b);
    if (st != AS_OK)
        goto out;
    /* Quantise: v = w * idf as int16, idf as uint16, each with its scale.
     * A bucket no text has keeps weight 0 and the largest idf, that of a
     * document frequency 0. */
    double idf_unseen = log(1.0 + (double)n) + 1.0, vmax = 0, imax = idf_unseen;
    for (size_t j = 0; j < dims; j++) {
        double v = fabs(w[j] * idf[j] * nbr[j]);
        if (v > vmax)
            vmax = v;
        if (idf[j] > imax)
            imax = idf[j];
    }
    as__lr *m = calloc(1, sizeof *m);
    uint32_t *cells = as__lr_cells_alloc(buckets);
    if (!m || !cells) {
        free(m);
        free(cells);
        st = AS_NOMEM;
        goto out;
    }
    m->bits = data->bits;
    m->wscale = vmax > 0 ? vmax / 32767.0 : 1;
    m->iscale = imax / 65535.0;
    m->intercept = b;
    m->cells = cells;
    for (size_t j = 0; j < buckets; j++) {
        uint32_t r = map[j];
        double wv = r == UINT32_MAX ? 0 : w[r] * idf[r] * nbr[r], iv = r == UINT32_MAX ? idf_unseen : idf[r];
        long q = lround(wv / m->wscale);
        long z = lround(iv / m->iscale);
        if (q > 32767)
            q = 32767;
        if (q < -32767)
            q = -32767;
        if (z > 65535)
            z = 65535;
        if (z < 1)
            z = 1;
        cells[j] = (uint32_t)(uint16_t)(int16_t)q | ((uint32_t)z << 16);
    }
    res->model = m;
out:
    free(dense.idx);
    free(map);
    free(w);
    free(idf);
    free(nbr);
    free(val);
    free(use);
    free(sel);
    free(all);
    free(oof);
    free(logit);
    return st;
}

/* ---- the small dense logistic regression of the combination --------- */

/* Solve A x = b for the p x p symmetric positive definite A (Cholesky, in
 * place).  0, or -1 when A is not positive definite. */
static int cholesky_solve(double *A, double *b, int p)
{
    for (int j = 0; j < p; j++) {
        double s = A[j * p + j];
        for (int k = 0; k < j; k++)
            s -= A[j * p + k] * A[j * p + k];
        if (!(s > 1e-300))
            return -1;
        A[j * p + j] = sqrt(s);
        for (int i = j + 1; i < p; i++) {
            double t = A[i * p + j];
            for (int k = 0; k < j; k++)
                t -= A[i * p + k] * A[j * p + k];
            A[i * p + j] = t / A[j * p + j];
        }
    }
    for (int i = 0; i < p; i++) {
        double t = b[i];
        for (int k = 0; k < i; k++)
            t -= A[i * p + k] * b[k];
        b[i] = t / A[i * p + i];
    }
    for (int i = p - 1; i >= 0; i--) {
        double t = b[i];
        for (int k = i + 1; k < p; k++)
            t -= A[k * p + i] * b[k];
        b[i] = t / A[i * p + i];
    }
    return 0;
}

/* The objective sum log(1 + exp(-y theta.x)) + sum lambda_i/2 (theta_i -
 * prior_i)^2. */
static double logreg_objective(const double *x, const signed char *y, size_t n, int p,
                               const double *lambda, const double *prior, const double *theta)
{
    double obj = 0;
    for (int i = 0; i < p; i++)
        obj += 0.5 * lambda[i] * (theta[i] - prior[i]) * (theta[i] - prior[i]);
    for (size_t r = 0; r < n; r++) {
        const double *xr = x + r * (size_t)p;
        double z = 0;
        for (int i = 0; i < p; i++)
            z += theta[i] * xr[i];
        double yz = y[r] * z;
        obj += yz > 0 ? log1p(exp(-yz)) : -yz + log1p(exp(yz));
    }
    return obj;
}

as_status as__logreg_fit(const double *x, const signed char *y, size_t n, int p,
                         const double *lambda, const double *prior, double *theta)
{
    if (p <= 0 || p > AS__LOGREG_MAX)
        return AS_MISUSE;
    double H[AS__LOGREG_MAX * AS__LOGREG_MAX], g[AS__LOGREG_MAX], next[AS__LOGREG_MAX];
    memset(theta, 0, (size_t)p * sizeof *theta);
    double obj = logreg_objective(x, y, n, p, lambda, prior, theta);
    for (int it = 0; it < 50; it++) {
        /* The gradient and Hessian at theta. */
        for (int i = 0; i < p; i++) {
            g[i] = lambda[i] * (theta[i] - prior[i]);
            for (int j = 0; j < p; j++)
                H[i * p + j] = i == j ? lambda[i] : 0;
        }
        for (size_t r = 0; r < n; r++) {
            const double *xr = x + r * (size_t)p;
            double z = 0;
            for (int i = 0; i < p; i++)
                z += theta[i] * xr[i];
            double s = sigmoid(z), t = (y[r] > 0 ? 1.0 : 0.0) - s, wgt = s * (1 - s);
            for (int i = 0; i < p; i++) {
                if (xr[i] == 0)
                    continue;
                g[i] -= t * xr[i];
                for (int j = 0; j <= i; j++)
                    H[i * p + j] += wgt * xr[i] * xr[j];
            }
        }
        for (int i = 0; i < p; i++)
            for (int j = i + 1; j < p; j++)
                H[i * p + j] = H[j * p + i];
        if (cholesky_solve(H, g, p) != 0)
            return AS_INTERNAL;
        /* The Newton step, halved while it does not lower the objective. */
        double step = 1, now = obj;
        for (int half = 0; half < 40; half++, step /= 2) {
            for (int i = 0; i < p; i++)
                next[i] = theta[i] - step * g[i];
            now = logreg_objective(x, y, n, p, lambda, prior, next);
            if (now <= obj)
                break;
        }
        if (!(now <= obj))
            break;           /* no step lowers it: theta is the minimum */
        double moved = 0;
        for (int i = 0; i < p; i++) {
            moved = fmax(moved, fabs(next[i] - theta[i]));
            theta[i] = next[i];
        }
        double gain = obj - now;
        obj = now;
        if (moved < 1e-9 || gain < 1e-12 * (1 + fabs(obj)))
            break;
    }
    return AS_OK;
}
