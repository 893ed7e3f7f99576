/* remind.h - internal: the segments, tiers and reminders configuration
 * sections, and the small condition and template languages they use.
 *
 * Conditions (segments) are written over a fixed list of derived figures:
 *     median_interval_days <= 7 and stations <= 3
 *     cities >= 5 or litres_per_fill >= 50
 * with and / or / not, parentheses and the comparisons < <= > >= = !=.
 * They compile to a small postfix program evaluated in C over a profile's
 * figures (as__cond_eval), so no text of the configuration ever reaches
 * SQL and no SQLite limit (expression depth, bound parameters) applies.
 * The one limit is nesting: parentheses and "not" nest at most
 * AS__COND_MAX_DEPTH levels (a deeper condition is a FILE:LINE:COL error,
 * so the compiler's recursion is bounded).
 *
 * Templates ("{name}您好，距上次保养已行驶{km_since_service}公里") are split into
 * literal parts and placeholders from the rule kind's fixed list; an
 * unknown placeholder is a configuration error.  They are filled in C
 * (as__tmpl_render), so their length and number of parts are limited only
 * by the configuration's size.
 */
#ifndef AS_REMIND_H
#define AS_REMIND_H

#include "config.h"

/* ---- conditions ------------------------------------------------------ */

/* The figures a condition may use, in this order (as__cond_eval's fig[]). */
enum {
    AS__FIG_FILLUPS,
    AS__FIG_MEDIAN_INTERVAL_DAYS,
    AS__FIG_LITRES_PER_FILL,
    AS__FIG_STATIONS,
    AS__FIG_CITIES,
    AS__FIG_KM_PER_DAY,
    AS__FIG_SPEND_12M_YUAN,
    AS__FIG_POINTS,
    AS__FIG_DAYS_SINCE_LAST,
    AS__NFIGS
};

enum { AS__COND_MAX_DEPTH = 64 };

/* One instruction: compare a figure with a number (pushes 0/1), or combine
 * the top of the stack (AND, OR: two values; NOT: one). */
enum { AS__COP_CMP, AS__COP_AND, AS__COP_OR, AS__COP_NOT };
enum { AS__CMP_LT, AS__CMP_LE, AS__CMP_GT, AS__CMP_GE, AS__CMP_EQ, AS__CMP_NE };

typedef struct as__cop {
    unsigned char op;        /* AS__COP_* */
    unsigned char cmp;       /* AS__CMP_* (CMP) */
    unsigned char fig;       /* AS__FIG_* (CMP) */
    double num;              /* CMP */
} as__cop;

/* A compiled condition: a postfix program. */
typedef struct as__cond {
    size_t n;
    as__cop *code;
} as__cond;

/* Evaluate: fig[] holds the figures (NaN: not known; a comparison with an
 * unknown figure is false, so "not" of it is true).  Returns 0 or 1. */
int as__cond_eval(const as__cond *cond, const double fig[AS__NFIGS]);

typedef struct as__segment {
    char *name;
    as__cond cond;
} as__segment;

typedef struct as__segments_cfg {
    double km_per_litre;     /* to estimate km per day without odometer readings */
    size_t n;
    as__segment *items;
    /* Every number compared with days_since_last: the instants where a
     * profile's segment may change with time alone (see profile.c). */
    double *day_marks;
    size_t nday_marks;
} as__segments_cfg;

/* A benefit granted each month to the users of a tier: count coupons of a
 * template (checked against the coupons section once every section is
 * read; file, line and col say where it was named). */
typedef struct as__grant {
    char *coupon;
    int64_t count;
    const char *file;
    int line, col;
} as__grant;

typedef struct as__tier {
    char *name;
    int64_t min;             /* yuan (basis spend) or points */
    char **benefits;         /* the tier's benefits, in the order of the file */
    size_t nbenefits;
    as__grant *grants;       /* what benefits run issues each month */
    size_t ngrants;
    int64_t points_pct;      /* points_multiplier in hundredths: fueling earns
                              * points_per_yuan x this / 100 points a yuan (100) */
} as__tier;

typedef struct as__tiers_cfg {
    int basis_points;        /* 0: rolling 12-month spend in yuan, 1: points */
    int64_t points_per_yuan;
    size_t n;
    as__tier *items;         /* in the order of the file */
} as__tiers_cfg;

/* ---- templates ------------------------------------------------------- */

/* A compiled template: part i is the literal lit[i] when ph[i] < 0, else
 * the placeholder number ph[i] of the kind's list. */
typedef struct as__tmpl {
    size_t n;
    char **lit;
    int *ph;
} as__tmpl;

/* Append t filled with vals (indexed like the kind's placeholder list;
 * NULL counts as "") to b.  Returns 0, or -1 when out of memory. */
int as__tmpl_render(as_buf *b, const as__tmpl *t, const char *const *vals);

/* ---- reminders ------------------------------------------------------- */

typedef struct as__rule {
    int enabled;
    as__tmpl title;
    as__tmpl body;           /* tips and grade_advice: unused (see below) */
    int64_t expire_after;    /* seconds a notification stays deliverable, for
                              * the kinds without an end of their own; 0: none */
} as__rule;

/* A tip and the months it fits: bit m-1 for month m (all twelve when the
 * file gives no months or season). */
typedef struct as__tip {
    as__tmpl text;
    unsigned months;
} as__tip;

/* The three cases of fuel-grade advice (as__reminders_cfg.grade). */
enum { AS__GRADE_BELOW, AS__GRADE_ABOVE, AS__GRADE_WRONG_FUEL, AS__GRADE_NCASES };

typedef struct as__reminders_cfg {
    int64_t cap_count;       /* 0: no cap */
    int64_t cap_window;      /* seconds */
    as__rule rule[AS_REMIND_NKINDS];
    int64_t maint_every_km, maint_every_s, maint_lead_km, maint_lead_s;
    int64_t refuel_min_fillups;
    char *refuel_coupon;     /* the coupon template a refuel reminder issues;
                              * NULL: none (coupon: none) */
    const char *refuel_coupon_file;   /* where it was named, for the check */
    int refuel_coupon_line, refuel_coupon_col;   /* against the coupons section */
    int64_t winback_min_fillups;
    double winback_factor;
    int64_t tips_every_s;
    int64_t survey_delay_s;  /* after the resolution */
    size_t ntips;
    as__tip *tips;
    as__tmpl grade[AS__GRADE_NCASES];   /* below, above, wrong_fuel */
    int64_t grade_within_s;  /* advice for a fill-up at most this old */
    int64_t grade_every_s;   /* at most one advice per vehicle and grade per period */
} as__reminders_cfg;

/* The placeholders a kind's templates may use (NULL-terminated). */
extern const char *const *const as__remind_placeholders[AS_REMIND_NKINDS];

/* Section parsers and destructors (registered in config_sections.c). */
void as__segments_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__segments_free(as_config *cfg);
void as__tiers_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__tiers_free(as_config *cfg);
void as__reminders_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__reminders_free(as_config *cfg);

/* Compile a condition; on error reports at node (column adjusted) and
 * returns -1. */
int as__cond_compile(as__cfgctx *c, const as__ynode *node, as__cond *out);
void as__cond_free(as__cond *cond);

#endif
