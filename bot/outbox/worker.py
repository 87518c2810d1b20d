"""The outbox's one worker: every message the bot sends on its own goes out here, in two lanes of the same code.

A use case writes a row (bot/storage/outbox.py) in the same transaction as the state it reports; the worker renders it
with the sender injected for its kind (it knows no content) and sends it through the Application's bot, so through the
request layer like every reply.

- **Urgent lane** (advice, alert, notified, re-sent alert): at least once, never waiting for a bulk slot or behind a
  bulk send in flight. A row is written held for its writer's first attempt; a failed one is tried again:
  - the patient blocked the bot (Forbidden): they are marked unreachable and it is dropped (an alert that Forbidden
    refuses, the bot being out of the staff chat, is tried again: someone can add it back);
  - Telegram refused the request itself (BadRequest): a message to a patient is dropped and logged as an error, since
    sending it again cannot help; a staff chat message is tried again, since the chat's setting can be mended;
  - a lost connection, a timeout (the message may have arrived: a duplicate is better than a gap), a 5xx or a 429
    after the request layer's own retries: tried again after FIRST_RETRY_SECONDS, doubling up to MAX_RETRY_SECONDS,
    or after the wait Telegram asked for;
  - a message to a patient still unconfirmed a day after it was written is dropped with a warning (the advice is a
    day old by then); a staff chat message is tried until the chat has it, every MAX_RETRY_SECONDS at most.
- **Bulk lane** (reminder, nudge, aftercare step, broadcast): at most once, each send waiting for a slot of the
  services' SendPace (BROADCAST_RATE, room for replies, a second's rest per chat). The next send takes its slot as
  soon as the one before is on its way, so while Telegram is slow to answer several are out at once (at most
  bulk_width(BROADCAST_RATE), never two to one chat); when it answers within a slot, one at a time. The row is marked
  'sending' before its request (sent Delivery.AT_MOST_ONCE) and settled after it:
  - sent; or unconfirmed when the answer was lost (perhaps delivered: never again, counted);
  - 403: the patient is marked unreachable (here only), the row 'blocked'; a patient already unreachable or who
    stopped messages is not sent to ('blocked', 'failed');
  - 429 after the request layer's waits: every bulk send pauses for retry_after, the row goes back to pending and the
    round ends (the next one sends it; sends already out finish, and none waiting for its slot starts); MAX_RATE_LIMITED
    of them for one row and it is 'failed';
  - surely not sent (a 5xx, a connection never made): back to pending after RETRY's backoff, 'failed' after its tries;
  - other refusals: 'failed' with Telegram's description; past its expires_at (a reminder hours late): not sent.
A row a stop or crash leaves 'sending' is 'unconfirmed' at the next start (the bulk sends out at that moment: one when
Telegram answers fast, a few while it is slow); held urgent rows are due again at once.
Both lanes run as loops started with the bot, each woken when its rows are added; the minute job runs a round of both.
"""

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.care.services import Services
from bot.domain.records import Delivery, DeliveryKind, DeliveryStatus
from bot.storage.outbox import BULK, URGENT, Due
from bot.telegram import request_layer
from bot.telegram.pacing import RetryPolicy
from bot.telegram.request_layer import ApiBot, retry_after_seconds, surely_not_sent

logger = logging.getLogger(__name__)

# Renders and sends one row; returns a row that follows from it (telling the patient once the clinic knows), or None.
Send = Callable[[ApiBot, Delivery], Awaitable[Delivery | None]]
# Told of each bulk row once it is settled (a broadcast's progress), with the bot.
Settled = Callable[[ApiBot, Delivery], Awaitable[None]]

FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 300.0
HOLD_SECONDS = 600.0  # longer than one attempt can take with the request layer's waits; released at start-up
GIVE_UP_AFTER = timedelta(days=1)
BATCH = 200
IDLE_POLL_SECONDS = 30.0  # a loop looks again at least this often, and sooner when something is due or it is woken
RETRY = RetryPolicy(attempts=5, base=1.0, cap=30.0)  # bulk rows surely not sent: again after 1, 2, 4 and 8 s
MAX_RATE_LIMITED = 20  # 429s for one bulk row before it is given up on
STOP_GRACE = 10.0  # seconds a shutdown waits for the bulk messages in flight before cancelling
BULK_WINDOW_SECONDS = 0.5  # the slowest answer from Telegram at which the bulk lane still keeps its rate


def bulk_width(rate: float) -> int:
    """Return how many bulk sends may be out at once: enough for `rate` a second if each takes BULK_WINDOW_SECONDS."""
    return max(1, math.ceil(rate * BULK_WINDOW_SECONDS))


def retry_delay(attempts: int) -> float:
    """Return the pause before the next attempt of an urgent row that has failed `attempts` times (bounded)."""
    return float(min(FIRST_RETRY_SECONDS * 2.0 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


def api_bot(bot: Bot) -> ApiBot:
    """Return the Application's bot as the request layer's (what `update.get_bot()` gives a handler is that bot)."""
    if not isinstance(bot, ExtBot):
        raise TypeError("the outbox sends through the Application's bot and its request layer")
    return bot


def once(delivery: Delivery) -> request_layer.Delivery:
    """Return how a row's request may be repeated: urgent rows at least once, bulk rows at most once."""
    return request_layer.Delivery.AT_LEAST_ONCE if delivery.kind.urgent else request_layer.Delivery.AT_MOST_ONCE


class Outbox:
    """Sends the outbox's rows: the writer's first attempt of an urgent row, and the two lanes' rounds and loops."""

    def __init__(
        self,
        services: Services,
        senders: Mapping[DeliveryKind, Send],
        settled: Mapping[DeliveryKind, Settled],
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._services = services
        self._monotonic = monotonic
        self._senders = senders
        self._settled = settled
        self._locks = {URGENT: asyncio.Lock(), BULK: asyncio.Lock()}  # one round of a lane at a time
        self._wakes: dict[int, asyncio.Event] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._held_until = 0.0  # (monotonic) no bulk round before then: Telegram asked the bot to slow down
        self._bulk_width = bulk_width(services.settings.broadcast_rate)

    def hold(self) -> datetime:
        """Return until when an urgent row written now is held for its writer's first attempt."""
        return self._services.clock() + timedelta(seconds=HOLD_SECONDS)

    async def attempt(self, bot: Bot, delivery: Delivery, *, after: asyncio.Future[None] | None = None) -> bool:
        """Try a held urgent row once, then what follows from it once `after` is over; tell whether Telegram confirmed.

        `after` is what the patient must see first, whatever becomes of it: the advice sent alongside the alert comes
        before "the clinic has been told", which follows the alert.
        """
        try:
            following = await self._senders[delivery.kind](api_bot(bot), delivery)
        except Exception as error:  # every failure is sorted by what can be done about it
            await self.failed(delivery, error)
            return False
        await self.confirmed(delivery)
        if following is not None:
            if after is not None:
                await asyncio.wait([after])  # over, confirmed or not (a failure is its own to report)
            await self.attempt(bot, following)
        return True

    async def confirmed(self, delivery: Delivery) -> None:
        """Forget an urgent row Telegram confirmed."""
        await self._services.database.outbox.done(delivery.id)
        logger.info("%s delivery %s confirmed", delivery.kind, delivery.id)

    async def failed(self, delivery: Delivery, error: BaseException) -> None:
        """Decide what follows a failed attempt of an urgent row, as the module's docstring says."""
        services, kind = self._services, delivery.kind
        store = services.database.outbox
        now = services.clock()
        reason = type(error).__name__
        to_patient = delivery.chat_id is not None
        if isinstance(error, Forbidden) and to_patient:
            logger.warning("%s delivery %s dropped: the chat is closed to the bot (%s)", kind, delivery.id, reason)
            await store.done(delivery.id)
            await self._mark_unreachable(delivery.user_id)
        elif isinstance(error, BadRequest) and to_patient:
            logger.error("%s delivery %s dropped: Telegram refused it (%s)", kind, delivery.id, reason)
            await store.done(delivery.id)
        elif to_patient and now - delivery.created_at > GIVE_UP_AFTER:
            logger.warning("%s delivery %s dropped: unconfirmed for a day (%s)", kind, delivery.id, reason)
            await store.done(delivery.id)
        else:
            wait = retry_after_seconds(error) if isinstance(error, RetryAfter) else retry_delay(delivery.attempts)
            if not isinstance(error, TelegramError):
                logger.error("%s delivery %s failed; retrying", kind, delivery.id, exc_info=error)
            elif isinstance(error, BadRequest | Forbidden):
                logger.warning("%s delivery %s refused (%s); is STAFF_CHAT_ID right?", kind, delivery.id, reason)
            else:
                logger.warning("%s delivery %s not confirmed (%s); retrying in %.0f s", kind, delivery.id, reason, wait)
            await store.retry_at(delivery.id, now + timedelta(seconds=wait))
            self.wake()

    async def run_due(self, bot: ApiBot) -> None:
        """Send every row that is due now, the two lanes side by side (the urgent one never waits for the other)."""
        await asyncio.gather(self._round(bot, URGENT), self._round(bot, BULK))

    def wake(self) -> None:
        """Make both loops look for due rows now."""
        for event in self._wakes.values():
            event.set()

    async def start(self, bot: ApiBot) -> None:
        """Resume what a stop or crash left (nothing is in flight at start-up) and start both loops."""
        store, now = self._services.database.outbox, self._services.clock()
        released, interrupted = await store.resume(now)
        queued = await store.queue_unposted_alerts(now)  # e.g. stored while STAFF_CHAT_ID was not set
        if released or queued:
            logger.info("%s deliveries due again after the restart, %s alerts queued anew", released, queued)
        if interrupted:
            logger.warning("outbox: %s messages a stop cut off mid-send are unconfirmed, not resent", interrupted)
        self._stopping.clear()
        for lane, name in ((URGENT, "urgent"), (BULK, "bulk")):
            self._wakes[lane] = asyncio.Event()
            self._loops.append(asyncio.create_task(self._run(bot, lane), name=f"outbox-{name}"))

    async def stop(self) -> None:
        """Stop both loops after the messages on their way (briefly); what is pending waits for the next start."""
        loops, self._loops = self._loops, []
        self._stopping.set()
        self.wake()
        if not loops:
            return
        _done, late = await asyncio.wait(loops, timeout=STOP_GRACE)
        for loop in late:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        self._wakes.clear()

    async def _run(self, bot: ApiBot, lane: int) -> None:
        """Send a lane's due rows, then sleep until the next one is due or the loop is woken."""
        wake = self._wakes[lane]
        while not self._stopping.is_set():
            wake.clear()
            try:
                await self._round(bot, lane)
                pause = await self._pause(lane)
            except Exception:
                logger.exception("the outbox's loop failed; it goes on")
                pause = IDLE_POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), pause)

    async def _round(self, bot: ApiBot, lane: int) -> None:
        """Send a lane's rows that are due now, in order, until none is left or the round must end."""
        store = self._services.database.outbox
        async with self._locks[lane]:
            while not self._round_ends(lane) and (batch := await store.due(lane, self._services.clock(), BATCH)):
                if lane == BULK:
                    await self._bulk_batch(bot, batch)
                    continue
                for due in batch:
                    if self._stopping.is_set():
                        return
                    await self._urgent(bot, due.delivery)

    def _round_ends(self, lane: int) -> bool:
        """Tell whether a lane's round must end: stopping, or Telegram asked for a wait (a 429) not over yet."""
        return self._stopping.is_set() or (lane == BULK and self._monotonic() < self._held_until)

    async def _bulk_batch(self, bot: ApiBot, batch: list[Due]) -> None:
        """Send a batch of bulk rows in order, the next taking its slot once the one before is on its way.

        So sends overlap only while Telegram has not answered the ones out, at most the lane's width of them, and a
        row waits for the send before it to the same chat. The batch ends with every send it started settled.
        """
        latest: dict[int, asyncio.Task[None]] = {}  # each chat's latest send
        async with asyncio.TaskGroup() as group:
            out: set[asyncio.Task[None]] = set()
            for due in batch:
                while len(out) >= self._bulk_width:
                    _done, out = await asyncio.wait(out, return_when=asyncio.FIRST_COMPLETED)
                if self._round_ends(BULK):
                    return  # the rest wait for the next round
                chat_id = due.delivery.chat_id or due.delivery.user_id
                on_its_way = asyncio.get_running_loop().create_future()
                send = group.create_task(self._bulk_after(bot, due, on_its_way, latest.get(chat_id)))
                latest[chat_id] = send
                out.add(send)
                await on_its_way

    async def _bulk_after(
        self, bot: ApiBot, due: Due, on_its_way: asyncio.Future[None], before: asyncio.Task[None] | None
    ) -> None:
        """Send a bulk row once the send before it to the same chat is over; say when it is on its way (or over)."""
        try:
            if before is not None:
                await asyncio.wait([before])
            await self._bulk(bot, due, on_its_way)
        finally:
            if not on_its_way.done():
                on_its_way.set_result(None)

    async def _urgent(self, bot: ApiBot, delivery: Delivery) -> None:
        """Claim a due urgent row for one attempt, and attempt it."""
        services = self._services
        claimed = await services.database.outbox.claim_urgent(delivery.id, services.clock(), self.hold())
        if claimed is not None:
            await self.attempt(bot, claimed)

    async def _bulk(self, bot: ApiBot, due: Due, on_its_way: asyncio.Future[None]) -> None:
        """Send one bulk row at most once at the bulk pace and settle it, saying when its request is on its way."""
        services, delivery = self._services, due.delivery
        store, pace = services.database.outbox, services.send_pace
        chat_id = delivery.chat_id or delivery.user_id
        if due.unreachable or due.stopped or _expired(delivery, services.clock()):
            status = DeliveryStatus.BLOCKED if due.unreachable else DeliveryStatus.FAILED
            reason = "unreachable" if due.unreachable else "messages stopped" if due.stopped else "expired"
            await self._settle(bot, delivery, status, reason)
            return
        if not await self._bulk_slot(chat_id):
            return  # it stays pending for the next round, or the next start
        if not await store.claim_bulk(delivery.id, services.clock()):
            return  # settled meanwhile (say, its broadcast was cancelled)
        if self._round_ends(BULK):  # a 429 came back while it was being claimed: not sent, pending again
            await store.release(delivery.id, services.clock(), services.clock())
            return
        failures = 0
        while True:
            pace.used_bulk(chat_id)
            if not on_its_way.done():
                on_its_way.set_result(None)
            try:
                await self._senders[delivery.kind](bot, delivery)
            except TelegramError as error:
                tries = failures + 1
                if isinstance(error, RetryAfter):
                    await self._held_back(bot, delivery, error, tries=tries)
                elif not _worth_retrying(error):
                    await self._refused(bot, delivery, error, tries=tries)
                elif RETRY.gives_up(tries):
                    await self._settle(bot, delivery, DeliveryStatus.FAILED, error.message, tries=tries)
                elif not await self._nap(RETRY.delay(tries)):  # stopping: surely not sent, so pending again
                    await store.release(delivery.id, services.clock(), services.clock(), tries=tries)
                else:
                    failures = tries
                    continue
            except Exception:  # a sender's own failure (say, a content bug): never left 'sending', never repeated
                logger.exception("%s %s could not be sent", delivery.kind, delivery.id)
                await self._settle(bot, delivery, DeliveryStatus.FAILED, "error", tries=failures + 1)
            else:
                await self._settle(bot, delivery, DeliveryStatus.SENT, "", tries=failures + 1)
            return

    async def _bulk_slot(self, chat_id: int) -> bool:
        """Wait for a bulk slot, the chat's rest, and any wait Telegram asked for meanwhile; False: not now.

        Not now: stopping, or a send out meanwhile drew a 429 the request layer did not wait out: the round ends.
        """
        pace = self._services.send_pace
        if not (await self._nap(pace.reserve_bulk(chat_id)) and await self._nap(pace.chat_rest(chat_id))):
            return False
        return not self._round_ends(BULK) and await self._nap(pace.paused_for()) and not self._round_ends(BULK)

    async def _held_back(self, bot: ApiBot, delivery: Delivery, error: RetryAfter, *, tries: int) -> None:
        """Pause every bulk send for the wait Telegram asked, and end the round; the row goes out in a later one."""
        services = self._services
        seconds = retry_after_seconds(error)
        services.send_pace.pause(seconds)
        self._held_until = self._monotonic() + seconds
        logger.warning("%s %s held back: Telegram asked to wait %.0f s", delivery.kind, delivery.id, seconds)
        if delivery.attempts + 1 >= MAX_RATE_LIMITED:
            await self._settle(bot, delivery, DeliveryStatus.FAILED, error.message, tries=tries)
        else:  # due again at once: the paused pace holds the next round back
            await services.database.outbox.release(delivery.id, services.clock(), services.clock(), tries=tries)

    async def _refused(self, bot: ApiBot, delivery: Delivery, error: TelegramError, *, tries: int) -> None:
        """Settle a row Telegram refused or whose answer was lost (perhaps delivered: never again)."""
        if isinstance(error, Forbidden):  # blocked the bot, or the account is gone
            await self._mark_unreachable(delivery.user_id)
            await self._settle(bot, delivery, DeliveryStatus.BLOCKED, error.message, tries=tries)
        else:
            unconfirmed = isinstance(error, NetworkError) and not isinstance(error, BadRequest)
            status = DeliveryStatus.UNCONFIRMED if unconfirmed else DeliveryStatus.FAILED
            await self._settle(bot, delivery, status, error.message, tries=tries)

    async def _settle(
        self, bot: ApiBot, delivery: Delivery, status: DeliveryStatus, reason: str, *, tries: int = 0
    ) -> None:
        """Record what became of a bulk row after `tries` requests, log it, tell whoever follows its kind."""
        await self._services.database.outbox.settle(delivery.id, status, self._services.clock(), reason, tries=tries)
        if status is DeliveryStatus.SENT:
            logger.info("%s %s sent to patient %s", delivery.kind, delivery.id, delivery.user_id)
        else:
            logger.warning("%s %s for patient %s %s", delivery.kind, delivery.id, delivery.user_id, status.value)
        if (settled := self._settled.get(delivery.kind)) is not None:
            await settled(bot, delivery)

    async def _mark_unreachable(self, user_id: int) -> None:
        """Stop messaging a patient who blocked the bot, until they write to it or unblock it (the one place)."""
        logger.info("patient %s has blocked the bot; marked unreachable", user_id)
        await self._services.database.patients.set_unreachable(user_id, self._services.clock())

    async def _nap(self, seconds: float) -> bool:
        """Wait `seconds` unless stopping first; tell whether to carry on."""
        if seconds > 0 and not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()

    async def _pause(self, lane: int) -> float:
        """Return how long a loop may sleep: until its next row is due, at least a second, at most idle."""
        next_due = await self._services.database.outbox.next_due(lane)
        if next_due is None:
            return IDLE_POLL_SECONDS
        seconds = (next_due - self._services.clock()).total_seconds()
        if lane == BULK:
            seconds = max(seconds, self._held_until - self._monotonic())
        return min(max(seconds, 1.0), IDLE_POLL_SECONDS)


def _expired(delivery: Delivery, now: datetime) -> bool:
    """Tell whether a bulk row is past the moment it was worth sending by."""
    return delivery.expires_at is not None and now >= delivery.expires_at


def _worth_retrying(error: TelegramError) -> bool:
    """Tell whether a failed request surely had no effect and may go right again (a 5xx, no connection)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest) and surely_not_sent(error)
