/* ticket_track.c - tracking numbers: 8 digits that do not reveal the
 * ticket count, then a Damm check digit. */
#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tracking numbers ---------------------------------------------- */

/* The Damm quasigroup of order 10 (totally anti-symmetric): one wrong
 * digit or one swap of two adjacent digits always changes the result. */
static const unsigned char damm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
    {4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
    {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
    {9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

int as_tracking_digit(const char *digits)
{
    if (!digits || !digits[0])
        return -1;
    unsigned v = 0;
    for (const char *p = digits; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = damm[v][*p - '0'];
    }
    return (int)v;
}

enum { TRACK_DIGITS = 9 };

as_status as_tracking_check(const char *text, char out[AS_TRACKING_BUFSIZE])
{
    if (!text || !out)
        return AS_MISUSE;
    char d[AS_TRACKING_BUFSIZE];
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (*p < '0' || *p > '9' || n == TRACK_DIGITS)
            return AS_INVALID;
        d[n++] = *p;
    }
    d[n] = '\0';
    if (n != TRACK_DIGITS || as_tracking_digit(d) != 0)
        return AS_INVALID;
    memcpy(out, d, n + 1);
    return AS_OK;
}

/* The number of ticket id: a bijection of 1..10^8-1 onto 8 digits (so that
 * numbers do not reveal the ticket count), then the check digit. */
int as__tracking_of(int64_t id, char out[AS_TRACKING_BUFSIZE])
{
    if (id <= 0 || id >= 100000000)
        return -1;
    int64_t v = (id * INT64_C(37139213) + INT64_C(48271)) % INT64_C(100000000);
    snprintf(out, AS_TRACKING_BUFSIZE, "%08lld", (long long)v);
    int c = as_tracking_digit(out);
    out[8] = (char)('0' + c);
    out[9] = '\0';
    return 0;
}

as_status as__bad_tracking(as_db *db, const char *text)
{
    return as__fail(db, AS_INVALID, "invalid tracking number: '%.40s' (9 digits; check for a typo)",
                    text ? text : "");
}

