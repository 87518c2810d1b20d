-- Messages that must reach someone at least once: a triage reply's advice to the patient, an alert to the clinic,
-- and the patient's "the clinic has been told". Each is written in the same transaction as the outcome it carries,
-- before anything is sent, and deleted once Telegram confirms it; until then it is tried again after a growing pause
-- (due_at), also after a restart. No text is kept here: the message is rendered again from its check-in or
-- escalation when it is sent.
CREATE TABLE delivery (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('advice', 'alert', 'notified')),
    user_id       INTEGER NOT NULL REFERENCES patient (user_id) ON DELETE CASCADE,
    checkin_id    INTEGER REFERENCES checkin (id) ON DELETE CASCADE,
    escalation_id INTEGER REFERENCES escalation (id) ON DELETE CASCADE,
    attempts      INTEGER NOT NULL DEFAULT 0,
    due_at        TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    CHECK (checkin_id IS NOT NULL OR escalation_id IS NOT NULL)
) STRICT;
CREATE INDEX delivery_by_due ON delivery (due_at);

-- An escalation raised from a message the patient typed keeps those words for the staff's alert (the check-in's
-- note plays that part for a check-in); erased with the escalation, by /delete and by the retention purge.
ALTER TABLE escalation ADD COLUMN words TEXT;

-- Alerts whose first post failed before this version were posted by the every-minute job: they become deliveries.
INSERT INTO delivery (kind, user_id, escalation_id, due_at, created_at)
    SELECT 'alert', user_id, id, created_at, created_at FROM escalation
    WHERE status = 'open' AND staff_message_id IS NULL;
