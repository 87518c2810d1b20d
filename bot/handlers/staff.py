"""Staff buttons on alerts: Acknowledge and Resolved, refused to anyone not on the staff list, whoever presses."""

from telegram import MaybeInaccessibleMessage, Update
from telegram.ext import ContextTypes

from bot.care.alerts import AlertCare, AlertChange
from bot.care.services import Services
from bot.domain.records import Escalation
from bot.handlers.replies import pressed_message
from bot.outbox.alerts import Alerts, with_status, without_status
from bot.telegram import callbacks


class StaffHandlers:
    """Handles what staff do with alerts."""

    def __init__(self, services: Services, care: AlertCare, alerts: Alerts) -> None:
        self._services = services
        self._care = care
        self._alerts = alerts

    async def alert_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Acknowledge or resolve an alert; registered behind the staff guard, which checks the presser."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        pack = self._alerts.staff_pack
        parsed = callbacks.parse_staff_action(query.data or "")
        change = await self._care.act(user.id, parsed[1], parsed[0]) if parsed else None
        if change is None:
            await query.answer(pack.text("stale_button"))
            return
        if not isinstance(change, AlertChange):
            await query.answer(pack.text("staff.already"))
            return
        await query.answer()
        after = change.after
        pressed = pressed_message(update)
        if pressed is not None and pressed.text:
            status = self._alerts.status_line(after, user.full_name)
            await query.edit_message_text(
                with_status(without_status(pressed.text_html), status),
                reply_markup=self._alerts.alert_buttons(after),
            )
        if not _is_staff_chat_alert(query.message, after):  # pressed under /alerts: the staff chat's copy follows
            await self._alerts.refresh(update.get_bot(), after, user.full_name)


def _is_staff_chat_alert(message: MaybeInaccessibleMessage | None, escalation: Escalation) -> bool:
    """Tell whether a pressed button sits on the escalation's own alert in the staff chat."""
    return (
        message is not None
        and message.chat.id == escalation.staff_chat_id
        and message.message_id == escalation.staff_message_id
    )
