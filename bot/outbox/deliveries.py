"""Deliveries are sent at least once: a failed one is tried again after a growing pause, also after a restart.

A delivery is written with the outcome it carries, held for its writer's first attempt, and deleted once Telegram
confirms it. When an attempt fails, what can be done decides the next step:
- the patient blocked the bot (Forbidden): nothing can reach them; they are marked unreachable and it is dropped (an
  alert that Forbidden refuses, the bot being out of the staff chat, is tried again: someone can add it back);
- Telegram refused the request itself (BadRequest): a message to a patient is dropped and logged as an error, since
  sending it again cannot help; an alert is tried again, since the staff chat's setting can be mended meanwhile;
- a lost connection, a timeout (the message may have arrived: a duplicate is better than a gap), a 5xx or a 429 after
  the request layer's own retries: tried again after FIRST_RETRY_SECONDS, doubling up to MAX_RETRY_SECONDS, or after
  the wait Telegram asked for;
- a message to a patient still unconfirmed a day after it was written is dropped with a warning (the advice is a day
  old by then); an alert is tried until the staff chat has it, every MAX_RETRY_SECONDS at most.
A loop started with the bot tries each delivery when it is due; the every-minute job runs the same round as well.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.care.services import Services
from bot.domain.records import Delivery, DeliveryKind
from bot.telegram.request_layer import retry_after_seconds

logger = logging.getLogger(__name__)

# Sends one delivery; returns a delivery that follows from it (telling the patient once the clinic knows), or None.
Perform = Callable[[Bot, Delivery], Awaitable[Delivery | None]]

FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 300.0
HOLD_SECONDS = 600.0  # longer than one attempt can take with the request layer's waits; released at start-up
GIVE_UP_AFTER = timedelta(days=1)
BATCH = 50
IDLE_POLL_SECONDS = 30.0  # the loop looks again at least this often, and sooner when something is due or it is woken


def retry_delay(attempts: int) -> float:
    """Return the pause before the next attempt of a delivery that has failed `attempts` times (bounded)."""
    return float(min(FIRST_RETRY_SECONDS * 2.0 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


class Deliveries:
    """Attempts deliveries, schedules their retries, and runs the loop that resumes them."""

    def __init__(self, services: Services, perform: Perform) -> None:
        self._services = services
        self._perform = perform
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.Task[None] | None = None

    def hold(self) -> datetime:
        """Return until when a delivery written now is held for its writer's first attempt."""
        return self._services.clock() + timedelta(seconds=HOLD_SECONDS)

    async def attempt(self, bot: Bot, delivery: Delivery) -> bool:
        """Try a held delivery once (then what follows from it); tell whether Telegram confirmed it."""
        try:
            following = await self._perform(bot, delivery)
        except Exception as error:  # every failure is sorted by what can be done about it
            await self.failed(delivery, error)
            return False
        await self.confirmed(delivery)
        if following is not None:
            await self.attempt(bot, following)
        return True

    async def confirmed(self, delivery: Delivery) -> None:
        """Forget a delivery Telegram confirmed."""
        await self._services.database.deliveries.done(delivery.id)
        logger.info("%s delivery %s confirmed", delivery.kind, delivery.id)

    async def failed(self, delivery: Delivery, error: BaseException) -> None:
        """Decide what follows a failed attempt, as the module's docstring says."""
        services, kind = self._services, delivery.kind
        store = services.database.deliveries
        now = services.clock()
        reason = type(error).__name__
        if isinstance(error, Forbidden) and kind is not DeliveryKind.ALERT:
            logger.warning("%s delivery %s dropped: the chat is closed to the bot (%s)", kind, delivery.id, reason)
            await store.done(delivery.id)
            await services.database.patients.set_unreachable(delivery.user_id, now)
        elif isinstance(error, BadRequest) and kind is not DeliveryKind.ALERT:
            logger.error("%s delivery %s dropped: Telegram refused it (%s)", kind, delivery.id, reason)
            await store.done(delivery.id)
        elif kind is not DeliveryKind.ALERT and now - delivery.created_at > GIVE_UP_AFTER:
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

    async def run_due(self, bot: Bot) -> None:
        """Attempt every delivery that is due now, oldest first."""
        services = self._services
        store = services.database.deliveries
        for due in await store.due(services.clock(), BATCH):
            claimed = await store.claim(due.id, services.clock(), self.hold())
            if claimed is not None:
                await self.attempt(bot, claimed)

    def wake(self) -> None:
        """Make the loop look for due deliveries now."""
        if self._wake is not None:
            self._wake.set()

    async def start(self, bot: Bot) -> None:
        """Release every hold (nothing is in flight at start-up) and start the loop."""
        store, now = self._services.database.deliveries, self._services.clock()
        released = await store.release_all(now)
        queued = await store.queue_unposted_alerts(now)  # e.g. stored while STAFF_CHAT_ID was not set
        if released or queued:
            logger.info("%s deliveries due again after the restart, %s alerts queued anew", released, queued)
        self._wake = asyncio.Event()
        self._loop = asyncio.create_task(self._run(bot), name="deliveries")

    async def stop(self) -> None:
        """Stop the loop; what is still unconfirmed waits in the database for the next start."""
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

    async def _run(self, bot: Bot) -> None:
        """Attempt due deliveries, then sleep until the next one is due or the loop is woken."""
        while True:
            try:
                await self.run_due(bot)
                pause = await self._pause()
            except Exception:
                logger.exception("the delivery loop failed; it goes on")
                pause = IDLE_POLL_SECONDS
            if self._wake is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause)
                self._wake.clear()

    async def _pause(self) -> float:
        """Return how long the loop may sleep: until the next delivery is due, at least a second, at most idle."""
        next_due = await self._services.database.deliveries.next_due()
        if next_due is None:
            return IDLE_POLL_SECONDS
        seconds = (next_due - self._services.clock()).total_seconds()
        return min(max(seconds, 1.0), IDLE_POLL_SECONDS)
