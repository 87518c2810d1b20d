"""When a daily reminder may go out: from its time, for a few hours only, and a late one never at night."""

from datetime import datetime, time, timedelta

CATCH_UP = timedelta(hours=4)  # a reminder the bot could not send on time (it was down) may go out this much later
ON_TIME = timedelta(minutes=5)  # within this of its time a reminder is on time, whatever the hour
QUIET_FROM = time(22)  # a late reminder never goes out from this local time to midnight


def reminder_is_due(now: time, at: time) -> bool:
    """Tell whether a reminder set for `at` may go out at local time `now`, on the same day."""
    day = datetime(2000, 1, 1)
    late_by = datetime.combine(day, now) - datetime.combine(day, at)
    if late_by < timedelta(0) or late_by >= CATCH_UP:
        return False
    return late_by < ON_TIME or now < QUIET_FROM
