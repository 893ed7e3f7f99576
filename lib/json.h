/* json.h - internal: one strict JSON reader (RFC 8259) for the library.
 *
 * What the library stores as JSON text (a feedback row's stars, reasons and
 * unknown columns, its history, a notification's payload) reaches callers
 * as C structures, never as text to parse; this reader turns the stored text
 * back into values.  It needs no database handle (the import's pure stage
 * can use it).  Nesting is limited to AS__JSON_MAX_DEPTH; strings must be
 * valid UTF-8 and escapes are decoded (surrogate pairs joined; a lone
 * surrogate is an error).
 */
#ifndef AS_JSON_H
#define AS_JSON_H

#include "internal.h"

enum { AS__JSON_MAX_DEPTH = 64 };

typedef enum as__jtype {
    AS__J_NULL,
    AS__J_BOOL,
    AS__J_NUMBER,
    AS__J_STRING,
    AS__J_ARRAY,
    AS__J_OBJECT
} as__jtype;

typedef struct as__json as__json;
struct as__json {
    as__jtype type;
    int b;                   /* BOOL */
    double num;              /* NUMBER: the nearest double (for scores only;
                              * never for money: read str) */
    int is_int;              /* NUMBER: an integer that fits int64_t */
    int64_t i;               /* NUMBER when is_int */
    char *str;               /* STRING: decoded, NUL-terminated (it may hold a
                              * NUL from \u0000: compare len with strlen);
                              * NUMBER: the number's text exactly as written
                              * ("1e3", "0.30000000000000004"), which
                              * as__json_write() writes back unchanged */
    size_t len;              /* STRING, NUMBER: the byte length of str */
    size_t n;                /* ARRAY, OBJECT: the number of members */
    as__json *items;         /* ARRAY, OBJECT: the members' values */
    char **keys;             /* OBJECT: the members' keys (decoded) */
};

/* Parse text[0, len) as one JSON value (surrounding white space allowed).
 * *out is malloc'd; free with as__json_free().  On failure returns
 * AS_INVALID with a reason ("at byte 12: expected ':'") in why, or AS_NOMEM. */
as_status as__json_parse(const char *text, size_t len, as__json **out, char *why, size_t whysz);

/* Flags of as__json_parse_ex(). */
#define AS__JSON_UNIQUE_KEYS 0x1u  /* a key twice in one object is an error
                                    * ("key 'a' appears twice in an object") */

/* as__json_parse with flags (as__json_parse is flags 0: RFC 8259 leaves
 * duplicate keys to the reader, and stored JSON of older versions may
 * have them). */
as_status as__json_parse_ex(const char *text, size_t len, unsigned flags, as__json **out,
                            char *why, size_t whysz);
void as__json_free(as__json *j);

/* The member key of an object, or NULL. */
const as__json *as__json_get(const as__json *obj, const char *key);

/*
 * Typed fields from a JSON object's text (NULL or "" gives none): one
 * malloc'd block holding the array and every string (free it with free()).
 * Scalars map to AS_VALUE_*; a nested array or object becomes
 * AS_VALUE_TEXT holding its JSON text.  Returns AS_OK, AS_INVALID (not a
 * JSON object), AS_NOMEM.
 */
as_status as__json_fields(const char *text, as_field **out, size_t *n);

/* Append v as compact JSON text to b; 0, or -1 when out of memory. */
int as__json_write(as_buf *b, const as__json *v);

#endif
