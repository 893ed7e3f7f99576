-- 018: the station registry (seed §4.4 旅程规划).  Stations are keyed by the
-- chain's station id, the one fueling records carry (fuelings.station_id).
-- Coordinates are GCJ-02 degrees (the mini-program map's datum), both or
-- neither: a station without coordinates is kept but is never "near" and
-- never a trip stop.  grades and services are JSON arrays of text (grades
-- normalised as as_grade_normalize() writes them).  hours is the opening
-- hours as written by the import after its check ("24h", "06:00-22:00",
-- "mon-fri 06:00-22:00; sat,sun 07:00-21:00"), in the business zone.
-- Times are Unix seconds (UTC).
CREATE TABLE stations (
    id          INTEGER PRIMARY KEY,           -- the R*Tree's key
    station_id  TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL,                 -- 6-digit division code
    city        TEXT NOT NULL,
    address     TEXT,
    lat         REAL,
    lon         REAL,
    brand       TEXT,
    grades      TEXT NOT NULL DEFAULT '[]',
    services    TEXT NOT NULL DEFAULT '[]',
    hours       TEXT NOT NULL DEFAULT '24h',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CHECK (lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180))
);
CREATE INDEX stations_city ON stations (city);
CREATE INDEX stations_region ON stations (region);

-- The spatial index: one box (a point) per station with coordinates, kept
-- by the triggers below.  R*Tree stores 32-bit floats, rounded outwards:
-- a prefilter; distances are computed from stations.lat/lon.
CREATE VIRTUAL TABLE station_geo USING rtree (id, min_lat, max_lat, min_lon, max_lon);

CREATE TRIGGER stations_geo_insert AFTER INSERT ON stations WHEN new.lat IS NOT NULL
BEGIN
    INSERT INTO station_geo (id, min_lat, max_lat, min_lon, max_lon)
    VALUES (new.id, new.lat, new.lat, new.lon, new.lon);
END;

CREATE TRIGGER stations_geo_update AFTER UPDATE OF lat, lon ON stations
BEGIN
    DELETE FROM station_geo WHERE id = old.id;
    INSERT INTO station_geo (id, min_lat, max_lat, min_lon, max_lon)
    SELECT new.id, new.lat, new.lat, new.lon, new.lon WHERE new.lat IS NOT NULL;
END;

CREATE TRIGGER stations_geo_delete AFTER DELETE ON stations
BEGIN
    DELETE FROM station_geo WHERE id = old.id;
END;
