/* package.h - internal: packages (月省计划).  The packages section of the
 * configuration (package_config.c) and the one discount rule that both the
 * quote and the payment path use (package.c).
 *
 * The rule for one payment under a plan (as__package_plan_discount):
 *  - the payment is eligible when its grade is one of the plan's grades (or
 *    the plan names none) and its volume is at least min_litres;
 *  - an eligible payment gets floor(discount_per_litre_fen x litres_ml /
 *    1000) + discount_per_fill_fen, never more than its amount;
 *  - with a monthly cap, never more than the cap less what the plan already
 *    gave that month.
 * A subscription's month is a 30-day period counted from its start; the
 * quote counts 30-day periods back from its time instead (package.c). */
#ifndef AS_PACKAGE_H
#define AS_PACKAGE_H

#include "config.h"

enum { AS__PACKAGE_MONTH_S = 30 * 86400 };

/* The largest volume of one payment (the fueling import's limit). */
#define AS__PACKAGE_MAX_ML INT64_C(10000000)

typedef struct as__packages_cfg {
    int64_t car_wash_value_fen;   /* what one included wash is worth (quote) */
    size_t n;
    as_package_plan *items;       /* in the order of the file; strings owned here */
} as__packages_cfg;

/* Section parser and destructor (registered in config_sections.c). */
void as__packages_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__packages_free(as_config *cfg);

/* The plan with that id in the handle's configuration, or NULL. */
const as_package_plan *as__package_plan_find(as_db *db, const char *plan_id);

/* The discount plan gives one payment of amount_fen for litres_ml of grade
 * (canonical, as_grade_normalize()) when used_fen was already given in the
 * same month: the rule above.  Never negative, never above amount_fen. */
int64_t as__package_plan_discount(const as_package_plan *plan, const char *grade,
                                  int64_t litres_ml, int64_t amount_fen, int64_t used_fen);

/*
 * The discount the plan active for user_id at time at gives one payment
 * (grade in any form as_grade_normalize() reads): *discount_fen, and the
 * plan's id in plan_id ("" when no plan is active then).  0 when no plan is
 * active, the payment is not eligible, the month's cap is used up, or the
 * plan is no longer in the configuration.  The cap counts every discount
 * recorded for that subscription month (as__package_apply), before or
 * after at.  Reads only; nothing is recorded.
 * Returns AS_OK; AS_INVALID (not a grade, litres_ml outside 1..10,000,000,
 * amount_fen < 0);
 * AS_MISUSE (a NULL argument); AS_BUSY; AS_INTERNAL.
 */
as_status as__package_discount(as_db *db, const char *user_id, const char *grade,
                               int64_t litres_ml, int64_t amount_fen, int64_t at,
                               int64_t *discount_fen, char plan_id[static 64]);

/*
 * Apply that discount to the payment tx_id and record it (package_discounts)
 * in one write transaction (a savepoint inside the caller's, such as the
 * coupon redemption's), so the cap is counted once and two processes
 * cannot both use the same room under it.  *discount_fen and plan_id as
 * as__package_discount(); a discount of 0 records nothing.
 * A tx_id already recorded is not applied again: AS_EXISTS, with
 * *discount_fen and plan_id set to what was recorded for it then.
 * Returns AS_OK; AS_EXISTS; AS_INVALID (as above, or tx_id not an id);
 * AS_MISUSE; AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as__package_apply(as_db *db, const char *user_id, const char *tx_id,
                            const char *grade, int64_t litres_ml, int64_t amount_fen,
                            int64_t at, int64_t *discount_fen, char plan_id[static 64]);

/* For as_user_forget(), inside its transaction: end the user's active
 * subscription at now (its start, if later) with an 'erased' event.  The
 * discounts stay, as anonymous figures, as fueling records do.  *rows
 * counts the rows changed. */
as_status as__package_forget(as_db *db, const char *user_id, int64_t now, uint64_t *rows);

#endif
