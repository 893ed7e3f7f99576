/* config.c - YAML configuration: a safe tree parser with positions and
 * value readers that report FILE:LINE:COL.  It knows no section: the
 * section table and loading a whole configuration are in config_sections.c. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* ---- errors -------------------------------------------------------- */

void as__cfg_error(as__cfgctx *c, const as__ynode *at, const char *fmt, ...)
{
    c->nerrors++;
    if (c->nerrors > AS_CONFIG_MAX_ERRORS)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char head[300];
    if (at)
        snprintf(head, sizeof head, "%s:%d:%d: ", c->file, at->line, at->col);
    else
        snprintf(head, sizeof head, "%s: ", c->file);
    as__buf_adds(&c->errors, head);
    as__buf_adds(&c->errors, msg);
    as__buf_addc(&c->errors, '\n');
    if (c->nerrors == AS_CONFIG_MAX_ERRORS)
        as__buf_adds(&c->errors, "(further errors not shown)\n");
}

/* ---- the tree ------------------------------------------------------ */

void as__ynode_free(as__ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        as__ynode_free(n->items[i]);
        if (n->keys)
            as__ynode_free(n->keys[i]);
    }
    free(n->items);
    free(n->keys);
    free(n->value);
    free(n);
}

typedef struct yparser {
    as__cfgctx *c;
    yaml_parser_t p;
    size_t nodes;
    int failed;
} yparser;

static as__ynode *new_node(yparser *y, as__ykind kind, const yaml_event_t *ev)
{
    if (++y->nodes > AS_YAML_MAX_NODES) {
        if (!y->failed)
            as__cfg_error(y->c, NULL, "more than %d YAML nodes", AS_YAML_MAX_NODES);
        y->failed = 1;
        return NULL;
    }
    as__ynode *n = calloc(1, sizeof *n);
    if (!n) {
        y->failed = 1;
        return NULL;
    }
    n->kind = kind;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    return n;
}

static int push(as__ynode *parent, as__ynode *key, as__ynode *item)
{
    as__ynode **items = realloc(parent->items, (parent->n + 1) * sizeof *items);
    if (!items)
        return -1;
    parent->items = items;
    if (parent->kind == AS_Y_MAP) {
        as__ynode **keys = realloc(parent->keys, (parent->n + 1) * sizeof *keys);
        if (!keys)
            return -1;
        parent->keys = keys;
        keys[parent->n] = key;
    }
    items[parent->n++] = item;
    return 0;
}

static int next_event(yparser *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->p, ev)) {
        as__cfgctx *c = y->c;
        c->nerrors++;
        char head[400];
        snprintf(head, sizeof head, "%s:%zu:%zu: ", c->file, y->p.problem_mark.line + 1,
                 y->p.problem_mark.column + 1);
        as__buf_adds(&c->errors, head);
        as__buf_adds(&c->errors, y->p.problem ? y->p.problem : "YAML syntax error");
        if (y->p.context) {
            as__buf_adds(&c->errors, " (");
            as__buf_adds(&c->errors, y->p.context);
            as__buf_adds(&c->errors, ")");
        }
        as__buf_addc(&c->errors, '\n');
        y->failed = 1;
        return -1;
    }
    return 0;
}

/* Parse the node whose first event is ev (consumed by the caller's
 * delete).  Returns the node or NULL on failure. */
static as__ynode *parse_node(yparser *y, yaml_event_t *ev, int depth)
{
    if (depth > AS_YAML_MAX_DEPTH) {
        as__ynode at = {.line = (int)ev->start_mark.line + 1, .col = (int)ev->start_mark.column + 1};
        as__cfg_error(y->c, &at, "nesting deeper than %d levels", AS_YAML_MAX_DEPTH);
        y->failed = 1;
        return NULL;
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        as__ynode at = {.line = (int)ev->start_mark.line + 1, .col = (int)ev->start_mark.column + 1};
        as__cfg_error(y->c, &at, "YAML aliases (*%s) are not supported; write the value out",
                      (const char *)ev->data.alias.anchor);
        y->failed = 1;
        return NULL;
    }
    case YAML_SCALAR_EVENT: {
        if (ev->data.scalar.anchor) {
            as__ynode at = {.line = (int)ev->start_mark.line + 1, .col = (int)ev->start_mark.column + 1};
            as__cfg_error(y->c, &at, "YAML anchors (&%s) are not supported",
                          (const char *)ev->data.scalar.anchor);
            y->failed = 1;
            return NULL;
        }
        as__ynode *n = new_node(y, AS_Y_SCALAR, ev);
        if (!n)
            return NULL;
        n->value = as__strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (!n->value || strlen(n->value) != ev->data.scalar.length) {
            if (n->value)
                as__cfg_error(y->c, n, "a NUL character in a value");
            as__ynode_free(n);
            y->failed = 1;
            return NULL;
        }
        return n;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int map = ev->type == YAML_MAPPING_START_EVENT;
        const yaml_char_t *anchor = map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        if (anchor) {
            as__ynode at = {.line = (int)ev->start_mark.line + 1, .col = (int)ev->start_mark.column + 1};
            as__cfg_error(y->c, &at, "YAML anchors (&%s) are not supported", (const char *)anchor);
            y->failed = 1;
            return NULL;
        }
        as__ynode *n = new_node(y, map ? AS_Y_MAP : AS_Y_SEQ, ev);
        if (!n)
            return NULL;
        for (;;) {
            yaml_event_t e;
            if (next_event(y, &e) < 0) {
                as__ynode_free(n);
                return NULL;
            }
            if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                return n;
            }
            as__ynode *key = NULL;
            if (map) {
                key = parse_node(y, &e, depth + 1);
                yaml_event_delete(&e);
                if (!key) {
                    as__ynode_free(n);
                    return NULL;
                }
                if (key->kind != AS_Y_SCALAR) {
                    as__cfg_error(y->c, key, "a mapping key must be a plain value");
                    as__ynode_free(key);
                    as__ynode_free(n);
                    y->failed = 1;
                    return NULL;
                }
                if (as__ymap_get(n, key->value)) {
                    as__cfg_error(y->c, key, "duplicate key '%s'", key->value);
                    y->failed = 1;
                }
                if (next_event(y, &e) < 0) {
                    as__ynode_free(key);
                    as__ynode_free(n);
                    return NULL;
                }
            }
            as__ynode *item = parse_node(y, &e, depth + 1);
            yaml_event_delete(&e);
            if (!item || push(n, key, item) < 0) {
                as__ynode_free(key);
                as__ynode_free(item);
                as__ynode_free(n);
                y->failed = 1;
                return NULL;
            }
        }
    }
    default:
        y->failed = 1;
        return NULL;
    }
}

as__ynode *as__yaml_parse(as__cfgctx *c, const char *text, size_t len)
{
    yparser y = {.c = c};
    if (!yaml_parser_initialize(&y.p))
        return NULL;
    yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
    as__ynode *root = NULL;
    yaml_event_t ev;
    int docs = 0;
    while (next_event(&y, &ev) == 0) {
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            as__ynode at = {.line = (int)ev.start_mark.line + 1, .col = (int)ev.start_mark.column + 1};
            as__cfg_error(c, &at, "more than one YAML document");
            yaml_event_delete(&ev);
            y.failed = 1;
            break;
        }
        if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT) {
            root = parse_node(&y, &ev, 0);
            yaml_event_delete(&ev);
            if (!root)
                break;
            continue;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&y.p);
    if (y.failed) {
        as__ynode_free(root);
        return NULL;
    }
    return root;
}

/* ---- reading values ------------------------------------------------ */

const as__ynode *as__ymap_get(const as__ynode *map, const char *key)
{
    if (!map || map->kind != AS_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->value, key) == 0)
            return map->items[i];
    return NULL;
}

int as__cfg_map_keys(as__cfgctx *c, const as__ynode *node, const char *what,
                     const char *const *allowed)
{
    if (!node || node->kind != AS_Y_MAP) {
        as__cfg_error(c, node, "%s must be a mapping (key: value lines)", what);
        return -1;
    }
    for (size_t i = 0; i < node->n; i++) {
        const char *k = node->keys[i]->value;
        int ok = 0;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = strcmp(k, allowed[j]) == 0;
        if (!ok) {
            as_buf list = {0};
            for (size_t j = 0; allowed[j]; j++) {
                as__buf_adds(&list, j ? ", " : "");
                as__buf_adds(&list, allowed[j]);
            }
            as__cfg_error(c, node->keys[i], "unknown key '%s' in %s (known: %s)", k, what,
                          list.data ? list.data : "none");
            as__buf_free(&list);
        }
    }
    return 0;
}

int as__cfg_str(as__cfgctx *c, const as__ynode *n, const char **out)
{
    if (!n || n->kind != AS_Y_SCALAR) {
        as__cfg_error(c, n, "expected a text value");
        return -1;
    }
    *out = n->value;
    return 0;
}

int as__cfg_int(as__cfgctx *c, const as__ynode *n, long long min, long long max, long long *out)
{
    if (!n || n->kind != AS_Y_SCALAR) {
        as__cfg_error(c, n, "expected a whole number");
        return -1;
    }
    char *end;
    errno = 0;
    long long v = strtoll(n->value, &end, 10);
    if (errno || end == n->value || *end) {
        as__cfg_error(c, n, "'%s' is not a whole number", n->value);
        return -1;
    }
    if (v < min || v > max) {
        as__cfg_error(c, n, "%lld is out of range (%lld to %lld)", v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int as__cfg_real(as__cfgctx *c, const as__ynode *n, double min, double max, double *out)
{
    if (!n || n->kind != AS_Y_SCALAR) {
        as__cfg_error(c, n, "expected a number");
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(n->value, &end);
    if (errno || end == n->value || *end || !isfinite(v)) {
        as__cfg_error(c, n, "'%s' is not a number", n->value);
        return -1;
    }
    if (v < min || v > max) {
        as__cfg_error(c, n, "%g is out of range (%g to %g)", v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int as__cfg_bool(as__cfgctx *c, const as__ynode *n, int *out)
{
    int v = n && n->kind == AS_Y_SCALAR ? as__parse_bool(n->value) : -1;
    if (v < 0) {
        as__cfg_error(c, n, "expected true or false");
        return -1;
    }
    *out = v;
    return 0;
}

int as__cfg_duration(as__cfgctx *c, const as__ynode *n, int64_t *out)
{
    if (!n || n->kind != AS_Y_SCALAR || !n->value[0]) {
        as__cfg_error(c, n, "expected a duration such as 30m, 2h or 1d");
        return -1;
    }
    if (as_duration_parse(n->value, out) != AS_OK) {
        as__cfg_error(c, n, "'%s' is not a duration (such as 90s, 30m, 2h, 1d or 1h30m)",
                      n->value);
        return -1;
    }
    return 0;
}

int as__cfg_utc_offset(as__cfgctx *c, const as__ynode *n, int *out)
{
    const char *s;
    if (as__cfg_str(c, n, &s) < 0)
        return -1;
    if (strcmp(s, "Asia/Shanghai") == 0 || strcmp(s, "Asia/Chongqing") == 0 ||
        strcmp(s, "PRC") == 0 || strcmp(s, "Asia/Hong_Kong") == 0 || strcmp(s, "Asia/Macau") == 0 ||
        strcmp(s, "Asia/Taipei") == 0) {
        *out = AS_DEFAULT_UTC_OFFSET;   /* UTC+8, no daylight saving since 1991 */
        return 0;
    }
    if (strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0) {
        *out = 0;
        return 0;
    }
    int sign = s[0] == '-' ? -1 : s[0] == '+' ? 1 : 0;
    if (sign && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) && s[3] == ':' &&
        isdigit((unsigned char)s[4]) && isdigit((unsigned char)s[5]) && !s[6]) {
        int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[4] - '0') * 10 + (s[5] - '0');
        if (m < 60 && h * 60 + m <= 14 * 60) {
            *out = sign * (h * 60 + m);
            return 0;
        }
    }
    as__cfg_error(c, n, "'%s' is not a time zone this library knows (Asia/Shanghai, UTC, or an"
                        " offset such as +08:00)", s);
    return -1;
}
