/* user_import.c - bulk upsert of users from CSV or JSON Lines. */
#include "user.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { COL_USER_ID, COL_NAME, COL_PHONE, COL_REGION, COL_CONSENT_MARKETING,
       COL_CONSENT_SERVICE, COL_QUIET_HOURS, COL_BETA_TESTER, NCOLS };

static const char *const col_names[NCOLS] = {
    "user_id", "name", "phone", "region", "consent_marketing", "consent_service",
    "quiet_hours", "beta_tester",
};
enum { NREQUIRED = 4 };   /* the first four columns must be present */

/* State of one import. */
typedef struct importer {
    as_db *db;
    const char *name;
    const as_import_options *opts;
    as_import_stats stats;
    uint64_t line;           /* the current record's first line */
    int last_inserted;       /* the previous row was new: try inserting first */
    const char *raw;         /* the current record's text */
    int row_bad;             /* problems reported for the current row */
} importer;

/* Report one problem of the current row. */
static void problem(void *ctx, const char *field, const char *reason)
{
    importer *im = ctx;
    if (im->opts->on_reject)
        im->opts->on_reject(im->opts->userdata, im->name, im->line, field, reason,
                            im->raw ? im->raw : "", !im->row_bad);
    im->row_bad++;
}

/* Fill an input struct from cell texts (NULL = column absent). */
static void cells_to_input(importer *im, const char *const cell[NCOLS], as_user_input *in)
{
    char msg[160];
    in->user_id = cell[COL_USER_ID];
    if (cell[COL_NAME] && cell[COL_NAME][0]) {
        in->fields |= AS_USER_NAME;
        in->name = cell[COL_NAME];
    }
    if (cell[COL_PHONE] && cell[COL_PHONE][0]) {
        in->fields |= AS_USER_PHONE;
        in->phone = cell[COL_PHONE];
    }
    if (cell[COL_REGION] && cell[COL_REGION][0]) {
        in->fields |= AS_USER_REGION;
        in->region = cell[COL_REGION];
    }
    static const struct { int col; unsigned bit; } bools[] = {
        {COL_CONSENT_MARKETING, AS_USER_CONSENT_MARKETING},
        {COL_CONSENT_SERVICE, AS_USER_CONSENT_SERVICE},
        {COL_BETA_TESTER, AS_USER_BETA_TESTER},
    };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        const char *c = cell[bools[i].col];
        if (!c || !c[0])
            continue;
        int v = as__parse_bool(c);
        if (v < 0) {
            snprintf(msg, sizeof msg, "'%.40s' is not yes or no", c);
            problem(im, col_names[bools[i].col], msg);
            continue;
        }
        in->fields |= bools[i].bit;
        if (bools[i].col == COL_CONSENT_MARKETING)
            in->consent_marketing = v;
        else if (bools[i].col == COL_CONSENT_SERVICE)
            in->consent_service = v;
        else
            in->beta_tester = v;
    }
    const char *q = cell[COL_QUIET_HOURS];
    if (q && q[0]) {
        if (strcasecmp(q, "none") == 0) {
            in->fields |= AS_USER_QUIET_HOURS;
            in->quiet_start = in->quiet_end = -1;
        } else if (as_quiet_hours_parse(q, &in->quiet_start, &in->quiet_end) == AS_OK) {
            in->fields |= AS_USER_QUIET_HOURS;
        } else {
            snprintf(msg, sizeof msg, "'%.40s' is not a window such as 22:00-08:00", q);
            problem(im, "quiet_hours", msg);
        }
    }
}

/* Validate and write one row; counts it.  Returns AS_OK for a good or a
 * rejected row, or a failure that stops the import. */
static as_status import_row(importer *im, const char *const cell[NCOLS])
{
    as_user_input in = AS_USER_INPUT_INIT;
    cells_to_input(im, cell, &in);
    as__user_norm n;
    as_status st = as__user_normalize(&in, &n, problem, im);
    if (st == AS_OK && !im->row_bad) {
        as_upsert res = AS_UPSERT_UNCHANGED;
        st = as__user_write(im->db, &n, AS__USER_UPSERT, im->last_inserted, &res, problem, im);
        if (st == AS_OK) {
            im->last_inserted = res == AS_UPSERT_INSERTED;
            if (res == AS_UPSERT_INSERTED)
                im->stats.inserted++;
            else if (res == AS_UPSERT_UPDATED)
                im->stats.updated++;
            else
                im->stats.unchanged++;
        }
    }
    as__user_norm_free(&n);
    if (st == AS_INVALID || (st == AS_OK && im->row_bad)) {
        im->stats.rejected++;
        st = AS_OK;
    }
    im->stats.rows++;
    return st;
}

/* ---- CSV ----------------------------------------------------------- */

static as_status read_header(importer *im, as_csv *csv, int map[NCOLS], size_t *ncols)
{
    as_csv_record rec;
    as_status st = as__csv_next(csv, &rec);
    if (st == AS_DONE)
        return as__fail(im->db, AS_INVALID, "%s: empty file: expected a header line (%s, ...)",
                        im->name, "user_id,name,phone,region");
    if (st != AS_OK)
        return as__fail(im->db, st, "%s:%llu: %s", im->name,
                        (unsigned long long)as__csv_error_line(csv), as__csv_error(csv));
    for (int c = 0; c < NCOLS; c++)
        map[c] = -1;
    for (size_t i = 0; i < rec.nfields; i++) {
        /* Header cells are matched without surrounding spaces and case. */
        char *f = rec.fields[i];
        while (*f == ' ')
            f++;
        size_t len = strlen(f);
        while (len && f[len - 1] == ' ')
            f[--len] = '\0';
        int found = -1;
        for (int c = 0; c < NCOLS; c++)
            if (strcasecmp(f, col_names[c]) == 0)
                found = c;
        if (found < 0)
            return as__fail(im->db, AS_INVALID,
                            "%s:%llu: unknown column '%s' (columns: user_id, name, phone, region,"
                            " consent_marketing, consent_service, quiet_hours, beta_tester)",
                            im->name, (unsigned long long)rec.line, f);
        if (map[found] >= 0)
            return as__fail(im->db, AS_INVALID, "%s:%llu: column '%s' appears twice", im->name,
                            (unsigned long long)rec.line, col_names[found]);
        map[found] = (int)i;
    }
    for (int c = 0; c < NREQUIRED; c++)
        if (map[c] < 0)
            return as__fail(im->db, AS_INVALID, "%s:%llu: missing column '%s'", im->name,
                            (unsigned long long)rec.line, col_names[c]);
    *ncols = rec.nfields;
    return AS_OK;
}

static as_status import_csv(importer *im, FILE *in)
{
    char err[256];
    as_csv *csv = NULL;
    as_status st = as__csv_open(&csv, in, im->name, im->opts->encoding, err, sizeof err);
    if (st != AS_OK)
        return as__fail(im->db, st, "%s", st == AS_NOMEM ? "out of memory" : err);
    int map[NCOLS];
    size_t ncols = 0;
    st = read_header(im, csv, map, &ncols);
    as_csv_record rec;
    while (st == AS_OK) {
        st = as__csv_next(csv, &rec);
        if (st == AS_DONE) {
            st = AS_OK;
            break;
        }
        im->row_bad = 0;
        if (st == AS_INVALID) {
            /* A record the reader could not take: reject it, go on. */
            im->line = as__csv_error_line(csv);
            im->raw = NULL;
            problem(im, NULL, as__csv_error(csv));
            im->stats.rows++;
            im->stats.rejected++;
            st = AS_OK;
            continue;
        }
        if (st != AS_OK) {
            st = as__fail(im->db, st, "%s:%llu: %s", im->name,
                          (unsigned long long)as__csv_error_line(csv), as__csv_error(csv));
            break;
        }
        im->line = rec.line;
        im->raw = rec.raw;
        if (rec.nfields != ncols) {
            char msg[96];
            snprintf(msg, sizeof msg, "has %zu fields, the header has %zu", rec.nfields, ncols);
            problem(im, NULL, msg);
            im->stats.rows++;
            im->stats.rejected++;
            continue;
        }
        const char *cell[NCOLS];
        for (int c = 0; c < NCOLS; c++)
            cell[c] = map[c] >= 0 ? rec.fields[map[c]] : NULL;
        st = import_row(im, cell);
        if (st == AS_OK && im->opts->on_progress && im->stats.rows % 4096 == 0)
            im->opts->on_progress(im->opts->userdata, im->stats.rows, as__csv_bytes(csv));
    }
    as__csv_free(csv);
    return st;
}

/* ---- JSON Lines ----------------------------------------------------- */

/* Parse one line with SQLite's JSON functions: every top-level key must be
 * a known column with a string, number, boolean or null value. */
static as_status import_json_line(importer *im, const char *line, size_t len)
{
    static const char type_sql[] = "SELECT json_valid(?1), json_type(?1)";
    static const char each_sql[] = "SELECT key, type, value FROM json_each(?1)";
    as_db *db = im->db;
    size_t bad;
    if (as_utf8_check(line, len, &bad) != AS_OK) {
        char msg[96];
        snprintf(msg, sizeof msg, "invalid UTF-8 at byte %zu", bad + 1);
        problem(im, NULL, msg);
        im->stats.rows++;
        im->stats.rejected++;
        return AS_OK;
    }
    sqlite3_stmt *st = as__stmt(db, type_sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, line, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int valid = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    const char *type = valid ? (const char *)sqlite3_column_text(st, 1) : NULL;
    int object = type && strcmp(type, "object") == 0;
    sqlite3_reset(st);
    if (!object) {
        problem(im, NULL, valid ? "is not a JSON object" : "is not valid JSON");
        im->stats.rows++;
        im->stats.rejected++;
        return AS_OK;
    }

    char *cell[NCOLS] = {0};
    sqlite3_stmt *each = as__stmt(db, each_sql);
    if (!each)
        return AS_INTERNAL;
    sqlite3_bind_text(each, 1, line, (int)len, SQLITE_STATIC);
    as_status result = AS_OK;
    while ((rc = sqlite3_step(each)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(each, 0);
        const char *vtype = (const char *)sqlite3_column_text(each, 1);
        int c;
        for (c = 0; c < NCOLS; c++)
            if (key && strcmp(key, col_names[c]) == 0)
                break;
        char msg[160];
        if (c == NCOLS) {
            snprintf(msg, sizeof msg, "unknown key '%.60s'", key ? key : "");
            problem(im, NULL, msg);
            continue;
        }
        if (strcmp(vtype, "null") == 0)
            continue;
        if (strcmp(vtype, "object") == 0 || strcmp(vtype, "array") == 0) {
            problem(im, col_names[c], "must be a string, number or boolean");
            continue;
        }
        const char *v = strcmp(vtype, "true") == 0    ? "yes"
                        : strcmp(vtype, "false") == 0 ? "no"
                                                      : (const char *)sqlite3_column_text(each, 2);
        free(cell[c]);
        if (!(cell[c] = as__strdup(v ? v : ""))) {
            result = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
    }
    if (result == AS_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        result = as__sqlfail(db, rc, "reading JSON");
    sqlite3_reset(each);
    if (result == AS_OK) {
        if (im->row_bad) {
            im->stats.rows++;
            im->stats.rejected++;
        } else {
            result = import_row(im, (const char *const *)cell);
        }
    }
    for (int c = 0; c < NCOLS; c++)
        free(cell[c]);
    return result;
}

static as_status import_jsonl(importer *im, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0, bytes = 0;
    as_status st = AS_OK;
    while (st == AS_OK && (n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        bytes += (uint64_t)n;
        size_t len = (size_t)n;
        char *p = line;
        if (lineno == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3;
            len -= 3;
        }
        while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
            p[--len] = '\0';
        size_t i = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (i == len)
            continue;   /* blank line */
        im->line = lineno;
        im->raw = p;
        im->row_bad = 0;
        if (memchr(p, '\0', len)) {
            problem(im, NULL, "contains a NUL byte");
            im->stats.rows++;
            im->stats.rejected++;
            continue;
        }
        st = import_json_line(im, p, len);
        if (st == AS_OK && im->opts->on_progress && im->stats.rows % 4096 == 0)
            im->opts->on_progress(im->opts->userdata, im->stats.rows, bytes);
    }
    if (st == AS_OK && ferror(in))
        st = as__fail(im->db, AS_IO, "%s: read error", im->name);
    free(line);
    return st;
}

as_status as_user_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                         as_import_stats *stats)
{
    static const as_import_options defaults = AS_IMPORT_OPTIONS_INIT;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!db || !in)
        return db ? as__fail(db, AS_MISUSE, "as_user_import: NULL argument") : AS_MISUSE;
    if (!opts)
        opts = &defaults;
    if (opts->version != AS_IMPORT_OPTIONS_VERSION)
        return as__fail(db, AS_MISUSE, "as_user_import: unknown options version");
    if ((opts->flags & AS_IMPORT_JSONL) && opts->encoding && strcasecmp(opts->encoding, "utf-8") &&
        strcasecmp(opts->encoding, "utf8"))
        return as__fail(db, AS_INVALID, "JSON Lines input must be UTF-8");

    importer im = {.db = db, .name = name ? name : "-", .opts = opts, .last_inserted = 1};
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    st = (opts->flags & AS_IMPORT_JSONL) ? import_jsonl(&im, in) : import_csv(&im, in);
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
