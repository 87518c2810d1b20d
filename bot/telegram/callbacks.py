"""The callback data the bot puts on its buttons: short, opaque, and parsed defensively.

Callback data is written by the client, so every parser here treats it as untrusted input.
"""

import re
from datetime import date, time

CONSENT_ACCEPT = "c:yes"
CONSENT_DECLINE = "c:no"
DATE_CHOICES = "p:home"

_MENU_PREFIX = "m:"
_OPEN_PREFIX = "n:"
_DAYS_BACK_PREFIX = "d:"
_EXACT_DATE_PREFIX = "t:"
_PICKER_PREFIX = "p:"

MENU_PATTERN = re.compile(r"^m:")
DATE_PATTERN = re.compile(r"^[dtp]:")
CONSENT_PATTERN = re.compile(r"^c:")


def menu(screen_id: str) -> str:
    """Return the data of a button that opens a menu screen."""
    return _MENU_PREFIX + screen_id


def days_back(days: int) -> str:
    """Return the data of a quick treatment-date button: today, yesterday, and so on."""
    return f"{_DAYS_BACK_PREFIX}{days}"


def exact_date(day: date) -> str:
    """Return the data of a calendar button for one date."""
    return f"{_EXACT_DATE_PREFIX}{day:%Y%m%d}"


def picker_page(offset: int) -> str:
    """Return the data of a button that shows the calendar starting `offset` days back."""
    return f"{_PICKER_PREFIX}{offset}"


def open_screen(screen_id: str) -> str:
    """Return the data of a button that opens a screen as a new message, keeping the message it sits on.

    For buttons under advice, reminders and other messages that are not a menu: what they say must stay.
    """
    return _OPEN_PREFIX + screen_id


def parse_menu(data: str) -> tuple[str, bool] | None:
    """Return the screen a menu or open-screen button shows, and whether it replaces its message; or None."""
    match = re.fullmatch(r"([mn]):([a-z0-9_]{1,40})", data)
    return (match[2], match[1] + ":" == _MENU_PREFIX) if match else None


def parse_days_back(data: str) -> int | None:
    """Return how many days back a quick date button means, or None."""
    match = re.fullmatch(r"d:(\d{1,2})", data)
    return int(match[1]) if match else None


def parse_exact_date(data: str) -> date | None:
    """Return the date of a calendar button, or None when the data is not a valid date."""
    match = re.fullmatch(r"t:(\d{4})(\d{2})(\d{2})", data)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_picker_page(data: str) -> int | None:
    """Return the offset of a calendar page button, or None."""
    match = re.fullmatch(r"p:(\d{1,3})", data)
    return int(match[1]) if match else None


CHECKIN_AGAIN = "k:again"
CHECKIN_QUESTIONS = "k:questions"  # the warning-sign questions offered after typed words: a new check-in, always
CHECKIN_BACK = "k:back"
CHECKIN_CANCEL = "k:cancel"
CHECKIN_PATTERN = re.compile(r"^(k:|a:checkin$)")
_CHECKIN_ANSWER_PREFIX = "k:"


def action(name: str) -> str:
    """Return the data of a button that starts an action, such as a check-in from the main menu."""
    return f"a:{name}"


CHECKIN_START = action("checkin")


def checkin_answer(question: str, value: str) -> str:
    """Return the data of a check-in answer button."""
    return f"{_CHECKIN_ANSWER_PREFIX}{question}:{value}"


def parse_checkin_answer(data: str) -> tuple[str, str] | None:
    """Return the question and value of a check-in answer button, or None."""
    match = re.fullmatch(r"k:([a-z_]{1,30}):([a-z0-9_.]{1,20})", data)
    return (match[1], match[2]) if match else None


STAFF_PATTERN = re.compile(r"^s:")


def staff_action(verb: str, escalation_id: int) -> str:
    """Return the data of a staff button on an alert: acknowledge ("ack") or resolve ("res")."""
    return f"s:{verb}:{escalation_id}"


def parse_staff_action(data: str) -> tuple[str, int] | None:
    """Return the verb and escalation id of a staff button, or None."""
    match = re.fullmatch(r"s:(ack|res):(\d{1,12})", data)
    return (match[1], int(match[2])) if match else None


SETTINGS_TIME = "o:time"
SETTINGS_RISK = "o:risk"
SETTINGS_PATTERN = re.compile(r"^o:")


def reminder_time(at: time) -> str:
    """Return the data of a reminder-time button."""
    return f"o:at:{at:%H%M}"


def parse_reminder_time(data: str) -> time | None:
    """Return the time of a reminder-time button, or None."""
    match = re.fullmatch(r"o:at:([01]\d|2[0-3])([0-5]\d)", data)
    return time(int(match[1]), int(match[2])) if match else None


def risk(context: str, value: str) -> str:
    """Return the data of a health-condition answer, given in onboarding or in settings."""
    return f"o:risk:{context}:{value}"


def parse_risk(data: str) -> tuple[str, str] | None:
    """Return where a health-condition answer was given and the answer, or None."""
    match = re.fullmatch(r"o:risk:(onboarding|settings):([a-z]{2,8})", data)
    return (match[1], match[2]) if match else None


REMOVE_STAFF_PATTERN = re.compile(r"^sm:")


def remove_staff(user_id: int) -> str:
    """Return the data of a /staff button that removes an invited staff member."""
    return f"sm:rm:{user_id}"


def parse_remove_staff(data: str) -> int | None:
    """Return the user id of a remove-staff button, or None."""
    match = re.fullmatch(r"sm:rm:(\d{1,20})", data)
    return int(match[1]) if match else None


ERASE_CONFIRM = "e:yes"
ERASE_KEEP = "e:no"
ERASE_PATTERN = re.compile(r"^e:")
