-- 011: profiles that are never stale and are computed per vehicle too;
-- delivery rules (quiet hours, consent, expiry) kept at delivery; leases
-- that a slow integrator cannot steal.

-- A profile is true from refreshed_at (the time it was computed for) until
-- valid_until (NULL: until a write marks it dirty); profile.c explains.
ALTER TABLE profiles ADD COLUMN valid_until INTEGER;
-- The rows of the user in vehicle_profiles: 0 for a user without any
-- vehicle, whose own figures are the only stream.
ALTER TABLE profiles ADD COLUMN vehicles INTEGER NOT NULL DEFAULT 0;
CREATE INDEX profiles_valid_until ON profiles (valid_until) WHERE valid_until IS NOT NULL;

-- Users whose records changed since their profile was computed (marked in
-- the transaction of the change).
CREATE TABLE profile_dirty (
    user_id TEXT PRIMARY KEY
) WITHOUT ROWID;

-- config_hash: the segments and tiers configuration the stored profiles
-- were built with; computed_max: the latest time one was computed for.
-- Without a config_hash (as after this migration) every profile is stale.
CREATE TABLE profile_meta (
    key   TEXT PRIMARY KEY,
    value
) WITHOUT ROWID;

-- Per vehicle (vehicle_id 0: the user's fill-ups of no registered vehicle),
-- for users with at least one vehicle: intervals, km per day and the grades
-- used, for the refuel prediction and the fuel-grade advice.
CREATE TABLE vehicle_profiles (
    user_id            TEXT NOT NULL,
    vehicle_id         INTEGER NOT NULL,
    fillups            INTEGER NOT NULL,
    first_at           INTEGER,                  -- NULL without fill-ups
    last_at            INTEGER,
    median_interval_s  INTEGER,                  -- NULL with fewer than 2 fill-ups
    litres_ml_per_fill INTEGER,
    grade              TEXT,                     -- the most frequent
    last_grade         TEXT,                     -- of the latest fill-up
    last_station       TEXT,                     -- of the latest fill-up
    km_per_day         REAL,
    km_source          TEXT,                     -- 'odometer' or 'estimate'
    PRIMARY KEY (user_id, vehicle_id)
) WITHOUT ROWID;

-- A grade the owner gave (vehicle add, vehicle update), as opposed to one
-- taken from the first fill-up when the fueling import registered the
-- plate: only the former is the car's registered grade for advice.
ALTER TABLE vehicles ADD COLUMN grade_given INTEGER NOT NULL DEFAULT 0;
UPDATE vehicles SET grade_given = 1
 WHERE grade IS NOT NULL AND NOT EXISTS (
   SELECT 1 FROM fuelings f WHERE f.user_id = vehicles.user_id
     AND f.filled_at = vehicles.created_at AND f.plate = vehicles.plate);

-- The outbox, rebuilt for two new statuses (suppressed at delivery, with
-- the reason; expired), an expiry, the time of the record a message was
-- made from, and lease tokens.
CREATE TABLE outbox_008 (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    dedupe_key  TEXT NOT NULL UNIQUE,         -- idempotency: never written twice
    priority    INTEGER NOT NULL DEFAULT 1,   -- 0 safety, 1 service, 2 marketing
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    payload     TEXT,                         -- JSON object or NULL
    created_at  INTEGER NOT NULL,
    not_before  INTEGER NOT NULL,             -- deliver at or after
    expires_at  INTEGER,                      -- never delivered at or after (NULL: no end)
    basis_at    INTEGER,                      -- the record time it was made from: a later
                                              -- record of that kind makes it untrue
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'leased', 'sent', 'dead', 'suppressed', 'expired')),
    reason      TEXT,                         -- why suppressed
    lease_until INTEGER,                      -- a leased row is free again after this
    lease_token TEXT,                         -- the holder's token (ack and fail need it)
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    sent_at     INTEGER
);
INSERT INTO outbox_008 (id, user_id, kind, dedupe_key, priority, title, body, payload,
                        created_at, not_before, status, lease_until, attempts, last_error,
                        sent_at)
  SELECT id, user_id, kind, dedupe_key, priority, title, body, payload, created_at,
         not_before, status, lease_until, attempts, last_error, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_008 RENAME TO outbox;

-- A pull walks the due rows in delivery order (priority, not_before, id).
CREATE INDEX outbox_ready ON outbox (status, priority, not_before);
-- (user_id, created_at, dedupe_key) covers what a reminder run reads of it:
-- the keys for duplicates and the times for the per-user cap.
CREATE INDEX outbox_user ON outbox (user_id, created_at, dedupe_key);
CREATE INDEX outbox_leases ON outbox (lease_until) WHERE status = 'leased';
