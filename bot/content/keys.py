"""The catalogue of content keys: every message the code sends, the values each may use, and how it is checked.

The keys are one list, as Literal types the type checker holds the code to: pack.text("checkin.intor") fails mypy.
A key built from a value (a reason code, a tier) comes from a declared family, member("reasons.{}", code), whose
values come from the domain and are checked at import, so that a new question or reason cannot ship without its
text. bot.content.packs loads and checks the files against this catalogue at start-up. Keys are dotted
("button.back" is `back` in a `[button]` table).
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, NewType, TypeAlias, get_args

from bot.content.validation import MAX_COMMAND, MAX_LABEL, MAX_TOAST, MIN_COMMAND
from bot.domain.audience import AudienceProblem, SendTimeProblem
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
from bot.domain.records import EscalationStatus
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

# --- The one list of content keys. ---
# Every message the bot sends, by the file it belongs in. The type checker holds the code to this list: pack.text()
# takes only these keys, so a misspelt key fails mypy, not a patient. A key built at run time from a value (a
# reason code, a tier) is made by member() from a declared family below, whose values come from the domain and
# are checked at import. Adding a message: add its key here, its text to the file, its values to _VALUES.
MessagesKey: TypeAlias = Literal[
    "welcome",
    "date_confirmed",
    "date_too_old",
    "welcome_back",
    "media",
    "consent",
    "consent_declined",
    "consent_already",
    "ask_treatment_date",
    "ask_treatment_date_resume",
    "pick_date",
    "date_in_future",
    "date_not_understood",
    "free_text",
    "unknown_command",
    "edited",
    "stale_button",
    "group_only",
    "error_apology",
    "help",
    "flood_notice",
    "button.consent_accept",
    "button.consent_decline",
    "button.date_today",
    "button.date_yesterday",
    "button.date_2_days",
    "button.date_3_days",
    "button.date_other",
    "button.date_earlier",
    "button.date_later",
    "button.back",
    "button.main_menu",
    "button.language",
    "button.open_menu",
    "button.get_help",
    "commands.start",
    "commands.menu",
    "commands.help",
    "account.summary",
    "account.file_caption",
    "account.nothing",
    "account.delete_confirm",
    "account.deleted",
    "account.delete_kept",
    "button.delete_confirm",
    "button.delete_keep",
    "commands.mydata",
    "commands.delete",
    "threshold.temperature",
    "threshold.pain",
    "threshold.day",
    "threshold.decimal_mark",
    "typed.mentioned",
    "typed.sign.breathing",
    "typed.sign.eyes",
    "typed.sign.unwell",
    "typed.sign.spreading_fast",
    "typed.sign.spreading_slow",
    "typed.sign.fever",
    "typed.sign.fever_temperature",
    "typed.sign.fever_hot_unmeasured",
    "typed.sign.pus",
    "typed.sign.warmth",
    "typed.sign.blisters",
    "typed.sign.pain",
    "typed.sign.rash",
    "typed.sign.dark_patches",
    "typed.sign.pimples",
    "typed.sign.pimples_increasing",
    "typed.sign.redness_worse",
    "typed.sign.redness_same",
    "typed.sign.swelling_worse",
    "typed.sign.swelling_same",
    "typed.self_care",
    "typed.unsure",
    "typed.and",
    "typed.clinic_notified",
]  # messages.toml (which also holds the calendar)
CheckinKey: TypeAlias = Literal[
    "questions.breathing",
    "questions.eyes",
    "questions.unwell",
    "questions.spreading",
    "questions.fever",
    "questions.temperature",
    "questions.pus",
    "questions.warmth",
    "questions.blisters",
    "questions.pain",
    "questions.redness",
    "questions.redness_trend",
    "questions.swelling",
    "questions.swelling_trend",
    "questions.pimples",
    "questions.pimples_increasing",
    "questions.rash",
    "questions.dark_patches",
    "questions.photo",
    "questions.note",
    "checkin.header",
    "checkin.intro",
    "checkin.done_today",
    "checkin.note_too_long",
    "checkin.expired",
    "checkin.resumed",
    "checkin.cancelled",
    "checkin.nothing_to_cancel",
    "checkin.not_onboarded",
    "checkin.use_buttons",
    "checkin.temperature_not_understood",
    "checkin.done_today_result",
    "checkin.same_day_so_far",
    "triage.emergency.title",
    "triage.same_day.title",
    "triage.soon.title",
    "triage.self_care.title",
    "triage.emergency.what_now",
    "triage.same_day.what_now",
    "triage.soon.what_now",
    "triage.self_care.what_now",
    "triage.clinic_open",
    "triage.clinic_closed",
    "triage.why",
    "triage.fever_not_measured",
    "triage.clinic_notified",
    "triage.clinic_acknowledged",
    "triage.if_worse",
    "reasons.breathing",
    "reasons.eyes",
    "reasons.very_unwell",
    "reasons.streaks",
    "reasons.fever_with_skin_sign",
    "reasons.pus",
    "reasons.spreading",
    "reasons.worsening",
    "reasons.severe_pain",
    "reasons.blisters",
    "reasons.fever",
    "reasons.pimples_lasting",
    "reasons.pimples_increasing",
    "reasons.not_improving",
    "reasons.redness_lasting",
    "reasons.rash",
    "reasons.dark_patches",
    "reasons.at_risk",
    "reasons.worsening_trend",
    "staff.alert",
    "staff.tier.emergency",
    "staff.tier.same_day",
    "staff.tier.soon",
    "staff.tier.self_care",
    "staff.reason.breathing",
    "staff.reason.eyes",
    "staff.reason.very_unwell",
    "staff.reason.streaks",
    "staff.reason.fever_with_skin_sign",
    "staff.reason.pus",
    "staff.reason.spreading",
    "staff.reason.worsening",
    "staff.reason.severe_pain",
    "staff.reason.blisters",
    "staff.reason.fever",
    "staff.reason.pimples_lasting",
    "staff.reason.pimples_increasing",
    "staff.reason.not_improving",
    "staff.reason.redness_lasting",
    "staff.reason.rash",
    "staff.reason.dark_patches",
    "staff.reason.at_risk",
    "staff.reason.worsening_trend",
    "staff.status.open",
    "staff.status.acknowledged",
    "staff.status.resolved",
    "staff.resend",
    "staff.not_staff",
    "staff.already",
    "staff.no_handle",
    "staff.note",
    "staff.typed",
    "staff.source.typed",
    "staff.source.checkin",
    "reminders.daily",
    "reminders.nudge",
    "settings.menu",
    "settings.risk.yes",
    "settings.risk.no",
    "settings.risk.unknown",
    "settings.reminders.on",
    "settings.reminders.off",
    "settings.time_saved",
    "settings.pick_time",
    "settings.risk_question",
    "settings.risk_saved",
    "settings.language_saved",
    "stop.done",
    "stop.resumed",
    "button.checkin_now",
    "button.checkin_again",
    "button.quick_questions",
    "button.skip",
    "button.cancel_checkin",
    "button.yes",
    "button.no",
    "button.prefer_not",
    "button.settings_time",
    "button.settings_risk",
    "button.done",
    "button.acknowledge",
    "button.resolve",
    "answers.spreading.no",
    "answers.spreading.slow",
    "answers.spreading.fast",
    "answers.fever.no",
    "answers.fever.yes",
    "answers.fever.hot_unmeasured",
    "answers.fever.not_measured",
    "answers.temperature.37_5",
    "answers.temperature.38_0",
    "answers.temperature.38_5",
    "answers.temperature.39_0",
    "answers.temperature.40_0",
    "answers.temperature.skipped",
    "answers.severity.none",
    "answers.severity.mild",
    "answers.severity.moderate",
    "answers.severity.severe",
    "answers.trend.better",
    "answers.trend.same",
    "answers.trend.worse",
    "answers.pimples.none",
    "answers.pimples.few",
    "answers.pimples.many",
    "history.empty",
    "history.heading",
    "history.line",
    "history.summary",
    "history.alert",
    "history.partial",
    "history.unknown",
    "history.chart_caption",
    "history.chart.title",
    "history.chart.day_axis",
    "history.chart.redness",
    "history.chart.swelling",
    "history.chart.pimples",
    "history.chart.pain",
    "history.chart.alert",
    "commands.checkin",
    "commands.history",
    "commands.settings",
    "commands.stop",
    "commands.cancel",
]  # checkin.toml
ClinicKey: TypeAlias = Literal[
    "staff_commands.alerts",
    "staff_commands.patient",
    "staff_commands.stats",
    "staff_commands.export",
    "staff_commands.broadcast",
    "staff_commands.broadcasts",
    "staff_commands.invite",
    "staff_commands.staff",
    "staff.invite_created",
    "staff.invite_welcome",
    "staff.invite_invalid",
    "staff.admins_only",
    "staff.list_empty",
    "staff.list",
    "staff.member_line",
    "staff.removed",
    "staff.not_found",
    "button.remove_staff",
    "staff.error",
    "broadcast.ask_message",
    "broadcast.resumed",
    "broadcast.message_unsupported",
    "broadcast.ask_audience",
    "broadcast.no_recipients",
    "broadcast.preview_failed",
    "broadcast.use_buttons",
    "broadcast.cancelled_draft",
    "broadcast.list_empty",
    "broadcast.invalid.format",
    "broadcast.invalid.order",
    "broadcast.invalid.future",
    "broadcast.send_time_invalid.format",
    "broadcast.send_time_invalid.past",
    "broadcast.invalid.too_large",
    "broadcast.send_time_invalid.too_far",
    "broadcast.confirm",
    "broadcast.ask_translation",
    "broadcast.button.skip_translation",
    "broadcast.other_languages",
    "broadcast.ask_send_time",
    "broadcast.scheduled",
    "broadcast.cancelled",
    "broadcast.progress",
    "broadcast.report",
    "broadcast.report_cancelled",
    "broadcast.list",
    "broadcast.line",
    "broadcast.line_scheduled",
    "broadcast.status.scheduled",
    "broadcast.status.sending",
    "broadcast.status.done",
    "broadcast.status.cancelled",
    "broadcast.audience.all",
    "broadcast.audience.recent",
    "broadcast.audience.days",
    "broadcast.audience.dates",
    "broadcast.duration.seconds",
    "broadcast.duration.minutes",
    "broadcast.duration.hours",
    "broadcast.button.all",
    "broadcast.button.recent_7",
    "broadcast.button.recent_30",
    "broadcast.button.days_0_3",
    "broadcast.button.days_4_14",
    "broadcast.button.send_now",
    "broadcast.button.schedule",
    "broadcast.button.cancel",
    "broadcast.button.in_one_hour",
    "broadcast.button.tomorrow",
    "broadcast.button.cancel_sending",
    "broadcast.button.cancel_numbered",
    "broadcast.toast.gone",
    "broadcast.toast.stale",
    "broadcast.toast.over",
    "broadcast.toast.cancelled",
    "report.alerts_none",
    "report.patient_usage",
    "report.checkins_none",
    "report.escalations_none",
    "report.not_set",
    "report.open_none",
    "report.adherence_none",
    "report.export_choose",
    "report.export_bad_range",
    "report.messages.on",
    "report.messages.stopped",
    "report.messages.unreachable",
    "report.status.open",
    "report.status.acknowledged",
    "report.status.resolved",
    "report.button.export_7",
    "report.button.export_30",
    "report.button.export_all",
    "report.alerts_heading",
    "report.alerts_more",
    "report.alert_patient",
    "report.patient_unknown",
    "report.facts",
    "report.default_reminder",
    "report.checkins_heading",
    "report.checkins_earlier",
    "report.escalations_heading",
    "report.escalation_line",
    "report.chart_caption",
    "report.stats",
    "report.adherence",
    "report.tier_count",
    "report.period",
    "report.period_all",
    "report.export_checkins",
    "report.export_escalations",
    "sequence.day0_evening",
    "sequence.day1",
    "sequence.day3",
    "sequence.day7",
    "sequence.day14",
]  # clinic.toml: what clinic staff read (staff access, broadcasts, views and exports) and the aftercare sequence
Key: TypeAlias = MessagesKey | CheckinKey | ClinicKey
# A text of the aftercare sequence named in data/sequence.toml: a clinic may add a step and its text without code,
# so these keys are data, checked at start-up against every pack by bot.content.sequence_rules.
SequenceKey = NewType("SequenceKey", str)
# The buttons' names, for pack.label("back"): each is the key "button.<name>" of the list above.
ButtonName: TypeAlias = Literal[
    "consent_accept",
    "consent_decline",
    "date_today",
    "date_yesterday",
    "date_2_days",
    "date_3_days",
    "date_other",
    "date_earlier",
    "date_later",
    "back",
    "main_menu",
    "language",
    "open_menu",
    "get_help",
    "delete_confirm",
    "delete_keep",
    "checkin_now",
    "checkin_again",
    "quick_questions",
    "skip",
    "cancel_checkin",
    "yes",
    "no",
    "prefer_not",
    "settings_time",
    "settings_risk",
    "done",
    "acknowledge",
    "resolve",
    "remove_staff",
]

_FILE_OF: Mapping[str, str] = MappingProxyType(
    {
        key: file
        for keys, file in zip((MessagesKey, CheckinKey, ClinicKey), MESSAGE_FILES, strict=True)
        for key in get_args(keys)
    }
)
KEYS: Mapping[str, Key] = MappingProxyType(
    {key: key for keys in (MessagesKey, CheckinKey, ClinicKey) for key in get_args(keys)}
)

# The triage thresholds of data/triage.toml, which every text may use, so that no number is written twice. Each
# placeholder is named after its TriageRules field and written for people by a threshold.* text of the pack
# ("{value} °C" gives "38 °C", "day {value}" gives "day 7").
THRESHOLD_FORMATS: tuple[Key, ...] = (
    "threshold.temperature",
    "threshold.pain",
    "threshold.day",
    "threshold.decimal_mark",
)
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
STAFF_COMMANDS = ("alerts", "patient", "stats", "export", "broadcast", "broadcasts", "invite", "staff")
ESCALATION_STATUSES = tuple(status.value for status in EscalationStatus)
BROADCAST_STATUSES = ("scheduled", "sending", "done", "cancelled")  # what staff see of a broadcast (not drafts)
EXPORT_PERIODS = ("7", "30", "all")  # the /export buttons
EXPORT_KINDS = ("checkins", "escalations")  # the two CSV files of /export

# Families: keys the code builds from a value, "staff.reason.{}" with a reason code. Each family lists the values
# it is built from (from the domain where they live there); every member must be a key of the list above.
Family: TypeAlias = Literal[
    "questions.{}",
    "triage.{}.title",
    "triage.{}.what_now",
    "reasons.{}",
    "staff.reason.{}",
    "staff.tier.{}",
    "staff.status.{}",
    "typed.sign.{}",
    "answers.spreading.{}",
    "answers.fever.{}",
    "answers.temperature.{}",
    "answers.severity.{}",
    "answers.trend.{}",
    "answers.pimples.{}",
    "commands.{}",
    "staff_commands.{}",
    "settings.risk.{}",
    "report.status.{}",
    "report.messages.{}",
    "report.export_{}",
    "report.button.export_{}",
    "broadcast.status.{}",
    "broadcast.invalid.{}",
    "broadcast.send_time_invalid.{}",
]
FAMILIES: Mapping[Family, tuple[str, ...]] = MappingProxyType(
    {
        "questions.{}": tuple(question.value for question in Question),
        "triage.{}.title": TIERS,
        "triage.{}.what_now": TIERS,
        "reasons.{}": REASONS,
        "staff.reason.{}": REASONS,
        "staff.tier.{}": TIERS,
        "staff.status.{}": tuple(status for status in ESCALATION_STATUSES if status != EscalationStatus.OPEN),
        "typed.sign.{}": tuple(sign for sign in TYPED_SIGNS if sign not in ("fever_temperature", "pain")),  # no values
        "answers.spreading.{}": ANSWER_LABELS["spreading"],
        "answers.fever.{}": ANSWER_LABELS["fever"],
        "answers.temperature.{}": ANSWER_LABELS["temperature"],
        "answers.severity.{}": ANSWER_LABELS["severity"],
        "answers.trend.{}": ANSWER_LABELS["trend"],
        "answers.pimples.{}": ANSWER_LABELS["pimples"],
        "commands.{}": COMMANDS,
        "staff_commands.{}": STAFF_COMMANDS,
        "settings.risk.{}": ("yes", "no", "unknown"),
        "report.status.{}": ESCALATION_STATUSES,
        "report.messages.{}": ("on", "stopped", "unreachable"),
        "report.export_{}": EXPORT_KINDS,
        "report.button.export_{}": EXPORT_PERIODS,
        "broadcast.status.{}": BROADCAST_STATUSES,
        "broadcast.invalid.{}": tuple(problem.value for problem in AudienceProblem),
        "broadcast.send_time_invalid.{}": tuple(problem.value for problem in SendTimeProblem),
    }
)


def as_key(name: str) -> Key:
    """Return a key read at run time (from a file, such as a sequence step's text), or raise KeyError if unknown."""
    return KEYS[name]


def member(family: Family, value: str) -> Key:
    """Return the key of one member of a family: "staff.reason.fever" for ("staff.reason.{}", "fever").

    A value outside the family's declared values raises KeyError: the code passed something the domain does not
    have, and no text was checked for it.
    """
    if value not in FAMILIES[family]:
        raise KeyError(f"{family}: {value!r} is not one of its values")
    return KEYS[family.format(value)]


# The values the code fills in for each message that takes any: a text may use those and no others, and must use
# those marked "!", because it says nothing without them ("staff.alert" without the patient's name).
_VALUES: Mapping[Key, str] = MappingProxyType(
    {
        "welcome": "clinic_name",
        "date_confirmed": "date day",
        "date_too_old": "max_days",
        "welcome_back": "day",
        "media": "clinic_phone",
        "flood_notice": "seconds",
        "account.summary": "checkins! escalations! messages since treatment_date",
        "threshold.temperature": "value!",
        "threshold.pain": "value!",
        "threshold.day": "value!",
        "typed.mentioned": "signs!",
        "typed.sign.fever_temperature": "temperature!",
        "typed.sign.pain": "pain!",
        "typed.self_care": "day_text!",
        "checkin.header": "day! step! total",
        "checkin.intro": "day",
        "checkin.done_today": "day",
        "checkin.note_too_long": "max!",
        "checkin.expired": "day",
        "checkin.same_day_so_far": "clinic_phone",
        "triage.emergency.what_now": "clinic_phone",
        "triage.same_day.what_now": "clinic_phone! clinic_hours",
        "triage.soon.what_now": "clinic_phone! clinic_hours",
        "triage.clinic_open": "clinic_phone!",
        "triage.clinic_closed": "clinic_hours",
        "staff.alert": "date! day! escalation_id! handle! language! name! reasons! tier_label!",
        "staff.status.acknowledged": "staff time",
        "staff.status.resolved": "staff time",
        "staff.resend": "escalation_id! minutes",
        "staff.note": "note!",
        "staff.typed": "words!",
        "reminders.daily": "day",
        "settings.menu": "reminder_time! reminders! risk!",
        "settings.time_saved": "reminder_time!",
        "history.heading": "day",
        "history.line": "day! summary! date",
        "history.summary": "pain! pimples! redness! swelling!",
        "history.alert": "tier_label!",
        "staff.invite_created": "link! hours",
        "staff.list": "admins members",
        "staff.member_line": "added user_id",
        "staff.removed": "user_id",
        "staff.not_found": "user_id",
        "button.remove_staff": "user_id",
        "staff.error": "error_id error_type",
        "broadcast.invalid.too_large": "max_days",
        "broadcast.send_time_invalid.too_far": "max_days",
        "broadcast.confirm": "audience! recipients!",
        "broadcast.ask_translation": "language!",
        "broadcast.other_languages": "languages! recipients!",
        "broadcast.ask_send_time": "clinic_timezone",
        "broadcast.scheduled": "broadcast_id! send_time! audience",
        "broadcast.cancelled": "broadcast_id",
        "broadcast.progress": (
            "blocked_count! broadcast_id! done_count! failed_count! recipients! sent_count! unconfirmed_count!"
        ),
        "broadcast.report": (
            "blocked_count! broadcast_id! duration! failed_count! recipients! sent_count! unconfirmed_count!"
        ),
        "broadcast.report_cancelled": (
            "blocked_count! broadcast_id! duration! failed_count! pending_count! recipients! "
            "sent_count! unconfirmed_count!"
        ),
        "broadcast.list": "broadcast_lines!",
        "broadcast.line": (
            "blocked_count! broadcast_id! broadcast_status! failed_count! recipients! send_time! sent_count!"
        ),
        "broadcast.line_scheduled": "audience! broadcast_id! send_time!",
        "broadcast.audience.recent": "day_count! from_date to_date",
        "broadcast.audience.days": "from_day! to_day! from_date to_date",
        "broadcast.audience.dates": "from_date! to_date!",
        "broadcast.duration.seconds": "seconds!",
        "broadcast.duration.minutes": "minutes! seconds!",
        "broadcast.duration.hours": "hours! minutes!",
        "broadcast.button.cancel_numbered": "broadcast_id!",
        "report.alerts_heading": "open_count!",
        "report.alerts_more": "hidden! shown",
        "report.alert_patient": "user_id!",
        "report.patient_unknown": "query",
        "report.facts": (
            "patient_messages! patient_reminder! recovery_day! treated_on! user_id! handle patient_language"
        ),
        "report.default_reminder": "time",
        "report.checkins_heading": "checkin_count",
        "report.checkins_earlier": "earlier",
        "report.escalations_heading": "escalation_count",
        "report.escalation_line": "alert_status! escalation_id! tier_label! date",
        "report.chart_caption": "user_id",
        "report.stats": (
            "adherence! broadcasts_sent! open_alerts! patients_active! patients_in_window! "
            "patients_unreachable! date first_date last_date last_day"
        ),
        "report.adherence": "adherence_percent! checkins_expected! checkins_received!",
        "report.tier_count": "tier_count! tier_label!",
        "report.period": "first_date! last_date!",
        "report.period_all": "last_date!",
        "report.export_checkins": "period! row_count!",
        "report.export_escalations": "period! row_count!",
        "sequence.day0_evening": "clinic_hours clinic_name clinic_phone",
        "sequence.day1": "clinic_phone! clinic_hours clinic_name",
        "sequence.day3": "clinic_phone! clinic_hours clinic_name",
        "sequence.day7": "clinic_phone! clinic_hours clinic_name",
        "sequence.day14": "clinic_hours clinic_name clinic_phone",
    }
)
# Every message and the values the code fills in: a text may use those and no others.
MESSAGE_PLACEHOLDERS: Mapping[Key, frozenset[str]] = MappingProxyType(
    {key: frozenset(name.rstrip("!") for name in _VALUES.get(key, "").split()) for key in KEYS.values()}
)
# The values a text must use.
REQUIRED_PLACEHOLDERS: Mapping[Key, frozenset[str]] = MappingProxyType(
    {
        key: frozenset(name[:-1] for name in names.split() if name.endswith("!"))
        for key, names in _VALUES.items()
        if "!" in names
    }
)
# The values any other message in the files may use (a message that no handler sends yet).
OTHER_MESSAGE = _CLINIC | {"day", "date", "max_days"}
# Messages that are lists of words rather than one text, and how many words each has.
WORD_LISTS: Mapping[str, int] = MappingProxyType({"history.chart.severity": len(SEVERITIES)})


def home_file(key: str) -> str:
    """Return the file where a message of the catalogue belongs: messages.toml, checkin.toml or clinic.toml."""
    return MESSAGE_FILES[1] if key in WORD_LISTS else _FILE_OF.get(key, MESSAGE_FILES[0])


TOASTS: frozenset[Key] = frozenset({"consent_already", "stale_button", "staff.not_staff", "staff.already"})
CAPTIONS: Mapping[Key, int] = MappingProxyType(
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
        "language": _wide(40),  # a language named in itself: a button label, 40 characters at most
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
        "languages": _wide(200),  # languages named in themselves, joined with ", "
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


def _names(name: str) -> bool:
    """Tell whether a name in a table of limits is a key, or a family prefix ("button.") of at least one key."""
    return name in KEYS or (name.endswith(".") and any(key.startswith(name) for key in KEYS))


def check_catalogue() -> None:
    """Raise ValueError unless the catalogue holds together: run at import, so that a broken one cannot start.

    Every family member and button name is a key of the list; every plain-text limit names a key or a family of
    keys; every value the code fills in has a widest form.
    """
    problems = [
        f"{family}: no key {family.format(value)!r}"
        for family, values in FAMILIES.items()
        for value in values
        if family.format(value) not in KEYS
    ]
    buttons = {f"button.{name}" for name in get_args(ButtonName)}
    unpaired = buttons ^ {name for name in KEYS if name.startswith("button.")}
    problems += [f"{name}: a button name and its key go together" for name in sorted(unpaired)]
    problems += [f"{name}: a plain-text limit for no key" for name in PLAIN_LIMITS if not _names(name)]
    used = {value for values in MESSAGE_PLACEHOLDERS.values() for value in values} - {
        "date"
    }  # the date: by the calendar
    problems += [f"{{{value}}}: no widest value in WORST_VALUES" for value in sorted(used - set(WORST_VALUES))]
    if problems:
        raise ValueError("content key catalogue: " + "; ".join(problems))


check_catalogue()
