"""Day-of-recovery arithmetic in the clinic's time zone, and reading dates patients type."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.treatment_dates import (
    MAX_DAYS_BACK,
    DateProblem,
    check_treatment_date,
    day_of_recovery,
    local_today,
    parse_typed_date,
    recent_days,
)

TORONTO = ZoneInfo("America/Toronto")
MONTHS = (
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"),
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
)  # fmt: skip
TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("moment_utc", "expected_day"),
    [
        (datetime(2026, 11, 20, 5, 0, tzinfo=UTC), 0),  # 00:00 in Toronto on the treatment day
        (datetime(2026, 11, 21, 4, 59, tzinfo=UTC), 0),  # 23:59 in Toronto, still the treatment day
        (datetime(2026, 11, 21, 5, 0, tzinfo=UTC), 1),  # midnight in Toronto: day 1 begins
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), 7),
    ],
)
def test_day_of_recovery_follows_clinic_midnight(moment_utc: datetime, expected_day: int) -> None:
    """The day changes at midnight in Toronto, not at midnight UTC."""
    assert day_of_recovery(date(2026, 11, 20), moment_utc, TORONTO) == expected_day


@pytest.mark.parametrize(
    ("moment_utc", "expected_day"),
    [
        (datetime(2026, 11, 1, 3, 59, tzinfo=UTC), 1),  # 23:59 EDT on Oct 31
        (datetime(2026, 11, 1, 4, 0, tzinfo=UTC), 2),  # 00:00 EDT on Nov 1
        (datetime(2026, 11, 2, 4, 59, tzinfo=UTC), 2),  # 23:59 EST on Nov 1: the 25-hour day
        (datetime(2026, 11, 2, 5, 0, tzinfo=UTC), 3),  # 00:00 EST on Nov 2
    ],
)
def test_day_of_recovery_across_the_autumn_clock_change(moment_utc: datetime, expected_day: int) -> None:
    """The 25-hour day when clocks fall back counts once, and days still change at local midnight."""
    assert day_of_recovery(date(2026, 10, 30), moment_utc, TORONTO) == expected_day


def test_day_of_recovery_across_the_spring_clock_change() -> None:
    """The 23-hour day when clocks spring forward still counts as one day."""
    treated = date(2026, 3, 7)
    assert day_of_recovery(treated, datetime(2026, 3, 9, 3, 59, tzinfo=UTC), TORONTO) == 1  # 23:59 EDT Mar 8
    assert day_of_recovery(treated, datetime(2026, 3, 9, 4, 0, tzinfo=UTC), TORONTO) == 2  # 00:00 EDT Mar 9


def test_local_today_differs_from_utc_in_the_evening() -> None:
    """At 21:00 in Toronto it is already tomorrow in UTC, but the clinic's date is today."""
    assert local_today(datetime(2026, 11, 25, 2, 0, tzinfo=UTC), TORONTO) == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        (" 2026-11-5 ", date(2026, 11, 5)),
        ("20/11", date(2026, 11, 20)),
        ("20.11.2026", date(2026, 11, 20)),
        ("20/11/26", date(2026, 11, 20)),
        ("Nov 20", date(2026, 11, 20)),
        ("nov. 20", date(2026, 11, 20)),
        ("November 20th", date(2026, 11, 20)),
        ("NOVEMBER 20, 2026", date(2026, 11, 20)),
        ("20 Nov", date(2026, 11, 20)),
        ("Dec 30", date(2025, 12, 30)),  # no year: the latest one not after today
        ("24/11", date(2026, 11, 24)),  # today itself keeps this year
        ("25/11", date(2025, 11, 25)),  # tomorrow's day and month mean last year
        ("sept 1", date(2026, 9, 1)),
    ],
)
def test_parse_typed_date_reads_common_forms(typed: str, expected: date) -> None:
    """The forms patients type are read, and a date without a year is placed in the past."""
    assert parse_typed_date(typed, TODAY, MONTHS) == expected


FRENCH_MONTHS = (
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
     "décembre"),
    ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juill.", "août", "sept.", "oct.", "nov.", "déc."),
)  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("20 novembre", date(2026, 11, 20)),
        ("le 20 novembre", date(2026, 11, 20)),
        ("1er novembre", date(2026, 11, 1)),
        ("Le 1er nov.", date(2026, 11, 1)),
        ("15 aout", date(2026, 8, 15)),  # typed without its accent
        ("2 dec", date(2025, 12, 2)),
        ("10 fev 2026", date(2026, 2, 10)),
        ("decembre 30", date(2025, 12, 30)),
        ("20/11", date(2026, 11, 20)),
    ],
)
def test_parse_typed_date_reads_french_as_patients_type_it(typed: str, expected: date) -> None:
    """French dates with or without accents, "1er" and a leading "le" are read, as English ones are."""
    assert parse_typed_date(typed, TODAY, FRENCH_MONTHS) == expected


@pytest.mark.parametrize("typed", ["ju 5", "le", "1er", "mar 40", "janvierr 3"])
def test_parse_typed_date_refuses_an_ambiguous_or_broken_french_date(typed: str) -> None:
    """An ambiguous "ju" (juin or juillet), a lone article, no month, or no such day are not guessed at."""
    assert parse_typed_date(typed, TODAY, FRENCH_MONTHS) is None


@pytest.mark.parametrize(
    "typed", ["", "hello", "31/02", "2026-13-01", "Ma 3", "Ju 5", "32 Nov", "11/20/2026", "yesterday-ish"]
)
def test_parse_typed_date_refuses_what_is_not_a_date(typed: str) -> None:
    """Text that is not a date, an impossible date, or an ambiguous month is not guessed at."""
    assert parse_typed_date(typed, TODAY, MONTHS) is None


@pytest.mark.parametrize(
    ("treated", "problem"),
    [
        (TODAY, None),
        (date(2026, 11, 25), DateProblem.IN_FUTURE),
        (date(2026, 8, 26), None),  # exactly 90 days back
        (date(2026, 8, 25), DateProblem.TOO_OLD),  # 91 days back
    ],
)
def test_check_treatment_date_limits(treated: date, problem: DateProblem | None) -> None:
    """Future dates and dates more than 90 days back are refused; the boundary day is accepted."""
    assert check_treatment_date(treated, TODAY) is problem


def test_recent_days_stop_at_the_limit() -> None:
    """Calendar pages list newest first and never offer a date the bot would refuse."""
    assert recent_days(TODAY, 3) == [TODAY, date(2026, 11, 23), date(2026, 11, 22)]
    last_page = recent_days(TODAY, 8, offset=88)
    assert last_page[-1] == date(2026, 8, 26)
    assert all((TODAY - day).days <= MAX_DAYS_BACK for day in last_page)
