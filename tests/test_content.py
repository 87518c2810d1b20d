"""The shipped patient-facing content, and the loader that refuses broken content files."""

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.content import (
    MESSAGE_PLACEHOLDERS,
    REQUIRED_SCREENS,
    TOASTS,
    Content,
    ContentError,
    LanguagePack,
    load_content,
)
from bot.content_validation import MAX_MESSAGE, ValidationError, check_sendable, telegram_length
from bot.domain.clinic import ClinicInfo
from bot.domain.red_flags import RedFlagLevel, classify

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
    assert set(en.command_descriptions()) == {"start", "menu", "help"}
    assert len(en.calendar.months) == 12
    assert en.red_flags.emergency
    assert en.red_flags.urgent


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
        en.text("no_such_message")
    with pytest.raises(ContentError, match=r"button\.no_such_button"):
        en.label("no_such_button")
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
    for code in (None, "", "en", "en-CA", "EN_gb", "zz", "fr-CA"):
        assert shipped.pack(code).code == "en"


def test_a_french_pack_is_found_by_its_folder(copy: Path) -> None:
    """A fr folder with the same files is loaded, and fr-CA speakers get it."""
    shutil.copytree(copy / "en", copy / "fr")
    content = load_content(copy)
    assert set(content.languages) == {"en", "fr"}
    assert content.pack("fr-CA").code == "fr"
    assert content.pack("en-US").code == "en"


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
            for button in row:
                assert en.screens[button.target].parent == screen.id, (screen.id, button.target)
                assert button.label not in (en.label("back"), en.label("main_menu")), screen.id


def test_urgent_advice_gives_every_number(en: LanguagePack) -> None:
    """The warning replies and "When to get help" give 911, Health811 and the clinic's phone and hours."""
    urgent = en.text("red_flag_urgent", clinic_name="C", clinic_phone="416-555-0199", clinic_hours="9-5")
    assert all(part in urgent for part in ("811", "911", "416-555-0199", "9-5"))
    assert "911" in en.text("red_flag_emergency", clinic_name="C", clinic_phone="1", clinic_hours="2")
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
        assert "ask the clinic" in text
        assert "coming soon" not in text.lower()
    assert "911" in consent
    assert "own policy" in privacy


def test_toasts_and_labels_are_short_plain_text(en: LanguagePack) -> None:
    """Toasts fit Telegram's 200-character limit and labels fit on a button, without HTML."""
    for key in TOASTS:
        assert len(en.text(key)) <= 200
        assert "<" not in en.text(key)
    for key in (key for key in en.messages if key.startswith("button.")):
        assert 1 <= len(en.messages[key]) <= 40


@pytest.mark.parametrize(
    ("typed", "level"),
    [
        ("I think there's pus coming out", RedFlagLevel.URGENT),
        ("I have a feaver", RedFlagLevel.URGENT),
        ("the redness is spreading to my neck", RedFlagLevel.URGENT),
        ("a cold sore on my lip", RedFlagLevel.URGENT),
        ("I can’t breathe properly", RedFlagLevel.EMERGENCY),
        ("cant breathe", RedFlagLevel.EMERGENCY),
        ("my eye is swollen shut", RedFlagLevel.EMERGENCY),
        ("there are red streaks", RedFlagLevel.EMERGENCY),
        ("a few small whiteheads, a bit itchy", RedFlagLevel.NONE),
        ("a faint pink mark", RedFlagLevel.NONE),
    ],
)
def test_shipped_red_flags_catch_what_patients_type(en: LanguagePack, typed: str, level: RedFlagLevel) -> None:
    """The shipped word lists flag warning signs, misspellings included, and leave ordinary healing alone."""
    assert classify(typed, en.red_flags.emergency, en.red_flags.urgent) is level


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
        ("red_flags.toml", "urgent = [", "urgen = [", "urgen"),
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
    """A language folder without one of its four files is refused, naming that file."""
    (copy / "en" / "red_flags.toml").unlink()
    with pytest.raises(ContentError, match=re.escape(str(copy / "en" / "red_flags.toml"))):
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
    assert 'no screen named "whyy"' in load_error(copy, path, "screens.main.buttons[0][1].to")


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
            "screens.main.buttons[4][1].label",
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


@pytest.mark.parametrize(
    ("key", "value", "where", "problem"),
    [
        ("urgent", '["pus", "Fever"]', "urgent[1]", "lowercase"),
        ("urgent", '["pus", "fever", "pus"]', "urgent[2]", "listed twice"),
        ("urgent", '["pus", "vision"]', "urgent[1]", "also in emergency"),
        ("urgent", "[]", "urgent", "missing"),
        ("emergency", '["red  streaks"]', "emergency[0]", "single spaces"),
    ],
)
def test_bad_red_flag_list_is_named(copy: Path, key: str, value: str, where: str, problem: str) -> None:
    """Red-flag lists must be non-empty, lowercase, without repeats, and with no phrase in both lists."""
    path = copy / "en" / "red_flags.toml"
    set_value(path, key, value)
    assert problem in load_error(copy, path, where)


def test_french_pack_missing_a_key_is_named(copy: Path) -> None:
    """A translation missing a message that the English pack has is refused, naming the French file."""
    shutil.copytree(copy / "en", copy / "fr")
    english = copy / "en" / "messages.toml"
    english.write_text(english.read_text(encoding="utf-8").replace("[button]", 'extra_note = "Hi"\n\n[button]'))
    message = load_error(copy, copy / "fr" / "messages.toml", "extra_note")
    assert "missing (the en pack has it)" in message


def test_french_pack_missing_a_required_key_or_with_an_extra_screen_is_named(copy: Path) -> None:
    """A translation without a required message, or with a screen English lacks, is refused."""
    shutil.copytree(copy / "en", copy / "fr")
    edit(copy / "fr" / "messages.toml", "\npick_date = ", "\npick_day = ")
    load_error(copy, copy / "fr" / "messages.toml", "pick_date")
    shutil.copy(copy / "en" / "messages.toml", copy / "fr" / "messages.toml")
    screens = copy / "fr" / "screens.toml"
    edit(
        screens,
        '[screens.why]\nparent = "main"\n',
        '[screens.why]\nparent = "main"\nbuttons = [[{ label = "X", to = "extra" }]]\n',
    )
    screens.write_text(screens.read_text(encoding="utf-8") + '\n[screens.extra]\nparent = "why"\ntext = "Hi"\n')
    assert "not in the en pack" in load_error(copy, copy / "fr" / "screens.toml", "screens.extra")


def test_badly_named_or_missing_language_folder_is_refused(copy: Path) -> None:
    """Language folders are named by code, and the default (en) must exist."""
    (copy / "English").mkdir()
    with pytest.raises(ContentError, match="name a language folder by its code"):
        load_content(copy)
    (copy / "English").rmdir()
    (copy / "en").rename(copy / "fr")
    with pytest.raises(ContentError, match="default language folder is missing"):
        load_content(copy)


def test_validation_error_starts_with_the_key() -> None:
    """A ValidationError's message starts with the key, so the loader only adds the file in front."""
    assert str(ValidationError("screens.why.text", "too long")) == "screens.why.text: too long"
