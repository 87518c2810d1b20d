"""Outcomes: a triage result, its escalation and the messages that must carry it, written in one transaction.

Nothing is sent before the outcome is on disk: a reply that times out, or a crash, can then cost neither the
clinic its alert nor the patient their advice, since both are deliveries that are tried again until confirmed.
"""

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.checkin import Question
from bot.domain.records import Checkin, CheckinStatus, Delivery, DeliveryKind, Escalation, Verdict
from bot.storage.checkins import finish_checkin, get_checkin, take_answer
from bot.storage.escalations import EscalationFacts, merge_escalation
from bot.storage.outbox import Message, add_delivery
from bot.storage.shared import SharedConnection, Statements


@dataclass(frozen=True)
class Outcome:
    """What finishing wrote: the check-in (if any), and the deliveries to make now (notice, advice, alert), in order."""

    checkin: Checkin | None
    finished: bool  # this call finished the check-in (False: it was finished already, and nothing was queued)
    advice: Delivery | None  # the patient's advice, held for the caller's first attempt
    alert: Delivery | None  # the staff chat's alert, held for the caller's first attempt
    notice: Delivery | None = None  # an idle close's word to the patient that the check-in was closed, held too

    def deliveries(self) -> list[Delivery]:
        """Return the deliveries to attempt, in the order the patient should see them: notice, advice, alert."""
        return [delivery for delivery in (self.notice, self.advice, self.alert) if delivery is not None]


class OutcomeStore:
    """Writes each outcome with its escalation and deliveries, atomically."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def finish_checkin(
        self,
        checkin_id: int,
        status: CheckinStatus,
        verdict: Verdict,
        *,
        advise: bool,
        now: datetime,
        hold: datetime,
        idle_since: datetime | None = None,
        answer: tuple[Question, str] | None = None,
    ) -> Outcome:
        """Finish an open check-in with its verdict, escalation and deliveries (due at `hold`); once only.

        With idle_since, only a check-in not updated since then is finished (the idle job's close), and the patient is
        told it was closed. With answer, the answer that finishes it is stored first, in the same transaction (one
        commit). A check-in finished already (a repeated press, or the idle job first) is returned with nothing queued
        (and the answer not taken).
        """
        async with self._sql.transaction() as tx:
            if answer is not None and not await take_answer(tx, checkin_id, *answer, now):
                return Outcome(await get_checkin(tx, checkin_id), False, None, None)
            checkin, finished_now = await finish_checkin(
                tx, checkin_id, status, verdict.tier, verdict.reasons, now, idle_since=idle_since
            )
            if not finished_now:
                return Outcome(checkin, False, None, None)
            user_id, advice, notice = checkin.user_id, None, None
            message = Message(user_id, checkin_id=checkin.id)
            if idle_since is not None:
                notice = await add_delivery(tx, DeliveryKind.CLOSED, user_id, message, due_at=hold, now=now)
            if advise:
                advice = await add_delivery(tx, DeliveryKind.ADVICE, user_id, message, due_at=hold, now=now)
            _, alert = await _escalate(tx, verdict, user_id, checkin.id, checkin.local_date, None, now, hold)
            return Outcome(checkin, True, advice, alert, notice)

    async def escalate_typed(
        self, user_id: int, local_date: date, verdict: Verdict, words: str, *, now: datetime, hold: datetime
    ) -> Outcome:
        """Record a typed warning sign's escalation with its advice and alert deliveries (due at `hold`)."""
        async with self._sql.transaction() as tx:
            escalation, alert = await _escalate(tx, verdict, user_id, None, local_date, words, now, hold)
            advice = None
            if escalation is not None:
                advice = await add_delivery(
                    tx,
                    DeliveryKind.ADVICE,
                    user_id,
                    Message(user_id, escalation_id=escalation.id),
                    due_at=hold,
                    now=now,
                )
            return Outcome(None, False, advice, alert)


async def _escalate(
    tx: Statements,
    verdict: Verdict,
    user_id: int,
    checkin_id: int | None,
    local_date: date,
    words: str | None,
    now: datetime,
    hold: datetime,
) -> tuple[Escalation | None, Delivery | None]:
    """Merge the verdict into its escalation and queue the alert, when the verdict needs staff; else nothing."""
    if not verdict.escalate or verdict.tier is None:
        return None, None
    facts = EscalationFacts(user_id, checkin_id, local_date, verdict.tier, verdict.reasons, words)
    escalation, _ = await merge_escalation(tx, facts, now)
    alert = await add_delivery(
        tx, DeliveryKind.ALERT, user_id, Message(escalation_id=escalation.id), due_at=hold, now=now
    )
    return escalation, alert
