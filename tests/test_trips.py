"""Database trips, commits and Bot API calls per kind of update, each held to today's cost (tests/benchmarks/trips.py).

A read or write added to an update, a commit or a call fails its row here: lower the figure when an update gets cheaper.
"""

import pytest

from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from tests.benchmarks.trips import KINDS, World, measure
from tests.conftest import Clock, RunningBot

# (database trips, commits among them, Bot API calls) at most, per kind of update; where it differs, what the same count
# gave before the trips were cut (main at 7abd206) is in the comment.
LIMITS = {
    "menu tap": (1, 0, 2),
    "/menu": (1, 0, 1),
    "/start, known patient": (1, 0, 2),
    "/checkin": (3, 2, 1),  # before: (6, 2, 1)
    "check-in answer": (2, 1, 2),  # before: (6, 1, 2)
    "Back": (5, 1, 2),
    "Cancel": (2, 1, 2),  # before: (3, 1, 2)
    "last answer, advice": (7, 2, 2),  # before: (11, 3, 2)
    "typed temperature": (3, 2, 1),  # before: (8, 2, 1)
    "typed red flag": (16, 6, 4),  # before: (21, 6, 4)
    "onboarding press": (2, 1, 3),
    "settings press": (3, 1, 2),
    "staff acknowledge": (6, 2, 2),  # before: (8, 2, 2)
}


def test_every_kind_has_its_limits() -> None:
    """The limits cover every kind the benchmark counts, and no other."""
    assert set(LIMITS) == set(KINDS)


@pytest.mark.parametrize("kind", list(LIMITS))
async def test_an_update_makes_no_more_trips_and_calls_than_its_limit(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, kind: str
) -> None:
    """One update of this kind costs at most its trips to the database thread, its commits and its Bot API calls."""
    tally = await measure(World(bot, fake_telegram, en, clock), kind)
    trips, commits, calls = LIMITS[kind]
    assert tally.trips <= trips, f"{kind}: {tally.trips} trips to the database thread, at most {trips} expected"
    assert tally.commits <= commits, f"{kind}: {tally.commits} commits, at most {commits} expected"
    assert tally.calls <= calls, f"{kind}: {tally.calls} Bot API calls, at most {calls} expected"
