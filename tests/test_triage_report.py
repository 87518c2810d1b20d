"""The sign-off sheet: every trigger, modifier and value from the live rules, the corpus marked, and the CLI."""

import os
import re
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path

import pytest

from bot.domain.triage import Reason, Tier, TriageRules
from bot.reading import DEFAULT_READING_PATH, load_reader
from bot.reading.corpus import load_corpus, triage_corpus
from bot.reports.triage_report import CorpusLine, escape_cell, render_report, rules_fingerprint
from tests.test_process import _OUR_VARIABLES
from tests.test_triage import RULES
from tests.test_triage_rules import edited_copy

ROOT = Path(__file__).resolve().parent.parent


def section(sheet: str, title: str) -> str:
    """Return one "## " section of the sheet, from its heading to the next."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", sheet, re.MULTILINE | re.DOTALL)
    assert match, title
    return match[1]


def test_every_value_of_the_rules_file_is_in_the_sheet() -> None:
    """Each setting of TriageRules has a row in the values table, so none can be left out of the sign-off."""
    table = section(render_report(RULES, ()), "Every value in the rules file")
    for field in fields(TriageRules):
        assert re.search(rf"^\| `{field.name}` \| ", table, re.MULTILINE), field.name


@pytest.mark.parametrize(
    ("changed", "section_title", "before", "after"),
    [
        pytest.param({"fever_celsius": 38.5}, "Triggers", "38.0 °C or more", "38.5 °C or more", id="fever"),
        pytest.param({"severe_pain": 8}, "Triggers", "Pain of 7/10 or more", "Pain of 8/10 or more", id="pain"),
        pytest.param({"worsening_from_day": 3}, "Triggers", "worse from day 2 on", "worse from day 3 on", id="worse"),
        pytest.param({"not_improving_from_day": 4}, "Triggers", "better, from day 3 on", "from day 4 on", id="same"),
        pytest.param(
            {"lasting_after_day": 10}, "Triggers", "still there from day 8", "still there from day 11", id="last"
        ),
        pytest.param(
            {"pimples_increasing_after_day": 5}, "Triggers", "check-in) from day 4 on", "from day 6 on", id="pimples"
        ),
        pytest.param(
            {"at_risk_steps_up_self_care": False}, "Modifiers", "it becomes Soon", "stays Self-care", id="step-up"
        ),
        pytest.param(
            {"worsening_trend_window_days": 2},
            "Modifiers",
            "at most 3 days before this one, so the days need not be consecutive: up to 1 day may be skipped",
            "at most 2 days before this one, so only three consecutive days count",
            id="window-2",
        ),
        pytest.param(
            {"worsening_trend_window_days": 5},
            "Modifiers",
            "up to 1 day may be skipped (for example days 3, 5 and 6",
            "up to 3 days may be skipped (for example days 3, 7 and 8",
            id="window-5",
        ),
        pytest.param({"rising_grade_is_worsening": False}, "Modifiers", "**On.**", "**Off.**", id="grade"),
    ],
)
def test_a_changed_value_changes_the_sheet(
    changed: dict[str, object], section_title: str, before: str, after: str
) -> None:
    """Each value is read from the rules given: the plain words change with it, and so does the fingerprint."""
    shipped = render_report(RULES, ())
    edited_rules = replace(RULES, **changed)  # type: ignore[arg-type]
    edited = render_report(edited_rules, ())
    assert before in section(shipped, section_title)
    assert before not in section(edited, section_title)
    assert after in section(edited, section_title)
    assert rules_fingerprint(edited_rules) != rules_fingerprint(RULES)
    assert rules_fingerprint(edited_rules) in section(edited, "Sign-off")


def test_the_sheet_names_tiers_triggers_sources_and_a_sign_off_block() -> None:
    """The sheet has every tier's triggers with their sources, the modifiers, and a block to sign."""
    sheet = render_report(RULES, ())
    triggers = section(sheet, "Triggers")
    for heading in ("### Emergency", "### Same day", "### Soon", "### Self-care"):
        assert heading in triggers
    assert len(re.findall(r"^\d+\. ", triggers, re.MULTILINE)) == 5 + 6 + 6  # as many as the brief's triggers
    assert "hot or shivery" in triggers
    for tag in ("[NHS]", "[NHSN]", "CR21", "Chu21", "Seed", "King17", "Fri24"):
        assert tag in triggers, tag
    assert "Signature: ___" in section(sheet, "Sign-off")
    assert "Name: ___" in section(sheet, "Sign-off")
    assert "No corpus" in section(sheet, "Typed messages (corpus)")


def test_the_corpus_is_escaped_and_under_triage_is_marked() -> None:
    """Each typed message is one table row, escaped; under-triaged lines are marked and counted at the top."""
    corpus = [
        CorpusLine("en", 3, Tier.SAME_DAY, "pus | and\nhot *skin* <b>", Tier.EMERGENCY, (Reason.PUS, Reason.FEVER)),
        CorpusLine("fr", 2, Tier.EMERGENCY, "j'ai du mal à respirer", Tier.SELF_CARE, ()),
        CorpusLine("en", 5, Tier.SOON, "itchy rash", Tier.SOON, ("a new itchy rash",)),
    ]
    table = section(render_report(RULES, corpus), "Typed messages (corpus)")
    rows = [line for line in table.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == 3
    assert rows[0] == (r"| 1 | en | 3 | pus \| and<br>hot \*skin\* \<b\> | Same day | Emergency | pus, fever | over |")
    assert rows[1] == "| 2 | fr | 2 | j'ai du mal à respirer | Emergency | Self-care | none | **⚠ UNDER-TRIAGED** |"
    assert rows[2].endswith("| Soon | Soon | a new itchy rash | ok |")
    assert "**UNDER-TRIAGED: 1** (lines 2)" in table
    assert "Over-triaged (a higher tier than needed): 1." in table


def test_a_corpus_with_nothing_under_triaged_says_so() -> None:
    """With no under-triage, the count line says none."""
    corpus = [CorpusLine("en", 1, Tier.SELF_CARE, "all good", Tier.SELF_CARE, ())]
    assert "Under-triaged: none" in section(render_report(RULES, corpus), "Typed messages (corpus)")


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("a|b", r"a\|b"),
        ("line one\nline two", "line one<br>line two"),
        ("windows\r\nbreak\rold mac", "windows<br>break<br>old mac"),
        ("back\\slash", r"back\\slash"),
        ("`code` _x_ [link](y) ~~s~~ # & ", r"\`code\` \_x\_ \[link\](y) \~\~s\~\~ \# \&"),
        ("  tabs\tand   spaces  ", "tabs and spaces"),
        ("😷 38,5", "😷 38,5"),
    ],
)
def test_escape_cell(text: str, cell: str) -> None:
    """Text inside a table cell cannot end the cell, break the row, or turn into markup."""
    assert escape_cell(text) == cell


def shipped_corpus(rules: TriageRules) -> list[CorpusLine]:
    """Return the shipped corpus as the sheet shows it: each message with the tier the bot gives it."""
    return [
        CorpusLine(m.language, m.day, m.least, m.text, result.tier, tuple(result.reasons))
        for m, result in triage_corpus(load_reader(DEFAULT_READING_PATH), rules, load_corpus())
    ]


def run_cli(cwd: Path, *args: str, rules: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot triage-report ARGS` with none of the bot's settings (so no token), TRIAGE_RULES if given."""
    env = {key: value for key, value in os.environ.items() if key not in _OUR_VARIABLES}
    if rules is not None:
        env["TRIAGE_RULES"] = str(rules)
    return subprocess.run(
        [sys.executable, "-m", "bot", "triage-report", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_writes_the_sheet_from_the_live_rules_file(tmp_path: Path) -> None:
    """`triage-report --out PATH` writes the sheet from TRIAGE_RULES; a changed file gives a changed sheet."""
    rules_path = edited_copy(tmp_path, "severe_pain", "severe_pain = 6")
    out = tmp_path / "sheet.md"
    done = run_cli(tmp_path, "--out", str(out), rules=rules_path)
    assert done.returncode == 0, done.stderr
    assert f"triage report written: {out}" in done.stdout
    sheet = out.read_text(encoding="utf-8")
    assert "Pain of 6/10 or more" in sheet
    assert sheet == render_report(replace(RULES, severe_pain=6), shipped_corpus(replace(RULES, severe_pain=6)))


def test_the_cli_defaults_to_the_shipped_rules_and_a_file_in_the_current_folder(tmp_path: Path) -> None:
    """With no arguments and no TRIAGE_RULES, the shipped rules go to triage-report.md in the current folder."""
    done = run_cli(tmp_path)
    assert done.returncode == 0, done.stderr
    sheet = (tmp_path / "triage-report.md").read_text(encoding="utf-8")
    assert sheet == render_report(RULES, shipped_corpus(RULES))
    assert f"{len(load_corpus())} messages" in sheet
    assert "Under-triaged: none" in sheet


def test_the_cli_refuses_a_broken_rules_file_and_bad_arguments(tmp_path: Path) -> None:
    """A broken rules file is named with its key, exit status 2, nothing written; bad arguments show the usage."""
    rules_path = edited_copy(tmp_path, "worsening_trend_window_days", "worsening_trend_window_days = 30")
    out = tmp_path / "sheet.md"
    done = run_cli(tmp_path, f"--out={out}", rules=rules_path)
    assert done.returncode == 2
    assert f"{rules_path}: worsening_trend_window_days: must be a whole number from 2 to 14" in done.stderr
    assert not out.exists()
    wrong = run_cli(tmp_path, "--out")
    assert (wrong.returncode, wrong.stderr) == (2, "usage: python -m bot triage-report [--out PATH]\n")
