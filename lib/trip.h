/* trip.h - internal: the trips section of the configuration (parsed in
 * trip.c, the module that plans fuel stops):
 *
 *     trips:
 *       default_l_per_100km: 8.0  # when the vehicle's records do not tell
 *       tank_litres: 50           # when --tank is not given
 *       reserve_share: 0.15       # of the tank, never planned into
 *       corridor_km: 5            # how far from the route a stop may be
 *       speed_kmh: 80             # for arrival times
 *       stop_minutes: 15          # a fuel stop's duration
 */
#ifndef AS_TRIP_H
#define AS_TRIP_H

#include "config.h"

typedef struct as__trips_cfg {
    double default_l_per_100km;
    double tank_litres;
    double reserve_share;
    double corridor_km;
    double speed_kmh;
    double stop_minutes;
} as__trips_cfg;

void as__trips_parse(as__cfgctx *c, const as__ynode *node, as_config *cfg);
void as__trips_free(as_config *cfg);

#endif
