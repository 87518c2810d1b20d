"""Who a broadcast goes to and when it goes out: the audience rules, reading what staff type, reading a send time.

Pure: no Telegram and no SQL. An audience always means onboarded patients who take messages (not stopped, not
unreachable); the rules here narrow that down by treatment date. `treatment_dates()` turns an audience into the
span of treatment dates it covers on a given day, which is what the store queries and what staff are shown.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

MAX_DAYS = 365  # the furthest back "the last N days" and "day A to B" may reach
MAX_SCHEDULE_DAYS = 90  # the furthest ahead a broadcast may be scheduled
_DASHES = str.maketrans({"–": "-", "—": "-", "‒": "-", "−": "-"})
_ISO_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_DATES = re.compile(rf"^{_ISO_DATE}(?:\s*(?:\s|-|to|\.\.|,)\s*{_ISO_DATE})?$")
_DAY_RANGE = re.compile(r"^(?:days?\s*)?(\d{1,5})\s*(?:-|to|\.\.)\s*(\d{1,5})$")
_ONE_DAY = re.compile(r"^days?\s*(\d{1,5})$")
_RECENT = re.compile(r"^(?:last\s*)?(\d{1,5})(?:\s*days?)?$")
_SEND_TIME = re.compile(rf"^{_ISO_DATE}(?:\s+|\s*t\s*|\s*,\s*)(\d{{1,2}})[:.h](\d{{2}})$")


@dataclass(frozen=True)
class AllActive:
    """Every onboarded patient who takes messages, whatever their treatment date."""


@dataclass(frozen=True)
class TreatedRecently:
    """Patients treated today or in the `days - 1` days before: day 0 to day `days - 1` of recovery."""

    days: int


@dataclass(frozen=True)
class RecoveryDays:
    """Patients on day `first` to day `last` of recovery (day 0 is the treatment day), both included."""

    first: int
    last: int


@dataclass(frozen=True)
class TreatedBetween:
    """Patients treated from `first` to `last`, both included."""

    first: date
    last: date


Audience = AllActive | TreatedRecently | RecoveryDays | TreatedBetween


@dataclass(frozen=True)
class DateSpan:
    """Treatment dates from `first` to `last`, both included; None is open-ended on that side."""

    first: date | None
    last: date | None

    def contains(self, day: date) -> bool:
        """Tell whether a treatment date is in the span."""
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)


class AudienceProblem(Enum):
    """Why typed text is not an audience."""

    FORMAT = "format"  # not one of the forms we read
    ORDER = "order"  # the first day or date comes after the second
    TOO_LARGE = "too_large"  # reaches back further than MAX_DAYS
    FUTURE = "future"  # dates that have not come yet


class SendTimeProblem(Enum):
    """Why typed text is not a time to send at."""

    FORMAT = "format"
    PAST = "past"
    TOO_FAR = "too_far"  # more than MAX_SCHEDULE_DAYS ahead


class AudienceError(ValueError):
    """Typed text that is not an audience, and why."""

    def __init__(self, problem: AudienceProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class SendTimeError(ValueError):
    """Typed text that is not a time to send at, and why."""

    def __init__(self, problem: SendTimeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def treatment_dates(audience: Audience, today: date) -> DateSpan:
    """Return the treatment dates an audience covers on `today` (the clinic's date)."""
    match audience:
        case AllActive():
            return DateSpan(None, None)
        case TreatedRecently(days=days):
            return DateSpan(today - timedelta(days=days - 1), today)
        case RecoveryDays(first=first, last=last):
            return DateSpan(today - timedelta(days=last), today - timedelta(days=first))
        case TreatedBetween(first=first, last=last):
            return DateSpan(first, last)


def matches(audience: Audience, treatment_date: date | None, today: date) -> bool:
    """Tell whether a patient with this treatment date (None: not onboarded) is in the audience on `today`."""
    return treatment_date is not None and treatment_dates(audience, today).contains(treatment_date)


def encode(audience: Audience) -> str:
    """Return the stored form of an audience: "all", "recent:7", "days:3-7" or "dates:2026-11-01:2026-11-20"."""
    match audience:
        case AllActive():
            return "all"
        case TreatedRecently(days=days):
            return f"recent:{days}"
        case RecoveryDays(first=first, last=last):
            return f"days:{first}-{last}"
        case TreatedBetween(first=first, last=last):
            return f"dates:{first.isoformat()}:{last.isoformat()}"


def decode(text: str) -> Audience:
    """Read the stored form of an audience, checked as strictly as typed input; raise ValueError if it is not one."""
    if text == "all":
        return AllActive()
    kind, _, rest = text.partition(":")
    try:
        if kind == "recent" and rest.isdigit():
            return _checked(TreatedRecently(int(rest)), None)
        if kind == "days" and (match := re.fullmatch(r"(\d{1,5})-(\d{1,5})", rest)):
            return _checked(RecoveryDays(int(match[1]), int(match[2])), None)
        if kind == "dates" and (match := re.fullmatch(r"(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})", rest)):
            return _checked(TreatedBetween(date.fromisoformat(match[1]), date.fromisoformat(match[2])), None)
    except AudienceError as error:
        raise ValueError(f"not a valid audience: {text!r} ({error.problem.value})") from error
    raise ValueError(f"not an audience: {text!r}")


def parse_audience(text: str, today: date) -> Audience:
    """Read an audience a staff member typed: "3-7" (days of recovery), "14" (the last 14 days), two dates.

    Also read: "day 5", "days 3 to 7", "last 14 days", "2026-11-01 to 2026-11-20", one date. Raise AudienceError
    saying what is wrong.
    """
    cleaned = " ".join(text.translate(_DASHES).strip().lower().split())
    if match := _DATES.match(cleaned):
        first = _date(match[1], match[2], match[3])
        last = first if match[4] is None else _date(match[4], match[5], match[6])
        return _checked(TreatedBetween(first, last), today)
    if match := _DAY_RANGE.match(cleaned):
        return _checked(RecoveryDays(int(match[1]), int(match[2])), today)
    if match := _ONE_DAY.match(cleaned):
        return _checked(RecoveryDays(int(match[1]), int(match[1])), today)
    if match := _RECENT.match(cleaned):
        return _checked(TreatedRecently(int(match[1])), today)
    raise AudienceError(AudienceProblem.FORMAT)


def _date(year: str, month: str, day: str) -> date:
    """Return a date from its typed parts, or raise AudienceError for one that does not exist."""
    try:
        return date(int(year), int(month), int(day))
    except ValueError as error:
        raise AudienceError(AudienceProblem.FORMAT) from error


def _checked(audience: Audience, today: date | None) -> Audience:
    """Return the audience if it makes sense (today None: do not check against the calendar), else raise."""
    match audience:
        case TreatedRecently(days=days):
            if days < 1:
                raise AudienceError(AudienceProblem.FORMAT)
            if days > MAX_DAYS:
                raise AudienceError(AudienceProblem.TOO_LARGE)
        case RecoveryDays(first=first, last=last):
            if first > last:
                raise AudienceError(AudienceProblem.ORDER)
            if last > MAX_DAYS:
                raise AudienceError(AudienceProblem.TOO_LARGE)
        case TreatedBetween(first=first, last=last):
            if first > last:
                raise AudienceError(AudienceProblem.ORDER)
            if today is not None and first > today:
                raise AudienceError(AudienceProblem.FUTURE)
        case AllActive():
            pass
    return audience


def parse_send_time(text: str, clinic_tz: ZoneInfo, now: datetime) -> datetime:
    """Read a typed "YYYY-MM-DD HH:MM" in the clinic's time zone; it must be after now and not too far ahead."""
    cleaned = " ".join(text.strip().lower().split())
    match = _SEND_TIME.match(cleaned)
    if match is None:
        raise SendTimeError(SendTimeProblem.FORMAT)
    try:
        moment = datetime(int(match[1]), int(match[2]), int(match[3]), int(match[4]), int(match[5]), tzinfo=clinic_tz)
    except ValueError as error:
        raise SendTimeError(SendTimeProblem.FORMAT) from error
    return check_send_time(moment, now)


def check_send_time(moment: datetime, now: datetime) -> datetime:
    """Return the moment if a broadcast may be scheduled for it: after now, at most MAX_SCHEDULE_DAYS ahead."""
    if moment <= now:
        raise SendTimeError(SendTimeProblem.PAST)
    if moment - now > timedelta(days=MAX_SCHEDULE_DAYS):
        raise SendTimeError(SendTimeProblem.TOO_FAR)
    return moment


def in_one_hour(now: datetime) -> datetime:
    """Return the moment one hour from now (the "In 1 hour" button)."""
    return now + timedelta(hours=1)


def tomorrow_at(now: datetime, clinic_tz: ZoneInfo, at: time) -> datetime:
    """Return tomorrow at a local time in the clinic's time zone (the "Tomorrow 10:00" button)."""
    tomorrow = now.astimezone(clinic_tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, at, tzinfo=clinic_tz)
