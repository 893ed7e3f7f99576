/* cmd_report_html.c - aftersales report html: every service report of a
 * period in one self-contained HTML page (the report group lives in
 * cmd_ticket.c; the page is drawn by the library, as_report_html()). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char html_help[] =
    "usage: aftersales report html --from TIME --to TIME [--station ID] [--lang zh|en]\n"
    "                              [--sections LIST] [--top N] [-o|--output FILE]\n"
    "\n"
    "One self-contained HTML page of the period [--from, --to): a chart (inline\n"
    "SVG) beside the table of its numbers for each section, in this order:\n"
    "  sla        SLA attainment by level and queue, and week by week\n"
    "  times      first-response and resolution time distributions, median, p90\n"
    "  csat       satisfaction and survey response rate by agent and queue\n"
    "  tickets    tickets by category, channel and station\n"
    "  feedback   feedback per week, mean stars by dimension, stations ranked by\n"
    "             Bayesian mean\n"
    "  sentiment  sentiment week by week, the top negative terms\n"
    "  urgent     urgent feedback and how fast it became a ticket\n"
    "  demand     demand topics and what shipped (all time, every station)\n"
    "  outbox     what became of the period's notifications, by kind (every station)\n"
    "  fuel       fueling spend per week, by station and by grade\n"
    "  loyalty    coupons by source and the points ledger\n"
    "Each section is also its own command (report sla, report times, report csat,\n"
    "report tickets, report feedback, report sentiment, report urgent, report\n"
    "demand, report outbox, report fuel, report loyalty) in every output format,\n"
    "with the same numbers: every table cell names its place in that command's\n"
    "JSON output (data-source on the table, data-k on the cell).  A section with\n"
    "nothing in the period says \"no data\".\n"
    "\n"
    "The page has no script and loads nothing (a Content-Security-Policy meta tag\n"
    "allows inline style only), so it opens offline; it reads on a phone, and it\n"
    "is well-formed XML.\n"
    "\n"
    "  --station ID      only that station's tickets, feedback and fueling (the\n"
    "                    outbox, demand topics, points and plans have no station)\n"
    "  --lang zh|en      labels in Chinese (the default) or English\n"
    "  --sections LIST   only these sections, comma-separated (default: all)\n"
    "  --top N           rows of ranked charts (stations, terms, topics), 1-100;\n"
    "                    default 15\n"
    "  -o, --output FILE write the page to FILE (written whole to a temporary file\n"
    "                    beside it, then renamed: a reader never sees half a page)\n"
    "                    and print what was written: path, bytes, sections; '-' or\n"
    "                    no --output writes the page to standard output\n"
    "\n"
    "Exit 64 for a bad option (--from not before --to, a period over 5300 weeks,\n"
    "an unknown section;\n"
    "--format without --output: the page itself is HTML), 73 when the file cannot\n"
    "be created, 74 when writing fails.\n";

/* Write the page to something that is not a regular file (a device, a
 * pipe): straight into it, there is nothing to rename over; the page is
 * made in memory first, so its size is known even where ftell is not. */
static int write_special(cli *c, const char *path, const as_html_report_options *o, long *bytes)
{
    char *page = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&page, &len);
    if (!mem) {
        cli_error(c, "out of memory");
        return 70;
    }
    as_status st = as_report_html(c->db, o, mem);
    if (fclose(mem) != 0 && st == AS_OK)
        st = AS_NOMEM;
    if (st != AS_OK) {
        free(page);
        return cli_fail(c, st);
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        cli_error(c, "%s: %s", path, strerror(errno));
        free(page);
        return 73;
    }
    int bad = len && fwrite(page, 1, len, f) != len;
    if (fclose(f) != 0)
        bad = 1;
    free(page);
    if (bad) {
        cli_error(c, "%s: writing failed", path);
        return 74;
    }
    *bytes = (long)len;
    return 0;
}

static int write_file(cli *c, const char *path, const as_html_report_options *o, long *bytes)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode)) {
            cli_error(c, "%s: is a directory", path);
            return 73;
        }
        return write_special(c, path, o, bytes);
    }
    size_t n = strlen(path);
    char *tmp = malloc(n + 32);
    if (!tmp) {
        cli_error(c, "out of memory");
        return 70;
    }
    snprintf(tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cli_error(c, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return 73;
    }
    as_status st = as_report_html(c->db, o, f);
    int bad = ferror(f);
    *bytes = ftell(f);
    if (fclose(f) != 0)
        bad = 1;
    if (st != AS_OK || bad) {
        remove(tmp);
        free(tmp);
        if (st == AS_OK) {
            cli_error(c, "%s: writing failed", path);
            return 74;
        }
        return cli_fail(c, st);
    }
    if (rename(tmp, path) != 0) {
        cli_error(c, "%s: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return 73;
    }
    free(tmp);
    return 0;
}

int cli_report_html(cli *c, int argc, char **argv)
{
    as_html_report_options o = AS_HTML_REPORT_OPTIONS_INIT;
    as_period_query q = AS_PERIOD_QUERY_INIT;
    const char *sections = NULL, *output = NULL;
    int64_t top = 0;
    static const cli_choice langs[] = {{"zh", 0}, {"en", 1}, {NULL, 0}};
    int lang_en = 0;
    const cli_opt extra[] = {
        CLI_CHOICE("lang", &lang_en, langs),
        CLI_STR("sections", "LIST", &sections),
        CLI_INT("top", "N", &top, 1, 100),
        CLI_STR("output", "FILE", &output),
        CLI_END,
    };
    int code = cli_period_open(c, argc, argv, html_help, &q, 1, extra);
    if (code != CLI_GO)
        return code;
    o.from = q.from;
    o.to = q.to;
    o.station_id = q.station_id;
    if ((q.to - q.from) / 604800 >= AS_FUEL_REPORT_MAX_WEEKS)
        return cli_usage(c, "--from, --to: the period is longer than %d weeks (the page lists "
                            "every week)", AS_FUEL_REPORT_MAX_WEEKS);
    if (sections) {
        char bad[48];
        if (as_html_sections_parse(sections, &o.sections, bad, sizeof bad) != AS_OK)
            return cli_usage(c, "--sections: unknown section '%s' (sla, times, csat, tickets, "
                                "feedback, sentiment, urgent, demand, outbox, fuel, loyalty)",
                             bad);
    }
    int to_stdout = !output || strcmp(output, "-") == 0;
    if (to_stdout && c->format_given)
        return cli_usage(c, "--format applies with --output FILE (the page itself is HTML)");
    if (!to_stdout && !*output)
        return cli_usage(c, "--output needs a file name");
    o.lang = lang_en ? "en" : "zh";
    o.top = (int)top;
    if (to_stdout) {
        as_status st = as_report_html(c->db, &o, stdout);
        return st == AS_OK ? 0 : cli_fail(c, st);
    }
    long bytes = 0;
    if ((code = write_file(c, output, &o, &bytes)))
        return code;
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "path", output);
    pr_int(p, "bytes", bytes);
    pr_arr_begin(p, "sections");
    for (unsigned bit = 1; as_html_section_name(bit) || bit <= AS_HTML_LOYALTY; bit <<= 1)
        if (as_html_section_name(bit) && (!o.sections || (o.sections & bit)))
            pr_str(p, NULL, as_html_section_name(bit));
    pr_arr_end(p);
    pr_end(p);
    return cli_print_end(c, p);
}
