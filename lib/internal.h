/*
 * internal.h - shared between the library's source files; not installed.
 * Tests link the internal static library and may use these too.
 */
#ifndef AS_INTERNAL_H
#define AS_INTERNAL_H

#include "aftersales.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__GNUC__)
#define AS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define AS_PRINTF(f, a)
#endif

/* ---- the handle ---------------------------------------------------- */

/* A cached statement: the SQL text's address is the key, so only static
 * SQL strings go through as__stmt(). */
typedef struct as__stmt_slot {
    const char *key;         /* NULL: empty slot */
    sqlite3_stmt *stmt;
} as__stmt_slot;

/* Per-handle data owned by other modules (caches built on first use).
 * The handle only stores the pointer and calls the owner's destructor in
 * as_close(); it knows nothing else about them. */
typedef enum as__ext_slot {
    AS_EXT_SENTIMENT,        /* lexicon trie + model table (sentiment.c) */
    AS_EXT_CALENDARS,        /* calendars with their imported days (calendar.c) */
    AS_EXT_POINTS,           /* set once points.c's SQL functions are registered */
    AS_EXT_LAST
} as__ext_slot;

typedef struct as__ext {
    void *ptr;
    void (*destroy)(void *ptr);
} as__ext;

struct as_db {
    sqlite3 *sql;
    char *path;
    char *errmsg;            /* detail of the last failure; never NULL after open */
    int readonly;
    int immutable;           /* read-only file or directory, no WAL: opened
                              * immutable (no lock, no side file) */
    int reveal;              /* AS_OPEN_REVEAL: free text unmasked */
    int busy_timeout_ms;     /* as opened: how long a call may wait for a lock */
    int txn_depth;
    int utc_offset;          /* business zone, minutes east of UTC */
    const as_config *config; /* the caller's (borrowed) or own_config */
    as_config *own_config;   /* the built-in defaults, when no config was given */
    int schema_version;
    as__stmt_slot *cache;    /* open addressing by address, linear probing; never evicts */
    size_t cache_cap;        /* slots: 0 or a power of two */
    size_t ncache;           /* statements held (at most half the slots) */
    as__ext ext[AS_EXT_LAST];
};

/* 1 when the handle was opened with AS_OPEN_REVEAL: free text is read
 * with its phone numbers unmasked.  Otherwise reads mask them, in C with
 * as__mask_phones_n() or in SQL with the function as_mask_phones(x). */
int as__db_reveal(const as_db *db);

/* The data in a handle's slot, or NULL. */
void *as__ext_get(const as_db *db, as__ext_slot slot);
/* Store ptr in a slot with its destructor (called by as_close, or by the
 * next as__ext_set on that slot).  The previous data, if any, is destroyed
 * first; ptr NULL just empties the slot. */
void as__ext_set(as_db *db, as__ext_slot slot, void *ptr, void (*destroy)(void *ptr));

/* Record a failure: sets db->errmsg and returns status. */
as_status as__fail(as_db *db, as_status status, const char *fmt, ...) AS_PRINTF(3, 4);
as_status as__vfail(as_db *db, as_status status, const char *fmt, va_list ap);
/* Clear the detail (after success). */
void as__ok(as_db *db);
/* Map an SQLite result code to a status and record sqlite3_errmsg() with
 * the context text. */
as_status as__sqlfail(as_db *db, int rc, const char *context);
/* Map an SQLite result code to a status (no message). */
as_status as__sqlstatus(int rc);

/* A cached prepared statement for static SQL text (reset and cleared of
 * bindings), prepared on first use and kept until as_close (the cache
 * grows; it never evicts).  sql must be a string with static storage: its
 * address is the key.  Returns NULL and records the failure on error. */
sqlite3_stmt *as__stmt(as_db *db, const char *sql);
/* Execute SQL with no result rows; records failures. */
as_status as__exec(as_db *db, const char *sql);

/* Step a statement that changes data; returns AS_OK or the mapped error. */
as_status as__step_done(as_db *db, sqlite3_stmt *st, const char *context);

/* Transactions used by every write (nest into the caller's as_begin()). */
as_status as__write_begin(as_db *db);
/* Commit when status is AS_OK, else roll back; returns status (or the
 * commit failure). */
as_status as__write_end(as_db *db, as_status status);

/* ---- small SQLite helpers (inline: import and read loops call them per
 * row; the others are in sqlutil.c) --------------------------------- */

/* Bind text s to parameter i, or NULL when s is NULL.  The text is not
 * copied (SQLITE_STATIC): it must stay valid until the statement has been
 * stepped, as it does when a caller binds and steps right away. */
static inline void as__bind_text_or_null(sqlite3_stmt *stmt, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, i);
}

/* The same, but an empty string is no value either: NULL or "" bind NULL. */
static inline void as__bind_nonempty_or_null(sqlite3_stmt *stmt, int i, const char *s)
{
    as__bind_text_or_null(stmt, i, s && s[0] ? s : NULL);
}

/* Bind v, or NULL when v is null_value (a sentinel such as INT64_MIN). */
static inline void as__bind_int64_or_null(sqlite3_stmt *stmt, int i, int64_t v,
                                          int64_t null_value)
{
    if (v == null_value)
        sqlite3_bind_null(stmt, i);
    else
        sqlite3_bind_int64(stmt, i, v);
}

/* Column i as text (NULL for SQL NULL), borrowed until the next step or
 * reset of stmt. */
static inline const char *as__column_text(sqlite3_stmt *stmt, int i)
{
    return (const char *)sqlite3_column_text(stmt, i);
}

/* Column i as an integer, or null_value when it is SQL NULL. */
static inline int64_t as__column_int64_or(sqlite3_stmt *stmt, int i, int64_t null_value)
{
    return sqlite3_column_type(stmt, i) == SQLITE_NULL ? null_value
                                                       : sqlite3_column_int64(stmt, i);
}

static inline int as__column_int_or(sqlite3_stmt *stmt, int i, int null_value)
{
    return sqlite3_column_type(stmt, i) == SQLITE_NULL ? null_value : sqlite3_column_int(stmt, i);
}

/* A malloc'd copy of column i's text; SQL NULL (or no memory) gives NULL. */
char *as__column_dup(sqlite3_stmt *stmt, int i);
/* Copy column i's text into buf (size n, truncated, always terminated);
 * SQL NULL gives "". */
void as__column_copy(sqlite3_stmt *stmt, int i, char *buf, size_t n);

/* Run sql (prepared for this call only, so that the statement cache may
 * be used while the caller walks the result) with ?1 = arg and collect the
 * first column of every row (malloc'd array; free it). */
as_status as__collect_ids(as_db *db, const char *sql, int64_t arg, int64_t **ids, size_t *n);

/* ---- memory -------------------------------------------------------- */

char *as__strdup(const char *s);
char *as__strndup(const char *s, size_t n);
/* A copy of s, NULL staying NULL; sets *failed when out of memory (for
 * copying a record's strings and checking once). */
char *as__strdup_opt(const char *s, int *failed);
/* malloc'd printf. */
char *as__printf(const char *fmt, ...) AS_PRINTF(1, 2);

/* Room for need elements of size bytes in the array *p of capacity *cap
 * (doubling from 16); 0, or -1 when out of memory or too large.  Inline:
 * the profile pass calls it per record. */
static inline int as__grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    if (size && c > SIZE_MAX / size)
        return -1;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* A growable byte buffer. */
typedef struct as_buf {
    char *data;
    size_t len;
    size_t cap;
} as_buf;

int as__buf_reserve(as_buf *b, size_t extra);   /* 0 ok, -1 no memory */
int as__buf_add(as_buf *b, const void *p, size_t n);
int as__buf_addc(as_buf *b, char c);
int as__buf_adds(as_buf *b, const char *s);
void as__buf_free(as_buf *b);

/* ---- text ---------------------------------------------------------- */

/*
 * Validate UTF-8 (no NUL) and NFC-normalise text into a malloc'd string.
 * On failure returns AS_INVALID and writes a reason ("invalid UTF-8 at
 * byte 3") into why (size whysz), or AS_NOMEM.
 */
as_status as__text_nfc(const char *in, size_t len, char **out, char *why, size_t whysz);
/* The same with NFKC and case folding, for matching. */
as_status as__text_nfkc_fold(const char *in, size_t len, char **out, char *why, size_t whysz);
/* NFKC without case folding (plates), as as__text_nfkc_fold otherwise. */
as_status as__text_nfkc(const char *in, size_t len, char **out, char *why, size_t whysz);
/* Decode the UTF-8 sequence at s (left > 0 bytes): its length (1-4), or 0
 * when it is invalid (overlong, surrogate, above U+10FFFF, truncated) or a
 * NUL byte.  Inline: the CSV, text and sentiment hot paths call it. */
static inline size_t as__utf8_decode(const unsigned char *s, size_t left, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return c ? 1 : 0;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2; v = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3; v = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* The offset of the first invalid UTF-8 sequence or NUL byte in s[0, n)
 * (*nul set for a NUL), or n when all is valid.  Checks eight ASCII bytes
 * at a time: the one validator behind as_utf8_check() and the CSV reader. */
size_t as__utf8_scan(const unsigned char *s, size_t n, int *nul);

/*
 * Fold the full-width forms that Chinese input methods type into numbers
 * and times to ASCII before parsing: the digits U+FF10-FF19 (０-９), ＋ － ．
 * ／ ： (U+FF0B, U+FF0D-FF0F, U+FF1A) and the ideographic space U+3000 (to
 * ' ').  Each becomes its NFKC form; nothing else is touched (no
 * full-width letters, no ，, no 。), so a parser still refuses what it
 * refused before.  Returns in itself when in has no byte >= 0x80 (the
 * common case: nothing is copied); else buf holding the folded,
 * NUL-terminated text; NULL when that needs more than bufsz bytes.
 * AS__FOLD_MAX is enough for any number or time the parsers accept.
 */
enum { AS__FOLD_MAX = 128 };
const char *as__fold_fullwidth(const char *in, char *buf, size_t bufsz);

/* A phone value for an error message: at most 40 bytes, digits between
 * the first three and the last four masked when there are eight or more. */
void as__phone_echo(const char *in, char *out, size_t outsz);

/* A mainland mobile number found in free text by as__phone_scan(). */
typedef struct as__phone_hit {
    size_t start, end;       /* bytes of the number as written: a +86/86/0086
                              * prefix and separators included */
    char digits[12];         /* its 11 digits, NUL-terminated */
    size_t pos[11];          /* the byte offset of each of those digits */
    unsigned char wide[11];  /* 1: that digit is full-width (3 bytes) */
} as__phone_hit;

/* Call fn (if not NULL) for every mobile number written in text[0, len)
 * (see as_text_mask_phones() for the forms), in order; stop when fn
 * returns non-zero.  Returns how many were found.  Needs no NUL. */
size_t as__phone_scan(const char *text, size_t len,
                      int (*fn)(void *ctx, const as__phone_hit *h), void *ctx);
/* as_text_mask_phones() over text[0, len) (no NUL needed). */
size_t as__mask_phones_n(char *text, size_t len);

/* Number of Unicode characters (code points) in valid UTF-8. */
size_t as__utf8_chars(const char *s);
/* Parse a yes/no cell: yes/no/y/n/true/false/1/0/on/off/是/否 (case-insensitive).
 * Returns 1, 0, or -1 when unrecognised. */
int as__parse_bool(const char *s);

/* Check an external id (user_id, station_id, ...): 1-64 bytes of printable
 * UTF-8 without whitespace.  Writes the reason into why on failure. */
as_status as__check_id(const char *s, char *why, size_t whysz);

/* ---- CSV ----------------------------------------------------------- */

/*
 * A streaming RFC 4180 reader shared by every import.
 *
 * - Fields separated by a delimiter, records by LF, CRLF or a lone CR.
 * - The delimiter is ',', TAB, ';' or '|'.  Unless as__csv_set_delimiter()
 *   chose one, it is taken from the first record (the header): ',' if the
 *   header has a comma outside quotes, else TAB if it has a tab, else ';'
 *   if it has a semicolon, else ','.  So TAB wins over ';' when both
 *   appear, and a quoted header cell holding a ';' or ',' does not count
 *   ("a;b",c is comma-separated).  '|' is never guessed.  Only the first
 *   1 MiB of the header is looked at.
 * - Quoted fields may hold delimiters, doubled quotes ("") and line breaks
 *   (kept as they are in the file; CRLF inside quotes is kept as CRLF).
 * - Encodings.  A byte order mark at the very start decides, whatever
 *   encoding was named, and is skipped: EF BB BF is UTF-8, FF FE UTF-16LE,
 *   FE FF UTF-16BE (as in Excel's "Unicode text" export; the bytes of
 *   these marks cannot start a valid UTF-8 or GB18030 text, except the
 *   UTF-8 mark read as GB18030, which would be mojibake).  Without a mark
 *   the named encoding applies: NULL / "utf-8" / "utf8": input must be
 *   valid UTF-8; "gb18030" / "gbk" / "gb2312": converted to UTF-8 with
 *   iconv (GB18030 covers the others; its own mark 84 31 95 33 is skipped);
 *   "utf-16" / "utf-16le": UTF-16 little-endian (what Windows writes),
 *   "utf-16be": big-endian (also spelled without the '-').  Names are
 *   case-insensitive; any other name is AS_INVALID from as__csv_open.
 *   UTF-16 is decoded here: a surrogate pair is one character; an unpaired
 *   surrogate, or an odd number of bytes, is undecodable (below).
 * - line numbers are physical lines of the input file, 1-based, counting
 *   every line break (LF, CRLF, or lone CR), including those inside quotes.
 *
 * Errors of one record (invalid UTF-8, a NUL byte, a character after a
 * closing quote, a record over AS_CSV_MAX_RECORD bytes or
 * AS_CSV_MAX_FIELDS fields) return AS_INVALID from as__csv_next with
 * as__csv_error() describing it, e.g. "invalid UTF-8 at byte 17 of the
 * line (is the file GB18030/GBK? try --encoding gb18030)" -- the hint in
 * parentheses is given once per file, with the first invalid UTF-8 of input
 * read as UTF-8 without a named encoding other than UTF-8; later ones say
 * just "invalid UTF-8 at byte N of the line".  The reader then
 * resynchronises at the next record boundary outside quotes and can be
 * called again.  An unterminated quote at end of input returns AS_INVALID
 * naming the line where the quote opened, and then AS_DONE.  A read error
 * returns AS_IO.  Bytes that the encoding cannot decode are AS_INVALID
 * with the byte offset in the file ("byte 41 of the file cannot be decoded
 * as UTF-16LE (an unpaired surrogate)"), and then AS_DONE.
 *
 * A bare quote inside an unquoted field (ab"c) is kept literally.
 * An empty line (nothing between two line breaks, outside quotes) is
 * skipped, not returned as a record of one empty field.
 */
enum {
    AS_CSV_MAX_FIELDS = 4096,
    AS_CSV_MAX_RECORD = 64 * 1024 * 1024
};

typedef struct as_csv as_csv;

typedef struct as_csv_record {
    size_t nfields;
    char **fields;           /* NUL-terminated UTF-8, borrowed until the next call */
    size_t *lens;            /* byte length of each field */
    uint64_t line;           /* physical line where the record starts */
    uint64_t end_line;       /* physical line where it ends */
    const char *raw;         /* the record's text (decoded to UTF-8), without its line break */
    size_t raw_len;
} as_csv_record;

/* Open a reader over in (not closed by the reader).  name is for messages.
 * Returns AS_OK, AS_INVALID (unknown encoding; message in err), AS_NOMEM. */
as_status as__csv_open(as_csv **out, FILE *in, const char *name,
                       const char *encoding, char *err, size_t errsz);
/* Choose the delimiter (',', '\t', ';' or '|'), or 0 to detect it from the
 * header (the default).  Call before the first as__csv_next.
 * Returns AS_OK, AS_INVALID (another byte), AS_MISUSE (NULL, or too late). */
as_status as__csv_set_delimiter(as_csv *csv, char delimiter);
/* The delimiter in use; 0 while it is still to be detected. */
char as__csv_delimiter(const as_csv *csv);
/* The encoding read ("UTF-8", "GB18030", "UTF-16LE", "UTF-16BE"): the one
 * named until the first as__csv_next has seen the byte order mark. */
const char *as__csv_encoding(const as_csv *csv);
/* Read the next record: AS_OK, AS_DONE, AS_INVALID (see above), AS_IO, AS_NOMEM. */
as_status as__csv_next(as_csv *csv, as_csv_record *rec);
/* The text of the last AS_INVALID/AS_IO error, and its physical line. */
const char *as__csv_error(const as_csv *csv);
uint64_t as__csv_error_line(const as_csv *csv);
/* Input bytes consumed so far (for progress). */
uint64_t as__csv_bytes(const as_csv *csv);
void as__csv_free(as_csv *csv);

/* ---- time ---------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t as__days_from_civil(int64_t y, unsigned m, unsigned d);
void as__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* The number of days of month m (1-12) of year y. */
int as__days_in_month(int64_t y, unsigned m);
/* The start (Unix seconds) of the business week holding t: Monday 00:00 in
 * the zone utc_offset_minutes east of UTC.  Reports group by it. */
int64_t as__week_start(int64_t t, int utc_offset_minutes);
/* t's calendar date in that zone as YYYY-MM-DD (buf has 11 bytes). */
char *as__date_text(int64_t t, int utc_offset_minutes, char buf[11]);

/* ---- report figures (report_stats.c) --------------------------------
 * The rounding rules of the reports, in one place: a share in percent with
 * one decimal, rounded half up, -1 when whole is 0; and the nearest-rank
 * percentile (p in 1..100) of n values, -1 when n is 0 (sorts v). */
double as__pct1(int64_t part, int64_t whole);
/* A report's period query: its version (AS_MISUSE), from < to, the station
 * id (refused when the report has none: has_station 0), AS_INVALID with the
 * detail.  what names the report in messages. */
as_status as__period_check(as_db *db, const as_period_query *q, const char *what,
                           int has_station);
/* A report's read snapshot: BEGIN unless the caller holds a transaction
 * (*own says whether we did); as__read_end commits what we began. */
as_status as__read_begin(as_db *db, int *own, const char *what);
void as__read_end(as_db *db, int own);
/* as_report_fuel_get() for n groupings at once, in one scan of the
 * records (the HTML report's three): out[k] by by[k]; all or none. */
struct as_report_fuel;
as_status as__report_fuel_many(struct as_report_fuel **out, as_db *db,
                               const as_period_query *q, const as_fuel_report_by *by, size_t n);
int64_t as__nearest_rank(int64_t *v, size_t n, int p);
/* Current time in Unix seconds. */
int64_t as__now(void);

/* ---- schema -------------------------------------------------------- */

#define AS_APPLICATION_ID 0x41534C53 /* 'ASLS' */

typedef struct as_migration {
    int version;
    const char *name;
    const char *sql;
} as_migration;

/* Generated from the schema directory's NNN_name.sql files, ordered by version. */
extern const as_migration as__migrations[];
extern const int as__nmigrations;

/* Apply migrations up to target (inside the caller's transaction).
 * Exposed for the step-by-step migration test. */
as_status as__migrate_to(as_db *db, int target);

#endif /* AS_INTERNAL_H */
