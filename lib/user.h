/* user.h - internal: user validation shared by the API calls and imports. */
#ifndef AS_USER_H
#define AS_USER_H

#include "internal.h"

/* A problem with one field: field name and reason. */
typedef void (*as__problem_fn)(void *ctx, const char *field, const char *reason);

/* Validated, normalised user fields (owned). */
typedef struct as__user_norm {
    unsigned fields;
    char *user_id;
    char *name;
    char phone[12];
    char region[7];
    int consent_service;
    int consent_marketing;
    int quiet_start;
    int quiet_end;
    int beta_tester;
} as__user_norm;

/* Check every field named in in->fields (and the id); report each problem
 * through fn.  Returns AS_OK, AS_INVALID (at least one problem), AS_NOMEM. */
as_status as__user_normalize(const as_user_input *in, as__user_norm *out, as__problem_fn fn,
                             void *ctx);
void as__user_norm_free(as__user_norm *n);

enum { AS__USER_ADD = 1, AS__USER_UPDATE = 2, AS__USER_UPSERT = 3 };
/* A bit of the mode: do not look for records that waited for a new user
 * (as__profile_user_added); the caller does it for all its new users at
 * once (as__user_link_new). */
enum { AS__USER_MODE = 0x3, AS__USER_DEFER_LINK = 0x10 };

/* Insert new users n[0, k) (k at most AS__USER_INSERT_MAX) with one plain
 * INSERT, as as__user_write would one by one (no link: see
 * AS__USER_DEFER_LINK): every inserted[j] 1 when it went through.  When it
 * fails on a constraint (an id already there, or a value a CHECK refuses)
 * SQLite undoes the whole statement: every inserted[j] is 0 and the caller
 * writes those rows one by one.  Returns AS_OK or a failure. */
enum { AS__USER_INSERT_MAX = 64 };
/* *full keeps the statement of a full group between calls (NULL at first;
 * the caller finalizes it). */
as_status as__user_insert_many(as_db *db, const as__user_norm *const *n, size_t k, int *inserted,
                               sqlite3_stmt **full);

/* The largest users.id so far (0 for none): users added after it, in the
 * same transaction, have larger ids. */
as_status as__user_max_id(as_db *db, int64_t *max_id);
/* as__profile_user_added for every user with an id above max_id that has
 * records waiting (one statement finds them). */
as_status as__user_link_new(as_db *db, int64_t max_id);

/* Write a normalised user (inside the caller's transaction).  Problems of
 * the data itself (an erased user, no name for a new one) go through fn
 * and give AS_INVALID.  insert_first: try the insert before looking the
 * id up (faster when the id is new; an import passes whether the previous
 * row was new). */
as_status as__user_write(as_db *db, const as__user_norm *n, int mode, int insert_first,
                         as_upsert *result, as__problem_fn fn, void *ctx);

#endif
