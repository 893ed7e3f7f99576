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
 * Earn points (a positive ledger row and its lot) inside the caller's
 * write transaction: for kinds AS_POINTS_EARN_* and for a positive
 * adjustment.  ref (may be NULL for an adjustment) makes it idempotent:
 * a row of the same kind and ref already there earns nothing (*earned 0,
 * may be NULL) and is AS_OK.  reason (may be NULL) is copied.  The user is
 * not looked up: the caller knows it (a fueling may precede its user).
 * Returns AS_OK; AS_INVALID (points <= 0); an SQLite failure.
 */
as_status as__points_earn(as_db *db, const char *user_id, as_points_kind kind, const char *ref,
                          int64_t points, int64_t at, const char *reason, int *earned);

/*
 * The fueling import's earning, set-based: begin (at the first record
 * inserted, inside the import's transaction) opens a batch b of the
 * records inserted, add adds one (copied; written 64 to a statement into a
 * TEMP table), and end (after the last row) writes their points in one
 * statement: floor(fen / 100) x tiers.points_per_yuan x the multiplier of
 * the user's stored tier (main.profiles; none or an unknown tier: 1), at
 * their filled_at, with their lots.  The caller frees b (as__batch_free)
 * whatever happened.  A dry run's rollback takes it all back.
 */
as_status as__points_fuel_begin(as_db *db, as__batch *b);
void as__points_fuel_add(as__batch *b, const char *tx_id, const char *user_id, int64_t at,
                         int64_t fen);
as_status as__points_fuel_end(as_db *db, as__batch *b);

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
