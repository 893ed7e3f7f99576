-- 002: the outbox of notifications for the integrator to deliver.
CREATE TABLE outbox (
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
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'leased', 'sent', 'dead')),
    lease_until INTEGER,                      -- a leased row is free again after this
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    sent_at     INTEGER
);

CREATE INDEX outbox_ready ON outbox (status, not_before);
CREATE INDEX outbox_user ON outbox (user_id, created_at);
