"""The bot's Bot API calls shared among a few connection pools, each call to the next pool in turn.

httpcore's connection pool checks its connections on every request and every answer in a way that grows with the
square of how many it keeps open (encode/httpcore#1035). With 16 updates in flight the bot keeps 30 to 50 open, and
that check alone took 17% of its CPU at full load (README, "Where the CPU at 0 ms goes"). Several pools, each opening
only the connections its share of the calls needs, make the same calls with a fraction of that work. Each pool may
grow to the whole limit, so a burst landing unevenly never waits for a connection where one pool alone would not.

All the pools, and the long poll's own, share one TLS context: each HTTPXRequest would otherwise load the CA bundle
again (about 60 ms each), and the bot starts again after every crash or deploy.
"""

import ssl
from itertools import cycle
from typing import Any

import httpx
from telegram.request import BaseRequest, HTTPXRequest, RequestData

POOLS = 4


def bot_api_requests(connections: int, pools: int = POOLS) -> tuple["SharedPools", HTTPXRequest]:
    """Return the requests for the bot's calls and for its long poll, with one TLS context between them."""
    tls = httpx.create_ssl_context()
    return SharedPools(connections, pools, tls), HTTPXRequest(connection_pool_size=1, httpx_kwargs={"verify": tls})


class SharedPools(BaseRequest):
    """Makes each Bot API call through the next of several HTTPXRequest pools, in turn."""

    def __init__(self, connections: int, pools: int, tls: ssl.SSLContext) -> None:
        self._pools = [
            HTTPXRequest(connection_pool_size=connections, httpx_kwargs={"verify": tls}) for _ in range(pools)
        ]
        self._next = cycle(self._pools)

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout, the same for every pool."""
        return self._pools[0].read_timeout

    async def initialize(self) -> None:
        """Open every pool."""
        for pool in self._pools:
            await pool.initialize()

    async def shutdown(self) -> None:
        """Close every pool."""
        for pool in self._pools:
            await pool.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,  # each passed on as given (its type is the library's own)
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make the call through the next pool."""
        return await next(self._next).do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
