/* fuzz_config.c - the YAML configuration loader over arbitrary text, and
 * what an accepted configuration runs: every segment condition evaluated
 * over a few sets of figures, every template filled.
 *
 * Inputs up to scripts/fuzz's -max_len (64 KiB) reach the condition
 * compiler whole: a condition of 30,000 nested parentheses
 * (tests/fuzz/regress/config/deep-condition-30000, 60 KB, once a stack
 * overflow) is a FILE:LINE:COL error now; the seeds in corpus/config start
 * the fuzzer at the nesting limit and well past it. */
#include "internal.h"
#include "remind.h"

#include <math.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_config(const as_config *cfg)
{
    static const double figs[][AS__NFIGS] = {
        {0, NAN, 0, 0, 0, NAN, 0, 0, 0},
        {12, 7, 40.5, 3, 1, 120.5, 3000, 3000, 31},
        {1e9, 1e-9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9},
    };
    const as__segments_cfg *sg = cfg->segments;
    for (size_t i = 0; sg && i < sg->n; i++)
        for (size_t f = 0; f < sizeof figs / sizeof figs[0]; f++) {
            int r = as__cond_eval(&sg->items[i].cond, figs[f]);
            if (r != 0 && r != 1)
                __builtin_trap();
        }
    const as__reminders_cfg *r = cfg->reminders;
    static const char *const vals[16] = {"名", "U1", "x", "y", "z", "1", "2", "3", "4"};
    as_buf b = {0};
    for (int k = 0; r && k < AS_REMIND_NKINDS; k++) {
        b.len = 0;
        if (as__tmpl_render(&b, &r->rule[k].title, vals) == 0 && !b.data)
            __builtin_trap();   /* a rendered text is always a string */
        b.len = 0;
        as__tmpl_render(&b, &r->rule[k].body, vals);
    }
    for (size_t i = 0; r && i < r->ntips; i++) {
        b.len = 0;
        as__tmpl_render(&b, &r->tips[i].text, vals);
        if (!(r->tips[i].months & 0xFFFu))
            __builtin_trap();   /* a tip fits some month */
    }
    for (int g = 0; r && g < AS__GRADE_NCASES; g++) {
        b.len = 0;
        as__tmpl_render(&b, &r->grade[g], vals);
    }
    as__buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_config *cfg = NULL;
    char *err = NULL;
    as_status st = as_config_parse(&cfg, (const char *)data, size, "fuzz.yaml", &err);
    if ((st == AS_OK) != (cfg != NULL))
        __builtin_trap();
    if (st == AS_CONFIG && !err)
        __builtin_trap();   /* a refusal always says why */
    if (cfg)
        run_config(cfg);
    as_config_free(cfg);
    as_free(err);
    return 0;
}
