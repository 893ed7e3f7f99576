/* demand.c - demand mining: suggestions grouped into dictionary topics and
 * frequent phrases, links to backlog items, and notifying users on ship. */
#include "feedback.h"
#include "import.h"
#include "outbox.h"
#include "t2s.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The suggestions, newest first. */
typedef struct sugg {
    char *user;              /* user_id, or "#feedback_id" for anonymous feedback */
    int anonymous;
    int64_t at;
    char *text;              /* folded to simplified characters, for matching */
    char *orig;              /* as the customer wrote it (examples); NULL: as text */
} sugg;

typedef struct sugg_set {
    sugg *s;
    size_t n, cap;
} sugg_set;

static void sugg_free(sugg_set *ss)
{
    for (size_t i = 0; i < ss->n; i++) {
        free(ss->s[i].user);
        free(ss->s[i].text);
        free(ss->s[i].orig);
    }
    free(ss->s);
    memset(ss, 0, sizeof *ss);
}

static const char SQL_SUGGESTIONS[] =
    "SELECT user_id, feedback_id, submitted_at, comment FROM feedback"
    " WHERE suggestion = 1 AND comment IS NOT NULL ORDER BY submitted_at DESC, feedback_id";

static as_status sugg_load(as_db *db, sugg_set *ss)
{
    sqlite3_stmt *st = as__stmt(db, SQL_SUGGESTIONS);
    if (!st)
        return AS_INTERNAL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (ss->n == ss->cap) {
            size_t cap = ss->cap ? ss->cap * 2 : 256;
            sugg *p = realloc(ss->s, cap * sizeof *p);
            if (!p)
                goto nomem;
            ss->s = p;
            ss->cap = cap;
        }
        sugg *g = &ss->s[ss->n];
        const char *u = (const char *)sqlite3_column_text(st, 0);
        g->anonymous = !u;
        g->user = u ? as__strdup(u) : as__printf("#%s", (const char *)sqlite3_column_text(st, 1));
        g->at = sqlite3_column_int64(st, 2);
        g->text = as__column_dup(st, 3);
        g->orig = NULL;
        ss->n++;
        if (!g->user || !g->text)
            goto nomem;
        /* 電子發票 and 电子发票 are one demand. */
        char *folded = NULL;
        size_t flen;
        if (as__t2s_fold(g->text, strlen(g->text), &folded, &flen) != AS_OK)
            goto nomem;
        if (folded) {
            g->orig = g->text;
            g->text = folded;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading suggestions");
    return AS_OK;
nomem:
    sqlite3_reset(st);
    return as__fail(db, AS_NOMEM, "out of memory");
}

/* The words the customer wrote. */
static const char *example_of(const sugg *g)
{
    return g->orig ? g->orig : g->text;
}

static int has_any(const char *text, char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(text, words[i]))
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Distinct strings in an array (sorted in place). */
static int64_t distinct(char **v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_str);
    int64_t d = 1;
    for (size_t i = 1; i < n; i++)
        d += strcmp(v[i], v[i - 1]) != 0;
    return d;
}

/* ---- the iterator ---------------------------------------------------- */

typedef struct topic_row {
    as_demand view;
    char *topic, *backlog, *example;
    int member;              /* a mined phrase: its index into the mined members; -1 */
} topic_row;

struct as_demand_iter {
    topic_row *rows;
    size_t n, pos;
};

void as_demand_iter_free(as_demand_iter *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->n; i++) {
        free(it->rows[i].topic);
        free(it->rows[i].backlog);
        free(it->rows[i].example);
    }
    free(it->rows);
    free(it);
}

static int add_row(as_demand_iter *it, size_t *cap, const char *topic, const char *source,
                   int64_t users, int64_t nfb, int64_t latest, const char *example)
{
    if (it->n == *cap) {
        size_t c = *cap ? *cap * 2 : 32;
        topic_row *p = realloc(it->rows, c * sizeof *p);
        if (!p)
            return -1;
        it->rows = p;
        *cap = c;
    }
    topic_row *r = &it->rows[it->n];
    memset(r, 0, sizeof *r);
    r->topic = as__strdup(topic);
    r->example = example ? as__strdup(example) : NULL;
    it->n++;
    if (!r->topic || (example && !r->example))
        return -1;
    r->view.topic = r->topic;
    r->view.source = source;
    r->view.users = users;
    r->view.feedback = nfb;
    r->view.latest = latest;
    r->view.example = r->example;
    return 0;
}

/* Phrases are mined from at most this many of the newest unmatched
 * suggestions (memory stays in the tens of megabytes). */
enum { AS__DEMAND_MINE_MAX = 5000 };

/* Grams of 2 to MAX_GRAM characters are counted; a phrase longer than that
 * is found as overlapping grams merged. */
enum { MIN_GRAM = 2, MAX_GRAM = 10 };

/* At most this many spans are grouped into topics (their pairs are
 * compared): the ones most users wrote. */
enum { MAX_SPANS = 2000 };

/* A gram occurrence: "gram\037user", and the suggestion's index. */
typedef struct gram {
    char *key;
    size_t idx;
} gram;

static int cmp_gram(const void *a, const void *b)
{
    const gram *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* A CJK ideograph encoded in 3 UTF-8 bytes (U+3400..U+9FFF). */
static int is_cjk3(const unsigned char *p)
{
    if (p[0] < 0xE3 || p[0] > 0xE9 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
        return 0;
    unsigned cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return cp >= 0x3400 && cp <= 0x9FFF;
}

/* Mark in cut[] (one byte per text byte) every occurrence of the words. */
static void mark_words(const char *text, char *cut, char *const *words, size_t n)
{
    for (size_t w = 0; w < n; w++) {
        size_t len = strlen(words[w]);
        if (!len)
            continue;
        for (const char *p = strstr(text, words[w]); p; p = strstr(p + 1, words[w]))
            memset(cut + (p - text), 1, len);
    }
}

/* Collect the 2..MAX_GRAM character grams of text into g.  Grams stay
 * within runs of Chinese characters and never cross a stoplist word or a
 * suggestion marker (希望增加洗车服务 gives grams of 洗车服务 only). */
static int collect_grams(const struct as__topics_cfg *tc, const char *text, size_t idx,
                         const char *user, gram **g, size_t *n, size_t *cap)
{
    size_t tlen = strlen(text);
    char *cut = calloc(tlen + 1, 1);
    if (!cut)
        return -1;
    mark_words(text, cut, tc->stoplist, tc->nstop);
    mark_words(text, cut, tc->markers, tc->nmarkers);
    const unsigned char *p = (const unsigned char *)text;
    int rc = 0;
    while (*p && rc == 0) {
        if (!is_cjk3(p) || cut[(const char *)p - text]) {
            p++;
            continue;
        }
        size_t run = 0;
        while (is_cjk3(p + 3 * run) && !cut[(const char *)p + 3 * run - text])
            run++;
        for (size_t i = 0; i < run && rc == 0; i++)
            for (size_t len = MIN_GRAM; len <= MAX_GRAM && i + len <= run; len++) {
                if (*n == *cap) {
                    size_t c = *cap ? *cap * 2 : 1024;
                    gram *q = realloc(*g, c * sizeof *q);
                    if (!q) {
                        rc = -1;
                        break;
                    }
                    *g = q;
                    *cap = c;
                }
                char *key = as__printf("%.*s\037%s", (int)(3 * len), (const char *)p + 3 * i,
                                       user);
                if (!key) {
                    rc = -1;
                    break;
                }
                (*g)[(*n)++] = (gram){key, idx};
            }
        p += 3 * run;
    }
    free(cut);
    return rc;
}

/* A frequent gram, then a phrase: the grams merged into one topic. */
typedef struct cand {
    char *text;              /* the gram (owned) */
    size_t chars;
    int64_t users;
    size_t *idx;             /* the suggestions it occurs in, ascending (newest first) */
    size_t nidx;
    int absorbed;            /* a longer gram has nearly the same users */
    size_t parent;           /* the first span of its topic; SIZE_MAX: none */
    const struct cand *follow;   /* the phrase it is mostly written in, or NULL */
} cand;

static int cmp_cand_text(const void *a, const void *b)
{
    return strcmp(((const cand *)a)->text, ((const cand *)b)->text);
}

/* The frequent gram of text, or NULL (c sorted by text). */
static cand *find_cand(cand *c, size_t n, const char *text, size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int k = strncmp(c[mid].text, text, len);
        if (k == 0 && c[mid].text[len])
            k = 1;
        if (k < 0)
            lo = mid + 1;
        else if (k > 0)
            hi = mid;
        else
            return &c[mid];
    }
    return NULL;
}

/* The topic of span i: its first span's index, or SIZE_MAX (dropped). */
static size_t uf_find(const cand *c, size_t i)
{
    return c[i].parent;
}

/* Near duplicates: the Dice coefficient of the character bigrams, in
 * hundredths (电子发票推送 / 电子发票自动推送: 67). */
static int dice100(const char *a, size_t na, const char *b, size_t nb)
{
    if (na < 2 || nb < 2)
        return 0;
    size_t common = 0;
    for (size_t i = 0; i + 1 < na; i++)
        for (size_t j = 0; j + 1 < nb; j++)
            if (memcmp(a + 3 * i, b + 3 * j, 6) == 0) {
                common++;
                break;
            }
    return (int)(200 * common / ((na - 1) + (nb - 1)));
}

/* Does span x contain span y (and is longer)? */
static int contains(const cand *x, const cand *y)
{
    return x->chars > y->chars && strstr(x->text, y->text) != NULL;
}

static int cmp_cand_users(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->users != y->users)
        return x->users < y->users ? 1 : -1;
    return strcmp(x->text, y->text);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* A phrase: the members of one group, ranked. */
typedef struct phrase {
    size_t rep;              /* the member that names it */
    int64_t users, nfb;
    size_t newest;
} phrase;

static const cand *rank_c;   /* for cmp_phrase (qsort has no context) */

static int cmp_phrase(const void *a, const void *b)
{
    const phrase *x = a, *y = b;
    if (x->users != y->users)
        return x->users < y->users ? 1 : -1;
    const cand *cx = &rank_c[x->rep], *cy = &rank_c[y->rep];
    if (cx->chars != cy->chars)
        return cx->chars < cy->chars ? 1 : -1;
    if (x->newest != y->newest)
        return x->newest > y->newest ? 1 : -1;
    return strcmp(cx->text, cy->text);
}

/*
 * Mine the phrases of the unmatched suggestions (texts folded to
 * simplified characters).
 *  1. Count the users of every 2-10 character gram (within runs of Chinese
 *     characters, never across a stoplist word or marker); keep those of
 *     at least topics.min_users users.
 *  2. A gram one of whose one-character extensions (left or right) holds
 *     3/4 of its users is a fragment of it: dropped (车服务预 of
 *     洗车服务预约).  What remains are maximal spans.
 *  3. A span written mostly inside several different phrases is a word
 *     they share (洗车 of 洗车服务预约 and 自助洗车): dropped.  One written
 *     mostly inside one phrase goes with it.
 *  4. Topics, most users first: a span joins the first topic whose name
 *     it contains, or that contains it with at least half its users, or
 *     that it nearly duplicates (Dice of the character bigrams >= 0.6).
 *     Its users are the union of its spans'; it is named by its longest
 *     span that 2/3 of its users wrote, else by the span most users wrote.
 * Each topic goes to it (at most topics.max_phrases, most users first) with
 * its member phrases into members[k] (a NUL-separated list, for shipping).
 */
typedef struct mined {
    char **members;          /* per row added: "a\0b\0\0" (owned) */
    size_t n;
} mined;

static int mine_phrases(const struct as__topics_cfg *tc, const sugg_set *ss, const char *unmatched,
                        as_demand_iter *it, size_t *cap, mined *mn)
{
    gram *g = NULL;
    size_t ng = 0, gcap = 0;
    cand *c = NULL;
    size_t nc = 0;
    phrase *ph = NULL;
    char **users = NULL;
    int rc = -1;
    size_t mined_n = 0;
    for (size_t i = 0; i < ss->n && mined_n < AS__DEMAND_MINE_MAX; i++)
        if (unmatched[i]) {
            mined_n++;
            if (collect_grams(tc, ss->s[i].text, i, ss->s[i].user, &g, &ng, &gcap) < 0)
                goto out;
        }
    if (ng > 1)
        qsort(g, ng, sizeof *g, cmp_gram);

    /* 1. Frequent grams with their suggestions. */
    c = calloc(ng ? ng : 1, sizeof *c);
    if (!c)
        goto out;
    for (size_t i = 0; i < ng;) {
        const char *sep = strchr(g[i].key, '\037');
        size_t glen = (size_t)(sep - g[i].key);
        size_t j = i;
        int64_t nusers = 0;
        while (j < ng && strncmp(g[j].key, g[i].key, glen + 1) == 0) {
            nusers += j == i || strcmp(g[j].key, g[j - 1].key) != 0;
            j++;
        }
        if (nusers >= tc->min_users) {
            cand *k = &c[nc];
            k->text = as__strndup(g[i].key, glen);
            k->idx = malloc((j - i) * sizeof *k->idx);
            if (!k->text || !k->idx) {
                free(k->text);
                free(k->idx);
                goto out;
            }
            for (size_t m = i; m < j; m++)
                k->idx[k->nidx++] = g[m].idx;
            qsort(k->idx, k->nidx, sizeof *k->idx, cmp_size);
            size_t u = 0;
            for (size_t m = 0; m < k->nidx; m++)
                if (!u || k->idx[m] != k->idx[u - 1])
                    k->idx[u++] = k->idx[m];
            k->nidx = u;
            k->chars = glen / 3;
            k->users = nusers;
            nc++;
        }
        i = j;
    }
    if (nc > 1)
        qsort(c, nc, sizeof *c, cmp_cand_text);

    /* 2. Fragments: a gram one of whose one-character extensions holds 3/4
     * of its users lies inside that longer phrase (车服务预 in 洗车服务预约). */
    for (size_t i = 0; i < nc; i++) {
        if (c[i].chars < MIN_GRAM + 1)
            continue;
        size_t len = strlen(c[i].text);
        cand *pre = find_cand(c, nc, c[i].text, len - 3);   /* without the last character */
        cand *suf = find_cand(c, nc, c[i].text + 3, len - 3);   /* without the first */
        if (pre && 4 * c[i].users >= 3 * pre->users)
            pre->absorbed = 1;
        if (suf && 4 * c[i].users >= 3 * suf->users)
            suf->absorbed = 1;
    }
    size_t nk = 0;
    for (size_t i = 0; i < nc; i++) {
        if (c[i].absorbed) {
            free(c[i].text);
            free(c[i].idx);
            continue;
        }
        c[nk++] = c[i];
    }
    nc = nk;
    /* The spans most users wrote first; only so many go on (pairs of them
     * are compared below). */
    if (nc > 1)
        qsort(c, nc, sizeof *c, cmp_cand_users);
    if (nc > MAX_SPANS) {
        for (size_t i = MAX_SPANS; i < nc; i++) {
            free(c[i].text);
            free(c[i].idx);
        }
        nc = MAX_SPANS;
    }

    /* 3. A word that several different phrases share, and that is mostly
     * written inside them, is not a demand of its own (洗车 of 洗车服务预约
     * and 自助洗车): dropped.  Phrases that are near duplicates of each
     * other count as one. */
    for (size_t i = 0; i < nc; i++) {
        const cand *first = NULL;
        int several = 0;
        int64_t cover = 0;
        for (size_t j = 0; j < nc; j++) {
            if (!contains(&c[j], &c[i]))
                continue;
            cover += c[j].users;
            if (!first)
                first = &c[j];
            else if (!several && !contains(&c[j], first) && !contains(first, &c[j]) &&
                     dice100(first->text, first->chars, c[j].text, c[j].chars) < 60)
                several = 1;
        }
        c[i].absorbed = several && 4 * cover >= 3 * c[i].users;
        /* Mostly written inside one phrase (推送 of 加油小票推送, a third of
         * its users at least; not a phrase with a character of noise
         * around it): it goes with that phrase's topic. */
        c[i].follow = !several && first && 4 * cover >= 3 * c[i].users &&
                              3 * first->users >= c[i].users
                          ? first
                          : NULL;
    }

    /* 4. Topics, most users first: a span joins the first topic whose
     * name it contains (a longer variant), whose name contains it with at
     * least half its users (洗车服务 joins 洗车服务预约 ... or the other way
     * round), or whose name it nearly duplicates (Dice of the character
     * bigrams >= 0.6: 电子发票推送, 电子发票自动推送); else it starts one. */
    size_t ntop = 0;
    size_t *top = malloc((nc ? nc : 1) * sizeof *top);   /* the first span of each topic */
    if (!top)
        goto out;
    for (size_t i = 0; i < nc; i++) {
        c[i].parent = SIZE_MAX;
        if (c[i].absorbed || c[i].follow)
            continue;
        size_t t = 0;
        for (; t < ntop; t++) {
            const cand *r = &c[top[t]];
            if (contains(&c[i], r) || (contains(r, &c[i]) && 2 * r->users >= c[i].users) ||
                dice100(r->text, r->chars, c[i].text, c[i].chars) >= 60)
                break;
        }
        if (t == ntop)
            top[ntop++] = i;
        c[i].parent = top[t];
    }
    free(top);
    for (size_t i = 0; i < nc; i++)
        if (c[i].follow)
            c[i].parent = c[i].follow->parent;
    ph = calloc(nc ? nc : 1, sizeof *ph);
    users = malloc((ss->n ? ss->n : 1) * sizeof *users);
    if (!ph || !users)
        goto out;
    size_t np = 0;
    for (size_t i = 0; i < nc; i++) {
        if (uf_find(c, i) != i)
            continue;
        /* The group's suggestions: the union of its members'. */
        size_t nidx = 0;
        for (size_t j = 0; j < nc; j++)
            if (uf_find(c, j) == i)
                nidx += c[j].nidx;
        size_t *all = malloc((nidx ? nidx : 1) * sizeof *all);
        if (!all)
            goto out;
        nidx = 0;
        size_t rep = i;
        for (size_t j = 0; j < nc; j++) {
            if (uf_find(c, j) != i)
                continue;
            memcpy(all + nidx, c[j].idx, c[j].nidx * sizeof *all);
            nidx += c[j].nidx;
            if (c[j].users > c[rep].users ||
                (c[j].users == c[rep].users && c[j].chars > c[rep].chars))
                rep = j;
        }
        qsort(all, nidx, sizeof *all, cmp_size);
        size_t nu = 0, nf = 0;
        for (size_t m = 0; m < nidx; m++) {
            if (m && all[m] == all[m - 1])
                continue;
            nf++;
            users[nu++] = ss->s[all[m]].user;
        }
        int64_t group_users = distinct(users, nu);
        /* Named by its longest member that at least 2/3 of the group's
         * users wrote (洗车服务预约 over 洗车服务), else by the one most
         * users wrote. */
        for (size_t j = 0; j < nc; j++)
            if (uf_find(c, j) == i && 3 * c[j].users >= 2 * group_users &&
                (c[j].chars > c[rep].chars ||
                 (c[j].chars == c[rep].chars && c[j].users > c[rep].users) ||
                 3 * c[rep].users < 2 * group_users))
                rep = j;
        ph[np].rep = rep;
        ph[np].users = group_users;
        ph[np].nfb = (int64_t)nf;
        ph[np].newest = nidx ? all[0] : 0;
        np++;
        free(all);
    }
    rank_c = c;
    if (np > 1)
        qsort(ph, np, sizeof *ph, cmp_phrase);
    for (size_t i = 0; i < np && (int)i < tc->max_phrases; i++) {
        const cand *r = &c[ph[i].rep];
        if (add_row(it, cap, r->text, "phrase", ph[i].users, ph[i].nfb, ss->s[ph[i].newest].at,
                    example_of(&ss->s[ph[i].newest])) < 0)
            goto out;
        /* The members, for shipping: "a\0b\0\0". */
        size_t root = uf_find(c, ph[i].rep), size = 1;
        for (size_t j = 0; j < nc; j++)
            if (uf_find(c, j) == root)
                size += strlen(c[j].text) + 1;
        char *list = malloc(size), *q = list;
        char **mp = realloc(mn->members, (mn->n + 1) * sizeof *mp);
        if (!list || !mp) {
            free(list);
            if (mp)
                mn->members = mp;
            goto out;
        }
        mn->members = mp;
        for (size_t j = 0; j < nc; j++)
            if (uf_find(c, j) == root) {
                size_t len = strlen(c[j].text) + 1;
                memcpy(q, c[j].text, len);
                q += len;
            }
        *q = '\0';
        mn->members[mn->n++] = list;
    }
    rc = 0;
out:
    for (size_t i = 0; i < ng; i++)
        free(g[i].key);
    free(g);
    for (size_t i = 0; i < nc; i++) {
        free(c[i].text);
        free(c[i].idx);
    }
    free(c);
    free(ph);
    free(users);
    return rc;
}

static void mined_free(mined *mn)
{
    for (size_t i = 0; i < mn->n; i++)
        free(mn->members[i]);
    free(mn->members);
    memset(mn, 0, sizeof *mn);
}

static int cmp_topic_row(const void *a, const void *b)
{
    const as_demand *x = &((const topic_row *)a)->view, *y = &((const topic_row *)b)->view;
    if (x->users != y->users)
        return x->users < y->users ? 1 : -1;
    if (x->latest != y->latest)
        return x->latest < y->latest ? 1 : -1;
    return strcmp(x->topic, y->topic);
}

static const char SQL_LINK_OF[] =
    "SELECT backlog_id, coalesce(shipped_at, 0) FROM demand_links WHERE topic = ?1"
    " ORDER BY linked_at DESC, backlog_id LIMIT 1";

/* Every topic (dictionary, then mined phrases), ranked, with the member
 * phrases of each mined one in *mn (in the order they were added, before
 * ranking: mn->members[k] belongs to the k-th phrase row; rows carry
 * their index in `member`). */
static as_status build_topics(as_db *db, as_demand_iter **out, mined *mn)
{
    *out = NULL;
    const struct as__topics_cfg *tc = as__db_config(db)->topics;
    sugg_set ss = {0};
    as_status s = sugg_load(db, &ss);
    as_demand_iter *it = calloc(1, sizeof *it);
    char *unmatched = calloc(ss.n ? ss.n : 1, 1);
    char **users = calloc(ss.n ? ss.n : 1, sizeof *users);
    size_t cap = 0;
    if (s == AS_OK && (!it || !unmatched || !users))
        s = as__fail(db, AS_NOMEM, "out of memory");
    if (s != AS_OK)
        goto fail;
    memset(unmatched, 1, ss.n);
    for (size_t t = 0; t < tc->ntopics; t++) {
        const as__topic *tp = &tc->topics[t];
        size_t nu = 0, newest = 0;
        for (size_t i = 0; i < ss.n; i++)
            if (has_any(ss.s[i].text, tp->keywords, tp->nkeywords)) {
                if (!nu)
                    newest = i;
                users[nu++] = ss.s[i].user;
                unmatched[i] = 0;
            }
        if (!nu)
            continue;
        int64_t nfb = (int64_t)nu;
        if (add_row(it, &cap, tp->name, "dictionary", distinct(users, nu), nfb, ss.s[newest].at,
                    example_of(&ss.s[newest])) < 0) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            goto fail;
        }
    }
    size_t first_phrase = it->n;
    if (tc->max_phrases > 0 && mine_phrases(tc, &ss, unmatched, it, &cap, mn) < 0) {
        s = as__fail(db, AS_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = first_phrase; i < it->n; i++)
        it->rows[i].member = (int)(i - first_phrase);
    for (size_t i = 0; i < first_phrase; i++)
        it->rows[i].member = -1;
    if (it->n > 1)
        qsort(it->rows, it->n, sizeof *it->rows, cmp_topic_row);
    free(unmatched);
    free(users);
    sugg_free(&ss);
    *out = it;
    return AS_OK;
fail:
    free(unmatched);
    free(users);
    sugg_free(&ss);
    as_demand_iter_free(it);
    return s;
}

as_status as_demand_iter_new(as_demand_iter **out, as_db *db, int64_t limit)
{
    if (!out || !db || limit < 0)
        return AS_MISUSE;
    *out = NULL;
    mined mn = {0};
    as_demand_iter *it = NULL;
    as_status s = build_topics(db, &it, &mn);
    mined_free(&mn);
    if (s != AS_OK)
        return s;
    if (limit > 0 && (size_t)limit < it->n) {
        for (size_t i = (size_t)limit; i < it->n; i++) {
            free(it->rows[i].topic);
            free(it->rows[i].backlog);
            free(it->rows[i].example);
        }
        it->n = (size_t)limit;
    }
    for (size_t i = 0; i < it->n; i++) {
        sqlite3_stmt *st = as__stmt(db, SQL_LINK_OF);
        if (!st) {
            as_demand_iter_free(it);
            return AS_INTERNAL;
        }
        sqlite3_bind_text(st, 1, it->rows[i].topic, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            it->rows[i].backlog = as__column_dup(st, 0);
            it->rows[i].view.backlog_id = it->rows[i].backlog;
            it->rows[i].view.shipped_at = sqlite3_column_int64(st, 1);
        }
        sqlite3_reset(st);
        /* The example is a customer's comment: phones in it are masked. */
        if (it->rows[i].example && !as__db_reveal(db))
            as__mask_phones_n(it->rows[i].example, strlen(it->rows[i].example));
    }
    as__ok(db);
    *out = it;
    return AS_OK;
}

as_status as_demand_next(as_demand_iter *it, const as_demand **view)
{
    if (!it || !view)
        return AS_MISUSE;
    if (it->pos >= it->n)
        return AS_DONE;
    *view = &it->rows[it->pos++].view;
    return AS_OK;
}

/* ---- link and ship --------------------------------------------------- */

/* NFC text folded to simplified characters (malloc'd); AS_INVALID with
 * the reason in why. */
static as_status fold_text(const char *in, char **out, char *why, size_t whysz)
{
    *out = NULL;
    char *t = NULL;
    as_status s = as__text_nfc(in, strlen(in), &t, why, whysz);
    if (s != AS_OK)
        return s;
    char *f = NULL;
    size_t flen;
    if (as__t2s_fold(t, strlen(t), &f, &flen) != AS_OK) {
        free(t);
        return AS_NOMEM;
    }
    if (f) {
        free(t);
        t = f;
    }
    *out = t;
    return AS_OK;
}

/* The topic a link may name: a dictionary topic (its configured name), a
 * phrase demand mining finds now, or a topic linked before.  *name gets
 * the name to store (malloc'd).  AS_NOTFOUND otherwise. */
static as_status known_topic(as_db *db, const char *folded, char **name)
{
    const struct as__topics_cfg *tc = as__db_config(db)->topics;
    char why[160];
    *name = NULL;
    for (size_t t = 0; t < tc->ntopics; t++) {
        char *f = NULL;
        as_status s = fold_text(tc->topics[t].name, &f, why, sizeof why);
        if (s == AS_NOMEM)
            return as__fail(db, AS_NOMEM, "out of memory");
        int same = f && strcmp(f, folded) == 0;
        free(f);
        if (same) {
            *name = as__strdup(tc->topics[t].name);
            return *name ? AS_OK : as__fail(db, AS_NOMEM, "out of memory");
        }
    }
    static const char linked[] = "SELECT 1 FROM demand_links WHERE topic = ?1 LIMIT 1";
    sqlite3_stmt *st = as__stmt(db, linked);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        *name = as__strdup(folded);
        return *name ? AS_OK : as__fail(db, AS_NOMEM, "out of memory");
    }
    as_demand_iter *it = NULL;
    mined mn = {0};
    as_status s = build_topics(db, &it, &mn);
    mined_free(&mn);
    if (s != AS_OK)
        return s;
    for (size_t i = 0; i < it->n && !*name; i++)
        if (strcmp(it->rows[i].topic, folded) == 0 && !(*name = as__strdup(folded))) {
            as_demand_iter_free(it);
            return as__fail(db, AS_NOMEM, "out of memory");
        }
    as_demand_iter_free(it);
    if (!*name)
        return as__fail(db, AS_NOTFOUND,
                        "topic '%s' is neither a dictionary topic (topics.dictionary) nor a phrase"
                        " that demand list finds", folded);
    return AS_OK;
}

as_status as_demand_link(as_db *db, const char *topic, const char *backlog_id)
{
    if (!db || !topic || !backlog_id)
        return AS_MISUSE;
    char why[160];
    if (as__check_id(backlog_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "backlog: %s", why);
    char *t = NULL;
    as_status s = fold_text(topic, &t, why, sizeof why);
    if (s == AS_NOMEM)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (s != AS_OK || !t[0]) {
        free(t);
        return as__fail(db, AS_INVALID, "topic: %s", s != AS_OK ? why : "is empty");
    }
    static const char sql[] =
        "INSERT INTO demand_links (topic, backlog_id, linked_at) VALUES (?1, ?2, ?3)"
        " ON CONFLICT DO NOTHING";
    if ((s = as__write_begin(db)) != AS_OK) {
        free(t);
        return s;
    }
    char *name = NULL;
    s = known_topic(db, t, &name);
    sqlite3_stmt *st = s == AS_OK ? as__stmt(db, sql) : NULL;
    if (s == AS_OK && !st) {
        s = AS_INTERNAL;
    } else if (s == AS_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, backlog_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, as__now());
        s = as__step_done(db, st, "linking a demand");
    }
    s = as__write_end(db, s);
    free(name);
    free(t);
    return s;
}

static const char SQL_LINKS_OF[] =
    "SELECT topic FROM demand_links WHERE backlog_id = ?1 ORDER BY linked_at, topic";
static const char SQL_SHIPPED[] =
    "UPDATE demand_links SET shipped_at = ?2 WHERE backlog_id = ?1 AND shipped_at IS NULL";

/* The words that find a topic's suggestions: a dictionary topic's
 * keywords, a mined phrase's members (the spans merged into it, as demand
 * list finds them now), else the topic itself.  *kw is malloc'd (the
 * strings are borrowed from the configuration or from *hold). */
static as_status topic_words(as_db *db, const char *topic, char ***kw, size_t *nkw, char **hold)
{
    const struct as__topics_cfg *tc = as__db_config(db)->topics;
    *hold = NULL;
    for (size_t t = 0; t < tc->ntopics; t++)
        if (strcmp(tc->topics[t].name, topic) == 0) {
            *kw = malloc(tc->topics[t].nkeywords * sizeof **kw);
            if (!*kw)
                return as__fail(db, AS_NOMEM, "out of memory");
            memcpy(*kw, tc->topics[t].keywords, tc->topics[t].nkeywords * sizeof **kw);
            *nkw = tc->topics[t].nkeywords;
            return AS_OK;
        }
    as_demand_iter *it = NULL;
    mined mn = {0};
    as_status s = build_topics(db, &it, &mn);
    if (s != AS_OK)
        return s;
    for (size_t i = 0; i < it->n && !*hold; i++)
        if (it->rows[i].member >= 0 && strcmp(it->rows[i].topic, topic) == 0) {
            *hold = mn.members[it->rows[i].member];
            mn.members[it->rows[i].member] = NULL;
        }
    as_demand_iter_free(it);
    mined_free(&mn);
    size_t n = 0;
    for (const char *p = *hold; p && *p; p += strlen(p) + 1)
        n++;
    *kw = malloc((n ? n : 1) * sizeof **kw);
    if (!*kw) {
        free(*hold);
        *hold = NULL;
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    n = 0;
    for (char *p = *hold; p && *p; p += strlen(p) + 1)
        (*kw)[n++] = p;
    if (!n)
        (*kw)[n++] = (char *)topic;   /* not mined now: the phrase itself */
    *nkw = n;
    return AS_OK;
}

/* One shipment: its counts and what every message shares. */
typedef struct ship_ctx {
    const char *backlog_id;
    int64_t at;
    int64_t head_start;      /* topics.beta_head_start: others hear this much later */
    int64_t notified, already, skipped, beta;
} ship_ctx;

static const char SQL_USER_BETA[] =
    "SELECT consent_service = 1 AND erased_at IS NULL, beta_tester FROM users WHERE user_id = ?1";

/* Write one message; *inserted says whether it is new. */
static as_status ship_message(as_db *db, ship_ctx *x, const char *user, const char *topic,
                              int beta, int *inserted)
{
    as_buf pb = {0};
    as__buf_adds(&pb, "{\"backlog_id\":");
    as__json_quote(&pb, x->backlog_id);
    as__buf_adds(&pb, ",\"topic\":");
    as__json_quote(&pb, topic);
    as__buf_adds(&pb, beta ? ",\"beta\":true" : ",\"beta\":false");
    char *body = beta ? as__printf("您是产品体验官：「%s」刚刚上线，邀请您抢先体验，并告诉我们您的感受。",
                                   topic)
                      : as__printf("您建议的「%s」已经上线，欢迎体验，并告诉我们您的感受。", topic);
    char *key = as__printf("%s:%s:%s", beta ? "beta" : "demand", x->backlog_id, user);
    as_status s;
    if (as__buf_add(&pb, "}", 2) < 0 || !body || !key) {
        s = as__fail(db, AS_NOMEM, "out of memory");
    } else {
        int64_t when = beta ? x->at : x->at + x->head_start;
        as__outbox_msg m = {user, beta ? "beta_invite" : "demand_shipped", key, AS__PRIO_SERVICE,
                            beta ? "产品体验官：抢先体验邀请" : "您的建议已上线", body, pb.data,
                            when, x->at};
        s = as__outbox_enqueue(db, &m, inserted);
    }
    as__buf_free(&pb);
    free(body);
    free(key);
    return s;
}

/* Notify the users behind one topic: a beta tester (产品体验官) gets an
 * invitation to try it first, everyone else the news once the head start
 * has passed. */
static as_status ship_topic(as_db *db, const sugg_set *ss, ship_ctx *x, const char *topic)
{
    char **kw = NULL, *hold = NULL;
    size_t nkw = 0;
    as_status s = topic_words(db, topic, &kw, &nkw, &hold);
    if (s != AS_OK)
        return s;
    /* The distinct users who asked. */
    char **users = malloc((ss->n ? ss->n : 1) * sizeof *users);
    size_t nu = 0;
    if (!users)
        s = as__fail(db, AS_NOMEM, "out of memory");
    for (size_t i = 0; users && i < ss->n; i++)
        if (!ss->s[i].anonymous && has_any(ss->s[i].text, kw, nkw))
            users[nu++] = ss->s[i].user;
    if (nu > 1)
        qsort(users, nu, sizeof *users, cmp_str);
    for (size_t i = 0; i < nu && s == AS_OK; i++) {
        if (i && strcmp(users[i], users[i - 1]) == 0)
            continue;
        const char *user = users[i];
        sqlite3_stmt *st = as__stmt(db, SQL_USER_BETA);
        if (!st) {
            s = AS_INTERNAL;
            break;
        }
        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        int found = sqlite3_step(st) == SQLITE_ROW;
        int ok = !found || sqlite3_column_int(st, 0);
        int beta = found && sqlite3_column_int(st, 1);
        sqlite3_reset(st);
        if (!ok) {
            x->skipped++;
            continue;
        }
        int ins = 0;
        s = ship_message(db, x, user, topic, beta, &ins);
        if (!ins)
            x->already++;
        else if (beta)
            x->beta++;
        else
            x->notified++;
    }
    free(users);
    free(kw);
    free(hold);
    return s;
}

/* Beta testers who use the backlog item's feature area (they rated that
 * feedback dimension) are invited too, once. */
static as_status ship_area(as_db *db, ship_ctx *x, const char *topic)
{
    static const char area_sql[] = "SELECT area FROM demand_areas WHERE backlog_id = ?1";
    sqlite3_stmt *st = as__stmt(db, area_sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, x->backlog_id, -1, SQLITE_STATIC);
    char area[64] = "";
    if (sqlite3_step(st) == SQLITE_ROW)
        as__column_copy(st, 0, area, sizeof area);
    sqlite3_reset(st);
    if (!area[0])
        return AS_OK;
    /* One pass over the feedback (no user index needed), joined to users
     * by their key.  The area is a dimension name ([a-z0-9_]). */
    static const char sql[] =
        "SELECT DISTINCT u.user_id FROM feedback f JOIN users u ON u.user_id = f.user_id"
        " WHERE json_type(f.stars, '$.' || ?1) IS NOT NULL AND u.beta_tester = 1"
        " AND u.consent_service = 1 AND u.erased_at IS NULL ORDER BY u.user_id";
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "finding beta testers");
    sqlite3_bind_text(q, 1, area, -1, SQLITE_TRANSIENT);
    char **users = NULL;
    size_t n = 0;
    as_status s = AS_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char **p = realloc(users, (n + 1) * sizeof *p);
        if (!p || !(p[n] = as__column_dup(q, 0))) {
            if (p)
                users = p;
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        users = p;
        n++;
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "finding beta testers");
    sqlite3_finalize(q);
    for (size_t i = 0; i < n && s == AS_OK; i++) {
        int ins = 0;
        s = ship_message(db, x, users[i], topic, 1, &ins);
        x->beta += ins;
    }
    for (size_t i = 0; i < n; i++)
        free(users[i]);
    free(users);
    return s;
}

as_status as_demand_set_area(as_db *db, const char *backlog_id, const char *area)
{
    if (!db || !backlog_id || !area)
        return db ? as__fail(db, AS_MISUSE, "as_demand_set_area: NULL argument") : AS_MISUSE;
    char why[160];
    if (as__check_id(backlog_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "backlog: %s", why);
    const struct as__feedback_cfg *fc = as__db_config(db)->feedback;
    int known = 0;
    for (size_t i = 0; fc && i < fc->ndims; i++)
        known |= strcmp(fc->dims[i].name, area) == 0;
    if (!known) {
        as_buf b = {0};
        for (size_t i = 0; fc && i < fc->ndims; i++) {
            as__buf_adds(&b, i ? ", " : "");
            as__buf_adds(&b, fc->dims[i].name);
        }
        as_status f = as__fail(db, AS_INVALID, "area: '%.40s' is not a feedback dimension (%s)",
                               area, b.data ? b.data : "none configured");
        as__buf_free(&b);
        return f;
    }
    static const char link_sql[] = "SELECT 1 FROM demand_links WHERE backlog_id = ?1 LIMIT 1";
    static const char sql[] =
        "INSERT INTO demand_areas (backlog_id, area, set_at) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (backlog_id) DO UPDATE SET area = excluded.area, set_at = excluded.set_at"
        " WHERE area <> excluded.area";
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    sqlite3_stmt *st = as__stmt(db, link_sql);
    if (!st)
        return as__write_end(db, AS_INTERNAL);
    sqlite3_bind_text(st, 1, backlog_id, -1, SQLITE_STATIC);
    int linked = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    if (!linked)
        return as__write_end(db, as__fail(db, AS_NOTFOUND,
                                          "backlog: no topic is linked to '%s' (demand link TOPIC"
                                          " --backlog %s)", backlog_id, backlog_id));
    if (!(st = as__stmt(db, sql)))
        return as__write_end(db, AS_INTERNAL);
    sqlite3_bind_text(st, 1, backlog_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, area, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, as__now());
    return as__write_end(db, as__step_done(db, st, "setting a backlog item's area"));
}

as_status as_demand_ship(as_demand_shipment *out, as_db *db, const char *backlog_id, int64_t at)
{
    if (!db || !backlog_id)
        return AS_MISUSE;
    int64_t n = 0, a = 0, k = 0, beta = 0;
    if (!at)
        at = as__now();
    as_status s = as__write_begin(db);
    if (s != AS_OK)
        return s;
    sugg_set ss = {0};
    char **topics = NULL;
    size_t nt = 0, nshipped;
    sqlite3_stmt *st = as__stmt(db, SQL_LINKS_OF);
    if (!st) {
        s = AS_INTERNAL;
        goto done;
    }
    sqlite3_bind_text(st, 1, backlog_id, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char **p = realloc(topics, (nt + 1) * sizeof *p);
        if (!p || !(p[nt] = as__column_dup(st, 0))) {
            if (p)
                topics = p;
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        topics = p;
        nt++;
    }
    sqlite3_reset(st);
    if (s != AS_OK)
        goto done;
    if (!nt) {
        s = as__fail(db, AS_NOTFOUND, "backlog: no topic is linked to '%s' (demand link TOPIC --backlog %s)",
                     backlog_id, backlog_id);
        goto done;
    }
    if ((s = sugg_load(db, &ss)) != AS_OK)
        goto done;
    const struct as__topics_cfg *tc = as__db_config(db)->topics;
    ship_ctx x = {backlog_id, at, tc->beta_head_start, 0, 0, 0, 0};
    for (size_t i = 0; i < nt && s == AS_OK; i++)
        s = ship_topic(db, &ss, &x, topics[i]);
    if (s == AS_OK)
        s = ship_area(db, &x, topics[0]);
    n = x.notified;
    a = x.already;
    k = x.skipped;
    beta = x.beta;
    if (s == AS_OK && (st = as__stmt(db, SQL_SHIPPED))) {
        sqlite3_bind_text(st, 1, backlog_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, at);
        s = as__step_done(db, st, "marking a backlog item shipped");
    } else if (s == AS_OK) {
        s = AS_INTERNAL;
    }
done:
    nshipped = nt;
    for (size_t i = 0; i < nt; i++)
        free(topics[i]);
    free(topics);
    sugg_free(&ss);
    s = as__write_end(db, s);
    if (s == AS_OK && out) {
        out->topics = (int64_t)nshipped;
        out->notified = n;
        out->already_notified = a;
        out->skipped = k;
        out->shipped_at = at;
        out->beta_invited = beta;
    }
    return s;
}
