"""Triage reads the earlier check-ins once per answer, with the patient, and the next check-in sees the last one."""

from datetime import datetime, timedelta

import pytest

from bot.content.packs import LanguagePack
from bot.domain.checkin import PastCheckin, Question
from bot.domain.patient import Patient
from bot.domain.records import Checkin
from bot.local_api import LocalTelegram
from bot.storage.checkins import CheckinStore, take_answer
from bot.storage.shared import Statements
from tests.checkin_steps import answer_all, start_checkin, with_answers
from tests.conftest import Clock, RunningBot
from tests.journeys import onboard


async def test_each_answer_reads_the_history_once_and_the_next_checkin_sees_the_last_one(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every answer is triaged against one read of the history; more pain than yesterday still counts."""
    reads: list[int] = []
    answers: list[int] = []
    read = CheckinStore.for_triage

    async def counted_read(
        store: CheckinStore, user_id: int
    ) -> tuple[Patient | None, Checkin | None, list[PastCheckin]]:
        """Read, then count the read by the open check-in it found."""
        found = await read(store, user_id)
        reads.append(found[1].id if found[1] is not None else 0)
        return found

    async def counted_answer(
        statements: Statements, checkin_id: int, question: Question, value: str, now: datetime
    ) -> bool:
        """Count the answer, then store it (on its own, or with the outcome it leads to)."""
        answers.append(checkin_id)
        return await take_answer(statements, checkin_id, question, value, now)

    monkeypatch.setattr(CheckinStore, "for_triage", counted_read)
    monkeypatch.setattr("bot.storage.checkins.take_answer", counted_answer)
    monkeypatch.setattr("bot.storage.outcomes.take_answer", counted_answer)
    user = fake_telegram.user(5301)
    await onboard(user, en, "date_2_days")
    await start_checkin(user, en, day=2)
    first = await answer_all(user, en, with_answers(pain="2"))
    assert first.text.startswith(en.text("triage.self_care.title"))
    assert len(answers) > 1
    assert reads == answers, "one history read per answer, none more"

    clock.now += timedelta(days=1)
    await start_checkin(user, en, day=3)
    second = await answer_all(user, en, with_answers(pain="5"))
    assert second.text.startswith(en.text("triage.same_day.title"))
    assert en.text("reasons.worsening") in second.text, "pain went up from the check-in finished the day before"
    assert reads == answers, "one read per answer in the second check-in too"
    assert len(set(reads)) == 2, "each answer's read found its own check-in open, which its history leaves out"
