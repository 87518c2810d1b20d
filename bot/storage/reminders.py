"""The reminder log: each reminder or nudge is claimed before it is sent, so that none goes out twice."""

from datetime import date, datetime

from bot.storage.shared import SharedConnection, utc_text


class ReminderStore:
    """Claims reminders per patient, clinic date and kind ("reminder" or "nudge")."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def claim(self, user_id: int, local_date: date, kind: str, now: datetime) -> bool:
        """Record that this reminder is being sent; True only the first time for (patient, date, kind)."""
        inserted = await self._sql.run(
            "INSERT INTO reminder_log (user_id, local_date, kind, sent_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, local_date, kind) DO NOTHING",
            (user_id, local_date.isoformat(), kind, utc_text(now)),
        )
        return inserted == 1

    async def release(self, user_id: int, local_date: date, kind: str) -> None:
        """Undo a claim for a reminder Telegram certainly did not take (it asked us to slow down), to retry it."""
        await self._sql.run(
            "DELETE FROM reminder_log WHERE user_id = ? AND local_date = ? AND kind = ?",
            (user_id, local_date.isoformat(), kind),
        )

    async def last_claimed(self, user_id: int, kind: str) -> date | None:
        """Return the latest clinic date this kind of reminder was claimed for the patient, or None."""
        row = await self._sql.row(
            "SELECT MAX(local_date) FROM reminder_log WHERE user_id = ? AND kind = ?", (user_id, kind)
        )
        return None if row is None or row[0] is None else date.fromisoformat(row[0])
