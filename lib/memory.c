/* memory.c - small allocation helpers and a growable buffer. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void as_free(void *ptr)
{
    free(ptr);
}

char *as__strdup(const char *s)
{
    return s ? as__strndup(s, strlen(s)) : NULL;
}

char *as__strdup_opt(const char *s, int *failed)
{
    if (!s)
        return NULL;
    char *d = as__strdup(s);
    if (!d)
        *failed = 1;
    return d;
}

char *as__strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *as__printf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

int as__buf_reserve(as_buf *b, size_t extra)
{
    if (b->cap - b->len > extra)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= extra) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int as__buf_add(as_buf *b, const void *p, size_t n)
{
    if (as__buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int as__buf_addc(as_buf *b, char c)
{
    return as__buf_add(b, &c, 1);
}

int as__buf_adds(as_buf *b, const char *s)
{
    return as__buf_add(b, s, strlen(s));
}

void as__buf_free(as_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
