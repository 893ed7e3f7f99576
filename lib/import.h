/* import.h - internal: the one import driver behind every bulk import
 * (users now; feedback, fueling records, ... later).
 *
 * The driver reads CSV (through the shared CSV reader) or JSON Lines, maps
 * header columns (or JSON keys) to the spec's known columns, hands each row
 * to the spec's row function as text cells, counts the outcome, reports
 * every problem with its file and physical line, and runs the whole input
 * as one transaction: committed at the end, or rolled back for a dry run or
 * when a row was bad without AS_IMPORT_SKIP_BAD.
 *
 * Duplicate keys: the driver remembers the key (columns[0], trimmed of
 * surrounding ASCII spaces) of every row the row function took, as a 64-bit
 * hash with the row's first line in an open-addressing table (16-byte
 * slots, at most 3/4 full: 21 to 43 bytes a row, whatever the key's
 * length, and half as much again while the table doubles; 32 MiB for a
 * million rows).  A later row with a remembered key is rejected before the row
 * function sees it: "<key column>: 'F1' is also on line 17".  A rejected
 * row's key is not remembered, so a good row after a bad one with the same
 * key is taken.  Two different keys with the same hash (probability about
 * n^2/2^65 for n rows) would be a false report.
 */
#ifndef AS_IMPORT_H
#define AS_IMPORT_H

#include "internal.h"

typedef struct as__import as__import;
typedef struct as__prep as__prep;

/* Bits of as__import_spec.flags.  (The field was an int keep_unknown, so
 * a spec written {cols, n, 1, row, ctx} still means AS__SPEC_KEEP_UNKNOWN.) */
#define AS__SPEC_KEEP_UNKNOWN 0x1u  /* unknown columns are passed on, not refused */
#define AS__SPEC_REPEAT_KEYS  0x2u  /* the key may repeat within one input: no
                                     * duplicate check (columns[0] is not an id) */

typedef struct as__import_spec {
    const char *const *columns;  /* known column names, NULL-terminated */
    int nrequired;               /* the first nrequired columns must be in a CSV
                                  * header; columns[0] is the row's key, which a
                                  * JSON Lines object must have */
    unsigned flags;              /* AS__SPEC_* */
    /*
     * Handle one row.  cells[i] is the text of columns[i] (NULL when the
     * column is absent; "" when the cell is empty).  extra is a JSON object
     * of the unknown columns ("{}" when none; only with AS__SPEC_KEEP_UNKNOWN).
     * Unless AS__SPEC_REPEAT_KEYS, a row whose key was already imported
     * from this input is rejected by the driver and never gets here.
     * Report problems with as__import_problem(); a row with problems counts
     * as rejected whatever is returned.  Set *result for a good row.
     * Return AS_OK, or a failure that stops the import.
     */
    as_status (*row)(as__import *im, const char *const *cells, const char *extra,
                     as_upsert *result, void *ctx);
    void *ctx;
    /*
     * A two-stage spec sets row to NULL and these instead; the driver can
     * then run the pure stage of many rows on worker threads (the jobs of
     * as_import_options) while the calling thread stores rows in order.
     *
     * prepare: the pure stage of one row.  It may read the cells, extra
     *   and the immutable parts of ctx, and must not touch the database or
     *   anything another row's prepare writes: it runs on any thread, for
     *   rows in any order.  It fills *state (state_size bytes, zeroed
     *   before the call; the cells and extra stay valid until the row is
     *   stored) and reports the row's problems with as__prep_problem().
     *   Returns AS_OK, or AS_NOMEM (the import then fails at that row).
     * store: the store stage, on the calling thread, in input order (as
     *   row above, with the prepared state).  The problems prepare found
     *   are passed on (as__import_problem) before store is called, unless
     *   flags has AS__SPEC_STORE_REPLAYS: then store calls
     *   as__import_replay() where they belong among its own (the driver
     *   passes on any it has not by the end of the row).
     * release: NULL, or frees what prepare allocated in a state (called
     *   for every prepared state, stored or not).
     */
    size_t state_size;
    as_status (*prepare)(as__prep *p, const char *const *cells, const char *extra, void *state,
                         const void *ctx);
    as_status (*store)(as__import *im, void *state, as_upsert *result, void *ctx);
    void (*release)(void *state);
    /*
     * Optional, for two-stage specs with unique keys: rows written in
     * groups (see as__group).  For each read batch of CSV rows, before any
     * of them is stored, the driver opens the group and calls stage in
     * input order for every row that prepare found no problem in and whose
     * key was neither taken before nor appears earlier in the batch; stage
     * adds the rows it can to group (or closes it); then the driver writes
     * what is left in the group.  store, called for each row in order as
     * always, then counts the rows that went in and handles the others one
     * by one.  Rows of different keys do not depend on each other, so the
     * outcome and the messages (all reported by store, in order) are those
     * of storing row by row.
     */
    as_status (*stage)(as__import *im, void *state, void *ctx);
    struct as__group *group;     /* where stage adds rows (as__group_add) */
} as__import_spec;

#define AS__SPEC_STORE_REPLAYS 0x4u  /* store passes on prepare's problems itself */

/*
 * Rows written many to a statement (a spec's stage and group): a plain
 * multi-row "<head>(row 1),(row 2),...", row j's values being the
 * parameters tmpl[0..nvals) + j * nparams (a template may repeat one:
 * created_at and updated_at are often the same), bound by bind(st, base,
 * row, ctx) as parameters base + 1 ... base + nparams.  A key already
 * stored (or any constraint) makes SQLite undo the whole statement: its
 * rows are then marked not in, and go one by one.
 *
 * The group also decides which rows may join.  When groups keep meeting
 * stored keys (a re-import), trying them costs more than it saves: after
 * one that did, the next 64, 128, ... up to 4096 rows go one by one.  And
 * once a row may not join, or a group failed, no later row of the same
 * read batch may either: rows go in (and get their row ids) in input
 * order, the grouped ones of a batch before the others.
 */
enum { AS__GROUP_ROWS = 64 };

typedef struct as__group {
    /* Set by the spec: */
    const char *head;            /* "INSERT INTO t (a, b) VALUES " */
    const int *tmpl;
    int nvals, nparams;
    void (*bind)(sqlite3_stmt *st, int base, const void *row, void *ctx);
    const char *what;            /* for a failure: "adding users" */
    /* The group's own: */
    const void *rows[AS__GROUP_ROWS];
    int *in[AS__GROUP_ROWS];     /* where to say each row went in */
    size_t n;
    sqlite3_stmt *full;          /* the statement of a full group, kept */
    int failed;                  /* groups in a row that met a stored key */
    int skip;                    /* rows still to go one by one */
    int closed;                  /* no more groups in this read batch */
} as__group;

/* May this row join the group?  (Counts the rows that may not.) */
int as__group_allow(as__group *g);
/* A row the spec keeps out for a reason of its own, which may be
 * inserted: no later row of the batch may join. */
void as__group_close(as__group *g);
/* A new read batch begins (the driver calls it). */
void as__group_open(as__group *g);
/* Add a row (*in set to 1 or 0 when it is written); a full group is
 * written at once.  Returns AS_OK or a failure other than a constraint. */
as_status as__group_add(as_db *db, as__group *g, const void *row, int *in, void *ctx);
/* Write the rows added so far. */
as_status as__group_write(as_db *db, as__group *g, void *ctx);
/* Finalize the kept statement. */
void as__group_free(as__group *g);

/* A problem of the row being prepared (field NULL: the whole row). */
void as__prep_problem(as__prep *p, const char *field, const char *reason);
/* Problems prepare has reported for the row so far. */
int as__prep_problems(const as__prep *p);
/* In store: pass on the problems prepare found (once; later calls do nothing). */
void as__import_replay(as__import *im);
/* The number of threads an import runs with: jobs (as_import_options),
 * 0 meaning the number of online processors; at least 1, at most 64. */
int as__import_jobs(int jobs);

/* An internal bit of as_import_options.flags: JSON Lines arrays and objects
 * under known keys reach the row function as JSON text (not refused). */
#define AS__IMPORT_NESTED 0x40000000u

/* Copy a caller's options of any known version into *dst (initialised with
 * AS_IMPORT_OPTIONS_INIT), reading only the fields that version has.
 * Returns AS_OK, or AS_MISUSE for an unknown version. */
as_status as__import_options_copy(as_import_options *dst, const as_import_options *src);

/* Run an import (see as_user_import() for the contract). */
as_status as__import_run(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                         const as__import_spec *spec, as_import_stats *stats);

/*
 * The same with a finish function: NULL, or called once after the last row
 * and before the commit (with spec->ctx), for checks that need the whole
 * input (a reference to a row later in the file).  It reports problems with
 * as__import_late_problem() and returns AS_OK or a failure; a failure, or
 * any late problem, means nothing is committed, whatever AS_IMPORT_SKIP_BAD
 * says (the rows concerned are written already).
 */
as_status as__import_run_ex(as_db *db, FILE *in, const char *name,
                            const as_import_options *opts, const as__import_spec *spec,
                            as_status (*finish)(as__import *im, void *ctx),
                            as_import_stats *stats);

/* Report a problem of the current row (field NULL: the whole row). */
void as__import_problem(as__import *im, const char *field, const char *reason);
/* A problem found by the spec's finish function in the row that started
 * at line (rows in any order; each distinct line counts as one more
 * rejected row). */
void as__import_late_problem(as__import *im, uint64_t line, const char *field,
                             const char *reason);
/* Problems reported for the current row so far. */
int as__import_row_problems(const as__import *im);
/* The handle, the input's name and the current row's first line. */
as_db *as__import_db(const as__import *im);
const char *as__import_name(const as__import *im);
uint64_t as__import_line(const as__import *im);
/* Was the previous row inserted?  (Lets a row function guess whether to
 * try an insert before a lookup.) */
int as__import_last_inserted(const as__import *im);

/* Append s to b as a JSON string literal (quotes included). */
int as__json_quote(as_buf *b, const char *s);

#endif
