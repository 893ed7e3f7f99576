/* ticket_track.c - tracking numbers: 8 digits from a keyed permutation
 * of the sequence number (unpredictable without the database's key), then
 * a Damm check digit. */
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

/* ---- keyed numbers ------------------------------------------------- */

/*
 * A ticket's number is a keyed permutation of its sequence number (1 to
 * 10^8 - 1), written as 8 digits, then the Damm check digit.  The
 * permutation is a Feistel network on two halves of 4 decimal digits
 * (addition modulo 10^4), whose round function is SipHash-2-4 under the
 * database's secret key (table tracking_key, 32 random bytes made when the
 * database is created).  A Feistel network is a bijection whatever its
 * round function, so two sequence numbers never share a number; without
 * the key the numbers are neither predictable nor ordered, and one number
 * tells nothing about how many tickets there are.
 */

static uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define SIPROUND                                                                               \
    do {                                                                                       \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);                         \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                               \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                               \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);                         \
    } while (0)

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of m[0, len) under a 128-bit key. */
uint64_t as__siphash24(const unsigned char key[16], const unsigned char *m, size_t len)
{
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575), v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
    uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261), v3 = k1 ^ UINT64_C(0x7465646279746573);
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t w = le64(m + i);
        v3 ^= w;
        SIPROUND;
        SIPROUND;
        v0 ^= w;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        b |= (uint64_t)m[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

enum { FEISTEL_ROUNDS = 10, HALF = 10000 };

/* The round function: 0..9999 from the round, the half and the key. */
static unsigned round_fn(const unsigned char key[AS__TRACKING_KEY_BYTES], int round, unsigned half)
{
    unsigned char m[20];
    m[0] = (unsigned char)round;
    m[1] = (unsigned char)(half & 0xff);
    m[2] = (unsigned char)(half >> 8);
    m[3] = 0x5a;
    memcpy(m + 4, key + 16, 16);   /* the key's second half as a tweak */
    return (unsigned)(as__siphash24(key, m, sizeof m) % HALF);
}

int as__tracking_permute(const unsigned char key[AS__TRACKING_KEY_BYTES], int64_t seq,
                         char out[AS_TRACKING_BUFSIZE])
{
    if (seq <= 0 || seq >= (int64_t)HALF * HALF)
        return -1;
    unsigned l = (unsigned)(seq / HALF), r = (unsigned)(seq % HALF);
    for (int i = 0; i < FEISTEL_ROUNDS; i++) {
        unsigned nl = r;
        r = (l + round_fn(key, i, r)) % HALF;
        l = nl;
    }
    snprintf(out, AS_TRACKING_BUFSIZE, "%04u%04u", l, r);
    int c = as_tracking_digit(out);
    out[8] = (char)('0' + c);
    out[9] = '\0';
    return 0;
}

as_status as__tracking_key(as_db *db, unsigned char key[AS__TRACKING_KEY_BYTES])
{
    static const char sql[] = "SELECT key FROM tracking_key WHERE id = 1";
    sqlite3_stmt *st = as__stmt(db, sql);
    if (!st)
        return AS_INTERNAL;
    int rc = sqlite3_step(st);
    as_status s = AS_OK;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == AS__TRACKING_KEY_BYTES)
        memcpy(key, sqlite3_column_blob(st, 0), AS__TRACKING_KEY_BYTES);
    else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        s = as__fail(db, AS_INTERNAL, "the tracking number key of this database is missing");
    else
        s = as__sqlfail(db, rc, "reading the tracking number key");
    sqlite3_reset(st);
    return s;
}

/* ---- the second factor ----------------------------------------------- */

as_status as__track_gate(as_db *db, const char *num, const char *last4, int64_t now,
                         int *passed)
{
    /* One probe of the tracking index and one of the users index, whether
     * the ticket exists or not (an unknown number looks up a user id no
     * user has). */
    static const char phone_sql[] =
        "SELECT u.phone FROM (SELECT coalesce((SELECT t.user_id FROM tickets t"
        " WHERE t.tracking = ?1), char(1)) AS uid) x LEFT JOIN users u ON u.user_id = x.uid";
    static const char count_sql[] =
        "SELECT count(*) FROM tracking_attempts WHERE tracking = ?1 AND at > ?2 AND at <= ?3";
    static const char record_sql[] =
        "INSERT INTO tracking_attempts (tracking, at, outcome) VALUES (?1, ?2, ?3)";
    const as__ticket_cfg *cfg = as__ticket_cfg_of(db);
    int limit = cfg && cfg->track_limit > 0 ? cfg->track_limit : 5;
    int64_t window = cfg && cfg->track_window > 0 ? cfg->track_window : 15 * 60;
    *passed = 0;

    /* The phone on file: its last 4 digits, or a filler no input equals
     * (no ticket, an anonymous or not yet known customer, an erased one). */
    char want[5] = {'\x7f', '\x7f', '\x7f', '\x7f', '\0'};
    sqlite3_stmt *st = as__stmt(db, phone_sql);
    if (!st)
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *phone = as__column_text(st, 0);
        size_t pl = phone ? strlen(phone) : 0;
        if (pl >= 4)
            memcpy(want, phone + pl - 4, 4);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return as__sqlfail(db, rc, "tracking a ticket");

    if (!(st = as__stmt(db, count_sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now - window);
    sqlite3_bind_int64(st, 3, now);
    rc = sqlite3_step(st);
    int64_t failures = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return as__sqlfail(db, rc, "tracking a ticket");

    /* Four ASCII digits, compared whole (no early exit on a mismatch). */
    size_t n = 0;
    while (n < 5 && last4[n])
        n++;
    unsigned diff = n != 4;
    for (size_t i = 0; i < n && i < 4; i++) {
        diff |= (unsigned)(last4[i] < '0' || last4[i] > '9');
        diff |= (unsigned)(want[i] ^ last4[i]);
    }
    int locked = failures >= limit;
    if (!diff && !locked) {
        *passed = 1;
        return AS_OK;
    }
    if (!(st = as__stmt(db, record_sql)))
        return AS_INTERNAL;
    sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, locked ? "locked" : "wrong", -1, SQLITE_STATIC);
    return as__step_done(db, st, "recording a tracking attempt");
}

as_status as__bad_tracking(as_db *db, const char *text)
{
    return as__fail(db, AS_INVALID, "invalid tracking number: '%.40s' (9 digits; check for a typo)",
                    text ? text : "");
}

