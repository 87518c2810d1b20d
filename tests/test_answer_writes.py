"""An answer in one statement, and the patient's reads in one: what they return is what is stored, and they race well.

An answer is one INSERT, committed on its own, and a trigger (migration 0011) marks its check-in active in that same
statement; the check-in it returns is built in Python, not read back. An answer that finishes the check-in is stored
with the outcome, in one transaction.
"""

import asyncio
import sqlite3
from collections.abc import Awaitable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.domain.checkin import NO, YES, Question
from bot.domain.records import CheckinStatus, Verdict
from bot.storage import Database
from bot.storage.migrations import migrate, migration_scripts, user_version
from bot.storage.outcomes import Outcome
from tests.storage_support import NOW, OTHER, PATIENT, TODAY, later

_SHIPPED = migration_scripts()  # read before any test replaces them
_TRIGGERS = {"checkin_answer_inserted", "checkin_answer_replaced"}
_QUIET = Verdict(None, (), escalate=False)  # the idle job's close of a check-in with nothing that needs a person


def _finish(database: Database, checkin_id: int, status: CheckinStatus, **how: Any) -> Awaitable[Outcome]:
    """Finish a check-in with nothing that needs a person, at the moment the race is run at, as `how` says."""
    return database.outcomes.finish_checkin(checkin_id, status, _QUIET, now=later(30), hold=later(40), **how)


def _stored(path: Path, checkin_id: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Return a check-in's row and its answers' rows as another connection reads them."""
    with sqlite3.connect(path) as reader:
        row = reader.execute("SELECT * FROM checkin WHERE id = ?", (checkin_id,)).fetchall()
        answers = reader.execute(
            "SELECT * FROM checkin_answer WHERE checkin_id = ? ORDER BY question", (checkin_id,)
        ).fetchall()
    return row, answers


async def test_the_checkin_an_answer_returns_is_the_one_stored(database: Database) -> None:
    """After each answer, a replaced answer and a Back, the check-in returned equals the check-in read back."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    await database.checkins.set_message(checkin.id, 77, later(1))
    checkin = replace(checkin, message_id=77, updated_at=later(1))
    steps = ((Question.BREATHING, NO), (Question.EYES, YES), (Question.EYES, NO), (Question.FEVER, YES))
    for minute, (question, value) in enumerate(steps, start=2):
        checkin = await database.checkins.answer(checkin, question, value, later(minute))
        assert checkin == await database.checkins.get(checkin.id), f"after {question} = {value}"
        assert checkin.updated_at == later(minute)
    backed = await database.checkins.unanswer(checkin.id, Question.FEVER, later(9))
    again = await database.checkins.answer(backed, Question.FEVER, NO, later(10))
    assert again == await database.checkins.get(checkin.id)


async def test_an_answer_to_a_finished_checkin_is_refused_and_changes_nothing(database: Database, path: Path) -> None:
    """The answer is not stored and the finished check-in is returned as it is, not a moment newer."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    checkin = await database.checkins.answer(checkin, Question.BREATHING, NO, later(1))
    done = await database.checkins.finish(checkin.id, CheckinStatus.PARTIAL, None, (), later(2))
    before = _stored(path, checkin.id)
    assert await database.checkins.answer(checkin, Question.EYES, YES, later(3)) == done
    assert await database.checkins.answer(checkin, Question.BREATHING, YES, later(4)) == done  # nor replaced
    assert _stored(path, checkin.id) == before
    with sqlite3.connect(path) as writer:  # an answer written past the store: the trigger leaves a finished one be
        writer.execute("INSERT INTO checkin_answer VALUES (?, 'pus', 'yes', ?)", (checkin.id, later(5).isoformat()))
    assert _stored(path, checkin.id)[0] == before[0]


async def test_an_answer_and_the_idle_close_at_the_same_moment_never_both_happen(path: Path) -> None:
    """Over two connections, either the answer lands and the check-in stays open, or it is closed and the answer not.

    Half the answers finish the check-in (stored with the outcome, in its transaction), half are plain ones.
    """
    async with await Database.open(path) as bot, await Database.open(path) as job:
        for round_ in range(40):
            user_id = 1000 + round_
            await bot.patients.add_consented(user_id, "en", NOW)
            current = await bot.checkins.start(user_id, TODAY, 4, NOW)
            closing = _finish(job, current.id, CheckinStatus.PARTIAL, advise=False, idle_since=later(10))
            if round_ % 2:
                finishing = _finish(
                    bot, current.id, CheckinStatus.COMPLETE, advise=True, answer=(Question.NOTE, "fine")
                )
                answered, closed = await asyncio.gather(finishing, closing)
                taken = answered.finished
            else:
                answer, closed = await asyncio.gather(
                    bot.checkins.answer(current, Question.NOTE, "fine", later(30)), closing
                )
                taken = answer.status is CheckinStatus.OPEN and answer.answers.get(Question.NOTE) == "fine"
            assert taken != closed.finished, f"round {round_}: answered {taken}, closed as idle {closed.finished}"
            stored = await bot.checkins.get(current.id)
            assert stored is not None
            assert (stored.answers.get(Question.NOTE) == "fine") == taken
            assert (stored.status is CheckinStatus.PARTIAL) == closed.finished
            if taken and round_ % 2 == 0:
                assert stored.updated_at == later(30), "the answer marked its check-in active in the same statement"


async def test_a_database_of_the_version_before_gets_the_trigger(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file migrated from version 10 has both triggers, and an answer to its open check-in marks it active."""
    monkeypatch.setattr("bot.storage.migrations.migration_scripts", lambda: _SHIPPED[:10])
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        assert await migrate(connection) == 10
        await connection.execute(
            "INSERT INTO patient (user_id, language, consented_at, updated_at) VALUES (?, 'en', ?, ?)",
            (PATIENT, NOW.isoformat(), NOW.isoformat()),
        )
        await connection.execute(
            "INSERT INTO checkin (id, user_id, local_date, day, started_at, updated_at) VALUES (5, ?, ?, 4, ?, ?)",
            (PATIENT, TODAY.isoformat(), NOW.isoformat(), NOW.isoformat()),
        )
    monkeypatch.undo()
    with sqlite3.connect(path) as reader:
        assert not {name for (name,) in reader.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    async with await Database.open(path) as database:
        assert await user_version(database._connection) == len(_SHIPPED) >= 11
        current = await database.checkins.open_for(PATIENT)
        assert current is not None
        answered = await database.checkins.answer(current, Question.BREATHING, NO, later(5))
    with sqlite3.connect(path) as reader:
        names = {name for (name,) in reader.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert names >= _TRIGGERS
        assert reader.execute("SELECT updated_at FROM checkin WHERE id = 5").fetchone() == (later(5).isoformat(),)
    assert answered.updated_at == later(5)


async def test_for_triage_reads_what_the_separate_reads_would(database: Database) -> None:
    """The patient, the open check-in and the history (the last complete one of each date) come in one read."""
    assert await database.checkins.for_triage(999) == (None, None, [])
    for day, start, pain in ((0, 0, "2"), (0, 30, "4"), (1, 0, "5")):  # two on the first date: the later one counts
        checkin = await database.checkins.start(
            PATIENT, TODAY + timedelta(days=day), 4 + day, later(day * 1440 + start)
        )
        await database.checkins.answer(checkin, Question.PAIN, pain, later(day * 1440 + start + 1))
        await database.checkins.finish(
            checkin.id, CheckinStatus.COMPLETE, "self_care", (), later(day * 1440 + start + 2)
        )
    partial = await database.checkins.start(PATIENT, TODAY + timedelta(days=2), 6, later(2 * 1440))
    await database.checkins.finish(partial.id, CheckinStatus.PARTIAL, None, (), later(2 * 1440 + 1))
    current = await database.checkins.start(PATIENT, TODAY + timedelta(days=2), 6, later(2 * 1440 + 5))
    current = await database.checkins.answer(current, Question.BREATHING, NO, later(2 * 1440 + 6))
    await database.checkins.start(OTHER, TODAY, 4, NOW)
    patient, found, history = await database.checkins.for_triage(PATIENT)
    assert patient == await database.patients.get(PATIENT)
    assert found == current
    assert history == await database.checkins.triage_history(PATIENT, excluding=current.id)
    assert [(past.local_date, past.answers.get(Question.PAIN)) for past in history] == [
        (TODAY, "4"),
        (TODAY + timedelta(days=1), "5"),
    ]
    assert (await database.checkins.for_triage(OTHER))[2] == []
