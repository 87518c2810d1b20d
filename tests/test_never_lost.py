"""An escalation is never lost: whatever Telegram does to the triage reply, the clinic hears and the patient is told.

The clinic hears once and the patient gets the advice at least once, with no apology for a message that arrived; a kill
before the alert loses nothing.

The faults come from the fake server's switch: a reply that times out before it reached Telegram, one that times out
after Telegram delivered it, and one whose connection dropped after delivery.
"""

import signal
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.packs import LanguagePack
from bot.local_api import BotMessage, LocalTelegram, LocalUser
from tests.checkin_steps import answer_all, start_checkin, with_answers
from tests.conftest import TEST_ENV, Clock, RunningBot
from tests.journeys import onboard
from tests.test_process import launch

pytestmark = pytest.mark.http  # lost answers and dropped connections: over the real network stack

STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
NOTE = "It looks worse tonight"


def to_staff_chat(fake: LocalTelegram, since: int) -> bool | None:
    """Tell (True, or None for not yet) whether a call to the staff chat was made since call number `since`."""
    return any(call.params.get("chat_id") == STAFF_CHAT for call in fake.calls[since:]) or None


def advice_in(messages: list[BotMessage], en: LanguagePack) -> list[BotMessage]:
    """Return the messages that carry the same-day advice."""
    return [message for message in messages if message.text.startswith(en.text("triage.same_day.title"))]


async def report_pus_with_a_typed_note(
    fake: LocalTelegram, user: LocalUser, en: LanguagePack, *, fault: str | None = None, chat_id: int | None = None
) -> None:
    """Check in with pus, tapping every answer but the note, which is typed: the triage reply is then a new message.

    With a fault, the next sendMessage to chat_id (the patient's by default), the triage reply, gets it.
    """
    await start_checkin(user, en, day=0)
    answers = with_answers(pus="yes")
    await answer_all(user, en, answers[:-1])
    if fault is not None:
        fake.fault_next("sendMessage", fault, chat_id=chat_id or user.chat_id)
    await user.send(NOTE)


@pytest.mark.parametrize("fault", ["timeout_before", "timeout_after", "dropped_after"])
async def test_a_lost_triage_reply_costs_neither_the_alert_nor_the_advice(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, fault: str
) -> None:
    """The same-day reply fails: one alert reaches staff, the advice arrives at least once, and nobody apologises."""
    user = fake_telegram.user(8401)
    await onboard(user, en)
    await report_pus_with_a_typed_note(fake_telegram, user, en, fault=fault)
    staff_chat = fake_telegram.group(STAFF_CHAT)
    alert = await staff_chat.next_output(timeout=15)
    assert en.text("staff.reason.pus") in alert.plain_text
    notified = en.text("triage.clinic_notified")
    assert await fake_telegram._wait_until(lambda: notified in [m.text for m in user.messages()] or None, 10.0)
    clock.now += timedelta(minutes=1)  # the retry of a reply whose fate is unknown is due by then
    await bot.run_jobs()
    texts = [message.text for message in user.messages()]
    assert advice_in(user.messages(), en), f"no advice reached the patient after {fault}"
    assert en.text("error_apology") not in texts
    assert [message.message_id for message in staff_chat.messages()] == [alert.message_id], "one alert, no error post"


async def test_a_reply_that_never_reached_telegram_is_sent_again(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A reply lost on the way is not there until the retry, and is there once after it, with the same advice."""
    user = fake_telegram.user(8402)
    await onboard(user, en)
    await report_pus_with_a_typed_note(fake_telegram, user, en, fault="timeout_before")
    await fake_telegram.group(STAFF_CHAT).next_output(timeout=15)
    await bot.settle()  # the alert did not wait for the reply: now the reply's first try (its timeout) is over too
    assert advice_in(user.messages(), en) == []
    await bot.run_jobs()
    assert advice_in(user.messages(), en) == [], "not again before its pause is over"
    clock.now += timedelta(seconds=3)
    await bot.run_jobs()
    assert len(advice_in(user.messages(), en)) == 1
    clock.now += timedelta(minutes=10)
    await bot.run_jobs()
    assert len(advice_in(user.messages(), en)) == 1, "confirmed: never sent again"


async def test_a_patient_back_after_a_lost_reply_sees_todays_advice(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """/checkin after today's same-day check-in shows that it is done, today's result and what to do now."""
    user = fake_telegram.user(8403)
    await onboard(user, en)
    await report_pus_with_a_typed_note(fake_telegram, user, en, fault="timeout_before")
    await fake_telegram.group(STAFF_CHAT).next_output(timeout=15)
    notified = en.text("triage.clinic_notified")
    assert await fake_telegram._wait_until(lambda: notified in [m.text for m in user.messages()] or None, 5.0)
    user.skip_outputs()
    await user.send("/checkin")
    back = await user.next_output()
    assert back.text.startswith(en.text("checkin.done_today", day=0))
    assert en.text("triage.same_day.title") in back.text
    assert en.text("reasons.pus") in back.text
    assert en.label("checkin_again") in back.button_labels()


async def test_a_kill_between_the_outcome_and_the_alert_loses_neither(
    tmp_path: Path, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """`kill -9` while the alert is on its way: after the restart the alert is posted once and the patient told."""
    env = {
        **TEST_ENV,
        "TELEGRAM_API_URL": fake_telegram.url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "INFO",
    }
    staff_chat = fake_telegram.group(STAFF_CHAT, "Clinic staff")
    running = await launch(tmp_path, env)
    try:
        await fake_telegram.wait_polling(timeout=30)
        user = fake_telegram.user(8404, "Robin")
        await onboard(user, en)
        since = len(fake_telegram.calls)
        await report_pus_with_a_typed_note(fake_telegram, user, en, fault="timeout_before", chat_id=STAFF_CHAT)
        assert advice_in([await user.next_output()], en)
        posting = await fake_telegram._wait_until(lambda: to_staff_chat(fake_telegram, since), 10.0)
        assert posting is not None, "the alert was not on its way"
        assert await running.stop(signal.SIGKILL) == -signal.SIGKILL
        assert staff_chat.messages() == []
        running = await launch(tmp_path, env)
        alert = await staff_chat.next_output(timeout=30)
        assert en.text("staff.reason.pus") in alert.plain_text
        notified = en.text("triage.clinic_notified")
        told = await fake_telegram._wait_until(lambda: notified in [m.text for m in user.messages()] or None, 10.0)
        assert told, "the patient is told once the alert is up"
        await staff_chat.expect_no_output(within=1.0)
        assert len(staff_chat.messages()) == 1
    finally:
        await running.stop(signal.SIGKILL)


async def test_an_alert_the_staff_chat_refuses_is_tried_again_not_dropped(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """The bot out of the staff chat (403) at first: the alert is kept and posted once the chat takes it again."""
    user = fake_telegram.user(8405)
    await onboard(user, en)
    fake_telegram.fault_next("sendMessage", "403", chat_id=STAFF_CHAT)
    await user.send("there's pus in one spot")
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await user.next_output()
    await user.expect_no_output()
    assert staff_chat.messages() == []
    clock.now += timedelta(minutes=1)
    await bot.run_jobs()
    assert en.text("staff.reason.pus") in (await staff_chat.next_output()).plain_text
    assert (await user.next_output()).text == en.text("typed.clinic_notified")


async def test_an_alert_whose_message_staff_deleted_is_posted_again_when_it_changes(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """New signs for an alert whose staff chat message is gone: a new message with them all, not a lost edit."""
    user = fake_telegram.user(8406)
    await onboard(user, en)
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await user.send("there's pus in one spot")
    first = await staff_chat.next_output()
    fake_telegram._chats[STAFF_CHAT].messages.pop(first.message_id)  # deleted by a staff member
    await user.send("and blisters on my lip now")
    again = await staff_chat.next_output()
    assert again.message_id != first.message_id
    assert en.text("staff.reason.pus") in again.plain_text
    assert en.text("staff.reason.blisters") in again.plain_text


async def test_a_new_sign_on_an_acknowledged_alert_is_posted_afresh(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Acknowledged, then the patient reports a new sign the same day: a new, open alert (the chat notifies)."""
    user = fake_telegram.user(8407)
    await onboard(user, en)
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await user.send("there's pus in one spot")
    first = await staff_chat.next_output()
    await staff_chat.press(fake_telegram.user(500, "Dr Lee"), en.label("acknowledge"), message=first)
    assert "acknowledged by Dr Lee" in (await staff_chat.next_output()).plain_text
    await user.send("now my lip is tingling with little blisters")
    again = await staff_chat.next_output()
    assert again.message_id != first.message_id
    assert en.text("staff.reason.blisters") in again.plain_text
    assert again.button_labels() == [en.label("acknowledge"), en.label("resolve")]
    await user.send("still some pus")
    updated = await staff_chat.next_output()
    assert updated.message_id == again.message_id, "nothing new: the open alert is only brought up to date"


async def test_a_tap_whose_button_answer_is_lost_is_still_taken(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """The answer to a press fails (its spinner may spin on): the tapped answer is stored, the next question shown."""
    user = fake_telegram.user(8408)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    fake_telegram.fault_next("answerCallbackQuery", "500", times=4)  # past the request layer's retries
    await user.press(en.label("no"))
    assert en.text("questions.eyes") in (await user.next_output()).text
    fake_telegram.unanswered_callback_queries.clear()  # Telegram's spinner ends on its own after a while
