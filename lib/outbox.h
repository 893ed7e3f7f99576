/* outbox.h - internal: writing notifications to the outbox.
 *
 * Every capability that reaches out to a customer (reminder rules, shipped
 * demands, survey invitations) writes an as__outbox_msg here.  The
 * integrator drains the outbox through the public as_outbox_* API
 * (pull with a lease, ack, fail with a retry).  Idempotency comes from
 * dedupe_key: a message whose key is already in the outbox is not written
 * again, so a run repeated at the same or a later time sends nothing twice.
 */
#ifndef AS_OUTBOX_H
#define AS_OUTBOX_H

#include "internal.h"

/* Priorities, highest first: the frequency cap keeps the highest. */
enum {
    AS__PRIO_SAFETY = 0,     /* weather, safety */
    AS__PRIO_SERVICE = 1,    /* maintenance, survey, demand shipped */
    AS__PRIO_MARKETING = 2   /* coupons, tips, win-back */
};

typedef struct as__outbox_msg {
    const char *user_id;     /* the customer */
    const char *kind;        /* "maintenance", "refuel_coupon", "weather", "tip",
                              * "survey", "winback", "demand_shipped", ... */
    const char *dedupe_key;  /* unique per message ever: e.g. "maint:云A12345:50000" */
    int priority;            /* AS__PRIO_* */
    const char *title;       /* short text */
    const char *body;        /* the filled-in template */
    const char *payload;     /* NULL or a JSON object with the figures used */
    int64_t not_before;      /* deliver at or after (quiet hours push it) */
    int64_t created_at;      /* the run's time (tests pass a fixed one) */
} as__outbox_msg;

/* Write a message (inside the caller's transaction).  *inserted (may be
 * NULL) is 1 when written, 0 when its dedupe_key was already there.
 * Delivery rules are applied here for every writer: not_before is moved to
 * the end of the user's quiet hours when it falls in them (as remind run
 * does), and the message expires AS__OUTBOX_EXPIRE_S after not_before.
 * Consent, quiet hours (again: they may change) and expiry are checked
 * once more when the message is pulled.
 * Returns AS_OK or a failure (AS_INVALID for a missing field). */
as_status as__outbox_enqueue(as_db *db, const as__outbox_msg *m, int *inserted);

/* The same with the message's own end: it expires at expires_at (0: the
 * default, AS__OUTBOX_EXPIRE_S after not_before), such as an event
 * reminder at the event's start.  *deferred (may be NULL) is 1 when quiet
 * hours moved not_before. */
as_status as__outbox_enqueue_until(as_db *db, const as__outbox_msg *m, int64_t expires_at,
                                   int *inserted, int *deferred);

/* How long a message written through as__outbox_enqueue (demand shipped,
 * ...) stays deliverable: 30 days.  The reminder kinds have their own
 * ends (remind.c). */
#define AS__OUTBOX_EXPIRE_S (30 * 86400)

/* The first instant at or after t outside the quiet hours qs..qe (minutes
 * after midnight in the business zone, off_min minutes east of UTC; the
 * window may cross midnight; qs < 0: no quiet hours). */
int64_t as__quiet_next(int64_t t, int off_min, int qs, int qe);

/* Register the SQL function as__quiet_next(t, quiet_start, quiet_end)
 * (NULLs: no quiet hours) on the handle, in its business zone. */
as_status as__outbox_functions(as_db *db);

/* How many messages were created for user_id in [from, to) (for the
 * per-user frequency cap). */
as_status as__outbox_count_since(as_db *db, const char *user_id, int64_t from, int64_t to,
                                 int64_t *count);

#endif
