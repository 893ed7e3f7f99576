/* event.h - internal: what the community module (events, the advisory
 * panel) offers other modules. */
#ifndef AS_EVENT_H
#define AS_EVENT_H

#include "internal.h"

/*
 * For as_user_forget(), inside its transaction: the person's live
 * registrations for events not started at now are cancelled (their seats
 * promote the waitlist, as a cancellation does); then every registration
 * and the panel membership lose their user_id (NULL), the open term on the
 * panel ends at now.  Registrations, check-ins, votes and terms stay, so
 * attendance, vote totals and turnout do not change.  *rows counts the
 * rows changed.
 */
as_status as__event_forget(as_db *db, const char *user_id, int64_t now, uint64_t *rows);

/* Is user_id a user (AS_NOTFOUND if not) who is not erased (AS_INVALID,
 * naming what for, if erased)?  Shared by event.c and panel.c. */
as_status as__community_user(as_db *db, const char *user_id, const char *what);

/* Normalise a text argument: valid UTF-8, NFC, 1..max characters after
 * trimming nothing.  *out malloc'd.  Fails with AS_INVALID naming field. */
as_status as__community_text(as_db *db, const char *field, const char *in, size_t max,
                             char **out);

#endif
