/* erase.h - internal: erasing a person's identifiers (erase.c), for
 * as_user_forget() in user.c. */
#ifndef AS_ERASE_H
#define AS_ERASE_H

#include "internal.h"

/* What identifies the person in free text: their name, their mobile number
 * (11 digits) and the plates of their vehicles (normalised). */
typedef struct as__erase_ids {
    char *name;              /* NULL when none */
    size_t name_len;
    int name_ascii;          /* a Latin name: matched as a word, in any case */
    char phone[12];          /* "" when none */
    char **plates;
    size_t nplates;
} as__erase_ids;

/* Read them from the user's row, vehicles and fueling records (before they
 * are cleared).  Returns AS_OK, AS_NOMEM, or an SQLite failure. */
as_status as__erase_ids_load(as_db *db, const char *user_id, as__erase_ids *ids);
void as__erase_ids_free(as__erase_ids *ids);

/* text with every written form of the identifiers replaced by
 * AS_ERASED_TEXT: the phone in the forms of as_text_mask_phones(), a plate
 * in either case or width and with a separator (云A·12345), the name (with
 * with_name; a Latin name as a whole word, in any case).  Text holding a
 * JSON object or array is redacted value by value (keys too; a number
 * written as the phone's digits becomes a string) and written back
 * compactly.  Returns a malloc'd copy (equal to text when nothing is
 * there), or NULL when out of memory. */
char *as__erase_text(const as__erase_ids *ids, const char *text, int with_name);

/* One sweep over every table. */
typedef struct as__erase_sweep {
    const as__erase_ids *ids;
    const char *user_id;
    uint64_t rows;           /* rows changed */
    uint64_t values;         /* column values redacted */
} as__erase_sweep;

/* Register the SQL functions of the sweep on the handle (sw is their
 * state until as__erase_unregister()): as__erase_hit(own, c1, ..., cn) is
 * 1 when a row must change -- a column holds the phone or a plate, or (own)
 * the name; as__erase(own, i, c1, ..., cn) is column ci redacted (the name
 * too when own or the row holds the phone or a plate). */
as_status as__erase_register(as_db *db, as__erase_sweep *sw);
void as__erase_unregister(as_db *db);

/*
 * Redact the identifiers in every text column of every table (FTS5 tables
 * that keep their own text included, shadow and sqlite_ tables excluded):
 * in the person's own rows (user_id) the name, phone and plates; in any
 * other row the phone and plates, and the name too when the row names one
 * of those.  Keys are left alone: primary key and unique columns and
 * user_id.  Then every FTS5 index is merged ('optimize') so that deleted
 * terms leave the file.  Runs inside the caller's transaction, with the
 * ticket_events trigger's permission (an open privacy_erasures row), with
 * the functions registered.
 */
as_status as__erase_sweep_run(as_db *db, as__erase_sweep *sw);

/* Overwrite the pages on the file's free list (they may hold rows deleted
 * or moved before): taken for a blob of zeros in the erasure's row, then
 * freed with secure_delete on.  Inside the transaction. */
as_status as__erase_scrub_free_pages(as_db *db, int64_t erasure_id);

/* 1 when the file at path holds the phone (as 13912345678, 139 1234 5678
 * or 139-1234-5678) or a plate as bytes. */
int as__erase_file_holds(const char *path, const as__erase_ids *ids);

#endif
