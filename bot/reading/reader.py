"""The reader: a patient's message in, findings with their context out (a NegEx/ConText-style rule engine).

Findings come from the pattern files (phrases, and word pairs within a few words), numbers (temperatures, pain
scores) from number rules (bot.reading.numbers). Then each finding's context is decided by trigger phrases around
it, the way clinical NLP's NegEx and ConText do (bot.reading.context). Misspellings are corrected to the nearest
pattern word (one edit) with rapidfuzz.
"""

from pathlib import Path

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from bot.domain.findings import Finding, FindingKind, Reading
from bot.reading.context import Scene, find_triggers, finding_in_context, trigger_index
from bot.reading.matching import Candidate, Message, PhraseIndex
from bot.reading.numbers import NumberReader
from bot.reading.patterns import Patterns, load_patterns
from bot.reading.text import Token, tokenise

MAX_MESSAGE_CHARS = 4096  # Telegram's longest message; anything longer is read up to here
MIN_FUZZY_LENGTH = 6  # shorter words are never corrected: "never" must not become "fever"
MAX_CORRECTIONS = 20_000  # misspellings remembered; the memory is cleared beyond this

_PairSide = tuple[int, int, int]  # a finding pattern, one of its word pairs, and the side (0 first, 1 second)


class TextReader:
    """Reads typed messages in English and French (both always) into findings."""

    def __init__(self, patterns: Patterns, *, fuzzy: bool = True) -> None:
        self._patterns = patterns
        self._fuzzy = fuzzy
        self._vocabulary = sorted(patterns.vocabulary())
        self._long_words = [word for word in self._vocabulary if len(word) >= MIN_FUZZY_LENGTH - 1]
        self._known = set(self._vocabulary) | patterns.known
        self._corrections: dict[str, str] = {}
        self._findings = PhraseIndex(
            (index, phrase) for index, pattern in enumerate(patterns.findings) for phrase in pattern.phrases
        )
        self._pairs = PhraseIndex(
            ((index, number, side), phrase)
            for index, pattern in enumerate(patterns.findings)
            for number, near in enumerate(pattern.near)
            for side, phrases in enumerate((near.first, near.second))
            for phrase in phrases
        )
        self._ignore = PhraseIndex((None, phrase) for phrase in patterns.ignore)
        self._contexts = trigger_index({key: value for key, value in patterns.context.items() if key != "joiners"})
        self._joiners = trigger_index({"joiners": patterns.context["joiners"]})
        self._modifiers = trigger_index(patterns.modifiers)
        self._numbers = NumberReader(patterns)

    def read(self, text: str) -> Reading:
        """Return everything the message says, each finding with its context."""
        tokens = tokenise(text[:MAX_MESSAGE_CHARS], self._patterns.aliases, self._patterns.emoji)
        forms = [self._forms(token) for token in tokens]
        message = Message(tokens, forms)
        candidates = self._finding_candidates(message) + self._numbers.candidates(message)
        candidates += [
            Candidate(None, None, tuple(range(start, end + 1))) for _, start, end in self._ignore.all(message)
        ]
        accepted = _resolve(candidates)
        claimed = {position for candidate in accepted for position in candidate.positions}
        modifiers = find_triggers(message, self._modifiers, blocked=set())
        # Trend words are not triggers: "not settling" says how a finding goes, not that it is absent.
        claimed |= {position for modifier in modifiers for position in range(modifier.start, modifier.end + 1)}
        triggers = find_triggers(message, self._contexts, blocked=claimed)
        spans = [
            (candidate.positions[0], candidate.positions[-1], candidate.kind)
            for candidate in accepted
            if candidate.kind
        ]
        joiners = find_triggers(message, self._joiners, set())
        joining = {position for joiner in joiners for position in range(joiner.start, joiner.end + 1)}
        scene = Scene(message, triggers, modifiers, spans, joining)
        findings: dict[tuple[object, ...], Finding] = {}
        for candidate in accepted:
            if candidate.kind is None:
                continue
            finding = finding_in_context(scene, candidate.kind, candidate)
            findings.setdefault((finding.kind, finding.value, finding.context, finding.trend), finding)
        return Reading(tuple(findings.values()))

    def _forms(self, token: Token) -> tuple[str, ...]:
        """Return the forms a token matches as: its skeleton, and its correction when it looks misspelt."""
        if not token.is_word or token.is_number:
            return (token.text,)
        word = token.skeleton
        if not self._fuzzy or word in self._known or len(word) < MIN_FUZZY_LENGTH:
            return (word,)
        if word not in self._corrections:
            if len(self._corrections) >= MAX_CORRECTIONS:
                self._corrections.clear()
            best = extractOne(word, self._long_words, scorer=OSA.distance, score_cutoff=1)
            self._corrections[word] = best[0] if best is not None else word
        corrected = self._corrections[word]
        return (word,) if corrected == word else (word, corrected)

    def _finding_candidates(self, message: Message) -> list[Candidate]:
        """Return every place a finding's phrase or word pair matches."""
        found: list[Candidate] = []
        for index, start, end in self._findings.all(message):
            pattern = self._patterns.findings[index]
            found.append(Candidate(pattern.kind, pattern.value, tuple(range(start, end + 1))))
        sides: dict[_PairSide, list[tuple[int, ...]]] = {}
        for key, start, end in self._pairs.all(message):
            sides.setdefault(key, []).append(tuple(range(start, end + 1)))
        for index, pattern in enumerate(self._patterns.findings):
            for number, near in enumerate(pattern.near):
                for first in sides.get((index, number, 0), []):
                    for second in sides.get((index, number, 1), []):
                        if set(first) & set(second) or not message.close(first, second, near.within):
                            continue
                        positions = tuple(sorted({*first, *second}))
                        found.append(Candidate(pattern.kind, pattern.value, positions, paired=True))
        return found


def _resolve(candidates: list[Candidate]) -> list[Candidate]:
    """Keep the longest matches first: a shorter one of another kind may not use words a longer one took.

    Word pairs may share words with each other ("eyes and lips swollen": both), not with a longer phrase.
    """
    ordered = sorted(candidates, key=lambda candidate: (-len(candidate.positions), candidate.paired))
    by_phrase: dict[int, FindingKind | None] = {}
    by_any: dict[int, FindingKind | None] = {}
    accepted: list[Candidate] = []
    for candidate in ordered:
        taken = by_phrase if candidate.paired else by_any
        if any(taken.get(position, candidate.kind) != candidate.kind for position in candidate.positions):
            continue
        accepted.append(candidate)
        for position in candidate.positions:
            by_any.setdefault(position, candidate.kind)
            if not candidate.paired:
                by_phrase.setdefault(position, candidate.kind)
    return sorted(accepted, key=lambda candidate: candidate.positions)


def load_reader(folder: Path, *, fuzzy: bool = True) -> TextReader:
    """Load and check the pattern files in a folder and return a reader; raise ReadingDataError when one is bad."""
    return TextReader(load_patterns(folder), fuzzy=fuzzy)
