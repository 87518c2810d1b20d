"""A local stand-in for the Telegram Bot API: what the tests drive the bot through, and what the playground runs on.

It answers the Bot API methods the bot uses over HTTP on 127.0.0.1, keeps each chat as Telegram would show it, and
lets a caller play users and groups (messages, button presses, edits). Telegram's flood limits, random faults and
errors such as 403 can be switched on; it never talks to Telegram.
"""

from bot.local_api.errors import ApiError
from bot.local_api.html import parse_html, render
from bot.local_api.limits import Faults, Latency, RateLimit
from bot.local_api.people import LocalGroup, LocalUser
from bot.local_api.records import ApiCall, BotMessage, Button, UploadedFile, UserMessage
from bot.local_api.server import BOT_READ_TIMEOUT, BOT_USER, LONG_POLL_CAP, LocalTelegram

__all__ = [
    "BOT_READ_TIMEOUT",
    "BOT_USER",
    "LONG_POLL_CAP",
    "ApiCall",
    "ApiError",
    "BotMessage",
    "Button",
    "Faults",
    "Latency",
    "LocalGroup",
    "LocalTelegram",
    "LocalUser",
    "RateLimit",
    "UploadedFile",
    "UserMessage",
    "parse_html",
    "render",
]
