/* The HTML writer and the SVG charts of the HTML report (lib/chart.c). */
#include "chart.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *text_of(hw *w)
{
    cr_assert_eq(w->oom, 0);
    char *s = as__strndup(w->b.data ? w->b.data : "", w->b.len);
    cr_assert_not_null(s);
    as__buf_free(&w->b);
    return s;
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

Test(chart, text_is_escaped_for_xml)
{
    hw w = {0};
    hw_text(&w, "a<b & \"c\" 'd' > e\x01");
    hw_text(&w, NULL);
    char *s = text_of(&w);
    cr_assert_str_eq(s, "a&lt;b &amp; &quot;c&quot; &#39;d&#39; &gt; e ");
    free(s);
    /* U+FFFE and U+FFFF are not XML characters: U+FFFD; U+FFFD itself stays. */
    hw_text(&w, "x\xEF\xBF\xBFy\xEF\xBF\xBE\xEF\xBF\xBD\xEF\xBF\xBC");
    s = text_of(&w);
    cr_assert_str_eq(s, "x\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBC");
    free(s);
}

Test(chart, numbers_with_thousands_separators)
{
    hw w = {0};
    hw_int(&w, 0);
    hw_raw(&w, " ");
    hw_int(&w, 999);
    hw_raw(&w, " ");
    hw_int(&w, 1000);
    hw_raw(&w, " ");
    hw_int(&w, -1234567);
    hw_raw(&w, " ");
    hw_int(&w, INT64_MIN);
    hw_raw(&w, " ");
    hw_real(&w, 87.46, 1);
    hw_raw(&w, " ");
    hw_real(&w, NAN, 1);
    char *s = text_of(&w);
    cr_assert_str_eq(s, "0 999 1,000 -1,234,567 -9,223,372,036,854,775,808 87.5 \xE2\x80\x94");
    free(s);
}

Test(chart, long_text_through_the_formatter)
{
    hw w = {0};
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    hw_fmt(&w, "[%s]", big);
    char *s = text_of(&w);
    cr_assert_eq(strlen(s), sizeof big + 1);
    cr_assert_eq(s[0], '[');
    cr_assert_eq(s[sizeof big], ']');
    free(s);
}

Test(chart, a_bar_for_every_value_none_for_nan)
{
    const char *labels[] = {"95", "92", "<0#>", NULL};
    double a[] = {10, 0, 5, NAN}, b[] = {1, 2, NAN, NAN};
    chart_series s[] = {{"甲", a}, {"乙", b}};
    chart c = {.id = "t", .title = "T & t", .unit = "%", .decimals = 1, .n = 4, .labels = labels,
               .nseries = 2, .series = s};
    hw w = {0};
    chart_hbar(&w, &c);
    char *out = text_of(&w);
    cr_assert_eq(count(out, "<rect class=\"bar "), 5, "%s", out);
    cr_assert_eq(count(out, "<title>"), 5);
    cr_assert(strstr(out, "data-chart=\"t\""));
    cr_assert(strstr(out, "aria-label=\"T &amp; t\""));
    cr_assert(strstr(out, "&lt;0#&gt;"), "labels are escaped");
    cr_assert(strstr(out, "<title>95 \xC2\xB7 \xE7\x94\xB2: 10.0%</title>"), "%s", out);
    cr_assert_eq(count(out, "<svg"), 1);
    cr_assert_eq(count(out, "</svg>"), 1);
    free(out);
}

Test(chart, stacked_bars_and_long_labels)
{
    const char *labels[] = {"中国石化北京朝阳区第一加油站（东三环北路）"};
    double a[] = {3}, b[] = {4};
    chart_series s[] = {{"a", a}, {"b", b}};
    chart c = {.id = "s", .title = "s", .n = 1, .labels = labels, .nseries = 2, .series = s,
               .stacked = 1};
    hw w = {0};
    chart_hbar(&w, &c);
    char *out = text_of(&w);
    cr_assert_eq(count(out, "class=\"bar "), 2);
    cr_assert(strstr(out, "\xE2\x80\xA6</text>"), "a long label is shortened: %s", out);
    cr_assert(strstr(out, ">7</text>"), "the stack's total is written after it");
    free(out);
}

Test(chart, lines_have_a_point_per_value_and_gaps)
{
    const char *labels[] = {"2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"};
    double v[] = {0.5, NAN, -0.25, 1};
    chart_series s[] = {{"mean", v}};
    chart c = {.id = "l", .title = "l", .decimals = 3, .n = 4, .labels = labels, .nseries = 1,
               .series = s, .fixed = 1, .min = -1, .max = 1};
    hw w = {0};
    chart_line(&w, &c);
    char *out = text_of(&w);
    cr_assert_eq(count(out, "<circle class=\"pt "), 3);
    cr_assert_eq(count(out, "M"), 2 + count(out, "Micro"), "the line breaks at the gap");
    cr_assert(strstr(out, ">11-02</text>"), "dates as month-day on the axis");
    cr_assert(strstr(out, "<title>2026-11-16 \xC2\xB7 mean: -0.250</title>"), "%s", out);
    free(out);
}

Test(chart, nothing_to_draw_is_still_one_valid_drawing)
{
    chart c = {.id = "e", .title = "e", .n = 0, .labels = NULL, .nseries = 1,
               .series = (chart_series[]){{"x", NULL}}};
    hw w = {0};
    chart_hbar(&w, &c);
    chart_line(&w, &c);
    char *out = text_of(&w);
    cr_assert_eq(count(out, "<svg"), 2);
    cr_assert_eq(count(out, "class=\"bar"), 0);
    cr_assert_eq(count(out, "class=\"pt"), 0);
    cr_assert_null(strstr(out, "nan"));
    cr_assert_null(strstr(out, "inf"));
    free(out);
}

/* The tick labels of an axis, in order. */
static void ticks(const char *svg, char *out, size_t n)
{
    out[0] = '\0';
    for (const char *p = strstr(svg, "class=\"tick\""); p; p = strstr(p + 1, "class=\"tick\"")) {
        const char *a = strchr(p, '>') + 1, *b = strchr(a, '<');
        if (strlen(out) + (size_t)(b - a) + 2 < n) {
            strncat(out, a, (size_t)(b - a));
            strcat(out, " ");
        }
    }
}

Test(chart, grid_labels_are_where_their_lines_are)
{
    const char *labels[] = {"a", "b"};
    double stars[] = {3.25, 4.5}, counts[] = {5, 1}, big[] = {25, 12};
    chart_series s1[] = {{"x", stars}}, s2[] = {{"x", counts}}, s3[] = {{"x", big}};
    char t[256];
    hw w = {0};
    /* Stars on a fixed 0-5 axis: a line at every whole star. */
    chart c = {.id = "a", .title = "a", .decimals = 2, .n = 2, .labels = labels, .nseries = 1,
               .series = s1, .fixed = 1, .min = 0, .max = 5};
    chart_hbar(&w, &c);
    char *out = text_of(&w);
    ticks(out, t, sizeof t);
    cr_assert_str_eq(t, "0 1 2 3 4 5 ", "%s", t);
    free(out);
    /* Counts up to 5: the axis is 0-5 in whole steps. */
    chart d = {.id = "b", .title = "b", .n = 2, .labels = labels, .nseries = 1, .series = s2};
    chart_hbar(&w, &d);
    out = text_of(&w);
    ticks(out, t, sizeof t);
    cr_assert_str_eq(t, "0 1 2 3 4 5 ", "%s", t);
    free(out);
    /* 25 on a line chart: 0 5 10 15 20 25, not rounded quarters. */
    chart e = {.id = "c", .title = "c", .n = 2, .labels = labels, .nseries = 1, .series = s3};
    chart_line(&w, &e);
    out = text_of(&w);
    ticks(out, t, sizeof t);
    cr_assert(strncmp(t, "0 5 10 15 20 25 ", 16) == 0, "%s", t);
    free(out);
    /* Sentiment, -1 to 1: halves. */
    double m[] = {0.2, -0.4};
    chart_series s4[] = {{"x", m}};
    chart f = {.id = "d", .title = "d", .decimals = 3, .n = 2, .labels = labels, .nseries = 1,
               .series = s4, .fixed = 1, .min = -1, .max = 1};
    chart_line(&w, &f);
    out = text_of(&w);
    ticks(out, t, sizeof t);
    cr_assert(strncmp(t, "-1.0 -0.5 0.0 0.5 1.0 ", 22) == 0, "%s", t);
    free(out);
}
