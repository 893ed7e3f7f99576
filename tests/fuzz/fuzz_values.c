/* fuzz_values.c - the small value checks: plates, phones, grades, regions,
 * quiet hours, ids, NFC.  A normalised value must normalise to itself. */
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
    char *plate = NULL, *again = NULL;
    if (as_plate_normalize(s, &plate) == AS_OK) {
        if (as_plate_normalize(plate, &again) != AS_OK || strcmp(plate, again) != 0)
            __builtin_trap();
    }
    as_free(plate);
    as_free(again);
    char phone[12], phone2[12], mask[12], grade[8];
    if (as_phone_normalize(s, phone) == AS_OK &&
        (as_phone_normalize(phone, phone2) != AS_OK || strcmp(phone, phone2) != 0))
        __builtin_trap();
    as_phone_mask(s, mask);
    as_grade_normalize(s, grade);
    as_region_check(s);
    int a, b;
    as_quiet_hours_parse(s, &a, &b);
    char why[160];
    as__check_id(s, why, sizeof why);
    char *nfc = NULL;
    if (as__text_nfc(s, strlen(s), &nfc, why, sizeof why) == AS_OK &&
        as_utf8_check(nfc, strlen(nfc), NULL) != AS_OK)
        __builtin_trap();
    free(nfc);
    free(s);
    return 0;
}
