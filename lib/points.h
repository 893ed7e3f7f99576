/* points.h - internal: the points ledger (points.c) and its configuration
 * section (points_config.c), for the modules that earn points: the
 * fueling import (fuel.c), surveys (ticket_survey.c) and, later, the
 * community module. */
#ifndef AS_POINTS_H
#define AS_POINTS_H

#include "batch.h"
#include "config.h"

/* The points section. */
typedef struct as__points_cfg {
    int64_t expire_after_months;  /* a lot lapses this many months after it was
                                   * earned (calendar months in the business
                                   * zone); 0: never */
    int64_t survey;               /* points for an answered survey; 0: none */
} as__points_cfg;

void as__points_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__points_cfg_free(as_config *cfg);

/* The handle's points section (the defaults when its configuration has
 * none). */
const as__points_cfg *as__points_cfg_of(as_db *db);

/* When points earned at `at` lapse under the handle's configuration:
 * expire_after_months later on the calendar of the business zone (the
 * 31st becomes the last day of a shorter month), or 0 for never. */
int64_t as__points_expiry(as_db *db, int64_t at);

/*
 * Earn points (a positive ledger row; its lot is written when it is first
 * used) inside the caller's write transaction: for kinds AS_POINTS_EARN_*
 * but earn_fuel (the fueling import's, above) and for a positive
 * adjustment.  ref (may be NULL for an adjustment) makes it idempotent:
 * a row of the same kind and ref already there earns nothing (*earned 0,
 * may be NULL) and is AS_OK.  reason (may be NULL) is copied.  The user is
 * not looked up: the caller knows it (a fueling may precede its user).
 * Returns AS_OK; AS_INVALID (points <= 0); AS_MISUSE (earn_fuel); an SQLite
 * failure.
 */
as_status as__points_earn(as_db *db, const char *user_id, as_points_kind kind, const char *ref,
                          int64_t points, int64_t at, const char *reason, int *earned);

/*
 * The fueling import's earning.  begin (at the first record, inside the
 * import's transaction) opens pf; id, on the writer before a record is
 * inserted, gives its points (floor(fen / 100) x tiers.points_per_yuan x
 * the multiplier of the user's stored tier in main.profiles, read once per
 * user; none or an unknown tier: 1) and, when there are any, the id of its
 * ledger row (the record's points_id; 0 for none); add, once the record is
 * in, buffers that row (written 64 to a statement: no index takes it); end
 * (after the last row) writes the rest.  An id handed out for a record
 * that did not go in is left unused.  The caller frees pf
 * (as__points_fuel_free, also when begin failed) whatever happened.  A dry
 * run's rollback takes it all back.
 */
typedef struct as__points_user {
    char *name;
    int64_t pct;
} as__points_user;

typedef struct as__points_fuel {
    as__batch b;
    int open;                    /* b is initialised */
    int64_t ppy, now, next_id;
    as__points_user *slot;       /* users' multipliers: open addressing */
    size_t cap, n;
} as__points_fuel;

as_status as__points_fuel_begin(as_db *db, as__points_fuel *pf);
as_status as__points_fuel_id(as_db *db, as__points_fuel *pf, const char *user_id, int64_t fen,
                             int64_t *points, int64_t *id);
void as__points_fuel_add(as__points_fuel *pf, int64_t id, const char *tx_id, const char *user_id,
                         int64_t at, int64_t points);
as_status as__points_fuel_end(as__points_fuel *pf);
void as__points_fuel_free(as__points_fuel *pf);

/*
 * as_points_balance_get() without the user check (a ledger may hold rows
 * of a user the users table does not know: a fueling may precede its
 * user) and with t taken as given (0 is a time, not "now"): the user's rows
 * at or before t replayed over lots in memory.  For reports (loyalty.c).
 * Returns AS_OK; AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as__points_balance_at(as_db *db, const char *user_id, int64_t t,
                                as_points_balance *out);

/* Is earning from fueling on (tiers.points_per_yuan > 0)? */
int as__points_fuel_on(as_db *db);

#endif
