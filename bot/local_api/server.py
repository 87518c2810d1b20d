"""A local stand-in for the Telegram Bot API server: the bot runs against it in the tests and in the playground."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from bot.local_api.errors import ApiError
from bot.local_api.html import render
from bot.local_api.limits import Faults, Latency, RateLimit
from bot.local_api.people import LocalGroup, LocalUser
from bot.local_api.records import ApiCall, BotMessage, Button, Reply, UploadedFile, UserMessage

T = TypeVar("T")

BOT_USER: dict[str, Any] = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Aftercare",
    "username": "aftercare_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
LONG_POLL_CAP = 0.5  # seconds a getUpdates call is held at most, whatever timeout the bot asks for
BOT_READ_TIMEOUT = 5.0  # python-telegram-bot's default read timeout: a "timeout_*" fault holds its answer past it
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly"
    " the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities", "media"}
_JSON_FIELDS |= {"link_preview_options", "reply_parameters"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "reply_to_message_id", "cache_time"}
_BOOL_FIELDS = {"disable_notification", "protect_content", "show_alert", "drop_pending_updates"}
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_TRIVIAL = {"getme": BOT_USER, "leavechat": True, "close": True, "logout": True}
_ALIASES = {"deletewebhook": "setwebhook", "deletemycommands": "setmycommands"}  # the same call with no url/commands


def _convert(name: str, value: Any) -> Any:
    """Decode one form value the way the Bot API reads it: JSON fields, ids and flags get their types."""
    if not isinstance(value, str):
        return value
    with contextlib.suppress(ValueError):
        if name in _JSON_FIELDS:
            return json.loads(value)
        if name in _INT_FIELDS:
            return float(value) if "." in value else int(value)
    return value.lower() in {"true", "1"} if name in _BOOL_FIELDS else value


def _update_type(update: dict[str, Any]) -> str:
    """Return the kind of an update, e.g. "message" or "callback_query"."""
    return next(key for key in update if key != "update_id")


def _inline_rows(markup: dict[str, Any] | None) -> Any:
    """Return the inline keyboard rows of a reply_markup, or None when it has none."""
    return (markup or {}).get("inline_keyboard") or None


@dataclass
class _Chat:
    """The state of one chat: its Chat object, the bot's and the users' messages, and the bot's outputs in order."""

    info: dict[str, Any]
    last_message_id: int = 0
    messages: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: dict[int, UserMessage] = field(default_factory=dict)
    outputs: list[BotMessage] = field(default_factory=list)
    blocked: bool = False


class LocalTelegram:
    """An aiohttp server on 127.0.0.1 that answers the Bot API methods the bot uses and records every call."""

    def __init__(self) -> None:
        self.url = ""
        self.calls: list[ApiCall] = []
        self.unanswered_callback_queries: set[str] = set()
        self.answers: list[tuple[str, dict[str, Any]]] = []  # (callback query id, answerCallbackQuery params)
        self._chats: dict[int, _Chat] = {}
        self._views: dict[int, LocalUser | LocalGroup] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: set[str] = set()
        self._failures: dict[str, list[tuple[int | None, ApiError]]] = {}  # method -> (chat or any, failure)
        self._targeted: list[tuple[str, int | None, str]] = []  # (method, chat or None for any, fault kind)
        self.rate_limit: RateLimit | None = None  # Telegram's flood limits, off unless a test sets them
        self.faults: Faults | None = None  # random faults on the bot's calls, off unless a test sets them
        self.latency: Latency | None = None  # Telegram's round trip on each call, none unless a benchmark sets it
        # Told of every call answered without an error, with its result (the benchmarks time replies with it).
        self.call_listeners: list[Callable[[ApiCall, Any], None]] = []
        self._query_owner: dict[str, int] = {}
        self._commands: dict[str, list[dict[str, str]]] = {}
        self._files: dict[str, UploadedFile] = {}
        self._webhook_url = ""
        self._counter = 0
        self._event = asyncio.Event()
        self._stopping = False
        self.version = 0  # goes up whenever what a chat shows changes (see changed())
        self.wall_clock: Callable[[], float] = time.time  # the dates messages carry; the playground moves its own
        self.long_poll_cap = LONG_POLL_CAP  # the playground holds polls longer: a waiting poll costs nothing there
        self._runner: web.AppRunner | None = None
        # Set by the test's running bot: waits until it has handled every update (expect_no_output waits for it).
        self.settle: Callable[[], Awaitable[None]] | None = None

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving; sets url."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Release held long polls and shut the server down."""
        self._stopping = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def user(
        self,
        user_id: int = 1001,
        first_name: str = "Alex",
        *,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> LocalUser:
        """Return the fake user with this id (created on first use); their private chat id is user_id."""
        if not isinstance(view := self._views.get(user_id), LocalUser):
            view = self._views[user_id] = LocalUser(self, user_id, first_name, username, language_code)
            info = {"id": user_id, "type": "private", "first_name": first_name}
            self._chats[user_id] = _Chat(info | ({"username": username} if username else {}))
        return view

    def group(self, chat_id: int = -100200, title: str = "Clinic friends") -> LocalGroup:
        """Return the fake group chat with this id (created on first use)."""
        if not isinstance(view := self._views.get(chat_id), LocalGroup):
            view = self._views[chat_id] = LocalGroup(self, chat_id)
            self._chats[chat_id] = _Chat({"id": chat_id, "type": "group", "title": title})
        return view

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of method (to chat_id, if given) fail with status and description.

        A 429 always has retry_after.
        """
        retry_after = retry_after or (1 if status == 429 else None)
        self._failures.setdefault(method.lower(), []).extend(
            (chat_id, ApiError(status, description, retry_after)) for _ in range(times)
        )

    def fault_next(self, method: str, kind: str, *, chat_id: int | None = None, times: int = 1) -> None:
        """Give the next `times` calls of method (to chat_id, if given) a fault of the Faults kinds, or a timeout."""
        self._targeted.extend((method.lower(), chat_id, kind) for _ in range(times))

    def _targeted_fault(self, method: str, params: dict[str, Any]) -> str | None:
        """Return (and use up) the fault fault_next set for this call, or None."""
        for index, (wanted, chat_id, kind) in enumerate(self._targeted):
            if wanted == method.lower() and chat_id in (None, params.get("chat_id")):
                del self._targeted[index]
                return kind
        return None

    def block(self, chat_id: int) -> None:
        """Make sends and edits to this chat get 403 from now on, as after the user blocked the bot."""
        self._chats[chat_id].blocked = True

    def unblock(self, chat_id: int) -> None:
        """Undo block()."""
        self._chats[chat_id].blocked = False

    @property
    def commands(self) -> list[dict[str, str]]:
        """Return the commands of the last setMyCommands for the default scope and no language."""
        return self._commands.get(self._commands_key({}), [])

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Return the updates the bot has not confirmed yet, oldest first."""
        return list(self._updates)

    def calls_to(self, method: str) -> list[ApiCall]:
        """Return the calls of one method, in order."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def changed(self) -> None:
        """Count a change to what the chats show (a message sent, edited or deleted, a menu set) and wake waiters."""
        self.version += 1
        self._notify()

    async def wait_for_change(self, after: int, timeout: float) -> int:  # noqa: ASYNC109
        """Return the version as soon as it is past `after`, or as it is after `timeout` seconds."""
        return await self._wait_until(lambda: self.version if self.version > after else None, timeout) or self.version

    def transcript(self, chat_id: int) -> list[BotMessage | UserMessage]:
        """Return a chat as it shows now, both sides in message_id order: edits applied, deleted messages gone."""
        chat = self._chats[chat_id]
        return sorted([*chat.messages.values(), *chat.user_messages.values()], key=lambda message: message.message_id)

    def commands_for(
        self, chat_id: int, user_id: int | None = None, language_code: str | None = None, *, admin: bool = False
    ) -> list[dict[str, str]]:
        """Return the command menu Telegram shows a user in a chat: the first list set, in Telegram's order of scopes.

        Each scope's list for the user's language comes before its list without one; the administrator scopes count
        only for an `admin` of a group (the local API keeps no group membership).
        """
        if self._chats[chat_id].info["type"] == "private":
            scopes: list[dict[str, Any]] = [{"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}]
        else:
            scopes = [
                *([{"type": "chat_member", "chat_id": chat_id, "user_id": user_id}] if user_id is not None else []),
                *([{"type": "chat_administrators", "chat_id": chat_id}] if admin else []),
                {"type": "chat", "chat_id": chat_id},
                *([{"type": "all_chat_administrators"}] if admin else []),
                {"type": "all_group_chats"},
            ]
        language = (language_code or "").split("-")[0].lower()
        for scope in [*scopes, {"type": "default"}]:
            for code in ([language] if language else []) + [""]:
                if commands := self._commands.get(self._commands_key({"scope": scope, "language_code": code})):
                    return commands
        return []

    def file(self, file_id: str) -> UploadedFile | None:
        """Return a file the bot uploaded or a user sent, by its file_id, or None for one the server does not have."""
        return self._files.get(file_id)

    async def callback_answer(self, query_id: str, timeout: float) -> dict[str, Any] | None:  # noqa: ASYNC109
        """Wait for the bot's answerCallbackQuery to a press and return its params, or None if none came in time."""

        def found() -> dict[str, Any] | None:
            return next((params for answered, params in self.answers if answered == query_id), None)

        return await self._wait_until(found, timeout)

    async def push_update(self, update: dict[str, Any]) -> int:
        """Enqueue a raw update (without update_id) for getUpdates and return its update_id."""
        update_id, self._next_update_id = self._next_update_id, self._next_update_id + 1
        self._updates.append({"update_id": update_id, **update})
        self._notify()
        return update_id

    async def wait_for_call(self, method: str, *, since: int = 0, timeout: float = 5.0) -> ApiCall:  # noqa: ASYNC109
        """Wait until a call of method at index >= since exists in calls and return it."""
        found = await self._wait_until(lambda: next(iter(self._calls_since(method, since)), None), timeout)
        if found is None:
            raise AssertionError(f"no {method} call within {timeout}s; calls since {since}: {self._recent(since)}")
        return found

    async def wait_polling(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has called getUpdates, i.e. it is up and polling."""
        await self.wait_for_call("getUpdates", timeout=timeout)

    def _calls_since(self, method: str, since: int) -> list[ApiCall]:
        """Return the calls of method at index >= since."""
        return [call for call in self.calls[since:] if call.method.lower() == method.lower()]

    def _notify(self) -> None:
        """Wake every waiter so that it re-checks its condition."""
        self._event.set()
        self._event = asyncio.Event()

    async def _wait_until(self, probe: Callable[[], T | None], seconds: float) -> T | None:
        """Return probe() as soon as it is not None, re-checking after every change; None after `seconds`."""
        deadline = asyncio.get_running_loop().time() + seconds
        while (result := probe()) is None:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)
        return result

    def _recent(self, since: int = 0) -> str:
        """Describe the recent calls and their errors, for assertion messages."""
        return ", ".join(f"{c.method}{' -> ' + c.error if c.error else ''}" for c in self.calls[since:][-20:])

    def _new_message_id(self, chat_id: int) -> int:
        """Allocate the next message id in a chat (the user and the bot share the sequence)."""
        self._chats[chat_id].last_message_id += 1
        return self._chats[chat_id].last_message_id

    def _new_query_id(self, user_id: int) -> str:
        """Allocate an unanswered callback query id owned by the user."""
        self._counter += 1
        query_id = str(4_000_000_000_000 + self._counter)
        self.unanswered_callback_queries.add(query_id)
        self._query_owner[query_id] = user_id
        return query_id

    def _message_dict(self, msg: BotMessage) -> dict[str, Any]:
        """Return the Bot API Message object for a bot message as it is now."""
        out = {"message_id": msg.message_id, "date": msg.date, "chat": self._chats[msg.chat_id].info, "from": BOT_USER}
        plain, entities = render(msg.text, msg.parse_mode)
        text_key = "text" if msg.kind == "text" else "caption"
        if plain or msg.kind == "text":
            out[text_key] = plain
        if entities:
            out["entities" if msg.kind == "text" else "caption_entities"] = entities
        file = {
            "file_id": msg.file_id,
            "file_unique_id": f"U{msg.file_id}",
            "file_size": len(msg.photo or msg.document or b""),
        }
        if msg.kind == "photo":
            out["photo"] = [file | {"width": 800, "height": 600}]
        elif msg.kind == "document":
            out["document"] = file | {"file_name": msg.document_name}
        if msg.edit_date is not None:
            out["edit_date"] = msg.edit_date
        if _inline_rows(msg.reply_markup):
            out["reply_markup"] = msg.reply_markup
        return out

    async def _handle(self, request: web.Request) -> web.Response:
        """Decode an HTTP request, answer it with answer() and send the reply, or close the connection on a fault."""
        raw: dict[str, Any] = dict(request.query)
        try:
            if request.content_type == "application/json":
                raw.update(await request.json())
            form = await request.post()
        except ConnectionResetError:  # the bot hung up mid-request (it is shutting down): nothing to answer
            return web.Response(status=499)
        for key, value in form.items():
            if isinstance(value, web.FileField):
                raw[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
            else:
                raw[key] = value
        reply = await self.answer(request.match_info["method"], request.match_info["token"], raw)
        if reply.body is not None:
            return web.json_response(reply.body, status=reply.status)
        if reply.fault is not None and reply.fault.startswith("timeout_"):
            # The bot has given up on this answer by then; a fake that is stopping lets go at once.
            await self._wait_until(lambda: True if self._stopping else None, BOT_READ_TIMEOUT + 1)
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=499)

    async def answer(self, method: str, token: str, raw: dict[str, Any]) -> Reply:
        """Record a call (raw: its form values as sent), run it and return the Bot API's answer, whatever the transport.

        A fault picked for the call (fault_next, or the random Faults) gives an error reply, or a Reply without a body:
        the connection is dropped or the answer never comes, before or after the call took effect. With a latency set,
        the call waits that long first, as on its way to Telegram: it is recorded, and takes effect, when it arrives.
        """
        if self.latency is not None and (delay := self.latency.delay(method)) > 0:
            await asyncio.sleep(delay)
        params = {key: _convert(key, value) for key, value in raw.items()}
        call = ApiCall(method, params, token, time.monotonic())
        self.calls.append(call)
        self._notify()
        try:
            if (fault := self._targeted_fault(call.method, params)) is not None or (
                self.faults is not None and (fault := self.faults.pick(call.method, params)) is not None
            ):
                return await self._inject(call, fault)
            result = await self._dispatch(call.method.lower(), params)
        except ApiError as exc:
            call.error = exc.description
            body: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return Reply(exc.status, body)
        finally:
            self._notify()
        for listener in self.call_listeners:
            listener(call, result)
        return Reply(200, {"ok": True, "result": result})

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        """Run one method, or raise the injected failure or the ApiError Telegram would give."""
        for index, (chat_id, failure) in enumerate(self._failures.get(method, [])):
            if chat_id in (None, params.get("chat_id")):
                del self._failures[method][index]
                raise failure
        if self.rate_limit is not None:
            self.rate_limit.check(method, params, self.rate_limit.clock())
        if method == "getupdates":
            return await self._get_updates(params)
        if method in _TRIVIAL:
            return _TRIVIAL[method]
        if method in ("sendphoto", "senddocument"):
            return self._send_file(params, method.removeprefix("send"))
        method = _ALIASES.get(method, method)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Confirm updates below offset, then return pending ones, holding the request at most LONG_POLL_CAP."""
        if self._webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook")
        offset, limit = int(params.get("offset") or 0), min(max(int(params.get("limit") or 100), 1), 100)
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = set(params["allowed_updates"])
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

        def ready() -> list[dict[str, Any]] | None:
            return self._deliverable()[:limit] or ([] if self._stopping else None)

        wait = min(max(float(params.get("timeout") or 0), 0.0), self.long_poll_cap)
        return await self._wait_until(ready, wait) or []

    def _deliverable(self) -> list[dict[str, Any]]:
        """Return the pending updates getUpdates hands out, given the allowed_updates the bot asked for."""
        allowed, default = self._allowed_updates, not self._allowed_updates
        kinds = [(u, _update_type(u)) for u in self._updates]
        return [u for u, kind in kinds if (kind not in _NOT_BY_DEFAULT if default else kind in allowed)]

    async def wait_taken(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has confirmed every update getUpdates hands out (its next poll's offset is past them)."""
        if await self._wait_until(lambda: None if self._deliverable() else True, timeout) is None:
            raise AssertionError(f"the bot has not taken its updates within {timeout}s: {self._deliverable()}")

    def _api_setwebhook(self, params: dict[str, Any]) -> bool:
        """Set or (with no url: deleteWebhook) remove the webhook; getUpdates answers 409 while one is set."""
        self._webhook_url = str(params.get("url") or "")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getwebhookinfo(self, _params: dict[str, Any]) -> dict[str, Any]:
        """Return a WebhookInfo object."""
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        """Return the key a command list is stored under: its scope and language."""
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        return f"{scope}/{params.get('language_code') or ''}"

    def _api_setmycommands(self, params: dict[str, Any]) -> bool:
        """Store the command list for a scope (none: deleteMyCommands), validating names like Telegram."""
        commands = params.get("commands") or []
        if not all(re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))) for command in commands):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self._commands[self._commands_key(params)] = commands
        self.changed()
        return True

    def _api_getmycommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        """Return the command list for a scope."""
        return self._commands.get(self._commands_key(params), [])

    def _chat(self, params: dict[str, Any], *, check_block: bool = True) -> _Chat:
        """Return the chat a call addresses, or raise what Telegram says about it."""
        chat = self._chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        if chat is None:
            raise ApiError(
                400, "Bad Request: chat not found" if params.get("chat_id") else "Bad Request: chat_id is empty"
            )
        if check_block and chat.blocked and chat.info["type"] == "private":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if check_block and chat.blocked:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _api_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the full information of a chat the bot knows (a blocked user's chat still answers)."""
        return {**self._chat(params, check_block=False).info, "accent_color_id": 0, "max_reaction_count": 11}

    @staticmethod
    def _markup(params: dict[str, Any]) -> tuple[dict[str, Any] | None, list[list[Button]]]:
        """Validate reply_markup and return it with its inline buttons."""
        markup = params.get("reply_markup")
        if markup is not None and not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = [
            [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row]
            for row in _inline_rows(markup) or []
        ]
        if any(
            b.callback_data is not None and not 1 <= len(b.callback_data.encode()) <= 64 for row in rows for b in row
        ):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup, rows

    @staticmethod
    def _text(params: dict[str, Any], key: str, limit: int) -> tuple[str, str | None]:
        """Validate a text or caption against Telegram's rules and return it raw with its parse mode."""
        text, parse_mode = str(params.get(key) or ""), params.get("parse_mode") or None
        if parse_mode is not None and parse_mode.lower() not in {"html", "markdown", "markdownv2"}:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        plain = render(text, parse_mode)[0]
        if key == "text" and not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > limit:
            raise ApiError(
                400, "Bad Request: message is too long" if key == "text" else "Bad Request: message caption is too long"
            )
        return text, parse_mode

    def _output(self, chat: _Chat, msg: BotMessage) -> dict[str, Any]:
        """Store msg in its chat, record an output snapshot of it and return its Message object."""
        chat.messages[msg.message_id] = msg
        chat.outputs.append(copy.deepcopy(msg))
        self.changed()
        return self._message_dict(msg)

    def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """Answer sendMessage."""
        chat = self._chat(params)
        text, parse_mode = self._text(params, "text", 4096)
        markup, buttons = self._markup(params)
        message_id = self._new_message_id(chat.info["id"])
        sent = BotMessage(message_id, chat.info["id"], text, parse_mode, buttons, reply_markup=markup)
        sent.date = int(self.wall_clock())
        return self._output(chat, sent)

    def _send_file(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        """Answer sendPhoto or sendDocument: an upload or a known file_id or URL, with an optional caption."""
        chat = self._chat(params)
        caption, parse_mode = self._text(params, "caption", 1024)
        markup, buttons = self._markup(params)
        file_id = value = params.get(kind)
        if isinstance(value, UploadedFile):
            self._counter += 1
            file_id = f"F{kind[:3]}{self._counter:08d}"
            self._files[file_id] = value
        elif not value:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        elif not isinstance(value, str) or not (value in self._files or value.startswith(("http://", "https://"))):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        upload = self._files.get(str(file_id))
        msg = BotMessage(
            self._new_message_id(chat.info["id"]), chat.info["id"], caption, parse_mode, buttons, kind=kind
        )
        msg.file_id, msg.reply_markup, msg.date = str(file_id), markup, int(self.wall_clock())
        if kind == "photo":
            msg.photo = upload.content if upload else None
        else:
            msg.document, msg.document_name = (upload.content, upload.filename) if upload else (None, None)
        return self._output(chat, msg)

    def _editable(self, params: dict[str, Any]) -> tuple[_Chat, BotMessage]:
        """Return the chat and bot message an edit addresses, or raise Telegram's error."""
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._chat(params)
        msg = chat.messages.get(params.get("message_id"))  # type: ignore[arg-type]
        if msg is None and params.get("message_id") in chat.user_messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        if msg is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, msg

    def _api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        """Answer editMessageText; leaving out reply_markup removes the inline keyboard, as on Telegram."""
        chat, msg = self._editable(params)
        if msg.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, parse_mode = self._text(params, "text", 4096)
        markup, buttons = self._markup(params)
        same_text = render(text, parse_mode) == render(msg.text, msg.parse_mode)
        if same_text and _inline_rows(markup) == _inline_rows(msg.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        msg.text, msg.parse_mode, msg.buttons, msg.reply_markup = text, parse_mode, buttons, markup
        msg.edit_date = int(self.wall_clock())
        return self._output(chat, msg)

    def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        """Answer editMessageReplyMarkup; leaving out reply_markup removes the keyboard."""
        chat, msg = self._editable(params)
        markup, buttons = self._markup(params)
        if _inline_rows(markup) == _inline_rows(msg.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        msg.buttons, msg.reply_markup, msg.edit_date = buttons, markup, int(self.wall_clock())
        return self._output(chat, msg)

    def _api_deletemessage(self, params: dict[str, Any]) -> bool:
        """Answer deleteMessage, for the bot's messages and the user's own ones."""
        chat, message_id = self._chat(params, check_block=False), int(params.get("message_id") or 0)
        if chat.messages.pop(message_id, None) is None and chat.user_messages.pop(message_id, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self.changed()
        return True

    def _api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        """Answer answerCallbackQuery: each query is answered once, with at most 200 characters."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.unanswered_callback_queries:
            raise ApiError(400, QUERY_TOO_OLD)
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.unanswered_callback_queries.discard(query_id)
        self.answers.append((query_id, params))
        return True

    def _api_sendchataction(self, params: dict[str, Any]) -> bool:
        """Answer sendChatAction."""
        self._chat(params)
        return True

    async def _inject(self, call: ApiCall, fault: str) -> Reply:
        """Answer a call with a fault: an error reply, or no answer, with the call run or not before the drop."""
        if fault == "429":
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        if fault == "403":
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if fault in ("500", "502"):
            raise ApiError(int(fault), "Internal Server Error" if fault == "500" else "Bad Gateway")
        if fault in ("dropped_after", "timeout_after"):
            try:
                await self._dispatch(call.method.lower(), call.params)
            except ApiError as exc:
                call.error = exc.description
            finally:
                self._notify()
        call.error = call.error or f"fault: {fault}"  # what the bot saw; delivered() must not count it as accepted
        return Reply(499, None, fault)
