"""A French-speaking patient over HTTP: French from their Telegram language to the alert, and a language switch."""

from collections import deque
from datetime import timedelta

import pytest

from bot.content.packs import Content, LanguagePack
from bot.local_api import LocalTelegram
from tests.checkin_steps import answer_all, start_checkin, with_answers
from tests.conftest import TEST_ENV, Clock, RunningBot
from tests.journeys import answer_health_question, onboard, start_and_see_consent
from tests.languages import english_in

pytestmark = pytest.mark.http  # the journeys of a French-speaking patient, over the real network stack

STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])


async def test_a_french_speaking_patient_is_answered_in_french_from_start_to_alert(
    bot: RunningBot, fake_telegram: LocalTelegram, content: Content, en: LanguagePack, clock: Clock
) -> None:
    """Onboarding from language_code=fr-CA, a same-day check-in, the alert, /history and a reminder: all French."""
    fr = content.pack("fr")
    user = fake_telegram.user(9101, "Élise", language_code="fr-CA")
    menu = await onboard(user, fr)
    assert menu.text == fr.screens["main"].text
    await start_checkin(user, fr, day=0)
    reply = await answer_all(user, fr, with_answers(pus="yes"))
    assert reply.text.startswith(fr.text("triage.same_day.title"))
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert en.text("staff.reason.pus") in alert.plain_text, "the clinic reads its alerts in its own language"
    assert fr.label("language") in alert.plain_text, "the alert says the patient reads French"
    assert (await user.next_output()).text == fr.text("triage.clinic_notified")
    await user.send("/history")
    chart = await user.next_output(timeout=20)  # the chart is drawn in a thread: matplotlib's first use is slow
    assert chart.text == fr.text("history.chart_caption")
    summary = await user.next_output()
    assert fr.text("staff.tier.same_day") in summary.plain_text
    clock.now += timedelta(days=1)
    await bot.run_jobs()
    reminder = await user.next_output()
    assert reminder.text == fr.text("reminders.daily", day=1)
    assert english_in([message.text for message in user.messages()], en) == []


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_every_screen_reads_in_the_patients_language(
    bot: RunningBot, fake_telegram: LocalTelegram, content: Content, en: LanguagePack, language: str
) -> None:
    """Walking the whole menu by its buttons reaches every screen, each in the patient's language's text."""
    pack = content.pack(language)
    user = fake_telegram.user(9102, language_code=language)
    menu = await onboard(user, pack)
    seen, queue = {"main"}, deque([("main", menu)])
    while queue:
        screen_id, shown = queue.popleft()
        for button in (button for row in pack.screens[screen_id].rows for button in row if not button.is_action):
            await user.press(button.label, message=shown)
            child = await user.next_output()
            assert child.text.startswith(pack.screens[button.target].text.split("{", 1)[0])
            if button.target not in seen:
                seen.add(button.target)
                queue.append((button.target, child))
            await user.press(pack.label("back"), message=child)
            shown = await user.next_output()
    assert seen == set(pack.screens)
    found = english_in([message.text for message in user.messages()], en)
    assert (found == []) is (language == "fr"), "no English for a French speaker, and the check finds it in English"


async def test_the_language_can_be_switched_before_consent_and_in_settings(
    bot: RunningBot, fake_telegram: LocalTelegram, content: Content, en: LanguagePack
) -> None:
    """The Français button on the consent screen shows it in French and keeps French; /settings switches back."""
    fr = content.pack("fr")
    user = fake_telegram.user(9103, language_code="en")
    consent = await start_and_see_consent(user, en)
    assert consent.button_labels()[2:] == [fr.label("language")], "one tap to French, named in French"
    await user.press(fr.label("language"), message=consent)
    assert (await user.next_output()).buttons == [], "the English consent buttons are taken off"
    assert "Maple Skin Clinic" in (await user.next_output()).plain_text
    french_consent = await user.next_output()
    assert french_consent.text == fr.text("consent")
    assert french_consent.button_labels()[2:] == [en.label("language")]
    await user.press(fr.label("consent_accept"), message=french_consent)
    await user.next_output()
    assert (await user.next_output()).text == fr.text("ask_treatment_date")
    stored = await bot.stored_patient(9103)
    assert stored is not None
    assert stored.language == "fr", "the language consented in is kept"
    await user.press(fr.text("button.date_today"))
    await user.next_output()
    await answer_health_question(user, fr)
    await user.send("/settings")
    settings = await user.next_output()
    await user.press(en.label("language"), message=settings)
    switched = await user.next_output()
    assert switched.text.startswith(en.text("settings.language_saved"))
    await user.send("/help")
    assert (await user.next_output()).text == en.text("help")
    stored = await bot.stored_patient(9103)
    assert stored is not None
    assert stored.language == "en"
