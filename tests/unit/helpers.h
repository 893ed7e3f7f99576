/* helpers.h - small shared helpers for the Criterion unit tests. */
#ifndef AS_TEST_HELPERS_H
#define AS_TEST_HELPERS_H

#include "aftersales.h"

#include <criterion/criterion.h>
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

#endif
