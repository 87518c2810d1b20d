"""Database trips and Bot API calls per kind of update, each held to what it costs today (tests/benchmarks/trips.py).

A read or write added to an update, or a call, fails its row here: lower the figure when an update gets cheaper.
"""

import pytest

from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from tests.benchmarks.trips import KINDS, World, measure
from tests.conftest import Clock, RunningBot

# (database trips, Bot API calls) at most, per kind of update.
LIMITS = {
    "menu tap": (1, 2),
    "/menu": (1, 1),
    "/start, known patient": (1, 2),
    "/checkin": (6, 1),
    "check-in answer": (6, 2),
    "Back": (5, 2),
    "Cancel": (3, 2),
    "last answer, advice": (11, 2),
    "typed temperature": (8, 1),
    "typed red flag": (21, 4),
    "onboarding press": (2, 3),
    "settings press": (3, 2),
    "staff acknowledge": (8, 2),
}


def test_every_kind_has_its_limits() -> None:
    """The limits cover every kind the benchmark counts, and no other."""
    assert set(LIMITS) == set(KINDS)


@pytest.mark.parametrize("kind", list(LIMITS))
async def test_an_update_makes_no_more_trips_and_calls_than_its_limit(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, kind: str
) -> None:
    """One update of this kind costs at most its trips to the database thread and its Bot API calls."""
    tally = await measure(World(bot, fake_telegram, en, clock), kind)
    trips, calls = LIMITS[kind]
    assert tally.trips <= trips, f"{kind}: {tally.trips} trips to the database thread, at most {trips} expected"
    assert tally.calls <= calls, f"{kind}: {tally.calls} Bot API calls, at most {calls} expected"
