"""The daily check-in: its questions in the order asked, the answers each allows, and typed access to answers.

Red-flag questions come first so that the bot can stop at the first sign of an emergency. Answers are kept as
short strings (as stored and as carried on buttons) and read back through typed accessors.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Question(StrEnum):
    """The check-in's questions, in the order they are asked."""

    BREATHING = "breathing"  # trouble breathing, or swelling of the lips, tongue or throat
    EYES = "eyes"  # swelling around an eye, changes in vision, or pain moving the eye
    UNWELL = "unwell"  # very unwell: fast heartbeat or breathing, dizzy or fainting, confused, cold clammy skin
    SPREADING = "spreading"  # redness spreading, or red streaks
    FEVER = "fever"  # a fever: no, yes, feels hot or shivery but cannot measure, or not measured
    TEMPERATURE = "temperature"  # asked only after a yes to fever
    PUS = "pus"
    WARMTH = "warmth"  # skin hot to the touch
    BLISTERS = "blisters"  # tingling, burning or small blisters, mostly near the lips
    PAIN = "pain"  # 0 to 10
    REDNESS = "redness"
    REDNESS_TREND = "redness_trend"  # asked only when there is redness
    SWELLING = "swelling"
    SWELLING_TREND = "swelling_trend"  # asked only when there is swelling
    PIMPLES = "pimples"
    PIMPLES_INCREASING = "pimples_increasing"  # asked only when there are pimples
    RASH = "rash"  # a new itchy or bumpy rash
    DARK_PATCHES = "dark_patches"  # patches darker than the usual skin tone
    PHOTO = "photo"  # optional: a Telegram file id, or "skipped"
    NOTE = "note"  # optional: the patient's own words, or "skipped"


QUESTION_ORDER: tuple[Question, ...] = tuple(Question)
RED_FLAG_QUESTIONS: tuple[Question, ...] = QUESTION_ORDER[: QUESTION_ORDER.index(Question.WARMTH) + 1]

YES, NO = "yes", "no"
SKIPPED = "skipped"
NOT_MEASURED = "not_measured"
HOT_UNMEASURED = "hot_unmeasured"  # "I feel hot or shivery but can't measure": counts as a fever, no temperature asked
SPREADING_NO, SPREADING_SLOW, SPREADING_FAST = "no", "slow", "fast"  # fast also means red streaks
SEVERITIES = ("none", "mild", "moderate", "severe")
TRENDS = ("better", "same", "worse")
PIMPLE_COUNTS = ("none", "few", "many")
PAIN_SCORES = tuple(str(score) for score in range(11))
# Temperature buttons carry the lower end of the band the patient picks; a typed value is kept as parse_temperature
# reads it (degrees Celsius, one decimal).
TEMPERATURE_BANDS = ("37.5", "38.0", "38.5", "39.0", "40.0")
MIN_TEMPERATURE, MAX_TEMPERATURE = 34.0, 43.0  # degrees Celsius; anything outside is a typing slip
FAHRENHEIT_ABOVE = 45.0  # a typed number above this, with no unit, is read as degrees Fahrenheit
MAX_NOTE_LENGTH = 1000

_YES_NO = (YES, NO)
# The answers a button may carry for each question; PHOTO and NOTE take free input or SKIPPED.
BUTTON_ANSWERS: Mapping[Question, tuple[str, ...]] = {
    Question.BREATHING: _YES_NO,
    Question.EYES: _YES_NO,
    Question.UNWELL: _YES_NO,
    Question.SPREADING: (SPREADING_NO, SPREADING_SLOW, SPREADING_FAST),
    Question.FEVER: (NO, YES, HOT_UNMEASURED, NOT_MEASURED),
    Question.TEMPERATURE: (*TEMPERATURE_BANDS, SKIPPED),
    Question.PUS: _YES_NO,
    Question.WARMTH: _YES_NO,
    Question.BLISTERS: _YES_NO,
    Question.PAIN: PAIN_SCORES,
    Question.REDNESS: SEVERITIES,
    Question.REDNESS_TREND: TRENDS,
    Question.SWELLING: SEVERITIES,
    Question.SWELLING_TREND: TRENDS,
    Question.PIMPLES: PIMPLE_COUNTS,
    Question.PIMPLES_INCREASING: _YES_NO,
    Question.RASH: _YES_NO,
    Question.DARK_PATCHES: _YES_NO,
    Question.PHOTO: (SKIPPED,),
    Question.NOTE: (SKIPPED,),
}

# Answers from least to most concerning, for taking typed findings into tapped answers (Answers.raised_by).
_ORDERED_SCALES = (SEVERITIES, TRENDS, PIMPLE_COUNTS, PAIN_SCORES, (SPREADING_NO, SPREADING_SLOW, SPREADING_FAST))
_YES_NO_CONCERN = {NO: 0, NOT_MEASURED: 1, HOT_UNMEASURED: 3, YES: 3}  # felt hot counts as a fever, as yes does

# A question asked only when an earlier answer makes it relevant: (question it depends on, answers that ask it).
_CONDITIONS: Mapping[Question, tuple[Question, tuple[str, ...]]] = {
    Question.TEMPERATURE: (Question.FEVER, (YES,)),
    Question.REDNESS_TREND: (Question.REDNESS, SEVERITIES[1:]),
    Question.SWELLING_TREND: (Question.SWELLING, SEVERITIES[1:]),
    Question.PIMPLES_INCREASING: (Question.PIMPLES, PIMPLE_COUNTS[1:]),
}


@dataclass(frozen=True)
class Answers:
    """The answers given so far in one check-in, by question."""

    values: Mapping[Question, str] = field(default_factory=dict)

    def get(self, question: Question) -> str | None:
        """Return the stored answer to a question, or None when it was not (or not yet) answered."""
        return self.values.get(question)

    def is_yes(self, question: Question) -> bool:
        """Tell whether a yes/no question was answered yes."""
        return self.values.get(question) == YES

    def level(self, question: Question) -> int | None:
        """Return the position of an ordered answer (severity 0-3, pimples 0-2, trend 0-2, pain 0-10)."""
        value = self.values.get(question)
        for scale in (SEVERITIES, PIMPLE_COUNTS, TRENDS, PAIN_SCORES):
            if value in scale:
                return scale.index(value)
        return None

    def pain(self) -> int | None:
        """Return the pain score, 0 to 10."""
        value = self.values.get(Question.PAIN)
        return int(value) if value in PAIN_SCORES else None

    def temperature(self) -> float | None:
        """Return the temperature in degrees Celsius, when a fever was reported and a value given."""
        if not self.is_yes(Question.FEVER):
            return None  # only "yes" asks the temperature question
        value = self.values.get(Question.TEMPERATURE)
        return None if value is None or value == SKIPPED else float(value)

    def with_answer(self, question: Question, value: str) -> "Answers":
        """Return these answers with one more (or one changed)."""
        return Answers({**self.values, question: value})

    def raised_by(self, other: "Answers") -> "Answers":
        """Return these answers with each of another set's answers taken in where it is more concerning.

        Typed words join a check-in this way: a sign typed in the note counts even after a tapped "no", and nothing
        typed can lower what was tapped (a denial never cancels a finding).
        """
        values = dict(self.values)
        fever_unread = values.get(Question.FEVER) in (YES, HOT_UNMEASURED) and values.get(Question.TEMPERATURE) in (
            None,
            SKIPPED,
        )
        for question, value in other.values.items():
            if question is Question.TEMPERATURE and fever_unread:
                continue  # a fever with no reading counts: a typed reading under the threshold must not undo it
            kept = values.get(question)
            if kept is None or concern(question, value) > concern(question, kept):
                values[question] = value
        return Answers(values)


def concern(question: Question, value: str) -> float:
    """Rank an answer by how concerning it is, among the answers to its question (higher is more)."""
    if question is Question.TEMPERATURE:
        try:
            return float(value)
        except ValueError:
            return -1.0
    for scale in _ORDERED_SCALES:
        if value in scale:
            return float(scale.index(value))
    return float(_YES_NO_CONCERN.get(value, -1))


def is_asked(question: Question, answers: Answers) -> bool:
    """Tell whether a question applies, given the earlier answers."""
    condition = _CONDITIONS.get(question)
    return condition is None or answers.get(condition[0]) in condition[1]


def next_question(answers: Answers) -> Question | None:
    """Return the first question that applies and has no answer yet; None when the check-in is complete."""
    return next((q for q in QUESTION_ORDER if q not in answers.values and is_asked(q, answers)), None)


def previous_question(answers: Answers) -> Question | None:
    """Return the last answered question that still applies: the one Back re-opens."""
    answered = [q for q in QUESTION_ORDER if q in answers.values and is_asked(q, answers)]
    return answered[-1] if answered else None


def accepts(question: Question, value: str) -> bool:
    """Tell whether a value is a valid answer to a question (button data is made by the client)."""
    if value in BUTTON_ANSWERS[question]:
        return True
    if question is Question.TEMPERATURE:
        return parse_temperature(value) == value  # only a value as parse_temperature writes it (button data)
    if question is Question.NOTE:
        return 0 < len(value) <= MAX_NOTE_LENGTH
    return question is Question.PHOTO and 0 < len(value) <= 200


_TEMPERATURE = re.compile(
    r"(?P<number>\d{1,3}(?:[.,]\d*)?)\s*(?:°|º|˚|deg(?:ree)?s?\b\.?)?\s*"
    r"(?P<unit>c|celsius|centigrade|f|fahrenheit)?\.?",
    re.IGNORECASE,
)


def parse_temperature(text: str) -> str | None:
    """Read a typed temperature as degrees Celsius with one decimal ("38.5"); None when it is not plausible.

    Accepted: "38.5", "38,5", "38.5C", "38.5 °C", "101F", "101.3 °F", "100.8 degrees". A number above
    FAHRENHEIT_ABOVE with no unit is read as Fahrenheit. After conversion the value must be from MIN_TEMPERATURE
    to MAX_TEMPERATURE, so "38 F" and "101 C" are refused rather than guessed at.
    """
    match = _TEMPERATURE.fullmatch(text.strip())
    if match is None:
        return None
    value = float(match["number"].replace(",", "."))
    unit = (match["unit"] or "").lower()
    if unit.startswith("f") or (not unit and value > FAHRENHEIT_ABOVE):
        value = fahrenheit_to_celsius(value)
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        return None
    return f"{value:.1f}"


def fahrenheit_to_celsius(fahrenheit: float) -> float:
    """Convert degrees Fahrenheit to degrees Celsius (not rounded)."""
    return (fahrenheit - 32.0) * 5.0 / 9.0


@dataclass(frozen=True)
class PastCheckin:
    """An earlier check-in, as triage sees it: the day of recovery it was on and its answers."""

    local_date: date
    day: int
    answers: Answers
