-- Broadcasts are sent at most once. A recipient is marked 'sending' before the message goes out; a send whose answer
-- was lost (or that a crash interrupted) ends 'unconfirmed' instead of being sent again. SQLite cannot change a
-- CHECK constraint in place, so the table is rebuilt with the two new statuses; nothing refers to it.
CREATE TABLE broadcast_recipient_new (
    broadcast_id INTEGER NOT NULL REFERENCES broadcast (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES patient (user_id) ON DELETE CASCADE,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'sent', 'unconfirmed', 'blocked', 'failed')),
    reason       TEXT    NOT NULL DEFAULT '',  -- why it failed or was blocked, as Telegram said it
    attempts     INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT,
    PRIMARY KEY (broadcast_id, user_id)
) STRICT;
INSERT INTO broadcast_recipient_new (broadcast_id, user_id, status, reason, attempts, updated_at)
    SELECT broadcast_id, user_id, status, reason, attempts, updated_at FROM broadcast_recipient;
DROP TABLE broadcast_recipient;
ALTER TABLE broadcast_recipient_new RENAME TO broadcast_recipient;
CREATE INDEX broadcast_recipient_by_status ON broadcast_recipient (broadcast_id, status);
