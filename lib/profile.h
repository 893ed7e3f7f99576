/* profile.h - internal: derived profiles that are never stale.
 *
 * A profile (per user, and per vehicle of the user: table vehicle_profiles)
 * is computed for a time T from the records with a time <= T, in one pass
 * over the fill-ups in (user, time) order (profile.c).  Each stored
 * profile carries the time it was computed for (refreshed_at) and the
 * earliest time it may stop being true (valid_until: the next record
 * after T, the oldest fill-up of the 12-month window plus 12 months, the
 * instant days_since_last crosses a number a segment condition compares
 * it with).  It is usable for a read at T when
 *     refreshed_at <= T < valid_until, and
 *     the user is not in profile_dirty, and
 *     the segments/tiers configuration is the one the profiles were built
 *     with (profile_meta.config_hash).
 * Every write that changes a user's records marks the user dirty in the
 * same transaction (as__profile_dirty).  Every read first brings the
 * profiles it reads up to date at its time:
 *  - writers (remind run, as_profile_update) recompute the unusable ones
 *    and store them (as__profiles_update), cost proportional to them;
 *  - reads never write: as_profile_get computes an unusable profile in
 *    memory, and as__profiles_for_read makes the unqualified name
 *    "profiles" (a TEMP view, which SQLite resolves before main) show the
 *    stored rows with the unusable ones replaced by rows computed into
 *    TEMP tables.  So a read-only handle reads current profiles too.
 * Code that must see the stored table names it main.profiles.
 */
#ifndef AS_PROFILE_H
#define AS_PROFILE_H

#include "internal.h"

/* Mark user_id's profile dirty (inside the caller's write transaction). */
as_status as__profile_dirty(as_db *db, const char *user_id);

/* A user was added: records kept before the user existed (fueling import
 * keeps them) now count.  Marks the profile dirty when there are any,
 * registers the plates of those records as the user's vehicles (unless
 * another user has one) and records their odometer readings where they
 * fit the vehicle's other readings (inside the caller's transaction). */
as_status as__profile_user_added(as_db *db, const char *user_id);

/* Bring the stored profiles up to date for a read at at (inside the
 * caller's write transaction).  *users (may be NULL) receives the number
 * of users recomputed.  A configuration other than the stored profiles'
 * recomputes every user. */
as_status as__profiles_update(as_db *db, int64_t at, int64_t *users);

/* Make "profiles" and "vehicle_profiles" (unqualified) read as current at
 * at, without writing the database (TEMP objects only). */
as_status as__profiles_for_read(as_db *db, int64_t at);

#endif
