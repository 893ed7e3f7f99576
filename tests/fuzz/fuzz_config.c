/* fuzz_config.c - the YAML configuration loader over arbitrary text. */
#include "aftersales.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_config *cfg = NULL;
    char *err = NULL;
    as_status st = as_config_parse(&cfg, (const char *)data, size, "fuzz.yaml", &err);
    if ((st == AS_OK) != (cfg != NULL))
        __builtin_trap();
    if (st == AS_CONFIG && !err)
        __builtin_trap();   /* a refusal always says why */
    as_config_free(cfg);
    as_free(err);
    return 0;
}
