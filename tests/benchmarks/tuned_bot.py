"""Our bot with another number of updates in flight: `BENCH_IN_FLIGHT=16 python -m tests.benchmarks.tuned_bot`.

The latency benchmark runs it to measure each setting beside the one the bot ships with; nothing else differs.
"""

import os
import sys

from bot import __main__ as launched
from bot.telegram import update_order

if __name__ == "__main__":
    update_order.MAX_CONCURRENT_UPDATES = int(os.environ["BENCH_IN_FLIGHT"])
    sys.exit(launched.main())
