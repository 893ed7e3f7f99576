/* test_ticket_export.c - as_ticket_export and as_ticket_import through the
 * C API: a lossless round trip (export, import into a fresh database,
 * export again: the same bytes), importing twice changes nothing, and a
 * malformed line is rejected with its line number. */
#include "helpers.h"

TestSuite(ticket_export, .fini = th_cleanup);

/* 2026-11-24T09:00:00+08:00 */
#define T0 INT64_C(1795482000)

typedef struct buf {
    char *data;
    size_t len;
} buf;

static buf export_all(as_db *db, int64_t *count)
{
    buf b = {NULL, 0};
    FILE *f = open_memstream(&b.data, &b.len);
    cr_assert_not_null(f);
    cr_assert_eq(as_ticket_export(db, f, count), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(fclose(f), 0);
    return b;
}

typedef struct rejects {
    int n;
    uint64_t line;
    char field[64];
    char reason[256];
} rejects;

static void on_reject(void *ud, const as_reject *r)
{
    rejects *rj = ud;
    if (rj->n++ == 0) {
        rj->line = r->line;
        snprintf(rj->field, sizeof rj->field, "%s", r->field ? r->field : "");
        snprintf(rj->reason, sizeof rj->reason, "%s", r->reason ? r->reason : "");
    }
}

static as_status import_text(as_db *db, const char *text, size_t len, unsigned flags,
                             as_import_stats *st, rejects *rj)
{
    FILE *f = fmemopen((void *)text, len, "rb");
    cr_assert_not_null(f);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    if (rj) {
        memset(rj, 0, sizeof *rj);
        o.on_reject = on_reject;
        o.userdata = rj;
    }
    as_status s = as_ticket_import(db, f, "t.jsonl", &o, st);
    fclose(f);
    return s;
}

/* A fresh database beside the first, with the users the tickets need. */
static as_db *open_copy(const char *name)
{
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    as_db *db = NULL;
    char *err = NULL;
    cr_assert_eq(as_open(&db, th_file(name), &o, &err), AS_OK, "%s", err ? err : "?");
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    return db;
}

/* Three tickets with a history: assigned, replied, noted, resolved and
 * surveyed; waiting on the customer; and a plain open one. */
static as_db *populated(void)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    th_add_user(db, "U2", 0, NULL);
    char tk[3][AS_TRACKING_BUFSIZE];
    static const char *const subjects[] = {"加油多扣了钱", "发票\"未\"收到\n第二行", "积分未到账"};
    for (int i = 0; i < 3; i++) {
        as_ticket_input in = AS_TICKET_INPUT_INIT;
        in.user_id = i == 1 ? "U2" : "U1";
        in.channel = "app";
        in.category = "payment";
        in.subject = subjects[i];
        in.body = "正文";
        in.at = T0 + i * 600;
        cr_assert_eq(as_ticket_open(db, &in, tk[i]), AS_OK, "%s", as_errmsg(db));
    }
    as_ticket_action act = AS_TICKET_ACTION_INIT;
    act.by = "alice";
    act.at = T0 + 3600;
    cr_assert_eq(as_ticket_assign(db, tk[0], "alice", &act), AS_OK, "%s", as_errmsg(db));
    act.at += 60;
    act.text = "已收到，正在核查";
    cr_assert_eq(as_ticket_reply(db, tk[0], &act, 0), AS_OK, "%s", as_errmsg(db));
    act.at += 60;
    act.text = "内部：查银行流水";
    cr_assert_eq(as_ticket_note(db, tk[0], &act), AS_OK, "%s", as_errmsg(db));
    act.at += 3600;
    act.text = "已退款";
    cr_assert_eq(as_ticket_resolve(db, tk[0], &act), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_survey_record(db, tk[0], 5, "很快", act.at + 600, NULL), AS_OK, "%s",
                 as_errmsg(db));
    act.at = T0 + 7200;
    act.text = "请提供订单号";
    cr_assert_eq(as_ticket_reply(db, tk[1], &act, AS_REPLY_WAIT), AS_OK, "%s", as_errmsg(db));
    return db;
}

Test(ticket_export, round_trip_is_byte_identical)
{
    as_db *db = populated();
    int64_t n = 0;
    buf one = export_all(db, &n);
    cr_assert_eq(n, 3);
    cr_assert_gt(one.len, 0);
    size_t lines = 0;
    for (size_t i = 0; i < one.len; i++)
        lines += one.data[i] == '\n';
    cr_assert_eq(lines, 3, "one line per ticket");
    cr_assert_not_null(strstr(one.data, "已收到，正在核查"), "the history is exported");

    as_db *copy = open_copy("copy.db");
    as_import_stats st;
    cr_assert_eq(import_text(copy, one.data, one.len, 0, &st, NULL), AS_OK, "%s", as_errmsg(copy));
    cr_assert_eq(st.rows, 3);
    cr_assert_eq(st.inserted, 3);
    cr_assert_eq(st.rejected, 0);
    int64_t n2 = 0;
    buf two = export_all(copy, &n2);
    cr_assert_eq(n2, 3);
    cr_assert_eq(two.len, one.len);
    cr_assert_eq(memcmp(one.data, two.data, one.len), 0, "export after import differs:\n%s\n%s",
                 one.data, two.data);
    free(two.data);
    as_close(copy);
    free(one.data);
    as_close(db);
}

Test(ticket_export, importing_twice_changes_nothing)
{
    as_db *db = populated();
    buf one = export_all(db, NULL);
    as_db *copy = open_copy("copy.db");
    as_import_stats st;
    cr_assert_eq(import_text(copy, one.data, one.len, 0, &st, NULL), AS_OK, "%s", as_errmsg(copy));
    cr_assert_eq(st.inserted, 3);
    cr_assert_eq(import_text(copy, one.data, one.len, 0, &st, NULL), AS_OK, "%s", as_errmsg(copy));
    cr_assert_eq(st.rows, 3);
    cr_assert_eq(st.inserted, 0);
    cr_assert_eq(st.updated, 0);
    cr_assert_eq(st.unchanged, 3);
    /* Into the original too: every number is already there. */
    cr_assert_eq(import_text(db, one.data, one.len, 0, &st, NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(st.unchanged, 3);
    cr_assert_eq(st.inserted, 0);
    buf two = export_all(copy, NULL);
    cr_assert_eq(two.len, one.len);
    cr_assert_eq(memcmp(one.data, two.data, one.len), 0);
    buf three = export_all(db, NULL);
    cr_assert_eq(three.len, one.len);
    cr_assert_eq(memcmp(one.data, three.data, one.len), 0);
    free(three.data);
    free(two.data);
    free(one.data);
    as_close(copy);
    as_close(db);
}

Test(ticket_export, a_malformed_line_is_rejected_with_its_line_number)
{
    as_db *db = populated();
    buf one = export_all(db, NULL);
    /* Line 2 of 4 is not JSON; the exported lines are 1, 3 and 4. */
    const char *nl = memchr(one.data, '\n', one.len);
    cr_assert_not_null(nl);
    size_t first = (size_t)(nl - one.data) + 1;
    static const char bad[] = "{\"tracking\": \n";
    size_t len = one.len + sizeof bad - 1;
    char *text = malloc(len);
    cr_assert_not_null(text);
    memcpy(text, one.data, first);
    memcpy(text + first, bad, sizeof bad - 1);
    memcpy(text + first + sizeof bad - 1, one.data + first, one.len - first);

    as_db *copy = open_copy("copy.db");
    as_import_stats st;
    rejects rj;
    cr_assert_eq(import_text(copy, text, len, 0, &st, &rj), AS_INVALID);
    cr_assert_eq(rj.n, 1, "%d problems", rj.n);
    cr_assert_eq(rj.line, 2, "reported at line %llu", (unsigned long long)rj.line);
    cr_assert_eq(st.rejected, 1);
    int64_t n = -1;
    buf none = export_all(copy, &n);
    cr_assert_eq(n, 0, "all or nothing: %lld imported", (long long)n);
    free(none.data);

    /* A well-formed line with a bad tracking number: line and field. */
    static const char badnum[] = "{\"tracking\": \"123456789\", \"user_id\": \"U1\"}\n";
    cr_assert_eq(import_text(copy, badnum, sizeof badnum - 1, 0, &st, &rj), AS_INVALID);
    cr_assert_eq(rj.line, 1);
    cr_assert_str_eq(rj.field, "tracking");

    /* With AS_IMPORT_SKIP_BAD the good lines go in. */
    cr_assert_eq(import_text(copy, text, len, AS_IMPORT_SKIP_BAD, &st, &rj), AS_OK, "%s",
                 as_errmsg(copy));
    cr_assert_eq(st.inserted, 3);
    cr_assert_eq(st.rejected, 1);
    cr_assert_eq(rj.line, 2);
    buf two = export_all(copy, NULL);
    cr_assert_eq(two.len, one.len);
    cr_assert_eq(memcmp(one.data, two.data, one.len), 0);
    free(two.data);
    free(text);
    free(one.data);
    as_close(copy);
    as_close(db);
}

/* Four tickets exported by 0.1.0 (clock fields frt_* and res_*, met as 0/1):
 * a resolved one with escalations and an answered survey whose follow-up is
 * the next line, the follow-up, an incident and its child. */
static const char *const export_010_lines[4] = {
    "{\"tracking\":\"371874844\",\"user_id\":\"U1\",\"channel\":\"app\",\"category\":"
    "\"payment\",\"subject\":\"加油多扣了钱\",\"body\":\"同一笔重复扣款两"
    "次\",\"severity\":\"urgent\",\"queue\":\"payment\",\"assignee\":\"alice\",\"sta"
    "tus\":\"resolved\",\"is_incident\":false,\"incident\":null,\"merged_into\":null,"
    "\"related\":null,\"rule\":\"payment-overcharge\",\"kb_article_id\":null,\"create"
    "d_at\":\"2026-11-24T09:00:00+08:00\",\"updated_at\":\"2026-11-24T16:00:00+08:00\""
    ",\"first_response_at\":\"2026-11-24T09:10:00+08:00\",\"resolved_at\":\"2026-11-2"
    "4T16:00:00+08:00\",\"closed_at\":null,\"eta\":\"2026-11-24T18:00:00+08:00\",\"re"
    "solutions\":1,\"calendar\":null,\"frt_target\":1800,\"res_target\":14400,\"frt_d"
    "ue\":null,\"frt_warn\":null,\"frt_left\":null,\"res_due\":null,\"res_warn\":null"
    ",\"res_left\":-3600,\"frt_met\":1,\"frt_used\":600,\"res_met\":0,\"res_used\":18"
    "000,\"events\":[{\"at\":\"2026-11-24T09:00:00+08:00\",\"by\":\"customer\",\"kind"
    "\":\"opened\",\"from_status\":null,\"to_status\":\"new\",\"public\":false,\"text"
    "\":\"channel app, queue payment, severity urgent, rule payment-overcharge\"},{\""
    "at\":\"2026-11-24T09:05:00+08:00\",\"by\":\"lead\",\"kind\":\"assigned\",\"from_"
    "status\":\"new\",\"to_status\":\"assigned\",\"public\":false,\"text\":\"alice\"}"
    ",{\"at\":\"2026-11-24T09:10:00+08:00\",\"by\":\"alice\",\"kind\":\"reply\",\"fro"
    "m_status\":\"assigned\",\"to_status\":\"waiting_customer\",\"public\":true,\"tex"
    "t\":\"已收到，正在核查\"},{\"at\":\"2026-11-24T11:10:00+08:00\",\"by\":\""
    "system\",\"kind\":\"status\",\"from_status\":\"waiting_customer\",\"to_status\":"
    "\"in_progress\",\"public\":false,\"text\":null},{\"at\":\"2026-11-24T15:30:00+08"
    ":00\",\"by\":\"system\",\"kind\":\"escalation\",\"from_status\":null,\"to_status"
    "\":null,\"public\":false,\"text\":\"resolution at risk\"},{\"at\":\"2026-11-24T1"
    "5:30:00+08:00\",\"by\":\"system\",\"kind\":\"escalation\",\"from_status\":null,\""
    "to_status\":null,\"public\":false,\"text\":\"resolution breached\"},{\"at\":\"20"
    "26-11-24T15:40:00+08:00\",\"by\":\"alice\",\"kind\":\"eta\",\"from_status\":null"
    ",\"to_status\":null,\"public\":true,\"text\":\"2026-11-24T18:00:00+08:00\"},{\"a"
    "t\":\"2026-11-24T16:00:00+08:00\",\"by\":\"alice\",\"kind\":\"resolved\",\"from_"
    "status\":\"in_progress\",\"to_status\":\"resolved\",\"public\":true,\"text\":\"已"
    "退款\"},{\"at\":\"2026-11-24T17:00:00+08:00\",\"by\":\"system\",\"kind\":\"lin"
    "ked\",\"from_status\":null,\"to_status\":null,\"public\":false,\"text\":\"follow"
    "ed by 743266974\"},{\"at\":\"2026-11-24T17:00:00+08:00\",\"by\":\"customer\",\"k"
    "ind\":\"survey\",\"from_status\":null,\"to_status\":null,\"public\":false,\"text"
    "\":\"score 2, follow-up 743266974\"}],\"escalations\":[{\"clock\":\"resolution\""
    ",\"kind\":\"at_risk\",\"due_at\":\"2026-11-24T15:00:00+08:00\",\"at\":\"2026-11-"
    "24T15:30:00+08:00\"},{\"clock\":\"resolution\",\"kind\":\"breached\",\"due_at\":"
    "\"2026-11-24T15:00:00+08:00\",\"at\":\"2026-11-24T15:30:00+08:00\"}],\"surveys\""
    ":[{\"resolution\":1,\"agent\":\"alice\",\"queue\":\"payment\",\"created_at\":\"2"
    "026-11-24T16:00:00+08:00\",\"due_at\":\"2026-11-25T16:00:00+08:00\",\"status\":\""
    "answered\",\"score\":2,\"comment\":\"太慢\",\"answered_at\":\"2026-11-24T17:00"
    ":00+08:00\",\"followup\":\"743266974\"}]}\n",
    "{\"tracking\":\"743266974\",\"user_id\":\"U1\",\"channel\":\"app\",\"category\":"
    "\"payment\",\"subject\":\"回访跟进 371874844: 加油多扣了钱\",\"body\":"
    "\"太慢\\n\\n同一笔重复扣款两次\",\"severity\":\"urgent\",\"queue\":\""
    "payment\",\"assignee\":\"alice\",\"status\":\"assigned\",\"is_incident\":false,\""
    "incident\":null,\"merged_into\":null,\"related\":\"371874844\",\"rule\":\"paymen"
    "t-overcharge\",\"kb_article_id\":null,\"created_at\":\"2026-11-24T17:00:00+08:00"
    "\",\"updated_at\":\"2026-11-24T17:00:00+08:00\",\"first_response_at\":null,\"res"
    "olved_at\":null,\"closed_at\":null,\"eta\":null,\"resolutions\":0,\"calendar\":n"
    "ull,\"frt_target\":1800,\"res_target\":14400,\"frt_due\":\"2026-11-24T17:30:00+0"
    "8:00\",\"frt_warn\":\"2026-11-24T17:24:00+08:00\",\"frt_left\":null,\"res_due\":"
    "\"2026-11-24T21:00:00+08:00\",\"res_warn\":\"2026-11-24T20:12:00+08:00\",\"res_l"
    "eft\":null,\"frt_met\":null,\"frt_used\":null,\"res_met\":null,\"res_used\":null"
    ",\"events\":[{\"at\":\"2026-11-24T17:00:00+08:00\",\"by\":\"system\",\"kind\":\""
    "opened\",\"from_status\":null,\"to_status\":\"assigned\",\"public\":false,\"text"
    "\":\"channel app, queue payment, severity urgent, rule payment-overcharge, assig"
    "nee alice\"}],\"escalations\":[],\"surveys\":[]}\n",
    "{\"tracking\":\"114659105\",\"user_id\":\"U2\",\"channel\":\"phone\",\"category\""
    ":\"station\",\"subject\":\"油枪坏了\",\"body\":\"\",\"severity\":\"systemic\""
    ",\"queue\":\"general\",\"assignee\":null,\"status\":\"new\",\"is_incident\":true"
    ",\"incident\":null,\"merged_into\":null,\"related\":null,\"rule\":null,\"kb_arti"
    "cle_id\":null,\"created_at\":\"2026-11-25T09:00:00+08:00\",\"updated_at\":\"2026"
    "-11-25T09:00:00+08:00\",\"first_response_at\":null,\"resolved_at\":null,\"closed"
    "_at\":null,\"eta\":null,\"resolutions\":0,\"calendar\":null,\"frt_target\":900,\""
    "res_target\":14400,\"frt_due\":\"2026-11-25T09:15:00+08:00\",\"frt_warn\":\"2026"
    "-11-25T09:12:00+08:00\",\"frt_left\":null,\"res_due\":\"2026-11-25T13:00:00+08:0"
    "0\",\"res_warn\":\"2026-11-25T12:12:00+08:00\",\"res_left\":null,\"frt_met\":nul"
    "l,\"frt_used\":null,\"res_met\":null,\"res_used\":null,\"events\":[{\"at\":\"202"
    "6-11-25T09:00:00+08:00\",\"by\":\"customer\",\"kind\":\"opened\",\"from_status\""
    ":null,\"to_status\":\"new\",\"public\":false,\"text\":\"channel phone, queue gen"
    "eral, severity systemic\"},{\"at\":\"2026-11-25T09:20:00+08:00\",\"by\":\"system"
    "\",\"kind\":\"linked\",\"from_status\":null,\"to_status\":null,\"public\":false,"
    "\"text\":\"ticket 486051232 linked\"}],\"escalations\":[],\"surveys\":[]}\n",
    "{\"tracking\":\"486051232\",\"user_id\":\"U1\",\"channel\":\"web\",\"category\":"
    "\"station\",\"subject\":\"加不了油\",\"body\":\"\",\"severity\":\"normal\",\""
    "queue\":\"general\",\"assignee\":null,\"status\":\"new\",\"is_incident\":false,\""
    "incident\":\"114659105\",\"merged_into\":null,\"related\":null,\"rule\":null,\"k"
    "b_article_id\":null,\"created_at\":\"2026-11-25T09:10:00+08:00\",\"updated_at\":"
    "\"2026-11-25T09:20:00+08:00\",\"first_response_at\":null,\"resolved_at\":null,\""
    "closed_at\":null,\"eta\":null,\"resolutions\":0,\"calendar\":\"cn-office\",\"frt"
    "_target\":7200,\"res_target\":86400,\"frt_due\":\"2026-11-25T11:10:00+08:00\",\""
    "frt_warn\":\"2026-11-25T10:46:00+08:00\",\"frt_left\":null,\"res_due\":\"2026-11"
    "-27T15:10:00+08:00\",\"res_warn\":\"2026-11-27T10:22:00+08:00\",\"res_left\":nul"
    "l,\"frt_met\":null,\"frt_used\":null,\"res_met\":null,\"res_used\":null,\"events"
    "\":[{\"at\":\"2026-11-25T09:10:00+08:00\",\"by\":\"customer\",\"kind\":\"opened\""
    ",\"from_status\":null,\"to_status\":\"new\",\"public\":false,\"text\":\"channel "
    "web, queue general, severity normal\"},{\"at\":\"2026-11-25T09:20:00+08:00\",\"b"
    "y\":\"system\",\"kind\":\"linked\",\"from_status\":null,\"to_status\":null,\"pub"
    "lic\":false,\"text\":\"linked to incident 114659105\"}],\"escalations\":[],\"sur"
    "veys\":[]}\n",
};

/* The four lines as one text (static storage). */
static const char *export_010_text(void)
{
    static char all[8192];
    all[0] = '\0';
    for (int i = 0; i < 4; i++)
        strncat(all, export_010_lines[i], sizeof all - strlen(all) - 1);
    return all;
}

Test(ticket_export, reads_the_format_of_0_1_0)
{
    th_db_path();   /* the temporary directory */
    as_db *copy = open_copy("old.db");
    as_import_stats st;
    rejects rj;
    cr_assert_eq(import_text(copy, export_010_text(), strlen(export_010_text()), 0, &st, &rj), AS_OK, "%s",
                 as_errmsg(copy));
    cr_assert_eq(st.inserted, 4, "%s: %s", rj.field, rj.reason);
    /* The clock state came across under its old names. */
    as_ticket *t = NULL;
    cr_assert_eq(as_ticket_get(&t, copy, "371874844"), AS_OK);
    cr_assert_eq(t->frt_met, 1);
    cr_assert_eq(t->res_met, 0);
    as_ticket_free(t);
    cr_assert_eq(as_ticket_get(&t, copy, "743266974"), AS_OK);
    cr_assert_eq(t->frt_due, INT64_C(1795512600), "2026-11-24T17:30:00+08:00");
    cr_assert_str_eq(t->related, "371874844");
    as_ticket_free(t);
    cr_assert_eq(as_ticket_get(&t, copy, "486051232"), AS_OK);
    cr_assert_str_eq(t->incident, "114659105");
    as_ticket_free(t);
    /* The export is in the new format only. */
    buf one = export_all(copy, NULL);
    cr_assert_null(strstr(one.data, "\"frt_"), "%s", one.data);
    cr_assert_null(strstr(one.data, "\"res_"), "%s", one.data);
    cr_assert_not_null(strstr(one.data, "\"first_response_met\":true,\"resolution_met\":false"));
    cr_assert_not_null(strstr(one.data, "\"resolution_left_s\":-3600"));
    cr_assert_not_null(strstr(one.data, "\"first_response_used_s\":600"));
    cr_assert_not_null(strstr(one.data, "\"first_response_due\":\"2026-11-24T17:30:00+08:00\""));
    cr_assert_not_null(strstr(one.data, "\"followup\":\"743266974\""));
    /* ... and that round-trips byte for byte. */
    as_db *again = open_copy("again.db");
    cr_assert_eq(import_text(again, one.data, one.len, 0, &st, NULL), AS_OK, "%s",
                 as_errmsg(again));
    cr_assert_eq(st.inserted, 4);
    buf two = export_all(again, NULL);
    cr_assert_eq(two.len, one.len);
    cr_assert_eq(memcmp(one.data, two.data, one.len), 0);
    free(two.data);
    free(one.data);
    as_close(again);
    as_close(copy);
}

Test(ticket_export, a_field_under_both_names_is_refused)
{
    th_db_path();   /* the temporary directory */
    as_db *copy = open_copy("both.db");
    /* The first line of the 0.1.0 export with a new name added. */
    const char *first = export_010_lines[0];
    size_t len = strlen(first) - 1;   /* without the newline */
    char *line = malloc(len + 64);
    cr_assert_not_null(line);
    memcpy(line, first, len - 1);   /* without the closing brace */
    strcpy(line + len - 1, ",\"first_response_used_s\":600}\n");
    as_import_stats st;
    rejects rj;
    cr_assert_eq(import_text(copy, line, strlen(line), 0, &st, &rj), AS_INVALID);
    cr_assert_eq(rj.line, 1);
    cr_assert_str_eq(rj.field, "frt_used");
    cr_assert_not_null(strstr(rj.reason, "first_response_used_s"), "%s", rj.reason);
    free(line);
    as_close(copy);
}

/* ---- what the import refuses (issue 11, point 3) ------------------------ */

/* One exported line of a fresh ticket, with `edit` applied: a Python-free
 * textual replacement of from by to in the line. */
static char *line_with(as_db *db, const char *from, const char *to)
{
    buf b = export_all(db, NULL);
    char *nl = strchr(b.data, '\n');
    cr_assert_not_null(nl);
    *nl = '\0';
    const char *p = strstr(b.data, from);
    cr_assert_not_null(p, "%s not in %s", from, b.data);
    size_t pre = (size_t)(p - b.data);
    char *out = malloc(strlen(b.data) + strlen(to) + 2);
    cr_assert_not_null(out);
    memcpy(out, b.data, pre);
    strcpy(out + pre, to);
    strcat(out, p + strlen(from));
    strcat(out, "\n");
    free(b.data);
    return out;
}

Test(ticket_export, import_refuses_what_would_leave_a_ticket_stuck_or_impossible)
{
    as_db *db = th_open_new();
    th_add_user(db, "U1", 0, NULL);
    as_ticket_input in = AS_TICKET_INPUT_INIT;
    in.user_id = "U1";
    in.channel = "app";
    in.category = "x";
    in.subject = "s";
    in.at = T0;
    char t[AS_TRACKING_BUFSIZE];
    cr_assert_eq(as_ticket_open(db, &in, t), AS_OK, "%s", as_errmsg(db));
    as_ticket_action a = AS_TICKET_ACTION_INIT;
    a.at = T0 + 3600;
    a.text = "好";
    cr_assert_eq(as_ticket_reply(db, t, &a, 0), AS_OK);

    static const struct {
        const char *from, *to, *field, *reason;
    } cases[] = {
        {"\"calendar\":\"cn-office\"", "\"calendar\":\"mars\"", "calendar",
         "'mars' is not a calendar of the configuration"},
        {"\"queue\":\"general\"", "\"queue\":\"nowhere\"", "queue",
         "'nowhere' is not a queue of the configuration"},
        {"\"severity\":\"normal\"", "\"severity\":\"huge\"", "severity",
         "'huge' is not a level"},
        {"\"at\":\"2026-11-24T10:00:00+08:00\"", "\"at\":\"2026-11-24T08:00:00+08:00\"",
         "events[1].at", "2026-11-24T08:00:00+08:00 would come before the ticket was opened"
         " (2026-11-24T09:00:00+08:00)"},
        {"\"first_response_at\":\"2026-11-24T10:00:00+08:00\"",
         "\"first_response_at\":\"2026-11-24T08:59:59+08:00\"", "first_response_at",
         "would come before the ticket was opened"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *line = line_with(db, cases[i].from, cases[i].to);
        as_db *copy = open_copy("copy.db");
        as_import_stats st;
        rejects rj;
        cr_assert_eq(import_text(copy, line, strlen(line), 0, &st, &rj), AS_INVALID, "%zu", i);
        cr_assert_eq(rj.n, 1, "%zu: %d problems", i, rj.n);
        cr_assert_str_eq(rj.field, cases[i].field, "%zu", i);
        cr_assert_not_null(strstr(rj.reason, cases[i].reason), "%zu: %s", i, rj.reason);
        as_close(copy);
        unlink(th_file("copy.db"));
        free(line);
    }

    /* An event out of order: a second event before the first. */
    char *line = line_with(db, "\"at\":\"2026-11-24T09:00:00+08:00\"",
                           "\"at\":\"2026-11-24T10:30:00+08:00\"");
    as_db *copy = open_copy("copy.db");
    rejects rj;
    cr_assert_eq(import_text(copy, line, strlen(line), 0, NULL, &rj), AS_INVALID);
    cr_assert_str_eq(rj.field, "events[1].at");
    cr_assert_not_null(strstr(rj.reason, "before the previous event (opened at"
                                         " 2026-11-24T10:30:00+08:00)"), "%s", rj.reason);
    as_close(copy);
    free(line);

    /* The same number on another ticket (another database's numbering). */
    line = line_with(db, "\"created_at\":\"2026-11-24T09:00:00+08:00\"",
                     "\"created_at\":\"2026-11-24T08:00:00+08:00\"");
    cr_assert_eq(import_text(db, line, strlen(line), 0, NULL, &rj), AS_INVALID);
    cr_assert_str_eq(rj.field, "tracking");
    cr_assert_not_null(strstr(rj.reason, "is the number of another ticket"), "%s", rj.reason);
    free(line);
    as_close(db);
}

/* A valid tracking number (check digit right) that no ticket has. */
static void absent_tracking(char out[AS_TRACKING_BUFSIZE])
{
    char num[AS_TRACKING_BUFSIZE];
    for (int d = 0; d < 10; d++) {
        char cand[16];
        snprintf(cand, sizeof cand, "90000001%d", d);
        if (as_tracking_check(cand, num) == AS_OK) {
            snprintf(out, AS_TRACKING_BUFSIZE, "%s", num);
            return;
        }
    }
    cr_assert_fail("no check digit fits");
}

/* The 0.1.0 export with the first "merged_into":null of line `which`
 * (0-based) replaced by a reference to ref. */
static char *with_merged_into(int which, const char *ref)
{
    static char out[16384];
    out[0] = '\0';
    for (int i = 0; i < 4; i++) {
        const char *line = export_010_lines[i];
        const char *at = i == which ? strstr(line, "\"merged_into\":null") : NULL;
        if (!at) {
            strncat(out, line, sizeof out - strlen(out) - 1);
            continue;
        }
        strncat(out, line, (size_t)(at - line));
        strncat(out, "\"merged_into\":\"", sizeof out - strlen(out) - 1);
        strncat(out, ref, sizeof out - strlen(out) - 1);
        strncat(out, "\"", sizeof out - strlen(out) - 1);
        strncat(out, at + strlen("\"merged_into\":null"), sizeof out - strlen(out) - 1);
    }
    return out;
}

/* Issue 12, point 5: an imported merged_into naming a ticket that does not
 * exist was dropped silently; it is an error now (with --skip-bad too: the
 * ticket is written before the end of the file shows the name missing). */
Test(ticket_export, a_reference_to_a_missing_ticket_is_an_error)
{
    th_db_path();
    char absent[AS_TRACKING_BUFSIZE];
    absent_tracking(absent);
    as_import_stats st;
    rejects rj;
    const char *text = with_merged_into(2, absent);
    as_db *copy = open_copy("missing.db");
    cr_assert_eq(import_text(copy, text, strlen(text), 0, &st, &rj), AS_INVALID);
    cr_assert_eq(rj.n, 1);
    cr_assert_eq(rj.line, 3, "the referring ticket's line: %llu", (unsigned long long)rj.line);
    cr_assert_str_eq(rj.field, "merged_into");
    cr_assert(strstr(rj.reason, absent), "%s", rj.reason);
    cr_assert(strstr(as_errmsg(copy), "refer to tickets that do not exist"), "%s", as_errmsg(copy));
    cr_assert_eq(st.rejected, 1);
    cr_assert_eq(st.inserted, 0);
    int64_t n = -1;
    buf none = export_all(copy, &n);
    cr_assert_eq(n, 0, "nothing imported");
    free(none.data);
    cr_assert_eq(import_text(copy, text, strlen(text), AS_IMPORT_SKIP_BAD, &st, &rj), AS_INVALID);
    none = export_all(copy, &n);
    cr_assert_eq(n, 0, "nothing imported with --skip-bad either");
    free(none.data);
    as_close(copy);

    /* A reference to a ticket later in the file is resolved. */
    text = with_merged_into(0, "743266974");
    copy = open_copy("later.db");
    cr_assert_eq(import_text(copy, text, strlen(text), 0, &st, &rj), AS_OK, "%s: %s", rj.field,
                 rj.reason);
    as_ticket *t = NULL;
    cr_assert_eq(as_ticket_get(&t, copy, "371874844"), AS_OK);
    cr_assert_str_eq(t->merged_into, "743266974");
    as_ticket_free(t);
    as_close(copy);
}
