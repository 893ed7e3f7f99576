/* community.h - internal: the community section of the configuration
 * (community_config.c) and what other modules ask of the community
 * (community.c): the erasure of a person's posts and submissions
 * (user.c) and the adopted tips of the reminder rotation (remind.c). */
#ifndef AS_COMMUNITY_H
#define AS_COMMUNITY_H

#include "config.h"

/* The community section. */
typedef struct as__community_cfg {
    as_board *boards;             /* id and name: malloc'd strings */
    size_t nboards;
    char **banned;                /* NFKC, case-folded, folded to simplified */
    char **banned_as_written;     /* the same terms as the file writes them (NFC) */
    size_t nbanned;
    double flag_below;            /* a post whose sentiment is below is flagged */
    int64_t feature_points;       /* points for a featured post; 0: none */
    int64_t feature_days;         /* how long a feature pins a post */
    int64_t adopt_points;         /* points for an adopted submission; 0: none */
    /* the ambassador score's weights */
    int64_t w_posts, w_featured, w_positive, w_adopted;
} as__community_cfg;

void as__community_cfg_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__community_cfg_free(as_config *cfg);

/* The handle's community section (the built-in defaults when none). */
const as__community_cfg *as__community_cfg_of(as_db *db);

/* text as banned terms are matched: NFKC, case-folded, traditional
 * characters folded to simplified.  *out is malloc'd.  Returns AS_OK,
 * AS_INVALID (not valid UTF-8; reason in why) or AS_NOMEM. */
as_status as__community_fold(const char *text, char **out, char *why, size_t whysz);

/* Erase user_id's community texts inside the erasure's transaction:
 * titles, bodies and submission texts become AS_ERASED_TEXT, links NULL,
 * the posts are removed from view ("user erased").  *rows grows by the
 * rows changed. */
as_status as__community_forget(as_db *db, const char *user_id, int64_t now, uint64_t *rows);

/* The adopted tips of the reminder rotation at `at` (adopted at or before
 * it, text not erased): their number in *n. */
as_status as__community_tips_count(as_db *db, int64_t at, int64_t *n);

/* The k-th (0-based, in adoption order) of them: its text (malloc'd, into
 * *text) and its submission id.  AS_NOTFOUND when there is no k-th. */
as_status as__community_tip(as_db *db, int64_t at, int64_t k, char **text, int64_t *id);

#endif
