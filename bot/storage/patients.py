"""The patient table: consent and language, the treatment date, and the patient's choices about messages."""

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from bot.domain.patient import Patient
from bot.storage.shared import SharedConnection, utc_text

PATIENT_COLUMNS = (
    "user_id, language, consented_at, treatment_date, reminder_time, at_risk, risk_asked, messages_stopped,"
    " username, unreachable_since"
)


class PatientStore:
    """Reads and writes patients; every write is committed before the method returns."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def get(self, user_id: int) -> Patient | None:
        """Return the patient with this Telegram user id, or None if they never accepted consent."""
        row = await self._sql.row(
            f"SELECT {PATIENT_COLUMNS} FROM patient WHERE user_id = ?",  # noqa: S608 - a fixed column list
            (user_id,),
        )
        return None if row is None else patient_from_row(row)

    async def add_consented(self, user_id: int, language: str, now: datetime) -> Patient:
        """Record consent for a new patient; for a known patient keep the existing record as it is."""
        await self._sql.run(
            "INSERT INTO patient (user_id, language, consented_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, language, utc_text(now), utc_text(now)),
        )
        patient = await self.get(user_id)
        if patient is None:
            raise RuntimeError("the patient row vanished right after it was written")
        return patient

    async def set_treatment_date(self, user_id: int, treatment_date: date, now: datetime) -> None:
        """Set or change the patient's treatment date."""
        await self._sql.run(
            "UPDATE patient SET treatment_date = ?, updated_at = ? WHERE user_id = ?",
            (treatment_date.isoformat(), utc_text(now), user_id),
        )

    async def set_reminder_time(self, user_id: int, at: time | None, now: datetime) -> None:
        """Set the local time of the daily reminder, to the minute; None goes back to the clinic's default."""
        await self._sql.run(
            "UPDATE patient SET reminder_time = ?, updated_at = ? WHERE user_id = ?",
            (None if at is None else at.strftime("%H:%M"), utc_text(now), user_id),
        )

    async def set_at_risk(self, user_id: int, at_risk: bool | None, now: datetime) -> None:
        """Record the answer about diabetes or a weakened immune system (None: would rather not say) as asked."""
        await self._sql.run(
            "UPDATE patient SET at_risk = ?, risk_asked = 1, updated_at = ? WHERE user_id = ?",
            (None if at_risk is None else int(at_risk), utc_text(now), user_id),
        )

    async def set_language(self, user_id: int, language: str, now: datetime) -> None:
        """Store the language the patient is written to in."""
        await self._sql.run(
            "UPDATE patient SET language = ?, updated_at = ? WHERE user_id = ?", (language, utc_text(now), user_id)
        )

    async def set_messages_stopped(self, user_id: int, stopped: bool, now: datetime) -> None:
        """Stop (or resume) every message the bot would send the patient unprompted."""
        await self._sql.run(
            "UPDATE patient SET messages_stopped = ?, updated_at = ? WHERE user_id = ?",
            (int(stopped), utc_text(now), user_id),
        )

    async def set_username(self, user_id: int, username: str | None) -> None:
        """Keep the patient's current @handle (lowercase, without "@"), so staff can find them by it."""
        handle = username.lower() if username else None
        await self._sql.run(
            "UPDATE patient SET username = ? WHERE user_id = ? AND username IS NOT ?", (handle, user_id, handle)
        )

    async def find_by_username(self, username: str) -> Patient | None:
        """Return the patient with this @handle (with or without "@", any case), or None."""
        row = await self._sql.row(
            f"SELECT {PATIENT_COLUMNS} FROM patient WHERE username = ?",  # noqa: S608 - a fixed column list
            (username.removeprefix("@").lower(),),
        )
        return None if row is None else patient_from_row(row)

    async def set_unreachable(self, user_id: int, since: datetime | None) -> None:
        """Mark the patient unreachable (Telegram said they blocked the bot) from a moment, or reachable again."""
        await self._sql.run(
            "UPDATE patient SET unreachable_since = ? WHERE user_id = ?",
            (None if since is None else utc_text(since), user_id),
        )

    async def awaiting_reminder(self, first_date: date, last_date: date, today: date, kind: str) -> list[Patient]:
        """Return patients treated first_date to last_date taking messages, with no check-in or such reminder today.

        One query for everyone, so that a run after the day's reminders have gone out costs next to nothing.
        """
        rows = await self._sql.rows(
            f"SELECT {PATIENT_COLUMNS} FROM patient AS p"  # noqa: S608 - a fixed column list
            " WHERE treatment_date BETWEEN ? AND ? AND messages_stopped = 0 AND unreachable_since IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM checkin WHERE user_id = p.user_id AND local_date = ?)"
            " AND NOT EXISTS (SELECT 1 FROM reminder_log WHERE user_id = p.user_id AND local_date = ? AND kind = ?)"
            " ORDER BY user_id",
            (first_date.isoformat(), last_date.isoformat(), today.isoformat(), today.isoformat(), kind),
        )
        return [patient_from_row(row) for row in rows]


def patient_from_row(row: Sequence[Any]) -> Patient:
    """Turn a patient row into the domain object."""
    user_id, language, consented_at, treatment_date, reminder_time, at_risk, risk_asked, stopped, username, gone = row
    return Patient(
        user_id=int(user_id),
        language=str(language),
        consented_at=datetime.fromisoformat(consented_at),
        treatment_date=None if treatment_date is None else date.fromisoformat(treatment_date),
        reminder_time=None if reminder_time is None else time.fromisoformat(reminder_time),
        at_risk=None if at_risk is None else bool(at_risk),
        risk_asked=bool(risk_asked),
        messages_stopped=bool(stopped),
        username=None if username is None else str(username),
        unreachable_since=None if gone is None else datetime.fromisoformat(gone),
    )
