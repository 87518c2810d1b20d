"""The connection every store shares, used by one operation at a time, and the stored text of times and reasons.

The connection is in autocommit mode: a single write is committed when its statement ends. A read-then-write or
a write of several statements runs in `transaction()`, which holds the lock so that no other coroutine's
statement slips into it (and is committed or rolled back with it).
"""

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import aiosqlite

Params = Sequence[object]


class Statements:
    """Runs statements on the connection, for a caller that already has it to itself."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query (or a write with RETURNING) and return all its rows."""
        return list(await self._connection.execute_fetchall(sql, params))

    async def row(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Run a query and return its first row, or None when it has none."""
        found = await self.rows(sql, params)
        return found[0] if found else None

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a write (one without RETURNING: rows() runs those) and return how many rows it changed."""
        # Such a write has run to its end within execute(), so its cursor holds nothing open: it is left to be freed
        # (as BEGIN's is below) rather than closed, which would cost a second trip to the database thread.
        cursor = await self._connection.execute(sql, params)
        return cursor.rowcount

    async def records(self, sql: str, params: Params = ()) -> list[dict[str, object]]:
        """Run a query and return its rows as column-name-to-value mappings."""
        async with self._connection.execute(sql, params) as cursor:
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]


class SharedConnection(Statements):
    """The one connection, taken by one operation at a time: a statement on its own, or a whole transaction."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        super().__init__(connection)
        self._lock = asyncio.Lock()
        self._inside = Statements(connection)

    async def rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query on its own, waiting for any transaction in progress (row() comes here too)."""
        async with self._lock:
            return await self._inside.rows(sql, params)

    async def records(self, sql: str, params: Params = ()) -> list[dict[str, object]]:
        """Run a query on its own, waiting for any transaction in progress, and return named rows."""
        async with self._lock:
            return await self._inside.records(sql, params)

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a single write on its own; it is committed when this returns."""
        async with self._lock:
            return await self._inside.run(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Statements]:
        """Run the block's statements as one write transaction (BEGIN IMMEDIATE), rolled back on any error.

        Inside the block use only the statements it yields: the shared connection's own methods would wait for
        the lock this transaction holds.
        """
        async with self._lock, immediate_transaction(self._connection):
            yield self._inside


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
