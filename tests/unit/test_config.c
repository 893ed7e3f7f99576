/* test_config.c - the YAML configuration loader: positions in errors,
 * refusal of aliases and deep nesting, values, defaults. */
#include "helpers.h"
#include "config.h"

TestSuite(config, .fini = th_cleanup);

static as_status parse(const char *text, char **err, as_config **cfg)
{
    *cfg = NULL;
    return as_config_parse(cfg, text, strlen(text), "c.yaml", err);
}

static void expect_error(const char *text, const char *want)
{
    char *err = NULL;
    as_config *cfg;
    cr_assert_eq(parse(text, &err, &cfg), AS_CONFIG, "accepted: %s", text);
    cr_assert_null(cfg);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, want), "wanted '%s' in:\n%s", want, err);
    as_free(err);
}

Test(config, defaults_and_empty_files_load)
{
    as_config *cfg = NULL;
    char *err = NULL;
    cr_assert_eq(as_config_load(&cfg, NULL, &err), AS_OK, "%s", err);
    cr_assert_str_eq(as_config_source(cfg), "(built-in defaults)");
    cr_assert_eq(cfg->business.utc_offset, 480);
    as_config_free(cfg);
    cr_assert_eq(parse("", &err, &cfg), AS_OK);
    cr_assert_eq(cfg->business.utc_offset, 480, "an empty file takes every default");
    as_config_free(cfg);
    cr_assert_eq(parse("# only a comment\n", &err, &cfg), AS_OK);
    as_config_free(cfg);
    as_config_free(NULL);
}

Test(config, business_timezone)
{
    as_config *cfg;
    char *err = NULL;
    cr_assert_eq(parse("business:\n  timezone: UTC\n", &err, &cfg), AS_OK, "%s", err);
    cr_assert_eq(cfg->business.utc_offset, 0);
    as_config_free(cfg);
    cr_assert_eq(parse("business:\n  timezone: \"-05:30\"\n", &err, &cfg), AS_OK, "%s", err);
    cr_assert_eq(cfg->business.utc_offset, -330);
    as_config_free(cfg);
    expect_error("business:\n  timezone: Mars/Olympus\n", "c.yaml:2:13: 'Mars/Olympus' is not a time zone");
    expect_error("business:\n  timezone: \"+15:00\"\n", "c.yaml:2:13:");
}

Test(config, errors_carry_line_and_column)
{
    expect_error("business:\n  timezone: UTC\n  extra: 1\n", "c.yaml:3:3: unknown key 'extra' in business");
    expect_error("nosuch: {}\n", "c.yaml:1:1: unknown section 'nosuch'");
    expect_error("business: [1, 2]\n", "c.yaml:1:11: business must be a mapping");
    expect_error("business:\n  timezone: UTC\n  timezone: UTC\n", "c.yaml:3:3: duplicate key 'timezone'");
    expect_error("business: [\n", "c.yaml:2:1:");
    expect_error("- a\n- b\n", "c.yaml:1:1: the configuration must be a mapping");
    expect_error("a: 1\n---\nb: 2\n", "more than one YAML document");
}

Test(config, every_problem_is_reported_not_only_the_first)
{
    char *err = NULL;
    as_config *cfg;
    cr_assert_eq(parse("business:\n  extra: 1\n  timezone: Nowhere\nother: 1\n", &err, &cfg), AS_CONFIG);
    cr_assert_not_null(strstr(err, ":2:3:"), "%s", err);
    cr_assert_not_null(strstr(err, ":3:13:"), "%s", err);
    cr_assert_not_null(strstr(err, ":4:1:"), "%s", err);
    as_free(err);
}

Test(config, aliases_and_anchors_are_refused)
{
    expect_error("a: &x [1, 2]\nb: *x\n", "anchors (&x) are not supported");
    /* The classic billion-laughs shape never expands. */
    expect_error("a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n",
                 "not supported");
}

Test(config, deep_nesting_is_refused)
{
    char text[1024] = "business: ";
    for (int i = 0; i < 100; i++)
        strcat(text, "[");
    for (int i = 0; i < 100; i++)
        strcat(text, "]");
    expect_error(text, "nesting deeper than 64 levels");
}

Test(config, invalid_utf8_is_located)
{
    expect_error("business:\n  timezone: \xff\n", "c.yaml:2:13: invalid UTF-8");
}

Test(config, value_readers)
{
    as__cfgctx c = {.file = "v.yaml"};
    as__ynode n = {.kind = AS_Y_SCALAR, .line = 1, .col = 1};
    int64_t secs;
    const struct { const char *text; int64_t want; } durations[] = {
        {"90s", 90}, {"30m", 1800}, {"30min", 1800}, {"2h", 7200}, {"1d", 86400},
        {"1h30m", 5400}, {"600", 600}, {"0", 0},
    };
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        n.value = (char *)durations[i].text;
        cr_assert_eq(as__cfg_duration(&c, &n, &secs), 0, "%s", durations[i].text);
        cr_assert_eq(secs, durations[i].want, "%s", durations[i].text);
    }
    const char *bad[] = {"", "h", "2x", "1.5h", "-1h", "2h 30m", "99999999999d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n.value = (char *)bad[i];
        cr_assert_eq(as__cfg_duration(&c, &n, &secs), -1, "'%s' accepted", bad[i]);
    }
    long long v;
    n.value = "42";
    cr_assert_eq(as__cfg_int(&c, &n, 0, 100, &v), 0);
    cr_assert_eq(v, 42);
    n.value = "420";
    cr_assert_eq(as__cfg_int(&c, &n, 0, 100, &v), -1);
    n.value = "4x";
    cr_assert_eq(as__cfg_int(&c, &n, 0, 100, &v), -1);
    double d;
    n.value = "0.25";
    cr_assert_eq(as__cfg_real(&c, &n, 0, 1, &d), 0);
    cr_assert_float_eq(d, 0.25, 1e-12);
    n.value = "nan";
    cr_assert_eq(as__cfg_real(&c, &n, 0, 1, &d), -1);
    int b;
    n.value = "yes";
    cr_assert_eq(as__cfg_bool(&c, &n, &b), 0);
    cr_assert_eq(b, 1);
    n.value = "perhaps";
    cr_assert_eq(as__cfg_bool(&c, &n, &b), -1);
    cr_assert(c.nerrors >= 6);
    cr_assert_not_null(strstr(c.errors.data, "v.yaml:1:1:"));
    as__buf_free(&c.errors);
}

Test(config, load_from_files)
{
    th_db_path();
    as_config *cfg;
    char *err = NULL;
    char missing[400];
    snprintf(missing, sizeof missing, "%s/none.yaml", th_dir);
    cr_assert_eq(as_config_load(&cfg, missing, &err), AS_NOFILE);
    cr_assert_not_null(strstr(err, "none.yaml"));
    as_free(err);
    const char *good = th_write("good.yaml", "business:\n  timezone: UTC\n", 26);
    cr_assert_eq(as_config_load(&cfg, good, &err), AS_OK, "%s", err);
    cr_assert_str_eq(as_config_source(cfg), good);

    /* A handle uses the configuration's time zone. */
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    o.flags = AS_OPEN_CREATE;
    o.config = cfg;
    as_db *db;
    char path[400];
    snprintf(path, sizeof path, "%s/c.db", th_dir);
    cr_assert_eq(as_open(&db, path, &o, NULL), AS_OK);
    cr_assert_eq(as_db_utc_offset(db), 0);
    as_close(db);
    as_config_free(cfg);
}
