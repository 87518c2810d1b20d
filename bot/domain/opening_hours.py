"""The clinic's opening hours in a machine-readable form, so a triage reply can say whether it is open now.

A spec is a list of groups separated by ";", each a set of days and one or more windows, for example
"Mon-Fri 09:00-12:00, 13:00-17:00; Sat 10:00-14:00". Days are Mon..Sun, as ranges (Mon-Fri) or comma lists
(Mon,Wed), or both (Mon-Wed,Fri). Times are 24-hour; a window may not cross midnight, but may end at 24:00.
Days not named are closed.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from itertools import pairwise

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {name.lower(): index for index, name in enumerate(DAY_NAMES)}
_GROUP = re.compile(r"^(?P<days>[A-Za-z]+(?:\s*[-,]\s*[A-Za-z]+)*)\s+(?P<windows>\d.*)$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
END_OF_DAY = time.max  # how a window ending at 24:00 is kept

Window = tuple[time, time]


@dataclass(frozen=True)
class OpeningHours:
    """Opening windows by weekday (0 is Monday); every weekday is present, with no windows when closed."""

    windows: Mapping[int, tuple[Window, ...]]


def parse_opening_hours(spec: str) -> OpeningHours:
    """Read a spec like "Mon-Fri 09:00-17:00; Sat 10:00-14:00"; raise ValueError naming the bad part."""
    by_day: dict[int, list[Window]] = {day: [] for day in range(len(DAY_NAMES))}
    groups = [group.strip() for group in spec.split(";") if group.strip()]
    if not groups:
        raise ValueError('no opening hours given: write them like "Mon-Fri 09:00-17:00; Sat 10:00-14:00"')
    for group in groups:
        match = _GROUP.match(re.sub(r"\s*[-\u2013]\s*", "-", group))  # allow spaces or an en dash
        if not match:
            raise ValueError(f'"{group}" should be days then times, like "Mon-Fri 09:00-17:00"')
        windows = [_parse_window(part) for part in re.split(r"[,\s]+", match["windows"].strip()) if part]
        for day in _parse_days(match["days"]):
            by_day[day].extend(windows)
    for day, windows in by_day.items():
        windows.sort()
        for first, second in pairwise(windows):
            if second[0] < first[1]:
                raise ValueError(f"on {DAY_NAMES[day]} the windows {_show(first)} and {_show(second)} overlap")
    return OpeningHours({day: tuple(windows) for day, windows in by_day.items()})


def is_open(hours: OpeningHours, local: datetime) -> bool:
    """Tell whether the clinic is open at a moment already in the clinic's time zone (start in, end out)."""
    moment = local.time().replace(tzinfo=None)
    return any(
        start <= moment and (moment < end or end == END_OF_DAY) for start, end in hours.windows.get(local.weekday(), ())
    )


def _parse_days(text: str) -> list[int]:
    """Read days such as "Mon-Fri", "Mon,Wed" or "Mon-Wed,Fri" into weekday numbers."""
    days: set[int] = set()
    for item in text.split(","):
        ends = [_parse_day(name) for name in item.split("-")]
        if len(ends) == 1:
            days.add(ends[0])
        elif len(ends) == 2 and ends[0] <= ends[1]:
            days.update(range(ends[0], ends[1] + 1))
        elif len(ends) == 2:
            raise ValueError(f'the day range "{item.strip()}" runs backwards past Sunday: split it, like "Fri-Sun,Mon"')
        else:
            raise ValueError(f'"{item.strip()}" is not a day or a range of days like "Mon-Fri"')
    return sorted(days)


def _parse_day(name: str) -> int:
    """Read a three-letter day name, in any case."""
    day = _DAY_INDEX.get(name.strip().lower())
    if day is None:
        raise ValueError(f'"{name.strip()}" is not a day: use {", ".join(DAY_NAMES)}')
    return day


def _parse_window(text: str) -> Window:
    """Read a window such as "09:00-17:00"; it must start before it ends, on the same day."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f'"{text}" is not a time window like "09:00-17:00"')
    start, end = _parse_time(parts[0], text, allow_end_of_day=False), _parse_time(parts[1], text, allow_end_of_day=True)
    if start >= end:
        raise ValueError(
            f'the window "{text}" does not end after it starts: a window may not cross midnight,'
            ' so split it, like "Fri 22:00-24:00; Sat 00:00-02:00"'
        )
    return start, end


def _parse_time(text: str, window: str, *, allow_end_of_day: bool) -> time:
    """Read a 24-hour time such as "09:00" (24:00 only as the end of a window)."""
    match = _TIME.match(text)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if allow_end_of_day and (hour, minute) == (24, 0):
            return END_OF_DAY
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise ValueError(f'"{text}" in "{window}" is not a 24-hour time like 09:00')


def _show(window: Window) -> str:
    """Write a window as the spec does."""
    return "-".join("24:00" if moment == END_OF_DAY else moment.strftime("%H:%M") for moment in window)
