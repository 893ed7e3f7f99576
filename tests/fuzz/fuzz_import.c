/* fuzz_import.c - the whole user import (CSV or JSON Lines) against a real
 * database, as a dry run so every input starts from the same state. */
#include "aftersales.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static as_db *db;
static char path[4096];

static void close_db(void)
{
    as_close(db);
    char side[4200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db) {
        /* In $TMPDIR: scripts/fuzz gives each run its own and removes it
         * (libFuzzer ends with _Exit, so close_db does not always run). */
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/as-fuzz-XXXXXX", dir && dir[0] ? dir : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        unlink(path);
        as_open_options o = AS_OPEN_OPTIONS_INIT;
        o.flags = AS_OPEN_CREATE;
        if (as_open(&db, path, &o, NULL) != AS_OK)
            abort();
        atexit(close_db);
    }
    FILE *f = fmemopen((void *)(size > 1 ? data + 1 : data), size > 1 ? size - 1 : 0, "rb");
    if (!f)
        return 0;
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_DRY_RUN | AS_IMPORT_SKIP_BAD | (size && (data[0] & 1) ? AS_IMPORT_JSONL : 0);
    as_import_stats stats;
    as_status st = as_user_import(db, f, "fuzz", &o, &stats);
    if (st == AS_IO || st == AS_INTERNAL || st == AS_MISUSE)
        __builtin_trap();   /* bad input is never a library failure */
    if (st == AS_OK && stats.inserted + stats.updated + stats.unchanged + stats.rejected != stats.rows)
        __builtin_trap();   /* every row is counted once */
    fclose(f);
    return 0;
}
