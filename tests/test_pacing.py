"""Pacing, with a clock the tests move: the token bucket at 25/s, retry_after pauses, backoff; the rate setting."""

from dataclasses import dataclass

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.pacing import RetryPolicy, Throttle, TokenBucket


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


def test_the_broadcast_rate_setting_defaults_to_25_and_stays_under_telegrams_limit() -> None:
    """BROADCAST_RATE is 25 unless set; 1 to 25 are accepted, anything else stops the bot with its name."""
    required = {
        "TELEGRAM_BOT_TOKEN": "123456:TEST-token",
        "CLINIC_NAME": "C",
        "CLINIC_PHONE": "1",
        "CLINIC_HOURS": "9-5",
    }
    assert load_settings(required).broadcast_rate == 25
    assert load_settings({**required, "BROADCAST_RATE": "1"}).broadcast_rate == 1
    for bad in ("0", "26", "30", "2.5", "fast"):
        with pytest.raises(ConfigError, match=r"^BROADCAST_RATE is malformed"):
            load_settings({**required, "BROADCAST_RATE": bad})
