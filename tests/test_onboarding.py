"""Onboarding over HTTP: consent, every way of giving the treatment date, resuming, and restarts."""

from datetime import date, timedelta

import pytest

from bot.content.keys import Key, as_key
from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from tests.conftest import Clock, RunningBot
from tests.journeys import accept_consent, answer_health_question, onboard, press_answers_held, start_and_see_consent

TODAY = date(2026, 11, 24)


@pytest.mark.http  # one journey over the real network stack
async def test_accepting_consent_stores_the_patient_and_asks_the_date(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Accept creates exactly one patient, in the user's language, and moves on to the treatment date."""
    user = fake_telegram.user(1001)
    await accept_consent(user, en)
    patient = await bot.stored_patient(1001)
    assert patient is not None
    assert patient.language == "en"
    assert patient.treatment_date is None


async def test_declining_consent_stores_nothing_and_leaves_the_guide_open(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Decline writes no row, explains how to come back, and the menu still works without consent."""
    user = fake_telegram.user(1002)
    await start_and_see_consent(user, en)
    await user.press(en.label("consent_decline"))
    assert (await user.next_output()).buttons == []
    declined = await user.next_output()
    assert declined.text == en.text("consent_declined")
    await user.press(en.label("open_menu"))
    menu = await user.next_output()
    assert menu.text == en.screens["main"].text
    assert await bot.stored_patient(1002) is None


@pytest.mark.parametrize(
    ("button", "days_back"), [("date_today", 0), ("date_yesterday", 1), ("date_2_days", 2), ("date_3_days", 3)]
)
async def test_quick_date_buttons(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, button: str, days_back: int
) -> None:
    """Each quick button stores the right date and the confirmation names the day of recovery."""
    user = fake_telegram.user(1003)
    await accept_consent(user, en)
    await user.press(en.text(as_key(f"button.{button}")))
    confirmed = await user.next_output()
    treated = TODAY - timedelta(days=days_back)
    assert confirmed.text == en.text("date_confirmed", date=en.format_date(treated), day=days_back)
    await answer_health_question(user, en)
    patient = await bot.stored_patient(1003)
    assert patient is not None
    assert patient.treatment_date == treated


async def test_the_calendar_pages_back_and_forth_and_picks_a_date(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Another date opens a calendar; Earlier and Later move by pages in place; a date button is stored."""
    user = fake_telegram.user(1004)
    question = await accept_consent(user, en)
    await user.press(en.label("date_other"))
    first_page = await user.next_output()
    assert first_page.message_id == question.message_id, "the calendar replaces the question in place"
    assert first_page.text == en.text("pick_date")
    assert en.format_date(TODAY) in first_page.button_labels()
    await user.press(en.label("date_earlier"))
    second_page = await user.next_output()
    assert en.format_date(TODAY - timedelta(days=8)) in second_page.button_labels()
    assert en.format_date(TODAY) not in second_page.button_labels()
    await user.press(en.label("date_later"))
    assert en.format_date(TODAY) in (await user.next_output()).button_labels()
    await user.press(en.label("date_earlier"))
    await user.next_output()
    picked = TODAY - timedelta(days=10)
    await user.press(en.format_date(picked))
    assert (await user.next_output()).text == en.text("date_confirmed", date=en.format_date(picked), day=10)
    await user.next_output()
    patient = await bot.stored_patient(1004)
    assert patient is not None
    assert patient.treatment_date == picked


async def test_the_calendar_ends_at_the_oldest_date_allowed(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Paging back stops at 90 days: the last page has no Earlier, and Back returns to the quick choices."""
    user = fake_telegram.user(1005)
    await accept_consent(user, en)
    await user.press(en.label("date_other"))
    page = await user.next_output()
    pages = 1
    while en.label("date_earlier") in page.button_labels():
        await user.press(en.label("date_earlier"))
        page = await user.next_output()
        pages += 1
    assert pages == 12
    assert en.format_date(TODAY - timedelta(days=90)) in page.button_labels()
    assert en.format_date(TODAY - timedelta(days=91)) not in page.button_labels()
    await user.press(en.label("back"))
    assert (await user.next_output()).text == en.text("ask_treatment_date")


@pytest.mark.parametrize(
    ("typed", "treated"),
    [("2026-11-20", date(2026, 11, 20)), ("20/11", date(2026, 11, 20)), ("Nov 20", date(2026, 11, 20))],
)
async def test_a_typed_date_is_accepted(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, typed: str, treated: date
) -> None:
    """The documented typed forms set the treatment date."""
    user = fake_telegram.user(1006)
    await accept_consent(user, en)
    await user.send(typed)
    assert (await user.next_output()).text == en.text("date_confirmed", date=en.format_date(treated), day=4)
    await answer_health_question(user, en)


@pytest.mark.parametrize(
    ("typed", "reply_key"),
    [("2026-11-25", "date_in_future"), ("2026-08-25", "date_too_old"), ("sometime last week", "date_not_understood")],
)
async def test_a_bad_typed_date_is_refused_kindly(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, typed: str, reply_key: Key
) -> None:
    """Future, too-old and unreadable dates get their own explanation and the date buttons again."""
    user = fake_telegram.user(1007)
    await accept_consent(user, en)
    await user.send(typed)
    reply = await user.next_output()
    expected = en.text(reply_key, max_days=90) if reply_key == "date_too_old" else en.text(reply_key)
    assert reply.text == expected
    assert en.label("date_today") in reply.button_labels()
    patient = await bot.stored_patient(1007)
    assert patient is not None
    assert patient.treatment_date is None


async def test_start_again_resumes_and_never_duplicates(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """/start mid-way asks the date again; /start once onboarded welcomes back with the day and the menu."""
    user = fake_telegram.user(1008)
    await accept_consent(user, en)
    await user.send("/start")
    assert (await user.next_output()).text == en.text("ask_treatment_date_resume")
    await user.press(en.label("date_2_days"))
    await user.next_output()
    await answer_health_question(user, en)
    await user.send("/start")
    assert (await user.next_output()).text == en.text("welcome_back", day=2)
    assert (await user.next_output()).text == en.screens["main"].text


async def test_old_consent_buttons_do_not_change_anything(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Pressing Decline on an old consent message after accepting keeps the patient, with a short notice."""
    user = fake_telegram.user(1009)
    consent = await start_and_see_consent(user, en)
    await user.press(en.label("consent_accept"))
    await user.next_output()
    await user.next_output()
    await user.press_data("c:no", consent.message_id)
    assert (await user.next_output()).text == en.text("ask_treatment_date_resume")
    assert user.callback_answers()[-1].get("text") == en.text("consent_already")
    assert await bot.stored_patient(1009) is not None


@pytest.mark.http  # one journey over the real network stack
async def test_a_restart_in_the_middle_of_onboarding_resumes_it(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """After consent the bot restarts; the date button on the old message still completes onboarding."""
    user = fake_telegram.user(1010)
    await accept_consent(user, en)
    await bot.restart()
    await user.press(en.label("date_yesterday"))
    confirmed = await user.next_output()
    assert confirmed.text == en.text("date_confirmed", date=en.format_date(TODAY - timedelta(days=1)), day=1)
    await answer_health_question(user, en)


async def test_date_buttons_after_onboarding_are_stale(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A date button pressed again after onboarding does not move the treatment date."""
    user = fake_telegram.user(1011)
    await onboard(user, en, "date_3_days")
    question = user.messages()[2]
    await user.press_data("d:0", question.message_id)
    assert (await user.next_output()).text == en.text("welcome_back", day=3)
    assert user.callback_answers()[-1].get("text") == en.text("stale_button")
    await user.next_output()
    patient = await bot.stored_patient(1011)
    assert patient is not None
    assert patient.treatment_date == TODAY - timedelta(days=3)


@pytest.mark.parametrize("forged", ["d:99", "d:-1", "t:20261301", "t:20991231", "t:20200101", "p:x"])
async def test_forged_date_buttons_are_refused(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, forged: str
) -> None:
    """Date data the bot never offered (out of range, impossible, in the future) stores nothing."""
    user = fake_telegram.user(1012)
    question = await accept_consent(user, en)
    await user.press_data(forged, question.message_id)
    await user.expect_no_output()
    assert user.callback_answers()[-1].get("text") == en.text("stale_button")
    assert user.last_message().text == en.text("ask_treatment_date")
    patient = await bot.stored_patient(1012)
    assert patient is not None
    assert patient.treatment_date is None


async def test_consent_and_the_date_move_on_while_their_presses_are_answered(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Accept and a date button do not wait for the answers to their presses (on Telegram, each is a round trip)."""
    user = fake_telegram.user(1013)
    await start_and_see_consent(user, en)
    with press_answers_held(fake_telegram):
        await user.press(en.label("consent_accept"))
        cleared, asked = await user.next_output(), await user.next_output()
        assert (cleared.buttons, asked.text, user.callback_answers()) == ([], en.text("ask_treatment_date"), [])
    await bot.settle()
    with press_answers_held(fake_telegram):
        await user.press(en.label("date_yesterday"))
        confirmed = await user.next_output()
        assert confirmed.text == en.text("date_confirmed", date=en.format_date(TODAY - timedelta(days=1)), day=1)
        assert len(user.callback_answers()) == 1, "the date's press is still being answered"
    await answer_health_question(user, en)
    assert len(user.callback_answers()) == 3


async def test_a_toast_that_does_not_depend_on_the_work_goes_with_it(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A date button pressed after onboarding resumes the patient while its "out of date" toast is on its way."""
    user = fake_telegram.user(1014)
    await onboard(user, en, "date_today")
    answered = len(user.callback_answers())
    with press_answers_held(fake_telegram):
        await user.press_data("d:1", user.messages()[2].message_id)
        assert (await user.next_output()).text == en.text("welcome_back", day=0)
        assert len(user.callback_answers()) == answered
    await bot.settle()
    assert user.callback_answers()[-1].get("text") == en.text("stale_button")
