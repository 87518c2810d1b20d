"""Fault tests (issue 5, point 7): 10% of the bot's API calls fail at random, across four journeys.

The fake's fault switch (tests/fake_telegram.py, Faults) fails that share of every call but getUpdates with a 429, a
502 or 500, or a dropped connection, before or after the call took effect. Each test prints its figures (see them
with `pytest -s`): the faults injected by kind, and what was stored, delivered and duplicated.
"""

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.content.keys import as_key
from bot.content.packs import LanguagePack
from bot.local_api import BotMessage, Faults, LocalTelegram, LocalUser
from bot.telegram import request_layer as resilience
from tests.broadcast_steps import STAFF, add_patients, broadcast_id_of, choose_audience, compose_text, wait_for_report
from tests.checkin_steps import NORMAL_DAY, label_for, with_answers
from tests.conftest import TEST_ENV, BotWith, Clock, RunningBot
from tests.test_checkin import stored_answers

pytestmark = pytest.mark.http  # faults injected at random: over the real network stack, as a connection fails

RATE = 0.10
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the request layer's waits (Telegram's 1 s flood waits, the backoff) so that the faults stay fast.

    What is tested is unchanged: that a wait happens and the call is retried; only its length is shortened.
    """
    monkeypatch.setattr(resilience, "MAX_FLOOD_WAIT_SECONDS", 0.02)
    monkeypatch.setattr(resilience, "FIRST_BACKOFF_SECONDS", 0.01)


async def found(
    fake: LocalTelegram, probe: Callable[[], BotMessage | None], what: str, within: float = 20.0
) -> BotMessage:
    """Wait for the message probe() returns, failing with what was expected."""
    message = await fake._wait_until(probe, within)
    assert isinstance(message, BotMessage), f"{what}: not seen within {within}s"
    return message


async def check_in(fake: LocalTelegram, user: LocalUser, en: LanguagePack, answers: list[tuple[str, str]]) -> str:
    """Check in over HTTP, tapping each answer once its question shows; return the triage reply's text."""
    await user.send("/checkin")
    for question, value in answers:
        asked = en.text(as_key(f"questions.{question}"))

        def showing(asked: str = asked) -> BotMessage | None:
            return next((m for m in reversed(user.messages()) if asked in m.text and m.buttons), None)

        shown = await found(fake, showing, f"patient {user.user_id}, question {question}")
        await user.press(label_for(en, question, value), message=shown)
    titles = tuple(en.text(as_key(f"triage.{tier}.title")) for tier in ("self_care", "same_day"))

    def replied() -> BotMessage | None:
        return next((m for m in user.messages() if m.text.startswith(titles)), None)

    return (await found(fake, replied, f"patient {user.user_id}, triage reply")).text


def report(journey: str, faults: Faults, **figures: object) -> None:
    """Print a journey's figures."""
    shown = ", ".join(f"{name}={value}" for name, value in figures.items())
    print(f"\n[faults] {journey}: injected {dict(sorted(faults.injected.items()))}; {shown}")


async def test_checkins_under_faults_store_every_answer_and_reply_to_everyone(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """20 patients check in at once with 10% of calls failing: every answer stored, every patient answered."""
    patients = await add_patients(settings, fake_telegram, range(8000, 8020))
    fake_telegram.faults = faults = Faults(rate=RATE, seed=1)
    users = [fake_telegram.user(user_id) for user_id in patients]
    replies = await asyncio.gather(*(check_in(fake_telegram, user, en, list(NORMAL_DAY)) for user in users))
    fake_telegram.faults = None
    expected = {q: ("skipped" if v == "skip" else v) for q, v in NORMAL_DAY}
    stored = sum(stored_answers(settings, user_id) == expected for user_id in patients)
    report("check-ins", faults, patients=len(patients), stored=stored, replied=len(replies))
    assert stored == len(patients)
    assert all(reply.startswith(en.text("triage.self_care.title")) for reply in replies)
    assert sum(faults.injected.values()) > 0


def escalations(settings: Settings) -> list[tuple[int, int, int | None]]:
    """Read (id, user_id, staff_message_id) of every escalation straight from SQLite."""
    with sqlite3.connect(settings.database_path) as connection:
        return connection.execute("SELECT id, user_id, staff_message_id FROM escalation ORDER BY id").fetchall()


async def test_alerts_under_faults_reach_the_staff_chat(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, clock: Clock
) -> None:
    """20 same-day check-ins with 10% of calls failing: every escalation stored and posted; duplicates counted."""
    patients = await add_patients(settings, fake_telegram, range(8100, 8120))
    fake_telegram.faults = faults = Faults(rate=RATE, seed=2)
    users = [fake_telegram.user(user_id) for user_id in patients]
    await asyncio.gather(*(check_in(fake_telegram, user, en, with_answers(pus="yes")) for user in users))
    staff_chat = fake_telegram.group(STAFF_CHAT)
    reason = en.text("staff.reason.pus")

    def alerts() -> list[BotMessage]:
        return [m for m in staff_chat.messages() if reason in m.plain_text]

    await fake_telegram._wait_until(lambda: len(alerts()) >= len(patients) or None, 10.0)
    rows = escalations(settings)
    unposted_first = [row for row in rows if row[2] is None]
    clock.now += timedelta(minutes=settings.alert_resend_minutes + 1)
    await bot.run_jobs()  # the resend job: it must post alerts whose first post failed
    fake_telegram.faults = None
    rows = escalations(settings)
    posted = [row for row in rows if row[2] is not None]
    advice = {
        user.chat_id: sum(m.text.startswith(en.text("triage.same_day.title")) for m in user.messages())
        for user in users
    }
    apologies = sum(m.text == en.text("error_apology") for user in users for m in user.messages())
    report(
        "alerts",
        faults,
        escalations=len(rows),
        posted_at_once=len(rows) - len(unposted_first),
        posted_after_job=len(posted),
        alert_messages=len(alerts()),
        duplicates=len(alerts()) - len(posted),
        advised=sum(count >= 1 for count in advice.values()),
        advised_twice=sum(count > 1 for count in advice.values()),
        apologies=apologies,
    )
    assert {row[1] for row in rows} == set(patients), "every escalation is stored"
    never_posted = [row[0] for row in rows if row[2] is None]
    assert not never_posted, f"escalations never posted to the staff chat: {never_posted}"
    assert all(count >= 1 for count in advice.values()), f"advice missing: {advice}"
    assert len(alerts()) == len(posted), "one alert per escalation"


def dropped_sends(fake: LocalTelegram) -> set[int]:
    """Return the chats a sendMessage went to whose connection dropped: the bot cannot know if it arrived."""
    lost = ("fault: dropped_before", "fault: dropped_after")
    return {int(call.params["chat_id"]) for call in fake.calls_to("sendMessage") if call.error in lost}


async def test_reminders_under_faults_reach_each_patient_at_most_once(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, clock: Clock
) -> None:
    """50 patients due at 10:00 with 10% of calls failing: no reminder twice; one is missing only if unconfirmed."""
    patients = await add_patients(settings, fake_telegram, range(8200, 8250))
    fake_telegram.faults = faults = Faults(rate=RATE, seed=3)
    await bot.run_jobs()
    clock.now += timedelta(minutes=1)
    await bot.run_jobs()  # a second round: a reminder claimed but not sent is not sent again
    fake_telegram.faults = None
    text = en.text("reminders.daily", day=2)
    per_chat = Counter(
        {user_id: sum(m.text == text for m in fake_telegram.user(user_id).messages()) for user_id in patients}
    )
    gaps = [user_id for user_id, count in per_chat.items() if count == 0]
    duplicates = {user_id: count for user_id, count in per_chat.items() if count > 1}
    report(
        "reminders",
        faults,
        patients=len(patients),
        reminded=len(patients) - len(gaps),
        unconfirmed=len(dropped_sends(fake_telegram)),
        gaps=gaps,
        duplicates=duplicates,
    )
    assert not duplicates, "a reminder whose answer was lost is not sent again"
    assert set(gaps) <= dropped_sends(fake_telegram), "a reminder is missing only where its connection dropped"
    assert sum(faults.injected.values()) > 0


async def test_a_broadcast_to_300_under_faults_accounts_for_everyone(
    settings: Settings,
    bot_with: BotWith,
    fake_telegram: LocalTelegram,
    en: LanguagePack,
    fast_delivery_retries: None,
    unpaced_sends: None,
) -> None:
    """A broadcast to 300 with 10% of calls failing: every recipient accounted for, none sent twice."""
    patients = await add_patients(settings, fake_telegram, range(8300, 8600))
    staff = fake_telegram.user(STAFF)
    fake_telegram.group(STAFF_CHAT, "Clinic staff")
    async with bot_with(broadcast_rate=1000):
        await compose_text(staff, en, "Holiday hours: closed Dec 25 and 26.")
        _preview, confirm = await choose_audience(staff, en, "all")
        fake_telegram.faults = faults = Faults(rate=RATE, seed=4)
        await staff.press(en.text("broadcast.button.send_now"))
        broadcast_id = broadcast_id_of(confirm)
        await wait_for_report(staff, en, broadcast_id)
        fake_telegram.faults = None
    with sqlite3.connect(settings.database_path) as connection:
        status_of = dict(
            connection.execute("SELECT user_id, status FROM outbox WHERE broadcast_id = ?", (broadcast_id,))
        )
    statuses = Counter(status_of.values())
    text = "Holiday hours: closed Dec 25 and 26."
    per_chat = Counter(
        {user_id: sum(m.text == text for m in fake_telegram.user(user_id).messages()) for user_id in patients}
    )
    duplicates = {user_id: count for user_id, count in per_chat.items() if count > 1}
    report(
        "broadcast",
        faults,
        recipients=sum(statuses.values()),
        statuses=dict(statuses),
        delivered=sum(c > 0 for c in per_chat.values()),
        duplicates=duplicates,
    )
    assert sorted(status_of) == patients, "every recipient accounted for"
    assert set(statuses) <= {"sent", "unconfirmed", "blocked", "failed"}
    assert not duplicates, "a send whose answer was lost is not repeated"
    assert all(per_chat[user_id] == 1 for user_id, status in status_of.items() if status == "sent")
    unconfirmed = {user_id for user_id, status in status_of.items() if status == "unconfirmed"}
    assert unconfirmed <= dropped_sends(fake_telegram), "unconfirmed only where the connection dropped mid-send"
