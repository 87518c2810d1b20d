"""Broadcasts and their recipients: drafts being composed, scheduled and running broadcasts, one row per recipient.

A broadcast moves draft -> (scheduled ->) sending -> done, or to cancelled from any of the first three. Its
recipients are written once, as rows of the outbox, in the transaction that starts it: that is the audience's
snapshot; the outbox works through its pending rows (a restart carries on where it stopped), and keeps what became
of each: the tally.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

import aiosqlite

from bot.domain.audience import DateSpan
from bot.domain.records import DeliveryStatus
from bot.storage.shared import SharedConnection, moment_from, optional_int, optional_moment, utc_text

_COLUMNS = (
    "id, created_by, created_at, status, compose_step, text_html, photo_file_id, audience, scheduled_for,"
    " started_at, finished_at, report_chat_id, report_message_id, translations"
)
_EARLIEST, _LATEST = date.min.isoformat(), date.max.isoformat()
_ACTIVE_PATIENT = "treatment_date IS NOT NULL AND messages_stopped = 0 AND unreachable_since IS NULL"


class BroadcastStatus(StrEnum):
    """Where a broadcast stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Broadcast:
    """One broadcast: its message (HTML text, or a photo with the text as its caption), audience and progress."""

    id: int
    created_by: int
    created_at: datetime
    status: BroadcastStatus
    compose_step: str | None
    text_html: str
    photo_file_id: str | None
    audience: str  # as bot.domain.audience encodes it; '' until chosen
    scheduled_for: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    report_chat_id: int | None
    report_message_id: int | None
    translations: Mapping[str, str] = field(default_factory=dict)  # language -> the message in it (HTML)

    def text_for(self, language: str | None) -> str:
        """Return the message as a patient written to in `language` gets it: their translation, else text_html."""
        return self.translations.get(language or "", self.text_html)


@dataclass(frozen=True)
class Tally:
    """How a broadcast's recipients stand."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    unconfirmed: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0  # pending when the broadcast was cancelled: never sent

    @property
    def total(self) -> int:
        """Return the number of recipients."""
        return self.pending + self.sending + self.sent + self.unconfirmed + self.blocked + self.failed + self.cancelled

    @property
    def unsent(self) -> int:
        """Return the number of recipients whose message has not gone out (nor will, once cancelled)."""
        return self.pending + self.cancelled

    @property
    def done(self) -> int:
        """Return the number of recipients whose message has been dealt with."""
        return self.total - self.pending - self.sending - self.cancelled


class BroadcastStore:
    """Reads and writes broadcasts and their recipients; every write is committed before the method returns."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def create_draft(self, created_by: int, step: str, now: datetime) -> Broadcast:
        """Start composing a new broadcast at a compose step."""
        row = await self._sql.write_row(
            "INSERT INTO broadcast (created_by, created_at, updated_at, compose_step) VALUES (?, ?, ?, ?)"  # noqa: S608
            f" RETURNING {_COLUMNS}",
            (created_by, utc_text(now), utc_text(now), step),
        )
        if row is None:
            raise RuntimeError("inserting a broadcast returned no row")
        return _broadcast(row)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """Return a broadcast by id, or None."""
        row = await self._sql.row(
            f"SELECT {_COLUMNS} FROM broadcast WHERE id = ?",  # noqa: S608 - a fixed column list
            (broadcast_id,),
        )
        return None if row is None else _broadcast(row)

    async def draft_of(self, user_id: int) -> Broadcast | None:
        """Return the staff member's draft in progress (the newest, should there be several), or None."""
        row = await self._sql.row(
            f"SELECT {_COLUMNS} FROM broadcast"  # noqa: S608 - a fixed column list
            " WHERE created_by = ? AND status = 'draft' ORDER BY id DESC LIMIT 1",
            (user_id,),
        )
        return None if row is None else _broadcast(row)

    async def composers(self) -> set[int]:
        """Return the staff members who have a draft in progress."""
        rows = await self._sql.rows("SELECT DISTINCT created_by FROM broadcast WHERE status = 'draft'")
        return {int(row[0]) for row in rows}

    async def update_draft(
        self,
        broadcast_id: int,
        step: str,
        now: datetime,
        *,
        text_html: str | None = None,
        photo_file_id: str | None = None,
        audience: str | None = None,
        translations: Mapping[str, str] | None = None,
    ) -> bool:
        """Move a draft to a compose step, setting the message (text and photo together), translations or audience.

        False when it is no longer a draft.
        """
        changes = ["compose_step = ?", "updated_at = ?"]
        params: list[object] = [step, utc_text(now)]
        if text_html is not None:
            changes += ["text_html = ?", "photo_file_id = ?"]
            params += [text_html, photo_file_id]
        if audience is not None:
            changes.append("audience = ?")
            params.append(audience)
        if translations is not None:
            changes.append("translations = ?")
            params.append(json.dumps(dict(translations), ensure_ascii=False, sort_keys=True))
        changed = await self._sql.run(
            f"UPDATE broadcast SET {', '.join(changes)} WHERE id = ? AND status = 'draft'",  # noqa: S608 - fixed names
            (*params, broadcast_id),
        )
        return changed == 1

    async def schedule(self, broadcast_id: int, at: datetime, report_chat_id: int, now: datetime) -> bool:
        """Schedule a draft to go out at a moment; False when it is no longer a draft."""
        changed = await self._sql.run(
            "UPDATE broadcast SET status = 'scheduled', compose_step = NULL, scheduled_for = ?, report_chat_id = ?,"
            " report_message_id = NULL, updated_at = ? WHERE id = ? AND status = 'draft'",
            (utc_text(at), report_chat_id, utc_text(now), broadcast_id),
        )
        return changed == 1

    async def set_report_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """Remember the message that shows a broadcast's progress."""
        await self._sql.run(
            "UPDATE broadcast SET report_chat_id = ?, report_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    async def count_audience(self, span: DateSpan) -> int:
        """Return how many patients take messages and were treated within the span."""
        row = await self._sql.row(
            f"SELECT COUNT(*) FROM patient WHERE {_ACTIVE_PATIENT} AND treatment_date BETWEEN ? AND ?",  # noqa: S608
            _bounds(span),
        )
        return 0 if row is None else int(row[0])

    async def audience_languages(self, span: DateSpan) -> dict[str, int]:
        """Return how many patients of the audience (as count_audience) are written to in each language."""
        rows = await self._sql.rows(
            f"SELECT language, COUNT(*) FROM patient WHERE {_ACTIVE_PATIENT} AND treatment_date BETWEEN ? AND ?"  # noqa: S608
            " GROUP BY language",
            _bounds(span),
        )
        return {str(language): int(count) for language, count in rows}

    async def start(
        self, broadcast_id: int, span: DateSpan, now: datetime, *, scheduled: bool, report: tuple[int, int] | None
    ) -> int | None:
        """Start a draft (or, if `scheduled`, a scheduled broadcast): snapshot its recipients, status 'sending'.

        One transaction, so the broadcast is started once however many callers race: the others get None. The
        winner gets the number of recipients. `report` is the (chat, message) to show progress in, if known.
        """
        expected = BroadcastStatus.SCHEDULED if scheduled else BroadcastStatus.DRAFT
        async with self._sql.transaction() as tx:
            started = await tx.run(
                "UPDATE broadcast SET status = 'sending', compose_step = NULL, started_at = ?, updated_at = ?"
                " WHERE id = ? AND status = ?",
                (utc_text(now), utc_text(now), broadcast_id, expected.value),
            )
            if started != 1:
                return None
            if report is not None:
                await tx.run(
                    "UPDATE broadcast SET report_chat_id = ?, report_message_id = ? WHERE id = ?",
                    (*report, broadcast_id),
                )
            return await tx.run(
                "INSERT INTO outbox (kind, priority, once, chat_id, user_id, broadcast_id, due_at, created_at)"  # noqa: S608
                " SELECT 'broadcast', 1, 'at most', user_id, user_id, ?, ?, ? FROM patient"
                f" WHERE {_ACTIVE_PATIENT} AND treatment_date BETWEEN ? AND ? ORDER BY user_id",
                (broadcast_id, utc_text(now), utc_text(now), *_bounds(span)),
            )

    async def due(self, now: datetime) -> list[Broadcast]:
        """Return the scheduled broadcasts whose time has come, earliest first."""
        rows = await self._sql.rows(
            f"SELECT {_COLUMNS} FROM broadcast"  # noqa: S608 - a fixed column list
            " WHERE status = 'scheduled' AND scheduled_for <= ? ORDER BY scheduled_for, id",
            (utc_text(now),),
        )
        return [_broadcast(row) for row in rows]

    async def sending(self) -> list[Broadcast]:
        """Return the broadcasts being delivered, oldest first (to resume them after a restart)."""
        rows = await self._sql.rows(
            f"SELECT {_COLUMNS} FROM broadcast WHERE status = 'sending' ORDER BY id"  # noqa: S608 - fixed columns
        )
        return [_broadcast(row) for row in rows]

    async def unfinished(self, broadcast_id: int) -> bool:
        """Tell whether any of a broadcast's rows is still to be sent or on its way (cheaper than a tally)."""
        row = await self._sql.row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = ? AND status IN ('pending', 'sending'))",
            (broadcast_id,),
        )
        return row is not None and bool(row[0])

    async def tally(self, broadcast_id: int) -> Tally:
        """Count a broadcast's recipients by status."""
        rows = await self._sql.rows(
            "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status", (broadcast_id,)
        )
        counts = {str(row[0]): int(row[1]) for row in rows}
        return Tally(**{status.value: counts.get(status.value, 0) for status in DeliveryStatus})

    async def finish(self, broadcast_id: int, now: datetime) -> bool:
        """Mark a broadcast being delivered as done; False if it is not being delivered (say, it was cancelled)."""
        changed = await self._sql.run(
            "UPDATE broadcast SET status = 'done', finished_at = ?, updated_at = ? WHERE id = ? AND status = 'sending'",
            (utc_text(now), utc_text(now), broadcast_id),
        )
        return changed == 1

    async def cancel(self, broadcast_id: int, now: datetime) -> Broadcast | None:
        """Cancel a draft, scheduled or running broadcast; return it as it was, or None if it had already ended."""
        async with self._sql.transaction() as tx:
            row = await tx.row(
                f"SELECT {_COLUMNS} FROM broadcast WHERE id = ?",  # noqa: S608 - a fixed column list
                (broadcast_id,),
            )
            if row is None:
                return None
            before = _broadcast(row)
            if before.status in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED):
                return None
            await tx.run(
                "UPDATE broadcast SET status = 'cancelled', compose_step = NULL, finished_at = ?, updated_at = ?"
                " WHERE id = ?",
                (utc_text(now), utc_text(now), broadcast_id),
            )
            await tx.run(
                "UPDATE outbox SET status = 'cancelled', updated_at = ? WHERE broadcast_id = ? AND status = 'pending'",
                (utc_text(now), broadcast_id),
            )
            return before

    async def recent(self, limit: int) -> list[tuple[Broadcast, Tally]]:
        """Return the newest broadcasts that were sent or scheduled, newest first, each with its recipients' tally.

        Drafts, and drafts cancelled before they were sent or scheduled, are left out: nothing of them went anywhere.
        """
        rows = await self._sql.rows(
            f"SELECT {_COLUMNS} FROM broadcast"  # noqa: S608 - a fixed column list
            " WHERE status != 'draft' AND (started_at IS NOT NULL OR scheduled_for IS NOT NULL)"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [(broadcast, await self.tally(broadcast.id)) for broadcast in map(_broadcast, rows)]


def _bounds(span: DateSpan) -> tuple[str, str]:
    """Return a span's treatment dates as the query's inclusive bounds, open ends made the widest dates."""
    first = _EARLIEST if span.first is None else span.first.isoformat()
    return first, _LATEST if span.last is None else span.last.isoformat()


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    """Turn a broadcast row into a Broadcast."""
    (
        broadcast_id,
        created_by,
        created_at,
        status,
        step,
        text_html,
        photo,
        audience,
        scheduled_for,
        started_at,
        finished_at,
        report_chat_id,
        report_message_id,
        translations,
    ) = row
    return Broadcast(
        id=int(broadcast_id),
        created_by=int(created_by),
        created_at=moment_from(created_at),
        status=BroadcastStatus(status),
        compose_step=None if step is None else str(step),
        text_html=str(text_html),
        photo_file_id=None if photo is None else str(photo),
        audience=str(audience),
        scheduled_for=optional_moment(scheduled_for),
        started_at=optional_moment(started_at),
        finished_at=optional_moment(finished_at),
        report_chat_id=optional_int(report_chat_id),
        report_message_id=optional_int(report_message_id),
        translations=MappingProxyType({str(code): str(text) for code, text in json.loads(translations).items()}),
    )
