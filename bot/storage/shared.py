"""The connection every store shares, and the stored text of times and reasons.

The connection is in autocommit mode and taken by one operation at a time (a read, a batch of writes, or a whole
transaction), so that no other coroutine's statement slips into an open transaction (to be committed or rolled back
with it, or to read what is not yet committed). A read-then-write, or a write of several statements, runs in
`transaction()`. Single writes (`run`, `write_rows`) share commits: those that arrive while the
connection is busy wait together and are then committed as one transaction (group commit), so that N patients
answering at once cost one `synchronous=FULL` commit, not N. Each write still returns only once its commit is on
disk, and a write that fails fails alone. A write that finds the connection free is committed by its own statement.
"""

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import aiosqlite

Params = Sequence[object]
T = TypeVar("T")


class Statements:
    """Runs statements on the connection, for a caller that already has it to itself."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query and return all its rows."""
        return list(await self._connection.execute_fetchall(sql, params))

    async def row(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Run a query and return its first row, or None when it has none."""
        found = await self.rows(sql, params)
        return found[0] if found else None

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a write (one without RETURNING: write_rows() runs those) and return how many rows it changed."""
        # Such a write has run to its end within execute(), so its cursor holds nothing open: it is left to be freed
        # (as BEGIN's is below) rather than closed, which would cost a second trip to the database thread.
        cursor = await self._connection.execute(sql, params)
        return cursor.rowcount

    async def write_rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a write with RETURNING and return the rows it gives back."""
        return list(await self._connection.execute_fetchall(sql, params))

    async def write_row(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Run a write with RETURNING of at most one row and return that row, or None when it wrote none."""
        written = await self.write_rows(sql, params)
        return written[0] if written else None

    async def records(self, sql: str, params: Params = ()) -> list[dict[str, object]]:
        """Run a query and return its rows as column-name-to-value mappings."""
        async with self._connection.execute(sql, params) as cursor:
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]


@dataclass(frozen=True)
class QueuedWrite(Generic[T]):
    """A single write waiting for its commit: the statement, its caller's context to run it in, the caller's future."""

    statement: Callable[[Statements], Awaitable[T]]
    context: contextvars.Context
    done: asyncio.Future[T]

    def settle(self, outcome: T | BaseException) -> None:
        """Give the caller the write's result or its error (unless the caller has stopped waiting)."""
        if self.done.done():
            return
        if isinstance(outcome, BaseException):
            self.done.set_exception(outcome)
        else:
            self.done.set_result(outcome)


class SharedConnection(Statements):
    """The one connection, taken by one operation at a time: a read, a batch of single writes, or a transaction."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        super().__init__(connection)
        self._lock = asyncio.Lock()
        self._inside = Statements(connection)
        self._queued: list[QueuedWrite[Any]] = []
        self._committer: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def _turn(self, kind: str) -> AsyncIterator[Statements]:
        """Take the connection for one operation of a kind (read, commit or transaction) and give its statements."""
        del kind  # named for the benchmark that times the turns (tests/benchmarks/timed_lock_bot.py)
        async with self._lock:
            yield self._inside

    async def rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query on its own, waiting for any write in progress (row() comes here too)."""
        async with self._turn("read") as inside:
            return await inside.rows(sql, params)

    async def records(self, sql: str, params: Params = ()) -> list[dict[str, object]]:
        """Run a query on its own, waiting for any write in progress, and return named rows."""
        async with self._turn("read") as inside:
            return await inside.records(sql, params)

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a single write, alone or with others that arrive meanwhile; it is committed when this returns."""
        return await self._committed(lambda inside: inside.run(sql, params))

    async def write_rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a single write with RETURNING, as run() does, and return its rows once it is committed."""
        return await self._committed(lambda inside: inside.write_rows(sql, params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Statements]:
        """Run the block's statements as one write transaction (BEGIN IMMEDIATE), rolled back on any error.

        Inside the block use only the statements it yields: the shared connection's own methods would wait for
        the lock this transaction holds.
        """
        async with self._turn("transaction") as inside, immediate_transaction(self._connection):
            yield inside

    async def settle(self) -> None:
        """Return once every single write queued so far has been committed (or has failed)."""
        if self._committer is not None:
            await asyncio.wait([self._committer])

    async def _committed(self, statement: Callable[[Statements], Awaitable[T]]) -> T:
        """Run a write, committed on its own if the connection is free, else with those waiting; return its result."""
        if self._committer is None and not self._lock.locked():  # free: the write takes it alone, as it always did
            async with self._turn("commit") as inside:
                return await statement(inside)
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append(QueuedWrite(statement, contextvars.copy_context(), done))
        if self._committer is None:  # in no caller's context: it works for all of them
            self._committer = asyncio.create_task(self._commit_queued(), context=contextvars.Context())
        return await done

    async def _commit_queued(self) -> None:
        """Commit the queued writes, all that are waiting at each turn of the connection, until none is left."""
        try:
            while self._queued:
                async with self._turn("commit") as inside:
                    batch = [write for write in self._queued if not write.done.done()]
                    self._queued = []
                    await self._commit(inside, batch)
        finally:
            self._committer = None
            for write in self._queued:  # left only when this task was cancelled (the bot stopping)
                write.done.cancel()
            self._queued = []

    async def _commit(self, inside: Statements, batch: list[QueuedWrite[Any]]) -> None:
        """Run a batch of writes and commit them: one alone by its own statement, several in one transaction.

        Each write runs in its caller's context, as if its caller ran it; a transaction's BEGIN and COMMIT, shared by
        all, in none. They are handed to the database thread together, to run one after another: however many writes
        a batch holds, it waits for the thread once.
        """
        if not batch:  # every caller stopped waiting
            return
        try:
            if len(batch) == 1:
                outcomes = [await _as_caller(batch[0], inside)]
            else:  # started in the order they are to run: each task hands its statement over in its first step
                begin = _shared(_outcome(_begin, inside))
                steps = [_as_caller(write, inside) for write in batch]
                began, *outcomes, committed = await asyncio.gather(
                    begin, *steps, _shared(_outcome(_commit_statement, inside))
                )
                if isinstance(committed, Exception) and not isinstance(began, Exception):  # none of the batch kept
                    outcomes = [committed] * len(batch)
                    await self._connection.rollback()
                # (Had BEGIN failed, another process holding the write lock, each write ran and committed on its own.)
        except Exception as error:  # the rollback failed: the batch's fate is unknown, and each caller is told
            outcomes = [error] * len(batch)
        except BaseException:
            for write in batch:
                write.done.cancel()
            raise
        for write, outcome in zip(batch, outcomes, strict=True):
            write.settle(outcome)


def _as_caller(write: QueuedWrite[T], inside: Statements) -> asyncio.Task[T | Exception]:
    """Start a write of a batch in its caller's context, as if its caller ran it."""
    return asyncio.create_task(_outcome(write.statement, inside), context=write.context)


def _shared(step: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """Start a step of a batch that belongs to all its writes: in no caller's context."""
    return asyncio.create_task(step, context=contextvars.Context())


async def _commit_statement(inside: Statements) -> int:
    """Commit the transaction in progress."""
    return await inside.run("COMMIT")


async def _begin(inside: Statements) -> int:
    """Begin a transaction that holds the write lock from its start."""
    return await inside.run("BEGIN IMMEDIATE")


async def _outcome(statement: Callable[[Statements], Awaitable[T]], inside: Statements) -> T | Exception:
    """Run one statement and return its result, or the error it failed with (the others of its batch go on)."""
    try:
        return await statement(inside)
    except Exception as error:
        return error


@asynccontextmanager
async def immediate_transaction(connection: aiosqlite.Connection) -> AsyncIterator[None]:
    """Run the block as one transaction that holds the write lock from its start; commit, or roll back on error."""
    await connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        await connection.commit()
    except BaseException:
        await connection.rollback()
        raise


def utc_text(moment: datetime) -> str:
    """Return the stored form of a moment: ISO 8601 in UTC, which sorts and compares as text."""
    if moment.utcoffset() is None:
        raise ValueError(f"a moment to store must carry its time zone: {moment!r}")
    return moment.astimezone(UTC).isoformat()


def moment_from(text: str) -> datetime:
    """Read a stored moment."""
    return datetime.fromisoformat(text)


def optional_moment(text: str | None) -> datetime | None:
    """Read a stored moment that may be missing."""
    return None if text is None else datetime.fromisoformat(text)


def reasons_text(reasons: Iterable[str]) -> str:
    """Return the stored form of reason codes: comma-separated, '' for none."""
    codes = [str(reason) for reason in reasons]
    for code in codes:
        if not code or "," in code:
            raise ValueError(f"a reason code must be non-empty and without commas: {code!r}")
    return ",".join(codes)


def reasons_from(text: str) -> tuple[str, ...]:
    """Read stored reason codes."""
    return tuple(text.split(",")) if text else ()


def optional_int(value: int | None) -> int | None:
    """Read a stored integer that may be NULL."""
    return None if value is None else int(value)
