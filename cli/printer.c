/* printer.c - text tables, TSV, JSON and JSON Lines from one description. */
#include "printer.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

enum { V_STR, V_NUM, V_BOOL, V_NULL, V_OBJ, V_ARR };

enum { MAX_DEPTH = 16 };

typedef struct node {
    const char *key;         /* NULL inside an array */
    char *owned_key;         /* key's storage when it was copied */
    int kind;
    char *value;             /* scalars: the rendered text (NULL for V_NULL) */
    struct node *kids;       /* V_OBJ, V_ARR */
    size_t n, cap;
} node;

struct printer {
    FILE *out;
    int format, shape, offset;
    node root;               /* the record being built (V_OBJ) */
    node *stack[MAX_DEPTH];  /* open containers; stack[0] is &root */
    int depth;
    node *rows;              /* kept for the text table */
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

static void free_node(node *n)
{
    for (size_t i = 0; i < n->n; i++)
        free_node(&n->kids[i]);
    free(n->kids);
    free(n->value);
    free(n->owned_key);
    memset(n, 0, sizeof *n);
}

void pr_begin(printer *p)
{
    free_node(&p->root);
    p->root.kind = V_OBJ;
    p->stack[0] = &p->root;
    p->depth = 1;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

/* Append a node to the open container; returns it, or NULL (failed set). */
static node *add(printer *p, const char *key, int copy_key, int kind, char *value)
{
    if (p->depth < 1) {
        free(value);
        p->failed = 1;
        return NULL;
    }
    node *parent = p->stack[p->depth - 1];
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 16;
        node *k = realloc(parent->kids, cap * sizeof *k);
        if (!k) {
            free(value);
            p->failed = 1;
            return NULL;
        }
        parent->kids = k;
        parent->cap = cap;
    }
    if (!value && kind != V_NULL && kind != V_OBJ && kind != V_ARR) {
        p->failed = 1;
        kind = V_NULL;
    }
    node *n = &parent->kids[parent->n++];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->value = value;
    if (parent->kind == V_ARR) {
        n->key = NULL;
    } else if (copy_key && key) {
        n->owned_key = dup(key);
        n->key = n->owned_key ? n->owned_key : "";
        if (!n->owned_key)
            p->failed = 1;
    } else {
        n->key = key ? key : "";
    }
    return n;
}

void pr_str(printer *p, const char *key, const char *value)
{
    if (value)
        add(p, key, 0, V_STR, dup(value));
    else
        add(p, key, 0, V_NULL, NULL);
}

void pr_int(printer *p, const char *key, int64_t value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, value);
    add(p, key, 0, V_NUM, dup(buf));
}

void pr_pct(printer *p, const char *key, double pct)
{
    if (pct < 0)
        pr_null(p, key);
    else
        pr_real(p, key, pct, 1);
}

void pr_int_or_null(printer *p, const char *key, int64_t value, int64_t none)
{
    if (value == none)
        pr_null(p, key);
    else
        pr_int(p, key, value);
}

void pr_bool(printer *p, const char *key, int value)
{
    add(p, key, 0, V_BOOL, dup(value ? "true" : "false"));
}

void pr_null(printer *p, const char *key)
{
    add(p, key, 0, V_NULL, NULL);
}

void pr_time(printer *p, const char *key, int64_t t)
{
    char buf[AS_TIME_BUFSIZE];
    if (t == 0)
        pr_null(p, key);
    else
        add(p, key, 0, V_STR, dup(as_time_format(t, p->offset, buf)));
}

/* A number's text with a fixed count of decimals; "-0.00" becomes "0.00". */
static void real_text(char *buf, size_t n, double value, int decimals)
{
    snprintf(buf, n, "%.*f", decimals, value);
    if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
        snprintf(buf, n, "%.*f", decimals, 0.0);
}

void pr_real(printer *p, const char *key, double value, int decimals)
{
    char buf[64];
    if (!isfinite(value)) {   /* JSON has no NaN or infinity */
        pr_null(p, key);
        return;
    }
    real_text(buf, sizeof buf, value, decimals);
    add(p, key, 0, V_NUM, dup(buf));
}

void pr_money(printer *p, const char *stem, int64_t fen)
{
    char key[96], yuan[48];
    snprintf(key, sizeof key, "%s_fen", stem);
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, fen);
    add(p, key, 1, V_NUM, dup(buf));
    uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(yuan, sizeof yuan, "%s%" PRIu64 ".%02u", fen < 0 ? "-" : "", a / 100,
             (unsigned)(a % 100));
    snprintf(key, sizeof key, "%s_yuan", stem);
    add(p, key, 1, V_STR, dup(yuan));
}

static void open_container(printer *p, const char *key, int kind)
{
    node *n = add(p, key, 0, kind, NULL);
    if (!n)
        return;
    if (p->depth >= MAX_DEPTH) {
        p->failed = 1;
        return;
    }
    p->stack[p->depth++] = n;
}

void pr_obj_begin(printer *p, const char *key)
{
    open_container(p, key, V_OBJ);
}

void pr_arr_begin(printer *p, const char *key)
{
    open_container(p, key, V_ARR);
}

static void close_container(printer *p, int kind)
{
    if (p->depth < 2 || p->stack[p->depth - 1]->kind != kind) {
        p->failed = 1;
        return;
    }
    p->depth--;
}

void pr_obj_end(printer *p)
{
    close_container(p, V_OBJ);
}

void pr_arr_end(printer *p)
{
    close_container(p, V_ARR);
}

void pr_fields(printer *p, const char *key, const as_field *f, size_t n)
{
    pr_obj_begin(p, key);
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        switch (f[i].type) {
        case AS_VALUE_TEXT:
            add(p, f[i].name, 1, f[i].text ? V_STR : V_NULL, f[i].text ? dup(f[i].text) : NULL);
            break;
        case AS_VALUE_INT:
            snprintf(buf, sizeof buf, "%" PRId64, f[i].i);
            add(p, f[i].name, 1, V_NUM, dup(buf));
            break;
        case AS_VALUE_REAL:
            if (isfinite(f[i].r)) {
                snprintf(buf, sizeof buf, "%.17g", f[i].r);
                add(p, f[i].name, 1, V_NUM, dup(buf));
            } else {
                add(p, f[i].name, 1, V_NULL, NULL);
            }
            break;
        case AS_VALUE_BOOL:
            add(p, f[i].name, 1, V_BOOL, dup(f[i].i ? "true" : "false"));
            break;
        case AS_VALUE_NULL:
        default:
            add(p, f[i].name, 1, V_NULL, NULL);
            break;
        }
    }
    pr_obj_end(p);
}

void pr_raw(printer *p, const char *key, const char *json, const char *text)
{
    if (p->format == PR_JSON || p->format == PR_JSONL)
        add(p, key, 0, V_NUM, dup(json));
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
        /* A run of printable ASCII that needs no escape goes out at once. */
        size_t run = i;
        while (run < len && u[run] >= 0x20 && u[run] < 0x7f && !(tsv && u[run] == '\\'))
            run++;
        if (run > i) {
            fwrite(u + i, 1, run - i, out);
            i = run;
            continue;
        }
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

/* ---- rendering ----------------------------------------------------- */

static void emit_json_node(FILE *out, const node *n)
{
    switch (n->kind) {
    case V_NULL:
        fputs("null", out);
        return;
    case V_STR:
        pr_json_string(out, n->value);
        return;
    case V_NUM:
    case V_BOOL:
        fputs(n->value, out);
        return;
    case V_OBJ:
        fputc('{', out);
        for (size_t i = 0; i < n->n; i++) {
            if (i)
                fputc(',', out);
            pr_json_string(out, n->kids[i].key);
            fputc(':', out);
            emit_json_node(out, &n->kids[i]);
        }
        fputc('}', out);
        return;
    case V_ARR:
        fputc('[', out);
        for (size_t i = 0; i < n->n; i++) {
            if (i)
                fputc(',', out);
            emit_json_node(out, &n->kids[i]);
        }
        fputc(']', out);
        return;
    }
}

/* The compact text of a value for tables: "k=v, k=v", "a; b", yes/no, "-";
 * below the top level an object is {k=v, ...} and an array [a; b], so that
 * nesting stays readable. */
static void compact_level(FILE *out, const node *n, int depth)
{
    switch (n->kind) {
    case V_NULL:
        fputs("-", out);
        return;
    case V_BOOL:
        fputs(strcmp(n->value, "true") == 0 ? "yes" : "no", out);
        return;
    case V_STR:
    case V_NUM:
        fputs(n->value, out);
        return;
    case V_OBJ:
        if (depth)
            fputc('{', out);
        for (size_t i = 0; i < n->n; i++) {
            fprintf(out, "%s%s=", i ? ", " : "", n->kids[i].key);
            compact_level(out, &n->kids[i], depth + 1);
        }
        if (depth)
            fputc('}', out);
        return;
    case V_ARR:
        if (depth)
            fputc('[', out);
        for (size_t i = 0; i < n->n; i++) {
            if (i)
                fputs("; ", out);
            compact_level(out, &n->kids[i], depth + 1);
        }
        if (depth)
            fputc(']', out);
        return;
    }
}

static void compact_text(FILE *out, const node *n)
{
    compact_level(out, n, 0);
}

/* A malloc'd rendering of n (JSON text when json, else compact text), for
 * a table cell or a TSV field. */
static char *render(const node *n, int json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    if (json)
        emit_json_node(m, n);
    else
        compact_text(m, n);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The text a scalar shows in text output. */
static const char *text_scalar(const node *f)
{
    if (f->kind == V_NULL)
        return "-";
    if (f->kind == V_BOOL)
        return strcmp(f->value, "true") == 0 ? "yes" : "no";
    return f->value;
}

/* A table cell: a scalar's text, or a nested value's compact text
 * (malloc'd into *tmp). */
static const char *cell(const node *f, char **tmp)
{
    *tmp = NULL;
    if (f->kind != V_OBJ && f->kind != V_ARR)
        return text_scalar(f);
    *tmp = render(f, 0);
    return *tmp ? *tmp : "";
}

static void emit_tsv(printer *p, const node *r)
{
    if (p->count == 0) {
        for (size_t i = 0; i < r->n; i++) {
            if (i)
                fputc('\t', p->out);
            fputs(r->kids[i].key, p->out);
        }
        fputc('\n', p->out);
    }
    for (size_t i = 0; i < r->n; i++) {
        const node *f = &r->kids[i];
        if (i)
            fputc('\t', p->out);
        if (f->kind == V_OBJ || f->kind == V_ARR) {
            char *t = render(f, 1);
            if (!t)
                p->failed = 1;
            else
                plain(p->out, t, 1);
            free(t);
        } else if (f->kind != V_NULL) {
            plain(p->out, f->value, 1);
        }
    }
    fputc('\n', p->out);
}

/* An aligned table of rows (objects); indent spaces before each line. */
static void emit_table(printer *p, const node *rows, size_t nrows, int indent)
{
    if (nrows == 0)
        return;
    size_t ncol = rows[0].n;
    size_t *w = calloc(ncol ? ncol : 1, sizeof *w);
    if (!w) {
        p->failed = 1;
        return;
    }
    for (size_t c = 0; c < ncol; c++)
        w[c] = width(rows[0].kids[c].key);
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncol && c < rows[r].n; c++) {
            char *tmp;
            size_t x = width(cell(&rows[r].kids[c], &tmp));
            free(tmp);
            if (x > w[c])
                w[c] = x;
        }
    fprintf(p->out, "%*s", indent, "");
    for (size_t c = 0; c < ncol; c++) {
        const char *k = rows[0].kids[c].key;
        if (c + 1 < ncol)
            fprintf(p->out, "%s%*s  ", k, (int)(w[c] - width(k)), "");
        else
            fprintf(p->out, "%s\n", k);
    }
    for (size_t r = 0; r < nrows; r++) {
        fprintf(p->out, "%*s", indent, "");
        for (size_t c = 0; c < ncol && c < rows[r].n; c++) {
            char *tmp;
            const char *v = cell(&rows[r].kids[c], &tmp);
            plain(p->out, v, 0);
            if (c + 1 < ncol)
                fprintf(p->out, "%*s  ", (int)(w[c] - width(v)), "");
            free(tmp);
        }
        fputc('\n', p->out);
    }
    free(w);
}

/* Is n an array whose elements are all objects (and at least one)? */
static int array_of_objects(const node *n)
{
    if (n->kind != V_ARR || n->n == 0)
        return 0;
    for (size_t i = 0; i < n->n; i++)
        if (n->kids[i].kind != V_OBJ)
            return 0;
    return 1;
}

/* One record as "key: value" lines; arrays of objects follow as tables. */
static void emit_pairs(printer *p, const node *r)
{
    size_t kw = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!array_of_objects(&r->kids[i]) && strlen(r->kids[i].key) > kw)
            kw = strlen(r->kids[i].key);
    if (p->count)
        fputc('\n', p->out);
    for (size_t i = 0; i < r->n; i++) {
        const node *f = &r->kids[i];
        if (array_of_objects(f))
            continue;
        char *tmp;
        fprintf(p->out, "%s:%*s ", f->key, (int)(kw - strlen(f->key)), "");
        plain(p->out, cell(f, &tmp), 0);
        free(tmp);
        fputc('\n', p->out);
    }
    for (size_t i = 0; i < r->n; i++) {
        const node *f = &r->kids[i];
        if (!array_of_objects(f))
            continue;
        fprintf(p->out, "\n%s:\n", f->key);
        emit_table(p, f->kids, f->n, 2);
    }
}

void pr_end(printer *p)
{
    if (p->depth != 1)
        p->failed = 1;
    p->depth = 0;
    if (p->format == PR_TEXT && p->shape == PR_LIST) {
        if (p->nrows == p->rowcap) {
            size_t cap = p->rowcap ? p->rowcap * 2 : 64;
            node *rows = realloc(p->rows, cap * sizeof *rows);
            if (!rows) {
                p->failed = 1;
                free_node(&p->root);
                return;
            }
            p->rows = rows;
            p->rowcap = cap;
        }
        p->rows[p->nrows++] = p->root;
        memset(&p->root, 0, sizeof p->root);
        p->count++;
        return;
    }
    switch (p->format) {
    case PR_TEXT:
        emit_pairs(p, &p->root);
        break;
    case PR_TSV:
        emit_tsv(p, &p->root);
        break;
    case PR_JSON:
        if (p->shape == PR_LIST)
            fputs(p->count ? ",\n" : "\n", p->out);
        emit_json_node(p->out, &p->root);
        if (p->shape == PR_ONE)
            fputc('\n', p->out);
        break;
    case PR_JSONL:
        emit_json_node(p->out, &p->root);
        fputc('\n', p->out);
        break;
    }
    p->count++;
    free_node(&p->root);
}

int pr_finish(printer *p)
{
    if (!p)
        return -1;
    if (p->format == PR_TEXT && p->shape == PR_LIST)
        emit_table(p, p->rows, p->nrows, 0);
    if (p->format == PR_JSON && p->shape == PR_LIST)
        fputs(p->count ? "\n]\n" : "]\n", p->out);
    for (size_t r = 0; r < p->nrows; r++)
        free_node(&p->rows[r]);
    free(p->rows);
    free_node(&p->root);
    int failed = p->failed || fflush(p->out) != 0 || ferror(p->out);
    free(p);
    return failed ? -1 : 0;
}
