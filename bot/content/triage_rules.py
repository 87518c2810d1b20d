"""Loading the triage thresholds from data/triage.toml, which the clinic's medical director reviews."""

from dataclasses import dataclass
from pathlib import Path

from bot.content.data_files import DataFileError, read_toml, show_value
from bot.domain.triage import TriageRules

DEFAULT_TRIAGE_RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "triage.toml"


class RulesError(DataFileError):
    """The triage rules file is missing, unreadable or holds a bad value; the message names the file and key."""


@dataclass(frozen=True)
class _Range:
    """The kind and range a value must have, and how to say so."""

    whole: bool
    low: float
    high: float
    what: str

    def check(self, value: object) -> str | None:
        """Return what is wrong with a value, or None when it is acceptable."""
        kind, spell = ("a whole number", "{:.0f}") if self.whole else ("a number", "{:.1f}")
        low, high = spell.format(self.low), spell.format(self.high)
        wanted = f"must be {kind} from {low} to {high}{self.what}, not {show_value(value)}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return wanted
        if self.whole and not isinstance(value, int):
            return wanted
        return None if self.low <= value <= self.high else wanted


@dataclass(frozen=True)
class _Switch:
    """A modifier that is on or off: true or false, nothing else."""

    what: str

    def check(self, value: object) -> str | None:
        """Return what is wrong with a value, or None when it is true or false."""
        return None if isinstance(value, bool) else f"must be true or false{self.what}, not {show_value(value)}"


_DAYS = _Range(whole=True, low=0, high=30, what=" (a day of recovery; 0 is the treatment day)")
_RANGES: dict[str, _Range | _Switch] = {
    "fever_celsius": _Range(whole=False, low=37.0, high=40.0, what=" (degrees Celsius)"),
    "severe_pain": _Range(whole=True, low=1, high=10, what=""),
    "worsening_from_day": _DAYS,
    "not_improving_from_day": _DAYS,
    "lasting_after_day": _DAYS,
    "pimples_increasing_after_day": _DAYS,
    "at_risk_steps_up_self_care": _Switch(" (true: an at-risk patient's self-care result becomes soon)"),
    "worsening_trend_window_days": _Range(
        whole=True, low=2, high=14, what=" (days from the first of the three check-ins; 2 is consecutive days)"
    ),
    "rising_grade_is_worsening": _Switch(" (true: a higher grade of redness or swelling is getting worse)"),
}


def load_triage_rules(path: Path) -> TriageRules:
    """Read and check the triage rules file; raise RulesError naming the file and the key on any problem."""
    data = read_toml(path, RulesError)
    problems = [f"{key}: missing" for key in _RANGES if key not in data]
    problems += [f"{key}: unknown key (expected only {', '.join(_RANGES)})" for key in data if key not in _RANGES]
    for key, value in data.items():
        problem = _RANGES[key].check(value) if key in _RANGES else None
        if problem:
            problems.append(f"{key}: {problem}")
    if not problems:
        problems = _order_problems(data)
    if problems:
        raise RulesError("\n".join(f"{path}: {problem}" for problem in problems))
    return TriageRules(
        fever_celsius=float(data["fever_celsius"]),
        severe_pain=data["severe_pain"],
        worsening_from_day=data["worsening_from_day"],
        not_improving_from_day=data["not_improving_from_day"],
        lasting_after_day=data["lasting_after_day"],
        pimples_increasing_after_day=data["pimples_increasing_after_day"],
        at_risk_steps_up_self_care=data["at_risk_steps_up_self_care"],
        worsening_trend_window_days=data["worsening_trend_window_days"],
        rising_grade_is_worsening=data["rising_grade_is_worsening"],
    )


def _order_problems(data: dict[str, int]) -> list[str]:
    """Return what is wrong with the order of the day values, which must agree with each other."""
    problems = []
    if data["pimples_increasing_after_day"] >= data["lasting_after_day"]:
        problems.append(
            "pimples_increasing_after_day: must be less than lasting_after_day"
            f" ({data['lasting_after_day']}), not {data['pimples_increasing_after_day']}"
        )
    if data["worsening_from_day"] > data["not_improving_from_day"]:
        problems.append(
            "worsening_from_day: must not be more than not_improving_from_day"
            f" ({data['not_improving_from_day']}), not {data['worsening_from_day']}"
        )
    return problems
