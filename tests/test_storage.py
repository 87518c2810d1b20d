"""The database: pragmas, migrations by user_version, refusal of newer or damaged files, and patients."""

import sqlite3
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import aiosqlite
import pytest

from bot.domain.checkin import NO, Question
from bot.domain.records import CheckinStatus
from bot.storage import Database, DatabaseError
from bot.storage.broadcasts import Tally
from bot.storage.migrations import migrate, migration_scripts, split_statements, user_version
from bot.storage.outbox import BULK

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


async def test_a_migration_applied_meanwhile_by_another_process_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When another opener migrated after our first look at the version, nothing is applied twice."""
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path):
        pass
    looks: list[int] = []

    async def stale_then_real(connection: aiosqlite.Connection) -> int:
        """Report version 1 on the first look, as if read just before another process migrated."""
        looks.append(await user_version(connection))
        return 1 if len(looks) == 1 else looks[-1]

    monkeypatch.setattr("bot.storage.migrations.user_version", stale_then_real)
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        assert await migrate(connection) == len(_real_scripts())
    assert looks == [len(_real_scripts())] * len(looks)
    assert len(looks) == len(_real_scripts())


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


async def test_a_version_1_database_is_migrated_keeping_its_patients(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file made by the version-1 bot keeps its patient, who gains the new columns' defaults, and new tables."""
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setattr("bot.storage.migrations.migration_scripts", lambda: _real_scripts()[:1])
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        assert await migrate(connection) == 1
        await connection.execute(
            "INSERT INTO patient (user_id, language, consented_at, treatment_date, updated_at) VALUES (?, ?, ?, ?, ?)",
            (42, "fr", NOW.isoformat(), "2026-11-20", NOW.isoformat()),
        )
    monkeypatch.undo()
    async with await Database.open(path) as database:
        assert await user_version(database._connection) == len(migration_scripts())
        patient = await database.patients.get(42)
        checkin = await database.checkins.start(42, date(2026, 11, 24), 4, NOW)
    assert patient is not None
    assert (patient.language, patient.consented_at, patient.treatment_date) == ("fr", NOW, date(2026, 11, 20))
    assert (patient.reminder_time, patient.at_risk, patient.risk_asked, patient.messages_stopped) == (
        None,
        None,
        False,
        False,
    )
    assert checkin.user_id == 42
    with sqlite3.connect(path) as reader:
        schema_before = reader.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    async with await Database.open(path) as database:
        assert await user_version(database._connection) == len(migration_scripts())
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall() == schema_before
        assert reader.execute("SELECT COUNT(*) FROM checkin").fetchone() == (1,)


async def test_every_table_is_strict(tmp_path: Path) -> None:
    """Every table rejects values of the wrong type, so a bad write fails instead of storing nonsense."""
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path):
        pass
    with sqlite3.connect(path) as reader:
        tables: dict[str, int] = dict(
            reader.execute(
                "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        )
    assert set(tables) == {
        *("patient", "checkin", "checkin_answer", "escalation", "reminder_log"),
        *("staff_member", "staff_invite", "audit_log"),
        *("broadcast", "sequence_log", "outbox"),
    }
    assert set(tables.values()) == {1}


async def test_patient_choices_are_stored_and_read_back(tmp_path: Path) -> None:
    """Reminder time (to the minute), the risk answer (asked even when declined) and /stop round-trip."""
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        await database.patients.add_consented(7, "en", NOW)
        await database.patients.set_reminder_time(7, time(8, 30, 59), NOW)
        await database.patients.set_at_risk(7, True, NOW)
        await database.patients.set_messages_stopped(7, True, NOW)
        chosen = await database.patients.get(7)
        await database.patients.set_reminder_time(7, None, NOW)
        await database.patients.set_at_risk(7, None, NOW)
        await database.patients.set_messages_stopped(7, False, NOW)
        reset = await database.patients.get(7)
    assert chosen is not None
    assert (chosen.reminder_time, chosen.at_risk, chosen.risk_asked, chosen.messages_stopped) == (
        time(8, 30),
        True,
        True,
        True,
    )
    assert reset is not None
    assert (reset.reminder_time, reset.at_risk, reset.risk_asked, reset.messages_stopped) == (None, None, True, False)


async def test_at_risk_no_is_stored_as_false_not_unanswered(tmp_path: Path) -> None:
    """A "no" to the risk question is False, distinct from None (not answered)."""
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        await database.patients.add_consented(7, "en", NOW)
        await database.patients.set_at_risk(7, False, NOW)
        patient = await database.patients.get(7)
    assert patient is not None
    assert (patient.at_risk, patient.risk_asked) == (False, True)


async def test_awaiting_reminder_is_the_recovery_window_less_those_checked_in_or_reminded_today(tmp_path: Path) -> None:
    """Treated on the first and last dates are in; a day outside, not onboarded, stopped, checked in or reminded out."""
    first, last, today = date(2026, 11, 10), date(2026, 11, 24), date(2026, 11, 25)
    treated = {1: first - timedelta(days=1), 2: first, 3: date(2026, 11, 17), 4: last, 5: last + timedelta(days=1)}
    treated |= {8: first, 9: first, 10: first, 11: first, 12: first}
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        for user_id, treatment_date in treated.items():
            await database.patients.add_consented(user_id, "en", NOW)
            await database.patients.set_treatment_date(user_id, treatment_date, NOW)
        await database.patients.add_consented(6, "en", NOW)
        await database.patients.add_consented(7, "en", NOW)
        await database.patients.set_treatment_date(7, date(2026, 11, 17), NOW)
        await database.patients.set_messages_stopped(7, True, NOW)
        await database.checkins.start(8, today, 15, NOW)  # open, started today: out
        await database.checkins.start(9, today - timedelta(days=1), 14, NOW)  # open since yesterday: still in
        done = await database.checkins.start(12, today, 15, NOW)
        await database.checkins.finish(done.id, CheckinStatus.COMPLETE, "self_care", (), NOW)  # done today: out
        await database.reminders.claim(10, today, "reminder", NOW)  # reminded today: out
        await database.reminders.claim(11, today - timedelta(days=1), "reminder", NOW)  # yesterday: still in
        await database.reminders.claim(11, today, "nudge", NOW)  # another kind: still in
        patients = await database.patients.awaiting_reminder(first, last, today, "reminder")
    assert [patient.user_id for patient in patients] == [2, 3, 4, 9, 11]


async def test_a_reminder_is_claimed_once_only(tmp_path: Path) -> None:
    """Claiming the same patient, date and kind again is refused; another date or kind is its own claim."""
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        await database.patients.add_consented(7, "en", NOW)
        day = date(2026, 11, 24)
        assert await database.reminders.last_claimed(7, "reminder") is None
        assert await database.reminders.claim(7, day, "reminder", NOW)
        assert not await database.reminders.claim(7, day, "reminder", NOW + timedelta(minutes=1))
        assert await database.reminders.claim(7, day, "nudge", NOW)
        assert await database.reminders.claim(7, day - timedelta(days=1), "reminder", NOW)
        assert await database.reminders.last_claimed(7, "reminder") == day
        assert await database.reminders.last_claimed(7, "nudge") == day
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            await database.reminders.claim(7, day, "shout", NOW)


async def test_a_claim_holds_across_two_open_databases(tmp_path: Path) -> None:
    """Two bot processes on one file cannot both claim the same reminder."""
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path) as first, await Database.open(path) as second:
        await first.patients.add_consented(7, "en", NOW)
        day = date(2026, 11, 24)
        results = [
            await first.reminders.claim(7, day, "reminder", NOW),
            await second.reminders.claim(7, day, "reminder", NOW),
        ]
        assert await second.reminders.last_claimed(7, "reminder") == day
    assert results == [True, False]


async def test_deleting_a_patient_erases_everything_of_theirs(tmp_path: Path) -> None:
    """A raw DELETE of the patient row (as /delete does) removes check-ins, answers, escalations and reminders."""
    path = tmp_path / "bot.sqlite3"
    day = date(2026, 11, 24)
    async with await Database.open(path) as database:
        for user_id in (7, 8):
            await database.patients.add_consented(user_id, "en", NOW)
            checkin = await database.checkins.start(user_id, day, 4, NOW)
            await database.checkins.answer(checkin, Question.PUS, NO, NOW)
            await database.checkins.finish(checkin.id, CheckinStatus.COMPLETE, "soon", ("pus",), NOW)
            await database.checkins.start(user_id, day, 4, NOW)
            await database.escalations.record(user_id, checkin.id, day, "soon", ("pus",), NOW)
            await database.reminders.claim(user_id, day, "reminder", NOW)
        await database._connection.execute("DELETE FROM patient WHERE user_id = 7")
        assert await database.patients.get(7) is None
        assert await database.checkins.history(7) == []
        assert await database.escalations.for_patient(7) == []
        assert await database.reminders.last_claimed(7, "reminder") is None
    with sqlite3.connect(path) as reader:
        for table in ("checkin", "escalation", "reminder_log"):
            assert reader.execute(f"SELECT DISTINCT user_id FROM {table}").fetchall() == [(8,)], table  # noqa: S608
        assert reader.execute(
            "SELECT DISTINCT c.user_id FROM checkin_answer AS a JOIN checkin AS c ON c.id = a.checkin_id"
        ).fetchall() == [(8,)]
        assert reader.execute("SELECT COUNT(*) FROM checkin_answer").fetchone() == (1,)


async def test_times_are_stored_in_utc_and_naive_times_are_refused(tmp_path: Path) -> None:
    """A moment in another zone is stored as the same instant in UTC; a moment without a zone is an error."""
    path = tmp_path / "bot.sqlite3"
    toronto_morning = datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    async with await Database.open(path) as database:
        await database.patients.add_consented(7, "en", toronto_morning)
        with pytest.raises(ValueError, match="time zone"):
            await database.patients.set_treatment_date(7, date(2026, 11, 20), datetime(2026, 11, 24, 10, 0))
        patient = await database.patients.get(7)
    assert patient is not None
    assert patient.consented_at == NOW
    assert patient.consented_at.utcoffset() == timedelta(0)
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT consented_at FROM patient").fetchone() == ("2026-11-24T15:00:00+00:00",)


async def test_broadcast_rows_written_before_unconfirmed_existed_survive_its_migration(tmp_path: Path) -> None:
    """A version-5 file's broadcast recipients keep their statuses and may then be 'sending' or 'unconfirmed'."""
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as connection:
        for script in migration_scripts()[:5]:
            connection.executescript(script)
        connection.execute("PRAGMA user_version = 5")
        for user_id in (7, 8):
            connection.execute(
                "INSERT INTO patient (user_id, language, consented_at, updated_at) VALUES (?, 'en', 'x', 'x')",
                (user_id,),
            )
        connection.execute(
            "INSERT INTO broadcast (id, created_by, created_at, updated_at) VALUES (1, 500, '2026-11-24', 'x')"
        )
        connection.execute("INSERT INTO broadcast_recipient (broadcast_id, user_id, status) VALUES (1, 7, 'sent')")
        connection.execute("INSERT INTO broadcast_recipient (broadcast_id, user_id) VALUES (1, 8)")
    async with await Database.open(path) as database:
        store = database.broadcasts
        assert await store.tally(1) == Tally(pending=1, sent=1)
        [pending] = await database.outbox.due(BULK, NOW, 10)  # migrated into the outbox by 0009
        assert pending.delivery.user_id == 8
        assert await database.outbox.claim_bulk(pending.delivery.id, NOW)
        assert await database.outbox.resume(NOW) == (0, 1)
        assert await store.tally(1) == Tally(sent=1, unconfirmed=1)
