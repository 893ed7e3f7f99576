-- 016: the points ledger (issue 15, item 2).
--
-- points_ledger is append-only: every change of a user's points is one row
-- (a non-zero delta), and a balance is the sum of the rows.  Replays earn
-- nothing: (kind, ref) is unique, ref being the payment's tx_id for
-- earn_fuel, the survey id for earn_survey, the caller's reference for a
-- redemption or a community contribution.  Rows are never updated or
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
    CHECK (kind <> 'adjust' OR reason IS NOT NULL),
    UNIQUE (kind, ref)
);

-- Statements and balances read one user's rows in time order.
CREATE INDEX points_ledger_user ON points_ledger (user_id, at);

-- What is left of each positive row (a lot), consumed oldest expiry first
-- by redemptions, negative adjustments and expiry.  The one mutable part:
-- per user, sum(remaining) equals the ledger's sum (aftersales check).  An
-- exhausted lot is deleted.  No index of its own: a user's lots are found
-- through the ledger's (user_id, at), and the expiry sweep reads them all,
-- so that earning (a row per fueling record) writes one more row at the end
-- of a table and nothing else.
CREATE TABLE points_lots (
    earn_id     INTEGER PRIMARY KEY REFERENCES points_ledger (id),
    user_id     TEXT NOT NULL,
    expires_at  INTEGER,                   -- NULL: never lapses
    earned_at   INTEGER NOT NULL,
    remaining   INTEGER NOT NULL CHECK (remaining > 0)
);

CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
WHEN NOT (EXISTS (SELECT 1 FROM privacy_erasures WHERE finished_at IS NULL)
          AND new.id IS old.id AND new.user_id IS old.user_id AND new.at IS old.at
          AND new.delta IS old.delta AND new.kind IS old.kind AND new.ref IS old.ref
          AND new.expires_at IS old.expires_at AND new.created_at IS old.created_at)
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only (only an erasure may redact its text)'); END;

CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;
