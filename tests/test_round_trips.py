"""Bot API round trips in series per kind of update, counted against the fake at a latency like Telegram's.

On Telegram every call is a round trip of 30-150 ms, so what a patient waits for is how many calls come one after
another, not how many there are. Here each call waits LATENCY_MS at the fake (bot.local_api's Latency), and a call is
one round trip deeper than the deepest call answered before it was made: calls made together share a depth. The
figures are counts, not times; the latency only keeps calls made together apart from calls made one after another.
"""

from collections.abc import Awaitable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.content.keys import as_key
from bot.content.packs import LanguagePack
from bot.local_api import Latency, LocalGroup, LocalTelegram, LocalUser
from bot.local_api.records import Reply
from bot.telegram.callbacks import menu as menu_data
from tests.checkin_steps import start_checkin
from tests.conftest import TEST_ENV, Clock, RunningBot
from tests.journeys import start_and_see_consent

STAFF = 500  # in STAFF_USER_IDS of the test settings
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
LATENCY_MS = 150.0  # far longer than the bot's own work between two calls made together


@dataclass(frozen=True)
class Trip:
    """One Bot API call of an update: its method, the chat it went to (by name), and its depth in round trips."""

    method: str
    to: str
    depth: int


@contextmanager
def round_trips(fake: LocalTelegram, chats: Mapping[int, str]) -> Iterator[list[Trip]]:
    """Record each call (but getUpdates) with its depth, every call waiting LATENCY_MS at the fake; let go after."""
    trips: list[Trip] = []
    answered = [0]  # the depths of the calls answered so far
    answer = fake.answer

    async def measured(method: str, token: str, raw: dict[str, Any]) -> Reply:
        """Answer a call after the latency, one round trip deeper than any call answered before it was made."""
        if method.lower() == "getupdates":
            return await answer(method, token, raw)
        trip = Trip(method, chats.get(int(raw.get("chat_id", 0)), ""), 1 + max(answered))
        trips.append(trip)
        try:
            return await answer(method, token, raw)
        finally:
            answered.append(trip.depth)

    vars(fake)["answer"], fake.latency = measured, Latency(LATENCY_MS)
    try:
        yield trips
    finally:
        fake.latency = None
        del vars(fake)["answer"]


def in_series(trips: list[Trip]) -> list[str]:
    """Return the calls round trip by round trip: those of each depth, sorted, as "method chat" joined by commas."""
    depths = range(1, max((trip.depth for trip in trips), default=0) + 1)
    return [", ".join(sorted(f"{t.method} {t.to}".strip() for t in trips if t.depth == depth)) for depth in depths]


async def test_round_trips_in_series_per_kind_of_update(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A press's screen is one round trip away, and the clinic's alert does not wait a round trip for the advice."""
    user, staff = fake_telegram.user(9901, "Dana"), fake_telegram.user(STAFF, "Dr Lee")
    staff_chat, chats = fake_telegram.group(STAFF_CHAT), {9901: "patient", STAFF_CHAT: "staff"}
    seen: dict[str, list[str]] = {}

    async def measure(kind: str, update: Awaitable[object], *outputs: LocalUser | LocalGroup) -> None:
        """Send the update, wait for its outputs (one per chat listed) and for the bot to be done; keep its calls."""
        with round_trips(fake_telegram, chats) as trips:
            await update
            for chat in outputs:
                await chat.next_output()
            await bot.settle()
        seen[kind] = in_series(trips)

    await start_and_see_consent(user, en)
    await measure("consent accepted", user.press(en.label("consent_accept")), user, user)
    await measure("treatment date", user.press(en.text(as_key("button.date_3_days"))), user, user)
    await measure("health answer in onboarding", user.press(en.label("no")), user, user)
    await measure("menu tap", user.press_data(menu_data("normal"), user.last_message().message_id), user)
    await measure("command (/settings)", user.send("/settings"), user)
    await measure("settings button", user.press(en.label("settings_time")), user)
    clock.now += timedelta(days=1)
    await start_checkin(user, en, day=4)
    await measure("check-in answer", user.press(en.label("no")), user)
    await measure("check-in answer with an alert", user.press(en.label("yes")), user, user, staff_chat)  # eyes
    await measure("staff acknowledge", staff_chat.press(staff, en.label("acknowledge")), staff_chat, user)
    clock.now += timedelta(days=1)
    await measure("typed emergency", user.send("temp is 101.3F and theres yellow pus"), user, user, staff_chat)

    answer, edit, told = "answerCallbackQuery", "editMessageText patient", "sendMessage patient"
    assert seen == {
        "consent accepted": [f"{answer}, editMessageReplyMarkup patient", "sendMessage patient"],
        "treatment date": [f"{answer}, {edit}", "sendMessage patient"],
        "health answer in onboarding": [f"{answer}, {edit}", "sendMessage patient"],
        "menu tap": [f"{answer}, {edit}"],
        "command (/settings)": ["sendMessage patient"],
        "settings button": [f"{answer}, {edit}"],
        "check-in answer": [f"{answer}, {edit}"],
        # the advice and the alert together; "the clinic has been told" once both are over
        "check-in answer with an alert": [f"{answer}, {edit}, sendMessage staff", told],
        "staff acknowledge": [f"{answer}, editMessageText staff, {told}"],
        "typed emergency": ["sendMessage patient, sendMessage staff", told],
    }
