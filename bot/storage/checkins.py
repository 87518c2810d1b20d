"""Check-ins and their answers: each answer is on disk the moment it is given."""

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from bot.domain.checkin import Answers, PastCheckin, Question
from bot.domain.patient import Patient
from bot.domain.records import Checkin, CheckinStatus
from bot.storage.patients import PATIENT_COLUMNS, patient_from_row
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

# A check-in's columns and its answers' (one row per answer), as _checkins_from reads them.
_CHECKIN_FIELDS = (
    "c.id, c.user_id, c.local_date, c.day, c.status, c.tier, c.reasons, c.message_id,"
    " c.started_at, c.updated_at, c.finished_at, a.question, a.value"
)
_WITH_ANSWERS = " LEFT JOIN checkin_answer AS a ON a.checkin_id = c.id"
# A check-in with its answers in one statement (one consistent read).
_SELECT = f"SELECT {_CHECKIN_FIELDS} FROM checkin AS c{_WITH_ANSWERS}"  # noqa: S608 - fixed text
_ORDER = " ORDER BY c.local_date, c.started_at, c.id"
_OPEN = "c.user_id = ? AND c.status = 'open'"
_PATIENT_WIDTH = len(PATIENT_COLUMNS.split(","))
# The parts of one read of a patient (a statement of parts joined by UNION ALL, so one trip to the database thread):
# each row is led by its part's number, then the patient's columns (NULL but in the first part), then a check-in's.
_NO_PATIENT = ", ".join(["NULL"] * _PATIENT_WIDTH)
# Part 0: the patient with their open check-in (if any) and its answers; no row when there is no such patient.
_PATIENT_PART = (
    f"SELECT 0, p.*, {_CHECKIN_FIELDS} FROM (SELECT {PATIENT_COLUMNS} FROM patient WHERE user_id = ?) AS p"  # noqa: S608
    f" LEFT JOIN checkin AS c ON c.user_id = p.user_id AND c.status = 'open'{_WITH_ANSWERS}"
)
# Part 2: the patient's last check-in finished (in any way) of those started on a clinic date.
_FINISHED_PART = (
    f"SELECT 2, {_NO_PATIENT}, {_CHECKIN_FIELDS} FROM (SELECT * FROM checkin"  # noqa: S608 - fixed text
    " WHERE user_id = ? AND local_date = ? AND status <> 'open' ORDER BY started_at DESC, id DESC LIMIT 1) AS c"
    f"{_WITH_ANSWERS}"
)
_PART_ORDER = f" ORDER BY 1, {_PATIENT_WIDTH + 4}"  # by part, then by the check-in's date
_PATIENT, _FINISHED = 0, 2
# What triage reads of a patient's complete check-ins (but the one with id ?): only the last of each date (the last
# by start, as the history orders them), since the dates' earlier ones never count (see bot/domain/triage.py). One
# JSON array of [id, date, day, {question: value}], so that it travels as one narrow column: rows padded to a shared
# width cost SQLite and the sqlite3 module a column read each, for a week of history thousands a tap (Instructions
# benchmark: 2.3 times the SQLite work of two narrow reads).
_ANSWERS_OF = "SELECT json_group_object(question, value) FROM checkin_answer WHERE checkin_id = {}"
_HISTORY = (
    f"(SELECT json_group_array(json_array(h.id, h.local_date, h.day, json(({_ANSWERS_OF.format('h.id')})))) FROM ("  # noqa: S608
    "SELECT id, local_date, day,"
    " ROW_NUMBER() OVER (PARTITION BY local_date ORDER BY started_at DESC, id DESC) AS newest"
    " FROM checkin WHERE user_id = {} AND status = 'complete' AND id <> ?) AS h WHERE h.newest = 1)"
)
# What triage reads, in one narrow row: the patient, their open check-in (NULLs when none) with its answers as one JSON
# object, and their history as above.
_FOR_TRIAGE = (
    "SELECT p.*, c.id, c.user_id, c.local_date, c.day, c.status, c.tier, c.reasons, c.message_id, c.started_at,"  # noqa: S608
    f" c.updated_at, c.finished_at, ({_ANSWERS_OF.format('c.id')}), {_HISTORY.format('p.user_id')}"
    f" FROM (SELECT {PATIENT_COLUMNS} FROM patient WHERE user_id = ?) AS p"
    " LEFT JOIN checkin AS c ON c.user_id = p.user_id AND c.status = 'open'"
)
_NO_CHECKIN = 0  # no check-in has this id: the open one, never complete, is left out of the history by its status
# What a write's RETURNING gives back: the check-in's row as _SELECT reads it, and its answers as one JSON object, so
# that the write and the read of its outcome are one statement (one trip to the database thread, not several).
_RETURNING = (
    " RETURNING id, user_id, local_date, day, status, tier, reasons, message_id, started_at, updated_at, finished_at,"
    " (SELECT json_group_object(question, value) FROM checkin_answer WHERE checkin_id = checkin.id)"
)
# The answer written only while its check-in is open, so that a finished one is left unchanged. A trigger (migration
# 0011) marks the check-in active at the answer's moment in this same statement: one write, atomic and committed on
# its own, which the idle job (closing only a check-in not updated since a moment) cannot come between.
_ANSWER = (
    "INSERT INTO checkin_answer (checkin_id, question, value, answered_at)"
    " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM checkin WHERE id = ? AND status = 'open')"
    " ON CONFLICT (checkin_id, question) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at"
    " RETURNING checkin_id"
)
_UNANSWER = (
    "DELETE FROM checkin_answer WHERE checkin_id = ? AND question = ?"
    " AND EXISTS (SELECT 1 FROM checkin WHERE id = checkin_id AND status = 'open')"
)
_START = (
    "INSERT INTO checkin (user_id, local_date, day, started_at, updated_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (user_id) WHERE status = 'open' DO NOTHING"
)
_QUESTIONS = {question.value: question for question in Question}
_NEVER = "9999"  # later than every stored moment: "not updated since" holds for any check-in


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

    async def for_triage(self, user_id: int) -> tuple[Patient | None, Checkin | None, list[PastCheckin]]:
        """Return the patient, their open check-in and what triage reads of their complete ones, in one read."""
        row = await self._sql.row(_FOR_TRIAGE, (_NO_CHECKIN, user_id))
        if row is None:
            return None, None, []
        patient, fields = patient_from_row(row[:_PATIENT_WIDTH]), row[_PATIENT_WIDTH:]
        current = None
        if fields[0] is not None:
            current = _checkin_from(fields, _answers_from(int(fields[0]), json.loads(fields[11]).items()))
        return patient, current, _past_checkins(fields[12])

    async def for_opening(self, user_id: int, on: date) -> tuple[Patient | None, Checkin | None, Checkin | None]:
        """Return the patient, their open check-in and their last one finished of those started on a date, one read."""
        parts = await _parts(
            self._sql, f"{_PATIENT_PART} UNION ALL {_FINISHED_PART}", (user_id, user_id, on.isoformat())
        )
        finished = _checkins_from([row[_PATIENT_WIDTH:] for row in parts[_FINISHED]])
        return *_patient_and_open(parts[_PATIENT]), (finished[0] if finished else None)

    async def start(self, user_id: int, local_date: date, day: int, now: datetime) -> Checkin:
        """Start a check-in for the patient; when one is open already, return that one (whatever its date).

        The insert is one statement, atomic and committed on its own; the open check-in is read only when it inserted
        nothing, and should the idle job have closed that one in between, the insert is tried once more.
        """
        params = (user_id, local_date.isoformat(), day, utc_text(now), utc_text(now))
        for _attempt in range(2):
            started = await _returned(self._sql, _START, params)
            if started is not None:
                return started
            found = await _select(self._sql, _OPEN, (user_id,))
            if found:
                return found[0]
        raise RuntimeError("a check-in was neither started nor found open")

    async def set_message(self, checkin_id: int, message_id: int, now: datetime) -> None:
        """Record the Telegram message the check-in is shown in (and edited in place)."""
        await self._sql.run(
            "UPDATE checkin SET message_id = ?, updated_at = ? WHERE id = ?",
            (message_id, utc_text(now), checkin_id),
        )

    async def answer(self, current: Checkin, question: Question, value: str, now: datetime) -> Checkin:
        """Store (or replace) an answer and return the check-in with all its answers; a finished one is unchanged.

        One statement, on disk when this returns. `current` is the check-in as this update read it (or as a write of
        it returned): only its patient's updates change an open check-in, one at a time (bot/telegram/update_order.py),
        so the check-in with the answer is built here, as stored, rather than read back. Only when the answer was not
        taken (the idle job closed the check-in meanwhile) is the check-in read as it now is.
        """
        if not await take_answer(self._sql, current.id, question, value, now):
            return await get_checkin(self._sql, current.id)
        answers = current.answers.with_answer(question, value)
        return replace(current, answers=answers, updated_at=moment_from(utc_text(now)))

    async def unanswer(self, checkin_id: int, question: Question, now: datetime) -> Checkin:
        """Remove an answer (for Back) and return the check-in; a finished one is unchanged."""
        async with self._sql.transaction() as tx:
            await tx.run(_UNANSWER, (checkin_id, question.value))
            return await _touch(tx, checkin_id, now)

    async def finish(
        self, checkin_id: int, status: CheckinStatus, tier: str | None, reasons: tuple[str, ...], now: datetime
    ) -> Checkin:
        """Finish an open check-in with its outcome; one finished already is returned unchanged."""
        finished, _ = await finish_checkin(self._sql, checkin_id, status, tier, reasons, now)
        return finished

    async def stale(self, idle_since: datetime) -> list[Checkin]:
        """Return every open check-in not updated since idle_since, oldest first: left unfinished."""
        return await _select(self._sql, "c.status = 'open' AND c.updated_at < ?", (utc_text(idle_since),))

    async def history(self, user_id: int) -> list[Checkin]:
        """Return the patient's finished check-ins with their answers, oldest first."""
        return await _select(self._sql, "c.user_id = ? AND c.status <> 'open'", (user_id,))

    async def last_finished_date(self, user_id: int) -> date | None:
        """Return the clinic date of the patient's latest finished check-in (in any way), or None."""
        row = await self._sql.row(
            "SELECT MAX(local_date) FROM checkin WHERE user_id = ? AND status <> 'open'", (user_id,)
        )
        return None if row is None or row[0] is None else date.fromisoformat(row[0])

    async def triage_history(self, user_id: int, excluding: int) -> list[PastCheckin]:
        """Return what triage needs of the patient's complete check-ins but one: the last of each date, oldest first."""
        row = await self._sql.row(f"SELECT {_HISTORY.format('?')}", (user_id, excluding))
        return _past_checkins(row[0] if row is not None else "[]")


async def take_answer(statements: Statements, checkin_id: int, question: Question, value: str, now: datetime) -> bool:
    """Store (or replace) an answer of an open check-in, marking it active now; tell whether it was open to take it."""
    stamp = utc_text(now)
    return bool(await statements.write_rows(_ANSWER, (checkin_id, question.value, value, stamp, checkin_id)))


async def finish_checkin(
    tx: Statements,
    checkin_id: int,
    status: CheckinStatus,
    tier: str | None,
    reasons: tuple[str, ...],
    now: datetime,
    *,
    idle_since: datetime | None = None,
) -> tuple[Checkin, bool]:
    """Finish an open check-in (with idle_since: only if not updated since); tell whether this call finished it."""
    if status is CheckinStatus.OPEN:
        raise ValueError("a check-in is finished with a status other than open")
    finished = await _returned(  # one statement: the check and the write are atomic without a transaction
        tx,
        "UPDATE checkin SET status = ?, tier = ?, reasons = ?, updated_at = ?, finished_at = ?"
        " WHERE id = ? AND status = 'open' AND updated_at < ?",
        (
            status.value,
            tier,
            reasons_text(reasons),
            utc_text(now),
            utc_text(now),
            checkin_id,
            utc_text(idle_since) if idle_since is not None else _NEVER,
        ),
    )
    return (finished, True) if finished is not None else (await get_checkin(tx, checkin_id), False)


async def _touch(tx: Statements, checkin_id: int, now: datetime) -> Checkin:
    """Mark an open check-in as active now (so it is not closed as idle) and return it; a finished one as it is."""
    touched = await _returned(
        tx, "UPDATE checkin SET updated_at = ? WHERE id = ? AND status = 'open'", (utc_text(now), checkin_id)
    )
    return touched if touched is not None else await get_checkin(tx, checkin_id)


async def _returned(tx: Statements, write: str, params: Params) -> Checkin | None:
    """Run a write of at most one check-in (a fixed statement) and return that check-in as written, or None."""
    row = await tx.write_row(f"{write}{_RETURNING}", params)
    if row is None:
        return None
    pairs: dict[str, object] = json.loads(row[11])
    return _checkin_from(row, _answers_from(int(row[0]), ((str(q), str(v)) for q, v in pairs.items())))


async def _parts(statements: Statements, parts: str, params: Params) -> dict[int, list[Sequence[Any]]]:
    """Run a read of fixed parts joined by UNION ALL; return each part's rows without their part number (none: [])."""
    found: dict[int, list[Sequence[Any]]] = {_PATIENT: [], _FINISHED: []}
    for row in await statements.rows(f"{parts}{_PART_ORDER}", params):
        found[int(row[0])].append(row[1:])
    return found


def _patient_and_open(rows: Sequence[Sequence[Any]]) -> tuple[Patient | None, Checkin | None]:
    """Turn the patient part's rows into the patient (None when unknown) and their open check-in (or None)."""
    if not rows:
        return None, None
    patient = patient_from_row(rows[0][:_PATIENT_WIDTH])
    if rows[0][_PATIENT_WIDTH] is None:
        return patient, None
    [current] = _checkins_from([row[_PATIENT_WIDTH:] for row in rows])
    return patient, current


def _past_checkins(history: str) -> list[PastCheckin]:
    """Turn the history as _HISTORY reads it (JSON, in no set order) into what triage reads of each, oldest first."""
    past = [
        PastCheckin(date.fromisoformat(on), int(day), _answers_from(int(past_id), answers.items()))
        for past_id, on, day, answers in json.loads(history)
    ]
    return sorted(past, key=lambda checkin: checkin.local_date)


async def get_checkin(tx: Statements, checkin_id: int) -> Checkin:
    """Return a check-in that must exist."""
    found = await _select(tx, "c.id = ?", (checkin_id,))
    if not found:
        raise LookupError(f"there is no check-in {checkin_id}")
    return found[0]


async def _select(statements: Statements, where: str, params: Params) -> list[Checkin]:
    """Return the check-ins matching a fixed condition, with their answers, in date order."""
    # where is always one of the fixed conditions above; values are bound.
    return _checkins_from(await statements.rows(f"{_SELECT} WHERE {where}{_ORDER}", params))


def _checkins_from(rows: Sequence[Sequence[Any]]) -> list[Checkin]:
    """Turn rows of _SELECT's columns (a check-in's row once per answer) into check-ins, in the rows' order."""
    heads: dict[int, Sequence[Any]] = {}
    answers: dict[int, list[tuple[str, str]]] = {}
    for row in rows:
        checkin_id = int(row[0])
        heads.setdefault(checkin_id, row)
        pairs = answers.setdefault(checkin_id, [])
        if row[11] is not None:
            pairs.append((row[11], str(row[12])))
    return [_checkin_from(head, _answers_from(checkin_id, answers[checkin_id])) for checkin_id, head in heads.items()]


def _answers_from(checkin_id: int, pairs: Iterable[tuple[str, str]]) -> Answers:
    """Turn a check-in's stored (question, value) pairs into its answers, leaving out questions this bot lacks."""
    values: dict[Question, str] = {}
    for name, value in pairs:
        question = _QUESTIONS.get(name)
        if question is None:
            logger.warning("check-in %s has an answer to a question this bot does not know: %s", checkin_id, name)
        else:
            values[question] = value
    return Answers(values)


def _checkin_from(row: Sequence[Any], answers: Answers) -> Checkin:
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
