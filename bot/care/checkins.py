"""The daily check-in as the clinic runs it; the check-in's handlers and the idle job both call this.

Every answer is stored at once and triaged at each step; the outcome is written with its escalation and deliveries
before anything is said.

Each use case returns what happened, for the caller to show: the next question to ask, a finished check-in with the
advice and the alert to send first, or a check-in closed with nothing to escalate.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.care.caller import Caller, patient_caller
from bot.care.services import Services
from bot.content.keys import Key
from bot.domain.checkin import (
    MAX_NOTE_LENGTH,
    SKIPPED,
    Answers,
    PastCheckin,
    Question,
    next_question,
    parse_temperature,
)
from bot.domain.records import Checkin, CheckinStatus, Verdict
from bot.domain.triage import ESCALATE_FROM, Tier, TriageResult, triage, verdict
from bot.outbox.worker import Outbox
from bot.storage.outcomes import Outcome

# A check-in left with answers that already need a person today is closed (and the clinic told) after this long.
URGENT_IDLE_MINUTES = 15


@dataclass(frozen=True)
class Asked:
    """The check-in goes on with its next question; same_day_now when this answer made it same day."""

    checkin: Checkin
    same_day_now: bool = False


@dataclass(frozen=True)
class Finished:
    """The check-in is finished: its advice and the clinic's alert are stored, held for a first attempt now."""

    checkin: Checkin
    result: TriageResult
    outcome: Outcome


@dataclass(frozen=True)
class Closed:
    """The check-in was closed as partial with nothing that needs a person."""

    checkin: Checkin


# What an answer leads to; None when the check-in had been closed meanwhile (the answer was not taken).
Step = Asked | Finished | None


@dataclass(frozen=True)
class NotOnboarded:
    """The caller has no treatment date yet, so there is nothing to check in on."""


@dataclass(frozen=True)
class Resumed:
    """Today's open check-in, picked up where it was left."""

    checkin: Checkin


@dataclass(frozen=True)
class DoneToday:
    """Today's check-in is finished: shown with its result, and the way to check in again."""

    checkin: Checkin
    day: int


@dataclass(frozen=True)
class Started:
    """A new check-in for today."""

    checkin: Checkin
    day: int


Opening = NotOnboarded | Resumed | DoneToday | Started


@dataclass(frozen=True)
class Hint:
    """Typed text the check-in could not take: the content key of what to say instead, and its values."""

    key: Key
    values: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Noted:
    """Typed words taken into the check-in (as a value or its note), with the signs they named."""

    step: Step
    signs: Answers


class CheckinCare:
    """Starts, answers, notes, goes back on, cancels, assesses and finishes check-ins."""

    def __init__(self, services: Services, deliveries: Outbox) -> None:
        self._services = services
        self._deliveries = deliveries

    async def open(
        self, caller: Caller, current: Checkin | None, done_today: Checkin | None, *, again: bool
    ) -> tuple[Closed | Finished | None, Opening]:
        """Open today's check-in: resume it, show today's result, or start one; an earlier day's open one is closed.

        done_today is the caller's last check-in finished of those started today, read with the caller.
        """
        services = self._services
        patient = caller.patient
        if patient is None or not patient.onboarded:
            return None, NotOnboarded()
        today = services.today()
        closing: Closed | Finished | None = None
        if current is not None and current.local_date != today:
            closing = await self.close(caller, current, await self._history(current))
            current = None
        if current is not None:
            return closing, Resumed(current)
        day = services.day_of(patient) or 0
        if not again and done_today is not None:
            return closing, DoneToday(done_today, day)
        return closing, Started(
            await services.database.checkins.start(caller.user_id, today, day, services.clock()), day
        )

    async def answer(
        self, caller: Caller, current: Checkin, history: Sequence[PastCheckin], question: Question, value: str
    ) -> Step:
        """Store one answer, then stop at an emergency, finish when complete, or go on to the next question.

        history is what triage reads of the caller's other check-ins, read with the caller in the same trip. The answers
        with this one are triaged before it is stored, so that an answer that finishes the check-in is stored with the
        outcome, in one transaction; any other is stored on its own.
        """
        services = self._services
        before = self._triage(caller, current.answers, current.day, history)
        answers = current.answers.with_answer(question, value)
        result = self._triage(caller, answers, current.day, history)
        following = next_question(answers)
        # A "yes" to fever waits one tap for the temperature, which decides whether it counts as a fever; every
        # other emergency question comes before it, so nothing else can be held back by this.
        if result.tier is Tier.EMERGENCY and following is not Question.TEMPERATURE:
            return await self.finish(current, CheckinStatus.EMERGENCY, result, answer=(question, value))
        if following is None:
            return await self.finish(current, CheckinStatus.COMPLETE, result, answer=(question, value))
        current = await services.database.checkins.answer(current, question, value, services.clock())
        if current.status is not CheckinStatus.OPEN:
            return None
        # Same day partway through is said at once, and the check-in goes on: the clinic gets the whole picture in
        # one alert, and a patient who stops here still knows what to do (the idle job alerts the clinic).
        return Asked(current, same_day_now=result.tier is Tier.SAME_DAY and before.tier is not Tier.SAME_DAY)

    async def typed(self, caller: Caller, current: Checkin, history: Sequence[PastCheckin], text: str) -> Noted | Hint:
        """Take typed text: a temperature, the note, or words naming signs (kept as the note); else say what fits."""
        question = next_question(current.answers)
        signs = self._services.reader.read(text).answers()
        note_step = question in (Question.PHOTO, Question.NOTE)
        if question is Question.TEMPERATURE and (value := parse_temperature(text)) is not None:
            return Noted(await self.answer(caller, current, history, question, value), Answers())
        if signs.values or (note_step and len(text) <= MAX_NOTE_LENGTH):
            return Noted(await self.note(caller, current, history, text), Answers() if note_step else signs)
        if note_step:
            return Hint("checkin.note_too_long", {"max": MAX_NOTE_LENGTH})
        if question is Question.TEMPERATURE:
            return Hint("checkin.temperature_not_understood")
        return Hint("checkin.use_buttons")

    async def note(self, caller: Caller, current: Checkin, history: Sequence[PastCheckin], text: str) -> Step:
        """Keep typed words as the check-in's note (after any earlier ones), which its triage reads, and go on.

        Typing at the photo step means "no photo, and here is my note". Words naming a sign at any other question are
        kept the same way, and that question is asked again; an emergency stops the check-in at once, as a tapped one
        does. When the note grows too long its newest words are kept.
        """
        store, now = self._services.database.checkins, self._services.clock()
        if next_question(current.answers) is Question.PHOTO:
            current = await store.answer(current, Question.PHOTO, SKIPPED, now)
        note = current.answers.get(Question.NOTE)
        kept = text if note in (None, SKIPPED) else f"{note}\n{text}"
        return await self.answer(caller, current, history, Question.NOTE, kept[-MAX_NOTE_LENGTH:])

    async def photo(
        self, caller: Caller, current: Checkin, history: Sequence[PastCheckin], file_id: str, caption: str
    ) -> Step:
        """Take the photo at the photo step, its caption (if any) as the note."""
        if not caption:
            return await self.answer(caller, current, history, Question.PHOTO, file_id)
        current = await self._services.database.checkins.answer(
            current, Question.PHOTO, file_id, self._services.clock()
        )
        return await self.note(caller, current, history, caption)

    async def back(self, current: Checkin, question: Question) -> Checkin:
        """Re-open an answered question, clearing its answer."""
        return await self._services.database.checkins.unanswer(current.id, question, self._services.clock())

    async def close(self, caller: Caller, current: Checkin, history: Sequence[PastCheckin]) -> Closed | Finished | None:
        """Close a check-in as partial; answers that already need a person still get the advice and the alert.

        None when answers that need a person had been finished a moment ago by another update or the idle job.
        """
        result = self.assess(caller, current, history)
        if result.tier >= ESCALATE_FROM:
            return await self.finish(current, CheckinStatus.PARTIAL, result)
        checkin = await self._services.database.checkins.finish(
            current.id, CheckinStatus.PARTIAL, result.tier.code, tuple(result.reasons), self._services.clock()
        )
        return Closed(checkin)

    async def finish(
        self,
        current: Checkin,
        status: CheckinStatus,
        result: TriageResult,
        *,
        answer: tuple[Question, str] | None = None,
    ) -> Finished | None:
        """Store the outcome (after the answer that finishes the check-in, if any) with its escalation and deliveries.

        None when another update or the idle job was first. The advice and the alert are separate deliveries: a reply
        that times out is tried again later and costs the clinic nothing; an alert that fails is tried again too, and
        the patient is told once it is up.
        """
        services = self._services
        outcome = await services.database.outcomes.finish_checkin(
            current.id,
            status,
            verdict(result),
            advise=True,
            now=services.clock(),
            hold=self._deliveries.hold(),
            answer=answer,
        )
        if outcome.advice is None or outcome.checkin is None:
            return None
        return Finished(outcome.checkin, result, outcome)

    def assess(self, caller: Caller, current: Checkin, history: Sequence[PastCheckin]) -> TriageResult:
        """Triage a check-in's answers so far, with its note's words read in, against earlier check-ins."""
        return self._triage(caller, current.answers, current.day, history)

    async def close_idle(self) -> list[Outcome]:
        """Close check-ins left unfinished, keeping them as partial; answers that need a person still alert.

        A check-in whose answers already need a person the same day is closed after URGENT_IDLE_MINUTES, so that the
        clinic hears of it soon; any other after CHECKIN_TIMEOUT_MINUTES.
        """
        services = self._services
        now = services.clock()
        idle_since = now - timedelta(minutes=services.settings.checkin_timeout_minutes)
        urgent_idle_since = now - timedelta(minutes=URGENT_IDLE_MINUTES)
        quiet_since = max(idle_since, urgent_idle_since)  # the sooner of the two closes: nothing newer is closed
        closed: list[Outcome] = []
        for checkin in await services.database.checkins.stale(quiet_since):
            patient = await services.database.patients.get(checkin.user_id)
            if patient is None:
                continue
            caller = patient_caller(services, patient)
            result = self.assess(caller, checkin, await self._history(checkin))
            if checkin.updated_at >= idle_since and result.tier < ESCALATE_FROM:
                continue  # quiet for a while, but nothing that cannot wait for the usual timeout
            if (done := await self._close_idle(checkin, result, quiet_since)) is not None:
                closed.append(done)
        return closed

    async def _close_idle(self, checkin: Checkin, result: TriageResult, idle_since: datetime) -> Outcome | None:
        """Close one idle check-in unless it was answered meanwhile, with advice and alert if it needs a person."""
        services = self._services
        escalate = result.tier >= ESCALATE_FROM
        outcome = await services.database.outcomes.finish_checkin(
            checkin.id,
            CheckinStatus.PARTIAL,
            verdict(result) if escalate else Verdict(None, (), escalate=False),
            advise=escalate,
            now=services.clock(),
            hold=self._deliveries.hold(),
            idle_since=idle_since,
        )
        return outcome if outcome.finished else None

    def _triage(self, caller: Caller, answers: Answers, day: int, history: Sequence[PastCheckin]) -> TriageResult:
        """Triage answers with the note's words read in (a sign typed counts as a tapped one) and the modifiers."""
        note = answers.get(Question.NOTE)
        if note is not None and note != SKIPPED:
            answers = answers.raised_by(self._services.reader.read(note).answers())
        at_risk = bool(caller.patient and caller.patient.at_risk)
        return triage(answers, day, history, at_risk=at_risk, rules=self._services.rules)

    async def _history(self, current: Checkin) -> list[PastCheckin]:
        """Return what triage reads of the patient's other check-ins."""
        return await self._services.database.checkins.triage_history(current.user_id, excluding=current.id)
