"""The broadcast audience rules and send times, as pure functions: reading typed text, matching, encoding."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.audience import (
    MAX_DAYS,
    AllActive,
    Audience,
    AudienceError,
    AudienceProblem,
    DateSpan,
    RecoveryDays,
    SendTimeError,
    SendTimeProblem,
    TreatedBetween,
    TreatedRecently,
    decode,
    encode,
    in_one_hour,
    matches,
    parse_audience,
    parse_send_time,
    tomorrow_at,
    treatment_dates,
)

TODAY = date(2026, 11, 24)
TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Toronto


@pytest.mark.parametrize(
    ("typed", "audience"),
    [
        ("3-7", RecoveryDays(3, 7)),
        (" 3 – 7 ", RecoveryDays(3, 7)),
        ("days 3 to 7", RecoveryDays(3, 7)),
        ("Day 5", RecoveryDays(5, 5)),
        ("0-0", RecoveryDays(0, 0)),
        ("14", TreatedRecently(14)),
        ("last 14 days", TreatedRecently(14)),
        ("2026-11-01 2026-11-20", TreatedBetween(date(2026, 11, 1), date(2026, 11, 20))),
        ("2026-11-01 to 2026-11-20", TreatedBetween(date(2026, 11, 1), date(2026, 11, 20))),
        ("2026-11-01-2026-11-20", TreatedBetween(date(2026, 11, 1), date(2026, 11, 20))),
        ("2026-11-01 .. 2026-11-30", TreatedBetween(date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-5", TreatedBetween(date(2026, 11, 5), date(2026, 11, 5))),
    ],
)
def test_typed_audiences_are_read(typed: str, audience: Audience) -> None:
    """Day ranges, a number of days and date ranges are read in their usual spellings."""
    assert parse_audience(typed, TODAY) == audience


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", AudienceProblem.FORMAT),
        ("everyone please", AudienceProblem.FORMAT),
        ("3-7-9", AudienceProblem.FORMAT),
        ("0", AudienceProblem.FORMAT),
        ("-3", AudienceProblem.FORMAT),
        ("2026-02-30 2026-03-01", AudienceProblem.FORMAT),
        ("7-3", AudienceProblem.ORDER),
        ("2026-11-20 2026-11-01", AudienceProblem.ORDER),
        ("366", AudienceProblem.TOO_LARGE),
        ("3-400", AudienceProblem.TOO_LARGE),
        ("2026-11-25 2026-11-30", AudienceProblem.FUTURE),
    ],
)
def test_mistakes_in_a_typed_audience_say_what_is_wrong(typed: str, problem: AudienceProblem) -> None:
    """Unreadable, reversed, too wide and future audiences are refused, each with its own reason."""
    with pytest.raises(AudienceError) as raised:
        parse_audience(typed, TODAY)
    assert raised.value.problem is problem


def test_the_widest_typed_values_are_accepted() -> None:
    """The limits themselves are allowed: the last MAX_DAYS days, and day 0 to MAX_DAYS."""
    assert parse_audience(str(MAX_DAYS), TODAY) == TreatedRecently(MAX_DAYS)
    assert parse_audience(f"0-{MAX_DAYS}", TODAY) == RecoveryDays(0, MAX_DAYS)
    assert parse_audience("2026-11-24 2026-12-31", TODAY) == TreatedBetween(TODAY, date(2026, 12, 31))


@pytest.mark.parametrize(
    ("audience", "span"),
    [
        (AllActive(), DateSpan(None, None)),
        (TreatedRecently(1), DateSpan(TODAY, TODAY)),
        (TreatedRecently(7), DateSpan(date(2026, 11, 18), TODAY)),
        (RecoveryDays(3, 7), DateSpan(date(2026, 11, 17), date(2026, 11, 21))),
        (RecoveryDays(0, 0), DateSpan(TODAY, TODAY)),
        (TreatedBetween(date(2026, 11, 1), date(2026, 11, 2)), DateSpan(date(2026, 11, 1), date(2026, 11, 2))),
    ],
)
def test_an_audience_covers_these_treatment_dates_today(audience: Audience, span: DateSpan) -> None:
    """Each rule becomes an inclusive span of treatment dates on the clinic's date."""
    assert treatment_dates(audience, TODAY) == span


@pytest.mark.parametrize(("day", "inside"), [(2, False), (3, True), (5, True), (7, True), (8, False)])
def test_days_of_recovery_match_at_both_ends(day: int, inside: bool) -> None:
    """Day 3 to 7 includes days 3 and 7 and nothing outside them."""
    assert matches(RecoveryDays(3, 7), TODAY - timedelta(days=day), TODAY) is inside


def test_the_last_n_days_include_today_and_all_active_needs_a_treatment_date() -> None:
    """The last 7 days are day 0 to day 6; every audience leaves out patients without a treatment date."""
    assert matches(TreatedRecently(7), TODAY, TODAY)
    assert matches(TreatedRecently(7), TODAY - timedelta(days=6), TODAY)
    assert not matches(TreatedRecently(7), TODAY - timedelta(days=7), TODAY)
    assert matches(AllActive(), date(2020, 1, 1), TODAY)
    assert not matches(AllActive(), None, TODAY)


@pytest.mark.parametrize(
    "audience",
    [AllActive(), TreatedRecently(30), RecoveryDays(4, 14), TreatedBetween(date(2026, 1, 2), date(2026, 11, 24))],
)
def test_every_audience_is_stored_and_read_back(audience: Audience) -> None:
    """encode() and decode() round-trip, and the stored form is short enough for a button's data."""
    assert decode(encode(audience)) == audience
    assert len(encode(audience)) <= 32


@pytest.mark.parametrize(
    "stored", ["", "everyone", "recent:0", "recent:x", "days:7-3", "days:0-400", "dates:2026-11-20:2026-11-01", "all:1"]
)
def test_a_damaged_or_forged_stored_audience_is_refused(stored: str) -> None:
    """decode() checks as strictly as typing does, since button data comes from the client."""
    with pytest.raises(ValueError, match="audience"):
        decode(stored)


def test_a_typed_send_time_is_clinic_time() -> None:
    """A typed 2026-11-25 09:30 means 09:30 in Toronto; a T and a dot are accepted too."""
    expected = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    assert parse_send_time("2026-11-25 09:30", TORONTO, NOW) == expected
    assert parse_send_time("2026-11-25T09.30", TORONTO, NOW) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("tomorrow", SendTimeProblem.FORMAT),
        ("2026-11-25", SendTimeProblem.FORMAT),
        ("2026-13-01 10:00", SendTimeProblem.FORMAT),
        ("2026-11-25 24:00", SendTimeProblem.FORMAT),
        ("2026-11-24 10:00", SendTimeProblem.PAST),
        ("2026-11-24 09:59", SendTimeProblem.PAST),
        ("2027-03-01 10:00", SendTimeProblem.TOO_FAR),
    ],
)
def test_a_wrong_send_time_says_what_is_wrong(typed: str, problem: SendTimeProblem) -> None:
    """Unreadable, past and far-off times are refused with their reason."""
    with pytest.raises(SendTimeError) as raised:
        parse_send_time(typed, TORONTO, NOW)
    assert raised.value.problem is problem


def test_the_schedule_buttons_are_an_hour_ahead_and_tomorrow_morning_even_across_a_clock_change() -> None:
    """In 1 hour is 60 minutes on; Tomorrow 10:00 is 10:00 local, also the day the clocks go back (Nov 1 2026)."""
    assert in_one_hour(NOW) == NOW + timedelta(hours=1)
    assert tomorrow_at(NOW, TORONTO, time(10, 0)) == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    before_change = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # noon in Toronto, daylight time
    assert tomorrow_at(before_change, TORONTO, time(10, 0)) == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
