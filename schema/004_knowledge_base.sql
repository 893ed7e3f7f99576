-- 004: the knowledge base: articles, their full-text index, and which
-- article resolved which ticket.
--
-- Search uses FTS5 with the trigram tokenizer, so Chinese text needs no
-- word segmenter: any query of three or more characters matches substrings.
-- The index is an external-content table kept in sync by triggers.

CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,           -- the article number shown to agents
    article_id  TEXT UNIQUE,                   -- external key (imports); NULL if added by hand
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    category    TEXT,                          -- e.g. payment, coupon, invoice
    tags        TEXT NOT NULL DEFAULT '',      -- normalised, comma-separated
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE INDEX kb_articles_category ON kb_articles (category);

CREATE VIRTUAL TABLE kb_fts USING fts5 (
    title, body, tags,
    content = 'kb_articles', content_rowid = 'id',
    tokenize = 'trigram'
);

CREATE TRIGGER kb_articles_ai AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;

CREATE TRIGGER kb_articles_ad AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, body, tags)
        VALUES ('delete', old.id, old.title, old.body, old.tags);
END;

CREATE TRIGGER kb_articles_au AFTER UPDATE OF title, body, tags ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, body, tags)
        VALUES ('delete', old.id, old.title, old.body, old.tags);
    INSERT INTO kb_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;

-- Which article resolved which ticket.  ticket_ref is the ticket's
-- tracking number (tickets live in another part of the schema); user_id
-- is the customer's external id.  A ticket counts once per article.
CREATE TABLE kb_resolutions (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    ticket_ref   TEXT NOT NULL,
    user_id      TEXT,
    resolved_at  INTEGER NOT NULL,
    UNIQUE (article_id, ticket_ref)
);

CREATE INDEX kb_resolutions_ticket ON kb_resolutions (ticket_ref);
CREATE INDEX kb_resolutions_user ON kb_resolutions (user_id);
