/* chart.h - an HTML text writer and the inline SVG charts of the HTML
 * report (internal).
 *
 * Everything is written as well-formed XML (the report is polyglot
 * HTML5: it parses as XML too, so xmllint can check it): every element
 * closed, attribute values quoted, & < > " escaped in text.  Each chart is
 * one <svg> with a viewBox and no fixed width, so it scales to a phone's
 * screen; every bar is a <rect class="bar"> and every point of a line a
 * <circle class="pt">, each with a <title> (the browser's tooltip) naming
 * the category, the series and the value.  A value that is not a number
 * (NAN) draws nothing: no bar, no point. */
#ifndef AS_CHART_H
#define AS_CHART_H

#include "internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A text being written; oom is sticky (every call after a failure does
 * nothing), so callers check once at the end. */
typedef struct hw {
    as_buf b;
    int oom;
} hw;

void hw_raw(hw *w, const char *s);                       /* as is */
void hw_fmt(hw *w, const char *fmt, ...) AS_PRINTF(2, 3); /* as is, formatted */
void hw_text(hw *w, const char *s);                      /* escaped; NULL writes nothing */
void hw_int(hw *w, int64_t v);                           /* 1234567 -> "1,234,567" */
void hw_real(hw *w, double v, int decimals);             /* fixed decimals; NAN -> "—" */

/* One series of a chart: its name (the legend, the tooltips) and a value
 * for every category (NAN: none). */
typedef struct chart_series {
    const char *name;
    const double *values;
} chart_series;

typedef struct chart {
    const char *id;          /* data-chart="..." (tests find a chart by it) */
    const char *title;       /* the chart's accessible name (aria-label) */
    const char *unit;        /* after a value in tooltips and labels ("%"); NULL: none */
    int decimals;            /* of values in tooltips and labels */
    size_t n;                /* categories (bars: rows; lines: x positions) */
    const char *const *labels;
    size_t nseries;          /* 1 to CHART_MAX_SERIES */
    const chart_series *series;
    int stacked;             /* bars: series stacked in one bar, not side by side */
    int fixed;               /* the value axis is [min, max]; else [0, a round number
                              * above the largest value] */
    double min, max;
    const char *palette;     /* the colour class of each series as digits ("235":
                              * s2, s3, s5); NULL: s0, s1, s2 ... in order */
} chart;

#define CHART_MAX_SERIES 6

/* Horizontal bars: one row per category, labels on the left. */
void chart_hbar(hw *w, const chart *c);
/* Lines over the categories (weeks, left to right), a point for every
 * value, a gap where a value is NAN. */
void chart_line(hw *w, const chart *c);

#endif
