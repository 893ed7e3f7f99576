/* calendar-bench.c - how much business-calendar arithmetic adds to an SLA
 * sweep.  usage: calendar-bench [ROWS]
 *
 * Creates a temporary database with ROWS tickets (opened_at spread over
 * 2025-2026, a target of 2 h, 30 min or 3 business days), then times in
 * the same run:
 *   baseline  a bare scan: SELECT opened_at, target FROM t, computing the
 *             24/7 due time (opened_at + target) and elapsed seconds;
 *   ours      the same scan computing the due time and the business
 *             seconds elapsed on cn-office (holidays, 调休) instead;
 *   calendar  the calendar calls alone on the values in memory.
 * Prints rows/s for each and the ratio ours / baseline rate.
 */
#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "calendar-bench: %s\n", err ? err : "sqlite error");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* One scan; with cal NULL the 24/7 baseline.  Returns a checksum. */
static int64_t scan(sqlite3 *db, const as__calendar *cal, int64_t sweep_at, int64_t *rows)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT opened_at, target FROM t", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int64_t sum = 0, n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t opened = sqlite3_column_int64(st, 0), target = sqlite3_column_int64(st, 1);
        int64_t due, elapsed;
        if (cal) {
            due = as__calendar_add(cal, opened, target);
            elapsed = as__calendar_business_seconds(cal, opened, sweep_at);
        } else {
            due = opened + target;
            elapsed = sweep_at > opened ? sweep_at - opened : 0;
        }
        sum += (due > sweep_at) + (elapsed > target);
        n++;
    }
    sqlite3_finalize(st);
    *rows = n;
    return sum;
}

int main(int argc, char **argv)
{
    long long rows = argc > 1 ? atoll(argv[1]) : 1000000;
    if (rows < 1) {
        fprintf(stderr, "usage: calendar-bench [ROWS]\n");
        return 64;
    }
    as_config *cfg = NULL;
    char *err = NULL;
    if (as_config_load(&cfg, NULL, &err) != AS_OK) {
        fprintf(stderr, "calendar-bench: %s\n", err ? err : "config");
        return 78;
    }
    const as__calendar *cal = as__calendar_find_cfg(cfg, "cn-office");
    char path[] = "/tmp/calendar-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || !cal)
        return 70;
    close(fd);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return 70;
    /* 2025-01-01 .. 2026-12-31, targets 30 min / 2 h / 3 business days. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
             "CREATE TABLE t (id INTEGER PRIMARY KEY, opened_at INTEGER, target INTEGER);"
             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %lld)"
             " INSERT INTO t SELECT i, 1735660800 + abs(random()) %% 63072000,"
             " CASE i %% 3 WHEN 0 THEN 1800 WHEN 1 THEN 7200 ELSE 97200 END FROM c;",
             rows);
    fprintf(stderr, "generating %lld tickets ...\n", rows);
    if (run_sql(db, sql) < 0)
        return 70;
    int64_t sweep_at = 1767225600 + 86400 * 200;   /* mid-2026 */

    /* Warm the page cache, then time three runs of each and keep the best. */
    int64_t n = 0, ck;
    scan(db, NULL, sweep_at, &n);
    double best_base = 1e9, best_ours = 1e9, best_mem = 1e9;
    int64_t *opened = malloc((size_t)rows * sizeof *opened);
    int64_t *target = malloc((size_t)rows * sizeof *target);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT opened_at, target FROM t", -1, &st, NULL);
    int64_t k = 0;
    while (sqlite3_step(st) == SQLITE_ROW && k < rows) {
        opened[k] = sqlite3_column_int64(st, 0);
        target[k++] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    int64_t mem_ck = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now_s();
        ck = scan(db, NULL, sweep_at, &n);
        double t1 = now_s();
        ck += scan(db, cal, sweep_at, &n);
        double t2 = now_s();
        mem_ck = 0;
        for (int64_t i = 0; i < k; i++) {
            mem_ck += as__calendar_add(cal, opened[i], target[i]) > sweep_at;
            mem_ck += as__calendar_business_seconds(cal, opened[i], sweep_at) > target[i];
        }
        double t3 = now_s();
        if (t1 - t0 < best_base)
            best_base = t1 - t0;
        if (t2 - t1 < best_ours)
            best_ours = t2 - t1;
        if (t3 - t2 < best_mem)
            best_mem = t3 - t2;
    }
    double rb = (double)n / best_base, ro = (double)n / best_ours, rm = (double)k / best_mem;
    printf("\ncalendar benchmark: %lld tickets, best of 3 runs (checksum %lld/%lld)\n\n",
           (long long)n, (long long)ck, (long long)mem_ck);
    printf("%-52s %9s %12s\n", "step", "seconds", "rows/s");
    printf("%-52s %9.3f %12.0f\n", "baseline (scan, 24/7 due time and elapsed)", best_base, rb);
    printf("%-52s %9.3f %12.0f\n", "ours (scan, cn-office due time and elapsed)", best_ours, ro);
    printf("%-52s %9.3f %12.0f\n", "calendar calls alone (2 per ticket, in memory)", best_mem, rm);
    printf("\nratio ours_rate / baseline_rate: %.2f\n", ro / rb);
    printf("target: a 1M-ticket sweep's calendar work under 1 s (%s)\n",
           best_mem < 1.0 ? "PASS" : "ABOVE TARGET");
    free(opened);
    free(target);
    sqlite3_close(db);
    unlink(path);
    as_config_free(cfg);
    return 0;
}
