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
 * readings, fueling records without their plate) stay for aggregates; the
 * texts of the user's notifications are blanked and undelivered ones
 * marked dead.  Forgetting an
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
    /* Version 2 and later (a version 1 struct is still accepted): */
    const char *segment;     /* NULL, or only users of this segment (as of the last
                              * as_profile_refresh()) */
    const char *tier;        /* NULL, or only users of this member tier */
} as_user_query;

#define AS_USER_QUERY_VERSION 2
#define AS_USER_QUERY_INIT { AS_USER_QUERY_VERSION, NULL, NULL, 0, 0u, NULL, NULL }

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
/* Fueling records, services and derived profiles                      */
/* ------------------------------------------------------------------ */

/*
 * as_amount_parse - read a money amount in yuan written as decimal text
 * ("12", "12.3", "12.30", "0.05") into integer fen, digit by digit (never
 * through a floating-point number).  At most two decimals; no sign,
 * exponent, spaces or thousands separators; at most 100,000,000 yuan.
 * Returns AS_OK, AS_INVALID, or AS_MISUSE for NULL.
 */
as_status as_amount_parse(const char *text, int64_t *fen);

/*
 * as_litres_parse - read a volume in litres ("45", "45.5", "45.125") into
 * integer millilitres, the same way: at most three decimals, more than 0
 * and at most 10,000 litres.  Returns AS_OK, AS_INVALID, AS_MISUSE.
 */
as_status as_litres_parse(const char *text, int64_t *ml);

/*
 * as_fuel_import - add fueling records from CSV (header: tx_id, user_id,
 * station_id, filled_at, grade, litres, amount_yuan and optionally
 * odometer_km, plate, station_region) or JSON Lines with those keys.
 *
 * Records are keyed by tx_id: a known tx_id with the same values is
 * unchanged, with other values it is rejected (a payment does not change).
 * The user must exist.  A plate is normalised; an unknown plate is
 * registered to the user, a plate of another user is rejected.  With both
 * plate and odometer_km the reading is recorded for the vehicle (source
 * "fuel") and a reading lower than the vehicle's previous one rejects the
 * row with the reason, as as_odometer_add() does.  Options, counts,
 * all-or-nothing and the return values are those of as_user_import().
 */
as_status as_fuel_import(as_db *db, FILE *in, const char *name,
                         const as_import_options *opts, as_import_stats *stats);

/*
 * as_vehicle_service - record that the vehicle was serviced at time at
 * with km on the odometer.  The reading is recorded too (an equal reading
 * at that time is fine), and the maintenance reminder counts again from
 * this service.  Returns AS_OK; AS_NOTFOUND (plate); AS_INVALID (km out of
 * range, or lower than an earlier reading); AS_EXISTS (a service at that
 * time); AS_BUSY; AS_READONLY; AS_MISUSE.
 */
as_status as_vehicle_service(as_db *db, const char *plate, int64_t at, int64_t km);

/* A user's derived profile, as of the last as_profile_refresh().  The
 * strings belong to the struct. */
typedef struct as_profile {
    const char *user_id;
    int64_t fillups;
    int64_t first_at, last_at;    /* first and latest fill-up */
    int64_t median_interval_s;    /* median time between fill-ups; -1 with < 2 */
    int64_t litres_ml_per_fill;   /* mean, millilitres */
    const char *preferred_grade;  /* the most frequent grade */
    const char *top_stations;     /* JSON array of up to 3 station ids, most visits first */
    int64_t stations;             /* distinct stations */
    int64_t cities;               /* distinct station cities (from station_region) */
    double km_per_day;            /* -1: unknown */
    const char *km_source;        /* "odometer", "estimate" or NULL */
    int64_t spend_12m_fen;        /* spend in the 12 months before the refresh */
    int64_t points;
    const char *segment;          /* NULL: no segment matched */
    const char *tier;             /* NULL: below every tier */
    const char *tier_benefits;    /* the tier's benefits from the configuration,
                                   * "; "-separated, or NULL */
    int64_t last_service_at;      /* 0: none recorded */
    int64_t last_service_km;      /* -1: none */
    int64_t refreshed_at;
} as_profile;

/*
 * as_profile_refresh - recompute every user's profile from the fueling
 * records in set-based SQL, as of time at (the rolling 12-month spend
 * ends there), and decide segments and tiers from the configuration's
 * segments and tiers sections.  *users (may be NULL) receives the number
 * of profiles written.  One transaction.
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_INTERNAL.
 */
as_status as_profile_refresh(as_db *db, int64_t at, int64_t *users);

/*
 * as_profile_get - a user's profile.  Free *out with as_profile_free().
 * Returns AS_OK; AS_NOTFOUND (no such user, or no fueling record as of
 * the last refresh: the detail says which); AS_NOMEM; AS_MISUSE.
 */
as_status as_profile_get(as_profile **out, as_db *db, const char *user_id);

/* as_profile_free - NULL is a no-op. */
void as_profile_free(as_profile *profile);

/* ------------------------------------------------------------------ */
/* Reminders                                                            */
/* ------------------------------------------------------------------ */

/* The kinds of reminder, in priority order (weather first). */
typedef enum as_remind_kind {
    AS_REMIND_WEATHER = 0,    /* safety */
    AS_REMIND_MAINTENANCE,    /* service */
    AS_REMIND_REFUEL_COUPON,  /* marketing */
    AS_REMIND_WINBACK,        /* marketing */
    AS_REMIND_TIP,            /* marketing */
    AS_REMIND_NKINDS
} as_remind_kind;

/* as_remind_kind_name - "weather", "maintenance", "refuel_coupon",
 * "winback", "tip"; NULL when out of range. */
const char *as_remind_kind_name(int kind);

/* Called for each notification the per-user cap held back. */
typedef void (*as_held_fn)(void *userdata, const char *user_id, const char *kind,
                           const char *dedupe_key);

#define AS_REMIND_DRY_RUN 0x1u   /* evaluate and count, write nothing */

typedef struct as_remind_options {
    unsigned version;        /* AS_REMIND_OPTIONS_VERSION */
    unsigned flags;          /* AS_REMIND_* */
    int64_t at;              /* the run's time; 0: now */
    as_held_fn on_held;      /* may be NULL */
    void *userdata;
} as_remind_options;

#define AS_REMIND_OPTIONS_VERSION 1
#define AS_REMIND_OPTIONS_INIT { AS_REMIND_OPTIONS_VERSION, 0u, 0, NULL, NULL }

typedef struct as_remind_stats {
    uint64_t written[AS_REMIND_NKINDS];     /* new outbox rows */
    uint64_t deferred[AS_REMIND_NKINDS];    /* of those, pushed to the end of quiet hours */
    uint64_t duplicates[AS_REMIND_NKINDS];  /* due, but already in the outbox */
    uint64_t held_back[AS_REMIND_NKINDS];   /* due, but over the per-user cap */
} as_remind_stats;

/*
 * as_remind_run - evaluate every enabled rule of the reminders section for
 * every user (set-based SQL) at time opts->at and write the notifications
 * to the outbox.  The profiles of the last as_profile_refresh() are used.
 *
 * Idempotent: each notification has a dedupe key (per service cycle, per
 * fill-up cycle, per tip period, per alert), so a second run at the same
 * or a later time writes nothing already written.  Marketing kinds need
 * the user's marketing consent, the others service consent; erased users
 * get nothing.  A notification due in the user's quiet hours gets
 * not_before at their end (also across midnight).  The per-user cap
 * (reminders.cap) counts the outbox rows created in the window before at
 * and keeps the highest-priority new ones; the others are counted in
 * held_back and passed to on_held.  Weather (safety) notifications are
 * never held back, though they count against the cap.  With AS_REMIND_DRY_RUN everything is
 * counted and rolled back.  One transaction.
 *
 * Returns AS_OK; AS_BUSY; AS_READONLY; AS_MISUSE; AS_INTERNAL.
 */
as_status as_remind_run(as_db *db, const as_remind_options *opts, as_remind_stats *stats);

/*
 * as_remind_weather - record a weather alert of kind (rainstorm, typhoon,
 * ...: 1-32 letters, digits or _) for region (a province code such as
 * 530000 covers the province, a city code its city) valid from..to with
 * the message text, and notify the users whose home region matches at
 * time opts->at, as as_remind_run() does for the weather rule.  Recording
 * the same alert again (region, kind, from) notifies nobody twice.
 * Returns AS_OK; AS_INVALID (bad region, kind, window or message);
 * AS_BUSY; AS_READONLY; AS_MISUSE; AS_INTERNAL.
 */
as_status as_remind_weather(as_db *db, const char *region, const char *kind, int64_t from,
                            int64_t to, const char *message, const as_remind_options *opts,
                            as_remind_stats *stats);

/* ------------------------------------------------------------------ */
/* Outbox (for the integrator that delivers notifications)             */
/* ------------------------------------------------------------------ */

/* A notification.  Strings are borrowed from the iterator. */
typedef struct as_outbox_item {
    int64_t id;
    const char *user_id;
    const char *kind;
    const char *dedupe_key;
    int priority;            /* 0 safety, 1 service, 2 marketing */
    const char *title;
    const char *body;
    const char *payload;     /* JSON object or NULL */
    int64_t created_at;
    int64_t not_before;      /* deliver at or after */
    const char *status;      /* "pending", "leased", "sent", "dead" (an expired
                              * lease reads as "pending") */
    int64_t lease_until;     /* 0: none */
    int attempts;            /* times pulled */
    const char *last_error;  /* from as_outbox_fail(), or NULL */
    int64_t sent_at;         /* 0: not sent */
} as_outbox_item;

typedef struct as_outbox_iter as_outbox_iter;

/*
 * as_outbox_pull - lease up to limit notifications that are due at now
 * (pending with not_before <= now, or leased with an expired lease),
 * highest priority first, for lease_s seconds: at-least-once delivery,
 * a row that is neither acknowledged nor failed before its lease ends is
 * pulled again.  *out iterates the leased rows (read with
 * as_outbox_next(), free with as_outbox_iter_free()).
 * Returns AS_OK; AS_MISUSE (limit or lease_s < 1); AS_BUSY; AS_READONLY;
 * AS_NOMEM; AS_INTERNAL.
 */
as_status as_outbox_pull(as_outbox_iter **out, as_db *db, int64_t now, int64_t limit,
                         int64_t lease_s);

/*
 * as_outbox_ack - mark a leased notification as sent.  Acknowledging a
 * sent one again is AS_OK.
 * Returns AS_OK; AS_NOTFOUND (no such id); AS_INVALID (pending or dead:
 * not leased); AS_BUSY; AS_READONLY.
 */
as_status as_outbox_ack(as_db *db, int64_t id, int64_t now);

/*
 * as_outbox_fail - delivery failed: the notification is pending again from
 * now + retry_in_s, with error (may be NULL) kept as last_error.  After
 * max_attempts pulls (reminders.outbox_max_attempts) it becomes "dead".
 * Returns AS_OK; AS_NOTFOUND; AS_INVALID (not leased); AS_MISUSE
 * (retry_in_s < 0); AS_BUSY; AS_READONLY.
 */
as_status as_outbox_fail(as_db *db, int64_t id, int64_t now, int64_t retry_in_s,
                         const char *error);

typedef struct as_outbox_query {
    unsigned version;        /* AS_OUTBOX_QUERY_VERSION */
    const char *status;      /* NULL, or "pending", "leased", "sent", "dead" */
    const char *user_id;     /* NULL, or one user's */
    int64_t now;             /* for expired leases; 0: now */
    int64_t limit;           /* 0: no limit */
} as_outbox_query;

#define AS_OUTBOX_QUERY_VERSION 1
#define AS_OUTBOX_QUERY_INIT { AS_OUTBOX_QUERY_VERSION, NULL, NULL, 0, 0 }

/*
 * as_outbox_iter_new - list notifications in id order (for operators).
 * Returns AS_OK; AS_INVALID (unknown status); AS_NOMEM; AS_MISUSE.
 */
as_status as_outbox_iter_new(as_outbox_iter **out, as_db *db, const as_outbox_query *query);

/* as_outbox_next - AS_OK with a borrowed view, AS_DONE, or an error. */
as_status as_outbox_next(as_outbox_iter *it, const as_outbox_item **view);

/* as_outbox_iter_free - NULL is a no-op. */
void as_outbox_iter_free(as_outbox_iter *it);

#ifdef __cplusplus
}
#endif

#endif /* AFTERSALES_H */
