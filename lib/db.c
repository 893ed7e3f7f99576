/* db.c - opening, schema migration, statement cache and transactions. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int as_schema_version(void)
{
    return as__migrations[as__nmigrations - 1].version;
}

const char *as_errmsg(const as_db *db)
{
    if (!db)
        return "out of memory";
    return db->errmsg ? db->errmsg : "";
}

int as_db_schema_version(as_db *db)
{
    return db ? db->schema_version : 0;
}

const as_config *as__db_config(as_db *db)
{
    return db->config;
}

int as_db_utc_offset(const as_db *db)
{
    return db ? db->utc_offset : AS_DEFAULT_UTC_OFFSET;
}

int as_txn_depth(const as_db *db)
{
    return db ? db->txn_depth : 0;
}

/* ---- data of other modules ---------------------------------------- */

void *as__ext_get(const as_db *db, as__ext_slot slot)
{
    return db->ext[slot].ptr;
}

void as__ext_set(as_db *db, as__ext_slot slot, void *ptr, void (*destroy)(void *ptr))
{
    as__ext *e = &db->ext[slot];
    if (e->ptr && e->destroy)
        e->destroy(e->ptr);
    e->ptr = ptr;
    e->destroy = ptr ? destroy : NULL;
}

/* ---- statements ---------------------------------------------------- */

enum { STMT_CACHE_MIN = 128 };

/* The first slot to probe for key in a table of cap (a power of two) slots:
 * Fibonacci hashing of the address (its low bits are alignment). */
static size_t stmt_hash(const char *key, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)key * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & (cap - 1);
}

/* Double the table (or make the first one); 0 ok, -1 no memory. */
static int stmt_cache_grow(as_db *db)
{
    size_t cap = db->cache_cap ? db->cache_cap * 2 : STMT_CACHE_MIN;
    as__stmt_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < db->cache_cap; i++) {
        if (!db->cache[i].key)
            continue;
        size_t j = stmt_hash(db->cache[i].key, cap);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = db->cache[i];
    }
    free(db->cache);
    db->cache = slots;
    db->cache_cap = cap;
    return 0;
}

sqlite3_stmt *as__stmt(as_db *db, const char *sql)
{
    size_t i = 0;
    if (db->cache_cap) {
        for (i = stmt_hash(sql, db->cache_cap); db->cache[i].key;
             i = (i + 1) & (db->cache_cap - 1)) {
            if (db->cache[i].key == sql) {
                sqlite3_stmt *st = db->cache[i].stmt;
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                return st;
            }
        }
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        as__sqlfail(db, rc, "preparing a statement");
        return NULL;
    }
    /* Keep the table at most half full (short probe runs). */
    if (2 * (db->ncache + 1) > db->cache_cap) {
        if (stmt_cache_grow(db) < 0) {
            sqlite3_finalize(st);
            as__fail(db, AS_NOMEM, "out of memory");
            return NULL;
        }
        i = stmt_hash(sql, db->cache_cap);
        while (db->cache[i].key)
            i = (i + 1) & (db->cache_cap - 1);
    }
    db->cache[i].key = sql;
    db->cache[i].stmt = st;
    db->ncache++;
    return st;
}

as_status as__exec(as_db *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        as_status st = as__sqlstatus(rc);
        as__fail(db, st == AS_OK ? AS_INTERNAL : st, "%s", err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return st == AS_OK ? AS_INTERNAL : st;
    }
    return AS_OK;
}

as_status as__step_done(as_db *db, sqlite3_stmt *st, const char *context)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        sqlite3_reset(st);
        return AS_OK;
    }
    as_status s = as__sqlfail(db, rc, context);
    sqlite3_reset(st);
    return s;
}

/* ---- transactions -------------------------------------------------- */

/* The SAVEPOINT and RELEASE of the first nesting levels, as statements of
 * the handle's cache (keyed by these addresses): a row of an import opens
 * and releases one, and parsing the text each time was 17% of a fueling
 * import.  Deeper levels are parsed as before. */
static const char *const savepoint_sql[] = {
    "SAVEPOINT as_1", "SAVEPOINT as_2", "SAVEPOINT as_3", "SAVEPOINT as_4",
    "SAVEPOINT as_5", "SAVEPOINT as_6", "SAVEPOINT as_7", "SAVEPOINT as_8"};
static const char *const release_sql[] = {
    "RELEASE as_1", "RELEASE as_2", "RELEASE as_3", "RELEASE as_4",
    "RELEASE as_5", "RELEASE as_6", "RELEASE as_7", "RELEASE as_8"};
#define CACHED_LEVELS (int)(sizeof savepoint_sql / sizeof savepoint_sql[0])

/* Run one of the statements above (a cached statement, stepped once). */
static as_status run_cached(as_db *db, const char *sql)
{
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, sql);
    return AS_OK;
}

as_status as_begin(as_db *db)
{
    if (!db)
        return AS_MISUSE;
    as_status st;
    if (db->txn_depth >= 1 && db->txn_depth <= CACHED_LEVELS) {
        st = run_cached(db, savepoint_sql[db->txn_depth - 1]);
    } else {
        char sql[64];
        if (db->txn_depth == 0)
            snprintf(sql, sizeof sql, "%s", db->readonly ? "BEGIN" : "BEGIN IMMEDIATE");
        else
            snprintf(sql, sizeof sql, "SAVEPOINT as_%d", db->txn_depth);
        st = as__exec(db, sql);
    }
    if (st != AS_OK)
        return st;
    db->txn_depth++;
    return AS_OK;
}

as_status as_commit(as_db *db)
{
    if (!db)
        return AS_MISUSE;
    if (db->txn_depth == 0)
        return as__fail(db, AS_MISUSE, "as_commit: no transaction is open");
    as_status st;
    if (db->txn_depth >= 2 && db->txn_depth - 1 <= CACHED_LEVELS) {
        st = run_cached(db, release_sql[db->txn_depth - 2]);
    } else {
        char sql[64];
        if (db->txn_depth == 1)
            snprintf(sql, sizeof sql, "COMMIT");
        else
            snprintf(sql, sizeof sql, "RELEASE as_%d", db->txn_depth - 1);
        st = as__exec(db, sql);
    }
    if (st != AS_OK) {
        /* A failed COMMIT leaves the transaction open: undo it so the
         * handle stays usable. */
        if (db->txn_depth == 1 && !sqlite3_get_autocommit(db->sql))
            sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        if (db->txn_depth == 1)
            db->txn_depth = 0;
        return st;
    }
    db->txn_depth--;
    return AS_OK;
}

as_status as_rollback(as_db *db)
{
    if (!db)
        return AS_MISUSE;
    if (db->txn_depth == 0)
        return as__fail(db, AS_MISUSE, "as_rollback: no transaction is open");
    char sql[96];
    if (db->txn_depth == 1)
        snprintf(sql, sizeof sql, "ROLLBACK");
    else
        snprintf(sql, sizeof sql, "ROLLBACK TO as_%d; RELEASE as_%d",
                 db->txn_depth - 1, db->txn_depth - 1);
    /* Keep the message of the failure that caused the rollback. */
    char *err = NULL;
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, &err);
    sqlite3_free(err);
    db->txn_depth--;
    if (rc != SQLITE_OK && db->txn_depth == 0 && sqlite3_get_autocommit(db->sql))
        return AS_OK;   /* SQLite had already rolled back (e.g. after SQLITE_FULL) */
    return rc == SQLITE_OK ? AS_OK : as__sqlstatus(rc);
}

as_status as__write_begin(as_db *db)
{
    if (db->readonly)
        return as__fail(db, AS_READONLY, "%s: opened read-only", db->path);
    return as_begin(db);
}

as_status as__write_end(as_db *db, as_status status)
{
    if (status == AS_OK) {
        as_status st = as_commit(db);
        if (st == AS_OK)
            as__ok(db);
        return st;
    }
    as_rollback(db);
    return status;
}

/* ---- schema -------------------------------------------------------- */

static as_status pragma_int(as_db *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, db->path);
    return AS_OK;
}

as_status as__migrate_to(as_db *db, int target)
{
    for (int i = 0; i < as__nmigrations; i++) {
        const as_migration *m = &as__migrations[i];
        if (m->version <= db->schema_version || m->version > target)
            continue;
        /* A migration that edits the text of the schema (SQLite's procedure
         * for changes that leave the file's format alone, such as CHECK
         * constraints) needs writable_schema, which a connection in
         * defensive mode refuses, and a new schema_version afterwards so
         * that every connection reads the new text. */
        int edits = strstr(m->sql, "writable_schema") != NULL, defensive = 0;
        if (edits) {
            sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
            sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, 0, NULL);
        }
        as_status st = as__exec(db, m->sql);
        if (edits) {
            int sv = 0;
            char bump[64];
            if (st == AS_OK && (st = pragma_int(db, "PRAGMA schema_version", &sv)) == AS_OK) {
                snprintf(bump, sizeof bump, "PRAGMA schema_version = %d", sv + 1);
                st = as__exec(db, bump);
            }
            sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, defensive, NULL);
        }
        if (st != AS_OK)
            return as__fail(db, AS_INTERNAL, "schema migration %03d_%s: %s",
                            m->version, m->name, as_errmsg(db));
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", m->version);
        if ((st = as__exec(db, sql)) != AS_OK)
            return st;
        db->schema_version = m->version;
    }
    return AS_OK;
}

/* Identify the file, then migrate it if it is ours and older. */
static as_status check_and_migrate(as_db *db, int may_create)
{
    int app_id = 0, version = 0, ntables = 0;
    as_status st;
    if ((st = pragma_int(db, "PRAGMA application_id", &app_id)) != AS_OK)
        return st;
    if ((st = pragma_int(db, "PRAGMA user_version", &version)) != AS_OK)
        return st;
    if ((st = pragma_int(db, "SELECT count(*) FROM sqlite_schema", &ntables)) != AS_OK)
        return st;

    if (app_id != AS_APPLICATION_ID) {
        if (app_id != 0)
            return as__fail(db, AS_NOTOURS,
                            "%s: an SQLite database of another application (application_id 0x%08x)",
                            db->path, (unsigned)app_id);
        if (ntables != 0 || version != 0)
            return as__fail(db, AS_NOTOURS,
                            "%s: an SQLite database without the aftersales mark", db->path);
        if (!may_create)
            return as__fail(db, AS_NOTOURS,
                            "%s: an empty database (run 'aftersales init' to set it up)", db->path);
    } else if (version > as_schema_version()) {
        return as__fail(db, AS_SCHEMA_TOO_NEW,
                        "%s: schema version %d is newer than this library's %d; upgrade libaftersales",
                        db->path, version, as_schema_version());
    }
    db->schema_version = version;
    if (version == as_schema_version())
        return AS_OK;
    if (db->readonly)
        return as__fail(db, AS_READONLY,
                        "%s: schema version %d needs an upgrade to %d, which a read-only open cannot do",
                        db->path, version, as_schema_version());

    /* Migrate in one transaction; another process may have done it first. */
    if ((st = as_begin(db)) != AS_OK)
        return st;
    if ((st = pragma_int(db, "PRAGMA user_version", &version)) == AS_OK) {
        db->schema_version = version;
        if (version == 0) {
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA application_id = %d", AS_APPLICATION_ID);
            st = as__exec(db, sql);
        }
    }
    if (st == AS_OK)
        st = as__migrate_to(db, as_schema_version());
    return as__write_end(db, st);
}

/* ---- read-only files and directories ------------------------------ */

/*
 * A read-only handle on a file that cannot be written -- it has no write
 * permission at all, or not for us, or its directory is not ours to write
 * -- is opened "immutable" when no WAL with content is beside it: SQLite
 * then takes no lock and creates no -wal or -shm.  Those side files are
 * what broke read-only use: in a read-only directory they cannot be
 * created (every read failed with 77), and beside a 0400 file they were
 * created 0400 and kept every later writer out after the owner made the
 * file writable again.  Without a WAL the main file holds every committed
 * page, so reading it alone is exact; a WAL with content (a writer at work,
 * or one that crashed) is read the usual way.
 */
static int wants_immutable(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    char *wal = as__printf("%s-wal", path);
    char *dir = NULL;
    const char *slash = strrchr(path, '/');
    dir = !slash ? as__strdup(".") : slash == path ? as__strdup("/")
                                                    : as__strndup(path, (size_t)(slash - path));
    int immutable = 0;
    struct stat wb;
    if (wal && dir && (stat(wal, &wb) != 0 || wb.st_size == 0))
        immutable = (sb.st_mode & 0222) == 0 || access(path, W_OK) != 0 || access(dir, W_OK) != 0;
    free(wal);
    free(dir);
    return immutable;
}

/* "file:PATH?immutable=1" with PATH percent-encoded (malloc'd). */
static char *immutable_uri(const char *path)
{
    as_buf b = {0};
    as__buf_adds(&b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '/' || *p == '.' || *p == '_' || *p == '-' || *p == '~') {
            as__buf_addc(&b, (char)*p);
        } else {
            char esc[4];
            snprintf(esc, sizeof esc, "%%%02X", *p);
            as__buf_adds(&b, esc);
        }
    }
    if (as__buf_adds(&b, "?mode=ro&immutable=1") < 0 || as__buf_addc(&b, '\0') < 0) {
        as__buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* ---- masking in SQL --------------------------------------------------- */

/* as_mask_phones(x): x with the mobile numbers written in it masked (see
 * as_text_mask_phones()), or x itself when the handle reveals them or x is
 * not text.  Read paths that build their output in SQL wrap free-text
 * columns in it, so the C API and the command line mask alike. */
static void sql_mask_phones(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const as_db *db = sqlite3_user_data(ctx);
    if (db->reveal || sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    if (!text || as__phone_scan(text, (size_t)n, NULL, NULL) == 0) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    char *copy = sqlite3_malloc(n + 1);
    if (!copy) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    memcpy(copy, text, (size_t)n + 1);
    as__mask_phones_n(copy, (size_t)n);
    sqlite3_result_text(ctx, copy, n, sqlite3_free);
}

int as__db_reveal(const as_db *db)
{
    return db && db->reveal;
}

static as_status open_fail(as_db *db, as_status st, char **errmsg)
{
    if (errmsg)
        *errmsg = as__strdup(as_errmsg(db));
    as_close(db);
    return st;
}

as_status as_open(as_db **out, const char *path, const as_open_options *opts, char **errmsg)
{
    static const as_open_options defaults = AS_OPEN_OPTIONS_INIT;
    if (errmsg)
        *errmsg = NULL;
    if (!out)
        return AS_MISUSE;
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (!path || opts->version != AS_OPEN_OPTIONS_VERSION) {
        if (errmsg)
            *errmsg = as__strdup(!path ? "as_open: path is NULL" : "as_open: unknown options version");
        return AS_MISUSE;
    }

    as_db *db = calloc(1, sizeof *db);
    if (!db)
        return AS_NOMEM;
    db->path = as__strdup(path);
    db->errmsg = as__strdup("");
    db->readonly = (opts->flags & AS_OPEN_READONLY) != 0;
    db->reveal = (opts->flags & AS_OPEN_REVEAL) != 0;
    if (!db->path || !db->errmsg) {
        as_close(db);
        return AS_NOMEM;
    }
    db->config = opts->config;
    if (!db->config) {
        char *cerr = NULL;
        as_status cst = as_config_load(&db->own_config, NULL, &cerr);
        if (cst != AS_OK) {
            as__fail(db, cst, "built-in configuration: %s", cerr ? cerr : as_status_string(cst));
            as_free(cerr);
            return open_fail(db, cst, errmsg);
        }
        db->config = db->own_config;
    }
    db->utc_offset = db->config->business.utc_offset;

    int may_create = (opts->flags & AS_OPEN_CREATE) && !db->readonly;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return open_fail(db, as__fail(db, errno == EACCES ? AS_PERM : AS_IO, "%s: %s",
                                          path, strerror(errno)), errmsg);
        if (!may_create)
            return open_fail(db, as__fail(db, AS_NOFILE,
                                          "%s: no such database (create it with 'aftersales init')",
                                          path), errmsg);
        /* Create the file ourselves so that it is private from the start. */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0 && errno != EEXIST)
            return open_fail(db, as__fail(db, errno == EACCES ? AS_PERM : AS_CANTCREATE,
                                          "%s: %s", path, strerror(errno)), errmsg);
        if (fd >= 0)
            close(fd);
    } else if (S_ISDIR(sb.st_mode)) {
        return open_fail(db, as__fail(db, AS_NOTOURS, "%s: is a directory", path), errmsg);
    }
    if (access(path, db->readonly ? R_OK : R_OK | W_OK) != 0 && errno == EACCES)
        return open_fail(db, as__fail(db, AS_PERM, "%s: %s", path, strerror(errno)), errmsg);

    int flags = (db->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    char *uri = NULL;
    if (db->readonly && wants_immutable(path)) {
        if (!(uri = immutable_uri(path)))
            return open_fail(db, as__fail(db, AS_NOMEM, "out of memory"), errmsg);
        flags |= SQLITE_OPEN_URI;
        db->immutable = 1;
    }
    int rc = sqlite3_open_v2(uri ? uri : path, &db->sql, flags, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        as_status st = as__sqlstatus(rc);
        return open_fail(db, as__fail(db, st == AS_OK ? AS_INTERNAL : st, "%s: %s", path,
                                      db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc)),
                         errmsg);
    }
    sqlite3_extended_result_codes(db->sql, 0);
    sqlite3_create_function(db->sql, "as_mask_phones", 1,
                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, db,
                            sql_mask_phones, NULL, NULL);
    db->busy_timeout_ms = opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 0;
    sqlite3_busy_timeout(db->sql, db->busy_timeout_ms);

    as_status st = check_and_migrate(db, may_create);
    if (st == AS_OK && !db->readonly)
        st = as__exec(db, "PRAGMA journal_mode = WAL");
    if (st == AS_OK)
        st = as__exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                          " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY");
    /* Deleted or moved content inside a page is zeroed as it is freed (no
     * extra I/O: "fast"), so no stale copy of personal data accumulates in
     * the pages; an erasure turns it fully on (free pages too). */
    if (st == AS_OK)
        st = as__exec(db, "PRAGMA secure_delete = FAST");
    if (st != AS_OK)
        return open_fail(db, st, errmsg);
    as__ok(db);
    *out = db;
    return AS_OK;
}

void as_close(as_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < AS_EXT_LAST; i++)
        as__ext_set(db, (as__ext_slot)i, NULL, NULL);
    for (size_t i = 0; i < db->cache_cap; i++)
        sqlite3_finalize(db->cache[i].stmt);
    free(db->cache);
    if (db->sql) {
        if (!sqlite3_get_autocommit(db->sql))
            sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(db->sql);
    }
    as_config_free(db->own_config);
    free(db->path);
    free(db->errmsg);
    free(db);
}
