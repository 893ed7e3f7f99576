-- 001: users, vehicles and odometer readings.
-- Times are Unix seconds (UTC).  Every row that belongs to a customer carries
-- the customer's external id (user_id) so the data can be partitioned later.

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    user_id           TEXT NOT NULL UNIQUE,       -- the mini-program's id
    name              TEXT,                       -- NULL once erased
    phone             TEXT,                       -- 11 digits; NULL once erased
    region            TEXT,                       -- 6-digit division code, checked by the library
    consent_service   INTEGER NOT NULL DEFAULT 1 CHECK (consent_service IN (0, 1)),
    consent_marketing INTEGER NOT NULL DEFAULT 0 CHECK (consent_marketing IN (0, 1)),
    quiet_start       INTEGER CHECK (quiet_start BETWEEN 0 AND 1439),
    quiet_end         INTEGER CHECK (quiet_end BETWEEN 0 AND 1439),
    beta_tester       INTEGER NOT NULL DEFAULT 0 CHECK (beta_tester IN (0, 1)),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    erased_at         INTEGER,
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

-- No index on region: it has a few hundred distinct values, costs a third
-- of bulk-import time, and a region filter over a million users is a scan
-- of well under a second.

CREATE TABLE vehicles (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (user_id) ON UPDATE CASCADE,
    plate       TEXT UNIQUE,                      -- normalised; NULL once the owner is erased
    grade       TEXT,
    created_at  INTEGER NOT NULL
);

CREATE INDEX vehicles_user ON vehicles (user_id);

CREATE TABLE odometer_readings (
    id          INTEGER PRIMARY KEY,
    vehicle_id  INTEGER NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    km          INTEGER NOT NULL CHECK (km >= 0),
    at          INTEGER NOT NULL,
    forced      INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),
    source      TEXT NOT NULL DEFAULT 'manual',
    created_at  INTEGER NOT NULL,
    UNIQUE (vehicle_id, at)
);
