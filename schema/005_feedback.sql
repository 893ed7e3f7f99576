-- 005: customer feedback, its change history, urgency escalations and
-- demand mining links.  Times are Unix seconds (UTC).
-- The library checks every value it writes; the feedback table has no CHECK
-- constraints because they cost a third of bulk-import time.

CREATE TABLE feedback (
    id              INTEGER PRIMARY KEY,
    feedback_id     TEXT NOT NULL UNIQUE,        -- the exporter's key
    user_id         TEXT,                        -- the customer (external id), if known
    station_id      TEXT,
    submitted_at    INTEGER NOT NULL,
    channel         TEXT,
    kind            TEXT,                        -- complaint, suggestion, praise, other
    overall         INTEGER,                     -- 1..5
    stars           TEXT NOT NULL DEFAULT '{}',  -- JSON object: dimension -> 1..5
    comment         TEXT,
    extra           TEXT NOT NULL DEFAULT '{}',  -- JSON object: columns the import did not know
    -- Derived when the row is written:
    score           REAL,                        -- weighted dimension score, else overall
    sentiment       REAL,                        -- [-1, 1], NULL without a comment
    sentiment_label INTEGER,                     -- -1, 0, 1
    urgency         INTEGER NOT NULL DEFAULT 0,  -- 0 none, 1 low, 2 medium, 3 high, 4 critical
    reasons         TEXT NOT NULL DEFAULT '[]',  -- JSON array of {"rule","reason","match"}
    mismatch        INTEGER NOT NULL DEFAULT 0,  -- 0, 1
    suggestion      INTEGER NOT NULL DEFAULT 0,  -- 0, 1
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- No index on submitted_at or station_id: stats and ranges scan (a million
-- rows in well under a second), and a random-order index would cost a
-- large share of bulk-import time.
CREATE INDEX feedback_urgent ON feedback (urgency, submitted_at) WHERE urgency > 0;
CREATE INDEX feedback_suggestions ON feedback (submitted_at) WHERE suggestion = 1;

-- Every change a re-import made: the old values of the changed columns.
CREATE TABLE feedback_history (
    id          INTEGER PRIMARY KEY,
    feedback_id TEXT NOT NULL,
    user_id     TEXT,
    changed_at  INTEGER NOT NULL,
    old         TEXT NOT NULL                    -- JSON object: column -> old value
);

CREATE INDEX feedback_history_id ON feedback_history (feedback_id, changed_at);

-- Urgent feedback waiting to become a ticket (connected to the tickets
-- capability at merge); ref is stable per feedback.
CREATE TABLE feedback_escalations (
    id          INTEGER PRIMARY KEY,
    ref         TEXT NOT NULL UNIQUE,
    feedback_id TEXT NOT NULL UNIQUE,
    user_id     TEXT,
    level       INTEGER NOT NULL,
    reasons     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'opened')),
    created_at  INTEGER NOT NULL
);

-- The link from feedback to the ticket it opened (once per feedback).
CREATE TABLE feedback_tickets (
    feedback_id TEXT NOT NULL PRIMARY KEY,
    ticket_ref  TEXT NOT NULL,
    user_id     TEXT,
    created_at  INTEGER NOT NULL
);

CREATE INDEX feedback_tickets_ref ON feedback_tickets (ticket_ref);

-- A demand topic linked to a backlog item, and when that item shipped.
CREATE TABLE demand_links (
    topic       TEXT NOT NULL,
    backlog_id  TEXT NOT NULL,
    linked_at   INTEGER NOT NULL,
    shipped_at  INTEGER,
    PRIMARY KEY (topic, backlog_id)
);

CREATE INDEX demand_links_backlog ON demand_links (backlog_id);
