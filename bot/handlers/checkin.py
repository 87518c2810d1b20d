"""The daily check-in's commands and buttons: each turned into one call of bot.care.checkins, its result shown."""

from telegram import Update
from telegram.ext import ContextTypes

from bot.care.caller import Caller
from bot.care.checkins import CheckinCare, DoneToday, NotOnboarded, Resumed
from bot.care.services import Services
from bot.domain.checkin import PastCheckin, Question, accepts, next_question, previous_question
from bot.domain.records import Checkin
from bot.handlers.caller import identify_for_opening, identify_for_triage
from bot.handlers.checkin_replies import CheckinReplies
from bot.handlers.replies import answering, send
from bot.telegram import callbacks
from bot.views.screens import no_buttons


class CheckinHandlers:
    """Start or resume, answers, Back and Cancel: the check-in's commands and buttons."""

    def __init__(self, services: Services, care: CheckinCare, replies: CheckinReplies) -> None:
        self._services = services
        self._care = care
        self._replies = replies

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Start today's check-in, or resume the open one (/checkin, the menu button, a reminder's button)."""
        query = update.callback_query
        if query is None:
            await self._open(update)
        else:
            await answering(query, self._open(update))

    async def _open(self, update: Update) -> None:
        """Close an earlier day's check-in if one is left open, then open or resume today's, or say it is done."""
        query = update.callback_query
        caller, current, done_today = await identify_for_opening(self._services, update)
        again = query is not None and query.data in (callbacks.CHECKIN_AGAIN, callbacks.CHECKIN_QUESTIONS)
        closing, opening = await self._care.open(caller, current, done_today, again=again)
        await self._replies.closing(update, caller, closing, edit=False, notice="checkin.expired")  # an earlier day's
        pack = caller.pack
        if isinstance(opening, NotOnboarded):
            await send(update, no_buttons(pack.text("checkin.not_onboarded")))
        elif isinstance(opening, Resumed):
            await self._replies.ask(update, caller, opening.checkin, lead=pack.text("checkin.resumed"), edit=False)
        elif isinstance(opening, DoneToday):
            await self._replies.done_today(update, caller, opening)
        else:
            # "Check in again" turns its own message into the first question: no second message a moment after it.
            edit = query is not None and query.data == callbacks.CHECKIN_AGAIN
            lead = pack.text("checkin.intro", day=opening.day)
            await self._replies.ask(update, caller, opening.checkin, lead=lead, edit=edit)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Take an answer, Back or Cancel from the check-in's buttons; anything else is out of date."""
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        if data in (callbacks.CHECKIN_START, callbacks.CHECKIN_AGAIN, callbacks.CHECKIN_QUESTIONS):
            await self.start(update, context)
            return
        # One read for every button: Back, which needs no history, is rare enough not to have a read of its own.
        caller, current, history = await identify_for_triage(self._services, update)
        if current is None:
            await query.answer(caller.pack.text("stale_button"))
            return
        if data == callbacks.CHECKIN_CANCEL:
            await answering(query, self._cancel(update, caller, current, history, edit=True))
            return
        if data == callbacks.CHECKIN_BACK:
            await self._back(update, caller, current)
            return
        parsed = callbacks.parse_checkin_answer(data)
        question = _question(parsed[0]) if parsed else None
        if parsed is None or question is None or question != next_question(current.answers):
            # An older question's button: the question due now is shown again while the press says so.
            await answering(
                query, self._replies.ask(update, caller, current, edit=True), toast=caller.pack.text("stale_button")
            )
            return
        if not accepts(question, parsed[1]):
            await query.answer(caller.pack.text("stale_button"))
            return
        # The press is answered while the answer is stored and the next step shown; a lost answer to the press must
        # not cost the patient's answer.
        await answering(query, self._take(update, caller, current, history, question, parsed[1]))

    async def _take(
        self,
        update: Update,
        caller: Caller,
        current: Checkin,
        history: list[PastCheckin],
        question: Question,
        value: str,
    ) -> None:
        """Store one answer, then show what follows it (the next question, the advice, or the end)."""
        step = await self._care.answer(caller, current, history, question, value)
        await self._replies.step(update, caller, step, edit=True)

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Leave the open check-in, keeping what was answered (/cancel)."""
        caller, current, history = await identify_for_triage(self._services, update)
        if current is None:
            await send(update, no_buttons(caller.pack.text("checkin.nothing_to_cancel")))
            return
        await self._cancel(update, caller, current, history, edit=False)

    async def _back(self, update: Update, caller: Caller, current: Checkin) -> None:
        """Re-open the last answered question, clearing its answer."""
        query = update.callback_query
        previous = previous_question(current.answers)
        if query is None:
            return
        if previous is None:
            await query.answer(caller.pack.text("stale_button"))
            return
        await answering(query, self._reopen(update, caller, current, previous))

    async def _reopen(self, update: Update, caller: Caller, current: Checkin, previous: Question) -> None:
        """Clear the answer to a question and ask it again."""
        await self._replies.ask(update, caller, await self._care.back(current, previous), edit=True)

    async def _cancel(
        self, update: Update, caller: Caller, current: Checkin, history: list[PastCheckin], *, edit: bool
    ) -> None:
        """Close the check-in as partial; answers that already need a person still get the reply and the alert."""
        closing = await self._care.close(caller, current, history)
        await self._replies.closing(update, caller, closing, edit=edit, notice="checkin.cancelled")


def _question(name: str) -> Question | None:
    """Return the question with this name, or None for a name the bot never puts on a button."""
    try:
        return Question(name)
    except ValueError:
        return None
