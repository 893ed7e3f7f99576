/* test_ops.c - as_backup and the check iterator through the C API: a
 * consistent copy while another connection holds a write transaction, no
 * overwrite without AS_BACKUP_FORCE, a private copy that opens and has the
 * rows; a clean check, and failed checks as findings with ok = 0. */
#include "helpers.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

TestSuite(ops, .fini = th_cleanup);

static as_db *open_existing(const char *path)
{
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    as_db *db = NULL;
    char *err = NULL;
    as_status st = as_open(&db, path, &o, &err);
    cr_assert_eq(st, AS_OK, "as_open %s: %s", path, err ? err : "?");
    return db;
}

static int64_t users_in(const char *path)
{
    return th_count_in(path, "SELECT count(*) FROM users");
}

/* The check's findings, collected. */
typedef struct findings {
    int n, failed;
    char checks[16][32];
    int ok[16];
    char details[16][512];
} findings;

static void collect(findings *f, const as_check_item *item)
{
    cr_assert_lt(f->n, 16, "too many findings");
    snprintf(f->checks[f->n], sizeof f->checks[0], "%s", item->check);
    snprintf(f->details[f->n], sizeof f->details[0], "%s", item->detail ? item->detail : "");
    f->ok[f->n] = item->ok;
    f->failed += !item->ok;
    f->n++;
}

/* Run the check through its iterator into f; returns the status that
 * ended the iteration (AS_DONE when it ran to the end). */
static as_status run_check(as_db *db, findings *f)
{
    as_check_iter *it = NULL;
    as_status st = as_check_iter_new(&it, db);
    cr_assert_eq(st, AS_OK, "%s", as_errmsg(db));
    const as_check_item *item;
    while ((st = as_check_next(it, &item)) == AS_OK)
        collect(f, item);
    as_check_iter_free(it);
    return st;
}

/* Every finding of db's check is ok. */
static void check_clean(as_db *db)
{
    findings f = {0};
    cr_assert_eq(run_check(db, &f), AS_DONE);
    cr_assert_eq(f.failed, 0, "first: %s", f.details[0]);
    cr_assert_eq(f.n, 7);
}

static int find(const findings *f, const char *check)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->checks[i], check) == 0)
            return i;
    return -1;
}

Test(ops, backup_is_private_opens_and_has_the_rows)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 1, "22:00-07:00");
    char dest[400];
    snprintf(dest, sizeof dest, "%s", th_file("copy.db"));
    cr_assert_eq(as_backup(db, dest, 0), AS_OK, "%s", as_errmsg(db));
    struct stat sb;
    cr_assert_eq(stat(dest, &sb), 0);
    cr_assert_eq(sb.st_mode & 07777, 0600, "mode %o", (unsigned)(sb.st_mode & 07777));
    /* No temporary file is left beside it, and the copy is one file. */
    char side[460];
    snprintf(side, sizeof side, "%s.tmp-%ld", dest, (long)getpid());
    cr_assert_neq(stat(side, &sb), 0, "%s left behind", side);
    snprintf(side, sizeof side, "%s-wal", dest);
    cr_assert(stat(side, &sb) != 0 || sb.st_size == 0, "the copy's WAL is not empty");

    as_db *copy = open_existing(dest);
    as_user *u = NULL;
    cr_assert_eq(as_user_get(&u, copy, "U2", 0), AS_OK, "%s", as_errmsg(copy));
    cr_assert_str_eq(u->user_id, "U2");
    cr_assert_str_eq(u->name, "张三");
    as_user_free(u);
    check_clean(copy);
    as_close(copy);
    cr_assert_eq(users_in(dest), 2);
    as_close(db);
}

Test(ops, backup_needs_force_to_replace)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    char dest[400];
    snprintf(dest, sizeof dest, "%s", th_file("copy.db"));
    cr_assert_eq(as_backup(db, dest, 0), AS_OK, "%s", as_errmsg(db));
    th_add_user(db, "U2", 0, NULL);

    cr_assert_eq(as_backup(db, dest, 0), AS_EXISTS);
    cr_assert_not_null(strstr(as_errmsg(db), dest), "detail: %s", as_errmsg(db));
    cr_assert_eq(users_in(dest), 1, "the existing copy was touched");

    cr_assert_eq(as_backup(db, dest, AS_BACKUP_FORCE), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(users_in(dest), 2);

    /* Misuse and a destination that cannot be created. */
    cr_assert_eq(as_backup(db, NULL, 0), AS_MISUSE);
    cr_assert_eq(as_backup(db, "", 0), AS_MISUSE);
    cr_assert_eq(as_backup(NULL, dest, 0), AS_MISUSE);
    cr_assert_eq(as_backup(db, th_file("no/such/dir/b.db"), 0), AS_CANTCREATE);
    as_close(db);
}

Test(ops, backup_while_another_connection_writes)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);

    /* A second connection holds a write transaction with a row inserted and
     * not committed while the backup runs. */
    sqlite3 *w = NULL;
    cr_assert_eq(sqlite3_open_v2(th_path, &w, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(w, "BEGIN IMMEDIATE;"
                                 " INSERT INTO users (user_id, name, created_at, updated_at)"
                                 " VALUES ('HELD', 'x', 1, 1)", NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(w));

    char dest[400];
    snprintf(dest, sizeof dest, "%s", th_file("during.db"));
    cr_assert_eq(as_backup(db, dest, 0), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(sqlite3_exec(w, "COMMIT", NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(w));
    sqlite3_close(w);

    /* The copy is the committed state: none of the held row. */
    cr_assert_eq(users_in(dest), 2);
    cr_assert_eq(th_count_in(dest, "SELECT count(*) FROM users WHERE user_id = 'HELD'"), 0);
    cr_assert_eq(th_count("SELECT count(*) FROM users WHERE user_id = 'HELD'"), 1);
    as_db *copy = open_existing(dest);
    check_clean(copy);
    as_close(copy);
    as_close(db);
}

Test(ops, check_passes_on_a_fresh_database)
{
    as_db *db = th_open_new();
    findings f = {0};
    cr_assert_eq(run_check(db, &f), AS_DONE);
    static const char *const want[] = {"integrity", "foreign_keys", "application_id",
                                       "schema_version", "journal_mode", "points_ledger",
                                       "coupons"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int k = find(&f, want[i]);
        cr_assert_geq(k, 0, "no %s finding", want[i]);
        cr_assert_eq(f.ok[k], 1, "%s: %s", want[i], f.details[k]);
    }
    cr_assert_eq(f.n, 7);
    cr_assert_eq(f.failed, 0);
    cr_assert_str_eq(f.details[find(&f, "integrity")], "ok");
    /* The order is that of the header; the iterator stays done. */
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_str_eq(f.checks[i], want[i]);
    as_check_iter *it = NULL;
    const as_check_item *item;
    cr_assert_eq(as_check_iter_new(&it, db), AS_OK);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(as_check_next(it, &item), AS_OK);
    cr_assert_eq(as_check_next(it, &item), AS_DONE);
    cr_assert_eq(as_check_next(it, &item), AS_DONE, "done stays done");
    cr_assert_eq(as_check_next(it, NULL), AS_MISUSE);
    cr_assert_eq(as_check_next(NULL, &item), AS_MISUSE);
    as_check_iter_free(it);
    as_check_iter_free(NULL);
    it = (as_check_iter *)&f;   /* set to NULL on failure */
    cr_assert_eq(as_check_iter_new(&it, NULL), AS_MISUSE);
    cr_assert_null(it);
    cr_assert_eq(as_check_iter_new(NULL, db), AS_MISUSE);
    as_close(db);
}

Test(ops, check_reports_a_foreign_key_violation)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    /* Raw SQL through a second connection, foreign keys off. */
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open_v2(th_path, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(c, "PRAGMA foreign_keys = OFF;"
                                 " INSERT INTO vehicles (user_id, plate, created_at)"
                                 " VALUES ('ghost', '云A00000', 1)", NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(c));
    sqlite3_close(c);

    findings f = {0};
    cr_assert_eq(run_check(db, &f), AS_DONE, "a failed check is a finding, not an error");
    int k = find(&f, "foreign_keys");
    cr_assert_geq(k, 0);
    cr_assert_eq(f.ok[k], 0);
    cr_assert_not_null(strstr(f.details[k], "vehicles row"), "detail: %s", f.details[k]);
    cr_assert_not_null(strstr(f.details[k], "users"), "detail: %s", f.details[k]);
    cr_assert_eq(f.failed, 1, "only the foreign key check fails");
    cr_assert_eq(f.ok[find(&f, "integrity")], 1);
    as_close(db);
}

Test(ops, check_reports_a_tampered_schema_version)
{
    as_db *db = th_open_new();
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open_v2(th_path, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", as_schema_version() - 1);
    cr_assert_eq(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(c));
    sqlite3_close(c);

    findings f = {0};
    cr_assert_eq(run_check(db, &f), AS_DONE);
    int k = find(&f, "schema_version");
    cr_assert_geq(k, 0);
    cr_assert_eq(f.ok[k], 0);
    char want[64];
    snprintf(want, sizeof want, "%d (this library: %d)", as_schema_version() - 1, as_schema_version());
    cr_assert_str_eq(f.details[k], want);
    cr_assert_eq(f.failed, 1);
    as_close(db);
}

/* ---- issue 12: hardening of the backup ------------------------------ */

static void touch(const char *path)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    fputs("a full copy of the database, left by a killed backup", f);
    fclose(f);
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* A killed backup left DEST.tmp-PID and its journal behind for ever; the
 * next backup to that DEST removes them.  A temporary whose writer is still
 * at work (it holds its lock) is left alone. */
Test(ops, backup_removes_the_temporaries_of_killed_backups)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    char dest[400], p[480];
    snprintf(dest, sizeof dest, "%s", th_file("nightly.db"));
    static const char *const stale[] = {".tmp-4242", ".tmp-4242-journal", ".tmp-77-wal",
                                        ".tmp-77", ".tmp-77-shm", ".tmp-5-journal"};
    for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) {
        snprintf(p, sizeof p, "%s%s", dest, stale[i]);
        touch(p);
    }
    /* Not ours to touch: another name, and a backup in progress. */
    static const char *const keep[] = {".tmp-x", ".tmp-", ".tmp-12-other", ".tmp-9"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        snprintf(p, sizeof p, "%s%s", dest, keep[i]);
        touch(p);
    }
    snprintf(p, sizeof p, "%s.tmp-9", dest);
    int busy = open(p, O_RDONLY);
    cr_assert_geq(busy, 0);
    cr_assert_eq(flock(busy, LOCK_EX | LOCK_NB), 0);
    snprintf(p, sizeof p, "%s.tmp-9-journal", dest);
    touch(p);

    cr_assert_eq(as_backup(db, dest, 0), AS_OK, "%s", as_errmsg(db));
    for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) {
        snprintf(p, sizeof p, "%s%s", dest, stale[i]);
        cr_assert(!exists(p), "%s is still there", p);
    }
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        snprintf(p, sizeof p, "%s%s", dest, keep[i]);
        cr_assert(exists(p), "%s was removed", p);
    }
    snprintf(p, sizeof p, "%s.tmp-9-journal", dest);
    cr_assert(exists(p), "the journal of a backup in progress was removed");
    close(busy);
    cr_assert_eq(users_in(dest), 1);
    /* No journal of the copy itself either. */
    snprintf(p, sizeof p, "%s.tmp-%ld-journal", dest, (long)getpid());
    cr_assert(!exists(p));
    as_close(db);
}

/* The backup promised AS_BUSY but retried a locked source for ever. */
Test(ops, backup_of_a_locked_database_is_busy, .timeout = 60)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    as_close(db);
    /* A rollback-journal file (a copy made by another tool), read through a
     * read-only handle, which leaves the journal mode alone... */
    sqlite3 *x = NULL;
    cr_assert_eq(sqlite3_open_v2(th_path, &x, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(x, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL), SQLITE_OK);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.busy_timeout_ms = 200;
    o.flags = AS_OPEN_READONLY;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    /* ... while another connection writes: its exclusive lock shuts
     * readers out until it commits. */
    cr_assert_eq(sqlite3_exec(x, "BEGIN EXCLUSIVE; UPDATE users SET updated_at = updated_at + 1",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(x));
    char dest[400];
    snprintf(dest, sizeof dest, "%s", th_file("locked.db"));
    cr_assert_eq(as_backup(db, dest, 0), AS_BUSY, "%s", as_errmsg(db));
    cr_assert(strstr(as_errmsg(db), "busy timeout (200 ms)"), "%s", as_errmsg(db));
    cr_assert(!exists(dest), "no copy");
    char p[480];
    snprintf(p, sizeof p, "%s.tmp-%ld", dest, (long)getpid());
    cr_assert(!exists(p), "no temporary left");
    sqlite3_exec(x, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(x);
    cr_assert_eq(as_backup(db, dest, 0), AS_OK, "%s", as_errmsg(db));
    as_close(db);
}

/* The temporary is created, never followed: a link placed at its name makes
 * the backup fail instead of writing through it. */
Test(ops, backup_never_follows_a_link_at_the_temporary)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    char dest[400], tmp[480], victim[400];
    snprintf(dest, sizeof dest, "%s", th_file("linked.db"));
    snprintf(victim, sizeof victim, "%s", th_file("victim.txt"));
    touch(victim);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", dest, (long)getpid());
    cr_assert_eq(symlink(victim, tmp), 0);
    cr_assert_eq(as_backup(db, dest, 0), AS_CANTCREATE, "%s", as_errmsg(db));
    struct stat sb;
    cr_assert_eq(stat(victim, &sb), 0);
    cr_assert_eq(sb.st_size, 52, "the link's target was written: %lld bytes", (long long)sb.st_size);
    as_close(db);
}
