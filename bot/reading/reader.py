"""The reader: a patient's message in, findings with their context out (a NegEx/ConText-style rule engine).

Findings come from the pattern files (phrases, and word pairs within a few words), numbers (temperatures, pain
scores) from number rules. Then each finding's context is decided by trigger phrases around it, the way clinical
NLP's NegEx and ConText do: a negation before ("no pus") or after ("pus? no"), a question or doubt, a condition
("if I get a fever"), another person, the past. A trigger's scope ends at the end of the clause or at a
terminator ("but", "mais"). Misspellings are corrected to the nearest pattern word (one edit) with rapidfuzz.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from bot.domain.checkin import SPREADING_FAST, SPREADING_SLOW
from bot.domain.findings import PIMPLES_MANY, TRENDED, Context, Finding, FindingKind, Reading
from bot.reading.patterns import WILDCARD, Patterns, Phrase, load_patterns
from bot.reading.text import CLAUSE_ENDS, QUESTION, SENTENCE_ENDS, Token, tokenise

MAX_MESSAGE_CHARS = 2000  # a message longer than this is read up to here (Telegram allows 4096)
MIN_FUZZY_LENGTH = 6  # shorter words are never corrected: "never" must not become "fever"
NEGATION_WINDOW_BEFORE, NEGATION_WINDOW_AFTER = 5, 3
CONTEXT_WINDOW = 8
TREND_WINDOW, AMOUNT_WINDOW, SPEED_WINDOW = 6, 4, 5
TEMPERATURE_WORD_BEFORE, TEMPERATURE_WORD_AFTER = 3, 2  # words between a number and "fever", "temp", ...
PAIN_WORD_BEFORE, PAIN_WORD_AFTER = 4, 1  # words between a number and "pain", "douleur", ...
CELSIUS_RANGE, FAHRENHEIT_RANGE = (35.0, 43.0), (95.0, 110.0)
MAX_PAIN = 10
# When contexts compete, the first in this order wins: a denial is never overridden, a doubt counts as present.
_PRECEDENCE = (
    Context.NEGATED,
    Context.HYPOTHETICAL,
    Context.OTHER_PERSON,
    Context.HISTORICAL,
    Context.POSSIBLE,
)


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


class TextReader:
    """Reads typed messages in English and French (both always) into findings."""

    def __init__(self, patterns: Patterns, *, fuzzy: bool = True) -> None:
        self._patterns = patterns
        self._fuzzy = fuzzy
        self._vocabulary = sorted(patterns.vocabulary())
        self._long_words = [word for word in self._vocabulary if len(word) >= MIN_FUZZY_LENGTH - 1]
        self._known = set(self._vocabulary)
        self._corrections: dict[str, str] = {}
        self._contexts = [
            (key, phrase) for key, phrases in patterns.context.items() if key != "joiners" for phrase in phrases
        ]
        self._joiners = [("joiners", phrase) for phrase in patterns.context["joiners"]]
        self._modifiers = [(key, phrase) for key, phrases in patterns.modifiers.items() for phrase in phrases]

    def read(self, text: str) -> Reading:
        """Return everything the message says, each finding with its context."""
        tokens = tokenise(text[:MAX_MESSAGE_CHARS], self._patterns.aliases, self._patterns.emoji)
        forms = [self._forms(token) for token in tokens]
        message = _Message(tokens, forms)
        candidates = self._finding_candidates(message) + self._number_candidates(message)
        for phrase in self._patterns.ignore:
            candidates += [_Candidate(None, None, span) for span in message.spans(phrase)]
        accepted = _resolve(candidates)
        claimed = {position for candidate in accepted if candidate.kind for position in candidate.positions}
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
            best = extractOne(word, self._long_words, scorer=OSA.distance, score_cutoff=1)
            self._corrections[word] = best[0] if best is not None else word
        corrected = self._corrections[word]
        return (word,) if corrected == word else (word, corrected)

    def _finding_candidates(self, message: "_Message") -> list[_Candidate]:
        """Return every place a finding's phrase or word pair matches."""
        found: list[_Candidate] = []
        for pattern in self._patterns.findings:
            for phrase in pattern.phrases:
                for start in range(len(message.tokens)):
                    end = message.match(phrase, start)
                    if end is not None:
                        found.append(_Candidate(pattern.kind, pattern.value, tuple(range(start, end + 1))))
            for near in pattern.near:
                firsts = [span for phrase in near.first for span in message.spans(phrase)]
                if not firsts:
                    continue
                seconds = [span for phrase in near.second for span in message.spans(phrase)]
                for first in firsts:
                    for second in seconds:
                        if set(first) & set(second) or not message.close(first, second, near.within):
                            continue
                        positions = tuple(sorted({*first, *second}))
                        found.append(_Candidate(pattern.kind, pattern.value, positions, paired=True))
        return found

    def _number_candidates(self, message: "_Message") -> list[_Candidate]:
        """Return temperatures and pain scores written as numbers."""
        numbers = self._patterns.numbers
        found: list[_Candidate] = []
        used: set[int] = set()
        for index, token in enumerate(message.tokens):
            if not token.is_number or message.excluded(index, numbers["not_before"], numbers["not_after"]):
                continue
            temperature = self._temperature(message, index)
            if temperature is not None:
                value, span = temperature
                found.append(_Candidate(FindingKind.FEVER, value, span))
                used.update(span)
        for index in range(len(message.tokens)):
            if index in used or message.excluded(index, numbers["not_before"], numbers["not_after"]):
                continue
            pain = self._pain(message, index, used)
            if pain is not None:
                value, span = pain
                found.append(_Candidate(FindingKind.PAIN, value, span))
                used.update(span)
        return found

    def _temperature(self, message: "_Message", index: int) -> tuple[str, tuple[int, ...]] | None:
        """Read a temperature at a number: with a unit, or next to a fever or temperature word; None otherwise."""
        numbers = self._patterns.numbers
        number = float(message.tokens[index].text.replace(",", "."))
        span = [index]
        scale: str | None = None
        position = index + 1
        for units, name in (
            (numbers["degree_units"], "degree"),
            (numbers["celsius_units"], "C"),
            (numbers["fahrenheit_units"], "F"),
        ):
            end = message.match_any(units, position)
            if end is not None:
                span += range(position, end + 1)
                position = end + 1
                scale = name if scale in (None, "degree") else scale
        if scale is None and not message.word_near(
            index, numbers["temperature_words"], TEMPERATURE_WORD_BEFORE, TEMPERATURE_WORD_AFTER
        ):
            return None
        celsius = _celsius(number, scale)
        return None if celsius is None else (f"{celsius:.1f}", tuple(span))

    def _pain(self, message: "_Message", index: int, used: set[int]) -> tuple[str, tuple[int, ...]] | None:
        """Read a pain score at a number or number word: "7/10", "9 out of ten", "pain 8"; None otherwise."""
        numbers = self._patterns.numbers
        score = self._score(message.tokens[index])
        if score is None:
            return None
        position = index + 1
        slash = message.tokens[position].text == "/" if position < len(message.tokens) else False
        end = position if slash else message.match_any(numbers["out_of"], position)
        if end is not None and end + 1 < len(message.tokens) and self._score(message.tokens[end + 1]) == MAX_PAIN:
            return str(score), tuple(range(index, end + 2))
        if message.tokens[index].is_number and index - 1 >= 0 and message.tokens[index - 1].text == "/":
            return None  # the "10" of "7/10"
        if index in used or not message.word_near(index, numbers["pain_words"], PAIN_WORD_BEFORE, PAIN_WORD_AFTER):
            return None
        return str(score), (index,)

    def _score(self, token: Token) -> int | None:
        """Return a token's value as a pain score 0-10 (digits or a number word), or None."""
        if token.is_number:
            score = math.ceil(float(token.text.replace(",", ".")))
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

    def match_any(self, phrases: Iterable[Phrase], start: int) -> int | None:
        """Return the end of the longest of the phrases matching at start, else None."""
        ends = [end for phrase in phrases if (end := self.match(phrase, start)) is not None]
        return max(ends, default=None)

    def spans(self, phrase: Phrase) -> list[tuple[int, ...]]:
        """Return every span where the phrase matches."""
        found = []
        for start in range(len(self.tokens)):
            end = self.match(phrase, start)
            if end is not None:
                found.append(tuple(range(start, end + 1)))
        return found

    def close(self, first: tuple[int, ...], second: tuple[int, ...], within: int) -> bool:
        """Tell whether two spans are within a number of words of each other, in one sentence."""
        left, right = (first, second) if first[0] < second[0] else (second, first)
        return self.gap(left[-1], right[0]) <= within and not self.crosses(left[-1], right[0], SENTENCE_ENDS)

    def gap(self, left: int, right: int) -> int:
        """Return how many words lie strictly between two positions."""
        return sum(1 for token in self.tokens[left + 1 : right] if token.is_word)

    def crosses(self, left: int, right: int, marks: Iterable[str]) -> bool:
        """Tell whether any of the marks lies strictly between two positions."""
        wanted = set(marks)
        return any(token.text in wanted for token in self.tokens[left + 1 : right])

    def word_near(self, index: int, phrases: Sequence[Phrase], before: int, after: int) -> bool:
        """Tell whether one of the phrases lies within some words before or after a position, in one sentence."""
        for start in range(len(self.tokens)):
            for phrase in phrases:
                end = self.match(phrase, start)
                if end is None:
                    continue
                if end < index and self.gap(end, index) <= before and not self.crosses(end, index, SENTENCE_ENDS):
                    return True
                if start > index and self.gap(index, start) <= after and not self.crosses(index, start, SENTENCE_ENDS):
                    return True
        return False

    def excluded(self, index: int, not_before: Sequence[Phrase], not_after: Sequence[Phrase]) -> bool:
        """Tell whether a number is a day, an age, a time or a count rather than a reading ("day 8", "2 days")."""
        if self.match_any(not_after, index + 1) is not None:
            return True
        return any(
            (start := index - len(phrase)) >= 0 and self.match(phrase, start) == index - 1 for phrase in not_before
        )


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


def _find(message: _Message, phrases: list[tuple[str, Phrase]], blocked: set[int]) -> list[_Trigger]:
    """Find trigger phrases, longest first, each word used once, skipping words that belong to findings.

    A phrase listed in several categories ("no" before and after a finding) is a trigger of each.
    """
    categories: dict[Phrase, list[str]] = {}
    for category, phrase in phrases:
        categories.setdefault(phrase, []).append(category)
    used = set(blocked)
    found: list[_Trigger] = []
    for phrase in sorted(categories, key=lambda phrase: -len(phrase)):
        for start in range(len(message.tokens)):
            end = message.match(phrase, start, blocked=used)
            if end is not None:
                found += [_Trigger(category, start, end) for category in categories[phrase]]
                used.update(range(start, end + 1))
    return found


@dataclass(frozen=True)
class _Scene:
    """What surrounds the findings of a message: its triggers, modifiers and the findings' spans."""

    message: _Message
    triggers: list[_Trigger]
    modifiers: list[_Trigger]
    spans: list[tuple[int, int, FindingKind]]  # every finding's first and last position, and its kind
    joining: set[int]  # positions of list words ("or", "ni") that carry a negation on to the next finding

    def cut(self, left: int, right: int, marks: Iterable[str], stops: Iterable[str] = ("terminators",)) -> bool:
        """Tell whether a scope from left to right is cut by a mark or a stopping trigger."""
        return self.message.crosses(left, right, marks) or any(
            left < trigger.start < right for trigger in self.triggers if trigger.category in stops
        )

    def listed(self, left: int, right: int, kind: FindingKind) -> bool:
        """Tell whether a negation at left reaches a finding at right past the findings between: only in a list.

        "no pus or fever" negates both; "no pus fever 39" (no punctuation) negates only the pus.
        """
        between = [span for span in self.spans if left < span[0] and span[1] < right]
        if not between:
            return True
        last = max(between, key=lambda span: span[1])
        gap = range(last[1] + 1, right)
        if not gap:
            return last[2] is kind  # "no blurry vision": one finding in two phrases
        return all(position in self.joining for position in gap)

    def followed(self, trigger: _Trigger) -> bool:
        """Tell whether a finding follows a trigger in its clause: then "no" negates forward, not back."""
        return any(
            span[0] > trigger.end and not self.message.crosses(trigger.end, span[0], CLAUSE_ENDS) for span in self.spans
        )


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

    def before(trigger: _Trigger, window: int, marks: Iterable[str], stops: tuple[str, ...] = ("terminators",)) -> bool:
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
    for trigger in scene.triggers:
        category = trigger.category
        if _negates(scene, trigger, start, end, kind, before(trigger, NEGATION_WINDOW_BEFORE, CLAUSE_ENDS)) or (
            category == "negated_after"
            and after(trigger, NEGATION_WINDOW_AFTER, CLAUSE_ENDS - {QUESTION, ":"})
            and not scene.followed(trigger)
        ):
            found.add(Context.NEGATED)
        elif category == "hypothetical_before" and before(trigger, CONTEXT_WINDOW, CLAUSE_ENDS):
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
    closing = next((token.text for token in message.tokens[end + 1 :] if token.text in SENTENCE_ENDS), None)
    if closing == QUESTION:
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
    for modifier in scene.modifiers:
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
        distance = scene.message.gap(left, right)
        if distance <= window and (best is None or distance < best[0]):
            best = (distance, modifier.category)
    return None if best is None else best[1]


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
