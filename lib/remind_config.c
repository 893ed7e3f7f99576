/* remind_config.c - the segments, tiers and reminders configuration sections:
 * the condition compiler and the message templates. */
#include "remind.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- conditions ------------------------------------------------------ */

/* The figures a segment condition may use, and their SQL (columns of the
 * refresh's "base" row; see fuel.c). */
static const struct {
    const char *name;
    const char *sql;
} fields[] = {
    {"fillups", "b.fillups"},
    {"median_interval_days", "(b.median_interval_s / 86400.0)"},
    {"litres_per_fill", "(b.litres_ml_per_fill / 1000.0)"},
    {"stations", "b.stations"},
    {"cities", "b.cities"},
    {"km_per_day", "b.km_per_day"},
    {"spend_12m_yuan", "(b.spend_12m_fen / 100.0)"},
    {"points", "b.points"},
    {"days_since_last", "b.days_since_last"},
};
enum { NFIELDS = sizeof fields / sizeof fields[0] };

typedef struct cparse {
    as__cfgctx *c;
    const as__ynode *node;
    const char *s;
    size_t pos;
    as_buf sql;
    as__cond *out;
    int err;
} cparse;

static void cerr(cparse *p, size_t at, const char *fmt, ...) AS_PRINTF(3, 4);
static void cerr(cparse *p, size_t at, const char *fmt, ...)
{
    if (p->err++)
        return;
    /* The column of the offending character (plain or quoted on one line). */
    as__ynode where = *p->node;
    size_t chars = 0;
    for (size_t i = 0; i < at && p->s[i]; i++)
        if (((unsigned char)p->s[i] & 0xC0) != 0x80)
            chars++;
    where.col += (int)chars + (p->node->plain ? 0 : 1);
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    as__cfg_error(p->c, &where, "%s", msg);
}

static void skip_ws(cparse *p)
{
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
        p->pos++;
}

/* Read a word [a-z_0-9]+ at pos; returns its length (0: none). */
static size_t word(cparse *p)
{
    size_t n = 0;
    while (isalnum((unsigned char)p->s[p->pos + n]) || p->s[p->pos + n] == '_')
        n++;
    return n;
}

static int is_kw(cparse *p, const char *kw)
{
    size_t n = word(p), k = strlen(kw);
    return n == k && strncasecmp(p->s + p->pos, kw, k) == 0;
}

static void c_expr(cparse *p);

static void c_factor(cparse *p)
{
    skip_ws(p);
    if (p->err)
        return;
    if (p->s[p->pos] == '(') {
        p->pos++;
        as__buf_addc(&p->sql, '(');
        c_expr(p);
        skip_ws(p);
        if (p->s[p->pos] != ')')
            { cerr(p, p->pos, "condition: expected ')'"); return; }
        p->pos++;
        as__buf_addc(&p->sql, ')');
        return;
    }
    if (is_kw(p, "not")) {
        p->pos += 3;
        as__buf_adds(&p->sql, "NOT ");
        { c_factor(p); return; }
    }
    size_t n = word(p);
    if (!n)
        { cerr(p, p->pos, "condition: expected a figure (fillups, median_interval_days, ...)"); return; }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p->s + p->pos);
    size_t f;
    for (f = 0; f < NFIELDS; f++)
        if (strlen(fields[f].name) == n && strncmp(fields[f].name, p->s + p->pos, n) == 0)
            break;
    if (f == NFIELDS)
        { cerr(p, p->pos,
                    "condition: unknown figure '%s' (fillups, median_interval_days,"
                    " litres_per_fill, stations, cities, km_per_day, spend_12m_yuan, points,"
                    " days_since_last)", name); return; }
    size_t at = p->pos;
    p->pos += n;
    skip_ws(p);
    static const struct { const char *op, *sql; } ops[] = {
        {"<=", "<="}, {">=", ">="}, {"!=", "<>"}, {"==", "="}, {"<", "<"}, {">", ">"}, {"=", "="},
        {"≤", "<="}, {"≥", ">="},
    };
    size_t o;
    for (o = 0; o < sizeof ops / sizeof ops[0]; o++)
        if (strncmp(p->s + p->pos, ops[o].op, strlen(ops[o].op)) == 0)
            break;
    if (o == sizeof ops / sizeof ops[0])
        { cerr(p, p->pos, "condition: expected a comparison (<, <=, >, >=, =, !=) after '%s'",
                    name); return; }
    p->pos += strlen(ops[o].op);
    skip_ws(p);
    /* A number: digits with an optional fraction (no sign, no exponent). */
    size_t start = p->pos, digits = 0;
    while (isdigit((unsigned char)p->s[p->pos])) {
        p->pos++;
        digits++;
    }
    if (digits && p->s[p->pos] == '.') {
        p->pos++;
        size_t frac = 0;
        while (isdigit((unsigned char)p->s[p->pos])) {
            p->pos++;
            frac++;
        }
        if (!frac)
            digits = 0;
    }
    if (!digits || digits > 15 || isalpha((unsigned char)p->s[p->pos]))
        { cerr(p, start, "condition: expected a number after the comparison with '%s'",
                    fields[f].name); return; }
    (void)at;
    char num[32];
    snprintf(num, sizeof num, "%.*s", (int)(p->pos - start), p->s + start);
    double *nn = realloc(p->out->nums, (p->out->nnums + 1) * sizeof *nn);
    if (!nn) {
        p->err++;
        return;
    }
    p->out->nums = nn;
    nn[p->out->nnums++] = strtod(num, NULL);
    as__buf_adds(&p->sql, "coalesce(");
    as__buf_adds(&p->sql, fields[f].sql);
    as__buf_adds(&p->sql, " ");
    as__buf_adds(&p->sql, ops[o].sql);
    as__buf_adds(&p->sql, " ?, 0)");
}

static void c_term(cparse *p)
{
    c_factor(p);
    for (;;) {
        skip_ws(p);
        if (p->err || !is_kw(p, "and"))
            return;
        p->pos += 3;
        as__buf_adds(&p->sql, " AND ");
        c_factor(p);
    }
}

static void c_expr(cparse *p)
{
    as__buf_addc(&p->sql, '(');
    c_term(p);
    for (;;) {
        skip_ws(p);
        if (p->err || !is_kw(p, "or"))
            break;
        p->pos += 2;
        as__buf_adds(&p->sql, " OR ");
        c_term(p);
    }
    as__buf_addc(&p->sql, ')');
}

int as__cond_compile(as__cfgctx *c, const as__ynode *node, as__cond *out)
{
    memset(out, 0, sizeof *out);
    const char *s;
    if (as__cfg_str(c, node, &s) < 0)
        return -1;
    cparse p = {.c = c, .node = node, .s = s, .out = out};
    c_expr(&p);
    skip_ws(&p);
    if (!p.err && p.s[p.pos])
        cerr(&p, p.pos, "condition: unexpected text '%s' (join conditions with and / or)",
             p.s + p.pos);
    if (p.err || !p.sql.data) {
        as__buf_free(&p.sql);
        as__cond_free(out);
        return -1;
    }
    out->sql = p.sql.data;
    return 0;
}

void as__cond_free(as__cond *cond)
{
    free(cond->sql);
    free(cond->nums);
    memset(cond, 0, sizeof *cond);
}

/* ---- templates ------------------------------------------------------- */

static const char *const ph_weather[] = {"name", "user_id", "message", "kind", "region", "from",
                                         "to", NULL};
static const char *const ph_maint[] = {"name", "user_id", "plate", "km_since_service",
                                       "days_since_service", "every_km", "every_days",
                                       "last_service_date", NULL};
static const char *const ph_refuel[] = {"name", "user_id", "expected_date", "station", "grade",
                                        "usual_interval_days", NULL};
static const char *const ph_winback[] = {"name", "user_id", "days_since_last", "station",
                                         "usual_interval_days", NULL};
static const char *const ph_tip[] = {"name", "user_id", NULL};
static const char *const ph_survey[] = {"name", "user_id", "tracking", "subject", "resolved",
                                        "due", NULL};

const char *const *const as__remind_placeholders[AS_REMIND_NKINDS] = {
    ph_weather, ph_maint, ph_refuel, ph_winback, ph_tip, ph_survey,
};

static void tmpl_free(as__tmpl *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->lit[i]);
    free(t->lit);
    free(t->ph);
    memset(t, 0, sizeof *t);
}

static int tmpl_add(as__tmpl *t, char *lit, int ph)
{
    char **l = realloc(t->lit, (t->n + 1) * sizeof *l);
    if (!l)
        return -1;
    t->lit = l;
    int *p = realloc(t->ph, (t->n + 1) * sizeof *p);
    if (!p)
        return -1;
    t->ph = p;
    t->lit[t->n] = lit;
    t->ph[t->n++] = ph;
    return 0;
}

/* Compile a template text of kind; reports unknown placeholders. */
static int tmpl_compile(as__cfgctx *c, const as__ynode *n, int kind, as__tmpl *t)
{
    memset(t, 0, sizeof *t);
    const char *s;
    if (as__cfg_str(c, n, &s) < 0)
        return -1;
    if (!s[0]) {
        as__cfg_error(c, n, "a message must not be empty");
        return -1;
    }
    const char *const *ph = as__remind_placeholders[kind];
    const char *p = s, *lit = s;
    int bad = 0;
    while (*p) {
        if (*p != '{') {
            p++;
            continue;
        }
        const char *e = strchr(p, '}');
        as__ynode at = *n;
        size_t chars = 0;
        for (const char *q = s; q < p; q++)
            if (((unsigned char)*q & 0xC0) != 0x80)
                chars++;
        at.col += (int)chars + (n->plain ? 0 : 1);
        if (!e) {
            as__cfg_error(c, &at, "unclosed placeholder '{' (write {name}, {plate}, ...)");
            bad = 1;
            break;
        }
        size_t len = (size_t)(e - p - 1);
        int found = -1;
        for (int i = 0; ph[i]; i++)
            if (strlen(ph[i]) == len && strncmp(ph[i], p + 1, len) == 0)
                found = i;
        if (found < 0) {
            as_buf list = {0};
            for (int i = 0; ph[i]; i++) {
                as__buf_adds(&list, i ? ", " : "");
                as__buf_adds(&list, ph[i]);
            }
            as__cfg_error(c, &at, "unknown placeholder '{%.*s}' (known here: %s)", (int)len,
                          p + 1, list.data ? list.data : "");
            as__buf_free(&list);
            bad = 1;
            p = e + 1;
            continue;
        }
        if (p > lit && tmpl_add(t, as__strndup(lit, (size_t)(p - lit)), -1) < 0)
            bad = 1;
        if (tmpl_add(t, NULL, found) < 0)
            bad = 1;
        p = lit = e + 1;
    }
    if (!bad && p > lit && tmpl_add(t, as__strndup(lit, (size_t)(p - lit)), -1) < 0)
        bad = 1;
    if (bad) {
        tmpl_free(t);
        return -1;
    }
    return 0;
}

int as__tmpl_sql(as_buf *b, const as__tmpl *t, int kind, as__binds *binds, int first_param)
{
    int rc = as__buf_adds(b, "(''");
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        if (t->ph[i] < 0) {
            if (binds->n >= sizeof binds->text / sizeof binds->text[0])
                return -1;
            char q[32];
            snprintf(q, sizeof q, " || ?%d", first_param + (int)binds->n);
            binds->text[binds->n++] = t->lit[i];
            rc = as__buf_adds(b, q);
        } else {
            /* The placeholder's name is this file's constant, a column of
             * the rule's source query. */
            rc = as__buf_adds(b, " || coalesce(CAST(x.\"");
            if (!rc)
                rc = as__buf_adds(b, as__remind_placeholders[kind][t->ph[i]]);
            if (!rc)
                rc = as__buf_adds(b, "\" AS TEXT), '')");
        }
    }
    return rc ? rc : as__buf_addc(b, ')');
}

/* ---- segments -------------------------------------------------------- */

static char *nfc_name(as__cfgctx *c, const as__ynode *n)
{
    const char *s;
    if (as__cfg_str(c, n, &s) < 0)
        return NULL;
    char *out = NULL, why[96];
    if (!s[0] || as__text_nfc(s, strlen(s), &out, why, sizeof why) != AS_OK) {
        as__cfg_error(c, n, "a name must be non-empty text");
        return NULL;
    }
    return out;
}

void as__segments_free(as_config *cfg)
{
    as__segments_cfg *s = cfg->segments;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].name);
        as__cond_free(&s->items[i].cond);
    }
    free(s->items);
    free(s);
    cfg->segments = NULL;
}

void as__segments_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"estimate_km_per_litre", "rules", NULL};
    static const char *const rkeys[] = {"name", "when", NULL};
    as__segments_cfg *s = calloc(1, sizeof *s);
    if (!s) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->segments = s;
    s->km_per_litre = 12;
    if (as__cfg_map_keys(c, node, "segments", keys) < 0)
        return;
    const as__ynode *k = as__ymap_get(node, "estimate_km_per_litre");
    if (k)
        as__cfg_real(c, k, 1, 100, &s->km_per_litre);
    const as__ynode *rules = as__ymap_get(node, "rules");
    if (!rules)
        return;
    if (rules->kind != AS_Y_SEQ) {
        as__cfg_error(c, rules, "segments.rules must be a list of {name, when}");
        return;
    }
    s->items = calloc(rules->n + 1, sizeof *s->items);
    if (!s->items)
        return;
    for (size_t i = 0; i < rules->n; i++) {
        const as__ynode *r = rules->items[i];
        if (as__cfg_map_keys(c, r, "a segment", rkeys) < 0)
            continue;
        const as__ynode *name = as__ymap_get(r, "name"), *when = as__ymap_get(r, "when");
        if (!name || !when) {
            as__cfg_error(c, r, "a segment needs a name and a condition (when)");
            continue;
        }
        as__segment *seg = &s->items[s->n];
        if (!(seg->name = nfc_name(c, name)))
            continue;
        for (size_t j = 0; j < s->n; j++)
            if (strcmp(s->items[j].name, seg->name) == 0)
                as__cfg_error(c, name, "segment '%s' is defined twice", seg->name);
        if (as__cond_compile(c, when, &seg->cond) < 0) {
            free(seg->name);
            seg->name = NULL;
            continue;
        }
        s->n++;
    }
}

/* ---- tiers ----------------------------------------------------------- */

void as__tiers_free(as_config *cfg)
{
    as__tiers_cfg *t = cfg->tiers;
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i].name);
        for (size_t j = 0; j < t->items[i].nbenefits; j++)
            free(t->items[i].benefits[j]);
        free(t->items[i].benefits);
    }
    free(t->items);
    free(t);
    cfg->tiers = NULL;
}

/* A tier's benefits: a list of texts, or one text. */
static void tier_benefits(as__cfgctx *c, const as__ynode *b, as__tier *tier)
{
    size_t n = b->kind == AS_Y_SEQ ? b->n : 1;
    tier->benefits = calloc(n ? n : 1, sizeof *tier->benefits);
    if (!tier->benefits) {
        as__cfg_error(c, b, "out of memory");
        return;
    }
    for (size_t j = 0; j < n; j++) {
        const char *s;
        const as__ynode *item = b->kind == AS_Y_SEQ ? b->items[j] : b;
        if (as__cfg_str(c, item, &s) != 0)
            continue;
        if (!(tier->benefits[tier->nbenefits] = as__strdup(s))) {
            as__cfg_error(c, item, "out of memory");
            return;
        }
        tier->nbenefits++;
    }
}

void as__tiers_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"basis", "points_per_yuan", "levels", NULL};
    static const char *const lkeys[] = {"name", "min", "benefits", NULL};
    as__tiers_cfg *t = calloc(1, sizeof *t);
    if (!t) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->tiers = t;
    t->points_per_yuan = 1;
    if (as__cfg_map_keys(c, node, "tiers", keys) < 0)
        return;
    const as__ynode *n = as__ymap_get(node, "basis");
    const char *basis;
    if (n && as__cfg_str(c, n, &basis) == 0) {
        if (strcmp(basis, "points") == 0)
            t->basis_points = 1;
        else if (strcmp(basis, "spend") != 0)
            as__cfg_error(c, n, "tiers.basis must be spend or points, not '%s'", basis);
    }
    long long v;
    if ((n = as__ymap_get(node, "points_per_yuan")) && as__cfg_int(c, n, 0, 1000, &v) == 0)
        t->points_per_yuan = v;
    const as__ynode *levels = as__ymap_get(node, "levels");
    if (!levels)
        return;
    if (levels->kind != AS_Y_SEQ) {
        as__cfg_error(c, levels, "tiers.levels must be a list of {name, min, benefits}");
        return;
    }
    t->items = calloc(levels->n + 1, sizeof *t->items);
    if (!t->items)
        return;
    for (size_t i = 0; i < levels->n; i++) {
        const as__ynode *l = levels->items[i];
        if (as__cfg_map_keys(c, l, "a tier", lkeys) < 0)
            continue;
        const as__ynode *name = as__ymap_get(l, "name"), *min = as__ymap_get(l, "min");
        if (!name || !min) {
            as__cfg_error(c, l, "a tier needs a name and a min");
            continue;
        }
        as__tier *tier = &t->items[t->n];
        if (as__cfg_int(c, min, 0, 1000000000000LL, &v) < 0)
            continue;
        tier->min = v;
        if (t->n && tier->min <= t->items[t->n - 1].min)
            as__cfg_error(c, min, "tier thresholds must rise: %lld is not above %lld", v,
                          (long long)t->items[t->n - 1].min);
        if (!(tier->name = nfc_name(c, name)))
            continue;
        const as__ynode *b = as__ymap_get(l, "benefits");
        if (b)
            tier_benefits(c, b, tier);
        t->n++;
    }
}

/* ---- reminders ------------------------------------------------------- */

void as__reminders_free(as_config *cfg)
{
    as__reminders_cfg *r = cfg->reminders;
    if (!r)
        return;
    for (int k = 0; k < AS_REMIND_NKINDS; k++) {
        tmpl_free(&r->rule[k].title);
        tmpl_free(&r->rule[k].body);
    }
    for (size_t i = 0; i < r->ntips; i++)
        tmpl_free(&r->tips[i]);
    free(r->tips);
    free(r);
    cfg->reminders = NULL;
}

static const char *const kind_keys[AS_REMIND_NKINDS] = {"weather", "maintenance",
                                                        "refuel_coupon", "winback", "tips",
                                                        "survey"};

/* The keys every rule has, then the kind's own. */
static void rule_parse(as__cfgctx *c, const as__ynode *node, int kind, as__reminders_cfg *r)
{
    static const char *const k_weather[] = {"enabled", "title", "message", NULL};
    static const char *const k_maint[] = {"enabled", "title", "message", "every_km", "every_days",
                                          "lead_km", "lead_days", NULL};
    static const char *const k_refuel[] = {"enabled", "title", "message", "min_fillups", NULL};
    static const char *const k_winback[] = {"enabled", "title", "message", "min_fillups",
                                            "factor", NULL};
    static const char *const k_tips[] = {"enabled", "title", "every", "messages", NULL};
    static const char *const k_survey[] = {"enabled", "title", "message", "delay", NULL};
    static const char *const *const allowed[AS_REMIND_NKINDS] = {k_weather, k_maint, k_refuel,
                                                                 k_winback, k_tips, k_survey};
    char what[64];
    snprintf(what, sizeof what, "reminders.%s", kind_keys[kind]);
    if (as__cfg_map_keys(c, node, what, allowed[kind]) < 0)
        return;
    as__rule *rule = &r->rule[kind];
    rule->enabled = 1;
    const as__ynode *n;
    if ((n = as__ymap_get(node, "enabled")))
        as__cfg_bool(c, n, &rule->enabled);
    if (!(n = as__ymap_get(node, "title")))
        as__cfg_error(c, node, "%s needs a title", what);
    else
        tmpl_compile(c, n, kind, &rule->title);
    if (kind != AS_REMIND_TIP) {
        if (!(n = as__ymap_get(node, "message")))
            as__cfg_error(c, node, "%s needs a message", what);
        else
            tmpl_compile(c, n, kind, &rule->body);
    }
    long long v;
    int64_t d;
    switch (kind) {
    case AS_REMIND_MAINTENANCE:
        if ((n = as__ymap_get(node, "every_km")) && as__cfg_int(c, n, 1, 1000000, &v) == 0)
            r->maint_every_km = v;
        if ((n = as__ymap_get(node, "every_days")) && as__cfg_int(c, n, 1, 3650, &v) == 0)
            r->maint_every_s = v * 86400;
        if ((n = as__ymap_get(node, "lead_km")) && as__cfg_int(c, n, 0, 1000000, &v) == 0)
            r->maint_lead_km = v;
        if ((n = as__ymap_get(node, "lead_days")) && as__cfg_int(c, n, 0, 3650, &v) == 0)
            r->maint_lead_s = v * 86400;
        if (r->maint_lead_km >= r->maint_every_km)
            as__cfg_error(c, node, "reminders.maintenance: lead_km must be below every_km");
        if (r->maint_lead_s >= r->maint_every_s)
            as__cfg_error(c, node, "reminders.maintenance: lead_days must be below every_days");
        break;
    case AS_REMIND_REFUEL_COUPON:
        if ((n = as__ymap_get(node, "min_fillups")) && as__cfg_int(c, n, 3, 1000, &v) == 0)
            r->refuel_min_fillups = v;
        break;
    case AS_REMIND_WINBACK:
        if ((n = as__ymap_get(node, "min_fillups")) && as__cfg_int(c, n, 3, 1000, &v) == 0)
            r->winback_min_fillups = v;
        if ((n = as__ymap_get(node, "factor")))
            as__cfg_real(c, n, 1, 100, &r->winback_factor);
        break;
    case AS_REMIND_TIP:
        if ((n = as__ymap_get(node, "every")) && as__cfg_duration(c, n, &d) == 0) {
            if (d < 86400)
                as__cfg_error(c, n, "reminders.tips.every must be at least 1d");
            else
                r->tips_every_s = d;
        }
        if (!(n = as__ymap_get(node, "messages")) || n->kind != AS_Y_SEQ || n->n == 0) {
            as__cfg_error(c, n ? n : node, "reminders.tips needs a list of messages");
            break;
        }
        r->tips = calloc(n->n, sizeof *r->tips);
        if (!r->tips)
            break;
        for (size_t i = 0; i < n->n; i++)
            if (tmpl_compile(c, n->items[i], kind, &r->tips[r->ntips]) == 0)
                r->ntips++;
        break;
    case AS_REMIND_SURVEY:
        if ((n = as__ymap_get(node, "delay")) && as__cfg_duration(c, n, &d) == 0)
            r->survey_delay_s = d;
        break;
    default:
        break;
    }
}

void as__reminders_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"cap", "outbox_max_attempts", "weather", "maintenance",
                                       "refuel_coupon", "winback", "tips", "survey", NULL};
    static const char *const cap_keys[] = {"count", "per", NULL};
    as__reminders_cfg *r = calloc(1, sizeof *r);
    if (!r) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->reminders = r;
    r->cap_count = 3;
    r->cap_window = 7 * 86400;
    cfg->outbox.max_attempts = 10;
    r->maint_every_km = 5000;
    r->maint_every_s = 180 * 86400;
    r->maint_lead_km = 500;
    r->maint_lead_s = 7 * 86400;
    r->refuel_min_fillups = 3;
    r->winback_min_fillups = 3;
    r->winback_factor = 3;
    r->tips_every_s = 30 * 86400;
    if (as__cfg_map_keys(c, node, "reminders", keys) < 0)
        return;
    const as__ynode *n;
    long long v;
    if ((n = as__ymap_get(node, "cap")) && as__cfg_map_keys(c, n, "reminders.cap", cap_keys) == 0) {
        const as__ynode *m;
        if ((m = as__ymap_get(n, "count")) && as__cfg_int(c, m, 0, 1000, &v) == 0)
            r->cap_count = v;
        if ((m = as__ymap_get(n, "per")))
            as__cfg_duration(c, m, &r->cap_window);
    }
    if ((n = as__ymap_get(node, "outbox_max_attempts")) && as__cfg_int(c, n, 1, 1000, &v) == 0)
        cfg->outbox.max_attempts = v;
    for (int k = 0; k < AS_REMIND_NKINDS; k++)
        if ((n = as__ymap_get(node, kind_keys[k])))
            rule_parse(c, n, k, r);
}
