"""Static checks run with the tests, so the README's one test command (and CI) covers them."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "mypy"],
        [sys.executable, "-m", "ruff", "check", "."],
        [sys.executable, "-m", "ruff", "format", "--check", "."],
    ],
    ids=["mypy --strict", "ruff check", "ruff format"],
)
def test_static_checks_pass(command: list[str]) -> None:
    """Mypy --strict (configured in pyproject.toml) and ruff find nothing."""
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=280, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
