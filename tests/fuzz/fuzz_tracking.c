/* fuzz_tracking.c - the tracking-number parser.  An accepted number is 9
 * digits whose check digit holds; changing any one digit, or swapping two
 * adjacent different digits, must make it invalid (the Damm property). */
#include "aftersales.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char out[AS_TRACKING_BUFSIZE], again[AS_TRACKING_BUFSIZE];
    if (as_tracking_check(s, out) == AS_OK) {
        if (strlen(out) != 9 || strspn(out, "0123456789") != 9)
            __builtin_trap();
        if (as_tracking_check(out, again) != AS_OK || strcmp(out, again) != 0)
            __builtin_trap();   /* normalising is idempotent */
        char body[9];
        memcpy(body, out, 8);
        body[8] = '\0';
        if (as_tracking_digit(body) != out[8] - '0')
            __builtin_trap();
        for (int i = 0; i < 9; i++) {
            char m[AS_TRACKING_BUFSIZE];
            memcpy(m, out, 10);
            m[i] = (char)('0' + (m[i] - '0' + 1 + (size % 9)) % 10);
            if (as_tracking_check(m, again) == AS_OK)
                __builtin_trap();   /* a single wrong digit slipped through */
            if (i < 8 && out[i] != out[i + 1]) {
                memcpy(m, out, 10);
                m[i] = out[i + 1];
                m[i + 1] = out[i];
                if (as_tracking_check(m, again) == AS_OK)
                    __builtin_trap();   /* an adjacent swap slipped through */
            }
        }
    }
    free(s);
    return 0;
}
