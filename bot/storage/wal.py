"""Emptying the write-ahead log after an erasure, so that erased rows leave no older copy of their pages behind.

With `secure_delete` on, SQLite overwrites a deleted row with zeros, but in WAL mode it does so in a new copy of
the page written to the `-wal` file: the database file keeps the old page (and the `-wal` file its older frames)
until a checkpoint copies the new pages back and the log is emptied. A TRUNCATE checkpoint does both; it cannot
finish while another connection (a backup, an sqlite3 shell) still reads an older snapshot, so one that could not
finish is owed and tried again (retry_owed) until one does.
"""

import logging

import aiosqlite

from bot.storage.shared import SharedConnection

logger = logging.getLogger(__name__)


class WalCheckpoint:
    """Runs `PRAGMA wal_checkpoint(TRUNCATE)` after erasures and remembers one that a reader kept from finishing."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql
        self.owed = False

    async def truncate(self) -> bool:
        """Copy every page of the WAL into the database file and cut the WAL to zero bytes; tell whether it did."""
        try:
            row = await self._sql.row("PRAGMA wal_checkpoint(TRUNCATE)")
        except aiosqlite.OperationalError as error:  # e.g. "database is locked" from another process's writer
            logger.warning("WAL checkpoint after an erasure failed (%s); it will be tried again", type(error).__name__)
            self.owed = True
            return False
        busy, in_log, copied = (row[0], row[1], row[2]) if row is not None else (1, -1, -1)
        self.owed = busy != 0
        if self.owed:
            logger.warning(
                "WAL checkpoint after an erasure could not finish (another connection reads the database;"
                " %s of %s pages copied); it will be tried again",
                copied,
                in_log,
            )
        return not self.owed

    async def retry_owed(self) -> bool:
        """Run the checkpoint again if the last one could not finish (no SQL otherwise); tell whether none is owed."""
        return await self.truncate() if self.owed else True
