"""The aftercare sequence over HTTP, with the shipped schedule: driven by moving the clock and running the jobs."""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from telegram.error import RetryAfter

from bot.care.sequence import SequenceCare
from bot.care.services import TELEGRAM_SECONDS_PER_CHAT, TELEGRAM_SENDS_PER_SECOND, Services
from bot.config import Settings
from bot.content.keys import as_key
from bot.content.packs import Content, LanguagePack
from bot.content.sequence_rules import load_sequence
from bot.domain.records import DeliveryKind
from bot.domain.triage import TriageRules
from bot.local_api import BotMessage, LocalTelegram, LocalUser
from bot.outbox.worker import Outbox
from bot.storage import Database
from bot.storage.outbox import BULK
from bot.telegram.pacing import SendPace
from bot.telegram.request_layer import ApiBot
from tests.conftest import TEST_ENV, Clock, RunningBot, shipped_reader
from tests.journeys import accept_consent, answer_health_question, onboard

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "sequence.toml"
STEPS = ("day0_evening", "day1", "day3", "day7", "day14")
# Treated on Friday 2026-10-30. Clocks fall back in Toronto at 02:00 on 2026-11-01 (day 2): 19:00 on day 0 is
# 23:00 UTC, 09:00 on day 1 is 13:00 UTC (EDT); from day 3 on, 09:00 is 14:00 UTC (EST).
TREATED = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # 11:00 in Toronto
DAY0_EVENING = datetime(2026, 10, 30, 23, 0, tzinfo=UTC)
DAY1_MORNING = datetime(2026, 10, 31, 13, 0, tzinfo=UTC)
DAY3_MORNING = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
DAY7_MORNING = datetime(2026, 11, 6, 14, 0, tzinfo=UTC)
DAY14_MORNING = datetime(2026, 11, 13, 14, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def bot(
    settings: Settings, content: Content, rules: TriageRules, clock: Clock, fake_telegram: LocalTelegram
) -> AsyncIterator[RunningBot]:
    """The bot with the shipped aftercare sequence (the other tests run without one), jobs driven by hand."""
    fake_telegram.group(int(TEST_ENV["STAFF_CHAT_ID"]), "Clinic staff")
    running = RunningBot(
        settings.model_copy(update={"sequence_path": SHIPPED}), content, rules, clock, fake_telegram, offline=True
    )
    await running.start()
    yield running
    await running.stop()
    assert not fake_telegram.unanswered_callback_queries, "every button press must be answered"


def step_text(en: LanguagePack, key: str) -> str:
    """Return a step's message as the bot sends it, with the test clinic's details."""
    clinic = {"clinic_name": TEST_ENV["CLINIC_NAME"], "clinic_phone": TEST_ENV["CLINIC_PHONE"]}
    return en.text(as_key(f"sequence.{key}"), **clinic, clinic_hours=TEST_ENV["CLINIC_HOURS"])


def steps_in(en: LanguagePack, messages: list[BotMessage]) -> list[str]:
    """Return which steps these messages are, leaving out anything else (a daily reminder, say)."""
    by_text = {step_text(en, key): key for key in STEPS}
    return [by_text[message.text] for message in messages if message.text in by_text]


async def run_at(bot: RunningBot, clock: Clock, user: LocalUser, moment: datetime) -> list[BotMessage]:
    """Run the jobs at a moment and return what the patient received, moving their cursor past it."""
    clock.now = moment
    before = len(user.messages())
    await bot.run_jobs()
    user.skip_outputs()
    return user.messages()[before:]


async def steps_at(bot: RunningBot, clock: Clock, user: LocalUser, en: LanguagePack, moment: datetime) -> list[str]:
    """Run the jobs at a moment and return the steps the patient received."""
    return steps_in(en, await run_at(bot, clock, user, moment))


async def onboard_on_october_30(user: LocalUser, en: LanguagePack, clock: Clock) -> None:
    """Onboard a patient treated on 2026-10-30, with the clock at 11:00 that day."""
    clock.now = TREATED
    await onboard(user, en, "date_today")


async def sent_steps(bot: RunningBot, settings: Settings, user_id: int) -> list[str]:
    """Return the steps the database has claimed for a patient, read over a second connection."""
    async with await Database.open(settings.database_path) as database:
        return await database.sequence.sent_to(user_id)


async def test_each_message_goes_out_once_on_its_day_at_its_local_time_across_the_clock_change(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, settings: Settings
) -> None:
    """19:00 on day 0, then 09:00 local on days 1, 3, 7 and 14 (EDT, then EST): never early, never twice."""
    user = fake_telegram.user(8001)
    await onboard_on_october_30(user, en, clock)
    for moment, key in (
        (DAY0_EVENING, "day0_evening"),
        (DAY1_MORNING, "day1"),
        (DAY3_MORNING, "day3"),
        (DAY7_MORNING, "day7"),
        (DAY14_MORNING, "day14"),
    ):
        assert await run_at(bot, clock, user, moment - timedelta(hours=1)) == [], key  # on day 3: 09:00 in EDT
        assert await run_at(bot, clock, user, moment - MINUTE) == [], key
        [message] = await run_at(bot, clock, user, moment)
        assert message.text == step_text(en, key)
        assert 1 <= len(message.buttons) <= 2, key
        assert all(len(row) == 1 for row in message.buttons), key
        assert await run_at(bot, clock, user, moment + 30 * MINUTE) == [], key
    assert await run_at(bot, clock, user, DAY14_MORNING + timedelta(days=1)) == []
    assert await sent_steps(bot, settings, 8001) == list(STEPS)


async def test_the_buttons_open_the_menu_screen_and_start_the_check_in(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Day 3's buttons: the main menu's "Daily check-in" starts it; "Breakout or something else?" opens that screen."""
    user = fake_telegram.user(8002)
    await onboard_on_october_30(user, en, clock)
    [day3] = await run_at(bot, clock, user, DAY3_MORNING)
    assert day3.button_labels() == ["Daily check-in", "Breakout or something else?"]
    await user.press("Daily check-in", message=day3)
    first = await user.next_output()
    assert en.text("checkin.intro", day=3) in first.text
    await user.press("Breakout or something else?", message=day3)
    shown = await user.next_output()
    assert shown.text == en.screens["tell_apart"].text


async def test_nothing_is_repeated_across_restarts(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A restart after a step was sent does not send it again, that day or later; the next step still comes."""
    user = fake_telegram.user(8003)
    await onboard_on_october_30(user, en, clock)
    assert await steps_at(bot, clock, user, en, DAY0_EVENING) == ["day0_evening"]
    await bot.restart()
    assert await steps_at(bot, clock, user, en, DAY0_EVENING + MINUTE) == []
    assert await steps_at(bot, clock, user, en, DAY1_MORNING) == ["day1"]
    await bot.restart()
    assert await steps_at(bot, clock, user, en, DAY1_MORNING + 5 * MINUTE) == []
    assert await steps_at(bot, clock, user, en, DAY1_MORNING + 10 * timedelta(hours=1)) == []
    assert await steps_at(bot, clock, user, en, DAY3_MORNING) == ["day3"]


async def test_a_message_missed_while_down_goes_out_later_that_day_and_not_the_next(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Down at 09:00 on day 1, back at 16:30: day 1's message goes out once. Down all of day 3: it never does."""
    user = fake_telegram.user(8004)
    await onboard_on_october_30(user, en, clock)
    assert await steps_at(bot, clock, user, en, DAY0_EVENING) == ["day0_evening"]
    await bot.stop()
    clock.now = DAY1_MORNING + timedelta(hours=7, minutes=30)
    await bot.start()
    assert await steps_at(bot, clock, user, en, clock.now) == ["day1"]
    assert await steps_at(bot, clock, user, en, clock.now + MINUTE) == []
    await bot.stop()
    clock.now = DAY3_MORNING + timedelta(days=1)  # 09:00 on day 4
    await bot.start()
    assert await steps_at(bot, clock, user, en, clock.now) == []
    assert await steps_at(bot, clock, user, en, DAY7_MORNING) == ["day7"]


async def test_a_patient_who_signs_up_after_the_moment_still_gets_that_days_message(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Onboarding at 23:30 on the treatment day, after 19:00: the day-0 message comes at the next run."""
    user = fake_telegram.user(8005)
    clock.now = datetime(2026, 10, 31, 3, 30, tzinfo=UTC)  # 23:30 on Oct 30 in Toronto
    await onboard(user, en, "date_today")
    assert await steps_at(bot, clock, user, en, clock.now + MINUTE) == ["day0_evening"]
    assert await steps_at(bot, clock, user, en, DAY1_MORNING) == ["day1"]


async def test_a_patient_who_signs_up_mid_sequence_gets_only_what_is_due_from_then_on(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, settings: Settings
) -> None:
    """Signing up on day 5 with a typed date: no day 0, 1 or 3 message, ever; day 7 and day 14 come."""
    user = fake_telegram.user(8006)
    clock.now = datetime(2026, 11, 4, 13, 0, tzinfo=UTC)  # 08:00 on day 5
    await accept_consent(user, en)
    await user.send("2026-10-30")
    assert en.text("date_confirmed", date=en.format_date(TREATED.date()), day=5) in (await user.next_output()).text
    await answer_health_question(user, en)
    assert await steps_at(bot, clock, user, en, clock.now + timedelta(hours=2)) == []
    assert await steps_at(bot, clock, user, en, DAY7_MORNING) == ["day7"]
    assert await steps_at(bot, clock, user, en, DAY14_MORNING) == ["day14"]
    assert await sent_steps(bot, settings, 8006) == ["day7", "day14"]


async def test_stopped_patients_get_nothing_until_they_start_again(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """/stop: no message at its moment; /start later that day brings that day's message, once."""
    user = fake_telegram.user(8007)
    await onboard_on_october_30(user, en, clock)
    await user.send("/stop")
    assert (await user.next_output()).text == en.text("stop.done")
    assert await steps_at(bot, clock, user, en, DAY0_EVENING) == []
    assert await steps_at(bot, clock, user, en, DAY1_MORNING) == []
    await user.send("/start")
    assert (await user.next_output()).text == en.text("stop.resumed")
    assert (await user.next_output()).text == en.text("welcome_back", day=1)
    assert (await user.next_output()).text == en.screens["main"].text
    assert await steps_at(bot, clock, user, en, DAY1_MORNING + 5 * MINUTE) == ["day1"]  # day 0's is over
    assert await steps_at(bot, clock, user, en, DAY1_MORNING + 6 * MINUTE) == []


async def test_a_patient_who_blocked_the_bot_is_marked_unreachable_and_gets_nothing_more(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A 403 on a step marks the patient unreachable, without an error; later steps are not even tried."""
    user = fake_telegram.user(8008)
    await onboard_on_october_30(user, en, clock)
    fake_telegram.block(8008)
    assert await steps_at(bot, clock, user, en, DAY0_EVENING) == []
    patient = await bot.stored_patient(8008)
    assert patient is not None
    assert patient.unreachable_since is not None
    tried = len(fake_telegram.calls_to("sendMessage"))
    for moment in (DAY1_MORNING, DAY3_MORNING, DAY7_MORNING):
        assert await steps_at(bot, clock, user, en, moment) == []
    assert len(fake_telegram.calls_to("sendMessage")) == tried


async def test_two_overlapping_runs_send_each_message_once(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Two rounds of the job at the same moment (a slow round and the next one) send day 1's message once."""
    user = fake_telegram.user(8009)
    await onboard_on_october_30(user, en, clock)
    clock.now = DAY1_MORNING
    before = len(user.messages())
    await asyncio.gather(bot.run_jobs(), bot.run_jobs(), bot.run_jobs())
    assert steps_in(en, user.messages()[before:]) == ["day1"]


class FloodedBot:
    """A Bot stand-in whose sends Telegram refuses with 429 until told otherwise; it records what went out."""

    def __init__(self) -> None:
        self.flooded = True
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_options: object) -> None:
        """Refuse with RetryAfter while flooded (after the retry layer gave up), else record the message."""
        if self.flooded:
            raise RetryAfter(timedelta(seconds=30))
        self.sent.append((chat_id, text))


async def test_a_message_telegram_still_holds_back_after_retries_goes_out_at_the_next_run(
    settings: Settings, content: Content, rules: TriageRules, clock: Clock, en: LanguagePack
) -> None:
    """A 429 that outlasts the retries leaves the row pending and ends the round; the next run sends it, once."""
    sequence = load_sequence(SHIPPED, content)
    services = Services(settings=settings, content=content, rules=rules, reader=shipped_reader(), clock=clock)
    # The pace runs on the test clock: Telegram's 30 s wait is over when the clock moves on, not after 30 real seconds.
    clock.now = DAY1_MORNING
    services.send_pace = SendPace(
        bulk_rate=settings.broadcast_rate,
        overall_rate=TELEGRAM_SENDS_PER_SECOND,
        per_chat_seconds=TELEGRAM_SECONDS_PER_CHAT,
        clock=lambda: clock.now.timestamp(),
    )
    async with await Database.open(settings.database_path) as database:
        services.attach_database(database)
        for user_id in (8101, 8102):
            await database.patients.add_consented(user_id, "en", TREATED)
            await database.patients.set_treatment_date(user_id, TREATED.date(), TREATED)
        job, flooded = SequenceCare(services, sequence), FloodedBot()
        seconds = [0.0]  # the outbox's monotonic clock
        outbox = Outbox(services, {DeliveryKind.STEP: job.send}, {}, monotonic=lambda: seconds[0])
        clock.now = DAY1_MORNING
        await job.queue_due()
        await outbox.run_due(cast("ApiBot", flooded))
        pending = [
            (due.delivery.user_id, due.delivery.attempts) for due in await database.outbox.due(BULK, clock.now, 9)
        ]
        assert pending == [(8101, 1), (8102, 0)], "both still pending; the round ended: 8102 not even tried"
        flooded.flooded = False
        services.send_pace = replace_pace()  # Telegram's 30 s have passed
        seconds[0] += 30
        clock.now = DAY1_MORNING + MINUTE
        await job.queue_due()
        await outbox.run_due(cast("ApiBot", flooded))
        await outbox.run_due(cast("ApiBot", flooded))
        assert flooded.sent == [(8101, step_text(en, "day1")), (8102, step_text(en, "day1"))]
        assert await database.sequence.sent_to(8101) == ["day1"]
        assert await database.outbox.due(BULK, clock.now, 9) == []


def replace_pace() -> SendPace:
    """Return a fresh pace like the services' own, as it stands once a pause Telegram asked for is over."""
    return SendPace(bulk_rate=1000, overall_rate=1000, per_chat_seconds=0.0, clock=time.monotonic)


async def test_every_patient_due_gets_the_message_and_no_one_else(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Three patients on day 1 and one on day 2 at 09:00: the three get day 1's message, the fourth nothing."""
    users = [fake_telegram.user(user_id) for user_id in (8011, 8012, 8013)]
    for user in users:
        await onboard_on_october_30(user, en, clock)
    late = fake_telegram.user(8014)
    clock.now = TREATED - timedelta(days=1)
    await onboard(late, en, "date_today")
    clock.now = DAY1_MORNING
    counts = {user.user_id: len(user.messages()) for user in [*users, late]}
    await bot.run_jobs()
    for user in users:
        assert steps_in(en, user.messages()[counts[user.user_id] :]) == ["day1"]
    assert steps_in(en, late.messages()[counts[late.user_id] :]) == []
