"""The shipped patient-facing content, and the loader that refuses broken content files."""

import html
import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import cast

import pytest

from bot.content.keys import (
    ANSWER_LABELS,
    CAPTIONS,
    COMMANDS,
    REQUIRED_PLACEHOLDERS,
    ButtonName,
    Key,
    as_key,
    plain_limits,
)
from bot.content.packs import (
    ACTIONS,
    MESSAGE_PLACEHOLDERS,
    REQUIRED_SCREENS,
    TOASTS,
    Content,
    ContentError,
    LanguagePack,
    load_content,
)
from bot.content.validation import MAX_MESSAGE, ValidationError, check_sendable, telegram_length
from bot.domain.checkin import BUTTON_ANSWERS, Question
from bot.domain.clinic import ClinicInfo
from bot.domain.triage import Reason, Tier

CONTENT_DIR = Path(__file__).resolve().parent.parent / "data" / "content"
# The longest clinic details the settings accept, with characters that must be escaped.
WIDE_CLINIC = ClinicInfo(name="A&B <Skin>" + "N" * 90, phone="P" * 100, hours="H" * 100)
CLINIC = ClinicInfo(name="Maple Skin & Laser", phone="416-555-0199", hours="Mon-Fri 9:00-17:00")
DAYS: list[int | None] = [None, *range(101)]


@pytest.fixture(scope="module")
def shipped() -> Content:
    """Load the content the bot ships with."""
    return load_content(CONTENT_DIR)


@pytest.fixture
def en(shipped: Content) -> LanguagePack:
    """Return the English pack."""
    return shipped.pack("en")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """Copy the shipped content into a temporary folder that a test may break."""
    return Path(shutil.copytree(CONTENT_DIR, tmp_path / "content"))


def set_value(path: Path, key: str, value: str, *, after: str = "") -> None:
    """Replace the value of `key = ...` (a line, a triple-quoted block or a list) found after the text `after`."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    pattern = re.compile(rf'^{re.escape(key)} = (""".*?"""|\[\n.*?^\]|[^\n]*)$', re.MULTILINE | re.DOTALL)
    found = pattern.search(text, start)
    assert found is not None, f"{key} not found in {path}"
    path.write_text(text[: found.start()] + f"{key} = {value}" + text[found.end() :], encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a file, failing loudly if it is not there exactly once."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is in {path} {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


def toml(text: str) -> str:
    """Return a TOML basic string holding `text`."""
    return json.dumps(text)


def load_error(directory: Path, file: Path, key: str) -> str:
    """Load content that must fail; check the error starts with the file and the key; return the message."""
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    message = str(caught.value)
    assert message.startswith(f"{file}: {key}: "), message
    return message


# The shipped content


def test_shipped_content_has_every_message_screen_and_command(en: LanguagePack) -> None:
    """Every message, button label, command and screen the handlers use is present."""
    assert set(MESSAGE_PLACEHOLDERS) <= set(en.messages)
    assert set(REQUIRED_SCREENS) <= set(en.screens)
    assert list(en.command_descriptions()) == [
        "start",
        "menu",
        "help",
        "checkin",
        "history",
        "settings",
        "stop",
        "cancel",
        "mydata",
        "delete",
    ]
    assert len(en.calendar.months) == 12


@pytest.mark.parametrize("day", DAYS)
def test_every_screen_fits_and_is_valid_html_on_every_day(en: LanguagePack, day: int | None) -> None:
    """Each screen, rendered for any day and the widest clinic details, is valid HTML within Telegram's limit."""
    for screen_id in en.screens:
        text = en.render_screen(screen_id, WIDE_CLINIC, day)
        check_sendable(screen_id, text)
        assert telegram_length(text) <= MAX_MESSAGE
        assert "{" not in text


def test_screens_are_short_enough_to_read_on_a_phone(en: LanguagePack) -> None:
    """Every screen and message stays near a phone-sized length, well under Telegram's limit."""
    for screen_id in en.screens:
        for day in DAYS:
            visible = re.sub(r"<[^>]+>", "", en.render_screen(screen_id, CLINIC, day))
            assert len(visible) < 1600, (screen_id, day)
    for key, text in en.messages.items():
        assert len(re.sub(r"<[^>]+>", "", text)) < 1200, key


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (0, "Today is your treatment day"),
        (1, "You are on day 1."),
        (3, "You are on day 3."),
        (6, "You are on day 6."),
        (14, "You are on day 14."),
        (100, "You are on day 100."),
        (None, "I don't know your treatment date yet"),
    ],
)
def test_normal_screen_speaks_about_the_patients_day(en: LanguagePack, day: int | None, expected: str) -> None:
    """The "What's normal" screen names the patient's day and shows that day's own text."""
    text = en.render_screen("normal", CLINIC, day)
    assert expected in text
    assert en.normal_by_day.today(day) in text


def test_each_day_range_has_its_own_text(en: LanguagePack) -> None:
    """Days in different ranges get different texts, and every day up to 100 has one."""
    texts = {en.normal_by_day.today(day).split("\n\n", 1)[1] for day in range(101)}
    assert len(texts) == len(en.normal_by_day.days)
    assert en.normal_by_day.today(-1) == en.normal_by_day.unknown_day


def test_clinic_details_are_escaped_in_screens(en: LanguagePack) -> None:
    """A clinic name with & and < is escaped, so it cannot break the screen's HTML."""
    text = en.render_screen("contact", CLINIC, None)
    assert "Maple Skin &amp; Laser" in text
    assert "416-555-0199" in text
    assert "Mon-Fri 9:00-17:00" in text


def test_text_fills_and_escapes_values(en: LanguagePack) -> None:
    """Message values are filled in and HTML-escaped; day 0 reads as the treatment day."""
    text = en.text("date_confirmed", date="Fri <Nov> 20", day=0)
    assert "Fri &lt;Nov&gt; 20" in text
    assert "day 0" in text
    assert "{" not in text


def test_text_without_a_needed_value_is_a_content_error(en: LanguagePack) -> None:
    """A handler that forgets a value gets a ContentError naming the message, not a bare KeyError."""
    with pytest.raises(ContentError, match="date_confirmed"):
        en.text("date_confirmed", day=3)


def test_unknown_message_label_or_screen_is_a_content_error(en: LanguagePack) -> None:
    """Asking for a message, label or screen that does not exist raises ContentError."""
    with pytest.raises(ContentError, match="no_such_message"):
        en.text(cast(Key, "no_such_message"))
    with pytest.raises(ContentError, match=r"button\.no_such_button"):
        en.label(cast(ButtonName, "no_such_button"))
    with pytest.raises(ContentError, match=r"screens\.no_such_screen"):
        en.render_screen("no_such_screen", CLINIC, 1)


def test_labels_and_dates_are_plain_text(en: LanguagePack) -> None:
    """Button labels come back as written, and dates are short enough for two calendar buttons per row."""
    assert en.label("back") == en.messages["button.back"]
    assert en.format_date(date(2026, 11, 20)) == "Fri Nov 20"
    assert en.format_date(date(2026, 3, 2)) == "Mon Mar 2"


def test_language_codes_fall_back_to_english(shipped: Content) -> None:
    """A Telegram language code without its own pack, or none, gets the default pack."""
    assert shipped.default_language == "en"
    for code in (None, "", "en", "en-CA", "EN_gb", "zz", "es-MX"):
        assert shipped.pack(code).code == "en"


def test_the_shipped_french_pack_is_found_by_its_folder(shipped: Content) -> None:
    """The fr folder is loaded, and fr, fr-CA and FR_fr speakers get it."""
    assert set(shipped.languages) == {"en", "fr"}
    for code in ("fr", "fr-CA", "FR_fr"):
        assert shipped.pack(code).code == "fr"
    assert shipped.pack("en-US").code == "en"


def test_main_menu_leads_to_every_topic(en: LanguagePack) -> None:
    """The main menu opens every topic, and "Breakout or something else?" opens the six look-alikes."""
    main = {button.target for row in en.screens["main"].rows for button in row}
    assert main >= {"why", "normal", "aftercare", "pimples", "tell_apart", "get_help", "contact", "privacy"}
    tell = {button.target for row in en.screens["tell_apart"].rows for button in row}
    assert tell >= {f"tell_{name}" for name in ("breakout", "milia", "cold_sore", "allergy", "infection")}
    assert "tell_dark_patches" in tell
    assert en.screens["main"].parent is None
    assert all(en.screens[screen_id].parent for screen_id in en.screens if screen_id != "main")


def test_every_button_opens_a_child_so_back_returns_to_it(en: LanguagePack) -> None:
    """Each button opens a screen whose parent is the screen it sits on, so Back returns where the patient was."""
    for screen in en.screens.values():
        for row in screen.rows:
            for button in (button for button in row if not button.is_action):
                assert en.screens[button.target].parent == screen.id, (screen.id, button.target)
                assert button.label not in (en.label("back"), en.label("main_menu")), screen.id


def test_urgent_advice_gives_every_number(en: LanguagePack) -> None:
    """The same-day advice and "When to get help" give 911, Health811 and the clinic's phone and hours."""
    urgent = en.text("triage.same_day.what_now", clinic_phone="416-555-0199", clinic_hours="9-5")
    assert all(part in urgent for part in ("811", "416-555-0199", "9-5"))
    assert "911" in en.text("triage.emergency.title")
    help_screen = en.render_screen("get_help", CLINIC, 2)
    assert all(part in help_screen for part in ("Health811", "811", "911", "416-555-0199", "Mon-Fri 9:00-17:00"))
    assert help_screen.rstrip().endswith("If it gets worse, contact us. In an emergency, call 911.")


def test_consent_and_privacy_say_what_patients_must_know(en: LanguagePack) -> None:
    """Consent and privacy texts cover storage, encryption, emergencies, and stopping, with no empty promises."""
    consent = en.text("consent")
    privacy = en.render_screen("privacy", CLINIC, None)
    for text in (consent, privacy):
        assert "Telegram ID" in text
        assert "not end-to-end encrypted" in text
        assert "/mydata" in text
        assert "/delete" in text
        assert "coming soon" not in text.lower()
    assert "911" in consent
    assert "own policy" in privacy


def test_toasts_and_labels_are_short_plain_text(en: LanguagePack) -> None:
    """Toasts fit Telegram's 200-character limit and labels fit on a button, without HTML."""
    for key in TOASTS:
        assert len(en.text(key)) <= 200
        assert "<" not in en.text(key)
    for name in (name for name in en.messages if name.startswith("button.")):
        assert 1 <= len(en.messages[name]) <= 40


# Broken content files: each is refused with the file and the key


def test_bad_toml_names_the_file_and_quotes_the_line(copy: Path) -> None:
    """A TOML syntax error names the file, the line number and the line itself."""
    edit(copy / "en" / "messages.toml", "pick_date = ", "pick_date ")
    with pytest.raises(ContentError) as caught:
        load_content(copy)
    message = str(caught.value)
    assert message.startswith(f"{copy / 'en' / 'messages.toml'}: not valid TOML")
    assert re.search(r"line \d+", message)
    assert 'pick_date "Pick' in message


@pytest.mark.parametrize(
    ("file", "old", "new", "key"),
    [
        ("messages.toml", "\npick_date = ", "\npick_dates = ", "pick_date"),
        ("messages.toml", "\nopen_menu = ", "\nopen_the_menu = ", "button.open_menu"),
        ("messages.toml", '\nhelp = "What', '\nhelper = "What', "commands.help"),
        ("messages.toml", "[calendar]", "[calendars]", "calendar"),
        ("normal_by_day.toml", "unknown_day = ", "unknown_days = ", "unknown_days"),
    ],
)
def test_missing_or_misspelled_key_is_named(copy: Path, file: str, old: str, new: str, key: str) -> None:
    """A required key that is missing, or a misspelled one, is named with its file."""
    edit(copy / "en" / file, old, new)
    load_error(copy, copy / "en" / file, key)


def test_missing_screen_is_named(copy: Path) -> None:
    """A required screen that is missing is named, even when nothing links to it."""
    path = copy / "en" / "screens.toml"
    edit(path, "[screens.tell_milia]", "[screens.tell_milia_old]")
    edit(path, 'to = "tell_milia"', 'to = "tell_milia_old"')
    load_error(copy, path, "screens.tell_milia")


def test_missing_file_is_named(copy: Path) -> None:
    """A language folder without one of its files is refused, naming that file."""
    (copy / "en" / "normal_by_day.toml").unlink()
    with pytest.raises(ContentError, match=re.escape(str(copy / "en" / "normal_by_day.toml"))):
        load_content(copy)


@pytest.mark.parametrize(
    ("file", "key", "after", "value", "where", "problem"),
    [
        ("messages.toml", "welcome", "", '"Hi from {clinic_nmae}"', "welcome", "unknown placeholder {clinic_nmae}"),
        ("messages.toml", "error_apology", "", '"Call {clinic_phone}"', "error_apology", "allowed here: none"),
        ("messages.toml", "media", "", '"Call {clinic_name}"', "media", "allowed here: {clinic_phone}"),
        ("messages.toml", "welcome_back", "", '"Day {day:>3}"', "welcome_back", "write placeholders as {name}"),
        ("messages.toml", "welcome_back", "", '"Day {day"', "welcome_back", "unbalanced braces"),
        ("messages.toml", "back", "[button]", '"{day} Back"', "button.back", "unknown placeholder {day}"),
        ("screens.toml", "text", "[screens.why]", '"Today: {today}"', "screens.why.text", "unknown placeholder"),
        ("screens.toml", "text", "[screens.normal]", '"Nothing for today"', "screens.normal.text", "must use {today}"),
        ("normal_by_day.toml", "today_heading", "", '"<b>Day {date}</b>"', "today_heading", "unknown placeholder"),
        ("normal_by_day.toml", "today_heading", "", '"<b>Your day</b>"', "today_heading", "must use {day}"),
    ],
)
def test_unknown_or_wrong_placeholder_is_named(
    copy: Path, file: str, key: str, after: str, value: str, where: str, problem: str
) -> None:
    """A placeholder the handlers do not fill for that key, or a malformed one, is refused."""
    path = copy / "en" / file
    set_value(path, key, value, after=after)
    assert problem in load_error(copy, path, where)


def test_button_to_a_missing_screen_is_named(copy: Path) -> None:
    """A button that leads to a screen that does not exist is named by its row and position."""
    path = copy / "en" / "screens.toml"
    edit(path, '{ label = "Why pimples happen", to = "why" }', '{ label = "Why pimples happen", to = "whyy" }')
    assert 'no screen or action named "whyy"' in load_error(copy, path, "screens.main.buttons[1][1].to")


def test_unreachable_screen_is_named(copy: Path) -> None:
    """A screen that no button leads to from the main menu is refused."""
    path = copy / "en" / "screens.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[screens.orphan]\nparent = "main"\ntext = "Hi"\n')
    assert "unreachable" in load_error(copy, path, "screens.orphan")


def test_parent_cycle_is_named(copy: Path) -> None:
    """Two screens that are each other's parent are refused, showing the cycle."""
    path = copy / "en" / "screens.toml"
    set_value(path, "parent", '"tell_breakout"', after="[screens.tell_apart]")
    message = load_error(copy, path, "screens.tell_breakout.parent")
    assert "parent cycle: tell_apart -> tell_breakout -> tell_apart" in message


@pytest.mark.parametrize(
    ("after", "value", "key", "problem"),
    [
        ("[screens.why]", '"bad"', "screens.why.parent", 'no screen named "bad"'),
        ("[screens.main]", '"why"', "screens.main.parent", "the main screen has no parent"),
    ],
)
def test_bad_parent_is_named(copy: Path, after: str, value: str, key: str, problem: str) -> None:
    """A parent that does not exist, or a parent on the main screen, is refused."""
    path = copy / "en" / "screens.toml"
    if after == "[screens.main]":
        edit(path, "[screens.main]\n", f"[screens.main]\nparent = {value}\n")
    else:
        set_value(path, "parent", value, after=after)
    assert problem in load_error(copy, path, key)


def test_screen_without_parent_is_named(copy: Path) -> None:
    """Every screen but main needs a parent, for its Back button."""
    path = copy / "en" / "screens.toml"
    edit(path, '[screens.privacy]\nparent = "main"\n', "[screens.privacy]\n")
    assert "missing" in load_error(copy, path, "screens.privacy.parent")


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<b>Hello", "<b> is never closed"),
        ("<b><i>Hello</b></i>", "</b> found where </i> was expected"),
        ("Hello</b>", "</b> found where no closing tag"),
        ("<p>Hello</p>", "unsupported tag <p>"),
        ("Hello<br>there", "unsupported tag <br>"),
        ("Hello<br/>there", "unsupported tag <br/>"),
        ("Fish &chips", "bad entity"),
        ("Hello&nbsp;there", "bad entity"),
        ("Fish & chips", "bad entity"),
        ("1 < 2", "&lt;"),
        ("<a>link</a>", "href"),
        ('<a href="https://example.ca" target="_blank">link</a>', "attributes"),
        ('<b class="x">Hi</b>', "attributes"),
        ("<!-- note --> Hi", "comments"),
    ],
)
def test_bad_html_is_named(copy: Path, html: str, problem: str) -> None:
    """Unclosed, crossed or unsupported tags, bad attributes and bad entities are refused."""
    path = copy / "en" / "messages.toml"
    set_value(path, "pick_date", toml(html))
    assert problem in load_error(copy, path, "pick_date")


def test_bad_html_in_a_screen_and_a_day_text_is_named(copy: Path) -> None:
    """HTML is checked in screens and in day texts too, each under its own key."""
    set_value(copy / "en" / "screens.toml", "text", toml("<u>Why"), after="[screens.why]")
    assert "never closed" in load_error(copy, copy / "en" / "screens.toml", "screens.why.text")
    shutil.copy(CONTENT_DIR / "en" / "screens.toml", copy / "en" / "screens.toml")
    set_value(copy / "en" / "normal_by_day.toml", "text", toml("<ul>Day 1</ul>"), after="first = 1\n")
    assert "unsupported tag <ul>" in load_error(copy, copy / "en" / "normal_by_day.toml", "day[1].text")


def test_over_long_screen_is_named(copy: Path) -> None:
    """A screen longer than Telegram's 4096 characters is refused."""
    path = copy / "en" / "screens.toml"
    set_value(path, "text", toml("A" * 4097), after="[screens.privacy]")
    assert "too long" in load_error(copy, path, "screens.privacy.text")


def test_screen_too_long_only_with_the_clinic_details_is_named(copy: Path) -> None:
    """A screen under the limit as written but over it with 100-character clinic details is refused."""
    path = copy / "en" / "screens.toml"
    set_value(path, "text", toml("{clinic_name} {clinic_phone} " + "A" * 3990), after="[screens.contact]")
    assert "too long" in load_error(copy, path, "screens.contact.text")


def test_normal_screen_too_long_with_the_longest_day_text_is_named(copy: Path) -> None:
    """The normal screen is checked with its longest day text filled in."""
    day_path = copy / "en" / "normal_by_day.toml"
    set_value(day_path, "text", toml("B" * 2500), after="first = 8\n")
    path = copy / "en" / "screens.toml"
    set_value(path, "text", toml("{today}\n" + "A" * 2000), after="[screens.normal]")
    assert "too long" in load_error(copy, path, "screens.normal.text")


def test_over_long_toast_is_named(copy: Path) -> None:
    """A callback toast over Telegram's 200 characters is refused."""
    path = copy / "en" / "messages.toml"
    set_value(path, "stale_button", toml("x" * 201))
    assert "1 to 200 characters, not 201" in load_error(copy, path, "stale_button")


def test_html_in_a_toast_is_named(copy: Path) -> None:
    """A toast is plain text, so HTML tags in it are refused."""
    path = copy / "en" / "messages.toml"
    set_value(path, "consent_already", toml("<b>Already done</b>"))
    assert "plain text" in load_error(copy, path, "consent_already")


@pytest.mark.parametrize(
    ("file", "old", "new", "key", "problem"),
    [
        ("messages.toml", 'back = "‹ Back"', f"back = {toml('B' * 41)}", "button.back", "not 41"),
        ("messages.toml", 'back = "‹ Back"', 'back = ""', "button.back", "non-empty"),
        (
            "screens.toml",
            '{ label = "Your privacy", to = "privacy" }',
            f'{{ label = {toml("P" * 41)}, to = "privacy" }}',
            "screens.main.buttons[5][1].label",
            "not 41",
        ),
        ("messages.toml", 'menu = "Open the aftercare guide"', 'menu = "Go"', "commands.menu", "3 to 256"),
    ],
)
def test_over_long_label_or_bad_command_description_is_named(
    copy: Path, file: str, old: str, new: str, key: str, problem: str
) -> None:
    """Button labels must be 1 to 40 characters, and command descriptions 3 to 256."""
    edit(copy / "en" / file, old, new)
    assert problem in load_error(copy, copy / "en" / file, key)


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ("first = 2\nlast = 2", "first = 3\nlast = 3", "day[2].first", "gap: days 2 to 2 are not covered"),
        ("first = 1\nlast = 1", "first = 1\nlast = 2", "day[2].first", "overlap: day 2 is already covered"),
        ("first = 0\nlast = 0", "first = 1\nlast = 1", "day[0].first", "gap: days 0 to 0"),
        ("first = 15\n", "first = 15\nlast = 30\n", "day[6].last", "leave last out"),
        ("first = 8\nlast = 14", "first = 8", "day[6]", "day[5] has no last"),
        ("first = 4\nlast = 7", "first = 4\nlast = 3", "day[4].last", "at least first"),
        ("first = 3\n", 'first = "3"\n', "day[3].first", "whole number"),
    ],
)
def test_day_range_gap_or_overlap_is_named(copy: Path, old: str, new: str, key: str, problem: str) -> None:
    """Day ranges must run from day 0 with no gap or overlap, and only the last may be open-ended."""
    path = copy / "en" / "normal_by_day.toml"
    edit(path, old, new)
    assert problem in load_error(copy, path, key)


@pytest.mark.parametrize(
    ("key", "value", "where", "problem"),
    [
        ("months", '["Jan", "Feb"]', "calendar.months", "must have 12 entries, not 2"),
        ("weekdays_short", '["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Mon"]', "calendar.weekdays_short[6]", "twice"),
        ("months_short", '"Jan Feb"', "calendar.months_short", "list of strings"),
        ("date_format", '"{weekday} {monthly} {day}"', "calendar.date_format", "unknown placeholder {monthly}"),
    ],
)
def test_bad_calendar_is_named(copy: Path, key: str, value: str, where: str, problem: str) -> None:
    """Month and weekday lists of the wrong length, with repeats or of the wrong type are refused."""
    path = copy / "en" / "messages.toml"
    set_value(path, key, value, after="[calendar]")
    assert problem in load_error(copy, path, where)


def test_french_pack_missing_a_key_is_named(copy: Path) -> None:
    """A translation missing a message that the English pack has is refused, naming the French file."""
    english = copy / "en" / "messages.toml"
    english.write_text(english.read_text(encoding="utf-8").replace("[button]", 'extra_note = "Hi"\n\n[button]'))
    message = load_error(copy, copy / "fr" / "messages.toml", "extra_note")
    assert "missing (the en pack has it)" in message


def test_french_pack_missing_a_required_key_or_with_an_extra_screen_is_named(copy: Path) -> None:
    """A translation without a required message, or with a screen English lacks, is refused."""
    edit(copy / "fr" / "messages.toml", "\npick_date = ", "\npick_day = ")
    load_error(copy, copy / "fr" / "messages.toml", "pick_date")
    shutil.copy(CONTENT_DIR / "fr" / "messages.toml", copy / "fr" / "messages.toml")
    screens = copy / "fr" / "screens.toml"
    edit(
        screens,
        '[screens.why]\nparent = "main"\n',
        '[screens.why]\nparent = "main"\nbuttons = [[{ label = "X", to = "extra" }]]\n',
    )
    screens.write_text(screens.read_text(encoding="utf-8") + '\n[screens.extra]\nparent = "why"\ntext = "Hi"\n')
    assert "not in the en pack" in load_error(copy, copy / "fr" / "screens.toml", "screens.extra")


def test_a_translated_button_leading_elsewhere_is_named(copy: Path) -> None:
    """A French screen whose button opens another screen than the English one's is refused, naming the screen."""
    edit(
        copy / "fr" / "screens.toml",
        '{ label = "Ce qui est normal", to = "normal" }, { label = "Pourquoi des boutons", to = "why" }',
        '{ label = "Ce qui est normal", to = "why" }, { label = "Pourquoi des boutons", to = "normal" }',
    )
    message = load_error(copy, copy / "fr" / "screens.toml", "screens.main")
    assert "must lead where the en pack's do" in message


def test_badly_named_or_missing_language_folder_is_refused(copy: Path) -> None:
    """Language folders are named by code, and the default (en) must exist."""
    (copy / "English").mkdir()
    with pytest.raises(ContentError, match="name a language folder by its code"):
        load_content(copy)
    (copy / "English").rmdir()
    shutil.rmtree(copy / "fr")
    (copy / "en").rename(copy / "fr")
    with pytest.raises(ContentError, match="default language folder is missing"):
        load_content(copy)


def test_validation_error_starts_with_the_key() -> None:
    """A ValidationError's message starts with the key, so the loader only adds the file in front."""
    assert str(ValidationError("screens.why.text", "too long")) == "screens.why.text: too long"


# The check-in, triage, staff, reminders, settings and history texts (checkin.toml)

# The reason codes the brief lists; the domain's Reason enum must match, and each needs both texts.
BRIEF_REASONS = (
    *("breathing", "eyes", "very_unwell", "streaks", "fever_with_skin_sign", "pus", "spreading", "worsening"),
    *("severe_pain", "blisters", "fever", "pimples_lasting", "pimples_increasing", "not_improving"),
    *("redness_lasting", "rash", "dark_patches", "at_risk", "worsening_trend"),
)
# Keys the handlers call, written out from the brief rather than derived, to catch a slip in the catalogue.
BRIEF_KEYS = {
    **dict.fromkeys(("checkin.resumed", "checkin.cancelled", "checkin.nothing_to_cancel"), ()),
    **dict.fromkeys(("checkin.not_onboarded", "checkin.use_buttons", "checkin.temperature_not_understood"), ()),
    "checkin.header": ("day", "step", "total"),
    "checkin.intro": ("day",),
    "checkin.done_today": ("day",),
    "checkin.note_too_long": ("max",),
    "checkin.expired": ("day",),
    "triage.emergency.title": (),
    "triage.emergency.what_now": ("clinic_phone",),
    "triage.same_day.title": (),
    "triage.same_day.what_now": ("clinic_phone", "clinic_hours"),
    "triage.soon.title": (),
    "triage.soon.what_now": ("clinic_phone", "clinic_hours"),
    "triage.self_care.title": (),
    "triage.self_care.what_now": (),
    "triage.clinic_open": ("clinic_phone",),
    "triage.clinic_closed": ("clinic_hours",),
    **dict.fromkeys(("triage.why", "triage.fever_not_measured", "triage.clinic_notified"), ()),
    **dict.fromkeys(("triage.clinic_acknowledged", "triage.if_worse"), ()),
    "staff.alert": ("tier_label", "name", "handle", "language", "day", "date", "reasons", "escalation_id"),
    **dict.fromkeys(("staff.tier.emergency", "staff.tier.same_day", "staff.tier.soon", "staff.tier.self_care"), ()),
    "staff.status.open": (),
    "staff.status.acknowledged": ("staff", "time"),
    "staff.status.resolved": ("staff", "time"),
    "staff.resend": ("escalation_id", "minutes"),
    **dict.fromkeys(("staff.not_staff", "staff.already", "staff.no_handle"), ()),
    "staff.note": ("note",),
    "reminders.daily": ("day",),
    "reminders.nudge": (),
    "settings.menu": ("reminder_time", "risk", "reminders"),
    **dict.fromkeys(("settings.risk.yes", "settings.risk.no", "settings.risk.unknown"), ()),
    **dict.fromkeys(("settings.reminders.on", "settings.reminders.off", "settings.pick_time"), ()),
    "settings.time_saved": ("reminder_time",),
    **dict.fromkeys(("settings.risk_question", "settings.risk_saved", "stop.done", "stop.resumed"), ()),
    **{
        f"button.{name}": ()
        for name in (
            *("checkin_now", "checkin_again", "quick_questions", "skip", "cancel_checkin", "yes", "no"),
            *("prefer_not", "settings_time", "settings_risk", "done", "acknowledge", "resolve"),
        )
    },
    **{f"answers.spreading.{value}": () for value in ("no", "slow", "fast")},
    **{f"answers.fever.{value}": () for value in ("no", "yes", "not_measured")},
    **{f"answers.temperature.{value}": () for value in ("37_5", "38_0", "38_5", "39_0", "40_0", "skipped")},
    **{f"answers.severity.{value}": () for value in ("none", "mild", "moderate", "severe")},
    **{f"answers.trend.{value}": () for value in ("better", "same", "worse")},
    **{f"answers.pimples.{value}": () for value in ("none", "few", "many")},
    "history.empty": (),
    "history.heading": ("day",),
    "history.line": ("day", "date", "summary"),
    "history.summary": ("redness", "swelling", "pimples", "pain"),
    "history.alert": ("tier_label",),
    **dict.fromkeys(("history.partial", "history.unknown", "history.chart_caption"), ()),
    **{
        f"history.chart.{name}": () for name in ("title", "day_axis", "redness", "swelling", "pimples", "pain", "alert")
    },
    **{f"commands.{name}": () for name in ("checkin", "history", "settings", "stop", "cancel", "mydata", "delete")},
    **{f"questions.{question}": () for question in Question},
    **{f"reasons.{code}": () for code in BRIEF_REASONS},
    **{f"staff.reason.{code}": () for code in BRIEF_REASONS},
}
# A value for every placeholder, with characters that must be escaped where a patient or staff member wrote it.
SAMPLE_VALUES = {
    "clinic_name": CLINIC.name,
    "clinic_phone": CLINIC.phone,
    "clinic_hours": CLINIC.hours,
    "day": "7",
    "step": "3",
    "total": "12",
    "date": "Fri Nov 20",
    "max": "1000",
    "max_days": "60",
    "minutes": "15",
    "escalation_id": "42",
    "name": "Ann <&> Lee",
    "handle": "@ann_lee",
    "language": "Français",
    "languages": "Français",
    "reasons": "• Pus reported\n• Pain ≥ 7/10",
    "note": "It <itches> & burns",
    "tier_label": "Same day",
    "staff": "Dr. B",
    "time": "14:05",
    "reminder_time": "09:00",
    "risk": "Yes",
    "reminders": "On",
    "redness": "Mild",
    "swelling": "None",
    "pimples": "A few",
    "pain": "3",
    "summary": "redness Mild, pain 3/10",
    "link": "https://t.me/aftercare_test_bot?start=staff-abc",
    "hours": "24",
    "user_id": "123456",
    "added": "2026-11-24",
    "admins": "• 500",
    "members": "• 600 (added 2026-11-24)",
    "error_id": "1a2b3c4d",
    "error_type": "KeyError",
    "since": "Tue Nov 24",
    "treatment_date": "Fri Nov 20",
    "checkins": "5",
    "escalations": "1",
    "messages": "7",
    # --- sample values of the clinic side ---
    "broadcast_id": "12",
    "recipients": "2000",
    "done_count": "1200",
    "sent_count": "1150",
    "unconfirmed_count": "2",
    "blocked_count": "40",
    "failed_count": "10",
    "pending_count": "800",
    "day_count": "7",
    "from_day": "3",
    "to_day": "7",
    "from_date": "Tue Nov 17",
    "to_date": "Sat Nov 21",
    "audience": "patients on day 3 to 7 of their recovery (treated Tue Nov 17 to Sat Nov 21)",
    "duration": "1 min 22 s",
    "seconds": "22",
    "clinic_timezone": "America/Toronto",
    "send_time": "Wed Nov 25 10:00",
    "broadcast_status": "finished",
    "broadcast_lines": "#12 · finished · Tue Nov 24 10:05\n2000 patients: 1950 sent, 40 blocked, 10 failed",
    "open_count": "3",
    "shown": "10",
    "hidden": "2",
    "query": "@nobody<&>",
    "recovery_day": "4",
    "treated_on": "Fri Nov 20",
    "patient_language": "en",
    "patient_reminder": "09:30",
    "patient_messages": "stopped by the patient (/stop)",
    "checkin_count": "5",
    "earlier": "2",
    "escalation_count": "1",
    "alert_status": "acknowledged",
    "patients_active": "12",
    "patients_in_window": "8",
    "patients_unreachable": "1",
    "last_day": "14",
    "first_date": "Tue Nov 17",
    "last_date": "Mon Nov 23",
    "adherence": "87% (61 of 70 expected check-ins)",
    "adherence_percent": "87",
    "checkins_received": "61",
    "checkins_expected": "70",
    "open_alerts": "3\n• Same day: 3",
    "tier_count": "3",
    "broadcasts_sent": "2",
    "period": "2026-11-18 to 2026-11-24",
    "row_count": "61",
    # --- sample values of the triage thresholds and the typed-text replies ---
    "value": "38",
    "signs": "a temperature of 38.6 °C and pus",
    "temperature": "38.6",
    "day_text": "Redness <often> fades & eases.",
    "words": "it's red & <hot> 38.6",
}
_TAG = re.compile(r"<[^>]+>")


def rendered(en: LanguagePack, key: Key, clinic: ClinicInfo = CLINIC) -> str:
    """Render a message with a sample value for each placeholder the handlers fill in for it."""
    clinic_values = {"clinic_name": clinic.name, "clinic_phone": clinic.phone, "clinic_hours": clinic.hours}
    values = {name: {**SAMPLE_VALUES, **clinic_values}[name] for name in MESSAGE_PLACEHOLDERS[key]}
    return en.text(key, **values)


def triage_reply(en: LanguagePack, tier: str, reasons: tuple[str, ...], clinic: ClinicInfo, *, day: int = 3) -> str:
    """Assemble a triage reply the way the check-in handler does: every optional part included."""
    phone, hours = clinic.phone, clinic.hours
    what_now = {"clinic_phone": phone, "clinic_hours": hours}
    parts = [en.text(as_key(f"triage.{tier}.title")), en.text(as_key(f"triage.{tier}.what_now"), **what_now)]
    if tier in ("emergency", "same_day"):
        parts.append(en.text("triage.clinic_closed", clinic_hours=hours))
        parts.append(en.text("triage.clinic_notified"))
    if reasons:
        parts.append(
            en.text("triage.why") + "\n" + "\n".join(f"• {en.text(as_key(f'reasons.{code}'))}" for code in reasons)
        )
    parts.append(en.text("triage.fever_not_measured"))
    if tier == "self_care":
        parts.append(en.normal_by_day.today(day))
    parts.append(en.text("triage.if_worse"))
    return "\n\n".join(parts)


def test_every_key_the_handlers_call_exists_with_its_placeholders(en: LanguagePack) -> None:
    """Each key of the brief is in the catalogue with exactly the values the handlers pass, and in the files."""
    for key, values in BRIEF_KEYS.items():
        assert MESSAGE_PLACEHOLDERS.get(as_key(key)) == frozenset(values), key
        assert key in en.messages, key
    assert set(MESSAGE_PLACEHOLDERS) <= set(en.messages)


def test_every_message_renders_with_its_values(en: LanguagePack) -> None:
    """Every message renders with its values filled in and escaped: valid HTML, or plain text within its limits."""
    for key in MESSAGE_PLACEHOLDERS:
        text = rendered(en, key)
        assert "{" not in text, key
        limits = plain_limits(key)
        if limits is None:
            check_sendable(key, text, CAPTIONS.get(key, MAX_MESSAGE))
        else:
            assert not _TAG.search(text), key
            assert limits[0] <= telegram_length(text) <= limits[1], key
        for name in REQUIRED_PLACEHOLDERS.get(key, ()):
            assert html.escape(SAMPLE_VALUES[name]) in text or SAMPLE_VALUES[name] in text, (key, name)


def test_reason_codes_match_the_domain_and_each_has_both_texts(en: LanguagePack) -> None:
    """The domain's reason codes and tiers are the brief's, and each reason has a patient and a staff text."""
    assert tuple(reason.value for reason in Reason) == BRIEF_REASONS
    assert {tier.code for tier in Tier} == {"emergency", "same_day", "soon", "self_care"}
    for code in BRIEF_REASONS:
        patient, staff = en.text(as_key(f"reasons.{code}")), en.text(as_key(f"staff.reason.{code}"))
        assert patient.startswith(("You", "Your")), code  # second person, as the patient reads it
        assert "\n" not in patient, code
        assert "\n" not in staff, code
        assert len(patient) <= 120, code


def test_every_question_and_answer_has_a_short_text(en: LanguagePack) -> None:
    """Each check-in question has a short text without values, and answer buttons fit several to a row."""
    for question in Question:
        text = en.text(as_key(f"questions.{question}"))
        assert len(_TAG.sub("", text)) < 400, question
        assert "?" in text, question
    for key in (key for key in en.messages if key.startswith("answers.")):
        assert len(en.messages[key]) <= (30 if key.startswith("answers.fever.") else 20), key  # fever: one a row
    for question, values in BUTTON_ANSWERS.items():
        if question in (Question.PAIN, Question.PHOTO, Question.NOTE):
            continue
        for value in values:
            family = next((family for family, known in ANSWER_LABELS.items() if value.replace(".", "_") in known), None)
            assert family is not None or value in ("yes", "no"), (question, value)


def test_check_in_header_reads_naturally_on_day_0(en: LanguagePack) -> None:
    """The header names the day (day 0 included) and the progress."""
    header = en.text("checkin.header", day=0, step=1, total=14)
    assert "Day 0" in header
    assert "question 1 of about 14" in header


@pytest.mark.parametrize("tier", ["emergency", "same_day", "soon", "self_care"])
def test_triage_replies_give_every_number_and_end_with_if_worse(en: LanguagePack, tier: str) -> None:
    """Each tier's reply says what to do, with 911 always and the clinic's numbers where it should."""
    reasons = BRIEF_REASONS if tier != "self_care" else ()
    reply = triage_reply(en, tier, reasons, WIDE_CLINIC)
    check_sendable(tier, reply)
    assert reply.endswith(en.text("triage.if_worse"))
    assert "911" in en.text("triage.if_worse")
    assert "contact us" in en.text("triage.if_worse")
    short = triage_reply(en, tier, reasons[:3], CLINIC)
    assert len(_TAG.sub("", short)) < 1600, tier
    if tier == "emergency":
        assert "911" in en.text("triage.emergency.title")
        assert "drive" in en.text("triage.emergency.what_now", clinic_phone="1")
    if tier == "same_day":
        assert all(part in short for part in ("811", "Health811", CLINIC.phone, CLINIC.hours))
    if tier == "soon":
        assert all(part in short for part in (CLINIC.phone, CLINIC.hours))


def test_clinic_lines_and_fever_advice(en: LanguagePack) -> None:
    """The clinic line gives the phone when open and 811 and 911 when closed; the fever line gives 38 °C."""
    assert CLINIC.phone in en.text("triage.clinic_open", clinic_phone=CLINIC.phone)
    closed = en.text("triage.clinic_closed", clinic_hours=CLINIC.hours)
    assert all(part in closed for part in ("811", "911", CLINIC.hours))
    assert "38 °C" in en.text("triage.fever_not_measured")
    assert "911" in en.text("triage.clinic_acknowledged")
    assert "/checkin" in en.text("checkin.cancelled")
    assert "/start" in en.text("checkin.not_onboarded")
    assert all(part in en.text("questions.photo") for part in ("Skip", "only if", "not end-to-end encrypted"))


def test_staff_alert_escapes_the_patients_words(en: LanguagePack) -> None:
    """The alert shows the tier, the patient and the reasons, with the patient's name and note escaped."""
    alert = rendered(en, "staff.alert")
    assert "Ann &lt;&amp;&gt; Lee" in alert
    assert "#42" in alert
    assert "• Pus reported" in alert
    assert "It &lt;itches&gt; &amp; burns" in en.text("staff.note", note=SAMPLE_VALUES["note"])
    assert all(en.text(as_key(f"staff.tier.{tier}")) for tier in ("emergency", "same_day", "soon", "self_care"))
    assert "911" in en.text("staff.tier.emergency")


def test_history_and_chart_words(en: LanguagePack) -> None:
    """History lines read as one line each, and the chart's words come as plain text with four ticks."""
    summary = en.text("history.summary", redness="Mild", swelling="None", pimples="A few", pain="3")
    line = en.text("history.line", day=4, date="Mon Nov 23", summary=summary)
    assert "\n" not in line
    assert all(part in line for part in ("Day 4", "Mon Nov 23", "redness Mild"))
    assert en.words("history.chart.severity") == ("None", "Mild", "Moderate", "Severe")
    with pytest.raises(ContentError, match="no_such_list"):
        en.words("no_such_list")
    assert telegram_length(en.text("history.chart_caption")) <= 1024


def test_main_menu_check_in_button_is_an_action_not_a_screen(en: LanguagePack) -> None:
    """The first main-menu button starts the check-in: an action that passes validation without a screen."""
    first = en.screens["main"].rows[0][0]
    assert first.target == "checkin"
    assert first.is_action
    assert "checkin" not in en.screens
    assert "checkin" in ACTIONS
    assert not any(button.is_action for screen in en.screens.values() for row in screen.rows[1:] for button in row)


def test_texts_that_mention_the_new_features(en: LanguagePack) -> None:
    """Help lists every command; consent and privacy say what the check-in stores and how to stop."""
    help_text = en.text("help")
    for command in COMMANDS:
        assert f"/{command}" in help_text, command
    consent = en.text("consent")
    privacy = en.render_screen("privacy", CLINIC, None)
    for text in (consent, privacy):
        assert "/stop" in text
        assert "check-in answers" in text
        assert "photo or note" in text
        assert "alerts" in text
        assert "diabetes" in text
    assert "/checkin" in en.text("free_text")
    assert "/checkin" in en.text("unknown_command")


# Broken check-in content: each is refused with the file and the key


def test_a_key_in_both_message_files_names_both_files(copy: Path) -> None:
    """A message defined in messages.toml and in checkin.toml is refused, naming both files."""
    checkin, messages = copy / "en" / "checkin.toml", copy / "en" / "messages.toml"
    edit(checkin, "[questions]", 'help = "Twice"\n\n[questions]')
    assert str(messages) in load_error(copy, checkin, "help")
    shutil.copy(CONTENT_DIR / "en" / "checkin.toml", checkin)
    edit(checkin, '[button]\ncheckin_now = "', '[button]\nback = "Back"\ncheckin_now = "')
    assert f"also in {messages}" in load_error(copy, checkin, "button.back")


def test_a_message_may_move_between_the_files(copy: Path) -> None:
    """Any message may live in either file: moving one from checkin.toml to messages.toml still loads."""
    checkin, messages = copy / "en" / "checkin.toml", copy / "en" / "messages.toml"
    edit(checkin, 'resumed = "Let\'s pick up where you left off."', "")
    edit(messages, "[button]", '[checkin]\nresumed = "Let\'s carry on."\n\n[button]')
    assert load_content(copy).pack("en").text("checkin.resumed") == "Let's carry on."


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('\npus = "Pus reported"', '\npuss = "Pus reported"', "staff.reason.pus"),
        ('\nrash = """', '\nrashes = """', "questions.rash"),
        ("\n37_5 = ", "\n37_6 = ", "answers.temperature.37_5"),
        ('\ncancel = "Stop a check-in', '\ncancels = "Stop a check-in', "commands.cancel"),
        ("severity = [", "severities = [", "history.chart.severity"),
    ],
)
def test_missing_check_in_key_is_named_in_checkin_toml(copy: Path, old: str, new: str, key: str) -> None:
    """A required check-in key that is missing is reported in checkin.toml, where it belongs."""
    path = copy / "en" / "checkin.toml"
    edit(path, old, new)
    assert "missing" in load_error(copy, path, key)


def test_missing_checkin_file_is_named(copy: Path) -> None:
    """A language folder without checkin.toml is refused, naming it."""
    (copy / "en" / "checkin.toml").unlink()
    with pytest.raises(ContentError, match=re.escape(str(copy / "en" / "checkin.toml"))):
        load_content(copy)


def test_french_pack_missing_a_check_in_key_names_its_checkin_toml(copy: Path) -> None:
    """A translation missing a check-in message is reported in its own checkin.toml."""
    english = copy / "en" / "checkin.toml"
    edit(english, "[button]\n", '[button]\nextra_label = "Extra"\n')
    assert "missing (the en pack has it)" in load_error(copy, copy / "fr" / "checkin.toml", "button.extra_label")


def test_unknown_action_target_is_named(copy: Path) -> None:
    """A button whose target is neither a screen nor an action is refused, listing the actions."""
    path = copy / "en" / "screens.toml"
    edit(path, 'to = "checkin"', 'to = "check_in"')
    message = load_error(copy, path, "screens.main.buttons[0][0].to")
    assert 'no screen or action named "check_in" (actions: checkin)' in message


def test_an_action_button_on_any_screen_passes_and_a_screen_named_like_an_action_is_refused(copy: Path) -> None:
    """An action button works on a deeper screen too; a screen may not take an action's name."""
    path = copy / "en" / "screens.toml"
    for language in ("en", "fr"):  # every language keeps the same buttons
        edit(
            copy / language / "screens.toml",
            '[screens.why]\nparent = "main"\n',
            '[screens.why]\nparent = "main"\nbuttons = [[{ label = "Go", to = "checkin" }]]\n',
        )
    why = load_content(copy).pack("en").screens["why"]
    assert why.rows[0][0].is_action
    path.write_text(path.read_text(encoding="utf-8") + '\n[screens.checkin]\nparent = "main"\ntext = "Hi"\n')
    assert "name of an action" in load_error(copy, path, "screens.checkin")


@pytest.mark.parametrize(
    ("key", "after", "value", "where", "problem"),
    [
        ("header", "[checkin]", '"Day {date}"', "checkin.header", "allowed here: {day} {step} {total}"),
        ("header", "[checkin]", '"Question {step}"', "checkin.header", "must use {day}"),
        ("alert", "[staff]", '"{tier_label} {name} {handle} {day} {date} {reasons}"', "staff.alert", "must use"),
        ("note_too_long", "[checkin]", '"Too long."', "checkin.note_too_long", "must use {max}"),
        ("what_now", "[triage.self_care]", '"Call {clinic_phone}"', "triage.self_care.what_now", "allowed here: none"),
        ("pus", "[reasons]", '"Pus on day {day}"', "reasons.pus", "allowed here: none"),
    ],
)
def test_wrong_placeholder_in_a_check_in_text_is_named(
    copy: Path, key: str, after: str, value: str, where: str, problem: str
) -> None:
    """New texts allow exactly the values their handler passes, and must use the ones they exist to show."""
    path = copy / "en" / "checkin.toml"
    set_value(path, key, value, after=after)
    assert problem in load_error(copy, path, where)


@pytest.mark.parametrize(
    ("key", "after", "value", "where", "problem"),
    [
        ("slow", "[answers.spreading]", '"<b>Slowly</b>"', "answers.spreading.slow", "plain text"),
        ("slow", "[answers.spreading]", toml("S" * 41), "answers.spreading.slow", "1 to 40 characters, not 41"),
        ("emergency", "[staff.tier]", '"<b>EMERGENCY</b>"', "staff.tier.emergency", "plain text"),
        ("pus", "[staff.reason]", '"<i>Pus</i>"', "staff.reason.pus", "plain text"),
        ("title", "[history.chart]", '"<u>Chart</u>"', "history.chart.title", "plain text"),
        ("yes", "[settings.risk]", '"<b>Yes</b>"', "settings.risk.yes", "plain text"),
        ("summary", "[history]", '"<b>{redness}</b> {swelling} {pimples} {pain}"', "history.summary", "plain text"),
        ("not_staff", "[staff]", toml("x" * 201), "staff.not_staff", "1 to 200 characters, not 201"),
        ("already", "[staff]", '"<b>Done</b>"', "staff.already", "plain text"),
        ("checkin", "[commands]", '"Go"', "commands.checkin", "3 to 256"),
        (
            "severity",
            "[history.chart]",
            '["<b>None</b>", "Mild", "Moderate", "Severe"]',
            "history.chart.severity[0]",
            "plain",
        ),
    ],
)
def test_html_or_bad_length_in_a_plain_check_in_text_is_named(
    copy: Path, key: str, after: str, value: str, where: str, problem: str
) -> None:
    """Toasts, labels, answers, commands, tier labels, staff reasons and chart words are plain text in limits."""
    path = copy / "en" / "checkin.toml"
    set_value(path, key, value, after=after)
    assert problem in load_error(copy, path, where)


def test_plain_keys_are_matched_by_whole_families() -> None:
    """A family such as settings.risk. covers its own keys only, not settings.risk_question."""
    assert plain_limits("settings.risk.yes") is not None
    assert plain_limits("settings.risk_question") is None
    assert plain_limits("settings.risk_saved") is None
    assert plain_limits("history.chart.title") is not None
    assert plain_limits("history.chart_caption") is None
    assert plain_limits("staff.not_staff") == (1, 200)
    assert plain_limits("staff.alert") is None


def test_over_long_chart_caption_is_named(copy: Path) -> None:
    """The chart's caption is held to Telegram's 1024 characters for a caption, not 4096."""
    path = copy / "en" / "checkin.toml"
    set_value(path, "chart_caption", toml("C" * 1025), after="[history]")
    assert "1025 characters with the longest values (at most 1024)" in load_error(copy, path, "history.chart_caption")


def test_staff_alert_too_long_with_the_longest_name_reasons_and_note_is_named(copy: Path) -> None:
    """The alert must fit 4096 characters with a 100-character name, 1500 of reasons, the note and status."""
    path = copy / "en" / "checkin.toml"
    template = "{tier_label} {name} {handle} {language} {day} {date} {reasons} {escalation_id} "
    set_value(path, "alert", toml(template + "A" * 1200), after="[staff]")
    assert "too long" in load_error(copy, path, "staff.alert")


@pytest.mark.parametrize(
    ("key", "after", "value", "where", "problem"),
    [
        ("severity", "[history.chart]", '["None", "Mild", "Severe"]', "history.chart.severity", "4 entries, not 3"),
        ("severity", "[history.chart]", '"None, Mild, Moderate, Severe"', "history.chart.severity", "list of strings"),
        ("title", "[history.chart]", '["Your", "recovery"]', "history.chart.title", "must be a non-empty string"),
    ],
)
def test_word_lists_only_where_the_catalogue_has_one(
    copy: Path, key: str, after: str, value: str, where: str, problem: str
) -> None:
    """Only history.chart.severity is a list, of exactly four ticks; every other message is one string."""
    path = copy / "en" / "checkin.toml"
    set_value(path, key, value, after=after)
    assert problem in load_error(copy, path, where)
