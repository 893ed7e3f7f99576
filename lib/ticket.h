/* ticket.h - internal: tickets, their configuration (sections routing, sla
 * and tickets), and what the ticket files share:
 *   ticket.c         the lifecycle: status table, a row in memory, open, changes
 *   ticket_track.c   tracking numbers
 *   ticket_sla.c     SLA clocks in business time, the escalation sweep
 *   ticket_survey.c  satisfaction surveys
 *   ticket_config.c  the configuration sections
 *   ticket_read.c    reads and reports; ticket_export.c export and import;
 *   report_tickets.c report times and report tickets (issue 17);
 *   ticket_kb.c      resolving with a knowledge-base article */
#ifndef AS_TICKET_H
#define AS_TICKET_H

#include "calendar.h"
#include "config.h"

enum { AS__NLEVELS = 4 };   /* normal, urgent, major, systemic */

typedef struct as__sla_level {
    int64_t first_response;  /* business seconds */
    int64_t resolution;
    char *calendar;          /* NULL: 24/7 */
} as__sla_level;

typedef struct as__strlist {
    char **v;
    size_t n;
} as__strlist;

typedef struct as__route_rule {
    char *name;
    as__strlist category, channel, keywords /* NFKC + case folded */, tier;
    char *queue;             /* NULL: leave as is */
    int severity;            /* -1: leave as is */
    char *assignee;
} as__route_rule;

typedef struct as__ticket_cfg {
    int have_sla, have_routing, have_tickets;
    /* sla */
    int at_risk_pct;         /* a clock is at risk after this % of its target */
    as__sla_level levels[AS__NLEVELS];
    /* routing */
    char *default_queue;
    int default_severity;
    as__route_rule *rules;
    size_t nrules;
    as__strlist queues;      /* routing.queues: queues no rule names */
    /* tickets */
    int64_t reopen_window;
    int64_t autoclose_after;
    int64_t survey_within;
    int low_score;
    int64_t survey_expires_after;   /* a pending survey expires this long after resolution */
    char *followup_queue;    /* NULL: the ticket's queue */
    char *followup_assignee; /* NULL: unassigned */
    int track_limit;         /* failed tracking attempts per number per window */
    int64_t track_window;
} as__ticket_cfg;

void as__sla_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__routing_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__tickets_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__ticket_cfg_free(as_config *cfg);

/* Is q a queue the configuration knows: routing.default_queue, a routing
 * rule's queue, routing.queues or tickets.followup_queue? */
int as__ticket_queue_known(const as__ticket_cfg *c, const char *q);
/* The known queues, ", "-separated, for messages (malloc'd; NULL: no memory). */
char *as__ticket_queue_list(const as__ticket_cfg *c);

/* The severity names, index = level. */
extern const char *const as__severity_names[AS__NLEVELS];
int as__severity_index(const char *name);   /* -1 when unknown */

/* ---- shared by the ticket files --------------------------------------- */

/* "No value" in a ticket row's times and clocks (SQL NULL). */
#define AS__TICKET_NIL INT64_MIN

static inline const as__ticket_cfg *as__ticket_cfg_of(as_db *db)
{
    const as_config *c = as__db_config(db);
    return c ? c->tickets : NULL;
}

/* Tracking numbers (ticket_track.c). */
enum { AS__TRACKING_KEY_BYTES = 32 };
/* SipHash-2-4 of m[0, len) under a 128-bit key. */
uint64_t as__siphash24(const unsigned char key[16], const unsigned char *m, size_t len);
/* The number of sequence number seq under key: a keyed permutation of
 * 1..10^8-1 onto 8 digits, then the check digit.  Returns -1 when seq is
 * out of range. */
int as__tracking_permute(const unsigned char key[AS__TRACKING_KEY_BYTES], int64_t seq,
                         char out[AS_TRACKING_BUFSIZE]);
/* The database's key (table tracking_key). */
as_status as__tracking_key(as_db *db, unsigned char key[AS__TRACKING_KEY_BYTES]);
/* The second factor of customer tracking, inside the caller's write
 * transaction: *passed is 1 when the ticket numbered num (checked, 9
 * digits) exists, its customer's phone ends in last4, and fewer than
 * tickets.track_attempts failures of num were recorded within
 * tickets.track_window before now.  Otherwise the failure is recorded
 * ('wrong', or 'locked' at the limit).  Unknown numbers go through the
 * same statements as known ones. */
as_status as__track_gate(as_db *db, const char *num, const char *last4, int64_t now,
                         int *passed);
/* Record "invalid tracking number" for text; returns AS_INVALID. */
as_status as__bad_tracking(as_db *db, const char *text);

/* Who a ticket's customer is (tickets.customer). */
enum { AS__CUSTOMER_KNOWN = 0, AS__CUSTOMER_UNKNOWN, AS__CUSTOMER_ANONYMOUS };
extern const char *const as__customer_names[3];   /* "known", "unknown", "anonymous" */

/* A ticket row in memory (ticket.c). */
typedef struct as__trow {
    int64_t id;
    char tracking[AS_TRACKING_BUFSIZE];
    char *user_id, *queue, *assignee, *calendar, *category, *subject;   /* user_id "": anonymous */
    int status, severity, is_incident;
    int customer;            /* AS__CUSTOMER_* */
    int64_t incident_id, merged_into, related_id;
    int64_t created_at, first_response_at, resolved_at, closed_at, eta;
    int64_t resolutions;
    /* the two clocks: 0 first response, 1 resolution */
    int64_t target[2], due[2], warn[2], left[2], met[2], used[2];
    int64_t sla_watch;
} as__trow;

void as__trow_free(as__trow *r);
/* Load by a tracking number as typed (checked first), or by id. */
as_status as__ticket_load(as_db *db, const char *text, as__trow *r);
as_status as__ticket_load_id(as_db *db, int64_t id, as__trow *r);
/* Write r's changing columns back, updated_at = now. */
as_status as__ticket_save(as_db *db, as__trow *r, int64_t now);
/* The time and kind of ticket_id's latest event (*at NIL when it has
 * none; kind may be NULL). */
as_status as__ticket_last_event(as_db *db, int64_t ticket_id, int64_t *at, char *kind,
                                size_t kindsz);
/* Record an event of r (from/to: statuses, -1 for none).  An event dated
 * before the ticket was opened or before its previous event is AS_INVALID,
 * the message naming both times. */
as_status as__ticket_event(as_db *db, const as__trow *r, int64_t at, const char *actor,
                           const char *kind, int from, int to, int public, const char *text);
/* Begin a change: check *act (NULL: defaults), open the transaction, load
 * the ticket into r and the time into t.  End it with as__ticket_change_end,
 * which frees r and commits when s is AS_OK. */
as_status as__ticket_change_begin(as_db *db, const char *tracking, const as_ticket_action **act,
                                  as__trow *r, int64_t *t);
as_status as__ticket_change_end(as_db *db, as__trow *r, as_status s);
/* Validate and NFC an optional (or required) text of at most 10000
 * characters into *out (NULL when absent). */
as_status as__ticket_check_text(as_db *db, const char *field, const char *text, int required,
                                char **out);
/* Open a ticket that follows r (reopen too late, low survey score); its
 * number goes to out.  queue NULL: r's queue; assignee may be NULL
 * (unassigned). */
as_status as__ticket_open_linked(as_db *db, as__trow *r, const char *by, int64_t t,
                                 const char *prefix, const char *text, const char *queue,
                                 const char *assignee, char out[AS_TRACKING_BUFSIZE]);
/* Open a ticket inside the caller's transaction for a customer who may
 * not be a user yet: customer AS__CUSTOMER_UNKNOWN takes in->user_id
 * whether or not it names a user (the ticket is 'known' when it does,
 * else 'unknown' until as__ticket_link_customer()); AS__CUSTOMER_ANONYMOUS
 * takes no user (in->user_id NULL).  Otherwise as as_ticket_open(). */
as_status as__ticket_open_for(as_db *db, const as_ticket_input *in, int customer,
                              char tracking[AS_TRACKING_BUFSIZE]);
/* Link the tickets opened for a user id while it named nobody, now that
 * the user exists ('unknown' -> 'known', with a "customer" event each,
 * their escalations no longer pending), when s is AS_OK (a write of users
 * just succeeded); returns s otherwise.  One pass over the (few) unknown
 * tickets, in its own transaction or the caller's: users.c calls it once
 * per as_user_add/upsert and once per as_user_import, not per row. */
as_status as__ticket_link_customers(as_db *db, as_status s);
/* Give the anonymous ticket numbered tracking the customer user_id (known
 * or unknown), with an event; a ticket that has a customer is left alone. */
as_status as__ticket_set_customer(as_db *db, const char *tracking, const char *user_id,
                                  int64_t at);

/* SLA clocks (ticket_sla.c).  k: 0 first response, 1 resolution. */
/* The calendar called name (NULL name: 24/7, *out NULL); AS_CONFIG when unknown. */
as_status as__ticket_calendar_of(as_db *db, const char *name, const as__calendar **out);
/* Run clock k from t with left business seconds to go. */
void as__ticket_clock_run(as_db *db, const as__calendar *cal, as__trow *r, int k, int64_t t,
                          int64_t left);
/* Stop clock k; record met/used when it was running or paused and record is set. */
void as__ticket_clock_stop(const as__calendar *cal, as__trow *r, int k, int64_t t, int record);
/* Derive sla_watch (the earliest at-risk instant) from the running clocks. */
void as__ticket_sla_derive(as__trow *r);
/* Apply the clock effects of entering status `to` at t, and set r->status. */
as_status as__ticket_enter_status(as_db *db, as__trow *r, int to, int64_t t);

/* Surveys (ticket_survey.c). */
/* Make the survey of r's latest resolution due (once per resolution),
 * crediting the agent who resolved it (by; NULL: "system"). */
as_status as__ticket_survey_due(as_db *db, const as__trow *r, const char *by, int64_t t);
/* Void the ticket's pending surveys (it reopened). */
as_status as__ticket_void_surveys(as_db *db, int64_t ticket_id);

/* Recompute sla_watch of ticket id from its clocks (after an
 * import wrote them directly). */
as_status as__ticket_rederive(as_db *db, int64_t id);

/* ---- reports (ticket_read.c; report_tickets.c uses them too) ---------- */

/* The tickets the SLA report counts: created in [?1, ?2), neither merged
 * nor cancelled, of station ?3 (NULL: every station). */
#define AS__SLA_TICKETS_WHERE                                                                   \
    "created_at >= ?1 AND created_at < ?2 AND status NOT IN ('merged', 'cancelled')"          \
    " AND (?3 IS NULL OR station_id = ?3)"
#define AS__WEEK_SECONDS 604800
/* The longest period a weekly listing takes (about 190 years). */
#define AS__REPORT_MAX_WEEKS 10000
/* Business seconds used as whole minutes, rounded half up (negative: 0). */
int64_t as__ticket_minutes(int64_t seconds);
/* Nearest-rank percentile (p in 1..100) of n business seconds, in whole
 * minutes (as as__ticket_minutes); -1 when n is 0.  Sorts seconds. */
int64_t as__ticket_rank_minutes(int64_t *seconds, size_t n, int p);

#endif
