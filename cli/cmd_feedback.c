/* cmd_feedback.c - aftersales feedback import|show|list|stats */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales feedback COMMAND [ARGS]\n"
    "\n"
    "Customer feedback: stars per dimension, an overall rating and a comment,\n"
    "imported from CSV, scored, and checked for urgency.\n";

static const char import_help[] =
    "usage: aftersales feedback import [--encoding utf-8|gb18030] [--skip-bad] [--dry-run]\n"
    "                                  [--rejects FILE] [--jsonl] FILE|-\n"
    "\n"
    "Upsert feedback from CSV with a header: feedback_id and submitted_at are\n"
    "required; user_id, station_id, channel, kind (complaint, suggestion, praise,\n"
    "other), overall (1-5), one column per configured dimension (default ui,\n"
    "payment, coupon, service: 1-5 or empty) and comment are optional.  Other\n"
    "columns are kept with the row.  Times are ISO 8601; without an offset they\n"
    "are in the business zone; Excel's 2026/11/24 9:05 is accepted.\n"
    "\n"
    "Each row is scored, its comment's sentiment taken, and the alert rules give\n"
    "it an urgency; urgent feedback opens a ticket (once).  Rows are keyed by\n"
    "feedback_id: a changed row is updated and the old values recorded.\n"
    "\n"
    "Every bad row is reported as FILE:LINE: column: reason (the physical line).\n"
    "If any row is bad, nothing is imported (exit 65) unless --skip-bad.\n"
    "--rejects FILE writes the bad rows with an error column.  --dry-run does the\n"
    "real work and rolls it back.  A file that is not UTF-8 (Excel's GBK) needs\n"
    "--encoding gb18030.\n";

static const char show_help[] =
    "usage: aftersales feedback show ID\n"
    "\n"
    "Print one feedback row with its score, sentiment, urgency, reasons and\n"
    "ticket.  Exit 1 if there is no such feedback.\n";

static const char history_help[] =
    "usage: aftersales feedback history ID\n"
    "\n"
    "The changes re-imports made to one feedback row, oldest first: when, and\n"
    "the old values of the changed columns (a JSON object).  Exit 1 if there\n"
    "is no such feedback.\n";

static const char list_help[] =
    "usage: aftersales feedback list [--station S] [--from TIME] [--to TIME] [--urgent]\n"
    "                                [--limit N]\n"
    "\n"
    "List feedback, newest first.  --from/--to bound submitted_at (from\n"
    "inclusive, to exclusive).  --urgent lists only feedback at or above\n"
    "alerts.ticket_level, most urgent first, then oldest first: the triage queue.\n";

static const char stats_help[] =
    "usage: aftersales feedback stats --by station|dimension|day [--from TIME] [--to TIME]\n"
    "\n"
    "Ratings per station, dimension or day: count, mean, CSAT (percent of\n"
    "ratings at 4 or 5) and the Bayesian mean (m * prior + sum) / (m + count),\n"
    "where prior is the mean of every rating in the period and m is\n"
    "feedback.prior_weight.  Sorted by Bayesian mean (by day: by date).\n";

enum { OPT_STATION = 256, OPT_FROM, OPT_TO, OPT_URGENT, OPT_LIMIT, OPT_BY };

static void print_feedback(printer *p, const as_feedback *f, int full)
{
    pr_begin(p);
    pr_str(p, "feedback_id", f->feedback_id);
    pr_time(p, "submitted_at", f->submitted_at);
    pr_str(p, "station_id", f->station_id);
    pr_str(p, "user_id", f->user_id);
    if (full)
        pr_str(p, "channel", f->channel);
    pr_str(p, "kind", f->kind);
    if (f->overall)
        pr_int(p, "overall", f->overall);
    else
        pr_null(p, "overall");
    if (full)
        pr_str(p, "stars", f->stars);
    if (f->has_score)
        pr_real(p, "score", f->score, 2);
    else
        pr_null(p, "score");
    if (f->has_sentiment)
        pr_real(p, "sentiment", f->sentiment, 2);
    else
        pr_null(p, "sentiment");
    pr_str(p, "urgency", f->urgency_name);
    if (full) {
        pr_str(p, "reasons", f->reasons);
        pr_bool(p, "mismatch", f->mismatch);
        pr_bool(p, "suggestion", f->suggestion);
    }
    pr_str(p, "ticket_ref", f->ticket_ref);
    pr_str(p, "comment", f->comment);
    if (full) {
        pr_str(p, "extra", f->extra);
        pr_int(p, "revisions", f->revisions);
        pr_time(p, "created_at", f->created_at);
        pr_time(p, "updated_at", f->updated_at);
    }
    pr_end(p);
}

static int fb_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, as_feedback_import, import_help, 1);
}

static int fb_show(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(show_help, stdout), 0;
    if (argc < 2)
        return cli_usage(c, "which feedback? give an ID");
    if (argc > 2)
        return cli_usage(c, "unexpected argument '%s'", argv[2]);
    if (argv[1][0] == '-' && argv[1][1])
        return cli_usage(c, "unknown option '%s'", argv[1]);
    int code = cli_open(c, AS_OPEN_READONLY);
    if (code)
        return code;
    as_feedback *f = NULL;
    as_status st = as_feedback_get(&f, c->db, argv[1]);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_feedback(p, f, 1);
    as_feedback_free(f);
    return cli_print_end(c, p);
}

static int fb_history(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(history_help, stdout), 0;
    if (argc < 2)
        return cli_usage(c, "which feedback? give an ID");
    if (argc > 2)
        return cli_usage(c, "unexpected argument '%s'", argv[2]);
    if (argv[1][0] == '-' && argv[1][1])
        return cli_usage(c, "unknown option '%s'", argv[1]);
    int code = cli_open(c, AS_OPEN_READONLY);
    if (code)
        return code;
    as_feedback_history_iter *it;
    as_status st = as_feedback_history_iter_new(&it, c->db, argv[1]);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_feedback_change *ch;
    while ((st = as_feedback_history_next(it, &ch)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "feedback_id", ch->feedback_id);
        pr_time(p, "changed_at", ch->changed_at);
        pr_str(p, "old", ch->old);
        pr_end(p);
    }
    as_feedback_history_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

/* Parse a --from/--to value in the handle's zone. */
static int parse_time_opt(cli *c, const char *opt, const char *v, int64_t *out)
{
    if (!v)
        return 0;
    if (as_time_parse(v, as_db_utc_offset(c->db), out) != AS_OK)
        return cli_usage(c, "%s: '%s' is not a time (such as 2026-11-24 or 2026-11-24T09:00+08:00)",
                         opt, v);
    return 0;
}

static int fb_list(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(list_help, stdout), 0;
    static const struct option opts[] = {
        {"station", required_argument, NULL, OPT_STATION},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"urgent", no_argument, NULL, OPT_URGENT},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {NULL, 0, NULL, 0},
    };
    as_feedback_query q = AS_FEEDBACK_QUERY_INIT;
    const char *from = NULL, *to = NULL;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case OPT_STATION:
            q.station_id = optarg;
            break;
        case OPT_FROM:
            from = optarg;
            break;
        case OPT_TO:
            to = optarg;
            break;
        case OPT_URGENT:
            q.urgent = 1;
            break;
        case OPT_LIMIT:
            if ((q.limit = cli_parse_count(optarg)) < 1)
                return cli_usage(c, "--limit must be a positive number, not '%s'", optarg);
            break;
        default:
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    int code = cli_open(c, AS_OPEN_READONLY);
    if (code || (code = parse_time_opt(c, "--from", from, &q.from)) ||
        (code = parse_time_opt(c, "--to", to, &q.to)))
        return code;
    as_feedback_iter *it;
    as_status st = as_feedback_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_feedback *f;
    while ((st = as_feedback_next(it, &f)) == AS_OK)
        print_feedback(p, f, c->format == PR_JSON || c->format == PR_JSONL);
    as_feedback_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int fb_stats(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(stats_help, stdout), 0;
    static const struct option opts[] = {
        {"by", required_argument, NULL, OPT_BY},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *to = NULL, *bys = NULL;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case OPT_BY:
            bys = optarg;
            break;
        case OPT_FROM:
            from = optarg;
            break;
        case OPT_TO:
            to = optarg;
            break;
        default:
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if (!bys)
        return cli_usage(c, "--by station|dimension|day is required");
    as_feedback_by by = strcmp(bys, "station") == 0     ? AS_FEEDBACK_BY_STATION
                        : strcmp(bys, "dimension") == 0 ? AS_FEEDBACK_BY_DIMENSION
                        : strcmp(bys, "day") == 0       ? AS_FEEDBACK_BY_DAY
                                                        : (as_feedback_by)0;
    if (!by)
        return cli_usage(c, "--by must be station, dimension or day, not '%s'", bys);
    int64_t f = 0, t = 0;
    int code = cli_open(c, AS_OPEN_READONLY);
    if (code || (code = parse_time_opt(c, "--from", from, &f)) ||
        (code = parse_time_opt(c, "--to", to, &t)))
        return code;
    as_feedback_stat_iter *it;
    as_status st = as_feedback_stats_iter_new(&it, c->db, by, f, t);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_feedback_stat *s;
    while ((st = as_feedback_stats_next(it, &s)) == AS_OK) {
        pr_begin(p);
        pr_str(p, bys, s->key);
        pr_int(p, "count", s->count);
        pr_real(p, "mean", s->mean, 2);
        pr_real(p, "csat", s->csat, 1);
        pr_real(p, "bayes", s->bayes, 2);
        pr_real(p, "prior", s->prior, 2);
        pr_end(p);
    }
    as_feedback_stats_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

int cmd_feedback(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"import", fb_import, "upsert feedback from CSV"},
        {"show", fb_show, "show one feedback row"},
        {"history", fb_history, "the changes re-imports made to one row"},
        {"list", fb_list, "list feedback; --urgent is the triage queue"},
        {"stats", fb_stats, "ratings by station, dimension or day"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "feedback", table, argc, argv, group_help);
}
