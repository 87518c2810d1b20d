"""The typed-message corpus (data/triage-corpus.csv): realistic patient messages with the least tier each must get.

The medical director reads it in a spreadsheet; the tests read every message through the reader and triage, and the
sign-off sheet (`python -m bot triage-report`) shows each message's result beside its least tier.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.content.data_files import DataFileError
from bot.domain.triage import Tier, TriageResult, TriageRules, triage
from bot.reading.reader import TextReader

DEFAULT_CORPUS_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "triage-corpus.csv"
COLUMNS = ("language", "day", "least_tier", "text", "why")
LANGUAGES = ("en", "fr")
LAST_DAY = 30


class CorpusError(DataFileError):
    """The corpus file is missing or holds a bad row; the message names the file and the line."""


@dataclass(frozen=True)
class CorpusMessage:
    """One corpus message: where it is in the file, its language, the day it is sent on, its least tier, and why."""

    line: int
    language: str
    day: int
    least: Tier
    text: str
    why: str


def load_corpus(path: Path = DEFAULT_CORPUS_PATH) -> list[CorpusMessage]:
    """Read and check the corpus: its columns, languages, days, tiers and texts; raise CorpusError naming the line."""
    try:
        with path.open(encoding="utf-8", newline="") as file:
            rows = csv.DictReader(file)
            if tuple(rows.fieldnames or ()) != COLUMNS:
                raise CorpusError(f"{path}: the columns must be {', '.join(COLUMNS)}")
            return [_message(path, line, record) for line, record in enumerate(rows, start=2)]
    except OSError as error:
        raise CorpusError(f"{path}: cannot be read ({error.strerror or error})") from error


def _message(path: Path, line: int, record: dict[str, str]) -> CorpusMessage:
    """Check one row and return its message."""
    where = f"{path}: line {line}"
    if record["language"] not in LANGUAGES:
        raise CorpusError(f"{where}: language must be one of {', '.join(LANGUAGES)}, not {record['language']!r}")
    if not record["day"].isdigit() or int(record["day"]) > LAST_DAY:
        raise CorpusError(f"{where}: day must be a day of recovery from 0 to {LAST_DAY}, not {record['day']!r}")
    tiers = {tier.code: tier for tier in Tier}
    if record["least_tier"] not in tiers:
        raise CorpusError(f"{where}: least_tier must be one of {', '.join(tiers)}, not {record['least_tier']!r}")
    if not record["text"].strip() or not record["why"].strip():
        raise CorpusError(f"{where}: text and why must not be empty")
    return CorpusMessage(
        line, record["language"], int(record["day"]), tiers[record["least_tier"]], record["text"], record["why"]
    )


def triage_corpus(
    reader: TextReader, rules: TriageRules, messages: Sequence[CorpusMessage]
) -> list[tuple[CorpusMessage, TriageResult]]:
    """Read and triage each message as typed text is, on its day, with no history and no modifier."""
    return [
        (message, triage(reader.read(message.text).answers(), message.day, [], at_risk=False, rules=rules))
        for message in messages
    ]
