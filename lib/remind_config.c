/* remind_config.c - the segments, tiers and reminders configuration sections:
 * the condition compiler and the message templates. */
#include "remind.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- conditions ------------------------------------------------------ */

/* The figures a segment condition may use, in the order of AS__FIG_*. */
static const char *const fields[AS__NFIGS] = {
    "fillups", "median_interval_days", "litres_per_fill", "stations", "cities",
    "km_per_day", "spend_12m_yuan", "points", "days_since_last",
};

typedef struct cparse {
    as__cfgctx *c;
    const as__ynode *node;
    const char *s;
    size_t pos;
    as__cond *out;
    size_t cap;
    int depth;               /* parentheses and "not" open around pos */
    int err;
    double *marks;           /* numbers compared with days_since_last */
    size_t nmarks;
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

/* Append an instruction; 0, or -1 out of memory (recorded as an error). */
static int emit(cparse *p, as__cop op)
{
    if (p->out->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        as__cop *code = realloc(p->out->code, cap * sizeof *code);
        if (!code) {
            cerr(p, p->pos, "condition: out of memory");
            return -1;
        }
        p->out->code = code;
        p->cap = cap;
    }
    p->out->code[p->out->n++] = op;
    return 0;
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

/* One level deeper for a '(' or a "not" at pos; -1 past the limit. */
static int enter(cparse *p)
{
    if (++p->depth > AS__COND_MAX_DEPTH) {
        cerr(p, p->pos,
             "condition: nested more than %d levels deep (parentheses and not); simplify it",
             AS__COND_MAX_DEPTH);
        return -1;
    }
    return 0;
}

static void c_expr(cparse *p);

static void c_factor(cparse *p)
{
    skip_ws(p);
    if (p->err)
        return;
    if (p->s[p->pos] == '(') {
        if (enter(p) < 0)
            return;
        p->pos++;
        c_expr(p);
        skip_ws(p);
        if (p->err)
            return;
        if (p->s[p->pos] != ')') {
            cerr(p, p->pos, "condition: expected ')'");
            return;
        }
        p->pos++;
        p->depth--;
        return;
    }
    if (is_kw(p, "not")) {
        if (enter(p) < 0)
            return;
        p->pos += 3;
        c_factor(p);
        p->depth--;
        emit(p, (as__cop){.op = AS__COP_NOT});
        return;
    }
    size_t n = word(p);
    if (!n) {
        cerr(p, p->pos, "condition: expected a figure (fillups, median_interval_days, ...)");
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p->s + p->pos);
    size_t f;
    for (f = 0; f < AS__NFIGS; f++)
        if (strlen(fields[f]) == n && strncmp(fields[f], p->s + p->pos, n) == 0)
            break;
    if (f == AS__NFIGS) {
        cerr(p, p->pos,
             "condition: unknown figure '%s' (fillups, median_interval_days,"
             " litres_per_fill, stations, cities, km_per_day, spend_12m_yuan, points,"
             " days_since_last)", name);
        return;
    }
    p->pos += n;
    skip_ws(p);
    static const struct { const char *op; unsigned char cmp; } ops[] = {
        {"<=", AS__CMP_LE}, {">=", AS__CMP_GE}, {"!=", AS__CMP_NE}, {"==", AS__CMP_EQ},
        {"<", AS__CMP_LT},  {">", AS__CMP_GT},  {"=", AS__CMP_EQ},  {"≤", AS__CMP_LE},
        {"≥", AS__CMP_GE},
    };
    size_t o;
    for (o = 0; o < sizeof ops / sizeof ops[0]; o++)
        if (strncmp(p->s + p->pos, ops[o].op, strlen(ops[o].op)) == 0)
            break;
    if (o == sizeof ops / sizeof ops[0]) {
        cerr(p, p->pos, "condition: expected a comparison (<, <=, >, >=, =, !=) after '%s'",
             name);
        return;
    }
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
    if (!digits || digits > 15 || isalpha((unsigned char)p->s[p->pos])) {
        cerr(p, start, "condition: expected a number after the comparison with '%s'",
             fields[f]);
        return;
    }
    char num[40];
    snprintf(num, sizeof num, "%.*s", (int)(p->pos - start < 39 ? p->pos - start : 39),
             p->s + start);
    double v = strtod(num, NULL);
    if (f == AS__FIG_DAYS_SINCE_LAST) {
        double *m = realloc(p->marks, (p->nmarks + 1) * sizeof *m);
        if (!m) {
            cerr(p, start, "condition: out of memory");
            return;
        }
        p->marks = m;
        m[p->nmarks++] = v;
    }
    emit(p, (as__cop){.op = AS__COP_CMP, .cmp = ops[o].cmp, .fig = (unsigned char)f, .num = v});
}

static void c_term(cparse *p)
{
    c_factor(p);
    for (;;) {
        skip_ws(p);
        if (p->err || !is_kw(p, "and"))
            return;
        p->pos += 3;
        c_factor(p);
        emit(p, (as__cop){.op = AS__COP_AND});
    }
}

static void c_expr(cparse *p)
{
    c_term(p);
    for (;;) {
        skip_ws(p);
        if (p->err || !is_kw(p, "or"))
            break;
        p->pos += 2;
        c_term(p);
        emit(p, (as__cop){.op = AS__COP_OR});
    }
}

/* A compiled condition's stack never holds more than this: each level of
 * nesting adds at most two values (see c_expr, c_term). */
enum { COND_STACK = 2 * AS__COND_MAX_DEPTH + 8 };

int as__cond_eval(const as__cond *cond, const double fig[AS__NFIGS])
{
    unsigned char st[COND_STACK];
    size_t sp = 0;
    for (size_t i = 0; i < cond->n; i++) {
        const as__cop *o = &cond->code[i];
        switch (o->op) {
        case AS__COP_CMP: {
            double x = fig[o->fig];
            int r = 0;
            if (!isnan(x)) {
                switch (o->cmp) {
                case AS__CMP_LT: r = x < o->num; break;
                case AS__CMP_LE: r = x <= o->num; break;
                case AS__CMP_GT: r = x > o->num; break;
                case AS__CMP_GE: r = x >= o->num; break;
                case AS__CMP_EQ: r = x == o->num; break;
                default: r = x != o->num; break;
                }
            }
            if (sp < COND_STACK)
                st[sp++] = (unsigned char)r;
            break;
        }
        case AS__COP_AND:
        case AS__COP_OR:
            if (sp >= 2) {
                sp--;
                st[sp - 1] = o->op == AS__COP_AND ? (st[sp - 1] && st[sp])
                                                  : (st[sp - 1] || st[sp]);
            }
            break;
        default:
            if (sp >= 1)
                st[sp - 1] = !st[sp - 1];
            break;
        }
    }
    return sp == 1 && st[0];
}

/* The deepest stack the program reaches (checked once when compiled). */
static size_t cond_stack(const as__cond *cond)
{
    size_t sp = 0, max = 0;
    for (size_t i = 0; i < cond->n; i++) {
        if (cond->code[i].op == AS__COP_CMP)
            sp++;
        else if (cond->code[i].op != AS__COP_NOT)
            sp--;
        if (sp > max)
            max = sp;
    }
    return max;
}

/* Compile; the numbers compared with days_since_last are appended to
 * *marks (malloc'd, *nmarks entries). */
static int cond_compile(as__cfgctx *c, const as__ynode *node, as__cond *out, double **marks,
                        size_t *nmarks)
{
    memset(out, 0, sizeof *out);
    const char *s;
    if (as__cfg_str(c, node, &s) < 0)
        return -1;
    cparse p = {.c = c, .node = node, .s = s, .out = out, .marks = *marks, .nmarks = *nmarks};
    c_expr(&p);
    skip_ws(&p);
    if (!p.err && p.s[p.pos])
        cerr(&p, p.pos, "condition: unexpected text '%s' (join conditions with and / or)",
             p.s + p.pos);
    if (!p.err && cond_stack(out) > COND_STACK)   /* cannot happen: see COND_STACK */
        cerr(&p, 0, "condition: too complex");
    *marks = p.marks;
    *nmarks = p.nmarks;
    if (p.err || !out->n) {
        as__cond_free(out);
        return -1;
    }
    return 0;
}

int as__cond_compile(as__cfgctx *c, const as__ynode *node, as__cond *out)
{
    double *marks = NULL;
    size_t n = 0;
    int rc = cond_compile(c, node, out, &marks, &n);
    free(marks);
    return rc;
}

void as__cond_free(as__cond *cond)
{
    free(cond->code);
    memset(cond, 0, sizeof *cond);
}

/* ---- templates ------------------------------------------------------- */

static const char *const ph_weather[] = {"name", "user_id", "message", "kind", "region", "from",
                                         "to", NULL};
static const char *const ph_maint[] = {"name", "user_id", "plate", "km_since_service",
                                       "days_since_service", "every_km", "every_days",
                                       "last_service_date", NULL};
static const char *const ph_refuel[] = {"name", "user_id", "expected_date", "station", "grade",
                                        "usual_interval_days", "plate", NULL};
static const char *const ph_winback[] = {"name", "user_id", "days_since_last", "station",
                                         "usual_interval_days", NULL};
static const char *const ph_tip[] = {"name", "user_id", NULL};
static const char *const ph_survey[] = {"name", "user_id", "tracking", "subject", "resolved",
                                        "due", NULL};
static const char *const ph_grade[] = {"name", "user_id", "plate", "registered_grade",
                                       "used_grade", "filled_date", "station", NULL};

const char *const *const as__remind_placeholders[AS_REMIND_NKINDS] = {
    ph_weather, ph_maint, ph_refuel, ph_winback, ph_tip, ph_survey, ph_grade,
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

int as__tmpl_render(as_buf *b, const as__tmpl *t, const char *const *vals)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *v = t->ph[i] < 0 ? t->lit[i] : vals[t->ph[i]];
        if (v && as__buf_adds(b, v) < 0)
            return -1;
    }
    /* Always a terminated text, also for an empty result. */
    return !b->data && as__buf_add(b, "", 0) < 0 ? -1 : 0;
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
    free(s->day_marks);
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
        if (cond_compile(c, when, &seg->cond, &s->day_marks, &s->nday_marks) < 0) {
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
        for (size_t j = 0; j < t->items[i].ngrants; j++)
            free(t->items[i].grants[j].coupon);
        free(t->items[i].grants);
    }
    free(t->items);
    free(t);
    cfg->tiers = NULL;
}

/* A tier's grants: a list of {coupon: TEMPLATE, count: N}. */
static void tier_grants(as__cfgctx *c, const as__ynode *g, as__tier *tier)
{
    static const char *const keys[] = {"coupon", "count", NULL};
    if (g->kind != AS_Y_SEQ) {
        as__cfg_error(c, g, "grants must be a list of {coupon: TEMPLATE, count: N}");
        return;
    }
    tier->grants = calloc(g->n ? g->n : 1, sizeof *tier->grants);
    if (!tier->grants) {
        as__cfg_error(c, g, "out of memory");
        return;
    }
    for (size_t j = 0; j < g->n; j++) {
        const as__ynode *item = g->items[j], *n;
        if (as__cfg_map_keys(c, item, "a grant", keys) < 0)
            continue;
        const char *id;
        if (!(n = as__ymap_get(item, "coupon"))) {
            as__cfg_error(c, item, "a grant needs a coupon (a template of the coupons section)");
            continue;
        }
        if (as__cfg_str(c, n, &id) < 0)
            continue;
        as__grant *gr = &tier->grants[tier->ngrants];
        gr->count = 1;
        gr->file = c->file;
        gr->line = n->line;
        gr->col = n->col;
        long long v;
        const as__ynode *cn = as__ymap_get(item, "count");
        if (cn && as__cfg_int(c, cn, 1, 100, &v) == 0)
            gr->count = v;
        if (!(gr->coupon = as__strdup(id))) {
            as__cfg_error(c, n, "out of memory");
            return;
        }
        tier->ngrants++;
    }
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

/* points_multiplier: 0 to 100 with at most two decimals (1.5), kept in
 * hundredths so that earning stays in integers. */
static void tier_multiplier(as__cfgctx *c, const as__ynode *n, as__tier *tier)
{
    double v;
    if (as__cfg_real(c, n, 0, 100, &v) < 0)
        return;
    double hundredths = v * 100;
    int64_t pct = (int64_t)(hundredths + 0.5);
    if (fabs(hundredths - (double)pct) > 1e-6) {
        as__cfg_error(c, n, "points_multiplier: %s has more than two decimals", n->value);
        return;
    }
    tier->points_pct = pct;
}

void as__tiers_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"basis", "points_per_yuan", "levels", NULL};
    static const char *const lkeys[] = {"name", "min", "benefits", "grants",
                                        "points_multiplier", NULL};
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
        if ((b = as__ymap_get(l, "grants")))
            tier_grants(c, b, tier);
        tier->points_pct = 100;
        if ((b = as__ymap_get(l, "points_multiplier")))
            tier_multiplier(c, b, tier);
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
        tmpl_free(&r->tips[i].text);
    free(r->tips);
    for (int g = 0; g < AS__GRADE_NCASES; g++)
        tmpl_free(&r->grade[g]);
    free(r->refuel_coupon);
    free(r);
    cfg->reminders = NULL;
}

static const char *const kind_keys[AS_REMIND_NKINDS] = {"weather", "maintenance",
                                                        "refuel_coupon", "winback", "tips",
                                                        "survey", "grade_advice"};

/* Months of a tip: "months: [12, 1, 2]", "months: 11-3" (a range, across
 * the new year too) or "season: winter" (spring 3-5, summer 6-8, autumn
 * 9-11, winter 12-2).  Returns the bit set (bit m-1 for month m), 0 after
 * an error. */
static unsigned month_range(as__cfgctx *c, const as__ynode *n, const char *text)
{
    int a = 0, b = 0, used = 0;
    if (sscanf(text, "%d-%d%n", &a, &b, &used) == 2 && text[used] == '\0' && a >= 1 &&
        a <= 12 && b >= 1 && b <= 12) {
        unsigned m = 0;
        for (int k = a;; k = k % 12 + 1) {
            m |= 1u << (k - 1);
            if (k == b)
                break;
        }
        return m;
    }
    as__cfg_error(c, n, "'%s' is not a month range (11-3) or a month (1 to 12)", text);
    return 0;
}

static unsigned tip_months(as__cfgctx *c, const as__ynode *item)
{
    const as__ynode *m = as__ymap_get(item, "months"), *se = as__ymap_get(item, "season");
    if (m && se) {
        as__cfg_error(c, se, "a tip has months or a season, not both");
        return 0;
    }
    if (se) {
        static const struct { const char *name; unsigned months; } seasons[] = {
            {"spring", 0x38u}, {"summer", 0x1C0u}, {"autumn", 0xE00u}, {"winter", 0x803u},
        };
        const char *v;
        if (as__cfg_str(c, se, &v) < 0)
            return 0;
        for (size_t i = 0; i < sizeof seasons / sizeof seasons[0]; i++)
            if (strcmp(v, seasons[i].name) == 0)
                return seasons[i].months;
        as__cfg_error(c, se, "season must be spring, summer, autumn or winter, not '%s'", v);
        return 0;
    }
    if (!m)
        return 0xFFFu;
    if (m->kind == AS_Y_SCALAR) {
        long long one;
        if (!strchr(m->value, '-')) {
            if (as__cfg_int(c, m, 1, 12, &one) < 0)
                return 0;
            return 1u << (one - 1);
        }
        return month_range(c, m, m->value);
    }
    if (m->kind != AS_Y_SEQ || m->n == 0) {
        as__cfg_error(c, m, "months must be a list of months ([12, 1, 2]) or a range (11-3)");
        return 0;
    }
    unsigned bits = 0;
    for (size_t i = 0; i < m->n; i++) {
        long long one;
        if (as__cfg_int(c, m->items[i], 1, 12, &one) < 0)
            return 0;
        bits |= 1u << (one - 1);
    }
    return bits;
}

/* A tip: a message text, or {text, months | season}. */
static int tip_parse(as__cfgctx *c, const as__ynode *item, as__tip *tip)
{
    static const char *const keys[] = {"text", "months", "season", NULL};
    memset(tip, 0, sizeof *tip);
    if (item->kind == AS_Y_SCALAR) {
        tip->months = 0xFFFu;
        return tmpl_compile(c, item, AS_REMIND_TIP, &tip->text);
    }
    if (as__cfg_map_keys(c, item, "a tip", keys) < 0)
        return -1;
    const as__ynode *text = as__ymap_get(item, "text");
    if (!text) {
        as__cfg_error(c, item, "a tip needs a text");
        return -1;
    }
    if (!(tip->months = tip_months(c, item)))
        return -1;
    return tmpl_compile(c, text, AS_REMIND_TIP, &tip->text);
}

/* expire_after: how long a notification of a kind without an end of its
 * own stays deliverable (at least 1h). */
static void expire_after(as__cfgctx *c, const as__ynode *node, as__rule *rule)
{
    const as__ynode *n = as__ymap_get(node, "expire_after");
    int64_t d;
    if (n && as__cfg_duration(c, n, &d) == 0) {
        if (d < 3600)
            as__cfg_error(c, n, "expire_after must be at least 1h");
        else
            rule->expire_after = d;
    }
}

/* The keys every rule has, then the kind's own. */
static void rule_parse(as__cfgctx *c, const as__ynode *node, int kind, as__reminders_cfg *r)
{
    static const char *const k_weather[] = {"enabled", "title", "message", NULL};
    static const char *const k_maint[] = {"enabled", "title", "message", "every_km", "every_days",
                                          "lead_km", "lead_days", "expire_after", NULL};
    static const char *const k_refuel[] = {"enabled", "title", "message", "min_fillups",
                                           "coupon", NULL};
    static const char *const k_winback[] = {"enabled", "title", "message", "min_fillups",
                                            "factor", "expire_after", NULL};
    static const char *const k_tips[] = {"enabled", "title", "every", "messages", NULL};
    static const char *const k_survey[] = {"enabled", "title", "message", "delay", NULL};
    static const char *const k_grade[] = {"enabled", "title", "below", "above", "wrong_fuel",
                                          "within", "every", NULL};
    static const char *const *const allowed[AS_REMIND_NKINDS] = {
        k_weather, k_maint, k_refuel, k_winback, k_tips, k_survey, k_grade};
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
    if (kind != AS_REMIND_TIP && kind != AS_REMIND_GRADE_ADVICE) {
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
        expire_after(c, node, rule);
        break;
    case AS_REMIND_REFUEL_COUPON:
        if ((n = as__ymap_get(node, "min_fillups")) && as__cfg_int(c, n, 3, 1000, &v) == 0)
            r->refuel_min_fillups = v;
        {
            /* The coupon the message announces (checked against the
             * coupons section once every section is read). */
            const char *tid = "refuel_cycle";
            const as__ynode *at = node;
            if ((n = as__ymap_get(node, "coupon")) && as__cfg_str(c, n, &tid) == 0)
                at = n;
            free(r->refuel_coupon);
            r->refuel_coupon = strcmp(tid, "none") == 0 ? NULL : as__strdup(tid);
            r->refuel_coupon_file = c->file;
            r->refuel_coupon_line = at->line;
            r->refuel_coupon_col = at->col;
        }
        break;
    case AS_REMIND_WINBACK:
        if ((n = as__ymap_get(node, "min_fillups")) && as__cfg_int(c, n, 3, 1000, &v) == 0)
            r->winback_min_fillups = v;
        if ((n = as__ymap_get(node, "factor")))
            as__cfg_real(c, n, 1, 100, &r->winback_factor);
        expire_after(c, node, rule);
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
        if (!r->tips) {
            as__cfg_error(c, n, "out of memory");
            break;
        }
        for (size_t i = 0; i < n->n; i++)
            if (tip_parse(c, n->items[i], &r->tips[r->ntips]) == 0)
                r->ntips++;
        break;
    case AS_REMIND_SURVEY:
        if ((n = as__ymap_get(node, "delay")) && as__cfg_duration(c, n, &d) == 0)
            r->survey_delay_s = d;
        break;
    case AS_REMIND_GRADE_ADVICE: {
        static const char *const cases[AS__GRADE_NCASES] = {"below", "above", "wrong_fuel"};
        for (int g = 0; g < AS__GRADE_NCASES; g++) {
            if (!(n = as__ymap_get(node, cases[g])))
                as__cfg_error(c, node, "%s needs a %s message", what, cases[g]);
            else
                tmpl_compile(c, n, kind, &r->grade[g]);
        }
        if ((n = as__ymap_get(node, "within")) && as__cfg_duration(c, n, &d) == 0) {
            if (d < 3600)
                as__cfg_error(c, n, "reminders.grade_advice.within must be at least 1h");
            else
                r->grade_within_s = d;
        }
        if ((n = as__ymap_get(node, "every")) && as__cfg_duration(c, n, &d) == 0) {
            if (d < 86400)
                as__cfg_error(c, n, "reminders.grade_advice.every must be at least 1d");
            else
                r->grade_every_s = d;
        }
        break;
    }
    default:
        break;
    }
}

void as__reminders_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"cap", "outbox_max_attempts", "weather", "maintenance",
                                       "refuel_coupon", "winback", "tips", "survey",
                                       "grade_advice", NULL};
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
    r->rule[AS_REMIND_MAINTENANCE].expire_after = 7 * 86400;
    r->rule[AS_REMIND_WINBACK].expire_after = 2 * 86400;
    r->grade_within_s = 7 * 86400;
    r->grade_every_s = 90 * 86400;
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
