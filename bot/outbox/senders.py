"""What each urgent kind of the outbox sends: the advice, the alert and its re-send, and the patient's notices."""

from datetime import date, timedelta

from telegram import Bot

from bot.care.caller import Caller, patient_caller
from bot.care.services import Services
from bot.domain.checkin import Answers
from bot.domain.records import Delivery, DeliveryKind, EscalationStatus
from bot.outbox.alerts import Alerts
from bot.outbox.worker import HOLD_SECONDS, Send
from bot.storage.outbox import Message
from bot.views.checkin import advice_view, stored_result


class DeliverySenders:
    """Renders a stored urgent row from the database as it stands, and sends it (Sends for bot.outbox.worker)."""

    def __init__(self, services: Services, alerts: Alerts) -> None:
        self._services = services
        self._alerts = alerts

    def by_kind(self) -> dict[DeliveryKind, Send]:
        """Return the sender of each urgent kind."""
        return {
            DeliveryKind.ALERT: self._alert,
            DeliveryKind.ADVICE: self._advice,
            DeliveryKind.NOTIFIED: self._notified,
            DeliveryKind.RESEND: self._resend,
            DeliveryKind.CLOSED: self._closed,
            DeliveryKind.ACKNOWLEDGED: self._acknowledged,
        }

    async def _alert(self, bot: Bot, delivery: Delivery) -> Delivery | None:
        """Post or update the alert; once staff have it, queue telling the patient so."""
        if delivery.escalation_id is None or not await self._alerts.post(bot, delivery.escalation_id):
            return None
        services = self._services
        return await services.database.outbox.add(
            DeliveryKind.NOTIFIED,
            delivery.user_id,
            Message(delivery.user_id, escalation_id=delivery.escalation_id),
            due_at=services.clock() + timedelta(seconds=HOLD_SECONDS),  # held for attempt() to send it at once
            now=services.clock(),
        )

    async def _advice(self, bot: Bot, delivery: Delivery) -> None:
        """Send the triage advice again, from the check-in's stored outcome (or the typed warning's escalation)."""
        database = self._services.database
        caller = await self._caller(delivery.user_id)
        if caller is None:
            return
        if delivery.checkin_id is not None:
            checkin = await database.checkins.get(delivery.checkin_id)
            if checkin is None or checkin.tier is None:
                return
            answers, day, result = checkin.answers, checkin.day, stored_result(checkin.tier, checkin.reasons)
        else:
            escalation = await database.escalations.get(delivery.escalation_id or 0)
            if escalation is None:
                return
            answers, day = Answers(), self._day(caller, escalation.local_date)
            result = stored_result(escalation.tier, escalation.reasons)
        text, markup = advice_view(self._services, caller.pack, answers, day, result)
        await bot.send_message(delivery.user_id, text, reply_markup=markup)

    async def _notified(self, bot: Bot, delivery: Delivery) -> None:
        """Tell the patient the clinic has their alert: about their check-in, or about the message they typed."""
        caller = await self._caller(delivery.user_id)
        escalation = await self._services.database.escalations.get(delivery.escalation_id or 0)
        if caller is None or escalation is None:
            return
        typed = escalation.checkin_id is None
        await bot.send_message(
            delivery.user_id, caller.pack.text("typed.clinic_notified" if typed else "triage.clinic_notified")
        )

    async def _acknowledged(self, bot: Bot, delivery: Delivery) -> None:
        """Tell the patient the clinic has seen their alert (staff acknowledged or resolved it)."""
        caller = await self._caller(delivery.user_id)
        if caller is None:
            return
        await bot.send_message(delivery.user_id, caller.pack.text("triage.clinic_acknowledged"))

    async def _closed(self, bot: Bot, delivery: Delivery) -> None:
        """Tell the patient that their check-in, left unfinished, was closed (what they answered is kept)."""
        caller = await self._caller(delivery.user_id)
        checkin = await self._services.database.checkins.get(delivery.checkin_id or 0)
        if caller is None or checkin is None:
            return
        await bot.send_message(delivery.user_id, caller.pack.text("checkin.expired", day=checkin.day))

    async def _resend(self, bot: Bot, delivery: Delivery) -> None:
        """Remind the staff chat of an alert nobody has acknowledged, in reply to its post (unless handled since)."""
        escalation = await self._services.database.escalations.get(delivery.escalation_id or 0)
        if escalation is None or escalation.status is not EscalationStatus.OPEN or escalation.staff_chat_id is None:
            return
        minutes = self._services.settings.alert_resend_minutes
        text = self._alerts.staff_pack.text("staff.resend", escalation_id=escalation.id, minutes=minutes)
        await bot.send_message(escalation.staff_chat_id, text, reply_to_message_id=escalation.staff_message_id)

    async def _caller(self, user_id: int) -> Caller | None:
        """Return the patient a delivery is for, as the views need them; None once they are erased."""
        patient = await self._services.database.patients.get(user_id)
        if patient is None:
            return None
        return patient_caller(self._services, patient)

    def _day(self, caller: Caller, on: date) -> int:
        """Return the patient's day of recovery on a clinic date (0 while the treatment date is unknown)."""
        treated = caller.patient.treatment_date if caller.patient is not None else None
        return (on - treated).days if treated is not None else 0
