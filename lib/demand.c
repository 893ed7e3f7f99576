/* demand.c - demand mining: suggestions grouped into dictionary topics and
 * frequent phrases, links to backlog items, and notifying users on ship. */
#include "feedback.h"
#include "import.h"
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The suggestions, newest first. */
typedef struct sugg {
    char *user;              /* user_id, or "#feedback_id" for anonymous feedback */
    int anonymous;
    int64_t at;
    char *text;
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
        ss->n++;
        if (!g->user || !g->text)
            goto nomem;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading suggestions");
    return AS_OK;
nomem:
    sqlite3_reset(st);
    return as__fail(db, AS_NOMEM, "out of memory");
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

/* An n-gram occurrence: "gram\037user", the suggestion's index. */
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

typedef struct cand {
    char *gram;
    int64_t users, nfb;
    size_t newest;
    size_t chars;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->users != y->users)
        return x->users < y->users ? 1 : -1;
    if (x->chars != y->chars)
        return x->chars < y->chars ? 1 : -1;
    if (x->newest != y->newest)
        return x->newest > y->newest ? 1 : -1;
    return strcmp(x->gram, y->gram);
}

/* A CJK ideograph encoded in 3 UTF-8 bytes (U+3400..U+9FFF). */
static int is_cjk3(const unsigned char *p)
{
    if (p[0] < 0xE3 || p[0] > 0xE9 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
        return 0;
    unsigned cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return cp >= 0x3400 && cp <= 0x9FFF;
}

/* Collect the 2-4 character grams of text into g (repeats within a text
 * are told apart later by their index). */
static int collect_grams(const char *text, size_t idx, const char *user, gram **g, size_t *n,
                         size_t *cap)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        if (!is_cjk3(p)) {
            p++;
            continue;
        }
        size_t run = 0;
        while (is_cjk3(p + 3 * run))
            run++;
        for (size_t i = 0; i < run; i++)
            for (size_t len = 2; len <= 4 && i + len <= run; len++) {
                if (*n == *cap) {
                    size_t c = *cap ? *cap * 2 : 1024;
                    gram *q = realloc(*g, c * sizeof *q);
                    if (!q)
                        return -1;
                    *g = q;
                    *cap = c;
                }
                char *key = as__printf("%.*s\037%s", (int)(3 * len), (const char *)p + 3 * i,
                                       user);
                if (!key)
                    return -1;
                (*g)[(*n)++] = (gram){key, idx};
            }
        p += 3 * run;
    }
    return 0;
}

/* Mine frequent phrases among the unmatched suggestions into it. */
static int mine_phrases(const struct as__topics_cfg *tc, const sugg_set *ss, const char *unmatched,
                        as_demand_iter *it, size_t *cap)
{
    gram *g = NULL;
    size_t ng = 0, gcap = 0;
    cand *c = NULL;
    size_t nc = 0;
    int rc = -1;
    size_t mined = 0;
    for (size_t i = 0; i < ss->n && mined < AS__DEMAND_MINE_MAX; i++)
        if (unmatched[i]) {
            mined++;
            if (collect_grams(ss->s[i].text, i, ss->s[i].user, &g, &ng, &gcap) < 0)
                goto out;
        }
    if (ng > 1)
        qsort(g, ng, sizeof *g, cmp_gram);
    c = calloc(ng ? ng : 1, sizeof *c);
    if (!c)
        goto out;
    for (size_t i = 0; i < ng;) {
        const char *sep = strchr(g[i].key, '\037');
        size_t glen = (size_t)(sep - g[i].key);
        size_t j = i;
        int64_t users = 0;
        size_t newest = g[i].idx;
        int64_t nfb = 0;
        while (j < ng && strncmp(g[j].key, g[i].key, glen + 1) == 0) {
            int new_key = j == i || strcmp(g[j].key, g[j - 1].key) != 0;
            users += new_key;
            nfb += new_key || g[j].idx != g[j - 1].idx;
            if (g[j].idx < newest)
                newest = g[j].idx;
            j++;
        }
        if (users >= tc->min_users) {
            char *gr = as__strndup(g[i].key, glen);
            if (!gr)
                goto out;
            if (has_any(gr, tc->stoplist, tc->nstop) || has_any(gr, tc->markers, tc->nmarkers)) {
                free(gr);
            } else {
                c[nc++] = (cand){gr, users, nfb, newest, glen / 3};
            }
        }
        i = j;
    }
    if (nc > 1)
        qsort(c, nc, sizeof *c, cmp_cand);
    size_t first = it->n;
    for (size_t i = 0; i < nc && (int)(it->n - first) < tc->max_phrases; i++) {
        int overlap = 0;
        for (size_t k = first; k < it->n && !overlap; k++)
            overlap = strstr(it->rows[k].topic, c[i].gram) || strstr(c[i].gram, it->rows[k].topic);
        if (overlap)
            continue;
        if (add_row(it, cap, c[i].gram, "phrase", c[i].users, c[i].nfb, ss->s[c[i].newest].at,
                    ss->s[c[i].newest].text) < 0)
            goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; i < ng; i++)
        free(g[i].key);
    free(g);
    for (size_t i = 0; i < nc; i++)
        free(c[i].gram);
    free(c);
    return rc;
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

as_status as_demand_iter_new(as_demand_iter **out, as_db *db, int64_t limit)
{
    if (!out || !db || limit < 0)
        return AS_MISUSE;
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
                    ss.s[newest].text) < 0) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            goto fail;
        }
    }
    if (tc->max_phrases > 0 && mine_phrases(tc, &ss, unmatched, it, &cap) < 0) {
        s = as__fail(db, AS_NOMEM, "out of memory");
        goto fail;
    }
    if (it->n > 1)
        qsort(it->rows, it->n, sizeof *it->rows, cmp_topic_row);
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
            s = AS_INTERNAL;
            goto fail;
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
    free(unmatched);
    free(users);
    sugg_free(&ss);
    as__ok(db);
    *out = it;
    return AS_OK;
fail:
    free(unmatched);
    free(users);
    sugg_free(&ss);
    as_demand_iter_free(it);
    return s;
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

as_status as_demand_link(as_db *db, const char *topic, const char *backlog_id)
{
    if (!db || !topic || !backlog_id)
        return AS_MISUSE;
    char why[160];
    if (as__check_id(backlog_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "backlog: %s", why);
    char *t = NULL;
    as_status s = as__text_nfc(topic, strlen(topic), &t, why, sizeof why);
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
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st) {
        s = AS_INTERNAL;
    } else {
        sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, backlog_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, as__now());
        s = as__step_done(db, st, "linking a demand");
    }
    s = as__write_end(db, s);
    free(t);
    return s;
}

static const char SQL_LINKS_OF[] =
    "SELECT topic FROM demand_links WHERE backlog_id = ?1 ORDER BY linked_at, topic";
static const char SQL_USER_OK[] =
    "SELECT consent_service = 1 AND erased_at IS NULL FROM users WHERE user_id = ?1";
static const char SQL_SHIPPED[] =
    "UPDATE demand_links SET shipped_at = ?2 WHERE backlog_id = ?1 AND shipped_at IS NULL";

/* Notify the users behind one topic. */
static as_status ship_topic(as_db *db, const sugg_set *ss, const char *backlog_id,
                            const char *topic, int64_t at, int64_t *notified, int64_t *already,
                            int64_t *skipped)
{
    const struct as__topics_cfg *tc = as__db_config(db)->topics;
    char *const *kw = (char *const *)&topic;
    size_t nkw = 1;
    for (size_t t = 0; t < tc->ntopics; t++)
        if (strcmp(tc->topics[t].name, topic) == 0) {
            kw = tc->topics[t].keywords;
            nkw = tc->topics[t].nkeywords;
        }
    as_status s = AS_OK;
    char *payload = NULL, *body = NULL;
    as_buf pb = {0};
    as__buf_adds(&pb, "{\"backlog_id\":");
    as__json_quote(&pb, backlog_id);
    as__buf_adds(&pb, ",\"topic\":");
    as__json_quote(&pb, topic);
    if (as__buf_add(&pb, "}", 2) < 0)
        return as__fail(db, AS_NOMEM, "out of memory");
    payload = pb.data;
    body = as__printf("您建议的「%s」已经上线，欢迎体验，并告诉我们您的感受。", topic);
    if (!body) {
        as__buf_free(&pb);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
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
        sqlite3_stmt *st = as__stmt(db, SQL_USER_OK);
        if (!st) {
            s = AS_INTERNAL;
            break;
        }
        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        int ok = sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        if (!ok) {
            (*skipped)++;
            continue;
        }
        char *key = as__printf("demand:%s:%s", backlog_id, user);
        if (!key) {
            s = as__fail(db, AS_NOMEM, "out of memory");
            break;
        }
        as__outbox_msg m = {user, "demand_shipped", key, AS__PRIO_SERVICE,
                            "您的建议已上线", body, payload, at, at};
        int ins = 0;
        s = as__outbox_enqueue(db, &m, &ins);
        free(key);
        if (ins)
            (*notified)++;
        else
            (*already)++;
    }
    free(users);
    free(body);
    as__buf_free(&pb);
    return s;
}

as_status as_demand_ship(as_demand_shipment *out, as_db *db, const char *backlog_id, int64_t at)
{
    if (!db || !backlog_id)
        return AS_MISUSE;
    int64_t n = 0, a = 0, k = 0;
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
    for (size_t i = 0; i < nt && s == AS_OK; i++)
        s = ship_topic(db, &ss, backlog_id, topics[i], at, &n, &a, &k);
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
    }
    return s;
}
