/* json.c - a strict JSON reader and typed fields built from it. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jparser {
    const unsigned char *s;
    size_t len, pos;
    char *why;
    size_t whysz;
    int nomem;
    unsigned flags;          /* AS__JSON_* */
} jparser;

static int jfail(jparser *p, const char *what)
{
    if (p->why && p->whysz && !p->why[0])
        snprintf(p->why, p->whysz, "at byte %zu: %s", p->pos + 1, what);
    return -1;
}

static void skip_ws(jparser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static void free_value(as__json *v)
{
    if (v->type == AS__J_STRING || v->type == AS__J_NUMBER)
        free(v->str);
    if (v->type == AS__J_ARRAY || v->type == AS__J_OBJECT) {
        for (size_t i = 0; i < v->n; i++) {
            free_value(&v->items[i]);
            if (v->keys)
                free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
    }
}

void as__json_free(as__json *j)
{
    if (!j)
        return;
    free_value(j);
    free(j);
}

static int hex4(jparser *p, uint32_t *out)
{
    if (p->len - p->pos < 4)
        return jfail(p, "a \\u escape needs four hex digits");
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return jfail(p, "a \\u escape needs four hex digits");
    }
    *out = v;
    return 0;
}

static int put_utf8(as_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return as__buf_add(b, u, n);
}

/* A string at p->pos (the opening quote); the decoded text into *out. */
static int parse_string(jparser *p, char **out, size_t *outlen)
{
    as_buf b = {0};
    p->pos++;   /* the quote */
    for (;;) {
        if (p->pos >= p->len) {
            as__buf_free(&b);
            return jfail(p, "a string is not closed");
        }
        unsigned c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            as__buf_free(&b);
            return jfail(p, "a control character in a string");
        }
        if (c == '\\') {
            p->pos++;
            if (p->pos >= p->len) {
                as__buf_free(&b);
                return jfail(p, "a string is not closed");
            }
            unsigned e = p->s[p->pos++];
            char ch = 0;
            switch (e) {
            case '"': ch = '"'; break;
            case '\\': ch = '\\'; break;
            case '/': ch = '/'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'u': {
                uint32_t cp, lo;
                if (hex4(p, &cp) < 0) {
                    as__buf_free(&b);
                    return -1;
                }
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    as__buf_free(&b);
                    return jfail(p, "a lone low surrogate");
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                        as__buf_free(&b);
                        return jfail(p, "a high surrogate without its low half");
                    }
                    p->pos += 2;
                    if (hex4(p, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
                        as__buf_free(&b);
                        return jfail(p, "a high surrogate without its low half");
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (put_utf8(&b, cp) < 0)
                    goto nomem;
                continue;
            }
            default:
                as__buf_free(&b);
                return jfail(p, "an unknown escape");
            }
            if (as__buf_addc(&b, ch) < 0)
                goto nomem;
            continue;
        }
        /* A run of plain bytes, validated as UTF-8. */
        size_t start = p->pos;
        while (p->pos < p->len && p->s[p->pos] != '"' && p->s[p->pos] != '\\' &&
               p->s[p->pos] >= 0x20)
            p->pos++;
        int nul;
        size_t bad = as__utf8_scan(p->s + start, p->pos - start, &nul);
        if (bad != p->pos - start) {
            p->pos = start + bad;
            as__buf_free(&b);
            return jfail(p, "invalid UTF-8 in a string");
        }
        if (as__buf_add(&b, p->s + start, p->pos - start) < 0)
            goto nomem;
    }
    if (as__buf_addc(&b, '\0') < 0)
        goto nomem;
    *outlen = b.len - 1;
    *out = b.data;
    return 0;
nomem:
    as__buf_free(&b);
    p->nomem = 1;
    return -1;
}

static int parse_number(jparser *p, as__json *v)
{
    size_t start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '-')
        p->pos++;
    if (p->pos >= p->len)
        return jfail(p, "a number is cut short");
    if (p->s[p->pos] == '0') {
        p->pos++;
    } else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
    } else {
        return jfail(p, "expected a value");
    }
    int frac = 0;
    if (p->pos < p->len && p->s[p->pos] == '.') {
        frac = 1;
        p->pos++;
        if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
            return jfail(p, "a digit must follow the decimal point");
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        frac = 1;
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
            return jfail(p, "an exponent needs digits");
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
    }
    /* Keep the text as written: money and ids are read from it exactly;
     * the double is for scores. */
    size_t n = p->pos - start;
    v->type = AS__J_NUMBER;
    if (!(v->str = as__strndup((const char *)p->s + start, n))) {
        p->nomem = 1;
        return -1;
    }
    v->len = n;
    v->num = strtod(v->str, NULL);
    if (!frac) {
        errno = 0;
        long long x = strtoll(v->str, NULL, 10);
        if (errno == 0) {
            v->is_int = 1;
            v->i = x;
        }
    }
    return 0;
}

static int parse_value(jparser *p, as__json *v, int depth);

static int grow(jparser *p, as__json *v, size_t *cap, int with_keys)
{
    if (v->n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 4;
    as__json *items = realloc(v->items, ncap * sizeof *items);
    if (!items) {
        p->nomem = 1;
        return -1;
    }
    v->items = items;
    if (with_keys) {
        char **keys = realloc(v->keys, ncap * sizeof *keys);
        if (!keys) {
            p->nomem = 1;
            return -1;
        }
        v->keys = keys;
    }
    *cap = ncap;
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* With AS__JSON_UNIQUE_KEYS: is a key of the object v twice?  Few keys are
 * compared pairwise, many sorted (a line may hold a million keys). */
static int check_unique_keys(jparser *p, const as__json *v)
{
    const char *dup = NULL;
    char **sorted = NULL;
    if (v->n <= 16) {
        for (size_t i = 1; i < v->n && !dup; i++)
            for (size_t j = 0; j < i && !dup; j++)
                if (strcmp(v->keys[i], v->keys[j]) == 0)
                    dup = v->keys[i];
    } else {
        if (!(sorted = malloc(v->n * sizeof *sorted))) {
            p->nomem = 1;
            return -1;
        }
        memcpy(sorted, v->keys, v->n * sizeof *sorted);
        qsort(sorted, v->n, sizeof *sorted, key_cmp);
        for (size_t i = 1; i < v->n && !dup; i++)
            if (strcmp(sorted[i], sorted[i - 1]) == 0)
                dup = sorted[i];
    }
    int rc = 0;
    if (dup) {
        if (p->why && p->whysz && !p->why[0])
            snprintf(p->why, p->whysz, "at byte %zu: key '%.60s' appears twice in an object",
                     p->pos, dup);
        rc = -1;
    }
    free(sorted);
    return rc;
}

static int parse_container(jparser *p, as__json *v, int depth, int object)
{
    size_t cap = 0;
    v->type = object ? AS__J_OBJECT : AS__J_ARRAY;
    p->pos++;   /* [ or { */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == (object ? '}' : ']')) {
        p->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        if (grow(p, v, &cap, object) < 0)
            return -1;
        char *key = NULL;
        size_t klen;
        if (object) {
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return jfail(p, "expected a key in quotes");
            if (parse_string(p, &key, &klen) < 0)
                return -1;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                return jfail(p, "expected ':'");
            }
            p->pos++;
        }
        memset(&v->items[v->n], 0, sizeof v->items[v->n]);
        if (object)
            v->keys[v->n] = key;
        v->n++;
        if (parse_value(p, &v->items[v->n - 1], depth + 1) < 0)
            return -1;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == (object ? '}' : ']')) {
            p->pos++;
            if (object && (p->flags & AS__JSON_UNIQUE_KEYS))
                return check_unique_keys(p, v);
            return 0;
        }
        return jfail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int literal(jparser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return jfail(p, "expected a value");
    p->pos += n;
    return 0;
}

static int parse_value(jparser *p, as__json *v, int depth)
{
    if (depth > AS__JSON_MAX_DEPTH)
        return jfail(p, "nested too deeply");
    skip_ws(p);
    if (p->pos >= p->len)
        return jfail(p, "expected a value");
    switch (p->s[p->pos]) {
    case '{':
        return parse_container(p, v, depth, 1);
    case '[':
        return parse_container(p, v, depth, 0);
    case '"':
        v->type = AS__J_STRING;
        return parse_string(p, &v->str, &v->len);
    case 't':
        v->type = AS__J_BOOL;
        v->b = 1;
        return literal(p, "true");
    case 'f':
        v->type = AS__J_BOOL;
        return literal(p, "false");
    case 'n':
        v->type = AS__J_NULL;
        return literal(p, "null");
    default:
        return parse_number(p, v);
    }
}

as_status as__json_parse(const char *text, size_t len, as__json **out, char *why, size_t whysz)
{
    return as__json_parse_ex(text, len, 0, out, why, whysz);
}

as_status as__json_parse_ex(const char *text, size_t len, unsigned flags, as__json **out,
                            char *why, size_t whysz)
{
    *out = NULL;
    if (why && whysz)
        why[0] = '\0';
    as__json *v = calloc(1, sizeof *v);
    if (!v)
        return AS_NOMEM;
    jparser p = {(const unsigned char *)text, len, 0, why, whysz, 0, flags};
    if (parse_value(&p, v, 0) == 0) {
        skip_ws(&p);
        if (p.pos == p.len) {
            *out = v;
            return AS_OK;
        }
        jfail(&p, "text after the value");
    }
    as__json_free(v);
    return p.nomem ? AS_NOMEM : AS_INVALID;
}

const as__json *as__json_get(const as__json *obj, const char *key)
{
    if (!obj || obj->type != AS__J_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

/* ---- writing ------------------------------------------------------- */

static int write_string(as_buf *b, const char *s, size_t len)
{
    int rc = as__buf_addc(b, '"');
    for (size_t i = 0; i < len && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            rc = as__buf_add(b, esc, 2);
        } else if (c < 0x20) {
            const char *short_esc = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                                    : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            if (short_esc)
                rc = as__buf_adds(b, short_esc);
            else {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                rc = as__buf_adds(b, esc);
            }
        } else {
            rc = as__buf_addc(b, (char)c);
        }
    }
    return rc ? rc : as__buf_addc(b, '"');
}

int as__json_write(as_buf *b, const as__json *v)
{
    char num[64];
    switch (v->type) {
    case AS__J_NULL:
        return as__buf_adds(b, "null");
    case AS__J_BOOL:
        return as__buf_adds(b, v->b ? "true" : "false");
    case AS__J_NUMBER:
        if (v->str)
            return as__buf_add(b, v->str, v->len);   /* exactly as it was written */
        if (v->is_int)
            snprintf(num, sizeof num, "%lld", (long long)v->i);
        else
            snprintf(num, sizeof num, "%.17g", v->num);
        return as__buf_adds(b, num);
    case AS__J_STRING:
        return write_string(b, v->str, v->len);
    case AS__J_ARRAY:
    case AS__J_OBJECT: {
        int object = v->type == AS__J_OBJECT;
        if (as__buf_addc(b, object ? '{' : '[') < 0)
            return -1;
        for (size_t i = 0; i < v->n; i++) {
            if (i && as__buf_addc(b, ',') < 0)
                return -1;
            if (object && (write_string(b, v->keys[i], strlen(v->keys[i])) < 0 ||
                           as__buf_addc(b, ':') < 0))
                return -1;
            if (as__json_write(b, &v->items[i]) < 0)
                return -1;
        }
        return as__buf_addc(b, object ? '}' : ']');
    }
    }
    return -1;
}

/* ---- typed fields -------------------------------------------------- */

as_status as__json_fields(const char *text, as_field **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!text || !text[0])
        return AS_OK;
    as__json *j = NULL;
    char why[80];
    as_status st = as__json_parse(text, strlen(text), &j, why, sizeof why);
    if (st != AS_OK)
        return st;
    if (j->type != AS__J_OBJECT) {
        as__json_free(j);
        return AS_INVALID;
    }
    /* Nested values are kept as their JSON text. */
    as_buf nested = {0};
    size_t *nested_at = calloc(j->n ? j->n : 1, sizeof *nested_at);
    size_t bytes = j->n * sizeof(as_field);
    if (!nested_at)
        goto nomem;
    for (size_t i = 0; i < j->n; i++) {
        bytes += strlen(j->keys[i]) + 1;
        const as__json *v = &j->items[i];
        if (v->type == AS__J_STRING) {
            bytes += v->len + 1;
        } else if (v->type == AS__J_ARRAY || v->type == AS__J_OBJECT) {
            nested_at[i] = nested.len;
            if (as__json_write(&nested, v) < 0 || as__buf_addc(&nested, '\0') < 0)
                goto nomem;
            bytes += strlen(nested.data + nested_at[i]) + 1;
        }
    }
    as_field *f = malloc(bytes ? bytes : 1);
    if (!f)
        goto nomem;
    char *strings = (char *)(f + j->n);
    for (size_t i = 0; i < j->n; i++) {
        const as__json *v = &j->items[i];
        memset(&f[i], 0, sizeof f[i]);
        size_t kl = strlen(j->keys[i]) + 1;
        memcpy(strings, j->keys[i], kl);
        f[i].name = strings;
        strings += kl;
        switch (v->type) {
        case AS__J_NULL:
            f[i].type = AS_VALUE_NULL;
            break;
        case AS__J_BOOL:
            f[i].type = AS_VALUE_BOOL;
            f[i].i = v->b;
            break;
        case AS__J_NUMBER:
            f[i].type = v->is_int ? AS_VALUE_INT : AS_VALUE_REAL;
            f[i].i = v->is_int ? v->i : 0;
            f[i].r = v->num;
            break;
        case AS__J_STRING:
            f[i].type = AS_VALUE_TEXT;
            memcpy(strings, v->str, v->len + 1);
            f[i].text = strings;
            strings += v->len + 1;
            break;
        case AS__J_ARRAY:
        case AS__J_OBJECT: {
            const char *t = nested.data + nested_at[i];
            size_t tl = strlen(t) + 1;
            f[i].type = AS_VALUE_TEXT;
            memcpy(strings, t, tl);
            f[i].text = strings;
            strings += tl;
            break;
        }
        }
    }
    *out = f;
    *n = j->n;
    as__buf_free(&nested);
    free(nested_at);
    as__json_free(j);
    return AS_OK;
nomem:
    as__buf_free(&nested);
    free(nested_at);
    as__json_free(j);
    return AS_NOMEM;
}
