/*
 * csv.c - the streaming RFC 4180 reader shared by every import.
 *
 * The first chunk of the file is read raw: its byte order mark decides the
 * encoding.  Input is then decoded (GB18030 through iconv, UTF-16 here)
 * into a sliding window that holds at least the record being scanned;
 * UTF-8 is read straight into the window.  Before the first record the
 * header line is sniffed for its delimiter.  A record is found in one
 * resumable pass that notes where each field begins and ends; it is then
 * validated as UTF-8 and its fields are copied, unescaped and
 * NUL-terminated, into one reused buffer.  raw points into the window.
 */
#include "internal.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CSV_CHUNK = 64 * 1024 };

/* The header is sniffed for its delimiter within this many bytes. */
enum { SNIFF_MAX = 1024 * 1024 };

enum csv_enc { ENC_UTF8, ENC_GB18030, ENC_UTF16LE, ENC_UTF16BE };

static const char *const enc_names[] = {"UTF-8", "GB18030", "UTF-16LE", "UTF-16BE"};

enum scan_state {
    S_START,                 /* at the start of a field */
    S_UNQUOTED,              /* inside an unquoted field */
    S_QUOTED,                /* inside a quoted field */
    S_QUOTE                  /* just after a quote inside a quoted field */
};

/* Field flags. */
enum { F_PLAIN = 0, F_QUOTED = 1, F_ESCAPED = 2 };

struct as_csv {
    FILE *in;
    char *name;
    int declared;            /* ENC_*: the encoding named at open */
    int enc;                 /* ENC_*: the one read (a BOM overrides declared) */
    int hinted;              /* the wrong-encoding hint was given once */
    iconv_t cd;              /* for GB18030; (iconv_t)-1 when not opened */

    /* Undecoded input: bytes [ipos, ilen) of ibuf are pending; ibuf[0] is
     * byte ioff of the file.  UTF-8 uses ibuf for the first chunk only. */
    char *ibuf;
    size_t ipos, ilen;
    uint64_t ioff;
    int in_eof;              /* the FILE reported end of file */
    int dec_err;             /* undecodable input at byte dec_off (1-based) */
    uint64_t dec_off;
    const char *dec_why;     /* "" or " (why)" */

    /* The field delimiter: 0 until decided (detected from the header
     * unless set); stop_plain holds it, '\n' and '\r'. */
    char delim;
    int delim_set;
    unsigned char stop_plain[256];

    /* The decoded window: win[0, wlen) is valid, win[wlen] a sentinel. */
    char *win;
    size_t wcap, wlen;
    size_t pos;              /* scan position */
    size_t rs;               /* start of the current record */
    int eof;                 /* no more decoded input */
    int started;             /* BOM checked */
    size_t bom;              /* bytes of BOM skipped on line 1 (UTF-8 input) */
    int done;                /* return AS_DONE from now on */
    int io_err;              /* a read failed */
    as_status fatal;         /* AS_IO or AS_NOMEM: returned from now on */

    /* Scanner state of the current record. */
    int state;
    int skip_lf;             /* a CR was the last byte: swallow one LF */
    uint64_t line;           /* physical line at pos */
    uint64_t rline;          /* line where the record starts */
    uint64_t qline;          /* line where the open quote is */
    size_t cur;              /* start of the current field, from rs */
    unsigned char fflag;     /* F_* of the current field */
    size_t raw_end;          /* the record's length once complete */
    uint64_t eline;          /* line of its last byte */
    int oversize;            /* over AS_CSV_MAX_RECORD; bytes dropped */
    int junk;                /* a character followed a closing quote... */
    size_t junk_off;         /* ...at this offset from rs */

    /* Fields of the current record (offsets from rs); at most fcap. */
    size_t nf;               /* may exceed AS_CSV_MAX_FIELDS */
    size_t fcap;
    size_t *fbeg, *fend;
    unsigned char *fflags;
    char **fields;
    size_t *lens;
    char *fbuf;              /* a copy of the record holding the fields */
    size_t fbcap;

    uint64_t nread;          /* bytes read from the file */
    uint64_t errline;
    char err[256];
};

/* Bytes that stop the scan of a quoted field (those of an unquoted one are
 * in as_csv.stop_plain).  '\n' is also the sentinel stored at win[wlen]. */
static const unsigned char stop_quoted[256] = {
    ['"'] = 1, ['\n'] = 1, ['\r'] = 1
};

static const char utf8_hint[] = " (is the file GB18030/GBK? try --encoding gb18030)";

static void set_err(as_csv *c, uint64_t line, const char *fmt, ...) AS_PRINTF(3, 4);

static void set_err(as_csv *c, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    c->errline = line;
}

/* The encoding named by text (case-insensitive), or -1. */
static int encoding_of(const char *text)
{
    static const struct { const char *name; int enc; } names[] = {
        {"utf-8", ENC_UTF8},        {"utf8", ENC_UTF8},
        {"gb18030", ENC_GB18030},   {"gbk", ENC_GB18030},       {"gb2312", ENC_GB18030},
        {"utf-16", ENC_UTF16LE},    {"utf16", ENC_UTF16LE},
        {"utf-16le", ENC_UTF16LE},  {"utf16le", ENC_UTF16LE},
        {"utf-16be", ENC_UTF16BE},  {"utf16be", ENC_UTF16BE},
    };
    if (!text)
        return ENC_UTF8;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(text, names[i].name))
            return names[i].enc;
    return -1;
}

static void use_delimiter(as_csv *c, char d)
{
    memset(c->stop_plain, 0, sizeof c->stop_plain);
    c->stop_plain['\n'] = c->stop_plain['\r'] = 1;
    c->stop_plain[(unsigned char)d] = 1;
    c->delim = d;
}

as_status as__csv_open(as_csv **out, FILE *in, const char *name,
                       const char *encoding, char *err, size_t errsz)
{
    if (err && errsz)
        err[0] = '\0';
    if (!out)
        return AS_MISUSE;
    *out = NULL;
    if (!in)
        return AS_MISUSE;

    int enc = encoding_of(encoding);
    if (enc < 0) {
        if (err && errsz)
            snprintf(err, errsz, "unknown encoding \"%s\" (use utf-8, gb18030 or utf-16)",
                     encoding);
        return AS_INVALID;
    }

    as_csv *c = calloc(1, sizeof *c);
    if (!c)
        return AS_NOMEM;
    c->in = in;
    c->declared = c->enc = enc;
    c->dec_why = "";
    c->cd = (iconv_t)-1;
    c->line = 1;
    c->name = as__strdup(name ? name : "input");
    c->wcap = 2 * CSV_CHUNK;
    c->win = malloc(c->wcap + 1);
    c->ibuf = malloc(CSV_CHUNK + 16);
    if (!c->name || !c->win || !c->ibuf) {
        as__csv_free(c);
        return AS_NOMEM;
    }
    c->win[0] = '\n';
    use_delimiter(c, ',');
    c->delim = 0;            /* detected from the header */
    if (enc == ENC_GB18030) {
        c->cd = iconv_open("UTF-8", "GB18030");
        if (c->cd == (iconv_t)-1) {
            int e = errno;
            as__csv_free(c);
            if (e == ENOMEM)
                return AS_NOMEM;
            if (err && errsz)
                snprintf(err, errsz, "this system's iconv cannot convert from GB18030");
            return AS_INVALID;
        }
    }
    *out = c;
    return AS_OK;
}

as_status as__csv_set_delimiter(as_csv *c, char delimiter)
{
    if (!c || c->started)
        return AS_MISUSE;
    if (delimiter == 0) {
        c->delim_set = 0;
        c->delim = 0;
        return AS_OK;
    }
    if (delimiter != ',' && delimiter != '\t' && delimiter != ';' && delimiter != '|')
        return AS_INVALID;
    use_delimiter(c, delimiter);
    c->delim_set = 1;
    return AS_OK;
}

char as__csv_delimiter(const as_csv *c)
{
    return c && (c->started || c->delim_set) ? c->delim : 0;
}

const char *as__csv_encoding(const as_csv *c)
{
    return c ? enc_names[c->enc] : "";
}

void as__csv_free(as_csv *c)
{
    if (!c)
        return;
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
    free(c->name);
    free(c->ibuf);
    free(c->win);
    free(c->fbeg);
    free(c->fend);
    free(c->fflags);
    free(c->fields);
    free(c->lens);
    free(c->fbuf);
    free(c);
}

const char *as__csv_error(const as_csv *c)
{
    return c ? c->err : "";
}

uint64_t as__csv_error_line(const as_csv *c)
{
    return c ? c->errline : 0;
}

uint64_t as__csv_bytes(const as_csv *c)
{
    return c ? c->nread : 0;
}

/* ---- input ----------------------------------------------------------- */

/* Read up to one chunk from the file to dst.  Returns the count; sets
 * in_eof at end of file, io_err on failure. */
static size_t read_chunk(as_csv *c, char *dst)
{
    if (c->in_eof)
        return 0;
    errno = 0;
    size_t n = fread(dst, 1, CSV_CHUNK, c->in);
    c->nread += n;
    if (n < CSV_CHUNK) {
        if (ferror(c->in)) {
            c->io_err = 1;
            set_err(c, c->line, "cannot read %s: %s", c->name,
                    errno ? strerror(errno) : "read error");
        }
        c->in_eof = 1;
    }
    return n;
}

/* Convert pending GB18030 input into the window.  Returns 1 when text was
 * added, 0 at the end of the decodable input. */
static int fill_gb(as_csv *c)
{
    for (;;) {
        if (c->ipos < c->ilen) {
            char *ip = c->ibuf + c->ipos;
            size_t ileft = c->ilen - c->ipos;
            char *op = c->win + c->wlen;
            size_t oleft = c->wcap - c->wlen;
            size_t r = iconv(c->cd, &ip, &ileft, &op, &oleft);
            int e = errno;
            size_t made = (size_t)(op - (c->win + c->wlen));
            c->ipos = (size_t)(ip - c->ibuf);
            c->wlen += made;
            if (r == (size_t)-1 && e == EILSEQ) {
                c->dec_err = 1;
                c->dec_off = c->ioff + c->ipos + 1;
                return made > 0;
            }
            if (made > 0)
                return 1;
            if (r == (size_t)-1 && e == E2BIG)
                return 0;   /* cannot happen: the window has room */
            /* All converted, or an incomplete character (EINVAL) that
             * needs more input. */
        }
        if (c->in_eof || c->io_err) {
            if (c->ipos < c->ilen && !c->io_err) {
                c->dec_err = 1;
                c->dec_off = c->ioff + c->ipos + 1;
            }
            return 0;
        }
        /* Carry the incomplete tail (under 4 bytes) to the front. */
        size_t keep = c->ilen - c->ipos;
        memmove(c->ibuf, c->ibuf + c->ipos, keep);
        c->ioff += c->ipos;
        c->ipos = 0;
        c->ilen = keep + read_chunk(c, c->ibuf + keep);
    }
}

/* Convert pending UTF-16 input into the window (as fill_gb does).  A
 * surrogate pair becomes one four-byte sequence; an unpaired surrogate,
 * or input ending inside a code unit or a pair, stops the decoding with
 * dec_err at its first byte. */
static int fill_utf16(as_csv *c)
{
    const int hi = c->enc == ENC_UTF16BE ? 0 : 1;   /* index of the high byte */
    for (;;) {
        const unsigned char *s = (const unsigned char *)c->ibuf;
        size_t i = c->ipos, n = c->ilen;
        unsigned char *o = (unsigned char *)c->win + c->wlen;
        unsigned char *const oend = (unsigned char *)c->win + c->wcap - 4;
        int bad = 0;
        while (i + 2 <= n && o <= oend) {
            uint32_t u = (uint32_t)s[i + hi] << 8 | s[i + 1 - hi];
            if (u < 0x80) {
                *o++ = (unsigned char)u;
                i += 2;
            } else if (u < 0x800) {
                o[0] = (unsigned char)(0xC0 | u >> 6);
                o[1] = (unsigned char)(0x80 | (u & 0x3F));
                o += 2;
                i += 2;
            } else if (u < 0xD800 || u > 0xDFFF) {
                o[0] = (unsigned char)(0xE0 | u >> 12);
                o[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
                o[2] = (unsigned char)(0x80 | (u & 0x3F));
                o += 3;
                i += 2;
            } else {
                if (u >= 0xDC00) {
                    bad = 1;         /* a low surrogate without a high one */
                    break;
                }
                if (i + 4 > n)
                    break;           /* the pair's second half is not read yet */
                uint32_t v = (uint32_t)s[i + 2 + hi] << 8 | s[i + 3 - hi];
                if (v < 0xDC00 || v > 0xDFFF) {
                    bad = 1;         /* a high surrogate without a low one */
                    break;
                }
                uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
                o[0] = (unsigned char)(0xF0 | cp >> 18);
                o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
                o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                o[3] = (unsigned char)(0x80 | (cp & 0x3F));
                o += 4;
                i += 4;
            }
        }
        size_t made = (size_t)(o - ((unsigned char *)c->win + c->wlen));
        c->ipos = i;
        c->wlen += made;
        if (bad) {
            c->dec_err = 1;
            c->dec_off = c->ioff + i + 1;
            c->dec_why = " (an unpaired surrogate)";
            return made > 0;
        }
        if (made > 0)
            return 1;
        if (c->in_eof || c->io_err) {
            if (c->ipos < c->ilen && !c->io_err) {
                c->dec_err = 1;
                c->dec_off = c->ioff + c->ipos + 1;
                c->dec_why = (c->ilen - c->ipos) % 2 ? " (the file ends in the middle of a "
                                                       "character: an odd number of bytes)"
                                                     : " (an unpaired surrogate)";
            }
            return 0;
        }
        /* Carry the incomplete tail (under 4 bytes) to the front. */
        size_t keep = c->ilen - c->ipos;
        memmove(c->ibuf, c->ibuf + c->ipos, keep);
        c->ioff += c->ipos;
        c->ipos = 0;
        c->ilen = keep + read_chunk(c, c->ibuf + keep);
    }
}

/* Make room and add decoded text to the window.  Returns 1 on new text,
 * 0 at the end of input (or on a read error: io_err), -1 out of memory. */
static int refill(as_csv *c)
{
    if (c->eof)
        return 0;
    if (!c->oversize && c->wlen - c->rs > AS_CSV_MAX_RECORD)
        c->oversize = 1;
    if (c->oversize)
        c->rs = c->pos;      /* the record is rejected: drop its bytes */
    if (c->rs > 0) {
        memmove(c->win, c->win + c->rs, c->wlen - c->rs);
        c->wlen -= c->rs;
        c->pos -= c->rs;
        c->rs = 0;
    }
    if (c->wcap - c->wlen < CSV_CHUNK) {
        /* Here wlen <= AS_CSV_MAX_RECORD, so the cap leaves room. */
        size_t cap = c->wcap * 2;
        if (cap > AS_CSV_MAX_RECORD + 2 * CSV_CHUNK)
            cap = AS_CSV_MAX_RECORD + 2 * CSV_CHUNK;
        char *p = realloc(c->win, cap + 1);
        if (!p)
            return -1;
        c->win = p;
        c->wcap = cap;
    }
    int got;
    if (c->enc == ENC_UTF8) {
        size_t n = read_chunk(c, c->win + c->wlen);
        c->wlen += n;
        got = n > 0;
    } else if (c->enc == ENC_GB18030) {
        got = fill_gb(c);
    } else {
        got = fill_utf16(c);
    }
    c->win[c->wlen] = '\n';  /* sentinel */
    if (!got)
        c->eof = 1;
    return got;
}

/* ---- scanning -------------------------------------------------------- */

static int grow_fields(as_csv *c)
{
    size_t cap = c->fcap ? c->fcap * 2 : 64;
    if (cap > AS_CSV_MAX_FIELDS)
        cap = AS_CSV_MAX_FIELDS;
    size_t *b = realloc(c->fbeg, cap * sizeof *b);
    if (b)
        c->fbeg = b;
    size_t *e = realloc(c->fend, cap * sizeof *e);
    if (e)
        c->fend = e;
    unsigned char *f = realloc(c->fflags, cap);
    if (f)
        c->fflags = f;
    char **p = realloc(c->fields, cap * sizeof *p);
    if (p)
        c->fields = p;
    size_t *l = realloc(c->lens, cap * sizeof *l);
    if (l)
        c->lens = l;
    if (!b || !e || !f || !p || !l)
        return -1;
    c->fcap = cap;
    return 0;
}

/* Note a field [beg, end) (offsets from rs).  Past the limit fields are
 * only counted.  Returns -1 out of memory. */
static inline int add_field(as_csv *c, size_t beg, size_t end, unsigned char flags)
{
    size_t i = c->nf;
    if (i >= c->fcap) {
        if (i >= AS_CSV_MAX_FIELDS) {
            c->nf++;
            return 0;
        }
        if (grow_fields(c) < 0)
            return -1;
    }
    c->fbeg[i] = beg;
    c->fend[i] = end;
    c->fflags[i] = flags;
    c->nf = i + 1;
    return 0;
}

/*
 * Scan on from pos.  Returns 1 when the record is complete (raw_end and
 * eline set, pos past its line break), 0 when the window is exhausted,
 * -1 out of memory.
 */
static int scan(as_csv *c)
{
    const unsigned char *w = (const unsigned char *)c->win;
    const unsigned char *const stop_plain = c->stop_plain;
    const unsigned char d = (unsigned char)c->delim;
    size_t p = c->pos, e = c->wlen, rs = c->rs;
    uint64_t line = c->line;
    int state = c->state;
    int ret = 0;
    unsigned char ch;

    if (c->skip_lf) {
        if (p == e)
            return 0;
        c->skip_lf = 0;
        if (w[p] == '\n') {
            p++;
            if (state == S_START && c->nf == 0)
                rs = p;
        }
    }

    for (;;) {
        switch (state) {
        case S_START:
            if (p == e)
                goto out;
            ch = w[p];
            if (ch == '"') {
                state = S_QUOTED;
                c->fflag = F_QUOTED;
                c->qline = line;
                c->cur = ++p - rs;
                break;
            }
            if (ch == d) {
                if (add_field(c, p - rs, p - rs, F_PLAIN) < 0)
                    goto nomem;
                p++;
                break;
            }
            if (ch == '\n' || ch == '\r') {
                if (c->nf > 0) {
                    if (add_field(c, p - rs, p - rs, F_PLAIN) < 0)
                        goto nomem;
                    goto eol;
                }
                /* An empty line: skip it. */
                p++;
                line++;
                if (ch == '\r') {
                    if (p == e) {
                        c->skip_lf = 1;
                        rs = p;
                        c->rline = line;
                        goto out;
                    }
                    if (w[p] == '\n')
                        p++;
                }
                rs = p;
                c->rline = line;
                break;
            }
            state = S_UNQUOTED;
            c->cur = p++ - rs;
            goto unquoted;
        case S_UNQUOTED:
        unquoted:
            while (!stop_plain[w[p]])
                p++;
            if (p == e)
                goto out;
            if (add_field(c, c->cur, p - rs, F_PLAIN) < 0)
                goto nomem;
            if (w[p] != d)
                goto eol;
            p++;
            state = S_START;
            break;
        case S_QUOTED:
            while (!stop_quoted[w[p]])
                p++;
            if (p == e)
                goto out;
            ch = w[p++];
            if (ch == '"') {
                state = S_QUOTE;
                break;
            }
            line++;
            if (ch == '\r') {
                if (p == e) {
                    c->skip_lf = 1;
                    goto out;
                }
                if (w[p] == '\n')
                    p++;
            }
            break;
        case S_QUOTE:
            if (p == e)
                goto out;
            ch = w[p];
            if (ch == '"') {
                c->fflag = F_ESCAPED;
                state = S_QUOTED;
                p++;
                break;
            }
            if (ch == d || ch == '\n' || ch == '\r') {
                if (add_field(c, c->cur, p - 1 - rs, c->fflag) < 0)
                    goto nomem;
                if (ch != d)
                    goto eol;
                p++;
                state = S_START;
                break;
            }
            /* Text after the closing quote: the record is rejected; scan
             * the rest of the field as unquoted text. */
            if (!c->junk) {
                c->junk = 1;
                c->junk_off = p - rs;
            }
            c->cur = p - rs;
            state = S_UNQUOTED;
            break;
        }
    }

eol:
    /* w[p] is the record's line break. */
    c->raw_end = p - rs;
    c->eline = line;
    ch = w[p++];
    line++;
    if (ch == '\r') {
        if (p == e)
            c->skip_lf = 1;
        else if (w[p] == '\n')
            p++;
    }
    state = S_START;
    ret = 1;
    goto out;
nomem:
    ret = -1;
out:
    c->pos = p;
    c->rs = rs;
    c->line = line;
    c->state = state;
    return ret;
}

/* The physical line and 1-based column of offset off in the record. */
static uint64_t locate(const as_csv *c, size_t off, size_t *col)
{
    const char *r = c->win + c->rs;
    uint64_t line = c->rline;
    size_t start = 0;
    for (size_t i = 0; i < off; i++) {
        if (r[i] == '\n' || r[i] == '\r') {
            if (!(r[i] == '\n' && i > 0 && r[i - 1] == '\r'))
                line++;
            start = i + 1;
        }
    }
    *col = off - start + 1;
    if (line == 1)
        *col += c->bom;      /* the skipped BOM is part of line 1 */
    return line;
}

/* Validate the complete record and build its fields. */
static as_status finish(as_csv *c, as_csv_record *rec)
{
    const char *raw = c->win + c->rs;
    size_t len = c->raw_end;

    rec->nfields = 0;
    rec->fields = NULL;
    rec->lens = NULL;
    rec->line = c->rline;
    rec->end_line = c->eline;
    rec->raw = c->oversize ? NULL : raw;
    rec->raw_len = c->oversize ? 0 : len;

    if (c->oversize || len > AS_CSV_MAX_RECORD) {
        rec->raw = NULL;
        rec->raw_len = 0;
        set_err(c, c->rline, "record exceeds 64 MiB");
        return AS_INVALID;
    }
    if (c->nf > AS_CSV_MAX_FIELDS) {
        set_err(c, c->rline, "record has more than %d fields", AS_CSV_MAX_FIELDS);
        return AS_INVALID;
    }
    int nul;
    size_t bad = as__utf8_scan((const unsigned char *)raw, len, &nul);
    if (c->junk && c->junk_off < bad) {
        size_t col;
        uint64_t ln = locate(c, c->junk_off, &col);
        set_err(c, ln, "character after a closing quote at byte %zu of the line "
                "(a quote inside a quoted field must be doubled)", col);
        return AS_INVALID;
    }
    if (bad < len) {
        size_t col;
        uint64_t ln = locate(c, bad, &col);
        if (nul) {
            set_err(c, ln, "NUL byte at byte %zu of the line", col);
        } else {
            /* The hint goes with the first such error of the file only. */
            int hint = c->enc == ENC_UTF8 && c->declared == ENC_UTF8 && !c->hinted;
            set_err(c, ln, "invalid UTF-8 at byte %zu of the line%s", col, hint ? utf8_hint : "");
            c->hinted |= hint;
        }
        return AS_INVALID;
    }

    /* Copy the record once; each field ends on a separator, closing quote
     * or the line break, where its NUL goes.  Escaped quotes collapse in
     * place. */
    if (len + 1 > c->fbcap) {
        size_t cap = c->fbcap ? c->fbcap : 4096;
        while (cap < len + 1)
            cap *= 2;
        char *p = realloc(c->fbuf, cap);
        if (!p)
            return AS_NOMEM;
        c->fbuf = p;
        c->fbcap = cap;
    }
    char *fb = c->fbuf;
    memcpy(fb, raw, len);
    for (size_t i = 0; i < c->nf; i++) {
        char *f = fb + c->fbeg[i];
        size_t n = c->fend[i] - c->fbeg[i];
        c->fields[i] = f;
        if (c->fflags[i] == F_ESCAPED) {
            char *o = f;
            const char *in = f;
            while (n > 0) {
                const char *q = memchr(in, '"', n);
                size_t k = q ? (size_t)(q - in) + 1 : n;
                memmove(o, in, k);
                o += k;
                if (!q)
                    break;
                in += k + 1;
                n -= k + 1;
            }
            n = (size_t)(o - f);
        }
        f[n] = '\0';
        c->lens[i] = n;
    }
    rec->nfields = c->nf;
    rec->fields = c->fields;
    rec->lens = c->lens;
    return AS_OK;
}

/* End of input inside a record: complete it, or report why not. */
static as_status at_eof(as_csv *c, as_csv_record *rec)
{
    size_t end = c->wlen - c->rs;

    c->skip_lf = 0;
    if (c->dec_err) {
        c->done = 1;
        set_err(c, c->line, "byte %llu of the file cannot be decoded as %s%s",
                (unsigned long long)c->dec_off, enc_names[c->enc], c->dec_why);
        return AS_INVALID;
    }
    switch (c->state) {
    case S_START:
        if (c->nf == 0) {
            c->done = 1;
            return AS_DONE;
        }
        if (add_field(c, end, end, F_PLAIN) < 0)
            return AS_NOMEM;
        break;
    case S_UNQUOTED:
        if (add_field(c, c->cur, end, F_PLAIN) < 0)
            return AS_NOMEM;
        break;
    case S_QUOTE:
        if (add_field(c, c->cur, end - 1, c->fflag) < 0)
            return AS_NOMEM;
        break;
    case S_QUOTED:
        c->done = 1;
        set_err(c, c->qline, "unterminated quote: the quoted field opened on line %llu "
                "is not closed at the end of the file", (unsigned long long)c->qline);
        return AS_INVALID;
    }
    c->raw_end = end;
    c->eline = c->line;
    c->pos = c->wlen;
    c->state = S_START;
    return finish(c, rec);
}

/*
 * Pick the delimiter from the first record (the header): ',' when a comma
 * is outside quotes, else TAB when there is a tab, else ';' when there is a
 * semicolon, else ','.  Empty lines before it are passed over, as the
 * scanner does.  A quote opens a quoted field only at the start of a field
 * (after a line break or any candidate delimiter), so "a;b",c is comma-
 * separated and "a,b";c semicolon-separated.  Looks at SNIFF_MAX bytes at
 * most.  Returns 0, or -1 out of memory.
 */
static int sniff(as_csv *c)
{
    enum { Q_START, Q_PLAIN, Q_QUOTED, Q_QUOTE };
    size_t commas = 0, tabs = 0, semis = 0, i = 0;
    int state = Q_START, seen = 0;
    for (;;) {
        /* Offsets from pos: a refill may move the window. */
        const unsigned char *w = (const unsigned char *)c->win + c->pos;
        size_t n = c->wlen - c->pos;
        for (; i < n; i++) {
            unsigned char ch = w[i];
            if (state == Q_QUOTED) {
                if (ch == '"')
                    state = Q_QUOTE;
                continue;
            }
            if (state == Q_QUOTE) {
                state = Q_QUOTED;
                if (ch == '"')
                    continue;    /* a doubled quote */
                state = Q_PLAIN;  /* the field's closing quote */
            }
            if (ch == '\n' || ch == '\r') {
                if (seen)
                    goto done;
                continue;
            }
            seen = 1;
            if (ch == ',' || ch == '\t' || ch == ';') {
                commas += ch == ',';
                tabs += ch == '\t';
                semis += ch == ';';
                state = Q_START;
            } else if (ch == '"' && state == Q_START) {
                state = Q_QUOTED;
            } else {
                state = Q_PLAIN;
            }
        }
        if (n >= SNIFF_MAX || c->eof)
            break;
        int r = refill(c);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
    }
done:
    use_delimiter(c, commas ? ',' : tabs ? '\t' : semis ? ';' : ',');
    return 0;
}

/* Once, before the first record: a byte order mark decides the encoding
 * (whatever was declared), then the header the delimiter (unless set). */
static as_status start(as_csv *c)
{
    c->ilen = read_chunk(c, c->ibuf);
    if (c->io_err)
        return AS_IO;
    const unsigned char *b = (const unsigned char *)c->ibuf;
    if (c->ilen >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        c->enc = ENC_UTF8;
        c->ipos = 3;
        c->bom = 3;          /* counted in the columns of line 1 */
    } else if (c->ilen >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        c->enc = ENC_UTF16LE;
        c->ipos = 2;
    } else if (c->ilen >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        c->enc = ENC_UTF16BE;
        c->ipos = 2;
    }
    if (c->enc == ENC_UTF8) {
        /* From here on UTF-8 is read straight into the window. */
        size_t n = c->ilen - c->ipos;
        memcpy(c->win, c->ibuf + c->ipos, n);
        c->wlen = n;
        c->ipos = c->ilen;
        c->win[n] = '\n';
    }
    c->rs = c->pos;
    if (c->enc == ENC_GB18030) {
        /* GB18030's own byte order mark (84 31 95 33) decodes to U+FEFF. */
        while (c->wlen - c->pos < 3 && !c->eof) {
            if (refill(c) < 0)
                return AS_NOMEM;
        }
        if (c->io_err)
            return AS_IO;
        if (c->wlen - c->pos >= 3 && !memcmp(c->win + c->pos, "\xEF\xBB\xBF", 3))
            c->pos += 3;
        c->rs = c->pos;
    }
    if (!c->delim_set) {
        if (sniff(c) < 0)
            return AS_NOMEM;
        if (c->io_err)
            return AS_IO;
    }
    return AS_OK;
}

/* The body of as__csv_next. */
static as_status read_record(as_csv *c, as_csv_record *rec)
{
    if (!c->started) {
        as_status st = start(c);
        if (st != AS_OK)
            return st;
        c->started = 1;
    }

    c->rs = c->pos;
    c->rline = c->line;
    c->state = S_START;
    c->nf = 0;
    c->oversize = 0;
    c->junk = 0;
    for (;;) {
        int r = scan(c);
        if (r > 0)
            return finish(c, rec);
        if (r < 0)
            return AS_NOMEM;
        r = refill(c);
        if (r < 0)
            return AS_NOMEM;
        if (c->io_err)
            return AS_IO;
        if (r == 0)
            return at_eof(c, rec);
    }
}

as_status as__csv_next(as_csv *c, as_csv_record *rec)
{
    if (!c || !rec)
        return AS_MISUSE;
    memset(rec, 0, sizeof *rec);
    if (c->fatal)
        return c->fatal;     /* its message stays */
    c->err[0] = '\0';
    c->errline = 0;
    if (c->done)
        return AS_DONE;

    as_status st = read_record(c, rec);
    if (st == AS_NOMEM || st == AS_IO) {
        /* The position in the input is lost: give up for good. */
        if (st == AS_NOMEM)
            set_err(c, c->line, "out of memory reading %s", c->name);
        c->fatal = st;
        memset(rec, 0, sizeof *rec);
    }
    return st;
}
