/* fuzz_privacy.c - masking phone numbers in free text and redacting a
 * person's identifiers (issue 12, point 2), over arbitrary text.  The
 * masked text keeps its length and every number the scanner finds in the
 * text is masked; the redacted text no longer holds the person's phone in
 * any form the scanner knows, and redacting it again changes nothing. */
#include "erase.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct check_ctx {
    const char *masked;
} check_ctx;

static int masked_at(void *ctx, const as__phone_hit *h)
{
    const char *m = ((check_ctx *)ctx)->masked;
    for (int k = 3; k < 7; k++)
        if (h->wide[k] ? memcmp(m + h->pos[k], "\xEF\xBC\x8A", 3) != 0 : m[h->pos[k]] != '*')
            __builtin_trap();   /* a number found in the text was left unmasked */
    return 0;
}

typedef struct seek {
    const char *phone;
    int found;
} seek;

static int has_phone(void *ctx, const as__phone_hit *h)
{
    seek *s = ctx;
    s->found |= strcmp(h->digits, s->phone) == 0;
    return s->found;   /* stop at the person's number */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text);   /* up to the first NUL, as a C string */

    /* Masking, in place: the length is kept, and every number found in the
     * text has its four middle digits masked. */
    char *masked = malloc(len + 1);
    memcpy(masked, text, len + 1);
    as_text_mask_phones(masked);
    if (strlen(masked) != len)
        __builtin_trap();
    check_ctx cc = {masked};
    as__phone_scan(text, len, masked_at, &cc);
    free(masked);

    /* Redacting a person: the name is the text's first few bytes. */
    as__erase_ids ids = {0};
    size_t nl = len < 6 ? len : 6;
    ids.name = malloc(nl + 1);
    memcpy(ids.name, text, nl);
    ids.name[nl] = '\0';
    ids.name_len = strlen(ids.name);
    ids.name_ascii = 1;
    for (size_t i = 0; i < ids.name_len; i++)
        ids.name_ascii &= (unsigned char)ids.name[i] < 0x80;
    memcpy(ids.phone, "13912345678", 12);
    char *plate = "云A12345";
    ids.plates = &plate;
    ids.nplates = 1;
    if (ids.name_len == 0) {
        free(ids.name);
        ids.name = NULL;
    }
    char *out = as__erase_text(&ids, text, 1);
    if (!out)
        __builtin_trap();
    size_t ol = strlen(out);
    seek sk = {ids.phone, 0};
    as__phone_scan(out, ol, has_phone, &sk);
    if (sk.found)
        __builtin_trap();   /* the number is gone in every written form */
    /* Again: nothing is left to redact (unless the name is a part of the
     * marker itself, "[erased]", ...). */
    int name_in_marker = 0;
    if (ids.name) {
        char low[16];
        size_t k = 0;
        for (; ids.name[k] && k < sizeof low - 1; k++)
            low[k] = (char)(ids.name[k] >= 'A' && ids.name[k] <= 'Z' ? ids.name[k] + 32 : ids.name[k]);
        low[k] = '\0';
        /* or can be spelled across its edges: "]abc" after "[erased]" */
        name_in_marker = strstr(AS_ERASED_TEXT, ids.name) || strstr(AS_ERASED_TEXT, low) ||
                         strchr(ids.name, '[') || strchr(ids.name, ']');
    }
    char *twice = as__erase_text(&ids, out, 1);
    if (!twice || (!name_in_marker && strcmp(twice, out) != 0))
        __builtin_trap();
    free(twice);
    free(out);
    free(ids.name);
    free(text);
    return 0;
}
