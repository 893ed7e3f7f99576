-- 019: the community (issue 16, item 3): posts on the boards of the
-- configuration's community section with their moderation, featured posts,
-- and co-creation submissions (tips, video links).
--
-- A post is scored when it is written (banned terms, sentiment, the alert
-- rules of feedback): status 'visible', or 'queued' for review when a flag
-- fired (flags: a JSON array of {"rule", "reason", "match"}); a reviewer
-- approves ('visible') or removes it ('removed', with a reason).  An erasure
-- (user forget) replaces the person's titles and bodies by '[erased]' and
-- removes the posts from view.
CREATE TABLE community_posts (
    id              INTEGER PRIMARY KEY,
    board           TEXT NOT NULL,             -- a board id of the community section
    user_id         TEXT NOT NULL,
    title           TEXT NOT NULL,             -- NFC
    body            TEXT NOT NULL,             -- NFC
    created_at      INTEGER NOT NULL,          -- the post's time
    status          TEXT NOT NULL CHECK (status IN ('visible', 'queued', 'removed')),
    flags           TEXT NOT NULL DEFAULT '[]',
    sentiment       REAL NOT NULL,             -- [-1, 1], of title and body
    reviewed_at     INTEGER,                   -- the last approval or removal
    removed_reason  TEXT,                      -- why it was removed (free text)
    featured_at     INTEGER,                   -- the last time it was featured
    featured_until  INTEGER,                   -- pinned until then
    updated_at      INTEGER NOT NULL,
    CHECK ((status = 'removed') = (removed_reason IS NOT NULL)),
    CHECK ((featured_at IS NULL) = (featured_until IS NULL))
);

CREATE INDEX community_posts_user ON community_posts (user_id, created_at);
CREATE INDEX community_posts_board ON community_posts (board, created_at);
CREATE INDEX community_posts_queue ON community_posts (created_at) WHERE status = 'queued';

-- Submissions go submitted -> adopted | declined, and a decided one stays
-- decided (the trigger).  An adopted tip with as_tip = 1 joins the reminder
-- tips rotation after the configured tips, in adoption order (decided_at,
-- id); an erased text leaves it.
CREATE TABLE community_submissions (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('tip', 'video')),
    text        TEXT NOT NULL,                 -- NFC
    url         TEXT,                          -- http(s); a video's link
    created_at  INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'submitted'
                CHECK (status IN ('submitted', 'adopted', 'declined')),
    decided_at  INTEGER,
    reason      TEXT,                          -- why it was declined (free text)
    as_tip      INTEGER NOT NULL DEFAULT 0 CHECK (as_tip IN (0, 1)),
    CHECK ((status = 'submitted') = (decided_at IS NULL)),
    CHECK ((status = 'declined') = (reason IS NOT NULL)),
    CHECK (as_tip = 0 OR (status = 'adopted' AND kind = 'tip'))
);

CREATE INDEX community_submissions_user ON community_submissions (user_id);
CREATE INDEX community_submissions_tips ON community_submissions (decided_at, id) WHERE as_tip = 1;

CREATE TRIGGER community_submissions_decided BEFORE UPDATE OF status ON community_submissions
WHEN old.status <> 'submitted' AND new.status IS NOT old.status
BEGIN SELECT RAISE(ABORT, 'a decided submission stays decided'); END;
