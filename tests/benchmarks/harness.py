"""What every benchmark shares: the Figure it reports, medians and percentiles, and the printed table."""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Scale(Enum):
    """How big a run is: FULL gives the figures the README quotes; SMOKE only proves the benchmark still runs."""

    FULL = "full"
    SMOKE = "smoke"


@dataclass(frozen=True)
class Figure:
    """One measured figure, with the target it is held to (empty when there is none) and whether it met it."""

    section: str
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None

    def shown(self) -> str:
        """Return the value with its unit, rounded to what the eye can use."""
        if abs(self.value) >= 100 or self.value == int(self.value):
            number = f"{self.value:,.0f}"
        elif abs(self.value) >= 1:
            number = f"{self.value:.2f}"
        else:
            number = f"{self.value:.3f}"
        return f"{number} {self.unit}".strip()


def median(runs: Sequence[float]) -> float:
    """Return the median of several runs' figures (the one the table shows)."""
    return float(statistics.median(runs))


def percentile(values: Sequence[float], share: float) -> float:
    """Return the value below which `share` (0-1) of the values fall, by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def table(figures: Sequence[Figure]) -> str:
    """Return the figures as a Markdown table, ready for the README's Performance section."""
    rows = ["| section | figure | value | target | met |", "|---|---|---|---|---|"]
    for figure in figures:
        met = "" if figure.met is None else ("yes" if figure.met else "**no**")
        rows.append(f"| {figure.section} | {figure.name} | {figure.shown()} | {figure.target} | {met} |")
    return "\n".join(rows)
