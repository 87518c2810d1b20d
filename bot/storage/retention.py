"""Retention: purging the health data of patients whose recovery window ended more than RETENTION_DAYS ago.

The patient row itself is kept (their language, settings and treatment date), so they can keep using the bot;
/delete erases it too. Each table's rows are purged when the patient's treatment date is before the cutoff, or
when the row's own clinic date is (a check-in on a date before the cutoff belongs to a window that ended long
enough ago whatever the treatment date is now).
"""

from dataclasses import dataclass
from datetime import date

from bot.storage.shared import SharedConnection
from bot.storage.wal import WalCheckpoint

# Escalations first: deleting a check-in would only unlink them (ON DELETE SET NULL). Check-in answers go with
# their check-in (ON DELETE CASCADE). Each query takes the cutoff date as its one parameter.
_PURGES = (
    (
        "escalations",
        "DELETE FROM escalation WHERE local_date < ?1"
        " OR user_id IN (SELECT user_id FROM patient WHERE treatment_date < ?1)",
    ),
    (
        "checkins",
        "DELETE FROM checkin WHERE local_date < ?1"
        " OR user_id IN (SELECT user_id FROM patient WHERE treatment_date < ?1)",
    ),
    (
        "reminders",
        "DELETE FROM reminder_log WHERE local_date < ?1"
        " OR user_id IN (SELECT user_id FROM patient WHERE treatment_date < ?1)",
    ),
    (
        "sequence_messages",
        "DELETE FROM sequence_log WHERE user_id IN (SELECT user_id FROM patient WHERE treatment_date < ?1)",
    ),
)


@dataclass(frozen=True)
class Purged:
    """How many rows of each kind were purged: counts only, never ids or content."""

    checkins: int
    escalations: int
    reminders: int
    sequence_messages: int

    @property
    def total(self) -> int:
        """Return how many rows were purged in all (check-in answers go with their check-in)."""
        return self.checkins + self.escalations + self.reminders + self.sequence_messages


class RetentionStore:
    """Purges check-ins (with their answers), escalations, reminder and sequence logs past retention."""

    def __init__(self, sql: SharedConnection, checkpoint: WalCheckpoint) -> None:
        self._sql = sql
        self._checkpoint = checkpoint

    async def purge_before(self, cutoff: date) -> Purged:
        """Purge, in one transaction, the rows of patients treated before the cutoff and rows dated before it.

        Then empty the WAL into the database file (each time, so that an owed checkpoint is retried at least daily),
        so that the purged rows, overwritten by secure_delete, leave no older copy of their pages on disk.
        """
        counts: dict[str, int] = {}
        async with self._sql.transaction() as sql:
            for name, query in _PURGES:
                counts[name] = await sql.run(query, (cutoff.isoformat(),))
        await self._checkpoint.truncate()
        return Purged(**counts)
