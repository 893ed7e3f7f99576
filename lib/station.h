/* station.h - internal: the station registry's pure parts (opening hours,
 * distances, the list of services), shared by station.c, trip.c and the
 * profile pass. */
#ifndef AS_STATION_H
#define AS_STATION_H

#include "internal.h"

/* Opening hours parsed: per weekday (0 Monday ... 6 Sunday) up to
 * AS__HOURS_MAX ranges [s, e) in minutes after midnight; e <= s is a range
 * that crosses midnight (open from s to e the next day). */
enum { AS__HOURS_MAX = 4, AS__HOURS_TEXT_MAX = 120 };

typedef struct as__hours {
    int n[7];
    short s[7][AS__HOURS_MAX], e[7][AS__HOURS_MAX];
} as__hours;

/* Parse text (see as_station_hours_check()); norm (may be NULL, at least
 * AS__HOURS_TEXT_MAX + 1 bytes) receives the stored form: lower case,
 * full-width digits folded, white space collapsed.  AS_OK or AS_INVALID
 * with the reason in why. */
as_status as__hours_parse(const char *text, as__hours *h, char *norm, char *why, size_t whysz);

/* Is a station with hours h open at t (zone utc_offset minutes)? */
int as__hours_open(const as__hours *h, int64_t t, int utc_offset);

/* Great-circle distance in km between two points (degrees). */
double as__haversine_km(double lat1, double lon1, double lat2, double lon2);

/* The box [min_lat, max_lat, min_lon, max_lon] around (lat, lon) that holds
 * every point within r km (no wrap at the antimeridian). */
void as__geo_box(double lat, double lon, double r, double box[4]);

/* The known services, NULL-terminated, and the index of s among them (-1). */
extern const char *const as__station_services[];
int as__station_service(const char *s);

/* The first four digits of a region code: the city-level division, the
 * unit of a profile's cities figure. */
enum { AS__CITY_KEY_LEN = 4 };

#endif
