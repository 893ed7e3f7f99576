/* community_config.c - the community section of the configuration:
 *
 *     community:
 *       boards:                      # at least one; ids [a-z0-9_-], 1-32
 *         - {id: experience, name: 用车心得}
 *         - {id: saving, name: 省油妙招}
 *       banned_terms: [刷单, 代充]    # a post holding one is queued
 *       flag_below: -0.5             # a post whose sentiment is below is queued
 *       feature_points: 50           # points for a featured post (0: none)
 *       feature_days: 7              # how long a feature pins a post
 *       adopt_points: 100            # points for an adopted submission (0: none)
 *       ambassador_weights: {posts: 1, featured: 5, positive_feedback: 2, adopted: 5}
 */
#include "community.h"
#include "t2s.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const as__community_cfg defaults = {
    .flag_below = -0.5, .feature_points = 50, .feature_days = 7, .adopt_points = 100,
    .w_posts = 1, .w_featured = 5, .w_positive = 2, .w_adopted = 5,
};

as_status as__community_fold(const char *text, char **out, char *why, size_t whysz)
{
    *out = NULL;
    char *k = NULL;
    as_status st = as__text_nfkc_fold(text, strlen(text), &k, why, whysz);
    if (st != AS_OK)
        return st;
    char *s = NULL;
    size_t n;
    if (as__t2s_fold(k, strlen(k), &s, &n) != AS_OK) {
        free(k);
        return AS_NOMEM;
    }
    if (s) {
        free(k);
        k = s;
    }
    *out = k;
    return AS_OK;
}

static int board_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

static void boards_parse(as__cfgctx *c, const as__ynode *n, as__community_cfg *p)
{
    if (n->kind != AS_Y_SEQ || n->n == 0) {
        as__cfg_error(c, n, "community.boards: expected a list of {id, name}, at least one");
        return;
    }
    if (!(p->boards = calloc(n->n, sizeof *p->boards))) {
        as__cfg_error(c, n, "out of memory");
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        static const char *const keys[] = {"id", "name", NULL};
        const as__ynode *b = n->items[i];
        if (as__cfg_map_keys(c, b, "a board", keys) < 0)
            continue;
        const as__ynode *idn = as__ymap_get(b, "id"), *nn = as__ymap_get(b, "name");
        const char *id, *name;
        if (!idn || !nn) {
            as__cfg_error(c, b, "a board needs an id and a name");
            continue;
        }
        if (as__cfg_str(c, idn, &id) < 0 || as__cfg_str(c, nn, &name) < 0)
            continue;
        if (!board_id_ok(id)) {
            as__cfg_error(c, idn, "board id '%s': 1-32 of a-z, 0-9, _ and -", id);
            continue;
        }
        int dup = 0;
        for (size_t j = 0; j < p->nboards; j++)
            dup |= strcmp(p->boards[j].id, id) == 0;
        if (dup) {
            as__cfg_error(c, idn, "board id '%s' appears twice", id);
            continue;
        }
        char why[160], *nfc = NULL;
        if (!name[0] || as__text_nfc(name, strlen(name), &nfc, why, sizeof why) != AS_OK) {
            as__cfg_error(c, nn, "board '%s': %s", id, name[0] ? why : "the name is empty");
            continue;
        }
        char *idc = as__strdup(id);
        if (!idc) {
            free(nfc);
            as__cfg_error(c, b, "out of memory");
            continue;
        }
        p->boards[p->nboards].id = idc;
        p->boards[p->nboards].name = nfc;
        p->nboards++;
    }
}

static void banned_parse(as__cfgctx *c, const as__ynode *n, as__community_cfg *p)
{
    if (n->kind != AS_Y_SEQ) {
        as__cfg_error(c, n, "community.banned_terms: expected a list of words, such as [刷单, 代充]");
        return;
    }
    size_t cap = n->n ? n->n : 1;
    p->banned = calloc(cap, sizeof *p->banned);
    p->banned_as_written = calloc(cap, sizeof *p->banned_as_written);
    if (!p->banned || !p->banned_as_written) {
        as__cfg_error(c, n, "out of memory");
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const as__ynode *it = n->items[i];
        char why[160], *nfc = NULL, *folded = NULL;
        if (it->kind != AS_Y_SCALAR || !it->value[0]) {
            as__cfg_error(c, it, "community.banned_terms: expected a non-empty word");
            continue;
        }
        if (as__text_nfc(it->value, strlen(it->value), &nfc, why, sizeof why) != AS_OK ||
            as__community_fold(nfc, &folded, why, sizeof why) != AS_OK) {
            free(nfc);
            as__cfg_error(c, it, "community.banned_terms: %s", why);
            continue;
        }
        p->banned[p->nbanned] = folded;
        p->banned_as_written[p->nbanned] = nfc;
        p->nbanned++;
    }
}

static void weights_parse(as__cfgctx *c, const as__ynode *n, as__community_cfg *p)
{
    static const char *const keys[] = {"posts", "featured", "positive_feedback", "adopted", NULL};
    if (as__cfg_map_keys(c, n, "community.ambassador_weights", keys) < 0)
        return;
    int64_t *dst[] = {&p->w_posts, &p->w_featured, &p->w_positive, &p->w_adopted};
    for (size_t i = 0; keys[i]; i++) {
        const as__ynode *w = as__ymap_get(n, keys[i]);
        long long v;
        if (w && as__cfg_int(c, w, 0, 1000, &v) == 0)
            *dst[i] = v;
    }
}

void as__community_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"boards", "banned_terms", "flag_below", "feature_points",
                                       "feature_days", "adopt_points", "ambassador_weights",
                                       NULL};
    as__community_cfg *p = malloc(sizeof *p);
    if (!p) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    *p = defaults;
    cfg->community = p;
    if (as__cfg_map_keys(c, node, "community", keys) < 0)
        return;
    const as__ynode *n = as__ymap_get(node, "boards");
    if (!n)
        as__cfg_error(c, node, "community: needs boards (a list of {id, name})");
    else
        boards_parse(c, n, p);
    if ((n = as__ymap_get(node, "banned_terms")))
        banned_parse(c, n, p);
    long long v;
    double d;
    if ((n = as__ymap_get(node, "flag_below")) && as__cfg_real(c, n, -1, 1, &d) == 0)
        p->flag_below = d;
    if ((n = as__ymap_get(node, "feature_points")) && as__cfg_int(c, n, 0, 1000000, &v) == 0)
        p->feature_points = v;
    if ((n = as__ymap_get(node, "feature_days")) && as__cfg_int(c, n, 1, 366, &v) == 0)
        p->feature_days = v;
    if ((n = as__ymap_get(node, "adopt_points")) && as__cfg_int(c, n, 0, 1000000, &v) == 0)
        p->adopt_points = v;
    if ((n = as__ymap_get(node, "ambassador_weights")))
        weights_parse(c, n, p);
}

void as__community_cfg_free(as_config *cfg)
{
    as__community_cfg *p = cfg->community;
    if (!p)
        return;
    for (size_t i = 0; i < p->nboards; i++) {
        free((char *)p->boards[i].id);
        free((char *)p->boards[i].name);
    }
    free(p->boards);
    for (size_t i = 0; i < p->nbanned; i++) {
        free(p->banned[i]);
        free(p->banned_as_written[i]);
    }
    free(p->banned);
    free(p->banned_as_written);
    free(p);
    cfg->community = NULL;
}

const as__community_cfg *as__community_cfg_of(as_db *db)
{
    const as_config *cfg = as__db_config(db);
    return cfg && cfg->community ? cfg->community : &defaults;
}
