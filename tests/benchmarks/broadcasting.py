"""Broadcasting: a broadcast to 10,000 patients through a fake server with Telegram's limits, and check-ins meanwhile.

Each run seeds the recipients (tests/benchmarks/population.py) on days 4 to 14 of recovery and a pool of patients on
days 1 to 3 who check in, starts `python -m bot` against a fresh fake Bot API server with BROADCAST_RATE set, and has
a staff member compose a text broadcast with the bot's own commands and buttons, to the "Days 4-14" audience: every
recipient and none of the patients checking in. Just before Send now is pressed the fake's RateLimit goes on: at
most 30 send* calls in any second overall and one a second per chat, past which it answers a real 429 (composing
sends the staff member three messages at once, which a real private chat allows).

The first half of the broadcast goes out alone. From the halfway message on, patients check in one after another in
a closed loop (press, wait for the bot's reply to reach the fake, press again; answering.py's loop), each a whole
check-in, then the next patient; both halves are measured in the same run. One patient
checking in over and over would measure the per-chat limit instead: each of their /checkin commands gets a new
message, several a second to one chat. Each check-in's first reply is a sendMessage, so it counts towards
the 30 a second with the broadcast's.

The delivery times are split into windows of a fixed number of messages; each half's achieved rate is the median
over its windows of messages per second (intervals between deliveries over the window's span), and the check-in
latency is the median over the second half's windows of each window's p95 (from a press queued at the fake to the
bot's reply call for it). 429s are counted from the fake's calls (each one RateLimit refused), by half.
One run of 10,000 recipients takes minutes, so FULL makes one run per rate and the medians are over windows.
`BROADCAST_BEFORE=/path/to/an/older/checkout` also runs that checkout's bot right after ours at each rate, for a
before and after on the same machine minutes apart; `BROADCAST_RATES=20` runs only the rates listed.
`BROADCAST_LATENCY_MS=100` makes the fake answer every call after that many milliseconds (± a fifth, as
latency.py's `Latency`), as Telegram does, instead of at once.
"""

import asyncio
import functools
import itertools
import os
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from bot.app.root import utc_now
from bot.config import load_settings
from bot.content.packs import LanguagePack, load_content
from bot.domain.treatment_dates import local_today
from bot.local_api import ApiCall, Latency, LocalTelegram, LocalUser, RateLimit
from bot.telegram import callbacks
from tests.benchmarks.answering import CHECKIN_ANSWERS, Crowd, Replies, Step, patient_loop
from tests.benchmarks.harness import Figure, Scale, median, percentile
from tests.benchmarks.population import seed_patients, seed_with
from tests.broadcast_steps import STAFF, broadcast_id_of, choose_audience, compose_text, wait_for_report
from tests.conftest import TEST_ENV
from tests.test_process import STAFF_CHAT, BotProcess, launch

SECTION = "broadcasting"
TEXT = "Holiday hours: the clinic is closed on December 25 and 26. Reply here if anything worries you."
AUDIENCE = "days_4_14"  # the preset button: days 4 to 14 of recovery
FIRST_RECIPIENT_DAY, LAST_RECIPIENT_DAY = 4, 14
CHECKER_DAYS = 3  # the patients checking in are on days 1 to 3, outside the audience
FIRST_CHECKER_ID = 3_000_000  # above every recipient's id
TARGET_RATIO, TARGET_P95_SECONDS = 0.95, 1.0
LATE_REMINDER = time(23, 59)  # seeded patients' reminders stay out of the broadcast's minutes
READY_TIMEOUT_SECONDS = 60.0
REPORT_WAIT = (3.0, 60.0)  # the report may take 3 times recipients / rate, and this many seconds more
SETTINGS = load_settings(TEST_ENV)


@dataclass(frozen=True)
class Plan:
    """How big a scale's runs are: recipients, patients who check in, the rates tried, and messages per window."""

    recipients: int
    checkers: int
    rates: tuple[int, ...]
    window: int


PLANS = {
    Scale.FULL: Plan(recipients=10_000, checkers=3_000, rates=(20, 25), window=1_000),
    Scale.SMOKE: Plan(recipients=40, checkers=20, rates=(25,), window=10),
}


@dataclass(frozen=True)
class RunResult:
    """What one broadcast at one rate measured."""

    deliveries: list[float]  # when each broadcast message reached the fake, in order
    latencies: list[tuple[float, float]]  # (reply time, seconds) of each check-in reply
    refused: list[tuple[float, bool]]  # (time, to a patient checking in) of each 429 the fake gave
    unanswered: int  # check-in updates left without a reply


class CheckinReplies(Replies):
    """Hands the bot's replies to the patient checking in, passing over any broadcast message."""

    def heard(self, call: ApiCall, result: Any) -> None:
        """Pass a reply on unless it is the broadcast's message (a listener of the fake)."""
        if call.params.get("text") != TEXT:
            super().heard(call, result)


class Deliveries:
    """Notes when each broadcast message reached a recipient (a listener of the fake)."""

    def __init__(self, recipients: set[int]) -> None:
        self.times: list[float] = []
        self.halfway = asyncio.Event()  # set once half the recipients have their message
        self._recipients = recipients

    def heard(self, call: ApiCall, _result: Any) -> None:
        """Note an accepted sendMessage of the broadcast's text to a recipient."""
        broadcast = call.method.lower() == "sendmessage" and call.params.get("text") == TEXT
        if broadcast and int(call.params.get("chat_id") or 0) in self._recipients:
            self.times.append(call.time)
            if len(self.times) * 2 >= len(self._recipients):
                self.halfway.set()


def one_checkin(*, again: bool) -> Iterator[Step]:
    """Yield the updates of one whole check-in: /checkin, "check in again" if one was done today, every answer."""
    yield Step("/checkin", press=False)
    if again:
        yield Step(callbacks.CHECKIN_AGAIN, press=True)
    yield from CHECKIN_ANSWERS


async def checkins_in_turn(
    checkers: list[LocalUser],
    replies: Replies,
    begin: asyncio.Event,
    crowd: Crowd,
) -> int:
    """From `begin`, have the patients check in in turn (again when all have) until stopped; return unanswered."""
    await begin.wait()
    unanswered = 0
    for again, user in ((turn > 0, user) for turn in itertools.count() for user in checkers):
        if crowd.stop.is_set():
            break
        unanswered += await patient_loop(user, one_checkin(again=again), replies, crowd)
    return unanswered


def _bots() -> dict[str, dict[str, str]]:
    """Return the bots to run by the name their figures carry: ours, and BROADCAST_BEFORE's checkout if set."""
    before = os.environ.get("BROADCAST_BEFORE", "")
    return {"": {}, **({", the bot before": {"PYTHONPATH": before}} if before else {})}


def _latency() -> Latency | None:
    """Return the delay BROADCAST_LATENCY_MS asks the fake to put on every call, or None (answered at once)."""
    ms = float(os.environ.get("BROADCAST_LATENCY_MS") or 0)
    return Latency(ms, ms / 5) if ms else None


def _rates(plan: Plan) -> tuple[int, ...]:
    """Return the rates to try: the plan's, or those BROADCAST_RATES lists."""
    listed = [int(text) for text in os.environ.get("BROADCAST_RATES", "").split(",") if text.strip()]
    return tuple(listed) or plan.rates


async def run(scale: Scale) -> list[Figure]:
    """Broadcast to every seeded recipient once at each rate (with each bot), and report each run's figures."""
    plan = PLANS[scale]
    en = load_content(SETTINGS.content_dir).pack("en")
    figures: list[Figure] = []
    latency = _latency()
    calls = f", {latency.ms:g} ms a call" if latency else ""
    for rate in _rates(plan):
        for who, env in _bots().items():
            result = await _broadcast_once(plan, rate, en, env, latency)
            figures.extend(_figures(result, f"at {rate}/s{calls}{who}", rate, plan))
    return figures


async def _seed(database: Path, plan: Plan, today: date, checkout: str) -> tuple[list[int], list[int]]:
    """Seed the recipients (days 4 to 14 of recovery) and the patients who check in (days 1 to 3); return both.

    With an older checkout (BROADCAST_BEFORE), its own code seeds them, in its own schema.
    """
    seed = functools.partial(seed_with, checkout) if checkout else seed_patients
    recipients = await seed(
        database,
        plan.recipients,
        today=today - timedelta(days=FIRST_RECIPIENT_DAY - 1),
        recovery_days=LAST_RECIPIENT_DAY - FIRST_RECIPIENT_DAY + 1,
        reminder_time=LATE_REMINDER,
    )
    checkers = await seed(
        database,
        plan.checkers,
        today=today,
        first_user_id=FIRST_CHECKER_ID,
        recovery_days=CHECKER_DAYS,
        reminder_time=LATE_REMINDER,
    )
    return recipients, checkers


async def _broadcast_once(
    plan: Plan, rate: int, en: LanguagePack, bot_env: dict[str, str], latency: Latency | None
) -> RunResult:
    """Seed the patients, start the bot (with bot_env) at this rate and latency, broadcast with check-ins, stop it."""
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as folder:
        database = Path(folder) / "bot.sqlite3"
        today = local_today(utc_now(), SETTINGS.clinic_timezone)
        recipients, checkers = await _seed(database, plan, today, bot_env.get("PYTHONPATH", ""))
        fake = LocalTelegram()
        fake.latency = latency
        await fake.start()
        try:
            fake.group(STAFF_CHAT, "Clinic staff")
            for user_id in recipients:
                fake.user(user_id, "Patient")
            users = [fake.user(user_id, "Checking in") for user_id in checkers]
            overrides = {"DATABASE_PATH": str(database), "BROADCAST_RATE": str(rate), "LOG_LEVEL": "WARNING", **bot_env}
            running = await launch(Path(folder), {**TEST_ENV, "TELEGRAM_API_URL": fake.url, **overrides})
            try:
                await fake.wait_polling(timeout=READY_TIMEOUT_SECONDS)
                return await _measure(fake, running, recipients, users, rate, en)
            finally:
                await running.stop(signal.SIGKILL)
        finally:
            await fake.stop()


async def _measure(
    fake: LocalTelegram,
    running: BotProcess,
    recipients: list[int],
    checkers: list[LocalUser],
    rate: int,
    en: LanguagePack,
) -> RunResult:
    """Compose and send the broadcast as staff, have patients check in until the report comes, and collect."""
    deliveries = Deliveries(set(recipients))
    replies = CheckinReplies()
    fake.call_listeners += [deliveries.heard, replies.heard]
    staff = fake.user(STAFF, "Staff")
    await compose_text(staff, en, TEXT)
    _preview, confirm = await choose_audience(staff, en, AUDIENCE)
    limits = fake.rate_limit = RateLimit()
    await staff.press(en.text("broadcast.button.send_now"))
    crowd = Crowd(size=1)  # one closed loop: one update in flight at a time
    checking_in = asyncio.create_task(checkins_in_turn(checkers, replies, deliveries.halfway, crowd))
    try:
        within = REPORT_WAIT[0] * len(recipients) / rate + REPORT_WAIT[1]
        await wait_for_report(staff, en, broadcast_id_of(confirm), within=within)
    except AssertionError as error:
        raise RuntimeError(f"no report: {running.stderr.decode(errors='replace')[-2000:]}") from error
    finally:
        crowd.stop.set()
        deliveries.halfway.set()  # lets the check-ins end if the broadcast did not get halfway
        unanswered = await checking_in
    checking = {user.chat_id for user in checkers}
    refused = [
        (call.time, call.params.get("chat_id") in checking)
        for call in fake.calls
        if call.error is not None and call.error.startswith("Too Many Requests")
    ]
    assert len(refused) == len(limits.refused), "every 429 is the rate limit's"
    return RunResult(
        deliveries=deliveries.times,
        latencies=[(replied, replied - queued) for queued, replied in crowd.timings],
        refused=refused,
        unanswered=unanswered,
    )


def _figures(result: RunResult, at: str, rate: int, plan: Plan) -> list[Figure]:
    """Return one run's figures: delivered, the achieved rate alone and with check-ins, 429s, check-in latency."""
    delivered = len(result.deliveries)
    half = delivered // 2
    spans = _windows(result.deliveries, plan.window)
    alone = [span for first, span in spans if first + plan.window <= half]
    along = [span for first, span in spans if first >= half]
    checkins_began = result.deliveries[half] if delivered else 0.0
    refused_alone = sum(1 for moment, _ in result.refused if moment < checkins_began)
    figures = [
        Figure(SECTION, f"delivered {at}", delivered, "messages", f"{plan.recipients:,}", delivered == plan.recipients),
        *_part_figures(f"{at}, first half, alone", alone, refused_alone, rate, plan.window),
        *_part_figures(
            f"{at}, second half, with check-ins", along, len(result.refused) - refused_alone, rate, plan.window
        ),
        Figure(SECTION, f"429s on check-in replies {at}", sum(1 for _, checking in result.refused if checking), ""),
    ]
    during = [[seconds for replied, seconds in result.latencies if start <= replied < end] for start, end in along]
    p95s = [percentile(inside, 0.95) for inside in during if inside]
    p95 = median(p95s) if p95s else float("inf")
    return [
        *figures,
        Figure(
            SECTION,
            f"check-in reply p95 during it {at}, median of {len(p95s)} windows",
            p95 * 1000,
            "ms",
            f"< {TARGET_P95_SECONDS * 1000:.0f} ms",
            p95 < TARGET_P95_SECONDS,
        ),
        Figure(SECTION, f"check-in replies during it {at}", sum(map(len, during)), "replies"),
        Figure(SECTION, f"check-in updates unanswered {at}", result.unanswered, "", "0", result.unanswered == 0),
    ]


def _part_figures(when: str, spans: list[tuple[float, float]], refused: int, rate: int, window: int) -> list[Figure]:
    """Return a part's achieved rate (the median of its windows'), as a share of the configured rate, and its 429s."""
    achieved = median([window / (end - start) for start, end in spans]) if spans else 0.0
    ratio = achieved / rate
    return [
        Figure(SECTION, f"achieved rate {when}, median of {len(spans)} windows of {window:,}", achieved, "messages/s"),
        Figure(SECTION, f"achieved / configured {when}", ratio, "", f">= {TARGET_RATIO}", ratio >= TARGET_RATIO),
        Figure(SECTION, f"429s caused {when}", refused, "", "0", refused == 0),
    ]


def _windows(deliveries: list[float], size: int) -> list[tuple[int, tuple[float, float]]]:
    """Return each run of `size` intervals between deliveries, by its first delivery's index, with its (start, end)."""
    return [(first, (deliveries[first], deliveries[first + size])) for first in range(0, len(deliveries) - size, size)]
