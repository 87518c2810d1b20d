"""Updates of different chats are handled at the same time; the updates of one chat, strictly one after another.

python-telegram-bot handles one update at a time by default, so every patient waits for every other patient's
database and Bot API round trips. This processor lets a patient's update run while another's waits on the network
or the database, and keeps each chat's updates in the order Telegram sent them (a check-in answer never overtakes
the one before it). Updates without a chat are ordered by their user; the few with neither share one line.

The order of arrival is kept because the library hands updates over in order: it starts one task per update, in
order, and each takes the library's semaphore (first come, first served) before reaching `do_process_update`,
where the update joins the end of its chat's line before anything else is awaited.
"""

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Enough to keep patients moving while each update waits on Telegram (30-150 ms a call), few enough that CPU per
# update does not grow: each update in flight holds its own HTTP connection, and httpcore checks every pooled
# connection on every request. Latency benchmark (tests/benchmarks/latency.py, 2 shared cores, 2026-12-03), closed
# loops at 100 ms a call, 60 / 300 patients, updates/s (CPU per update): 4 in flight 25 / 26 (12.6 / 12.0 ms),
# 16 in flight 41 / 38 (13.2 / 15.1 ms), 64 in flight 21 / 37 (18.3 / 19.6 ms); the bare bot with 256: 27 / 27
# (18.5 / 29.5 ms). At 0 ms, 300 patients: 4 in flight 44 updates/s (11.2 ms), 16: 72 (11.8 ms), 64: 67 (12.9 ms).
# The CPU 16 cost over 4 at 0 ms was httpcore's pool check, quadratic in pooled connections (README, "Where the CPU at
# 0 ms goes"): 17% of the samples with 16 in flight, 7-8% with 4; with the calls shared among four pools (pools.py)
# 8% and 2-3%, and 16 no longer costs more CPU per update than 4.
MAX_CONCURRENT_UPDATES = 16


class PerChatOrder(BaseUpdateProcessor):
    """Runs updates of different chats concurrently, and each chat's updates in their order of arrival."""

    def __init__(self, max_concurrent_updates: int | None = None) -> None:
        super().__init__(max_concurrent_updates or MAX_CONCURRENT_UPDATES)
        self._last_in_line: dict[int | None, asyncio.Event] = {}  # per chat: set once its newest update is handled

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait until the chat's previous update has been handled, then handle this one."""
        key = _line_of(update)
        previous = self._last_in_line.get(key)
        handled = self._last_in_line[key] = asyncio.Event()
        try:
            if previous is not None:
                await previous.wait()
            await coroutine
        finally:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # never started (cancelled while waiting in line): no "never awaited" warning
            handled.set()
            if self._last_in_line.get(key) is handled:
                del self._last_in_line[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def connections_for(updates_in_flight: int, bulk_in_flight: int) -> int:
    """Return the HTTP connections the bot's calls need: three per update in flight, the bulk sends, a few more.

    An update may have three calls out at once (a press answered while the patient's advice is sent and the clinic's
    alert posted; a staff removal answered while the list is redrawn and the commands withdrawn); the outbox's bulk
    lane up to its width; its urgent lane, the minute's jobs and a broadcast's progress a few more. A call finding
    the pool full waits and then fails with PoolTimeout, so the pool is sized to what can be out at once, not left
    at the library's 256.
    """
    return 3 * updates_in_flight + bulk_in_flight + 6


def _line_of(update: object) -> int | None:
    """Return the line an update waits in: its chat, else its user, else the shared line for neither."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
