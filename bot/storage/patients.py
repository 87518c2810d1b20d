"""The patient table: who accepted consent, in which language, and when their treatment was."""

from datetime import date, datetime

import aiosqlite

from bot.domain.patient import Patient

_COLUMNS = "user_id, language, consented_at, treatment_date"


class PatientStore:
    """Reads and writes patients; every write is committed before the method returns."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def get(self, user_id: int) -> Patient | None:
        """Return the patient with this Telegram user id, or None if they never accepted consent."""
        async with self._connection.execute(
            f"SELECT {_COLUMNS} FROM patient WHERE user_id = ?",  # noqa: S608 - a fixed column list
            (user_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _patient_from_row(row)

    async def add_consented(self, user_id: int, language: str, now: datetime) -> Patient:
        """Record consent for a new patient; for a known patient keep the existing record as it is."""
        await self._connection.execute(
            "INSERT INTO patient (user_id, language, consented_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, language, now.isoformat(), now.isoformat()),
        )
        patient = await self.get(user_id)
        if patient is None:
            raise RuntimeError("the patient row vanished right after it was written")
        return patient

    async def set_treatment_date(self, user_id: int, treatment_date: date, now: datetime) -> None:
        """Set or change the patient's treatment date."""
        await self._connection.execute(
            "UPDATE patient SET treatment_date = ?, updated_at = ? WHERE user_id = ?",
            (treatment_date.isoformat(), now.isoformat(), user_id),
        )


def _patient_from_row(row: aiosqlite.Row) -> Patient:
    """Turn a patient row into the domain object."""
    user_id, language, consented_at, treatment_date = row
    return Patient(
        user_id=int(user_id),
        language=str(language),
        consented_at=datetime.fromisoformat(consented_at),
        treatment_date=None if treatment_date is None else date.fromisoformat(treatment_date),
    )
