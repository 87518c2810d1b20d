"""The callback data the bot puts on its buttons: short, opaque, and parsed defensively.

Every codec of the bot is here, each with its prefix declared once in PREFIXES. Telegram gives a pressed button's
data to every handler whose pattern matches, so no prefix may start another; and it refuses data over 64 bytes.
check_codecs() holds both at import, with the widest value each parser accepts.

Callback data is written by the client, so every parser here treats it as untrusted input.
"""

import re
from collections.abc import Mapping
from datetime import date, time
from types import MappingProxyType

MAX_DATA = 64  # bytes of callback data Telegram keeps

# Every prefix, once. A handler's pattern is pattern(<prefix>); a parser reads only data with its own prefix.
_MENU = "m:"  # a menu screen, in place of the message
_OPEN = "n:"  # a screen as a new message, under advice and reminders
_ACTION = "a:"  # an action from a menu, such as starting a check-in
_CONSENT = "c:"
_DAYS_BACK = "d:"  # a quick treatment-date button: today, yesterday...
_EXACT_DATE = "t:"  # a calendar day
_PICKER = "p:"  # a calendar page
_CHECKIN = "k:"
_STAFF = "s:"  # acknowledge or resolve an alert
_REMOVE_STAFF = "sm:"
_SETTINGS = "o:"
_ERASE = "e:"
_EXPORT = "xp:"  # /export periods
_BROADCAST = "bc:"
_LANGUAGE = "l:"  # the language the patient is written to in: on the consent screen and in /settings
PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "menu": _MENU,
        "open": _OPEN,
        "action": _ACTION,
        "consent": _CONSENT,
        "days_back": _DAYS_BACK,
        "exact_date": _EXACT_DATE,
        "picker": _PICKER,
        "checkin": _CHECKIN,
        "staff": _STAFF,
        "remove_staff": _REMOVE_STAFF,
        "settings": _SETTINGS,
        "erase": _ERASE,
        "export": _EXPORT,
        "broadcast": _BROADCAST,
        "language": _LANGUAGE,
    }
)


def pattern(*prefixes: str) -> re.Pattern[str]:
    """Return the pattern of a handler for data starting with one of some prefixes."""
    return re.compile("^(?:" + "|".join(re.escape(prefix) for prefix in prefixes) + ")")


def _read(prefix: str, rest: str, data: str) -> re.Match[str] | None:
    """Match the whole of some data: the prefix, then what the regular expression `rest` allows."""
    return re.fullmatch(re.escape(prefix) + rest, data)


# --- menu screens and actions ---


def menu(screen_id: str) -> str:
    """Return the data of a button that opens a menu screen."""
    return _MENU + screen_id


def open_screen(screen_id: str) -> str:
    """Return the data of a button that opens a screen as a new message, keeping the message it sits on.

    For buttons under advice, reminders and other messages that are not a menu: what they say must stay.
    """
    return _OPEN + screen_id


def parse_menu(data: str) -> tuple[str, bool] | None:
    """Return the screen a menu or open-screen button shows, and whether it replaces its message; or None."""
    for prefix in (_MENU, _OPEN):
        if match := _read(prefix, r"([a-z0-9_]{1,40})", data):
            return match[1], prefix == _MENU
    return None


def action(name: str) -> str:
    """Return the data of a button that starts an action, such as a check-in from the main menu."""
    return f"{_ACTION}{name}"


# --- onboarding: consent and the treatment date ---

CONSENT_PATTERN = pattern(_CONSENT)
LANGUAGE_PATTERN = pattern(_LANGUAGE)
DATE_CHOICES = _PICKER + "home"
DATE_PATTERN = pattern(_DAYS_BACK, _EXACT_DATE, _PICKER)


def consent_choice(accept: bool, language: str) -> str:
    """Return the data of Accept or Decline on the consent screen, naming the language it was shown in."""
    return f"{_CONSENT}{'yes' if accept else 'no'}:{language}"


def parse_consent(data: str) -> tuple[bool, str | None] | None:
    """Return whether a consent button accepts, and its language (None on a button from before languages); or None."""
    match = _read(_CONSENT, r"(yes|no)(?::([a-z]{2,3}))?", data)
    return (match[1] == "yes", match[2]) if match else None


def language_choice(code: str) -> str:
    """Return the data of a button that switches the patient's language to `code` (en, fr...)."""
    return f"{_LANGUAGE}{code}"


def parse_language_choice(data: str) -> str | None:
    """Return the language code a language button names, or None (whether the bot has it is the caller's check)."""
    match = _read(_LANGUAGE, r"([a-z]{2,3})", data)
    return match[1] if match else None


def days_back(days: int) -> str:
    """Return the data of a quick treatment-date button: today, yesterday, and so on."""
    return f"{_DAYS_BACK}{days}"


def exact_date(day: date) -> str:
    """Return the data of a calendar button for one date."""
    return f"{_EXACT_DATE}{day:%Y%m%d}"


def picker_page(offset: int) -> str:
    """Return the data of a button that shows the calendar starting `offset` days back."""
    return f"{_PICKER}{offset}"


def parse_days_back(data: str) -> int | None:
    """Return how many days back a quick date button means, or None."""
    match = _read(_DAYS_BACK, r"(\d{1,2})", data)
    return int(match[1]) if match else None


def parse_exact_date(data: str) -> date | None:
    """Return the date of a calendar button, or None when the data is not a valid date."""
    match = _read(_EXACT_DATE, r"(\d{4})(\d{2})(\d{2})", data)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_picker_page(data: str) -> int | None:
    """Return the offset of a calendar page button, or None."""
    match = _read(_PICKER, r"(\d{1,3})", data)
    return int(match[1]) if match else None


# --- the check-in ---

CHECKIN_AGAIN = _CHECKIN + "again"
CHECKIN_QUESTIONS = _CHECKIN + "questions"  # the warning-sign questions offered after typed words: a new check-in
CHECKIN_BACK = _CHECKIN + "back"
CHECKIN_CANCEL = _CHECKIN + "cancel"
CHECKIN_START = action("checkin")
CHECKIN_PATTERN = re.compile(f"^(?:{re.escape(_CHECKIN)}|{re.escape(CHECKIN_START)}$)")


def checkin_answer(question: str, value: str) -> str:
    """Return the data of a check-in answer button."""
    return f"{_CHECKIN}{question}:{value}"


def parse_checkin_answer(data: str) -> tuple[str, str] | None:
    """Return the question and value of a check-in answer button, or None."""
    match = _read(_CHECKIN, r"([a-z_]{1,30}):([a-z0-9_.]{1,20})", data)
    return (match[1], match[2]) if match else None


# --- staff: alerts and the staff list ---

STAFF_PATTERN = pattern(_STAFF)
REMOVE_STAFF_PATTERN = pattern(_REMOVE_STAFF)


def staff_action(verb: str, escalation_id: int) -> str:
    """Return the data of a staff button on an alert: acknowledge ("ack") or resolve ("res")."""
    return f"{_STAFF}{verb}:{escalation_id}"


def parse_staff_action(data: str) -> tuple[str, int] | None:
    """Return the verb and escalation id of a staff button, or None."""
    match = _read(_STAFF, r"(ack|res):(\d{1,12})", data)
    return (match[1], int(match[2])) if match else None


def remove_staff(user_id: int) -> str:
    """Return the data of a /staff button that removes an invited staff member."""
    return f"{_REMOVE_STAFF}rm:{user_id}"


def parse_remove_staff(data: str) -> int | None:
    """Return the user id of a remove-staff button, or None."""
    match = _read(_REMOVE_STAFF, r"rm:(\d{1,20})", data)
    return int(match[1]) if match else None


# --- /settings and the health question ---

SETTINGS_TIME = _SETTINGS + "time"
SETTINGS_RISK = _SETTINGS + "risk"
SETTINGS_PATTERN = pattern(_SETTINGS)


def reminder_time(at: time) -> str:
    """Return the data of a reminder-time button."""
    return f"{_SETTINGS}at:{at:%H%M}"


def parse_reminder_time(data: str) -> time | None:
    """Return the time of a reminder-time button, or None."""
    match = _read(_SETTINGS, r"at:([01]\d|2[0-3])([0-5]\d)", data)
    return time(int(match[1]), int(match[2])) if match else None


def risk(context: str, value: str) -> str:
    """Return the data of a health-condition answer, given in onboarding or in settings."""
    return f"{_SETTINGS}risk:{context}:{value}"


def parse_risk(data: str) -> tuple[str, str] | None:
    """Return where a health-condition answer was given and the answer, or None."""
    match = _read(_SETTINGS, r"risk:(onboarding|settings):([a-z]{2,8})", data)
    return (match[1], match[2]) if match else None


# --- /delete ---

ERASE_CONFIRM = _ERASE + "yes"
ERASE_KEEP = _ERASE + "no"
ERASE_PATTERN = pattern(_ERASE)

# --- /export ---

EXPORT_PATTERN = pattern(_EXPORT)


def export_button_data(choice: str) -> str:
    """Return the data of an /export period button: "7", "30" or "all"."""
    return f"{_EXPORT}{choice}"


def parse_export_button(data: str) -> str | None:
    """Return the period of an /export button ("7", "30" or "all"), or None when the data is not one."""
    match = _read(_EXPORT, r"(7|30|all)", data)
    return match[1] if match else None


# --- broadcasts ---

BROADCAST_PATTERN = pattern(_BROADCAST)


def broadcast_button(broadcast_id: int, action: str) -> str:
    """Return the callback data of a broadcast button: "bc:<id>:<action>", well within 64 bytes."""
    return f"{_BROADCAST}{broadcast_id}:{action}"


def parse_broadcast_button(data: str) -> tuple[int, str] | None:
    """Return the broadcast id and action of a broadcast button, or None for anything else (forged, mangled)."""
    match = _read(_BROADCAST, r"(\d{1,12}):([a-z0-9:_-]{1,40})", data)
    return (int(match[1]), match[2]) if match else None


# The widest data each encoder makes from what its parser accepts (or the content allows: a screen id is at most
# 40 characters), to hold every codec within Telegram's 64 bytes.
_WIDEST = (
    menu("s" * 40),
    open_screen("s" * 40),
    action("a" * 40),
    consent_choice(True, "abc"),
    language_choice("abc"),
    days_back(99),
    exact_date(date(9999, 12, 31)),
    picker_page(999),
    checkin_answer("q" * 30, "v" * 20),
    staff_action("ack", 10**12 - 1),
    remove_staff(10**20 - 1),
    reminder_time(time(23, 59)),
    risk("onboarding", "v" * 8),
    export_button_data("all"),
    broadcast_button(10**12 - 1, "a" * 40),
)


def check_codecs(prefixes: Mapping[str, str] = PREFIXES, widest: tuple[str, ...] = _WIDEST) -> None:
    """Raise ValueError if a prefix is empty or starts another, or if any data could pass 64 bytes."""
    problems = [f"{name}: the prefix {prefix!r} has no colon" for name, prefix in prefixes.items() if ":" not in prefix]
    problems += [
        f"{name}: {prefix!r} starts {other!r} of {other_name}"
        for name, prefix in prefixes.items()
        for other_name, other in prefixes.items()
        if name != other_name and other.startswith(prefix)
    ]
    problems += [f"{data!r}: over {MAX_DATA} bytes" for data in widest if len(data.encode()) > MAX_DATA]
    if problems:
        raise ValueError("callback data: " + "; ".join(problems))


check_codecs()
