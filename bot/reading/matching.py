"""Matching pattern phrases against a tokenised message: the message, the phrase index and what a match claims."""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.domain.findings import FindingKind
from bot.reading.patterns import WILDCARD, Phrase
from bot.reading.text import SENTENCE_ENDS, Token

_KEY = 2  # prefix phrases are indexed by the first two letters of their stem
MAX_PHRASE_WORDS = 8  # for looking back from a position: no number phrase is longer

_Payload = TypeVar("_Payload")


@dataclass(frozen=True)
class Candidate:
    """A finding before its context is known: where it is and which of its words it claims."""

    kind: FindingKind | None  # None: an ignored phrase, which only keeps its words from other findings
    value: str | None
    positions: tuple[int, ...]
    paired: bool = False  # a word pair ("lips ... puffy"), which may share words with other pairs


class Message:
    """A tokenised message with the pattern-matching helpers."""

    def __init__(self, tokens: Sequence[Token], forms: Sequence[tuple[str, ...]]) -> None:
        self.tokens = tokens
        self.forms = forms
        self._words = running_counts(token.is_word for token in tokens)
        self._marks: dict[frozenset[str], list[int]] = {}
        self._closing: list[str | None] = [None] * (len(tokens) + 1)  # the first sentence end at or after each
        for position in range(len(tokens) - 1, -1, -1):
            text = tokens[position].text
            self._closing[position] = text if text in SENTENCE_ENDS else self._closing[position + 1]

    def closing(self, position: int) -> str | None:
        """Return the mark that ends the sentence at or after a position ("?" for a question), or None."""
        return self._closing[min(position, len(self.tokens))]

    def match(self, phrase: Phrase, start: int, blocked: set[int] | None = None) -> int | None:
        """Return the index of the last token when the phrase matches from start, else None."""
        position = start
        for word in phrase:
            if position >= len(self.tokens) or (blocked and position in blocked):
                return None
            if not _word_matches(word, self.tokens[position], self.forms[position]):
                return None
            position += 1
        return position - 1

    def close(self, first: tuple[int, ...], second: tuple[int, ...], within: int) -> bool:
        """Tell whether two spans are within a number of words of each other, in one sentence."""
        left, right = (first, second) if first[0] < second[0] else (second, first)
        return self.gap(left[-1], right[0]) <= within and not self.crosses(left[-1], right[0], SENTENCE_ENDS)

    def gap(self, left: int, right: int) -> int:
        """Return how many words lie strictly between two positions."""
        return max(0, self._words[right] - self._words[left + 1]) if right > left else 0

    def crosses(self, left: int, right: int, marks: Iterable[str]) -> bool:
        """Tell whether any of the marks lies strictly between two positions."""
        if right - left <= 1:
            return False
        key = frozenset(marks)
        counts = self._marks.get(key)
        if counts is None:
            counts = running_counts(token.text in key for token in self.tokens)
            self._marks[key] = counts
        return counts[right] - counts[left + 1] > 0

    def near(self, index: int, matches: "Nearby", before: int, after: int) -> bool:
        """Tell whether one of the matches lies within some words before or after a position, in one sentence."""
        end, start = matches.last_end_before(index), matches.first_start_after(index)
        if end is not None and self.gap(end, index) <= before and not self.crosses(end, index, SENTENCE_ENDS):
            return True
        return start is not None and self.gap(index, start) <= after and not self.crosses(index, start, SENTENCE_ENDS)


class PhraseIndex(Generic[_Payload]):
    """Phrases indexed by their first word, so that a message is matched in one pass over its words."""

    def __init__(self, entries: Iterable[tuple[_Payload, Phrase]]) -> None:
        self._exact: dict[str, list[tuple[_Payload, Phrase]]] = {}
        self._prefix: dict[str, list[tuple[str, _Payload, Phrase]]] = {}  # by the stem's first two letters
        for payload, phrase in entries:
            first = phrase[0]
            if first.endswith(WILDCARD):
                stem = first[:-1]
                self._prefix.setdefault(stem[:_KEY], []).append((stem, payload, phrase))
            else:
                self._exact.setdefault(first, []).append((payload, phrase))

    def at(self, message: Message, start: int, blocked: set[int] | None = None) -> list[tuple[_Payload, int]]:
        """Return (payload, last position) for every phrase matching from start."""
        entries: dict[int, tuple[_Payload, Phrase]] = {}
        for form in message.forms[start]:
            for payload, phrase in self._exact.get(form, ()):
                entries[id(phrase)] = (payload, phrase)
            for key in {form[:1], form[:_KEY]}:  # a skeleton stem may be one letter short ("ooz*" is "oz")
                for stem, payload, phrase in self._prefix.get(key, ()):
                    if form.startswith(stem):
                        entries[id(phrase)] = (payload, phrase)
        found = []
        for payload, phrase in entries.values():
            end = message.match(phrase, start, blocked)
            if end is not None:
                found.append((payload, end))
        return found

    def all(self, message: Message, blocked: set[int] | None = None) -> list[tuple[_Payload, int, int]]:
        """Return (payload, first position, last position) for every match in the message."""
        return [
            (payload, start, end)
            for start in range(len(message.tokens))
            if not blocked or start not in blocked
            for payload, end in self.at(message, start, blocked)
        ]

    def longest_at(self, message: Message, start: int) -> int | None:
        """Return the last position of the longest phrase matching from start, or None."""
        if start >= len(message.tokens):
            return None
        return max((end for _, end in self.at(message, start)), default=None)

    def ends_at(self, message: Message, end: int) -> bool:
        """Tell whether a phrase ends exactly at a position."""
        return any(
            last == end
            for start in range(max(0, end - MAX_PHRASE_WORDS), end + 1)
            for _, last in self.at(message, start)
        )


class Nearby:
    """Where matches of some words are, to find the nearest one before or after a position."""

    def __init__(self, matches: list[tuple[str, int, int]]) -> None:
        self._ends = sorted(end for _, _, end in matches)
        self._starts = sorted(start for _, start, _ in matches)

    def last_end_before(self, index: int) -> int | None:
        """Return the last position of the nearest match ending before a position, or None."""
        place = bisect_left(self._ends, index)
        return self._ends[place - 1] if place else None

    def first_start_after(self, index: int) -> int | None:
        """Return the first position of the nearest match starting after a position, or None."""
        place = bisect_right(self._starts, index)
        return self._starts[place] if place < len(self._starts) else None


def running_counts(flags: Iterable[bool]) -> list[int]:
    """Return running counts: item i is how many flags before position i are true."""
    counts = [0]
    for flag in flags:
        counts.append(counts[-1] + flag)
    return counts


def _word_matches(word: str, token: Token, forms: tuple[str, ...]) -> bool:
    """Tell whether one pattern word matches a token."""
    if word == WILDCARD:
        return token.is_word
    if word.endswith(WILDCARD):
        stem = word[:-1]
        return any(form.startswith(stem) for form in forms)
    return word in forms
