"""Loading the reading patterns (data/reading/*.toml, one file a language) and checking them when the bot starts."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.data_files import DataFileError, read_toml, show_value
from bot.domain.findings import KIND_VALUES, FindingKind
from bot.reading.text import fold, skeleton, tokenise

WILDCARD = "*"  # a pattern word that is just "*" matches any one word; "swoll*" matches words that start so
MIN_PREFIX = 3
MAX_WITHIN = 8
KNOWN_WORDS_FILE = "known_words.txt"

CONTEXT_KEYS = (
    "negated_before",
    "negated_after",
    "possible_before",
    "possible_after",
    "hypothetical_before",
    "other_person_before",
    "historical_before",
    "historical_after",
    "pseudo",
    "terminators",
    "conjunctions",
    "first_person",
    "joiners",
)
MODIFIER_KEYS = ("worse", "same", "better", "many", "fast")
NUMBER_LIST_KEYS = (
    "temperature_words",
    "celsius_units",
    "fahrenheit_units",
    "degree_units",
    "pain_words",
    "out_of",
    "not_before",
    "not_after",
)
TOP_KEYS = ("language", "aliases", "emoji", "ignore", "finding", "context", "modifiers", "numbers")


class ReadingDataError(DataFileError):
    """A reading pattern file is missing, unreadable or holds a bad entry; the message names the file and key."""


Phrase = tuple[str, ...]  # pattern words, folded and skeletonised; "*" suffix for a prefix, "*" alone for any word


@dataclass(frozen=True)
class Near:
    """Two groups of words within a few words of each other, in either order ("lips ... puffy")."""

    first: tuple[Phrase, ...]
    second: tuple[Phrase, ...]
    within: int


@dataclass(frozen=True)
class FindingPattern:
    """The phrases and word pairs that make one kind of finding (with a value, for some kinds)."""

    kind: FindingKind
    value: str | None
    phrases: tuple[Phrase, ...]
    near: tuple[Near, ...]


@dataclass
class Patterns:
    """Everything the reader needs, merged from every language's file: both languages are always checked."""

    findings: list[FindingPattern] = field(default_factory=list)
    ignore: list[Phrase] = field(default_factory=list)  # look like findings, are not ("spread the cream")
    context: dict[str, list[Phrase]] = field(default_factory=lambda: {key: [] for key in CONTEXT_KEYS})
    modifiers: dict[str, list[Phrase]] = field(default_factory=lambda: {key: [] for key in MODIFIER_KEYS})
    numbers: dict[str, list[Phrase]] = field(default_factory=lambda: {key: [] for key in NUMBER_LIST_KEYS})
    number_words: dict[str, int] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    emoji: dict[str, str] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  # real words never corrected as typos (known_words.txt)

    def vocabulary(self) -> set[str]:
        """Return every whole pattern word (not prefixes): the words a misspelling may be corrected to."""
        words: set[str] = set(self.number_words)
        groups = [pattern.phrases for pattern in self.findings] + [tuple(self.ignore)]
        groups += [near.first + near.second for pattern in self.findings for near in pattern.near]
        for lists in (self.context, self.modifiers, self.numbers):
            groups += [tuple(phrases) for phrases in lists.values()]
        for phrases in groups:
            for phrase in phrases:
                words.update(word for word in phrase if not word.endswith(WILDCARD))
        return words


def load_patterns(folder: Path) -> Patterns:
    """Read and check every *.toml file in the folder; raise ReadingDataError naming the file and key."""
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ReadingDataError(f"{folder}: no reading pattern files (*.toml)")
    patterns = Patterns()
    for path in files:
        _load_file(path, patterns)
    known = folder / KNOWN_WORDS_FILE
    if known.exists():
        patterns.known.update(_known_words(known))
    return patterns


def _known_words(path: Path) -> set[str]:
    """Read the real words that are never corrected as typos: one a line, "#" starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as failure:
        raise ReadingDataError(f"{path}: cannot be read as UTF-8 text ({failure})") from failure
    words = set()
    for number, line in enumerate(lines, start=1):
        word = line.split("#", 1)[0].strip()
        if not word:
            continue
        folded = fold(word)
        if not folded.isalpha():
            raise ReadingDataError(f"{path}: line {number}: {word!r} is not one word")
        words.add(skeleton(folded))
    return words


def _load_file(path: Path, patterns: Patterns) -> None:
    """Read one language's file into the merged patterns."""
    data = read_toml(path, ReadingDataError)
    problems = [f"{key}: missing" for key in TOP_KEYS if key not in data]
    problems += [f"{key}: unknown key (expected only {', '.join(TOP_KEYS)})" for key in data if key not in TOP_KEYS]
    if problems:
        raise _error(path, problems)
    checker = _Checker(path)
    if not isinstance(data["language"], str) or not data["language"].strip():
        checker.fail("language", f'must be a language code such as "en", not {show_value(data["language"])}')
    for section in ("aliases", "emoji"):
        table = checker.table(section, data[section])
        for key, value in table.items():
            if not isinstance(value, str) or not fold(value).strip():
                checker.fail(f"{section}.{key}", f"must be a word, not {show_value(value)}")
    aliases = {fold(key): fold(value) for key, value in data["aliases"].items() if isinstance(value, str)}
    patterns.aliases.update(aliases)
    patterns.emoji.update({key: value for key, value in data["emoji"].items() if isinstance(value, str)})
    patterns.ignore.extend(checker.phrases("ignore", data["ignore"]))
    kinds_seen: set[FindingKind] = set()
    findings = data["finding"]
    if not isinstance(findings, list) or not findings:
        checker.fail("finding", "must be a list of [[finding]] tables")
        findings = []
    for index, entry in enumerate(findings):
        pattern = _finding(checker, f"finding[{index}]", entry)
        if pattern is not None:
            kinds_seen.add(pattern.kind)
            patterns.findings.append(pattern)
    missing = [kind.value for kind in FindingKind if kind not in kinds_seen]
    if missing and not checker.problems:
        checker.fail("finding", f"no patterns for: {', '.join(missing)} (every kind needs patterns in every language)")
    _lists(checker, "context", data["context"], CONTEXT_KEYS, patterns.context)
    _lists(checker, "modifiers", data["modifiers"], MODIFIER_KEYS, patterns.modifiers)
    numbers = checker.table("numbers", data["numbers"])
    _lists(checker, "numbers", numbers, (*NUMBER_LIST_KEYS, "number_words"), patterns.numbers, skip="number_words")
    words = checker.table("numbers.number_words", numbers.get("number_words", {}))
    for word, number in words.items():
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 10:
            checker.fail(
                f"numbers.number_words.{word}", f"must be a whole number from 0 to 10, not {show_value(number)}"
            )
        else:
            patterns.number_words[skeleton(fold(word))] = number
    if checker.problems:
        raise _error(path, checker.problems)


def _finding(checker: "_Checker", key: str, entry: object) -> FindingPattern | None:
    """Check one [[finding]] table and return its pattern, or None when it is broken."""
    if not isinstance(entry, dict):
        checker.fail(key, "must be a table")
        return None
    unknown = [name for name in entry if name not in ("kind", "value", "phrases", "near")]
    if unknown:
        checker.fail(f"{key}.{unknown[0]}", "unknown key (expected kind, value, phrases, near)")
    try:
        kind = FindingKind(str(entry.get("kind")))
    except ValueError:
        choices = ", ".join(kind.value for kind in FindingKind)
        checker.fail(f"{key}.kind", f"must be one of {choices}, not {show_value(entry.get('kind'))}")
        return None
    key = f"{key} ({kind.value})"
    value = entry.get("value")
    if value is not None and value not in KIND_VALUES.get(kind, ()):
        allowed = ", ".join(KIND_VALUES.get(kind, ())) or "no value"
        checker.fail(f"{key}.value", f"must be one of: {allowed}; not {show_value(value)}")
    phrases = checker.phrases(f"{key}.phrases", entry.get("phrases", []))
    near: list[Near] = []
    raw_near = entry.get("near", [])
    if not isinstance(raw_near, list):
        checker.fail(f"{key}.near", "must be a list of {first = [...], second = [...], within = N} tables")
        raw_near = []
    for index, pair in enumerate(raw_near):
        near_key = f"{key}.near[{index}]"
        if not isinstance(pair, dict) or set(pair) != {"first", "second", "within"}:
            checker.fail(near_key, "must be a table with exactly first, second and within")
            continue
        within = pair["within"]
        if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= MAX_WITHIN:
            checker.fail(
                f"{near_key}.within", f"must be a whole number from 1 to {MAX_WITHIN}, not {show_value(within)}"
            )
            continue
        first = checker.phrases(f"{near_key}.first", pair["first"], nonempty=True)
        second = checker.phrases(f"{near_key}.second", pair["second"], nonempty=True)
        near.append(Near(tuple(first), tuple(second), within))
    if not phrases and not near:
        checker.fail(key, "needs phrases or near")
    return FindingPattern(kind, value if isinstance(value, str) else None, tuple(phrases), tuple(near))


def _lists(
    checker: "_Checker",
    section: str,
    raw: object,
    keys: tuple[str, ...],
    into: dict[str, list[Phrase]],
    skip: str = "",
) -> None:
    """Check a table whose keys are all required lists of phrases, and add them to `into`."""
    table = checker.table(section, raw)
    for key in keys:
        if key not in table:
            checker.fail(f"{section}.{key}", "missing")
    for key, value in table.items():
        if key == skip:
            continue
        if key not in keys:
            checker.fail(f"{section}.{key}", f"unknown key (expected only {', '.join(keys)})")
            continue
        into[key].extend(checker.phrases(f"{section}.{key}", value, nonempty=True))


class _Checker:
    """Collects the problems of one file, each with its key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def fail(self, key: str, problem: str) -> None:
        """Note a problem at a key."""
        self.problems.append(f"{key}: {problem}")

    def table(self, key: str, value: object) -> Mapping[str, Any]:
        """Return a TOML table, or note that it is not one."""
        if isinstance(value, dict):
            return value
        self.fail(key, f"must be a table, not {show_value(value)}")
        return {}

    def phrases(self, key: str, value: object, *, nonempty: bool = False) -> list[Phrase]:
        """Check a list of phrases and return them as pattern words."""
        if not isinstance(value, list) or (nonempty and not value):
            self.fail(key, f"must be a {'non-empty ' if nonempty else ''}list of phrases, not {show_value(value)}")
            return []
        found: list[Phrase] = []
        for index, phrase in enumerate(value):
            problem = _phrase_problem(phrase)
            if problem:
                self.fail(f"{key}[{index}]", problem)
            else:
                found.append(_pattern_words(str(phrase)))
        return found


def _phrase_problem(phrase: object) -> str | None:
    """Return what is wrong with a phrase, or None."""
    if not isinstance(phrase, str):
        return f"must be text, not {show_value(phrase)}"
    words = fold(phrase).split()
    if not words:
        return "is empty"
    for word in words:
        stem = word.removesuffix(WILDCARD)
        if word == WILDCARD:
            if words[0] == WILDCARD:
                return f'"{phrase}": "*" (any word) cannot start a phrase'
            continue
        letters = _letters_only(stem)
        if not letters:
            return f'"{phrase}": "{word}" is not a word (letters, digits, or one of ? / ° %)'
        if word.endswith(WILDCARD) and len(stem) < MIN_PREFIX:
            return f'"{phrase}": a prefix needs at least {MIN_PREFIX} letters ("{word}")'
    return None


def _letters_only(word: str) -> bool:
    """Tell whether a pattern word is one token as the tokeniser cuts text."""
    return len(tokenise(word, {}, {})) == 1


def _pattern_words(phrase: str) -> Phrase:
    """Return a phrase's pattern words, folded and skeletonised as message tokens are."""
    words = []
    for word in fold(phrase).split():
        if word == WILDCARD:
            words.append(word)
        elif word.endswith(WILDCARD):
            words.append(skeleton(word.removesuffix(WILDCARD)) + WILDCARD)
        else:
            words.append(skeleton(word))
    return tuple(words)


def _error(path: Path, problems: list[str]) -> ReadingDataError:
    """Build the error for a file's problems, one line each, naming the file."""
    return ReadingDataError("\n".join(f"{path}: {problem}" for problem in problems))


DEFAULT_READING_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "reading"
