"""The aftercare sequence as a schedule: which steps are due on which day of recovery, from what local time."""

from datetime import date, time

import pytest

from bot.domain.sequence import AftercareSequence, DueStep, SequenceStep, due_steps, is_due

EVENING = SequenceStep(key="day0_evening", day=0, at=time(19, 0), text="sequence.day0_evening")
DAY1 = SequenceStep(key="day1", day=1, at=time(9, 0), text="sequence.day1", buttons=("pimples",))
DAY1_LATER = SequenceStep(key="day1_evening", day=1, at=time(18, 30), text="sequence.day1_evening")
DAY3 = SequenceStep(key="day3", day=3, at=time(9, 0), text="sequence.day3")
SEQUENCE = AftercareSequence((EVENING, DAY1, DAY1_LATER, DAY3))
TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        (0, time(18, 59), ()),  # a minute before
        (0, time(19, 0), (EVENING,)),  # exactly at the time
        (0, time(23, 59), (EVENING,)),  # later the same day: caught up
        (1, time(0, 0), ()),  # the next day, the day-0 step is over and day 1's has not come
        (1, time(8, 59), ()),
        (1, time(9, 0), (DAY1,)),
        (1, time(18, 29), (DAY1,)),
        (1, time(18, 30), (DAY1, DAY1_LATER)),  # both, in order, when the first was missed
        (2, time(12, 0), ()),  # a day without a step
        (3, time(9, 0), (DAY3,)),
        (4, time(9, 0), ()),  # the day after: never late
        (-1, time(23, 0), ()),  # before the treatment
    ],
)
def test_steps_due_on_a_day_at_a_local_time(day: int, at: time, expected: tuple[SequenceStep, ...]) -> None:
    """A step is due on its day from its time until midnight, never before and never on another day."""
    assert SEQUENCE.due_on_day(day, at) == expected
    assert due_steps(SEQUENCE.steps, day, at) == expected


def test_is_due_at_the_boundaries() -> None:
    """Exactly at the time is due; a minute before, or the same time on the next day, is not."""
    assert is_due(DAY1, 1, time(9, 0))
    assert not is_due(DAY1, 1, time(8, 59))
    assert not is_due(DAY1, 2, time(9, 0))
    assert not is_due(DAY1, 0, time(23, 59))


def test_due_today_names_the_treatment_date_each_step_is_for() -> None:
    """At a moment, each step whose time has passed is due for the patients treated `day` days before today."""
    assert SEQUENCE.due_today(TODAY, time(8, 0)) == ()
    assert SEQUENCE.due_today(TODAY, time(9, 0)) == (
        DueStep(DAY1, date(2026, 11, 23)),
        DueStep(DAY3, date(2026, 11, 21)),
    )
    assert SEQUENCE.due_today(TODAY, time(20, 0)) == (
        DueStep(EVENING, TODAY),
        DueStep(DAY1, date(2026, 11, 23)),
        DueStep(DAY1_LATER, date(2026, 11, 23)),
        DueStep(DAY3, date(2026, 11, 21)),
    )


def test_due_today_across_a_month_and_a_year() -> None:
    """The treatment date is counted back in calendar days, across month and year ends."""
    assert SEQUENCE.due_today(date(2027, 1, 2), time(9, 0)) == (
        DueStep(DAY1, date(2027, 1, 1)),
        DueStep(DAY3, date(2026, 12, 30)),
    )


def test_an_empty_sequence_has_nothing_due() -> None:
    """No steps: nothing is ever due."""
    assert AftercareSequence().due_today(TODAY, time(23, 59)) == ()
    assert AftercareSequence().due_on_day(0, time(23, 59)) == ()
