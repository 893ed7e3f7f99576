/* feedback_config.c - the configuration sections feedback, alerts and topics. */
#include "feedback.h"
#include "t2s.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const urgency_names[] = {"none", "low", "medium", "high", "critical"};

const char *as__urgency_name(int level)
{
    return level >= 0 && level <= AS__URG_CRITICAL ? urgency_names[level] : "none";
}

int as__urgency_parse(const char *s)
{
    for (int i = 0; i <= AS__URG_CRITICAL; i++)
        if (strcmp(s, urgency_names[i]) == 0)
            return i;
    return -1;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* A sequence of non-empty texts (NFC).  Returns 0 or -1 (reported). */
static int str_list(as__cfgctx *c, const as__ynode *n, const char *what, char ***out,
                    size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!n || n->kind != AS_Y_SEQ) {
        as__cfg_error(c, n, "%s: expected a list of words, such as [退款, 多扣钱]", what);
        return -1;
    }
    char **list = calloc(n->n ? n->n : 1, sizeof *list);
    if (!list) {
        as__cfg_error(c, n, "%s: out of memory", what);
        return -1;
    }
    size_t k = 0;
    int bad = 0;
    for (size_t i = 0; i < n->n; i++) {
        const as__ynode *it = n->items[i];
        char why[160];
        if (it->kind != AS_Y_SCALAR || !it->value[0]) {
            as__cfg_error(c, it, "%s: expected a non-empty word", what);
            bad = 1;
            continue;
        }
        char *v = NULL;
        if (as__text_nfc(it->value, strlen(it->value), &v, why, sizeof why) != AS_OK) {
            as__cfg_error(c, it, "%s: %s", what, why);
            bad = 1;
            continue;
        }
        /* Matched against text folded to simplified characters: fold the
         * word too (憤怒 finds 愤怒). */
        char *folded = NULL;
        size_t flen;
        if (as__t2s_fold(v, strlen(v), &folded, &flen) != AS_OK) {
            free(v);
            as__cfg_error(c, it, "%s: out of memory", what);
            bad = 1;
            continue;
        }
        if (folded) {
            free(v);
            v = folded;
        }
        list[k++] = v;
    }
    if (bad) {
        free_list(list, k);
        return -1;
    }
    *out = list;
    *nout = k;
    return 0;
}

static int is_ident(const char *s)
{
    if (!islower((unsigned char)s[0]))
        return 0;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* ---- feedback ------------------------------------------------------ */

static const char *const fixed_columns[] = {"feedback_id", "user_id", "station_id",
                                            "submitted_at", "channel", "kind",
                                            "overall", "comment", NULL};

void as__feedback_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"dimensions", "prior_weight", NULL};
    struct as__feedback_cfg *f = calloc(1, sizeof *f);
    if (!f) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->feedback = f;
    f->prior_weight = 10;
    if (as__cfg_map_keys(c, node, "feedback", keys) < 0)
        return;
    const as__ynode *d = as__ymap_get(node, "dimensions");
    if (d && d->kind != AS_Y_MAP) {
        as__cfg_error(c, d, "feedback.dimensions: expected a mapping of name: weight");
    } else if (d) {
        if (d->n > AS__FB_MAX_DIMS)
            as__cfg_error(c, d, "feedback.dimensions: at most %d dimensions", AS__FB_MAX_DIMS);
        for (size_t i = 0; i < d->n && i < AS__FB_MAX_DIMS; i++) {
            const char *name = d->keys[i]->value;
            int clash = 0;
            for (size_t j = 0; fixed_columns[j]; j++)
                clash |= strcmp(name, fixed_columns[j]) == 0;
            if (!is_ident(name) || strlen(name) > 32) {
                as__cfg_error(c, d->keys[i],
                              "feedback.dimensions: '%s' is not a column name (a-z, 0-9, _)",
                              name);
                continue;
            }
            if (clash) {
                as__cfg_error(c, d->keys[i], "feedback.dimensions: '%s' is a fixed column", name);
                continue;
            }
            double w;
            if (as__cfg_real(c, d->items[i], 0.001, 1000, &w) < 0)
                continue;
            f->dims[f->ndims].name = as__strdup(name);
            f->dims[f->ndims++].weight = w;
        }
    }
    const as__ynode *m = as__ymap_get(node, "prior_weight");
    if (m)
        as__cfg_real(c, m, 0, 1e6, &f->prior_weight);
}

void as__feedback_cfg_free(as_config *cfg)
{
    struct as__feedback_cfg *f = cfg->feedback;
    if (!f)
        return;
    for (size_t i = 0; i < f->ndims; i++)
        free(f->dims[i].name);
    free(f);
    cfg->feedback = NULL;
}

/* ---- alerts -------------------------------------------------------- */

static int level_of(as__cfgctx *c, const as__ynode *n, int *out)
{
    const char *s;
    if (as__cfg_str(c, n, &s) < 0)
        return -1;
    int v = as__urgency_parse(s);
    if (v < 1) {
        as__cfg_error(c, n, "'%s' is not a level (low, medium, high, critical)", s);
        return -1;
    }
    *out = v;
    return 0;
}

void as__alerts_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"ticket_level", "mismatch", "low_score", "rules", NULL};
    struct as__alerts_cfg *a = calloc(1, sizeof *a);
    if (!a) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->alerts = a;
    a->ticket_level = AS__URG_HIGH;
    a->mismatch_below = -0.5;
    a->mismatch_level = AS__URG_MEDIUM;
    if (as__cfg_map_keys(c, node, "alerts", keys) < 0)
        return;
    const as__ynode *n = as__ymap_get(node, "ticket_level");
    if (n)
        level_of(c, n, &a->ticket_level);
    if ((n = as__ymap_get(node, "mismatch"))) {
        static const char *const mkeys[] = {"sentiment_at_most", "level", NULL};
        if (as__cfg_map_keys(c, n, "alerts.mismatch", mkeys) == 0) {
            const as__ynode *v = as__ymap_get(n, "sentiment_at_most");
            if (v)
                as__cfg_real(c, v, -1, 1, &a->mismatch_below);
            if ((v = as__ymap_get(n, "level")))
                level_of(c, v, &a->mismatch_level);
        }
    }
    a->low_at_most = 0;
    a->low_sentiment = -0.5;
    a->low_level = AS__URG_HIGH;
    if ((n = as__ymap_get(node, "low_score"))) {
        static const char *const lkeys[] = {"overall_at_most", "sentiment_at_most", "level", NULL};
        if (as__cfg_map_keys(c, n, "alerts.low_score", lkeys) == 0) {
            const as__ynode *v = as__ymap_get(n, "overall_at_most");
            long long stars;
            if (!v)
                as__cfg_error(c, n, "alerts.low_score needs overall_at_most (1 to 4)");
            else if (as__cfg_int(c, v, 1, 4, &stars) == 0)
                a->low_at_most = (double)stars;
            if ((v = as__ymap_get(n, "sentiment_at_most")))
                as__cfg_real(c, v, -1, 1, &a->low_sentiment);
            if ((v = as__ymap_get(n, "level")))
                level_of(c, v, &a->low_level);
        }
    }
    const as__ynode *r = as__ymap_get(node, "rules");
    if (!r)
        return;
    if (r->kind != AS_Y_MAP) {
        as__cfg_error(c, r, "alerts.rules: expected a mapping of rule name: {keywords, level, reason}");
        return;
    }
    if (r->n > 64) {
        as__cfg_error(c, r, "alerts.rules: at most 64 rules");
        return;
    }
    a->rules = calloc(r->n ? r->n : 1, sizeof *a->rules);
    if (!a->rules) {
        as__cfg_error(c, r, "alerts.rules: out of memory");
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        static const char *const rkeys[] = {"keywords", "level", "reason", "max_overall", NULL};
        const as__ynode *rule = r->items[i];
        char what[128];
        snprintf(what, sizeof what, "alerts.rules.%s", r->keys[i]->value);
        if (as__cfg_map_keys(c, rule, what, rkeys) < 0)
            continue;
        as__alert_rule *ar = &a->rules[a->nrules];
        memset(ar, 0, sizeof *ar);
        const as__ynode *kw = as__ymap_get(rule, "keywords");
        const as__ynode *lv = as__ymap_get(rule, "level");
        const as__ynode *rs = as__ymap_get(rule, "reason");
        const as__ynode *mo = as__ymap_get(rule, "max_overall");
        if (!kw || !lv) {
            as__cfg_error(c, rule, "%s: needs keywords and level", what);
            continue;
        }
        const char *reason = r->keys[i]->value;
        long long maxo = 0;
        int bad = str_list(c, kw, what, &ar->keywords, &ar->nkeywords) < 0;
        bad |= level_of(c, lv, &ar->level) < 0;
        bad |= rs && as__cfg_str(c, rs, &reason) < 0;
        bad |= mo && as__cfg_int(c, mo, 1, 5, &maxo) < 0;
        if (!bad && ar->nkeywords == 0) {
            as__cfg_error(c, kw, "%s: the keyword list is empty", what);
            bad = 1;
        }
        if (bad) {
            free_list(ar->keywords, ar->nkeywords);
            ar->keywords = NULL;
            continue;
        }
        ar->name = as__strdup(r->keys[i]->value);
        ar->reason = as__strdup(reason);
        ar->max_overall = (int)maxo;
        a->nrules++;
    }
}

void as__alerts_cfg_free(as_config *cfg)
{
    struct as__alerts_cfg *a = cfg->alerts;
    if (!a)
        return;
    for (size_t i = 0; i < a->nrules; i++) {
        free(a->rules[i].name);
        free(a->rules[i].reason);
        free_list(a->rules[i].keywords, a->rules[i].nkeywords);
    }
    free(a->rules);
    free(a);
    cfg->alerts = NULL;
}

/* ---- topics -------------------------------------------------------- */

void as__topics_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg)
{
    static const char *const keys[] = {"dictionary", "markers", "stoplist", "min_users",
                                       "max_phrases", "beta_head_start", NULL};
    struct as__topics_cfg *t = calloc(1, sizeof *t);
    if (!t) {
        as__cfg_error(c, node, "out of memory");
        return;
    }
    cfg->topics = t;
    t->min_users = 3;
    t->max_phrases = 10;
    if (as__cfg_map_keys(c, node, "topics", keys) < 0)
        return;
    const as__ynode *n;
    long long v;
    if ((n = as__ymap_get(node, "min_users")) && as__cfg_int(c, n, 1, 1000000, &v) == 0)
        t->min_users = (int)v;
    if ((n = as__ymap_get(node, "max_phrases")) && as__cfg_int(c, n, 0, 1000, &v) == 0)
        t->max_phrases = (int)v;
    t->beta_head_start = 2 * 86400;
    if ((n = as__ymap_get(node, "beta_head_start")))
        as__cfg_duration(c, n, &t->beta_head_start);
    if ((n = as__ymap_get(node, "markers")))
        str_list(c, n, "topics.markers", &t->markers, &t->nmarkers);
    if ((n = as__ymap_get(node, "stoplist")))
        str_list(c, n, "topics.stoplist", &t->stoplist, &t->nstop);
    const as__ynode *d = as__ymap_get(node, "dictionary");
    if (!d)
        return;
    if (d->kind != AS_Y_MAP) {
        as__cfg_error(c, d, "topics.dictionary: expected a mapping of topic: [keywords]");
        return;
    }
    t->topics = calloc(d->n ? d->n : 1, sizeof *t->topics);
    if (!t->topics) {
        as__cfg_error(c, d, "topics.dictionary: out of memory");
        return;
    }
    for (size_t i = 0; i < d->n; i++) {
        char what[160];
        snprintf(what, sizeof what, "topics.dictionary.%s", d->keys[i]->value);
        as__topic *tp = &t->topics[t->ntopics];
        if (str_list(c, d->items[i], what, &tp->keywords, &tp->nkeywords) < 0)
            continue;
        if (tp->nkeywords == 0) {
            as__cfg_error(c, d->items[i], "%s: the keyword list is empty", what);
            free_list(tp->keywords, 0);
            continue;
        }
        char why[160];
        if (as__text_nfc(d->keys[i]->value, strlen(d->keys[i]->value), &tp->name, why,
                         sizeof why) != AS_OK) {
            as__cfg_error(c, d->keys[i], "%s: %s", what, why);
            free_list(tp->keywords, tp->nkeywords);
            continue;
        }
        t->ntopics++;
    }
}

void as__topics_cfg_free(as_config *cfg)
{
    struct as__topics_cfg *t = cfg->topics;
    if (!t)
        return;
    for (size_t i = 0; i < t->ntopics; i++) {
        free(t->topics[i].name);
        free_list(t->topics[i].keywords, t->topics[i].nkeywords);
    }
    free(t->topics);
    free_list(t->markers, t->nmarkers);
    free_list(t->stoplist, t->nstop);
    free(t);
    cfg->topics = NULL;
}
