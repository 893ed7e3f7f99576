/* fuzz_time.c - the timestamp parser; a parsed time must format and
 * parse back to itself. */
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
        char buf[AS_TIME_BUFSIZE];
        int64_t back;
        as_time_format(t, 480, buf);
        if (as_time_parse(buf, 480, &back) != AS_OK || back != t)
            __builtin_trap();
    }
    free(s);
    return 0;
}
