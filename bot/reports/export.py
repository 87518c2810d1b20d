"""The /export files: check-ins and escalations as CSV, rows in and bytes out, with nothing else to know.

The files follow RFC 4180 (comma-separated, CRLF line ends, a field with a comma, a quote or a line break is
quoted and its quotes doubled) and are UTF-8 with a byte-order mark, so that Excel shows accents and emoji as
they are. A cell that a spreadsheet would take as a formula (one starting with =, +, -, @, a tab or a carriage
return) gets a leading apostrophe, so that a patient's note can never run as a formula on a staff computer.
Photos are never exported: only whether one was sent. The columns are documented in the README.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from bot.domain.checkin import QUESTION_ORDER, SKIPPED, Answers, Question
from bot.storage.reports import CheckinRow, EscalationRow

ANSWER_COLUMNS = tuple(question.value for question in QUESTION_ORDER)
CHECKIN_COLUMNS = (
    *("checkin_id", "patient_id", "username", "local_date", "day", "status", "tier", "reasons"),
    *ANSWER_COLUMNS,
    *("started_at", "finished_at"),
)
ESCALATION_COLUMNS = (
    *("escalation_id", "patient_id", "username", "local_date", "tier", "reasons", "status", "created_at"),
    *("acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at"),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REASON_SEPARATOR = ";"
PHOTO_SENT, PHOTO_NONE = "yes", "no"
EXPORT_CHOICES = {"7": 7, "30": 30, "all": None}  # a button's choice -> the number of days, None for everything

_TYPED_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def neutralised(value: object) -> str:
    """Return a cell's text, with an apostrophe in front when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def utc_iso(moment: datetime | None) -> str:
    """Return a moment as ISO 8601 in UTC to the second, or an empty cell."""
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def photo_cell(answers: Answers) -> str:
    """Say whether a photo was sent ("yes"), skipped ("skipped") or never asked for ("no"); never its file id."""
    value = answers.get(Question.PHOTO)
    if value is None:
        return PHOTO_NONE
    return SKIPPED if value == SKIPPED else PHOTO_SENT


def checkin_cells(row: CheckinRow) -> list[object]:
    """Return one check-in's cells, in the order of CHECKIN_COLUMNS."""
    answers = [
        photo_cell(row.answers) if question is Question.PHOTO else row.answers.get(question)
        for question in QUESTION_ORDER
    ]
    return [
        *(row.checkin_id, row.patient_id, row.username, row.local_date.isoformat(), row.day, row.status, row.tier),
        REASON_SEPARATOR.join(row.reasons),
        *answers,
        utc_iso(row.started_at),
        utc_iso(row.finished_at),
    ]


def escalation_cells(row: EscalationRow) -> list[object]:
    """Return one escalation's cells, in the order of ESCALATION_COLUMNS."""
    return [
        *(row.escalation_id, row.patient_id, row.username, row.local_date.isoformat(), row.tier),
        REASON_SEPARATOR.join(row.reasons),
        row.status,
        utc_iso(row.created_at),
        row.acknowledged_by,
        utc_iso(row.acknowledged_at),
        row.resolved_by,
        utc_iso(row.resolved_at),
    ]


def checkins_csv(rows: Iterable[CheckinRow]) -> bytes:
    """Build the check-ins file: a header row, then one row per check-in."""
    return _csv(CHECKIN_COLUMNS, (checkin_cells(row) for row in rows))


def escalations_csv(rows: Iterable[EscalationRow]) -> bytes:
    """Build the escalations file: a header row, then one row per escalation."""
    return _csv(ESCALATION_COLUMNS, (escalation_cells(row) for row in rows))


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Write RFC 4180 CSV with every cell neutralised, as UTF-8 with a byte-order mark."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def chosen_range(choice: str, today: date) -> tuple[date | None, date] | None:
    """Return (first, last) clinic dates for a button's choice: the last 7 or 30 days, today included, or all."""
    if choice not in EXPORT_CHOICES:
        return None
    days = EXPORT_CHOICES[choice]
    return (None if days is None else today - timedelta(days=days - 1)), today


def typed_range(args: Sequence[str]) -> tuple[date, date] | None:
    """Read "2026-11-01 2026-11-24" (first and last clinic dates, inclusive); None unless it is exactly that."""
    if len(args) != 2 or not all(_TYPED_DATE.fullmatch(arg) for arg in args):
        return None
    try:
        first, last = date.fromisoformat(args[0]), date.fromisoformat(args[1])
    except ValueError:
        return None
    return (first, last) if first <= last else None


def file_name(kind: str, first: date | None, last: date) -> str:
    """Name an export file after what it holds and its range: checkins_2026-11-01_to_2026-11-24.csv."""
    start = "all" if first is None else first.isoformat()
    return f"{kind}_{start}_to_{last.isoformat()}.csv"
