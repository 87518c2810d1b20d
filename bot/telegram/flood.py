"""Per-user flood control: a sliding window of each user's recent updates, with an injectable clock.

A user who sends more than `max_updates` updates within `window` is slowed: further updates are dropped until
the oldest counted one leaves the window. The first dropped update of a flood asks for one polite notice; the
rest are dropped silently. Users idle for longer than the window are forgotten, so memory stays bounded by the
number of users active within the last two windows.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum


class Verdict(Enum):
    """What to do with one update."""

    ALLOW = "allow"
    NOTICE = "notice"  # dropped, and the first of its flood: tell the user once
    DROP = "drop"


@dataclass
class _Sender:
    """One user's recent updates that counted, and what they were told during the current flood."""

    times: deque[datetime] = field(default_factory=deque)
    noticed: bool = False
    warned_at: datetime | None = None
    last_seen: datetime | None = None


class FloodControl:
    """Counts each user's updates in a sliding window and says which to let through."""

    def __init__(self, max_updates: int, window: timedelta) -> None:
        if max_updates < 1 or window <= timedelta(0):
            raise ValueError("flood control needs at least one update in a positive window")
        self._max = max_updates
        self._window = window
        self._senders: dict[int, _Sender] = {}
        self._swept_at: datetime | None = None

    def check(self, user_id: int, now: datetime) -> Verdict:
        """Count one update from the user at `now` and say whether to let it through."""
        self._sweep(now)
        sender = self._senders.setdefault(user_id, _Sender())
        sender.last_seen = now
        while sender.times and sender.times[0] <= now - self._window:
            sender.times.popleft()
        if len(sender.times) < self._max:
            sender.times.append(now)  # only updates let through count, so a slowed user gets through again
            sender.noticed = False
            return Verdict.ALLOW
        if sender.noticed:
            return Verdict.DROP
        sender.noticed = True
        return Verdict.NOTICE

    def may_warn(self, user_id: int, now: datetime) -> bool:
        """Tell whether a slowed user's warning-sign message may still be answered: once per window."""
        sender = self._senders.setdefault(user_id, _Sender(last_seen=now))
        if sender.warned_at is not None and now - sender.warned_at < self._window:
            return False
        sender.warned_at = now
        return True

    def tracked(self) -> int:
        """Return how many users are remembered now."""
        return len(self._senders)

    def _sweep(self, now: datetime) -> None:
        """Forget users idle for longer than the window; at most once per window, so the cost stays small."""
        if self._swept_at is not None and now - self._swept_at < self._window:
            return
        self._swept_at = now
        idle_since = now - self._window
        for user_id in [uid for uid, s in self._senders.items() if s.last_seen is None or s.last_seen <= idle_since]:
            del self._senders[user_id]
