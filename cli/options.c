/* options.c - the one option parser behind every command (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_list_free(cli_list *l)
{
    if (!l)
        return;
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int list_add(cli *c, cli_list *l, char *v)
{
    char **nv = realloc(l->v, sizeof *nv * (size_t)(l->n + 1));
    if (!nv) {
        cli_error(c, "out of memory");
        return EXIT_SOFTWARE;
    }
    l->v = nv;
    l->v[l->n++] = v;
    return 0;
}

/* ---- value checks -------------------------------------------------- */

int cli_check_phone(const char *v, char *why, size_t whysz)
{
    char out[12];
    if (as_phone_normalize(v, out) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not a mainland mobile number");
    return -1;
}

int cli_check_region(const char *v, char *why, size_t whysz)
{
    if (as_region_check(v) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not a 6-digit region code (such as 530100)");
    return -1;
}

int cli_check_plate(const char *v, char *why, size_t whysz)
{
    char *out = NULL;
    as_status st = as_plate_normalize(v, &out);
    as_free(out);
    if (st == AS_OK)
        return 0;
    snprintf(why, whysz, "is not a licence plate (such as 云A12345)");
    return -1;
}

int cli_check_grade(const char *v, char *why, size_t whysz)
{
    char out[8];
    if (as_grade_normalize(v, out) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not a fuel grade (92, 95, 98, 0#, E92, CNG, EV, ...)");
    return -1;
}

int cli_check_quiet_hours(const char *v, char *why, size_t whysz)
{
    int a, b;
    if (strcmp(v, "none") == 0 || v[0] == '\0' || as_quiet_hours_parse(v, &a, &b) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not a window such as 22:00-08:00 (or none)");
    return -1;
}

int cli_check_tracking(const char *v, char *why, size_t whysz)
{
    char out[AS_TRACKING_BUFSIZE];
    if (as_tracking_check(v, out) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not a valid tracking number (9 digits with a check digit)");
    return -1;
}

int cli_check_id(const char *v, char *why, size_t whysz)
{
    if (as_id_check(v) == AS_OK)
        return 0;
    snprintf(why, whysz, "is not an id (1-64 bytes, no spaces)");
    return -1;
}

/* ---- global options ------------------------------------------------ */

/* Is a (an argv word) "--name" or "--name=..."?  Sets *value to the text
 * after '=' (or NULL). */
static int is_option(const char *a, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (a[0] != '-' || a[1] != '-' || strncmp(a + 2, name, n) != 0)
        return 0;
    if (a[2 + n] == '\0') {
        *value = NULL;
        return 1;
    }
    if (a[2 + n] == '=') {
        *value = a + 3 + n;
        return 1;
    }
    return 0;
}

int cli_global_option(cli *c, int argc, char **argv, int *i)
{
    static const char *const names[] = {"db", "config", "format", "busy-timeout", NULL};
    const char *a = argv[*i], *val = NULL;
    int which = -1;
    for (int k = 0; names[k] && which < 0; k++)
        if (is_option(a, names[k], &val))
            which = k;
    if (which < 0)
        return 0;
    if (!val) {
        if (*i + 1 >= argc)
            return cli_usage(c, "--%s needs a value", names[which]);
        val = argv[++*i];
    }
    switch (which) {
    case 0:
        if (!val[0])
            return cli_usage(c, "--db needs a path");
        c->db_path = val;
        break;
    case 1:
        if (!val[0])
            return cli_usage(c, "--config needs a file");
        c->config_path = val;
        break;
    case 2:
        if ((c->format = pr_format_parse(val)) < 0)
            return cli_usage(c, "--format: '%s' is not one of text, tsv, json, jsonl", val);
        c->format_given = 1;
        break;
    default: {
        long long ms = cli_parse_count(val);
        if (ms < 0 || ms > 3600000)
            return cli_usage(c, "--busy-timeout: '%s' is not a number of milliseconds (0 to 3600000)",
                             val);
        c->busy_ms = (int)ms;
        break;
    }
    }
    return 1;
}

/* ---- describe ------------------------------------------------------ */

static const char *kind_name(const cli_opt *o)
{
    switch (o->kind) {
    case CLI_O_FLAG: return "flag";
    case CLI_O_STR: return o->check_name ? o->check_name : "text";
    case CLI_O_LIST: return "text-list";
    case CLI_O_INT: return "integer";
    case CLI_O_REAL: return "number";
    case CLI_O_TIME: return "time";
    case CLI_O_DURATION: return "duration";
    case CLI_O_CHOICE: return "choice";
    case CLI_O_YESNO: return "yesno";
    case CLI_O_ARG: return o->check_name ? o->check_name : "arg";
    case CLI_O_ARGS: return "args";
    case CLI_O_END: break;
    }
    return "?";
}

/* One line per option: command, option (--name, or the positional's
 * metavar), kind, metavar, detail (the choices separated by spaces, or the
 * range MIN..MAX), "required". */
static void describe(const cli *c, const cli_opt *opts)
{
    printf("%s\t\tcommand\t\t\t\n", c->command);
    for (const cli_opt *o = opts; o->kind != CLI_O_END; o++) {
        int positional = o->kind == CLI_O_ARG || o->kind == CLI_O_ARGS;
        printf("%s\t%s%s\t%s\t%s\t", c->command, positional ? "" : "--",
               positional ? o->metavar : o->name, kind_name(o), o->metavar ? o->metavar : "");
        if (o->kind == CLI_O_CHOICE) {
            for (const cli_choice *ch = o->choices; ch->name; ch++)
                printf("%s%s", ch == o->choices ? "" : " ", ch->name);
        } else if (o->kind == CLI_O_INT || o->kind == CLI_O_DURATION || o->kind == CLI_O_REAL) {
            printf("%" PRId64 "..%" PRId64, o->min, o->max);
        } else if (o->kind == CLI_O_ARGS) {
            printf("min %" PRId64, o->min);
        }
        printf("\t%s\n", o->required ? "required" : "");
    }
}

/* ---- values -------------------------------------------------------- */

static int parse_int(const char *s, int64_t *out)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* How a value is named in messages: "--limit" or the positional's metavar. */
static void opt_label(const cli_opt *o, char *buf, size_t n)
{
    if (o->kind == CLI_O_ARG || o->kind == CLI_O_ARGS)
        snprintf(buf, n, "%s", o->metavar);
    else
        snprintf(buf, n, "--%s", o->name);
}

static int check_text(cli *c, const cli_opt *o, const char *v)
{
    char label[80], why[160];
    size_t bad;
    opt_label(o, label, sizeof label);
    if (as_utf8_check(v, strlen(v), &bad) != AS_OK)
        return cli_usage(c, "%s: invalid UTF-8 at byte %zu", label, bad + 1);
    if (o->check && o->check(v, why, sizeof why) != 0) {
        if (o->check == cli_check_phone) {
            /* Never echo a whole rejected phone number (logs keep stderr). */
            char shown[64];
            snprintf(shown, sizeof shown, "%s", v);
            size_t digits = 0, k = 0;
            for (char *q = shown; *q; q++)
                digits += *q >= '0' && *q <= '9';
            for (char *q = shown; *q && digits >= 8; q++)
                if (*q >= '0' && *q <= '9' && k++ >= 3 && k <= digits - 4)
                    *q = '*';
            return cli_usage(c, "%s: '%s' %s", label, shown, why);
        }
        return cli_usage(c, "%s: '%s' %s", label, v, why);
    }
    return 0;
}

/* Store the value of a non-time option; time values are kept as text and
 * converted once the whole line is read (they need the business zone). */
static int take_value(cli *c, const cli_opt *o, char *v, const char **time_text)
{
    char label[80];
    opt_label(o, label, sizeof label);
    switch (o->kind) {
    case CLI_O_STR:
    case CLI_O_ARG: {
        int code = check_text(c, o, v);
        if (code)
            return code;
        *(const char **)o->dest = v;
        return 0;
    }
    case CLI_O_LIST:
    case CLI_O_ARGS: {
        int code = check_text(c, o, v);
        return code ? code : list_add(c, o->dest, v);
    }
    case CLI_O_INT: {
        int64_t x;
        if (parse_int(v, &x) != 0)
            return cli_usage(c, "%s: '%s' is not a whole number", label, v);
        if (x < o->min || x > o->max)
            return cli_usage(c, "%s: %s is out of range (%" PRId64 " to %" PRId64 ")", label, v,
                             o->min, o->max);
        *(int64_t *)o->dest = x;
        return 0;
    }
    case CLI_O_REAL: {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (!v[0] || *end || errno || !isfinite(x))
            return cli_usage(c, "%s: '%s' is not a number", label, v);
        if (x < (double)o->min || x > (double)o->max)
            return cli_usage(c, "%s: %s is out of range (%" PRId64 " to %" PRId64 ")", label, v,
                             o->min, o->max);
        *(double *)o->dest = x;
        return 0;
    }
    case CLI_O_TIME:
        *time_text = v;
        return 0;
    case CLI_O_DURATION: {
        int64_t s;
        if (as_duration_parse(v, &s) != AS_OK)
            return cli_usage(c, "%s: '%s' is not a duration (such as 90s, 30m, 2h, 1d or 1h30m)",
                             label, v);
        if (s < o->min || s > o->max)
            return cli_usage(c, "%s: %s is out of range (%" PRId64 "s to %" PRId64 "s)", label, v,
                             o->min, o->max);
        *(int64_t *)o->dest = s;
        return 0;
    }
    case CLI_O_CHOICE:
        for (const cli_choice *ch = o->choices; ch->name; ch++) {
            if (strcmp(ch->name, v) == 0) {
                *(int *)o->dest = ch->value;
                return 0;
            }
        }
        {
            char list[256];
            size_t len = 0;
            list[0] = '\0';
            for (const cli_choice *ch = o->choices; ch->name && len < sizeof list; ch++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                        ch == o->choices ? "" : ", ", ch->name);
            return cli_usage(c, "%s: '%s' is not one of %s", label, v, list);
        }
    case CLI_O_YESNO: {
        int b = cli_parse_yesno(v);
        if (b < 0)
            return cli_usage(c, "%s: '%s' is not yes or no", label, v);
        *(int *)o->dest = b;
        return 0;
    }
    case CLI_O_FLAG:
    case CLI_O_END:
        break;
    }
    cli_error(c, "internal: option %s has no value kind", label);
    return EXIT_SOFTWARE;
}

enum { MAX_OPTS = 64 };

int cli_parse(cli *c, int argc, char **argv, const cli_opt *opts, const char *help)
{
    size_t nopts = 0;
    while (opts[nopts].kind != CLI_O_END)
        nopts++;
    if (nopts > MAX_OPTS) {
        cli_error(c, "internal: too many options");
        return EXIT_SOFTWARE;
    }
    if (c->describe) {
        describe(c, opts);
        return 0;
    }
    if (cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return 0;
    }

    const char *time_text[MAX_OPTS] = {0};
    int seen[MAX_OPTS] = {0};
    int dashdash = 0, code;
    size_t next_pos = 0;     /* the next positional entry to fill */
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!dashdash && strcmp(a, "--") == 0) {
            dashdash = 1;
            continue;
        }
        /* "-" is standard input and "-5" a negative number: positionals. */
        if (!dashdash && a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
            /* -o is --output where a command has one (report html). */
            if (strcmp(a, "-o") == 0) {
                for (size_t k = 0; k < nopts; k++)
                    if (opts[k].name && strcmp(opts[k].name, "output") == 0 &&
                        opts[k].kind != CLI_O_ARG && opts[k].kind != CLI_O_ARGS)
                        a = "--output";
            }
            if (a[1] != '-')
                return cli_usage(c, "unknown option '%s'", a);
            if ((code = cli_global_option(c, argc, argv, &i)) == 1)
                continue;
            if (code)
                return code;
            const char *eq = strchr(a, '=');
            size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            size_t k;
            for (k = 0; k < nopts; k++) {
                const cli_opt *o = &opts[k];
                if (o->kind != CLI_O_ARG && o->kind != CLI_O_ARGS && o->name &&
                    strlen(o->name) == n && strncmp(o->name, a + 2, n) == 0)
                    break;
            }
            if (k == nopts)
                return cli_usage(c, "unknown option '%.*s'", (int)(n + 2), a);
            const cli_opt *o = &opts[k];
            seen[k] = 1;
            if (o->given)
                *o->given = 1;
            if (o->kind == CLI_O_FLAG) {
                if (eq)
                    return cli_usage(c, "--%s takes no value", o->name);
                *(int *)o->dest = 1;
                continue;
            }
            char *v = eq ? (char *)eq + 1 : NULL;
            if (!v) {
                if (i + 1 >= argc)
                    return cli_usage(c, "--%s needs a value (%s)", o->name,
                                     o->metavar ? o->metavar : "a choice");
                v = argv[++i];
            }
            if ((code = take_value(c, o, v, &time_text[k])))
                return code;
            continue;
        }
        /* A positional argument. */
        while (next_pos < nopts && opts[next_pos].kind != CLI_O_ARG &&
               opts[next_pos].kind != CLI_O_ARGS)
            next_pos++;
        if (next_pos == nopts)
            return cli_usage(c, "unexpected argument '%s'", a);
        const cli_opt *o = &opts[next_pos];
        seen[next_pos] = 1;
        if ((code = take_value(c, o, a, NULL)))
            return code;
        if (o->kind == CLI_O_ARG)
            next_pos++;
    }

    /* Times before the checks for what is missing, so that a bad value is
     * named first; they need the business zone of the configuration. */
    for (size_t k = 0; k < nopts; k++) {
        if (!time_text[k])
            continue;
        if (!c->db && (code = cli_load_config(c)))
            return code;
        int off = cli_utc_offset(c);
        if (as_time_parse(time_text[k], off, (int64_t *)opts[k].dest) != AS_OK)
            return cli_usage(c,
                             "--%s: '%s' is not a time from 1970 to 9999 (such as 2026-11-24, "
                             "2026-11-24T09:00 or 2026-11-24T09:00:00+08:00)",
                             opts[k].name, time_text[k]);
    }
    for (size_t k = 0; k < nopts; k++) {
        const cli_opt *o = &opts[k];
        if (o->kind == CLI_O_ARGS && ((cli_list *)o->dest)->n < o->min)
            return cli_usage(c, "missing %s", o->metavar);
        if (!o->required || seen[k])
            continue;
        if (o->kind == CLI_O_ARG)
            return cli_usage(c, "missing %s", o->metavar);
        if (o->kind == CLI_O_CHOICE) {
            char list[256];
            size_t len = 0;
            list[0] = '\0';
            for (const cli_choice *ch = o->choices; ch->name && len < sizeof list; ch++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                        ch == o->choices ? "" : "|", ch->name);
            return cli_usage(c, "--%s %s is required", o->name, list);
        }
        return cli_usage(c, "--%s %s is required", o->name, o->metavar ? o->metavar : "");
    }

    return CLI_GO;
}

int cli_period_open(cli *c, int argc, char **argv, const char *help, as_period_query *q,
                    int with_station, const cli_opt *extra)
{
    cli_opt opts[MAX_OPTS];
    size_t n = 0;
    opts[n++] = (cli_opt)CLI_TIME_REQ("from", &q->from);
    opts[n++] = (cli_opt)CLI_TIME_REQ("to", &q->to);
    if (with_station)
        opts[n++] = (cli_opt)CLI_CHECKED("station", "ID", &q->station_id, cli_check_id, "id");
    for (; extra && extra->kind != CLI_O_END && n < MAX_OPTS - 1; extra++)
        opts[n++] = *extra;
    opts[n] = (cli_opt)CLI_END;
    int code = cli_parse(c, argc, argv, opts, help);
    if (code != CLI_GO)
        return code;
    if (q->from >= q->to)
        return cli_usage(c, "--from is not before --to");
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return CLI_GO;
}

int cli_utc_offset(cli *c)
{
    if (c->db)
        return as_db_utc_offset(c->db);
    return c->config ? as_config_utc_offset(c->config) : AS_DEFAULT_UTC_OFFSET;
}
