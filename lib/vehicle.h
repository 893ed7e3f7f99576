/* vehicle.h - internal: vehicle lookups and the one odometer check, shared
 * by as_odometer_add(), the fueling import and as_vehicle_service(). */
#ifndef AS_VEHICLE_H
#define AS_VEHICLE_H

#include "internal.h"

/* An equal reading already recorded at the same time is not AS_EXISTS but
 * AS_OK (nothing written): for re-recording a fill-up or a service. */
#define AS__ODOMETER_SAME_OK 0x100u

/* Find a vehicle by its normalised plate: *vid and its owner (copied into
 * user_id, size n).  Returns AS_OK or AS_NOTFOUND (recorded) or an error. */
as_status as__vehicle_find(as_db *db, const char *plate, sqlite3_int64 *vid, char *user_id,
                           size_t n);

/* Record km at time at for vehicle vid (owner user_id, plate for messages)
 * inside the caller's transaction.  Unless AS_ODOMETER_FORCE, a reading
 * lower than the one before it in time or higher than the one after it is
 * AS_INVALID with the reason ("km: 48000 is lower than the 48210 km
 * recorded for 云A12345 at ...").  source: "manual", "fuel", "service". */
as_status as__odometer_record(as_db *db, sqlite3_int64 vid, const char *user_id,
                              const char *plate, int64_t km, int64_t at, unsigned flags,
                              const char *source);

#endif
