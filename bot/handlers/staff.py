"""Staff buttons on alerts: Acknowledge and Resolved, refused to anyone not on the staff list, whoever presses."""

from telegram import MaybeInaccessibleMessage, Update
from telegram.ext import ContextTypes

from bot.care.alerts import AlertCare, AlertChange
from bot.care.services import Services
from bot.domain.records import Escalation
from bot.handlers.replies import answering, pressed_message, together
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
        # The press is answered while the alert shows the change, here and (pressed under /alerts) in the staff chat.
        after, name = change.after, user.full_name
        await answering(query, together(self._show(update, after, name), self._follow(update, after, name)))

    async def _show(self, update: Update, after: Escalation, staff_name: str) -> None:
        """Show an alert's new status and buttons on the message whose button was pressed."""
        query, pressed = update.callback_query, pressed_message(update)
        if query is None or pressed is None or not pressed.text:
            return
        await query.edit_message_text(
            with_status(without_status(pressed.text_html), self._alerts.status_line(after, staff_name)),
            reply_markup=self._alerts.alert_buttons(after),
        )

    async def _follow(self, update: Update, after: Escalation, staff_name: str) -> None:
        """Bring the staff chat's alert in step when the button pressed was on another copy (under /alerts)."""
        query = update.callback_query
        if query is not None and not _is_staff_chat_alert(query.message, after):
            await self._alerts.refresh(update.get_bot(), after, staff_name)


def _is_staff_chat_alert(message: MaybeInaccessibleMessage | None, escalation: Escalation) -> bool:
    """Tell whether a pressed button sits on the escalation's own alert in the staff chat."""
    return (
        message is not None
        and message.chat.id == escalation.staff_chat_id
        and message.message_id == escalation.staff_message_id
    )
