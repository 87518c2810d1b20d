"""Reading numbers in a message: temperatures ("38.5", "101 F", "fever 39") and pain scores ("7/10", "pain 8")."""

import math

from bot.domain.findings import FindingKind
from bot.reading.matching import Candidate, Message, Nearby, PhraseIndex
from bot.reading.patterns import Patterns
from bot.reading.text import Token

TEMPERATURE_WORD_BEFORE, TEMPERATURE_WORD_AFTER = 3, 2  # words between a number and "fever", "temp", ...
PAIN_WORD_BEFORE, PAIN_WORD_AFTER = 4, 1  # words between a number and "pain", "douleur", ...
CELSIUS_RANGE, FAHRENHEIT_RANGE = (35.0, 43.0), (95.0, 110.0)
MAX_PAIN = 10
MAX_NUMBER_CHARS = 8  # "101.3", "38,75": a longer run of digits is no temperature or pain score


class NumberReader:
    """Finds the temperatures and pain scores of a message, with the number rules of the pattern files."""

    def __init__(self, patterns: Patterns) -> None:
        self._patterns = patterns
        self._numbers = {key: PhraseIndex((key, phrase) for phrase in value) for key, value in patterns.numbers.items()}

    def candidates(self, message: Message) -> list[Candidate]:
        """Return temperatures and pain scores written as numbers."""
        numbers = self._numbers
        found: list[Candidate] = []
        used: set[int] = set()
        temperature_words = Nearby(numbers["temperature_words"].all(message))
        pain_words = Nearby(numbers["pain_words"].all(message))
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
                found.append(Candidate(FindingKind.FEVER, value, span))
                used.update(span)
        for index in range(len(message.tokens)):
            if index in used or index in excluded:
                continue
            pain = self._pain(message, index, used, pain_words)
            if pain is not None:
                value, span = pain
                found.append(Candidate(FindingKind.PAIN, value, span))
                used.update(span)
        return found

    def _temperature(
        self, message: Message, index: int, temperature_words: Nearby
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
        self, message: Message, index: int, used: set[int], pain_words: Nearby
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
