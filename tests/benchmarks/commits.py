"""The Commits benchmark: whether writes queue for the database, so that answers arriving together should share one.

Every write (a check-in answer, its outcome, a delivery confirmed) is committed with synchronous=FULL before its
reply goes out, on the one connection that bot/storage/shared.py hands to one operation at a time. If writes waited
for each other, letting answers that arrive together share one commit (group commit) would pay. Here our bot runs
with that lock timed (timed_lock_bot.py) while the latency benchmark's patients tap in closed loops, at 0 ms per Bot
API call (the most updates a second, so the most writes) and at 100 ms, with 60 and 300 patients. Within the
measured window it reports writes per second, the share of the time the lock was held, and how long writes waited
for it (p50, p95, the most) beside how long one held it: waits well under one hold mean commits do not queue.
"""

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.config import load_settings
from bot.local_api import Latency, LocalTelegram, LocalUser
from tests.benchmarks.answering import (
    CHECKINS_PER_PATIENT,
    LATE_REMINDER,
    Load,
    Replies,
    RunResult,
    closed_loops,
    launch,
)
from tests.benchmarks.harness import Figure, Scale, percentile
from tests.benchmarks.population import seed_patients
from tests.conftest import TEST_ENV

SECTION = "Commits"
TIMED_BOT = "tests.benchmarks.timed_lock_bot"
JITTER_MS = 20.0
_REPO = Path(__file__).resolve().parents[2]
Figures = list[Figure]


@dataclass(frozen=True)
class Plan:
    """How big the runs are: the crowds, the delays, and the closed loops' warm-up and measured seconds."""

    crowds: tuple[int, ...]
    latencies_ms: tuple[float, ...]
    warm_up: float
    measured: float


PLANS = {
    Scale.FULL: Plan((60, 300), (0.0, 100.0), 2.0, 10.0),
    Scale.SMOKE: Plan((3,), (0.0,), 0.1, 0.5),
}


@dataclass(frozen=True)
class Taking:
    """One operation's turn with the lock: a write or a read, when it got the lock, how long it waited and held it."""

    kind: str
    taken: float
    waited: float
    held: float


def _read(path: Path, window: tuple[float, float]) -> list[Taking]:
    """Return the lock's turns noted in path that began within the window."""
    start, end = window
    turns = []
    for line in path.read_text(encoding="ascii").splitlines():
        kind, taken, waited, held = line.split()
        if start <= float(taken) < end:
            turns.append(Taking(kind, float(taken), float(waited), float(held)))
    return turns


async def _timed_run(crowd: int, latency_ms: float, plan: Plan, workdir: Path, seeded: Path, ids: list[int]) -> Figures:
    """Run the timed bot with this crowd and delay; return the loop's result and the lock's turns in its window."""
    database, timings = workdir / f"bot-{crowd}-{latency_ms:g}.sqlite3", workdir / f"lock-{crowd}-{latency_ms:g}.txt"
    shutil.copyfile(seeded, database)
    env = {
        **TEST_ENV,
        "PTB_TIMEDELTA": "true",
        "PYTHONPATH": str(_REPO),
        "DATABASE_PATH": str(database),
        "LOCK_TIMINGS": str(timings),
    }
    load = Load(crowd, plan.warm_up, plan.measured, 1, (0.0, 0.0), 0.0)

    async def drive(_fake: LocalTelegram, users: list[LocalUser], replies: Replies, pid: int) -> RunResult:
        """Run the patients' closed loops against the started bot."""
        return await closed_loops(users, replies, load, pid, paced=False)

    latency = Latency(latency_ms, JITTER_MS if latency_ms else 0.0, seed=crowd)
    loop = await launch(TIMED_BOT, env, ids[:crowd], workdir / "bot.log", drive, latency=latency)
    return _figures(f"{latency_ms:g} ms, {crowd} patients", loop, _read(timings, loop.window))


def _figures(where: str, loop: RunResult, turns: list[Taking]) -> Figures:
    """Return one run's figures: updates and writes a second, the lock's busy share, writes' waits beside holds."""
    start, end = loop.window
    seconds = end - start
    writes = [turn for turn in turns if turn.kind == "write"]
    waits = [turn.waited * 1000 for turn in writes] or [0.0]
    holds = [turn.held * 1000 for turn in writes] or [0.0]
    busy = sum(turn.held for turn in turns) / seconds
    return [
        Figure(SECTION, f"{where}: updates answered", loop.updates_per_second, "updates/s"),
        Figure(SECTION, f"{where}: writes (each its own commit)", len(writes) / seconds, "writes/s"),
        Figure(SECTION, f"{where}: lock held, share of the time", busy * 100, "%"),
        Figure(SECTION, f"{where}: a write held the lock, p50", percentile(holds, 0.5), "ms"),
        Figure(SECTION, f"{where}: a write waited for the lock, p50", percentile(waits, 0.5), "ms"),
        Figure(SECTION, f"{where}: a write waited for the lock, p95", percentile(waits, 0.95), "ms"),
        Figure(SECTION, f"{where}: a write waited for the lock, most", max(waits), "ms"),
    ]


async def run(scale: Scale) -> list[Figure]:
    """Seed the largest crowd once; run the timed bot for each delay and crowd on a fresh copy of it."""
    plan = PLANS[scale]
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="commits-") as folder:
        workdir = Path(folder)
        seeded = workdir / "seeded.sqlite3"
        today = datetime.now(load_settings(TEST_ENV).clinic_timezone).date()
        ids = await seed_patients(
            seeded,
            max(plan.crowds),
            today=today,
            checkins_per_patient=CHECKINS_PER_PATIENT,
            reminder_time=LATE_REMINDER,
        )
        for latency_ms in plan.latencies_ms:
            for crowd in plan.crowds:
                figures += await _timed_run(crowd, latency_ms, plan, workdir, seeded, ids)
    return figures
