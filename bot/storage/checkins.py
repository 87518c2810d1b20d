"""Check-ins and their answers: each answer is on disk the moment it is given."""

import logging
from datetime import date, datetime

import aiosqlite

from bot.domain.checkin import Answers, Question
from bot.domain.records import Checkin, CheckinStatus
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

logger = logging.getLogger(__name__)

# A check-in with its answers in one statement (one consistent read), one row per answer.
_SELECT = (
    "SELECT c.id, c.user_id, c.local_date, c.day, c.status, c.tier, c.reasons, c.message_id,"
    " c.started_at, c.updated_at, c.finished_at, a.question, a.value"
    " FROM checkin AS c LEFT JOIN checkin_answer AS a ON a.checkin_id = c.id"
)
_ORDER = " ORDER BY c.local_date, c.started_at, c.id"
_OPEN = "c.user_id = ? AND c.status = 'open'"
_QUESTIONS = {question.value: question for question in Question}


class CheckinStore:
    """Starts, answers and finishes check-ins; at most one is open per patient."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def get(self, checkin_id: int) -> Checkin | None:
        """Return the check-in with this id, or None; check its user_id before acting on an id from a button."""
        found = await _select(self._sql, "c.id = ?", (checkin_id,))
        return found[0] if found else None

    async def open_for(self, user_id: int) -> Checkin | None:
        """Return the patient's open check-in, or None."""
        found = await _select(self._sql, _OPEN, (user_id,))
        return found[0] if found else None

    async def start(self, user_id: int, local_date: date, day: int, now: datetime) -> Checkin:
        """Start a check-in for the patient; when one is open already, return that one (whatever its date)."""
        async with self._sql.transaction() as tx:
            found = await _select(tx, _OPEN, (user_id,))
            if found:
                return found[0]
            row = await tx.row(
                "INSERT INTO checkin (user_id, local_date, day, started_at, updated_at) VALUES (?, ?, ?, ?, ?)"
                " RETURNING id",
                (user_id, local_date.isoformat(), day, utc_text(now), utc_text(now)),
            )
            if row is None:
                raise RuntimeError("inserting a check-in returned no id")
            return await _get(tx, int(row[0]))

    async def set_message(self, checkin_id: int, message_id: int, now: datetime) -> None:
        """Record the Telegram message the check-in is shown in (and edited in place)."""
        await self._sql.run(
            "UPDATE checkin SET message_id = ?, updated_at = ? WHERE id = ?",
            (message_id, utc_text(now), checkin_id),
        )

    async def answer(self, checkin_id: int, question: Question, value: str, now: datetime) -> Checkin:
        """Store (or replace) an answer and return the check-in with all its answers; a finished one is unchanged."""
        async with self._sql.transaction() as tx:
            checkin = await _get(tx, checkin_id)
            if checkin.status is not CheckinStatus.OPEN:
                return checkin
            await tx.run(
                "INSERT INTO checkin_answer (checkin_id, question, value, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (checkin_id, question) DO UPDATE"
                " SET value = excluded.value, answered_at = excluded.answered_at",
                (checkin_id, question.value, value, utc_text(now)),
            )
            await _touch(tx, checkin_id, now)
            return await _get(tx, checkin_id)

    async def unanswer(self, checkin_id: int, question: Question, now: datetime) -> Checkin:
        """Remove an answer (for Back) and return the check-in; a finished one is unchanged."""
        async with self._sql.transaction() as tx:
            checkin = await _get(tx, checkin_id)
            if checkin.status is not CheckinStatus.OPEN:
                return checkin
            await tx.run(
                "DELETE FROM checkin_answer WHERE checkin_id = ? AND question = ?", (checkin_id, question.value)
            )
            await _touch(tx, checkin_id, now)
            return await _get(tx, checkin_id)

    async def finish(
        self, checkin_id: int, status: CheckinStatus, tier: str | None, reasons: tuple[str, ...], now: datetime
    ) -> Checkin:
        """Finish an open check-in with its outcome; one finished already is returned unchanged."""
        if status is CheckinStatus.OPEN:
            raise ValueError("a check-in is finished with a status other than open")
        async with self._sql.transaction() as tx:
            checkin = await _get(tx, checkin_id)
            if checkin.status is not CheckinStatus.OPEN:
                return checkin
            await tx.run(
                "UPDATE checkin SET status = ?, tier = ?, reasons = ?, updated_at = ?, finished_at = ? WHERE id = ?",
                (status.value, tier, reasons_text(reasons), utc_text(now), utc_text(now), checkin_id),
            )
            return await _get(tx, checkin_id)

    async def close_stale(self, idle_since: datetime, now: datetime) -> list[Checkin]:
        """Close as partial (no tier) every open check-in not updated since idle_since; return them."""
        async with self._sql.transaction() as tx:
            rows = await tx.rows(
                "UPDATE checkin SET status = 'partial', tier = NULL, reasons = '', updated_at = ?, finished_at = ?"
                " WHERE status = 'open' AND updated_at < ? RETURNING id",
                (utc_text(now), utc_text(now), utc_text(idle_since)),
            )
            return [await _get(tx, int(row[0])) for row in sorted(rows, key=lambda row: int(row[0]))]

    async def history(self, user_id: int) -> list[Checkin]:
        """Return the patient's finished check-ins with their answers, oldest first."""
        return await _select(self._sql, "c.user_id = ? AND c.status <> 'open'", (user_id,))

    async def finished_on(self, user_id: int, local_date: date) -> bool:
        """Tell whether the patient finished (in any way) a check-in started on this clinic date."""
        row = await self._sql.row(
            "SELECT EXISTS (SELECT 1 FROM checkin WHERE user_id = ? AND local_date = ? AND status <> 'open')",
            (user_id, local_date.isoformat()),
        )
        return row is not None and bool(row[0])


async def _touch(tx: Statements, checkin_id: int, now: datetime) -> None:
    """Mark the check-in as active now, which keeps it from being closed as idle."""
    await tx.run("UPDATE checkin SET updated_at = ? WHERE id = ?", (utc_text(now), checkin_id))


async def _get(tx: Statements, checkin_id: int) -> Checkin:
    """Return a check-in that must exist."""
    found = await _select(tx, "c.id = ?", (checkin_id,))
    if not found:
        raise LookupError(f"there is no check-in {checkin_id}")
    return found[0]


async def _select(statements: Statements, where: str, params: Params) -> list[Checkin]:
    """Return the check-ins matching a fixed condition, with their answers, in date order."""
    # where is always one of the fixed conditions above; values are bound.
    rows = await statements.rows(f"{_SELECT} WHERE {where}{_ORDER}", params)
    heads: dict[int, aiosqlite.Row] = {}
    answers: dict[int, dict[Question, str]] = {}
    for row in rows:
        checkin_id = int(row[0])
        heads.setdefault(checkin_id, row)
        values = answers.setdefault(checkin_id, {})
        if row[11] is None:
            continue
        question = _QUESTIONS.get(row[11])
        if question is None:
            logger.warning("check-in %s has an answer to a question this bot does not know: %s", checkin_id, row[11])
        else:
            values[question] = str(row[12])
    return [_checkin_from(head, Answers(answers[checkin_id])) for checkin_id, head in heads.items()]


def _checkin_from(row: aiosqlite.Row, answers: Answers) -> Checkin:
    """Turn a check-in row and its answers into the domain object."""
    checkin_id, user_id, local_date, day, status, tier, reasons, message_id, started, updated, finished = row[:11]
    return Checkin(
        id=int(checkin_id),
        user_id=int(user_id),
        local_date=date.fromisoformat(local_date),
        day=int(day),
        status=CheckinStatus(status),
        answers=answers,
        message_id=optional_int(message_id),
        started_at=moment_from(started),
        updated_at=moment_from(updated),
        finished_at=optional_moment(finished),
        tier=None if tier is None else str(tier),
        reasons=reasons_from(reasons),
    )
