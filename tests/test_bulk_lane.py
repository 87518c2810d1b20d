"""The outbox's bulk lane while Telegram is slow to answer: several sends out at once, in order, never two to a chat.

In process, with the services' real SendPace at the default 20 a second and a stand-in for Telegram that answers each
send after SLOW seconds: one send at a time would manage 1 / SLOW a second, so the lane must overlap them to keep
its rate. What is asserted is how the sends overlap (counted as they go), not how long they took.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import cast

import pytest
from telegram.error import RetryAfter

from bot.care.services import Services
from bot.config import Settings
from bot.content.packs import Content
from bot.domain.records import Delivery, DeliveryKind
from bot.domain.triage import TriageRules
from bot.outbox.worker import Outbox, bulk_width
from bot.storage import Database
from bot.storage.outbox import BULK, Message
from bot.telegram.request_layer import ApiBot
from tests.conftest import Clock, shipped_reader

SLOW = 0.2  # seconds Telegram takes to answer each send: 4 sends' worth of slots at 20 a second
PATIENTS = range(9_001, 9_013)
TWICE = (9_001, 9_002)  # patients with a second row, queued after everyone's first


class SlowTelegram:
    """Answers each send after SLOW seconds, counting the sends out at once, in all and to each chat."""

    def __init__(self, refuse_first: bool = False) -> None:
        self.refuse_first = refuse_first  # answer the first send with a 429 that outlasted the request layer's waits
        self.out: Counter[int] = Counter()
        self.most_out = 0
        self.most_to_one_chat = 0
        self.started: list[int] = []  # delivery ids, as their sends began
        self.answered: list[int] = []
        self.started_by_refusal = 0  # sends started when the 429 came back

    async def send(self, _bot: ApiBot, delivery: Delivery) -> None:
        """Take one row's send, answer it after SLOW seconds (a Send of the outbox)."""
        chat_id = delivery.chat_id or delivery.user_id
        self.started.append(delivery.id)
        self.out[chat_id] += 1
        self.most_out = max(self.most_out, self.out.total())
        self.most_to_one_chat = max(self.most_to_one_chat, self.out[chat_id])
        try:
            await asyncio.sleep(SLOW)
            if self.refuse_first and len(self.answered) == 0:
                self.answered.append(delivery.id)
                self.started_by_refusal = len(self.started)
                raise RetryAfter(timedelta(seconds=30))
            self.answered.append(delivery.id)
        finally:
            self.out[chat_id] -= 1


@pytest.fixture
async def services(settings: Settings, content: Content, rules: TriageRules, clock: Clock) -> AsyncIterator[Services]:
    """The services on a fresh database, with a reminder row due for each patient, and a second for two of them."""
    services = Services(settings=settings, content=content, rules=rules, reader=shipped_reader(), clock=clock)
    async with await Database.open(settings.database_path) as database:
        services.attach_database(database)
        for user_id in PATIENTS:
            await database.patients.add_consented(user_id, "en", clock.now)
        for user_id in (*PATIENTS, *TWICE):
            await database.outbox.add(
                DeliveryKind.REMINDER, user_id, Message(chat_id=user_id), due_at=clock.now, now=clock.now
            )
        yield services


def user_of(ids: list[int]) -> dict[int, int]:
    """Return each delivery id's patient, as the rows were queued (ids count up from 1)."""
    queued = [*PATIENTS, *TWICE]
    return {delivery_id: queued[delivery_id - 1] for delivery_id in ids}


async def test_while_telegram_is_slow_several_sends_are_out_at_once_in_order_and_never_two_to_one_chat(
    services: Services,
) -> None:
    """At 200 ms an answer, the lane overlaps sends (within its width), each chat's rows in order, one at a time."""
    telegram = SlowTelegram()
    outbox = Outbox(services, {DeliveryKind.REMINDER: telegram.send}, {})
    await outbox.run_due(cast("ApiBot", object()))
    assert 1 < telegram.most_out <= bulk_width(services.settings.broadcast_rate), telegram.most_out
    assert telegram.most_to_one_chat == 1, "never two sends to one chat at once"
    users = user_of(telegram.started)
    for user_id in TWICE:
        mine = [delivery_id for delivery_id in telegram.started if users[delivery_id] == user_id]
        assert len(mine) == 2
        assert mine == sorted(mine), "a chat's rows go out in the order they were queued"
    assert sorted(telegram.answered) == list(range(1, len(PATIENTS) + len(TWICE) + 1)), "every row once"
    assert await services.database.outbox.due(BULK, services.clock(), 99) == []


async def test_a_429_while_several_are_out_lets_them_finish_and_starts_no_other(services: Services) -> None:
    """The first send's 429 ends the round: the sends already out are answered, none starts after, the rest wait."""
    telegram = SlowTelegram(refuse_first=True)
    outbox = Outbox(services, {DeliveryKind.REMINDER: telegram.send}, {})
    await outbox.run_due(cast("ApiBot", object()))
    refused, *others = telegram.answered
    assert others, "sends were out beside the refused one"
    assert len(telegram.started) == telegram.started_by_refusal, "none started after the 429 came back"
    assert sorted(telegram.started) == sorted(telegram.answered), "every send out was answered"
    pending = {
        due.delivery.id: due.delivery.attempts for due in await services.database.outbox.due(BULK, services.clock(), 99)
    }
    assert pending[refused] == 1, "the refused row is due again, its try counted"
    assert set(pending) == set(range(1, len(PATIENTS) + len(TWICE) + 1)) - set(others), "the rest wait, untried"
