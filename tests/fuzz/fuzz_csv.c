/* fuzz_csv.c - the CSV reader over arbitrary bytes: UTF-8, GB18030 and
 * UTF-16 (named, or found from a byte order mark), with the delimiter
 * detected from the header or forced. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the encoding (bits 0-1) and the delimiter (bits
     * 2-4; 0 and 6-7 detect, 5 is an invalid one that must be refused); the
     * rest is the file. */
    static const char *const encs[] = {NULL, "gb18030", "utf-16le", "utf-16be"};
    static const char delims[] = {0, ',', '\t', ';', '|', ':', 0, 0};
    unsigned pick = size ? data[0] : 0;
    const char *enc = encs[pick & 3];
    char delim = delims[(pick >> 2) & 7];
    FILE *f = fmemopen((void *)(size > 1 ? data + 1 : data), size > 1 ? size - 1 : 0, "rb");
    if (!f)
        return 0;
    as_csv *csv = NULL;
    char err[256];
    if (as__csv_open(&csv, f, "fuzz.csv", enc, err, sizeof err) == AS_OK) {
        as_status set = as__csv_set_delimiter(csv, delim);
        if ((delim == ':') != (set == AS_INVALID))
            __builtin_trap();   /* only the four delimiters are taken */
        if (set != AS_OK)
            delim = 0;
        as_csv_record rec;
        as_status st;
        int guard = 0;
        while ((st = as__csv_next(csv, &rec)) == AS_OK || st == AS_INVALID) {
            char d = as__csv_delimiter(csv);
            if (d != ',' && d != '\t' && d != ';' && d != '|')
                __builtin_trap();   /* decided by the first record */
            if (delim && d != delim)
                __builtin_trap();   /* a forced delimiter stays */
            if (st == AS_OK)
                for (size_t i = 0; i < rec.nfields; i++) {
                    int nul;
                    if (strlen(rec.fields[i]) > rec.lens[i])
                        __builtin_trap();   /* a field runs past its length */
                    if (as__utf8_scan((const unsigned char *)rec.fields[i], rec.lens[i], &nul) !=
                        rec.lens[i])
                        __builtin_trap();   /* every decoder yields valid UTF-8 */
                }
            if (++guard > 1000000)
                __builtin_trap();   /* the reader must make progress */
        }
        as__csv_free(csv);
    }
    fclose(f);
    return 0;
}
