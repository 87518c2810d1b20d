"""The reader: a patient's message in, findings with their context out (a NegEx/ConText-style rule engine).

Findings come from the pattern files (phrases, and word pairs within a few words), numbers (temperatures, pain
scores) from number rules. Then each finding's context is decided by trigger phrases around it, the way clinical
NLP's NegEx and ConText do: a negation before ("no pus") or after ("pus? no"), a question or doubt, a condition
("if I get a fever"), another person, the past. A trigger's scope ends at the end of the clause or at a
terminator ("but", "mais"). Misspellings are corrected to the nearest pattern word (one edit) with rapidfuzz.
"""

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from bot.domain.checkin import SPREADING_FAST, SPREADING_SLOW
from bot.domain.findings import PIMPLES_MANY, TRENDED, Context, Finding, FindingKind, Reading
from bot.reading.patterns import WILDCARD, Patterns, Phrase, load_patterns
from bot.reading.text import CLAUSE_ENDS, QUESTION, SENTENCE_ENDS, Token, tokenise

MAX_MESSAGE_CHARS = 4096  # Telegram's longest message; anything longer is read up to here
MIN_FUZZY_LENGTH = 6  # shorter words are never corrected: "never" must not become "fever"
NEGATION_WINDOW_BEFORE, NEGATION_WINDOW_AFTER = 5, 3
CONTEXT_WINDOW = 8
TREND_WINDOW, AMOUNT_WINDOW, SPEED_WINDOW = 6, 4, 5
TOKEN_REACH = 40  # triggers and modifiers further than this many tokens from a finding are not looked at
CLAUSE_PENALTY = 2  # a trend word across a comma counts as this many words further away
TEMPERATURE_WORD_BEFORE, TEMPERATURE_WORD_AFTER = 3, 2  # words between a number and "fever", "temp", ...
PAIN_WORD_BEFORE, PAIN_WORD_AFTER = 4, 1  # words between a number and "pain", "douleur", ...
CELSIUS_RANGE, FAHRENHEIT_RANGE = (35.0, 43.0), (95.0, 110.0)
MAX_PAIN = 10
MAX_NUMBER_CHARS = 8  # "101.3", "38,75": a longer run of digits is no temperature or pain score
_KEY = 2  # prefix phrases are indexed by the first two letters of their stem
MAX_PHRASE_WORDS = 8  # for looking back from a position: no number phrase is longer
MAX_CORRECTIONS = 20_000  # misspellings remembered; the memory is cleared beyond this
# When contexts compete, the first in this order wins: a denial is never overridden, a doubt counts as present.
# What ends a trigger's scope besides punctuation: terminators ("but") end every scope; conjunctions ("and") end
# all but a condition's and another person's ("if I get a fever and pus", "my sister has a fever and chills").
_ALL_STOPS = ("terminators", "conjunctions")
_PRECEDENCE = (
    Context.NEGATED,
    Context.HYPOTHETICAL,
    Context.OTHER_PERSON,
    Context.HISTORICAL,
    Context.POSSIBLE,
)


_Payload = TypeVar("_Payload")
_PairSide = tuple[int, int, int]  # a finding pattern, one of its word pairs, and the side (0 first, 1 second)


@dataclass(frozen=True)
class _Candidate:
    """A finding before its context is known: where it is and which of its words it claims."""

    kind: FindingKind | None  # None: an ignored phrase, which only keeps its words from other findings
    value: str | None
    positions: tuple[int, ...]
    paired: bool = False  # a word pair ("lips ... puffy"), which may share words with other pairs


@dataclass(frozen=True)
class _Trigger:
    """A context or modifier phrase found in the message."""

    category: str
    start: int
    end: int  # inclusive


class _PhraseIndex(Generic[_Payload]):
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

    def at(self, message: "_Message", start: int, blocked: set[int] | None = None) -> list[tuple[_Payload, int]]:
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

    def all(self, message: "_Message", blocked: set[int] | None = None) -> list[tuple[_Payload, int, int]]:
        """Return (payload, first position, last position) for every match in the message."""
        return [
            (payload, start, end)
            for start in range(len(message.tokens))
            if not blocked or start not in blocked
            for payload, end in self.at(message, start, blocked)
        ]

    def longest_at(self, message: "_Message", start: int) -> int | None:
        """Return the last position of the longest phrase matching from start, or None."""
        if start >= len(message.tokens):
            return None
        return max((end for _, end in self.at(message, start)), default=None)

    def ends_at(self, message: "_Message", end: int) -> bool:
        """Tell whether a phrase ends exactly at a position."""
        return any(
            last == end
            for start in range(max(0, end - MAX_PHRASE_WORDS), end + 1)
            for _, last in self.at(message, start)
        )


class TextReader:
    """Reads typed messages in English and French (both always) into findings."""

    def __init__(self, patterns: Patterns, *, fuzzy: bool = True) -> None:
        self._patterns = patterns
        self._fuzzy = fuzzy
        self._vocabulary = sorted(patterns.vocabulary())
        self._long_words = [word for word in self._vocabulary if len(word) >= MIN_FUZZY_LENGTH - 1]
        self._known = set(self._vocabulary) | patterns.known
        self._corrections: dict[str, str] = {}
        self._findings = _PhraseIndex(
            (index, phrase) for index, pattern in enumerate(patterns.findings) for phrase in pattern.phrases
        )
        self._pairs = _PhraseIndex(
            ((index, number, side), phrase)
            for index, pattern in enumerate(patterns.findings)
            for number, near in enumerate(pattern.near)
            for side, phrases in enumerate((near.first, near.second))
            for phrase in phrases
        )
        self._ignore = _PhraseIndex((None, phrase) for phrase in patterns.ignore)
        self._contexts = _categories({key: value for key, value in patterns.context.items() if key != "joiners"})
        self._joiners = _categories({"joiners": patterns.context["joiners"]})
        self._modifiers = _categories(patterns.modifiers)
        self._numbers = {
            key: _PhraseIndex((key, phrase) for phrase in value) for key, value in patterns.numbers.items()
        }

    def read(self, text: str) -> Reading:
        """Return everything the message says, each finding with its context."""
        tokens = tokenise(text[:MAX_MESSAGE_CHARS], self._patterns.aliases, self._patterns.emoji)
        forms = [self._forms(token) for token in tokens]
        message = _Message(tokens, forms)
        candidates = self._finding_candidates(message) + self._number_candidates(message)
        candidates += [
            _Candidate(None, None, tuple(range(start, end + 1))) for _, start, end in self._ignore.all(message)
        ]
        accepted = _resolve(candidates)
        claimed = {position for candidate in accepted for position in candidate.positions}
        modifiers = _find(message, self._modifiers, blocked=set())
        # Trend words are not triggers: "not settling" says how a finding goes, not that it is absent.
        claimed |= {position for modifier in modifiers for position in range(modifier.start, modifier.end + 1)}
        triggers = _find(message, self._contexts, blocked=claimed)
        spans = [
            (candidate.positions[0], candidate.positions[-1], candidate.kind)
            for candidate in accepted
            if candidate.kind
        ]
        joiners = _find(message, self._joiners, set())
        joining = {position for joiner in joiners for position in range(joiner.start, joiner.end + 1)}
        scene = _Scene(message, triggers, modifiers, spans, joining)
        findings: dict[tuple[object, ...], Finding] = {}
        for candidate in accepted:
            if candidate.kind is None:
                continue
            finding = _finding(scene, candidate.kind, candidate)
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

    def _finding_candidates(self, message: "_Message") -> list[_Candidate]:
        """Return every place a finding's phrase or word pair matches."""
        found: list[_Candidate] = []
        for index, start, end in self._findings.all(message):
            pattern = self._patterns.findings[index]
            found.append(_Candidate(pattern.kind, pattern.value, tuple(range(start, end + 1))))
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
                        found.append(_Candidate(pattern.kind, pattern.value, positions, paired=True))
        return found

    def _number_candidates(self, message: "_Message") -> list[_Candidate]:
        """Return temperatures and pain scores written as numbers."""
        numbers = self._numbers
        found: list[_Candidate] = []
        used: set[int] = set()
        temperature_words = _Nearby(numbers["temperature_words"].all(message))
        pain_words = _Nearby(numbers["pain_words"].all(message))
        excluded = {
            index
            for index, token in enumerate(message.tokens)
            if numbers["not_after"].longest_at(message, index + 1) is not None
            or (index > 0 and numbers["not_before"].ends_at(message, index - 1))
        }
        for index, token in enumerate(message.tokens):
            if not token.is_number or index in excluded:
                continue
            temperature = self._temperature(message, index, temperature_words)
            if temperature is not None:
                value, span = temperature
                found.append(_Candidate(FindingKind.FEVER, value, span))
                used.update(span)
        for index in range(len(message.tokens)):
            if index in used or index in excluded:
                continue
            pain = self._pain(message, index, used, pain_words)
            if pain is not None:
                value, span = pain
                found.append(_Candidate(FindingKind.PAIN, value, span))
                used.update(span)
        return found

    def _temperature(
        self, message: "_Message", index: int, temperature_words: "_Nearby"
    ) -> tuple[str, tuple[int, ...]] | None:
        """Read a temperature at a number: with a unit, or next to a fever or temperature word; None otherwise."""
        numbers = self._numbers
        number = _number(message.tokens[index].text)
        if number is None:
            return None
        span = [index]
        scale: str | None = None
        position = index + 1
        for units, name in (
            (numbers["degree_units"], "degree"),
            (numbers["celsius_units"], "C"),
            (numbers["fahrenheit_units"], "F"),
        ):
            end = units.longest_at(message, position)
            if end is not None:
                span += range(position, end + 1)
                position = end + 1
                scale = name if scale in (None, "degree") else scale
        if scale is None and not message.near(
            index, temperature_words, TEMPERATURE_WORD_BEFORE, TEMPERATURE_WORD_AFTER
        ):
            return None
        celsius = _celsius(number, scale)
        return None if celsius is None else (f"{celsius:.1f}", tuple(span))

    def _pain(
        self, message: "_Message", index: int, used: set[int], pain_words: "_Nearby"
    ) -> tuple[str, tuple[int, ...]] | None:
        """Read a pain score at a number or number word: "7/10", "9 out of ten", "pain 8"; None otherwise."""
        numbers = self._numbers
        score = self._score(message.tokens[index])
        if score is None:
            return None
        position = index + 1
        slash = message.tokens[position].text == "/" if position < len(message.tokens) else False
        end = position if slash else numbers["out_of"].longest_at(message, position)
        if end is not None and end + 1 < len(message.tokens) and self._score(message.tokens[end + 1]) == MAX_PAIN:
            return str(score), tuple(range(index, end + 2))
        if message.tokens[index].is_number and index - 1 >= 0 and message.tokens[index - 1].text == "/":
            return None  # the "10" of "7/10"
        if index in used or not message.near(index, pain_words, PAIN_WORD_BEFORE, PAIN_WORD_AFTER):
            return None
        return str(score), (index,)

    def _score(self, token: Token) -> int | None:
        """Return a token's value as a pain score 0-10 (digits or a number word), or None."""
        if token.is_number:
            number = _number(token.text)
            if number is None:
                return None
            score = math.ceil(number)
        else:
            found = self._patterns.number_words.get(token.skeleton)
            if found is None:
                return None
            score = found
        return score if 0 <= score <= MAX_PAIN else None


class _Message:
    """A tokenised message with the pattern-matching helpers."""

    def __init__(self, tokens: Sequence[Token], forms: Sequence[tuple[str, ...]]) -> None:
        self.tokens = tokens
        self.forms = forms
        self._words = _running_counts(token.is_word for token in tokens)
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
            counts = _running_counts(token.text in key for token in self.tokens)
            self._marks[key] = counts
        return counts[right] - counts[left + 1] > 0

    def near(self, index: int, matches: "_Nearby", before: int, after: int) -> bool:
        """Tell whether one of the matches lies within some words before or after a position, in one sentence."""
        end, start = matches.last_end_before(index), matches.first_start_after(index)
        if end is not None and self.gap(end, index) <= before and not self.crosses(end, index, SENTENCE_ENDS):
            return True
        return start is not None and self.gap(index, start) <= after and not self.crosses(index, start, SENTENCE_ENDS)


class _Nearby:
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


def _running_counts(flags: Iterable[bool]) -> list[int]:
    """Return running counts: item i is how many flags before position i are true."""
    counts = [0]
    for flag in flags:
        counts.append(counts[-1] + flag)
    return counts


def _categories(lists: dict[str, list[Phrase]]) -> "_PhraseIndex[tuple[str, ...]]":
    """Index trigger phrases by phrase, each with every category it is listed in."""
    categories: dict[Phrase, list[str]] = {}
    for category, phrases in lists.items():
        for phrase in phrases:
            categories.setdefault(phrase, []).append(category)
    return _PhraseIndex((tuple(names), phrase) for phrase, names in categories.items())


def _word_matches(word: str, token: Token, forms: tuple[str, ...]) -> bool:
    """Tell whether one pattern word matches a token."""
    if word == WILDCARD:
        return token.is_word
    if word.endswith(WILDCARD):
        stem = word[:-1]
        return any(form.startswith(stem) for form in forms)
    return word in forms


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the longest matches first: a shorter one of another kind may not use words a longer one took.

    Word pairs may share words with each other ("eyes and lips swollen": both), not with a longer phrase.
    """
    ordered = sorted(candidates, key=lambda candidate: (-len(candidate.positions), candidate.paired))
    by_phrase: dict[int, FindingKind | None] = {}
    by_any: dict[int, FindingKind | None] = {}
    accepted: list[_Candidate] = []
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


def _find(message: _Message, index: "_PhraseIndex[tuple[str, ...]]", blocked: set[int]) -> list[_Trigger]:
    """Find trigger phrases, longest first, each word used once, skipping words that belong to findings.

    A phrase listed in several categories ("no" before and after a finding) is a trigger of each.
    """
    matches = sorted(index.all(message, blocked), key=lambda match: (match[1] - match[2], match[1]))
    used = set(blocked)
    found: list[_Trigger] = []
    for categories, start, end in matches:
        span = range(start, end + 1)
        if any(position in used for position in span):
            continue
        found += [_Trigger(category, start, end) for category in categories]
        used.update(span)
    return found


@dataclass
class _Scene:
    """What surrounds the findings of a message: its triggers, modifiers and the findings' spans."""

    message: _Message
    triggers: list[_Trigger]
    modifiers: list[_Trigger]
    spans: list[tuple[int, int, FindingKind]]  # every finding's first and last position, and its kind
    joining: set[int]  # positions of list words ("or", "ni") that carry a negation on to the next finding

    def __post_init__(self) -> None:
        self.triggers.sort(key=lambda trigger: trigger.start)
        self.modifiers.sort(key=lambda modifier: modifier.start)
        self.spans.sort()
        self._trigger_starts = [trigger.start for trigger in self.triggers]
        self._modifier_starts = [modifier.start for modifier in self.modifiers]
        self._span_starts = [span[0] for span in self.spans]
        self._stops: dict[tuple[str, ...], list[int]] = {}

    def around(self, start: int, end: int, modifiers: bool = False) -> list[_Trigger]:
        """Return the triggers (or modifiers) that start within reach of a finding from start to end."""
        items, starts = (self.modifiers, self._modifier_starts) if modifiers else (self.triggers, self._trigger_starts)
        return items[bisect_left(starts, start - TOKEN_REACH) : bisect_right(starts, end + TOKEN_REACH)]

    def cut(self, left: int, right: int, marks: Iterable[str], stops: tuple[str, ...] = _ALL_STOPS) -> bool:
        """Tell whether a scope from left to right is cut by a mark or a stopping trigger."""
        if self.message.crosses(left, right, marks):
            return True
        counts = self._stops.get(stops)
        if counts is None:
            starting = {trigger.start for trigger in self.triggers if trigger.category in stops}
            counts = _running_counts(position in starting for position in range(len(self.message.tokens)))
            self._stops[stops] = counts
        return right - left > 1 and counts[right] - counts[left + 1] > 0

    def listed(self, left: int, right: int, kind: FindingKind) -> bool:
        """Tell whether a negation at left reaches a finding at right past the findings between: only in a list.

        "no pus or fever" negates both; "no pus fever 39" (no punctuation) negates only the pus.
        """
        nearby = self.spans[bisect_right(self._span_starts, left) : bisect_left(self._span_starts, right)]
        between = [span for span in nearby if span[1] < right]
        if not between:
            return True
        last = max(between, key=lambda span: span[1])
        gap = range(last[1] + 1, right)
        if not gap:
            return last[2] is kind  # "no blurry vision": one finding in two phrases
        return all(position in self.joining for position in gap)

    def followed(self, trigger: _Trigger) -> bool:
        """Tell whether a trigger is no denial after a finding: a finding follows it in its clause, or it asks.

        "fever no pus": the "no" negates forward; "fever 38 is ok?" asks rather than denies.
        """
        if self.message.closing(trigger.end + 1) == QUESTION:
            return True
        following = bisect_right(self._span_starts, trigger.end)
        if following == len(self.spans):
            return False
        return not self.message.crosses(trigger.end, self.spans[following][0], CLAUSE_ENDS)


def _finding(scene: _Scene, kind: FindingKind, candidate: _Candidate) -> Finding:
    """Decide a candidate's context, trend and value from the triggers and modifiers around it."""
    start, end = candidate.positions[0], candidate.positions[-1]
    contexts = _contexts(scene, start, end, kind)
    context = next((context for context in _PRECEDENCE if context in contexts), Context.AFFIRMED)
    value, trend = candidate.value, None
    if kind in TRENDED:
        trend = _nearest(scene, start, end, ("worse", "same", "better"), TREND_WINDOW)
    if kind is FindingKind.PIMPLES and _nearest(scene, start, end, ("many",), AMOUNT_WINDOW):
        value = PIMPLES_MANY
    if kind is FindingKind.SPREADING and value in (None, SPREADING_SLOW):
        fast = _nearest(scene, start, end, ("fast",), SPEED_WINDOW)
        value = SPREADING_FAST if fast else SPREADING_SLOW
    words = " ".join(scene.message.tokens[position].text for position in candidate.positions)
    return Finding(kind, value, context, words, trend)


def _contexts(scene: _Scene, start: int, end: int, kind: FindingKind) -> set[Context]:
    """Return every context a trigger around the finding (from start to end) puts it in."""
    message = scene.message

    def before(trigger: _Trigger, window: int, marks: Iterable[str], stops: tuple[str, ...] = _ALL_STOPS) -> bool:
        """Tell whether the trigger comes before the finding and reaches it."""
        return (
            trigger.end < start
            and message.gap(trigger.end, start) <= window
            and not scene.cut(trigger.end, start, marks, stops)
        )

    def after(trigger: _Trigger, window: int, marks: Iterable[str]) -> bool:
        """Tell whether the trigger comes after the finding and reaches back to it."""
        return (
            trigger.start > end
            and message.gap(end, trigger.start) <= window
            and not scene.cut(end, trigger.start, marks)
        )

    found: set[Context] = set()
    for trigger in scene.around(start, end):
        category = trigger.category
        if _negates(scene, trigger, start, end, kind, before(trigger, NEGATION_WINDOW_BEFORE, CLAUSE_ENDS)) or (
            category == "negated_after"
            and after(trigger, NEGATION_WINDOW_AFTER, CLAUSE_ENDS - {QUESTION, ":"})
            and not scene.followed(trigger)
        ):
            found.add(Context.NEGATED)
        elif category == "hypothetical_before" and before(trigger, CONTEXT_WINDOW, CLAUSE_ENDS, ("terminators",)):
            found.add(Context.HYPOTHETICAL)
        elif category == "other_person_before" and before(
            trigger, CONTEXT_WINDOW, SENTENCE_ENDS, ("terminators", "first_person")
        ):
            found.add(Context.OTHER_PERSON)
        elif (category == "historical_before" and before(trigger, CONTEXT_WINDOW, CLAUSE_ENDS)) or (
            category == "historical_after" and after(trigger, CONTEXT_WINDOW, CLAUSE_ENDS)
        ):
            found.add(Context.HISTORICAL)
        elif (category == "possible_before" and before(trigger, CONTEXT_WINDOW, SENTENCE_ENDS)) or (
            category == "possible_after" and after(trigger, NEGATION_WINDOW_AFTER, SENTENCE_ENDS)
        ):
            found.add(Context.POSSIBLE)
    if message.closing(end + 1) == QUESTION:
        found.add(Context.POSSIBLE)
    return found


def _negates(scene: _Scene, trigger: _Trigger, start: int, end: int, kind: FindingKind, reaches: bool) -> bool:
    """Tell whether a negation before a finding negates it: in reach and in a list, or inside a word pair."""
    if trigger.category != "negated_before":
        return False
    return (reaches and scene.listed(trigger.end, start, kind)) or start < trigger.start < end


def _nearest(scene: _Scene, start: int, end: int, categories: tuple[str, ...], window: int) -> str | None:
    """Return the category of the nearest modifier of the given categories in the finding's sentence, or None."""
    best: tuple[int, str] | None = None
    for modifier in scene.around(start, end, modifiers=True):
        if modifier.category not in categories:
            continue
        if modifier.end < start:
            left, right = modifier.end, start
        elif modifier.start > end:
            left, right = end, modifier.start
        else:
            return modifier.category  # inside a word pair: "redness ... more ... spreading"
        if scene.cut(left, right, SENTENCE_ENDS, stops=()):
            continue
        distance = scene.message.gap(left, right) + CLAUSE_PENALTY * scene.cut(left, right, CLAUSE_ENDS, stops=())
        if distance <= window and (best is None or distance < best[0]):
            best = (distance, modifier.category)
    return None if best is None else best[1]


def _number(text: str) -> float | None:
    """Return a number as typed (a point or a comma before the decimals), or None when it is too long to be one."""
    return float(text.replace(",", ".")) if len(text) <= MAX_NUMBER_CHARS else None


def _celsius(number: float, scale: str | None) -> float | None:
    """Return a plausible body temperature in degrees Celsius, or None when the number cannot be one."""
    low_c, high_c = CELSIUS_RANGE
    low_f, high_f = FAHRENHEIT_RANGE
    if scale != "F" and low_c <= number <= high_c:
        return number
    if scale != "C" and low_f <= number <= high_f:
        return (number - 32) * 5 / 9
    return None


def load_reader(folder: Path, *, fuzzy: bool = True) -> TextReader:
    """Load and check the pattern files in a folder and return a reader; raise ReadingDataError when one is bad."""
    return TextReader(load_patterns(folder), fuzzy=fuzzy)
