"""Deliveries: messages stored before they are sent and kept until Telegram confirms them (at least once)."""

from datetime import datetime

import aiosqlite

from bot.domain.records import Delivery, DeliveryKind
from bot.storage.shared import Params, SharedConnection, Statements, moment_from, optional_int, utc_text

_COLUMNS = "id, kind, user_id, checkin_id, escalation_id, attempts, due_at, created_at"
_CLAIM = (
    "UPDATE delivery SET attempts = attempts + 1, due_at = ? WHERE id = ? AND due_at <= ?"  # noqa: S608 - fixed text
    f" RETURNING {_COLUMNS}"
)
_INSERT = (
    "INSERT INTO delivery (kind, user_id, checkin_id, escalation_id, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?)"  # noqa: S608
    f" RETURNING {_COLUMNS}"
)


class DeliveryStore:
    """Queues, claims, reschedules and clears deliveries; the outcome store writes them with their outcome."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def add(
        self, kind: DeliveryKind, user_id: int, *, escalation_id: int | None, due_at: datetime, now: datetime
    ) -> Delivery:
        """Queue a delivery of its own (one that follows another, such as telling the patient the clinic knows)."""
        async with self._sql.transaction() as tx:
            return await add_delivery(
                tx, kind, user_id, checkin_id=None, escalation_id=escalation_id, due_at=due_at, now=now
            )

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        """Return up to limit deliveries whose time has come, oldest due first."""
        return await _select(self._sql, "due_at <= ? ORDER BY due_at, id LIMIT ?", (utc_text(now), limit))

    async def claim(self, delivery_id: int, now: datetime, lease_until: datetime) -> Delivery | None:
        """Take a due delivery for one attempt (counted), holding it until lease_until; None if it is not due."""
        row = await self._sql.row(_CLAIM, (utc_text(lease_until), delivery_id, utc_text(now)))
        return None if row is None else _delivery_from(row)

    async def done(self, delivery_id: int) -> None:
        """Forget a delivery Telegram confirmed (or one given up on)."""
        await self._sql.run("DELETE FROM delivery WHERE id = ?", (delivery_id,))

    async def retry_at(self, delivery_id: int, due_at: datetime) -> None:
        """Schedule the next attempt of a delivery that failed."""
        await self._sql.run("UPDATE delivery SET due_at = ? WHERE id = ?", (utc_text(due_at), delivery_id))

    async def release_all(self, now: datetime) -> int:
        """Make every delivery due now (at start-up nothing is in flight, so no hold is real); return how many."""
        return await self._sql.run("UPDATE delivery SET due_at = ? WHERE due_at > ?", (utc_text(now), utc_text(now)))

    async def next_due(self) -> datetime | None:
        """Return when the next delivery is due, or None when there is none."""
        row = await self._sql.row("SELECT MIN(due_at) FROM delivery")
        return None if row is None or row[0] is None else moment_from(row[0])

    async def queue_unposted_alerts(self, now: datetime) -> int:
        """Queue an alert for every open escalation never posted to the staff chat and not queued; return how many."""
        return await self._sql.run(
            "INSERT INTO delivery (kind, user_id, escalation_id, due_at, created_at)"
            " SELECT 'alert', user_id, id, ?, ? FROM escalation AS e WHERE status = 'open' AND staff_message_id IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM delivery WHERE kind = 'alert' AND escalation_id = e.id)",
            (utc_text(now), utc_text(now)),
        )


async def add_delivery(
    tx: Statements,
    kind: DeliveryKind,
    user_id: int,
    *,
    checkin_id: int | None,
    escalation_id: int | None,
    due_at: datetime,
    now: datetime,
) -> Delivery:
    """Queue a delivery inside a transaction (two alerts of one escalation are fine: the second edits the first)."""
    row = await tx.row(_INSERT, (kind.value, user_id, checkin_id, escalation_id, utc_text(due_at), utc_text(now)))
    if row is None:
        raise RuntimeError("inserting a delivery returned no row")
    return _delivery_from(row)


async def _select(statements: Statements, where: str, params: Params) -> list[Delivery]:
    """Return the deliveries matching a fixed condition (with its ORDER BY)."""
    rows = await statements.rows(f"SELECT {_COLUMNS} FROM delivery WHERE {where}", params)  # noqa: S608 - fixed text
    return [_delivery_from(row) for row in rows]


def _delivery_from(row: aiosqlite.Row) -> Delivery:
    """Turn a delivery row into the domain object."""
    delivery_id, kind, user_id, checkin_id, escalation_id, attempts, due_at, created_at = row
    return Delivery(
        id=int(delivery_id),
        kind=DeliveryKind(kind),
        user_id=int(user_id),
        checkin_id=optional_int(checkin_id),
        escalation_id=optional_int(escalation_id),
        attempts=int(attempts),
        due_at=moment_from(due_at),
        created_at=moment_from(created_at),
    )
