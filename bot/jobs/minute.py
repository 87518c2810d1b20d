"""Work the bot does on its own, every minute: close idle check-ins, send reminders and nudges, re-send alerts.

Everything is worked out from the database at each run, so nothing is lost in a restart: a reminder missed
while the bot was down goes out at the next run if that is within a few hours of its time (never at night, see
bot/domain/reminder_window.py), and reminder_log makes sure
none goes out twice: a reminder is claimed before it is sent, and one whose answer is lost is not repeated.
"""

import logging
from datetime import date, timedelta

from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.care.checkins import CheckinCare
from bot.care.services import Services
from bot.domain.patient import Patient
from bot.domain.reminder_window import reminder_is_due
from bot.domain.retention import purge_cutoff
from bot.jobs.broadcasts import start_due_broadcasts
from bot.jobs.sequence import SequenceJob
from bot.outbox.alerts import Alerts
from bot.outbox.deliveries import Deliveries
from bot.telegram import callbacks
from bot.telegram.request_layer import ApiBot, Delivery, UnconfirmedSendError, retry_after_seconds
from bot.views.screens import keyboard

logger = logging.getLogger(__name__)

REMINDER, NUDGE = "reminder", "nudge"
NUDGE_AFTER_MISSED_DAYS = 2


class Jobs:
    """The bot's scheduled work; run_due() does one round of it."""

    def __init__(
        self,
        services: Services,
        alerts: Alerts,
        checkins: CheckinCare,
        *,
        deliveries: Deliveries,
        sequence: SequenceJob,
    ) -> None:
        self._services = services
        self._deliveries = deliveries
        self._sequence = sequence
        self._alerts = alerts
        self._checkins = checkins
        self._purged_on: date | None = None  # retention: the clinic day the purge last ran

    async def tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Run one round from the JobQueue."""
        await self.run_due(context.bot)

    async def run_due(self, bot: ApiBot) -> None:
        """Do everything that is due now, by the services' clock."""
        await self._deliveries.run_due(bot)  # advice and alerts not yet confirmed come first
        await self.close_idle_checkins(bot)
        await self.send_reminders(bot)
        await self.resend_alerts(bot)
        # --- scheduled work of the clinic side ---
        await start_due_broadcasts(self._services)  # broadcasts: scheduled ones whose time has come
        await self._sequence.send_due(bot)
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
                    await self._deliveries.attempt(bot, delivery)

    async def send_reminders(self, bot: ApiBot) -> None:
        """Send today's reminder (or, after two missed days, one nudge) to each patient whose time has come."""
        services = self._services
        today, local_now = services.today(), services.local_now()
        last_day = services.settings.reminder_last_day
        database = services.database
        for patient in await database.patients.awaiting_reminder(
            today - timedelta(days=last_day), today - timedelta(1), today, REMINDER
        ):
            due = patient.reminder_time or services.settings.reminder_time
            if not reminder_is_due(local_now.time(), due):
                continue  # not yet, or too late today: a reminder never comes hours late, at night
            kind = NUDGE if await self._needs_nudge(patient) else REMINDER
            if not await database.reminders.claim(patient.user_id, today, REMINDER, services.clock()):
                continue  # another run got there first
            if kind == NUDGE:
                await database.reminders.claim(patient.user_id, today, NUDGE, services.clock())
            if not await self._remind(bot, patient, kind):
                await database.reminders.release(patient.user_id, today, REMINDER)
                await database.reminders.release(patient.user_id, today, NUDGE)
                return  # Telegram asked us to slow down: the rest wait for the next run

    async def _needs_nudge(self, patient: Patient) -> bool:
        """Tell whether the patient has missed two whole days of check-ins and has not been nudged since."""
        database = self._services.database
        history = await database.checkins.history(patient.user_id)
        last_seen = history[-1].local_date if history else patient.treatment_date
        if last_seen is None:
            return False
        if (self._services.today() - last_seen).days <= NUDGE_AFTER_MISSED_DAYS:
            return False
        last_nudge = await database.reminders.last_claimed(patient.user_id, NUDGE)
        return last_nudge is None or last_nudge <= last_seen

    async def _remind(self, bot: ApiBot, patient: Patient, kind: str) -> bool:
        """Send one reminder or nudge with a button that starts the check-in, at the bulk pace.

        False when Telegram still asked us to slow down after the request layer's waits: it surely did not take it.
        """
        pack = self._services.pack_for(patient, None)
        day = self._services.day_of(patient) or 0
        text = pack.text("reminders.nudge") if kind == NUDGE else pack.text("reminders.daily", day=day)
        button = keyboard([[(pack.label("checkin_now"), callbacks.CHECKIN_START)]])
        await self._services.wait_for_bulk_slot(patient.user_id)
        try:
            await bot.send_message(patient.user_id, text, reply_markup=button, rate_limit_args=Delivery.AT_MOST_ONCE)
        except Forbidden:
            await self._mark_unreachable(patient)
        except RetryAfter as error:
            self._services.send_pace.pause(retry_after_seconds(error))
            logger.warning("%s for patient %s held back: Telegram asked to slow down", kind, patient.user_id)
            return False
        except UnconfirmedSendError:
            logger.warning("%s for patient %s unconfirmed: not repeated", kind, patient.user_id)
        except TelegramError as error:
            logger.warning("%s for patient %s not sent: %s", kind, patient.user_id, type(error).__name__)
        else:
            logger.info("%s sent to patient %s", kind, patient.user_id)
        return True

    async def resend_alerts(self, bot: ApiBot) -> None:
        """Remind the staff chat of every alert nobody has acknowledged within the configured time."""
        services = self._services
        minutes = services.settings.alert_resend_minutes
        cutoff = services.clock() - timedelta(minutes=minutes)
        pack = self._alerts.staff_pack
        for escalation in await services.database.escalations.due_for_resend(cutoff):
            if escalation.staff_chat_id is None:
                continue
            text = pack.text("staff.resend", escalation_id=escalation.id, minutes=minutes)
            try:
                await bot.send_message(escalation.staff_chat_id, text, reply_to_message_id=escalation.staff_message_id)
            except TelegramError as error:
                logger.warning("re-sending escalation %s failed: %s", escalation.id, type(error).__name__)
                continue
            await services.database.escalations.mark_resent(escalation.id, services.clock())

    async def _mark_unreachable(self, patient: Patient) -> None:
        """Stop messaging a patient who blocked the bot, until they write to it or unblock it."""
        logger.info("patient %s has blocked the bot; marked unreachable", patient.user_id)
        await self._services.database.patients.set_unreachable(patient.user_id, self._services.clock())

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
