"""Delivering broadcasts in the background: paced, retried, resumable and cancellable, with a progress message.

How it stays safe and fair:

- **Its own connection.** Delivery goes through a second `telegram.Bot` (same token and Bot API server) with its
  own `HTTPXRequest`, made in post_init and closed in post_shutdown. Patients' replies go out through the
  Application's bot and its connection pool, so they never wait in line behind a broadcast's requests. (In
  python-telegram-bot 22 the Application's pool already has many connections; a separate Bot keeps that true
  whatever the pool setting, and keeps the broadcast's timeouts and errors apart.)
- **Room for patients at Telegram.** Sends are spaced by the services' SendPace, shared with reminders and the
  aftercare sequence: at most BROADCAST_RATE a second (default 20) without bursts, fewer while patients' replies
  (counted there by the request layer, never held back) take their share of Telegram's ~30 messages/s, and never
  within a second of the bot's last message to the same chat. A 429 pauses every bulk send for retry_after, then
  delivery carries on.
- **One message in flight, at most once.** A broadcast sends to one recipient at a time. The row is marked
  'sending' before the message goes out and 'sent' right after Telegram accepts it; a row a crash leaves 'sending'
  becomes 'unconfirmed' at the next start and is not sent again, so no patient gets a broadcast twice. (With one
  request at a time the rate is also bounded by the round trip to Telegram: roughly 5-10 messages/s from a
  server far from Telegram's, the full rate near it.)
- **One task per broadcast.** Starting a broadcast is a single transaction that only one caller can win
  (draft or scheduled -> sending), and the engine keeps at most one task per broadcast; at start-up every
  broadcast still 'sending' is picked up again from its pending rows. Several broadcasts share one bucket.
- **Errors.** 403 (blocked, deactivated): the patient is marked unreachable and the row 'blocked'. A 5xx answer
  or a connection that could not be made (surely not delivered): retried with exponential backoff, RETRY.attempts
  tries in all, then 'failed'. A connection lost or a timeout after the request went out (perhaps delivered):
  'unconfirmed', never repeated. Other 400s: 'failed' with Telegram's description as the reason. The report shows
  each count, so staff know exactly who may have missed the message.

The staff member's preview is sent by the same function through the same Bot, so it is exactly what patients get
(and a message Telegram would refuse is refused at the preview, before anyone is sent anything).

The engine of a running bot is found from its open database (`engine_for`), so that the handlers and the minute
job reach it without new constructor arguments in the composition root: post_init starts it, post_shutdown stops it.
"""

import asyncio
import contextlib
import html
import logging
import re
import time
import weakref
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.care.services import Services
from bot.content.packs import LanguagePack
from bot.domain.audience import decode, treatment_dates
from bot.storage import Database
from bot.storage.broadcasts import Broadcast, BroadcastStatus, BroadcastStore, Recipient, RecipientStatus, Tally
from bot.telegram.pacing import RetryPolicy, Throttle
from bot.telegram.request_layer import retry_after_seconds, surely_not_sent
from bot.views.screens import keyboard

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 3.0  # seconds between edits of the progress message, at least
RETRY = RetryPolicy(attempts=5, base=1.0, cap=30.0)  # transient errors: waits of 1, 2, 4 and 8 s, then 'failed'
MAX_RATE_LIMITED = 20  # 429s for one recipient before they are given up on
BATCH = 200  # pending recipients read at a time
STOP_GRACE = 10.0  # seconds a shutdown waits for the messages in flight before cancelling
_POOL_SIZE = 4  # the delivery connection's pool: one request in flight per broadcast, and a progress edit

CALLBACK_PREFIX = "bc:"
CALLBACK_PATTERN = re.compile(r"^bc:")
CANCEL = "x"
_CALLBACK = re.compile(r"bc:(\d{1,12}):([a-z0-9:_-]{1,40})")


def button_data(broadcast_id: int, action: str) -> str:
    """Return the callback data of a broadcast button: "bc:<id>:<action>", well within 64 bytes."""
    return f"{CALLBACK_PREFIX}{broadcast_id}:{action}"


def parse_button(data: str) -> tuple[int, str] | None:
    """Return the broadcast id and action of a broadcast button, or None for anything else (forged, mangled)."""
    match = _CALLBACK.fullmatch(data)
    return (int(match[1]), match[2]) if match else None


@dataclass(frozen=True)
class Outgoing:
    """A broadcast's message: Telegram HTML text, or a photo (by file_id) with the text as its caption."""

    text_html: str
    photo_file_id: str | None = None

    @classmethod
    def of(cls, broadcast: Broadcast) -> "Outgoing":
        """Return a broadcast's message."""
        return cls(broadcast.text_html, broadcast.photo_file_id)


async def send_outgoing(bot: Bot, chat_id: int, message: Outgoing) -> Message:
    """Send a broadcast's message to one chat exactly as patients get it (the staff's preview is sent with it too)."""
    if message.photo_file_id is not None:
        return await bot.send_photo(
            chat_id, message.photo_file_id, caption=message.text_html or None, parse_mode=ParseMode.HTML
        )
    return await bot.send_message(
        chat_id, message.text_html, parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )


def plain(pack: LanguagePack, key: str, **values: str | int) -> str:
    """Return a plain-text message filled in, unescaped: it is escaped once, when it is filled into another message."""
    return html.unescape(pack.text(key, **values))


def format_duration(pack: LanguagePack, seconds: float) -> str:
    """Return a duration as staff read it: "12 s", "3 min 5 s", "1 h 2 min"."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return plain(pack, "broadcast.duration.hours", hours=hours, minutes=minutes)
    if minutes:
        return plain(pack, "broadcast.duration.minutes", minutes=minutes, seconds=secs)
    return plain(pack, "broadcast.duration.seconds", seconds=secs)


def progress_view(pack: LanguagePack, broadcast_id: int, tally: Tally) -> tuple[str, InlineKeyboardMarkup]:
    """Show a running broadcast's figures, with the button that cancels it."""
    text = pack.text(
        "broadcast.progress",
        broadcast_id=broadcast_id,
        done_count=tally.done,
        recipients=tally.total,
        sent_count=tally.sent,
        unconfirmed_count=tally.unconfirmed,
        blocked_count=tally.blocked,
        failed_count=tally.failed,
    )
    return text, keyboard([[(pack.text("broadcast.button.cancel_sending"), button_data(broadcast_id, CANCEL))]])


def report_text(pack: LanguagePack, broadcast: Broadcast, tally: Tally) -> str:
    """Show a finished or cancelled broadcast's final figures and how long it took."""
    started, finished = broadcast.started_at, broadcast.finished_at
    taken = (finished - started).total_seconds() if started is not None and finished is not None else 0.0
    values: dict[str, str | int] = {
        "broadcast_id": broadcast.id,
        "recipients": tally.total,
        "sent_count": tally.sent,
        "unconfirmed_count": tally.unconfirmed,
        "blocked_count": tally.blocked,
        "failed_count": tally.failed,
        "duration": format_duration(pack, taken),
    }
    if broadcast.status is BroadcastStatus.CANCELLED:
        return pack.text("broadcast.report_cancelled", pending_count=tally.pending, **values)
    return pack.text("broadcast.report", **values)


class BroadcastEngine:
    """Owns the delivery tasks of one running bot, and the list of staff members composing a broadcast."""

    def __init__(self, services: Services, bot: Bot) -> None:
        self._services = services
        self._bot = bot
        self._pace = services.send_pace  # shared with reminders, the aftercare sequence and replies
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._halts: dict[int, asyncio.Event] = {}  # set to stop a broadcast's task: cancelled, or shutting down
        self._stopping = False
        # Staff members with a draft in progress, so that only their typed messages are taken as composing; kept in
        # step by the handlers and rebuilt from the database at start-up.
        self.composing: set[int] = set()

    @property
    def _store(self) -> BroadcastStore:
        """Return the broadcast store."""
        return self._services.database.broadcasts

    @property
    def bot(self) -> Bot:
        """Return the Bot that delivers broadcasts, on its own connection."""
        return self._bot

    def running(self, broadcast_id: int) -> bool:
        """Tell whether a task is delivering this broadcast now."""
        task = self._tasks.get(broadcast_id)
        return task is not None and not task.done()

    async def resume(self) -> None:
        """Rebuild from the database: who is composing, and a task for every broadcast that was being delivered."""
        self.composing = await self._store.composers()
        if interrupted := await self._store.unconfirm_interrupted(self._services.clock()):
            logger.warning("broadcasts: %s messages a stop cut off mid-send are unconfirmed, not resent", interrupted)
        for broadcast in await self._store.sending():
            logger.info("resuming broadcast %s", broadcast.id)
            self._launch(broadcast.id)

    async def begin(self, broadcast_id: int, *, scheduled: bool, report: tuple[int, int] | None) -> int | None:
        """Start a draft (or a due scheduled broadcast): snapshot its audience, then deliver in the background.

        Return the number of recipients, or None if it was not in that state (someone else started or cancelled it).
        """
        broadcast = await self._store.get(broadcast_id)
        if broadcast is None:
            return None
        span = treatment_dates(decode(broadcast.audience), self._services.today())
        count = await self._store.start(broadcast_id, span, self._services.clock(), scheduled=scheduled, report=report)
        if count is not None:
            logger.info("broadcast %s started with %s recipients", broadcast_id, count)
            self._launch(broadcast_id)
        return count

    async def start_due(self) -> None:
        """Start every scheduled broadcast whose time has come (the minute job calls this)."""
        now = self._services.clock()
        for broadcast in await self._store.due(now):
            try:
                count = await self.begin(broadcast.id, scheduled=True, report=None)
            except ValueError:  # a stored audience that cannot be read: never send it to the wrong people
                logger.warning("scheduled broadcast %s has an unreadable audience; cancelled", broadcast.id)
                await self._store.cancel(broadcast.id, now)
                continue
            if count is not None:
                audit = self._services.database.audit
                await audit.record(broadcast.created_by, "broadcast sent", f"broadcast:{broadcast.id}", now)

    async def cancel(self, broadcast_id: int) -> Broadcast | None:
        """Cancel a draft, scheduled or running broadcast; return it as it was before, or None if it had ended."""
        before = await self._store.cancel(broadcast_id, self._services.clock())
        if before is not None:
            if before.status is BroadcastStatus.DRAFT:
                self.composing.discard(before.created_by)
            if (halt := self._halts.get(broadcast_id)) is not None:
                halt.set()
            logger.info("broadcast %s cancelled (was %s)", broadcast_id, before.status.value)
        return before

    async def stop(self) -> None:
        """Stop every delivery task at its next recipient, waiting briefly for messages in flight; they resume later."""
        self._stopping = True
        for halt in self._halts.values():
            halt.set()
        tasks = [task for task in self._tasks.values() if not task.done()]
        if not tasks:
            return
        _done, late = await asyncio.wait(tasks, timeout=STOP_GRACE)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    def _launch(self, broadcast_id: int) -> None:
        """Start the task that delivers a broadcast, unless one is already running (never two for one broadcast)."""
        if self._stopping or self.running(broadcast_id):
            return
        self._halts[broadcast_id] = asyncio.Event()
        task = asyncio.create_task(self._run(broadcast_id), name=f"broadcast-{broadcast_id}")
        self._tasks[broadcast_id] = task

        def forget(finished: "asyncio.Task[None]") -> None:
            """Drop the finished task and its halt event, unless a newer task has taken its place."""
            if self._tasks.get(broadcast_id) is finished:
                del self._tasks[broadcast_id]
                self._halts.pop(broadcast_id, None)

        task.add_done_callback(forget)

    async def _run(self, broadcast_id: int) -> None:
        """Deliver a broadcast to its pending recipients, then report; an error leaves it to resume at next start."""
        try:
            await self._deliver_all(broadcast_id, self._halts[broadcast_id])
        except Exception:
            logger.exception("broadcast %s stopped by an error; it resumes when the bot starts again", broadcast_id)

    async def _deliver_all(self, broadcast_id: int, halt: asyncio.Event) -> None:
        """Work through the pending recipients in order, showing progress, until none are left or it is halted."""
        broadcast = await self._store.get(broadcast_id)
        if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
            return
        message = Outgoing.of(broadcast)
        throttle = Throttle(PROGRESS_INTERVAL, clock=time.monotonic)
        throttle.ready()
        broadcast = await self._show_progress(broadcast)
        while not halt.is_set() and (batch := await self._store.pending(broadcast_id, BATCH)):
            for recipient in batch:
                if halt.is_set():
                    break
                await self._deliver_one(broadcast_id, recipient, message, halt)
                if throttle.ready():
                    broadcast = await self._show_progress(broadcast)
        if self._stopping:
            logger.info("broadcast %s paused for shutdown; it resumes at the next start", broadcast_id)
            return
        if await self._store.finish(broadcast_id, self._services.clock()):
            logger.info("broadcast %s finished", broadcast_id)
        final = await self._store.get(broadcast_id)
        if final is not None:
            await self._show_report(final)

    async def _deliver_one(
        self, broadcast_id: int, recipient: Recipient, message: Outgoing, halt: asyncio.Event
    ) -> None:
        """Send to one recipient, waiting for the bucket and retrying what is worth retrying, then record the result.

        Returning with the row still pending is how a halt leaves the recipient for later.
        """
        now, user_id = self._services.clock, recipient.user_id
        if recipient.unreachable or recipient.stopped:
            status = RecipientStatus.BLOCKED if recipient.unreachable else RecipientStatus.FAILED
            reason = "unreachable" if recipient.unreachable else "messages stopped"
            await self._store.mark(broadcast_id, user_id, status, now(), attempts=0, reason=reason)
            return
        tries = failures = rate_limited = 0
        while await self._pause(halt, self._pace.reserve_bulk(user_id)):
            if not await self._pause(halt, self._pace.chat_rest(user_id)):  # a reply went to them meanwhile
                break
            if tries == 0 and not await self._store.claim(broadcast_id, user_id, now()):
                return  # dealt with already
            self._pace.used_bulk(user_id)
            tries += 1
            try:
                await send_outgoing(self._bot, user_id, message)
            except RetryAfter as error:
                rate_limited += 1
                seconds = retry_after_seconds(error)
                self._pace.pause(seconds)
                logger.warning("broadcast %s: Telegram asked to wait %s s; pausing", broadcast_id, seconds)
                if rate_limited >= MAX_RATE_LIMITED:
                    await self._finish_one(broadcast_id, user_id, RecipientStatus.FAILED, tries, error)
                    return
            except Forbidden as error:  # blocked the bot, or the account is gone
                await self._services.database.patients.set_unreachable(user_id, now())
                await self._finish_one(broadcast_id, user_id, RecipientStatus.BLOCKED, tries, error)
                logger.info("broadcast %s: patient %s has blocked the bot; marked unreachable", broadcast_id, user_id)
                return
            except BadRequest as error:  # before NetworkError, which it extends: not worth retrying
                await self._finish_one(broadcast_id, user_id, RecipientStatus.FAILED, tries, error)
                return
            except NetworkError as error:  # 5xx, the connection, a timeout
                if not surely_not_sent(error):  # it may have been delivered: at most once, so never again
                    await self._finish_one(broadcast_id, user_id, RecipientStatus.UNCONFIRMED, tries, error)
                    return
                failures += 1
                if RETRY.gives_up(failures):
                    await self._finish_one(broadcast_id, user_id, RecipientStatus.FAILED, tries, error)
                    return
                if not await self._pause(halt, RETRY.delay(failures)):
                    break
            except TelegramError as error:
                await self._finish_one(broadcast_id, user_id, RecipientStatus.FAILED, tries, error)
                return
            else:
                await self._store.mark(broadcast_id, user_id, RecipientStatus.SENT, now(), attempts=tries)
                return
        if tries:  # halted between retries of sends that surely did not go out: back to pending for later
            await self._store.release(broadcast_id, user_id, tries, now())
            logger.info("broadcast %s: patient %s left pending after %s tries", broadcast_id, user_id, tries)

    async def _finish_one(
        self, broadcast_id: int, user_id: int, status: RecipientStatus, tries: int, error: TelegramError
    ) -> None:
        """Record a recipient whose message did not plainly go through, with Telegram's reason, and log it."""
        await self._store.mark(
            broadcast_id, user_id, status, self._services.clock(), attempts=tries, reason=error.message
        )
        if status is not RecipientStatus.BLOCKED:
            logger.warning(
                "broadcast %s: patient %s %s after %s tries: %s",
                broadcast_id,
                user_id,
                status.value,
                tries,
                type(error).__name__,
            )

    @staticmethod
    async def _pause(halt: asyncio.Event, seconds: float) -> bool:
        """Wait `seconds` unless halted first; tell whether to carry on."""
        if seconds > 0 and not halt.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(halt.wait(), seconds)
        return not halt.is_set()

    async def _show_progress(self, broadcast: Broadcast) -> Broadcast:
        """Show the figures so far in the progress message, sending one first if there is none; never fails delivery."""
        pack = self._services.content.pack(None)
        text, markup = progress_view(pack, broadcast.id, await self._store.tally(broadcast.id))
        return await self._put_report_message(broadcast, text, markup)

    async def _show_report(self, broadcast: Broadcast) -> None:
        """Turn the progress message into the final report (its Cancel button goes)."""
        pack = self._services.content.pack(None)
        await self._put_report_message(
            broadcast, report_text(pack, broadcast, await self._store.tally(broadcast.id)), None
        )

    async def _put_report_message(
        self, broadcast: Broadcast, text: str, markup: InlineKeyboardMarkup | None
    ) -> Broadcast:
        """Edit the broadcast's report message, or send a new one where there is none or it cannot be edited."""
        chat_id, message_id = broadcast.report_chat_id, broadcast.report_message_id
        if chat_id is None:
            return broadcast
        try:
            if message_id is not None:
                try:
                    await self._bot.edit_message_text(
                        text, chat_id, message_id, reply_markup=markup, parse_mode=ParseMode.HTML
                    )
                except BadRequest as error:
                    if "not modified" in error.message.lower():
                        return broadcast
                    logger.info(
                        "broadcast %s: progress message not edited (%s); sending a new one", broadcast.id, error.message
                    )
                else:
                    return broadcast
            sent = await self._bot.send_message(chat_id, text, reply_markup=markup, parse_mode=ParseMode.HTML)
        except RetryAfter as error:
            self._pace.pause(retry_after_seconds(error))
            return broadcast
        except TelegramError as error:
            logger.warning("broadcast %s: progress not shown: %s", broadcast.id, type(error).__name__)
            return broadcast
        await self._store.set_report_message(broadcast.id, chat_id, sent.message_id)
        return await self._store.get(broadcast.id) or broadcast


# The engine of each running bot, by its open database: post_init starts it, post_shutdown stops it.
_ENGINES: "weakref.WeakKeyDictionary[Database, BroadcastEngine]" = weakref.WeakKeyDictionary()


def engine_for(services: Services) -> BroadcastEngine | None:
    """Return the broadcast engine of the running bot these services belong to, or None when it is not running."""
    try:
        return _ENGINES.get(services.database)
    except RuntimeError:  # the database is not open: the bot is not running
        return None


async def start_broadcasts(services: Services) -> None:
    """Open the delivery connection and start the engine: resume broadcasts that were being delivered (post_init)."""
    settings = services.settings
    request = HTTPXRequest(
        connection_pool_size=_POOL_SIZE, read_timeout=10.0, write_timeout=20.0, connect_timeout=10.0, pool_timeout=10.0
    )
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.api_base_url,
        base_file_url=settings.api_file_url,
        request=request,
    )
    try:
        await bot.initialize()
    except BaseException:
        await bot.shutdown()
        raise
    engine = BroadcastEngine(services, bot)
    _ENGINES[services.database] = engine
    await engine.resume()


async def stop_broadcasts(services: Services) -> None:
    """Stop delivery (it resumes at the next start) and close the delivery connection (post_shutdown)."""
    engine = engine_for(services)
    if engine is None:
        return
    await engine.stop()
    del _ENGINES[services.database]
    await engine.bot.shutdown()


async def start_due_broadcasts(services: Services) -> None:
    """Start the scheduled broadcasts whose time has come, if the engine is running (the minute job)."""
    engine = engine_for(services)
    if engine is not None:
        await engine.start_due()
