"""The outbox: every message the bot sends on its own, stored before it is sent (see migration 0009 and bot/outbox).

Urgent rows (priority 0) are sent at least once: claimed by holding them (due_at moved on) and deleted once Telegram
confirms them. Bulk rows (priority 1) are sent at most once: claimed by marking them 'sending', then settled; a
broadcast's rows are kept with what became of them, the others are deleted once settled.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.records import Delivery, DeliveryKind, DeliveryStatus
from bot.storage.shared import (
    SharedConnection,
    Statements,
    moment_from,
    optional_int,
    optional_moment,
    utc_text,
)

URGENT, BULK = 0, 1
MAX_REASON = 200  # characters of Telegram's description kept as a failure's reason
_COLUMNS = (
    "id, kind, user_id, checkin_id, escalation_id, attempts, due_at, created_at, chat_id, broadcast_id, step,"
    " expires_at"
)
_INSERT = (
    "INSERT INTO outbox (kind, priority, once, chat_id, user_id, checkin_id, escalation_id, broadcast_id, step,"  # noqa: S608
    f" due_at, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}"
)
_CLAIM_URGENT = (
    "UPDATE outbox SET attempts = attempts + 1, due_at = ? WHERE id = ? AND due_at <= ?"  # noqa: S608 - fixed text
    f" RETURNING {_COLUMNS}"
)


@dataclass(frozen=True)
class Due:
    """A bulk row whose time has come, and whether its patient still takes messages."""

    delivery: Delivery
    unreachable: bool
    stopped: bool


@dataclass(frozen=True)
class Message:
    """What a row carries beyond its kind and patient: where to, about what, and until when it is worth sending."""

    chat_id: int | None = None  # None: the staff chat
    checkin_id: int | None = None
    escalation_id: int | None = None
    broadcast_id: int | None = None
    step: str | None = None
    expires_at: datetime | None = None


class OutboxStore:
    """Queues, claims, reschedules and settles the outbox's rows; use cases write them with their state."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def add(
        self, kind: DeliveryKind, user_id: int, message: Message, *, due_at: datetime, now: datetime
    ) -> Delivery:
        """Queue a row of its own (one that follows another, such as telling the patient the clinic knows)."""
        return await add_delivery(self._sql, kind, user_id, message, due_at=due_at, now=now)  # one statement

    async def due(self, priority: int, now: datetime, limit: int) -> list[Due]:
        """Return up to limit pending rows of a priority whose time has come, in order, with their patient's state."""
        rows = await self._sql.rows(
            f"SELECT {', '.join('o.' + c for c in _COLUMNS.split(', '))},"  # noqa: S608 - fixed columns
            " p.unreachable_since IS NOT NULL, p.messages_stopped FROM outbox AS o JOIN patient AS p USING (user_id)"
            " WHERE o.priority = ? AND o.status = 'pending' AND o.due_at <= ? ORDER BY o.due_at, o.id LIMIT ?",
            (priority, utc_text(now), limit),
        )
        return [Due(_delivery_from(row[:-2]), bool(row[-2]), bool(row[-1])) for row in rows]

    async def claim_urgent(self, delivery_id: int, now: datetime, lease_until: datetime) -> Delivery | None:
        """Take a due urgent row for one attempt (counted), holding it until lease_until; None if it is not due."""
        row = await self._sql.write_row(_CLAIM_URGENT, (utc_text(lease_until), delivery_id, utc_text(now)))
        return None if row is None else _delivery_from(row)

    async def claim_bulk(self, delivery_id: int, now: datetime) -> bool:
        """Mark a pending bulk row 'sending' just before its request; False if it was not pending."""
        changed = await self._sql.run(
            "UPDATE outbox SET status = 'sending', updated_at = ? WHERE id = ? AND status = 'pending'",
            (utc_text(now), delivery_id),
        )
        return changed == 1

    async def done(self, delivery_id: int) -> None:
        """Forget an urgent row Telegram confirmed (or one given up on)."""
        await self._sql.run("DELETE FROM outbox WHERE id = ?", (delivery_id,))

    async def retry_at(self, delivery_id: int, due_at: datetime) -> None:
        """Schedule the next attempt of an urgent row that failed."""
        await self._sql.run("UPDATE outbox SET due_at = ? WHERE id = ?", (utc_text(due_at), delivery_id))

    async def release(self, delivery_id: int, due_at: datetime, now: datetime, *, tries: int = 0) -> None:
        """Put a claimed bulk row back to pending, due again at due_at, after `tries` requests surely not delivered."""
        await self._sql.run(
            "UPDATE outbox SET status = 'pending', due_at = ?, attempts = attempts + ?, updated_at = ? WHERE id = ?"
            " AND status = 'sending'",
            (utc_text(due_at), tries, utc_text(now), delivery_id),
        )

    async def settle(
        self, delivery_id: int, status: DeliveryStatus, now: datetime, reason: str = "", *, tries: int = 0
    ) -> bool:
        """Record what became of a pending or claimed bulk row; False if it was neither (settled already: never twice).

        A broadcast's row keeps it, for the tally; any other row goes.
        """
        async with self._sql.transaction() as tx:
            kept = await tx.run(
                "UPDATE outbox SET status = ?, reason = ?, attempts = attempts + ?, updated_at = ? WHERE id = ?"
                " AND broadcast_id IS NOT NULL AND status IN ('pending', 'sending')",
                (status.value, reason[:MAX_REASON], tries, utc_text(now), delivery_id),
            )
            gone = await tx.run(
                "DELETE FROM outbox WHERE id = ? AND broadcast_id IS NULL AND status IN ('pending', 'sending')",
                (delivery_id,),
            )
            return kept + gone == 1

    async def resume(self, now: datetime) -> tuple[int, int]:
        """At start-up (nothing is in flight): make held urgent rows due now, and unconfirm claimed bulk rows.

        Return (urgent rows due again, bulk rows a stop cut off mid-send: perhaps delivered, so never sent again).
        """
        async with self._sql.transaction() as tx:
            released = await tx.run(
                "UPDATE outbox SET due_at = ? WHERE priority = 0 AND due_at > ?", (utc_text(now), utc_text(now))
            )
            interrupted = await tx.run(
                "UPDATE outbox SET status = 'unconfirmed', reason = 'interrupted while sending', updated_at = ?"
                " WHERE status = 'sending'",
                (utc_text(now),),
            )
            await tx.run("DELETE FROM outbox WHERE status != 'pending' AND broadcast_id IS NULL")
            return released, interrupted

    async def next_due(self, priority: int) -> datetime | None:
        """Return when the next pending row of a priority is due, or None when there is none."""
        row = await self._sql.row(
            "SELECT MIN(due_at) FROM outbox WHERE priority = ? AND status = 'pending'", (priority,)
        )
        return None if row is None or row[0] is None else moment_from(row[0])

    async def queue_unposted_alerts(self, now: datetime) -> int:
        """Queue an alert for every open escalation never posted to the staff chat and not queued; return how many."""
        return await self._sql.run(
            "INSERT INTO outbox (kind, priority, once, user_id, escalation_id, due_at, created_at)"
            " SELECT 'alert', 0, 'at least', user_id, id, ?, ? FROM escalation AS e"
            " WHERE status = 'open' AND staff_message_id IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox WHERE kind = 'alert' AND escalation_id = e.id)",
            (utc_text(now), utc_text(now)),
        )


async def add_delivery(
    tx: Statements, kind: DeliveryKind, user_id: int, message: Message, *, due_at: datetime, now: datetime
) -> Delivery:
    """Queue a row in one statement, alone or in a transaction (a second alert of an escalation edits the first)."""
    row = await tx.write_row(_INSERT, _values(kind, user_id, message, due_at, now))
    if row is None:
        raise RuntimeError("inserting into the outbox returned no row")
    return _delivery_from(row)


def _values(kind: DeliveryKind, user_id: int, message: Message, due_at: datetime, now: datetime) -> tuple[object, ...]:
    """Return the values of a new row, its priority and guarantee following from its kind."""
    urgent = kind.urgent
    return (
        kind.value,
        URGENT if urgent else BULK,
        "at least" if urgent else "at most",
        message.chat_id,
        user_id,
        message.checkin_id,
        message.escalation_id,
        message.broadcast_id,
        message.step,
        utc_text(due_at),
        None if message.expires_at is None else utc_text(message.expires_at),
        utc_text(now),
    )


def _delivery_from(row: Sequence[Any]) -> Delivery:
    """Turn an outbox row into the domain object."""
    (
        delivery_id,
        kind,
        user_id,
        checkin_id,
        escalation_id,
        attempts,
        due_at,
        created_at,
        chat_id,
        broadcast_id,
        step,
        expires_at,
    ) = row
    return Delivery(
        id=int(delivery_id),
        kind=DeliveryKind(kind),
        user_id=int(user_id),
        checkin_id=optional_int(checkin_id),
        escalation_id=optional_int(escalation_id),
        attempts=int(attempts),
        due_at=moment_from(due_at),
        created_at=moment_from(created_at),
        chat_id=optional_int(chat_id),
        broadcast_id=optional_int(broadcast_id),
        step=None if step is None else str(step),
        expires_at=optional_moment(expires_at),
    )
