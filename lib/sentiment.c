/* sentiment.c - explainable Chinese sentiment: the lexicon (a double-array
 * trie over folded characters, longest match), the rules (negation,
 * degree, contrast, punctuation), the combination with a model, the
 * per-handle cache, and the lexicon commands.  The models live in
 * sentiment_lr.c (discriminative) and sentiment_model.c (naive Bayes,
 * training, evaluation, storage). */
#include "sentiment.h"
#include "config.h"
#include "senti_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char as__lexicon_rules[];
extern const char as__lexicon_general[];
extern const char as__lexicon_domain[];
extern const char as__lexicon_emoji[];

const char *const as__lexicon_files[] = {
    as__lexicon_rules, as__lexicon_general, as__lexicon_domain, as__lexicon_emoji, NULL,
};
const char *const as__lexicon_names[] = {"rules.tsv", "general.tsv", "domain.tsv", "emoji.tsv",
                                         NULL};

static const char *const kind_names[] = {"word", "negator", "degree", "contrast",
                                         "concession", "rhetorical", NULL};

int as__senti_kind(const char *name, size_t n)
{
    for (int i = 0; kind_names[i]; i++)
        if (strlen(kind_names[i]) == n && memcmp(kind_names[i], name, n) == 0)
            return i;
    return -1;
}

const char *as__senti_kind_name(int kind)
{
    return kind >= 0 && kind < SK_COUNT ? kind_names[kind] : "word";
}

/* ---- configuration ------------------------------------------------- */

void as__sentiment_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"model_weight", "neutral", "min_class_texts", NULL};
    if (!cfg->sentiment) {
        cfg->sentiment = malloc(sizeof *cfg->sentiment);
        if (!cfg->sentiment) {
            as__cfg_error(c, node, "out of memory");
            return;
        }
    }
    cfg->sentiment->model_weight = AS_SENTIMENT_MODEL_WEIGHT;
    cfg->sentiment->neutral = AS_SENTIMENT_NEUTRAL;
    cfg->sentiment->min_class_texts = AS_SENTIMENT_MIN_CLASS_TEXTS;
    if (as__cfg_map_keys(c, node, "sentiment", keys) < 0)
        return;
    const as__ynode *n = as__ymap_get(node, "model_weight");
    if (n)
        as__cfg_real(c, n, 0, 100, &cfg->sentiment->model_weight);
    n = as__ymap_get(node, "neutral");
    if (n)
        as__cfg_real(c, n, 0, 0.9, &cfg->sentiment->neutral);
    n = as__ymap_get(node, "min_class_texts");
    long long v;
    if (n && as__cfg_int(c, n, 1, 1000000, &v) == 0)
        cfg->sentiment->min_class_texts = (unsigned)v;
}

void as__sentiment_cfg_free(as_config *cfg)
{
    free(cfg->sentiment);
    cfg->sentiment = NULL;
}

/* ---- the cache ----------------------------------------------------- */

const uint32_t as__len_bucket_max[AS__LEN_BUCKETS] = {10, 30, 100, 300, 0};

static inline unsigned char lower(unsigned char b)
{
    return b >= 'A' && b <= 'Z' ? (unsigned char)(b + 32) : b;
}

void as__senti_cache_free(as__senti_cache *c)
{
    if (!c)
        return;
    free(c->terms);
    free(c->pool);
    free(c->ch);
    free(c->ch_hi);
    free(c->base);
    free(c->check);
    free(c->term_of);
    free(c->mkeys);
    free(c->mvals);
    as__lr_free(c->lr);
    free(c);
}

static void senti_cache_destroy(void *c)
{
    as__senti_cache_free(c);
}

void as__sentiment_invalidate(as_db *db)
{
    as__ext_set(db, AS_EXT_SENTIMENT, NULL, NULL);
}

/* A growing list of terms while the lexicon is read. */
typedef struct lexbuild {
    as__senti_term *terms;
    size_t n, cap;
    as_buf pool;             /* NUL-terminated term texts, back to back */
} lexbuild;

static int lex_push(lexbuild *b, const char *term, size_t len, double weight, int kind)
{
    if (len == 0 || len > 255)
        return 0;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 512;
        as__senti_term *t = realloc(b->terms, cap * sizeof *t);
        if (!t)
            return -1;
        b->terms = t;
        b->cap = cap;
    }
    as__senti_term *t = &b->terms[b->n++];
    t->off = (uint32_t)b->pool.len;
    t->len = (uint16_t)len;
    t->kind = (uint8_t)kind;
    t->weight = weight;
    if (as__buf_add(&b->pool, term, len) || as__buf_addc(&b->pool, '\0'))
        return -1;
    return 0;
}

static inline int punct_of(uint32_t cp)
{
    switch (cp) {
    case ',': case 0xFF0C: case 0x3001: case ';': case 0xFF1B: case ':': case 0xFF1A:
    case ' ': case '\t': case 0x3000: case '~': case 0xFF5E: case '(': case ')':
    case 0xFF08: case 0xFF09:
        return P_COMMA;
    case '.': case 0x3002: case '\n': case '\r': case 0x2026: case 0xFF0E:
        return P_STOP;
    case '!': case 0xFF01:
        return P_BANG;
    case '?': case 0xFF1F:
        return P_QUESTION;
    default:
        return P_NONE;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The id of folded character cp among the sorted term characters, or 0. */
static unsigned id_of(const uint32_t *chars, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (chars[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && chars[lo] == cp ? (unsigned)lo + 1 : 0;
}

/* A character's entry (the BMP from the table, the rest from the pairs). */
static inline unsigned entry_of(const as__senti_cache *c, uint32_t cp)
{
    if (cp < 0x10000)
        return c->ch[cp];
    size_t lo = 0, hi = c->nch_hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ch_hi[2 * mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nch_hi && c->ch_hi[2 * lo] == cp ? c->ch_hi[2 * lo + 1] : 0;
}

/* A term as character ids, for building the trie. */
typedef struct seq {
    uint32_t off;            /* into the id pool */
    uint16_t n;
    int32_t term;
    const uint16_t *ids;     /* the pool (for the comparison: no global state,
                              * two handles may build at once) */
} seq;

static int cmp_seq(const void *a, const void *b)
{
    const seq *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    for (size_t i = 0; i < n; i++) {
        uint16_t p = x->ids[x->off + i], q = y->ids[y->off + i];
        if (p != q)
            return p < q ? -1 : 1;
    }
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return x->term < y->term ? -1 : x->term > y->term;
}

/* Make room for states up to need (exclusive) in the trie arrays. */
static int da_grow(as__senti_cache *c, size_t need)
{
    if (need <= c->nstates)
        return 0;
    size_t cap = c->nstates ? c->nstates : 1024;
    while (cap < need)
        cap *= 2;
    int32_t *b = realloc(c->base, cap * sizeof *b);
    if (!b)
        return -1;
    c->base = b;
    int32_t *k = realloc(c->check, cap * sizeof *k);
    if (!k)
        return -1;
    c->check = k;
    int32_t *t = realloc(c->term_of, cap * sizeof *t);
    if (!t)
        return -1;
    c->term_of = t;
    for (size_t i = c->nstates; i < cap; i++) {
        c->base[i] = 0;
        c->check[i] = -1;
        c->term_of[i] = -1;
    }
    c->nstates = cap;
    return 0;
}

/* The child of state s by a character id (the arrays reach past every
 * base + id, so no bounds check), or -1. */
static inline int32_t da_next(const as__senti_cache *c, int32_t s, unsigned id)
{
    size_t t = (size_t)c->base[s] + id;
    return c->check[t] == s ? (int32_t)t : -1;
}

/*
 * Build the character table and the trie from the collected terms (the
 * cache takes them).  Each term is read as folded characters (lower case,
 * ASCII for full width, simplified for traditional), so a text matches in
 * any of those forms; two terms that fold alike are one entry, the later
 * in term order winning.  The trie is a double array over character ids:
 * the child of state s by id is base[s] + id when check[] of it is s.
 */
static as_status build_trie(as__senti_cache *c, lexbuild *b)
{
    c->terms = b->terms;
    c->nterms = b->n;
    c->pool = b->pool.data;
    b->terms = NULL;
    b->pool.data = NULL;
    as_status st = AS_NOMEM;
    size_t total = 0;
    for (size_t i = 0; i < c->nterms; i++)
        total += c->terms[i].len;
    uint32_t *cps = malloc((total + 1) * sizeof *cps);
    uint16_t *ids = malloc((total + 1) * sizeof *ids);
    seq *seqs = malloc((c->nterms + 1) * sizeof *seqs);
    size_t *queue = NULL;
    c->ch = malloc(0x10000 * sizeof *c->ch);
    if (!cps || !ids || !seqs || !c->ch)
        goto out;
    /* The folded characters of every term, then their ids. */
    size_t ncps = 0;
    for (size_t i = 0; i < c->nterms; i++) {
        const unsigned char *t = (const unsigned char *)c->pool + c->terms[i].off;
        for (size_t k = 0; k < c->terms[i].len;) {
            uint32_t cp;
            size_t n = as__utf8_decode(t + k, c->terms[i].len - k, &cp);
            if (n == 0) {
                cp = t[k];
                n = 1;
            }
            cps[ncps++] = as__senti_fold(cp);
            k += n;
        }
    }
    qsort(cps, ncps, sizeof *cps, cmp_u32);
    size_t nchars = 0;
    for (size_t i = 0; i < ncps; i++)
        if (nchars == 0 || cps[nchars - 1] != cps[i])
            cps[nchars++] = cps[i];
    if (nchars > AS__CH_MAXID) {
        st = AS_INVALID;
        goto out;
    }
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        uint32_t f = cp >= 0xD800 && cp <= 0xDFFF ? cp : as__senti_fold(cp);
        c->ch[cp] = (uint16_t)(id_of(cps, nchars, f) | ((unsigned)punct_of(f) << 13));
    }
    /* Above the BMP: the term characters themselves, and the traditional
     * characters that fold to one. */
    size_t hi = 0;
    for (size_t i = 0; i < nchars; i++)
        hi += cps[i] >= 0x10000;
    for (size_t i = 0; i < as__t2s_table_count; i++)
        hi += as__t2s_table[i].from >= 0x10000;
    c->ch_hi = malloc((2 * hi + 2) * sizeof *c->ch_hi);
    if (!c->ch_hi)
        goto out;
    c->nch_hi = 0;
    for (size_t i = 0; i < nchars; i++) {
        if (cps[i] >= 0x10000) {
            c->ch_hi[2 * c->nch_hi] = cps[i];
            c->ch_hi[2 * c->nch_hi + 1] = (uint32_t)i + 1;
            c->nch_hi++;
        }
    }
    for (size_t i = 0; i < as__t2s_table_count; i++) {
        uint32_t from = as__t2s_table[i].from;
        unsigned id = from >= 0x10000 ? id_of(cps, nchars, as__senti_fold(from)) : 0;
        if (id) {
            c->ch_hi[2 * c->nch_hi] = from;
            c->ch_hi[2 * c->nch_hi + 1] = id;
            c->nch_hi++;
        }
    }
    /* sort the pairs by code point (few: insertion sort) */
    for (size_t i = 1; i < c->nch_hi; i++) {
        uint32_t k = c->ch_hi[2 * i], v = c->ch_hi[2 * i + 1];
        size_t j = i;
        while (j > 0 && c->ch_hi[2 * (j - 1)] > k) {
            c->ch_hi[2 * j] = c->ch_hi[2 * (j - 1)];
            c->ch_hi[2 * j + 1] = c->ch_hi[2 * (j - 1) + 1];
            j--;
        }
        c->ch_hi[2 * j] = k;
        c->ch_hi[2 * j + 1] = v;
    }
    /* Every term as ids, sorted. */
    size_t nids = 0, nseq = 0;
    for (size_t i = 0; i < c->nterms; i++) {
        const unsigned char *t = (const unsigned char *)c->pool + c->terms[i].off;
        seq *s = &seqs[nseq];
        s->off = (uint32_t)nids;
        s->ids = ids;
        s->term = (int32_t)i;
        for (size_t k = 0; k < c->terms[i].len;) {
            uint32_t cp;
            size_t n = as__utf8_decode(t + k, c->terms[i].len - k, &cp);
            if (n == 0) {
                cp = t[k];
                n = 1;
            }
            ids[nids++] = (uint16_t)id_of(cps, nchars, as__senti_fold(cp));
            k += n;
        }
        s->n = (uint16_t)(nids - s->off);
        if (s->n)
            nseq++;
    }
    qsort(seqs, nseq, sizeof *seqs, cmp_seq);
    /* Breadth first: a queue of (state, first seq, end seq, depth). */
    queue = malloc((total + 2) * 4 * sizeof *queue);
    if (!queue || da_grow(c, nchars + 2))
        goto out;
    c->check[0] = -2;
    size_t qh = 0, qt = 0, next_free = 1;
    queue[qt++] = 0;
    queue[qt++] = 0;
    queue[qt++] = nseq;
    queue[qt++] = 0;
    while (qh < qt) {
        size_t state = queue[qh], lo = queue[qh + 1], end = queue[qh + 2], depth = queue[qh + 3];
        qh += 4;
        /* Terms ending here (the last in order wins), then the children. */
        while (lo < end && seqs[lo].n == depth) {
            c->term_of[state] = seqs[lo].term;
            lo++;
        }
        if (lo == end)
            continue;
        /* The children's ids, distinct, in increasing order. */
        uint16_t first = ids[seqs[lo].off + depth];
        size_t base = next_free > first ? next_free - first : 1;
        for (;; base++) {
            int ok = 1;
            for (size_t k = lo; k < end && ok;) {
                uint16_t id = ids[seqs[k].off + depth];
                if (da_grow(c, base + id + 1))
                    goto out;
                if (c->check[base + id] != -1 || base + id == 0)
                    ok = 0;
                while (k < end && ids[seqs[k].off + depth] == id)
                    k++;
            }
            if (ok)
                break;
        }
        c->base[state] = (int32_t)base;
        for (size_t k = lo; k < end;) {
            uint16_t id = ids[seqs[k].off + depth];
            size_t k2 = k;
            while (k2 < end && ids[seqs[k2].off + depth] == id)
                k2++;
            size_t child = base + id;
            c->check[child] = (int32_t)state;
            queue[qt++] = child;
            queue[qt++] = k;
            queue[qt++] = k2;
            queue[qt++] = depth + 1;
            k = k2;
        }
        while (next_free < c->nstates && c->check[next_free] != -1)
            next_free++;
    }
    /* The characters that start a term (a child of the root). */
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        unsigned id = AS__CH_ID(c->ch[cp]);
        if (id && (size_t)c->base[0] + id < c->nstates && c->check[c->base[0] + id] == 0)
            c->ch[cp] |= AS__CH_STARTS;
    }
    for (size_t k = 0; k < c->nch_hi; k++) {
        unsigned id = AS__CH_ID(c->ch_hi[2 * k + 1]);
        if (id && (size_t)c->base[0] + id < c->nstates && c->check[c->base[0] + id] == 0)
            c->ch_hi[2 * k + 1] |= AS__CH_STARTS;
    }
    /* Room past the largest base for any id: lookups need no bounds check. */
    size_t top = 0;
    for (size_t k = 0; k < c->nstates; k++)
        if ((size_t)c->base[k] > top)
            top = (size_t)c->base[k];
    if (da_grow(c, top + nchars + 2))
        goto out;
    st = AS_OK;
out:
    free(cps);
    free(ids);
    free(seqs);
    free(queue);
    return st;
}

/* Parse one built-in TSV file, calling fn for each entry.  Returns 0, or
 * the first non-zero value of fn. */
int as__lexicon_parse(const char *text,
                      int (*fn)(void *ctx, const char *term, size_t tlen, double weight, int kind,
                                const char *tags),
                      void *ctx)
{
    const char *p = text;
    char tags[256], num[32];
    while (*p) {
        size_t n = strcspn(p, "\n");
        const char *line = p;
        p += n;
        if (*p)
            p++;
        if (n == 0 || line[0] == '#')
            continue;
        const char *tab1 = memchr(line, '\t', n);
        if (!tab1)
            continue;
        size_t tlen = (size_t)(tab1 - line);
        const char *w = tab1 + 1;
        const char *end = line + n;
        const char *tab2 = memchr(w, '\t', (size_t)(end - w));
        size_t wlen = (size_t)((tab2 ? tab2 : end) - w);
        if (wlen == 0 || wlen >= sizeof num)
            continue;
        memcpy(num, w, wlen);
        num[wlen] = '\0';
        double weight = strtod(num, NULL);
        int kind = SK_WORD;
        size_t tl = 0;
        tags[0] = '\0';
        if (tab2) {
            const char *t = tab2 + 1;
            while (t < end) {
                const char *comma = memchr(t, ',', (size_t)(end - t));
                size_t len = (size_t)((comma ? comma : end) - t);
                int k = as__senti_kind(t, len);
                if (k >= 0) {
                    kind = k;
                } else if (len > 0 && tl + len + 2 < sizeof tags) {
                    if (tl)
                        tags[tl++] = ',';
                    memcpy(tags + tl, t, len);
                    tl += len;
                    tags[tl] = '\0';
                }
                t += len + (comma ? 1 : 0);
                if (!comma)
                    break;
            }
        }
        int rc = fn(ctx, line, tlen, weight, kind, tags);
        if (rc)
            return rc;
    }
    return 0;
}

static int push_builtin(void *ctx, const char *term, size_t tlen, double weight, int kind,
                        const char *tags)
{
    (void)tags;
    return lex_push(ctx, term, tlen, weight, kind);
}

static const char sql_lex_loaded[] =
    "SELECT 1 FROM sentiment_meta WHERE key = 'lexicon_loaded_at'";
static const char sql_lex_all[] = "SELECT term, weight, kind FROM sentiment_lexicon";

/* Has the built-in lexicon been loaded into this database?  1, 0 or -1 (error). */
int as__lexicon_loaded(as_db *db)
{
    sqlite3_stmt *st = as__stmt(db, sql_lex_loaded);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    as__sqlfail(db, rc, "reading the sentiment lexicon");
    return -1;
}

as_status as__lexicon_ensure(as_db *db)
{
    int loaded = as__lexicon_loaded(db);
    if (loaded < 0)
        return AS_INTERNAL;
    if (loaded || db->readonly)
        return AS_OK;
    return as_lexicon_load(db, NULL);
}

static as_status load_lexicon(as_db *db, as__senti_cache *c)
{
    lexbuild b = {0};
    as_status st = as__lexicon_ensure(db);
    if (st != AS_OK)
        return st;
    int loaded = as__lexicon_loaded(db);
    if (loaded < 0)
        return AS_INTERNAL;
    if (!loaded) {
        /* A read-only handle on a database that never loaded the
         * lexicon: use the built-in files from memory. */
        for (int i = 0; as__lexicon_files[i]; i++)
            if (as__lexicon_parse(as__lexicon_files[i], push_builtin, &b)) {
                st = AS_NOMEM;
                goto out;
            }
    } else {
        sqlite3_stmt *q = as__stmt(db, sql_lex_all);
        if (!q)
            return AS_INTERNAL;
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *term = (const char *)sqlite3_column_text(q, 0);
            size_t tlen = (size_t)sqlite3_column_bytes(q, 0);
            double w = sqlite3_column_double(q, 1);
            const char *kn = (const char *)sqlite3_column_text(q, 2);
            int kind = kn ? as__senti_kind(kn, strlen(kn)) : SK_WORD;
            if (!term || lex_push(&b, term, tlen, w, kind < 0 ? SK_WORD : kind)) {
                sqlite3_reset(q);
                st = AS_NOMEM;
                goto out;
            }
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) {
            st = as__sqlfail(db, rc, "reading the sentiment lexicon");
            goto out;
        }
    }
    st = build_trie(c, &b);
    if (st == AS_INVALID)
        st = as__fail(db, AS_INVALID,
                      "sentiment lexicon: its terms use more than %d distinct characters",
                      AS__CH_MAXID);
out:
    free(b.terms);
    as__buf_free(&b.pool);
    return st;
}

as_status as__senti_cache_get(as_db *db, const as__senti_cache **out)
{
    const as__senti_cache *cached = as__ext_get(db, AS_EXT_SENTIMENT);
    if (cached) {
        *out = cached;
        return AS_OK;
    }
    as__senti_cache *c = calloc(1, sizeof *c);
    if (!c)
        return as__fail(db, AS_NOMEM, "sentiment: out of memory");
    const as_config *cfg = as__db_config(db);
    c->model_weight = AS_SENTIMENT_MODEL_WEIGHT;
    c->neutral = AS_SENTIMENT_NEUTRAL;
    if (cfg && cfg->sentiment) {
        c->model_weight = cfg->sentiment->model_weight;
        c->neutral = cfg->sentiment->neutral;
    }
    as_status st = load_lexicon(db, c);
    if (st == AS_OK)
        st = as__senti_models_load(db, c);
    if (st != AS_OK) {
        as__senti_cache_free(c);
        if (st == AS_NOMEM)
            as__fail(db, st, "sentiment: out of memory loading the lexicon and model");
        return st;
    }
    as__ext_set(db, AS_EXT_SENTIMENT, c, senti_cache_destroy);
    *out = c;
    return AS_OK;
}

/* ---- the scorer ---------------------------------------------------- */

/* Append a rule description to an evidence entry (dropped when the
 * entry's room is full: a text has at most a handful of rules per term). */
static void ev_rule(as__senti_ev *e, const char *fmt, ...) AS_PRINTF(2, 3);
static void ev_rule(as__senti_ev *e, const char *fmt, ...)
{
    size_t n = e->rules_len, room = sizeof e->rules - n;
    if (room < 2 || e->nrules == UINT8_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(e->rules + n, room, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= room) {
        e->rules[n] = '\0';     /* did not fit whole: leave it out */
        return;
    }
    e->rules_len = (uint16_t)(n + (size_t)w + 1);
    e->nrules++;
}

typedef struct scorer {
    const as__senti_cache *c;
    as__senti_evlist *ev;    /* NULL: no explanation (the fast path) */
    /* pending modifiers */
    double negf;
    int32_t neg_term, deg_term;
    double deg;
    int neg_before_deg;
    int gap;
    /* the clause, the contrast part, the total */
    double clause;
    size_t clause_ev;
    int rhet;
    double part;
    size_t part_ev;
    double part_factor;
    int part_kind;           /* SK_WORD (plain), SK_CONTRAST (after), SK_CONCESSION */
    int32_t part_term;
    double total;
    int bangs, questions, stop;
    unsigned hits;
} scorer;

static inline const char *term_text(const as__senti_cache *c, int32_t t)
{
    return c->pool + c->terms[t].off;
}

static inline void reset_mods(scorer *s)
{
    s->negf = 1;
    s->deg = 1;
    s->neg_term = s->deg_term = -1;
    s->neg_before_deg = 0;
    s->gap = 0;
}

static as_status ev_push(scorer *s, int32_t t, size_t off, double base, double value)
{
    as__senti_evlist *l = s->ev;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        as__senti_ev *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return AS_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    as__senti_ev *e = &l->v[l->n++];
    e->term = t;
    e->offset = off;
    e->base = base;
    e->value = value;
    e->rules_len = 0;
    e->nrules = 0;
    return AS_OK;
}

static as_status on_word(scorer *s, int32_t t, size_t off)
{
    const as__senti_cache *c = s->c;
    double base = c->terms[t].weight;
    double v = base;
    int neg = s->neg_term >= 0, deg = s->deg_term >= 0;
    if (neg && deg && s->neg_before_deg) {
        /* 不太好, 不是很满意: the negator takes the degree word with it and
         * the result is a weak opposite. */
        v = base * (s->negf < 0 ? -0.5 : 0.5);
    } else {
        if (deg)
            v *= s->deg;
        if (neg)
            v *= s->negf;
    }
    s->clause += v;
    s->hits++;
    if (s->ev) {
        as_status st = ev_push(s, t, off, base, v);
        if (st != AS_OK)
            return st;
        as__senti_ev *e = &s->ev->v[s->ev->n - 1];
        if (neg && deg && s->neg_before_deg) {
            ev_rule(e, "negated by %s before %s: weakened \xC3\x97%.2g", term_text(c, s->neg_term),
                    term_text(c, s->deg_term), s->negf < 0 ? -0.5 : 0.5);
        } else {
            if (deg)
                ev_rule(e, "%s \xC3\x97%.2g (%s)", s->deg >= 1 ? "intensified" : "softened",
                        s->deg, term_text(c, s->deg_term));
            if (neg)
                ev_rule(e, "negated by %s \xC3\x97%.2g", term_text(c, s->neg_term), s->negf);
        }
    }
    reset_mods(s);
    return AS_OK;
}

/* Multiply the values of evidence entries from..n by f, noting why. */
static void ev_scale(scorer *s, size_t from, double f, const char *why, const char *marker)
{
    if (!s->ev)
        return;
    for (size_t i = from; i < s->ev->n; i++) {
        as__senti_ev *e = &s->ev->v[i];
        e->value *= f;
        if (marker)
            ev_rule(e, "%s %s \xC3\x97%.2g", why, marker, f);
        else
            ev_rule(e, "%s \xC3\x97%.2g", why, f);
    }
}

/* End the clause: apply pending ！ and ？. */
static void close_clause(scorer *s)
{
    double f = 1;
    if (s->clause != 0 || (s->ev && s->ev->n > s->clause_ev)) {
        if (s->questions) {
            f = s->rhet ? -0.8 : 0.5;
            ev_scale(s, s->clause_ev, f, s->rhet ? "rhetorical \xEF\xBC\x9F" : "question \xEF\xBC\x9F",
                     NULL);
        } else if (s->bangs) {
            f = s->bangs > 1 ? 1.5 : 1.3;
            ev_scale(s, s->clause_ev, f, "\xEF\xBC\x81", NULL);
        }
    }
    s->part += s->clause * f;
    s->clause = 0;
    s->clause_ev = s->ev ? s->ev->n : 0;
    s->rhet = 0;
    s->bangs = s->questions = 0;
    reset_mods(s);
}

/* End the contrast part; before_contrast: a contrast word closes it. */
static void close_part(scorer *s, int before_contrast, int32_t contrast_term)
{
    close_clause(s);
    double f = s->part_factor;
    const char *marker = s->part_term >= 0 ? term_text(s->c, s->part_term) : NULL;
    if (s->part_kind == SK_CONTRAST && (s->part != 0 || (s->ev && s->ev->n > s->part_ev)))
        ev_scale(s, s->part_ev, s->part_factor, "after", marker);
    else if (s->part_kind == SK_CONCESSION)
        ev_scale(s, s->part_ev, s->part_factor, "after", marker);
    if (before_contrast && s->part_kind != SK_CONCESSION) {
        f *= 0.5;
        ev_scale(s, s->part_ev, 0.5, "before", term_text(s->c, contrast_term));
    }
    s->total += s->part * f;
    s->part = 0;
    s->part_ev = s->ev ? s->ev->n : 0;
    s->part_factor = 1;
    s->part_kind = SK_WORD;
    s->part_term = -1;
}

/* Punctuation seen since the last clause: close what it closes. */
static inline void flush_punct(scorer *s)
{
    int stop = s->stop;
    s->stop = 0;
    close_clause(s);
    if (stop)
        close_part(s, 0, -1);
}

/* Lead bytes: 1 ASCII (not NUL), 3 a three-byte sequence that can be
 * neither overlong nor a surrogate (E1-EC, EE-EF: all of CJK), 0 any
 * other (decoded the long way). */
static const unsigned char lead_class[256] = {
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Decode the character at p (left > 0 bytes): its entry, its length in
 * *n (0: invalid UTF-8 or NUL). */
static inline unsigned char_at(const as__senti_cache *c, const unsigned char *p, size_t left,
                               size_t *n)
{
    unsigned b0 = p[0], cls = lead_class[b0];
    if (cls == 1) {
        *n = 1;
        return c->ch[b0];
    }
    if (cls == 3 && left >= 3) {
        unsigned x1 = p[1] ^ 0x80u, x2 = p[2] ^ 0x80u;
        if ((x1 | x2) < 0x40) {  /* both continuation bytes */
            *n = 3;
            return c->ch[((b0 & 0x0Fu) << 12) | (x1 << 6) | x2];
        }
    }
    uint32_t cp;
    *n = as__utf8_decode(p, left, &cp);
    return *n ? entry_of(c, cp) : 0;
}

as_status as__senti_lexicon(const as__senti_cache *c, const char *text, size_t len,
                            as__senti_evlist *ev, as__senti_lex *out, size_t *bad)
{
    scorer s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.ev = ev;
    s.part_factor = 1;
    s.part_kind = SK_WORD;
    s.part_term = -1;
    reset_mods(&s);
    int pending_punct = 0;

    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0, chars = 0;
    while (i < len) {
        size_t n;
        unsigned e = char_at(c, p + i, len - i, &n);
        if (n == 0) {
            *bad = i;
            return AS_INVALID;
        }
        chars++;
        if (AS__CH_PLAIN(e)) {
            /* Starts no term and is no punctuation: the common case.  The
             * run of such characters is stepped over in a tight loop (ASCII
             * and the three-byte forms; anything else back to the main
             * loop), and the run counts as a gap as a whole: modifiers
             * further than 3 characters from a word lapse. */
            if (pending_punct) {
                flush_punct(&s);
                pending_punct = 0;
            }
            size_t run = 1;
            i += n;
            while (i < len) {
                unsigned b0 = p[i], cls = lead_class[b0], e2;
                if (cls == 1) {
                    e2 = c->ch[b0];
                    n = 1;
                } else if (cls == 3 && len - i >= 3 &&
                           ((p[i + 1] ^ 0x80u) | (p[i + 2] ^ 0x80u)) < 0x40) {
                    e2 = c->ch[((b0 & 0x0Fu) << 12) | ((p[i + 1] ^ 0x80u) << 6) |
                               (p[i + 2] ^ 0x80u)];
                    n = 3;
                } else {
                    break;
                }
                if (!AS__CH_PLAIN(e2))
                    break;
                i += n;
                run++;
            }
            chars += run - 1;
            if (s.neg_term >= 0 || s.deg_term >= 0) {
                s.gap += (int)(run < 100 ? run : 100);
                if (s.gap > 3)
                    reset_mods(&s);
            }
            continue;
        }
        /* Longest match at i: the end of the longest term and the number
         * of characters in it. */
        int32_t best = -1;
        size_t best_end = 0, best_chars = 0;
        if (e & AS__CH_STARTS) {
            int32_t state = da_next(c, 0, AS__CH_ID(e));
            size_t j = i + n, depth = 1;
            while (state > 0) {
                if (c->term_of[state] >= 0) {
                    best = c->term_of[state];
                    best_end = j;
                    best_chars = depth;
                }
                if (j >= len)
                    break;
                size_t m;
                unsigned e2 = char_at(c, p + j, len - j, &m);
                if (m == 0 || !AS__CH_ID(e2))
                    break;
                state = da_next(c, state, AS__CH_ID(e2));
                j += m;
                depth++;
            }
        }
        if (best < 0) {
            int pc = (int)AS__CH_PUNCT(e);
            if (pc) {
                pending_punct = 1;
                if (pc == P_BANG)
                    s.bangs++;
                else if (pc == P_QUESTION)
                    s.questions++;
                if (pc != P_COMMA)
                    s.stop = 1;
            } else {
                if (pending_punct) {
                    flush_punct(&s);
                    pending_punct = 0;
                }
                if ((s.neg_term >= 0 || s.deg_term >= 0) && ++s.gap > 3)
                    reset_mods(&s);
            }
            i += n;
            continue;
        }
        if (pending_punct) {
            flush_punct(&s);
            pending_punct = 0;
        }
        const as__senti_term *t = &c->terms[best];
        switch (t->kind) {
        case SK_WORD:
            if (t->weight != 0) {
                as_status st = on_word(&s, best, i);
                if (st != AS_OK)
                    return st;
            }
            break;
        case SK_NEGATOR:
            s.negf *= t->weight;
            s.neg_term = best;
            s.gap = 0;
            break;
        case SK_DEGREE:
            if (s.neg_term >= 0)
                s.neg_before_deg = 1;
            s.deg *= t->weight;
            s.deg_term = best;
            s.gap = 0;
            break;
        case SK_CONTRAST:
            close_part(&s, 1, best);
            s.part_factor = t->weight;
            s.part_kind = SK_CONTRAST;
            s.part_term = best;
            break;
        case SK_CONCESSION:
            close_part(&s, 0, -1);
            s.part_factor = t->weight;
            s.part_kind = SK_CONCESSION;
            s.part_term = best;
            break;
        case SK_RHETORICAL:
            s.rhet = 1;
            break;
        }
        /* The term's characters were decoded (and found valid) by the walk. */
        i = best_end;
        chars += best_chars - 1;
    }
    if (pending_punct)
        flush_punct(&s);
    close_part(&s, 0, -1);
    out->score = s.total;
    out->hits = s.hits;
    out->chars = chars;
    return AS_OK;
}

int as__senti_stored_model(const as__senti_cache *c)
{
    if (c->lr && c->has_comb)
        return AS__USE_LR;
    return c->has_nb ? AS__USE_NB : AS__USE_NONE;
}

as_status as__senti_model(const as__senti_cache *c, int use, const char *text, size_t len,
                          double *margin)
{
    *margin = 0;
    if (use == AS__USE_LR && c->lr)
        return as__lr_margin(c->lr, text, len, margin);
    if (use == AS__USE_NB)
        *margin = as__senti_nb(c, text, len);
    return AS_OK;
}

double as__senti_combine(const as__senti_cache *c, const as__senti_lex *lex, double model,
                         int model_used, int *label)
{
    double score;
    if (lex->chars == 0) {
        score = 0;           /* no text, no opinion */
    } else if (model_used == AS__USE_LR && c->has_comb) {
        const as__senti_comb *k = &c->comb[as__len_bucket(lex->chars)];
        double z = k->bias + k->model * model + k->lexicon * tanh(lex->score / 3.0) +
                   k->hits * log1p((double)lex->hits);
        score = tanh(z / 2.0);   /* 2 P(positive) - 1 */
    } else if (model_used == AS__USE_NB) {
        score = tanh((lex->score + c->model_weight * model) / 3.0);
    } else {
        score = tanh(lex->score / 3.0);
    }
    if (label) {
        double band = c->neutral;
        *label = score > 0 && score >= band ? 1 : score < 0 && score <= -band ? -1 : 0;
    }
    return score;
}

as_status as__sentiment_score_with(const as__senti_cache *c, const char *text, size_t len,
                                   as__sentiment *out)
{
    as__senti_lex lex;
    size_t bad = 0;
    if (!text)
        text = "";
    as_status st = as__senti_lexicon(c, text, len, NULL, &lex, &bad);
    if (st != AS_OK)
        return st;
    int use = as__senti_stored_model(c);
    double model = 0;
    if (lex.chars && (st = as__senti_model(c, use, text, len, &model)) != AS_OK)
        return st;
    out->score = as__senti_combine(c, &lex, model, use, &out->label);
    return AS_OK;
}

as_status as__sentiment_score(as_db *db, const char *text, size_t len, as__sentiment *out)
{
    if (!db || !out || (!text && len))
        return AS_MISUSE;
    const as__senti_cache *c;
    as_status st = as__senti_cache_get(db, &c);
    if (st != AS_OK)
        return st;
    as__senti_lex lex;
    size_t bad = 0;
    if (!text)
        text = "";
    st = as__senti_lexicon(c, text, len, NULL, &lex, &bad);
    if (st == AS_INVALID)
        return as__fail(db, st, "text: invalid UTF-8 at byte %zu", bad + 1);
    int use = as__senti_stored_model(c);
    double model = 0;
    if (st == AS_OK && lex.chars)
        st = as__senti_model(c, use, text, len, &model);
    if (st != AS_OK)
        return as__fail(db, st, "sentiment: out of memory");
    out->score = as__senti_combine(c, &lex, model, use, &out->label);
    return AS_OK;
}

/* ---- the explaining API -------------------------------------------- */

/* The largest contributions first (by absolute value; then by offset). */
static int cmp_contrib(const void *a, const void *b)
{
    const as__lr_contrib *x = a, *y = b;
    double p = fabs(x->value), q = fabs(y->value);
    if (p != q)
        return p > q ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->bytes < y->bytes ? -1 : x->bytes > y->bytes;
}

as_status as_sentiment_analyze(as_sentiment_result **out, as_db *db, const char *text,
                               size_t len, unsigned flags)
{
    if (!out || !db || (!text && len))
        return AS_MISUSE;
    *out = NULL;
    const as__senti_cache *c;
    as_status st = as__senti_cache_get(db, &c);
    if (st != AS_OK)
        return st;
    if (!text)
        text = "";
    as__senti_evlist ev = {0};
    as__senti_lex lex;
    size_t bad = 0;
    st = as__senti_lexicon(c, text, len, &ev, &lex, &bad);
    if (st != AS_OK) {
        free(ev.v);
        if (st == AS_INVALID)
            return as__fail(db, st, "text: invalid UTF-8 at byte %zu", bad + 1);
        return as__fail(db, st, "sentiment: out of memory");
    }
    int use = flags & AS_SENTIMENT_LEXICON_ONLY ? AS__USE_NONE : as__senti_stored_model(c);
    double model = 0;
    as__lr_contrib *con = NULL;
    size_t ncon = 0;
    if (use == AS__USE_LR)
        st = as__lr_explain(c->lr, text, len, &model, &con, &ncon);
    else
        st = as__senti_model(c, use, text, len, &model);
    if (st != AS_OK) {
        free(ev.v);
        return as__fail(db, st, "sentiment: out of memory");
    }
    if (ncon)
        qsort(con, ncon, sizeof *con, cmp_contrib);
    size_t ngr = ncon < AS_SENTIMENT_NGRAMS ? ncon : AS_SENTIMENT_NGRAMS;
    /* One block: the result, the terms, the n-grams, the rule pointers,
     * then the strings (every array ahead of the strings keeps its
     * alignment). */
    size_t strbytes = 0, nrules = 0;
    for (size_t i = 0; i < ev.n; i++) {
        strbytes += c->terms[ev.v[i].term].len + 1 + ev.v[i].rules_len;
        nrules += ev.v[i].nrules;
    }
    for (size_t i = 0; i < ngr; i++)
        strbytes += con[i].bytes + 1;
    size_t head = sizeof(as_sentiment_result) + ev.n * sizeof(as_sentiment_term) +
                  ngr * sizeof(as_sentiment_ngram) + nrules * sizeof(const char *);
    as_sentiment_result *r = malloc(head + strbytes);
    if (!r) {
        free(ev.v);
        free(con);
        return as__fail(db, AS_NOMEM, "sentiment: out of memory");
    }
    as_sentiment_term *terms = (as_sentiment_term *)(void *)(r + 1);
    as_sentiment_ngram *grams = (as_sentiment_ngram *)(void *)(terms + ev.n);
    const char **rp = (const char **)(void *)(grams + ngr);
    char *sp = (char *)r + head;
    r->terms = terms;
    r->nterms = ev.n;
    for (size_t i = 0; i < ev.n; i++) {
        const as__senti_ev *e = &ev.v[i];
        as_sentiment_term *t = &terms[i];
        size_t tl = c->terms[e->term].len;
        memcpy(sp, term_text(c, e->term), tl + 1);
        t->term = sp;
        sp += tl + 1;
        memcpy(sp, e->rules, e->rules_len);
        t->rules = e->nrules ? rp : NULL;
        t->nrules = e->nrules;
        for (size_t k = 0, at = 0; k < e->nrules; k++) {
            *rp++ = sp + at;
            at += strlen(sp + at) + 1;
        }
        sp += e->rules_len;
        t->offset = e->offset;
        t->base = e->base;
        t->value = e->value;
    }
    r->ngrams = ngr ? grams : NULL;
    r->nngrams = ngr;
    for (size_t i = 0; i < ngr; i++) {
        memcpy(sp, text + con[i].offset, con[i].bytes);
        sp[con[i].bytes] = '\0';
        grams[i].ngram = sp;
        grams[i].offset = con[i].offset;
        grams[i].count = con[i].count;
        grams[i].value = con[i].value;
        sp += con[i].bytes + 1;
    }
    free(ev.v);
    free(con);
    r->lexicon = lex.score;
    r->model = model;
    r->model_used = use != AS__USE_NONE;
    r->score = as__senti_combine(c, &lex, model, use, &r->label);
    *out = r;
    as__ok(db);
    return AS_OK;
}

void as_sentiment_result_free(as_sentiment_result *result)
{
    free(result);
}

/* ---- lexicon maintenance ------------------------------------------- */

static const char sql_lex_upsert_builtin[] =
    "INSERT INTO sentiment_lexicon (term, weight, kind, tags, origin, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, 'builtin', ?5)"
    " ON CONFLICT (term) DO UPDATE SET weight = excluded.weight, kind = excluded.kind,"
    " tags = excluded.tags, updated_at = excluded.updated_at"
    " WHERE sentiment_lexicon.origin = 'builtin'";
static const char sql_lex_del_builtin[] = "DELETE FROM sentiment_lexicon WHERE origin = 'builtin'";
static const char sql_lex_mark[] =
    "INSERT INTO sentiment_meta (key, value) VALUES ('lexicon_loaded_at', ?1)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";

typedef struct loadctx {
    as_db *db;
    int count;
    int64_t now;
    as_status st;
    char lowered[256];
} loadctx;

static int load_one(void *ctx, const char *term, size_t tlen, double weight, int kind,
                    const char *tags)
{
    loadctx *l = ctx;
    if (tlen == 0 || tlen >= sizeof l->lowered)
        return 0;
    for (size_t i = 0; i < tlen; i++)
        l->lowered[i] = (char)lower((unsigned char)term[i]);
    sqlite3_stmt *st = as__stmt(l->db, sql_lex_upsert_builtin);
    if (!st) {
        l->st = AS_INTERNAL;
        return 1;
    }
    sqlite3_bind_text(st, 1, l->lowered, (int)tlen, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 2, weight);
    sqlite3_bind_text(st, 3, as__senti_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, tags, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, l->now);
    l->st = as__step_done(l->db, st, "loading the sentiment lexicon");
    if (l->st != AS_OK)
        return 1;
    l->count++;
    return 0;
}

as_status as_lexicon_load(as_db *db, int *count)
{
    if (!db)
        return AS_MISUSE;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    loadctx l = {db, 0, as__now(), AS_OK, {0}};
    st = as__exec(db, sql_lex_del_builtin);
    for (int i = 0; st == AS_OK && as__lexicon_files[i]; i++)
        if (as__lexicon_parse(as__lexicon_files[i], load_one, &l))
            st = l.st;
    if (st == AS_OK) {
        sqlite3_stmt *m = as__stmt(db, sql_lex_mark);
        if (!m) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(m, 1, l.now);
            st = as__step_done(db, m, "loading the sentiment lexicon");
        }
    }
    st = as__write_end(db, st);
    if (st == AS_OK) {
        as__sentiment_invalidate(db);
        if (count)
            *count = l.count;
        as__ok(db);
    }
    return st;
}

/* Check and normalise a term: NFC, ASCII lower case, no whitespace. */
static as_status norm_term(as_db *db, const char *term, char **out)
{
    char why[96];
    size_t len = strlen(term);
    if (len == 0 || len > 64)
        return as__fail(db, AS_INVALID, "term: '%.64s' must be 1 to 64 bytes", term);
    as_status st = as__text_nfc(term, len, out, why, sizeof why);
    if (st == AS_INVALID)
        return as__fail(db, st, "term: %s", why);
    if (st != AS_OK)
        return as__fail(db, st, "term: out of memory");
    for (char *p = *out; *p; p++) {
        unsigned char b = (unsigned char)*p;
        if (b <= ' ' || b == 0x7F) {
            as__fail(db, AS_INVALID, "term: '%s' must not contain whitespace or control characters",
                     *out);
            free(*out);
            *out = NULL;
            return AS_INVALID;
        }
        *p = (char)lower(b);
    }
    if (strstr(*out, "\xE3\x80\x80")) {      /* ideographic space */
        as__fail(db, AS_INVALID, "term: '%s' must not contain whitespace", *out);
        free(*out);
        *out = NULL;
        return AS_INVALID;
    }
    return AS_OK;
}

static const char sql_lex_add[] =
    "INSERT INTO sentiment_lexicon (term, weight, kind, tags, origin, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, 'user', ?5)"
    " ON CONFLICT (term) DO UPDATE SET weight = excluded.weight, kind = excluded.kind,"
    " tags = excluded.tags, origin = 'user', updated_at = excluded.updated_at";

_Static_assert(SK_WORD == (int)AS_LEXICON_WORD && SK_RHETORICAL == (int)AS_LEXICON_RHETORICAL &&
                   SK_COUNT == (int)AS_LEXICON_KIND_LAST,
               "the lexicon kinds are the public enum");

const char *as_lexicon_kind_name(as_lexicon_kind kind)
{
    return (int)kind >= 0 && kind < AS_LEXICON_KIND_LAST ? kind_names[kind] : NULL;
}

/* The tags joined with commas into b (checked: names of a-z, 0-9, _ and -). */
static as_status join_tags(as_db *db, const char *const *tags, size_t ntags, as_buf *b)
{
    int oom = as__buf_reserve(b, 1) < 0;
    for (size_t i = 0; i < ntags; i++) {
        const char *tag = tags[i];
        if (!tag)
            return AS_MISUSE;
        size_t n = strspn(tag, "abcdefghijklmnopqrstuvwxyz0123456789_-");
        if (n == 0 || tag[n] != '\0' || n > 64)
            return as__fail(db, AS_INVALID,
                            "tag: '%.60s' is not a name of a-z, 0-9, _ and - (1 to 64 bytes)", tag);
        if (i)
            oom |= as__buf_addc(b, ',') < 0;
        oom |= as__buf_add(b, tag, n) < 0;
    }
    if (oom)
        return as__fail(db, AS_NOMEM, "out of memory");
    b->data[b->len] = '\0';
    return AS_OK;
}

as_status as_lexicon_add(as_db *db, const char *term, double weight, as_lexicon_kind kind,
                         const char *const *tags, size_t ntags)
{
    if (!db || !term || (!tags && ntags))
        return AS_MISUSE;
    const char *kind_name = as_lexicon_kind_name(kind);
    if (!kind_name)
        return as__fail(db, AS_INVALID,
                        "kind: %d is not word, negator, degree, contrast, concession or "
                        "rhetorical", (int)kind);
    if (!isfinite(weight) || weight < -5 || weight > 5)
        return as__fail(db, AS_INVALID, "weight: %g is outside -5..5", weight);
    as_buf tb = {0};
    as_status st = join_tags(db, tags, ntags, &tb);
    if (st != AS_OK) {
        as__buf_free(&tb);
        return st;
    }
    char *t = NULL;
    st = norm_term(db, term, &t);
    if (st != AS_OK) {
        as__buf_free(&tb);
        return st;
    }
    st = as__lexicon_ensure(db);
    if (st == AS_OK)
        st = as__write_begin(db);
    if (st != AS_OK) {
        free(t);
        as__buf_free(&tb);
        return st;
    }
    sqlite3_stmt *q = as__stmt(db, sql_lex_add);
    if (!q) {
        st = AS_INTERNAL;
    } else {
        sqlite3_bind_text(q, 1, t, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 2, weight);
        sqlite3_bind_text(q, 3, kind_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, tb.data, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, as__now());
        st = as__step_done(db, q, "adding a lexicon term");
        sqlite3_clear_bindings(q);
    }
    free(t);
    as__buf_free(&tb);
    st = as__write_end(db, st);
    if (st == AS_OK) {
        as__sentiment_invalidate(db);
        as__ok(db);
    }
    return st;
}

static const char sql_lex_remove[] = "DELETE FROM sentiment_lexicon WHERE term = ?1";

as_status as_lexicon_remove(as_db *db, const char *term)
{
    if (!db || !term)
        return AS_MISUSE;
    char *t = NULL;
    as_status st = norm_term(db, term, &t);
    if (st != AS_OK)
        return st;
    st = as__lexicon_ensure(db);
    if (st == AS_OK)
        st = as__write_begin(db);
    if (st != AS_OK) {
        free(t);
        return st;
    }
    sqlite3_stmt *q = as__stmt(db, sql_lex_remove);
    if (!q) {
        st = AS_INTERNAL;
    } else {
        sqlite3_bind_text(q, 1, t, -1, SQLITE_STATIC);
        st = as__step_done(db, q, "removing a lexicon term");
        sqlite3_clear_bindings(q);
        if (st == AS_OK && sqlite3_changes(db->sql) == 0)
            st = as__fail(db, AS_NOTFOUND, "term: '%s' is not in the lexicon", t);
    }
    free(t);
    st = as__write_end(db, st);
    if (st == AS_OK) {
        as__sentiment_invalidate(db);
        as__ok(db);
    }
    return st;
}

struct as_lexicon_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_lexicon_entry view;
    char *tagbuf;            /* the current entry's tags, each NUL-terminated */
    size_t tagcap;
    const char **tagv;       /* pointers into tagbuf */
    size_t tagvcap;
};

/* Split the stored "a,b" into the iterator's tag array. */
static as_status split_tags(as_lexicon_iter *it, const char *tags)
{
    size_t len = strlen(tags), n = 0;
    if (len + 1 > it->tagcap) {
        char *b = realloc(it->tagbuf, len + 1);
        if (!b)
            return as__fail(it->db, AS_NOMEM, "out of memory");
        it->tagbuf = b;
        it->tagcap = len + 1;
    }
    memcpy(it->tagbuf, tags, len + 1);
    size_t want = 1;
    for (const char *p = tags; *p; p++)
        want += *p == ',';
    if (want > it->tagvcap) {
        const char **v = realloc(it->tagv, want * sizeof *v);
        if (!v)
            return as__fail(it->db, AS_NOMEM, "out of memory");
        it->tagv = v;
        it->tagvcap = want;
    }
    for (char *p = it->tagbuf; len && p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p)
            it->tagv[n++] = p;
        p = comma ? comma + 1 : NULL;
    }
    it->view.tags = n ? it->tagv : NULL;
    it->view.ntags = n;
    return AS_OK;
}

static const char sql_lex_list[] =
    "SELECT term, weight, kind, tags, origin FROM sentiment_lexicon"
    " WHERE ?1 IS NULL OR kind = ?1 OR instr(',' || tags || ',', ',' || ?1 || ',') > 0"
    " ORDER BY term";

as_status as_lexicon_iter_new(as_lexicon_iter **out, as_db *db, const char *tag)
{
    if (!out || !db)
        return AS_MISUSE;
    *out = NULL;
    as_status st = as__lexicon_ensure(db);
    if (st != AS_OK)
        return st;
    as_lexicon_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    int rc = sqlite3_prepare_v2(db->sql, sql_lex_list, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing the lexicon");
    }
    if (tag)
        sqlite3_bind_text(it->st, 1, tag, -1, SQLITE_TRANSIENT);
    *out = it;
    return AS_OK;
}

as_status as_lexicon_next(as_lexicon_iter *it, const as_lexicon_entry **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing the lexicon");
    it->view.term = (const char *)sqlite3_column_text(it->st, 0);
    it->view.weight = sqlite3_column_double(it->st, 1);
    const char *kind = (const char *)sqlite3_column_text(it->st, 2);
    int k = kind ? as__senti_kind(kind, strlen(kind)) : SK_WORD;
    it->view.kind = k < 0 ? AS_LEXICON_WORD : (as_lexicon_kind)k;
    const char *tags = (const char *)sqlite3_column_text(it->st, 3);
    const char *origin = (const char *)sqlite3_column_text(it->st, 4);
    it->view.builtin = origin && strcmp(origin, "builtin") == 0;
    if (!it->view.term)
        it->view.term = "";
    as_status st = split_tags(it, tags ? tags : "");
    if (st != AS_OK)
        return st;
    *view = &it->view;
    return AS_OK;
}

void as_lexicon_iter_free(as_lexicon_iter *it)
{
    if (!it)
        return;
    free(it->tagbuf);
    free(it->tagv);
    sqlite3_finalize(it->st);
    free(it);
}
