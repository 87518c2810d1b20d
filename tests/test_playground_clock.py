"""The playground's clock (forward only, kept on disk) and where each time-travel jump goes."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.playground.clock import PlaygroundClock, next_stop
from bot.playground.session import PlaygroundError
from bot.playground.travel import jump_target

TORONTO = ZoneInfo("America/Toronto")
REAL = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Toronto


def test_the_clock_moves_forward_only_and_a_restart_keeps_it(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A jump moves the clock on and is kept on disk; a moment in the past changes nothing; a bad file is said."""
    path = tmp_path / "clock.json"
    clock = PlaygroundClock(path, real=lambda: REAL)
    assert clock() == REAL
    clock.move_to(REAL + timedelta(days=2))
    clock.move_to(REAL + timedelta(days=1))
    assert clock() == REAL + timedelta(days=2)
    assert clock.timestamp() == (REAL + timedelta(days=2)).timestamp()
    later = REAL + timedelta(hours=5)
    assert PlaygroundClock(path, real=lambda: later)() == later + timedelta(days=2), "the offset survives a restart"
    path.write_text("{not json", encoding="utf-8")
    assert PlaygroundClock(path, real=lambda: REAL)() == REAL
    assert "unreadable" in caplog.text


@pytest.mark.parametrize(
    ("jump", "expected"),
    [
        ("plus_hour", datetime(2026, 11, 24, 11, 0, tzinfo=TORONTO)),
        ("plus_day", datetime(2026, 11, 25, 10, 0, tzinfo=TORONTO)),
        ("tomorrow_0959", datetime(2026, 11, 25, 9, 59, tzinfo=TORONTO)),
    ],
)
def test_each_jump_goes_where_the_page_says(jump: str, expected: datetime) -> None:
    """+1 hour, +1 day, and tomorrow at 09:59 in the clinic's time zone."""
    assert jump_target(jump, REAL, TORONTO) == expected


def test_tomorrow_is_09_59_local_across_a_change_of_clocks() -> None:
    """The night the clocks go back, tomorrow 09:59 is still 09:59 at the clinic (25 hours on)."""
    night = datetime(2026, 10, 31, 13, 59, tzinfo=UTC)  # 09:59 EDT, the day before standard time
    assert jump_target("tomorrow_0959", night, TORONTO) - night == timedelta(hours=25)


def test_a_day_of_recovery_is_09_59_on_that_day_and_never_in_the_past() -> None:
    """Day 7 after a treatment on Nov 20 is Nov 27 at 09:59; a past day, no date or an unknown jump are refused."""
    treated = date(2026, 11, 20)
    assert jump_target("recovery_day", REAL, TORONTO, treated, 7) == datetime(2026, 11, 27, 9, 59, tzinfo=TORONTO)
    for jump, treatment, day in [("recovery_day", treated, 4), ("recovery_day", None, 7), ("yesterday", treated, 7)]:
        with pytest.raises(PlaygroundError) as refused:
            jump_target(jump, REAL, TORONTO, treatment, day)
        assert refused.value.status == 400


def test_a_jump_stops_at_least_hourly_on_the_reminder_minute() -> None:
    """From 09:59 a jump stops at 10:00 (the reminder time), then on the hour; never past its target."""
    start = datetime(2026, 11, 24, 9, 59, tzinfo=TORONTO)
    target = datetime(2026, 11, 24, 12, 30, tzinfo=TORONTO)
    stops, now = [], start
    while now < target:
        now = next_stop(now, target, 0, TORONTO)
        stops.append(now.astimezone(TORONTO).strftime("%H:%M"))
    assert stops == ["10:00", "11:00", "12:00", "12:30"]
    assert next_stop(start, target, 30, TORONTO).astimezone(TORONTO).strftime("%H:%M") == "10:30"
