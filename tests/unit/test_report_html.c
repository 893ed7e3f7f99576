/* test_report_html.c - as_report_html: the page of a small data set (its
 * numbers, a ranked list cut to --top, hostile text escaped), an empty
 * period ("no data" everywhere, nothing drawn), English labels, sections,
 * the same bytes twice for the same generated_at, a failed write, and every
 * bad argument (nothing written then). */
#include "helpers.h"

#include <stdio.h>

TestSuite(report_html, .fini = th_cleanup);

static as_config *cfg;

static const char cfg_text[] =
    "calendars:\n"
    "  standard:\n"
    "    always: true\n"
    "sla:\n"
    "  levels:\n"
    "    normal:   {first_response: 2h, resolution: 24h, calendar: standard}\n"
    "    urgent:   {first_response: 30m, resolution: 4h, calendar: standard}\n"
    "    major:    {first_response: 15m, resolution: 2h, calendar: standard}\n"
    "    systemic: {first_response: 15m, resolution: 4h, calendar: standard}\n"
    "routing:\n"
    "  default_queue: general\n";

/* 2026-10-01T00:00:00+08:00 .. 2026-11-01T00:00:00+08:00 */
#define FROM INT64_C(1790784000)
#define TO INT64_C(1793462400)

static as_db *open_db(void)
{
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, cfg_text, strlen(cfg_text), "t.yaml", &err), AS_OK, "%s",
                 err ? err : "");
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_db_path(), &o, &err), AS_OK, "%s", err ? err : "");
    return db;
}

static void close_db(as_db *db)
{
    as_close(db);
    as_config_free(cfg);
    cfg = NULL;
}

static as_db *data_set(void)
{
    as_db *db = open_db();
    as_user_input u = AS_USER_INPUT_INIT;
    u.fields = AS_USER_NAME | AS_USER_PHONE;
    u.user_id = "U1";
    u.name = "张三";
    u.phone = "13800138000";
    cr_assert_eq(as_user_add(db, &u), AS_OK, "%s", as_errmsg(db));
    static const char fuel[] =
        "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
        "F1,U1,S1,2026-10-01T00:00:00+08:00,92,40,290.50\n"
        "F2,U1,S1,2026-10-08T09:00:00+08:00,95,30,250\n"
        "F3,U1,S2,2026-10-15T09:00:00+08:00,95,10,80\n"
        "F4,U1,S2,2026-11-01T00:00:00+08:00,92,50,360\n";
    FILE *f = fmemopen((void *)fuel, sizeof fuel - 1, "r");
    cr_assert_not_null(f);
    cr_assert_eq(as_fuel_import(db, f, "fuel.csv", NULL, NULL), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = "app";
    in.category = "<i>&\"x'</i>";
    in.subject = "s";
    in.body = "";
    in.at = FROM + 3600;
    in.station_id = "S1";
    char t[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK, "%s", as_errmsg(db));
    return db;
}

/* The page of opts into a string (NULL on failure, the status in *st). */
static char *page(as_db *db, const as_html_report_options *o, as_status *st, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    cr_assert_not_null(f);
    *st = as_report_html(db, o, f);
    fclose(f);
    if (len)
        *len = n;
    if (*st != AS_OK) {
        cr_assert_eq(n, 0, "nothing is written on failure");
        free(buf);
        return NULL;
    }
    return buf;
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static as_html_report_options opts(void)
{
    as_html_report_options o = AS_HTML_REPORT_OPTIONS_INIT;
    o.from = FROM;
    o.to = TO;
    o.generated_at = FROM;
    return o;
}

Test(report_html, the_page_of_a_month)
{
    as_db *db = data_set();
    as_html_report_options o = opts();
    as_status st;
    char *s = page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_OK, "%s", as_errmsg(db));
    cr_assert(strncmp(s, "<!DOCTYPE html>", 15) == 0);
    cr_assert(strstr(s, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                        "style-src 'unsafe-inline'\"/>"));
    cr_assert_null(strstr(s, "<script"));
    cr_assert_eq(count(s, "<section "), 11);
    /* S1: F1 at the start counts, F2; S2: F3 (F4 is at the end). */
    cr_assert(strstr(s, "<th scope=\"row\" data-k=\"0/station_id\">S1</th><td data-k=\"0/records\">2"
                        "</td><td data-k=\"0/users\">1</td><td data-k=\"0/litres\">70.000</td>"
                        "<td data-k=\"0/amount_yuan\">540.50</td>"),
              "%s", strstr(s, "report fuel --by station\">"));
    cr_assert(strstr(s, "data-k=\"1/station_id\">S2<"));
    /* Hostile text is escaped everywhere it appears. */
    cr_assert_null(strstr(s, "<i>"));
    cr_assert(strstr(s, "&lt;i&gt;&amp;&quot;x&#39;&lt;/i&gt;"));
    /* A bar and a tooltip for the ticket's category. */
    cr_assert(strstr(s, "data-chart=\"tickets-category\""));
    cr_assert(count(s, "<rect class=\"bar ") > 10);
    /* The sections without data in this month say so. */
    cr_assert(strstr(s, "data-nodata=\"feedback\""));
    cr_assert(strstr(s, "data-nodata=\"csat\""));
    cr_assert_null(strstr(s, "data-nodata=\"fuel\""));
    free(s);
    close_db(db);
}

Test(report_html, the_same_bytes_for_the_same_generated_at)
{
    as_db *db = data_set();
    as_html_report_options o = opts();
    as_status st;
    size_t n1, n2;
    char *a = page(db, &o, &st, &n1);
    char *b = page(db, &o, &st, &n2);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(a, b, n1), 0);
    free(a);
    free(b);
    close_db(db);
}

Test(report_html, a_ranked_list_cut_to_top_says_how_many)
{
    as_db *db = data_set();
    as_html_report_options o = opts();
    o.top = 1;
    o.sections = AS_HTML_FUEL;
    as_status st;
    char *s = page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_OK);
    cr_assert_eq(count(s, "<section "), 1);
    cr_assert(strstr(s, "（前 1 项，共 2 项）"), "%s", s);
    cr_assert_null(strstr(s, "data-k=\"1/station_id\""), "only the first row");
    /* By week every week is shown whatever top says: 2026-09-28 .. 2026-10-26. */
    cr_assert(strstr(s, "data-k=\"4/week\">2026-10-26<"));
    free(s);
    close_db(db);
}

Test(report_html, an_empty_period_says_no_data_and_draws_nothing)
{
    as_db *db = data_set();
    as_html_report_options o = opts();
    o.from = FROM - 400 * 86400;
    o.to = FROM - 300 * 86400;
    as_status st;
    char *s = page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_OK);
    cr_assert_eq(count(s, "data-nodata="), 11, "every section, demand too (nobody asked)");
    cr_assert_eq(count(s, "class=\"bar "), 0);
    cr_assert_eq(count(s, "class=\"pt "), 0);
    cr_assert_eq(count(s, "<svg"), 0);
    free(s);
    close_db(db);
}

Test(report_html, english_labels_and_the_station)
{
    as_db *db = data_set();
    as_html_report_options o = opts();
    o.lang = "en";
    o.station_id = "S2";
    as_status st;
    char *s = page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_OK);
    cr_assert(strstr(s, "lang=\"en\""));
    cr_assert(strstr(s, "SLA attainment"));
    cr_assert(strstr(s, "Station: S2"));
    cr_assert_null(strstr(s, "统计区间"));
    cr_assert(strstr(s, "data-k=\"0/station_id\">S2<"));
    cr_assert_null(strstr(s, ">S1<"), "only S2's rows");
    free(s);
    close_db(db);
}

Test(report_html, sections_by_name)
{
    unsigned bits = 0;
    char bad[16];
    cr_assert_eq(as_html_sections_parse("sla,fuel", &bits, bad, sizeof bad), AS_OK);
    cr_assert_eq(bits, AS_HTML_SLA | AS_HTML_FUEL);
    cr_assert_eq(as_html_sections_parse("loyalty", &bits, NULL, 0), AS_OK);
    cr_assert_eq(bits, AS_HTML_LOYALTY);
    cr_assert_eq(as_html_sections_parse("sla,charts", &bits, bad, sizeof bad), AS_INVALID);
    cr_assert_str_eq(bad, "charts");
    cr_assert_eq(as_html_sections_parse("", &bits, bad, sizeof bad), AS_INVALID);
    cr_assert_eq(as_html_sections_parse("sla,", &bits, bad, sizeof bad), AS_INVALID);
    cr_assert_eq(as_html_sections_parse("SLA", &bits, bad, sizeof bad), AS_INVALID);
    cr_assert_eq(as_html_sections_parse(NULL, &bits, bad, sizeof bad), AS_MISUSE);
    cr_assert_eq(as_html_sections_parse("sla", NULL, bad, sizeof bad), AS_MISUSE);
    cr_assert_str_eq(as_html_section_name(AS_HTML_URGENT), "urgent");
    cr_assert_null(as_html_section_name(0));
    cr_assert_null(as_html_section_name(AS_HTML_SLA | AS_HTML_FUEL));
    cr_assert_null(as_html_section_name(0x800));
}

Test(report_html, bad_arguments_write_nothing)
{
    as_db *db = data_set();
    as_status st;
    as_html_report_options o = opts();
    cr_assert_eq(as_report_html(NULL, &o, stdout), AS_MISUSE);
    cr_assert_eq(as_report_html(db, NULL, stdout), AS_MISUSE);
    cr_assert_eq(as_report_html(db, &o, NULL), AS_MISUSE);
    o.version = 99;
    page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_MISUSE);
    o = opts();
    o.to = o.from;
    page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "start is not before its end"), "%s", as_errmsg(db));
    o = opts();
    o.lang = "fr";
    page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "lang"));
    o = opts();
    o.top = 101;
    page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_INVALID);
    o.top = -1;
    page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_INVALID);
    o = opts();
    o.sections = 0x800;
    page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_INVALID);
    o = opts();
    o.station_id = "S 1";
    page(db, &o, &st, NULL);
    cr_assert_eq(st, AS_INVALID);
    cr_assert(strstr(as_errmsg(db), "station"));
    close_db(db);
}

Test(report_html, a_failed_write_is_an_io_error)
{
    as_db *db = data_set();
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        cr_skip_test("no /dev/full here");
    as_html_report_options o = opts();
    cr_assert_eq(as_report_html(db, &o, f), AS_IO);
    fclose(f);
    close_db(db);
}
