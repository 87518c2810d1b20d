-- The automated aftercare sequence: each step (named in data/sequence.toml) goes to each patient once.
CREATE TABLE sequence_log (
    user_id INTEGER NOT NULL REFERENCES patient (user_id) ON DELETE CASCADE,
    step    TEXT    NOT NULL,
    sent_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, step)
) STRICT;
