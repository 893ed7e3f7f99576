-- 021: a ticket's station (issue 17: tickets by station).  The station the
-- matter concerns, as given when the ticket was opened (or the station of the
-- feedback that opened it); NULL: none.  Not a reference to stations: a
-- station id is checked like other ids, and a station may be added later.
-- Not personal data: user forget leaves it.

ALTER TABLE tickets ADD COLUMN station_id TEXT;

CREATE INDEX tickets_station ON tickets (station_id, created_at) WHERE station_id IS NOT NULL;
