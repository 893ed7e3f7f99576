/* fuzz_import_kind.c - one import of the library over arbitrary input, as
 * CSV or JSON Lines, against a real database with users, a vehicle and a
 * ticket in it, as a dry run so that every input starts from the same
 * state.  Built once per kind with -DIMPORT_KIND=N (tests/fuzz/meson.build):
 * 0 feedback, 1 fuel, 2 kb, 3 ticket (JSON Lines only), 4 sentiment
 * training.  (The user import is fuzz_import.c.)
 *
 * The first byte picks the options: bit 0 JSON Lines, bit 1 skip bad rows,
 * bits 2-3 the encoding (none, gb18030, utf-16le, utf-8), bits 4-6 the
 * delimiter (detect, ',', TAB, ';', '|', or an invalid one); the rest is
 * the file.  Bad input is never a library failure, every row is counted
 * once, and no transaction is left open. */
#include "aftersales.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef IMPORT_KIND
#error "build with -DIMPORT_KIND=N"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef as_status (*import_fn)(as_db *, FILE *, const char *, const as_import_options *,
                               as_import_stats *);

static const struct {
    import_fn fn;
    int jsonl_only;
} kinds[] = {
    {as_feedback_import, 0},
    {as_fuel_import, 0},
    {as_kb_import, 0},
    {as_ticket_import, 1},
    {as_sentiment_train, 0},
};

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

/* Users U1-U3 (U1 with a phone and a vehicle), an article, a ticket. */
static void setup(void)
{
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
    static const char *const ids[] = {"U1", "U2", "U3"};
    for (int i = 0; i < 3; i++) {
        as_user_input u = AS_USER_INPUT_INIT;
        u.fields = AS_USER_NAME | (i == 0 ? AS_USER_PHONE : 0);
        u.user_id = ids[i];
        u.name = "张三";
        u.phone = "13912345678";
        if (as_user_add(db, &u) != AS_OK)
            abort();
    }
    if (as_vehicle_add(db, "U1", "云A12345", "95", NULL) != AS_OK)
        abort();
    as_kb_input k = AS_KB_INPUT_INIT;
    k.article_id = "KB1";
    k.title = "退款";
    k.body = "原路退回";
    if (as_kb_add(db, &k, NULL) != AS_OK)
        abort();
    as_ticket_input t = AS_TICKET_INPUT_INIT;
    t.user_id = "U1";
    t.channel = "app";
    t.category = "payment";
    t.subject = "多扣钱";
    t.body = "";
    char tn[AS_TRACKING_BUFSIZE];
    if (as_ticket_open(db, &t, tn) != AS_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    static const char *const encs[] = {NULL, "gb18030", "utf-16le", "utf-8"};
    static const char delims[] = {0, ',', '\t', ';', '|', ':', 0, 0};
    unsigned pick = size ? data[0] : 0;
    FILE *f = fmemopen((void *)(size > 1 ? data + 1 : data), size > 1 ? size - 1 : 0, "rb");
    if (!f)
        return 0;
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_DRY_RUN | ((pick & 2) ? AS_IMPORT_SKIP_BAD : 0) |
              ((pick & 1) || kinds[IMPORT_KIND].jsonl_only ? AS_IMPORT_JSONL : 0);
    o.encoding = encs[(pick >> 2) & 3];
    o.delimiter = delims[(pick >> 4) & 7];
    as_import_stats stats;
    as_status st = kinds[IMPORT_KIND].fn(db, f, "fuzz", &o, &stats);
    fclose(f);
    if (st == AS_IO || st == AS_INTERNAL || st == AS_MISUSE || st == AS_CORRUPT ||
        st == AS_NOMEM)
        __builtin_trap();   /* bad input is never a library failure */
    if (st == AS_OK && stats.inserted + stats.updated + stats.unchanged + stats.rejected != stats.rows)
        __builtin_trap();   /* every row is counted once */
    if (as_txn_depth(db) != 0)
        __builtin_trap();   /* the import's transaction is closed */
    return 0;
}
