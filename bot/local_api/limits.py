"""Telegram's flood limits and random faults, switched on in the local Bot API for tests."""

import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.local_api.errors import ApiError


@dataclass
class RateLimit:
    """Telegram's flood limits, switched on with `fake.rate_limit = RateLimit()`: a send past them gets a real 429.

    Every send* call counts (not edits, button answers or reads): at most `overall` in any `window` seconds across all
    chats, and one per `per_chat` seconds to each chat. `refused` holds (method, chat_id) of each 429 it gave. `clock`
    (seconds) is real time unless a test moves its own, so that a burst is one whatever the machine's speed.
    """

    overall: int = 30
    window: float = 1.0
    per_chat: float = 1.0
    clock: Callable[[], float] = time.monotonic
    refused: list[tuple[str, int]] = field(default_factory=list)
    _recent: deque[float] = field(default_factory=deque)
    _last_by_chat: dict[int, float] = field(default_factory=dict)

    def check(self, method: str, params: dict[str, Any], now: float) -> None:
        """Count a send, or raise the 429 Telegram would give for it (retry_after 1, as Telegram rounds up)."""
        if not method.startswith("send") or method == "sendchataction":
            return
        chat_id = int(params.get("chat_id") or 0)
        while self._recent and now - self._recent[0] >= self.window:
            self._recent.popleft()
        last = self._last_by_chat.get(chat_id)
        if len(self._recent) >= self.overall or (last is not None and now - last < self.per_chat):
            self.refused.append((method, chat_id))
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._recent.append(now)
        self._last_by_chat[chat_id] = now


@dataclass
class Latency:
    """Telegram's round trip, switched on with `fake.latency = Latency(100, 20)`: each call waits before it is run.

    A real bot waits 30-150 ms for every Bot API call; against a local server it waits nothing, so concurrency tuned
    there is wrong for Telegram. Every call but getUpdates (whose long poll waits on its own) is run and answered
    `ms` milliseconds, give or take up to `jitter_ms` (uniformly, drawn from `seed`), after it arrives.
    """

    ms: float = 100.0
    jitter_ms: float = 0.0
    seed: int = 0
    _draw: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Start the seeded draw of the jitter."""
        self._draw = random.Random(self.seed)  # noqa: S311 (a repeatable delay, not a secret)

    def delay(self, method: str) -> float:
        """Return the seconds this call waits before it is run: none for getUpdates, else the latency with jitter."""
        if method.lower() == "getupdates":
            return 0.0
        jitter = self._draw.uniform(-self.jitter_ms, self.jitter_ms) if self.jitter_ms else 0.0
        return max(0.0, self.ms + jitter) / 1000


@dataclass
class Faults:
    """Random faults, switched on with `fake.faults = Faults(rate=0.10, seed=1)`: that share of the bot's calls fail.

    Every call but getUpdates counts (the Updater retries its long polls itself, and a lost poll loses nothing). Each
    fault is drawn from the seed, the method, the chat and how many calls of that method went to that chat before, so
    a chat whose calls come one after another sees the same faults whatever the other chats do. The kinds:
    - "429": Too Many Requests with retry_after 1; the call did not take effect;
    - "502", "500": a gateway or server error; the call did not take effect;
    - "dropped_before": the connection is closed before the call is run (a network failure on the way in);
    - "dropped_after": the call IS run (a message is delivered) and then the connection is closed without an
      answer, as when a response is lost on the way back or a read times out: the bot sees a network error and
      cannot know that the call took effect, which is how duplicates happen in real life;
    - "403" (only with `fake.fault_next`): Forbidden, as when the bot was removed from a group;
    - "timeout_before": no answer until the bot's read timeout has passed, and the call is never run (it did not
      reach Telegram); "timeout_after": the call IS run, then no answer until the bot has timed out (only targeted
      with `fake.fault_next`, since each costs the bot's whole read timeout).
    `injected` counts the faults given, by kind.
    """

    rate: float = 0.10
    seed: int = 0
    kinds: tuple[str, ...] = ("429", "502", "500", "dropped_before", "dropped_after")
    injected: Counter[str] = field(default_factory=Counter)
    _seen: Counter[tuple[str, str]] = field(default_factory=Counter)

    def pick(self, method: str, params: dict[str, Any]) -> str | None:
        """Return the fault for this call (and count it), or None to answer it normally."""
        if method.lower() == "getupdates":
            return None
        chat_id = params.get("chat_id") or params.get("callback_query_id") or 0
        key = (method.lower(), str(chat_id))
        self._seen[key] += 1
        draw = random.Random(f"{self.seed}:{key[0]}:{key[1]}:{self._seen[key]}")  # noqa: S311 (repeatable faults, not secrets)
        if draw.random() >= self.rate:
            return None
        kind = draw.choice(self.kinds)
        self.injected[kind] += 1
        return kind
