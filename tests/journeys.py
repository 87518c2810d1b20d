"""Steps a simulated patient takes again and again, shared by the journey tests."""

import asyncio
from collections.abc import Awaitable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from bot.content.keys import as_key
from bot.content.packs import LanguagePack
from bot.local_api import BotMessage, LocalTelegram, LocalUser
from bot.local_api.records import Reply


async def start_and_see_consent(user: LocalUser, en: LanguagePack) -> BotMessage:
    """Send /start as a new patient and return the consent screen, after checking the welcome came first."""
    await user.send("/start")
    welcome = await user.next_output()
    assert "Maple Skin Clinic" in welcome.plain_text
    consent = await user.next_output()
    assert consent.text == en.text("consent")
    assert consent.button_labels()[:2] == [en.label("consent_accept"), en.label("consent_decline")]
    return consent


async def accept_consent(user: LocalUser, en: LanguagePack) -> BotMessage:
    """Go from /start through Accept, and return the treatment-date question."""
    await start_and_see_consent(user, en)
    await user.press(en.label("consent_accept"))
    cleared = await user.next_output()
    assert cleared.buttons == [], "the consent buttons are taken off once answered"
    question = await user.next_output()
    assert question.text == en.text("ask_treatment_date")
    return question


async def answer_health_question(user: LocalUser, en: LanguagePack, answer: str = "no") -> BotMessage:
    """Answer the optional health-condition question that follows the date, and return the main menu."""
    question = await user.next_output()
    assert question.text == en.text("settings.risk_question")
    await user.press(en.text(as_key(f"button.{answer}")))
    assert (await user.next_output()).text == en.text("settings.risk_saved")
    menu = await user.next_output()
    assert menu.text == en.screens["main"].text
    return menu


async def onboard(
    user: LocalUser, en: LanguagePack, date_button: str = "date_today", *, health_answer: str = "no"
) -> BotMessage:
    """Onboard a patient with a quick date button and a health answer, and return the main menu that follows."""
    await accept_consent(user, en)
    await user.press(en.text(as_key(f"button.{date_button}")))
    confirmed = await user.next_output()
    assert confirmed.buttons == []
    return await answer_health_question(user, en, health_answer)


async def onboard_typing_the_date(user: LocalUser, en: LanguagePack, typed_date: str) -> BotMessage:
    """Onboard a patient who types their treatment date (as "Nov 22"); return the date's confirmation."""
    await accept_consent(user, en)
    await user.send(typed_date)
    confirmed = await user.next_output()
    await answer_health_question(user, en)
    return confirmed


@contextmanager
def calls_held(fake: LocalTelegram, method: str, chat_id: int | None = None) -> Iterator[asyncio.Event]:
    """Hold every call of a method (to one chat, if given) on its way to the fake until the event is set; let go after.

    A slow network for that call alone: what the bot does meanwhile did not wait for its reply.
    """
    release, answer = asyncio.Event(), fake.answer

    async def held(name: str, token: str, raw: dict[str, Any]) -> Reply:
        """Answer a call, once released if it is one of those held."""
        if name.lower() == method.lower() and chat_id in (None, int(raw.get("chat_id", 0))):
            await release.wait()
        return await answer(name, token, raw)

    vars(fake)["answer"] = held  # this fake's calls only, in process and over HTTP alike
    try:
        yield release
    finally:
        release.set()
        del vars(fake)["answer"]


async def alert_while_advice_held(
    fake: LocalTelegram, staff_chat: int, user: LocalUser, method: str, sent: Awaitable[object]
) -> list[BotMessage]:
    """Hold the advice (`method` to the patient) while `sent` is handled; return the alert, then the patient's next two.

    The staff chat's alert is posted meanwhile; nothing reaches the patient before the advice is let go.
    """
    with calls_held(fake, method, user.chat_id):
        await sent
        alert = await fake.group(staff_chat).next_output()
        await user.expect_no_output(within=0.3)  # not even "the clinic has been told" (its send is not held)
    return [alert, await user.next_output(), await user.next_output()]


def press_answers_held(fake: LocalTelegram) -> AbstractContextManager[asyncio.Event]:
    """Hold every answerCallbackQuery (the answer to a button press) until the event is set; let go after."""
    return calls_held(fake, "answerCallbackQuery")
