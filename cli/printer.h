/* printer.h - the one output formatter behind --format.
 *
 * A command describes each record field by field, nesting objects and
 * arrays where the data nests; the printer renders it as
 *  - text: an aligned table of records (nested values in a compact form:
 *    "k=v, k=v" for an object, "a; b" for an array), or "key: value" lines
 *    for a single record, where an array of objects becomes a table of its
 *    own under the record;
 *  - tsv: a header line, then one line per record (nested values as
 *    compact JSON text);
 *  - json: an array of objects (or one object);
 *  - jsonl: one object per line.
 * Field names are the JSON contract (docs/json.md): adding fields is fine,
 * renaming or removing one is a breaking change.  The same fields appear in
 * every format.  Times are ISO 8601 with the business zone's offset, money
 * is integer fen (*_fen) with a decimal *_yuan string beside it, numbers
 * are numbers. */
#ifndef AS_PRINTER_H
#define AS_PRINTER_H

#include "aftersales.h"

#include <stdint.h>
#include <stdio.h>

enum { PR_TEXT, PR_TSV, PR_JSON, PR_JSONL };

/* A list of records, or one record (show). */
enum { PR_LIST, PR_ONE };

/* The version of the JSON contract (aftersales --format-version). */
#define PR_FORMAT_VERSION 2

typedef struct printer printer;

/* Parse a --format value; -1 when unknown. */
int pr_format_parse(const char *name);

printer *pr_new(FILE *out, int format, int shape, int utc_offset_minutes);

/* A record: pr_begin, its fields, pr_end. */
void pr_begin(printer *p);
void pr_end(printer *p);

/* Fields.  key is the field's name (static text); inside an array it must
 * be NULL. */
void pr_str(printer *p, const char *key, const char *value);   /* NULL prints null */
void pr_int(printer *p, const char *key, int64_t value);
/* A number with a fixed count of decimals (scores, percentages; never money).
 * Not finite prints null. */
void pr_real(printer *p, const char *key, double value, int decimals);
void pr_bool(printer *p, const char *key, int value);
void pr_null(printer *p, const char *key);
/* A time in the business zone, ISO 8601 with offset; 0 prints null. */
void pr_time(printer *p, const char *key, int64_t t);
/* Money: two fields, STEM_fen (integer) and STEM_yuan ("12.30"). */
void pr_money(printer *p, const char *stem, int64_t fen);
/* A percentage, 0-100 with one decimal; a negative value (the C API's -1
 * for "no base") prints null. */
void pr_pct(printer *p, const char *key, double pct);
/* An int that means "none" at a sentinel (-1, 0): null there. */
void pr_int_or_null(printer *p, const char *key, int64_t value, int64_t none);

/* Nested values. */
void pr_obj_begin(printer *p, const char *key);
void pr_obj_end(printer *p);
void pr_arr_begin(printer *p, const char *key);
void pr_arr_end(printer *p);

/* An object made of typed fields (keys copied). */
void pr_fields(printer *p, const char *key, const as_field *fields, size_t n);

/* Transitional: a value that is JSON text in json/jsonl and text in
 * text/tsv.  Being replaced by the nested calls above. */
void pr_raw(printer *p, const char *key, const char *json, const char *text);

/* Flush and free.  Returns 0, or -1 if writing failed. */
int pr_finish(printer *p);

/* Write s as a JSON string (with quotes) to out. */
void pr_json_string(FILE *out, const char *s);

#endif
