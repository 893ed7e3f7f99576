/* test_db.c - opening, refusing foreign files, schema versions and
 * migration, transactions, busy handling, status strings. */
#include "helpers.h"
#include "internal.h"

#include <sqlite3.h>
#include <sys/stat.h>

TestSuite(db, .fini = th_cleanup);

static as_status try_open(const char *path, unsigned flags, as_db **out, char **err)
{
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = flags;
    o.busy_timeout_ms = 200;
    return as_open(out, path, &o, err);
}

/* Read a whole file (for "left untouched" checks). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *s;
    cr_assert_eq(sqlite3_open(path, &s), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(s));
    sqlite3_close(s);
}

static int raw_int(const char *path, const char *sql)
{
    sqlite3 *s;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(path, &s), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(s));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

Test(db, missing_file_without_create_is_nofile)
{
    const char *path = th_db_path();
    as_db *db = (as_db *)1;
    char *err = NULL;
    cr_assert_eq(try_open(path, 0, &db, &err), AS_NOFILE);
    cr_assert_null(db);
    cr_assert_not_null(strstr(err, "no such database"), "%s", err);
    as_free(err);
    cr_assert_neq(access(path, F_OK), 0, "the file must not be created");
}

Test(db, create_marks_file_private_and_current)
{
    as_db *db = th_open_new();
    cr_assert_eq(as_db_schema_version(db), as_schema_version());
    as_close(db);
    struct stat sb;
    cr_assert_eq(stat(th_path, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600, "mode is %o", sb.st_mode & 0777);
    cr_assert_eq(raw_int(th_path, "PRAGMA application_id"), AS_APPLICATION_ID);
    cr_assert_eq(raw_int(th_path, "PRAGMA user_version"), as_schema_version());
    cr_assert_eq(raw_int(th_path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
}

Test(db, reopen_is_idempotent)
{
    as_close(th_open_new());
    as_db *db;
    cr_assert_eq(try_open(th_path, AS_OPEN_CREATE, &db, NULL), AS_OK);
    as_close(db);
    cr_assert_eq(try_open(th_path, 0, &db, NULL), AS_OK);
    as_close(db);
}

Test(db, non_sqlite_file_is_refused_untouched)
{
    th_db_path();
    const char text[] = "user_id,name\nU1,x\n";
    const char *path = th_write("notes.csv", text, sizeof text - 1);
    as_db *db;
    char *err = NULL;
    cr_assert_eq(try_open(path, AS_OPEN_CREATE, &db, &err), AS_NOTOURS);
    cr_assert_not_null(err);
    as_free(err);
    size_t len;
    char *after = slurp(path, &len);
    cr_assert_eq(len, sizeof text - 1);
    cr_assert_eq(memcmp(after, text, len), 0);
    free(after);
}

Test(db, foreign_sqlite_database_is_refused)
{
    const char *path = th_db_path();
    raw_exec(path, "CREATE TABLE other (x); INSERT INTO other VALUES (1);");
    as_db *db;
    char *err = NULL;
    cr_assert_eq(try_open(path, AS_OPEN_CREATE, &db, &err), AS_NOTOURS);
    cr_assert_not_null(strstr(err, "without the aftersales mark"), "%s", err);
    as_free(err);
    cr_assert_eq(raw_int(path, "SELECT count(*) FROM sqlite_schema"), 1);
}

Test(db, other_application_id_is_refused)
{
    const char *path = th_db_path();
    raw_exec(path, "PRAGMA application_id = 1234;");
    as_db *db;
    char *err = NULL;
    cr_assert_eq(try_open(path, AS_OPEN_CREATE, &db, &err), AS_NOTOURS);
    cr_assert_not_null(strstr(err, "another application"), "%s", err);
    as_free(err);
}

Test(db, empty_file_needs_create)
{
    th_db_path();
    const char *path = th_write("empty.db", "", 0);
    as_db *db;
    char *err = NULL;
    cr_assert_eq(try_open(path, 0, &db, &err), AS_NOTOURS);
    as_free(err);
    cr_assert_eq(try_open(path, AS_OPEN_CREATE, &db, NULL), AS_OK);
    as_close(db);
}

Test(db, newer_schema_is_refused_untouched)
{
    as_close(th_open_new());
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", as_schema_version() + 1);
    raw_exec(th_path, sql);
    raw_exec(th_path, "PRAGMA journal_mode = DELETE");
    size_t len0, len1;
    char *before = slurp(th_path, &len0);
    as_db *db;
    char *err = NULL;
    cr_assert_eq(try_open(th_path, AS_OPEN_CREATE, &db, &err), AS_SCHEMA_TOO_NEW);
    cr_assert_not_null(strstr(err, "newer"), "%s", err);
    as_free(err);
    char *after = slurp(th_path, &len1);
    cr_assert_eq(len0, len1);
    cr_assert_eq(memcmp(before, after, len0), 0, "the file was modified");
    free(before);
    free(after);
}

Test(db, directory_is_refused)
{
    th_db_path();
    as_db *db;
    char *err = NULL;
    cr_assert_eq(try_open(th_dir, AS_OPEN_CREATE, &db, &err), AS_NOTOURS);
    as_free(err);
}

Test(db, cannot_create_in_missing_directory)
{
    th_db_path();
    char path[400];
    snprintf(path, sizeof path, "%s/no/such/dir/x.db", th_dir);
    as_db *db;
    char *err = NULL;
    cr_assert_eq(try_open(path, AS_OPEN_CREATE, &db, &err), AS_CANTCREATE);
    as_free(err);
}

Test(db, readonly_handle_refuses_writes)
{
    as_close(th_open_new());
    as_db *db;
    cr_assert_eq(try_open(th_path, AS_OPEN_READONLY, &db, NULL), AS_OK);
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_NAME;
    in.user_id = "U1";
    in.name = "x";
    cr_assert_eq(as_user_add(db, &in), AS_READONLY);
    cr_assert_not_null(strstr(as_errmsg(db), "read-only"), "%s", as_errmsg(db));
    as_close(db);
}

Test(db, bad_arguments_are_misuse)
{
    as_db *db;
    cr_assert_eq(as_open(NULL, "x", NULL, NULL), AS_MISUSE);
    cr_assert_eq(as_open(&db, NULL, NULL, NULL), AS_MISUSE);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.version = 99;
    cr_assert_eq(as_open(&db, "x", &o, NULL), AS_MISUSE);
    as_close(NULL);   /* a no-op */
    cr_assert_str_eq(as_errmsg(NULL), "out of memory");
}

/* Build a database at schema version 1 the way version 1 of the library
 * did, with data in it. */
static void make_v1(const char *path)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d;", AS_APPLICATION_ID);
    raw_exec(path, sql);
    raw_exec(path, as__migrations[0].sql);
    raw_exec(path, "PRAGMA user_version = 1;"
                   "INSERT INTO users (user_id, name, phone, region, created_at, updated_at)"
                   " VALUES ('U1', '张三', '13800138000', '530102', 1, 1);");
}

/* The schema as text: every object's type, name and SQL, in order. */
static char *schema_text(const char *path)
{
    sqlite3 *s;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(path, &s), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(s,
                                    "SELECT type || ' ' || name || ' ' || tbl_name || ' ' ||"
                                    " coalesce(sql, '') FROM sqlite_schema ORDER BY type, name",
                                    -1, &st, NULL),
                 SQLITE_OK);
    as_buf b = {0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        as__buf_adds(&b, (const char *)sqlite3_column_text(st, 0));
        as__buf_addc(&b, '\n');
    }
    sqlite3_finalize(st);
    sqlite3_close(s);
    return b.data ? b.data : as__strdup("");
}

Test(db, migrating_step_by_step_equals_fresh_schema)
{
    /* Fresh install. */
    as_close(th_open_new());
    char *fresh = schema_text(th_path);

    /* Version 1, then every later migration one at a time. */
    char old[400];
    snprintf(old, sizeof old, "%s/old.db", th_dir);
    make_v1(old);
    for (int i = 1; i < as__nmigrations; i++) {   /* numbers may have gaps */
        int v = as__migrations[i].version;
        sqlite3 *s;
        cr_assert_eq(sqlite3_open(old, &s), SQLITE_OK);
        as_db fake = {0};
        fake.sql = s;
        fake.path = old;
        fake.schema_version = as__migrations[i - 1].version;
        cr_assert_eq(as__migrate_to(&fake, v), AS_OK, "step to %d: %s", v, fake.errmsg);
        free(fake.errmsg);
        sqlite3_close(s);
        cr_assert_eq(raw_int(old, "PRAGMA user_version"), v);
    }
    /* And the library opens it (a no-op now) and keeps the data. */
    as_db *db;
    cr_assert_eq(try_open(old, 0, &db, NULL), AS_OK);
    as_user *u = NULL;
    cr_assert_eq(as_user_get(&u, db, "U1", AS_REVEAL), AS_OK);
    cr_assert_str_eq(u->phone, "13800138000");
    as_user_free(u);
    as_close(db);

    char *migrated = schema_text(old);
    cr_assert_str_eq(migrated, fresh);
    free(fresh);
    free(migrated);
}

Test(db, open_migrates_an_old_file_in_one_go)
{
    const char *path = th_db_path();
    make_v1(path);
    as_db *db;
    cr_assert_eq(try_open(path, 0, &db, NULL), AS_OK);
    cr_assert_eq(as_db_schema_version(db), as_schema_version());
    as_close(db);
    cr_assert_eq(raw_int(path, "PRAGMA user_version"), as_schema_version());
    cr_assert_eq(raw_int(path, "SELECT count(*) FROM users"), 1);
}

Test(db, readonly_open_of_an_old_file_is_refused)
{
    const char *path = th_db_path();
    make_v1(path);
    if (as_schema_version() == 1)
        return;   /* nothing to migrate yet */
    as_db *db;
    char *err = NULL;
    cr_assert_eq(try_open(path, AS_OPEN_READONLY, &db, &err), AS_READONLY);
    as_free(err);
}

static as_user_input user(const char *id, const char *name)
{
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_NAME;
    in.user_id = id;
    in.name = name;
    return in;
}

static int exists(as_db *db, const char *id)
{
    as_user *u = NULL;
    as_status st = as_user_get(&u, db, id, 0);
    as_user_free(u);
    return st == AS_OK;
}

Test(db, nested_transactions)
{
    as_db *db = th_open_new();
    as_user_input a = user("A", "a"), b = user("B", "b"), c = user("C", "c");
    cr_assert_eq(as_begin(db), AS_OK);
    cr_assert_eq(as_user_add(db, &a), AS_OK);
    cr_assert_eq(as_begin(db), AS_OK);
    cr_assert_eq(as_txn_depth(db), 2);
    cr_assert_eq(as_user_add(db, &b), AS_OK);
    cr_assert_eq(as_rollback(db), AS_OK);   /* undoes only B */
    cr_assert_eq(as_begin(db), AS_OK);
    cr_assert_eq(as_user_add(db, &c), AS_OK);
    cr_assert_eq(as_commit(db), AS_OK);
    cr_assert_eq(as_commit(db), AS_OK);
    cr_assert_eq(as_txn_depth(db), 0);
    cr_assert(exists(db, "A"));
    cr_assert_not(exists(db, "B"));
    cr_assert(exists(db, "C"));
    cr_assert_eq(as_commit(db), AS_MISUSE);
    cr_assert_eq(as_rollback(db), AS_MISUSE);
    as_close(db);
}

Test(db, close_rolls_back_an_open_transaction)
{
    as_db *db = th_open_new();
    as_user_input a = user("A", "a");
    cr_assert_eq(as_begin(db), AS_OK);
    cr_assert_eq(as_user_add(db, &a), AS_OK);
    as_close(db);
    cr_assert_eq(try_open(th_path, 0, &db, NULL), AS_OK);
    cr_assert_not(exists(db, "A"));
    as_close(db);
}

/* Every static statement is prepared once per handle: the cache grows
 * instead of evicting, however many distinct statements are used. */
static int stmt_is_live(as_db *db, sqlite3_stmt *st)
{
    for (sqlite3_stmt *p = sqlite3_next_stmt(db->sql, NULL); p; p = sqlite3_next_stmt(db->sql, p))
        if (p == st)
            return 1;
    return 0;
}

Test(db, statement_cache_keeps_every_statement)
{
    enum { N = 300 };
    static char sql[N][32];
    static sqlite3_stmt *first[N];
    as_db *db = th_open_new();
    for (int i = 0; i < N; i++) {
        snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
        first[i] = as__stmt(db, sql[i]);
        cr_assert_not_null(first[i], "%s: %s", sql[i], as_errmsg(db));
    }
    for (int i = N - 1; i >= 0; i--) {
        cr_assert(stmt_is_live(db, first[i]), "statement %d was finalized", i);
        sqlite3_stmt *st = as__stmt(db, sql[i]);
        cr_assert_eq(st, first[i], "statement %d was prepared again", i);
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        cr_assert_eq(sqlite3_column_int(st, 0), i);
    }
    as_close(db);
}

Test(db, a_second_writer_gets_busy)
{
    as_db *one = th_open_new(), *two;
    cr_assert_eq(try_open(th_path, 0, &two, NULL), AS_OK);   /* 200 ms timeout */
    cr_assert_eq(as_begin(one), AS_OK);
    as_user_input a = user("A", "a");
    cr_assert_eq(as_user_add(two, &a), AS_BUSY);
    /* Readers are not blocked by the writer (WAL). */
    cr_assert_not(exists(two, "A"));
    cr_assert_eq(as_commit(one), AS_OK);
    cr_assert_eq(as_user_add(two, &a), AS_OK);
    as_close(one);
    as_close(two);
}

Test(db, status_strings_are_distinct)
{
    for (int i = 0; i < AS_STATUS_LAST; i++) {
        const char *s = as_status_string((as_status)i);
        cr_assert_not_null(s);
        cr_assert_neq(strcmp(s, "unknown status"), 0, "status %d has no text", i);
        for (int j = 0; j < i; j++)
            cr_assert_neq(strcmp(s, as_status_string((as_status)j)), 0, "%d and %d", i, j);
    }
    cr_assert_str_eq(as_status_string(AS_STATUS_LAST), "unknown status");
    cr_assert_str_eq(as_status_string((as_status)-1), "unknown status");
    cr_assert_str_eq(as_version(), AS_VERSION_STRING);
}

/* ---- issue 12: read-only files, damaged files ----------------------- */

static int side_exists(const char *suffix)
{
    char p[400];
    struct stat sb;
    snprintf(p, sizeof p, "%s%s", th_path, suffix);
    return lstat(p, &sb) == 0;
}

/* Reading a 0400 file left 0400 -wal and -shm files behind, which kept
 * every later writer out (77) until -shm was removed by hand. */
Test(db, reading_a_0400_file_leaves_no_side_files)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    as_close(db);
    cr_assert(!side_exists("-wal") && !side_exists("-shm"), "a clean close removes them");
    cr_assert_eq(chmod(th_path, 0400), 0);
    cr_assert_eq(try_open(th_path, AS_OPEN_READONLY, &db, NULL), AS_OK);
    as_user *u = NULL;
    cr_assert_eq(as_user_get(&u, db, "U1", 0), AS_OK, "%s", as_errmsg(db));
    as_user_free(u);
    as_check_iter *it = NULL;
    cr_assert_eq(as_check_iter_new(&it, db), AS_OK, "%s", as_errmsg(db));
    const as_check_item *item;
    int failed = 0;
    while (as_check_next(it, &item) == AS_OK)
        failed += !item->ok;
    as_check_iter_free(it);
    cr_assert_eq(failed, 0, "the check passes on a read-only file");
    cr_assert(!side_exists("-wal"), "no -wal while reading");
    cr_assert(!side_exists("-shm"), "no -shm while reading");
    as_close(db);
    cr_assert(!side_exists("-wal") && !side_exists("-shm"), "none after closing");
    /* The owner makes it writable again: writing works at once. */
    cr_assert_eq(chmod(th_path, 0600), 0);
    cr_assert_eq(try_open(th_path, 0, &db, NULL), AS_OK);
    th_add_user(db, "U2", 0, NULL);
    as_close(db);
}

/* A WAL with content beside a read-only file is read, not skipped. */
Test(db, a_wal_with_content_is_read)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    /* Keep the WAL: another connection holds it open while we add a row. */
    sqlite3 *keep = NULL;
    cr_assert_eq(sqlite3_open(th_path, &keep), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(keep, "SELECT count(*) FROM users", NULL, NULL, NULL), SQLITE_OK);
    th_add_user(db, "U2", 0, NULL);
    as_close(db);
    cr_assert(side_exists("-wal"), "the WAL is there");
    cr_assert_eq(chmod(th_path, 0400), 0);
    cr_assert_eq(try_open(th_path, AS_OPEN_READONLY, &db, NULL), AS_OK);
    as_user *u = NULL;
    cr_assert_eq(as_user_get(&u, db, "U2", 0), AS_OK, "the row in the WAL: %s", as_errmsg(db));
    as_user_free(u);
    as_close(db);
    sqlite3_close(keep);
    cr_assert_eq(chmod(th_path, 0600), 0);
}

/* A damaged file is AS_CORRUPT, not AS_NOTOURS ("not an aftersales
 * database"). */
Test(db, a_damaged_file_is_corrupt_not_foreign)
{
    as_db *db = th_open_new();
    for (int i = 0; i < 50; i++) {
        char id[16];
        snprintf(id, sizeof id, "U%d", i);
        th_add_user(db, id, 0, NULL);
    }
    as_close(db);
    raw_exec(th_path, "PRAGMA journal_mode = DELETE");
    struct stat sb;
    cr_assert_eq(stat(th_path, &sb), 0);
    cr_assert_eq(truncate(th_path, sb.st_size / 2), 0);
    char *err = NULL;
    as_status st = try_open(th_path, 0, &db, &err);
    cr_assert_eq(st, AS_CORRUPT, "status %d: %s", st, err ? err : "");
    cr_assert(strstr(err, "malformed") && strstr(err, "restore it from a backup"), "%s", err);
    as_free(err);
    cr_assert_str_eq(as_status_string(AS_CORRUPT), "the database file is damaged");
}

/* rc of one statement on the file (SQLITE_OK, SQLITE_CONSTRAINT, ...). */
static int raw_rc(const char *path, const char *sql)
{
    sqlite3 *s;
    cr_assert_eq(sqlite3_open(path, &s), SQLITE_OK);
    int rc = sqlite3_exec(s, sql, NULL, NULL, NULL);
    sqlite3_close(s);
    return rc & 0xff;
}

/* Migration 014: the value lists of CHECK constraints are OR chains (an IN
 * list of more than two values makes SQLite build a temporary index on
 * every INSERT), and they allow exactly what they allowed before. */
Test(db, check_lists_are_or_chains_that_allow_the_same_values)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = "app";
    in.category = "x";
    in.subject = "s";
    char t[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK, "%s", as_errmsg(db));
    as_close(db);

    static const char *const tables[] = {"tickets", "surveys", "outbox"};
    for (size_t i = 0; i < 3; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT sql LIKE '%%IN (''%%' FROM sqlite_schema WHERE name = '%s'", tables[i]);
        cr_assert_eq(raw_int(th_path, sql), 0, "%s still has a CHECK with an IN list", tables[i]);
    }
    static const char *const channels[] = {"app", "phone", "wechat", "web", "station"};
    for (size_t i = 0; i < 5; i++) {
        char sql[120];
        snprintf(sql, sizeof sql, "UPDATE tickets SET channel = '%s'", channels[i]);
        cr_assert_eq(raw_rc(th_path, sql), SQLITE_OK, "%s", channels[i]);
    }
    static const char *const statuses[] = {"new", "assigned", "in_progress", "waiting_customer",
                                           "resolved", "closed", "merged", "cancelled"};
    for (size_t i = 0; i < 8; i++) {
        char sql[120];
        snprintf(sql, sizeof sql, "UPDATE tickets SET status = '%s'", statuses[i]);
        cr_assert_eq(raw_rc(th_path, sql), SQLITE_OK, "%s", statuses[i]);
    }
    cr_assert_eq(raw_rc(th_path, "UPDATE tickets SET channel = 'fax'"), SQLITE_CONSTRAINT);
    cr_assert_eq(raw_rc(th_path, "UPDATE tickets SET severity = 'huge'"), SQLITE_CONSTRAINT);
    cr_assert_eq(raw_rc(th_path, "UPDATE tickets SET status = 'lost'"), SQLITE_CONSTRAINT);
    cr_assert_eq(raw_rc(th_path, "UPDATE tickets SET severity = 'systemic'"), SQLITE_OK);
    cr_assert_eq(raw_int(th_path, "SELECT count(*) FROM pragma_integrity_check"
                                  " WHERE integrity_check <> 'ok'"), 0);
}
