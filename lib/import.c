/* import.c - the import driver shared by every bulk import. */
#include "import.h"
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    as_buf raw;                  /* the current CSV record's text, NUL-terminated */
    char delimiter;              /* CSV: the caller's, or 0 to detect */
    int unique_keys;             /* reject a key seen earlier in the input */
    key_set keys;
    uint64_t late_line;          /* the row of the last late problem, or 0 */
};

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

/* Keep the record's text (the reader's is not NUL-terminated). */
static void set_raw(as__import *im, const char *raw, size_t len)
{
    im->raw.len = 0;
    if (raw && as__buf_add(&im->raw, raw, len) == 0)
        im->raw_text = im->raw.data;
    else
        im->raw_text = "";
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

/* Hand a mapped row to the spec and count its outcome. */
static as_status take_row(as__import *im, const char *const *cells)
{
    key_slot *slot = NULL;
    uint64_t hash = 0;
    if (im->unique_keys && cells[0]) {
        const char *key = cells[0];
        size_t len = strlen(key);
        while (len && *key == ' ') {
            key++;
            len--;
        }
        while (len && key[len - 1] == ' ')
            len--;
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
        extra = im->extra.data ? im->extra.data : "{}";
    as_status st = im->spec->row(im, cells, extra, &res, im->spec->ctx);
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
    const char **cells = calloc(im->ncols + 1, sizeof *cells);
    st = cells ? read_header(im, csv, &m) : as__fail(im->db, AS_NOMEM, "out of memory");
    im->delimiter = as__csv_delimiter(csv);   /* as read: for the rejects */
    as_csv_record rec;
    while (st == AS_OK) {
        st = as__csv_next(csv, &rec);
        if (st == AS_DONE) {
            st = AS_OK;
            break;
        }
        im->problems = 0;
        if (st == AS_INVALID) {
            /* A record the reader could not take: reject it and go on. */
            im->line = as__csv_error_line(csv);
            set_raw(im, rec.raw, rec.raw_len);
            reject_whole(im, as__csv_error(csv));
            st = AS_OK;
            continue;
        }
        if (st != AS_OK) {
            st = as__fail(im->db, st, "%s:%llu: %s", im->name,
                          (unsigned long long)as__csv_error_line(csv), as__csv_error(csv));
            break;
        }
        im->line = rec.line;
        set_raw(im, rec.raw, rec.raw_len);
        if (rec.nfields != m.nfields) {
            char msg[96];
            snprintf(msg, sizeof msg, "has %zu fields, the header has %zu", rec.nfields, m.nfields);
            reject_whole(im, msg);
            continue;
        }
        for (size_t c = 0; c < im->ncols; c++)
            cells[c] = m.known[c] >= 0 ? rec.fields[m.known[c]] : NULL;
        if (im->spec->flags & AS__SPEC_KEEP_UNKNOWN) {
            im->extra.len = 0;
            as__buf_addc(&im->extra, '{');
            for (size_t u = 0; u < m.nunknown; u++) {
                if (u)
                    as__buf_addc(&im->extra, ',');
                as__json_quote(&im->extra, m.unknown_names[u]);
                as__buf_addc(&im->extra, ':');
                as__json_quote(&im->extra, rec.fields[m.unknown[u]]);
            }
            if (as__buf_addc(&im->extra, '}') < 0) {
                st = as__fail(im->db, AS_NOMEM, "out of memory");
                break;
            }
        }
        st = take_row(im, cells);
        progress(im, as__csv_bytes(csv));
    }
    im->header = NULL;
    map_free(&m);
    free(cells);
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
    return take_row(im, (const char *const *)cells);
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
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
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
    as__buf_free(&im.raw);
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
