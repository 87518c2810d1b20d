"""Reading the clinic's opening hours and telling whether it is open at a moment."""

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.opening_hours import END_OF_DAY, OpeningHours, is_open, parse_opening_hours

TORONTO = ZoneInfo("America/Toronto")
# 2026-11-23 is a Monday.
MONDAY, TUESDAY, SATURDAY, SUNDAY = 23, 24, 28, 29
HOURS = parse_opening_hours("Mon-Fri 09:00-12:00, 13:00-17:00; Sat 10:00-14:00")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Return a moment in Toronto in the week of 2026-11-23."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=TORONTO)


def test_parse_gives_every_weekday() -> None:
    """Every weekday is present; days not named have no windows."""
    two = ((time(9), time(12)), (time(13), time(17)))
    assert parse_opening_hours("Mon-Fri 09:00-12:00, 13:00-17:00; Sat 10:00-14:00") == OpeningHours(
        {0: two, 1: two, 2: two, 3: two, 4: two, 5: ((time(10), time(14)),), 6: ()}
    )


@pytest.mark.parametrize(
    ("spec", "weekday", "windows"),
    [
        pytest.param("Mon,Wed 08:30-16:00", 2, ((time(8, 30), time(16)),), id="comma-list"),
        pytest.param("Mon,Wed 08:30-16:00", 1, (), id="comma-list-gap"),
        pytest.param("Mon-Wed,Fri 9:00-17:00", 4, ((time(9), time(17)),), id="range-and-list-one-digit-hour"),
        pytest.param("mon-fri 09:00-17:00", 3, ((time(9), time(17)),), id="any-case"),
        pytest.param("Mon - Fri  09:00 - 17:00 ;", 0, ((time(9), time(17)),), id="spaces-and-trailing-semicolon"),
        pytest.param("Mon 13:00-17:00 09:00-12:00", 0, ((time(9), time(12)), (time(13), time(17))), id="sorted"),
        pytest.param("Mon 09:00-12:00; Mon 12:00-17:00", 0, ((time(9), time(12)), (time(12), time(17))), id="adjacent"),
        pytest.param("Sat-Sun 18:00-24:00", 6, ((time(18), END_OF_DAY),), id="until-midnight"),
        pytest.param("Fri 09:00\u201317:00", 4, ((time(9), time(17)),), id="en-dash"),
        pytest.param("Mon,Mon 09:00-17:00", 0, ((time(9), time(17)),), id="repeated-day-counts-once"),
    ],
)
def test_parse_forms(spec: str, weekday: int, windows: tuple[tuple[time, time], ...]) -> None:
    """Ranges, comma lists, several windows and groups, spacing and case are all read."""
    assert parse_opening_hours(spec).windows[weekday] == windows


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        pytest.param(at(MONDAY, 8, 59, 59), False, id="before-opening"),
        pytest.param(at(MONDAY, 9), True, id="opening-time-is-open"),
        pytest.param(at(TUESDAY, 11, 59), True, id="morning-window"),
        pytest.param(at(TUESDAY, 12), False, id="lunch-closed-at-end-of-first-window"),
        pytest.param(at(TUESDAY, 13), True, id="second-window-opens"),
        pytest.param(at(TUESDAY, 16, 59, 59), True, id="just-before-closing"),
        pytest.param(at(TUESDAY, 17), False, id="closing-time-is-closed"),
        pytest.param(at(SATURDAY, 10), True, id="saturday-open"),
        pytest.param(at(SATURDAY, 14), False, id="saturday-closed"),
        pytest.param(at(SUNDAY, 12), False, id="sunday-closed"),
    ],
)
def test_is_open(moment: datetime, open_now: bool) -> None:
    """Opening times are open and closing times closed, window by window and day by day."""
    assert is_open(HOURS, moment) is open_now


def test_open_until_midnight() -> None:
    """A window ending at 24:00 is open to the last moment of the day and closed after midnight."""
    late = parse_opening_hours("Sat 18:00-24:00")
    assert is_open(late, at(SATURDAY, 23, 59, 59))
    assert is_open(late, datetime(2026, 11, SATURDAY, 23, 59, 59, 999999, tzinfo=TORONTO))
    assert not is_open(late, at(SUNDAY, 0))


def test_is_open_reads_the_local_clock() -> None:
    """The moment is read on its own clock: the caller converts to the clinic's zone first."""
    utc_moment = datetime(2026, 11, 24, 14, 30, tzinfo=ZoneInfo("UTC"))  # 09:30 in Toronto
    assert not is_open(HOURS, utc_moment.replace(hour=8))
    assert is_open(HOURS, utc_moment.astimezone(TORONTO))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("", "no opening hours given", id="empty"),
        pytest.param(" ; ", "no opening hours given", id="only-separators"),
        pytest.param("09:00-17:00", '"09:00-17:00" should be days then times', id="no-days"),
        pytest.param("Mon-Fri", '"Mon-Fri" should be days then times', id="no-times"),
        pytest.param("Mon-Fri 9am-5pm", '"9am" in "9am-5pm" is not a 24-hour time', id="twelve-hour-clock"),
        pytest.param("Mon-Fri 09:00-25:00", '"25:00" in "09:00-25:00" is not a 24-hour time', id="bad-hour"),
        pytest.param("Mon-Fri 09:60-17:00", '"09:60" in "09:60-17:00" is not a 24-hour time', id="bad-minute"),
        pytest.param("Mon 24:00-24:00", '"24:00" in "24:00-24:00" is not a 24-hour time', id="24-as-start"),
        pytest.param("Mon 09:00", '"09:00" is not a time window', id="no-end"),
        pytest.param("Mon 09:00-12:00-17:00", '"09:00-12:00-17:00" is not a time window', id="three-times"),
        pytest.param("Mon 22:00-02:00", 'the window "22:00-02:00" does not end after it starts', id="over-midnight"),
        pytest.param("Mon 09:00-09:00", 'the window "09:00-09:00" does not end after it starts', id="empty-window"),
        pytest.param("Mon-Frday 09:00-17:00", '"Frday" is not a day', id="bad-day"),
        pytest.param("Monday 09:00-17:00", '"Monday" is not a day', id="long-day-name"),
        pytest.param("Fri-Mon 09:00-17:00", 'the day range "Fri-Mon" runs backwards', id="backwards-range"),
        pytest.param("Mon-Wed-Fri 09:00-17:00", '"Mon-Wed-Fri" is not a day or a range', id="double-range"),
        pytest.param(
            "Mon-Fri 09:00-13:00; Mon 12:00-17:00",
            "on Mon the windows 09:00-13:00 and 12:00-17:00 overlap",
            id="overlap",
        ),
    ],
)
def test_bad_specs_are_refused_with_a_message(spec: str, message: str) -> None:
    """A bad spec raises ValueError with a plain message naming the bad part."""
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_opening_hours(spec)
