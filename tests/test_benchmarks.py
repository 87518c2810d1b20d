"""The benchmarks still run: each one at its smoke size, giving figures (the real sizes are run by hand, see README)."""

import math

import pytest

from tests.benchmarks.__main__ import registered
from tests.benchmarks.harness import Scale


@pytest.mark.parametrize("name", sorted(registered()))
async def test_each_benchmark_runs_at_smoke_size_and_gives_figures(name: str) -> None:
    """A tiny run of the benchmark gives named figures with finite, non-negative values."""
    figures = await registered()[name](Scale.SMOKE)
    assert figures, f"{name} gave no figures"
    for figure in figures:
        assert figure.section, figure
        assert figure.name, figure
        assert math.isfinite(figure.value), figure
        assert figure.value >= 0, figure
