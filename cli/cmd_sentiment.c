/* cmd_sentiment.c - aftersales sentiment score|lexicon|train|eval */
#include "cli.h"

#include <errno.h>
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
    "model evidence, and every matched term (evidence) with its byte offset, its\n"
    "base value, its value after the rules and the rules that changed it.\n"
    "--lexicon-only ignores the model.  A TEXT that is not valid UTF-8 is a usage\n"
    "error (exit 64); a line of standard input that is not gives exit 65 (the\n"
    "other lines are still scored).\n";

static const char lexicon_help[] =
    "usage: aftersales sentiment lexicon COMMAND [ARGS]\n"
    "\n"
    "The lexicon: terms with a weight and a kind (word, negator, degree,\n"
    "contrast, concession or rhetorical) and tags.  Built-in terms come from\n"
    "the compiled-in files; terms added by a user are kept by a reload.\n";

static const char lexicon_add_help[] =
    "usage: aftersales sentiment lexicon add TERM --weight W [--kind KIND] [--tag TAG]...\n"
    "\n"
    "Add a term, or change an existing one (it becomes a user term).  --weight W\n"
    "is a number from -5 to 5 (--weight -3 or --weight=-3); --kind is word (the\n"
    "default), negator, degree, contrast, concession or rhetorical; each --tag\n"
    "is a name of a-z, 0-9, _ and -.  Prints the term.\n";

static const char lexicon_remove_help[] =
    "usage: aftersales sentiment lexicon remove TERM\n"
    "\n"
    "Delete a term (built-in or user).  Exit 1 if it is not in the lexicon.\n";

static const char lexicon_list_help[] =
    "usage: aftersales sentiment lexicon list [--tag TAG]\n"
    "\n"
    "List the terms by term: weight, kind, tags and origin (builtin or user).\n"
    "--tag lists the terms with that tag, or of that kind.\n";

static const char lexicon_load_help[] =
    "usage: aftersales sentiment lexicon load\n"
    "\n"
    "Reload the built-in lexicon (removed built-in terms come back; user terms\n"
    "are kept and win).  Prints the number of built-in terms.\n";

static const char train_help[] =
    "usage: aftersales sentiment train [--encoding utf-8|gb18030|utf-16|...]\n"
    "                                  [--delimiter ,|tab|;|pipe] [--skip-bad] [--dry-run]\n"
    "                                  [--rejects FILE [--force]] [--jsonl] FILE|-\n"
    "       aftersales sentiment train --from-ratings\n"
    "       aftersales sentiment train --clear\n"
    "\n"
    "Train the character unigram+bigram naive Bayes model from CSV with a header\n"
    "naming label and review (1 positive, 0 negative); repeated texts count once.\n"
    "Bad rows are reported as FILE:LINE: column: reason, and nothing is trained\n"
    "(exit 65) unless --skip-bad.  --encoding, --delimiter, --rejects, --dry-run\n"
    "and --jsonl work as for feedback import.  --from-ratings trains from the\n"
    "database's feedback(overall, comment): 1-2 stars negative, 4-5 positive.\n"
    "--clear drops the model.  The new model replaces the stored one.\n";

static const char eval_help[] =
    "usage: aftersales sentiment eval [--encoding utf-8|gb18030|utf-16|...]\n"
    "                                 [--delimiter ,|tab|;|pipe] FILE|-\n"
    "\n"
    "Score labelled CSV (label,review) with the lexicon alone and with lexicon\n"
    "plus model, and print for each: accuracy, macro-F1, precision, recall and F1\n"
    "of the negative class (fractions from 0 to 1), texts per second and MB per\n"
    "second.  A text counts as positive when its score is above 0.  --encoding\n"
    "and --delimiter work as for feedback import.\n";

static const char *label_name(int label)
{
    return label > 0 ? "positive" : label < 0 ? "negative" : "neutral";
}

static void print_result(printer *p, const char *text, const as_sentiment_result *r)
{
    pr_begin(p);
    pr_str(p, "text", text);
    pr_real(p, "score", r->score, 4);
    pr_str(p, "label", label_name(r->label));
    pr_real(p, "lexicon", r->lexicon, 4);
    if (r->model_used)
        pr_real(p, "model", r->model, 4);
    else
        pr_null(p, "model");
    pr_arr_begin(p, "evidence");
    for (size_t i = 0; i < r->nterms; i++) {
        const as_sentiment_term *t = &r->terms[i];
        pr_obj_begin(p, NULL);
        pr_str(p, "term", t->term);
        pr_int(p, "offset", (int64_t)t->offset);
        pr_real(p, "base", t->base, 4);
        pr_real(p, "value", t->value, 4);
        pr_arr_begin(p, "rules");
        for (size_t k = 0; k < t->nrules; k++)
            pr_str(p, NULL, t->rules[k]);
        pr_arr_end(p);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_end(p);
}

static int sentiment_score(cli *c, int argc, char **argv)
{
    int lexicon_only = 0;
    cli_list texts = {0};
    const cli_opt opts[] = {
        CLI_FLAG("lexicon-only", &lexicon_only),
        CLI_ARGS("TEXT", &texts, 1),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, score_help);
    if (code != CLI_GO) {
        cli_list_free(&texts);
        return code;
    }
    unsigned flags = lexicon_only ? AS_SENTIMENT_LEXICON_ONLY : 0;
    int from_stdin = strcmp(texts.v[0], "-") == 0;
    for (int i = 1; i < texts.n && !from_stdin; i++)
        from_stdin = strcmp(texts.v[i], "-") == 0;
    if (from_stdin && texts.n > 1) {
        cli_list_free(&texts);
        return cli_usage(c, "- reads standard input; give no other TEXT");
    }
    if ((code = cli_open(c, 0))) {
        cli_list_free(&texts);
        return code;
    }
    printer *p = cli_printer(c, from_stdin || texts.n > 1 ? PR_LIST : PR_ONE);
    int bad = 0;
    as_status st = AS_OK;
    if (!from_stdin) {
        for (int i = 0; i < texts.n && st == AS_OK; i++) {
            as_sentiment_result *r = NULL;
            st = as_sentiment_analyze(&r, c->db, texts.v[i], strlen(texts.v[i]), flags);
            if (st == AS_OK)
                print_result(p, texts.v[i], r);
            as_sentiment_result_free(r);
        }
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        unsigned long long lineno = 0;
        while (st == AS_OK && (n = getline(&line, &cap, stdin)) >= 0) {
            lineno++;
            size_t len = (size_t)n;
            if (len && line[len - 1] == '\n')
                line[--len] = '\0';
            if (len && line[len - 1] == '\r')
                line[--len] = '\0';
            as_sentiment_result *r = NULL;
            st = as_sentiment_analyze(&r, c->db, line, len, flags);
            if (st == AS_INVALID) {
                cli_error(c, "-:%llu: %s", lineno, as_errmsg(c->db));
                bad = 1;
                st = AS_OK;
                continue;
            }
            /* Printed as valid text: an embedded NUL ends the shown text. */
            if (st == AS_OK)
                print_result(p, line, r);
            as_sentiment_result_free(r);
        }
        int rerr = ferror(stdin);
        int e = errno;
        free(line);
        if (rerr && st == AS_OK) {
            cli_print_end(c, p);
            cli_list_free(&texts);
            cli_error(c, "reading standard input: %s", strerror(e));
            return EXIT_IOERR;
        }
    }
    cli_list_free(&texts);
    code = cli_print_end(c, p);
    if (st != AS_OK)
        return cli_fail(c, st);
    if (code)
        return code;
    return bad ? EXIT_DATAERR : 0;
}

/* ---- lexicon ------------------------------------------------------- */

static const cli_choice kinds[] = {
    {"word", AS_LEXICON_WORD},
    {"negator", AS_LEXICON_NEGATOR},
    {"degree", AS_LEXICON_DEGREE},
    {"contrast", AS_LEXICON_CONTRAST},
    {"concession", AS_LEXICON_CONCESSION},
    {"rhetorical", AS_LEXICON_RHETORICAL},
    {NULL, 0},
};

static void print_entry(printer *p, const char *term, double weight, as_lexicon_kind kind,
                        const char *const *tags, size_t ntags, int builtin)
{
    pr_begin(p);
    pr_str(p, "term", term);
    pr_real(p, "weight", weight, 2);
    pr_str(p, "kind", as_lexicon_kind_name(kind));
    pr_arr_begin(p, "tags");
    for (size_t i = 0; i < ntags; i++)
        pr_str(p, NULL, tags[i]);
    pr_arr_end(p);
    pr_str(p, "origin", builtin ? "builtin" : "user");
    pr_end(p);
}

static int lexicon_add(cli *c, int argc, char **argv)
{
    const char *term = NULL;
    double weight = 0;
    int kind = AS_LEXICON_WORD;
    cli_list tags = {0};
    const cli_opt opts[] = {
        CLI_ARG("TERM", &term),
        {.kind = CLI_O_REAL, .name = "weight", .metavar = "W", .dest = &weight, .min = -5,
         .max = 5, .required = 1},
        CLI_CHOICE("kind", &kind, kinds),
        CLI_LIST("tag", "TAG", &tags),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, lexicon_add_help);
    if (code == CLI_GO)
        code = cli_open(c, 0);
    else if (code == 0)
        code = -2;               /* --help or describe: done */
    if (code) {
        cli_list_free(&tags);
        return code == -2 ? 0 : code;
    }
    const char *const *tv = (const char *const *)tags.v;
    as_status st = as_lexicon_add(c->db, term, weight, (as_lexicon_kind)kind, tv, (size_t)tags.n);
    if (st == AS_OK) {
        printer *p = cli_printer(c, PR_ONE);
        print_entry(p, term, weight, (as_lexicon_kind)kind, tv, (size_t)tags.n, 0);
        code = cli_print_end(c, p);
    }
    cli_list_free(&tags);
    return st == AS_OK ? code : cli_fail(c, st);
}

static int lexicon_list(cli *c, int argc, char **argv)
{
    const char *tag = NULL;
    const cli_opt opts[] = {
        CLI_STR("tag", "TAG", &tag),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, lexicon_list_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_lexicon_iter *it;
    as_status st = as_lexicon_iter_new(&it, c->db, tag);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_lexicon_entry *e;
    while ((st = as_lexicon_next(it, &e)) == AS_OK)
        print_entry(p, e->term, e->weight, e->kind, e->tags, e->ntags, e->builtin);
    as_lexicon_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int lexicon_remove(cli *c, int argc, char **argv)
{
    const char *term = NULL;
    const cli_opt opts[] = {
        CLI_ARG("TERM", &term),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, lexicon_remove_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_lexicon_remove(c->db, term);
    return st == AS_OK ? 0 : cli_fail(c, st);
}

static int lexicon_load(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, lexicon_load_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
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
    static const cli_command table[] = {
        {"add", lexicon_add, "add a term or change an existing one"},
        {"remove", lexicon_remove, "delete a term"},
        {"list", lexicon_list, "list the terms"},
        {"load", lexicon_load, "reload the built-in lexicon"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "sentiment lexicon", table, argc, argv, lexicon_help);
}

/* ---- train and eval ------------------------------------------------ */

static int sentiment_train(cli *c, int argc, char **argv)
{
    /* The whole table, so that --help, help --options and every check see
     * one command; a CSV or JSON Lines file then goes to the import runner,
     * which reads the same import options. */
    int ratings = 0, clear = 0, encoding = -1, delimiter = 0, skip_bad = 0, dry_run = 0,
        jsonl = 0, force = 0;
    const char *rejects = NULL, *file = NULL;
    const cli_opt opts[] = {
        CLI_FLAG("from-ratings", &ratings),
        CLI_FLAG("clear", &clear),
        CLI_CHOICE("encoding", &encoding, cli_import_encodings()),
        CLI_CHOICE("delimiter", &delimiter, cli_import_delimiters()),
        CLI_FLAG("skip-bad", &skip_bad),
        CLI_FLAG("dry-run", &dry_run),
        CLI_STR("rejects", "FILE", &rejects),
        CLI_FLAG("force", &force),   /* replace an existing --rejects FILE (cli_import) */
        CLI_FLAG("jsonl", &jsonl),
        CLI_ARG_OPT("FILE", &file),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, train_help);
    if (code != CLI_GO)
        return code;
    if (!ratings && !clear)
        return cli_import(c, argc, argv, as_sentiment_train, train_help, 1);
    if (ratings && clear)
        return cli_usage(c, "give --from-ratings or --clear, not both");
    if (file || encoding >= 0 || delimiter || skip_bad || dry_run || jsonl || rejects || force)
        return cli_usage(c, "%s takes no other argument", ratings ? "--from-ratings" : "--clear");
    if ((code = cli_open(c, 0)))
        return code;
    printer *p;
    if (clear) {
        as_status st = as_sentiment_model_clear(c->db);
        if (st != AS_OK)
            return cli_fail(c, st);
        p = cli_printer(c, PR_ONE);
        pr_begin(p);
        pr_bool(p, "cleared", 1);
        pr_end(p);
        return cli_print_end(c, p);
    }
    as_import_stats stats = {0};
    as_status st = as_sentiment_train_ratings(c->db, &stats);
    if (st != AS_OK)
        return cli_fail(c, st);
    p = cli_printer(c, PR_ONE);
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
    int encoding = -1, delimiter = 0;
    const char *file = NULL;
    const cli_opt opts[] = {
        CLI_CHOICE("encoding", &encoding, cli_import_encodings()),
        CLI_CHOICE("delimiter", &delimiter, cli_import_delimiters()),
        CLI_ARG("FILE", &file),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, eval_help);
    if (code != CLI_GO)
        return code;
    as_sentiment_eval_options eo = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    if (encoding >= 0)
        eo.encoding = cli_import_encodings()[encoding].name;
    eo.delimiter = (char)delimiter;
    FILE *in = cli_open_input(c, file, &code);
    if (!in)
        return code;
    if ((code = cli_open(c, 0))) {
        if (in != stdin)
            fclose(in);
        return code;
    }
    as_sentiment_eval e;
    as_status st = as_sentiment_evaluate(&e, c->db, in, file, &eo);
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
