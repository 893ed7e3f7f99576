/* feedback_import.c - feedback import: checking rows, assessment (weighted
 * score, sentiment, urgency, suggestion), escalation to tickets, and the
 * upsert with history.  Reading, history and stats are in feedback_read.c,
 * the configuration sections in feedback_config.c. */
#include "batch.h"
#include "feedback.h"
#include "import.h"
#include "sentiment.h"
#include "t2s.h"
#include "ticket.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_ID, COL_SUBMITTED, COL_USER, COL_STATION, COL_CHANNEL, COL_KIND, COL_OVERALL,
       COL_COMMENT, COL_DIM0 };

enum { MAX_COMMENT_CHARS = 5000, MAX_CHANNEL_CHARS = 32 };

static const char *const fixed_cols[COL_DIM0] = {
    "feedback_id", "submitted_at", "user_id", "station_id", "channel", "kind", "overall",
    "comment",
};

/* ---- assessment: score, urgency, suggestion ------------------------- */

/* The weighted score of the given stars: -1 when there are none. */
static double weighted_score(const struct as__feedback_cfg *fc, const int *dims, int overall)
{
    double sum = 0, w = 0;
    for (size_t i = 0; i < fc->ndims; i++)
        if (dims[i]) {
            sum += fc->dims[i].weight * dims[i];
            w += fc->dims[i].weight;
        }
    if (w > 0)
        return sum / w;
    return overall ? overall : -1;
}

/* The reasons in words for a ticket's body, as the JSON's reasons and
 * matches: 资金损失（多扣钱）；低分且文字强烈负面 */
static void reason_words(as_buf *w, const char *reason, const char *match)
{
    if (w->len)
        as__buf_adds(w, "；");
    as__buf_adds(w, reason);
    if (match) {
        as__buf_adds(w, "（");
        as__buf_adds(w, match);
        as__buf_adds(w, "）");
    }
}

static void reason_json(as_buf *b, const char *rule, const char *reason, const char *match)
{
    as__buf_adds(b, b->len > 1 ? ",{\"rule\":" : "{\"rule\":");
    as__json_quote(b, rule);
    as__buf_adds(b, ",\"reason\":");
    as__json_quote(b, reason);
    as__buf_adds(b, ",\"match\":");
    if (match)
        as__json_quote(b, match);
    else
        as__buf_adds(b, "null");
    as__buf_addc(b, '}');
}

/*
 * One pass over a comment finds every alert keyword and suggestion marker:
 * keywords are hashed by their first character, and each character of the
 * text looks up the keywords that start with it.
 */
enum { KW_SLOTS = 1024, KW_MARKER = -1 };

typedef struct kw {
    const char *s;
    size_t len;
    int rule;                /* index into the alert rules, or KW_MARKER */
    uint32_t next;           /* next keyword in the slot, + 1 (0: none) */
} kw;

typedef struct kwmatch {
    kw *kws;
    size_t n;
    uint32_t slot[KW_SLOTS]; /* first keyword of the slot, + 1 */
} kwmatch;

static size_t char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static unsigned slot_of(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h % KW_SLOTS;
}

static int kw_add(kwmatch *m, const char *s, int rule)
{
    size_t len = strlen(s);
    if (!len)
        return 0;
    kw *k = realloc(m->kws, (m->n + 1) * sizeof *k);
    if (!k)
        return -1;
    m->kws = k;
    size_t cl = char_len((unsigned char)s[0]);
    unsigned sl = slot_of((const unsigned char *)s, cl <= len ? cl : len);
    /* Append at the end of the slot's chain so keyword order is kept. */
    k[m->n] = (kw){s, len, rule, 0};
    uint32_t *at = &m->slot[sl];
    while (*at)
        at = &k[*at - 1].next;
    *at = (uint32_t)++m->n;
    return 0;
}

static int kw_build(kwmatch *m, const struct as__alerts_cfg *ac, const struct as__topics_cfg *tc)
{
    memset(m, 0, sizeof *m);
    for (size_t r = 0; r < ac->nrules && r < 64; r++)
        for (size_t k = 0; k < ac->rules[r].nkeywords; k++)
            if (kw_add(m, ac->rules[r].keywords[k], (int)r) < 0)
                return -1;
    for (size_t i = 0; i < tc->nmarkers; i++)
        if (kw_add(m, tc->markers[i], KW_MARKER) < 0)
            return -1;
    return 0;
}

/* Scan text: *rules gets a bit per matched rule, hit[r] its first keyword
 * found; returns 1 when a suggestion marker occurs. */
static int kw_scan(const kwmatch *m, const char *text, uint64_t *rules, const char **hit)
{
    const unsigned char *p = (const unsigned char *)text;
    int marker = 0;
    *rules = 0;
    while (*p) {
        size_t cl = char_len(*p);
        for (uint32_t e = m->slot[slot_of(p, cl)]; e; e = m->kws[e - 1].next) {
            const kw *k = &m->kws[e - 1];
            if (strncmp((const char *)p, k->s, k->len) != 0)
                continue;
            if (k->rule == KW_MARKER) {
                marker = 1;
            } else if (!(*rules & (UINT64_C(1) << k->rule))) {
                *rules |= UINT64_C(1) << k->rule;
                hit[k->rule] = k->s;
            }
        }
        for (size_t i = 0; i < cl && *p; i++)
            p++;
    }
    return marker;
}

/* Urgency of a comment: the level, and reasons as a JSON array into b
 * (reset first, NUL-terminated): one per rule that fired, so every urgent
 * row says why.  comment is matched folded to simplified characters.
 * score: the overall stars, else the weighted score (< 0: none).
 * *mismatch set for 5 stars with strongly negative text; *marker when the
 * text has a suggestion marker.  Returns -1 when out of memory. */
static int assess(const struct as__alerts_cfg *ac, const kwmatch *km, const char *comment,
                  int overall, double score, int has_sentiment, double sentiment, as_buf *b,
                  as_buf *w, int *mismatch, int *marker)
{
    int level = AS__URG_NONE;
    b->len = 0;
    w->len = 0;
    as__buf_addc(b, '[');
    *marker = 0;
    if (comment) {
        uint64_t rules;
        const char *hit[64];
        char *folded = NULL;
        size_t flen;
        if (as__t2s_fold(comment, strlen(comment), &folded, &flen) != AS_OK)
            return -1;
        *marker = kw_scan(km, folded ? folded : comment, &rules, hit);
        free(folded);
        for (size_t r = 0; rules && r < ac->nrules && r < 64; r++) {
            const as__alert_rule *rule = &ac->rules[r];
            if (!(rules & (UINT64_C(1) << r)))
                continue;
            if (rule->max_overall && overall && overall > rule->max_overall)
                continue;
            if (rule->level > level)
                level = rule->level;
            reason_json(b, rule->name, rule->reason, hit[r]);
            reason_words(w, rule->reason, hit[r]);
        }
    }
    /* A low rating with strongly negative text opens a ticket without any
     * keyword (alerts.low_score). */
    if (ac->low_at_most > 0 && score >= 1 && score <= ac->low_at_most && has_sentiment &&
        sentiment <= ac->low_sentiment) {
        if (ac->low_level > level)
            level = ac->low_level;
        reason_json(b, "low_score", "低分且文字强烈负面", NULL);
        reason_words(w, "低分且文字强烈负面", NULL);
    }
    *mismatch = overall == 5 && has_sentiment && sentiment <= ac->mismatch_below;
    if (*mismatch) {
        if (ac->mismatch_level > level)
            level = ac->mismatch_level;
        reason_json(b, "mismatch", "5星好评但文字强烈负面", NULL);
        reason_words(w, "5星好评但文字强烈负面", NULL);
    }
    as__buf_addc(b, ']');
    as__buf_addc(b, '\0');
    b->len--;
    if (as__buf_addc(w, '\0') < 0)
        return -1;
    w->len--;
    return level;
}

int as__alerts_assess_text(const struct as__alerts_cfg *ac, const char *text, as_buf *b)
{
    kwmatch km;
    struct as__topics_cfg none;
    memset(&none, 0, sizeof none);
    if (kw_build(&km, ac, &none) < 0) {
        free(km.kws);
        return -1;
    }
    as_buf w = {0};
    int mismatch, marker;
    int level = assess(ac, &km, text, 0, -1, 0, 0, b, &w, &mismatch, &marker);
    as__buf_free(&w);
    free(km.kws);
    return level < 0 || !b->data ? -1 : level;
}

/* ---- tickets --------------------------------------------------------- */

static const char SQL_ESC_FIND[] = "SELECT ref FROM feedback_escalations WHERE feedback_id = ?1";
static const char SQL_ESC_INSERT[] =
    "INSERT INTO feedback_escalations (ref, feedback_id, user_id, level, reasons, status, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING";
static const char DEFER_ESC[] =
    "INSERT INTO feedback_escalations (ref, feedback_id, user_id, level, reasons, status,"
    " created_at) VALUES ";
static const char DEFER_LINK[] =
    "INSERT INTO feedback_tickets (feedback_id, ticket_ref, user_id, created_at) VALUES ";
static const char SQL_LINK_INSERT[] =
    "INSERT INTO feedback_tickets (feedback_id, ticket_ref, user_id, created_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";

/* Open the ticket of urgent feedback (inside the caller's transaction):
 * for the user, for a user id that names nobody yet (linked when the user
 * is added), or for nobody (anonymous feedback).  *known is 1 when the
 * customer is a user. */
static as_status open_real_ticket(as_db *db, const char *feedback_id, const char *user_id,
                                  int level, const char *reasons_json, const char *channel,
                                  const char *station_id, const char *comment, const char *const *given_words,
                                  char *tracking, int *known)
{
    static const char *const channels[] = {"app", "phone", "wechat", "web", "station"};
    *known = 0;
    int anonymous = !user_id || !user_id[0];
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = anonymous ? NULL : user_id;
    in.channel = "app";
    for (size_t i = 0; channel && i < sizeof channels / sizeof channels[0]; i++)
        if (strcmp(channel, channels[i]) == 0)
            in.channel = channels[i];
    in.category = "feedback";
    char subject[160];
    snprintf(subject, sizeof subject, "紧急反馈 %.60s", feedback_id);
    in.subject = subject;
    /* The alert reasons in words: 资金损失（多扣钱）；低分且文字强烈负面 */
    static const char reasons_sql[] =
        "SELECT group_concat(json_extract(value, '$.reason') ||"
        " coalesce('（' || json_extract(value, '$.match') || '）', ''), '；') FROM json_each(?1)";
    /* (given_words: the same made by the import's pure stage; NULL inside
     * for no reason.) */
    sqlite3_stmt *rs = given_words ? NULL : as__stmt(db, reasons_sql);
    if (!rs && !given_words)
        return AS_INTERNAL;
    const char *words = given_words ? *given_words : NULL;
    if (rs) {
        sqlite3_bind_text(rs, 1, reasons_json && reasons_json[0] ? reasons_json : "[]", -1,
                          SQLITE_STATIC);
        words = sqlite3_step(rs) == SQLITE_ROW ? (const char *)sqlite3_column_text(rs, 0) : NULL;
    }
    char *body = as__printf("%s%s%s", comment ? comment : "", words ? "\n\n预警：" : "",
                            words ? words : "");
    if (rs)
        sqlite3_reset(rs);
    if (!body)
        return as__fail(db, AS_NOMEM, "out of memory");
    in.body = body;
    in.severity = level >= AS_URGENCY_CRITICAL ? "major" : level >= AS_URGENCY_HIGH ? "urgent" : NULL;
    in.by = "feedback";
    in.station_id = station_id && station_id[0] ? station_id : NULL;
    as_status st = as__ticket_open_for(db, &in,
                                       anonymous ? AS__CUSTOMER_ANONYMOUS : AS__CUSTOMER_UNKNOWN,
                                       tracking);
    free(body);
    if (st != AS_OK)
        return st;
    if (!anonymous) {
        static const char sql[] = "SELECT 1 FROM users WHERE user_id = ?1";
        sqlite3_stmt *q = as__stmt(db, sql);
        if (!q)
            return AS_INTERNAL;
        sqlite3_bind_text(q, 1, user_id, -1, SQLITE_STATIC);
        *known = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_reset(q);
    }
    return AS_OK;
}

static const char SQL_ESC_UPGRADE[] =
    "UPDATE feedback_escalations SET ref = ?2, status = ?3 WHERE feedback_id = ?1";
static const char SQL_LINK_UPGRADE[] =
    "UPDATE feedback_tickets SET ticket_ref = ?2 WHERE feedback_id = ?1";

/* An escalation recorded before every urgent feedback opened a ticket
 * (ref "FB-" + feedback_id, no ticket): open it now. */
static as_status upgrade_legacy(as_db *db, const char *feedback_id, const char *user_id, int level,
                                const char *reasons_json, const char *channel,
                                const char *station_id, const char *comment,
                                const char *const *words, char *ref,
                                size_t refsz, int *opened)
{
    char tracking[AS_TRACKING_BUFSIZE];
    int known = 0;
    as_status s = open_real_ticket(db, feedback_id, user_id, level, reasons_json, channel,
                                   station_id, comment, words, tracking, &known);
    if (s != AS_OK)
        return s;
    const char *const sqls[2] = {SQL_ESC_UPGRADE, SQL_LINK_UPGRADE};
    for (int i = 0; i < 2 && s == AS_OK; i++) {
        sqlite3_stmt *st = as__stmt(db, sqls[i]);
        if (!st)
            return AS_INTERNAL;
        sqlite3_bind_text(st, 1, feedback_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, tracking, -1, SQLITE_STATIC);
        if (i == 0)
            sqlite3_bind_text(st, 3, known ? "opened" : "pending", -1, SQLITE_STATIC);
        s = as__step_done(db, st, "opening the ticket of an escalation");
    }
    if (s == AS_OK) {
        snprintf(ref, refsz, "%s", tracking);
        if (opened)
            *opened = 1;
    }
    return s;
}

static as_status open_ticket(as_db *db, const char *feedback_id, const char *user_id, int level,
                             const char *reasons_json, const char *channel,
                             const char *station_id, const char *comment,
                             const char *const *words, as__batch *defer, char *ref, size_t refsz,
                             int *opened);

as_status as__feedback_open_ticket(as_db *db, const char *feedback_id, const char *user_id,
                                   int level, const char *reasons_json, const char *channel,
                                   const char *station_id, const char *comment, char *ref,
                                   size_t refsz, int *opened)
{
    return open_ticket(db, feedback_id, user_id, level, reasons_json, channel, station_id,
                       comment, NULL,
                       NULL, ref, refsz, opened);
}

/* As as__feedback_open_ticket; words: NULL to put the reasons JSON in
 * words (a query), or the words already made (*words NULL: none).  defer:
 * NULL, or two batches (escalations, links) that take the new rows of
 * both tables, many to a statement, instead of writing them now (the
 * import: no later row of it looks for them; the batches are flushed
 * before the commit). */
static as_status open_ticket(as_db *db, const char *feedback_id, const char *user_id, int level,
                             const char *reasons_json, const char *channel,
                             const char *station_id, const char *comment,
                             const char *const *words, as__batch *defer, char *ref, size_t refsz,
                             int *opened)
{
    if (opened)
        *opened = 0;
    sqlite3_stmt *st = as__stmt(db, SQL_ESC_FIND);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, feedback_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        as__column_copy(st, 0, ref, refsz);
        sqlite3_reset(st);
        /* Escalated before: never a second ticket.  A legacy escalation
         * gets its ticket now; an anonymous one gets the user id a
         * re-import names. */
        if (strncmp(ref, "FB-", 3) == 0)
            return upgrade_legacy(db, feedback_id, user_id, level, reasons_json, channel,
                                  station_id, comment, words, ref, refsz, opened);
        if (user_id && user_id[0])
            return as__ticket_set_customer(db, ref, user_id, as__now());
        return AS_OK;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading escalations");

    char tracking[AS_TRACKING_BUFSIZE];
    int known = 0;
    as_status s = open_real_ticket(db, feedback_id, user_id, level, reasons_json, channel,
                                   station_id, comment,
                                   words, tracking, &known);
    if (s != AS_OK)
        return s;
    snprintf(ref, refsz, "%s", tracking);
    int64_t now = as__now();
    const char *uid = user_id && user_id[0] ? user_id : NULL;
    if (defer) {
        /* The columns of SQL_ESC_INSERT and SQL_LINK_INSERT, in order. */
        as__batch_text(&defer[0], ref);
        as__batch_text(&defer[0], feedback_id);
        as__batch_text(&defer[0], uid);
        as__batch_int(&defer[0], level);
        as__batch_text(&defer[0], reasons_json ? reasons_json : "[]");
        as__batch_text(&defer[0], known ? "opened" : "pending");
        as__batch_int(&defer[0], now);
        as__batch_text(&defer[1], feedback_id);
        as__batch_text(&defer[1], ref);
        as__batch_text(&defer[1], uid);
        as__batch_int(&defer[1], now);
        if (opened)
            *opened = 1;
        return defer[0].st != AS_OK ? defer[0].st : defer[1].st;
    }
    if (!(st = as__stmt(db, SQL_ESC_INSERT)))
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, feedback_id, -1, SQLITE_STATIC);
    if (user_id && user_id[0])
        sqlite3_bind_text(st, 3, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, level);
    sqlite3_bind_text(st, 5, reasons_json ? reasons_json : "[]", -1, SQLITE_STATIC);
    /* pending: the ticket waits for a customer to reach (anonymous, or a
     * user id not imported yet) */
    sqlite3_bind_text(st, 6, known ? "opened" : "pending", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    if ((s = as__step_done(db, st, "recording an escalation")) != AS_OK)
        return s;
    if (opened)
        *opened = 1;
    if (!(st = as__stmt(db, SQL_LINK_INSERT)))
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, feedback_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
    if (user_id && user_id[0])
        sqlite3_bind_text(st, 3, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    return as__step_done(db, st, "linking feedback to its ticket");
}

/* ---- import ---------------------------------------------------------- */

/* What the import's rows share.  The pure stage (prepare) only reads
 * the fields above the line, which do not change during the import. */
typedef struct fb_import {
    const struct as__feedback_cfg *fc;
    const struct as__alerts_cfg *ac;
    const struct as__topics_cfg *tc;
    int64_t now;
    int utc_offset;              /* minutes, for times without an offset */
    kwmatch km;
    const as__senti_cache *senti;   /* NULL: loading failed (senti_st, senti_msg) */
    as_status senti_st;
    char senti_msg[256];
    /* ---- the store stage's */
    as_buf old;
    int any_erased;              /* some user was erased: rows are checked against them */
    as__batch defer[2];          /* new escalations and feedback-ticket links */
    as__group group;             /* rows inserted many to a statement */
} fb_import;

/* One row, checked and derived. */
typedef struct fb_row {
    const char *feedback_id, *user_id, *station_id, *kind, *extra;
    char *channel, *comment;     /* owned (NFC) */
    int64_t submitted_at;
    int overall;
    int dims[AS__FB_MAX_DIMS];
    const char *stars, *reasons; /* JSON */
    const char *words;           /* the reasons in words, NULL for none */
    double score;                /* < 0: none */
    int has_sentiment;
    as__sentiment sent;
    int urgency, mismatch, suggestion;
} fb_row;

static const char *empty_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

static int parse_stars(as__prep *im, const char *col, const char *s)
{
    if (!s || !s[0])
        return 0;
    char folded[AS__FOLD_MAX];
    const char *p = as__fold_fullwidth(s, folded, sizeof folded);   /* ５ is 5 */
    int v = 0;
    while (p && *p == ' ')
        p++;
    if (p && *p >= '1' && *p <= '5') {
        v = *p++ - '0';
        if (p[0] == '.' && p[1] == '0')
            p += 2;
        while (*p == ' ')
            p++;
        if (*p)
            v = 0;
    }
    if (!v) {
        char msg[160];
        snprintf(msg, sizeof msg, "'%.40s' is not a star rating (1 to 5, or empty)", s);
        as__prep_problem(im, col, msg);
    }
    return v;
}

static const char *parse_kind(as__prep *im, const char *s)
{
    static const char *const kinds[][2] = {
        {"complaint", "complaint"}, {"suggestion", "suggestion"}, {"praise", "praise"},
        {"other", "other"},         {"投诉", "complaint"},      {"建议", "suggestion"},
        {"表扬", "praise"},         {"其他", "other"},
    };
    if (!s || !s[0])
        return NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(s, kinds[i][0]) == 0)
            return kinds[i][1];
    char msg[200];
    snprintf(msg, sizeof msg, "'%.40s' is not a kind (complaint, suggestion, praise, other)", s);
    as__prep_problem(im, "kind", msg);
    return NULL;
}

/* Check a row's cells; problems go to the import. */
/* Was this user erased?  *erased 1 if so (an unknown user is not). */
static as_status user_erased(as_db *db, const char *user_id, int *erased)
{
    static const char sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *erased = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "reading a user");
    return AS_OK;
}

/* Has any user been erased?  Rows are checked one by one only then. */
static as_status any_erased(as_db *db, int *any)
{
    static const char sql[] = "SELECT EXISTS (SELECT 1 FROM users WHERE erased_at IS NOT NULL)";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s)
        return AS_INTERNAL;
    int rc = sqlite3_step(s);
    *any = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "reading users");
    return AS_OK;
}

/* The pure stage's result: the row checked and derived. */
typedef struct fb_state {
    fb_row r;
    as_buf stars, reasons, words;
    int check_erased;            /* look the user up: no problem before the user id */
    int derived;                 /* a good row: derive() ran */
    int senti_failed;            /* it needed the lexicon, which failed to load */
    int staged, inserted;        /* offered to a multi-row insert; it went in */
} fb_state;

/* Check a row's cells; problems go to p.  Whether the user was erased is
 * the store stage's question (st->check_erased): its problem comes right
 * after those of feedback_id and user_id, which means first, as it is only
 * asked when there are none. */
static as_status check_row(as__prep *p, const fb_import *fi, const char *const *cell,
                           fb_state *fs)
{
    char why[160], msg[320];
    fb_row *r = &fs->r;
    r->feedback_id = cell[COL_ID];
    if (as__check_id(r->feedback_id, why, sizeof why) != AS_OK)
        as__prep_problem(p, "feedback_id", why);
    static const int ids[] = {COL_USER, COL_STATION};
    for (size_t i = 0; i < 2; i++) {
        const char *v = empty_null(cell[ids[i]]);
        if (v && as__check_id(v, why, sizeof why) != AS_OK)
            as__prep_problem(p, fixed_cols[ids[i]], why);
        if (ids[i] == COL_USER) {
            r->user_id = v;
            fs->check_erased = v && !as__prep_problems(p);
        } else {
            r->station_id = v;
        }
    }
    const char *t = cell[COL_SUBMITTED];
    if (!t || !t[0]) {
        as__prep_problem(p, "submitted_at", "is missing");
    } else if (as_time_parse(t, fi->utc_offset, &r->submitted_at) != AS_OK) {
        snprintf(msg, sizeof msg,
                 "'%.60s' is not a time (such as 2026-11-24T09:05:00+08:00 or 2026/11/24 9:05)", t);
        as__prep_problem(p, "submitted_at", msg);
    }
    const char *ch = empty_null(cell[COL_CHANNEL]);
    if (ch) {
        as_status s = as__text_nfc(ch, strlen(ch), &r->channel, why, sizeof why);
        if (s == AS_NOMEM)
            return AS_NOMEM;
        if (s != AS_OK)
            as__prep_problem(p, "channel", why);
        else if (as__utf8_chars(r->channel) > MAX_CHANNEL_CHARS)
            as__prep_problem(p, "channel", "is longer than 32 characters");
    }
    r->kind = parse_kind(p, cell[COL_KIND]);
    r->overall = parse_stars(p, "overall", cell[COL_OVERALL]);
    int any = r->overall != 0;
    for (size_t i = 0; i < fi->fc->ndims; i++) {
        r->dims[i] = parse_stars(p, fi->fc->dims[i].name, cell[COL_DIM0 + i]);
        any |= r->dims[i] != 0;
    }
    const char *cm = empty_null(cell[COL_COMMENT]);
    if (cm) {
        as_status s = as__text_nfc(cm, strlen(cm), &r->comment, why, sizeof why);
        if (s == AS_NOMEM)
            return AS_NOMEM;
        if (s != AS_OK) {
            as__prep_problem(p, "comment", why);
        } else if (as__utf8_chars(r->comment) > MAX_COMMENT_CHARS) {
            snprintf(msg, sizeof msg, "is %zu characters long (at most %d)",
                     as__utf8_chars(r->comment), MAX_COMMENT_CHARS);
            as__prep_problem(p, "comment", msg);
        }
        any = 1;
    }
    if (!any && !as__prep_problems(p))
        as__prep_problem(p, NULL, "has no stars and no comment");
    return AS_OK;
}

/* Derived values of a good row (the pure stage).  AS_OK or AS_NOMEM;
 * fs->senti_failed when the sentiment lexicon could not be loaded. */
static as_status derive(const fb_import *fi, fb_state *fs)
{
    fb_row *r = &fs->r;
    as_buf *b = &fs->stars;
    as__buf_addc(b, '{');
    for (size_t i = 0; i < fi->fc->ndims; i++)
        if (r->dims[i]) {
            char num[8];
            if (b->len > 1)
                as__buf_addc(b, ',');
            as__json_quote(b, fi->fc->dims[i].name);
            snprintf(num, sizeof num, ":%d", r->dims[i]);
            as__buf_adds(b, num);
        }
    if (as__buf_add(b, "}", 2) < 0)
        return AS_NOMEM;
    r->stars = b->data;
    r->score = weighted_score(fi->fc, r->dims, r->overall);
    if (r->comment) {
        if (!fi->senti) {
            fs->senti_failed = 1;   /* store fails with the loader's message */
            return AS_OK;
        }
        as_status s = as__sentiment_score_with(fi->senti, r->comment, strlen(r->comment), &r->sent);
        if (s != AS_OK)
            return AS_NOMEM;   /* the comment is valid UTF-8 (NFC above) */
        r->has_sentiment = 1;
    }
    int marker;
    r->urgency = assess(fi->ac, &fi->km, r->comment, r->overall,
                        r->overall ? (double)r->overall : r->score, r->has_sentiment,
                        r->sent.score, &fs->reasons, &fs->words, &r->mismatch, &marker);
    if (r->urgency < 0 || !fs->reasons.data)
        return AS_NOMEM;
    r->reasons = fs->reasons.data;
    r->words = fs->words.len ? fs->words.data : NULL;
    r->suggestion = marker || (r->kind && strcmp(r->kind, "suggestion") == 0);
    fs->derived = 1;
    return AS_OK;
}

/* Bind ?2..?18 (everything but the key ?1 and the times). */
static void bind_row_at(sqlite3_stmt *st, int b, const fb_row *r)
{
    as__bind_text_or_null(st, b + 2, r->user_id);
    as__bind_text_or_null(st, b + 3, r->station_id);
    sqlite3_bind_int64(st, b + 4, r->submitted_at);
    as__bind_text_or_null(st, b + 5, r->channel);
    as__bind_text_or_null(st, b + 6, r->kind);
    if (r->overall)
        sqlite3_bind_int(st, b + 7, r->overall);
    sqlite3_bind_text(st, b + 8, r->stars, -1, SQLITE_STATIC);
    as__bind_text_or_null(st, b + 9, r->comment);
    sqlite3_bind_text(st, b + 10, r->extra, -1, SQLITE_STATIC);
    if (r->score >= 0)
        sqlite3_bind_double(st, b + 11, r->score);
    if (r->has_sentiment) {
        sqlite3_bind_double(st, b + 12, r->sent.score);
        sqlite3_bind_int(st, b + 13, r->sent.label);
    }
    sqlite3_bind_int(st, b + 14, r->urgency);
    sqlite3_bind_text(st, b + 15, r->reasons, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, b + 16, r->mismatch);
    sqlite3_bind_int(st, b + 17, r->suggestion);
}

static void bind_row(sqlite3_stmt *st, const fb_row *r)
{
    bind_row_at(st, 0, r);
}

static const char SQL_FB_INSERT[] =
    "INSERT INTO feedback (feedback_id, user_id, station_id, submitted_at, channel, kind,"
    " overall, stars, comment, extra, score, sentiment, sentiment_label, urgency, reasons,"
    " mismatch, suggestion, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
    " ?18, ?18) ON CONFLICT (feedback_id) DO NOTHING";

static const char SQL_FB_FIND[] =
    "SELECT user_id, station_id, submitted_at, channel, kind, overall, stars, comment, extra"
    " FROM feedback WHERE feedback_id = ?1";

static const char SQL_FB_UPDATE[] =
    "UPDATE feedback SET user_id = ?2, station_id = ?3, submitted_at = ?4, channel = ?5,"
    " kind = ?6, overall = ?7, stars = ?8, comment = ?9, extra = ?10, score = ?11,"
    " sentiment = ?12, sentiment_label = ?13, urgency = ?14, reasons = ?15, mismatch = ?16,"
    " suggestion = ?17, updated_at = ?18 WHERE feedback_id = ?1";

static const char SQL_FB_HISTORY[] =
    "INSERT INTO feedback_history (feedback_id, user_id, changed_at, old) VALUES (?1, ?2, ?3, ?4)";

static int same_text(const unsigned char *a, const char *b)
{
    if (!a)
        return !b;
    return b && strcmp((const char *)a, b) == 0;
}

/* Compare the stored row with r; the old values of changed columns go
 * into fi->old as a JSON object.  Returns the number of changes. */
static int diff_row(sqlite3_stmt *q, const fb_row *r, as_buf *old)
{
    const char *texts[] = {r->user_id, r->station_id, NULL, r->channel, r->kind, NULL,
                           r->stars, r->comment, r->extra};
    static const char *const names[] = {"user_id", "station_id", "submitted_at", "channel",
                                        "kind", "overall", "stars", "comment", "extra"};
    int n = 0;
    old->len = 0;
    as__buf_addc(old, '{');
    for (int i = 0; i < 9; i++) {
        int changed;
        if (i == 2)
            changed = sqlite3_column_int64(q, i) != r->submitted_at;
        else if (i == 5)
            changed = as__column_int_or(q, i, 0) !=
                      r->overall;
        else
            changed = !same_text(sqlite3_column_text(q, i), texts[i]);
        if (!changed)
            continue;
        if (n++)
            as__buf_addc(old, ',');
        as__json_quote(old, names[i]);
        as__buf_addc(old, ':');
        if (sqlite3_column_type(q, i) == SQLITE_NULL) {
            as__buf_adds(old, "null");
        } else if (i == 2 || i == 5) {
            char num[32];
            snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(q, i));
            as__buf_adds(old, num);
        } else {
            as__json_quote(old, (const char *)sqlite3_column_text(q, i));
        }
    }
    as__buf_add(old, "}", 2);
    return n;
}

static as_status insert_row(as_db *db, fb_import *fi, const fb_row *r, int *inserted)
{
    sqlite3_stmt *st = as__stmt(db, SQL_FB_INSERT);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, r->feedback_id, -1, SQLITE_STATIC);
    bind_row(st, r);
    sqlite3_bind_int64(st, 18, fi->now);
    as_status s = as__step_done(db, st, "inserting feedback");
    *inserted = s == AS_OK && sqlite3_changes(db->sql) > 0;
    return s;
}

/* Look the row up: *found, and when found, compare and update. */
static as_status update_row(as_db *db, fb_import *fi, const fb_row *r, int *found,
                            as_upsert *result)
{
    sqlite3_stmt *q = as__stmt(db, SQL_FB_FIND);
    if (!q)
        return AS_INTERNAL;
    sqlite3_bind_text(q, 1, r->feedback_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return AS_OK;
    }
    if (rc != SQLITE_ROW) {
        as_status s = as__sqlfail(db, rc, "reading feedback");
        sqlite3_reset(q);
        return s;
    }
    int changes = diff_row(q, r, &fi->old);
    sqlite3_reset(q);
    if (!fi->old.data)
        return as__fail(db, AS_NOMEM, "out of memory");
    if (!changes) {
        *result = AS_UPSERT_UNCHANGED;
        return AS_OK;
    }
    sqlite3_stmt *st = as__stmt(db, SQL_FB_HISTORY);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, r->feedback_id, -1, SQLITE_STATIC);
    as__bind_text_or_null(st, 2, r->user_id);
    sqlite3_bind_int64(st, 3, fi->now);
    sqlite3_bind_text(st, 4, fi->old.data, -1, SQLITE_STATIC);
    as_status s = as__step_done(db, st, "recording a feedback change");
    if (s != AS_OK)
        return s;
    if (!(st = as__stmt(db, SQL_FB_UPDATE)))
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, r->feedback_id, -1, SQLITE_STATIC);
    bind_row(st, r);
    sqlite3_bind_int64(st, 18, fi->now);
    if ((s = as__step_done(db, st, "updating feedback")) != AS_OK)
        return s;
    *result = AS_UPSERT_UPDATED;
    return AS_OK;
}

static as_status opened(as_db *db, fb_import *fi, const fb_row *r, as_upsert result);

/* Insert or update a row.  insert_first: try the insert before the lookup
 * (faster for new rows; an import passes whether the previous row was new). */
static as_status write_row(as_db *db, fb_import *fi, const fb_row *r, int insert_first,
                           as_upsert *result)
{
    int inserted = 0, found = 0;
    as_status s = AS_OK;
    if (insert_first) {
        s = insert_row(db, fi, r, &inserted);
        if (s == AS_OK && !inserted)
            s = update_row(db, fi, r, &found, result);
    } else {
        s = update_row(db, fi, r, &found, result);
        if (s == AS_OK && !found)
            s = insert_row(db, fi, r, &inserted);
        if (s == AS_OK && !found && !inserted)
            s = as__fail(db, AS_INTERNAL, "feedback %s: neither found nor inserted", r->feedback_id);
    }
    if (s != AS_OK)
        return s;
    if (inserted)
        *result = AS_UPSERT_INSERTED;
    return opened(db, fi, r, *result);
}

/* A row written (or not: unchanged): open the ticket of urgent feedback. */
static as_status opened(as_db *db, fb_import *fi, const fb_row *r, as_upsert result)
{
    as_status s = AS_OK;
    if (result == AS_UPSERT_UNCHANGED)
        return AS_OK;
    if (r->urgency >= fi->ac->ticket_level) {
        char ref[80];
        s = open_ticket(db, r->feedback_id, r->user_id, r->urgency, r->reasons, r->channel,
                        r->station_id, r->comment, &r->words, fi->defer, ref, sizeof ref, NULL);
    }
    return s;
}

static as_status feedback_prepare(as__prep *p, const char *const *cells, const char *extra,
                                  void *state, const void *ctx)
{
    const fb_import *fi = ctx;
    fb_state *fs = state;
    as_status s = check_row(p, fi, cells, fs);
    fs->r.extra = extra ? extra : "{}";
    if (s == AS_OK && !as__prep_problems(p))
        s = derive(fi, fs);
    return s;
}

static as_status feedback_store(as__import *im, void *state, as_upsert *result, void *ctx)
{
    fb_import *fi = ctx;
    fb_state *fs = state;
    as_db *db = as__import_db(im);
    if (fs->check_erased && fi->any_erased) {
        int erased = 0;
        as_status s = user_erased(db, fs->r.user_id, &erased);
        if (s != AS_OK)
            return s;
        if (erased) {
            /* As fuel import: an erased person's data is not taken in
             * again (a re-import of an old file would restore what the
             * erasure redacted). */
            char msg[120];
            snprintf(msg, sizeof msg, "user '%.64s' was erased", fs->r.user_id);
            as__import_problem(im, "user_id", msg);
        }
    }
    as__import_replay(im);
    if (as__import_row_problems(im))
        return AS_OK;
    if (fs->senti_failed)
        return as__fail(db, fi->senti_st, "%s", fi->senti_msg);
    if (!fs->derived)   /* cannot happen: prepare failed, and the import with it */
        return as__fail(db, AS_INTERNAL, "feedback %s: not derived", fs->r.feedback_id);
    if (fs->inserted) {
        *result = AS_UPSERT_INSERTED;
        return opened(db, fi, &fs->r, *result);
    }
    return write_row(db, fi, &fs->r, fs->staged ? 0 : as__import_last_inserted(im), result);
}

/* Row j of a group: parameters base + 1 ... base + 18. */
static void bind_group_row(sqlite3_stmt *st, int base, const void *row, void *ctx)
{
    const fb_import *fi = ctx;
    const fb_row *r = &((const fb_state *)row)->r;
    sqlite3_bind_text(st, base + 1, r->feedback_id, -1, SQLITE_STATIC);
    bind_row_at(st, base, r);
    sqlite3_bind_int64(st, base + 18, fi->now);
}

/* A good row may go in a group, unless its user must be looked up first
 * (some user was erased). */
static as_status feedback_stage(as__import *im, void *state, void *ctx)
{
    fb_import *fi = ctx;
    fb_state *fs = state;
    if (!fs->derived || fs->senti_failed)
        return AS_OK;
    if (fs->check_erased && fi->any_erased) {
        as__group_close(&fi->group);   /* it may go in: keep the order */
        return AS_OK;
    }
    if (!as__group_allow(&fi->group))
        return AS_OK;
    fs->staged = 1;
    return as__group_add(as__import_db(im), &fi->group, fs, &fs->inserted, ctx);
}

/* After the last row: the escalations and links still in the batches. */
static as_status write_deferred(as__import *im, void *ctx)
{
    (void)im;
    fb_import *fi = ctx;
    as_status st = as__batch_flush(&fi->defer[0]);
    return st == AS_OK ? as__batch_flush(&fi->defer[1]) : st;
}

static void feedback_release(void *state)
{
    fb_state *fs = state;
    free(fs->r.channel);
    free(fs->r.comment);
    as__buf_free(&fs->stars);
    as__buf_free(&fs->reasons);
    as__buf_free(&fs->words);
}

as_status as_feedback_import(as_db *db, FILE *in, const char *name, const as_import_options *opts,
                             as_import_stats *stats)
{
    if (!db || !in)
        return AS_MISUSE;
    const as_config *cfg = as__db_config(db);
    fb_import fi;
    memset(&fi, 0, sizeof fi);
    fi.fc = cfg->feedback;
    fi.ac = cfg->alerts;
    fi.tc = cfg->topics;
    fi.now = as__now();
    fi.utc_offset = as_db_utc_offset(db);
    fi.senti_st = as__senti_cache_get(db, &fi.senti);
    if (fi.senti_st != AS_OK) {
        /* Only a row with a comment needs it: that row fails with this. */
        fi.senti = NULL;
        snprintf(fi.senti_msg, sizeof fi.senti_msg, "%s", as_errmsg(db));
    }
    as_status est = any_erased(db, &fi.any_erased);
    if (est != AS_OK)
        return est;
    if (kw_build(&fi.km, fi.ac, fi.tc) < 0) {
        free(fi.km.kws);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    const char *cols[COL_DIM0 + AS__FB_MAX_DIMS + 1];
    size_t n = 0;
    for (; n < COL_DIM0; n++)
        cols[n] = fixed_cols[n];
    for (size_t i = 0; i < fi.fc->ndims; i++)
        cols[n++] = fi.fc->dims[i].name;
    cols[n] = NULL;
    as__import_spec spec = {
        .columns = cols,
        .nrequired = 2,
        .flags = AS__SPEC_KEEP_UNKNOWN | AS__SPEC_STORE_REPLAYS,
        .ctx = &fi,
        .state_size = sizeof(fb_state),
        .prepare = feedback_prepare,
        .store = feedback_store,
        .release = feedback_release,
        .stage = feedback_stage,
        .group = &fi.group,
    };
    static const int tmpl[] = {1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
                               11, 12, 13, 14, 15, 16, 17, 18, 18};
    fi.group = (as__group){
        .head = "INSERT INTO feedback (feedback_id, user_id, station_id, submitted_at, channel,"
                " kind, overall, stars, comment, extra, score, sentiment, sentiment_label,"
                " urgency, reasons, mismatch, suggestion, created_at, updated_at) VALUES ",
        .tmpl = tmpl, .nvals = 19, .nparams = 18, .bind = bind_group_row,
        .what = "adding feedback"};
    as_status st = as__batch_init(&fi.defer[0], db, DEFER_ESC, 7);
    if (st == AS_OK)
        st = as__batch_init(&fi.defer[1], db, DEFER_LINK, 4);
    if (st == AS_OK)
        st = as__import_run_ex(db, in, name ? name : "-", opts, &spec, write_deferred, stats);
    as__batch_free(&fi.defer[0]);
    as__batch_free(&fi.defer[1]);
    as__group_free(&fi.group);
    as__buf_free(&fi.old);
    free(fi.km.kws);
    return st;
}
