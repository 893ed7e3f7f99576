/* test_text.c - value checks of lib/text.c: phone numbers, regions, quiet
 * hours, plates, fuel grades, UTF-8 validation and normalisation, and the
 * internal helpers as__parse_bool and as__check_id. */
#include "internal.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- as_phone_normalize -------------------------------------------- */

Test(phone, normalize_valid)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"13800138000", "13800138000"},
        {"+8613800138000", "13800138000"},
        {"008613800138000", "13800138000"},
        {"138-0013-8000", "13800138000"},
        {"138 0013 8000", "13800138000"},
        {"+86 138 0013 8000", "13800138000"},
        {"+86-138-0013-8000", "13800138000"},
        {" 13800138000 ", "13800138000"},
        {"19912345678", "19912345678"},
        {"13012345678", "13012345678"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[12];
        memset(out, 'x', sizeof out);
        cr_assert_eq(as_phone_normalize(cases[i].in, out), AS_OK, "'%s' should be valid",
                     cases[i].in);
        cr_assert_str_eq(out, cases[i].want, "'%s'", cases[i].in);
    }
}

Test(phone, normalize_invalid)
{
    static const char *const cases[] = {
        "1380013800",      /* 10 digits */
        "138001380001",    /* 12 digits */
        "12800138000",     /* 12x is not a mobile prefix */
        "11800138000",     /* 11x neither */
        "10800138000",
        "23800138000",     /* does not start with 1 */
        "1380013800a",     /* a letter */
        "138OO138000",     /* letter O for zero */
        "+113800138000",   /* another country */
        "+1 415 555 0100",
        "+85213800138000", /* Hong Kong prefix */
        "",
        "+86",
        "0086",
        "   ",
        "138.0013.8000",   /* dots are not ignored */
        "13800138000\n",
        "1380013800000000000000000000000000000000", /* longer than the buffer */
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[12] = "";
        cr_assert_eq(as_phone_normalize(cases[i], out), AS_INVALID, "'%s' should be invalid",
                     cases[i]);
    }
}

Test(phone, normalize_null_is_misuse)
{
    char out[12];
    cr_assert_eq(as_phone_normalize(NULL, out), AS_MISUSE);
    cr_assert_eq(as_phone_normalize("13800138000", NULL), AS_MISUSE);
}

/* ---- as_phone_mask ------------------------------------------------- */

Test(phone, mask)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"13800138000", "138****8000"},
        {"19912345678", "199****5678"},
        {"1380013800", "****"},     /* 10 digits */
        {"138001380001", "****"},   /* 12 digits */
        {"1380013800a", "****"},    /* not all digits */
        {"138-0013-80", "****"},
        {"", "****"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[12];
        memset(out, 'x', sizeof out);
        char *r = as_phone_mask(cases[i].in, out);
        cr_assert_eq(r, out, "returns its buffer");
        cr_assert_str_eq(out, cases[i].want, "mask of '%s'", cases[i].in);
    }
    char out[12];
    memset(out, 'x', sizeof out);
    cr_assert_str_eq(as_phone_mask(NULL, out), "****");
}

/* ---- as_region_check ----------------------------------------------- */

Test(region, check)
{
    static const struct {
        const char *code;
        as_status want;
    } cases[] = {
        {"530102", AS_OK},      /* 昆明市五华区 */
        {"530100", AS_OK},      /* a city */
        {"530000", AS_OK},      /* a province */
        {"110000", AS_OK},      /* 北京 */
        {"650000", AS_OK},      /* 新疆 */
        {"710000", AS_OK},      /* 台湾 */
        {"810000", AS_OK},      /* 香港 */
        {"820000", AS_OK},      /* 澳门 */
        {"990000", AS_INVALID}, /* no province 99 */
        {"100000", AS_INVALID}, /* no province 10 */
        {"000000", AS_INVALID},
        {"240000", AS_INVALID},
        {"12345", AS_INVALID},
        {"1234567", AS_INVALID},
        {"53010a", AS_INVALID},
        {"5301 2", AS_INVALID},
        {" 530102", AS_INVALID},
        {"-53010", AS_INVALID},
        {"", AS_INVALID},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        cr_assert_eq(as_region_check(cases[i].code), cases[i].want, "region '%s': %d, want %d",
                     cases[i].code, as_region_check(cases[i].code), cases[i].want);
    cr_assert_neq(as_region_check(NULL), AS_OK);
}

/* ---- as_quiet_hours_parse ------------------------------------------ */

Test(quiet_hours, valid)
{
    static const struct {
        const char *in;
        int start, end;
    } cases[] = {
        {"22:00-08:00", 1320, 480},
        {"9:30-10:00", 570, 600},
        {"09:30-10:00", 570, 600},
        {"00:00-23:59", 0, 1439},
        {"23:59-00:00", 1439, 0},
        {"12:00-13:00", 720, 780},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int s = -7, e = -7;
        cr_assert_eq(as_quiet_hours_parse(cases[i].in, &s, &e), AS_OK, "'%s' should be valid",
                     cases[i].in);
        cr_assert_eq(s, cases[i].start, "'%s' start %d", cases[i].in, s);
        cr_assert_eq(e, cases[i].end, "'%s' end %d", cases[i].in, e);
    }
}

Test(quiet_hours, invalid)
{
    static const char *const cases[] = {
        "24:00-08:00", "22:60-08:00", "22:00-24:00", "22:00-08:60", "22:00-22:00",
        "00:00-00:00", "22:00", "22:00-", "-08:00", "", "22-08", "22:0-08:00",
        "22:00-8:0", "22:00-08:00x", "22:00 - 08:00", "22:00–08:00" /* en dash */,
        "a2:00-08:00", "222:00-08:00", "22:000-08:00",
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int s = -7, e = -7;
        cr_assert_eq(as_quiet_hours_parse(cases[i], &s, &e), AS_INVALID,
                     "'%s' should be invalid", cases[i]);
        cr_assert_eq(s, -7, "'%s': start written on failure", cases[i]);
        cr_assert_eq(e, -7, "'%s': end written on failure", cases[i]);
    }
}

Test(quiet_hours, full_width)
{
    int s = -7, e = -7;
    cr_assert_eq(as_quiet_hours_parse("２２：００－０８：００", &s, &e), AS_OK);
    cr_assert_eq(s, 1320);
    cr_assert_eq(e, 480);
    cr_assert_eq(as_quiet_hours_parse("２２:００-８:３０", &s, &e), AS_OK);
    cr_assert_eq(e, 510);
    cr_assert_eq(as_quiet_hours_parse("２２：００至０８：００", &s, &e), AS_INVALID);
}

Test(quiet_hours, null_is_misuse)
{
    int s, e;
    cr_assert_eq(as_quiet_hours_parse(NULL, &s, &e), AS_MISUSE);
    cr_assert_eq(as_quiet_hours_parse("22:00-08:00", NULL, &e), AS_MISUSE);
    cr_assert_eq(as_quiet_hours_parse("22:00-08:00", &s, NULL), AS_MISUSE);
}

/* ---- as_plate_normalize -------------------------------------------- */

Test(plate, valid)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"云A12345", "云A12345"},
        {"云a 12345", "云A12345"},
        {"云Ａ１２３４５", "云A12345"},             /* full-width upper */
        {"云ａ１２３４５", "云A12345"},             /* full-width lower */
        {"京·A-12345", "京A12345"},                 /* middle dot U+00B7 and dash */
        {"京A.12345", "京A12345"},
        {"京\tA 1 2 3 4 5", "京A12345"},
        {"粤B1234学", "粤B1234学"},
        {"云A1234警", "云A1234警"},
        {"粤Z1234港", "粤Z1234港"},
        {"京ABC123", "京ABC123"},                   /* letters among the five */
        {"京AD12345", "京AD12345"},                 /* new energy, small: letter third */
        {"京AF12345", "京AF12345"},
        {"京AK12345", "京AK12345"},
        {"京A12345D", "京A12345D"},                 /* new energy, large: D/F last */
        {"京A12345F", "京A12345F"},
        {"京ad12345", "京AD12345"},
        {"沪A12345", "沪A12345"},
        {"琼A12345", "琼A12345"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char *out = (char *)0x1;
        cr_assert_eq(as_plate_normalize(cases[i].in, &out), AS_OK, "'%s' should be valid",
                     cases[i].in);
        cr_assert_not_null(out);
        cr_assert_str_eq(out, cases[i].want, "'%s' -> '%s'", cases[i].in, out);
        as_free(out);
    }
}

Test(plate, invalid)
{
    static const char *const cases[] = {
        "京AZ12345",   /* 8 chars: Z third and 5 last is neither new-energy form */
        "京A123456",   /* 8 chars of digits */
        "京AI12345",
        "X A12345",    /* not a province */
        "A A12345",
        "港A12345",    /* 港 is a suffix, not a province */
        "云A1234",     /* too short */
        "云A",
        "云",
        "云A1234567",  /* too long */
        "云A12345678901234567890",
        "云112345",    /* second character a digit */
        "云学12345",
        "云A学2345",   /* suffix not last */
        "云A12345学",  /* suffix on an 8-character plate */
        "云A1234京",   /* not a suffix */
        "云A1234_",
        "",
        "   ",
        "云A12\xFF" "45", /* invalid UTF-8 */
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char *out = (char *)0x1;
        cr_assert_eq(as_plate_normalize(cases[i], &out), AS_INVALID, "'%s' should be invalid",
                     cases[i]);
        cr_assert_null(out, "'%s': out must be NULL on failure", cases[i]);
    }
}

Test(plate, null_is_misuse)
{
    char *out = NULL;
    cr_assert_eq(as_plate_normalize(NULL, &out), AS_MISUSE);
    cr_assert_eq(as_plate_normalize("云A12345", NULL), AS_MISUSE);
}

/* ---- as_grade_normalize -------------------------------------------- */

Test(grade, valid)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"95", "95"},   {"95#", "95"},   {"95号", "95"},  {" 92 ", "92"},  {"92#", "92"},
        {"89", "89"},   {"90", "90"},    {"93", "93"},    {"97", "97"},    {"98", "98"},
        {"100", "100"}, {"100#", "100"}, {"0", "0"},      {"0#", "0"},     {"0号", "0"},
        {"-10#", "-10"}, {"-10", "-10"}, {"-20", "-20"},  {"-35#", "-35"}, {"-50", "-50"},
        {"e92", "E92"}, {"E95", "E95"},  {"e98#", "E98"}, {"cng", "CNG"},  {"LNG", "LNG"},
        {"lng", "LNG"}, {"ev", "EV"},    {"EV", "EV"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[8];
        memset(out, 'x', sizeof out);
        cr_assert_eq(as_grade_normalize(cases[i].in, out), AS_OK, "'%s' should be valid",
                     cases[i].in);
        cr_assert_str_eq(out, cases[i].want, "'%s'", cases[i].in);
    }
}

Test(grade, invalid)
{
    static const char *const cases[] = {
        "91", "", "   ", "abc", "#", "号", "95##", "-95", "10", "-0", "E93", "E", "92 号x",
        "CNGG", "95 95", "0000000000000000000000095",
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[8];
        cr_assert_eq(as_grade_normalize(cases[i], out), AS_INVALID, "'%s' should be invalid",
                     cases[i]);
    }
    char out[8];
    cr_assert_eq(as_grade_normalize(NULL, out), AS_MISUSE);
}

/* ---- as_utf8_check ------------------------------------------------- */

Test(utf8, valid)
{
    static const char *const cases[] = {
        "",
        "hello, world",
        "云A12345 加油站",
        "\xF0\x9F\x98\x80",                 /* U+1F600 emoji */
        "\xC2\x80",                         /* U+0080, smallest 2-byte */
        "\xDF\xBF",                         /* U+07FF */
        "\xE0\xA0\x80",                     /* U+0800, smallest 3-byte */
        "\xED\x9F\xBF",                     /* U+D7FF, just below the surrogates */
        "\xEE\x80\x80",                     /* U+E000, just above */
        "\xEF\xBF\xBF",                     /* U+FFFF */
        "\xF0\x90\x80\x80",                 /* U+10000 */
        "\xF4\x8F\xBF\xBF",                 /* U+10FFFF, the last code point */
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        size_t bad = 12345;
        cr_assert_eq(as_utf8_check(cases[i], strlen(cases[i]), &bad), AS_OK, "case %zu", i);
        cr_assert_eq(as_utf8_check(cases[i], strlen(cases[i]), NULL), AS_OK, "case %zu", i);
    }
    /* Only len bytes are looked at: a prefix that stops before a bad byte. */
    cr_assert_eq(as_utf8_check("ab\xFF", 2, NULL), AS_OK);
}

Test(utf8, invalid_offsets)
{
    static const struct {
        const char *s;
        size_t len;
        size_t off;
    } cases[] = {
        {"\xC0\xAF", 2, 0},                 /* overlong '/' */
        {"ab\xC0\xAF", 4, 2},
        {"\xC1\xBF", 2, 0},                 /* overlong */
        {"\xE0\x80\xAF", 3, 0},             /* overlong 3-byte */
        {"\xF0\x80\x80\xAF", 4, 0},         /* overlong 4-byte */
        {"\xED\xA0\x80", 3, 0},             /* surrogate U+D800 */
        {"x\xED\xBF\xBF", 4, 1},            /* surrogate U+DFFF */
        {"\xE4\xB8", 2, 0},                 /* truncated 中 */
        {"\xE4\xB8" "a", 3, 0},             /* truncated, then ASCII */
        {"中\xE4\xB8", 5, 3},
        {"\x80", 1, 0},                     /* stray continuation */
        {"abc\x80xyz", 7, 3},
        {"\xBF", 1, 0},
        {"\xF5\x80\x80\x80", 4, 0},         /* beyond U+10FFFF lead */
        {"\xF4\x90\x80\x80", 4, 0},         /* U+110000 */
        {"\xFE", 1, 0},
        {"\xFF", 1, 0},
        {"ab\0cd", 5, 2},                   /* embedded NUL within len */
        {"\0", 1, 0},
        {"中文\0", 7, 6},
        {"\xC3", 1, 0},                     /* 2-byte lead at the end */
        {"\xC3" "A", 2, 0},
        {"\xF0\x9F\x98", 3, 0},             /* truncated emoji */
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        size_t bad = 12345;
        cr_assert_eq(as_utf8_check(cases[i].s, cases[i].len, &bad), AS_INVALID,
                     "case %zu should be invalid", i);
        cr_assert_eq(bad, cases[i].off, "case %zu: offset %zu, want %zu", i, bad, cases[i].off);
        cr_assert_eq(as_utf8_check(cases[i].s, cases[i].len, NULL), AS_INVALID,
                     "case %zu with NULL offset", i);
    }
}

/* ---- as__text_nfc / as__text_nfkc_fold ----------------------------- */

Test(text, nfc)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"e\xCC\x81", "\xC3\xA9"},                         /* e + U+0301 -> é */
        {"Cafe\xCC\x81 au lait", "Caf\xC3\xA9 au lait"},
        {"\xC3\xA9", "\xC3\xA9"},                         /* already composed */
        {"云南省昆明市", "云南省昆明市"},                 /* Chinese unchanged */
        {"ＡＢＣ", "ＡＢＣ"},                            /* NFC keeps full-width */
        {"\xE3\x81\x8B\xE3\x82\x99", "\xE3\x81\x8C"},     /* か + U+3099 -> が */
        {"\xEF\xA4\x80", "\xE8\xB1\x88"},                 /* U+F900 -> U+8C48 */
        {"plain ascii", "plain ascii"},
        {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
        {"", ""},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char *out = NULL;
        char why[128] = "";
        cr_assert_eq(as__text_nfc(cases[i].in, strlen(cases[i].in), &out, why, sizeof why), AS_OK,
                     "case %zu: %s", i, why);
        cr_assert_not_null(out);
        cr_assert_str_eq(out, cases[i].want, "case %zu", i);
        free(out);
    }
    /* len, not the NUL, ends the input. */
    char *out = NULL;
    char why[128] = "";
    cr_assert_eq(as__text_nfc("e\xCC\x81xyz", 3, &out, why, sizeof why), AS_OK);
    cr_assert_str_eq(out, "\xC3\xA9");
    free(out);
}

Test(text, nfc_invalid)
{
    static const struct {
        const char *in;
        size_t len;
    } cases[] = {
        {"ab\xFF", 3},
        {"\xC0\xAF", 2},
        {"\xED\xA0\x80", 3},
        {"ab\0cd", 5},
        {"\xE4\xB8", 2},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char *out = (char *)0x1;
        char why[128] = "";
        cr_assert_eq(as__text_nfc(cases[i].in, cases[i].len, &out, why, sizeof why), AS_INVALID,
                     "case %zu", i);
        cr_assert_null(out, "case %zu", i);
        cr_assert_not_null(strstr(why, "byte"), "case %zu: reason '%s'", i, why);
        out = (char *)0x1;
        why[0] = '\0';
        cr_assert_eq(as__text_nfkc_fold(cases[i].in, cases[i].len, &out, why, sizeof why),
                     AS_INVALID, "fold case %zu", i);
        cr_assert_null(out, "fold case %zu", i);
        cr_assert_not_null(strstr(why, "byte"), "fold case %zu: reason '%s'", i, why);
    }
}

Test(text, nfkc_fold)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"ＡＢＣ", "abc"},
        {"ａｂｃ１２３", "abc123"},
        {"Hello", "hello"},
        {"STRASSE", "strasse"},
        {"e\xCC\x81", "\xC3\xA9"},
        {"\xC3\x89", "\xC3\xA9"},                   /* É -> é */
        {"云南", "云南"},
        {"\xE2\x91\xA0", "1"},                      /* circled digit one */
        {"", ""},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char *out = NULL;
        char why[128] = "";
        cr_assert_eq(as__text_nfkc_fold(cases[i].in, strlen(cases[i].in), &out, why, sizeof why),
                     AS_OK, "case %zu: %s", i, why);
        cr_assert_not_null(out);
        cr_assert_str_eq(out, cases[i].want, "case %zu", i);
        free(out);
    }
}

Test(text, utf8_chars)
{
    cr_assert_eq(as__utf8_chars(""), 0);
    cr_assert_eq(as__utf8_chars("abc"), 3);
    cr_assert_eq(as__utf8_chars("云南"), 2);
    cr_assert_eq(as__utf8_chars("a\xF0\x9F\x98\x80" "b"), 3);
}

/* ---- as__parse_bool ------------------------------------------------ */

Test(text, parse_bool)
{
    static const struct {
        const char *in;
        int want;
    } cases[] = {
        {"yes", 1},  {"YES", 1},   {"Yes", 1},  {"y", 1},     {"Y", 1},    {"true", 1},
        {"TRUE", 1}, {"1", 1},     {"是", 1},   {"on", 1},    {"no", 0},   {"NO", 0},
        {"n", 0},    {"N", 0},     {"false", 0}, {"False", 0}, {"0", 0},   {"否", 0},
        {"off", 0},  {"", -1},     {"2", -1},   {"yess", -1}, {" yes", -1}, {"ye", -1},
        {"t", -1},   {"f", -1},    {"是的", -1}, {"-1", -1},  {"01", -1},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        cr_assert_eq(as__parse_bool(cases[i].in), cases[i].want, "'%s': %d, want %d",
                     cases[i].in, as__parse_bool(cases[i].in), cases[i].want);
}

/* ---- as__check_id -------------------------------------------------- */

Test(text, check_id)
{
    char id64[65], id65[66];
    memset(id64, 'a', 64);
    id64[64] = '\0';
    memset(id65, 'a', 65);
    id65[65] = '\0';

    static const char *const good[] = {
        "U1", "用户-7", "a", "user_42@example", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "\xF0\x9F\x98\x80",
    };
    for (size_t i = 0; i < N_ELEMS(good); i++) {
        char why[256] = "";
        cr_assert_eq(as__check_id(good[i], why, sizeof why), AS_OK, "'%s': %s", good[i], why);
    }
    char why[256] = "";
    cr_assert_eq(as__check_id(id64, why, sizeof why), AS_OK, "64 bytes: %s", why);

    static const char *const bad[] = {
        "",
        "U 1",
        "U\t1",
        "U\n1",
        " U1",
        "U1 ",
        "U\x7F" "1",                /* DEL */
        "U\xE3\x80\x80" "1",        /* U+3000 ideographic space */
        "U\xC2\xA0" "1",            /* U+00A0 no-break space */
        "U\xC2\x85" "1",            /* U+0085 next line */
        "U\xE2\x80\x8B" "1",        /* U+200B zero-width space */
        "U\xE2\x80\xA8" "1",        /* U+2028 line separator */
        "U\xEF\xBB\xBF" "1",        /* U+FEFF */
        "U\xFF" "1",                /* invalid UTF-8 */
        "U\xC0\xAF",
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        why[0] = '\0';
        cr_assert_eq(as__check_id(bad[i], why, sizeof why), AS_INVALID, "bad case %zu", i);
        cr_assert_neq(why[0], '\0', "bad case %zu: no reason given", i);
    }
    why[0] = '\0';
    cr_assert_eq(as__check_id(id65, why, sizeof why), AS_INVALID, "65 bytes");
    cr_assert_not_null(strstr(why, "65"), "reason '%s' should give the length", why);

    /* 64 bytes made of 3-byte characters plus one byte is 65: too long even
     * though it is only 22 characters. */
    char cjk[70] = "";
    for (int i = 0; i < 21; i++)
        strcat(cjk, "用");
    strcat(cjk, "ab");
    cr_assert_eq(strlen(cjk), 65);
    cr_assert_eq(as__check_id(cjk, why, sizeof why), AS_INVALID);
    cjk[64] = '\0';
    cr_assert_eq(as__check_id(cjk, why, sizeof why), AS_OK, "%s", why);
}

/* ---- as__fold_fullwidth ------------------------------------------------ */

Test(text, fold_fullwidth)
{
    char buf[AS__FOLD_MAX];
    const char *ascii = "2026-11-24 09:00";
    cr_assert_eq(as__fold_fullwidth(ascii, buf, sizeof buf), ascii, "ASCII is not copied");
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"０１２３４５６７８９", "0123456789"},
        {"＋－．／：", "+-./:"},
        {"１２．５０", "12.50"},
        {"a　b", "a b"},                          /* U+3000 */
        {"１，０００", "1，000"},                  /* the full-width comma stays */
        {"Ｔ０９。", "Ｔ09。"},                      /* letters and 。 stay */
        {"中文５", "中文5"},
        {"\xEF\xBC", "\xEF\xBC"},              /* a cut sequence is copied */
        {"\xE3\x80", "\xE3\x80"},
        {"", ""},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        const char *got = as__fold_fullwidth(cases[i].in, buf, sizeof buf);
        cr_assert_not_null(got, "'%s'", cases[i].in);
        cr_assert_str_eq(got, cases[i].want, "'%s'", cases[i].in);
    }
    /* Exactly what fits, and one byte more. */
    cr_assert_str_eq(as__fold_fullwidth("１２３", buf, 4), "123");
    cr_assert_null(as__fold_fullwidth("１２３４", buf, 4));
    cr_assert_null(as__fold_fullwidth("abcd５", buf, 4));
    cr_assert_str_eq(as__fold_fullwidth("abc", buf, 1), "abc", "ASCII needs no room");
    /* Each of the 16 folded characters becomes its NFKC form. */
    const char *all = "０１２３４５６７８９＋－．／：　";
    char *nfkc = NULL;
    char why[64];
    cr_assert_eq(as__text_nfkc_fold(all, strlen(all), &nfkc, why, sizeof why), AS_OK);
    cr_assert_str_eq(as__fold_fullwidth(all, buf, sizeof buf), nfkc);
    free(nfkc);
}

/* ---- phones written in free text (issue 12, point 2) ---------------- */

Test(text, phones_in_free_text_are_masked)
{
    static const struct {
        const char *in, *want;
        size_t n;
    } cases[] = {
        {"请打13912345678联系我", "请打139****5678联系我", 1},
        {"电话 139 1234 5678。", "电话 139 **** 5678。", 1},
        {"139-1234-5678", "139-****-5678", 1},
        {"+86 139 1234 5678", "+86 139 **** 5678", 1},
        {"+8613912345678", "+86139****5678", 1},
        {"0086-139-1234-5678", "0086-139-****-5678", 1},
        {"8613912345678", "86139****5678", 1},
        {"１３９１２３４５６７８", "１３９＊＊＊＊５６７８", 1},
        {"139　1234　5678", "139　****　5678", 1},
        {"两个：13912345678 13812345678", "两个：139****5678 138****5678", 2},
        {"订单 12 13912345678", "订单 12 139****5678", 1},
        /* Found by fuzzing: 8613912342139 is spelled first, and the real
         * number after it must not be left out. */
        {"+86 139 1234 2-139-1234-5678", "+86 139 **** 2-139-****-5678", 2},
        /* Not phones: other numbers, a phone glued to digits, 12xxx. */
        {"订单号202611241391234567890", "订单号202611241391234567890", 0},
        {"12912345678", "12912345678", 0},
        {"2026-11-24 13:45", "2026-11-24 13:45", 0},
        {"1391234567", "1391234567", 0},
        {"139123456789", "139123456789", 0},
        {"139  1234 5678", "139  1234 5678", 0},   /* two spaces break the number */
        {"", "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        size_t n = as_text_mask_phones(buf);
        cr_assert_str_eq(buf, cases[i].want, "'%s'", cases[i].in);
        cr_assert_eq(n, cases[i].n, "'%s': %zu found", cases[i].in, n);
        cr_assert_eq(strlen(buf), strlen(cases[i].in), "the length is kept");
    }
    /* Runs that split 7 + 4 digits still make one number. */
    char split[] = "1391234 5678";
    cr_assert_eq(as_text_mask_phones(split), 1);
    cr_assert_str_eq(split, "139**** 5678");
    cr_assert_eq(as_text_mask_phones(NULL), 0);
}

static int collect_hit(void *ctx, const as__phone_hit *h)
{
    char *out = ctx;
    size_t len = strlen(out);
    snprintf(out + len, 256 - len, "%s@%zu-%zu|", h->digits, h->start, h->end);
    return 0;
}

Test(text, phone_scan_reports_the_written_span)
{
    char out[256] = "";
    const char *t = "a +86 139-1234-5678 b １３９１２３４５６７８";
    cr_assert_eq(as__phone_scan(t, strlen(t), collect_hit, out), 2);
    cr_assert_str_eq(out, "13912345678@2-19|13912345678@22-55|", "%s", out);
}

/* as__text_nfkc_fold's and as__text_nfkc's table-free path for the common case (ASCII, CJK,
 * common CJK punctuation, full-width ASCII) gives exactly what utf8proc's
 * NFKC with case folding gives, on random mixes of those and of characters
 * that need utf8proc (which then does all the work). */
Test(text, nfkc_fold_quick_path_equals_utf8proc)
{
    static const int32_t pool[] = {
        'a', 'Z', 'q', 'M', '0', '9', ' ', '!', '~', '\t', 0x4E00, 0x6CB9, 0x9FFF, 0x3400,
        0x4DBF, 0x3001, 0x3002, 0x3008, 0x3011, 0xFF01, 0xFF21, 0xFF3A, 0xFF41, 0xFF10, 0xFF5E,
        /* these need utf8proc */
        0x3000, 0x3012, 0x3036, 0x00C9, 0x0301, 0x00B5, 0xF900, 0x2160, 0xFF5F, 0xFF61, 0x1F600,
        0x00DF, 0x0130, 0x212B};
    const size_t npool = sizeof pool / sizeof pool[0];
    unsigned seed = 20261129u;
    for (int round = 0; round < 3000; round++) {
        char in[256];
        size_t len = 0;
        int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 24;
        int hard = round % 3 == 0;   /* a third of the strings may need utf8proc */
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t pick = (seed >> 16) % (hard ? npool : 25);
            len += (size_t)utf8proc_encode_char(pool[pick], (utf8proc_uint8_t *)in + len);
        }
        in[len] = '\0';
        char *got = NULL, why[64];
        cr_assert_eq(as__text_nfkc_fold(in, len, &got, why, sizeof why), AS_OK, "%s", why);
        utf8proc_uint8_t *want = NULL;
        cr_assert_geq(utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len, &want,
                                   UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                       UTF8PROC_CASEFOLD),
                      0);
        cr_assert_str_eq(got, (const char *)want, "round %d: '%s'", round, in);
        free(got);
        free(want);
        /* NFKC alone (plates): the same path without folding. */
        cr_assert_eq(as__text_nfkc(in, len, &got, why, sizeof why), AS_OK, "%s", why);
        cr_assert_geq(utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len, &want,
                                   UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT),
                      0);
        cr_assert_str_eq(got, (const char *)want, "round %d (no folding): '%s'", round, in);
        free(got);
        free(want);
    }
}
