-- 006: the sentiment lexicon and the trained character n-gram model.

-- One row per lexicon term (see data/lexicon/README.md for the kinds).
-- Built-in rows come from the lexicon files compiled into the library;
-- users add their own (origin 'user'), which a reload keeps.
CREATE TABLE sentiment_lexicon (
    term       TEXT PRIMARY KEY,             -- NFC, ASCII letters in lower case
    weight     REAL NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'word'
               CHECK (kind IN ('word', 'negator', 'degree', 'contrast', 'concession',
                               'rhetorical')),
    tags       TEXT NOT NULL DEFAULT '',     -- comma separated
    origin     TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('builtin', 'user')),
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Key/value facts: lexicon_loaded_at, model_docs_neg, model_docs_pos,
-- model_trained_at, model_source, model_rows.
CREATE TABLE sentiment_meta (
    key   TEXT PRIMARY KEY,
    value
) WITHOUT ROWID;

-- The model: per character unigram or bigram, the number of training
-- texts of each class that contain it (multinomial naive Bayes over
-- binarised features, Laplace smoothing at load time).
CREATE TABLE sentiment_feature (
    gram TEXT PRIMARY KEY,
    neg  INTEGER NOT NULL,
    pos  INTEGER NOT NULL
) WITHOUT ROWID;
