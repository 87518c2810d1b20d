-- Staff added by invitation (the admins are STAFF_USER_IDS in the settings), their invitations, and the audit
-- log of staff actions. Patients get their Telegram @handle (so staff can look them up) and a mark for when
-- Telegram said they blocked the bot.
ALTER TABLE patient ADD COLUMN username TEXT;  -- lowercase, without "@"; NULL when they have none
ALTER TABLE patient ADD COLUMN unreachable_since TEXT;  -- set on a 403 or a block; NULL once they are back
CREATE INDEX patient_by_username ON patient (username);

CREATE TABLE staff_member (
    user_id  INTEGER PRIMARY KEY,
    added_by INTEGER NOT NULL,
    added_at TEXT    NOT NULL
) STRICT;

CREATE TABLE staff_invite (
    token      TEXT    PRIMARY KEY,
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    used_by    INTEGER,
    used_at    TEXT
) STRICT;

-- Who did what, when: no health detail, only the kind of action and what it was about (e.g. "patient:42").
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL,
    staff_id INTEGER NOT NULL,
    action   TEXT    NOT NULL,
    subject  TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_by_time ON audit_log (at);
