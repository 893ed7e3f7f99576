/* test_import.c - the shared import driver with a spec of its own: unknown
 * columns kept as JSON, row outcomes counted, problems located. */
#include "helpers.h"
#include "import.h"

#include <pthread.h>

TestSuite(import, .fini = th_cleanup);

static const char *const cols[] = {"id", "score", NULL};

typedef struct seen {
    char extras[8][256];
    int n;
} seen;

static as_status row(as__import *im, const char *const *cells, const char *extra,
                     as_upsert *result, void *ctx)
{
    seen *s = ctx;
    if (s->n < 8)
        snprintf(s->extras[s->n++], sizeof s->extras[0], "%s|%s|%s", cells[0],
                 cells[1] ? cells[1] : "(absent)", extra ? extra : "(null)");
    if (cells[1] && strcmp(cells[1], "bad") == 0)
        as__import_problem(im, "score", "is bad");
    *result = cells[0][0] == 'u' ? AS_UPSERT_UPDATED : AS_UPSERT_INSERTED;
    return AS_OK;
}

static as_status run(const char *text, unsigned flags, seen *s, as_import_stats *st,
                     int keep_unknown)
{
    as_db *db = th_open_new();
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    as__import_spec spec = {
        .columns = cols,
        .nrequired = 1,
        .flags = keep_unknown,
        .row = row,
        .ctx = s,
    };
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    memset(s, 0, sizeof *s);
    as_status r = as__import_run(db, f, "t.csv", &o, &spec, st);
    fclose(f);
    as_close(db);
    return r;
}

Test(import, unknown_columns_are_kept_as_json)
{
    seen s;
    as_import_stats st;
    cr_assert_eq(run("id,Note,score,\"we\"\"ird\"\n1,\"a \"\"q\"\"\",5,x\\y\nu2,,,\n", 0, &s, &st, 1),
                 AS_OK);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.extras[0], "1|5|{\"Note\":\"a \\\"q\\\"\",\"we\\\"ird\":\"x\\\\y\"}");
    cr_assert_str_eq(s.extras[1], "u2||{\"Note\":\"\",\"we\\\"ird\":\"\"}");
    cr_assert_eq(st.inserted, 1);
    cr_assert_eq(st.updated, 1);
}

Test(import, unknown_columns_refused_without_keep)
{
    seen s;
    as_import_stats st;
    cr_assert_eq(run("id,Note\n1,a\n", 0, &s, &st, 0), AS_INVALID);
    cr_assert_eq(s.n, 0);
}

Test(import, absent_optional_column_is_null_and_dup_unknown_refused)
{
    seen s;
    as_import_stats st;
    cr_assert_eq(run("id\n1\n", 0, &s, &st, 1), AS_OK);
    cr_assert_str_eq(s.extras[0], "1|(absent)|{}");
    cr_assert_eq(run("id,x,X\n1,2,3\n", 0, &s, &st, 1), AS_INVALID);
    cr_assert_eq(run("id,,\n1,2,3\n", 0, &s, &st, 1), AS_INVALID);
}

Test(import, jsonl_extras_and_key_required)
{
    seen s;
    as_import_stats st;
    cr_assert_eq(run("{\"id\":\"1\",\"score\":4,\"extra\":\"e\",\"flag\":true}\n{\"score\":1}\n",
                     AS_IMPORT_JSONL | AS_IMPORT_SKIP_BAD, &s, &st, 1),
                 AS_OK);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.extras[0], "1|4|{\"extra\":\"e\",\"flag\":\"yes\"}");
    cr_assert_eq(st.rejected, 1, "a line without the key is rejected");
}

Test(import, a_problem_rejects_the_row)
{
    seen s;
    as_import_stats st;
    cr_assert_eq(run("id,score\n1,bad\n2,3\n", 0, &s, &st, 0), AS_INVALID);
    cr_assert_eq(st.rejected, 1);
    cr_assert_eq(st.inserted, 0);
    cr_assert_eq(run("id,score\n1,bad\n2,3\n", AS_IMPORT_SKIP_BAD, &s, &st, 0), AS_OK);
    cr_assert_eq(st.inserted, 1);
}

Test(import, json_quote)
{
    as_buf b = {0};
    as__json_quote(&b, "a\"b\\c\n\x01");
    cr_assert_str_eq(b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    as__buf_free(&b);
}

/* ---- options, delimiters, encodings ------------------------------------ */

typedef struct problems {
    char text[2048];
    int n;
} problems;

static void collect(void *ud, const as_reject *r)
{
    problems *p = ud;
    size_t len = strlen(p->text);
    snprintf(p->text + len, sizeof p->text - len, "%llu %s: %s|", (unsigned long long)r->line,
             r->field ? r->field : "-", r->reason);
    p->n++;
}

/* Run the test spec over n bytes with the given options (on_reject is set
 * here); the handle's message goes to errbuf. */
static as_status run_with(const void *text, size_t n, as_import_options *o, unsigned spec_flags,
                          seen *s, as_import_stats *st, problems *p, char *errbuf)
{
    as_db *db = th_open_new();
    FILE *f = fmemopen((void *)text, n, "rb");
    as__import_spec spec = {
        .columns = cols,
        .nrequired = 1,
        .flags = spec_flags,
        .row = row,
        .ctx = s,
    };
    memset(s, 0, sizeof *s);
    memset(p, 0, sizeof *p);
    o->on_reject = collect;
    o->userdata = p;
    as_status r = as__import_run(db, f, "t.csv", o, &spec, st);
    snprintf(errbuf, 256, "%s", as_errmsg(db));
    fclose(f);
    as_close(db);
    return r;
}

Test(import, delimiter_detected_and_forced)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    cr_assert_eq(o.version, 3);
    cr_assert_eq(o.delimiter, 0);
    const char *semi = "id;score\n1;4\n2;5\n";
    cr_assert_eq(run_with(semi, strlen(semi), &o, 0, &s, &st, &p, err), AS_OK, "%s %s", err,
                 p.text);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.extras[1], "2|5|(null)");
    /* Forced: a pipe-separated file with commas in the cells. */
    const char *pipe = "id|score\n1,5|4\n";
    o.delimiter = '|';
    cr_assert_eq(run_with(pipe, strlen(pipe), &o, 0, &s, &st, &p, err), AS_OK, "%s", p.text);
    cr_assert_str_eq(s.extras[0], "1,5|4|(null)");
    /* Forced comma over a tab header: one unknown column. */
    const char *tab = "id\tscore\n1\t4\n";
    o.delimiter = ',';
    cr_assert_eq(run_with(tab, strlen(tab), &o, 0, &s, &st, &p, err), AS_INVALID);
    cr_assert(strstr(err, "unknown column 'id\tscore'") != NULL, "%s", err);
    o.delimiter = '\t';
    cr_assert_eq(run_with(tab, strlen(tab), &o, 0, &s, &st, &p, err), AS_OK, "%s", err);
    cr_assert_str_eq(s.extras[0], "1|4|(null)");
}

Test(import, delimiter_invalid_or_misplaced)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    const char *csv = "id\n1\n";
    o.delimiter = ':';
    cr_assert_eq(run_with(csv, strlen(csv), &o, 0, &s, &st, &p, err), AS_INVALID);
    cr_assert_str_eq(err, "delimiter ':' is not one of ',', TAB, ';' or '|'");
    cr_assert_eq(s.n, 0);
    o.delimiter = '\n';
    cr_assert_eq(run_with(csv, strlen(csv), &o, 0, &s, &st, &p, err), AS_INVALID);
    cr_assert(strstr(err, "byte 0x0A") != NULL, "%s", err);
    o.delimiter = ';';
    o.flags = AS_IMPORT_JSONL;
    const char *jsonl = "{\"id\":\"1\"}\n";
    cr_assert_eq(run_with(jsonl, strlen(jsonl), &o, 0, &s, &st, &p, err), AS_INVALID);
    cr_assert(strstr(err, "JSON Lines") != NULL, "%s", err);
}

Test(import, options_version_1_still_accepted)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    /* A version 1 caller has no delimiter field: whatever lies there is
     * not read, and the delimiter is detected. */
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.version = 1;
    o.delimiter = 'x';
    const char *tab = "id\tscore\n1\t4\n";
    cr_assert_eq(run_with(tab, strlen(tab), &o, 0, &s, &st, &p, err), AS_OK, "%s", err);
    cr_assert_str_eq(s.extras[0], "1|4|(null)");
    o.version = 0;
    cr_assert_eq(run_with(tab, strlen(tab), &o, 0, &s, &st, &p, err), AS_MISUSE);
    o.version = AS_IMPORT_OPTIONS_VERSION + 1;
    cr_assert_eq(run_with(tab, strlen(tab), &o, 0, &s, &st, &p, err), AS_MISUSE);
}

Test(import, utf16_text_from_excel)
{
    /* "id<TAB>score\r\n中<TAB>5\r\n" as UTF-16LE with its mark. */
    static const unsigned char in[] = {
        0xFF, 0xFE, 'i', 0, 'd', 0, '\t', 0, 's', 0, 'c', 0, 'o', 0, 'r', 0, 'e', 0, '\r', 0,
        '\n', 0, 0x2D, 0x4E, '\t', 0, '5', 0, '\r', 0, '\n', 0,
    };
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    cr_assert_eq(run_with(in, sizeof in, &o, 0, &s, &st, &p, err), AS_OK, "%s %s", err, p.text);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.extras[0], "中|5|(null)");
    /* An odd byte count (half of the last LF, bytes 31-32): the CR ended
     * the row, so it is taken; the error names line 3 and the offset. */
    o.flags = AS_IMPORT_SKIP_BAD;
    cr_assert_eq(run_with(in, sizeof in - 1, &o, 0, &s, &st, &p, err), AS_OK);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(st.rejected, 1);
    cr_assert(strstr(p.text, "3 -: byte 31 of the file cannot be decoded as UTF-16LE") != NULL,
              "%s", p.text);
}

Test(import, encoding_hint_once_per_file)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    const char *gbk = "id,score\n\xD5\xC5,1\n2,3\n\xC0\xEE,4\n";
    cr_assert_eq(run_with(gbk, strlen(gbk), &o, 0, &s, &st, &p, err), AS_INVALID);
    cr_assert_eq(st.rejected, 2);
    cr_assert_str_eq(p.text,
                     "2 -: invalid UTF-8 at byte 1 of the line (is the file GB18030/GBK? try "
                     "--encoding gb18030)|"
                     "4 -: invalid UTF-8 at byte 1 of the line|");
}

/* ---- duplicate keys ------------------------------------------------------ */

Test(import, duplicate_key_in_csv_all_or_nothing)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    const char *csv = "id,score\nF1,1\nF2,2\n\"F1\",3\n F2 ,4\nf1,5\n";
    cr_assert_eq(run_with(csv, strlen(csv), &o, 0, &s, &st, &p, err), AS_INVALID);
    cr_assert_eq(st.rows, 5);
    cr_assert_eq(st.rejected, 2);
    cr_assert_str_eq(p.text, "4 id: 'F1' is also on line 2|5 id: 'F2' is also on line 3|");
    cr_assert_eq(s.n, 3, "the repeats never reach the row function");
    cr_assert_str_eq(s.extras[2], "f1|5|(null)", "keys are compared as given: f1 is not F1");
    cr_assert(strstr(err, "2 of 5 rows rejected; nothing imported") != NULL, "%s", err);
}

Test(import, duplicate_key_in_csv_skip_bad)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_SKIP_BAD;
    /* Line 3 repeats line 2; the multi-line record on lines 4-5 is one row,
     * so the third F1 is on line 6. */
    const char *csv = "id,score\nF1,1\nF1,2\n\"F\n2\",x\nF1,3\n";
    cr_assert_eq(run_with(csv, strlen(csv), &o, 0, &s, &st, &p, err), AS_OK, "%s", err);
    cr_assert_eq(st.inserted, 2);
    cr_assert_eq(st.rejected, 2);
    cr_assert_str_eq(p.text, "3 id: 'F1' is also on line 2|6 id: 'F1' is also on line 2|");
    cr_assert_str_eq(s.extras[0], "F1|1|(null)", "the first occurrence is the one kept");
}

Test(import, a_rejected_row_does_not_claim_its_key)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_SKIP_BAD;
    const char *csv = "id,score\nF1,bad\nF1,2\nF1,3\n";
    cr_assert_eq(run_with(csv, strlen(csv), &o, 0, &s, &st, &p, err), AS_OK, "%s", err);
    cr_assert_eq(st.inserted, 1);
    cr_assert_eq(st.rejected, 2);
    cr_assert_str_eq(p.text, "2 score: is bad|4 id: 'F1' is also on line 3|");
}

Test(import, duplicate_key_in_jsonl)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL;
    const char *jsonl = "{\"id\":\"7\",\"score\":1}\n"
                        "\n"
                        "{\"id\":8}\n"
                        "{\"score\":2,\"id\":7}\n"     /* a number: the same text */
                        "{\"id\":\"8 \"}\n";
    cr_assert_eq(run_with(jsonl, strlen(jsonl), &o, 0, &s, &st, &p, err), AS_INVALID);
    cr_assert_eq(st.rejected, 2);
    cr_assert_str_eq(p.text, "4 id: '7' is also on line 1|5 id: '8' is also on line 3|");
    o.flags |= AS_IMPORT_SKIP_BAD;
    cr_assert_eq(run_with(jsonl, strlen(jsonl), &o, 0, &s, &st, &p, err), AS_OK, "%s", err);
    cr_assert_eq(st.inserted, 2);
    cr_assert_eq(st.rejected, 2);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.extras[0], "7|1|(null)");
}

Test(import, duplicate_key_shown_shortened)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    /* 63 bytes of 'k' then 中 (3 bytes): the cut falls inside 中. */
    char key[80], csv[256];
    memset(key, 'k', 63);
    strcpy(key + 63, "中z");
    snprintf(csv, sizeof csv, "id\n%s\n%s\n", key, key);
    cr_assert_eq(run_with(csv, strlen(csv), &o, 0, &s, &st, &p, err), AS_INVALID);
    char want[160];
    snprintf(want, sizeof want, "3 id: '%.63s...' is also on line 2|", key);
    cr_assert_str_eq(p.text, want);
}

Test(import, many_keys)
{
    /* Enough rows to grow the table several times; one repeat at the end. */
    size_t rows = 50000;
    char *csv = malloc(rows * 16 + 64);
    size_t n = (size_t)sprintf(csv, "id\n");
    for (size_t i = 0; i < rows; i++)
        n += (size_t)sprintf(csv + n, "K%zu\n", i);
    n += (size_t)sprintf(csv + n, "K12345\n");
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_SKIP_BAD | AS_IMPORT_DRY_RUN;
    cr_assert_eq(run_with(csv, n, &o, 0, &s, &st, &p, err), AS_OK, "%s", err);
    cr_assert_eq(st.inserted, rows);
    cr_assert_eq(st.rejected, 1);
    cr_assert_str_eq(p.text, "50002 id: 'K12345' is also on line 12347|");
    free(csv);
}

Test(import, repeat_keys_flag_turns_the_check_off)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    const char *csv = "id,score\n1,a\n1,b\n";
    cr_assert_eq(run_with(csv, strlen(csv), &o, AS__SPEC_REPEAT_KEYS, &s, &st, &p, err), AS_OK,
                 "%s", p.text);
    cr_assert_eq(s.n, 2);
    cr_assert_eq(st.inserted, 2);
    cr_assert_eq(st.rejected, 0);
}

/* ---- JSON Lines read by the library's own parser (issue 12, point 5) ---- */

Test(import, jsonl_numbers_reach_the_row_as_written)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL;
    const char *jsonl = "{\"id\":\"a\",\"score\":1e3}\n"
                        "{\"id\":\"b\",\"score\":0.30000000000000004}\n"
                        "{\"id\":123456789012345678901234567890,\"score\":-0.0}\n"
                        "{\"id\":\"d\",\"score\":12.30,\"n\":1E+2}\n";
    cr_assert_eq(run_with(jsonl, strlen(jsonl), &o, AS__SPEC_KEEP_UNKNOWN, &s, &st, &p, err),
                 AS_OK, "%s", err);
    cr_assert_eq(s.n, 4);
    /* SQLite's json_each gave 1000.0, 0.3 and 1.23456789012346e+29 here. */
    cr_assert_str_eq(s.extras[0], "a|1e3|{}");
    cr_assert_str_eq(s.extras[1], "b|0.30000000000000004|{}");
    cr_assert_str_eq(s.extras[2], "123456789012345678901234567890|-0.0|{}");
    cr_assert_str_eq(s.extras[3], "d|12.30|{\"n\":\"1E+2\"}");
}

Test(import, jsonl_duplicate_keys_are_an_error)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL | AS_IMPORT_SKIP_BAD;
    const char *jsonl = "{\"id\":\"1\",\"score\":1,\"score\":5}\n"
                        "{\"id\":\"2\",\"x\":{\"a\":1,\"a\":2}}\n"
                        "{\"id\":\"3\",\"score\":2}\n";
    cr_assert_eq(run_with(jsonl, strlen(jsonl), &o, AS__SPEC_KEEP_UNKNOWN, &s, &st, &p, err),
                 AS_OK, "%s", err);
    cr_assert_eq(st.rejected, 2);
    cr_assert_eq(s.n, 1, "only the good line reaches the row function");
    cr_assert_str_eq(s.extras[0], "3|2|{}");
    cr_assert(strstr(p.text, "1 -: is not valid JSON: at byte 30: key 'score' appears twice"),
              "%s", p.text);
    cr_assert(strstr(p.text, "2 -: is not valid JSON: at byte 27: key 'a' appears twice"), "%s",
              p.text);
    /* Many keys are checked by sorting: the repeat is still found. */
    as_buf b = {0};
    as__buf_adds(&b, "{\"id\":\"m\"");
    for (int i = 0; i < 5000; i++) {
        char k[32];
        snprintf(k, sizeof k, ",\"k%d\":%d", i % 4999, i);
        as__buf_adds(&b, k);
    }
    as__buf_adds(&b, "}\n");
    cr_assert_eq(run_with(b.data, b.len, &o, AS__SPEC_KEEP_UNKNOWN, &s, &st, &p, err), AS_OK);
    cr_assert_eq(st.rejected, 1);
    cr_assert(strstr(p.text, "key 'k0' appears twice"), "%s", p.text);
    as__buf_free(&b);
}

Test(import, jsonl_nul_in_a_string_is_refused)
{
    seen s;
    as_import_stats st;
    problems p;
    char err[256];
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL;
    const char *jsonl = "{\"id\":\"1\",\"score\":\"a\\u0000b\"}\n";
    cr_assert_eq(run_with(jsonl, strlen(jsonl), &o, 0, &s, &st, &p, err), AS_INVALID);
    cr_assert_str_eq(p.text, "1 score: holds a NUL character (\\u0000)|");
    cr_assert_eq(s.n, 0);
}

/* A line over 64 MiB is refused without being kept, and the import goes on
 * with the next line (issue 12, point 6: a 150 MB line took 754 MB). */
Test(import, jsonl_line_over_the_record_limit)
{
    th_db_path();
    char path[400];
    snprintf(path, sizeof path, "%s/big.jsonl", th_dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("{\"id\":\"1\",\"score\":\"", f);
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 65; i++)
        cr_assert_eq(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
    fputs("\"}\n{\"id\":\"2\",\"score\":\"3\"}\n", f);
    fclose(f);

    as_open_options oo = AS_OPEN_OPTIONS_INIT;
    oo.flags = AS_OPEN_CREATE;
    as_db *db = NULL;
    cr_assert_eq(as_open(&db, th_path, &oo, NULL), AS_OK);
    seen s;
    problems p;
    memset(&s, 0, sizeof s);
    memset(&p, 0, sizeof p);
    as__import_spec spec = {.columns = cols, .nrequired = 1, .flags = 0, .row = row, .ctx = &s};
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL | AS_IMPORT_SKIP_BAD;
    o.on_reject = collect;
    o.userdata = &p;
    as_import_stats st;
    f = fopen(path, "rb");
    cr_assert_eq(as__import_run(db, f, "big.jsonl", &o, &spec, &st), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    as_close(db);
    cr_assert_eq(st.rows, 2);
    cr_assert_eq(st.rejected, 1);
    cr_assert_str_eq(p.text, "1 -: the line is longer than 64 MiB (the limit of one record)|");
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.extras[0], "2|3|(null)");
}

/* Money from JSON Lines is read from the number's text, as in CSV. */
Test(import, jsonl_amounts_are_exact)
{
    as_db *db = th_open_new();
    as_user_input u = AS_USER_INPUT_INIT;
    u.fields = AS_USER_NAME;
    u.user_id = "U1";
    u.name = "张三";
    cr_assert_eq(as_user_add(db, &u), AS_OK);
    const char *jsonl =
        "{\"tx_id\":\"T1\",\"user_id\":\"U1\",\"station_id\":\"S1\",\"filled_at\":\"2026-01-05 09:00\","
        "\"grade\":92,\"litres\":40,\"amount_yuan\":1e3}\n"
        "{\"tx_id\":\"T2\",\"user_id\":\"U1\",\"station_id\":\"S1\",\"filled_at\":\"2026-01-06 09:00\","
        "\"grade\":92,\"litres\":40,\"amount_yuan\":0.30000000000000004}\n"
        "{\"tx_id\":\"T3\",\"user_id\":\"U1\",\"station_id\":\"S1\",\"filled_at\":\"2026-01-07 09:00\","
        "\"grade\":92,\"litres\":40.125,\"amount_yuan\":300.30}\n";
    FILE *f = fmemopen((void *)jsonl, strlen(jsonl), "rb");
    problems p;
    memset(&p, 0, sizeof p);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL | AS_IMPORT_SKIP_BAD;
    o.on_reject = collect;
    o.userdata = &p;
    as_import_stats st;
    cr_assert_eq(as_fuel_import(db, f, "f.jsonl", &o, &st), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    cr_assert_eq(st.inserted, 1);
    cr_assert_eq(st.rejected, 2);
    cr_assert(strstr(p.text, "1 amount_yuan: '1e3' is not an amount"), "%s", p.text);
    cr_assert(strstr(p.text, "2 amount_yuan: '0.30000000000000004' is not an amount"), "%s",
              p.text);
    /* The stored record holds exactly 300.30 yuan and 40.125 litres. */
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(th_path, &raw), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(raw, "SELECT amount_fen, litres_ml FROM fuelings", -1, &q,
                                    NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int64(q, 0), 30030);
    cr_assert_eq(sqlite3_column_int64(q, 1), 40125);
    sqlite3_finalize(q);
    sqlite3_close(raw);
    as_close(db);
}

/* ---- two-stage specs and the threaded pipeline --------------------------- */

/* A two-stage spec: prepare checks the score (the pure stage, any thread),
 * store records the order it saw rows in and can fail at a chosen id. */
typedef struct staged {
    char order[64 * 1024];       /* ids as stored, separated by ',' */
    const char *fail_at;         /* store fails (AS_IO) at this id */
    int released;                /* states released */
    pthread_mutex_t mu;
} staged;

typedef struct stage_state {
    const char *id;
    char *copy;                  /* allocated by prepare, freed by release */
    int score;
} stage_state;

static as_status stage_prepare(as__prep *p, const char *const *cells, const char *extra,
                               void *state, const void *ctx)
{
    (void)extra;
    (void)ctx;
    stage_state *s = state;
    s->id = cells[0];
    if (!(s->copy = strdup(cells[0])))
        return AS_NOMEM;
    if (cells[1] && strcmp(cells[1], "nomem") == 0)
        return AS_NOMEM;
    if (!cells[1] || !cells[1][0] || cells[1][0] < '0' || cells[1][0] > '9') {
        as__prep_problem(p, "score", "is not a digit");
        if (cells[1] && strcmp(cells[1], "twice") == 0)
            as__prep_problem(p, NULL, "and the row is odd");
        return AS_OK;
    }
    s->score = cells[1][0] - '0';
    return AS_OK;
}

static as_status stage_store(as__import *im, void *state, as_upsert *result, void *ctx)
{
    staged *g = ctx;
    stage_state *s = state;
    if (g->fail_at && strcmp(s->id, g->fail_at) == 0)
        return as__fail(as__import_db(im), AS_IO, "stopped at %s", s->id);
    if (as__import_row_problems(im))
        return AS_OK;
    if (s->score == 7) {  /* a problem only the store stage can see */
        as__import_problem(im, "score", "is taken");
        return AS_OK;
    }
    size_t len = strlen(g->order);
    snprintf(g->order + len, sizeof g->order - len, "%s,", s->copy);
    *result = AS_UPSERT_INSERTED;
    return AS_OK;
}

static staged *release_counter;

static void stage_release(void *state)
{
    stage_state *s = state;
    free(s->copy);
    pthread_mutex_lock(&release_counter->mu);
    release_counter->released++;
    pthread_mutex_unlock(&release_counter->mu);
}

/* Import text with jobs threads; problems into p, the message into err. */
static as_status run_staged(const char *text, int jobs, unsigned flags, staged *g,
                            as_import_stats *st, problems *p, char *err)
{
    as_db *db = th_open_new();
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    as__import_spec spec = {
        .columns = cols,
        .nrequired = 1,
        .ctx = g,
        .state_size = sizeof(stage_state),
        .prepare = stage_prepare,
        .store = stage_store,
        .release = stage_release,
    };
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    o.jobs = jobs;
    o.on_reject = collect;
    o.userdata = p;
    g->order[0] = '\0';
    g->released = 0;
    pthread_mutex_init(&g->mu, NULL);
    release_counter = g;
    memset(p, 0, sizeof *p);
    as_status r = as__import_run(db, f, "t.csv", &o, &spec, st);
    snprintf(err, 256, "%s", as_errmsg(db));
    fclose(f);
    as_close(db);
    pthread_mutex_destroy(&g->mu);
    return r;
}

/* n rows "R<i>,<digit>", every 97th with a bad score, every 131st a
 * repeated key, every 389th a wrong field count. */
static char *many_rows(int n)
{
    size_t cap = (size_t)n * 32 + 64, len = 0;
    char *t = malloc(cap);
    cr_assert_not_null(t);
    len += (size_t)snprintf(t + len, cap - len, "id,score\n");
    for (int i = 1; i <= n; i++) {
        if (i % 389 == 0)
            len += (size_t)snprintf(t + len, cap - len, "R%d,1,2\n", i);
        else if (i % 131 == 0)
            len += (size_t)snprintf(t + len, cap - len, "R%d,3\n", i - 1);
        else if (i % 97 == 0)
            len += (size_t)snprintf(t + len, cap - len, "R%d,%s\n", i, i % 2 ? "x" : "twice");
        else
            len += (size_t)snprintf(t + len, cap - len, "R%d,%d\n", i, i % 7 == 0 ? 7 : i % 10);
    }
    return t;
}

Test(import, staged_rows_same_with_any_number_of_jobs)
{
    char *text = many_rows(5000);   /* about ten batches */
    static staged g1, gn;
    static problems p1, pn;
    char e1[256], en[256];
    as_import_stats s1, sn;
    cr_assert_eq(run_staged(text, 1, AS_IMPORT_SKIP_BAD, &g1, &s1, &p1, e1), AS_OK);
    cr_assert_gt(s1.rejected, 100);
    cr_assert_eq(g1.released, (int)(s1.rows - 12), "every prepared state is released (%d)",
                 g1.released);   /* the 12 rows with a wrong field count are never prepared */
    for (int jobs = 2; jobs <= 5; jobs += 3) {
        cr_assert_eq(run_staged(text, jobs, AS_IMPORT_SKIP_BAD, &gn, &sn, &pn, en), AS_OK);
        cr_assert_str_eq(gn.order, g1.order, "rows stored in input order with %d jobs", jobs);
        cr_assert_str_eq(pn.text, p1.text, "the same problems in the same order");
        cr_assert_eq(pn.n, p1.n);
        cr_assert_eq(sn.rows, s1.rows);
        cr_assert_eq(sn.inserted, s1.inserted);
        cr_assert_eq(sn.rejected, s1.rejected);
        cr_assert_eq(gn.released, g1.released);
    }
    /* Without --skip-bad nothing is kept, whatever the jobs. */
    cr_assert_eq(run_staged(text, 3, 0, &gn, &sn, &pn, en), AS_INVALID);
    cr_assert_eq(sn.inserted, 0);
    cr_assert_eq(sn.rejected, s1.rejected);
    cr_assert(strstr(en, "rows rejected; nothing imported"), "%s", en);
    free(text);
}

Test(import, staged_problems_prepare_then_store)
{
    static staged g;
    static problems p;
    char err[256];
    as_import_stats st;
    const char *text = "id,score\nA,1\nB,twice\nC,7\nA,2\n";
    for (int jobs = 1; jobs <= 2; jobs++) {
        cr_assert_eq(run_staged(text, jobs, AS_IMPORT_SKIP_BAD, &g, &st, &p, err), AS_OK);
        cr_assert_str_eq(p.text,
                         "3 score: is not a digit|3 -: and the row is odd|4 score: is taken|"
                         "5 id: 'A' is also on line 2|");
        cr_assert_str_eq(g.order, "A,");
        cr_assert_eq(st.rows, 4);
        cr_assert_eq(st.rejected, 3);
    }
}

Test(import, staged_failure_stops_and_releases_everything)
{
    char *text = many_rows(3000);
    static staged g;
    static problems p;
    char err[256];
    as_import_stats st;
    for (int jobs = 1; jobs <= 4; jobs += 3) {
        g.fail_at = "R1700";   /* in a middle batch */
        cr_assert_eq(run_staged(text, jobs, AS_IMPORT_SKIP_BAD, &g, &st, &p, err), AS_IO);
        cr_assert_str_eq(err, "stopped at R1700");
        cr_assert(strstr(g.order, "R1699,") && !strstr(g.order, "R1701,"), "rows stop there");
        g.fail_at = NULL;
    }
    /* prepare out of memory fails the import at that row. */
    static staged h;
    cr_assert_eq(run_staged("id,score\nA,1\nB,nomem\nC,2\n", 2, 0, &h, &st, &p, err), AS_NOMEM);
    cr_assert_str_eq(h.order, "A,");
    free(text);
}

Test(import, jobs_out_of_range_is_refused)
{
    static staged g;
    static problems p;
    char err[256];
    as_import_stats st;
    cr_assert_eq(run_staged("id\nA\n", -1, 0, &g, &st, &p, err), AS_INVALID);
    cr_assert(strstr(err, "jobs: -1"), "%s", err);
    cr_assert_eq(as__import_jobs(0) >= 1, 1);
    cr_assert_eq(as__import_jobs(500), 64);
    cr_assert_eq(as__import_jobs(3), 3);
}

Test(import, staged_jsonl_runs_on_the_calling_thread)
{
    static staged g;
    static problems p;
    char err[256];
    as_import_stats st;
    cr_assert_eq(run_staged("{\"id\":\"A\",\"score\":\"1\"}\n{\"id\":\"B\",\"score\":\"x\"}\n", 4,
                            AS_IMPORT_JSONL | AS_IMPORT_SKIP_BAD, &g, &st, &p, err),
                 AS_OK);
    cr_assert_str_eq(g.order, "A,");
    cr_assert_str_eq(p.text, "2 score: is not a digit|");
    cr_assert_eq(g.released, 2);
}
