"""The Answering benchmark: updates per second and reply latency for many patients, beside a bare echo bot.

Each run starts a bot as a subprocess (`python -m bot`, or the bare `python -m tests.benchmarks.echo_bot`) against a
fresh fake Bot API server in this process. Every simulated patient sends one update (a command or a button press),
waits for the reply to reach the fake, then sends the next one (a closed loop); all patients do so at once. Patients
alternate menu visits (/menu and taps on its screens) with daily check-ins (/checkin and a tap per question); even
patients start with a check-in, odd ones with the menu, so the mix is there from the first second. The bare bot gets
the very same updates and answers each with the same kind of call: a text with sendMessage, a press with
answerCallbackQuery and editMessageText. Each round runs ours, then each bare bot (BARE_BOTS), so noise hits them all;
each throughput ratio is taken within a round, and every figure is the median over the rounds.

Latency is the time from an update being queued at the fake to the bot's reply call (the first sendMessage or edit
to that chat) reaching it. Only replies within the measured window count; the warm-up before it lasts until every
patient has had a reply, so the first burst of updates is left out. The environment is the tests' (TEST_ENV):
FLOOD_MAX_UPDATES is 1000, the highest allowed, so no patient is slowed; at the rates measured each patient sends
under one update per second anyway, far below the default 20 per 10 seconds.
"""

import asyncio
import contextlib
import itertools
import os
import random
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from time import monotonic
from typing import Any, TypeVar

from bot.config import load_settings
from bot.domain.checkin import SKIPPED
from bot.local_api import ApiCall, Latency, LocalTelegram, LocalUser
from bot.telegram import callbacks
from tests.benchmarks.harness import Figure, Scale, median, percentile
from tests.benchmarks.population import seed_patients
from tests.checkin_steps import with_answers
from tests.conftest import TEST_ENV

T = TypeVar("T")
SECTION = "Answering"
OUR_BOT = "bot"
BARE_BOT = "tests.benchmarks.echo_bot"
TARGET_RATIO = 0.8
OURS, PACED = "ours", "ours paced"
SCREEN_ECHO, SCREEN_ECHO_AT_ONCE, PLAIN_ECHO = "screen echo", "screen echo, chats at once", "plain echo"
# How the bare bot replies, and whether it handles several chats at once as ours does (see echo_bot.py).
ECHO_ENV = {
    SCREEN_ECHO: {"ECHO_REPLY": "screen"},
    SCREEN_ECHO_AT_ONCE: {"ECHO_REPLY": "screen", "ECHO_AT_ONCE": "per_chat"},
    PLAIN_ECHO: {"ECHO_REPLY": "echo"},
}
REPLY_TIMEOUT_SECONDS = 60.0  # an update without a reply by then counts as unanswered
READY_TIMEOUT_SECONDS = 60.0
LATE_REMINDER = time(23, 59)  # seeded patients' reminders stay out of the measured minutes
CHECKINS_PER_PATIENT = 7  # a week of history, which every check-in answer is triaged against
_REPLY_METHODS = frozenset({"sendmessage", "editmessagetext", "editmessagereplymarkup", "sendphoto", "senddocument"})
_REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Load:
    """How big the runs are: patients, seconds of measuring, and how many pairs of runs.

    The warm-up lasts until every patient has had a reply (the first burst is over), then `warm_up` seconds more.
    """

    patients: int
    warm_up: float
    measured: float
    pairs: int
    pause: tuple[float, float]  # a paced patient reads for this long (uniformly, seconds) before each tap
    paced_measured: float


LOADS = {
    Scale.FULL: Load(1000, 2.0, 15.0, 3, (10.0, 30.0), 30.0),
    Scale.SMOKE: Load(10, 0.2, 0.5, 1, (0.05, 0.2), 0.5),
}
# The yardsticks, as the table names them: the bare bot (echo_bot.py), one update at a time as a bare bot is, with
# replies like ours (so that only our handlers, storage and update processor differ), then also several chats at once
# as ours (so that only our handlers and storage differ), and the plain echo bot.
BARE_BOTS = {
    SCREEN_ECHO: "bare bot replying our menu screen",
    SCREEN_ECHO_AT_ONCE: "bare bot replying our menu screen, chats at once like ours",
    PLAIN_ECHO: "bare echo bot (short replies)",
}


@dataclass(frozen=True)
class Step:
    """One update a patient sends: a text (a command) or a press on a button with this callback data."""

    value: str
    press: bool


def _presses(*data: str) -> tuple[Step, ...]:
    """Return button presses with these callback data."""
    return tuple(Step(value, press=True) for value in data)


MENU_SCREENS = ("normal", "main", "tell_apart", "tell_breakout", "main")
MENU_VISIT = (Step("/menu", press=False), *_presses(*(callbacks.menu(screen) for screen in MENU_SCREENS)))
# No pain, so that it never goes up from the seeded history: triage stays below an alert to the clinic, and each
# answer gets exactly one reply.
CALM_DAY = with_answers(pain="0")
CHECKIN_ANSWERS = _presses(
    *(callbacks.checkin_answer(question, SKIPPED if value == "skip" else value) for question, value in CALM_DAY)
)


def patient_turns(index: int) -> Iterator[tuple[Step, ...]]:
    """Yield a patient's turns for ever: check-ins and menu visits in turn, even patients starting with a check-in.

    Each turn starts with a command, so it needs no message from the turn before. After the first check-in of the
    day, /checkin offers "check in again", which the patient presses.
    """
    checkins = 0
    for turn in itertools.count(index % 2):
        if turn % 2:
            yield MENU_VISIT
            continue
        again = _presses(callbacks.CHECKIN_AGAIN) if checkins else ()
        yield (Step("/checkin", press=False), *again, *CHECKIN_ANSWERS)
        checkins += 1


def patient_steps(index: int) -> Iterator[Step]:
    """Yield a patient's updates for ever: their turns one after another."""
    return itertools.chain.from_iterable(patient_turns(index))


@dataclass(frozen=True)
class RunResult:
    """What one run of one bot measured within its window."""

    updates_per_second: float
    latencies: list[float]  # seconds, one per reply in the window
    cpu_per_update: float  # seconds of the bot process's CPU per reply in the window
    unanswered: int
    window: tuple[float, float] = (0.0, 0.0)  # when it measured: monotonic seconds


class Replies:
    """Hands each reply call reaching the fake to the patient waiting in that chat."""

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[tuple[ApiCall, Any]]] = {}

    def expect(self, chat_id: int) -> asyncio.Future[tuple[ApiCall, Any]]:
        """Return the future that the next reply to this chat resolves."""
        future = self._waiting[chat_id] = asyncio.get_running_loop().create_future()
        return future

    def forget(self, chat_id: int) -> None:
        """Stop waiting for a reply to this chat."""
        self._waiting.pop(chat_id, None)

    def heard(self, call: ApiCall, result: Any) -> None:
        """Resolve the waiting patient's future with a reply call (a listener of the fake)."""
        if call.method.lower() not in _REPLY_METHODS:
            return
        future = self._waiting.pop(int(call.params.get("chat_id") or 0), None)
        if future is not None and not future.done():
            future.set_result((call, result))


@dataclass
class Crowd:
    """What the patients of one run share: their replies' timings, the end of their first round, the stop signal."""

    size: int
    timings: list[tuple[float, float]] = field(default_factory=list)  # (queued, replied), monotonic seconds
    first_replies: int = 0
    first_round_done: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def replied(self, queued: float, replied: float, *, first: bool) -> None:
        """Record one reply; once every patient has had a first one, the warm-up's first round is done."""
        self.timings.append((queued, replied))
        self.first_replies += first
        if self.first_replies == self.size:
            self.first_round_done.set()


async def patient_loop(
    user: LocalUser,
    steps: Iterator[Step],
    replies: Replies,
    crowd: Crowd,
    pause: Callable[[], float] | None = None,
    *,
    reply_within: float = REPLY_TIMEOUT_SECONDS,
) -> int:
    """Send a patient's updates, each once the one before was answered (and, if paced, after a pause to read).

    Return 1 if an update went unanswered, else 0.
    """
    message_id = 0  # the bot's newest message in the chat: what the patient's presses are on
    answered = False
    for step in steps:
        if pause is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(crowd.stop.wait(), pause())
        if crowd.stop.is_set():
            return 0
        reply = replies.expect(user.chat_id)
        queued = monotonic()
        if step.press:
            await user.press_data(step.value, message_id)
        else:
            await user.send(step.value)
        try:
            call, result = await asyncio.wait_for(reply, reply_within)
        except TimeoutError:
            replies.forget(user.chat_id)
            return 1
        crowd.replied(queued, call.time, first=not answered)
        answered = True
        if call.method.lower() == "sendmessage":
            message_id = int(result["message_id"])
    return 0


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def closed_loops(users: list[LocalUser], replies: Replies, load: Load, pid: int, *, paced: bool) -> RunResult:
    """Run every patient's closed loop: warm up until each has had a reply and a little more, then measure.

    Flat out (not paced), the loop finds the most the bot can answer; paced, the latency a patient sees at the load
    that many patients reading between taps make.
    """
    crowd = Crowd(len(users))
    patients = [
        asyncio.create_task(
            patient_loop(user, patient_steps(index), replies, crowd, _pauser(index, load.pause) if paced else None)
        )
        for index, user in enumerate(users)
    ]
    with contextlib.suppress(TimeoutError):  # a patient left unanswered is counted below
        await asyncio.wait_for(crowd.first_round_done.wait(), REPLY_TIMEOUT_SECONDS + load.pause[1])
    await asyncio.sleep(load.warm_up)
    started, cpu_before = monotonic(), cpu_seconds(pid)
    await asyncio.sleep(load.paced_measured if paced else load.measured)
    ended, cpu_after = monotonic(), cpu_seconds(pid)
    crowd.stop.set()
    unanswered = sum(await asyncio.gather(*patients))
    latencies = [replied - queued for queued, replied in crowd.timings if started <= replied < ended]
    return RunResult(
        updates_per_second=len(latencies) / (ended - started),
        latencies=latencies,
        cpu_per_update=(cpu_after - cpu_before) / max(1, len(latencies)),
        unanswered=unanswered,
        window=(started, ended),
    )


def _pauser(index: int, bounds: tuple[float, float]) -> Callable[[], float]:
    """Return patient `index`'s reading pauses: uniform within bounds, the same every run (seeded by the index)."""
    draw = random.Random(index)
    return lambda: draw.uniform(*bounds)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Stop a bot with SIGTERM, as a service manager would; kill it if it does not exit in time."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=30)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _run(
    module: str, env: Mapping[str, str], user_ids: list[int], load: Load, log: Path, *, paced: bool = False
) -> RunResult:
    """Start one bot against a fresh fake server, drive the patients through it, and stop it."""

    async def drive(_fake: LocalTelegram, users: list[LocalUser], replies: Replies, pid: int) -> RunResult:
        """Run the patients' closed loops against the started bot."""
        return await closed_loops(users, replies, load, pid, paced=paced)

    return await launch(module, env, user_ids, log, drive)


async def launch(
    module: str,
    env: Mapping[str, str],
    user_ids: list[int],
    log: Path,
    drive: Callable[[LocalTelegram, list[LocalUser], Replies, int], Awaitable[T]],
    *,
    latency: Latency | None = None,
    prefix: Sequence[str] = (),
    ready_within: float | None = None,
) -> T:
    """Start a bot (this module) against a fresh fake server with this latency, `drive` its patients, and stop it.

    `drive` gets the fake, the patients, the replies they wait on and the bot's process id, once the bot is polling.
    `prefix` runs the bot under another program (valgrind), which may need `ready_within` seconds to start it.
    """
    fake = LocalTelegram()
    fake.latency = latency
    await fake.start()
    try:
        fake.group(int(TEST_ENV["STAFF_CHAT_ID"]), "Clinic staff")
        users = [fake.user(user_id, f"Patient {index}") for index, user_id in enumerate(user_ids)]
        replies = Replies()
        fake.call_listeners.append(replies.heard)
        with log.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                *prefix,
                sys.executable,
                "-m",
                module,
                cwd=log.parent,
                env={**os.environ, **env, "TELEGRAM_API_URL": fake.url},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
            )
        try:
            await fake.wait_polling(timeout=ready_within or READY_TIMEOUT_SECONDS)
            return await drive(fake, users, replies, process.pid)
        finally:
            await _stop(process)
    finally:
        await fake.stop()


def _figures(runs: dict[str, list[RunResult]], load: Load) -> list[Figure]:
    """Turn the runs into the table's figures: medians over the rounds, each ratio taken within its round."""
    ours, paced = runs[OURS], runs[PACED]

    def ratio(over: list[RunResult]) -> float:
        """Return the median, over the rounds, of our throughput over another bot's in the same round."""
        return median(
            [mine.updates_per_second / theirs.updates_per_second for mine, theirs in zip(ours, over, strict=True)]
        )

    patients = f"{load.patients:,} patients"
    figures = [Figure(SECTION, f"updates/s flat out, our bot, {patients}", _median(ours, "rate"), "updates/s")]
    figures += [
        Figure(SECTION, f"updates/s flat out, {name}", _median(runs[kind], "rate"), "updates/s")
        for kind, name in BARE_BOTS.items()
    ]
    figures += [
        Figure(SECTION, f"throughput, ours / {name}", versus, "", f">= {TARGET_RATIO}", versus >= TARGET_RATIO)
        for name, versus in ((name, ratio(runs[kind])) for kind, name in BARE_BOTS.items())
    ]
    figures += [
        Figure(
            SECTION,
            f"load while paced ({patients} reading {load.pause[0]:g}-{load.pause[1]:g} s per tap)",
            _median(paced, "rate"),
            "updates/s",
        ),
    ]
    figures += [
        Figure(SECTION, f"latency p{share}, paced, our bot", _median(paced, f"p{share}") * 1000, "ms")
        for share in (50, 95, 99)
    ]
    figures.append(Figure(SECTION, "CPU per update, our bot", _median(ours, "cpu") * 1000, "ms"))
    figures += [
        Figure(SECTION, f"CPU per update, {name}", _median(runs[kind], "cpu") * 1000, "ms")
        for kind, name in BARE_BOTS.items()
    ]
    unanswered = sum(run.unanswered for run in (*ours, *paced))
    figures.append(Figure(SECTION, "updates our bot left unanswered", unanswered, "", "0", unanswered == 0))
    return figures


def _median(runs: list[RunResult], what: str) -> float:
    """Return the median over runs of one figure: "rate", "cpu", or a latency percentile such as "p95"."""
    if what == "rate":
        return median([run.updates_per_second for run in runs])
    if what == "cpu":
        return median([run.cpu_per_update for run in runs])
    return median([percentile(run.latencies, int(what[1:]) / 100) for run in runs])


async def run(scale: Scale) -> list[Figure]:
    """Seed the patients once, then run our bot and the bare bot in turn, each on a fresh copy of the database."""
    load = LOADS[scale]
    with tempfile.TemporaryDirectory(prefix="answering-") as folder:
        workdir = Path(folder)
        seeded = workdir / "seeded.sqlite3"
        today = datetime.now(load_settings(TEST_ENV).clinic_timezone).date()
        user_ids = await seed_patients(
            seeded, load.patients, today=today, checkins_per_patient=CHECKINS_PER_PATIENT, reminder_time=LATE_REMINDER
        )
        env = {**TEST_ENV, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(_REPO)}
        runs: dict[str, list[RunResult]] = {OURS: [], **{kind: [] for kind in BARE_BOTS}, PACED: []}
        for round_number in range(load.pairs):  # each round runs every bot once, so noise hits them all
            for kind in runs:
                database = workdir / f"bot-{round_number}-{kind}.sqlite3"
                shutil.copyfile(seeded, database)
                module = OUR_BOT if kind in (OURS, PACED) else BARE_BOT
                kind_env = {**env, "DATABASE_PATH": str(database), **ECHO_ENV.get(kind, {})}
                log = workdir / f"{kind}.log"
                runs[kind].append(await _run(module, kind_env, user_ids, load, log, paced=kind == PACED))
    return _figures(runs, load)
