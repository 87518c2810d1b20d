"""The bot's requests answered in process by the fake Bot API, without a socket: python-telegram-bot's BaseRequest.

The fake's answer() records and runs each call exactly as its HTTP server does, so every assertion on `fake.calls`
and on the chats holds either way. A fault that drops the answer fails the request the way httpx fails it over HTTP
(python-telegram-bot wraps httpx's error as the cause, which the request layer reads to judge a send's fate), at once
instead of after the read timeout.
"""

import json
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.local_api import BOT_READ_TIMEOUT, LocalTelegram, UploadedFile

DISCONNECTED = "Server disconnected without sending a response."  # what httpx says when a connection is dropped


def _form(request_data: RequestData | None) -> dict[str, Any]:
    """Return the form values of a request as its HTTP body would carry them: JSON-encoded strings and uploads."""
    if request_data is None:
        return {}
    raw: dict[str, Any] = dict(request_data.json_parameters)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        raw[name] = UploadedFile(filename or name, data, mime_type or "application/octet-stream")
    return raw


class OfflineRequest(BaseRequest):
    """Answers every Bot API request by LocalTelegram.answer() in process."""

    def __init__(self, fake: LocalTelegram) -> None:
        self._fake = fake

    @property
    def read_timeout(self) -> float:
        """Return the read timeout the bot would wait for an answer over HTTP (the fake never makes it wait)."""
        return BOT_READ_TIMEOUT

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer one request by the fake: its status and JSON body, or the error httpx raises when no answer comes."""
        token, api_method = url.split("/")[-2:]
        reply = await self._fake.answer(api_method, token.removeprefix("bot"), _form(request_data))
        if reply.body is not None:
            return reply.status, json.dumps(reply.body).encode()
        if reply.fault is not None and reply.fault.startswith("timeout_"):
            raise TimedOut from httpx.ReadTimeout("no answer within the read timeout")
        raise NetworkError(f"httpx.RemoteProtocolError: {DISCONNECTED}") from httpx.RemoteProtocolError(DISCONNECTED)
