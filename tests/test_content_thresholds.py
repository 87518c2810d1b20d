"""The triage thresholds in the texts: written once, in data/triage.toml, and filled into every text that needs them."""

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from bot.content.keys import (
    MESSAGE_FILES,
    MESSAGE_PLACEHOLDERS,
    TRIAGE_PLACEHOLDERS,
    TYPED_SIGNS,
    WORST_VALUES,
    SequenceKey,
    as_key,
    plain_limits,
)
from bot.content.packs import Content, ContentError, LanguagePack, SafeHtml, load_content
from bot.content.sequence_rules import load_sequence
from bot.content.triage_rules import DEFAULT_TRIAGE_RULES_PATH, load_triage_rules
from bot.content.validation import check_plain, check_sendable
from bot.domain.clinic import ClinicInfo
from bot.domain.triage import TriageRules

CONTENT_DIR = Path(__file__).resolve().parent.parent / "data" / "content"
CLINIC = ClinicInfo(name="Maple Skin Clinic", phone="416-555-0199", hours="Mon-Fri 9:00-17:00")
CLINIC_VALUES = {"clinic_name": CLINIC.name, "clinic_phone": CLINIC.phone, "clinic_hours": CLINIC.hours}
SEQUENCE = ("day0_evening", "day1", "day3", "day7", "day14")
_TAG = re.compile(r"<[^>]+>")
# A threshold written out in a text instead of through its placeholder: a temperature, a pain score, hours, or a
# day that a triage rule counts from ("after day 7", "from day 2 on", "not better after 3 days").
WRITTEN_OUT = re.compile(
    r"\d+(?:[.,]\d)?\s*°[CF]|\d+\s*/\s*10\b|\d+\s+out of (?:10|ten)\b|\b\d+\s*h\b|\d+\s+hours"
    r"|\b(?:after|past|from|by|until|before)\s+day\s+\d+|\bafter\s+\d+\s+days\b",
    re.IGNORECASE,
)
# Where a number of that shape is not a triage threshold: the temperature question's example and its answer bands
# (fixed in bot.domain.checkin), and the aftercare limits, which no triage rule uses.
NOT_THRESHOLDS = {
    "questions.temperature",
    "checkin.temperature_not_understood",
    *(f"answers.temperature.{band}" for band in ("37_5", "38_0", "38_5", "39_0", "40_0")),
    "staff.invite_created",
}


def plain(html: str) -> str:
    """Return text as a patient reads it: without tags, entities resolved."""
    return _TAG.sub("", html).replace("&#x27;", "'").replace("&amp;", "&")


def rules_with(tmp_path: Path, **changes: float) -> TriageRules:
    """Load a copy of the shipped triage.toml with some values changed, as a medical director would edit it."""
    text = DEFAULT_TRIAGE_RULES_PATH.read_text(encoding="utf-8")
    for name, value in changes.items():
        text, count = re.subn(rf"^{name} = .*$", f"{name} = {value}", text, flags=re.MULTILINE)
        assert count == 1, name
    path = tmp_path / "triage.toml"
    path.write_text(text, encoding="utf-8")
    return load_triage_rules(path)


def every_patient_text(pack: LanguagePack) -> dict[str, str]:
    """Render every screen (for a few days), every day text, and each aftercare message, as the patient gets them."""
    texts = {
        f"screens.{screen}@{day}": pack.render_screen(screen, CLINIC, day)
        for screen in pack.screens
        for day in (None, 1, 4, 10)
    }
    texts |= {f"normal_by_day[{index}]": text for index, text in enumerate(pack.normal_by_day.variants())}
    texts |= {f"sequence.{key}": pack.text(as_key(f"sequence.{key}"), **CLINIC_VALUES) for key in SEQUENCE}
    return texts


def raw_templates() -> dict[str, str]:
    """Return every text of the shipped English files as written, before any value is filled in."""
    folder = CONTENT_DIR / "en"
    found: dict[str, str] = {}

    def walk(table: dict[str, object], prefix: str) -> None:
        """Collect the strings of nested tables under dotted keys."""
        for name, value in table.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{name}.")
            elif isinstance(value, str):
                found[prefix + name] = value

    for name in MESSAGE_FILES:
        walk(tomllib.loads((folder / name).read_text(encoding="utf-8")), "")
    screens = tomllib.loads((folder / "screens.toml").read_text(encoding="utf-8"))["screens"]
    found |= {f"screens.{screen}": table["text"] for screen, table in screens.items()}
    normal = tomllib.loads((folder / "normal_by_day.toml").read_text(encoding="utf-8"))
    found |= {f"normal_by_day.day[{index}]": span["text"] for index, span in enumerate(normal["day"])}
    found["normal_by_day.unknown_day"] = normal["unknown_day"]
    return found


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> LanguagePack:
    """The shipped content loaded with a medical director's different thresholds."""
    rules = rules_with(
        tmp_path_factory.mktemp("rules"),
        fever_celsius=38.5,
        severe_pain=8,
        worsening_from_day=1,
        not_improving_from_day=4,
        lasting_after_day=10,
        pimples_increasing_after_day=5,
    )
    return load_content(CONTENT_DIR, rules).pack("en")


def test_the_shipped_thresholds_read_as_people_write_them(en: LanguagePack) -> None:
    """38.0 reads "38 °C", the pain score "7 out of 10", the days "day 7"; every placeholder has a value."""
    assert dict(en.thresholds) == {
        "fever_celsius": "38 °C",
        "severe_pain": "7 out of 10",
        "worsening_from_day": "day 2",
        "not_improving_from_day": "day 3",
        "lasting_after_day": "day 7",
        "pimples_increasing_after_day": "day 3",
    }
    assert set(en.thresholds) == set(TRIAGE_PLACEHOLDERS)


def test_a_decimal_threshold_is_written_as_each_language_writes_numbers(tmp_path: Path) -> None:
    """A fever threshold of 38.5 reads "38.5 °C" in English and "38,5 °C" in French, as does a typed temperature."""
    content = load_content(CONTENT_DIR, rules_with(tmp_path, fever_celsius=38.5))
    english, french = content.pack("en"), content.pack("fr")
    assert english.thresholds["fever_celsius"] == "38.5 °C"
    assert french.thresholds["fever_celsius"] == "38,5 °C"
    assert "38,5 °C" in french.text("questions.fever")
    assert (english.number(38.6), french.number(38.6), french.number(38.0)) == ("38.6", "38,6", "38")


def test_no_message_uses_a_threshold_name_for_its_own_value() -> None:
    """A handler's value never shadows a threshold, nor the other way round, so both always mean one thing."""
    for key, names in MESSAGE_PLACEHOLDERS.items():
        assert not names & set(TRIAGE_PLACEHOLDERS), key
    assert not set(WORST_VALUES) & set(TRIAGE_PLACEHOLDERS)


def test_no_threshold_is_written_out_in_a_text() -> None:
    """No shipped text writes a triage number itself (38 °C, 7/10, 48 h, after day 7): each uses its placeholder."""
    offending = {
        key: found.group(0)
        for key, text in raw_templates().items()
        if key not in NOT_THRESHOLDS and (found := WRITTEN_OUT.search(text))
    }
    assert offending == {}


def test_the_pattern_finds_thresholds_written_out() -> None:
    """The check above would catch each way a threshold used to be written."""
    written_out = ("38 °C", "38.5°C", "Pain ≥ 7/10", "7 out of 10", "after 48 h", "past day 7", "after 3 days")
    for text in written_out:
        assert WRITTEN_OUT.search(text), text
    for text in ("{fever_celsius}", "after {lasting_after_day}", "Day 3: how is your skin doing?", "for 7 days"):
        assert not WRITTEN_OUT.search(text), text


def test_changing_triage_toml_changes_every_text_that_shows_a_threshold(changed: LanguagePack) -> None:
    """With other values in triage.toml, "When to get help", the questions, reasons, staff lines and messages follow."""
    get_help = plain(changed.render_screen("get_help", CLINIC, 3))
    for phrase in ("a fever of 38.5 °C or more", "pain of 8 out of 10", "from day 1 on", "better by day 4"):
        assert phrase in get_help, phrase
    assert "after day 10, or more of them after day 5" in get_help
    assert "Expected up to day 10" in get_help
    for stale in ("38 °C", "7 out of 10", "day 2", "day 3", "day 7"):
        assert stale not in get_help, stale
    assert "38.5 °C or higher" in changed.text("questions.fever")
    assert "38.5 °C" in changed.text("triage.fever_not_measured")
    assert changed.text("staff.reason.severe_pain") == "Pain 8 out of 10 or more"
    assert changed.text("staff.reason.not_improving") == "Redness or swelling not improving from day 4 on"
    assert "day 10" in changed.text("reasons.pimples_lasting")
    assert "After day 10:" in plain(changed.normal_by_day.today(None))
    assert "after day 10" in plain(changed.text("sequence.day7", **CLINIC_VALUES))
    assert "after day 10" in plain(changed.render_screen("pimples", CLINIC, 3))


def test_the_shipped_loader_reads_the_shipped_rules_unless_given_others(tmp_path: Path, content: Content) -> None:
    """load_content without rules shows data/triage.toml's values; with rules, those."""
    assert content.pack("en").thresholds["fever_celsius"] == "38 °C"
    own = load_content(CONTENT_DIR, rules_with(tmp_path, fever_celsius=39)).pack("en")
    assert own.thresholds["fever_celsius"] == "39 °C"
    assert "39 °C" in own.text("questions.fever")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """Copy the shipped content into a temporary folder that a test may break."""
    return Path(shutil.copytree(CONTENT_DIR, tmp_path / "content"))


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a file, failing loudly if it is not there exactly once."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is in {path} {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "key"),
    [
        ("screens.toml", "pain of {severe_pain} or worse", "pain of {severe_pian} or worse", "screens.get_help.text"),
        ("normal_by_day.toml", "<b>After {lasting_after_day}:</b>", "<b>After {lasting_day}:</b>", "unknown_day"),
        ("checkin.toml", "temperature of {fever_celsius} or", "temperature of {fever} or", "questions.fever"),
        ("clinic.toml", "still there after {lasting_after_day}:", "there after {day7}:", "sequence.day7"),
        ("messages.toml", 'day = "day {value}"', 'day = "day {lasting_after_day}"', "threshold.day"),
    ],
)
def test_an_unknown_placeholder_names_the_file_and_key(copy: Path, file: str, old: str, new: str, key: str) -> None:
    """A misspelt threshold is refused at start-up, naming the file and key and listing the thresholds' names."""
    path = copy / "en" / file
    replace_once(path, old, new)
    with pytest.raises(ContentError) as caught:
        load_content(copy)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: unknown placeholder"), message
    if key != "threshold.day":  # a format may use only {value}: a threshold in it would be circular
        assert "in any text: {fever_celsius} {lasting_after_day} {not_improving_from_day}" in message


def test_a_threshold_format_must_use_its_value_and_be_plain_text(copy: Path) -> None:
    """threshold.* must show the number, in plain text (it is filled into HTML escaped)."""
    path = copy / "en" / "messages.toml"
    replace_once(path, 'pain = "{value} out of 10"', 'pain = "high"')
    with pytest.raises(ContentError, match=r"threshold\.pain: must use \{value\}"):
        load_content(copy)
    replace_once(path, 'pain = "high"', 'pain = "<b>{value}</b>/10"')
    with pytest.raises(ContentError, match=r"threshold\.pain: plain text"):
        load_content(copy)


# The brief's rule for fever and pus, as every screen and automatic message that speaks of them must give it.
_SPEAKS_OF = re.compile(r"\b(?:fever|pus)\b", re.IGNORECASE)
_EMERGENCY_RULE = re.compile(r"fever[^.?!:•]{0,25} with pus, hot skin or spreading redness", re.IGNORECASE)


def test_every_text_that_speaks_of_fever_or_pus_gives_the_rule(en: LanguagePack) -> None:
    """Fever with pus, hot skin or spreading redness: 911; fever or pus otherwise: the clinic today, or 811."""
    texts = every_patient_text(en) | {
        # the self-care reply shows the day's text, so a day that speaks of fever gives the rule there too
        **{f"today@{day}": en.normal_by_day.today(day) for day in range(16)},
    }
    speaking = {key: plain(text) for key, text in texts.items() if _SPEAKS_OF.search(plain(text))}
    assert len(speaking) >= 20  # the screens, day texts and messages found
    for key, text in speaking.items():
        assert _EMERGENCY_RULE.search(text), key
        assert "911" in text, key
        assert "today" in text, key
        assert "811" in text.replace("911", ""), key


@pytest.mark.parametrize("key", ["day1", "day3"])
def test_day_1_and_day_3_messages_give_the_clinic_811_and_911(en: LanguagePack, key: str) -> None:
    """The early aftercare messages carry every number a patient may need."""
    text = plain(en.text(as_key(f"sequence.{key}"), **CLINIC_VALUES))
    for number in (CLINIC.phone, "Health811", "911"):
        assert number in text, number


def test_a_new_aftercare_step_may_show_a_threshold(copy: Path, tmp_path: Path) -> None:
    """A clinic's own step text may use a threshold: the sequence file accepts it, and it is sent with the number."""
    for language, text in (
        ("en", "Still red after {lasting_after_day}? Call {clinic_phone}."),
        ("fr", "Encore rouge après le {lasting_after_day}? Appelez le {clinic_phone}."),
    ):
        clinic = copy / language / "clinic.toml"
        clinic.write_text(clinic.read_text(encoding="utf-8") + f'\nday8 = "{text}"\n', encoding="utf-8")
    own = load_content(copy, rules_with(tmp_path, lasting_after_day=9))
    path = tmp_path / "sequence.toml"
    path.write_text('[[step]]\nkey = "day8"\nday = 8\ntime = "09:00"\ntext = "sequence.day8"\n', encoding="utf-8")
    (step,) = load_sequence(path, own).steps
    text = own.pack("en").text(SequenceKey(step.text), **CLINIC_VALUES)
    assert text == "Still red after day 9? Call 416-555-0199."


# --- the typed-text replies ---


def test_each_typed_sign_is_a_short_plain_phrase(en: LanguagePack) -> None:
    """Every sign the reader can find has its phrase, plain text, and reads inside typed.mentioned."""
    values = {"temperature": "38.6", "pain": "8"}
    assert {key.removeprefix("typed.sign.") for key in en.messages if key.startswith("typed.sign.")} == set(TYPED_SIGNS)
    for sign in TYPED_SIGNS:
        key = as_key(f"typed.sign.{sign}")
        phrase = en.text(key, **{name: values[name] for name in MESSAGE_PLACEHOLDERS[key]})
        limits = plain_limits(key)
        assert limits is not None, key
        check_plain(key, phrase, *limits)
        mentioned = en.text("typed.mentioned", signs=phrase)
        check_sendable(key, mentioned)
        assert phrase.replace("'", "&#x27;") in mentioned
    assert en.text("typed.sign.fever_temperature", temperature="38.6") == "a temperature of 38.6 °C"
    assert en.text("typed.sign.pain", pain="8") == "pain of 8 out of 10"


def test_typed_mentioned_lists_the_signs_escaped(en: LanguagePack) -> None:
    """The lead's joined list goes in as it is, escaped."""
    signs = f"{en.text('typed.sign.fever_temperature', temperature='38.6')} and {en.text('typed.sign.pus')}"
    assert plain(en.text("typed.mentioned", signs=signs)) == "You mentioned a temperature of 38.6 °C and pus."
    assert "&lt;b&gt;" in en.text("typed.mentioned", signs="<b>")


@pytest.mark.parametrize("day", [None, 0, 2, 5, 10, 30])
def test_typed_self_care_shows_the_days_text_as_html(en: LanguagePack, day: int | None) -> None:
    """The day's own HTML goes in unescaped (SafeHtml); any other value is escaped."""
    today = en.normal_by_day.today(day)
    assert isinstance(today, SafeHtml)
    text = en.text("typed.self_care", day_text=today)
    check_sendable("typed.self_care", text)
    assert today in text
    assert "normal healing" in text
    assert "&lt;b&gt;" in en.text("typed.self_care", day_text="<b>typed</b>")


def test_typed_unsure_offers_the_questions_and_911(en: LanguagePack) -> None:
    """The unsure reply points to the questions below and to 911."""
    text = plain(en.text("typed.unsure"))
    assert "questions" in text
    assert "911" in text


def test_staff_lines_for_a_typed_alert(en: LanguagePack) -> None:
    """The patient's words are quoted escaped; the source lines say where the alert came from."""
    assert en.text("staff.typed", words="red & <hot>") == "<b>Patient wrote:</b> <i>red &amp; &lt;hot&gt;</i>"
    typed, checkin = en.text("staff.source.typed"), en.text("staff.source.checkin")
    assert "typed" in typed
    assert "check-in" in checkin
    for line in (typed, checkin):
        check_sendable("staff.source", line)
        assert "\n" not in line


def test_staff_typed_too_long_with_the_longest_alert_is_named(copy: Path) -> None:
    """The typed words' line is checked with the longest alert and status, like the note."""
    path = copy / "en" / "checkin.toml"
    replace_once(path, 'typed = "<b>Patient wrote:</b> <i>{words}</i>"', f'typed = "{"W" * 2000} {{words}}"')
    with pytest.raises(ContentError, match=r"checkin\.toml: staff\.typed: too long"):
        load_content(copy)


def test_emergency_title_is_short(en: LanguagePack) -> None:
    """The first line of an emergency reply is one short sentence."""
    title = plain(en.text("triage.emergency.title"))
    assert len(title.split()) <= 12
    assert "911" in title
