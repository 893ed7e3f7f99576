-- 017: packages (月省计划): subscriptions, their history, and the discounts
-- applied at payment.  Plans live in the configuration (section packages);
-- rows name a plan by its id.  Times are Unix seconds (UTC); money is fen.

-- A user's subscriptions.  Active from started_at until ended_at (NULL while
-- active); at most one active per user.  A subscription's months are the
-- 30-day periods counted from started_at.
CREATE TABLE package_subscriptions (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL,
    plan_id     TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    created_at  INTEGER NOT NULL,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX package_subscriptions_active ON package_subscriptions (user_id)
    WHERE ended_at IS NULL;
CREATE INDEX package_subscriptions_user ON package_subscriptions (user_id, started_at);

-- Every change of a subscription: subscribed, cancelled, or ended by the
-- erasure of its user (user forget).
CREATE TABLE package_events (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES package_subscriptions (id),
    user_id         TEXT NOT NULL,
    kind            TEXT NOT NULL
                    CHECK (kind = 'subscribe' OR kind = 'cancel' OR kind = 'erased'),
    at              INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX package_events_subscription ON package_events (subscription_id);

-- A discount a subscription gave one payment, written by the payment path
-- (coupon redemption) in its transaction: once per transaction id, so the
-- monthly cap counts every discount exactly once.
CREATE TABLE package_discounts (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES package_subscriptions (id),
    user_id         TEXT NOT NULL,
    tx_id           TEXT NOT NULL UNIQUE,
    at              INTEGER NOT NULL,
    amount_fen      INTEGER NOT NULL CHECK (amount_fen >= 0),
    discount_fen    INTEGER NOT NULL CHECK (discount_fen > 0 AND discount_fen <= amount_fen),
    created_at      INTEGER NOT NULL
);
CREATE INDEX package_discounts_subscription ON package_discounts (subscription_id, at);
