/*
 * aftersales.h - the public interface of libaftersales.
 *
 * libaftersales keeps the after-sales data of a fuel-station payment
 * mini-program in one SQLite file: users, vehicles, odometer readings and
 * fueling records with derived profiles, segments and tiers; support
 * tickets with SLAs on business calendars, satisfaction surveys, reports
 * and a knowledge base; customer feedback with scores, explainable
 * sentiment, urgency and demand topics; and reminder rules that write to an
 * outbox an integrator drains.
 *
 * Conventions (the same for every function below):
 *
 *  - Functions that can fail return an as_status: AS_OK (0) is success;
 *    anything else is a failure whose detail, naming the place and the
 *    value, is in as_errmsg(db) until the next call on that handle.  Every
 *    prototype is documented right above itself with the statuses it
 *    returns.  A few functions that cannot fail return a value (a name, a
 *    count, a buffer).
 *  - Out-parameters come first; on success the caller owns *out and frees it
 *    with the matching _free function.  Every _free function accepts NULL.
 *  - Lists are read through iterators: X_iter_new(&it, db, &query) creates
 *    one, X_next(it, &view) returns AS_OK with a view, AS_DONE at the end or
 *    an error, X_iter_free(it) frees it.  Views are borrowed: valid until
 *    the next call of that iterator's _next or _free.  Records returned by a
 *    _get are owned by the caller and freed with their _free.
 *  - Nothing is handed over as JSON text: nested values are arrays of
 *    structs with counts, and objects whose keys are data are as_field
 *    arrays.
 *  - Times are int64_t Unix seconds (UTC).  Money is integer fen.  Text is
 *    UTF-8; it is validated and NFC-normalised at the boundary.
 *  - Every write is atomic: one call is one transaction (a savepoint when
 *    the caller holds an outer transaction with as_begin()).
 *  - The library never prints, never exits, and reads no environment.
 *  - Options and query structs carry a version; initialise them with their
 *    _INIT macro and set only the fields you need.
 *
 * Copyright (c) 2026 the libaftersales authors.  MIT licence (see LICENSE).
 */
#ifndef AFTERSALES_H
#define AFTERSALES_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Version                                                              */
/* ------------------------------------------------------------------ */

#define AS_VERSION_MAJOR 0
#define AS_VERSION_MINOR 1
#define AS_VERSION_PATCH 0
#define AS_VERSION_STRING "0.1.0"

/*
 * as_version - the library's version as "MAJOR.MINOR.PATCH".
 * Returns static text; compare with AS_VERSION_STRING to detect a header
 * and library mismatch.
 */
const char *as_version(void);

/*
 * as_schema_version - the newest database schema version this library
 * knows.  A database whose PRAGMA user_version is higher is refused with
 * AS_SCHEMA_TOO_NEW.
 */
int as_schema_version(void);

/* ------------------------------------------------------------------ */
/* Status                                                               */
/* ------------------------------------------------------------------ */

/* The closed set of outcomes.  New values are only added before
 * AS_STATUS_LAST. */
typedef enum as_status {
    AS_OK = 0,            /* success */
    AS_DONE,              /* an iterator is exhausted (not an error) */
    AS_NOTFOUND,          /* the looked-up item does not exist */
    AS_EXISTS,            /* an item with that key already exists */
    AS_INVALID,           /* input data is malformed or violates a rule */
    AS_MISUSE,            /* the caller broke the API contract (NULL, bad flags) */
    AS_NOFILE,            /* a file to be opened does not exist */
    AS_NOTOURS,           /* the file is not a libaftersales database */
    AS_SCHEMA_TOO_NEW,    /* the database was written by a newer library */
    AS_CONFIG,            /* a configuration file is wrong */
    AS_BUSY,              /* the database is locked by another process; retry */
    AS_READONLY,          /* a write through a read-only handle or file */
    AS_PERM,              /* the operating system refused access */
    AS_CANTCREATE,        /* a file could not be created */
    AS_IO,                /* an input/output error */
    AS_NOMEM,             /* out of memory */
    AS_INTERNAL,          /* a bug or an unexpected SQLite failure */
    AS_CORRUPT,           /* the database file is damaged (SQLite found a
                           * malformed page): any call that reads it may
                           * return this; as_check_iter_new() lists the
                           * damage, a backup restores the data */
    AS_STATUS_LAST
} as_status;

/*
 * as_status_string - static English text for a status ("not found", ...).
 * Never NULL; an out-of-range value gives "unknown status".
 */
const char *as_status_string(as_status status);

/* ------------------------------------------------------------------ */
/* Configuration                                                        */
/* ------------------------------------------------------------------ */

/*
 * The configuration is one YAML file of sections (business, ...; see
 * config/default.yaml, installed as share/aftersales/default.yaml).  A
 * section the file leaves out comes whole from the built-in defaults.
 * YAML anchors and aliases are refused, as are unknown sections and keys.
 */
typedef struct as_config as_config;

/*
 * as_config_load - read and check a configuration file; path NULL gives
 * the built-in defaults.  *out is freed with as_config_free().  On
 * failure *errmsg (if not NULL) receives every problem, one per line, as
 * "FILE:LINE:COL: problem" (free with as_free()).
 * Returns AS_OK; AS_CONFIG (the file is wrong); AS_NOFILE; AS_PERM; AS_IO;
 * AS_NOMEM; AS_MISUSE.
 */
as_status as_config_load(as_config **out, const char *path, char **errmsg);

/* as_config_parse - the same from text[0, len) in memory; name is used in
 * messages.  Returns as as_config_load() (never AS_NOFILE or AS_PERM). */
as_status as_config_parse(as_config **out, const char *text, size_t len, const char *name,
                          char **errmsg);

/* as_config_source - the file a configuration came from, or
 * "(built-in defaults)". */
const char *as_config_source(const as_config *cfg);

/* as_config_free - NULL is a no-op.  Free it only after closing every
 * handle that uses it. */
void as_config_free(as_config *cfg);

/* The business time zone when the configuration names none: Asia/Shanghai,
 * UTC+8 (no daylight saving since 1991), in minutes east of UTC. */
#define AS_DEFAULT_UTC_OFFSET 480

/* as_config_utc_offset - the business zone of a configuration (its
 * business.timezone), in minutes east of UTC; NULL gives
 * AS_DEFAULT_UTC_OFFSET. */
int as_config_utc_offset(const as_config *cfg);

/* ------------------------------------------------------------------ */
/* Opening a database                                                   */
/* ------------------------------------------------------------------ */

typedef struct as_db as_db;

/* Flags for as_open_options.flags. */
#define AS_OPEN_READONLY  0x1u  /* never write; fails if a migration is due */
#define AS_OPEN_CREATE    0x2u  /* create the file (mode 0600) if missing */
#define AS_OPEN_REVEAL    0x4u  /* reads show phone numbers typed into free text
                                 * (comments, ticket texts) unmasked; without it
                                 * they are masked like as_user.phone (see
                                 * as_text_mask_phones()) */

typedef struct as_open_options {
    unsigned version;         /* AS_OPEN_OPTIONS_VERSION */
    unsigned flags;           /* AS_OPEN_* */
    int busy_timeout_ms;      /* how long to wait for another writer */
    const as_config *config;  /* borrowed; NULL: the built-in defaults */
} as_open_options;

#define AS_OPEN_OPTIONS_VERSION 1
#define AS_OPEN_OPTIONS_INIT { AS_OPEN_OPTIONS_VERSION, 0u, 5000, NULL }

/*
 * as_open - open (and with AS_OPEN_CREATE, create) a database.
 *
 * A new file is created readable and writable by its owner only (0600), is
 * marked with this library's PRAGMA application_id, and gets the newest
 * schema.  An existing file of an older schema version is migrated step by
 * step inside one BEGIN IMMEDIATE transaction; a newer one is refused and
 * left untouched.  The handle uses WAL journaling and the given busy
 * timeout, so several processes may share the file.
 *
 * With AS_OPEN_READONLY nothing is ever written, and a file that cannot be
 * written (no write permission, or a read-only directory) is read without
 * creating or locking any side file when no WAL with content lies beside it
 * (SQLite's "immutable" open): a database in a read-only directory can be
 * read, and reading a 0400 file leaves no -wal or -shm that would keep a
 * later writer out.  Such a read assumes no other process writes the file
 * meanwhile (none can without a WAL); a WAL with content is read as
 * usual.
 *
 * out:     receives the handle; the caller frees it with as_close().
 *          On failure *out is NULL.
 * path:    file name; NULL is AS_MISUSE.
 * opts:    NULL means AS_OPEN_OPTIONS_INIT.
 * errmsg:  if not NULL, receives a malloc'd description of a failure
 *          (free with as_free()); set to NULL on success.
 *
 * Returns AS_OK; AS_NOFILE (missing and no AS_OPEN_CREATE); AS_NOTOURS
 * (not SQLite, or another application's SQLite file); AS_SCHEMA_TOO_NEW;
 * AS_READONLY (a migration is due on a read-only handle); AS_CONFIG (the
 * built-in defaults fail to load: a build error); AS_BUSY;
 * AS_PERM; AS_CANTCREATE; AS_IO; AS_NOMEM; AS_MISUSE; AS_INTERNAL.
 */
as_status as_open(as_db **out, const char *path, const as_open_options *opts,
                  char **errmsg);

/* as_close - close a handle, rolling back any open transaction.
 * NULL is a no-op. */
void as_close(as_db *db);

/*
 * as_errmsg - detail of the last failure on this handle, e.g.
 * "users.csv:12: phone: '1380013800' is not a mainland mobile number".
 * The text belongs to the handle and is valid until the next call on it.
 * Never NULL ("" after a success, "out of memory" for a NULL handle).
 */
const char *as_errmsg(const as_db *db);

/* as_free - free memory the library handed to the caller (strings).
 * NULL is a no-op. */
void as_free(void *ptr);

/* as_db_schema_version - the schema version of the open database. */
int as_db_schema_version(as_db *db);

/* as_db_utc_offset - the business time zone offset of this handle, in
 * minutes east of UTC (the configuration's business.timezone;
 * AS_DEFAULT_UTC_OFFSET for a NULL handle). */
int as_db_utc_offset(const as_db *db);

/* ------------------------------------------------------------------ */
/* Transactions                                                         */
/* ------------------------------------------------------------------ */

/*
 * as_begin - group several calls in one transaction.  Transactions nest:
 * the outermost as_begin() starts a BEGIN IMMEDIATE transaction (so a
 * writer waits for the busy timeout rather than failing late), inner ones
 * are savepoints.  On a read-only handle the outermost level is a read
 * transaction: the calls inside it see one snapshot.  as_close() rolls
 * back whatever is still open.
 * Returns AS_OK; AS_BUSY; AS_MISUSE (NULL); AS_INTERNAL.
 */
as_status as_begin(as_db *db);

/* as_commit - end the innermost as_begin() level, keeping its changes (the
 * outermost commits the transaction).  Returns AS_OK; AS_BUSY; AS_MISUSE
 * (NULL, or no transaction open); AS_IO; AS_INTERNAL. */
as_status as_commit(as_db *db);

/* as_rollback - undo the innermost as_begin() level only.  Returns AS_OK;
 * AS_MISUSE (NULL, or no transaction open); AS_INTERNAL. */
as_status as_rollback(as_db *db);

/* as_txn_depth - how many as_begin() levels are open (0 = none). */
int as_txn_depth(const as_db *db);

/* ------------------------------------------------------------------ */
/* Values: time, phone, region, quiet hours, plates, text              */
/* ------------------------------------------------------------------ */

/*
 * as_time_parse - parse a timestamp into Unix seconds.
 *
 * Accepts ISO 8601 "2026-11-24T09:00:00+08:00" (also with a space instead
 * of T, "Z", "+0800", "+08", fractional seconds which are truncated, and
 * without seconds), a bare date "2026-11-24" (midnight), Excel's
 * "2026/11/24 9:05[:07]", and "@1764000000" (Unix seconds).  A time
 * without an offset is in the business zone (utc_offset_minutes).
 * Field ranges are checked (month 13, February 30, hour 24, second 60, an
 * offset beyond ±14:00 are invalid: Unix time has no leap second, and
 * 10:00:60 is not silently 10:00:59).  The instant must lie in
 * AS_TIME_MIN..AS_TIME_MAX, 1970-01-01T00:00:01Z to 9999-12-31T23:59:59Z:
 * earlier or later times (@0, @-1, @9223372036854775807, 1969, year 10000
 * in UTC) are invalid, so no parsed time overflows the arithmetic of due
 * times, and 0, which the API's time arguments take as "now", is never a
 * parsed time.
 *
 * Full-width digits and ＋ － ． ／ ： and the ideographic space, as a
 * Chinese input method types them ("２０２６－１１－２４　０９：００"), are
 * read as their ASCII forms (their NFKC forms); other full-width or
 * Chinese forms (Ｔ, 年, 。) are not.  Text that has them must be at most
 * 127 bytes once folded.
 *
 * Returns AS_OK, AS_INVALID (text is not such a time), AS_MISUSE (NULL).
 */
as_status as_time_parse(const char *text, int utc_offset_minutes, int64_t *out);

/* The range of times as_time_parse() accepts (Unix seconds):
 * 1970-01-01T00:00:01Z and 9999-12-31T23:59:59Z. */
#define AS_TIME_MIN INT64_C(1)
#define AS_TIME_MAX INT64_C(253402300799)

/* The size of a buffer for as_time_format(). */
#define AS_TIME_BUFSIZE 32

/*
 * as_time_format - write t as "2026-11-24T09:00:00+08:00" in the given
 * zone into buf (at least AS_TIME_BUFSIZE bytes).  Any int64_t is
 * written: a time outside the years 0001-9999 of that zone as "@SECONDS".
 * as_time_parse() reads back exactly the times of AS_TIME_MIN..AS_TIME_MAX.
 * Returns buf.
 */
char *as_time_format(int64_t t, int utc_offset_minutes, char *buf);

/*
 * as_duration_parse - parse a duration into seconds: a number with a unit,
 * "90s", "30m" (or "30min"), "2h", "1d", several of them ("1h30m"), or a
 * bare number of seconds ("3600").  At most ten years.  This is the one
 * duration syntax of the configuration and the command line.
 * Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
 */
as_status as_duration_parse(const char *text, int64_t *seconds);

/*
 * as_id_check - is text a valid external id (user_id, station_id,
 * feedback_id, ...): 1-64 bytes of printable UTF-8 without whitespace.
 * Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
 */
as_status as_id_check(const char *text);

/*
 * as_phone_normalize - check a mainland China mobile number and write its
 * 11 digits to out (at least 12 bytes).  Spaces and dashes are ignored; an
 * optional +86 or 0086 prefix is removed.  Returns AS_OK, AS_INVALID, or
 * AS_MISUSE for NULL.
 */
as_status as_phone_normalize(const char *text, char out[12]);

/*
 * as_phone_mask - write the masked form "138****8000" of an 11-digit
 * number to out (at least 12 bytes).  Anything else is masked whole
 * ("****").  Returns out.
 */
char *as_phone_mask(const char *phone, char out[12]);

/*
 * as_text_mask_phones - mask, in place, every mainland mobile number
 * written in free text (a comment, a ticket's body) as the phone field is
 * masked: "请打13912345678" becomes "请打139****5678".  Found in the forms
 * people type: 11 digits 1[3-9]..., also spaced or dashed (139 1234 5678,
 * 139-1234-5678, also with the ideographic space or the full-width
 * hyphen), after +86, 86 or 0086, and in full-width digits (masked with
 * ＊, so the text keeps its byte length).  A number glued to other digits
 * (an order number) is left alone.  NULL is a no-op.  Returns how many
 * numbers were masked.  The library's reads mask free text this way unless
 * the handle was opened with AS_OPEN_REVEAL.
 */
size_t as_text_mask_phones(char *text);

/*
 * as_region_check - a region is a 6-digit administrative division code
 * (GB/T 2260) whose first two digits name a province-level division.
 * Codes ending in 0000 stand for a province, in 00 for a city.
 * Returns AS_OK or AS_INVALID.
 */
as_status as_region_check(const char *code);

/*
 * as_quiet_hours_parse - parse "22:00-08:00" into minutes after midnight
 * (start 1320, end 480).  The window may cross midnight; start == end is
 * invalid.  Full-width digits, '：' and '－' are read as in as_time_parse().
 * Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
 */
as_status as_quiet_hours_parse(const char *text, int *start_min, int *end_min);

/*
 * as_plate_normalize - normalise a Chinese licence plate: NFKC (folds
 * full-width letters and digits), upper case, spaces, dots and dashes
 * removed.  The result must look like a plate: a province abbreviation, a
 * letter, then five characters (an ordinary plate, the last may be
 * 学/警/挂/港/澳/领/试/超) or six (a new-energy plate: D/F-style letter third or
 * last).  out receives a malloc'd string (free with as_free()).
 * Returns AS_OK, AS_INVALID, AS_NOMEM.
 */
as_status as_plate_normalize(const char *text, char **out);

/*
 * as_utf8_check - validate UTF-8.  On failure, *bad_offset (if not NULL)
 * receives the byte offset of the first invalid sequence.
 * Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
 */
as_status as_utf8_check(const char *text, size_t len, size_t *bad_offset);

/* ------------------------------------------------------------------ */
/* Typed fields                                                         */
/* ------------------------------------------------------------------ */

/* The type of an as_field's value. */
typedef enum as_value_type {
    AS_VALUE_NULL = 0,
    AS_VALUE_BOOL,
    AS_VALUE_INT,
    AS_VALUE_REAL,
    AS_VALUE_TEXT
} as_value_type;

/*
 * One named value of a record whose keys are data rather than fixed
 * members: the columns of a feedback row the import did not know, the old
 * values in a feedback row's history, the payload of a notification.  The
 * C API hands them as arrays of as_field, never as JSON text to parse.
 * Times inside them are ISO 8601 text with offset, as in JSON output.
 * Every pointer is borrowed from the record that holds the array.
 */
typedef struct as_field {
    const char *name;
    as_value_type type;
    int64_t i;               /* AS_VALUE_INT; AS_VALUE_BOOL: 0 or 1 */
    double r;                /* AS_VALUE_REAL (also AS_VALUE_INT, converted) */
    const char *text;        /* AS_VALUE_TEXT */
} as_field;

/* ------------------------------------------------------------------ */
/* Users                                                                */
/* ------------------------------------------------------------------ */

/* Bits of as_user_input.fields: which members are given. */
#define AS_USER_NAME              0x01u
#define AS_USER_PHONE             0x02u
#define AS_USER_REGION            0x04u
#define AS_USER_CONSENT_SERVICE   0x08u
#define AS_USER_CONSENT_MARKETING 0x10u
#define AS_USER_QUIET_HOURS       0x20u
#define AS_USER_BETA_TESTER       0x40u

/*
 * What as_user_add(), as_user_update() and as_user_upsert() write: only the
 * members named in fields (and user_id, always).  The caller owns every
 * string; the library copies what it keeps.
 */
typedef struct as_user_input {
    unsigned version;        /* AS_USER_INPUT_VERSION */
    unsigned fields;         /* AS_USER_* bits: which members below are set */
    const char *user_id;     /* the mini-program's id: 1-64 bytes, no spaces */
    const char *name;        /* free text, 1-100 characters */
    const char *phone;       /* mainland mobile, see as_phone_normalize() */
    const char *region;      /* see as_region_check() */
    int consent_service;     /* 0/1: service notices (default 1) */
    int consent_marketing;   /* 0/1: marketing (default 0: opt-in only) */
    int quiet_start;         /* minutes after midnight, or -1: no quiet hours */
    int quiet_end;
    int beta_tester;         /* 0/1: 产品体验官 */
} as_user_input;

#define AS_USER_INPUT_VERSION 1
#define AS_USER_INPUT_INIT { AS_USER_INPUT_VERSION, 0u, NULL, NULL, NULL, NULL, 1, 0, -1, -1, 0 }

/*
 * A user as read back.  Two kinds, one type, neither needing a cast:
 *  - owned: *out of as_user_get() is ONE allocation holding the struct and
 *    its strings; as_user_free() frees it whole;
 *  - borrowed: a view from as_user_next() belongs to the iterator (valid
 *    until its next as_user_next() or as_user_iter_free()); never free it.
 */
typedef struct as_user {
    const char *user_id;
    const char *name;        /* NULL when erased */
    const char *phone;       /* masked ("138****8000") unless AS_REVEAL; NULL when erased */
    const char *region;      /* NULL when not known */
    int consent_service;
    int consent_marketing;
    int quiet_start;         /* -1: none */
    int quiet_end;
    int beta_tester;
    int64_t created_at;
    int64_t updated_at;
    int64_t erased_at;       /* 0: not erased */
} as_user;

/* Flags for reads. */
#define AS_REVEAL 0x1u       /* return the full phone number */

/*
 * as_user_add - create a user.  fields must include AS_USER_NAME; the
 * other members default as in AS_USER_INPUT_INIT.  Tickets opened from the
 * feedback of this user id before the user existed are linked to the user
 * (so does as_user_upsert() and as_user_import() for a new id).
 * Returns AS_OK; AS_EXISTS (the id is taken); AS_INVALID (a field fails its
 * check, or no name: the detail names every bad field and its value);
 * AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db or in, an unknown
 * input version); AS_INTERNAL.
 */
as_status as_user_add(as_db *db, const as_user_input *in);

/*
 * as_user_update - change the members named in in->fields of the user
 * in->user_id.  An erased user cannot get personal data back (AS_INVALID).
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (a bad field, or
 * an erased user); AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db or
 * in, an unknown input version); AS_INTERNAL.
 */
as_status as_user_update(as_db *db, const as_user_input *in);

/* Outcome of an upsert. */
typedef enum as_upsert {
    AS_UPSERT_INSERTED = 1,
    AS_UPSERT_UPDATED,
    AS_UPSERT_UNCHANGED
} as_upsert;

/*
 * as_user_upsert - insert the user, or update the members named in
 * in->fields when the id exists.  *result (if not NULL) says which
 * (AS_UPSERT_UNCHANGED when nothing differs).
 * Returns AS_OK; AS_INVALID (a bad field; a new id without a name; an
 * erased user); AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db or in,
 * an unknown input version); AS_INTERNAL.
 */
as_status as_user_upsert(as_db *db, const as_user_input *in, as_upsert *result);

/*
 * as_user_get - read one user.  *out (NULL on failure) is owned by the
 * caller: one allocation, freed with as_user_free().  flags: AS_REVEAL.
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_NOMEM; AS_BUSY; AS_MISUSE
 * (a NULL argument); AS_INTERNAL.
 */
as_status as_user_get(as_user **out, as_db *db, const char *user_id, unsigned flags);

/* as_user_free - free an as_user from as_user_get() (never a view of an
 * iterator).  NULL is a no-op. */
void as_user_free(as_user *user);

/* What an erasure writes where it found the person's name, phone or plate
 * in free text. */
#define AS_ERASED_TEXT "[erased]"

/* What as_user_forget_ex() did. */
typedef struct as_forget_stats {
    uint64_t rows;           /* rows changed, in every table */
    uint64_t values;         /* free-text values redacted (comments, ticket texts, ...) */
    uint64_t tickets;        /* tickets whose history got a "redacted" event */
    int checkpointed;        /* 1: the WAL was checkpointed and truncated, so no
                              * old page survives in it; 0: another connection
                              * held it (or the caller's transaction was open) */
    int vacuumed;            /* 1: bytes of the phone or a plate were still found
                              * in the file (free space of pages written before
                              * this version), so the file was rebuilt (VACUUM) */
    int file_clean;          /* 1: after all this, no byte of the database file
                              * holds the phone (13912345678, 139 1234 5678,
                              * 139-1234-5678) or a plate */
} as_forget_stats;

/*
 * as_user_forget - erase a user's personal data (PIPL).
 *
 * Known fields: name, phone, quiet hours and consents are cleared, the
 * plates of their vehicles and fueling records removed, erased_at set, the
 * texts of their notifications blanked and undelivered ones marked dead.
 *
 * Free text: in every text column of every table (feedback comments and
 * unknown columns, feedback history, tickets' subjects and bodies, ticket
 * events, survey comments, outbox texts, FTS5 tables that keep their own
 * text, ...), the person's name, phone and plates are replaced by
 * AS_ERASED_TEXT in the rows that are theirs (user_id), and the phone and
 * plates wherever else they occur, with the name in such a row too.  The
 * phone is found in the forms of as_text_mask_phones(), a plate in either
 * case or width and with a separator (云A·12345), a Latin name as a whole
 * word in any case.  JSON values are redacted value by value.  Keys are
 * not touched: user_id, primary keys and unique columns (an external id
 * that embeds a phone number stays).  The append-only ticket history is
 * redacted through the one sanctioned path (schema 010: the erasure's
 * privacy_erasures row lets its own transaction change an event's text,
 * nothing else), and each ticket so redacted gets an event of kind
 * "redacted" by "privacy".  The erasure is recorded in privacy_erasures.
 *
 * The file: the erasure runs with PRAGMA secure_delete on (freed space is
 * zeroed), overwrites the pages on the free list, merges FTS5 indexes so
 * that old terms leave the file, and after the commit checkpoints the WAL
 * with TRUNCATE.  If the phone or a plate is still found as bytes in the
 * file (free space left inside pages by an older version), the file is
 * rebuilt with VACUUM.  Inside the caller's transaction (as_begin) the
 * checkpoint and the VACUUM are left out (see as_forget_stats).
 *
 * The row, its region and anonymous figures (odometer readings, fueling
 * records without their plate, scores, sentiment) stay for aggregates.
 * Forgetting an erased user again is AS_OK and changes nothing (the name
 * and phone are no longer known, so nothing more can be found).
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_MISUSE (a NULL argument); AS_INTERNAL.
 */
as_status as_user_forget(as_db *db, const char *user_id);

/* as_user_forget_ex - as_user_forget(), and *stats (if not NULL) receives
 * what it did (zeroes on failure).  Returns as as_user_forget(). */
as_status as_user_forget_ex(as_db *db, const char *user_id, as_forget_stats *stats);

/* What as_user_iter_new() lists; the strings are copied by the call. */
typedef struct as_user_query {
    unsigned version;        /* AS_USER_QUERY_VERSION */
    const char *region;      /* NULL or a code; 530000 matches the province, 530100 the city */
    const char *after_id;    /* NULL, or list ids greater than this (paging) */
    int64_t limit;           /* 0: no limit */
    unsigned flags;          /* AS_REVEAL */
    /* Version 2 and later (a version 1 struct is still accepted): */
    const char *segment;     /* NULL, or only users of this segment now (profiles
                              * not current are computed for the listing, without
                              * writing: see as_profile_get_at()) */
    const char *tier;        /* NULL, or only users of this member tier now */
    /* Version 3 and later: */
    int beta;                /* 1: only beta testers (产品体验官) */
} as_user_query;

#define AS_USER_QUERY_VERSION 3
#define AS_USER_QUERY_INIT { AS_USER_QUERY_VERSION, NULL, NULL, 0, 0u, NULL, NULL, 0 }

typedef struct as_user_iter as_user_iter;

/*
 * as_user_iter_new - list users in user_id order.  query NULL lists all.
 * *out (NULL on failure) belongs to the caller: free it with
 * as_user_iter_free() before as_close().
 * Returns AS_OK; AS_INVALID (region is not a division code); AS_NOMEM;
 * AS_MISUSE (NULL out or db, an unknown query version); AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_user_iter_new(as_user_iter **out, as_db *db, const as_user_query *query);

/*
 * as_user_next - the next user.  *view is borrowed until the next call or
 * as_user_iter_free(); never pass it to as_user_free().
 * Returns AS_OK; AS_DONE at the end; AS_BUSY; AS_MISUSE (a NULL argument);
 * AS_INTERNAL.
 */
as_status as_user_next(as_user_iter *it, const as_user **view);

/* as_user_iter_free - NULL is a no-op. */
void as_user_iter_free(as_user_iter *it);

/* ------------------------------------------------------------------ */
/* Imports                                                              */
/* ------------------------------------------------------------------ */

typedef struct as_import_stats {
    uint64_t rows;           /* data rows read */
    uint64_t inserted;
    uint64_t updated;
    uint64_t unchanged;
    uint64_t rejected;       /* rows with at least one problem */
} as_import_stats;

/* One problem of a rejected row, as passed to an as_reject_fn. */
typedef struct as_reject {
    const char *file;        /* the name given to the import */
    uint64_t line;           /* physical line (1-based) where the record starts */
    const char *field;       /* the column, or NULL for the whole row */
    const char *reason;      /* what is wrong */
    const char *raw;         /* the record as read (UTF-8, without its line end),
                              * for a rejects file; "" when it could not be kept */
    const char *header;      /* the CSV header line's text; NULL for JSON Lines */
    int first;               /* 1 for the first problem of this row */
    char delimiter;          /* the CSV file's field delimiter (',', '\t', ';', '|'),
                              * so that a rejects file can be written in kind;
                              * 0 for JSON Lines */
} as_reject;

/* Called once per problem; every pointer is valid during the call only. */
typedef void (*as_reject_fn)(void *userdata, const as_reject *reject);

/* Called every few thousand rows: rows read so far and input bytes consumed. */
typedef void (*as_progress_fn)(void *userdata, uint64_t rows, uint64_t bytes);

/* Flags for as_import_options.flags. */
#define AS_IMPORT_DRY_RUN  0x1u  /* do the real work, report, roll back */
#define AS_IMPORT_SKIP_BAD 0x2u  /* import the good rows even if some are bad */
#define AS_IMPORT_JSONL    0x4u  /* input is JSON Lines, one object per line */

/*
 * Options of every import (as_user_import() and the others).
 *
 * encoding: NULL or "utf-8"; "gb18030" (also "gbk", "gb2312": GB18030
 *   covers them); "utf-16" or "utf-16le" (little-endian, as Windows
 *   writes it), "utf-16be".  Case-insensitive.  A byte order mark at the
 *   start of a CSV file wins over the name: FF FE is read as UTF-16LE,
 *   FE FF as UTF-16BE, EF BB BF as UTF-8, so Excel's "Unicode text" export
 *   is read without naming an encoding.  JSON Lines must be UTF-8.
 *
 * JSON Lines: one object per line.  A number is read from its text exactly
 *   as written, as a CSV cell would be ("12.30" yuan is 1230 fen; 1e3 or
 *   0.30000000000000004 are refused as amounts, never rounded through a
 *   double); true and false are the cells "yes" and "no"; null is an
 *   absent cell.  A key given twice in one object, a string holding
 *   \u0000, or a line longer than 64 MiB (the limit of a CSV record too)
 *   rejects the line with the reason; the line is not kept in memory.
 *
 * delimiter (version 2): the CSV field delimiter, one of ',', '\t', ';' or
 *   '|'; 0 detects it from the header line: ',' if the header has a comma
 *   outside quotes, else TAB if it has a tab, else ';' if it has a
 *   semicolon, else ','.  (TAB wins over ';'; quoted header cells do not
 *   count; '|' is never guessed.)  Any other value makes the import fail
 *   with AS_INVALID before reading, as does a delimiter with AS_IMPORT_JSONL.
 *   A version 1 struct (without this field) is still accepted: it detects.
 *
 * jobs (version 3): how many threads a CSV import of users, feedback or
 *   fueling records runs with.  The pure work of a row (decoding,
 *   checking, normalising, scoring sentiment, judging urgency) runs on
 *   jobs - 1 worker threads, a few hundred rows at a time, while the
 *   calling thread writes the rows in input order on the handle's
 *   connection; the results, the problems reported (same messages, same
 *   order, from the calling thread), the counts and the all-or-nothing
 *   rule are those of jobs 1, which runs everything on the calling thread.
 *   0 (the default) is the environment's AFTERSALES_JOBS when set (1 to
 *   64), else the number of online processors; at most 64.
 *   JSON Lines input and the other imports run on the calling thread.
 *   Memory stays bounded: at most 2 x jobs + 2 batches of rows in flight.
 */
typedef struct as_import_options {
    unsigned version;        /* AS_IMPORT_OPTIONS_VERSION */
    unsigned flags;          /* AS_IMPORT_* */
    const char *encoding;    /* NULL (UTF-8) or an encoding name, see above */
    as_reject_fn on_reject;
    as_progress_fn on_progress;
    void *userdata;
    /* Version 2 and later (a version 1 struct is still accepted): */
    char delimiter;          /* 0: detect; ',', '\t', ';' or '|' */
    /* Version 3 and later: */
    int jobs;                /* threads: 0 the number of processors, 1 none */
} as_import_options;

#define AS_IMPORT_OPTIONS_VERSION 3
#define AS_IMPORT_OPTIONS_INIT { AS_IMPORT_OPTIONS_VERSION, 0u, NULL, NULL, NULL, NULL, 0, 0 }

/*
 * as_user_import - upsert users from CSV (a header naming user_id, name,
 * phone, region and optionally consent_marketing, consent_service,
 * quiet_hours, beta_tester, in any order) or JSON Lines (objects with the
 * same keys).  Rows are keyed by user_id: a new id is inserted, a known
 * one updated where a given field differs, otherwise unchanged.  Empty
 * optional cells leave the stored value alone.
 *
 * CSV is UTF-8, GB18030 or UTF-16 and comma-, TAB-, semicolon- or
 * pipe-separated: see as_import_options for how the encoding and the
 * delimiter are chosen (by default from the byte order mark and the header
 * line).  Times and numbers may be written with full-width digits (see
 * as_time_parse()).
 *
 * A key may appear once per input: a row whose key (here user_id; the
 * first column of each import), trimmed of surrounding spaces, equals that
 * of an earlier imported row of the same file is rejected with the problem
 * "user_id: 'U1' is also on line 17" naming the earlier row's line.  (Keys
 * are remembered as 64-bit hashes, 16 bytes each: two different keys share
 * a hash with a probability of about n^2/2^65 for n rows, which would
 * report a duplicate that is not one.)  So with AS_IMPORT_SKIP_BAD the
 * first occurrence is imported and later ones are rejected.
 *
 * All or nothing: if any row is bad, nothing is written and the status is
 * AS_INVALID, unless AS_IMPORT_SKIP_BAD.  Every problem is passed to
 * on_reject.  With AS_IMPORT_DRY_RUN the counts are real but nothing
 * is kept.  The whole file is one transaction.
 *
 * in:   an open stream (the caller opens and closes it); name: the name
 *       used in messages ("-" or "users.csv").
 * opts: NULL for the defaults; version 1, 2 or 3.
 * stats: if not NULL, receives the counts (also on AS_INVALID).
 *
 * Returns AS_OK; AS_INVALID (bad rows, or the input is not CSV/JSONL with
 * the needed columns, or an unknown encoding or delimiter: the detail says
 * which); AS_IO; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db or in,
 * an unknown options version).
 */
as_status as_user_import(as_db *db, FILE *in, const char *name,
                         const as_import_options *opts, as_import_stats *stats);

/* ------------------------------------------------------------------ */
/* Vehicles and odometer readings                                       */
/* ------------------------------------------------------------------ */

/*
 * as_grade_normalize - check a fuel grade and write its canonical text to
 * out (at least 8 bytes): petrol 89/90/92/93/95/97/98/100, ethanol E92/E95/
 * E98, diesel 0/-10/-20/-35/-50 ("0#" and "-10#" accepted), CNG, LNG, EV.
 * Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
 */
as_status as_grade_normalize(const char *text, char out[8]);

/*
 * A vehicle as read back.  Like as_user: *out of as_vehicle_get() is one
 * allocation (struct and strings) freed whole by as_vehicle_free(); a view
 * from as_vehicle_next() is borrowed from the iterator and never freed.
 */
typedef struct as_vehicle {
    const char *plate;       /* normalised; NULL once its owner is erased */
    const char *user_id;
    const char *grade;       /* NULL when not known */
    int64_t km;              /* latest odometer reading, -1: none */
    int64_t km_at;           /* its time, 0: none */
    int64_t created_at;
    /* Added in 0.2: */
    int grade_given;         /* 1: grade given by the owner (as_vehicle_add(),
                              * as_vehicle_set_grade()): the car's registered grade,
                              * which fuel-grade advice follows; 0: taken from the
                              * first fill-up when the fueling import registered it */
} as_vehicle;

/*
 * as_vehicle_add - register a vehicle of an existing user.  plate is
 * normalised with as_plate_normalize(); grade (may be NULL or "") with
 * as_grade_normalize().  If plate_out is not NULL it receives the
 * normalised plate (owned by the caller, free with as_free(); NULL on
 * failure).
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_EXISTS (plate known);
 * AS_INVALID (not a plate, not a grade, an erased user); AS_BUSY;
 * AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db, user_id or plate);
 * AS_INTERNAL.
 */
as_status as_vehicle_add(as_db *db, const char *user_id, const char *plate,
                         const char *grade, char **plate_out);

/*
 * as_vehicle_set_grade - set the grade the vehicle needs, as its owner
 * says (grade NULL or "" clears it): the registered grade that fuel-grade
 * advice follows (see reminders.grade_advice).  grade is normalised with
 * as_grade_normalize().
 * Returns AS_OK; AS_NOTFOUND (no such plate); AS_INVALID (not a plate,
 * not a grade); AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db or
 * plate); AS_INTERNAL.
 */
as_status as_vehicle_set_grade(as_db *db, const char *plate, const char *grade);

/*
 * as_vehicle_get - read one vehicle by plate (normalised first).  *out
 * (NULL on failure) is owned by the caller: free it with
 * as_vehicle_free().
 * Returns AS_OK; AS_NOTFOUND (no such plate); AS_INVALID (not a plate);
 * AS_NOMEM; AS_BUSY; AS_MISUSE (a NULL argument); AS_INTERNAL.
 */
as_status as_vehicle_get(as_vehicle **out, as_db *db, const char *plate);

/* as_vehicle_free - free an as_vehicle from as_vehicle_get() (never a
 * view of an iterator).  NULL is a no-op. */
void as_vehicle_free(as_vehicle *vehicle);

typedef struct as_vehicle_iter as_vehicle_iter;

/*
 * as_vehicle_iter_new - list vehicles (of one user when user_id is not
 * NULL, else all) in plate order; erased plates come last.  user_id is
 * copied.  *out (NULL on failure) is freed with as_vehicle_iter_free()
 * before as_close().
 * Returns AS_OK; AS_NOTFOUND (user_id given but unknown); AS_NOMEM;
 * AS_BUSY; AS_MISUSE (NULL out or db); AS_INTERNAL.
 */
as_status as_vehicle_iter_new(as_vehicle_iter **out, as_db *db, const char *user_id);

/*
 * as_vehicle_next - the next vehicle; *view is borrowed until the next call
 * or as_vehicle_iter_free().
 * Returns AS_OK; AS_DONE at the end; AS_BUSY; AS_MISUSE (a NULL argument);
 * AS_INTERNAL.
 */
as_status as_vehicle_next(as_vehicle_iter *it, const as_vehicle **view);

/* as_vehicle_iter_free - NULL is a no-op. */
void as_vehicle_iter_free(as_vehicle_iter *it);

/* Flags for as_odometer_add(). */
#define AS_ODOMETER_FORCE 0x1u  /* accept a reading that goes backwards */

/*
 * as_odometer_add - record that the vehicle showed km kilometres at time
 * at.  km must be 0..9,999,999.  A reading lower than the one before it
 * in time, or higher than one after it, is refused (AS_INVALID, naming the
 * conflicting reading) unless AS_ODOMETER_FORCE (an odometer replaced or
 * rolled over).  A second reading at the same time replaces nothing: it is
 * AS_EXISTS.
 * Returns AS_OK; AS_NOTFOUND (no such plate); AS_INVALID (not a plate, km
 * out of range, a reading out of order); AS_EXISTS; AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_MISUSE (NULL db or plate); AS_INTERNAL.
 */
as_status as_odometer_add(as_db *db, const char *plate, int64_t km, int64_t at,
                          unsigned flags);

/* An odometer reading: a view borrowed from its iterator. */
typedef struct as_odometer {
    const char *plate;
    int64_t km;
    int64_t at;
    int forced;              /* 1 when recorded with AS_ODOMETER_FORCE */
} as_odometer;

typedef struct as_odometer_iter as_odometer_iter;

/*
 * as_odometer_iter_new - the readings of one vehicle, oldest first.  *out
 * (NULL on failure) is freed with as_odometer_iter_free() before
 * as_close().
 * Returns AS_OK; AS_NOTFOUND (no such plate); AS_INVALID (not a plate);
 * AS_NOMEM; AS_BUSY; AS_MISUSE (a NULL argument); AS_INTERNAL.
 */
as_status as_odometer_iter_new(as_odometer_iter **out, as_db *db, const char *plate);

/*
 * as_odometer_next - the next reading; *view is borrowed until the next
 * call or as_odometer_iter_free().
 * Returns AS_OK; AS_DONE at the end; AS_BUSY; AS_MISUSE (a NULL argument);
 * AS_INTERNAL.
 */
as_status as_odometer_next(as_odometer_iter *it, const as_odometer **view);

/* as_odometer_iter_free - NULL is a no-op. */
void as_odometer_iter_free(as_odometer_iter *it);

/* ------------------------------------------------------------------ */
/* Operations: backup and check                                         */
/* ------------------------------------------------------------------ */

/* Flags for as_backup(). */
#define AS_BACKUP_FORCE 0x1u  /* replace an existing destination file */

/*
 * as_backup - copy the database to dest (a path; the caller's string) with
 * SQLite's online backup, as one consistent snapshot, while other
 * processes go on writing (WAL lets them).  The copy is written to
 * "dest.tmp-PID" in dest's directory (created 0600, never through a link;
 * no journal) and renamed over dest only when complete, so dest is never
 * half-written.  The temporary holds an flock() while it is written: a
 * backup killed midway leaves it behind, and the next backup to the same
 * dest removes every "dest.tmp-N" (with its -journal, -wal, -shm) that no
 * running backup holds.  A source locked by another process is waited for
 * up to the handle's busy timeout, then the call fails with AS_BUSY.
 * flags: 0 or AS_BACKUP_FORCE.
 * Returns AS_OK; AS_EXISTS (dest exists and no AS_BACKUP_FORCE);
 * AS_CANTCREATE (also a link or file already at the temporary's name);
 * AS_PERM; AS_IO; AS_BUSY; AS_NOMEM; AS_MISUSE (NULL db, an empty dest);
 * AS_INTERNAL.
 */
as_status as_backup(as_db *db, const char *dest, unsigned flags);

/* One finding of the database check. */
typedef struct as_check_item {
    const char *check;       /* "integrity", "foreign_keys", "application_id",
                              * "schema_version", "journal_mode", "points_ledger",
                              * "coupons" */
    int ok;                  /* 1 when this check passed */
    const char *detail;      /* "ok", or what is wrong */
} as_check_item;

typedef struct as_check_iter as_check_iter;

/*
 * as_check_iter_new - verify the database and iterate the findings:
 * SQLite's integrity_check (one finding per problem, at most 100, or one
 * "ok"), the foreign keys (one per violating row, or one "ok"), the
 * application id, the schema version against this library's, the
 * journal mode (WAL unless the handle is read-only), and the points ledger
 * (per user, the ledger's sum equals what its lots hold and is not
 * negative: one finding per user that fails, at most 100, or one "ok"),
 * and the coupons (each coupon's status is that of its last event, and a
 * redeemed one names its payment with a discount within it: one finding
 * per coupon that fails, at most 100, or one "ok").  Every check runs in
 * this call, which only reads; the iterator holds the findings, copied.
 * A check that fails is a finding with ok = 0, not an error of the
 * iterator: the caller decides what it means (the command line exits 65).
 * Free *out (NULL on failure) with as_check_iter_free().
 * Returns AS_OK; AS_MISUSE (NULL out or db); AS_NOMEM; AS_BUSY; AS_IO;
 * AS_INTERNAL (a check could not run: the detail says which).
 */
as_status as_check_iter_new(as_check_iter **out, as_db *db);

/*
 * as_check_next - the next finding, in the order above.  *view and its
 * strings are borrowed until as_check_iter_free().
 * Returns AS_OK; AS_DONE after the last; AS_MISUSE (NULL argument).
 */
as_status as_check_next(as_check_iter *it, const as_check_item **view);

/* as_check_iter_free - NULL is a no-op. */
void as_check_iter_free(as_check_iter *it);

/* ------------------------------------------------------------------ */
/* Business calendars                                                   */
/* ------------------------------------------------------------------ */

/*
 * Business calendars are named in the configuration's `calendars` section
 * (see config/default.yaml): weekly hours per weekday (several intervals a
 * day; "22:00-06:00+1" runs past midnight), holidays, make-up working days
 * (调休) that borrow the hours of a weekday, and a fixed UTC offset (the
 * business zone unless the calendar sets one).  `always: true` is 24/7.
 * The built-in defaults ship "cn-office" (Mon-Fri 09:00-18:00 with the
 * Chinese public holidays and make-up days of 2025 and 2026) and "24x7".
 *
 * Times are Unix seconds and must lie in the years 0001-9999 (AS_INVALID
 * otherwise).  Computation never walks minute by minute: a span of years
 * costs a few binary searches.
 */

/*
 * as_calendar_business_seconds - business seconds between t0 and t1 on
 * the calendar called name.  When t1 < t0 the result is negative (minus
 * the business seconds from t1 to t0).
 * Returns AS_OK; AS_NOTFOUND (no such calendar; the detail lists the
 * known ones); AS_INVALID (a time out of range); AS_MISUSE (NULL).
 */
as_status as_calendar_business_seconds(as_db *db, const char *name, int64_t t0, int64_t t1,
                                       int64_t *out);

/*
 * as_calendar_business_minutes - the same in whole minutes (truncated
 * towards zero: 59 business seconds are 0 minutes).
 * Returns as as_calendar_business_seconds().
 */
as_status as_calendar_business_minutes(as_db *db, const char *name, int64_t t0, int64_t t1,
                                       int64_t *out);

/*
 * as_calendar_add_seconds - the earliest instant at which `seconds`
 * business seconds have elapsed after t0 (the due time of a target).  A
 * start outside business hours counts from the next opening: on cn-office,
 * Friday 17:30 plus 2 hours is Monday 10:30.  0 seconds gives t0.
 * Returns AS_OK; AS_NOTFOUND; AS_INVALID (seconds negative or over 100
 * years, t0 out of range, or a due time after 9999); AS_MISUSE.
 */
as_status as_calendar_add_seconds(as_db *db, const char *name, int64_t t0, int64_t seconds,
                                  int64_t *out);

/*
 * as_calendar_add - as_calendar_add_seconds() with a duration in whole
 * minutes (0 to 100 years of minutes: 0 to 52,704,000).
 * Returns AS_OK; AS_NOTFOUND (no such calendar); AS_INVALID (minutes out of
 * range, t0 out of range, or a due time after 9999); AS_MISUSE (NULL).
 */
as_status as_calendar_add(as_db *db, const char *name, int64_t t0, int64_t minutes,
                          int64_t *out);

/*
 * as_calendar_is_open - *out = 1 when t lies inside business hours of the
 * calendar (the second [t, t+1) is business time), else 0.
 * Returns AS_OK; AS_NOTFOUND; AS_INVALID; AS_MISUSE.
 */
as_status as_calendar_is_open(as_db *db, const char *name, int64_t t, int *out);

/*
 * as_calendar_knows - *known = 0 when t lies past the last year the
 * calendar's holidays are known for (a due time computed there may fall on
 * a holiday nobody listed: 2026-12-31 17:30 + 2 h on cn-office lands on
 * 2027-01-01), else 1.  *until (may be NULL) receives that year (0: no
 * end).  Holidays imported with as_calendar_import() count.
 * Returns AS_OK; AS_NOTFOUND (no such calendar); AS_MISUSE (NULL db, name
 * or known).
 */
as_status as_calendar_knows(as_db *db, const char *name, int64_t t, int *known, int *until);

/* What as_calendar_import() read and did. */
typedef struct as_calendar_import_result {
    int64_t events;           /* VEVENTs read */
    int64_t holidays;         /* holiday days in the file */
    int64_t workdays;         /* make-up working days in the file */
    int64_t inserted;         /* days new to the database */
    int64_t updated;          /* days whose kind changed */
    int64_t unchanged;
    int64_t removed;          /* days imported before for the file's years, not in it now */
    int first_year, last_year;/* the years the file covers (0, 0: none) */
    int known_until;          /* the calendar's known year afterwards */
} as_calendar_import_result;

/*
 * as_calendar_import - read holidays and make-up working days (调休) from
 * an iCalendar file (RFC 5545, as the State Council's yearly schedule is
 * published) into the database, for the configured calendar called name.
 * Every VEVENT with an all-day DTSTART (and DTEND, exclusive, or a
 * DURATION; else one day) is a holiday, unless its SUMMARY or CATEGORIES
 * say it is a working day (班, 补班, 上班, 工作日, "workday", "working day"):
 * then each of its days is a make-up day with the calendar's workday hours.
 * The file replaces what earlier imports gave the years it covers, so
 * importing it again changes nothing.  A day the configuration lists
 * keeps its listed kind.  The calendar then knows the years its imported
 * holidays cover (as_calendar_knows()).
 *
 * Problems are reported per event through opts->on_reject (line: the
 * event's BEGIN:VEVENT line; field: DTSTART, DTEND, SUMMARY or RRULE): a
 * recurring event, a date that is missing or not a day, a range over 366
 * days, a day both holiday and make-up day, a make-up day on a day the
 * calendar already works, a kind that contradicts the configuration.  All
 * or nothing unless AS_IMPORT_SKIP_BAD; AS_IMPORT_DRY_RUN does the work
 * and rolls it back.  One transaction.  *out (may be NULL) receives the
 * counts, also on AS_INVALID.
 *
 * Returns AS_OK; AS_NOTFOUND (no such calendar); AS_INVALID (bad events, a
 * file that is not iCalendar, a 24/7 calendar: the detail says which);
 * AS_IO; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db, name or in,
 * an unknown options version); AS_INTERNAL.
 */
as_status as_calendar_import(as_db *db, const char *name, FILE *in, const char *file,
                             const as_import_options *opts, as_calendar_import_result *out);

/* A calendar as listed; every pointer is borrowed from the iterator. */
typedef struct as_calendar_info {
    const char *name;
    const char *description;  /* NULL when the configuration gives none */
    int always;               /* 1: 24/7 */
    int utc_offset;           /* minutes east of UTC the calendar counts in */
    const char *hours;        /* summary: "mon-fri 09:00-18:00"; "always (24/7)" */
    int64_t week_minutes;     /* business minutes in an ordinary week */
    int holidays;             /* holiday days listed */
    int workdays;             /* make-up working days listed */
    const char *first_date;   /* the first and last listed special date */
    const char *last_date;    /* ("2025-01-01"), NULL when none */
    /* Since 0.2: */
    int known_until;          /* the last year its holidays are known for (known_until in
                               * the configuration, else the year of its last holiday,
                               * raised by calendar imports); 0: no end (24/7, or a
                               * calendar without holidays) */
} as_calendar_info;

typedef struct as_calendar_iter as_calendar_iter;

/*
 * as_calendar_iter_new - list the configured calendars in file order.  The
 * caller owns *out (free with as_calendar_iter_free(), before as_close()).
 * Returns AS_OK; AS_NOMEM; AS_MISUSE (NULL out or db).
 */
as_status as_calendar_iter_new(as_calendar_iter **out, as_db *db);

/*
 * as_calendar_next - the next calendar into *view, borrowed from the
 * iterator until its next call.
 * Returns AS_OK; AS_DONE (no more); AS_MISUSE (NULL it or view).
 */
as_status as_calendar_next(as_calendar_iter *it, const as_calendar_info **view);

/* as_calendar_iter_free - free the iterator and its view; NULL is a no-op. */
void as_calendar_iter_free(as_calendar_iter *it);

/* ------------------------------------------------------------------ */
/* Knowledge base                                                       */
/* ------------------------------------------------------------------ */

/*
 * Articles that agents use to answer tickets, searchable in Chinese: the
 * full-text index uses SQLite FTS5's trigram tokenizer, so no word
 * segmenter is needed.  Every article has a number (id) and, when it came
 * from an import, an external key (article_id).
 */

typedef struct as_kb_input {
    unsigned version;        /* AS_KB_INPUT_VERSION */
    const char *article_id;  /* external key (1-64 bytes, no spaces), or NULL */
    const char *title;       /* 1-200 characters */
    const char *body;        /* 1-100,000 characters */
    const char *category;    /* e.g. "payment" (an id: no spaces), NULL or "": none */
    const char *tags;        /* "退款,发票": split at , ， or 、, trimmed, repeats
                              * dropped, at most 20 of 1-32 characters; NULL: none */
} as_kb_input;

#define AS_KB_INPUT_VERSION 1
#define AS_KB_INPUT_INIT { AS_KB_INPUT_VERSION, NULL, NULL, NULL, NULL, NULL }

/*
 * as_kb_add - add an article; *id_out (if not NULL) receives its number.
 * Text is validated and NFC-normalised; title and body are trimmed.  The
 * strings of in are only read during the call.
 * Returns AS_OK; AS_EXISTS (article_id known); AS_INVALID (the detail
 * names every bad field); AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL
 * db or in, or an unknown version); AS_INTERNAL.
 */
as_status as_kb_add(as_db *db, const as_kb_input *in, int64_t *id_out);

/*
 * as_kb_upsert - insert the article keyed by in->article_id (required), or
 * update the fields given (non-NULL) when the key exists; "" clears the
 * category or tags.  *id_out and *result (each may be NULL) receive its
 * number and what happened.
 * Returns as as_kb_add() (never AS_EXISTS; AS_INVALID also for a missing
 * article_id, or a missing title or body of a new article).
 */
as_status as_kb_upsert(as_db *db, const as_kb_input *in, int64_t *id_out, as_upsert *result);

/*
 * as_kb_import - upsert articles from JSON Lines (with AS_IMPORT_JSONL:
 * one object a line with keys article_id, title, body, category, tags;
 * tags as one text "退款,发票") or CSV with those columns.  Keyed by article_id:
 * running the same file twice changes nothing.  Same contract as
 * as_user_import(): all or nothing unless AS_IMPORT_SKIP_BAD, dry run,
 * every bad line reported with its number.  Returns as as_user_import().
 */
as_status as_kb_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                       as_import_stats *stats);

/*
 * An article.  From as_kb_get() the whole record (strings, the tags array)
 * is one allocation the caller owns, freed by as_kb_article_free(); in an
 * iterator's view everything is borrowed until the iterator's next call.
 */
typedef struct as_kb_article {
    int64_t id;
    const char *article_id;  /* NULL when added by hand */
    const char *title;
    const char *body;
    const char *category;    /* NULL: none */
    const char *const *tags; /* ntags tags in the order given ({"退款", "发票"}) */
    size_t ntags;
    int64_t created_at;
    int64_t updated_at;
    int64_t resolved;        /* tickets this article resolved */
    int64_t last_resolved_at;  /* 0: never */
    double score;            /* search and suggest relevance, higher is better;
                              * 0 in lists and stats */
} as_kb_article;

/*
 * as_kb_get - one article by number.  The caller owns *out (free with
 * as_kb_article_free()).
 * Returns AS_OK; AS_NOTFOUND; AS_NOMEM; AS_MISUSE (NULL out or db);
 * AS_INTERNAL.
 */
as_status as_kb_get(as_kb_article **out, as_db *db, int64_t id);

/*
 * as_kb_get_by_key - one article by its external key (article_id).  The
 * caller owns *out (free with as_kb_article_free()).
 * Returns AS_OK; AS_NOTFOUND; AS_NOMEM; AS_MISUSE (NULL out, db or
 * article_id); AS_INTERNAL.
 */
as_status as_kb_get_by_key(as_kb_article **out, as_db *db, const char *article_id);

/* as_kb_article_free - free an article from as_kb_get(); NULL is a no-op.
 * Never pass an iterator's view. */
void as_kb_article_free(as_kb_article *article);

/* What to list, search or suggest from. */
typedef struct as_kb_query {
    unsigned version;        /* AS_KB_QUERY_VERSION */
    const char *category;    /* list, stats, search: only this category;
                              * suggest: articles of it count double.  NULL: any */
    int64_t limit;           /* 0: no limit */
} as_kb_query;

#define AS_KB_QUERY_VERSION 1
#define AS_KB_QUERY_INIT { AS_KB_QUERY_VERSION, NULL, 0 }

/* An iterator over articles (every as_kb_*_iter_new below and
 * as_ticket_suggest_iter_new()); read it with as_kb_next(). */
typedef struct as_kb_iter as_kb_iter;

/*
 * as_kb_list_iter_new - articles in number order (score 0).  query NULL
 * lists all.  The caller owns *out (as_kb_iter_free()).
 * Returns AS_OK; AS_NOMEM; AS_MISUSE (NULL out or db, or an unknown query
 * version); AS_INTERNAL.
 */
as_status as_kb_list_iter_new(as_kb_iter **out, as_db *db, const as_kb_query *query);

/*
 * as_kb_search_iter_new - articles matching every white-space separated
 * word of text, best first.  Words of three or more characters use the
 * FTS5 trigram index (substring match, case-insensitive), ranked by bm25
 * with title matches weighted 10, tags 5, body 1.  If any word is shorter
 * (退款 is two characters), the search scans title, tags and body for the
 * substrings (ASCII letters in either case) and ranks title matches before
 * tags before body, then by how often the words occur in the body: a
 * scan of every article, fine for thousands (see bench/kb-search.sh).
 * query NULL: any category, no limit.  The caller owns *out.
 * Returns AS_OK; AS_INVALID (empty, more than 16 words or 1000
 * characters, invalid UTF-8); AS_NOMEM; AS_MISUSE (NULL out, db or text,
 * or an unknown query version); AS_INTERNAL.
 */
as_status as_kb_search_iter_new(as_kb_iter **out, as_db *db, const char *text,
                                const as_kb_query *query);

/*
 * as_kb_suggest_iter_new - propose articles for a ticket from its text
 * (subject and body) and query->category: every three-character piece of
 * the text between spaces and punctuation is looked up in the index,
 * articles sharing more and rarer pieces rank higher, and articles of the
 * category count double.  With no usable text, the category's articles
 * that resolved the most tickets; with neither, nothing.  text and query
 * may be NULL.  The caller owns *out.
 * Returns AS_OK; AS_INVALID (invalid UTF-8); AS_NOMEM; AS_MISUSE (NULL out
 * or db, or an unknown query version); AS_INTERNAL.
 */
as_status as_kb_suggest_iter_new(as_kb_iter **out, as_db *db, const char *text,
                                 const as_kb_query *query);

/*
 * as_kb_stats_iter_new - every article (of query->category) with the
 * number of tickets it resolved, most first, then by number.  query NULL:
 * all.  The caller owns *out.
 * Returns AS_OK; AS_NOMEM; AS_MISUSE (NULL out or db, or an unknown query
 * version); AS_INTERNAL.
 */
as_status as_kb_stats_iter_new(as_kb_iter **out, as_db *db, const as_kb_query *query);

/*
 * as_kb_next - the next article into *view, borrowed (strings and tags)
 * until the iterator's next call.
 * Returns AS_OK; AS_DONE (no more); AS_NOMEM (splitting the tags);
 * AS_MISUSE (NULL it or view); AS_INTERNAL (a database error).
 */
as_status as_kb_next(as_kb_iter *it, const as_kb_article **view);

/* as_kb_iter_free - free the iterator; NULL is a no-op.  Free before as_close(). */
void as_kb_iter_free(as_kb_iter *it);

/*
 * as_kb_record_resolution - record that article article_id resolved the
 * ticket ticket_ref (its tracking number or id) of customer user_id (may
 * be NULL) at time at (0: now).  Recording the same article and ticket
 * again changes nothing and is AS_OK.
 * Returns AS_OK; AS_NOTFOUND (no such article); AS_INVALID (ticket_ref or
 * user_id empty, over 64 bytes or with spaces); AS_BUSY; AS_READONLY;
 * AS_MISUSE (NULL db or ticket_ref); AS_INTERNAL.
 */
as_status as_kb_record_resolution(as_db *db, int64_t article_id, const char *ticket_ref,
                                  const char *user_id, int64_t at);

/* ------------------------------------------------------------------ */
/* Feedback                                                             */
/* ------------------------------------------------------------------ */

/* Urgency levels of a feedback row. */
#define AS_URGENCY_NONE     0
#define AS_URGENCY_LOW      1
#define AS_URGENCY_MEDIUM   2
#define AS_URGENCY_HIGH     3
#define AS_URGENCY_CRITICAL 4

/* One dimension's rating of a feedback row. */
typedef struct as_feedback_star {
    const char *dimension;    /* a configured dimension (feedback.dimensions) */
    int stars;                /* 1-5 */
} as_feedback_star;

/* Why a feedback row got its urgency: one alert rule that matched. */
typedef struct as_feedback_reason {
    const char *rule;         /* the rule's name (alerts.rules), or "mismatch" */
    const char *reason;       /* the rule's reason, in words */
    const char *match;        /* the keyword found in the comment; NULL for "mismatch" */
} as_feedback_reason;

/*
 * A feedback row as read back.  Every pointer in it (strings, arrays and
 * the strings they hold) points into memory owned by whoever handed the
 * row out: the iterator for a view from as_feedback_next() (valid until
 * the next call), or the row itself for one from as_feedback_get() (one
 * block, freed whole by as_feedback_free()).
 */
typedef struct as_feedback {
    const char *feedback_id;
    const char *user_id;      /* NULL when not given */
    const char *station_id;   /* NULL when not given */
    int64_t submitted_at;
    const char *channel;      /* NULL when not given */
    const char *kind;         /* "complaint", "suggestion", "praise", "other" or NULL */
    int overall;              /* 1-5, 0: not given */
    const as_feedback_star *stars;  /* the rated dimensions, in configuration order */
    size_t nstars;
    const char *comment;      /* NULL when not given */
    const as_field *extra;    /* the columns the import did not know, by name
                               * (AS_VALUE_TEXT: the cell as given), in file order */
    size_t nextra;
    int has_score;            /* 0: no stars at all */
    double score;             /* weighted dimension score (or overall), 1-5 */
    int has_sentiment;        /* 0: no comment */
    double sentiment;         /* [-1, 1] */
    int sentiment_label;      /* -1 negative, 0 neutral, 1 positive */
    int urgency;              /* AS_URGENCY_* */
    const char *urgency_name; /* "none", "low", "medium", "high", "critical" (static) */
    const as_feedback_reason *reasons;  /* the rules that matched, in the order of
                                         * alerts.rules, "mismatch" last */
    size_t nreasons;
    int mismatch;             /* 1: 5 stars with strongly negative text */
    int suggestion;           /* 1: counted as a suggestion for demand mining */
    const char *ticket_ref;   /* the ticket urgent feedback opened, or NULL */
    int64_t revisions;        /* changes recorded by re-imports */
    int64_t created_at;
    int64_t updated_at;
} as_feedback;

/*
 * as_feedback_import - upsert feedback from CSV with a header (or JSON
 * Lines with the same keys): feedback_id and submitted_at are required;
 * user_id, station_id, channel, kind (complaint, suggestion, praise, other;
 * 投诉/建议/表扬/其他 accepted), overall (1-5), one column per configured
 * dimension (feedback.dimensions; 1-5 or empty) and comment are optional;
 * other columns are kept with the row (as_feedback.extra).  Times as in
 * as_time_parse() (no offset: the business zone).
 *
 * Each row is scored (weighted stars), its comment's sentiment taken, and
 * the alert rules (section alerts) give it an urgency with reasons; feedback
 * at alerts.ticket_level or above opens a ticket, once: for its user, for a
 * user_id not (yet) in the users table (linked when that user is added),
 * or for nobody (anonymous feedback); see as_feedback_escalation.  A
 * user_id that names nobody is kept, never rejected; a row of an erased
 * user is rejected (fueling imports behave alike in both).  Alert keywords are matched with traditional characters
 * folded to simplified.  Keyed by feedback_id: a known row that differs is
 * updated and its old values are recorded in the history; an equal one is
 * unchanged.
 *
 * in and name are the caller's (name is used in messages); opts NULL means
 * AS_IMPORT_OPTIONS_INIT; *stats (if not NULL) receives the counts.  The
 * contract of all-or-nothing, AS_IMPORT_SKIP_BAD, AS_IMPORT_DRY_RUN,
 * on_reject and the statuses are those of as_user_import(): Returns AS_OK;
 * AS_INVALID (bad rows, a bad header, an unknown encoding or delimiter);
 * AS_IO; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE; AS_INTERNAL.
 */
as_status as_feedback_import(as_db *db, FILE *in, const char *name,
                             const as_import_options *opts, as_import_stats *stats);

/*
 * as_feedback_get - read one feedback row.  *out is one malloc'd block (the
 * struct, its arrays and every string); free it with as_feedback_free().
 * On failure *out is NULL.
 * Returns AS_OK; AS_NOTFOUND (no such feedback_id); AS_NOMEM; AS_MISUSE
 * (a NULL argument); AS_BUSY; AS_INTERNAL (a SQLite failure, or a stored
 * row that cannot be read back).
 */
as_status as_feedback_get(as_feedback **out, as_db *db, const char *feedback_id);

/* as_feedback_free - free a row from as_feedback_get() (never an iterator's
 * view).  NULL is a no-op. */
void as_feedback_free(as_feedback *fb);

typedef struct as_feedback_query {
    unsigned version;         /* AS_FEEDBACK_QUERY_VERSION */
    const char *station_id;   /* NULL: every station */
    int64_t from;             /* submitted_at >= from (0: no bound) */
    int64_t to;               /* submitted_at < to (0: no bound) */
    int urgent;               /* 1: only feedback at alerts.ticket_level or above,
                               * most urgent first, then oldest first (the triage queue) */
    int64_t limit;            /* 0: no limit */
} as_feedback_query;

#define AS_FEEDBACK_QUERY_VERSION 1
#define AS_FEEDBACK_QUERY_INIT { AS_FEEDBACK_QUERY_VERSION, NULL, 0, 0, 0, 0 }

typedef struct as_feedback_iter as_feedback_iter;

/*
 * as_feedback_iter_new - list feedback (newest first, or the triage order
 * with query->urgent).  query NULL lists all; it is copied, and need not
 * outlive the call.  *out is freed with as_feedback_iter_free().
 * Returns AS_OK; AS_NOMEM; AS_MISUSE (a NULL out or db); AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_feedback_iter_new(as_feedback_iter **out, as_db *db, const as_feedback_query *query);

/*
 * as_feedback_next - the next row: *view is borrowed from the iterator
 * until the next call of as_feedback_next() or as_feedback_iter_free().
 * Returns AS_OK; AS_DONE (no more rows); AS_NOMEM; AS_MISUSE; AS_BUSY;
 * AS_INTERNAL (a SQLite failure, or a stored row that cannot be read back).
 */
as_status as_feedback_next(as_feedback_iter *it, const as_feedback **view);

/* as_feedback_iter_free - free the iterator and its current view.  NULL is
 * a no-op. */
void as_feedback_iter_free(as_feedback_iter *it);

/*
 * One recorded change of a feedback row: the values its columns had before
 * a re-import changed them (only the changed columns).  Borrowed from the
 * iterator until its next call.
 */
typedef struct as_feedback_change {
    const char *feedback_id;
    int64_t changed_at;
    /* The changed columns among user_id, station_id, submitted_at, channel,
     * kind, overall and comment, in that order, with their old values:
     * AS_VALUE_TEXT, AS_VALUE_INT (overall) or AS_VALUE_NULL (was not
     * given); submitted_at is AS_VALUE_TEXT in ISO 8601 with the business
     * zone's offset.  The names are static text. */
    const as_field *old;
    size_t nold;
    int stars_changed;        /* 1: the stars changed; old_stars were the stars before */
    const as_feedback_star *old_stars;
    size_t nold_stars;
    int extra_changed;        /* 1: the unknown columns changed; old_extra were they */
    const as_field *old_extra;
    size_t nold_extra;
} as_feedback_change;

typedef struct as_feedback_history_iter as_feedback_history_iter;

/*
 * as_feedback_history_iter_new - the changes re-imports made to one
 * feedback row, oldest first.  *out is freed with
 * as_feedback_history_iter_free().
 * Returns AS_OK; AS_NOTFOUND (no such feedback); AS_NOMEM; AS_MISUSE (a
 * NULL argument); AS_BUSY; AS_INTERNAL.
 */
as_status as_feedback_history_iter_new(as_feedback_history_iter **out, as_db *db,
                                       const char *feedback_id);

/*
 * as_feedback_history_next - the next change: *view is borrowed from the
 * iterator until the next call of as_feedback_history_next() or
 * as_feedback_history_iter_free().
 * Returns AS_OK; AS_DONE (no more changes); AS_NOMEM; AS_MISUSE; AS_BUSY;
 * AS_INTERNAL (a SQLite failure, or a stored change that cannot be read).
 */
as_status as_feedback_history_next(as_feedback_history_iter *it, const as_feedback_change **view);

/* as_feedback_history_iter_free - free the iterator and its current view.
 * NULL is a no-op. */
void as_feedback_history_iter_free(as_feedback_history_iter *it);

/* Groupings for as_feedback_stats_iter_new(). */
typedef enum as_feedback_by {
    AS_FEEDBACK_BY_STATION = 1,
    AS_FEEDBACK_BY_DIMENSION,
    AS_FEEDBACK_BY_DAY,         /* the business zone's calendar day */
    AS_FEEDBACK_BY_CITY,        /* the station's city in the station registry */
    AS_FEEDBACK_BY_REGION,      /* the station's region code in the registry */
    AS_FEEDBACK_BY_WEEK         /* the business week (Monday 00:00 in the zone),
                                 * keyed by its Monday's date */
} as_feedback_by;

/* One group of feedback stats (borrowed until the next call). */
typedef struct as_feedback_stat {
    const char *key;          /* station id (NULL: feedback without a station),
                               * dimension name, YYYY-MM-DD (the day, or the
                               * week's Monday), or the station's
                               * city or region from the registry (NULL: no
                               * station, or one the registry does not know) */
    int64_t count;            /* ratings in the group */
    double mean;              /* their mean, 1-5; -1 when count is 0 (a week
                               * without ratings) */
    double csat_pct;          /* percent (0-100) of ratings at 4 or above; -1
                               * when count is 0 */
    double bayes;             /* (m * prior + sum) / (m + count); -1 when count is 0 */
    double prior;             /* the mean of every rating in the period */
    int64_t rows;             /* feedback rows in the group, rated or not
                               * (by dimension: rows that rated it, = count) */
} as_feedback_stat;

typedef struct as_feedback_stat_iter as_feedback_stat_iter;

/*
 * as_feedback_stats_iter_new - aggregate ratings of feedback submitted in
 * [from, to) (0: no bound) by station, dimension, day, business week, or
 * the city or region of the station (as the station registry has them
 * now).  By station, day and week the rating of a row is its weighted
 * score; by dimension, each dimension's stars.  m is the configuration's
 * feedback.prior_weight.  A group is listed when it has a rating; by week
 * with both bounds given every week of the period is listed (a week
 * without ratings with count 0 and mean, csat_pct and bayes -1).
 * Groups come sorted by Bayesian mean, highest first (by day and week: in
 * date order).  *out holds every group; free it with
 * as_feedback_stats_iter_free().  The same as
 * as_feedback_stats_query_iter_new() without a station filter.
 * Returns AS_OK; AS_INVALID (by is not an as_feedback_by, or from >= to
 * with both given); AS_NOMEM; AS_MISUSE (a NULL out or db); AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_feedback_stats_iter_new(as_feedback_stat_iter **out, as_db *db, as_feedback_by by,
                                     int64_t from, int64_t to);

/*
 * as_feedback_stats_next - the next group: *view is borrowed from the
 * iterator until as_feedback_stats_iter_free().
 * Returns AS_OK; AS_DONE (no more groups); AS_MISUSE (a NULL argument).
 */
as_status as_feedback_stats_next(as_feedback_stat_iter *it, const as_feedback_stat **view);

/* as_feedback_stats_iter_free - NULL is a no-op. */
void as_feedback_stats_iter_free(as_feedback_stat_iter *it);

typedef struct as_feedback_stats_query {
    unsigned version;        /* AS_FEEDBACK_STATS_QUERY_VERSION */
    as_feedback_by by;
    int64_t from, to;        /* [from, to); 0: no bound */
    const char *station_id;  /* NULL: every station; else only that station's feedback */
} as_feedback_stats_query;

#define AS_FEEDBACK_STATS_QUERY_VERSION 1
#define AS_FEEDBACK_STATS_QUERY_INIT { AS_FEEDBACK_STATS_QUERY_VERSION, AS_FEEDBACK_BY_STATION, 0, 0, NULL }

/*
 * as_feedback_stats_query_iter_new - as_feedback_stats_iter_new() with a
 * station filter (q->station_id: only that station's feedback, the prior
 * too); the same groups, order and numbers otherwise.  q is copied.  *out
 * is freed with as_feedback_stats_iter_free(); NULL on failure.
 * Returns AS_OK; AS_INVALID (a bad by, from >= to when both given, a
 * station id that is not an id, by week a period of over 1,000,000
 * weeks); AS_MISUSE (NULL arguments or an unknown
 * version); AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_feedback_stats_query_iter_new(as_feedback_stat_iter **out, as_db *db,
                                           const as_feedback_stats_query *q);

/* ---- report sentiment (issue 17) ------------------------------------ */

/* The period query of the service reports (defined with them, below). */
typedef struct as_period_query as_period_query;

typedef struct as_report_sentiment_week {
    const char *week;        /* YYYY-MM-DD: the Monday */
    int64_t comments;        /* feedback rows submitted that week with a scored comment
                              * (sentiment not NULL) */
    int64_t positive, neutral, negative;   /* by sentiment_label */
    double mean;             /* mean sentiment, rounded half up to 3 decimals; NAN when
                              * comments is 0 (the CLI prints null) */
    double negative_pct;     /* 0-100 one decimal; -1 when comments is 0 */
} as_report_sentiment_week;

typedef struct as_report_sentiment_term {
    const char *term;        /* a lexicon term as stored */
    int64_t comments;        /* negative comments of the period in which it counted
                              * against (its value after the rules < 0) */
    double weight;           /* the sum of those contributions (negative), 3 decimals */
} as_report_sentiment_term;

typedef struct as_report_sentiment {
    int64_t from, to;
    const char *station_id;
    as_report_sentiment_week *weeks;   /* every week of the period, in order */
    size_t nweeks;
    as_report_sentiment_term *terms;   /* most comments first, then most negative weight,
                                        * then term; at most top_terms */
    size_t nterms;
    int64_t comments, positive, neutral, negative;   /* the whole period */
} as_report_sentiment;

/*
 * as_report_sentiment_get - the sentiment of the feedback comments
 * submitted in [q->from, q->to) (of q->station_id's feedback when given):
 * per business week and over the period, and the lexicon terms that
 * weighed most against the negative comments (sentiment_label -1).
 * top_terms: how many terms at most (0: none).  The terms come from the
 * scorer's evidence: each negative comment of the period is analysed again
 * (as_sentiment_analyze, its lexicon terms) and every term whose value is
 * below 0 counted once per comment (its weight adds every negative
 * contribution it made in that comment).  Read in one read transaction
 * (unless the caller holds one).  *out is owned by the caller (free with
 * as_report_sentiment_free()); NULL on failure.
 * Returns AS_OK (an empty period too: zeros, every week listed, no
 * terms); AS_INVALID (q->from >= q->to, a station id that is not an id,
 * or a period of over 1,000,000 weeks: the detail says which); AS_MISUSE (NULL out, db or q, or an unknown
 * q->version); AS_NOMEM; AS_BUSY; AS_READONLY or AS_INTERNAL (reading, or
 * on first use loading, the lexicon; a SQLite failure).
 */
as_status as_report_sentiment_get(as_report_sentiment **out, as_db *db,
                                  const as_period_query *q, size_t top_terms);

/* as_report_sentiment_free - NULL is a no-op. */
void as_report_sentiment_free(as_report_sentiment *report);

/* ---- report urgent (issue 17) --------------------------------------- */

typedef struct as_report_urgent_line {
    int level;               /* AS_URGENCY_LOW .. AS_URGENCY_CRITICAL */
    const char *name;        /* "low", "medium", "high", "critical" (static) */
    int64_t feedback;        /* feedback rows submitted in the period at this urgency */
    int64_t ticketed;        /* of them, whose ticket (feedback_tickets) was opened before `to` */
    int64_t waiting;         /* of them, escalated (feedback_escalations) without a ticket by `to` */
    int64_t median_min, p90_min, max_min;  /* wall-clock minutes from submission to the
                              * ticket's opening (nearest rank; a ticket opened before the
                              * submission time counts 0); -1 when ticketed is 0 */
} as_report_urgent_line;

typedef struct as_report_urgent {
    int64_t from, to;
    const char *station_id;
    as_report_urgent_line lines[4];    /* low, medium, high, critical: always the four */
    int64_t feedback, ticketed, waiting;   /* the four together */
} as_report_urgent;

/*
 * as_report_urgent_get - urgent feedback submitted in [q->from, q->to)
 * (of q->station_id's feedback when given), per urgency level, and how
 * fast it became a ticket: a row is ticketed when the ticket it opened
 * (feedback_tickets -> tickets) was created before q->to; waiting when it
 * was escalated (has a feedback_escalations row, whenever recorded) but
 * had no ticket by q->to (never opened, a legacy escalation without a
 * ticket, or a ticket created at or after q->to).  Rows below
 * alerts.ticket_level are counted but neither ticketed nor waiting.
 * Minutes are whole minutes, rounded to the nearest (as report sla).
 * Read in one read transaction (unless the caller holds one).  *out is
 * owned by the caller (free with as_report_urgent_free()); NULL on failure.
 * Returns AS_OK (an empty period too: the four lines with zeros and -1);
 * AS_INVALID (q->from >= q->to, or a station id that is not an id);
 * AS_MISUSE (NULL out, db or q, or an unknown q->version); AS_NOMEM;
 * AS_BUSY; AS_INTERNAL.
 */
as_status as_report_urgent_get(as_report_urgent **out, as_db *db, const as_period_query *q);

/* as_report_urgent_free - NULL is a no-op. */
void as_report_urgent_free(as_report_urgent *report);

/*
 * The escalation of an urgent feedback row: the ticket it opened and
 * whether that ticket still waits for a customer to reach.  Every urgent
 * row opens a ticket once: for its user; for a user id not (yet) in the
 * users table (the ticket's customer is "unknown" until that user is
 * added, which links it); or for nobody (anonymous feedback).  Such a
 * ticket has no second factor for tracking until a contact is known.
 * Every pointer is borrowed from the iterator until its next call.
 */
typedef struct as_feedback_escalation {
    const char *feedback_id;
    const char *user_id;      /* NULL: anonymous feedback */
    int urgency;              /* AS_URGENCY_* */
    const char *urgency_name; /* static */
    const as_feedback_reason *reasons;  /* the rules that fired */
    size_t nreasons;
    const char *ticket;       /* its tracking number; NULL: none yet (recorded before 0.2,
                               * see as_feedback_escalate()) */
    const char *ticket_status;/* "new", ...; NULL without a ticket */
    const char *customer;     /* the ticket's: "known", "unknown", "anonymous"; NULL without */
    int pending;              /* 1: no ticket, or a ticket without a customer to reach */
    const char *why;          /* why it is pending, in words; NULL when it is not */
    int64_t created_at;       /* when the row was escalated */
} as_feedback_escalation;

typedef struct as_feedback_escalation_query {
    unsigned version;         /* AS_FEEDBACK_ESCALATION_QUERY_VERSION */
    int pending;              /* 1: only the pending ones */
    int64_t limit;            /* 0: no limit */
} as_feedback_escalation_query;

#define AS_FEEDBACK_ESCALATION_QUERY_VERSION 1
#define AS_FEEDBACK_ESCALATION_QUERY_INIT { AS_FEEDBACK_ESCALATION_QUERY_VERSION, 0, 0 }

typedef struct as_feedback_escalation_iter as_feedback_escalation_iter;

/*
 * as_feedback_escalation_iter_new - list escalations: pending first, then
 * the most urgent, then the oldest.  query NULL lists all; it is copied.
 * *out (NULL on failure) is freed with as_feedback_escalation_iter_free().
 * Returns AS_OK; AS_NOMEM; AS_MISUSE (a NULL out or db, an unknown query
 * version); AS_BUSY; AS_INTERNAL.
 */
as_status as_feedback_escalation_iter_new(as_feedback_escalation_iter **out, as_db *db,
                                          const as_feedback_escalation_query *query);

/*
 * as_feedback_escalation_next - the next escalation: *view is borrowed
 * until the next call of as_feedback_escalation_next() or
 * as_feedback_escalation_iter_free().
 * Returns AS_OK; AS_DONE (no more); AS_NOMEM; AS_MISUSE (a NULL argument);
 * AS_BUSY; AS_INTERNAL (a SQLite failure, or stored reasons that cannot be
 * read).
 */
as_status as_feedback_escalation_next(as_feedback_escalation_iter *it,
                                      const as_feedback_escalation **view);

/* as_feedback_escalation_iter_free - NULL is a no-op. */
void as_feedback_escalation_iter_free(as_feedback_escalation_iter *it);

/*
 * as_feedback_escalate - open the tickets of escalations recorded without
 * one (by a library before 0.2, which kept urgent feedback of anonymous or
 * unknown customers waiting).  One transaction; *opened (may be NULL)
 * receives the number of tickets opened.  Running it again opens nothing.
 * Returns AS_OK; AS_CONFIG (the ticket configuration cannot open a
 * ticket); AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db);
 * AS_INTERNAL.
 */
as_status as_feedback_escalate(as_db *db, int64_t *opened);

/* ------------------------------------------------------------------ */
/* Demand mining                                                        */
/* ------------------------------------------------------------------ */

/* One demand topic (borrowed until the next call). */
typedef struct as_demand {
    const char *topic;        /* dictionary topic name, or a mined phrase */
    const char *source;       /* "dictionary" or "phrase" (static) */
    int64_t users;            /* distinct users who asked */
    int64_t feedback;         /* suggestions matched */
    int64_t latest;           /* newest matching submitted_at */
    const char *backlog_id;   /* linked backlog item, or NULL */
    int64_t shipped_at;       /* 0: not shipped */
    const char *example;      /* the newest matching comment */
} as_demand;

typedef struct as_demand_iter as_demand_iter;

/*
 * as_demand_iter_new - group the suggestions (kind suggestion, or a comment
 * with a topics.markers word) into topics: the configured dictionary, then
 * frequent phrases of the newest 5000 suggestions no dictionary topic
 * matched (see topics.min_users, topics.stoplist).  Texts are compared with
 * traditional characters folded to simplified.  Phrases are whole: grams
 * of 2-10 characters that never cross a stoplist word or marker, fragments
 * of a longer phrase and words several phrases share left out, spans that
 * contain one another or nearly match merged into one topic (users: the
 * union).  Ranked by distinct users, then by the newest suggestion.
 * Dictionary topics nobody asked for are left out.  limit 0: all.  *out
 * holds every topic; free it with as_demand_iter_free().
 * Returns AS_OK; AS_NOMEM; AS_MISUSE (a NULL out or db, a negative
 * limit); AS_BUSY; AS_INTERNAL.
 */
as_status as_demand_iter_new(as_demand_iter **out, as_db *db, int64_t limit);

/*
 * as_demand_next - the next topic: *view is borrowed from the iterator
 * until the next call of as_demand_next() or as_demand_iter_free().
 * Returns AS_OK; AS_DONE (no more topics); AS_MISUSE (a NULL argument).
 */
as_status as_demand_next(as_demand_iter *it, const as_demand **view);

/* as_demand_iter_free - NULL is a no-op. */
void as_demand_iter_free(as_demand_iter *it);

/*
 * as_demand_link - link a topic to a backlog item id (1-64 bytes, no
 * spaces).  The topic (NFC, traditional characters folded to simplified)
 * must be a dictionary topic, a phrase as_demand_iter_new() finds now, or a
 * topic linked before.  Linking again is AS_OK.  Both strings are the
 * caller's.
 * Returns AS_OK; AS_NOTFOUND (no such topic); AS_INVALID (empty topic, bad
 * id); AS_MISUSE (a NULL argument); AS_BUSY; AS_READONLY; AS_NOMEM;
 * AS_INTERNAL.
 */
as_status as_demand_link(as_db *db, const char *topic, const char *backlog_id);

/* What as_demand_ship() did. */
typedef struct as_demand_shipment {
    int64_t topics;           /* the topics linked to the backlog item */
    int64_t notified;         /* users written a "demand_shipped" notification now */
    int64_t already_notified; /* users an earlier ship of this item notified */
    int64_t skipped;          /* users who refused service notices or were erased */
    int64_t shipped_at;       /* the time recorded (Unix seconds) */
    int64_t beta_invited;     /* since 0.2: beta testers written a "beta_invite" now */
} as_demand_shipment;

/*
 * as_demand_ship - the backlog item shipped: every user who asked for a
 * linked topic gets one notification in the outbox (users who refused
 * service notices or were erased are skipped): a beta tester (产品体验官,
 * as_user_input.beta_tester) a "beta_invite" to try it first, at `at`;
 * everyone else a "demand_shipped" notice inviting them to try it,
 * topics.beta_head_start later.  Beta testers who use the item's feature
 * area (as_demand_set_area(): they rated that feedback dimension) are
 * invited too.  Links are marked shipped.  The dedupe key is per backlog
 * item, kind and user, so shipping again notifies nobody twice.  at: the
 * time to record (0: now).  *out (if not NULL) receives the counts; it is
 * left alone on failure.  One transaction.
 * Returns AS_OK; AS_NOTFOUND (no topic linked to backlog_id); AS_MISUSE (a
 * NULL db or backlog_id); AS_BUSY; AS_READONLY; AS_NOMEM; AS_INTERNAL.
 */
as_status as_demand_ship(as_demand_shipment *out, as_db *db, const char *backlog_id, int64_t at);

/*
 * as_demand_set_area - the feature area of a backlog item: a feedback
 * dimension (feedback.dimensions: ui, payment, coupon, service, ...).  When
 * the item ships, beta testers who rated that dimension are invited to try
 * it first, whether or not they asked for it.  Setting it again replaces
 * it.  Both strings are the caller's.
 * Returns AS_OK; AS_INVALID (a bad id, or area is not a configured
 * dimension: the detail lists them); AS_NOTFOUND (no topic is linked to
 * backlog_id); AS_MISUSE (a NULL argument); AS_BUSY; AS_READONLY; AS_NOMEM;
 * AS_INTERNAL.
 */
as_status as_demand_set_area(as_db *db, const char *backlog_id, const char *area);
/* ------------------------------------------------------------------ */
/* Sentiment                                                            */
/* ------------------------------------------------------------------ */

/*
 * Chinese sentiment of free text, explainable: a lexicon (terms with
 * weights, written for this domain, in the sentiment_lexicon table) with
 * rules for negators (不, 没有, 不太 ...), degree words (很, 有点 ...),
 * contrast (虽然 ... 但是), ！ and ？ and emoji, found by longest match
 * over the text (no word segmenter); plus, once trained, a model stored in
 * the database.
 *
 * Text is read folded: ASCII letters in lower case, full-width forms as
 * ASCII, traditional characters as simplified (a character table generated
 * from OpenCC, data/t2s), so 服務很差 matches the terms of 服务很差.
 *
 * The lexicon score L is the sum of the matched terms' values after the
 * rules.  Two models can be trained (as_sentiment_train_file()):
 *  - AS_SENTIMENT_MODEL_LR (the default): logistic regression over the
 *    text's character 1-3-grams, hashed into 2^20 buckets, weighted by
 *    sublinear tf-idf ((1 + ln tf) * idf) and L2-normalised, each
 *    feature scaled by its naive Bayes log-count ratio (NBSVM), with L2
 *    regularisation chosen by k-fold cross-validation on the training
 *    texts.  Its log-odds M is combined with the lexicon by a small
 *    logistic layer fitted on the out-of-fold log-odds of the training
 *    texts: per length bucket (1-10, 11-30, 31-100, 101-300, 301+
 *    characters) z = bias + a M + b tanh(L / 3) + c ln(1 + hits), hits
 *    being the lexicon's matched sentiment words (up to 30 characters
 *    the fit is pulled toward a = 1, b = 2: the lexicon is stronger on
 *    short comments than on the reviews models are trained from); the
 *    score is 2 P(positive) - 1 = tanh(z / 2), so a score means the
 *    same probability for a short and a long text.
 *  - AS_SENTIMENT_MODEL_NB (for comparison): the naive Bayes model over
 *    character unigrams and bigrams of earlier versions; M is its prior
 *    log-odds plus the sum of the feature log-ratios divided by the square
 *    root of their number, and z = L + model_weight * M, score tanh(z / 3).
 * Without a model the score is tanh(L / 3).  The label is 1 when score >=
 * neutral, -1 when score <= -neutral, else 0; empty text scores 0.
 * model_weight, neutral and the smallest training set come from the
 * configuration's sentiment section (defaults below).
 *
 * The lexicon and model are read once per handle and cached; changes made
 * through the handle refresh the cache, changes by another process are
 * seen after reopening.  On first use a writable handle loads the built-in
 * lexicon into an empty database; a read-only one uses it from memory.
 */
#define AS_SENTIMENT_MODEL_WEIGHT 1.5  /* default of sentiment.model_weight */
#define AS_SENTIMENT_NEUTRAL 0.05      /* default of sentiment.neutral */
#define AS_SENTIMENT_MIN_CLASS_TEXTS 100 /* default of sentiment.min_class_texts */

/* One matched lexicon term (evidence). */
typedef struct as_sentiment_term {
    const char *term;        /* the lexicon term as stored */
    size_t offset;           /* byte offset of the match in the text */
    double base;             /* its lexicon weight */
    double value;            /* its contribution after the rules */
    const char *const *rules; /* the rules that changed it, in the order they
                               * applied ("negated by 不 ×-0.8", "after 但是 ×1.5") */
    size_t nrules;           /* 0: no rule changed it (value == base) */
} as_sentiment_term;

/* One character n-gram's part in the logistic regression model's log-odds
 * (evidence of the model). */
typedef struct as_sentiment_ngram {
    const char *ngram;       /* its 1-3 characters as they are in the text */
    size_t offset;           /* byte offset of its first occurrence */
    unsigned count;          /* occurrences (counted up to 255) */
    double value;            /* its term of M: weight * tf-idf / norm */
} as_sentiment_ngram;

/* At most this many n-grams explain a result: the largest by |value|. */
#define AS_SENTIMENT_NGRAMS 8

/* Flags for as_sentiment_analyze(). */
#define AS_SENTIMENT_LEXICON_ONLY 0x1u  /* ignore the trained model */

/* A scored text.  One block: the terms, n-grams, rules and strings live
 * inside it and go with as_sentiment_result_free(). */
typedef struct as_sentiment_result {
    double score;            /* [-1, 1] */
    int label;               /* -1 negative, 0 neutral, 1 positive */
    double lexicon;          /* L, the lexicon evidence */
    double model;            /* M, the model's log-odds (0 without one) */
    int model_used;          /* a trained model took part */
    size_t nterms;
    const as_sentiment_term *terms; /* in text order */
    size_t nngrams;          /* 0 unless the logistic regression model took part */
    const as_sentiment_ngram *ngrams; /* largest |value| first */
} as_sentiment_result;

/*
 * as_sentiment_analyze - score UTF-8 text (len bytes; it need not be
 * NUL-terminated) and explain it: the lexicon terms and, with the
 * logistic regression model, its n-grams of largest effect.  flags: 0 or
 * AS_SENTIMENT_LEXICON_ONLY.  *out is one malloc'd block; free it with
 * as_sentiment_result_free().  Empty text scores 0, neutral.  On failure
 * *out is NULL.
 * Returns AS_OK; AS_INVALID (not valid UTF-8: the detail gives the byte
 * offset); AS_NOMEM; AS_MISUSE (a NULL out or db, NULL text with len > 0);
 * AS_BUSY, AS_READONLY or AS_INTERNAL (reading, or on first use loading,
 * the lexicon and model).
 */
as_status as_sentiment_analyze(as_sentiment_result **out, as_db *db, const char *text,
                               size_t len, unsigned flags);

/* as_sentiment_result_free - NULL is a no-op. */
void as_sentiment_result_free(as_sentiment_result *result);

/* What a lexicon term does. */
typedef enum as_lexicon_kind {
    AS_LEXICON_WORD = 0,     /* sentiment of its own: its weight */
    AS_LEXICON_NEGATOR,      /* 不, 没有: the next word times its weight (negative) */
    AS_LEXICON_DEGREE,       /* 很, 有点: the next word times its weight */
    AS_LEXICON_CONTRAST,     /* 但是: the part after it times its weight, the part
                              * before halved */
    AS_LEXICON_CONCESSION,   /* 虽然: the part after it times its weight */
    AS_LEXICON_RHETORICAL,   /* 难道: with ？ the clause is turned around */
    AS_LEXICON_KIND_LAST     /* not a kind: the count */
} as_lexicon_kind;

/* as_lexicon_kind_name - "word", "negator", "degree", "contrast",
 * "concession" or "rhetorical" (static text); NULL for another value. */
const char *as_lexicon_kind_name(as_lexicon_kind kind);

/* A lexicon entry (borrowed from the iterator until its next call). */
typedef struct as_lexicon_entry {
    const char *term;
    double weight;
    as_lexicon_kind kind;
    const char *const *tags; /* its tags ([a-z0-9_-]+), in the order given */
    size_t ntags;
    int builtin;             /* 1: from the built-in files, 0: added by a user */
} as_lexicon_entry;

/*
 * as_lexicon_add - add a term, or replace the weight, kind and tags of an
 * existing one (it becomes a user entry, kept by as_lexicon_load).
 * term: 1-64 bytes of UTF-8 without whitespace, NFC-normalised, ASCII
 * letters lower-cased.  weight: finite, -5..5.  tags: ntags names of
 * a-z, 0-9, _ and - (tags may be NULL when ntags is 0).  Every string is
 * the caller's.  Terms match folded text (see above): a traditional or
 * full-width term matches its simplified or ASCII form too.
 * Returns AS_OK; AS_INVALID (a bad term, weight, kind or tag); AS_MISUSE (a
 * NULL db or term, NULL tags with ntags > 0); AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_INTERNAL.
 */
as_status as_lexicon_add(as_db *db, const char *term, double weight, as_lexicon_kind kind,
                         const char *const *tags, size_t ntags);

/*
 * as_lexicon_remove - delete a term (built-in or user; normalised as for
 * as_lexicon_add()).
 * Returns AS_OK; AS_NOTFOUND (not in the lexicon); AS_INVALID (not a
 * possible term); AS_MISUSE (a NULL argument); AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_INTERNAL.
 */
as_status as_lexicon_remove(as_db *db, const char *term);

/*
 * as_lexicon_load - (re)load the built-in lexicon: built-in rows are
 * replaced by the compiled-in files (removed ones come back), user rows
 * are kept and win over a built-in term of the same text.  *count (if not
 * NULL) receives the number of built-in terms written.
 * Returns AS_OK; AS_MISUSE (a NULL db); AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_lexicon_load(as_db *db, int *count);

typedef struct as_lexicon_iter as_lexicon_iter;

/*
 * as_lexicon_iter_new - list the lexicon by term; tag NULL lists all,
 * else the entries having that tag (or that kind's name); tag is copied.
 * Loads the built-in lexicon first if the database has none yet (and is
 * writable).  *out is freed with as_lexicon_iter_free().
 * Returns AS_OK; AS_NOMEM; AS_MISUSE (a NULL out or db); AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_lexicon_iter_new(as_lexicon_iter **out, as_db *db, const char *tag);

/*
 * as_lexicon_next - the next entry: *view is borrowed from the iterator
 * until the next call of as_lexicon_next() or as_lexicon_iter_free().
 * Returns AS_OK; AS_DONE (no more entries); AS_NOMEM; AS_MISUSE (a NULL
 * argument); AS_BUSY; AS_INTERNAL.
 */
as_status as_lexicon_next(as_lexicon_iter *it, const as_lexicon_entry **view);

/* as_lexicon_iter_free - free the iterator and its current view.  NULL is
 * a no-op. */
void as_lexicon_iter_free(as_lexicon_iter *it);

/* The kinds of trained model. */
typedef enum as_sentiment_model_kind {
    AS_SENTIMENT_MODEL_NONE = 0,   /* no model: the lexicon alone */
    AS_SENTIMENT_MODEL_NB,         /* naive Bayes, combined by model_weight */
    AS_SENTIMENT_MODEL_LR          /* logistic regression, combined by a learned layer */
} as_sentiment_model_kind;

/* as_sentiment_model_name - "none", "nb" or "lr" (static text); NULL for
 * another value. */
const char *as_sentiment_model_name(as_sentiment_model_kind kind);

/*
 * How to train.  Every training reads labelled texts, counts each distinct
 * text once (the first label wins; a text seen again with the other label
 * counts as a conflict), sets aside a holdout share of the distinct texts
 * chosen by a hash of the text (fixed: the same text is always on the
 * same side, so a repeated text is never on both; as_sentiment_evaluate()
 * with the same holdout reads exactly the set-aside texts), refuses a
 * training set with fewer than min_class_texts texts of either class, and
 * replaces the stored model.  Training is deterministic: the same texts
 * give the same model.
 */
typedef struct as_sentiment_train_options {
    unsigned version;              /* AS_SENTIMENT_TRAIN_OPTIONS_VERSION */
    as_sentiment_model_kind model; /* AS_SENTIMENT_MODEL_LR or AS_SENTIMENT_MODEL_NB */
    double holdout;                /* 0 <= holdout <= 0.9: the share set aside */
    int folds;                     /* 2-10: cross-validation folds (LR) */
    double c;                      /* 0: choose the inverse regularisation strength C
                                    * by cross-validation among 0.5 ... 16; else that C
                                    * (0.001-1000) */
    unsigned min_class_texts;      /* 0: the configuration's (default 100) */
} as_sentiment_train_options;

#define AS_SENTIMENT_TRAIN_OPTIONS_VERSION 1
#define AS_SENTIMENT_TRAIN_OPTIONS_INIT \
    { AS_SENTIMENT_TRAIN_OPTIONS_VERSION, AS_SENTIMENT_MODEL_LR, 0, 5, 0, 0 }

/* What a training did. */
typedef struct as_sentiment_training {
    as_sentiment_model_kind model;
    uint64_t rows;           /* labelled rows read */
    uint64_t texts;          /* distinct texts */
    uint64_t duplicates;     /* rows whose text came before */
    uint64_t conflicts;      /* of those, with the other label (the first label kept) */
    uint64_t held_out;       /* distinct texts set aside */
    uint64_t negative, positive;    /* texts trained on, by class */
    int folds;               /* cross-validation folds (0 for NB) */
    double c;                /* the C used (LR) */
    double cv_macro_f1;      /* its cross-validated macro-F1 of the model alone (LR) */
    double combined_cv_macro_f1;    /* of the learned combination, in-sample on the
                                     * out-of-fold log-odds (LR) */
    uint64_t model_bytes;    /* the stored model's size */
    double seconds;          /* wall time spent */
} as_sentiment_training;

/*
 * as_sentiment_train_file - train from CSV with a header naming label and
 * review (label 1 positive, 0 negative), through the import driver:
 * iopts and stats as for as_user_import() (AS_IMPORT_JSONL is accepted
 * too), except that rows are not keyed (labels and texts may repeat; a
 * repeated text is "unchanged", a new one "inserted").  topts NULL means
 * AS_SENTIMENT_TRAIN_OPTIONS_INIT.  *out (if not NULL) is filled on
 * success (also for a dry run, which trains and stores nothing).
 * Returns AS_OK; AS_INVALID (bad rows, or too few texts of a class: the
 * detail says how many); AS_IO; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE
 * (a NULL db, in or name; a bad option or options version); AS_INTERNAL.
 */
as_status as_sentiment_train_file(as_sentiment_training *out, as_db *db, FILE *in,
                                  const char *name, const as_import_options *iopts,
                                  const as_sentiment_train_options *topts,
                                  as_import_stats *stats);

/*
 * as_sentiment_train - as_sentiment_train_file() with the default
 * training options (the signature of an import).
 * Returns what as_sentiment_train_file() returns.
 */
as_status as_sentiment_train(as_db *db, FILE *in, const char *name,
                             const as_import_options *opts, as_import_stats *stats);

/*
 * as_sentiment_train_from_ratings - train from the database's own
 * feedback: rows of the table or view feedback(overall INTEGER, comment
 * TEXT) with a non-empty comment; overall 1-2 is negative, 4-5 positive,
 * 3 is left out.  topts as for as_sentiment_train_file(); *out (if not
 * NULL) is filled on success.
 * Returns AS_OK; AS_NOTFOUND (there is no feedback table or view);
 * AS_INVALID (fewer than min_class_texts texts of a class: the detail says
 * how many); AS_MISUSE (a NULL db; a bad option); AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_INTERNAL.
 */
as_status as_sentiment_train_from_ratings(as_sentiment_training *out, as_db *db,
                                          const as_sentiment_train_options *topts);

/*
 * as_sentiment_train_ratings - as_sentiment_train_from_ratings() with the
 * default options; *stats (if not NULL): rows counts the rows used,
 * inserted the distinct texts, unchanged the repeats.
 * Returns what as_sentiment_train_from_ratings() returns.
 */
as_status as_sentiment_train_ratings(as_db *db, as_import_stats *stats);

/* as_sentiment_model_clear - drop the trained model (scoring goes back to
 * the lexicon alone).  Returns AS_OK; AS_MISUSE (a NULL db); AS_BUSY;
 * AS_READONLY; AS_INTERNAL. */
as_status as_sentiment_model_clear(as_db *db);

/* One tried strength of the cross-validation. */
typedef struct as_sentiment_cv {
    double c;
    double macro_f1;         /* out-of-fold, of the model alone */
} as_sentiment_cv;

/* One length bucket of the learned combination. */
typedef struct as_sentiment_layer {
    unsigned chars_min, chars_max;  /* characters; chars_max 0: no bound */
    double bias, model, lexicon, hits;  /* z = bias + model M + lexicon tanh(L/3)
                                         * + hits ln(1 + hits) */
} as_sentiment_layer;

/* The stored model.  One block, freed by as_sentiment_model_free(). */
typedef struct as_sentiment_model {
    as_sentiment_model_kind kind;   /* AS_SENTIMENT_MODEL_NONE: no model (nothing else set) */
    int64_t trained_at;      /* Unix seconds */
    const char *source;      /* the file name, or "feedback ratings" */
    uint64_t negative, positive;    /* texts trained on */
    uint64_t held_out;
    double holdout;          /* the share set aside */
    int folds;               /* LR: cross-validation folds */
    double c;                /* LR: the strength used */
    double cv_macro_f1;      /* LR: of the model alone at c */
    size_t ncv;
    const as_sentiment_cv *cv;      /* LR: every strength tried, in increasing c */
    size_t nlayers;
    const as_sentiment_layer *layers; /* LR: by length bucket */
    unsigned buckets_log2;   /* LR: 2^buckets_log2 hash buckets */
    uint64_t model_bytes;    /* stored size (LR weights and NB counts) */
} as_sentiment_model;

/*
 * as_sentiment_model_get - describe the stored model (*out->kind NONE when
 * there is none).  *out is one malloc'd block for as_sentiment_model_free().
 * Returns AS_OK; AS_MISUSE (a NULL argument); AS_NOMEM; AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_sentiment_model_get(as_sentiment_model **out, as_db *db);

/* as_sentiment_model_free - NULL is a no-op. */
void as_sentiment_model_free(as_sentiment_model *model);

/* Quality of one scorer over a labelled set (positive = label 1). */
typedef struct as_sentiment_metrics {
    double accuracy;         /* 0-1 */
    double macro_f1;         /* mean of the F1 of both classes, 0-1 */
    double neg_precision, neg_recall, neg_f1;   /* of the negative class, 0-1 */
    double texts_per_sec;
    double mb_per_sec;       /* megabytes (10^6) of text per second */
} as_sentiment_metrics;

/* The scorers an evaluation measures. */
typedef enum as_sentiment_scorer {
    AS_SENTIMENT_SCORER_LEXICON = 0,   /* tanh(L / 3) */
    AS_SENTIMENT_SCORER_NB,            /* tanh(M / 2) of the naive Bayes counts */
    AS_SENTIMENT_SCORER_LR,            /* tanh(M / 2) of the logistic regression */
    AS_SENTIMENT_SCORER_COMBINED,      /* the stored model's score (see above) */
    AS_SENTIMENT_SCORER_LAST           /* not a scorer: the count */
} as_sentiment_scorer;

/* Score bins of a reliability table: [-1, -0.8), [-0.8, -0.6) ... [0.8, 1]. */
#define AS_SENTIMENT_BINS 10
/* Length buckets, as for the learned combination. */
#define AS_SENTIMENT_LENGTHS 5

/* One bin of a reliability table: a score s stands for P(positive) =
 * (s + 1) / 2; a calibrated scorer's mean_score and positive_share agree
 * (mean_score = 2 positive_share - 1). */
typedef struct as_sentiment_bin {
    uint64_t texts;
    double mean_score;       /* 0 when texts is 0 */
    double positive_share;   /* 0-1; 0 when texts is 0 */
} as_sentiment_bin;

/* A scorer on the texts of one length bucket. */
typedef struct as_sentiment_length {
    unsigned chars_min, chars_max;  /* chars_max 0: no bound */
    uint64_t texts;
    double accuracy, macro_f1;
    double mean_score, positive_share;
    double calibration_error;       /* sum over bins of texts * |(mean_score + 1) / 2 -
                                     * positive_share| / texts: 0 is calibrated */
    as_sentiment_bin bins[AS_SENTIMENT_BINS];
} as_sentiment_length;

typedef struct as_sentiment_eval {
    uint64_t texts;          /* labelled texts scored */
    uint64_t bytes;          /* their total size */
    as_sentiment_metrics lexicon;   /* lexicon alone */
    as_sentiment_metrics combined;  /* the stored model's score (= lexicon without one) */
    int model_used;          /* a model took part in combined */
    /* Filled since version 2 of the options (zero with version 1): */
    as_sentiment_model_kind model;  /* the model combined */
    uint64_t rows;           /* labelled rows read (before the holdout choice) */
    int has_nb, has_lr;      /* the nb and lr metrics are set */
    as_sentiment_metrics nb, lr;    /* each model alone */
    int has_lengths;         /* by_length was asked for */
    as_sentiment_length lengths[AS_SENTIMENT_SCORER_LAST][AS_SENTIMENT_LENGTHS];
} as_sentiment_eval;

/* What as_sentiment_evaluate() reads, and how. */
typedef struct as_sentiment_eval_options {
    unsigned version;        /* AS_SENTIMENT_EVAL_OPTIONS_VERSION */
    const char *encoding;    /* NULL (UTF-8) or a name, as in as_import_options */
    char delimiter;          /* 0: detect from the header; ',', '\t', ';' or '|' */
    /* Version 2 and later (a version 1 struct is still accepted): */
    double holdout;          /* 0: every text; else only the distinct texts a
                              * training with this holdout sets aside (0-0.9) */
    int from_ratings;        /* 1: read the database's feedback ratings (as
                              * as_sentiment_train_from_ratings()), not in */
    int by_length;           /* 1: fill lengths[] */
} as_sentiment_eval_options;

#define AS_SENTIMENT_EVAL_OPTIONS_VERSION 2
#define AS_SENTIMENT_EVAL_OPTIONS_INIT { AS_SENTIMENT_EVAL_OPTIONS_VERSION, NULL, 0, 0, 0, 0 }

/*
 * as_sentiment_evaluate - score every labelled text of CSV label,review
 * (header required; the encoding and the delimiter as for
 * as_import_options, a byte order mark winning), or with from_ratings of
 * the feedback ratings, with each scorer (the lexicon alone, each stored
 * model alone, the combination) and measure into *out.  With holdout > 0
 * only the distinct texts a training with that holdout sets aside are
 * scored (each once).  opts NULL means AS_SENTIMENT_EVAL_OPTIONS_INIT.
 * in and name are the caller's (name is used in messages; in may be NULL
 * with from_ratings).  A text is predicted positive when its score is > 0
 * (no evidence counts as negative: in after-sales feedback, text without
 * praise is mostly a complaint).
 * Returns AS_OK; AS_INVALID (a bad row: the detail names FILE:LINE; no
 * rows; an unknown encoding or delimiter; a holdout outside 0-0.9);
 * AS_NOTFOUND (from_ratings without a feedback table); AS_IO; AS_NOMEM;
 * AS_MISUSE (a NULL argument but opts, a bad opts->version); AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_sentiment_evaluate(as_sentiment_eval *out, as_db *db, FILE *in, const char *name,
                                const as_sentiment_eval_options *opts);

/* ------------------------------------------------------------------ */
/* Tickets                                                              */
/* ------------------------------------------------------------------ */

/*
 * Tracking numbers are what a customer reads over the phone: 9 digits, the
 * last a Damm check digit over the others, which catches every single
 * mistyped digit and every swap of two adjacent digits.  They are printed
 * as "123 456 789"; input may contain spaces and dashes.  The first 8
 * digits are a keyed permutation of the ticket's sequence number under a
 * random key each database makes when it is created (or migrated to 0.2):
 * without the key a number is not predictable, and it tells nothing about
 * how many tickets there are.  Numbers issued before stay valid.
 */
#define AS_TRACKING_BUFSIZE 16

/*
 * as_tracking_check - normalise a tracking number (drop spaces and dashes)
 * into out (AS_TRACKING_BUFSIZE bytes, 9 digits) and verify its check
 * digit.  Returns AS_OK; AS_INVALID (wrong length, a non-digit, or a
 * failed check digit: a mistyped number); AS_MISUSE (NULL).
 */
as_status as_tracking_check(const char *text, char out[AS_TRACKING_BUFSIZE]);

/* as_tracking_digit - the Damm check digit (0-9) of a string of digits.
 * Returns the digit, or -1 when digits is NULL, empty, or holds anything
 * but ASCII digits. */
int as_tracking_digit(const char *digits);

/* The ticket statuses, in lifecycle order. */
typedef enum as_ticket_status {
    AS_TICKET_NEW = 0,
    AS_TICKET_ASSIGNED,
    AS_TICKET_IN_PROGRESS,
    AS_TICKET_WAITING_CUSTOMER,
    AS_TICKET_RESOLVED,
    AS_TICKET_CLOSED,
    AS_TICKET_MERGED,
    AS_TICKET_CANCELLED,
    AS_TICKET_STATUS_LAST
} as_ticket_status;

/* as_ticket_status_name - "new", "in_progress", ...: static text; NULL
 * when s is out of range. */
const char *as_ticket_status_name(as_ticket_status s);

/* as_ticket_status_parse - the status named name ("waiting_customer").
 * Returns the as_ticket_status, or -1 when name is NULL or unknown. */
int as_ticket_status_parse(const char *name);

/* as_ticket_status_zh - what the customer sees: 已受理, 处理中, 待您回复, ...
 * Static text; NULL when s is out of range. */
const char *as_ticket_status_zh(as_ticket_status s);

/*
 * as_ticket_transition_ok - 1 when the transition table allows from -> to,
 * else 0 (also for statuses out of range).
 * The table: new -> assigned, in_progress, waiting_customer, resolved,
 * cancelled, merged; assigned -> in_progress, waiting_customer, resolved,
 * cancelled, merged; in_progress -> assigned, waiting_customer, resolved,
 * cancelled, merged; waiting_customer -> in_progress, resolved, closed,
 * cancelled, merged; resolved -> in_progress (reopen), closed; closed,
 * merged and cancelled are final (reopening a closed ticket opens a new
 * linked one).
 */
int as_ticket_transition_ok(as_ticket_status from, as_ticket_status to);

typedef struct as_ticket_input {
    unsigned version;        /* AS_TICKET_INPUT_VERSION; 1 is still accepted */
    const char *user_id;     /* an existing user */
    const char *channel;     /* app, phone, wechat, web, station */
    const char *category;    /* free text, 1-64 characters ("payment") */
    const char *subject;     /* 1-200 characters */
    const char *body;        /* up to 10000 characters ("" allowed) */
    const char *severity;    /* NULL: from routing; normal, urgent, major, systemic */
    const char *queue;       /* NULL: from routing */
    const char *assignee;    /* NULL: from routing */
    const char *member_tier; /* NULL: unknown (routing rules on tier do not match) */
    const char *by;          /* who opened it; NULL: "customer" */
    int64_t at;              /* when; 0: now */
    const char *station_id;  /* since version 2: the station the matter concerns (an id:
                              * 1-64 bytes, printable, no whitespace); NULL: none */
} as_ticket_input;

#define AS_TICKET_INPUT_VERSION 2
#define AS_TICKET_INPUT_INIT { AS_TICKET_INPUT_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, \
                               NULL, NULL, NULL, NULL, 0, NULL }

/*
 * as_ticket_open - open a ticket: routing rules (config section routing)
 * pick queue, severity and assignee where the input leaves them NULL; the
 * SLA clocks of the severity (section sla) start; a systemic ticket is an
 * incident.  A queue given must be one the configuration knows (the
 * routing section's, a rule's, routing.queues or tickets.followup_queue).
 * tracking (may be NULL) receives the tracking number.  The strings of in
 * are only read during the call.
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (a field, named in
 * the detail; an unknown queue; a station_id that is not an id); AS_CONFIG (no ticket configuration, or the severity's
 * calendar is unknown); AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db
 * or in, or an unknown version: 1 and 2 are known); AS_INTERNAL.
 */
as_status as_ticket_open(as_db *db, const as_ticket_input *in,
                         char tracking[AS_TRACKING_BUFSIZE]);

/*
 * A ticket as read back.  From as_ticket_get() the whole record (struct
 * and strings) is one allocation the caller owns, freed by
 * as_ticket_free(); in a view from as_ticket_next() everything is borrowed
 * until the iterator's next call.
 */
typedef struct as_ticket {
    const char *tracking;
    const char *user_id;     /* NULL for an anonymous customer (see customer) */
    const char *channel;
    const char *category;
    const char *subject;
    const char *body;
    const char *severity;
    const char *queue;
    const char *assignee;    /* NULL: unassigned */
    as_ticket_status status;
    int is_incident;
    const char *incident;    /* tracking number of the parent incident, or NULL */
    const char *merged_into; /* tracking number, or NULL */
    const char *related;     /* the ticket this one follows up or reopens, or NULL */
    const char *rule;        /* the routing rule that matched, or NULL */
    int64_t kb_article_id;   /* 0: none */
    int64_t created_at, updated_at;
    int64_t first_response_at, resolved_at, closed_at;   /* 0: not yet */
    int64_t eta;             /* 0: none promised */
    int64_t frt_due;         /* wall-clock due time of a running first-response clock, 0 */
    int64_t res_due;         /* the same for resolution */
    int frt_met;             /* -1 not yet known, 0 missed, 1 met */
    int res_met;
    /* Since 0.2: */
    const char *customer;    /* "known" (user_id is a user), "unknown" (user_id named
                              * nobody when the ticket was opened from feedback: linked
                              * when that user is added) or "anonymous" (user_id NULL:
                              * feedback without a user id); static text */
    const char *calendar;    /* the business calendar of the SLA clocks; NULL: 24/7 */
    /* Since issue 17 (schema 021): */
    const char *station_id;  /* the station the matter concerns, or NULL */
} as_ticket;

/*
 * as_ticket_get - read the ticket with this tracking number (spaces and
 * dashes ignored).  The caller owns *out (free with as_ticket_free()).
 * Returns AS_OK; AS_INVALID ("invalid tracking number": a typo the check
 * digit caught); AS_NOTFOUND; AS_NOMEM; AS_MISUSE (NULL out, db or
 * tracking); AS_INTERNAL.
 */
as_status as_ticket_get(as_ticket **out, as_db *db, const char *tracking);

/* as_ticket_free - free a ticket from as_ticket_get(); NULL is a no-op.
 * Never pass an iterator's view. */
void as_ticket_free(as_ticket *t);

/* Who and when for a change. */
typedef struct as_ticket_action {
    unsigned version;        /* AS_TICKET_ACTION_VERSION */
    const char *by;          /* the agent; NULL: "system" */
    int64_t at;              /* 0: now */
    const char *text;        /* the message (reply, note, resolution), or NULL */
} as_ticket_action;

#define AS_TICKET_ACTION_VERSION 1
#define AS_TICKET_ACTION_INIT { AS_TICKET_ACTION_VERSION, NULL, 0, NULL }

/*
 * The changes below each add events to the ticket's append-only history in
 * one transaction.  tracking is a number as typed (spaces and dashes
 * ignored); act NULL means AS_TICKET_ACTION_INIT (by "system", now, no
 * text); its strings are only read during the call.  The history must be
 * one that could have happened: an event dated (act->at) before the ticket
 * was opened, or before the ticket's previous event, is refused with both
 * times in the detail.  Unless a comment says otherwise, each returns
 * AS_OK; AS_INVALID (a mistyped tracking number, a bad value named in the
 * detail, an event dated too early, or a move the transition table
 * refuses: the detail lists the allowed moves); AS_NOTFOUND (no such ticket);
 * AS_CONFIG (the ticket's calendar left the configuration); AS_BUSY;
 * AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db or tracking, or an unknown
 * act version); AS_INTERNAL.
 */

/* as_ticket_assign - set the assignee (1-64 characters; a new ticket
 * becomes assigned).  Only open tickets can be assigned (AS_INVALID).
 * Returns as the changes above. */
as_status as_ticket_assign(as_db *db, const char *tracking, const char *assignee,
                           const as_ticket_action *act);

/* as_ticket_set_status - move to status along the transition table.
 * Entering waiting_customer pauses the SLA clocks, leaving it resumes
 * them.  A status out of range is AS_INVALID.  Returns as the changes above. */
as_status as_ticket_set_status(as_db *db, const char *tracking, as_ticket_status status,
                               const as_ticket_action *act);

#define AS_REPLY_WAIT 0x1u   /* then wait on the customer (waiting_customer) */

/* as_ticket_reply - a public reply to the customer (act->text, required:
 * AS_INVALID without it); the first one stops the first-response clock.
 * A new or assigned ticket becomes in_progress; flags AS_REPLY_WAIT then
 * waits on the customer.  Returns as the changes above. */
as_status as_ticket_reply(as_db *db, const char *tracking, const as_ticket_action *act,
                          unsigned flags);

/* as_ticket_note - an internal note (act->text, required: AS_INVALID
 * without it), never shown to the customer.  Returns as the changes above. */
as_status as_ticket_note(as_db *db, const char *tracking, const as_ticket_action *act);

/* as_ticket_resolve - resolve (act->text, if any, is a public message).
 * Makes one satisfaction survey due; resolving an incident resolves its
 * open children with the same public message.  Returns as the changes
 * above. */
as_status as_ticket_resolve(as_db *db, const char *tracking, const as_ticket_action *act);

/*
 * as_ticket_resolve_kb - resolve as as_ticket_resolve() does, and record
 * that knowledge base article article_id solved it (the ticket's
 * kb_article_id, and the article's count in as_kb_stats_iter_new()), in
 * one transaction at one time.  act NULL gives the defaults as above.
 * Returns as as_ticket_resolve(), and AS_NOTFOUND for an unknown article.
 */
as_status as_ticket_resolve_kb(as_db *db, const char *tracking, int64_t article_id,
                               const as_ticket_action *act);

/*
 * as_ticket_suggest_iter_new - knowledge base articles for a ticket, from
 * its category, subject and body (see as_kb_suggest_iter_new()), best
 * first; limit 0 (or negative): no limit.  The caller owns *out: read it
 * with as_kb_next(), free it with as_kb_iter_free().
 * Returns AS_OK; AS_INVALID (a mistyped tracking number); AS_NOTFOUND (no
 * such ticket); AS_NOMEM; AS_MISUSE (NULL out, db or tracking);
 * AS_INTERNAL.
 */
as_status as_ticket_suggest_iter_new(as_kb_iter **out, as_db *db, const char *tracking,
                                     int64_t limit);

/* as_ticket_close - close a resolved (or waiting) ticket.  Returns as the
 * changes above. */
as_status as_ticket_close(as_db *db, const char *tracking, const as_ticket_action *act);

/*
 * as_ticket_reopen - a resolved ticket within the reopen window (section
 * tickets) goes back to in_progress, its resolution clock resumes and a
 * pending survey is void; otherwise (closed, or too late) a new ticket
 * linked to it is opened, whose number goes to new_tracking (may be NULL;
 * "" when reopened in place).  Only resolved and closed tickets reopen
 * (AS_INVALID otherwise).  Returns as the changes above.
 */
as_status as_ticket_reopen(as_db *db, const char *tracking, const as_ticket_action *act,
                           char new_tracking[AS_TRACKING_BUFSIZE]);

/* as_ticket_merge - mark dup a duplicate of into (both open, of the same
 * customer, not the same ticket: AS_INVALID otherwise; AS_NOTFOUND when
 * either does not exist); dup becomes merged and tracking it shows into's
 * progress.  Returns as the changes above. */
as_status as_ticket_merge(as_db *db, const char *dup, const char *into,
                          const as_ticket_action *act);

/* as_ticket_link - make tracking a child of incident (an open incident
 * ticket; an incident cannot be a child: AS_INVALID).  Returns as the
 * changes above. */
as_status as_ticket_link(as_db *db, const char *tracking, const char *incident,
                         const as_ticket_action *act);

/* as_ticket_eta - promise the customer a time (eta 0 clears it); an open
 * ticket only (AS_INVALID otherwise).  Returns as the changes above. */
as_status as_ticket_eta(as_db *db, const char *tracking, int64_t eta,
                        const as_ticket_action *act);

/*
 * as_ticket_autoclose - close every ticket resolved longer ago than the
 * configured autoclose_after, as of time at (0: now).  A ticket whose
 * history already goes past at is left alone.  *closed (may be NULL)
 * receives the count.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db);
 * AS_INTERNAL.
 */
as_status as_ticket_autoclose(as_db *db, int64_t at, int64_t *closed);

/* One event of a ticket's history. */
typedef struct as_ticket_event {
    int64_t id;
    int64_t at;
    const char *actor;
    const char *kind;        /* opened, assigned, status, reply, note, resolved, closed,
                              * reopened, merged, linked, eta, escalation, survey, ... */
    const char *from_status; /* NULL when the status did not change */
    const char *to_status;
    int public;              /* 1: the customer sees it */
    const char *text;        /* NULL when none */
} as_ticket_event;

typedef struct as_ticket_event_iter as_ticket_event_iter;

/*
 * as_ticket_event_iter_new - the history of a ticket, oldest first.  The
 * caller owns *out (free with as_ticket_event_iter_free()).
 * Returns AS_OK; AS_INVALID (a mistyped tracking number); AS_NOTFOUND;
 * AS_NOMEM; AS_MISUSE (NULL out, db or tracking); AS_INTERNAL.
 */
as_status as_ticket_event_iter_new(as_ticket_event_iter **out, as_db *db, const char *tracking);

/*
 * as_ticket_event_next - the next event into *view, borrowed until the
 * iterator's next call.
 * Returns AS_OK; AS_DONE (no more); AS_MISUSE (NULL it or view);
 * AS_BUSY or AS_INTERNAL (a database error).
 */
as_status as_ticket_event_next(as_ticket_event_iter *it, const as_ticket_event **view);

/* as_ticket_event_iter_free - free the iterator; NULL is a no-op. */
void as_ticket_event_iter_free(as_ticket_event_iter *it);

/* A set of ticket statuses for as_ticket_query.statuses. */
#define AS_TICKET_STATUS_BIT(s) (1u << (s))
/* The statuses of a ticket still being worked on. */
#define AS_TICKET_OPEN_STATUSES                                                    \
    (AS_TICKET_STATUS_BIT(AS_TICKET_NEW) | AS_TICKET_STATUS_BIT(AS_TICKET_ASSIGNED) | \
     AS_TICKET_STATUS_BIT(AS_TICKET_IN_PROGRESS) |                                 \
     AS_TICKET_STATUS_BIT(AS_TICKET_WAITING_CUSTOMER))

typedef struct as_ticket_query {
    unsigned version;        /* AS_TICKET_QUERY_VERSION */
    unsigned statuses;       /* 0: any; else the statuses to list, a set of
                              * AS_TICKET_STATUS_BIT() (AS_TICKET_OPEN_STATUSES) */
    const char *queue;       /* NULL: any */
    const char *assignee;    /* NULL: any */
    const char *severity;    /* NULL: any; normal, urgent, major, systemic */
    const char *user_id;     /* NULL: any */
    int overdue;             /* 1: only tickets with a running clock past due at `at` */
    int64_t at;              /* for overdue; 0: now */
    int64_t limit;           /* 0: no limit */
} as_ticket_query;

#define AS_TICKET_QUERY_VERSION 2
#define AS_TICKET_QUERY_INIT { AS_TICKET_QUERY_VERSION, 0u, NULL, NULL, NULL, NULL, 0, 0, 0 }

typedef struct as_ticket_iter as_ticket_iter;

/*
 * as_ticket_iter_new - list tickets, newest first (overdue: most overdue
 * first).  q NULL lists all.  The caller owns *out (free with
 * as_ticket_iter_free()).
 * Returns AS_OK; AS_INVALID (a status bit beyond the statuses, or an
 * unknown severity); AS_NOMEM;
 * AS_MISUSE (NULL out or db, or an unknown version); AS_INTERNAL.
 */
as_status as_ticket_iter_new(as_ticket_iter **out, as_db *db, const as_ticket_query *q);

/*
 * as_ticket_next - the next ticket into *view, borrowed until the
 * iterator's next call (never pass it to as_ticket_free()).
 * Returns AS_OK; AS_DONE (no more); AS_MISUSE (NULL it or view); AS_BUSY
 * or AS_INTERNAL (a database error).
 */
as_status as_ticket_next(as_ticket_iter *it, const as_ticket **view);

/* as_ticket_iter_free - free the iterator; NULL is a no-op. */
void as_ticket_iter_free(as_ticket_iter *it);

/* ---- SLA sweep ------------------------------------------------------ */

/* What one sweep recorded. */
typedef struct as_sla_sweep_result {
    int64_t recorded;        /* escalations recorded by this sweep */
    int64_t first_id;        /* their ids, first_id..last_id (0, 0 when none): */
    int64_t last_id;         /* hand the result to as_sla_query.sweep */
} as_sla_sweep_result;

/*
 * as_sla_sweep - the escalation sweep as of time at (0: now): records each
 * escalation (a clock at risk, a clock breached) once, however often it
 * runs, as an escalation row and an "escalation" event of the ticket, in
 * one transaction.  A ticket whose history already goes past at is not
 * recorded (its events stay in time order); as_sla_iter_new() lists it.  *result (may be NULL) receives what it recorded.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db);
 * AS_INTERNAL.
 */
as_status as_sla_sweep(as_db *db, int64_t at, as_sla_sweep_result *result);

/* One running clock at risk or in breach. */
typedef struct as_sla_item {
    const char *tracking;
    const char *user_id;     /* NULL for an anonymous customer */
    const char *severity;
    const char *queue;
    const char *assignee;    /* NULL: unassigned */
    const char *clock;       /* "first_response" or "resolution" */
    const char *state;       /* "at_risk" or "breached" */
    int64_t due_at;
    int64_t minutes_left;    /* negative: overdue by that much */
    int escalated;           /* 1: the query's sweep recorded an escalation of this clock */
    /* Since 0.2: */
    const char *calendar_warning;  /* NULL, or why due_at cannot be trusted: it lies past
                                    * the last year the clock's calendar knows holidays for */
    const char *calendar;    /* the calendar the warning is about; NULL without one */
} as_sla_item;

typedef struct as_sla_query {
    unsigned version;        /* AS_SLA_QUERY_VERSION */
    int64_t at;              /* list the clocks as they stand at this time; 0: now */
    const as_sla_sweep_result *sweep;  /* NULL: escalated is 0; else what as_sla_sweep()
                                        * returned (only read during as_sla_iter_new()) */
} as_sla_query;

#define AS_SLA_QUERY_VERSION 1
#define AS_SLA_QUERY_INIT { AS_SLA_QUERY_VERSION, 0, NULL }

typedef struct as_sla_iter as_sla_iter;

/*
 * as_sla_iter_new - every running clock at risk or in breach at q->at, the
 * earliest at-risk ticket first (a ticket's first-response clock before
 * its resolution clock).  Only reads: run as_sla_sweep() first to record
 * the escalations.  q NULL: now, no sweep.  The caller owns *out (free
 * with as_sla_iter_free()).
 * Returns AS_OK; AS_NOMEM; AS_MISUSE (NULL out or db, or an unknown
 * version); AS_INTERNAL.
 */
as_status as_sla_iter_new(as_sla_iter **out, as_db *db, const as_sla_query *q);

/*
 * as_sla_next - the next clock into *view, borrowed until the iterator's
 * next call.
 * Returns AS_OK; AS_DONE (no more); AS_MISUSE (NULL it or view); AS_BUSY
 * or AS_INTERNAL (a database error).
 */
as_status as_sla_next(as_sla_iter *it, const as_sla_item **view);

/* as_sla_iter_free - free the iterator; NULL is a no-op. */
void as_sla_iter_free(as_sla_iter *it);

/* ---- customer-side tracking ---------------------------------------- */

/* What the customer may see.  From as_ticket_track(), one record the
 * caller owns (free with as_track_free()). */
typedef struct as_track {
    const char *tracking;
    const char *status;      /* in Chinese: 处理中, ... */
    const char *last_reply;  /* the last public message, or NULL */
    int64_t last_reply_at;   /* 0: none */
    int64_t eta;             /* 0: none */
    const char *eta_text;    /* "预计今天18:00前完成", or NULL */
} as_track;

/*
 * as_ticket_track - what the customer may see of a ticket, given its
 * number and the last 4 digits of the phone on the customer's profile
 * (a merged ticket shows the progress of the one it was merged into).
 * now (0: the clock) decides "今天"/"明天" in the ETA text, and once it is
 * past the ETA the text says so ("已超过预计时间，正在加急处理").  The caller
 * owns *out (free with as_track_free()).
 *
 * A wrong second factor is AS_NOTFOUND with exactly the message of an
 * unknown number, after the same statements.  Every failure is recorded
 * (table tracking_attempts) for the number asked, known or not; after
 * tickets.track_attempts failures within tickets.track_window before now,
 * the number answers the same way, right digits or not, until the window
 * has passed.  A ticket whose customer is unknown or anonymous has no
 * second factor yet.  The attempt window is measured at now: a caller that
 * lets the customer choose now defeats the limit.  Because it records
 * failures, it needs a writable handle (one write transaction).
 * Returns AS_OK; AS_INVALID ("invalid tracking number"); AS_NOTFOUND;
 * AS_READONLY (a read-only handle); AS_BUSY; AS_NOMEM; AS_MISUSE (NULL
 * out, db, tracking or phone_last4); AS_INTERNAL.
 */
as_status as_ticket_track(as_track **out, as_db *db, const char *tracking,
                          const char *phone_last4, int64_t now);

/* as_track_free - free what as_ticket_track() returned; NULL is a no-op. */
void as_track_free(as_track *t);

/* ---- satisfaction surveys ------------------------------------------ */

/* The states of a survey (AS_SURVEY_ANY only in a query).  A pending
 * survey past its expires_at is expired: it can no longer be answered. */
typedef enum as_survey_status {
    AS_SURVEY_PENDING = 0,
    AS_SURVEY_ANSWERED,
    AS_SURVEY_VOID,
    AS_SURVEY_EXPIRED,       /* since 0.2 */
    AS_SURVEY_ANY
} as_survey_status;

/* as_survey_status_name - "pending", "answered", "void", "expired"; NULL
 * for AS_SURVEY_ANY or a value out of range. */
const char *as_survey_status_name(as_survey_status status);

/* A survey; in an iterator's view every pointer is borrowed. */
typedef struct as_survey {
    const char *tracking;
    const char *user_id;     /* NULL for an anonymous customer */
    const char *agent;       /* the agent who resolved the ticket (the actor of its
                              * resolution: "system" when nobody was named) */
    const char *queue;
    as_survey_status status; /* pending, answered, void or expired (at the query's time) */
    int64_t created_at;      /* the resolution */
    int64_t due_at;          /* call back before this (tickets.survey_within) */
    int score;               /* 0: not answered */
    const char *comment;     /* NULL: none */
    int64_t answered_at;     /* 0: not answered */
    const char *followup;    /* tracking number of the follow-up ticket, or NULL */
    /* Since 0.2: */
    int64_t expires_at;      /* no answer is taken from this time on; 0: never */
} as_survey;

typedef struct as_survey_query {
    unsigned version;        /* AS_SURVEY_QUERY_VERSION */
    as_survey_status status; /* AS_SURVEY_PENDING by default */
    int64_t limit;           /* 0: no limit */
    /* Version 2 and later (a version 1 struct is still accepted): */
    int64_t at;              /* the time that decides pending or expired; 0: now */
} as_survey_query;

#define AS_SURVEY_QUERY_VERSION 2
#define AS_SURVEY_QUERY_INIT { AS_SURVEY_QUERY_VERSION, AS_SURVEY_PENDING, 0, 0 }

typedef struct as_survey_iter as_survey_iter;

/*
 * as_survey_iter_new - surveys of q->status as they stand at q->at,
 * earliest due first.  q NULL: the pending ones now.  The caller owns *out (free with
 * as_survey_iter_free()).
 * Returns AS_OK; AS_INVALID (a status out of range); AS_NOMEM; AS_MISUSE
 * (NULL out or db, or an unknown version); AS_INTERNAL.
 */
as_status as_survey_iter_new(as_survey_iter **out, as_db *db, const as_survey_query *q);

/*
 * as_survey_next - the next survey into *view, borrowed until the
 * iterator's next call.
 * Returns AS_OK; AS_DONE (no more); AS_MISUSE (NULL it or view); AS_BUSY
 * or AS_INTERNAL (a database error).
 */
as_status as_survey_next(as_survey_iter *it, const as_survey **view);

/* as_survey_iter_free - free the iterator; NULL is a no-op. */
void as_survey_iter_free(as_survey_iter *it);

/*
 * as_survey_record - the answer to the pending survey of a ticket: score
 * 1-5, comment (may be NULL; up to 10000 characters), at (0: now).  A
 * score at or below tickets.low_score opens a follow-up ticket in
 * tickets.followup_queue, assigned to tickets.followup_assignee (a lead;
 * never back to the agent who resolved it), whose number goes to followup
 * (may be NULL; "" when none).  A survey answered at or after its
 * expires_at is refused.
 * Returns AS_OK; AS_INVALID (score, comment, a mistyped tracking number,
 * an expired survey: the detail names both times, an answer dated before
 * the ticket's last event);
 * AS_NOTFOUND (no such ticket, or no pending survey); AS_BUSY;
 * AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db or tracking); AS_INTERNAL.
 */
as_status as_survey_record(as_db *db, const char *tracking, int score, const char *comment,
                           int64_t at, char followup[AS_TRACKING_BUFSIZE]);

/* ---- reports -------------------------------------------------------- */

/* How a report groups. */
typedef enum as_report_by {
    AS_REPORT_BY_LEVEL = 0,  /* the severity (SLA report only) */
    AS_REPORT_BY_QUEUE,
    AS_REPORT_BY_AGENT,      /* the assignee; "(none)" when unassigned */
    AS_REPORT_BY_WEEK        /* SLA report only: the business week the ticket was created
                              * in, named by its Monday (YYYY-MM-DD); every week of the
                              * period is listed in order, a week without tickets too
                              * (tickets 0, percentages -1, times -1) */
} as_report_by;

/* as_report_by_name - "level", "queue", "agent", "week" (static text; NULL
 * when by is out of range).  The CLI names a report's group field by it. */
const char *as_report_by_name(as_report_by by);

typedef struct as_report_query {
    unsigned version;        /* AS_REPORT_QUERY_VERSION; 1 is still accepted */
    as_report_by by;
    int64_t from, to;        /* the period [from, to) */
    const char *station_id;  /* since version 2: NULL every station; else only the
                              * tickets of that station */
} as_report_query;

#define AS_REPORT_QUERY_VERSION 2
#define AS_REPORT_QUERY_INIT { AS_REPORT_QUERY_VERSION, AS_REPORT_BY_QUEUE, 0, 0, NULL }

/* One group of the SLA report; every pointer is borrowed from the iterator. */
typedef struct as_report_sla_row {
    const char *group;       /* the level, queue or agent */
    int64_t tickets;         /* tickets created in the period (not merged or cancelled) */
    int64_t first_response_n;        /* stopped first-response clocks */
    int64_t first_response_met;      /* of them, met */
    double first_response_met_pct;   /* met share, 0-100 rounded half up to one
                                      * decimal (87.5); -1 when n is 0 */
    int64_t first_response_median_min;   /* business minutes used, nearest rank; */
    int64_t first_response_p90_min;      /* -1 when n is 0 */
    int64_t resolution_n, resolution_met;
    double resolution_met_pct;
    int64_t resolution_median_min, resolution_p90_min;
} as_report_sla_row;

typedef struct as_report_sla_iter as_report_sla_iter;

/*
 * as_report_sla_iter_new - SLA attainment of the tickets created in
 * [q->from, q->to) (of q->station_id's station when given), one row a
 * group in group order (by week: every business week that meets the
 * period, oldest first, empty ones too).  A clock counts once stopped
 * (first reply, resolution).  The caller owns *out (free with
 * as_report_sla_iter_free()).
 * Returns AS_OK; AS_INVALID (q->by out of range; by week: q->from not
 * before q->to, or a period of more than 10000 weeks; a station_id that
 * is not an id); AS_NOMEM; AS_MISUSE (NULL out, db or q, or an unknown
 * version); AS_INTERNAL.
 */
as_status as_report_sla_iter_new(as_report_sla_iter **out, as_db *db, const as_report_query *q);

/*
 * as_report_sla_next - the next group into *view, borrowed until the
 * iterator's next call.  After an error, only free the iterator.
 * Returns AS_OK; AS_DONE (no more); AS_NOMEM; AS_MISUSE (NULL it or
 * view); AS_BUSY or AS_INTERNAL (a database error).
 */
as_status as_report_sla_next(as_report_sla_iter *it, const as_report_sla_row **view);

/* as_report_sla_iter_free - free the iterator; NULL is a no-op. */
void as_report_sla_iter_free(as_report_sla_iter *it);

/* One group of the satisfaction report; every pointer is borrowed. */
typedef struct as_report_csat_row {
    const char *group;       /* the agent (who resolved the ticket) or queue */
    int64_t answers;         /* surveys answered in the period (may be 0) */
    int64_t score_sum;
    int64_t satisfied;       /* answers scoring 4 or 5 */
    double mean_score;       /* score_sum / answers, rounded half up to two decimals;
                              * -1 when answers is 0 */
    double csat_pct;         /* satisfied share, 0-100 rounded half up to one decimal;
                              * -1 when answers is 0 */
    /* Since 0.2, over the surveys made by resolutions in the period (not void): */
    int64_t surveys;         /* resolutions in the period that asked for an answer */
    int64_t responded;       /* of them, answered before the period's end */
    double response_rate_pct;/* responded share, one decimal; -1 when surveys is 0 */
    int64_t callbacks_on_time;   /* of them, answered by the survey's due time
                                  * (resolution + tickets.survey_within: 24 h) */
    double callback_on_time_pct; /* that share of surveys, one decimal; -1 when surveys is 0 */
    int64_t expired;         /* of them, unanswered and expired by the period's end */
} as_report_csat_row;

typedef struct as_report_csat_iter as_report_csat_iter;

/*
 * as_report_csat_iter_new - satisfaction from the surveys answered in
 * [q->from, q->to), and the response and call-back rates of the surveys
 * made by resolutions in [q->from, q->to) (§2.5 ties call-backs to agent
 * performance), by agent (the resolver) or queue, in group order.  A group
 * with surveys but no answers is listed.  With q->station_id, only the
 * surveys of that station's tickets.  The caller owns *out (free with
 * as_report_csat_iter_free()).
 * Returns AS_OK; AS_INVALID (q->by is not AS_REPORT_BY_AGENT or
 * AS_REPORT_BY_QUEUE; a station_id that is not an id); AS_NOMEM; AS_MISUSE (NULL out, db or q, or an
 * unknown version); AS_INTERNAL.
 */
as_status as_report_csat_iter_new(as_report_csat_iter **out, as_db *db,
                                  const as_report_query *q);

/*
 * as_report_csat_next - the next group into *view, borrowed until the
 * iterator's next call.
 * Returns AS_OK; AS_DONE (no more); AS_MISUSE (NULL it or view); AS_BUSY
 * or AS_INTERNAL (a database error).
 */
as_status as_report_csat_next(as_report_csat_iter *it, const as_report_csat_row **view);

/* as_report_csat_iter_free - free the iterator; NULL is a no-op. */
void as_report_csat_iter_free(as_report_csat_iter *it);

/*
 * A period and an optional station: the query of the service reports
 * (tickets, times, feedback, sentiment, urgent feedback, outbox, fueling)
 * that make up the HTML report.  Weeks in these reports are business weeks:
 * Monday 00:00 to Monday 00:00 in the business zone, named by the Monday's
 * date (YYYY-MM-DD); the first and last week of a period may be partial.
 */
typedef struct as_period_query {
    unsigned version;        /* AS_PERIOD_QUERY_VERSION */
    int64_t from, to;        /* the period [from, to); from < to */
    const char *station_id;  /* NULL: every station; else only that station's
                              * rows (reports that have no station say so) */
} as_period_query;

#define AS_PERIOD_QUERY_VERSION 1
#define AS_PERIOD_QUERY_INIT { AS_PERIOD_QUERY_VERSION, 0, 0, NULL }

/* ---- service reports: ticket times and ticket counts (issue 17) ---- */

/* Buckets of business minutes used: [0,15) [15,30) [30,60) [60,120) [120,240)
 * [240,480) [480,1440) [1440,-) */
#define AS_REPORT_TIMES_BUCKETS 8

typedef struct as_report_times_bucket {
    int64_t lo_min;          /* business minutes, inclusive */
    int64_t hi_min;          /* exclusive; -1: no upper bound (the last bucket) */
    int64_t tickets;         /* stopped clocks in the bucket */
} as_report_times_bucket;

typedef struct as_report_times_clock {
    const char *clock;       /* "first_response" or "resolution" (static) */
    int64_t n;               /* stopped clocks of the tickets created in the period,
                              * counted as `report sla` counts them */
    int64_t met;             /* of them, met */
    double met_pct;          /* 0-100, one decimal; -1 when n is 0 */
    int64_t median_min, p90_min;   /* nearest rank; -1 when n is 0 */
    as_report_times_bucket buckets[AS_REPORT_TIMES_BUCKETS];
} as_report_times_clock;

typedef struct as_report_times {
    int64_t from, to;
    const char *station_id;  /* the query's filter, or NULL */
    as_report_times_clock clocks[2];   /* [0] first_response, [1] resolution */
} as_report_times;

/*
 * as_report_times_get - how long first responses and resolutions took: of
 * the tickets created in [q->from, q->to) (of q->station_id's station when
 * given; merged and cancelled tickets not counted, as in the SLA report),
 * per clock the stopped clocks, the share met, the median and 90th
 * percentile of the business minutes used (nearest rank) and how many fell
 * in each bucket.  A clock's minutes are its business seconds rounded to
 * the nearest minute (as the SLA report's median), and that value picks
 * the bucket, so the bucket counts sum to n.  n, met, median and p90 equal
 * those of as_report_sla_iter_new() over the same tickets.  Read in one
 * read transaction.  The caller owns *out (free with
 * as_report_times_free()).
 * Returns AS_OK; AS_INVALID (q->from not before q->to; a station_id that
 * is not an id; the detail says which); AS_NOMEM; AS_MISUSE (NULL out, db
 * or q, or an unknown version); AS_BUSY or AS_INTERNAL (a database error).
 */
as_status as_report_times_get(as_report_times **out, as_db *db, const as_period_query *q);

/* as_report_times_free - free a report from as_report_times_get(); NULL is
 * a no-op. */
void as_report_times_free(as_report_times *report);

typedef enum as_ticket_report_by {
    AS_TICKET_REPORT_BY_CATEGORY = 1,
    AS_TICKET_REPORT_BY_CHANNEL,
    AS_TICKET_REPORT_BY_STATION
} as_ticket_report_by;

typedef struct as_report_ticket_line {
    const char *group;       /* the category, channel or station id; NULL (by station):
                              * tickets without a station */
    int64_t tickets;         /* created in the period; merged tickets not counted */
    int64_t resolved;        /* of them, resolved or closed just before `to` */
    int64_t cancelled;       /* of them, cancelled just before `to` */
    int64_t open;            /* tickets - resolved - cancelled */
    int64_t urgent;          /* of them, a severity other than normal */
} as_report_ticket_line;

typedef struct as_report_tickets {
    int64_t from, to;
    const char *station_id;  /* the query's filter, or NULL */
    as_ticket_report_by by;
    as_report_ticket_line *lines;  /* most tickets first, then by group (NULL last) */
    size_t nlines;
    as_report_ticket_line total;   /* every line together (group NULL) */
} as_report_tickets;

/*
 * as_report_tickets_get - the tickets created in [q->from, q->to) (of
 * q->station_id's station when given) by category, channel or station,
 * each ticket's status as the world stood just before q->to (the last
 * status change of its history before q->to; a history without one, from
 * an old import, falls back to its resolved_at and cancellation), so a
 * past period keeps its numbers:
 *  - tickets: created in the period, except merged ones (a ticket whose
 *    status is merged now: a duplicate, never a matter of its own);
 *  - cancelled: of them, cancelled then (a ticket cancelled at or after
 *    q->to is not counted here);
 *  - resolved: of them, resolved or closed then (a reopen after q->to does
 *    not take it back; one reopened before q->to and not resolved again
 *    is open);
 *  - open: tickets - resolved - cancelled (never negative);
 *  - urgent: of the tickets, a severity other than normal (urgent, major,
 *    systemic).
 * Lines with most tickets first, then by group in byte order, the NULL
 * group (by station: tickets without a station) last; total is every line
 * together.  A period without tickets gives no lines and a zero total.
 * Read in one read transaction.  The caller owns *out (free with
 * as_report_tickets_free()).
 * Returns AS_OK; AS_INVALID (q->from not before q->to; a station_id that
 * is not an id; by not one of the three; the detail says which);
 * AS_NOMEM; AS_MISUSE (NULL out, db or q, or an unknown version); AS_BUSY
 * or AS_INTERNAL (a database error).
 */
as_status as_report_tickets_get(as_report_tickets **out, as_db *db, const as_period_query *q,
                                as_ticket_report_by by);

/* as_report_tickets_free - free a report from as_report_tickets_get();
 * NULL is a no-op. */
void as_report_tickets_free(as_report_tickets *report);

/* ---- exchange ------------------------------------------------------- */

/*
 * as_ticket_export - write every ticket to out as JSON Lines, one object a
 * line in creation order: the fields of `aftersales ticket show` under the
 * same names (times as ISO 8601 in the business zone, references as
 * tracking numbers), the SLA clock state (the first_response_* and
 * resolution_* fields), and its full history (events, named as in ticket
 * show), escalations and surveys as arrays (docs/json.md, "ticket
 * export").  *count (may be NULL) receives the number written.
 * Returns AS_OK; AS_IO (writing failed); AS_NOMEM; AS_MISUSE (NULL db or
 * out); AS_INTERNAL.
 */
as_status as_ticket_export(as_db *db, FILE *out, int64_t *count);

/*
 * as_ticket_import - read what as_ticket_export() wrote (JSON Lines only;
 * AS_IMPORT_JSONL is implied), in this format or in that of 0.1.0 (whose
 * clock fields were named frt_* and res_*, with met as 0/1).  A ticket
 * keeps its tracking number, its original times and history; one whose
 * number is already in the database is left alone (unchanged), so
 * importing twice changes nothing, but the same number on another ticket
 * (another customer or opening time) is refused.  Users must exist, except
 * for a ticket whose customer is "unknown" or "anonymous" (user_id null).
 * A ticket is refused when it names a level, calendar or queue the
 * configuration does not know, or when its times or events are out of
 * order (before its opening, an event before the previous one).
 * References to tickets later in the file are resolved at the end; a
 * reference (incident, merged_into, related, a survey's followup) to a
 * ticket in neither the database nor the file is reported with the
 * referring line and fails the whole import with AS_INVALID, even with
 * AS_IMPORT_SKIP_BAD (the referring ticket is written before the end shows
 * it).  The contract of
 * as_user_import() applies (all or nothing unless AS_IMPORT_SKIP_BAD, dry
 * run, rejects).  Returns as as_user_import().
 */
as_status as_ticket_import(as_db *db, FILE *in, const char *name,
                           const as_import_options *opts, as_import_stats *stats);

/* ------------------------------------------------------------------ */
/* Fueling records, services and derived profiles                      */
/* ------------------------------------------------------------------ */

/*
 * as_amount_parse - read a money amount in yuan written as decimal text
 * ("12", "12.3", "12.30", "0.05") into integer fen, digit by digit (never
 * through a floating-point number).  At most two decimals; no sign,
 * exponent, spaces or thousands separators; at most 100,000,000 yuan.
 * Full-width digits and '．' are read as ASCII ("１２．５０" is 1250 fen).
 * Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
 */
as_status as_amount_parse(const char *text, int64_t *fen);

/*
 * as_litres_parse - read a volume in litres ("45", "45.5", "45.125") into
 * integer millilitres, the same way: at most three decimals, more than 0
 * and at most 10,000 litres; full-width digits accepted ("４５.５").
 * Returns AS_OK, AS_INVALID, AS_MISUSE.
 */
as_status as_litres_parse(const char *text, int64_t *ml);

/*
 * as_fuel_import - add fueling records from CSV (header: tx_id, user_id,
 * station_id, filled_at, grade, litres, amount_yuan and optionally
 * odometer_km, plate, station_region) or JSON Lines with those keys.
 *
 * Records are keyed by tx_id: a known tx_id with the same values is
 * unchanged, with other values it is rejected (a payment does not change).
 * A record of a user not (yet) in the users table is kept: it counts
 * toward that user's profile once the user is added (adding the user marks
 * the profile for update, registers the plates of the kept records to the
 * user and records their odometer readings where they fit the vehicle's
 * others); a record of an erased user is rejected.  Every user whose
 * records changed is marked for a profile update in the import's
 * transaction.  A plate is normalised; an unknown plate is registered to a
 * known user, a plate of another user is rejected.  With both
 * plate and odometer_km the reading is recorded for the vehicle (source
 * "fuel") and a reading lower than the vehicle's previous one rejects the
 * row with the reason, as as_odometer_add() does.  filled_at as in
 * as_time_parse(), litres and amount_yuan as in as_litres_parse() and
 * as_amount_parse(), odometer_km a whole number; all may be written with
 * full-width digits.  Options, counts and all-or-nothing are those of
 * as_user_import().  Returns as as_user_import().
 */
as_status as_fuel_import(as_db *db, FILE *in, const char *name,
                         const as_import_options *opts, as_import_stats *stats);

/*
 * as_vehicle_service - record that the vehicle was serviced at time at
 * with km on the odometer.  The reading is recorded too (an equal reading
 * at that time is fine), and the maintenance reminder counts again from
 * this service.  Returns AS_OK; AS_NOTFOUND (no such plate); AS_INVALID
 * (not a plate, km out of range, or lower than an earlier reading);
 * AS_EXISTS (a service at that time); AS_BUSY; AS_READONLY; AS_NOMEM;
 * AS_MISUSE (NULL db or plate); AS_INTERNAL.
 */
as_status as_vehicle_service(as_db *db, const char *plate, int64_t at, int64_t km);

/*
 * A vehicle's part of a profile (as_profile.vehicles): the fill-ups that
 * carry its plate (and, for a user with exactly one vehicle, those without
 * a plate), or (plate NULL, registered_grade NULL) the user's fill-ups of
 * no registered vehicle.  Intervals, km per day and the refuel prediction
 * are per vehicle: a fleet's five cars are five of these.
 */
typedef struct as_profile_vehicle {
    const char *plate;            /* NULL: fill-ups of no registered vehicle, or erased */
    const char *registered_grade; /* the grade its owner gave (vehicle add/update), or NULL */
    int64_t fillups;              /* 0 for a vehicle known only by odometer readings */
    int64_t first_at, last_at;    /* 0 without fill-ups */
    int64_t median_interval_s;    /* -1 with fewer than 2 fill-ups */
    int64_t litres_ml_per_fill;   /* mean; 0 without fill-ups */
    const char *preferred_grade;  /* the most frequent grade, NULL without fill-ups */
    const char *last_grade;       /* the grade of the latest fill-up */
    const char *last_station;     /* the station of the latest fill-up */
    double km_per_day;            /* -1: unknown */
    const char *km_source;        /* "odometer", "estimate" or NULL */
    int64_t expected_at;          /* the next fill-up predicted (last + median), 0: none */
} as_profile_vehicle;

/*
 * A user's derived profile as the world stood at a time T (refreshed_at):
 * only records with a time at or before T count.  An as_profile from
 * as_profile_get() is one allocation: the struct, its arrays and strings,
 * all freed by as_profile_free().
 */
typedef struct as_profile {
    const char *user_id;
    int64_t fillups;
    int64_t first_at, last_at;    /* first and latest fill-up */
    int64_t median_interval_s;    /* median time between fill-ups of the same vehicle
                                   * (the vehicles' intervals pooled); -1 with none */
    int64_t litres_ml_per_fill;   /* mean, millilitres */
    const char *preferred_grade;  /* the most frequent grade */
    const char *const *top_stations;  /* up to 3 station ids, most visits first */
    size_t ntop_stations;
    int64_t stations;             /* distinct stations */
    int64_t cities;               /* distinct station cities (from station_region) */
    double km_per_day;            /* the mean of the vehicles' figures; -1: unknown */
    const char *km_source;        /* "odometer", "estimate", "mixed" (some of each) or NULL */
    int64_t spend_12m_fen;        /* spend in the 12 months up to refreshed_at */
    int64_t points;
    const char *segment;          /* NULL: no segment matched */
    const char *tier;             /* NULL: below every tier */
    const char *const *tier_benefits;  /* the tier's benefits from the configuration,
                                        * in its order (none without a tier) */
    size_t ntier_benefits;
    int64_t last_service_at;      /* 0: none recorded at or before refreshed_at */
    int64_t last_service_km;      /* -1: none */
    int64_t refreshed_at;         /* the time T the figures are for */
    /* Added in 0.2: */
    int64_t valid_until;          /* the figures hold until then (the next record, a
                                   * fill-up leaving the 12-month window, a segment
                                   * threshold of days_since_last); 0: until a write */
    const as_profile_vehicle *vehicles;  /* in plate order, the unregistered last;
                                          * none for a user without any vehicle
                                          * (the figures above are the only stream) */
    size_t nvehicles;
} as_profile;

/*
 * as_profile_refresh - the full rebuild: recompute every user's profile
 * for time at (0: now) from the records at or before at, in one pass over
 * the fueling records in (user, time) order, and decide segments and
 * tiers from the configuration's segments and tiers sections; the stored
 * profiles then belong to this configuration.  Needed only after a
 * change of those sections: every read brings the profiles it reads up
 * to date by itself (see as_profile_update()).  *users (may be NULL)
 * receives the number of users with a profile (a fill-up at or before
 * at).  One transaction.
 *
 * Called outside a transaction of the caller, on a WAL database file, with
 * more than one processor (or AFTERSALES_JOBS above 1), the pass runs on
 * two threads, each reading half of the users through its own read-only
 * connection, while the calling thread writes; the result is the same.
 * Those threads call SQLite too: an application that has not started
 * SQLite yet gains by calling sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)
 * first (the CLI does), which spares every allocation a global mutex.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db);
 * AS_INTERNAL.
 */
as_status as_profile_refresh(as_db *db, int64_t at, int64_t *users);

/*
 * as_profile_update - bring the stored profiles up to date for a read at
 * time at (0: now), recomputing only those that are not current: users
 * whose records changed since (every write of fueling records, vehicles,
 * odometer readings, services, and of the user marks them, in its own
 * transaction), profiles whose figures changed with time alone (valid_until
 * at or before at), and, for an at earlier than a profile was computed
 * for, that profile.  When the segments and tiers configuration differs
 * from the stored profiles' it recomputes every user (as
 * as_profile_refresh()).  as_remind_run() calls it first; reads need not
 * (they compute what is not current without writing).  *users (may be
 * NULL) receives the number of users recomputed.  One transaction.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db);
 * AS_INTERNAL.
 */
as_status as_profile_update(as_db *db, int64_t at, int64_t *users);

/*
 * as_profile_config_changed - *changed = 1 when the stored profiles were
 * built with other segments or tiers (or never built), else 0.  Reads only.
 * Returns AS_OK; AS_BUSY; AS_MISUSE (a NULL argument); AS_INTERNAL.
 */
as_status as_profile_config_changed(as_db *db, int *changed);

/*
 * as_profile_get_at - a user's profile as the world stood at time at
 * (0: now): the stored one when it is current for at, else computed for
 * at from the user's records (never written: this works on a read-only
 * handle, and costs one user's records).  *out (NULL on failure) is owned
 * by the caller: one allocation, freed with as_profile_free().
 * Returns AS_OK; AS_NOTFOUND (no such user, or no fueling record at or
 * before at: the detail says which); AS_NOMEM; AS_BUSY; AS_MISUSE (a NULL
 * argument); AS_INTERNAL (a damaged stored profile).
 */
as_status as_profile_get_at(as_profile **out, as_db *db, const char *user_id, int64_t at);

/*
 * as_profile_get - as_profile_get_at() for now.
 * Returns as as_profile_get_at().
 */
as_status as_profile_get(as_profile **out, as_db *db, const char *user_id);

/* as_profile_free - free an as_profile from as_profile_get(); NULL is a
 * no-op. */
void as_profile_free(as_profile *profile);

/* ------------------------------------------------------------------ */
/* Reminders                                                            */
/* ------------------------------------------------------------------ */

/* The kinds of reminder.  Priority: weather (safety) first, then the
 * service kinds (maintenance, survey, grade advice), then marketing; new
 * kinds are added last, so the others keep their numbers. */
typedef enum as_remind_kind {
    AS_REMIND_WEATHER = 0,    /* safety */
    AS_REMIND_MAINTENANCE,    /* service */
    AS_REMIND_REFUEL_COUPON,  /* marketing */
    AS_REMIND_WINBACK,        /* marketing */
    AS_REMIND_TIP,            /* marketing */
    AS_REMIND_SURVEY,         /* service: rate a resolved ticket */
    AS_REMIND_GRADE_ADVICE,   /* service: the grade the car needs (seed 1.2) */
    AS_REMIND_NKINDS
} as_remind_kind;

/* as_remind_kind_name - "weather", "maintenance", "refuel_coupon",
 * "winback", "tip", "survey", "grade_advice"; NULL when out of range. */
const char *as_remind_kind_name(int kind);

/* Called for each notification the per-user cap held back; the strings
 * are valid during the call only (kind as as_remind_kind_name()). */
typedef void (*as_held_fn)(void *userdata, const char *user_id, const char *kind,
                           const char *dedupe_key);

#define AS_REMIND_DRY_RUN 0x1u   /* evaluate and count, write nothing */

/* Options of as_remind_run() and as_remind_weather(). */
typedef struct as_remind_options {
    unsigned version;        /* AS_REMIND_OPTIONS_VERSION */
    unsigned flags;          /* AS_REMIND_* */
    int64_t at;              /* the run's time; 0: now */
    as_held_fn on_held;      /* may be NULL */
    void *userdata;
} as_remind_options;

#define AS_REMIND_OPTIONS_VERSION 1
#define AS_REMIND_OPTIONS_INIT { AS_REMIND_OPTIONS_VERSION, 0u, 0, NULL, NULL }

/* What a run did, per kind (indexed by as_remind_kind). */
typedef struct as_remind_stats {
    uint64_t written[AS_REMIND_NKINDS];     /* new outbox rows */
    uint64_t deferred[AS_REMIND_NKINDS];    /* of those, pushed to the end of quiet hours */
    uint64_t duplicates[AS_REMIND_NKINDS];  /* due, but already in the outbox */
    uint64_t held_back[AS_REMIND_NKINDS];   /* due, but over the per-user cap */
    uint64_t profiles_updated;  /* profiles brought up to date first (as_profile_update()) */
    uint64_t coupons;           /* coupons issued with refuel reminders (their codes
                                 * in the payloads; see reminders.refuel_coupon.coupon) */
} as_remind_stats;

/*
 * as_remind_run - evaluate every enabled rule of the reminders section for
 * every user as the world stood at time opts->at (only records with a time
 * at or before it count: a run at T on a database that also holds later
 * records writes what it writes without them) and write the notifications
 * to the outbox.  The profiles not current for that time are brought up to
 * date first (as as_profile_update(); their number in
 * stats->profiles_updated): no as_profile_refresh() is needed.
 *
 * Idempotent: each notification has a dedupe key (per service cycle, per
 * fill-up cycle, per tip period, per alert, per survey), so a second run at the same
 * or a later time writes nothing already written.  Marketing kinds need
 * the user's marketing consent, the others service consent; erased users
 * get nothing.  A survey reminder invites the customer of a resolved
 * ticket to rate it: one per pending survey (not answered, not void),
 * from reminders.survey.delay after the resolution until the survey's
 * due time.  Refuel coupons are per vehicle (when fill-ups carry a
 * plate) and name it; tips are taken in turn among those that fit the
 * month; fuel-grade advice goes out when a vehicle's latest fill-up used a
 * grade other than the one its owner registered.  Every notification
 * expires (expires_at): weather with the alert, a refuel coupon with its
 * expected day, a tip with its period, a survey at its due time, grade
 * advice reminders.grade_advice.within after the fill-up, maintenance and
 * win-back their expire_after after the run; the outbox pull checks it.  A
 * notification due in the user's quiet hours gets not_before at their end
 * (also across midnight).  The per-user cap
 * (reminders.cap) counts the outbox rows created in the window before at
 * and keeps the highest-priority new ones; the others are counted in
 * held_back and passed to on_held.  Weather (safety) notifications are
 * never held back, though they count against the cap.  With
 * AS_REMIND_DRY_RUN everything is counted and rolled back.  One
 * transaction.  Each notification's payload holds the figures it was made
 * from, times as ISO 8601 text in the business zone (see as_outbox_item).
 * opts NULL gives AS_REMIND_OPTIONS_INIT; stats (may be NULL) is zeroed
 * first.
 *
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db, an
 * unknown options version); AS_INTERNAL.
 */
as_status as_remind_run(as_db *db, const as_remind_options *opts, as_remind_stats *stats);

/*
 * as_weather_kind_check - is text a weather alert kind: 1-32 lower-case
 * ASCII letters, digits or _ ("rainstorm", "typhoon", "snow").
 * Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
 */
as_status as_weather_kind_check(const char *text);

/*
 * as_remind_weather - record a weather alert of kind (rainstorm, typhoon,
 * ...: see as_weather_kind_check()) for region (a province code such as
 * 530000 covers the province, a city code its city) valid from..to with
 * the message text, and notify the users whose home region matches at
 * time opts->at, as as_remind_run() does for the weather rule.  Recording
 * the same alert again (region, kind, from) notifies nobody twice.  The
 * strings are copied.
 * Returns AS_OK; AS_INVALID (bad region, kind, window or message);
 * AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (a NULL argument, an unknown
 * options version); AS_INTERNAL.
 */
as_status as_remind_weather(as_db *db, const char *region, const char *kind, int64_t from,
                            int64_t to, const char *message, const as_remind_options *opts,
                            as_remind_stats *stats);

/* ------------------------------------------------------------------ */
/* Coupon wallet                                                        */
/* ------------------------------------------------------------------ */

/*
 * Coupons are issued to a user from a template of the configuration's
 * coupons section (a fixed amount or a discount per litre, a minimum
 * spend, the grades, stations and regions it is good for, how long it is
 * valid, whether it combines with others).  The template's terms are
 * copied into the coupon when it is issued.  Each coupon has a code of 16
 * characters from Crockford's base32 alphabet (0-9 and A-Z without I, L,
 * O, U), made from 80 random bits: station software redeems by it.  A
 * code given to the library may be in lower case, with spaces or hyphens
 * between groups, and with O for 0 and I or L for 1.
 *
 * A coupon moves once, issued -> redeemed, expired or voided, and every
 * change is an event.  Money is in fen, times in Unix seconds.
 */
typedef enum as_coupon_status {
    AS_COUPON_ISSUED = 1,    /* held by its user, redeemable from valid_from */
    AS_COUPON_REDEEMED,      /* used for a payment */
    AS_COUPON_EXPIRED,       /* its expiry passed before it was used */
    AS_COUPON_VOIDED         /* withdrawn (as_coupon_void()) */
} as_coupon_status;

/* as_coupon_status_name - "issued", "redeemed", "expired", "voided":
 * static text; NULL for a value out of range. */
const char *as_coupon_status_name(as_coupon_status status);

/*
 * A template of the configuration (coupons.templates), borrowed from the
 * handle's configuration for the handle's life.  Lists that are empty
 * (n = 0) do not restrict.
 */
typedef struct as_coupon_template {
    const char *id;              /* [a-z0-9_-], as the configuration names it */
    const char *name;            /* shown to the customer: "加油立减5元" */
    int64_t value_fen;           /* off the payment (0: a per-litre coupon) */
    int64_t per_litre_fen;       /* off each litre (0: a fixed amount) */
    int64_t max_discount_fen;    /* a per-litre coupon's cap; 0: none */
    int64_t min_spend_fen;       /* the payment must be at least this; 0: any */
    int64_t valid_s;             /* valid this long from the issue */
    int stackable;               /* 1: combines with other stackable coupons */
    const char *const *grades;   /* normalised grades ("92", "0", "E92") */
    size_t ngrades;
    const char *const *stations; /* station ids */
    size_t nstations;
    const char *const *regions;  /* region codes of 2, 4 or 6 digits: a
                                  * station in a region starting with one */
    size_t nregions;
} as_coupon_template;

/*
 * as_coupon_templates - the templates of the handle's configuration, in
 * the configuration's order: *out borrowed for the handle's life.
 * Returns AS_OK; AS_MISUSE (a NULL argument).
 */
as_status as_coupon_templates(as_db *db, const as_coupon_template **out, size_t *n);

/* Options of as_coupon_issue(). */
typedef struct as_coupon_issue_options {
    unsigned version;            /* AS_COUPON_ISSUE_OPTIONS_VERSION */
    int64_t at;                  /* the issue time; 0: now */
    int64_t valid_from;          /* 0: from the issue time */
    const char *key;             /* NULL, or an idempotency key: an issue whose
                                  * key was used before issues nothing and
                                  * gives the earlier coupon's code */
    const char *station_id;      /* NULL, or bind the coupon to this station
                                  * (only when the template names none) */
    const char *grade;           /* NULL, or bind it to this grade (only when
                                  * the template names none) */
} as_coupon_issue_options;

#define AS_COUPON_ISSUE_OPTIONS_VERSION 1
#define AS_COUPON_ISSUE_OPTIONS_INIT { AS_COUPON_ISSUE_OPTIONS_VERSION, 0, 0, NULL, NULL, NULL }

/*
 * as_coupon_issue - issue a coupon of template template_id to user_id
 * (opts may be NULL), valid from opts->valid_from (default the issue time)
 * until the template's validity has passed since the issue.  *code_out
 * (if not NULL) receives the new code (free with as_free()).  With a key,
 * the same call made again gives the first coupon's code and issues
 * nothing (*issued, if not NULL, says whether this call issued one).
 * Returns AS_OK; AS_NOTFOUND (no such user or template); AS_INVALID (the
 * user was erased, a malformed station id or grade, valid_from past the
 * expiry); AS_EXISTS (the key was used for another user or template);
 * AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (a NULL argument, an unknown
 * options version); AS_INTERNAL.
 */
as_status as_coupon_issue(as_db *db, const char *user_id, const char *template_id,
                          const as_coupon_issue_options *opts, char **code_out, int *issued);

/* One change of a coupon (as_coupon.events). */
typedef struct as_coupon_event {
    int64_t at;
    as_coupon_status event;      /* ISSUED, REDEEMED, EXPIRED or VOIDED */
    const char *tx_id;           /* REDEEMED: the payment; else NULL */
    const char *station_id;      /* REDEEMED: where; else NULL */
    int64_t amount_fen;          /* REDEEMED: the payment before discounts */
    int64_t discount_fen;        /* REDEEMED: what the coupon took off */
    const char *reason;          /* VOIDED: why; else NULL */
} as_coupon_event;

/*
 * A coupon, as it stood at the time it was read for (see as_coupon_get()):
 * an issued coupon whose expiry had passed then reads as EXPIRED even when
 * no as_coupon_expire() has recorded it yet.  Strings and arrays belong to
 * the coupon (as_coupon_get()) or the iterator (until its next call).
 */
typedef struct as_coupon {
    int64_t id;
    const char *code;
    const char *user_id;
    const char *template_id;
    const char *name;
    int64_t value_fen, per_litre_fen, max_discount_fen, min_spend_fen;
    const char *const *grades;   /* empty: any (as in the template) */
    size_t ngrades;
    const char *const *stations;
    size_t nstations;
    const char *const *regions;
    size_t nregions;
    int stackable;
    as_coupon_status status;
    int64_t issued_at, valid_from, expires_at;
    int64_t changed_at;          /* when it was redeemed, expired or voided; 0 */
    const char *source;          /* "manual", "reminder", "benefit", "partner" */
    const char *key;             /* the idempotency key; NULL */
    const char *redeemed_tx;     /* REDEEMED: the payment; else NULL */
    const char *redeemed_station;
    int64_t redeemed_amount_fen; /* REDEEMED; else 0 */
    int64_t discount_fen;        /* REDEEMED; else 0 */
    const char *reason;          /* VOIDED: why; else NULL */
    const as_coupon_event *events;   /* as_coupon_get() only, oldest first */
    size_t nevents;
    const char *partner;         /* a partner's coupon: the partner's id; else NULL */
    const char *offer;           /* ... the offer that issued it */
    const char *origin_tx;       /* ... the fill-up that earned it */
} as_coupon;

/*
 * as_coupon_get - one coupon by code as the world stood at time at (0:
 * now): its status then, and the events up to then.  *out is freed with
 * as_coupon_free().
 * Returns AS_OK; AS_NOTFOUND (no such code, or issued after at); AS_INVALID
 * (not a code: wrong length or characters); AS_NOMEM; AS_MISUSE;
 * AS_INTERNAL.
 */
as_status as_coupon_get(as_coupon **out, as_db *db, const char *code, int64_t at);

/* as_coupon_free - NULL is a no-op. */
void as_coupon_free(as_coupon *coupon);

/* What as_coupon_iter_new() lists. */
typedef struct as_coupon_query {
    unsigned version;            /* AS_COUPON_QUERY_VERSION */
    const char *user_id;         /* NULL: every user's */
    const char *template_id;     /* NULL: every template's */
    unsigned statuses;           /* bits (1u << AS_COUPON_*); 0: any */
    int64_t at;                  /* as the world stood then; 0: now */
    int64_t limit;               /* 0: no limit */
} as_coupon_query;

#define AS_COUPON_QUERY_VERSION 1
#define AS_COUPON_QUERY_INIT { AS_COUPON_QUERY_VERSION, NULL, NULL, 0u, 0, 0 }

typedef struct as_coupon_iter as_coupon_iter;

/*
 * as_coupon_iter_new - coupons issued at or before q->at, newest first
 * (events are not read: nevents is 0).  Free with as_coupon_iter_free().
 * Returns AS_OK; AS_NOTFOUND (q->user_id names no user); AS_MISUSE (a NULL
 * argument, an unknown query version, unknown status bits); AS_NOMEM;
 * AS_INTERNAL.
 */
as_status as_coupon_iter_new(as_coupon_iter **out, as_db *db, const as_coupon_query *q);

/* as_coupon_next - the next coupon (*out borrowed until the next call).
 * Returns AS_OK; AS_DONE; AS_NOMEM; AS_INTERNAL. */
as_status as_coupon_next(as_coupon_iter *it, const as_coupon **out);

/* as_coupon_iter_free - NULL is a no-op. */
void as_coupon_iter_free(as_coupon_iter *it);

/*
 * A payment to redeem a coupon against (station software fills it in at
 * the pump or the till).
 */
typedef struct as_coupon_tx {
    unsigned version;            /* AS_COUPON_TX_VERSION */
    const char *tx_id;           /* the payment's transaction id (an id: no spaces) */
    const char *user_id;         /* who pays: must hold the coupon */
    const char *station_id;
    const char *region;          /* the station's region code; NULL: unknown
                                  * (then a coupon limited to regions is refused) */
    const char *grade;           /* the grade sold */
    int64_t litres_ml;           /* > 0 */
    int64_t amount_fen;          /* the payment before discounts, >= 0 */
    int64_t at;                  /* the payment's time; 0: now */
} as_coupon_tx;

#define AS_COUPON_TX_VERSION 1
#define AS_COUPON_TX_INIT { AS_COUPON_TX_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 }

/* What a redemption did. */
typedef struct as_coupon_redemption {
    int64_t discount_fen;        /* off the payment */
    int64_t pay_fen;             /* amount_fen minus the discount */
    int replay;                  /* 1: this coupon was already redeemed for
                                  * this same tx_id: nothing changed, the
                                  * first redemption's figures */
} as_coupon_redemption;

/*
 * as_coupon_redeem - redeem the coupon of code for the payment tx, in one
 * transaction: the coupon must be the payer's, issued (not redeemed,
 * expired or voided), valid at tx->at (valid_from <= at < expires_at),
 * good for the station (its id or region) and the grade, and the payment
 * at least its minimum spend; a coupon that does not stack is refused for
 * a payment that already used another coupon, and the other way round;
 * coupons redeemed for one tx_id must name the same amount, and together
 * never take more than it (each discount at most what the earlier left).
 * The discount is the coupon's value, or its per-litre value times the
 * litres (rounded down, at most max_discount_fen), never more than the
 * payment.  A code can never be redeemed twice, even by two processes at
 * once: the second is refused (AS_INVALID, "already redeemed").  Redeeming
 * again with the same tx_id is a replay: AS_OK, the first figures in *out,
 * out->replay = 1.  out may be NULL.
 * Returns AS_OK; AS_NOTFOUND (no such code); AS_INVALID (any condition
 * above, as_errmsg() says which; a malformed tx); AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_MISUSE (a NULL argument, an unknown tx version);
 * AS_INTERNAL.
 */
as_status as_coupon_redeem(as_db *db, const char *code, const as_coupon_tx *tx,
                           as_coupon_redemption *out);

/*
 * as_coupon_void - withdraw an issued coupon at time at (0: now) for
 * reason (required, recorded).  Returns AS_OK; AS_NOTFOUND; AS_INVALID (it
 * is not issued: redeemed, expired or voided already; an empty reason);
 * AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE; AS_INTERNAL.
 */
as_status as_coupon_void(as_db *db, const char *code, const char *reason, int64_t at);

/*
 * as_coupon_expire - record as expired, with an event, every issued
 * coupon whose expiry is at or before at (0: now); *n (if not NULL) the
 * number.  Reads need no sweep (they show the status at their time);
 * reports count what was recorded.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE; AS_INTERNAL.
 */
as_status as_coupon_expire(as_db *db, int64_t at, uint64_t *n);

/* ---- settling a payment ---------------------------------------------- */

enum { AS_PAYMENT_MAX_COUPONS = 8 };

/* What as_payment_settle() took off a payment. */
typedef struct as_payment {
    int64_t amount_fen;          /* the payment before discounts */
    int64_t coupons_fen;         /* taken off by the coupons */
    int64_t plan_fen;            /* taken off by the user's plan (package), on what
                                  * the coupons left */
    int64_t pay_fen;             /* what is left to pay */
    char plan_id[64];            /* the plan that gave plan_fen; "" for none */
    size_t ncoupons;
    int64_t coupon_fen[AS_PAYMENT_MAX_COUPONS];   /* each code's, in the order given */
    char code[AS_PAYMENT_MAX_COUPONS][17];        /* each code, canonical */
    int replay;                  /* this tx_id was settled before: nothing changed,
                                  * the first figures */
} as_payment;

/*
 * as_payment_settle - everything the payment tx earns off its amount, in
 * one transaction: the coupons of codes[0, ncodes) in that order, each
 * redeemed as by as_coupon_redeem() (its minimum spend against the whole
 * amount, its discount at most what the earlier ones left), then the
 * discount of the user's plan (package)
 * active at tx->at on what the coupons left, recorded once for the tx_id
 * so that a plan's monthly cap counts it once.  Any refusal refuses the
 * whole payment (nothing is redeemed or recorded).  Settling the same
 * tx_id again with the same codes is a replay: the first figures,
 * out->replay = 1.  ncodes may be 0 (the plan alone).
 * Returns AS_OK; AS_NOTFOUND (a code); AS_INVALID (a coupon's condition, a
 * malformed tx, more than AS_PAYMENT_MAX_COUPONS codes); AS_BUSY;
 * AS_READONLY; AS_NOMEM; AS_MISUSE; AS_INTERNAL.
 */
as_status as_payment_settle(as_db *db, const as_coupon_tx *tx, const char *const *codes,
                            size_t ncodes, as_payment *out);

/* ---- tier benefits ---------------------------------------------------- */

/* Flags for as_benefits_options.flags. */
#define AS_BENEFITS_DRY_RUN 0x1u   /* do the work, count, roll back */

typedef struct as_benefits_options {
    unsigned version;            /* AS_BENEFITS_OPTIONS_VERSION */
    unsigned flags;              /* AS_BENEFITS_* */
    int64_t at;                  /* the run's time; 0: now */
} as_benefits_options;

#define AS_BENEFITS_OPTIONS_VERSION 1
#define AS_BENEFITS_OPTIONS_INIT { AS_BENEFITS_OPTIONS_VERSION, 0u, 0 }

/* What a run did. */
typedef struct as_benefits_stats {
    uint64_t users;              /* users whose tier grants something */
    uint64_t issued;             /* coupons issued now */
    uint64_t duplicates;         /* due, but issued by an earlier run this month */
    char month[8];               /* the period: "2026-11" in the business zone */
} as_benefits_stats;

/*
 * as_benefits_run - grant the tiers' benefits for the calendar month (in
 * the business zone) holding opts->at: each user whose tier at that time
 * (the profile, brought up to date for it first; erased users excluded)
 * has grants (tiers.levels[].grants) gets count coupons of each granted
 * template, once per user, month and template (an idempotency key), valid
 * from opts->at for the template's validity.  A second run in the month
 * issues nothing already issued; a user who moved up gets the higher tier's
 * grants too, one who moved down only the lower tier's from then on, and
 * keeps what was issued.  opts may be NULL; stats may be NULL.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (an unknown
 * options version); AS_INTERNAL.
 */
as_status as_benefits_run(as_db *db, const as_benefits_options *opts, as_benefits_stats *stats);

/* ---- partner offers --------------------------------------------------- */

/*
 * Partners (a supermarket, a restaurant, a car wash) and their offers come
 * from the configuration's partners section.  An offer is issued as a
 * partner's coupon (source "partner", a template of the coupons section)
 * after a qualifying fill-up: at one of the offer's stations (any when it
 * lists none), of at least its minimum spend, at most daily_cap a user and
 * business day, and while the partner's monthly budget (coupons a calendar
 * month) lasts.  The partner redeems it by code (as_partner_redeem()).
 * Views are borrowed from the handle's configuration for the handle's life.
 */
typedef struct as_partner_offer {
    const char *id;              /* [a-z0-9_-], unique across partners */
    const char *coupon;          /* the template it issues */
    const char *const *stations; /* qualifying stations; empty: any */
    size_t nstations;
    int64_t min_spend_fen;       /* the fill-up's amount at least this */
    int64_t daily_cap;           /* coupons of this offer a user a day (>= 1) */
} as_partner_offer;

typedef struct as_partner {
    const char *id;
    const char *name;
    const char *kind;            /* "supermarket", "restaurant", "car_wash", "other" */
    int64_t monthly_budget;      /* coupons a calendar month; 0: no limit */
    const as_partner_offer *offers;
    size_t noffers;
} as_partner;

/* as_partners - the partners of the handle's configuration, in its order.
 * Returns AS_OK; AS_MISUSE (a NULL argument). */
as_status as_partners(as_db *db, const as_partner **out, size_t *n);

/* Options of as_partner_run(). */
typedef struct as_partner_run_options {
    unsigned version;            /* AS_PARTNER_RUN_OPTIONS_VERSION */
    unsigned flags;              /* AS_PARTNER_DRY_RUN */
    int64_t from, to;            /* fill-ups with from < filled_at <= to; to 0:
                                  * now, from 0: a day before to */
} as_partner_run_options;

#define AS_PARTNER_DRY_RUN 0x1u
#define AS_PARTNER_RUN_OPTIONS_VERSION 1
#define AS_PARTNER_RUN_OPTIONS_INIT { AS_PARTNER_RUN_OPTIONS_VERSION, 0u, 0, 0 }

/* What a run did. */
typedef struct as_partner_run_stats {
    uint64_t fillups;            /* fill-ups of the window that qualified for an offer */
    uint64_t issued;             /* coupons issued now */
    uint64_t duplicates;         /* issued for that fill-up before */
    uint64_t capped;             /* left out by an offer's daily cap */
    uint64_t over_budget;        /* left out by a partner's monthly budget */
} as_partner_run_stats;

/*
 * as_partner_run - issue the partner offers that the fill-ups of the window
 * qualify for, in the order of the fill-ups (each coupon issued at its
 * fill-up's time; keyed by offer and tx_id, so running over the same
 * window again issues nothing twice).  Fill-ups of erased users and of
 * users not (yet) registered qualify for nothing.  The fueling import does
 * the same for the records it inserts; a run catches up on records
 * imported before offers were configured.  Reading the window scans the
 * fueling records.
 * Returns AS_OK; AS_INVALID (from >= to); AS_BUSY; AS_READONLY; AS_NOMEM;
 * AS_MISUSE; AS_INTERNAL.
 */
as_status as_partner_run(as_db *db, const as_partner_run_options *opts,
                         as_partner_run_stats *stats);

/*
 * as_partner_redeem - the partner partner_id redeems its coupon of code for
 * a purchase of amount_fen (at least the template's minimum spend) at time
 * at (0: now); ref (NULL: none) is the partner's receipt number (an id),
 * recorded as the coupon's redeemed_tx.  Once only, as as_coupon_redeem();
 * the same ref again is a replay.  out may be NULL.
 * Returns AS_OK; AS_NOTFOUND (no such code or partner); AS_INVALID (not this
 * partner's coupon, not issued, not valid at `at`, under the minimum
 * spend); AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE; AS_INTERNAL.
 */
as_status as_partner_redeem(as_db *db, const char *partner_id, const char *code,
                            const char *ref, int64_t amount_fen, int64_t at,
                            as_coupon_redemption *out);

/* One line of as_partner_report_iter_new(): a partner and the station of
 * the fill-ups that earned its coupons. */
typedef struct as_partner_report_row {
    const char *partner;
    const char *station_id;      /* NULL: the fill-up is no longer known */
    uint64_t issued;             /* coupons issued in the range */
    uint64_t redeemed;           /* of those, redeemed (by the range's end) */
    int64_t redeemed_value_fen;  /* what those redeemed took off */
} as_partner_report_row;

typedef struct as_partner_report_iter as_partner_report_iter;

/* as_partner_report_iter_new - issued vs redeemed per partner and station
 * for the coupons issued in [from, to), by partner then station.
 * Returns AS_OK; AS_INVALID (from >= to); AS_NOMEM; AS_MISUSE; AS_INTERNAL. */
as_status as_partner_report_iter_new(as_partner_report_iter **out, as_db *db, int64_t from,
                                     int64_t to);
/* as_partner_report_next - the next line (*row borrowed until the next
 * call).  Returns AS_OK; AS_DONE; AS_MISUSE; AS_INTERNAL. */
as_status as_partner_report_next(as_partner_report_iter *it, const as_partner_report_row **row);

/* as_partner_report_iter_free - NULL is a no-op. */
void as_partner_report_iter_free(as_partner_report_iter *it);

/* ------------------------------------------------------------------ */
/* Outbox (for the integrator that delivers notifications)             */
/* ------------------------------------------------------------------ */

/* Where a notification stands.  A lease that ran out reads as pending. */
typedef enum as_outbox_status {
    AS_OUTBOX_PENDING = 1,   /* waiting for a pull (from not_before on) */
    AS_OUTBOX_LEASED,        /* pulled; waiting for an ack or a fail */
    AS_OUTBOX_SENT,          /* acknowledged */
    AS_OUTBOX_DEAD,          /* failed too often, or its user was erased */
    AS_OUTBOX_SUPPRESSED,    /* a pull found a delivery rule against it (reason) */
    AS_OUTBOX_EXPIRED        /* a pull found it past its expiry */
} as_outbox_status;

/*
 * as_outbox_status_name - "pending", "leased", "sent", "dead", "suppressed",
 * "expired": static text; NULL for a value out of range.
 */
const char *as_outbox_status_name(as_outbox_status status);

/*
 * A notification, as an iterator's view: every pointer (strings and the
 * payload array with its names and texts) is borrowed from the iterator
 * until its next as_outbox_next() or as_outbox_iter_free().
 */
typedef struct as_outbox_item {
    int64_t id;
    const char *user_id;
    const char *kind;        /* "weather", "maintenance", "refuel_coupon", "winback",
                              * "tip", "survey", "demand_shipped", ... */
    const char *dedupe_key;
    int priority;            /* 0 safety, 1 service, 2 marketing */
    const char *title;       /* "" once the user is erased */
    const char *body;        /* "" once the user is erased */
    /* The figures the notification was made from, by name (see the kinds in
     * docs/json.md); none for a notification without them or of an erased
     * user.  Times in it are AS_VALUE_TEXT in ISO 8601 with the business
     * zone's offset.  (Rows written by libaftersales 0.1 stored times as
     * Unix seconds: a member named *_at holding an integer is such a time
     * and is read as ISO text too.) */
    const as_field *payload;
    size_t npayload;
    int64_t created_at;
    int64_t not_before;      /* deliver at or after */
    as_outbox_status status;
    int64_t lease_until;     /* 0: none */
    int attempts;            /* times pulled */
    const char *last_error;  /* from as_outbox_fail(), or NULL */
    int64_t sent_at;         /* 0: not sent */
    /* Added in 0.2: */
    int64_t expires_at;      /* never delivered at or after this; 0: no end */
    const char *reason;      /* why suppressed (or dead), or NULL */
    const char *lease_token; /* the token of the current (or last) lease, or NULL;
                              * as_outbox_ack() and as_outbox_fail() need it */
} as_outbox_item;

typedef struct as_outbox_iter as_outbox_iter;

/* Options of as_outbox_pull_iter_new(). */
typedef struct as_outbox_pull_options {
    unsigned version;        /* AS_OUTBOX_PULL_OPTIONS_VERSION */
    int64_t now;             /* the pull's time; 0: now */
    int64_t limit;           /* at most this many notifications, >= 1 (default 100) */
    int64_t lease_s;         /* lease length in seconds, >= 1 (default 60) */
} as_outbox_pull_options;

#define AS_OUTBOX_PULL_OPTIONS_VERSION 1
#define AS_OUTBOX_PULL_OPTIONS_INIT { AS_OUTBOX_PULL_OPTIONS_VERSION, 0, 100, 60 }

/*
 * as_outbox_pull_iter_new - LEASE up to opts->limit notifications that are
 * due at opts->now (pending with not_before <= now, or leased with an
 * expired lease), highest priority first (then not_before, then id), for
 * opts->lease_s seconds, and iterate them.  This is a write: the lease is
 * taken (status leased, attempts + 1, a new lease_token) and committed
 * before the call returns, whether or not the caller reads the iterator.
 * Delivery is at least once: a row neither acknowledged (as_outbox_ack())
 * nor failed (as_outbox_fail()) before its lease ends is pulled again,
 * with a new token that makes the old one stale.  The rows are copied: the
 * iterator holds no statement and no transaction.
 *
 * The delivery rules are checked here, for every due row on the way, at
 * opts->now: a row past its expires_at becomes expired; a row whose user
 * was erased, withdrew the consent its kind needs (marketing consent for
 * the marketing kinds, consent to service notices for the others) or whose
 * message a later record made untrue (a fill-up after a win-back or refuel
 * coupon, a service after a maintenance reminder, the survey answered,
 * the coupon a refuel notification announces redeemed, voided or expired)
 * becomes suppressed with the reason; a row whose user is in quiet hours
 * stays pending with not_before moved to their end.  None of these is
 * handed out.
 *
 * opts NULL gives AS_OUTBOX_PULL_OPTIONS_INIT.  *out (set to NULL on
 * failure) is read with as_outbox_next() and freed with
 * as_outbox_iter_free().
 *
 * On any failure nothing is leased (the transaction is rolled back).
 *
 * Returns AS_OK; AS_MISUSE (NULL out or db, an unknown options version,
 * limit or lease_s < 1); AS_INTERNAL (a stored payload is not a JSON
 * object: the detail names the row); AS_BUSY; AS_READONLY; AS_NOMEM.
 */
as_status as_outbox_pull_iter_new(as_outbox_iter **out, as_db *db,
                                  const as_outbox_pull_options *opts);

/* A lease: a notification's id and the lease_token its pull handed out.
 * The token is borrowed for the call. */
typedef struct as_outbox_lease {
    int64_t id;
    const char *token;
} as_outbox_lease;

/*
 * as_outbox_ack - mark leased notifications as sent at now (0: now), all
 * or none: one transaction.  Each token must be the one of the row's
 * current lease: a stale one (the lease ran out and another pull took the
 * row) is refused, so a slow integrator cannot acknowledge what another
 * now holds.  A lease that ran out but that no pull took since is still
 * accepted.  Acknowledging a sent one again with its token is AS_OK and
 * changes nothing.
 * Returns AS_OK; AS_NOTFOUND (no such id); AS_INVALID (a stale token, or a
 * row not leased: the detail names it; nothing is acknowledged); AS_BUSY;
 * AS_READONLY; AS_MISUSE (NULL db, no lease, a NULL or empty token);
 * AS_INTERNAL.
 */
as_status as_outbox_ack(as_db *db, const as_outbox_lease *leases, size_t n, int64_t now);

/*
 * as_outbox_fail - delivery failed: the notification is pending again from
 * now (0: now) + retry_in_s, with error (may be NULL; copied) kept as
 * last_error, and its lease token is void.  After max_attempts pulls
 * (reminders.outbox_max_attempts) it becomes dead instead.  The token
 * rules are those of as_outbox_ack().
 * Returns AS_OK; AS_NOTFOUND (no such id); AS_INVALID (a stale token, not
 * leased, or already sent); AS_MISUSE (NULL db or lease, a NULL or empty
 * token, retry_in_s < 0); AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_outbox_fail(as_db *db, const as_outbox_lease *lease, int64_t now,
                         int64_t retry_in_s, const char *error);

typedef struct as_outbox_query {
    unsigned version;        /* AS_OUTBOX_QUERY_VERSION */
    as_outbox_status status; /* 0: any; else only notifications in this status */
    const char *user_id;     /* NULL, or one user's */
    int64_t now;             /* for expired leases; 0: now */
    int64_t limit;           /* 0: no limit */
} as_outbox_query;

#define AS_OUTBOX_QUERY_VERSION 2
#define AS_OUTBOX_QUERY_INIT { AS_OUTBOX_QUERY_VERSION, 0, NULL, 0, 0 }

/*
 * as_outbox_iter_new - list notifications in id order (for operators);
 * reads only.  query NULL lists all; its strings are copied.  Free *out
 * (NULL on failure) with as_outbox_iter_free() before as_close().
 * Returns AS_OK; AS_INVALID (status out of range); AS_MISUSE (NULL out or
 * db, a query version other than 2); AS_NOMEM; AS_INTERNAL.
 */
as_status as_outbox_iter_new(as_outbox_iter **out, as_db *db, const as_outbox_query *query);

/*
 * as_outbox_next - the next notification of a pull or a listing.  *view is
 * borrowed until the next call or as_outbox_iter_free().
 * Returns AS_OK; AS_DONE at the end; AS_INTERNAL (a stored payload is not
 * a JSON object: the detail names the row); AS_NOMEM; AS_BUSY; AS_MISUSE
 * (NULL argument).
 */
as_status as_outbox_next(as_outbox_iter *it, const as_outbox_item **view);

/* as_outbox_iter_free - free an iterator of either kind; NULL is a no-op. */
void as_outbox_iter_free(as_outbox_iter *it);

/* ------------------------------------------------------------------ */
/* Points ledger                                                       */
/* ------------------------------------------------------------------ */

/*
 * Points are kept in an append-only ledger: every change is one row with a
 * non-zero delta, and a user's points are the sum of their rows.  Each
 * positive row (an earning, a positive adjustment) is a lot that lapses
 * points.expire_after_months calendar months after its time (0: never);
 * redemptions, negative adjustments and expiry use the lots that lapse
 * first.  A lot whose lapse time is T has lapsed at T.  Lapsed points are
 * never spendable: a balance read at T leaves them out at once (as
 * "lapsed"), and as_points_expire() writes them into the ledger as one
 * expire row per user.  Earning:
 *  - the fueling import: each record it inserts earns floor(amount_fen /
 *    100) x tiers.points_per_yuan x the user's tier's points_multiplier
 *    (the tier of the stored profile; none: 1), at its filled_at, once per
 *    tx_id; as_points_earn_missing() catches up on older records;
 *  - an answered survey earns points.survey, once per survey;
 *  - community contributions (a later module), and manual adjustments.
 * Every time argument `at` is Unix seconds; 0 means now.
 */

/* The kind of a ledger row. */
typedef enum as_points_kind {
    AS_POINTS_EARN_FUEL = 1,  /* a fueling record (ref: its tx_id) */
    AS_POINTS_EARN_SURVEY,    /* an answered survey (ref: the survey's id) */
    AS_POINTS_EARN_COMMUNITY, /* a community contribution (ref: the caller's) */
    AS_POINTS_ADJUST,         /* a manual adjustment, with a reason */
    AS_POINTS_REDEEM,         /* points spent (ref: the caller's, optional) */
    AS_POINTS_EXPIRE          /* lots that lapsed (as_points_expire()) */
} as_points_kind;

/*
 * as_points_kind_name - "earn_fuel", "earn_survey", "earn_community",
 * "adjust", "redeem", "expire": static text; NULL for a value out of range.
 */
const char *as_points_kind_name(as_points_kind kind);

/* A user's points as of a time (as_points_balance_get()). */
typedef struct as_points_balance {
    int64_t at;               /* the time it is as of */
    int64_t balance;          /* spendable at `at`: earned, not used, not lapsed */
    int64_t ledger;           /* the sum of the rows at or before `at` */
    int64_t lapsed;           /* lapsed by `at` but not yet written by
                               * as_points_expire(): ledger - balance */
    int64_t earned;           /* the sum of the earn rows */
    int64_t adjusted;         /* the sum of the adjust rows (may be negative) */
    int64_t redeemed;         /* points redeemed (a positive number) */
    int64_t expired;          /* points written off as lapsed (positive) */
    int64_t next_expiry_at;   /* the next time spendable points lapse; 0: none */
    int64_t next_expiry_points;  /* how many lapse then */
} as_points_balance;

/*
 * as_points_balance_get - fill *out with user_id's points as of at (0:
 * now): only rows at or before at count, and lots that lapsed by at are
 * not in the balance, whether or not as_points_expire() ran.  Reads only.
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_MISUSE (NULL db, user_id
 * or out); AS_BUSY; AS_NOMEM; AS_INTERNAL.
 */
as_status as_points_balance_get(as_db *db, const char *user_id, int64_t at,
                                as_points_balance *out);

/* A row of the ledger, as an iterator's view: strings borrowed until the
 * next as_points_next() or as_points_iter_free(). */
typedef struct as_points_entry {
    int64_t id;
    const char *user_id;
    int64_t at;
    as_points_kind kind;
    int64_t points;           /* the delta: positive earned, negative used */
    const char *ref;          /* NULL when none */
    const char *reason;       /* NULL when none; phones masked unless AS_OPEN_REVEAL */
    int64_t expires_at;       /* a positive row's lapse time; 0: never, or a negative row */
    int64_t balance;          /* the ledger's sum up to and including this row */
    int64_t created_at;       /* when the row was written */
} as_points_entry;

typedef struct as_points_query {
    unsigned version;         /* AS_POINTS_QUERY_VERSION */
    const char *user_id;      /* required */
    int64_t from;             /* rows at or after; 0: from the first */
    int64_t to;               /* rows at or before; 0: to the last */
} as_points_query;

#define AS_POINTS_QUERY_VERSION 1
#define AS_POINTS_QUERY_INIT { AS_POINTS_QUERY_VERSION, NULL, 0, 0 }

typedef struct as_points_iter as_points_iter;

/*
 * as_points_iter_new - a user's statement: their ledger rows in time
 * order (then id) between query->from and query->to, each with the
 * running sum.  The query's strings are copied.  Free *out (NULL on
 * failure) with as_points_iter_free() before as_close().
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (from after to);
 * AS_MISUSE (NULL out, db, query or user_id, an unknown query version);
 * AS_NOMEM; AS_INTERNAL.
 */
as_status as_points_iter_new(as_points_iter **out, as_db *db, const as_points_query *query);

/*
 * as_points_next - the next row of a statement; *view is borrowed until the
 * next call or as_points_iter_free().
 * Returns AS_OK; AS_DONE at the end; AS_BUSY; AS_MISUSE (NULL argument);
 * AS_INTERNAL.
 */
as_status as_points_next(as_points_iter *it, const as_points_entry **view);

/* as_points_iter_free - free a statement iterator; NULL is a no-op. */
void as_points_iter_free(as_points_iter *it);

/*
 * as_points_adjust - a manual adjustment of delta points (non-zero) for
 * user_id at at (0: now), with reason (required; NFC-normalised, at most
 * 500 characters; copied).  A positive adjustment is a lot that lapses like
 * earned points; a negative one uses the spendable points at at, oldest
 * lapse first, and may not take them below zero.  *entry_id (may be NULL)
 * receives the new row's id.  One transaction.
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (delta 0, no
 * reason or a bad one, more than the balance taken, an erased user);
 * AS_BUSY; AS_READONLY; AS_NOMEM; AS_MISUSE (NULL db or user_id);
 * AS_INTERNAL.
 */
as_status as_points_adjust(as_db *db, const char *user_id, int64_t delta, const char *reason,
                           int64_t at, int64_t *entry_id);

/*
 * as_points_redeem - spend points (> 0) of user_id at at (0: now), oldest
 * lapse first; refused when the spendable balance at at is smaller.  ref
 * (NULL: none; else an id, 1-64 printable bytes without spaces, copied)
 * makes it idempotent: when a redemption with that ref is already there,
 * of the same user and points, nothing is written and *entry_id is that
 * row's id; of another user or amount it is AS_EXISTS.  *entry_id (may be
 * NULL) receives the row's id.  One BEGIN IMMEDIATE transaction, so two
 * processes redeeming at once never take more than the balance.
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (points <= 0, a
 * bad ref, more than the balance, an erased user); AS_EXISTS (the ref was
 * used otherwise); AS_BUSY; AS_READONLY; AS_MISUSE (NULL db or user_id);
 * AS_INTERNAL.
 */
as_status as_points_redeem(as_db *db, const char *user_id, int64_t points, const char *ref,
                           int64_t at, int64_t *entry_id);

/* What as_points_expire() and as_points_earn_missing() did. */
typedef struct as_points_run_stats {
    int64_t entries;          /* ledger rows written */
    int64_t users;            /* users they belong to */
    int64_t points;           /* points expired (positive) or earned */
} as_points_run_stats;

/*
 * as_points_expire - write off every lot that lapsed by at (0: now): one
 * expire row per user (at at) for what lapsed.  Running it again writes
 * nothing.  *stats (may be NULL) says what was written.  One transaction.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_MISUSE (NULL db); AS_INTERNAL.
 */
as_status as_points_expire(as_db *db, int64_t at, as_points_run_stats *stats);

/*
 * as_points_earn_missing - award what the fueling records at or before at
 * (0: now) have not earned yet (a database imported before the ledger
 * existed, or a rate turned on later), as the import would have: at each
 * record's filled_at, once per tx_id.  Records of erased users earn
 * nothing.  Idempotent.  *stats (may be NULL) says what was written.  One
 * transaction.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_MISUSE (NULL db); AS_INTERNAL.
 */
as_status as_points_earn_missing(as_db *db, int64_t at, as_points_run_stats *stats);
/* Packages (月省计划)                                                  */
/* ------------------------------------------------------------------ */

/*
 * A package is a monthly plan (configuration section packages): a fee per
 * month buys a discount per litre and/or per fill-up on eligible grades,
 * up to an optional monthly cap, and some car washes.  A user subscribes
 * to at most one plan at a time; its months are 30-day periods counted
 * from the subscription's start.  The payment path applies the active
 * plan's discount once per transaction id (see lib/package.h), so the cap
 * counts every discount once.
 *
 * The discount of one payment: 0 unless its grade is one of the plan's
 * (or the plan names none) and it has at least min_litres_ml; else
 * floor(discount_per_litre_fen x litres_ml / 1000) + discount_per_fill_fen,
 * at most the payment's amount and at most what the month's cap leaves.
 */
typedef struct as_package_plan {
    const char *id;                  /* ASCII token, at most 63 bytes */
    const char *name;                /* NFC text */
    int64_t monthly_fee_fen;
    int64_t discount_per_litre_fen;  /* 0: none */
    int64_t discount_per_fill_fen;   /* 0: none */
    int64_t max_discount_per_month_fen;  /* 0: no cap */
    int64_t min_litres_ml;           /* 0: any volume */
    int64_t car_washes;              /* included per month */
    int64_t car_wash_value_fen;      /* what one wash is worth (packages.car_wash_value_yuan) */
    const char *const *grades;       /* canonical grades (as_grade_normalize()) */
    size_t ngrades;                  /* 0: every grade */
} as_package_plan;

/*
 * as_package_plans - the plans of the handle's configuration, in the order
 * of the file.  *plans is borrowed from the configuration (valid until
 * as_close(), or while the caller's as_config lives); *n may be 0.
 * Returns AS_OK; AS_MISUSE (a NULL argument).
 */
as_status as_package_plans(as_db *db, const as_package_plan **plans, size_t *n);

/* One plan of a quote: the user's fill-ups of the window replayed under it. */
typedef struct as_package_quote_line {
    const as_package_plan *plan;     /* borrowed from the configuration */
    int64_t fills;                   /* fill-ups in the window */
    int64_t eligible_fills;          /* those the plan discounts (grade, volume) */
    int64_t litres_ml;               /* litres of all fill-ups */
    int64_t paid_fen;                /* what the user paid: their amounts' sum */
    int64_t discount_fen;            /* what the plan would have taken off */
    int64_t fee_fen;                 /* months x monthly_fee_fen */
    int64_t would_pay_fen;           /* paid_fen - discount_fen + fee_fen */
    int64_t saving_fen;              /* paid_fen - would_pay_fen; may be negative */
    int64_t car_washes;              /* months x the plan's washes */
    int64_t car_washes_value_fen;    /* car_washes x car_wash_value_fen (not in saving) */
    int recommended;                 /* 1: saving_fen > 0 */
} as_package_quote_line;

typedef struct as_package_quote_set {
    char *user_id;
    int64_t at;                      /* the window is (from, at] */
    int64_t from;                    /* at - days x 86400 */
    int64_t days;
    int64_t months;                  /* ceil(days / 30): the fees and washes counted */
    size_t n;
    as_package_quote_line *lines;    /* every plan, best saving first */
} as_package_quote_set;

/*
 * as_package_quote - replay the user's own fill-ups in (at - days x 86400,
 * at] (records at or before at only) under every configured plan.  The
 * window is cut into 30-day periods counted back from at (each one month:
 * a fee, the washes, the cap) and months = ceil(days / 30); the fill-ups
 * are replayed oldest first, each period's cap filling up as a
 * subscription's would.  would_pay = paid - discounts + months x fee;
 * saving = paid - would_pay, negative when the fee outweighs the
 * discounts (then the plan is not recommended).  Lines are sorted by
 * saving, then washes' value, highest first, then by plan order.  A user
 * without fill-ups in the window gets every plan with saving = -fee.
 * *out (NULL on failure) is freed with as_package_quote_free().
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (days outside
 * 1..3660); AS_MISUSE (a NULL argument); AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_package_quote(as_package_quote_set **out, as_db *db, const char *user_id,
                           int64_t at, int64_t days);

/* as_package_quote_free - free a quote; NULL is a no-op. */
void as_package_quote_free(as_package_quote_set *quote);

/* A subscription as as_package_subscribe() and as_package_cancel() leave it. */
typedef struct as_package_subscription {
    int64_t id;
    char plan_id[64];
    const char *name;                /* the plan's name, borrowed from the
                                      * configuration; NULL when it is no
                                      * longer configured */
    int64_t started_at;
    int64_t ended_at;                /* 0 while active */
} as_package_subscription;

/*
 * as_package_subscribe - subscribe user_id to plan_id from time at.  The
 * plan must be in the configuration; the user must have no active plan,
 * and no earlier subscription may end after at.  Recorded with a
 * 'subscribe' event.  If sub is not NULL it receives the subscription.
 * Returns AS_OK; AS_NOTFOUND (no such user or plan); AS_EXISTS (the user
 * already has an active plan); AS_INVALID (an erased user, or at before
 * the end of an earlier subscription); AS_MISUSE (a NULL argument);
 * AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_package_subscribe(as_db *db, const char *user_id, const char *plan_id, int64_t at,
                               as_package_subscription *sub);

/*
 * as_package_cancel - end user_id's active subscription at time at (from
 * then on it gives no discount), with a 'cancel' event.  If sub is not
 * NULL it receives the ended subscription.
 * Returns AS_OK; AS_NOTFOUND (no such user, or no active plan);
 * AS_INVALID (at before the subscription's start, or before a discount it
 * already gave); AS_MISUSE (a NULL argument); AS_BUSY; AS_READONLY;
 * AS_INTERNAL.
 */
as_status as_package_cancel(as_db *db, const char *user_id, int64_t at,
                            as_package_subscription *sub);

/* A discount a plan gave one payment. */
typedef struct as_package_discount {
    const char *tx_id;
    int64_t at;
    int64_t amount_fen;              /* the payment's amount before the discount */
    int64_t discount_fen;
} as_package_discount;

/* A user's plan at a time, with the discounts of its current month. */
typedef struct as_package_view {
    const char *user_id;
    int64_t at;
    as_package_subscription sub;     /* sub.id 0: no plan active at `at` */
    int64_t month_from;              /* the subscription month holding at: */
    int64_t month_to;                /* [month_from, month_to); 0 without a plan */
    int64_t month_discount_fen;      /* given in [month_from, at] */
    int64_t max_discount_per_month_fen;  /* the plan's cap; 0: none */
    size_t ndiscounts;
    as_package_discount *discounts;  /* those of [month_from, at], oldest first */
} as_package_view;

/*
 * as_package_active - the plan active for user_id at time at (started at
 * or before it and not ended by then), with the discounts it gave in its
 * month up to at; as the world stood at `at`, so sub.ended_at is 0 even
 * when the plan was cancelled later.  Without one, (*out)->sub.id is 0 and
 * nothing else is set.  *out (NULL on failure) is owned by the caller:
 * free it with as_package_view_free().
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_MISUSE (a NULL argument);
 * AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_package_active(as_package_view **out, as_db *db, const char *user_id, int64_t at);

/* as_package_view_free - free a view; NULL is a no-op. */
void as_package_view_free(as_package_view *view);

/* ------------------------------------------------------------------ */
/* The loyalty report                                                   */
/* ------------------------------------------------------------------ */

/*
 * What the loyalty programme did over a period [from, to): coupons,
 * points, plans and partner offers.  Every figure is an exact integer
 * (counts, points, fen).  "At the end" means as the world stood just
 * before `to`: every event before `to` counts, none at or after it, so an
 * event exactly at `from` is in the period and one exactly at `to` is not.
 */
typedef struct as_loyalty_query {
    unsigned version;            /* AS_LOYALTY_QUERY_VERSION */
    int64_t from, to;            /* the period [from, to); from < to */
    const char *station_id;      /* NULL: every station; else only coupons
                                  * redeemed at this station and partner
                                  * coupons earned by fill-ups there (points
                                  * and plans are not per station: whole) */
} as_loyalty_query;

#define AS_LOYALTY_QUERY_VERSION 1
#define AS_LOYALTY_QUERY_INIT { AS_LOYALTY_QUERY_VERSION, 0, 0, NULL }

/* What happened to coupons in the period. */
typedef struct as_loyalty_coupon_figures {
    int64_t issued;              /* issued in the period */
    int64_t redeemed;            /* redeemed in the period (by the redemption's time) */
    int64_t expired;             /* their validity ended in the period (expires_at in
                                  * it) while issued: neither redeemed nor voided
                                  * before, whether or not as_coupon_expire()
                                  * recorded it */
    int64_t voided;              /* voided in the period */
    int64_t discount_fen;        /* what the redemptions of the period took off */
} as_loyalty_coupon_figures;

/* Coupons of one template and station (a coupon counts under the station
 * where it was redeemed before the period's end; NULL when it was not, and
 * for partner coupons, which partners redeem: see partners). */
typedef struct as_loyalty_coupon_line {
    const char *template_id;
    const char *station_id;      /* NULL: not redeemed at a station */
    as_loyalty_coupon_figures figures;
} as_loyalty_coupon_line;

/* Coupons by source: "manual", "reminder", "benefit" or "partner". */
typedef struct as_loyalty_source_line {
    const char *source;
    as_loyalty_coupon_figures figures;
} as_loyalty_source_line;

/* The points ledger over the period and at its end. */
typedef struct as_loyalty_points {
    int64_t earned_fuel;         /* the earn_fuel rows of the period */
    int64_t earned_survey;       /* earn_survey */
    int64_t earned_community;    /* earn_community */
    int64_t earned;              /* the three together */
    int64_t adjusted;            /* the adjust rows' sum (negative when more was taken) */
    int64_t redeemed;            /* points redeemed (a positive number) */
    int64_t expired;             /* points whose lots lapsed in the period (by the
                                  * lapse time), written off or not (positive) */
    int64_t written_off;         /* the expire rows of the period: what
                                  * as_points_expire() wrote then (positive) */
    int64_t users_with_balance;  /* users with spendable points at the end */
    int64_t outstanding;         /* their spendable points at the end: the ledger's
                                  * sum less what had lapsed by then */
    int64_t ledger;              /* the ledger's sum at the end */
    int64_t lapsed_unwritten;    /* lapsed by the end, not yet written off:
                                  * ledger - outstanding */
} as_loyalty_points;

/* One plan: the configured plans in the configuration's order, then plans
 * only the database names (no longer configured), by id. */
typedef struct as_loyalty_plan_line {
    const char *plan_id;
    const char *name;            /* NULL: no longer configured */
    int64_t monthly_fee_fen;     /* the configured fee; -1 when not configured.
                                  * Fees paid are not recorded by the package
                                  * module, so the report has no fee revenue */
    int64_t active;              /* subscriptions active at the end */
    int64_t subscribed;          /* subscriptions that started in the period */
    int64_t cancelled;           /* that ended in the period (cancelled, or the
                                  * user was erased) */
    int64_t discounts;           /* payments the plan discounted in the period */
    int64_t discount_fen;        /* what they took off: the realised savings */
} as_loyalty_plan_line;

/* The report.  Every string and array belongs to it. */
typedef struct as_loyalty_report {
    int64_t from, to;
    const char *station_id;      /* the query's filter; NULL */
    as_loyalty_coupon_line *coupons;     /* by template, then station (NULL first);
                                          * only lines with a figure above 0 */
    size_t ncoupons;
    as_loyalty_source_line *sources;     /* always the four sources, in the order
                                          * manual, reminder, benefit, partner */
    size_t nsources;
    as_loyalty_coupon_figures coupon_totals;
    as_loyalty_points points;
    as_loyalty_plan_line *plans;
    size_t nplans;
    as_partner_report_row *partners;     /* as as_partner_report_iter_new() over the
                                          * period (coupons issued in it), only the
                                          * station's rows with a filter */
    size_t npartners;
} as_loyalty_report;

/*
 * as_loyalty_report_get - the loyalty report of q->from .. q->to (see
 * above), read in one read transaction so its parts agree.  An empty
 * period gives zeros (and the four sources, the configured plans), not an
 * error.  Coupons and plans are counted set-based in SQL; the points that
 * lapsed and the balances at the end replay each user's ledger (lots are
 * used oldest lapse first, which no set-based query reproduces), so the
 * cost grows with the ledger's rows before `to`.  *out (NULL on failure)
 * is owned by the caller: free it with as_loyalty_report_free().
 * Returns AS_OK; AS_INVALID (from >= to; a station id that is not an id);
 * AS_MISUSE (NULL out, db or q, an unknown version); AS_NOMEM; AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_loyalty_report_get(as_loyalty_report **out, as_db *db, const as_loyalty_query *q);

/* as_loyalty_report_free - free a report; NULL is a no-op. */
void as_loyalty_report_free(as_loyalty_report *report);

/*
 * The HTML report: the service reports of a period in one self-contained
 * page for people to read (seed §2.5, §3.3).  Each section is a chart
 * (inline SVG) beside the table of its numbers, read through the same C
 * API as its own report command:
 *   sla        SLA attainment by level and queue, and week by week
 *              (as_report_sla_iter_new: by level, queue, week)
 *   times      first-response and resolution time distributions
 *              (as_report_times_get)
 *   csat       satisfaction and response rate by agent and queue
 *              (as_report_csat_iter_new)
 *   tickets    tickets by category, channel and station (as_report_tickets_get)
 *   feedback   feedback per week, stars by dimension, stations ranked by
 *              Bayesian mean (as_feedback_stats_query_iter_new)
 *   sentiment  sentiment week by week and the top negative terms
 *              (as_report_sentiment_get)
 *   urgent     urgent feedback and how fast it became a ticket
 *              (as_report_urgent_get)
 *   demand     demand topics and what shipped (as_demand_iter_new: not
 *              limited to the period or a station)
 *   outbox     what became of the period's notifications by kind
 *              (as_report_outbox_get: every station)
 *   fuel       fueling volume and spend by week, station and grade
 *              (as_report_fuel_get)
 *   loyalty    coupons by source and the points ledger (as_loyalty_report_get)
 * A section with nothing in the period says so ("no data") instead of
 * drawing empty charts.  Ranked lists show the first `top` rows: for
 * stations, categories, channels and grades the table's caption says how
 * many there are; negative terms and demand topics are asked for `top`
 * only.
 *
 * The page has no script and loads nothing: a Content-Security-Policy
 * meta tag allows inline style only.  It is well-formed XML (polyglot
 * HTML5).  Every table cell carries data-k, the path of its number in the
 * JSON output of the command named by the table's data-source (run with
 * the same --from, --to and --station), so the page can be checked
 * against the reports.  Every bar is an SVG rect of class "bar" and every
 * point of a line a circle of class "pt", each with a <title> tooltip.
 */
#define AS_HTML_SLA       0x001u
#define AS_HTML_TIMES     0x002u
#define AS_HTML_CSAT      0x004u
#define AS_HTML_TICKETS   0x008u
#define AS_HTML_FEEDBACK  0x010u
#define AS_HTML_SENTIMENT 0x020u
#define AS_HTML_URGENT    0x040u
#define AS_HTML_DEMAND    0x080u
#define AS_HTML_OUTBOX    0x100u
#define AS_HTML_FUEL      0x200u
#define AS_HTML_LOYALTY   0x400u

typedef struct as_html_report_options {
    unsigned version;        /* AS_HTML_REPORT_OPTIONS_VERSION */
    int64_t from, to;        /* the period [from, to); from < to */
    const char *station_id;  /* NULL: every station */
    const char *lang;        /* NULL or "zh": Chinese labels; "en": English */
    unsigned sections;       /* AS_HTML_* bits; 0: every section */
    int top;                 /* rows of ranked charts, 1-100; 0: 15 */
    int64_t generated_at;    /* the time the page says it was made; 0: now */
} as_html_report_options;

#define AS_HTML_REPORT_OPTIONS_VERSION 1
#define AS_HTML_REPORT_OPTIONS_INIT { AS_HTML_REPORT_OPTIONS_VERSION, 0, 0, NULL, NULL, 0, 0, 0 }

/*
 * as_report_html - write the HTML report of opts->from .. opts->to to out.
 * Every section is read in one read transaction (one snapshot); the page
 * is built in memory and written at the end, so nothing is written on
 * failure.
 * Returns AS_OK; AS_INVALID (from >= to, a period of
 * AS_FUEL_REPORT_MAX_WEEKS weeks or more, a bad station id, lang, top or
 * section bits; the detail names it); AS_IO (writing failed); AS_NOMEM;
 * AS_MISUSE (NULL db, opts or out; an unknown version); AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_report_html(as_db *db, const as_html_report_options *opts, FILE *out);

/* as_html_section_name - "sla", "times", ... for one AS_HTML_* bit (static
 * text); NULL for anything else. */
const char *as_html_section_name(unsigned bit);

/*
 * as_html_sections_parse - a comma-separated list of section names
 * ("sla,fuel") into AS_HTML_* bits.  On AS_INVALID, bad (if not NULL)
 * receives the unknown name.
 * Returns AS_OK; AS_INVALID (an unknown or empty name); AS_MISUSE (NULL
 * list or bits).
 */
as_status as_html_sections_parse(const char *list, unsigned *bits, char *bad, size_t badsz);
/* Stations and trips (seed §4.4 旅程规划)                              */
/* ------------------------------------------------------------------ */

/*
 * The station registry: one row per station id (the id fueling records
 * carry).  Coordinates are GCJ-02 degrees, the datum of the mini-program's
 * map; distances are great-circle (haversine, R = 6371.0088 km) on those
 * numbers: the GCJ-02 offset from WGS-84 (up to about 500 m, nearly the
 * same for nearby points) is ignored.  A station may have no coordinates:
 * it is listed and shown, but never "near" and never a trip stop.
 *
 * Services come from a fixed list: 洗车 (car wash), 便利店 (shop), 充电桩
 * (EV charging), 休息区 (rest area), 卫生间 (toilets), 餐饮 (food), 维修
 * (repairs), 尿素 (AdBlue).
 *
 * Opening hours, in the business zone: "24h"; a list of ranges for every
 * day, "06:00-22:00" or "06:00-11:00,13:00-22:00"; or specs per weekday
 * separated by ';': "mon-fri 06:00-22:00; sat,sun 07:00-21:00; sun closed".
 * Days are mon tue wed thu fri sat sun, single, in ranges (fri-mon wraps)
 * or comma lists; a spec without days covers every day; a later spec
 * replaces the days it names; a day no spec names is closed.  A range
 * whose end is not after its start crosses midnight: "22:00-06:00" on a
 * Friday is open from Friday 22:00 to Saturday 06:00.  24:00 is the end of
 * the day.
 */

/* One station.  Strings and arrays are borrowed from the iterator (until
 * its next call) or owned by the as_station from as_station_get(). */
typedef struct as_station {
    const char *station_id;
    const char *name;
    const char *region;           /* 6-digit division code */
    const char *city;
    const char *address;          /* NULL: not given */
    const char *brand;            /* NULL: not given */
    int has_coords;               /* 0: lat and lon are not known */
    double lat, lon;              /* GCJ-02 degrees */
    const char *const *grades;    /* normalised (as_grade_normalize()) */
    size_t ngrades;
    const char *const *services;
    size_t nservices;
    const char *hours;            /* as stored: "24h", "06:00-22:00", ... */
    int64_t created_at, updated_at;
    double distance_km;           /* as_station_iter_new() with near: the distance
                                   * from the point; otherwise -1 */
} as_station;

/*
 * as_station_import - upsert stations from CSV (a header naming
 * station_id, name, region, city and optionally address, lat, lon, brand,
 * grades, services, hours) or JSON Lines (objects with those keys; grades
 * and services may be JSON arrays).  In CSV, grades and services are
 * lists separated by '|', ',', ';', '、' or spaces ("92|95|0").  lat and
 * lon are both given or both empty.  hours defaults to "24h".  Rows are
 * keyed by station_id: a new id is inserted, a known one updated when a
 * field differs (an empty optional cell clears that field), otherwise
 * unchanged.  Every bad cell is reported with the file, line and column.
 * Profiles count the cities of the stations a user fueled at: a station
 * inserted, or whose region's city part changed, marks the profiles of the
 * users who fueled there for update in the same transaction.
 * Otherwise as as_user_import() (all or nothing unless AS_IMPORT_SKIP_BAD,
 * dry run, one transaction, duplicate keys rejected).
 * Returns as as_user_import().
 */
as_status as_station_import(as_db *db, FILE *in, const char *name,
                            const as_import_options *opts, as_import_stats *stats);

/*
 * as_station_get - read one station.  *out (NULL on failure) is owned by
 * the caller: one allocation, freed with as_station_free().
 * Returns AS_OK; AS_NOTFOUND (no such station); AS_NOMEM; AS_BUSY;
 * AS_MISUSE (a NULL argument); AS_INTERNAL.
 */
as_status as_station_get(as_station **out, as_db *db, const char *station_id);

/* as_station_free - free an as_station from as_station_get() (never an
 * iterator's view).  NULL is a no-op. */
void as_station_free(as_station *station);

/* What as_station_iter_new() lists; the strings are copied by the call. */
typedef struct as_station_query {
    unsigned version;             /* AS_STATION_QUERY_VERSION */
    const char *city;             /* NULL, or only this city (exact text) */
    const char *region;           /* NULL, or a code: 530000 covers the province,
                                   * 530100 the city, 530102 itself */
    const char *service;          /* NULL, or only stations offering it */
    const char *grade;            /* NULL, or only stations selling it (normalised
                                   * by the call: "92#" is 92) */
    int near;                     /* 1: only stations within radius_km of (lat, lon),
                                   * nearest first; 0: every station, by id */
    double lat, lon;              /* near: the point (GCJ-02 degrees) */
    double radius_km;             /* near: > 0, at most 2000 */
    int64_t open_at;              /* 0, or only stations open at this time */
    int64_t limit;                /* 0: no limit */
} as_station_query;

#define AS_STATION_QUERY_VERSION 1
#define AS_STATION_QUERY_INIT { AS_STATION_QUERY_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0 }

typedef struct as_station_iter as_station_iter;

/*
 * as_station_iter_new - list stations matching query (NULL: all, by id).
 * With near, the candidates come from the R*Tree by a latitude/longitude
 * box around the point, then their exact distance decides (ties by id);
 * stations without coordinates never match.  *out (NULL on failure)
 * belongs to the caller: free it with as_station_iter_free() before
 * as_close().
 * Returns AS_OK; AS_INVALID (a bad region, grade, service, point or
 * radius: the detail says which); AS_NOMEM; AS_MISUSE (NULL out or db, an
 * unknown query version); AS_BUSY; AS_INTERNAL.
 */
as_status as_station_iter_new(as_station_iter **out, as_db *db, const as_station_query *query);

/*
 * as_station_next - the next station.  *view is borrowed until the next
 * call or as_station_iter_free(); never pass it to as_station_free().
 * Returns AS_OK; AS_DONE at the end; AS_NOMEM; AS_BUSY; AS_MISUSE (a NULL
 * argument); AS_INTERNAL.
 */
as_status as_station_next(as_station_iter *it, const as_station **view);

/* as_station_iter_free - NULL is a no-op. */
void as_station_iter_free(as_station_iter *it);

/*
 * as_station_hours_check - check an opening-hours text (see above).
 * Returns AS_OK; AS_INVALID (the reason, if why is not NULL, is written
 * into why, whysz bytes); AS_MISUSE (NULL text).
 */
as_status as_station_hours_check(const char *text, char *why, size_t whysz);

/*
 * as_station_open_at - *open = 1 when a station with these opening hours
 * is open at time t in the zone utc_offset_minutes east of UTC, else 0.
 * Returns AS_OK; AS_INVALID (hours is not valid); AS_MISUSE (a NULL
 * argument).
 */
as_status as_station_open_at(const char *hours, int64_t t, int utc_offset_minutes, int *open);

/* A point of a route, GCJ-02 degrees. */
typedef struct as_route_point {
    double lat, lon;
} as_route_point;

/*
 * as_route_parse - read a route from text[0, len): a GeoJSON LineString
 * (a geometry, or a Feature whose geometry is one; coordinates are
 * [lon, lat] as GeoJSON orders them), or lines "lat,lon" (blank lines and
 * lines starting with '#' skipped; a space may follow the comma).  At
 * least 2 points; latitude -90..90, longitude -180..180.  *points (NULL on
 * failure) is malloc'd, free it with as_free(); *n is its length.  On
 * failure *errmsg (if errmsg is not NULL) receives the reason with its
 * place, "line 3: latitude 95.5 is out of range (-90 to 90)" or
 * "coordinates[2]: ..." (free it with as_free()).
 * Returns AS_OK; AS_INVALID; AS_NOMEM; AS_MISUSE (a NULL argument).
 */
as_status as_route_parse(const char *text, size_t len, as_route_point **points, size_t *n,
                         char **errmsg);

/* Options of as_trip_plan(); the strings are read during the call only. */
typedef struct as_trip_options {
    unsigned version;             /* AS_TRIP_OPTIONS_VERSION */
    int64_t depart;               /* 0: now */
    const char *grade;            /* NULL: the vehicle's grade */
    double tank_litres;           /* 0: trips.tank_litres */
    double level_litres;          /* < 0: not given */
    double level_pct;             /* < 0: not given; 0-100 of the tank */
    double l_per_100km;           /* 0: from the vehicle's records, else
                                   * trips.default_l_per_100km */
    const char *const *want;      /* services wanted at a stop (see above) */
    size_t nwant;
} as_trip_options;

#define AS_TRIP_OPTIONS_VERSION 1
#define AS_TRIP_OPTIONS_INIT { AS_TRIP_OPTIONS_VERSION, 0, NULL, 0, -1, -1, 0, NULL, 0 }

/* One fuel stop of a plan. */
typedef struct as_trip_stop {
    const char *station_id, *name, *brand, *city;   /* brand may be NULL */
    double lat, lon;
    double km;                    /* along the route from its start */
    double off_route_km;          /* from the route to the station (one way) */
    int64_t eta;                  /* arrival at the station */
    double level_litres;          /* in the tank on arrival */
    double litres;                /* to buy: fill to full */
    const char *reason;           /* "range"; "usual station"; "usual brand";
                                   * "wanted services: 洗车,休息区" (joined by "; ") */
} as_trip_stop;

/* A plan from as_trip_plan(): one allocation, freed by as_trip_plan_free(). */
typedef struct as_trip {
    const char *plate, *user_id, *grade;
    double route_km;
    double l_per_100km;
    const char *consumption_from; /* "records", "default" or "option" */
    double tank_litres;
    double start_litres;
    const char *start_from;       /* "option" or "last fill-up" */
    double reserve_litres;
    double corridor_km;
    double speed_kmh;
    int64_t depart;
    size_t nstops;
    as_trip_stop *stops;          /* in route order */
    int feasible;                 /* 1: the destination is reached above the reserve */
    int64_t arrive;               /* feasible: at the destination; else 0 */
    double arrive_litres;         /* feasible: in the tank there */
    double gap_from_km;           /* not feasible: the last point fuel was had */
    double gap_to_km;             /* ... and the next station that would do (or the
                                   * end of the route) */
    double range_km;              /* not feasible: how far the fuel went beyond
                                   * gap_from_km before the reserve */
    const char *gap;              /* not feasible: the reason in words; else NULL */
} as_trip;

/*
 * as_trip_plan - plan fuel stops for the vehicle plate along the route
 * points[0, n) (see as_route_parse()).  The algorithm (documented in
 * aftersales(1), TRIPS): consumption from the vehicle's records, the
 * reserve, stations within trips.corridor_km of the route that sell the
 * grade and are open at the estimated arrival, greedy furthest stop with
 * the user's usual stations and brands and the wanted services preferred
 * near the end of the reachable span, filling to full.  A route that
 * cannot be done is not a failure of the call: the plan has feasible 0,
 * the stops up to the gap, and the gap.  *plan (NULL on failure) is owned
 * by the caller.
 * Returns AS_OK; AS_NOTFOUND (no vehicle with that plate); AS_INVALID (a
 * bad plate, grade, service or option, a route of fewer than 2 points or
 * off the globe, no grade known for the vehicle, no fuel level known:
 * neither given nor a fill-up recorded); AS_NOMEM; AS_BUSY; AS_MISUSE (a
 * NULL argument, an unknown options version); AS_INTERNAL.
 */
as_status as_trip_plan(as_db *db, const char *plate, const as_route_point *points, size_t n,
                       const as_trip_options *opts, as_trip **plan);

/* as_trip_plan_free - NULL is a no-op. */
void as_trip_plan_free(as_trip *plan);
/* Community: events and the advisory panel (seed §5)                  */
/* ------------------------------------------------------------------ */

/*
 * Events (车友会 meet-ups, 节油挑战赛 challenges) have a capacity.  A
 * registration takes a seat while one is free, else joins the waitlist in
 * order of arrival; a cancellation before the start frees its seat and
 * promotes the first waitlisted registration at that time.  Check-in is
 * open from an hour before the start to the end.  Every write runs in one
 * BEGIN IMMEDIATE transaction, so two processes registering for the last
 * seat get one seat and one waitlist place; the database holds the
 * capacity and one live registration per person and event as well.
 *
 * The advisory panel (用户顾问团) has members (each membership a term with
 * a start and an end), proposals with options, an opening and a closing
 * time, and votes: one per member and proposal, held by a UNIQUE
 * constraint.  Results are shown once the proposal is closed (or on
 * request, partial).
 *
 * Every time argument `at` is Unix seconds; 0 means now.  user forget
 * replaces the person's user_id in registrations and the panel by NULL
 * (see as_user_forget()): the figures stay, the link to the person goes.
 */

/* The kind of an event. */
typedef enum as_event_kind {
    AS_EVENT_MEETUP = 1,      /* 车友会: a gathering */
    AS_EVENT_CHALLENGE        /* 节油挑战赛: a fuel-saving challenge */
} as_event_kind;

/*
 * as_event_kind_name - "meetup" or "challenge": static text; NULL for a
 * value out of range.
 */
const char *as_event_kind_name(as_event_kind kind);

/*
 * as_event_kind_parse - the kind named by text ("meetup", "challenge").
 * Returns AS_OK; AS_INVALID (another name); AS_MISUSE (NULL).
 */
as_status as_event_kind_parse(const char *text, as_event_kind *kind);

/* A new event (as_event_add()). */
typedef struct as_event_input {
    unsigned version;         /* AS_EVENT_INPUT_VERSION */
    const char *title;        /* required: 1-200 characters of UTF-8 */
    as_event_kind kind;
    int64_t starts_at;        /* required */
    int64_t ends_at;          /* required, after starts_at */
    int64_t capacity;         /* seats: 1 to 100000 */
    const char *station_id;   /* NULL: none; an external id */
    const char *city;         /* NULL: none; 1-64 characters */
    int64_t remind_before_s;  /* 0: no reminder; else 60 s to 30 days */
} as_event_input;

#define AS_EVENT_INPUT_VERSION 1
#define AS_EVENT_INPUT_INIT \
    { AS_EVENT_INPUT_VERSION, NULL, AS_EVENT_MEETUP, 0, 0, 0, NULL, NULL, 0 }

/*
 * as_event_add - create an event.  Texts are NFC-normalised.  *id (if not
 * NULL) receives its id.
 * Returns AS_OK; AS_INVALID (a missing or empty title, ends_at not after
 * starts_at, a capacity or reminder lead out of range, a malformed
 * station id or city, invalid UTF-8); AS_MISUSE (NULL, unknown version or
 * kind); AS_BUSY; AS_READONLY; AS_NOMEM; AS_INTERNAL.
 */
as_status as_event_add(as_db *db, const as_event_input *in, int64_t *id);

/* An event with its counts at a time.  Strings borrowed: from the event
 * itself (as_event_get(), until as_event_free()) or from the iterator
 * (until the next call). */
typedef struct as_event {
    int64_t id;
    const char *title;
    as_event_kind kind;
    int64_t starts_at;
    int64_t ends_at;
    int64_t capacity;
    const char *station_id;   /* NULL: none */
    const char *city;         /* NULL: none */
    int64_t remind_before_s;  /* 0: no reminder */
    int64_t created_at;
    int64_t at;               /* the counts are as of this time */
    int64_t registered;       /* holding a seat at `at` */
    int64_t waitlisted;       /* in the queue at `at` */
    int64_t seats_left;       /* capacity - registered */
} as_event;

/*
 * as_event_get - event id with its counts as the world stood at `at`
 * (registrations, promotions and cancellations at or before it).  *out
 * (NULL on failure) is owned by the caller: as_event_free().
 * Returns AS_OK; AS_NOTFOUND (no such event); AS_MISUSE (NULL); AS_NOMEM;
 * AS_BUSY; AS_INTERNAL.
 */
as_status as_event_get(as_event **out, as_db *db, int64_t id, int64_t at);

/* as_event_free - free an event from as_event_get(); NULL is a no-op. */
void as_event_free(as_event *event);

/* Which events as_event_iter_new() lists. */
typedef struct as_event_query {
    unsigned version;         /* AS_EVENT_QUERY_VERSION */
    int64_t from;             /* 0: no bound; else events ending after from */
    int64_t to;               /* 0: no bound; else events starting before to */
    int64_t at;               /* the counts' time; 0: now */
} as_event_query;

#define AS_EVENT_QUERY_VERSION 1
#define AS_EVENT_QUERY_INIT { AS_EVENT_QUERY_VERSION, 0, 0, 0 }

typedef struct as_event_iter as_event_iter;

/*
 * as_event_iter_new - list the events that overlap [from, to) (either
 * bound may be 0: open), by start time then id.  query NULL: every event,
 * counts as of now.  *out is freed with as_event_iter_free().
 * Returns AS_OK; AS_INVALID (to not after from); AS_MISUSE (NULL, unknown
 * version); AS_NOMEM; AS_INTERNAL.
 */
as_status as_event_iter_new(as_event_iter **out, as_db *db, const as_event_query *query);

/*
 * as_event_next - the next event; *view is borrowed until the next call.
 * Returns AS_OK, AS_DONE at the end, or an error (AS_BUSY, AS_INTERNAL;
 * AS_MISUSE for NULL).
 */
as_status as_event_next(as_event_iter *it, const as_event **view);

/* as_event_iter_free - free an iterator; NULL is a no-op. */
void as_event_iter_free(as_event_iter *it);

/* A registration's state at a time. */
typedef enum as_registration_status {
    AS_REGISTRATION_REGISTERED = 1,   /* holds a seat */
    AS_REGISTRATION_WAITLISTED,       /* in the queue for a seat */
    AS_REGISTRATION_CANCELLED         /* cancelled by the person (or an erasure) */
} as_registration_status;

/*
 * as_registration_status_name - "registered", "waitlisted", "cancelled":
 * static text; NULL for a value out of range.
 */
const char *as_registration_status_name(as_registration_status status);

/* A registration, by value (no pointers to free). */
typedef struct as_registration {
    int64_t id;               /* 0: none (as_event_cancel()'s promoted) */
    int64_t event_id;
    char user_id[72];         /* "" once the user is erased */
    as_registration_status status;
    int64_t position;         /* waitlisted: 1-based place in the queue; else 0 */
    int64_t queued_at;        /* when the person registered */
    int64_t seated_at;        /* 0: no seat (yet) */
    int promoted;             /* 1: the seat came from the waitlist */
    int64_t cancelled_at;     /* 0: not cancelled */
    int64_t checked_in_at;    /* 0: not checked in */
} as_registration;

/*
 * as_event_register - register user_id for event event_id at `at`: a seat
 * while the event has one free (and nobody waits), else a place at the end
 * of the waitlist.  *out (if not NULL) receives the registration.
 * Returns AS_OK; AS_NOTFOUND (no such event or user); AS_EXISTS (the user
 * already holds a live registration: registered or waitlisted);
 * AS_INVALID (the event has started at `at`, or the user was erased);
 * AS_MISUSE (NULL); AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_event_register(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                            as_registration *out);

/*
 * as_event_cancel - cancel user_id's live registration for event_id at
 * `at` (before the event starts).  When it held a seat, the first
 * waitlisted registration (by arrival) takes it at `at`; *promoted (if not
 * NULL) receives it, or has id 0 when nobody was promoted.  *out (if not
 * NULL) receives the cancelled registration.
 * Returns AS_OK; AS_NOTFOUND (no such event or user, or no live
 * registration of the user); AS_INVALID (the event has started at `at`,
 * or `at` is before the registration); AS_MISUSE (NULL); AS_BUSY;
 * AS_READONLY; AS_INTERNAL.
 */
as_status as_event_cancel(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                          as_registration *out, as_registration *promoted);

/*
 * as_event_checkin - check user_id in to event_id at `at`: only a
 * registration holding a seat at `at`, only from an hour before the start
 * until the end (exclusive), once.  *out (if not NULL) receives the
 * registration.
 * Returns AS_OK; AS_NOTFOUND (no such event or user, or no live
 * registration); AS_EXISTS (already checked in); AS_INVALID (waitlisted,
 * or outside the check-in window); AS_MISUSE (NULL); AS_BUSY; AS_READONLY;
 * AS_INTERNAL.
 */
as_status as_event_checkin(as_db *db, int64_t event_id, const char *user_id, int64_t at,
                           as_registration *out);

typedef struct as_registration_iter as_registration_iter;

/*
 * as_registration_iter_new - the registrations of event_id as the world
 * stood at `at` (0: now; rows made after it are left out), in order of
 * arrival: each with its status and, when waitlisted, its place.  *out is
 * freed with as_registration_iter_free().
 * Returns AS_OK; AS_NOTFOUND (no such event); AS_MISUSE (NULL); AS_NOMEM;
 * AS_INTERNAL.
 */
as_status as_registration_iter_new(as_registration_iter **out, as_db *db, int64_t event_id,
                                   int64_t at);

/*
 * as_registration_next - the next registration; *view is borrowed until
 * the next call.  Returns AS_OK, AS_DONE at the end, or an error (AS_BUSY,
 * AS_INTERNAL; AS_MISUSE for NULL).
 */
as_status as_registration_next(as_registration_iter *it, const as_registration **view);

/* as_registration_iter_free - free an iterator; NULL is a no-op. */
void as_registration_iter_free(as_registration_iter *it);

/* An event's attendance at a time (as_event_attendance_get()). */
typedef struct as_event_attendance {
    int64_t event_id;
    int64_t at;
    int64_t capacity;
    int64_t registered;       /* holding a seat at `at`, checked in or not */
    int64_t waitlisted;       /* still waiting at `at` */
    int64_t cancelled;        /* registrations cancelled by `at` */
    int64_t promoted;         /* of the registered, seated from the waitlist */
    int64_t checked_in;
    int ended;                /* 1: `at` is at or after the end */
    int64_t no_shows;         /* registered - checked_in once ended; -1 before */
    double attendance_pct;    /* 100 x checked_in / registered; NAN when none registered */
} as_event_attendance;

/*
 * as_event_attendance_get - the attendance of event_id as the world stood at
 * `at` (0: now) into *out.
 * Returns AS_OK; AS_NOTFOUND (no such event); AS_MISUSE (NULL); AS_BUSY;
 * AS_INTERNAL.
 */
as_status as_event_attendance_get(as_db *db, int64_t event_id, int64_t at,
                                  as_event_attendance *out);

/* What as_event_remind() did. */
typedef struct as_event_remind_stats {
    uint64_t events;          /* events whose reminder is due at `at` */
    uint64_t written;         /* new outbox rows (kind "event") */
    uint64_t deferred;        /* of those, pushed to the end of quiet hours */
    uint64_t duplicates;      /* already in the outbox */
    uint64_t skipped;         /* registered users without consent to service notices */
} as_event_remind_stats;

/*
 * as_event_remind - write the event reminders due at `at` (0: now) into
 * the outbox: for every event with a reminder lead whose window
 * [starts_at - remind_before, starts_at) holds `at`, one notification of
 * kind "event" (priority: service) to each user holding a seat at `at`
 * who consents to service notices, keyed "event:EVENT:USER" (so running
 * again writes nothing twice), deferred past the user's quiet hours,
 * expiring at the event's start.  The outbox pull checks consent, quiet
 * hours and expiry again, and suppresses a reminder whose registration
 * was cancelled since.  *stats (if not NULL) receives the counts.
 * Returns AS_OK; AS_MISUSE (NULL db); AS_BUSY; AS_READONLY; AS_NOMEM;
 * AS_INTERNAL.
 */
as_status as_event_remind(as_db *db, int64_t at, as_event_remind_stats *stats);

/*
 * as_panel_add_member - put user_id on the advisory panel from `at` (a new
 * term; a former member comes back under the same member row).
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_EXISTS (already a
 * member); AS_INVALID (an erased user, or `at` before the end of the
 * previous term); AS_MISUSE (NULL); AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_panel_add_member(as_db *db, const char *user_id, int64_t at);

/*
 * as_panel_remove_member - end user_id's term on the panel at `at`.  Votes
 * already cast stay.
 * Returns AS_OK; AS_NOTFOUND (no such user, or not a member); AS_INVALID
 * (`at` before the term's start); AS_MISUSE (NULL); AS_BUSY; AS_READONLY;
 * AS_INTERNAL.
 */
as_status as_panel_remove_member(as_db *db, const char *user_id, int64_t at);

/* A member of the panel.  user_id borrowed until the next call. */
typedef struct as_panel_member {
    int64_t member_id;
    const char *user_id;
    int64_t joined_at;        /* the start of the current term */
} as_panel_member;

typedef struct as_panel_iter as_panel_iter;

/*
 * as_panel_iter_new - the members of the panel at `at` (0: now), by
 * user_id.  *out is freed with as_panel_iter_free().
 * Returns AS_OK; AS_MISUSE (NULL); AS_NOMEM; AS_INTERNAL.
 */
as_status as_panel_iter_new(as_panel_iter **out, as_db *db, int64_t at);

/*
 * as_panel_next - the next member; *view is borrowed until the next call.
 * Returns AS_OK, AS_DONE at the end, or an error (AS_BUSY, AS_INTERNAL;
 * AS_MISUSE for NULL).
 */
as_status as_panel_next(as_panel_iter *it, const as_panel_member **view);

/* as_panel_iter_free - free an iterator; NULL is a no-op. */
void as_panel_iter_free(as_panel_iter *it);

/*
 * as_proposal_add - a proposal with n (2 to 20) options, open for votes
 * from opens_at (0: now) until closes_at (exclusive).  The title and the
 * options are NFC-normalised; options must be distinct.  *id (if not NULL)
 * receives its id.
 * Returns AS_OK; AS_INVALID (an empty title or option, fewer than 2 or
 * more than 20 options, two equal options, closes_at not after opens_at,
 * invalid UTF-8); AS_MISUSE (NULL); AS_BUSY; AS_READONLY; AS_NOMEM;
 * AS_INTERNAL.
 */
as_status as_proposal_add(as_db *db, const char *title, const char *const *options, size_t n,
                          int64_t opens_at, int64_t closes_at, int64_t *id);

/* An option of a proposal. */
typedef struct as_proposal_option {
    int64_t position;         /* 1-based */
    const char *label;
    int64_t votes;            /* -1 while the results are not shown */
} as_proposal_option;

/* A proposal as of a time.  Owned by the caller (as_proposal_get():
 * as_proposal_free()) or borrowed from the iterator (until the next call). */
typedef struct as_proposal {
    int64_t id;
    const char *title;
    int64_t opens_at;
    int64_t closes_at;
    int64_t created_at;
    int64_t at;               /* as of this time */
    int closed;               /* 1: at >= closes_at */
    int counted;              /* 1: votes, voters, members and turnout are filled in */
    size_t noptions;
    as_proposal_option *options;
    int64_t voters;           /* votes cast by min(at, closes_at); -1 if not counted */
    int64_t members;          /* members at min(at, closes_at), plus voters who had
                               * left the panel by then; -1 if not counted */
    double turnout_pct;       /* 100 x voters / members; NAN if not counted or no members */
} as_proposal;

/* as_proposal_get() flags. */
#define AS_PROPOSAL_PARTIAL 0x1u  /* count an open proposal too */

/*
 * as_proposal_get - proposal id as the world stood at `at` (0: now): the
 * results (votes per option, voters, members, turnout) once it is closed
 * at `at`, or before with AS_PROPOSAL_PARTIAL (the votes cast by `at`).
 * *out (NULL on failure) is owned by the caller: as_proposal_free().
 * Returns AS_OK; AS_NOTFOUND (no such proposal); AS_MISUSE (NULL, unknown
 * flags); AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_proposal_get(as_proposal **out, as_db *db, int64_t id, int64_t at, unsigned flags);

/* as_proposal_free - free a proposal from as_proposal_get(); NULL is a no-op. */
void as_proposal_free(as_proposal *proposal);

typedef struct as_proposal_iter as_proposal_iter;

/*
 * as_proposal_iter_new - every proposal by id, as of `at` (0: now), with
 * its options; results filled in for the closed ones only.  *out is freed
 * with as_proposal_iter_free().
 * Returns AS_OK; AS_MISUSE (NULL); AS_NOMEM; AS_INTERNAL.
 */
as_status as_proposal_iter_new(as_proposal_iter **out, as_db *db, int64_t at);

/*
 * as_proposal_next - the next proposal; *view is borrowed until the next
 * call.  Returns AS_OK, AS_DONE at the end, or an error (AS_BUSY, AS_NOMEM,
 * AS_INTERNAL; AS_MISUSE for NULL).
 */
as_status as_proposal_next(as_proposal_iter *it, const as_proposal **view);

/* as_proposal_iter_free - free an iterator; NULL is a no-op. */
void as_proposal_iter_free(as_proposal_iter *it);

/*
 * as_proposal_vote - user_id's vote on proposal id at `at` (0: now) for
 * option, given as its label (NFC, exact) or its 1-based number ("2"): a
 * label first, so a numeric label ("95") is a label; a text that is one
 * option's label and another's number is AS_INVALID (ambiguous).
 * Only a member of the panel at `at` may vote, only while the proposal is
 * open (opens_at <= at < closes_at), once: a UNIQUE constraint holds one
 * vote per member and proposal, also against two processes at once.
 * *position (if not NULL) receives the option's number.
 * Returns AS_OK; AS_NOTFOUND (no such proposal or user); AS_EXISTS (the
 * member has voted on it); AS_INVALID (not a member at `at`, an erased
 * user, the proposal not open at `at`, no such option); AS_MISUSE (NULL);
 * AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_proposal_vote(as_db *db, int64_t id, const char *user_id, const char *option,
                           int64_t at, int64_t *position);

/* ==== Community: posts, ambassadors, co-creation (seed §5) ===========
 *
 * Boards come from the configuration's community section (id and name;
 * 用车心得 and 省油妙招 by default).  A post is moderated when it is
 * written: it is queued for review when its title or body holds a banned
 * term (community.banned_terms, matched after NFKC, case folding and
 * traditional-to-simplified folding), when its sentiment is below
 * community.flag_below, or when an alert rule of feedback (alerts.rules)
 * matches it; else it is visible at once.  A reviewer approves a queued
 * post or removes a post with a reason.  Featuring a visible post pins it
 * for community.feature_days and earns its author community.feature_points
 * once per post on the points ledger (kind earn_community, ref
 * "post:ID:feature").  Co-creation submissions (tips, video links) go
 * submitted -> adopted | declined; adoption earns community.adopt_points
 * once (ref "submission:ID:adopt"), and a tip adopted as a tip joins the
 * reminder tips rotation after the configured tips, in adoption order, as
 * literal text (no placeholders).  as_user_forget() replaces a person's
 * titles, bodies, submission texts and links by AS_ERASED_TEXT (links by
 * NULL) and removes their posts from view.  Every time argument `at` is
 * Unix seconds; 0 means now.  Titles, bodies and reasons read back have
 * their phone numbers masked unless the handle has AS_OPEN_REVEAL.
 */

/* Length limits, in characters (code points) after NFC. */
#define AS_POST_TITLE_MAX 100
#define AS_POST_BODY_MAX 5000
#define AS_SUBMISSION_TEXT_MAX 1000
#define AS_SUBMISSION_URL_MAX 2000    /* bytes */
#define AS_COMMUNITY_REASON_MAX 500

/* A board of the configuration (borrowed from it). */
typedef struct as_board {
    const char *id;           /* [a-z0-9_-], as posts name it */
    const char *name;         /* what people see: 用车心得 */
} as_board;

/*
 * as_community_boards - the boards of the handle's configuration, in the
 * order of the file: *out points into the configuration (valid while the
 * handle is open; do not free), *n their number.
 * Returns AS_OK; AS_MISUSE (a NULL argument).
 */
as_status as_community_boards(as_db *db, const as_board **out, size_t *n);

/* Why a post was queued: one flag. */
typedef struct as_post_flag {
    const char *rule;         /* "banned_term", "sentiment", or an alert rule's name */
    const char *reason;       /* in words */
    const char *match;        /* the banned term or alert keyword found; NULL for "sentiment" */
} as_post_flag;

/* A post as read back.  Its strings and flags are owned by whoever handed
 * it out: the iterator (until the next call) or the as_post_get() block. */
typedef struct as_post {
    int64_t id;
    const char *board;        /* the board's id */
    const char *board_name;   /* its name; NULL when the configuration no longer has it */
    const char *user_id;
    const char *title;
    const char *body;
    const char *status;       /* "visible", "queued", "removed" (static) */
    double sentiment;         /* [-1, 1] */
    const as_post_flag *flags;   /* in order: banned terms, sentiment, alert rules */
    size_t nflags;
    int64_t created_at;
    int64_t reviewed_at;      /* the last approval or removal; 0: none */
    const char *removed_reason;  /* NULL unless removed */
    int64_t featured_at;      /* the last time it was featured; 0: never */
    int64_t featured_until;   /* pinned until then; 0: never featured */
    int64_t updated_at;
} as_post;

/* A new post (as_post_add()). */
typedef struct as_post_new {
    unsigned version;         /* AS_POST_NEW_VERSION */
    const char *user_id;      /* required: a registered user, not erased */
    const char *board;        /* required: a board id */
    const char *title;        /* required: 1 to AS_POST_TITLE_MAX characters */
    const char *body;         /* required: 1 to AS_POST_BODY_MAX characters */
    int64_t at;               /* the post's time; 0: now */
} as_post_new;

#define AS_POST_NEW_VERSION 1
#define AS_POST_NEW_INIT { AS_POST_NEW_VERSION, NULL, NULL, NULL, NULL, 0 }

/*
 * as_post_add - write a post and moderate it (see above): visible, or
 * queued with its flags.  Title and body are NFC-normalised; leading and
 * trailing white space is kept.  *id (may be NULL) receives the post's id;
 * read it back with as_post_get() for the outcome.
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (an erased user,
 * an unknown board, an empty or too long title or body, invalid UTF-8;
 * the detail says which); AS_MISUSE (a NULL argument or unknown version);
 * AS_BUSY; AS_READONLY; AS_NOMEM; AS_INTERNAL.
 */
as_status as_post_add(as_db *db, const as_post_new *in, int64_t *id);

/*
 * as_post_get - one post by id.  *out (NULL on failure) is one block owned
 * by the caller: free it with as_post_free().
 * Returns AS_OK; AS_NOTFOUND (no such post); AS_MISUSE (a NULL argument);
 * AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_post_get(as_post **out, as_db *db, int64_t id);

/* as_post_free - free a post from as_post_get(); NULL is a no-op. */
void as_post_free(as_post *post);

typedef struct as_post_query {
    unsigned version;         /* AS_POST_QUERY_VERSION */
    const char *board;        /* NULL: every board */
    const char *status;       /* "visible", "queued", "removed"; NULL: any */
    const char *user_id;      /* NULL: everyone's */
    int64_t pinned_at;        /* > 0: only posts pinned at that time (featured
                               * at or before it, pinned until after it, not
                               * removed); 0: no such filter */
} as_post_query;

#define AS_POST_QUERY_VERSION 1
#define AS_POST_QUERY_INIT { AS_POST_QUERY_VERSION, NULL, NULL, NULL, 0 }

typedef struct as_post_iter as_post_iter;

/*
 * as_post_iter_new - the posts that match query (NULL: all), oldest first
 * (created_at, then id): with status "queued" this is the review queue in
 * the order it should be worked.  The query's strings are copied.  Free
 * *out (NULL on failure) with as_post_iter_free() before as_close().
 * Returns AS_OK; AS_INVALID (an unknown status); AS_MISUSE (a NULL
 * argument or unknown version); AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_post_iter_new(as_post_iter **out, as_db *db, const as_post_query *query);

/*
 * as_post_next - the next post: *view is borrowed until the next call or
 * as_post_iter_free().
 * Returns AS_OK; AS_DONE (no more); AS_MISUSE (a NULL argument); AS_NOMEM;
 * AS_BUSY; AS_INTERNAL (a stored flag list that is not valid).
 */
as_status as_post_next(as_post_iter *it, const as_post **view);

/* as_post_iter_free - free an iterator; NULL is a no-op. */
void as_post_iter_free(as_post_iter *it);

/*
 * as_post_approve - a reviewer lets a queued post be seen: it becomes
 * visible (its flags stay, as the record of why it was queued).
 * Returns AS_OK; AS_NOTFOUND (no such post); AS_INVALID (the post is not
 * queued); AS_MISUSE (NULL db); AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_post_approve(as_db *db, int64_t id, int64_t at);

/*
 * as_post_remove - take a visible or queued post out of view with a reason
 * (1 to AS_COMMUNITY_REASON_MAX characters, NFC).  Points a featured post
 * earned stay earned.
 * Returns AS_OK; AS_NOTFOUND (no such post); AS_INVALID (already removed,
 * an empty or too long reason); AS_MISUSE (a NULL argument); AS_BUSY;
 * AS_READONLY; AS_NOMEM; AS_INTERNAL.
 */
as_status as_post_remove(as_db *db, int64_t id, const char *reason, int64_t at);

/*
 * as_post_feature - pin a visible post from at until at + feature_days
 * (featuring it again pins it again from the new at) and, the first time
 * only, earn its author community.feature_points on the points ledger at
 * at (none when the setting is 0).  *points (may be NULL) receives the
 * points earned by this call (0 on a repeat).  A queued or removed post is
 * refused.
 * Returns AS_OK; AS_NOTFOUND (no such post); AS_INVALID (the post is
 * queued or removed, its author was erased, or at is before the post was
 * written); AS_MISUSE (NULL db);
 * AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_post_feature(as_db *db, int64_t id, int64_t at, int64_t *points);

/* An ambassador candidate (§5.3) with the figures behind the score. */
typedef struct as_ambassador {
    int64_t rank;             /* 1, 2, ... in the order given */
    const char *user_id;
    const char *name;         /* NULL when the user has none */
    int64_t score;            /* the weighted sum of the four figures */
    int64_t posts;            /* visible posts written in the window */
    int64_t featured;         /* posts featured in the window, not removed */
    int64_t positive_feedback;   /* feedback rows submitted in the window with
                                  * sentiment > 0 or overall (else the weighted
                                  * score) >= 4 */
    int64_t adopted;          /* submissions adopted in the window */
} as_ambassador;

typedef struct as_ambassador_query {
    unsigned version;         /* AS_AMBASSADOR_QUERY_VERSION */
    int64_t from;             /* the window's start (inclusive); 0: to - 90 days */
    int64_t to;               /* its end (inclusive); 0: now */
    int64_t limit;            /* at most this many; 0: 20 */
} as_ambassador_query;

#define AS_AMBASSADOR_QUERY_VERSION 1
#define AS_AMBASSADOR_QUERY_INIT { AS_AMBASSADOR_QUERY_VERSION, 0, 0, 0 }

typedef struct as_ambassador_iter as_ambassador_iter;

/*
 * as_ambassador_iter_new - ambassador candidates: registered users not
 * erased with a score above 0 in the window, highest score first (then
 * user_id).  score = posts x w.posts + featured x w.featured +
 * positive_feedback x w.positive_feedback + adopted x w.adopted, the
 * weights being community.ambassador_weights (1, 5, 2, 5 by default).
 * Only records with a time in [from, to] count; a post counts by its
 * status now.  Free *out (NULL on failure) with as_ambassador_iter_free().
 * Returns AS_OK; AS_INVALID (from after to, a negative limit); AS_MISUSE
 * (a NULL argument or unknown version); AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_ambassador_iter_new(as_ambassador_iter **out, as_db *db,
                                 const as_ambassador_query *query);

/*
 * as_ambassador_next - the next candidate, borrowed until the next call.
 * Returns AS_OK; AS_DONE; AS_MISUSE (a NULL argument); AS_BUSY; AS_INTERNAL.
 */
as_status as_ambassador_next(as_ambassador_iter *it, const as_ambassador **view);

/* as_ambassador_iter_free - free an iterator; NULL is a no-op. */
void as_ambassador_iter_free(as_ambassador_iter *it);

/* A co-creation submission (§5.4) as read back; strings owned like a
 * post's. */
typedef struct as_submission {
    int64_t id;
    const char *user_id;
    const char *kind;         /* "tip", "video" (static) */
    const char *text;
    const char *url;          /* NULL when none */
    const char *status;       /* "submitted", "adopted", "declined" (static) */
    int64_t created_at;
    int64_t decided_at;       /* adoption or decline; 0: undecided */
    const char *reason;       /* why it was declined; NULL otherwise */
    int as_tip;               /* 1: an adopted tip in the reminder tips rotation */
} as_submission;

typedef struct as_submission_new {
    unsigned version;         /* AS_SUBMISSION_NEW_VERSION */
    const char *user_id;      /* required: a registered user, not erased */
    const char *kind;         /* required: "tip" or "video" */
    const char *text;         /* required: 1 to AS_SUBMISSION_TEXT_MAX characters */
    const char *url;          /* http:// or https:// with a host, at most
                               * AS_SUBMISSION_URL_MAX bytes, no white space;
                               * required for a video; NULL: none */
    int64_t at;               /* 0: now */
} as_submission_new;

#define AS_SUBMISSION_NEW_VERSION 1
#define AS_SUBMISSION_NEW_INIT { AS_SUBMISSION_NEW_VERSION, NULL, NULL, NULL, NULL, 0 }

/*
 * as_submission_add - record a submission (status submitted).  *id (may
 * be NULL) receives its id.
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (an erased user,
 * an unknown kind, an empty or too long text, a bad or missing link);
 * AS_MISUSE (a NULL argument or unknown version); AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_INTERNAL.
 */
as_status as_submission_add(as_db *db, const as_submission_new *in, int64_t *id);

/*
 * as_submission_get - one submission.  *out (NULL on failure) is one block
 * owned by the caller: free it with as_submission_free().
 * Returns AS_OK; AS_NOTFOUND; AS_MISUSE (a NULL argument); AS_NOMEM;
 * AS_BUSY; AS_INTERNAL.
 */
as_status as_submission_get(as_submission **out, as_db *db, int64_t id);

/* as_submission_free - free a submission; NULL is a no-op. */
void as_submission_free(as_submission *submission);

typedef struct as_submission_iter as_submission_iter;

/*
 * as_submission_iter_new - submissions (status NULL: all; else
 * "submitted", "adopted" or "declined"; user_id NULL: everyone's), oldest
 * first.  The strings are copied.  Free *out (NULL on failure) with
 * as_submission_iter_free().
 * Returns AS_OK; AS_INVALID (an unknown status); AS_MISUSE (a NULL
 * argument); AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_submission_iter_new(as_submission_iter **out, as_db *db, const char *status,
                                 const char *user_id);

/*
 * as_submission_next - the next submission, borrowed until the next call.
 * Returns AS_OK; AS_DONE; AS_MISUSE (a NULL argument); AS_BUSY; AS_INTERNAL.
 */
as_status as_submission_next(as_submission_iter *it, const as_submission **view);

/* as_submission_iter_free - free an iterator; NULL is a no-op. */
void as_submission_iter_free(as_submission_iter *it);

/* Flags of as_submission_adopt(). */
#define AS_SUBMISSION_AS_TIP 0x1u   /* a tip joins the reminder tips rotation */

/*
 * as_submission_adopt - adopt a submitted submission at at: its author
 * earns community.adopt_points once (none when 0); with
 * AS_SUBMISSION_AS_TIP a tip joins the reminder tips rotation (see above).
 * *points (may be NULL) receives the points earned.
 * Returns AS_OK; AS_NOTFOUND (no such submission); AS_INVALID (already
 * adopted or declined, AS_SUBMISSION_AS_TIP for a video, an erased
 * author, at before the submission was made); AS_MISUSE (NULL db, unknown
 * flags); AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_submission_adopt(as_db *db, int64_t id, unsigned flags, int64_t at,
                              int64_t *points);

/*
 * as_submission_decline - decline a submitted submission with a reason (1
 * to AS_COMMUNITY_REASON_MAX characters).
 * Returns AS_OK; AS_NOTFOUND; AS_INVALID (already adopted or declined, an
 * empty or too long reason, at before the submission was made); AS_MISUSE
 * (a NULL argument); AS_BUSY; AS_READONLY; AS_NOMEM; AS_INTERNAL.
 */
as_status as_submission_decline(as_db *db, int64_t id, const char *reason, int64_t at);

/* Outbox and fueling reports */

/* One line of the outbox report: the notifications of one kind (or of every
 * kind, in the total) created in the period, by their status now. */
typedef struct as_report_outbox_line {
    const char *kind;        /* the notification kind ("refuel", "maintenance", ...);
                              * NULL in the total */
    int64_t written;         /* notifications created in the period */
    int64_t delivered;       /* of them, sent (status sent) */
    int64_t failed;          /* of them, given up (status dead) */
    int64_t suppressed;      /* of them, suppressed (the reason is in the row) */
    int64_t expired;         /* of them, expired undelivered */
    int64_t waiting;         /* of them, pending or leased */
    double delivered_pct;    /* delivered / written, 0-100 one decimal; -1 when written is 0 */
    int64_t median_delay_s;  /* sent_at - not_before of the delivered, nearest rank
                              * (0 when sent before not_before); -1 when none */
} as_report_outbox_line;

/* The outbox report.  Every string and array belongs to it. */
typedef struct as_report_outbox {
    int64_t from, to;
    as_report_outbox_line *lines;   /* by kind: most written first, then kind */
    size_t nlines;
    as_report_outbox_line total;    /* every kind together (kind NULL) */
} as_report_outbox;

/*
 * as_report_outbox_get - what the outbox did with the notifications created
 * in [q->from, q->to) (created_at; one at from counts, one at to does not),
 * per kind and in total.  The outbox has no station: q->station_id must be
 * NULL.  Statuses are as they are now: the outbox keeps no history of them,
 * so a notification created in the period and delivered after it counts as
 * delivered, and the same period read later can move notifications from
 * waiting to another status.  Read in one read transaction.  An empty
 * period gives no lines and a total of zeros (delivered_pct and
 * median_delay_s -1), not an error.  *out (NULL on failure) is owned by the
 * caller: free it with as_report_outbox_free().
 * Returns AS_OK; AS_INVALID (from >= to, a station id given); AS_MISUSE
 * (NULL out, db or q, an unknown q->version); AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_report_outbox_get(as_report_outbox **out, as_db *db, const as_period_query *q);

/* as_report_outbox_free - free an outbox report; NULL is a no-op. */
void as_report_outbox_free(as_report_outbox *report);

/* The grouping of the fueling report. */
typedef enum as_fuel_report_by {
    AS_FUEL_REPORT_BY_STATION = 1,
    AS_FUEL_REPORT_BY_GRADE,
    AS_FUEL_REPORT_BY_WEEK,          /* every week of the period in order, empty ones too */
    AS_FUEL_REPORT_BY_STATION_GRADE
} as_fuel_report_by;

/* The most weeks a fueling report by week lists (about a century). */
#define AS_FUEL_REPORT_MAX_WEEKS 5300

/* One line of the fueling report: the fueling records of one group. */
typedef struct as_report_fuel_line {
    const char *station_id;  /* by station or station_grade; else NULL */
    const char *grade;       /* by grade or station_grade; else NULL */
    const char *week;        /* by week (the Monday, YYYY-MM-DD); else NULL */
    int64_t records;         /* fueling records filled in the period */
    int64_t users;           /* distinct users among them */
    int64_t litres_ml;
    int64_t amount_fen;
    int64_t price_fen_per_l; /* amount_fen * 1000 / litres_ml rounded half up; -1 when
                              * litres_ml is 0 */
} as_report_fuel_line;

/* The fueling report.  Every string and array belongs to it. */
typedef struct as_report_fuel {
    int64_t from, to;
    const char *station_id;  /* the query's filter, or NULL */
    as_fuel_report_by by;
    as_report_fuel_line *lines;   /* by station, grade, station_grade: most spend first, then
                                   * by key; by week: in order */
    size_t nlines;
    as_report_fuel_line total;    /* the whole period (keys NULL; users distinct over it) */
} as_report_fuel;

/*
 * as_report_fuel_get - the fueling records filled in [q->from, q->to)
 * (filled_at; one at from counts, one at to does not), only those of
 * station q->station_id when it is not NULL, grouped as by says: per
 * station, grade, business week (every week that overlaps the period, in
 * order, empty ones with zeros; the first and last may be partial) or
 * station and grade; with the total of the period.  By station, grade or
 * station and grade only groups with records are listed, most spend
 * (amount_fen) first, then by station and grade.  Read in one read
 * transaction, in one scan of the fuelings table (no index on filled_at:
 * the import's speed comes first; about 0.3 s a million records).  An empty period gives zeros
 * (no lines, or the empty weeks), not an error.  *out (NULL on failure) is
 * owned by the caller: free it with as_report_fuel_free().
 * Returns AS_OK; AS_INVALID (from >= to, a station id that is not an id,
 * by not one of as_fuel_report_by, by week over more than
 * AS_FUEL_REPORT_MAX_WEEKS weeks); AS_MISUSE (NULL out, db or q, an unknown
 * q->version); AS_NOMEM; AS_BUSY; AS_INTERNAL.
 */
as_status as_report_fuel_get(as_report_fuel **out, as_db *db, const as_period_query *q,
                             as_fuel_report_by by);

/* as_report_fuel_free - free a fueling report; NULL is a no-op. */
void as_report_fuel_free(as_report_fuel *report);

#ifdef __cplusplus
}
#endif

#endif /* AFTERSALES_H */
