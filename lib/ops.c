/* ops.c - operations: online backup and the database check (an iterator
 * of findings). */
#include "internal.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- backup ------------------------------------------------------------ */

/*
 * The copy is written to "DEST.tmp-PID" in DEST's own directory (a rename
 * within one file system is atomic) and holds an flock() on it while it is
 * written.  A killed backup leaves that file behind; the next backup to the
 * same DEST finds every "DEST.tmp-N" (and its -journal, -wal, -shm) whose
 * lock nobody holds and removes it.  A backup still running elsewhere holds
 * its lock, so its file is left alone whatever its PID says.
 */

/* Split dest into its directory (malloc'd, "." when none) and base name. */
static char *dir_of(const char *dest, const char **base)
{
    const char *slash = strrchr(dest, '/');
    if (!slash) {
        *base = dest;
        return as__strdup(".");
    }
    *base = slash + 1;
    return slash == dest ? as__strdup("/") : as__strndup(dest, (size_t)(slash - dest));
}

/* Is name "<base>.tmp-<digits>" followed by nothing or one of the side
 * suffixes?  Returns the length of the temporary's own name, or 0. */
static size_t stale_name(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) != 0 || strncmp(name + bl, ".tmp-", 5) != 0)
        return 0;
    size_t i = bl + 5, d = i;
    while (name[i] >= '0' && name[i] <= '9')
        i++;
    if (i == d)
        return 0;
    if (!name[i] || strcmp(name + i, "-journal") == 0 || strcmp(name + i, "-wal") == 0 ||
        strcmp(name + i, "-shm") == 0)
        return i;
    return 0;
}

/* Remove the temporaries of killed backups to dest; returns how many files. */
static int clean_stale(const char *dest)
{
    const char *base;
    char *dir = dir_of(dest, &base);
    if (!dir || !base[0]) {
        free(dir);
        return 0;
    }
    DIR *d = opendir(dir);
    int removed = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t own = stale_name(e->d_name, base);
        if (!own || e->d_name[own])
            continue;   /* side files go with their temporary, below */
        char *path = as__printf("%s/%s", dir, e->d_name);
        if (!path)
            break;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat sb;
        int stale = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
                    sb.st_uid == geteuid() && flock(fd, LOCK_EX | LOCK_NB) == 0;
        if (stale) {
            static const char *const sides[] = {"", "-journal", "-wal", "-shm"};
            for (size_t k = 0; k < sizeof sides / sizeof sides[0]; k++) {
                char *side = as__printf("%s%s", path, sides[k]);
                if (side && unlink(side) == 0)
                    removed++;
                free(side);
            }
        }
        if (fd >= 0)
            close(fd);   /* releases the lock taken to test it */
        free(path);
    }
    if (d)
        closedir(d);
    /* Side files whose temporary is gone (a crash between two unlinks). */
    d = opendir(dir);
    while (d && (e = readdir(d))) {
        size_t own = stale_name(e->d_name, base);
        if (!own || !e->d_name[own])
            continue;
        char *path = as__printf("%s/%s", dir, e->d_name);
        char *owner = path ? as__strndup(path, strlen(dir) + 1 + own) : NULL;
        struct stat sb;
        if (owner && lstat(owner, &sb) != 0 && errno == ENOENT && lstat(path, &sb) == 0 &&
            S_ISREG(sb.st_mode) && sb.st_uid == geteuid() && unlink(path) == 0)
            removed++;
        free(owner);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
    return removed;
}

as_status as_backup(as_db *db, const char *dest, unsigned flags)
{
    if (!db || !dest || !dest[0])
        return db ? as__fail(db, AS_MISUSE, "as_backup: no destination") : AS_MISUSE;
    clean_stale(dest);
    struct stat sb;
    if (stat(dest, &sb) == 0 && !(flags & AS_BACKUP_FORCE))
        return as__fail(db, AS_EXISTS, "%s: already exists", dest);
    char *tmp = as__printf("%s.tmp-%ld", dest, (long)getpid());
    if (!tmp)
        return as__fail(db, AS_NOMEM, "out of memory");
    /* Our own PID's leftover (a PID reused after a crash) is ours to drop. */
    int fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlink(tmp);
        close(fd);
    }
    fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return as__fail(db, e == EACCES ? AS_PERM : AS_CANTCREATE, "%s: %s", dest, strerror(e));
    }
    /* Held until the copy is renamed or removed: "in progress". */
    flock(fd, LOCK_EX | LOCK_NB);

    sqlite3 *out = NULL;
    as_status st = AS_OK;
    int rc = sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        st = as__fail(db, AS_CANTCREATE, "%s: %s", dest, out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
    } else {
        /* The copy is thrown away if anything fails: it needs no journal
         * (and so leaves none behind if the process is killed). */
        sqlite3_exec(out, "PRAGMA journal_mode = OFF", NULL, NULL, NULL);
        /* One step copies every page inside a single read transaction: a
         * consistent snapshot that, in WAL mode, does not block writers. */
        sqlite3_backup *b = sqlite3_backup_init(out, "main", db->sql, "main");
        if (!b) {
            st = as__fail(db, as__sqlstatus(sqlite3_errcode(out)) == AS_OK ? AS_INTERNAL
                                                                          : as__sqlstatus(sqlite3_errcode(out)),
                          "backup: %s", sqlite3_errmsg(out));
        } else {
            /* A lock on the source (another process in exclusive locking
             * mode) is waited for as long as the handle's busy timeout
             * allows, then the backup fails with AS_BUSY: it used to retry
             * for ever. */
            int waited = 0;
            for (;;) {
                rc = sqlite3_backup_step(b, -1);
                if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED && rc != SQLITE_OK)
                    break;
                if (rc != SQLITE_OK) {
                    if (waited >= db->busy_timeout_ms)
                        break;
                    sqlite3_sleep(50);
                    waited += 50;
                }
            }
            sqlite3_backup_finish(b);
            if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                st = as__fail(db, AS_BUSY,
                              "backup to %s: the database stayed locked by another process"
                              " for the busy timeout (%d ms)", dest, db->busy_timeout_ms);
            else if (rc != SQLITE_DONE)
                st = as__fail(db, as__sqlstatus(rc) == AS_OK ? AS_IO : as__sqlstatus(rc),
                              "backup to %s: %s", dest, sqlite3_errstr(rc));
        }
        /* The copy keeps WAL mode from the page header; checkpoint it so
         * that the single file is complete on its own. */
        if (st == AS_OK && sqlite3_exec(out, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
            st = as__fail(db, AS_IO, "backup to %s: %s", dest, sqlite3_errmsg(out));
    }
    sqlite3_close_v2(out);
    if (st == AS_OK && fsync(fd) != 0)
        st = as__fail(db, AS_IO, "backup to %s: %s", dest, strerror(errno));
    if (st == AS_OK && rename(tmp, dest) != 0)
        st = as__fail(db, errno == EACCES ? AS_PERM : AS_IO, "%s: %s", dest, strerror(errno));
    if (st != AS_OK) {
        unlink(tmp);
        char side[4096];
        snprintf(side, sizeof side, "%s-journal", tmp);
        unlink(side);
        snprintf(side, sizeof side, "%s-wal", tmp);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", tmp);
        unlink(side);
    } else {
        as__ok(db);
    }
    close(fd);
    free(tmp);
    return st;
}

/* ---- the check ------------------------------------------------------- */

struct as_check_iter {
    as_check_item *items;    /* check and detail point into strs */
    char **strs;
    size_t n, cap, next;
};

void as_check_iter_free(as_check_iter *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->n; i++)
        free(it->strs[i]);
    free(it->strs);
    free(it->items);
    free(it);
}

/* Add a finding (check is static text, detail copied); -1: no memory. */
static int report(as_check_iter *it, const char *check, int ok, const char *detail)
{
    if (it->n == it->cap) {
        size_t cap = it->cap ? it->cap * 2 : 8;
        as_check_item *ni = realloc(it->items, cap * sizeof *ni);
        if (!ni)
            return -1;
        it->items = ni;
        char **ns = realloc(it->strs, cap * sizeof *ns);
        if (!ns)
            return -1;
        it->strs = ns;
        it->cap = cap;
    }
    char *d = as__strdup(detail);
    if (!d)
        return -1;
    it->strs[it->n] = d;
    it->items[it->n] = (as_check_item){check, ok, d};
    it->n++;
    return 0;
}

/* integrity_check: every row is a problem unless "ok". */
static as_status check_integrity(as_db *db, as_check_iter *it)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, "PRAGMA integrity_check(100)", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "integrity check");
    int problems = 0, oom = 0;
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line && strcmp(line, "ok") == 0)
            continue;
        problems++;
        oom = report(it, "integrity", 0, line ? line : "?") < 0;
    }
    sqlite3_finalize(st);
    if (oom)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "integrity check");
    if (!problems && report(it, "integrity", 1, "ok") < 0)
        return as__fail(db, AS_NOMEM, "out of memory");
    return AS_OK;
}

static as_status check_foreign_keys(as_db *db, as_check_iter *it)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, "PRAGMA foreign_key_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "foreign key check");
    int problems = 0, oom = 0;
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s row %lld refers to a missing %s row",
                 (const char *)sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
                 (const char *)sqlite3_column_text(st, 2));
        problems++;
        oom = report(it, "foreign_keys", 0, msg) < 0;
    }
    sqlite3_finalize(st);
    if (oom)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "foreign key check");
    if (!problems && report(it, "foreign_keys", 1, "ok") < 0)
        return as__fail(db, AS_NOMEM, "out of memory");
    return AS_OK;
}

/* The application id, the schema version and the journal mode. */
static as_status check_identity(as_db *db, as_check_iter *it)
{
    sqlite3_stmt *st = NULL;
    int app_id = 0, version = 0, oom = 0;
    if (sqlite3_prepare_v2(db->sql, "SELECT a.application_id, v.user_version"
                                    " FROM pragma_application_id a, pragma_user_version v",
                           -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        app_id = sqlite3_column_int(st, 0);
        version = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    char msg[160];
    snprintf(msg, sizeof msg, "0x%08x", (unsigned)app_id);
    oom |= report(it, "application_id", app_id == AS_APPLICATION_ID, msg) < 0;
    snprintf(msg, sizeof msg, "%d (this library: %d)", version, as_schema_version());
    oom |= report(it, "schema_version", version == as_schema_version(), msg) < 0;
    st = NULL;
    if (sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        int wal = mode && strcmp(mode, "wal") == 0;
        if (db->immutable)   /* SQLite reports "delete": no WAL is used */
            snprintf(msg, sizeof msg, "%s (a read-only file or directory, read without a WAL:"
                     " none with content was there)", mode ? mode : "?");
        else
            snprintf(msg, sizeof msg, "%s%s", mode ? mode : "?",
                     wal || db->readonly ? "" : " (expected wal)");
        oom |= report(it, "journal_mode", wal || db->readonly, msg) < 0;
    }
    sqlite3_finalize(st);
    return oom ? as__fail(db, AS_NOMEM, "out of memory") : AS_OK;
}

/* The points ledger: per user, the sum of the ledger equals what is left
 * in the lots (a positive row without a lot: all of it; a lot of no
 * positive row counts too), and is not negative (at most 100 users are
 * named); every earn_fuel row and the fueling record that names it
 * (points_id) agree. */
static as_status check_points(as_db *db, as_check_iter *it)
{
    if (db->schema_version < 16)
        return report(it, "points_ledger", 1, "no ledger in this schema version") < 0
                   ? as__fail(db, AS_NOMEM, "out of memory") : AS_OK;
    static const char sql[] =
        "SELECT user_id, sum(l), sum(r) FROM (SELECT g.user_id, g.delta AS l,"
        " CASE WHEN g.delta > 0 THEN coalesce(o.remaining, g.delta) ELSE 0 END AS r"
        " FROM points_ledger g LEFT JOIN points_lots o ON o.earn_id = g.id"
        " UNION ALL SELECT o.user_id, 0, o.remaining FROM points_lots o WHERE NOT EXISTS"
        " (SELECT 1 FROM points_ledger g WHERE g.id = o.earn_id AND g.delta > 0))"
        " GROUP BY user_id HAVING sum(l) <> sum(r) OR sum(l) < 0 ORDER BY user_id LIMIT 100";
    static const char link_sql[] =
        "SELECT (SELECT count(*) FROM points_ledger g WHERE g.kind = 'earn_fuel'"
        "  AND NOT EXISTS (SELECT 1 FROM fuelings f WHERE f.user_id = g.user_id"
        "  AND f.filled_at = g.at AND f.tx_id = g.ref AND f.points_id = g.id)),"
        " (SELECT count(*) FROM fuelings f WHERE f.points_id IS NOT NULL AND NOT EXISTS"
        "  (SELECT 1 FROM points_ledger g WHERE g.id = f.points_id AND g.kind = 'earn_fuel'"
        "  AND g.ref = f.tx_id))";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "points ledger check");
    int problems = 0, oom = 0;
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        char msg[200];
        long long ledger = sqlite3_column_int64(st, 1), lots = sqlite3_column_int64(st, 2);
        if (ledger != lots)
            snprintf(msg, sizeof msg, "user '%.64s': the ledger sums to %lld, the lots hold %lld",
                     (const char *)sqlite3_column_text(st, 0), ledger, lots);
        else
            snprintf(msg, sizeof msg, "user '%.64s': the ledger sums to %lld, below zero",
                     (const char *)sqlite3_column_text(st, 0), ledger);
        problems++;
        oom = report(it, "points_ledger", 0, msg) < 0;
    }
    sqlite3_finalize(st);
    if (oom)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "points ledger check");
    if ((rc = sqlite3_prepare_v2(db->sql, link_sql, -1, &st, NULL)) != SQLITE_OK)
        return as__sqlfail(db, rc, "points ledger check");
    if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
        (sqlite3_column_int64(st, 0) || sqlite3_column_int64(st, 1))) {
        char msg[200];
        snprintf(msg, sizeof msg, "%lld earn_fuel rows without their fueling record,"
                 " %lld fueling records naming no earn_fuel row of theirs",
                 (long long)sqlite3_column_int64(st, 0), (long long)sqlite3_column_int64(st, 1));
        problems++;
        oom = report(it, "points_ledger", 0, msg) < 0;
    }
    sqlite3_finalize(st);
    if (oom)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "points ledger check");
    if (!problems && report(it, "points_ledger", 1, "ok") < 0)
        return as__fail(db, AS_NOMEM, "out of memory");
    return AS_OK;
}

/* The coupon wallet: each coupon's status is that of its last event, and a
 * redeemed coupon names its payment with a discount within it (at most 100
 * coupons are named). */
static as_status check_coupons(as_db *db, as_check_iter *it)
{
    if (db->schema_version < 15)
        return report(it, "coupons", 1, "no coupons in this schema version") < 0
                   ? as__fail(db, AS_NOMEM, "out of memory") : AS_OK;
    static const char sql[] =
        "SELECT code, problem FROM (SELECT c.code, CASE"
        "  WHEN e.event IS NULL THEN 'has no events'"
        "  WHEN e.event <> c.status THEN 'is ' || c.status || ', its last event ' || e.event"
        "  WHEN c.status = 'redeemed' AND (c.redeemed_tx IS NULL OR c.discount_fen IS NULL"
        "   OR c.redeemed_amount_fen IS NULL OR c.discount_fen < 0"
        "   OR c.discount_fen > c.redeemed_amount_fen)"
        "   THEN 'is redeemed without a consistent payment'"
        "  END AS problem"
        " FROM coupons c LEFT JOIN coupon_events e ON e.id ="
        "  (SELECT max(x.id) FROM coupon_events x WHERE x.coupon_id = c.id))"
        " WHERE problem IS NOT NULL"
        /* the coupons of one payment: one amount, and together within it */
        " UNION ALL SELECT min(code), 'and the other coupons of payment ' || redeemed_tx"
        "  || ' take ' || sum(discount_fen) || ' fen off ' || max(redeemed_amount_fen)"
        " FROM coupons WHERE status = 'redeemed' AND redeemed_tx IS NOT NULL"
        " GROUP BY redeemed_tx HAVING count(*) > 1 AND (sum(discount_fen) > max(redeemed_amount_fen)"
        "  OR min(redeemed_amount_fen) <> max(redeemed_amount_fen))"
        " ORDER BY 1 LIMIT 100";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "coupon check");
    int problems = 0, oom = 0;
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        char msg[200];
        snprintf(msg, sizeof msg, "coupon %.16s %.150s", (const char *)sqlite3_column_text(st, 0),
                 (const char *)sqlite3_column_text(st, 1));
        problems++;
        oom = report(it, "coupons", 0, msg) < 0;
    }
    sqlite3_finalize(st);
    if (oom)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "coupon check");
    if (!problems && report(it, "coupons", 1, "ok") < 0)
        return as__fail(db, AS_NOMEM, "out of memory");
    return AS_OK;
}

as_status as_check_iter_new(as_check_iter **out, as_db *db)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_check_iter_new: NULL argument") : AS_MISUSE;
    as_check_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    as_status st = check_integrity(db, it);
    if (st == AS_OK)
        st = check_foreign_keys(db, it);
    if (st == AS_OK)
        st = check_identity(db, it);
    if (st == AS_OK)
        st = check_points(db, it);
    if (st == AS_OK)
        st = check_coupons(db, it);
    if (st != AS_OK) {
        as_check_iter_free(it);
        return st;
    }
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_check_next(as_check_iter *it, const as_check_item **view)
{
    if (!it || !view)
        return AS_MISUSE;
    if (it->next >= it->n)
        return AS_DONE;
    *view = &it->items[it->next++];
    return AS_OK;
}
