"""Reminders and nudges, driven by moving the clock and running the jobs, as the JobQueue does every minute."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram, LocalUser, RateLimit
from bot.telegram import request_layer as resilience
from tests.broadcast_steps import add_patients
from tests.checkin_steps import NORMAL_DAY, answer_all, start_checkin
from tests.conftest import BotWith, Clock, RunningBot
from tests.journeys import onboard, press_answers_held

# Clocks fall back in Toronto at 02:00 on 2026-11-01: 10:00 is 14:00 UTC before and 15:00 UTC after.
TREATED_ON_OCT_30 = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)


async def onboard_on_october_30(user: LocalUser, en: LanguagePack, clock: Clock) -> None:
    """Onboard a patient whose treatment was on 2026-10-30, with the clock on that day."""
    clock.now = TREATED_ON_OCT_30
    await onboard(user, en, "date_today")


async def reminders_at(bot: RunningBot, clock: Clock, user: LocalUser, moment: datetime) -> list[str]:
    """Run the jobs at a moment and return the texts of what the patient received."""
    clock.now = moment
    before = len(user.messages())
    await bot.run_jobs()
    return [message.text for message in user.messages()[before:]]


async def test_the_reminder_comes_at_10_local_on_both_sides_of_the_clock_change(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """At 10:00 Toronto time (14:00 UTC in EDT, 15:00 UTC in EST), once a day, never before and never twice."""
    user = fake_telegram.user(7001)
    await onboard_on_october_30(user, en, clock)
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 31, 13, 59, tzinfo=UTC)) == []
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 31, 14, 0, tzinfo=UTC)) == [
        en.text("reminders.daily", day=1)
    ]
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 31, 20, 0, tzinfo=UTC)) == []
    # After the change, 14:30 UTC is 09:30 EST: too early.
    assert await reminders_at(bot, clock, user, datetime(2026, 11, 1, 14, 30, tzinfo=UTC)) == []
    assert await reminders_at(bot, clock, user, datetime(2026, 11, 1, 15, 0, tzinfo=UTC)) == [
        en.text("reminders.daily", day=2)
    ]
    assert user.last_message().button_labels() == [en.label("checkin_now")]


async def test_no_reminder_on_the_treatment_day_or_after_the_last_day(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Reminders run from day 1 to day 14 (the default last day) and not on day 0 or day 15."""
    user = fake_telegram.user(7002)
    await onboard_on_october_30(user, en, clock)
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 30, 20, 0, tzinfo=UTC)) == []
    day_14 = datetime(2026, 11, 13, 16, 0, tzinfo=UTC)
    assert len(await reminders_at(bot, clock, user, day_14)) == 1
    assert await reminders_at(bot, clock, user, day_14 + timedelta(days=1)) == []


async def test_no_reminder_after_a_checkin_that_day(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A patient who already checked in today is not reminded."""
    user = fake_telegram.user(7003)
    await onboard_on_october_30(user, en, clock)
    clock.now = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)  # 08:00 local, before the reminder
    await start_checkin(user, en, day=1)
    await answer_all(user, en, list(NORMAL_DAY))
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 31, 15, 0, tzinfo=UTC)) == []


async def test_a_reminder_missed_while_down_goes_out_once_after_a_restart(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """The bot was down at 10:00; back at 13:00 it sends the reminder once, and a restart does not repeat it."""
    user = fake_telegram.user(7004)
    await onboard_on_october_30(user, en, clock)
    await bot.restart()
    assert len(await reminders_at(bot, clock, user, datetime(2026, 10, 31, 17, 0, tzinfo=UTC))) == 1
    await bot.restart()
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 31, 17, 1, tzinfo=UTC)) == []


async def test_a_reminder_missed_by_hours_waits_for_the_next_day_instead_of_coming_late(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Down from 10:00 until 22:00: no reminder that night; the next morning's comes at 10:00 as usual."""
    user = fake_telegram.user(7009)
    await onboard_on_october_30(user, en, clock)
    assert await reminders_at(bot, clock, user, datetime(2026, 11, 1, 3, 0, tzinfo=UTC)) == []  # 22:00 on Oct 31
    assert await reminders_at(bot, clock, user, datetime(2026, 11, 1, 15, 0, tzinfo=UTC)) == [
        en.text("reminders.daily", day=2)
    ]


async def test_two_missed_days_bring_one_nudge_not_a_stream(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Day 1 and 2 pass with no check-in: day 3 brings a nudge instead of the reminder; day 4 a plain reminder."""
    user = fake_telegram.user(7005)
    await onboard_on_october_30(user, en, clock)
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 31, 15, 0, tzinfo=UTC)) == [
        en.text("reminders.daily", day=1)
    ]
    assert await reminders_at(bot, clock, user, datetime(2026, 11, 1, 16, 0, tzinfo=UTC)) == [
        en.text("reminders.daily", day=2)
    ]
    assert await reminders_at(bot, clock, user, datetime(2026, 11, 2, 16, 0, tzinfo=UTC)) == [
        en.text("reminders.nudge")
    ]
    assert await reminders_at(bot, clock, user, datetime(2026, 11, 3, 16, 0, tzinfo=UTC)) == [
        en.text("reminders.daily", day=4)
    ]


async def test_stop_ends_reminders_and_start_brings_them_back(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """/stop means no reminder; /start turns them back on."""
    user = fake_telegram.user(7006)
    await onboard_on_october_30(user, en, clock)
    await user.send("/stop")
    assert (await user.next_output()).text == en.text("stop.done")
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 31, 15, 0, tzinfo=UTC)) == []
    await user.send("/start")
    assert (await user.next_output()).text == en.text("stop.resumed")
    assert (await user.next_output()).text == en.text("welcome_back", day=1)
    assert (await user.next_output()).text == en.screens["main"].text
    assert len(await reminders_at(bot, clock, user, datetime(2026, 11, 1, 16, 0, tzinfo=UTC))) == 1


async def test_a_blocked_patient_is_not_messaged_again(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A 403 on a reminder stops further messages to that patient, without an error."""
    user = fake_telegram.user(7007)
    await onboard_on_october_30(user, en, clock)
    fake_telegram.block(7007)
    await reminders_at(bot, clock, user, datetime(2026, 10, 31, 15, 0, tzinfo=UTC))
    patient = await bot.stored_patient(7007)
    assert patient is not None
    assert patient.unreachable_since is not None
    sends = len(fake_telegram.calls_to("sendMessage"))
    await reminders_at(bot, clock, user, datetime(2026, 11, 1, 16, 0, tzinfo=UTC))
    assert len(fake_telegram.calls_to("sendMessage")) == sends


async def test_the_reminder_time_can_be_changed_in_settings(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A patient who picks 18:00 in /settings is reminded at 18:00 local, not 10:00; no screen waits for an answer."""
    user = fake_telegram.user(7008)
    await onboard_on_october_30(user, en, clock)
    await user.send("/settings")
    settings = await user.next_output()
    answered = len(user.callback_answers())
    with press_answers_held(fake_telegram):  # each screen is shown while its press is still being answered
        await user.press(en.label("settings_time"))
        picker = await user.next_output()
        shown = (picker.message_id, picker.text, len(user.callback_answers()))
        assert shown == (settings.message_id, en.text("settings.pick_time"), answered)
    await bot.settle()
    with press_answers_held(fake_telegram):
        await user.press("18:00")
        saved = await user.next_output()
        assert len(user.callback_answers()) == answered + 1
    assert en.text("settings.time_saved", reminder_time="18:00") in saved.text
    assert await reminders_at(bot, clock, user, datetime(2026, 10, 31, 21, 59, tzinfo=UTC)) == []
    assert len(await reminders_at(bot, clock, user, datetime(2026, 10, 31, 22, 0, tzinfo=UTC))) == 1


def reminders_per_chat(fake: LocalTelegram, en: LanguagePack, user_ids: list[int]) -> Counter[int]:
    """Count the day-2 reminders each patient received."""
    text = en.text("reminders.daily", day=2)
    return Counter({user_id: sum(m.text == text for m in fake.user(user_id).messages()) for user_id in user_ids})


async def test_reminders_due_at_once_go_out_at_the_bulk_pace_and_draw_no_429(
    settings: Settings,
    bot_with: BotWith,
    fake_telegram: LocalTelegram,
    en: LanguagePack,
) -> None:
    """40 reminders due at 10:00 with Telegram's limits on: paced under 30/s, so Telegram never refuses one."""
    patients = await add_patients(settings, fake_telegram, range(8700, 8740))
    fake_telegram.rate_limit = limits = RateLimit()
    async with bot_with() as bot:
        await bot.run_jobs()
    assert limits.refused == []
    assert set(reminders_per_chat(fake_telegram, en, patients).values()) == {1}


async def test_a_reminder_to_a_patient_the_bot_just_answered_waits_out_telegrams_second_per_chat(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A patient taps /menu as the 10:00 reminders start: theirs goes a second after the reply, and draws no 429."""
    user = fake_telegram.user(7101)
    await onboard_on_october_30(user, en, clock)
    clock.now = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)
    fake_telegram.rate_limit = limits = RateLimit()
    await user.send("/menu")
    await user.next_output()  # the menu has reached the chat
    replied = fake_telegram.calls_to("sendMessage")[-1].time
    await bot.run_jobs()
    reminded = fake_telegram.calls_to("sendMessage")[-1]
    assert reminded.params["text"] == en.text("reminders.daily", day=1)
    assert reminded.time - replied >= limits.per_chat
    assert limits.refused == []


async def test_a_reminder_telegram_refuses_to_take_goes_out_at_the_next_run_once(
    settings: Settings,
    bot_with: BotWith,
    clock: Clock,
    fake_telegram: LocalTelegram,
    en: LanguagePack,
    monkeypatch: pytest.MonkeyPatch,
    unpaced_sends: None,
) -> None:
    """Unpaced past Telegram's limit, with no retry left: the refused reminders are kept for the next run, not lost."""
    monkeypatch.setattr(resilience, "MAX_ATTEMPTS", 1)
    patients = await add_patients(settings, fake_telegram, range(8800, 8840))
    seconds = [0.0]  # Telegram's clock stands still during a round: the round is one burst, however slow the machine
    fake_telegram.rate_limit = limits = RateLimit(clock=lambda: seconds[0])
    async with bot_with(broadcast_rate=1000) as bot:
        await bot.run_jobs()
        first_round = sum(reminders_per_chat(fake_telegram, en, patients).values())
        seconds[0] += limits.window
        await asyncio.sleep(limits.window)  # the bot's own wait for Telegram's retry_after runs on real time
        clock.now += timedelta(minutes=1)
        await bot.run_jobs()
    assert limits.refused, "the burst went past Telegram's limit"
    assert first_round < len(patients), "the round stopped at the refusal"
    assert set(reminders_per_chat(fake_telegram, en, patients).values()) == {1}, "each patient reminded once"
