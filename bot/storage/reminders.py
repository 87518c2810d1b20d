"""The reminder log: each reminder or nudge is claimed as it is queued in the outbox, so that none goes out twice."""

from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.records import DeliveryKind
from bot.storage.outbox import Message, add_delivery
from bot.storage.shared import SharedConnection, Statements, utc_text


class ReminderStore:
    """Claims reminders per patient, clinic date and kind ("reminder" or "nudge")."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def claim(self, user_id: int, local_date: date, kind: str, now: datetime) -> bool:
        """Record that this reminder is decided; True only the first time for (patient, date, kind)."""
        return await _claim(self._sql, user_id, local_date, kind, now)

    async def queue(
        self, local_date: date, due: Sequence[tuple[int, DeliveryKind, Message]], now: datetime
    ) -> list[int]:
        """Claim the day's reminder (and the nudge, if it is one) of each (patient, kind, message); queue its message.

        One transaction for them all; returns the patients queued, leaving out any whose day's reminder was claimed
        already (another run got there first), for whom nothing is queued.
        """
        queued: list[int] = []
        async with self._sql.transaction() as tx:
            for user_id, kind, message in due:
                if not await _claim(tx, user_id, local_date, DeliveryKind.REMINDER.value, now):
                    continue
                if kind is DeliveryKind.NUDGE:
                    await _claim(tx, user_id, local_date, kind.value, now)
                await add_delivery(tx, kind, user_id, message, due_at=now, now=now)
                queued.append(user_id)
        return queued

    async def last_claimed(self, user_id: int, kind: str) -> date | None:
        """Return the latest clinic date this kind of reminder was claimed for the patient, or None."""
        row = await self._sql.row(
            "SELECT MAX(local_date) FROM reminder_log WHERE user_id = ? AND kind = ?", (user_id, kind)
        )
        return None if row is None or row[0] is None else date.fromisoformat(row[0])


async def _claim(sql: Statements, user_id: int, local_date: date, kind: str, now: datetime) -> bool:
    """Insert a reminder_log row unless there is one; tell whether it was inserted."""
    inserted = await sql.run(
        "INSERT INTO reminder_log (user_id, local_date, kind, sent_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id, local_date, kind) DO NOTHING",
        (user_id, local_date.isoformat(), kind, utc_text(now)),
    )
    return inserted == 1
