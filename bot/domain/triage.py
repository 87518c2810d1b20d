"""Triage of a check-in: how urgent it is (a tier) and why (reason codes), never a diagnosis.

The triggers, tiers and modifiers follow section 5 of the content brief. Every number used here comes from
TriageRules, which is loaded from data/triage.toml so that the clinic's medical director can review it.
Triage works on partial answers too, so that the bot can stop at the first emergency: a question that has not
been answered (or no longer applies after a change of answer) simply does not trigger.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum

from bot.domain.checkin import (
    HOT_UNMEASURED,
    PAIN_SCORES,
    PIMPLE_COUNTS,
    SEVERITIES,
    SPREADING_FAST,
    SPREADING_SLOW,
    YES,
    Answers,
    PastCheckin,
    Question,
    is_asked,
)
from bot.domain.records import Verdict


class Tier(IntEnum):
    """How soon the patient should get help; higher is more urgent."""

    SELF_CARE = 0
    SOON = 1
    SAME_DAY = 2
    EMERGENCY = 3

    @property
    def code(self) -> str:
        """Return the stable code of the tier, as used in content keys ("triage.<code>...")."""
        return self.name.lower()


class Reason(StrEnum):
    """Why a tier was given: stable codes, stored in SQLite and used as content keys ("reasons.<code>")."""

    # Emergency.
    BREATHING = "breathing"
    EYES = "eyes"
    VERY_UNWELL = "very_unwell"
    STREAKS = "streaks"  # redness spreading fast, or red streaks
    FEVER_WITH_SKIN_SIGN = "fever_with_skin_sign"
    # Same day.
    PUS = "pus"
    SPREADING = "spreading"
    WORSENING = "worsening"
    SEVERE_PAIN = "severe_pain"
    BLISTERS = "blisters"
    FEVER = "fever"
    # Soon.
    PIMPLES_LASTING = "pimples_lasting"
    PIMPLES_INCREASING = "pimples_increasing"
    NOT_IMPROVING = "not_improving"
    REDNESS_LASTING = "redness_lasting"
    RASH = "rash"
    DARK_PATCHES = "dark_patches"
    # Modifiers: each raises the tier by one step.
    AT_RISK = "at_risk"
    WORSENING_TREND = "worsening_trend"


MODIFIERS: tuple[Reason, ...] = (Reason.AT_RISK, Reason.WORSENING_TREND)


@dataclass(frozen=True)
class TriageRules:
    """Every number triage uses; loaded from data/triage.toml, where each one is explained and sourced."""

    fever_celsius: float  # a temperature at or above this is a fever
    severe_pain: int  # pain at or above this (0-10) is same day
    worsening_from_day: int  # "after the first 48 h": getting worse counts from this day of recovery on
    not_improving_from_day: int  # "not improving after 72 h": from this day of recovery on
    lasting_after_day: int  # redness, swelling or pimples still there on a day after this one
    pimples_increasing_after_day: int  # pimples increasing on a day after this one
    # Modifiers.
    at_risk_steps_up_self_care: bool  # an at-risk patient's self-care result becomes soon (else it stays)
    worsening_trend_window_days: int  # the trend's three check-ins span at most this many days (2: consecutive)
    rising_grade_is_worsening: bool  # redness or swelling graded higher than last time counts as getting worse


@dataclass(frozen=True)
class TriageResult:
    """The outcome of triage: the tier, and every reason for it (most urgent first, modifiers last)."""

    tier: Tier
    reasons: tuple[Reason, ...]  # empty for plain self-care


_TREND_WORSE = "worse"
_TREND_SAME = "same"
_MILD = SEVERITIES.index("mild")


def triage(
    answers: Answers, day: int, history: Sequence[PastCheckin], *, at_risk: bool, rules: TriageRules
) -> TriageResult:
    """Return the tier and the reasons for a check-in on a day of recovery, given earlier check-ins."""
    ordered = sorted(history, key=lambda checkin: checkin.local_date)  # stable: within a date, given order
    previous = ordered[-1].answers if ordered else None
    fired: dict[Reason, Tier] = {}
    for level, triggers in (
        (Tier.EMERGENCY, _emergency_triggers(answers, rules)),
        (Tier.SAME_DAY, _same_day_triggers(answers, day, previous, rules)),
        (Tier.SOON, _soon_triggers(answers, day, previous, rules)),
    ):
        for reason in triggers:
            fired.setdefault(reason, level)
    reasons = sorted(fired, key=lambda reason: (-fired[reason], list(Reason).index(reason)))
    tier = max(fired.values(), default=Tier.SELF_CARE)
    # AT_RISK (diabetes or a weakened immune system) raises the tier one step. On a plain self-care result it does
    # so only when the rules say so (the brief's default): then it becomes soon, with AT_RISK its only reason.
    if at_risk and (fired or rules.at_risk_steps_up_self_care):
        tier = _one_up(tier)
        reasons.append(Reason.AT_RISK)
    # WORSENING_TREND applies even when nothing else fired.
    if _worsening_trend(answers, day, ordered, rules):
        tier = _one_up(tier)
        reasons.append(Reason.WORSENING_TREND)
    return TriageResult(tier, tuple(reasons))


def _one_up(tier: Tier) -> Tier:
    """Return the next tier up, never above EMERGENCY."""
    return Tier(min(tier + 1, Tier.EMERGENCY))


def _emergency_triggers(answers: Answers, rules: TriageRules) -> list[Reason]:
    """Return the emergency triggers that fired."""
    found = _yes_triggers(
        answers,
        ((Question.BREATHING, Reason.BREATHING), (Question.EYES, Reason.EYES), (Question.UNWELL, Reason.VERY_UNWELL)),
    )
    if _value(answers, Question.SPREADING) == SPREADING_FAST:
        found.append(Reason.STREAKS)
    if _has_fever(answers, rules) and _has_skin_sign(answers):
        found.append(Reason.FEVER_WITH_SKIN_SIGN)
    return found


def _same_day_triggers(answers: Answers, day: int, previous: Answers | None, rules: TriageRules) -> list[Reason]:
    """Return the same-day triggers that fired."""
    found = _yes_triggers(answers, ((Question.PUS, Reason.PUS),))
    if _value(answers, Question.SPREADING) == SPREADING_SLOW:
        found.append(Reason.SPREADING)
    if day >= rules.worsening_from_day and (
        _trend_is(answers, Question.REDNESS_TREND, _TREND_WORSE)
        or _trend_is(answers, Question.SWELLING_TREND, _TREND_WORSE)
        or _grade_rose(answers, previous, rules)
        or _yes(answers, Question.WARMTH)
        or _went_up(answers, previous, _pain)
    ):
        found.append(Reason.WORSENING)
    pain = _pain(answers)
    if pain is not None and pain >= rules.severe_pain:
        found.append(Reason.SEVERE_PAIN)
    found += _yes_triggers(answers, ((Question.BLISTERS, Reason.BLISTERS),))
    if _has_fever(answers, rules) and not _has_skin_sign(answers):
        found.append(Reason.FEVER)
    return found


def _soon_triggers(answers: Answers, day: int, previous: Answers | None, rules: TriageRules) -> list[Reason]:
    """Return the soon triggers that fired."""
    found: list[Reason] = []
    pimples = _pimples(answers)
    if day > rules.lasting_after_day and pimples is not None and pimples > 0:
        found.append(Reason.PIMPLES_LASTING)
    if day > rules.pimples_increasing_after_day and _pimples_increasing(answers, previous):
        found.append(Reason.PIMPLES_INCREASING)
    redness_or_swelling = ((Question.REDNESS, Question.REDNESS_TREND), (Question.SWELLING, Question.SWELLING_TREND))
    if day >= rules.not_improving_from_day and any(
        _at_least_mild(answers, sign) and _trend_is(answers, trend, _TREND_SAME) for sign, trend in redness_or_swelling
    ):
        found.append(Reason.NOT_IMPROVING)
    if day > rules.lasting_after_day and any(_at_least_mild(answers, sign) for sign, _ in redness_or_swelling):
        found.append(Reason.REDNESS_LASTING)
    found += _yes_triggers(answers, ((Question.RASH, Reason.RASH), (Question.DARK_PATCHES, Reason.DARK_PATCHES)))
    return found


def _worsening_trend(answers: Answers, day: int, ordered: Sequence[PastCheckin], rules: TriageRules) -> bool:
    """Tell whether this check-in and the previous one both show worsening, all three within the trend's window.

    The three check-ins are this one, the latest earlier one and the one before that, on three different dates;
    they need not be on consecutive days, but the first must be at most worsening_trend_window_days days before
    this one (with 2, only three consecutive days count). The check-in being triaged carries only its day of
    recovery, so its calendar date is worked out from the latest earlier check-in (its date moved on by the
    difference in days). When a patient checked in more than once on a date, the last check-in of that date counts.
    """
    if not ordered:
        return False
    latest = ordered[-1]
    today = latest.local_date + timedelta(days=day - latest.day)
    last_of_each_date: dict[date, PastCheckin] = {}
    for checkin in ordered:
        if checkin.local_date < today:
            last_of_each_date[checkin.local_date] = checkin
    dates = sorted(last_of_each_date)
    if len(dates) < 2 or (today - dates[-2]).days > rules.worsening_trend_window_days:
        return False
    previous, first = last_of_each_date[dates[-1]], last_of_each_date[dates[-2]]
    return _shows_worsening(answers, previous.answers, rules) and _shows_worsening(
        previous.answers, first.answers, rules
    )


def _shows_worsening(answers: Answers, previous: Answers, rules: TriageRules) -> bool:
    """Tell whether a check-in shows worsening: worse or higher-graded redness or swelling, more pimples or pain."""
    return (
        _trend_is(answers, Question.REDNESS_TREND, _TREND_WORSE)
        or _trend_is(answers, Question.SWELLING_TREND, _TREND_WORSE)
        or _grade_rose(answers, previous, rules)
        or _pimples_increasing(answers, previous)
        or _went_up(answers, previous, _pain)
    )


def _grade_rose(answers: Answers, previous: Answers | None, rules: TriageRules) -> bool:
    """Tell whether redness or swelling is graded higher than at the previous check-in, from mild up.

    Only a rise from an earlier grade of at least mild counts (mild to moderate or severe, moderate to severe):
    redness or swelling appearing where there was none is not counted here. Off when the rules say so.
    """
    if not rules.rising_grade_is_worsening or previous is None:
        return False
    return any(
        before is not None and before >= _MILD and now is not None and now > before
        for now, before in (
            (_grade(answers, Question.REDNESS), _grade(previous, Question.REDNESS)),
            (_grade(answers, Question.SWELLING), _grade(previous, Question.SWELLING)),
        )
    )


def _pimples_increasing(answers: Answers, previous: Answers | None) -> bool:
    """Tell whether the patient says the pimples are increasing, or there are more than last time."""
    return _yes(answers, Question.PIMPLES_INCREASING) or _went_up(answers, previous, _pimples)


def _has_fever(answers: Answers, rules: TriageRules) -> bool:
    """Tell whether a fever was reported: hot or shivery, or yes with no temperature or one at the threshold."""
    if _value(answers, Question.FEVER) == HOT_UNMEASURED:
        return True  # felt but not measured: counted as a fever, as a "yes" without a temperature is
    if not _yes(answers, Question.FEVER):
        return False  # "no" and "not measured" are not a fever
    try:
        temperature = answers.temperature()
    except ValueError:
        temperature = None  # an unreadable value is treated as not given: the patient still said yes
    return temperature is None or temperature >= rules.fever_celsius


def _has_skin_sign(answers: Answers) -> bool:
    """Tell whether there is a local sign of infection: pus, warm skin, or spreading redness."""
    return (
        _yes(answers, Question.PUS)
        or _yes(answers, Question.WARMTH)
        or _value(answers, Question.SPREADING) in (SPREADING_SLOW, SPREADING_FAST)
    )


def _yes_triggers(answers: Answers, pairs: Sequence[tuple[Question, Reason]]) -> list[Reason]:
    """Return the reasons whose yes/no question was answered yes."""
    return [reason for question, reason in pairs if _yes(answers, question)]


def _went_up(answers: Answers, previous: Answers | None, measure: Callable[[Answers], int | None]) -> bool:
    """Tell whether a measure is higher now than in the previous check-in (both must have been answered)."""
    if previous is None:
        return False
    now, before = measure(answers), measure(previous)
    return now is not None and before is not None and now > before


def _value(answers: Answers, question: Question) -> str | None:
    """Return an answer that still applies; one left over from a changed earlier answer is ignored."""
    return answers.get(question) if is_asked(question, answers) else None


def _yes(answers: Answers, question: Question) -> bool:
    """Tell whether a yes/no question that applies was answered yes."""
    return _value(answers, question) == YES


def _trend_is(answers: Answers, trend_question: Question, trend: str) -> bool:
    """Tell whether a trend question that applies was answered with the given trend."""
    return _value(answers, trend_question) == trend


def _at_least_mild(answers: Answers, question: Question) -> bool:
    """Tell whether redness or swelling was reported as at least mild."""
    grade = _grade(answers, question)
    return grade is not None and grade >= _MILD


def _grade(answers: Answers, question: Question) -> int | None:
    """Return the grade of redness or swelling (0 none to 3 severe), or None when not answered."""
    value = _value(answers, question)
    return SEVERITIES.index(value) if value in SEVERITIES else None


def _pain(answers: Answers) -> int | None:
    """Return the pain score 0-10, or None when not answered."""
    value = _value(answers, Question.PAIN)
    return PAIN_SCORES.index(value) if value in PAIN_SCORES else None


def _pimples(answers: Answers) -> int | None:
    """Return the pimple count as a level (0 none, 1 few, 2 many), or None when not answered."""
    value = _value(answers, Question.PIMPLES)
    return PIMPLE_COUNTS.index(value) if value in PIMPLE_COUNTS else None


ESCALATE_FROM = Tier.SAME_DAY  # staff hear of a result from this tier up


def verdict(result: TriageResult) -> Verdict:
    """Return a triage result as stored, with whether the clinic's staff must hear of it."""
    return Verdict(result.tier.code, tuple(result.reasons), escalate=result.tier >= ESCALATE_FROM)
