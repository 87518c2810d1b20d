"""The daily check-in: one question at a time in one message, every answer stored at once, triage at each step."""

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.care.caller import Caller
from bot.care.services import Services
from bot.content.keys import Key
from bot.content.packs import LanguagePack
from bot.domain.checkin import (
    MAX_NOTE_LENGTH,
    SKIPPED,
    PastCheckin,
    Question,
    accepts,
    next_question,
    parse_temperature,
    previous_question,
)
from bot.domain.records import Checkin, CheckinStatus
from bot.domain.triage import ESCALATE_FROM, Tier, TriageResult, triage, verdict
from bot.handlers.caller import identify_with_checkin
from bot.handlers.replies import give_advice, send, show, stop_spinner
from bot.outbox.deliveries import Deliveries
from bot.telegram import callbacks
from bot.views.checkin import advice_view, question_buttons, question_text, stored_result
from bot.views.screens import no_buttons
from bot.views.typed import mentioned

# Open check-ins whose triage history is kept (see CheckinHandlers._history); more than are ever open at once.
MAX_KEPT_HISTORIES = 4096
# A check-in's id, patient and start: SQLite may give a deleted check-in's id (an erased account's) to a new one.
HistoryKey = tuple[int, int, datetime]


class CheckinHandlers:
    """Runs check-ins: start or resume, answers and Back, typed values, photo and note, and the triage reply."""

    def __init__(self, services: Services, deliveries: Deliveries) -> None:
        self._services = services
        self._deliveries = deliveries
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
        again = query is not None and query.data in (callbacks.CHECKIN_AGAIN, callbacks.CHECKIN_QUESTIONS)
        if not again and (done := await store.last_finished_on(caller.user_id, today)) is not None:
            await self._show_done(update, caller, done, day)
            return
        current = await store.start(caller.user_id, today, day, self._services.clock())
        # "Check in again" turns its own message into the first question: no second message a moment after the first.
        edit = query is not None and query.data == callbacks.CHECKIN_AGAIN
        await self._ask(update, caller, current, lead=caller.pack.text("checkin.intro", day=day), edit=edit)

    async def _show_done(self, update: Update, caller: Caller, done: Checkin, day: int) -> None:
        """Tell a patient back after today's check-in that it is done, with today's result and what to do again."""
        pack = caller.pack
        again = InlineKeyboardButton(pack.label("checkin_again"), callback_data=callbacks.CHECKIN_AGAIN)
        text, rows = pack.text("checkin.done_today", day=day), [[again]]
        if done.tier is not None:
            advice, markup = advice_view(
                self._services, pack, done.answers, done.day, stored_result(done.tier, done.reasons)
            )
            text = f"{text}\n\n{pack.text('checkin.done_today_result')}\n\n{advice}"
            rows += [list(row) for row in markup.inline_keyboard] if markup is not None else []
        await send(update, (text, InlineKeyboardMarkup(rows)))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Take an answer, Back or Cancel from the check-in's buttons; anything else is out of date."""
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        if data in (callbacks.CHECKIN_START, callbacks.CHECKIN_AGAIN, callbacks.CHECKIN_QUESTIONS):
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
        await stop_spinner(query)  # a lost answer to the press must not cost the patient's answer
        await self._record(update, caller, current, question, parsed[1], edit=True)

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Leave the open check-in, keeping what was answered (/cancel)."""
        caller, current = await identify_with_checkin(self._services, update)
        if current is None:
            await send(update, no_buttons(caller.pack.text("checkin.nothing_to_cancel")))
            return
        await self._cancel(update, caller, current, edit=False)

    async def typed(self, update: Update, caller: Caller, current: Checkin, text: str) -> bool:
        """Take typed text during a check-in (a temperature, the note, words naming signs); False if it had closed."""
        question = next_question(current.answers)
        pack = caller.pack
        signs = self._services.reader.read(text).answers()
        note_step = question in (Question.PHOTO, Question.NOTE)
        if question is Question.TEMPERATURE and (value := parse_temperature(text)) is not None:
            return await self._record(update, caller, current, question, value, edit=False)
        if signs.values or (note_step and len(text) <= MAX_NOTE_LENGTH):
            return await self._take_note(
                update, caller, current, text, lead="" if note_step else mentioned(pack, signs)
            )
        if note_step:
            await send(update, no_buttons(pack.text("checkin.note_too_long", max=MAX_NOTE_LENGTH)))
        elif question is Question.TEMPERATURE:
            await send(update, no_buttons(pack.text("checkin.temperature_not_understood")))
        else:
            await send(update, no_buttons(pack.text("checkin.use_buttons")))
        return True

    async def _take_note(self, update: Update, caller: Caller, current: Checkin, text: str, *, lead: str) -> bool:
        """Keep typed words as the check-in's note (after any earlier ones), which its triage reads, and go on.

        Typing at the photo step means "no photo, and here is my note". Words naming a sign at any other question are
        kept the same way, and that question is asked again below what was understood; an emergency stops the
        check-in at once, as a tapped one does. When the note grows too long its newest words are kept.
        """
        store, now = self._services.database.checkins, self._services.clock()
        if next_question(current.answers) is Question.PHOTO:
            current = await store.answer(current.id, Question.PHOTO, SKIPPED, now)
        note = current.answers.get(Question.NOTE)
        kept = text if note in (None, SKIPPED) else f"{note}\n{text}"
        return await self._record(
            update, caller, current, Question.NOTE, kept[-MAX_NOTE_LENGTH:], edit=False, lead=lead
        )

    def _with_acknowledgement(self, caller: Caller, lead: str, before: TriageResult, after: TriageResult) -> str:
        """Add, when an answer makes the check-in same day, what to do now to the next question's lead-in.

        Said once: not again while it stays same day, and not while it waits on the temperature of a possible
        emergency (the check-in then stops at once, or turns same day and says so).
        """
        if after.tier is not Tier.SAME_DAY or before.tier is Tier.SAME_DAY:
            return lead
        line = caller.pack.text("checkin.same_day_so_far", clinic_phone=self._services.clinic.phone)
        return f"{lead}\n\n{line}" if lead else line

    async def photo(self, update: Update, caller: Caller, current: Checkin, message: Message) -> bool:
        """Take a photo sent at the check-in's photo step, its caption as the note; tell whether it was taken."""
        if next_question(current.answers) is not Question.PHOTO or not message.photo:
            return False
        file_id = message.photo[-1].file_id
        if message.caption:
            current = await self._services.database.checkins.answer(
                current.id, Question.PHOTO, file_id, self._services.clock()
            )
            await self._take_note(update, caller, current, message.caption, lead="")
        else:
            await self._record(update, caller, current, Question.PHOTO, file_id, edit=False)
        return True

    async def _record(
        self,
        update: Update,
        caller: Caller,
        current: Checkin,
        question: Question,
        value: str,
        *,
        edit: bool,
        lead: str = "",
    ) -> bool:
        """Store one answer, then stop at an emergency, finish when complete, or ask the next question (after lead).

        Tell whether the answer was taken: not when the check-in was closed meanwhile (the idle job got there first).
        """
        store = self._services.database.checkins
        before = await self.assess(caller, current)
        current = await store.answer(current.id, question, value, self._services.clock())
        if current.status is not CheckinStatus.OPEN:
            return False
        result = await self.assess(caller, current)
        following = next_question(current.answers)
        # A "yes" to fever waits one tap for the temperature, which decides whether it counts as a fever; every
        # other emergency question comes before it, so nothing else can be held back by this.
        if result.tier is Tier.EMERGENCY and following is not Question.TEMPERATURE:
            await self._finish(update, caller, current, CheckinStatus.EMERGENCY, result, edit=edit)
        elif following is None:
            await self._finish(update, caller, current, CheckinStatus.COMPLETE, result, edit=edit)
        else:
            # Same day partway through is said at once, and the check-in goes on: the clinic gets the whole picture
            # in one alert, and a patient who stops here still knows what to do (the idle job alerts the clinic).
            lead = self._with_acknowledgement(caller, lead, before, result)
            await self._ask(update, caller, current, lead=lead, edit=edit)
        return True

    async def assess(self, caller: Caller, current: Checkin) -> TriageResult:
        """Triage a check-in's answers so far, with its note's words read in, against earlier check-ins."""
        history = await self._history(current)
        at_risk = bool(caller.patient and caller.patient.at_risk)
        answers = current.answers
        note = answers.get(Question.NOTE)
        if note is not None and note != SKIPPED:  # a sign typed in the note counts as a tapped one would
            answers = answers.raised_by(self._services.reader.read(note).answers())
        return triage(answers, current.day, history, at_risk=at_risk, rules=self._services.rules)

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
        """Store the outcome with its escalation and deliveries, then give the advice, then alert the clinic.

        The advice and the alert are separate deliveries: a reply that times out is tried again later, and costs the
        clinic nothing; an alert that fails is tried again too, and the patient is told once it is up.
        """
        self._histories.pop(_history_key(current), None)
        services = self._services
        outcome = await services.database.outcomes.finish_checkin(
            current.id, status, verdict(result), advise=True, now=services.clock(), hold=self._deliveries.hold()
        )
        if outcome.advice is None or outcome.checkin is None:
            return  # finished a moment ago by another update or the idle job, which gave the advice
        view = advice_view(services, caller.pack, outcome.checkin.answers, outcome.checkin.day, result)
        try:
            await give_advice(update, view, outcome.advice, self._deliveries, edit=edit)  # a failure is tried again
        finally:  # the clinic's alert goes out whatever happened to the advice
            if outcome.alert is not None:
                await self._deliveries.attempt(update.get_bot(), outcome.alert)

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
        self, update: Update, caller: Caller, current: Checkin, *, edit: bool, notice: Key = "checkin.cancelled"
    ) -> None:
        """Close the check-in as partial; answers that already need a person still get the reply and the alert."""
        result = await self.assess(caller, current)
        if result.tier >= ESCALATE_FROM:
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
