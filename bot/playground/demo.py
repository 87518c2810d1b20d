"""The seeded demo: a few patients at different days of recovery, with check-ins and one open alert.

It drives the real bot as the patients would (they send /start and press its buttons, in their language), never
writing to the database itself; the buttons' data comes from the bot's own codecs.
"""

import logging
from datetime import timedelta

from bot.domain.checkin import QUESTION_ORDER
from bot.local_api import Button, LocalUser
from bot.playground.session import Playground, PlaygroundError
from bot.telegram import callbacks

logger = logging.getLogger(__name__)

# A normal day, by question (those not listed here are not asked on such a day).
NORMAL_DAY = {question.value: "no" for question in QUESTION_ORDER} | {
    "spreading": "no",
    "fever": "no",
    "pain": "2",
    "redness": "mild",
    "redness_trend": "better",
    "swelling": "none",
    "pimples": "few",
    "pimples_increasing": "no",
    "photo": "skipped",
    "note": "skipped",
}
# (name, language, days since the treatment, what differs from a normal day in today's check-in)
PATIENTS: tuple[tuple[str, str, int, dict[str, str]], ...] = (
    ("Alex", "en", 1, {"pain": "4", "redness": "moderate", "redness_trend": "same"}),
    ("Camille", "fr", 3, {"pus": "yes", "warmth": "yes"}),  # same-day: the open alert in the staff chat
    ("Sam", "en", 8, {"redness": "none", "pimples": "none"}),
)
MAX_STEPS = 40  # presses in one check-in, at most: a guard against a loop if the bot asks something unforeseen


async def seed_demo(playground: Playground) -> None:
    """Create the demo's patients and walk each through onboarding and today's check-in."""
    for name, language, days_ago, changes in PATIENTS:
        user = playground.fake.user(playground.add_patient(name, language).user_id)
        await _onboard(playground, user, language, days_ago)
        await _check_in(playground, user, NORMAL_DAY | changes)
    logger.info("demo seeded: %s patients", len(PATIENTS))


async def _press(playground: Playground, user: LocalUser, data: str) -> None:
    """Press the button with this data on the newest bot message that offers it, and wait for the bot."""
    offering = [message for message in user.messages() if data in _data_on(message.buttons)]
    if not offering:
        raise PlaygroundError(500, f"the demo found no button {data!r}: has the bot changed?")
    await user.press_data(data, offering[-1].message_id)
    await playground.settle()


def _data_on(rows: list[list[Button]]) -> list[str]:
    """Return the callback data of every button on a keyboard."""
    return [button.callback_data for row in rows for button in row if button.callback_data]


async def _onboard(playground: Playground, user: LocalUser, language: str, days_ago: int) -> None:
    """Send /start, accept, give the treatment date (a quick button, or typed when older) and answer the health one."""
    await user.send("/start")
    await playground.settle()
    await _press(playground, user, callbacks.consent_choice(True, language))
    if days_ago <= 3:
        await _press(playground, user, callbacks.days_back(days_ago))
    else:
        treated = playground.clock().astimezone(playground.settings.clinic_timezone).date() - timedelta(days=days_ago)
        await user.send(treated.isoformat())
        await playground.settle()
    await _press(playground, user, callbacks.risk("onboarding", "no"))


async def _check_in(playground: Playground, user: LocalUser, answers: dict[str, str]) -> None:
    """Send /checkin and answer each question the bot asks, as the answers say, until it stops asking."""
    await user.send("/checkin")
    await playground.settle()
    for _ in range(MAX_STEPS):
        shown = user.last_message()
        asked = [parsed for data in _data_on(shown.buttons) if (parsed := callbacks.parse_checkin_answer(data))]
        if not asked:
            return
        question = asked[0][0]
        await _press(playground, user, callbacks.checkin_answer(question, answers[question]))
    raise PlaygroundError(500, "the demo's check-in did not end")
