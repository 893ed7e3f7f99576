-- 007: fueling records, services, derived profiles, weather alerts.
-- Times are Unix seconds (UTC); money is integer fen; litres are integer
-- millilitres (the import reads the decimal text, never a float).

-- Clustered by user and time (WITHOUT ROWID): the profile refresh reads
-- each user's records in one sequential pass.
CREATE TABLE fuelings (
    tx_id          TEXT NOT NULL UNIQUE,          -- the payment's transaction id
    user_id        TEXT NOT NULL,
    station_id     TEXT NOT NULL,
    station_region TEXT,                          -- 6-digit code of the station, if known
    filled_at      INTEGER NOT NULL,
    grade          TEXT NOT NULL,
    litres_ml      INTEGER NOT NULL CHECK (litres_ml > 0),
    amount_fen     INTEGER NOT NULL CHECK (amount_fen >= 0),
    odometer_km    INTEGER CHECK (odometer_km >= 0),
    plate          TEXT,
    PRIMARY KEY (user_id, filled_at, tx_id)
) WITHOUT ROWID;

-- A maintenance service restarts the maintenance count of a vehicle.
CREATE TABLE services (
    id          INTEGER PRIMARY KEY,
    vehicle_id  INTEGER NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    km          INTEGER NOT NULL CHECK (km >= 0),
    created_at  INTEGER NOT NULL,
    UNIQUE (vehicle_id, at)
);

-- Derived figures per user, rebuilt by `profile refresh` (set-based SQL).
CREATE TABLE profiles (
    user_id            TEXT PRIMARY KEY,
    fillups            INTEGER NOT NULL,
    first_at           INTEGER NOT NULL,
    last_at            INTEGER NOT NULL,
    median_interval_s  INTEGER,                   -- NULL with fewer than 2 fill-ups
    litres_ml_per_fill INTEGER NOT NULL,
    preferred_grade    TEXT,
    top_stations       TEXT NOT NULL,             -- JSON array, most visits first
    stations           INTEGER NOT NULL,
    cities             INTEGER NOT NULL,
    km_per_day         REAL,
    km_source          TEXT,                      -- 'odometer' or 'estimate'
    spend_12m_fen      INTEGER NOT NULL,
    points             INTEGER NOT NULL,
    segment            TEXT,
    tier               TEXT,
    refreshed_at       INTEGER NOT NULL
) WITHOUT ROWID;

-- No index on segment or tier: `user list --segment` walks users in id
-- order and looks each profile up by its key.

-- Weather alerts from `remind weather`: users whose home region starts
-- with prefix are notified.
CREATE TABLE weather_alerts (
    id          INTEGER PRIMARY KEY,
    region      TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_at     INTEGER NOT NULL,
    to_at       INTEGER NOT NULL,
    message     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (region, kind, from_at)
);
