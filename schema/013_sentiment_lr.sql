-- 013: sentiment v2: the logistic regression model over hashed character
-- n-grams, its learned combination with the lexicon, and the
-- cross-validation that chose its regularisation (see lib/sentiment_lr.c
-- and lib/sentiment_model.c).  The model's facts are keys of
-- sentiment_meta: model_kind ('lr' or 'nb'), model_trained_at,
-- model_source, model_holdout, model_held_out, model_negative,
-- model_positive, model_folds, model_c, model_cv_macro_f1, model_bytes.

-- The model, one row.  Per hash bucket a 32-bit cell: the low half the
-- weight times the idf (int16, times wscale), the high half the idf
-- (uint16, times iscale).  cells holds a bitmap of the buckets whose cell
-- differs from (idf_unseen << 16), then those cells, 4 bytes each,
-- little-endian, in bucket order.
CREATE TABLE sentiment_lr (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    format     INTEGER NOT NULL,             -- 1: 1-3-grams of folded characters
    bits       INTEGER NOT NULL CHECK (bits BETWEEN 10 AND 24),
    intercept  REAL NOT NULL,
    wscale     REAL NOT NULL,
    iscale     REAL NOT NULL,
    idf_unseen INTEGER NOT NULL,
    c          REAL NOT NULL,                -- the inverse regularisation strength used
    cells      BLOB NOT NULL
);

-- The learned combination: per length bucket (characters) the log-odds of
-- "positive" is bias + model * M + lexicon * tanh(L / 3) + hits * ln(1 + hits).
CREATE TABLE sentiment_layer (
    bucket    INTEGER PRIMARY KEY CHECK (bucket BETWEEN 0 AND 4),
    chars_min INTEGER NOT NULL,
    chars_max INTEGER,                       -- NULL: no upper bound
    bias      REAL NOT NULL,
    model     REAL NOT NULL,
    lexicon   REAL NOT NULL,
    hits      REAL NOT NULL
);

-- Every strength the cross-validation tried, with the out-of-fold
-- macro-F1 of the model alone.
CREATE TABLE sentiment_cv (
    c        REAL PRIMARY KEY,
    macro_f1 REAL NOT NULL
) WITHOUT ROWID;
