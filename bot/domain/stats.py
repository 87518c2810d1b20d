"""The clinic's figures: check-in adherence and percentages, worked out from plain facts (no SQL, no Telegram).

Adherence is check-ins received over check-ins expected in a period of whole clinic days. A check-in is
expected from each onboarded patient on each day of the period that falls on day FIRST_REMINDER_DAY to the last
reminder day of their recovery (the days the bot reminds them); at most one check-in per patient and day counts,
and only on a day when one was expected, so the figure can never pass 100 %.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

ADHERENCE_DAYS = 7
FIRST_REMINDER_DAY = 1  # reminders run from the day after treatment


@dataclass(frozen=True)
class Period:
    """A run of clinic dates, first to last inclusive."""

    first: date
    last: date

    def dates(self) -> list[date]:
        """Return every date of the period, oldest first (none when first is after last)."""
        return [self.first + timedelta(days=offset) for offset in range((self.last - self.first).days + 1)]


def adherence_period(today: date, days: int = ADHERENCE_DAYS) -> Period:
    """Return the `days` whole clinic days before today; today is still under way, so it is left out."""
    return Period(today - timedelta(days=days), today - timedelta(days=1))


def percent(part: int, whole: int) -> int | None:
    """Return part of whole as a whole percentage, halves rounded up; None when the whole is nothing."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)


@dataclass(frozen=True)
class Adherence:
    """Check-ins received and expected in a period."""

    received: int
    expected: int

    @property
    def percent(self) -> int | None:
        """Return received over expected as a whole percentage, or None when none were expected."""
        return percent(self.received, self.expected)


def expected_days(treatment_date: date, period: Period, last_day: int) -> list[date]:
    """Return the dates of the period on which a patient treated on treatment_date was expected to check in."""
    return [day for day in period.dates() if FIRST_REMINDER_DAY <= (day - treatment_date).days <= last_day]


def adherence(
    treatment_dates: Mapping[int, date], checkins: Iterable[tuple[int, date]], period: Period, last_day: int
) -> Adherence:
    """Count expected patient-days and the ones with at least one check-in.

    treatment_dates maps each onboarded patient to their treatment date; checkins holds (patient, clinic date)
    of every check-in, repeats and days outside the period included: they are ignored here.
    """
    expected = {
        (user_id, day)
        for user_id, treated in treatment_dates.items()
        for day in expected_days(treated, period, last_day)
    }
    received = expected.intersection(checkins)
    return Adherence(received=len(received), expected=len(expected))


def treatment_dates_that_count(period: Period, last_day: int) -> Period:
    """Return the treatment dates of the patients who could be expected to check in during the period."""
    return Period(period.first - timedelta(days=last_day), period.last - timedelta(days=FIRST_REMINDER_DAY))


@dataclass(frozen=True)
class ClinicStats:
    """Everything /stats shows."""

    today: date
    active: int  # onboarded, taking messages, reachable
    in_window: int  # onboarded and on day 0 to the last reminder day
    unreachable: int  # Telegram said they blocked the bot
    period: Period
    adherence: Adherence
    open_by_tier: Mapping[str, int]  # open or acknowledged escalations, by tier code
    broadcasts_sent: int

    @property
    def open_alerts(self) -> int:
        """Return how many escalations are open or acknowledged, whatever their tier."""
        return sum(self.open_by_tier.values())
