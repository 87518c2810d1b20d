"""Work the bot does on its own, every minute: close idle check-ins, decide reminders, nudges and alert re-sends.

Everything is worked out from the database at each run, so nothing is lost in a restart: a reminder missed
while the bot was down is decided at the next run if that is within a few hours of its time (never at night, see
bot/domain/reminder_window.py), and reminder_log makes sure none is decided twice. Jobs only decide and add rows to
the outbox, in the same transaction as their record; the outbox's worker sends them (bot/outbox/worker.py), the
alert re-sends in its urgent lane, never behind the reminders in its bulk lane.
"""

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.care.checkins import CheckinCare
from bot.care.services import Services
from bot.domain.patient import Patient
from bot.domain.records import Delivery, DeliveryKind
from bot.domain.reminder_window import CATCH_UP, ON_TIME, QUIET_FROM, reminder_is_due
from bot.domain.retention import purge_cutoff
from bot.jobs.broadcasts import Broadcasts
from bot.jobs.sequence import SequenceJob
from bot.outbox.worker import Outbox, once
from bot.storage.outbox import Message
from bot.telegram import callbacks
from bot.telegram.request_layer import ApiBot
from bot.views.screens import keyboard

logger = logging.getLogger(__name__)

NUDGE_AFTER_MISSED_DAYS = 2
WAKE_EVERY = 100  # reminders queued between wake-ups of the outbox


class Jobs:
    """The bot's scheduled work; run_due() does one round of it."""

    def __init__(
        self,
        services: Services,
        checkins: CheckinCare,
        *,
        outbox: Outbox,
        sequence: SequenceJob,
        broadcasts: Broadcasts,
    ) -> None:
        self._services = services
        self._outbox = outbox
        self._sequence = sequence
        self._broadcasts = broadcasts
        self._checkins = checkins
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
        await self.resend_alerts()
        await self.close_idle_checkins(bot)
        await self.queue_reminders()
        self._outbox.wake()
        # --- scheduled work of the clinic side ---
        await self._broadcasts.start_due(bot)  # broadcasts: scheduled ones whose time has come
        await self._sequence.queue_due()
        self._outbox.wake()
        await self.purge_expired()  # retention: once per clinic day

    async def close_idle_checkins(self, bot: ApiBot) -> None:
        """Close check-ins left unfinished (bot.care.checkins); tell each patient, and give advice and alert as due."""
        for closed in await self._checkins.close_idle():
            caller, checkin, outcome = closed.caller, closed.checkin, closed.outcome
            try:
                await bot.send_message(caller.user_id, caller.pack.text("checkin.expired", day=checkin.day))
            except Forbidden:
                await self._services.database.patients.set_unreachable(caller.user_id, self._services.clock())
            except TelegramError as error:
                logger.warning("check-in %s closed; the notice was not sent (%s)", checkin.id, type(error).__name__)
            for delivery in (outcome.advice, outcome.alert):
                if delivery is not None:
                    await self._outbox.attempt(bot, delivery)

    async def queue_reminders(self) -> None:
        """Queue today's reminder (or, after two missed days, one nudge) for each patient whose time has come.

        They are queued WAKE_EVERY to a transaction, and the outbox is woken after each: the first reminders go out
        while the rest are being decided.
        """
        services = self._services
        today, local_now = services.today(), services.local_now()
        last_day = services.settings.reminder_last_day
        database = services.database
        due: list[tuple[int, DeliveryKind, Message]] = []
        for patient in await database.patients.awaiting_reminder(
            today - timedelta(days=last_day), today - timedelta(1), today, DeliveryKind.REMINDER.value
        ):
            at = patient.reminder_time or services.settings.reminder_time
            if not reminder_is_due(local_now.time(), at):
                continue  # not yet, or too late today: a reminder never comes hours late, at night
            kind = DeliveryKind.NUDGE if await self._needs_nudge(patient) else DeliveryKind.REMINDER
            expires_at = reminder_deadline(today, at, services.settings.clinic_timezone)
            due.append((patient.user_id, kind, Message(patient.user_id, expires_at=expires_at)))
            if len(due) == WAKE_EVERY:
                await database.reminders.queue(today, due, services.clock())
                self._outbox.wake()
                due = []
        if due:
            await database.reminders.queue(today, due, services.clock())

    async def _needs_nudge(self, patient: Patient) -> bool:
        """Tell whether the patient has missed two whole days of check-ins and has not been nudged since."""
        database = self._services.database
        last_seen = await database.checkins.last_finished_date(patient.user_id) or patient.treatment_date
        if last_seen is None:
            return False
        if (self._services.today() - last_seen).days <= NUDGE_AFTER_MISSED_DAYS:
            return False
        last_nudge = await database.reminders.last_claimed(patient.user_id, DeliveryKind.NUDGE.value)
        return last_nudge is None or last_nudge <= last_seen

    async def resend_alerts(self) -> None:
        """Queue a reminder to the staff chat of every alert nobody has acknowledged within the configured time."""
        services = self._services
        cutoff = services.clock() - timedelta(minutes=services.settings.alert_resend_minutes)
        for escalation in await services.database.escalations.due_for_resend(cutoff):
            if escalation.staff_chat_id is not None:
                await services.database.escalations.mark_resent(escalation.id, services.clock())
        self._outbox.wake()

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


def reminder_deadline(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the moment a reminder set for `at` on a clinic day stops being worth sending (see reminder_window)."""
    start = datetime.combine(day, at, tzinfo=zone)
    quiet = datetime.combine(day, QUIET_FROM, tzinfo=zone)
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return min(start + CATCH_UP, max(start + ON_TIME, quiet), midnight)


class ReminderMessages:
    """Renders and sends a queued reminder or nudge, with the button that starts the check-in (a Send of the outbox)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def send(self, bot: ApiBot, delivery: Delivery) -> None:
        """Send one reminder or nudge to its patient, as they are now."""
        services = self._services
        patient = await services.database.patients.get(delivery.user_id)
        if patient is None:
            return
        pack = services.pack_for(patient, None)
        day = services.day_of(patient) or 0
        nudge = delivery.kind is DeliveryKind.NUDGE
        text = pack.text("reminders.nudge") if nudge else pack.text("reminders.daily", day=day)
        button = keyboard([[(pack.label("checkin_now"), callbacks.CHECKIN_START)]])
        await bot.send_message(patient.user_id, text, reply_markup=button, rate_limit_args=once(delivery))
