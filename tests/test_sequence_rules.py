"""Loading and checking data/sequence.toml, the aftercare sequence's schedule, against the content."""

import asyncio
import re
import shutil
from datetime import time
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT_DIR, DEFAULT_SEQUENCE, load_settings
from bot.content.packs import Content, load_content
from bot.content.sequence_rules import DEFAULT_SEQUENCE_PATH, SequenceError, button_label, load_sequence
from bot.domain.sequence import AftercareSequence, SequenceStep
from tests.conftest import TEST_ENV
from tests.test_process import launch

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "sequence.toml"


def write(tmp_path: Path, text: str) -> Path:
    """Write a sequence file and return its path."""
    path = tmp_path / "sequence.toml"
    path.write_text(text, encoding="utf-8")
    return path


def steps(*bodies: str) -> str:
    """Return a file of [[step]] tables with these bodies."""
    return "".join(f"[[step]]\n{body}\n" for body in bodies)


def step(
    key: str = '"day1"', day: str = "1", at: str = '"09:00"', text: str = '"sequence.day1"', extra: str = ""
) -> str:
    """Return the body of one step, with any field written as given."""
    return f"key = {key}\nday = {day}\ntime = {at}\ntext = {text}\n{extra}"


def refused(path: Path, content: Content, *parts: str) -> str:
    """Load a file that must be refused; check the message names the file and each part; return it."""
    with pytest.raises(SequenceError) as caught:
        load_sequence(path, content)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for part in parts:
        assert part in message, (part, message)
    return message


def test_the_shipped_schedule_loads(content: Content) -> None:
    """The shipped file loads: day 0 evening, then days 1, 3, 7 and 14 in the morning, each with buttons."""
    sequence = load_sequence(SHIPPED, content)
    assert [(s.key, s.day, s.at) for s in sequence.steps] == [
        ("day0_evening", 0, time(19, 0)),
        ("day1", 1, time(9, 0)),
        ("day3", 3, time(9, 0)),
        ("day7", 7, time(9, 0)),
        ("day14", 14, time(9, 0)),
    ]
    en = content.pack("en")
    for shipped in sequence.steps:
        assert shipped.text == f"sequence.{shipped.key}"
        assert 1 <= len(shipped.buttons) <= 2, shipped.key
        assert all(button_label(en, target) for target in shipped.buttons), shipped.key
    assert sequence.steps[2].buttons[0] == "checkin"  # day 3 offers the check-in


def test_the_default_path_is_the_shipped_file() -> None:
    """SEQUENCE_FILE defaults to the repository's data/sequence.toml."""
    assert DEFAULT_SEQUENCE_PATH == SHIPPED == DEFAULT_SEQUENCE
    env = {key: value for key, value in TEST_ENV.items() if key != "SEQUENCE_FILE"}
    assert load_settings(env).sequence_path == SHIPPED
    assert load_settings({**env, "SEQUENCE_FILE": "/clinic/sequence.toml"}).sequence_path == Path(
        "/clinic/sequence.toml"
    )


def test_a_file_without_steps_switches_the_sequence_off(tmp_path: Path, content: Content) -> None:
    """A file with only comments is an empty sequence (the tests' default)."""
    assert load_sequence(write(tmp_path, "# nothing\n"), content) == AftercareSequence(())


def test_buttons_are_optional_and_labelled_as_the_menu_labels_them(tmp_path: Path, content: Content) -> None:
    """A step may have no buttons; "main" is the menu's Open button, a screen or action its main-menu label."""
    path = write(tmp_path, steps(step(key='"quiet"'), step(key='"later"', day="2", extra='buttons = ["main"]')))
    quiet, later = load_sequence(path, content).steps
    assert quiet == SequenceStep(key="quiet", day=1, at=time(9, 0), text="sequence.day1")
    en = content.pack("en")
    assert later.buttons == ("main",)
    assert button_label(en, "main") == en.label("open_menu")
    assert button_label(en, "checkin") == "Daily check-in"
    assert button_label(en, "tell_breakout") == "A breakout"
    assert button_label(en, "nowhere") is None


@pytest.mark.parametrize(
    ("body", "parts"),
    [
        (step(key='"Day 1!"'), ["step 1: key: must be 1 to 40 of a-z, 0-9 and _", '"Day 1!"']),
        (step(key='"x' + "y" * 40 + '"'), ["step 1: key"]),
        (step(key="7"), ["step 1: key", "not 7"]),
        (step(day="-1"), ['step "day1": day: must be a whole number from 0', "not -1"]),
        (step(day="91"), ['step "day1": day', "to 90, not 91"]),
        (step(day='"3"'), ['step "day1": day', 'not "3"']),
        (step(day="true"), ['step "day1": day', "not true"]),
        (step(day="1.5"), ['step "day1": day', "not 1.5"]),
        (step(at='"25:00"'), ['step "day1": time: must be a 24-hour local time like "09:00"', 'not "25:00"']),
        (step(at='"9:00"'), ['step "day1": time', 'not "9:00"']),
        (step(at='"09:60"'), ['step "day1": time', 'not "09:60"']),
        (step(at="09:00:00"), ['step "day1": time', "not 09:00:00"]),
        (step(text='"sequence.day30"'), ['step "day1": text: sequence.day30 is missing from the en language pack']),
        (step(text='"welcome"'), ['step "day1": text: must name a text of the [sequence] table', '"welcome"']),
        (step(extra='buttons = ["nowhere"]'), ['step "day1": buttons: "nowhere" is not a screen or action']),
        (step(extra='buttons = ["normal", "normal"]'), ['step "day1": buttons: a button is listed twice']),
        (step(extra='buttons = ["main", "normal", "why", "contact"]'), ['step "day1": buttons: must be a list']),
        (step(extra='buttons = "normal"'), ['step "day1": buttons: must be a list']),
        (step(extra='hour = "09:00"'), ['step "day1": hour: unknown key']),
    ],
)
def test_each_broken_step_is_refused_naming_file_and_step(
    tmp_path: Path, content: Content, body: str, parts: list[str]
) -> None:
    """A bad key, day, time, text or button stops loading with a line naming the file and the step."""
    refused(write(tmp_path, steps(body)), content, *parts)


def test_keys_must_be_unique(tmp_path: Path, content: Content) -> None:
    """Two steps with one key are refused: the log of what was sent could not tell them apart."""
    path = write(tmp_path, steps(step(), step(day="2")))
    refused(path, content, 'step "day1": key: used by an earlier step')


@pytest.mark.parametrize(
    ("second_day", "second_time"),
    [("0", '"09:00"'), ("1", '"08:59"'), ("1", '"09:00"')],
    ids=["an earlier day", "an earlier time", "the same moment"],
)
def test_steps_must_be_in_day_and_time_order(
    tmp_path: Path, content: Content, second_day: str, second_time: str
) -> None:
    """A step listed after a later one, or at the same moment, is refused naming both."""
    path = write(tmp_path, steps(step(), step(key='"second"', day=second_day, at=second_time)))
    refused(path, content, 'step "second": must come after step "day1" (day 1 at 09:00)', "order of day and time")


def test_a_text_must_only_use_the_values_the_sending_fills_in(tmp_path: Path, content: Content) -> None:
    """A clinic's new text with {day} (allowed in other messages) is refused: the sequence fills in only the clinic."""
    folder = Path(shutil.copytree(DEFAULT_CONTENT_DIR, tmp_path / "content"))
    for language, text in (
        ("en", "It is day {day}. Call {clinic_phone}."),
        ("fr", "Jour {day}. Appelez le {clinic_phone}."),
    ):
        clinic = folder / language / "clinic.toml"
        clinic.write_text(clinic.read_text(encoding="utf-8") + f'\nday30 = "{text}"\n', encoding="utf-8")
    own = load_content(folder)
    good = write(tmp_path, steps(step(key='"day30"', day="30", text='"sequence.day30"')))
    refused(good, own, 'step "day30": text: sequence.day30 in the en pack uses {day}', "{clinic_phone}")


def test_every_problem_is_listed_one_line_each(tmp_path: Path, content: Content) -> None:
    """Several problems are reported together, each on its own line naming the file."""
    path = write(tmp_path, steps(step(day="99", at='"7pm"'), step(key='"ok"', day="2", text='"sequence.nope"')))
    lines = refused(path, content).splitlines()
    assert len(lines) == 4, lines
    assert all(line.startswith(f"{path}: step ") for line in lines)
    assert [line for line in lines if "sequence.nope" in line and "fr language pack" in line], "each language's gap"


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("[[step]\n", "is not valid TOML"),
        ('steps = []\n[[step]]\nkey = "day1"\n', "steps: unknown key"),
        ("step = 3\n", "step: must be [[step]] tables"),
        ('step = ["day1"]\n', "step: must be [[step]] tables"),
    ],
)
def test_a_malformed_file_is_refused_naming_it(tmp_path: Path, content: Content, text: str, part: str) -> None:
    """Bad TOML, a top-level key other than step, or steps that are not tables: refused, naming the file."""
    refused(write(tmp_path, text), content, part)


def test_a_missing_or_binary_file_is_refused(tmp_path: Path, content: Content) -> None:
    """A file that cannot be read, or is not UTF-8, is refused naming it."""
    refused(tmp_path / "nope.toml", content, "cannot be read")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    refused(binary, content, "is not UTF-8 text")


def test_every_shipped_step_text_is_in_every_language_pack(content: Content) -> None:
    """The schedule's texts are in each pack the bot ships (the loader refuses any that is not)."""
    sequence = load_sequence(SHIPPED, content)
    for pack in content.languages.values():
        assert all(shipped.text in pack.messages for shipped in sequence.steps), pack.code


async def test_a_broken_sequence_file_stops_the_bot_naming_file_and_key(tmp_path: Path) -> None:
    """`python -m bot` with a step at 25:00 exits with status 2 and one line naming the file and the step."""
    broken = tmp_path / "sequence.toml"
    shipped = SHIPPED.read_text(encoding="utf-8")
    broken.write_text(re.sub(r'(?m)^time = "19:00"', 'time = "25:00"', shipped), encoding="utf-8")
    env = {**TEST_ENV, "TELEGRAM_API_URL": "http://127.0.0.1:9", "SEQUENCE_FILE": str(broken)}
    running = await launch(tmp_path, env)
    assert await asyncio.wait_for(running.process.wait(), timeout=30) == 2
    await running.stop()
    [line] = running.stderr.decode().strip().splitlines()
    assert "sequence.toml" in line
    assert 'step "day0_evening": time' in line
    assert "Traceback" not in running.stderr.decode()
