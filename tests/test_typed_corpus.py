"""The typed-message corpus (data/triage-corpus.csv): every message read and triaged as a check-in would be.

Each row holds a realistic patient message, the day of recovery it is sent on, and the least acceptable tier by
section 5 of the content brief. A message triaged below its least tier is under-triage: the test fails on any.
Over-triage of self-care messages (chatter, expected symptoms) is printed and kept under 15%.
"""

from collections import Counter
from pathlib import Path

import pytest

from bot.content.triage_rules import load_triage_rules
from bot.domain.triage import Tier
from bot.reading import DEFAULT_READING_PATH, load_reader
from bot.reading.corpus import LANGUAGES, CorpusError, load_corpus, triage_corpus

ROOT = Path(__file__).resolve().parent.parent
RULES = load_triage_rules(ROOT / "data" / "triage.toml")
MAX_SELF_CARE_OVER_TRIAGE = 0.15
MIN_ROWS, MIN_FRENCH_SHARE = 400, 0.30

ROWS = load_corpus()


def test_the_corpus_is_large_and_bilingual() -> None:
    """At least 400 messages, about a third in French, every tier in both languages, no message twice."""
    assert len(ROWS) >= MIN_ROWS
    assert sum(row.language == "fr" for row in ROWS) / len(ROWS) >= MIN_FRENCH_SHARE
    assert {(row.language, row.least) for row in ROWS} == {(language, tier) for language in LANGUAGES for tier in Tier}
    assert len({row.text for row in ROWS}) == len(ROWS)


def test_no_corpus_message_is_under_triaged() -> None:
    """Every message reaches at least its least tier; over-triage of self-care messages stays under 15%."""
    counts: Counter[tuple[str, str]] = Counter()
    under: list[str] = []
    for row, result in triage_corpus(load_reader(DEFAULT_READING_PATH), RULES, ROWS):
        tier = result.tier
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


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("de,1,soon,hallo,why", "language must be one of en, fr"),
        ("en,x,soon,hi,why", "day must be a day of recovery"),
        ("en,1,urgent,hi,why", "least_tier must be one of"),
        ("en,1,soon, ,why", "text and why must not be empty"),
    ],
)
def test_a_bad_corpus_row_is_named_by_file_and_line(tmp_path: Path, row: str, problem: str) -> None:
    """A corpus row with a wrong language, day, tier or an empty text is refused, naming the file and the line."""
    path = tmp_path / "corpus.csv"
    path.write_text(f"language,day,least_tier,text,why\nen,1,soon,fine,ok\n{row}\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=f"{path}: line 3: {problem}"):
        load_corpus(path)
