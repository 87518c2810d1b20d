"""Per-user flood control: the sliding window on its own, and the gate slowing one user over HTTP."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram, LocalUser
from bot.telegram.flood import FloodControl, Verdict
from tests.conftest import TEST_ENV, Clock, RunningBot

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
WINDOW = timedelta(seconds=10)


def verdicts(flood: FloodControl, user_id: int, count: int, at: datetime) -> list[Verdict]:
    """Return the verdicts on `count` updates from one user, all at the same moment."""
    return [flood.check(user_id, at) for _ in range(count)]


def test_the_first_updates_pass_then_one_notice_then_drops() -> None:
    """Twenty updates pass, the twenty-first asks for the notice, the rest are dropped silently."""
    flood = FloodControl(20, WINDOW)
    assert verdicts(flood, 1, 25, START) == [Verdict.ALLOW] * 20 + [Verdict.NOTICE] + [Verdict.DROP] * 4


def test_the_window_slides_and_a_new_flood_gets_a_new_notice() -> None:
    """Once the oldest counted update leaves the window the user gets through again; a later flood is noticed."""
    flood = FloodControl(3, WINDOW)
    assert verdicts(flood, 1, 2, START) == [Verdict.ALLOW] * 2
    assert verdicts(flood, 1, 3, START + timedelta(seconds=5)) == [Verdict.ALLOW, Verdict.NOTICE, Verdict.DROP]
    # The first two leave the window at 10 s: two more pass, then a new flood, with a new notice.
    assert verdicts(flood, 1, 3, START + WINDOW) == [Verdict.ALLOW, Verdict.ALLOW, Verdict.NOTICE]
    assert flood.check(1, START + timedelta(seconds=14)) is Verdict.DROP


def test_dropped_updates_do_not_extend_the_slowdown() -> None:
    """Only updates let through count, so a script that keeps sending still gets its share in each window."""
    flood = FloodControl(2, WINDOW)
    assert verdicts(flood, 1, 2, START) == [Verdict.ALLOW] * 2
    for second in range(1, 10):
        assert flood.check(1, START + timedelta(seconds=second)) is not Verdict.ALLOW
    assert flood.check(1, START + WINDOW) is Verdict.ALLOW


def test_other_users_are_unaffected() -> None:
    """One user's flood leaves another user's window untouched."""
    flood = FloodControl(2, WINDOW)
    verdicts(flood, 1, 10, START)
    assert verdicts(flood, 2, 2, START) == [Verdict.ALLOW] * 2


def test_warning_signs_are_let_through_once_per_window() -> None:
    """A slowed user's warning-sign message may be answered once per window, not once per message."""
    flood = FloodControl(1, WINDOW)
    assert flood.may_warn(1, START)
    assert not flood.may_warn(1, START + timedelta(seconds=9))
    assert flood.may_warn(1, START + WINDOW)
    assert flood.may_warn(2, START + WINDOW)


def test_idle_users_are_forgotten() -> None:
    """Memory stays bounded: users idle for longer than the window are dropped from memory."""
    flood = FloodControl(5, WINDOW)
    for user_id in range(1000):
        flood.check(user_id, START)
    assert flood.tracked() == 1000
    flood.check(5000, START + WINDOW + timedelta(seconds=1))
    assert flood.tracked() == 1


def test_a_nonsense_configuration_is_refused() -> None:
    """A limit below one or an empty window is a programming error."""
    with pytest.raises(ValueError, match="positive window"):
        FloodControl(0, WINDOW)
    with pytest.raises(ValueError, match="positive window"):
        FloodControl(1, timedelta(0))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings with flood control at its defaults: 20 updates in 10 seconds."""
    return settings.model_copy(update={"flood_max_updates": 20, "flood_window_seconds": 10})


async def outputs(user: LocalUser, count: int) -> list[str]:
    """Return the texts of the user's next `count` messages from the bot."""
    return [(await user.next_output()).text for _ in range(count)]


async def test_a_flood_is_slowed_with_one_notice_and_others_are_answered(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """25 quick messages: 20 answers and one notice; another user at the same time is always answered."""
    flooder, other = fake_telegram.user(8101), fake_telegram.user(8102)
    for number in range(25):
        await flooder.send("/help")
        if number % 2 == 0:
            await other.send("/help")  # 13 messages, interleaved with the flood: within the limit
    assert await outputs(other, 13) == [en.text("help")] * 13
    assert await outputs(flooder, 21) == [en.text("help")] * 20 + [en.text("flood_notice", seconds=10)]
    await flooder.expect_no_output()
    clock.now += timedelta(seconds=9)
    await flooder.send("/help")
    await flooder.expect_no_output()
    clock.now += timedelta(seconds=2)
    await flooder.send("/help")
    assert (await flooder.next_output()).text == en.text("help")


async def test_a_warning_sign_is_answered_even_while_slowed(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A slowed patient writing "pus" still gets the advice, once per window; other text stays dropped."""
    user = fake_telegram.user(8103)
    for _ in range(21):
        await user.send("hello")
    assert (await outputs(user, 21))[-1] == en.text("flood_notice", seconds=10)
    await user.send("/help")
    await user.expect_no_output()
    await user.send("there is pus in one spot")
    advice = await user.next_output()
    assert en.text("triage.same_day.title") in advice.text
    await user.send("still pus")
    await user.expect_no_output()


async def test_flood_control_fails_closed(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault inside flood control drops the update rather than letting it through."""

    def broken(self: FloodControl, user_id: int, now: datetime) -> Verdict:
        """Fail as a bug would."""
        raise RuntimeError

    monkeypatch.setattr(FloodControl, "check", broken)
    user = fake_telegram.user(8104)
    await user.send("/help")
    await user.expect_no_output()


def test_flood_settings_have_defaults_and_are_validated() -> None:
    """The defaults are 20 updates in 10 seconds; a value out of range stops the bot, naming the variable."""
    settings = load_settings({key: value for key, value in TEST_ENV.items() if key != "FLOOD_MAX_UPDATES"})
    assert (settings.flood_max_updates, settings.flood_window_seconds) == (20, 10)
    with pytest.raises(ConfigError, match="FLOOD_MAX_UPDATES is malformed"):
        load_settings({**TEST_ENV, "FLOOD_MAX_UPDATES": "0"})
    with pytest.raises(ConfigError, match="FLOOD_WINDOW_SECONDS is malformed"):
        load_settings({**TEST_ENV, "FLOOD_WINDOW_SECONDS": "ten"})
