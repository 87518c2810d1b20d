"""The Trips benchmark: database trips, commits and Bot API calls per kind of update, counted in process.

A trip is one round trip to aiosqlite's thread: every execute, execute_fetchall, cursor fetch, commit and rollback
goes through `aiosqlite.Connection._execute`, which is counted here (a test tool: a private name is fine in tests,
never in bot/). Each trip is a hop between threads, and a write holds the shared connection's lock across its trips.
Commits are counted too, each an fsync with
`synchronous = FULL`: a COMMIT, and a write run on its own (outside a transaction, committed when it ends). Bot API
calls are counted as they reach the fake. Both count only the work of the update itself: a context variable
is set when the Application takes the update, and the tasks its handlers start inherit it; the outbox's loops and
the jobs run outside it. A write that waited for a group commit runs in its caller's context, so it is counted for the
update that made it; the batch's BEGIN and COMMIT, shared by writes of several updates, are counted for none.

Each kind is measured on a patient of its own, first brought to where the update finds them by the updates a patient
sends (onboarding, a check-in partway through, an alert in the staff chat), then the one update is sent and counted.
The bot runs in process against the fake (tests/offline_request.py). tests/test_trips.py holds each kind to what is
counted here, so that a read added to an update fails a test.
"""

import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from telegram.ext import Application

from bot.config import load_settings
from bot.content.packs import LanguagePack, load_content
from bot.content.triage_rules import load_triage_rules
from bot.local_api import LocalTelegram, LocalUser
from bot.local_api.records import Reply
from bot.telegram import callbacks
from tests.benchmarks.harness import Figure, Scale
from tests.checkin_steps import answer_all, label_for, start_checkin, with_answers
from tests.conftest import TEST_ENV, Clock, RunningBot
from tests.journeys import accept_consent, onboard

SECTION = "Trips"
STAFF = 500  # in STAFF_USER_IDS of the test settings
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
FIRST_PATIENT = 8100


@dataclass
class Tally:
    """What one update cost: its trips to the database thread, the commits among them, and its Bot API calls."""

    trips: int = 0
    commits: int = 0
    calls: int = 0


_TALLY: ContextVar[Tally | None] = ContextVar("trips_tally", default=None)
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def counted(connection: aiosqlite.Connection, fn: Callable[..., Any], tally: Tally) -> Callable[..., Any]:
    """Return a trip's function counting, as it runs in the database thread, a commit when it made one.

    A COMMIT is one, and so is a write that left no transaction open: it ran on its own, committed when it ended. It
    is told when the trip runs, not when it is queued: a group commit queues its BEGIN, writes and COMMIT together.
    """

    def run(*args: Any, **kwargs: Any) -> Any:
        """Run the trip, then count its commit."""
        result = fn(*args, **kwargs)
        sql = args[0] if args and isinstance(args[0], str) else ""
        write = sql.lstrip().upper().startswith(_WRITES)
        committed = getattr(fn, "__name__", "") == "commit" or sql.strip().upper() == "COMMIT"
        tally.commits += int(committed or (write and not connection.in_transaction))
        return result

    return run


@dataclass
class Counter:
    """Counts each update's trips and Bot API calls, one tally per update the Application takes, in order."""

    tallies: list[Tally] = field(default_factory=list)

    @contextmanager
    def installed(self, fake: LocalTelegram) -> Iterator[None]:
        """Count while the block runs: trips through aiosqlite, updates through the Application, calls at the fake."""
        execute: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute  # untyped in aiosqlite
        process, answer = Application.process_update, fake.answer

        async def counted_trip(connection: aiosqlite.Connection, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
            """Count a trip for the update being handled, then make it."""
            if (tally := _TALLY.get()) is not None:
                tally.trips += 1
                fn = counted(connection, fn, tally)
            return await execute(connection, fn, *args, **kw)

        async def tallied(application: Application[Any, Any, Any, Any, Any, Any], update: object) -> None:
            """Handle an update with a tally of its own, which the tasks it starts share."""
            tally = Tally()
            self.tallies.append(tally)
            token = _TALLY.set(tally)
            try:
                await process(application, update)
            finally:
                _TALLY.reset(token)

        async def counted_call(method: str, token: str, raw: dict[str, Any]) -> Reply:
            """Count a Bot API call for the update making it, then answer it."""
            if (tally := _TALLY.get()) is not None:
                tally.calls += 1
            return await answer(method, token, raw)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(aiosqlite.Connection, "_execute", counted_trip)
            patch.setattr(Application, "process_update", tallied)
            patch.setattr(fake, "answer", counted_call)
            yield

    async def one(self, bot: RunningBot, sent: Awaitable[object]) -> Tally:
        """Send one update, wait until the bot has handled it, and return what it cost."""
        before = len(self.tallies)
        await sent
        await bot.settle()
        taken = self.tallies[before:]
        if len(taken) != 1:
            raise AssertionError(f"expected one update to be handled, got {len(taken)}")
        return taken[0]


@dataclass
class World:
    """The running bot, the fake, the English pack and the clock, with the counter and a new patient each time."""

    bot: RunningBot
    fake: LocalTelegram
    en: LanguagePack
    clock: Clock
    counter: Counter = field(default_factory=Counter)
    next_user: int = FIRST_PATIENT

    def user(self) -> LocalUser:
        """Return a user the bot has never seen."""
        self.next_user += 1
        return self.fake.user(self.next_user)

    async def patient(self) -> LocalUser:
        """Return a patient onboarded two days after treatment, with the main menu open."""
        user = self.user()
        await onboard(user, self.en, "date_2_days")
        return user

    async def checking_in(self, answers: list[tuple[str, str]]) -> LocalUser:
        """Return a patient partway through today's check-in, these answers given."""
        user = await self.patient()
        await start_checkin(user, self.en, day=2)
        if answers:
            await answer_all(user, self.en, answers)
        return user

    async def one(self, sent: Awaitable[object]) -> Tally:
        """Send one update and return what it cost."""
        return await self.counter.one(self.bot, sent)


async def menu_tap(world: World) -> Tally:
    """A tap on a menu screen's button, shown in place."""
    user = await world.patient()
    return await world.one(user.press_data(callbacks.menu("normal"), user.last_message().message_id))


async def menu_command(world: World) -> Tally:
    """/menu: the main menu as a new message."""
    user = await world.patient()
    return await world.one(user.send("/menu"))


async def start_known(world: World) -> Tally:
    """/start from a patient who is onboarded already."""
    user = await world.patient()
    return await world.one(user.send("/start"))


async def checkin_command(world: World) -> Tally:
    """/checkin: today's check-in started, its first question sent."""
    user = await world.patient()
    return await world.one(user.send("/checkin"))


async def checkin_answer(world: World) -> Tally:
    """A check-in answer that leads to the next question, in place."""
    user = await world.checking_in([])
    return await world.one(user.press(label_for(world.en, "breathing", "no")))


async def checkin_back(world: World) -> Tally:
    """Back: the last answer cleared, its question asked again."""
    user = await world.checking_in(with_answers()[:2])
    return await world.one(user.press_data(callbacks.CHECKIN_BACK, user.last_message().message_id))


async def checkin_cancel(world: World) -> Tally:
    """Cancel partway through, with nothing that needs a person."""
    user = await world.checking_in(with_answers()[:2])
    return await world.one(user.press_data(callbacks.CHECKIN_CANCEL, user.last_message().message_id))


async def last_answer(world: World) -> Tally:
    """The last answer: the check-in finished, its advice stored and given."""
    answers = with_answers()
    user = await world.checking_in(answers[:-1])
    question, value = answers[-1]
    return await world.one(user.press(label_for(world.en, question, value)))


async def typed_temperature(world: World) -> Tally:
    """A temperature typed at the temperature question (not a fever): the next question, as a new message."""
    answers = with_answers(fever="yes")
    user = await world.checking_in(answers[: [question for question, _ in answers].index("fever") + 1])
    return await world.one(user.send("37.2"))


async def typed_red_flag(world: World) -> Tally:
    """Typed words naming pus, no check-in open: the advice, the clinic's alert and the patient told."""
    user = await world.patient()
    return await world.one(user.send("there's pus in one spot"))


async def onboarding_press(world: World) -> Tally:
    """A quick treatment-date button after consent: the date saved, the health question asked."""
    user = world.user()
    await accept_consent(user, world.en)
    return await world.one(user.press(world.en.label("date_2_days")))


async def settings_press(world: World) -> Tally:
    """A reminder time chosen in /settings."""
    user = await world.patient()
    await user.send("/settings")
    await user.next_output()
    return await world.one(user.press_data(callbacks.reminder_time(time(9)), user.last_message().message_id))


async def staff_acknowledge(world: World) -> Tally:
    """Acknowledge pressed on an alert in the staff chat: the alert updated, the patient told."""
    await world.checking_in([("breathing", "no"), ("eyes", "yes")])  # an emergency: the check-in stops, alerting
    staff_chat = world.fake.group(STAFF_CHAT)
    alert = await staff_chat.next_output()
    return await world.one(
        staff_chat.press(world.fake.user(STAFF, "Dr Lee"), world.en.label("acknowledge"), message=alert)
    )


# Every kind of update counted, by the name the table and the test give it.
KINDS: dict[str, Callable[[World], Awaitable[Tally]]] = {
    "menu tap": menu_tap,
    "/menu": menu_command,
    "/start, known patient": start_known,
    "/checkin": checkin_command,
    "check-in answer": checkin_answer,
    "Back": checkin_back,
    "Cancel": checkin_cancel,
    "last answer, advice": last_answer,
    "typed temperature": typed_temperature,
    "typed red flag": typed_red_flag,
    "onboarding press": onboarding_press,
    "settings press": settings_press,
    "staff acknowledge": staff_acknowledge,
}


async def measure(world: World, kind: str) -> Tally:
    """Count one kind of update with the counter installed."""
    with world.counter.installed(world.fake):
        return await KINDS[kind](world)


async def run(scale: Scale) -> list[Figure]:
    """Count every kind once (the counts do not depend on the scale) and report trips and calls for each."""
    fake = LocalTelegram()
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings({**TEST_ENV, "TELEGRAM_API_URL": fake.url}).model_copy(
                update={"database_path": Path(folder) / "bot.sqlite3"}
            )
            content = load_content(settings.content_dir)
            rules = load_triage_rules(settings.triage_rules_path)
            fake.group(STAFF_CHAT, "Clinic staff")
            clock = Clock()
            bot = RunningBot(settings, content, rules, clock, fake, offline=True)
            await bot.start()
            try:
                world = World(bot, fake, content.pack("en"), clock)
                tallies = {kind: await measure(world, kind) for kind in KINDS}
            finally:
                await bot.stop()
    finally:
        await fake.stop()
    figures: list[Figure] = []
    for kind, tally in tallies.items():
        figures.append(Figure(SECTION, f"{kind}: database trips", tally.trips, "trips"))
        figures.append(Figure(SECTION, f"{kind}: commits", tally.commits, "commits"))
        figures.append(Figure(SECTION, f"{kind}: Bot API calls", tally.calls, "calls"))
    return figures
