/* partner.h - internal: the partners section and issuing partner offers
 * after fill-ups (the fueling import calls as__partner_offers_for for each
 * record it inserts when any offer is configured). */
#ifndef AS_PARTNER_H
#define AS_PARTNER_H

#include "config.h"
#include "internal.h"

typedef struct as__offer {
    as_partner_offer pub;
    char **stations;             /* pub.stations points here */
    const char *file;            /* where the coupon template was named */
    int line, col;
} as__offer;

typedef struct as__partner {
    as_partner pub;
    as__offer *offers;
    as_partner_offer *pub_offers;   /* pub.offers points here */
} as__partner;

typedef struct as__partners_cfg {
    as__partner *items;
    size_t n;
    as_partner *pub;             /* n public views, for as_partners() */
} as__partners_cfg;

void as__partners_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__partners_free(as_config *cfg);

/* Report offers naming a template the coupons section lacks; -1 if any. */
int as__partners_check_refs(as__cfgctx *c, const as_config *cfg);

/* Does the configuration have any offer? */
int as__partners_any(as_db *db);

/* Issue the offers that the fill-up tx (user, station, at, amount_fen)
 * qualifies for, inside the caller's transaction; counts into *stats. */
as_status as__partner_offers_for(as_db *db, const char *tx, const char *user, const char *station,
                                 int64_t at, int64_t amount_fen, as_partner_run_stats *stats);

#endif
