/* sentiment_model.c - training the character unigram+bigram naive Bayes
 * model (from labelled CSV through the import driver, or from the
 * feedback ratings) and evaluating the scorer on a labelled set. */
#include "import.h"
#include "senti_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Features with fewer training texts than this are not stored, when the
 * training set has at least PRUNE_FROM_TEXTS texts (a small set keeps all). */
enum { MIN_FEATURE_TEXTS = 2, PRUNE_FROM_TEXTS = 1000 };

/* ---- counting ------------------------------------------------------ */

typedef struct fcount {
    uint64_t key;
    uint32_t neg, pos;
} fcount;

typedef struct trainer {
    fcount *f;               /* open addressing, key 0 empty */
    size_t fcap, fn;
    uint64_t *seen;          /* hashes of the texts counted (dedupe) */
    size_t scap, sn;
    uint64_t *doc;           /* this text's distinct features */
    uint32_t *docstamp;
    size_t dcap;
    uint32_t stamp;
    uint64_t docs[2];
} trainer;

static size_t h64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

static void trainer_free(trainer *t)
{
    free(t->f);
    free(t->seen);
    free(t->doc);
    free(t->docstamp);
}

static int fgrow(trainer *t)
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

static int fadd(trainer *t, uint64_t key, int label)
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

/* 1 if the text's hash was new (and is now recorded), 0 if seen, -1 no memory. */
static int seen_add(trainer *t, uint64_t h)
{
    if (!h)
        h = 1;
    if ((t->sn + 1) * 2 > t->scap) {
        size_t cap = t->scap ? t->scap * 2 : 1u << 12;
        uint64_t *s = calloc(cap, sizeof *s);
        if (!s)
            return -1;
        for (size_t i = 0; i < t->scap; i++) {
            if (!t->seen[i])
                continue;
            size_t j = h64(t->seen[i]) & (cap - 1);
            while (s[j])
                j = (j + 1) & (cap - 1);
            s[j] = t->seen[i];
        }
        free(t->seen);
        t->seen = s;
        t->scap = cap;
    }
    size_t i = h64(h) & (t->scap - 1);
    while (t->seen[i]) {
        if (t->seen[i] == h)
            return 0;
        i = (i + 1) & (t->scap - 1);
    }
    t->seen[i] = h;
    t->sn++;
    return 1;
}

/* Remember key for this text; 1 if new within the text. */
static int doc_add(trainer *t, uint64_t key)
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

/* Count one text.  0 ok, 1 duplicate, -1 no memory. */
static int train_text(trainer *t, const char *text, size_t len, int label)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
    int fresh = seen_add(t, h);
    if (fresh <= 0)
        return fresh < 0 ? -1 : 1;
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
        size_t n = as__senti_decode(p + i, len - i, &cp);
        if (n == 0) {        /* cannot happen after the CSV reader; skip a byte */
            i++;
            prev = 0;
            continue;
        }
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

static const char sql_feat_clear[] = "DELETE FROM sentiment_feature";
static const char sql_meta_clear[] = "DELETE FROM sentiment_meta WHERE key LIKE 'model\\_%' ESCAPE '\\'";
static const char sql_feat_ins[] = "INSERT INTO sentiment_feature (gram, neg, pos) VALUES (?1, ?2, ?3)";
static const char sql_meta_set[] =
    "INSERT INTO sentiment_meta (key, value) VALUES (?1, ?2)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";

static as_status meta_set(as_db *db, const char *key, const char *text, int64_t num)
{
    sqlite3_stmt *st = as__stmt(db, sql_meta_set);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, 2, num);
    return as__step_done(db, st, "saving the sentiment model");
}

/* Replace the stored model with the counts (inside the caller's transaction). */
static as_status save_model(as_db *db, const trainer *t, const char *source)
{
    if (t->docs[0] == 0 || t->docs[1] == 0)
        return as__fail(db, AS_INVALID,
                        "training needs negative and positive texts (got %llu negative, %llu "
                        "positive)", (unsigned long long)t->docs[0],
                        (unsigned long long)t->docs[1]);
    as_status st = as__exec(db, sql_feat_clear);
    if (st == AS_OK)
        st = as__exec(db, sql_meta_clear);
    sqlite3_stmt *ins = st == AS_OK ? as__stmt(db, sql_feat_ins) : NULL;
    if (st == AS_OK && !ins)
        st = AS_INTERNAL;
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
    }
    if (st == AS_OK)
        st = meta_set(db, "model_docs_neg", NULL, (int64_t)t->docs[0]);
    if (st == AS_OK)
        st = meta_set(db, "model_docs_pos", NULL, (int64_t)t->docs[1]);
    if (st == AS_OK)
        st = meta_set(db, "model_trained_at", NULL, as__now());
    if (st == AS_OK)
        st = meta_set(db, "model_source", source, 0);
    return st;
}

/* ---- training from CSV --------------------------------------------- */

static const char *const train_columns[] = {"label", "review", NULL};

static as_status train_row(as__import *im, const char *const *cells, const char *extra,
                           as_upsert *result, void *ctx)
{
    (void)extra;
    trainer *t = ctx;
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
    int rc = train_text(t, review, strlen(review), l);
    if (rc < 0)
        return as__fail(as__import_db(im), AS_NOMEM, "training: out of memory");
    *result = rc == 1 ? AS_UPSERT_UNCHANGED : AS_UPSERT_INSERTED;
    return AS_OK;
}

as_status as_sentiment_train(as_db *db, FILE *in, const char *name,
                             const as_import_options *opts, as_import_stats *stats)
{
    static const as_import_options defaults = AS_IMPORT_OPTIONS_INIT;
    if (!db || !in || !name)
        return AS_MISUSE;
    if (!opts)
        opts = &defaults;
    trainer t;
    memset(&t, 0, sizeof t);
    as__import_spec spec = {train_columns, 2, AS__SPEC_KEEP_UNKNOWN | AS__SPEC_REPEAT_KEYS, train_row,
                            &t};
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = as__import_run(db, in, name, opts, &spec, stats);
    if (st == AS_OK && !(opts->flags & AS_IMPORT_DRY_RUN))
        st = save_model(db, &t, name);
    trainer_free(&t);
    st = as__write_end(db, st);
    if (st == AS_OK)
        as__sentiment_invalidate(db);
    return st;
}

/* ---- training from ratings ----------------------------------------- */

static const char sql_has_feedback[] =
    "SELECT 1 FROM sqlite_schema WHERE name = 'feedback' AND type IN ('table', 'view')";
static const char sql_ratings[] =
    "SELECT overall, comment FROM feedback"
    " WHERE comment IS NOT NULL AND comment <> '' AND overall IN (1, 2, 4, 5)";

as_status as_sentiment_train_ratings(as_db *db, as_import_stats *stats)
{
    if (!db)
        return AS_MISUSE;
    if (stats)
        memset(stats, 0, sizeof *stats);
    sqlite3_stmt *q = as__stmt(db, sql_has_feedback);
    if (!q)
        return AS_INTERNAL;
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_DONE)
        return as__fail(db, AS_NOTFOUND,
                        "--from-ratings: this database has no feedback table (feedback(overall "
                        "INTEGER, comment TEXT)); import feedback first, or train from a CSV file");
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "looking for the feedback table");
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    trainer t;
    memset(&t, 0, sizeof t);
    sqlite3_stmt *sel = NULL;
    rc = sqlite3_prepare_v2(db->sql, sql_ratings, -1, &sel, NULL);
    if (rc != SQLITE_OK) {
        st = as__sqlfail(db, rc, "reading feedback(overall, comment)");
    } else {
        while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
            int overall = sqlite3_column_int(sel, 0);
            const char *text = (const char *)sqlite3_column_text(sel, 1);
            size_t len = (size_t)sqlite3_column_bytes(sel, 1);
            if (!text)
                continue;
            int r = train_text(&t, text, len, overall >= 4);
            if (r < 0) {
                st = as__fail(db, AS_NOMEM, "training: out of memory");
                break;
            }
            if (stats) {
                stats->rows++;
                if (r == 0)
                    stats->inserted++;
                else
                    stats->unchanged++;
            }
        }
        if (st == AS_OK && rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "reading feedback(overall, comment)");
    }
    sqlite3_finalize(sel);
    if (st == AS_OK)
        st = save_model(db, &t, "feedback ratings");
    trainer_free(&t);
    st = as__write_end(db, st);
    if (st == AS_OK)
        as__sentiment_invalidate(db);
    return st;
}

as_status as_sentiment_model_clear(as_db *db)
{
    if (!db)
        return AS_MISUSE;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = as__exec(db, sql_feat_clear);
    if (st == AS_OK)
        st = as__exec(db, sql_meta_clear);
    st = as__write_end(db, st);
    if (st == AS_OK)
        as__sentiment_invalidate(db);
    return st;
}

/* ---- evaluation ---------------------------------------------------- */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

static int evalset_add(evalset *e, const char *text, size_t len, int label)
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

static as_status measure(as_db *db, const as__senti_cache *c, const evalset *e, int use_model,
                         as_sentiment_metrics *m)
{
    uint64_t tp = 0, fp = 0, tn = 0, fn = 0;   /* "positive" = label 1 */
    double t0 = now_sec();
    for (size_t i = 0; i < e->n; i++) {
        double lex, model;
        size_t bad = 0;
        as_status st = as__senti_run(c, e->pool.data + e->off[i], e->len[i], use_model, NULL,
                                     &lex, &model, &bad);
        if (st != AS_OK)
            return as__fail(db, st, "text %zu: invalid UTF-8 at byte %zu", i + 1, bad + 1);
        double score = as__senti_combine(c, lex, model, use_model && c->has_model, NULL);
        int pred = score > 0;
        if (pred && e->label[i])
            tp++;
        else if (pred)
            fp++;
        else if (e->label[i])
            fn++;
        else
            tn++;
    }
    double dt = now_sec() - t0;
    if (dt <= 0)
        dt = 1e-9;
    double n = (double)e->n;
    m->accuracy = (double)(tp + tn) / n;
    double pp = tp + fp ? (double)tp / (double)(tp + fp) : 0;
    double pr = tp + fn ? (double)tp / (double)(tp + fn) : 0;
    double pf = pp + pr > 0 ? 2 * pp * pr / (pp + pr) : 0;
    m->neg_precision = tn + fn ? (double)tn / (double)(tn + fn) : 0;
    m->neg_recall = tn + fp ? (double)tn / (double)(tn + fp) : 0;
    m->neg_f1 = m->neg_precision + m->neg_recall > 0
                    ? 2 * m->neg_precision * m->neg_recall / (m->neg_precision + m->neg_recall)
                    : 0;
    m->macro_f1 = (pf + m->neg_f1) / 2;
    m->texts_per_sec = n / dt;
    m->mb_per_sec = (double)e->pool.len / dt / 1e6;
    return AS_OK;
}

as_status as_sentiment_evaluate(as_sentiment_eval *out, as_db *db, FILE *in, const char *name,
                                const as_sentiment_eval_options *opts)
{
    static const as_sentiment_eval_options defaults = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (!out || !db || !in || !name || opts->version < 1 ||
        opts->version > AS_SENTIMENT_EVAL_OPTIONS_VERSION)
        return AS_MISUSE;
    memset(out, 0, sizeof *out);
    const as__senti_cache *c;
    as_status st = as__senti_cache_get(db, &c);
    if (st != AS_OK)
        return st;
    char err[256];
    as_csv *csv = NULL;
    st = as__csv_open(&csv, in, name, opts->encoding, err, sizeof err);
    if (st != AS_OK)
        return as__fail(db, st, "%s", st == AS_INVALID ? err : "out of memory");
    if (opts->delimiter && as__csv_set_delimiter(csv, opts->delimiter) != AS_OK) {
        as__csv_free(csv);
        return as__fail(db, AS_INVALID, "delimiter: '%c' is not ',', tab, ';' or '|'",
                        opts->delimiter);
    }
    evalset e;
    memset(&e, 0, sizeof e);
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
        if (evalset_add(&e, rec.fields[col_review], rec.lens[col_review], l)) {
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
    if (st == AS_DONE) {
        st = AS_OK;
        if (e.n == 0)
            st = as__fail(db, AS_INVALID, "%s: no labelled rows", name);
    }
    as__csv_free(csv);
    if (st == AS_OK) {
        out->texts = e.n;
        out->bytes = e.pool.len;
        out->model_used = c->has_model;
        st = measure(db, c, &e, 0, &out->lexicon);
        if (st == AS_OK)
            st = measure(db, c, &e, 1, &out->combined);
        if (st == AS_OK)
            as__ok(db);
    }
    evalset_free(&e);
    return st;
}
