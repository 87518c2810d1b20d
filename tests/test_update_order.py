"""Updates of different chats run at the same time; each chat's updates run one after another, in order."""

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.telegram.update_order import PerChatOrder


def update_in(chat_id: int, update_id: int) -> Update:
    """Return a text message update from a private chat."""
    user = User(chat_id, "Pat", is_bot=False)
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, date=datetime.now(UTC), chat=chat, from_user=user, text="hi")
    return Update(update_id, message=message)


async def test_one_chats_updates_wait_for_each_other_while_another_chat_goes_ahead() -> None:
    """A's second update starts only after A's first ends; B's runs meanwhile, and the order of starts is kept."""
    processor = PerChatOrder(max_concurrent_updates=8)
    release_first = asyncio.Event()
    events: list[str] = []

    async def handle(name: str, hold: asyncio.Event | None = None) -> None:
        """Note the start, wait if told to, note the end."""
        events.append(f"{name} start")
        if hold is not None:
            await hold.wait()
        events.append(f"{name} end")

    tasks = [
        asyncio.create_task(processor.process_update(update_in(1, 1), handle("A1", release_first))),
        asyncio.create_task(processor.process_update(update_in(1, 2), handle("A2"))),
        asyncio.create_task(processor.process_update(update_in(2, 3), handle("B1"))),
    ]
    await asyncio.sleep(0.05)
    assert events == ["A1 start", "B1 start", "B1 end"], "B went ahead; A2 waits behind A1"
    release_first.set()
    await asyncio.gather(*tasks)
    assert events[3:] == ["A1 end", "A2 start", "A2 end"]


async def test_a_chats_line_is_forgotten_once_it_is_empty() -> None:
    """Nothing is kept for a chat after its last update: memory does not grow with the number of chats."""
    processor = PerChatOrder(max_concurrent_updates=8)

    async def nothing() -> None:
        """Do nothing."""

    await asyncio.gather(*(processor.process_update(update_in(chat, chat), nothing()) for chat in range(1, 50)))
    assert processor._last_in_line == {}
