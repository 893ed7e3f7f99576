/* chart.c - the HTML text writer and the inline SVG charts of the HTML
 * report.  See chart.h.
 *
 * Geometry is in viewBox units (640 wide); the browser scales the whole
 * drawing to the page's width.  Colours and fonts come from the report's
 * one <style> block (classes s0..s5 for the series), so a chart carries
 * no style of its own. */
#include "chart.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the writer ------------------------------------------------------- */

void hw_raw(hw *w, const char *s)
{
    if (!w->oom && as__buf_adds(&w->b, s) < 0)
        w->oom = 1;
}

void hw_fmt(hw *w, const char *fmt, ...)
{
    if (w->oom)
        return;
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        if (as__buf_add(&w->b, small, (size_t)n) < 0)
            w->oom = 1;
        return;
    }
    if (as__buf_reserve(&w->b, (size_t)n + 1) < 0) {
        w->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(w->b.data + w->b.len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    w->b.len += (size_t)n;
}

void hw_text(hw *w, const char *s)
{
    if (!s || w->oom)
        return;
    const char *run = s;
    for (const char *p = s;; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': esc = "&quot;"; break;
        case '\'': esc = "&#39;"; break;
        case '\0': esc = ""; break;
        default:
            /* Control characters are not allowed in XML 1.0: a space. */
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
                esc = " ";
            /* Nor are the non-characters U+FFFE and U+FFFF: U+FFFD. */
            else if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBF &&
                     ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF)) {
                if (p > run && as__buf_add(&w->b, run, (size_t)(p - run)) < 0) {
                    w->oom = 1;
                    return;
                }
                hw_raw(w, "\xEF\xBF\xBD");
                p += 2;
                run = p + 1;
                continue;
            }
        }
        if (!esc)
            continue;
        if (p > run && as__buf_add(&w->b, run, (size_t)(p - run)) < 0) {
            w->oom = 1;
            return;
        }
        if (!*p)
            return;
        hw_raw(w, esc);
        run = p + 1;
    }
}

void hw_int(hw *w, int64_t v)
{
    char digits[32], out[48];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(digits, sizeof digits, "%" PRIu64, u);
    size_t n = strlen(digits), o = 0;
    if (v < 0)
        out[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    hw_raw(w, out);
}

void hw_real(hw *w, double v, int decimals)
{
    if (!isfinite(v)) {
        hw_raw(w, "\xE2\x80\x94"); /* — */
        return;
    }
    hw_fmt(w, "%.*f", decimals, v);
}

/* ---- shared pieces ------------------------------------------------------ */

/* The display width of UTF-8 text: 1 for ASCII, 2 for anything wider
 * (CJK characters take about two Latin letters' room). */
static size_t text_width(const char *s, size_t *bytes_within, size_t limit)
{
    size_t width = 0, i = 0;
    *bytes_within = 0;
    while (s[i]) {
        size_t len = 1, cw = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xF0)
            len = 4, cw = 2;
        else if (c >= 0xE0)
            len = 3, cw = 2;
        else if (c >= 0xC0)
            len = 2, cw = 1;
        for (size_t k = 1; k < len; k++)
            if (!s[i + k]) {
                len = k;
                break;
            }
        if (width + cw <= limit)
            *bytes_within = i + len;
        width += cw;
        i += len;
    }
    return width;
}

/* A category label, shortened with an ellipsis to fit `limit` width units
 * (the full label is in the tooltip). */
static void label_text(hw *w, const char *s, size_t limit)
{
    if (!s) {
        hw_raw(w, "\xE2\x80\x94");
        return;
    }
    size_t within;
    if (text_width(s, &within, limit) <= limit) {
        hw_text(w, s);
        return;
    }
    text_width(s, &within, limit - 1);
    char *cut = as__strndup(s, within);
    if (!cut) {
        w->oom = 1;
        return;
    }
    hw_text(w, cut);
    hw_raw(w, "\xE2\x80\xA6"); /* … */
    free(cut);
}

static void value_text(hw *w, const chart *c, double v)
{
    hw_real(w, v, c->decimals);
    if (c->unit)
        hw_text(w, c->unit);
}

/* The tooltip of one value: "label · series: value". */
static void tooltip(hw *w, const chart *c, size_t i, size_t s, double v)
{
    hw_raw(w, "<title>");
    hw_text(w, c->labels[i] ? c->labels[i] : "\xE2\x80\x94");
    if (c->nseries > 1 || c->series[s].name) {
        hw_raw(w, " \xC2\xB7 ");
        hw_text(w, c->series[s].name);
    }
    hw_raw(w, ": ");
    value_text(w, c, v);
    hw_raw(w, "</title>");
}

/* A round number at or above v: 1, 2, 2.5 or 5 times a power of ten. */
static double nice_ceil(double v)
{
    if (!(v > 0))
        return 1;
    double p = pow(10, floor(log10(v)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (steps[i] * p >= v * (1 - 1e-12))
            return steps[i] * p;
    return 10 * p;
}

static void axis_range(const chart *c, double *lo, double *hi)
{
    if (c->fixed) {
        *lo = c->min;
        *hi = c->max > c->min ? c->max : c->min + 1;
        return;
    }
    double top = 0;
    for (size_t i = 0; i < c->n; i++) {
        double sum = 0;
        for (size_t s = 0; s < c->nseries; s++) {
            double v = c->series[s].values[i];
            if (!isfinite(v))
                continue;
            if (c->stacked)
                sum += v > 0 ? v : 0;
            else if (v > top)
                top = v;
        }
        if (c->stacked && sum > top)
            top = sum;
    }
    *lo = 0;
    *hi = nice_ceil(top);
    /* Counts: four whole steps at least (no 0.25 of a ticket on the axis). */
    if (c->decimals == 0 && *hi < 4)
        *hi = 4;
}

/* The colour class of series s. */
static unsigned colour(const chart *c, size_t s)
{
    if (c->palette && s < strlen(c->palette) && c->palette[s] >= '0' && c->palette[s] <= '5')
        return (unsigned)(c->palette[s] - '0');
    return (unsigned)(s % CHART_MAX_SERIES);
}

/* The grid of an axis [lo, hi]: 5 steps when the range is 5, 25, 50 ...
 * (quarters of it are not round), else 4; labels with the decimals a step
 * needs (1.25 -> 2, 0.5 -> 1, 25 -> 0). */
static void axis_grid(double lo, double hi, int *steps, int *decimals)
{
    double range = hi - lo;
    double m = range / pow(10, floor(log10(range)));
    *steps = fabs(m - 5) < 1e-9 || fabs(m - 2.5) < 1e-9 ? 5 : 4;
    double step = range / *steps;
    *decimals = 0;
    while (*decimals < 3 && fabs(step * pow(10, *decimals) - round(step * pow(10, *decimals))) > 1e-6)
        (*decimals)++;
}

static void legend(hw *w, const chart *c, double y)
{
    if (c->nseries < 2)
        return;
    double x = 8;
    hw_raw(w, "<g class=\"legend\">");
    for (size_t s = 0; s < c->nseries; s++) {
        size_t within;
        size_t width = text_width(c->series[s].name ? c->series[s].name : "", &within, 0);
        hw_fmt(w, "<rect class=\"key s%u\" x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\"/>",
               colour(c, s), x, y - 9);
        hw_fmt(w, "<text x=\"%.1f\" y=\"%.1f\">", x + 14, y);
        hw_text(w, c->series[s].name);
        hw_raw(w, "</text>");
        x += 26 + 6.5 * (double)width;
    }
    hw_raw(w, "</g>");
}

static void svg_open(hw *w, const chart *c, const char *kind, double height)
{
    hw_fmt(w, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart %s\" viewBox=\"0 0 640 %.0f\""
              " role=\"img\" data-chart=\"",
           kind, height);
    hw_text(w, c->id);
    hw_raw(w, "\" aria-label=\"");
    hw_text(w, c->title);
    hw_raw(w, "\">");
}

/* ---- bars --------------------------------------------------------------- */

enum { LABEL_W = 176, BAR_X = 184, BAR_W = 380 };

void chart_hbar(hw *w, const chart *c)
{
    double lo, hi;
    axis_range(c, &lo, &hi);
    (void)lo;
    int grouped = c->nseries > 1 && !c->stacked;
    double bar_h = grouped ? 11 : 16;
    double row_h = grouped ? (double)c->nseries * 12 + 8 : 22;
    double top = c->nseries > 1 ? 24 : 6;
    double height = top + row_h * (double)c->n + 20;
    svg_open(w, c, "bars", height);
    legend(w, c, 14);
    /* Grid: quarters of the axis, numbered at the bottom. */
    int steps, dec;
    axis_grid(0, hi, &steps, &dec);
    for (int q = 0; q <= steps; q++) {
        double x = BAR_X + BAR_W * q / (double)steps;
        hw_fmt(w, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, top - 2,
               x, height - 16);
        hw_fmt(w, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, height - 4);
        hw_real(w, hi * q / steps, dec);
        hw_raw(w, "</text>");
    }
    for (size_t i = 0; i < c->n; i++) {
        double y = top + row_h * (double)i;
        hw_fmt(w, "<g class=\"row\"><text class=\"label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
               LABEL_W, y + row_h / 2 + 4);
        label_text(w, c->labels[i], 26);
        hw_raw(w, "</text>");
        double x = BAR_X, last_end = BAR_X;
        for (size_t s = 0; s < c->nseries; s++) {
            double v = c->series[s].values[i];
            if (!isfinite(v))
                continue;
            double len = v > 0 ? BAR_W * v / hi : 0;
            if (len > BAR_W * 1.05)
                len = BAR_W * 1.05;
            double by = grouped ? y + 4 + 12 * (double)s : y + (row_h - bar_h) / 2;
            double bx = c->stacked ? x : BAR_X;
            hw_fmt(w, "<rect class=\"bar s%u\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">",
                   colour(c, s), bx, by, len, bar_h);
            tooltip(w, c, i, s, v);
            hw_raw(w, "</rect>");
            if (c->stacked)
                x += len;
            else if (grouped) {
                hw_fmt(w, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">", bx + len + 4, by + bar_h - 1);
                value_text(w, c, v);
                hw_raw(w, "</text>");
            }
            last_end = bx + len > last_end ? bx + len : last_end;
        }
        if (!grouped) {
            /* One number after the bar: the value, or the stack's total. */
            double total = 0;
            int any = 0;
            for (size_t s = 0; s < c->nseries; s++)
                if (isfinite(c->series[s].values[i]))
                    total += c->series[s].values[i], any = 1;
            if (any) {
                hw_fmt(w, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">", last_end + 4,
                       y + row_h / 2 + 4);
                value_text(w, c, total);
                hw_raw(w, "</text>");
            }
        }
        hw_raw(w, "</g>");
    }
    hw_raw(w, "</svg>");
}

/* ---- lines -------------------------------------------------------------- */

enum { PLOT_X = 52, PLOT_W = 568, PLOT_Y = 28, PLOT_H = 180 };

void chart_line(hw *w, const chart *c)
{
    double lo, hi;
    axis_range(c, &lo, &hi);
    double height = PLOT_Y + PLOT_H + 30;
    svg_open(w, c, "lines", height);
    legend(w, c, 14);
    int steps, dec;
    axis_grid(lo, hi, &steps, &dec);
    for (int q = 0; q <= steps; q++) {
        double v = lo + (hi - lo) * q / steps;
        double y = PLOT_Y + PLOT_H - PLOT_H * q / (double)steps;
        hw_fmt(w, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", PLOT_X, y,
               PLOT_X + PLOT_W, y);
        hw_fmt(w, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", PLOT_X - 4, y + 4);
        hw_real(w, v, dec);
        hw_raw(w, "</text>");
    }
    double step = c->n > 1 ? (double)PLOT_W / (double)(c->n - 1) : 0;
    size_t every = c->n > 8 ? (c->n + 7) / 8 : 1;
    for (size_t i = 0; i < c->n; i++) {
        double x = c->n > 1 ? PLOT_X + step * (double)i : PLOT_X + PLOT_W / 2.0;
        if (i % every == 0) {
            hw_fmt(w, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x,
                   height - 8);
            /* A date label: its month and day are enough on the axis. */
            const char *l = c->labels[i];
            hw_text(w, l && strlen(l) == 10 && l[4] == '-' ? l + 5 : l);
            hw_raw(w, "</text>");
        }
    }
    for (size_t s = 0; s < c->nseries; s++) {
        const double *v = c->series[s].values;
        /* The line: segments between values that exist. */
        hw_fmt(w, "<path class=\"line s%u\" d=\"", colour(c, s));
        int pen = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (!isfinite(v[i])) {
                pen = 0;
                continue;
            }
            double x = c->n > 1 ? PLOT_X + step * (double)i : PLOT_X + PLOT_W / 2.0;
            double f = (v[i] - lo) / (hi - lo);
            f = f < 0 ? 0 : f > 1.05 ? 1.05 : f;
            hw_fmt(w, "%s%.1f %.1f ", pen ? "L" : "M", x, PLOT_Y + PLOT_H - PLOT_H * f);
            pen = 1;
        }
        hw_raw(w, "\"/>");
        for (size_t i = 0; i < c->n; i++) {
            if (!isfinite(v[i]))
                continue;
            double x = c->n > 1 ? PLOT_X + step * (double)i : PLOT_X + PLOT_W / 2.0;
            double f = (v[i] - lo) / (hi - lo);
            f = f < 0 ? 0 : f > 1.05 ? 1.05 : f;
            hw_fmt(w, "<circle class=\"pt s%u\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\">", colour(c, s), x,
                   PLOT_Y + PLOT_H - PLOT_H * f);
            tooltip(w, c, i, s, v[i]);
            hw_raw(w, "</circle>");
        }
    }
    hw_raw(w, "</svg>");
}
