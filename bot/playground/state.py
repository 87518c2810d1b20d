"""What the page shows: the playground's state as the JSON of the API contract (GET /api/state)."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.local_api import BOT_USER, BotMessage, UserMessage, render
from bot.playground.session import STAFF_CHAT, STAFF_ID, STAFF_NAME, STAFF_TITLE, Playground

_USER_KINDS = ("text", "photo", "document", "sticker", "voice")


def clock_label(moment: datetime) -> str:
    """Return the clock as the page shows it, e.g. "Thu 3 Dec, 09:59"."""
    return f"{moment:%a} {moment.day} {moment:%b}, {moment:%H:%M}"


def _bot_message(message: BotMessage, zone: ZoneInfo) -> dict[str, Any]:
    """Return one of the bot's messages as the page shows it."""
    text, entities = render(message.text, message.parse_mode)
    with_file = message.kind in ("photo", "document") and message.file_id is not None
    return {
        "id": message.message_id,
        "from": "bot",
        "sender": BOT_USER["first_name"],  # the bot's name, as Telegram shows it above its messages
        "kind": message.kind,
        "text": text,
        "entities": entities,
        "buttons": [
            [{"text": button.text, "data": button.callback_data, "url": button.url} for button in row]
            for row in message.buttons
        ],
        "file_url": f"/api/files/{message.file_id}" if with_file else None,
        "file_name": message.document_name if message.kind == "document" else None,
        "edited": message.edit_date is not None,
        "time": f"{datetime.fromtimestamp(message.date, zone):%H:%M}",
    }


def _user_message(message: UserMessage, zone: ZoneInfo) -> dict[str, Any]:
    """Return a user's own message as the page shows it."""
    fields = message.message
    kind = next((kind for kind in _USER_KINDS if kind in fields), "other")
    file_id = fields["photo"][-1]["file_id"] if kind == "photo" else None
    return {
        "id": message.message_id,
        "from": "user",
        "sender": message.sender.get("first_name", ""),
        "kind": kind,
        "text": message.text,
        "entities": message.entities,
        "buttons": [],
        "file_url": f"/api/files/{file_id}" if file_id else None,
        "file_name": fields["document"].get("file_name") if kind == "document" else None,
        "edited": "edit_date" in fields,
        "time": f"{datetime.fromtimestamp(fields['date'], zone):%H:%M}",
    }


def _chat(playground: Playground, chat_id: int, title: str, language: str) -> dict[str, Any]:
    """Return one chat: its menu as Telegram shows it to the person in it, and its messages both sides."""
    fake, zone = playground.fake, playground.settings.clinic_timezone
    user_id = STAFF_ID if chat_id == STAFF_CHAT else chat_id
    return {
        "id": chat_id,
        "type": "group" if chat_id == STAFF_CHAT else "private",
        "title": title,
        "commands": fake.commands_for(chat_id, user_id, language, admin=True),
        "messages": [
            _bot_message(message, zone) if isinstance(message, BotMessage) else _user_message(message, zone)
            for message in fake.transcript(chat_id)
        ],
    }


async def state(playground: Playground, version: int) -> dict[str, Any]:
    """Return the whole state the page renders, at a version."""
    settings = playground.settings
    now = playground.clock().astimezone(settings.clinic_timezone)
    chats = {
        str(patient.user_id): _chat(playground, patient.user_id, patient.name, patient.language)
        for patient in playground.patients
    }
    chats[str(STAFF_ID)] = _chat(playground, STAFF_ID, STAFF_NAME, settings.clinic_language)
    chats[str(STAFF_CHAT)] = _chat(playground, STAFF_CHAT, STAFF_TITLE, settings.clinic_language)
    return {
        "version": version,
        "clock": {
            "iso": now.isoformat(timespec="seconds"),
            "label": clock_label(now),
            "day_of_recovery": await playground.days_of_recovery(),
        },
        "demo_offered": not playground.patients,
        "patients": [
            {"user_id": patient.user_id, "name": patient.name, "language": patient.language}
            for patient in playground.patients
        ],
        "staff": {"user_id": STAFF_ID, "name": STAFF_NAME, "chat_id": STAFF_CHAT, "title": STAFF_TITLE},
        "chats": chats,
    }
