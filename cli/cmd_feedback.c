/* cmd_feedback.c - aftersales feedback import|show|history|list|stats, and the
 * feedback reports: report feedback, sentiment and urgent (in the report
 * group's table in cmd_ticket.c). */
#include "cli.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales feedback COMMAND [ARGS]\n"
    "\n"
    "Customer feedback: stars per dimension, an overall rating and a comment,\n"
    "imported from CSV, scored, and checked for urgency.\n";

static const char import_help[] =
    "usage: aftersales feedback import [--encoding utf-8|gb18030|utf-16|...]\n"
    "                                  [--delimiter ,|tab|;|pipe] [--skip-bad] [--dry-run] [--jobs N]\n"
    "                                  [--rejects FILE [--force]] [--jsonl] FILE|-\n"
    "\n"
    "Upsert feedback from CSV with a header: feedback_id and submitted_at are\n"
    "required; user_id, station_id, channel, kind (complaint, suggestion, praise,\n"
    "other), overall (1-5), one column per configured dimension (default ui,\n"
    "payment, coupon, service: 1-5 or empty) and comment are optional.  Other\n"
    "columns are kept with the row (extra).  Times are ISO 8601; without an offset\n"
    "they are in the business zone; Excel's 2026/11/24 9:05 is accepted.\n"
    "\n"
    "Each row is scored, its comment's sentiment taken, and the alert rules give\n"
    "it an urgency; urgent feedback opens a ticket (once).  Rows are keyed by\n"
    "feedback_id: a changed row is updated and the old values recorded.\n"
    "\n"
    "A user_id that is not (yet) in the users table is kept as given, as fuel\n"
    "import keeps such rows: nothing is rejected for it.  Urgent feedback of\n"
    "such a user, or of nobody (no user_id), still opens a ticket; it is linked\n"
    "to the user when the user is imported (feedback escalations shows what\n"
    "waits).\n"
    "\n"
    "Every bad row is reported as FILE:LINE: column: reason (the physical line).\n"
    "If any row is bad, nothing is imported (exit 65) unless --skip-bad.\n"
    "--rejects FILE writes the bad rows with an error column.  --dry-run does the\n"
    "real work and rolls it back.  A file that is not UTF-8 (Excel's GBK) needs\n"
    "--encoding gb18030 (also gbk, gb2312; utf-16, utf-16le, utf-16be; a byte\n"
    "order mark wins).  The delimiter is read from the header line unless\n"
    "--delimiter gives it (',', tab, ';' or '|'; also comma, semicolon, pipe).\n"
    "--jsonl reads JSON Lines with the same keys.\n\n"
    "--jobs N: threads for a CSV file (default one per processor; 1 none);\n"
    "the outcome and the messages are the same for every N.\n";

static const char show_help[] =
    "usage: aftersales feedback show ID [--reveal]\n"
    "\n"
    "Print one feedback row with its stars (by dimension), score, sentiment,\n"
    "urgency, the reasons for it (rule, reason, matched keyword), the columns\n"
    "the import did not know (extra) and its ticket.  Exit 1 if there is no\n"
    "such feedback.\n"
    "Phone numbers typed into the text are masked (139****5678) unless --reveal.\n";

static const char history_help[] =
    "usage: aftersales feedback history ID [--reveal]\n"
    "\n"
    "The changes re-imports made to one feedback row, oldest first: when, and\n"
    "the old values of the changed columns (old: column -> value, stars and\n"
    "extra as objects).  Exit 1 if there is no such feedback.\n"
    "Phone numbers typed into the text are masked (139****5678) unless --reveal.\n";

static const char list_help[] =
    "usage: aftersales feedback list [--station ID] [--from TIME] [--to TIME] [--urgent]\n"
    "                                [--limit N] [--reveal]\n"
    "\n"
    "List feedback, newest first, with the fields of feedback show.  --from/--to\n"
    "bound submitted_at (from inclusive, to exclusive).  --urgent lists only\n"
    "feedback at or above alerts.ticket_level, most urgent first, then oldest\n"
    "first: the triage queue.  --limit N (at least 1) stops after N rows.\n"
    "Phone numbers typed into the text are masked (139****5678) unless --reveal.\n";

static const char stats_help[] =
    "usage: aftersales feedback stats --by station|dimension|day|week|city|region\n"
    "                                [--from TIME] [--to TIME] [--station ID]\n"
    "\n"
    "Ratings per station, dimension, day, business week (Monday 00:00 in the\n"
    "business zone, named by the Monday's date), or the city or region code the\n"
    "station registry gives the station (station import): count (ratings), rows\n"
    "(feedback rows in the group, rated or not; by dimension the rows that rated\n"
    "it), mean, CSAT (csat_pct: the percent of ratings at 4 or 5) and the\n"
    "Bayesian mean (m * prior + sum) / (m + count), where prior is the mean of\n"
    "every rating in the period and m is feedback.prior_weight.  Sorted by\n"
    "Bayesian mean (by day and week: by date).  A group is listed when it has a\n"
    "rating; by week with both --from and --to every week of the period is\n"
    "listed, a week without ratings with count 0 and mean, csat_pct and bayes\n"
    "null.  Feedback without a station counts under station null ('-' in text);\n"
    "by city or region, feedback of a station the registry does not know counts\n"
    "under null too.  --station keeps that station's feedback only.\n"
    "\n"
    "Exit 64 when --from is not before --to.\n";

static const char rfeedback_help[] =
    "usage: aftersales report feedback --from TIME --to TIME\n"
    "                                 --by station|dimension|day|week|city|region\n"
    "                                 [--station ID]\n"
    "\n"
    "The feedback ratings of the period [--from, --to) (a row submitted at\n"
    "--from counts, one at --to does not): exactly what 'feedback stats' prints\n"
    "for the same options.  Per group: count (ratings), rows (feedback rows,\n"
    "rated or not), mean, csat_pct (percent of ratings at 4 or 5), bayes (the\n"
    "Bayesian mean, m = feedback.prior_weight) and prior (the period's mean).\n"
    "Sorted by Bayesian mean, highest first; by day and week in date order, and\n"
    "by week every week of the period is listed (without ratings: count 0, mean,\n"
    "csat_pct and bayes null).  --station keeps that station's feedback.\n"
    "\n"
    "Exit 64 when --from is not before --to.\n";

static const char escalations_help[] =
    "usage: aftersales feedback escalations [--pending] [--limit N]\n"
    "\n"
    "The escalations of urgent feedback (at alerts.ticket_level or above): the\n"
    "rules that fired (reasons), the ticket each opened, its status and its\n"
    "customer: known (a user), unknown (a user id not imported yet: the ticket\n"
    "is linked when the user is imported) or anonymous.  pending is true while\n"
    "the ticket has no customer to reach (no second factor for tracking), or\n"
    "for an escalation recorded before 0.2 without a ticket; why says which.\n"
    "Pending first, then the most urgent, then the oldest.  --pending lists\n"
    "only those; --limit N (at least 1) the first N.\n";

static const char escalate_help[] =
    "usage: aftersales feedback escalate\n"
    "\n"
    "Open the tickets of escalations recorded without one (a database written\n"
    "before 0.2 kept urgent feedback of anonymous or unknown customers\n"
    "waiting).  Prints how many were opened; running it again opens none.\n";

/* Stars as an object {dimension: stars}.  Returns 0, or -1 out of memory. */
static int print_stars(printer *p, const char *key, const as_feedback_star *stars, size_t n)
{
    as_field *f = calloc(n ? n : 1, sizeof *f);
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++) {
        f[i].name = stars[i].dimension;
        f[i].type = AS_VALUE_INT;
        f[i].i = stars[i].stars;
        f[i].r = stars[i].stars;
    }
    pr_fields(p, key, f, n);
    free(f);
    return 0;
}

static int print_feedback(printer *p, const as_feedback *f)
{
    pr_begin(p);
    pr_str(p, "feedback_id", f->feedback_id);
    pr_time(p, "submitted_at", f->submitted_at);
    pr_str(p, "station_id", f->station_id);
    pr_str(p, "user_id", f->user_id);
    pr_str(p, "channel", f->channel);
    pr_str(p, "kind", f->kind);
    pr_int_or_null(p, "overall", f->overall, 0);
    int oom = print_stars(p, "stars", f->stars, f->nstars);
    if (f->has_score)
        pr_real(p, "score", f->score, 2);
    else
        pr_null(p, "score");
    if (f->has_sentiment)
        pr_real(p, "sentiment", f->sentiment, 2);
    else
        pr_null(p, "sentiment");
    pr_str(p, "urgency", f->urgency_name);
    pr_arr_begin(p, "reasons");
    for (size_t i = 0; i < f->nreasons; i++) {
        pr_obj_begin(p, NULL);
        pr_str(p, "rule", f->reasons[i].rule);
        pr_str(p, "reason", f->reasons[i].reason);
        pr_str(p, "match", f->reasons[i].match);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_bool(p, "mismatch", f->mismatch);
    pr_bool(p, "suggestion", f->suggestion);
    pr_str(p, "ticket_ref", f->ticket_ref);
    pr_str(p, "comment", f->comment);
    pr_fields(p, "extra", f->extra, f->nextra);
    pr_int(p, "revisions", f->revisions);
    pr_time(p, "created_at", f->created_at);
    pr_time(p, "updated_at", f->updated_at);
    pr_end(p);
    return oom;
}

/* One change: old is {column: value}, with stars and extra as objects.
 * The column names of ch->old are static text (aftersales.h). */
static int print_change(printer *p, const as_feedback_change *ch)
{
    int oom = 0;
    pr_begin(p);
    pr_str(p, "feedback_id", ch->feedback_id);
    pr_time(p, "changed_at", ch->changed_at);
    pr_obj_begin(p, "old");
    for (size_t i = 0; i < ch->nold; i++) {
        const as_field *f = &ch->old[i];
        switch (f->type) {
        case AS_VALUE_TEXT:
            pr_str(p, f->name, f->text);
            break;
        case AS_VALUE_INT:
            pr_int(p, f->name, f->i);
            break;
        case AS_VALUE_REAL:
            pr_real(p, f->name, f->r, 2);
            break;
        case AS_VALUE_BOOL:
            pr_bool(p, f->name, (int)f->i);
            break;
        case AS_VALUE_NULL:
            pr_null(p, f->name);
            break;
        }
    }
    if (ch->stars_changed)
        oom = print_stars(p, "stars", ch->old_stars, ch->nold_stars);
    if (ch->extra_changed)
        pr_fields(p, "extra", ch->old_extra, ch->nold_extra);
    pr_obj_end(p);
    pr_end(p);
    return oom;
}

static int fb_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, as_feedback_import, import_help, 1);
}

static int fb_show(cli *c, int argc, char **argv)
{
    int reveal = 0;
    const char *id = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, cli_check_id, "id"),
        CLI_FLAG("reveal", &reveal),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY | (reveal ? AS_OPEN_REVEAL : 0))))
        return code;
    as_feedback *f = NULL;
    as_status st = as_feedback_get(&f, c->db, id);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    int oom = print_feedback(p, f);
    as_feedback_free(f);
    code = cli_print_end(c, p);
    if (oom) {
        cli_error(c, "out of memory");
        return EXIT_SOFTWARE;
    }
    return code;
}

static int fb_history(cli *c, int argc, char **argv)
{
    int reveal = 0;
    const char *id = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, cli_check_id, "id"),
        CLI_FLAG("reveal", &reveal),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, history_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY | (reveal ? AS_OPEN_REVEAL : 0))))
        return code;
    as_feedback_history_iter *it;
    as_status st = as_feedback_history_iter_new(&it, c->db, id);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_feedback_change *ch;
    int oom = 0;
    while (!oom && (st = as_feedback_history_next(it, &ch)) == AS_OK)
        oom = print_change(p, ch);
    as_feedback_history_iter_free(it);
    code = cli_print_end(c, p);
    if (oom) {
        cli_error(c, "out of memory");
        return EXIT_SOFTWARE;
    }
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int fb_list(cli *c, int argc, char **argv)
{
    int reveal = 0;
    as_feedback_query q = AS_FEEDBACK_QUERY_INIT;
    int urgent = 0;
    const cli_opt opts[] = {
        CLI_CHECKED("station", "ID", &q.station_id, cli_check_id, "id"),
        CLI_TIME("from", &q.from),
        CLI_TIME("to", &q.to),
        CLI_FLAG("urgent", &urgent),
        CLI_INT("limit", "N", &q.limit, 1, INT64_MAX),
        CLI_FLAG("reveal", &reveal),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    q.urgent = urgent;
    if ((code = cli_open(c, AS_OPEN_READONLY | (reveal ? AS_OPEN_REVEAL : 0))))
        return code;
    as_feedback_iter *it;
    as_status st = as_feedback_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_feedback *f;
    int oom = 0;
    while (!oom && (st = as_feedback_next(it, &f)) == AS_OK)
        oom = print_feedback(p, f);
    as_feedback_iter_free(it);
    code = cli_print_end(c, p);
    if (oom) {
        cli_error(c, "out of memory");
        return EXIT_SOFTWARE;
    }
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static const cli_choice by_choices[] = {
    {"station", AS_FEEDBACK_BY_STATION},
    {"dimension", AS_FEEDBACK_BY_DIMENSION},
    {"day", AS_FEEDBACK_BY_DAY},
    {"city", AS_FEEDBACK_BY_CITY},
    {"region", AS_FEEDBACK_BY_REGION},
    {"week", AS_FEEDBACK_BY_WEEK},
    {NULL, 0},
};

/* A figure the library gives as -1 when the group has no ratings. */
static void real_or_null(printer *p, const char *key, double v, int decimals)
{
    if (v < 0)
        pr_null(p, key);
    else
        pr_real(p, key, v, decimals);
}

/* feedback stats and report feedback: one parser, one printer.  report
 * requires the period. */
static int stats(cli *c, int argc, char **argv, int report)
{
    as_feedback_stats_query q = AS_FEEDBACK_STATS_QUERY_INIT;
    int by = 0;
    const cli_opt opts[] = {
        CLI_CHOICE_REQ("by", &by, by_choices),
        {.kind = CLI_O_TIME, .name = "from", .metavar = "TIME", .dest = &q.from,
         .required = report},
        {.kind = CLI_O_TIME, .name = "to", .metavar = "TIME", .dest = &q.to, .required = report},
        CLI_CHECKED("station", "ID", &q.station_id, cli_check_id, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, report ? rfeedback_help : stats_help);
    if (code != CLI_GO)
        return code;
    if (q.from && q.to && q.from >= q.to)
        return cli_usage(c, "--from is not before --to");
    q.by = (as_feedback_by)by;
    /* The group's field is named after --by: station, dimension, day,
     * week, city or region. */
    const char *key = NULL;
    for (const cli_choice *ch = by_choices; ch->name; ch++)
        if (ch->value == by)
            key = ch->name;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_feedback_stat_iter *it;
    as_status st = as_feedback_stats_query_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_feedback_stat *s;
    while ((st = as_feedback_stats_next(it, &s)) == AS_OK) {
        pr_begin(p);
        pr_str(p, key, s->key);
        pr_int(p, "count", s->count);
        real_or_null(p, "mean", s->mean, 2);
        real_or_null(p, "csat_pct", s->csat_pct, 1);
        real_or_null(p, "bayes", s->bayes, 2);
        pr_real(p, "prior", s->prior, 2);
        pr_int(p, "rows", s->rows);
        pr_end(p);
    }
    as_feedback_stats_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int fb_stats(cli *c, int argc, char **argv) { return stats(c, argc, argv, 0); }

int cli_report_feedback(cli *c, int argc, char **argv) { return stats(c, argc, argv, 1); }

static void print_reasons(printer *p, const as_feedback_reason *r, size_t n)
{
    pr_arr_begin(p, "reasons");
    for (size_t i = 0; i < n; i++) {
        pr_obj_begin(p, NULL);
        pr_str(p, "rule", r[i].rule);
        pr_str(p, "reason", r[i].reason);
        pr_str(p, "match", r[i].match);
        pr_obj_end(p);
    }
    pr_arr_end(p);
}

static int fb_escalations(cli *c, int argc, char **argv)
{
    as_feedback_escalation_query q = AS_FEEDBACK_ESCALATION_QUERY_INIT;
    const cli_opt opts[] = {
        CLI_FLAG("pending", &q.pending),
        CLI_INT("limit", "N", &q.limit, 1, INT64_MAX),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, escalations_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_feedback_escalation_iter *it;
    as_status st = as_feedback_escalation_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_feedback_escalation *e;
    while ((st = as_feedback_escalation_next(it, &e)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "feedback_id", e->feedback_id);
        pr_str(p, "user_id", e->user_id);
        pr_str(p, "urgency", e->urgency_name);
        print_reasons(p, e->reasons, e->nreasons);
        pr_str(p, "ticket", e->ticket);
        pr_str(p, "ticket_status", e->ticket_status);
        pr_str(p, "customer", e->customer);
        pr_bool(p, "pending", e->pending);
        pr_str(p, "why", e->why);
        pr_time(p, "created_at", e->created_at);
        pr_end(p);
    }
    as_feedback_escalation_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int fb_escalate(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, escalate_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t opened = 0;
    as_status st = as_feedback_escalate(c->db, &opened);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "opened", opened);
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_feedback(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"import", fb_import, "upsert feedback from CSV"},
        {"show", fb_show, "show one feedback row"},
        {"history", fb_history, "the changes re-imports made to one row"},
        {"list", fb_list, "list feedback; --urgent is the triage queue"},
        {"stats", fb_stats, "ratings by station, dimension, day or week"},
        {"escalations", fb_escalations, "urgent feedback: its ticket, and what is pending and why"},
        {"escalate", fb_escalate, "open the tickets of escalations recorded without one"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "feedback", table, argc, argv, group_help);
}

/* ---- report sentiment, report urgent (in the report group's table) ---- */

static const char rsentiment_help[] =
    "usage: aftersales report sentiment --from TIME --to TIME [--station ID] [--terms N]\n"
    "\n"
    "The sentiment of the feedback comments submitted in the period [--from,\n"
    "--to) (a row at --from counts, one at --to does not).  One record: the\n"
    "period's comments (rows with a scored comment) and how many were\n"
    "positive, neutral and negative; weeks, every business week of the period\n"
    "in order (Monday 00:00 in the business zone, named by the Monday's date;\n"
    "the first and last may be partial) with the same counts, the mean\n"
    "sentiment (-1 to 1, three decimals; null without comments) and\n"
    "negative_pct (one decimal; null without comments); and negative_terms,\n"
    "the lexicon terms that weighed most against the negative comments: each\n"
    "negative comment is analysed again ('sentiment analyze' without the\n"
    "model) and every term whose value after the rules is below 0 counts once\n"
    "for that comment; weight is the sum of those values.  Most comments\n"
    "first, then most negative weight.  --terms N (0-100, default 10) how many\n"
    "terms at most.  --station keeps that station's feedback.\n"
    "\n"
    "Exit 64 when --from is not before --to.\n";

static const char rurgent_help[] =
    "usage: aftersales report urgent --from TIME --to TIME [--station ID]\n"
    "\n"
    "Urgent feedback submitted in the period [--from, --to) and how fast it\n"
    "became a ticket: one row per urgency level (low, medium, high, critical,\n"
    "always the four): feedback (rows at that level), ticketed (of them, those\n"
    "whose ticket was opened before --to), waiting (escalated but without a\n"
    "ticket by --to), and the wall-clock minutes from submission to the\n"
    "ticket's opening over the ticketed rows: median_min, p90_min (nearest\n"
    "rank) and max_min, null when none was ticketed.  Rows below\n"
    "alerts.ticket_level open no ticket and are neither ticketed nor waiting.\n"
    "--station keeps that station's feedback.\n"
    "\n"
    "Exit 64 when --from is not before --to.\n";

int cli_report_sentiment(cli *c, int argc, char **argv)
{
    as_period_query q = AS_PERIOD_QUERY_INIT;
    int64_t terms = 10;
    const cli_opt extra[] = {
        CLI_INT("terms", "N", &terms, 0, 100),
        CLI_END,
    };
    int code = cli_period_open(c, argc, argv, rsentiment_help, &q, 1, extra);
    if (code != CLI_GO)
        return code;
    as_report_sentiment *r = NULL;
    as_status st = as_report_sentiment_get(&r, c->db, &q, (size_t)terms);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_time(p, "from", r->from);
    pr_time(p, "to", r->to);
    pr_str(p, "station_id", r->station_id);
    pr_int(p, "comments", r->comments);
    pr_int(p, "positive", r->positive);
    pr_int(p, "neutral", r->neutral);
    pr_int(p, "negative", r->negative);
    pr_arr_begin(p, "weeks");
    for (size_t i = 0; i < r->nweeks; i++) {
        const as_report_sentiment_week *w = &r->weeks[i];
        pr_obj_begin(p, NULL);
        pr_str(p, "week", w->week);
        pr_int(p, "comments", w->comments);
        pr_int(p, "positive", w->positive);
        pr_int(p, "neutral", w->neutral);
        pr_int(p, "negative", w->negative);
        if (isnan(w->mean))
            pr_null(p, "mean");
        else
            pr_real(p, "mean", w->mean, 3);
        real_or_null(p, "negative_pct", w->negative_pct, 1);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_arr_begin(p, "negative_terms");
    for (size_t i = 0; i < r->nterms; i++) {
        pr_obj_begin(p, NULL);
        pr_str(p, "term", r->terms[i].term);
        pr_int(p, "comments", r->terms[i].comments);
        pr_real(p, "weight", r->terms[i].weight, 3);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_end(p);
    as_report_sentiment_free(r);
    return cli_print_end(c, p);
}

int cli_report_urgent(cli *c, int argc, char **argv)
{
    as_period_query q = AS_PERIOD_QUERY_INIT;
    int code = cli_period_open(c, argc, argv, rurgent_help, &q, 1, NULL);
    if (code != CLI_GO)
        return code;
    as_report_urgent *r = NULL;
    as_status st = as_report_urgent_get(&r, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (int i = 0; i < 4; i++) {
        const as_report_urgent_line *l = &r->lines[i];
        pr_begin(p);
        pr_str(p, "level", l->name);
        pr_int(p, "feedback", l->feedback);
        pr_int(p, "ticketed", l->ticketed);
        pr_int(p, "waiting", l->waiting);
        pr_int_or_null(p, "median_min", l->median_min, -1);
        pr_int_or_null(p, "p90_min", l->p90_min, -1);
        pr_int_or_null(p, "max_min", l->max_min, -1);
        pr_end(p);
    }
    as_report_urgent_free(r);
    return cli_print_end(c, p);
}
