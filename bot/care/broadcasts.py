"""Broadcasts: started by staff or at their scheduled time, delivered by the outbox, with a progress message.

How it stays safe and fair:

- **One outbox.** Starting a broadcast is a single transaction that only one caller can win (draft or scheduled ->
  sending) and that snapshots its audience as rows of the outbox, one per recipient. The outbox's bulk lane sends
  them through the Application's bot (the request layer, as every reply) at most once each, and keeps what became
  of each on its row: that is the broadcast's tally. A restart carries on from its pending rows.
- **Room for patients at Telegram.** Sends are spaced by the services' SendPace, shared with reminders and the
  aftercare sequence: at most BROADCAST_RATE a second (default 20) without bursts, fewer while patients' replies
  take their share of Telegram's ~30 messages/s, and never within a second of the bot's last message to the same
  chat. Alerts and replies never wait behind it: they are the outbox's urgent lane, or go out at once.
- **Errors** are the outbox's (bot/outbox/worker.py): 403 marks the patient unreachable and the row 'blocked'; a send
  surely not delivered is retried with backoff, then 'failed'; one perhaps delivered is 'unconfirmed', never
  repeated; other refusals are 'failed' with Telegram's description. The report shows each count.
- **Progress.** Each settled row updates the progress message at most every PROGRESS_INTERVAL seconds; the last
  one finishes the broadcast and turns the message into the report. Cancelling marks the pending rows 'cancelled'.

The staff member's preview is sent by the same function through the same bot, so it is exactly what patients get
(and a message Telegram would refuse is refused at the preview, before anyone is sent anything).
"""

import asyncio
import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.care.services import Services
from bot.content.keys import Key
from bot.content.packs import LanguagePack
from bot.domain.audience import decode, treatment_dates
from bot.domain.records import Delivery
from bot.storage.broadcasts import Broadcast, BroadcastStatus, BroadcastStore, Tally
from bot.telegram import request_layer
from bot.telegram.callbacks import broadcast_button as button_data
from bot.telegram.pacing import Throttle
from bot.telegram.request_layer import ApiBot
from bot.views.screens import keyboard

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 3.0  # seconds between edits of the progress message, at least

CANCEL = "x"


@dataclass(frozen=True)
class Outgoing:
    """A broadcast's message: Telegram HTML text, or a photo (by file_id) with the text as its caption."""

    text_html: str
    photo_file_id: str | None = None

    @classmethod
    def of(cls, broadcast: Broadcast, language: str | None = None) -> "Outgoing":
        """Return a broadcast's message as a patient written to in `language` gets it (the clinic's text if None)."""
        return cls(broadcast.text_for(language), broadcast.photo_file_id)


async def send_outgoing(
    bot: ApiBot, chat_id: int, message: Outgoing, once: request_layer.Delivery = request_layer.Delivery.AT_LEAST_ONCE
) -> Message:
    """Send a broadcast's message to one chat exactly as patients get it (the staff's preview is sent with it too)."""
    if message.photo_file_id is not None:
        return await bot.send_photo(
            chat_id,
            message.photo_file_id,
            caption=message.text_html or None,
            parse_mode=ParseMode.HTML,
            rate_limit_args=once,
        )
    return await bot.send_message(
        chat_id,
        message.text_html,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        rate_limit_args=once,
    )


def plain(pack: LanguagePack, key: Key, **values: str | int) -> str:
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
        return pack.text("broadcast.report_cancelled", pending_count=tally.unsent, **values)
    return pack.text("broadcast.report", **values)


class Broadcasts:
    """Starts, cancels and reports broadcasts; sends one recipient's row for the outbox; knows who is composing."""

    def __init__(self, services: Services, wake: Callable[[], None]) -> None:
        self._services = services
        self._wake = wake  # the outbox's: rows were added
        self._throttles: dict[int, Throttle] = {}  # progress edits, per broadcast
        self._editing: dict[int, asyncio.Lock] = {}  # one edit of a broadcast's message at a time, in order
        # Staff members with a draft in progress, so that only their typed messages are taken as composing; kept in
        # step by the handlers and rebuilt from the database at start-up.
        self.composing: set[int] = set()

    @property
    def _store(self) -> BroadcastStore:
        """Return the broadcast store."""
        return self._services.database.broadcasts

    async def resume(self, bot: ApiBot) -> None:
        """Rebuild from the database who is composing, and finish broadcasts whose rows a stop left all settled."""
        self.composing = await self._store.composers()
        for broadcast in await self._store.sending():
            logger.info("broadcast %s resumes", broadcast.id)
            await self._follow(bot, broadcast.id, throttled=False)

    async def begin(
        self, bot: ApiBot, broadcast_id: int, *, scheduled: bool, report: tuple[int, int] | None
    ) -> int | None:
        """Start a draft (or a due scheduled broadcast): snapshot its audience into the outbox, show the progress.

        Return the number of recipients, or None if it was not in that state (someone else started or cancelled it).
        """
        broadcast = await self._store.get(broadcast_id)
        if broadcast is None:
            return None
        span = treatment_dates(decode(broadcast.audience), self._services.today())
        count = await self._store.start(broadcast_id, span, self._services.clock(), scheduled=scheduled, report=report)
        if count is not None:
            logger.info("broadcast %s started with %s recipients", broadcast_id, count)
            self._wake()
            await self._follow(bot, broadcast_id, throttled=False)
        return count

    async def start_due(self, bot: ApiBot) -> None:
        """Start every scheduled broadcast whose time has come (the minute job calls this)."""
        now = self._services.clock()
        for broadcast in await self._store.due(now):
            try:
                count = await self.begin(bot, broadcast.id, scheduled=True, report=None)
            except ValueError:  # a stored audience that cannot be read: never send it to the wrong people
                logger.warning("scheduled broadcast %s has an unreadable audience; cancelled", broadcast.id)
                await self._store.cancel(broadcast.id, now)
                continue
            if count is not None:
                audit = self._services.database.audit
                await audit.record(broadcast.created_by, "broadcast sent", f"broadcast:{broadcast.id}", now)

    async def cancel(self, bot: ApiBot, broadcast_id: int) -> Broadcast | None:
        """Cancel a draft, scheduled or running broadcast; return it as it was before, or None if it had ended."""
        before = await self._store.cancel(broadcast_id, self._services.clock())
        if before is not None:
            if before.status is BroadcastStatus.DRAFT:
                self.composing.discard(before.created_by)
            logger.info("broadcast %s cancelled (was %s)", broadcast_id, before.status.value)
            if before.status is BroadcastStatus.SENDING:
                await self._follow(bot, broadcast_id, throttled=False)
        return before

    async def send(self, bot: ApiBot, delivery: Delivery) -> None:
        """Send a broadcast's message to one recipient (a Send of the outbox)."""
        broadcast = await self._store.get(delivery.broadcast_id or 0)
        if broadcast is not None:
            patient = await self._services.database.patients.get(delivery.user_id)
            message = Outgoing.of(broadcast, patient.language if patient else None)
            await send_outgoing(bot, delivery.chat_id or delivery.user_id, message, request_layer.Delivery.AT_MOST_ONCE)

    async def settled(self, bot: ApiBot, delivery: Delivery) -> None:
        """Follow a recipient's row once the outbox settled it (a Settled of the outbox)."""
        if delivery.broadcast_id is not None:
            await self._follow(bot, delivery.broadcast_id, throttled=True)

    async def _follow(self, bot: ApiBot, broadcast_id: int, *, throttled: bool) -> None:
        """Finish a broadcast with nothing left to send and show its report, or show its progress (throttled).

        Rows settle several at a time, so the message is edited by one of them at a time: the report, shown by the
        settle that finished the broadcast (or by whoever cancelled it), is never overwritten by a progress edit.
        """
        store = self._store
        throttle = self._throttles.setdefault(broadcast_id, Throttle(PROGRESS_INTERVAL, clock=time.monotonic))
        due = throttle.ready()  # every edit starts the interval, the first one's too
        if throttled and not due and await store.unfinished(broadcast_id):
            return  # most rows: neither the last one nor time to show progress
        async with self._editing.setdefault(broadcast_id, asyncio.Lock()):
            broadcast = await store.get(broadcast_id)
            if broadcast is None:
                return
            reporting = not throttled
            if broadcast.status is BroadcastStatus.SENDING and not await store.unfinished(broadcast_id):
                if await store.finish(broadcast_id, self._services.clock()):
                    logger.info("broadcast %s finished", broadcast_id)
                    reporting = True
                broadcast = await store.get(broadcast_id) or broadcast
            if broadcast.status is not BroadcastStatus.SENDING and not reporting:
                return  # ended meanwhile by another settle or a cancel, which shows the report
            pack, tally = self._services.content.pack(None), await store.tally(broadcast_id)
            if broadcast.status is BroadcastStatus.SENDING:
                text, markup = progress_view(pack, broadcast.id, tally)
                await self._put_report_message(bot, broadcast, text, markup)
            else:
                self._throttles.pop(broadcast_id, None)
                self._editing.pop(broadcast_id, None)
                await self._put_report_message(bot, broadcast, report_text(pack, broadcast, tally), None)

    async def _put_report_message(
        self, bot: ApiBot, broadcast: Broadcast, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Edit the broadcast's report message, or send a new one where there is none or it cannot be edited."""
        chat_id, message_id = broadcast.report_chat_id, broadcast.report_message_id
        if chat_id is None:
            return
        try:
            if message_id is not None:
                try:
                    await bot.edit_message_text(
                        text, chat_id, message_id, reply_markup=markup, parse_mode=ParseMode.HTML
                    )
                except BadRequest as error:
                    if "not modified" in error.message.lower():
                        return
                    logger.info(
                        "broadcast %s: progress message not edited (%s); sending a new one", broadcast.id, error.message
                    )
                else:
                    return
            sent = await bot.send_message(chat_id, text, reply_markup=markup, parse_mode=ParseMode.HTML)
        except TelegramError as error:  # a 429 among them has paused the bulk sends already (the request layer)
            logger.warning("broadcast %s: progress not shown: %s", broadcast.id, type(error).__name__)
            return
        await self._store.set_report_message(broadcast.id, chat_id, sent.message_id)
