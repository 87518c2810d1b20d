"""The daily check-in: one question at a time in one message, every answer stored at once, triage at each step."""

from datetime import datetime

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.content import LanguagePack
from bot.domain.checkin import (
    MAX_NOTE_LENGTH,
    SKIPPED,
    Answers,
    PastCheckin,
    Question,
    accepts,
    next_question,
    parse_temperature,
    previous_question,
)
from bot.domain.records import Checkin, CheckinStatus
from bot.domain.triage import Tier, TriageResult, triage
from bot.handlers import callbacks
from bot.handlers.alerts import Alerts, PatientLabel
from bot.handlers.caller import Caller, identify_with_checkin
from bot.handlers.checkin_views import fever_was_not_measured, question_buttons, question_text, triage_view
from bot.handlers.replies import no_buttons, send, show
from bot.handlers.views import View, keyboard
from bot.services import Services

# Open check-ins whose triage history is kept (see CheckinHandlers._history); more than are ever open at once.
MAX_KEPT_HISTORIES = 4096
# A check-in's id, patient and start: SQLite may give a deleted check-in's id (an erased account's) to a new one.
HistoryKey = tuple[int, int, datetime]


class CheckinHandlers:
    """Runs check-ins: start or resume, answers and Back, typed values, photo and note, and the triage reply."""

    def __init__(self, services: Services, alerts: Alerts) -> None:
        self._services = services
        self._alerts = alerts
        self._histories: dict[HistoryKey, list[PastCheckin]] = {}  # by open check-in, oldest first
        self._keyboards: dict[tuple[str, Question], InlineKeyboardMarkup] = {}  # by language and question

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Start today's check-in, or resume the open one (/checkin, the menu button, a reminder's button)."""
        query = update.callback_query
        if query is not None:
            await query.answer()
        caller, current = await identify_with_checkin(self._services, update)
        patient = caller.patient
        if patient is None or not patient.onboarded:
            await send(update, no_buttons(caller.pack.text("checkin.not_onboarded")))
            return
        store = self._services.database.checkins
        today = self._services.today()
        if current is not None and current.local_date != today:
            await self._cancel(update, caller, current, edit=False, notice="checkin.expired")  # from an earlier day
            current = None
        if current is not None:
            await self._ask(update, caller, current, lead=caller.pack.text("checkin.resumed"), edit=False)
            return
        day = self._services.day_of(patient) or 0
        again = query is not None and query.data == callbacks.CHECKIN_AGAIN
        if not again and await store.finished_on(caller.user_id, today):
            again_button = keyboard([[(caller.pack.label("checkin_again"), callbacks.CHECKIN_AGAIN)]])
            await send(update, (caller.pack.text("checkin.done_today", day=day), again_button))
            return
        current = await store.start(caller.user_id, today, day, self._services.clock())
        # "Check in again" turns its own message into the first question: no second message a moment after the first.
        await self._ask(update, caller, current, lead=caller.pack.text("checkin.intro", day=day), edit=again)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Take an answer, Back or Cancel from the check-in's buttons; anything else is out of date."""
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        if data in (callbacks.CHECKIN_START, callbacks.CHECKIN_AGAIN):
            await self.start(update, context)
            return
        caller, current = await identify_with_checkin(self._services, update)
        if current is None:
            await query.answer(caller.pack.text("stale_button"))
            return
        if data == callbacks.CHECKIN_CANCEL:
            await query.answer()
            await self._cancel(update, caller, current, edit=True)
            return
        if data == callbacks.CHECKIN_BACK:
            await self._back(update, caller, current)
            return
        parsed = callbacks.parse_checkin_answer(data)
        question = _question(parsed[0]) if parsed else None
        if parsed is None or question is None or question != next_question(current.answers):
            await query.answer(caller.pack.text("stale_button"))
            await self._ask(update, caller, current, edit=True)
            return
        if not accepts(question, parsed[1]):
            await query.answer(caller.pack.text("stale_button"))
            return
        await query.answer()
        await self._record(update, caller, current, question, parsed[1], edit=True)

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Leave the open check-in, keeping what was answered (/cancel)."""
        caller, current = await identify_with_checkin(self._services, update)
        if current is None:
            await send(update, no_buttons(caller.pack.text("checkin.nothing_to_cancel")))
            return
        await self._cancel(update, caller, current, edit=False)

    async def typed(self, update: Update, caller: Caller, current: Checkin, text: str, *, flagged: bool) -> None:
        """Take typed text during a check-in: a temperature or the note; otherwise point back to the buttons."""
        question = next_question(current.answers)
        pack = caller.pack
        if question is Question.TEMPERATURE and (value := parse_temperature(text)) is not None:
            await self._record(update, caller, current, question, value, edit=False)
        elif question is Question.TEMPERATURE:
            await send(update, no_buttons(pack.text("checkin.temperature_not_understood")))
        elif question in (Question.PHOTO, Question.NOTE) and len(text) > MAX_NOTE_LENGTH:
            await send(update, no_buttons(pack.text("checkin.note_too_long", max=MAX_NOTE_LENGTH)))
        elif question is Question.PHOTO:
            # Typing at the photo step means "no photo, and here is my note".
            current = await self._services.database.checkins.answer(
                current.id, Question.PHOTO, SKIPPED, self._services.clock()
            )
            await self._record(update, caller, current, Question.NOTE, text, edit=False)
        elif question is Question.NOTE:
            await self._record(update, caller, current, question, text, edit=False)
        elif not flagged:
            await send(update, no_buttons(pack.text("checkin.use_buttons")))

    async def photo(self, update: Update, caller: Caller, current: Checkin, message: Message) -> bool:
        """Take a photo sent at the check-in's photo step; tell whether it was taken."""
        if next_question(current.answers) is not Question.PHOTO or not message.photo:
            return False
        await self._record(update, caller, current, Question.PHOTO, message.photo[-1].file_id, edit=False)
        return True

    async def _record(
        self, update: Update, caller: Caller, current: Checkin, question: Question, value: str, *, edit: bool
    ) -> None:
        """Store one answer, then stop at an emergency, finish when complete, or ask the next question."""
        store = self._services.database.checkins
        current = await store.answer(current.id, question, value, self._services.clock())
        result = await self.assess(caller, current)
        following = next_question(current.answers)
        # A "yes" to fever waits one tap for the temperature, which decides whether it counts as a fever; every
        # other emergency question comes before it, so nothing else can be held back by this.
        if result.tier is Tier.EMERGENCY and following is not Question.TEMPERATURE:
            await self._finish(update, caller, current, CheckinStatus.EMERGENCY, result, edit=edit)
        elif following is None:
            await self._finish(update, caller, current, CheckinStatus.COMPLETE, result, edit=edit)
        else:
            await self._ask(update, caller, current, edit=edit)

    async def assess(self, caller: Caller, current: Checkin) -> TriageResult:
        """Triage a check-in's answers so far against the patient's earlier complete check-ins."""
        history = await self._history(current)
        at_risk = bool(caller.patient and caller.patient.at_risk)
        return triage(current.answers, current.day, history, at_risk=at_risk, rules=self._services.rules)

    async def _history(self, current: Checkin) -> list[PastCheckin]:
        """Return what triage reads of the patient's other check-ins: read once per open check-in, then kept.

        While a check-in is open the patient can finish no other one (only one is open at a time, and finished ones
        never change), so its history stays the same; it is let go when the check-in is finished.
        """
        kept = self._histories.pop(_history_key(current), None)
        if kept is None:
            kept = await self._services.database.checkins.triage_history(current.user_id, excluding=current.id)
        if current.status is CheckinStatus.OPEN:
            while len(self._histories) >= MAX_KEPT_HISTORIES:
                del self._histories[next(iter(self._histories))]  # the oldest: most likely left unfinished
            self._histories[_history_key(current)] = kept
        return kept

    async def _finish(
        self,
        update: Update,
        caller: Caller,
        current: Checkin,
        status: CheckinStatus,
        result: TriageResult,
        *,
        edit: bool,
    ) -> None:
        """Close the check-in, answer the patient first, then alert the clinic when it needs a person."""
        self._histories.pop(_history_key(current), None)
        current = await self._services.database.checkins.finish(
            current.id, status, result.tier.code, tuple(result.reasons), self._services.clock()
        )
        await (show if edit else send)(update, self.reply_view(caller, current.answers, current.day, result))
        if result.tier >= Tier.SAME_DAY and update.effective_user is not None:
            user = update.effective_user
            who = PatientLabel(name=user.full_name, username=user.username)
            if await self._alerts.raise_alert(update.get_bot(), who, current, result):
                await send(update, no_buttons(caller.pack.text("triage.clinic_notified")))

    def reply_view(self, caller: Caller, answers: Answers, day: int, result: TriageResult) -> View:
        """Build the triage reply for a patient's answers."""
        return triage_view(
            caller.pack,
            result,
            clinic=self._services.clinic,
            clinic_open=self._services.clinic_open_now(),
            day_text=caller.pack.normal_by_day.today(day),
            fever_not_measured=fever_was_not_measured(answers),
        )

    async def _ask(self, update: Update, caller: Caller, current: Checkin, *, lead: str = "", edit: bool) -> None:
        """Show the next question: in place on the check-in's message, or as a new message that becomes it."""
        question = next_question(current.answers)
        if question is None:
            return
        text = question_text(caller.pack, question, current.answers, current.day, lead=lead)
        view = (text, self._buttons(caller.pack, question))
        if edit:
            await show(update, view)
            return
        message = await send(update, view)
        await self._services.database.checkins.set_message(current.id, message.message_id, self._services.clock())

    def _buttons(self, pack: LanguagePack, question: Question) -> InlineKeyboardMarkup:
        """Return a question's answer buttons: the same each time it is asked, so built once per language and kept."""
        key = (pack.code, question)
        kept = self._keyboards.get(key)
        if kept is None:
            kept = self._keyboards[key] = question_buttons(pack, question)
        return kept

    async def _back(self, update: Update, caller: Caller, current: Checkin) -> None:
        """Re-open the last answered question, clearing its answer."""
        query = update.callback_query
        previous = previous_question(current.answers)
        if query is None:
            return
        if previous is None:
            await query.answer(caller.pack.text("stale_button"))
            return
        await query.answer()
        current = await self._services.database.checkins.unanswer(current.id, previous, self._services.clock())
        await self._ask(update, caller, current, edit=True)

    async def _cancel(
        self, update: Update, caller: Caller, current: Checkin, *, edit: bool, notice: str = "checkin.cancelled"
    ) -> None:
        """Close the check-in as partial; answers that already need a person still get the reply and the alert."""
        result = await self.assess(caller, current)
        if result.tier >= Tier.SAME_DAY:
            await self._finish(update, caller, current, CheckinStatus.PARTIAL, result, edit=edit)
            return
        self._histories.pop(_history_key(current), None)
        await self._services.database.checkins.finish(
            current.id, CheckinStatus.PARTIAL, result.tier.code, tuple(result.reasons), self._services.clock()
        )
        await (show if edit else send)(update, no_buttons(caller.pack.text(notice, day=current.day)))


def _history_key(checkin: Checkin) -> HistoryKey:
    """Return the key a check-in's triage history is kept under."""
    return checkin.id, checkin.user_id, checkin.started_at


def _question(name: str) -> Question | None:
    """Return the question with this name, or None for a name the bot never puts on a button."""
    try:
        return Question(name)
    except ValueError:
        return None
