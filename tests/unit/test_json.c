/* test_json.c - the library's JSON reader (lib/json.c), typed fields, and
 * the value parsers added with the option layer (as_duration_parse,
 * as_id_check, as_config_utc_offset). */
#include "json.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static as__json *parse_ok(const char *text)
{
    as__json *j = NULL;
    char why[120];
    as_status st = as__json_parse(text, strlen(text), &j, why, sizeof why);
    cr_assert_eq(st, AS_OK, "%s: %s", text, why);
    return j;
}

static void parse_bad(const char *text, size_t len, const char *why_has)
{
    as__json *j = NULL;
    char why[120];
    as_status st = as__json_parse(text, len, &j, why, sizeof why);
    cr_assert_eq(st, AS_INVALID, "'%s' should be refused", text);
    cr_assert_null(j);
    cr_assert(strstr(why, why_has), "'%s': reason '%s' lacks '%s'", text, why, why_has);
}

Test(json, scalars)
{
    as__json *j = parse_ok(" {\"a\": 1, \"b\": -2.5, \"c\": \"x\\u00e9\\ud83d\\ude00\", "
                           "\"d\": true, \"e\": false, \"f\": null, \"g\": 9223372036854775807} ");
    cr_assert_eq(j->type, AS__J_OBJECT);
    cr_assert_eq(j->n, 7);
    const as__json *a = as__json_get(j, "a");
    cr_assert(a && a->type == AS__J_NUMBER && a->is_int && a->i == 1);
    const as__json *b = as__json_get(j, "b");
    cr_assert(b && !b->is_int && b->num == -2.5);
    const as__json *c = as__json_get(j, "c");
    cr_assert_str_eq(c->str, "x\xc3\xa9\xf0\x9f\x98\x80");
    cr_assert_eq(as__json_get(j, "d")->b, 1);
    cr_assert_eq(as__json_get(j, "e")->type, AS__J_BOOL);
    cr_assert_eq(as__json_get(j, "e")->b, 0);
    cr_assert_eq(as__json_get(j, "f")->type, AS__J_NULL);
    cr_assert_eq(as__json_get(j, "g")->i, INT64_MAX);
    cr_assert_null(as__json_get(j, "zz"));
    as__json_free(j);
}

Test(json, nested_and_roundtrip)
{
    const char *text = "[{\"rule\":\"angry\",\"match\":\"愤怒\"},[],{},[1,[2,[3]]],\"a\\\"b\\\\c\\n\"]";
    as__json *j = parse_ok(text);
    cr_assert_eq(j->type, AS__J_ARRAY);
    cr_assert_eq(j->n, 5);
    as_buf b = {0};
    cr_assert_eq(as__json_write(&b, j), 0);
    as__buf_addc(&b, '\0');
    cr_assert_str_eq(b.data, text);
    as__buf_free(&b);
    as__json_free(j);
}

Test(json, refused)
{
    parse_bad("", 0, "expected a value");
    parse_bad("{", 1, "expected a key");
    parse_bad("{\"a\" 1}", 7, "expected ':'");
    parse_bad("[1,]", 4, "expected a value");
    parse_bad("[1 2]", 5, "expected ','");
    parse_bad("01", 2, "text after");
    parse_bad("1.", 2, "decimal point");
    parse_bad("\"abc", 4, "not closed");
    parse_bad("\"a\x01\"", 4, "control character");
    parse_bad("\"\\x\"", 4, "unknown escape");
    parse_bad("\"\\ud800\"", 8, "surrogate");
    parse_bad("\"\\udc00\"", 8, "surrogate");
    parse_bad("\"\xff\"", 3, "invalid UTF-8");
    parse_bad("tru", 3, "expected a value");
    parse_bad("nul", 3, "expected a value");
    parse_bad("{} {}", 5, "text after");
    parse_bad("\"a\0b\"", 5, "control character");
}

Test(json, depth_is_bounded)
{
    size_t n = 100000;
    char *deep = malloc(n * 2 + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    parse_bad(deep, 2 * n, "nested too deeply");
    /* 64 levels are fine. */
    deep[0] = '\0';
    char ok[200];
    memset(ok, '[', 64);
    memset(ok + 64, ']', 64);
    ok[128] = '\0';
    as__json *j = parse_ok(ok);
    as__json_free(j);
    free(deep);
}

Test(json, fields)
{
    as_field *f = NULL;
    size_t n = 99;
    cr_assert_eq(as__json_fields("{\"plate\":\"云A12345\",\"km\":5200,\"ratio\":0.5,\"ok\":true,"
                                 "\"none\":null,\"list\":[1,\"x\"]}",
                                 &f, &n),
                 AS_OK);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(f[0].name, "plate");
    cr_assert_eq(f[0].type, AS_VALUE_TEXT);
    cr_assert_str_eq(f[0].text, "云A12345");
    cr_assert_eq(f[1].type, AS_VALUE_INT);
    cr_assert_eq(f[1].i, 5200);
    cr_assert_eq(f[2].type, AS_VALUE_REAL);
    cr_assert_float_eq(f[2].r, 0.5, 1e-12);
    cr_assert_eq(f[3].type, AS_VALUE_BOOL);
    cr_assert_eq(f[3].i, 1);
    cr_assert_eq(f[4].type, AS_VALUE_NULL);
    cr_assert_eq(f[5].type, AS_VALUE_TEXT);
    cr_assert_str_eq(f[5].text, "[1,\"x\"]");
    free(f);

    cr_assert_eq(as__json_fields(NULL, &f, &n), AS_OK);
    cr_assert_eq(n, 0);
    cr_assert_null(f);
    cr_assert_eq(as__json_fields("{}", &f, &n), AS_OK);
    cr_assert_eq(n, 0);
    free(f);
    cr_assert_eq(as__json_fields("[1]", &f, &n), AS_INVALID);
    cr_assert_eq(as__json_fields("{\"a\":", &f, &n), AS_INVALID);
}

Test(duration, parse)
{
    static const struct {
        const char *text;
        int64_t want;
    } good[] = {
        {"90s", 90}, {"30m", 1800}, {"30min", 1800}, {"2h", 7200}, {"1d", 86400},
        {"1h30m", 5400}, {"3600", 3600}, {"0", 0}, {"0s", 0}, {"3650d", 3650 * 86400LL},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t s = -1;
        cr_assert_eq(as_duration_parse(good[i].text, &s), AS_OK, "%s", good[i].text);
        cr_assert_eq(s, good[i].want, "%s", good[i].text);
    }
    static const char *const bad[] = {"", "m", "5x", "1h 30m", "-5m", "5.5h", "10 fortnights",
                                      "3651d", "99999999999999d", "1h30", "h1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t s = 0;
        cr_assert_eq(as_duration_parse(bad[i], &s), AS_INVALID, "'%s' accepted", bad[i]);
    }
    cr_assert_eq(as_duration_parse(NULL, NULL), AS_MISUSE);
}

Test(values, id_check)
{
    cr_assert_eq(as_id_check("U1"), AS_OK);
    cr_assert_eq(as_id_check("站点-7"), AS_OK);
    cr_assert_eq(as_id_check(""), AS_INVALID);
    cr_assert_eq(as_id_check("a b"), AS_INVALID);
    cr_assert_eq(as_id_check("a\xe3\x80\x80" "b"), AS_INVALID);   /* ideographic space */
    char long_id[70];
    memset(long_id, 'x', 65);
    long_id[65] = '\0';
    cr_assert_eq(as_id_check(long_id), AS_INVALID);
    cr_assert_eq(as_id_check(NULL), AS_MISUSE);
}

Test(values, config_utc_offset)
{
    cr_assert_eq(as_config_utc_offset(NULL), AS_DEFAULT_UTC_OFFSET);
    as_config *cfg = NULL;
    const char *yaml = "business:\n  timezone: \"-03:30\"\n";
    char *err = NULL;
    cr_assert_eq(as_config_parse(&cfg, yaml, strlen(yaml), "t.yaml", &err), AS_OK, "%s",
                 err ? err : "");
    cr_assert_eq(as_config_utc_offset(cfg), -210);
    as_config_free(cfg);
    cr_assert_eq(as_config_load(&cfg, NULL, &err), AS_OK);
    cr_assert_eq(as_config_utc_offset(cfg), 480);
    as_config_free(cfg);
}

Test(json, numbers_keep_their_text)
{
    const char *text = "[1e3,0.30000000000000004,-0,12.30,123456789012345678901234567890,1E+2]";
    as__json *j = parse_ok(text);
    cr_assert_str_eq(j->items[0].str, "1e3");
    cr_assert_eq(j->items[0].num, 1000.0);
    cr_assert_eq(j->items[0].is_int, 0, "an exponent is not an integer literal");
    cr_assert_str_eq(j->items[1].str, "0.30000000000000004");
    cr_assert_str_eq(j->items[3].str, "12.30");
    cr_assert_eq(j->items[3].len, 5);
    cr_assert_str_eq(j->items[4].str, "123456789012345678901234567890");
    cr_assert_eq(j->items[4].is_int, 0, "too big for int64_t");
    /* Written back exactly as it came (%.17g gave 1000 and 12.300000000000001). */
    as_buf b = {0};
    cr_assert_eq(as__json_write(&b, j), 0);
    as__buf_addc(&b, '\0');
    cr_assert_str_eq(b.data, text);
    as__buf_free(&b);
    as__json_free(j);
}

Test(json, duplicate_keys_only_when_asked)
{
    const char *text = "{\"a\":1,\"b\":{\"c\":1,\"c\":2}}";
    as__json *j = parse_ok(text);   /* RFC 8259 allows it; stored JSON may have it */
    as__json_free(j);
    char why[120];
    cr_assert_eq(as__json_parse_ex(text, strlen(text), AS__JSON_UNIQUE_KEYS, &j, why, sizeof why),
                 AS_INVALID);
    cr_assert_null(j);
    cr_assert(strstr(why, "key 'c' appears twice in an object"), "%s", why);
    const char *ok = "{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}";
    cr_assert_eq(as__json_parse_ex(ok, strlen(ok), AS__JSON_UNIQUE_KEYS, &j, why, sizeof why), AS_OK,
                 "%s", why);
    as__json_free(j);
}
