"""Every Bot API call goes through here: Telegram's flood waits are waited out, passing network faults retried.

Plugged into python-telegram-bot as its rate limiter, so it wraps each request in one place:
- 429 RetryAfter: wait the seconds Telegram asks (bounded), holding the bulk sends back as long, then try again;
- a network failure or a 5xx: try again after a growing pause, a bounded number of times; edits, button answers
  and reads are safe to repeat, sends are not always:
  - a send that surely never reached Telegram (a 5xx answer, a connection that could not be opened or written to)
    is repeated, whoever sent it;
  - a send whose fate is unknown (the connection was lost, or the answer timed out, after the request went out) may
    have been delivered. A bulk message (reminder, nudge, aftercare step) is sent AT_MOST_ONCE: it is not repeated
    and the caller gets UnconfirmedSendError, because a patient should never get the same message twice. A reply to
    what a patient just did (advice, a warning sign's escalation) is sent AT_LEAST_ONCE: a lost connection is
    repeated, because a missing answer is worse than a double one; a timed-out reply is still not repeated;
- HTML that Telegram cannot parse: send once more as plain text, so the patient still gets the words;
- a button answer for a query Telegram no longer knows (answered already before a crash and redelivered, or older
  than its time limit) counts as done: the answer only stops the button's spinner, the handler must go on.
getUpdates is passed straight through: the Updater has its own retry loop.

Each send that is not a bulk one (a reply, an alert to the clinic) is counted in the services' SendPace as it goes
out, so that bulk sends make room for it under Telegram's overall limit and rest its chat for a second. A bulk send
whose slot came before a 429 answered another call waits out the rest of that wait before it goes, and one waits
while the last second already holds the overall rate's worth of sends (SendPace.departure_wait).
"""

import asyncio
import html
import logging
import re
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from enum import Enum
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.pacing import SendPace

logger = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]
MAX_ATTEMPTS = 4
MAX_FLOOD_WAIT_SECONDS = 60.0
FIRST_BACKOFF_SECONDS = 0.25
_SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "copyMessage", "forwardMessage"})
_TAG = re.compile(r"<[^>]+>")
# httpx errors raised before the request was fully sent: Telegram cannot have acted on it.
_BEFORE_SENDING = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout)


class Delivery(Enum):
    """How a send may be repeated after a failure that leaves its fate unknown (passed as `rate_limit_args`)."""

    AT_LEAST_ONCE = "at least once"  # the default: replies to the patient, where a gap is worse than a duplicate
    AT_MOST_ONCE = "at most once"  # bulk messages: reminders, nudges, the aftercare sequence, broadcasts


ApiBot = ExtBot[Any]  # the Application's bot: its calls go through ResilientRequests, rate_limit_args a Delivery


class UnconfirmedSendError(NetworkError):
    """A send whose request went out but whose answer was lost: Telegram may have delivered it; it was not repeated."""


def surely_not_sent(error: NetworkError) -> bool:
    """Tell whether a failed call certainly had no effect: Telegram answered with an error, or nothing went out."""
    cause = error.__cause__
    if cause is None:
        return not isinstance(error, TimedOut)  # an HTTP error status from the Bot API, e.g. 500 or 502
    return isinstance(cause, _BEFORE_SENDING)


class ResilientRequests(BaseRateLimiter[Delivery]):
    """Retries what is worth retrying; everything else reaches the caller (and the error handler) at once."""

    def __init__(self, pace: SendPace, *, sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep) -> None:
        self._pace = pace
        self._sleep = sleep

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Delivery | None,
    ) -> Result:
        """Run one API call with the retries described in the module's docstring."""
        if endpoint == "getUpdates":
            return await callback(*args, **kwargs)
        plain_text_tried = False
        counted = endpoint in _SENDS and rate_limit_args is not Delivery.AT_MOST_ONCE  # bulk sends took their slot
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if rate_limit_args is Delivery.AT_MOST_ONCE:
                if (wait := self._pace.departure_wait()) > 0:
                    await self._sleep(wait)  # a 429 answered another call, or the last second is full
                self._pace.departing()
            try:
                return await self._call(callback, endpoint, data, kwargs, counted=counted)
            except RetryAfter as error:
                asked = retry_after_seconds(error)
                wait = min(asked, MAX_FLOOD_WAIT_SECONDS)
                logger.warning("%s: Telegram asked to wait %.0f s (attempt %s)", endpoint, wait, attempt)
                self._pace.pause(asked)  # the bot as a whole is over Telegram's limits: bulk sends hold back too
                if attempt == MAX_ATTEMPTS:
                    raise
                await self._sleep(wait)
            except BadRequest as error:
                if endpoint == "answerCallbackQuery" and "query is too old" in error.message.lower():
                    logger.warning("answerCallbackQuery: the query is too old or answered already; going on")
                    return True
                if plain_text_tried or not _is_parse_error(error) or "parse_mode" not in data:
                    raise
                logger.warning("%s: Telegram could not parse the HTML; sending it as plain text", endpoint)
                data = _as_plain_text(data)
                plain_text_tried = True
            except NetworkError as error:
                if endpoint in _SENDS and not surely_not_sent(error):
                    if rate_limit_args is Delivery.AT_MOST_ONCE:
                        raise UnconfirmedSendError(f"{endpoint}: the answer was lost; not repeated") from error
                    if isinstance(error, TimedOut):
                        raise
                if attempt == MAX_ATTEMPTS:
                    raise
                logger.warning("%s: %s (attempt %s); retrying", endpoint, type(error).__name__, attempt)
                await self._sleep(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _call(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        endpoint: str,
        data: dict[str, Any],
        kwargs: dict[str, Any],
        *,
        counted: bool,
    ) -> Result:
        """Make one HTTP call; a counted send holds its chat while it is on its way, then takes its slot of the pace.

        Counting on the way back rests the chat from no earlier than Telegram saw the message, answer or not.
        """
        if counted:
            self._pace.replying(_chat_of(data))
        try:
            return await callback(endpoint, data, **kwargs)
        finally:
            if counted:
                self._pace.replied(_chat_of(data))


def retry_after_seconds(error: RetryAfter) -> float:
    """Return how long Telegram asked to wait, in seconds (read without python-telegram-bot's deprecation warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat_of(data: dict[str, Any]) -> int | None:
    """Return the chat a request sends to, when it is given by number (a @channel name is not a patient's chat)."""
    chat_id = data.get("chat_id")
    return chat_id if isinstance(chat_id, int) else None


def _is_parse_error(error: BadRequest) -> bool:
    """Tell whether Telegram refused the text's formatting (rather than something else about the request)."""
    return "can't parse entities" in error.message.lower()


def _as_plain_text(data: dict[str, Any]) -> dict[str, Any]:
    """Return the request with its text or caption stripped of HTML and sent without a parse mode."""
    plain = {key: value for key, value in data.items() if key != "parse_mode"}
    for field in ("text", "caption"):
        if isinstance(plain.get(field), str):
            plain[field] = html.unescape(_TAG.sub("", plain[field]))
    return plain
