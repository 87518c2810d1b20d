"""Answering typed words that name a symptom, as bot.care.typed decides.

The advice comes with the signs read back in plain words, and for an escalation the clinic's alert after it; the
warning-sign questions are one tap away.
"""

from collections.abc import Sequence

from telegram import Update

from bot.care.caller import Caller
from bot.care.services import Services
from bot.care.typed import TypedAnswer, TypedCare, TypedReading
from bot.domain.checkin import PastCheckin
from bot.handlers.replies import give_outcome, send
from bot.outbox.worker import Outbox
from bot.views import screens as views
from bot.views.checkin import advice_view
from bot.views.screens import View
from bot.views.typed import mentioned, with_questions


class TypedReplies:
    """Answers what a patient typed when it names a symptom, and posts the clinic's alert when it needs a person."""

    def __init__(self, services: Services, care: TypedCare, deliveries: Outbox) -> None:
        self._services = services
        self._care = care
        self._deliveries = deliveries

    async def answer(self, update: Update, caller: Caller, history: Sequence[PastCheckin], text: str) -> bool:
        """Answer a message by what it names; tell whether it named a symptom at all (False: nothing was sent).

        history is what triage reads of the caller's complete check-ins, read with the caller.
        """
        reading = await self._care.read(caller, history, text)
        if reading is None:
            return False
        pack = caller.pack
        if reading.answer is TypedAnswer.ESCALATE:
            await self._escalated(update, caller, reading)
        elif reading.answer is TypedAnswer.ADVICE:
            await send(update, with_questions(self._advice(caller, reading), pack))
        elif reading.answer is TypedAnswer.UNSURE:
            await send(update, with_questions(views.with_menu_buttons(pack.text("typed.unsure"), pack), pack))
        else:
            day_text = pack.normal_by_day.today(reading.day)
            await send(update, views.with_menu_buttons(pack.text("typed.self_care", day_text=day_text), pack))
        return True

    def _advice(self, caller: Caller, reading: TypedReading) -> View:
        """Build the reply: the tier's first line, the signs read back, then the rest of the advice as a check-in's."""
        pack = caller.pack
        text, markup = advice_view(self._services, pack, reading.signs, reading.day, reading.result)
        lead = mentioned(pack, reading.signs)
        if not lead:
            return text, markup
        title, _, rest = text.partition("\n\n")  # what to do comes first (911, for an emergency), then what was read
        return f"{title}\n\n{lead}\n\n{rest}", markup

    async def _escalated(self, update: Update, caller: Caller, reading: TypedReading) -> None:
        """Give the stored advice at once, then post the clinic's alert whatever happened to the advice."""
        view = with_questions(self._advice(caller, reading), caller.pack)
        outcome = reading.outcome
        if outcome is None:  # no consent: nothing was stored, but the advice is still given
            await send(update, view)
            return
        await give_outcome(update, view, outcome, self._deliveries)
