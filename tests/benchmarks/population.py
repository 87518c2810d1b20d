"""Seeding a benchmark database with many onboarded patients (and their finished check-ins) in seconds.

The schema comes from the bot's own migrations (the database is opened once with `Database.open`); the rows are
then written with plain SQL in one transaction, exactly as onboarding and a finished check-in leave them: consent in
English, a treatment date on day 1 to `recovery_days` of recovery (so each patient is due a reminder), the reminder
time, the answer about diabetes given, and check-ins with every question answered and their triage outcome.
"""

import asyncio
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from bot.config import load_settings
from bot.content.triage_rules import load_triage_rules
from bot.domain.checkin import SKIPPED, Answers, Question, next_question
from bot.domain.triage import TriageResult, TriageRules, triage
from bot.storage import Database
from bot.storage.shared import reasons_text, utc_text
from tests.conftest import TEST_ENV

RECOVERY_DAYS = 14  # the bot's default REMINDER_LAST_DAY: reminders go out on day 1 to 14
# A reminder time set. The bot sends a reminder from its time for a few hours only (bot/domain/reminder_window.py):
# to have the next job run remind every seeded patient, pass the clinic's local time now, to the minute.
EARLY_REMINDER = time(0, 0)
ANSWER_SECONDS = 4  # how long a patient takes over one answer

# The answers of a check-in that are not red flags, varied from patient to patient and day to day; every red flag
# is answered no. Each answer set is walked in the order the bot asks, so follow-up questions are answered too.
_DAY_ANSWERS: tuple[dict[Question, str], ...] = (
    {Question.PAIN: "3", Question.REDNESS: "mild", Question.REDNESS_TREND: "better", Question.PIMPLES: "few"},
    {Question.PAIN: "1", Question.REDNESS: "none", Question.SWELLING: "mild", Question.SWELLING_TREND: "better"},
    {Question.PAIN: "2", Question.REDNESS: "mild", Question.REDNESS_TREND: "same", Question.PIMPLES: "none"},
    {Question.PAIN: "0", Question.REDNESS: "none", Question.SWELLING: "none", Question.PIMPLES: "none"},
    {Question.PAIN: "4", Question.REDNESS: "moderate", Question.REDNESS_TREND: "better", Question.NOTE: "a bit dry"},
)
_CALM_DEFAULTS = {Question.FEVER: "no", Question.SPREADING: "no", Question.REDNESS: "none", Question.SWELLING: "none"}
# Seeding writes a fresh file: no rollback journal and no waiting for the disk, then back to WAL at the end.
_FAST_WRITES = ("PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144")
_PATIENT_ROW = (
    "INSERT INTO patient (user_id, language, consented_at, treatment_date, updated_at, reminder_time, at_risk,"
    " risk_asked, messages_stopped) VALUES (?, 'en', ?, ?, ?, ?, 0, 1, 0)"
)
_CHECKIN_ROW = (
    "INSERT INTO checkin (id, user_id, local_date, day, status, tier, reasons, message_id, started_at, updated_at,"
    " finished_at) VALUES (?, ?, ?, ?, 'complete', ?, ?, ?, ?, ?, ?)"
)
_ANSWER_ROW = "INSERT INTO checkin_answer (checkin_id, question, value, answered_at) VALUES (?, ?, ?, ?)"


async def seed_patients(
    database_path: Path,
    count: int,
    *,
    today: date,
    checkins_per_patient: int = 0,
    first_user_id: int = 1_000_000,
    recovery_days: int = RECOVERY_DAYS,
    reminder_time: time = EARLY_REMINDER,
) -> list[int]:
    """Create the database with the bot's schema and seed onboarded patients; async; return their user ids.

    Patient i is treated `1 + i % recovery_days` days before `today`, so all are in the reminder window. Their
    check-ins fall on the clinic dates from the treatment date to yesterday, in turn (several on a date when there
    are more check-ins than dates), so each patient is still due today's reminder.
    """
    database = await Database.open(database_path)
    await database.close()
    user_ids = list(range(first_user_id, first_user_id + count))
    connection = sqlite3.connect(database_path, isolation_level=None)
    try:
        for pragma in _FAST_WRITES:
            connection.execute(pragma)
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(_PATIENT_ROW, _patient_rows(user_ids, today, recovery_days, reminder_time))
        first_checkin = _next_checkin_id(connection)
        for checkins, answers in _checkin_batches(user_ids, today, recovery_days, checkins_per_patient, first_checkin):
            connection.executemany(_CHECKIN_ROW, checkins)
            connection.executemany(_ANSWER_ROW, answers)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode = WAL")  # back to the bot's own setting
    finally:
        connection.close()
    return user_ids


def treatment_date_of(index: int, today: date, recovery_days: int = RECOVERY_DAYS) -> date:
    """Return the treatment date of the index-th seeded patient: day 1 to recovery_days of recovery today."""
    return today - timedelta(days=1 + index % recovery_days)


def _patient_rows(
    user_ids: list[int], today: date, recovery_days: int, reminder_time: time
) -> Iterator[tuple[object, ...]]:
    """Yield each patient's row: consented on the treatment date, reminded at reminder_time."""
    reminder = reminder_time.strftime("%H:%M")
    for index, user_id in enumerate(user_ids):
        treated = treatment_date_of(index, today, recovery_days)
        consented = utc_text(_moment(treated, index))
        yield (user_id, consented, treated.isoformat(), consented, reminder)


def _checkin_batches(
    user_ids: list[int], today: date, recovery_days: int, per_patient: int, first_id: int
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """Yield the check-in rows and answer rows, one patient at a time."""
    checkin_id = first_id
    for index, user_id in enumerate(user_ids):
        treated = treatment_date_of(index, today, recovery_days)
        dates = (today - treated).days  # the treatment date to yesterday
        checkins: list[tuple[object, ...]] = []
        answers: list[tuple[object, ...]] = []
        for number in range(per_patient):
            day = number % dates
            on = (treated + timedelta(days=day)).isoformat()
            minutes = number // dates
            variant = (index + number) % len(_DAY_ANSWERS)
            values = _answers(variant)
            result = _outcome(variant, day)
            finished = _clock_text(on, minutes, len(values))
            checkins.append(
                (
                    checkin_id,
                    user_id,
                    on,
                    day,
                    result.tier.code,
                    reasons_text(result.reasons),
                    10_000 + number,
                    _clock_text(on, minutes, 0),
                    finished,
                    finished,
                )
            )
            answers.extend(
                (checkin_id, question, value, _clock_text(on, minutes, position))
                for position, (question, value) in enumerate(values, start=1)
            )
            checkin_id += 1
        yield checkins, answers


@cache
def _answers(variant: int) -> tuple[tuple[str, str], ...]:
    """Return a complete check-in's answers, in the order asked: red flags no, the rest from one day's variant."""
    chosen = _DAY_ANSWERS[variant % len(_DAY_ANSWERS)]
    given = Answers()
    while (question := next_question(given)) is not None:
        value = chosen.get(question) or _CALM_DEFAULTS.get(question) or _default_answer(question)
        given = given.with_answer(question, value)
    return tuple((question.value, value) for question, value in given.values.items())


def _default_answer(question: Question) -> str:
    """Return the answer a calm patient gives a question no variant mentions."""
    return SKIPPED if question in (Question.PHOTO, Question.NOTE) else "no"


@cache
def _outcome(variant: int, day: int) -> TriageResult:
    """Return the triage outcome of a variant's answers on a day of recovery, as the bot would store it."""
    return triage(Answers({Question(q): v for q, v in _answers(variant)}), day, [], at_risk=False, rules=_rules())


@cache
def _rules() -> TriageRules:
    """Load the shipped triage rules once."""
    return load_triage_rules(load_settings(TEST_ENV).triage_rules_path)


def _clock_text(on: str, minutes_later: int, answers: int) -> str:
    """Return the stored text of a moment of a check-in on a clinic date: its start, then ANSWER_SECONDS an answer."""
    return on + _time_text(minutes_later % 480 * 60 + answers * ANSWER_SECONDS)


@cache
def _time_text(seconds: int) -> str:
    """Return the stored time-of-day part of a moment so many seconds after 15:00 UTC (as utc_text writes it)."""
    return utc_text(datetime.combine(date.min, time(15, 0), tzinfo=UTC) + timedelta(seconds=seconds))[10:]


def _moment(on: date, minutes_later: int) -> datetime:
    """Return a moment on a clinic date (15:00 UTC, 10:00 in Toronto), some minutes later for each repeat."""
    return datetime.combine(on, time(15, 0), tzinfo=UTC) + timedelta(minutes=minutes_later % 480)


def _next_checkin_id(connection: sqlite3.Connection) -> int:
    """Return the id after the highest check-in id already stored."""
    row = connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM checkin").fetchone()
    return int(row[0])


# Seeds as seed_patients does, run with another checkout on PYTHONPATH (argv: its arguments as JSON); prints the ids.
_SEED_ELSEWHERE = (
    "import asyncio, datetime, json, pathlib, sys\n"
    "from tests.benchmarks.population import seed_patients\n"
    "o = json.loads(sys.argv[1])\n"
    "options = {k: datetime.time.fromisoformat(v) if k == 'reminder_time' else v for k, v in o['options'].items()}\n"
    "today = datetime.date.fromisoformat(o['today'])\n"
    "ids = asyncio.run(seed_patients(pathlib.Path(o['path']), o['count'], today=today, **options))\n"
    "print(json.dumps(ids))\n"
)


async def seed_with(checkout: str, database_path: Path, count: int, *, today: date, **options: int | time) -> list[int]:
    """Seed as seed_patients does (the same options), with another checkout's code: an older bot may not open ours."""
    arguments = {
        "path": str(database_path),
        "count": count,
        "today": today.isoformat(),
        "options": {name: value.isoformat() if isinstance(value, time) else value for name, value in options.items()},
    }
    seeding = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SEED_ELSEWHERE,
        json.dumps(arguments),
        cwd=database_path.parent,  # not this checkout: with -c, the working directory comes first on the path
        env={**os.environ, "PYTHONPATH": checkout},
        stdout=asyncio.subprocess.PIPE,
    )
    printed, _ = await seeding.communicate()
    if seeding.returncode != 0:
        raise RuntimeError(f"the patients could not be seeded with {checkout}'s code")
    return [int(user_id) for user_id in json.loads(printed)]
