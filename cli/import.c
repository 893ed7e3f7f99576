/* import.c - the one runner behind every import command. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct import_run {
    cli *c;
    int progress;            /* stderr is a terminal */
    long long size;          /* input size for a percentage, or 0 */
    const char *rejects_path;
    FILE *rejects;           /* --rejects FILE */
    int header_written;
    /* The row being rejected: its text and reasons, written when the next
     * row's problems start or at the end. */
    char *raw;
    char *reasons;
    size_t reasons_len;
    int is_csv;
    char delimiter;          /* the CSV file's, for the rejects file */
    int write_failed;
} import_run;

/* Write s as one CSV field. */
static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void flush_reject(import_run *r)
{
    if (!r->raw)
        return;
    if (r->rejects) {
        fputs(r->raw, r->rejects);
        if (r->is_csv) {
            fputc(r->delimiter, r->rejects);
            csv_field(r->rejects, r->reasons ? r->reasons : "");
        }
        fputc('\n', r->rejects);
    }
    free(r->raw);
    free(r->reasons);
    r->raw = r->reasons = NULL;
    r->reasons_len = 0;
}

static void add_reason(import_run *r, const as_reject *rj)
{
    size_t add = strlen(rj->reason) + (rj->field ? strlen(rj->field) + 2 : 0) + 3;
    char *p = realloc(r->reasons, r->reasons_len + add);
    if (!p)
        return;
    r->reasons = p;
    r->reasons_len += (size_t)snprintf(p + r->reasons_len, add, "%s%s%s%s",
                                       r->reasons_len ? "; " : "", rj->field ? rj->field : "",
                                       rj->field ? ": " : "", rj->reason);
}

static void on_reject(void *ud, const as_reject *rj)
{
    import_run *r = ud;
    if (r->progress)
        fputs("\r\033[K", stderr);
    if (rj->field)
        cli_error(r->c, "%s:%llu: %s: %s", rj->file, (unsigned long long)rj->line, rj->field,
                  rj->reason);
    else
        cli_error(r->c, "%s:%llu: %s", rj->file, (unsigned long long)rj->line, rj->reason);
    if (!r->rejects)
        return;
    if (rj->first) {
        flush_reject(r);
        r->is_csv = rj->header != NULL;
        r->delimiter = rj->delimiter ? rj->delimiter : ',';
        if (r->is_csv && !r->header_written) {
            fputs(rj->header, r->rejects);
            fprintf(r->rejects, "%cerror\n", r->delimiter);
            r->header_written = 1;
        }
        r->raw = strdup(rj->raw);
    }
    add_reason(r, rj);
}

static void on_progress(void *ud, uint64_t rows, uint64_t bytes)
{
    import_run *r = ud;
    if (!r->progress)
        return;
    if (r->size > 0 && bytes)
        fprintf(stderr, "\r\033[K%llu rows (%d%%)", (unsigned long long)rows,
                (int)(bytes * 100 / (uint64_t)r->size));
    else
        fprintf(stderr, "\r\033[K%llu rows", (unsigned long long)rows);
}

/* Create the --rejects file: it holds the rejected rows, personal data
 * included, so it is private (0600) from the start and never written
 * through a link placed at its name.  An existing file is refused unless
 * force, and even then only a regular file is replaced (it is removed and
 * created anew: its old mode and owner do not carry over).  Returns NULL
 * after reporting, with *code set. */
static FILE *open_rejects(cli *c, const char *path, int force, int *code)
{
    struct stat sb;
    if (lstat(path, &sb) == 0) {
        if (!force) {
            cli_error(c, "%s: already exists (--force replaces it)", path);
            *code = EXIT_CANTCREAT;
            return NULL;
        }
        if (!S_ISREG(sb.st_mode)) {
            cli_error(c, "%s: is %s, not a regular file; not replaced", path,
                      S_ISLNK(sb.st_mode) ? "a symbolic link" : S_ISDIR(sb.st_mode) ? "a directory"
                                                                                 : "a special file");
            *code = EXIT_CANTCREAT;
            return NULL;
        }
        if (unlink(path) != 0) {
            int e = errno;
            cli_error(c, "%s: %s", path, strerror(e));
            *code = e == EACCES || e == EPERM ? EXIT_NOPERM : EXIT_CANTCREAT;
            return NULL;
        }
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        cli_error(c, "%s: %s", path, strerror(e));
        *code = e == EACCES || e == EPERM ? EXIT_NOPERM : EXIT_CANTCREAT;
    }
    return f;
}

/* The encodings an import accepts (the CSV reader's names). */
static const cli_choice encodings[] = {
    {"utf-8", 0}, {"utf8", 1}, {"gb18030", 2}, {"gbk", 3}, {"gb2312", 4},
    {"utf-16", 5}, {"utf-16le", 6}, {"utf-16be", 7}, {NULL, 0},
};

/* --delimiter: the character, or its name. */
static const cli_choice delimiters[] = {
    {",", ','}, {"comma", ','}, {"tab", '\t'}, {";", ';'}, {"semicolon", ';'},
    {"|", '|'}, {"pipe", '|'}, {NULL, 0},
};

const cli_choice *cli_import_encodings(void)
{
    return encodings;
}

const cli_choice *cli_import_delimiters(void)
{
    return delimiters;
}

int cli_import(cli *c, int argc, char **argv, cli_import_fn fn, const char *help, int jsonl_ok)
{
    import_run r = {.c = c};
    as_import_options io = AS_IMPORT_OPTIONS_INIT;
    int jsonl = 0, skip_bad = 0, dry_run = 0, encoding = -1, delimiter = 0, force = 0;
    int64_t jobs = 0;
    const char *path = NULL;
    cli_opt opts[] = {
        CLI_CHOICE("encoding", &encoding, encodings),
        CLI_CHOICE("delimiter", &delimiter, delimiters),
        CLI_FLAG("skip-bad", &skip_bad),
        CLI_FLAG("dry-run", &dry_run),
        CLI_INT("jobs", "N", &jobs, 0, 64),
        CLI_STR("rejects", "FILE", &r.rejects_path),
        CLI_FLAG("force", &force),
        CLI_ARG("FILE", &path),
        CLI_FLAG("jsonl", &jsonl),
        CLI_END,
    };
    if (!jsonl_ok)
        opts[8] = (cli_opt)CLI_END;
    int code = cli_parse(c, argc, argv, opts, help);
    if (code != CLI_GO)
        return code;
    if (jsonl)
        io.flags |= AS_IMPORT_JSONL;
    if (skip_bad)
        io.flags |= AS_IMPORT_SKIP_BAD;
    if (dry_run)
        io.flags |= AS_IMPORT_DRY_RUN;
    if (encoding >= 0)
        io.encoding = encodings[encoding].name;
    if (jsonl && delimiter)
        return cli_usage(c, "--delimiter applies to CSV, not to --jsonl");
    if (force && !r.rejects_path)
        return cli_usage(c, "--force replaces an existing --rejects FILE; there is none");
    io.delimiter = (char)delimiter;
    io.jobs = (int)jobs;

    FILE *in = cli_open_input(c, path, &code);
    if (!in)
        return code;
    if ((code = cli_open(c, 0))) {
        if (in != stdin)
            fclose(in);
        return code;
    }
    if (r.rejects_path && !(r.rejects = open_rejects(c, r.rejects_path, force, &code))) {
        if (in != stdin)
            fclose(in);
        return code;
    }
    r.progress = isatty(STDERR_FILENO);
    if (in != stdin && fseek(in, 0, SEEK_END) == 0) {
        r.size = ftell(in);
        rewind(in);
    }
    io.on_reject = on_reject;
    io.on_progress = on_progress;
    io.userdata = &r;
    as_import_stats stats;
    as_status st = fn(c->db, in, path, &io, &stats);
    if (in != stdin)
        fclose(in);
    flush_reject(&r);
    if (r.rejects && fclose(r.rejects) != 0) {
        cli_error(c, "%s: writing failed", r.rejects_path);
        if (st == AS_OK)
            return EXIT_IOERR;
    }
    if (r.progress)
        fputs("\r\033[K", stderr);

    int dry = (io.flags & AS_IMPORT_DRY_RUN) != 0;
    if (c->format == PR_JSON || c->format == PR_JSONL) {
        printer *p = cli_printer(c, PR_ONE);
        pr_begin(p);
        pr_str(p, "file", path);
        pr_int(p, "rows", (int64_t)stats.rows);
        pr_int(p, "inserted", (int64_t)stats.inserted);
        pr_int(p, "updated", (int64_t)stats.updated);
        pr_int(p, "unchanged", (int64_t)stats.unchanged);
        pr_int(p, "rejected", (int64_t)stats.rejected);
        pr_bool(p, "dry_run", dry);
        pr_bool(p, "committed", st == AS_OK && !dry);
        pr_end(p);
        if ((code = cli_print_end(c, p)))
            return code;
    } else {
        fprintf(stderr, "%sinserted %llu, updated %llu, unchanged %llu, rejected %llu\n",
                dry ? "dry run: " : "", (unsigned long long)stats.inserted,
                (unsigned long long)stats.updated, (unsigned long long)stats.unchanged,
                (unsigned long long)stats.rejected);
    }
    if (st != AS_OK) {
        code = cli_fail(c, st);
        if (st == AS_INVALID && stats.rejected && !skip_bad)
            fprintf(stderr, "(use --skip-bad to import the good rows)\n");
        return code;
    }
    return 0;
}
