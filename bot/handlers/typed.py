"""Typed words read the way a triage nurse reads them: into the check-in's findings, through the same triage().

A message that names a warning sign gets the tier's advice at once, with the signs read back in plain words; a
same-day or emergency one also reaches the clinic (one alert per patient, day and tier, as a check-in's), with the
patient's words; a finding the reader is unsure of (a question, "if", someone else, the past) offers the warning-sign
questions, one tap away. Every escalation offers them too.
"""

from telegram import Update

from bot.care.caller import Caller
from bot.care.services import Services
from bot.domain.checkin import MAX_NOTE_LENGTH, Answers
from bot.domain.triage import ESCALATE_FROM, Tier, TriageResult, triage, verdict
from bot.handlers.replies import give_advice, send
from bot.outbox.deliveries import Deliveries
from bot.views import screens as views
from bot.views.checkin import advice_view
from bot.views.screens import View
from bot.views.typed import mentioned, with_questions


class TypedWarnings:
    """Answers what a patient typed when it names a symptom, and tells the clinic when it needs a person today."""

    def __init__(self, services: Services, deliveries: Deliveries) -> None:
        self._services = services
        self._deliveries = deliveries

    async def assess(self, caller: Caller, answers: Answers) -> TriageResult:
        """Triage typed findings with the patient's day, history and modifiers, as a check-in would be."""
        services = self._services
        patient = caller.patient
        day = services.day_of(patient)
        if day is None:  # the treatment date is not known yet: from this day on, getting worse is same day
            day = services.rules.worsening_from_day
        history = await services.database.checkins.triage_history(caller.user_id, excluding=0) if patient else []
        at_risk = bool(patient and patient.at_risk)
        return triage(answers, day, history, at_risk=at_risk, rules=services.rules)

    async def answer(self, update: Update, caller: Caller, text: str) -> bool:
        """Answer a message by what it names; tell whether it named a symptom at all (False: nothing was sent)."""
        rules = self._services.rules
        reading = self._services.reader.read(text)
        if not reading.names_symptom:
            return False
        answers = reading.answers()
        result = await self.assess(caller, answers)
        pack = caller.pack
        if result.tier >= ESCALATE_FROM:
            await self._escalate(update, caller, text, answers, result)
        elif result.tier is Tier.SOON or reading.warning_signs(rules):
            await send(update, with_questions(self._advice(caller, answers, result), pack))
        elif reading.unsure(rules):
            await send(update, with_questions(views.with_menu_buttons(pack.text("typed.unsure"), pack), pack))
        else:
            day_text = pack.normal_by_day.today(self._services.day_of(caller.patient) or 0)
            await send(update, views.with_menu_buttons(pack.text("typed.self_care", day_text=day_text), pack))
        return True

    def _advice(self, caller: Caller, answers: Answers, result: TriageResult) -> View:
        """Build the reply: the tier's first line, the signs read back, then the rest of the advice as a check-in's."""
        pack = caller.pack
        day = self._services.day_of(caller.patient) or 0
        text, markup = advice_view(self._services, pack, answers, day, result)
        lead = mentioned(pack, answers)
        if not lead:
            return text, markup
        title, _, rest = text.partition("\n\n")  # what to do comes first (911, for an emergency), then what was read
        return f"{title}\n\n{lead}\n\n{rest}", markup

    async def _escalate(
        self, update: Update, caller: Caller, text: str, answers: Answers, result: TriageResult
    ) -> None:
        """Store the escalation with its deliveries, give the advice at once, then alert the clinic."""
        services = self._services
        view = with_questions(self._advice(caller, answers, result), caller.pack)
        if caller.patient is None:  # no consent: nothing may be stored, but the advice is still given
            await send(update, view)
            return
        outcome = await services.database.outcomes.escalate_typed(
            caller.user_id,
            services.today(),
            verdict(result),
            text[:MAX_NOTE_LENGTH],
            now=services.clock(),
            hold=self._deliveries.hold(),
        )
        try:
            await give_advice(update, view, outcome.advice, self._deliveries)
        finally:  # the clinic's alert goes out whatever happened to the advice
            if outcome.alert is not None:
                await self._deliveries.attempt(update.get_bot(), outcome.alert)
