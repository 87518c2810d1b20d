"""The playground's clock: real time plus an offset that only moves forward, kept on disk so a restart keeps it."""

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)


class PlaygroundClock:
    """The clock the playground's bot runs on (build_bot's `clock`): now, moved on by time travel."""

    def __init__(self, path: Path, real: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._path, self._real = path, real
        self._offset = timedelta(0)
        try:
            self._offset = timedelta(seconds=float(json.loads(path.read_text(encoding="utf-8"))["offset_seconds"]))
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError):
            logger.warning("the playground's clock file is unreadable; the clock starts at the real time")

    def __call__(self) -> datetime:
        """Return the playground's now, aware, in UTC."""
        return self._real() + self._offset

    def timestamp(self) -> float:
        """Return the playground's now as seconds since the epoch (the dates the local Bot API gives messages)."""
        return self().timestamp()

    def move_to(self, moment: datetime) -> None:
        """Move the clock on to `moment` and keep the offset on disk; it never goes back (a past moment: no change)."""
        self._offset += max(moment - self(), timedelta(0))
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._path.write_text(json.dumps({"offset_seconds": self._offset.total_seconds()}), encoding="utf-8")


def next_stop(now: datetime, target: datetime, minute: int, zone: ZoneInfo) -> datetime:
    """Return a jump's next stop: the next local hh:`minute` (within the hour; REMINDER_TIME's minute), or target."""
    stop = now.astimezone(zone).replace(minute=minute, second=0, microsecond=0).astimezone(UTC)
    while stop <= now:
        stop += timedelta(hours=1)
    return min(stop, target)
