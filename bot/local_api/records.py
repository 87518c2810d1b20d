"""What the local Bot API records: the calls the bot made, its replies, uploaded files and the bot's messages."""

import time
from dataclasses import dataclass, field
from typing import Any

from bot.local_api.html import render


@dataclass
class ApiCall:
    """One request the bot made; `error` holds the description when the fake answered with an error."""

    method: str
    params: dict[str, Any]
    token: str
    time: float  # time.monotonic() when the request arrived
    error: str | None = None


@dataclass(frozen=True)
class Reply:
    """What the Bot API answers a call with: an HTTP status and JSON body, or no body when a fault drops the answer."""

    status: int
    body: dict[str, Any] | None
    fault: str | None = None


@dataclass
class UploadedFile:
    """A file the bot uploaded as a multipart part; it is what ApiCall.params holds for that field."""

    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class BotMessage:
    """The bot's message as the chat shows it; text is the raw text (or caption) as sent, with its tags."""

    message_id: int
    chat_id: int
    text: str
    parse_mode: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    photo: bytes | None = None
    document: bytes | None = None
    document_name: str | None = None
    kind: str = "text"  # "text", "photo" or "document"
    file_id: str | None = None
    reply_markup: dict[str, Any] | None = None  # as sent, whatever the keyboard kind
    date: int = field(default_factory=lambda: int(time.time()))
    edit_date: int | None = None

    def button_labels(self) -> list[str]:
        """Return the labels of all inline buttons, row by row."""
        return [button.text for row in self.buttons for button in row]

    @property
    def plain_text(self) -> str:
        """Return the text as the user reads it: HTML tags stripped and entities unescaped."""
        return render(self.text, self.parse_mode)[0]


@dataclass
class UserMessage:
    """A message a user sent, as the chat shows it: the Message object of its update, with any edit applied."""

    message_id: int
    chat_id: int
    message: dict[str, Any]

    @property
    def sender(self) -> dict[str, Any]:
        """Return the User object of whoever sent it."""
        return dict(self.message["from"])

    @property
    def text(self) -> str:
        """Return its text or caption, or "" for a message without one (a sticker, a voice note)."""
        return str(self.message.get("text") or self.message.get("caption") or "")

    @property
    def entities(self) -> list[dict[str, Any]]:
        """Return the entities of its text or caption (UTF-16 offsets), as the update carried them."""
        return list(self.message.get("entities") or self.message.get("caption_entities") or [])
