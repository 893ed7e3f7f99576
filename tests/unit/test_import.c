/* test_import.c - the shared import driver with a spec of its own: unknown
 * columns kept as JSON, row outcomes counted, problems located. */
#include "helpers.h"
#include "import.h"

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
                 cells[1] ? cells[1] : "(absent)", extra);
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
    as__import_spec spec = {cols, 1, keep_unknown, row, s};
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
