/* cmd_sentiment.c - aftersales sentiment score|lexicon|train|eval */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales sentiment COMMAND [ARGS]\n"
    "\n"
    "Explainable Chinese sentiment of feedback text: a lexicon written for this\n"
    "domain with rules (negation, degree words, contrast, ！/？, emoji), plus an\n"
    "optional character n-gram model trained from labelled text or star ratings.\n";

static const char score_help[] =
    "usage: aftersales sentiment score [--lexicon-only] TEXT...|-\n"
    "\n"
    "Score each TEXT (or, with -, each line of standard input) and print the\n"
    "score in [-1, 1], the label (negative, neutral, positive), the lexicon and\n"
    "model evidence, and every matched term with its base value, its value after\n"
    "the rules and the rules that changed it.  --lexicon-only ignores the model.\n"
    "Exit 65 if a text is not valid UTF-8 (the other texts are still scored).\n";

static const char lexicon_help[] =
    "usage: aftersales sentiment lexicon add TERM WEIGHT [--kind KIND] [--tag TAG]...\n"
    "       aftersales sentiment lexicon remove TERM\n"
    "       aftersales sentiment lexicon list [--tag TAG]\n"
    "       aftersales sentiment lexicon load\n"
    "\n"
    "add      add a term or change an existing one (WEIGHT -5..5; KIND word\n"
    "         (default), negator, degree, contrast, concession or rhetorical)\n"
    "remove   delete a term; exit 1 if it is not in the lexicon\n"
    "list     list the terms (--tag: with that tag or kind)\n"
    "load     reload the built-in lexicon (user terms are kept)\n";

static const char train_help[] =
    "usage: aftersales sentiment train [--encoding utf-8|gb18030] [--skip-bad] [--dry-run]\n"
    "                                  [--rejects FILE] FILE|-\n"
    "       aftersales sentiment train --from-ratings\n"
    "       aftersales sentiment train --clear\n"
    "\n"
    "Train the character unigram+bigram naive Bayes model from CSV with a header\n"
    "naming label and review (1 positive, 0 negative); repeated texts count once.\n"
    "Bad rows are reported as FILE:LINE: column: reason, and nothing is trained\n"
    "(exit 65) unless --skip-bad.  --from-ratings trains from the database's\n"
    "feedback(overall, comment): 1-2 stars negative, 4-5 positive.  --clear drops\n"
    "the model.  The new model replaces the stored one.\n";

static const char eval_help[] =
    "usage: aftersales sentiment eval [--encoding utf-8|gb18030] FILE|-\n"
    "\n"
    "Score labelled CSV (label,review) with the lexicon alone and with lexicon\n"
    "plus model, and print for each: accuracy, macro-F1, precision, recall and F1\n"
    "of the negative class, texts per second and MB per second.  A text counts as\n"
    "positive when its score is above 0.\n";

enum { OPT_LEXONLY = 256, OPT_KIND, OPT_TAG, OPT_ENCODING, OPT_RATINGS, OPT_CLEAR };

static const char *label_name(int label)
{
    return label > 0 ? "positive" : label < 0 ? "negative" : "neutral";
}

/* Append to a growing string; returns -1 when out of memory. */
static int cat(char **s, size_t *len, size_t *cap, const char *add)
{
    size_t n = strlen(add);
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 128;
        while (*len + n + 1 > c)
            c *= 2;
        char *p = realloc(*s, c);
        if (!p)
            return -1;
        *s = p;
        *cap = c;
    }
    memcpy(*s + *len, add, n + 1);
    *len += n;
    return 0;
}

/* A JSON string literal into a buffer. */
static int cat_json(char **s, size_t *len, size_t *cap, const char *v)
{
    char tmp[8];
    if (cat(s, len, cap, "\""))
        return -1;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)*p;
            tmp[2] = '\0';
        } else if (*p < 0x20) {
            snprintf(tmp, sizeof tmp, "\\u%04x", *p);
        } else {
            tmp[0] = (char)*p;
            tmp[1] = '\0';
        }
        if (cat(s, len, cap, tmp))
            return -1;
    }
    return cat(s, len, cap, "\"");
}

static double clean(double v)
{
    return fabs(v) < 5e-5 ? 0.0 : v;
}

static int print_result(cli *c, printer *p, const char *text, const as_sentiment_result *r)
{
    char *json = NULL, *plain = NULL;
    size_t jl = 0, jc = 0, tl = 0, tc = 0;
    char num[160];
    int oom = cat(&json, &jl, &jc, "[") || cat(&plain, &tl, &tc, "");
    for (size_t i = 0; !oom && i < r->nterms; i++) {
        const as_sentiment_term *t = &r->terms[i];
        oom |= cat(&json, &jl, &jc, i ? ",{\"term\":" : "{\"term\":");
        oom |= cat_json(&json, &jl, &jc, t->term);
        snprintf(num, sizeof num, ",\"offset\":%zu,\"base\":%.4g,\"value\":%.4g,\"rules\":",
                 t->offset, clean(t->base), clean(t->value));
        oom |= cat(&json, &jl, &jc, num);
        oom |= cat_json(&json, &jl, &jc, t->rules);
        oom |= cat(&json, &jl, &jc, "}");
        if (i)
            oom |= cat(&plain, &tl, &tc, "; ");
        oom |= cat(&plain, &tl, &tc, t->term);
        snprintf(num, sizeof num, " %+.3g", clean(t->base));
        oom |= cat(&plain, &tl, &tc, num);
        if (t->rules[0]) {
            snprintf(num, sizeof num, "\xE2\x86\x92%+.3g (", clean(t->value));
            oom |= cat(&plain, &tl, &tc, num);
            oom |= cat(&plain, &tl, &tc, t->rules);
            oom |= cat(&plain, &tl, &tc, ")");
        }
    }
    oom |= cat(&json, &jl, &jc, "]");
    if (oom) {
        free(json);
        free(plain);
        cli_error(c, "out of memory");
        return EXIT_SOFTWARE;
    }
    pr_begin(p);
    pr_str(p, "text", text);
    pr_real(p, "score", clean(r->score), 4);
    pr_str(p, "label", label_name(r->label));
    pr_real(p, "lexicon", clean(r->lexicon), 4);
    if (r->model_used)
        pr_real(p, "model", clean(r->model), 4);
    else
        pr_null(p, "model");
    pr_raw(p, "evidence", json, plain);
    pr_end(p);
    free(json);
    free(plain);
    return 0;
}

static int sentiment_score(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(score_help, stdout), 0;
    static const struct option opts[] = {{"lexicon-only", no_argument, NULL, OPT_LEXONLY},
                                         {NULL, 0, NULL, 0}};
    unsigned flags = 0;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == OPT_LEXONLY)
            flags |= AS_SENTIMENT_LEXICON_ONLY;
        else
            return cli_usage(c, "unknown option '%s'", argv[optind - 1]);
    }
    if (optind >= argc)
        return cli_usage(c, "give a TEXT to score, or - for one text per line of stdin");
    int from_stdin = strcmp(argv[optind], "-") == 0;
    if (from_stdin && optind + 1 < argc)
        return cli_usage(c, "- reads standard input; give no other TEXT");
    int code = cli_open(c, 0);
    if (code)
        return code;
    printer *p = cli_printer(c, from_stdin || argc - optind > 1 ? PR_LIST : PR_ONE);
    int bad = 0;
    if (!from_stdin) {
        for (int i = optind; i < argc && !code; i++) {
            as_sentiment_result *r = NULL;
            as_status st = as_sentiment_analyze(&r, c->db, argv[i], strlen(argv[i]), flags);
            if (st == AS_INVALID) {
                cli_error(c, "argument %d: %s", i - optind + 1, as_errmsg(c->db));
                bad = 1;
                continue;
            }
            if (st != AS_OK) {
                pr_finish(p);
                return cli_fail(c, st);
            }
            code = print_result(c, p, argv[i], r);
            as_sentiment_result_free(r);
        }
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        unsigned long long lineno = 0;
        while (!code && (n = getline(&line, &cap, stdin)) >= 0) {
            lineno++;
            size_t len = (size_t)n;
            if (len && line[len - 1] == '\n')
                line[--len] = '\0';
            if (len && line[len - 1] == '\r')
                line[--len] = '\0';
            as_sentiment_result *r = NULL;
            as_status st = as_sentiment_analyze(&r, c->db, line, len, flags);
            if (st == AS_INVALID) {
                cli_error(c, "-:%llu: %s", lineno, as_errmsg(c->db));
                bad = 1;
                continue;
            }
            if (st != AS_OK) {
                free(line);
                pr_finish(p);
                return cli_fail(c, st);
            }
            /* Printed as valid text: an embedded NUL ends the shown text. */
            code = print_result(c, p, line, r);
            as_sentiment_result_free(r);
        }
        int rerr = ferror(stdin);
        free(line);
        if (rerr && !code) {
            cli_error(c, "reading standard input: %s", strerror(errno));
            code = EXIT_IOERR;
        }
    }
    int pcode = cli_print_end(c, p);
    if (code)
        return code;
    if (pcode)
        return pcode;
    return bad ? EXIT_DATAERR : 0;
}

/* ---- lexicon ------------------------------------------------------- */

static void print_entry(printer *p, const as_lexicon_entry *e)
{
    pr_begin(p);
    pr_str(p, "term", e->term);
    pr_real(p, "weight", e->weight, 2);
    pr_str(p, "kind", e->kind);
    pr_str(p, "tags", e->tags);
    pr_str(p, "origin", e->builtin ? "builtin" : "user");
    pr_end(p);
}

static int parse_weight(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int lexicon_add(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"kind", required_argument, NULL, OPT_KIND},
                                         {"tag", required_argument, NULL, OPT_TAG},
                                         {NULL, 0, NULL, 0}};
    const char *kind = NULL;
    char tags[512] = "";
    int o;
    optind = 0;
    opterr = 0;
    /* "+" stops at the first argument so that a negative WEIGHT is not an option. */
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o == OPT_KIND) {
            kind = optarg;
        } else if (o == OPT_TAG) {
            size_t n = strlen(tags);
            if (n + strlen(optarg) + 2 > sizeof tags)
                return cli_usage(c, "too many tags");
            snprintf(tags + n, sizeof tags - n, "%s%s", n ? "," : "", optarg);
        } else {
            return cli_usage(c, "unknown option '%s'", argv[optind - 1]);
        }
    }
    /* Options may also follow TERM WEIGHT. */
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "--kind") == 0 || strcmp(argv[i], "--tag") == 0) {
            if (i + 1 >= argc)
                return cli_usage(c, "%s needs a value", argv[i]);
            if (argv[i][2] == 'k') {
                kind = argv[++i];
            } else {
                size_t n = strlen(tags);
                if (n + strlen(argv[i + 1]) + 2 > sizeof tags)
                    return cli_usage(c, "too many tags");
                snprintf(tags + n, sizeof tags - n, "%s%s", n ? "," : "", argv[++i]);
            }
        } else if (strncmp(argv[i], "--", 2) == 0 && argv[i][2]) {
            return cli_usage(c, "unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage(c, "unexpected argument '%s'", argv[i]);
        }
    }
    if (npos < 2)
        return cli_usage(c, "give a TERM and a WEIGHT");
    double w;
    if (parse_weight(pos[1], &w))
        return cli_usage(c, "WEIGHT must be a number, not '%s'", pos[1]);
    int code = cli_open(c, 0);
    if (code)
        return code;
    as_status st = as_lexicon_add(c->db, pos[0], w, kind, tags);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "term", pos[0]);
    pr_real(p, "weight", w, 2);
    pr_str(p, "kind", kind ? kind : "word");
    pr_str(p, "tags", tags);
    pr_str(p, "origin", "user");
    pr_end(p);
    return cli_print_end(c, p);
}

static int lexicon_list(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"tag", required_argument, NULL, OPT_TAG},
                                         {NULL, 0, NULL, 0}};
    const char *tag = NULL;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == OPT_TAG)
            tag = optarg;
        else
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    int code = cli_open(c, 0);
    if (code)
        return code;
    as_lexicon_iter *it;
    as_status st = as_lexicon_iter_new(&it, c->db, tag);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_lexicon_entry *e;
    while ((st = as_lexicon_next(it, &e)) == AS_OK)
        print_entry(p, e);
    as_lexicon_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int lexicon_remove(cli *c, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage(c, argc < 2 ? "which term? give a TERM" : "give exactly one TERM");
    int code = cli_open(c, 0);
    if (code)
        return code;
    as_status st = as_lexicon_remove(c->db, argv[1]);
    if (st != AS_OK)
        return cli_fail(c, st);
    return 0;
}

static int lexicon_load(cli *c, int argc, char **argv)
{
    if (argc > 1)
        return cli_usage(c, "unexpected argument '%s'", argv[1]);
    int code = cli_open(c, 0);
    if (code)
        return code;
    int n = 0;
    as_status st = as_lexicon_load(c->db, &n);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "builtin_terms", n);
    pr_end(p);
    return cli_print_end(c, p);
}

static int sentiment_lexicon(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(lexicon_help, stdout), 0;
    if (argc < 2)
        return cli_usage(c, "give add, remove, list or load");
    const char *sub = argv[1];
    snprintf(c->command, sizeof c->command, "sentiment lexicon %s", sub);
    if (strcmp(sub, "add") == 0)
        return lexicon_add(c, argc - 1, argv + 1);
    if (strcmp(sub, "remove") == 0)
        return lexicon_remove(c, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return lexicon_list(c, argc - 1, argv + 1);
    if (strcmp(sub, "load") == 0)
        return lexicon_load(c, argc - 1, argv + 1);
    snprintf(c->command, sizeof c->command, "sentiment lexicon");
    return cli_usage(c, "unknown command '%s'", sub);
}

/* ---- train and eval ------------------------------------------------ */

static int sentiment_train(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(train_help, stdout), 0;
    int ratings = 0, clear = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from-ratings") == 0)
            ratings = 1;
        else if (strcmp(argv[i], "--clear") == 0)
            clear = 1;
    }
    if (!ratings && !clear)
        return cli_import(c, argc, argv, as_sentiment_train, train_help, 1);
    if (argc != 2)
        return cli_usage(c, "%s takes no other argument", ratings ? "--from-ratings" : "--clear");
    int code = cli_open(c, 0);
    if (code)
        return code;
    if (clear) {
        as_status st = as_sentiment_model_clear(c->db);
        return st == AS_OK ? 0 : cli_fail(c, st);
    }
    as_import_stats stats = {0};
    as_status st = as_sentiment_train_ratings(c->db, &stats);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_int(p, "rows", (int64_t)stats.rows);
    pr_int(p, "texts", (int64_t)stats.inserted);
    pr_int(p, "duplicates", (int64_t)stats.unchanged);
    pr_end(p);
    return cli_print_end(c, p);
}

static void print_metrics(printer *p, const char *scorer, const as_sentiment_eval *e,
                          const as_sentiment_metrics *m)
{
    pr_begin(p);
    pr_str(p, "scorer", scorer);
    pr_int(p, "texts", (int64_t)e->texts);
    pr_real(p, "accuracy", m->accuracy, 4);
    pr_real(p, "macro_f1", m->macro_f1, 4);
    pr_real(p, "neg_precision", m->neg_precision, 4);
    pr_real(p, "neg_recall", m->neg_recall, 4);
    pr_real(p, "neg_f1", m->neg_f1, 4);
    pr_real(p, "texts_per_sec", m->texts_per_sec, 0);
    pr_real(p, "mb_per_sec", m->mb_per_sec, 1);
    pr_end(p);
}

static int sentiment_eval(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(eval_help, stdout), 0;
    static const struct option opts[] = {{"encoding", required_argument, NULL, OPT_ENCODING},
                                         {NULL, 0, NULL, 0}};
    const char *encoding = NULL;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == OPT_ENCODING)
            encoding = optarg;
        else
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (optind >= argc)
        return cli_usage(c, "give a labelled CSV FILE, or - for stdin");
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    int code = 0;
    FILE *in = cli_open_input(c, argv[optind], &code);
    if (!in)
        return code;
    if ((code = cli_open(c, 0))) {
        if (in != stdin)
            fclose(in);
        return code;
    }
    as_sentiment_eval e;
    as_status st = as_sentiment_evaluate(&e, c->db, in, argv[optind], encoding);
    if (in != stdin)
        fclose(in);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    print_metrics(p, "lexicon", &e, &e.lexicon);
    print_metrics(p, e.model_used ? "lexicon+model" : "lexicon (no model)", &e, &e.combined);
    return cli_print_end(c, p);
}

int cmd_sentiment(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"score", sentiment_score, "score text and explain the score"},
        {"lexicon", sentiment_lexicon, "add, remove, list or reload lexicon terms"},
        {"train", sentiment_train, "train the model from labelled CSV or ratings"},
        {"eval", sentiment_eval, "measure accuracy and speed on labelled CSV"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "sentiment", table, argc, argv, group_help);
}
