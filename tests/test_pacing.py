"""Pacing, with a clock the tests move: the token bucket, the send pace with replies, retry_after pauses, backoff."""

import itertools
from dataclasses import dataclass

import pytest

from bot.config import ConfigError, load_settings
from bot.telegram.pacing import RetryPolicy, SendPace, Throttle, TokenBucket


@dataclass
class FakeClock:
    """A monotonic clock in seconds that only moves when told."""

    now: float = 100.0

    def __call__(self) -> float:
        """Return the current time."""
        return self.now


def paced_send_times(bucket: TokenBucket, clock: FakeClock, count: int, send_takes: float = 0.0) -> list[float]:
    """Send `count` messages one after another, each waiting what the bucket says; return when each went out."""
    times = []
    for _ in range(count):
        clock.now += bucket.reserve()
        times.append(clock.now)
        clock.now += send_takes
    return times


def busiest_second(times: list[float]) -> int:
    """Return the most sends in any one-second window [t, t + 1)."""
    return max(sum(1 for other in times if start <= other < start + 1.0) for start in times)


@pytest.mark.parametrize("send_takes", [0.0, 0.01, 0.039])
def test_25_per_second_never_puts_more_than_25_in_any_second(send_takes: float) -> None:
    """At the default rate, however fast each send is, no one-second window holds more than 25: under Telegram's 30."""
    clock = FakeClock()
    times = paced_send_times(TokenBucket(25, clock=clock), clock, 500, send_takes)
    assert busiest_second(times) == 25
    assert times[-1] - times[0] == pytest.approx(499 / 25)


def test_slots_are_evenly_spaced_and_idle_time_builds_no_burst() -> None:
    """Slots are 1/rate apart; after a quiet spell only `burst` messages may go at once."""
    clock = FakeClock()
    bucket = TokenBucket(25, clock=clock)
    assert [bucket.reserve() for _ in range(3)] == pytest.approx([0.0, 0.04, 0.08])
    clock.now += 60.0
    assert [bucket.reserve() for _ in range(2)] == pytest.approx([0.0, 0.04])


def test_a_burst_allows_that_many_at_once_then_paces() -> None:
    """With burst 3, three go at once and the fourth waits one interval."""
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, burst=3)
    assert [bucket.reserve() for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.1])


def test_a_pause_holds_every_slot_back_then_pacing_resumes() -> None:
    """After a 429 with retry_after 2, the next slot is 2 s away; a shorter pause never brings it closer."""
    clock = FakeClock()
    bucket = TokenBucket(25, clock=clock)
    bucket.reserve()
    bucket.pause(2.0)
    bucket.pause(0.5)
    assert bucket.reserve() == pytest.approx(2.0)
    assert bucket.reserve() == pytest.approx(2.04)
    clock.now += 2.04
    assert bucket.reserve() == pytest.approx(0.04)


def test_a_sender_that_wakes_late_by_more_than_half_a_slot_pushes_the_next_slot_back() -> None:
    """Slots promised at 0.04 and 0.08: the first used only at 0.07 moves the next to 0.09, half a slot later."""
    clock = FakeClock()
    bucket = TokenBucket(25, clock=clock)
    bucket.reserve()
    bucket.used()
    assert bucket.reserve() == pytest.approx(0.04)
    clock.now += 0.07  # woke 30 ms late
    bucket.used()
    assert bucket.reserve() == pytest.approx(0.02)


def test_a_sender_a_little_late_keeps_the_pace() -> None:
    """Slots promised at 0.04 and 0.08: the first used at 0.05 (10 ms late) leaves the next at 0.08."""
    clock = FakeClock()
    bucket = TokenBucket(25, clock=clock)
    bucket.reserve()
    bucket.used()
    assert bucket.reserve() == pytest.approx(0.04)
    clock.now += 0.05
    bucket.used()
    assert bucket.reserve() == pytest.approx(0.03)


def test_sends_made_without_waiting_push_the_next_slot_back_up_to_the_horizon() -> None:
    """Three sends counted at 25/s move the next slot 0.12 s out; a hundred move it only to the 1 s horizon."""
    clock = FakeClock()
    bucket = TokenBucket(25, clock=clock)
    for _ in range(3):
        bucket.spent(horizon=1.0)
    assert bucket.reserve() == pytest.approx(0.12)
    for _ in range(100):
        bucket.spent(horizon=1.0)
    assert bucket.reserve() == pytest.approx(1.0)


def test_a_send_counted_never_brings_slots_already_promised_closer() -> None:
    """Slots reserved 2 s ahead stay there: a counted send past the horizon does not pull the next one in."""
    clock = FakeClock()
    bucket = TokenBucket(25, clock=clock)
    for _ in range(50):
        bucket.reserve()
    bucket.spent(horizon=1.0)
    assert bucket.reserve() == pytest.approx(2.0)


def send_pace(clock: FakeClock, bulk_rate: float = 25) -> SendPace:
    """Return a send pace like the bot's: bulk at `bulk_rate`, 28/s in all, one send a second to each chat."""
    return SendPace(bulk_rate=bulk_rate, overall_rate=28, per_chat_seconds=1.0, clock=clock)


@pytest.mark.parametrize(("replies_per_second", "most_bulk"), [(0, 25), (3, 25), (10, 18)])
def test_bulk_sends_make_room_for_replies_under_the_overall_rate(replies_per_second: int, most_bulk: int) -> None:
    """Bulk at 25/s keeps its rate beside 3 replies a second; beside 10 it gives way: never past Telegram's 30/s."""
    clock = FakeClock()
    pace = send_pace(clock)
    taken: list[tuple[float, str]] = []
    next_reply = clock.now
    for chat_id in itertools.count(1):
        if clock.now >= 120.0:
            break
        wake = clock.now + pace.reserve_bulk(chat_id)
        while replies_per_second and next_reply <= wake:  # replies due meanwhile go out on time, never held
            clock.now = max(clock.now, next_reply)
            pace.replied(None)
            taken.append((clock.now, "reply"))
            next_reply += 1 / replies_per_second
        clock.now = max(clock.now, wake)
        pace.used_bulk(chat_id)
        taken.append((clock.now, "bulk"))
    bulk_rate = sum(kind == "bulk" for _, kind in taken) / 20.0
    assert most_bulk - 1 <= bulk_rate <= most_bulk + 0.1
    assert busiest_second([moment for moment, _ in taken]) <= 30


def test_a_bulk_send_waits_until_its_chat_has_rested_a_second() -> None:
    """A reply to a chat at 100.0 holds a bulk send to it until 101.0; another chat's bulk send goes at once."""
    clock = FakeClock()
    pace = send_pace(clock)
    pace.replied(7)
    clock.now += 0.3
    assert pace.reserve_bulk(7) == pytest.approx(0.7)
    pace.used_bulk(7)
    clock.now += 0.7
    assert pace.reserve_bulk(8) == pytest.approx(0.0)


def test_a_reply_still_on_its_way_holds_a_bulk_send_to_its_chat() -> None:
    """While a reply to chat 7 is out (not yet answered), a bulk send to chat 7 waits a second; the overall pace not."""
    clock = FakeClock()
    pace = send_pace(clock)
    pace.replying(7)
    assert pace.reserve_bulk(7) == pytest.approx(1.0)
    assert pace.reserve_bulk(8) == pytest.approx(1 / 25)  # the bulk slot after chat 7's: no reply slot taken yet


def test_a_bulk_send_goes_out_only_while_the_last_second_has_room() -> None:
    """With 28 sends in the last second (replies and bulk), a bulk send waits until the oldest is a second old."""
    clock = FakeClock()
    pace = send_pace(clock)
    for index in range(28):
        if index % 3:
            pace.replying(1_000 + index)
        else:
            pace.departing()
        assert pace.departure_wait() == (pytest.approx(0.73) if index == 27 else 0.0), index
        clock.now += 0.01
    assert pace.departure_wait() == pytest.approx(0.72)  # the first went out at 100.0, it is 100.28
    clock.now += 0.72
    assert pace.departure_wait() == 0.0
    pace.departing()
    assert pace.departure_wait() == pytest.approx(0.01), "the second oldest leaves the second next"
    pace.pause(3.0)
    assert pace.departure_wait() == pytest.approx(3.0), "a wait Telegram asked for counts too"


def test_chats_that_have_rested_are_forgotten_and_send_at_once() -> None:
    """After replies to 1,500 chats, a bulk send to the first of them, rested for 2 s, goes out at once."""
    clock = FakeClock()
    pace = send_pace(clock, bulk_rate=1000)
    for chat_id in range(1_500):
        pace.replied(chat_id)
    clock.now += 2.0
    assert pace.reserve_bulk(0) == pytest.approx(0.0)
    assert pace.reserve_bulk(1_499) == pytest.approx(0.0, abs=0.05)


def test_a_bucket_needs_a_positive_rate() -> None:
    """A zero rate or a burst below one is a programming error."""
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0, clock=FakeClock())
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(1, clock=FakeClock(), burst=0)


def test_backoff_doubles_up_to_the_cap_and_gives_up_after_the_last_try() -> None:
    """Waits go 1, 2, 4, 8 s (capped), and after `attempts` failed tries there is none left."""
    policy = RetryPolicy(attempts=5, base=1.0, cap=6.0)
    assert [policy.delay(failed) for failed in range(1, 5)] == [1.0, 2.0, 4.0, 6.0]
    assert [policy.gives_up(failed) for failed in range(1, 6)] == [False, False, False, False, True]
    with pytest.raises(ValueError, match="failed"):
        policy.delay(0)


def test_a_throttle_lets_through_once_per_interval() -> None:
    """The first call passes; others within 3 s do not; the next after 3 s does, and starts a new interval."""
    clock = FakeClock()
    throttle = Throttle(3.0, clock=clock)
    assert throttle.ready()
    clock.now += 2.9
    assert not throttle.ready()
    clock.now += 0.1
    assert throttle.ready()
    clock.now += 1.0
    assert not throttle.ready()


def test_the_broadcast_rate_setting_defaults_to_20_and_stays_under_telegrams_limit() -> None:
    """BROADCAST_RATE is 20 unless set; 1 to 25 are accepted, anything else stops the bot with its name."""
    required = {
        "TELEGRAM_BOT_TOKEN": "123456:TEST-token",
        "CLINIC_NAME": "C",
        "CLINIC_PHONE": "1",
        "CLINIC_HOURS": "9-5",
    }
    assert load_settings(required).broadcast_rate == 20
    assert load_settings({**required, "BROADCAST_RATE": "1"}).broadcast_rate == 1
    assert load_settings({**required, "BROADCAST_RATE": "25"}).broadcast_rate == 25
    for bad in ("0", "26", "30", "2.5", "fast"):
        with pytest.raises(ConfigError, match=r"^BROADCAST_RATE is malformed"):
            load_settings({**required, "BROADCAST_RATE": bad})
