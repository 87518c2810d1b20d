"""Schema migrations: one SQL file per version, applied atomically and tracked in PRAGMA user_version."""

import sqlite3
from importlib import resources

import aiosqlite

from bot.storage.shared import immediate_transaction


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says why in plain words."""


def migration_scripts() -> list[str]:
    """Return the migration scripts in version order: item 0 brings version 0 to version 1."""
    folder = resources.files("bot.storage").joinpath("migrations")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql"))
    for expected, name in enumerate(names, start=1):
        if int(name.split("_", 1)[0]) != expected:
            raise DatabaseError(f"migration files are not numbered 1, 2, 3...: {name}")
    return [folder.joinpath(name).read_text(encoding="utf-8") for name in names]


def split_statements(script: str) -> list[str]:
    """Split a script into complete statements, so each runs inside our own transaction."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip().rstrip(";").strip():
                statements.append(current.strip())
            current = ""
    leftover = [line for line in current.splitlines() if line.strip() and not line.strip().startswith("--")]
    if leftover:
        raise DatabaseError("a migration ends with an incomplete SQL statement")
    return statements


async def migrate(connection: aiosqlite.Connection) -> int:
    """Bring the schema to the newest version, one atomic transaction per version; return that version."""
    scripts = migration_scripts()
    current = await user_version(connection)
    if current > len(scripts):
        raise DatabaseError(
            f"the database is at schema version {current} but this bot knows only up to "
            f"{len(scripts)}; it was written by a newer version of the bot, so update the bot"
        )
    for version in range(current + 1, len(scripts) + 1):
        async with immediate_transaction(connection):
            if await user_version(connection) >= version:
                continue  # another process opening the same file applied it first
            for statement in split_statements(scripts[version - 1]):
                await connection.execute(statement)
            await connection.execute(f"PRAGMA user_version = {version}")
    return len(scripts)


async def user_version(connection: aiosqlite.Connection) -> int:
    """Read the schema version stored in the database header."""
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
