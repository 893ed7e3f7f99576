-- 003: tickets, their append-only events, escalations, surveys.
-- SLA: a running clock stores its due and at-risk instants; sla_watch, the
-- earliest at-risk instant of a running clock, is indexed, so the sweep is
-- a range scan; escalations are recorded once by their UNIQUE key.

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    tracking TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('app', 'phone', 'wechat', 'web', 'station')),
    category TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('normal', 'urgent', 'major', 'systemic')),
    queue TEXT NOT NULL,
    assignee TEXT,
    status TEXT NOT NULL CHECK (status IN ('new', 'assigned', 'in_progress',
                        'waiting_customer', 'resolved', 'closed', 'merged', 'cancelled')),
    is_incident INTEGER NOT NULL DEFAULT 0 CHECK (is_incident IN (0, 1)),
    incident_id INTEGER REFERENCES tickets (id),
    merged_into INTEGER REFERENCES tickets (id),
    related_id INTEGER REFERENCES tickets (id),
    kb_article_id INTEGER,
    rule TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at INTEGER,
    closed_at INTEGER,
    eta INTEGER,
    resolutions INTEGER NOT NULL DEFAULT 0,

    calendar TEXT,
    frt_target INTEGER NOT NULL,
    res_target INTEGER NOT NULL,
    frt_due INTEGER,
    frt_warn INTEGER,
    frt_left INTEGER,
    res_due INTEGER,
    res_warn INTEGER,
    res_left INTEGER,
    frt_met INTEGER,
    frt_used INTEGER,
    res_met INTEGER,
    res_used INTEGER,
    sla_watch INTEGER
);

CREATE INDEX tickets_user ON tickets (user_id);
CREATE INDEX tickets_status ON tickets (status, queue);
CREATE INDEX tickets_incident ON tickets (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX tickets_watch ON tickets (sla_watch, frt_due, frt_warn, res_due, res_warn,
    tracking, user_id, severity, queue, assignee) WHERE sla_watch IS NOT NULL;
CREATE INDEX tickets_resolved ON tickets (resolved_at) WHERE status = 'resolved';
CREATE INDEX tickets_created ON tickets (created_at);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    user_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    body TEXT
);

CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket events are append-only'); END;
CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket events are append-only'); END;

CREATE TABLE ticket_escalations (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    user_id TEXT NOT NULL,
    clock TEXT NOT NULL CHECK (clock IN ('first_response', 'resolution')),
    kind TEXT NOT NULL CHECK (kind IN ('at_risk', 'breached')),
    due_at INTEGER NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (ticket_id, clock, kind)
);

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    user_id TEXT NOT NULL,
    resolution INTEGER NOT NULL,
    agent TEXT,
    queue TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'answered', 'void')),
    score INTEGER CHECK (score BETWEEN 1 AND 5),
    comment TEXT,
    answered_at INTEGER,
    followup_id INTEGER REFERENCES tickets (id),
    UNIQUE (ticket_id, resolution)
);

CREATE INDEX surveys_pending ON surveys (due_at) WHERE status = 'pending';
CREATE INDEX surveys_answered ON surveys (answered_at) WHERE status = 'answered';
