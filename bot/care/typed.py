"""Typed words read the way a triage nurse reads them: into the check-in's findings, through the same triage().

A message that names a warning sign gets the tier's advice at once; a same-day or emergency one is also stored as an
escalation (one per patient, day and tier, as a check-in's) with the patient's words, its advice and alert queued in
the same transaction; a finding the reader is unsure of (a question, "if", someone else, the past) is told apart.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.care.caller import Caller
from bot.care.services import Services
from bot.domain.checkin import MAX_NOTE_LENGTH, Answers, PastCheckin
from bot.domain.triage import ESCALATE_FROM, Tier, TriageResult, triage, verdict
from bot.outbox.worker import Outbox
from bot.storage.outcomes import Outcome


class TypedAnswer(enum.Enum):
    """How to answer a message that names a symptom."""

    ESCALATE = "escalate"  # same day or emergency: the advice now, and the clinic told
    ADVICE = "advice"  # soon, or a warning sign the patient should check: the advice and the questions
    UNSURE = "unsure"  # the reader is unsure (a question, "if", someone else): the questions, one tap away
    SELF_CARE = "self_care"  # expected healing: what is normal today


@dataclass(frozen=True)
class TypedReading:
    """What a message named, how triage weighs it, and (for an escalation) the outcome stored with it."""

    answer: TypedAnswer
    signs: Answers
    result: TriageResult
    day: int
    outcome: Outcome | None = None  # None without consent: nothing may be stored, but the advice is still given


class TypedCare:
    """Reads typed messages for symptoms and escalates those that need a person today."""

    def __init__(self, services: Services, deliveries: Outbox) -> None:
        self._services = services
        self._deliveries = deliveries

    async def read(self, caller: Caller, history: Sequence[PastCheckin], text: str) -> TypedReading | None:
        """Read a message for symptoms and decide the answer; None when it names none (nothing to say about it).

        history is what triage reads of the caller's complete check-ins (none for someone who is not a patient).
        """
        services = self._services
        reading = services.reader.read(text)
        if not reading.names_symptom:
            return None
        signs = reading.answers()
        result = self._assess(caller, signs, history)
        day = services.day_of(caller.patient) or 0
        if result.tier >= ESCALATE_FROM:
            return TypedReading(TypedAnswer.ESCALATE, signs, result, day, await self._escalate(caller, text, result))
        if result.tier is Tier.SOON or reading.warning_signs(services.rules):
            return TypedReading(TypedAnswer.ADVICE, signs, result, day)
        kind = TypedAnswer.UNSURE if reading.unsure(services.rules) else TypedAnswer.SELF_CARE
        return TypedReading(kind, signs, result, day)

    def _assess(self, caller: Caller, signs: Answers, history: Sequence[PastCheckin]) -> TriageResult:
        """Triage typed findings with the patient's day, history and modifiers, as a check-in would be."""
        services = self._services
        patient = caller.patient
        day = services.day_of(patient)
        if day is None:  # the treatment date is not known yet: from this day on, getting worse is same day
            day = services.rules.worsening_from_day
        at_risk = bool(patient and patient.at_risk)
        return triage(signs, day, history, at_risk=at_risk, rules=services.rules)

    async def _escalate(self, caller: Caller, text: str, result: TriageResult) -> Outcome | None:
        """Store the escalation with the patient's words, its advice and its alert; None without consent."""
        if caller.patient is None:
            return None
        services = self._services
        return await services.database.outcomes.escalate_typed(
            caller.user_id,
            services.today(),
            verdict(result),
            text[:MAX_NOTE_LENGTH],
            now=services.clock(),
            hold=self._deliveries.hold(),
        )
