"""The typed-message corpus (data/triage-corpus.csv): every message read and triaged as a check-in would be.

Each row holds a realistic patient message, the day of recovery it is sent on, and the least acceptable tier by
section 5 of the content brief. A message triaged below its least tier is under-triage: the test fails on any.
Over-triage of self-care messages (chatter, expected symptoms) is printed and kept under 15%.
"""

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.triage import Tier, triage
from bot.reading import DEFAULT_READING_PATH, load_reader
from bot.triage_rules import load_triage_rules

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "triage-corpus.csv"
RULES = load_triage_rules(ROOT / "data" / "triage.toml")
COLUMNS = ["language", "day", "least_tier", "text", "why"]
LANGUAGES = ("en", "fr")
MAX_SELF_CARE_OVER_TRIAGE = 0.15
MIN_ROWS, MIN_FRENCH_SHARE = 400, 0.30
LAST_DAY = 14


@dataclass(frozen=True)
class Row:
    """One corpus message and the tier it must reach at least."""

    line: int
    language: str
    day: int
    least: Tier
    text: str


def load_corpus() -> list[Row]:
    """Read and check the corpus file: its columns, languages, days and tiers."""
    with CORPUS.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == COLUMNS
        rows = []
        for line, record in enumerate(reader, start=2):
            assert record["language"] in LANGUAGES, f"line {line}: language {record['language']!r}"
            assert 0 <= int(record["day"]) <= LAST_DAY, f"line {line}: day {record['day']!r}"
            assert record["text"].strip(), f"line {line}: empty text"
            assert record["why"].strip(), f"line {line}: empty why"
            least = Tier[record["least_tier"].upper()]
            rows.append(Row(line, record["language"], int(record["day"]), least, record["text"]))
    return rows


ROWS = load_corpus()


def test_the_corpus_is_large_and_bilingual() -> None:
    """At least 400 messages, about a third in French, every tier in both languages, no message twice."""
    assert len(ROWS) >= MIN_ROWS
    assert sum(row.language == "fr" for row in ROWS) / len(ROWS) >= MIN_FRENCH_SHARE
    assert {(row.language, row.least) for row in ROWS} == {(language, tier) for language in LANGUAGES for tier in Tier}
    assert len({row.text for row in ROWS}) == len(ROWS)


def test_no_corpus_message_is_under_triaged() -> None:
    """Every message reaches at least its least tier; over-triage of self-care messages stays under 15%."""
    reader = load_reader(DEFAULT_READING_PATH)
    counts: Counter[tuple[str, str]] = Counter()
    under: list[str] = []
    for row in ROWS:
        tier = triage(reader.read(row.text).answers(), row.day, [], at_risk=False, rules=RULES).tier
        counts[row.language, "rows"] += 1
        counts[row.language, row.least.code] += 1
        if tier < row.least:
            counts[row.language, "under"] += 1
            under.append(f"line {row.line} ({row.language}, day {row.day}): {tier.code} < {row.least.code}")
        elif tier > row.least:
            counts[row.language, "over"] += 1
            if row.least is Tier.SELF_CARE:
                counts[row.language, "over_self_care"] += 1
    print(_table(counts))
    assert under == []
    self_care = sum(counts[language, Tier.SELF_CARE.code] for language in LANGUAGES)
    over_self_care = sum(counts[language, "over_self_care"] for language in LANGUAGES)
    assert over_self_care / self_care < MAX_SELF_CARE_OVER_TRIAGE


def _table(counts: Counter[tuple[str, str]]) -> str:
    """Lay out the corpus figures per language: rows by least tier, under- and over-triage."""
    columns = ["rows", *(tier.code for tier in reversed(Tier)), "under", "over", "over_self_care"]
    lines = ["language " + " ".join(f"{column:>14}" for column in columns)]
    for language in (*LANGUAGES, "all"):
        chosen = LANGUAGES if language == "all" else (language,)
        cells = [sum(counts[each, column] for each in chosen) for column in columns]
        lines.append(f"{language:<8} " + " ".join(f"{cell:>14}" for cell in cells))
    return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_corpus_has_the_failures_of_issue_11(language: str) -> None:
    """The corpus holds each kind of failure issue 11 lists, in both languages (numbers, negations, questions...)."""
    texts = [row.text.lower() for row in ROWS if row.language == language]
    markers = {
        "en": [
            "puffy",
            "wheez",
            "faint",
            "lines",
            "blur",
            "move my eye",
            "38,",
            "101",
            "/10",
            "out of ten",
            "pain 8",
            "no pus",
            "not spreading",
            "?",
            "my sister",
            "years ago",
            "quickly",
            "breathing is fine",
        ],
        "fr": [
            "enfl",
            "siffle",
            "évanouir",
            "lignes",
            "flou",
            "bouge",
            "38,",
            "sur 10",
            "/10",
            "pas de pus",
            "?",
            "ma soeur",
            "quand j'étais",
            "vite",
            "respire bien",
            "feu sauvage",
            "fievre",
        ],
    }[language]
    missing = [marker for marker in markers if not any(marker in text for text in texts)]
    assert missing == []
