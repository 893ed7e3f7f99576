/* coupon.c - the coupon wallet: templates (section coupons), codes,
 * issuing, reading as of a time, redemption, voiding and expiry. */
#include "coupon.h"
#include "import.h"
#include "json.h"
#include "ticket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* ---- configuration -------------------------------------------------- */

enum { L_GRADES, L_STATIONS, L_REGIONS };
static const char *const list_keys[3] = {"grades", "stations", "regions"};

static void tmpl_free(as__coupon_tmpl *t)
{
    free((char *)t->pub.id);
    free((char *)t->pub.name);
    for (int l = 0; l < 3; l++) {
        char **v = t->lists[l];
        size_t n = l == L_GRADES ? t->pub.ngrades : l == L_STATIONS ? t->pub.nstations
                                                                    : t->pub.nregions;
        for (size_t i = 0; v && i < n; i++)
            free(v[i]);
        free(v);
    }
}

void as__coupons_free(as_config *cfg)
{
    as__coupons_cfg *k = cfg->coupons;
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        tmpl_free(&k->items[i]);
    free(k->items);
    free(k->pub);
    free(k);
    cfg->coupons = NULL;
}

/* A template id: 1-32 of [a-z0-9_-]. */
int as__coupon_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

/* A region prefix: 2, 4 or 6 digits. */
static int region_prefix_ok(const char *s)
{
    size_t n = strlen(s);
    if (n != 2 && n != 4 && n != 6)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* One of a template's lists (a sequence of scalars, or one scalar). */
static void tmpl_list(as__cfgctx *c, const as__ynode *n, int l, as__coupon_tmpl *t)
{
    size_t count = n->kind == AS_Y_SEQ ? n->n : 1;
    if (n->kind == AS_Y_MAP) {
        as__cfg_error(c, n, "coupons: %s must be a list", list_keys[l]);
        return;
    }
    char **v = calloc(count ? count : 1, sizeof *v);
    if (!v) {
        as__cfg_error(c, n, "out of memory");
        return;
    }
    t->lists[l] = v;
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        const as__ynode *item = n->kind == AS_Y_SEQ ? n->items[i] : n;
        const char *s;
        if (as__cfg_str(c, item, &s) < 0)
            continue;
        char buf[8], why[160];
        const char *val = s;
        if (l == L_GRADES) {
            if (as_grade_normalize(s, buf) != AS_OK) {
                as__cfg_error(c, item, "coupons: '%s' is not a fuel grade (92, 95, 0, E92, ...)",
                              s);
                continue;
            }
            val = buf;
        } else if (l == L_STATIONS && as__check_id(s, why, sizeof why) != AS_OK) {
            as__cfg_error(c, item, "coupons: station id %s", why);
            continue;
        } else if (l == L_REGIONS && !region_prefix_ok(s)) {
            as__cfg_error(c, item, "coupons: region '%s' must be a code of 2, 4 or 6 digits", s);
            continue;
        }
        for (size_t j = 0; j < k; j++)
            if (strcmp(v[j], val) == 0) {
                as__cfg_error(c, item, "coupons: '%s' is twice in %s", val, list_keys[l]);
                val = NULL;
                break;
            }
        if (val && !(v[k++] = as__strdup(val)))
            as__cfg_error(c, item, "out of memory");
    }
    if (l == L_GRADES)
        t->pub.ngrades = k;
    else if (l == L_STATIONS)
        t->pub.nstations = k;
    else
        t->pub.nregions = k;
    const char *const *pv = (const char *const *)v;
    if (l == L_GRADES)
        t->pub.grades = pv;
    else if (l == L_STATIONS)
        t->pub.stations = pv;
    else
        t->pub.regions = pv;
}

static void tmpl_parse(as__cfgctx *c, const as__ynode *node, as__coupons_cfg *k)
{
    static const char *const keys[] = {"id", "name", "value_fen", "per_litre_fen",
                                       "max_discount_fen", "min_spend_fen", "valid", "stackable",
                                       "grades", "stations", "regions", NULL};
    if (as__cfg_map_keys(c, node, "a coupon template", keys) < 0)
        return;
    const as__ynode *id = as__ymap_get(node, "id"), *name = as__ymap_get(node, "name");
    const as__ynode *valid = as__ymap_get(node, "valid");
    if (!id || !name || !valid) {
        as__cfg_error(c, node, "a coupon template needs an id, a name and valid (e.g. 7d)");
        return;
    }
    const char *s;
    if (as__cfg_str(c, id, &s) < 0)
        return;
    if (!as__coupon_id_ok(s)) {
        as__cfg_error(c, id, "coupon template id '%s' must be 1-32 of a-z, 0-9, _ and -", s);
        return;
    }
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->items[i].pub.id, s) == 0) {
            as__cfg_error(c, id, "coupon template '%s' is defined twice", s);
            return;
        }
    as__coupon_tmpl *t = &k->items[k->n];
    memset(t, 0, sizeof *t);
    t->pub.id = as__strdup(s);
    const char *nm;
    char *nfc = NULL, why[96];
    if (as__cfg_str(c, name, &nm) == 0) {
        if (!nm[0] || as__text_nfc(nm, strlen(nm), &nfc, why, sizeof why) != AS_OK)
            as__cfg_error(c, name, "a coupon template's name must be non-empty text");
    }
    t->pub.name = nfc;
    long long v;
    static const char *const money[] = {"value_fen", "per_litre_fen", "max_discount_fen",
                                        "min_spend_fen"};
    int64_t *dest[] = {&t->pub.value_fen, &t->pub.per_litre_fen, &t->pub.max_discount_fen,
                       &t->pub.min_spend_fen};
    for (int i = 0; i < 4; i++) {
        const as__ynode *n = as__ymap_get(node, money[i]);
        if (n && as__cfg_int(c, n, 0, 100000000, &v) == 0)
            *dest[i] = v;
    }
    if ((t->pub.value_fen > 0) == (t->pub.per_litre_fen > 0))
        as__cfg_error(c, node, "coupon template '%s' needs one of value_fen and per_litre_fen"
                      " (above 0), not both", t->pub.id ? t->pub.id : "");
    if (t->pub.max_discount_fen && !t->pub.per_litre_fen)
        as__cfg_error(c, as__ymap_get(node, "max_discount_fen"),
                      "max_discount_fen caps a per-litre coupon; a fixed value needs none");
    int64_t d;
    if (as__cfg_duration(c, valid, &d) == 0) {
        if (d < 3600 || d > 3660 * 86400LL)
            as__cfg_error(c, valid, "valid must be between 1h and 10 years");
        else
            t->pub.valid_s = d;
    }
    const as__ynode *n = as__ymap_get(node, "stackable");
    if (n)
        as__cfg_bool(c, n, &t->pub.stackable);
    for (int l = 0; l < 3; l++)
        if ((n = as__ymap_get(node, list_keys[l])))
            tmpl_list(c, n, l, t);
    k->n++;
    if (!t->pub.id || !t->pub.name) {
        /* an error is recorded; keep it freed with the rest */
    }
}

void as__coupons_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"templates", NULL};
    as__coupons_cfg *k = calloc(1, sizeof *k);
    if (!k) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->coupons = k;
    if (as__cfg_map_keys(c, node, "coupons", keys) < 0)
        return;
    const as__ynode *list = as__ymap_get(node, "templates");
    if (!list)
        return;
    if (list->kind != AS_Y_SEQ) {
        as__cfg_error(c, list, "coupons.templates must be a list of templates");
        return;
    }
    k->items = calloc(list->n + 1, sizeof *k->items);
    k->pub = calloc(list->n + 1, sizeof *k->pub);
    if (!k->items || !k->pub) {
        as__cfg_error(c, list, "out of memory");
        return;
    }
    for (size_t i = 0; i < list->n; i++)
        tmpl_parse(c, list->items[i], k);
    for (size_t i = 0; i < k->n; i++)
        k->pub[i] = k->items[i].pub;
}

const as_coupon_template *as__coupon_template(const as_config *cfg, const char *id)
{
    const as__coupons_cfg *k = cfg ? cfg->coupons : NULL;
    for (size_t i = 0; k && id && i < k->n; i++)
        if (k->items[i].pub.id && strcmp(k->items[i].pub.id, id) == 0)
            return &k->pub[i];
    return NULL;
}

as_status as_coupon_templates(as_db *db, const as_coupon_template **out, size_t *n)
{
    if (!db || !out || !n)
        return db ? as__fail(db, AS_MISUSE, "as_coupon_templates: NULL argument") : AS_MISUSE;
    const as__coupons_cfg *k = as__db_config(db)->coupons;
    *out = k ? k->pub : NULL;
    *n = k ? k->n : 0;
    return AS_OK;
}

/* ---- codes ----------------------------------------------------------- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Fill buf with random bytes from the kernel. */
static int random_bytes(unsigned char *buf, size_t n)
{
    while (n) {
        ssize_t got = getrandom(buf, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += got;
        n -= (size_t)got;
    }
    return 0;
}

as_status as__coupon_code(as__coupon_writer *w, const char *key,
                          char code[AS__COUPON_CODE_LEN + 1])
{
    unsigned char r[16];
    if (key) {
        if (!w->have_secret) {
            as_status st = as__tracking_key(w->db, w->secret);
            if (st != AS_OK)
                return st;
            w->have_secret = 1;
        }
        /* two 64-bit SipHash values of "coupon:N:" key, under the key's
         * first half (tracking numbers use it with other inputs) */
        size_t kl = strlen(key);
        unsigned char *m = malloc(kl + 9);
        if (!m)
            return as__fail(w->db, AS_NOMEM, "out of memory");
        memcpy(m, "coupon:1:", 9);
        memcpy(m + 9, key, kl);
        uint64_t h1 = as__siphash24(w->secret, m, kl + 9);
        m[7] = '2';
        uint64_t h2 = as__siphash24(w->secret, m, kl + 9);
        free(m);
        for (int i = 0; i < 8; i++) {
            r[i] = (unsigned char)(h1 >> (8 * i));
            r[8 + i] = (unsigned char)(h2 >> (8 * i));
        }
    } else {
        if (w->rnd_left < 10) {
            if (random_bytes(w->rnd, sizeof w->rnd) < 0)
                return as__fail(w->db, AS_INTERNAL, "no random bytes from the system: %s",
                                strerror(errno));
            w->rnd_left = sizeof w->rnd;
        }
        memcpy(r, w->rnd + sizeof w->rnd - w->rnd_left, 10);
        w->rnd_left -= 10;
    }
    /* 80 bits, 5 at a time */
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 5; i++) {
        hi = hi << 8 | r[i];
        lo = lo << 8 | r[5 + i];
    }
    for (int i = 7; i >= 0; i--) {
        code[i] = crockford[hi & 31];
        code[8 + i] = crockford[lo & 31];
        hi >>= 5;
        lo >>= 5;
    }
    code[AS__COUPON_CODE_LEN] = '\0';
    return AS_OK;
}

/* A code as given (lower case, spaces and hyphens, O for 0, I and L for 1)
 * in its canonical form; -1 when it is not a code. */
int as__coupon_code_canon(const char *in, char out[AS__COUPON_CODE_LEN + 1])
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        unsigned ch = *p;
        if (ch == ' ' || ch == '-')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch -= 'a' - 'A';
        if (ch == 'O')
            ch = '0';
        else if (ch == 'I' || ch == 'L')
            ch = '1';
        if (!strchr(crockford, (int)ch) || ch == 0 || n == AS__COUPON_CODE_LEN)
            return -1;
        out[n++] = (char)ch;
    }
    out[n] = '\0';
    return n == AS__COUPON_CODE_LEN ? 0 : -1;
}

static as_status code_arg(as_db *db, const char *code, char out[AS__COUPON_CODE_LEN + 1])
{
    if (as__coupon_code_canon(code, out) < 0)
        return as__fail(db, AS_INVALID,
                        "code: '%.40s' is not a coupon code (16 characters of 0-9 and A-Z"
                        " without I, L, O, U)", code);
    return AS_OK;
}

/* ---- issuing ----------------------------------------------------------- */

static const char ins_coupons[] =
    "INSERT INTO main.coupons (id, code, user_id, template, name, value_fen, per_litre_fen,"
    " max_discount_fen, min_spend_fen, grades, stations, regions, stackable, issued_at,"
    " valid_from, expires_at, source, source_key) VALUES ";

as_status as__coupon_writer_init(as__coupon_writer *w, as_db *db)
{
    memset(w, 0, sizeof *w);
    w->db = db;
    static const char sql[] = "SELECT coalesce(max(id), 0) + 1 FROM main.coupons";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return w->st = AS_INTERNAL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        w->first_id = w->next_id = sqlite3_column_int64(s, 0);
    else
        w->st = as__sqlfail(db, rc, "reading the coupons");
    sqlite3_reset(s);
    if (w->st == AS_OK)
        w->st = as__batch_init(&w->rows, db, ins_coupons, 18);
    w->rows.tail = " ON CONFLICT DO NOTHING";
    return w->st;
}

/* A JSON array of list, with extra ("" or NULL: none) when list is
 * empty; NULL (SQL NULL: any) when both are. */
static int json_list(as_buf *b, const char *const *list, size_t n, const char *extra)
{
    b->len = 0;
    if (n == 0 && (!extra || !extra[0]))
        return 0;
    int rc = as__buf_addc(b, '[');
    if (n == 0)
        rc |= as__json_quote(b, extra);
    for (size_t i = 0; i < n; i++) {
        if (i)
            rc |= as__buf_addc(b, ',');
        rc |= as__json_quote(b, list[i]);
    }
    rc |= as__buf_addc(b, ']');
    rc |= as__buf_addc(b, '\0');
    return rc ? -1 : 1;
}

as_status as__coupon_writer_add(as__coupon_writer *w, const as_coupon_template *t,
                                const char *user, const char *code, int64_t at,
                                int64_t valid_from, int64_t expires_at, const char *source,
                                const char *key, const char *station, const char *grade,
                                int64_t *id)
{
    if (w->st != AS_OK)
        return w->st;
    as_buf lists[3] = {{0}, {0}, {0}};
    int have[3];
    have[0] = json_list(&lists[0], t->grades, t->ngrades, grade);
    have[1] = json_list(&lists[1], t->stations, t->nstations, station);
    have[2] = json_list(&lists[2], t->regions, t->nregions, NULL);
    as__batch *b = &w->rows;
    int64_t cid = w->next_id++;
    as__batch_int(b, cid);
    as__batch_text(b, code);
    as__batch_text(b, user);
    as__batch_text(b, t->id);
    as__batch_text(b, t->name);
    as__batch_int(b, t->value_fen);
    as__batch_int(b, t->per_litre_fen);
    if (t->max_discount_fen > 0)
        as__batch_int(b, t->max_discount_fen);
    else
        as__batch_null(b);
    as__batch_int(b, t->min_spend_fen);
    for (int l = 0; l < 3; l++)
        as__batch_text(b, have[l] > 0 ? lists[l].data : NULL);
    as__batch_int(b, t->stackable);
    as__batch_int(b, at);
    as__batch_int(b, valid_from);
    as__batch_int(b, expires_at);
    as__batch_text(b, source);
    as__batch_text(b, key);
    for (int l = 0; l < 3; l++)
        as__buf_free(&lists[l]);
    if (have[0] < 0 || have[1] < 0 || have[2] < 0)
        w->st = as__fail(w->db, AS_NOMEM, "out of memory");
    if (id)
        *id = cid;
    return w->st;
}

as_status as__coupon_writer_finish(as__coupon_writer *w)
{
    as_status st = w->st;
    if (st == AS_OK)
        st = as__batch_flush(&w->rows);
    as__batch_free(&w->rows);
    /* the issue events of the rows written (ids from first_id on; a row
     * kept out by a stored key left a gap) */
    static const char ev[] =
        "INSERT INTO main.coupon_events (coupon_id, at, event, detail)"
        " SELECT id, issued_at, 'issued', NULL FROM main.coupons WHERE id >= ?1 ORDER BY id";
    if (st == AS_OK && w->next_id > w->first_id) {
        sqlite3_stmt *s = as__stmt(w->db, ev);
        if (!s) {
            st = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(s, 1, w->first_id);
            st = as__step_done(w->db, s, "recording issued coupons");
        }
    }
    w->st = st != AS_OK ? st : AS_MISUSE;   /* finished */
    return st;
}

as_status as__coupon_issue_partner(as_db *db, const as_coupon_template *t, const char *user,
                                   const char *key, int64_t at, const char *partner,
                                   const char *offer, const char *origin_tx, int *inserted)
{
    static const char ins[] =
        "INSERT INTO main.coupons (code, user_id, template, name, value_fen, per_litre_fen,"
        " max_discount_fen, min_spend_fen, stackable, issued_at, valid_from, expires_at, source,"
        " source_key, partner, offer, origin_tx)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, 'partner', ?12, ?13, ?14, ?15)"
        " ON CONFLICT DO NOTHING";
    static const char ev[] =
        "INSERT INTO main.coupon_events (coupon_id, at, event, detail)"
        " VALUES (last_insert_rowid(), ?1, 'issued', NULL)";
    *inserted = 0;
    as__coupon_writer w;
    memset(&w, 0, sizeof w);
    w.db = db;
    char code[AS__COUPON_CODE_LEN + 1];
    as_status st = as__coupon_code(&w, key, code);
    if (st != AS_OK)
        return st;
    sqlite3_stmt *s = as__stmt(db, ins);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, t->value_fen);
    sqlite3_bind_int64(s, 6, t->per_litre_fen);
    as__bind_int64_or_null(s, 7, t->max_discount_fen, 0);
    sqlite3_bind_int64(s, 8, t->min_spend_fen);
    sqlite3_bind_int(s, 9, t->stackable);
    sqlite3_bind_int64(s, 10, at);
    sqlite3_bind_int64(s, 11, at + t->valid_s);
    sqlite3_bind_text(s, 12, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 13, partner, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 14, offer, -1, SQLITE_STATIC);
    as__bind_text_or_null(s, 15, origin_tx);
    if ((st = as__step_done(db, s, "issuing a partner's coupon")) != AS_OK)
        return st;
    if (sqlite3_changes(db->sql) != 1)
        return AS_OK;
    if (!(s = as__stmt(db, ev)))
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, at);
    if ((st = as__step_done(db, s, "recording an issued coupon")) == AS_OK)
        *inserted = 1;
    return st;
}

/* Is user a live user?  AS_OK, or a recorded failure. */
static as_status live_user(as_db *db, const char *user)
{
    static const char sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_DONE)
        st = as__fail(db, AS_NOTFOUND, "no user '%s'", user);
    else if (rc != SQLITE_ROW)
        st = as__sqlfail(db, rc, "reading a user");
    else if (sqlite3_column_int(s, 0))
        st = as__fail(db, AS_INVALID, "user '%s' was erased; no coupon can be issued", user);
    sqlite3_reset(s);
    return st;
}

/* The coupon an idempotency key issued: AS_OK with its code in out,
 * AS_DONE for none, AS_EXISTS when it is another user's or template's. */
static as_status keyed(as_db *db, const char *key, const char *user, const char *tmpl,
                       char out[AS__COUPON_CODE_LEN + 1])
{
    static const char sql[] =
        "SELECT code, user_id = ?2 AND template = ?3 FROM main.coupons WHERE source_key = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, tmpl, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    as_status st = AS_DONE;
    if (rc == SQLITE_ROW && !sqlite3_column_int(s, 1))
        st = as__fail(db, AS_EXISTS, "key '%s' already issued a coupon of another user or"
                      " template", key);
    else if (rc == SQLITE_ROW)
        st = AS_OK, as__column_copy(s, 0, out, AS__COUPON_CODE_LEN + 1);
    else if (rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading a coupon");
    sqlite3_reset(s);
    return st;
}

as_status as_coupon_issue(as_db *db, const char *user_id, const char *template_id,
                          const as_coupon_issue_options *opts, char **code_out, int *issued)
{
    static const as_coupon_issue_options defaults = AS_COUPON_ISSUE_OPTIONS_INIT;
    if (code_out)
        *code_out = NULL;
    if (issued)
        *issued = 0;
    if (!db || !user_id || !template_id)
        return db ? as__fail(db, AS_MISUSE, "as_coupon_issue: NULL argument") : AS_MISUSE;
    if (!opts)
        opts = &defaults;
    if (opts->version != AS_COUPON_ISSUE_OPTIONS_VERSION)
        return as__fail(db, AS_MISUSE, "as_coupon_issue: unknown options version %u",
                        opts->version);
    const as_coupon_template *t = as__coupon_template(as__db_config(db), template_id);
    if (!t)
        return as__fail(db, AS_NOTFOUND, "no coupon template '%s' in the configuration",
                        template_id);
    char grade[8] = "", why[160];
    if (opts->grade && opts->grade[0] && as_grade_normalize(opts->grade, grade) != AS_OK)
        return as__fail(db, AS_INVALID, "grade: '%s' is not a fuel grade", opts->grade);
    if (opts->station_id && opts->station_id[0] &&
        as__check_id(opts->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station: %s", why);
    if (opts->key && as__check_id(opts->key, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "key: %s", why);
    int64_t at = opts->at ? opts->at : as__now();
    int64_t from = opts->valid_from ? opts->valid_from : at;
    int64_t expires = at + t->valid_s;
    if (from >= expires)
        return as__fail(db, AS_INVALID, "valid_from is at or after the coupon's expiry (the"
                        " template is valid %lld s from the issue)", (long long)t->valid_s);
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    char code[AS__COUPON_CODE_LEN + 1] = "";
    st = live_user(db, user_id);
    int fresh = 0;
    if (st == AS_OK && opts->key) {
        st = keyed(db, opts->key, user_id, t->id, code);
        if (st == AS_DONE)
            fresh = 1, st = AS_OK;
    } else if (st == AS_OK) {
        fresh = 1;
    }
    if (st == AS_OK && fresh) {
        as__coupon_writer w;
        st = as__coupon_writer_init(&w, db);
        if (st == AS_OK)
            st = as__coupon_code(&w, opts->key, code);
        if (st == AS_OK)
            st = as__coupon_writer_add(&w, t, user_id, code, at, from, expires,
                                       "manual", opts->key,
                                       opts->station_id, grade, NULL);
        as_status fin = w.db ? as__coupon_writer_finish(&w) : st;
        if (st == AS_OK)
            st = fin;
    }
    st = as__write_end(db, st);
    if (st != AS_OK)
        return st;
    if (issued)
        *issued = fresh;
    if (code_out && !(*code_out = as__strdup(code)))
        return as__fail(db, AS_NOMEM, "out of memory");
    return AS_OK;
}

/* ---- reading ------------------------------------------------------------ */

/* The status at ?2, and what goes with it only when it had happened. */
#define COUPON_SELECT                                                                         \
    "SELECT c.id, c.code, c.user_id, c.template, c.name, c.value_fen, c.per_litre_fen,"       \
    " coalesce(c.max_discount_fen, 0), c.min_spend_fen, c.grades, c.stations, c.regions,"     \
    " c.stackable,"                                                                           \
    " CASE WHEN c.status <> 'issued' AND c.changed_at <= ?2 THEN c.status"                    \
    "  WHEN c.expires_at <= ?2 THEN 'expired' ELSE 'issued' END,"                             \
    " c.issued_at, c.valid_from, c.expires_at,"                                               \
    " CASE WHEN c.status <> 'issued' AND c.changed_at <= ?2 THEN c.changed_at"                \
    "  WHEN c.expires_at <= ?2 THEN c.expires_at ELSE 0 END,"                                 \
    " c.source, c.source_key,"                                                                \
    " CASE WHEN c.changed_at <= ?2 THEN c.redeemed_tx END,"                                   \
    " CASE WHEN c.changed_at <= ?2 THEN c.redeemed_station END,"                              \
    " CASE WHEN c.changed_at <= ?2 THEN c.redeemed_amount_fen END,"                           \
    " CASE WHEN c.changed_at <= ?2 THEN c.discount_fen END,"                                  \
    " CASE WHEN c.changed_at <= ?2 THEN c.reason END, c.status, c.partner, c.offer,"          \
    " c.origin_tx"                                                                            \
    " FROM main.coupons c"

static as_coupon_status status_of(const char *s)
{
    if (!s)
        return AS_COUPON_ISSUED;
    return strcmp(s, "redeemed") == 0  ? AS_COUPON_REDEEMED
           : strcmp(s, "expired") == 0 ? AS_COUPON_EXPIRED
           : strcmp(s, "voided") == 0  ? AS_COUPON_VOIDED
                                       : AS_COUPON_ISSUED;
}

const char *as_coupon_status_name(as_coupon_status status)
{
    switch (status) {
    case AS_COUPON_ISSUED: return "issued";
    case AS_COUPON_REDEEMED: return "redeemed";
    case AS_COUPON_EXPIRED: return "expired";
    case AS_COUPON_VOIDED: return "voided";
    }
    return NULL;
}

/* The lists of a row, parsed (owned by the holder until the next row). */
typedef struct lists {
    as__json *j[3];
    const char **v[3];
} lists;

static void lists_clear(lists *l)
{
    for (int i = 0; i < 3; i++) {
        as__json_free(l->j[i]);
        free(l->v[i]);
        l->j[i] = NULL;
        l->v[i] = NULL;
    }
}

/* Read a row of COUPON_SELECT into c (pointers into the statement and l). */
static as_status read_row(as_db *db, sqlite3_stmt *s, as_coupon *c, lists *l)
{
    memset(c, 0, sizeof *c);
    lists_clear(l);
    c->id = sqlite3_column_int64(s, 0);
    c->code = as__column_text(s, 1);
    c->user_id = as__column_text(s, 2);
    c->template_id = as__column_text(s, 3);
    c->name = as__column_text(s, 4);
    c->value_fen = sqlite3_column_int64(s, 5);
    c->per_litre_fen = sqlite3_column_int64(s, 6);
    c->max_discount_fen = sqlite3_column_int64(s, 7);
    c->min_spend_fen = sqlite3_column_int64(s, 8);
    for (int i = 0; i < 3; i++) {
        const char *text = as__column_text(s, 9 + i);
        size_t n = 0;
        if (text) {
            char why[64];
            if (as__json_parse(text, strlen(text), &l->j[i], why, sizeof why) != AS_OK ||
                l->j[i]->type != AS__J_ARRAY)
                return as__fail(db, AS_CORRUPT, "coupon %lld: its %s are not a JSON array",
                                (long long)c->id, list_keys[i]);
            n = l->j[i]->n;
            if (!(l->v[i] = calloc(n + 1, sizeof *l->v[i])))
                return as__fail(db, AS_NOMEM, "out of memory");
            for (size_t k = 0; k < n; k++)
                l->v[i][k] = l->j[i]->items[k].type == AS__J_STRING ? l->j[i]->items[k].str : "";
        }
        if (i == L_GRADES)
            c->grades = l->v[i], c->ngrades = n;
        else if (i == L_STATIONS)
            c->stations = l->v[i], c->nstations = n;
        else
            c->regions = l->v[i], c->nregions = n;
    }
    c->stackable = sqlite3_column_int(s, 12);
    c->status = status_of(as__column_text(s, 13));
    c->issued_at = sqlite3_column_int64(s, 14);
    c->valid_from = sqlite3_column_int64(s, 15);
    c->expires_at = sqlite3_column_int64(s, 16);
    c->changed_at = sqlite3_column_int64(s, 17);
    c->source = as__column_text(s, 18);
    c->key = as__column_text(s, 19);
    if (c->status == AS_COUPON_REDEEMED) {
        c->redeemed_tx = as__column_text(s, 20);
        c->redeemed_station = as__column_text(s, 21);
        c->redeemed_amount_fen = sqlite3_column_int64(s, 22);
        c->discount_fen = sqlite3_column_int64(s, 23);
    }
    if (c->status == AS_COUPON_VOIDED)
        c->reason = as__column_text(s, 24);
    c->partner = as__column_text(s, 26);
    c->offer = as__column_text(s, 27);
    c->origin_tx = as__column_text(s, 28);
    return AS_OK;
}

/* ---- one coupon, owned ---- */

/* Everything of a coupon in one block: the struct, its arrays, its events
 * and its strings. */
typedef struct owned {
    as_coupon c;
    as_buf text;             /* the strings (offsets until fixed up) */
    const char **ptrs;       /* the three lists, one after the other */
    as_coupon_event *events;
} owned;

static size_t keep(as_buf *b, const char *s, int *oom)
{
    if (!s)
        return 0;
    size_t off = b->len + 1;
    if (as__buf_add(b, s, strlen(s) + 1) < 0)
        *oom = 1;
    return off;
}

#define FIX(b, off) ((off) ? (b)->data + (off) - 1 : NULL)

void as_coupon_free(as_coupon *coupon)
{
    if (!coupon)
        return;
    owned *o = (owned *)coupon;
    as__buf_free(&o->text);
    free(o->ptrs);
    free(o->events);
    free(o);
}

static const char events_sql[] =
    "SELECT at, event, detail FROM main.coupon_events WHERE coupon_id = ?1 AND at <= ?2"
    " ORDER BY id";

/* A detail's member as text, or NULL. */
static const char *detail_str(const as__json *d, const char *key)
{
    for (size_t i = 0; d && d->type == AS__J_OBJECT && i < d->n; i++)
        if (strcmp(d->keys[i], key) == 0 && d->items[i].type == AS__J_STRING)
            return d->items[i].str;
    return NULL;
}

static int64_t detail_int(const as__json *d, const char *key)
{
    for (size_t i = 0; d && d->type == AS__J_OBJECT && i < d->n; i++)
        if (strcmp(d->keys[i], key) == 0 && d->items[i].type == AS__J_NUMBER &&
            d->items[i].is_int)
            return d->items[i].i;
    return 0;
}

/* Copy the row's coupon and its events up to at into one owned value. */
static as_status own(as_db *db, const as_coupon *c, int64_t at, as_coupon **out)
{
    owned *o = calloc(1, sizeof *o);
    if (!o)
        return as__fail(db, AS_NOMEM, "out of memory");
    int oom = 0;
    as_buf *b = &o->text;
    size_t s_code = keep(b, c->code, &oom), s_user = keep(b, c->user_id, &oom),
           s_tmpl = keep(b, c->template_id, &oom), s_name = keep(b, c->name, &oom),
           s_src = keep(b, c->source, &oom), s_key = keep(b, c->key, &oom),
           s_tx = keep(b, c->redeemed_tx, &oom), s_st = keep(b, c->redeemed_station, &oom),
           s_reason = keep(b, c->reason, &oom), s_partner = keep(b, c->partner, &oom),
           s_offer = keep(b, c->offer, &oom), s_origin = keep(b, c->origin_tx, &oom);
    size_t nl = c->ngrades + c->nstations + c->nregions;
    size_t *loff = calloc(nl + 1, sizeof *loff);
    o->ptrs = calloc(nl + 1, sizeof *o->ptrs);
    if (!loff || !o->ptrs)
        oom = 1;
    const char *const *src[3] = {c->grades, c->stations, c->regions};
    size_t cnt[3] = {c->ngrades, c->nstations, c->nregions};
    for (int l = 0, k = 0; !oom && l < 3; l++)
        for (size_t i = 0; i < cnt[l]; i++)
            loff[k++] = keep(b, src[l][i], &oom);
    /* events */
    typedef struct { int64_t at; as_coupon_status ev; size_t tx, st, reason; int64_t amt, disc; }
        evrec;
    evrec *ev = NULL;
    size_t nev = 0, capev = 0;
    as_status st = AS_OK;
    sqlite3_stmt *s = oom ? NULL : as__stmt(db, events_sql);
    if (!oom && !s)
        st = AS_INTERNAL;
    if (s) {
        sqlite3_bind_int64(s, 1, c->id);
        sqlite3_bind_int64(s, 2, at);
        int rc;
        while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (nev == capev) {
                capev = capev ? capev * 2 : 4;
                evrec *n = realloc(ev, capev * sizeof *n);
                if (!n) {
                    oom = 1;
                    break;
                }
                ev = n;
            }
            evrec *e = &ev[nev++];
            memset(e, 0, sizeof *e);
            e->at = sqlite3_column_int64(s, 0);
            e->ev = status_of(as__column_text(s, 1));
            const char *dt = as__column_text(s, 2);
            as__json *d = NULL;
            char why[64];
            if (dt && as__json_parse(dt, strlen(dt), &d, why, sizeof why) != AS_OK)
                d = NULL;
            e->tx = keep(b, detail_str(d, "tx_id"), &oom);
            e->st = keep(b, detail_str(d, "station_id"), &oom);
            e->reason = keep(b, detail_str(d, "reason"), &oom);
            e->amt = detail_int(d, "amount_fen");
            e->disc = detail_int(d, "discount_fen");
            as__json_free(d);
        }
        if (!oom && rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "reading coupon events");
        sqlite3_reset(s);
    }
    if (!oom && st == AS_OK && nev && !(o->events = calloc(nev, sizeof *o->events)))
        oom = 1;
    if (oom || st != AS_OK) {
        free(loff);
        free(ev);
        as_coupon_free(&o->c);
        return oom ? as__fail(db, AS_NOMEM, "out of memory") : st;
    }
    /* fix up: the buffer no longer moves */
    o->c = *c;
    o->c.code = FIX(b, s_code);
    o->c.user_id = FIX(b, s_user);
    o->c.template_id = FIX(b, s_tmpl);
    o->c.name = FIX(b, s_name);
    o->c.source = FIX(b, s_src);
    o->c.key = FIX(b, s_key);
    o->c.redeemed_tx = FIX(b, s_tx);
    o->c.redeemed_station = FIX(b, s_st);
    o->c.reason = FIX(b, s_reason);
    o->c.partner = FIX(b, s_partner);
    o->c.offer = FIX(b, s_offer);
    o->c.origin_tx = FIX(b, s_origin);
    for (size_t k = 0; k < nl; k++)
        o->ptrs[k] = FIX(b, loff[k]);
    o->c.grades = o->ptrs;
    o->c.stations = o->ptrs + c->ngrades;
    o->c.regions = o->ptrs + c->ngrades + c->nstations;
    for (size_t i = 0; i < nev; i++) {
        as_coupon_event *e = &o->events[i];
        e->at = ev[i].at;
        e->event = ev[i].ev;
        e->tx_id = FIX(b, ev[i].tx);
        e->station_id = FIX(b, ev[i].st);
        e->reason = FIX(b, ev[i].reason);
        e->amount_fen = ev[i].amt;
        e->discount_fen = ev[i].disc;
    }
    o->c.events = o->events;
    o->c.nevents = nev;
    free(loff);
    free(ev);
    *out = &o->c;
    return AS_OK;
}

as_status as_coupon_get(as_coupon **out, as_db *db, const char *code, int64_t at)
{
    if (!out || !db || !code)
        return db ? as__fail(db, AS_MISUSE, "as_coupon_get: NULL argument") : AS_MISUSE;
    *out = NULL;
    char canon[AS__COUPON_CODE_LEN + 1];
    as_status st = code_arg(db, code, canon);
    if (st != AS_OK)
        return st;
    if (!at)
        at = as__now();
    static const char sql[] = COUPON_SELECT " WHERE c.code = ?1 AND c.issued_at <= ?2";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, canon, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, at);
    int rc = sqlite3_step(s);
    lists l = {{0}, {0}};
    if (rc == SQLITE_ROW) {
        as_coupon c;
        st = read_row(db, s, &c, &l);
        if (st == AS_OK)
            st = own(db, &c, at, out);
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no coupon %s", canon);
    } else {
        st = as__sqlfail(db, rc, "reading a coupon");
    }
    lists_clear(&l);
    sqlite3_reset(s);
    return st;
}

/* ---- listing ---- */

struct as_coupon_iter {
    as_db *db;
    sqlite3_stmt *s;
    as_coupon c;
    lists l;
    int64_t left;            /* -1: no limit */
    unsigned statuses;
};

as_status as_coupon_iter_new(as_coupon_iter **out, as_db *db, const as_coupon_query *q)
{
    if (!out || !db || !q)
        return db ? as__fail(db, AS_MISUSE, "as_coupon_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    if (q->version != AS_COUPON_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "as_coupon_iter_new: unknown query version %u",
                        q->version);
    unsigned known = (1u << AS_COUPON_ISSUED) | (1u << AS_COUPON_REDEEMED) |
                     (1u << AS_COUPON_EXPIRED) | (1u << AS_COUPON_VOIDED);
    if (q->statuses & ~known)
        return as__fail(db, AS_MISUSE, "as_coupon_iter_new: unknown status bits");
    if (q->user_id) {
        static const char sql[] = "SELECT 1 FROM users WHERE user_id = ?1";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s)
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, q->user_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_DONE)
            return as__fail(db, AS_NOTFOUND, "no user '%s'", q->user_id);
        if (rc != SQLITE_ROW)
            return as__sqlfail(db, rc, "reading a user");
    }
    /* Not from the cache: an iterator may be open beside another. */
    static const char sql[] =
        COUPON_SELECT " WHERE c.issued_at <= ?2 AND (?1 IS NULL OR c.user_id = ?1)"
        " AND (?3 IS NULL OR c.template = ?3) ORDER BY c.issued_at DESC, c.id DESC";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "listing coupons");
    as_coupon_iter *it = calloc(1, sizeof *it);
    if (!it) {
        sqlite3_finalize(s);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    as__bind_text_or_null(s, 1, q->user_id);
    sqlite3_bind_int64(s, 2, q->at ? q->at : as__now());
    as__bind_text_or_null(s, 3, q->template_id);
    it->db = db;
    it->s = s;
    it->left = q->limit > 0 ? q->limit : -1;
    it->statuses = q->statuses;
    *out = it;
    return AS_OK;
}

as_status as_coupon_next(as_coupon_iter *it, const as_coupon **out)
{
    if (!it || !out)
        return AS_MISUSE;
    *out = NULL;
    while (it->left != 0) {
        int rc = sqlite3_step(it->s);
        if (rc == SQLITE_DONE)
            return AS_DONE;
        if (rc != SQLITE_ROW)
            return as__sqlfail(it->db, rc, "listing coupons");
        as_status st = read_row(it->db, it->s, &it->c, &it->l);
        if (st != AS_OK)
            return st;
        if (it->statuses && !(it->statuses & (1u << it->c.status)))
            continue;
        if (it->left > 0)
            it->left--;
        *out = &it->c;
        return AS_OK;
    }
    return AS_DONE;
}

void as_coupon_iter_free(as_coupon_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->s);
    lists_clear(&it->l);
    free(it);
}

/* Run a cached statement with ?1 an id, ?2 a time and ?3 a text. */
static as_status step_id_at_text(as_db *db, const char *sql, int64_t id, int64_t at,
                                 const char *text, const char *what)
{
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, at);
    sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
    return as__step_done(db, s, what);
}

/* ---- redemption --------------------------------------------------------- */

/* Is s in list[0, n)? */
static int in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static int region_in(const char *const *list, size_t n, const char *region)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(list[i], region, strlen(list[i])) == 0)
            return 1;
    return 0;
}

static as_status tx_check(as_db *db, const as_coupon_tx *tx, char grade[8], const char *partner)
{
    char why[160];
    if (partner) {
        /* a purchase at a partner: no station, grade or litres */
        if (!tx->tx_id || as__check_id(tx->tx_id, why, sizeof why) != AS_OK)
            return as__fail(db, AS_INVALID, "ref: %s", tx->tx_id ? why : "is missing");
        if (tx->amount_fen < 0 || tx->amount_fen > 100000000)
            return as__fail(db, AS_INVALID, "amount: %lld fen is out of range",
                            (long long)tx->amount_fen);
        grade[0] = '\0';
        return AS_OK;
    }
    if (!tx->tx_id || as__check_id(tx->tx_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "tx_id: %s", tx->tx_id ? why : "is missing");
    if (!tx->user_id || as__check_id(tx->user_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "user: %s", tx->user_id ? why : "is missing");
    if (!tx->station_id || as__check_id(tx->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station: %s", tx->station_id ? why : "is missing");
    if (tx->region && as_region_check(tx->region) != AS_OK)
        return as__fail(db, AS_INVALID, "region: '%s' is not a 6-digit region code",
                        tx->region);
    if (!tx->grade || as_grade_normalize(tx->grade, grade) != AS_OK)
        return as__fail(db, AS_INVALID, "grade: '%s' is not a fuel grade",
                        tx->grade ? tx->grade : "");
    if (tx->litres_ml <= 0 || tx->litres_ml > 10000000)
        return as__fail(db, AS_INVALID, "litres: %lld ml is not a fill-up (1 ml to 10,000 L)",
                        (long long)tx->litres_ml);
    if (tx->amount_fen < 0 || tx->amount_fen > 100000000)
        return as__fail(db, AS_INVALID, "amount: %lld fen is out of range (0 to 1,000,000"
                        " yuan)", (long long)tx->amount_fen);
    return AS_OK;
}

/* The coupon's discount on the payment. */
static int64_t discount(const as_coupon *c, const as_coupon_tx *tx)
{
    int64_t d;
    if (c->per_litre_fen > 0 && !c->partner) {
        d = c->per_litre_fen * tx->litres_ml / 1000;
        if (c->max_discount_fen > 0 && d > c->max_discount_fen)
            d = c->max_discount_fen;
    } else {
        d = c->value_fen;
    }
    return d > tx->amount_fen ? tx->amount_fen : d;
}

/* Why c cannot pay for tx (a recorded failure), or AS_OK. */
static as_status redeemable(as_db *db, const as_coupon *c, const as_coupon_tx *tx,
                            const char *grade, int64_t at, const char *partner)
{
    char when[AS_TIME_BUFSIZE];
    int off = as_db_utc_offset(db);
    if (partner && (!c->partner || strcmp(c->partner, partner) != 0))
        return as__fail(db, AS_INVALID, "coupon %s is not a coupon of partner '%s'", c->code,
                        partner);
    if (!partner && c->partner)
        return as__fail(db, AS_INVALID, "coupon %s is partner '%s''s; the partner redeems it"
                        " (partner redeem)", c->code, c->partner);
    if (!partner && strcmp(c->user_id, tx->user_id) != 0)
        return as__fail(db, AS_INVALID, "coupon %s belongs to another user, not '%s'", c->code,
                        tx->user_id);
    switch (c->status) {
    case AS_COUPON_ISSUED:
        break;
    case AS_COUPON_REDEEMED:
        return as__fail(db, AS_INVALID, "coupon %s was already redeemed (payment %s at %s)",
                        c->code, c->redeemed_tx ? c->redeemed_tx : "?",
                        as_time_format(c->changed_at, off, when));
    case AS_COUPON_EXPIRED:
        return as__fail(db, AS_INVALID, "coupon %s expired at %s", c->code,
                        as_time_format(c->expires_at, off, when));
    case AS_COUPON_VOIDED:
        return as__fail(db, AS_INVALID, "coupon %s was voided: %s", c->code,
                        c->reason ? c->reason : "");
    }
    if (at < c->valid_from)
        return as__fail(db, AS_INVALID, "coupon %s is valid from %s", c->code,
                        as_time_format(c->valid_from, off, when));
    if (partner) {
        if (tx->amount_fen < c->min_spend_fen)
            return as__fail(db, AS_INVALID, "coupon %s needs a purchase of at least %lld fen,"
                            " not %lld", c->code, (long long)c->min_spend_fen,
                            (long long)tx->amount_fen);
        return AS_OK;
    }
    if (c->nstations && !in_list(c->stations, c->nstations, tx->station_id))
        return as__fail(db, AS_INVALID, "coupon %s is not good at station %s", c->code,
                        tx->station_id);
    if (c->nregions && !tx->region)
        return as__fail(db, AS_INVALID, "coupon %s is good in some regions only, and the"
                        " payment names no region", c->code);
    if (c->nregions && !region_in(c->regions, c->nregions, tx->region))
        return as__fail(db, AS_INVALID, "coupon %s is not good in region %s", c->code,
                        tx->region);
    if (c->ngrades && !in_list(c->grades, c->ngrades, grade))
        return as__fail(db, AS_INVALID, "coupon %s is not good for grade %s", c->code, grade);
    if (tx->amount_fen < c->min_spend_fen)
        return as__fail(db, AS_INVALID, "coupon %s needs a payment of at least %lld fen, not"
                        " %lld", c->code, (long long)c->min_spend_fen,
                        (long long)tx->amount_fen);
    return AS_OK;
}

/* What the other coupons redeemed for the payment tx took off (*already);
 * refused when they were redeemed for another amount. */
static as_status used_by_tx(as_db *db, const as_coupon *c, const as_coupon_tx *tx,
                            int64_t *already)
{
    static const char sql[] =
        "SELECT count(*), coalesce(sum(discount_fen), 0), min(redeemed_amount_fen),"
        " max(redeemed_amount_fen) FROM main.coupons"
        " WHERE redeemed_tx = ?1 AND status = 'redeemed' AND id <> ?2";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, tx->tx_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, c->id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc != SQLITE_ROW) {
        st = as__sqlfail(db, rc, "reading coupons");
    } else if (sqlite3_column_int64(s, 0) > 0) {
        *already = sqlite3_column_int64(s, 1);
        int64_t lo = sqlite3_column_int64(s, 2), hi = sqlite3_column_int64(s, 3);
        if (lo != tx->amount_fen || hi != tx->amount_fen)
            st = as__fail(db, AS_INVALID, "payment %s was %lld fen when its other coupons were"
                          " redeemed, not %lld", tx->tx_id, (long long)hi,
                          (long long)tx->amount_fen);
    }
    sqlite3_reset(s);
    return st;
}

/* Does the payment already use a coupon that does not stack with c? */
static as_status stacking(as_db *db, const as_coupon *c, const char *tx_id)
{
    static const char sql[] =
        "SELECT code, stackable FROM main.coupons WHERE redeemed_tx = ?1 AND status = 'redeemed'"
        " AND id <> ?2 ORDER BY stackable LIMIT 1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, tx_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, c->id);
    int rc = sqlite3_step(s);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW && (!c->stackable || !sqlite3_column_int(s, 1)))
        st = as__fail(db, AS_INVALID, "payment %s already used coupon %s, and %s does not"
                      " combine with others", tx_id, as__column_text(s, 0),
                      !c->stackable ? c->code : "that one");
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = as__sqlfail(db, rc, "reading coupons");
    sqlite3_reset(s);
    return st;
}

as_status as_coupon_redeem(as_db *db, const char *code, const as_coupon_tx *tx,
                           as_coupon_redemption *out)
{
    return as__coupon_redeem(db, code, tx, out, NULL);
}

as_status as__coupon_redeem(as_db *db, const char *code, const as_coupon_tx *tx,
                            as_coupon_redemption *out, const char *partner)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!db || !code || !tx)
        return db ? as__fail(db, AS_MISUSE, "as_coupon_redeem: NULL argument") : AS_MISUSE;
    if (tx->version != AS_COUPON_TX_VERSION)
        return as__fail(db, AS_MISUSE, "as_coupon_redeem: unknown tx version %u", tx->version);
    char canon[AS__COUPON_CODE_LEN + 1], grade[8];
    as_status st = code_arg(db, code, canon);
    if (st == AS_OK)
        st = tx_check(db, tx, grade, partner);
    if (st != AS_OK)
        return st;
    int64_t at = tx->at ? tx->at : as__now();
    /* BEGIN IMMEDIATE: the read below and the update are one step for
     * every other process. */
    if ((st = as__write_begin(db)) != AS_OK)
        return st;
    static const char sql[] = COUPON_SELECT " WHERE c.code = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    as_coupon c;
    lists l = {{0}, {0}};
    int64_t disc = 0;
    int replay = 0;
    if (!s) {
        st = AS_INTERNAL;
    } else {
        sqlite3_bind_text(s, 1, canon, -1, SQLITE_STATIC);
        /* the coupon as it stands now, whatever the payment's time */
        sqlite3_bind_int64(s, 2, INT64_MAX);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            st = as__fail(db, AS_NOTFOUND, "no coupon %s", canon);
        else if (rc != SQLITE_ROW)
            st = as__sqlfail(db, rc, "reading a coupon");
        else
            st = read_row(db, s, &c, &l);
        if (st == AS_OK && c.status == AS_COUPON_REDEEMED && c.redeemed_tx &&
            strcmp(c.redeemed_tx, tx->tx_id) == 0 &&
            (partner ? c.partner && strcmp(c.partner, partner) == 0
                     : strcmp(c.user_id, tx->user_id) == 0)) {
            replay = 1;
            disc = c.discount_fen;
            if (out)
                out->pay_fen = c.redeemed_amount_fen - disc;
        } else if (st == AS_OK) {
            /* the status as recorded, and expiry as of the payment's time
             * (an unrecorded expiry counts) */
            c.status = status_of(as__column_text(s, 25));
            if (c.status == AS_COUPON_ISSUED && c.expires_at <= at)
                c.status = AS_COUPON_EXPIRED;
            st = redeemable(db, &c, tx, grade, at, partner);
            if (st == AS_OK && !partner)
                st = stacking(db, &c, tx->tx_id);
            /* coupons already on this payment: the same amount, and
             * together never more than it */
            int64_t already = 0;
            if (st == AS_OK)
                st = used_by_tx(db, &c, tx, &already);
            disc = discount(&c, tx);
            if (disc > tx->amount_fen - already)
                disc = tx->amount_fen - already;
        }
        if (st == AS_OK && !replay) {
            int64_t id = c.id;
            sqlite3_reset(s);
            static const char upd[] =
                "UPDATE main.coupons SET status = 'redeemed', changed_at = ?2, redeemed_tx = ?3,"
                " redeemed_station = ?4, redeemed_amount_fen = ?5, discount_fen = ?6"
                " WHERE id = ?1 AND status = 'issued'";
            sqlite3_stmt *u = as__stmt(db, upd);
            if (!u) {
                st = AS_INTERNAL;
            } else {
                sqlite3_bind_int64(u, 1, id);
                sqlite3_bind_int64(u, 2, at);
                sqlite3_bind_text(u, 3, tx->tx_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(u, 4, partner ? partner : tx->station_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(u, 5, tx->amount_fen);
                sqlite3_bind_int64(u, 6, disc);
                st = as__step_done(db, u, "redeeming a coupon");
                if (st == AS_OK && sqlite3_changes(db->sql) != 1)
                    st = as__fail(db, AS_INVALID, "coupon %s was already redeemed", canon);
            }
            as_buf d = {0};
            char num[96];
            as__buf_adds(&d, "{\"tx_id\":");
            as__json_quote(&d, tx->tx_id);
            as__buf_adds(&d, ",\"station_id\":");
            as__json_quote(&d, partner ? partner : tx->station_id);
            snprintf(num, sizeof num, ",\"amount_fen\":%lld,\"discount_fen\":%lld}",
                     (long long)tx->amount_fen, (long long)disc);
            if (as__buf_adds(&d, num) < 0 && st == AS_OK)
                st = as__fail(db, AS_NOMEM, "out of memory");
            static const char ev[] =
                "INSERT INTO main.coupon_events (coupon_id, at, event, detail)"
                " VALUES (?1, ?2, 'redeemed', ?3)";
            if (st == AS_OK)
                st = step_id_at_text(db, ev, id, at, d.data, "recording a redemption");
            as__buf_free(&d);
            if (out)
                out->pay_fen = tx->amount_fen - disc;
        }
        sqlite3_reset(s);
    }
    lists_clear(&l);
    st = as__write_end(db, st);
    if (st != AS_OK) {
        if (out)
            memset(out, 0, sizeof *out);
        return st;
    }
    if (out) {
        out->discount_fen = disc;
        out->replay = replay;
    }
    return AS_OK;
}

/* ---- voiding and expiry -------------------------------------------------- */

as_status as_coupon_void(as_db *db, const char *code, const char *reason, int64_t at)
{
    if (!db || !code || !reason)
        return db ? as__fail(db, AS_MISUSE, "as_coupon_void: NULL argument") : AS_MISUSE;
    char canon[AS__COUPON_CODE_LEN + 1];
    as_status st = code_arg(db, code, canon);
    if (st != AS_OK)
        return st;
    char *why_text = NULL, why[96];
    size_t rl = strlen(reason);
    while (rl && reason[rl - 1] == ' ')
        rl--;
    if (rl == 0)
        return as__fail(db, AS_INVALID, "reason: a voided coupon needs a reason");
    if (rl > 500)
        return as__fail(db, AS_INVALID, "reason: %zu bytes is too long (at most 500)", rl);
    if (as__text_nfc(reason, rl, &why_text, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "reason: %s", why);
    if (!at)
        at = as__now();
    if ((st = as__write_begin(db)) != AS_OK) {
        free(why_text);
        return st;
    }
    static const char sql[] = COUPON_SELECT " WHERE c.code = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    lists l = {{0}, {0}};
    int64_t id = 0;
    if (!s) {
        st = AS_INTERNAL;
    } else {
        sqlite3_bind_text(s, 1, canon, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, INT64_MAX);
        int rc = sqlite3_step(s);
        as_coupon c;
        if (rc == SQLITE_DONE)
            st = as__fail(db, AS_NOTFOUND, "no coupon %s", canon);
        else if (rc != SQLITE_ROW)
            st = as__sqlfail(db, rc, "reading a coupon");
        else if ((st = read_row(db, s, &c, &l)) == AS_OK &&
                 (c.status = status_of(as__column_text(s, 25)) == AS_COUPON_ISSUED &&
                             c.expires_at <= at ? AS_COUPON_EXPIRED
                                                : status_of(as__column_text(s, 25))) !=
                     AS_COUPON_ISSUED)
            st = as__fail(db, AS_INVALID, "coupon %s is %s; only an issued coupon can be"
                          " voided", canon, as_coupon_status_name(c.status));
        else if (st == AS_OK)
            id = c.id;
        sqlite3_reset(s);
    }
    lists_clear(&l);
    static const char upd[] =
        "UPDATE main.coupons SET status = 'voided', changed_at = ?2, reason = ?3"
        " WHERE id = ?1 AND status = 'issued'";
    static const char ev[] =
        "INSERT INTO main.coupon_events (coupon_id, at, event, detail)"
        " VALUES (?1, ?2, 'voided', json_object('reason', ?3))";
    if (st == AS_OK)
        st = step_id_at_text(db, upd, id, at, why_text, "voiding a coupon");
    if (st == AS_OK)
        st = step_id_at_text(db, ev, id, at, why_text, "recording a void");
    free(why_text);
    return as__write_end(db, st);
}

as_status as_coupon_expire(as_db *db, int64_t at, uint64_t *n)
{
    if (n)
        *n = 0;
    if (!db)
        return AS_MISUSE;
    if (!at)
        at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    /* The events first (they name the rows still issued), then the rows. */
    static const char ev[] =
        "INSERT INTO main.coupon_events (coupon_id, at, event, detail)"
        " SELECT id, expires_at, 'expired', NULL FROM main.coupons"
        " WHERE status = 'issued' AND expires_at <= ?1 ORDER BY expires_at, id";
    static const char upd[] =
        "UPDATE main.coupons SET status = 'expired', changed_at = expires_at"
        " WHERE status = 'issued' AND expires_at <= ?1";
    sqlite3_stmt *s = as__stmt(db, ev);
    if (!s) {
        st = AS_INTERNAL;
    } else {
        sqlite3_bind_int64(s, 1, at);
        st = as__step_done(db, s, "recording expired coupons");
    }
    int64_t changed = 0;
    if (st == AS_OK && (s = as__stmt(db, upd)) == NULL)
        st = AS_INTERNAL;
    if (st == AS_OK) {
        sqlite3_bind_int64(s, 1, at);
        st = as__step_done(db, s, "expiring coupons");
        changed = sqlite3_changes(db->sql);
    }
    st = as__write_end(db, st);
    if (st == AS_OK && n)
        *n = (uint64_t)changed;
    return st;
}
