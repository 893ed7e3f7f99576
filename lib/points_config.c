/* points_config.c - the points section of the configuration:
 *
 *     points:
 *       expire_after_months: 24   # 0: points never lapse
 *       survey: 0                 # points for an answered survey (0: none)
 *
 * The rate of earning from fueling is the tiers section's points_per_yuan,
 * times the points_multiplier of the user's tier (remind_config.c). */
#include "points.h"

#include <stdlib.h>

static const as__points_cfg defaults = {.expire_after_months = 24, .survey = 0};

void as__points_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"expire_after_months", "survey", NULL};
    as__points_cfg *p = malloc(sizeof *p);
    if (!p) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    *p = defaults;
    cfg->points = p;
    if (as__cfg_map_keys(c, node, "points", keys) < 0)
        return;
    long long v;
    const as__ynode *n = as__ymap_get(node, "expire_after_months");
    if (n && as__cfg_int(c, n, 0, 1200, &v) == 0)
        p->expire_after_months = v;
    if ((n = as__ymap_get(node, "survey")) && as__cfg_int(c, n, 0, 1000000, &v) == 0)
        p->survey = v;
}

void as__points_cfg_free(as_config *cfg)
{
    free(cfg->points);
    cfg->points = NULL;
}

const as__points_cfg *as__points_cfg_of(as_db *db)
{
    const as_config *cfg = as__db_config(db);
    return cfg && cfg->points ? cfg->points : &defaults;
}
