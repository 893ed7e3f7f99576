-- 020: community events (车友会, 节油挑战赛) and the advisory panel (用户顾问团),
-- seed §5.  Times are Unix seconds (UTC).  A person's link to these rows is
-- their user_id; user forget replaces it by NULL and keeps the rows, so the
-- anonymous figures (attendance, vote totals, turnout) do not change.

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('meetup', 'challenge')),
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    capacity      INTEGER NOT NULL CHECK (capacity > 0),
    station_id    TEXT,
    city          TEXT,
    remind_before INTEGER CHECK (remind_before IS NULL OR remind_before > 0),   -- seconds
    created_at    INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_starts ON events (starts_at);

-- One row per registration: in the queue from queued_at, holding a seat
-- from seated_at (NULL while waitlisted; later than queued_at when a
-- cancellation promoted it), until cancelled_at; checked in at
-- checked_in_at.  A cancelled registration stays; registering again makes
-- a new row.  The state at a time T follows from the times, so reads can
-- be "as the world stood at T".
CREATE TABLE event_registrations (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES events (id),
    user_id       TEXT,                          -- NULL once the user is erased
    queued_at     INTEGER NOT NULL,
    seated_at     INTEGER,
    promoted      INTEGER NOT NULL DEFAULT 0 CHECK (promoted IN (0, 1)),
    cancelled_at  INTEGER,
    checked_in_at INTEGER,
    created_at    INTEGER NOT NULL,
    CHECK (seated_at IS NULL OR seated_at >= queued_at),
    CHECK (checked_in_at IS NULL OR seated_at IS NOT NULL)
);
-- One live registration per person and event (registering twice fails
-- here even if two processes try at once).
CREATE UNIQUE INDEX event_registrations_live ON event_registrations (event_id, user_id)
    WHERE cancelled_at IS NULL;
CREATE INDEX event_registrations_queue ON event_registrations (event_id, queued_at, id);
CREATE INDEX event_registrations_user ON event_registrations (user_id);

-- The capacity, held by the database too: no write may seat more live
-- registrations than the event has seats.
CREATE TRIGGER event_registrations_capacity_insert BEFORE INSERT ON event_registrations
WHEN NEW.seated_at IS NOT NULL AND NEW.cancelled_at IS NULL
 AND (SELECT count(*) FROM event_registrations r WHERE r.event_id = NEW.event_id
      AND r.seated_at IS NOT NULL AND r.cancelled_at IS NULL)
     >= (SELECT capacity FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'event is full');
END;
CREATE TRIGGER event_registrations_capacity_update BEFORE UPDATE OF seated_at ON event_registrations
WHEN NEW.seated_at IS NOT NULL AND OLD.seated_at IS NULL AND NEW.cancelled_at IS NULL
 AND (SELECT count(*) FROM event_registrations r WHERE r.event_id = NEW.event_id
      AND r.seated_at IS NOT NULL AND r.cancelled_at IS NULL AND r.id <> NEW.id)
     >= (SELECT capacity FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'event is full');
END;

-- The advisory panel.  A member row is the person on the panel, once
-- (user_id NULL once erased); their terms say when they were on it.
-- Votes name the member row, so one vote per member and proposal holds for
-- erased members too.
CREATE TABLE panel_members (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE panel_terms (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES panel_members (id),
    joined_at INTEGER NOT NULL,
    left_at   INTEGER,
    CHECK (left_at IS NULL OR left_at >= joined_at)
);
CREATE UNIQUE INDEX panel_terms_open ON panel_terms (member_id) WHERE left_at IS NULL;
CREATE INDEX panel_terms_member ON panel_terms (member_id, joined_at);

CREATE TABLE proposals (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    opens_at   INTEGER NOT NULL,
    closes_at  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (closes_at > opens_at)
);
CREATE TABLE proposal_options (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    position    INTEGER NOT NULL CHECK (position >= 1),
    label       TEXT NOT NULL,
    PRIMARY KEY (proposal_id, position),
    UNIQUE (proposal_id, label)
);
CREATE TABLE proposal_votes (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    member_id   INTEGER NOT NULL REFERENCES panel_members (id),
    position    INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (proposal_id, member_id),
    FOREIGN KEY (proposal_id, position) REFERENCES proposal_options (proposal_id, position)
);
