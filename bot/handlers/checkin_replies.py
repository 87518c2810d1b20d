"""Showing what the check-in's use cases return: the next question, the advice with the clinic's alert, a notice.

Shared by the check-in's buttons and commands (bot.handlers.checkin) and by typed text and photos sent during a
check-in (bot.handlers.messages); no decision is made here.
"""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.care.caller import Caller
from bot.care.checkins import Asked, Closed, DoneToday, Finished, Step
from bot.care.services import Services
from bot.content.keys import Key
from bot.domain.checkin import next_question
from bot.domain.records import Checkin
from bot.handlers.replies import give_outcome, send, show
from bot.outbox.worker import Outbox
from bot.telegram import callbacks
from bot.views.checkin import advice_view, question_buttons, question_text, stored_result
from bot.views.screens import no_buttons


class CheckinReplies:
    """Turns check-in steps into messages: asked in place or anew, and finished with the advice then the alert."""

    def __init__(self, services: Services, deliveries: Outbox) -> None:
        self._services = services
        self._deliveries = deliveries

    async def step(self, update: Update, caller: Caller, step: Step, *, edit: bool, lead: str = "") -> None:
        """Show where an answer led: the next question (after lead), or the advice of a finished check-in."""
        if isinstance(step, Finished):
            await self.finished(update, caller, step, edit=edit)
        elif isinstance(step, Asked):
            if step.same_day_now:  # what to do now, said once, with the next question
                line = caller.pack.text("checkin.same_day_so_far", clinic_phone=self._services.clinic.phone)
                lead = f"{lead}\n\n{line}" if lead else line
            await self.ask(update, caller, step.checkin, lead=lead, edit=edit)

    async def ask(self, update: Update, caller: Caller, current: Checkin, *, lead: str = "", edit: bool) -> None:
        """Show the next question: in place on the check-in's message, or as a new message that becomes it."""
        question = next_question(current.answers)
        if question is None:
            return
        text = question_text(caller.pack, question, current.answers, current.day, lead=lead)
        view = (text, question_buttons(caller.pack, question))
        if edit:
            await show(update, view)
            return
        message = await send(update, view)
        await self._services.database.checkins.set_message(current.id, message.message_id, self._services.clock())

    async def finished(self, update: Update, caller: Caller, finished: Finished, *, edit: bool) -> None:
        """Give the stored advice as the reply, then post the clinic's alert whatever happened to the advice."""
        checkin = finished.checkin
        view = advice_view(self._services, caller.pack, checkin.answers, checkin.day, finished.result)
        await give_outcome(update, view, finished.outcome, self._deliveries, edit=edit)

    async def closing(
        self, update: Update, caller: Caller, closing: Closed | Finished | None, *, edit: bool, notice: Key
    ) -> None:
        """Show a closed check-in: its advice when it needs a person, else the notice (cancelled, or expired)."""
        if isinstance(closing, Finished):
            await self.finished(update, caller, closing, edit=edit)
        elif closing is not None:
            await (show if edit else send)(update, no_buttons(caller.pack.text(notice, day=closing.checkin.day)))

    async def done_today(self, update: Update, caller: Caller, done: DoneToday) -> None:
        """Tell a patient back after today's check-in that it is done, with today's result and what to do again."""
        pack, checkin = caller.pack, done.checkin
        again = InlineKeyboardButton(pack.label("checkin_again"), callback_data=callbacks.CHECKIN_AGAIN)
        text, rows = pack.text("checkin.done_today", day=done.day), [[again]]
        if checkin.tier is not None:
            result = stored_result(checkin.tier, checkin.reasons)
            advice, markup = advice_view(self._services, pack, checkin.answers, checkin.day, result)
            text = f"{text}\n\n{pack.text('checkin.done_today_result')}\n\n{advice}"
            rows += [list(row) for row in markup.inline_keyboard] if markup is not None else []
        await send(update, (text, InlineKeyboardMarkup(rows)))
