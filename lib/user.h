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

/* A new user's row in a multi-row INSERT (an as__group): the head,
 * the values' template (10 parameters a row: ?10 is both times) and
 * the binding of n as parameters base + 1 ... base + 10, as
 * as__user_write would insert it. */
enum { AS__USER_INSERT_VALUES = 11, AS__USER_INSERT_PARAMS = 10 };
extern const char as__user_insert_head[];
extern const int as__user_insert_tmpl[AS__USER_INSERT_VALUES];
void as__user_bind_new(sqlite3_stmt *st, int base, const as__user_norm *n, int64_t now);

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
