/* calendar.h - internal: named business calendars (the YAML `calendars`
 * section) and business-time arithmetic.
 *
 * A calendar is weekly hours per weekday, holidays, and make-up working
 * days (调休), in one fixed UTC offset.  `always: true` makes a 24/7
 * calendar.  Arithmetic never walks minute by minute: whole days are
 * summed from the weekly totals plus a prefix sum of the adjustments the
 * special dates cause, so a span of years costs a few binary searches.
 *
 * The tickets code (SLA clocks) uses the three functions below.
 */
#ifndef AS_CALENDAR_H
#define AS_CALENDAR_H

#include "config.h"

typedef struct as__calendar as__calendar;          /* a named business calendar */

/* Look up a calendar by name in the handle's configuration, with the days
 * imported into the database (calendar import) added; NULL if unknown. */
const as__calendar *as__calendar_find(as_db *db, const char *name);

/* The first instant past what the calendar knows: midnight (in its zone)
 * starting the year after its known_until; 0 when it has no end (NULL:
 * 24/7). */
int64_t as__calendar_known_end(const as__calendar *cal);
/* Its known_until year (0: no end). */
int as__calendar_known_until(const as__calendar *cal);
/* The earliest known end of the handle's calendars (0: none has one). */
int64_t as__calendars_known_end_min(as_db *db);

/* Business seconds between t0 and t1 (t1 >= t0; 0 otherwise) on calendar
 * cal (NULL = 24/7). */
int64_t as__calendar_business_seconds(const as__calendar *cal, int64_t t0, int64_t t1);

/* The earliest instant at which `seconds` business seconds after t0 have
 * elapsed (NULL = 24/7).  seconds <= 0 gives t0. */
int64_t as__calendar_add(const as__calendar *cal, int64_t t0, int64_t seconds);

/* The calendar's name. */
const char *as__calendar_name(const as__calendar *cal);

/* Is t inside business hours of cal?  (NULL = 24/7: always.) */
int as__calendar_is_open(const as__calendar *cal, int64_t t);

/* The same lookup on a configuration. */
const as__calendar *as__calendar_find_cfg(const as_config *cfg, const char *name);

/* ---- the configuration section ---------------------------------------- */

/* All calendars of a configuration. */
typedef struct as__calendars as__calendars;

/* Parse the `calendars` section into cfg->calendars. */
void as__calendars_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__calendars_free(as_config *cfg);

#endif
