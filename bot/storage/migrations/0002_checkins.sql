-- Daily check-ins and their answers, escalations to the clinic's staff, and which reminders were sent.
-- Times are ISO 8601 text in UTC; local_date is the clinic's date as ISO text. Every row of a patient's is
-- deleted with the patient (ON DELETE CASCADE), so deleting the patient row erases everything of theirs.

-- Patient preferences. reminder_time is "HH:MM" in the clinic's time zone, NULL for the clinic's default.
-- at_risk: 1 diabetes or a weakened immune system, 0 neither, NULL not answered.
ALTER TABLE patient ADD COLUMN reminder_time TEXT CHECK (reminder_time GLOB '[0-2][0-9]:[0-5][0-9]');
ALTER TABLE patient ADD COLUMN at_risk INTEGER CHECK (at_risk IN (0, 1));
ALTER TABLE patient ADD COLUMN risk_asked INTEGER NOT NULL DEFAULT 0 CHECK (risk_asked IN (0, 1));
ALTER TABLE patient ADD COLUMN messages_stopped INTEGER NOT NULL DEFAULT 0 CHECK (messages_stopped IN (0, 1));

-- One check-in: started on the clinic's local_date on recovery day `day`, shown in one message edited in place.
-- tier is the triage code (NULL while open, and for a partial one); reasons are comma-separated codes.
CREATE TABLE checkin (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES patient (user_id) ON DELETE CASCADE,
    local_date  TEXT    NOT NULL,
    day         INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'complete', 'partial', 'emergency')),
    tier        TEXT    CHECK (tier IN ('self_care', 'soon', 'same_day', 'emergency')),
    reasons     TEXT    NOT NULL DEFAULT '',
    message_id  INTEGER,
    started_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    finished_at TEXT,
    CHECK ((status = 'open') = (finished_at IS NULL)),
    CHECK (status <> 'open' OR tier IS NULL)
) STRICT;

-- At most one open check-in per patient.
CREATE UNIQUE INDEX checkin_one_open_per_patient ON checkin (user_id) WHERE status = 'open';
-- A patient's history, in date order.
CREATE INDEX checkin_by_patient ON checkin (user_id, local_date);

-- The answers of a check-in, one per question, kept the moment each is given.
CREATE TABLE checkin_answer (
    checkin_id  INTEGER NOT NULL REFERENCES checkin (id) ON DELETE CASCADE,
    question    TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (checkin_id, question)
) STRICT;

-- A warning sign passed on to the staff chat: one per patient, clinic date and tier; later reasons are merged in.
CREATE TABLE escalation (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES patient (user_id) ON DELETE CASCADE,
    checkin_id       INTEGER REFERENCES checkin (id) ON DELETE SET NULL,
    local_date       TEXT    NOT NULL,
    tier             TEXT    NOT NULL CHECK (tier IN ('self_care', 'soon', 'same_day', 'emergency')),
    reasons          TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    staff_chat_id    INTEGER,
    staff_message_id INTEGER,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    acknowledged_by  INTEGER,
    acknowledged_at  TEXT,
    resolved_by      INTEGER,
    resolved_at      TEXT,
    last_sent_at     TEXT,
    UNIQUE (user_id, local_date, tier)
) STRICT;

CREATE INDEX escalation_by_status ON escalation (status);
-- Lets deleting a check-in find the escalations that point at it without a full scan.
CREATE INDEX escalation_by_checkin ON escalation (checkin_id);

-- Each reminder or nudge sent, claimed before sending so that none goes out twice for a day.
CREATE TABLE reminder_log (
    user_id    INTEGER NOT NULL REFERENCES patient (user_id) ON DELETE CASCADE,
    local_date TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('reminder', 'nudge')),
    sent_at    TEXT    NOT NULL,
    PRIMARY KEY (user_id, local_date, kind)
) STRICT;
