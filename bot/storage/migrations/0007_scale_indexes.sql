-- For a clinic with many patients and a long history: indexes for the queries that grow with it, and answers
-- stored by their key.

-- The every-minute job reads the patients in the recovery window, and /stats those treated in a period: both by
-- treatment date, which without an index is a scan of every patient ever treated.
CREATE INDEX patient_by_treatment_date ON patient (treatment_date);
-- /stats reads which patients checked in on each day of the last week: a range of dates, not every check-in ever.
CREATE INDEX checkin_by_date ON checkin (local_date, user_id);

-- Answers are always read by check-in: stored in their key's order (WITHOUT ROWID), a check-in's answers sit
-- together and the key is not kept a second time in an index of its own, which made up a third of the file. SQLite
-- cannot change this in place, so the table is rebuilt; nothing refers to it.
CREATE TABLE checkin_answer_new (
    checkin_id  INTEGER NOT NULL REFERENCES checkin (id) ON DELETE CASCADE,
    question    TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (checkin_id, question)
) STRICT, WITHOUT ROWID;
INSERT INTO checkin_answer_new (checkin_id, question, value, answered_at)
    SELECT checkin_id, question, value, answered_at FROM checkin_answer;
DROP TABLE checkin_answer;
ALTER TABLE checkin_answer_new RENAME TO checkin_answer;
