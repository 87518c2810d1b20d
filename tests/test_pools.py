"""The Bot API calls shared among connection pools (bot/telegram/pools.py): each call to the next pool in turn."""

import ssl
from typing import Any

import pytest
from telegram.request import HTTPXRequest

from bot.telegram import pools as pools_module
from bot.telegram.pools import bot_api_requests


async def test_calls_take_the_pools_in_turn_with_their_timeouts_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Six calls through three pools go to each pool twice, in turn, each with the call's own arguments."""
    pools, _ = bot_api_requests(connections=5, pools=3)
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


async def test_every_pool_may_grow_to_the_whole_limit_shares_one_tls_context_and_opens_and_closes_with_the_bot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each pool may hold the whole limit (the long poll's 1), all share one TLS context, all open and close."""
    made: list[tuple[int, Any]] = []

    def noted(connection_pool_size: int, httpx_kwargs: dict[str, Any]) -> HTTPXRequest:
        """Make a real pool, noting the size and the TLS context asked for."""
        made.append((connection_pool_size, httpx_kwargs["verify"]))
        return HTTPXRequest(connection_pool_size=connection_pool_size, httpx_kwargs=httpx_kwargs)

    monkeypatch.setattr(pools_module, "HTTPXRequest", noted)
    pools, _ = bot_api_requests(connections=7, pools=2)
    assert [size for size, _ in made] == [7, 7, 1]
    assert isinstance(made[0][1], ssl.SSLContext)
    assert all(tls is made[0][1] for _, tls in made), "each pool loaded the CA bundle again"
    await pools.initialize()
    assert not any(pool._client.is_closed for pool in pools._pools)
    await pools.shutdown()
    assert all(pool._client.is_closed for pool in pools._pools)
