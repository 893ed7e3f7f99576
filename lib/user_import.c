/* user_import.c - bulk upsert of users, through the shared import driver. */
#include "import.h"
#include "user.h"
#include "ticket.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { COL_USER_ID, COL_NAME, COL_PHONE, COL_REGION, COL_CONSENT_MARKETING,
       COL_CONSENT_SERVICE, COL_QUIET_HOURS, COL_BETA_TESTER, NCOLS };

static const char *const columns[NCOLS + 1] = {
    "user_id", "name", "phone", "region", "consent_marketing", "consent_service",
    "quiet_hours", "beta_tester", NULL,
};

static void problem(void *ctx, const char *field, const char *reason)
{
    as__import_problem(ctx, field, reason);
}

static void prep_problem(void *ctx, const char *field, const char *reason)
{
    as__prep_problem(ctx, field, reason);
}

/* Cells to an input struct; problems of the cells themselves reported. */
static void cells_to_input(as__prep *im, const char *const *cell, as_user_input *in)
{
    char msg[160];
    in->user_id = cell[COL_USER_ID];
    static const struct { int col; unsigned bit; } text[] = {
        {COL_NAME, AS_USER_NAME}, {COL_PHONE, AS_USER_PHONE}, {COL_REGION, AS_USER_REGION},
    };
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        if (cell[text[i].col] && cell[text[i].col][0])
            in->fields |= text[i].bit;
    in->name = cell[COL_NAME];
    in->phone = cell[COL_PHONE];
    in->region = cell[COL_REGION];

    static const struct { int col; unsigned bit; } bools[] = {
        {COL_CONSENT_MARKETING, AS_USER_CONSENT_MARKETING},
        {COL_CONSENT_SERVICE, AS_USER_CONSENT_SERVICE},
        {COL_BETA_TESTER, AS_USER_BETA_TESTER},
    };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        const char *c = cell[bools[i].col];
        if (!c || !c[0])
            continue;
        int v = as__parse_bool(c);
        if (v < 0) {
            snprintf(msg, sizeof msg, "'%.40s' is not yes or no", c);
            as__prep_problem(im, columns[bools[i].col], msg);
            continue;
        }
        in->fields |= bools[i].bit;
        if (bools[i].col == COL_CONSENT_MARKETING)
            in->consent_marketing = v;
        else if (bools[i].col == COL_CONSENT_SERVICE)
            in->consent_service = v;
        else
            in->beta_tester = v;
    }
    const char *q = cell[COL_QUIET_HOURS];
    if (q && q[0]) {
        if (strcasecmp(q, "none") == 0) {
            in->fields |= AS_USER_QUIET_HOURS;
            in->quiet_start = in->quiet_end = -1;
        } else if (as_quiet_hours_parse(q, &in->quiet_start, &in->quiet_end) == AS_OK) {
            in->fields |= AS_USER_QUIET_HOURS;
        } else {
            snprintf(msg, sizeof msg, "'%.40s' is not a window such as 22:00-08:00", q);
            as__prep_problem(im, "quiet_hours", msg);
        }
    }
}

/* The pure stage: the cells checked and normalised. */
typedef struct user_state {
    as__user_norm n;
    int staged;                  /* offered to a multi-row insert ... */
    int inserted;                /* ... which added it */
} user_state;

static as_status user_prepare(as__prep *p, const char *const *cells, const char *extra,
                              void *state, const void *ctx)
{
    (void)extra;
    (void)ctx;
    user_state *us = state;
    as_user_input in = AS_USER_INPUT_INIT;
    cells_to_input(p, cells, &in);
    as_status st = as__user_normalize(&in, &us->n, prep_problem, p);
    return st == AS_NOMEM ? AS_NOMEM : AS_OK;
}

/* The store stage's: the largest users.id before the first row (read
 * inside the import's transaction). */
typedef struct user_import_ctx {
    int64_t max_id;
    int have_max;
    int64_t now;                 /* created_at of the users inserted in groups */
    as__group group;
} user_import_ctx;

static as_status start(as__import *im, user_import_ctx *uc)
{
    if (uc->have_max)
        return AS_OK;
    as_status st = as__user_max_id(as__import_db(im), &uc->max_id);
    uc->have_max = st == AS_OK;
    uc->now = as__now();
    return st;
}

static void bind_user(sqlite3_stmt *st, int base, const void *row, void *ctx)
{
    const user_import_ctx *uc = ctx;
    as__user_bind_new(st, base, &((const user_state *)row)->n, uc->now);
}

/* A new user with a name may be inserted with others. */
static as_status user_stage(as__import *im, void *state, void *ctx)
{
    user_import_ctx *uc = ctx;
    user_state *us = state;
    as_status st = start(im, uc);
    if (st != AS_OK || !(us->n.fields & AS_USER_NAME) || !as__group_allow(&uc->group))
        return st;
    us->staged = 1;
    return as__group_add(as__import_db(im), &uc->group, us, &us->inserted, ctx);
}

static as_status user_store(as__import *im, void *state, as_upsert *result, void *ctx)
{
    user_import_ctx *uc = ctx;
    user_state *us = state;
    as_status st = start(im, uc);
    if (st != AS_OK || as__import_row_problems(im))
        return st;
    if (us->inserted) {
        *result = AS_UPSERT_INSERTED;
        return AS_OK;
    }
    /* Staged and not inserted: the id is there (or the group failed on a
     * constraint): look it up first. */
    return as__user_write(as__import_db(im), &us->n, AS__USER_UPSERT | AS__USER_DEFER_LINK,
                          us->staged ? 0 : as__import_last_inserted(im), result, problem, im);
}

/* After the last row: link what waited for the users added. */
static as_status link_new(as__import *im, void *ctx)
{
    const user_import_ctx *uc = ctx;
    if (!uc->have_max)
        return AS_OK;   /* no row reached the store stage */
    return as__user_link_new(as__import_db(im), uc->max_id);
}

static void user_release(void *state)
{
    as__user_norm_free(&((user_state *)state)->n);
}

as_status as_user_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                         as_import_stats *stats)
{
    as__import_spec spec = {
        .columns = columns,
        .nrequired = 4,
        .state_size = sizeof(user_state),
        .prepare = user_prepare,
        .store = user_store,
        .release = user_release,
        .stage = user_stage,
    };
    /* The fueling records that waited for the new users are linked after
     * the last row, by one statement that finds them (a probe per row was
     * an eighth of the import); then the tickets opened for these ids
     * before they were users. */
    user_import_ctx uc;
    memset(&uc, 0, sizeof uc);
    uc.group = (as__group){.head = as__user_insert_head, .tmpl = as__user_insert_tmpl,
                           .nvals = AS__USER_INSERT_VALUES, .nparams = AS__USER_INSERT_PARAMS,
                           .bind = bind_user, .what = "adding users"};
    spec.ctx = &uc;
    spec.group = &uc.group;
    as_status st = as__import_run_ex(db, in, name, opts, &spec, link_new, stats);
    as__group_free(&uc.group);
    return as__ticket_link_customers(db, st);
}
