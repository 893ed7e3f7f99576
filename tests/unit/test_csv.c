/* test_csv.c - the streaming CSV reader (lib/csv.c). */
#include "internal.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reader's fread chunk; inputs larger than this cross a refill. */
#define CHUNK 65536

/* A reader over a private copy of some bytes. */
struct rd {
    char *buf;
    FILE *f;
    as_csv *c;
    as_csv_record rec;
};

static void rd_open(struct rd *r, const void *data, size_t n, const char *enc)
{
    char err[256];
    r->buf = malloc(n ? n : 1);
    cr_assert_not_null(r->buf);
    if (n)
        memcpy(r->buf, data, n);
    r->f = fmemopen(r->buf, n, "r");
    cr_assert_not_null(r->f);
    cr_assert_eq(as__csv_open(&r->c, r->f, "test.csv", enc, err, sizeof err), AS_OK,
                 "open: %s", err);
}

static void rd_str(struct rd *r, const char *s)
{
    rd_open(r, s, strlen(s), NULL);
}

static void rd_close(struct rd *r)
{
    as__csv_free(r->c);
    fclose(r->f);
    free(r->buf);
}

static as_status rd_next(struct rd *r)
{
    return as__csv_next(r->c, &r->rec);
}

static void check_fields(const as_csv_record *rec, const char *const *want, size_t n)
{
    cr_assert_eq(rec->nfields, n, "nfields %zu, want %zu", rec->nfields, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(rec->fields[i], want[i], "field %zu", i);
        cr_assert_eq(rec->lens[i], strlen(want[i]), "len of field %zu", i);
    }
}

#define EXPECT_FIELDS(rec, ...) do { \
        const char *want_[] = { __VA_ARGS__ }; \
        check_fields((rec), want_, sizeof want_ / sizeof want_[0]); \
    } while (0)

/* Next must be a record with these fields starting on line ln. */
#define EXPECT_REC(r, ln, ...) do { \
        as_status st_ = rd_next(r); \
        cr_assert_eq(st_, AS_OK, "status %d: %s", (int)st_, as__csv_error((r)->c)); \
        cr_assert_eq((r)->rec.line, (uint64_t)(ln), "line %llu, want %llu", \
                     (unsigned long long)(r)->rec.line, (unsigned long long)(ln)); \
        EXPECT_FIELDS(&(r)->rec, __VA_ARGS__); \
        cr_assert_str_eq(as__csv_error((r)->c), ""); \
    } while (0)

/* Next must be AS_INVALID on line ln with a message containing text. */
#define EXPECT_INVALID(r, ln, text) do { \
        as_status st_ = rd_next(r); \
        cr_assert_eq(st_, AS_INVALID, "status %d", (int)st_); \
        cr_assert(strstr(as__csv_error((r)->c), (text)) != NULL, \
                  "message \"%s\" lacks \"%s\"", as__csv_error((r)->c), (text)); \
        cr_assert_eq(as__csv_error_line((r)->c), (uint64_t)(ln), "error line %llu, want %llu", \
                     (unsigned long long)as__csv_error_line((r)->c), \
                     (unsigned long long)(ln)); \
    } while (0)

#define EXPECT_DONE(r) do { \
        cr_assert_eq(rd_next(r), AS_DONE); \
        cr_assert_eq(rd_next(r), AS_DONE); \
    } while (0)

static const char utf8_hint[] = "(is the file GB18030/GBK? try --encoding gb18030)";

/* ---- structure ------------------------------------------------------- */

Test(csv, simple_rows)
{
    struct rd r;
    rd_str(&r, "id,name,city\n1,Alice,Beijing\n2,Bob,Shanghai\n");
    cr_assert_str_eq(as__csv_error(r.c), "");
    cr_assert_eq(as__csv_error_line(r.c), 0);
    EXPECT_REC(&r, 1, "id", "name", "city");
    cr_assert_eq(r.rec.end_line, 1);
    cr_assert_eq(r.rec.raw_len, strlen("id,name,city"));
    cr_assert(memcmp(r.rec.raw, "id,name,city", r.rec.raw_len) == 0);
    EXPECT_REC(&r, 2, "1", "Alice", "Beijing");
    EXPECT_REC(&r, 3, "2", "Bob", "Shanghai");
    cr_assert_eq(r.rec.raw_len, strlen("2,Bob,Shanghai"));
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, fields_are_nul_terminated)
{
    struct rd r;
    rd_str(&r, "ab,\"c\"\"d\",e\n");
    cr_assert_eq(rd_next(&r), AS_OK);
    for (size_t i = 0; i < r.rec.nfields; i++)
        cr_assert_eq(r.rec.fields[i][r.rec.lens[i]], '\0');
    EXPECT_FIELDS(&r.rec, "ab", "c\"d", "e");
    rd_close(&r);
}

Test(csv, quoted_fields)
{
    struct rd r;
    const char *in =
        "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"p\r\nq\",\"\"\"\"\n"
        "next,\"\"\n";
    rd_str(&r, in);
    EXPECT_REC(&r, 1, "a,b", "say \"hi\"", "x\ny", "p\r\nq", "\"");
    cr_assert_eq(r.rec.end_line, 3);
    const char *raw = "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"p\r\nq\",\"\"\"\"";
    cr_assert_eq(r.rec.raw_len, strlen(raw));
    cr_assert(memcmp(r.rec.raw, raw, r.rec.raw_len) == 0);
    EXPECT_REC(&r, 4, "next", "");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, quoted_field_with_only_escapes_and_breaks)
{
    struct rd r;
    rd_str(&r, "\"\"\"\"\"\",\"\r\",\"\n\n\"\n");
    EXPECT_REC(&r, 1, "\"\"", "\r", "\n\n");
    cr_assert_eq(r.rec.end_line, 4);
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, crlf_records)
{
    struct rd r;
    rd_str(&r, "a,b\r\nc,d\r\n\"e\r\nf\",g\r\nh\r\n");
    EXPECT_REC(&r, 1, "a", "b");
    cr_assert_eq(r.rec.raw_len, 3);
    EXPECT_REC(&r, 2, "c", "d");
    EXPECT_REC(&r, 3, "e\r\nf", "g");
    cr_assert_eq(r.rec.end_line, 4);
    cr_assert_eq(r.rec.raw_len, strlen("\"e\r\nf\",g"));
    EXPECT_REC(&r, 5, "h");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, lone_cr_records)
{
    struct rd r;
    rd_str(&r, "a,b\rc,d\r\"x\ry\"\re");
    EXPECT_REC(&r, 1, "a", "b");
    cr_assert_eq(r.rec.raw_len, 3);
    EXPECT_REC(&r, 2, "c", "d");
    EXPECT_REC(&r, 3, "x\ry");
    cr_assert_eq(r.rec.end_line, 4);
    EXPECT_REC(&r, 5, "e");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, mixed_line_breaks)
{
    struct rd r;
    rd_str(&r, "a\nb\r\nc\rd\n\re\n");
    EXPECT_REC(&r, 1, "a");
    EXPECT_REC(&r, 2, "b");
    EXPECT_REC(&r, 3, "c");
    EXPECT_REC(&r, 4, "d");
    EXPECT_REC(&r, 6, "e");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, bom_skipped)
{
    struct rd r;
    rd_str(&r, "\xEF\xBB\xBFid,name\n1,x\n");
    EXPECT_REC(&r, 1, "id", "name");
    cr_assert_eq(r.rec.raw_len, strlen("id,name"));
    EXPECT_REC(&r, 2, "1", "x");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, bom_only_in_the_first_field)
{
    struct rd r;
    rd_str(&r, "a,\xEF\xBB\xBF" "b\n");
    EXPECT_REC(&r, 1, "a", "\xEF\xBB\xBF" "b");
    rd_close(&r);
}

Test(csv, bom_only_file)
{
    struct rd r;
    rd_str(&r, "\xEF\xBB\xBF");
    EXPECT_DONE(&r);
    rd_close(&r);
    rd_str(&r, "\xEF\xBB\xBF\n\r\n");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, short_files)
{
    struct rd r;
    rd_str(&r, "a");
    EXPECT_REC(&r, 1, "a");
    EXPECT_DONE(&r);
    rd_close(&r);
    rd_str(&r, "ab");
    EXPECT_REC(&r, 1, "ab");
    EXPECT_DONE(&r);
    rd_close(&r);
    rd_str(&r, "\xEF\xBB");
    EXPECT_INVALID(&r, 1, "byte 1 of the line");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, empty_file)
{
    struct rd r;
    rd_open(&r, "", 0, NULL);
    EXPECT_DONE(&r);
    cr_assert_str_eq(as__csv_error(r.c), "");
    cr_assert_eq(as__csv_bytes(r.c), 0);
    rd_close(&r);
}

Test(csv, no_trailing_newline)
{
    struct rd r;
    rd_str(&r, "a,b\nc,d");
    EXPECT_REC(&r, 1, "a", "b");
    EXPECT_REC(&r, 2, "c", "d");
    cr_assert_eq(r.rec.raw_len, 3);
    EXPECT_DONE(&r);
    rd_close(&r);
    rd_str(&r, "a,\"b\nc\"");
    EXPECT_REC(&r, 1, "a", "b\nc");
    cr_assert_eq(r.rec.end_line, 2);
    EXPECT_DONE(&r);
    rd_close(&r);
    rd_str(&r, "a,");
    EXPECT_REC(&r, 1, "a", "");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, empty_lines_skipped)
{
    struct rd r;
    rd_str(&r, "\n\na,b\n\r\n\rc\n\n\nd\n\n");
    EXPECT_REC(&r, 3, "a", "b");
    EXPECT_REC(&r, 6, "c");
    EXPECT_REC(&r, 9, "d");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, blank_but_not_empty_lines_are_records)
{
    struct rd r;
    rd_str(&r, " \n\"\"\n,\n");
    EXPECT_REC(&r, 1, " ");
    EXPECT_REC(&r, 2, "");
    EXPECT_REC(&r, 3, "", "");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, line_numbers_after_multiline_field)
{
    struct rd r;
    rd_str(&r, "h1,h2\n\"one\ntwo\r\nthree\rfour\",x\nnext,y\n\n\"a\n\",b\nlast\n");
    EXPECT_REC(&r, 1, "h1", "h2");
    EXPECT_REC(&r, 2, "one\ntwo\r\nthree\rfour", "x");
    cr_assert_eq(r.rec.end_line, 5);
    EXPECT_REC(&r, 6, "next", "y");
    cr_assert_eq(r.rec.end_line, 6);
    EXPECT_REC(&r, 8, "a\n", "b");
    cr_assert_eq(r.rec.end_line, 9);
    EXPECT_REC(&r, 10, "last");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, empty_fields)
{
    struct rd r;
    rd_str(&r, ",,\na,\n,b\n\"\",\"\"\na,,b\n");
    EXPECT_REC(&r, 1, "", "", "");
    EXPECT_REC(&r, 2, "a", "");
    EXPECT_REC(&r, 3, "", "b");
    EXPECT_REC(&r, 4, "", "");
    EXPECT_REC(&r, 5, "a", "", "b");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, bare_quote_in_unquoted_field_kept)
{
    struct rd r;
    rd_str(&r, "ab\"c,d\"\"e,5\"\n");
    EXPECT_REC(&r, 1, "ab\"c", "d\"\"e", "5\"");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, utf8_text)
{
    struct rd r;
    rd_str(&r, "张三,北京市朝阳区,\"备注,含逗号\",😀,ÿ\n");
    EXPECT_REC(&r, 1, "张三", "北京市朝阳区", "备注,含逗号", "😀", "ÿ");
    EXPECT_DONE(&r);
    rd_close(&r);
}

/* ---- errors ---------------------------------------------------------- */

Test(csv, unterminated_quote)
{
    struct rd r;
    rd_str(&r, "a,b\n\nc,\"open\nmore\nstill open\n");
    EXPECT_REC(&r, 1, "a", "b");
    EXPECT_INVALID(&r, 3, "line 3");
    cr_assert(strstr(as__csv_error(r.c), "unterminated quote") != NULL);
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, unterminated_quote_after_escape)
{
    struct rd r;
    rd_str(&r, "\"a\"\"");
    EXPECT_INVALID(&r, 1, "unterminated quote");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, character_after_closing_quote)
{
    struct rd r;
    rd_str(&r, "\"a\"b,c\nd,e\n");
    EXPECT_INVALID(&r, 1, "byte 4 of the line");
    cr_assert(strstr(as__csv_error(r.c), "closing quote") != NULL);
    cr_assert_eq(r.rec.line, 1);
    cr_assert_eq(r.rec.raw_len, strlen("\"a\"b,c"));
    EXPECT_REC(&r, 2, "d", "e");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, character_after_closing_quote_resyncs_past_quoted_breaks)
{
    struct rd r;
    /* The junk is on line 2; the rejected record still ends on line 3,
     * after the next (well-formed) quoted field. */
    rd_str(&r, "x,\"a\nbc\" ,\"p\nq\"\nok\n");
    EXPECT_INVALID(&r, 2, "byte 4 of the line");
    cr_assert_eq(r.rec.end_line, 3);
    EXPECT_REC(&r, 4, "ok");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, invalid_utf8_overlong)
{
    struct rd r;
    rd_str(&r, "ok,1\nab\xC0\x80x,2\nnext,3\n");
    EXPECT_REC(&r, 1, "ok", "1");
    EXPECT_INVALID(&r, 2, "invalid UTF-8 at byte 3 of the line");
    cr_assert(strstr(as__csv_error(r.c), utf8_hint) != NULL);
    cr_assert_eq(r.rec.raw_len, 7);
    EXPECT_REC(&r, 3, "next", "3");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, invalid_utf8_overlong_three_and_four_byte)
{
    struct rd r;
    rd_str(&r, "\xE0\x80\xAF\nx\xF0\x8F\xBF\xBF\nok\n");
    EXPECT_INVALID(&r, 1, "byte 1 of the line");
    EXPECT_INVALID(&r, 2, "byte 2 of the line");
    EXPECT_REC(&r, 3, "ok");
    rd_close(&r);
}

Test(csv, invalid_utf8_surrogate)
{
    struct rd r;
    rd_str(&r, "a,\xED\xA0\x80\n\xED\x9F\xBF,b\n");
    EXPECT_INVALID(&r, 1, "invalid UTF-8 at byte 3 of the line");
    EXPECT_REC(&r, 2, "\xED\x9F\xBF", "b");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, invalid_utf8_above_max)
{
    struct rd r;
    rd_str(&r, "\xF4\x90\x80\x80\n\xF5\x80\x80\x80\n\xF4\x8F\xBF\xBF\n");
    EXPECT_INVALID(&r, 1, "byte 1");
    EXPECT_INVALID(&r, 2, "byte 1");
    EXPECT_REC(&r, 3, "\xF4\x8F\xBF\xBF");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, invalid_utf8_truncated_at_eof)
{
    struct rd r;
    rd_str(&r, "a\nxyz,\xE4\xB8");
    EXPECT_REC(&r, 1, "a");
    EXPECT_INVALID(&r, 2, "invalid UTF-8 at byte 5 of the line");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, invalid_utf8_truncated_before_break)
{
    struct rd r;
    rd_str(&r, "\xE4\xB8\nb\n\"\xF0\x9F\x98\n\"\nc\n");
    EXPECT_INVALID(&r, 1, "byte 1 of the line");
    EXPECT_REC(&r, 2, "b");
    EXPECT_INVALID(&r, 3, "byte 2 of the line");
    EXPECT_REC(&r, 5, "c");
    rd_close(&r);
}

Test(csv, invalid_utf8_stray_continuation)
{
    struct rd r;
    rd_str(&r, "first\nabc,d\x80\nlast\n");
    EXPECT_REC(&r, 1, "first");
    EXPECT_INVALID(&r, 2, "invalid UTF-8 at byte 6 of the line");
    EXPECT_REC(&r, 3, "last");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, invalid_utf8_offset_within_multiline_record)
{
    struct rd r;
    /* The bad byte is on the third physical line of the record. */
    rd_str(&r, "h\n\"one\r\ntwo\rab\xFF\",x\nnext\n");
    EXPECT_REC(&r, 1, "h");
    EXPECT_INVALID(&r, 4, "invalid UTF-8 at byte 3 of the line");
    cr_assert_eq(r.rec.line, 2);
    cr_assert_eq(r.rec.end_line, 4);
    EXPECT_REC(&r, 5, "next");
    rd_close(&r);
}

Test(csv, invalid_utf8_offset_counts_bom)
{
    struct rd r;
    rd_str(&r, "\xEF\xBB\xBF" "a\xFF\n");
    EXPECT_INVALID(&r, 1, "byte 5 of the line");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, invalid_utf8_on_long_ascii_line)
{
    /* The bad byte lies past the eight-byte fast path. */
    char in[64];
    memset(in, 'a', sizeof in);
    in[37] = (char)0xC1;
    in[40] = '\n';
    memcpy(in + 41, "ok\n", 4);
    struct rd r;
    rd_open(&r, in, 44, NULL);
    EXPECT_INVALID(&r, 1, "byte 38 of the line");
    EXPECT_REC(&r, 2, "ok");
    rd_close(&r);
}

Test(csv, nul_byte)
{
    static const char in[] = "ok\na\0b,c\nx,\"1\n2\0\"\nlast\n";
    struct rd r;
    rd_open(&r, in, sizeof in - 1, NULL);
    EXPECT_REC(&r, 1, "ok");
    EXPECT_INVALID(&r, 2, "NUL byte at byte 2 of the line");
    cr_assert(strstr(as__csv_error(r.c), "GB18030") == NULL);
    EXPECT_INVALID(&r, 4, "NUL byte at byte 2 of the line");
    EXPECT_REC(&r, 5, "last");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, too_many_fields)
{
    size_t n = 5000;
    char *in = malloc(2 * n + 64);
    char *p = in;
    for (size_t i = 0; i < n; i++) {
        *p++ = 'x';
        *p++ = ',';
    }
    p[-1] = '\n';
    strcpy(p, "next,row\n");
    struct rd r;
    rd_str(&r, in);
    EXPECT_INVALID(&r, 1, "4096");
    EXPECT_REC(&r, 2, "next", "row");
    EXPECT_DONE(&r);
    rd_close(&r);
    free(in);
}

Test(csv, field_limit_is_inclusive)
{
    for (size_t n = AS_CSV_MAX_FIELDS; n <= AS_CSV_MAX_FIELDS + 1; n++) {
        char *in = malloc(n * 8 + 16);
        char *p = in;
        for (size_t i = 0; i < n; i++)
            p += sprintf(p, "%zu,", i);
        p[-1] = '\n';
        strcpy(p, "a\n");
        struct rd r;
        rd_str(&r, in);
        as_status st = rd_next(&r);
        if (n == AS_CSV_MAX_FIELDS) {
            cr_assert_eq(st, AS_OK, "%s", as__csv_error(r.c));
            cr_assert_eq(r.rec.nfields, n);
            cr_assert_str_eq(r.rec.fields[n - 1], "4095");
        } else {
            cr_assert_eq(st, AS_INVALID);
        }
        EXPECT_REC(&r, 2, "a");
        rd_close(&r);
        free(in);
    }
}

Test(csv, big_record)
{
    /* A 1 MB unquoted field, then a 1 MB quoted one with escapes and
     * line breaks: both far larger than the read chunk. */
    size_t big = 1000 * 1000;
    size_t cap = 3 * big + 100;
    char *in = malloc(cap);
    char *want = malloc(big + 1);
    size_t n = 0;
    for (size_t i = 0; i < big; i++)
        in[n++] = (char)('a' + i % 26);
    memcpy(in + n, ",end\n\"", 6);
    n += 6;
    size_t w = 0;
    for (size_t i = 0; i < big; i++) {
        char ch = i % 1000 == 0 ? '"' : i % 777 == 0 ? '\n' : (char)('A' + i % 26);
        want[w++] = ch;
        in[n++] = ch;
        if (ch == '"')
            in[n++] = '"';
    }
    want[w] = '\0';
    memcpy(in + n, "\",x\nlast\n", 9);
    n += 9;

    struct rd r;
    rd_open(&r, in, n, NULL);
    cr_assert_eq(rd_next(&r), AS_OK, "%s", as__csv_error(r.c));
    cr_assert_eq(r.rec.nfields, 2);
    cr_assert_eq(r.rec.lens[0], big);
    cr_assert(memcmp(r.rec.fields[0], in, big) == 0);
    cr_assert_str_eq(r.rec.fields[1], "end");
    cr_assert_eq(r.rec.raw_len, big + 4);

    cr_assert_eq(rd_next(&r), AS_OK, "%s", as__csv_error(r.c));
    cr_assert_eq(r.rec.line, 2);
    uint64_t breaks = 0;
    for (size_t i = 0; i < big; i++)
        breaks += want[i] == '\n';
    cr_assert_eq(r.rec.end_line, 2 + breaks);
    cr_assert_eq(r.rec.nfields, 2);
    cr_assert_eq(r.rec.lens[0], big);
    cr_assert(memcmp(r.rec.fields[0], want, big) == 0);
    cr_assert_str_eq(r.rec.fields[1], "x");
    EXPECT_REC(&r, 3 + breaks, "last");
    EXPECT_DONE(&r);
    cr_assert_eq(as__csv_bytes(r.c), n);
    rd_close(&r);
    free(in);
    free(want);
}

Test(csv, record_over_limit, .timeout = 120)
{
    size_t big = (size_t)AS_CSV_MAX_RECORD + 10;
    char *in = malloc(big + 32);
    memcpy(in, "a\n", 2);
    memset(in + 2, 'x', big);
    in[2 + big / 2] = ',';
    memcpy(in + 2 + big, "\nok,1\n", 6);
    struct rd r;
    rd_open(&r, in, big + 8, NULL);
    EXPECT_REC(&r, 1, "a");
    EXPECT_INVALID(&r, 2, "record exceeds 64 MiB");
    EXPECT_REC(&r, 3, "ok", "1");
    EXPECT_DONE(&r);
    rd_close(&r);
    free(in);
}

Test(csv, read_error)
{
    /* A write-only stream: fread fails. */
    char buf[16];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert_not_null(f);
    as_csv *c;
    cr_assert_eq(as__csv_open(&c, f, "w.csv", NULL, NULL, 0), AS_OK);
    as_csv_record rec;
    cr_assert_eq(as__csv_next(c, &rec), AS_IO);
    cr_assert(strstr(as__csv_error(c), "w.csv") != NULL, "%s", as__csv_error(c));
    cr_assert_eq(as__csv_next(c, &rec), AS_IO);
    as__csv_free(c);
    fclose(f);
}

/* ---- the window across reads ------------------------------------------ */

Test(csv, crlf_split_across_chunks)
{
    /* CR at the last byte of the first chunk, LF at the first of the
     * next: one line break, not two. */
    char *in = malloc(CHUNK + 64);
    memset(in, 'x', CHUNK - 1);
    in[CHUNK - 1] = '\r';
    strcpy(in + CHUNK, "\nb\n\r\r\nc\n");
    struct rd r;
    rd_str(&r, in);
    cr_assert_eq(rd_next(&r), AS_OK);
    cr_assert_eq(r.rec.lens[0], CHUNK - 1);
    cr_assert_eq(r.rec.raw_len, CHUNK - 1);
    EXPECT_REC(&r, 2, "b");
    EXPECT_REC(&r, 5, "c");
    EXPECT_DONE(&r);
    rd_close(&r);

    /* The same for an empty line and inside quotes. */
    memcpy(in, "a\n\"", 3);
    memset(in + 3, 'y', CHUNK - 4);
    in[CHUNK - 1] = '\r';
    strcpy(in + CHUNK, "\nz\",q\nend\n");
    rd_str(&r, in);
    EXPECT_REC(&r, 1, "a");
    cr_assert_eq(rd_next(&r), AS_OK);
    cr_assert_eq(r.rec.line, 2);
    cr_assert_eq(r.rec.end_line, 3);
    cr_assert_eq(r.rec.lens[0], CHUNK - 4 + 3);
    cr_assert_str_eq(r.rec.fields[1], "q");
    EXPECT_REC(&r, 4, "end");
    rd_close(&r);

    memset(in, '\n', 10);
    memset(in + 10, 'k', CHUNK - 11);
    memcpy(in + CHUNK - 3, "\n\r", 2);
    in[CHUNK - 1] = '\r';
    strcpy(in + CHUNK, "\n\nlast\n");
    rd_str(&r, in);
    cr_assert_eq(rd_next(&r), AS_OK);
    cr_assert_eq(r.rec.line, 11);
    EXPECT_REC(&r, 15, "last");
    rd_close(&r);
    free(in);
}

Test(csv, utf8_split_across_chunks)
{
    for (size_t k = CHUNK - 4; k <= CHUNK; k++) {
        char *in = malloc(CHUNK + 64);
        memset(in, 'x', k);
        strcpy(in + k, "😀,中\nnext\n");
        struct rd r;
        rd_str(&r, in);
        cr_assert_eq(rd_next(&r), AS_OK, "k=%zu: %s", k, as__csv_error(r.c));
        cr_assert_eq(r.rec.lens[0], k + 4);
        cr_assert(memcmp(r.rec.fields[0] + k, "😀", 4) == 0);
        cr_assert_str_eq(r.rec.fields[1], "中");
        EXPECT_REC(&r, 2, "next");
        rd_close(&r);
        free(in);
    }
}

Test(csv, bytes_grow_to_input_size)
{
    size_t rows = 20000;
    char *in = malloc(rows * 32);
    size_t n = 0;
    for (size_t i = 0; i < rows; i++)
        n += (size_t)sprintf(in + n, "%zu,row %zu,中文\n", i, i);
    struct rd r;
    rd_open(&r, in, n, NULL);
    uint64_t last = 0;
    size_t got = 0;
    as_status st;
    while ((st = rd_next(&r)) == AS_OK) {
        uint64_t b = as__csv_bytes(r.c);
        cr_assert_geq(b, last);
        cr_assert_leq(b, n);
        last = b;
        got++;
    }
    cr_assert_eq(st, AS_DONE);
    cr_assert_eq(got, rows);
    cr_assert_eq(as__csv_bytes(r.c), n);
    cr_assert_gt(n, 4 * CHUNK);
    rd_close(&r);
    free(in);
}

/* ---- encodings --------------------------------------------------------- */

Test(csv, encoding_names)
{
    static const char *const ok[] = {
        "utf-8", "UTF-8", "utf8", "Utf8", "gb18030", "GB18030", "gbk", "GBK", "gb2312", "GB2312",
        "utf-16", "UTF-16", "utf16", "utf-16le", "UTF-16LE", "utf16le", "utf-16be", "utf16be"
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        /* "a\n" in the encoding: ASCII in all but UTF-16. */
        const char *in = "a\n";
        size_t n = 2;
        if (strstr(ok[i], "16")) {
            int be = strstr(ok[i], "be") || strstr(ok[i], "BE");
            in = be ? "\0a\0\n" : "a\0\n\0";
            n = 4;
        }
        struct rd r;
        rd_open(&r, in, n, ok[i]);
        EXPECT_REC(&r, 1, "a");
        rd_close(&r);
    }
}

Test(csv, unknown_encoding)
{
    FILE *f = fmemopen((void *)"a\n", 2, "r");
    as_csv *c = (as_csv *)1;
    char err[128];
    cr_assert_eq(as__csv_open(&c, f, "x.csv", "latin1", err, sizeof err), AS_INVALID);
    cr_assert_null(c);
    cr_assert(strstr(err, "latin1") != NULL, "%s", err);
    cr_assert_eq(as__csv_open(&c, f, "x.csv", "", err, sizeof err), AS_INVALID);
    cr_assert_eq(as__csv_open(&c, f, "x.csv", "utf-32", NULL, 0), AS_INVALID);
    cr_assert_eq(as__csv_open(&c, f, "x.csv", "utf-16-le", NULL, 0), AS_INVALID);
    cr_assert_eq(as__csv_open(&c, NULL, "x.csv", NULL, err, sizeof err), AS_MISUSE);
    cr_assert_eq(as__csv_open(NULL, f, "x.csv", NULL, err, sizeof err), AS_MISUSE);
    fclose(f);
}

Test(csv, gb18030)
{
    /* 中文 = D6 D0 CE C4; 😀 = 94 39 FC 36 (a four-byte sequence). */
    static const char in[] =
        "\xD6\xD0\xCE\xC4,abc\r\n"
        "\"\xD6\xD0\n\xCE\xC4\",\x94\x39\xFC\x36\n";
    struct rd r;
    rd_open(&r, in, sizeof in - 1, "gb18030");
    EXPECT_REC(&r, 1, "中文", "abc");
    cr_assert_eq(r.rec.raw_len, strlen("中文,abc"));
    cr_assert(memcmp(r.rec.raw, "中文,abc", r.rec.raw_len) == 0);
    EXPECT_REC(&r, 2, "中\n文", "😀");
    cr_assert_eq(r.rec.end_line, 3);
    EXPECT_DONE(&r);
    cr_assert_eq(as__csv_bytes(r.c), sizeof in - 1);
    rd_close(&r);
}

Test(csv, gb18030_bom_skipped)
{
    static const char in[] = "\x84\x31\x95\x33" "\xD6\xD0,1\n";
    struct rd r;
    rd_open(&r, in, sizeof in - 1, "GBK");
    EXPECT_REC(&r, 1, "中", "1");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, gb18030_split_across_chunks)
{
    static const char *const chars[] = { "\xD6\xD0", "\x94\x39\xFC\x36" };
    static const char *const utf8[] = { "中", "😀" };
    for (size_t c = 0; c < 2; c++) {
        size_t clen = strlen(chars[c]);
        for (size_t k = CHUNK - 4; k <= CHUNK; k++) {
            char *in = malloc(CHUNK + 64);
            memset(in, 'x', k);
            memcpy(in + k, chars[c], clen);
            strcpy(in + k + clen, ",\xCE\xC4\nnext\n");
            size_t n = strlen(in);
            struct rd r;
            rd_open(&r, in, n, "gb18030");
            cr_assert_eq(rd_next(&r), AS_OK, "k=%zu: %s", k, as__csv_error(r.c));
            cr_assert_eq(r.rec.nfields, 2);
            cr_assert_eq(r.rec.lens[0], k + strlen(utf8[c]), "k=%zu", k);
            cr_assert(memcmp(r.rec.fields[0] + k, utf8[c], strlen(utf8[c])) == 0, "k=%zu", k);
            cr_assert_str_eq(r.rec.fields[1], "文");
            EXPECT_REC(&r, 2, "next");
            EXPECT_DONE(&r);
            cr_assert_eq(as__csv_bytes(r.c), n);
            rd_close(&r);
            free(in);
        }
    }
}

Test(csv, gb18030_large_input)
{
    /* Many rows of two-byte characters: the decoded text is 1.5 times the
     * input, so conversions fill the window before the input runs out. */
    size_t rows = 30000;
    char *in = malloc(rows * 40);
    size_t n = 0;
    for (size_t i = 0; i < rows; i++)
        n += (size_t)sprintf(in + n, "%zu,\xD6\xD0\xCE\xC4\xD6\xD0\xCE\xC4\xD6\xD0\xCE\xC4\n", i);
    struct rd r;
    rd_open(&r, in, n, "gb18030");
    char want[32];
    for (size_t i = 0; i < rows; i++) {
        cr_assert_eq(rd_next(&r), AS_OK, "row %zu: %s", i, as__csv_error(r.c));
        sprintf(want, "%zu", i);
        cr_assert_eq(r.rec.line, i + 1);
        EXPECT_FIELDS(&r.rec, want, "中文中文中文");
    }
    EXPECT_DONE(&r);
    cr_assert_eq(as__csv_bytes(r.c), n);
    rd_close(&r);
    free(in);
}

Test(csv, gb18030_invalid)
{
    static const char in[] = "ok,1\n\x81\x20x\nnever\n";
    struct rd r;
    rd_open(&r, in, sizeof in - 1, "gb18030");
    EXPECT_REC(&r, 1, "ok", "1");
    EXPECT_INVALID(&r, 2, "byte 6 of the file cannot be decoded as GB18030");
    EXPECT_DONE(&r);
    rd_close(&r);

    static const char in2[] = "a\nb\n\n\xD6\xD0\xFF";
    rd_open(&r, in2, sizeof in2 - 1, "gb18030");
    EXPECT_REC(&r, 1, "a");
    EXPECT_REC(&r, 2, "b");
    EXPECT_INVALID(&r, 4, "byte 8 of the file");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, gb18030_truncated_at_eof)
{
    static const char in[] = "a\n\xD6";
    struct rd r;
    rd_open(&r, in, sizeof in - 1, "gb18030");
    EXPECT_REC(&r, 1, "a");
    EXPECT_INVALID(&r, 2, "byte 3 of the file cannot be decoded as GB18030");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, gb18030_invalid_after_first_chunk)
{
    char *in = malloc(3 * CHUNK);
    size_t n = 0;
    while (n < 2 * CHUNK)
        n += (size_t)sprintf(in + n, "row,\xD6\xD0\n");
    size_t bad = n;
    in[n++] = (char)0xFF;
    in[n++] = '\n';
    struct rd r;
    rd_open(&r, in, n, "gb18030");
    as_status st;
    uint64_t rows = 0;
    while ((st = rd_next(&r)) == AS_OK)
        rows++;
    cr_assert_eq(st, AS_INVALID);
    char want[64];
    sprintf(want, "byte %zu of the file", bad + 1);
    cr_assert(strstr(as__csv_error(r.c), want) != NULL, "%s", as__csv_error(r.c));
    cr_assert_eq(as__csv_error_line(r.c), rows + 1);
    EXPECT_DONE(&r);
    rd_close(&r);
    free(in);
}

Test(csv, gb18030_nul_without_hint)
{
    static const char in[] = "a\0b\nc\n";
    struct rd r;
    rd_open(&r, in, sizeof in - 1, "gb18030");
    EXPECT_INVALID(&r, 1, "NUL byte at byte 2 of the line");
    cr_assert(strstr(as__csv_error(r.c), "--encoding") == NULL);
    EXPECT_REC(&r, 2, "c");
    rd_close(&r);
}

/* ---- UTF-16 ------------------------------------------------------------ */

/* Encode UTF-8 text as UTF-16 (with a byte order mark when bom) into a
 * malloc'd buffer; *n receives its size. */
static char *utf16(const char *text, size_t len, int be, int bom, size_t *n)
{
    unsigned char *out = malloc(2 * len + 4);
    cr_assert_not_null(out);
    size_t o = 0;
    const int hi = be ? 0 : 1;
    if (bom) {
        out[o + hi] = 0xFE;
        out[o + 1 - hi] = 0xFF;
        o += 2;
    }
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t k = s[i] ? as__utf8_decode(s + i, len - i, &cp) : 1;   /* NUL: U+0000 */
        cr_assert_gt(k, 0, "test text is not UTF-8");
        i += k;
        uint32_t units[2] = {cp, 0};
        int nu = 1;
        if (cp >= 0x10000) {
            units[0] = 0xD800 + ((cp - 0x10000) >> 10);
            units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            nu = 2;
        }
        for (int u = 0; u < nu; u++) {
            out[o + hi] = (unsigned char)(units[u] >> 8);
            out[o + 1 - hi] = (unsigned char)units[u];
            o += 2;
        }
    }
    *n = o;
    return (char *)out;
}

/* Excel's "Unicode text": UTF-16 with a BOM, TAB-separated, CRLF. */
static const char excel_text[] =
    "id\tname\tnote\r\n"
    "1\t张三\t\"two\r\nlines 😀\"\r\n"
    "2\t\"a \"\"q\"\"\"\t𝄞\r\n";

static void check_excel_text(const char *enc, int be)
{
    size_t n;
    char *in = utf16(excel_text, sizeof excel_text - 1, be, 1, &n);
    struct rd r;
    rd_open(&r, in, n, enc);
    EXPECT_REC(&r, 1, "id", "name", "note");
    cr_assert_str_eq(as__csv_encoding(r.c), be ? "UTF-16BE" : "UTF-16LE");
    cr_assert_eq(as__csv_delimiter(r.c), '\t');
    cr_assert_eq(r.rec.raw_len, strlen("id\tname\tnote"));
    EXPECT_REC(&r, 2, "1", "张三", "two\r\nlines 😀");
    cr_assert_eq(r.rec.end_line, 3);
    EXPECT_REC(&r, 4, "2", "a \"q\"", "𝄞");
    EXPECT_DONE(&r);
    cr_assert_eq(as__csv_bytes(r.c), n);
    rd_close(&r);
    free(in);
}

Test(csv, utf16le_with_bom)
{
    check_excel_text(NULL, 0);
}

Test(csv, utf16be_with_bom)
{
    check_excel_text(NULL, 1);
}

Test(csv, utf16_bom_wins_over_the_named_encoding)
{
    static const char *const names[] = {"utf-8", "gb18030", "utf-16", "utf-16le", "utf-16be"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        check_excel_text(names[i], 0);
        check_excel_text(names[i], 1);
    }
}

Test(csv, utf16_without_bom_follows_the_name)
{
    static const struct { const char *name; int be; } cases[] = {
        {"utf-16", 0}, {"utf-16le", 0}, {"utf-16be", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        char *in = utf16("a,中\n😀,b\n", strlen("a,中\n😀,b\n"), cases[i].be, 0, &n);
        struct rd r;
        rd_open(&r, in, n, cases[i].name);
        EXPECT_REC(&r, 1, "a", "中");
        EXPECT_REC(&r, 2, "😀", "b");
        EXPECT_DONE(&r);
        rd_close(&r);
        free(in);
    }
}

Test(csv, utf8_bom_wins_over_gb18030)
{
    struct rd r;
    rd_open(&r, "\xEF\xBB\xBF中,1\n", strlen("\xEF\xBB\xBF中,1\n"), "gb18030");
    EXPECT_REC(&r, 1, "中", "1");
    cr_assert_str_eq(as__csv_encoding(r.c), "UTF-8");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, utf16_pair_split_across_chunks)
{
    /* The pair (and a CRLF) straddles the reader's 64 KiB reads at every
     * even offset near the boundary. */
    for (size_t k = CHUNK - 8; k <= CHUNK + 2; k += 2) {
        size_t units = (k - 2) / 2;   /* after the two-byte BOM */
        char *text = malloc(units + 64);
        memset(text, 'x', units);
        strcpy(text + units, "😀,中\r\nnext\r\n");
        size_t n;
        char *in = utf16(text, strlen(text), 0, 1, &n);
        struct rd r;
        rd_open(&r, in, n, NULL);
        cr_assert_eq(rd_next(&r), AS_OK, "k=%zu: %s", k, as__csv_error(r.c));
        cr_assert_eq(r.rec.nfields, 2);
        cr_assert_eq(r.rec.lens[0], units + 4, "k=%zu", k);
        cr_assert(memcmp(r.rec.fields[0] + units, "😀", 4) == 0, "k=%zu", k);
        cr_assert_str_eq(r.rec.fields[1], "中");
        EXPECT_REC(&r, 2, "next");
        EXPECT_DONE(&r);
        rd_close(&r);
        free(in);
        free(text);
    }
}

Test(csv, utf16_large_input)
{
    /* Three UTF-8 bytes for every two of input: the window fills before
     * the input chunk is used up. */
    size_t rows = 20000;
    char *text = malloc(rows * 48);
    size_t len = 0;
    for (size_t i = 0; i < rows; i++)
        len += (size_t)sprintf(text + len, "%zu\t中文中文中文\t😀\r\n", i);
    size_t n;
    char *in = utf16(text, len, 1, 1, &n);
    struct rd r;
    rd_open(&r, in, n, NULL);
    char want[32];
    for (size_t i = 0; i < rows; i++) {
        cr_assert_eq(rd_next(&r), AS_OK, "row %zu: %s", i, as__csv_error(r.c));
        sprintf(want, "%zu", i);
        cr_assert_eq(r.rec.line, i + 1);
        EXPECT_FIELDS(&r.rec, want, "中文中文中文", "😀");
    }
    EXPECT_DONE(&r);
    cr_assert_eq(as__csv_bytes(r.c), n);
    rd_close(&r);
    free(in);
    free(text);
}

Test(csv, utf16_odd_byte_count)
{
    size_t n;
    char *text = utf16("a,b\nc", 5, 0, 1, &n);   /* 12 bytes */
    char *in = malloc(n + 1);
    memcpy(in, text, n);
    in[n] = 'd';   /* a thirteenth byte */
    struct rd r;
    rd_open(&r, in, n + 1, NULL);
    EXPECT_REC(&r, 1, "a", "b");
    EXPECT_INVALID(&r, 2, "byte 13 of the file cannot be decoded as UTF-16LE");
    cr_assert(strstr(as__csv_error(r.c), "odd number of bytes") != NULL, "%s",
              as__csv_error(r.c));
    EXPECT_DONE(&r);
    rd_close(&r);
    free(in);
    free(text);
}

Test(csv, utf16_unpaired_surrogates)
{
    /* BOM, "ok\n" (bytes 3-8), then "x" (9-10) and a bad unit at byte 11. */
    static const struct { unsigned char unit[4]; size_t len; } bad[] = {
        {{0x00, 0xDC}, 2},                /* a low surrogate alone */
        {{0x3D, 0xD8, 'a', 0}, 4},        /* a high surrogate before 'a' */
        {{0x3D, 0xD8, 0x3D, 0xD8}, 4},    /* two high surrogates */
        {{0x3D, 0xD8}, 2},                /* a high surrogate at the end */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char in[32] = {0xFF, 0xFE, 'o', 0, 'k', 0, '\n', 0, 'x', 0};
        memcpy(in + 10, bad[i].unit, bad[i].len);
        size_t n = 10 + bad[i].len;
        memcpy(in + n, "\n\0z\0\n\0", 6);
        n += 6;
        struct rd r;
        rd_open(&r, in, n, NULL);
        EXPECT_REC(&r, 1, "ok");
        EXPECT_INVALID(&r, 2, "byte 11 of the file cannot be decoded as UTF-16LE "
                              "(an unpaired surrogate)");
        EXPECT_DONE(&r);
        rd_close(&r);
    }
    /* Big-endian, at the very start after the BOM. */
    static const unsigned char be[] = {0xFE, 0xFF, 0xDC, 0x00, 0, 'a'};
    struct rd r;
    rd_open(&r, be, sizeof be, NULL);
    EXPECT_INVALID(&r, 1, "byte 3 of the file cannot be decoded as UTF-16BE");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, utf16_nul_is_an_error_of_the_record)
{
    size_t n;
    char *in = utf16("a\0b,c\nd\n", 8, 0, 1, &n);
    struct rd r;
    rd_open(&r, in, n, NULL);
    EXPECT_INVALID(&r, 1, "NUL byte at byte 2 of the line");
    cr_assert(strstr(as__csv_error(r.c), "--encoding") == NULL);
    EXPECT_REC(&r, 2, "d");
    EXPECT_DONE(&r);
    rd_close(&r);
    free(in);
}

/* ---- the delimiter ----------------------------------------------------- */

/* Read text with the delimiter detected; the header must be detected as d. */
static void rd_detect(struct rd *r, const char *text, char d)
{
    rd_str(r, text);
    cr_assert_eq(as__csv_delimiter(r->c), 0, "not decided before the first record");
    as_status st = rd_next(r);
    cr_assert_eq(st, AS_OK, "%s", as__csv_error(r->c));
    cr_assert_eq(as__csv_delimiter(r->c), d, "detected 0x%02x in \"%s\"",
                 (unsigned)as__csv_delimiter(r->c), text);
}

Test(csv, delimiter_tab_detected)
{
    struct rd r;
    rd_detect(&r, "id\tname\tcity\n1\tA, B\tX;Y\n", '\t');
    EXPECT_FIELDS(&r.rec, "id", "name", "city");
    EXPECT_REC(&r, 2, "1", "A, B", "X;Y");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, delimiter_semicolon_detected)
{
    struct rd r;
    rd_detect(&r, "id;amount;note\r\n1;12,50;\"a;b\"\r\n", ';');
    EXPECT_FIELDS(&r.rec, "id", "amount", "note");
    EXPECT_REC(&r, 2, "1", "12,50", "a;b");
    EXPECT_DONE(&r);
    rd_close(&r);
}

Test(csv, delimiter_tab_preferred_over_semicolon)
{
    struct rd r;
    rd_detect(&r, "id\tcol;umn\n1\t2;3\n", '\t');
    EXPECT_FIELDS(&r.rec, "id", "col;umn");
    EXPECT_REC(&r, 2, "1", "2;3");
    rd_close(&r);
}

Test(csv, delimiter_comma_wins_when_present)
{
    struct rd r;
    rd_detect(&r, "id,a\tb;c\n1,2\n", ',');
    EXPECT_FIELDS(&r.rec, "id", "a\tb;c");
    rd_close(&r);
    rd_detect(&r, "one\n", ',');   /* nothing to go by */
    EXPECT_FIELDS(&r.rec, "one");
    rd_close(&r);
    rd_detect(&r, "a|b|c\n", ',');  /* '|' is never guessed */
    EXPECT_FIELDS(&r.rec, "a|b|c");
    rd_close(&r);
}

Test(csv, delimiter_quoted_header_cells_do_not_count)
{
    struct rd r;
    /* Commas are the delimiter; the semicolons and tab are inside quotes. */
    rd_detect(&r, "\"user;id\",\"na\tme\",\"x\"\";y\"\n1,2,3\n", ',');
    EXPECT_FIELDS(&r.rec, "user;id", "na\tme", "x\";y");
    EXPECT_REC(&r, 2, "1", "2", "3");
    rd_close(&r);
    /* And the other way round, with a quoted line break holding a comma. */
    rd_detect(&r, "\"a,\nb\";c\n1;2\n", ';');
    EXPECT_FIELDS(&r.rec, "a,\nb", "c");
    EXPECT_REC(&r, 3, "1", "2");
    rd_close(&r);
    /* A quote inside an unquoted cell does not open a quoted field. */
    rd_detect(&r, "a\"b;c\"d\n", ';');
    EXPECT_FIELDS(&r.rec, "a\"b", "c\"d");
    rd_close(&r);
}

Test(csv, delimiter_detected_after_empty_lines_and_bom)
{
    struct rd r;
    rd_detect(&r, "\xEF\xBB\xBF\n\r\nid;n\n1;2\n", ';');
    cr_assert_eq(r.rec.line, 3);
    EXPECT_FIELDS(&r.rec, "id", "n");
    EXPECT_REC(&r, 4, "1", "2");
    rd_close(&r);
}

Test(csv, delimiter_detected_in_a_long_header)
{
    /* A header longer than one read. */
    size_t n = 3 * CHUNK;
    char *in = malloc(n + 16);
    memset(in, 'h', n);
    in[n - 1] = ';';
    strcpy(in + n, "x\n1;2\n");
    struct rd r;
    rd_detect(&r, in, ';');
    cr_assert_eq(r.rec.nfields, 2);
    cr_assert_eq(r.rec.lens[0], n - 1);
    EXPECT_REC(&r, 2, "1", "2");
    rd_close(&r);
    free(in);
}

Test(csv, delimiter_forced)
{
    static const struct { char d; const char *want[3]; size_t n; } cases[] = {
        {'|', {"a", "b,c\tx;y"}, 2},
        {',', {"a|b", "c\tx;y"}, 2},
        {'\t', {"a|b,c", "x;y"}, 2},
        {';', {"a|b,c\tx", "y"}, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rd r;
        rd_str(&r, "a|b,c\tx;y\n\"q|\"|z\n");
        cr_assert_eq(as__csv_set_delimiter(r.c, cases[i].d), AS_OK);
        cr_assert_eq(as__csv_delimiter(r.c), cases[i].d);
        cr_assert_eq(rd_next(&r), AS_OK);
        check_fields(&r.rec, cases[i].want, cases[i].n);
        if (cases[i].d == '|')
            EXPECT_REC(&r, 2, "q|", "z");
        rd_close(&r);
    }
    /* 0 goes back to detection. */
    struct rd r;
    rd_str(&r, "a;b\n");
    cr_assert_eq(as__csv_set_delimiter(r.c, '|'), AS_OK);
    cr_assert_eq(as__csv_set_delimiter(r.c, 0), AS_OK);
    EXPECT_REC(&r, 1, "a", "b");
    rd_close(&r);
}

Test(csv, delimiter_invalid)
{
    struct rd r;
    rd_str(&r, "a:b\n");
    static const char bad[] = {':', ' ', '"', '\n', '\r', 'x', '\x80'};
    for (size_t i = 0; i < sizeof bad; i++)
        cr_assert_eq(as__csv_set_delimiter(r.c, bad[i]), AS_INVALID, "0x%02x",
                     (unsigned char)bad[i]);
    EXPECT_REC(&r, 1, "a:b");   /* still detecting */
    cr_assert_eq(as__csv_set_delimiter(r.c, ';'), AS_MISUSE, "too late");
    cr_assert_eq(as__csv_set_delimiter(NULL, ';'), AS_MISUSE);
    rd_close(&r);
}

/* ---- the encoding hint --------------------------------------------------- */

Test(csv, hint_once_per_file)
{
    struct rd r;
    rd_str(&r, "id,name\n1,\xD5\xC5\n2,ok\n3,\xC0\xEE\n");
    EXPECT_REC(&r, 1, "id", "name");
    EXPECT_INVALID(&r, 2, "invalid UTF-8 at byte 3 of the line");
    cr_assert(strstr(as__csv_error(r.c), utf8_hint) != NULL, "%s", as__csv_error(r.c));
    EXPECT_REC(&r, 3, "2", "ok");
    EXPECT_INVALID(&r, 4, "invalid UTF-8 at byte 3 of the line");
    cr_assert_str_eq(as__csv_error(r.c), "invalid UTF-8 at byte 3 of the line");
    EXPECT_DONE(&r);
    rd_close(&r);
}
