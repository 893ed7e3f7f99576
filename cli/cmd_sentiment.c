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
    "optional model trained from labelled text or star ratings: logistic\n"
    "regression over character n-grams combined with the lexicon by a learned\n"
    "layer (or naive Bayes, for comparison).  Traditional characters read as\n"
    "simplified.\n";

static const char score_help[] =
    "usage: aftersales sentiment score [--lexicon-only] TEXT...|-\n"
    "\n"
    "Score each TEXT (or, with -, each line of standard input) and print the\n"
    "score in [-1, 1], the label (negative, neutral, positive), the lexicon and\n"
    "model evidence, and every matched term (evidence) with its byte offset, its\n"
    "base value, its value after the rules and the rules that changed it; with\n"
    "the logistic regression model also the character n-grams (ngrams) that move\n"
    "its log-odds most, each with its part of it.  With that model the score is\n"
    "2 P(positive) - 1, calibrated alike for short and long texts.\n"
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
    "usage: aftersales sentiment train [--model lr|nb] [--holdout SHARE] [--folds K] [--c C]\n"
    "                                  [--encoding utf-8|gb18030|utf-16|...]\n"
    "                                  [--delimiter ,|tab|;|pipe] [--skip-bad] [--dry-run]\n"
    "                                  [--rejects FILE [--force]] [--jsonl] FILE|-\n"
    "       aftersales sentiment train --from-ratings [--model lr|nb] [--holdout SHARE]\n"
    "                                  [--folds K] [--c C]\n"
    "       aftersales sentiment train --clear\n"
    "\n"
    "Train a model from CSV with a header naming label and review (1 positive,\n"
    "0 negative), or with --from-ratings from the database's feedback(overall,\n"
    "comment): 1-2 stars negative, 4-5 positive.  A repeated text counts once\n"
    "(its first label wins).  --model lr (the default) is logistic regression\n"
    "over character 1-3-grams (sublinear tf-idf, L2-normalised, scaled by the\n"
    "naive Bayes log-count ratio as in NBSVM), its\n"
    "regularisation chosen by K-fold cross-validation (--folds, default 5; --c\n"
    "fixes C instead, 0.001 to 1000), combined with the lexicon by a layer\n"
    "fitted on the out-of-fold log-odds; --model nb is the naive Bayes model of\n"
    "earlier versions, for comparison.  --holdout SHARE (0 to 0.9) sets that\n"
    "share of the distinct texts aside, chosen by a hash of the text, for\n"
    "sentiment eval --holdout.  Fewer than sentiment.min_class_texts texts of a\n"
    "class (100 unless configured) is refused (exit 65).  Bad rows are reported\n"
    "as FILE:LINE: column: reason, and nothing is trained (exit 65) unless\n"
    "--skip-bad.  --encoding, --delimiter, --rejects, --dry-run and --jsonl work\n"
    "as for feedback import; the summary of a FILE is the import's (the model is\n"
    "described on standard error, and by sentiment model).  --clear drops the\n"
    "model.  The new model replaces the stored one.\n";

static const char eval_help[] =
    "usage: aftersales sentiment eval [--holdout SHARE] [--by-length]\n"
    "                                 [--encoding utf-8|gb18030|utf-16|...]\n"
    "                                 [--delimiter ,|tab|;|pipe] FILE|-\n"
    "       aftersales sentiment eval --from-ratings [--holdout SHARE] [--by-length]\n"
    "\n"
    "Score labelled CSV (label,review), or with --from-ratings the feedback\n"
    "ratings, with each scorer: the lexicon alone, each stored model alone (nb,\n"
    "lr) and the combination (lexicon+model), and print for each: accuracy,\n"
    "macro-F1, precision, recall and F1 of the negative class (fractions from 0\n"
    "to 1), texts per second and MB per second (CPU time of one core, the best\n"
    "of several passes).  A text counts as positive when its score is above 0.\n"
    "--holdout SHARE scores only the distinct texts that train --holdout SHARE\n"
    "set aside.  --by-length prints instead, per scorer and length bucket (1-10,\n"
    "11-30, 31-100, 101-300, 301+ characters), accuracy, macro-F1 and a\n"
    "reliability table: per score bin the mean score and the share of positive\n"
    "texts (a calibrated score s has (s + 1) / 2 positive), and its mean gap,\n"
    "calibration_error.  --encoding and --delimiter work as for feedback import.\n";

static const char model_help[] =
    "usage: aftersales sentiment model\n"
    "\n"
    "Describe the stored model: its kind (lr, nb or none), when and from what it\n"
    "was trained, the texts of each class and those held out, the\n"
    "regularisation tried by cross-validation and the one chosen, the learned\n"
    "combination by length bucket, and its size.\n";

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
    pr_arr_begin(p, "ngrams");
    for (size_t i = 0; i < r->nngrams; i++) {
        const as_sentiment_ngram *g = &r->ngrams[i];
        pr_obj_begin(p, NULL);
        pr_str(p, "ngram", g->ngram);
        pr_int(p, "offset", (int64_t)g->offset);
        pr_int(p, "count", g->count);
        pr_real(p, "value", g->value, 4);
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

static const cli_choice model_kinds[] = {
    {"lr", AS_SENTIMENT_MODEL_LR},
    {"nb", AS_SENTIMENT_MODEL_NB},
    {NULL, 0},
};

/* The training of a FILE goes through the import runner, whose function
 * has an import's signature: the options and the outcome pass here. */
static struct {
    as_sentiment_train_options opts;
    as_sentiment_training result;
    int trained;
} train_run;

static as_status train_file(as_db *db, FILE *in, const char *name, const as_import_options *io,
                            as_import_stats *stats)
{
    as_status st = as_sentiment_train_file(&train_run.result, db, in, name, io, &train_run.opts,
                                           stats);
    train_run.trained = st == AS_OK;
    return st;
}

/* The name of a choice's value (the first with it). */
static const char *choice_name(const cli_choice *ch, int value)
{
    for (; ch->name; ch++)
        if (ch->value == value)
            return ch->name;
    return NULL;
}

static void print_training(printer *p, const as_sentiment_training *r)
{
    int lr = r->model == AS_SENTIMENT_MODEL_LR;
    pr_begin(p);
    pr_int(p, "rows", (int64_t)r->rows);
    pr_int(p, "texts", (int64_t)r->texts);
    pr_int(p, "duplicates", (int64_t)r->duplicates);
    pr_int(p, "conflicts", (int64_t)r->conflicts);
    pr_int(p, "held_out", (int64_t)r->held_out);
    pr_int(p, "negative", (int64_t)r->negative);
    pr_int(p, "positive", (int64_t)r->positive);
    pr_str(p, "model", as_sentiment_model_name(r->model));
    if (lr) {
        pr_int(p, "folds", r->folds);
        pr_real(p, "c", r->c, 3);
        pr_real(p, "cv_macro_f1", r->cv_macro_f1, 4);
        pr_real(p, "combined_cv_macro_f1", r->combined_cv_macro_f1, 4);
    } else {
        pr_null(p, "folds");
        pr_null(p, "c");
        pr_null(p, "cv_macro_f1");
        pr_null(p, "combined_cv_macro_f1");
    }
    pr_int(p, "model_bytes", (int64_t)r->model_bytes);
    pr_real(p, "seconds", r->seconds, 2);
    pr_end(p);
}

static int sentiment_train(cli *c, int argc, char **argv)
{
    /* The whole table, so that --help, help --options and every check see
     * one command; a CSV or JSON Lines file then goes to the import runner
     * with the import options alone. */
    int ratings = 0, clear = 0, encoding = -1, delimiter = 0, skip_bad = 0, dry_run = 0,
        jsonl = 0, model = AS_SENTIMENT_MODEL_LR, model_given = 0, holdout_given = 0,
        folds_given = 0, c_given = 0, force = 0;
    int64_t folds = 5;
    double holdout = 0, cval = 0;
    const char *rejects = NULL, *file = NULL;
    const cli_opt opts[] = {
        CLI_FLAG("from-ratings", &ratings),
        CLI_FLAG("clear", &clear),
        {.kind = CLI_O_CHOICE, .name = "model", .dest = &model, .choices = model_kinds,
         .given = &model_given},
        {.kind = CLI_O_REAL, .name = "holdout", .metavar = "SHARE", .dest = &holdout, .min = 0,
         .max = 1, .given = &holdout_given},
        {.kind = CLI_O_INT, .name = "folds", .metavar = "K", .dest = &folds, .min = 2, .max = 10,
         .given = &folds_given},
        {.kind = CLI_O_REAL, .name = "c", .metavar = "C", .dest = &cval, .min = 0, .max = 1000,
         .given = &c_given},
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
    if (holdout > 0.9)
        return cli_usage(c, "--holdout: %g is out of range (0 to 0.9)", holdout);
    if (c_given && cval < 0.001)
        return cli_usage(c, "--c: %g is out of range (0.001 to 1000)", cval);
    if (ratings && clear)
        return cli_usage(c, "give --from-ratings or --clear, not both");
    int import_opts = file || encoding >= 0 || delimiter || skip_bad || dry_run || jsonl ||
                      rejects || force;
    if (clear && (import_opts || model_given || holdout_given || folds_given || c_given))
        return cli_usage(c, "--clear takes no other argument");
    if (ratings && import_opts)
        return cli_usage(c, "--from-ratings reads no file: give no FILE or import option");
    as_sentiment_train_options to = AS_SENTIMENT_TRAIN_OPTIONS_INIT;
    to.model = (as_sentiment_model_kind)model;
    to.holdout = holdout;
    to.folds = (int)folds;
    to.c = c_given ? cval : 0;
    if (!ratings && !clear) {
        /* The import runner reads the import options again: hand it those. */
        const char *args[16];
        int n = 0;
        args[n++] = argv[0];
        if (encoding >= 0) {
            args[n++] = "--encoding";
            args[n++] = cli_import_encodings()[encoding].name;
        }
        if (delimiter) {
            args[n++] = "--delimiter";
            args[n++] = choice_name(cli_import_delimiters(), delimiter);
        }
        if (skip_bad)
            args[n++] = "--skip-bad";
        if (dry_run)
            args[n++] = "--dry-run";
        if (rejects) {
            args[n++] = "--rejects";
            args[n++] = rejects;
        }
        if (force)
            args[n++] = "--force";
        if (jsonl)
            args[n++] = "--jsonl";
        if (file) {
            args[n++] = "--";
            args[n++] = file;
        }
        args[n] = NULL;
        train_run.opts = to;
        train_run.trained = 0;
        code = cli_import(c, n, (char **)args, train_file, train_help, 1);
        if (code == 0 && train_run.trained && c->format != PR_JSON && c->format != PR_JSONL) {
            const as_sentiment_training *r = &train_run.result;
            if (r->model == AS_SENTIMENT_MODEL_LR)
                fprintf(stderr,
                        "%smodel lr: %llu texts (%llu negative, %llu positive, %llu held out), "
                        "C %g by %d-fold cross-validation (macro-F1 %.4f; with the lexicon "
                        "%.4f), %.1f MB, %.1f s\n",
                        dry_run ? "dry run: " : "",
                        (unsigned long long)(r->negative + r->positive),
                        (unsigned long long)r->negative, (unsigned long long)r->positive,
                        (unsigned long long)r->held_out, r->c, r->folds, r->cv_macro_f1,
                        r->combined_cv_macro_f1, (double)r->model_bytes / 1e6, r->seconds);
            else
                fprintf(stderr,
                        "%smodel nb: %llu texts (%llu negative, %llu positive, %llu held out), "
                        "%.1f MB, %.1f s\n",
                        dry_run ? "dry run: " : "",
                        (unsigned long long)(r->negative + r->positive),
                        (unsigned long long)r->negative, (unsigned long long)r->positive,
                        (unsigned long long)r->held_out, (double)r->model_bytes / 1e6,
                        r->seconds);
        }
        return code;
    }
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
    as_sentiment_training r;
    as_status st = as_sentiment_train_from_ratings(&r, c->db, &to);
    if (st != AS_OK)
        return cli_fail(c, st);
    p = cli_printer(c, PR_ONE);
    print_training(p, &r);
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

static const char *const scorer_names[AS_SENTIMENT_SCORER_LAST] = {"lexicon", "nb", "lr",
                                                                     "lexicon+model"};

static void print_lengths(printer *p, const char *scorer, const as_sentiment_length *l)
{
    for (int b = 0; b < AS_SENTIMENT_LENGTHS; b++) {
        if (!l[b].texts)
            continue;
        pr_begin(p);
        pr_str(p, "scorer", scorer);
        pr_int(p, "chars_min", l[b].chars_min);
        pr_int_or_null(p, "chars_max", l[b].chars_max, 0);
        pr_int(p, "texts", (int64_t)l[b].texts);
        pr_real(p, "accuracy", l[b].accuracy, 4);
        pr_real(p, "macro_f1", l[b].macro_f1, 4);
        pr_real(p, "mean_score", l[b].mean_score, 4);
        pr_real(p, "positive_share", l[b].positive_share, 4);
        pr_real(p, "calibration_error", l[b].calibration_error, 4);
        pr_arr_begin(p, "bins");
        for (int k = 0; k < AS_SENTIMENT_BINS; k++) {
            const as_sentiment_bin *bin = &l[b].bins[k];
            if (!bin->texts)
                continue;
            pr_obj_begin(p, NULL);
            pr_real(p, "score_min", -1 + 2.0 * k / AS_SENTIMENT_BINS, 1);
            pr_real(p, "score_max", -1 + 2.0 * (k + 1) / AS_SENTIMENT_BINS, 1);
            pr_int(p, "texts", (int64_t)bin->texts);
            pr_real(p, "mean_score", bin->mean_score, 4);
            pr_real(p, "positive_share", bin->positive_share, 4);
            pr_obj_end(p);
        }
        pr_arr_end(p);
        pr_end(p);
    }
}

static int sentiment_eval(cli *c, int argc, char **argv)
{
    int encoding = -1, delimiter = 0, ratings = 0, by_length = 0;
    double holdout = 0;
    const char *file = NULL;
    const cli_opt opts[] = {
        {.kind = CLI_O_REAL, .name = "holdout", .metavar = "SHARE", .dest = &holdout, .min = 0,
         .max = 1},
        CLI_FLAG("from-ratings", &ratings),
        CLI_FLAG("by-length", &by_length),
        CLI_CHOICE("encoding", &encoding, cli_import_encodings()),
        CLI_CHOICE("delimiter", &delimiter, cli_import_delimiters()),
        CLI_ARG_OPT("FILE", &file),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, eval_help);
    if (code != CLI_GO)
        return code;
    if (holdout > 0.9)
        return cli_usage(c, "--holdout: %g is out of range (0 to 0.9)", holdout);
    if (ratings && (file || encoding >= 0 || delimiter))
        return cli_usage(c, "--from-ratings reads no file: give no FILE, --encoding or --delimiter");
    if (!ratings && !file)
        return cli_usage(c, "FILE is required (or --from-ratings)");
    as_sentiment_eval_options eo = AS_SENTIMENT_EVAL_OPTIONS_INIT;
    if (encoding >= 0)
        eo.encoding = cli_import_encodings()[encoding].name;
    eo.delimiter = (char)delimiter;
    eo.holdout = holdout;
    eo.from_ratings = ratings;
    eo.by_length = by_length;
    FILE *in = NULL;
    if (!ratings && !(in = cli_open_input(c, file, &code)))
        return code;
    if ((code = cli_open(c, 0))) {
        if (in && in != stdin)
            fclose(in);
        return code;
    }
    as_sentiment_eval e;
    as_status st = as_sentiment_evaluate(&e, c->db, in, file, &eo);
    if (in && in != stdin)
        fclose(in);
    if (st != AS_OK)
        return cli_fail(c, st);
    const char *combined = e.model_used ? "lexicon+model" : "lexicon (no model)";
    printer *p = cli_printer(c, PR_LIST);
    if (by_length) {
        for (int k = 0; k < AS_SENTIMENT_SCORER_LAST; k++) {
            if ((k == AS_SENTIMENT_SCORER_NB && !e.has_nb) ||
                (k == AS_SENTIMENT_SCORER_LR && !e.has_lr))
                continue;
            print_lengths(p, k == AS_SENTIMENT_SCORER_COMBINED ? combined : scorer_names[k],
                          e.lengths[k]);
        }
        return cli_print_end(c, p);
    }
    print_metrics(p, "lexicon", &e, &e.lexicon);
    if (e.has_nb)
        print_metrics(p, "nb", &e, &e.nb);
    if (e.has_lr)
        print_metrics(p, "lr", &e, &e.lr);
    print_metrics(p, combined, &e, &e.combined);
    return cli_print_end(c, p);
}

static int sentiment_model(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, model_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_sentiment_model *m = NULL;
    as_status st = as_sentiment_model_get(&m, c->db);
    if (st != AS_OK)
        return cli_fail(c, st);
    int any = m->kind != AS_SENTIMENT_MODEL_NONE, lr = m->kind == AS_SENTIMENT_MODEL_LR;
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "kind", as_sentiment_model_name(m->kind));
    pr_time(p, "trained_at", any ? m->trained_at : 0);
    pr_str(p, "source", any ? m->source : NULL);
    pr_int(p, "negative", (int64_t)m->negative);
    pr_int(p, "positive", (int64_t)m->positive);
    pr_int(p, "held_out", (int64_t)m->held_out);
    pr_real(p, "holdout", m->holdout, 2);
    if (lr) {
        pr_int(p, "folds", m->folds);
        pr_real(p, "c", m->c, 3);
        pr_real(p, "cv_macro_f1", m->cv_macro_f1, 4);
        pr_int(p, "buckets", (int64_t)1 << m->buckets_log2);
    } else {
        pr_null(p, "folds");
        pr_null(p, "c");
        pr_null(p, "cv_macro_f1");
        pr_null(p, "buckets");
    }
    pr_int(p, "model_bytes", (int64_t)m->model_bytes);
    pr_arr_begin(p, "cv");
    for (size_t i = 0; i < m->ncv; i++) {
        pr_obj_begin(p, NULL);
        pr_real(p, "c", m->cv[i].c, 3);
        pr_real(p, "macro_f1", m->cv[i].macro_f1, 4);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_arr_begin(p, "layers");
    for (size_t i = 0; i < m->nlayers; i++) {
        const as_sentiment_layer *l = &m->layers[i];
        pr_obj_begin(p, NULL);
        pr_int(p, "chars_min", l->chars_min);
        pr_int_or_null(p, "chars_max", l->chars_max, 0);
        pr_real(p, "bias", l->bias, 4);
        pr_real(p, "model", l->model, 4);
        pr_real(p, "lexicon", l->lexicon, 4);
        pr_real(p, "hits", l->hits, 4);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_end(p);
    as_sentiment_model_free(m);
    return cli_print_end(c, p);
}

int cmd_sentiment(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"score", sentiment_score, "score text and explain the score"},
        {"lexicon", sentiment_lexicon, "add, remove, list or reload lexicon terms"},
        {"train", sentiment_train, "train the model from labelled CSV or ratings"},
        {"eval", sentiment_eval, "measure accuracy, speed and calibration on labelled text"},
        {"model", sentiment_model, "describe the stored model"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "sentiment", table, argc, argv, group_help);
}
