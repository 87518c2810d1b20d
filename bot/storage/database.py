"""Opening and closing the bot's one SQLite database, with the settings that keep data safe."""

from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from bot.storage.account import AccountStore
from bot.storage.audit import AuditStore
from bot.storage.broadcasts import BroadcastStore
from bot.storage.checkins import CheckinStore
from bot.storage.escalations import EscalationStore
from bot.storage.migrations import DatabaseError, migrate
from bot.storage.outbox import OutboxStore
from bot.storage.outcomes import OutcomeStore
from bot.storage.patients import PatientStore
from bot.storage.reminders import ReminderStore
from bot.storage.reports import ReportStore
from bot.storage.retention import RetentionStore
from bot.storage.sequence import SequenceStore
from bot.storage.shared import SharedConnection
from bot.storage.staff import StaffStore
from bot.storage.wal import WalCheckpoint

__all__ = ["Database", "DatabaseError"]

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",  # readers never block the writer
    "PRAGMA synchronous = FULL",  # a commit is on disk before it returns, even with WAL
    "PRAGMA foreign_keys = ON",  # off by default, per connection
    "PRAGMA busy_timeout = 5000",  # wait for a backup or another writer rather than fail
    "PRAGMA secure_delete = ON",  # overwrite deleted rows with zeros (erasure); not every build defaults to it
)


class Database:
    """The open database and the stores that read and write it."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._sql = sql = SharedConnection(connection)
        self.patients = PatientStore(sql)
        self.checkins = CheckinStore(sql)
        self.escalations = EscalationStore(sql)
        self.outcomes = OutcomeStore(sql)
        self.outbox = OutboxStore(sql)
        self.reminders = ReminderStore(sql)
        self.wal = WalCheckpoint(sql)  # emptied after erasures; wal.retry_owed() retries one a reader blocked
        self.retention = RetentionStore(sql, self.wal)
        self.staff = StaffStore(sql)
        self.audit = AuditStore(sql)
        self.account = AccountStore(sql, self.wal)
        # --- stores of the clinic side ---
        self.reports = ReportStore(sql)
        self.broadcasts = BroadcastStore(sql)
        self.sequence = SequenceStore(sql)

    @classmethod
    async def open(cls, path: Path) -> Self:
        """Open (creating if needed) the database at path, check it and bring its schema up to date."""
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        try:
            await _prepare(connection)
            await migrate(connection)
        except BaseException:
            await connection.close()
            raise
        return cls(connection)

    async def close(self) -> None:
        """Close the connection once the writes still waiting for their commit have it; the rest was committed."""
        await self._sql.settle()
        await self._connection.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


async def _prepare(connection: aiosqlite.Connection) -> None:
    """Apply the connection settings and check the file, turning an unreadable file into a clear refusal."""
    try:
        for pragma in _PRAGMAS:
            await connection.execute(pragma)
        await _check_integrity(connection)
    except aiosqlite.DatabaseError as error:
        raise DatabaseError(f"the database file cannot be read ({error})") from error


async def _check_integrity(connection: aiosqlite.Connection) -> None:
    """Refuse a damaged database file or one whose rows break their foreign keys."""
    async with connection.execute("PRAGMA quick_check") as cursor:
        verdict = await cursor.fetchone()
    if verdict is None or verdict[0] != "ok":
        raise DatabaseError("the database file is damaged (PRAGMA quick_check failed); restore a backup")
    async with connection.execute("PRAGMA foreign_key_check") as cursor:
        if await cursor.fetchone() is not None:
            raise DatabaseError("the database has rows that break foreign keys; restore a backup")
