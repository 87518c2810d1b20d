"""Typed messages over HTTP: read into findings, answered by tier, and the clinic told of same-day and emergency ones.

The reader itself is table-tested in tests/test_reading.py and against the corpus in tests/test_typed_corpus.py; here
the whole bot answers what a patient types, outside and inside a check-in.
"""

from datetime import timedelta

import pytest

from bot.content.packs import Content, LanguagePack
from bot.domain.checkin import Question
from bot.domain.triage import Tier
from bot.local_api import LocalTelegram
from bot.reading.corpus import load_corpus
from tests.checkin_steps import answer_all, start_checkin, with_answers
from tests.conftest import TEST_ENV, BotWith, Clock, RunningBot
from tests.journeys import alert_while_advice_held, onboard
from tests.languages import english_in

STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])


async def test_a_typed_emergency_alerts_the_clinic_with_the_words_and_the_patient_hears_it(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Fever with pus, typed: 911 first, the signs read back, one alert quoting the escaped words, the patient told."""
    user = fake_telegram.user(9301)
    await onboard(user, en)
    await user.send("temp is 101.3F and theres yellow pus <b>bad</b>")
    reply = await user.next_output()
    assert en.text("triage.emergency.title") in reply.text
    assert en.text("typed.sign.fever_temperature", temperature="38.5") in reply.text
    assert en.text("typed.sign.pus") in reply.text
    assert (await user.next_output()).text == en.text("typed.clinic_notified")
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert en.text("staff.tier.emergency") in alert.plain_text
    assert en.text("staff.reason.fever_with_skin_sign") in alert.plain_text
    assert "temp is 101.3F and theres yellow pus <b>bad</b>" in alert.plain_text, "the words, escaped, not as HTML"
    assert en.text("staff.source.typed") in alert.plain_text
    assert alert.button_labels() == [en.label("acknowledge"), en.label("resolve")]


async def test_a_typed_emergency_alerts_the_clinic_while_the_advice_is_on_its_way(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """The alert of a typed emergency does not wait for the advice; the patient hears the clinic was told after it."""
    user = fake_telegram.user(9302)
    await onboard(user, en)
    typed = user.send("temp is 101.3F and theres yellow pus")
    alert, advice, told = await alert_while_advice_held(fake_telegram, STAFF_CHAT, user, "sendMessage", typed)
    assert en.text("staff.tier.emergency") in alert.plain_text
    assert en.text("triage.emergency.title") in advice.text
    assert told.text == en.text("typed.clinic_notified")


async def test_the_same_typed_sign_twice_updates_one_alert(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A second same-day message the same day updates the alert already posted instead of posting another."""
    user = fake_telegram.user(9302)
    await onboard(user, en)
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await user.send("there's pus in one spot")
    first = await staff_chat.next_output()
    await user.send("now some blisters near my lip too")
    updated = await staff_chat.next_output()
    assert updated.message_id == first.message_id
    assert en.text("staff.reason.blisters") in updated.plain_text
    assert len(staff_chat.messages()) == 1


async def test_a_negated_sign_gets_no_911(bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack) -> None:
    """'Breathing is fine, just itchy' is reassured for the day, with no emergency advice and no alert."""
    user = fake_telegram.user(9303)
    await onboard(user, en)
    await user.send("breathing is fine, just itchy")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("typed.self_care", day_text=en.normal_by_day.today(0))[:30])
    assert "911" not in reply.text.split("\n")[0]
    await user.expect_no_output()
    assert fake_telegram.group(STAFF_CHAT).messages() == []


async def test_a_soon_sign_gets_the_clinic_within_a_day_and_no_alert(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """Pimples still there on day 9: contact the clinic within a day, the questions offered, staff not alerted."""
    user = fake_telegram.user(9304)
    await onboard(user, en)
    clock.now += timedelta(days=9)
    await user.send("still got pimples all over my chin")
    reply = await user.next_output()
    assert en.text("triage.soon.title") in reply.text
    assert reply.button_labels()[0] == en.label("quick_questions")
    await user.expect_no_output()
    assert fake_telegram.group(STAFF_CHAT).messages() == []


@pytest.mark.parametrize("typed", ["if i get a fever should i call you", "the pain is getting worse every day"])
async def test_a_sign_the_reader_is_unsure_of_offers_the_questions(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, typed: str
) -> None:
    """'If I get a fever' is not a fever, and pain getting worse has no score: the questions are offered, one tap."""
    user = fake_telegram.user(9305)
    await onboard(user, en)
    await user.send(typed)
    reply = await user.next_output()
    assert reply.text == en.text("typed.unsure")
    assert reply.button_labels()[0] == en.label("quick_questions")
    await user.press(en.label("quick_questions"), message=reply)
    assert en.text("questions.breathing") in (await user.next_output()).text


async def test_a_note_that_mentions_pus_makes_the_checkin_same_day_with_an_alert(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Pus tapped 'no' but typed in the note: the check-in is same day, not 'normal healing', and staff are told."""
    user = fake_telegram.user(9306)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers()[:-1])
    await user.send("actually one spot has some pus in it")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.same_day.title"))
    assert en.text("reasons.pus") in reply.text
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert en.text("staff.reason.pus") in alert.plain_text
    assert "actually one spot has some pus in it" in alert.plain_text
    [checkin] = await bot.stored_checkins(9306)
    assert (checkin.tier, checkin.reasons) == ("same_day", ("pus",))


async def test_a_sign_typed_at_a_question_is_taken_into_the_checkin(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Typed at the pain question, 'my lips are swelling up' ends the check-in as an emergency at once."""
    user = fake_telegram.user(9307)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers()[:8])
    await user.send("my lips are swelling up")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.emergency.title"))
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert en.text("staff.reason.breathing") in alert.plain_text
    [checkin] = await bot.stored_checkins(9307)
    assert checkin.status == "emergency"


async def test_a_same_day_answer_partway_is_acknowledged_at_once(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Tapping 'yes' to pus says at once that this should be checked today, above the next question, only once."""
    user = fake_telegram.user(9308)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    answers = with_answers(pus="yes")
    await answer_all(user, en, answers[:6])
    acknowledged = user.last_message()
    line = en.text("checkin.same_day_so_far", clinic_phone="416-555-0199")
    assert line in acknowledged.text
    assert en.text("questions.warmth") in acknowledged.text
    await answer_all(user, en, answers[6:7])
    assert line not in user.last_message().text


async def test_staff_acknowledge_a_typed_alert_and_the_patient_hears_it(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Acknowledge works on an alert raised from typed words as on a check-in's: the patient is told."""
    user = fake_telegram.user(9309)
    await onboard(user, en)
    await user.send("i think its infected, theres pus")
    staff_chat = fake_telegram.group(STAFF_CHAT)
    alert = await staff_chat.next_output()
    assert (await user.next_output()).text.startswith(en.text("triage.same_day.title"))
    assert (await user.next_output()).text == en.text("typed.clinic_notified")
    await staff_chat.press(fake_telegram.user(500, "Dr Lee"), en.label("acknowledge"), message=alert)
    assert "acknowledged by Dr Lee" in (await staff_chat.next_output()).plain_text
    assert (await user.next_output()).text == en.text("triage.clinic_acknowledged")


async def test_a_long_note_is_still_read_for_signs(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A note past the length limit that ends with trouble breathing is read (its newest words kept): 911."""
    user = fake_telegram.user(9310)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers()[:-1])
    await user.send("all fine really. " * 70 + "but now i cant breathe properly")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.emergency.title"))
    [checkin] = await bot.stored_checkins(9310)
    assert checkin.tier == "emergency"


async def test_a_photos_caption_at_the_photo_step_is_the_note(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A photo captioned 'pus here' at the photo step is kept, and its caption makes the check-in same day."""
    user = fake_telegram.user(9311)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers()[:-2])
    await user.send_photo(caption="pus here on my cheek")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.same_day.title"))
    [checkin] = await bot.stored_checkins(9311)
    assert (checkin.tier, checkin.answers.get(Question.NOTE)) == ("same_day", "pus here on my cheek")
    assert checkin.answers.get(Question.PHOTO) not in (None, "skipped")


async def test_the_questions_offered_after_todays_checkin_start_a_new_one(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Checked in (all normal), then 'is this pus?': the questions button starts them, not today's old result."""
    user = fake_telegram.user(9312)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers())
    await user.send("is this pus??")
    reply = await user.next_output()
    assert en.text("triage.same_day.title") in reply.text
    await user.next_output()  # the clinic has been told
    await user.press(en.label("quick_questions"), message=reply)
    question = await user.next_output()
    assert en.text("questions.breathing") in question.text
    assert question.message_id != reply.message_id, "the advice stays where it is"


async def test_every_french_emergency_of_the_corpus_is_answered_in_french(
    bot_with: BotWith, fake_telegram: LocalTelegram, content: Content, en: LanguagePack
) -> None:
    """A French-speaking patient typing each French emergency of the corpus gets 911 first, in French only."""
    fr = content.pack("fr")
    rows = [row for row in load_corpus() if row.language == "fr" and row.least is Tier.EMERGENCY]
    assert len(rows) >= 40
    user = fake_telegram.user(9320, language_code="fr")
    async with bot_with(flood_max_updates=1000):
        await onboard(user, fr)
        for row in rows:
            user.skip_outputs()
            await user.send(row.text)
            reply = await user.next_output()
            assert fr.text("triage.emergency.title") in reply.text, f"line {row.line}"
    assert english_in([message.text for message in user.messages()], en) == []
