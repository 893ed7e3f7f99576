/* report_html.c - the HTML report: every service report of a period in one
 * self-contained page, each as a chart (inline SVG, drawn here) beside a
 * table of its numbers.
 *
 * The page has no script, loads nothing (a Content-Security-Policy meta
 * tag forbids everything but inline style) and is well-formed XML, so it
 * can be checked with an XML parser and opened offline.  Each section
 * reads the same C API as its own `report` command, and every table cell
 * names where its number is in that command's JSON output: data-source on
 * the table is the command (without --from, --to, --station, --format),
 * data-k on the cell the path in its output ("3/tickets": the 4th record's
 * field tickets; "points/earned": a field of an object).  A test runs the
 * commands and compares every cell.  Charts draw the cells of the table
 * beside them, so a chart cannot disagree with its table.
 *
 * Sections read in one read transaction: the whole page is one snapshot. */
#include "chart.h"
#include "senti_impl.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a table of numbers --------------------------------------------------- */

enum { C_NULL, C_INT, C_REAL, C_STR, C_TIME, C_YUAN };

typedef struct cell {
    int kind;
    int dec;                 /* C_REAL: decimals */
    int64_t i;               /* C_INT, C_TIME, C_YUAN (fen) */
    double r;                /* C_REAL */
    char *s;                 /* C_STR: owned */
} cell;

typedef struct col {
    const char *field;       /* the JSON field */
    const char *zh, *en;     /* the column's head */
} col;

typedef struct grid {
    const char *source;      /* the command: data-source */
    int no_period;           /* the command takes no period (nor a station) */
    int no_station;          /* the command takes no station */
    const char *rows;        /* the JSON path of row i: "" (a list: "i"), "weeks"
                              * ("weeks/i"); NULL: one object, no index */
    const char *object;      /* with rows NULL: the object's path ("points"; "" the top) */
    const col *cols;
    size_t ncols;
    cell *cells;             /* nrows * ncols */
    size_t nrows, cap, at;   /* at: cells filled */
    size_t of;               /* rows the report has (more than nrows when cut) */
    int transposed;          /* one row of many fields: a field a line */
} grid;

typedef struct ctx {
    as_db *db;
    hw w;
    int en;
    int off;                 /* the business zone's offset, minutes */
    int top;
    as_period_query q;
    int oom;
} ctx;

#define L(zh_text, en_text) (x->en ? (en_text) : (zh_text))

static void grid_init(grid *g, const char *source, const col *cols, size_t ncols, const char *rows)
{
    memset(g, 0, sizeof *g);
    g->source = source;
    g->cols = cols;
    g->ncols = ncols;
    g->rows = rows;
}

static void grid_free(grid *g)
{
    for (size_t i = 0; i < g->at; i++)
        free(g->cells[i].s);
    free(g->cells);
    g->cells = NULL;
    g->at = g->nrows = g->cap = 0;
}

static cell *put(ctx *x, grid *g, int kind)
{
    if (g->at % g->ncols == 0)
        g->nrows++;
    if (g->at == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        cell *c = realloc(g->cells, cap * sizeof *c);
        if (!c) {
            x->oom = 1;
            g->nrows -= g->at % g->ncols == 0;
            return NULL;
        }
        g->cells = c;
        g->cap = cap;
    }
    cell *c = &g->cells[g->at++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    return c;
}

static void put_int(ctx *x, grid *g, int64_t v)
{
    cell *c = put(x, g, C_INT);
    if (c)
        c->i = v;
}

/* An int where `none` means null (-1 for times of nothing). */
static void put_opt(ctx *x, grid *g, int64_t v, int64_t none)
{
    if (v == none)
        put(x, g, C_NULL);
    else
        put_int(x, g, v);
}

static void put_real(ctx *x, grid *g, double v, int dec)
{
    cell *c = put(x, g, isfinite(v) ? C_REAL : C_NULL);
    if (c) {
        c->r = v;
        c->dec = dec;
    }
}

/* A percentage, -1 meaning none. */
static void put_pct(ctx *x, grid *g, double v)
{
    put_real(x, g, v < 0 ? NAN : v, 1);
}

static void put_str(ctx *x, grid *g, const char *s)
{
    cell *c = put(x, g, s ? C_STR : C_NULL);
    if (c && s && !(c->s = as__strdup(s)))
        x->oom = 1;
}

static void put_time(ctx *x, grid *g, int64_t t)
{
    cell *c = put(x, g, t ? C_TIME : C_NULL);
    if (c)
        c->i = t;
}

static void put_yuan(ctx *x, grid *g, int64_t fen)
{
    cell *c = put(x, g, C_YUAN);
    if (c)
        c->i = fen;
}

static const cell *at(const grid *g, size_t row, size_t colno)
{
    return &g->cells[row * g->ncols + colno];
}

/* A cell as a number for a chart (NAN: none). */
static double number(const cell *c)
{
    switch (c->kind) {
    case C_INT: return (double)c->i;
    case C_REAL: return c->r;
    case C_YUAN: return (double)c->i / 100.0;
    default: return NAN;
    }
}

static void cell_text(ctx *x, const cell *c)
{
    char buf[64];
    switch (c->kind) {
    case C_INT: hw_int(&x->w, c->i); break;
    case C_REAL: hw_real(&x->w, c->r, c->dec); break;
    case C_STR: hw_text(&x->w, c->s); break;
    case C_TIME: hw_text(&x->w, as_time_format(c->i, x->off, buf)); break;
    case C_YUAN: {
        int64_t a = c->i < 0 ? -c->i : c->i;
        hw_fmt(&x->w, "%s%" PRId64 ".%02d", c->i < 0 ? "-" : "", a / 100, (int)(a % 100));
        break;
    }
    default: hw_raw(&x->w, "\xE2\x80\x94");
    }
}

/* The JSON path of one cell: a field holding a star is a whole path with
 * the star for the row's index ("0/buckets/STAR/tickets"); else the grid's rows path,
 * the index and the field ("weeks/3/mean"), or the object's path and the
 * field ("points/earned"). */
static void key_path(ctx *x, const grid *g, const char *row, const char *field)
{
    const char *star = strchr(field, '*');
    if (star) {
        hw_fmt(&x->w, "%.*s", (int)(star - field), field);
        hw_raw(&x->w, row);
        hw_text(&x->w, star + 1);
        return;
    }
    if (g->rows) {
        if (*g->rows)
            hw_fmt(&x->w, "%s/", g->rows);
        hw_fmt(&x->w, "%s/", row);
    } else if (g->object && *g->object) {
        hw_fmt(&x->w, "%s/", g->object);
    }
    hw_text(&x->w, field);
}

static void cell_key(ctx *x, const grid *g, size_t row, size_t colno)
{
    char r[24];
    if (g->cols[colno].field[0] == '=')
        return;    /* a label of the page's own, not in the JSON */
    snprintf(r, sizeof r, "%zu", row);
    hw_raw(&x->w, " data-k=\"");
    key_path(x, g, r, g->cols[colno].field);
    hw_raw(&x->w, "\"");
}

static void table(ctx *x, const grid *g, const char *caption)
{
    hw *w = &x->w;
    hw_raw(w, "<div class=\"tbl\"><table class=\"data\" data-source=\"");
    hw_text(w, g->source);
    hw_raw(w, g->no_period ? "\" data-period=\"none\"" : "\"");
    hw_raw(w, g->no_station ? " data-station=\"none\">" : ">");
    hw_raw(w, "<caption>");
    hw_text(w, caption);
    if (g->of > g->nrows)
        hw_fmt(w, x->en ? " (top %zu of %zu)" : "（前 %zu 项，共 %zu 项）", g->nrows, g->of);
    hw_raw(w, "</caption>");
    if (g->transposed) {
        hw_raw(w, "<tbody>");
        for (size_t k = 0; k < g->ncols; k++) {
            hw_raw(w, "<tr><th scope=\"row\" data-field=\"");
            hw_text(w, g->cols[k].field);
            hw_raw(w, "\">");
            hw_text(w, L(g->cols[k].zh, g->cols[k].en));
            hw_raw(w, "</th><td");
            cell_key(x, g, 0, k);
            hw_raw(w, ">");
            cell_text(x, at(g, 0, k));
            hw_raw(w, "</td></tr>");
        }
        hw_raw(w, "</tbody></table></div>");
        return;
    }
    hw_raw(w, "<thead><tr>");
    for (size_t k = 0; k < g->ncols; k++) {
        hw_raw(w, "<th scope=\"col\" data-field=\"");
        hw_text(w, g->cols[k].field);
        hw_raw(w, "\">");
        hw_text(w, L(g->cols[k].zh, g->cols[k].en));
        hw_raw(w, "</th>");
    }
    hw_raw(w, "</tr></thead><tbody>");
    for (size_t r = 0; r < g->nrows; r++) {
        hw_raw(w, "<tr>");
        for (size_t k = 0; k < g->ncols; k++) {
            hw_raw(w, k == 0 ? "<th scope=\"row\"" : "<td");
            cell_key(x, g, r, k);
            hw_raw(w, ">");
            cell_text(x, at(g, r, k));
            hw_raw(w, k == 0 ? "</th>" : "</td>");
        }
        hw_raw(w, "</tr>");
    }
    hw_raw(w, "</tbody></table></div>");
}

/* What a chart draws from its grid. */
typedef struct plot {
    const char *id;
    const char *zh, *en;     /* the chart's title */
    int line;                /* lines (weeks) instead of bars */
    size_t label;            /* the column of category labels */
    size_t nvals;
    size_t vals[CHART_MAX_SERIES];   /* value columns: one series each */
    const char *unit;
    int decimals;
    int stacked;
    int fixed;
    double min, max;
    const char *palette;     /* chart.palette; NULL: in order */
} plot;

static void draw(ctx *x, const grid *g, const plot *p)
{
    size_t n = g->nrows;
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    double *vals = calloc((n ? n : 1) * p->nvals, sizeof *vals);
    chart_series series[CHART_MAX_SERIES];
    char (*bufs)[64] = calloc(n ? n : 1, sizeof *bufs);
    if (!labels || !vals || !bufs) {
        x->oom = 1;
        goto out;
    }
    for (size_t r = 0; r < n; r++) {
        const cell *c = at(g, r, p->label);
        if (c->kind == C_STR)
            labels[r] = c->s;
        else if (c->kind == C_INT) {
            snprintf(bufs[r], sizeof bufs[r], "%" PRId64, c->i);
            labels[r] = bufs[r];
        } else
            labels[r] = NULL;
    }
    for (size_t s = 0; s < p->nvals; s++) {
        for (size_t r = 0; r < n; r++)
            vals[s * n + r] = number(at(g, r, p->vals[s]));
        const col *c = &g->cols[p->vals[s]];
        series[s].name = L(c->zh, c->en);
        series[s].values = vals + s * n;
    }
    chart c = {
        .id = p->id, .title = L(p->zh, p->en), .unit = p->unit, .decimals = p->decimals,
        .n = n, .labels = labels, .nseries = p->nvals, .series = series,
        .stacked = p->stacked, .fixed = p->fixed, .min = p->min, .max = p->max,
        .palette = p->palette,
    };
    /* What the chart draws, for tests: the command, how many rows and the
     * path of every series' values (a star for the row). */
    hw_raw(&x->w, "<figure class=\"plot\" data-source=\"");
    hw_text(&x->w, g->source);
    hw_raw(&x->w, g->no_period ? "\" data-period=\"none" : "");
    hw_raw(&x->w, g->no_station ? "\" data-station=\"none" : "");
    hw_fmt(&x->w, "\" data-n=\"%zu\" data-series=\"", n);
    for (size_t s = 0; s < p->nvals; s++) {
        if (s)
            hw_raw(&x->w, " ");
        key_path(x, g, "*", g->cols[p->vals[s]].field);
    }
    hw_raw(&x->w, "\">");
    if (p->line)
        chart_line(&x->w, &c);
    else
        chart_hbar(&x->w, &c);
    hw_raw(&x->w, "<figcaption>");
    hw_text(&x->w, c.title);
    hw_raw(&x->w, "</figcaption></figure>");
out:
    free(labels);
    free(vals);
    free(bufs);
}

/* A chart and its table side by side (stacked on a phone). */
static void block(ctx *x, const grid *g, const plot *p)
{
    hw_raw(&x->w, "<div class=\"pair\">");
    if (p)
        draw(x, g, p);
    table(x, g, p ? L(p->zh, p->en) : "");
    hw_raw(&x->w, "</div>");
}

static void nodata(ctx *x, const char *id)
{
    hw_raw(&x->w, "<p class=\"nodata\" data-nodata=\"");
    hw_text(&x->w, id);
    hw_raw(&x->w, "\">");
    hw_text(&x->w, L("本期无数据。", "No data for this period."));
    hw_raw(&x->w, "</p>");
}

static void section_open(ctx *x, const char *id, const char *zh, const char *en, const char *note)
{
    hw_fmt(&x->w, "<section id=\"%s\" data-section=\"%s\"><h2>", id, id);
    hw_text(&x->w, L(zh, en));
    hw_raw(&x->w, "</h2>");
    if (note) {
        hw_raw(&x->w, "<p class=\"note\">");
        hw_text(&x->w, note);
        hw_raw(&x->w, "</p>");
    }
}

static void section_close(ctx *x)
{
    hw_raw(&x->w, "</section>");
}

/* A report query of the period (the SLA and CSAT iterators). */
static as_report_query report_query(const ctx *x, as_report_by by)
{
    as_report_query q = AS_REPORT_QUERY_INIT;
    q.by = by;
    q.from = x->q.from;
    q.to = x->q.to;
    q.station_id = x->q.station_id;
    return q;
}

/* ---- SLA ------------------------------------------------------------------ */

static const col sla_cols[] = {
    {"level", "级别", "Level"},
    {"tickets", "工单", "Tickets"},
    {"first_response_met_pct", "首响达成率 %", "First response met %"},
    {"first_response_median_min", "首响中位数 (分钟)", "First response median (min)"},
    {"first_response_p90_min", "首响 P90 (分钟)", "First response p90 (min)"},
    {"resolution_met_pct", "解决达成率 %", "Resolution met %"},
    {"resolution_median_min", "解决中位数 (分钟)", "Resolution median (min)"},
    {"resolution_p90_min", "解决 P90 (分钟)", "Resolution p90 (min)"},
};

static as_status sla_grid(ctx *x, grid *g, as_report_by by, col *cols)
{
    as_report_query q = report_query(x, by);
    as_report_sla_iter *it;
    as_status st = as_report_sla_iter_new(&it, x->db, &q);
    if (st != AS_OK)
        return st;
    memcpy(cols, sla_cols, sizeof sla_cols);
    cols[0].field = as_report_by_name(by);
    cols[0].zh = by == AS_REPORT_BY_QUEUE ? "队列" : by == AS_REPORT_BY_WEEK ? "周" : "级别";
    cols[0].en = by == AS_REPORT_BY_QUEUE ? "Queue" : by == AS_REPORT_BY_WEEK ? "Week" : "Level";
    const as_report_sla_row *r;
    while ((st = as_report_sla_next(it, &r)) == AS_OK) {
        put_str(x, g, r->group);
        put_int(x, g, r->tickets);
        put_pct(x, g, r->first_response_met_pct);
        put_opt(x, g, r->first_response_median_min, -1);
        put_opt(x, g, r->first_response_p90_min, -1);
        put_pct(x, g, r->resolution_met_pct);
        put_opt(x, g, r->resolution_median_min, -1);
        put_opt(x, g, r->resolution_p90_min, -1);
    }
    as_report_sla_iter_free(it);
    g->of = g->nrows;
    return st == AS_DONE ? AS_OK : st;
}

static int64_t column_sum(const grid *g, size_t colno)
{
    int64_t s = 0;
    for (size_t r = 0; r < g->nrows; r++)
        if (at(g, r, colno)->kind == C_INT)
            s += at(g, r, colno)->i;
    return s;
}

static as_status section_sla(ctx *x)
{
    section_open(x, "sla", "SLA 达成", "SLA attainment", NULL);
    static const struct { as_report_by by; const char *source, *id, *zh, *en; } parts[] = {
        {AS_REPORT_BY_LEVEL, "report sla --by level", "sla-level", "按级别的 SLA 达成率",
         "SLA met by level"},
        {AS_REPORT_BY_QUEUE, "report sla --by queue", "sla-queue", "按队列的 SLA 达成率",
         "SLA met by queue"},
        {AS_REPORT_BY_WEEK, "report sla --by week", "sla-week", "SLA 达成率周趋势",
         "SLA met, week by week"},
    };
    as_status st = AS_OK;
    int any = 0;
    for (size_t i = 0; i < sizeof parts / sizeof *parts && st == AS_OK; i++) {
        col cols[sizeof sla_cols / sizeof *sla_cols];
        grid g;
        grid_init(&g, parts[i].source, cols, sizeof cols / sizeof *cols, "");
        st = sla_grid(x, &g, parts[i].by, cols);
        if (st == AS_OK && i == 0 && column_sum(&g, 1) == 0) {
            nodata(x, "sla");
            grid_free(&g);
            break;
        }
        any = 1;
        plot p = {parts[i].id, parts[i].zh, parts[i].en, parts[i].by == AS_REPORT_BY_WEEK, 0, 2,
                  {2, 5}, "%", 1, 0, 1, 0, 100, NULL};
        if (st == AS_OK)
            block(x, &g, &p);
        grid_free(&g);
    }
    (void)any;
    section_close(x);
    return st;
}

/* ---- response and resolution times ----------------------------------------- */

static as_status section_times(ctx *x)
{
    as_report_times *t;
    as_status st = as_report_times_get(&t, x->db, &x->q);
    if (st != AS_OK)
        return st;
    section_open(x, "times", "首次响应与解决时长分布", "First response and resolution times",
                 L("工作时间分钟（按业务日历计）。", "Business minutes (on the business calendar)."));
    if (t->clocks[0].n == 0 && t->clocks[1].n == 0) {
        nodata(x, "times");
        goto done;
    }
    static const col sum_cols[] = {
        {"clock", "时钟", "Clock"},
        {"n", "已停止", "Stopped"},
        {"met", "达成", "Met"},
        {"met_pct", "达成率 %", "Met %"},
        {"median_min", "中位数 (分钟)", "Median (min)"},
        {"p90_min", "P90 (分钟)", "p90 (min)"},
    };
    grid g;
    grid_init(&g, "report times", sum_cols, sizeof sum_cols / sizeof *sum_cols, "");
    for (int k = 0; k < 2; k++) {
        const as_report_times_clock *c = &t->clocks[k];
        put_str(x, &g, c->clock);
        put_int(x, &g, c->n);
        put_int(x, &g, c->met);
        put_pct(x, &g, c->met_pct);
        put_opt(x, &g, c->median_min, -1);
        put_opt(x, &g, c->p90_min, -1);
    }
    g.of = g.nrows;
    plot ps = {"times-median", "中位数与 P90", "Median and p90", 0, 0, 2, {4, 5}, NULL, 0, 0, 0, 0, 0, NULL};
    block(x, &g, &ps);
    grid_free(&g);

    /* The buckets: one row per bucket, a column per clock. */
    static const col b_cols[] = {
        {"=range", "区间 (分钟)", "Range (min)"},
        {"0/buckets/*/tickets", "首次响应", "First response"},
        {"1/buckets/*/tickets", "解决", "Resolution"},
    };
    grid_init(&g, "report times", b_cols, 3, "");
    for (int i = 0; i < AS_REPORT_TIMES_BUCKETS; i++) {
        const as_report_times_bucket *k = &t->clocks[0].buckets[i];
        char label[48];
        if (k->hi_min < 0)
            snprintf(label, sizeof label, "\xE2\x89\xA5 %" PRId64, k->lo_min);
        else
            snprintf(label, sizeof label, "%" PRId64 "\xE2\x80\x93%" PRId64, k->lo_min, k->hi_min);
        put_str(x, &g, label);
        put_int(x, &g, t->clocks[0].buckets[i].tickets);
        put_int(x, &g, t->clocks[1].buckets[i].tickets);
    }
    g.of = g.nrows;
    plot pb = {"times-buckets", "时长分布", "Distribution", 0, 0, 2, {1, 2}, NULL, 0, 0, 0, 0, 0, NULL};
    block(x, &g, &pb);
    grid_free(&g);
done:
    section_close(x);
    as_report_times_free(t);
    return AS_OK;
}

/* ---- satisfaction ---------------------------------------------------------- */

static as_status section_csat(ctx *x)
{
    section_open(x, "csat", "客户满意度", "Customer satisfaction", NULL);
    static const struct { as_report_by by; const char *source, *id, *zh, *en, *hzh, *hen; } parts[] = {
        {AS_REPORT_BY_AGENT, "report csat --by agent", "csat-agent", "按客服的满意度",
         "Satisfaction by agent", "客服", "Agent"},
        {AS_REPORT_BY_QUEUE, "report csat --by queue", "csat-queue", "按队列的满意度",
         "Satisfaction by queue", "队列", "Queue"},
    };
    as_status st = AS_OK;
    for (size_t i = 0; i < 2 && st == AS_OK; i++) {
        col cols[] = {
            {as_report_by_name(parts[i].by), parts[i].hzh, parts[i].hen},
            {"answers", "回答", "Answers"},
            {"mean_score", "平均分", "Mean score"},
            {"csat_pct", "满意率 %", "CSAT %"},
            {"surveys", "回访", "Surveys"},
            {"responded", "已回复", "Responded"},
            {"response_rate_pct", "回复率 %", "Response rate %"},
        };
        grid g;
        grid_init(&g, parts[i].source, cols, sizeof cols / sizeof *cols, "");
        as_report_query q = report_query(x, parts[i].by);
        as_report_csat_iter *it;
        if ((st = as_report_csat_iter_new(&it, x->db, &q)) != AS_OK)
            break;
        const as_report_csat_row *r;
        while ((st = as_report_csat_next(it, &r)) == AS_OK) {
            put_str(x, &g, r->group);
            put_int(x, &g, r->answers);
            put_real(x, &g, r->mean_score < 0 ? NAN : r->mean_score, 2);
            put_pct(x, &g, r->csat_pct);
            put_int(x, &g, r->surveys);
            put_int(x, &g, r->responded);
            put_pct(x, &g, r->response_rate_pct);
        }
        as_report_csat_iter_free(it);
        if (st == AS_DONE)
            st = AS_OK;
        g.of = g.nrows;
        if (st == AS_OK) {
            if (g.nrows == 0) {
                if (i == 0)
                    nodata(x, "csat");
                grid_free(&g);
                break;
            }
            plot p = {parts[i].id, parts[i].zh, parts[i].en, 0, 0, 2, {3, 6}, "%", 1, 0, 1, 0, 100, NULL};
            block(x, &g, &p);
        }
        grid_free(&g);
    }
    section_close(x);
    return st;
}

/* ---- tickets by category, channel, station ----------------------------------- */

static as_status section_tickets(ctx *x)
{
    section_open(x, "tickets", "工单分布", "Tickets", NULL);
    static const struct { as_ticket_report_by by; const char *source, *id, *field, *zh, *en, *hzh, *hen; } parts[] = {
        {AS_TICKET_REPORT_BY_CATEGORY, "report tickets --by category", "tickets-category",
         "category", "按类别的工单", "Tickets by category", "类别", "Category"},
        {AS_TICKET_REPORT_BY_CHANNEL, "report tickets --by channel", "tickets-channel", "channel",
         "按渠道的工单", "Tickets by channel", "渠道", "Channel"},
        {AS_TICKET_REPORT_BY_STATION, "report tickets --by station", "tickets-station",
         "station_id", "按油站的工单", "Tickets by station", "油站", "Station"},
    };
    as_status st = AS_OK;
    for (size_t i = 0; i < 3; i++) {
        as_report_tickets *t;
        if ((st = as_report_tickets_get(&t, x->db, &x->q, parts[i].by)) != AS_OK)
            break;
        if (i == 0 && t->total.tickets == 0) {
            nodata(x, "tickets");
            as_report_tickets_free(t);
            break;
        }
        col cols[] = {
            {parts[i].field, parts[i].hzh, parts[i].hen},
            {"tickets", "工单", "Tickets"},
            {"resolved", "已解决", "Resolved"},
            {"open", "未结", "Open"},
            {"cancelled", "已取消", "Cancelled"},
            {"urgent", "紧急以上", "Above normal"},
        };
        grid g;
        grid_init(&g, parts[i].source, cols, sizeof cols / sizeof *cols, "");
        for (size_t k = 0; k < t->nlines && k < (size_t)x->top; k++) {
            const as_report_ticket_line *l = &t->lines[k];
            put_str(x, &g, l->group);
            put_int(x, &g, l->tickets);
            put_int(x, &g, l->resolved);
            put_int(x, &g, l->open);
            put_int(x, &g, l->cancelled);
            put_int(x, &g, l->urgent);
        }
        g.of = t->nlines;
        /* resolved green, open orange, cancelled grey */
        plot p = {parts[i].id, parts[i].zh, parts[i].en, 0, 0, 3, {2, 3, 4}, NULL, 0, 1, 0, 0, 0,
                  "215"};
        block(x, &g, &p);
        grid_free(&g);
        as_report_tickets_free(t);
    }
    section_close(x);
    return st;
}

/* ---- feedback --------------------------------------------------------------- */

static as_status feedback_grid(ctx *x, grid *g, as_feedback_by by, size_t limit)
{
    as_feedback_stats_query q = AS_FEEDBACK_STATS_QUERY_INIT;
    q.by = by;
    q.from = x->q.from;
    q.to = x->q.to;
    q.station_id = x->q.station_id;
    as_feedback_stat_iter *it;
    as_status st = as_feedback_stats_query_iter_new(&it, x->db, &q);
    if (st != AS_OK)
        return st;
    const as_feedback_stat *s;
    size_t n = 0;
    while ((st = as_feedback_stats_next(it, &s)) == AS_OK) {
        if (n++ >= limit)
            continue;
        put_str(x, g, s->key);
        put_int(x, g, s->rows);
        put_int(x, g, s->count);
        put_real(x, g, s->mean < 0 ? NAN : s->mean, 2);
        put_pct(x, g, s->csat_pct);
        put_real(x, g, s->bayes < 0 ? NAN : s->bayes, 2);
    }
    as_feedback_stats_iter_free(it);
    g->of = n;
    return st == AS_DONE ? AS_OK : st;
}

static as_status section_feedback(ctx *x)
{
    section_open(x, "feedback", "用户评价", "Feedback", NULL);
    static const struct { as_feedback_by by; const char *source, *id, *field, *zh, *en, *hzh, *hen; int line; size_t val; } parts[] = {
        {AS_FEEDBACK_BY_WEEK, "report feedback --by week", "feedback-week", "week", "每周评价量",
         "Feedback per week", "周", "Week", 1, 1},
        {AS_FEEDBACK_BY_DIMENSION, "report feedback --by dimension", "feedback-dimension",
         "dimension", "各维度平均星级", "Mean stars by dimension", "维度", "Dimension", 0, 3},
        {AS_FEEDBACK_BY_STATION, "report feedback --by station", "feedback-station", "station",
         "油站排名（贝叶斯平均）", "Station ranking (Bayesian mean)", "油站", "Station", 0, 5},
    };
    as_status st = AS_OK;
    for (size_t i = 0; i < 3; i++) {
        col cols[] = {
            {parts[i].field, parts[i].hzh, parts[i].hen},
            {"rows", "评价", "Feedback"},
            {"count", "评分", "Ratings"},
            {"mean", "平均分", "Mean"},
            {"csat_pct", "满意率 %", "CSAT %"},
            {"bayes", "贝叶斯平均", "Bayesian mean"},
        };
        grid g;
        grid_init(&g, parts[i].source, cols, sizeof cols / sizeof *cols, "");
        st = feedback_grid(x, &g, parts[i].by, parts[i].line ? SIZE_MAX : (size_t)x->top);
        if (st != AS_OK) {
            grid_free(&g);
            break;
        }
        if (i == 0 && column_sum(&g, 1) == 0) {
            nodata(x, "feedback");
            grid_free(&g);
            break;
        }
        plot p = {parts[i].id, parts[i].zh, parts[i].en, parts[i].line, 0, 1, {parts[i].val},
                  NULL, parts[i].line ? 0 : 2, 0, !parts[i].line, 0, 5, NULL};
        block(x, &g, &p);
        grid_free(&g);
    }
    section_close(x);
    return st;
}

/* ---- sentiment ------------------------------------------------------------- */

static as_status section_sentiment(ctx *x)
{
    as_report_sentiment *s;
    as_status st = as_report_sentiment_get(&s, x->db, &x->q, (size_t)x->top);
    if (st != AS_OK)
        return st;
    section_open(x, "sentiment", "评论情感", "Comment sentiment", NULL);
    if (s->comments == 0) {
        nodata(x, "sentiment");
        goto done;
    }
    char source[64];
    snprintf(source, sizeof source, "report sentiment --terms %d", x->top);
    static const col w_cols[] = {
        {"week", "周", "Week"},
        {"comments", "评论", "Comments"},
        {"positive", "正面", "Positive"},
        {"neutral", "中性", "Neutral"},
        {"negative", "负面", "Negative"},
        {"mean", "平均情感", "Mean sentiment"},
        {"negative_pct", "负面占比 %", "Negative %"},
    };
    grid g;
    grid_init(&g, source, w_cols, sizeof w_cols / sizeof *w_cols, "weeks");
    for (size_t i = 0; i < s->nweeks; i++) {
        const as_report_sentiment_week *k = &s->weeks[i];
        put_str(x, &g, k->week);
        put_int(x, &g, k->comments);
        put_int(x, &g, k->positive);
        put_int(x, &g, k->neutral);
        put_int(x, &g, k->negative);
        put_real(x, &g, k->mean, 3);
        put_pct(x, &g, k->negative_pct);
    }
    g.of = g.nrows;
    plot pm = {"sentiment-week", "情感周趋势（-1 到 1）", "Sentiment week by week (-1 to 1)", 1, 0, 1,
               {5}, NULL, 3, 0, 1, -1, 1, NULL};
    block(x, &g, &pm);
    plot pl = {"sentiment-labels", "每周正面、中性、负面评论", "Positive, neutral, negative per week",
               0, 0, 3, {2, 3, 4}, NULL, 0, 1, 0, 0, 0, "253"};
    hw_raw(&x->w, "<div class=\"pair\">");
    draw(x, &g, &pl);
    hw_raw(&x->w, "</div>");
    grid_free(&g);
    if (s->nterms) {
        static const col t_cols[] = {
            {"term", "词语", "Term"},
            {"comments", "负面评论数", "Negative comments"},
            {"weight", "贡献合计", "Total weight"},
        };
        grid_init(&g, source, t_cols, 3, "negative_terms");
        for (size_t i = 0; i < s->nterms; i++) {
            put_str(x, &g, s->terms[i].term);
            put_int(x, &g, s->terms[i].comments);
            put_real(x, &g, s->terms[i].weight, 3);
        }
        g.of = g.nrows;
        plot pt = {"sentiment-terms", "负面评论高频词", "Top negative terms", 0, 0, 1, {1}, NULL, 0,
                   0, 0, 0, 0, NULL};
        block(x, &g, &pt);
        grid_free(&g);
    }
done:
    section_close(x);
    as_report_sentiment_free(s);
    return AS_OK;
}

/* ---- urgent feedback ---------------------------------------------------------- */

static as_status section_urgent(ctx *x)
{
    as_report_urgent *u;
    as_status st = as_report_urgent_get(&u, x->db, &x->q);
    if (st != AS_OK)
        return st;
    section_open(x, "urgent", "紧急反馈转工单", "Urgent feedback to tickets",
                 L("从提交到开单的分钟数（自然时间）。",
                   "Minutes from submission to the ticket (wall clock)."));
    if (u->feedback == 0) {
        nodata(x, "urgent");
    } else {
        static const col cols[] = {
            {"level", "紧急程度", "Urgency"},
            {"feedback", "反馈", "Feedback"},
            {"ticketed", "已开单", "Ticketed"},
            {"waiting", "待开单", "Waiting"},
            {"median_min", "中位数 (分钟)", "Median (min)"},
            {"p90_min", "P90 (分钟)", "p90 (min)"},
            {"max_min", "最长 (分钟)", "Longest (min)"},
        };
        grid g;
        grid_init(&g, "report urgent", cols, sizeof cols / sizeof *cols, "");
        for (int i = 0; i < 4; i++) {
            const as_report_urgent_line *l = &u->lines[i];
            put_str(x, &g, l->name);
            put_int(x, &g, l->feedback);
            put_int(x, &g, l->ticketed);
            put_int(x, &g, l->waiting);
            put_opt(x, &g, l->median_min, -1);
            put_opt(x, &g, l->p90_min, -1);
            put_opt(x, &g, l->max_min, -1);
        }
        g.of = g.nrows;
        plot p = {"urgent-levels", "按紧急程度", "By urgency", 0, 0, 3, {1, 2, 3}, NULL, 0, 0, 0, 0, 0,
                  "021"};
        block(x, &g, &p);
        grid_free(&g);
    }
    section_close(x);
    as_report_urgent_free(u);
    return AS_OK;
}

/* ---- demand ---------------------------------------------------------------- */

static as_status section_demand(ctx *x)
{
    section_open(x, "demand", "用户需求与上线", "Demand and what shipped",
                 L("需求话题按提出的用户数排序，不限于本期，也不分油站。",
                   "Topics ranked by users who asked; not limited to the period or a station."));
    as_demand_iter *it;
    as_status st = as_demand_iter_new(&it, x->db, x->top);
    if (st != AS_OK)
        return st;
    static const col cols[] = {
        {"topic", "话题", "Topic"},
        {"users", "用户", "Users"},
        {"feedback", "建议", "Suggestions"},
        {"backlog_id", "需求单", "Backlog item"},
        {"shipped_at", "上线时间", "Shipped"},
    };
    char source[48];
    snprintf(source, sizeof source, "report demand --limit %d", x->top);
    grid g;
    grid_init(&g, source, cols, sizeof cols / sizeof *cols, "");
    g.no_period = 1;
    g.no_station = 1;
    const as_demand *d;
    while ((st = as_demand_next(it, &d)) == AS_OK) {
        put_str(x, &g, d->topic);
        put_int(x, &g, d->users);
        put_int(x, &g, d->feedback);
        put_str(x, &g, d->backlog_id);
        put_time(x, &g, d->shipped_at);
    }
    as_demand_iter_free(it);
    g.of = g.nrows;
    if (st == AS_DONE) {
        st = AS_OK;
        if (g.nrows == 0)
            nodata(x, "demand");
        else {
            plot p = {"demand-topics", "需求话题（用户数）", "Demand topics (users)", 0, 0, 1, {1},
                      NULL, 0, 0, 0, 0, 0, NULL};
            block(x, &g, &p);
        }
    }
    grid_free(&g);
    section_close(x);
    return st;
}

/* ---- outbox ---------------------------------------------------------------- */

static as_status section_outbox(ctx *x)
{
    as_period_query q = x->q;
    q.station_id = NULL;    /* notifications have no station */
    as_report_outbox *o;
    as_status st = as_report_outbox_get(&o, x->db, &q);
    if (st != AS_OK)
        return st;
    section_open(x, "outbox", "主动触达（发件箱）", "Outreach (the outbox)",
                 x->q.station_id ? L("通知不分油站：本节为全部油站。",
                                     "Notifications have no station: this section is every station's.")
                                 : NULL);
    if (o->total.written == 0) {
        nodata(x, "outbox");
    } else {
        static const col cols[] = {
            {"kind", "类型", "Kind"},
            {"written", "已写入", "Written"},
            {"delivered", "已送达", "Delivered"},
            {"failed", "失败", "Failed"},
            {"suppressed", "已抑制", "Suppressed"},
            {"expired", "已过期", "Expired"},
            {"waiting", "等待中", "Waiting"},
            {"delivered_pct", "送达率 %", "Delivered %"},
            {"median_delay_s", "送达延迟中位数 (秒)", "Median delay (s)"},
        };
        grid g;
        grid_init(&g, "report outbox", cols, sizeof cols / sizeof *cols, "");
        g.no_station = 1;
        for (size_t i = 0; i < o->nlines; i++) {
            const as_report_outbox_line *l = &o->lines[i];
            put_str(x, &g, l->kind);
            put_int(x, &g, l->written);
            put_int(x, &g, l->delivered);
            put_int(x, &g, l->failed);
            put_int(x, &g, l->suppressed);
            put_int(x, &g, l->expired);
            put_int(x, &g, l->waiting);
            put_pct(x, &g, l->delivered_pct);
            put_opt(x, &g, l->median_delay_s, -1);
        }
        g.of = g.nrows;
        /* delivered green, failed red, suppressed grey, expired orange, waiting blue */
        plot p = {"outbox-kinds", "按类型的通知去向", "What became of each kind", 0, 0, 5,
                  {2, 3, 4, 5, 6}, NULL, 0, 1, 0, 0, 0, "23510"};
        block(x, &g, &p);
        grid_free(&g);
    }
    section_close(x);
    as_report_outbox_free(o);
    return AS_OK;
}

/* ---- fueling --------------------------------------------------------------- */

static as_status section_fuel(ctx *x)
{
    section_open(x, "fuel", "加油量与消费", "Fueling volume and spend", NULL);
    static const struct { as_fuel_report_by by; const char *source, *id, *field, *zh, *en, *hzh, *hen; int line; } parts[] = {
        {AS_FUEL_REPORT_BY_WEEK, "report fuel --by week", "fuel-week", "week", "每周消费（元）",
         "Spend per week (yuan)", "周", "Week", 1},
        {AS_FUEL_REPORT_BY_STATION, "report fuel --by station", "fuel-station", "station_id",
         "按油站的消费（元）", "Spend by station (yuan)", "油站", "Station", 0},
        {AS_FUEL_REPORT_BY_GRADE, "report fuel --by grade", "fuel-grade", "grade",
         "按油品的消费（元）", "Spend by grade (yuan)", "油品", "Grade", 0},
    };
    /* The three groupings in one scan of the records. */
    as_report_fuel *fs[3];
    const as_fuel_report_by bys[3] = {parts[0].by, parts[1].by, parts[2].by};
    as_status st = as__report_fuel_many(fs, x->db, &x->q, bys, 3);
    if (st != AS_OK)
        return st;
    for (size_t i = 0; i < 3; i++) {
        as_report_fuel *f = fs[i];
        if (i == 0 && f->total.records == 0) {
            nodata(x, "fuel");
            break;
        }
        col cols[] = {
            {parts[i].field, parts[i].hzh, parts[i].hen},
            {"records", "加油笔数", "Fill-ups"},
            {"users", "用户", "Users"},
            {"litres", "升", "Litres"},
            {"amount_yuan", "金额 (元)", "Amount (yuan)"},
        };
        grid g;
        grid_init(&g, parts[i].source, cols, sizeof cols / sizeof *cols, "");
        size_t limit = parts[i].line ? f->nlines : (size_t)x->top;
        for (size_t k = 0; k < f->nlines && k < limit; k++) {
            const as_report_fuel_line *l = &f->lines[k];
            put_str(x, &g, parts[i].by == AS_FUEL_REPORT_BY_WEEK      ? l->week
                           : parts[i].by == AS_FUEL_REPORT_BY_STATION ? l->station_id
                                                                      : l->grade);
            put_int(x, &g, l->records);
            put_int(x, &g, l->users);
            char litres[32];
            snprintf(litres, sizeof litres, "%" PRId64 ".%03d", l->litres_ml / 1000,
                     (int)(l->litres_ml % 1000));
            put_str(x, &g, litres);
            put_yuan(x, &g, l->amount_fen);
        }
        g.of = f->nlines;
        plot p = {parts[i].id, parts[i].zh, parts[i].en, parts[i].line, 0, 1, {4}, NULL, 2, 0, 0,
                  0, 0, NULL};
        block(x, &g, &p);
        grid_free(&g);
    }
    for (size_t i = 0; i < 3; i++)
        as_report_fuel_free(fs[i]);
    section_close(x);
    return st;
}

/* ---- loyalty --------------------------------------------------------------- */

static as_status section_loyalty(ctx *x)
{
    as_loyalty_query q = AS_LOYALTY_QUERY_INIT;
    q.from = x->q.from;
    q.to = x->q.to;
    q.station_id = x->q.station_id;
    as_loyalty_report *r;
    as_status st = as_loyalty_report_get(&r, x->db, &q);
    if (st != AS_OK)
        return st;
    section_open(x, "loyalty", "会员权益：优惠券与积分", "Loyalty: coupons and points",
                 x->q.station_id ? L("积分与套餐不分油站，为全部油站的数字。",
                                     "Points and plans are not per station: every station's figures.")
                                 : NULL);
    const as_loyalty_points *p = &r->points;
    const as_loyalty_coupon_figures *t = &r->coupon_totals;
    if (!t->issued && !t->redeemed && !t->expired && !t->voided && !p->earned && !p->adjusted &&
        !p->redeemed && !p->expired && !p->ledger) {
        nodata(x, "loyalty");
        goto done;
    }
    {
        static const col cols[] = {
            {"source", "来源", "Source"},
            {"issued", "发放", "Issued"},
            {"redeemed", "核销", "Redeemed"},
            {"expired", "过期", "Expired"},
            {"voided", "作废", "Voided"},
            {"discount_yuan", "优惠金额 (元)", "Discount (yuan)"},
        };
        grid g;
        grid_init(&g, "report loyalty", cols, sizeof cols / sizeof *cols, "coupon_sources");
        for (size_t i = 0; i < r->nsources; i++) {
            const as_loyalty_source_line *l = &r->sources[i];
            put_str(x, &g, l->source);
            put_int(x, &g, l->figures.issued);
            put_int(x, &g, l->figures.redeemed);
            put_int(x, &g, l->figures.expired);
            put_int(x, &g, l->figures.voided);
            put_yuan(x, &g, l->figures.discount_fen);
        }
        g.of = g.nrows;
        plot pc = {"loyalty-coupons", "优惠券（按来源）", "Coupons by source", 0, 0, 4, {1, 2, 3, 4},
                   NULL, 0, 0, 0, 0, 0, "0215"};
        block(x, &g, &pc);
        grid_free(&g);
    }
    {
        static const col cols[] = {
            {"earned", "获得", "Earned"},
            {"adjusted", "调整", "Adjusted"},
            {"redeemed", "兑换", "Redeemed"},
            {"expired", "过期", "Expired"},
            {"users_with_balance", "有余额的用户", "Users with a balance"},
            {"outstanding", "未使用积分", "Outstanding"},
        };
        grid g;
        grid_init(&g, "report loyalty", cols, sizeof cols / sizeof *cols, NULL);
        g.object = "points";
        g.transposed = 1;
        put_int(x, &g, p->earned);
        put_int(x, &g, p->adjusted);
        put_int(x, &g, p->redeemed);
        put_int(x, &g, p->expired);
        put_int(x, &g, p->users_with_balance);
        put_int(x, &g, p->outstanding);
        g.of = g.nrows;
        hw_raw(&x->w, "<div class=\"pair\">");
        table(x, &g, L("积分", "Points"));
        hw_raw(&x->w, "</div>");
        grid_free(&g);
    }
done:
    section_close(x);
    as_loyalty_report_free(r);
    return AS_OK;
}

/* ---- the page ---------------------------------------------------------------- */

static const struct section {
    unsigned bit;
    const char *name;
    const char *zh, *en;
    as_status (*write)(ctx *);
} sections[] = {
    {AS_HTML_SLA, "sla", "SLA 达成", "SLA", section_sla},
    {AS_HTML_TIMES, "times", "时长分布", "Times", section_times},
    {AS_HTML_CSAT, "csat", "满意度", "CSAT", section_csat},
    {AS_HTML_TICKETS, "tickets", "工单", "Tickets", section_tickets},
    {AS_HTML_FEEDBACK, "feedback", "评价", "Feedback", section_feedback},
    {AS_HTML_SENTIMENT, "sentiment", "情感", "Sentiment", section_sentiment},
    {AS_HTML_URGENT, "urgent", "紧急反馈", "Urgent", section_urgent},
    {AS_HTML_DEMAND, "demand", "需求", "Demand", section_demand},
    {AS_HTML_OUTBOX, "outbox", "触达", "Outbox", section_outbox},
    {AS_HTML_FUEL, "fuel", "加油", "Fueling", section_fuel},
    {AS_HTML_LOYALTY, "loyalty", "权益", "Loyalty", section_loyalty},
};

#define NSECTIONS (sizeof sections / sizeof *sections)

const char *as_html_section_name(unsigned bit)
{
    for (size_t i = 0; i < NSECTIONS; i++)
        if (sections[i].bit == bit)
            return sections[i].name;
    return NULL;
}

as_status as_html_sections_parse(const char *list, unsigned *bits, char *bad, size_t badsz)
{
    if (!list || !bits)
        return AS_MISUSE;
    unsigned out = 0;
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        size_t i = 0;
        for (; i < NSECTIONS; i++)
            if (strlen(sections[i].name) == n && memcmp(sections[i].name, p, n) == 0)
                break;
        if (i == NSECTIONS) {
            if (bad && badsz)
                snprintf(bad, badsz, "%.*s", (int)(n < 40 ? n : 40), p);
            return AS_INVALID;
        }
        out |= sections[i].bit;
        if (!p[n])
            break;
        p += n + 1;
    }
    *bits = out;
    return AS_OK;
}

static const char style[] =
    "body{font-family:\"WenQuanYi Micro Hei\",\"Noto Sans CJK SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",sans-serif;margin:0 auto;max-width:1200px;padding:12px;color:#1b1f24;"
    "background:#fff;line-height:1.45}"
    "h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;border-bottom:2px solid #d0d7de;"
    "padding-bottom:.2em;margin-top:1.6em}"
    "header p{margin:.2em 0;color:#57606a}nav a{margin-right:.8em;white-space:nowrap}"
    ".pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;"
    "align-items:start;margin:12px 0}"
    "@media (max-width:760px){.pair{grid-template-columns:minmax(0,1fr)}}"
    "figure{margin:0}figcaption{font-size:.85em;color:#57606a;text-align:center}"
    "svg.chart{width:100%;height:auto;display:block}"
    "svg text{font-size:13px;fill:#1b1f24}svg text.tick{fill:#57606a;font-size:12px}"
    "svg .grid{stroke:#e5e8eb;stroke-width:1}"
    "svg .line{fill:none;stroke-width:2}"
    ".tbl{overflow-x:auto}table.data{border-collapse:collapse;font-size:.85em;width:100%}"
    "table.data caption{text-align:left;font-weight:bold;padding:2px 0}"
    "table.data th,table.data td{border-bottom:1px solid #e5e8eb;padding:3px 6px;"
    "text-align:right;white-space:nowrap}"
    "table.data th[scope=row],table.data thead th:first-child{text-align:left}"
    "table.data thead th{background:#f6f8fa}"
    ".nodata{padding:1em;background:#f6f8fa;color:#57606a;text-align:center;border-radius:6px}"
    ".note{color:#57606a;font-size:.9em}footer{margin-top:2em;color:#57606a;font-size:.85em}"
    ".s0{fill:#2f6fdb;stroke:#2f6fdb}.s1{fill:#e8833a;stroke:#e8833a}"
    ".s2{fill:#3aa675;stroke:#3aa675}.s3{fill:#c94a5a;stroke:#c94a5a}"
    ".s4{fill:#8a63d2;stroke:#8a63d2}.s5{fill:#8c959f;stroke:#8c959f}"
    "path.line{fill:none}";

static void page_head(ctx *x, unsigned bits, int64_t generated)
{
    hw *w = &x->w;
    char from[40], to[40], gen[40];
    as_time_format(x->q.from, x->off, from);
    as_time_format(x->q.to, x->off, to);
    as_time_format(generated, x->off, gen);
    hw_fmt(w, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"%s\"><head>"
              "<meta charset=\"utf-8\"/>"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'\"/>"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
              "<meta name=\"generator\" content=\"libaftersales %s\"/><title>",
           x->en ? "en" : "zh-CN", as_version());
    hw_text(w, L("加油小程序售后服务报告", "After-sales service report"));
    hw_raw(w, " ");
    hw_text(w, from);
    hw_raw(w, " \xE2\x80\x93 ");
    hw_text(w, to);
    hw_raw(w, "</title><style>");
    hw_raw(w, style);
    hw_raw(w, "</style></head><body><header><h1>");
    hw_text(w, L("加油小程序售后服务报告", "After-sales service report"));
    hw_raw(w, "</h1><p data-period=\"");
    hw_text(w, from);
    hw_raw(w, "/");
    hw_text(w, to);
    hw_raw(w, "\">");
    hw_text(w, L("统计区间：", "Period: "));
    hw_text(w, from);
    hw_raw(w, " \xE2\x80\x93 ");
    hw_text(w, to);
    hw_text(w, L("（含起点，不含终点）", " (from included, to excluded)"));
    hw_raw(w, "</p><p>");
    hw_text(w, L("油站：", "Station: "));
    hw_text(w, x->q.station_id ? x->q.station_id : L("全部", "all"));
    hw_raw(w, "</p><p>");
    hw_text(w, L("生成时间：", "Generated: "));
    hw_text(w, gen);
    hw_raw(w, "</p><nav>");
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (!(bits & sections[i].bit))
            continue;
        hw_fmt(w, "<a href=\"#%s\">", sections[i].name);
        hw_text(w, L(sections[i].zh, sections[i].en));
        hw_raw(w, "</a>");
    }
    hw_raw(w, "</nav></header><main>");
}

as_status as_report_html(as_db *db, const as_html_report_options *opts, FILE *out)
{
    if (!db)
        return AS_MISUSE;
    if (!opts || !out)
        return as__fail(db, AS_MISUSE, "as_report_html: NULL argument");
    if (opts->version != AS_HTML_REPORT_OPTIONS_VERSION)
        return as__fail(db, AS_MISUSE, "as_report_html: unknown options version %u", opts->version);
    if (opts->from >= opts->to)
        return as__fail(db, AS_INVALID, "the period's start is not before its end");
    /* The weekly charts list every week of the period. */
    if (opts->from < -(INT64_C(1) << 40) || opts->to > (INT64_C(1) << 40) ||
        (opts->to - opts->from) / 604800 >= AS_FUEL_REPORT_MAX_WEEKS)
        return as__fail(db, AS_INVALID, "the period is longer than %d weeks (the page lists "
                        "every week)", AS_FUEL_REPORT_MAX_WEEKS);
    char why[120];
    if (opts->station_id && as__check_id(opts->station_id, why, sizeof why) != AS_OK)
        return as__fail(db, AS_INVALID, "station: %s", why);
    if (opts->lang && strcmp(opts->lang, "zh") != 0 && strcmp(opts->lang, "en") != 0)
        return as__fail(db, AS_INVALID, "lang: '%.20s' is not zh or en", opts->lang);
    if (opts->top < 0 || opts->top > 100)
        return as__fail(db, AS_INVALID, "top: %d is not 1-100 (0: the default, 15)", opts->top);
    unsigned all = 0;
    for (size_t i = 0; i < NSECTIONS; i++)
        all |= sections[i].bit;
    if (opts->sections & ~all)
        return as__fail(db, AS_INVALID, "sections: unknown bits 0x%x", opts->sections & ~all);
    unsigned bits = opts->sections ? opts->sections : all;

    ctx state = {.db = db, .en = opts->lang && strcmp(opts->lang, "en") == 0,
             .off = as_db_utc_offset(db), .top = opts->top ? opts->top : 15};
    ctx *x = &state;
    x->q = (as_period_query)AS_PERIOD_QUERY_INIT;
    x->q.from = opts->from;
    x->q.to = opts->to;
    x->q.station_id = opts->station_id;

    /* The scorer first: on a writable handle its first use may load the
     * built-in lexicon, a write the read snapshot below must not hold. */
    const as__senti_cache *scorer;
    as_status st = AS_OK;
    if ((bits & AS_HTML_SENTIMENT) && (st = as__senti_cache_get(db, &scorer)) != AS_OK)
        return st;
    int own;
    if ((st = as__read_begin(db, &own, "the HTML report")) != AS_OK)
        return st;
    page_head(x, bits, opts->generated_at ? opts->generated_at : as__now());
    for (size_t i = 0; i < NSECTIONS && st == AS_OK; i++) {
        if (!(bits & sections[i].bit))
            continue;
        st = sections[i].write(x);
        if (st == AS_OK && (x->oom || x->w.oom))
            st = as__fail(db, AS_NOMEM, "out of memory");
    }
    as__read_end(db, own);
    if (st == AS_OK) {
        hw_raw(&x->w, "</main><footer><p>");
        hw_text(&x->w, L("由 libaftersales 生成。每个图表旁的表格即其数据；与 aftersales report "
                        "各命令的 JSON 输出一致。",
                        "Made by libaftersales. The table beside each chart holds its numbers, "
                        "the same as the JSON output of the aftersales report commands."));
        hw_raw(&x->w, "</p></footer></body></html>\n");
        if (x->w.oom)
            st = as__fail(db, AS_NOMEM, "out of memory");
    }
    if (st == AS_OK) {
        if (x->w.b.len && fwrite(x->w.b.data, 1, x->w.b.len, out) != x->w.b.len)
            st = as__fail(db, AS_IO, "writing the report failed");
        else if (fflush(out) != 0)
            st = as__fail(db, AS_IO, "writing the report failed");
        else
            as__ok(db);
    }
    as__buf_free(&x->w.b);
    return st;
}
