/* sqlutil.c - the small SQLite helpers that are not inline (internal.h). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

char *as__column_dup(sqlite3_stmt *stmt, int i)
{
    return as__strdup(as__column_text(stmt, i));
}

void as__column_copy(sqlite3_stmt *stmt, int i, char *buf, size_t n)
{
    const char *s = as__column_text(stmt, i);
    snprintf(buf, n, "%s", s ? s : "");
}

as_status as__collect_ids(as_db *db, const char *sql, int64_t arg, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "preparing a query");
    sqlite3_bind_int64(q, 1, arg);
    size_t cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *p = realloc(*ids, cap * sizeof *p);
            if (!p) {
                rc = SQLITE_NOMEM;
                break;
            }
            *ids = p;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return as__sqlfail(db, rc, "reading ticket ids");
    }
    return AS_OK;
}
