/* feedback.h - internal: feedback configuration (sections feedback, alerts,
 * topics), urgency rules, the escalation hook and demand matching. */
#ifndef AS_FEEDBACK_H
#define AS_FEEDBACK_H

#include "config.h"

enum { AS__FB_MAX_DIMS = 16 };

/* Urgency levels (stored as integers). */
enum { AS__URG_NONE = 0, AS__URG_LOW, AS__URG_MEDIUM, AS__URG_HIGH, AS__URG_CRITICAL };

typedef struct as__fb_dim {
    char *name;              /* a CSV column name: [a-z][a-z0-9_]* */
    double weight;           /* > 0 */
} as__fb_dim;

/* Section feedback. */
struct as__feedback_cfg {
    as__fb_dim dims[AS__FB_MAX_DIMS];
    size_t ndims;
    double prior_weight;     /* m of the Bayesian mean */
};

typedef struct as__alert_rule {
    char *name;
    char **keywords;         /* NFC text, matched as substrings */
    size_t nkeywords;
    int level;               /* AS__URG_* */
    char *reason;
    int max_overall;         /* 0: any; else only when overall <= this */
} as__alert_rule;

/* Section alerts. */
struct as__alerts_cfg {
    as__alert_rule *rules;
    size_t nrules;
    int ticket_level;        /* feedback at or above opens a ticket */
    double mismatch_below;   /* 5 stars with sentiment <= this is a mismatch */
    int mismatch_level;
    /* low_score: a low rating with strongly negative text, no keyword needed */
    double low_at_most;      /* the overall stars (else the weighted score) at or below; 0: off */
    double low_sentiment;    /* and the comment's sentiment at or below */
    int low_level;
};

typedef struct as__topic {
    char *name;
    char **keywords;
    size_t nkeywords;
} as__topic;

/* Section topics. */
struct as__topics_cfg {
    as__topic *topics;
    size_t ntopics;
    char **markers;          /* words that make any feedback a suggestion */
    size_t nmarkers;
    char **stoplist;         /* phrases never proposed as topics (substring) */
    size_t nstop;
    int min_users;           /* a mined phrase needs this many distinct users */
    int max_phrases;         /* at most this many mined phrases */
    int64_t beta_head_start; /* beta testers are invited this long before the others */
};

void as__feedback_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__feedback_cfg_free(as_config *cfg);
void as__alerts_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__alerts_cfg_free(as_config *cfg);
void as__topics_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__topics_cfg_free(as_config *cfg);

/* Level name <-> number ("none", "low", "medium", "high", "critical"). */
const char *as__urgency_name(int level);
int as__urgency_parse(const char *s);

/* The alert rules that fire on text (valid UTF-8, NFC), matched as the
 * feedback import matches a comment (folded to simplified characters; the
 * rules' max_overall, low_score and mismatch do not apply without a
 * rating): a JSON array of {"rule", "reason", "match"} into b (reset
 * first, NUL-terminated), in the order of alerts.rules.  Returns the
 * highest level (AS__URG_NONE when none fired), or -1 when out of memory.
 * The community's moderation scores posts with it. */
int as__alerts_assess_text(const struct as__alerts_cfg *ac, const char *text, as_buf *b);

/*
 * Open a ticket for urgent feedback (inside the caller's transaction), once
 * per feedback however often it is re-imported.  Every urgent feedback gets
 * a real ticket (channel from the feedback when it is a ticket channel,
 * else app; category "feedback"; critical -> major, high -> urgent; the
 * feedback's station_id, NULL when it has none) whose
 * tracking number becomes the ref: for the user; for a user id not (yet)
 * in the users table (customer 'unknown': linked when the user is added);
 * or for nobody (anonymous feedback).  feedback_escalations records it,
 * 'opened' for a known customer, 'pending' while the ticket has no
 * customer to reach; feedback_tickets links the two.  A re-import that
 * gives an anonymous row a user id gives the ticket that customer; an
 * escalation recorded before 0.2 without a ticket ("FB-" ref) gets one.
 * ref (size refsz) receives the ref; *opened (may be NULL) is 1 when a
 * ticket was opened now.
 */
as_status as__feedback_open_ticket(as_db *db, const char *feedback_id, const char *user_id,
                                   int level, const char *reasons_json, const char *channel,
                                   const char *station_id, const char *comment, char *ref,
                                   size_t refsz, int *opened);

#endif
