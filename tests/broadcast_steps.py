"""Steps the broadcast tests share: patients written straight into the database, composing, waiting for the report."""

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from bot.care.broadcasts import format_duration
from bot.config import Settings
from bot.content.keys import Key, as_key
from bot.content.packs import LanguagePack
from bot.local_api import BotMessage, LocalTelegram, LocalUser
from bot.storage import Database
from bot.storage.broadcasts import Broadcast, BroadcastStatus, Tally
from bot.telegram.callbacks import parse_broadcast_button as parse_button
from tests.storage_support import NOW, TODAY

STAFF = 500  # in STAFF_USER_IDS of the test settings
TWO_DAYS_AGO = TODAY - timedelta(days=2)


async def add_patients(
    settings: Settings, fake: LocalTelegram, user_ids: Iterable[int], treated: date = TWO_DAYS_AGO
) -> list[int]:
    """Write onboarded patients straight through the stores (fast, for hundreds) and open their chats in the fake."""
    ids = list(user_ids)
    async with await Database.open(settings.database_path) as database:
        for user_id in ids:
            await database.patients.add_consented(user_id, "en", NOW)
            await database.patients.set_treatment_date(user_id, treated, NOW)
    for user_id in ids:
        fake.user(user_id)
    return ids


async def stored_broadcast(settings: Settings, broadcast_id: int) -> tuple[Broadcast, Tally]:
    """Return a broadcast and its recipients' tally as the database holds them now, over a second connection."""
    async with await Database.open(settings.database_path) as database:
        found = await database.broadcasts.get(broadcast_id)
        assert found is not None
        return found, await database.broadcasts.tally(broadcast_id)


async def audit_entries(settings: Settings) -> list[tuple[int, str, str]]:
    """Return the audit log as (staff id, action, subject), oldest first."""
    async with await Database.open(settings.database_path) as database:
        return [(entry.staff_id, entry.action, entry.subject) for entry in reversed(await database.audit.recent())]


def broadcast_id_of(message: BotMessage) -> int:
    """Return the broadcast id the buttons of a message carry."""
    for row in message.buttons:
        for button in row:
            parsed = parse_button(button.callback_data or "")
            if parsed is not None:
                return parsed[0]
    raise AssertionError(f"no broadcast button on {message.button_labels()}")


async def outputs(user: LocalUser, count: int) -> list[BotMessage]:
    """Return the next `count` outputs in a chat."""
    return [await user.next_output() for _ in range(count)]


async def start_composing(staff: LocalUser, en: LanguagePack) -> BotMessage:
    """Send /broadcast and return the request for the message, checking it offers Cancel."""
    await staff.send("/broadcast")
    asked = await staff.next_output()
    assert asked.text == en.text("broadcast.ask_message")
    assert asked.button_labels() == [en.text("broadcast.button.cancel")]
    return asked


async def compose_text(staff: LocalUser, en: LanguagePack, text_html: str) -> BotMessage:
    """Start a broadcast and send its text (formatted, as Telegram HTML); return the audience question."""
    await start_composing(staff, en)
    await staff.send_html(text_html)
    return await skip_translation(staff, en)


async def skip_translation(staff: LocalUser, en: LanguagePack, language: str = "Français") -> BotMessage:
    """Answer the question for the message in another language with Skip; return the audience question."""
    asked = await staff.next_output()
    assert asked.text == en.text("broadcast.ask_translation", language=language)
    await staff.press(en.text("broadcast.button.skip_translation"), message=asked)
    cleared, question = await outputs(staff, 2)
    assert cleared.buttons == [], "the Skip button is taken off once pressed"
    assert question.text == en.text("broadcast.ask_audience")
    return question


async def choose_audience(staff: LocalUser, en: LanguagePack, button: str) -> tuple[BotMessage, BotMessage]:
    """Press an audience button; return the preview and the confirmation (then the question loses its buttons)."""
    await staff.press(en.text(as_key(f"broadcast.button.{button}")))
    preview, confirm, question = await outputs(staff, 3)
    assert question.buttons == [], "the audience buttons are taken off once one is chosen"
    return preview, confirm


async def type_audience(staff: LocalUser, typed: str) -> tuple[BotMessage, BotMessage]:
    """Type an audience; return the preview and the confirmation."""
    await staff.send(typed)
    preview, confirm = await outputs(staff, 2)
    return preview, confirm


def report_heading(en: LanguagePack, broadcast_id: int, *, cancelled: bool = False) -> str:
    """Return the first line of a broadcast's final report (or of the report of a cancelled one)."""
    key: Key = "broadcast.report_cancelled" if cancelled else "broadcast.report"
    counts = dict.fromkeys(
        ("recipients", "sent_count", "unconfirmed_count", "blocked_count", "failed_count", "pending_count"), 0
    )
    return en.text(key, broadcast_id=broadcast_id, duration="", **counts).split("\n")[0]


async def wait_for_report(
    staff: LocalUser, en: LanguagePack, broadcast_id: int, *, cancelled: bool = False, within: float = 60.0
) -> BotMessage:
    """Read the staff chat's outputs until the final report, and return it."""
    heading = report_heading(en, broadcast_id, cancelled=cancelled)
    deadline = asyncio.get_running_loop().time() + within
    while True:
        shown = await staff.next_output(timeout=max(0.1, deadline - asyncio.get_running_loop().time()))
        if shown.text.startswith(heading):
            return shown


def delivered(fake: LocalTelegram, text: str | None = None) -> Counter[int]:
    """Count the messages the fake accepted per chat (sendMessage and sendPhoto that did not fail), or only one text."""
    calls = [*fake.calls_to("sendMessage"), *fake.calls_to("sendPhoto")]
    accepted = [call for call in calls if call.error is None]
    wanted = [call for call in accepted if text is None or call.params.get("text", call.params.get("caption")) == text]
    return Counter(int(call.params["chat_id"]) for call in wanted)


async def answer_to(fake: LocalTelegram, query_id: str) -> str | None:
    """Wait until the bot has answered a button press, and return the answer's text (None for a silent answer)."""
    found = await fake._wait_until(lambda: next((p for q, p in fake.answers if q == query_id), None), 5.0)
    assert found is not None, f"button press {query_id} was not answered"
    text = found.get("text")
    return None if text is None else str(text)


async def report_for(settings: Settings, en: LanguagePack, broadcast_id: int) -> str:
    """Build the final report the staff member should see, from the figures and times the database holds."""
    broadcast, tally = await stored_broadcast(settings, broadcast_id)
    assert broadcast.started_at is not None
    assert broadcast.finished_at is not None
    taken = (broadcast.finished_at - broadcast.started_at).total_seconds()
    key: Key = "broadcast.report_cancelled" if broadcast.status is BroadcastStatus.CANCELLED else "broadcast.report"
    extra = {"pending_count": tally.unsent} if broadcast.status is BroadcastStatus.CANCELLED else {}
    return en.text(
        key,
        broadcast_id=broadcast_id,
        recipients=tally.total,
        sent_count=tally.sent,
        unconfirmed_count=tally.unconfirmed,
        blocked_count=tally.blocked,
        failed_count=tally.failed,
        duration=format_duration(en, taken),
        **extra,
    )
