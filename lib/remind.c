/* remind.c - evaluating the reminder rules into the outbox (set-based). */
#include "outbox.h"
#include "remind.h"

#include <stdlib.h>
#include <string.h>

const char *as_remind_kind_name(int kind)
{
    static const char *const names[AS_REMIND_NKINDS] = {"weather", "maintenance",
                                                        "refuel_coupon", "winback", "tip",
                                                        "survey"};
    return kind >= 0 && kind < AS_REMIND_NKINDS ? names[kind] : NULL;
}

static const int priority[AS_REMIND_NKINDS] = {AS__PRIO_SAFETY, AS__PRIO_SERVICE,
                                               AS__PRIO_MARKETING, AS__PRIO_MARKETING,
                                               AS__PRIO_MARKETING, AS__PRIO_SERVICE};

/*
 * The source query of each kind: one row per notification due at ?1, with
 * user_id, quiet_start, quiet_end, dedupe_key, payload and a column per
 * placeholder of the kind (remind_config.c).  ?2.. are the kind's numbers;
 * ?9 is the business zone's offset in seconds.  Times in a payload are ISO
 * 8601 text in the business zone (as__time_iso), as in every output.
 */
static const char src_weather[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'weather:' || a.id || ':' || u.user_id AS dedupe_key,"
    " json_object('alert', a.id, 'kind', a.kind, 'region', a.region) AS payload,"
    " a.message AS message, a.kind AS kind, a.region AS region,"
    " strftime('%Y-%m-%d %H:%M', a.from_at + ?9, 'unixepoch') AS \"from\","
    " strftime('%Y-%m-%d %H:%M', a.to_at + ?9, 'unixepoch') AS \"to\""
    " FROM weather_alerts a JOIN users u"
    "   ON u.region >= a.prefix AND u.region < a.prefix || ':'"
    " WHERE a.to_at > ?1 AND u.erased_at IS NULL AND u.consent_service = 1";

static const char src_maint[] =
    "WITH vs AS ("
    "  SELECT v.id AS vid, v.user_id, v.plate, v.created_at,"
    "   (SELECT s.at FROM services s WHERE s.vehicle_id = v.id AND s.at <= ?1"
    "     ORDER BY s.at DESC LIMIT 1) AS s_at,"
    "   (SELECT s.km FROM services s WHERE s.vehicle_id = v.id AND s.at <= ?1"
    "     ORDER BY s.at DESC LIMIT 1) AS s_km,"
    "   (SELECT o.km FROM odometer_readings o WHERE o.vehicle_id = v.id AND o.at <= ?1"
    "     ORDER BY o.at DESC LIMIT 1) AS cur_km,"
    "   (SELECT o.at FROM odometer_readings o WHERE o.vehicle_id = v.id ORDER BY o.at LIMIT 1)"
    "     AS first_at,"
    "   (SELECT o.km FROM odometer_readings o WHERE o.vehicle_id = v.id ORDER BY o.at LIMIT 1)"
    "     AS first_km"
    "  FROM vehicles v WHERE v.plate IS NOT NULL"
    "), b AS ("
    "  SELECT vid, user_id, plate, s_at, cur_km - coalesce(s_km, first_km) AS km_since,"
    "   coalesce(s_at, first_at, created_at) AS base_at FROM vs"
    ")"
    " SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'maint:' || b.vid || ':' || coalesce(b.s_at, 0) AS dedupe_key,"
    " json_object('plate', b.plate, 'km_since_service', b.km_since,"
    "   'days_since_service', (?1 - b.base_at) / 86400) AS payload,"
    " b.plate AS plate, coalesce(b.km_since, 0) AS km_since_service,"
    " (?1 - b.base_at) / 86400 AS days_since_service, ?2 AS every_km, ?3 / 86400 AS every_days,"
    " CASE WHEN b.s_at IS NULL THEN '' ELSE strftime('%Y-%m-%d', b.s_at + ?9, 'unixepoch') END"
    "   AS last_service_date"
    " FROM b JOIN users u ON u.user_id = b.user_id"
    " WHERE u.erased_at IS NULL AND u.consent_service = 1"
    "  AND (coalesce(b.km_since, 0) >= ?2 - ?4 OR ?1 - b.base_at >= ?3 - ?5)";

static const char src_refuel[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'refuel:' || u.user_id || ':' || p.last_at AS dedupe_key,"
    " json_object('last_at', as__time_iso(p.last_at),"
    "   'expected_at', as__time_iso(p.last_at + p.median_interval_s))"
    "   AS payload,"
    " strftime('%Y-%m-%d', p.last_at + p.median_interval_s + ?9, 'unixepoch') AS expected_date,"
    " coalesce(json_extract(p.top_stations, '$[0]'), '') AS station,"
    " coalesce(p.preferred_grade, '') AS grade,"
    " round(p.median_interval_s / 86400.0, 1) AS usual_interval_days"
    " FROM profiles p JOIN users u ON u.user_id = p.user_id"
    " WHERE p.fillups >= ?2 AND p.median_interval_s > 0"
    "  AND u.erased_at IS NULL AND u.consent_marketing = 1"
    "  AND ?1 >= ((p.last_at + p.median_interval_s + ?9) / 86400 - 1) * 86400 - ?9"
    "  AND ?1 < p.last_at + p.median_interval_s";

static const char src_winback[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'winback:' || u.user_id || ':' || p.last_at AS dedupe_key,"
    " json_object('last_at', as__time_iso(p.last_at),"
    "   'median_interval_s', p.median_interval_s) AS payload,"
    " (?1 - p.last_at) / 86400 AS days_since_last,"
    " coalesce(json_extract(p.top_stations, '$[0]'), '') AS station,"
    " round(p.median_interval_s / 86400.0, 1) AS usual_interval_days"
    " FROM profiles p JOIN users u ON u.user_id = p.user_id"
    " WHERE p.fillups >= ?3 AND p.median_interval_s > 0"
    "  AND u.erased_at IS NULL AND u.consent_marketing = 1"
    "  AND ?1 - p.last_at > ?2 * p.median_interval_s";

static const char src_tip[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'tip:' || u.user_id || ':' || (?1 / ?2) AS dedupe_key,"
    " json_object('period', ?1 / ?2) AS payload, (?1 / ?2) % ?3 AS tipno"
    " FROM users u WHERE u.erased_at IS NULL AND u.consent_marketing = 1";

/* One per pending survey (status 'pending': not answered, not voided by a
 * reopening), from ?2 seconds after the resolution until its due time. */
static const char src_survey[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'survey:' || s.id AS dedupe_key,"
    " json_object('survey', s.id, 'ticket', t.tracking, 'resolution', s.resolution,"
    "   'due_at', as__time_iso(s.due_at)) AS payload,"
    " t.tracking AS tracking, t.subject AS subject,"
    " strftime('%Y-%m-%d %H:%M', s.created_at + ?9, 'unixepoch') AS resolved,"
    " strftime('%Y-%m-%d %H:%M', s.due_at + ?9, 'unixepoch') AS due"
    " FROM surveys s JOIN tickets t ON t.id = s.ticket_id"
    " JOIN users u ON u.user_id = s.user_id"
    " WHERE s.status = 'pending' AND s.due_at > ?1 AND s.created_at + ?2 <= ?1"
    "  AND u.erased_at IS NULL AND u.consent_service = 1";

/* as__time_iso(t): t (Unix seconds) as ISO 8601 text with the offset of
 * the handle (the function's user data); NULL stays NULL. */
static void time_iso(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    char buf[AS_TIME_BUFSIZE];
    as_time_format(sqlite3_value_int64(argv[0]), as_db_utc_offset(sqlite3_user_data(ctx)), buf);
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static as_status register_functions(as_db *db)
{
    int rc = sqlite3_create_function_v2(db->sql, "as__time_iso", 1,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, db, time_iso, NULL,
                                        NULL, NULL);
    return rc == SQLITE_OK ? AS_OK : as__sqlfail(db, rc, "registering the reminder functions");
}

static as_status exec_bound(as_db *db, const char *sql, const int64_t *nums, size_t nnums,
                            double real2, const as__binds *binds, int first, int64_t at,
                            int64_t *changes)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "preparing a reminder rule");
    sqlite3_bind_int64(s, 1, at);
    for (size_t i = 0; i < nnums; i++)
        sqlite3_bind_int64(s, (int)i + 2, nums[i]);
    if (real2 > 0)
        sqlite3_bind_double(s, 2, real2);
    sqlite3_bind_int64(s, 9, (int64_t)as_db_utc_offset(db) * 60);
    for (size_t i = 0; binds && i < binds->n; i++)
        sqlite3_bind_text(s, first + (int)i, binds->text[i], -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    as_status st = rc == SQLITE_DONE || rc == SQLITE_ROW ? AS_OK
                                                         : as__sqlfail(db, rc, "evaluating reminders");
    if (changes)
        *changes = sqlite3_changes(db->sql);
    sqlite3_finalize(s);
    return st;
}

/* Candidates of one kind into temp.remind_cand. */
static as_status add_kind(as_db *db, const as__reminders_cfg *r, int kind, int64_t at)
{
    const as__rule *rule = &r->rule[kind];
    static const char *const srcs[AS_REMIND_NKINDS] = {src_weather, src_maint, src_refuel,
                                                       src_winback, src_tip, src_survey};
    enum { FIRST = 20 };
    as__binds binds = {0};
    as_buf sql = {0};
    char head[200];
    snprintf(head, sizeof head,
             "INSERT INTO temp.remind_cand (user_id, kind_no, priority, dedupe_key, title, body,"
             " payload, quiet_start, quiet_end) SELECT x.user_id, %d, %d, x.dedupe_key, ",
             kind, priority[kind]);
    int rc = as__buf_adds(&sql, head);
    if (!rc)
        rc = as__tmpl_sql(&sql, &rule->title, kind, &binds, FIRST);
    if (!rc)
        rc = as__buf_adds(&sql, ", ");
    if (!rc && kind == AS_REMIND_TIP) {
        rc = as__buf_adds(&sql, "CASE x.tipno");
        for (size_t i = 0; i < r->ntips && !rc; i++) {
            char w[48];
            snprintf(w, sizeof w, " WHEN %zu THEN ", i);
            rc = as__buf_adds(&sql, w);
            if (!rc)
                rc = as__tmpl_sql(&sql, &r->tips[i], kind, &binds, FIRST);
        }
        if (!rc)
            rc = as__buf_adds(&sql, " END");
    } else if (!rc) {
        rc = as__tmpl_sql(&sql, &rule->body, kind, &binds, FIRST);
    }
    if (!rc)
        rc = as__buf_adds(&sql, ", x.payload, x.quiet_start, x.quiet_end FROM (");
    if (!rc)
        rc = as__buf_adds(&sql, srcs[kind]);
    if (!rc)
        rc = as__buf_adds(&sql, ") AS x");
    if (rc) {
        as__buf_free(&sql);
        return as__fail(db, AS_NOMEM, "reminders: a template is too long or out of memory");
    }
    int64_t nums[4] = {0};
    size_t nn = 0;
    double real2 = 0;
    switch (kind) {
    case AS_REMIND_MAINTENANCE:
        nums[0] = r->maint_every_km;
        nums[1] = r->maint_every_s;
        nums[2] = r->maint_lead_km;
        nums[3] = r->maint_lead_s;
        nn = 4;
        break;
    case AS_REMIND_REFUEL_COUPON:
        nums[0] = r->refuel_min_fillups;
        nn = 1;
        break;
    case AS_REMIND_WINBACK:
        nums[0] = 0;
        nums[1] = r->winback_min_fillups;
        nn = 2;
        real2 = r->winback_factor;
        break;
    case AS_REMIND_TIP:
        nums[0] = r->tips_every_s;
        nums[1] = (int64_t)r->ntips;
        nn = 2;
        break;
    case AS_REMIND_SURVEY:
        nums[0] = r->survey_delay_s;
        nn = 1;
        break;
    default:
        break;
    }
    as_status st = exec_bound(db, sql.data, nums, nn, real2, &binds, FIRST, at, NULL);
    as__buf_free(&sql);
    return st;
}

/* The end of the user's quiet hours when the run's time (?1; ?3 seconds
 * and ?4 minutes into the business day) falls in them, else ?1. */
#define NOT_BEFORE_SQL                                                                       \
    "CASE WHEN c.quiet_start IS NULL THEN ?1"                                                \
    " WHEN (CASE WHEN c.quiet_start < c.quiet_end THEN ?4 >= c.quiet_start AND ?4 < c.quiet_end" \
    "       ELSE ?4 >= c.quiet_start OR ?4 < c.quiet_end END)"                                \
    " THEN ?1 - ?3 + c.quiet_end * 60 + CASE WHEN c.quiet_end * 60 <= ?3 THEN 86400 ELSE 0 END" \
    " ELSE ?1 END"

/* Step a prepared statement to the end, calling row for each row. */
static as_status each_row(as_db *db, sqlite3_stmt *s, void (*row)(sqlite3_stmt *, void *),
                          void *ctx, const char *what)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (row)
            row(s, ctx);
    return rc == SQLITE_DONE ? AS_OK : as__sqlfail(db, rc, what);
}

static void count_dup(sqlite3_stmt *s, void *ctx)
{
    as_remind_stats *stats = ctx;
    int k = sqlite3_column_int(s, 0);
    if (k >= 0 && k < AS_REMIND_NKINDS)
        stats->duplicates[k]++;
}

typedef struct held_ctx {
    const as_remind_options *o;
    as_remind_stats *stats;
} held_ctx;

static void report_held(sqlite3_stmt *s, void *ctx)
{
    held_ctx *h = ctx;
    int k = sqlite3_column_int(s, 1);
    if (k < 0 || k >= AS_REMIND_NKINDS)
        return;
    h->stats->held_back[k]++;
    if (h->o->on_held)
        h->o->on_held(h->o->userdata, (const char *)sqlite3_column_text(s, 0),
                      as_remind_kind_name(k), (const char *)sqlite3_column_text(s, 2));
}

static void count_written(sqlite3_stmt *s, void *ctx)
{
    as_remind_stats *stats = ctx;
    int k = sqlite3_column_int(s, 0);
    if (k < 0 || k >= AS_REMIND_NKINDS)
        return;
    stats->written[k] += (uint64_t)sqlite3_column_int64(s, 1);
    stats->deferred[k] += (uint64_t)sqlite3_column_int64(s, 2);
}

/* Prepare sql, bind ?1 at, ?2 the cap window or cap, ?3/?4 the time of day,
 * and run it through each_row. */
static as_status stage(as_db *db, const char *sql, int64_t at, int64_t p2, int64_t sec,
                       void (*row)(sqlite3_stmt *, void *), void *ctx, const char *what)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, what);
    int n = sqlite3_bind_parameter_count(s);
    sqlite3_bind_int64(s, 1, at);
    if (n >= 2)
        sqlite3_bind_int64(s, 2, p2);
    if (n >= 3)
        sqlite3_bind_int64(s, 3, sec);
    if (n >= 4)
        sqlite3_bind_int64(s, 4, sec / 60);
    as_status st = each_row(db, s, row, ctx, what);
    sqlite3_finalize(s);
    return st;
}

static as_status run_kinds(as_db *db, unsigned mask, const as_remind_options *o,
                           as_remind_stats *stats)
{
    const as__reminders_cfg *r = as__db_config(db)->reminders;
    int64_t at = o->at ? o->at : as__now();
    int64_t off = (int64_t)as_db_utc_offset(db) * 60;
    int64_t sec = ((at + off) % 86400 + 86400) % 86400;   /* into the business day */
    int64_t cap = r->cap_count > 0 ? r->cap_count : INT64_MAX;
    as_status st = register_functions(db);
    if (st == AS_OK)
        st = as__exec(db, "DROP TABLE IF EXISTS temp.remind_ranked;"
                          "CREATE TEMP TABLE IF NOT EXISTS remind_cand ("
                          " user_id TEXT NOT NULL, kind_no INTEGER NOT NULL,"
                          " priority INTEGER NOT NULL, dedupe_key TEXT NOT NULL,"
                          " title TEXT NOT NULL, body TEXT NOT NULL, payload TEXT,"
                          " quiet_start INTEGER, quiet_end INTEGER, slot INTEGER,"
                          " not_before INTEGER);"
                          "DELETE FROM temp.remind_cand");
    for (int k = 0; k < AS_REMIND_NKINDS && st == AS_OK; k++)
        if ((mask & (1u << k)) && r->rule[k].enabled)
            st = add_kind(db, r, k, at);
    /* Already in the outbox: duplicates. */
    if (st == AS_OK)
        st = stage(db,
                   "DELETE FROM temp.remind_cand WHERE ?1 IS NOT NULL AND EXISTS (SELECT 1"
                   " FROM main.outbox o WHERE o.dedupe_key = remind_cand.dedupe_key)"
                   " RETURNING kind_no", at, 0, 0, count_dup, stats, "counting duplicates");
    /* The cap: slot = rank among the new ones + those created in the window
     * (weather: 0, never held back); and the quiet-hours deferral. */
    if (st == AS_OK)
        st = stage(db,
                   "CREATE TEMP TABLE remind_ranked AS"
                   " WITH u AS (SELECT DISTINCT user_id FROM temp.remind_cand),"
                   " recent AS (SELECT u.user_id, (SELECT count(*) FROM main.outbox o"
                   "   WHERE o.user_id = u.user_id AND o.created_at > ?1 - ?2"
                   "   AND o.created_at <= ?1) AS n FROM u)"
                   " SELECT c.user_id, c.kind_no, c.priority, c.dedupe_key, c.title, c.body,"
                   "   c.payload, CASE WHEN c.priority = 0 THEN 0 ELSE"
                   "   row_number() OVER (PARTITION BY c.user_id"
                   "     ORDER BY c.priority, c.kind_no, c.dedupe_key) + recent.n END AS slot,"
                   "   " NOT_BEFORE_SQL " AS not_before"
                   " FROM temp.remind_cand c JOIN recent ON recent.user_id = c.user_id",
                   at, r->cap_window, sec, NULL, NULL, "applying the cap");
    /* Held back: reported, not written. */
    held_ctx h = {o, stats};
    if (st == AS_OK)
        st = stage(db,
                   "SELECT user_id, kind_no, dedupe_key FROM temp.remind_ranked"
                   " WHERE slot > ?2 AND ?1 IS NOT NULL"
                   " ORDER BY user_id, priority, kind_no, dedupe_key",
                   at, cap, 0, report_held, &h, "reporting held-back reminders");
    if (st == AS_OK)
        st = stage(db,
                   "INSERT INTO main.outbox (user_id, kind, dedupe_key, priority, title, body,"
                   " payload, created_at, not_before)"
                   " SELECT user_id, CASE kind_no WHEN 0 THEN 'weather' WHEN 1 THEN 'maintenance'"
                   "   WHEN 2 THEN 'refuel_coupon' WHEN 3 THEN 'winback' WHEN 4 THEN 'tip'"
                   "   ELSE 'survey' END,"
                   "   dedupe_key, priority, title, body, payload, ?1, not_before"
                   " FROM temp.remind_ranked WHERE slot <= ?2"
                   " ON CONFLICT (dedupe_key) DO NOTHING",
                   at, cap, 0, NULL, NULL, "writing reminders to the outbox");
    if (st == AS_OK)
        st = stage(db,
                   "SELECT kind_no, count(*), sum(not_before > ?1) FROM temp.remind_ranked"
                   " WHERE slot <= ?2 GROUP BY kind_no",
                   at, cap, 0, count_written, stats, "counting reminders");
    if (st == AS_OK)
        st = as__exec(db, "DELETE FROM temp.remind_cand; DROP TABLE temp.remind_ranked");
    return st;
}

static as_status run(as_db *db, unsigned mask, const as_remind_options *opts,
                     as_remind_stats *stats, const char *region, const char *kind, int64_t from,
                     int64_t to, const char *message)
{
    static const as_remind_options defaults = AS_REMIND_OPTIONS_INIT;
    as_remind_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db)
        return AS_MISUSE;
    if (!opts)
        opts = &defaults;
    if (opts->version != AS_REMIND_OPTIONS_VERSION)
        return as__fail(db, AS_MISUSE, "remind: unknown options version");
    as_remind_options o = *opts;
    if (!o.at)
        o.at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    if (region) {
        size_t n = strcmp(region + 2, "0000") == 0 ? 2 : strcmp(region + 4, "00") == 0 ? 4 : 6;
        char prefix[8];
        memcpy(prefix, region, n);
        prefix[n] = '\0';
        static const char sql[] =
            "INSERT INTO weather_alerts (region, prefix, kind, from_at, to_at, message, created_at)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (region, kind, from_at) DO NOTHING";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_text(s, 1, region, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, prefix, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 4, from);
            sqlite3_bind_int64(s, 5, to);
            sqlite3_bind_text(s, 6, message, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 7, o.at);
            st = as__step_done(db, s, "recording a weather alert");
        }
    }
    if (st == AS_OK)
        st = run_kinds(db, mask, &o, stats);
    if (st == AS_OK && (o.flags & AS_REMIND_DRY_RUN)) {
        as_rollback(db);
        as__ok(db);
        return AS_OK;
    }
    return as__write_end(db, st);
}

as_status as_remind_run(as_db *db, const as_remind_options *opts, as_remind_stats *stats)
{
    return run(db, (1u << AS_REMIND_NKINDS) - 1, opts, stats, NULL, NULL, 0, 0, NULL);
}

as_status as_weather_kind_check(const char *text)
{
    if (!text)
        return AS_MISUSE;
    size_t n = strlen(text);
    if (n < 1 || n > 32)
        return AS_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= '0' && text[i] <= '9') ||
              text[i] == '_'))
            return AS_INVALID;
    return AS_OK;
}

as_status as_remind_weather(as_db *db, const char *region, const char *kind, int64_t from,
                            int64_t to, const char *message, const as_remind_options *opts,
                            as_remind_stats *stats)
{
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!db || !region || !kind || !message)
        return db ? as__fail(db, AS_MISUSE, "as_remind_weather: NULL argument") : AS_MISUSE;
    if (as_region_check(region) != AS_OK)
        return as__fail(db, AS_INVALID, "region: '%s' is not an administrative division code",
                        region);
    if (as_weather_kind_check(kind) != AS_OK)
        return as__fail(db, AS_INVALID,
                        "kind: '%s' must be 1-32 lower-case letters, digits or _ (rainstorm)", kind);
    if (to <= from)
        return as__fail(db, AS_INVALID, "the alert must end after it starts");
    char *msg = NULL, why[120];
    if (!message[0] || as__text_nfc(message, strlen(message), &msg, why, sizeof why) != AS_OK) {
        free(msg);
        return as__fail(db, AS_INVALID, "message: %s", message[0] ? why : "is empty");
    }
    as_status st = run(db, 1u << AS_REMIND_WEATHER, opts, stats, region, kind, from, to, msg);
    free(msg);
    return st;
}
