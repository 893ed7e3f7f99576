/* remind.h - internal: the segments, tiers and reminders configuration
 * sections, and the small condition and template languages they use.
 *
 * Conditions (segments) are written over a fixed list of derived figures:
 *     median_interval_days <= 7 and stations <= 3
 *     cities >= 5 or litres_per_fill >= 50
 * with and / or / not, parentheses and the comparisons < <= > >= = !=.
 * They compile to SQL text made only of this file's own column names,
 * operators and "?" parameters; the numbers are bound, so no text of the
 * configuration is ever spliced into SQL.
 *
 * Templates ("{name}您好，距上次保养已行驶{km_since_service}公里") are split into
 * literal parts (bound as parameters) and placeholders from the rule kind's
 * fixed list; an unknown placeholder is a configuration error.
 */
#ifndef AS_REMIND_H
#define AS_REMIND_H

#include "config.h"

/* A compiled condition: SQL text with "?" for each number, in order. */
typedef struct as__cond {
    char *sql;
    size_t nnums;
    double *nums;
} as__cond;

typedef struct as__segment {
    char *name;
    as__cond cond;
} as__segment;

typedef struct as__segments_cfg {
    double km_per_litre;     /* to estimate km per day without odometer readings */
    size_t n;
    as__segment *items;
} as__segments_cfg;

typedef struct as__tier {
    char *name;
    int64_t min;             /* yuan (basis spend) or points */
    char **benefits;         /* the tier's benefits, in the order of the file */
    size_t nbenefits;
} as__tier;

typedef struct as__tiers_cfg {
    int basis_points;        /* 0: rolling 12-month spend in yuan, 1: points */
    int64_t points_per_yuan;
    size_t n;
    as__tier *items;         /* in the order of the file */
} as__tiers_cfg;

/* A compiled template: parts[i] is literal text when ph[i] < 0, else the
 * placeholder number ph[i] of the kind's list. */
typedef struct as__tmpl {
    size_t n;
    char **lit;
    int *ph;
} as__tmpl;

typedef struct as__rule {
    int enabled;
    as__tmpl title;
    as__tmpl body;           /* tips: unused (see tips) */
} as__rule;

typedef struct as__reminders_cfg {
    int64_t cap_count;       /* 0: no cap */
    int64_t cap_window;      /* seconds */
    as__rule rule[AS_REMIND_NKINDS];
    int64_t maint_every_km, maint_every_s, maint_lead_km, maint_lead_s;
    int64_t refuel_min_fillups;
    int64_t winback_min_fillups;
    double winback_factor;
    int64_t tips_every_s;
    int64_t survey_delay_s;  /* after the resolution */
    size_t ntips;
    as__tmpl *tips;
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

/* Append a template as an SQL expression to b: literal parts become
 * "?NNN" parameters numbered from *next (their texts are appended to
 * binds), placeholders become "x.<column>".  Returns 0 or -1 (no memory). */
typedef struct as__binds {
    size_t n;
    const char *text[256];
} as__binds;
int as__tmpl_sql(as_buf *b, const as__tmpl *t, int kind, as__binds *binds, int first_param);

#endif
