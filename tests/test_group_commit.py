"""Group commit: single writes that arrive while the shared connection is busy share one commit, each failing alone."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.storage import Database
from bot.storage.shared import SharedConnection
from tests.benchmarks.trips import Tally, counted

_INSERT = "INSERT INTO note (id, text) VALUES (?, ?)"


@pytest.fixture
async def shared(tmp_path: Path) -> AsyncIterator[SharedConnection]:
    """Yield the shared connection over a fresh file with one table, set up as the bot sets its own."""
    connection = await aiosqlite.connect(tmp_path / "group.sqlite3", isolation_level=None)
    await connection.execute("PRAGMA journal_mode = WAL")
    await connection.execute("PRAGMA synchronous = FULL")
    await connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    yield SharedConnection(connection)
    await connection.close()


@contextmanager
def counting(tally: Tally) -> Iterator[None]:
    """Count trips to aiosqlite's thread and the commits among them while the block runs."""
    execute: Callable[..., Any] = aiosqlite.Connection._execute

    async def counted_trip(connection: aiosqlite.Connection, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Count one trip, and its commit if it makes one, then make it."""
        tally.trips += 1
        return await execute(connection, counted(connection, fn, tally), *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aiosqlite.Connection, "_execute", counted_trip)
        yield


def stored(tmp_path: Path) -> list[tuple[int, str]]:
    """Return the notes another connection reads: only what is committed."""
    with sqlite3.connect(tmp_path / "group.sqlite3") as reader:
        found = reader.execute("SELECT id, text FROM note ORDER BY id").fetchall()
    reader.close()
    return found


async def test_writes_that_arrive_together_share_one_commit(shared: SharedConnection, tmp_path: Path) -> None:
    """Ten writes at once cost two commits: the first's, alone, and one for the nine that came while it was made."""
    tally = Tally()
    with counting(tally):
        changed = await asyncio.gather(*(shared.run(_INSERT, (n, f"note {n}")) for n in range(10)))
    assert changed == [1] * 10
    assert tally.commits == 2
    assert stored(tmp_path) == [(n, f"note {n}") for n in range(10)]


async def test_a_write_alone_is_committed_by_its_own_statement(shared: SharedConnection, tmp_path: Path) -> None:
    """A write that finds the connection free is one trip and one commit: no BEGIN and COMMIT around it."""
    tally = Tally()
    with counting(tally):
        assert await shared.run(_INSERT, (1, "alone")) == 1
    assert (tally.trips, tally.commits) == (1, 1)
    assert stored(tmp_path) == [(1, "alone")]


async def test_a_failing_write_fails_alone(shared: SharedConnection, tmp_path: Path) -> None:
    """A write of a batch that breaks a constraint raises for its caller only; the others of its batch are kept."""
    await shared.run(_INSERT, (1, "first"))
    outcomes = await asyncio.gather(
        shared.run(_INSERT, (2, "second")),
        shared.run(_INSERT, (1, "a duplicate")),
        shared.run(_INSERT, (3, "third")),
        return_exceptions=True,
    )
    assert outcomes[0] == 1
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert outcomes[2] == 1
    assert stored(tmp_path) == [(1, "first"), (2, "second"), (3, "third")]


async def test_writes_wait_for_a_transaction_and_then_share_a_commit(shared: SharedConnection, tmp_path: Path) -> None:
    """Writes made while a transaction holds the connection neither slip into it nor return before their commit."""
    tally = Tally()
    with counting(tally):
        async with shared.transaction() as tx:
            await tx.run(_INSERT, (1, "in the transaction"))
            waiting = [asyncio.create_task(shared.run(_INSERT, (n, "queued"))) for n in (2, 3, 4)]
            await asyncio.sleep(0.05)
            assert not any(task.done() for task in waiting)
        assert await asyncio.gather(*waiting) == [1, 1, 1]
    assert tally.commits == 2  # the transaction's, then the three queued writes' together
    assert [note for note, _ in stored(tmp_path)] == [1, 2, 3, 4]


async def test_write_rows_returns_what_the_write_gave_back(shared: SharedConnection) -> None:
    """A write with RETURNING, batched with another, returns its own rows once committed."""
    first, second = await asyncio.gather(
        shared.write_rows(f"{_INSERT} RETURNING id, text", (7, "seven")),
        shared.write_row(f"{_INSERT} RETURNING id, text", (8, "eight")),
    )
    assert [tuple(row) for row in first] == [(7, "seven")]
    assert second is not None
    assert tuple(second) == (8, "eight")


async def test_a_batch_that_cannot_begin_fails_every_write_and_keeps_none(
    shared: SharedConnection, tmp_path: Path
) -> None:
    """When another process holds the database's write lock, each write of the batch gets the error; none is kept."""
    await shared.rows("PRAGMA busy_timeout = 100")
    blocker = sqlite3.connect(tmp_path / "group.sqlite3", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        outcomes = await asyncio.gather(
            shared.run(_INSERT, (1, "one")), shared.run(_INSERT, (2, "two")), return_exceptions=True
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert all(isinstance(outcome, sqlite3.OperationalError) for outcome in outcomes)
    assert stored(tmp_path) == []
    assert await shared.run(_INSERT, (3, "after")) == 1


async def test_a_write_whose_caller_stopped_waiting_is_not_made(shared: SharedConnection, tmp_path: Path) -> None:
    """A write cancelled while it waits for the connection is dropped from its batch; the rest are committed."""
    async with shared.transaction():
        dropped = asyncio.create_task(shared.run(_INSERT, (1, "cancelled")))
        kept = asyncio.create_task(shared.run(_INSERT, (2, "kept")))
        await asyncio.sleep(0)
        dropped.cancel()
    assert await kept == 1
    with pytest.raises(asyncio.CancelledError):
        await dropped
    assert stored(tmp_path) == [(2, "kept")]


async def test_settle_returns_once_the_queued_writes_are_committed(shared: SharedConnection, tmp_path: Path) -> None:
    """A write queued behind a transaction is on disk once settle() returns, even before its caller looks."""
    async with shared.transaction():
        queued = asyncio.create_task(shared.run(_INSERT, (1, "queued")))
        await asyncio.sleep(0)
    await shared.settle()
    assert stored(tmp_path) == [(1, "queued")]
    assert await queued == 1


async def test_closing_the_database_commits_the_writes_still_queued(tmp_path: Path) -> None:
    """The bot stopping while a write waits for its commit: the write is made, not failed by a closed connection."""
    database = await Database.open(tmp_path / "bot.sqlite3")
    moment = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    invite = asyncio.create_task(database.staff.create_invite("t0ken", 500, moment, moment + timedelta(days=1)))
    await asyncio.sleep(0)  # the write is queued; its commit has not begun
    await database.close()
    await invite
    with sqlite3.connect(tmp_path / "bot.sqlite3") as reader:
        tokens = reader.execute("SELECT token FROM staff_invite").fetchall()
    reader.close()
    assert tokens == [("t0ken",)]


async def test_a_batched_write_runs_as_its_caller_and_the_shared_steps_as_none(shared: SharedConnection) -> None:
    """Each write of a batch sees its caller's context variables; the batch's BEGIN and COMMIT see none."""
    caller: ContextVar[str] = ContextVar("caller", default="none")
    seen: list[tuple[str, str]] = []
    execute: Callable[..., Any] = aiosqlite.Connection._execute

    async def noting(connection: aiosqlite.Connection, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Note the statement and whose context it runs in, then run it."""
        seen.append((str(args[0]).split()[0] if args else fn.__name__, caller.get()))
        return await execute(connection, fn, *args, **kwargs)

    async def write_as(name: str, note: int) -> int:
        """Write a note with the caller's context variable set to name."""
        caller.set(name)
        return await shared.run(_INSERT, (note, name))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aiosqlite.Connection, "_execute", noting)
        async with shared.transaction():
            waiting = [asyncio.create_task(write_as(name, note)) for note, name in enumerate(("ann", "bo"))]
            await asyncio.sleep(0.01)
        seen.clear()  # the transaction's own statements; the batch waits for the connection the block just let go
        assert await asyncio.gather(*waiting) == [1, 1]
    assert seen == [("BEGIN", "none"), ("INSERT", "ann"), ("INSERT", "bo"), ("COMMIT", "none")]
