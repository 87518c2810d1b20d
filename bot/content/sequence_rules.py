"""Loading the aftercare sequence from data/sequence.toml: which message goes out on which day, at what time.

The file is checked at start against the content, like the triage rules: a broken file stops the bot with a
line naming the file and the step, instead of failing in front of a patient weeks later.
"""

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from string import Formatter
from typing import Any

from bot.content.data_files import DataFileError, read_toml, show_value
from bot.content.keys import TRIAGE_PLACEHOLDERS
from bot.content.packs import ACTIONS, MAIN_SCREEN, Content, LanguagePack
from bot.domain.sequence import AftercareSequence, SequenceStep

DEFAULT_SEQUENCE_PATH = Path(__file__).resolve().parents[2] / "data" / "sequence.toml"
LAST_DAY = 90  # the oldest treatment date onboarding accepts is this many days back
MAX_BUTTONS = 3
TEXT_PREFIX = "sequence."  # the sequence's texts are the [sequence] table of clinic.toml
# What the sending fills in, and the triage thresholds, which the pack fills in itself.
PLACEHOLDERS = frozenset({"clinic_name", "clinic_phone", "clinic_hours", *TRIAGE_PLACEHOLDERS})

_KEY = re.compile(r"[a-z0-9_]{1,40}")  # stored in sequence_log and written to the log: short and safe
_TEXT = re.compile(re.escape(TEXT_PREFIX) + r"[a-z0-9_]{1,40}")
_TIME = re.compile(r"(\d{2}):(\d{2})")
_FIELDS = frozenset({"key", "day", "time", "text", "buttons"})


class SequenceError(DataFileError):
    """The sequence file is missing, unreadable or holds a bad step; the message names the file and the step."""


@dataclass
class _Problems:
    """What is wrong with the file, one line each, for the step being read."""

    found: list[str]

    def add(self, where: str, problem: str) -> None:
        """Note one problem at a place in the file."""
        self.found.append(f"{where}: {problem}")


def load_sequence(path: Path, content: Content) -> AftercareSequence:
    """Read and check the sequence file against the content; raise SequenceError naming the file and the step."""
    data = read_toml(path, SequenceError)
    problems = _Problems([])
    unknown = sorted(set(data) - {"step"})
    if unknown:
        problems.add(unknown[0], "unknown key: the file holds only [[step]] tables, each with key, day, time, text")
    raw_steps = data.get("step", [])
    if not isinstance(raw_steps, list) or not all(isinstance(raw, dict) for raw in raw_steps):
        problems.add("step", "must be [[step]] tables, each with key, day, time, text")
        raw_steps = []
    steps: list[SequenceStep] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_steps):
        step = _step(index, raw, content, problems)
        if step is None:
            continue
        if step.key in seen:
            problems.add(f'step "{step.key}"', "key: used by an earlier step; each step needs its own key")
        elif steps and (step.day, step.at) <= (steps[-1].day, steps[-1].at):
            before = steps[-1]
            problems.add(
                f'step "{step.key}"',
                f'must come after step "{before.key}" (day {before.day} at {before.at:%H:%M}):'
                " keep the steps in order of day and time",
            )
        seen.add(step.key)
        steps.append(step)
    if problems.found:
        raise SequenceError("\n".join(f"{path}: {problem}" for problem in problems.found))
    return AftercareSequence(tuple(steps))


def button_label(pack: LanguagePack, target: str) -> str | None:
    """Return a step button's label: the menu's own label for that screen or action; None if the menu has none."""
    if target == MAIN_SCREEN:
        return pack.label("open_menu")
    for screen in pack.screens.values():
        for row in screen.rows:
            for button in row:
                if button.target == target:
                    return button.label
    return None


def _step(index: int, raw: dict[str, Any], content: Content, problems: _Problems) -> SequenceStep | None:
    """Read one [[step]] table, noting every problem; None when it cannot be used."""
    key = raw.get("key")
    good_key = isinstance(key, str) and _KEY.fullmatch(key) is not None
    where = f'step "{key}"' if good_key else f"step {index + 1}"
    before = len(problems.found)
    if not good_key:
        problems.add(where, f"key: must be 1 to 40 of a-z, 0-9 and _, like day0_evening, not {show_value(key)}")
    for name in sorted(set(raw) - _FIELDS):
        problems.add(where, f"{name}: unknown key; a step has {', '.join(sorted(_FIELDS))}")
    day = raw.get("day")
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= LAST_DAY:
        problems.add(
            where, f"day: must be a whole number from 0 (the treatment day) to {LAST_DAY}, not {show_value(day)}"
        )
    at = _clock_time(raw.get("time"))
    if at is None:
        problems.add(where, f'time: must be a 24-hour local time like "09:00", not {show_value(raw.get("time"))}')
    text = raw.get("text")
    if not isinstance(text, str) or not _TEXT.fullmatch(text):
        problems.add(
            where, f'text: must name a text of the [sequence] table, like "sequence.day1", not {show_value(text)}'
        )
    else:
        _check_text(where, text, content, problems)
    buttons = _buttons(where, raw.get("buttons", []), content, problems)
    if len(problems.found) > before or not isinstance(key, str) or not isinstance(day, int) or at is None:
        return None
    return SequenceStep(key=key, day=day, at=at, text=str(text), buttons=buttons)


def _check_text(where: str, text: str, content: Content, problems: _Problems) -> None:
    """Require the text in every language pack, using only the values the sending fills in."""
    for code, pack in content.languages.items():
        template = pack.messages.get(text)
        if template is None:
            problems.add(where, f"text: {text} is missing from the {code} language pack (clinic.toml)")
            continue
        used = {name for _literal, name, _spec, _conversion in Formatter().parse(template) if name is not None}
        unknown = sorted(used - PLACEHOLDERS)
        if unknown:
            allowed = " ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS))
            problems.add(where, f"text: {text} in the {code} pack uses {{{unknown[0]}}}; allowed: {allowed}")


def _buttons(where: str, value: object, content: Content, problems: _Problems) -> tuple[str, ...]:
    """Read a step's buttons: up to MAX_BUTTONS screens or actions of the menu, each with a label in every pack."""
    if not isinstance(value, list) or len(value) > MAX_BUTTONS or not all(isinstance(item, str) for item in value):
        problems.add(where, f'buttons: must be a list of up to {MAX_BUTTONS} screen ids or actions, like ["normal"]')
        return ()
    if len(set(value)) < len(value):
        problems.add(where, "buttons: a button is listed twice")
    for target in value:
        for code, pack in content.languages.items():
            known = target in pack.screens or target in ACTIONS
            if not known or button_label(pack, target) is None:
                problems.add(where, f'buttons: "{target}" is not a screen or action the {code} menu has a button for')
                break
    return tuple(value)


def _clock_time(value: object) -> time | None:
    """Read "HH:MM", 24-hour; None when it is not one."""
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))
