/* config.h - internal: the YAML configuration.
 *
 * A configuration file is one YAML mapping of sections (business, and the
 * sections later capabilities add: sla, calendars, routing, ...).  The file
 * is parsed into a tree of nodes that remember their line and column, then
 * each known section is checked and converted by its own parser.  A section
 * absent from the file comes from the built-in defaults (config/default.yaml,
 * embedded at build time).
 *
 * Safety: anchors and aliases are refused (no alias bombs), nesting is
 * limited to AS_YAML_MAX_DEPTH, the node count to AS_YAML_MAX_NODES, and
 * duplicate keys are errors.
 */
#ifndef AS_CONFIG_H
#define AS_CONFIG_H

#include "internal.h"

enum {
    AS_YAML_MAX_DEPTH = 64,
    AS_YAML_MAX_NODES = 200000,
    AS_CONFIG_MAX_BYTES = 16 * 1024 * 1024,
    AS_CONFIG_MAX_ERRORS = 50
};

typedef enum { AS_Y_SCALAR, AS_Y_MAP, AS_Y_SEQ } as__ykind;

typedef struct as__ynode as__ynode;
struct as__ynode {
    as__ykind kind;
    int line, col;           /* 1-based position in the file */
    char *value;             /* AS_Y_SCALAR: the text (NUL-terminated) */
    int plain;               /* AS_Y_SCALAR: unquoted (so "null"/"~" mean null) */
    size_t n;                /* AS_Y_MAP / AS_Y_SEQ: number of entries */
    as__ynode **items;       /* seq items, or map values */
    as__ynode **keys;        /* AS_Y_MAP: the key nodes (scalars) */
};

/* Parsing context: where errors go. */
typedef struct as__cfgctx {
    const char *file;
    as_buf errors;           /* "FILE:LINE:COL: message\n" ... */
    int nerrors;
} as__cfgctx;

/* Record an error at a node (NULL: at the file). */
void as__cfg_error(as__cfgctx *c, const as__ynode *at, const char *fmt, ...) AS_PRINTF(3, 4);

/* A key of a mapping, or NULL. */
const as__ynode *as__ymap_get(const as__ynode *map, const char *key);

/* Check that node is a mapping whose keys are all in allowed (NULL-
 * terminated), reporting the others.  Returns -1 when node is not a
 * mapping (nothing more can be read from it), else 0, so that the known
 * keys are still checked after an unknown one. */
int as__cfg_map_keys(as__cfgctx *c, const as__ynode *node, const char *what,
                     const char *const *allowed);

/* Read scalars, reporting errors at the node.  Return 0 on success, -1 on
 * an error (already reported). */
int as__cfg_str(as__cfgctx *c, const as__ynode *n, const char **out);
int as__cfg_int(as__cfgctx *c, const as__ynode *n, long long min, long long max, long long *out);
int as__cfg_real(as__cfgctx *c, const as__ynode *n, double min, double max, double *out);
int as__cfg_bool(as__cfgctx *c, const as__ynode *n, int *out);
/* A duration: "90s", "30m", "2h", "1d", "1h30m", or a bare number of
 * seconds.  Writes seconds. */
int as__cfg_duration(as__cfgctx *c, const as__ynode *n, int64_t *out);
/* A UTC offset "+08:00" or a zone name this library knows
 * ("Asia/Shanghai", "UTC").  Writes minutes east of UTC. */
int as__cfg_utc_offset(as__cfgctx *c, const as__ynode *n, int *out);

/* Parse YAML text into a tree.  On failure returns NULL and reports through c. */
as__ynode *as__yaml_parse(as__cfgctx *c, const char *text, size_t len);
void as__ynode_free(as__ynode *n);

/* ---- the sections --------------------------------------------------- */

typedef struct as__business_cfg {
    int utc_offset;          /* minutes east of UTC */
} as__business_cfg;

/* The outbox's settings (read by the reminders section's parser, whose
 * key reminders.outbox_max_attempts sets it; here so that the outbox does
 * not depend on the reminders module). */
typedef struct as__outbox_cfg {
    int64_t max_attempts;    /* pulls before a row is dead */
} as__outbox_cfg;

struct as__calendars;
struct as__feedback_cfg;
struct as__alerts_cfg;
struct as__topics_cfg;
struct as__sentiment_cfg;   /* sentiment.c */
struct as__ticket_cfg;
struct as__segments_cfg;   /* remind.h */
struct as__tiers_cfg;
struct as__reminders_cfg;
struct as__points_cfg;     /* points.h */
struct as__packages_cfg;   /* lib/package.h */
struct as__trips_cfg;      /* lib/trip.h */
struct as__community_cfg;  /* lib/community.h */

struct as_config {
    char *source;            /* the file name, or "(built-in defaults)" */
    as__business_cfg business;
    as__outbox_cfg outbox;
    struct as__calendars *calendars;  /* calendar.c: the calendars section */
    struct as__feedback_cfg *feedback;   /* lib/feedback.h */
    struct as__alerts_cfg *alerts;       /* lib/feedback.h */
    struct as__topics_cfg *topics;       /* lib/feedback.h */
    struct as__sentiment_cfg *sentiment;
    struct as__ticket_cfg *tickets; /* sections sla, routing, tickets (lib/ticket.h) */
    struct as__segments_cfg *segments;   /* sections segments, tiers, reminders */
    struct as__tiers_cfg *tiers;
    struct as__reminders_cfg *reminders;
    struct as__coupons_cfg *coupons;     /* lib/coupon.h */
    struct as__partners_cfg *partners;   /* lib/partner.h */
    struct as__points_cfg *points;       /* lib/points.h: the points section */
    struct as__packages_cfg *packages;   /* section packages (lib/package.h) */
    struct as__trips_cfg *trips;         /* section trips (lib/trip.h) */
    struct as__community_cfg *community; /* section community (lib/community.h) */
};

/* One section: its name, parser and destructor. */
typedef struct as__section {
    const char *name;
    /* Parse node into cfg; report problems through c. */
    void (*parse)(as__cfgctx *c, const as__ynode *node, as_config *cfg);
    void (*free)(as_config *cfg);
} as__section;

/* The built-in default configuration text (generated). */
extern const char as__default_config[];

/* The configuration a handle uses (its own, or the built-in defaults). */
const as_config *as__db_config(as_db *db);

#endif
