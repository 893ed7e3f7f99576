/* sentiment.c - explainable Chinese sentiment: the lexicon (a byte trie,
 * longest match), the rules (negation, degree, contrast, punctuation),
 * the per-handle cache, and the lexicon commands.  The model's training
 * and evaluation live in sentiment_model.c. */
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
    static const char *const keys[] = {"model_weight", "neutral", NULL};
    if (!cfg->sentiment) {
        cfg->sentiment = malloc(sizeof *cfg->sentiment);
        if (!cfg->sentiment) {
            as__cfg_error(c, node, "out of memory");
            return;
        }
    }
    cfg->sentiment->model_weight = AS_SENTIMENT_MODEL_WEIGHT;
    cfg->sentiment->neutral = AS_SENTIMENT_NEUTRAL;
    if (as__cfg_map_keys(c, node, "sentiment", keys) < 0)
        return;
    const as__ynode *n = as__ymap_get(node, "model_weight");
    if (n)
        as__cfg_real(c, n, 0, 100, &cfg->sentiment->model_weight);
    n = as__ymap_get(node, "neutral");
    if (n)
        as__cfg_real(c, n, 0, 0.9, &cfg->sentiment->neutral);
}

void as__sentiment_cfg_free(as_config *cfg)
{
    free(cfg->sentiment);
    cfg->sentiment = NULL;
}

/* ---- UTF-8 --------------------------------------------------------- */

size_t as__senti_decode(const unsigned char *s, size_t left, uint32_t *cp)
{
    return as__utf8_decode(s, left, cp);
}

static inline unsigned char lower(unsigned char b)
{
    return b >= 'A' && b <= 'Z' ? (unsigned char)(b + 32) : b;
}

/* ---- hashing ------------------------------------------------------- */

static inline size_t hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c <<= 1;
    return c;
}

/* ---- the cache ----------------------------------------------------- */

void as__senti_cache_free(as__senti_cache *c)
{
    if (!c)
        return;
    free(c->terms);
    free(c->pool);
    free(c->term_of);
    free(c->tkeys);
    free(c->tvals);
    free(c->mkeys);
    free(c->mvals);
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

static int32_t trie_get(const as__senti_cache *c, uint32_t node, unsigned char b)
{
    if (node == 0)
        return c->root[b];
    uint64_t key = ((uint64_t)node << 8) | b;
    size_t i = hash64(key) & c->tmask;
    for (;;) {
        if (c->tkeys[i] == key)
            return c->tvals[i];
        if (c->tkeys[i] == 0)
            return 0;
        i = (i + 1) & c->tmask;
    }
}

static uint32_t trie_child(as__senti_cache *c, uint32_t node, unsigned char b)
{
    int32_t got = trie_get(c, node, b);
    if (got)
        return (uint32_t)got;
    uint32_t id = c->nnodes++;
    c->term_of[id] = -1;
    if (node == 0) {
        c->root[b] = (int32_t)id;
        return id;
    }
    uint64_t key = ((uint64_t)node << 8) | b;
    size_t i = hash64(key) & c->tmask;
    while (c->tkeys[i] != 0)
        i = (i + 1) & c->tmask;
    c->tkeys[i] = key;
    c->tvals[i] = (int32_t)id;
    return id;
}

/* Build the trie from the collected terms (the cache takes them). */
static as_status build_trie(as__senti_cache *c, lexbuild *b)
{
    c->terms = b->terms;
    c->nterms = b->n;
    c->pool = b->pool.data;
    b->terms = NULL;
    b->pool.data = NULL;
    size_t maxnodes = 1;
    for (size_t i = 0; i < c->nterms; i++)
        maxnodes += c->terms[i].len;
    size_t cap = pow2_at_least(maxnodes * 2);
    c->term_of = malloc(maxnodes * sizeof *c->term_of);
    c->tkeys = calloc(cap, sizeof *c->tkeys);
    c->tvals = calloc(cap, sizeof *c->tvals);
    if (!c->term_of || !c->tkeys || !c->tvals)
        return AS_NOMEM;
    c->tmask = cap - 1;
    c->nnodes = 1;
    c->term_of[0] = -1;
    for (size_t i = 0; i < c->nterms; i++) {
        const unsigned char *t = (const unsigned char *)c->pool + c->terms[i].off;
        uint32_t node = 0;
        for (size_t k = 0; k < c->terms[i].len; k++)
            node = trie_child(c, node, lower(t[k]));
        c->term_of[node] = (int32_t)i;
    }
    return AS_OK;
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
out:
    free(b.terms);
    as__buf_free(&b.pool);
    return st;
}

/* Open-addressing table of the model's feature weights. */
static int model_put(as__senti_cache *c, uint64_t key, float w)
{
    size_t i = hash64(key) & c->mmask;
    while (c->mkeys[i] != 0 && c->mkeys[i] != key)
        i = (i + 1) & c->mmask;
    c->mkeys[i] = key;
    c->mvals[i] = w;
    return 0;
}

static inline int model_get(const as__senti_cache *c, uint64_t key, float *w)
{
    size_t i = hash64(key) & c->mmask;
    for (;;) {
        uint64_t k = c->mkeys[i];
        if (k == key) {
            *w = c->mvals[i];
            return 1;
        }
        if (k == 0)
            return 0;
        i = (i + 1) & c->mmask;
    }
}

uint64_t as__senti_gram_key(const char *gram, size_t len)
{
    uint32_t a, b;
    const unsigned char *s = (const unsigned char *)gram;
    size_t n = len ? as__utf8_decode(s, len, &a) : 0;
    if (n == 0)
        return 0;
    if (n == len)
        return AS__UNI(a);
    size_t m = as__utf8_decode(s + n, len - n, &b);
    if (m == 0 || n + m != len)
        return 0;
    return AS__BI(a, b);
}

static const char sql_model_meta[] =
    "SELECT key, value FROM sentiment_meta WHERE key IN ('model_docs_neg', 'model_docs_pos')";
static const char sql_model_all[] = "SELECT gram, neg, pos FROM sentiment_feature";
static const char sql_model_count[] = "SELECT count(*), total(neg), total(pos) FROM sentiment_feature";

static as_status load_model(as_db *db, as__senti_cache *c)
{
    double dneg = 0, dpos = 0;
    sqlite3_stmt *q = as__stmt(db, sql_model_meta);
    if (!q)
        return AS_INTERNAL;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        double v = sqlite3_column_double(q, 1);
        if (k && strcmp(k, "model_docs_neg") == 0)
            dneg = v;
        else if (k)
            dpos = v;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading the sentiment model");
    if (dneg < 1 || dpos < 1)
        return AS_OK;        /* no model */
    q = as__stmt(db, sql_model_count);
    if (!q)
        return AS_INTERNAL;
    rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return as__sqlfail(db, rc, "reading the sentiment model");
    }
    double nfeat = (double)sqlite3_column_int64(q, 0);
    double tneg = sqlite3_column_double(q, 1), tpos = sqlite3_column_double(q, 2);
    sqlite3_reset(q);
    if (nfeat < 1)
        return AS_OK;
    size_t cap = pow2_at_least((size_t)nfeat * 2);
    c->mkeys = calloc(cap, sizeof *c->mkeys);
    c->mvals = malloc(cap * sizeof *c->mvals);
    if (!c->mkeys || !c->mvals)
        return AS_NOMEM;
    c->mmask = cap - 1;
    /* Laplace smoothing (alpha 1) over the stored vocabulary. */
    const double a = 1.0;
    double lneg = log(tneg + a * nfeat), lpos = log(tpos + a * nfeat);
    q = as__stmt(db, sql_model_all);
    if (!q)
        return AS_INTERNAL;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *g = (const char *)sqlite3_column_text(q, 0);
        uint64_t key = g ? as__senti_gram_key(g, (size_t)sqlite3_column_bytes(q, 0)) : 0;
        if (!key)
            continue;
        double n0 = sqlite3_column_double(q, 1), n1 = sqlite3_column_double(q, 2);
        double w = (log(n1 + a) - lpos) - (log(n0 + a) - lneg);
        model_put(c, key, (float)w);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading the sentiment model");
    c->prior = log(dpos / dneg);
    c->has_model = 1;
    return AS_OK;
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
        st = load_model(db, c);
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

/* Punctuation classes. */
enum { P_NONE, P_COMMA, P_STOP, P_BANG, P_QUESTION };

static inline int punct(uint32_t cp)
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
    const char *text;
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

as_status as__senti_run(const as__senti_cache *c, const char *text, size_t len, int use_model,
                        as__senti_evlist *ev, double *lex, double *model, size_t *bad)
{
    scorer s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.text = text;
    s.ev = ev;
    s.part_factor = 1;
    s.part_kind = SK_WORD;
    s.part_term = -1;
    reset_mods(&s);
    int pending_punct = 0;

    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    size_t match_end = 0;    /* inside a matched term until here */
    uint32_t prev = 0;
    double msum = 0;
    size_t mcount = 0;
    use_model = use_model && c->has_model;

    while (i < len) {
        uint32_t cp;
        size_t n;
        if (p[i] < 0x80 && p[i]) {
            cp = p[i];
            n = 1;
        } else if ((n = as__utf8_decode(p + i, len - i, &cp)) == 0) {
            *bad = i;
            return AS_INVALID;
        }
        if (use_model) {
            float w;
            if (model_get(c, AS__UNI(cp), &w)) {
                msum += w;
                mcount++;
            }
            if (prev && model_get(c, AS__BI(prev, cp), &w)) {
                msum += w;
                mcount++;
            }
        }
        prev = cp;
        if (i < match_end) {
            i += n;
            continue;
        }
        /* Longest match at i. */
        int32_t best = -1;
        size_t best_end = 0;
        uint32_t node = 0;
        for (size_t j = i; j < len; j++) {
            int32_t child = trie_get(c, node, lower(p[j]));
            if (!child)
                break;
            node = (uint32_t)child;
            if (c->term_of[node] >= 0) {
                best = c->term_of[node];
                best_end = j + 1;
            }
        }
        if (best < 0) {
            int pc = punct(cp);
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
                if (++s.gap > 3)
                    reset_mods(&s);
            }
            i += n;
            continue;
        }
        if (pending_punct) {
            flush_punct(&s);
            pending_punct = 0;
        }
        match_end = best_end;
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
        i += n;
    }
    if (pending_punct)
        flush_punct(&s);
    close_part(&s, 0, -1);
    *lex = s.total;
    *model = 0;
    if (use_model && mcount)
        *model = c->prior + msum / sqrt((double)mcount);
    return AS_OK;
}

double as__senti_combine(const as__senti_cache *c, double lex, double model, int model_used,
                         int *label)
{
    double z = model_used ? lex + c->model_weight * model : lex;
    double score = tanh(z / 3.0);
    if (label) {
        double band = c->neutral;
        *label = score > 0 && score >= band ? 1 : score < 0 && score <= -band ? -1 : 0;
    }
    return score;
}

as_status as__sentiment_score(as_db *db, const char *text, size_t len, as__sentiment *out)
{
    if (!db || !out || (!text && len))
        return AS_MISUSE;
    const as__senti_cache *c;
    as_status st = as__senti_cache_get(db, &c);
    if (st != AS_OK)
        return st;
    double lex, model;
    size_t bad = 0;
    st = as__senti_run(c, text ? text : "", len, 1, NULL, &lex, &model, &bad);
    if (st == AS_INVALID)
        return as__fail(db, st, "text: invalid UTF-8 at byte %zu", bad + 1);
    if (st != AS_OK)
        return as__fail(db, st, "sentiment: out of memory");
    out->score = as__senti_combine(c, lex, model, c->has_model, &out->label);
    return AS_OK;
}

/* ---- the explaining API -------------------------------------------- */

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
    as__senti_evlist ev = {0};
    double lex, model;
    size_t bad = 0;
    int use_model = !(flags & AS_SENTIMENT_LEXICON_ONLY);
    st = as__senti_run(c, text ? text : "", len, use_model, &ev, &lex, &model, &bad);
    if (st != AS_OK) {
        free(ev.v);
        if (st == AS_INVALID)
            return as__fail(db, st, "text: invalid UTF-8 at byte %zu", bad + 1);
        return as__fail(db, st, "sentiment: out of memory");
    }
    /* One block: the result, the terms, the rule pointers, then the
     * strings (every array ahead of the strings keeps its alignment). */
    size_t strbytes = 0, nrules = 0;
    for (size_t i = 0; i < ev.n; i++) {
        strbytes += c->terms[ev.v[i].term].len + 1 + ev.v[i].rules_len;
        nrules += ev.v[i].nrules;
    }
    size_t head = sizeof(as_sentiment_result) + ev.n * sizeof(as_sentiment_term) +
                  nrules * sizeof(const char *);
    as_sentiment_result *r = malloc(head + strbytes);
    if (!r) {
        free(ev.v);
        return as__fail(db, AS_NOMEM, "sentiment: out of memory");
    }
    as_sentiment_term *terms = (as_sentiment_term *)(void *)(r + 1);
    const char **rp = (const char **)(void *)(terms + ev.n);
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
    free(ev.v);
    r->lexicon = lex;
    r->model = model;
    r->model_used = use_model && c->has_model;
    r->score = as__senti_combine(c, lex, model, r->model_used, &r->label);
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
