/* benefits.c - the tiers' benefits granted each month: coupons issued to
 * the users of a tier (tiers.levels[].grants), once per user, month and
 * template. */
#include "config.h"
#include "coupon.h"
#include "profile.h"
#include "remind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "YYYY-MM" of t in the zone off_s seconds east of UTC. */
static void month_of(int64_t t, int64_t off_s, char out[8])
{
    int64_t d = t + off_s;
    d = d >= 0 ? d / 86400 : (d - 86399) / 86400;
    int64_t y;
    unsigned m, day;
    as__civil_from_days(d, &y, &m, &day);
    unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
    out[0] = (char)('0' + yy / 1000);
    out[1] = (char)('0' + yy / 100 % 10);
    out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '\0';
}

static const as__tier *tier_named(const as__tiers_cfg *tc, const char *name)
{
    for (size_t i = 0; tc && name && i < tc->n; i++)
        if (strcmp(tc->items[i].name, name) == 0)
            return &tc->items[i];
    return NULL;
}

/* Issue the grants of every user's tier into w; counts in *s. */
static as_status grant_all(as_db *db, as__coupon_writer *w, const as__tiers_cfg *tc,
                           int64_t at, as_benefits_stats *s)
{
    const as_config *cfg = as__db_config(db);
    static const char sql[] =
        "SELECT p.user_id, p.tier FROM main.profiles p JOIN users u ON u.user_id = p.user_id"
        " WHERE u.erased_at IS NULL AND p.tier IS NOT NULL ORDER BY p.user_id";
    sqlite3_stmt *q = as__stmt(db, sql);
    if (!q)
        return AS_INTERNAL;
    as_status st = AS_OK;
    as_buf key = {0};
    int rc;
    while (st == AS_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *user = as__column_text(q, 0);
        const as__tier *t = tier_named(tc, as__column_text(q, 1));
        if (!t || !t->ngrants)
            continue;
        s->users++;
        for (size_t g = 0; g < t->ngrants && st == AS_OK; g++) {
            const as_coupon_template *tm = as__coupon_template(cfg, t->grants[g].coupon);
            if (!tm) {
                st = as__fail(db, AS_CONFIG, "no coupon template '%s'", t->grants[g].coupon);
                break;
            }
            for (int64_t n = 1; n <= t->grants[g].count && st == AS_OK; n++) {
                /* benefit:USER:MONTH:TEMPLATE:N */
                char tail[64];
                snprintf(tail, sizeof tail, ":%s:%s:%lld", s->month, tm->id, (long long)n);
                key.len = 0;
                if (as__buf_adds(&key, "benefit:") < 0 || as__buf_adds(&key, user) < 0 ||
                    as__buf_adds(&key, tail) < 0) {
                    st = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                char code[AS__COUPON_CODE_LEN + 1];
                st = as__coupon_code(w, key.data, code);
                if (st == AS_OK)
                    st = as__coupon_writer_add(w, tm, user, code, at, at, at + tm->valid_s,
                                               "benefit", key.data, NULL, NULL, NULL);
                s->duplicates++;   /* less those written, after the flush */
            }
        }
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading the tiers of the users");
    sqlite3_reset(q);
    as__buf_free(&key);
    return st;
}

as_status as_benefits_run(as_db *db, const as_benefits_options *opts, as_benefits_stats *stats)
{
    static const as_benefits_options defaults = AS_BENEFITS_OPTIONS_INIT;
    as_benefits_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db)
        return AS_MISUSE;
    if (!opts)
        opts = &defaults;
    if (opts->version != AS_BENEFITS_OPTIONS_VERSION)
        return as__fail(db, AS_MISUSE, "as_benefits_run: unknown options version %u",
                        opts->version);
    if (opts->flags & ~AS_BENEFITS_DRY_RUN)
        return as__fail(db, AS_MISUSE, "as_benefits_run: unknown flags");
    int64_t at = opts->at ? opts->at : as__now();
    month_of(at, (int64_t)as_db_utc_offset(db) * 60, stats->month);
    const as__tiers_cfg *tc = as__db_config(db)->tiers;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    int64_t n = 0;
    st = as__profiles_update(db, at, &n);
    as__coupon_writer w;
    int open = 0;
    if (st == AS_OK && (st = as__coupon_writer_init(&w, db)) == AS_OK)
        open = 1;
    if (st == AS_OK)
        st = grant_all(db, &w, tc, at, stats);
    int64_t first = open ? w.first_id : 0;
    if (open) {
        as_status fs = as__coupon_writer_finish(&w);
        if (st == AS_OK)
            st = fs;
    }
    if (st == AS_OK) {
        /* what the flush wrote (a key issued before kept its row out) */
        static const char sql[] = "SELECT count(*) FROM main.coupons WHERE id >= ?1";
        sqlite3_stmt *q = as__stmt(db, sql);
        if (!q) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(q, 1, first);
            int rc = sqlite3_step(q);
            if (rc == SQLITE_ROW)
                stats->issued = (uint64_t)sqlite3_column_int64(q, 0);
            else
                st = as__sqlfail(db, rc, "counting coupons");
            sqlite3_reset(q);
        }
        stats->duplicates -= stats->issued;
    }
    if (st == AS_OK && (opts->flags & AS_BENEFITS_DRY_RUN)) {
        as_rollback(db);
        as__ok(db);
        return AS_OK;
    }
    st = as__write_end(db, st);
    if (st != AS_OK) {
        char month[8];
        memcpy(month, stats->month, sizeof month);
        memset(stats, 0, sizeof *stats);
        memcpy(stats->month, month, sizeof month);
    }
    return st;
}
