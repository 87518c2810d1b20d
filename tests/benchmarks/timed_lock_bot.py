"""Our bot with its database lock timed: `LOCK_TIMINGS=/path/file python -m tests.benchmarks.timed_lock_bot`.

The Commits benchmark runs it to see whether writes queue for the one connection. Every time an operation takes the
lock (bot/storage/shared.py: a statement on its own, or a whole transaction), the time it waited and held it are
noted, and written to LOCK_TIMINGS as the bot exits, a line each: "kind taken waited held", kind being write or
read, taken a time.monotonic() reading (the same clock as the benchmark's), waited and held in seconds.
"""

import atexit
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from time import monotonic

import aiosqlite

from bot import __main__ as launched
from bot.storage import database
from bot.storage.shared import Params, SharedConnection, Statements, immediate_transaction

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
TIMINGS: list[tuple[str, float, float, float]] = []


class TimedConnection(SharedConnection):
    """The shared connection, noting how long each operation waited for its lock and held it."""

    @asynccontextmanager
    async def _taken(self, kind: str) -> AsyncIterator[Statements]:
        """Take the lock for one operation, noting the wait and the hold."""
        asked = monotonic()
        async with self._lock:
            taken = monotonic()
            try:
                yield self._inside
            finally:
                TIMINGS.append((kind, taken, taken - asked, monotonic() - taken))

    async def rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query (or a write with RETURNING) on its own, timed."""
        async with self._taken(_kind(sql)) as inside:
            return await inside.rows(sql, params)

    async def records(self, sql: str, params: Params = ()) -> list[dict[str, object]]:
        """Run a query on its own, timed."""
        async with self._taken("read") as inside:
            return await inside.records(sql, params)

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a single write on its own, timed."""
        async with self._taken("write") as inside:
            return await inside.run(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Statements]:
        """Run a write transaction, timed from asking for the lock to its commit."""
        async with self._taken("write") as inside, immediate_transaction(self._connection):
            yield inside


def _kind(sql: str) -> str:
    """Return write for a statement that changes rows, else read."""
    return "write" if sql.lstrip().upper().startswith(_WRITES) else "read"


def _write(path: Path) -> None:
    """Write the timings noted, a line each."""
    path.write_text("".join(f"{kind} {taken} {waited} {held}\n" for kind, taken, waited, held in TIMINGS))


if __name__ == "__main__":
    vars(database)["SharedConnection"] = TimedConnection  # the name Database() builds its connection from
    atexit.register(_write, Path(os.environ["LOCK_TIMINGS"]))
    sys.exit(launched.main())
