"""Triage reads only the last complete check-in of each date, and decides exactly as with the whole history."""

import random
import sqlite3
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.domain.checkin import BUTTON_ANSWERS, Answers, PastCheckin, Question
from bot.domain.records import CheckinStatus
from bot.domain.triage import Reason, TriageResult, TriageRules, triage
from bot.storage import Database
from tests.storage_support import NOW, OTHER, PATIENT, TODAY

HISTORIES = 500
TRIAGES_PER_HISTORY = 6
_STATUSES = ("complete", "complete", "complete", "partial", "emergency")
_STARTS = tuple(NOW + timedelta(minutes=minutes) for minutes in (0, 0, 5, 30))  # repeats: ties broken by id


def _answers(draw: random.Random) -> Answers:
    """Return a random set of answers: any questions (pain most often), each with any of its button answers."""
    chosen = draw.sample(list(Question), draw.randint(0, len(Question)))
    if draw.random() < 0.8:
        chosen.append(Question.PAIN)  # more pain than the day before is the commonest sign of worsening
    return Answers({question: draw.choice(BUTTON_ANSWERS[question]) for question in chosen})


def _store_history(path: Path, draw: random.Random) -> None:
    """Replace the patients' check-ins with random ones: dates repeated and skipped, days not matching the dates."""
    with sqlite3.connect(path) as writer:
        writer.execute("DELETE FROM checkin_answer")
        writer.execute("DELETE FROM checkin")
        for _ in range(draw.randint(0, 9)):
            user_id = draw.choice((PATIENT, PATIENT, PATIENT, OTHER))
            started = draw.choice(_STARTS).isoformat()
            status = draw.choice(_STATUSES)
            # A day that often follows the date, and sometimes does not (the treatment date was changed since).
            back = draw.randint(0, 3)
            day = 8 - back if draw.random() < 0.7 else draw.randint(0, 12)
            checkin_id = writer.execute(
                "INSERT INTO checkin (user_id, local_date, day, status, started_at, updated_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (user_id, (TODAY - timedelta(days=back)).isoformat(), day, status, started, started, started),
            ).fetchone()[0]
            writer.executemany(
                "INSERT INTO checkin_answer (checkin_id, question, value, answered_at) VALUES (?, ?, ?, ?)",
                [(checkin_id, question.value, value, started) for question, value in _answers(draw).values.items()],
            )


async def _full_history(database: Database, excluding: int) -> list[PastCheckin]:
    """Return the history triage was given before it was bounded: every complete check-in but one, in order."""
    return [
        PastCheckin(checkin.local_date, checkin.day, checkin.answers)
        for checkin in await database.checkins.history(PATIENT)
        if checkin.id != excluding and checkin.status is CheckinStatus.COMPLETE
    ]


async def test_the_bounded_history_triages_exactly_as_the_full_one(
    database: Database, path: Path, rules: TriageRules
) -> None:
    """On many random histories (several check-ins a date, gaps, edited treatment dates), every outcome is the same."""
    draw = random.Random(6)
    outcomes: Counter[TriageResult] = Counter()
    for _ in range(HISTORIES):
        _store_history(path, draw)
        current = await database.checkins.start(PATIENT, TODAY, draw.randint(0, 12), NOW)
        excluding = draw.choice([current.id, *(c.id for c in await database.checkins.history(PATIENT))])
        full = await _full_history(database, excluding)
        bounded = await database.checkins.triage_history(PATIENT, excluding=excluding)
        assert len({checkin.local_date for checkin in bounded}) == len(bounded)  # one a date at most
        for _ in range(TRIAGES_PER_HISTORY):
            # Often the day after the newest date (day 8 is on TODAY), where the trend over three dates is looked at.
            day = draw.choice((9, 9, 8, draw.randint(0, 14)))
            answers, at_risk = _answers(draw), draw.random() < 0.3
            expected = triage(answers, day, full, at_risk=at_risk, rules=rules)
            assert triage(answers, day, bounded, at_risk=at_risk, rules=rules) == expected
            outcomes[expected] += 1
    # The random histories reach the parts of triage that read the history, not only the current answers.
    assert sum(n for result, n in outcomes.items() if Reason.WORSENING_TREND in result.reasons) > 20
    assert sum(n for result, n in outcomes.items() if Reason.PIMPLES_INCREASING in result.reasons) > 20
