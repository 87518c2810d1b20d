"""The clinic's figures: adherence arithmetic on its edge days, and the report store's counts on a seeded database."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.records import CheckinStatus
from bot.domain.stats import (
    Adherence,
    Period,
    adherence,
    adherence_period,
    expected_days,
    percent,
    treatment_dates_that_count,
)
from bot.storage import Database

TODAY = date(2026, 11, 24)  # the test clock's clinic date
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
LAST_DAY = 14
PERIOD = Period(date(2026, 11, 17), date(2026, 11, 23))

# A clinic on TODAY, as seed_clinic() leaves it.
P_WINDOW, P_STOPPED, P_UNREACHABLE, P_NEW, P_TODAY = 7101, 7102, 7103, 7104, 7105
SEEDED_ACTIVE, SEEDED_IN_WINDOW, SEEDED_UNREACHABLE = 2, 3, 1
SEEDED_RECEIVED, SEEDED_EXPECTED = 4, 10
SEEDED_OPEN = {"emergency": 1, "same_day": 1}
SEEDED_BROADCASTS_DONE = 2


def day(n: int) -> date:
    """Return the clinic date n days after Nov 1, 2026 (day(16) is Nov 17)."""
    return date(2026, 11, 1) + timedelta(days=n)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(0, 0, None), (5, 0, None), (0, 7, 0), (1, 3, 33), (2, 3, 67), (1, 2, 50), (1, 8, 13), (7, 7, 100), (3, 40, 8)],
)
def test_percent_rounds_halves_up_and_has_none_for_nothing_expected(
    part: int, whole: int, expected: int | None
) -> None:
    """A percentage is a whole number, halves rounded up; with nothing expected there is no percentage."""
    assert percent(part, whole) == expected
    assert Adherence(part, whole).percent == expected


def test_the_period_is_the_seven_whole_days_before_today() -> None:
    """Today is still under way, so the period ends yesterday and starts a week before today."""
    period = adherence_period(TODAY)
    assert period == PERIOD
    assert len(period.dates()) == 7
    assert period.dates()[0] == date(2026, 11, 17)
    assert Period(TODAY, TODAY - timedelta(days=1)).dates() == []


@pytest.mark.parametrize(
    ("treated", "expected"),
    [
        (date(2026, 11, 23), 0),  # day 0 on the period's last day: no reminder, nothing expected
        (date(2026, 11, 22), 1),  # day 1 on the last day
        (date(2026, 11, 16), 7),  # day 1 to day 7: the whole period
        (date(2026, 11, 10), 7),  # day 7 to day 13
        (date(2026, 11, 9), 7),  # day 8 to day 14: the last reminder day is the period's last day
        (date(2026, 11, 8), 6),  # day 9 to day 15: the last day is past the window
        (date(2026, 11, 3), 1),  # day 14 on the period's first day
        (date(2026, 11, 2), 0),  # day 15 on the first day: past the window
        (TODAY, 0),  # treated today
        (date(2026, 12, 1), 0),  # a date after the period
    ],
)
def test_expected_days_are_day_1_to_the_last_reminder_day(treated: date, expected: int) -> None:
    """A patient is expected to check in on each day of the period from day 1 to the last reminder day."""
    assert len(expected_days(treated, PERIOD, LAST_DAY)) == expected


def test_adherence_counts_one_checkin_per_patient_and_day_and_only_when_expected() -> None:
    """Repeats, day-0 check-ins, days outside the period and strangers' check-ins add nothing received."""
    treated = {1: date(2026, 11, 20), 2: date(2026, 11, 10), 3: date(2026, 11, 1)}
    checkins = [
        (1, date(2026, 11, 20)),  # day 0
        (1, date(2026, 11, 21)),
        (1, date(2026, 11, 21)),  # the same day again
        (1, date(2026, 11, 24)),  # today: not in the period
        (2, date(2026, 11, 17)),
        (2, date(2026, 11, 18)),
        (3, date(2026, 11, 17)),  # day 16: not expected
        (9, date(2026, 11, 18)),  # not an onboarded patient
    ]
    assert adherence(treated, checkins, PERIOD, LAST_DAY) == Adherence(received=3, expected=3 + 7)
    assert adherence(treated, [], PERIOD, LAST_DAY).percent == 0
    assert adherence({}, checkins, PERIOD, LAST_DAY).percent is None


def test_adherence_never_passes_100_percent() -> None:
    """With a check-in every day of the period from every patient, adherence is exactly 100 %."""
    treated = {user_id: date(2026, 11, 5 + user_id) for user_id in range(10)}
    checkins = [(user_id, day) for user_id in treated for day in PERIOD.dates()] * 2
    result = adherence(treated, checkins, PERIOD, LAST_DAY)
    assert result.received == result.expected
    assert result.percent == 100


def test_the_treatment_dates_that_count_cover_every_expected_day() -> None:
    """Only patients treated from last_day days before the period to the day before its end can be expected."""
    counted = treatment_dates_that_count(PERIOD, LAST_DAY)
    assert counted == Period(date(2026, 11, 3), date(2026, 11, 22))
    for offset in range(-30, 30):
        treated = TODAY + timedelta(days=offset)
        inside = counted.first <= treated <= counted.last
        assert inside == bool(expected_days(treated, PERIOD, LAST_DAY)), treated


async def seed_clinic(database: Database) -> None:
    """Fill a database with the clinic described by the SEEDED_ figures, through the stores."""
    patients, checkins, escalations = database.patients, database.checkins, database.escalations
    for user_id, treated in (
        (P_WINDOW, day(19)),  # Nov 20: day 4, active; expected on Nov 21, 22, 23
        (P_STOPPED, day(9)),  # Nov 10: day 14 (still in the window), /stop; expected Nov 17 to 23
        (P_UNREACHABLE, day(0)),  # Nov 1: day 23, blocked the bot; nothing expected
        (P_NEW, None),  # consented, no treatment date yet
        (P_TODAY, TODAY),  # day 0, active; nothing expected yet
    ):
        await patients.add_consented(user_id, "en", NOW)
        if treated is not None:
            await patients.set_treatment_date(user_id, treated, NOW)
    await patients.set_messages_stopped(P_STOPPED, True, NOW)
    await patients.set_unreachable(P_UNREACHABLE, NOW)
    for user_id, local_date in (
        (P_WINDOW, day(20)),
        (P_WINDOW, day(20)),  # twice on Nov 21: counts once
        (P_WINDOW, day(22)),
        (P_STOPPED, day(16)),
        (P_STOPPED, day(17)),
        (P_UNREACHABLE, day(16)),  # day 16: not expected, not counted
        (P_WINDOW, TODAY),  # today: outside the period
    ):
        checkin = await checkins.start(user_id, local_date, 0, NOW)
        await checkins.finish(checkin.id, CheckinStatus.COMPLETE, "self_care", (), NOW)
    await escalations.record(P_WINDOW, None, day(22), "same_day", ("pus",), NOW)
    emergency, _ = await escalations.record(P_STOPPED, None, day(17), "emergency", ("breathing",), NOW)
    await escalations.acknowledge(emergency.id, 500, NOW)
    soon, _ = await escalations.record(P_UNREACHABLE, None, day(16), "soon", ("rash",), NOW)
    await escalations.resolve(soon.id, 500, NOW)
    await seed_broadcasts(database, ("done", "done", "sending", "cancelled", "draft"))


async def seed_broadcasts(database: Database, statuses: tuple[str, ...]) -> None:
    """Add broadcast rows with these statuses, in plain SQL as the broadcast table's own store may change."""
    for status in statuses:
        await database.reports._sql.run(
            "INSERT INTO broadcast (created_by, created_at, updated_at, status) VALUES (500, ?, ?, ?)",
            (NOW.isoformat(), NOW.isoformat(), status),
        )


async def test_the_report_store_counts_a_seeded_clinic(path: Path) -> None:
    """Patients by state, check-in days, open alerts by tier and finished broadcasts are counted as defined."""
    async with await Database.open(path) as database:
        await seed_clinic(database)
        reports = database.reports
        counts = await reports.patient_counts(TODAY, LAST_DAY)
        assert (counts.active, counts.in_window, counts.unreachable) == (
            SEEDED_ACTIVE,
            SEEDED_IN_WINDOW,
            SEEDED_UNREACHABLE,
        )
        treated = await reports.treatment_dates(treatment_dates_that_count(PERIOD, LAST_DAY))
        assert treated == {P_WINDOW: day(19), P_STOPPED: day(9)}
        days = await reports.checkin_days(PERIOD)
        assert (P_WINDOW, day(20)) in days
        assert (P_WINDOW, TODAY) not in days
        assert adherence(treated, days, PERIOD, LAST_DAY) == Adherence(SEEDED_RECEIVED, SEEDED_EXPECTED)
        assert await reports.open_by_tier() == SEEDED_OPEN
        assert await reports.broadcasts_sent() == SEEDED_BROADCASTS_DONE


async def test_an_empty_clinic_counts_nothing(path: Path) -> None:
    """A new database has no figures, and no percentage of nothing."""
    async with await Database.open(path) as database:
        reports = database.reports
        counts = await reports.patient_counts(TODAY, LAST_DAY)
        assert (counts.active, counts.in_window, counts.unreachable) == (0, 0, 0)
        assert await reports.treatment_dates(PERIOD) == {}
        assert await reports.checkin_days(PERIOD) == set()
        assert await reports.open_by_tier() == {}
        assert await reports.broadcasts_sent() == 0
        found = await reports.open_alerts(10)
        assert (found.total, found.newest) == (0, ())


async def test_open_alerts_are_newest_first_and_limited(path: Path) -> None:
    """Open and acknowledged escalations come newest first, up to the limit, with the full count; resolved ones not."""
    async with await Database.open(path) as database:
        ids = []
        for index in range(13):
            user_id = 7200 + index
            await database.patients.add_consented(user_id, "en", NOW)
            escalation, _ = await database.escalations.record(
                user_id, None, TODAY, "same_day", ("pus",), NOW + timedelta(minutes=index)
            )
            ids.append(escalation.id)
        await database.escalations.acknowledge(ids[12], 500, NOW)
        await database.escalations.resolve(ids[11], 500, NOW)
        found = await database.reports.open_alerts(10)
        assert found.total == 12
        assert found.newest == (ids[12], *reversed(ids[2:11]))
