"""Start-up and memory: `python -m bot` on a database of N patients due a reminder, against the fake Bot API server.

Time to ready is from starting the process to its "bot ready" log line (the end of post_init, logged at INFO). The
first job run starts FIRST_JOB_DELAY_SECONDS after that and sends every patient today's reminder (each is seeded
with the current minute as reminder time, so it is on time); its time is from its start to the last reminder
reaching the fake server. Peak RSS is the process's VmHWM, read once that run has sent every reminder (or at a cap,
where the run's time is worked out from its rate), before stopping it. `STARTUP_SIZES=10000` starts only at the
sizes listed (each still several times).
"""

import asyncio
import contextlib
import itertools
import os
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app.root import FIRST_JOB_DELAY_SECONDS, utc_now
from bot.config import load_settings
from bot.local_api import ApiCall, LocalTelegram
from tests.benchmarks.harness import Figure, Scale, median
from tests.benchmarks.population import seed_patients
from tests.conftest import TEST_ENV
from tests.test_process import STAFF_CHAT, BotProcess, launch

SECTION = "start-up"
TARGET_PATIENTS = 10_000
READY_TARGET_SECONDS, RSS_TARGET_MB = 5.0, 150.0
READY_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.005


@dataclass(frozen=True)
class Plan:
    """The sizes a scale starts the bot at, how many runs each, and how long to wait for the first job run."""

    sizes: tuple[int, ...]
    runs: int
    job_cap_seconds: float


PLANS = {
    Scale.FULL: Plan(sizes=(1_000, 10_000, 100_000), runs=3, job_cap_seconds=150.0),
    Scale.SMOKE: Plan(sizes=(100,), runs=1, job_cap_seconds=1.0),  # one start: each waits for the first job run
}


@dataclass(frozen=True)
class Start:
    """What one start-up measured."""

    ready_seconds: float
    peak_rss_mb: float
    reminders: int
    job_seconds: float  # from the first job run's start to its last reminder, or to the cap when it was not done
    job_done: bool


async def run(scale: Scale) -> list[Figure]:
    """Start the bot at each size, several times, and report the medians and how they grow from size to size."""
    plan = PLANS[scale]
    figures: list[Figure] = []
    ready_by_size: dict[int, float] = {}
    rss_by_size: dict[int, float] = {}
    listed = tuple(int(text) for text in os.environ.get("STARTUP_SIZES", "").split(",") if text.strip())
    for size in listed or plan.sizes:
        starts = [await _start_once(size, plan.job_cap_seconds) for _ in range(plan.runs)]
        ready_by_size[size] = median([start.ready_seconds for start in starts])
        rss_by_size[size] = median([start.peak_rss_mb for start in starts])
        figures.extend(_figures(size, starts, ready_by_size[size], rss_by_size[size]))
    figures.extend(_growth("time to ready", ready_by_size))
    figures.extend(_growth("peak RSS", rss_by_size))
    return figures


def _figures(size: int, starts: list[Start], ready: float, rss: float) -> list[Figure]:
    """Return one size's figures; the targets apply at TARGET_PATIENTS."""
    held = size == TARGET_PATIENTS
    patients = f"{size:,} patients"
    reminder_rate = median([start.reminders / start.job_seconds for start in starts])
    figures = [
        Figure(
            SECTION,
            f"time to ready, {patients}",
            ready,
            "s",
            f"< {READY_TARGET_SECONDS:.0f} s" if held else "",
            ready < READY_TARGET_SECONDS if held else None,
        ),
        Figure(
            SECTION,
            f"peak RSS, {patients}",
            rss,
            "MB",
            f"< {RSS_TARGET_MB:.0f} MB" if held else "",
            rss < RSS_TARGET_MB if held else None,
        ),
    ]
    if all(start.job_done for start in starts):
        job_name, job = f"first job run, {patients}", median([start.job_seconds for start in starts])
    else:  # the cap came first: the whole run at the rate measured until then
        job_name, job = f"first job run, {patients} (from its rate until the cap)", size / reminder_rate
    figures.append(Figure(SECTION, job_name, job, "s"))
    figures.append(Figure(SECTION, f"first job run reminder rate, {patients}", reminder_rate, "reminders/s"))
    return figures


def _growth(name: str, by_size: dict[int, float]) -> list[Figure]:
    """Return how a figure grows from each size to the next, as a ratio."""
    sizes = sorted(by_size)
    return [
        Figure(SECTION, f"{name} growth {small:,} -> {large:,}", by_size[large] / by_size[small], "x")
        for small, large in itertools.pairwise(sizes)
    ]


async def _start_once(size: int, job_cap_seconds: float) -> Start:
    """Seed `size` patients, start the bot, wait for ready and for the first job run's reminders, then stop it."""
    fake = LocalTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        try:
            env = {
                **TEST_ENV,
                "TELEGRAM_API_URL": fake.url,
                "DATABASE_PATH": f"{folder}/bot.sqlite3",
                "LOG_LEVEL": "INFO",
            }
            local_now = utc_now().astimezone(load_settings(env).clinic_timezone)
            fake.group(STAFF_CHAT, "Clinic staff")
            due_now = local_now.time().replace(second=0, microsecond=0)  # on time at the first job run
            seeded = await seed_patients(
                Path(folder) / "bot.sqlite3", size, today=local_now.date(), reminder_time=due_now
            )
            patients = set(seeded)
            for user_id in patients:
                fake.user(user_id, "Patient")
            reminders = Reminders(patients)
            fake.call_listeners.append(reminders.heard)
            started = time.monotonic()
            running = await launch(Path(folder), env)
            try:
                ready = await _wait_ready(running) - started
                job_start = started + ready + FIRST_JOB_DELAY_SECONDS
                await reminders.wait_all(job_start + job_cap_seconds)
                peak_rss = _peak_rss_mb(running.process.pid)
            finally:
                await running.stop(signal.SIGKILL)
        finally:
            await fake.stop()
    sent = len(reminders.arrivals)
    ended = reminders.arrivals[-1] if sent >= size else job_start + job_cap_seconds
    return Start(ready, peak_rss, sent, ended - job_start, sent >= size)


class Reminders:
    """Listens to the fake server: when each message to a seeded patient arrived, and whether all have."""

    def __init__(self, patients: set[int]) -> None:
        self.arrivals: list[float] = []
        self._patients = patients
        self._all_arrived = asyncio.Event()

    def heard(self, call: ApiCall, _result: Any) -> None:
        """Note a sendMessage to a seeded patient."""
        if call.method.lower() == "sendmessage" and call.params.get("chat_id") in self._patients:
            self.arrivals.append(call.time)
            if len(self.arrivals) >= len(self._patients):
                self._all_arrived.set()

    async def wait_all(self, deadline: float) -> None:
        """Wait until every patient has had a message, or the deadline."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_arrived.wait(), max(0.0, deadline - time.monotonic()))


async def _wait_ready(running: BotProcess) -> float:
    """Wait for the "bot ready" log line and return the moment it was seen."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while b"bot ready" not in running.stderr:
        if running.process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not get ready: {running.stderr.decode(errors='replace')[-2000:]}")
        await asyncio.sleep(POLL_SECONDS)
    return time.monotonic()


def _peak_rss_mb(pid: int) -> float:
    """Return the process's peak resident set size (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM is missing from /proc/PID/status")
