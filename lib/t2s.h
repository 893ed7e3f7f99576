/* t2s.h - internal: folding traditional Chinese characters to simplified.
 *
 * The table (data/t2s/t2s.tsv, generated once from OpenCC; see its
 * README.md) is compiled in.  Folding is by character: every code point
 * with an entry becomes its simplified form, everything else is kept.  The
 * lookup is a bitmap test for the Basic Multilingual Plane and a binary
 * search for the characters that have an entry, so text without
 * traditional characters costs one bit test per character.  Thread-safe
 * (read-only data).
 */
#ifndef AS_T2S_H
#define AS_T2S_H

#include "internal.h"

typedef struct as__cpair {
    uint32_t from, to;
} as__cpair;

extern const as__cpair as__t2s_table[];
extern const size_t as__t2s_table_count;
extern const unsigned char as__t2s_table_bmp[8192];

/* The simplified form of cp, or cp itself. */
uint32_t as__t2s_char(uint32_t cp);

/*
 * Fold the valid UTF-8 text[0, len).  When a character changes, *out
 * receives a malloc'd, NUL-terminated copy with the folded text and *outlen
 * its length; when nothing changes *out is NULL (use text as it is).
 * Invalid UTF-8 is copied byte for byte.  Returns AS_OK or AS_NOMEM.
 */
as_status as__t2s_fold(const char *text, size_t len, char **out, size_t *outlen);

#endif
