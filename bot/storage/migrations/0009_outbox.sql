-- One outbox for every message the bot sends on its own initiative: the triage advice again, an alert to the clinic
-- and its re-sends, "the clinic has been told", reminders, nudges, aftercare steps and broadcasts. A use case writes
-- the row in the same transaction as the state it reports; one worker sends it (bot/outbox/worker.py). No message text
-- is kept: each is rendered when it is sent (a broadcast's own text lives on its broadcast row).
--   priority 0 (urgent: advice, alert, notified, resend, closed, acknowledged) never waits for a bulk slot; 1 (bulk:
--   the rest) does.
--   once 'at least': tried until Telegram confirms it, deleted then; 'at most': marked 'sending' before its one
--   request, never repeated once it may have gone out. Bulk rows of a broadcast are kept with what became of them
--   (its tally); other rows are deleted once settled (reminder_log and sequence_log keep what was decided).
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL
                  CHECK (kind IN ('advice', 'alert', 'notified', 'resend', 'closed', 'acknowledged', 'reminder',
                                  'nudge', 'step', 'broadcast')),
    priority      INTEGER NOT NULL CHECK (priority IN (0, 1)),
    once          TEXT    NOT NULL CHECK (once IN ('at least', 'at most')),
    chat_id       INTEGER,  -- the patient's chat; NULL for the staff chat (STAFF_CHAT_ID, read when it is sent)
    user_id       INTEGER NOT NULL REFERENCES patient (user_id) ON DELETE CASCADE,
    checkin_id    INTEGER REFERENCES checkin (id) ON DELETE CASCADE,
    escalation_id INTEGER REFERENCES escalation (id) ON DELETE CASCADE,
    broadcast_id  INTEGER REFERENCES broadcast (id) ON DELETE CASCADE,
    step          TEXT,     -- the aftercare step's key
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'unconfirmed', 'blocked', 'failed', 'cancelled')),
    reason        TEXT    NOT NULL DEFAULT '',  -- why it was not sent, as Telegram said it
    attempts      INTEGER NOT NULL DEFAULT 0,
    due_at        TEXT    NOT NULL,
    expires_at    TEXT,     -- a bulk message not sent by then is dropped (a reminder never comes hours late)
    created_at    TEXT    NOT NULL,
    updated_at    TEXT
) STRICT;
CREATE INDEX outbox_by_due ON outbox (priority, status, due_at);
CREATE UNIQUE INDEX outbox_by_broadcast ON outbox (broadcast_id, user_id) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_by_broadcast_status ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_by_escalation ON outbox (escalation_id) WHERE escalation_id IS NOT NULL;

INSERT INTO outbox (kind, priority, once, chat_id, user_id, checkin_id, escalation_id, attempts, due_at, created_at)
    SELECT kind, 0, 'at least', CASE kind WHEN 'alert' THEN NULL ELSE user_id END, user_id, checkin_id, escalation_id,
           attempts, due_at, created_at
    FROM delivery;
DROP TABLE delivery;

INSERT INTO outbox (kind, priority, once, chat_id, user_id, broadcast_id, status, reason, attempts, due_at, created_at,
                    updated_at)
    SELECT 'broadcast', 1, 'at most', r.user_id, r.user_id, r.broadcast_id, r.status, r.reason, r.attempts,
           COALESCE(b.started_at, b.created_at), COALESCE(b.started_at, b.created_at), r.updated_at
    FROM broadcast_recipient AS r JOIN broadcast AS b ON b.id = r.broadcast_id;
DROP TABLE broadcast_recipient;
