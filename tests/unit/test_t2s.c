/* test_t2s.c - folding traditional Chinese characters to simplified. */
#include "t2s.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *fold(const char *in)
{
    char *out = NULL;
    size_t n = 0;
    cr_assert_eq(as__t2s_fold(in, strlen(in), &out, &n), AS_OK);
    if (!out)
        return strdup(in);
    cr_assert_eq(strlen(out), n);
    return out;
}

Test(t2s, folds_characters)
{
    char *s = fold("服務很差，油加錯了");
    cr_assert_str_eq(s, "服务很差，油加错了");
    free(s);
    s = fold("臺灣的會員積分、優惠券與發票");
    cr_assert_str_eq(s, "台湾的会员积分、优惠券与发票");
    free(s);
}

Test(t2s, leaves_other_text_alone)
{
    char *out = (char *)1;
    size_t n = 0;
    const char *simple = "服务很差 ok 😀 abc";
    cr_assert_eq(as__t2s_fold(simple, strlen(simple), &out, &n), AS_OK);
    cr_assert_null(out, "nothing to fold: no copy");
    cr_assert_eq(n, strlen(simple));
    cr_assert_eq(as__t2s_fold("", 0, &out, &n), AS_OK);
    cr_assert_null(out);
    /* 著 has two simplified readings: OpenCC's character table keeps it. */
    cr_assert_eq(as__t2s_char(0x8457), 0x8457);
    cr_assert_eq(as__t2s_char('A'), 'A');
}

Test(t2s, invalid_bytes_are_copied)
{
    const char in[] = "務\xff錯\xe5";
    char *out = NULL;
    size_t n = 0;
    cr_assert_eq(as__t2s_fold(in, sizeof in - 1, &out, &n), AS_OK);
    cr_assert_not_null(out);
    cr_assert_eq(n, 3 + 1 + 3 + 1);
    cr_assert_eq(memcmp(out, "务\xff错\xe5", n), 0);
    free(out);
}

Test(t2s, a_bmp_character_folding_to_a_supplementary_one)
{
    /* U+344E 㑮 folds to U+2B748 𫝈 (three bytes become four). */
    char *s = fold("㑮㑮㑮");
    cr_assert_str_eq(s, "𫝈𫝈𫝈");
    free(s);
}

Test(t2s, table_is_sorted_and_every_entry_found)
{
    cr_assert_gt(as__t2s_table_count, 4000);
    for (size_t i = 0; i < as__t2s_table_count; i++) {
        if (i)
            cr_assert_gt(as__t2s_table[i].from, as__t2s_table[i - 1].from);
        cr_assert_eq(as__t2s_char(as__t2s_table[i].from), as__t2s_table[i].to, "U+%04X",
                     (unsigned)as__t2s_table[i].from);
        cr_assert_neq(as__t2s_table[i].from, as__t2s_table[i].to);
    }
}
