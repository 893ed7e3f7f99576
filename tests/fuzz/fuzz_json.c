/* fuzz_json.c - the library's JSON reader (lib/json.c), the parser behind
 * every JSON Lines import, over arbitrary bytes.  The first byte picks the
 * flags (bit 0: duplicate keys refused).  What parses is written back and
 * parsed again: the second writing equals the first (numbers keep their
 * text, strings their bytes), and a refusal always says why. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned flags = size && (data[0] & 1) ? AS__JSON_UNIQUE_KEYS : 0;
    const char *text = (const char *)(size ? data + 1 : data);
    size_t len = size ? size - 1 : 0;
    as__json *j = NULL;
    char why[160];
    as_status st = as__json_parse_ex(text, len, flags, &j, why, sizeof why);
    if (st == AS_INVALID) {
        if (j || !why[0])
            __builtin_trap();   /* a refusal leaves nothing and says why */
        return 0;
    }
    if (st != AS_OK || !j)
        __builtin_trap();
    as_buf a = {0}, b = {0};
    if (as__json_write(&a, j) < 0)
        __builtin_trap();
    as__json *again = NULL;
    if (as__json_parse_ex(a.data ? a.data : "", a.len, flags, &again, why, sizeof why) != AS_OK)
        __builtin_trap();   /* what was written reads back */
    if (as__json_write(&b, again) < 0 || a.len != b.len || (a.len && memcmp(a.data, b.data, a.len)))
        __builtin_trap();   /* and writes the same */
    as__buf_free(&a);
    as__buf_free(&b);
    as__json_free(again);
    as__json_free(j);
    return 0;
}
