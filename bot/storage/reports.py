"""What the clinic's views and exports read: counts for /stats, open alerts for /alerts, rows for /export.

Read-only. Exports are read in chunks of EXPORT_CHUNK rows, each its own statement, so that a large database never
holds the shared connection for long: the patients' own updates are served in between.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiosqlite

from bot.domain.checkin import QUESTION_ORDER, Answers
from bot.domain.stats import Period
from bot.storage.shared import SharedConnection, moment_from, optional_int, optional_moment, reasons_from

EXPORT_CHUNK = 2000
_NO_START, _NO_END = date.min.isoformat(), date.max.isoformat()
# One column per question, taken from the answers in the same statement. The question codes are bound
# parameters; only the fixed text around them is repeated.
_ANSWER_COLUMNS = ", ".join("MAX(CASE WHEN a.question = ? THEN a.value END)" for _ in QUESTION_ORDER)
_QUESTION_CODES = tuple(question.value for question in QUESTION_ORDER)
_CHECKIN_FIELDS = (
    "c.id, c.user_id, p.username, c.local_date, c.day, c.status, c.tier, c.reasons, c.started_at, c.finished_at"
)
_CHECKIN_ROWS = (
    f"SELECT {_CHECKIN_FIELDS}, {_ANSWER_COLUMNS}"  # noqa: S608 - fixed text; every value is bound
    " FROM checkin AS c JOIN patient AS p ON p.user_id = c.user_id"
    " LEFT JOIN checkin_answer AS a ON a.checkin_id = c.id"
    " WHERE c.id > ? AND c.local_date BETWEEN ? AND ?"
    " GROUP BY c.id ORDER BY c.id LIMIT ?"
)
_ESCALATION_ROWS = (
    "SELECT e.id, e.user_id, p.username, e.local_date, e.tier, e.reasons, e.status, e.created_at,"
    " e.acknowledged_by, e.acknowledged_at, e.resolved_by, e.resolved_at"
    " FROM escalation AS e JOIN patient AS p ON p.user_id = e.user_id"
    " WHERE e.id > ? AND e.local_date BETWEEN ? AND ?"
    " ORDER BY e.id LIMIT ?"
)


@dataclass(frozen=True)
class PatientCounts:
    """How many patients are in each state that /stats shows."""

    active: int  # onboarded, taking messages, reachable
    in_window: int  # onboarded and on day 0 to the last reminder day
    unreachable: int  # Telegram said they blocked the bot


@dataclass(frozen=True)
class OpenAlerts:
    """The open (or acknowledged) escalations: how many there are, and the ids of the newest, newest first."""

    total: int
    newest: tuple[int, ...]


@dataclass(frozen=True)
class CheckinRow:
    """One check-in as the export shows it."""

    checkin_id: int
    patient_id: int
    username: str | None
    local_date: date
    day: int
    status: str
    tier: str | None
    reasons: tuple[str, ...]
    answers: Answers
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class EscalationRow:
    """One escalation as the export shows it."""

    escalation_id: int
    patient_id: int
    username: str | None
    local_date: date
    tier: str
    reasons: tuple[str, ...]
    status: str
    created_at: datetime
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    resolved_by: int | None
    resolved_at: datetime | None


class ReportStore:
    """Reads figures and rows for the clinic's staff; it never writes."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def patient_counts(self, today: date, last_day: int) -> PatientCounts:
        """Count active patients, those on day 0 to last_day of recovery today, and unreachable ones."""
        window = Period(today - timedelta(days=last_day), today)
        row = await self._sql.row(
            "SELECT"
            " COALESCE(SUM(treatment_date IS NOT NULL AND messages_stopped = 0 AND unreachable_since IS NULL), 0),"
            " COALESCE(SUM(treatment_date BETWEEN ? AND ?), 0),"
            " COALESCE(SUM(unreachable_since IS NOT NULL), 0)"
            " FROM patient",
            (window.first.isoformat(), window.last.isoformat()),
        )
        if row is None:
            return PatientCounts(0, 0, 0)
        return PatientCounts(active=int(row[0]), in_window=int(row[1]), unreachable=int(row[2]))

    async def treatment_dates(self, treated: Period) -> dict[int, date]:
        """Return the treatment date of each onboarded patient treated within the period."""
        rows = await self._sql.rows(
            "SELECT user_id, treatment_date FROM patient WHERE treatment_date BETWEEN ? AND ?",
            (treated.first.isoformat(), treated.last.isoformat()),
        )
        return {int(row[0]): date.fromisoformat(row[1]) for row in rows}

    async def checkin_days(self, period: Period) -> set[tuple[int, date]]:
        """Return (patient, clinic date) for every day of the period on which a patient started a check-in."""
        rows = await self._sql.rows(
            "SELECT DISTINCT user_id, local_date FROM checkin WHERE local_date BETWEEN ? AND ?",
            (period.first.isoformat(), period.last.isoformat()),
        )
        return {(int(row[0]), date.fromisoformat(row[1])) for row in rows}

    async def open_by_tier(self) -> Mapping[str, int]:
        """Count the escalations still open or acknowledged (not resolved), by tier code."""
        rows = await self._sql.rows("SELECT tier, COUNT(*) FROM escalation WHERE status <> 'resolved' GROUP BY tier")
        return {str(row[0]): int(row[1]) for row in rows}

    async def broadcasts_sent(self) -> int:
        """Count the broadcasts that finished sending."""
        row = await self._sql.row("SELECT COUNT(*) FROM broadcast WHERE status = 'done'")
        return 0 if row is None else int(row[0])

    async def open_alerts(self, limit: int) -> OpenAlerts:
        """Return how many escalations are open or acknowledged, and the ids of the newest `limit`, newest first."""
        rows = await self._sql.rows(
            "SELECT id, COUNT(*) OVER () FROM escalation WHERE status <> 'resolved'"
            " ORDER BY created_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        if not rows:
            return OpenAlerts(total=0, newest=())
        return OpenAlerts(total=int(rows[0][1]), newest=tuple(int(row[0]) for row in rows))

    async def checkins_for_export(self, first: date | None, last: date | None) -> list[CheckinRow]:
        """Return every check-in started on a clinic date from first to last (None: no limit), in the order started."""
        bounds = (first.isoformat() if first else _NO_START, last.isoformat() if last else _NO_END)
        found: list[CheckinRow] = []
        after = 0
        while True:
            rows = await self._sql.rows(_CHECKIN_ROWS, (*_QUESTION_CODES, after, *bounds, EXPORT_CHUNK))
            found.extend(_checkin_row(row) for row in rows)
            if len(rows) < EXPORT_CHUNK:
                return found
            after = found[-1].checkin_id

    async def escalations_for_export(self, first: date | None, last: date | None) -> list[EscalationRow]:
        """Return every escalation about a clinic date from first to last (None: no limit), in the order raised."""
        bounds = (first.isoformat() if first else _NO_START, last.isoformat() if last else _NO_END)
        found: list[EscalationRow] = []
        after = 0
        while True:
            rows = await self._sql.rows(_ESCALATION_ROWS, (after, *bounds, EXPORT_CHUNK))
            found.extend(_escalation_row(row) for row in rows)
            if len(rows) < EXPORT_CHUNK:
                return found
            after = found[-1].escalation_id


def _checkin_row(row: aiosqlite.Row) -> CheckinRow:
    """Turn a row of the check-in export query into a CheckinRow."""
    checkin_id, user_id, username, local_date, day, status, tier, reasons, started, finished = row[:10]
    answers = {
        question: str(value) for question, value in zip(QUESTION_ORDER, row[10:], strict=True) if value is not None
    }
    return CheckinRow(
        checkin_id=int(checkin_id),
        patient_id=int(user_id),
        username=None if username is None else str(username),
        local_date=date.fromisoformat(local_date),
        day=int(day),
        status=str(status),
        tier=None if tier is None else str(tier),
        reasons=reasons_from(reasons),
        answers=Answers(answers),
        started_at=moment_from(started),
        finished_at=optional_moment(finished),
    )


def _escalation_row(row: aiosqlite.Row) -> EscalationRow:
    """Turn a row of the escalation export query into an EscalationRow."""
    (
        escalation_id,
        user_id,
        username,
        local_date,
        tier,
        reasons,
        status,
        created,
        acknowledged_by,
        acknowledged_at,
        resolved_by,
        resolved_at,
    ) = row
    return EscalationRow(
        escalation_id=int(escalation_id),
        patient_id=int(user_id),
        username=None if username is None else str(username),
        local_date=date.fromisoformat(local_date),
        tier=str(tier),
        reasons=reasons_from(reasons),
        status=str(status),
        created_at=moment_from(created),
        acknowledged_by=optional_int(acknowledged_by),
        acknowledged_at=optional_moment(acknowledged_at),
        resolved_by=optional_int(resolved_by),
        resolved_at=optional_moment(resolved_at),
    )
