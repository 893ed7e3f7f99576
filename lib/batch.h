/* batch.h - internal: inserting many rows with one multi-row INSERT per
 * batch.  A statement executed once per row costs about as much as the
 * row's B-tree work itself (opening and closing a cursor per index, the
 * statement journal, halting); one INSERT ... VALUES (...), (...), ... of
 * AS__BATCH_ROWS rows shares that cost between them.
 *
 *     as__batch b;
 *     as__batch_init(&b, db, "INSERT INTO main.t (a, b) VALUES ", 2);
 *     as__batch_int(&b, 1); as__batch_text(&b, "x");   (one row: ncols values)
 *     ...                    (a full batch is written as it fills)
 *     as__batch_flush(&b);   (the rest, one row at a time)
 *     as__batch_free(&b);
 *
 * Texts are copied into the batch.  Errors are recorded on the handle and
 * returned by the next flush (as__batch_int/text/... never fail). */
#ifndef AS_BATCH_H
#define AS_BATCH_H

#include "internal.h"

enum { AS__BATCH_ROWS = 64 };

typedef struct as__batch_cell {
    int type;                /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_NULL */
    int64_t i;
    double r;
    size_t off, len;         /* SQLITE_TEXT: in text */
} as__batch_cell;

typedef struct as__batch {
    as_db *db;
    char *head;              /* "INSERT INTO ... VALUES " */
    const char *tail;        /* NULL, or static text after the rows
                              * (" ON CONFLICT DO NOTHING"); set after init */
    int ncols;
    sqlite3_stmt *full, *one;
    as__batch_cell *cells;   /* AS__BATCH_ROWS * ncols */
    as__batch_cell spare;    /* where values go when cells could not be had */
    int ncells;
    as_buf text;
    int64_t rows;            /* written so far */
    as_status st;            /* the first failure, AS_OK */
} as__batch;

/* Start a batch for ncols (at most 32) columns; the statements are
 * prepared on first use.  Returns AS_OK or AS_NOMEM. */
as_status as__batch_init(as__batch *b, as_db *db, const char *head, int ncols);
void as__batch_int(as__batch *b, int64_t v);
void as__batch_real(as__batch *b, double v);
void as__batch_text(as__batch *b, const char *s);   /* NULL: SQL NULL */
void as__batch_null(as__batch *b);
/* Write what is buffered.  Returns AS_OK or the first failure. */
as_status as__batch_flush(as__batch *b);
void as__batch_free(as__batch *b);

#endif
