"""The Instructions benchmark: the work each update costs the bot, counted in instructions rather than CPU seconds.

CPU seconds per update on two shared cores move by 10-20% between two runs of the same bot, more than the
differences the latency benchmark looks for (the number of updates in flight, one database trip less). Here every
bot runs under valgrind's callgrind, which counts the instructions the process executes in user space (not the
kernel's system calls): two runs of the same bot agree within 2%, whatever else the machine is doing.

Each bot (the latency benchmark's contenders but the bare one: ours as shipped, LATENCY_IN_FLIGHT's settings and
LATENCY_BEFORE's checkout) starts under callgrind with counting off, against a fake answering every call at once
(0 ms: the CPU-bound case, where the number in flight could cost work). The same patients as in the latency
benchmark take their first turn (a menu visit or a check-in: a command and its taps) all at once, in closed loops,
until every update is answered; then counting goes on (callgrind_control), every patient takes MEASURED turns more,
and once the last is answered the count is dumped. Nothing is in flight when counting starts or ends, so the count
is exactly the work of those updates (and of the polling between them). Without valgrind (and at the smoke size,
where starting under valgrind would take half a minute) the same protocol counts CPU seconds from /proc instead.
"""

import asyncio
import itertools
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.local_api import LocalTelegram, LocalUser
from tests.benchmarks.answering import (
    Crowd,
    Replies,
    Step,
    cpu_seconds,
    launch,
    patient_loop,
    patient_turns,
)
from tests.benchmarks.harness import Figure, Scale
from tests.benchmarks.latency import BARE, Contender, contenders, seed_databases
from tests.conftest import TEST_ENV

SECTION = "Instructions"
CALLGRIND = ("valgrind", "--tool=callgrind", "--instr-atstart=no")
SLOW_REPLY_SECONDS = 900.0  # under callgrind a bot runs some 80 times slower; a reply may wait minutes in the queue
SLOW_READY_SECONDS = 300.0
_REPO = Path(__file__).resolve().parents[2]
Turns = Iterator[tuple[Step, ...]]  # a patient's turns, as patient_turns yields them


@dataclass(frozen=True)
class Plan:
    """How big a run is: patients, turns each before counting and while counting, and whether to use callgrind."""

    patients: int
    warm_up: int
    measured: int
    callgrind: bool


PLANS = {
    Scale.FULL: Plan(30, 1, 1, callgrind=True),
    Scale.SMOKE: Plan(2, 1, 2, callgrind=False),
}


class Count:
    """Counts the bot's work between start() and stop(): instructions under callgrind, else CPU seconds."""

    def __init__(self, pid: int, dump: Path | None) -> None:
        self._pid = pid
        self._dump = dump  # callgrind's output file, when the bot runs under it
        self._cpu_before = 0.0

    @property
    def unit(self) -> str:
        """Return what the count is in."""
        return "instructions" if self._dump is not None else "CPU seconds"

    async def start(self) -> None:
        """Start counting from now."""
        if self._dump is None:
            self._cpu_before = cpu_seconds(self._pid)
            return
        await _control("--instr=on", self._pid)
        await _control("--zero", self._pid)

    async def stop(self) -> float:
        """Return the count since start()."""
        if self._dump is None:
            return cpu_seconds(self._pid) - self._cpu_before
        await _control("--dump", self._pid)
        return _summary(self._dump)


async def _control(argument: str, pid: int) -> None:
    """Run callgrind_control on the bot's process."""
    process = await asyncio.create_subprocess_exec(
        "callgrind_control", argument, str(pid), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if await process.wait() != 0:
        raise RuntimeError(f"callgrind_control {argument} failed")


def _summary(dump: Path) -> float:
    """Return the instructions counted in the newest of callgrind's dumps (its files are out.1, out.2, ...)."""
    newest = max(dump.parent.glob(f"{dump.name}.*"), key=lambda path: int(path.suffix[1:]))
    for line in newest.read_text(encoding="ascii", errors="replace").splitlines():
        if line.startswith("summary:"):
            return float(line.split()[1])
    raise RuntimeError(f"no summary in {newest}")


async def _all_take(users: list[LocalUser], turns: list[Turns], count: int, replies: Replies) -> int:
    """Have every patient take `count` turns more in a closed loop, all at once; return how many updates that was."""
    crowd = Crowd(len(users))
    walks = [list(itertools.chain.from_iterable(itertools.islice(walk, count))) for walk in turns]
    loops = (
        patient_loop(user, iter(walk), replies, crowd, reply_within=SLOW_REPLY_SECONDS)
        for user, walk in zip(users, walks, strict=True)
    )
    if unanswered := sum(await asyncio.gather(*loops)):
        raise RuntimeError(f"{unanswered} patients were left unanswered")
    return sum(map(len, walks))


async def _counted(contender: Contender, plan: Plan, env: dict[str, str], workdir: Path, ids: list[int]) -> Figure:
    """Run one bot in its own folder (its database, log and callgrind's dumps): warm up, count, return per update."""
    dump = workdir / "callgrind.out" if plan.callgrind else None
    prefix = (*CALLGRIND, f"--callgrind-out-file={dump}") if dump is not None else ()
    counted: list[tuple[float, int, str]] = []

    async def drive(_fake: LocalTelegram, users: list[LocalUser], replies: Replies, pid: int) -> None:
        """Warm up with nothing counted, then count the measured turns with nothing in flight at either end."""
        turns = [patient_turns(index) for index in range(len(users))]
        await _all_take(users, turns, plan.warm_up, replies)
        count = Count(pid, dump)
        await count.start()
        updates = await _all_take(users, turns, plan.measured, replies)
        counted.append((await count.stop(), updates, count.unit))

    await launch(
        contender.module,
        {**env, **contender.env},
        ids,
        workdir / "bot.log",
        drive,
        prefix=prefix,
        ready_within=SLOW_READY_SECONDS if plan.callgrind else None,
    )
    [(total, updates, unit)] = counted
    return Figure(SECTION, f"0 ms, {plan.patients} patients, {contender.name}: {unit} per update", total / updates, "")


async def run(scale: Scale) -> list[Figure]:
    """Count each contender's work per update on its own copy of the seeded patients; then ours over the others."""
    plan = PLANS[scale]
    if plan.callgrind and shutil.which("valgrind") is None:
        plan = Plan(plan.patients, plan.warm_up, plan.measured, callgrind=False)
    bots = [bot for bot in contenders() if bot.name != BARE]  # at 256 in flight it would take half an hour here
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="instructions-") as folder:
        workdir = Path(folder)
        seeded, ids = await seed_databases(bots, workdir, plan.patients)
        env = {**TEST_ENV, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(_REPO)}
        for contender in bots:
            own = Path(tempfile.mkdtemp(dir=workdir))
            database = own / "bot.sqlite3"
            shutil.copyfile(seeded[contender.name], database)
            figures.append(await _counted(contender, plan, {**env, "DATABASE_PATH": str(database)}, own, ids))
    ours = figures[0].value
    figures += [
        Figure(SECTION, f"ours / {bot.name}", ours / figure.value, "")
        for bot, figure in zip(bots[1:], figures[1:], strict=True)
        if figure.value > 0
    ]
    return figures
