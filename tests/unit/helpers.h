/* helpers.h - small shared helpers for the Criterion unit tests. */
#ifndef AS_TEST_HELPERS_H
#define AS_TEST_HELPERS_H

#include "aftersales.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh temporary directory and a database path inside it.  Each
 * Criterion test runs in its own process, so static state is per test. */
static char th_dir[256];
static char th_path[300];

static inline const char *th_db_path(void)
{
    snprintf(th_dir, sizeof th_dir, "/tmp/as-unit-XXXXXX");
    cr_assert_not_null(mkdtemp(th_dir), "mkdtemp failed");
    snprintf(th_path, sizeof th_path, "%s/test.db", th_dir);
    return th_path;
}

/* Open (creating) a fresh database. */
static inline as_db *th_open_new(void)
{
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    as_db *db = NULL;
    char *err = NULL;
    as_status st = as_open(&db, th_db_path(), &o, &err);
    cr_assert_eq(st, AS_OK, "as_open: %s", err ? err : "?");
    return db;
}

static inline void th_cleanup(void)
{
    char cmd[400];
    if (th_dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", th_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", th_dir);
    }
}

/* Write text to a file in the temp dir; returns its path (static). */
static inline const char *th_write(const char *name, const char *text, size_t len)
{
    static char p[400];
    snprintf(p, sizeof p, "%s/%s", th_dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    fclose(f);
    return p;
}

/* ---- fixtures shared by test_fuel.c, test_remind.c, test_outbox.c,
 * test_demand.c, test_ops.c and test_ticket_export.c ---------------- */

/* A Unix time from ISO 8601 text; a bare date is in UTC+8. */
static inline int64_t th_time(const char *s)
{
    int64_t t;
    cr_assert_eq(as_time_parse(s, 480, &t), AS_OK, "%s", s);
    return t;
}

/* A configuration from YAML text (the file name in messages is t.yaml). */
static inline as_config *th_config(const char *yaml)
{
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, yaml, strlen(yaml), "t.yaml", &err), AS_OK, "%s",
                 err ? err : "");
    return cfg;
}

/* Open (creating) a fresh database with a configuration. */
static inline as_db *th_open_with(as_config *cfg)
{
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_db_path(), &o, NULL), AS_OK);
    return db;
}

/* Add a user named 张三 in 530102; quiet is "HH:MM-HH:MM" or NULL. */
static inline void th_add_user(as_db *db, const char *id, int marketing, const char *quiet)
{
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_NAME | AS_USER_CONSENT_MARKETING | AS_USER_REGION;
    in.user_id = id;
    in.name = "张三";
    in.region = "530102";
    in.consent_marketing = marketing;
    if (quiet) {
        in.fields |= AS_USER_QUIET_HOURS;
        cr_assert_eq(as_quiet_hours_parse(quiet, &in.quiet_start, &in.quiet_end), AS_OK);
    }
    cr_assert_eq(as_user_add(db, &in), AS_OK, "%s", as_errmsg(db));
}

/* Import fueling CSV text; every row must be good. */
static inline void th_fuel_import(as_db *db, const char *text)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    as_import_stats s;
    cr_assert_eq(as_fuel_import(db, f, "t.csv", NULL, &s), AS_OK, "%s", as_errmsg(db));
    fclose(f);
}

/* Import feedback CSV text with the default options. */
static inline as_status th_feedback_import(as_db *db, const char *text, as_import_stats *st)
{
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    cr_assert_not_null(f);
    as_status s = as_feedback_import(db, f, "fb.csv", NULL, st);
    fclose(f);
    return s;
}

/* The integer a query gives, read through a second, read-only SQLite
 * connection on the database file at path (committed data only). */
static inline int64_t th_count_in(const char *path, const char *sql)
{
    sqlite3 *c = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s", path);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(c));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(c);
    return v;
}

/* th_count_in() on the database of th_open_new()/th_open_with(). */
static inline int64_t th_count(const char *sql)
{
    return th_count_in(th_path, sql);
}

/* A path beside the test database (static buffer, one at a time). */
static inline const char *th_file(const char *name)
{
    static char p[400];
    snprintf(p, sizeof p, "%s/%s", th_dir, name);
    return p;
}

#endif
