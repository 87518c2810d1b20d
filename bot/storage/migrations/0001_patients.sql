-- Patients who accepted the consent screen. Nothing is stored for anyone who declines.
-- user_id is the Telegram user id, which is also the private chat id.
CREATE TABLE patient (
    user_id        INTEGER PRIMARY KEY,
    language       TEXT    NOT NULL,
    consented_at   TEXT    NOT NULL,  -- ISO 8601, UTC
    treatment_date TEXT,              -- ISO date at the clinic; NULL until onboarding sets it
    updated_at     TEXT    NOT NULL
) STRICT;
