"""Treatment dates: what day of recovery a patient is on, and reading a date a patient typed."""

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

MAX_DAYS_BACK = 90

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$")
_MONTH_DAY = re.compile(r"^([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th|er)?(?:,?\s+(\d{4}))?$")
_DAY_MONTH_WORD = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|er)?\s+([^\W\d_]+)\.?(?:,?\s+(\d{4}))?$")
_LEAD = re.compile(r"^(?:on|the|le)\s+")  # "on Nov 20", "the 20th", "le 1er décembre"


class DateProblem(Enum):
    """Why a treatment date cannot be accepted."""

    IN_FUTURE = "in_future"
    TOO_OLD = "too_old"


def local_today(now: datetime, clinic_tz: ZoneInfo) -> date:
    """Return the calendar date at the clinic for an aware moment."""
    return now.astimezone(clinic_tz).date()


def day_of_recovery(treatment_date: date, now: datetime, clinic_tz: ZoneInfo) -> int:
    """Return the day of recovery at the clinic: 0 on the treatment day, 1 the day after, and so on."""
    return (local_today(now, clinic_tz) - treatment_date).days


def check_treatment_date(treatment_date: date, today: date) -> DateProblem | None:
    """Refuse a date in the future or more than MAX_DAYS_BACK days ago; None means it is acceptable."""
    if treatment_date > today:
        return DateProblem.IN_FUTURE
    if (today - treatment_date).days > MAX_DAYS_BACK:
        return DateProblem.TOO_OLD
    return None


def recent_days(today: date, count: int, *, offset: int = 0) -> list[date]:
    """List `count` dates going back from `offset` days before today, newest first, never past the limit."""
    days = (today - timedelta(days=offset + i) for i in range(count))
    return [d for d in days if (today - d).days <= MAX_DAYS_BACK]


def parse_typed_date(text: str, today: date, month_names: Sequence[Sequence[str]]) -> date | None:
    """Read a typed date such as 2026-11-20, 20/11, Nov 20 or le 1er déc; without a year, the latest not after today.

    `month_names` holds lists of twelve names each (full and short, in any language); matching ignores case and
    accents ("aout" is août) and accepts any unambiguous prefix of at least three letters.
    """
    cleaned = _LEAD.sub("", " ".join(text.strip().lower().split()))
    if match := _ISO.match(cleaned):
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _DAY_MONTH.match(cleaned):
        return _with_year(int(match[1]), int(match[2]), match[3], today)
    if match := _MONTH_DAY.match(cleaned):
        month = _month_number(match[1], month_names)
        return None if month is None else _with_year(int(match[2]), month, match[3], today)
    if match := _DAY_MONTH_WORD.match(cleaned):
        month = _month_number(match[2], month_names)
        return None if month is None else _with_year(int(match[1]), month, match[3], today)
    return None


def _month_number(word: str, month_names: Sequence[Sequence[str]]) -> int | None:
    """Return 1-12 for a month name or an unambiguous prefix of at least three letters, else None."""
    word = _plain(word)
    if len(word) < 3:
        return None
    found = {
        index + 1
        for names in month_names
        for index, name in enumerate(names)
        if _plain(name.lower().rstrip(".")).startswith(word)
    }
    return found.pop() if len(found) == 1 else None


def _plain(word: str) -> str:
    """Return a word without its accents, as patients often type it: "décembre" is "decembre"."""
    return "".join(char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char))


def _with_year(day: int, month: int, year_text: str | None, today: date) -> date | None:
    """Complete a day and month with the given year, or with the latest year that keeps the date not after today."""
    if year_text is not None:
        year = int(year_text)
        return _safe_date(year + 2000 if year < 100 else year, month, day)
    this_year = _safe_date(today.year, month, day)
    if this_year is not None and this_year <= today:
        return this_year
    return _safe_date(today.year - 1, month, day)


def _safe_date(year: int, month: int, day: int) -> date | None:
    """Build a date, or None when the numbers do not make one."""
    try:
        return date(year, month, day)
    except ValueError:
        return None
