-- Broadcasts from clinic staff to patients, and one row per recipient so that delivery survives a restart.
CREATE TABLE broadcast (
    id                INTEGER PRIMARY KEY,
    created_by        INTEGER NOT NULL,  -- the staff member's Telegram id
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    compose_step      TEXT,              -- where a draft's composing stands; NULL once it is no longer a draft
    text_html         TEXT    NOT NULL DEFAULT '',  -- the message, or the photo's caption, as Telegram HTML
    photo_file_id     TEXT,              -- NULL for a text broadcast
    audience          TEXT    NOT NULL DEFAULT '',  -- the audience as bot/domain encodes it
    scheduled_for     TEXT,
    started_at        TEXT,
    finished_at       TEXT,
    report_chat_id    INTEGER,           -- where the progress message and the final report are shown
    report_message_id INTEGER
) STRICT;
CREATE INDEX broadcast_by_status ON broadcast (status);

CREATE TABLE broadcast_recipient (
    broadcast_id INTEGER NOT NULL REFERENCES broadcast (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES patient (user_id) ON DELETE CASCADE,
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'blocked', 'failed')),
    reason       TEXT    NOT NULL DEFAULT '',  -- why it failed or was blocked, as Telegram said it
    attempts     INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT,
    PRIMARY KEY (broadcast_id, user_id)
) STRICT;
CREATE INDEX broadcast_recipient_by_status ON broadcast_recipient (broadcast_id, status);
