/* remind.c - evaluating the reminder rules into the outbox.
 *
 * One run is one ordered merge over the users (in user_id order): each rule
 * kind has a source query that yields the notifications due at the run's
 * time ?1 ordered by user, reading only records with a time at or before
 * ?1 (so a run at T writes what it would have written at T; the profiles
 * are brought up to date for ?1 first); the users' own fields come from one
 * scan of the users, and what the outbox already holds from one scan of its
 * (user_id, created_at, dedupe_key) index.  Per user, in C: duplicates are
 * dropped by that merge (no index probe per notification), the per-user cap
 * ranks the new ones, quiet hours defer them, the templates are filled, and
 * each goes into the outbox through one prepared INSERT.
 */
#include "batch.h"
#include "community.h"
#include "config.h"
#include "coupon.h"
#include "import.h"
#include "outbox.h"
#include "profile.h"
#include "remind.h"

#include <stdio.h>
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
 * The sources.  Columns: user_id, dedupe_key, payload, expires_at (NULL: no
 * end), basis_at (the record time the message is made from: a later record
 * of that kind makes it untrue at delivery; NULL: none), then one column per
 * placeholder of the kind (remind_config.c) other than name and user_id,
 * found by name (grade advice: also grade_case).  Ordered by user_id.  ?1 is
 * the run's time, ?2.. the kind's numbers (add_source), ?9 the business
 * zone's offset in seconds.  Times in a payload are ISO 8601 text in the
 * business zone (as__time_iso), as in every output.  Consent and erasure
 * are the merge's (the users' scan).
 */
static const char src_weather[] =
    "SELECT u.user_id, 'weather:' || a.id || ':' || u.user_id AS dedupe_key,"
    " json_object('alert', a.id, 'kind', a.kind, 'region', a.region) AS payload,"
    " a.to_at AS expires_at, NULL AS basis_at,"
    " a.message AS message, a.kind AS kind, a.region AS region,"
    " strftime('%Y-%m-%d %H:%M', a.from_at + ?9, 'unixepoch') AS \"from\","
    " strftime('%Y-%m-%d %H:%M', a.to_at + ?9, 'unixepoch') AS \"to\""
    " FROM weather_alerts a JOIN users u"
    "   ON u.region >= a.prefix AND u.region < a.prefix || ':'"
    " WHERE a.to_at > ?1 AND a.created_at <= ?1 ORDER BY u.user_id, a.id";

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
    " SELECT b.user_id, 'maint:' || b.vid || ':' || coalesce(b.s_at, 0) AS dedupe_key,"
    " json_object('plate', b.plate, 'km_since_service', b.km_since,"
    "   'days_since_service', (?1 - b.base_at) / 86400) AS payload,"
    " ?1 + ?6 AS expires_at, coalesce(b.s_at, 0) AS basis_at,"
    " b.plate AS plate, coalesce(b.km_since, 0) AS km_since_service,"
    " (?1 - b.base_at) / 86400 AS days_since_service, ?2 AS every_km, ?3 / 86400 AS every_days,"
    " CASE WHEN b.s_at IS NULL THEN '' ELSE strftime('%Y-%m-%d', b.s_at + ?9, 'unixepoch') END"
    "   AS last_service_date"
    " FROM b WHERE (coalesce(b.km_since, 0) >= ?2 - ?4 OR ?1 - b.base_at >= ?3 - ?5)"
    " ORDER BY b.user_id, b.vid";

/* The day before the predicted next fill-up; the coupon is good until the
 * end of that day.  Per vehicle (vehicle_profiles) for users with vehicles,
 * per user (the profile) for the others.  The payload and the dates are
 * made in C (refuel_texts), only for a coupon that is not a duplicate. */
#define REFUEL_COLS(S, VID, PLATE)                                                             \
    " 'refuel:' || " S ".user_id || ':' || " S ".last_at"                                      \
    "   || CASE WHEN " VID " THEN ':' || " VID " ELSE '' END AS dedupe_key,"                    \
    " NULL AS payload,"                                                                         \
    " ((" S ".last_at + " S ".median_interval_s + ?9) / 86400 + 1) * 86400 - ?9 AS expires_at," \
    " " S ".last_at AS basis_at, " S ".last_at AS last_at,"                                     \
    " " S ".median_interval_s AS median_interval_s,"                                            \
    " coalesce(json_extract(p.top_stations, '$[0]'), '') AS station,"                           \
    " " PLATE " AS plate,"
#define REFUEL_WHEN(S)                                                                          \
    " " S ".fillups >= ?2 AND " S ".median_interval_s > 0"                                      \
    "  AND ?1 >= ((" S ".last_at + " S ".median_interval_s + ?9) / 86400 - 1) * 86400 - ?9"     \
    "  AND ?1 < " S ".last_at + " S ".median_interval_s"
static const char src_refuel_vehicle[] =
    "SELECT vp.user_id," REFUEL_COLS("vp", "vp.vehicle_id", "v.plate")
    " coalesce(vp.grade, '') AS grade"
    " FROM main.vehicle_profiles vp CROSS JOIN main.profiles p ON p.user_id = vp.user_id"
    " LEFT JOIN vehicles v ON v.id = vp.vehicle_id AND vp.vehicle_id <> 0"
    " WHERE" REFUEL_WHEN("vp") " ORDER BY vp.user_id, vp.vehicle_id";
static const char src_refuel_user[] =
    "SELECT p.user_id," REFUEL_COLS("p", "0", "NULL")
    " coalesce(p.preferred_grade, '') AS grade"
    " FROM main.profiles p WHERE p.vehicles = 0 AND" REFUEL_WHEN("p") " ORDER BY p.user_id";

/* The payload and dates are made in C (winback_texts). */
static const char src_winback[] =
    "SELECT p.user_id, 'winback:' || p.user_id || ':' || p.last_at AS dedupe_key,"
    " NULL AS payload, ?1 + ?6 AS expires_at, p.last_at AS basis_at, p.last_at AS last_at,"
    " p.median_interval_s AS median_interval_s,"
    " coalesce(json_extract(p.top_stations, '$[0]'), '') AS station"
    " FROM main.profiles p"
    " WHERE p.fillups >= ?3 AND p.median_interval_s > 0 AND ?1 - p.last_at > ?2 * p.median_interval_s"
    " ORDER BY p.user_id";

/* One per survey pending at ?1 (not answered by then, not voided by a
 * reopening), from ?2 seconds after the resolution until its due time. */
static const char src_survey[] =
    "SELECT s.user_id, 'survey:' || s.id AS dedupe_key,"
    " json_object('survey', s.id, 'ticket', t.tracking, 'resolution', s.resolution,"
    "   'due_at', as__time_iso(s.due_at)) AS payload,"
    " s.due_at AS expires_at, NULL AS basis_at,"
    " t.tracking AS tracking, t.subject AS subject,"
    " strftime('%Y-%m-%d %H:%M', s.created_at + ?9, 'unixepoch') AS resolved,"
    " strftime('%Y-%m-%d %H:%M', s.due_at + ?9, 'unixepoch') AS due"
    " FROM surveys s JOIN tickets t ON t.id = s.ticket_id"
    " WHERE (s.status = 'pending' OR (s.status = 'answered' AND s.answered_at > ?1))"
    "  AND s.due_at > ?1 AND s.created_at + ?2 <= ?1 ORDER BY s.user_id, s.id";

/* Per vehicle whose owner gave its grade: its latest fill-up, at most ?2
 * seconds old, used another grade (as__grade_case >= 0); at most one per
 * vehicle and grade per period ?3. */
static const char src_grade[] =
    "SELECT vp.user_id,"
    " 'grade:' || vp.vehicle_id || ':' || vp.last_grade || ':' || (vp.last_at / ?3)"
    "   AS dedupe_key,"
    " json_object('plate', v.plate, 'registered_grade', v.grade, 'used_grade', vp.last_grade,"
    "   'filled_at', as__time_iso(vp.last_at)) AS payload,"
    " vp.last_at + ?2 AS expires_at, NULL AS basis_at,"
    " v.plate AS plate, v.grade AS registered_grade, vp.last_grade AS used_grade,"
    " strftime('%Y-%m-%d', vp.last_at + ?9, 'unixepoch') AS filled_date,"
    " coalesce(vp.last_station, '') AS station,"
    " as__grade_case(v.grade, vp.last_grade) AS grade_case"
    " FROM main.vehicle_profiles vp CROSS JOIN vehicles v ON v.id = vp.vehicle_id"
    " WHERE v.grade_given = 1 AND v.plate IS NOT NULL AND vp.last_grade IS NOT NULL"
    "  AND vp.last_at <= ?1 AND ?1 - vp.last_at <= ?2"
    "  AND as__grade_case(v.grade, vp.last_grade) >= 0"
    " ORDER BY vp.user_id, vp.vehicle_id";

/* Every user, with what the rules need of them. */
static const char src_users[] =
    "SELECT user_id, quiet_start, quiet_end, coalesce(name, ''), consent_service,"
    " consent_marketing, erased_at IS NOT NULL FROM users ORDER BY user_id";

/* What the outbox holds, by user: a merge (remind run), or one user's
 * (remind weather, which touches few). */
static const char out_all[] =
    "SELECT user_id, dedupe_key, created_at FROM main.outbox ORDER BY user_id";
static const char out_one[] =
    "SELECT user_id, dedupe_key, created_at FROM main.outbox WHERE user_id = ?1";

/* The new notifications, batched (a duplicate cannot reach it: the merge
 * dropped them, inside the run's write transaction). */
static const char ins_outbox[] =
    "INSERT INTO main.outbox (user_id, kind, dedupe_key, priority, title, body, payload,"
    " created_at, not_before, expires_at, basis_at) VALUES ";

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

/* An adopted tip of the community in the rotation: its text is a template
 * of one literal part (no placeholders). */
typedef struct adopted_tip {
    as__tmpl tmpl;
    char *lit[1];
    int ph[1];
    int64_t submission;      /* its id; 0: the tip of the run is a configured one */
} adopted_tip;

/* The tip for a run at at: the tips that fit at's month (in the business
 * zone), then the community's adopted tips (lib/community.h: adopted at or
 * before at, in adoption order, every month), in turn by period; NULL when
 * none fits.  An adopted tip is filled into *a (free a->lit[0]). */
static const as__tmpl *tip_for(as_db *db, const as__reminders_cfg *r, int64_t at,
                               adopted_tip *a, as_status *st)
{
    int64_t day = (at + (int64_t)as_db_utc_offset(db) * 60);
    day = day >= 0 ? day / 86400 : (day - 86399) / 86400;
    int64_t y;
    unsigned m, d;
    as__civil_from_days(day, &y, &m, &d);
    size_t fit = 0;
    for (size_t i = 0; i < r->ntips; i++)
        fit += (r->tips[i].months >> (m - 1)) & 1u;
    int64_t adopted = 0;
    if ((*st = as__community_tips_count(db, at, &adopted)) != AS_OK)
        return NULL;
    if ((!fit && !adopted) || r->tips_every_s <= 0)
        return NULL;
    int64_t period = at / r->tips_every_s;
    int64_t k = period % ((int64_t)fit + adopted);
    if (k >= (int64_t)fit) {
        *st = as__community_tip(db, at, k - (int64_t)fit, &a->lit[0], &a->submission);
        if (*st != AS_OK)
            return NULL;
        a->ph[0] = -1;
        a->tmpl = (as__tmpl){1, a->lit, a->ph};
        return &a->tmpl;
    }
    for (size_t i = 0; i < r->ntips; i++)
        if ((r->tips[i].months >> (m - 1)) & 1u) {
            if (!k)
                return &r->tips[i].text;
            k--;
        }
    return NULL;
}

/* ---- the merge --------------------------------------------------------------- */

enum { MAX_PH = 16 };

/* A kind's source, positioned on its current row. */
typedef struct source {
    sqlite3_stmt *s;
    int kind;
    int row;                      /* 1: on a row */
    int col[MAX_PH];              /* the column of each placeholder, -1: the user's */
    int nph;
    int case_col;
    int last_col, median_col, plate_col;   /* refuel, winback: raw figures */
    int station_col, grade_col;   /* refuel: what the coupon is bound to */
} source;

/* The current user (from the users' scan). */
typedef struct user_row {
    const char *id, *name;
    int qs, qe, consent_service, consent_marketing, erased;
} user_row;

/* A notification of the current user, its texts in the run's arena. */
typedef struct cand {
    int kind, prio;
    size_t key, title, body, payload;     /* arena offsets + 1; 0: NULL */
    int64_t expires, basis;
    int has_expires, has_basis;
    size_t code, station, grade;          /* refuel: the coupon it announces */
    int64_t coupon_expires;
} cand;

typedef struct merge {
    as_db *db;
    const as__reminders_cfg *r;
    const as_remind_options *o;
    as_remind_stats *stats;
    int64_t at, cap, off_s;
    as_buf arena;
    cand *c;
    size_t nc, capc;
    size_t *have;                 /* the outbox's keys of the user (arena offsets + 1) */
    int64_t *have_at;
    size_t nhave, caphave;
    const as__tmpl *tip;
    adopted_tip adopted;          /* the tip, when it is an adopted one */
    as__batch out;
    const as_coupon_template *coupon;     /* what a refuel reminder issues; NULL */
    as__coupon_writer coupons;            /* ... written with the messages */
    int coupons_open;
    char expected[16], usual[32], since[32];   /* figures(): this row's texts */
    int oom;
} merge;

static size_t put_text(merge *m, const char *s, size_t n)
{
    if (!s)
        return 0;
    size_t off = m->arena.len + 1;
    if (as__buf_add(&m->arena, s, n) < 0 || as__buf_addc(&m->arena, '\0') < 0) {
        m->oom = 1;
        return 0;
    }
    return off;
}

static const char *text_at(const merge *m, size_t off)
{
    return off ? m->arena.data + off - 1 : NULL;
}

/* Render t with vals into the arena; its offset + 1. */
static size_t put_tmpl(merge *m, const as__tmpl *t, const char *const *vals)
{
    size_t off = m->arena.len + 1;
    if (as__tmpl_render(&m->arena, t, vals) < 0 || as__buf_addc(&m->arena, '\0') < 0) {
        m->oom = 1;
        return 0;
    }
    return off;
}

static cand *new_cand(merge *m, int kind)
{
    if (m->nc == m->capc) {
        size_t cap = m->capc ? m->capc * 2 : 16;
        cand *c = realloc(m->c, cap * sizeof *c);
        if (!c) {
            m->oom = 1;
            return NULL;
        }
        m->c = c;
        m->capc = cap;
    }
    cand *c = &m->c[m->nc++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->prio = priority[kind];
    return c;
}

static int may_receive(const user_row *u, int kind)
{
    if (u->erased)
        return 0;
    return priority[kind] == AS__PRIO_MARKETING ? u->consent_marketing : u->consent_service;
}

/* Is key already in the outbox (the user's rows, read before)?  Then it
 * is a duplicate, counted and not even filled in. */
static int duplicate(merge *m, int kind, const char *key)
{
    for (size_t h = 0; h < m->nhave; h++)
        if (strcmp(text_at(m, m->have[h]), key) == 0) {
            m->stats->duplicates[kind]++;
            return 1;
        }
    return 0;
}

/* A date (YYYY-MM-DD) of t in the business zone. */
static void day_text(int64_t t, int64_t off_s, char out[16])
{
    int64_t d = t + off_s;
    d = d >= 0 ? d / 86400 : (d - 86399) / 86400;
    int64_t y;
    unsigned mo, da;
    as__civil_from_days(d, &y, &mo, &da);
    snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, mo, da);
}

/* The coupon a refuel reminder announces: a fresh code, what it is bound
 * to, its expiry (the template's validity from the run, and at least the
 * end of the expected day), and its part of the payload. */
static int coupon_payload(merge *m, const source *src, cand *c, int64_t expected, as_buf *p)
{
    const as_coupon_template *t = m->coupon;
    char code[AS__COUPON_CODE_LEN + 1], iso[AS_TIME_BUFSIZE];
    /* keyed by the notification's dedupe key: the same coupon whenever
     * this notification is made */
    if (as__coupon_code(&m->coupons, text_at(m, c->key), code) != AS_OK)
        return -1;
    sqlite3_stmt *s = src->s;
    const char *station = src->station_col >= 0 ? as__column_text(s, src->station_col) : NULL;
    const char *grade = src->grade_col >= 0 ? as__column_text(s, src->grade_col) : NULL;
    int64_t end = ((expected + m->off_s) / 86400 + 1) * 86400 - m->off_s;
    c->coupon_expires = m->at + t->valid_s > end ? m->at + t->valid_s : end;
    c->code = put_text(m, code, AS__COUPON_CODE_LEN);
    c->station = station && station[0] && !t->nstations ? put_text(m, station, strlen(station))
                                                        : 0;
    c->grade = grade && grade[0] && !t->ngrades ? put_text(m, grade, strlen(grade)) : 0;
    /* the code and its end (flat: the payload is one level of typed
     * fields); the rest of the coupon is in the wallet (coupon show) */
    int rc = as__buf_adds(p, ",\"coupon_code\":\"");
    rc |= as__buf_adds(p, code);
    rc |= as__buf_adds(p, "\",\"coupon_expires_at\":\"");
    rc |= as__buf_adds(p, as_time_format(c->coupon_expires, (int)(m->off_s / 60), iso));
    rc |= as__buf_adds(p, "\"");
    return rc ? -1 : 0;
}

/* Refuel coupons and win-backs: the payload (its offset in the arena) and
 * the placeholders made from the raw figures (expected_date, usual_interval
 * _days, days_since_last), written into vals.  Their texts live in the
 * merge until the next row's. */
static size_t figures(merge *m, const source *src, const user_row *u, const char **vals,
                      cand *c)
{
    (void)u;
    char *expected = m->expected, *usual = m->usual, *since = m->since;
    sqlite3_stmt *s = src->s;
    int64_t last = sqlite3_column_int64(s, src->last_col);
    int64_t med = sqlite3_column_int64(s, src->median_col);
    const char *plate = src->plate_col >= 0 ? as__column_text(s, src->plate_col) : NULL;
    char iso[AS_TIME_BUFSIZE];
    int off_min = (int)(m->off_s / 60);
    as_buf p = {0};
    as__buf_adds(&p, "{\"last_at\":\"");
    as__buf_adds(&p, as_time_format(last, off_min, iso));
    if (src->kind == AS_REMIND_REFUEL_COUPON) {
        as__buf_adds(&p, "\",\"expected_at\":\"");
        as__buf_adds(&p, as_time_format(last + med, off_min, iso));
        as__buf_addc(&p, '"');
        if (plate) {
            as__buf_adds(&p, ",\"plate\":");
            as__json_quote(&p, plate);
        }
        if (m->coupon && coupon_payload(m, src, c, last + med, &p) < 0)
            m->oom = 1;
    } else {
        char n[32];
        snprintf(n, sizeof n, "\",\"median_interval_s\":%lld", (long long)med);
        as__buf_adds(&p, n);
    }
    int oom = as__buf_addc(&p, '}') < 0;
    size_t off = oom ? 0 : put_text(m, p.data, p.len);
    if (oom)
        m->oom = 1;
    as__buf_free(&p);
    /* round(median / 86400.0, 1) as SQLite writes it: "7.0", "6.5" */
    snprintf(usual, sizeof m->usual, "%.1f", (double)med / 86400.0);
    day_text(last + med, m->off_s, expected);
    snprintf(since, sizeof m->since, "%lld", (long long)((m->at - last) / 86400));
    const char *const *ph = as__remind_placeholders[src->kind];
    for (int i = 0; i < src->nph; i++) {
        if (strcmp(ph[i], "expected_date") == 0)
            vals[i] = expected;
        else if (strcmp(ph[i], "usual_interval_days") == 0)
            vals[i] = usual;
        else if (strcmp(ph[i], "days_since_last") == 0)
            vals[i] = since;
        else if (strcmp(ph[i], "plate") == 0 && !plate)
            vals[i] = "";
    }
    return off;
}

/* The source's current row as a notification of u. */
static void take_row(merge *m, const source *src, const user_row *u)
{
    sqlite3_stmt *s = src->s;
    const as__rule *rule = &m->r->rule[src->kind];
    const as__tmpl *body = &rule->body;
    if (src->kind == AS_REMIND_GRADE_ADVICE) {
        int g = src->case_col >= 0 ? sqlite3_column_int(s, src->case_col) : -1;
        if (g < 0 || g >= AS__GRADE_NCASES)
            return;
        body = &m->r->grade[g];
    }
    if (duplicate(m, src->kind, as__column_text(s, 1)))
        return;
    const char *vals[MAX_PH];
    for (int i = 0; i < src->nph; i++)
        vals[i] = src->col[i] >= 0 ? as__column_text(s, src->col[i])
                  : src->col[i] == -1 ? u->name : u->id;
    cand *c = new_cand(m, src->kind);
    if (!c)
        return;
    c->key = put_text(m, as__column_text(s, 1), (size_t)sqlite3_column_bytes(s, 1));
    if (src->last_col >= 0 && src->median_col >= 0)
        c->payload = figures(m, src, u, vals, c);
    else
        c->payload = put_text(m, as__column_text(s, 2), (size_t)sqlite3_column_bytes(s, 2));
    if ((c->has_expires = sqlite3_column_type(s, 3) != SQLITE_NULL))
        c->expires = sqlite3_column_int64(s, 3);
    if ((c->has_basis = sqlite3_column_type(s, 4) != SQLITE_NULL))
        c->basis = sqlite3_column_int64(s, 4);
    c->title = put_tmpl(m, &rule->title, vals);
    c->body = put_tmpl(m, body, vals);
}

/* The user's tip of the period. */
static void take_tip(merge *m, const user_row *u)
{
    const as__reminders_cfg *r = m->r;
    const as__rule *rule = &r->rule[AS_REMIND_TIP];
    int64_t period = m->at / r->tips_every_s;
    char key[128], payload[96];
    /* "tip:" user ":" period, without printf (a million users a run) */
    size_t idlen = strlen(u->id);
    if (idlen > 64)
        idlen = 64;
    char num[24];
    int nn = 0;
    for (int64_t p = period < 0 ? 0 : period; nn == 0 || p; p /= 10)
        num[nn++] = (char)('0' + p % 10);
    memcpy(key, "tip:", 4);
    memcpy(key + 4, u->id, idlen);
    key[4 + idlen] = ':';
    for (int i = 0; i < nn; i++)
        key[5 + idlen + i] = num[nn - 1 - i];
    int kn = (int)(5 + idlen) + nn;
    key[kn] = '\0';
    if (duplicate(m, AS_REMIND_TIP, key))
        return;
    int pn = m->adopted.submission
                 ? snprintf(payload, sizeof payload, "{\"period\":%lld,\"submission\":%lld}",
                            (long long)period, (long long)m->adopted.submission)
                 : snprintf(payload, sizeof payload, "{\"period\":%lld}", (long long)period);
    const char *vals[2] = {u->name, u->id};
    cand *c = new_cand(m, AS_REMIND_TIP);
    if (!c)
        return;
    c->key = put_text(m, key, (size_t)kn);
    c->payload = put_text(m, payload, (size_t)pn);
    c->has_expires = 1;
    c->expires = (period + 1) * r->tips_every_s;
    c->title = put_tmpl(m, &rule->title, vals);
    c->body = put_tmpl(m, m->tip, vals);
}

static int cand_before(const merge *m, const cand *a, const cand *b)
{
    if (a->prio != b->prio)
        return a->prio < b->prio;
    if (a->kind != b->kind)
        return a->kind < b->kind;
    return strcmp(text_at(m, a->key), text_at(m, b->key)) < 0;
}

/* Decide and write the current user's notifications. */
static as_status user_done(merge *m, const user_row *u)
{
    if (m->oom)
        return as__fail(m->db, AS_NOMEM, "out of memory");
    /* The user's outbox rows created in the cap's window count against
     * it (duplicates were dropped as they came). */
    int64_t recent = 0;
    for (size_t h = 0; h < m->nhave; h++)
        recent += m->have_at[h] > m->at - m->r->cap_window && m->have_at[h] <= m->at;
    size_t n = m->nc;
    /* Highest priority first (insertion sort: a handful a user). */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cand_before(m, &m->c[j], &m->c[j - 1]); j--) {
            cand t = m->c[j - 1];
            m->c[j - 1] = m->c[j];
            m->c[j] = t;
        }
    int64_t not_before = as__quiet_next(m->at, (int)(m->off_s / 60), u->qs, u->qe);
    as_status st = AS_OK;
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        const cand *c = &m->c[i];
        int64_t slot = c->prio == AS__PRIO_SAFETY ? 0 : (int64_t)i + 1 + recent;
        if (slot > m->cap) {
            m->stats->held_back[c->kind]++;
            if (m->o->on_held)
                m->o->on_held(m->o->userdata, u->id, as_remind_kind_name(c->kind),
                              text_at(m, c->key));
            continue;
        }
        as__batch *b = &m->out;
        as__batch_text(b, u->id);
        as__batch_text(b, as_remind_kind_name(c->kind));
        as__batch_text(b, text_at(m, c->key));
        as__batch_int(b, c->prio);
        as__batch_text(b, text_at(m, c->title));
        as__batch_text(b, text_at(m, c->body));
        as__batch_text(b, text_at(m, c->payload));
        as__batch_int(b, m->at);
        as__batch_int(b, not_before);
        if (c->has_expires)
            as__batch_int(b, c->expires);
        else
            as__batch_null(b);
        if (c->has_basis)
            as__batch_int(b, c->basis);
        else
            as__batch_null(b);
        if (c->code)
            st = as__coupon_writer_add(&m->coupons, m->coupon, u->id, text_at(m, c->code), m->at,
                                       m->at, c->coupon_expires, "reminder", text_at(m, c->key),
                                       text_at(m, c->station), text_at(m, c->grade), NULL);
        m->stats->written[c->kind]++;
        m->stats->coupons += c->code != 0;
        m->stats->deferred[c->kind] += not_before > m->at;
        if (st == AS_OK)
            st = b->st;
    }
    return st;
}

/* One outbox row of the current user (key, created_at) from os. */
static as_status have_add(merge *m, sqlite3_stmt *os)
{
    if (m->nhave == m->caphave) {
        size_t cap = m->caphave ? m->caphave * 2 : 32;
        size_t *h = realloc(m->have, cap * sizeof *h);
        if (h)
            m->have = h;
        int64_t *ha = h ? realloc(m->have_at, cap * sizeof *ha) : NULL;
        if (!h || !ha)
            return as__fail(m->db, AS_NOMEM, "out of memory");
        m->have_at = ha;
        m->caphave = cap;
    }
    m->have[m->nhave] = put_text(m, as__column_text(os, 1), (size_t)sqlite3_column_bytes(os, 1));
    m->have_at[m->nhave++] = sqlite3_column_int64(os, 2);
    return AS_OK;
}

/* Prepare a kind's source: bind its numbers, find its placeholders. */
static as_status add_source(merge *m, source *src, const char *sql, int kind)
{
    const as__reminders_cfg *r = m->r;
    const as__rule *rule = &r->rule[kind];
    memset(src, 0, sizeof *src);
    src->kind = kind;
    src->case_col = -1;
    if (!(src->s = as__stmt(m->db, sql)))
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
    sqlite3_stmt *s = src->s;
    int nparams = sqlite3_bind_parameter_count(s);
    sqlite3_bind_int64(s, 1, m->at);
    for (int i = 0; i < 5 && i + 2 <= nparams; i++)
        sqlite3_bind_int64(s, i + 2, nums[i]);
    if (real2 >= 0)
        sqlite3_bind_double(s, 2, real2);
    if (nparams >= 9)
        sqlite3_bind_int64(s, 9, m->off_s);
    const char *const *ph = as__remind_placeholders[kind];
    int ncol = sqlite3_column_count(s);
    for (src->nph = 0; ph[src->nph] && src->nph < MAX_PH; src->nph++) {
        int i = src->nph;
        src->col[i] = strcmp(ph[i], "name") == 0 ? -1 : strcmp(ph[i], "user_id") == 0 ? -2 : -3;
        for (int c = 0; src->col[i] == -3 && c < ncol; c++)
            if (strcmp(sqlite3_column_name(s, c), ph[i]) == 0)
                src->col[i] = c;
    }
    src->last_col = src->median_col = src->plate_col = -1;
    src->station_col = src->grade_col = -1;
    for (int c = 0; c < ncol; c++) {
        const char *name = sqlite3_column_name(s, c);
        if (strcmp(name, "grade_case") == 0)
            src->case_col = c;
        else if (strcmp(name, "last_at") == 0)
            src->last_col = c;
        else if (strcmp(name, "median_interval_s") == 0)
            src->median_col = c;
        else if (strcmp(name, "plate") == 0)
            src->plate_col = c;
        else if (strcmp(name, "station") == 0)
            src->station_col = c;
        else if (strcmp(name, "grade") == 0)
            src->grade_col = c;
    }
    return AS_OK;
}

/* Step a statement: 1 on a row, 0 at the end; a failure recorded in *st. */
static int step(as_db *db, sqlite3_stmt *s, as_status *st, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE && *st == AS_OK)
        *st = as__sqlfail(db, rc, what);
    return 0;
}

static as_status run_kinds(as_db *db, unsigned mask, const as_remind_options *o,
                           as_remind_stats *stats)
{
    const as__reminders_cfg *r = as__db_config(db)->reminders;
    merge m;
    memset(&m, 0, sizeof m);
    m.db = db;
    m.r = r;
    m.o = o;
    m.stats = stats;
    m.at = o->at ? o->at : as__now();
    m.cap = r->cap_count > 0 ? r->cap_count : INT64_MAX;
    m.off_s = (int64_t)as_db_utc_offset(db) * 60;
    as_status st = as__batch_init(&m.out, db, ins_outbox, 11);
    if (st == AS_OK)
        st = register_functions(db);
    if (st == AS_OK && (mask & (1u << AS_REMIND_REFUEL_COUPON)) &&
        r->rule[AS_REMIND_REFUEL_COUPON].enabled && r->refuel_coupon) {
        /* checked when the configuration was read */
        m.coupon = as__coupon_template(as__db_config(db), r->refuel_coupon);
        if (!m.coupon)
            st = as__fail(db, AS_CONFIG, "no coupon template '%s'", r->refuel_coupon);
        else if ((st = as__coupon_writer_init(&m.coupons, db)) == AS_OK)
            m.coupons_open = 1;
    }
    /* The profiles the rules read, current for at. */
    unsigned uses_profiles = (1u << AS_REMIND_REFUEL_COUPON) | (1u << AS_REMIND_WINBACK) |
                             (1u << AS_REMIND_GRADE_ADVICE);
    if (st == AS_OK && (mask & uses_profiles)) {
        int64_t n = 0;
        st = as__profiles_update(db, m.at, &n);
        stats->profiles_updated = (uint64_t)n;
    }
    static const struct { int kind; const char *sql; } all[] = {
        {AS_REMIND_WEATHER, src_weather},          {AS_REMIND_MAINTENANCE, src_maint},
        {AS_REMIND_REFUEL_COUPON, src_refuel_vehicle},
        {AS_REMIND_REFUEL_COUPON, src_refuel_user}, {AS_REMIND_WINBACK, src_winback},
        {AS_REMIND_SURVEY, src_survey},            {AS_REMIND_GRADE_ADVICE, src_grade},
    };
    enum { NSRC = sizeof all / sizeof all[0] };
    source src[NSRC];
    int nsrc = 0;
    for (int i = 0; i < NSRC && st == AS_OK; i++)
        if ((mask & (1u << all[i].kind)) && r->rule[all[i].kind].enabled &&
            (st = add_source(&m, &src[nsrc], all[i].sql, all[i].kind)) == AS_OK)
            src[nsrc++].row = -1;
    if (st == AS_OK && (mask & (1u << AS_REMIND_TIP)) && r->rule[AS_REMIND_TIP].enabled)
        m.tip = tip_for(db, r, m.at, &m.adopted, &st);
    /* Only a weather alert (few users): the outbox per user; a run: merged. */
    int merged = mask != (1u << AS_REMIND_WEATHER);
    sqlite3_stmt *us = st == AS_OK ? as__stmt(db, src_users) : NULL;
    sqlite3_stmt *os = st == AS_OK ? as__stmt(db, merged ? out_all : out_one) : NULL;
    if (st == AS_OK && (!us || !os))
        st = AS_INTERNAL;
    for (int i = 0; i < nsrc && st == AS_OK; i++)
        src[i].row = step(db, src[i].s, &st, "evaluating reminders");
    int orow = merged && st == AS_OK ? step(db, os, &st, "reading the outbox") : 0;
    while (st == AS_OK && step(db, us, &st, "reading users")) {
        user_row u = {as__column_text(us, 0), as__column_text(us, 3), as__column_int_or(us, 1, -1),
                      as__column_int_or(us, 2, -1), sqlite3_column_int(us, 4),
                      sqlite3_column_int(us, 5), sqlite3_column_int(us, 6)};
        m.nc = 0;
        m.nhave = 0;
        m.arena.len = 0;
        /* What the outbox holds of u, first: duplicates are known before
         * anything is filled in. */
        if (merged) {
            int c;
            while (st == AS_OK && orow == 1 && (c = strcmp(as__column_text(os, 0), u.id)) <= 0) {
                if (c == 0)
                    st = have_add(&m, os);
                orow = step(db, os, &st, "reading the outbox");
            }
        } else {
            int any = 0;
            for (int i = 0; i < nsrc; i++)
                any |= src[i].row == 1 && strcmp(as__column_text(src[i].s, 0), u.id) == 0;
            if (any) {
                sqlite3_reset(os);
                sqlite3_bind_text(os, 1, u.id, -1, SQLITE_STATIC);
                while (st == AS_OK && step(db, os, &st, "reading the outbox"))
                    st = have_add(&m, os);
            }
        }
        for (int i = 0; i < nsrc && st == AS_OK; i++) {
            int c;
            while (src[i].row == 1 && (c = strcmp(as__column_text(src[i].s, 0), u.id)) <= 0) {
                if (c == 0 && may_receive(&u, src[i].kind))
                    take_row(&m, &src[i], &u);
                src[i].row = step(db, src[i].s, &st, "evaluating reminders");
            }
        }
        if (m.tip && may_receive(&u, AS_REMIND_TIP))
            take_tip(&m, &u);
        if (st == AS_OK && m.nc)
            st = user_done(&m, &u);
    }
    if (st == AS_OK)
        st = as__batch_flush(&m.out);
    as__batch_free(&m.out);
    if (m.coupons_open) {
        as_status cs = as__coupon_writer_finish(&m.coupons);
        if (st == AS_OK)
            st = cs;
    }
    for (int i = 0; i < nsrc; i++)
        if (src[i].s)
            sqlite3_reset(src[i].s);
    if (us)
        sqlite3_reset(us);
    if (os)
        sqlite3_reset(os);
    free(m.c);
    free(m.have);
    free(m.have_at);
    free(m.adopted.lit[0]);
    as__buf_free(&m.arena);
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
