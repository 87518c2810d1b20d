"""The database: pragmas, migrations by user_version, refusal of newer or damaged files, and patients."""

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.storage import Database, DatabaseError
from bot.storage.migrations import migrate, migration_scripts, split_statements, user_version

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


async def test_a_new_file_gets_the_newest_schema_and_safe_settings(tmp_path: Path) -> None:
    """Opening a missing file creates it, with WAL, foreign keys, a busy timeout and every migration applied."""
    path = tmp_path / "nested" / "bot.sqlite3"
    async with await Database.open(path) as database:
        connection = database._connection
        assert await user_version(connection) == len(migration_scripts())
        for pragma, expected in (("journal_mode", "wal"), ("foreign_keys", 1), ("busy_timeout", 5000)):
            async with connection.execute(f"PRAGMA {pragma}") as cursor:
                row = await cursor.fetchone()
            assert row is not None
            assert row[0] == expected, pragma
    assert path.exists()


async def test_reopening_keeps_the_data_and_applies_nothing_twice(tmp_path: Path) -> None:
    """A second open of the same file finds the patient and leaves the schema version as it was."""
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path) as database:
        await database.patients.add_consented(42, "en", NOW)
        await database.patients.set_treatment_date(42, date(2026, 11, 20), NOW)
    async with await Database.open(path) as database:
        patient = await database.patients.get(42)
        assert await user_version(database._connection) == len(migration_scripts())
    assert patient is not None
    assert patient.treatment_date == date(2026, 11, 20)
    assert patient.consented_at == NOW


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    """A file written by a newer bot is refused with a message that says to update the bot."""
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {len(migration_scripts()) + 1}")
    with pytest.raises(DatabaseError, match="newer version of the bot"):
        await Database.open(path)


async def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    """Garbage in the database file is reported as unreadable, not as a crash."""
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="cannot be read"):
        await Database.open(path)


async def test_a_failing_migration_leaves_no_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that fails half-way is rolled back whole: no table from it, and the version unchanged."""
    broken = "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    monkeypatch.setattr("bot.storage.migrations.migration_scripts", lambda: [*_real_scripts(), broken])
    path = tmp_path / "bot.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(connection)
        assert await user_version(connection) == len(_real_scripts())
        async with connection.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'") as cursor:
            assert await cursor.fetchone() is None


def _real_scripts() -> list[str]:
    """Return the shipped migrations, read before any monkeypatching."""
    return _SHIPPED


_SHIPPED = migration_scripts()


def test_split_statements_keeps_triggers_whole_and_skips_comments() -> None:
    """A trigger body with inner semicolons stays one statement; comment-only tails are ignored."""
    script = (
        "-- a comment\nCREATE TABLE a (x INTEGER);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = 1;\n  UPDATE a SET x = 2;\nEND;\n-- the end\n"
    )
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER")
    assert statements[1].endswith("END;")


def test_split_statements_refuses_an_unfinished_statement() -> None:
    """A statement without its closing semicolon is an error, not silently dropped."""
    with pytest.raises(DatabaseError, match="incomplete"):
        split_statements("CREATE TABLE a (x INTEGER);\nCREATE TABLE b (y INTEGER)\n")


async def test_adding_consent_twice_keeps_one_patient(tmp_path: Path) -> None:
    """Consent recorded twice for the same user keeps the first record: a patient is never duplicated."""
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        first = await database.patients.add_consented(7, "en", NOW)
        await database.patients.set_treatment_date(7, date(2026, 11, 22), NOW)
        again = await database.patients.add_consented(7, "fr", datetime(2026, 11, 25, tzinfo=UTC))
        async with database._connection.execute("SELECT COUNT(*) FROM patient") as cursor:
            row = await cursor.fetchone()
    assert row == (1,)
    assert again.consented_at == first.consented_at
    assert again.language == "en"
    assert again.treatment_date == date(2026, 11, 22)


async def test_writes_are_visible_to_another_connection_at_once(tmp_path: Path) -> None:
    """Every write is committed when the call returns, so a second reader (or a crash) sees it."""
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path) as database:
        await database.patients.add_consented(9, "en", NOW)
        with sqlite3.connect(path) as reader:
            assert reader.execute("SELECT user_id FROM patient").fetchall() == [(9,)]


async def test_an_unknown_patient_is_none(tmp_path: Path) -> None:
    """Someone who never accepted consent has no record."""
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        assert await database.patients.get(12345) is None
