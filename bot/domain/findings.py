"""Findings read from a patient's typed message, in the check-in's own vocabulary, and the answers they make.

A reader (bot.reading) turns text into findings; this module only says what a finding is and how a set of them
becomes check-in answers, so that typed text goes through the same triage() as a check-in and no second list of
rules exists. Conservative by rule: a finding counts (affirmed, or possible: a question or a doubt, which a triage
nurse treats as present) unless the patient denied it, and a denied finding never cancels another one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.checkin import (
    PAIN_SCORES,
    SPREADING_FAST,
    SPREADING_SLOW,
    TRENDS,
    YES,
    Answers,
    Question,
)
from bot.domain.triage import TriageRules


class FindingKind(StrEnum):
    """What a patient's words describe; most kinds are a check-in question, a few are benign symptoms."""

    # Warning signs: each is, or feeds, a red-flag question of the check-in.
    BREATHING = "breathing"  # trouble breathing, wheeze, swelling of the lips, tongue or throat
    EYES = "eyes"  # swelling around an eye, changes in vision, pain moving the eye
    UNWELL = "unwell"  # faint, dizzy, racing heart, confused, cold clammy skin
    STREAKS = "streaks"  # red streaks or lines from the treated area
    SPREADING = "spreading"  # value "slow" or "fast"
    FEVER = "fever"  # value: a temperature in degrees Celsius ("38.6"), or None for "fever" without a number
    PUS = "pus"
    INFECTION = "infection"  # "infected", "an infection": read as a local sign of infection (answered as pus)
    WARMTH = "warmth"  # skin hot to the touch
    BLISTERS = "blisters"  # tingling, burning or small blisters near the lips; a cold sore
    # Graded or "soon" signs.
    PAIN = "pain"  # value "0".."10", or None when pain is named without a score
    RASH = "rash"  # a new itchy or bumpy rash
    DARK_PATCHES = "dark_patches"
    PIMPLES = "pimples"  # value "few" or "many"; increasing is carried by the trend "worse"
    REDNESS = "redness"
    SWELLING = "swelling"
    # Benign: expected after microneedling; they tell that the message names a symptom.
    ITCH = "itch"
    FLAKING = "flaking"
    TIGHTNESS = "tightness"
    STINGING = "stinging"  # the sunburn-like feeling, stinging, burning of the treated skin
    BLEEDING = "bleeding"  # pinpoint bleeding, bruising
    CRUSTING = "crusting"
    OOZING = "oozing"  # clear fluid, without a colour that would make it pus
    MILIA = "milia"


class Context(StrEnum):
    """How the patient speaks of a finding, in the NegEx/ConText sense."""

    AFFIRMED = "affirmed"
    NEGATED = "negated"  # "no pus", "pus? no", "not spreading"
    POSSIBLE = "possible"  # a first-person question or doubt: treated as present
    HYPOTHETICAL = "hypothetical"  # "if I get a fever should I call?"
    OTHER_PERSON = "other_person"  # "my sister has a fever"
    HISTORICAL = "historical"  # "cold sores years ago"


WARNING_SIGNS: frozenset[FindingKind] = frozenset(
    {
        FindingKind.BREATHING,
        FindingKind.EYES,
        FindingKind.UNWELL,
        FindingKind.STREAKS,
        FindingKind.SPREADING,
        FindingKind.FEVER,
        FindingKind.PUS,
        FindingKind.INFECTION,
        FindingKind.WARMTH,
        FindingKind.BLISTERS,
        FindingKind.PAIN,
    }
)
PRESENT: frozenset[Context] = frozenset({Context.AFFIRMED, Context.POSSIBLE})
PIMPLES_FEW, PIMPLES_MANY = "few", "many"
_TREND_WORSE, _TREND_SAME = "worse", "same"
_MILD = "mild"  # the least severity that counts: a typed "red" or "swollen" says nothing about how much

# The values a finding of each kind may carry (None is always allowed); kinds not listed carry none.
KIND_VALUES: dict[FindingKind, tuple[str, ...]] = {
    FindingKind.SPREADING: (SPREADING_SLOW, SPREADING_FAST),
    FindingKind.PAIN: PAIN_SCORES,
    FindingKind.PIMPLES: (PIMPLES_FEW, PIMPLES_MANY),
}
# Kinds that carry a trend; pain's has no check-in answer of its own (see Reading.unsure).
TRENDED: frozenset[FindingKind] = frozenset(
    {FindingKind.REDNESS, FindingKind.SWELLING, FindingKind.PIMPLES, FindingKind.PAIN}
)


@dataclass(frozen=True)
class Finding:
    """One thing the message describes: its kind, value, context, trend and the words it was read from."""

    kind: FindingKind
    value: str | None
    context: Context
    words: str  # the words as read (normalised), for tests and the staff alert; never logged
    trend: str | None = None  # "worse", "same" or "better", for redness, swelling and pimples

    @property
    def present(self) -> bool:
        """Tell whether the finding counts as present: affirmed, or possible (a question or a doubt)."""
        return self.context in PRESENT


@dataclass(frozen=True)
class Reading:
    """Everything read from one message."""

    findings: tuple[Finding, ...]

    @property
    def names_symptom(self) -> bool:
        """Tell whether the message names any symptom at all, in any context."""
        return bool(self.findings)

    def present(self) -> tuple[Finding, ...]:
        """Return the findings that count: affirmed or possible."""
        return tuple(finding for finding in self.findings if finding.present)

    def warning_signs(self, rules: TriageRules) -> tuple[Finding, ...]:
        """Return the present findings that are warning signs (a temperature or pain score only past its threshold)."""
        return tuple(finding for finding in self.present() if _is_warning(finding, rules))

    def unsure(self, rules: TriageRules) -> bool:
        """Tell whether a warning sign was only asked about, or spoken of as hypothetical, another's or past.

        Pain getting worse counts too: the check-in reads it by comparing today's score with the last one, which
        typed words cannot give, so the questions are offered instead of a reassurance.
        """
        return any(
            finding.context is not Context.NEGATED and finding.context is not Context.AFFIRMED
            for finding in self.findings
            if _is_warning(finding, rules)
        ) or any(finding.kind is FindingKind.PAIN and finding.trend == _TREND_WORSE for finding in self.present())

    def answers(self) -> Answers:
        """Return the check-in answers the present findings make, in the check-in's questions and values."""
        return answers_from(self.present())


def answers_from(findings: Iterable[Finding]) -> Answers:
    """Build check-in answers from findings taken as present; the most concerning value of each kind wins."""
    by_kind: dict[FindingKind, list[Finding]] = {}
    for finding in findings:
        by_kind.setdefault(finding.kind, []).append(finding)
    values: dict[Question, str] = {}
    for kind, question in (
        (FindingKind.BREATHING, Question.BREATHING),
        (FindingKind.EYES, Question.EYES),
        (FindingKind.UNWELL, Question.UNWELL),
        (FindingKind.PUS, Question.PUS),
        (FindingKind.INFECTION, Question.PUS),
        (FindingKind.WARMTH, Question.WARMTH),
        (FindingKind.BLISTERS, Question.BLISTERS),
        (FindingKind.RASH, Question.RASH),
        (FindingKind.DARK_PATCHES, Question.DARK_PATCHES),
    ):
        if kind in by_kind:
            values[question] = YES
    spreading = [finding.value for finding in by_kind.get(FindingKind.SPREADING, [])]
    if FindingKind.STREAKS in by_kind or SPREADING_FAST in spreading:
        values[Question.SPREADING] = SPREADING_FAST
    elif spreading:
        values[Question.SPREADING] = SPREADING_SLOW
    fevers = by_kind.get(FindingKind.FEVER, [])
    if fevers:
        values[Question.FEVER] = YES
        temperatures = [float(finding.value) for finding in fevers if finding.value is not None]
        if temperatures:
            values[Question.TEMPERATURE] = f"{max(temperatures):.1f}"
    scores = [int(finding.value) for finding in by_kind.get(FindingKind.PAIN, []) if finding.value is not None]
    if scores:
        values[Question.PAIN] = str(max(scores))
    for kind, sign, trend_question in (
        (FindingKind.REDNESS, Question.REDNESS, Question.REDNESS_TREND),
        (FindingKind.SWELLING, Question.SWELLING, Question.SWELLING_TREND),
    ):
        if kind in by_kind:
            values[sign] = _MILD
            trend = _worst_trend(by_kind[kind])
            if trend is not None:
                values[trend_question] = trend
    pimples = by_kind.get(FindingKind.PIMPLES, [])
    if pimples:
        many = any(finding.value == PIMPLES_MANY for finding in pimples)
        values[Question.PIMPLES] = PIMPLES_MANY if many else PIMPLES_FEW
        if _worst_trend(pimples) == _TREND_WORSE:
            values[Question.PIMPLES_INCREASING] = YES
    return Answers(values)


def _worst_trend(findings: Iterable[Finding]) -> str | None:
    """Return the most concerning trend among findings ("worse" before "same" before "better"), or None."""
    trends = [finding.trend for finding in findings if finding.trend in TRENDS]
    return max(trends, key=lambda trend: (trend == _TREND_WORSE, trend == _TREND_SAME), default=None)


def _is_warning(finding: Finding, rules: TriageRules) -> bool:
    """Tell whether a finding is a warning sign, whatever its context: numbers only at or past their threshold."""
    if finding.kind not in WARNING_SIGNS:
        return False
    if finding.value is None:
        return finding.kind is not FindingKind.PAIN  # pain named without a score is not a warning by itself
    if finding.kind is FindingKind.FEVER:
        return float(finding.value) >= rules.fever_celsius
    if finding.kind is FindingKind.PAIN:
        return int(finding.value) >= rules.severe_pain
    return True
