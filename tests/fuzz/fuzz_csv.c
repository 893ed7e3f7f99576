/* fuzz_csv.c - the CSV reader over arbitrary bytes, in UTF-8 and GB18030. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the encoding; the rest is the file. */
    const char *enc = size && (data[0] & 1) ? "gb18030" : NULL;
    FILE *f = fmemopen((void *)(size > 1 ? data + 1 : data), size > 1 ? size - 1 : 0, "rb");
    if (!f)
        return 0;
    as_csv *csv = NULL;
    char err[256];
    if (as__csv_open(&csv, f, "fuzz.csv", enc, err, sizeof err) == AS_OK) {
        as_csv_record rec;
        as_status st;
        int guard = 0;
        while ((st = as__csv_next(csv, &rec)) == AS_OK || st == AS_INVALID) {
            if (st == AS_OK)
                for (size_t i = 0; i < rec.nfields; i++)
                    if (strlen(rec.fields[i]) > rec.lens[i])
                        __builtin_trap();   /* a field runs past its length */
            if (++guard > 1000000)
                __builtin_trap();   /* the reader must make progress */
        }
        as__csv_free(csv);
    }
    fclose(f);
    return 0;
}
