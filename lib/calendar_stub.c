/* calendar_stub.c - a 24/7 stand-in for lib/calendar.c (deleted when the
 * calendar branch is merged).  Every name is known and every second counts. */
#include "calendar.h"

struct as__calendar {
    int unused;
};

const as__calendar *as__calendar_find(as_db *db, const char *name)
{
    static const as__calendar any = {0};
    (void)db;
    return name ? &any : NULL;
}

int64_t as__calendar_business_seconds(const as__calendar *cal, int64_t t0, int64_t t1)
{
    (void)cal;
    return t1 - t0;
}

int64_t as__calendar_add(const as__calendar *cal, int64_t t0, int64_t seconds)
{
    (void)cal;
    return t0 + seconds;
}
