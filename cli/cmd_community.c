/* cmd_community.c - the community (seed §5): aftersales post
 * add|show|list|queue|approve|remove|feature, aftersales submission
 * add|show|list|adopt|decline, aftersales community boards|ambassadors. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- posts ---------------------------------------------------------------- */

static const char post_help[] =
    "usage: aftersales post COMMAND [ARGS]\n"
    "\n"
    "Posts on the community's boards (the configuration's community section:\n"
    "用车心得, 省油妙招 by default).  A post is moderated when it is written: a\n"
    "banned term, a sentiment below community.flag_below or an alert rule of\n"
    "feedback queues it for review; else it is visible at once.\n";

static const char post_add_help[] =
    "usage: aftersales post add --user ID --board BOARD --title TEXT --body TEXT [--at TIME]\n"
    "\n"
    "Write a post and print it with its moderation outcome: status visible, or\n"
    "queued with its flags (banned_term, sentiment, or the alert rule that\n"
    "matched).  BOARD is a board id (aftersales community boards).  The title\n"
    "has 1 to 100 characters, the body 1 to 5000.  Exit 1 if the user does not\n"
    "exist; 65 for an erased user, an unknown board, an empty or too long text.\n";

static const char post_show_help[] =
    "usage: aftersales post show ID\n"
    "\n"
    "Print one post.  Exit 1 if there is no such post.\n";

static const char post_list_help[] =
    "usage: aftersales post list [--board BOARD] [--status visible|queued|removed]\n"
    "                            [--user ID] [--pinned] [--at TIME]\n"
    "\n"
    "List posts, oldest first.  --pinned: only those pinned (featured) at TIME\n"
    "(default now).\n";

static const char post_queue_help[] =
    "usage: aftersales post queue [--board BOARD]\n"
    "\n"
    "The review queue: the queued posts, oldest first, with the flags that\n"
    "queued them.  Approve (post approve) or remove (post remove) each.\n";

static const char post_approve_help[] =
    "usage: aftersales post approve ID [--at TIME]\n"
    "\n"
    "Make a queued post visible and print it.  Exit 1 if there is no such\n"
    "post, 65 if it is not queued.\n";

static const char post_remove_help[] =
    "usage: aftersales post remove ID --reason TEXT [--at TIME]\n"
    "\n"
    "Take a visible or queued post out of view with a reason (1 to 500\n"
    "characters) and print it.  Exit 1 if there is no such post, 65 if it is\n"
    "already removed.\n";

static const char post_feature_help[] =
    "usage: aftersales post feature ID [--at TIME]\n"
    "\n"
    "Pin a visible post from TIME (default now) for community.feature_days and,\n"
    "the first time only, credit its author community.feature_points on the\n"
    "points ledger.  Prints the post and the points credited by this run\n"
    "(0 on a repeat).  A queued or removed post is refused (exit 65).\n";

/* A positive id argument. */
static int check_num(const char *v, char *why, size_t whysz)
{
    size_t n = strlen(v);
    int good = n > 0 && n <= 18;
    for (size_t i = 0; good && i < n; i++)
        good = v[i] >= '0' && v[i] <= '9';
    if (good && strtoll(v, NULL, 10) >= 1)
        return 0;
    snprintf(why, whysz, "is not an id (a whole number from 1)");
    return -1;
}

static int64_t num(const char *v)
{
    return (int64_t)strtoll(v, NULL, 10);
}

static const cli_choice post_statuses[] = {
    {"visible", 0}, {"queued", 1}, {"removed", 2}, {NULL, 0},
};

static void print_post(printer *p, const as_post *v, int64_t points, int with_points)
{
    pr_begin(p);
    pr_int(p, "id", v->id);
    pr_str(p, "board", v->board);
    pr_str(p, "board_name", v->board_name);
    pr_str(p, "user_id", v->user_id);
    pr_str(p, "title", v->title);
    pr_str(p, "body", v->body);
    pr_str(p, "status", v->status);
    pr_real(p, "sentiment", v->sentiment, 2);
    pr_arr_begin(p, "flags");
    for (size_t i = 0; i < v->nflags; i++) {
        pr_obj_begin(p, NULL);
        pr_str(p, "rule", v->flags[i].rule);
        pr_str(p, "reason", v->flags[i].reason);
        pr_str(p, "match", v->flags[i].match);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_time(p, "created_at", v->created_at);
    pr_time(p, "reviewed_at", v->reviewed_at);
    pr_str(p, "removed_reason", v->removed_reason);
    pr_time(p, "featured_at", v->featured_at);
    pr_time(p, "featured_until", v->featured_until);
    if (with_points)
        pr_int(p, "points", points);
    pr_end(p);
}

static int show_post(cli *c, int64_t id, int64_t points, int with_points)
{
    as_post *v = NULL;
    as_status st = as_post_get(&v, c->db, id);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_post(p, v, points, with_points);
    as_post_free(v);
    return cli_print_end(c, p);
}

static int post_add(cli *c, int argc, char **argv)
{
    const char *user = NULL, *board = NULL, *title = NULL, *body = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("user", "ID", &user, cli_check_id, "id"),
        CLI_STR_REQ("board", "BOARD", &board),
        CLI_STR_REQ("title", "TEXT", &title),
        CLI_STR_REQ("body", "TEXT", &body),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, post_add_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_post_new in = AS_POST_NEW_INIT;
    in.user_id = user;
    in.board = board;
    in.title = title;
    in.body = body;
    in.at = at;
    int64_t id = 0;
    as_status st = as_post_add(c->db, &in, &id);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_post(c, id, 0, 0);
}

static int post_show(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, post_show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_post(c, num(id), 0, 0);
}

static int list_posts(cli *c, const as_post_query *q)
{
    as_post_iter *it;
    as_status st = as_post_iter_new(&it, c->db, q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_post *v;
    while ((st = as_post_next(it, &v)) == AS_OK)
        print_post(p, v, 0, 0);
    as_post_iter_free(it);
    int code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

static int post_list(cli *c, int argc, char **argv)
{
    const char *board = NULL, *user = NULL;
    int status = -1, pinned = 0;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_STR("board", "BOARD", &board),
        CLI_CHOICE("status", &status, post_statuses),
        CLI_CHECKED("user", "ID", &user, cli_check_id, "id"),
        CLI_FLAG("pinned", &pinned),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, post_list_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_post_query q = AS_POST_QUERY_INIT;
    q.board = board;
    q.user_id = user;
    q.status = status >= 0 ? post_statuses[status].name : NULL;
    q.pinned_at = pinned ? at : 0;
    return list_posts(c, &q);
}

static int post_queue(cli *c, int argc, char **argv)
{
    const char *board = NULL;
    const cli_opt opts[] = {
        CLI_STR("board", "BOARD", &board),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, post_queue_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_post_query q = AS_POST_QUERY_INIT;
    q.board = board;
    q.status = "queued";
    return list_posts(c, &q);
}

static int post_approve(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, post_approve_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_post_approve(c->db, num(id), at);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_post(c, num(id), 0, 0);
}

static int post_remove(cli *c, int argc, char **argv)
{
    const char *id = NULL, *reason = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num, "id"),
        CLI_STR_REQ("reason", "TEXT", &reason),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, post_remove_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_post_remove(c->db, num(id), reason, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_post(c, num(id), 0, 0);
}

static int post_feature(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num, "id"),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, post_feature_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t points = 0;
    as_status st = as_post_feature(c->db, num(id), at, &points);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_post(c, num(id), points, 1);
}

int cmd_post(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", post_add, "write a post (moderated)"},
        {"show", post_show, "show one post"},
        {"list", post_list, "list posts"},
        {"queue", post_queue, "the review queue"},
        {"approve", post_approve, "make a queued post visible"},
        {"remove", post_remove, "take a post out of view"},
        {"feature", post_feature, "pin a post for the week; credit its author"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "post", table, argc, argv, post_help);
}

/* ---- submissions ------------------------------------------------------------ */

static const char sub_help[] =
    "usage: aftersales submission COMMAND [ARGS]\n"
    "\n"
    "Co-creation (用户共创): users submit tips and video links; staff adopt or\n"
    "decline each once (submitted -> adopted | declined).  Adoption credits the\n"
    "author community.adopt_points; a tip adopted with --as-tip joins the\n"
    "reminder tips rotation (remind run) after the configured tips.\n";

static const char sub_add_help[] =
    "usage: aftersales submission add --user ID --kind tip|video --text TEXT [--url URL]\n"
    "                                 [--at TIME]\n"
    "\n"
    "Record a submission and print it.  TEXT has 1 to 1000 characters; URL is\n"
    "an http:// or https:// link (at most 2000 bytes), required for a video.\n"
    "Exit 1 if the user does not exist; 65 for an erased user, an empty or too\n"
    "long text, a bad or missing link.\n";

static const char sub_show_help[] =
    "usage: aftersales submission show ID\n"
    "\n"
    "Print one submission.  Exit 1 if there is none.\n";

static const char sub_list_help[] =
    "usage: aftersales submission list [--status submitted|adopted|declined] [--user ID]\n"
    "\n"
    "List submissions, oldest first.\n";

static const char sub_adopt_help[] =
    "usage: aftersales submission adopt ID [--as-tip] [--at TIME]\n"
    "\n"
    "Adopt a submitted submission: its author is credited\n"
    "community.adopt_points once.  --as-tip (tips only): the text joins the\n"
    "reminder tips rotation as it is written (no placeholders).  Prints the\n"
    "submission and the points credited.  Exit 65 if it was already adopted or\n"
    "declined, or --as-tip names a video.\n";

static const char sub_decline_help[] =
    "usage: aftersales submission decline ID --reason TEXT [--at TIME]\n"
    "\n"
    "Decline a submitted submission with a reason (1 to 500 characters).\n"
    "Exit 65 if it was already adopted or declined.\n";

static const cli_choice sub_statuses[] = {
    {"submitted", 0}, {"adopted", 1}, {"declined", 2}, {NULL, 0},
};

static const cli_choice sub_kinds[] = {
    {"tip", 0}, {"video", 1}, {NULL, 0},
};

static void print_submission(printer *p, const as_submission *v, int64_t points,
                             int with_points)
{
    pr_begin(p);
    pr_int(p, "id", v->id);
    pr_str(p, "user_id", v->user_id);
    pr_str(p, "kind", v->kind);
    pr_str(p, "text", v->text);
    pr_str(p, "url", v->url);
    pr_str(p, "status", v->status);
    pr_time(p, "created_at", v->created_at);
    pr_time(p, "decided_at", v->decided_at);
    pr_str(p, "reason", v->reason);
    pr_bool(p, "as_tip", v->as_tip);
    if (with_points)
        pr_int(p, "points", points);
    pr_end(p);
}

static int show_submission(cli *c, int64_t id, int64_t points, int with_points)
{
    as_submission *v = NULL;
    as_status st = as_submission_get(&v, c->db, id);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_submission(p, v, points, with_points);
    as_submission_free(v);
    return cli_print_end(c, p);
}

static int sub_add(cli *c, int argc, char **argv)
{
    const char *user = NULL, *text = NULL, *url = NULL;
    int kind = -1;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("user", "ID", &user, cli_check_id, "id"),
        CLI_CHOICE_REQ("kind", &kind, sub_kinds),
        CLI_STR_REQ("text", "TEXT", &text),
        CLI_STR("url", "URL", &url),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, sub_add_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_submission_new in = AS_SUBMISSION_NEW_INIT;
    in.user_id = user;
    in.kind = sub_kinds[kind].name;
    in.text = text;
    in.url = url;
    in.at = at;
    int64_t id = 0;
    as_status st = as_submission_add(c->db, &in, &id);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_submission(c, id, 0, 0);
}

static int sub_show(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, sub_show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_submission(c, num(id), 0, 0);
}

static int sub_list(cli *c, int argc, char **argv)
{
    const char *user = NULL;
    int status = -1;
    const cli_opt opts[] = {
        CLI_CHOICE("status", &status, sub_statuses),
        CLI_CHECKED("user", "ID", &user, cli_check_id, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, sub_list_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_submission_iter *it;
    as_status st = as_submission_iter_new(&it, c->db,
                                          status >= 0 ? sub_statuses[status].name : NULL, user);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_submission *v;
    while ((st = as_submission_next(it, &v)) == AS_OK)
        print_submission(p, v, 0, 0);
    as_submission_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

static int sub_adopt(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int as_tip = 0;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num, "id"),
        CLI_FLAG("as-tip", &as_tip),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, sub_adopt_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    int64_t points = 0;
    as_status st = as_submission_adopt(c->db, num(id), as_tip ? AS_SUBMISSION_AS_TIP : 0, at,
                                       &points);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_submission(c, num(id), points, 1);
}

static int sub_decline(cli *c, int argc, char **argv)
{
    const char *id = NULL, *reason = NULL;
    int64_t at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("ID", &id, check_num, "id"),
        CLI_STR_REQ("reason", "TEXT", &reason),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, sub_decline_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_submission_decline(c->db, num(id), reason, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_submission(c, num(id), 0, 0);
}

int cmd_submission(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", sub_add, "submit a tip or a video link"},
        {"show", sub_show, "show one submission"},
        {"list", sub_list, "list submissions"},
        {"adopt", sub_adopt, "adopt a submission; credit its author"},
        {"decline", sub_decline, "decline a submission with a reason"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "submission", table, argc, argv, sub_help);
}

/* ---- community ------------------------------------------------------------ */

static const char community_help[] =
    "usage: aftersales community COMMAND [ARGS]\n"
    "\n"
    "The community's boards, and its ambassador candidates (推广大使).\n";

static const char boards_help[] =
    "usage: aftersales community boards\n"
    "\n"
    "List the boards of the configuration (id and name).\n";

static const char ambassadors_help[] =
    "usage: aftersales community ambassadors [--from TIME] [--to TIME] [--limit N]\n"
    "\n"
    "Rank ambassador candidates over the window [--from, --to] (default: the 90\n"
    "days up to now): registered users, never erased ones, by\n"
    "  score = posts x w.posts + featured x w.featured\n"
    "          + positive_feedback x w.positive_feedback + adopted x w.adopted\n"
    "with the weights of community.ambassador_weights (1, 5, 2, 5 by default):\n"
    "posts visible now and written in the window, posts featured in the window\n"
    "and not removed, feedback submitted in the window with a sentiment above 0\n"
    "or 4 stars or more, submissions adopted in the window.  Highest score\n"
    "first (then user id), at most N (default 20), each figure beside it.\n";

static int community_boards(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, boards_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    const as_board *b;
    size_t n;
    as_status st = as_community_boards(c->db, &b, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    for (size_t i = 0; i < n; i++) {
        pr_begin(p);
        pr_str(p, "id", b[i].id);
        pr_str(p, "name", b[i].name);
        pr_end(p);
    }
    return cli_print_end(c, p);
}

static int community_ambassadors(cli *c, int argc, char **argv)
{
    int64_t from = 0, to = (int64_t)time(NULL), limit = 20;
    int from_given = 0;
    const cli_opt opts[] = {
        CLI_TIME_GIVEN("from", &from, &from_given),
        CLI_TIME("to", &to),
        CLI_INT("limit", "N", &limit, 1, 10000),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, ambassadors_help);
    if (code != CLI_GO)
        return code;
    if (from_given && from > to)
        return cli_usage(c, "--from is after --to");
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_ambassador_query q = AS_AMBASSADOR_QUERY_INIT;
    q.from = from_given ? from : to - 90 * 86400;
    q.to = to;
    q.limit = limit;
    as_ambassador_iter *it;
    as_status st = as_ambassador_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_ambassador *v;
    while ((st = as_ambassador_next(it, &v)) == AS_OK) {
        pr_begin(p);
        pr_int(p, "rank", v->rank);
        pr_str(p, "user_id", v->user_id);
        pr_str(p, "name", v->name);
        pr_int(p, "score", v->score);
        pr_int(p, "posts", v->posts);
        pr_int(p, "featured", v->featured);
        pr_int(p, "positive_feedback", v->positive_feedback);
        pr_int(p, "adopted", v->adopted);
        pr_time(p, "from", q.from);
        pr_time(p, "to", q.to);
        pr_end(p);
    }
    as_ambassador_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

int cmd_community(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"boards", community_boards, "list the boards"},
        {"ambassadors", community_ambassadors, "rank ambassador candidates"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "community", table, argc, argv, community_help);
}
