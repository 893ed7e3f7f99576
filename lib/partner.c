/* partner.c - partner offers (seed §4.3): the partners section, issuing a
 * partner's coupon after a qualifying fill-up (stations, minimum spend,
 * a daily cap per user, a monthly budget per partner), redemption by the
 * partner, and the report of issued vs redeemed per partner and station. */
#include "coupon.h"
#include "partner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration ---------------------------------------------------- */

void as__partners_free(as_config *cfg)
{
    as__partners_cfg *k = cfg->partners;
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++) {
        as__partner *p = &k->items[i];
        free((char *)p->pub.id);
        free((char *)p->pub.name);
        free((char *)p->pub.kind);
        for (size_t j = 0; j < p->pub.noffers; j++) {
            as__offer *o = &p->offers[j];
            free((char *)o->pub.id);
            free((char *)o->pub.coupon);
            for (size_t s = 0; s < o->pub.nstations; s++)
                free(o->stations[s]);
            free(o->stations);
        }
        free(p->offers);
        free(p->pub_offers);
    }
    free(k->items);
    free(k->pub);
    free(k);
    cfg->partners = NULL;
}

static char *id_of(as__cfgctx *c, const as__ynode *n, const char *what)
{
    const char *s;
    if (as__cfg_str(c, n, &s) < 0)
        return NULL;
    if (!as__coupon_id_ok(s)) {
        as__cfg_error(c, n, "%s id '%s' must be 1-32 of a-z, 0-9, _ and -", what, s);
        return NULL;
    }
    char *d = as__strdup(s);
    if (!d)
        as__cfg_error(c, n, "out of memory");
    return d;
}

static void offer_parse(as__cfgctx *c, const as__ynode *node, as__partner *p,
                        const as__partners_cfg *k)
{
    static const char *const keys[] = {"id", "coupon", "stations", "min_spend_fen", "daily_cap",
                                       NULL};
    if (as__cfg_map_keys(c, node, "an offer", keys) < 0)
        return;
    const as__ynode *id = as__ymap_get(node, "id"), *cp = as__ymap_get(node, "coupon"), *n;
    if (!id || !cp) {
        as__cfg_error(c, node, "an offer needs an id and a coupon (a template of the coupons"
                      " section)");
        return;
    }
    as__offer *o = &p->offers[p->pub.noffers];
    memset(o, 0, sizeof *o);
    if (!(o->pub.id = id_of(c, id, "offer")))
        return;
    for (size_t i = 0; i <= k->n; i++) {
        const as__partner *q = i < k->n ? &k->items[i] : p;
        for (size_t j = 0; j < q->pub.noffers; j++)
            if (strcmp(q->offers[j].pub.id, o->pub.id) == 0) {
                as__cfg_error(c, id, "offer '%s' is defined twice", o->pub.id);
                free((char *)o->pub.id);
                o->pub.id = NULL;
                return;
            }
    }
    o->pub.coupon = id_of(c, cp, "coupon template");
    o->file = c->file;
    o->line = cp->line;
    o->col = cp->col;
    o->pub.daily_cap = 1;
    long long v;
    if ((n = as__ymap_get(node, "min_spend_fen")) && as__cfg_int(c, n, 0, 100000000, &v) == 0)
        o->pub.min_spend_fen = v;
    if ((n = as__ymap_get(node, "daily_cap")) && as__cfg_int(c, n, 1, 100, &v) == 0)
        o->pub.daily_cap = v;
    if ((n = as__ymap_get(node, "stations"))) {
        size_t cnt = n->kind == AS_Y_SEQ ? n->n : 1;
        if (n->kind == AS_Y_MAP) {
            as__cfg_error(c, n, "an offer's stations must be a list of station ids");
        } else if ((o->stations = calloc(cnt ? cnt : 1, sizeof *o->stations))) {
            for (size_t i = 0; i < cnt; i++) {
                const as__ynode *item = n->kind == AS_Y_SEQ ? n->items[i] : n;
                const char *s;
                char why[160];
                if (as__cfg_str(c, item, &s) < 0)
                    continue;
                if (as__check_id(s, why, sizeof why) != AS_OK) {
                    as__cfg_error(c, item, "station id %s", why);
                    continue;
                }
                if ((o->stations[o->pub.nstations] = as__strdup(s)))
                    o->pub.nstations++;
            }
        }
        o->pub.stations = (const char *const *)o->stations;
    }
    if (o->pub.coupon)
        p->pub.noffers++;
    else
        free((char *)o->pub.id);
}

static void partner_parse(as__cfgctx *c, const as__ynode *node, as__partners_cfg *k)
{
    static const char *const keys[] = {"id", "name", "kind", "monthly_budget", "offers", NULL};
    static const char *const kinds[] = {"supermarket", "restaurant", "car_wash", "other", NULL};
    if (as__cfg_map_keys(c, node, "a partner", keys) < 0)
        return;
    const as__ynode *id = as__ymap_get(node, "id"), *name = as__ymap_get(node, "name"), *n;
    if (!id || !name) {
        as__cfg_error(c, node, "a partner needs an id and a name");
        return;
    }
    as__partner *p = &k->items[k->n];
    memset(p, 0, sizeof *p);
    if (!(p->pub.id = id_of(c, id, "partner")))
        return;
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->items[i].pub.id, p->pub.id) == 0) {
            as__cfg_error(c, id, "partner '%s' is defined twice", p->pub.id);
            free((char *)p->pub.id);
            return;
        }
    const char *s;
    char *nfc = NULL, why[96];
    if (as__cfg_str(c, name, &s) == 0 &&
        (!s[0] || as__text_nfc(s, strlen(s), &nfc, why, sizeof why) != AS_OK))
        as__cfg_error(c, name, "a partner's name must be non-empty text");
    p->pub.name = nfc;
    const char *kind = "other";
    if ((n = as__ymap_get(node, "kind")) && as__cfg_str(c, n, &kind) == 0) {
        int ok = 0;
        for (int i = 0; kinds[i]; i++)
            ok |= strcmp(kinds[i], kind) == 0;
        if (!ok) {
            as__cfg_error(c, n, "partner kind '%s' is not supermarket, restaurant, car_wash or"
                          " other", kind);
            kind = "other";
        }
    }
    p->pub.kind = as__strdup(kind);
    long long v;
    if ((n = as__ymap_get(node, "monthly_budget")) && as__cfg_int(c, n, 0, 1000000000, &v) == 0)
        p->pub.monthly_budget = v;
    k->n++;   /* from here on freed with the rest */
    const as__ynode *offers = as__ymap_get(node, "offers");
    if (!offers)
        return;
    if (offers->kind != AS_Y_SEQ) {
        as__cfg_error(c, offers, "a partner's offers must be a list");
        return;
    }
    p->offers = calloc(offers->n + 1, sizeof *p->offers);
    if (!p->offers) {
        as__cfg_error(c, offers, "out of memory");
        return;
    }
    k->n--;   /* offer_parse looks at the partners before this one */
    for (size_t i = 0; i < offers->n; i++)
        offer_parse(c, offers->items[i], p, k);
    k->n++;
}

void as__partners_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    as__partners_cfg *k = calloc(1, sizeof *k);
    if (!k) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->partners = k;
    if (node->kind != AS_Y_SEQ) {
        as__cfg_error(c, node, "partners must be a list of partners");
        return;
    }
    k->items = calloc(node->n + 1, sizeof *k->items);
    k->pub = calloc(node->n + 1, sizeof *k->pub);
    if (!k->items || !k->pub) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    for (size_t i = 0; i < node->n; i++)
        partner_parse(c, node->items[i], k);
    for (size_t i = 0; i < k->n; i++) {
        as__partner *p = &k->items[i];
        p->pub_offers = calloc(p->pub.noffers + 1, sizeof *p->pub_offers);
        if (!p->pub_offers) {
            as__cfg_error(c, node, "out of memory");
            return;
        }
        for (size_t j = 0; j < p->pub.noffers; j++)
            p->pub_offers[j] = p->offers[j].pub;
        p->pub.offers = p->pub_offers;
        k->pub[i] = p->pub;
    }
}

int as__partners_check_refs(as__cfgctx *c, const as_config *cfg)
{
    const as__partners_cfg *k = cfg->partners;
    int bad = 0;
    for (size_t i = 0; k && i < k->n; i++)
        for (size_t j = 0; j < k->items[i].pub.noffers; j++) {
            const as__offer *o = &k->items[i].offers[j];
            if (as__coupon_template(cfg, o->pub.coupon))
                continue;
            as__cfgctx x = {.file = o->file};
            as__ynode at = {.line = o->line, .col = o->col};
            as__cfg_error(&x, &at, "offer '%s' issues coupon template '%s', which the coupons"
                          " section lacks", o->pub.id, o->pub.coupon);
            c->nerrors += x.nerrors;
            as__buf_adds(&c->errors, x.errors.data);
            as__buf_free(&x.errors);
            bad = 1;
        }
    return bad ? -1 : 0;
}

as_status as_partners(as_db *db, const as_partner **out, size_t *n)
{
    if (!db || !out || !n)
        return db ? as__fail(db, AS_MISUSE, "as_partners: NULL argument") : AS_MISUSE;
    const as__partners_cfg *k = as__db_config(db)->partners;
    *out = k ? k->pub : NULL;
    *n = k ? k->n : 0;
    return AS_OK;
}

int as__partners_any(as_db *db)
{
    const as__partners_cfg *k = as__db_config(db)->partners;
    for (size_t i = 0; k && i < k->n; i++)
        if (k->items[i].pub.noffers)
            return 1;
    return 0;
}

/* ---- issuing ------------------------------------------------------------- */

/* [start, end) of the business day and of the calendar month holding t. */
static void day_bounds(int64_t t, int64_t off, int64_t *start, int64_t *end)
{
    int64_t d = t + off;
    d = d >= 0 ? d / 86400 : (d - 86399) / 86400;
    *start = d * 86400 - off;
    *end = *start + 86400;
}

static void month_bounds(int64_t t, int64_t off, int64_t *start, int64_t *end)
{
    int64_t d = t + off;
    d = d >= 0 ? d / 86400 : (d - 86399) / 86400;
    int64_t y;
    unsigned m, day;
    as__civil_from_days(d, &y, &m, &day);
    int64_t first = d - (day - 1);
    int dim = as__days_in_month(y, m);
    *start = first * 86400 - off;
    *end = (first + dim) * 86400 - off;
}

static int64_t count_of(as_db *db, const char *sql, const char *a, const char *b, int64_t from,
                        int64_t to, as_status *st)
{
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s) {
        *st = AS_INTERNAL;
        return 0;
    }
    sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
    as__bind_text_or_null(s, 2, b);
    sqlite3_bind_int64(s, 3, from);
    sqlite3_bind_int64(s, 4, to);
    int rc = sqlite3_step(s);
    int64_t n = 0;
    if (rc == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    else
        *st = as__sqlfail(db, rc, "counting partner coupons");
    sqlite3_reset(s);
    return n;
}

/* Does a fill-up at station of amount_fen qualify for any offer? */
static int offer_matches(const as__partners_cfg *k, const char *station, int64_t amount_fen)
{
    for (size_t i = 0; k && i < k->n; i++)
        for (size_t j = 0; j < k->items[i].pub.noffers; j++) {
            const as_partner_offer *o = &k->items[i].offers[j].pub;
            if (amount_fen < o->min_spend_fen)
                continue;
            if (!o->nstations)
                return 1;
            for (size_t s = 0; s < o->nstations; s++)
                if (strcmp(o->stations[s], station) == 0)
                    return 1;
        }
    return 0;
}

as_status as__partner_offers_for(as_db *db, const char *tx, const char *user, const char *station,
                                 int64_t at, int64_t amount_fen, as_partner_run_stats *stats)
{
    const as_config *cfg = as__db_config(db);
    const as__partners_cfg *k = cfg->partners;
    int64_t off = (int64_t)as_db_utc_offset(db) * 60;
    static const char per_day[] =
        "SELECT count(*) FROM main.coupons WHERE offer = ?2 AND user_id = ?1"
        " AND issued_at >= ?3 AND issued_at < ?4";
    static const char per_month[] =
        "SELECT count(*) FROM main.coupons WHERE partner = ?1 AND ?2 IS NULL"
        " AND issued_at >= ?3 AND issued_at < ?4";
    as_status st = AS_OK;
    int qualified = 0;
    if (!offer_matches(k, station, amount_fen))
        return AS_OK;   /* the common case: no statement at all */
    /* only a registered, not erased user */
    static const char live[] = "SELECT erased_at IS NULL FROM users WHERE user_id = ?1";
    sqlite3_stmt *u = as__stmt(db, live);
    if (!u)
        return AS_INTERNAL;
    sqlite3_bind_text(u, 1, user, -1, SQLITE_STATIC);
    int urc = sqlite3_step(u);
    int alive = urc == SQLITE_ROW && sqlite3_column_int(u, 0);
    sqlite3_reset(u);
    if (urc != SQLITE_ROW && urc != SQLITE_DONE)
        return as__sqlfail(db, urc, "reading a user");
    if (!alive)
        return AS_OK;
    as_buf key = {0};
    for (size_t i = 0; k && i < k->n && st == AS_OK; i++) {
        const as__partner *p = &k->items[i];
        for (size_t j = 0; j < p->pub.noffers && st == AS_OK; j++) {
            const as_partner_offer *o = &p->offers[j].pub;
            if (amount_fen < o->min_spend_fen)
                continue;
            if (o->nstations) {
                size_t s;
                for (s = 0; s < o->nstations && strcmp(o->stations[s], station) != 0; s++)
                    ;
                if (s == o->nstations)
                    continue;
            }
            qualified = 1;
            const as_coupon_template *t = as__coupon_template(cfg, o->coupon);
            if (!t)
                return as__fail(db, AS_CONFIG, "no coupon template '%s'", o->coupon);
            key.len = 0;
            if (as__buf_adds(&key, "partner:") < 0 || as__buf_adds(&key, o->id) < 0 ||
                as__buf_addc(&key, ':') < 0 || as__buf_adds(&key, tx) < 0) {
                st = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            /* issued for this fill-up before? */
            static const char known[] = "SELECT 1 FROM main.coupons WHERE source_key = ?1";
            sqlite3_stmt *q = as__stmt(db, known);
            if (!q) {
                st = AS_INTERNAL;
                break;
            }
            sqlite3_bind_text(q, 1, key.data, -1, SQLITE_STATIC);
            int rc = sqlite3_step(q);
            sqlite3_reset(q);
            if (rc == SQLITE_ROW) {
                stats->duplicates++;
                continue;
            }
            if (rc != SQLITE_DONE) {
                st = as__sqlfail(db, rc, "reading coupons");
                break;
            }
            int64_t a, b;
            day_bounds(at, off, &a, &b);
            if (count_of(db, per_day, user, o->id, a, b, &st) >= o->daily_cap) {
                stats->capped++;
                continue;
            }
            month_bounds(at, off, &a, &b);
            if (st == AS_OK && p->pub.monthly_budget > 0 &&
                count_of(db, per_month, p->pub.id, NULL, a, b, &st) >= p->pub.monthly_budget) {
                stats->over_budget++;
                continue;
            }
            int inserted = 0;
            if (st == AS_OK)
                st = as__coupon_issue_partner(db, t, user, key.data, at, p->pub.id, o->id, tx,
                                              &inserted);
            stats->issued += inserted;
        }
    }
    as__buf_free(&key);
    stats->fillups += qualified;
    return st;
}

as_status as_partner_run(as_db *db, const as_partner_run_options *opts,
                         as_partner_run_stats *stats)
{
    static const as_partner_run_options defaults = AS_PARTNER_RUN_OPTIONS_INIT;
    as_partner_run_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db)
        return AS_MISUSE;
    if (!opts)
        opts = &defaults;
    if (opts->version != AS_PARTNER_RUN_OPTIONS_VERSION || (opts->flags & ~AS_PARTNER_DRY_RUN))
        return as__fail(db, AS_MISUSE, "as_partner_run: unknown options version or flags");
    int64_t to = opts->to ? opts->to : as__now();
    int64_t from = opts->from ? opts->from : to - 86400;
    if (from >= to)
        return as__fail(db, AS_INVALID, "the window's start is not before its end");
    if (!as__partners_any(db))
        return AS_OK;
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    /* Not from the cache: the loop below uses cached statements. */
    static const char sql[] =
        "SELECT f.tx_id, f.user_id, f.station_id, f.filled_at, f.amount_fen FROM fuelings f"
        " JOIN users u ON u.user_id = f.user_id AND u.erased_at IS NULL"
        " WHERE f.filled_at > ?1 AND f.filled_at <= ?2 ORDER BY f.filled_at, f.tx_id";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        st = as__sqlfail(db, rc, "reading fueling records");
    if (s) {
        sqlite3_bind_int64(s, 1, from);
        sqlite3_bind_int64(s, 2, to);
        while (st == AS_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
            st = as__partner_offers_for(db, as__column_text(s, 0), as__column_text(s, 1),
                                        as__column_text(s, 2), sqlite3_column_int64(s, 3),
                                        sqlite3_column_int64(s, 4), stats);
        if (st == AS_OK && rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "reading fueling records");
        sqlite3_finalize(s);
    }
    if (st == AS_OK && (opts->flags & AS_PARTNER_DRY_RUN)) {
        as_rollback(db);
        as__ok(db);
        return AS_OK;
    }
    st = as__write_end(db, st);
    if (st != AS_OK)
        memset(stats, 0, sizeof *stats);
    return st;
}

/* ---- redemption ------------------------------------------------------------ */

as_status as_partner_redeem(as_db *db, const char *partner_id, const char *code,
                            const char *ref, int64_t amount_fen, int64_t at,
                            as_coupon_redemption *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!db || !partner_id || !code)
        return db ? as__fail(db, AS_MISUSE, "as_partner_redeem: NULL argument") : AS_MISUSE;
    const as__partners_cfg *k = as__db_config(db)->partners;
    size_t i;
    for (i = 0; k && i < k->n && strcmp(k->items[i].pub.id, partner_id) != 0; i++)
        ;
    if (!k || i == k->n)
        return as__fail(db, AS_NOTFOUND, "no partner '%s' in the configuration", partner_id);
    char why[160];
    if (ref && as__check_id(ref, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "ref: %s", why);
    if (amount_fen < 0 || amount_fen > 100000000)
        return as__fail(db, AS_INVALID, "amount: %lld fen is out of range",
                        (long long)amount_fen);
    char tx[128];
    if (ref) {
        snprintf(tx, sizeof tx, "%s", ref);
    } else {
        /* no receipt: the coupon itself names the purchase (a replay is the
         * same call again) */
        char canon[AS__COUPON_CODE_LEN + 1];
        if (as__coupon_code_canon(code, canon) < 0)
            return as__fail(db, AS_INVALID, "code: '%.40s' is not a coupon code", code);
        snprintf(tx, sizeof tx, "%s:%s", partner_id, canon);
    }
    as_coupon_tx t = AS_COUPON_TX_INIT;
    t.tx_id = tx;
    t.amount_fen = amount_fen;
    t.at = at;
    return as__coupon_redeem(db, code, &t, out, partner_id);
}

/* ---- report --------------------------------------------------------------- */

struct as_partner_report_iter {
    as_db *db;
    sqlite3_stmt *s;
    as_partner_report_row row;
};

as_status as_partner_report_iter_new(as_partner_report_iter **out, as_db *db, int64_t from,
                                     int64_t to)
{
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_partner_report_iter_new: NULL argument")
                  : AS_MISUSE;
    *out = NULL;
    if (from >= to)
        return as__fail(db, AS_INVALID, "the range's start is not before its end");
    static const char sql[] =
        "SELECT c.partner, f.station_id, count(*),"
        " sum(c.status = 'redeemed' AND c.changed_at < ?2),"
        " sum(CASE WHEN c.status = 'redeemed' AND c.changed_at < ?2 THEN c.discount_fen"
        "  ELSE 0 END)"
        " FROM main.coupons c LEFT JOIN fuelings f ON f.tx_id = c.origin_tx"
        " WHERE c.partner IS NOT NULL AND c.issued_at >= ?1 AND c.issued_at < ?2"
        " GROUP BY c.partner, f.station_id ORDER BY c.partner, f.station_id";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "the partner report");
    as_partner_report_iter *it = calloc(1, sizeof *it);
    if (!it) {
        sqlite3_finalize(s);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    it->db = db;
    it->s = s;
    *out = it;
    return AS_OK;
}

as_status as_partner_report_next(as_partner_report_iter *it, const as_partner_report_row **row)
{
    if (!it || !row)
        return AS_MISUSE;
    int rc = sqlite3_step(it->s);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "the partner report");
    it->row.partner = as__column_text(it->s, 0);
    it->row.station_id = as__column_text(it->s, 1);
    it->row.issued = (uint64_t)sqlite3_column_int64(it->s, 2);
    it->row.redeemed = (uint64_t)sqlite3_column_int64(it->s, 3);
    it->row.redeemed_value_fen = sqlite3_column_int64(it->s, 4);
    *row = &it->row;
    return AS_OK;
}

void as_partner_report_iter_free(as_partner_report_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->s);
    free(it);
}
