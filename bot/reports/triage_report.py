"""`python -m bot triage-report [--out PATH]`: the triage rules as one Markdown sheet a medical director can sign.

Every trigger, modifier and threshold is written out in plain words from the live values of data/triage.toml (or
TRIAGE_RULES), so the sheet always says what the bot does. render_report also takes a corpus of typed messages
with the tier each got, and marks every one triaged lower than its least acceptable tier.
"""

import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from bot.content.data_files import DataFileError
from bot.content.triage_rules import DEFAULT_TRIAGE_RULES_PATH, RulesError, load_triage_rules
from bot.domain.triage import Tier, TriageRules
from bot.reading import DEFAULT_READING_PATH, load_reader
from bot.reading.corpus import load_corpus, triage_corpus

DEFAULT_REPORT_PATH = Path("triage-report.md")
USAGE = "usage: python -m bot triage-report [--out PATH]\n"

TIER_NAMES = {Tier.EMERGENCY: "Emergency", Tier.SAME_DAY: "Same day", Tier.SOON: "Soon", Tier.SELF_CARE: "Self-care"}
_TIER_ADVICE = {
    Tier.EMERGENCY: "Call 911 or go to the emergency department now.",
    Tier.SAME_DAY: "Contact the clinic today; when it is closed, Health811 (call 811) or urgent care.",
    Tier.SOON: "Contact the clinic within a day (book a review).",
    Tier.SELF_CARE: "This is expected: self-care, with what is normal for the day of recovery.",
}
_SOURCES = (
    ("NHS", "NHS, cellulitis."),
    ("NHSN", "CDC/NHSN criteria for superficial surgical site infection."),
    ("CR21", "Case report of a granulomatous reaction after microneedling, PMC8008152."),
    ("Chu21", "Chu et al., Safety Profile for Microneedling: A Systematic Review, Dermatol Surg 2021;47(9):1249-54."),
    (
        "Fri24",
        "Friedmann et al., systematic review of granulomatous reactions after microneedling, Dermatol Surg 2024.",
    ),
    ("King17", "King, Aesthetic complications: herpetic infections, JCAD 2017;10(1):E5-7."),
    ("ST", "Schmitt-Thompson telephone triage dispositions (the names of the tiers)."),
    ("Seed", "The clinic's own article on breakouts after microneedling."),
)
# Characters that mean something in a Markdown table cell; each is written with a backslash before it.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|~&#")


@dataclass(frozen=True)
class CorpusLine:
    """One typed message of the test corpus, with the least tier it must get and what triage gave it."""

    language: str  # "en" or "fr"
    day: int  # the day of recovery it is read on
    least_tier: Tier  # the least acceptable tier: a lower result is under-triage
    text: str  # the message as a patient typed it
    result_tier: Tier
    reasons: tuple[str, ...]  # reason codes or plain words, shown as given


@dataclass(frozen=True)
class _Setting:
    """How the sheet explains one value of the rules file."""

    meaning: str
    sources: str


_SETTINGS: Mapping[str, _Setting] = {
    "fever_celsius": _Setting("A temperature at or above this is a fever.", "NHS"),
    "severe_pain": _Setting("A pain score (0 to 10) at or above this is same day.", "synthesis of NHS, NHSN"),
    "worsening_from_day": _Setting("From this day of recovery on, getting worse is same day.", "NHSN; NHS"),
    "not_improving_from_day": _Setting(
        "From this day on, redness or swelling staying the same is soon.", "CR21 (72 h)"
    ),
    "lasting_after_day": _Setting(
        "Redness, swelling or pimples still there on a day after this one is soon.", "Chu21; CR21; Seed"
    ),
    "pimples_increasing_after_day": _Setting("Pimples increasing on a day after this one is soon.", "Seed; Chu21"),
    "at_risk_steps_up_self_care": _Setting(
        "Whether an at-risk patient's self-care result goes up one tier to soon.", "NHS"
    ),
    "worsening_trend_window_days": _Setting(
        "The worsening trend's three check-ins span at most this many days.", "synthesis of NHSN, NHS"
    ),
    "rising_grade_is_worsening": _Setting(
        "Whether a higher grade of redness or swelling than last time counts as getting worse.", "NHSN; NHS"
    ),
}


def render_report(rules: TriageRules, corpus: Sequence[CorpusLine]) -> str:
    """Return the whole sign-off sheet in Markdown: tiers, triggers, modifiers, thresholds, corpus and sign-off."""
    parts = [
        _heading(rules),
        _tiers(),
        _triggers(rules),
        _modifiers(rules),
        _thresholds(rules),
        _corpus(corpus),
        _sign_off(rules),
        _sources(),
    ]
    return "\n\n".join(part.strip("\n") for part in parts) + "\n"


def rules_fingerprint(rules: TriageRules) -> str:
    """Return a short fingerprint of the rules' values, so that a signed sheet names the exact values it covers."""
    encoded = json.dumps(asdict(rules), sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:16]


def escape_cell(text: str) -> str:
    """Write text safely inside a Markdown table cell: special characters escaped, line breaks as <br>."""
    escaped = "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text.strip())
    lines = escaped.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(" ".join(line.split()) for line in lines)


def run_triage_report(args: Sequence[str], environ: Mapping[str, str]) -> int:
    """Write the sheet from the live rules (TRIAGE_RULES or the shipped file); print its path, or why not, on stderr."""
    out = _out_path(args)
    if out is None:
        sys.stderr.write(USAGE)
        return 2
    rules_path = Path(environ.get("TRIAGE_RULES", "").strip() or DEFAULT_TRIAGE_RULES_PATH)
    try:
        rules = load_triage_rules(rules_path)
    except RulesError as error:
        sys.stderr.write(f"aftercare bot triage-report: the rules cannot be read:\n{error}\n")
        return 2
    try:
        corpus = [
            CorpusLine(m.language, m.day, m.least, m.text, result.tier, tuple(result.reasons))
            for m, result in triage_corpus(load_reader(DEFAULT_READING_PATH), rules, load_corpus())
        ]
    except DataFileError as error:
        sys.stderr.write(f"aftercare bot triage-report: the typed-message corpus cannot be read:\n{error}\n")
        return 2
    try:
        out.write_text(render_report(rules, corpus), encoding="utf-8")
    except OSError as error:
        sys.stderr.write(f"aftercare bot triage-report: cannot write {out}: {error.strerror or error}\n")
        return 2
    sys.stdout.write(
        f"triage report written: {out} (rules from {rules_path}, fingerprint {rules_fingerprint(rules)})\n"
    )
    return 0


def _out_path(args: Sequence[str]) -> Path | None:
    """Return the path to write to: --out PATH or --out=PATH, else the default; None when the arguments are wrong."""
    if not args:
        return DEFAULT_REPORT_PATH
    if len(args) == 2 and args[0] == "--out" and args[1].strip():
        return Path(args[1])
    if len(args) == 1 and args[0].startswith("--out=") and args[0].removeprefix("--out=").strip():
        return Path(args[0].removeprefix("--out="))
    return None


def _day(day: int) -> str:
    """Name a day of recovery."""
    return "the treatment day (day 0)" if day == 0 else f"day {day}"


def _fever_words(rules: TriageRules) -> str:
    """Say what counts as a fever."""
    return (
        f'a temperature of {rules.fever_celsius:.1f} °C or more; or "yes" to fever with no temperature given;'
        ' or the answer "hot or shivery, can\'t measure"'
    )


def _lines(*paragraphs: str | Sequence[str]) -> str:
    """Join paragraphs with a blank line between them; a paragraph given in pieces becomes one line."""
    return "\n\n".join(part if isinstance(part, str) else " ".join(part) for part in paragraphs)


def _numbered(items: Sequence[str]) -> str:
    """Return a numbered Markdown list, one item a line."""
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))


def _heading(rules: TriageRules) -> str:
    """Return the title and how to read the sheet."""
    return _lines(
        "# Triage rules of the aftercare bot, for the medical director's sign-off",
        (
            "This sheet is generated from the triage rules file the bot runs with (`data/triage.toml`, or the file",
            "named by `TRIAGE_RULES`): change a value there and generate the sheet again with",
            "`python -m bot triage-report`. The values are a synthesis of the sources listed at the end; they are",
            "not clinical advice until signed off below.",
        ),
        f"Values fingerprint: `{rules_fingerprint(rules)}` (it changes whenever any value changes).",
        (
            "How triage decides: the patient's answers are checked against the triggers below. The most urgent",
            "tier triggered wins, and every trigger that fired is given as a reason. Then the modifiers may raise",
            "the tier one step each, never above Emergency. Days are days of recovery, counted in calendar days at",
            "the clinic: day 0 is the treatment day. A question not answered does not trigger.",
        ),
    )


def _tiers() -> str:
    """Return the table of tiers and what each tells the patient."""
    rows = "\n".join(f"| {TIER_NAMES[tier]} | {_TIER_ADVICE[tier]} |" for tier in sorted(Tier, reverse=True))
    return _lines("## Tiers [ST]", f"| Tier | What the patient is told to do |\n| --- | --- |\n{rows}")


def _triggers(rules: TriageRules) -> str:
    """Return every trigger of every tier in plain words, with the live thresholds."""
    worse = ['redness or swelling the patient says is getting "worse"']
    if rules.rising_grade_is_worsening:
        worse.append("redness or swelling graded higher than at the previous check-in (see the modifiers)")
    worse += ["skin hot to the touch", "a pain score higher than at the previous check-in"]
    fever = _fever_words(rules)
    emergency = (
        "Trouble breathing, or swelling of the lips, tongue or throat (a severe allergic reaction).",
        "Swelling around an eye, changes in vision, or pain moving the eye.",
        "Feeling very unwell: fast heartbeat or breathing, dizziness or fainting, confusion, cold clammy skin. [NHS]",
        "Red streaks spreading from the treated area, or redness spreading fast.",
        f"A fever together with pus, skin hot to the touch, or spreading redness. A fever is {fever}. [NHS]",
    )
    same_day = (
        "Pus. [NHSN]",
        "Redness spreading (slowly), without a fever.",
        f"Getting worse from {_day(rules.worsening_from_day)} on: {'; or '.join(worse)}."
        " Before that day these are expected and do not trigger. [NHSN; NHS]",
        f"Pain of {rules.severe_pain}/10 or more. [a synthesis of NHS and NHSN: no source gives a number]",
        "Tingling, burning, or small blisters, especially around the lips (a possible cold sore). [King17]",
        f"A fever with no pus, hot skin or spreading redness. A fever is {fever}. [NHS]",
    )
    soon = (
        f"Pimples still there from {_day(rules.lasting_after_day + 1)} on. [Seed; Chu21]",
        "Pimples increasing (the patient says so, or more than at the previous check-in) from"
        f" {_day(rules.pimples_increasing_after_day + 1)} on. [Seed; Chu21]",
        "Redness or swelling (mild or more) staying the same instead of getting better, from"
        f" {_day(rules.not_improving_from_day)} on. [CR21]",
        f"Redness or swelling (mild or more) still there from {_day(rules.lasting_after_day + 1)} on. [Chu21; CR21]",
        "A new itchy or bumpy rash. [Chu21; Fri24]",
        "Patches darker than the usual skin tone. [Chu21]",
    )
    self_care = (
        f"None of the above: for example, up to {_day(rules.lasting_after_day)}, redness, swelling or tightness",
        "that is improving, mild pain, a few small pimples with no pus, warmth or fever, mild itching or flaking.",
        "[Chu21; CR21]",
    )
    return _lines(
        "## Triggers",
        "### Emergency: call 911 now",
        _numbered(emergency),
        "### Same day: contact the clinic today",
        _numbered(same_day),
        "### Soon: contact the clinic within a day",
        _numbered(soon),
        "### Self-care: expected",
        self_care,
    )


def _modifiers(rules: TriageRules) -> str:
    """Return the modifiers in plain words, as the live values set them."""
    if rules.at_risk_steps_up_self_care:
        self_care = "A self-care result goes up too: it becomes Soon, with being at risk as its reason."
    else:
        self_care = "A self-care result stays Self-care: being at risk alone never raises it."
    window = rules.worsening_trend_window_days
    if window == 2:
        spread = "so only three consecutive days count (for example days 3, 4 and 5)"
    else:
        skipped = f"{window - 2} day{'s' if window > 3 else ''}"
        spread = (
            f"so the days need not be consecutive: up to {skipped} may be skipped (for example days 3, {window + 2}"
            f" and {window + 3}, or days 3, 4 and {window + 3})"
        )
    if rules.rising_grade_is_worsening:
        grade = (
            "**On.** Redness or swelling graded higher than at the previous check-in (mild to moderate or severe,"
            ' moderate to severe) counts as getting worse even when the patient tapped "same" or "better". Like a'
            f' "worse" tap, it is same day from {_day(rules.worsening_from_day)} on, and it counts towards the'
            " worsening trend. Redness or swelling appearing where the previous check-in had none is not counted."
        )
    else:
        grade = (
            '**Off.** Only the patient\'s own "worse" tap counts as redness or swelling getting worse; a higher'
            " grade than at the previous check-in does not."
        )
    items = (
        "**At risk: diabetes or a weakened immune system** (the patient's own answer). When any trigger fired, the"
        f" tier goes up one step. {self_care} [NHS]",
        "**A worsening trend across check-ins.** This check-in and the previous one both show worsening against the"
        " check-in before each (redness or swelling getting worse, more pimples, or more pain), and the first of"
        f" the three was at most {window} days before this one, {spread}. It applies even when no trigger fired."
        " When a patient checked in more than once on a date, the last check-in of that date counts."
        " [a synthesis of NHSN and NHS]",
        f"**A rising grade counts as getting worse.** {grade} [NHSN; NHS]",
    )
    return _lines(
        "## Modifiers",
        (
            "Each modifier raises the tier one step (Self-care to Soon, Soon to Same day, Same day to Emergency),",
            "never above Emergency; both can apply to one check-in.",
        ),
        _numbered(items),
    )


def _thresholds(rules: TriageRules) -> str:
    """Return the table of every value in the rules file, as the bot runs with it."""
    values = asdict(rules)
    rows = "\n".join(
        f"| `{field.name}` | {_shown(values[field.name], field.name)} | {_SETTINGS[field.name].meaning}"
        f" | {_SETTINGS[field.name].sources} |"
        for field in fields(rules)
    )
    return f"""
## Every value in the rules file

| Setting | Value | What it means | Sources |
| --- | --- | --- | --- |
{rows}
"""


def _shown(value: object, name: str) -> str:
    """Show a value of the rules file as the file spells it, with its unit."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == "fever_celsius" and isinstance(value, float):
        return f"{value:.1f} °C"
    if name == "severe_pain":
        return f"{value}/10"
    return f"{value} days" if name.endswith("_days") else f"day {value}" if name.endswith("_day") else str(value)


def _corpus(corpus: Sequence[CorpusLine]) -> str:
    """Return the corpus of typed messages with each one's result; under-triaged lines are marked and counted."""
    if not corpus:
        return """
## Typed messages (corpus)

No corpus was included in this sheet.
"""
    under = [number for number, line in enumerate(corpus, start=1) if line.result_tier < line.least_tier]
    over = sum(1 for line in corpus if line.result_tier > line.least_tier)
    rows = "\n".join(_corpus_row(number, line) for number, line in enumerate(corpus, start=1))
    if under:
        listed = ", ".join(str(number) for number in under)
        verdict = f"**UNDER-TRIAGED: {len(under)}** (lines {listed}): each got a lower tier than its least acceptable."
    else:
        verdict = "Under-triaged: none (every message got at least its least acceptable tier)."
    table = (
        "| # | Language | Day | Message | Least acceptable | Bot's tier | Reasons | Check |\n"
        f"| --- | --- | --- | --- | --- | --- | --- | --- |\n{rows}"
    )
    return _lines(
        "## Typed messages (corpus)",
        (
            f"{len(corpus)} messages, each with the least tier a triage nurse would accept and the tier the bot",
            f"gave it. {verdict} Over-triaged (a higher tier than needed): {over}.",
        ),
        table,
    )


def _corpus_row(number: int, line: CorpusLine) -> str:
    """Return one corpus line as a table row, the patient's text escaped."""
    if line.result_tier < line.least_tier:
        check = "**⚠ UNDER-TRIAGED**"
    elif line.result_tier > line.least_tier:
        check = "over"
    else:
        check = "ok"
    reasons = escape_cell(", ".join(line.reasons)) if line.reasons else "none"
    cells = (
        str(number),
        escape_cell(line.language),
        str(line.day),
        escape_cell(line.text),
        TIER_NAMES[line.least_tier],
        TIER_NAMES[line.result_tier],
        reasons,
        check,
    )
    return f"| {' | '.join(cells)} |"


def _sign_off(rules: TriageRules) -> str:
    """Return the block the medical director fills in and signs."""
    return _lines(
        "## Sign-off",
        (
            "I have reviewed every trigger, modifier and value above",
            f"(values fingerprint `{rules_fingerprint(rules)}`) and the results of the typed messages, if any, and I",
            "approve them for use by the clinic's aftercare bot, with the changes noted below, if any.",
        ),
        "Changes requested (setting, new value, reason):",
        "- ______________________________________________________________\n"
        "- ______________________________________________________________",
        "Name: ______________________________  Role: Medical director",
        "Signature: __________________________  Date: ____________________",
    )


def _sources() -> str:
    """Return the list of sources the tags refer to."""
    lines = "\n".join(f"- [{tag}] {text}" for tag, text in _SOURCES)
    return f"""
## Sources

{lines}
"""
