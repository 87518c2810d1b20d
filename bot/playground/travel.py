"""Time travel: where each of the page's jumps takes the playground's clock."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.playground.session import PlaygroundError

JUMPS = ("tomorrow_0959", "plus_hour", "plus_day", "recovery_day")
BEFORE_REMINDERS = time(9, 59)  # a minute before the default reminder time, so the next hour brings it


def jump_target(jump: str, now: datetime, zone: ZoneInfo, treatment: date | None = None, day: int = 0) -> datetime:
    """Return the moment a jump goes to from now; recovery_day goes to 09:59 on day `day` after the treatment date."""
    if jump == "plus_hour":
        return now + timedelta(hours=1)
    if jump == "plus_day":
        return now + timedelta(days=1)
    if jump == "tomorrow_0959":
        return datetime.combine(now.astimezone(zone).date() + timedelta(days=1), BEFORE_REMINDERS, tzinfo=zone)
    if jump != "recovery_day":
        raise PlaygroundError(400, f"unknown jump; use one of {', '.join(JUMPS)}")
    if treatment is None:
        raise PlaygroundError(400, "this patient has not given a treatment date yet")
    target = datetime.combine(treatment + timedelta(days=day), BEFORE_REMINDERS, tzinfo=zone)
    if target <= now:
        raise PlaygroundError(400, f"day {day} of this patient's recovery is already past; the clock only goes forward")
    return target
