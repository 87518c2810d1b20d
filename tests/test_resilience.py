"""Telegram's errors on the way out: flood waits waited out, network faults retried, bad HTML sent as plain text."""

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from bot.telegram.pacing import SendPace
from bot.telegram.request_layer import MAX_ATTEMPTS, Delivery, ResilientRequests, UnconfirmedSendError, surely_not_sent
from tests.conftest import RunningBot
from tests.journeys import onboard

Call = Callable[..., Coroutine[Any, Any, bool]]


class Script:
    """A stand-in for the HTTP call: raises the scripted errors in turn, then succeeds; records what it was sent."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list[dict[str, Any]] = []

    async def __call__(self, endpoint: str, data: dict[str, Any]) -> bool:
        """Record the request and fail or succeed as scripted."""
        self.sent.append(dict(data))
        if self.errors:
            raise self.errors.pop(0)
        return True


async def run(
    script: Script, endpoint: str, data: dict[str, Any] | None = None, delivery: Delivery | None = None
) -> tuple[object, list[float]]:
    """Send one request through the retry layer with a recording sleep; return the result and the pauses."""
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        """Record the pause instead of waiting."""
        pauses.append(seconds)

    result = await ResilientRequests(send_pace(), sleep=sleep).process_request(
        script, (endpoint, data or {}), {}, endpoint, data or {"chat_id": 1, "text": "hi"}, delivery
    )
    return result, pauses


def send_pace() -> SendPace:
    """Return a send pace at the bot's rates, on a clock that stands still."""
    return SendPace(bulk_rate=25, overall_rate=28, per_chat_seconds=1.0, clock=lambda: 100.0)


@pytest.mark.parametrize(
    ("endpoint", "delivery", "counted"),
    [
        ("sendMessage", None, True),
        ("sendDocument", Delivery.AT_LEAST_ONCE, True),
        ("sendMessage", Delivery.AT_MOST_ONCE, False),
        ("editMessageText", None, False),
        ("answerCallbackQuery", None, False),
    ],
)
async def test_replies_are_counted_in_the_send_pace_and_bulk_sends_are_not(
    endpoint: str, delivery: Delivery | None, counted: bool
) -> None:
    """A reply or alert to chat 5 takes a slot (bulk sends wait for it and rest the chat); bulk sends took theirs."""
    pace = send_pace()
    await ResilientRequests(pace).process_request(Script(), (), {}, endpoint, {"chat_id": 5, "text": "hi"}, delivery)
    assert pace.reserve_bulk(6) == pytest.approx(1 / 28 if counted else 0.0)
    assert pace.reserve_bulk(5) == pytest.approx(1.0 if counted else 1 / 25)  # else: the bulk slot after chat 6's


async def test_a_flood_wait_is_waited_out() -> None:
    """A 429 with retry_after 3 is followed by a 3-second pause and a successful retry."""
    result, pauses = await run(Script(RetryAfter(timedelta(seconds=3))), "sendMessage")
    assert result is True
    assert pauses == [3.0]


async def test_a_flood_wait_on_any_call_holds_the_bulk_sends_back_as_long() -> None:
    """A 429 on a reply holds bulk sends back too, one whose slot came first included: the bot is over the limits."""
    now = [100.0]
    pace = SendPace(bulk_rate=25, overall_rate=28, per_chat_seconds=1.0, clock=lambda: now[0])
    assert pace.reserve_bulk(6) == 0.0  # a slot a bulk send took before the 429
    assert pace.paused_for() == 0.0

    async def no_sleep(_seconds: float) -> None:
        """Return at once."""

    layer = ResilientRequests(pace, sleep=no_sleep)
    script = Script(RetryAfter(timedelta(seconds=3)))
    await layer.process_request(script, (), {}, "sendMessage", {"chat_id": 5, "text": "hi"}, None)
    assert pace.paused_for() == pytest.approx(3.0)
    now[0] += 2.5
    assert pace.paused_for() == pytest.approx(0.5)
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        """Record the pause and let the clock run through it."""
        pauses.append(seconds)
        now[0] += seconds

    bulk = ResilientRequests(pace, sleep=sleep)
    await bulk.process_request(Script(), (), {}, "sendMessage", {"chat_id": 6, "text": "hi"}, Delivery.AT_MOST_ONCE)
    assert pauses == [pytest.approx(0.5)], "a bulk send whose slot came before the 429 waits out the rest"
    assert pace.paused_for() == 0.0


async def test_network_faults_are_retried_with_growing_pauses() -> None:
    """Three network failures in a row are retried after 0.25, 0.5 and 1 s, and the fourth try succeeds."""
    script = Script(NetworkError("Bad Gateway"), NetworkError("Bad Gateway"), NetworkError("Connection reset"))
    result, pauses = await run(script, "sendMessage")
    assert result is True
    assert pauses == [0.25, 0.5, 1.0]


async def test_retries_are_bounded() -> None:
    """A fault that does not go away is raised after the last attempt."""
    script = Script(*[NetworkError("Bad Gateway")] * MAX_ATTEMPTS)
    with pytest.raises(NetworkError):
        await run(script, "editMessageText")
    assert len(script.sent) == MAX_ATTEMPTS


async def test_a_timed_out_send_is_not_repeated_but_an_edit_is() -> None:
    """A send that timed out may have arrived, so it is not sent twice; an edit is safe to repeat."""
    with pytest.raises(TimedOut):
        await run(Script(TimedOut()), "sendMessage")
    result, _ = await run(Script(TimedOut()), "editMessageText")
    assert result is True


def raised_from(error: NetworkError, cause: Exception) -> NetworkError:
    """Return the library's error as it raises it: from the HTTP client's own exception."""
    error.__cause__ = cause
    return error


def lost_answer() -> NetworkError:
    """Return the error of a connection that dropped after the request went out: it may have been delivered."""
    return raised_from(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("Server disconnected"))


@pytest.mark.parametrize(
    ("error", "not_sent"),
    [
        (NetworkError("Bad Gateway"), True),  # Telegram answered with an error status
        (NetworkError("Internal Server Error (500)"), True),
        (raised_from(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")), True),
        (raised_from(TimedOut(), httpx.ConnectTimeout("connect")), True),
        (raised_from(TimedOut(), httpx.PoolTimeout("pool")), True),
        (raised_from(NetworkError("httpx.WriteError"), httpx.WriteError("broken pipe")), True),
        (raised_from(TimedOut(), httpx.WriteTimeout("write")), True),
        (lost_answer(), False),
        (raised_from(NetworkError("httpx.ReadError"), httpx.ReadError("reset")), False),
        (raised_from(TimedOut(), httpx.ReadTimeout("read")), False),
        (TimedOut(), False),
    ],
)
def test_a_failure_is_known_to_have_had_no_effect_only_when_nothing_could_have_arrived(
    error: NetworkError, not_sent: bool
) -> None:
    """An error answer or a connection never made: not sent. A connection lost or a timeout after sending: unknown."""
    assert surely_not_sent(error) is not_sent


async def test_a_bulk_send_whose_answer_was_lost_is_not_repeated() -> None:
    """At most once: a send that may have arrived raises UnconfirmedSendError after the one try."""
    script = Script(lost_answer())
    with pytest.raises(UnconfirmedSendError):
        await run(script, "sendMessage", delivery=Delivery.AT_MOST_ONCE)
    assert len(script.sent) == 1


@pytest.mark.parametrize(
    "error",
    [NetworkError("Bad Gateway"), raised_from(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused"))],
)
async def test_a_bulk_send_that_surely_did_not_arrive_is_retried(error: NetworkError) -> None:
    """At most once still retries a send Telegram refused or never got."""
    result, pauses = await run(Script(error), "sendMessage", delivery=Delivery.AT_MOST_ONCE)
    assert (result, pauses) == (True, [0.25])


@pytest.mark.parametrize(
    ("endpoint", "delivery"),
    [("sendMessage", None), ("sendMessage", Delivery.AT_LEAST_ONCE), ("editMessageText", Delivery.AT_MOST_ONCE)],
)
async def test_a_reply_or_an_edit_whose_answer_was_lost_is_repeated(endpoint: str, delivery: Delivery | None) -> None:
    """A reply to the patient is sent at least once, and an edit is safe to repeat: both are tried again."""
    result, pauses = await run(Script(lost_answer()), endpoint, delivery=delivery)
    assert (result, pauses) == (True, [0.25])


@pytest.mark.parametrize("error", [Forbidden("Forbidden: bot was blocked by the user"), BadRequest("chat not found")])
async def test_errors_that_a_retry_cannot_fix_are_raised_at_once(error: Exception) -> None:
    """Forbidden and ordinary bad requests are not retried."""
    script = Script(error)
    with pytest.raises(type(error)):
        await run(script, "sendMessage")
    assert len(script.sent) == 1


async def test_html_telegram_cannot_parse_is_sent_as_plain_text() -> None:
    """A parse error leads to one more try without parse_mode and with the tags taken out."""
    script = Script(BadRequest("Can't parse entities: unsupported start tag"))
    data = {"chat_id": 1, "text": "<b>Call</b> 911 &amp; rest", "parse_mode": "HTML"}
    await run(script, "sendMessage", data)
    assert script.sent[-1] == {"chat_id": 1, "text": "Call 911 & rest"}


async def test_a_flood_wait_on_a_reply_delays_it_but_it_arrives(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Over HTTP: a 429 on the bot's reply is waited out and the patient still gets their answer."""
    user = fake_telegram.user(9201)
    await onboard(user, en)
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await user.send("/help")
    assert (await user.next_output()).text == en.text("help")


async def test_a_bad_gateway_on_a_reply_is_retried(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Over HTTP: a 502 on the bot's reply is retried and the patient gets their answer once."""
    user = fake_telegram.user(9202)
    await onboard(user, en)
    fake_telegram.fail_next("sendMessage", 502, "Bad Gateway")
    await user.send("/help")
    assert (await user.next_output()).text == en.text("help")
    await user.expect_no_output()


async def test_a_patient_who_blocked_the_bot_is_marked_unreachable(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Over HTTP: a 403 on a reply marks the patient unreachable and logs no error."""
    user = fake_telegram.user(9203)
    await onboard(user, en)
    fake_telegram.block(9203)
    await user.send("/help")
    await fake_telegram.wait_for_call("sendMessage", since=len(fake_telegram.calls))
    witness = fake_telegram.user(9204)
    await witness.send("/help")
    await witness.next_output()
    patient = await bot.stored_patient(9203)
    assert patient is not None
    assert patient.unreachable_since is not None


async def test_a_button_answer_for_a_query_telegram_no_longer_knows_counts_as_done() -> None:
    """A press redelivered after a crash gets "query is too old" when answered: the handler must go on."""
    too_old = BadRequest("Query is too old and response timeout expired or query id is invalid")
    result, pauses = await run(Script(too_old), "answerCallbackQuery")
    assert result is True
    assert pauses == []
    with pytest.raises(BadRequest):
        await run(Script(BadRequest("Query is too old")), "sendMessage")
