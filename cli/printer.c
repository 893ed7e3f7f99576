/* printer.c - text tables, TSV, JSON and JSON Lines from one description. */
#include "printer.h"

#include "aftersales.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

enum { V_STR, V_NUM, V_BOOL, V_NULL };

typedef struct field {
    const char *key;         /* static text from the command */
    char *value;             /* rendered value (NULL for V_NULL) */
    int kind;
} field;

typedef struct row {
    field *f;
    size_t n;
} row;

struct printer {
    FILE *out;
    int format, shape, offset;
    row cur;
    size_t cap;
    row *rows;               /* kept for the text table */
    size_t nrows, rowcap;
    size_t count;            /* records emitted */
    int failed;
};

int pr_format_parse(const char *name)
{
    static const char *const names[] = {"text", "tsv", "json", "jsonl"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

printer *pr_new(FILE *out, int format, int shape, int utc_offset_minutes)
{
    printer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->out = out;
    p->format = format;
    p->shape = shape;
    p->offset = utc_offset_minutes;
    if (format == PR_JSON && shape == PR_LIST)
        fputs("[", out);
    return p;
}

void pr_begin(printer *p)
{
    p->cur.n = 0;
    p->cur.f = NULL;
    p->cap = 0;
}

static void add(printer *p, const char *key, char *value, int kind)
{
    if (p->cur.n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        field *f = realloc(p->cur.f, cap * sizeof *f);
        if (!f) {
            free(value);
            p->failed = 1;
            return;
        }
        p->cur.f = f;
        p->cap = cap;
    }
    if (!value && kind != V_NULL)
        p->failed = 1;
    p->cur.f[p->cur.n++] = (field){key, value, value ? kind : V_NULL};
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

void pr_str(printer *p, const char *key, const char *value)
{
    add(p, key, value ? dup(value) : NULL, value ? V_STR : V_NULL);
}

void pr_int(printer *p, const char *key, int64_t value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, value);
    add(p, key, dup(buf), V_NUM);
}


void pr_bool(printer *p, const char *key, int value)
{
    add(p, key, dup(value ? "true" : "false"), V_BOOL);
}

void pr_null(printer *p, const char *key)
{
    add(p, key, NULL, V_NULL);
}

void pr_time(printer *p, const char *key, int64_t t)
{
    char buf[AS_TIME_BUFSIZE];
    if (t == 0)
        pr_null(p, key);
    else
        add(p, key, dup(as_time_format(t, p->offset, buf)), V_STR);
}

void pr_real(printer *p, const char *key, double value, int decimals)
{
    char buf[64];
    if (!isfinite(value)) {   /* JSON has no NaN or infinity */
        pr_null(p, key);
        return;
    }
    snprintf(buf, sizeof buf, "%.*f", decimals, value);
    if (strcmp(buf, "-0") == 0 || strspn(buf, "-0.") == strlen(buf))
        snprintf(buf, sizeof buf, "%.*f", decimals, 0.0);
    add(p, key, dup(buf), V_NUM);
}

void pr_raw(printer *p, const char *key, const char *json, const char *text)
{
    if (p->format == PR_JSON || p->format == PR_JSONL)
        add(p, key, dup(json), V_NUM);
    else
        pr_str(p, key, text);
}

/* ---- escaping ------------------------------------------------------ */

void pr_json_string(FILE *out, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    fputc('"', out);
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        if (c < 0x80) {
            switch (c) {
            case '"': fputs("\\\"", out); break;
            case '\\': fputs("\\\\", out); break;
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            case '\b': fputs("\\b", out); break;
            case '\f': fputs("\\f", out); break;
            default:
                if (c < 0x20 || c == 0x7f)
                    fprintf(out, "\\u%04x", c);
                else
                    fputc((int)c, out);
            }
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            fputs("\\ufffd", out);   /* never emit invalid UTF-8 */
            i++;
        } else {
            if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x80 && cp <= 0x9f))
                fprintf(out, "\\u%04x", (unsigned)cp);
            else
                fwrite(u + i, 1, (size_t)n, out);
            i += (size_t)n;
        }
    }
    fputc('"', out);
}

/* Text and TSV: control characters become visible escapes, so a value can
 * never break a line, a column, or the terminal.  TSV escapes backslash too
 * so that the escapes can be undone. */
static void plain(FILE *out, const char *s, int tsv)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        if (c < 0x80) {
            if (c == '\n')
                fputs("\\n", out);
            else if (c == '\t')
                fputs("\\t", out);
            else if (c == '\r')
                fputs("\\r", out);
            else if (c == '\\' && tsv)
                fputs("\\\\", out);
            else if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\x%02x", c);
            else
                fputc((int)c, out);
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            fputs("\xEF\xBF\xBD", out);
            i++;
        } else if (cp >= 0x80 && cp <= 0x9f) {
            fprintf(out, "\\u%04x", (unsigned)cp);
            i += (size_t)n;
        } else {
            fwrite(u + i, 1, (size_t)n, out);
            i += (size_t)n;
        }
    }
}

/* Columns a value takes in the text table (with the escapes above). */
static size_t width(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s), w = 0;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x80) {
            w += u[i] < 0x20 || u[i] == 0x7f ? (u[i] == '\n' || u[i] == '\t' || u[i] == '\r' ? 2 : 4) : 1;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            w += 1;
            i++;
            continue;
        }
        w += cp >= 0x80 && cp <= 0x9f ? 6 : (size_t)utf8proc_charwidth(cp);
        i += (size_t)n;
    }
    return w;
}

static const char *text_value(const field *f)
{
    if (f->kind == V_NULL)
        return "-";
    if (f->kind == V_BOOL)
        return strcmp(f->value, "true") == 0 ? "yes" : "no";
    return f->value;
}

/* ---- emitting ------------------------------------------------------ */

static void free_row(row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i].value);
    free(r->f);
    r->f = NULL;
    r->n = 0;
}

static void emit_json(printer *p, const row *r)
{
    fputc('{', p->out);
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            fputc(',', p->out);
        pr_json_string(p->out, r->f[i].key);
        fputc(':', p->out);
        if (r->f[i].kind == V_NULL)
            fputs("null", p->out);
        else if (r->f[i].kind == V_STR)
            pr_json_string(p->out, r->f[i].value);
        else
            fputs(r->f[i].value, p->out);
    }
    fputc('}', p->out);
}

static void emit_tsv(printer *p, const row *r)
{
    if (p->count == 0) {
        for (size_t i = 0; i < r->n; i++) {
            if (i)
                fputc('\t', p->out);
            fputs(r->f[i].key, p->out);
        }
        fputc('\n', p->out);
    }
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            fputc('\t', p->out);
        if (r->f[i].kind != V_NULL)
            plain(p->out, r->f[i].value, 1);
    }
    fputc('\n', p->out);
}

static void emit_pairs(printer *p, const row *r)
{
    size_t kw = 0;
    for (size_t i = 0; i < r->n; i++)
        if (strlen(r->f[i].key) > kw)
            kw = strlen(r->f[i].key);
    if (p->count)
        fputc('\n', p->out);
    for (size_t i = 0; i < r->n; i++) {
        fprintf(p->out, "%s:%*s ", r->f[i].key, (int)(kw - strlen(r->f[i].key)), "");
        plain(p->out, text_value(&r->f[i]), 0);
        fputc('\n', p->out);
    }
}

void pr_end(printer *p)
{
    if (p->format == PR_TEXT && p->shape == PR_LIST) {
        if (p->nrows == p->rowcap) {
            size_t cap = p->rowcap ? p->rowcap * 2 : 64;
            row *rows = realloc(p->rows, cap * sizeof *rows);
            if (!rows) {
                p->failed = 1;
                free_row(&p->cur);
                return;
            }
            p->rows = rows;
            p->rowcap = cap;
        }
        p->rows[p->nrows++] = p->cur;
        p->cur.f = NULL;
        p->cur.n = 0;
        p->count++;
        return;
    }
    switch (p->format) {
    case PR_TEXT:
        emit_pairs(p, &p->cur);
        break;
    case PR_TSV:
        emit_tsv(p, &p->cur);
        break;
    case PR_JSON:
        if (p->shape == PR_LIST)
            fputs(p->count ? ",\n" : "\n", p->out);
        emit_json(p, &p->cur);
        if (p->shape == PR_ONE)
            fputc('\n', p->out);
        break;
    case PR_JSONL:
        emit_json(p, &p->cur);
        fputc('\n', p->out);
        break;
    }
    p->count++;
    free_row(&p->cur);
}

static void emit_table(printer *p)
{
    if (p->nrows == 0)
        return;
    size_t ncol = p->rows[0].n;
    size_t *w = calloc(ncol, sizeof *w);
    if (!w) {
        p->failed = 1;
        return;
    }
    for (size_t c = 0; c < ncol; c++)
        w[c] = strlen(p->rows[0].f[c].key);
    for (size_t r = 0; r < p->nrows; r++)
        for (size_t c = 0; c < ncol && c < p->rows[r].n; c++) {
            size_t x = width(text_value(&p->rows[r].f[c]));
            if (x > w[c])
                w[c] = x;
        }
    for (size_t c = 0; c < ncol; c++) {
        const char *k = p->rows[0].f[c].key;
        if (c + 1 < ncol)
            fprintf(p->out, "%s%*s  ", k, (int)(w[c] - strlen(k)), "");
        else
            fprintf(p->out, "%s\n", k);
    }
    for (size_t r = 0; r < p->nrows; r++) {
        for (size_t c = 0; c < ncol && c < p->rows[r].n; c++) {
            const char *v = text_value(&p->rows[r].f[c]);
            plain(p->out, v, 0);
            if (c + 1 < ncol)
                fprintf(p->out, "%*s  ", (int)(w[c] - width(v)), "");
        }
        fputc('\n', p->out);
    }
    free(w);
}

int pr_finish(printer *p)
{
    if (!p)
        return -1;
    if (p->format == PR_TEXT && p->shape == PR_LIST)
        emit_table(p);
    if (p->format == PR_JSON && p->shape == PR_LIST)
        fputs(p->count ? "\n]\n" : "]\n", p->out);
    for (size_t r = 0; r < p->nrows; r++)
        free_row(&p->rows[r]);
    free(p->rows);
    free_row(&p->cur);
    int failed = p->failed || fflush(p->out) != 0 || ferror(p->out);
    free(p);
    return failed ? -1 : 0;
}
