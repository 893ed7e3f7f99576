/* coupon.h - internal: the coupon wallet's configuration (section coupons)
 * and issuing many coupons in one transaction (reminders). */
#ifndef AS_COUPON_H
#define AS_COUPON_H

#include "batch.h"
#include "config.h"
#include "internal.h"

/* A template and the storage behind its lists. */
typedef struct as__coupon_tmpl {
    as_coupon_template pub;
    char **lists[3];         /* grades, stations, regions (pub's point here) */
} as__coupon_tmpl;

typedef struct as__coupons_cfg {
    as__coupon_tmpl *items;
    size_t n;
    as_coupon_template *pub; /* n public views, for as_coupon_templates() */
} as__coupons_cfg;

void as__coupons_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__coupons_free(as_config *cfg);

/* The template of that id in cfg, or NULL. */
const as_coupon_template *as__coupon_template(const as_config *cfg, const char *id);

/*
 * Issuing coupons many to a statement, inside the caller's transaction:
 *
 *     as__coupon_writer w;
 *     as__coupon_writer_init(&w, db);
 *     as__coupon_code(&w, code);            (a fresh code, to name first)
 *     as__coupon_writer_add(&w, ...code...);
 *     as__coupon_writer_finish(&w);        (writes what is buffered; frees)
 *
 * A coupon whose key or code is already stored is not written again (its
 * code, made from the key, is the stored one); the issue events of the
 * rows written are recorded at finish, in one statement.
 */
typedef struct as__coupon_writer {
    as_db *db;
    as__batch rows;
    int64_t first_id, next_id;
    unsigned char rnd[4000];     /* random bytes, taken 10 a code */
    size_t rnd_left;
    unsigned char secret[32];    /* the database's key (keyed codes) */
    int have_secret;
    as_status st;
} as__coupon_writer;

enum { AS__COUPON_CODE_LEN = 16 };

as_status as__coupon_writer_init(as__coupon_writer *w, as_db *db);

/* The code of a new coupon (16 characters and a NUL): random; for a coupon
 * issued under an idempotency key (key not NULL), a keyed hash of the key
 * under the database's secret, so that issuing under the same key again
 * gives the same code (and nobody without the database can predict it). */
as_status as__coupon_code(as__coupon_writer *w, const char *key,
                          char code[AS__COUPON_CODE_LEN + 1]);

/* Buffer a coupon of template t for user with code (from
 * as__coupon_code()), issued at `at`, valid from valid_from until
 * expires_at; source one of the schema's; key NULL or its idempotency key;
 * station and grade NULL or "" (no binding), else the coupon is bound to
 * them when the template names none.  Its id in *id (if not NULL). */
as_status as__coupon_writer_add(as__coupon_writer *w, const as_coupon_template *t,
                                const char *user, const char *code, int64_t at,
                                int64_t valid_from, int64_t expires_at, const char *source,
                                const char *key, const char *station, const char *grade,
                                int64_t *id);

/* One partner's coupon, written now (inside the caller's transaction):
 * template t for user, its code made from key (required), issued at `at`
 * for t's validity, recording partner, offer and the fill-up origin_tx.
 * *inserted is 0 when the key issued it before (nothing written). */
as_status as__coupon_issue_partner(as_db *db, const as_coupon_template *t, const char *user,
                                   const char *key, int64_t at, const char *partner,
                                   const char *offer, const char *origin_tx, int *inserted);

/* as_coupon_redeem(); with partner not NULL, the partner's redemption of
 * its own coupon (tx->tx_id its receipt, tx->amount_fen the purchase; no
 * station, grade or litres), and without, a fuel payment, which a partner's
 * coupon cannot pay. */
as_status as__coupon_redeem(as_db *db, const char *code, const as_coupon_tx *tx,
                            as_coupon_redemption *out, const char *partner);

/* A code as given (lower case, spaces and hyphens, O for 0, I and L for 1)
 * in its canonical form; -1 when it is not a code. */
int as__coupon_code_canon(const char *in, char out[AS__COUPON_CODE_LEN + 1]);

/* Is id a template id (1-32 of a-z, 0-9, _ and -)? */
int as__coupon_id_ok(const char *id);

/* Write what is buffered and free the writer; returns the first failure. */
as_status as__coupon_writer_finish(as__coupon_writer *w);

#endif
