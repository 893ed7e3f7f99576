/* ticket_config.c - the configuration sections sla, routing and tickets. */
#include "ticket.h"

#include <stdlib.h>
#include <string.h>

const char *const as__severity_names[AS__NLEVELS] = {"normal", "urgent", "major", "systemic"};

int as__severity_index(const char *name)
{
    for (int i = 0; name && i < AS__NLEVELS; i++)
        if (strcmp(name, as__severity_names[i]) == 0)
            return i;
    return -1;
}

static as__ticket_cfg *tcfg(as_config *cfg)
{
    if (!cfg->tickets)
        cfg->tickets = calloc(1, sizeof *cfg->tickets);
    return cfg->tickets;
}

static void strlist_free(as__strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void as__ticket_cfg_free(as_config *cfg)
{
    as__ticket_cfg *t = cfg->tickets;
    if (!t)
        return;
    for (int i = 0; i < AS__NLEVELS; i++)
        free(t->levels[i].calendar);
    for (size_t i = 0; i < t->nrules; i++) {
        as__route_rule *r = &t->rules[i];
        free(r->name);
        strlist_free(&r->category);
        strlist_free(&r->channel);
        strlist_free(&r->keywords);
        strlist_free(&r->tier);
        free(r->queue);
        free(r->assignee);
    }
    free(t->rules);
    free(t->default_queue);
    strlist_free(&t->queues);
    free(t->followup_queue);
    free(t->followup_assignee);
    free(t);
    cfg->tickets = NULL;
}

/* ---- sla ----------------------------------------------------------- */

static int parse_percent(as__cfgctx *c, const as__ynode *n, int *out)
{
    if (!n || n->kind != AS_Y_SCALAR) {
        as__cfg_error(c, n, "expected a percentage such as 80%%");
        return -1;
    }
    char *end;
    long v = strtol(n->value, &end, 10);
    if (end == n->value || (*end && strcmp(end, "%") != 0) || v < 1 || v > 99) {
        as__cfg_error(c, n, "'%s' is not a percentage from 1%% to 99%%", n->value);
        return -1;
    }
    *out = (int)v;
    return 0;
}

void as__sla_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"at_risk", "levels", NULL};
    static const char *const lkeys[] = {"first_response", "resolution", "calendar", NULL};
    as__ticket_cfg *t = tcfg(cfg);
    if (!t || as__cfg_map_keys(c, node, "sla", keys) < 0)
        return;
    t->have_sla = 1;
    t->at_risk_pct = 80;
    const as__ynode *n = as__ymap_get(node, "at_risk");
    if (n)
        parse_percent(c, n, &t->at_risk_pct);
    const as__ynode *levels = as__ymap_get(node, "levels");
    if (!levels) {
        as__cfg_error(c, node, "sla needs levels (normal, urgent, major, systemic)");
        return;
    }
    static const char *const level_keys[] = {"normal", "urgent", "major", "systemic", NULL};
    if (as__cfg_map_keys(c, levels, "sla.levels", level_keys) < 0)
        return;
    for (int i = 0; i < AS__NLEVELS; i++) {
        const as__ynode *l = as__ymap_get(levels, as__severity_names[i]);
        char what[64];
        snprintf(what, sizeof what, "sla.levels.%s", as__severity_names[i]);
        if (!l) {
            as__cfg_error(c, levels, "%s is missing", what);
            continue;
        }
        if (as__cfg_map_keys(c, l, what, lkeys) < 0)
            continue;
        as__sla_level *lv = &t->levels[i];
        const as__ynode *fr = as__ymap_get(l, "first_response");
        const as__ynode *rs = as__ymap_get(l, "resolution");
        const as__ynode *cal = as__ymap_get(l, "calendar");
        if (!fr || !rs || !cal) {
            as__cfg_error(c, l, "%s needs first_response, resolution and calendar", what);
            continue;
        }
        if (as__cfg_duration(c, fr, &lv->first_response) == 0 && lv->first_response <= 0)
            as__cfg_error(c, fr, "first_response must be longer than 0");
        if (as__cfg_duration(c, rs, &lv->resolution) == 0 && lv->resolution <= 0)
            as__cfg_error(c, rs, "resolution must be longer than 0");
        const char *name;
        if (as__cfg_str(c, cal, &name) == 0) {
            if (!name[0])
                as__cfg_error(c, cal, "calendar is empty (use 24/7 for round the clock)");
            else if (strcmp(name, "24/7") != 0 && strcmp(name, "24x7") != 0)
                lv->calendar = as__strdup(name);
        }
    }
}

/* ---- routing ------------------------------------------------------- */

/* A scalar or a sequence of scalars; fold: NFKC + case fold each. */
static void parse_list(as__cfgctx *c, const as__ynode *n, as__strlist *out, int fold)
{
    if (!n)
        return;
    size_t count = n->kind == AS_Y_SEQ ? n->n : 1;
    out->v = calloc(count ? count : 1, sizeof *out->v);
    if (!out->v)
        return;
    for (size_t i = 0; i < count; i++) {
        const as__ynode *it = n->kind == AS_Y_SEQ ? n->items[i] : n;
        const char *s;
        if (as__cfg_str(c, it, &s) < 0)
            continue;
        if (!s[0]) {
            as__cfg_error(c, it, "an empty value");
            continue;
        }
        char *v = NULL, why[120];
        if (fold ? as__text_nfkc_fold(s, strlen(s), &v, why, sizeof why) != AS_OK
                 : !(v = as__strdup(s))) {
            as__cfg_error(c, it, "'%s': %s", s, fold ? why : "out of memory");
            continue;
        }
        out->v[out->n++] = v;
    }
}

static const char *const channels[] = {"app", "phone", "wechat", "web", "station", NULL};

static void parse_rule(as__cfgctx *c, const as__ynode *n, as__route_rule *r, size_t index)
{
    static const char *const keys[] = {"name", "category", "channel", "keywords", "tier",
                                       "queue", "severity", "assignee", NULL};
    char what[64];
    snprintf(what, sizeof what, "routing rule %zu", index + 1);
    r->severity = -1;
    if (as__cfg_map_keys(c, n, what, keys) < 0)
        return;
    const char *s;
    const as__ynode *v;
    if ((v = as__ymap_get(n, "name")) && as__cfg_str(c, v, &s) == 0)
        r->name = as__strdup(s);
    parse_list(c, as__ymap_get(n, "category"), &r->category, 0);
    parse_list(c, as__ymap_get(n, "channel"), &r->channel, 0);
    parse_list(c, as__ymap_get(n, "keywords"), &r->keywords, 1);
    parse_list(c, as__ymap_get(n, "tier"), &r->tier, 0);
    for (size_t i = 0; i < r->channel.n; i++) {
        int ok = 0;
        for (size_t j = 0; channels[j]; j++)
            ok |= strcmp(r->channel.v[i], channels[j]) == 0;
        if (!ok)
            as__cfg_error(c, as__ymap_get(n, "channel"),
                          "unknown channel '%s' (app, phone, wechat, web, station)", r->channel.v[i]);
    }
    if ((v = as__ymap_get(n, "queue")) && as__cfg_str(c, v, &s) == 0) {
        if (!s[0])
            as__cfg_error(c, v, "queue is empty");
        r->queue = as__strdup(s);
    }
    if ((v = as__ymap_get(n, "assignee")) && as__cfg_str(c, v, &s) == 0)
        r->assignee = as__strdup(s);
    if ((v = as__ymap_get(n, "severity")) && as__cfg_str(c, v, &s) == 0 &&
        (r->severity = as__severity_index(s)) < 0)
        as__cfg_error(c, v, "unknown severity '%s' (normal, urgent, major, systemic)", s);
    if (!r->category.n && !r->channel.n && !r->keywords.n && !r->tier.n)
        as__cfg_error(c, n, "%s matches everything: give category, channel, keywords or tier",
                      what);
    if (!r->queue && r->severity < 0 && !r->assignee)
        as__cfg_error(c, n, "%s sets nothing: give queue, severity or assignee", what);
}

void as__routing_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"default_queue", "default_severity", "queues", "rules",
                                       NULL};
    as__ticket_cfg *t = tcfg(cfg);
    if (!t || as__cfg_map_keys(c, node, "routing", keys) < 0)
        return;
    t->have_routing = 1;
    const char *s;
    const as__ynode *v;
    t->default_severity = 0;
    if ((v = as__ymap_get(node, "default_queue")) && as__cfg_str(c, v, &s) == 0 && s[0])
        t->default_queue = as__strdup(s);
    else
        t->default_queue = as__strdup("general");
    if ((v = as__ymap_get(node, "default_severity")) && as__cfg_str(c, v, &s) == 0 &&
        (t->default_severity = as__severity_index(s)) < 0) {
        as__cfg_error(c, v, "unknown severity '%s' (normal, urgent, major, systemic)", s);
        t->default_severity = 0;
    }
    parse_list(c, as__ymap_get(node, "queues"), &t->queues, 0);
    const as__ynode *rules = as__ymap_get(node, "rules");
    if (!rules)
        return;
    if (rules->kind != AS_Y_SEQ) {
        as__cfg_error(c, rules, "routing.rules must be a list (lines starting with '- ')");
        return;
    }
    t->rules = calloc(rules->n ? rules->n : 1, sizeof *t->rules);
    if (!t->rules)
        return;
    t->nrules = rules->n;
    for (size_t i = 0; i < rules->n; i++)
        parse_rule(c, rules->items[i], &t->rules[i], i);
}

/* ---- tickets ------------------------------------------------------- */

void as__tickets_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"reopen_window", "autoclose_after", "survey_within",
                                       "low_score", "survey_expires_after", "followup_queue",
                                       "followup_assignee", "track_attempts", "track_window",
                                       NULL};
    as__ticket_cfg *t = tcfg(cfg);
    if (!t || as__cfg_map_keys(c, node, "tickets", keys) < 0)
        return;
    t->have_tickets = 1;
    t->reopen_window = 7 * 86400;
    t->autoclose_after = 3 * 86400;
    t->survey_within = 86400;
    t->low_score = 2;
    const as__ynode *v;
    if ((v = as__ymap_get(node, "reopen_window")))
        as__cfg_duration(c, v, &t->reopen_window);
    if ((v = as__ymap_get(node, "autoclose_after")))
        as__cfg_duration(c, v, &t->autoclose_after);
    if ((v = as__ymap_get(node, "survey_within")))
        as__cfg_duration(c, v, &t->survey_within);
    long long ls;
    if ((v = as__ymap_get(node, "low_score")) && as__cfg_int(c, v, 0, 5, &ls) == 0)
        t->low_score = (int)ls;
    t->survey_expires_after = 7 * 86400;
    if ((v = as__ymap_get(node, "survey_expires_after")) &&
        as__cfg_duration(c, v, &t->survey_expires_after) == 0 &&
        t->survey_expires_after < t->survey_within)
        as__cfg_error(c, v, "survey_expires_after must not be shorter than survey_within");
    const char *s;
    if ((v = as__ymap_get(node, "followup_queue")) && as__cfg_str(c, v, &s) == 0 && s[0])
        t->followup_queue = as__strdup(s);
    if ((v = as__ymap_get(node, "followup_assignee")) && as__cfg_str(c, v, &s) == 0 && s[0])
        t->followup_assignee = as__strdup(s);
    t->track_limit = 5;
    t->track_window = 15 * 60;
    if ((v = as__ymap_get(node, "track_attempts")) && as__cfg_int(c, v, 1, 1000, &ls) == 0)
        t->track_limit = (int)ls;
    if ((v = as__ymap_get(node, "track_window")) && as__cfg_duration(c, v, &t->track_window) == 0 &&
        t->track_window <= 0)
        as__cfg_error(c, v, "track_window must be longer than 0");
}

/* ---- known queues -------------------------------------------------- */

int as__ticket_queue_known(const as__ticket_cfg *c, const char *q)
{
    if (!c || !q)
        return 0;
    if (c->default_queue && strcmp(c->default_queue, q) == 0)
        return 1;
    if (c->followup_queue && strcmp(c->followup_queue, q) == 0)
        return 1;
    for (size_t i = 0; i < c->nrules; i++)
        if (c->rules[i].queue && strcmp(c->rules[i].queue, q) == 0)
            return 1;
    for (size_t i = 0; i < c->queues.n; i++)
        if (strcmp(c->queues.v[i], q) == 0)
            return 1;
    return 0;
}

char *as__ticket_queue_list(const as__ticket_cfg *c)
{
    as_buf b = {0};
    const char *seen[256];
    size_t n = 0;
    const char *all[512];
    size_t na = 0;
    if (c && c->default_queue)
        all[na++] = c->default_queue;
    for (size_t i = 0; c && i < c->nrules && na < 400; i++)
        if (c->rules[i].queue)
            all[na++] = c->rules[i].queue;
    for (size_t i = 0; c && i < c->queues.n && na < 500; i++)
        all[na++] = c->queues.v[i];
    if (c && c->followup_queue)
        all[na++] = c->followup_queue;
    for (size_t i = 0; i < na; i++) {
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(seen[j], all[i]) == 0;
        if (dup || n == 256)
            continue;
        seen[n++] = all[i];
        if (b.len)
            as__buf_adds(&b, ", ");
        as__buf_adds(&b, all[i]);
    }
    if (!b.data)
        as__buf_adds(&b, "none");
    return b.data;
}
