"""Shared fixtures: the fake Bot API server, the bot running against it in-process, and a failure on any error."""

import asyncio
import compileall
import functools
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from telegram.request import BaseRequest, HTTPXRequest

from bot.app.root import AftercareBot, build_bot
from bot.config import Settings, load_settings
from bot.content.packs import Content, LanguagePack, load_content
from bot.content.sequence_rules import load_sequence
from bot.content.triage_rules import load_triage_rules
from bot.domain.clinic import ClinicInfo
from bot.domain.patient import Patient
from bot.domain.records import Checkin
from bot.domain.triage import TriageRules
from bot.local_api import LocalTelegram
from bot.reading import DEFAULT_READING_PATH, TextReader, load_reader
from bot.storage import Database
from bot.telegram.pacing import RetryPolicy
from tests.offline_request import OfflineRequest
from tests.storage_support import NOW, OTHER, PATIENT

# The library's coming default, which the bot opts in to as well: durations as timedelta, without warnings.
os.environ.setdefault("PTB_TIMEDELTA", "true")

TEST_TOKEN = "123456:TEST-fake-token_for-tests"
TEST_ENV = {
    "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
    "CLINIC_NAME": "Maple Skin Clinic",
    "CLINIC_PHONE": "416-555-0199",
    "CLINIC_HOURS": "Mon-Fri 9:00-17:00",
    "CLINIC_OPENING_HOURS": "Mon-Fri 09:00-17:00",
    "STAFF_USER_IDS": "500",
    "STAFF_CHAT_ID": "-100500",
    # No aftercare sequence unless a test asks for one (tests/test_sequence_*.py): its messages would mix into
    # what the other tests expect.
    "SEQUENCE_FILE": str(Path(__file__).resolve().parent / "no_sequence.toml"),
    # The test clock stands still, so a whole journey falls in one flood-control window: no slowing down unless a
    # test asks for it (tests/test_flood.py).
    "FLOOD_MAX_UPDATES": "1000",
}
TEST_CLINIC = ClinicInfo(name=TEST_ENV["CLINIC_NAME"], phone=TEST_ENV["CLINIC_PHONE"], hours=TEST_ENV["CLINIC_HOURS"])
# 10:00 in Toronto on a Tuesday.
DEFAULT_NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
HTTP_READ_TIMEOUT = 2.0  # seconds: the in-process bot's read timeout over HTTP (python-telegram-bot's default is 5)


@dataclass
class Clock:
    """A clock the tests move by hand."""

    now: datetime = DEFAULT_NOW

    def __call__(self) -> datetime:
        """Return the current test time."""
        return self.now


@dataclass
class ErrorLog(logging.Handler):
    """Collects every ERROR record, so that a test fails when a handler raised (process_update swallows it)."""

    records: list[logging.LogRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def __hash__(self) -> int:
        return id(self)


def pytest_configure(config: pytest.Config) -> None:
    """Compile bot/ and tests/ to bytecode once, before the workers start, for every interpreter the tests launch.

    Machines like this one set PYTHONDONTWRITEBYTECODE, so nothing caches the compiled modules: each `python -m bot`
    a test launches (about 90 of them) would compile the whole package afresh, about a second each. Bytecode already
    on disk is still read, and py_compile writes it whatever that variable says.
    """
    if not hasattr(config, "workerinput"):  # the controller only; the workers find it done
        repo = Path(__file__).resolve().parent.parent
        for folder in ("bot", "tests"):
            compileall.compile_dir(repo / folder, quiet=1)


@pytest.fixture(autouse=True)
def fail_on_logged_errors() -> Iterator[ErrorLog]:
    """Fail the test if anything logged at ERROR; a test that expects an error empties `records` itself."""
    collector = ErrorLog()
    root = logging.getLogger()
    root.addHandler(collector)
    yield collector
    root.removeHandler(collector)
    if collector.records:
        summary = "; ".join(f"{record.name}: {record.getMessage()}" for record in collector.records)
        pytest.fail(f"errors were logged: {summary}")


@pytest.fixture(scope="session")
def content() -> Content:
    """The shipped content, loaded once."""
    return load_content(load_settings(TEST_ENV).content_dir)


@pytest.fixture(scope="session")
def rules() -> TriageRules:
    """The shipped triage rules, loaded once."""
    return load_triage_rules(load_settings(TEST_ENV).triage_rules_path)


@functools.cache
def shipped_reader() -> TextReader:
    """The reader of typed words with the shipped patterns, loaded once per test process."""
    return load_reader(DEFAULT_READING_PATH)


@pytest.fixture
def en(content: Content) -> LanguagePack:
    """The English pack, to compare what the bot sends with what the content says."""
    return content.pack("en")


@pytest.fixture
async def fake_telegram() -> AsyncIterator[LocalTelegram]:
    """A fake Bot API server on 127.0.0.1."""
    server = LocalTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(tmp_path: Path, fake_telegram: LocalTelegram) -> Settings:
    """Settings that point the bot at the fake server and a fresh database."""
    return load_settings({**TEST_ENV, "TELEGRAM_API_URL": fake_telegram.url}).model_copy(
        update={"database_path": tmp_path / "bot.sqlite3"}
    )


@pytest.fixture
def clock() -> Clock:
    """The test clock, at 10:00 in Toronto on 2026-11-24."""
    return Clock()


class RunningBot:
    """The real Application, started and stopped the way run_polling does it, so it can be restarted.

    Given the fake, the bot lets the fake's chats wait until it has handled every update (see settle) instead of for
    a while, and, offline, reaches the fake in process (no socket); otherwise it talks HTTP to the settings' URL.
    """

    def __init__(
        self,
        settings: Settings,
        content: Content,
        rules: TriageRules,
        clock: Clock,
        fake: LocalTelegram | None = None,
        *,
        offline: bool = False,
    ) -> None:
        self._settings, self._content, self._rules, self._clock = settings, content, rules, clock
        self._fake, self._offline = fake, offline
        self.built: AftercareBot | None = None

    async def start(self) -> None:
        """Initialise, run post_init, start polling and start processing, in run_polling's order."""
        sequence = load_sequence(self._settings.sequence_path, self._content)
        self.built = build_bot(
            self._settings,
            self._content,
            self._rules,
            shipped_reader(),
            sequence=sequence,
            clock=self._clock,
            job_interval=None,
            requests=self._requests(),
        )
        application = self.built.application
        if self._fake is not None:
            self._fake.settle = self.settle
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()

    def _requests(self) -> tuple[BaseRequest, BaseRequest]:
        """Return the bot's connections: in process when offline, else HTTP with a read timeout shorter than PTB's.

        Over HTTP they are python-telegram-bot's own HTTPXRequest with its usual pools; only the read timeout is
        HTTP_READ_TIMEOUT, so that a "timeout_*" fault of the fake costs the test that long instead of five seconds.
        """
        if self._fake is not None and self._offline:
            return OfflineRequest(self._fake), OfflineRequest(self._fake)
        return (
            HTTPXRequest(connection_pool_size=256, read_timeout=HTTP_READ_TIMEOUT),
            HTTPXRequest(connection_pool_size=1, read_timeout=HTTP_READ_TIMEOUT),
        )

    async def settle(self) -> None:
        """Wait until the bot has taken every update the fake has for it and its handlers are done with them."""
        assert self._fake is not None
        assert self.built is not None
        await self._fake.wait_taken()
        await asyncio.wait_for(self.built.application.update_queue.join(), 10.0)

    async def stop(self) -> None:
        """Stop polling and processing, shut down and run post_shutdown, in run_polling's order."""
        built, self.built = self.built, None
        if built is None:
            return
        if self._fake is not None:
            self._fake.settle = None
        application = built.application
        assert application.updater is not None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database and server, as after a crash or deploy."""
        await self.stop()
        await self.start()

    async def run_jobs(self) -> None:
        """Run one round of the scheduled jobs at the test clock's time, as the JobQueue would."""
        assert self.built is not None
        await self.built.jobs.run_due(self.built.application.bot)

    async def stored_checkins(self, user_id: int) -> list[Checkin]:
        """Return a patient's finished check-ins as the database holds them now."""
        async with await Database.open(self._settings.database_path) as database:
            return await database.checkins.history(user_id)

    async def stored_patient(self, user_id: int) -> Patient | None:
        """Return the patient as the database holds them now, read over a second connection."""
        async with await Database.open(self._settings.database_path) as database:
            return await database.patients.get(user_id)


@pytest.fixture
def offline(request: pytest.FixtureRequest) -> bool:
    """Whether the bot reaches the fake in process (the default) or over HTTP (marked `http`, or TESTS_OVER_HTTP=1)."""
    return request.node.get_closest_marker("http") is None and os.environ.get("TESTS_OVER_HTTP") != "1"


@pytest.fixture
async def bot(
    settings: Settings,
    content: Content,
    rules: TriageRules,
    clock: Clock,
    fake_telegram: LocalTelegram,
    offline: bool,
) -> AsyncIterator[RunningBot]:
    """The bot, running against the fake (the staff chat exists there), with jobs driven by hand."""
    fake_telegram.group(int(TEST_ENV["STAFF_CHAT_ID"]), "Clinic staff")
    async with running_bot(settings, content, rules, clock, fake_telegram, offline=offline) as running:
        yield running


@asynccontextmanager
async def running_bot(
    settings: Settings,
    content: Content,
    rules: TriageRules,
    clock: Clock,
    fake: LocalTelegram,
    *,
    offline: bool,
    **changes: object,
) -> AsyncIterator[RunningBot]:
    """Run the bot with some settings changed (e.g. broadcast_rate); stop it after; check every press was answered."""
    bot = RunningBot(settings.model_copy(update=changes), content, rules, clock, fake, offline=offline)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
    assert not fake.unanswered_callback_queries, "every button press must be answered"


BotWith = Callable[..., AbstractAsyncContextManager[RunningBot]]


@pytest.fixture
def fast_delivery_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink broadcast delivery's backoff (1, 2, 4, 8 s) to tenths, so that retried sends keep a test fast."""
    monkeypatch.setattr("bot.outbox.worker.RETRY", RetryPolicy(attempts=5, base=0.05, cap=0.5))


@pytest.fixture
def unpaced_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the bot's overall pace under Telegram's 30/s, so that a test raising BROADCAST_RATE sends flat out."""
    monkeypatch.setattr("bot.care.services.TELEGRAM_SENDS_PER_SECOND", 1000)


@pytest.fixture
def bot_with(
    settings: Settings, content: Content, rules: TriageRules, clock: Clock, fake_telegram: LocalTelegram, offline: bool
) -> BotWith:
    """Return a starter of the bot with some settings changed, used as an async context manager."""
    return functools.partial(running_bot, settings, content, rules, clock, fake_telegram, offline=offline)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """The database file of one storage test."""
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def database(path: Path) -> AsyncIterator[Database]:
    """An open database with two onboarded patients, for the storage tests."""
    async with await Database.open(path) as database:
        for user_id in (PATIENT, OTHER):
            await database.patients.add_consented(user_id, "en", NOW)
            await database.patients.set_treatment_date(user_id, date(2026, 11, 20), NOW)
        yield database
