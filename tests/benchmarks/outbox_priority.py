"""The outbox's lanes: with thousands of patients due a reminder, an alert re-send and a reply go out at once.

One minute's job (Jobs.decide, as the JobQueue runs it) with every seeded patient due today's reminder and one alert
nobody acknowledged, with the outbox's loops running, in process: the Application's kind of bot (an ExtBot through
the request layer, ResilientRequests, and the services' SendPace) whose requests a recording stand-in for Telegram
answers after LATENCY seconds, as Telegram does from afar. While the bulk lane works through the reminders at
BROADCAST_RATE, a patient's reply is sent through the same bot. Recorded: when the re-send went out and how many
reminders had gone before it, how long the reply took and how many reminders went out meanwhile, and the bulk rate.
"""

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

from bot.app.root import build_own_sends
from bot.care.services import Services
from bot.config import load_settings
from bot.content.packs import load_content
from bot.content.triage_rules import load_triage_rules
from bot.domain.sequence import AftercareSequence
from bot.domain.treatment_dates import local_today
from bot.jobs.minute import Jobs
from bot.outbox.alerts import Alerts
from bot.storage import Database
from bot.telegram.request_layer import ApiBot, ResilientRequests
from tests.benchmarks.harness import Figure, Scale
from tests.benchmarks.population import seed_patients
from tests.conftest import TEST_ENV, shipped_reader

SECTION = "outbox lanes"
LATENCY = 0.05  # seconds Telegram takes to answer a request, from a server far from it
STAFF_CHAT = -100500  # TEST_ENV's STAFF_CHAT_ID
REPLY_CHAT = -1  # the chat of the reply sent meanwhile (not a seeded patient's)
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Toronto: every seeded patient's reminder is due


@dataclass(frozen=True)
class Call:
    """One request the stand-in for Telegram answered: when (monotonic), what, to which chat, with which text."""

    at: float
    endpoint: str
    chat_id: int | None
    text: str


@dataclass
class RecordingTelegram(BaseRequest):
    """Answers every request like Telegram after a fixed latency, and records it; a listener hears each call."""

    latency: float
    calls: list[Call] = field(default_factory=list)
    heard: asyncio.Event = field(default_factory=asyncio.Event)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """Return no read timeout: answers always come."""
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Wait the latency, record the call, and answer as Telegram does (a bot for getMe, else a message)."""
        await asyncio.sleep(self.latency)
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        chat_id = params.get("chat_id")
        text = str(params.get("text", ""))
        self.calls.append(Call(time.monotonic(), endpoint, chat_id if isinstance(chat_id, int) else None, text))
        self.heard.set()
        if endpoint == "getMe":
            result: dict[str, Any] = {"id": 1, "is_bot": True, "first_name": "Clinic", "username": "clinic_bot"}
        else:
            chat = {"id": chat_id if isinstance(chat_id, int) else 0, "type": "private"}
            result = {"message_id": len(self.calls), "date": int(NOW.timestamp()), "chat": chat, "text": text}
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sends(self) -> list[Call]:
        """Return the sendMessage calls so far, in order."""
        return [call for call in self.calls if call.endpoint == "sendMessage"]

    def reminders(self) -> list[Call]:
        """Return the reminders and nudges answered so far: every message to a patient's chat (ids above 0)."""
        return [call for call in self.sends() if call.chat_id is not None and call.chat_id > 0]

    async def wait_for_reminders(self, count: int) -> None:
        """Wait until at least `count` reminders or nudges have been answered."""
        while len(self.reminders()) < count:
            self.heard.clear()
            await self.heard.wait()


@dataclass(frozen=True)
class Outcome:
    """What one minute's job with `patients` due a reminder gave."""

    patients: int
    resend_position: int  # reminders sent before the alert's re-send
    resend_after: float  # seconds from the job's start to the re-send's answer
    reply_seconds: float  # the reply's round trip, while the bulk lane was busy
    reminders_during_reply: int  # reminders answered between the reply's start and its answer
    reminders_after_reply: int  # reminders still to go when the reply was answered (the bulk lane was busy)
    bulk_rate: float  # reminders per second in the run


async def minute_with_reminders(
    folder: Path, patients: int, *, rate: int, latency: float, reminders_before_reply: int, reminders_in_all: int
) -> Outcome:
    """Seed `patients` due a reminder and one alert due a re-send, run one minute's job, reply meanwhile; measure."""
    settings = load_settings(TEST_ENV).model_copy(
        update={"database_path": folder / "bot.sqlite3", "broadcast_rate": rate}
    )
    today = local_today(NOW, settings.clinic_timezone)
    local_ten = NOW.astimezone(settings.clinic_timezone).time()
    user_ids = await seed_patients(settings.database_path, patients, today=today, reminder_time=local_ten)
    content = load_content(settings.content_dir)
    rules = load_triage_rules(settings.triage_rules_path)
    services = Services(settings=settings, content=content, rules=rules, reader=shipped_reader(), clock=lambda: NOW)
    telegram = RecordingTelegram(latency)
    bot: ApiBot = ExtBot(
        settings.telegram_bot_token.get_secret_value(),
        request=telegram,
        get_updates_request=telegram,
        rate_limiter=ResilientRequests(services.send_pace),
    )
    async with await Database.open(settings.database_path) as database:
        services.attach_database(database)
        escalation, _ = await database.escalations.record(user_ids[0], None, today, "same_day", ("pus",), NOW)
        await database.escalations.set_staff_message(escalation.id, STAFF_CHAT, 31, NOW - timedelta(hours=1))
        own = build_own_sends(services, Alerts(services), AftercareSequence())
        outbox, jobs = own.outbox, own.jobs
        await bot.initialize()
        await outbox.start(bot)
        try:
            return await _measure(telegram, bot, jobs, patients, reminders_before_reply, reminders_in_all)
        finally:
            await outbox.stop()
            await bot.shutdown()


async def _measure(
    telegram: RecordingTelegram, bot: ApiBot, jobs: Jobs, patients: int, before_reply: int, in_all: int
) -> Outcome:
    """Run the job, reply once `before_reply` reminders are out, wait for `in_all`; read the figures off the calls."""
    started = time.monotonic()
    job = asyncio.create_task(jobs.decide(bot))
    await telegram.wait_for_reminders(before_reply)
    reply_started = time.monotonic()
    await bot.send_message(REPLY_CHAT, "Thanks, noted.")  # a reply, as a handler sends it: straight away
    reply_answered = time.monotonic()
    await telegram.wait_for_reminders(in_all)
    ended = time.monotonic()
    await job
    reminders = telegram.reminders()[:in_all]
    resend = next(call for call in telegram.sends() if call.chat_id == STAFF_CHAT)
    return Outcome(
        patients=patients,
        resend_position=sum(call.at < resend.at for call in reminders),
        resend_after=resend.at - started,
        reply_seconds=reply_answered - reply_started,
        reminders_during_reply=sum(reply_started <= call.at <= reply_answered for call in reminders),
        reminders_after_reply=sum(call.at > reply_answered for call in reminders),
        bulk_rate=len(reminders) / max(ended - started, 1e-9),
    )


PLANS = {Scale.FULL: (10_000, 200, 1_000), Scale.SMOKE: (60, 10, 40)}  # patients, reminders before the reply, in all


async def run(scale: Scale) -> list[Figure]:
    """Run one minute's job at the scale's size, at the default rate and Telegram-like latency; give its figures."""
    patients, before_reply, in_all = PLANS[scale]
    with tempfile.TemporaryDirectory() as folder:
        outcome = await minute_with_reminders(
            Path(folder),
            patients,
            rate=20,
            latency=LATENCY,
            reminders_before_reply=before_reply,
            reminders_in_all=in_all,
        )
    size = f"{patients:,} patients"
    return [
        Figure(
            SECTION,
            f"reminders sent before the alert re-send ({size})",
            outcome.resend_position,
            "",
            "< 10",
            outcome.resend_position < 10,
        ),
        Figure(SECTION, f"alert re-send out after the job starts ({size})", outcome.resend_after, "s"),
        Figure(
            SECTION,
            f"a reply's round trip while reminders go out ({size})",
            outcome.reply_seconds,
            "s",
            f"< {3 * LATENCY:.2f} s",
            outcome.reply_seconds < 3 * LATENCY,
        ),
        Figure(SECTION, f"reminders answered during the reply ({size})", outcome.reminders_during_reply, ""),
        Figure(SECTION, f"reminders per second, bulk lane ({size})", outcome.bulk_rate, "/s", "<= 20"),
    ]
