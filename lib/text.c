/* text.c - UTF-8 validation and normalisation, and the checks of small
 * values: phone numbers, region codes, quiet hours, plates, fuel grades. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

/* ---- UTF-8 --------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid or NUL. */
static size_t utf8_seq(const unsigned char *s, size_t left, int32_t *cp)
{
    uint32_t u = 0;
    size_t n = as__utf8_decode(s, left, &u);
    *cp = (int32_t)u;
    return n;
}

/*
 * Find the first invalid UTF-8 sequence or NUL byte in s[0, n).  Returns
 * its offset (*nul set for a NUL), or n when the text is valid.
 */
size_t as__utf8_scan(const unsigned char *s, size_t n, int *nul)
{
    const uint64_t hi = 0x8080808080808080ull, lo = 0x0101010101010101ull;
    size_t i = 0;

    *nul = 0;
    for (;;) {
        /* ASCII without NUL, eight bytes at a time. */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if ((v | ((v - lo) & ~v)) & hi)
                break;
            i += 8;
        }
        if (i >= n)
            return n;
        unsigned b = s[i];
        if (b < 0x80) {
            if (b == 0) {
                *nul = 1;
                return i;
            }
            i++;
            continue;
        }
        size_t left = n - i - 1;
        if (b < 0xC2) {
            return i;        /* continuation byte or overlong C0/C1 */
        } else if (b < 0xE0) {
            if (left < 1 || (s[i + 1] & 0xC0) != 0x80)
                return i;
            i += 2;
        } else if (b < 0xF0) {
            unsigned lo2 = b == 0xE0 ? 0xA0 : 0x80;   /* overlong */
            unsigned hi2 = b == 0xED ? 0x9F : 0xBF;   /* surrogates */
            if (left < 2 || s[i + 1] < lo2 || s[i + 1] > hi2
                || (s[i + 2] & 0xC0) != 0x80)
                return i;
            i += 3;
        } else if (b < 0xF5) {
            unsigned lo2 = b == 0xF0 ? 0x90 : 0x80;   /* overlong */
            unsigned hi2 = b == 0xF4 ? 0x8F : 0xBF;   /* over U+10FFFF */
            if (left < 3 || s[i + 1] < lo2 || s[i + 1] > hi2
                || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
                return i;
            i += 4;
        } else {
            return i;
        }
    }
}

/* ---- full-width digits ------------------------------------------------ */

const char *as__fold_fullwidth(const char *in, char *buf, size_t bufsz)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0;
    while (s[i] && s[i] < 0x80)
        i++;
    if (!s[i])
        return in;
    if (i >= bufsz)
        return NULL;
    memcpy(buf, in, i);
    size_t o = i;
    while (s[i]) {
        unsigned char c = s[i++];
        if (c == 0xEF && s[i] == 0xBC &&
            (s[i + 1] == 0x8B || (s[i + 1] >= 0x8D && s[i + 1] <= 0x9A))) {
            c = (unsigned char)(s[i + 1] - 0x60);   /* U+FF0B..FF1A: '+'..':' */
            i += 2;
        } else if (c == 0xE3 && s[i] == 0x80 && s[i + 1] == 0x80) {
            c = ' ';                                  /* U+3000 */
            i += 2;
        }
        if (o + 1 >= bufsz)
            return NULL;
        buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return buf;
}

as_status as_utf8_check(const char *text, size_t len, size_t *bad_offset)
{
    if (!text)
        return AS_MISUSE;
    int nul;
    size_t bad = as__utf8_scan((const unsigned char *)text, len, &nul);
    if (bad == len)
        return AS_OK;
    if (bad_offset)
        *bad_offset = bad;
    return AS_INVALID;
}

size_t as__utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* True when every code point is one that NFC leaves alone and that no
 * following character composes with: ASCII/Latin-1, CJK, full-width forms
 * and emoji.  Lets the common case skip utf8proc's allocation. */
static int nfc_quick(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        size_t n = utf8_seq(s + i, len - i, &cp);
        if (n == 0)
            return 0;
        if (!(cp < 0x300 || (cp >= 0x3000 && cp <= 0x3098) || (cp >= 0x309B && cp <= 0x9FFF) ||
              (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x1F000 && cp <= 0x1FAFF)))
            return 0;
        i += n;
    }
    return 1;
}

/* NFKC (with case folding when fold), when every code point is one whose
 * result is known without tables: ASCII (letters lowered when folding), the
 * CJK ideographs of the BMP and extension A and the common CJK punctuation
 * (left alone), and the full-width ASCII forms (their ASCII): what a
 * Chinese comment or a plate is made of.  Returns the malloc'd result, or NULL with *fallback set when
 * the text needs utf8proc (NULL without it: out of memory).  in is valid
 * UTF-8 and len bytes long. */
static char *nfkc_quick(const unsigned char *in, size_t len, int fold, int *fallback)
{
    *fallback = 0;
    char *out = malloc(len + 1);   /* never longer: a full-width form is 3 bytes, its ASCII 1 */
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (in[i] < 0x80) {
            unsigned char c = in[i++];
            out[o++] = (char)(fold && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            continue;
        }
        int32_t cp;
        size_t n = utf8_seq(in + i, len - i, &cp);
        if (n == 0)
            break;
        if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
            cp == 0x3001 || cp == 0x3002 || (cp >= 0x3008 && cp <= 0x3011)) {
            memcpy(out + o, in + i, n);
            o += n;
        } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
            unsigned char c = (unsigned char)(cp - 0xFEE0);
            out[o++] = (char)(fold && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        } else {
            free(out);
            *fallback = 1;
            return NULL;
        }
        i += n;
    }
    out[o] = '\0';
    return out;
}

static as_status text_map(const char *in, size_t len, int options, char **out,
                          char *why, size_t whysz)
{
    size_t bad;
    *out = NULL;
    if (as_utf8_check(in, len, &bad) != AS_OK) {
        if (in[bad] == '\0')
            snprintf(why, whysz, "NUL byte at byte %zu", bad + 1);
        else
            snprintf(why, whysz, "invalid UTF-8 at byte %zu", bad + 1);
        return AS_INVALID;
    }
    if (options == (UTF8PROC_STABLE | UTF8PROC_COMPOSE) &&
        nfc_quick((const unsigned char *)in, len)) {
        *out = as__strndup(in, len);
        return *out ? AS_OK : AS_NOMEM;
    }
    int nfkc = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    if (options == nfkc || options == (nfkc | UTF8PROC_CASEFOLD)) {
        int fallback;
        if ((*out = nfkc_quick((const unsigned char *)in, len, options != nfkc, &fallback)) !=
            NULL)
            return AS_OK;
        if (!fallback)
            return AS_NOMEM;
    }
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len,
                                      &mapped, (utf8proc_option_t)options);
    if (n < 0) {
        free(mapped);
        if (n == UTF8PROC_ERROR_NOMEM)
            return AS_NOMEM;
        snprintf(why, whysz, "%s", utf8proc_errmsg(n));
        return AS_INVALID;
    }
    *out = (char *)mapped;
    return AS_OK;
}

as_status as__text_nfc(const char *in, size_t len, char **out, char *why, size_t whysz)
{
    return text_map(in, len, UTF8PROC_STABLE | UTF8PROC_COMPOSE, out, why, whysz);
}

as_status as__text_nfkc(const char *in, size_t len, char **out, char *why, size_t whysz)
{
    return text_map(in, len, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT, out, why,
                    whysz);
}

as_status as__text_nfkc_fold(const char *in, size_t len, char **out, char *why, size_t whysz)
{
    return text_map(in, len, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD,
                    out, why, whysz);
}

int as__parse_bool(const char *s)
{
    static const char *const yes[] = {"yes", "y", "true", "1", "是", "on"};
    static const char *const no[] = {"no", "n", "false", "0", "否", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    return -1;
}

as_status as__check_id(const char *s, char *why, size_t whysz)
{
    size_t len = strlen(s), bad;
    if (len == 0) {
        snprintf(why, whysz, "is empty");
        return AS_INVALID;
    }
    if (len > 64) {
        snprintf(why, whysz, "is %zu bytes long (at most 64)", len);
        return AS_INVALID;
    }
    if (as_utf8_check(s, len, &bad) != AS_OK) {
        snprintf(why, whysz, "invalid UTF-8 at byte %zu", bad + 1);
        return AS_INVALID;
    }
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = utf8_seq(p + i, len - i, &cp);
        if (cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0xA0) || cp == 0x3000 ||
            (cp >= 0x2000 && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) {
            snprintf(why, whysz, "'%s' contains a space or control character at byte %zu", s, i + 1);
            return AS_INVALID;
        }
        i += n;
    }
    return AS_OK;
}

as_status as_id_check(const char *text)
{
    char why[160];
    if (!text)
        return AS_MISUSE;
    return as__check_id(text, why, sizeof why);
}

/* ---- phone, region, quiet hours ------------------------------------ */

as_status as_phone_normalize(const char *text, char out[12])
{
    if (!text || !out)
        return AS_MISUSE;
    char digits[32];
    size_t n = 0;
    const char *p = text;
    if (p[0] == '+') {
        if (strncmp(p, "+86", 3) != 0)
            return AS_INVALID;
        p += 3;
    } else if (strncmp(p, "0086", 4) == 0) {
        p += 4;
    }
    for (; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (!isdigit((unsigned char)*p) || n >= sizeof digits - 1)
            return AS_INVALID;
        digits[n++] = *p;
    }
    digits[n] = '\0';
    if (n != 11 || digits[0] != '1' || digits[1] < '3' || digits[1] > '9')
        return AS_INVALID;
    memcpy(out, digits, 12);
    return AS_OK;
}

char *as_phone_mask(const char *phone, char out[12])
{
    size_t n = phone ? strlen(phone) : 0;
    int ok = n == 11;
    for (size_t i = 0; ok && i < n; i++)
        ok = isdigit((unsigned char)phone[i]) != 0;
    if (!ok) {
        snprintf(out, 12, "****");
        return out;
    }
    memcpy(out, phone, 3);
    memcpy(out + 3, "****", 4);
    memcpy(out + 7, phone + 7, 5);
    return out;
}

/* A rejected phone value for a message: at most 40 bytes (not cutting a
 * character), every digit but the first three and the last four shown as
 * '*' when it has eight or more digits ("138***3800"), so that an error
 * message or a log never holds a whole number. */
void as__phone_echo(const char *in, char *out, size_t outsz)
{
    size_t n = strlen(in);
    if (n > 40) {
        n = 40;
        while (n > 0 && ((unsigned char)in[n] & 0xC0) == 0x80)
            n--;
    }
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, in, n);
    out[n] = '\0';
    size_t digits = 0;
    for (size_t i = 0; i < n; i++)
        digits += out[i] >= '0' && out[i] <= '9';
    if (digits < 8)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i] < '0' || out[i] > '9')
            continue;
        if (k >= 3 && k < digits - 4)
            out[i] = '*';
        k++;
    }
}

/* ---- phone numbers written in free text ---------------------------- */

/*
 * A number is written as runs of digits (ASCII or full-width ０-９) joined
 * by single separators (space, '-', the ideographic space, the full-width
 * hyphen): "13912345678", "139 1234 5678", "139-1234-5678",
 * "+86 139 1234 5678", "００８６１３９１２３４５６７８".  A phone is a
 * sequence of whole runs whose digits are 11 digits 1[3-9]xxxxxxxxx,
 * optionally after 86 or 0086 (a '+' before them belongs to the number).
 * Runs are maximal, so a phone glued to other digits (an order number) is
 * not one.
 */

enum { RUN_DIGITS = 15, CHAIN_RUNS = 32 };

typedef struct digit_run {
    size_t start, end;          /* bytes of the run */
    int n;                      /* digits (> RUN_DIGITS: too long to be in a phone) */
    char d[RUN_DIGITS];
    size_t pos[RUN_DIGITS];     /* byte offset of each digit */
    unsigned char wide[RUN_DIGITS];
} digit_run;

/* The digit at s[i] (ASCII or full-width): its value in *v and its byte
 * length, or 0. */
static size_t digit_at(const unsigned char *s, size_t len, size_t i, char *v)
{
    if (s[i] >= '0' && s[i] <= '9') {
        *v = (char)s[i];
        return 1;
    }
    if (s[i] == 0xEF && i + 2 < len && s[i + 1] == 0xBC && s[i + 2] >= 0x90 && s[i + 2] <= 0x99) {
        *v = (char)('0' + (s[i + 2] - 0x90));
        return 3;
    }
    return 0;
}

/* The byte length of a separator that may join two runs at s[i], or 0. */
static size_t sep_at(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == ' ' || s[i] == '-')
        return 1;
    if (i + 2 < len && ((s[i] == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80) ||
                        (s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0x8D)))
        return 3;
    return 0;
}

/* Look for phones in a chain of runs: every sequence of whole runs that
 * spells one is reported, overlapping ones too ("86 139 1234 2-139-1234-5678"
 * spells 8613912342139 and 13912345678: both are masked, so the real number
 * is never left out by a wrong guess).  Only sequences ending at run
 * min_end or later are reported (the runs before were scanned already).
 * Returns -1 when fn asked to stop. */
static int chain_scan(const unsigned char *s, const digit_run *r, int n, int min_end,
                      int (*fn)(void *ctx, const as__phone_hit *h), void *ctx, size_t *hits)
{
    /* The same 11 digits with and without their +86 are one number. */
    size_t seen[CHAIN_RUNS * 2];
    int nseen = 0;
    for (int i = 0; i < n; i++) {
        int total = 0;
        for (int j = i; j < n; j++) {
            total += r[j].n;
            if (r[j].n > RUN_DIGITS || total > 15)
                break;
            if (j < min_end || (total != 11 && total != 13 && total != 15))
                continue;
            char d[16];
            int k = 0;
            for (int a = i; a <= j; a++)
                for (int b = 0; b < r[a].n; b++)
                    d[k++] = r[a].d[b];
            int skip = total - 11;
            if ((skip == 2 && memcmp(d, "86", 2) != 0) || (skip == 4 && memcmp(d, "0086", 4) != 0))
                continue;
            if (d[skip] != '1' || d[skip + 1] < '3' || d[skip + 1] > '9')
                continue;
            as__phone_hit h;
            memcpy(h.digits, d + skip, 11);
            h.digits[11] = '\0';
            k = 0;
            for (int a = i; a <= j; a++)
                for (int b = 0; b < r[a].n; b++, k++)
                    if (k >= skip) {
                        h.pos[k - skip] = r[a].pos[b];
                        h.wide[k - skip] = r[a].wide[b];
                    }
            int dup = 0;
            for (int q = 0; q < nseen && !dup; q++)
                dup = seen[q] == h.pos[0];
            if (dup)
                continue;
            if (nseen < (int)(sizeof seen / sizeof seen[0]))
                seen[nseen++] = h.pos[0];
            h.start = r[i].start;
            h.end = r[j].end;
            if (skip && h.start > 0 && s[h.start - 1] == '+')
                h.start--;
            else if (skip && h.start >= 3 && s[h.start - 3] == 0xEF && s[h.start - 2] == 0xBC &&
                     s[h.start - 1] == 0x8B)
                h.start -= 3;   /* ＋ */
            (*hits)++;
            if (fn && fn(ctx, &h))
                return -1;
        }
    }
    return 0;
}

/* A phone spans at most 15 runs (of one digit each): when a chain is
 * longer than the window, the last KEEP_RUNS runs are kept for the next. */
enum { KEEP_RUNS = 14 };

size_t as__phone_scan(const char *text, size_t len, int (*fn)(void *ctx, const as__phone_hit *h),
                      void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    digit_run runs[CHAIN_RUNS];
    int n = 0, min_end = 0;
    size_t hits = 0, i = 0;
    while (i < len) {
        char v;
        size_t w = digit_at(s, len, i, &v);
        if (!w) {
            i++;
            continue;
        }
        /* A run of digits. */
        digit_run *r = &runs[n];
        r->start = i;
        r->n = 0;
        while (i < len && (w = digit_at(s, len, i, &v)) != 0) {
            if (r->n < RUN_DIGITS) {
                r->d[r->n] = v;
                r->pos[r->n] = i;
                r->wide[r->n] = w == 3;
            }
            r->n++;
            i += w;
        }
        r->end = i;
        n++;
        /* Does a separator join it to the next run? */
        size_t sw = i < len ? sep_at(s, len, i) : 0;
        int joined = sw && i + sw < len && digit_at(s, len, i + sw, &v);
        if (joined && n < CHAIN_RUNS) {
            i += sw;
            continue;
        }
        if (chain_scan(s, runs, n, min_end, fn, ctx, &hits) < 0)
            return hits;
        if (joined) {
            /* The window is full: go on with its last runs. */
            memmove(runs, runs + n - KEEP_RUNS, KEEP_RUNS * sizeof *runs);
            n = min_end = KEEP_RUNS;
            i += sw;
        } else {
            n = min_end = 0;
        }
    }
    return hits;
}

static int mask_hit(void *ctx, const as__phone_hit *h)
{
    unsigned char *s = ctx;
    for (int k = 3; k < 7; k++) {
        if (h->wide[k])
            memcpy(s + h->pos[k], "\xEF\xBC\x8A", 3);   /* ＊: the same three bytes */
        else
            s[h->pos[k]] = '*';
    }
    return 0;
}

size_t as_text_mask_phones(char *text)
{
    if (!text)
        return 0;
    return as__phone_scan(text, strlen(text), mask_hit, text);
}

size_t as__mask_phones_n(char *text, size_t len)
{
    return as__phone_scan(text, len, mask_hit, text);
}

as_status as_region_check(const char *code)
{
    if (!code || strlen(code) != 6)
        return AS_INVALID;
    for (int i = 0; i < 6; i++)
        if (!isdigit((unsigned char)code[i]))
            return AS_INVALID;
    int prov = (code[0] - '0') * 10 + (code[1] - '0');
    static const int provinces[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
                                    41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64,
                                    65, 71, 81, 82};
    for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
        if (provinces[i] == prov)
            return AS_OK;
    return AS_INVALID;
}

static int parse_hhmm(const char *s, const char **end, int *minutes)
{
    if (!isdigit((unsigned char)s[0]))
        return -1;
    int h = s[0] - '0', i = 1;
    if (isdigit((unsigned char)s[1]))
        h = h * 10 + (s[i++] - '0');
    if (s[i] != ':' || !isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
        return -1;
    int m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
    if (h > 23 || m > 59)
        return -1;
    *minutes = h * 60 + m;
    *end = s + i + 3;
    return 0;
}

as_status as_quiet_hours_parse(const char *text, int *start_min, int *end_min)
{
    if (!text || !start_min || !end_min)
        return AS_MISUSE;
    char folded[AS__FOLD_MAX];
    const char *t = as__fold_fullwidth(text, folded, sizeof folded);
    const char *p;
    int a, b;
    if (!t || parse_hhmm(t, &p, &a) < 0 || *p != '-' || parse_hhmm(p + 1, &p, &b) < 0 || *p ||
        a == b)
        return AS_INVALID;
    *start_min = a;
    *end_min = b;
    return AS_OK;
}

/* ---- plates and grades --------------------------------------------- */

static const char plate_provinces[] =
    "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
static const char plate_suffixes[] = "学警挂港澳领试超";

/* Is the code point cp one of the characters of the UTF-8 string set? */
static int in_set(const char *set, int32_t cp)
{
    const unsigned char *s = (const unsigned char *)set;
    size_t len = strlen(set);
    for (size_t i = 0; i < len;) {
        int32_t c;
        size_t n = utf8_seq(s + i, len - i, &c);
        if (n == 0)
            return 0;
        if (c == cp)
            return 1;
        i += n;
    }
    return 0;
}

static int alnum_cp(int32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

as_status as_plate_normalize(const char *text, char **out)
{
    if (!text || !out)
        return AS_MISUSE;
    *out = NULL;
    char why[64];
    char *mapped = NULL;
    as_status st = as__text_nfkc(text, strlen(text), &mapped, why, sizeof why);
    if (st != AS_OK)
        return st;

    /* Upper-case ASCII and drop separators people type into plates. */
    int32_t cps[16];
    size_t ncp = 0;
    as_buf b = {0};
    const unsigned char *s = (const unsigned char *)mapped;
    size_t len = strlen(mapped);
    for (size_t i = 0; i < len;) {
        int32_t c;
        size_t n = utf8_seq(s + i, len - i, &c);
        if (n == 0)
            break;
        if (c == ' ' || c == '-' || c == '.' || c == 0xB7 || c == 0x2022 || c == 0x30FB ||
            c == '\t') {
            i += n;
            continue;
        }
        if (c >= 'a' && c <= 'z')
            c -= 32;
        if (ncp == sizeof cps / sizeof cps[0]) {
            ncp++;
            break;
        }
        cps[ncp++] = c;
        char enc[4];
        utf8proc_ssize_t k = utf8proc_encode_char(c, (utf8proc_uint8_t *)enc);
        if (as__buf_add(&b, enc, (size_t)k) < 0) {
            free(mapped);
            as__buf_free(&b);
            return AS_NOMEM;
        }
        i += n;
    }
    free(mapped);

    int ok = ncp >= 7 && ncp <= 8 && in_set(plate_provinces, cps[0]) && cps[1] >= 'A' &&
             cps[1] <= 'Z';
    if (ok && ncp == 7) {
        /* Ordinary: five characters; the last may be a special suffix. */
        for (size_t i = 2; i < 6 && ok; i++)
            ok = alnum_cp(cps[i]);
        ok = ok && (alnum_cp(cps[6]) || in_set(plate_suffixes, cps[6]));
    } else if (ok) {
        /* New energy (GA 36-2018): small cars carry a letter third
         * (D/A/B/C/E pure electric, F/G/H/J/K other), large ones D/F last. */
        for (size_t i = 2; i < 8 && ok; i++)
            ok = alnum_cp(cps[i]);
        int small = strchr("DABCEFGHJK", (int)cps[2]) != NULL;
        int large = cps[7] == 'D' || cps[7] == 'F';
        ok = ok && (small || large);
    }
    if (!ok) {
        as__buf_free(&b);
        return AS_INVALID;
    }
    *out = b.data;
    return AS_OK;
}

as_status as_grade_normalize(const char *text, char out[8])
{
    if (!text || !out)
        return AS_MISUSE;
    static const char *const grades[] = {"89", "90", "92", "93", "95", "97", "98", "100",
                                         "E92", "E95", "E98", "0", "-10", "-20", "-35",
                                         "-50", "CNG", "LNG", "EV"};
    char tmp[16];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ' ')
            continue;
        if (n >= sizeof tmp - 1)
            return AS_INVALID;
        tmp[n++] = (char)toupper((unsigned char)*p);
    }
    tmp[n] = '\0';
    /* "95#", "0#", "95号" */
    if (n > 0 && tmp[n - 1] == '#')
        tmp[--n] = '\0';
    else if (n > 3 && strcmp(tmp + n - 3, "号") == 0)
        tmp[n -= 3] = '\0';
    for (size_t i = 0; i < sizeof grades / sizeof grades[0]; i++) {
        if (strcmp(tmp, grades[i]) == 0) {
            snprintf(out, 8, "%s", grades[i]);
            return AS_OK;
        }
    }
    return AS_INVALID;
}
