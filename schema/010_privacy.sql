-- 010: erasure on request (PIPL).  Each erasure is recorded, and it is the
-- one sanctioned way through the append-only ticket history: while an
-- erasure's row has no finished_at -- that is, only inside the erasure's
-- own transaction, since the row is finished before it commits -- an UPDATE
-- of ticket_events may change the text (body) of an event and nothing else.
-- Every ticket whose history was redacted gets an event saying so.

CREATE TABLE privacy_erasures (
    id           INTEGER PRIMARY KEY,
    user_id      TEXT NOT NULL,            -- whose data was erased
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,                  -- NULL only inside the erasure's transaction
    rows         INTEGER NOT NULL DEFAULT 0,   -- rows changed, in every table
    tickets      INTEGER NOT NULL DEFAULT 0,   -- tickets whose history was redacted
    pad          BLOB                      -- used inside the erasure to overwrite the
                                           -- free pages of the file; always NULL after
);

CREATE INDEX privacy_erasures_user ON privacy_erasures (user_id);

DROP TRIGGER ticket_events_no_update;
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
WHEN NOT (EXISTS (SELECT 1 FROM privacy_erasures WHERE finished_at IS NULL)
          AND new.id IS old.id AND new.ticket_id IS old.ticket_id
          AND new.user_id IS old.user_id AND new.at IS old.at AND new.actor IS old.actor
          AND new.kind IS old.kind AND new.from_status IS old.from_status
          AND new.to_status IS old.to_status AND new.public IS old.public)
BEGIN SELECT RAISE(ABORT, 'ticket events are append-only (only an erasure may redact their text)'); END;
