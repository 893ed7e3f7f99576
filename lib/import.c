/* import.c - the import driver shared by every bulk import. */
#include "import.h"
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <unistd.h>

/* The keys of the rows taken so far: 64-bit hashes (0 marks a free slot)
 * with the line of the row, in a power-of-two table probed linearly. */
typedef struct key_slot {
    uint64_t hash;
    uint64_t line;
} key_slot;

typedef struct key_set {
    key_slot *slot;
    size_t mask;                 /* slots - 1, when slot is not NULL */
    size_t n;                    /* keys held */
} key_set;

struct as__import {
    as_db *db;
    const char *name;
    const as_import_options *opts;
    const as__import_spec *spec;
    size_t ncols;                /* known columns in the spec */
    as_import_stats stats;
    uint64_t line;               /* the current row's first line */
    const char *raw_text;        /* the current row's text */
    const char *header;          /* the CSV header line's text, or NULL */
    int problems;                /* reported for the current row */
    int last_inserted;
    as_buf extra;                /* unknown columns of the row, as JSON */
    char delimiter;              /* CSV: the caller's, or 0 to detect */
    int unique_keys;             /* reject a key seen earlier in the input */
    key_set keys;
    uint64_t late_line;          /* the row of the last late problem, or 0 */
    /* The current row's prepared problems (two-stage specs): records in
     * cur_probs from cur_first, cur_n of them; passed on once. */
    const as_buf *cur_probs;
    size_t cur_first;
    uint32_t cur_n;
    int cur_replayed;
    void *one_state;             /* state_size bytes: rows prepared on this thread */
    as_buf one_probs;
    int jobs;                    /* threads (CSV input) */
};

/* The pure stage's problems of one row: records "F<field>\0<reason>\0"
 * (F is '+' with a field, '-' without) appended to a batch's buffer. */
struct as__prep {
    as_buf *buf;
    uint32_t n;
    int nomem;
};

void as__prep_problem(as__prep *p, const char *field, const char *reason)
{
    if (as__buf_addc(p->buf, field ? '+' : '-') < 0 ||
        as__buf_add(p->buf, field ? field : "", strlen(field ? field : "") + 1) < 0 ||
        as__buf_add(p->buf, reason ? reason : "", strlen(reason ? reason : "") + 1) < 0)
        p->nomem = 1;
    p->n++;
}

int as__prep_problems(const as__prep *p)
{
    return (int)p->n;
}

void as__import_replay(as__import *im)
{
    if (im->cur_replayed || !im->cur_probs)
        return;
    im->cur_replayed = 1;
    if (!im->cur_n)
        return;   /* (the records' buffer may be empty: no pointer into it) */
    const char *q = im->cur_probs->data + im->cur_first;
    for (uint32_t i = 0; i < im->cur_n; i++) {
        int has_field = *q++ == '+';
        const char *field = q;
        q += strlen(q) + 1;
        const char *reason = q;
        q += strlen(q) + 1;
        as__import_problem(im, has_field ? field : NULL, reason);
    }
}

/* The statement of k rows of g (persistent for a full group). */
static as_status group_statement(as_db *db, const as__group *g, size_t k, sqlite3_stmt **out)
{
    as_buf b = {0};
    *out = NULL;
    as__buf_adds(&b, g->head);
    for (size_t j = 0; j < k; j++) {
        as__buf_adds(&b, j ? ",(" : "(");
        for (int v = 0; v < g->nvals; v++) {
            char p[24];
            snprintf(p, sizeof p, "%s?%zu", v ? "," : "",
                     (size_t)g->tmpl[v] + j * (size_t)g->nparams);
            as__buf_adds(&b, p);
        }
        as__buf_addc(&b, ')');
    }
    as_status st = AS_OK;
    if (as__buf_addc(&b, '\0') < 0) {
        st = as__fail(db, AS_NOMEM, "out of memory");
    } else {
        int rc = sqlite3_prepare_v3(db->sql, b.data, -1,
                                    k == AS__GROUP_ROWS ? SQLITE_PREPARE_PERSISTENT : 0, out, NULL);
        if (rc != SQLITE_OK)
            st = as__sqlfail(db, rc, "preparing to add rows");
    }
    as__buf_free(&b);
    return st;
}

as_status as__group_write(as_db *db, as__group *g, void *ctx)
{
    size_t k = g->n;
    g->n = 0;
    if (!k)
        return AS_OK;
    /* A full group's statement is kept; a smaller one (the end of a batch)
     * is made for the occasion.  (Not as__stmt: its key is the text's
     * address.) */
    sqlite3_stmt *st = k == AS__GROUP_ROWS ? g->full : NULL;
    if (!st) {
        as_status gs = group_statement(db, g, k, &st);
        if (gs != AS_OK)
            return gs;
        if (k == AS__GROUP_ROWS)
            g->full = st;
    }
    for (size_t j = 0; j < k; j++)
        g->bind(st, (int)j * g->nparams, g->rows[j], ctx);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (st != g->full)
        sqlite3_finalize(st);
    if (rc != SQLITE_DONE && (rc & 0xff) != SQLITE_CONSTRAINT)
        return as__sqlfail(db, rc, g->what);
    int all_in = rc == SQLITE_DONE;
    for (size_t j = 0; j < k; j++)
        *g->in[j] = all_in;
    g->failed = all_in ? 0 : g->failed + 1;
    g->skip = all_in ? 0 : AS__GROUP_ROWS << (g->failed < 7 ? g->failed - 1 : 6);
    g->closed |= !all_in;
    return AS_OK;
}

as_status as__group_add(as_db *db, as__group *g, const void *row, int *in, void *ctx)
{
    g->rows[g->n] = row;
    g->in[g->n++] = in;
    return g->n == AS__GROUP_ROWS ? as__group_write(db, g, ctx) : AS_OK;
}

int as__group_allow(as__group *g)
{
    if (g->skip > 0) {
        g->skip--;
        g->closed = 1;
    }
    return !g->closed;
}

void as__group_close(as__group *g)
{
    g->closed = 1;
}

void as__group_open(as__group *g)
{
    g->closed = 0;
}

void as__group_free(as__group *g)
{
    sqlite3_finalize(g->full);
    g->full = NULL;
}

int as__import_jobs(int jobs)
{
    if (jobs <= 0) {
        /* The environment may set the default (AFTERSALES_JOBS=1: no threads). */
        const char *e = getenv("AFTERSALES_JOBS");
        char *end;
        long v = e && *e ? strtol(e, &end, 10) : 0;
        if (e && *e && !*end && v >= 1)
            return v > 64 ? 64 : (int)v;
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
    }
    return jobs > 64 ? 64 : jobs;
}

/* ---- duplicate keys -------------------------------------------------- */

/* A 64-bit hash of n bytes: eight at a time, multiply and fold. */
static uint64_t key_hash(const char *s, size_t n)
{
    const uint64_t k1 = 0x9cfbac6e7687a66full, k2 = 0x4462ebfc5f915ef1ull;
    uint64_t h = (uint64_t)n * k2 ^ 0x2fa73207237751abull, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * k1;
        h ^= h >> 31;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * k1;
    h ^= h >> 29;
    h *= k2;
    h ^= h >> 32;
    return h ? h : 1;
}

/* Room for one more key: at most 3/4 of the slots in use.  0, or -1 out of memory. */
static int keys_reserve(key_set *k)
{
    size_t cap = k->slot ? k->mask + 1 : 0;
    if ((k->n + 1) * 4 <= cap * 3)
        return 0;
    size_t ncap = cap ? cap * 2 : 1024;
    if (ncap > SIZE_MAX / sizeof(key_slot))
        return -1;
    key_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < cap; i++) {
        if (!k->slot[i].hash)
            continue;
        size_t j = (size_t)k->slot[i].hash & (ncap - 1);
        while (ns[j].hash)
            j = (j + 1) & (ncap - 1);
        ns[j] = k->slot[i];
    }
    free(k->slot);
    k->slot = ns;
    k->mask = ncap - 1;
    return 0;
}

/* The slot holding hash h, or the free slot where it would go. */
static key_slot *keys_find(const key_set *k, uint64_t h)
{
    size_t j = (size_t)h & k->mask;
    while (k->slot[j].hash && k->slot[j].hash != h)
        j = (j + 1) & k->mask;
    return &k->slot[j];
}

as_status as__import_options_copy(as_import_options *dst, const as_import_options *src)
{
    if (src->version < 1 || src->version > AS_IMPORT_OPTIONS_VERSION)
        return AS_MISUSE;
    dst->flags = src->flags;
    dst->encoding = src->encoding;
    dst->on_reject = src->on_reject;
    dst->on_progress = src->on_progress;
    dst->userdata = src->userdata;
    if (src->version >= 2)
        dst->delimiter = src->delimiter;
    if (src->version >= 3)
        dst->jobs = src->jobs;
    return AS_OK;
}

/* Is a key twice in one input an error?  (Not for specs whose key repeats
 * by design, such as the label of a training text.) */
static int wants_unique_keys(const as__import_spec *spec)
{
    return !(spec->flags & AS__SPEC_REPEAT_KEYS);
}

/* Report a repeated key (key[0, len)), showing at most 64 bytes of it. */
static void repeated_key(as__import *im, const char *key, size_t len, uint64_t first_line)
{
    size_t show = len;
    if (show > 64) {
        show = 64;
        while (show > 0 && ((unsigned char)key[show] & 0xC0) == 0x80)
            show--;  /* do not cut a UTF-8 sequence */
    }
    char msg[160];
    snprintf(msg, sizeof msg, "'%.*s%s' is also on line %llu", (int)show, key,
             show < len ? "..." : "", (unsigned long long)first_line);
    as__import_problem(im, im->spec->columns[0], msg);
}

void as__import_problem(as__import *im, const char *field, const char *reason)
{
    if (im->opts->on_reject) {
        as_reject r = {im->name, im->line, field, reason, im->raw_text ? im->raw_text : "",
                       im->header, im->problems == 0, im->header ? im->delimiter : 0};
        im->opts->on_reject(im->opts->userdata, &r);
    }
    im->problems++;
}

void as__import_late_problem(as__import *im, uint64_t line, const char *field,
                             const char *reason)
{
    im->raw_text = "";
    im->header = NULL;
    if (line != im->late_line || !im->late_line) {
        im->late_line = line;
        im->problems = 0;
        im->stats.rejected++;
    }
    im->line = line;
    as__import_problem(im, field, reason);
}

int as__import_row_problems(const as__import *im)
{
    return im->problems;
}

as_db *as__import_db(const as__import *im)
{
    return im->db;
}

const char *as__import_name(const as__import *im)
{
    return im->name;
}

uint64_t as__import_line(const as__import *im)
{
    return im->line;
}

int as__import_last_inserted(const as__import *im)
{
    return im->last_inserted;
}

int as__json_quote(as_buf *b, const char *s)
{
    int rc = as__buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            rc = as__buf_add(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            rc = as__buf_adds(b, esc);
        } else {
            rc = as__buf_addc(b, (char)*p);
        }
    }
    return rc ? rc : as__buf_addc(b, '"');
}

/* Count a row that the reader or the mapping could not take. */
static void reject_whole(as__import *im, const char *reason)
{
    as__import_problem(im, NULL, reason);
    im->stats.rows++;
    im->stats.rejected++;
}

/* A row's prepared state (two-stage specs). */
typedef struct prepared {
    void *state;
    const as_buf *probs;         /* its problem records ... */
    size_t first;                /* ... from this offset */
    uint32_t n;
    as_status status;            /* prepare's */
} prepared;

/* Run a two-stage spec's store for a prepared row (problems passed on). */
static as_status store_row(as__import *im, const prepared *pr, as_upsert *res)
{
    im->cur_probs = pr->probs;
    im->cur_first = pr->first;
    im->cur_n = pr->n;
    im->cur_replayed = 0;
    if (pr->status != AS_OK)
        return as__fail(im->db, pr->status, "out of memory");
    if (!(im->spec->flags & AS__SPEC_STORE_REPLAYS))
        as__import_replay(im);
    as_status st = im->spec->store(im, pr->state, res, im->spec->ctx);
    as__import_replay(im);
    im->cur_probs = NULL;
    return st;
}

/* Prepare one row on this thread (JSON Lines, and rows of one-thread
 * imports): the state in im->one_state. */
static void prepare_one(const as__import_spec *spec, const char *const *cells, const char *extra,
                        void *state, as_buf *probs, prepared *pr)
{
    as__prep p = {probs, 0, 0};
    memset(state, 0, spec->state_size);
    pr->state = state;
    pr->probs = probs;
    pr->first = probs->len;
    pr->status = spec->prepare(&p, cells, extra, state, spec->ctx);
    pr->n = p.n;
    if (p.nomem)
        pr->status = AS_NOMEM;
}

/* The key of a row (cell 0 without surrounding ASCII spaces): its length,
 * 0 for none; *start where it begins. */
static size_t row_key(const char *cell, const char **start)
{
    size_t len = cell ? strlen(cell) : 0;
    while (len && *cell == ' ') {
        cell++;
        len--;
    }
    while (len && cell[len - 1] == ' ')
        len--;
    *start = cell;
    return len;
}

/* Hand a mapped row to the spec and count its outcome.  pr: the row's
 * prepared state (two-stage specs), or NULL to prepare it here. */
static as_status take_row(as__import *im, const char *const *cells, const char *extra_in,
                          const prepared *pr)
{
    key_slot *slot = NULL;
    uint64_t hash = 0;
    if (im->unique_keys && cells[0]) {
        const char *key;
        size_t len = row_key(cells[0], &key);
        if (len) {   /* an empty key is the row function's to refuse */
            if (keys_reserve(&im->keys) < 0)
                return as__fail(im->db, AS_NOMEM, "out of memory");
            hash = key_hash(key, len);
            slot = keys_find(&im->keys, hash);
            if (slot->hash) {
                repeated_key(im, key, len, slot->line);
                im->stats.rows++;
                im->stats.rejected++;
                return AS_OK;
            }
        }
    }
    as_upsert res = AS_UPSERT_UNCHANGED;
    const char *extra = NULL;
    if (im->spec->flags & AS__SPEC_KEEP_UNKNOWN)
        extra = extra_in ? extra_in : "{}";
    as_status st;
    if (im->spec->row) {
        st = im->spec->row(im, cells, extra, &res, im->spec->ctx);
    } else if (pr) {
        st = store_row(im, pr, &res);
    } else {
        prepared one;
        im->one_probs.len = 0;
        prepare_one(im->spec, cells, extra, im->one_state, &im->one_probs, &one);
        st = store_row(im, &one, &res);
        if (im->spec->release)
            im->spec->release(im->one_state);
    }
    im->stats.rows++;
    if (st == AS_INVALID || (st == AS_OK && im->problems)) {
        if (!im->problems)
            as__import_problem(im, NULL, as_errmsg(im->db));
        im->stats.rejected++;
        return AS_OK;
    }
    if (st != AS_OK)
        return st;
    if (slot) {
        /* Taken: remember its key.  (The row function does not touch the
         * table, so the free slot found above is still the right one.) */
        slot->hash = hash;
        slot->line = im->line;
        im->keys.n++;
    }
    im->last_inserted = res == AS_UPSERT_INSERTED;
    if (res == AS_UPSERT_INSERTED)
        im->stats.inserted++;
    else if (res == AS_UPSERT_UPDATED)
        im->stats.updated++;
    else
        im->stats.unchanged++;
    return AS_OK;
}

static void progress(as__import *im, uint64_t bytes)
{
    if (im->opts->on_progress && im->stats.rows % 4096 == 0)
        im->opts->on_progress(im->opts->userdata, im->stats.rows, bytes);
}

static void known_list(const as__import *im, as_buf *b)
{
    for (size_t c = 0; c < im->ncols; c++) {
        as__buf_adds(b, c ? ", " : "");
        as__buf_adds(b, im->spec->columns[c]);
    }
}

/* ---- CSV ----------------------------------------------------------- */

typedef struct csv_map {
    int *known;                  /* known column -> field index, or -1 */
    size_t nfields;              /* fields in the header */
    int *unknown;                /* field indexes of unknown columns */
    size_t nunknown;
    char **unknown_names;
    char *header;                /* the header's text */
} csv_map;

static void map_free(csv_map *m)
{
    for (size_t i = 0; i < m->nunknown; i++)
        free(m->unknown_names[i]);
    free(m->unknown_names);
    free(m->unknown);
    free(m->known);
    free(m->header);
}

static as_status read_header(as__import *im, as_csv *csv, csv_map *m)
{
    as_csv_record rec;
    as_status st = as__csv_next(csv, &rec);
    if (st == AS_DONE) {
        as_buf b = {0};
        known_list(im, &b);
        st = as__fail(im->db, AS_INVALID, "%s: empty file: expected a header line naming the columns (%s)",
                      im->name, b.data ? b.data : "");
        as__buf_free(&b);
        return st;
    }
    if (st != AS_OK)
        return as__fail(im->db, st, "%s:%llu: %s", im->name,
                        (unsigned long long)as__csv_error_line(csv), as__csv_error(csv));
    m->known = malloc(im->ncols * sizeof *m->known);
    m->unknown = malloc((rec.nfields + 1) * sizeof *m->unknown);
    m->unknown_names = calloc(rec.nfields + 1, sizeof *m->unknown_names);
    m->header = as__strndup(rec.raw, rec.raw_len);
    if (!m->known || !m->unknown || !m->unknown_names || !m->header)
        return as__fail(im->db, AS_NOMEM, "out of memory");
    for (size_t c = 0; c < im->ncols; c++)
        m->known[c] = -1;
    m->nfields = rec.nfields;
    for (size_t i = 0; i < rec.nfields; i++) {
        /* Header cells are matched without surrounding spaces or case. */
        char *f = rec.fields[i];
        while (*f == ' ')
            f++;
        size_t len = strlen(f);
        while (len && f[len - 1] == ' ')
            f[--len] = '\0';
        size_t c;
        for (c = 0; c < im->ncols; c++)
            if (strcasecmp(f, im->spec->columns[c]) == 0)
                break;
        if (c < im->ncols) {
            if (m->known[c] >= 0)
                return as__fail(im->db, AS_INVALID, "%s:%llu: column '%s' appears twice", im->name,
                                (unsigned long long)rec.line, im->spec->columns[c]);
            m->known[c] = (int)i;
            continue;
        }
        if (!(im->spec->flags & AS__SPEC_KEEP_UNKNOWN)) {
            as_buf b = {0};
            known_list(im, &b);
            st = as__fail(im->db, AS_INVALID, "%s:%llu: unknown column '%s' (columns: %s)", im->name,
                          (unsigned long long)rec.line, f, b.data ? b.data : "");
            as__buf_free(&b);
            return st;
        }
        if (!f[0])
            return as__fail(im->db, AS_INVALID, "%s:%llu: column %zu has no name", im->name,
                            (unsigned long long)rec.line, i + 1);
        for (size_t u = 0; u < m->nunknown; u++)
            if (strcasecmp(m->unknown_names[u], f) == 0)
                return as__fail(im->db, AS_INVALID, "%s:%llu: column '%s' appears twice", im->name,
                                (unsigned long long)rec.line, f);
        if (!(m->unknown_names[m->nunknown] = as__strdup(f)))
            return as__fail(im->db, AS_NOMEM, "out of memory");
        m->unknown[m->nunknown++] = (int)i;
    }
    for (int c = 0; c < im->spec->nrequired; c++)
        if (m->known[c] < 0)
            return as__fail(im->db, AS_INVALID, "%s:%llu: missing column '%s'", im->name,
                            (unsigned long long)rec.line, im->spec->columns[c]);
    im->header = m->header;
    return AS_OK;
}

/*
 * CSV rows are read in batches.  A batch holds up to BATCH_ROWS records
 * (fewer when their text passes BATCH_BYTES): each record's text and
 * cells copied into one arena, or why the reader refused it.  With one
 * job the calling thread reads a batch, prepares its rows and stores them,
 * batch after batch.  With more, worker threads take turns reading a
 * batch (the reader is sequential: one at a time, under a lock), each
 * prepares the rows of its own batch, and the calling thread stores the
 * batches in the order they were read; a fixed pool of batches bounds
 * what is in flight.  Either way the rows reach the store stage, the
 * duplicate check and on_reject in input order on the calling thread, so
 * the outcome does not depend on the number of jobs.
 */
enum { BATCH_ROWS = 512, BATCH_BYTES = 1 << 20 };
enum { R_ROW, R_REJECT, R_FATAL };

typedef struct brow {
    uint64_t line, bytes;        /* first line; input bytes read after it */
    size_t raw, rawlen;          /* the record's text in the arena */
    size_t extra;                /* unknown columns as JSON in the arena, or SIZE_MAX */
    size_t why;                  /* R_REJECT/R_FATAL: the reason in the arena */
    int kind;
    as_status fatal;             /* R_FATAL: the reader's status */
    prepared pr;
} brow;

typedef struct batch {
    uint64_t seq;
    size_t n;
    int last;                    /* the input ends with this batch */
    int live;                    /* states prepared and not yet released */
    brow *rows;                  /* BATCH_ROWS */
    size_t *celloff;             /* BATCH_ROWS x ncols arena offsets (SIZE_MAX: absent) */
    const char **cellv;          /* the same as pointers, once the batch is read */
    unsigned char *states;       /* BATCH_ROWS x state_size */
    as_buf text, probs;
    struct batch *next;          /* free list */
} batch;

typedef struct csv_in {
    as__import *im;
    as_csv *csv;
    csv_map *m;
    size_t ncols;
} csv_in;

static void batch_free(batch *b)
{
    if (!b)
        return;
    free(b->rows);
    free(b->celloff);
    free(b->cellv);
    free(b->states);
    as__buf_free(&b->text);
    as__buf_free(&b->probs);
    free(b);
}

static batch *batch_new(size_t ncols, size_t state_size)
{
    batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->rows = calloc(BATCH_ROWS, sizeof *b->rows);
    b->celloff = calloc((size_t)BATCH_ROWS * (ncols + 1), sizeof *b->celloff);
    b->cellv = calloc((size_t)BATCH_ROWS * (ncols + 1), sizeof *b->cellv);
    b->states = state_size ? calloc(BATCH_ROWS, state_size) : NULL;
    if (!b->rows || !b->celloff || !b->cellv || (state_size && !b->states)) {
        batch_free(b);
        return NULL;
    }
    return b;
}

/* Append a NUL-terminated copy of s[0, n) to the arena; its offset, or
 * SIZE_MAX out of memory. */
static size_t arena_add(as_buf *a, const char *s, size_t n)
{
    size_t off = a->len;
    if (as__buf_add(a, s, n) < 0 || as__buf_addc(a, '\0') < 0)
        return SIZE_MAX;
    return off;
}

/* Read the next batch of records (or what ends the input) into b. */
static void batch_read(csv_in *ci, batch *b)
{
    as__import *im = ci->im;
    const csv_map *m = ci->m;
    b->n = 0;
    b->last = 0;
    b->text.len = 0;
    as_buf extra = {0};
    while (b->n < BATCH_ROWS && b->text.len < BATCH_BYTES) {
        as_csv_record rec;
        as_status st = as__csv_next(ci->csv, &rec);
        if (st == AS_DONE) {
            b->last = 1;
            break;
        }
        brow *r = &b->rows[b->n];
        memset(r, 0, sizeof *r);
        r->extra = SIZE_MAX;
        r->kind = R_ROW;
        int nomem = 0;
        if (st == AS_INVALID || st != AS_OK) {
            r->kind = st == AS_INVALID ? R_REJECT : R_FATAL;
            r->fatal = st;
            r->line = as__csv_error_line(ci->csv);
            r->why = arena_add(&b->text, as__csv_error(ci->csv), strlen(as__csv_error(ci->csv)));
            nomem = r->why == SIZE_MAX;
            if (st == AS_INVALID && !nomem) {
                r->raw = arena_add(&b->text, rec.raw ? rec.raw : "", rec.raw ? rec.raw_len : 0);
                r->rawlen = rec.raw ? rec.raw_len : 0;
                nomem = r->raw == SIZE_MAX;
            }
        } else {
            r->line = rec.line;
            r->raw = arena_add(&b->text, rec.raw, rec.raw_len);
            r->rawlen = rec.raw_len;
            nomem = r->raw == SIZE_MAX;
            if (!nomem && rec.nfields != m->nfields) {
                char msg[96];
                snprintf(msg, sizeof msg, "has %zu fields, the header has %zu", rec.nfields,
                         m->nfields);
                r->kind = R_REJECT;
                r->why = arena_add(&b->text, msg, strlen(msg));
                nomem = r->why == SIZE_MAX;
            }
            size_t *off = b->celloff + b->n * (ci->ncols + 1);
            for (size_t c = 0; !nomem && r->kind == R_ROW && c < ci->ncols; c++) {
                off[c] = SIZE_MAX;
                if (m->known[c] >= 0) {
                    const char *f = rec.fields[m->known[c]];
                    off[c] = arena_add(&b->text, f, strlen(f));
                    nomem = off[c] == SIZE_MAX;
                }
            }
            if (!nomem && r->kind == R_ROW && (im->spec->flags & AS__SPEC_KEEP_UNKNOWN)) {
                extra.len = 0;
                as__buf_addc(&extra, '{');
                for (size_t u = 0; u < m->nunknown; u++) {
                    if (u)
                        as__buf_addc(&extra, ',');
                    as__json_quote(&extra, m->unknown_names[u]);
                    as__buf_addc(&extra, ':');
                    as__json_quote(&extra, rec.fields[m->unknown[u]]);
                }
                if (as__buf_addc(&extra, '}') < 0)
                    nomem = 1;
                else
                    nomem = (r->extra = arena_add(&b->text, extra.data, extra.len)) == SIZE_MAX;
            }
        }
        r->bytes = as__csv_bytes(ci->csv);
        if (nomem) {
            r->kind = R_FATAL;
            r->fatal = AS_NOMEM;
            r->why = SIZE_MAX;
        }
        b->n++;
        if (r->kind == R_FATAL) {
            b->last = 1;
            break;
        }
    }
    as__buf_free(&extra);
}

/* Turn offsets into pointers and prepare the batch's rows (any thread). */
static void batch_prepare(const as__import_spec *spec, size_t ncols, batch *b)
{
    b->probs.len = 0;
    for (size_t i = 0; i < b->n; i++) {
        brow *r = &b->rows[i];
        const size_t *off = b->celloff + i * (ncols + 1);
        const char **cv = b->cellv + i * (ncols + 1);
        if (r->kind != R_ROW)
            continue;
        for (size_t c = 0; c < ncols; c++)
            cv[c] = off[c] == SIZE_MAX ? NULL : b->text.data + off[c];
        cv[ncols] = NULL;
        if (spec->row)
            continue;
        const char *extra = r->extra == SIZE_MAX ? NULL : b->text.data + r->extra;
        if ((spec->flags & AS__SPEC_KEEP_UNKNOWN) && !extra)
            extra = "{}";
        prepare_one(spec, cv, extra, b->states + i * spec->state_size, &b->probs, &r->pr);
        b->live = 1;
    }
    /* The problem records may have moved while they grew. */
    for (size_t i = 0; i < b->n; i++)
        b->rows[i].pr.probs = &b->probs;
}

static void batch_release(const as__import_spec *spec, batch *b)
{
    if (b->live && spec->release)
        for (size_t i = 0; i < b->n; i++)
            if (b->rows[i].kind == R_ROW)
                spec->release(b->states + i * spec->state_size);
    b->live = 0;
    /* A batch that held a very long record gives the memory back, so the
     * pool keeps about BATCH_BYTES a batch however long records get. */
    if (b->text.cap > 4 * (size_t)BATCH_BYTES)
        as__buf_free(&b->text);
    if (b->probs.cap > 4 * (size_t)BATCH_BYTES)
        as__buf_free(&b->probs);
}

/* Offer the batch's rows that will reach store without a problem known
 * yet to the spec's stage, then write its group (see as__import_spec). */
static as_status batch_stage(as__import *im, size_t ncols, batch *b)
{
    enum { SLOTS = 2 * BATCH_ROWS };
    uint64_t seen[SLOTS] = {0};   /* the keys of the batch's rows so far */
    as_status st = AS_OK;
    as__group_open(im->spec->group);
    for (size_t i = 0; i < b->n && st == AS_OK; i++) {
        brow *r = &b->rows[i];
        if (r->kind != R_ROW || r->pr.status != AS_OK)
            continue;
        const char *key;
        size_t len = row_key(b->cellv[i * (ncols + 1)], &key);
        if (!len)
            continue;
        uint64_t h = key_hash(key, len);
        size_t j = (size_t)h & (SLOTS - 1);
        while (seen[j] && seen[j] != h)
            j = (j + 1) & (SLOTS - 1);
        int repeated = seen[j] == h;
        seen[j] = h;
        if (r->pr.n || (im->keys.slot && keys_find(&im->keys, h)->hash))
            continue;   /* refused, or refused as a repeat */
        if (repeated)
            break;      /* it goes in if its earlier twin is refused: after the
                         * rows before it, so no later row may be grouped */
        st = im->spec->stage(im, b->states + i * im->spec->state_size, im->spec->ctx);
    }
    return st == AS_OK ? as__group_write(im->db, im->spec->group, im->spec->ctx) : st;
}

/* Store a batch's rows in order (the calling thread). */
static as_status batch_store(as__import *im, size_t ncols, batch *b)
{
    as_status st = AS_OK;
    if (im->spec->stage && im->spec->group && im->unique_keys && !im->spec->row)
        st = batch_stage(im, ncols, b);
    for (size_t i = 0; i < b->n && st == AS_OK; i++) {
        brow *r = &b->rows[i];
        im->problems = 0;
        im->line = r->line;
        im->raw_text = b->text.data ? b->text.data + r->raw : "";
        if (r->kind == R_FATAL) {
            if (r->fatal == AS_NOMEM || r->why == SIZE_MAX)
                return as__fail(im->db, AS_NOMEM, "out of memory");
            return as__fail(im->db, r->fatal, "%s:%llu: %s", im->name,
                            (unsigned long long)r->line, b->text.data + r->why);
        }
        if (r->kind == R_REJECT) {
            reject_whole(im, b->text.data + r->why);
        } else {
            const char *extra = r->extra == SIZE_MAX ? NULL : b->text.data + r->extra;
            st = take_row(im, b->cellv + i * (ncols + 1), extra, im->spec->row ? NULL : &r->pr);
        }
        if (im->opts->on_progress && im->stats.rows % 4096 == 0)
            im->opts->on_progress(im->opts->userdata, im->stats.rows, r->bytes);
    }
    return st;
}

/* ---- the threaded pipeline -------------------------------------------- */

typedef struct pipeline {
    csv_in *ci;
    pthread_mutex_t mu;          /* the pool, the ready slots, stop */
    pthread_cond_t freed, ready;
    pthread_mutex_t read_mu;     /* the reader and next_seq, eof */
    batch *pool;                 /* free batches */
    batch **slot;                /* read and prepared, by seq % nslots */
    size_t nslots;
    uint64_t next_seq;
    int eof;                     /* the last batch has been read */
    int stop;                    /* the store stage is done */
} pipeline;

static void *worker_main(void *arg)
{
    pipeline *p = arg;
    const as__import_spec *spec = p->ci->im->spec;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->pool && !p->stop)
            pthread_cond_wait(&p->freed, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        batch *b = p->pool;
        p->pool = b->next;
        pthread_mutex_unlock(&p->mu);

        pthread_mutex_lock(&p->read_mu);
        int done = p->eof;
        if (!done) {
            b->seq = p->next_seq++;
            batch_read(p->ci, b);
            p->eof = b->last;
        }
        pthread_mutex_unlock(&p->read_mu);
        if (!done)
            batch_prepare(spec, p->ci->ncols, b);

        pthread_mutex_lock(&p->mu);
        if (done) {
            b->next = p->pool;
            p->pool = b;
        } else {
            p->slot[b->seq % p->nslots] = b;
            pthread_cond_broadcast(&p->ready);
        }
        pthread_mutex_unlock(&p->mu);
        if (done)
            return NULL;
    }
}

static as_status run_threaded(csv_in *ci, int workers)
{
    as__import *im = ci->im;
    pipeline p = {.ci = ci, .nslots = (size_t)workers * 2 + 2};
    pthread_t tid[64];
    int started = 0;
    as_status st = AS_OK;
    p.slot = calloc(p.nslots, sizeof *p.slot);
    if (!p.slot)
        return as__fail(im->db, AS_NOMEM, "out of memory");
    for (size_t i = 0; i < p.nslots; i++) {
        batch *b = batch_new(ci->ncols, im->spec->state_size);
        if (!b) {
            st = as__fail(im->db, AS_NOMEM, "out of memory");
            break;
        }
        b->next = p.pool;
        p.pool = b;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_mutex_init(&p.read_mu, NULL);
    pthread_cond_init(&p.freed, NULL);
    pthread_cond_init(&p.ready, NULL);
    for (int i = 0; st == AS_OK && i < workers; i++) {
        if (pthread_create(&tid[i], NULL, worker_main, &p) != 0) {
            if (!started)
                st = as__fail(im->db, AS_INTERNAL, "cannot start an import thread");
            break;   /* fewer workers still finish the input */
        }
        started++;
    }
    for (uint64_t seq = 0; st == AS_OK; seq++) {
        pthread_mutex_lock(&p.mu);
        batch *b;
        while (!(b = p.slot[seq % p.nslots]) || b->seq != seq)
            pthread_cond_wait(&p.ready, &p.mu);
        p.slot[seq % p.nslots] = NULL;
        pthread_mutex_unlock(&p.mu);
        st = batch_store(im, ci->ncols, b);
        int last = b->last;
        batch_release(im->spec, b);
        pthread_mutex_lock(&p.mu);
        b->next = p.pool;
        p.pool = b;
        pthread_cond_signal(&p.freed);
        pthread_mutex_unlock(&p.mu);
        if (last)
            break;
    }
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.freed);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    for (size_t i = 0; i < p.nslots; i++)
        if (p.slot[i]) {
            batch_release(im->spec, p.slot[i]);
            p.slot[i]->next = p.pool;
            p.pool = p.slot[i];
        }
    while (p.pool) {
        batch *b = p.pool;
        p.pool = b->next;
        batch_free(b);
    }
    free(p.slot);
    pthread_mutex_destroy(&p.mu);
    pthread_mutex_destroy(&p.read_mu);
    pthread_cond_destroy(&p.freed);
    pthread_cond_destroy(&p.ready);
    return st;
}

static as_status import_csv(as__import *im, FILE *in)
{
    char err[256];
    as_csv *csv = NULL;
    as_status st = as__csv_open(&csv, in, im->name, im->opts->encoding, err, sizeof err);
    if (st != AS_OK)
        return as__fail(im->db, st, "%s", st == AS_NOMEM ? "out of memory" : err);
    if (im->delimiter)
        as__csv_set_delimiter(csv, im->delimiter);   /* checked by as__import_run */
    csv_map m = {0};
    st = read_header(im, csv, &m);
    im->delimiter = as__csv_delimiter(csv);   /* as read: for the rejects */
    csv_in ci = {im, csv, &m, im->ncols};
    if (st == AS_OK && im->jobs > 1 && !im->spec->row) {
        st = run_threaded(&ci, im->jobs - 1);
    } else if (st == AS_OK) {
        batch *b = batch_new(im->ncols, im->spec->row ? 0 : im->spec->state_size);
        if (!b)
            st = as__fail(im->db, AS_NOMEM, "out of memory");
        for (int last = 0; st == AS_OK && !last;) {
            batch_read(&ci, b);
            batch_prepare(im->spec, im->ncols, b);
            st = batch_store(im, im->ncols, b);
            last = b->last;
            batch_release(im->spec, b);
        }
        batch_free(b);
    }
    im->header = NULL;
    map_free(&m);
    as__csv_free(csv);
    return st;
}

/* ---- JSON Lines ----------------------------------------------------- */

/* Map one JSON object's keys to cells.  The line is parsed by the
 * library's own reader (no database access: the pure stage of an import
 * can run it anywhere): numbers reach the row function as the text they
 * were written in, so money and ids are read exactly as in CSV; a key
 * twice in one object is an error. */
static as_status import_json_line(as__import *im, const char *line, size_t len, char **cells)
{
    as_db *db = im->db;
    size_t bad;
    char msg[200], why[160];
    if (as_utf8_check(line, len, &bad) != AS_OK) {
        snprintf(msg, sizeof msg, "%s at byte %zu", line[bad] ? "invalid UTF-8" : "a NUL byte",
                 bad + 1);
        reject_whole(im, msg);
        return AS_OK;
    }
    as__json *obj = NULL;
    as_status st = as__json_parse_ex(line, len, AS__JSON_UNIQUE_KEYS, &obj, why, sizeof why);
    if (st == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (st != AS_OK || obj->type != AS__J_OBJECT) {
        if (st == AS_OK)
            snprintf(msg, sizeof msg, "is not a JSON object");
        else
            snprintf(msg, sizeof msg, "is not valid JSON: %s", why);
        as__json_free(obj);
        reject_whole(im, msg);
        return AS_OK;
    }

    as_status result = AS_OK;
    size_t nextra = 0;
    as_buf nested = {0};
    im->extra.len = 0;
    as__buf_addc(&im->extra, '{');
    for (size_t k = 0; k < obj->n && result == AS_OK; k++) {
        const char *key = obj->keys[k];
        const as__json *val = &obj->items[k];
        size_t c;
        for (c = 0; c < im->ncols; c++)
            if (strcmp(key, im->spec->columns[c]) == 0)
                break;
        const char *field = c < im->ncols ? im->spec->columns[c] : key;
        const char *v = NULL;
        switch (val->type) {
        case AS__J_NULL:
            break;
        case AS__J_BOOL:
            v = val->b ? "yes" : "no";
            break;
        case AS__J_NUMBER:
            v = val->str;    /* the literal text, never a double */
            break;
        case AS__J_STRING:
            if (strlen(val->str) != val->len) {
                as__import_problem(im, field, "holds a NUL character (\\u0000)");
                continue;
            }
            v = val->str;
            break;
        case AS__J_ARRAY:
        case AS__J_OBJECT:
            if (!((im->opts->flags & AS__IMPORT_NESTED) && c < im->ncols)) {
                as__import_problem(im, field, "must be a string, number or boolean");
                continue;
            }
            nested.len = 0;
            if (as__json_write(&nested, val) < 0 || as__buf_addc(&nested, '\0') < 0) {
                result = as__fail(db, AS_NOMEM, "out of memory");
                continue;
            }
            v = nested.data;
            break;
        }
        if (c == im->ncols) {
            if (!(im->spec->flags & AS__SPEC_KEEP_UNKNOWN)) {
                snprintf(msg, sizeof msg, "unknown key '%.60s'", key);
                as__import_problem(im, NULL, msg);
            } else if (v) {
                if (nextra++)
                    as__buf_addc(&im->extra, ',');
                as__json_quote(&im->extra, key);
                as__buf_addc(&im->extra, ':');
                as__json_quote(&im->extra, v);
            }
            continue;
        }
        if (!v)
            continue;
        free(cells[c]);
        if (!(cells[c] = as__strdup(v)))
            result = as__fail(db, AS_NOMEM, "out of memory");
    }
    as__buf_free(&nested);
    as__json_free(obj);
    if (as__buf_addc(&im->extra, '}') < 0 && result == AS_OK)
        result = as__fail(db, AS_NOMEM, "out of memory");
    if (result != AS_OK)
        return result;
    /* An absent key is an empty cell, but every row needs its key. */
    if (!cells[0] && !im->problems)
        as__import_problem(im, im->spec->columns[0], "is missing");
    if (im->problems) {
        im->stats.rows++;
        im->stats.rejected++;
        return AS_OK;
    }
    return take_row(im, (const char *const *)cells, im->extra.data, NULL);
}

/* A line reader with a bound: a line longer than AS_CSV_MAX_RECORD bytes
 * (the record limit of CSV too) is read through to its end but not kept,
 * so memory stays bounded whatever the input. */
typedef struct line_reader {
    FILE *in;
    char buf[65536];
    size_t pos, end;
    int eof;
} line_reader;

/* The next line (without its '\n') into *line; *too_long when it was
 * longer than the bound (line then empty).  Returns 1 for a line, 0 at
 * the end of input, -1 when out of memory.  *bytes counts input bytes. */
static int read_line(line_reader *r, as_buf *line, int *too_long, uint64_t *bytes)
{
    line->len = 0;
    *too_long = 0;
    int any = 0;
    for (;;) {
        if (r->pos == r->end) {
            if (r->eof)
                break;
            r->pos = 0;
            r->end = fread(r->buf, 1, sizeof r->buf, r->in);
            if (r->end == 0) {
                r->eof = 1;
                break;
            }
        }
        any = 1;
        const char *start = r->buf + r->pos;
        const char *nl = memchr(start, '\n', r->end - r->pos);
        size_t n = nl ? (size_t)(nl - start) : r->end - r->pos;
        r->pos += n + (nl != NULL);
        *bytes += n + (nl != NULL);
        if (!*too_long) {
            if (line->len + n > AS_CSV_MAX_RECORD) {
                *too_long = 1;
                line->len = 0;
            } else if (as__buf_add(line, start, n) < 0) {
                return -1;
            }
        }
        if (nl)
            break;
    }
    if (!any)
        return 0;
    if (as__buf_addc(line, '\0') < 0)
        return -1;
    line->len--;
    return 1;
}

static as_status import_jsonl(as__import *im, FILE *in)
{
    line_reader *r = calloc(1, sizeof *r);
    as_buf line = {0};
    uint64_t lineno = 0, bytes = 0;
    as_status st = AS_OK;
    char **cells = calloc(im->ncols + 1, sizeof *cells);
    if (!cells || !r) {
        free(cells);
        free(r);
        return as__fail(im->db, AS_NOMEM, "out of memory");
    }
    r->in = in;
    int got, too_long;
    while (st == AS_OK && (got = read_line(r, &line, &too_long, &bytes)) != 0) {
        if (got < 0) {
            st = as__fail(im->db, AS_NOMEM, "out of memory");
            break;
        }
        lineno++;
        size_t len = line.len;
        char *p = line.data;
        im->line = lineno;
        im->problems = 0;
        if (too_long) {
            char msg[120];
            im->raw_text = "";
            snprintf(msg, sizeof msg, "the line is longer than %d MiB (the limit of one record)",
                     AS_CSV_MAX_RECORD >> 20);
            reject_whole(im, msg);
            progress(im, bytes);
            continue;
        }
        if (lineno == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3;
            len -= 3;
        }
        while (len && p[len - 1] == '\r')
            p[--len] = '\0';
        size_t i = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (i == len)
            continue;   /* a blank line */
        im->raw_text = p;
        for (size_t c = 0; c < im->ncols; c++) {
            free(cells[c]);
            cells[c] = NULL;
        }
        st = import_json_line(im, p, len, cells);
        progress(im, bytes);
    }
    if (st == AS_OK && ferror(in))
        st = as__fail(im->db, AS_IO, "%s: read error", im->name);
    for (size_t c = 0; c < im->ncols; c++)
        free(cells[c]);
    free(cells);
    as__buf_free(&line);
    free(r);
    return st;
}

as_status as__import_run(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                         const as__import_spec *spec, as_import_stats *stats)
{
    return as__import_run_ex(db, in, name, opts, spec, NULL, stats);
}

as_status as__import_run_ex(as_db *db, FILE *in, const char *name,
                            const as_import_options *opts, const as__import_spec *spec,
                            as_status (*finish)(as__import *im, void *ctx),
                            as_import_stats *stats)
{
    static const as_import_options defaults = AS_IMPORT_OPTIONS_INIT;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!db || !in)
        return db ? as__fail(db, AS_MISUSE, "import: NULL argument") : AS_MISUSE;
    if (!opts)
        opts = &defaults;
    if (opts->version < 1 || opts->version > AS_IMPORT_OPTIONS_VERSION)
        return as__fail(db, AS_MISUSE, "import: unknown options version %u", opts->version);
    if ((opts->flags & AS_IMPORT_JSONL) && opts->encoding && strcasecmp(opts->encoding, "utf-8") &&
        strcasecmp(opts->encoding, "utf8"))
        return as__fail(db, AS_INVALID, "JSON Lines input must be UTF-8");
    /* Only version 2 and later have the field. */
    char delim = opts->version >= 2 ? opts->delimiter : 0;
    if (delim && delim != ',' && delim != '\t' && delim != ';' && delim != '|') {
        unsigned char b = (unsigned char)delim;
        if (isprint(b))
            return as__fail(db, AS_INVALID, "delimiter '%c' is not one of ',', TAB, ';' or '|'",
                            delim);
        return as__fail(db, AS_INVALID, "delimiter byte 0x%02X is not one of ',', TAB, ';' or '|'",
                        b);
    }
    if (delim && (opts->flags & AS_IMPORT_JSONL))
        return as__fail(db, AS_INVALID, "a delimiter applies to CSV, not to JSON Lines");

    as__import im = {.db = db, .name = name ? name : "-", .opts = opts, .spec = spec,
                     .last_inserted = 1, .delimiter = delim,
                     .unique_keys = wants_unique_keys(spec)};
    while (spec->columns[im.ncols])
        im.ncols++;
    if (opts->version >= 3 && (opts->jobs < 0 || opts->jobs > 1024))
        return as__fail(db, AS_INVALID, "jobs: %d is not a number of threads (0 for one per"
                        " processor, 1 to 64)", opts->jobs);
    im.jobs = as__import_jobs(opts->version >= 3 ? opts->jobs : 0);
    if (!spec->row && !(im.one_state = calloc(1, spec->state_size ? spec->state_size : 1)))
        return as__fail(db, AS_NOMEM, "out of memory");
    as_status st = as__write_begin(db);
    if (st != AS_OK) {
        free(im.one_state);
        return st;
    }
    st = (opts->flags & AS_IMPORT_JSONL) ? import_jsonl(&im, in) : import_csv(&im, in);
    if (st == AS_OK && finish) {
        uint64_t rejected = im.stats.rejected;
        st = finish(&im, spec->ctx);
        if (st == AS_OK && im.stats.rejected != rejected)
            st = as__fail(db, AS_INVALID, "%s: %llu rows have problems found at the end of"
                          " the input; nothing imported", im.name,
                          (unsigned long long)(im.stats.rejected - rejected));
        if (st != AS_OK)
            im.stats.inserted = im.stats.updated = im.stats.unchanged = 0;
    }
    as__buf_free(&im.extra);
    as__buf_free(&im.one_probs);
    free(im.one_state);
    free(im.keys.slot);
    if (stats)
        *stats = im.stats;
    if (st != AS_OK)
        return as__write_end(db, st);
    if (im.stats.rejected && !(opts->flags & AS_IMPORT_SKIP_BAD)) {
        as_rollback(db);
        if (stats)
            stats->inserted = stats->updated = stats->unchanged = 0;
        return as__fail(db, AS_INVALID, "%s: %llu of %llu rows rejected; nothing imported",
                        im.name, (unsigned long long)im.stats.rejected,
                        (unsigned long long)im.stats.rows);
    }
    if (opts->flags & AS_IMPORT_DRY_RUN) {
        as_rollback(db);
        as__ok(db);
        return AS_OK;
    }
    return as__write_end(db, AS_OK);
}
