/* erase.c - erasing a person's identifiers from free text (PIPL): the
 * redaction of a text or a JSON value, the sweep of every table, and the
 * care for the file itself (free pages, FTS segments, leftover bytes).
 * as_user_forget() in user.c runs it inside the erasure's transaction. */
#include "erase.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- identifiers ----------------------------------------------------- */

void as__erase_ids_free(as__erase_ids *ids)
{
    free(ids->name);
    for (size_t i = 0; i < ids->nplates; i++)
        free(ids->plates[i]);
    free(ids->plates);
    memset(ids, 0, sizeof *ids);
}

static int is_alnum_ascii(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alpha_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

as_status as__erase_ids_load(as_db *db, const char *user_id, as__erase_ids *ids)
{
    memset(ids, 0, sizeof *ids);
    static const char user_sql[] = "SELECT name, phone FROM users WHERE user_id = ?1";
    static const char plates_sql[] =
        "SELECT plate FROM vehicles WHERE user_id = ?1 AND plate IS NOT NULL"
        " UNION SELECT plate FROM fuelings WHERE user_id = ?1 AND plate IS NOT NULL";
    sqlite3_stmt *st = as__stmt(db, user_sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *name = as__column_text(st, 0), *phone = as__column_text(st, 1);
        if (name && name[0] && !(ids->name = as__strdup(name))) {
            sqlite3_reset(st);
            return as__fail(db, AS_NOMEM, "out of memory");
        }
        if (phone && strlen(phone) == 11)
            memcpy(ids->phone, phone, 12);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a user");
    if (ids->name) {
        ids->name_len = strlen(ids->name);
        ids->name_ascii = 1;
        for (size_t i = 0; i < ids->name_len; i++)
            if ((unsigned char)ids->name[i] >= 0x80)
                ids->name_ascii = 0;
    }
    if (!(st = as__stmt(db, plates_sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, user_id, -1, SQLITE_STATIC);
    size_t cap = 0;
    as_status s = AS_OK;
    while (s == AS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *plate = as__column_text(st, 0);
        if (!plate || strlen(plate) < 4)
            continue;
        if (ids->nplates == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            char **p = realloc(ids->plates, ncap * sizeof *p);
            if (!p) {
                s = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            ids->plates = p;
            cap = ncap;
        }
        if (!(ids->plates[ids->nplates] = as__strdup(plate)))
            s = as__fail(db, AS_NOMEM, "out of memory");
        else
            ids->nplates++;
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "reading a user's plates");
    sqlite3_reset(st);
    return s;
}

/* ---- finding the identifiers in a text ------------------------------- */

typedef struct span {
    size_t a, b;
} span;

typedef struct spans {
    span *v;
    size_t n, cap;
    int nomem;
    int strong;              /* a phone or plate was found (not only the name) */
} spans;

static void spans_add(spans *sp, size_t a, size_t b)
{
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 8;
        span *v = realloc(sp->v, cap * sizeof *v);
        if (!v) {
            sp->nomem = 1;
            return;
        }
        sp->v = v;
        sp->cap = cap;
    }
    sp->v[sp->n++] = (span){a, b};
}

typedef struct phone_ctx {
    const as__erase_ids *ids;
    spans *sp;
} phone_ctx;

static int phone_cb(void *ctx, const as__phone_hit *h)
{
    phone_ctx *pc = ctx;
    if (strcmp(h->digits, pc->ids->phone) == 0) {
        spans_add(pc->sp, h->start, h->end);
        pc->sp->strong = 1;
    }
    return 0;
}

/* The ASCII letter or digit that the character at s[i] stands for (ASCII,
 * or its full-width form), with its byte length in *w; 0 when none. */
static char alnum_at(const unsigned char *s, size_t len, size_t i, size_t *w)
{
    if (is_alnum_ascii(s[i])) {
        *w = 1;
        return (char)s[i];
    }
    if (s[i] == 0xEF && i + 2 < len) {
        unsigned c1 = s[i + 1], c2 = s[i + 2];
        *w = 3;
        if (c1 == 0xBC && c2 >= 0x90 && c2 <= 0x99)
            return (char)('0' + (c2 - 0x90));
        if (c1 == 0xBC && c2 >= 0xA1 && c2 <= 0xBA)
            return (char)('A' + (c2 - 0xA1));
        if (c1 == 0xBD && c2 >= 0x81 && c2 <= 0x9A)
            return (char)('a' + (c2 - 0x81));
    }
    return 0;
}

/* A separator people type inside a plate ("云A·12345", "云A 12345"). */
static size_t plate_sep(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == ' ' || s[i] == '-' || s[i] == '.')
        return 1;
    if (i + 1 < len && s[i] == 0xC2 && s[i + 1] == 0xB7)
        return 2;   /* · */
    if (i + 2 < len && ((s[i] == 0xE2 && s[i + 1] == 0x80 && s[i + 2] == 0xA2) ||    /* • */
                        (s[i] == 0xE3 && s[i + 1] == 0x83 && s[i + 2] == 0xBB) ||    /* ・ */
                        (s[i] == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80)))     /* ideographic space */
        return 3;
    return 0;
}

/* Does the plate (normalised: 云A12345) start at s[i]?  Returns the end of
 * the written form, or 0.  Letters match in either case and width; one
 * separator may stand between any two of its characters. */
static size_t plate_at(const unsigned char *s, size_t len, size_t i, const char *plate)
{
    const unsigned char *p = (const unsigned char *)plate;
    uint32_t cp;
    size_t pw = as__utf8_decode(p, strlen(plate), &cp);
    if (!pw || len - i < pw || memcmp(s + i, p, pw) != 0)
        return 0;
    i += pw;
    p += pw;
    while (*p) {
        size_t sw = i < len ? plate_sep(s, len, i) : 0;
        if (*p < 0x80) {
            size_t w;
            char c = i < len ? alnum_at(s, len, i, &w) : 0;
            if (!c && sw && i + sw < len && (c = alnum_at(s, len, i + sw, &w)) != 0)
                i += sw;
            if (!c || (c | 0x20) != (*p | 0x20))
                return 0;
            i += w;
            p++;
        } else {
            size_t n = as__utf8_decode(p, strlen((const char *)p), &cp);
            if (!n)
                return 0;
            if (sw && i + sw + n <= len && memcmp(s + i + sw, p, n) == 0)
                i += sw;
            if (len - i < n || memcmp(s + i, p, n) != 0)
                return 0;
            i += n;
            p += n;
        }
    }
    size_t w;
    if (i < len && alnum_at(s, len, i, &w))
        return 0;   /* a longer plate or word: not this one */
    return i;
}

static void find_plates(const as__erase_ids *ids, const unsigned char *s, size_t len, spans *sp)
{
    for (size_t k = 0; k < ids->nplates; k++) {
        const char *plate = ids->plates[k];
        const unsigned char first = (unsigned char)plate[0];
        for (size_t i = 0; i < len; i++) {
            if (s[i] != first)
                continue;
            size_t end = plate_at(s, len, i, plate);
            if (end) {
                spans_add(sp, i, end);
                sp->strong = 1;
                i = end - 1;
            }
        }
    }
}

static void find_name(const as__erase_ids *ids, const unsigned char *s, size_t len, spans *sp)
{
    size_t n = ids->name_len;
    if (!n || n > len)
        return;
    for (size_t i = 0; i + n <= len; i++) {
        int same;
        if (ids->name_ascii) {
            same = 1;
            for (size_t k = 0; k < n && same; k++) {
                unsigned char a = s[i + k], b = (unsigned char)ids->name[k];
                same = a == b || ((a | 0x20) == (b | 0x20) && (b | 0x20) >= 'a' && (b | 0x20) <= 'z');
            }
            /* A Latin name is a word: "Li" is not erased from "Lisa" (a
             * digit next to it is no letter: "Li Wei13912345678"). */
            if (same && ((i > 0 && is_alpha_ascii(s[i - 1])) ||
                         (i + n < len && is_alpha_ascii(s[i + n]))))
                same = 0;
        } else {
            same = memcmp(s + i, ids->name, n) == 0;
        }
        if (same) {
            spans_add(sp, i, i + n);
            i += n - 1;
        }
    }
}

/* Every place in s[0, len) where an identifier is written. */
static void find_spans(const as__erase_ids *ids, const char *s, size_t len, int with_name,
                       spans *sp)
{
    if (ids->phone[0]) {
        phone_ctx pc = {ids, sp};
        as__phone_scan(s, len, phone_cb, &pc);
    }
    find_plates(ids, (const unsigned char *)s, len, sp);
    if (with_name)
        find_name(ids, (const unsigned char *)s, len, sp);
}

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->a < y->a ? -1 : x->a > y->a ? 1 : (x->b > y->b) - (x->b < y->b);
}

/* s with every span replaced by AS_ERASED_TEXT (spans sorted, overlaps
 * merged); malloc'd, NULL when out of memory. */
static char *apply_spans(const char *s, size_t len, spans *sp, size_t *outlen)
{
    qsort(sp->v, sp->n, sizeof *sp->v, span_cmp);
    as_buf b = {0};
    size_t at = 0;
    int oom = 0;
    for (size_t k = 0; k < sp->n; k++) {
        size_t a = sp->v[k].a, e = sp->v[k].b;
        if (e <= at)
            continue;
        if (a < at)
            a = at;
        oom |= as__buf_add(&b, s + at, a - at) < 0;
        oom |= as__buf_adds(&b, AS_ERASED_TEXT) < 0;
        at = e;
    }
    oom |= as__buf_add(&b, s + at, len - at) < 0;
    oom |= as__buf_addc(&b, '\0') < 0;
    if (oom) {
        as__buf_free(&b);
        return NULL;
    }
    *outlen = b.len - 1;
    return b.data;
}

/* ---- redacting a text or a JSON value ------------------------------- */

/* Text that may hold JSON: it starts with { or [ (after white space). */
static int looks_json(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'))
        i++;
    return i < len && (s[i] == '{' || s[i] == '[');
}

/* Redact s[0, len) as plain text: NULL when nothing is there (or out of
 * memory: *nomem), else the malloc'd result.  Replacing one identifier can
 * bring another to light (a name glued to a plate: "云A12345Li Wei" is a
 * word once the plate is gone), so it runs to a fixed point. */
static char *redact_plain(const as__erase_ids *ids, const char *s, size_t len, int with_name,
                          int *strong, int *nomem, size_t *outlen)
{
    char *out = NULL;
    for (int pass = 0; pass < 8; pass++) {
        spans sp = {0};
        const char *cur = out ? out : s;
        size_t cl = out ? *outlen : len;
        find_spans(ids, cur, cl, with_name, &sp);
        *strong |= sp.strong;
        if (sp.nomem || !sp.n) {
            *nomem |= sp.nomem;
            free(sp.v);
            break;
        }
        size_t nl;
        char *next = apply_spans(cur, cl, &sp, &nl);
        free(sp.v);
        if (!next) {
            *nomem = 1;
            break;
        }
        free(out);
        out = next;
        *outlen = nl;
    }
    if (*nomem) {
        free(out);
        return NULL;
    }
    return out;
}

/* Redact one decoded string in place of *str (replacing it when changed).
 * Returns 1 when changed, 0 when not, -1 out of memory. */
static int redact_string(const as__erase_ids *ids, char **str, size_t *len, int with_name,
                         int *strong)
{
    int nomem = 0;
    size_t nl = 0;
    char *out = redact_plain(ids, *str, *len, with_name, strong, &nomem, &nl);
    if (nomem)
        return -1;
    if (!out)
        return 0;
    free(*str);
    *str = out;
    *len = nl;
    return 1;
}

/* Is the person's phone written in this number (13912345678,
 * 8613912345678, -13912345678)? */
static int number_is_phone(const as__erase_ids *ids, const char *num)
{
    spans sp = {0};
    phone_ctx pc = {ids, &sp};
    as__phone_scan(num, strlen(num), phone_cb, &pc);
    free(sp.v);
    return sp.n > 0;
}

/* Walk a JSON value: every string (keys too) redacted; a number in which
 * the phone is written becomes the string AS_ERASED_TEXT.  Returns the count
 * of changes, or -1 out of memory. */
static int redact_json(const as__erase_ids *ids, as__json *v, int with_name, int *strong)
{
    int changed = 0, r;
    switch (v->type) {
    case AS__J_STRING:
        return redact_string(ids, &v->str, &v->len, with_name, strong);
    case AS__J_NUMBER:
        if (ids->phone[0] && v->str && number_is_phone(ids, v->str)) {
            char *t = as__strdup(AS_ERASED_TEXT);
            if (!t)
                return -1;
            free(v->str);
            v->type = AS__J_STRING;
            v->str = t;
            v->len = strlen(t);
            *strong = 1;
            return 1;
        }
        return 0;
    case AS__J_ARRAY:
    case AS__J_OBJECT:
        for (size_t i = 0; i < v->n; i++) {
            if (v->keys) {
                size_t kl = strlen(v->keys[i]);
                if ((r = redact_string(ids, &v->keys[i], &kl, with_name, strong)) < 0)
                    return -1;
                changed += r;
            }
            if ((r = redact_json(ids, &v->items[i], with_name, strong)) < 0)
                return -1;
            changed += r;
        }
        return changed;
    default:
        return 0;
    }
}

/* The redacted form of s[0, len): NULL with *changed 0 when nothing is
 * there (or out of memory: *nomem), else a malloc'd text.  *strong is set
 * when a phone or plate was found. */
static char *redact_text(const as__erase_ids *ids, const char *s, size_t len, int with_name,
                         int *strong, int *nomem, size_t *outlen)
{
    if (looks_json(s, len)) {
        as__json *j = NULL;
        if (as__json_parse(s, len, &j, NULL, 0) == AS_OK &&
            (j->type == AS__J_OBJECT || j->type == AS__J_ARRAY)) {
            int r = redact_json(ids, j, with_name, strong);
            char *out = NULL;
            if (r > 0) {
                as_buf b = {0};
                if (as__json_write(&b, j) == 0 && as__buf_addc(&b, '\0') == 0) {
                    out = b.data;
                    *outlen = b.len - 1;
                } else {
                    as__buf_free(&b);
                    *nomem = 1;
                }
            } else if (r < 0) {
                *nomem = 1;
            }
            as__json_free(j);
            return out;
        }
        as__json_free(j);
    }
    return redact_plain(ids, s, len, with_name, strong, nomem, outlen);
}

char *as__erase_text(const as__erase_ids *ids, const char *text, int with_name)
{
    int strong = 0, nomem = 0;
    size_t n;
    char *out = redact_text(ids, text, strlen(text), with_name, &strong, &nomem, &n);
    return out ? out : nomem ? NULL : as__strdup(text);
}

/* ---- the SQL functions of the sweep ----------------------------------- */

/*
 * as__erase_hit(own, c1, ..., cn): 1 when the row must change: a column
 * holds the phone or a plate, or (own: the row is the person's) the name.
 * as__erase(own, i, c1, ..., cn): column ci redacted; the name too when the
 * row is the person's or names their phone or plate.
 */
static int row_strong(const as__erase_ids *ids, int argc, sqlite3_value **argv, int first,
                      int own, int *nomem)
{
    int any = 0;
    for (int k = first; k < argc && !any; k++) {
        if (sqlite3_value_type(argv[k]) != SQLITE_TEXT)
            continue;
        const char *t = (const char *)sqlite3_value_text(argv[k]);
        size_t n = (size_t)sqlite3_value_bytes(argv[k]);
        if (!t)
            continue;
        int strong = 0;
        size_t ol;
        char *out = redact_text(ids, t, n, own, &strong, nomem, &ol);
        any = strong || (own && out);
        free(out);
    }
    return any;
}

static void sql_erase_hit(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    as__erase_sweep *sw = sqlite3_user_data(ctx);
    int nomem = 0;
    int own = argc > 0 && sqlite3_value_int(argv[0]);
    int hit = row_strong(sw->ids, argc, argv, 1, own, &nomem);
    if (nomem) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_int(ctx, hit);
}

static void sql_erase(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    as__erase_sweep *sw = sqlite3_user_data(ctx);
    int own = sqlite3_value_int(argv[0]);
    int col = sqlite3_value_int(argv[1]) + 2;
    if (col >= argc || sqlite3_value_type(argv[col]) != SQLITE_TEXT) {
        sqlite3_result_value(ctx, argv[col < argc ? col : 0]);
        return;
    }
    int nomem = 0;
    int with_name = own || row_strong(sw->ids, argc, argv, 2, 0, &nomem);
    const char *t = (const char *)sqlite3_value_text(argv[col]);
    size_t n = (size_t)sqlite3_value_bytes(argv[col]), ol = 0;
    int strong = 0;
    char *out = nomem ? NULL : redact_text(sw->ids, t, n, with_name, &strong, &nomem, &ol);
    if (nomem) {
        free(out);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!out) {
        sqlite3_result_value(ctx, argv[col]);
        return;
    }
    sw->values++;
    sqlite3_result_text(ctx, out, (int)ol, free);
}

/* ---- the sweep -------------------------------------------------------- */

/* Append "name" quoted as an SQL identifier. */
static int add_ident(as_buf *b, const char *name)
{
    int rc = as__buf_addc(b, '"');
    for (const char *p = name; *p && rc == 0; p++)
        rc = *p == '"' ? as__buf_adds(b, "\"\"") : as__buf_addc(b, *p);
    return rc ? rc : as__buf_addc(b, '"');
}

/* A column that can hold free text: declared TEXT-like or without a type
 * (SQLite's TEXT and BLOB affinities). */
static int text_affinity(const char *type)
{
    if (!type || !type[0])
        return 1;
    char up[64];
    size_t n = 0;
    for (; type[n] && n < sizeof up - 1; n++)
        up[n] = (char)(type[n] >= 'a' && type[n] <= 'z' ? type[n] - 32 : type[n]);
    up[n] = '\0';
    if (strstr(up, "INT"))
        return 0;
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT") || strstr(up, "BLOB"))
        return 1;
    return 0;   /* REAL, NUMERIC, ... */
}

/* The columns of table t that the sweep reads: text-like, not hidden, not
 * part of the primary key or of a unique index (keys, not free text: an id
 * that embeds a phone number would otherwise be rewritten into a
 * collision), not user_id.  *has_user: the table has a user_id column. */
static as_status sweep_columns(as_db *db, const char *t, char ***cols, size_t *n, int *has_user)
{
    *cols = NULL;
    *n = 0;
    *has_user = 0;
    sqlite3_stmt *st = NULL;
    static const char sql[] =
        "SELECT x.name, x.type FROM pragma_table_xinfo(?1) x WHERE x.hidden = 0 AND x.pk = 0"
        " AND x.name NOT IN (SELECT ii.name FROM pragma_index_list(?1) il,"
        "   pragma_index_info(il.name) ii WHERE il.\"unique\" AND ii.name IS NOT NULL)"
        " UNION ALL SELECT 'user_id', '#has' WHERE EXISTS (SELECT 1 FROM pragma_table_xinfo(?1)"
        "   WHERE name = 'user_id')";
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return as__sqlfail(db, rc, "erasing: listing columns");
    sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
    size_t cap = 0;
    as_status s = AS_OK;
    while (s == AS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = as__column_text(st, 0), *type = as__column_text(st, 1);
        if (!name)
            continue;
        if (type && strcmp(type, "#has") == 0) {
            *has_user = 1;
            continue;
        }
        if (strcmp(name, "user_id") == 0 || !text_affinity(type))
            continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char **p = realloc(*cols, ncap * sizeof *p);
            if (!p) {
                s = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            *cols = p;
            cap = ncap;
        }
        if (!((*cols)[*n] = as__strdup(name)))
            s = as__fail(db, AS_NOMEM, "out of memory");
        else
            (*n)++;
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "erasing: listing columns");
    sqlite3_finalize(st);
    return s;
}

/* The sweep of one table: UPDATE t SET c = as__erase(own, i, c...) ...
 * WHERE as__erase_hit(own, c...), columns in groups (a function takes at
 * most 127 arguments). */
static as_status sweep_table(as_db *db, as__erase_sweep *sw, const char *t)
{
    char **cols = NULL;
    size_t n = 0;
    int has_user = 0;
    as_status s = sweep_columns(db, t, &cols, &n, &has_user);
    enum { GROUP = 100 };
    for (size_t g = 0; s == AS_OK && g < n; g += GROUP) {
        size_t m = n - g < GROUP ? n - g : GROUP;
        as_buf sql = {0}, args = {0};
        int oom = 0;
        for (size_t k = 0; k < m; k++) {
            oom |= as__buf_addc(&args, ',') < 0;
            oom |= add_ident(&args, cols[g + k]) < 0;
        }
        oom |= as__buf_addc(&args, '\0') < 0;
        const char *own = has_user ? "(\"user_id\" = ?1)" : "0";
        oom |= as__buf_adds(&sql, "UPDATE ") < 0 || add_ident(&sql, t) < 0 ||
               as__buf_adds(&sql, " SET ") < 0;
        for (size_t k = 0; k < m && !oom; k++) {
            char head[64];
            snprintf(head, sizeof head, " = as__erase(%s, %zu", own, k);
            oom |= (k && as__buf_adds(&sql, ", ") < 0) || add_ident(&sql, cols[g + k]) < 0 ||
                   as__buf_adds(&sql, head) < 0 || as__buf_adds(&sql, args.data) < 0 ||
                   as__buf_addc(&sql, ')') < 0;
        }
        oom |= as__buf_adds(&sql, " WHERE as__erase_hit(") < 0 || as__buf_adds(&sql, own) < 0 ||
               as__buf_adds(&sql, args.data) < 0 || as__buf_adds(&sql, ")") < 0 ||
               as__buf_addc(&sql, '\0') < 0;
        if (oom) {
            s = as__fail(db, AS_NOMEM, "out of memory");
        } else {
            sqlite3_stmt *st = NULL;
            int rc = sqlite3_prepare_v2(db->sql, sql.data, -1, &st, NULL);
            if (rc == SQLITE_OK) {
                if (has_user)
                    sqlite3_bind_text(st, 1, sw->user_id, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
            }
            if (rc == SQLITE_DONE)
                sw->rows += (uint64_t)sqlite3_changes(db->sql);
            else
                s = as__sqlfail(db, rc, t);
            sqlite3_finalize(st);
        }
        as__buf_free(&sql);
        as__buf_free(&args);
    }
    for (size_t k = 0; k < n; k++)
        free(cols[k]);
    free(cols);
    return s;
}

/* An FTS5 table whose text lives elsewhere (content=...) or nowhere
 * (content=''): its index follows its content table, which the sweep
 * changes; it is not written directly. */
static int fts_external(const char *create_sql)
{
    if (!create_sql)
        return 1;
    for (const char *p = create_sql; (p = strstr(p, "content")) != NULL; p += 7) {
        if (p > create_sql && (is_alnum_ascii((unsigned char)p[-1]) || p[-1] == '_'))
            continue;
        const char *q = p + 7;
        while (*q == ' ' || *q == '\t' || *q == '\n')
            q++;
        if (*q == '=')
            return 1;
    }
    return 0;
}

as_status as__erase_register(as_db *db, as__erase_sweep *sw)
{
    int rc = sqlite3_create_function(db->sql, "as__erase_hit", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                     sw, sql_erase_hit, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db->sql, "as__erase", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY, sw,
                                     sql_erase, NULL, NULL);
    if (rc != SQLITE_OK) {
        as__erase_unregister(db);
        return as__sqlfail(db, rc, "erasing: registering functions");
    }
    return AS_OK;
}

void as__erase_unregister(as_db *db)
{
    sqlite3_create_function(db->sql, "as__erase_hit", -1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
    sqlite3_create_function(db->sql, "as__erase", -1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
}

as_status as__erase_sweep_run(as_db *db, as__erase_sweep *sw)
{
    int rc;
    /* Every ordinary table (and every FTS5 table that keeps its own text);
     * FTS shadow tables and sqlite_ tables are not data. */
    static const char tables_sql[] =
        "SELECT l.name, l.type, s.sql FROM pragma_table_list l"
        " LEFT JOIN sqlite_schema s ON s.name = l.name"
        " WHERE l.schema = 'main' AND l.type IN ('table', 'virtual')"
        " AND l.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND l.name <> 'privacy_erasures'"
        " ORDER BY l.name";
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db->sql, tables_sql, -1, &st, NULL);
    char **names = NULL, **fts = NULL;
    size_t n = 0, nfts = 0, cap = 0, fcap = 0;
    as_status s = rc == SQLITE_OK ? AS_OK : as__sqlfail(db, rc, "erasing: listing tables");
    while (s == AS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = as__column_text(st, 0), *type = as__column_text(st, 1);
        const char *create = as__column_text(st, 2);
        int virt = type && strcmp(type, "virtual") == 0;
        int is_fts = virt && create && strstr(create, "fts5");
        if (virt && !is_fts)
            continue;   /* another module: not ours to write */
        if (is_fts) {
            if (nfts == fcap) {
                fcap = fcap ? fcap * 2 : 4;
                char **p = realloc(fts, fcap * sizeof *p);
                if (!p) {
                    s = as__fail(db, AS_NOMEM, "out of memory");
                    break;
                }
                fts = p;
            }
            if (!(fts[nfts++] = as__strdup(name)))
                s = as__fail(db, AS_NOMEM, "out of memory");
            if (fts_external(create))
                continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) {
                s = as__fail(db, AS_NOMEM, "out of memory");
                break;
            }
            names = p;
        }
        if (!(names[n++] = as__strdup(name)))
            s = as__fail(db, AS_NOMEM, "out of memory");
    }
    if (s == AS_OK && rc != SQLITE_DONE)
        s = as__sqlfail(db, rc, "erasing: listing tables");
    sqlite3_finalize(st);
    for (size_t i = 0; s == AS_OK && i < n; i++)
        if (names[i])
            s = sweep_table(db, sw, names[i]);
    /* Merge every FTS5 index into one segment: the terms of the old text,
     * deleted by its triggers, are dropped from the file, not only marked. */
    for (size_t i = 0; s == AS_OK && i < nfts; i++) {
        as_buf sql = {0};
        int oom = as__buf_adds(&sql, "INSERT INTO ") < 0 || add_ident(&sql, fts[i]) < 0 ||
                  as__buf_addc(&sql, '(') < 0 || add_ident(&sql, fts[i]) < 0 ||
                  as__buf_adds(&sql, ") VALUES ('optimize')") < 0 || as__buf_addc(&sql, '\0') < 0;
        s = oom ? as__fail(db, AS_NOMEM, "out of memory") : as__exec(db, sql.data);
        as__buf_free(&sql);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    for (size_t i = 0; i < nfts; i++)
        free(fts[i]);
    free(names);
    free(fts);
    return s;
}

/* ---- the file --------------------------------------------------------- */

as_status as__erase_scrub_free_pages(as_db *db, int64_t erasure_id)
{
    int free_pages = 0, page_size = 4096;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, "SELECT f.freelist_count, p.page_size FROM"
                                    " pragma_freelist_count f, pragma_page_size p",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        free_pages = sqlite3_column_int(st, 0);
        page_size = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    if (free_pages <= 0)
        return AS_OK;
    /* Taking the pages for a blob of zeros overwrites them (new pages come
     * from the free list first); giving them back with secure_delete on
     * zeroes them again.  What they held before -- rows deleted or moved
     * before this erasure -- is gone from the file. */
    static const char fill[] = "UPDATE privacy_erasures SET pad = zeroblob(?2) WHERE id = ?1";
    static const char empty[] = "UPDATE privacy_erasures SET pad = NULL WHERE id = ?1";
    if (!(st = as__stmt(db, fill)))
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, erasure_id);
    sqlite3_bind_int64(st, 2, (int64_t)free_pages * page_size);
    as_status s = as__step_done(db, st, "erasing: overwriting free pages");
    if (s == AS_OK && (st = as__stmt(db, empty)) != NULL) {
        sqlite3_bind_int64(st, 1, erasure_id);
        s = as__step_done(db, st, "erasing: overwriting free pages");
    }
    return st ? s : AS_INTERNAL;
}

/* Does the file at path hold one of the patterns (as bytes)? */
static int file_holds(const char *path, char pats[][32], size_t npats)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    enum { CHUNK = 1 << 20, KEEP = 32 };
    char *buf = malloc(CHUNK + KEEP);
    if (!buf) {
        fclose(f);
        return 0;
    }
    size_t kept = 0, got;
    int found = 0;
    while (!found && (got = fread(buf + kept, 1, CHUNK, f)) > 0) {
        size_t len = kept + got;
        for (size_t k = 0; k < npats && !found; k++) {
            size_t pl = strlen(pats[k]);
            /* The patterns start alike (a phone's first digits): test the
             * last byte before comparing the whole. */
            for (const char *p = buf; !found && (p = memchr(p, pats[k][0], (size_t)(buf + len - p)));
                 p++)
                found = (size_t)(buf + len - p) >= pl && p[pl - 1] == pats[k][pl - 1] &&
                        memcmp(p, pats[k], pl) == 0;
        }
        kept = len < KEEP ? len : KEEP;
        memmove(buf, buf + len - kept, kept);
    }
    free(buf);
    fclose(f);
    return found;
}

int as__erase_file_holds(const char *path, const as__erase_ids *ids)
{
    char pats[16][32];
    size_t n = 0;
    if (ids->phone[0]) {
        const char *p = ids->phone;
        snprintf(pats[n++], 32, "%s", p);
        snprintf(pats[n++], 32, "%.3s %.4s %.4s", p, p + 3, p + 7);
        snprintf(pats[n++], 32, "%.3s-%.4s-%.4s", p, p + 3, p + 7);
    }
    for (size_t i = 0; i < ids->nplates && n < 16; i++)
        if (strlen(ids->plates[i]) < 32)
            snprintf(pats[n++], 32, "%s", ids->plates[i]);
    return n ? file_holds(path, pats, n) : 0;
}
