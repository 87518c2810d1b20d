"""What follows a check-in: idle ones closed, alerts re-sent until acknowledged, photos to the clinic, /history."""

from datetime import timedelta

import pytest

from bot.care.checkins import URGENT_IDLE_MINUTES
from bot.content.packs import LanguagePack
from bot.domain.records import CheckinStatus
from bot.local_api import BotMessage, LocalTelegram, LocalUser
from bot.telegram import request_layer
from tests.checkin_steps import NORMAL_DAY, answer_all, start_checkin, with_answers
from tests.conftest import TEST_ENV, Clock, RunningBot
from tests.journeys import onboard

STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_an_idle_checkin_is_closed_and_its_red_flags_still_reach_the_clinic(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Pus reported, then the patient wanders off: closed after 15 quiet minutes, advice given, staff told."""
    user = fake_telegram.user(8001)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers(pus="yes")[:6])
    clock.now += timedelta(minutes=URGENT_IDLE_MINUTES - 1)
    await bot.run_jobs()
    await user.expect_no_output()
    clock.now += timedelta(minutes=2)
    await bot.run_jobs()
    assert (await user.next_output()).text == en.text("checkin.expired", day=0)
    assert (await user.next_output()).text.startswith(en.text("triage.same_day.title"))
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert en.text("staff.reason.pus") in alert.plain_text
    [checkin] = await bot.stored_checkins(8001)
    assert checkin.status is CheckinStatus.PARTIAL


async def test_an_idle_checkin_with_nothing_urgent_waits_the_whole_timeout(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Ordinary answers left unfinished stay open for the whole timeout, then close with no advice and no alert."""
    user = fake_telegram.user(8002)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers()[:6])
    clock.now += timedelta(minutes=URGENT_IDLE_MINUTES + 1)
    await bot.run_jobs()
    await user.expect_no_output()
    clock.now += timedelta(minutes=int(TEST_ENV.get("CHECKIN_TIMEOUT_MINUTES", "360")))
    await bot.run_jobs()
    assert (await user.next_output()).text == en.text("checkin.expired", day=0)
    await user.expect_no_output()
    assert fake_telegram.group(STAFF_CHAT).messages() == []


async def test_an_idle_close_notice_that_fails_is_sent_again_once(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The word that a check-in was closed is an outbox row: when Telegram fails it, the outbox sends it later, once."""
    monkeypatch.setattr(request_layer, "MAX_ATTEMPTS", 1)  # the request layer's own retries used up at once
    user = fake_telegram.user(8003)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers()[:6])
    clock.now += timedelta(minutes=int(TEST_ENV.get("CHECKIN_TIMEOUT_MINUTES", "360")) + 1)
    fake_telegram.fail_next("sendMessage", 502, "Bad Gateway")
    await bot.run_jobs()
    await user.expect_no_output()
    [checkin] = await bot.stored_checkins(8003)
    assert checkin.status is CheckinStatus.PARTIAL, "closed, whatever became of the notice"
    clock.now += timedelta(minutes=5)
    await bot.run_jobs()
    assert (await user.next_output()).text == en.text("checkin.expired", day=0)
    clock.now += timedelta(minutes=5)
    await bot.run_jobs()
    await user.expect_no_output()


async def report_to_the_clinic(fake: LocalTelegram, user: LocalUser, en: LanguagePack, **answers: str) -> BotMessage:
    """Onboard the patient, check in with these answers, and return the alert posted in the staff chat."""
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers(**answers))
    alert = await fake.group(STAFF_CHAT).next_output()
    assert (await user.next_output()).text == en.text("triage.clinic_notified"), "the bot has finished the alert"
    return alert


async def test_an_unacknowledged_alert_is_resent_until_someone_acknowledges(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """After 30 minutes with no acknowledgement staff get a reminder replying to the alert; after it, none."""
    alert = await report_to_the_clinic(fake_telegram, fake_telegram.user(8002), en, blisters="yes")
    staff_chat = fake_telegram.group(STAFF_CHAT)
    clock.now += timedelta(minutes=29)
    await bot.run_jobs()
    await staff_chat.expect_no_output()
    clock.now += timedelta(minutes=2)
    await bot.run_jobs()
    reminder = await staff_chat.next_output()
    assert reminder.plain_text.startswith(en.text("staff.resend", escalation_id=1, minutes=30)[:20])
    resend_call = fake_telegram.calls_to("sendMessage")[-1]
    assert resend_call.params.get("reply_to_message_id") == alert.message_id or "reply_parameters" in resend_call.params
    await staff_chat.press(fake_telegram.user(500, "Dr Lee"), en.label("acknowledge"), message=alert)
    await staff_chat.next_output()
    clock.now += timedelta(hours=2)
    await bot.run_jobs()
    await staff_chat.expect_no_output()


async def test_an_alert_raised_again_after_it_was_resolved_is_posted_afresh(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Resolved, then reported again the same day: a new message (the chat notifies), not a silent edit."""
    user = fake_telegram.user(8003)
    first = await report_to_the_clinic(fake_telegram, user, en, pus="yes")
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await staff_chat.press(fake_telegram.user(500, "Dr Lee"), en.label("resolve"), message=first)
    assert "resolved by Dr Lee" in (await staff_chat.next_output()).plain_text
    assert (await user.next_output()).text == en.text("triage.clinic_acknowledged")
    clock.now += timedelta(hours=1)
    await user.send("/checkin")
    assert (await user.next_output()).text.startswith(en.text("checkin.done_today", day=0))
    await user.press(en.label("checkin_again"))
    await user.next_output()
    await answer_all(user, en, with_answers(pus="yes", blisters="yes"))
    again = await staff_chat.next_output()
    assert again.message_id != first.message_id, "posted as a new message"
    assert en.text("staff.reason.blisters") in again.plain_text
    assert len(staff_chat.messages()) == 2, "the resolved alert stays as it was, for the record"
    assert again.button_labels() == [en.label("acknowledge"), en.label("resolve")]
    await staff_chat.press(fake_telegram.user(500, "Dr Lee"), en.label("acknowledge"), message=again)
    assert "acknowledged by Dr Lee" in (await staff_chat.next_output()).plain_text


async def test_a_photo_at_the_photo_step_goes_to_the_clinic_with_the_alert(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """The photo a patient sends during a same-day check-in is forwarded to the staff chat under the alert."""
    user = fake_telegram.user(8003)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    answers = with_answers(pus="yes")
    await answer_all(user, en, answers[: [q for q, _ in answers].index("photo")])
    await user.send_photo()
    note_question = await user.next_output()
    assert en.text("questions.note") in note_question.text
    await user.press(en.label("skip"))
    await user.next_output()
    await fake_telegram.group(STAFF_CHAT).next_output()
    forwarded = await fake_telegram.wait_for_call("sendPhoto")
    assert forwarded.params["chat_id"] == STAFF_CHAT
    assert str(forwarded.params["photo"]).startswith("PHO")


async def test_history_sends_a_chart_and_a_summary(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """/history after two check-ins sends a valid PNG chart and one summary line per check-in, alert marked."""
    user = fake_telegram.user(8004)
    await onboard(user, en, "date_2_days")
    await start_checkin(user, en, day=2)
    await answer_all(user, en, list(NORMAL_DAY))
    clock.now += timedelta(days=1)
    await start_checkin(user, en, day=3)
    await answer_all(user, en, with_answers(pus="yes"))
    await user.next_output()
    await user.send("/history")
    chart = await user.next_output()
    assert chart.photo is not None
    assert chart.photo.startswith(PNG_SIGNATURE)
    assert chart.text == en.text("history.chart_caption")
    summary = await user.next_output()
    assert summary.plain_text.count("\n") >= 3
    assert en.text("staff.tier.same_day") in summary.plain_text


async def test_history_with_no_checkins_offers_one(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """/history before any check-in says so and offers to start one."""
    user = fake_telegram.user(8005)
    await onboard(user, en)
    await user.send("/history")
    reply = await user.next_output()
    assert reply.text == en.text("history.empty")
    assert reply.button_labels() == [en.label("checkin_now")]


async def test_the_health_answer_makes_triage_more_careful(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A patient with diabetes who reports a new rash (soon) is told to contact the clinic today, and staff hear."""
    user = fake_telegram.user(8006)
    await onboard(user, en, health_answer="yes")
    await start_checkin(user, en, day=0)
    reply = await answer_all(user, en, with_answers(rash="yes"))
    assert reply.text.startswith(en.text("triage.same_day.title"))
    assert en.text("reasons.at_risk") in reply.text
    assert await fake_telegram.group(STAFF_CHAT).next_output()


async def test_an_alert_whose_first_post_failed_is_posted_by_a_later_job_run(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """If the staff chat refuses the alert at first, it is kept and posted by a later run; the patient is then told."""
    user = fake_telegram.user(8007)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    answers = with_answers(pus="yes")
    await answer_all(user, en, answers[:-1])
    fake_telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await user.press(en.label("skip"))
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.same_day.title"))
    await user.expect_no_output()  # not told the clinic was notified: it was not
    staff_chat = fake_telegram.group(STAFF_CHAT)
    assert staff_chat.messages() == []
    clock.now += timedelta(minutes=1)
    await bot.run_jobs()
    alert = await staff_chat.next_output()
    assert en.text("staff.reason.pus") in alert.plain_text
    assert alert.button_labels() == [en.label("acknowledge"), en.label("resolve")]
    assert (await user.next_output()).text == en.text("triage.clinic_notified")
    clock.now += timedelta(minutes=1)
    await bot.run_jobs()
    await staff_chat.expect_no_output()
