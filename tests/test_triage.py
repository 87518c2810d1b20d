"""Triage of a check-in: a table of every trigger, modifier and boundary, run on the shipped thresholds."""

import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import cast

import pytest

from bot.content.triage_rules import load_triage_rules
from bot.domain.checkin import QUESTION_ORDER, Answers, PastCheckin, Question, next_question
from bot.domain.triage import Reason, Tier, TriageResult, TriageRules, triage

RULES = load_triage_rules(Path(__file__).resolve().parent.parent / "data" / "triage.toml")
TREATED_ON = date(2026, 11, 20)

R = Reason
T = Tier


def answers(**values: str) -> Answers:
    """Build answers keyed by question code, for example pus="yes"."""
    return Answers({Question(code): value for code, value in values.items()})


def past(day: int, **values: str) -> PastCheckin:
    """Build an earlier check-in on a day of recovery, dated from the treatment date."""
    return PastCheckin(TREATED_ON + timedelta(days=day), day, answers(**values))


def run(
    given: Answers,
    day: int,
    history: Sequence[PastCheckin] = (),
    *,
    at_risk: bool = False,
    rules: TriageRules = RULES,
) -> TriageResult:
    """Triage with the shipped rules, or with the rules given."""
    return triage(given, day, history, at_risk=at_risk, rules=rules)


# Shipped thresholds, named for the boundaries the table checks on each side of.
FEVER = f"{RULES.fever_celsius:.1f}"
BELOW_FEVER = f"{RULES.fever_celsius - 0.1:.1f}"
SEVERE = str(RULES.severe_pain)
BELOW_SEVERE = str(RULES.severe_pain - 1)
WORSENING_DAY = RULES.worsening_from_day
NOT_IMPROVING_DAY = RULES.not_improving_from_day
LASTING_DAY = RULES.lasting_after_day
INCREASING_DAY = RULES.pimples_increasing_after_day

# An expected day-2 check-in: everything answered, mild redness getting better, a few pimples, mild pain.
EXPECTED = {
    "breathing": "no",
    "eyes": "no",
    "unwell": "no",
    "spreading": "no",
    "fever": "no",
    "pus": "no",
    "warmth": "no",
    "blisters": "no",
    "pain": "3",
    "redness": "mild",
    "redness_trend": "better",
    "swelling": "none",
    "pimples": "few",
    "pimples_increasing": "no",
    "rash": "no",
    "dark_patches": "no",
    "photo": "skipped",
    "note": "skipped",
}

# Two consecutive check-ins before INCREASING_DAY, the second showing worsening (more pimples) on the first;
# with pimples increasing again on INCREASING_DAY, the trend fires and no trigger does.
PIMPLES_UP = (
    past(INCREASING_DAY - 2, pimples="few"),
    past(INCREASING_DAY - 1, pimples="many", pimples_increasing="yes"),
)
PIMPLES_UP_AGAIN = answers(pimples="many", pimples_increasing="yes")

CASES = [
    # Emergency triggers, each alone.
    pytest.param(answers(breathing="yes"), 1, (), False, T.EMERGENCY, (R.BREATHING,), id="breathing"),
    pytest.param(answers(eyes="yes"), 1, (), False, T.EMERGENCY, (R.EYES,), id="eyes"),
    pytest.param(answers(unwell="yes"), 1, (), False, T.EMERGENCY, (R.VERY_UNWELL,), id="very_unwell"),
    pytest.param(answers(spreading="fast"), 1, (), False, T.EMERGENCY, (R.STREAKS,), id="streaks"),
    pytest.param(
        answers(fever="yes", temperature="38.5", pus="yes"),
        1,
        (),
        False,
        T.EMERGENCY,
        (R.FEVER_WITH_SKIN_SIGN, R.PUS),
        id="fever_with_skin_sign-pus",
    ),
    pytest.param(
        answers(fever="yes", temperature="38.5", warmth="yes"),
        1,
        (),
        False,
        T.EMERGENCY,
        (R.FEVER_WITH_SKIN_SIGN,),
        id="fever_with_skin_sign-warmth",
    ),
    pytest.param(
        answers(spreading="slow", fever="yes", temperature="39.0"),
        1,
        (),
        False,
        T.EMERGENCY,
        (R.FEVER_WITH_SKIN_SIGN, R.SPREADING),
        id="fever_with_skin_sign-spreading",
    ),
    # Same-day triggers, each alone.
    pytest.param(answers(pus="yes"), 1, (), False, T.SAME_DAY, (R.PUS,), id="pus"),
    pytest.param(answers(spreading="slow"), 1, (), False, T.SAME_DAY, (R.SPREADING,), id="spreading"),
    pytest.param(
        answers(redness="mild", redness_trend="worse"), 3, (), False, T.SAME_DAY, (R.WORSENING,), id="worsening-redness"
    ),
    pytest.param(
        answers(swelling="moderate", swelling_trend="worse"),
        3,
        (),
        False,
        T.SAME_DAY,
        (R.WORSENING,),
        id="worsening-swelling",
    ),
    pytest.param(answers(warmth="yes"), 3, (), False, T.SAME_DAY, (R.WORSENING,), id="worsening-warmth"),
    pytest.param(answers(pain="4"), 3, (past(2, pain="2"),), False, T.SAME_DAY, (R.WORSENING,), id="worsening-pain-up"),
    pytest.param(answers(pain="8"), 1, (), False, T.SAME_DAY, (R.SEVERE_PAIN,), id="severe_pain"),
    pytest.param(answers(blisters="yes"), 1, (), False, T.SAME_DAY, (R.BLISTERS,), id="blisters"),
    pytest.param(answers(fever="yes", temperature="38.5"), 1, (), False, T.SAME_DAY, (R.FEVER,), id="fever"),
    # Soon triggers, each alone.
    pytest.param(
        answers(pimples="few", pimples_increasing="no"),
        10,
        (),
        False,
        T.SOON,
        (R.PIMPLES_LASTING,),
        id="pimples_lasting",
    ),
    pytest.param(
        answers(pimples="few", pimples_increasing="yes"),
        5,
        (),
        False,
        T.SOON,
        (R.PIMPLES_INCREASING,),
        id="pimples_increasing-said",
    ),
    pytest.param(
        answers(pimples="many", pimples_increasing="no"),
        5,
        (past(4, pimples="few"),),
        False,
        T.SOON,
        (R.PIMPLES_INCREASING,),
        id="pimples_increasing-counted",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="same"),
        4,
        (),
        False,
        T.SOON,
        (R.NOT_IMPROVING,),
        id="not_improving-redness",
    ),
    pytest.param(
        answers(swelling="mild", swelling_trend="same"),
        4,
        (),
        False,
        T.SOON,
        (R.NOT_IMPROVING,),
        id="not_improving-swelling",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="better"),
        10,
        (),
        False,
        T.SOON,
        (R.REDNESS_LASTING,),
        id="redness_lasting-redness",
    ),
    pytest.param(
        answers(swelling="mild", swelling_trend="better"),
        10,
        (),
        False,
        T.SOON,
        (R.REDNESS_LASTING,),
        id="redness_lasting-swelling",
    ),
    pytest.param(answers(rash="yes"), 1, (), False, T.SOON, (R.RASH,), id="rash"),
    pytest.param(answers(dark_patches="yes"), 1, (), False, T.SOON, (R.DARK_PATCHES,), id="dark_patches"),
    # Modifier: at risk (diabetes or a weakened immune system).
    pytest.param(answers(rash="yes"), 1, (), True, T.SAME_DAY, (R.RASH, R.AT_RISK), id="at_risk-soon-to-same_day"),
    pytest.param(answers(pus="yes"), 1, (), True, T.EMERGENCY, (R.PUS, R.AT_RISK), id="at_risk-same_day-to-emergency"),
    pytest.param(
        answers(breathing="yes"), 1, (), True, T.EMERGENCY, (R.BREATHING, R.AT_RISK), id="at_risk-emergency-stays"
    ),
    # Modifier: a worsening trend across consecutive check-ins.
    pytest.param(
        PIMPLES_UP_AGAIN,
        INCREASING_DAY,
        PIMPLES_UP,
        False,
        T.SOON,
        (R.WORSENING_TREND,),
        id="worsening_trend-consecutive-raises-self_care",
    ),
    pytest.param(
        answers(redness="moderate", redness_trend="worse"),
        3,
        (past(1, redness="mild", redness_trend="better"), past(2, redness="mild", redness_trend="worse")),
        False,
        T.EMERGENCY,
        (R.WORSENING, R.WORSENING_TREND),
        id="worsening_trend-consecutive-raises-same_day",
    ),
    pytest.param(
        answers(pimples="many", pimples_increasing="yes"),
        INCREASING_DAY,
        (past(INCREASING_DAY - 2, pimples="few"), past(INCREASING_DAY - 1, pimples="few", pimples_increasing="no")),
        False,
        T.SELF_CARE,
        (),
        id="worsening_trend-previous-not-worse",
    ),
    pytest.param(
        PIMPLES_UP_AGAIN.with_answer(Question.RASH, "yes"),
        INCREASING_DAY,
        PIMPLES_UP,
        True,
        T.EMERGENCY,
        (R.RASH, R.AT_RISK, R.WORSENING_TREND),
        id="both-modifiers-soon-to-emergency",
    ),
    # Boundaries, on the shipped thresholds.
    pytest.param(
        answers(redness="mild", redness_trend="same"),
        NOT_IMPROVING_DAY - 1,
        (),
        False,
        T.SELF_CARE,
        (),
        id="not_improving-day-before",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="same"),
        NOT_IMPROVING_DAY,
        (),
        False,
        T.SOON,
        (R.NOT_IMPROVING,),
        id="not_improving-from-day",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="worse"),
        WORSENING_DAY - 1,
        (),
        False,
        T.SELF_CARE,
        (),
        id="worsening-day-before",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="worse"),
        WORSENING_DAY,
        (),
        False,
        T.SAME_DAY,
        (R.WORSENING,),
        id="worsening-from-day",
    ),
    pytest.param(
        answers(pimples="few", pimples_increasing="no"),
        LASTING_DAY,
        (),
        False,
        T.SELF_CARE,
        (),
        id="pimples_lasting-on-day",
    ),
    pytest.param(
        answers(pimples="few", pimples_increasing="no"),
        LASTING_DAY + 1,
        (),
        False,
        T.SOON,
        (R.PIMPLES_LASTING,),
        id="pimples_lasting-day-after",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="better"),
        LASTING_DAY,
        (),
        False,
        T.SELF_CARE,
        (),
        id="redness_lasting-on-day",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="better"),
        LASTING_DAY + 1,
        (),
        False,
        T.SOON,
        (R.REDNESS_LASTING,),
        id="redness_lasting-day-after",
    ),
    pytest.param(
        answers(pimples="few", pimples_increasing="yes"),
        INCREASING_DAY,
        (),
        False,
        T.SELF_CARE,
        (),
        id="pimples_increasing-on-day",
    ),
    pytest.param(
        answers(pimples="few", pimples_increasing="yes"),
        INCREASING_DAY + 1,
        (),
        False,
        T.SOON,
        (R.PIMPLES_INCREASING,),
        id="pimples_increasing-day-after",
    ),
    pytest.param(answers(fever="yes", temperature=BELOW_FEVER), 1, (), False, T.SELF_CARE, (), id="fever-below"),
    pytest.param(answers(fever="yes", temperature=FEVER), 1, (), False, T.SAME_DAY, (R.FEVER,), id="fever-at"),
    pytest.param(
        answers(fever="yes", temperature=BELOW_FEVER, pus="yes"),
        1,
        (),
        False,
        T.SAME_DAY,
        (R.PUS,),
        id="fever-below-with-pus",
    ),
    pytest.param(
        answers(fever="yes", temperature=FEVER, pus="yes"),
        1,
        (),
        False,
        T.EMERGENCY,
        (R.FEVER_WITH_SKIN_SIGN, R.PUS),
        id="fever-at-with-pus",
    ),
    pytest.param(answers(pain=BELOW_SEVERE), 1, (), False, T.SELF_CARE, (), id="severe_pain-below"),
    pytest.param(answers(pain=SEVERE), 1, (), False, T.SAME_DAY, (R.SEVERE_PAIN,), id="severe_pain-at"),
    pytest.param(answers(fever="yes"), 1, (), False, T.SAME_DAY, (R.FEVER,), id="fever-yes-no-temperature"),
    pytest.param(
        answers(fever="yes", temperature="skipped"), 1, (), False, T.SAME_DAY, (R.FEVER,), id="fever-yes-skipped"
    ),
    pytest.param(answers(fever="not_measured"), 1, (), False, T.SELF_CARE, (), id="fever-not-measured"),
    pytest.param(
        answers(fever="not_measured", pus="yes"), 1, (), False, T.SAME_DAY, (R.PUS,), id="fever-not-measured-with-pus"
    ),
    # Hot or shivery but not measured counts as a fever, as a "yes" without a temperature does.
    pytest.param(answers(fever="hot_unmeasured"), 1, (), False, T.SAME_DAY, (R.FEVER,), id="fever-hot-unmeasured"),
    pytest.param(
        answers(fever="hot_unmeasured", pus="yes"),
        1,
        (),
        False,
        T.EMERGENCY,
        (R.FEVER_WITH_SKIN_SIGN, R.PUS),
        id="fever-hot-unmeasured-with-pus",
    ),
    pytest.param(
        answers(fever="hot_unmeasured", warmth="yes"),
        1,
        (),
        False,
        T.EMERGENCY,
        (R.FEVER_WITH_SKIN_SIGN,),
        id="fever-hot-unmeasured-with-warmth",
    ),
    pytest.param(
        answers(fever="hot_unmeasured", temperature=BELOW_FEVER),  # left over from a "yes" changed with Back
        1,
        (),
        False,
        T.SAME_DAY,
        (R.FEVER,),
        id="fever-hot-unmeasured-ignores-left-over-temperature",
    ),
    # The highest tier wins, with every reason listed, most urgent first.
    pytest.param(
        answers(breathing="yes", pus="yes", blisters="yes", pain="9", rash="yes", dark_patches="yes"),
        1,
        (),
        False,
        T.EMERGENCY,
        (R.BREATHING, R.PUS, R.SEVERE_PAIN, R.BLISTERS, R.RASH, R.DARK_PATCHES),
        id="highest-tier-wins",
    ),
    # Partial answers: only the red-flag questions so far.
    pytest.param(
        answers(breathing="no", eyes="no", unwell="no", spreading="no", fever="no", pus="no", warmth="no"),
        2,
        (),
        False,
        T.SELF_CARE,
        (),
        id="partial-red-flags-all-no",
    ),
    pytest.param(
        answers(breathing="no", eyes="no", unwell="yes"), 2, (), False, T.EMERGENCY, (R.VERY_UNWELL,), id="partial-stop"
    ),
    # Expected recovery, and pain going up against the previous check-in.
    pytest.param(answers(**EXPECTED), 2, (past(1, **EXPECTED),), False, T.SELF_CARE, (), id="expected-day-2"),
    pytest.param(
        answers(**{**EXPECTED, "pain": "4"}),
        WORSENING_DAY,
        (past(WORSENING_DAY - 1, **EXPECTED),),
        False,
        T.SAME_DAY,
        (R.WORSENING,),
        id="pain-up-from-worsening-day",
    ),
    pytest.param(
        answers(**{**EXPECTED, "pain": "4"}),
        WORSENING_DAY - 1,
        (past(WORSENING_DAY - 2, **EXPECTED),),
        False,
        T.SELF_CARE,
        (),
        id="pain-up-day-before-worsening-day",
    ),
]


@pytest.mark.parametrize(("given", "day", "history", "at_risk", "tier", "reasons"), CASES)
def test_triage_table(
    given: Answers, day: int, history: Sequence[PastCheckin], at_risk: bool, tier: Tier, reasons: tuple[Reason, ...]
) -> None:
    """Each trigger, modifier and boundary gives its tier and exactly its reasons, most urgent first."""
    assert run(given, day, history, at_risk=at_risk) == TriageResult(tier, reasons)


def test_shipped_thresholds_are_the_briefs() -> None:
    """The table's boundaries are the brief's numbers: 38.0 C, pain 7, days 2, 3, 7 and 3."""
    assert (FEVER, SEVERE, WORSENING_DAY, NOT_IMPROVING_DAY, LASTING_DAY, INCREASING_DAY) == ("38.0", "7", 2, 3, 7, 3)


def test_every_reason_is_covered_by_the_table() -> None:
    """Every reason code appears in at least one table case, so none is left untested."""
    covered = {reason for case in CASES for reason in cast(tuple[Reason, ...], case.values[5])}
    assert covered == set(Reason)


def test_triage_after_every_answer() -> None:
    """Triage works after each answer of a full check-in, as the bot runs it, and never escalates expected care."""
    given = Answers()
    full = answers(**EXPECTED)
    while (question := next_question(given)) is not None:
        given = given.with_answer(question, full.values[question])
        assert run(given, 2) == TriageResult(Tier.SELF_CARE, ())
    assert set(given.values) == set(QUESTION_ORDER) - {Question.TEMPERATURE, Question.SWELLING_TREND}


def test_answer_left_over_from_a_changed_answer_is_ignored() -> None:
    """An answer left from before the patient changed an earlier one (redness or pimples to none) does not trigger."""
    assert run(answers(redness="none", redness_trend="worse"), 4) == TriageResult(Tier.SELF_CARE, ())
    assert run(answers(pimples="none", pimples_increasing="yes"), 5) == TriageResult(Tier.SELF_CARE, ())


def test_history_order_does_not_matter() -> None:
    """Earlier check-ins given out of order are read by date."""
    history = [past(1, pain="1"), past(2, pain="3"), past(0, pain="0")]
    random.Random(7).shuffle(history)
    result = run(answers(pain="5"), 3, history)
    assert result == TriageResult(Tier.EMERGENCY, (Reason.WORSENING, Reason.WORSENING_TREND))


def test_pain_compared_with_the_most_recent_check_in() -> None:
    """Pain is compared with the latest earlier check-in, not an older one."""
    history = [past(2, pain="6"), past(3, pain="2")]
    assert run(answers(pain="4"), 4, history).reasons == (Reason.WORSENING,)
    assert run(answers(pain="4"), 4, list(reversed(history))).reasons == (Reason.WORSENING,)
    assert run(answers(pain="4"), 4, [past(2, pain="2"), past(3, pain="6")]).reasons == ()


def test_same_day_repeat_check_in_keeps_the_trend() -> None:
    """A second check-in on a date does not hide a trend: the last check-in of each earlier date counts."""
    history = [past(1, pain="1"), past(2, pain="3"), past(3, pain="5")]
    assert run(answers(pain="5"), 3, history).reasons == (Reason.WORSENING_TREND,)


def test_pain_not_answered_before_does_not_compare() -> None:
    """A previous check-in without a pain score gives nothing to compare with."""
    assert run(answers(pain="5"), 4, [past(3, redness="mild", redness_trend="better")]) == TriageResult(
        Tier.SELF_CARE, ()
    )


def test_tier_codes() -> None:
    """Tiers have the stable codes the content keys use."""
    assert [tier.code for tier in Tier] == ["self_care", "soon", "same_day", "emergency"]
