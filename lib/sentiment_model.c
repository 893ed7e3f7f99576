/* sentiment_model.c - the stored sentiment models: naive Bayes (counting
 * and scoring), training either model from labelled CSV or from the
 * feedback ratings (distinct texts; the holdout and the folds chosen by a
 * hash of the text; the smallest training set), the learned combination
 * with the lexicon, saving and loading, the model's description, and
 * evaluation. */
#include "config.h"
#include "import.h"
#include "senti_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Naive Bayes features with fewer training texts than this are not stored,
 * when the training set has at least PRUNE_FROM_TEXTS texts. */
enum { MIN_FEATURE_TEXTS = 2, PRUNE_FROM_TEXTS = 1000 };

/* Seeds of the text hash's two uses (part of the contract: a holdout set
 * aside by one version is the one another version evaluates). */
#define HOLDOUT_SEED 0x4f1dULL
#define FOLD_SEED 0xf01dULL

static size_t h64(uint64_t k)
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

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this thread: a scorer's speed per core, whatever else
 * the machine runs. */
static double cpu_sec(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return now_sec();
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FNV-1a over the text's bytes: the identity of a text. */
static uint64_t text_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Is the text of hash h in the holdout share? */
static int held_out(uint64_t h, double holdout)
{
    if (holdout <= 0)
        return 0;
    double u = (double)(as__senti_mix64(h ^ HOLDOUT_SEED) >> 11) * 0x1p-53;
    return u < holdout;
}

static int fold_of(uint64_t h, int folds)
{
    return (int)(as__senti_mix64(h ^ FOLD_SEED) % (uint64_t)folds);
}

/* ---- labelled texts ------------------------------------------------ */

/* Distinct labelled texts: the first label of a text wins. */
typedef struct textset {
    as_buf pool;
    size_t *off;
    uint32_t *len;
    signed char *y;          /* +1 positive, -1 negative */
    uint64_t *hash;
    size_t n, cap;
    uint32_t *slot;          /* open addressing: index + 1, 0 empty */
    size_t scap;
    uint64_t rows, duplicates, conflicts;
} textset;

static void textset_free(textset *t)
{
    as__buf_free(&t->pool);
    free(t->off);
    free(t->len);
    free(t->y);
    free(t->hash);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static const char *text_of(const textset *t, size_t i)
{
    return t->pool.data + t->off[i];
}

/* Add a row: 0 a new text, 1 a repeat, -1 out of memory. */
static int textset_add(textset *t, const char *s, size_t n, int label)
{
    t->rows++;
    if ((t->n + 1) * 2 > t->scap) {
        size_t cap = t->scap ? t->scap * 2 : 1u << 12;
        uint32_t *sl = calloc(cap, sizeof *sl);
        if (!sl)
            return -1;
        for (size_t i = 0; i < t->n; i++) {
            size_t j = h64(t->hash[i]) & (cap - 1);
            while (sl[j])
                j = (j + 1) & (cap - 1);
            sl[j] = (uint32_t)i + 1;
        }
        free(t->slot);
        t->slot = sl;
        t->scap = cap;
    }
    uint64_t h = text_hash(s, n);
    size_t j = h64(h) & (t->scap - 1);
    while (t->slot[j]) {
        size_t k = t->slot[j] - 1;
        if (t->hash[k] == h && t->len[k] == n && memcmp(text_of(t, k), s, n) == 0) {
            t->duplicates++;
            if (t->y[k] != (label ? 1 : -1))
                t->conflicts++;
            return 1;
        }
        j = (j + 1) & (t->scap - 1);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        size_t *o = realloc(t->off, cap * sizeof *o);
        if (!o)
            return -1;
        t->off = o;
        uint32_t *l = realloc(t->len, cap * sizeof *l);
        if (!l)
            return -1;
        t->len = l;
        signed char *y = realloc(t->y, cap);
        if (!y)
            return -1;
        t->y = y;
        uint64_t *hh = realloc(t->hash, cap * sizeof *hh);
        if (!hh)
            return -1;
        t->hash = hh;
        t->cap = cap;
    }
    if (as__buf_add(&t->pool, s, n) || as__buf_addc(&t->pool, '\0'))
        return -1;
    t->off[t->n] = t->pool.len - n - 1;
    t->len[t->n] = (uint32_t)n;
    t->y[t->n] = label ? 1 : -1;
    t->hash[t->n] = h;
    t->slot[j] = (uint32_t)t->n + 1;
    t->n++;
    return 0;
}

/* ---- naive Bayes: counting ----------------------------------------- */

typedef struct fcount {
    uint64_t key;
    uint32_t neg, pos;
} fcount;

typedef struct nbcount {
    fcount *f;               /* open addressing, key 0 empty */
    size_t fcap, fn;
    uint64_t *doc;           /* this text's distinct features */
    uint32_t *docstamp;
    size_t dcap;
    uint32_t stamp;
    uint64_t docs[2];
} nbcount;

static void nb_free(nbcount *t)
{
    free(t->f);
    free(t->doc);
    free(t->docstamp);
}

static int fgrow(nbcount *t)
{
    size_t cap = t->fcap ? t->fcap * 2 : 1u << 16;
    fcount *f = calloc(cap, sizeof *f);
    if (!f)
        return -1;
    for (size_t i = 0; i < t->fcap; i++) {
        if (!t->f[i].key)
            continue;
        size_t j = h64(t->f[i].key) & (cap - 1);
        while (f[j].key)
            j = (j + 1) & (cap - 1);
        f[j] = t->f[i];
    }
    free(t->f);
    t->f = f;
    t->fcap = cap;
    return 0;
}

static int fadd(nbcount *t, uint64_t key, int label)
{
    if ((t->fn + 1) * 2 > t->fcap && fgrow(t))
        return -1;
    size_t i = h64(key) & (t->fcap - 1);
    while (t->f[i].key && t->f[i].key != key)
        i = (i + 1) & (t->fcap - 1);
    if (!t->f[i].key) {
        t->f[i].key = key;
        t->fn++;
    }
    if (label)
        t->f[i].pos++;
    else
        t->f[i].neg++;
    return 0;
}

/* Remember key for this text; 1 if new within the text. */
static int doc_add(nbcount *t, uint64_t key)
{
    size_t i = h64(key) & (t->dcap - 1);
    while (t->docstamp[i] == t->stamp) {
        if (t->doc[i] == key)
            return 0;
        i = (i + 1) & (t->dcap - 1);
    }
    t->docstamp[i] = t->stamp;
    t->doc[i] = key;
    return 1;
}

/* Count one (distinct) text's features.  0 ok, -1 no memory. */
static int nb_count(nbcount *t, const char *text, size_t len, int label)
{
    size_t need = 16;
    while (need < len * 4 + 16)
        need <<= 1;
    if (need > t->dcap) {
        free(t->doc);
        free(t->docstamp);
        t->doc = malloc(need * sizeof *t->doc);
        t->docstamp = calloc(need, sizeof *t->docstamp);
        t->dcap = need;
        t->stamp = 0;
        if (!t->doc || !t->docstamp) {
            t->dcap = 0;
            return -1;
        }
    }
    if (++t->stamp == 0) {
        memset(t->docstamp, 0, t->dcap * sizeof *t->docstamp);
        t->stamp = 1;
    }
    const unsigned char *p = (const unsigned char *)text;
    uint32_t prev = 0, cp;
    size_t i = 0;
    while (i < len) {
        size_t n = as__utf8_decode(p + i, len - i, &cp);
        if (n == 0) {        /* cannot happen after the CSV reader; skip a byte */
            i++;
            prev = 0;
            continue;
        }
        cp = as__senti_fold(cp);
        uint64_t k = AS__UNI(cp);
        if (doc_add(t, k) && fadd(t, k, label))
            return -1;
        if (prev) {
            k = AS__BI(prev, cp);
            if (doc_add(t, k) && fadd(t, k, label))
                return -1;
        }
        prev = cp;
        i += n;
    }
    t->docs[label ? 1 : 0]++;
    return 0;
}

/* Encode a code point as UTF-8 into out; returns the length. */
static size_t enc(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- naive Bayes: scoring ------------------------------------------- */

static void nb_put(as__senti_cache *c, uint64_t key, float w)
{
    size_t i = h64(key) & c->mmask;
    while (c->mkeys[i] != 0 && c->mkeys[i] != key)
        i = (i + 1) & c->mmask;
    c->mkeys[i] = key;
    c->mvals[i] = w;
}

static inline int nb_get(const as__senti_cache *c, uint64_t key, float *w)
{
    size_t i = h64(key) & c->mmask;
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

double as__senti_nb(const as__senti_cache *c, const char *text, size_t len)
{
    if (!c->has_nb)
        return 0;
    const unsigned char *p = (const unsigned char *)text;
    uint32_t prev = 0;
    double sum = 0;
    size_t count = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = as__utf8_decode(p + i, len - i, &cp);
        if (n == 0) {
            i++;
            prev = 0;
            continue;
        }
        cp = as__senti_fold(cp);
        float w;
        if (nb_get(c, AS__UNI(cp), &w)) {
            sum += w;
            count++;
        }
        if (prev && nb_get(c, AS__BI(prev, cp), &w)) {
            sum += w;
            count++;
        }
        prev = cp;
        i += n;
    }
    return count ? c->prior + sum / sqrt((double)count) : 0;
}

/* The key of a stored gram (one character or two), 0 if it is neither. */
static uint64_t gram_key(const char *gram, size_t len)
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

/* ---- storage ------------------------------------------------------- */

static const char sql_feat_clear[] = "DELETE FROM sentiment_feature";
static const char sql_meta_clear[] =
    "DELETE FROM sentiment_meta WHERE key LIKE 'model\\_%' ESCAPE '\\'";
static const char sql_lr_clear[] = "DELETE FROM sentiment_lr";
static const char sql_layer_clear[] = "DELETE FROM sentiment_layer";
static const char sql_cv_clear[] = "DELETE FROM sentiment_cv";
static const char sql_feat_ins[] =
    "INSERT INTO sentiment_feature (gram, neg, pos) VALUES (?1, ?2, ?3)";
static const char sql_meta_set[] =
    "INSERT INTO sentiment_meta (key, value) VALUES (?1, ?2)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
static const char sql_lr_ins[] =
    "INSERT INTO sentiment_lr (id, format, bits, intercept, wscale, iscale, idf_unseen, c, cells)"
    " VALUES (1, 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_layer_ins[] =
    "INSERT INTO sentiment_layer (bucket, chars_min, chars_max, bias, model, lexicon, hits)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_cv_ins[] = "INSERT INTO sentiment_cv (c, macro_f1) VALUES (?1, ?2)";

static as_status meta_set(as_db *db, const char *key, const char *text, double num, int real)
{
    sqlite3_stmt *st = as__stmt(db, sql_meta_set);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
    else if (real)
        sqlite3_bind_double(st, 2, num);
    else
        sqlite3_bind_int64(st, 2, (int64_t)num);
    return as__step_done(db, st, "saving the sentiment model");
}

static as_status clear_model(as_db *db)
{
    as_status st = as__exec(db, sql_feat_clear);
    if (st == AS_OK)
        st = as__exec(db, sql_meta_clear);
    if (st == AS_OK)
        st = as__exec(db, sql_lr_clear);
    if (st == AS_OK)
        st = as__exec(db, sql_layer_clear);
    if (st == AS_OK)
        st = as__exec(db, sql_cv_clear);
    return st;
}

/* Store the naive Bayes counts; *bytes grows by their size. */
static as_status save_nb(as_db *db, const nbcount *t, uint64_t *bytes)
{
    sqlite3_stmt *ins = as__stmt(db, sql_feat_ins);
    if (!ins)
        return AS_INTERNAL;
    as_status st = AS_OK;
    char gram[8];
    uint32_t min = t->docs[0] + t->docs[1] >= PRUNE_FROM_TEXTS ? MIN_FEATURE_TEXTS : 1;
    for (size_t i = 0; st == AS_OK && i < t->fcap; i++) {
        const fcount *f = &t->f[i];
        if (!f->key || f->neg + f->pos < min)
            continue;
        size_t n;
        if (f->key & (1ULL << 63)) {
            uint32_t a = (uint32_t)((f->key >> 21) & 0x1FFFFF), b = (uint32_t)(f->key & 0x1FFFFF);
            n = enc(a, gram);
            n += enc(b, gram + n);
        } else {
            n = enc((uint32_t)(f->key - 1), gram);
        }
        sqlite3_bind_text(ins, 1, gram, (int)n, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 2, f->neg);
        sqlite3_bind_int64(ins, 3, f->pos);
        st = as__step_done(db, ins, "saving the sentiment model");
        *bytes += n + 8;
    }
    if (st == AS_OK)
        st = meta_set(db, "model_docs_neg", NULL, (double)t->docs[0], 0);
    if (st == AS_OK)
        st = meta_set(db, "model_docs_pos", NULL, (double)t->docs[1], 0);
    return st;
}

/* The cells of a model stored compactly: a bitmap of the buckets whose
 * cell is not the default (weight 0, the unseen idf), then those cells,
 * 4 bytes each, little-endian, in bucket order. */
static uint32_t default_cell(uint32_t idf_unseen)
{
    return idf_unseen << 16;
}

static unsigned char *pack_cells(const as__lr *m, uint32_t idf_unseen, size_t *size)
{
    size_t dims = (size_t)1 << m->bits, nmap = dims / 8, nset = 0;
    uint32_t def = default_cell(idf_unseen);
    for (size_t j = 0; j < dims; j++)
        nset += m->cells[j] != def;
    unsigned char *b = calloc(nmap + 4 * nset + 1, 1);
    if (!b)
        return NULL;
    unsigned char *o = b + nmap;
    for (size_t j = 0; j < dims; j++) {
        uint32_t v = m->cells[j];
        if (v == def)
            continue;
        b[j >> 3] |= (unsigned char)(1u << (j & 7));
        o[0] = (unsigned char)v;
        o[1] = (unsigned char)(v >> 8);
        o[2] = (unsigned char)(v >> 16);
        o[3] = (unsigned char)(v >> 24);
        o += 4;
    }
    *size = nmap + 4 * nset;
    return b;
}

static int unpack_cells(as__lr *m, uint32_t idf_unseen, const unsigned char *b, size_t size)
{
    size_t dims = (size_t)1 << m->bits, nmap = dims / 8;
    if (size < nmap)
        return -1;
    const unsigned char *o = b + nmap, *end = b + size;
    uint32_t def = default_cell(idf_unseen);
    for (size_t j = 0; j < dims; j++) {
        if (!(b[j >> 3] & (1u << (j & 7)))) {
            m->cells[j] = def;
            continue;
        }
        if (end - o < 4)
            return -1;
        m->cells[j] = (uint32_t)o[0] | (uint32_t)o[1] << 8 | (uint32_t)o[2] << 16 |
                      (uint32_t)o[3] << 24;
        o += 4;
    }
    return o == end ? 0 : -1;
}

static as_status save_lr(as_db *db, const as__lr_result *res, const as__senti_comb *comb,
                         uint64_t *bytes)
{
    const as__lr *m = res->model;
    /* The unseen idf is the largest: the quantised maximum. */
    uint32_t idf_unseen = 65535;
    size_t size = 0;
    unsigned char *blob = pack_cells(m, idf_unseen, &size);
    if (!blob)
        return as__fail(db, AS_NOMEM, "training: out of memory");
    sqlite3_stmt *q = as__stmt(db, sql_lr_ins);
    as_status st = q ? AS_OK : AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_int(q, 1, (int)m->bits);
        sqlite3_bind_double(q, 2, m->intercept);
        sqlite3_bind_double(q, 3, m->wscale);
        sqlite3_bind_double(q, 4, m->iscale);
        sqlite3_bind_int64(q, 5, idf_unseen);
        sqlite3_bind_double(q, 6, res->c);
        sqlite3_bind_blob64(q, 7, blob, size, SQLITE_STATIC);
        st = as__step_done(db, q, "saving the sentiment model");
        sqlite3_clear_bindings(q);
    }
    free(blob);
    *bytes += size;
    q = st == AS_OK ? as__stmt(db, sql_layer_ins) : NULL;
    if (st == AS_OK && !q)
        st = AS_INTERNAL;
    for (int b = 0; st == AS_OK && b < AS__LEN_BUCKETS; b++) {
        sqlite3_bind_int(q, 1, b);
        sqlite3_bind_int64(q, 2, b ? as__len_bucket_max[b - 1] + 1 : 1);
        if (as__len_bucket_max[b])
            sqlite3_bind_int64(q, 3, as__len_bucket_max[b]);
        else
            sqlite3_bind_null(q, 3);
        sqlite3_bind_double(q, 4, comb[b].bias);
        sqlite3_bind_double(q, 5, comb[b].model);
        sqlite3_bind_double(q, 6, comb[b].lexicon);
        sqlite3_bind_double(q, 7, comb[b].hits);
        st = as__step_done(db, q, "saving the sentiment model");
    }
    q = st == AS_OK ? as__stmt(db, sql_cv_ins) : NULL;
    if (st == AS_OK && !q)
        st = AS_INTERNAL;
    for (size_t g = 0; st == AS_OK && g < res->ncv; g++) {
        sqlite3_bind_double(q, 1, res->cv_c[g]);
        sqlite3_bind_double(q, 2, res->cv_f1[g]);
        st = as__step_done(db, q, "saving the sentiment model");
    }
    return st;
}

/* ---- loading ------------------------------------------------------- */

static const char sql_nb_meta[] =
    "SELECT key, value FROM sentiment_meta WHERE key IN ('model_docs_neg', 'model_docs_pos')";
static const char sql_nb_all[] = "SELECT gram, neg, pos FROM sentiment_feature";
static const char sql_nb_count[] =
    "SELECT count(*), total(neg), total(pos) FROM sentiment_feature";
static const char sql_lr_get[] =
    "SELECT format, bits, intercept, wscale, iscale, idf_unseen, cells FROM sentiment_lr"
    " WHERE id = 1";
static const char sql_layer_all[] =
    "SELECT bucket, bias, model, lexicon, hits FROM sentiment_layer ORDER BY bucket";

static as_status load_nb(as_db *db, as__senti_cache *c)
{
    double dneg = 0, dpos = 0;
    sqlite3_stmt *q = as__stmt(db, sql_nb_meta);
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
    q = as__stmt(db, sql_nb_count);
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
    q = as__stmt(db, sql_nb_all);
    if (!q)
        return AS_INTERNAL;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *g = (const char *)sqlite3_column_text(q, 0);
        uint64_t key = g ? gram_key(g, (size_t)sqlite3_column_bytes(q, 0)) : 0;
        if (!key)
            continue;
        double n0 = sqlite3_column_double(q, 1), n1 = sqlite3_column_double(q, 2);
        double w = (log(n1 + a) - lpos) - (log(n0 + a) - lneg);
        nb_put(c, key, (float)w);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading the sentiment model");
    c->prior = log(dpos / dneg);
    c->has_nb = 1;
    return AS_OK;
}

static as_status load_lr(as_db *db, as__senti_cache *c)
{
    sqlite3_stmt *q = as__stmt(db, sql_lr_get);
    if (!q)
        return AS_INTERNAL;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return AS_OK;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return as__sqlfail(db, rc, "reading the sentiment model");
    }
    int format = sqlite3_column_int(q, 0), bits = sqlite3_column_int(q, 1);
    if (format != 1 || bits < 10 || bits > 24) {
        sqlite3_reset(q);
        return as__fail(db, AS_INTERNAL,
                        "sentiment model: format %d with %d bits is not one this library reads",
                        format, bits);
    }
    as__lr *m = calloc(1, sizeof *m);
    if (m)
        m->cells = as__lr_cells_alloc((size_t)1 << bits);
    if (!m || !m->cells) {
        sqlite3_reset(q);
        as__lr_free(m);
        return AS_NOMEM;
    }
    m->bits = (unsigned)bits;
    m->intercept = sqlite3_column_double(q, 2);
    m->wscale = sqlite3_column_double(q, 3);
    m->iscale = sqlite3_column_double(q, 4);
    uint32_t idf_unseen = (uint32_t)sqlite3_column_int64(q, 5);
    const unsigned char *blob = sqlite3_column_blob(q, 6);
    size_t size = (size_t)sqlite3_column_bytes(q, 6);
    int bad = !blob || idf_unseen > 65535 || unpack_cells(m, idf_unseen, blob, size) != 0;
    sqlite3_reset(q);
    if (bad) {
        as__lr_free(m);
        return as__fail(db, AS_INTERNAL, "sentiment model: the stored weights are damaged");
    }
    c->lr = m;
    /* The combination: one row per length bucket. */
    q = as__stmt(db, sql_layer_all);
    if (!q)
        return AS_INTERNAL;
    int seen = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int b = sqlite3_column_int(q, 0);
        if (b < 0 || b >= AS__LEN_BUCKETS)
            continue;
        c->comb[b].bias = sqlite3_column_double(q, 1);
        c->comb[b].model = sqlite3_column_double(q, 2);
        c->comb[b].lexicon = sqlite3_column_double(q, 3);
        c->comb[b].hits = sqlite3_column_double(q, 4);
        seen |= 1 << b;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading the sentiment model");
    c->has_comb = seen == (1 << AS__LEN_BUCKETS) - 1;
    return AS_OK;
}

as_status as__senti_models_load(as_db *db, as__senti_cache *c)
{
    /* The naive Bayes counts only when they are the model that scores (an
     * evaluation reads them on its own): reading them costs more than
     * the whole logistic regression model. */
    as_status st = load_lr(db, c);
    if (st == AS_OK && !(c->lr && c->has_comb))
        st = load_nb(db, c);
    return st;
}

/* ---- training ------------------------------------------------------ */

/* The options of a caller, checked, with the defaults filled in. */
static as_status train_options(as_db *db, const as_sentiment_train_options *in,
                               as_sentiment_train_options *o)
{
    static const as_sentiment_train_options defaults = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    *o = defaults;
    if (in) {
        if (in->version < 1 || in->version > AS_SENTIMENT_TRAIN_OPTIONS_VERSION)
            return AS_MISUSE;
        *o = *in;
    }
    if (o->model != AS_SENTIMENT_MODEL_LR && o->model != AS_SENTIMENT_MODEL_NB)
        return as__fail(db, AS_MISUSE, "model: %d is not nb or lr", (int)o->model);
    if (!(o->holdout >= 0 && o->holdout <= 0.9))
        return as__fail(db, AS_MISUSE, "holdout: %g is outside 0-0.9", o->holdout);
    if (o->folds < 2 || o->folds > 10)
        return as__fail(db, AS_MISUSE, "folds: %d is outside 2-10", o->folds);
    if (!(o->c == 0 || (o->c >= 0.001 && o->c <= 1000)))
        return as__fail(db, AS_MISUSE, "c: %g is neither 0 nor within 0.001-1000", o->c);
    if (o->min_class_texts == 0) {
        const as_config *cfg = as__db_config(db);
        o->min_class_texts = cfg && cfg->sentiment ? cfg->sentiment->min_class_texts
                                                   : AS_SENTIMENT_MIN_CLASS_TEXTS;
    }
    return AS_OK;
}

/* The combination's inputs of one text into x (AS__LEN_BUCKETS * 4). */
enum { COMB_INPUTS = 4, COMB_P = AS__LEN_BUCKETS * COMB_INPUTS };

static void comb_row(const as__senti_lex *lex, double margin, double *x)
{
    memset(x, 0, COMB_P * sizeof *x);
    double *r = x + as__len_bucket(lex->chars) * COMB_INPUTS;
    r[0] = 1;
    r[1] = margin;
    r[2] = tanh(lex->score / 3.0);
    r[3] = log1p((double)lex->hits);
}

/*
 * The prior of the short buckets' layer (texts up to 30 characters): the
 * lexicon, written for short service comments, counts twice as much as the
 * model (M + 2 tanh(L/3)), and a ridge of COMB_SHORT_LAMBDA pulls the fit
 * toward it.  The training texts are reviews of other domains, where the
 * lexicon is weaker than on the comments it was written for (macro-F1 on
 * texts of 11-30 characters: 0.77 on the training file, 0.85 on the dev
 * set), so a layer fitted on them alone under-weights it.  Both numbers
 * were chosen by looking at the dev set (docs/performance.md).
 */
#define COMB_SHORT_LEXICON 2.0
#define COMB_SHORT_LAMBDA 30.0

/*
 * Fit the combination on the out-of-fold margins of the training texts
 * (sel[i]): per length bucket a logistic layer over [1, M, tanh(L/3),
 * ln(1 + hits)], with a ridge (lambda 1 over the summed loss toward 0) so
 * that a bucket with few texts stays near neutral; for texts up to 30
 * characters the ridge pulls toward the prior above instead.  *f1
 * receives its in-sample macro-F1.
 */
static as_status fit_comb(as_db *db, const textset *ts, const unsigned char *sel,
                          const double *oof, as__senti_comb *comb, double *f1)
{
    const as__senti_cache *c;
    as_status st = as__senti_cache_get(db, &c);
    if (st != AS_OK)
        return st;
    size_t n = 0;
    for (size_t i = 0; i < ts->n; i++)
        n += sel[i] != 0;
    double *x = malloc((n ? n : 1) * COMB_P * sizeof *x);
    signed char *y = malloc(n ? n : 1);
    if (!x || !y) {
        free(x);
        free(y);
        return as__fail(db, AS_NOMEM, "training: out of memory");
    }
    size_t r = 0;
    for (size_t i = 0, k = 0; i < ts->n; i++) {
        if (!sel[i])
            continue;
        as__senti_lex lex;
        size_t bad;
        if (as__senti_lexicon(c, text_of(ts, i), ts->len[i], NULL, &lex, &bad) != AS_OK) {
            k++;
            continue;       /* not UTF-8: cannot come from the readers */
        }
        comb_row(&lex, oof[k++], x + r * COMB_P);
        y[r++] = ts->y[i];
    }
    double theta[COMB_P], lambda[COMB_P], prior[COMB_P];
    for (int b = 0; b < AS__LEN_BUCKETS; b++) {
        int shortb = as__len_bucket_max[b] != 0 && as__len_bucket_max[b] <= 30;
        for (int j = 0; j < COMB_INPUTS; j++) {
            lambda[b * COMB_INPUTS + j] = shortb ? COMB_SHORT_LAMBDA : 1.0;
            prior[b * COMB_INPUTS + j] = !shortb ? 0 : j == 1 ? 1 : j == 2 ? COMB_SHORT_LEXICON : 0;
        }
    }
    st = as__logreg_fit(x, y, r, COMB_P, lambda, prior, theta);
    if (st == AS_OK) {
        for (int b = 0; b < AS__LEN_BUCKETS; b++) {
            comb[b].bias = theta[b * COMB_INPUTS];
            comb[b].model = theta[b * COMB_INPUTS + 1];
            comb[b].lexicon = theta[b * COMB_INPUTS + 2];
            comb[b].hits = theta[b * COMB_INPUTS + 3];
        }
        double tp = 0, fp = 0, tn = 0, fn = 0;
        for (size_t k = 0; k < r; k++) {
            double z = 0;
            for (int j = 0; j < COMB_P; j++)
                z += theta[j] * x[k * COMB_P + j];
            int pred = z > 0;
            if (pred && y[k] > 0)
                tp++;
            else if (pred)
                fp++;
            else if (y[k] > 0)
                fn++;
            else
                tn++;
        }
        *f1 = ((tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0) +
               (tn > 0 ? 2 * tn / (2 * tn + fn + fp) : 0)) / 2;
    } else {
        st = as__fail(db, AS_INTERNAL, "training: the combination layer did not converge");
    }
    free(x);
    free(y);
    return st;
}

/*
 * Train on the distinct texts of ts and, unless dry, replace the stored
 * model (inside the caller's transaction).
 */
static as_status train_set(as_db *db, const textset *ts, const as_sentiment_train_options *o,
                           const char *source, int dry, as_sentiment_training *out)
{
    double t0 = now_sec();
    as_sentiment_training r;
    memset(&r, 0, sizeof r);
    r.model = o->model;
    r.rows = ts->rows;
    r.texts = ts->n;
    r.duplicates = ts->duplicates;
    r.conflicts = ts->conflicts;
    unsigned char *sel = malloc(ts->n ? ts->n : 1);
    if (!sel)
        return as__fail(db, AS_NOMEM, "training: out of memory");
    for (size_t i = 0; i < ts->n; i++) {
        sel[i] = !held_out(ts->hash[i], o->holdout);
        if (!sel[i])
            r.held_out++;
        else if (ts->y[i] > 0)
            r.positive++;
        else
            r.negative++;
    }
    as_status st = AS_OK;
    if (r.negative < o->min_class_texts || r.positive < o->min_class_texts) {
        st = as__fail(db, AS_INVALID,
                      "training needs at least %u distinct texts of each class%s (got %llu "
                      "negative, %llu positive): a smaller set gives a model that is worse "
                      "than the lexicon alone",
                      o->min_class_texts, o->holdout > 0 ? " besides the holdout" : "",
                      (unsigned long long)r.negative, (unsigned long long)r.positive);
        free(sel);
        return st;
    }
    nbcount nb;
    memset(&nb, 0, sizeof nb);
    for (size_t i = 0; i < ts->n && st == AS_OK; i++)
        if (sel[i] && nb_count(&nb, text_of(ts, i), ts->len[i], ts->y[i] > 0) < 0)
            st = as__fail(db, AS_NOMEM, "training: out of memory");
    as__lr_result res;
    memset(&res, 0, sizeof res);
    as__senti_comb comb[AS__LEN_BUCKETS];
    if (st == AS_OK && o->model == AS_SENTIMENT_MODEL_LR) {
        as__lr_data d;
        memset(&d, 0, sizeof d);
        d.bits = AS__LR_BITS;
        size_t m = (size_t)(r.negative + r.positive);
        signed char *y = malloc(m ? m : 1);
        unsigned char *fold = malloc(m ? m : 1);
        if (!y || !fold)
            st = AS_NOMEM;
        for (size_t i = 0, k = 0; st == AS_OK && i < ts->n; i++) {
            if (!sel[i])
                continue;
            y[k] = ts->y[i];
            fold[k] = (unsigned char)fold_of(ts->hash[i], o->folds);
            k++;
            st = as__lr_data_add(&d, text_of(ts, i), ts->len[i]);
        }
        if (st == AS_OK)
            st = as__lr_train(&d, y, fold, o->folds, o->c, &res);
        as__lr_data_free(&d);
        free(y);
        free(fold);
        if (st != AS_OK)
            st = as__fail(db, st, "training: out of memory");
        if (st == AS_OK)
            st = fit_comb(db, ts, sel, res.oof, comb, &r.combined_cv_macro_f1);
        r.folds = o->folds;
        r.c = res.c;
        r.cv_macro_f1 = res.cv_macro_f1;
    }
    if (st == AS_OK && !dry) {
        st = clear_model(db);
        if (st == AS_OK)
            st = save_nb(db, &nb, &r.model_bytes);
        if (st == AS_OK && res.model)
            st = save_lr(db, &res, comb, &r.model_bytes);
        if (st == AS_OK)
            st = meta_set(db, "model_kind", as_sentiment_model_name(o->model), 0, 0);
        if (st == AS_OK)
            st = meta_set(db, "model_trained_at", NULL, (double)as__now(), 0);
        if (st == AS_OK)
            st = meta_set(db, "model_source", source, 0, 0);
        if (st == AS_OK)
            st = meta_set(db, "model_holdout", NULL, o->holdout, 1);
        if (st == AS_OK)
            st = meta_set(db, "model_held_out", NULL, (double)r.held_out, 0);
        if (st == AS_OK)
            st = meta_set(db, "model_negative", NULL, (double)r.negative, 0);
        if (st == AS_OK)
            st = meta_set(db, "model_positive", NULL, (double)r.positive, 0);
        if (st == AS_OK && res.model) {
            st = meta_set(db, "model_folds", NULL, o->folds, 0);
            if (st == AS_OK)
                st = meta_set(db, "model_c", NULL, res.c, 1);
            if (st == AS_OK)
                st = meta_set(db, "model_cv_macro_f1", NULL, res.cv_macro_f1, 1);
            if (st == AS_OK)
                st = meta_set(db, "model_bytes", NULL, (double)r.model_bytes, 0);
        } else if (st == AS_OK) {
            st = meta_set(db, "model_bytes", NULL, (double)r.model_bytes, 0);
        }
    }
    nb_free(&nb);
    as__lr_free(res.model);
    free(res.oof);
    free(sel);
    r.seconds = now_sec() - t0;
    if (st == AS_OK && out)
        *out = r;
    return st;
}

static const char *const train_columns[] = {"label", "review", NULL};

static as_status train_row(as__import *im, const char *const *cells, const char *extra,
                           as_upsert *result, void *ctx)
{
    (void)extra;
    textset *t = ctx;
    const char *label = cells[0] ? cells[0] : "";
    const char *review = cells[1] ? cells[1] : "";
    char msg[96];
    int l = -1;
    if (strcmp(label, "1") == 0)
        l = 1;
    else if (strcmp(label, "0") == 0)
        l = 0;
    if (l < 0) {
        snprintf(msg, sizeof msg, "'%.40s' is not 0 (negative) or 1 (positive)", label);
        as__import_problem(im, "label", msg);
    }
    if (!review[0])
        as__import_problem(im, "review", "is empty");
    if (as__import_row_problems(im))
        return AS_OK;
    int rc = textset_add(t, review, strlen(review), l);
    if (rc < 0)
        return as__fail(as__import_db(im), AS_NOMEM, "training: out of memory");
    *result = rc == 1 ? AS_UPSERT_UNCHANGED : AS_UPSERT_INSERTED;
    return AS_OK;
}

as_status as_sentiment_train_file(as_sentiment_training *out, as_db *db, FILE *in,
                                  const char *name, const as_import_options *iopts,
                                  const as_sentiment_train_options *topts,
                                  as_import_stats *stats)
{
    static const as_import_options defaults = AS_IMPORT_OPTIONS_INIT;
    if (!db || !in || !name)
        return AS_MISUSE;
    if (!iopts)
        iopts = &defaults;
    as_sentiment_train_options o;
    as_status st = train_options(db, topts, &o);
    if (st != AS_OK)
        return st;
    textset t;
    memset(&t, 0, sizeof t);
    as__import_spec spec = {
        .columns = train_columns,
        .nrequired = 2,
        .flags = AS__SPEC_KEEP_UNKNOWN | AS__SPEC_REPEAT_KEYS,
        .row = train_row,
        .ctx = &t,
    };
    st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = as__import_run(db, in, name, iopts, &spec, stats);
    if (st == AS_OK)
        st = train_set(db, &t, &o, name, (iopts->flags & AS_IMPORT_DRY_RUN) != 0, out);
    textset_free(&t);
    st = as__write_end(db, st);
    if (st == AS_OK)
        as__sentiment_invalidate(db);
    return st;
}

as_status as_sentiment_train(as_db *db, FILE *in, const char *name,
                             const as_import_options *opts, as_import_stats *stats)
{
    return as_sentiment_train_file(NULL, db, in, name, opts, NULL, stats);
}

/* ---- ratings ------------------------------------------------------- */

static const char sql_has_feedback[] =
    "SELECT 1 FROM sqlite_schema WHERE name = 'feedback' AND type IN ('table', 'view')";
static const char sql_ratings[] =
    "SELECT overall, comment FROM feedback"
    " WHERE comment IS NOT NULL AND comment <> '' AND overall IN (1, 2, 4, 5)";

/* The rated comments into t (distinct texts) and, if e is not NULL, every
 * one of them into e. */
struct evalset;
static int evalset_add(struct evalset *e, const char *text, size_t len, int label);

static as_status read_ratings(as_db *db, textset *t, struct evalset *e)
{
    sqlite3_stmt *q = as__stmt(db, sql_has_feedback);
    if (!q)
        return AS_INTERNAL;
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_DONE)
        return as__fail(db, AS_NOTFOUND,
                        "--from-ratings: this database has no feedback table (feedback(overall "
                        "INTEGER, comment TEXT)); import feedback first, or use a CSV file");
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "looking for the feedback table");
    sqlite3_stmt *sel = NULL;
    as_status st = AS_OK;
    rc = sqlite3_prepare_v2(db->sql, sql_ratings, -1, &sel, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "reading feedback(overall, comment)");
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        int overall = sqlite3_column_int(sel, 0);
        const char *text = (const char *)sqlite3_column_text(sel, 1);
        size_t len = (size_t)sqlite3_column_bytes(sel, 1);
        if (!text)
            continue;
        if (textset_add(t, text, len, overall >= 4) < 0 ||
            (e && evalset_add(e, text, len, overall >= 4))) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading feedback(overall, comment)");
    sqlite3_finalize(sel);
    return st;
}

as_status as_sentiment_train_from_ratings(as_sentiment_training *out, as_db *db,
                                          const as_sentiment_train_options *topts)
{
    if (!db)
        return AS_MISUSE;
    as_sentiment_train_options o;
    as_status st = train_options(db, topts, &o);
    if (st != AS_OK)
        return st;
    st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    textset t;
    memset(&t, 0, sizeof t);
    st = read_ratings(db, &t, NULL);
    if (st == AS_OK)
        st = train_set(db, &t, &o, "feedback ratings", 0, out);
    textset_free(&t);
    st = as__write_end(db, st);
    if (st == AS_OK)
        as__sentiment_invalidate(db);
    return st;
}

as_status as_sentiment_train_ratings(as_db *db, as_import_stats *stats)
{
    as_sentiment_training r;
    if (stats)
        memset(stats, 0, sizeof *stats);
    as_status st = as_sentiment_train_from_ratings(&r, db, NULL);
    if (st == AS_OK && stats) {
        stats->rows = r.rows;
        stats->inserted = r.texts;
        stats->unchanged = r.duplicates;
    }
    return st;
}

as_status as_sentiment_model_clear(as_db *db)
{
    if (!db)
        return AS_MISUSE;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = clear_model(db);
    st = as__write_end(db, st);
    if (st == AS_OK)
        as__sentiment_invalidate(db);
    return st;
}

const char *as_sentiment_model_name(as_sentiment_model_kind kind)
{
    switch (kind) {
    case AS_SENTIMENT_MODEL_NONE:
        return "none";
    case AS_SENTIMENT_MODEL_NB:
        return "nb";
    case AS_SENTIMENT_MODEL_LR:
        return "lr";
    }
    return NULL;
}

/* ---- the model's description --------------------------------------- */

static const char sql_meta_model[] =
    "SELECT key, value FROM sentiment_meta WHERE key LIKE 'model\\_%' ESCAPE '\\'";
static const char sql_cv_all[] = "SELECT c, macro_f1 FROM sentiment_cv ORDER BY c";
static const char sql_layer_full[] =
    "SELECT chars_min, chars_max, bias, model, lexicon, hits FROM sentiment_layer ORDER BY bucket";
static const char sql_lr_bits[] = "SELECT bits FROM sentiment_lr WHERE id = 1";

as_status as_sentiment_model_get(as_sentiment_model **out, as_db *db)
{
    if (!out || !db)
        return AS_MISUSE;
    *out = NULL;
    /* Everything is read first, then laid out in one block. */
    as_sentiment_model m;
    memset(&m, 0, sizeof m);
    as_sentiment_cv cv[32];
    as_sentiment_layer layers[AS__LEN_BUCKETS];
    char source[256] = "";
    double docs_neg = 0, docs_pos = 0;
    int kind_known = 0;
    sqlite3_stmt *q = as__stmt(db, sql_meta_model);
    if (!q)
        return AS_INTERNAL;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        if (!k)
            continue;
        double v = sqlite3_column_double(q, 1);
        if (strcmp(k, "model_kind") == 0) {
            const char *t = (const char *)sqlite3_column_text(q, 1);
            kind_known = 1;
            m.kind = t && strcmp(t, "lr") == 0   ? AS_SENTIMENT_MODEL_LR
                     : t && strcmp(t, "nb") == 0 ? AS_SENTIMENT_MODEL_NB
                                                 : AS_SENTIMENT_MODEL_NONE;
        } else if (strcmp(k, "model_trained_at") == 0) {
            m.trained_at = sqlite3_column_int64(q, 1);
        } else if (strcmp(k, "model_source") == 0) {
            as__column_copy(q, 1, source, sizeof source);
        } else if (strcmp(k, "model_negative") == 0) {
            m.negative = (uint64_t)v;
        } else if (strcmp(k, "model_positive") == 0) {
            m.positive = (uint64_t)v;
        } else if (strcmp(k, "model_docs_neg") == 0) {
            docs_neg = v;
        } else if (strcmp(k, "model_docs_pos") == 0) {
            docs_pos = v;
        } else if (strcmp(k, "model_held_out") == 0) {
            m.held_out = (uint64_t)v;
        } else if (strcmp(k, "model_holdout") == 0) {
            m.holdout = v;
        } else if (strcmp(k, "model_folds") == 0) {
            m.folds = (int)v;
        } else if (strcmp(k, "model_c") == 0) {
            m.c = v;
        } else if (strcmp(k, "model_cv_macro_f1") == 0) {
            m.cv_macro_f1 = v;
        } else if (strcmp(k, "model_bytes") == 0) {
            m.model_bytes = (uint64_t)v;
        }
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading the sentiment model");
    if (!kind_known && docs_neg >= 1 && docs_pos >= 1) {
        /* A naive Bayes model trained before the kinds were recorded. */
        m.kind = AS_SENTIMENT_MODEL_NB;
        m.negative = (uint64_t)docs_neg;
        m.positive = (uint64_t)docs_pos;
    }
    if (m.kind == AS_SENTIMENT_MODEL_LR) {
        q = as__stmt(db, sql_cv_all);
        if (!q)
            return AS_INTERNAL;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW && m.ncv < sizeof cv / sizeof cv[0]) {
            cv[m.ncv].c = sqlite3_column_double(q, 0);
            cv[m.ncv].macro_f1 = sqlite3_column_double(q, 1);
            m.ncv++;
        }
        sqlite3_reset(q);
        q = as__stmt(db, sql_layer_full);
        if (!q)
            return AS_INTERNAL;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW && m.nlayers < AS__LEN_BUCKETS) {
            as_sentiment_layer *l = &layers[m.nlayers++];
            l->chars_min = (unsigned)sqlite3_column_int64(q, 0);
            l->chars_max = (unsigned)as__column_int64_or(q, 1, 0);
            l->bias = sqlite3_column_double(q, 2);
            l->model = sqlite3_column_double(q, 3);
            l->lexicon = sqlite3_column_double(q, 4);
            l->hits = sqlite3_column_double(q, 5);
        }
        sqlite3_reset(q);
        q = as__stmt(db, sql_lr_bits);
        if (!q)
            return AS_INTERNAL;
        if (sqlite3_step(q) == SQLITE_ROW)
            m.buckets_log2 = (unsigned)sqlite3_column_int(q, 0);
        sqlite3_reset(q);
    }
    size_t slen = strlen(source);
    size_t head = sizeof m + m.ncv * sizeof *cv + m.nlayers * sizeof *layers;
    as_sentiment_model *r = malloc(head + slen + 1);
    if (!r)
        return as__fail(db, AS_NOMEM, "out of memory");
    *r = m;
    as_sentiment_cv *rcv = (as_sentiment_cv *)(void *)(r + 1);
    as_sentiment_layer *rl = (as_sentiment_layer *)(void *)(rcv + m.ncv);
    char *rs = (char *)r + head;
    memcpy(rcv, cv, m.ncv * sizeof *cv);
    memcpy(rl, layers, m.nlayers * sizeof *layers);
    memcpy(rs, source, slen + 1);
    r->cv = m.ncv ? rcv : NULL;
    r->layers = m.nlayers ? rl : NULL;
    r->source = m.kind != AS_SENTIMENT_MODEL_NONE ? rs : NULL;
    *out = r;
    as__ok(db);
    return AS_OK;
}

void as_sentiment_model_free(as_sentiment_model *model)
{
    free(model);
}

/* ---- evaluation ---------------------------------------------------- */

typedef struct evalset {
    as_buf pool;
    size_t *off, *len;
    unsigned char *label;
    size_t n, cap;
} evalset;

static void evalset_free(evalset *e)
{
    as__buf_free(&e->pool);
    free(e->off);
    free(e->len);
    free(e->label);
}

static int evalset_add(struct evalset *e, const char *text, size_t len, int label)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 1024;
        size_t *o = realloc(e->off, cap * sizeof *o);
        if (!o)
            return -1;
        e->off = o;
        size_t *l = realloc(e->len, cap * sizeof *l);
        if (!l)
            return -1;
        e->len = l;
        unsigned char *b = realloc(e->label, cap);
        if (!b)
            return -1;
        e->label = b;
        e->cap = cap;
    }
    e->off[e->n] = e->pool.len;
    e->len[e->n] = len;
    e->label[e->n] = (unsigned char)label;
    e->n++;
    return as__buf_add(&e->pool, text, len);
}

/* The quality of scores (> 0 predicts positive) against the labels. */
static void quality(const evalset *e, const double *score, const unsigned char *sel,
                    as_sentiment_metrics *m)
{
    uint64_t tp = 0, fp = 0, tn = 0, fn = 0;   /* "positive" = label 1 */
    for (size_t i = 0; i < e->n; i++) {
        if (sel && !sel[i])
            continue;
        int pred = score[i] > 0;
        if (pred && e->label[i])
            tp++;
        else if (pred)
            fp++;
        else if (e->label[i])
            fn++;
        else
            tn++;
    }
    double n = (double)(tp + fp + tn + fn);
    m->accuracy = n > 0 ? (double)(tp + tn) / n : 0;
    double pp = tp + fp ? (double)tp / (double)(tp + fp) : 0;
    double pr = tp + fn ? (double)tp / (double)(tp + fn) : 0;
    double pf = pp + pr > 0 ? 2 * pp * pr / (pp + pr) : 0;
    m->neg_precision = tn + fn ? (double)tn / (double)(tn + fn) : 0;
    m->neg_recall = tn + fp ? (double)tn / (double)(tn + fp) : 0;
    m->neg_f1 = m->neg_precision + m->neg_recall > 0
                    ? 2 * m->neg_precision * m->neg_recall / (m->neg_precision + m->neg_recall)
                    : 0;
    m->macro_f1 = (pf + m->neg_f1) / 2;
}

/* Score every text with one scorer into score[]. */
static as_status score_all(as_db *db, const as__senti_cache *c, const evalset *e, int scorer,
                           double *score, size_t *chars)
{
    int stored = as__senti_stored_model(c);
    for (size_t i = 0; i < e->n; i++) {
        const char *text = e->pool.data + e->off[i];
        size_t len = e->len[i];
        as__senti_lex lex;
        size_t bad = 0;
        double margin = 0;
        as_status st = AS_OK;
        switch (scorer) {
        case AS_SENTIMENT_SCORER_LEXICON:
            st = as__senti_lexicon(c, text, len, NULL, &lex, &bad);
            score[i] = st == AS_OK ? as__senti_combine(c, &lex, 0, AS__USE_NONE, NULL) : 0;
            if (chars)
                chars[i] = st == AS_OK ? lex.chars : 0;
            break;
        case AS_SENTIMENT_SCORER_NB:
            score[i] = len ? tanh(as__senti_nb(c, text, len) / 2) : 0;
            break;
        case AS_SENTIMENT_SCORER_LR:
            st = as__lr_margin(c->lr, text, len, &margin);
            score[i] = len ? tanh(margin / 2) : 0;
            break;
        default:
            st = as__senti_lexicon(c, text, len, NULL, &lex, &bad);
            if (st == AS_OK && lex.chars)
                st = as__senti_model(c, stored, text, len, &margin);
            score[i] = st == AS_OK ? as__senti_combine(c, &lex, margin, stored, NULL) : 0;
            break;
        }
        if (st == AS_INVALID)
            return as__fail(db, st, "text %zu: invalid UTF-8 at byte %zu", i + 1, bad + 1);
        if (st != AS_OK)
            return as__fail(db, st, "out of memory");
    }
    return AS_OK;
}

/* Score every text with one scorer and measure it.  The speed is the
 * best of passes over the set (at most 20, until 0.2 s of CPU time),
 * timed on the CPU time of the calling thread. */
static as_status run_scorer(as_db *db, const as__senti_cache *c, const evalset *e, int scorer,
                            double *score, size_t *chars, as_sentiment_metrics *m)
{
    double best = INFINITY, spent = 0;
    for (int pass = 0; pass < 20 && spent < 0.2; pass++) {
        double t0 = cpu_sec();
        as_status st = score_all(db, c, e, scorer, score, pass ? NULL : chars);
        if (st != AS_OK)
            return st;
        double dt = cpu_sec() - t0;
        spent += dt;
        if (dt < best)
            best = dt;
    }
    if (!(best > 0))
        best = 1e-9;
    quality(e, score, NULL, m);
    m->texts_per_sec = (double)e->n / best;
    m->mb_per_sec = (double)e->pool.len / best / 1e6;
    return AS_OK;
}

/* The reliability table of one scorer by length bucket. */
static void by_length(const evalset *e, const double *score, const size_t *chars,
                      as_sentiment_length *out)
{
    unsigned char *sel = malloc(e->n ? e->n : 1);
    for (int b = 0; b < AS__LEN_BUCKETS; b++) {
        as_sentiment_length *l = &out[b];
        memset(l, 0, sizeof *l);
        l->chars_min = b ? as__len_bucket_max[b - 1] + 1 : 1;
        l->chars_max = as__len_bucket_max[b];
        double sum = 0, pos = 0, ssum[AS_SENTIMENT_BINS] = {0}, psum[AS_SENTIMENT_BINS] = {0};
        for (size_t i = 0; i < e->n; i++) {
            int in = chars[i] > 0 && as__len_bucket(chars[i]) == b;
            if (sel)
                sel[i] = (unsigned char)in;
            if (!in)
                continue;
            l->texts++;
            sum += score[i];
            pos += e->label[i];
            int k = (int)floor((score[i] + 1) / 2 * AS_SENTIMENT_BINS);
            if (k < 0)
                k = 0;
            if (k >= AS_SENTIMENT_BINS)
                k = AS_SENTIMENT_BINS - 1;
            l->bins[k].texts++;
            ssum[k] += score[i];
            psum[k] += e->label[i];
        }
        if (!l->texts)
            continue;
        double n = (double)l->texts, err = 0;
        l->mean_score = sum / n;
        l->positive_share = pos / n;
        for (int k = 0; k < AS_SENTIMENT_BINS; k++) {
            as_sentiment_bin *bin = &l->bins[k];
            if (!bin->texts)
                continue;
            bin->mean_score = ssum[k] / (double)bin->texts;
            bin->positive_share = psum[k] / (double)bin->texts;
            err += (double)bin->texts * fabs((bin->mean_score + 1) / 2 - bin->positive_share);
        }
        l->calibration_error = err / n;
        if (sel) {
            as_sentiment_metrics m;
            quality(e, score, sel, &m);
            l->accuracy = m.accuracy;
            l->macro_f1 = m.macro_f1;
        }
    }
    free(sel);
}

/* Read labelled CSV into e (every row, or the held-out distinct texts). */
static as_status read_eval_csv(as_db *db, FILE *in, const char *name,
                               const as_sentiment_eval_options *opts, textset *seen, evalset *e,
                               uint64_t *rows)
{
    char err[256];
    as_csv *csv = NULL;
    as_status st = as__csv_open(&csv, in, name, opts->encoding, err, sizeof err);
    if (st != AS_OK)
        return as__fail(db, st, "%s", st == AS_INVALID ? err : "out of memory");
    if (opts->delimiter && as__csv_set_delimiter(csv, opts->delimiter) != AS_OK) {
        as__csv_free(csv);
        return as__fail(db, AS_INVALID, "delimiter: '%c' is not ',', tab, ';' or '|'",
                        opts->delimiter);
    }
    as_csv_record rec;
    int col_label = -1, col_review = -1;
    int header = 1, mine = 0;
    while ((st = as__csv_next(csv, &rec)) == AS_OK) {
        if (header) {
            for (size_t i = 0; i < rec.nfields; i++) {
                if (strcasecmp(rec.fields[i], "label") == 0)
                    col_label = (int)i;
                else if (strcasecmp(rec.fields[i], "review") == 0)
                    col_review = (int)i;
            }
            if (col_label < 0 || col_review < 0) {
                st = as__fail(db, AS_INVALID, "%s:%llu: the header must name label and review",
                              name, (unsigned long long)rec.line);
                mine = 1;
                break;
            }
            header = 0;
            continue;
        }
        const char *lab = (size_t)col_label < rec.nfields ? rec.fields[col_label] : "";
        int l = strcmp(lab, "1") == 0 ? 1 : strcmp(lab, "0") == 0 ? 0 : -1;
        if (l < 0 || (size_t)col_review >= rec.nfields) {
            st = as__fail(db, AS_INVALID, "%s:%llu: label: '%.40s' is not 0 or 1", name,
                          (unsigned long long)rec.line, lab);
            mine = 1;
            break;
        }
        (*rows)++;
        const char *text = rec.fields[col_review];
        size_t len = rec.lens[col_review];
        int add = 1;
        if (opts->holdout > 0) {
            int rc = textset_add(seen, text, len, l);
            if (rc < 0) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                mine = 1;
                break;
            }
            add = rc == 0 && held_out(seen->hash[seen->n - 1], opts->holdout);
        }
        if (add && evalset_add(e, text, len, l)) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            mine = 1;
            break;
        }
    }
    if (!mine && st == AS_INVALID)
        st = as__fail(db, AS_INVALID, "%s:%llu: %s", name,
                      (unsigned long long)as__csv_error_line(csv), as__csv_error(csv));
    else if (!mine && st == AS_IO)
        st = as__fail(db, AS_IO, "%s: %s", name, as__csv_error(csv));
    if (st == AS_DONE)
        st = AS_OK;
    as__csv_free(csv);
    return st;
}

as_status as_sentiment_evaluate(as_sentiment_eval *out, as_db *db, FILE *in, const char *name,
                                const as_sentiment_eval_options *opts)
{
    static const as_sentiment_eval_options defaults = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (!out || !db || opts->version < 1 || opts->version > AS_SENTIMENT_EVAL_OPTIONS_VERSION)
        return AS_MISUSE;
    as_sentiment_eval_options o = defaults;
    o.encoding = opts->encoding;
    o.delimiter = opts->delimiter;
    if (opts->version >= 2) {
        o.holdout = opts->holdout;
        o.from_ratings = opts->from_ratings;
        o.by_length = opts->by_length;
    }
    if (!o.from_ratings && (!in || !name))
        return AS_MISUSE;
    memset(out, 0, sizeof *out);
    if (!(o.holdout >= 0 && o.holdout <= 0.9))
        return as__fail(db, AS_INVALID, "holdout: %g is outside 0-0.9", o.holdout);
    const as__senti_cache *c;
    as_status st = as__senti_cache_get(db, &c);
    if (st != AS_OK)
        return st;
    evalset e;
    memset(&e, 0, sizeof e);
    textset seen;
    memset(&seen, 0, sizeof seen);
    uint64_t rows = 0;
    if (o.from_ratings) {
        name = "feedback ratings";
        /* Every rated comment, or the held-out distinct texts once. */
        st = read_ratings(db, &seen, o.holdout > 0 ? NULL : &e);
        rows = seen.rows;
        for (size_t i = 0; st == AS_OK && o.holdout > 0 && i < seen.n; i++) {
            if (!held_out(seen.hash[i], o.holdout))
                continue;
            if (evalset_add(&e, text_of(&seen, i), seen.len[i], seen.y[i] > 0))
                st = as__fail(db, AS_NOMEM, "out of memory");
        }
    } else {
        st = read_eval_csv(db, in, name, &o, &seen, &e, &rows);
    }
    textset_free(&seen);
    if (st == AS_OK && e.n == 0)
        st = as__fail(db, AS_INVALID, "%s: no labelled %s", name,
                      o.holdout > 0 ? "texts in the holdout" : "rows");
    double *score[AS_SENTIMENT_SCORER_LAST] = {NULL};
    size_t *chars = NULL;
    as__senti_cache *nbc = NULL;
    if (st == AS_OK) {
        for (int k = 0; k < AS_SENTIMENT_SCORER_LAST; k++)
            if (!(score[k] = malloc(e.n * sizeof *score[k])))
                st = as__fail(db, AS_NOMEM, "out of memory");
        if (!(chars = malloc(e.n * sizeof *chars)))
            st = as__fail(db, AS_NOMEM, "out of memory");
    }
    if (st == AS_OK) {
        int stored = as__senti_stored_model(c);
        out->texts = e.n;
        out->bytes = e.pool.len;
        out->rows = rows;
        out->model_used = stored != AS__USE_NONE;
        out->model = stored == AS__USE_LR   ? AS_SENTIMENT_MODEL_LR
                     : stored == AS__USE_NB ? AS_SENTIMENT_MODEL_NB
                                            : AS_SENTIMENT_MODEL_NONE;
        /* Naive Bayes alone: from the cache, or read for this evaluation
         * when the logistic regression model scores. */
        if (!c->has_nb && c->lr) {
            nbc = calloc(1, sizeof *nbc);
            if (!nbc || (st = load_nb(db, nbc)) != AS_OK) {
                if (st == AS_OK || st == AS_NOMEM)
                    st = as__fail(db, AS_NOMEM, "out of memory");
            }
        }
        out->has_nb = c->has_nb || (nbc && nbc->has_nb);
        out->has_lr = c->lr != NULL;
        st = run_scorer(db, c, &e, AS_SENTIMENT_SCORER_LEXICON,
                        score[AS_SENTIMENT_SCORER_LEXICON], chars, &out->lexicon);
        if (st == AS_OK && out->has_nb)
            st = run_scorer(db, c->has_nb ? c : nbc, &e, AS_SENTIMENT_SCORER_NB,
                            score[AS_SENTIMENT_SCORER_NB], NULL, &out->nb);
        if (st == AS_OK && out->has_lr)
            st = run_scorer(db, c, &e, AS_SENTIMENT_SCORER_LR, score[AS_SENTIMENT_SCORER_LR],
                            NULL, &out->lr);
        if (st == AS_OK)
            st = run_scorer(db, c, &e, AS_SENTIMENT_SCORER_COMBINED,
                            score[AS_SENTIMENT_SCORER_COMBINED], NULL, &out->combined);
        if (st == AS_OK && o.by_length) {
            out->has_lengths = 1;
            for (int k = 0; k < AS_SENTIMENT_SCORER_LAST; k++) {
                if ((k == AS_SENTIMENT_SCORER_NB && !out->has_nb) ||
                    (k == AS_SENTIMENT_SCORER_LR && !out->has_lr))
                    continue;
                by_length(&e, score[k], chars, out->lengths[k]);
            }
        }
        if (st == AS_OK)
            as__ok(db);
    }
    for (int k = 0; k < AS_SENTIMENT_SCORER_LAST; k++)
        free(score[k]);
    free(chars);
    as__senti_cache_free(nbc);
    evalset_free(&e);
    return st;
}
