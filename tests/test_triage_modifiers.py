"""The modifiers the medical director signs off: the at-risk step-up, the trend's window, and a rising grade."""

from collections.abc import Sequence
from dataclasses import replace

import pytest

from bot.domain.checkin import Answers, PastCheckin
from bot.domain.triage import Reason, Tier, TriageResult, TriageRules
from tests.test_triage import EXPECTED, PIMPLES_UP, PIMPLES_UP_AGAIN, RULES, answers, past, run

R = Reason
T = Tier

STEP_UP_OFF = replace(RULES, at_risk_steps_up_self_care=False)
CONSECUTIVE = replace(RULES, worsening_trend_window_days=2)
GRADE_OFF = replace(RULES, rising_grade_is_worsening=False)
WINDOW = RULES.worsening_trend_window_days
WORSENING_DAY = RULES.worsening_from_day

# The trend's window, read with pain going up 2 -> 3 -> 4 on days around day 10 (each rise is also a same-day
# WORSENING, so a trend shows as emergency). DAY is the check-in being triaged.
DAY = 10


def pain_rising(first_day: int, previous_day: int) -> tuple[PastCheckin, ...]:
    """Return two earlier check-ins, pain 2 then 3, on the given days (dates follow the days)."""
    return past(first_day, pain="2"), past(previous_day, pain="3")


PAIN_4 = answers(pain="4")
WORSE_AND_TREND = (T.EMERGENCY, (R.WORSENING, R.WORSENING_TREND))
WORSE_ONLY = (T.SAME_DAY, (R.WORSENING,))
NOT_IMPROVING_ONLY = (T.SOON, (R.NOT_IMPROVING,))

CASES = [
    # At-risk step-up on self-care results.
    pytest.param(answers(**EXPECTED), 2, (), True, RULES, T.SOON, (R.AT_RISK,), id="at_risk-self_care-to-soon"),
    pytest.param(answers(**EXPECTED), 2, (), True, STEP_UP_OFF, T.SELF_CARE, (), id="at_risk-self_care-off-stays"),
    pytest.param(answers(**EXPECTED), 2, (), False, RULES, T.SELF_CARE, (), id="not_at_risk-self_care-stays"),
    pytest.param(answers(), 0, (), True, RULES, T.SOON, (R.AT_RISK,), id="at_risk-nothing-answered-yet"),
    pytest.param(answers(rash="yes"), 1, (), True, STEP_UP_OFF, T.SAME_DAY, (R.RASH, R.AT_RISK), id="off-soon-up"),
    pytest.param(answers(pus="yes"), 1, (), True, STEP_UP_OFF, T.EMERGENCY, (R.PUS, R.AT_RISK), id="off-same_day-up"),
    pytest.param(
        PIMPLES_UP_AGAIN, 3, PIMPLES_UP, True, RULES, T.SAME_DAY, (R.AT_RISK, R.WORSENING_TREND), id="at_risk-and-trend"
    ),
    pytest.param(
        PIMPLES_UP_AGAIN, 3, PIMPLES_UP, True, STEP_UP_OFF, T.SOON, (R.WORSENING_TREND,), id="off-trend-alone-not-up"
    ),
    # The worsening trend's window: the first of the three check-ins at most WINDOW days before this one.
    pytest.param(PAIN_4, DAY, pain_rising(DAY - 2, DAY - 1), False, RULES, *WORSE_AND_TREND, id="trend-consecutive"),
    pytest.param(
        PAIN_4, DAY, pain_rising(DAY - WINDOW, DAY - 1), False, RULES, *WORSE_AND_TREND, id="trend-gap-before-previous"
    ),
    pytest.param(
        PAIN_4, DAY, pain_rising(DAY - WINDOW, DAY - 2), False, RULES, *WORSE_AND_TREND, id="trend-gap-before-this"
    ),
    pytest.param(
        PAIN_4, DAY, pain_rising(DAY - WINDOW - 1, DAY - 1), False, RULES, *WORSE_ONLY, id="trend-first-outside-window"
    ),
    pytest.param(
        PAIN_4, DAY, pain_rising(DAY - WINDOW - 1, DAY - WINDOW), False, RULES, *WORSE_ONLY, id="trend-both-outside"
    ),
    pytest.param(
        PAIN_4,
        DAY,
        (past(DAY - WINDOW - 3, pain="5"), *pain_rising(DAY - 2, DAY - 1)),
        False,
        RULES,
        *WORSE_AND_TREND,
        id="trend-older-check-in-ignored",
    ),
    pytest.param(
        PAIN_4,
        DAY,
        (past(DAY - 3, pain="3"), past(DAY - 1, pain="3")),
        False,
        RULES,
        *WORSE_ONLY,
        id="trend-flat-before",
    ),
    pytest.param(
        answers(pain="3"), DAY, pain_rising(DAY - 3, DAY - 1), False, RULES, T.SELF_CARE, (), id="trend-flat-now"
    ),
    pytest.param(PAIN_4, DAY, (past(DAY - 1, pain="3"),), False, RULES, *WORSE_ONLY, id="trend-needs-three"),
    pytest.param(
        PAIN_4, DAY, pain_rising(DAY - 2, DAY - 1), False, CONSECUTIVE, *WORSE_AND_TREND, id="window-2-consecutive"
    ),
    pytest.param(PAIN_4, DAY, pain_rising(DAY - 3, DAY - 1), False, CONSECUTIVE, *WORSE_ONLY, id="window-2-gap"),
    pytest.param(
        PAIN_4,
        DAY,
        pain_rising(DAY - 7, DAY - 3),
        False,
        replace(RULES, worsening_trend_window_days=7),
        *WORSE_AND_TREND,
        id="window-7-edge",
    ),
    # A grade that rises counts as worsening even when the patient tapped "same" (or "better").
    pytest.param(
        answers(redness="moderate", redness_trend="same"),
        4,
        (past(3, redness="mild", redness_trend="better"),),
        False,
        RULES,
        T.SAME_DAY,
        (R.WORSENING, R.NOT_IMPROVING),
        id="grade-redness-mild-to-moderate",
    ),
    pytest.param(
        answers(redness="severe", redness_trend="same"),
        4,
        (past(3, redness="mild", redness_trend="same"),),
        False,
        RULES,
        T.SAME_DAY,
        (R.WORSENING, R.NOT_IMPROVING),
        id="grade-redness-mild-to-severe",
    ),
    pytest.param(
        answers(swelling="severe", swelling_trend="same"),
        4,
        (past(3, swelling="moderate", swelling_trend="same"),),
        False,
        RULES,
        T.SAME_DAY,
        (R.WORSENING, R.NOT_IMPROVING),
        id="grade-swelling-moderate-to-severe",
    ),
    pytest.param(
        answers(swelling="moderate", swelling_trend="better"),
        4,
        (past(3, swelling="mild", swelling_trend="better"),),
        False,
        RULES,
        *WORSE_ONLY,
        id="grade-rise-tapped-better",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="same"),
        4,
        (past(3, redness="mild", redness_trend="same"),),
        False,
        RULES,
        *NOT_IMPROVING_ONLY,
        id="grade-unchanged",
    ),
    pytest.param(
        answers(redness="mild", redness_trend="same"),
        4,
        (past(3, redness="moderate", redness_trend="better"),),
        False,
        RULES,
        *NOT_IMPROVING_ONLY,
        id="grade-fell",
    ),
    pytest.param(
        answers(redness="moderate", redness_trend="same"),
        4,
        (past(3, redness="none"),),
        False,
        RULES,
        *NOT_IMPROVING_ONLY,
        id="grade-from-none-not-counted",
    ),
    pytest.param(
        answers(redness="moderate", redness_trend="same"),
        4,
        (past(3, pain="2"),),
        False,
        RULES,
        *NOT_IMPROVING_ONLY,
        id="grade-not-answered-before",
    ),
    pytest.param(
        answers(redness="moderate", redness_trend="same"),
        4,
        (past(3, redness="mild", redness_trend="same"),),
        False,
        GRADE_OFF,
        *NOT_IMPROVING_ONLY,
        id="grade-off",
    ),
    pytest.param(
        answers(redness="moderate", redness_trend="same"),
        WORSENING_DAY - 1,
        (past(WORSENING_DAY - 2, redness="mild", redness_trend="same"),),
        False,
        RULES,
        T.SELF_CARE,
        (),
        id="grade-day-before-worsening-day",
    ),
    pytest.param(
        answers(redness="moderate", redness_trend="same"),
        WORSENING_DAY,
        (past(WORSENING_DAY - 1, redness="mild", redness_trend="same"),),
        False,
        RULES,
        *WORSE_ONLY,
        id="grade-on-worsening-day",
    ),
    pytest.param(
        answers(redness="severe", redness_trend="same"),
        6,
        (past(4, redness="mild", redness_trend="same"), past(5, redness="moderate", redness_trend="same")),
        False,
        RULES,
        T.EMERGENCY,
        (R.WORSENING, R.NOT_IMPROVING, R.WORSENING_TREND),
        id="grade-rising-twice-is-a-trend",
    ),
    pytest.param(
        answers(redness="severe", redness_trend="same"),
        6,
        (past(4, redness="mild", redness_trend="same"), past(5, redness="moderate", redness_trend="same")),
        False,
        GRADE_OFF,
        *NOT_IMPROVING_ONLY,
        id="grade-off-no-trend",
    ),
]


@pytest.mark.parametrize(("given", "day", "history", "at_risk", "rules", "tier", "reasons"), CASES)
def test_modifier_table(
    given: Answers,
    day: int,
    history: Sequence[PastCheckin],
    at_risk: bool,
    rules: TriageRules,
    tier: Tier,
    reasons: tuple[Reason, ...],
) -> None:
    """Each modifier, on and off, and each boundary of the trend's window and of a rising grade."""
    assert run(given, day, history, at_risk=at_risk, rules=rules) == TriageResult(tier, reasons)


def test_shipped_modifiers_are_the_briefs() -> None:
    """The shipped modifiers: at-risk self-care steps up, a trend may skip a day, and a rising grade is worse."""
    assert (RULES.at_risk_steps_up_self_care, WINDOW, RULES.rising_grade_is_worsening) == (True, 3, True)
