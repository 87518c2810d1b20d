"""Escalations to staff: one per patient, clinic date and tier, moved from open to acknowledged to resolved."""

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.domain.records import DeliveryKind, Escalation, EscalationStatus
from bot.storage.outbox import Message, add_delivery
from bot.storage.shared import (
    Params,
    SharedConnection,
    Statements,
    moment_from,
    optional_int,
    optional_moment,
    reasons_from,
    reasons_text,
    utc_text,
)

_COLUMNS = (
    "id, user_id, checkin_id, local_date, tier, reasons, status, staff_chat_id, staff_message_id, created_at,"
    " updated_at, acknowledged_by, acknowledged_at, resolved_by, resolved_at, last_sent_at, words"
)
# A write's RETURNING gives the escalation as written: the write and the read of its outcome are one statement.
_RETURNING = f" RETURNING {_COLUMNS}"


@dataclass(frozen=True)
class EscalationFacts:
    """What raises an escalation: whose, from which check-in (None for typed words), the date, tier and reasons."""

    user_id: int
    checkin_id: int | None
    local_date: date
    tier: str
    reasons: tuple[str, ...]
    words: str | None = None  # what the patient typed, for a typed warning sign


async def merge_escalation(tx: Statements, facts: EscalationFacts, now: datetime) -> tuple[Escalation, bool]:
    """Create the escalation for (patient, date, tier), or merge into the existing one; tell whether it is news.

    Run inside a transaction. Merging adds the new reasons after the known ones without repeats, points it at the
    newer check-in (a None check-in keeps the old one), keeps the newest typed words, and reopens a resolved one, or an
    acknowledged one that gains a reason, as open, clearing who acknowledged and resolved it and its staff message, so
    that it is posted afresh; an acknowledged one with nothing new stays acknowledged. News (True) is a new escalation
    or a reopened one: staff must be told afresh; otherwise (False) the alert they have is only brought up to date.
    """
    stamp = utc_text(now)
    on = facts.local_date.isoformat()
    found = await _select(tx, "user_id = ? AND local_date = ? AND tier = ?", (facts.user_id, on, facts.tier))
    if not found:
        created = await _returned(
            tx,
            "INSERT INTO escalation (user_id, checkin_id, local_date, tier, reasons, words, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (facts.user_id, facts.checkin_id, on, facts.tier, reasons_text(facts.reasons), facts.words, stamp, stamp),
        )
        if created is None:
            raise RuntimeError("inserting an escalation returned no row")
        return created, True
    existing = found[0]
    merged = tuple(dict.fromkeys((*existing.reasons, *(str(reason) for reason in facts.reasons))))
    # Resolved, or acknowledged but now with a sign staff have not seen: open again, and posted afresh.
    reopened = existing.status is EscalationStatus.RESOLVED or (
        existing.status is EscalationStatus.ACKNOWLEDGED and merged != existing.reasons
    )
    if reopened:
        await tx.run(
            "UPDATE escalation SET status = 'open', acknowledged_by = NULL, acknowledged_at = NULL,"
            " resolved_by = NULL, resolved_at = NULL, staff_chat_id = NULL, staff_message_id = NULL WHERE id = ?",
            (existing.id,),
        )
    updated = await _returned(
        tx,
        "UPDATE escalation SET reasons = ?, checkin_id = COALESCE(?, checkin_id), words = COALESCE(?, words),"
        " updated_at = ? WHERE id = ?",
        (reasons_text(merged), facts.checkin_id, facts.words, stamp, existing.id),
    )
    if updated is None:
        raise LookupError(f"there is no escalation {existing.id}")
    return updated, reopened


class EscalationStore:
    """Records escalations and the staff's handling of them."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def record(
        self, user_id: int, checkin_id: int | None, local_date: date, tier: str, reasons: tuple[str, ...], now: datetime
    ) -> tuple[Escalation, bool]:
        """Create or merge the escalation for (patient, date, tier) on its own; see merge_escalation."""
        async with self._sql.transaction() as tx:
            return await merge_escalation(tx, EscalationFacts(user_id, checkin_id, local_date, tier, reasons), now)

    async def set_staff_message(self, escalation_id: int, chat_id: int, message_id: int, now: datetime) -> None:
        """Record the staff-chat message that shows the escalation, sent now."""
        await self._sql.run(
            "UPDATE escalation SET staff_chat_id = ?, staff_message_id = ?, last_sent_at = ?, updated_at = ?"
            " WHERE id = ?",
            (chat_id, message_id, utc_text(now), utc_text(now), escalation_id),
        )

    async def get(self, escalation_id: int) -> Escalation | None:
        """Return the escalation with this id, or None."""
        found = await _select(self._sql, "id = ?", (escalation_id,))
        return found[0] if found else None

    async def acknowledge(self, escalation_id: int, staff_id: int, now: datetime) -> Escalation | None:
        """Mark an open escalation acknowledged, queueing word to the patient; any other is returned unchanged."""
        async with self._sql.transaction() as tx:
            acknowledged = await _returned(
                tx,
                "UPDATE escalation SET status = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?,"
                " updated_at = ? WHERE id = ? AND status = 'open'",
                (staff_id, utc_text(now), utc_text(now), escalation_id),
            )
            if acknowledged is None:  # not open (or no such escalation): as it is
                found = await _select(tx, "id = ?", (escalation_id,))
                return found[0] if found else None
            await _tell_patient(tx, acknowledged, now)
            return acknowledged

    async def resolve(self, escalation_id: int, staff_id: int, now: datetime) -> Escalation | None:
        """Mark an escalation resolved (and acknowledged if open, the patient told); a resolved one is unchanged."""
        stamp = utc_text(now)
        async with self._sql.transaction() as tx:
            found = await _select(tx, "id = ?", (escalation_id,))
            if not found or found[0].status is EscalationStatus.RESOLVED:
                return found[0] if found else None
            resolved = await _returned(
                tx,
                "UPDATE escalation SET status = 'resolved', resolved_by = ?, resolved_at = ?,"
                " acknowledged_by = COALESCE(acknowledged_by, ?), acknowledged_at = COALESCE(acknowledged_at, ?),"
                " updated_at = ? WHERE id = ?",
                (staff_id, stamp, staff_id, stamp, stamp, escalation_id),
            )
            if resolved is None:
                raise LookupError(f"there is no escalation {escalation_id}")
            if found[0].status is EscalationStatus.OPEN:
                await _tell_patient(tx, found[0], now)
            return resolved

    async def due_for_resend(self, sent_before: datetime) -> list[Escalation]:
        """Return open escalations last sent to staff before this moment (never sent: created before it)."""
        return await _select(
            self._sql, "status = 'open' AND COALESCE(last_sent_at, created_at) < ?", (utc_text(sent_before),)
        )

    async def mark_resent(self, escalation_id: int, now: datetime) -> None:
        """Record that the escalation is sent to staff again now, queueing the re-send in the outbox (one at a time)."""
        async with self._sql.transaction() as tx:
            await tx.run(
                "UPDATE escalation SET last_sent_at = ?, updated_at = ? WHERE id = ?",
                (utc_text(now), utc_text(now), escalation_id),
            )
            row = await tx.row(
                "SELECT user_id FROM escalation AS e WHERE id = ? AND NOT EXISTS"
                " (SELECT 1 FROM outbox WHERE kind = 'resend' AND escalation_id = e.id)",
                (escalation_id,),
            )
            if row is not None:
                message = Message(escalation_id=escalation_id)
                await add_delivery(tx, DeliveryKind.RESEND, int(row[0]), message, due_at=now, now=now)

    async def for_patient(self, user_id: int) -> list[Escalation]:
        """Return the patient's escalations, oldest first."""
        return await _select(self._sql, "user_id = ?", (user_id,))


async def _returned(tx: Statements, write: str, params: Params) -> Escalation | None:
    """Run a write of at most one escalation (a fixed statement) and return it as written, or None."""
    row = await tx.write_row(f"{write}{_RETURNING}", params)
    return None if row is None else _escalation_from(row)


async def _select(statements: Statements, where: str, params: Params) -> list[Escalation]:
    """Return the escalations matching a fixed condition, oldest first."""
    rows = await statements.rows(
        f"SELECT {_COLUMNS} FROM escalation WHERE {where} ORDER BY created_at, id",  # noqa: S608 - fixed conditions
        params,
    )
    return [_escalation_from(row) for row in rows]


def _escalation_from(row: aiosqlite.Row) -> Escalation:
    """Turn an escalation row into the domain object."""
    (
        escalation_id,
        user_id,
        checkin_id,
        local_date,
        tier,
        reasons,
        status,
        staff_chat_id,
        staff_message_id,
        created_at,
        updated_at,
        acknowledged_by,
        acknowledged_at,
        resolved_by,
        resolved_at,
        last_sent_at,
        words,
    ) = row
    return Escalation(
        id=int(escalation_id),
        user_id=int(user_id),
        checkin_id=optional_int(checkin_id),
        local_date=date.fromisoformat(local_date),
        tier=str(tier),
        reasons=reasons_from(reasons),
        status=EscalationStatus(status),
        staff_chat_id=optional_int(staff_chat_id),
        staff_message_id=optional_int(staff_message_id),
        created_at=moment_from(created_at),
        updated_at=moment_from(updated_at),
        acknowledged_by=optional_int(acknowledged_by),
        acknowledged_at=optional_moment(acknowledged_at),
        resolved_by=optional_int(resolved_by),
        resolved_at=optional_moment(resolved_at),
        last_sent_at=optional_moment(last_sent_at),
        words=None if words is None else str(words),
    )


async def _tell_patient(tx: Statements, escalation: Escalation, now: datetime) -> None:
    """Queue word to the patient that the clinic has seen their alert (the first time staff handle it)."""
    user_id = escalation.user_id
    message = Message(user_id, escalation_id=escalation.id)
    await add_delivery(tx, DeliveryKind.ACKNOWLEDGED, user_id, message, due_at=now, now=now)
