"""Storage at scale: the /history and /stats queries, check-in writes and bytes per check-in, on a large database.

The database is seeded once (tests/benchmarks/population.py) and every figure is measured on it through the
storage API, calling what the handlers call: /history reads the patient, their finished check-ins and their
escalations (bot/handlers/history.py); /stats reads the figures of bot/handlers/clinic.py; a check-in is written
as bot/handlers/checkin.py writes one (start, the message it is shown in, one answer per question, finish).
"""

import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.domain.checkin import NO, SKIPPED, Question, next_question
from bot.domain.records import CheckinStatus
from bot.domain.stats import adherence_period, treatment_dates_that_count
from bot.storage import Database
from tests.benchmarks.harness import Figure, Scale, median, percentile
from tests.benchmarks.population import RECOVERY_DAYS, seed_patients

SECTION = "storage"
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
RUNS = 3
HISTORY_TARGET_MS, STATS_TARGET_MS = 50.0, 500.0
_CALM = {
    Question.PAIN: "2",
    Question.REDNESS: "mild",
    Question.REDNESS_TREND: "better",
    Question.SWELLING: "none",
    Question.PIMPLES: "none",
}


@dataclass(frozen=True)
class Size:
    """How big the seeded database is and how many samples each run takes."""

    patients: int
    checkins_per_patient: int
    history_samples: int
    stats_samples: int
    new_checkins: int


SIZES = {
    Scale.FULL: Size(
        patients=10_000, checkins_per_patient=100, history_samples=300, stats_samples=15, new_checkins=300
    ),
    Scale.SMOKE: Size(patients=50, checkins_per_patient=10, history_samples=20, stats_samples=3, new_checkins=10),
}


async def run(scale: Scale) -> list[Figure]:
    """Seed the database once, then measure each figure in RUNS runs and report the medians."""
    size = SIZES[scale]
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as folder:
        path = Path(folder) / "bot.sqlite3"
        started = time.perf_counter()
        user_ids = await seed_patients(path, size.patients, today=TODAY, checkins_per_patient=size.checkins_per_patient)
        seeding = time.perf_counter() - started
        checkins = size.patients * size.checkins_per_patient
        stored_bytes = _bytes_on_disk(path)
        history, stats, answers_per_second, checkins_per_second = [], [], [], []
        fresh = random.Random(6)
        for run_number in range(RUNS):
            async with await Database.open(path) as database:
                sample = fresh.sample(user_ids, size.history_samples)
                history.append(percentile(await _timed_each(sample, lambda user: _history(database, user)), 0.95))
                stats.append(percentile(await _timed_each(range(size.stats_samples), lambda _: _stats(database)), 0.95))
                writers = user_ids[run_number * size.new_checkins : (run_number + 1) * size.new_checkins]
                answers, seconds = await _write_checkins(database, writers)
                answers_per_second.append(answers / seconds)
                checkins_per_second.append(len(writers) / seconds)
    scale_note = f"{size.patients:,} patients, {checkins:,} check-ins"
    return [
        Figure(SECTION, f"seeding {scale_note}", seeding, "s"),
        _target(f"/history storage p95 ({size.checkins_per_patient} check-ins)", median(history), HISTORY_TARGET_MS),
        _target("/stats storage p95", median(stats), STATS_TARGET_MS),
        Figure(SECTION, "check-in writes: answers", median(answers_per_second), "answers/s"),
        Figure(SECTION, "check-in writes: whole check-ins", median(checkins_per_second), "check-ins/s"),
        Figure(SECTION, "database bytes per check-in", stored_bytes / max(checkins, 1), "B"),
    ]


def _target(name: str, milliseconds: float, target: float) -> Figure:
    """Return a query's figure in milliseconds, held to its target."""
    return Figure(SECTION, name, milliseconds, "ms", f"< {target:.0f} ms", milliseconds < target)


async def _timed_each(items: Iterable[int], action: Callable[[int], Awaitable[None]]) -> list[float]:
    """Run the action for each item in turn and return each one's duration in milliseconds."""
    durations: list[float] = []
    for item in items:
        started = time.perf_counter()
        await action(item)
        durations.append((time.perf_counter() - started) * 1000)
    return durations


async def _history(database: Database, user_id: int) -> None:
    """Read what /history reads for one patient."""
    await database.patients.get(user_id)
    await database.checkins.history(user_id)
    await database.escalations.for_patient(user_id)


async def _stats(database: Database) -> None:
    """Read what /stats reads."""
    reports = database.reports
    await reports.patient_counts(TODAY, RECOVERY_DAYS)
    period = adherence_period(TODAY)
    await reports.treatment_dates(treatment_dates_that_count(period, RECOVERY_DAYS))
    await reports.checkin_days(period)
    await reports.open_by_tier()
    await reports.broadcasts_sent()


async def _write_checkins(database: Database, user_ids: list[int]) -> tuple[int, float]:
    """Write one whole calm check-in for each patient, as the handlers do; return the answers written and seconds."""
    store = database.checkins
    answers = 0
    moment = NOW
    started = time.perf_counter()
    for user_id in user_ids:
        checkin = await store.start(user_id, TODAY, 5, moment)
        await store.set_message(checkin.id, 1, moment)
        while (question := next_question(checkin.answers)) is not None:
            moment += timedelta(seconds=1)
            checkin = await store.answer(checkin, question, _calm_answer(question), moment)
            answers += 1
        await store.finish(checkin.id, CheckinStatus.COMPLETE, "self_care", (), moment)
    return answers, time.perf_counter() - started


def _calm_answer(question: Question) -> str:
    """Return a calm patient's answer: no to every yes/no question, mild and better, pain 2, photo and note skipped."""
    return _CALM.get(question, SKIPPED if question in (Question.PHOTO, Question.NOTE) else NO)


def _bytes_on_disk(path: Path) -> int:
    """Return the database's size on disk with its WAL checkpointed into it."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return sum(file.stat().st_size for file in path.parent.glob(path.name + "*"))
