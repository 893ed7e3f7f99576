/* payment.c - settling a payment: its coupons, then the user's plan, in one
 * transaction (the one path by which a plan's discount is applied, so that
 * nothing is counted twice). */
#include "coupon.h"
#include "package.h"

#include <string.h>

as_status as_payment_settle(as_db *db, const as_coupon_tx *tx, const char *const *codes,
                            size_t ncodes, as_payment *out)
{
    as_payment local;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);
    if (!db || !tx || (ncodes && !codes))
        return db ? as__fail(db, AS_MISUSE, "as_payment_settle: NULL argument") : AS_MISUSE;
    if (tx->version != AS_COUPON_TX_VERSION)
        return as__fail(db, AS_MISUSE, "as_payment_settle: unknown tx version %u", tx->version);
    if (ncodes > AS_PAYMENT_MAX_COUPONS)
        return as__fail(db, AS_INVALID, "a payment takes at most %d coupons, not %zu",
                        AS_PAYMENT_MAX_COUPONS, ncodes);
    for (size_t i = 0; i < ncodes; i++)
        if (!codes[i])
            return as__fail(db, AS_MISUSE, "as_payment_settle: NULL code");
    as_coupon_tx t = *tx;
    if (!t.at)
        t.at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    int replays = 0;
    int64_t left = tx->amount_fen;
    for (size_t i = 0; i < ncodes && st == AS_OK; i++) {
        /* the payment's amount each time: the wallet caps each coupon at
         * what the earlier ones on this payment left */
        as_coupon_redemption r;
        st = as__coupon_redeem(db, codes[i], &t, &r, NULL);
        if (st == AS_OK) {
            as__coupon_code_canon(codes[i], out->code[i]);
            out->coupon_fen[i] = r.discount_fen;
            out->coupons_fen += r.discount_fen;
            left -= r.discount_fen;
            replays += r.replay;
        }
    }
    out->ncoupons = ncodes;
    int plan_replay = 0;
    if (st == AS_OK) {
        int64_t d = 0;
        st = as__package_apply(db, tx->user_id, tx->tx_id, tx->grade, tx->litres_ml, left, t.at,
                               &d, out->plan_id);
        if (st == AS_EXISTS) {
            plan_replay = 1;
            st = AS_OK;
            as__ok(db);
        }
        if (st == AS_OK) {
            out->plan_fen = d;
            left -= d;
        }
    }
    st = as__write_end(db, st);
    if (st != AS_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    out->amount_fen = tx->amount_fen;
    out->pay_fen = left;
    /* a replay: every coupon was, and the plan was recorded before (or
     * gave nothing, which records nothing, with at least one coupon) */
    out->replay = (ncodes && replays == (int)ncodes && (plan_replay || out->plan_fen == 0)) ||
                  (!ncodes && plan_replay);
    return AS_OK;
}
