"""Pacing arithmetic: a token bucket that spaces messages, the bot's share of Telegram's limits, backoff, a throttle.

Pure: the clock is injected (any function returning seconds, such as time.monotonic), and nothing here sleeps;
callers sleep for the delays these return.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
_CHATS_REMEMBERED = 1_000  # past this many, chats that have rested are forgotten
_SECOND = 1.0  # the span Telegram counts a bot's messages over


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

    def spent(self, *, horizon: float) -> None:
        """Count a send made without a slot: the next slot moves one interval later, at most `horizon` s from now.

        The horizon keeps a long rush of such sends from holding the bucket's own senders back long after it ends.
        """
        now = self._clock()
        self._next = max(self._next, min(max(self._next, now) + self._interval, now + horizon))

    def pause(self, seconds: float) -> None:
        """Hand out no slot for `seconds` from now (slots already handed out are the caller's to hold back)."""
        self._next = max(self._next, self._clock() + seconds + self._tolerance)


class SendPace:
    """The bot's sends under Telegram's limits: about 30 messages a second in all, and one a second to each chat.

    Bulk sends (broadcasts, reminders, nudges, aftercare steps) wait for a slot at `bulk_rate`, for a slot of the
    overall rate, and until their chat has had a second's rest. Replies never wait, but each takes a slot of the
    overall rate, so bulk sends make room for them instead of drawing Telegram's 429s.

    Several bulk sends may be on their way at once, each reaching Telegram a little after its slot (a database read,
    the request), so two can land closer together than their slots were. As it goes out, a bulk send waits too
    (departure_wait) while the last second already holds the overall rate's worth of sends, replies included.
    """

    def __init__(self, *, bulk_rate: float, overall_rate: float, per_chat_seconds: float, clock: Clock) -> None:
        self._bulk = TokenBucket(bulk_rate, clock=clock)
        self._overall = TokenBucket(overall_rate, clock=clock)
        self._per_chat = per_chat_seconds
        self._clock = clock
        self._last_send: dict[int, float] = {}  # chat -> when the bot last sent to it, for chats sent to lately
        self._paused_until = clock()  # no bulk send before then: Telegram asked the bot to wait
        self._most_in_a_second = max(1, int(overall_rate))
        self._last_second: deque[float] = deque()  # when each send of about the last second went out, oldest first

    def reserve_bulk(self, chat_id: int) -> float:
        """Take the next bulk slot for a send to this chat and return how many seconds to wait before using it."""
        waits = self._bulk.reserve(), self._overall.reserve(), self.chat_rest(chat_id)
        return max(waits)

    def used_bulk(self, chat_id: int) -> None:
        """Record that a bulk send to this chat goes out now (see TokenBucket.used)."""
        self._bulk.used()
        self._overall.used()
        self._sent_to(chat_id)

    def replying(self, chat_id: int | None) -> None:
        """Note a send that did not wait (a reply, an alert) as it goes out: no bulk send to its chat meanwhile."""
        self._going_out()
        if chat_id is not None:
            self._sent_to(chat_id)

    def replied(self, chat_id: int | None) -> None:
        """Count a send that did not wait, once Telegram has had it: bulk sends leave room for it, its chat rests."""
        self._overall.spent(horizon=1.0)
        if chat_id is not None:
            self._sent_to(chat_id)

    def departure_wait(self) -> float:
        """Return how long a bulk send about to go out waits: out a pause, or until the last second has room (0: go)."""
        now = self._clock()
        while self._last_second and self._last_second[0] <= now - _SECOND:
            self._last_second.popleft()
        full = len(self._last_second) >= self._most_in_a_second
        room = self._last_second[-self._most_in_a_second] + _SECOND - now if full else 0.0
        return max(self.paused_for(), room)

    def departing(self) -> None:
        """Count a bulk send going out now among the last second's sends."""
        self._going_out()

    def _going_out(self) -> None:
        """Note a send going out now, keeping only as many as the last second can hold."""
        self._last_second.append(self._clock())
        if len(self._last_second) > self._most_in_a_second:
            self._last_second.popleft()

    def pause(self, seconds: float) -> None:
        """Hold every bulk send back for `seconds` from now, as Telegram's retry_after asks."""
        self._bulk.pause(seconds)
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def paused_for(self) -> float:
        """Return how long bulk sends are still held back, slots taken before the pause included (0: not)."""
        return max(0.0, self._paused_until - self._clock())

    def chat_rest(self, chat_id: int) -> float:
        """Return how long until this chat has rested `per_chat_seconds` since the bot's last send to it."""
        last = self._last_send.get(chat_id)
        return 0.0 if last is None else max(0.0, last + self._per_chat - self._clock())

    def _sent_to(self, chat_id: int) -> None:
        """Remember a send to a chat now, forgetting chats that have rested (so the map stays small)."""
        now = self._clock()
        if len(self._last_send) >= _CHATS_REMEMBERED:
            self._last_send = {chat: at for chat, at in self._last_send.items() if now - at < self._per_chat}
        self._last_send[chat_id] = now


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
