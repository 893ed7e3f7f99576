/* config_sections.c - the configuration's section table (each section's
 * parser lives with its domain module) and loading a whole configuration:
 * as_config_parse, as_config_load, as_config_free.  The YAML reader and the
 * scalar helpers the section parsers use are in config.c. */
#include "config.h"
#include "calendar.h"
#include "coupon.h"
#include "partner.h"
#include "feedback.h"
#include "sentiment.h"
#include "ticket.h"
#include "remind.h"
#include "points.h"
#include "package.h"
#include "trip.h"
#include "community.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- sections ------------------------------------------------------ */

static void business_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"timezone", NULL};
    if (as__cfg_map_keys(c, node, "business", keys) < 0)
        return;
    const as__ynode *tz = as__ymap_get(node, "timezone");
    if (tz)
        as__cfg_utc_offset(c, tz, &cfg->business.utc_offset);
}

static const as__section sections[] = {
    {"business", business_parse, NULL},
    {"calendars", as__calendars_parse, as__calendars_free},
    {"feedback", as__feedback_cfg_parse, as__feedback_cfg_free},
    {"alerts", as__alerts_cfg_parse, as__alerts_cfg_free},
    {"topics", as__topics_cfg_parse, as__topics_cfg_free},
    {"sentiment", as__sentiment_cfg_parse, as__sentiment_cfg_free},
    {"sla", as__sla_cfg_parse, NULL},
    {"routing", as__routing_cfg_parse, NULL},
    {"tickets", as__tickets_cfg_parse, as__ticket_cfg_free},
    {"segments", as__segments_parse, as__segments_free},
    {"tiers", as__tiers_parse, as__tiers_free},
    {"reminders", as__reminders_parse, as__reminders_free},
    {"coupons", as__coupons_parse, as__coupons_free},
    {"partners", as__partners_parse, as__partners_free},
    {"points", as__points_cfg_parse, as__points_cfg_free},
    {"packages", as__packages_parse, as__packages_free},
    {"trips", as__trips_parse, as__trips_free},
    {"community", as__community_cfg_parse, as__community_cfg_free},
};
enum { NSECTIONS = sizeof sections / sizeof sections[0] };

void as_config_free(as_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < NSECTIONS; i++)
        if (sections[i].free)
            sections[i].free(cfg);
    free(cfg->source);
    free(cfg);
}

/* Parse text and fill cfg's sections that the text has (all of them when
 * all is set: the defaults must define every section). */
static void apply(as__cfgctx *c, const char *text, size_t len, as_config *cfg, int seen[],
                  int defaults)
{
    as__ynode *root = as__yaml_parse(c, text, len);
    if (!root) {
        if (c->nerrors == 0 && !defaults)
            return;   /* an empty file: every section from the defaults */
        return;
    }
    if (root->kind != AS_Y_MAP) {
        as__cfg_error(c, root, "the configuration must be a mapping of sections (%s, ...)",
                      sections[0].name);
        as__ynode_free(root);
        return;
    }
    for (size_t i = 0; i < root->n; i++) {
        const char *name = root->keys[i]->value;
        size_t s;
        for (s = 0; s < NSECTIONS; s++)
            if (strcmp(name, sections[s].name) == 0)
                break;
        if (s == NSECTIONS) {
            as_buf list = {0};
            for (size_t j = 0; j < NSECTIONS; j++) {
                as__buf_adds(&list, j ? ", " : "");
                as__buf_adds(&list, sections[j].name);
            }
            as__cfg_error(c, root->keys[i], "unknown section '%s' (sections: %s)", name,
                          list.data ? list.data : "");
            as__buf_free(&list);
            continue;
        }
        if (seen[s])
            continue;   /* the user's file already set it */
        seen[s] = 1;
        sections[s].parse(c, root->items[i], cfg);
    }
    as__ynode_free(root);
}

as_status as_config_parse(as_config **out, const char *text, size_t len, const char *name,
                          char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if (!out)
        return AS_MISUSE;
    *out = NULL;
    as_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return AS_NOMEM;
    cfg->source = as__strdup(name ? name : "(built-in defaults)");
    cfg->business.utc_offset = AS_DEFAULT_UTC_OFFSET;
    cfg->outbox.max_attempts = 10;
    int seen[NSECTIONS] = {0};
    as__cfgctx c = {.file = cfg->source};
    size_t bad;
    if (text && as_utf8_check(text, len, &bad) != AS_OK) {
        /* Report the line and column of the bad byte. */
        int line = 1, col = 1;
        for (size_t i = 0; i < bad; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
                col++;
            }
        }
        as__ynode at = {.line = line, .col = col};
        as__cfg_error(&c, &at, "%s", text[bad] ? "invalid UTF-8" : "a NUL byte");
    } else if (text) {
        apply(&c, text, len, cfg, seen, 0);
    }
    /* Sections the file did not set come from the built-in defaults. */
    if (c.nerrors == 0) {
        as__cfgctx d = {.file = "(built-in defaults)"};
        apply(&d, as__default_config, strlen(as__default_config), cfg, seen, 1);
        if (d.nerrors) {
            c.nerrors += d.nerrors;
            as__buf_adds(&c.errors, d.errors.data);
        }
        as__buf_free(&d.errors);
    }
    /* What one section names in another, once both are read. */
    const as__reminders_cfg *r = cfg->reminders;
    if (c.nerrors == 0 && r && r->rule[AS_REMIND_REFUEL_COUPON].enabled && r->refuel_coupon &&
        !as__coupon_template(cfg, r->refuel_coupon)) {
        as__cfgctx x = {.file = r->refuel_coupon_file};
        as__ynode at = {.line = r->refuel_coupon_line, .col = r->refuel_coupon_col};
        if (strcmp(x.file, "(built-in defaults)") == 0 && strcmp(c.file, x.file) != 0)
            as__cfg_error(&x, &at, "the built-in refuel reminder issues coupon template '%s',"
                          " which the coupons section of %s lacks: define it there, or give a"
                          " reminders section whose refuel_coupon names another (or coupon:"
                          " none)", r->refuel_coupon, c.file);
        else
            as__cfg_error(&x, &at, "reminders.refuel_coupon.coupon: no coupon template '%s' in"
                          " the coupons section (or 'none': the message promises no coupon)",
                          r->refuel_coupon);
        c.nerrors += x.nerrors;
        as__buf_adds(&c.errors, x.errors.data);
        as__buf_free(&x.errors);
    }
    const as__tiers_cfg *tc = cfg->tiers;
    for (size_t i = 0; c.nerrors == 0 && tc && i < tc->n; i++)
        for (size_t j = 0; j < tc->items[i].ngrants; j++) {
            const as__grant *g = &tc->items[i].grants[j];
            if (as__coupon_template(cfg, g->coupon))
                continue;
            as__cfgctx x = {.file = g->file};
            as__ynode at = {.line = g->line, .col = g->col};
            as__cfg_error(&x, &at, "tier '%s' grants coupon template '%s', which the coupons"
                          " section%s%s lacks", tc->items[i].name, g->coupon,
                          strcmp(g->file, c.file) ? " of " : "",
                          strcmp(g->file, c.file) ? c.file : "");
            c.nerrors += x.nerrors;
            as__buf_adds(&c.errors, x.errors.data);
            as__buf_free(&x.errors);
        }
    if (c.nerrors == 0)
        as__partners_check_refs(&c, cfg);
    if (c.nerrors) {
        if (c.errors.len && c.errors.data[c.errors.len - 1] == '\n')
            c.errors.data[--c.errors.len] = '\0';
        if (errmsg)
            *errmsg = c.errors.data;
        else
            as__buf_free(&c.errors);
        as_config_free(cfg);
        return AS_CONFIG;
    }
    as__buf_free(&c.errors);
    if (!cfg->source) {
        as_config_free(cfg);
        return AS_NOMEM;
    }
    *out = cfg;
    return AS_OK;
}

as_status as_config_load(as_config **out, const char *path, char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if (!out)
        return AS_MISUSE;
    *out = NULL;
    if (!path)
        return as_config_parse(out, NULL, 0, NULL, errmsg);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (errmsg)
            *errmsg = as__printf("%s: %s", path, strerror(e));
        return e == ENOENT || e == ENOTDIR ? AS_NOFILE : e == EACCES ? AS_PERM : AS_IO;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        /* fopen() opens a directory; reading it fails with "read error". */
        fclose(f);
        if (errmsg)
            *errmsg = as__printf("%s: is a directory, not a configuration file", path);
        return AS_CONFIG;
    }
    as_buf b = {0};
    char chunk[65536];
    size_t n;
    as_status st = AS_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > AS_CONFIG_MAX_BYTES) {
            st = AS_CONFIG;
            if (errmsg)
                *errmsg = as__printf("%s: larger than %d MiB", path, AS_CONFIG_MAX_BYTES >> 20);
            break;
        }
        if (as__buf_add(&b, chunk, n) < 0) {
            st = AS_NOMEM;
            break;
        }
    }
    if (st == AS_OK && ferror(f)) {
        st = AS_IO;
        if (errmsg)
            *errmsg = as__printf("%s: read error: %s", path, strerror(errno));
    }
    fclose(f);
    if (st == AS_OK)
        st = as_config_parse(out, b.data ? b.data : "", b.len, path, errmsg);
    as__buf_free(&b);
    return st;
}

const char *as_config_source(const as_config *cfg)
{
    return cfg ? cfg->source : NULL;
}

int as_config_utc_offset(const as_config *cfg)
{
    return cfg ? cfg->business.utc_offset : AS_DEFAULT_UTC_OFFSET;
}
