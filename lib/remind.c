/* remind.c - evaluating the reminder rules into the outbox.
 *
 * Each kind has a source query: one row per notification due at the run's
 * time ?1, reading only records with a time at or before ?1 (so a run at
 * T writes what it would have written at T), with the profiles brought up
 * to date for ?1 first.  The texts are filled in C from the templates, and
 * the rows go through one temporary table where duplicates, the per-user
 * cap and quiet hours are decided as sets before they reach the outbox.
 */
#include "outbox.h"
#include "profile.h"
#include "remind.h"

#include <stdlib.h>
#include <string.h>

const char *as_remind_kind_name(int kind)
{
    static const char *const names[AS_REMIND_NKINDS] = {"weather", "maintenance",
                                                        "refuel_coupon", "winback", "tip",
                                                        "survey", "grade_advice"};
    return kind >= 0 && kind < AS_REMIND_NKINDS ? names[kind] : NULL;
}

static const int priority[AS_REMIND_NKINDS] = {AS__PRIO_SAFETY, AS__PRIO_SERVICE,
                                               AS__PRIO_MARKETING, AS__PRIO_MARKETING,
                                               AS__PRIO_MARKETING, AS__PRIO_SERVICE,
                                               AS__PRIO_SERVICE};

/*
 * The source query of each kind.  Its first eight columns are user_id,
 * quiet_start, quiet_end, name, dedupe_key, payload, expires_at (NULL: no
 * end) and basis_at (the record time the message is made from: a later
 * record of that kind makes it obsolete at delivery; NULL: none); then a
 * column per placeholder of the kind (remind_config.c), found by name.
 * ?1 is the run's time, ?2.. the kind's numbers (add_kind), ?9 the
 * business zone's offset in seconds.  Times in a payload are ISO 8601
 * text in the business zone (as__time_iso), as in every output.
 */
static const char src_weather[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'weather:' || a.id || ':' || u.user_id AS dedupe_key,"
    " json_object('alert', a.id, 'kind', a.kind, 'region', a.region) AS payload,"
    " a.to_at AS expires_at, NULL AS basis_at,"
    " a.message AS message, a.kind AS kind, a.region AS region,"
    " strftime('%Y-%m-%d %H:%M', a.from_at + ?9, 'unixepoch') AS \"from\","
    " strftime('%Y-%m-%d %H:%M', a.to_at + ?9, 'unixepoch') AS \"to\""
    " FROM weather_alerts a JOIN users u"
    "   ON u.region >= a.prefix AND u.region < a.prefix || ':'"
    " WHERE a.to_at > ?1 AND a.created_at <= ?1"
    "  AND u.erased_at IS NULL AND u.consent_service = 1";

/* Per vehicle: km since the last service at or before ?1 (or the first
 * reading), from the readings at or before ?1. */
static const char src_maint[] =
    "WITH vs AS ("
    "  SELECT v.id AS vid, v.user_id, v.plate, v.created_at,"
    "   (SELECT s.at FROM services s WHERE s.vehicle_id = v.id AND s.at <= ?1"
    "     ORDER BY s.at DESC LIMIT 1) AS s_at,"
    "   (SELECT s.km FROM services s WHERE s.vehicle_id = v.id AND s.at <= ?1"
    "     ORDER BY s.at DESC LIMIT 1) AS s_km,"
    "   (SELECT o.km FROM odometer_readings o WHERE o.vehicle_id = v.id AND o.at <= ?1"
    "     ORDER BY o.at DESC LIMIT 1) AS cur_km,"
    "   (SELECT o.at FROM odometer_readings o WHERE o.vehicle_id = v.id AND o.at <= ?1"
    "     ORDER BY o.at LIMIT 1) AS first_at,"
    "   (SELECT o.km FROM odometer_readings o WHERE o.vehicle_id = v.id AND o.at <= ?1"
    "     ORDER BY o.at LIMIT 1) AS first_km"
    "  FROM vehicles v WHERE v.plate IS NOT NULL"
    "), b AS ("
    "  SELECT vid, user_id, plate, s_at, cur_km - coalesce(s_km, first_km) AS km_since,"
    "   coalesce(s_at, first_at, created_at) AS base_at FROM vs"
    ")"
    " SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'maint:' || b.vid || ':' || coalesce(b.s_at, 0) AS dedupe_key,"
    " json_object('plate', b.plate, 'km_since_service', b.km_since,"
    "   'days_since_service', (?1 - b.base_at) / 86400) AS payload,"
    " ?1 + ?6 AS expires_at, coalesce(b.s_at, 0) AS basis_at,"
    " b.plate AS plate, coalesce(b.km_since, 0) AS km_since_service,"
    " (?1 - b.base_at) / 86400 AS days_since_service, ?2 AS every_km, ?3 / 86400 AS every_days,"
    " CASE WHEN b.s_at IS NULL THEN '' ELSE strftime('%Y-%m-%d', b.s_at + ?9, 'unixepoch') END"
    "   AS last_service_date"
    " FROM b JOIN users u ON u.user_id = b.user_id"
    " WHERE u.erased_at IS NULL AND u.consent_service = 1"
    "  AND (coalesce(b.km_since, 0) >= ?2 - ?4 OR ?1 - b.base_at >= ?3 - ?5)";

/* Per vehicle (vehicle_profiles), and for users without a vehicle per
 * user (their profile): the day before the predicted next fill-up; the
 * coupon is good until the end of that day. */
#define REFUEL_SQL(S, PLATE, FROM, WHERE)                                                      \
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"              \
    " 'refuel:' || u.user_id || ':' || " S ".last_at"                                          \
    "   || CASE WHEN " S ".vid THEN ':' || " S ".vid ELSE '' END AS dedupe_key,"                \
    " CASE WHEN " PLATE " IS NULL THEN json_object('last_at', as__time_iso(" S ".last_at),"     \
    "   'expected_at', as__time_iso(" S ".last_at + " S ".median_interval_s))"                  \
    "  ELSE json_object('last_at', as__time_iso(" S ".last_at),"                               \
    "   'expected_at', as__time_iso(" S ".last_at + " S ".median_interval_s), 'plate', " PLATE  \
    ") END AS payload,"                                                                         \
    " ((" S ".last_at + " S ".median_interval_s + ?9) / 86400 + 1) * 86400 - ?9 AS expires_at," \
    " " S ".last_at AS basis_at,"                                                               \
    " strftime('%Y-%m-%d', " S ".last_at + " S ".median_interval_s + ?9, 'unixepoch')"          \
    "   AS expected_date,"                                                                      \
    " coalesce(json_extract(p.top_stations, '$[0]'), '') AS station,"                           \
    " coalesce(" S ".grade, '') AS grade,"                                                      \
    " round(" S ".median_interval_s / 86400.0, 1) AS usual_interval_days,"                      \
    " coalesce(" PLATE ", '') AS plate"                                                         \
    " FROM " FROM " JOIN users u ON u.user_id = p.user_id"                                      \
    " WHERE " WHERE " AND " S ".fillups >= ?2 AND " S ".median_interval_s > 0"                   \
    "  AND u.erased_at IS NULL AND u.consent_marketing = 1"                                     \
    "  AND ?1 >= ((" S ".last_at + " S ".median_interval_s + ?9) / 86400 - 1) * 86400 - ?9"     \
    "  AND ?1 < " S ".last_at + " S ".median_interval_s"

static const char src_refuel[] =
    "SELECT * FROM (" REFUEL_SQL("s", "v.plate",
        "(SELECT user_id, vehicle_id AS vid, fillups, last_at, median_interval_s, grade"
        "   FROM main.vehicle_profiles) s JOIN main.profiles p ON p.user_id = s.user_id"
        " LEFT JOIN vehicles v ON v.id = s.vid AND s.vid <> 0", "1") ")"
    " UNION ALL SELECT * FROM (" REFUEL_SQL("s", "NULL",
        "(SELECT user_id, 0 AS vid, fillups, last_at, median_interval_s,"
        "   preferred_grade AS grade, vehicles FROM main.profiles) s"
        " JOIN main.profiles p ON p.user_id = s.user_id", "s.vehicles = 0") ")";

static const char src_winback[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'winback:' || u.user_id || ':' || p.last_at AS dedupe_key,"
    " json_object('last_at', as__time_iso(p.last_at),"
    "   'median_interval_s', p.median_interval_s) AS payload,"
    " ?1 + ?6 AS expires_at, p.last_at AS basis_at,"
    " (?1 - p.last_at) / 86400 AS days_since_last,"
    " coalesce(json_extract(p.top_stations, '$[0]'), '') AS station,"
    " round(p.median_interval_s / 86400.0, 1) AS usual_interval_days"
    " FROM main.profiles p JOIN users u ON u.user_id = p.user_id"
    " WHERE p.fillups >= ?3 AND p.median_interval_s > 0"
    "  AND u.erased_at IS NULL AND u.consent_marketing = 1"
    "  AND ?1 - p.last_at > ?2 * p.median_interval_s";

/* One per period of tips_every (?2); good until the period ends. */
static const char src_tip[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'tip:' || u.user_id || ':' || (?1 / ?2) AS dedupe_key,"
    " json_object('period', ?1 / ?2) AS payload, (?1 / ?2 + 1) * ?2 AS expires_at,"
    " NULL AS basis_at"
    " FROM users u WHERE u.erased_at IS NULL AND u.consent_marketing = 1";

/* One per survey pending at ?1 (not answered by then, not voided by a
 * reopening), from ?2 seconds after the resolution until its due time. */
static const char src_survey[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'survey:' || s.id AS dedupe_key,"
    " json_object('survey', s.id, 'ticket', t.tracking, 'resolution', s.resolution,"
    "   'due_at', as__time_iso(s.due_at)) AS payload,"
    " s.due_at AS expires_at, NULL AS basis_at,"
    " t.tracking AS tracking, t.subject AS subject,"
    " strftime('%Y-%m-%d %H:%M', s.created_at + ?9, 'unixepoch') AS resolved,"
    " strftime('%Y-%m-%d %H:%M', s.due_at + ?9, 'unixepoch') AS due"
    " FROM surveys s JOIN tickets t ON t.id = s.ticket_id"
    " JOIN users u ON u.user_id = s.user_id"
    " WHERE (s.status = 'pending' OR (s.status = 'answered' AND s.answered_at > ?1))"
    "  AND s.due_at > ?1 AND s.created_at + ?2 <= ?1"
    "  AND u.erased_at IS NULL AND u.consent_service = 1";

/* Per vehicle whose owner gave its grade: its latest fill-up, at most ?2
 * seconds old, used another grade (as__grade_case >= 0); at most one per
 * vehicle and grade per period ?3. */
static const char src_grade[] =
    "SELECT u.user_id, u.quiet_start, u.quiet_end, coalesce(u.name, '') AS name,"
    " 'grade:' || vp.vehicle_id || ':' || vp.last_grade || ':' || (vp.last_at / ?3)"
    "   AS dedupe_key,"
    " json_object('plate', v.plate, 'registered_grade', v.grade, 'used_grade', vp.last_grade,"
    "   'filled_at', as__time_iso(vp.last_at)) AS payload,"
    " vp.last_at + ?2 AS expires_at, NULL AS basis_at,"
    " v.plate AS plate, v.grade AS registered_grade, vp.last_grade AS used_grade,"
    " strftime('%Y-%m-%d', vp.last_at + ?9, 'unixepoch') AS filled_date,"
    " coalesce(vp.last_station, '') AS station,"
    " as__grade_case(v.grade, vp.last_grade) AS grade_case"
    " FROM main.vehicle_profiles vp JOIN vehicles v ON v.id = vp.vehicle_id"
    " JOIN users u ON u.user_id = vp.user_id"
    " WHERE v.grade_given = 1 AND v.plate IS NOT NULL AND vp.last_grade IS NOT NULL"
    "  AND vp.last_at <= ?1 AND ?1 - vp.last_at <= ?2"
    "  AND as__grade_case(v.grade, vp.last_grade) >= 0"
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

/* A grade's family and number: petrol (octane; E92 is 92), diesel, or
 * another (gas, electric). */
enum { FUEL_OTHER, FUEL_PETROL, FUEL_DIESEL };

static int fuel_family(const char *g, int *octane)
{
    *octane = 0;
    if (!g || !g[0])
        return FUEL_OTHER;
    if (g[0] == '0' || g[0] == '-')
        return FUEL_DIESEL;
    const char *d = g[0] == 'E' ? g + 1 : g;
    if (d[0] < '0' || d[0] > '9')
        return FUEL_OTHER;
    *octane = atoi(d);
    return FUEL_PETROL;
}

/* as__grade_case(registered, used): AS__GRADE_BELOW (a petrol grade below
 * the registered one), AS__GRADE_ABOVE (above it: no gain for this
 * engine), AS__GRADE_WRONG_FUEL (petrol in a diesel car or the other way
 * round), or -1 (nothing to advise: the same, diesel grades for the season,
 * gas or electric). */
int as__grade_case(const char *registered, const char *used);
int as__grade_case(const char *registered, const char *used)
{
    int ro, uo;
    int rf = fuel_family(registered, &ro), uf = fuel_family(used, &uo);
    if ((rf == FUEL_PETROL && uf == FUEL_DIESEL) || (rf == FUEL_DIESEL && uf == FUEL_PETROL))
        return AS__GRADE_WRONG_FUEL;
    if (rf == FUEL_PETROL && uf == FUEL_PETROL && uo != ro)
        return uo < ro ? AS__GRADE_BELOW : AS__GRADE_ABOVE;
    return -1;
}

static void grade_case_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(ctx, as__grade_case((const char *)sqlite3_value_text(argv[0]),
                                           (const char *)sqlite3_value_text(argv[1])));
}

static as_status register_functions(as_db *db)
{
    int rc = sqlite3_create_function_v2(db->sql, "as__time_iso", 1,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, db, time_iso, NULL,
                                        NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db->sql, "as__grade_case", 2,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, grade_case_fn,
                                        NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "registering the reminder functions");
    return as__outbox_functions(db);
}

/* The tip for a run at at: the tips that fit at's month (in the business
 * zone), in turn by period; NULL when none fits. */
static const as__tmpl *tip_for(as_db *db, const as__reminders_cfg *r, int64_t at)
{
    int64_t day = (at + (int64_t)as_db_utc_offset(db) * 60);
    day = day >= 0 ? day / 86400 : (day - 86399) / 86400;
    int64_t y;
    unsigned m, d;
    as__civil_from_days(day, &y, &m, &d);
    size_t fit = 0;
    for (size_t i = 0; i < r->ntips; i++)
        fit += (r->tips[i].months >> (m - 1)) & 1u;
    if (!fit || r->tips_every_s <= 0)
        return NULL;
    int64_t period = at / r->tips_every_s;
    size_t k = (size_t)(period % (int64_t)fit);
    for (size_t i = 0; i < r->ntips; i++)
        if ((r->tips[i].months >> (m - 1)) & 1u) {
            if (!k)
                return &r->tips[i].text;
            k--;
        }
    return NULL;
}

static const char ins_cand[] =
    "INSERT INTO temp.remind_cand (user_id, kind_no, priority, dedupe_key, title, body, payload,"
    " quiet_start, quiet_end, expires_at, basis_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/* The notifications of one kind into temp.remind_cand. */
static as_status add_kind(as_db *db, const as__reminders_cfg *r, int kind, int64_t at)
{
    static const char *const srcs[AS_REMIND_NKINDS] = {src_weather, src_maint, src_refuel,
                                                       src_winback, src_tip, src_survey,
                                                       src_grade};
    const as__rule *rule = &r->rule[kind];
    const as__tmpl *body = &rule->body;
    if (kind == AS_REMIND_TIP && !(body = tip_for(db, r, at)))
        return AS_OK;   /* no tip fits this month */
    sqlite3_stmt *s = as__stmt(db, srcs[kind]);
    if (!s)
        return AS_INTERNAL;
    int64_t nums[5] = {0};   /* ?2 .. ?6 */
    double real2 = -1;
    switch (kind) {
    case AS_REMIND_MAINTENANCE:
        nums[0] = r->maint_every_km;
        nums[1] = r->maint_every_s;
        nums[2] = r->maint_lead_km;
        nums[3] = r->maint_lead_s;
        nums[4] = rule->expire_after;
        break;
    case AS_REMIND_REFUEL_COUPON:
        nums[0] = r->refuel_min_fillups;
        break;
    case AS_REMIND_WINBACK:
        real2 = r->winback_factor;
        nums[1] = r->winback_min_fillups;
        nums[4] = rule->expire_after;
        break;
    case AS_REMIND_TIP:
        nums[0] = r->tips_every_s;
        break;
    case AS_REMIND_SURVEY:
        nums[0] = r->survey_delay_s;
        break;
    case AS_REMIND_GRADE_ADVICE:
        nums[0] = r->grade_within_s;
        nums[1] = r->grade_every_s;
        break;
    default:
        break;
    }
    int nparams = sqlite3_bind_parameter_count(s);
    sqlite3_bind_int64(s, 1, at);
    for (int i = 0; i < 5 && i + 2 <= nparams; i++)
        sqlite3_bind_int64(s, i + 2, nums[i]);
    if (real2 >= 0)
        sqlite3_bind_double(s, 2, real2);
    if (nparams >= 9)
        sqlite3_bind_int64(s, 9, (int64_t)as_db_utc_offset(db) * 60);
    /* The column of each placeholder, by name. */
    const char *const *ph = as__remind_placeholders[kind];
    int col[16], nph = 0, ncol = sqlite3_column_count(s), case_col = -1;
    for (; ph[nph] && nph < 16; nph++) {
        col[nph] = -1;
        for (int c = 0; c < ncol; c++)
            if (strcmp(sqlite3_column_name(s, c), ph[nph]) == 0)
                col[nph] = c;
    }
    for (int c = 0; c < ncol; c++)
        if (strcmp(sqlite3_column_name(s, c), "grade_case") == 0)
            case_col = c;
    as_buf title = {0}, text = {0};
    as_status st = AS_OK;
    int rc;
    while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *vals[16];
        for (int i = 0; i < nph; i++)
            vals[i] = col[i] >= 0 ? as__column_text(s, col[i]) : NULL;
        const as__tmpl *b = body;
        if (kind == AS_REMIND_GRADE_ADVICE) {
            int g = case_col >= 0 ? sqlite3_column_int(s, case_col) : -1;
            if (g < 0 || g >= AS__GRADE_NCASES)
                continue;
            b = &r->grade[g];
        }
        title.len = text.len = 0;
        if (as__tmpl_render(&title, &rule->title, vals) < 0 ||
            as__tmpl_render(&text, b, vals) < 0) {
            st = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        sqlite3_stmt *ins = as__stmt(db, ins_cand);
        if (!ins) {
            st = AS_INTERNAL;
            break;
        }
        sqlite3_bind_value(ins, 1, sqlite3_column_value(s, 0));
        sqlite3_bind_int(ins, 2, kind);
        sqlite3_bind_int(ins, 3, priority[kind]);
        sqlite3_bind_value(ins, 4, sqlite3_column_value(s, 4));
        sqlite3_bind_text(ins, 5, title.data, (int)title.len, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, text.data, (int)text.len, SQLITE_STATIC);
        sqlite3_bind_value(ins, 7, sqlite3_column_value(s, 5));
        sqlite3_bind_value(ins, 8, sqlite3_column_value(s, 1));
        sqlite3_bind_value(ins, 9, sqlite3_column_value(s, 2));
        sqlite3_bind_value(ins, 10, sqlite3_column_value(s, 6));
        sqlite3_bind_value(ins, 11, sqlite3_column_value(s, 7));
        st = as__step_done(db, ins, "collecting reminders");
    }
    if (st == AS_OK && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "evaluating reminders");
    sqlite3_reset(s);
    as__buf_free(&title);
    as__buf_free(&text);
    return st;
}

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

/* Prepare sql, bind ?1 at and ?2 the cap window or cap, and run it
 * through each_row. */
static as_status stage(as_db *db, const char *sql, int64_t at, int64_t p2,
                       void (*row)(sqlite3_stmt *, void *), void *ctx, const char *what)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, what);
    sqlite3_bind_int64(s, 1, at);
    if (sqlite3_bind_parameter_count(s) >= 2)
        sqlite3_bind_int64(s, 2, p2);
    as_status st = each_row(db, s, row, ctx, what);
    sqlite3_finalize(s);
    return st;
}

static as_status run_kinds(as_db *db, unsigned mask, const as_remind_options *o,
                           as_remind_stats *stats)
{
    const as__reminders_cfg *r = as__db_config(db)->reminders;
    int64_t at = o->at ? o->at : as__now();
    int64_t cap = r->cap_count > 0 ? r->cap_count : INT64_MAX;
    as_status st = register_functions(db);
    /* The profiles the rules read, current for at. */
    unsigned uses_profiles = (1u << AS_REMIND_REFUEL_COUPON) | (1u << AS_REMIND_WINBACK) |
                             (1u << AS_REMIND_GRADE_ADVICE);
    if (st == AS_OK && (mask & uses_profiles)) {
        int64_t n = 0;
        st = as__profiles_update(db, at, &n);
        stats->profiles_updated = (uint64_t)n;
    }
    if (st == AS_OK)
        st = as__exec(db, "DROP TABLE IF EXISTS temp.remind_ranked;"
                          "CREATE TEMP TABLE IF NOT EXISTS remind_cand ("
                          " user_id TEXT NOT NULL, kind_no INTEGER NOT NULL,"
                          " priority INTEGER NOT NULL, dedupe_key TEXT NOT NULL,"
                          " title TEXT NOT NULL, body TEXT NOT NULL, payload TEXT,"
                          " quiet_start INTEGER, quiet_end INTEGER, expires_at INTEGER,"
                          " basis_at INTEGER);"
                          "DELETE FROM temp.remind_cand");
    for (int k = 0; k < AS_REMIND_NKINDS && st == AS_OK; k++)
        if ((mask & (1u << k)) && r->rule[k].enabled)
            st = add_kind(db, r, k, at);
    /* Already in the outbox: duplicates. */
    if (st == AS_OK)
        st = stage(db,
                   "DELETE FROM temp.remind_cand WHERE ?1 IS NOT NULL AND EXISTS (SELECT 1"
                   " FROM main.outbox o WHERE o.dedupe_key = remind_cand.dedupe_key)"
                   " RETURNING kind_no", at, 0, count_dup, stats, "counting duplicates");
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
                   "   c.payload, c.expires_at, c.basis_at,"
                   "   CASE WHEN c.priority = 0 THEN 0 ELSE"
                   "   row_number() OVER (PARTITION BY c.user_id"
                   "     ORDER BY c.priority, c.kind_no, c.dedupe_key) + recent.n END AS slot,"
                   "   as__quiet_next(?1, c.quiet_start, c.quiet_end) AS not_before"
                   " FROM temp.remind_cand c JOIN recent ON recent.user_id = c.user_id",
                   at, r->cap_window, NULL, NULL, "applying the cap");
    /* Held back: reported, not written. */
    held_ctx h = {o, stats};
    if (st == AS_OK)
        st = stage(db,
                   "SELECT user_id, kind_no, dedupe_key FROM temp.remind_ranked"
                   " WHERE slot > ?2 AND ?1 IS NOT NULL"
                   " ORDER BY user_id, priority, kind_no, dedupe_key",
                   at, cap, report_held, &h, "reporting held-back reminders");
    if (st == AS_OK)
        st = stage(db,
                   "INSERT INTO main.outbox (user_id, kind, dedupe_key, priority, title, body,"
                   " payload, created_at, not_before, expires_at, basis_at)"
                   " SELECT user_id, CASE kind_no WHEN 0 THEN 'weather' WHEN 1 THEN 'maintenance'"
                   "   WHEN 2 THEN 'refuel_coupon' WHEN 3 THEN 'winback' WHEN 4 THEN 'tip'"
                   "   WHEN 5 THEN 'survey' ELSE 'grade_advice' END,"
                   "   dedupe_key, priority, title, body, payload, ?1, not_before, expires_at,"
                   "   basis_at"
                   " FROM temp.remind_ranked WHERE slot <= ?2"
                   " ON CONFLICT (dedupe_key) DO NOTHING",
                   at, cap, NULL, NULL, "writing reminders to the outbox");
    if (st == AS_OK)
        st = stage(db,
                   "SELECT kind_no, count(*), sum(not_before > ?1) FROM temp.remind_ranked"
                   " WHERE slot <= ?2 GROUP BY kind_no",
                   at, cap, count_written, stats, "counting reminders");
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
