"""Run the benchmarks and print their table: `python -m tests.benchmarks [--only NAME ...] [--smoke]`."""

import argparse
import asyncio
import os
import platform
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from tests.benchmarks.harness import Figure, Scale, table

Benchmark = Callable[[Scale], Awaitable[list[Figure]]]


def registered() -> dict[str, Benchmark]:
    """Return every benchmark by name, in the order the table shows them."""
    found: dict[str, Benchmark] = {}
    # benchmarks: each helper registers its module's run() here
    from tests.benchmarks import broadcasting

    found["broadcasting"] = broadcasting.run
    from tests.benchmarks import startup

    found["startup"] = startup.run
    from tests.benchmarks import storage_scale

    found["storage"] = storage_scale.run
    from tests.benchmarks import answering

    found["answering"] = answering.run
    from tests.benchmarks import reading

    found["reading"] = reading.run
    from tests.benchmarks import outbox_priority

    found["outbox"] = outbox_priority.run
    from tests.benchmarks import latency

    found["latency"] = latency.run
    from tests.benchmarks import instructions

    found["instructions"] = instructions.run
    from tests.benchmarks import commits

    found["commits"] = commits.run
    from tests.benchmarks import trips

    found["trips"] = trips.run
    return found


def _machine() -> str:
    """Describe the machine the figures come from."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


async def _run(names: list[str], scale: Scale) -> list[Figure]:
    """Run the chosen benchmarks one after another and collect their figures."""
    benchmarks = registered()
    figures: list[Figure] = []
    for name in names or list(benchmarks):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        figures.extend(await benchmarks[name](scale))
    return figures


def main() -> None:
    """Parse the arguments, run the benchmarks and print the table with the machine it ran on."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--only", nargs="*", default=[], choices=sorted(registered()), help="run just these")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check that the benchmarks still run")
    arguments = parser.parse_args()
    figures = asyncio.run(_run(arguments.only, Scale.SMOKE if arguments.smoke else Scale.FULL))
    print(f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()}\n")
    print(table(figures))


if __name__ == "__main__":
    main()
