"""The catalogue of content keys: every message the handlers send, the values each may use, and how it is checked.

bot.content.packs loads and checks the files against this catalogue. Keys are dotted ("button.back" is `back` in a
`[button]` table). Question ids, answer values, tiers and reason codes come from the domain, so that a new
question or reason cannot ship without its text.
"""

from collections.abc import Mapping
from types import MappingProxyType

from bot.content.validation import MAX_COMMAND, MAX_LABEL, MAX_TOAST, MIN_COMMAND
from bot.domain.checkin import (
    HOT_UNMEASURED,
    MAX_NOTE_LENGTH,
    NO,
    NOT_MEASURED,
    PIMPLE_COUNTS,
    SEVERITIES,
    SKIPPED,
    SPREADING_FAST,
    SPREADING_NO,
    SPREADING_SLOW,
    TEMPERATURE_BANDS,
    TRENDS,
    YES,
    Question,
)
from bot.domain.triage import Reason, Tier, TriageRules

MAIN_SCREEN = "main"
NORMAL_SCREEN = "normal"
REQUIRED_SCREENS = (
    *("main", "why", "normal", "aftercare", "pimples", "tell_apart", "get_help", "contact", "privacy"),
    *("tell_breakout", "tell_milia", "tell_cold_sore", "tell_allergy", "tell_infection", "tell_dark_patches"),
)
# What a menu button may do instead of opening a screen; its callback data is "a:" + the action.
ACTIONS = frozenset({"checkin"})

# The files that hold messages, loaded into one mapping; a key may be in only one of them. The first also
# holds the calendar. A missing key is reported in the file where the catalogue below expects it.
MESSAGE_FILES = ("messages.toml", "checkin.toml", "clinic.toml")
# Telegram's command menu, in this order; commands.<name> describes each.
COMMANDS = ("start", "menu", "help", "checkin", "history", "settings", "stop", "cancel", "mydata", "delete")
TIERS = tuple(tier.code for tier in sorted(Tier, reverse=True))  # emergency first
REASONS = tuple(reason.value for reason in Reason)

MAX_CAPTION = 1024  # a photo's caption
MAX_SHORT = 100  # a plain phrase filled into another message: a tier label, a setting's value, a chart label
MAX_SUMMARY = 300  # history.summary, filled into history.line

_CLINIC = frozenset({"clinic_name", "clinic_phone", "clinic_hours"})
_NONE: frozenset[str] = frozenset()

# The triage thresholds of data/triage.toml, which every text may use, so that no number is written twice. Each
# placeholder is named after its TriageRules field and written for people by a threshold.* text of the pack
# ("{value} °C" gives "38 °C", "day {value}" gives "day 7").
THRESHOLD_FORMATS = ("threshold.temperature", "threshold.pain", "threshold.day")
TRIAGE_PLACEHOLDERS: Mapping[str, str] = MappingProxyType(
    {
        "fever_celsius": "threshold.temperature",  # "38 °C": a temperature at or above this is a fever
        "severe_pain": "threshold.pain",  # "7 out of 10": pain at or above this is same day
        "worsening_from_day": "threshold.day",  # "day 2": getting worse counts from this day on
        "not_improving_from_day": "threshold.day",  # "day 3": not improving counts from this day on
        "lasting_after_day": "threshold.day",  # "day 7": still there on a day after this one is soon
        "pimples_increasing_after_day": "threshold.day",  # "day 3": more pimples after this day is soon
    }
)


def triage_numbers(rules: TriageRules) -> dict[str, str]:
    """Return each threshold placeholder's number as people write it: 38.0 as "38", 38.5 as "38.5"."""
    numbers: dict[str, float | int] = {
        "fever_celsius": rules.fever_celsius,
        "severe_pain": rules.severe_pain,
        "worsening_from_day": rules.worsening_from_day,
        "not_improving_from_day": rules.not_improving_from_day,
        "lasting_after_day": rules.lasting_after_day,
        "pimples_increasing_after_day": rules.pimples_increasing_after_day,
    }
    return {name: f"{number:g}" for name, number in numbers.items()}


# The signs a typed message can mention, each with a plain noun phrase typed.sign.<code> ("pus", "a fever").
TYPED_SIGNS = (
    *("breathing", "eyes", "unwell", "spreading_fast", "spreading_slow", "fever", "fever_temperature"),
    *("fever_hot_unmeasured", "pus", "warmth", "blisters", "pain", "rash", "dark_patches", "pimples"),
    *("pimples_increasing", "redness_worse", "redness_same", "swelling_worse", "swelling_same"),
)


def _keys(prefix: str, names: tuple[str, ...], values: frozenset[str] = _NONE) -> dict[str, frozenset[str]]:
    """Return the keys "<prefix>.<name>" for some names, each allowed the same values."""
    return {f"{prefix}.{name}": values for name in names}


def _plain(*keys: str) -> dict[str, frozenset[str]]:
    """Return keys that use no values."""
    return dict.fromkeys(keys, _NONE)


_CORE_BUTTONS = (
    *("consent_accept", "consent_decline", "date_today", "date_yesterday", "date_2_days", "date_3_days"),
    *("date_other", "date_earlier", "date_later", "back", "main_menu", "open_menu", "get_help"),
)
_CORE: dict[str, frozenset[str]] = {
    "welcome": frozenset({"clinic_name"}),
    "date_confirmed": frozenset({"date", "day"}),
    "date_too_old": frozenset({"max_days"}),
    "welcome_back": frozenset({"day"}),
    "media": frozenset({"clinic_phone"}),
    **_plain("consent", "consent_declined", "consent_already", "ask_treatment_date", "ask_treatment_date_resume"),
    **_plain("pick_date", "date_in_future", "date_not_understood", "free_text", "unknown_command"),
    **_plain("edited", "stale_button", "group_only", "error_apology", "help"),
    "flood_notice": frozenset({"seconds"}),  # flood control: once per flood, to a user sending too fast
    **_keys("button", _CORE_BUTTONS),
    **_keys("commands", COMMANDS[:3]),
    # /mydata and /delete: the patient's rights over their data
    "account.summary": frozenset({"since", "treatment_date", "checkins", "escalations", "messages"}),
    **_plain("account.file_caption", "account.nothing", "account.delete_confirm", "account.deleted"),
    **_plain("account.delete_kept", "button.delete_confirm", "button.delete_keep"),
    **_keys("commands", COMMANDS[8:]),
    # how the triage thresholds are written: plain text, {value} is the number
    **_keys("threshold", tuple(key.removeprefix("threshold.") for key in THRESHOLD_FORMATS), frozenset({"value"})),
    # replies to typed messages: the signs the reader found, and what a self-care or unsure reading says
    "typed.mentioned": frozenset({"signs"}),  # {signs}: typed.sign.* phrases joined with ", " and " and "
    **_keys("typed.sign", TYPED_SIGNS),
    "typed.sign.fever_temperature": frozenset({"temperature"}),
    "typed.sign.pain": frozenset({"pain"}),
    "typed.self_care": frozenset({"day_text"}),  # {day_text}: normal_by_day's text for the day, as SafeHtml
    "typed.unsure": _NONE,
    "typed.and": _NONE,
    "typed.clinic_notified": _NONE,
}

_CHECKIN_BUTTONS = (
    *("checkin_now", "checkin_again", "quick_questions", "skip", "cancel_checkin", "yes", "no", "prefer_not"),
    *("settings_time", "settings_risk", "done", "acknowledge", "resolve"),
)
# Answer labels: the family of each kind of answer and the values its buttons carry ("38.0" is "38_0").
ANSWER_LABELS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "spreading": (SPREADING_NO, SPREADING_SLOW, SPREADING_FAST),
        "fever": (NO, YES, HOT_UNMEASURED, NOT_MEASURED),
        "temperature": (*(band.replace(".", "_") for band in TEMPERATURE_BANDS), SKIPPED),
        "severity": SEVERITIES,
        "trend": TRENDS,
        "pimples": PIMPLE_COUNTS,
    }
)
_STAFF_ALERT = frozenset({"tier_label", "name", "handle", "day", "date", "reasons", "escalation_id"})
_TALLY = frozenset({"broadcast_id", "recipients", "sent_count", "unconfirmed_count", "blocked_count", "failed_count"})
_CHECKIN: dict[str, frozenset[str]] = {
    **_keys("questions", tuple(question.value for question in Question)),
    "checkin.header": frozenset({"day", "step", "total"}),
    "checkin.intro": frozenset({"day"}),
    "checkin.done_today": frozenset({"day"}),
    "checkin.note_too_long": frozenset({"max"}),
    "checkin.expired": frozenset({"day"}),
    **_keys("checkin", ("resumed", "cancelled", "nothing_to_cancel", "not_onboarded", "use_buttons")),
    **_keys("checkin", ("temperature_not_understood", "done_today_result")),
    "checkin.same_day_so_far": frozenset({"clinic_phone"}),
    **{f"triage.{tier}.title": _NONE for tier in TIERS},
    "triage.emergency.what_now": frozenset({"clinic_phone"}),
    "triage.same_day.what_now": frozenset({"clinic_phone", "clinic_hours"}),
    "triage.soon.what_now": frozenset({"clinic_phone", "clinic_hours"}),
    "triage.self_care.what_now": _NONE,
    "triage.clinic_open": frozenset({"clinic_phone"}),
    "triage.clinic_closed": frozenset({"clinic_hours"}),
    **_keys("triage", ("why", "fever_not_measured", "clinic_notified", "clinic_acknowledged", "if_worse")),
    **_keys("reasons", REASONS),
    "staff.alert": _STAFF_ALERT,
    **_keys("staff.tier", TIERS),
    **_keys("staff.reason", REASONS),
    "staff.status.open": _NONE,
    **_keys("staff.status", ("acknowledged", "resolved"), frozenset({"staff", "time"})),
    "staff.resend": frozenset({"escalation_id", "minutes"}),
    **_keys("staff", ("not_staff", "already", "no_handle")),
    "staff.note": frozenset({"note"}),
    "staff.typed": frozenset({"words"}),  # the patient's typed words, under an alert raised from typed text
    **_keys("staff.source", ("typed", "checkin")),
    "reminders.daily": frozenset({"day"}),
    "reminders.nudge": _NONE,
    "settings.menu": frozenset({"reminder_time", "risk", "reminders"}),
    **_keys("settings.risk", ("yes", "no", "unknown")),
    **_keys("settings.reminders", ("on", "off")),
    "settings.time_saved": frozenset({"reminder_time"}),
    **_keys("settings", ("pick_time", "risk_question", "risk_saved")),
    **_keys("stop", ("done", "resumed")),
    **_keys("button", _CHECKIN_BUTTONS),
    **{f"answers.{family}.{value}": _NONE for family, values in ANSWER_LABELS.items() for value in values},
    "history.empty": _NONE,
    "history.heading": frozenset({"day"}),
    "history.line": frozenset({"day", "date", "summary"}),
    "history.summary": frozenset({"redness", "swelling", "pimples", "pain"}),
    "history.alert": frozenset({"tier_label"}),
    **_keys("history", ("partial", "unknown", "chart_caption")),
    **_keys("history.chart", ("title", "day_axis", "redness", "swelling", "pimples", "pain", "alert")),
    **_keys("commands", COMMANDS[3:8]),
}
# What clinic staff read (clinic.toml): staff access, broadcasts, the clinic's views and exports, and the
# automated aftercare sequence that patients get. One section per feature.
STAFF_COMMANDS = ("alerts", "patient", "stats", "export", "broadcast", "broadcasts", "invite", "staff")
_CLINIC_SIDE: dict[str, frozenset[str]] = {
    # --- staff access ---
    **_keys("staff_commands", STAFF_COMMANDS),
    "staff.invite_created": frozenset({"link", "hours"}),
    **_keys("staff", ("invite_welcome", "invite_invalid", "admins_only", "list_empty")),
    "staff.list": frozenset({"admins", "members"}),
    "staff.member_line": frozenset({"user_id", "added"}),
    "staff.removed": frozenset({"user_id"}),
    "staff.not_found": frozenset({"user_id"}),
    "button.remove_staff": frozenset({"user_id"}),
    "staff.error": frozenset({"error_id", "error_type"}),
    # --- broadcasts ---
    **_plain("broadcast.ask_message", "broadcast.resumed", "broadcast.message_unsupported", "broadcast.ask_audience"),
    **_plain(
        "broadcast.no_recipients", "broadcast.preview_failed", "broadcast.use_buttons", "broadcast.cancelled_draft"
    ),
    **_plain("broadcast.list_empty", "broadcast.invalid.format", "broadcast.invalid.order", "broadcast.invalid.future"),
    **_plain("broadcast.send_time_invalid.format", "broadcast.send_time_invalid.past"),
    **_keys("broadcast", ("invalid.too_large", "send_time_invalid.too_far"), frozenset({"max_days"})),
    "broadcast.confirm": frozenset({"recipients", "audience"}),
    "broadcast.ask_send_time": frozenset({"clinic_timezone"}),
    "broadcast.scheduled": frozenset({"broadcast_id", "send_time", "audience"}),
    "broadcast.cancelled": frozenset({"broadcast_id"}),
    "broadcast.progress": frozenset({*_TALLY, "done_count"}),
    "broadcast.report": frozenset({*_TALLY, "duration"}),
    "broadcast.report_cancelled": frozenset({*_TALLY, "duration", "pending_count"}),
    "broadcast.list": frozenset({"broadcast_lines"}),
    "broadcast.line": frozenset(
        {"broadcast_id", "recipients", "sent_count", "blocked_count", "failed_count", "broadcast_status", "send_time"}
    ),
    "broadcast.line_scheduled": frozenset({"broadcast_id", "send_time", "audience"}),
    **_keys("broadcast.status", ("scheduled", "sending", "done", "cancelled")),
    "broadcast.audience.all": _NONE,
    "broadcast.audience.recent": frozenset({"day_count", "from_date", "to_date"}),
    "broadcast.audience.days": frozenset({"from_day", "to_day", "from_date", "to_date"}),
    "broadcast.audience.dates": frozenset({"from_date", "to_date"}),
    "broadcast.duration.seconds": frozenset({"seconds"}),
    "broadcast.duration.minutes": frozenset({"minutes", "seconds"}),
    "broadcast.duration.hours": frozenset({"hours", "minutes"}),
    **_keys("broadcast.button", ("all", "recent_7", "recent_30", "days_0_3", "days_4_14", "send_now", "schedule")),
    **_keys("broadcast.button", ("cancel", "in_one_hour", "tomorrow", "cancel_sending")),
    "broadcast.button.cancel_numbered": frozenset({"broadcast_id"}),
    **_keys("broadcast.toast", ("gone", "stale", "over", "cancelled")),
    # --- clinic views and exports ---
    **_plain("report.alerts_none", "report.patient_usage", "report.checkins_none", "report.escalations_none"),
    **_plain("report.not_set", "report.open_none", "report.adherence_none"),
    **_plain("report.export_choose", "report.export_bad_range"),
    **_keys("report.messages", ("on", "stopped", "unreachable")),
    **_keys("report.status", ("open", "acknowledged", "resolved")),
    **_keys("report.button", ("export_7", "export_30", "export_all")),
    "report.alerts_heading": frozenset({"open_count"}),
    "report.alerts_more": frozenset({"shown", "hidden"}),
    "report.alert_patient": frozenset({"user_id"}),
    "report.patient_unknown": frozenset({"query"}),
    "report.facts": frozenset(
        {"user_id", "handle", "recovery_day", "treated_on", "patient_language", "patient_reminder", "patient_messages"}
    ),
    "report.default_reminder": frozenset({"time"}),
    "report.checkins_heading": frozenset({"checkin_count"}),
    "report.checkins_earlier": frozenset({"earlier"}),
    "report.escalations_heading": frozenset({"escalation_count"}),
    "report.escalation_line": frozenset({"escalation_id", "date", "tier_label", "alert_status"}),
    "report.chart_caption": frozenset({"user_id"}),
    "report.stats": frozenset(
        {"date", "patients_active", "patients_in_window", "last_day", "first_date", "last_date", "adherence"}
        | {"open_alerts", "broadcasts_sent", "patients_unreachable"}
    ),
    "report.adherence": frozenset({"adherence_percent", "checkins_received", "checkins_expected"}),
    "report.tier_count": frozenset({"tier_label", "tier_count"}),
    "report.period": frozenset({"first_date", "last_date"}),
    "report.period_all": frozenset({"last_date"}),
    **_keys("report", ("export_checkins", "export_escalations"), frozenset({"period", "row_count"})),
    # --- aftercare sequence ---
    **_keys("sequence", ("day0_evening", "day1", "day3", "day7", "day14"), _CLINIC),
}
# Every message the handlers send, and the values they fill in: a text may use those and no others.
MESSAGE_PLACEHOLDERS: Mapping[str, frozenset[str]] = MappingProxyType({**_CORE, **_CHECKIN, **_CLINIC_SIDE})
# Values a text must use, because it says nothing without them.
REQUIRED_PLACEHOLDERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "checkin.header": frozenset({"day", "step"}),
        "checkin.note_too_long": frozenset({"max"}),
        "triage.clinic_open": frozenset({"clinic_phone"}),
        "triage.same_day.what_now": frozenset({"clinic_phone"}),
        "triage.soon.what_now": frozenset({"clinic_phone"}),
        "staff.alert": _STAFF_ALERT,
        "staff.resend": frozenset({"escalation_id"}),
        "staff.note": frozenset({"note"}),
        "staff.typed": frozenset({"words"}),
        **dict.fromkeys(THRESHOLD_FORMATS, frozenset({"value"})),
        "typed.mentioned": frozenset({"signs"}),
        "typed.sign.fever_temperature": frozenset({"temperature"}),
        "typed.sign.pain": frozenset({"pain"}),
        "typed.self_care": frozenset({"day_text"}),
        "history.line": frozenset({"day", "summary"}),
        "history.summary": frozenset({"redness", "swelling", "pimples", "pain"}),
        "history.alert": frozenset({"tier_label"}),
        "settings.menu": frozenset({"reminder_time", "risk", "reminders"}),
        "settings.time_saved": frozenset({"reminder_time"}),
        "staff.invite_created": frozenset({"link"}),
        "account.summary": frozenset({"checkins", "escalations"}),
        # --- required values of the clinic side ---
        "broadcast.confirm": frozenset({"recipients", "audience"}),
        "broadcast.scheduled": frozenset({"broadcast_id", "send_time"}),
        "broadcast.progress": frozenset({*_TALLY, "done_count"}),
        "broadcast.report": frozenset({*_TALLY, "duration"}),
        "broadcast.report_cancelled": frozenset({*_TALLY, "duration", "pending_count"}),
        "broadcast.list": frozenset({"broadcast_lines"}),
        "broadcast.line": frozenset(
            {
                "broadcast_id",
                "recipients",
                "sent_count",
                "blocked_count",
                "failed_count",
                "broadcast_status",
                "send_time",
            }
        ),
        "broadcast.line_scheduled": frozenset({"broadcast_id", "send_time", "audience"}),
        "broadcast.audience.recent": frozenset({"day_count"}),
        "broadcast.audience.days": frozenset({"from_day", "to_day"}),
        "broadcast.audience.dates": frozenset({"from_date", "to_date"}),
        "broadcast.duration.seconds": frozenset({"seconds"}),
        "broadcast.duration.minutes": frozenset({"minutes", "seconds"}),
        "broadcast.duration.hours": frozenset({"hours", "minutes"}),
        "broadcast.button.cancel_numbered": frozenset({"broadcast_id"}),
        "report.alerts_heading": frozenset({"open_count"}),
        "report.alerts_more": frozenset({"hidden"}),
        "report.alert_patient": frozenset({"user_id"}),
        "report.facts": frozenset({"user_id", "recovery_day", "treated_on", "patient_reminder", "patient_messages"}),
        "report.escalation_line": frozenset({"escalation_id", "tier_label", "alert_status"}),
        "report.stats": frozenset(
            {"patients_active", "patients_in_window", "adherence", "open_alerts", "broadcasts_sent"}
            | {"patients_unreachable"}
        ),
        "report.adherence": frozenset({"adherence_percent", "checkins_received", "checkins_expected"}),
        "report.tier_count": frozenset({"tier_label", "tier_count"}),
        "report.period": frozenset({"first_date", "last_date"}),
        "report.period_all": frozenset({"last_date"}),
        "report.export_checkins": frozenset({"period", "row_count"}),
        "report.export_escalations": frozenset({"period", "row_count"}),
        "sequence.day7": frozenset({"clinic_phone"}),  # it says when to call
        "sequence.day1": frozenset({"clinic_phone"}),  # it says to call about pus or a fever
        "sequence.day3": frozenset({"clinic_phone"}),
    }
)
# The values any other message in the files may use (a message that no handler sends yet).
OTHER_MESSAGE = _CLINIC | {"day", "date", "max_days"}
# Messages that are lists of words rather than one text, and how many words each has.
WORD_LISTS: Mapping[str, int] = MappingProxyType({"history.chart.severity": len(SEVERITIES)})


def home_file(key: str) -> str:
    """Return the file where a message of the catalogue belongs: messages.toml, checkin.toml or clinic.toml."""
    if key in _CLINIC_SIDE:
        return MESSAGE_FILES[2]
    return MESSAGE_FILES[1] if key in _CHECKIN or key in WORD_LISTS else MESSAGE_FILES[0]


TOASTS = frozenset({"consent_already", "stale_button", "staff.not_staff", "staff.already"})
CAPTIONS: Mapping[str, int] = MappingProxyType(
    {"history.chart_caption": MAX_CAPTION, "account.file_caption": MAX_CAPTION}
)
# Plain-text messages (Telegram shows them as they are, or they are filled into other messages and escaped)
# and their length limits, by key or by "family." prefix; the rest are Telegram HTML.
PLAIN_LIMITS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "button.": (1, MAX_LABEL),
        "answers.": (1, MAX_LABEL),
        "commands.": (MIN_COMMAND, MAX_COMMAND),
        **dict.fromkeys(TOASTS, (1, MAX_TOAST)),
        **dict.fromkeys(("staff.tier.", "staff.reason.", "staff.no_handle"), (1, MAX_SHORT)),
        **dict.fromkeys(("threshold.", "typed.sign.", "typed.and"), (1, MAX_SHORT)),
        **dict.fromkeys(("settings.risk.", "settings.reminders.", "history.chart."), (1, MAX_SHORT)),
        "history.unknown": (1, MAX_LABEL),
        "history.summary": (1, MAX_SUMMARY),
        "staff_commands.": (MIN_COMMAND, MAX_COMMAND),
        # --- plain-text limits of the clinic side ---
        "broadcast.button.": (1, MAX_LABEL),
        "broadcast.toast.": (1, MAX_TOAST),
        **dict.fromkeys(("broadcast.status.", "broadcast.duration."), (1, MAX_SHORT)),
        "broadcast.audience.": (1, 2 * MAX_SHORT),
        **dict.fromkeys(("broadcast.line", "broadcast.line_scheduled"), (1, 4 * MAX_SHORT)),  # filled into .list
        "report.button.": (1, MAX_LABEL),
        **dict.fromkeys(("report.status.", "report.messages.", "report.not_set", "report.open_none"), (1, MAX_SHORT)),
        **dict.fromkeys(("report.default_reminder", "report.adherence", "report.adherence_none"), (1, MAX_SHORT)),
        **dict.fromkeys(("report.period", "report.period_all", "report.tier_count"), (1, 2 * MAX_SHORT)),
        **dict.fromkeys(
            ("report.chart_caption", "report.export_checkins", "report.export_escalations"), (1, MAX_CAPTION)
        ),
    }
)


def plain_limits(key: str) -> tuple[int, int] | None:
    """Return the length limits of a plain-text message, by its own key or its nearest family; None for HTML."""
    if key in PLAIN_LIMITS:
        return PLAIN_LIMITS[key]
    parts = key.split(".")
    families = (".".join(parts[:end]) + "." for end in range(len(parts) - 1, 0, -1))
    return next((PLAIN_LIMITS[family] for family in families if family in PLAIN_LIMITS), None)


def _wide(length: int) -> str:
    """Return a value of a given length, to check a text with the longest value a handler may fill in."""
    return "W" * length


# The longest value a handler may fill in for each placeholder, except the date, which the calendar decides.
WORST_VALUES: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(_CLINIC, _wide(100)),  # the longest clinic name, phone or hours the settings allow
        "day": "999",  # the widest day number a patient can be on
        "max_days": "9999",
        "step": "99",
        "total": "99",
        "max": "9999",
        "minutes": "99999",
        "escalation_id": "9" * 12,
        "name": _wide(100),
        "handle": _wide(100),
        "reasons": _wide(1500),
        "note": _wide(1000),
        "words": _wide(MAX_NOTE_LENGTH),  # the lead cuts a typed message to this many characters for the alert
        "signs": _wide(2000),
        "temperature": _wide(8),
        "day_text": _wide(2000),  # also checked with each text of normal_by_day.toml
        "value": "99.9",
        "tier_label": _wide(MAX_SHORT),
        "staff": _wide(100),
        "time": "23:59",
        "reminder_time": "23:59",
        "risk": _wide(MAX_SHORT),
        "reminders": _wide(MAX_SHORT),
        **dict.fromkeys(("redness", "swelling", "pimples", "pain"), _wide(MAX_LABEL)),  # answer labels
        "summary": _wide(MAX_SUMMARY),
        "since": _wide(20),
        "treatment_date": _wide(20),
        "checkins": "99999",
        "escalations": "99999",
        "messages": "99999",
        "link": "https://t.me/" + _wide(32) + "?start=" + _wide(64),
        "error_id": "ffffffff",
        "error_type": _wide(60),
        "hours": "99",
        "user_id": "9" * 20,
        "added": _wide(30),
        "admins": _wide(600),
        "members": _wide(2000),
        # --- worst-case values of the clinic side ---
        "broadcast_id": "9" * 12,
        **dict.fromkeys(
            ("recipients", "done_count", "sent_count", "unconfirmed_count", "blocked_count", "failed_count"), "9" * 7
        ),
        "pending_count": "9" * 7,
        **dict.fromkeys(("day_count", "from_day", "to_day"), "999"),
        **dict.fromkeys(("from_date", "to_date"), _wide(MAX_LABEL)),  # a date in the calendar's format
        "audience": _wide(2 * MAX_SHORT),
        "duration": _wide(MAX_SHORT),
        "seconds": "59",
        "clinic_timezone": _wide(64),  # an IANA zone name
        "send_time": _wide(MAX_LABEL + 6),  # a date and " HH:MM"
        "broadcast_status": _wide(MAX_SHORT),
        "broadcast_lines": _wide(3500),  # bot.handlers.broadcast.MAX_LIST
        **dict.fromkeys(("open_count", "hidden", "checkin_count", "earlier", "escalation_count"), "9999999"),
        **dict.fromkeys(("patients_active", "patients_in_window", "patients_unreachable"), "9999999"),
        **dict.fromkeys(("broadcasts_sent", "checkins_received", "checkins_expected", "row_count"), "9999999"),
        **dict.fromkeys(("shown", "last_day"), "99"),
        "adherence_percent": "100",
        "tier_count": "9999999",
        "query": _wide(40),  # bot.handlers.clinic.MAX_QUERY
        **dict.fromkeys(("recovery_day", "treated_on", "patient_language", "patient_reminder"), _wide(MAX_SHORT)),
        "patient_messages": _wide(2 * MAX_SHORT + 2),  # "stopped, unreachable"
        **dict.fromkeys(("alert_status", "adherence"), _wide(MAX_SHORT)),
        **dict.fromkeys(("first_date", "last_date"), _wide(40)),  # a date in the calendar's format, or ISO
        "period": _wide(2 * MAX_SHORT),
        "open_alerts": _wide(10 + 4 * (2 * MAX_SHORT + 1)),  # the total, then a line per tier
    }
)
