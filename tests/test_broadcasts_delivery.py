"""Broadcast delivery over HTTP at scale: 2,000 patients, blocks, 429s, retries, a crash halfway, and the pace.

The 2,000-patient and restart tests raise BROADCAST_RATE (to 1,000/s) and lift the overall pace (unpaced_sends), so
that the sender goes as fast as the fake and SQLite allow, to keep the suite quick; the default 20/s is checked
against the fake's Telegram-like limits on 120 messages here, and exactly, with a test clock, in test_pacing.py.
"""

import itertools
import sqlite3

import pytest

from bot.care import broadcasts
from bot.config import Settings
from bot.content.packs import Content, LanguagePack
from bot.domain.triage import TriageRules
from bot.local_api import LocalTelegram, LocalUser, RateLimit
from bot.outbox import worker
from bot.storage import Database
from bot.storage.broadcasts import BroadcastStatus
from bot.telegram import request_layer
from bot.telegram.pacing import RetryPolicy
from tests.broadcast_steps import (
    STAFF,
    TWO_DAYS_AGO,
    add_patients,
    broadcast_id_of,
    choose_audience,
    compose_text,
    delivered,
    report_for,
    stored_broadcast,
    wait_for_report,
)
from tests.checkin_steps import start_checkin
from tests.conftest import BotWith, Clock, RunningBot
from tests.storage_support import NOW

HOLIDAYS = "<b>Holiday hours</b>: closed Dec 25 and 26."
FAST = 1000  # messages per second: in effect unpaced, for the big tests
WIDTH = 3  # bulk sends out at once in the crash test
ON_ITS_WAY = 0.25  # seconds within which a send already on its way when a 429 came back reaches the fake


async def send_to_all(staff: LocalUser, en: LanguagePack, text: str) -> int:
    """Compose a text broadcast to all active patients, press Send now, and return its id."""
    await compose_text(staff, en, text)
    _preview, confirm = await choose_audience(staff, en, "all")
    await staff.press(en.text("broadcast.button.send_now"))
    return broadcast_id_of(confirm)


async def until_delivered(fake: LocalTelegram, count: int) -> None:
    """Wait until the fake has accepted at least `count` messages."""
    reached = await fake._wait_until(lambda: sum(delivered(fake).values()) >= count or None, 60.0)
    assert reached, f"fewer than {count} messages went out"


def recipients_by_status(settings: Settings, broadcast_id: int) -> dict[str, set[int]]:
    """Read each recipient's status straight from SQLite."""
    with sqlite3.connect(settings.database_path) as connection:
        rows = connection.execute(
            "SELECT status, user_id FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
        ).fetchall()
    found: dict[str, set[int]] = {}
    for status, user_id in rows:
        found.setdefault(status, set()).add(user_id)
    return found


def reasons(settings: Settings, broadcast_id: int) -> dict[int, tuple[str, str, int]]:
    """Read each recipient's (status, reason, attempts) straight from SQLite."""
    with sqlite3.connect(settings.database_path) as connection:
        rows = connection.execute(
            "SELECT user_id, status, reason, attempts FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
        ).fetchall()
    return {user_id: (status, reason, attempts) for user_id, status, reason, attempts in rows}


async def test_2000_patients_with_50_blocked_and_429s_are_each_accounted_for_once(
    settings: Settings,
    bot_with: BotWith,
    fake_telegram: LocalTelegram,
    en: LanguagePack,
    fast_delivery_retries: None,
    unpaced_sends: None,
) -> None:
    """Everyone is sent, blocked or failed, none twice; 429s are waited out; a /checkin is answered meanwhile."""
    patients = await add_patients(settings, fake_telegram, range(10_000, 12_000))
    blocked = set(patients[::40])
    assert len(blocked) == 50
    for user_id in blocked:
        fake_telegram.block(user_id)
    checking_in = fake_telegram.user(patients[-1])  # the last to get the broadcast
    staff = fake_telegram.user(STAFF)
    async with bot_with(broadcast_rate=FAST):
        broadcast_id = await send_to_all(staff, en, HOLIDAYS)
        await until_delivered(fake_telegram, 300)
        await start_checkin(checking_in, en, day=2)
        _broadcast, tally = await stored_broadcast(settings, broadcast_id)
        assert tally.pending > 0, "the patient's reply came while the broadcast was still going"
        await until_delivered(fake_telegram, 1000)
        fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=2)
        fake_telegram.fail_next("sendMessage", 502, "Bad Gateway")
        report = await wait_for_report(staff, en, broadcast_id)

    counts = delivered(fake_telegram, HOLIDAYS)
    assert all(counts[user_id] == 1 for user_id in patients if user_id not in blocked), "everyone once"
    assert all(counts[user_id] == 0 for user_id in blocked)
    statuses = recipients_by_status(settings, broadcast_id)
    assert statuses == {"sent": set(patients) - blocked, "blocked": blocked}
    broadcast, tally = await stored_broadcast(settings, broadcast_id)
    assert (broadcast.status, tally.sent, tally.blocked, tally.failed, tally.pending) == (
        BroadcastStatus.DONE,
        1950,
        50,
        0,
        0,
    )
    assert report.text == await report_for(settings, en, broadcast_id)
    assert "Sent: 1950 of 2000" in report.plain_text
    async with await Database.open(settings.database_path) as database:
        for user_id in blocked:
            patient = await database.patients.get(user_id)
            assert patient is not None
            assert patient.unreachable_since is not None, "a blocked patient is marked unreachable"

    sends = [call for call in fake_telegram.calls_to("sendMessage") if call.params["chat_id"] != STAFF]
    for call in sends:
        if call.error is not None and call.error.startswith("Too Many Requests"):
            gaps = [later.time - call.time for later in sends if later.time > call.time]
            assert max(gaps) >= 0.95, "sending went on after the wait"
            assert not [gap for gap in gaps if ON_ITS_WAY <= gap < 0.95], "retry_after was waited out"
    progress = [
        call.time
        for call in fake_telegram.calls_to("editMessageText")
        if call.params["chat_id"] == STAFF and call.params.get("reply_markup")
    ]
    assert len(progress) >= 2
    gaps = [later - earlier for earlier, later in itertools.pairwise(progress)]
    assert all(gap >= broadcasts.PROGRESS_INTERVAL - 0.05 for gap in gaps), gaps


async def test_the_default_rate_stays_within_telegrams_limits(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """At the default 20/s, the fake's 30/s and 1-per-chat limits never answer 429, and nobody is skipped."""
    assert settings.broadcast_rate == 20
    patients = await add_patients(settings, fake_telegram, range(20_000, 20_120))
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "Paced")
    _preview, confirm = await choose_audience(staff, en, "all")
    limits = fake_telegram.rate_limit = RateLimit()
    await staff.press(en.text("broadcast.button.send_now"))
    await wait_for_report(staff, en, broadcast_id_of(confirm))
    assert limits.refused == [], "no 429 caused by our own pacing"
    counts = delivered(fake_telegram)
    assert [counts[user_id] for user_id in patients] == [1] * len(patients)
    times = [call.time for call in fake_telegram.calls_to("sendMessage") if call.params["chat_id"] in set(patients)]
    busiest = max(sum(1 for other in times if start <= other < start + 1.0) for start in times)
    assert busiest <= 23, busiest  # 20 a second, give or take the delay of the fake's own event loop


async def test_a_rate_too_fast_for_telegram_is_held_back_by_its_429s_and_still_delivers_once(
    settings: Settings,
    bot_with: BotWith,
    fake_telegram: LocalTelegram,
    en: LanguagePack,
    unpaced_sends: None,
) -> None:
    """The fake's limit is real: an unpaced sender gets 429s, waits each out, and everyone still gets one message."""
    patients = await add_patients(settings, fake_telegram, range(21_000, 21_045))
    staff = fake_telegram.user(STAFF)
    async with bot_with(broadcast_rate=FAST):
        await compose_text(staff, en, "Too fast")
        _preview, confirm = await choose_audience(staff, en, "all")
        limits = fake_telegram.rate_limit = RateLimit()
        await staff.press(en.text("broadcast.button.send_now"))
        await wait_for_report(staff, en, broadcast_id_of(confirm))
    assert limits.refused, "the fake refuses more than 30 messages a second"
    counts = delivered(fake_telegram)
    assert [counts[user_id] for user_id in patients] == [1] * len(patients)
    assert recipients_by_status(settings, broadcast_id_of(confirm)) == {"sent": set(patients)}


async def test_a_crash_halfway_resumes_with_no_one_twice_and_only_the_messages_out_unconfirmed(
    settings: Settings,
    content: Content,
    rules: TriageRules,
    clock: Clock,
    fake_telegram: LocalTelegram,
    en: LanguagePack,
    monkeypatch: pytest.MonkeyPatch,
    unpaced_sends: None,
) -> None:
    """Stopped hard mid-delivery and started again, the broadcast carries on from its pending rows to the report."""
    monkeypatch.setattr(worker, "BULK_WINDOW_SECONDS", WIDTH / FAST)  # a lane of 3 at this rate
    assert worker.bulk_width(FAST) == WIDTH
    patients = await add_patients(settings, fake_telegram, range(30_000, 30_600))
    staff = fake_telegram.user(STAFF)
    bot = RunningBot(
        settings.model_copy(update={"broadcast_rate": FAST}), content, rules, clock, fake_telegram, offline=True
    )
    await bot.start()
    broadcast_id = await send_to_all(staff, en, "Resumable")
    await until_delivered(fake_telegram, 250)
    monkeypatch.setattr(worker, "STOP_GRACE", 0.0)  # no waiting for the messages in flight: as in a crash
    await bot.stop()
    _broadcast, tally = await stored_broadcast(settings, broadcast_id)
    assert 0 < tally.pending < len(patients), "stopped halfway"
    async with await Database.open(settings.database_path) as database:
        await database.patients.set_unreachable(patients[-1], clock.now)  # blocked the bot while it was down

    await bot.start()
    try:
        report = await wait_for_report(staff, en, broadcast_id)
    finally:
        await bot.stop()
    counts = delivered(fake_telegram)
    by_status = recipients_by_status(settings, broadcast_id)
    unconfirmed = by_status.pop("unconfirmed", set())
    assert len(unconfirmed) <= WIDTH, "only the messages out at the crash, at most the lane's width, are unconfirmed"
    reached = set(patients[:-1]) - unconfirmed
    assert by_status == {"sent": reached, "blocked": {patients[-1]}}
    assert all(counts[user_id] == 1 for user_id in reached), "everyone else got it exactly once"
    assert all(counts[user_id] <= 1 for user_id in unconfirmed), "the unconfirmed one is never sent again"
    assert counts[patients[-1]] == 0
    assert reasons(settings, broadcast_id)[patients[-1]] == ("blocked", "unreachable", 0)
    assert report.text == await report_for(settings, en, broadcast_id)


async def test_transient_errors_are_retried_with_backoff_and_others_fail_with_their_reason(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5xx are retried with growing waits, up to the limit; a missing chat fails at once; a block is 'blocked'."""
    monkeypatch.setattr(worker, "RETRY", RetryPolicy(attempts=3, base=0.1, cap=1.0))
    monkeypatch.setattr(request_layer, "MAX_ATTEMPTS", 1)  # the outbox's own tries, each one request (no layer retry)
    first, second, third, blocking = await add_patients(settings, fake_telegram, [40_001, 40_002, 40_003, 40_004])
    gone = 40_005
    async with await Database.open(settings.database_path) as database:  # a patient whose chat Telegram no longer has
        await database.patients.add_consented(gone, "en", NOW)
        await database.patients.set_treatment_date(gone, TWO_DAYS_AGO, NOW)
    fake_telegram.block(blocking)
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "Retries")
    _preview, confirm = await choose_audience(staff, en, "all")
    fake_telegram.fail_next("sendMessage", 500, "Internal Server Error", times=3, chat_id=first)
    fake_telegram.fail_next("sendMessage", 502, "Bad Gateway", times=2, chat_id=second)
    await staff.press(en.text("broadcast.button.send_now"))
    broadcast_id = broadcast_id_of(confirm)
    await wait_for_report(staff, en, broadcast_id)

    found = reasons(settings, broadcast_id)
    assert found[first] == ("failed", "Internal Server Error", 3), "given up after 3 tries"
    assert found[second] == ("sent", "", 3), "sent on the third try"
    assert found[third] == ("sent", "", 1)
    assert found[blocking] == ("blocked", "Forbidden: bot was blocked by the user", 1)
    assert found[gone][:2] == ("failed", "Chat not found")
    tries = [call.time for call in fake_telegram.calls_to("sendMessage") if call.params["chat_id"] == second]
    assert tries[1] - tries[0] >= 0.1
    assert tries[2] - tries[1] >= 0.2, "the wait doubles"
    assert delivered(fake_telegram)[first] == 0
