"""Our bot with its database connection timed: `LOCK_TIMINGS=/path/file python -m tests.benchmarks.timed_lock_bot`.

The Commits benchmark runs it to see whether writes queue for the one connection and how many share a commit. Each
turn an operation takes the connection (bot/storage/shared.py: a read, a batch of single writes committed together,
or a whole transaction) is noted with how long it waited and held it; each single write with how long it took from
being asked to being committed; each batch with its size. With `GROUP_COMMIT=off` every single write takes the
connection on its own and is committed by its own statement, as before group commit, for a comparison in the same
run. The notes are written to LOCK_TIMINGS as the bot exits, a line each: "turn kind taken waited held", "write
asked took" or "batch taken size"; times are time.monotonic() readings (the benchmark's clock), spans in seconds.
"""

import atexit
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from time import monotonic
from typing import Any, TypeVar

from bot import __main__ as launched
from bot.storage import database
from bot.storage.shared import QueuedWrite, SharedConnection, Statements

T = TypeVar("T")
NOTES: list[str] = []
GROUPED = os.environ.get("GROUP_COMMIT", "on") != "off"


class TimedConnection(SharedConnection):
    """The shared connection, noting each turn, each single write's time to its commit, and each batch's size."""

    @asynccontextmanager
    async def _turn(self, kind: str) -> AsyncIterator[Statements]:
        """Take the connection for one operation, noting the wait and the hold."""
        asked = monotonic()
        async with super()._turn(kind) as inside:
            taken = monotonic()
            try:
                yield inside
            finally:
                NOTES.append(f"turn {kind} {taken} {taken - asked} {monotonic() - taken}")

    async def _committed(self, statement: Callable[[Statements], Awaitable[T]]) -> T:
        """Run a single write (grouped, or on its own turn with GROUP_COMMIT=off), noting its time to its commit."""
        asked = monotonic()
        try:
            if GROUPED:
                return await super()._committed(statement)
            async with self._turn("commit") as inside:
                return await statement(inside)
        finally:
            NOTES.append(f"write {asked} {monotonic() - asked}")

    async def _commit(self, inside: Statements, batch: list[QueuedWrite[Any]]) -> None:
        """Commit a batch of single writes, noting its size."""
        NOTES.append(f"batch {monotonic()} {len(batch)}")
        await super()._commit(inside, batch)


def _write(path: Path) -> None:
    """Write the notes taken, a line each."""
    path.write_text("".join(f"{note}\n" for note in NOTES), encoding="ascii")


if __name__ == "__main__":
    vars(database)["SharedConnection"] = TimedConnection  # the name Database() builds its connection from
    atexit.register(_write, Path(os.environ["LOCK_TIMINGS"]))
    sys.exit(launched.main())
