"""The Bot API calls shared among connection pools (bot/telegram/pools.py): each call to the next pool in turn."""

from typing import Any

import pytest
from telegram.request import HTTPXRequest

from bot.telegram import pools as pools_module
from bot.telegram.pools import SharedPools


async def test_calls_take_the_pools_in_turn_with_their_timeouts_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Six calls through three pools go to each pool twice, in turn, each with the call's own arguments."""
    pools = SharedPools(connections=5, pools=3)
    seen: list[tuple[int, str, Any]] = []

    def recorder(index: int) -> Any:
        """Return a stand-in for one pool's do_request that notes the call."""

        async def do_request(url: str, method: str, request_data: Any = None, **timeouts: Any) -> tuple[int, bytes]:
            """Note which pool made the call, its URL and its read timeout."""
            seen.append((index, url, timeouts["read_timeout"]))
            return 200, b"{}"

        return do_request

    for index, pool in enumerate(pools._pools):
        monkeypatch.setattr(pool, "do_request", recorder(index))
    for call in range(6):
        assert await pools.do_request(f"https://api.example/{call}", "POST", read_timeout=call) == (200, b"{}")
    assert seen == [(call % 3, f"https://api.example/{call}", call) for call in range(6)]


async def test_every_pool_may_grow_to_the_whole_limit_and_opens_and_closes_with_the_bot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each pool is an HTTPXRequest sized to the whole limit; initialize and shutdown reach all of them."""
    sizes: list[int] = []

    def sized(connection_pool_size: int) -> HTTPXRequest:
        """Make a real pool, noting the size asked for."""
        sizes.append(connection_pool_size)
        return HTTPXRequest(connection_pool_size=connection_pool_size)

    monkeypatch.setattr(pools_module, "HTTPXRequest", sized)
    pools = SharedPools(connections=7, pools=2)
    assert sizes == [7, 7]
    await pools.initialize()
    assert not any(pool._client.is_closed for pool in pools._pools)
    await pools.shutdown()
    assert all(pool._client.is_closed for pool in pools._pools)
