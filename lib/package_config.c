/* package_config.c - the packages configuration section (月省计划):
 *
 *   packages:
 *     car_wash_value_yuan: 25
 *     plans:
 *       - id: commuter
 *         name: 月省计划·通勤
 *         monthly_fee_yuan: 30
 *         discount_per_litre_yuan: 0.50
 *         max_discount_per_month_yuan: 100
 *         car_washes: 1
 *         grades: [92, 95]
 *         min_litres: 20
 *
 * Money is written in yuan, as the fueling import and the tiers take it,
 * and read as text into fen (never through a float). */
#include "package.h"

#include <stdlib.h>
#include <string.h>

void as__packages_free(as_config *cfg)
{
    as__packages_cfg *p = cfg->packages;
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        as_package_plan *plan = &p->items[i];
        free((char *)plan->id);
        free((char *)plan->name);
        for (size_t j = 0; j < plan->ngrades; j++)
            free((char *)plan->grades[j]);
        free((char **)plan->grades);
    }
    free(p->items);
    free(p);
    cfg->packages = NULL;
}

/* An amount in yuan (at most two decimals, not negative) into fen. */
static int yuan(as__cfgctx *c, const as__ynode *n, const char *key, int64_t *fen)
{
    const char *s;
    if (as__cfg_str(c, n, &s) < 0)
        return -1;
    if (as_amount_parse(s, fen) != AS_OK) {
        as__cfg_error(c, n,
                      "%s: '%s' is not an amount in yuan (digits with at most 2 decimals,"
                      " not negative: 30, 0.50)", key, s);
        return -1;
    }
    return 0;
}

/* A plan id: an ASCII token (letters, digits, '-', '_', '.'), 1-63 bytes,
 * so that it can be typed on a command line and stored as a key. */
static int plan_id(as__cfgctx *c, const as__ynode *n, char **out)
{
    const char *s;
    if (as__cfg_str(c, n, &s) < 0)
        return -1;
    size_t len = strlen(s), i;
    for (i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            break;
    }
    if (len == 0 || len > 63 || i < len) {
        as__cfg_error(c, n,
                      "a plan id must be 1-63 ASCII letters, digits, '-', '_' or '.', not '%s'", s);
        return -1;
    }
    if (!(*out = as__strdup(s))) {
        as__cfg_error(c, n, "out of memory");
        return -1;
    }
    return 0;
}

static int plan_name(as__cfgctx *c, const as__ynode *n, char **out)
{
    const char *s;
    if (as__cfg_str(c, n, &s) < 0)
        return -1;
    char why[96];
    if (!s[0] || as__text_nfc(s, strlen(s), out, why, sizeof why) != AS_OK) {
        as__cfg_error(c, n, "a plan name must be non-empty text");
        return -1;
    }
    return 0;
}

/* grades: a list of grades (or one), each as as_grade_normalize() reads it;
 * an empty list is every grade. */
static int plan_grades(as__cfgctx *c, const as__ynode *n, as_package_plan *plan)
{
    if (n->kind == AS_Y_SCALAR && n->plain &&
        (!n->value[0] || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0))
        return 0;   /* none given: every grade */
    if (n->kind == AS_Y_MAP) {
        as__cfg_error(c, n, "grades must be a list of fuel grades ([92, 95])");
        return -1;
    }
    size_t count = n->kind == AS_Y_SEQ ? n->n : 1;
    char **g = calloc(count ? count : 1, sizeof *g);
    if (!g) {
        as__cfg_error(c, n, "out of memory");
        return -1;
    }
    plan->grades = (const char *const *)g;
    int bad = 0;
    for (size_t i = 0; i < count; i++) {
        const as__ynode *item = n->kind == AS_Y_SEQ ? n->items[i] : n;
        const char *s;
        char canon[8];
        if (as__cfg_str(c, item, &s) < 0) {
            bad = -1;
            continue;
        }
        if (as_grade_normalize(s, canon) != AS_OK) {
            as__cfg_error(c, item, "'%s' is not a fuel grade (92, 95, 98, E92, 0 for diesel, ...)",
                          s);
            bad = -1;
            continue;
        }
        size_t j;
        for (j = 0; j < plan->ngrades && strcmp(g[j], canon) != 0; j++)
            ;
        if (j < plan->ngrades) {
            as__cfg_error(c, item, "grade %s is listed twice", canon);
            bad = -1;
            continue;
        }
        if (!(g[plan->ngrades] = as__strdup(canon))) {
            as__cfg_error(c, item, "out of memory");
            return -1;
        }
        plan->ngrades++;
    }
    return bad;
}

/* The money keys of a plan and where they go. */
static int plan_money(as__cfgctx *c, const as__ynode *p, as_package_plan *plan)
{
    static const char *const keys[] = {"monthly_fee_yuan", "discount_per_litre_yuan",
                                       "discount_per_fill_yuan", "max_discount_per_month_yuan"};
    int64_t *dst[] = {&plan->monthly_fee_fen, &plan->discount_per_litre_fen,
                      &plan->discount_per_fill_fen, &plan->max_discount_per_month_fen};
    int bad = 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const as__ynode *n = as__ymap_get(p, keys[k]);
        if (n && yuan(c, n, keys[k], dst[k]) < 0)
            bad = -1;
    }
    if (!as__ymap_get(p, "monthly_fee_yuan")) {
        as__cfg_error(c, p, "a plan needs monthly_fee_yuan");
        bad = -1;
    }
    if (!as__ymap_get(p, "discount_per_litre_yuan") && !as__ymap_get(p, "discount_per_fill_yuan")) {
        as__cfg_error(c, p, "a plan needs discount_per_litre_yuan or discount_per_fill_yuan");
        bad = -1;
    }
    return bad;
}

/* One plan into plan; -1 when it is wrong (reported). */
static int plan_parse(as__cfgctx *c, const as__ynode *p, as_package_plan *plan)
{
    static const char *const keys[] = {
        "id", "name", "monthly_fee_yuan", "discount_per_litre_yuan", "discount_per_fill_yuan",
        "max_discount_per_month_yuan", "car_washes", "grades", "min_litres", NULL};
    if (as__cfg_map_keys(c, p, "a plan", keys) < 0)
        return -1;
    int before = c->nerrors;
    const as__ynode *id = as__ymap_get(p, "id"), *name = as__ymap_get(p, "name"), *n;
    if (!id || !name) {
        as__cfg_error(c, p, "a plan needs an id and a name");
        return -1;
    }
    char *s = NULL;
    if (plan_id(c, id, &s) == 0)
        plan->id = s;
    if (plan_name(c, name, &s) == 0)
        plan->name = s;
    plan_money(c, p, plan);
    long long v;
    if ((n = as__ymap_get(p, "car_washes")) && as__cfg_int(c, n, 0, 31, &v) == 0)
        plan->car_washes = v;
    if ((n = as__ymap_get(p, "grades")))
        plan_grades(c, n, plan);
    const char *text;
    if ((n = as__ymap_get(p, "min_litres")) && as__cfg_str(c, n, &text) == 0 &&
        as_litres_parse(text, &plan->min_litres_ml) != AS_OK)
        as__cfg_error(c, n, "min_litres: '%s' is not a volume in litres (more than 0, at most"
                      " 3 decimals: 20, 15.5)", text);
    return c->nerrors > before || !plan->id || !plan->name ? -1 : 0;
}

void as__packages_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"car_wash_value_yuan", "plans", NULL};
    as__packages_cfg *pk = calloc(1, sizeof *pk);
    if (!pk) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->packages = pk;
    if (as__cfg_map_keys(c, node, "packages", keys) < 0)
        return;
    const as__ynode *n = as__ymap_get(node, "car_wash_value_yuan");
    if (n)
        yuan(c, n, "car_wash_value_yuan", &pk->car_wash_value_fen);
    const as__ynode *plans = as__ymap_get(node, "plans");
    if (!plans)
        return;
    if (plans->kind != AS_Y_SEQ) {
        as__cfg_error(c, plans, "packages.plans must be a list of plans ({id, name, ...})");
        return;
    }
    pk->items = calloc(plans->n + 1, sizeof *pk->items);
    if (!pk->items) {
        as__cfg_error(c, plans, "out of memory");
        return;
    }
    for (size_t i = 0; i < plans->n; i++) {
        as_package_plan *plan = &pk->items[pk->n];
        memset(plan, 0, sizeof *plan);
        /* Kept even when wrong, so that as__packages_free frees its parts;
         * a configuration with an error is never used. */
        pk->n++;
        if (plan_parse(c, plans->items[i], plan) < 0)
            continue;
        for (size_t j = 0; j + 1 < pk->n; j++)
            if (pk->items[j].id && strcmp(pk->items[j].id, plan->id) == 0)
                as__cfg_error(c, as__ymap_get(plans->items[i], "id"),
                              "plan '%s' is defined twice", plan->id);
    }
    /* The wash value is one for every plan; each plan carries it for the
     * API's readers. */
    for (size_t i = 0; i < pk->n; i++)
        pk->items[i].car_wash_value_fen = pk->car_wash_value_fen;
}
