-- 012: the service loop closes.  Tracking numbers from a secret key and a
-- limit on tracking guesses; tickets for customers not (yet) known;
-- surveys that expire and credit the resolver; calendar days imported from
-- iCalendar files; the feature area of a backlog item (beta invitations).
-- Times are Unix seconds (UTC).

-- The secret of this database's tracking numbers: 32 random bytes from
-- SQLite's generator (seeded from the operating system), made once when the
-- database is created, or when an older one is migrated.  New numbers are a
-- keyed permutation of the ticket's sequence number; numbers issued before
-- stay as stored (tickets.tracking is UNIQUE, and a new ticket skips a
-- sequence number whose permuted number is already taken).
CREATE TABLE tracking_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    key         BLOB NOT NULL CHECK (length(key) = 32),
    created_at  INTEGER NOT NULL
);

INSERT INTO tracking_key (id, key, created_at)
    VALUES (1, randomblob(32), CAST(strftime('%s', 'now') AS INTEGER));

-- Failed second-factor attempts of customer tracking, by the number asked
-- for, whether a ticket has it or not: 'wrong' (the last 4 digits did not
-- match, or the number is unknown), 'locked' (refused because of the
-- limit, whatever was given).
CREATE TABLE tracking_attempts (
    id          INTEGER PRIMARY KEY,
    tracking    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('wrong', 'locked'))
);

CREATE INDEX tracking_attempts_number ON tracking_attempts (tracking, at);

-- Who a ticket's customer is: 'known' (a user), 'unknown' (user_id names
-- nobody in users yet: linked, with an event, when that user is added), or
-- 'anonymous' (user_id is '': feedback without a user id).
-- (The CHECK is written with OR: an IN list of three or more makes SQLite
-- build a temporary index on every insert.)
ALTER TABLE tickets ADD COLUMN customer TEXT NOT NULL DEFAULT 'known'
    CHECK (customer = 'known' OR customer = 'unknown' OR customer = 'anonymous');

CREATE INDEX tickets_unknown_customer ON tickets (user_id) WHERE customer = 'unknown';

-- A pending survey past expires_at can no longer be answered (NULL: never).
-- Surveys made before 012 expire 7 days after the resolution (the default
-- of tickets.survey_expires_after).
ALTER TABLE surveys ADD COLUMN expires_at INTEGER;

UPDATE surveys SET expires_at = created_at + 7 * 86400;

-- A survey credits the agent who resolved the ticket (the actor of the
-- resolution's event), no longer the assignee.
UPDATE surveys SET agent = coalesce(
    (SELECT e.actor FROM ticket_events e
      WHERE e.ticket_id = surveys.ticket_id AND e.kind = 'resolved' AND e.at = surveys.created_at
      ORDER BY e.id DESC LIMIT 1),
    agent);

-- Every calendar import (its id also tells a handle its cached calendars
-- are stale).
CREATE TABLE calendar_imports (
    id          INTEGER PRIMARY KEY,
    calendar    TEXT NOT NULL,
    source      TEXT NOT NULL,                -- the file name given
    holidays    INTEGER NOT NULL,
    workdays    INTEGER NOT NULL,
    imported_at INTEGER NOT NULL
);

-- Holidays and make-up working days read from iCalendar files
-- (`calendar import`), added to the configured calendar of that name.  A
-- year with at least one imported holiday counts as known.
CREATE TABLE calendar_days (
    calendar    TEXT NOT NULL,
    day         TEXT NOT NULL,                -- YYYY-MM-DD
    kind        TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name        TEXT,                         -- the event's summary
    import_id   INTEGER NOT NULL REFERENCES calendar_imports (id),
    PRIMARY KEY (calendar, day)
) WITHOUT ROWID;

-- The feature area of a backlog item (a feedback dimension such as
-- payment): beta testers who rated that area are invited when it ships.
CREATE TABLE demand_areas (
    backlog_id  TEXT NOT NULL PRIMARY KEY,
    area        TEXT NOT NULL,
    set_at      INTEGER NOT NULL
);
