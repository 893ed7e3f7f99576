/*
 * aftersales.h - the public interface of libaftersales.
 *
 * libaftersales keeps the after-sales data of a fuel-station payment
 * mini-program in one SQLite file: user profiles, vehicles and odometer
 * readings (and, as the project grows, tickets, feedback and reminders).
 *
 * Conventions (the same for every function below):
 *
 *  - Every function returns an as_status.  AS_OK (0) is success; anything
 *    else is a failure whose detail, naming the place and the value, is in
 *    as_errmsg(db) until the next call on that handle.
 *  - Out-parameters come first; on success the caller owns *out and frees it
 *    with the matching _free function.  Every _free function accepts NULL.
 *  - Views returned by iterators are borrowed: valid until the next call of
 *    that iterator's _next or _free.
 *  - Times are int64_t Unix seconds (UTC).  Money is integer fen.  Text is
 *    UTF-8; it is validated and NFC-normalised at the boundary.
 *  - Every write is atomic: one call is one transaction (a savepoint when
 *    the caller holds an outer transaction with as_begin()).
 *  - The library never prints, never exits, and reads no environment.
 *  - Options structs carry a version; initialise them with their _INIT
 *    macro and set only the fields you need.
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

/* as_config_parse - the same from text in memory; name is used in messages. */
as_status as_config_parse(as_config **out, const char *text, size_t len, const char *name,
                          char **errmsg);

/* as_config_source - the file a configuration came from, or
 * "(built-in defaults)". */
const char *as_config_source(const as_config *cfg);

/* as_config_free - NULL is a no-op.  Free it only after closing every
 * handle that uses it. */
void as_config_free(as_config *cfg);

/* ------------------------------------------------------------------ */
/* Opening a database                                                   */
/* ------------------------------------------------------------------ */

typedef struct as_db as_db;

/* Flags for as_open_options.flags. */
#define AS_OPEN_READONLY  0x1u  /* never write; fails if a migration is due */
#define AS_OPEN_CREATE    0x2u  /* create the file (mode 0600) if missing */

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
 * minutes east of UTC (the configuration's business.timezone). */
int as_db_utc_offset(const as_db *db);

/* ------------------------------------------------------------------ */
/* Transactions                                                         */
/* ------------------------------------------------------------------ */

/*
 * as_begin / as_commit / as_rollback - group several calls in one
 * transaction.  Transactions nest: the outermost as_begin() starts a
 * BEGIN IMMEDIATE transaction (so a writer waits for the busy timeout
 * rather than failing late), inner ones are savepoints.  as_rollback()
 * undoes only the innermost level.  as_close() rolls back whatever is
 * still open.
 *
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_MISUSE (commit or rollback with
 * no transaction open); AS_INTERNAL.
 */
as_status as_begin(as_db *db);
as_status as_commit(as_db *db);
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
 * Field ranges are checked (month 13, February 30, hour 24, an offset
 * beyond ±14:00 are invalid); years run from 0001 to 9999.  A leap second
 * (:60) is read as :59.
 *
 * Returns AS_OK, AS_INVALID (text is not such a time), AS_MISUSE (NULL).
 */
as_status as_time_parse(const char *text, int utc_offset_minutes, int64_t *out);

/*
 * as_time_format - write t as "2026-11-24T09:00:00+08:00" in the given
 * zone into buf (at least AS_TIME_BUFSIZE bytes).  A time outside the
 * years 0001-9999 is written as "@SECONDS", which as_time_parse() reads
 * back.  Returns buf.
 */
#define AS_TIME_BUFSIZE 32
char *as_time_format(int64_t t, int utc_offset_minutes, char *buf);

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
 * as_region_check - a region is a 6-digit administrative division code
 * (GB/T 2260) whose first two digits name a province-level division.
 * Codes ending in 0000 stand for a province, in 00 for a city.
 * Returns AS_OK or AS_INVALID.
 */
as_status as_region_check(const char *code);

/*
 * as_quiet_hours_parse - parse "22:00-08:00" into minutes after midnight
 * (start 1320, end 480).  The window may cross midnight; start == end is
 * invalid.  Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
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

/* A user as read back.  In an as_user from as_user_get() the strings
 * belong to the struct; in a view from as_user_next() they are borrowed. */
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
 * other members default as in AS_USER_INPUT_INIT.
 * Returns AS_OK; AS_EXISTS; AS_INVALID (a field fails its check; the
 * detail names the field and the value); AS_BUSY; AS_READONLY; AS_MISUSE.
 */
as_status as_user_add(as_db *db, const as_user_input *in);

/*
 * as_user_update - change the members named in in->fields of the user
 * in->user_id.  An erased user cannot get personal data back (AS_INVALID).
 * Returns AS_OK; AS_NOTFOUND; AS_INVALID; AS_BUSY; AS_READONLY; AS_MISUSE.
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
 * in->fields when the id exists.  *result (if not NULL) says which.
 * Returns as as_user_add() / as_user_update().
 */
as_status as_user_upsert(as_db *db, const as_user_input *in, as_upsert *result);

/*
 * as_user_get - read one user.  *out is malloc'd; free with as_user_free().
 * flags: AS_REVEAL.  Returns AS_OK; AS_NOTFOUND; AS_NOMEM; AS_MISUSE.
 */
as_status as_user_get(as_user **out, as_db *db, const char *user_id, unsigned flags);

/* as_user_free - free an as_user from as_user_get().  NULL is a no-op. */
void as_user_free(as_user *user);

/*
 * as_user_forget - erase a user's personal data (PIPL): name, phone, quiet
 * hours and consents are cleared, the plates of their vehicles removed, and
 * erased_at set.  The row, its region and anonymous figures (odometer
 * readings, later fueling totals) stay for aggregates.  Forgetting an
 * erased user again is AS_OK and changes nothing.
 * Returns AS_OK; AS_NOTFOUND; AS_BUSY; AS_READONLY; AS_MISUSE.
 */
as_status as_user_forget(as_db *db, const char *user_id);

typedef struct as_user_query {
    unsigned version;        /* AS_USER_QUERY_VERSION */
    const char *region;      /* NULL or a code; 530000 matches the province, 530100 the city */
    const char *after_id;    /* NULL, or list ids greater than this (paging) */
    int64_t limit;           /* 0: no limit */
    unsigned flags;          /* AS_REVEAL */
} as_user_query;

#define AS_USER_QUERY_VERSION 1
#define AS_USER_QUERY_INIT { AS_USER_QUERY_VERSION, NULL, NULL, 0, 0u }

typedef struct as_user_iter as_user_iter;

/*
 * as_user_iter_new - list users in user_id order.  query NULL lists all.
 * Free the iterator with as_user_iter_free() before as_close().
 * Returns AS_OK; AS_INVALID (bad region); AS_NOMEM; AS_MISUSE; AS_INTERNAL.
 */
as_status as_user_iter_new(as_user_iter **out, as_db *db, const as_user_query *query);

/*
 * as_user_next - the next user.  *view is borrowed until the next call.
 * Returns AS_OK, AS_DONE at the end, or an error (AS_BUSY, AS_INTERNAL).
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
} as_reject;

/* Called once per problem; every pointer is valid during the call only. */
typedef void (*as_reject_fn)(void *userdata, const as_reject *reject);

/* Called every few thousand rows: rows read so far and input bytes consumed. */
typedef void (*as_progress_fn)(void *userdata, uint64_t rows, uint64_t bytes);

/* Flags for as_import_options.flags. */
#define AS_IMPORT_DRY_RUN  0x1u  /* do the real work, report, roll back */
#define AS_IMPORT_SKIP_BAD 0x2u  /* import the good rows even if some are bad */
#define AS_IMPORT_JSONL    0x4u  /* input is JSON Lines, one object per line */

typedef struct as_import_options {
    unsigned version;        /* AS_IMPORT_OPTIONS_VERSION */
    unsigned flags;          /* AS_IMPORT_* */
    const char *encoding;    /* NULL or "utf-8", or "gb18030" (covers GBK) */
    as_reject_fn on_reject;
    as_progress_fn on_progress;
    void *userdata;
} as_import_options;

#define AS_IMPORT_OPTIONS_VERSION 1
#define AS_IMPORT_OPTIONS_INIT { AS_IMPORT_OPTIONS_VERSION, 0u, NULL, NULL, NULL, NULL }

/*
 * as_user_import - upsert users from CSV (a header naming user_id, name,
 * phone, region and optionally consent_marketing, consent_service,
 * quiet_hours, beta_tester, in any order) or JSON Lines (objects with the
 * same keys).  Rows are keyed by user_id: a new id is inserted, a known
 * one updated where a given field differs, otherwise unchanged.  Empty
 * optional cells leave the stored value alone.
 *
 * All or nothing: if any row is bad, nothing is written and the status is
 * AS_INVALID, unless AS_IMPORT_SKIP_BAD.  Every problem is passed to
 * on_reject.  With AS_IMPORT_DRY_RUN the counts are real but nothing
 * is kept.  The whole file is one transaction.
 *
 * in:   an open stream (the caller opens and closes it); name: the name
 *       used in messages ("-" or "users.csv").
 * stats: if not NULL, receives the counts (also on AS_INVALID).
 *
 * Returns AS_OK; AS_INVALID (bad rows, or the input is not CSV/JSONL with
 * the needed columns: the detail says which); AS_IO; AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_MISUSE.
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

typedef struct as_vehicle {
    const char *plate;       /* normalised; NULL once its owner is erased */
    const char *user_id;
    const char *grade;       /* NULL when not known */
    int64_t km;              /* latest odometer reading, -1: none */
    int64_t km_at;           /* its time, 0: none */
    int64_t created_at;
} as_vehicle;

/*
 * as_vehicle_add - register a vehicle of an existing user.  plate is
 * normalised with as_plate_normalize(); grade (may be NULL) with
 * as_grade_normalize().  If plate_out is not NULL it receives the
 * normalised plate (malloc'd, free with as_free()).
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_EXISTS (plate known);
 * AS_INVALID; AS_BUSY; AS_READONLY; AS_MISUSE.
 */
as_status as_vehicle_add(as_db *db, const char *user_id, const char *plate,
                         const char *grade, char **plate_out);

/*
 * as_vehicle_get - read one vehicle by plate (normalised first).
 * Free *out with as_vehicle_free().
 * Returns AS_OK; AS_NOTFOUND; AS_INVALID (not a plate); AS_NOMEM.
 */
as_status as_vehicle_get(as_vehicle **out, as_db *db, const char *plate);

/* as_vehicle_free - NULL is a no-op. */
void as_vehicle_free(as_vehicle *vehicle);

typedef struct as_vehicle_iter as_vehicle_iter;

/*
 * as_vehicle_iter_new - list vehicles (of one user when user_id is not
 * NULL, else all) in plate order; erased plates come last.
 * Returns AS_OK; AS_NOTFOUND (user_id given but unknown); AS_NOMEM.
 */
as_status as_vehicle_iter_new(as_vehicle_iter **out, as_db *db, const char *user_id);

/* as_vehicle_next - AS_OK with a borrowed view, AS_DONE, or an error. */
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
 * Returns AS_OK; AS_NOTFOUND (plate); AS_INVALID; AS_EXISTS; AS_BUSY;
 * AS_READONLY.
 */
as_status as_odometer_add(as_db *db, const char *plate, int64_t km, int64_t at,
                          unsigned flags);

typedef struct as_odometer {
    const char *plate;
    int64_t km;
    int64_t at;
    int forced;              /* 1 when recorded with AS_ODOMETER_FORCE */
} as_odometer;

typedef struct as_odometer_iter as_odometer_iter;

/* as_odometer_iter_new - the readings of one vehicle, oldest first.
 * Returns AS_OK; AS_NOTFOUND; AS_INVALID (not a plate); AS_NOMEM. */
as_status as_odometer_iter_new(as_odometer_iter **out, as_db *db, const char *plate);

/* as_odometer_next - AS_OK with a borrowed view, AS_DONE, or an error. */
as_status as_odometer_next(as_odometer_iter *it, const as_odometer **view);

/* as_odometer_iter_free - NULL is a no-op. */
void as_odometer_iter_free(as_odometer_iter *it);

/* ------------------------------------------------------------------ */
/* Tickets                                                              */
/* ------------------------------------------------------------------ */

/*
 * Tracking numbers are what a customer reads over the phone: 9 digits, the
 * last a Damm check digit over the others, which catches every single
 * mistyped digit and every swap of two adjacent digits.  They are printed
 * as "123 456 789"; input may contain spaces and dashes.
 */
#define AS_TRACKING_BUFSIZE 16

/*
 * as_tracking_check - normalise a tracking number (drop spaces and dashes)
 * into out (AS_TRACKING_BUFSIZE bytes, 9 digits) and verify its check
 * digit.  Returns AS_OK; AS_INVALID (wrong length, a non-digit, or a
 * failed check digit: a mistyped number); AS_MISUSE (NULL).
 */
as_status as_tracking_check(const char *text, char out[AS_TRACKING_BUFSIZE]);

/* as_tracking_digit - the Damm check digit (0-9) of a string of digits,
 * or -1 when it holds anything else. */
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

/* as_ticket_status_name - "new", "in_progress", ...; NULL when out of range. */
const char *as_ticket_status_name(as_ticket_status s);
/* as_ticket_status_parse - the status named name, or -1. */
int as_ticket_status_parse(const char *name);
/* as_ticket_status_zh - what the customer sees: 已受理, 处理中, 待您回复, ... */
const char *as_ticket_status_zh(as_ticket_status s);
/*
 * as_ticket_transition_ok - 1 when the transition table allows from -> to.
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
    unsigned version;        /* AS_TICKET_INPUT_VERSION */
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
} as_ticket_input;

#define AS_TICKET_INPUT_VERSION 1
#define AS_TICKET_INPUT_INIT { AS_TICKET_INPUT_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, \
                               NULL, NULL, NULL, NULL, 0 }

/*
 * as_ticket_open - open a ticket: routing rules (config section routing)
 * pick queue, severity and assignee where the input leaves them NULL; the
 * SLA clocks of the severity (section sla) start; a systemic ticket is an
 * incident.  tracking (may be NULL) receives the tracking number.
 * Returns AS_OK; AS_NOTFOUND (no such user); AS_INVALID (a field, named in
 * the detail); AS_CONFIG (the severity's calendar is unknown); AS_BUSY;
 * AS_READONLY; AS_MISUSE.
 */
as_status as_ticket_open(as_db *db, const as_ticket_input *in,
                         char tracking[AS_TRACKING_BUFSIZE]);

/* A ticket as read back.  From as_ticket_get() the strings belong to the
 * struct; in a view from as_ticket_next() they are borrowed. */
typedef struct as_ticket {
    const char *tracking;
    const char *user_id;
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
} as_ticket;

/*
 * as_ticket_get - read the ticket with this tracking number.  Free *out
 * with as_ticket_free().  Returns AS_OK; AS_INVALID ("invalid tracking
 * number": a typo the check digit caught); AS_NOTFOUND; AS_NOMEM.
 */
as_status as_ticket_get(as_ticket **out, as_db *db, const char *tracking);
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
 * The changes below each add events to the ticket's append-only history
 * and return AS_OK; AS_INVALID (bad tracking number or value, or a move
 * the transition table refuses: the detail lists the allowed moves);
 * AS_NOTFOUND; AS_BUSY; AS_READONLY; AS_MISUSE.  act NULL: defaults.
 */

/* as_ticket_assign - set the assignee (a new ticket becomes assigned). */
as_status as_ticket_assign(as_db *db, const char *tracking, const char *assignee,
                           const as_ticket_action *act);
/* as_ticket_set_status - move to status along the transition table.
 * Entering waiting_customer pauses the SLA clocks, leaving it resumes them. */
as_status as_ticket_set_status(as_db *db, const char *tracking, as_ticket_status status,
                               const as_ticket_action *act);

#define AS_REPLY_WAIT 0x1u   /* then wait on the customer (waiting_customer) */
/* as_ticket_reply - a public reply to the customer (act->text); the first
 * one stops the first-response clock.  A new or assigned ticket becomes
 * in_progress. */
as_status as_ticket_reply(as_db *db, const char *tracking, const as_ticket_action *act,
                          unsigned flags);
/* as_ticket_note - an internal note (act->text), never shown to the customer. */
as_status as_ticket_note(as_db *db, const char *tracking, const as_ticket_action *act);
/* as_ticket_resolve - resolve (act->text, if any, is a public message).
 * Makes one satisfaction survey due; resolving an incident resolves its
 * open children with the same public message. */
as_status as_ticket_resolve(as_db *db, const char *tracking, const as_ticket_action *act);
/* as_ticket_close - close a resolved (or waiting) ticket. */
as_status as_ticket_close(as_db *db, const char *tracking, const as_ticket_action *act);
/*
 * as_ticket_reopen - a resolved ticket within the reopen window (section
 * tickets) goes back to in_progress, its resolution clock resumes and a
 * pending survey is void; otherwise (closed, or too late) a new ticket
 * linked to it is opened, whose number goes to new_tracking (may be NULL;
 * "" when reopened in place).
 */
as_status as_ticket_reopen(as_db *db, const char *tracking, const as_ticket_action *act,
                           char new_tracking[AS_TRACKING_BUFSIZE]);
/* as_ticket_merge - mark dup a duplicate of into (both open, of the same
 * customer; tracking dup then shows into's progress). */
as_status as_ticket_merge(as_db *db, const char *dup, const char *into,
                          const as_ticket_action *act);
/* as_ticket_link - make tracking a child of the incident (an open
 * incident ticket; an incident cannot be a child). */
as_status as_ticket_link(as_db *db, const char *tracking, const char *incident,
                         const as_ticket_action *act);
/* as_ticket_eta - promise the customer a time (eta 0 clears it). */
as_status as_ticket_eta(as_db *db, const char *tracking, int64_t eta,
                        const as_ticket_action *act);
/* as_ticket_autoclose - close every ticket resolved longer ago than the
 * configured autoclose_after, as of time at (0: now).  *closed (may be
 * NULL) receives the count.  Returns AS_OK; AS_BUSY; AS_READONLY. */
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
/* as_ticket_event_iter_new - the history of a ticket, oldest first.
 * Returns AS_OK; AS_INVALID; AS_NOTFOUND; AS_NOMEM. */
as_status as_ticket_event_iter_new(as_ticket_event_iter **out, as_db *db, const char *tracking);
/* as_ticket_event_next - AS_OK with a borrowed view, AS_DONE, or an error. */
as_status as_ticket_event_next(as_ticket_event_iter *it, const as_ticket_event **view);
void as_ticket_event_iter_free(as_ticket_event_iter *it);

typedef struct as_ticket_query {
    unsigned version;        /* AS_TICKET_QUERY_VERSION */
    const char *status;      /* NULL: any; also "open" (not resolved/closed/merged/cancelled) */
    const char *queue;
    const char *assignee;
    const char *severity;
    const char *user_id;
    int overdue;             /* 1: only tickets with a running clock past due at `at` */
    int64_t at;              /* for overdue; 0: now */
    int64_t limit;           /* 0: no limit */
} as_ticket_query;

#define AS_TICKET_QUERY_VERSION 1
#define AS_TICKET_QUERY_INIT { AS_TICKET_QUERY_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 }

typedef struct as_ticket_iter as_ticket_iter;
/* as_ticket_iter_new - list tickets, newest first (overdue: most overdue
 * first).  Returns AS_OK; AS_INVALID (unknown status or severity); AS_NOMEM. */
as_status as_ticket_iter_new(as_ticket_iter **out, as_db *db, const as_ticket_query *q);
as_status as_ticket_next(as_ticket_iter *it, const as_ticket **view);
void as_ticket_iter_free(as_ticket_iter *it);

/* ---- SLA sweep ------------------------------------------------------ */

/* One running clock at risk or in breach. */
typedef struct as_sla_item {
    const char *tracking;
    const char *user_id;
    const char *severity;
    const char *queue;
    const char *assignee;    /* NULL: unassigned */
    const char *clock;       /* "first_response" or "resolution" */
    const char *state;       /* "at_risk" or "breached" */
    int64_t due_at;
    int64_t minutes_left;    /* negative: overdue by that much */
    int escalated;           /* 1: this sweep recorded the escalation */
} as_sla_item;

/*
 * as_sla_check - the escalation sweep as of time at (0: now): records each
 * escalation (at risk, breached; per clock) once, however often it runs,
 * as a ticket_escalations row and an "escalation" event; then lists every
 * running clock at risk or in breach, most overdue first.  *recorded (may
 * be NULL) receives the number of escalations recorded now.  Free the
 * iterator with as_sla_iter_free().
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_NOMEM; AS_INTERNAL.
 */
typedef struct as_sla_iter as_sla_iter;
as_status as_sla_check(as_sla_iter **out, as_db *db, int64_t at, int64_t *recorded);
as_status as_sla_next(as_sla_iter *it, const as_sla_item **view);
void as_sla_iter_free(as_sla_iter *it);

/* ---- customer-side tracking ---------------------------------------- */

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
 * now (0: the clock) decides "今天"/"明天" in the ETA text.  Free *out with
 * as_track_free().  A wrong second factor is AS_NOTFOUND with exactly the
 * message of an unknown number.
 * Returns AS_OK; AS_INVALID ("invalid tracking number"); AS_NOTFOUND; AS_NOMEM.
 */
as_status as_ticket_track(as_track **out, as_db *db, const char *tracking,
                          const char *phone_last4, int64_t now);
void as_track_free(as_track *t);

/* ---- satisfaction surveys ------------------------------------------ */

typedef struct as_survey {
    const char *tracking;
    const char *user_id;
    const char *agent;       /* the assignee at resolution, or NULL */
    const char *queue;
    const char *status;      /* pending, answered, void */
    int64_t created_at;
    int64_t due_at;          /* send it before this */
    int score;               /* 0: not answered */
    const char *comment;
    int64_t answered_at;
    const char *followup;    /* tracking number of the follow-up ticket, or NULL */
} as_survey;

typedef struct as_survey_iter as_survey_iter;
/* as_survey_pending - pending surveys, earliest due first. */
as_status as_survey_pending(as_survey_iter **out, as_db *db);
as_status as_survey_next(as_survey_iter *it, const as_survey **view);
void as_survey_iter_free(as_survey_iter *it);

/*
 * as_survey_record - the answer to the pending survey of a ticket: score
 * 1-5, comment (may be NULL).  A score at or below tickets.low_score opens
 * a follow-up ticket, whose number goes to followup (may be NULL; "" when
 * none).  Returns AS_OK; AS_INVALID (score, tracking number); AS_NOTFOUND
 * (no such ticket, or no pending survey); AS_BUSY; AS_READONLY.
 */
as_status as_survey_record(as_db *db, const char *tracking, int score, const char *comment,
                           int64_t at, char followup[AS_TRACKING_BUFSIZE]);

/* ---- reports -------------------------------------------------------- */

/* One group of a report (see as_report_sla, as_report_csat). */
typedef struct as_report_row {
    char *group;             /* the level, queue or agent ("(none)" when unset) */
    int64_t count;           /* tickets (sla) or answered surveys (csat) */
    /* sla: first response and resolution */
    int64_t frt_count, frt_met;
    int64_t frt_median_min, frt_p90_min;   /* business minutes; -1: no data */
    int64_t res_count, res_met;
    int64_t res_median_min, res_p90_min;
    /* csat */
    int64_t score_sum;       /* mean = score_sum / count */
    int64_t satisfied;       /* scores 4 and 5 */
} as_report_row;

/*
 * as_report_sla - SLA attainment of tickets created in [from, to), grouped
 * by "level", "queue" or "agent".  *rows (an array of *n rows, free with
 * as_report_free()) are in group order.  A clock counts once stopped
 * (first reply, resolution).  Returns AS_OK; AS_INVALID (by); AS_NOMEM.
 */
as_status as_report_sla(as_report_row **rows, size_t *n, as_db *db, const char *by,
                        int64_t from, int64_t to);
/* as_report_csat - answered surveys in [from, to) by "agent" or "queue". */
as_status as_report_csat(as_report_row **rows, size_t *n, as_db *db, const char *by,
                         int64_t from, int64_t to);
void as_report_free(as_report_row *rows, size_t n);

/* ---- exchange ------------------------------------------------------- */

/*
 * as_ticket_export - write every ticket to out as JSON Lines, one object a
 * line in creation order: the ticket's fields (times as ISO 8601 in the
 * business zone, SLA clock state, references as tracking numbers) with its
 * full history (events), escalations and surveys as arrays.  *count (may
 * be NULL) receives the number written.
 * Returns AS_OK; AS_IO (writing failed); AS_NOMEM; AS_INTERNAL.
 */
as_status as_ticket_export(as_db *db, FILE *out, int64_t *count);

/*
 * as_ticket_import - read what as_ticket_export() wrote (JSON Lines only;
 * AS_IMPORT_JSONL is implied).  A ticket keeps its tracking number, its
 * original times and history; one whose number is already in the database
 * is left alone (unchanged), so importing twice changes nothing.  Users must
 * exist.  References to tickets later in the file are resolved at the end.
 * The contract of as_user_import() applies (all or nothing unless
 * AS_IMPORT_SKIP_BAD, dry run, rejects).
 */
as_status as_ticket_import(as_db *db, FILE *in, const char *name,
                           const as_import_options *opts, as_import_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* AFTERSALES_H */
