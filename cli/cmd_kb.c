/* cmd_kb.c - aftersales kb add|import|show|list|search|suggest|stats */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales kb COMMAND [ARGS]\n"
    "\n"
    "Knowledge base articles that agents use to answer tickets.  Search works\n"
    "on Chinese without a word segmenter (SQLite FTS5, trigram tokenizer).\n"
    "An article is named by its number, or by its external article_id.\n";

static const char add_help[] =
    "usage: aftersales kb add --title TITLE --body BODY [--category CATEGORY]\n"
    "                         [--tags TAG,TAG] [--article-id KEY]\n"
    "\n"
    "Add an article and print it.  --body - reads the body from standard input.\n"
    "Tags are separated by , ， or 、.  Exit 65 if a value is invalid or the\n"
    "article id exists.\n";

static const char import_help[] =
    "usage: aftersales kb import [--skip-bad] [--dry-run] [--rejects FILE [--force]] FILE|-\n"
    "\n"
    "Upsert articles from JSON Lines: one object a line with the keys\n"
    "article_id (required), title, body (both required for a new article),\n"
    "category and tags (\"退款,发票\").  Keyed by article_id: importing the same\n"
    "file twice changes nothing.  Every bad line is reported as FILE:LINE:\n"
    "field: reason; if any is bad nothing is imported (exit 65) unless\n"
    "--skip-bad.  --dry-run does the real work and rolls it back.  The summary\n"
    "goes to stderr, or to stdout as an object with --format json|jsonl.\n";

static const char show_help[] =
    "usage: aftersales kb show ID\n"
    "\n"
    "Print one article with its body and how many tickets it resolved.  ID is\n"
    "the article number, or its article_id when not all digits.  Exit 1 if\n"
    "there is no such article.\n";

static const char list_help[] =
    "usage: aftersales kb list [--category CATEGORY] [--limit N]\n"
    "\n"
    "List articles in number order (without bodies).\n";

static const char search_help[] =
    "usage: aftersales kb search QUERY [--category CATEGORY] [--limit N]\n"
    "\n"
    "Articles matching every word of QUERY, best first (default limit 10).\n"
    "Words of three or more characters use the full-text index, ranked by\n"
    "bm25 (title weighs most, then tags, then body).  Shorter words (退款) are\n"
    "matched as substrings of title, tags and body, title matches first.\n";

static const char suggest_help[] =
    "usage: aftersales kb suggest [--category CATEGORY] [--limit N] TEXT\n"
    "\n"
    "Propose articles for a ticket's category and text (subject and body),\n"
    "best first (default limit 5).  Articles of the same category count\n"
    "double.  The tickets command `ticket suggest` uses the same search.\n";

static const char stats_help[] =
    "usage: aftersales kb stats [--category CATEGORY] [--limit N]\n"
    "\n"
    "Every article with the number of tickets it resolved, most first.\n";

static void print_tags(printer *p, const as_kb_article *a)
{
    pr_arr_begin(p, "tags");
    for (size_t i = 0; i < a->ntags; i++)
        pr_str(p, NULL, a->tags[i]);
    pr_arr_end(p);
}

static void print_article(printer *p, const as_kb_article *a, int with_body)
{
    pr_begin(p);
    pr_int(p, "id", a->id);
    pr_str(p, "article_id", a->article_id);
    pr_str(p, "category", a->category);
    pr_str(p, "title", a->title);
    print_tags(p, a);
    pr_int(p, "resolved", a->resolved);
    pr_time(p, "last_resolved_at", a->last_resolved_at);
    pr_time(p, "created_at", a->created_at);
    pr_time(p, "updated_at", a->updated_at);
    if (with_body)
        pr_str(p, "body", a->body);
    pr_end(p);
}

/* An article number, or an external key. */
static as_status get_article(cli *c, const char *ref, as_kb_article **out)
{
    int digits = ref[0] != '\0' && strlen(ref) < 19;
    for (const char *s = ref; *s && digits; s++)
        digits = *s >= '0' && *s <= '9';
    if (digits)
        return as_kb_get(out, c->db, strtoll(ref, NULL, 10));
    return as_kb_get_by_key(out, c->db, ref);
}

static int show_one(cli *c, const char *ref)
{
    as_kb_article *a = NULL;
    as_status st = get_article(c, ref, &a);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_article(p, a, 1);
    as_kb_article_free(a);
    return cli_print_end(c, p);
}

/* Read all of standard input for --body -. */
static char *read_stdin(void)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                return NULL;
            }
            buf = b;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

static int kb_add(cli *c, int argc, char **argv)
{
    as_kb_input in = AS_KB_INPUT_INIT;
    const cli_opt opts[] = {
        CLI_STR_REQ("title", "TITLE", &in.title),
        CLI_STR_REQ("body", "BODY", &in.body),
        CLI_CHECKED("category", "CATEGORY", &in.category, cli_check_id, "id"),
        CLI_STR("tags", "TAG,TAG", &in.tags),
        CLI_CHECKED("article-id", "KEY", &in.article_id, cli_check_id, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, add_help);
    if (code != CLI_GO)
        return code;
    char *body = NULL;
    if (strcmp(in.body, "-") == 0) {
        if (!(body = read_stdin())) {
            cli_error(c, "reading the body from standard input failed");
            return EXIT_IOERR;
        }
        in.body = body;
    }
    if ((code = cli_open(c, 0))) {
        free(body);
        return code;
    }
    int64_t id = 0;
    as_status st = as_kb_add(c->db, &in, &id);
    free(body);
    if (st != AS_OK)
        return cli_fail(c, st);
    char ref[32];
    snprintf(ref, sizeof ref, "%lld", (long long)id);
    return show_one(c, ref);
}

static as_status import_jsonl(as_db *db, FILE *in, const char *name,
                              const as_import_options *opts, as_import_stats *stats)
{
    as_import_options o = *opts;
    o.flags |= AS_IMPORT_JSONL;
    return as_kb_import(db, in, name, &o, stats);
}

static int kb_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, import_jsonl, import_help, 1);
}

static int kb_show(cli *c, int argc, char **argv)
{
    const char *ref = NULL;
    const cli_opt opts[] = {
        CLI_ARG("ID", &ref),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_one(c, ref);
}

/* Print an iterator's articles and free it; search results get rank and
 * score. */
static int print_iter(cli *c, as_kb_iter *it, int ranked)
{
    printer *p = cli_printer(c, PR_LIST);
    const as_kb_article *a;
    as_status st;
    int64_t rank = 0;
    while ((st = as_kb_next(it, &a)) == AS_OK) {
        if (!ranked) {
            print_article(p, a, 0);
            continue;
        }
        pr_begin(p);
        pr_int(p, "rank", ++rank);
        pr_int(p, "id", a->id);
        pr_str(p, "article_id", a->article_id);
        pr_str(p, "category", a->category);
        pr_str(p, "title", a->title);
        pr_real(p, "score", a->score, 3);
        pr_int(p, "resolved", a->resolved);
        pr_end(p);
    }
    as_kb_iter_free(it);
    int code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

enum { KB_LIST, KB_STATS, KB_SEARCH, KB_SUGGEST };

/* list, stats, search QUERY, suggest TEXT: --category and --limit. */
static int kb_query(cli *c, int argc, char **argv, int what)
{
    static const char *const helps[] = {list_help, stats_help, search_help, suggest_help};
    as_kb_query q = AS_KB_QUERY_INIT;
    const char *text = NULL;
    q.limit = what == KB_SEARCH ? 10 : what == KB_SUGGEST ? 5 : 0;
    cli_opt opts[] = {
        CLI_CHECKED("category", "CATEGORY", &q.category, cli_check_id, "id"),
        CLI_INT("limit", "N", &q.limit, 1, INT64_MAX),
        CLI_ARG(what == KB_SEARCH ? "QUERY" : "TEXT", &text),
        CLI_END,
    };
    if (what == KB_LIST || what == KB_STATS)
        opts[2] = (cli_opt)CLI_END;
    int code = cli_parse(c, argc, argv, opts, helps[what]);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_kb_iter *it;
    as_status st = AS_OK;
    switch (what) {
    case KB_LIST: st = as_kb_list_iter_new(&it, c->db, &q); break;
    case KB_STATS: st = as_kb_stats_iter_new(&it, c->db, &q); break;
    case KB_SEARCH: st = as_kb_search_iter_new(&it, c->db, text, &q); break;
    default: st = as_kb_suggest_iter_new(&it, c->db, text, &q); break;
    }
    if (st != AS_OK)
        return cli_fail(c, st);
    if (what != KB_STATS)
        return print_iter(c, it, what != KB_LIST);
    printer *p = cli_printer(c, PR_LIST);
    const as_kb_article *a;
    while ((st = as_kb_next(it, &a)) == AS_OK) {
        pr_begin(p);
        pr_int(p, "id", a->id);
        pr_str(p, "article_id", a->article_id);
        pr_str(p, "category", a->category);
        pr_str(p, "title", a->title);
        pr_int(p, "resolved", a->resolved);
        pr_time(p, "last_resolved_at", a->last_resolved_at);
        pr_end(p);
    }
    as_kb_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int kb_list(cli *c, int argc, char **argv) { return kb_query(c, argc, argv, KB_LIST); }
static int kb_stats(cli *c, int argc, char **argv) { return kb_query(c, argc, argv, KB_STATS); }
static int kb_search(cli *c, int argc, char **argv) { return kb_query(c, argc, argv, KB_SEARCH); }
static int kb_suggest(cli *c, int argc, char **argv) { return kb_query(c, argc, argv, KB_SUGGEST); }

int cli_print_kb_iter(cli *c, as_kb_iter *it)
{
    return print_iter(c, it, 1);
}

int cmd_kb(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", kb_add, "add an article"},
        {"import", kb_import, "upsert articles from JSON Lines"},
        {"show", kb_show, "show one article"},
        {"list", kb_list, "list articles"},
        {"search", kb_search, "full-text search (Chinese, any length)"},
        {"suggest", kb_suggest, "articles for a ticket's category and text"},
        {"stats", kb_stats, "tickets resolved per article"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "kb", table, argc, argv, group_help);
}
