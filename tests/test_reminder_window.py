"""When a daily reminder may go out: from its time until four hours later, and a late one never at night."""

from datetime import time

import pytest

from bot.domain.reminder_window import reminder_is_due


@pytest.mark.parametrize(
    ("now", "at", "due"),
    [
        (time(9, 59), time(10), False),  # not yet
        (time(10), time(10), True),  # on time
        (time(13, 59), time(10), True),  # caught up after the bot was down
        (time(14), time(10), False),  # four hours late: it waits for tomorrow
        (time(23, 59), time(10), False),  # never at night
        (time(23, 59), time(20), False),  # late, and at night
        (time(21), time(20), True),
        (time(22), time(20), False),
        (time(22, 2), time(22), True),  # a clinic that reminds at 22:00 is on time then
        (time(22, 5), time(22), False),
        (time(0, 30), time(20), False),  # after midnight is a new day, not yesterday's reminder late
        (time(8), time(8), True),
    ],
)
def test_a_reminder_is_due_from_its_time_for_four_hours_but_late_never_at_night(now: time, at: time, due: bool) -> None:
    """Each moment against the reminder's time: due in the four hours from it, but a late one not from 22:00."""
    assert reminder_is_due(now, at) is due
