"""What storage keeps of a patient's check-ins and of the escalations to staff, as frozen records.

Triage tiers are kept as their code text ("self_care", "soon", "same_day", "emergency") and reasons as plain
code strings, so that these records do not depend on the triage rules.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.checkin import Answers


class CheckinStatus(StrEnum):
    """Where a check-in stands: open while answering, then how it ended."""

    OPEN = "open"
    COMPLETE = "complete"  # every question that applies was answered
    PARTIAL = "partial"  # left unfinished, closed when idle
    EMERGENCY = "emergency"  # stopped early at an emergency sign


@dataclass(frozen=True)
class Checkin:
    """One check-in: the clinic date and recovery day it was started on, its answers and, once finished, triage."""

    id: int
    user_id: int
    local_date: date
    day: int
    status: CheckinStatus
    answers: Answers
    message_id: int | None
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    tier: str | None
    reasons: tuple[str, ...]


class EscalationStatus(StrEnum):
    """Where an escalation stands with the staff."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Escalation:
    """A patient's warning signs passed to staff: one per patient, clinic date and tier."""

    id: int
    user_id: int
    checkin_id: int | None
    local_date: date
    tier: str
    reasons: tuple[str, ...]
    status: EscalationStatus
    staff_chat_id: int | None
    staff_message_id: int | None
    created_at: datetime
    updated_at: datetime
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    resolved_by: int | None
    resolved_at: datetime | None
    last_sent_at: datetime | None
    words: str | None = None  # what the patient typed, when the escalation came from a typed message


@dataclass(frozen=True)
class Verdict:
    """A triage result as stored: the tier's code (None: left unset), its reason codes, and whether staff must hear."""

    tier: str | None
    reasons: tuple[str, ...]
    escalate: bool


class DeliveryKind(StrEnum):
    """What a message the bot sends on its own carries; the first six are urgent and must arrive at least once."""

    ADVICE = "advice"  # the triage reply to the patient: what to do now
    ALERT = "alert"  # the escalation's post in the staff chat (or its update)
    NOTIFIED = "notified"  # telling the patient that the clinic has been told
    RESEND = "resend"  # reminding the staff chat of an alert nobody has acknowledged
    CLOSED = "closed"  # telling the patient that their check-in, left unfinished, was closed
    ACKNOWLEDGED = "acknowledged"  # telling the patient that the clinic has seen their alert
    REMINDER = "reminder"  # the daily check-in reminder
    NUDGE = "nudge"  # the reminder after two missed days
    STEP = "step"  # a step of the aftercare sequence
    BROADCAST = "broadcast"  # a broadcast's message to one recipient

    @property
    def urgent(self) -> bool:
        """Tell whether this kind goes out at once, at least once, never behind bulk messages."""
        return self in _URGENT


_URGENT = frozenset(
    {
        DeliveryKind.ADVICE,
        DeliveryKind.ALERT,
        DeliveryKind.NOTIFIED,
        DeliveryKind.RESEND,
        DeliveryKind.CLOSED,
        DeliveryKind.ACKNOWLEDGED,
    }
)


class DeliveryStatus(StrEnum):
    """Where a message of the outbox stands."""

    PENDING = "pending"
    SENDING = "sending"  # an at-most-once message claimed for its one request (left so by a crash: unconfirmed)
    SENT = "sent"
    UNCONFIRMED = "unconfirmed"  # went out, but Telegram's answer was lost: perhaps delivered, never sent again
    BLOCKED = "blocked"  # the patient blocked the bot
    FAILED = "failed"
    CANCELLED = "cancelled"  # its broadcast was cancelled first


@dataclass(frozen=True)
class Delivery:
    """A row of the outbox: a message stored before it is sent; its text is rendered when it is sent."""

    id: int
    kind: DeliveryKind
    user_id: int
    checkin_id: int | None
    escalation_id: int | None
    attempts: int
    due_at: datetime
    created_at: datetime
    chat_id: int | None = None  # None: the staff chat
    broadcast_id: int | None = None
    step: str | None = None
    expires_at: datetime | None = None
