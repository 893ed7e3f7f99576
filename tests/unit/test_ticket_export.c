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
