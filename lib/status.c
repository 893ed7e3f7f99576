/* status.c - status text, version, and recording failures on a handle. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_text[AS_STATUS_LAST] = {
    [AS_OK] = "ok",
    [AS_DONE] = "done",
    [AS_NOTFOUND] = "not found",
    [AS_EXISTS] = "already exists",
    [AS_INVALID] = "invalid input",
    [AS_MISUSE] = "library misuse",
    [AS_NOFILE] = "no such file",
    [AS_NOTOURS] = "not an aftersales database",
    [AS_SCHEMA_TOO_NEW] = "database schema is newer than this program",
    [AS_CONFIG] = "bad configuration",
    [AS_BUSY] = "database is busy",
    [AS_READONLY] = "database is read-only",
    [AS_PERM] = "permission denied",
    [AS_CANTCREATE] = "cannot create file",
    [AS_IO] = "input/output error",
    [AS_NOMEM] = "out of memory",
    [AS_INTERNAL] = "internal error",
    [AS_CORRUPT] = "the database file is damaged",
};

const char *as_status_string(as_status status)
{
    if ((int)status < 0 || status >= AS_STATUS_LAST)
        return "unknown status";
    return status_text[status];
}

const char *as_version(void)
{
    return AS_VERSION_STRING;
}

as_status as__vfail(as_db *db, as_status status, const char *fmt, va_list ap)
{
    if (!db)
        return status;
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    char *copy = as__strdup(buf);
    if (copy) {
        free(db->errmsg);
        db->errmsg = copy;
    }
    return status;
}

as_status as__fail(as_db *db, as_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    as__vfail(db, status, fmt, ap);
    va_end(ap);
    return status;
}

void as__ok(as_db *db)
{
    if (db && db->errmsg && db->errmsg[0])
        db->errmsg[0] = '\0';
}

as_status as__sqlstatus(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return AS_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return AS_BUSY;
    case SQLITE_READONLY:
        return AS_READONLY;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return AS_PERM;
    case SQLITE_NOMEM:
        return AS_NOMEM;
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return AS_IO;
    case SQLITE_CANTOPEN:
        return AS_CANTCREATE;
    case SQLITE_NOTADB:
        return AS_NOTOURS;
    case SQLITE_CORRUPT:
        return AS_CORRUPT;   /* ours, but damaged: not "not an aftersales database" */
    case SQLITE_CONSTRAINT:
        return AS_INVALID;
    default:
        return AS_INTERNAL;
    }
}

as_status as__sqlfail(as_db *db, int rc, const char *context)
{
    const char *detail = db && db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_CORRUPT)
        return as__fail(db, AS_CORRUPT,
                        "%s: %s (the database file is damaged; restore it from a backup)",
                        context, detail);
    return as__fail(db, as__sqlstatus(rc) == AS_OK ? AS_INTERNAL : as__sqlstatus(rc),
                    "%s: %s", context, detail);
}
