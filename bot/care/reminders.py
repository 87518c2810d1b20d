"""Daily reminders and nudges: decided at the minute's round, queued in the outbox, rendered when they go out.

Everything is worked out from the database at each run, so nothing is lost in a restart: a reminder missed while the
bot was down is decided at the next run if that is within a few hours of its time (never at night, see
bot/domain/reminder_window.py), and reminder_log makes sure none is decided twice.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.care.services import Services
from bot.domain.patient import Patient
from bot.domain.records import Delivery, DeliveryKind
from bot.domain.reminder_window import CATCH_UP, ON_TIME, QUIET_FROM, reminder_is_due
from bot.outbox.worker import once
from bot.storage.outbox import Message
from bot.telegram import callbacks
from bot.telegram.request_layer import ApiBot
from bot.views.screens import keyboard

NUDGE_AFTER_MISSED_DAYS = 2
WAKE_EVERY = 100  # reminders queued to a transaction, and between wake-ups of the outbox


class Reminders:
    """Queues each patient's reminder (or nudge) once a day at their time, and renders it when it goes out."""

    def __init__(self, services: Services, wake: Callable[[], None]) -> None:
        self._services = services
        self._wake = wake

    async def queue_due(self) -> None:
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
                self._wake()
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

    async def send(self, bot: ApiBot, delivery: Delivery) -> None:
        """Send one reminder or nudge to its patient, as they are now (a Send of the outbox)."""
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


def reminder_deadline(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the moment a reminder set for `at` on a clinic day stops being worth sending (see reminder_window)."""
    start = datetime.combine(day, at, tzinfo=zone)
    quiet = datetime.combine(day, QUIET_FROM, tzinfo=zone)
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return min(start + CATCH_UP, max(start + ON_TIME, quiet), midnight)
