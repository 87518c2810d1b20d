"""The sequence log: each step of the aftercare sequence is claimed for a patient as it is queued, once ever."""

from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.records import DeliveryKind
from bot.storage.outbox import Message, add_delivery
from bot.storage.shared import SharedConnection, utc_text

DueStep = tuple[str, date]  # a step's key, and the treatment date of the patients it is due for


class SequenceStore:
    """Finds the patients a step is due for, and claims (patient, step) so that no step goes out twice."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def pending(self, due: Sequence[DueStep]) -> list[tuple[int, str]]:
        """Return (patient, step) for each due step not yet claimed, for patients who still take messages.

        One query over the due steps: only patients treated on a due step's date are read, ordered by patient
        and then by the steps' order as given.
        """
        if not due:
            return []
        values = ", ".join("(?, ?, ?)" for _ in due)
        params = [
            part for position, (step, treated) in enumerate(due) for part in (step, treated.isoformat(), position)
        ]
        rows = await self._sql.rows(
            f"WITH due (step, treated, position) AS (VALUES {values})"  # noqa: S608 - placeholders only
            " SELECT patient.user_id, due.step FROM due JOIN patient ON patient.treatment_date = due.treated"
            " WHERE patient.messages_stopped = 0 AND patient.unreachable_since IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM sequence_log AS sent"
            " WHERE sent.user_id = patient.user_id AND sent.step = due.step)"
            " ORDER BY patient.user_id, due.position",
            params,
        )
        return [(int(user_id), str(step)) for user_id, step in rows]

    async def claim(self, user_id: int, step: str, now: datetime, *, expires_at: datetime | None = None) -> bool:
        """Record that this step is decided for the patient and queue its message; True only the first time, ever."""
        async with self._sql.transaction() as tx:
            inserted = await tx.run(
                "INSERT INTO sequence_log (user_id, step, sent_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id, step) DO NOTHING",
                (user_id, step, utc_text(now)),
            )
            if inserted != 1:
                return False
            message = Message(user_id, step=step, expires_at=expires_at)
            await add_delivery(tx, DeliveryKind.STEP, user_id, message, due_at=now, now=now)
            return True

    async def sent_to(self, user_id: int) -> list[str]:
        """Return the steps claimed for a patient, oldest first."""
        rows = await self._sql.rows(
            "SELECT step FROM sequence_log WHERE user_id = ? ORDER BY sent_at, step", (user_id,)
        )
        return [str(step) for (step,) in rows]
