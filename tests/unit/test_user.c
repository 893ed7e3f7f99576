/* test_user.c - users through the C API: add, update, upsert, read, list,
 * forget, and the CSV / JSON Lines import. */
#include "helpers.h"
#include "internal.h"

TestSuite(user, .fini = th_cleanup);

static as_user_input full(const char *id)
{
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_NAME | AS_USER_PHONE | AS_USER_REGION;
    in.user_id = id;
    in.name = "张三";
    in.phone = "+86 138-0013-8000";
    in.region = "530102";
    return in;
}

Test(user, add_then_get_masks_phone)
{
    as_db *db = th_open_new();
    as_user_input in = full("U1");
    cr_assert_eq(as_user_add(db, &in), AS_OK, "%s", as_errmsg(db));
    as_user *u = NULL;
    cr_assert_eq(as_user_get(&u, db, "U1", 0), AS_OK);
    cr_assert_str_eq(u->name, "张三");
    cr_assert_str_eq(u->phone, "138****8000");
    cr_assert_str_eq(u->region, "530102");
    cr_assert_eq(u->consent_service, 1);
    cr_assert_eq(u->consent_marketing, 0);
    cr_assert_eq(u->quiet_start, -1);
    cr_assert_eq(u->erased_at, 0);
    cr_assert(u->created_at > 1700000000);
    as_user_free(u);
    cr_assert_eq(as_user_get(&u, db, "U1", AS_REVEAL), AS_OK);
    cr_assert_str_eq(u->phone, "13800138000");
    as_user_free(u);
    as_close(db);
}

Test(user, add_twice_is_exists)
{
    as_db *db = th_open_new();
    as_user_input in = full("U1");
    cr_assert_eq(as_user_add(db, &in), AS_OK);
    cr_assert_eq(as_user_add(db, &in), AS_EXISTS);
    cr_assert_not_null(strstr(as_errmsg(db), "U1"), "%s", as_errmsg(db));
    as_close(db);
}

Test(user, name_is_nfc_normalised)
{
    as_db *db = th_open_new();
    as_user_input in = full("U1");
    in.name = "Jose\xCC\x81";   /* e + combining acute */
    cr_assert_eq(as_user_add(db, &in), AS_OK);
    as_user *u;
    cr_assert_eq(as_user_get(&u, db, "U1", 0), AS_OK);
    cr_assert_str_eq(u->name, "Jos\xC3\xA9");
    as_user_free(u);
    as_close(db);
}

Test(user, every_bad_field_is_named)
{
    as_db *db = th_open_new();
    as_user_input in = full("U1");
    in.phone = "1380013800";
    in.region = "990000";
    cr_assert_eq(as_user_add(db, &in), AS_INVALID);
    const char *m = as_errmsg(db);
    /* The rejected number is never echoed whole (issue 12, point 4). */
    cr_assert_not_null(strstr(m, "phone: '138***3800'"), "%s", m);
    cr_assert_null(strstr(m, "1380013800"), "%s", m);
    cr_assert_not_null(strstr(m, "region: '990000'"), "%s", m);

    in = full("U 1");
    cr_assert_eq(as_user_add(db, &in), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "user_id"), "%s", as_errmsg(db));

    in = full("U1");
    in.name = "bad \xC0\xAF name";
    cr_assert_eq(as_user_add(db, &in), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "invalid UTF-8 at byte 5"), "%s", as_errmsg(db));

    in = full("U1");
    in.name = "";
    cr_assert_eq(as_user_add(db, &in), AS_INVALID);

    in = full("U1");
    in.fields |= AS_USER_QUIET_HOURS;
    in.quiet_start = 600;
    in.quiet_end = 600;
    cr_assert_eq(as_user_add(db, &in), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "quiet_hours"), "%s", as_errmsg(db));

    in = full("U1");
    in.fields &= ~AS_USER_NAME;
    cr_assert_eq(as_user_add(db, &in), AS_INVALID);
    as_close(db);
}

Test(user, long_names_are_refused)
{
    as_db *db = th_open_new();
    char name[400] = "";
    for (int i = 0; i < 101; i++)
        strcat(name, "长");
    as_user_input in = full("U1");
    in.name = name;
    cr_assert_eq(as_user_add(db, &in), AS_INVALID);
    name[strlen(name) - 3] = '\0';   /* 100 characters */
    cr_assert_eq(as_user_add(db, &in), AS_OK, "%s", as_errmsg(db));
    as_close(db);
}

Test(user, update_changes_only_given_fields)
{
    as_db *db = th_open_new();
    as_user_input in = full("U1");
    cr_assert_eq(as_user_add(db, &in), AS_OK);
    as_user_input up = AS_USER_INPUT_INIT;
    up.user_id = "U1";
    up.fields = AS_USER_CONSENT_MARKETING | AS_USER_QUIET_HOURS;
    up.consent_marketing = 1;
    up.quiet_start = 22 * 60;
    up.quiet_end = 8 * 60;
    cr_assert_eq(as_user_update(db, &up), AS_OK, "%s", as_errmsg(db));
    as_user *u;
    cr_assert_eq(as_user_get(&u, db, "U1", AS_REVEAL), AS_OK);
    cr_assert_str_eq(u->name, "张三");
    cr_assert_str_eq(u->phone, "13800138000");
    cr_assert_eq(u->consent_marketing, 1);
    cr_assert_eq(u->quiet_start, 1320);
    cr_assert_eq(u->quiet_end, 480);
    as_user_free(u);

    up.user_id = "nobody";
    cr_assert_eq(as_user_update(db, &up), AS_NOTFOUND);
    as_close(db);
}

Test(user, upsert_reports_what_happened)
{
    as_db *db = th_open_new();
    as_user_input in = full("U1");
    as_upsert r = 0;
    cr_assert_eq(as_user_upsert(db, &in, &r), AS_OK);
    cr_assert_eq(r, AS_UPSERT_INSERTED);
    cr_assert_eq(as_user_upsert(db, &in, &r), AS_OK);
    cr_assert_eq(r, AS_UPSERT_UNCHANGED);
    in.phone = "13900000000";
    cr_assert_eq(as_user_upsert(db, &in, &r), AS_OK);
    cr_assert_eq(r, AS_UPSERT_UPDATED);
    as_close(db);
}

Test(user, forget_erases_personal_data_and_keeps_the_row)
{
    as_db *db = th_open_new();
    as_user_input in = full("U1");
    in.fields |= AS_USER_QUIET_HOURS | AS_USER_CONSENT_MARKETING;
    in.quiet_start = 1320;
    in.quiet_end = 480;
    in.consent_marketing = 1;
    cr_assert_eq(as_user_add(db, &in), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U1", "云A12345", "95", NULL), AS_OK);
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK, "%s", as_errmsg(db));
    as_user *u;
    cr_assert_eq(as_user_get(&u, db, "U1", AS_REVEAL), AS_OK);
    cr_assert_null(u->name);
    cr_assert_null(u->phone);
    cr_assert_eq(u->quiet_start, -1);
    cr_assert_eq(u->consent_marketing, 0);
    cr_assert_str_eq(u->region, "530102");
    cr_assert(u->erased_at > 0);
    int64_t erased = u->erased_at;
    as_user_free(u);
    as_vehicle *v;
    cr_assert_eq(as_vehicle_get(&v, db, "云A12345"), AS_NOTFOUND);

    /* Idempotent, and personal data cannot come back. */
    cr_assert_eq(as_user_forget(db, "U1"), AS_OK);
    cr_assert_eq(as_user_get(&u, db, "U1", 0), AS_OK);
    cr_assert_eq(u->erased_at, erased);
    as_user_free(u);
    cr_assert_eq(as_user_upsert(db, &in, NULL), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "erased"), "%s", as_errmsg(db));
    cr_assert_eq(as_user_forget(db, "nobody"), AS_NOTFOUND);
    as_close(db);
}

static int count_list(as_db *db, const as_user_query *q, char *ids, size_t idsz)
{
    as_user_iter *it;
    cr_assert_eq(as_user_iter_new(&it, db, q), AS_OK, "%s", as_errmsg(db));
    const as_user *u;
    int n = 0;
    as_status st;
    ids[0] = '\0';
    while ((st = as_user_next(it, &u)) == AS_OK) {
        n++;
        strncat(ids, u->user_id, idsz - strlen(ids) - 2);
        strcat(ids, " ");
    }
    cr_assert_eq(st, AS_DONE);
    as_user_iter_free(it);
    return n;
}

Test(user, list_filters_by_region_hierarchy_and_pages)
{
    as_db *db = th_open_new();
    const char *regions[] = {"530102", "530103", "530421", "110105", "539900"};
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "U%d", i + 1);
        as_user_input in = full(id);
        in.region = regions[i];
        cr_assert_eq(as_user_add(db, &in), AS_OK);
    }
    char ids[128];
    as_user_query q = AS_USER_QUERY_INIT;
    cr_assert_eq(count_list(db, &q, ids, sizeof ids), 5);
    q.region = "530000";
    cr_assert_eq(count_list(db, &q, ids, sizeof ids), 4);
    q.region = "530100";
    cr_assert_eq(count_list(db, &q, ids, sizeof ids), 2);
    cr_assert_str_eq(ids, "U1 U2 ");
    q.region = "530102";
    cr_assert_eq(count_list(db, &q, ids, sizeof ids), 1);
    q.region = NULL;
    q.after_id = "U2";
    q.limit = 2;
    cr_assert_eq(count_list(db, &q, ids, sizeof ids), 2);
    cr_assert_str_eq(ids, "U3 U4 ");
    q.region = "12";
    as_user_iter *it;
    cr_assert_eq(as_user_iter_new(&it, db, &q), AS_INVALID);
    as_close(db);
}

/* ---- import -------------------------------------------------------- */

typedef struct rejects {
    char text[4096];
    int problems, rows;
} rejects;

static void on_reject(void *ud, const as_reject *rj)
{
    rejects *r = ud;
    char one[512];
    snprintf(one, sizeof one, "%s:%llu: %s: %s\n", rj->file, (unsigned long long)rj->line,
             rj->field ? rj->field : "-", rj->reason);
    strncat(r->text, one, sizeof r->text - strlen(r->text) - 1);
    r->problems++;
    r->rows += rj->first;
}

static as_status import_text(as_db *db, const char *text, unsigned flags, as_import_stats *s,
                             rejects *r)
{
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    cr_assert_not_null(f);
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = flags;
    o.on_reject = on_reject;
    o.userdata = r;
    memset(r, 0, sizeof *r);
    as_status st = as_user_import(db, f, "users.csv", &o, s);
    fclose(f);
    return st;
}

static int64_t count_users(as_db *db)
{
    as_user_query q = AS_USER_QUERY_INIT;
    char ids[4096];
    return count_list(db, &q, ids, sizeof ids);
}

static const char good_csv[] =
    "user_id,name,phone,region,consent_marketing,quiet_hours\r\n"
    "U1,张三,13800138000,530102,yes,22:00-08:00\r\n"
    "U2,\"Li, \"\"Q\"\"\",+8613900001111,110105,no,\r\n"
    "U3,王五,,,,\r\n";

Test(user, import_csv_then_reimport_is_unchanged)
{
    as_db *db = th_open_new();
    as_import_stats s;
    rejects r;
    cr_assert_eq(import_text(db, good_csv, 0, &s, &r), AS_OK, "%s %s", as_errmsg(db), r.text);
    cr_assert_eq(s.rows, 3);
    cr_assert_eq(s.inserted, 3);
    as_user *u;
    cr_assert_eq(as_user_get(&u, db, "U2", AS_REVEAL), AS_OK);
    cr_assert_str_eq(u->name, "Li, \"Q\"");
    cr_assert_str_eq(u->phone, "13900001111");
    as_user_free(u);
    cr_assert_eq(as_user_get(&u, db, "U1", 0), AS_OK);
    cr_assert_eq(u->consent_marketing, 1);
    cr_assert_eq(u->quiet_start, 1320);
    as_user_free(u);

    cr_assert_eq(import_text(db, good_csv, 0, &s, &r), AS_OK);
    cr_assert_eq(s.inserted, 0);
    cr_assert_eq(s.unchanged, 3);

    const char changed[] = "name,user_id,region,phone\nNew Name,U3,530102,\n";
    cr_assert_eq(import_text(db, changed, 0, &s, &r), AS_OK, "%s", r.text);
    cr_assert_eq(s.updated, 1);
    cr_assert_eq(as_user_get(&u, db, "U3", 0), AS_OK);
    cr_assert_str_eq(u->name, "New Name");
    cr_assert_str_eq(u->region, "530102");
    as_user_free(u);
    as_close(db);
}

Test(user, import_is_all_or_nothing_and_reports_every_bad_row)
{
    as_db *db = th_open_new();
    const char text[] = "user_id,name,phone,region\n"
                        "U1,张三,13800138000,530102\n"
                        "U2,李四,12345,530102\n"
                        "U3,王五,13800138001,99\n"
                        "U4,赵六,13800138002\n"
                        "U5,,13800138003,530102\n";
    as_import_stats s;
    rejects r;
    cr_assert_eq(import_text(db, text, 0, &s, &r), AS_INVALID);
    cr_assert_eq(s.rows, 5);
    cr_assert_eq(s.rejected, 4);
    cr_assert_eq(s.inserted, 0, "nothing is reported as inserted");
    cr_assert_not_null(strstr(r.text, "users.csv:3: phone: '12345'"), "%s", r.text);
    cr_assert_not_null(strstr(r.text, "users.csv:4: region: '99'"), "%s", r.text);
    cr_assert_not_null(strstr(r.text, "users.csv:5: -: has 3 fields, the header has 4"), "%s",
                       r.text);
    cr_assert_not_null(strstr(r.text, "users.csv:6: name: is required"), "%s", r.text);
    cr_assert_eq(count_users(db), 0, "nothing may be written");

    cr_assert_eq(import_text(db, text, AS_IMPORT_SKIP_BAD, &s, &r), AS_OK);
    cr_assert_eq(s.inserted, 1);
    cr_assert_eq(s.rejected, 4);
    cr_assert_eq(count_users(db), 1);
    as_close(db);
}

Test(user, import_refuses_a_user_id_twice_in_one_file)
{
    as_db *db = th_open_new();
    const char text[] = "user_id,name,phone,region\n"
                        "U1,张三,13800138000,530102\n"
                        "U2,李四,13800138001,530102\n"
                        " U1 ,张三丰,13800138002,530102\n";
    as_import_stats s;
    rejects r;
    cr_assert_eq(import_text(db, text, 0, &s, &r), AS_INVALID);
    cr_assert_eq(s.rejected, 1);
    cr_assert_str_eq(r.text, "users.csv:4: user_id: 'U1' is also on line 2\n");
    cr_assert_eq(count_users(db), 0, "all or nothing");

    /* Skipping bad rows keeps the first occurrence, not a silent update. */
    cr_assert_eq(import_text(db, text, AS_IMPORT_SKIP_BAD, &s, &r), AS_OK);
    cr_assert_eq(s.inserted, 2);
    cr_assert_eq(s.updated, 0);
    cr_assert_eq(s.rejected, 1);
    as_user *u;
    cr_assert_eq(as_user_get(&u, db, "U1", AS_REVEAL), AS_OK);
    cr_assert_str_eq(u->name, "张三");
    cr_assert_str_eq(u->phone, "13800138000");
    as_user_free(u);

    /* The same for JSON Lines. */
    const char jsonl[] = "{\"user_id\":\"U7\",\"name\":\"a\"}\n{\"user_id\":\"U7\",\"name\":\"b\"}\n";
    FILE *f = fmemopen((void *)jsonl, strlen(jsonl), "rb");
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.flags = AS_IMPORT_JSONL;
    o.on_reject = on_reject;
    o.userdata = &r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(as_user_import(db, f, "users.jsonl", &o, &s), AS_INVALID);
    fclose(f);
    cr_assert_str_eq(r.text, "users.jsonl:2: user_id: 'U7' is also on line 1\n");
    as_close(db);
}

Test(user, import_dry_run_counts_but_keeps_nothing)
{
    as_db *db = th_open_new();
    as_import_stats s;
    rejects r;
    cr_assert_eq(import_text(db, good_csv, AS_IMPORT_DRY_RUN, &s, &r), AS_OK);
    cr_assert_eq(s.inserted, 3);
    cr_assert_eq(count_users(db), 0);
    as_close(db);
}

Test(user, import_header_problems)
{
    as_db *db = th_open_new();
    as_import_stats s;
    rejects r;
    cr_assert_eq(import_text(db, "user_id,name,phone\nU1,x,13800138000\n", 0, &s, &r),
                 AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "users.csv:1: missing column 'region'"), "%s",
                       as_errmsg(db));
    cr_assert_eq(import_text(db, "user_id,name,phone,region,phnoe\n", 0, &s, &r), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "unknown column 'phnoe'"), "%s", as_errmsg(db));
    cr_assert_eq(import_text(db, "user_id,name,phone,region,name\n", 0, &s, &r), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "twice"), "%s", as_errmsg(db));
    cr_assert_eq(import_text(db, "", 0, &s, &r), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "empty file"), "%s", as_errmsg(db));
    /* A header alone is a valid, empty import; case and spaces are forgiven. */
    cr_assert_eq(import_text(db, "\xEF\xBB\xBF User_ID ,Name,PHONE,region\n", 0, &s, &r), AS_OK,
                 "%s", as_errmsg(db));
    cr_assert_eq(s.rows, 0);
    as_close(db);
}

Test(user, import_reports_invalid_utf8_with_line)
{
    as_db *db = th_open_new();
    const char text[] = "user_id,name,phone,region\nU1,\xD5\xC5\xC8\xFD,13800138000,530102\n";
    as_import_stats s;
    rejects r;
    cr_assert_eq(import_text(db, text, 0, &s, &r), AS_INVALID);
    cr_assert_not_null(strstr(r.text, "users.csv:2:"), "%s", r.text);
    cr_assert_not_null(strstr(r.text, "gb18030"), "%s", r.text);
    as_close(db);
}

Test(user, import_gb18030)
{
    as_db *db = th_open_new();
    /* 张三 in GB18030 is D5 C5 C8 FD. */
    const char text[] = "user_id,name,phone,region\r\nU1,\xD5\xC5\xC8\xFD,13800138000,530102\r\n";
    FILE *f = fmemopen((void *)text, sizeof text - 1, "rb");
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.encoding = "gb18030";
    as_import_stats s;
    cr_assert_eq(as_user_import(db, f, "gbk.csv", &o, &s), AS_OK, "%s", as_errmsg(db));
    fclose(f);
    as_user *u;
    cr_assert_eq(as_user_get(&u, db, "U1", 0), AS_OK);
    cr_assert_str_eq(u->name, "张三");
    as_user_free(u);
    as_close(db);
}

Test(user, import_jsonl)
{
    as_db *db = th_open_new();
    const char text[] =
        "{\"user_id\":\"U1\",\"name\":\"张三\",\"phone\":\"13800138000\",\"region\":\"530102\","
        "\"consent_marketing\":true,\"quiet_hours\":\"22:00-08:00\"}\n"
        "\n"
        "{\"user_id\":\"U2\",\"name\":\"Li \\\"Q\\\"\",\"phone\":13900001111,\"region\":null}\n";
    as_import_stats s;
    rejects r;
    cr_assert_eq(import_text(db, text, AS_IMPORT_JSONL, &s, &r), AS_OK, "%s %s", as_errmsg(db),
                 r.text);
    cr_assert_eq(s.inserted, 2);
    as_user *u;
    cr_assert_eq(as_user_get(&u, db, "U2", AS_REVEAL), AS_OK);
    cr_assert_str_eq(u->name, "Li \"Q\"");
    cr_assert_str_eq(u->phone, "13900001111");
    as_user_free(u);
    cr_assert_eq(as_user_get(&u, db, "U1", 0), AS_OK);
    cr_assert_eq(u->consent_marketing, 1);
    as_user_free(u);

    const char bad[] = "{\"user_id\":\"U3\",\"name\":\"x\"\n"
                       "[1,2]\n"
                       "{\"user_id\":\"U4\",\"name\":\"y\",\"nmae\":1}\n"
                       "{\"user_id\":\"U5\",\"name\":{\"a\":1}}\n";
    cr_assert_eq(import_text(db, bad, AS_IMPORT_JSONL, &s, &r), AS_INVALID);
    cr_assert_eq(s.rejected, 4);
    cr_assert_not_null(strstr(r.text, "users.csv:1: -: is not valid JSON"), "%s", r.text);
    cr_assert_not_null(strstr(r.text, "users.csv:2: -: is not a JSON object"), "%s", r.text);
    cr_assert_not_null(strstr(r.text, "users.csv:3: -: unknown key 'nmae'"), "%s", r.text);
    cr_assert_not_null(strstr(r.text, "users.csv:4: name: must be"), "%s", r.text);
    as_close(db);
}

Test(user, import_bad_options)
{
    as_db *db = th_open_new();
    FILE *f = fmemopen((void *)good_csv, sizeof good_csv - 1, "rb");
    as_import_options o = AS_IMPORT_OPTIONS_INIT;
    o.encoding = "latin-9";
    cr_assert_eq(as_user_import(db, f, "x.csv", &o, NULL), AS_INVALID);
    o.encoding = NULL;
    o.version = 42;
    cr_assert_eq(as_user_import(db, f, "x.csv", &o, NULL), AS_MISUSE);
    cr_assert_eq(as_user_import(db, NULL, "x.csv", NULL, NULL), AS_MISUSE);
    fclose(f);
    as_close(db);
}
