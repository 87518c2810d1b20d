"""Check-ins in storage: one open per patient, answers on disk at once, finishing, idle closing and history."""

import asyncio
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.checkin import NO, YES, Answers, Question
from bot.domain.records import Checkin, CheckinStatus
from bot.storage import Database
from tests.storage_support import NOW, OTHER, PATIENT, TODAY, later


async def test_start_opens_a_checkin_with_no_answers(database: Database) -> None:
    """A new check-in is open, dated, on its recovery day, with no answers, tier, reasons or message yet."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    assert checkin.user_id == PATIENT
    assert (checkin.local_date, checkin.day, checkin.status) == (TODAY, 4, CheckinStatus.OPEN)
    assert checkin.answers == Answers()
    assert (checkin.message_id, checkin.tier, checkin.reasons, checkin.finished_at) == (None, None, (), None)
    assert checkin.started_at == checkin.updated_at == NOW
    assert await database.checkins.open_for(PATIENT) == checkin
    assert await database.checkins.get(checkin.id) == checkin


async def test_starting_twice_returns_the_open_checkin(database: Database, path: Path) -> None:
    """A second start (even on a later date) returns the open check-in; another patient gets their own."""
    first = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    again = await database.checkins.start(PATIENT, TODAY + timedelta(days=1), 5, later(60 * 24))
    other = await database.checkins.start(OTHER, TODAY, 4, NOW)
    assert again == first
    assert other.id != first.id
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT user_id, COUNT(*) FROM checkin GROUP BY user_id").fetchall() == [
            (PATIENT, 1),
            (OTHER, 1),
        ]


async def test_the_schema_refuses_a_second_open_checkin(database: Database, path: Path) -> None:
    """The partial unique index keeps a second open check-in out even when written past the store."""
    await database.checkins.start(PATIENT, TODAY, 4, NOW)
    with sqlite3.connect(path) as writer, pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        writer.execute(
            "INSERT INTO checkin (user_id, local_date, day, started_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (PATIENT, TODAY.isoformat(), 4, NOW.isoformat(), NOW.isoformat()),
        )


async def test_concurrent_starts_and_answers_do_not_trip_over_each_other(database: Database) -> None:
    """Transactions from coroutines running at once are taken one at a time, and every answer is kept."""
    starts = await asyncio.gather(*(database.checkins.start(user, TODAY, 4, NOW) for user in (PATIENT, OTHER) * 3))
    assert len({checkin.id for checkin in starts}) == 2
    first = starts[0]
    questions = (Question.BREATHING, Question.EYES, Question.UNWELL, Question.PUS, Question.WARMTH)
    await asyncio.gather(*(database.checkins.answer(first, q, NO, NOW) for q in questions))
    stored = await database.checkins.open_for(PATIENT)
    assert stored is not None
    assert stored.answers == Answers(dict.fromkeys(questions, NO))


async def test_an_answer_is_on_disk_when_answer_returns(database: Database, path: Path) -> None:
    """A second connection sees the answer and the check-in's new activity time the moment answer() returns."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    updated = await database.checkins.answer(checkin, Question.BREATHING, NO, later(1))
    assert updated.answers == Answers({Question.BREATHING: NO})
    assert updated.updated_at == later(1)
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT checkin_id, question, value FROM checkin_answer").fetchall() == [
            (checkin.id, "breathing", "no")
        ]
        assert reader.execute("SELECT updated_at FROM checkin").fetchall() == [(later(1).isoformat(),)]


async def test_answering_again_replaces_the_answer(database: Database) -> None:
    """An answer given twice keeps the latest value only, alongside the other answers."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    checkin = await database.checkins.answer(checkin, Question.BREATHING, NO, NOW)
    checkin = await database.checkins.answer(checkin, Question.FEVER, YES, later(1))
    updated = await database.checkins.answer(checkin, Question.FEVER, NO, later(2))
    assert updated.answers == Answers({Question.BREATHING: NO, Question.FEVER: NO})


async def test_unanswer_removes_one_answer_and_it_can_be_given_again(database: Database) -> None:
    """Back removes just that answer; answering it again stores the new value."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    checkin = await database.checkins.answer(checkin, Question.BREATHING, NO, NOW)
    checkin = await database.checkins.answer(checkin, Question.EYES, YES, later(1))
    backed = await database.checkins.unanswer(checkin.id, Question.EYES, later(2))
    assert backed.answers == Answers({Question.BREATHING: NO})
    assert backed.updated_at == later(2)
    again = await database.checkins.answer(backed, Question.EYES, NO, later(3))
    assert again.answers == Answers({Question.BREATHING: NO, Question.EYES: NO})
    assert (await database.checkins.unanswer(checkin.id, Question.PAIN, later(4))).answers == again.answers


async def test_a_failure_inside_answer_leaves_nothing_behind(database: Database, path: Path) -> None:
    """When a step after the answer's insert fails, the whole write is rolled back and the connection stays usable."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    with sqlite3.connect(path) as writer:  # the touch of the check-in, the step after the insert, fails
        writer.execute(
            "CREATE TRIGGER full_disk BEFORE UPDATE OF updated_at ON checkin"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    with pytest.raises(sqlite3.DatabaseError, match="disk full"):
        await database.checkins.answer(checkin, Question.BREATHING, NO, later(1))
    with sqlite3.connect(path) as writer:
        writer.execute("DROP TRIGGER full_disk")
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT COUNT(*) FROM checkin_answer").fetchone() == (0,)
    assert (await database.checkins.answer(checkin, Question.EYES, NO, later(2))).answers == Answers(
        {Question.EYES: NO}
    )


async def test_set_message_records_where_the_checkin_is_shown(database: Database) -> None:
    """The message id is stored and read back."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    await database.checkins.set_message(checkin.id, 777, later(1))
    stored = await database.checkins.open_for(PATIENT)
    assert stored is not None
    assert (stored.message_id, stored.updated_at) == (777, later(1))


async def test_finish_records_the_outcome_once(database: Database) -> None:
    """Finishing stores status, tier and reasons; finishing again returns the first outcome unchanged."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    await database.checkins.answer(checkin, Question.BREATHING, YES, NOW)
    done = await database.checkins.finish(checkin.id, CheckinStatus.EMERGENCY, "emergency", ("breathing",), later(1))
    assert (done.status, done.tier, done.reasons, done.finished_at) == (
        CheckinStatus.EMERGENCY,
        "emergency",
        ("breathing",),
        later(1),
    )
    assert done.answers == Answers({Question.BREATHING: YES})
    again = await database.checkins.finish(checkin.id, CheckinStatus.COMPLETE, "self_care", (), later(2))
    assert again == done
    assert await database.checkins.open_for(PATIENT) is None


async def test_a_finished_checkin_takes_no_more_answers(database: Database) -> None:
    """Answering or going back on a finished check-in (an old button) changes nothing."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    checkin = await database.checkins.answer(checkin, Question.BREATHING, NO, NOW)
    done = await database.checkins.finish(checkin.id, CheckinStatus.PARTIAL, None, (), later(1))
    assert await database.checkins.answer(checkin, Question.EYES, YES, later(2)) == done
    assert await database.checkins.unanswer(checkin.id, Question.BREATHING, later(2)) == done
    assert await database.checkins.history(PATIENT) == [done]


async def test_finish_needs_a_finished_status_and_valid_codes(database: Database) -> None:
    """Open is not an outcome, reasons may not hold commas, and the tier must be a known code."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    with pytest.raises(ValueError, match="other than open"):
        await database.checkins.finish(checkin.id, CheckinStatus.OPEN, None, (), NOW)
    with pytest.raises(ValueError, match="without commas"):
        await database.checkins.finish(checkin.id, CheckinStatus.COMPLETE, "soon", ("pus,fever",), NOW)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await database.checkins.finish(checkin.id, CheckinStatus.COMPLETE, "1", (), NOW)
    assert await database.checkins.open_for(PATIENT) == checkin


async def test_unknown_checkin_ids(database: Database) -> None:
    """An id that matches no check-in reads as None and cannot be answered or finished."""
    assert await database.checkins.get(999) is None
    ghost = replace(await database.checkins.start(PATIENT, TODAY, 4, NOW), id=999)
    with pytest.raises(LookupError):
        await database.checkins.answer(ghost, Question.BREATHING, NO, NOW)
    with pytest.raises(LookupError):
        await database.checkins.finish(999, CheckinStatus.COMPLETE, "self_care", (), NOW)


async def test_a_new_checkin_can_start_once_the_last_is_finished(database: Database) -> None:
    """After finishing, start opens a fresh check-in with no answers."""
    first = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    await database.checkins.answer(first, Question.BREATHING, NO, NOW)
    await database.checkins.finish(first.id, CheckinStatus.COMPLETE, "self_care", (), later(1))
    second = await database.checkins.start(PATIENT, TODAY, 4, later(2))
    assert second.id != first.id
    assert second.answers == Answers()


async def test_stale_lists_only_idle_open_checkins(database: Database) -> None:
    """Open check-ins idle since before the cut-off are stale; recent and finished ones are not."""
    done = await database.checkins.start(OTHER, TODAY, 4, NOW)
    await database.checkins.finish(done.id, CheckinStatus.COMPLETE, "self_care", (), later(2))
    idle = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    await database.checkins.answer(idle, Question.BREATHING, NO, later(1))
    recent = await database.checkins.start(OTHER, TODAY, 4, later(3))
    await database.checkins.answer(recent, Question.BREATHING, NO, later(30))
    stale = await database.checkins.stale(idle_since=later(30))
    assert [checkin.id for checkin in stale] == [idle.id]
    assert stale[0].answers == Answers({Question.BREATHING: NO})


async def test_history_lists_finished_checkins_oldest_first_with_answers(database: Database) -> None:
    """History holds every finished check-in in date order with its answers, and not the open one."""
    for offset, value in ((0, NO), (1, YES)):
        day = TODAY + timedelta(days=offset)
        checkin = await database.checkins.start(PATIENT, day, 4 + offset, later(offset * 1440))
        await database.checkins.answer(checkin, Question.PUS, value, later(offset * 1440 + 1))
        await database.checkins.finish(checkin.id, CheckinStatus.COMPLETE, "soon", ("pus",), later(offset * 1440 + 2))
    await database.checkins.start(PATIENT, TODAY + timedelta(days=2), 6, later(2 * 1440))
    await database.checkins.start(OTHER, TODAY, 4, NOW)
    history = await database.checkins.history(PATIENT)
    assert [(c.local_date, c.day, c.answers.get(Question.PUS)) for c in history] == [
        (TODAY, 4, NO),
        (TODAY + timedelta(days=1), 5, YES),
    ]
    assert {c.status for c in history} == {CheckinStatus.COMPLETE}
    assert await database.checkins.history(OTHER) == []


async def test_for_opening_reads_the_days_last_finished_checkin(database: Database) -> None:
    """Only a finished check-in counts, the last of its own clinic date and patient, read with the patient."""
    first = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    patient = await database.patients.get(PATIENT)
    assert await database.checkins.for_opening(PATIENT, TODAY) == (patient, first, None)
    await database.checkins.finish(first.id, CheckinStatus.PARTIAL, None, (), later(1))
    second = await database.checkins.start(PATIENT, TODAY, 4, later(2))
    await database.checkins.finish(second.id, CheckinStatus.COMPLETE, "same_day", ("pus",), later(3))
    _, current, last = await database.checkins.for_opening(PATIENT, TODAY)
    assert current is None
    assert last is not None
    assert (last.id, last.tier, last.reasons) == (second.id, "same_day", ("pus",))
    assert last == await database.checkins.get(second.id)
    assert (await database.checkins.for_opening(PATIENT, TODAY + timedelta(days=1)))[2] is None
    assert (await database.checkins.for_opening(OTHER, TODAY))[2] is None
    assert await database.checkins.for_opening(999, TODAY) == (None, None, None)


async def test_an_answer_to_a_retired_question_is_skipped(
    database: Database, path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An answer stored by an older bot to a question this one lacks is left out with a warning, not a crash."""
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    await database.checkins.answer(checkin, Question.PUS, NO, NOW)
    with sqlite3.connect(path) as writer:
        writer.execute("INSERT INTO checkin_answer VALUES (?, 'itching', 'yes', ?)", (checkin.id, NOW.isoformat()))
    stored = await database.checkins.get(checkin.id)
    assert stored is not None
    assert stored.answers == Answers({Question.PUS: NO})
    assert "itching" in caplog.text


async def test_the_patients_reads_give_the_patient_and_open_checkin_at_once(database: Database) -> None:
    """One read gives the patient and their open check-in with its answers, as get and open_for would."""

    async def both(user_id: int) -> tuple[object, object]:
        """Return the patient and open check-in as each read gives them, checking that the two reads agree."""
        patient, current, _ = await database.checkins.for_triage(user_id)
        assert (await database.checkins.for_opening(user_id, TODAY))[:2] == (patient, current)
        return patient, current

    assert await both(999) == (None, None)
    assert await both(PATIENT) == (await database.patients.get(PATIENT), None)
    checkin = await database.checkins.start(PATIENT, TODAY, 4, NOW)
    checkin = await database.checkins.answer(checkin, Question.BREATHING, NO, later(1))
    await database.checkins.answer(checkin, Question.PUS, YES, later(2))
    patient, current = await both(PATIENT)
    assert patient == await database.patients.get(PATIENT)
    assert current == await database.checkins.open_for(PATIENT)
    assert isinstance(current, Checkin)
    assert current.answers == Answers({Question.BREATHING: NO, Question.PUS: YES})
    await database.checkins.finish(checkin.id, CheckinStatus.COMPLETE, "same_day", ("pus",), later(3))
    assert await both(PATIENT) == (patient, None)
    assert await both(OTHER) == (await database.patients.get(OTHER), None)
