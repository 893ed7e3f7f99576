/* fuzz_time.c - the timestamp parser; a parsed time lies in
 * AS_TIME_MIN..AS_TIME_MAX, and written in any zone it parses back to
 * itself. */
#include "internal.h"

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
    int64_t t;
    if (as_time_parse(s, 480, &t) == AS_OK) {
        if (t < AS_TIME_MIN || t > AS_TIME_MAX)
            __builtin_trap();   /* only times of 1970..9999 are read */
        /* Written in any zone, it reads back to itself. */
        static const int zones[] = {480, 0, -720, 840};
        for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
            char buf[AS_TIME_BUFSIZE];
            int64_t back;
            as_time_format(t, zones[z], buf);
            if (as_time_parse(buf, 480, &back) != AS_OK || back != t)
                __builtin_trap();
        }
    }
    free(s);
    return 0;
}
