/* calendar.h - internal: named business calendars (the interface agreed
 * with the calendar branch; lib/calendar_stub.c is a 24/7 stand-in until
 * that branch lands). */
#ifndef AS_CALENDAR_H
#define AS_CALENDAR_H

#include "internal.h"

typedef struct as__calendar as__calendar;          /* a named business calendar */
/* Look up a calendar by name in the handle's configuration; NULL if unknown. */
const as__calendar *as__calendar_find(as_db *db, const char *name);
/* Business seconds between t0 and t1 (t1 >= t0) on calendar cal (NULL = 24/7). */
int64_t as__calendar_business_seconds(const as__calendar *cal, int64_t t0, int64_t t1);
/* The instant when `seconds` business seconds after t0 have elapsed (NULL = 24/7). */
int64_t as__calendar_add(const as__calendar *cal, int64_t t0, int64_t seconds);

#endif
