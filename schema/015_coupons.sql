-- 015: the coupon wallet (issue 15).
--
-- A coupon is issued to one user from a template of the configuration
-- (coupons.templates); its terms are copied into the row when it is issued,
-- so a later change of the template changes no coupon already held.  Its
-- code is 16 characters of Crockford's base32 alphabet from 80 random bits
-- (unguessable; the code is the key station software redeems by).
--
-- A coupon moves once: issued -> redeemed | expired | voided, by an UPDATE
-- that requires status = 'issued' (two redemptions of one code, even from
-- two processes, cannot both change the row).  Every change is an event.
CREATE TABLE coupons (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    user_id          TEXT NOT NULL,
    template         TEXT NOT NULL,             -- the template's id when issued
    name             TEXT NOT NULL,
    value_fen        INTEGER NOT NULL DEFAULT 0 CHECK (value_fen >= 0),      -- off the payment
    per_litre_fen    INTEGER NOT NULL DEFAULT 0 CHECK (per_litre_fen >= 0),  -- off each litre
    max_discount_fen INTEGER CHECK (max_discount_fen > 0),                   -- NULL: no cap
    min_spend_fen    INTEGER NOT NULL DEFAULT 0 CHECK (min_spend_fen >= 0),
    grades           TEXT,                      -- JSON array of grades; NULL: any
    stations         TEXT,                      -- JSON array of station ids; NULL: any
    regions          TEXT,                      -- JSON array of region code prefixes; NULL: any
    stackable        INTEGER NOT NULL DEFAULT 0 CHECK (stackable = 0 OR stackable = 1),
    issued_at        INTEGER NOT NULL,
    valid_from       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,          -- good before this instant
    source           TEXT NOT NULL CHECK (source = 'manual' OR source = 'reminder'
                                          OR source = 'benefit' OR source = 'partner'),
    source_key       TEXT UNIQUE,               -- what issued it (idempotency); NULL: manual
    status           TEXT NOT NULL DEFAULT 'issued'
                     CHECK (status = 'issued' OR status = 'redeemed' OR status = 'expired'
                            OR status = 'voided'),
    changed_at       INTEGER,                   -- when it left 'issued'
    redeemed_tx      TEXT,                      -- the payment's transaction id
    redeemed_station TEXT,
    redeemed_amount_fen INTEGER,                -- the payment before discounts
    discount_fen     INTEGER,                   -- what the coupon took off
    reason           TEXT,                      -- why it was voided
    partner          TEXT,                      -- a partner's coupon: the partner's id
    offer            TEXT,                      -- ... the offer that issued it
    origin_tx        TEXT,                      -- ... the fill-up that earned it
    CHECK (value_fen > 0 OR per_litre_fen > 0),
    CHECK (expires_at > valid_from)
);
CREATE INDEX coupons_user ON coupons (user_id, issued_at);
CREATE INDEX coupons_tx ON coupons (redeemed_tx) WHERE redeemed_tx IS NOT NULL;
CREATE INDEX coupons_expiring ON coupons (expires_at) WHERE status = 'issued';
CREATE INDEX coupons_partner ON coupons (partner, issued_at) WHERE partner IS NOT NULL;

-- What happened to a coupon, in order; never updated.
CREATE TABLE coupon_events (
    id        INTEGER PRIMARY KEY,
    coupon_id INTEGER NOT NULL REFERENCES coupons (id),
    at        INTEGER NOT NULL,
    event     TEXT NOT NULL CHECK (event = 'issued' OR event = 'redeemed' OR event = 'expired'
                                   OR event = 'voided'),
    detail    TEXT                              -- JSON object, or NULL
);
CREATE INDEX coupon_events_coupon ON coupon_events (coupon_id, id);
CREATE TRIGGER coupon_events_append_only BEFORE UPDATE ON coupon_events
BEGIN
    SELECT RAISE(ABORT, 'coupon events are never changed');
END;
