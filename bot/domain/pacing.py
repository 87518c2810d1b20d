"""Pacing arithmetic for broadcasts: a token bucket that spaces messages, backoff for retries, a progress throttle.

Pure: the clock is injected (any function returning seconds, such as time.monotonic), and nothing here sleeps;
callers sleep for the delays these return.
"""

from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


class TokenBucket:
    """Spaces sends at `rate` per second, allowing at most `burst` at once (GCRA, the "virtual scheduling" form).

    reserve() hands out the next slot and says how long to wait for it, so several senders sharing one bucket
    together stay within the rate. pause() keeps every slot back until a moment, as Telegram's retry_after asks.
    """

    def __init__(self, rate: float, *, clock: Clock, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1) * self._interval
        self._clock = clock
        self._next = clock()  # the theoretical time of the next slot

    @property
    def interval(self) -> float:
        """Return the spacing between slots in seconds."""
        return self._interval

    def reserve(self) -> float:
        """Take the next slot and return how many seconds to wait before using it (0: now)."""
        now = self._clock()
        start = max(self._next, now)
        self._next = start + self._interval
        return max(0.0, start - self._tolerance - now)

    def used(self) -> None:
        """Record that a slot is used now; a sender late by more than half a slot pushes the next slot back.

        A little lateness (the wake-up, a database write before the send) is forgiven, so the pace holds at the
        rate; more is not, so that sends after a long stall never bunch up to catch up.
        """
        self._next = max(self._next, self._clock() + self._interval / 2 - self._tolerance)

    def pause(self, seconds: float) -> None:
        """Hand out no slot for `seconds` from now (slots already handed out are the caller's to hold back)."""
        self._next = max(self._next, self._clock() + seconds + self._tolerance)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of a transient failure: `attempts` tries in all, waiting base, 2*base, 4*base... (at most cap)."""

    attempts: int = 5
    base: float = 1.0
    cap: float = 30.0

    def delay(self, failed: int) -> float:
        """Return the wait after the `failed`-th failed try (1 for the first failure)."""
        if failed < 1:
            raise ValueError("delay() is for a try that failed: count from 1")
        return min(self.cap, self.base * 2.0 ** (failed - 1))

    def gives_up(self, failed: int) -> bool:
        """Tell whether, after `failed` failed tries, there is no try left."""
        return failed >= self.attempts


class Throttle:
    """Lets something happen at most once per `interval` seconds, such as editing a progress message."""

    def __init__(self, interval: float, *, clock: Clock) -> None:
        self._interval = interval
        self._clock = clock
        self._last: float | None = None

    def ready(self) -> bool:
        """Tell whether the interval has passed since the last time this said yes; if so, start a new one."""
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return False
        self._last = now
        return True
