/* ticket.h - internal: tickets, their configuration (sections routing, sla
 * and tickets) and the SLA clock arithmetic. */
#ifndef AS_TICKET_H
#define AS_TICKET_H

#include "config.h"

enum { AS__NLEVELS = 4 };   /* normal, urgent, major, systemic */

typedef struct as__sla_level {
    int64_t first_response;  /* business seconds */
    int64_t resolution;
    char *calendar;          /* NULL: 24/7 */
} as__sla_level;

typedef struct as__strlist {
    char **v;
    size_t n;
} as__strlist;

typedef struct as__route_rule {
    char *name;
    as__strlist category, channel, keywords /* NFKC + case folded */, tier;
    char *queue;             /* NULL: leave as is */
    int severity;            /* -1: leave as is */
    char *assignee;
} as__route_rule;

typedef struct as__ticket_cfg {
    int have_sla, have_routing, have_tickets;
    /* sla */
    int at_risk_pct;         /* a clock is at risk after this % of its target */
    as__sla_level levels[AS__NLEVELS];
    /* routing */
    char *default_queue;
    int default_severity;
    as__route_rule *rules;
    size_t nrules;
    /* tickets */
    int64_t reopen_window;
    int64_t autoclose_after;
    int64_t survey_within;
    int low_score;
} as__ticket_cfg;

void as__sla_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__routing_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__tickets_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__ticket_cfg_free(as_config *cfg);

/* The severity names, index = level. */
extern const char *const as__severity_names[AS__NLEVELS];
int as__severity_index(const char *name);   /* -1 when unknown */

/* One ticket at risk or in breach, as the sweep saw it. */
typedef struct as__sla_row {
    int64_t id;
    char *tracking, *user_id, *severity, *queue, *assignee;
    int64_t due[2], warn[2];     /* INT64_MIN: the clock does not run */
    int escalated[2];            /* recorded by this sweep */
} as__sla_row;

/* Record the escalations due at t (inside a transaction the caller holds)
 * and collect every ticket with a running clock at risk by t, earliest
 * first, into *rows (free with as__sla_rows_free). */
as_status as__sla_sweep(as_db *db, int64_t t, int64_t *recorded, as__sla_row **rows,
                        size_t *nrows);
void as__sla_rows_free(as__sla_row *rows, size_t n);

/* Recompute sla_watch of ticket id from its clocks (after an
 * import wrote them directly). */
as_status as__ticket_rederive(as_db *db, int64_t id);

#endif
