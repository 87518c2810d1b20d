"""Loading and checking data/triage.toml, the triage thresholds the clinic's medical director signs off."""

import re
from pathlib import Path

import pytest

from bot.content.triage_rules import DEFAULT_TRIAGE_RULES_PATH, RulesError, load_triage_rules
from bot.domain.triage import TriageRules

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "triage.toml"


def edited_copy(tmp_path: Path, key: str, line: str | None) -> Path:
    """Copy the shipped file to tmp_path with the line setting a key replaced (or removed when line is None)."""
    path = tmp_path / "triage.toml"
    path.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    return edited_copy_of(path, key, line)


def edited_copy_of(path: Path, key: str, line: str | None) -> Path:
    """Edit a rules file in place: the line setting a key replaced (or removed when line is None)."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{key} = .*$", re.MULTILINE)
    assert pattern.search(text), f"{key} is not set in {path}"
    path.write_text(pattern.sub("" if line is None else line, text), encoding="utf-8")
    return path


def test_shipped_file_loads() -> None:
    """The shipped file loads, with the brief's numbers."""
    assert load_triage_rules(SHIPPED) == TriageRules(
        fever_celsius=38.0,
        severe_pain=7,
        worsening_from_day=2,
        not_improving_from_day=3,
        lasting_after_day=7,
        pimples_increasing_after_day=3,
        at_risk_steps_up_self_care=True,
        worsening_trend_window_days=3,
        rising_grade_is_worsening=True,
    )


def test_default_path_is_the_shipped_file() -> None:
    """The default path the bot loads is the shipped file."""
    assert DEFAULT_TRIAGE_RULES_PATH == SHIPPED


def test_every_value_is_explained_sourced_and_marked_for_sign_off() -> None:
    """Each value in the shipped file has a comment above it with a source tag and a sign-off note."""
    blocks = SHIPPED.read_text(encoding="utf-8").split("\n\n")
    for key in TriageRules.__dataclass_fields__:
        block = next(block for block in blocks if re.search(rf"^{key} = ", block, re.MULTILINE))
        comment = "\n".join(line for line in block.splitlines() if line.startswith("#"))
        assert re.search(r"\[(NHS|NHSN|CR21|Chu21|Seed)\b", comment), key
        assert "medical director sign-off required" in comment.lower(), key


@pytest.mark.parametrize("value", [False, True])
def test_each_switch_is_read_as_written(tmp_path: Path, value: bool) -> None:
    """The two switches are read as written, false as well as true."""
    path = edited_copy(tmp_path, "at_risk_steps_up_self_care", f"at_risk_steps_up_self_care = {str(value).lower()}")
    path = edited_copy_of(path, "rising_grade_is_worsening", f"rising_grade_is_worsening = {str(value).lower()}")
    rules = load_triage_rules(path)
    assert (rules.at_risk_steps_up_self_care, rules.rising_grade_is_worsening) == (value, value)


def test_a_whole_number_for_fever_is_accepted(tmp_path: Path) -> None:
    """A fever threshold written as 38 (no decimal point) is read as 38.0."""
    path = edited_copy(tmp_path, "fever_celsius", "fever_celsius = 38")
    rules = load_triage_rules(path)
    assert rules.fever_celsius == 38.0
    assert isinstance(rules.fever_celsius, float)


@pytest.mark.parametrize(
    ("key", "line", "message"),
    [
        pytest.param("severe_pain", None, "severe_pain: missing", id="missing-key"),
        pytest.param("severe_pain", "severe_pain = 7\nsevere_pains = 8", "severe_pains: unknown key", id="unknown-key"),
        pytest.param(
            "rising_grade_is_worsening",  # the last key, so that the table holds no other key
            "rising_grade_is_worsening = true\n[extra]\nvalue = 1",
            "extra: unknown key",
            id="unknown-table",
        ),
        pytest.param(
            "severe_pain",
            'severe_pain = "7"',
            'severe_pain: must be a whole number from 1 to 10, not "7"',
            id="wrong-type-string",
        ),
        pytest.param(
            "lasting_after_day",
            "lasting_after_day = 7.0",
            "lasting_after_day: must be a whole number from 0 to 30",
            id="wrong-type-float-for-int",
        ),
        pytest.param(
            "fever_celsius",
            "fever_celsius = [38.0]",
            "fever_celsius: must be a number from 37.0 to 40.0 (degrees Celsius), not a list",
            id="wrong-type-list",
        ),
        pytest.param(
            "severe_pain",
            "severe_pain = true",
            "severe_pain: must be a whole number from 1 to 10, not true",
            id="bool-for-int",
        ),
        pytest.param("fever_celsius", "fever_celsius = true", "fever_celsius: must be a number", id="bool-for-number"),
        pytest.param(
            "severe_pain",
            "severe_pain = 11",
            "severe_pain: must be a whole number from 1 to 10, not 11",
            id="out-of-range-pain",
        ),
        pytest.param(
            "severe_pain", "severe_pain = 0", "severe_pain: must be a whole number from 1 to 10, not 0", id="pain-zero"
        ),
        pytest.param(
            "fever_celsius",
            "fever_celsius = 36.9",
            "fever_celsius: must be a number from 37.0 to 40.0 (degrees Celsius), not 36.9",
            id="out-of-range-fever",
        ),
        pytest.param("fever_celsius", "fever_celsius = nan", "fever_celsius: must be a number", id="fever-nan"),
        pytest.param(
            "lasting_after_day", "lasting_after_day = 31", "lasting_after_day: must be a whole number", id="day-too-big"
        ),
        pytest.param(
            "worsening_from_day",
            "worsening_from_day = -1",
            "worsening_from_day: must be a whole number",
            id="day-negative",
        ),
        pytest.param(
            "pimples_increasing_after_day",
            "pimples_increasing_after_day = 7",
            "pimples_increasing_after_day: must be less than lasting_after_day (7), not 7",
            id="inconsistent-pimples",
        ),
        pytest.param(
            "worsening_from_day",
            "worsening_from_day = 4",
            "worsening_from_day: must not be more than not_improving_from_day (3), not 4",
            id="inconsistent-worsening",
        ),
        pytest.param("at_risk_steps_up_self_care", None, "at_risk_steps_up_self_care: missing", id="missing-step-up"),
        pytest.param("worsening_trend_window_days", None, "worsening_trend_window_days: missing", id="missing-window"),
        pytest.param("rising_grade_is_worsening", None, "rising_grade_is_worsening: missing", id="missing-grade"),
        pytest.param(
            "at_risk_steps_up_self_care",
            'at_risk_steps_up_self_care = "yes"',
            "at_risk_steps_up_self_care: must be true or false (true: an at-risk patient's self-care result"
            ' becomes soon), not "yes"',
            id="switch-string",
        ),
        pytest.param(
            "rising_grade_is_worsening",
            "rising_grade_is_worsening = 1",
            "rising_grade_is_worsening: must be true or false",
            id="switch-number",
        ),
        pytest.param(
            "worsening_trend_window_days",
            "worsening_trend_window_days = 1",
            "worsening_trend_window_days: must be a whole number from 2 to 14 (days from the first of the three"
            " check-ins; 2 is consecutive days), not 1",
            id="window-too-small",
        ),
        pytest.param(
            "worsening_trend_window_days",
            "worsening_trend_window_days = 15",
            "worsening_trend_window_days: must be a whole number from 2 to 14",
            id="window-too-big",
        ),
        pytest.param(
            "worsening_trend_window_days",
            "worsening_trend_window_days = true",
            "worsening_trend_window_days: must be a whole number from 2 to 14",
            id="window-bool",
        ),
    ],
)
def test_broken_file_is_refused_naming_file_and_key(tmp_path: Path, key: str, line: str | None, message: str) -> None:
    """Each kind of broken value raises RulesError whose message names the file and the key."""
    path = edited_copy(tmp_path, key, line)
    with pytest.raises(RulesError) as raised:
        load_triage_rules(path)
    assert f"{path}: {message}" in str(raised.value)


def test_bad_toml_names_the_file_and_line(tmp_path: Path) -> None:
    """A syntax error names the file and the line it is on."""
    path = edited_copy(tmp_path, "severe_pain", "severe_pain 7")
    line = next(
        number
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if text == "severe_pain 7"
    )
    with pytest.raises(RulesError, match=rf"^{re.escape(str(path))}: is not valid TOML: .*line {line}\b"):
        load_triage_rules(path)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    """Several bad values are reported together, one line each, so they can all be fixed in one go."""
    path = edited_copy(tmp_path, "severe_pain", "severe_pain = 11\nseverity = 2")
    with pytest.raises(RulesError) as raised:
        load_triage_rules(path)
    assert str(raised.value).splitlines() == [
        f"{path}: severity: unknown key (expected only fever_celsius, severe_pain, worsening_from_day,"
        " not_improving_from_day, lasting_after_day, pimples_increasing_after_day, at_risk_steps_up_self_care,"
        " worsening_trend_window_days, rising_grade_is_worsening)",
        f"{path}: severe_pain: must be a whole number from 1 to 10, not 11",
    ]


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    """A file that is not there is a RulesError naming it."""
    path = tmp_path / "nowhere.toml"
    with pytest.raises(RulesError, match=rf"^{re.escape(str(path))}: cannot be read"):
        load_triage_rules(path)


def test_file_not_in_utf8_names_the_file(tmp_path: Path) -> None:
    """A file in another encoding is a RulesError naming it."""
    path = tmp_path / "triage.toml"
    path.write_bytes(SHIPPED.read_bytes() + "# fi\xe8vre\n".encode("latin-1"))
    with pytest.raises(RulesError, match=rf"^{re.escape(str(path))}: is not UTF-8 text"):
        load_triage_rules(path)
