"""The Commits benchmark: whether writes queue for the database, and how many answers share a commit.

Every write (a check-in answer, its outcome, a delivery confirmed) is committed with synchronous=FULL before its
reply goes out, on the one connection that bot/storage/shared.py hands to one operation at a time. Single writes that
arrive while the connection is busy are committed together (group commit). Here our bot runs with the connection
timed (timed_lock_bot.py) while the latency benchmark's patients tap in closed loops, at 0 ms per Bot API call (the
most updates a second, so the most writes) and at 100 ms, with 60 and 300 patients, once with group commit and once
without (each single write committed on its own, as before). Within the measured window it reports single writes
and commits per second, writes per commit, the share of the time writes held the connection, how long a single
write took from being asked to being committed, and how long reads waited for the connection.
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
class Notes:
    """What the timed bot noted within a window: its turns of the connection, single writes and batches."""

    turns: list[tuple[str, float, float]]  # kind, waited, held
    writes: list[float]  # from asked to committed
    batches: list[int]  # sizes


def _read(path: Path, window: tuple[float, float]) -> Notes:
    """Return the notes in path whose moment falls within the window."""
    start, end = window
    notes = Notes([], [], [])
    for line in path.read_text(encoding="ascii").splitlines():
        what, *fields = line.split()
        if not start <= float(fields[-3 if what == "turn" else 0]) < end:
            continue
        if what == "turn":
            notes.turns.append((fields[0], float(fields[2]), float(fields[3])))
        elif what == "write":
            notes.writes.append(float(fields[1]))
        else:
            notes.batches.append(int(fields[1]))
    return notes


async def _timed_run(
    crowd: int, latency_ms: float, grouped: str, plan: Plan, workdir: Path, seeded: Path, ids: list[int]
) -> Figures:
    """Run the timed bot with this crowd, delay and group commit on or off; return the figures of its window."""
    name = f"{crowd}-{latency_ms:g}-{grouped}"
    database, timings = workdir / f"bot-{name}.sqlite3", workdir / f"lock-{name}.txt"
    shutil.copyfile(seeded, database)
    env = {
        **TEST_ENV,
        "PTB_TIMEDELTA": "true",
        "PYTHONPATH": str(_REPO),
        "DATABASE_PATH": str(database),
        "LOCK_TIMINGS": str(timings),
        "GROUP_COMMIT": grouped,
    }
    load = Load(crowd, plan.warm_up, plan.measured, 1, (0.0, 0.0), 0.0)

    async def drive(_fake: LocalTelegram, users: list[LocalUser], replies: Replies, pid: int) -> RunResult:
        """Run the patients' closed loops against the started bot."""
        return await closed_loops(users, replies, load, pid, paced=False)

    latency = Latency(latency_ms, JITTER_MS if latency_ms else 0.0, seed=crowd)
    loop = await launch(TIMED_BOT, env, ids[:crowd], workdir / "bot.log", drive, latency=latency)
    where = f"{latency_ms:g} ms, {crowd} patients, group commit {grouped}"
    return _figures(where, loop, _read(timings, loop.window))


def _figures(where: str, loop: RunResult, notes: Notes) -> Figures:
    """Return one run's figures: updates, writes and commits a second, writes per commit, holds and waits."""
    start, end = loop.window
    seconds = end - start
    transactions = sum(1 for kind, _, _ in notes.turns if kind == "transaction")
    # a write that found the connection free was committed alone, without queueing; the rest in their batches
    write_commits = len(notes.writes) - sum(notes.batches) + len(notes.batches)
    commits = write_commits + transactions
    to_commit = [took * 1000 for took in notes.writes] or [0.0]
    read_waits = [waited * 1000 for kind, waited, _ in notes.turns if kind == "read"] or [0.0]
    alone = sum(held for kind, _, held in notes.turns if kind != "read") / seconds
    return [
        Figure(SECTION, f"{where}: updates answered", loop.updates_per_second, "updates/s"),
        Figure(SECTION, f"{where}: single writes", len(notes.writes) / seconds, "writes/s"),
        Figure(SECTION, f"{where}: commits (batches of single writes, and transactions)", commits / seconds, "/s"),
        Figure(SECTION, f"{where}: single writes per commit", len(notes.writes) / max(1, write_commits), ""),
        Figure(SECTION, f"{where}: connection held by writes, share of the time", alone * 100, "%"),
        Figure(SECTION, f"{where}: a single write, asked to committed, p50", percentile(to_commit, 0.5), "ms"),
        Figure(SECTION, f"{where}: a single write, asked to committed, p95", percentile(to_commit, 0.95), "ms"),
        Figure(SECTION, f"{where}: a read waited for the connection, p50", percentile(read_waits, 0.5), "ms"),
        Figure(SECTION, f"{where}: a read waited for the connection, p95", percentile(read_waits, 0.95), "ms"),
    ]


async def run(scale: Scale) -> list[Figure]:
    """Seed the largest crowd once; run the timed bot for each delay, crowd and group commit on a fresh copy of it."""
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
                for grouped in ("on", "off"):
                    figures += await _timed_run(crowd, latency_ms, grouped, plan, workdir, seeded, ids)
    return figures
