/* kb.c - the knowledge base: articles, full-text search over Chinese with
 * FTS5's trigram tokenizer, suggestions for a ticket, and resolutions.
 *
 * Search.  A query is split at white space into terms.  When every term
 * has at least three characters, the FTS5 index answers (each term a
 * phrase, all required) ranked by bm25 with the title weighted 10, tags 5,
 * body 1.  A term of one or two characters cannot be a trigram, so such a
 * query scans for substrings instead (instr(), or LIKE for a term with
 * ASCII letters so that case does not matter), ranked by where the terms
 * occur (title before tags before body) and how often they occur in the
 * body.
 *
 * Suggestions.  A ticket's text is cut at white space and punctuation into
 * runs; every trigram of every run (the first AS__KB_MAX_GRAMS distinct
 * ones) goes into one OR query, so articles sharing more, and rarer,
 * three-character pieces with the ticket rank higher; articles of the
 * ticket's category count double.  A text with no trigram gives the
 * category's articles that resolved the most tickets.
 */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    AS__KB_MAX_TITLE = 200,      /* characters */
    AS__KB_MAX_BODY = 100000,    /* characters */
    AS__KB_MAX_TAGS = 20,
    AS__KB_MAX_TAG = 32,         /* characters */
    AS__KB_MAX_TERMS = 16,
    AS__KB_MAX_GRAMS = 96,
    AS__KB_MAX_QUERY = 1000      /* characters of a search query */
};

/* Ranked queries find and sort ids and scores first, then read the
 * columns (and count resolutions) of the few rows kept. */
#define KB_RANKED_HEAD "SELECT " KB_COLS ", s.score FROM ("
#define KB_RANKED_TAIL ") s JOIN kb_articles a ON a.id = s.id ORDER BY s.score DESC, a.id"

#define KB_COLS                                                                            \
    "a.id, a.article_id, a.title, a.body, a.category, a.tags, a.created_at, a.updated_at,"  \
    " (SELECT count(*) FROM kb_resolutions r WHERE r.article_id = a.id) AS resolved,"      \
    " (SELECT max(resolved_at) FROM kb_resolutions r WHERE r.article_id = a.id)"

/* ---- normalising input ------------------------------------------------ */

typedef void (*problem_fn)(void *ctx, const char *field, const char *reason);

typedef struct kb_norm {
    char *article_id;
    char *title;
    char *body;
    char *category;          /* "" when given empty: clear */
    char *tags;
} kb_norm;

static void norm_free(kb_norm *n)
{
    free(n->article_id);
    free(n->title);
    free(n->body);
    free(n->category);
    free(n->tags);
    memset(n, 0, sizeof *n);
}

/* Trim ASCII and ideographic spaces at both ends (in place). */
static char *trim(char *s)
{
    if (!s)
        return s;
    char *p = s;
    for (;;) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        else if ((unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80 &&
                 (unsigned char)p[2] == 0x80)
            p += 3;
        else
            break;
    }
    size_t n = strlen(p);
    for (;;) {
        if (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
            n--;
        else if (n >= 3 && (unsigned char)p[n - 3] == 0xE3 && (unsigned char)p[n - 2] == 0x80 &&
                 (unsigned char)p[n - 1] == 0x80)
            n -= 3;
        else
            break;
    }
    memmove(s, p, n);
    s[n] = '\0';
    return s;
}

static as_status text_field(const char *v, const char *field, size_t maxchars, int required,
                            char **out, problem_fn problem, void *ctx)
{
    char why[160];
    *out = NULL;
    if (!v)
        return AS_OK;
    as_status st = as__text_nfc(v, strlen(v), out, why, sizeof why);
    if (st == AS_NOMEM)
        return st;
    if (st != AS_OK) {
        problem(ctx, field, why);
        return AS_OK;
    }
    trim(*out);
    size_t n = as__utf8_chars(*out);
    if (required && n == 0) {
        problem(ctx, field, "is empty");
    } else if (n > maxchars) {
        snprintf(why, sizeof why, "is %zu characters long (at most %zu)", n, maxchars);
        problem(ctx, field, why);
    }
    return AS_OK;
}

/* Split tags at ',', '，' or '、', trim, drop empties and repeats. */
static as_status norm_tags(const char *v, char **out, problem_fn problem, void *ctx)
{
    char *t = NULL, why[160];
    *out = NULL;
    as_status st = text_field(v, "tags", 100000, 0, &t, problem, ctx);
    if (st != AS_OK || !t)
        return st;
    as_buf b = {0};
    int count = 0;
    char *p = t;
    while (*p) {
        size_t len = 0;
        size_t skip = 0;
        while (p[len]) {
            if (p[len] == ',') {
                skip = 1;
                break;
            }
            if (!strncmp(p + len, "\xEF\xBC\x8C", 3) || !strncmp(p + len, "\xE3\x80\x81", 3)) {
                skip = 3;
                break;
            }
            len++;
        }
        char save = p[len];
        p[len] = '\0';
        char *tag = trim(p);
        if (tag[0]) {
            size_t n = as__utf8_chars(tag);
            int dup = 0;
            if (b.data) {
                size_t tl = strlen(tag);
                for (const char *q = b.data; q && *q;) {
                    size_t ql = strcspn(q, ",");
                    if (ql == tl && !memcmp(q, tag, tl))
                        dup = 1;
                    q += ql;
                    if (*q)
                        q++;
                }
            }
            if (n > AS__KB_MAX_TAG) {
                snprintf(why, sizeof why, "tag '%.40s' is %zu characters long (at most %d)", tag, n,
                         AS__KB_MAX_TAG);
                problem(ctx, "tags", why);
            } else if (!dup) {
                if (++count > AS__KB_MAX_TAGS) {
                    snprintf(why, sizeof why, "more than %d tags", AS__KB_MAX_TAGS);
                    problem(ctx, "tags", why);
                    p[len] = save;
                    break;
                }
                if ((b.len && as__buf_addc(&b, ',') < 0) || as__buf_adds(&b, tag) < 0) {
                    free(t);
                    as__buf_free(&b);
                    return AS_NOMEM;
                }
            }
        }
        p[len] = save;
        p += len + skip;
        if (!save)
            break;
    }
    free(t);
    *out = b.data ? b.data : as__strdup("");
    return *out ? AS_OK : AS_NOMEM;
}

static as_status kb_normalize(const as_kb_input *in, kb_norm *n, problem_fn problem, void *ctx)
{
    char why[160];
    memset(n, 0, sizeof *n);
    as_status st = AS_OK;
    if (in->article_id && in->article_id[0]) {
        if (as__check_id(in->article_id, why, sizeof why) != AS_OK)
            problem(ctx, "article_id", why);
        else if (!(n->article_id = as__strdup(in->article_id)))
            return AS_NOMEM;
    }
    if (st == AS_OK)
        st = text_field(in->title, "title", AS__KB_MAX_TITLE, 1, &n->title, problem, ctx);
    if (st == AS_OK)
        st = text_field(in->body, "body", AS__KB_MAX_BODY, 1, &n->body, problem, ctx);
    if (st == AS_OK && in->category) {
        if (in->category[0] && as__check_id(in->category, why, sizeof why) != AS_OK)
            problem(ctx, "category", why);
        else if (!(n->category = as__strdup(in->category)))
            st = AS_NOMEM;
    }
    if (st == AS_OK)
        st = norm_tags(in->tags, &n->tags, problem, ctx);
    return st;
}

/* Problems of an API call, gathered into one message. */
typedef struct collect {
    as_buf msg;
    int n;
} collect;

static void collect_problem(void *ctx, const char *field, const char *reason)
{
    collect *c = ctx;
    if (c->n++)
        as__buf_adds(&c->msg, "; ");
    if (field) {
        as__buf_adds(&c->msg, field);
        as__buf_adds(&c->msg, ": ");
    }
    as__buf_adds(&c->msg, reason);
}

/* ---- writing -------------------------------------------------------- */

static int same(const char *a, const char *b)
{
    if (!a || !a[0])
        return !b || !b[0];
    return b && strcmp(a, b) == 0;
}

/* Insert or update (by article_id) a normalised article, inside the
 * caller's transaction.  upsert 0: an existing article_id is AS_EXISTS. */
static as_status kb_write(as_db *db, const kb_norm *n, int upsert, int64_t *id_out,
                          as_upsert *result, problem_fn problem, void *ctx)
{
    static const char find_sql[] =
        "SELECT id, title, body, category, tags FROM kb_articles WHERE article_id = ?1";
    static const char ins_sql[] =
        "INSERT INTO kb_articles (article_id, title, body, category, tags, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
    static const char upd_sql[] =
        "UPDATE kb_articles SET title = ?2, body = ?3, category = ?4, tags = ?5, updated_at = ?6"
        " WHERE id = ?1";
    int64_t now = as__now();
    as_status st = AS_OK;
    if (n->article_id) {
        sqlite3_stmt *s = as__stmt(db, find_sql);
        if (!s)
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, n->article_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(s, 0);
            if (!upsert) {
                sqlite3_reset(s);
                return as__fail(db, AS_EXISTS, "article_id '%s' already exists (article %lld)",
                                n->article_id, (long long)id);
            }
            const char *ot = (const char *)sqlite3_column_text(s, 1);
            const char *ob = (const char *)sqlite3_column_text(s, 2);
            const char *oc = (const char *)sqlite3_column_text(s, 3);
            const char *og = (const char *)sqlite3_column_text(s, 4);
            const char *t = n->title ? n->title : ot;
            const char *b = n->body ? n->body : ob;
            const char *c = n->category ? n->category : oc;
            const char *g = n->tags ? n->tags : og;
            if (same(t, ot) && same(b, ob) && same(c, oc) && same(g, og)) {
                sqlite3_reset(s);
                if (result)
                    *result = AS_UPSERT_UNCHANGED;
                if (id_out)
                    *id_out = id;
                return AS_OK;
            }
            /* Copy what the update needs before resetting the reader. */
            char *ct = as__strdup(t), *cb = as__strdup(b), *cc = c ? as__strdup(c) : NULL,
                 *cg = as__strdup(g ? g : "");
            sqlite3_reset(s);
            if (!ct || !cb || (c && !cc) || !cg) {
                st = as__fail(db, AS_NOMEM, "out of memory");
            } else if ((s = as__stmt(db, upd_sql)) == NULL) {
                st = AS_INTERNAL;
            } else {
                sqlite3_bind_int64(s, 1, id);
                sqlite3_bind_text(s, 2, ct, -1, SQLITE_STATIC);
                sqlite3_bind_text(s, 3, cb, -1, SQLITE_STATIC);
                as__bind_nonempty_or_null(s, 4, cc);
                sqlite3_bind_text(s, 5, cg, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 6, now);
                st = as__step_done(db, s, "updating an article");
            }
            free(ct);
            free(cb);
            free(cc);
            free(cg);
            if (st == AS_OK) {
                if (result)
                    *result = AS_UPSERT_UPDATED;
                if (id_out)
                    *id_out = id;
            }
            return st;
        }
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return as__sqlfail(db, rc, "reading an article");
    }
    /* A new article needs its title and body. */
    if (!n->title || !n->body) {
        if (!n->title)
            problem(ctx, "title", "is missing");
        if (!n->body)
            problem(ctx, "body", "is missing");
        return AS_INVALID;
    }
    sqlite3_stmt *s = as__stmt(db, ins_sql);
    if (!s)
        return AS_INTERNAL;
    as__bind_nonempty_or_null(s, 1, n->article_id);
    sqlite3_bind_text(s, 2, n->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, n->body, -1, SQLITE_STATIC);
    as__bind_nonempty_or_null(s, 4, n->category);
    sqlite3_bind_text(s, 5, n->tags ? n->tags : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, now);
    st = as__step_done(db, s, "adding an article");
    if (st == AS_OK) {
        if (result)
            *result = AS_UPSERT_INSERTED;
        if (id_out)
            *id_out = sqlite3_last_insert_rowid(db->sql);
    }
    return st;
}

static as_status kb_put(as_db *db, const as_kb_input *in, int upsert, int64_t *id_out,
                        as_upsert *result)
{
    if (!db || !in)
        return db ? as__fail(db, AS_MISUSE, "kb: NULL argument") : AS_MISUSE;
    if (in->version != AS_KB_INPUT_VERSION)
        return as__fail(db, AS_MISUSE, "kb: unknown as_kb_input version");
    if (upsert && (!in->article_id || !in->article_id[0]))
        return as__fail(db, AS_INVALID, "article_id: is missing (an upsert needs the key)");
    collect c = {0};
    kb_norm n;
    as_status st = kb_normalize(in, &n, collect_problem, &c);
    if (st == AS_OK && !c.n) {
        st = as__write_begin(db);
        if (st == AS_OK)
            st = as__write_end(db, kb_write(db, &n, upsert, id_out, result, collect_problem, &c));
    }
    if (st == AS_NOMEM)
        st = as__fail(db, AS_NOMEM, "out of memory");
    else if (c.n)
        st = as__fail(db, AS_INVALID, "%s", c.msg.data ? c.msg.data : "invalid article");
    else if (st == AS_OK)
        as__ok(db);
    as__buf_free(&c.msg);
    norm_free(&n);
    return st;
}

as_status as_kb_add(as_db *db, const as_kb_input *in, int64_t *id_out)
{
    return kb_put(db, in, 0, id_out, NULL);
}

as_status as_kb_upsert(as_db *db, const as_kb_input *in, int64_t *id_out, as_upsert *result)
{
    return kb_put(db, in, 1, id_out, result);
}

/* ---- import --------------------------------------------------------- */

enum { COL_ARTICLE_ID, COL_TITLE, COL_BODY, COL_CATEGORY, COL_TAGS, NCOLS };

static const char *const columns[NCOLS + 1] = {"article_id", "title", "body", "category", "tags",
                                               NULL};

static void import_problem(void *ctx, const char *field, const char *reason)
{
    as__import_problem(ctx, field, reason);
}

static as_status kb_row(as__import *im, const char *const *cells, const char *extra,
                        as_upsert *result, void *ctx)
{
    (void)extra;
    (void)ctx;
    as_kb_input in = AS_KB_INPUT_INIT;
    in.article_id = cells[COL_ARTICLE_ID];
    in.title = cells[COL_TITLE];
    in.body = cells[COL_BODY];
    in.category = cells[COL_CATEGORY];
    in.tags = cells[COL_TAGS];
    if (!in.article_id || !in.article_id[0]) {
        as__import_problem(im, "article_id", "is missing");
        return AS_OK;
    }
    kb_norm n;
    as_status st = kb_normalize(&in, &n, import_problem, im);
    if (st == AS_OK && !as__import_row_problems(im)) {
        st = kb_write(as__import_db(im), &n, 1, NULL, result, import_problem, im);
        if (st == AS_INVALID && as__import_row_problems(im))
            st = AS_OK;   /* reported: the row counts as rejected */
    }
    norm_free(&n);
    if (st == AS_NOMEM)
        st = as__fail(as__import_db(im), AS_NOMEM, "out of memory");
    return st;
}

as_status as_kb_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                       as_import_stats *stats)
{
    static const as__import_spec spec = {
        .columns = columns,
        .nrequired = 3,
        .flags = 0,
        .row = kb_row,
        .ctx = NULL,
    };
    return as__import_run(db, in, name, opts, &spec, stats);
}

/* ---- resolutions ------------------------------------------------------ */

as_status as_kb_record_resolution(as_db *db, int64_t article_id, const char *ticket_ref,
                                  const char *user_id, int64_t at)
{
    static const char find_sql[] = "SELECT 1 FROM kb_articles WHERE id = ?1";
    static const char ins_sql[] =
        "INSERT INTO kb_resolutions (article_id, ticket_ref, user_id, resolved_at)"
        " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (article_id, ticket_ref) DO NOTHING";
    char why[160];
    if (!db || !ticket_ref)
        return db ? as__fail(db, AS_MISUSE, "as_kb_record_resolution: NULL argument") : AS_MISUSE;
    if (as__check_id(ticket_ref, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "ticket_ref: %s", why);
    if (user_id && user_id[0] && as__check_id(user_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "user_id: %s", why);
    if (at == 0)
        at = as__now();
    as_status st = as__write_begin(db);
    if (st != AS_OK)
        return st;
    sqlite3_stmt *s = as__stmt(db, find_sql);
    if (!s)
        return as__write_end(db, AS_INTERNAL);
    sqlite3_bind_int64(s, 1, article_id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return as__write_end(db, as__fail(db, AS_NOTFOUND, "no article %lld", (long long)article_id));
    if (rc != SQLITE_ROW)
        return as__write_end(db, as__sqlfail(db, rc, "reading an article"));
    if (!(s = as__stmt(db, ins_sql)))
        return as__write_end(db, AS_INTERNAL);
    sqlite3_bind_int64(s, 1, article_id);
    sqlite3_bind_text(s, 2, ticket_ref, -1, SQLITE_STATIC);
    as__bind_nonempty_or_null(s, 3, user_id);
    sqlite3_bind_int64(s, 4, at);
    st = as__step_done(db, s, "recording a resolution");
    st = as__write_end(db, st);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

/* ---- reading ----------------------------------------------------------- */

struct as_kb_iter {
    as_db *db;
    sqlite3_stmt *st;        /* owned: dynamic SQL */
    as_kb_article view;
    char *tagbuf;            /* the view's tags: a copy of the stored "a,b" */
    size_t tagcap;
    const char **tagv;
    size_t tagvcap;
};

/* The stored tags "a,b" (no tag holds a comma: the input splits at them)
 * as count and total bytes with NULs. */
static size_t tag_count(const char *t)
{
    if (!t || !t[0])
        return 0;
    size_t n = 1;
    for (; *t; t++)
        n += *t == ',';
    return n;
}

/* Copy the stored tags into buf (strlen(t) + 1 bytes), cut at the commas,
 * and point v[0..n) at them. */
static void tag_split(const char *t, char *buf, const char **v)
{
    size_t len = strlen(t), k = 0;
    memcpy(buf, t, len + 1);
    v[k++] = buf;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == ',') {
            buf[i] = '\0';
            v[k++] = buf + i + 1;
        }
    }
}

/* Every field but the tags (borrowed from the statement). */
static void fill(as_kb_article *a, sqlite3_stmt *s)
{
    a->id = sqlite3_column_int64(s, 0);
    a->article_id = (const char *)sqlite3_column_text(s, 1);
    a->title = (const char *)sqlite3_column_text(s, 2);
    a->body = (const char *)sqlite3_column_text(s, 3);
    a->category = (const char *)sqlite3_column_text(s, 4);
    a->tags = NULL;
    a->ntags = 0;
    a->created_at = sqlite3_column_int64(s, 6);
    a->updated_at = sqlite3_column_int64(s, 7);
    a->resolved = sqlite3_column_int64(s, 8);
    a->last_resolved_at = sqlite3_column_int64(s, 9);
    a->score = sqlite3_column_double(s, 10);
}

static as_status iter_new(as_kb_iter **out, as_db *db, const char *sql)
{
    *out = NULL;
    as_kb_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    it->db = db;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "preparing a knowledge base query");
    }
    *out = it;
    return AS_OK;
}

as_status as_kb_next(as_kb_iter *it, const as_kb_article **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "reading articles");
    fill(&it->view, it->st);
    const char *t = (const char *)sqlite3_column_text(it->st, 5);
    size_t n = tag_count(t);
    if (n) {
        size_t len = strlen(t) + 1;
        if (len > it->tagcap) {
            char *b = realloc(it->tagbuf, len);
            if (!b)
                return as__fail(it->db, AS_NOMEM, "out of memory");
            it->tagbuf = b;
            it->tagcap = len;
        }
        if (n > it->tagvcap) {
            const char **v = realloc(it->tagv, n * sizeof *v);
            if (!v)
                return as__fail(it->db, AS_NOMEM, "out of memory");
            it->tagv = v;
            it->tagvcap = n;
        }
        tag_split(t, it->tagbuf, it->tagv);
        it->view.tags = it->tagv;
        it->view.ntags = n;
    }
    *view = &it->view;
    return AS_OK;
}

void as_kb_iter_free(as_kb_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it->tagbuf);
    free(it->tagv);
    free(it);
}

/* An article from get_one is one block: the struct, the tags array, then
 * the strings. */
void as_kb_article_free(as_kb_article *a)
{
    free(a);
}

/* One article copied into a single allocation. */
static as_status get_one(as_kb_article **out, as_db *db, const char *sql, const char *key,
                         int64_t id)
{
    *out = NULL;
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    if (key)
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        if (rc == SQLITE_DONE)
            return key ? as__fail(db, AS_NOTFOUND, "no article with article_id '%s'", key)
                       : as__fail(db, AS_NOTFOUND, "no article %lld", (long long)id);
        return as__sqlfail(db, rc, "reading an article");
    }
    as_kb_article v;
    fill(&v, s);
    const char *tags = (const char *)sqlite3_column_text(s, 5);
    size_t ntags = tag_count(tags);
    const char *strs[5] = {v.article_id, v.title, v.body, v.category, ntags ? tags : NULL};
    size_t size = sizeof v + ntags * sizeof(const char *);
    for (int i = 0; i < 5; i++)
        size += strs[i] ? strlen(strs[i]) + 1 : 0;
    as_kb_article *a = malloc(size);
    if (!a) {
        sqlite3_reset(s);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    *a = v;
    const char **tagv = (const char **)(a + 1);
    char *p = (char *)(tagv + ntags);
    const char **dst[4] = {&a->article_id, &a->title, &a->body, &a->category};
    for (int i = 0; i < 4; i++) {
        if (!strs[i]) {
            *dst[i] = NULL;
            continue;
        }
        size_t n = strlen(strs[i]) + 1;
        memcpy(p, strs[i], n);
        *dst[i] = p;
        p += n;
    }
    if (ntags) {
        tag_split(tags, p, tagv);
        a->tags = tagv;
        a->ntags = ntags;
    }
    sqlite3_reset(s);
    *out = a;
    as__ok(db);
    return AS_OK;
}

as_status as_kb_get(as_kb_article **out, as_db *db, int64_t id)
{
    static const char sql[] = "SELECT " KB_COLS ", 0.0 FROM kb_articles a WHERE a.id = ?1";
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_kb_get: NULL argument") : AS_MISUSE;
    return get_one(out, db, sql, NULL, id);
}

as_status as_kb_get_by_key(as_kb_article **out, as_db *db, const char *article_id)
{
    static const char sql[] = "SELECT " KB_COLS ", 0.0 FROM kb_articles a WHERE a.article_id = ?1";
    if (!out || !db || !article_id)
        return db ? as__fail(db, AS_MISUSE, "as_kb_get_by_key: NULL argument") : AS_MISUSE;
    return get_one(out, db, sql, article_id, 0);
}

static as_status check_query(as_db *db, const as_kb_query *q)
{
    if (q && q->version != AS_KB_QUERY_VERSION)
        return as__fail(db, AS_MISUSE, "kb: unknown as_kb_query version");
    return AS_OK;
}

static void bind_query(sqlite3_stmt *s, int cat_i, int limit_i, const as_kb_query *q)
{
    if (q && q->category && q->category[0])
        sqlite3_bind_text(s, cat_i, q->category, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, limit_i, q && q->limit > 0 ? q->limit : -1);
}

as_status as_kb_list_iter_new(as_kb_iter **out, as_db *db, const as_kb_query *q)
{
    static const char sql[] = "SELECT " KB_COLS ", 0.0 FROM kb_articles a"
                              " WHERE (?1 IS NULL OR a.category = ?1) ORDER BY a.id LIMIT ?2";
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_kb_list_iter_new: NULL argument") : AS_MISUSE;
    as_status st = check_query(db, q);
    if (st == AS_OK)
        st = iter_new(out, db, sql);
    if (st == AS_OK)
        bind_query((*out)->st, 1, 2, q);
    return st;
}

as_status as_kb_stats_iter_new(as_kb_iter **out, as_db *db, const as_kb_query *q)
{
    static const char sql[] = "SELECT " KB_COLS ", 0.0 FROM kb_articles a"
                              " WHERE (?1 IS NULL OR a.category = ?1)"
                              " ORDER BY resolved DESC, a.id LIMIT ?2";
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_kb_stats_iter_new: NULL argument") : AS_MISUSE;
    as_status st = check_query(db, q);
    if (st == AS_OK)
        st = iter_new(out, db, sql);
    if (st == AS_OK)
        bind_query((*out)->st, 1, 2, q);
    return st;
}

/* Append s as an FTS5 string ("..." with quotes doubled). */
static int fts_quote(as_buf *b, const char *s, size_t n)
{
    int rc = as__buf_addc(b, '"');
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = s[i] == '"' ? as__buf_add(b, "\"\"", 2) : as__buf_addc(b, s[i]);
    return rc ? rc : as__buf_addc(b, '"');
}

/* The character at s (s < end) and its length, through the one decoder
 * (as__utf8_decode).  kb text is validated on input; should an invalid
 * byte appear anyway, it is taken alone as U+FFFD, never reading past end. */
static inline size_t next_char(const unsigned char *s, const unsigned char *end, uint32_t *cp)
{
    size_t k = as__utf8_decode(s, (size_t)(end - s), cp);
    if (k)
        return k;
    *cp = 0xFFFD;
    return 1;
}

static int is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
           c == 0x3000 || c == 0xA0;
}

/* White space and punctuation: where suggestion runs are cut. */
static int is_break(uint32_t c)
{
    if (is_space(c))
        return 1;
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '_' || c >= 0x80);
    return (c >= 0x2000 && c <= 0x206F) ||   /* general punctuation: “” … */
           (c >= 0x3000 && c <= 0x303F) ||   /* CJK punctuation: 。、「」 */
           (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
           (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

/* Normalise query text: valid UTF-8, NFC.  Reports AS_INVALID. */
static as_status query_text(as_db *db, const char *what, const char *text, char **out)
{
    char why[160];
    as_status st = as__text_nfc(text, strlen(text), out, why, sizeof why);
    if (st == AS_NOMEM)
        return as__fail(db, st, "out of memory");
    if (st != AS_OK)
        return as__fail(db, st, "%s: %s", what, why);
    return AS_OK;
}

/* Append a LIKE pattern %s% with \ escapes. */
static int like_pattern(as_buf *b, const char *s, size_t n)
{
    int rc = as__buf_addc(b, '%');
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
            rc = as__buf_addc(b, '\\');
        if (rc == 0)
            rc = as__buf_addc(b, s[i]);
    }
    return rc ? rc : as__buf_addc(b, '%');
}

typedef struct kb_term {
    const char *p;           /* into the normalised query */
    size_t n;                /* bytes */
    size_t chars;
} kb_term;

/* SQL tests "column contains term" for title, tags and body: LIKE (ASCII
 * case-insensitive) when the term has ASCII letters, else instr(). */
static void term_tests(const kb_term *t, int pat_i, int term_i, char title[64], char tags[64],
                       char body[64])
{
    int letters = 0;
    for (size_t i = 0; i < t->n; i++)
        letters |= (t->p[i] >= 'a' && t->p[i] <= 'z') || (t->p[i] >= 'A' && t->p[i] <= 'Z');
    if (letters) {
        snprintf(title, 64, "a.title LIKE ?%d ESCAPE '\\'", pat_i);
        snprintf(tags, 64, "a.tags LIKE ?%d ESCAPE '\\'", pat_i);
        snprintf(body, 64, "a.body LIKE ?%d ESCAPE '\\'", pat_i);
    } else {
        snprintf(title, 64, "instr(a.title, ?%d) > 0", term_i);
        snprintf(tags, 64, "instr(a.tags, ?%d) > 0", term_i);
        snprintf(body, 64, "instr(a.body, ?%d) > 0", term_i);
    }
}

as_status as_kb_search_iter_new(as_kb_iter **out, as_db *db, const char *text,
                                const as_kb_query *q)
{
    if (!out || !db || !text)
        return db ? as__fail(db, AS_MISUSE, "as_kb_search_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    as_status st = check_query(db, q);
    if (st != AS_OK)
        return st;
    char *norm = NULL;
    if ((st = query_text(db, "query", text, &norm)) != AS_OK)
        return st;
    /* Split into terms at white space. */
    kb_term terms[AS__KB_MAX_TERMS];
    int nterms = 0, all_long = 1;
    const unsigned char *s = (const unsigned char *)norm;
    const unsigned char *end = s + strlen(norm);
    size_t total_chars = 0;
    while (*s) {
        uint32_t cp;
        size_t k = next_char(s, end, &cp);
        if (is_space(cp)) {
            s += k;
            continue;
        }
        const unsigned char *start = s;
        size_t chars = 0;
        while (*s) {
            k = next_char(s, end, &cp);
            if (is_space(cp))
                break;
            s += k;
            chars++;
        }
        total_chars += chars;
        if (nterms == AS__KB_MAX_TERMS) {
            free(norm);
            return as__fail(db, AS_INVALID, "query: more than %d words", AS__KB_MAX_TERMS);
        }
        terms[nterms].p = (const char *)start;
        terms[nterms].n = (size_t)(s - start);
        terms[nterms].chars = chars;
        if (chars < 3)
            all_long = 0;
        nterms++;
    }
    if (nterms == 0) {
        free(norm);
        return as__fail(db, AS_INVALID, "query: is empty");
    }
    if (total_chars > AS__KB_MAX_QUERY) {
        free(norm);
        return as__fail(db, AS_INVALID, "query: longer than %d characters", AS__KB_MAX_QUERY);
    }

    as_buf sql = {0}, match = {0};
    int oom = 0;
    if (all_long) {
        /* FTS5: every term a phrase, all required. */
        for (int i = 0; i < nterms; i++) {
            if (i)
                oom |= as__buf_addc(&match, ' ');
            oom |= fts_quote(&match, terms[i].p, terms[i].n);
        }
        oom |= as__buf_adds(&sql, KB_RANKED_HEAD
                                  "SELECT a.id AS id, -bm25(kb_fts, 10.0, 1.0, 5.0) AS score"
                                  " FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid"
                                  " WHERE kb_fts MATCH ?1 AND (?2 IS NULL OR a.category = ?2)"
                                  " ORDER BY score DESC, a.id LIMIT ?3" KB_RANKED_TAIL);
    } else {
        /* Substring match over title, tags and body; ?1 unused, ?2
         * category, ?3 limit, ?(4 + 2i) the LIKE pattern of term i, ?(5 + 2i)
         * the term itself.  A term without ASCII letters needs no case
         * folding, so instr() does (much faster than LIKE ... ESCAPE). */
        oom |= as__buf_adds(&sql, KB_RANKED_HEAD "SELECT a.id AS id, (0.0");
        char frag[600], t_title[64], t_tags[64], t_body[64];
        for (int i = 0; i < nterms; i++) {
            int p = 4 + 2 * i, t = 5 + 2 * i;
            term_tests(&terms[i], p, t, t_title, t_tags, t_body);
            snprintf(frag, sizeof frag,
                     " + 10.0 * (%s) + 5.0 * (%s) + 1.0 * (%s)"
                     " + 0.05 * min(20, (length(a.body) - length(replace(a.body, ?%d, '')))"
                     " / length(?%d))", t_title, t_tags, t_body, t, t);
            oom |= as__buf_adds(&sql, frag);
        }
        oom |= as__buf_adds(&sql, ") AS score FROM kb_articles a WHERE (?2 IS NULL OR a.category = ?2)");
        for (int i = 0; i < nterms; i++) {
            int p = 4 + 2 * i, t = 5 + 2 * i;
            term_tests(&terms[i], p, t, t_title, t_tags, t_body);
            snprintf(frag, sizeof frag, " AND ((%s) OR (%s) OR (%s))", t_title, t_tags, t_body);
            oom |= as__buf_adds(&sql, frag);
        }
        oom |= as__buf_adds(&sql, " AND ?1 IS NULL ORDER BY score DESC, a.id LIMIT ?3" KB_RANKED_TAIL);
    }
    if (oom) {
        st = as__fail(db, AS_NOMEM, "out of memory");
    } else if ((st = iter_new(out, db, sql.data)) == AS_OK) {
        sqlite3_stmt *ps = (*out)->st;
        if (all_long) {
            sqlite3_bind_text(ps, 1, match.data, -1, SQLITE_TRANSIENT);
        } else {
            for (int i = 0; i < nterms && st == AS_OK; i++) {
                as_buf pat = {0};
                if (like_pattern(&pat, terms[i].p, terms[i].n) < 0) {
                    st = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                sqlite3_bind_text(ps, 4 + 2 * i, pat.data, (int)pat.len, SQLITE_TRANSIENT);
                sqlite3_bind_text(ps, 5 + 2 * i, terms[i].p, (int)terms[i].n, SQLITE_TRANSIENT);
                as__buf_free(&pat);
            }
        }
        bind_query(ps, 2, 3, q);
        if (st != AS_OK) {
            as_kb_iter_free(*out);
            *out = NULL;
        }
    }
    as__buf_free(&sql);
    as__buf_free(&match);
    free(norm);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

as_status as_kb_suggest_iter_new(as_kb_iter **out, as_db *db, const char *text,
                                 const as_kb_query *q)
{
    static const char match_sql[] =
        KB_RANKED_HEAD "SELECT a.id AS id, -bm25(kb_fts, 10.0, 1.0, 5.0)"
        " * (CASE WHEN ?2 IS NOT NULL AND a.category = ?2 THEN 2.0 ELSE 1.0 END) AS score"
        " FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid"
        " WHERE kb_fts MATCH ?1 ORDER BY score DESC, a.id LIMIT ?3" KB_RANKED_TAIL;
    static const char category_sql[] =
        "SELECT " KB_COLS ", 0.0 FROM kb_articles a WHERE a.category = ?2 AND ?1 IS NULL"
        " ORDER BY resolved DESC, a.id LIMIT ?3";
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_kb_suggest_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    as_status st = check_query(db, q);
    if (st != AS_OK)
        return st;
    const char *category = q ? q->category : NULL;
    int64_t limit = q ? q->limit : 0;
    char *norm = NULL;
    st = query_text(db, "text", text ? text : "", &norm);
    if (st != AS_OK)
        return st;
    /* The distinct trigrams of the runs between breaks. */
    as_buf match = {0};
    int ngrams = 0, oom = 0;
    const unsigned char *s = (const unsigned char *)norm;
    const unsigned char *end = s + strlen(norm);
    const unsigned char *run[3] = {NULL, NULL, NULL};   /* the last three characters */
    int inrun = 0;
    while (*s && ngrams < AS__KB_MAX_GRAMS && !oom) {
        uint32_t cp;
        size_t k = next_char(s, end, &cp);
        if (is_break(cp)) {
            inrun = 0;
            s += k;
            continue;
        }
        run[0] = run[1];
        run[1] = run[2];
        run[2] = s;
        s += k;
        if (++inrun < 3)
            continue;
        const char *g = (const char *)run[0];
        size_t glen = (size_t)(s - run[0]);
        /* Skip a trigram already in the query. */
        int dup = 0;
        if (match.data) {
            as_buf quoted = {0};
            oom |= fts_quote(&quoted, g, glen);
            dup = quoted.data && strstr(match.data, quoted.data) != NULL;
            as__buf_free(&quoted);
        }
        if (dup)
            continue;
        if (ngrams++)
            oom |= as__buf_adds(&match, " OR ");
        oom |= fts_quote(&match, g, glen);
    }
    free(norm);
    if (oom) {
        as__buf_free(&match);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    if (!ngrams && !(category && category[0])) {
        /* Nothing to go on: an empty result. */
        st = iter_new(out, db, "SELECT " KB_COLS ", 0.0 FROM kb_articles a WHERE 0");
        as__buf_free(&match);
        return st;
    }
    st = iter_new(out, db, ngrams ? match_sql : category_sql);
    if (st == AS_OK) {
        sqlite3_stmt *ps = (*out)->st;
        if (ngrams)
            sqlite3_bind_text(ps, 1, match.data, -1, SQLITE_TRANSIENT);
        if (category && category[0])
            sqlite3_bind_text(ps, 2, category, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ps, 3, limit > 0 ? limit : -1);
        as__ok(db);
    }
    as__buf_free(&match);
    return st;
}
