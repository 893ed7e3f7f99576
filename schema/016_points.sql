-- 016: the points ledger (issue 15, item 2).
--
-- points_ledger is append-only: every change of a user's points is one row
-- (a non-zero delta), and a balance is the sum of the rows.  Replays earn
-- nothing: ref is the payment's tx_id for earn_fuel, the survey id for
-- earn_survey, the caller's reference for a redemption or a community
-- contribution.  (kind, ref) is unique for every kind but earn_fuel, whose
-- row is written only with the fueling record it is for (the record's
-- points_id names it, and tx_id is unique in fuelings).  Rows are never updated or
-- deleted; the one exception is an erasure (user forget), which may redact
-- the free text (reason) while its privacy_erasures row is open, as it may
-- for ticket_events (010).
CREATE TABLE points_ledger (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL,
    at          INTEGER NOT NULL,          -- when it counts (a fueling: its filled_at)
    delta       INTEGER NOT NULL CHECK (delta <> 0),
    kind        TEXT NOT NULL CHECK (kind = 'earn_fuel' OR kind = 'earn_survey'
                                     OR kind = 'earn_community' OR kind = 'adjust'
                                     OR kind = 'redeem' OR kind = 'expire'),
    ref         TEXT,
    reason      TEXT,                      -- free text: adjustments (required), earnings
    expires_at  INTEGER,                   -- a positive row: when its points lapse (NULL: never)
    created_at  INTEGER NOT NULL,
    CHECK (kind <> 'adjust' OR reason IS NOT NULL)
);

-- The earn_fuel rows (one a fueling record: most of the ledger) are
-- appended at the end of the table and enter no index: a user's are found
-- through the user's fueling records (clustered by user and time) and
-- their points_id, the rest through these two partial indexes.  An index
-- entry a record had been a third of a fueling import.
CREATE UNIQUE INDEX points_ledger_ref ON points_ledger (kind, ref) WHERE kind <> 'earn_fuel';
CREATE INDEX points_ledger_user ON points_ledger (user_id, at) WHERE kind <> 'earn_fuel';

-- The ledger row of the points a fueling record earned (NULL: none yet).
ALTER TABLE fuelings ADD COLUMN points_id INTEGER;

-- What is left of each positive row (a lot), consumed oldest expiry first
-- by redemptions, negative adjustments and expiry.  The one mutable part,
-- and written lazily: a positive row without a lot row is untouched (all
-- of its delta is left), so earning writes nothing here; the first use of
-- a row writes its lot, an exhausted lot stays with remaining 0.  Per user,
-- the ledger's sum equals what is left (aftersales check).  No index of its
-- own: lots are looked up by earn_id, and the expiry sweep reads the
-- ledger's positive rows.
CREATE TABLE points_lots (
    earn_id     INTEGER PRIMARY KEY REFERENCES points_ledger (id),
    user_id     TEXT NOT NULL,
    expires_at  INTEGER,                   -- NULL: never lapses
    earned_at   INTEGER NOT NULL,
    remaining   INTEGER NOT NULL CHECK (remaining >= 0)
);

CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
WHEN NOT (EXISTS (SELECT 1 FROM privacy_erasures WHERE finished_at IS NULL)
          AND new.id IS old.id AND new.user_id IS old.user_id AND new.at IS old.at
          AND new.delta IS old.delta AND new.kind IS old.kind AND new.ref IS old.ref
          AND new.expires_at IS old.expires_at AND new.created_at IS old.created_at)
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only (only an erasure may redact its text)'); END;

CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;
