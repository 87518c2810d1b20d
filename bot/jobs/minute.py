"""The minute's round: alert re-sends, idle check-ins, reminders and nudges, broadcasts due, aftercare, retention.

Everything is worked out from the database at each run, so nothing is lost in a restart. The round only calls the
use cases of bot/care, which decide and add rows to the outbox in the same transaction as their record; the outbox's
worker sends them (bot/outbox/worker.py), the alert re-sends in its urgent lane, never behind the reminders in its
bulk lane.
"""

import logging
from datetime import date

from telegram.ext import ContextTypes

from bot.care.alerts import AlertCare
from bot.care.broadcasts import Broadcasts
from bot.care.checkins import CheckinCare
from bot.care.reminders import Reminders
from bot.care.sequence import SequenceCare
from bot.care.services import Services
from bot.domain.retention import purge_cutoff
from bot.outbox.worker import Outbox
from bot.telegram.request_layer import ApiBot

logger = logging.getLogger(__name__)

NUDGE_AFTER_MISSED_DAYS = 2
WAKE_EVERY = 100  # reminders queued between wake-ups of the outbox


class Jobs:
    """The bot's scheduled work; run_due() does one round of it."""

    def __init__(
        self,
        services: Services,
        checkins: CheckinCare,
        alerts: AlertCare,
        *,
        outbox: Outbox,
        reminders: Reminders,
        sequence: SequenceCare,
        broadcasts: Broadcasts,
    ) -> None:
        self._services = services
        self._outbox = outbox
        self._reminders = reminders
        self._sequence = sequence
        self._broadcasts = broadcasts
        self._checkins = checkins
        self._alerts = alerts
        self._purged_on: date | None = None  # retention: the clinic day the purge last ran

    async def tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Run one round from the JobQueue: decide what is due; the outbox's loops send it meanwhile."""
        await self.decide(context.bot)

    async def run_due(self, bot: ApiBot) -> None:
        """Decide everything that is due now, by the services' clock, then send the outbox's due rows (both lanes)."""
        await self.decide(bot)
        await self._outbox.run_due(bot)

    async def decide(self, bot: ApiBot) -> None:
        """Decide what is due now and queue it, waking the outbox after each kind (alert re-sends first)."""
        await self._alerts.queue_resends()
        self._outbox.wake()
        await self.close_idle_checkins(bot)
        await self._reminders.queue_due()
        self._outbox.wake()
        # --- scheduled work of the clinic side ---
        await self._broadcasts.start_due(bot)  # broadcasts: scheduled ones whose time has come
        await self._sequence.queue_due()
        self._outbox.wake()
        await self.purge_expired()  # retention: once per clinic day

    async def close_idle_checkins(self, bot: ApiBot) -> None:
        """Close check-ins left unfinished (bot.care.checkins): tell each patient, and give advice and alert as due.

        Each is an urgent outbox row written with the close; they are tried here at once, in that order, and the
        outbox's urgent lane tries again any that fail.
        """
        for closed in await self._checkins.close_idle():
            for delivery in closed.deliveries():
                await self._outbox.attempt(bot, delivery)

    async def purge_expired(self) -> None:
        """Purge check-ins and logs of patients past RETENTION_DAYS, once per clinic day; log the counts only."""
        services = self._services
        await services.database.wal.retry_owed()  # an erasure's checkpoint a reader blocked: within a minute
        today = services.today()
        if self._purged_on == today:
            return
        settings = services.settings
        cutoff = purge_cutoff(today, settings.reminder_last_day, settings.retention_days)
        purged = await services.database.retention.purge_before(cutoff)
        self._purged_on = today
        logger.info(
            "retention purge: %s check-ins, %s escalations, %s reminders, %s aftercare messages",
            purged.checkins,
            purged.escalations,
            purged.reminders,
            purged.sequence_messages,
        )
