"""Erasure erases: after /delete or a retention purge, the erased text is in none of the database's files on disk.

SQLite overwrites deleted rows only with `secure_delete` on, and in WAL mode it does so in a new copy of the page in
the `-wal` file, so the older page stays in the database file (and older frames in the WAL) until a checkpoint.
These tests open every connection with secure_delete off first, as an SQLite built without SQLITE_SECURE_DELETE
(upstream's default) would, so that they fail if the bot stops turning it on.
"""

import contextlib
import logging
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain.checkin import Question
from bot.storage import Database, backup
from tests.erasure_support import found_on_disk

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
ERASED, KEPT = 90417, (90416, 90418)  # the patient whose data goes, and two whose data stays
NOTE, PHOTO, HANDLE = "note-marker-5f1c9e my chin is sore", "photo-marker-AgADq7Zx", "handle_marker_b8d2"
HEALTH = [NOTE, PHOTO]  # what a retention purge erases (the patient row, with the handle, is kept)
EVERYTHING = [*HEALTH, HANDLE]  # what /delete erases


@pytest.fixture
def secure_delete_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open every SQLite connection (aiosqlite's too) with secure_delete off, as a build that defaults to off."""
    real_connect = sqlite3.connect

    def connect_with_it_off(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        """Open the connection as asked, then turn secure_delete off."""
        connection: sqlite3.Connection = real_connect(*args, **kwargs)
        connection.execute("PRAGMA secure_delete = OFF")
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect_with_it_off)


async def fill(database: Database) -> None:
    """Three patients with a check-in each; the one to erase, treated a year earlier, has their own markers."""
    for user_id in (KEPT[0], ERASED, KEPT[1]):
        own = user_id == ERASED
        treated = date(2025, 11, 20) if own else date(2026, 11, 20)
        await database.patients.add_consented(user_id, "en", NOW)
        await database.patients.set_treatment_date(user_id, treated, NOW)
        await database.patients.set_username(user_id, HANDLE if own else f"someone_{user_id}")
        checkin = await database.checkins.start(user_id, treated, 1, NOW)
        checkin = await database.checkins.answer(checkin, Question.PHOTO, PHOTO if own else f"photo {user_id}", NOW)
        await database.checkins.answer(checkin, Question.NOTE, NOTE if own else f"note of {user_id}", NOW)


async def filled(path: Path, restarted: bool) -> Database:
    """Open and fill the database; when restarted, close and reopen it (closing checkpoints into the file)."""
    database = await Database.open(path)
    await fill(database)
    if restarted:
        await database.close()
        database = await Database.open(path)
    return database


async def test_every_connection_the_bot_opens_turns_secure_delete_on(
    path: Path, secure_delete_off_by_default: None
) -> None:
    """The bot's connection and the backup's (read-only or not) overwrite deleted rows, whatever the default."""
    async with await Database.open(path) as database:
        async with database._connection.execute("PRAGMA secure_delete") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        assert row[0] == 1
    with contextlib.closing(sqlite3.connect(path)) as plain:
        assert plain.execute("PRAGMA secure_delete").fetchone() == (0,), "the fixture turns it off"
    for read_only in (False, True):
        with contextlib.closing(backup.connect(path, read_only=read_only)) as connection:
            assert connection.execute("PRAGMA secure_delete").fetchone() == (1,)


@pytest.mark.parametrize("restarted", [False, True], ids=["text-in-wal", "text-in-database-file"])
async def test_an_erased_patient_leaves_no_byte_of_their_text_in_any_file(
    path: Path, tmp_path: Path, secure_delete_off_by_default: None, restarted: bool
) -> None:
    """After an erasure the note, photo id and @handle are in none of the db, -wal, -shm files, nor a new backup."""
    database = await filled(path, restarted)
    try:
        assert found_on_disk(path, EVERYTHING) == {path.name + ("" if restarted else "-wal"): EVERYTHING}
        assert await database.account.erase(ERASED, NOW)
        assert found_on_disk(path, EVERYTHING) == {}
        assert not database.wal.owed
        for user_id in KEPT:
            assert len((await database.account.export(user_id))["checkin_answers"]) == 2, "others' data stays"
        copy = tmp_path / "backup.sqlite3"
        backup.backup_database(path, copy)
        assert found_on_disk(copy, EVERYTHING) == {}
    finally:
        await database.close()


@pytest.mark.parametrize("restarted", [False, True], ids=["text-in-wal", "text-in-database-file"])
async def test_a_retention_purge_leaves_no_byte_of_the_purged_text_in_any_file(
    path: Path, secure_delete_off_by_default: None, restarted: bool
) -> None:
    """After a purge the expired check-in's note and photo id are in none of the db, -wal and -shm files."""
    database = await filled(path, restarted)
    try:
        purged = await database.retention.purge_before(date(2026, 1, 1))
        assert purged.checkins == 1
        assert found_on_disk(path, HEALTH) == {}
        assert found_on_disk(path, [HANDLE]) == {path.name: [HANDLE]}, "the patient row itself is kept"
        assert not database.wal.owed
    finally:
        await database.close()


async def test_a_checkpoint_a_reader_blocks_is_owed_logged_without_health_data_and_retried(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """While another connection reads, the erasure is done but its checkpoint is owed; the retry then clears it."""
    caplog.set_level(logging.WARNING, logger="bot.storage.wal")
    async with await Database.open(path) as database:
        await fill(database)
        await database._connection.execute("PRAGMA busy_timeout = 20")  # wait 20 ms for the reader, not 5 s
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as reader:
            reader.execute("BEGIN")
            assert reader.execute("SELECT COUNT(*) FROM patient").fetchone() == (3,)
            assert await database.account.erase(ERASED, NOW)
            owed_while_read = database.wal.owed
            assert found_on_disk(path, [NOTE]) == {f"{path.name}-wal": [NOTE]}  # older frames still hold it
            assert await database.wal.retry_owed() is False, "still blocked while the reader reads"
            reader.execute("COMMIT")
        assert owed_while_read
        assert await database.wal.retry_owed()
        assert not database.wal.owed
        assert found_on_disk(path, EVERYTHING) == {}
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2
    assert all("could not finish" in message for message in warnings)
    assert not any(str(ERASED) in message or "marker" in message for message in warnings)
