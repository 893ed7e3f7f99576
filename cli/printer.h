/* printer.h - the one output formatter behind --format.
 *
 * A command describes records field by field; the printer renders them as
 * an aligned text table (or "key: value" lines for a single record), TSV
 * with a header line, a JSON array (or one object), or JSON Lines.  Field
 * names are the JSON contract: adding fields is fine, renaming is not. */
#ifndef AS_PRINTER_H
#define AS_PRINTER_H

#include <stdint.h>
#include <stdio.h>

enum { PR_TEXT, PR_TSV, PR_JSON, PR_JSONL };

/* A list of records, or one record (show). */
enum { PR_LIST, PR_ONE };

typedef struct printer printer;

/* Parse a --format value; -1 when unknown. */
int pr_format_parse(const char *name);

printer *pr_new(FILE *out, int format, int shape, int utc_offset_minutes);
void pr_begin(printer *p);
void pr_str(printer *p, const char *key, const char *value);   /* NULL prints null */
void pr_int(printer *p, const char *key, int64_t value);
/* A number with a fixed count of decimals (scores; never money). */
void pr_real(printer *p, const char *key, double value, int decimals);
void pr_bool(printer *p, const char *key, int value);
void pr_null(printer *p, const char *key);
void pr_time(printer *p, const char *key, int64_t t);          /* 0 prints null */
/* A value that is JSON (an array, an object) in json/jsonl and the text
 * in text/tsv. */
void pr_raw(printer *p, const char *key, const char *json, const char *text);
void pr_end(printer *p);
/* Flush and free.  Returns 0, or -1 if writing failed. */
int pr_finish(printer *p);

/* Write s as a JSON string (with quotes) to out. */
void pr_json_string(FILE *out, const char *s);

#endif
