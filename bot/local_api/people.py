"""The people in the local Bot API's chats: a user in a private chat, and a group, each a view of its chat."""

from __future__ import annotations

import re
import struct
import zlib
from typing import TYPE_CHECKING, Any

from bot.local_api.errors import NotInChatError
from bot.local_api.html import parse_html, utf16_len
from bot.local_api.records import BotMessage, UploadedFile, UserMessage

if TYPE_CHECKING:
    from bot.local_api.server import LocalTelegram, _Chat

_COMMAND_RE = re.compile(r"/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]+)?")
_STICKER = {"width": 512, "height": 512, "is_animated": False, "is_video": False, "type": "regular", "emoji": "👍"}
_DOCUMENT = {"file_name": "notes.pdf", "mime_type": "application/pdf", "file_size": 2048}


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """Return one PNG chunk: length, type, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def placeholder_png(width: int = 160, height: int = 120) -> bytes:
    """Return a plain grey PNG: the picture a user's photo shows, since no camera is behind the local API."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress((b"\x00" + bytes((200, 205, 210)) * width) * height)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")


class _ChatView:
    """The test's view of one chat: the bot's messages, and a cursor over its outputs."""

    def __init__(self, fake: LocalTelegram, chat_id: int) -> None:
        self._fake, self.chat_id, self._cursor = fake, chat_id, 0

    def _state(self) -> _Chat:
        """Return the chat's state in the fake."""
        return self._fake._chats[self.chat_id]

    def _pending_output(self) -> BotMessage | None:
        """Return the output after the cursor, if there is one."""
        outputs = self._state().outputs
        return outputs[self._cursor] if len(outputs) > self._cursor else None

    def messages(self) -> list[BotMessage]:
        """Return the bot's messages in this chat as they are now, oldest first (deleted ones gone)."""
        return list(self._state().messages.values())

    def last_message(self) -> BotMessage:
        """Return the bot's newest message in this chat."""
        if not self.messages():
            raise NotInChatError(f"the bot has sent nothing to chat {self.chat_id}; calls: {self._fake._recent()}")
        return self.messages()[-1]

    async def next_output(self, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """Wait for the output after the cursor, move past it and return the message as it was right then."""
        found = await self._fake._wait_until(self._pending_output, timeout)
        if found is None:
            raise AssertionError(f"no output to chat {self.chat_id} within {timeout}s; calls: {self._fake._recent()}")
        self._cursor += 1
        return found

    async def expect_no_output(self, within: float | None = None) -> None:
        """Assert that the bot sends or edits nothing in this chat: once it has handled every update, or `within` s.

        With a bot running in the test (fake.settle set) and no `within`, it waits for that bot to be done; with
        `within` (work outside the handlers, e.g. a broadcast, a subprocess bot) it waits that long, 0.3 s by default.
        """
        if within is None and self._fake.settle is not None:
            await self._fake.settle()
            found = self._pending_output()
        else:
            found = await self._fake._wait_until(self._pending_output, 0.3 if within is None else within)
        if found is not None:
            raise NotInChatError(f"unexpected output to chat {self.chat_id}: {found}")

    def _pressed(self, message_id: int) -> dict[str, Any]:
        """Return the message a press carries: the bot's message as shown now, or an inaccessible one when gone."""
        if (shown := self._state().messages.get(message_id)) is not None:
            return self._fake._message_dict(shown)
        return {"message_id": message_id, "date": 0, "chat": self._state().info}

    def skip_outputs(self) -> None:
        """Move the cursor past every output so far."""
        self._cursor = len(self._state().outputs)


class LocalUser(_ChatView):
    """A Telegram user talking to the bot in a private chat whose id equals the user id."""

    def __init__(
        self, fake: LocalTelegram, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> None:
        super().__init__(fake, user_id)
        self.user_id = user_id
        self.info: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        self.info |= ({"username": username} if username else {}) | (
            {"language_code": language_code} if language_code else {}
        )

    async def _message(self, content: dict[str, Any], chat_id: int | None = None) -> int:
        """Enqueue a message update from this user in a chat (by default the private one); return its id."""
        chat = self._fake._chats[self.chat_id if chat_id is None else chat_id]
        message_id = self._fake._new_message_id(chat.info["id"])
        message = {"message_id": message_id, "date": int(self._fake.wall_clock()), "chat": chat.info, "from": self.info}
        chat.user_messages[message_id] = UserMessage(message_id, chat.info["id"], message | content)
        self._fake.changed()
        await self._fake.push_update({"message": message | content})
        return message_id

    @staticmethod
    def _text(text: str) -> dict[str, Any]:
        """Return the message fields for a text, with a bot_command entity when it starts with a command."""
        if (match := _COMMAND_RE.match(text)) is None:
            return {"text": text}
        return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": utf16_len(match[0])}]}

    def _file(self, prefix: str, **extra: Any) -> dict[str, Any]:
        """Return a file object with fresh file_id and file_unique_id and the given fields."""
        self._fake._counter += 1
        file_id = f"{prefix}{self._fake._counter:08d}"
        # Telegram lets the bot send any file it has seen by its file_id: remember this one (a photo is a grey PNG,
        # anything else made-up bytes).
        self._fake._files[file_id] = (
            UploadedFile(f"{file_id}.png", placeholder_png(), "image/png")
            if prefix == "PHO"
            else UploadedFile(f"{file_id}.bin", f"user file {file_id}".encode(), "application/octet-stream")
        )
        return {"file_id": file_id, "file_unique_id": f"U{self._fake._counter:08d}"} | extra

    async def send(self, text: str) -> int:
        """Send a text message (a command carries a bot_command entity) and return its message_id."""
        return await self._message(self._text(text))

    async def send_html(self, text_html: str) -> int:
        """Send a text with formatting, written as Telegram HTML: the update carries the plain text and its entities."""
        plain, entities = parse_html(text_html)
        return await self._message({"text": plain} | ({"entities": entities} if entities else {}))

    async def send_photo_html(self, caption_html: str) -> str:
        """Send a photo in two sizes with a formatted caption (Telegram HTML); return the larger size's file_id."""
        sizes = [
            self._file("PHO", width=90, height=67, file_size=603),
            self._file("PHO", width=800, height=600, file_size=48000),
        ]
        caption, entities = parse_html(caption_html)
        await self._message({"photo": sizes, "caption": caption} | ({"caption_entities": entities} if entities else {}))
        return str(sizes[-1]["file_id"])

    async def send_sticker(self) -> int:
        """Send a sticker and return its message_id."""
        return await self._message({"sticker": self._file("STK", **_STICKER)})

    async def send_photo(self, caption: str | None = None) -> int:
        """Send a photo in two sizes, with an optional caption, and return its message_id."""
        sizes = [
            self._file("PHO", width=90, height=67, file_size=603),
            self._file("PHO", width=800, height=600, file_size=48000),
        ]
        return await self._message({"photo": sizes} | ({"caption": caption} if caption else {}))

    async def send_voice(self) -> int:
        """Send a voice note and return its message_id."""
        return await self._message({"voice": self._file("VOI", duration=3, mime_type="audio/ogg")})

    async def send_document(self) -> int:
        """Send a PDF document and return its message_id."""
        return await self._message({"document": self._file("DOC", **_DOCUMENT)})

    async def send_location(self) -> int:
        """Send a location and return its message_id."""
        return await self._message({"location": {"latitude": 52.52, "longitude": 13.405}})

    async def edit(self, message_id: int, new_text: str) -> None:
        """Edit one of this user's messages (an edited_message update); the chat shows the new text."""
        now = int(self._fake.wall_clock())
        if (shown := self._state().user_messages.get(message_id)) is not None:
            kept = {key: value for key, value in shown.message.items() if key not in ("text", "entities")}
            shown.message = kept | {"edit_date": now} | self._text(new_text)
            self._fake.changed()
        message = {
            "message_id": message_id,
            "date": now,
            "edit_date": now,
            "chat": self._state().info,
            "from": self.info,
        }
        await self._fake.push_update({"edited_message": message | self._text(new_text)})

    async def press(self, label: str, *, message: BotMessage | None = None) -> str:
        """Press the button labelled label (exact, else a substring) on message; return the callback query id.

        The button is looked up in `message` as given (by default the newest bot message with an inline keyboard);
        the update carries the message as the chat shows it now, like a press on a view that is out of date.
        """
        if message is None:
            with_keyboard = [shown for shown in self.messages() if shown.buttons]
            if not with_keyboard:
                raise NotInChatError(f"no bot message with an inline keyboard in chat {self.chat_id}")
            message = with_keyboard[-1]
        buttons = [button for row in message.buttons for button in row]
        found = [b for b in buttons if b.text == label] or [b for b in buttons if label in b.text]
        if not found:
            raise NotInChatError(
                f"no button {label!r} on message {message.message_id}; on offer: {message.button_labels()}"
            )
        if found[0].callback_data is None:
            raise NotInChatError(f"button {found[0].text!r} has no callback_data (url={found[0].url})")
        return await self.press_data(found[0].callback_data, message.message_id)

    async def press_data(self, callback_data: str, message_id: int) -> str:
        """Press a button with any data on any message id (a forged or stale press); a gone message is inaccessible."""
        return await self._callback(callback_data, self._pressed(message_id))

    async def _callback(self, data: str, message: dict[str, Any]) -> str:
        """Enqueue a callback_query update and return its id."""
        query_id = self._fake._new_query_id(self.user_id)
        query = {"id": query_id, "from": self.info, "message": message, "chat_instance": f"ci{self.chat_id}"}
        await self._fake.push_update({"callback_query": query | {"data": data}})
        return query_id

    def callback_answers(self) -> list[dict[str, Any]]:
        """Return the answerCallbackQuery params for this user's queries, in order."""
        return [params for query_id, params in self._fake.answers if self._fake._query_owner[query_id] == self.user_id]


class LocalGroup(_ChatView):
    """A group chat the bot is in."""

    async def send(self, user: LocalUser, text: str) -> int:
        """Send a text message from user into the group and return its message_id."""
        return await user._message(user._text(text), self.chat_id)

    async def press_data(self, user: LocalUser, callback_data: str, message_id: int) -> str:
        """Press, as user, a button with any data on a bot message of this group; return the callback query id."""
        return await user._callback(callback_data, self._pressed(message_id))

    async def press(self, user: LocalUser, label: str, *, message: BotMessage | None = None) -> str:
        """Press, as user, the button labelled label on a bot message in this group (by default the newest with one)."""
        if message is None:
            with_keyboard = [shown for shown in self.messages() if shown.buttons]
            if not with_keyboard:
                raise NotInChatError(f"no bot message with an inline keyboard in group {self.chat_id}")
            message = with_keyboard[-1]
        found = [b for row in message.buttons for b in row if b.text == label]
        if not found:
            raise NotInChatError(
                f"no button {label!r} on message {message.message_id}; on offer: {message.button_labels()}"
            )
        if found[0].callback_data is None:
            raise NotInChatError(f"button {found[0].text!r} has no callback_data (url={found[0].url})")
        current = self._state().messages[message.message_id]
        return await user._callback(found[0].callback_data, self._fake._message_dict(current))
