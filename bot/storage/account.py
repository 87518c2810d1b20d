"""A patient's own data, whole: everything the bot holds about them, to hand over (/mydata) or erase (/delete).

This is the one store that reads across every table, so that an export or an erasure cannot miss one; the
test of this module checks that every table holding patient data is covered.
"""

from datetime import datetime

from bot.storage.shared import SharedConnection, utc_text
from bot.storage.wal import WalCheckpoint

# Each table that holds a patient's data, with the query for that patient's rows (newest schema first).
_EXPORT_QUERIES: dict[str, str] = {
    "patient": "SELECT * FROM patient WHERE user_id = ?",
    "checkins": "SELECT * FROM checkin WHERE user_id = ? ORDER BY started_at, id",
    "checkin_answers": (
        "SELECT checkin_answer.* FROM checkin_answer JOIN checkin ON checkin.id = checkin_answer.checkin_id"
        " WHERE checkin.user_id = ? ORDER BY checkin_answer.checkin_id, checkin_answer.answered_at"
    ),
    "escalations": "SELECT * FROM escalation WHERE user_id = ? ORDER BY created_at, id",
    "reminders_sent": "SELECT * FROM reminder_log WHERE user_id = ? ORDER BY local_date, kind",
    "aftercare_messages_sent": "SELECT * FROM sequence_log WHERE user_id = ? ORDER BY sent_at",
    "messages_being_delivered": (
        "SELECT * FROM outbox WHERE user_id = ? AND broadcast_id IS NULL ORDER BY created_at, id"
    ),
    "broadcasts_received": (
        "SELECT outbox.broadcast_id, outbox.status, outbox.updated_at,"
        " broadcast.text_html, broadcast.photo_file_id IS NOT NULL AS had_photo"
        " FROM outbox JOIN broadcast ON broadcast.id = outbox.broadcast_id"
        " WHERE outbox.user_id = ? ORDER BY outbox.broadcast_id"
    ),
}
# Tables whose rows belong to a patient; all are erased with the patient row (ON DELETE CASCADE).
PATIENT_TABLES = frozenset(
    {
        *("patient", "checkin", "checkin_answer", "escalation", "reminder_log", "sequence_log"),
        "outbox",
    }
)


class AccountStore:
    """Exports and erases everything the bot holds about one patient."""

    def __init__(self, sql: SharedConnection, checkpoint: WalCheckpoint) -> None:
        self._sql = sql
        self._checkpoint = checkpoint

    async def export(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        """Return every row about the patient, by table, as plain values (read in one transaction)."""
        async with self._sql.transaction() as sql:
            return {name: await sql.records(query, (user_id,)) for name, query in _EXPORT_QUERIES.items()}

    async def erase(self, user_id: int, now: datetime) -> bool:
        """Erase the patient and, by cascade, every row about them; log that it happened; tell whether it did.

        The rows are overwritten (secure_delete) and the WAL is then emptied into the database file, so that no
        older copy of their pages stays on disk; a checkpoint a reader blocked is owed (see WalCheckpoint).
        """
        async with self._sql.transaction() as sql:
            erased = await sql.run("DELETE FROM patient WHERE user_id = ?", (user_id,))
            if erased:
                await sql.run(
                    "INSERT INTO audit_log (at, staff_id, action, subject) VALUES (?, ?, 'patient erased own data', ?)",
                    (utc_text(now), user_id, f"patient:{user_id}"),
                )
        if erased:
            await self._checkpoint.truncate()
        return erased == 1
