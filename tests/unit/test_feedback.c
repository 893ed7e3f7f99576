/* test_feedback.c - the feedback C API: import (every malformed-CSV case,
 * encodings, all-or-nothing, skip-bad, idempotency, history), urgency and
 * tickets, stats with the Bayesian mean, and the configuration sections.
 * Demand mining and shipping are in test_demand.c. */
#include "helpers.h"
#include "config.h"
#include "feedback.h"

#include <math.h>

TestSuite(feedback, .fini = th_cleanup);

typedef struct rejects {
    int n;
    char first[512];
    char all[4096];
} rejects;

static void on_reject(void *ud, const as_reject *r)
{
    rejects *rj = ud;
    char line[512];
    snprintf(line, sizeof line, "%s:%llu: %s%s%s\n", r->file, (unsigned long long)r->line,
             r->field ? r->field : "", r->field ? ": " : "", r->reason);
    if (!rj->n++)
        snprintf(rj->first, sizeof rj->first, "%s", line);
    strncat(rj->all, line, sizeof rj->all - strlen(rj->all) - 1);
}

static as_status import_text(as_db *db, const char *text, size_t len, unsigned flags,
                             const char *enc, as_import_stats *st, rejects *rj)
{
    FILE *f = fmemopen((void *)text, len, "rb");
    cr_assert_not_null(f);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    o.encoding = enc;
    o.on_reject = on_reject;
    o.userdata = rj;
    if (rj)
        memset(rj, 0, sizeof *rj);
    else
        o.on_reject = NULL;
    as_status s = as_feedback_import(db, f, "fb.csv", &o, st);
    fclose(f);
    return s;
}

static as_status import_str(as_db *db, const char *text, unsigned flags, as_import_stats *st,
                            rejects *rj)
{
    return import_text(db, text, strlen(text), flags, NULL, st, rj);
}

static int64_t count(as_db *db, const char *sql)
{
    /* Through the internal handle: tests may use internal.h. */
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Stars as "dim=n,dim=n" (configuration order), for comparing. */
static const char *stars_text(const as_feedback_star *s, size_t n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s=%d", i ? "," : "", s[i].dimension,
                                s[i].stars);
    return buf;
}

/* The typed field named name, or NULL. */
static const as_field *field(const as_field *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

#define HEAD "feedback_id,user_id,station_id,submitted_at,kind,overall,ui,payment,coupon,service,comment\n"

Test(feedback, import_and_read_back)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv = HEAD
        "F1,U1,S1,2026-11-24T09:05:00+08:00,complaint,2,2,1,,3,\"重复扣款，要求退款\"\n"
        "F2,U2,S1,2026/11/24 9:05,praise,5,5,5,5,5,\"很好，\"\"赞\"\"\"\n";
    cr_assert_eq(import_str(db, csv, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(st.inserted, 2);
    as_feedback *f;
    cr_assert_eq(as_feedback_get(&f, db, "F1"), AS_OK);
    char buf[128];
    cr_assert_str_eq(stars_text(f->stars, f->nstars, buf, sizeof buf), "ui=2,payment=1,service=3");
    /* (2*1 + 1*1.5 + 3*1.5) / 4 = 2.0 */
    cr_assert(fabs(f->score - 2.0) < 1e-9, "score %f", f->score);
    cr_assert_eq(f->urgency, AS_URGENCY_HIGH);
    /* U1 is not a user: the urgent row opens a real ticket all the same. */
    char num[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as_tracking_check(f->ticket_ref, num), AS_OK, "%s", f->ticket_ref);
    cr_assert_geq(f->nreasons, 1);
    for (size_t i = 1; i < f->nreasons; i++)
        cr_assert_str_eq(f->reasons[i].rule, "low_score", "%s", f->reasons[i].rule);
    cr_assert_str_eq(f->reasons[0].rule, "money_lost");
    cr_assert_str_eq(f->reasons[0].reason, "资金损失");
    cr_assert_not_null(f->reasons[0].match);
    cr_assert_not_null(strstr(f->comment, f->reasons[0].match), "%s", f->reasons[0].match);
    cr_assert_eq(f->nextra, 0);
    cr_assert_null(f->extra);
    cr_assert_eq(f->submitted_at, 1795482300);
    as_feedback_free(f);
    cr_assert_eq(as_feedback_get(&f, db, "F2"), AS_OK);
    cr_assert_str_eq(f->comment, "很好，\"赞\"");
    cr_assert_eq(f->submitted_at, 1795482300, "Excel time in the business zone");
    cr_assert_null(f->ticket_ref);
    as_feedback_free(f);
    cr_assert_eq(as_feedback_get(&f, db, "F9"), AS_NOTFOUND);
    cr_assert_null(f);
    as_feedback_free(NULL);
    as_close(db);
}

Test(feedback, idempotent_and_changes_recorded)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *v1 = HEAD "F1,U1,S1,2026-11-24,,1,,,,,加错油了\nF2,U2,S1,2026-11-24,,4,,,,,好\n";
    const char *v2 = HEAD "F1,U1,S1,2026-11-24,,2,,,,,加错油了!\nF2,U2,S1,2026-11-24,,4,,,,,好\n";
    cr_assert_eq(import_str(db, v1, 0, &st, NULL), AS_OK);
    cr_assert_eq(import_str(db, v1, 0, &st, NULL), AS_OK);
    cr_assert_eq(st.inserted, 0);
    cr_assert_eq(st.unchanged, 2);
    cr_assert_eq(import_str(db, v2, 0, &st, NULL), AS_OK);
    cr_assert_eq(st.updated, 1);
    cr_assert_eq(st.unchanged, 1);
    cr_assert_eq(import_str(db, v2, 0, &st, NULL), AS_OK);
    cr_assert_eq(st.unchanged, 2);
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback_history"), 1);
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback_history WHERE old ="
                           " '{\"overall\":1,\"comment\":\"加错油了\"}'"), 1);
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback_escalations"), 1, "ticket opened once");
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback_tickets f JOIN tickets t"
                           " ON t.tracking = f.ticket_ref WHERE f.feedback_id = 'F1'"), 1);
    cr_assert_eq(count(db, "SELECT count(*) FROM tickets"), 1, "one ticket");
    as_feedback *f;
    cr_assert_eq(as_feedback_get(&f, db, "F1"), AS_OK);
    cr_assert_eq(f->revisions, 1);
    cr_assert_eq(f->overall, 2);
    cr_assert_eq(f->urgency, AS_URGENCY_CRITICAL);
    as_feedback_free(f);
    as_feedback_history_iter *h;
    cr_assert_eq(as_feedback_history_iter_new(&h, db, "F1"), AS_OK);
    const as_feedback_change *ch;
    cr_assert_eq(as_feedback_history_next(h, &ch), AS_OK);
    cr_assert_eq(ch->nold, 2, "only the changed columns");
    cr_assert_str_eq(ch->old[0].name, "overall");
    cr_assert_eq(ch->old[0].type, AS_VALUE_INT);
    cr_assert_eq(ch->old[0].i, 1);
    cr_assert_str_eq(ch->old[1].name, "comment");
    cr_assert_eq(ch->old[1].type, AS_VALUE_TEXT);
    cr_assert_str_eq(ch->old[1].text, "加错油了");
    cr_assert_eq(ch->stars_changed, 0);
    cr_assert_eq(ch->extra_changed, 0);
    cr_assert_str_eq(ch->feedback_id, "F1");
    cr_assert_gt(ch->changed_at, 0);
    cr_assert_eq(as_feedback_history_next(h, &ch), AS_DONE);
    as_feedback_history_iter_free(h);
    cr_assert_eq(as_feedback_history_iter_new(&h, db, "nope"), AS_NOTFOUND);
    as_feedback_history_iter_free(NULL);
    as_close(db);
}

/* Each malformed input: the text, and the expected first problem. */
static const struct {
    const char *text;
    const char *problem;
} malformed[] = {
    {"feedback_id,submitted_at,overall\nA,2026-11-24,5\nB,2026-02-30,5\n",
     "fb.csv:3: submitted_at: '2026-02-30' is not a time"},
    {"feedback_id,submitted_at,overall\nA,2026-11-24,9\n",
     "fb.csv:2: overall: '9' is not a star rating"},
    {"feedback_id,submitted_at,ui\nA,2026-11-24,-1\n", "fb.csv:2: ui: '-1' is not a star rating"},
    {"feedback_id,submitted_at,overall\nA,2026-11-24\n", "fb.csv:2: has 2 fields, the header has 3"},
    {"feedback_id,submitted_at,overall\nA,2026-11-24,5,6\n", "fb.csv:2: has 4 fields"},
    {"feedback_id,submitted_at,comment\n\"A\nB\",2026-11-24,x\nC,2026-11-24,\"a\"b\"\n",
     "fb.csv:4: character after a closing quote"},
    {"feedback_id,submitted_at,comment\nA,2026-11-24,\"a\"b\"\n", "fb.csv:2: character after a closing quote"},
    {"feedback_id,submitted_at,comment\nA,2026-11-24,\"open\n\n", "fb.csv:2: unterminated quote"},
    {"feedback_id,submitted_at,comment\nA,2026-11-24,\xb2\xe2\n",
     "fb.csv:2: invalid UTF-8 at byte 14 of the line (is the file GB18030/GBK? try --encoding gb18030)"},
    {"feedback_id,submitted_at,kind,comment\nA,2026-11-24,bug,x\n", "fb.csv:2: kind: 'bug' is not a kind"},
    {"feedback_id,submitted_at\nA,2026-11-24\n", "fb.csv:2: has no stars and no comment"},
    {"feedback_id,submitted_at,comment\nA,,x\n", "fb.csv:2: submitted_at: is missing"},
    {"feedback_id,comment\nA,x\n", "fb.csv:1: missing column 'submitted_at'"},
};

Test(feedback, every_malformed_case_is_located_and_nothing_imported)
{
    as_db *db = th_open_new();
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        as_import_stats st;
        rejects rj;
        as_status s = import_str(db, malformed[i].text, 0, &st, &rj);
        cr_assert_eq(s, AS_INVALID, "case %zu: status %d", i, s);
        cr_assert(strstr(rj.all, malformed[i].problem) || strstr(as_errmsg(db), malformed[i].problem + 7),
                  "case %zu: expected '%s', got '%s' / '%s'", i, malformed[i].problem, rj.all,
                  as_errmsg(db));
        cr_assert_eq(count(db, "SELECT count(*) FROM feedback"), 0, "case %zu: all or nothing", i);
    }
    as_close(db);
}

Test(feedback, skip_bad_and_dry_run)
{
    as_db *db = th_open_new();
    const char *csv = "feedback_id,submitted_at,overall\nA,2026-11-24,5\nB,2026-11-24,6\nC,x,1\n";
    as_import_stats st;
    rejects rj;
    cr_assert_eq(import_str(db, csv, AS_IMPORT_SKIP_BAD | AS_IMPORT_DRY_RUN, &st, &rj), AS_OK);
    cr_assert_eq(st.inserted, 1);
    cr_assert_eq(st.rejected, 2);
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback"), 0, "dry run keeps nothing");
    cr_assert_eq(import_str(db, csv, AS_IMPORT_SKIP_BAD, &st, &rj), AS_OK);
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback"), 1);
    cr_assert_eq(rj.n, 2);
    as_close(db);
}

Test(feedback, a_feedback_id_twice_in_one_file_is_refused)
{
    as_db *db = th_open_new();
    const char *csv = HEAD "F1,U1,S1,2026-11-24,,5,,,,,好\n"
                           "F2,U2,S1,2026-11-24,,4,,,,,\n"
                           "F1,U1,S1,2026-11-25,,1,,,,,差\n";
    as_import_stats st;
    rejects rj;
    cr_assert_eq(import_str(db, csv, 0, &st, &rj), AS_INVALID);
    cr_assert_str_eq(rj.all, "fb.csv:4: feedback_id: 'F1' is also on line 2\n");
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback"), 0);
    cr_assert_eq(import_str(db, csv, AS_IMPORT_SKIP_BAD, &st, &rj), AS_OK);
    cr_assert_eq(st.inserted, 2);
    cr_assert_eq(st.updated, 0, "the repeat is not an update");
    cr_assert_eq(st.rejected, 1);
    as_feedback *f;
    cr_assert_eq(as_feedback_get(&f, db, "F1"), AS_OK);
    cr_assert_eq(f->overall, 5, "the first occurrence stays");
    cr_assert_eq(f->revisions, 0);
    as_feedback_free(f);
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback_history"), 0);
    as_close(db);
}

Test(feedback, bom_crlf_and_gb18030)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *bom = "\xef\xbb\xbf" "feedback_id,submitted_at,comment\r\nA,2026-11-24,\"x\r\ny\"\r\n";
    cr_assert_eq(import_str(db, bom, 0, &st, NULL), AS_OK);
    as_feedback *f;
    cr_assert_eq(as_feedback_get(&f, db, "A"), AS_OK);
    cr_assert_str_eq(f->comment, "x\r\ny");
    as_feedback_free(f);
    /* 测试 in GB18030 is B2 E2 CA D4. */
    const char gb[] = "feedback_id,submitted_at,comment\r\nB,2026-11-24,\xb2\xe2\xca\xd4\r\n";
    rejects rj;
    cr_assert_eq(import_text(db, gb, sizeof gb - 1, 0, NULL, &st, &rj), AS_INVALID);
    cr_assert(strstr(rj.first, "try --encoding gb18030"), "%s", rj.first);
    cr_assert_eq(import_text(db, gb, sizeof gb - 1, 0, "gb18030", &st, &rj), AS_OK);
    cr_assert_eq(as_feedback_get(&f, db, "B"), AS_OK);
    cr_assert_str_eq(f->comment, "测试");
    as_feedback_free(f);
    as_close(db);
}

Test(feedback, urgent_queue_order_and_filters)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv = HEAD
        "A,U1,S1,2026-11-24T10:00+08:00,,1,,,,,要去12315投诉\n"
        "B,U2,S1,2026-11-24T09:00+08:00,,1,,,,,加错油\n"
        "C,U3,S2,2026-11-24T08:00+08:00,,1,,,,,多扣钱\n"
        "D,U4,S2,2026-11-24T07:00+08:00,,3,,,,,有点失望\n";
    cr_assert_eq(import_str(db, csv, 0, &st, NULL), AS_OK);
    as_feedback_query q = AS_FEEDBACK_QUERY_INIT;
    q.urgent = 1;
    as_feedback_iter *it;
    cr_assert_eq(as_feedback_iter_new(&it, db, &q), AS_OK);
    const as_feedback *v;
    char order[16] = "";
    while (as_feedback_next(it, &v) == AS_OK)
        strcat(order, v->feedback_id);
    as_feedback_iter_free(it);
    /* 失望 starts the emergency process too (seed §3.2): high. */
    cr_assert_str_eq(order, "BDCA", "critical first, then oldest first");
    q = (as_feedback_query)AS_FEEDBACK_QUERY_INIT;
    q.station_id = "S2";
    q.limit = 1;
    cr_assert_eq(as_feedback_iter_new(&it, db, &q), AS_OK);
    cr_assert_eq(as_feedback_next(it, &v), AS_OK);
    cr_assert_str_eq(v->feedback_id, "C");
    cr_assert_str_eq(v->urgency_name, "high");
    cr_assert_eq(as_feedback_next(it, &v), AS_DONE);
    as_feedback_iter_free(it);
    as_close(db);
}

Test(feedback, bayesian_mean_keeps_small_stations_down)
{
    as_db *db = th_open_new();
    as_buf b = {0};
    as__buf_adds(&b, "feedback_id,station_id,submitted_at,overall\n");
    /* BIG: 80 ratings of 5 and 20 of 4 (mean 4.8); MID: 100 of 3; SMALL: three 5s. */
    for (int i = 0; i < 200; i++) {
        char line[80];
        snprintf(line, sizeof line, "B%d,%s,2026-11-24,%d\n", i, i < 100 ? "BIG" : "MID",
                 i < 80 ? 5 : i < 100 ? 4 : 3);
        as__buf_adds(&b, line);
    }
    as__buf_adds(&b, "s1,SMALL,2026-11-24,5\ns2,SMALL,2026-11-24,5\ns3,SMALL,2026-11-24,5\n");
    as__buf_add(&b, "", 1);
    as_import_stats st;
    cr_assert_eq(import_str(db, b.data, 0, &st, NULL), AS_OK);
    as__buf_free(&b);
    as_feedback_stat_iter *it;
    cr_assert_eq(as_feedback_stats_iter_new(&it, db, AS_FEEDBACK_BY_STATION, 0, 0), AS_OK);
    const as_feedback_stat *s;
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "BIG", "the small station does not top the table");
    double prior = (480 + 300 + 15) / 203.0;
    cr_assert(fabs(s->prior - prior) < 1e-9);
    cr_assert(fabs(s->bayes - (10 * prior + 480) / 110.0) < 1e-9, "bayes %f", s->bayes);
    cr_assert(fabs(s->csat_pct - 100.0) < 1e-9);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "SMALL");
    cr_assert(fabs(s->mean - 5.0) < 1e-9);
    cr_assert(fabs(s->bayes - (10 * prior + 15) / 13.0) < 1e-9);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "MID");
    cr_assert(fabs(s->csat_pct) < 1e-9);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_DONE);
    as_feedback_stats_iter_free(it);
    cr_assert_eq(as_feedback_stats_iter_new(&it, db, (as_feedback_by)9, 0, 0), AS_INVALID);
    as_close(db);
}

/* Bad sections: the text and the expected FILE:LINE:COL message. */
static const struct {
    const char *yaml;
    const char *error;
} bad_cfg[] = {
    {"feedback:\n  dimensions:\n    UI: 1\n", "c.yaml:3:5: feedback.dimensions: 'UI' is not a column name"},
    {"feedback:\n  dimensions:\n    overall: 1\n", "c.yaml:3:5: feedback.dimensions: 'overall' is a fixed column"},
    {"feedback:\n  dimensions:\n    ui: 0\n", "c.yaml:3:9: 0 is out of range"},
    {"feedback:\n  dimensions: [ui]\n", "c.yaml:2:15: feedback.dimensions: expected a mapping"},
    {"feedback:\n  prior: 3\n", "c.yaml:2:3:"},
    {"feedback:\n  prior_weight: lots\n", "c.yaml:2:17: 'lots' is not a number"},
    {"alerts:\n  ticket_level: soon\n", "c.yaml:2:17: 'soon' is not a level"},
    {"alerts:\n  ticket_level: none\n", "c.yaml:2:17: 'none' is not a level"},
    {"alerts:\n  mismatch:\n    sentiment_at_most: -2\n", "c.yaml:3:24: -2 is out of range"},
    {"alerts:\n  rules:\n    a:\n      keywords: 退款\n      level: high\n", "c.yaml:4:17: alerts.rules.a: expected a list"},
    {"alerts:\n  rules:\n    a:\n      keywords: [\"\"]\n      level: high\n", "c.yaml:4:18: alerts.rules.a: expected a non-empty word"},
    {"alerts:\n  rules:\n    a:\n      keywords: [x]\n      level: high\n      max_overall: 6\n", "c.yaml:6:20: 6 is out of range"},
    {"alerts:\n  rules:\n    a:\n      keywords: [x]\n", "c.yaml:4:7: alerts.rules.a: needs keywords and level"},
    {"alerts:\n  rules: [a]\n", "c.yaml:2:10: alerts.rules: expected a mapping"},
    {"topics:\n  min_users: 0\n", "c.yaml:2:14: 0 is out of range"},
    {"topics:\n  dictionary:\n    发票: []\n", "c.yaml:3:9: topics.dictionary.发票: the keyword list is empty"},
    {"topics:\n  markers: 希望\n", "c.yaml:2:12: topics.markers: expected a list"},
};

Test(feedback, config_errors_have_line_and_column)
{
    for (size_t i = 0; i < sizeof bad_cfg / sizeof bad_cfg[0]; i++) {
        as_config *cfg = NULL;
        char *err = NULL;
        as_status s = as_config_parse(&cfg, bad_cfg[i].yaml, strlen(bad_cfg[i].yaml), "c.yaml", &err);
        cr_assert_eq(s, AS_CONFIG, "case %zu", i);
        cr_assert(err && strstr(err, bad_cfg[i].error), "case %zu: expected '%s', got '%s'", i,
                  bad_cfg[i].error, err ? err : "(null)");
        as_free(err);
        cr_assert_null(cfg);
    }
}

Test(feedback, config_defaults_and_override)
{
    as_config *cfg = NULL;
    cr_assert_eq(as_config_load(&cfg, NULL, NULL), AS_OK);
    cr_assert_eq(cfg->feedback->ndims, 4);
    cr_assert_str_eq(cfg->feedback->dims[1].name, "payment");
    cr_assert(cfg->alerts->nrules >= 5);
    cr_assert_eq(cfg->alerts->ticket_level, AS__URG_HIGH);
    cr_assert(cfg->topics->ntopics >= 5);
    as_config_free(cfg);
    const char *y = "feedback:\n  dimensions:\n    speed: 2\n  prior_weight: 3\n";
    cr_assert_eq(as_config_parse(&cfg, y, strlen(y), "c.yaml", NULL), AS_OK);
    cr_assert_eq(cfg->feedback->ndims, 1);
    cr_assert(fabs(cfg->feedback->prior_weight - 3) < 1e-9);
    cr_assert(cfg->alerts->nrules >= 5, "other sections from the defaults");
    as_config_free(cfg);
}

Test(feedback, five_stars_with_negative_text_is_a_mismatch)
{
    /* The threshold at 0 makes any text the scorer does not call positive
     * "strongly negative", whatever scorer is linked in. */
    const char *y = "alerts:\n  ticket_level: critical\n  mismatch:\n"
                    "    sentiment_at_most: 0\n    level: high\n  rules: {}\n";
    as_config *cfg = NULL;
    cr_assert_eq(as_config_parse(&cfg, y, strlen(y), "c.yaml", NULL), AS_OK);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = cfg;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_db_path(), &o, NULL), AS_OK);
    as_import_stats st;
    const char *csv = "feedback_id,submitted_at,overall,comment\n"
                      "A,2026-11-24,5,差评\nB,2026-11-24,4,差评\nC,2026-11-24,5,\n";
    cr_assert_eq(import_str(db, csv, 0, &st, NULL), AS_OK);
    as_feedback *f;
    cr_assert_eq(as_feedback_get(&f, db, "A"), AS_OK);
    cr_assert(f->has_sentiment && f->sentiment <= 0, "差评 is not positive");
    cr_assert_eq(f->mismatch, 1);
    cr_assert_eq(f->urgency, AS_URGENCY_HIGH);
    cr_assert_eq(f->nreasons, 1);
    cr_assert_str_eq(f->reasons[0].rule, "mismatch");
    cr_assert_null(f->reasons[0].match, "a mismatch matches no keyword");
    cr_assert_null(f->ticket_ref, "below ticket_level: no ticket");
    as_feedback_free(f);
    cr_assert_eq(as_feedback_get(&f, db, "B"), AS_OK);
    cr_assert_eq(f->mismatch, 0, "only 5 stars");
    as_feedback_free(f);
    cr_assert_eq(as_feedback_get(&f, db, "C"), AS_OK);
    cr_assert_eq(f->mismatch, 0, "no comment, no sentiment");
    cr_assert_eq(f->has_sentiment, 0);
    as_feedback_free(f);
    as_close(db);
    as_config_free(cfg);
}

Test(feedback, full_width_stars_and_times)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv = HEAD
        "F1,U1,S1,２０２６-１１-２４ ０９:０５,praise,５,４,５,,３,好\n";
    cr_assert_eq(import_str(db, csv, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    as_feedback *f;
    cr_assert_eq(as_feedback_get(&f, db, "F1"), AS_OK);
    cr_assert_eq(f->overall, 5);
    char buf[128];
    cr_assert_str_eq(stars_text(f->stars, f->nstars, buf, sizeof buf), "ui=4,payment=5,service=3");
    cr_assert_eq(f->submitted_at, 1795482300);
    as_feedback_free(f);
    /* A full-width value out of range is named as written. */
    rejects rj;
    const char *bad = HEAD "F2,U1,S1,2026-11-24,praise,６,,,,,\n";
    cr_assert_eq(import_str(db, bad, 0, &st, &rj), AS_INVALID);
    cr_assert(strstr(rj.all, "overall: '６' is not a star rating") != NULL, "%s", rj.all);
    as_close(db);
}

/* The typed structures: extra columns, the same row through get and a
 * list view, and a history whose stars, extra and time changed. */
Test(feedback, typed_extra_and_history)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *v1 = "feedback_id,submitted_at,ui,comment,source,note\n"
                     "X1,2026-11-24T09:00:00+08:00,3,还行,app-store,\"a,b\"\n";
    const char *v2 = "feedback_id,submitted_at,ui,payment,comment,source\n"
                     "X1,2026-11-25T10:00:00+08:00,4,5,还行,web\n";
    cr_assert_eq(import_str(db, v1, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    as_feedback *f;
    cr_assert_eq(as_feedback_get(&f, db, "X1"), AS_OK);
    cr_assert_eq(f->nextra, 2);
    cr_assert_str_eq(f->extra[0].name, "source");
    cr_assert_eq(f->extra[0].type, AS_VALUE_TEXT);
    cr_assert_str_eq(f->extra[0].text, "app-store");
    cr_assert_str_eq(field(f->extra, f->nextra, "note")->text, "a,b");
    cr_assert_eq(f->nreasons, 0);
    cr_assert_null(f->reasons);
    /* The list's view holds the same values. */
    as_feedback_iter *it;
    const as_feedback *v;
    cr_assert_eq(as_feedback_iter_new(&it, db, NULL), AS_OK);
    cr_assert_eq(as_feedback_next(it, &v), AS_OK);
    cr_assert_str_eq(v->feedback_id, "X1");
    cr_assert_eq(v->nstars, 1);
    cr_assert_str_eq(v->stars[0].dimension, "ui");
    cr_assert_eq(v->stars[0].stars, 3);
    cr_assert_eq(v->nextra, f->nextra);
    cr_assert_str_eq(v->extra[1].text, f->extra[1].text);
    cr_assert_eq(as_feedback_next(it, &v), AS_DONE);
    as_feedback_iter_free(it);
    as_feedback_free(f);     /* owned: freed without a cast, after the iterator */

    cr_assert_eq(import_str(db, v2, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(st.updated, 1);
    as_feedback_history_iter *h;
    const as_feedback_change *ch;
    cr_assert_eq(as_feedback_history_iter_new(&h, db, "X1"), AS_OK);
    cr_assert_eq(as_feedback_history_next(h, &ch), AS_OK);
    const as_field *at = field(ch->old, ch->nold, "submitted_at");
    cr_assert_not_null(at);
    cr_assert_eq(at->type, AS_VALUE_TEXT);
    cr_assert_str_eq(at->text, "2026-11-24T09:00:00+08:00", "old times in ISO 8601");
    cr_assert_null(field(ch->old, ch->nold, "comment"), "the comment did not change");
    cr_assert_eq(ch->stars_changed, 1);
    cr_assert_eq(ch->nold_stars, 1);
    cr_assert_str_eq(ch->old_stars[0].dimension, "ui");
    cr_assert_eq(ch->old_stars[0].stars, 3);
    cr_assert_eq(ch->extra_changed, 1);
    cr_assert_eq(ch->nold_extra, 2);
    cr_assert_str_eq(field(ch->old_extra, ch->nold_extra, "source")->text, "app-store");
    cr_assert_eq(as_feedback_history_next(h, &ch), AS_DONE);
    as_feedback_history_iter_free(h);
    as_close(db);
}

/* An old value that was not given reads back as a null field. */
Test(feedback, history_null_old_values)
{
    as_db *db = th_open_new();
    as_import_stats st;
    cr_assert_eq(import_str(db, "feedback_id,submitted_at,comment\nN1,2026-11-24,好\n", 0, &st,
                            NULL), AS_OK);
    cr_assert_eq(import_str(db, "feedback_id,submitted_at,station_id,overall,comment\n"
                                "N1,2026-11-24,S1,4,好\n", 0, &st, NULL), AS_OK);
    as_feedback_history_iter *h;
    const as_feedback_change *ch;
    cr_assert_eq(as_feedback_history_iter_new(&h, db, "N1"), AS_OK);
    cr_assert_eq(as_feedback_history_next(h, &ch), AS_OK);
    const as_field *station = field(ch->old, ch->nold, "station_id");
    const as_field *overall = field(ch->old, ch->nold, "overall");
    cr_assert_not_null(station);
    cr_assert_eq(station->type, AS_VALUE_NULL);
    cr_assert_not_null(overall);
    cr_assert_eq(overall->type, AS_VALUE_NULL);
    as_feedback_history_iter_free(h);
    as_close(db);
}

/* Stored JSON that cannot be read is an internal error, not a crash or
 * a silently empty value. */
Test(feedback, unreadable_stored_json)
{
    as_db *db = th_open_new();
    as_import_stats st;
    cr_assert_eq(import_str(db, "feedback_id,submitted_at,ui\nJ1,2026-11-24,3\n", 0, &st, NULL),
                 AS_OK);
    cr_assert_eq(sqlite3_exec(db->sql, "UPDATE feedback SET stars = '{\"ui\":' ", NULL, NULL, NULL),
                 SQLITE_OK);
    as_feedback *f = (as_feedback *)1;
    cr_assert_eq(as_feedback_get(&f, db, "J1"), AS_INTERNAL);
    cr_assert_null(f);
    cr_assert(strstr(as_errmsg(db), "J1") != NULL, "%s", as_errmsg(db));
    cr_assert_eq(sqlite3_exec(db->sql, "UPDATE feedback SET stars = '{\"ui\":9}'", NULL, NULL,
                              NULL), SQLITE_OK);
    cr_assert_eq(as_feedback_get(&f, db, "J1"), AS_INTERNAL, "stars out of range");
    cr_assert_eq(sqlite3_exec(db->sql, "UPDATE feedback SET stars = '{}', reasons = '[1]'", NULL,
                              NULL, NULL), SQLITE_OK);
    as_feedback_iter *it;
    const as_feedback *v;
    cr_assert_eq(as_feedback_iter_new(&it, db, NULL), AS_OK);
    cr_assert_eq(as_feedback_next(it, &v), AS_INTERNAL, "a reason that is not an object");
    as_feedback_iter_free(it);
    cr_assert_eq(as_feedback_get(NULL, db, "J1"), AS_MISUSE);
    cr_assert_eq(as_feedback_get(&f, db, NULL), AS_MISUSE);
    cr_assert_eq(as_feedback_next(NULL, &v), AS_MISUSE);
    as_close(db);
}

/* Feedback without a station is its own group, with a NULL key, last
 * among equals. */
Test(feedback, stats_without_station)
{
    as_db *db = th_open_new();
    as_import_stats st;
    cr_assert_eq(import_str(db, "feedback_id,station_id,submitted_at,overall\n"
                                "A,S1,2026-11-24,4\nB,,2026-11-24,4\n", 0, &st, NULL), AS_OK);
    as_feedback_stat_iter *it;
    const as_feedback_stat *s;
    cr_assert_eq(as_feedback_stats_iter_new(&it, db, AS_FEEDBACK_BY_STATION, 0, 0), AS_OK);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_str_eq(s->key, "S1");
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_OK);
    cr_assert_null(s->key);
    cr_assert_eq(s->count, 1);
    cr_assert(fabs(s->csat_pct - 100.0) < 1e-9);
    cr_assert_eq(as_feedback_stats_next(it, &s), AS_DONE);
    as_feedback_stats_iter_free(it);
    as_close(db);
}

/* ---- every angry customer gets a ticket (issue 11, points 1 and 2) ----- */

/* The ticket an urgent row opened (owned). */
static as_ticket *ticket_of(as_db *db, const char *feedback_id)
{
    as_feedback *f = NULL;
    cr_assert_eq(as_feedback_get(&f, db, feedback_id), AS_OK);
    cr_assert_not_null(f->ticket_ref, "%s has no ticket", feedback_id);
    as_ticket *t = NULL;
    cr_assert_eq(as_ticket_get(&t, db, f->ticket_ref), AS_OK, "%s: %s", feedback_id,
                 as_errmsg(db));
    as_feedback_free(f);
    return t;
}

Test(feedback, the_seed_emergency_words_and_a_low_negative_rating_open_tickets)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv = HEAD
        "A,,S1,2026-11-24T09:00+08:00,,4,,,,,我很愤怒\n"
        "B,,S1,2026-11-24T09:00+08:00,,4,,,,,有点失望\n"
        "C,,S1,2026-11-24T09:00+08:00,,,,,,,我對你們很憤怒\n"                 /* traditional */
        "D,,S1,2026-11-24T09:00+08:00,,1,,,,,等了一个小时没人理，体验极差，非常糟糕\n"
        "E,,S1,2026-11-24T09:00+08:00,,4,,,,,等了一个小时没人理，体验极差，非常糟糕\n"
        "F,,S1,2026-11-24T09:00+08:00,,1,,,,,还行吧\n";
    cr_assert_eq(import_str(db, csv, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    static const struct {
        const char *id, *rule;
    } want[] = {{"A", "anger"}, {"B", "disappointment"}, {"C", "anger"}, {"D", "low_score"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        as_feedback *f = NULL;
        cr_assert_eq(as_feedback_get(&f, db, want[i].id), AS_OK);
        cr_assert_geq(f->urgency, AS_URGENCY_HIGH, "%s", want[i].id);
        cr_assert_not_null(f->ticket_ref, "%s", want[i].id);
        cr_assert_geq(f->nreasons, 1, "%s: every urgent row says why", want[i].id);
        cr_assert_str_eq(f->reasons[0].rule, want[i].rule, "%s", want[i].id);
        as_feedback_free(f);
    }
    /* The same text rated 4 stars, and a low rating with mild text: no rule. */
    static const char *const calm[] = {"E", "F"};
    for (size_t i = 0; i < 2; i++) {
        as_feedback *f = NULL;
        cr_assert_eq(as_feedback_get(&f, db, calm[i]), AS_OK);
        cr_assert_eq(f->nreasons, 0, "%s", calm[i]);
        cr_assert_null(f->ticket_ref, "%s", calm[i]);
        as_feedback_free(f);
    }
    as_close(db);
}

Test(feedback, low_score_thresholds_come_from_the_configuration)
{
    static const char text[] =
        "alerts:\n"
        "  ticket_level: high\n"
        "  low_score: {overall_at_most: 1, sentiment_at_most: -0.9, level: critical}\n";
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, text, strlen(text), "a.yaml", &err), AS_OK, "%s",
                 err ? err : "");
    cr_assert_eq(cfg->alerts->low_at_most, 1.0);
    cr_assert_eq(cfg->alerts->low_level, AS_URGENCY_CRITICAL);
    as_config_free(cfg);
    static const char bad[] = "alerts:\n  low_score: {overall_at_most: 5, level: urgent}\n";
    cr_assert_eq(as_config_parse(&cfg, bad, strlen(bad), "a.yaml", &err), AS_CONFIG);
    cr_assert_not_null(strstr(err, "a.yaml:2:32: 5 is out of range (1 to 4)"), "%s", err);
    cr_assert_not_null(strstr(err, "a.yaml:2:42: 'urgent' is not a level"), "%s", err);
    as_free(err);
}

Test(feedback, anonymous_and_unknown_customers_get_real_tickets_linked_later)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv = HEAD
        "A,,S1,2026-11-24T09:00+08:00,,1,,,,,多扣钱了\n"          /* anonymous */
        "B,U7,S1,2026-11-24T09:10+08:00,,1,,,,,多扣钱了\n"        /* not a user yet */
        "C,U8,S1,2026-11-24T09:20+08:00,,1,,,,,多扣钱了\n";
    cr_assert_eq(import_str(db, csv, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    as_ticket *a = ticket_of(db, "A"), *b = ticket_of(db, "B");
    cr_assert_null(a->user_id);
    cr_assert_str_eq(a->customer, "anonymous");
    cr_assert_str_eq(b->user_id, "U7");
    cr_assert_str_eq(b->customer, "unknown");
    cr_assert_str_eq(b->severity, "urgent", "a real ticket with an SLA");
    cr_assert_str_eq(b->station_id, "S1", "the feedback's station");
    cr_assert_neq(b->frt_due, 0);
    /* No second factor for tracking until a contact is known. */
    as_track *tr = NULL;
    cr_assert_eq(as_ticket_track(&tr, db, b->tracking, "8000", 0), AS_NOTFOUND);
    /* Both are pending, and say why. */
    as_feedback_escalation_query q = AS_FEEDBACK_ESCALATION_QUERY_INIT;
    q.pending = 1;
    as_feedback_escalation_iter *it;
    cr_assert_eq(as_feedback_escalation_iter_new(&it, db, &q), AS_OK);
    const as_feedback_escalation *e;
    int n = 0;
    while (as_feedback_escalation_next(it, &e) == AS_OK) {
        n++;
        cr_assert(e->pending);
        cr_assert_not_null(e->why);
        cr_assert_not_null(e->ticket);
        cr_assert_geq(e->nreasons, 1);
        cr_assert_str_eq(e->reasons[0].rule, "money_lost");
        if (strcmp(e->feedback_id, "A") == 0)
            cr_assert_not_null(strstr(e->why, "anonymous"), "%s", e->why);
        else
            cr_assert_not_null(strstr(e->why, "not in the users table yet"), "%s", e->why);
    }
    as_feedback_escalation_iter_free(it);
    cr_assert_eq(n, 3);

    /* U7 is added: its ticket is linked, with an event, and trackable. */
    as_user_input u = AS_USER_INPUT_INIT;
    u.fields = AS_USER_NAME | AS_USER_PHONE;
    u.user_id = "U7";
    u.name = "李四";
    u.phone = "13800138000";
    cr_assert_eq(as_user_add(db, &u), AS_OK, "%s", as_errmsg(db));
    as_ticket *b2 = ticket_of(db, "B");
    cr_assert_str_eq(b2->customer, "known");
    cr_assert_eq(as_ticket_track(&tr, db, b2->tracking, "8000", 0), AS_OK, "%s", as_errmsg(db));
    as_track_free(tr);
    as_ticket_event_iter *ev;
    cr_assert_eq(as_ticket_event_iter_new(&ev, db, b2->tracking), AS_OK);
    const as_ticket_event *x;
    const char *last = NULL;
    char kind[32] = "";
    while (as_ticket_event_next(ev, &x) == AS_OK)
        snprintf(kind, sizeof kind, "%s", (last = x->kind));
    as_ticket_event_iter_free(ev);
    cr_assert_str_eq(kind, "customer");
    /* U8 comes by a user import. */
    const char users[] = "user_id,name,phone,region\nU8,王五,13900139000,530102\n";
    FILE *f = fmemopen((void *)users, sizeof users - 1, "rb");
    cr_assert_eq(as_user_import(db, f, "u.csv", NULL, NULL), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    as_ticket *c = ticket_of(db, "C");
    cr_assert_str_eq(c->customer, "known");
    as_ticket_free(c);
    cr_assert_eq(as_feedback_escalation_iter_new(&it, db, &q), AS_OK);
    n = 0;
    while (as_feedback_escalation_next(it, &e) == AS_OK)
        n++;
    as_feedback_escalation_iter_free(it);
    cr_assert_eq(n, 1, "only the anonymous one is pending now");

    /* The anonymous row re-imported with its user id: the ticket is theirs. */
    const char *again = HEAD "A,U7,S1,2026-11-24T09:00+08:00,,1,,,,,多扣钱了\n";
    cr_assert_eq(import_str(db, again, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(st.updated, 1);
    as_ticket *a2 = ticket_of(db, "A");
    cr_assert_str_eq(a2->tracking, a->tracking, "still the one ticket");
    cr_assert_str_eq(a2->user_id, "U7");
    cr_assert_str_eq(a2->customer, "known");
    cr_assert_eq(count(db, "SELECT count(*) FROM tickets"), 3);
    as_ticket_free(a);
    as_ticket_free(a2);
    as_ticket_free(b);
    as_ticket_free(b2);
    as_close(db);
}

Test(feedback, an_escalation_recorded_before_tickets_for_all_gets_its_ticket)
{
    as_db *db = th_open_new();
    as_import_stats st;
    const char *csv = HEAD "A,,S1,2026-11-24T09:00+08:00,,1,,,,,多扣钱了\n";
    cr_assert_eq(import_str(db, csv, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    /* Make it look as 0.1 left it: a pending escalation without a ticket. */
    sqlite3 *s;
    cr_assert_eq(sqlite3_open(th_path, &s), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(s,
                              "DELETE FROM ticket_events; DELETE FROM tickets;"
                              " UPDATE feedback_escalations SET ref = 'FB-A', status = 'pending';"
                              " UPDATE feedback_tickets SET ticket_ref = 'FB-A';",
                              NULL, NULL, NULL),
                 SQLITE_CONSTRAINT, "events are append-only");
    cr_assert_eq(sqlite3_exec(s,
                              "DROP TRIGGER ticket_events_no_delete; DELETE FROM ticket_events;"
                              " DELETE FROM tickets;"
                              " UPDATE feedback_escalations SET ref = 'FB-A', status = 'pending';"
                              " UPDATE feedback_tickets SET ticket_ref = 'FB-A';",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(s));
    sqlite3_close(s);
    as_feedback_escalation_iter *it;
    cr_assert_eq(as_feedback_escalation_iter_new(&it, db, NULL), AS_OK);
    const as_feedback_escalation *e;
    cr_assert_eq(as_feedback_escalation_next(it, &e), AS_OK);
    cr_assert_null(e->ticket);
    cr_assert(e->pending);
    cr_assert_not_null(strstr(e->why, "feedback escalate"), "%s", e->why);
    as_feedback_escalation_iter_free(it);
    int64_t opened = -1;
    cr_assert_eq(as_feedback_escalate(db, &opened), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(opened, 1);
    cr_assert_eq(as_feedback_escalate(db, &opened), AS_OK);
    cr_assert_eq(opened, 0, "once");
    as_ticket *t = ticket_of(db, "A");
    cr_assert_str_eq(t->customer, "anonymous");
    as_ticket_free(t);
    as_close(db);
}

/* Issue 11, point 2: feedback import and fuel import treat a user id alike.
 * One not (yet) in the users table is kept by both; one that was erased is
 * refused by both, naming the user (a re-import of an old file must not
 * restore what the erasure redacted). */
Test(feedback, feedback_and_fuel_imports_agree_on_unknown_and_erased_users)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK, "%s", as_errmsg(db));

    as_import_stats st;
    rejects rj;
    const char *fb = HEAD "F1,U9,S1,2026-11-24T09:00+08:00,,4,,,,,不错\n";
    cr_assert_eq(import_str(db, fb, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(st.inserted, 1, "an unknown user's feedback is kept");
    const char *fu = "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                     "T1,U9,S1,2026-11-24T09:00+08:00,92,30,200.00\n";
    FILE *f = fmemopen((void *)fu, strlen(fu), "r");
    cr_assert_not_null(f);
    cr_assert_eq(as_fuel_import(db, f, "fuel.csv", NULL, &st), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(st.inserted, 1, "an unknown user's fueling record is kept");

    const char *fb2 = HEAD "F2,U1,S1,2026-11-24T09:00+08:00,,1,,,,,很愤怒\n";
    cr_assert_eq(import_str(db, fb2, 0, &st, &rj), AS_INVALID);
    cr_assert_eq(rj.n, 1);
    cr_assert_str_eq(rj.first, "fb.csv:2: user_id: user 'U1' was erased\n");
    cr_assert_eq(count(db, "SELECT count(*) FROM feedback WHERE user_id = 'U1'"), 0);
    cr_assert_eq(count(db, "SELECT count(*) FROM tickets WHERE user_id = 'U1'"), 0,
                 "no ticket for an erased user");
    const char *fu2 = "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan\n"
                      "T2,U1,S1,2026-11-24T09:00+08:00,92,30,200.00\n";
    f = fmemopen((void *)fu2, strlen(fu2), "r");
    cr_assert_eq(as_fuel_import(db, f, "fuel.csv", NULL, &st), AS_INVALID);
    fclose(f);
    cr_assert_eq(st.rejected, 1);
    as_close(db);
}
