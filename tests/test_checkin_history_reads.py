"""Triage reads the patient's earlier check-ins once per check-in, and the next check-in sees the one just finished."""

from datetime import timedelta

import pytest

from bot.content.packs import LanguagePack
from bot.domain.checkin import PastCheckin
from bot.storage.checkins import CheckinStore
from tests.checkin_steps import answer_all, start_checkin, with_answers
from tests.conftest import Clock, RunningBot
from tests.fake_telegram import FakeTelegram
from tests.journeys import onboard


async def test_each_checkin_reads_the_history_once_and_sees_the_last_one(
    bot: RunningBot, fake_telegram: FakeTelegram, en: LanguagePack, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every answer is triaged, but the history is read at the first; more pain than yesterday still counts."""
    reads: list[int] = []
    read = CheckinStore.triage_history

    async def counted(store: CheckinStore, user_id: int, excluding: int) -> list[PastCheckin]:
        """Count the read, then read."""
        reads.append(excluding)
        return await read(store, user_id, excluding)

    monkeypatch.setattr(CheckinStore, "triage_history", counted)
    user = fake_telegram.user(5301)
    await onboard(user, en, "date_2_days")
    await start_checkin(user, en, day=2)
    first = await answer_all(user, en, with_answers(pain="2"))
    assert first.text.startswith(en.text("triage.self_care.title"))
    assert len(reads) == 1, "one read for the whole check-in"

    clock.now += timedelta(days=1)
    await start_checkin(user, en, day=3)
    second = await answer_all(user, en, with_answers(pain="5"))
    assert second.text.startswith(en.text("triage.same_day.title"))
    assert en.text("reasons.worsening") in second.text, "pain went up from the check-in finished the day before"
    assert len(reads) == 2, "one read for the second check-in too"
    assert reads[0] != reads[1]
