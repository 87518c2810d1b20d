"""Findings from typed text: the check-in answers they make, which are warning signs, and when the reader is unsure."""

from pathlib import Path

import pytest

from bot.content.triage_rules import load_triage_rules
from bot.domain.checkin import Answers, Question
from bot.domain.findings import Context, Finding, FindingKind, Reading, answers_from

RULES = load_triage_rules(Path(__file__).resolve().parent.parent / "data" / "triage.toml")
K = FindingKind
Q = Question


def found(
    kind: FindingKind, value: str | None = None, context: Context = Context.AFFIRMED, trend: str | None = None
) -> Finding:
    """Build a finding with placeholder words."""
    return Finding(kind, value, context, "words", trend)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([found(K.BREATHING)], {Q.BREATHING: "yes"}),
        ([found(K.EYES)], {Q.EYES: "yes"}),
        ([found(K.UNWELL)], {Q.UNWELL: "yes"}),
        ([found(K.STREAKS)], {Q.SPREADING: "fast"}),
        ([found(K.SPREADING, "slow")], {Q.SPREADING: "slow"}),
        ([found(K.SPREADING, "fast")], {Q.SPREADING: "fast"}),
        ([found(K.SPREADING, "slow"), found(K.STREAKS)], {Q.SPREADING: "fast"}),
        ([found(K.FEVER)], {Q.FEVER: "yes"}),
        ([found(K.FEVER, "38.6")], {Q.FEVER: "yes", Q.TEMPERATURE: "38.6"}),
        ([found(K.FEVER), found(K.FEVER, "37.9"), found(K.FEVER, "39.1")], {Q.FEVER: "yes", Q.TEMPERATURE: "39.1"}),
        ([found(K.PUS)], {Q.PUS: "yes"}),
        ([found(K.INFECTION)], {Q.PUS: "yes"}),
        ([found(K.WARMTH)], {Q.WARMTH: "yes"}),
        ([found(K.BLISTERS)], {Q.BLISTERS: "yes"}),
        ([found(K.PAIN)], {}),
        ([found(K.PAIN, "3"), found(K.PAIN, "8")], {Q.PAIN: "8"}),
        ([found(K.RASH)], {Q.RASH: "yes"}),
        ([found(K.DARK_PATCHES)], {Q.DARK_PATCHES: "yes"}),
        ([found(K.PIMPLES)], {Q.PIMPLES: "few"}),
        ([found(K.PIMPLES, "few"), found(K.PIMPLES, "many")], {Q.PIMPLES: "many"}),
        ([found(K.PIMPLES, trend="worse")], {Q.PIMPLES: "few", Q.PIMPLES_INCREASING: "yes"}),
        ([found(K.PIMPLES, trend="same")], {Q.PIMPLES: "few"}),
        ([found(K.REDNESS)], {Q.REDNESS: "mild"}),
        ([found(K.REDNESS, trend="same")], {Q.REDNESS: "mild", Q.REDNESS_TREND: "same"}),
        (
            [found(K.REDNESS, trend="better"), found(K.REDNESS, trend="worse")],
            {Q.REDNESS: "mild", Q.REDNESS_TREND: "worse"},
        ),
        ([found(K.SWELLING, trend="better")], {Q.SWELLING: "mild", Q.SWELLING_TREND: "better"}),
        ([found(K.ITCH), found(K.FLAKING), found(K.TIGHTNESS), found(K.STINGING), found(K.MILIA)], {}),
        ([found(K.BLEEDING), found(K.CRUSTING), found(K.OOZING)], {}),
    ],
)
def test_answers_in_the_checkins_vocabulary(findings: list[Finding], expected: dict[Question, str]) -> None:
    """Each kind of finding becomes the check-in answer that means the same; the most concerning value wins."""
    assert answers_from(findings) == Answers(expected)


@pytest.mark.parametrize("context", [Context.NEGATED, Context.HYPOTHETICAL, Context.OTHER_PERSON, Context.HISTORICAL])
def test_only_affirmed_and_possible_findings_answer(context: Context) -> None:
    """A denied, hypothetical, another person's or past finding makes no answer; a possible one does."""
    reading = Reading((found(K.PUS, context=context), found(K.FEVER, context=Context.POSSIBLE)))
    assert reading.answers() == Answers({Q.FEVER: "yes"})


def test_a_negated_finding_never_cancels_another() -> None:
    """A denied pus does not cancel a fever of 39 ("no pus but fever 39")."""
    reading = Reading((found(K.PUS, context=Context.NEGATED), found(K.FEVER, "39.0")))
    assert reading.answers() == Answers({Q.FEVER: "yes", Q.TEMPERATURE: "39.0"})


@pytest.mark.parametrize(
    ("finding", "warning"),
    [
        (found(K.PUS), True),
        (found(K.FEVER), True),
        (found(K.FEVER, f"{RULES.fever_celsius:.1f}"), True),
        (found(K.FEVER, f"{RULES.fever_celsius - 0.1:.1f}"), False),
        (found(K.PAIN), False),
        (found(K.PAIN, str(RULES.severe_pain)), True),
        (found(K.PAIN, str(RULES.severe_pain - 1)), False),
        (found(K.REDNESS, trend="worse"), False),
        (found(K.RASH), False),
        (found(K.BREATHING, context=Context.POSSIBLE), True),
        (found(K.BREATHING, context=Context.NEGATED), False),
    ],
)
def test_warning_signs(finding: Finding, warning: bool) -> None:
    """Warning signs are the red-flag kinds present; a temperature or pain score counts only past its threshold."""
    assert Reading((finding,)).warning_signs(RULES) == ((finding,) if warning else ())


@pytest.mark.parametrize(
    ("findings", "unsure"),
    [
        ((found(K.FEVER, context=Context.HYPOTHETICAL),), True),
        ((found(K.FEVER, context=Context.OTHER_PERSON),), True),
        ((found(K.BLISTERS, context=Context.HISTORICAL),), True),
        ((found(K.PUS, context=Context.POSSIBLE),), True),
        ((found(K.PUS),), False),
        ((found(K.PUS, context=Context.NEGATED),), False),
        ((found(K.RASH, context=Context.HYPOTHETICAL),), False),
        ((found(K.FEVER, "37.0", context=Context.HYPOTHETICAL),), False),
        ((), False),
    ],
)
def test_unsure(findings: tuple[Finding, ...], unsure: bool) -> None:
    """The reader is unsure when a warning sign was only asked about, imagined, another's or in the past."""
    assert Reading(findings).unsure(RULES) is unsure


def test_names_symptom() -> None:
    """Any finding, even a denied one, means the message names a symptom; none means chatter."""
    assert Reading((found(K.ITCH, context=Context.NEGATED),)).names_symptom
    assert not Reading(()).names_symptom
