"""The Latency benchmark: answering when every Bot API call takes as long as it does on the real Telegram.

Against a local server a call takes well under a millisecond, so waiting on the network costs nothing and any
number of updates in flight looks enough; a real bot waits 30-150 ms for each call. Here the fake delays every call
but getUpdates (bot/local_api/limits.py, Latency) by 0 ms and by 100 ms ± 20 ms, and for each delay two crowds, 60
and 300 patients, go through our bot and through the bare python-telegram-bot bot replying the same screen with 256
updates in flight (echo_bot.py, ECHO_AT_ONCE=256), in turn within each round so that noise hits both:
- *at once*: every patient has the main menu open and all tap a menu button at the same moment, BURSTS times; the
  time to each patient's screen changing (the edit reaching the fake) gives p50, p95 and the drain (the first tap
  to the last screen changed);
- *closed loops*: every patient taps again as soon as they are answered, mixing menu visits and check-ins as in
  the Answering benchmark; it gives updates per second, CPU per update and Bot API calls per update.
Figures are medians over the rounds; each ratio to the bare bot is taken within its round. `LATENCY_IN_FLIGHT=4,16`
also runs our bot at those numbers of updates in flight (tuned_bot.py), to choose the setting by measurement, and
`LATENCY_BEFORE=/path/to/an/older/checkout` runs that checkout's bot too, for a before and after in the same rounds,
and `LATENCY_MS=0` runs only the delays listed.
"""

import asyncio
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import monotonic

from bot.config import load_settings
from bot.local_api import ApiCall, Latency, LocalTelegram, LocalUser
from bot.telegram import callbacks
from bot.telegram.update_order import MAX_CONCURRENT_UPDATES
from tests.benchmarks.answering import (
    BARE_BOT,
    CHECKINS_PER_PATIENT,
    LATE_REMINDER,
    OUR_BOT,
    REPLY_TIMEOUT_SECONDS,
    Load,
    Replies,
    RunResult,
    closed_loops,
    launch,
)
from tests.benchmarks.harness import Figure, Scale, median, percentile
from tests.benchmarks.population import seed_patients, seed_with
from tests.conftest import TEST_ENV

SECTION = "Latency"
JITTER_MS = 20.0
BARE = "bare bot, 256 in flight"
TUNED_BOT = "tests.benchmarks.tuned_bot"
_REPO = Path(__file__).resolve().parents[2]
P95_TARGET, THROUGHPUT_TARGET, CPU_TARGET = 1.3, 0.8, 1.25
BURST_SCREENS = ("normal", "main")  # each burst moves every patient's menu to the other screen
SETTLE_SECONDS = 0.5  # between bursts, so that each starts with nothing in flight


@dataclass(frozen=True)
class Plan:
    """How big the runs are: the crowds, the delays, bursts per run, the closed loops' seconds, and rounds."""

    crowds: tuple[int, ...]
    latencies_ms: tuple[float, ...]
    bursts: int
    warm_up: float
    measured: float
    rounds: int


PLANS = {
    Scale.FULL: Plan((60, 300), (0.0, 100.0), 3, 1.0, 6.0, 2),
    Scale.SMOKE: Plan((3,), (20.0,), 1, 0.1, 0.3, 1),
}


@dataclass
class Measured:
    """What one run of one bot measured: the bursts' latencies and drains, the closed loop, its calls by method."""

    burst_latencies: list[list[float]] = field(default_factory=list)
    drains: list[float] = field(default_factory=list)
    loop: RunResult | None = None
    calls: Counter[str] = field(default_factory=Counter)
    peak_rss_mb: float = 0.0


async def _open_menus(users: list[LocalUser], replies: Replies) -> list[int]:
    """Have every patient open the main menu (/menu) and return each one's menu message id."""

    async def open_one(user: LocalUser) -> int:
        """Send /menu and wait for the menu."""
        reply = replies.expect(user.chat_id)
        await user.send("/menu")
        _call, result = await asyncio.wait_for(reply, REPLY_TIMEOUT_SECONDS)
        return int(result["message_id"])

    return list(await asyncio.gather(*(open_one(user) for user in users)))


async def _burst(
    users: list[LocalUser], message_ids: list[int], replies: Replies, screen: str
) -> list[tuple[float, float]]:
    """Have every patient tap the same menu button at once; return (tapped, screen changed) per patient."""
    waiting = [replies.expect(user.chat_id) for user in users]
    tapped: list[float] = []
    for user, message_id in zip(users, message_ids, strict=True):
        tapped.append(monotonic())
        await user.press_data(callbacks.menu(screen), message_id)
    answered = await asyncio.gather(*(asyncio.wait_for(reply, REPLY_TIMEOUT_SECONDS) for reply in waiting))
    return [(start, call.time) for start, (call, _result) in zip(tapped, answered, strict=True)]


def _driver(
    plan: Plan, measured: Measured
) -> Callable[[LocalTelegram, list[LocalUser], Replies, int], Awaitable[None]]:
    """Return the driver of one run: the menus opened, the bursts, then the closed loops, filling `measured`."""

    async def drive(fake: LocalTelegram, users: list[LocalUser], replies: Replies, pid: int) -> None:
        """Measure the bursts, then the closed loops, counting the calls made within their window."""
        message_ids = await _open_menus(users, replies)
        for burst in range(plan.bursts):
            await asyncio.sleep(SETTLE_SECONDS)
            timings = await _burst(users, message_ids, replies, BURST_SCREENS[burst % len(BURST_SCREENS)])
            measured.burst_latencies.append([changed - tapped for tapped, changed in timings])
            measured.drains.append(max(changed for _tapped, changed in timings) - timings[0][0])
        calls: list[ApiCall] = []
        fake.call_listeners.append(lambda call, _result: calls.append(call))
        load = Load(len(users), plan.warm_up, plan.measured, 1, (0.0, 0.0), 0.0)
        measured.loop = loop = await closed_loops(users, replies, load, pid, paced=False)
        start, end = loop.window
        measured.calls.update(call.method for call in calls if start <= call.time < end)
        measured.peak_rss_mb = _peak_rss_mb(pid)

    return drive


def _peak_rss_mb(pid: int) -> float:
    """Return the most memory a process has held so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass(frozen=True)
class Contender:
    """One bot the benchmark runs: its name in the table, its module and the environment it adds."""

    name: str
    module: str
    env: dict[str, str]


def contenders() -> list[Contender]:
    """Return our bot as shipped, the bare bot, and our bot at each setting LATENCY_IN_FLIGHT asks for."""
    ours = Contender(f"our bot ({MAX_CONCURRENT_UPDATES} in flight)", OUR_BOT, {})
    bare = Contender(BARE, BARE_BOT, {"ECHO_REPLY": "screen", "ECHO_AT_ONCE": "256"})
    settings = [int(text) for text in os.environ.get("LATENCY_IN_FLIGHT", "").split(",") if text.strip()]
    tuned = [
        Contender(f"our bot, {count} in flight", TUNED_BOT, {"BENCH_IN_FLIGHT": str(count)})
        for count in settings
        if count != MAX_CONCURRENT_UPDATES
    ]
    before = os.environ.get("LATENCY_BEFORE", "")
    older = [Contender("our bot before", OUR_BOT, {"PYTHONPATH": before})] if before else []
    return [ours, bare, *tuned, *older]


async def seed_databases(bots: list[Contender], workdir: Path, count: int) -> tuple[dict[str, Path], list[int]]:
    """Seed `count` patients once per checkout the bots run, in its own schema; return each bot's database, the ids.

    An older checkout (LATENCY_BEFORE) may not open a database migrated by this one, so it gets its own, seeded by
    its own code with the same patients.
    """
    today = datetime.now(load_settings(TEST_ENV).clinic_timezone).date()
    ours = workdir / "seeded.sqlite3"
    user_ids = await seed_patients(
        ours, count, today=today, checkins_per_patient=CHECKINS_PER_PATIENT, reminder_time=LATE_REMINDER
    )
    by_checkout = {"": ours}
    for checkout in {bot.env.get("PYTHONPATH", "") for bot in bots} - {""}:
        seeded = by_checkout[checkout] = workdir / f"seeded-{len(by_checkout)}.sqlite3"
        await seed_with(
            checkout, seeded, count, today=today, checkins_per_patient=CHECKINS_PER_PATIENT, reminder_time=LATE_REMINDER
        )
    return {bot.name: by_checkout[bot.env.get("PYTHONPATH", "")] for bot in bots}, user_ids


async def run(scale: Scale) -> list[Figure]:
    """Seed the largest crowd once; for each delay and crowd, run every contender in turn, round after round."""
    plan = PLANS[scale]
    bots = contenders()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="latency-") as folder:
        workdir = Path(folder)
        seeded, user_ids = await seed_databases(bots, workdir, max(plan.crowds))
        env = {**TEST_ENV, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(_REPO)}
        listed = tuple(float(text) for text in os.environ.get("LATENCY_MS", "").split(",") if text.strip())
        for latency_ms in listed or plan.latencies_ms:
            for crowd in plan.crowds:
                runs: dict[str, list[Measured]] = {contender.name: [] for contender in bots}
                for round_number in range(plan.rounds):
                    for contender in bots:
                        database = workdir / f"bot-{round_number}.sqlite3"
                        shutil.copyfile(seeded[contender.name], database)
                        measured = Measured()
                        await launch(
                            contender.module,
                            {**env, "DATABASE_PATH": str(database), **contender.env},
                            user_ids[:crowd],
                            workdir / "bot.log",
                            _driver(plan, measured),
                            latency=Latency(latency_ms, JITTER_MS if latency_ms else 0.0, seed=round_number),
                        )
                        runs[contender.name].append(measured)
                figures += _figures(runs, latency_ms, crowd, bots)
    return figures


def _figures(
    runs: dict[str, list[Measured]], latency_ms: float, crowd: int, contenders: list[Contender]
) -> list[Figure]:
    """Turn one delay's and crowd's runs into figures: each contender's, then ours over the bare bot's."""
    where = f"{latency_ms:g} ms, {crowd} patients"
    figures: list[Figure] = []
    for contender in contenders:
        measured = runs[contender.name]
        who = f"{where}, {contender.name}"
        figures += [
            Figure(SECTION, f"{who}: at once, p50", _burst_median(measured, 0.50) * 1000, "ms"),
            Figure(SECTION, f"{who}: at once, p95", _burst_median(measured, 0.95) * 1000, "ms"),
            Figure(
                SECTION,
                f"{who}: at once, all answered after",
                median([m for r in measured for m in r.drains]) * 1000,
                "ms",
            ),
            Figure(
                SECTION,
                f"{who}: closed loops, updates/s",
                median([_loop(r).updates_per_second for r in measured]),
                "updates/s",
            ),
            Figure(
                SECTION,
                f"{who}: closed loops, CPU per update",
                median([_loop(r).cpu_per_update for r in measured]) * 1000,
                "ms",
            ),
            Figure(
                SECTION,
                f"{who}: closed loops, Bot API calls per update",
                median([_calls_per_update(r) for r in measured]),
                "",
            ),
            Figure(SECTION, f"{who}: peak RSS", median([r.peak_rss_mb for r in measured]), "MB"),
        ]
    ours, bare = runs[contenders[0].name], runs[BARE]
    p95 = median([_p95(mine) / _p95(theirs) for mine, theirs in zip(ours, bare, strict=True)])
    rate = median(
        [
            _loop(mine).updates_per_second / _loop(theirs).updates_per_second
            for mine, theirs in zip(ours, bare, strict=True)
        ]
    )
    cpu = median(
        [_loop(mine).cpu_per_update / _loop(theirs).cpu_per_update for mine, theirs in zip(ours, bare, strict=True)]
    )
    at_latency = latency_ms > 0
    figures += [
        _ratio(
            f"{where}: at once, p95, ours / bare",
            p95,
            f"<= {P95_TARGET}" if at_latency and crowd <= 60 else "",
            p95 <= P95_TARGET,
        ),
        _ratio(
            f"{where}: closed loops, updates/s, ours / bare",
            rate,
            "" if at_latency else f">= {THROUGHPUT_TARGET}",
            rate >= THROUGHPUT_TARGET,
        ),
        _ratio(
            f"{where}: closed loops, CPU per update, ours / bare",
            cpu,
            "" if at_latency else f"<= {CPU_TARGET}",
            cpu <= CPU_TARGET,
        ),
    ]
    unanswered = sum(_loop(r).unanswered for r in ours)
    figures.append(Figure(SECTION, f"{where}: updates our bot left unanswered", unanswered, "", "0", unanswered == 0))
    return figures


def _ratio(name: str, value: float, target: str, met: bool) -> Figure:
    """Return a ratio figure, held to its target when it has one."""
    return Figure(SECTION, name, value, "", target, met if target else None)


def _loop(measured: Measured) -> RunResult:
    """Return a run's closed-loop result (every run has one once driven)."""
    if measured.loop is None:
        raise RuntimeError("a run ended without its closed loops")
    return measured.loop


def _p95(measured: Measured) -> float:
    """Return the median over a run's bursts of their p95 latency."""
    return median([percentile(latencies, 0.95) for latencies in measured.burst_latencies])


def _burst_median(runs: list[Measured], share: float) -> float:
    """Return the median over every burst of every run of the latency below which `share` of the taps fall."""
    return median([percentile(latencies, share) for run in runs for latencies in run.burst_latencies])


def _calls_per_update(measured: Measured) -> float:
    """Return the Bot API calls (but getUpdates) per update answered in the closed loops' window."""
    calls = sum(count for method, count in measured.calls.items() if method.lower() != "getupdates")
    return calls / max(1, len(_loop(measured).latencies))
