/* ticket_survey.c - satisfaction surveys: made due when a ticket is
 * resolved, voided when it reopens, answered (a low score opens a
 * follow-up ticket). */
#include "points.h"
#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Make the survey of r's latest resolution due (once per resolution).  It
 * credits the agent who resolved the ticket (the resolution event's
 * actor), not the assignee field, and expires after
 * tickets.survey_expires_after. */
as_status as__ticket_survey_due(as_db *db, const as__trow *r, const char *by, int64_t t)
{
    const as__ticket_cfg *cfg = as__ticket_cfg_of(db);
    static const char sv[] =
        "INSERT INTO surveys (ticket_id, user_id, resolution, agent, queue, created_at, due_at,"
        " status, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8)"
        " ON CONFLICT (ticket_id, resolution) DO NOTHING";
    sqlite3_stmt *st = as__stmt(db, sv);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, r->id);
    as__bind_text_or_null(st, 2, r->user_id);
    sqlite3_bind_int64(st, 3, r->resolutions);
    as__bind_text_or_null(st, 4, by ? by : "system");
    as__bind_text_or_null(st, 5, r->queue);
    sqlite3_bind_int64(st, 6, t);
    sqlite3_bind_int64(st, 7, t + (cfg ? cfg->survey_within : 86400));
    sqlite3_bind_int64(st, 8, t + (cfg && cfg->survey_expires_after ? cfg->survey_expires_after
                                                                    : 7 * 86400));
    return as__step_done(db, st, "making a survey due");
}

/* Void the ticket's pending surveys (it reopened). */
as_status as__ticket_void_surveys(as_db *db, int64_t ticket_id)
{
    static const char sql[] =
        "UPDATE surveys SET status = 'void' WHERE ticket_id = ?1 AND status = 'pending'";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_int64(st, 1, ticket_id);
    return as__step_done(db, st, "voiding a survey");
}

as_status as_survey_record(as_db *db, const char *tracking, int score, const char *comment,
                           int64_t at, char followup[AS_TRACKING_BUFSIZE])
{
    if (followup)
        followup[0] = '\0';
    if (!db)
        return AS_MISUSE;
    if (score < 1 || score > 5)
        return as__fail(db, AS_INVALID, "score: %d is not 1 to 5", score);
    as_ticket_action act = AS_TICKET_ACTION_INIT;
    act.at = at;
    const as_ticket_action *a = &act;
    as__trow r;
    int64_t t;
    as_status s = as__ticket_change_begin(db, tracking, &a, &r, &t);
    if (s != AS_OK)
        return s;
    char *text = NULL;
    char made[AS_TRACKING_BUFSIZE] = "";
    if ((s = as__ticket_check_text(db, "comment", comment, 0, &text)) != AS_OK)
        return as__ticket_change_end(db, &r, s);
    static const char find[] =
        "SELECT id, expires_at FROM surveys WHERE ticket_id = ?1 AND status = 'pending'"
        " ORDER BY resolution DESC LIMIT 1";
    sqlite3_stmt *st = as__stmt(db, find);
    int64_t sid = 0, expires = 0;
    if (!st) {
        s = AS_INTERNAL;
    } else {
        sqlite3_bind_int64(st, 1, r.id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            sid = sqlite3_column_int64(st, 0);
            expires = as__column_int64_or(st, 1, 0);
        }
        sqlite3_reset(st);
        if (!sid) {
            s = as__fail(db, AS_NOTFOUND, "ticket %s has no pending survey", r.tracking);
        } else if (expires && t >= expires) {
            char x[AS_TIME_BUFSIZE], y[AS_TIME_BUFSIZE];
            s = as__fail(db, AS_INVALID, "the survey of ticket %s expired at %s"
                         " (tickets.survey_expires_after); an answer at %s is too late",
                         r.tracking, as_time_format(expires, as_db_utc_offset(db), x),
                         as_time_format(t, as_db_utc_offset(db), y));
        }
    }
    /* A low score is followed up by a configured lead or queue, never by
     * the agent who resolved the ticket. */
    const as__ticket_cfg *cfg = as__ticket_cfg_of(db);
    if (s == AS_OK && cfg && score <= cfg->low_score)
        s = as__ticket_open_linked(db, &r, "system", t, "回访跟进", text, cfg->followup_queue,
                                   cfg->followup_assignee, made);
    if (s == AS_OK) {
        static const char up[] =
            "UPDATE surveys SET status = 'answered', score = ?2, comment = ?3, answered_at = ?4,"
            " followup_id = (SELECT id FROM tickets WHERE tracking = ?5) WHERE id = ?1";
        if (!(st = as__stmt(db, up))) {
            s = AS_INTERNAL;
        } else {
            sqlite3_bind_int64(st, 1, sid);
            sqlite3_bind_int(st, 2, score);
            as__bind_text_or_null(st, 3, text);
            sqlite3_bind_int64(st, 4, t);
            as__bind_text_or_null(st, 5, made[0] ? made : NULL);
            s = as__step_done(db, st, "recording a survey");
        }
    }
    /* The answer earns points.survey once per survey (ref: its id), in
     * this transaction. */
    const as__points_cfg *pc = as__points_cfg_of(db);
    if (s == AS_OK && pc->survey > 0 && r.user_id) {
        char ref[24];
        snprintf(ref, sizeof ref, "%lld", (long long)sid);
        s = as__points_earn(db, r.user_id, AS_POINTS_EARN_SURVEY, ref, pc->survey, t, NULL,
                            NULL);
    }
    if (s == AS_OK) {
        char msg[80];
        snprintf(msg, sizeof msg, "score %d%s%s", score, made[0] ? ", follow-up " : "", made);
        s = as__ticket_event(db, &r, t, "customer", "survey", -1, -1, 0, msg);
    }
    free(text);
    if (s == AS_OK && followup)
        memcpy(followup, made, sizeof made);
    return as__ticket_change_end(db, &r, s);
}

