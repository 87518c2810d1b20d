"""Daily check-ins over HTTP: answers stored as given, triage replies, alerts to the clinic, Back, resume."""

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from bot.telegram.callbacks import checkin_answer
from tests.checkin_steps import NORMAL_DAY, answer_all, label_for, start_checkin, with_answers
from tests.conftest import TEST_CLINIC, TEST_ENV, Clock, RunningBot
from tests.journeys import alert_while_advice_held, onboard, press_answers_held

STAFF = 500  # in STAFF_USER_IDS of the test settings
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])


def stored_answers(settings: Settings, user_id: int) -> dict[str, str]:
    """Read a patient's answers straight from SQLite, as another process would."""
    with sqlite3.connect(Path(settings.database_path)) as connection:
        rows = connection.execute(
            "SELECT question, value FROM checkin_answer JOIN checkin ON checkin.id = checkin_id WHERE user_id = ?",
            (user_id,),
        ).fetchall()
    return dict(rows)


@pytest.mark.http  # one journey over the real network stack
async def test_a_normal_day_2_checkin_is_self_care_with_no_alert(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """A day-2 check-in with expected healing reassures with that day's facts and tells no one."""
    user = fake_telegram.user(5001)
    await onboard(user, en, "date_2_days")
    first = await start_checkin(user, en, day=2)
    reply = await answer_all(user, en, list(NORMAL_DAY))
    assert reply.message_id == first.message_id, "the whole check-in happens in one message"
    assert reply.text.startswith(en.text("triage.self_care.title"))
    assert en.normal_by_day.today(2) in reply.text
    assert en.text("triage.if_worse") in reply.text
    await user.expect_no_output()
    assert fake_telegram.group(STAFF_CHAT).messages() == []
    assert stored_answers(settings, 5001) == {q: ("skipped" if v == "skip" else v) for q, v in NORMAL_DAY}


@pytest.mark.http  # one journey over the real network stack
async def test_pus_on_day_4_alerts_the_clinic_and_the_patient_hears_back(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Pus on day 4 is same-day: the patient is told what to do, staff get an alert, acknowledge it, patient told.

    The alert names the patient as the check-in's update did, without asking Telegram (getChat) first.
    """
    user = fake_telegram.user(5002, "Dana", username="dana_k")
    await onboard(user, en, "date_3_days")
    clock.now += timedelta(days=1)
    await start_checkin(user, en, day=4)
    reply = await answer_all(user, en, with_answers(pus="yes"))
    assert reply.text.startswith(en.text("triage.same_day.title"))
    assert en.text("reasons.pus") in reply.text
    assert en.text("triage.clinic_open", clinic_phone="416-555-0199") in reply.text, "Wednesday 10:00 is open"
    assert (await user.next_output()).text == en.text("triage.clinic_notified")

    staff_chat = fake_telegram.group(STAFF_CHAT)
    alert = await staff_chat.next_output()
    assert "Dana" in alert.plain_text
    assert "@dana_k" in alert.plain_text
    assert en.text("staff.reason.pus") in alert.plain_text
    assert alert.button_labels() == [en.label("acknowledge"), en.label("resolve")]
    assert fake_telegram.calls_to("getChat") == [], "the update named the patient"

    staff = fake_telegram.user(STAFF, "Dr Lee")
    with press_answers_held(fake_telegram):  # the alert shows the change without waiting for the press's answer
        await staff_chat.press(staff, en.label("acknowledge"))
        acknowledged = await staff_chat.next_output()
        assert (acknowledged.message_id, staff.callback_answers()) == (alert.message_id, []), "updated in place"
    assert "Dr Lee" in acknowledged.plain_text
    assert "Dana (@dana_k)" in acknowledged.plain_text
    assert acknowledged.button_labels() == [en.label("resolve")]
    assert (await user.next_output()).text == en.text("triage.clinic_acknowledged")

    await staff_chat.press(staff, en.label("resolve"))
    resolved = await staff_chat.next_output()
    assert resolved.button_labels() == []
    await user.expect_no_output()


async def test_fever_with_spreading_redness_is_an_emergency_at_once(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Spreading redness then a fever of 38.5 stops the questions at once with the emergency advice."""
    user = fake_telegram.user(5003)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    steps = [("breathing", "no"), ("eyes", "no"), ("unwell", "no"), ("spreading", "slow"), ("fever", "yes")]
    await answer_all(user, en, steps)
    await user.press(label_for(en, "temperature", "38.5"))
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.emergency.title"))
    assert "911" in reply.plain_text
    assert en.text("reasons.fever_with_skin_sign") in reply.text
    assert en.text("questions.pus") not in reply.text, "no more questions once it is an emergency"
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert en.text("staff.tier.emergency") in alert.plain_text


async def test_a_red_flag_answered_yes_stops_the_questions(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Trouble breathing, the very first question, ends the check-in with 911 before anything else."""
    user = fake_telegram.user(5004)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await user.press(en.label("yes"))
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.emergency.title"))
    assert en.text("reasons.breathing") in reply.text


@pytest.mark.http  # one journey over the real network stack
async def test_a_restart_in_the_middle_of_a_checkin_resumes_it(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """Answers given before a restart are kept, and /checkin carries on from the next question."""
    user = fake_telegram.user(5005)
    await onboard(user, en, "date_yesterday")
    await start_checkin(user, en, day=1)
    await answer_all(user, en, list(NORMAL_DAY[:5]))
    assert len(stored_answers(settings, 5005)) == 5, "each answer is on disk as soon as it is given"
    await bot.restart()
    await user.send("/checkin")
    resumed = await user.next_output()
    assert en.text("checkin.resumed") in resumed.text
    assert en.text("questions.pus") in resumed.text
    reply = await answer_all(user, en, list(NORMAL_DAY[5:]))
    assert reply.text.startswith(en.text("triage.self_care.title"))


async def test_a_button_on_the_old_message_still_works_after_a_restart(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """The question on screen before a restart can be answered after it."""
    user = fake_telegram.user(5006)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await bot.restart()
    await user.press(en.label("no"))
    assert en.text("questions.eyes") in (await user.next_output()).text


async def test_back_changes_an_answer(bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack) -> None:
    """Back re-opens the previous question and the new answer replaces the old one."""
    user = fake_telegram.user(5007)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, [("breathing", "no"), ("eyes", "no")])
    await user.press(en.label("back"))
    again = await user.next_output()
    assert en.text("questions.eyes") in again.text
    await user.press(en.label("no"))
    assert en.text("questions.unwell") in (await user.next_output()).text


async def test_an_answer_is_stored_and_the_next_question_shown_while_the_press_is_answered(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """The next question does not wait for the answer to the press, and comes only once the answer is in SQLite."""
    user = fake_telegram.user(5010)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    answered = len(user.callback_answers())
    with press_answers_held(fake_telegram):
        await user.press(en.label("no"))
        assert en.text("questions.eyes") in (await user.next_output()).text
        assert (stored_answers(settings, 5010), len(user.callback_answers())) == ({"breathing": "no"}, answered)
    await bot.settle()
    assert len(user.callback_answers()) == answered + 1


async def test_the_clinic_is_alerted_while_the_advice_is_on_its_way_and_told_after_it(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """The alert does not wait for the patient's advice; "the clinic has been told" comes only after the advice."""
    user = fake_telegram.user(5011)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    pressed = user.press(en.label("yes"))  # trouble breathing: an emergency at once; the advice replaces the question
    alert, advice, told = await alert_while_advice_held(fake_telegram, STAFF_CHAT, user, "editMessageText", pressed)
    assert en.text("staff.tier.emergency") in alert.plain_text
    assert advice.text.startswith(en.text("triage.emergency.title"))
    assert told.text == en.text("triage.clinic_notified")


async def test_a_non_staff_user_cannot_acknowledge(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A patient in the staff chat, or anyone forging the data in private, is refused and nothing changes."""
    user = fake_telegram.user(5008)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers(blisters="yes"))
    await user.next_output()
    staff_chat = fake_telegram.group(STAFF_CHAT)
    alert = await staff_chat.next_output()
    intruder = fake_telegram.user(6666, "Mallory")
    await staff_chat.press(intruder, en.label("acknowledge"))
    await staff_chat.expect_no_output()
    assert intruder.callback_answers()[-1].get("text") == en.text("staff.not_staff")
    await intruder.press_data(alert.buttons[0][0].callback_data or "", 1)
    await intruder.expect_no_output()
    assert intruder.callback_answers()[-1].get("text") == en.text("staff.not_staff")
    await user.expect_no_output()
    assert staff_chat.last_message().button_labels() == [en.label("acknowledge"), en.label("resolve")]


async def test_check_in_again_turns_its_own_message_into_the_first_question(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """After "already checked in today", Check in again edits that message into question 1: no second message."""
    user = fake_telegram.user(5011)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, list(NORMAL_DAY))
    await user.send("/checkin")
    done = await user.next_output()
    sent_before = len(user.messages())
    await user.press(en.label("checkin_again"))
    question = await user.next_output()
    assert question.message_id == done.message_id
    assert en.text("checkin.intro", day=0) in question.text
    assert en.text("questions.breathing") in question.text
    assert len(user.messages()) == sent_before


async def test_the_same_tier_twice_a_day_updates_one_alert(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A second same-day check-in the same day updates the existing alert instead of posting another."""
    user = fake_telegram.user(5009)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers(pus="yes"))
    await user.next_output()
    staff_chat = fake_telegram.group(STAFF_CHAT)
    first = await staff_chat.next_output()
    await user.send("/checkin")
    done = await user.next_output()
    assert done.text.startswith(en.text("checkin.done_today", day=0))
    assert en.text("triage.same_day.title") in done.text, "today's result and what to do, again"
    await user.press(en.label("checkin_again"))
    await user.next_output()
    await answer_all(user, en, with_answers(blisters="yes"))
    await user.next_output()
    updated = await staff_chat.next_output()
    assert updated.message_id == first.message_id
    assert en.text("staff.reason.blisters") in updated.plain_text
    assert en.text("staff.reason.pus") in updated.plain_text
    assert len(staff_chat.messages()) == 1


async def test_cancel_keeps_the_answers_and_alerts_when_they_need_a_person(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """/cancel after reporting pus still gives the same-day advice and alerts the clinic."""
    user = fake_telegram.user(5010)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers(pus="yes")[:6])
    await user.send("/cancel")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.same_day.title"))
    assert (await fake_telegram.group(STAFF_CHAT).next_output()).button_labels()
    assert stored_answers(settings, 5010)["pus"] == "yes"


async def test_a_typed_temperature_and_note_are_taken(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """At the temperature step a typed 37.9 is taken (no fever); the note is stored as typed."""
    user = fake_telegram.user(5011)
    await onboard(user, en, "date_2_days")
    await start_checkin(user, en, day=2)
    await answer_all(user, en, [("breathing", "no"), ("eyes", "no"), ("unwell", "no"), ("spreading", "no")])
    await user.press(label_for(en, "fever", "yes"))
    await user.next_output()
    await user.send("37,9")
    assert en.text("questions.pus") in (await user.next_output()).text
    rest = [(q, v) for q, v in NORMAL_DAY[5:] if q != "note"]
    await answer_all(user, en, rest)
    await user.send("Feels a bit tight <b>today</b>")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.self_care.title"))
    answers = stored_answers(settings, 5011)
    assert answers["temperature"] == "37.9"
    assert answers["note"] == "Feels a bit tight <b>today</b>"


async def test_checkin_before_onboarding_is_refused_kindly(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """/checkin from someone without a treatment date points them to /start."""
    user = fake_telegram.user(5012)
    await user.send("/checkin")
    assert (await user.next_output()).text == en.text("checkin.not_onboarded")


async def test_a_same_day_reply_out_of_hours_points_to_health811(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """At 20:00 the clinic is closed, so the same-day reply says so and gives Health811."""
    user = fake_telegram.user(5013)
    await onboard(user, en)
    clock.now += timedelta(hours=10)  # 20:00 in Toronto
    await start_checkin(user, en, day=0)
    reply = await answer_all(user, en, with_answers(pus="yes"))
    assert en.text("triage.clinic_closed", clinic_hours="Mon-Fri 9:00-17:00") in reply.text
    assert "811" in reply.plain_text


async def test_an_emergency_reply_gives_911_and_no_clinic_line(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """An emergency reply is about 911 only: no "clinic open" or Health811 line that could read as an alternative."""
    user = fake_telegram.user(5014)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, [("breathing", "no"), ("eyes", "yes")])
    reply = user.last_message()
    assert reply.text.startswith(en.text("triage.emergency.title"))
    assert en.text("triage.clinic_open", clinic_phone="416-555-0199") not in reply.text


async def test_a_checkin_left_open_from_yesterday_is_closed_and_a_new_one_starts(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Yesterday's unfinished check-in is not resumed as today's: it is closed (kept) and today's starts afresh."""
    user = fake_telegram.user(5015)
    await onboard(user, en, "date_yesterday")
    await start_checkin(user, en, day=1)
    await answer_all(user, en, list(NORMAL_DAY[:3]))
    clock.now += timedelta(days=1)
    await user.send("/checkin")
    assert (await user.next_output()).text == en.text("checkin.expired", day=1)
    fresh = await user.next_output()
    assert en.text("checkin.intro", day=2) in fresh.text
    [closed] = await bot.stored_checkins(5015)
    assert closed.day == 1
    assert len(closed.answers.values) == 3


async def test_text_typed_at_the_photo_step_becomes_the_note(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """A patient who types instead of sending a photo has no photo and that text as their note."""
    user = fake_telegram.user(5016)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, [(q, v) for q, v in NORMAL_DAY if q not in ("photo", "note")])
    await user.send("chin spot looks a bit yellow")
    assert (await user.next_output()).text.startswith(en.text("triage.self_care.title"))
    answers = stored_answers(settings, 5016)
    assert answers["photo"] == "skipped"
    assert answers["note"] == "chin spot looks a bit yellow"


async def test_a_button_on_the_triage_reply_keeps_the_reply_in_the_chat(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """The "When to get help" button under the advice opens that screen anew; the advice itself stays."""
    user = fake_telegram.user(5017)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    reply = await answer_all(user, en, with_answers(pus="yes"))
    await user.next_output()
    await user.press(en.label("get_help"), message=reply)
    screen = await user.next_output()
    assert screen.message_id != reply.message_id
    assert screen.text == en.render_screen("get_help", TEST_CLINIC, 0)
    assert user.messages()[-3].text == reply.text, "the advice is still there, unchanged"


async def test_an_older_questions_button_is_answered_alongside_showing_the_question_due(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A press on an answered question's button shows the question due now without waiting for its toast."""
    user = fake_telegram.user(5012)
    await onboard(user, en)
    first = await start_checkin(user, en, day=0)
    await user.press(en.label("no"))
    await user.next_output()
    answered, since = len(user.callback_answers()), len(fake_telegram.calls)
    with press_answers_held(fake_telegram):
        await user.press_data(checkin_answer("breathing", "no"), first.message_id)
        shown = await fake_telegram.wait_for_call("editMessageText", since=since)  # the same question: "not modified"
        assert en.text("questions.eyes") in str(shown.params["text"])
        assert len(user.callback_answers()) == answered
    await bot.settle()
    assert user.callback_answers()[-1].get("text") == en.text("stale_button")
