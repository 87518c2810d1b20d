"""The patient-facing text: loaded once from data/content/<language>/, checked, and rendered with escaping.

Each language folder holds messages.toml and checkin.toml (the messages, in one mapping of dotted keys),
screens.toml and normal_by_day.toml. Everything is checked at start-up against the catalogue in
bot.content.keys, so a broken file stops the bot with one line naming the file and the key, instead of failing
in front of a patient.

Every text may also use the triage thresholds of data/triage.toml ({fever_celsius}, {severe_pain},
{lasting_after_day}, ...: see TRIAGE_PLACEHOLDERS), written for people by the pack's threshold.* texts and filled
in by the pack itself, so that a number the medical director changes there changes in every text.
"""

import html
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.content.keys import ACTIONS as ACTIONS
from bot.content.keys import (
    CAPTIONS,
    COMMANDS,
    KEYS,
    MESSAGE_FILES,
    OTHER_MESSAGE,
    REQUIRED_PLACEHOLDERS,
    THRESHOLD_FORMATS,
    TRIAGE_PLACEHOLDERS,
    WORD_LISTS,
    WORST_VALUES,
    ButtonName,
    Key,
    SequenceKey,
    home_file,
    plain_limits,
    triage_numbers,
)
from bot.content.keys import MAIN_SCREEN as MAIN_SCREEN
from bot.content.keys import MESSAGE_PLACEHOLDERS as MESSAGE_PLACEHOLDERS
from bot.content.keys import NORMAL_SCREEN as NORMAL_SCREEN
from bot.content.keys import REQUIRED_SCREENS as REQUIRED_SCREENS
from bot.content.keys import TOASTS as TOASTS
from bot.content.triage_rules import DEFAULT_TRIAGE_RULES_PATH, load_triage_rules
from bot.content.validation import (
    MAX_LABEL,
    MAX_MESSAGE,
    ValidationError,
    check_day_ranges,
    check_placeholders,
    check_plain,
    check_sendable,
    check_tree,
    names,
    no_unknown_keys,
    string,
    telegram_length,
)
from bot.domain.clinic import ClinicInfo
from bot.domain.triage import TriageRules

DEFAULT_LANGUAGE = "en"
_CLINIC = frozenset({"clinic_name", "clinic_phone", "clinic_hours"})
_NONE: frozenset[str] = frozenset()
DATE_FORMAT = "{weekday} {month_short} {day}"
_DATE_PARTS = frozenset({"weekday", "month", "month_short", "day", "year"})
_SCREEN_ID = re.compile(r"[a-z0-9_]{1,40}")  # callback data is "m:" + id, at most 64 bytes
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_MAX_ROW = 8
_WIDEST_DAY = int(WORST_VALUES["day"])  # the widest day number a patient can be on, for length checks
_STATUSES = ("staff.status.open", "staff.status.acknowledged", "staff.status.resolved")
_ANYWHERE = frozenset(TRIAGE_PLACEHOLDERS)  # the triage thresholds: any text may use them
_SELF_CARE = "typed.self_care"  # its {day_text} is a text of normal_by_day.toml, checked with each of them


class SafeHtml(str):
    """Telegram HTML the bot built from its own checked content (a day's text), filled into a text unescaped."""


def _escape(value: str | int) -> str:
    """Return a value ready to fill into Telegram HTML: escaped, unless it is the bot's own SafeHtml."""
    return value if isinstance(value, SafeHtml) else html.escape(str(value))


class ContentError(Exception):
    """A content file is broken; the message names the file and the key."""


@dataclass(frozen=True)
class Button:
    """A menu button: its label and the id of the screen it opens, or the action it starts (see ACTIONS)."""

    label: str
    target: str

    @property
    def is_action(self) -> bool:
        """Tell whether the button starts an action (its callback data is "a:<target>") instead of a screen."""
        return self.target in ACTIONS


@dataclass(frozen=True)
class Screen:
    """One menu screen: HTML text, the screen Back returns to, and its own rows of buttons."""

    id: str
    text: str
    parent: str | None
    rows: tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Calendar:
    """Month and weekday names (Monday first), to show dates and to read typed ones."""

    months: tuple[str, ...]
    months_short: tuple[str, ...]
    weekdays_short: tuple[str, ...]
    date_format: str = DATE_FORMAT

    def format(self, day: date) -> str:
        """Return a short date such as "Fri Nov 20", in plain text."""
        return self.date_format.format(
            weekday=self.weekdays_short[day.weekday()],
            month=self.months[day.month - 1],
            month_short=self.months_short[day.month - 1],
            day=day.day,
            year=day.year,
        )


@dataclass(frozen=True)
class DayRange:
    """What is typical from day `first` to day `last` (None: every later day)."""

    first: int
    last: int | None
    text: str


@dataclass(frozen=True)
class NormalByDay:
    """The day-by-day part of the "What's normal" screen; its texts have the triage thresholds filled in."""

    days: tuple[DayRange, ...]
    unknown_day: str
    heading: str
    heading_day0: str

    def today(self, day: int | None) -> SafeHtml:
        """Return the heading and text for a day of recovery, or the overview when the day is unknown.

        The result is the bot's own HTML (SafeHtml): a text may take it as a value, such as typed.self_care's
        {day_text}, without escaping it.
        """
        if day is None or day < 0:
            return SafeHtml(self.unknown_day)
        text = next(span.text for span in self.days if span.first <= day and (span.last is None or day <= span.last))
        return self._compose(day, text)

    def variants(self) -> tuple[str, ...]:
        """Return every text today() can give, with the widest day number, so that each can be checked."""
        spans = [span for span in self.days if span.last != 0]
        return (self.unknown_day, self.today(0), *(self._compose(_WIDEST_DAY, span.text) for span in spans))

    def _compose(self, day: int, text: str) -> SafeHtml:
        """Put the heading for a day above that day's text."""
        heading = self.heading_day0 if day == 0 else self.heading.format(day=day)
        return SafeHtml(f"{heading}\n\n{text}")


@dataclass(frozen=True)
class LanguagePack:
    """Everything the bot says in one language."""

    code: str
    screens: Mapping[str, Screen]
    calendar: Calendar
    messages: Mapping[str, str]
    normal_by_day: NormalByDay
    word_lists: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    message_files: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # key -> file name
    thresholds: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # "fever_celsius": "38 °C"

    def text(self, key: Key | SequenceKey, **values: str | int) -> str:
        """Return a message with its placeholders and the triage thresholds filled in.

        The values are HTML-escaped, except SafeHtml (the bot's own checked HTML, such as a day's text).
        """
        template = self.messages.get(key)
        if template is None:
            raise ContentError(f"{self.code}: {key}: no such message")
        given = {**self.thresholds, **values}
        escaped = {name: _escape(value) for name, value in given.items()}
        try:
            filled = template.format_map(escaped)
        except KeyError as error:
            raise ContentError(f"{self.code}: {key}: no value given for {{{error.args[0]}}}") from error
        return filled

    def label(self, name: ButtonName) -> str:
        """Return the plain-text label of a button named in a [button] table."""
        key = KEYS.get(f"button.{name}")
        if key is None:
            raise ContentError(f"{self.code}: button.{name}: no such button")
        return self.text(key)

    def words(self, key: str) -> tuple[str, ...]:
        """Return a list of plain-text words, such as the chart's severity ticks ("history.chart.severity")."""
        words = self.word_lists.get(key)
        if words is None:
            raise ContentError(f"{self.code}: {key}: no such list of words")
        return words

    def render_screen(self, screen_id: str, clinic: ClinicInfo, day: int | None) -> str:
        """Return a screen's HTML with the clinic's details and, on "normal", the text for the patient's day."""
        screen = self.screens.get(screen_id)
        if screen is None:
            raise ContentError(f"{self.code}: screens.{screen_id}: no such screen")
        values = {"clinic_name": clinic.name, "clinic_phone": clinic.phone, "clinic_hours": clinic.hours}
        escaped = {name: html.escape(value) for name, value in {**self.thresholds, **values}.items()}
        return screen.text.format_map({**escaped, "today": self.normal_by_day.today(day)})

    def number(self, value: float) -> str:
        """Return a number as this language writes it: 38.5 in English, 38,5 in French (threshold.decimal_mark)."""
        return f"{value:g}".replace(".", self.messages["threshold.decimal_mark"])

    def format_date(self, day: date) -> str:
        """Return a short date such as "Fri Nov 20", in plain text."""
        return self.calendar.format(day)

    def command_descriptions(self) -> dict[str, str]:
        """Return the description of each command for Telegram's command menu, in the order of COMMANDS."""
        prefix = "commands."
        found = {key.removeprefix(prefix): text for key, text in self.messages.items() if key.startswith(prefix)}
        order = {name: index for index, name in enumerate(COMMANDS)}
        return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))


@dataclass(frozen=True)
class Content:
    """All language packs, and the one to fall back on."""

    languages: Mapping[str, LanguagePack]
    default_language: str = DEFAULT_LANGUAGE

    def pack(self, language_code: str | None) -> LanguagePack:
        """Return the pack for a Telegram language code ("fr-CA" uses "fr"), else the default pack."""
        base = re.split(r"[-_]", (language_code or "").strip().lower())[0]
        return self.languages.get(base) or self.languages[self.default_language]


def load_content(directory: Path, rules: TriageRules | None = None) -> Content:
    """Load and check every language folder under `directory`; the default language must be there.

    `rules` are the triage thresholds the texts show; None reads the shipped data/triage.toml. The bot passes the
    rules it triages with, so that the texts and the triage agree.
    """
    if rules is None:
        rules = load_triage_rules(DEFAULT_TRIAGE_RULES_PATH)
    if not directory.is_dir():
        raise ContentError(f"{directory}: no such folder")
    packs: dict[str, LanguagePack] = {}
    for folder in sorted(path for path in directory.iterdir() if path.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        if not _LANGUAGE.fullmatch(folder.name):
            raise ContentError(f"{folder}: name a language folder by its code, like en or fr")
        packs[folder.name] = _load_pack(folder, rules)
    default = packs.get(DEFAULT_LANGUAGE)
    if default is None:
        raise ContentError(f"{directory / DEFAULT_LANGUAGE}: the default language folder is missing")
    for pack in packs.values():
        _compare(default, pack, directory / pack.code)
    return Content(MappingProxyType(packs), DEFAULT_LANGUAGE)


def _load_pack(folder: Path, rules: TriageRules) -> LanguagePack:
    """Load and check one language folder, file by file."""
    messages = _load_messages(folder, rules)
    with _blame(folder / "normal_by_day.toml") as path:
        top = frozenset({"today_heading", "today_heading_day0", "unknown_day", "day"})
        normal = _load_normal(_read(path, top), messages.thresholds)
    with _blame(folder / messages.files[_SELF_CARE]):
        for variant in normal.variants():
            filled = {**messages.worst, "day_text": variant}
            check_sendable(_SELF_CARE, messages.texts[_SELF_CARE].format_map(filled))
    with _blame(folder / "screens.toml") as path:
        screens = _load_screens(_read(path, frozenset({"screens"})), normal, messages.worst)
    return LanguagePack(
        folder.name,
        MappingProxyType(screens),
        messages.calendar,
        MappingProxyType(messages.texts),
        normal,
        MappingProxyType(messages.word_lists),
        MappingProxyType(messages.files),
        MappingProxyType(messages.thresholds),
    )


@contextmanager
def _blame(path: Path) -> Iterator[Path]:
    """Turn a problem found while checking a file into a ContentError that names the file."""
    try:
        yield path
    except ValidationError as problem:
        raise ContentError(f"{path}: {problem}") from problem


def _read(path: Path, known: frozenset[str] | None = None) -> dict[str, Any]:
    """Parse a TOML file, quoting the line of a syntax error; refuse top-level keys not in `known`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read the file: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        lines = text.splitlines()
        quoted = f": {lines[int(found[1]) - 1].strip()!r}" if found and int(found[1]) <= len(lines) else ""
        raise ContentError(f"{path}: not valid TOML: {error}{quoted}") from error
    if known is not None:
        no_unknown_keys("", data, known)
    return data


def _compare(default: LanguagePack, pack: LanguagePack, folder: Path) -> None:
    """Require a translation to have exactly the default pack's messages and screens.

    A missing message is reported in the file where the default pack has it, an extra one where it was found.
    """
    messages = {*default.messages, *default.word_lists}, {*pack.messages, *pack.word_lists}
    for prefix, (expected, found) in (("", messages), ("screens.", (set(default.screens), set(pack.screens)))):
        missing, extra = sorted(expected - found), sorted(found - expected)
        if missing:
            name = default.message_files.get(missing[0], MESSAGE_FILES[0]) if not prefix else "screens.toml"
            raise ContentError(f"{folder / name}: {prefix}{missing[0]}: missing (the {default.code} pack has it)")
        if extra:
            name = pack.message_files.get(extra[0], MESSAGE_FILES[0]) if not prefix else "screens.toml"
            raise ContentError(f"{folder / name}: {prefix}{extra[0]}: not in the {default.code} pack")
    for screen_id, screen in default.screens.items():
        translated = pack.screens[screen_id]
        if _layout(translated) != _layout(screen):
            raise ContentError(
                f"{folder / 'screens.toml'}: screens.{screen_id}: its buttons and Back must lead where the"
                f" {default.code} pack's do, in the same rows ({_layout(screen)})"
            )


def _layout(screen: Screen) -> tuple[str, tuple[tuple[str, ...], ...]]:
    """Return where a screen's Back and buttons lead, row by row: what every language must keep the same."""
    return screen.parent or "", tuple(tuple(button.target for button in row) for row in screen.rows)


@dataclass(frozen=True)
class _Messages:
    """The messages of one language folder, as loaded from its message files."""

    texts: dict[str, str]
    word_lists: dict[str, tuple[str, ...]]
    files: dict[str, str]  # the file each key came from
    calendar: Calendar
    worst: dict[str, str]  # the longest value of each placeholder, and the thresholds as they are
    thresholds: dict[str, str]  # each triage placeholder as people read it: "fever_celsius": "38 °C"


def _load_messages(folder: Path, rules: TriageRules) -> _Messages:
    """Read every message file into one mapping of dotted keys such as "button.back", and the calendar; check each.

    The calendar is in the first file. A key in two files, or a required key in none, is refused.
    """
    first, *others = MESSAGE_FILES
    with _blame(folder / first) as path:
        data = _read(path)
        calendar = _load_calendar(data.pop("calendar", None))
    tables = [(first, data)]
    for name in others:
        with _blame(folder / name) as path:
            tables.append((name, _read(path)))
    raw: dict[str, object] = {}
    files: dict[str, str] = {}
    for name, table in tables:
        with _blame(folder / name):
            for key, value in _flatten(table, "").items():
                if key in files:
                    raise ValidationError(key, f"also in {folder / files[key]}: a message may be in only one file")
                raw[key], files[key] = value, name
    for key in (*MESSAGE_PLACEHOLDERS, *WORD_LISTS):
        if key not in raw:
            with _blame(folder / home_file(key)):
                raise ValidationError(key, "missing")
    worst = _worst_values(calendar)
    texts: dict[str, str] = {}
    for key in THRESHOLD_FORMATS:  # first: every other text is checked with the thresholds written out
        with _blame(folder / files[key]):
            texts[key] = _load_message(key, string(raw, key, key), worst, _NONE)
    numbers = triage_numbers(rules)
    mark = texts["threshold.decimal_mark"]
    thresholds = {
        name: texts[form].format(value=numbers[name].replace(".", mark)) for name, form in TRIAGE_PLACEHOLDERS.items()
    }
    worst.update(thresholds)
    word_lists: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        with _blame(folder / files[key]):
            if key in WORD_LISTS:
                word_lists[key] = _load_words(key, value)
            elif key not in texts:
                texts[key] = _load_message(key, string({key: value}, key, key), worst, _ANYWHERE)
    with _blame(folder / files["staff.alert"]):
        _check_staff_alert(texts, worst)
    return _Messages(texts, word_lists, files, calendar, worst, thresholds)


def _load_message(key: str, text: str, worst: Mapping[str, str], anywhere: frozenset[str]) -> str:
    """Check one message: its placeholders, and its HTML or plain text and length with the longest values."""
    known = KEYS.get(key)
    allowed = OTHER_MESSAGE if known is None else MESSAGE_PLACEHOLDERS[known]
    required = _NONE if known is None else REQUIRED_PLACEHOLDERS.get(known, _NONE)
    check_placeholders(key, text, allowed, required, anywhere)
    if key.startswith("commands.") and not _COMMAND.fullmatch(key.removeprefix("commands.")):
        raise ValidationError(key, "a command is 1 to 32 of a-z, 0-9 and _")
    limits = plain_limits(key)
    if limits is None:
        check_sendable(key, text.format_map(worst), MAX_MESSAGE if known is None else CAPTIONS.get(known, MAX_MESSAGE))
    else:
        check_plain(key, text.format_map(worst), *limits)
    return text


def _load_words(key: str, value: object) -> tuple[str, ...]:
    """Read a list of plain-text words, such as the chart's severity ticks, of the length the catalogue says."""
    words = names({key: value}, key, key, WORD_LISTS[key])
    for index, word in enumerate(words):
        check_plain(f"{key}[{index}]", word, *(plain_limits(key) or (1, MAX_LABEL)))
    return words


def _check_staff_alert(texts: Mapping[str, str], worst: Mapping[str, str]) -> None:
    """Check an alert as the staff chat gets it: longest name, reasons and note, then its longest status line.

    An alert raised from typed text has, instead of the note, the longest source line and the typed words.
    """
    status = max((texts[key].format_map(worst) for key in _STATUSES), key=telegram_length)
    alert = texts["staff.alert"].format_map(worst)
    note = texts["staff.note"].format_map(worst)
    check_sendable("staff.alert", f"{alert}\n{note}\n\n{status}")
    sources = (texts[f"staff.source.{kind}"].format_map(worst) for kind in ("typed", "checkin"))
    source = max(sources, key=telegram_length)
    typed = texts["staff.typed"].format_map(worst)
    check_sendable("staff.typed", f"{alert}\n{source}\n{typed}\n\n{status}")


def _flatten(table: dict[str, Any], prefix: str) -> dict[str, object]:
    """Turn nested TOML tables into dotted keys."""
    flat: dict[str, object] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[prefix + name] = value
    return flat


def _load_calendar(table: object) -> Calendar:
    """Read [calendar]: 12 months, 12 short months, 7 short weekdays from Monday, and a date format."""
    if not isinstance(table, dict):
        raise ValidationError("calendar", "missing: add a [calendar] table")
    no_unknown_keys("calendar", table, frozenset({"months", "months_short", "weekdays_short", "date_format"}))
    calendar = Calendar(
        months=names(table, "months", "calendar.months", 12),
        months_short=names(table, "months_short", "calendar.months_short", 12),
        weekdays_short=names(table, "weekdays_short", "calendar.weekdays_short", 7),
        date_format=string(table, "date_format", "calendar.date_format") if "date_format" in table else DATE_FORMAT,
    )
    check_placeholders("calendar.date_format", calendar.date_format, _DATE_PARTS)
    check_plain("calendar.date_format", calendar.format(date(2026, 11, 20)), 1, MAX_LABEL)
    return calendar


def _load_normal(data: dict[str, Any], thresholds: Mapping[str, str]) -> NormalByDay:
    """Read normal_by_day.toml: the headings, the overview, and the [[day]] ranges; fill in the thresholds."""
    texts = {key: string(data, key, key) for key in ("today_heading", "today_heading_day0", "unknown_day")}
    spans = data.get("day")
    if not isinstance(spans, list) or not spans or not all(isinstance(span, dict) for span in spans):
        raise ValidationError("day", "missing: add [[day]] tables with first, last and text")
    for index, span in enumerate(spans):
        no_unknown_keys(f"day[{index}]", span, frozenset({"first", "last", "text"}))
    check_day_ranges([(span.get("first"), span.get("last")) for span in spans])
    days = []
    for index, span in enumerate(spans):
        where = f"day[{index}].text"
        text = string(span, "text", where)
        check_placeholders(where, text, _NONE, _NONE, _ANYWHERE)
        days.append(DayRange(span["first"], span.get("last"), text.format_map(thresholds)))
        check_sendable(where, days[-1].text)
    check_placeholders("today_heading", texts["today_heading"], frozenset({"day"}), frozenset({"day"}))
    check_placeholders("today_heading_day0", texts["today_heading_day0"], _NONE)
    check_placeholders("unknown_day", texts["unknown_day"], _NONE, _NONE, _ANYWHERE)
    unknown_day = texts["unknown_day"].format_map(thresholds)
    normal = NormalByDay(tuple(days), unknown_day, texts["today_heading"], texts["today_heading_day0"])
    check_sendable("today_heading", normal.today(_WIDEST_DAY))
    check_sendable("today_heading_day0", normal.today(0))
    check_sendable("unknown_day", normal.unknown_day)
    return normal


def _load_screens(data: dict[str, Any], normal: NormalByDay, worst: Mapping[str, str]) -> dict[str, Screen]:
    """Read screens.toml, and check the menu tree and each screen as it will be sent."""
    table = data.get("screens")
    if not isinstance(table, dict) or not table:
        raise ValidationError("screens", "missing: add [screens.<id>] tables")
    screens = {screen_id: _load_screen(screen_id, raw) for screen_id, raw in table.items()}
    missing = [screen_id for screen_id in REQUIRED_SCREENS if screen_id not in screens]
    if missing:
        raise ValidationError(f"screens.{missing[0]}", "missing")
    links = {
        screen.id: [
            (f"screens.{screen.id}.buttons[{row_index}][{index}].to", button.target)
            for row_index, row in enumerate(screen.rows)
            for index, button in enumerate(row)
        ]
        for screen in screens.values()
    }
    check_tree(MAIN_SCREEN, {screen.id: screen.parent for screen in screens.values()}, links, ACTIONS)
    for screen in screens.values():
        where, personal = f"screens.{screen.id}.text", screen.id == NORMAL_SCREEN
        today = frozenset({"today"}) if personal else _NONE
        check_placeholders(where, screen.text, _CLINIC | today, today, _ANYWHERE)
        for variant in normal.variants() if personal else ("",):
            check_sendable(where, screen.text.format_map({**worst, "today": variant}))
    return screens


def _load_screen(screen_id: str, raw: object) -> Screen:
    """Read one [screens.<id>] table and its rows of buttons."""
    where = f"screens.{screen_id}"
    if not _SCREEN_ID.fullmatch(screen_id):
        raise ValidationError(where, "a screen id is 1 to 40 of a-z, 0-9 and _")
    if not isinstance(raw, dict):
        raise ValidationError(where, "must be a table with text, and maybe parent and buttons")
    no_unknown_keys(where, raw, frozenset({"text", "parent", "buttons"}))
    parent, rows = raw.get("parent"), raw.get("buttons", [])
    if parent is not None and not isinstance(parent, str):
        raise ValidationError(f"{where}.parent", "must be a screen id")
    if not isinstance(rows, list):
        raise ValidationError(f"{where}.buttons", "must be a list of rows")
    buttons = tuple(_load_row(f"{where}.buttons[{index}]", row) for index, row in enumerate(rows))
    return Screen(screen_id, string(raw, "text", f"{where}.text"), parent, buttons)


def _load_row(where: str, row: object) -> tuple[Button, ...]:
    """Read one row of buttons, each { label = "...", to = "<screen id or action>" }."""
    if not isinstance(row, list) or not 1 <= len(row) <= _MAX_ROW:
        raise ValidationError(where, f"a row is a list of 1 to {_MAX_ROW} buttons")
    buttons = []
    for index, raw in enumerate(row):
        spot = f"{where}[{index}]"
        if not isinstance(raw, dict) or set(raw) != {"label", "to"}:
            raise ValidationError(spot, 'a button is { label = "...", to = "<screen id or action>" }')
        label = string(raw, "label", f"{spot}.label")
        check_placeholders(f"{spot}.label", label, _NONE)
        check_plain(f"{spot}.label", label.format(), 1, MAX_LABEL)
        buttons.append(Button(label.format(), string(raw, "to", f"{spot}.to")))
    return tuple(buttons)


def _worst_values(calendar: Calendar) -> dict[str, str]:
    """Return the longest values the handlers may fill in, to check lengths and HTML as they will be sent."""

    def longest(options: tuple[str, ...]) -> str:
        """Return the longest of some names."""
        return max(options, key=telegram_length)

    widest_date = calendar.date_format.format(
        weekday=longest(calendar.weekdays_short),
        month=longest(calendar.months),
        month_short=longest(calendar.months_short),
        day=31,
        year=9999,
    )
    return {**WORST_VALUES, "date": html.escape(widest_date)}
