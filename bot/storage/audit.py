"""The audit log of staff actions: who did what and when, never any health detail."""

from dataclasses import dataclass
from datetime import datetime

from bot.storage.shared import SharedConnection, moment_from, utc_text


@dataclass(frozen=True)
class AuditEntry:
    """One staff action."""

    at: datetime
    staff_id: int
    action: str
    subject: str


class AuditStore:
    """Appends to and reads the audit log."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def record(self, staff_id: int, action: str, subject: str, now: datetime) -> None:
        """Append one action, e.g. ("export", "checkins:2026-11-01..2026-11-24") or ("view", "patient:42")."""
        await self._sql.run(
            "INSERT INTO audit_log (at, staff_id, action, subject) VALUES (?, ?, ?, ?)",
            (utc_text(now), staff_id, action, subject),
        )

    async def recent(self, limit: int = 100) -> list[AuditEntry]:
        """Return the newest entries, newest first."""
        rows = await self._sql.rows(
            "SELECT at, staff_id, action, subject FROM audit_log ORDER BY at DESC, id DESC LIMIT ?", (limit,)
        )
        return [AuditEntry(moment_from(row[0]), int(row[1]), str(row[2]), str(row[3])) for row in rows]
