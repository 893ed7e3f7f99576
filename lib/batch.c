/* batch.c - many rows, one multi-row INSERT per batch (see batch.h). */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

as_status as__batch_init(as__batch *b, as_db *db, const char *head, int ncols)
{
    memset(b, 0, sizeof *b);
    b->db = db;
    b->ncols = ncols;
    b->st = ncols < 1 || ncols > 32 ? as__fail(db, AS_INTERNAL, "batch: %d columns", ncols)
                                    : AS_OK;
    if (b->st == AS_OK &&
        (!(b->head = as__strdup(head)) ||
         !(b->cells = malloc((size_t)AS__BATCH_ROWS * (size_t)ncols * sizeof *b->cells))))
        b->st = as__fail(db, AS_NOMEM, "out of memory");
    return b->st;
}

/* "INSERT ... VALUES (?,...,?), ..." for rows rows. */
static sqlite3_stmt *prepare(as__batch *b, int rows)
{
    as_buf sql = {0};
    as__buf_adds(&sql, b->head);
    for (int r = 0; r < rows; r++) {
        as__buf_adds(&sql, r ? ",(" : "(");
        for (int c = 0; c < b->ncols; c++)
            as__buf_adds(&sql, c ? ",?" : "?");
        as__buf_addc(&sql, ')');
    }
    if (b->tail)
        as__buf_adds(&sql, b->tail);
    sqlite3_stmt *s = NULL;
    if (!sql.data) {
        b->st = as__fail(b->db, AS_NOMEM, "out of memory");
        return NULL;
    }
    int rc = sqlite3_prepare_v2(b->db->sql, sql.data, (int)sql.len, &s, NULL);
    as__buf_free(&sql);
    if (rc != SQLITE_OK)
        b->st = as__sqlfail(b->db, rc, "preparing a batch of rows");
    return s;
}

/* Bind cells[from, from + n) to s from parameter 1 and step it. */
static void write_rows(as__batch *b, sqlite3_stmt *s, int from, int n)
{
    for (int k = 0; k < n; k++) {
        const as__batch_cell *c = &b->cells[from + k];
        switch (c->type) {
        case SQLITE_INTEGER:
            sqlite3_bind_int64(s, k + 1, c->i);
            break;
        case SQLITE_FLOAT:
            sqlite3_bind_double(s, k + 1, c->r);
            break;
        case SQLITE_TEXT:
            sqlite3_bind_text(s, k + 1, b->text.data + c->off, (int)c->len, SQLITE_STATIC);
            break;
        default:
            sqlite3_bind_null(s, k + 1);
            break;
        }
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        b->st = as__sqlfail(b->db, rc, "writing a batch of rows");
    else
        b->rows += n / b->ncols;
}

static as__batch_cell *cell(as__batch *b)
{
    if (!b->cells)
        return &b->spare;   /* after a failure to start: values go nowhere */
    if (b->ncells == AS__BATCH_ROWS * b->ncols) {
        if (b->st == AS_OK && (b->full || (b->full = prepare(b, AS__BATCH_ROWS))))
            write_rows(b, b->full, 0, b->ncells);
        b->ncells = 0;
        b->text.len = 0;
    }
    return &b->cells[b->ncells++];
}

void as__batch_int(as__batch *b, int64_t v)
{
    as__batch_cell *c = cell(b);
    c->type = SQLITE_INTEGER;
    c->i = v;
}

void as__batch_real(as__batch *b, double v)
{
    as__batch_cell *c = cell(b);
    c->type = SQLITE_FLOAT;
    c->r = v;
}

void as__batch_null(as__batch *b)
{
    cell(b)->type = SQLITE_NULL;
}

void as__batch_text(as__batch *b, const char *s)
{
    as__batch_cell *c = cell(b);
    if (!s) {
        c->type = SQLITE_NULL;
        return;
    }
    c->type = SQLITE_TEXT;
    c->off = b->text.len;
    c->len = strlen(s);
    if (as__buf_add(&b->text, s, c->len) < 0 && b->st == AS_OK) {
        b->st = as__fail(b->db, AS_NOMEM, "out of memory");
        c->type = SQLITE_NULL;
    }
}

as_status as__batch_flush(as__batch *b)
{
    if (b->st == AS_OK && b->ncells == AS__BATCH_ROWS * b->ncols &&
        (b->full || (b->full = prepare(b, AS__BATCH_ROWS)))) {
        write_rows(b, b->full, 0, b->ncells);
        b->ncells = 0;
    }
    for (int r = 0; b->st == AS_OK && r + b->ncols <= b->ncells; r += b->ncols)
        if (b->one || (b->one = prepare(b, 1)))
            write_rows(b, b->one, r, b->ncols);
    b->ncells = 0;
    b->text.len = 0;
    return b->st;
}

void as__batch_free(as__batch *b)
{
    sqlite3_finalize(b->full);
    sqlite3_finalize(b->one);
    free(b->head);
    free(b->cells);
    as__buf_free(&b->text);
    memset(b, 0, sizeof *b);
}
