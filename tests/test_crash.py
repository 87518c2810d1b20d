"""Crash tests: `kill -9` of `python -m bot` at random moments of a check-in and of a broadcast, 20 times each.

Each time the bot is started again on the same database and the same fake server, which keeps the updates the bot
had not confirmed (as Telegram keeps them for 24 hours). The check-in must resume at the right question with no
answer lost or changed, the broadcast must account for every recipient and send no one anything twice (at most the
messages out at each kill, never more than the bulk lane's width, are left 'unconfirmed'), and SQLite must pass
`PRAGMA integrity_check` after every kill.
"""

import asyncio
import random
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.content.keys import as_key
from bot.content.packs import LanguagePack
from bot.domain.checkin import Question
from bot.local_api import BotMessage, LocalTelegram, LocalUser
from bot.outbox.worker import bulk_width
from bot.storage import Database
from bot.storage.broadcasts import BroadcastStatus
from tests.broadcast_steps import (
    STAFF,
    broadcast_id_of,
    choose_audience,
    compose_text,
    delivered,
    wait_for_report,
)
from tests.checkin_steps import answer_all, label_for, with_answers
from tests.conftest import TEST_ENV
from tests.journeys import accept_consent, answer_health_question
from tests.test_process import BotProcess, launch

KILLS = 20
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
PATIENT = 4101
ANSWERS = with_answers(pus="yes")
LAST_KILLED_ANSWER = 15  # answers before photo and note: the rounds end before those, the rest are tapped at the end
RECIPIENTS = 200
RATE = 25  # broadcasts as fast as the settings allow


@dataclass
class Crasher:
    """`python -m bot` on one database and one fake server, killed with SIGKILL and started again on demand."""

    fake: LocalTelegram
    cwd: Path
    env: dict[str, str]
    running: BotProcess | None = None
    kills: int = 0
    restarts: int = 0
    logs: list[str] = field(default_factory=list)

    @property
    def database_path(self) -> Path:
        """Return the path of the bot's SQLite file."""
        return Path(self.env["DATABASE_PATH"])

    async def start(self) -> None:
        """Launch the bot and wait until it polls (a getUpdates after the launch)."""
        since = len(self.fake.calls)
        self.running = await launch(self.cwd, self.env)
        await self.fake.wait_for_call("getUpdates", since=since, timeout=30)

    async def kill(self) -> None:
        """SIGKILL the bot, keep its log and check the database file is intact."""
        assert self.running is not None
        assert await self.running.stop(signal.SIGKILL) == -signal.SIGKILL
        self.logs.append(self.running.stderr.decode())
        self.running, self.kills = None, self.kills + 1
        assert integrity(self.database_path) == "ok"

    async def restart(self) -> None:
        """Kill the bot and start it again."""
        await self.kill()
        await self.start()
        self.restarts += 1

    async def stop(self) -> int:
        """Stop the bot with SIGTERM (if it runs) and return its exit status."""
        if self.running is None:
            return 0
        status = await self.running.stop(signal.SIGTERM)
        self.logs.append(self.running.stderr.decode())
        self.running = None
        return status


def integrity(path: Path) -> str:
    """Return the result of `PRAGMA integrity_check` on a database file."""
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.fixture
async def crasher(tmp_path: Path, fake_telegram: LocalTelegram) -> AsyncIterator[Crasher]:
    """A Crasher at INFO with a broadcast rate as fast as the settings allow; killed at the end whatever happened."""
    env = {
        **TEST_ENV,
        "TELEGRAM_API_URL": fake_telegram.url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "INFO",
        "BROADCAST_RATE": str(RATE),
    }
    fake_telegram.group(STAFF_CHAT, "Clinic staff")
    crasher = Crasher(fake_telegram, tmp_path, env)
    try:
        yield crasher
    finally:
        if crasher.running is not None:
            await crasher.running.stop(signal.SIGKILL)
            crasher.logs.append(crasher.running.stderr.decode())


def expected_answers(count: int) -> dict[Question, str]:
    """Return the first `count` answers as the database stores them."""
    return {Question(question): value for question, value in ANSWERS[:count]}


async def stored_answers(path: Path) -> dict[Question, str]:
    """Return the answers of the patient's open check-in, read from the database."""
    async with await Database.open(path) as database:
        current = await database.checkins.open_for(PATIENT)
    assert current is not None, "the check-in is still open"
    return dict(current.answers.values)


async def question_shown(
    fake: LocalTelegram, user: LocalUser, en: LanguagePack, index: int, *, lead: str = "", after: int = 0
) -> BotMessage:
    """Wait until the newest message with buttons, newer than message `after`, asks question `index` after lead."""
    wanted = en.text(as_key(f"questions.{ANSWERS[index][0]}"))

    def probe() -> BotMessage | None:
        with_keyboard = [shown for shown in user.messages() if shown.buttons]
        newest = with_keyboard[-1] if with_keyboard else None
        if newest is None or newest.message_id <= after:
            return None
        return newest if wanted in newest.text and lead in newest.text else None

    found = await fake._wait_until(probe, 10.0)
    assert found is not None, (
        f"question {ANSWERS[index][0]} not shown; newest: {[(m.message_id, m.text) for m in user.messages()[-3:]]}"
    )
    return found


async def test_a_checkin_killed_20_times_resumes_with_no_answer_lost(
    crasher: Crasher, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """SIGKILL before a tap, right after it or after the reply: answers kept once, the right question next, intact."""
    began = time.monotonic()
    rng = random.Random(8)
    await crasher.start()
    user = fake_telegram.user(PATIENT, "Robin", username="robin_k")
    await accept_consent(user, en)
    treated = datetime.now(ZoneInfo("America/Toronto")).date() - timedelta(days=3)
    await user.send(f"{treated:%b} {treated.day}")
    assert str(treated.day) in (await user.next_output()).plain_text
    await answer_health_question(user, en)
    await user.send("/checkin")
    await question_shown(fake_telegram, user, en, 0)
    answered, redelivered, forced = 0, 0, 0
    for _ in range(KILLS):
        moment = "before" if answered >= LAST_KILLED_ANSWER else rng.choice(["before", "press", "reply"])
        acknowledged = answered
        press: dict[str, Any] | None = None
        if moment != "before":
            shown = await question_shown(fake_telegram, user, en, answered)
            question, value = ANSWERS[answered]
            await user.press(label_for(en, question, value), message=shown)
            press = fake_telegram.pending_updates[-1]
            if moment == "reply":
                await question_shown(fake_telegram, user, en, answered + 1)
                acknowledged = answered + 1
            else:
                await asyncio.sleep(rng.uniform(0, 0.05))
        else:
            await asyncio.sleep(rng.uniform(0, 0.2))
        await crasher.kill()
        stored = await stored_answers(crasher.database_path)
        assert stored == expected_answers(len(stored)), "only the answers given, as given"
        assert acknowledged <= len(stored) <= acknowledged + 1, "every acknowledged answer is in SQLite"
        if press is not None:
            if any(update["update_id"] == press["update_id"] for update in fake_telegram.pending_updates):
                redelivered += 1  # fetched (or not) but not confirmed: Telegram gives it again
            else:  # confirmed: deliver it again anyway, as if the offset had not reached Telegram
                fake_telegram._updates.insert(0, press)
                forced += 1
            answered += 1
        await crasher.start()
        crasher.restarts += 1
        newest = max(shown.message_id for shown in user.messages())
        await user.send("/checkin")
        await question_shown(fake_telegram, user, en, answered, lead=en.text("checkin.resumed"), after=newest)
        assert await stored_answers(crasher.database_path) == expected_answers(answered), "a press counted once"
        assert integrity(crasher.database_path) == "ok"

    user.skip_outputs()
    reply = await answer_all(user, en, ANSWERS[answered:])
    assert reply.text.startswith(en.text("triage.same_day.title"))
    assert "@robin_k" in (await fake_telegram.group(STAFF_CHAT).next_output()).plain_text
    assert await crasher.stop() == 0
    async with await Database.open(crasher.database_path) as database:
        [checkin] = await database.checkins.history(PATIENT)
    assert checkin.answers.get(Question.PUS) == "yes"
    assert {key: checkin.answers.values[key] for key in expected_answers(LAST_KILLED_ANSWER)} == expected_answers(
        LAST_KILLED_ANSWER
    )
    assert integrity(crasher.database_path) == "ok"
    assert not any("Traceback" in log for log in crasher.logs)
    print(  # the figures, shown with -s
        f"\ncheck-in crash test: {crasher.kills} kills, {crasher.restarts} restarts, {answered} answers under fire,"
        f" {redelivered} presses redelivered unconfirmed, {forced} confirmed ones redelivered by hand,"
        f" {time.monotonic() - began:.1f}s"
    )


async def seed_patients(path: Path, fake: LocalTelegram, user_ids: range) -> None:
    """Write onboarded patients treated two days ago straight through the stores, and open their chats."""
    now = datetime.now(UTC)
    treated = datetime.now(ZoneInfo("America/Toronto")).date() - timedelta(days=2)
    async with await Database.open(path) as database:
        for user_id in user_ids:
            await database.patients.add_consented(user_id, "en", now)
            await database.patients.set_treatment_date(user_id, treated, now)
    for user_id in user_ids:
        fake.user(user_id)


async def test_a_broadcast_killed_20_times_sends_no_one_anything_twice_and_accounts_for_everyone(
    crasher: Crasher, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """SIGKILL at random moments of delivery: no duplicates, unconfirmed <= kills, everyone else sent once, intact."""
    began = time.monotonic()
    rng = random.Random(88)
    patients = range(50_000, 50_000 + RECIPIENTS)
    await seed_patients(crasher.database_path, fake_telegram, patients)
    staff = fake_telegram.user(STAFF)
    await crasher.start()
    await compose_text(staff, en, "Crash-proof")
    _preview, confirm = await choose_audience(staff, en, "all")
    broadcast_id = broadcast_id_of(confirm)
    await staff.press(en.text("broadcast.button.send_now"))
    during = 0
    for _ in range(KILLS):
        await asyncio.sleep(rng.uniform(0.02, 0.3))
        async with await Database.open(crasher.database_path) as database:
            during += (await database.broadcasts.tally(broadcast_id)).pending > 0
        await crasher.restart()
    report = await wait_for_report(staff, en, broadcast_id)
    assert await crasher.stop() == 0
    assert integrity(crasher.database_path) == "ok"

    counts = delivered(fake_telegram, "Crash-proof")
    async with await Database.open(crasher.database_path) as database:
        broadcast = await database.broadcasts.get(broadcast_id)
        tally = await database.broadcasts.tally(broadcast_id)
    assert broadcast is not None
    assert broadcast.status is BroadcastStatus.DONE
    assert (tally.sent + tally.unconfirmed, tally.total) == (RECIPIENTS, RECIPIENTS)
    assert tally.unconfirmed <= crasher.kills * bulk_width(RATE), "at most the messages out at each kill"
    assert all(counts[user_id] <= 1 for user_id in patients), "no one gets the broadcast twice"
    reached = sum(counts[user_id] for user_id in patients)  # the staff member's preview is not counted
    assert reached >= tally.sent, "every recipient marked sent got it"
    assert f"Sent: {tally.sent} of {RECIPIENTS}" in report.plain_text
    assert f"Unconfirmed: {tally.unconfirmed}" in report.plain_text
    assert not any("Traceback" in log for log in crasher.logs)
    print(  # the figures, shown with -s
        f"\nbroadcast crash test: {crasher.kills} kills ({during} during delivery), {crasher.restarts} restarts,"
        f" {tally.unconfirmed} unconfirmed ({tally.unconfirmed - (reached - tally.sent)} of them not"
        f" delivered), 0 duplicates of {RECIPIENTS}, {time.monotonic() - began:.1f}s"
    )
