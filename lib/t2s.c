/* t2s.c - folding traditional Chinese characters to simplified. */
#include "t2s.h"

#include <stdlib.h>
#include <string.h>

uint32_t as__t2s_char(uint32_t cp)
{
    if (cp < 0x3400)
        return cp;
    if (cp < 0x10000 && !(as__t2s_table_bmp[cp >> 3] & (1u << (cp & 7))))
        return cp;
    size_t lo = 0, hi = as__t2s_table_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (as__t2s_table[mid].from < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < as__t2s_table_count && as__t2s_table[lo].from == cp ? as__t2s_table[lo].to : cp;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

as_status as__t2s_fold(const char *text, size_t len, char **out, size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)text;
    *out = NULL;
    *outlen = len;
    /* Find the first character that folds; most texts have none. */
    size_t i = 0, first = len;
    while (i < len) {
        if (s[i] < 0xE3) {   /* below U+3000: ASCII and the scripts before CJK */
            i += s[i] < 0x80 ? 1 : s[i] < 0xE0 ? 2 : 3;
            continue;
        }
        uint32_t cp;
        size_t n = as__utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            i++;
            continue;
        }
        if (as__t2s_char(cp) != cp) {
            first = i;
            break;
        }
        i += n;
    }
    if (first == len)
        return AS_OK;
    /* A folded character takes at most one byte more than its original
     * (three bytes become four), and only characters of three bytes or
     * more fold: 4/3 of the length is enough. */
    char *buf = malloc(len + len / 3 + 4);
    if (!buf)
        return AS_NOMEM;
    memcpy(buf, text, first);
    size_t o = first;
    for (i = first; i < len;) {
        uint32_t cp;
        size_t n = as__utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            buf[o++] = (char)s[i++];
            continue;
        }
        uint32_t f = as__t2s_char(cp);
        if (f == cp) {
            memcpy(buf + o, s + i, n);
            o += n;
        } else {
            o += put_utf8(buf + o, f);
        }
        i += n;
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return AS_OK;
}
